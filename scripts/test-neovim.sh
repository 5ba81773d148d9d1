#!/usr/bin/env bash
# The language server with a real editor: Neovim, headless, attaches
# `rpclint server` to copies of fixtures in C, C++ and Rust, and checks the
# diagnostics it shows, then that they clear when the buffer is edited to
# the good form (scripts/neovim-lsp.lua). Neovim comes from the system's
# packages (Debian bookworm: 0.7), installed with apt-get when missing.
#
#   scripts/test-neovim.sh [RPCLINT_BINARY]   (default: target/debug/rpclint, built if missing)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nvim >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get install -y -qq neovim >/dev/null 2>&1 \
            || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq neovim >/dev/null; }
    fi
fi
command -v nvim >/dev/null 2>&1 || { echo "test-neovim: nvim is not installed" >&2; exit 2; }

bin="${1:-target/debug/rpclint}"
[ -x "$bin" ] || cargo build --quiet
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cases=""
for ext in c cpp rs; do
    mkdir -p "$work/$ext"
    cp "fixtures/missing-privacy/bad_integrity_only.$ext" "fixtures/missing-privacy/ok_privacy.$ext" "$work/$ext/"
    cases="$cases $work/$ext/bad_integrity_only.$ext:$work/$ext/ok_privacy.$ext"
done

echo "test-neovim: $(nvim --version | head -n 1)"
RPCLINT_BIN="$bin" RPCLINT_NVIM_CASES="$cases" \
    timeout 600 nvim --headless --clean -c "luafile scripts/neovim-lsp.lua"
echo "test-neovim: ok"
