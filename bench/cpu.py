#!/usr/bin/env python3
"""CPU time (user + sys) of rpclint binaries on bench/run.sh's trees, interleaved.

    bench/cpu.py ROUNDS TREES_DIR BIN...     (TREES="wine curl rust" by default)

Each round runs every binary on every tree in turn (`check --jobs 1 --format
short --isolated`); prints the median and the minimum per binary and tree.
CPU time moves less than wall time when other jobs share the machine.
TREES_DIR is bench/run.sh's corpus directory (~/.cache/rpclint-bench/corpus).
"""

import os
import statistics
import subprocess
import sys


def main():
    rounds, trees_dir, bins = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    trees = os.environ.get("TREES", "wine curl rust").split()
    res = {(b, t): [] for b in bins for t in trees}
    for _ in range(rounds):
        for t in trees:
            for b in bins:
                p = subprocess.Popen([b, "check", "--jobs", "1", "--format", "short", "--isolated",
                                      os.path.join(trees_dir, t)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                _, _, ru = os.wait4(p.pid, 0)
                res[(b, t)].append(ru.ru_utime + ru.ru_stime)
    with open("/proc/loadavg") as f:
        print("load average at the end:", " ".join(f.read().split()[:3]))
    for t in trees:
        print(t, "  ".join(f"{os.path.basename(b)}={statistics.median(res[(b, t)]):.3f}s (min {min(res[(b, t)]):.3f})"
                           for b in bins))


if __name__ == "__main__":
    main()
