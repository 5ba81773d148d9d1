#!/usr/bin/env bash
# Builds the VS Code extension (editors/vscode/, a thin vscode-languageclient
# client of `rpclint server`) and packages it to editors/vscode/rpclint.vsix
# with vsce (@vscode/vsce, pinned in package.json, locked in
# package-lock.json). Installs the locked dependencies with `npm ci`
# (install scripts off: packaging needs none), then checks that the .vsix
# holds the extension's code and its runtime dependency. Needs node and npm.
#
#   scripts/build-vscode.sh        then: code --install-extension editors/vscode/rpclint.vsix
set -euo pipefail
cd "$(dirname "$0")/../editors/vscode"

die() { echo "build-vscode: $*" >&2; exit 2; }
command -v npm >/dev/null || die "npm is needed"
command -v node >/dev/null || die "node is needed"

npm ci --ignore-scripts --no-audit --no-fund --silent
rm -f rpclint.vsix
# The repository has no LICENSE file of its own yet (the licence is named
# in package.json); the README says how to install.
npx --no-install vsce package --skip-license --out rpclint.vsix

# A .vsix is a zip: the manifest, the client and vscode-languageclient must be in it.
node -e '
const zip = require("fs").readFileSync("rpclint.vsix");
const names = zip.toString("latin1");
for (const want of ["extension/package.json", "extension/extension.js",
                    "extension/node_modules/vscode-languageclient/node.js"]) {
  if (!names.includes(want)) { console.error("build-vscode: " + want + " is not in rpclint.vsix"); process.exit(1); }
}'
echo "build-vscode: $(pwd)/rpclint.vsix ($(wc -c < rpclint.vsix) bytes)"
