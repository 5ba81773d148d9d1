#!/usr/bin/env bash
# The benchmark (see bench/run.py): fetches pinned real corpora into ~/.cache/rpclint-bench/,
# times rpclint against rg and its peers, writes docs/performance.md.
set -euo pipefail
exec python3 "$(dirname "$0")/run.py" "$@"
