#!/usr/bin/env python3
"""CPU time (user + sys) of rpclint binaries on bench/run.sh's trees, interleaved.

    bench/cpu.py ROUNDS TREES_DIR BIN...     (TREES="wine curl rust" by default)

Each round runs every binary on every tree in turn (`check --jobs 1 --format
short --isolated`); prints the median and the minimum per binary and tree,
and the wall-time median. CPU time moves less than wall time when other jobs
share the machine. TREES_DIR is bench/run.sh's corpus directory
(~/.cache/rpclint-bench/corpus). A BIN written `VAR=VALUE:path` runs that
binary with VAR set, e.g. the same binary twice, with and without
`RPCLINT_NO_SUMMARIES=1:target/release/rpclint` (the summaries' cost).
"""

import os
import statistics
import subprocess
import sys
import time


def variant(arg):
    """(label, path, extra environment) of a BIN argument."""
    head, sep, path = arg.partition(":")
    if sep and "=" in head and "/" not in head:
        var, _, value = head.partition("=")
        return f"{os.path.basename(path)}+{var}", path, {var: value}
    return os.path.basename(arg), arg, {}


def main():
    rounds, trees_dir, bins = int(sys.argv[1]), sys.argv[2], [variant(a) for a in sys.argv[3:]]
    trees = os.environ.get("TREES", "wine curl rust").split()
    res = {(b[0], t): [] for b in bins for t in trees}
    wall = {(b[0], t): [] for b in bins for t in trees}
    with open("/proc/loadavg") as f:
        print("load average at the start:", " ".join(f.read().split()[:3]))
    for _ in range(rounds):
        for t in trees:
            for label, path, env in bins:
                start = time.monotonic()
                p = subprocess.Popen([path, "check", "--jobs", "1", "--format", "short", "--isolated",
                                      os.path.join(trees_dir, t)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env={**os.environ, **env})
                _, _, ru = os.wait4(p.pid, 0)
                wall[(label, t)].append(time.monotonic() - start)
                res[(label, t)].append(ru.ru_utime + ru.ru_stime)
    with open("/proc/loadavg") as f:
        print("load average at the end:", " ".join(f.read().split()[:3]))
    for t in trees:
        print(t, "  ".join(f"{b[0]}={statistics.median(res[(b[0], t)]):.3f}s (min {min(res[(b[0], t)]):.3f}, "
                           f"wall {statistics.median(wall[(b[0], t)]):.3f})" for b in bins))


if __name__ == "__main__":
    main()
