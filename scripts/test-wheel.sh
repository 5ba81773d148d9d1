#!/usr/bin/env bash
# Builds the Linux wheel with maturin (from PyPI, in its own virtual
# environment), installs it in a fresh virtual environment and runs the
# installed `rpclint check examples/`, which must report the example tree's
# findings: what `pip install rpclint` gives a user, minus the upload.
#
#   scripts/test-wheel.sh            build (release profile), install, check
#
# RPCLINT_WHEEL_PROFILE picks the cargo profile (default: release, the
# profile a published wheel uses). The wheel is built into a scratch
# directory; cargo's target/ is reused, so a second run only relinks.
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${RPCLINT_WHEEL_PROFILE:-release}"
maturin_version="${MATURIN_VERSION:-1.16.0}"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

say() { echo "test-wheel: $*" >&2; }

python3 -m venv "$scratch/build-env"
"$scratch/build-env/bin/pip" install --quiet --disable-pip-version-check "maturin==$maturin_version"

start=$(date +%s)
"$scratch/build-env/bin/maturin" build --quiet --profile "$profile" --out "$scratch/dist" >&2
say "maturin build --profile $profile: $(( $(date +%s) - start )) s"
wheel=$(ls "$scratch"/dist/rpclint-*.whl)
say "built $(basename "$wheel")"

python3 -m venv "$scratch/user-env"
"$scratch/user-env/bin/pip" install --quiet --disable-pip-version-check --no-index "$wheel"
installed="$scratch/user-env/bin/rpclint"
[ -x "$installed" ] || { say "the wheel put no rpclint on the environment's PATH"; exit 1; }

"$installed" --version
# The example tree's findings (examples/README.md): exit 1 and these lines.
set +e
out=$("$installed" check examples/ --format short 2>&1)
code=$?
set -e
expected=(
    "examples/com_client.cpp:10:30: warning[missing-privacy]"
    "examples/rpc_client.c:33:42: error[unverified-server-principal]"
)
status=0
[ "$code" -eq 1 ] || { say "expected exit 1 (findings), got $code"; status=1; }
for line in "${expected[@]}"; do
    grep -qF "$line" <<<"$out" || { say "missing finding: $line"; status=1; }
done
n=$(grep -c '\]: ' <<<"$out" || true)
[ "$n" -eq "${#expected[@]}" ] || { say "expected ${#expected[@]} findings, got $n"; status=1; }
printf '%s\n' "$out"
[ "$status" -eq 0 ] && say "ok: the installed wheel reports the example tree's ${#expected[@]} findings"
exit "$status"
