#!/usr/bin/env bash
# Validates SARIF files with Microsoft's SARIF Multitool (`validate`), which
# checks the SARIF 2.1.0 schema and SARIF's own rules (index ranges, region
# consistency, ...) beyond what tests/sarif_schema.rs checks.
#
#   scripts/sarif-validate.sh FILE.sarif...   validate these files
#   scripts/sarif-validate.sh                 validate the documents that
#                                             tests/sarif_schema.rs generates,
#                                             and real output of
#                                             `rpclint check fixtures --format sarif`
#                                             (with suppressed results, unused
#                                             suppressions, and a baseline run)
#
# Fails (exit 1) on any error-level validator result; warnings are printed
# but pass (SARIF_VALIDATE_LEVEL="Error;Warning;Note" prints notes too). The validator itself exits 0 whatever it finds, so this
# script reads the validator's own SARIF output instead of its exit code.
#
# The tool comes from the npm registry (@microsoft/sarif-multitool-linux, a
# self-contained .NET build, Linux x86-64 only) and is installed once into
# $RPCLINT_SARIF_MULTITOOL_CACHE (default ~/.cache/rpclint-sarif-multitool).
# Needs node and npm.
set -euo pipefail

version="${SARIF_MULTITOOL_VERSION:-5.7.0}"
level="${SARIF_VALIDATE_LEVEL:-Error;Warning}"
cache="${RPCLINT_SARIF_MULTITOOL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rpclint-sarif-multitool}/$version"
tool="$cache/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"

die() { echo "sarif-validate: $*" >&2; exit 2; }

[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || die "the SARIF Multitool npm package runs on Linux x86-64 only"
command -v npm >/dev/null || die "npm is needed to install the SARIF Multitool"
command -v node >/dev/null || die "node is needed to read the validator's output"

if [ ! -e "$tool" ]; then
    echo "sarif-validate: installing @microsoft/sarif-multitool-linux@$version into $cache" >&2
    mkdir -p "$cache"
    npm install --prefix "$cache" --no-audit --no-fund --silent "@microsoft/sarif-multitool-linux@$version" >&2
fi
# npm may skip the package's postinstall (which only does this) under its
# install-script policy.
[ -x "$tool" ] || chmod u+x "$tool"
# The validator needs no culture data; without this it aborts on machines
# that lack libicu.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
    root=$(cd "$(dirname "$0")/.." && pwd)
    echo "sarif-validate: generating sample documents with tests/sarif_schema.rs" >&2
    if ! (cd "$root" && RPCLINT_SARIF_SAMPLES="$scratch/samples" cargo test --quiet --test sarif_schema) \
        >"$scratch/cargo.log" 2>&1; then
        cat "$scratch/cargo.log" >&2
        die "cargo test --test sarif_schema failed"
    fi
    files=("$scratch"/samples/*.sarif)

    echo "sarif-validate: running rpclint on fixtures/" >&2
    (cd "$root" && cargo build --quiet) >"$scratch/cargo.log" 2>&1 || { cat "$scratch/cargo.log" >&2; die "cargo build failed"; }
    bin="$root/target/debug/rpclint"
    # Exit code 1 means findings, which fixtures have; 2 would be an error.
    rpclint() { local code=0; (cd "$root" && "$bin" "$@") || code=$?; [ "$code" -le 1 ] || die "rpclint $* exited $code"; }
    rpclint check fixtures --format sarif --report-unused-suppressions --output "$scratch/fixtures.sarif"
    grep -q '"kind": "inSource"' "$scratch/fixtures.sarif" || die "fixtures.sarif has no suppressed result"
    grep -q '"justification"' "$scratch/fixtures.sarif" || die "fixtures.sarif has no suppression reason"
    grep -q '"ruleId": "unused-suppression"' "$scratch/fixtures.sarif" || die "fixtures.sarif has no unused-suppression result"
    rpclint check fixtures/missing-integrity --write-baseline "$scratch/baseline.json" --quiet
    rpclint check fixtures --format sarif --baseline "$scratch/baseline.json" --output "$scratch/fixtures-baseline.sarif"
    grep -q '"baselineState": "new"' "$scratch/fixtures-baseline.sarif" || die "fixtures-baseline.sarif has no baselineState"
    files+=("$scratch/fixtures.sarif" "$scratch/fixtures-baseline.sarif")
fi

status=0
for file in "${files[@]}"; do
    [ -f "$file" ] || die "$file: no such file"
    out="$scratch/$(basename "$file").validation.sarif"
    echo "== $file" >&2
    "$tool" validate --level "$level" --output "$out" "$file" \
        | grep -E ': (error|warning|note) ' >&2 || true
    [ -s "$out" ] || { echo "sarif-validate: $file: the validator wrote no report" >&2; status=1; continue; }
    # Count error-level results, taking a missing level from the rule's
    # default configuration and then SARIF's default, "warning".
    if ! node - "$out" <<'JS'
const log = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
let errors = 0;
for (const run of log.runs || []) {
  const rules = (run.tool && run.tool.driver && run.tool.driver.rules) || [];
  for (const r of run.results || []) {
    const rule = rules[r.ruleIndex] || rules.find((x) => x.id === r.ruleId) || {};
    const level = r.level || (rule.defaultConfiguration && rule.defaultConfiguration.level) || "warning";
    if (level === "error") errors++;
  }
  for (const inv of run.invocations || []) {
    if (inv.executionSuccessful === false) errors++;
    for (const n of [...(inv.toolExecutionNotifications || []), ...(inv.toolConfigurationNotifications || [])]) {
      if (n.level === "error") { errors++; console.error("validator: " + ((n.message && n.message.text) || "error")); }
    }
  }
}
console.error(errors ? `${errors} error(s)` : "no errors");
process.exit(errors ? 1 : 0);
JS
    then
        status=1
    fi
done
exit $status
