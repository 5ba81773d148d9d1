#!/usr/bin/env bash
# Proves .pre-commit-hooks.yaml with the real pre-commit tool (PyPI): a
# temporary git repository whose .pre-commit-config.yaml uses this
# repository (its path, and HEAD as `rev`) as the hook repository; a commit
# of a file with an insecure call is rejected with the finding printed, a
# commit of a clean file passes, and a commit without C, C++ or Rust files
# does not run the hook.
#
# The hook is built from the committed HEAD, not from uncommitted changes.
# `language: rust` makes pre-commit run `cargo install --path .` in its own
# clone of this repository: a release build. Its target directory is kept in
# the cache (CARGO_TARGET_DIR), so only the first run builds the dependencies.
#
# Cache: $RPCLINT_PRE_COMMIT_CACHE (default ~/.cache/rpclint-pre-commit) holds
# the venv with pre-commit, PRE_COMMIT_HOME and the cargo target directory.
set -euo pipefail

version="${PRE_COMMIT_VERSION:-4.7.0}"
cache="${RPCLINT_PRE_COMMIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rpclint-pre-commit}"
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$cache/venv-$version"

say() { echo "test-pre-commit: $*" >&2; }
fail() { say "FAIL: $*"; exit 1; }

command -v python3 >/dev/null || fail "python3 is needed"
command -v cargo >/dev/null || fail "cargo is needed (language: rust builds the hook with cargo install)"
if [ ! -x "$venv/bin/pre-commit" ]; then
    say "installing pre-commit $version into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "pre-commit==$version"
fi
export PRE_COMMIT_HOME="$cache/home"
export CARGO_TARGET_DIR="$cache/target"
export PRE_COMMIT_COLOR=never

rev=$(git -C "$root" rev-parse HEAD)
if [ -n "$(git -C "$root" status --porcelain -- .pre-commit-hooks.yaml Cargo.toml src)" ]; then
    say "note: uncommitted changes are not tested; the hook is built from HEAD $rev"
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
git init -q .
git config user.name "pre-commit test"
git config user.email "test@example.com"
git config commit.gpgsign false
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $root
    rev: $rev
    hooks:
      - id: rpclint
YAML
git add .pre-commit-config.yaml
git commit -q -m "pre-commit configuration"
"$venv/bin/pre-commit" install >/dev/null

start=$(date +%s)
say "building the hook (pre-commit install-hooks: cargo install of $rev)"
"$venv/bin/pre-commit" install-hooks >"$scratch/install.log" 2>&1 || { cat "$scratch/install.log" >&2; fail "install-hooks"; }
say "hook environment ready in $(( $(date +%s) - start ))s"

# 1. A commit with an insecure call is rejected, and the finding is printed
#    (`missing-privacy`: a rule of the default set; `missing-integrity` is in `audit`).
cat > client.c <<'C'
#include <rpc.h>

RPC_STATUS bind(RPC_BINDING_HANDLE h, RPC_WSTR spn, RPC_SECURITY_QOS *qos)
{
    return RpcBindingSetAuthInfoExW(h, spn, RPC_C_AUTHN_LEVEL_PKT_INTEGRITY, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, qos);
}
C
git add client.c
if git commit -m "insecure client" >"$scratch/bad.log" 2>&1; then
    cat "$scratch/bad.log" >&2
    fail "the commit with an insecure call was accepted"
fi
grep -q "client.c:5:45: warning\[missing-privacy\]" "$scratch/bad.log" \
    || { cat "$scratch/bad.log" >&2; fail "the rejected commit did not print the finding"; }
grep -q "^rpclint\.*Failed" "$scratch/bad.log" || { cat "$scratch/bad.log" >&2; fail "the hook did not report Failed"; }
say "ok: insecure commit rejected with the finding printed"

# 2. A clean file commits.
cat > client.c <<'C'
#include <rpc.h>

RPC_STATUS bind(RPC_BINDING_HANDLE h, RPC_WSTR spn, RPC_SECURITY_QOS *qos)
{
    return RpcBindingSetAuthInfoExW(h, spn, RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, qos);
}
C
git add client.c
git commit -m "secure client" >"$scratch/good.log" 2>&1 || { cat "$scratch/good.log" >&2; fail "the clean commit was rejected"; }
grep -q "^rpclint\.*Passed" "$scratch/good.log" || { cat "$scratch/good.log" >&2; fail "the hook did not report Passed"; }
say "ok: clean commit accepted"

# 3. Neither C, C++ nor Rust: the hook is skipped.
echo "notes" > README.md
git add README.md
git commit -m "docs" >"$scratch/skip.log" 2>&1 || { cat "$scratch/skip.log" >&2; fail "the docs commit was rejected"; }
grep -q "^rpclint\.*(no files to check)Skipped" "$scratch/skip.log" \
    || { cat "$scratch/skip.log" >&2; fail "the hook was not skipped for a file it does not read"; }
say "ok: no C, C++ or Rust file, hook skipped"
echo "3 passed, 0 failed"
