#!/usr/bin/env bash
# Runs `dist plan` (cargo-dist) and checks that it lists the release
# artifacts the README promises: archives for Windows x86_64 and aarch64,
# Linux and macOS, the shell and PowerShell installers, and that the
# generated release workflow is up to date with the configuration.
#
# dist comes from `cargo install cargo-dist --locked` (no registry ships it
# prebuilt; the build takes long). Without dist on PATH this prints that the
# check was skipped and exits 0, unless RPCLINT_REQUIRE_DIST=1.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dist >/dev/null 2>&1; then
    if [ "${RPCLINT_REQUIRE_DIST:-0}" = 1 ]; then
        echo "dist-plan: dist not found and RPCLINT_REQUIRE_DIST=1 (cargo install cargo-dist --locked)" >&2
        exit 1
    fi
    echo "dist-plan: skipped: dist (cargo-dist) is not installed; cargo install cargo-dist --locked" >&2
    exit 0
fi

plan=$(dist plan --output-format=json --no-local-paths 2>/dev/null || dist plan --output-format=json)
status=0
for artifact in \
    rpclint-x86_64-pc-windows-msvc.zip \
    rpclint-aarch64-pc-windows-msvc.zip \
    rpclint-x86_64-unknown-linux-gnu.tar.xz \
    rpclint-aarch64-unknown-linux-gnu.tar.xz \
    rpclint-x86_64-apple-darwin.tar.xz \
    rpclint-aarch64-apple-darwin.tar.xz \
    rpclint-installer.sh \
    rpclint-installer.ps1; do
    grep -qF "\"$artifact\"" <<<"$plan" || { echo "dist-plan: the plan lacks $artifact" >&2; status=1; }
done
dist plan >&2
# `dist generate --check` fails when .github/workflows/release.yml is not
# what the configuration generates.
dist generate --check >&2 || { echo "dist-plan: release.yml is stale: run dist generate" >&2; status=1; }
[ "$status" -eq 0 ] && echo "dist-plan: ok: the release plan lists every promised artifact" >&2
exit "$status"
