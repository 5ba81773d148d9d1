#!/usr/bin/env python3
"""The linearity plot of `bench/run.sh --corpus big`: CPU time and peak RSS of
rpclint and `rg -l` against the bytes of the trees, one point per step.

    bench/plot.py <last-big.json> <out.png>

Needs matplotlib: bench/run.sh runs it in a venv of its own with the
pinned version (`python3 -m venv v && v/bin/pip install matplotlib==3.10.7`).
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    rows = json.load(open(sys.argv[1]))["rows"]
    gb = [r["bytes"] / 1e9 for r in rows]
    fig, (t, m) = plt.subplots(1, 2, figsize=(10, 4), dpi=100)
    for tool, style in (("rpclint", "o-"), ("rg", "s--")):
        label = "rpclint check" if tool == "rpclint" else "rg -l -F -f <API names>"
        t.plot(gb, [r[tool]["cpu"] for r in rows], style, label=label)
        m.plot(gb, [r[tool]["rss"] / 1024 for r in rows], style, label=label)
    # The line through the origin and the first point: growth in proportion to size.
    k = rows[0]["rpclint"]["cpu"] / gb[0]
    t.plot([0, gb[-1]], [0, k * gb[-1]], ":", color="grey", label="rpclint, proportional to the first group")
    t.set(xlabel="source bytes (GB)", ylabel="CPU time, user + sys (s)", title="time", xlim=(0, None), ylim=(0, None))
    m.set(xlabel="source bytes (GB)", ylabel="peak RSS (MiB)", title="memory", xlim=(0, None), ylim=(0, None))
    for ax in (t, m):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"rpclint on 1 to {len(rows)} groups of trees ({len(rows[-1]['trees'])} trees in all); "
                 "medians of interleaved rounds", fontsize=10)
    fig.tight_layout()
    fig.savefig(sys.argv[2])


if __name__ == "__main__":
    main()
