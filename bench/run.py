#!/usr/bin/env python3
"""rpclint's benchmark: wall time and peak memory on real trees, as ratios to
`rg -l -F -f <API names>` (the cost of reading the bytes) measured in the same
run on the same machine, interleaved, warm cache.

    bench/run.sh                 everything, writes docs/performance.md
    bench/run.sh --rounds 3      fewer rounds
    bench/run.sh --no-peers      skip ast-grep and Semgrep
    bench/run.sh --corpus wine   only some corpora (wine, curl, rust, qtbase)
    bench/run.sh --corpus big    only the linearity run: eleven pinned trees of
                                 the real-world corpus in four groups of 0.23 to
                                 0.27 GB of C, C++ and Rust each as rpclint reads
                                 them (1.0 GB in all), from $RPCLINT_CORPUS_DIR/trees
                                 (fetched by scripts/corpus.sh --fetch when missing),
                                 one, two, three and four groups passed as paths;
                                 writes its table into docs/performance.md and the
                                 plot docs/performance-linearity.png (bench/plot.py)
    bench/run.sh --baseline BIN  also time another rpclint binary (an older
                                 build), interleaved with this one

Corpora (fetched once into ~/.cache/rpclint-bench, or $RPCLINT_BENCH_DIR,
outside the repository so that no tool skips them as git-ignored): Debian source
packages `wine` and `curl` (and `qtbase-opensource-src` with --corpus qtbase),
and the crates windows, windows-sys, wmi, schannel at pinned versions.
Peers, when they can be installed here: ast-grep (npm @ast-grep/cli) and
Semgrep (PyPI), with the rules in bench/peers/ equivalent to two of ours.
"""

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Outside the repository: no tool may skip the corpus as ignored by its .gitignore.
WORK = Path(os.environ.get("RPCLINT_BENCH_DIR", Path.home() / ".cache" / "rpclint-bench"))
CORPUS = WORK / "corpus"
TOOLS = WORK / "tools"

CRATES = {"windows": "0.62.2", "windows-sys": "0.61.2", "wmi": "0.18.4", "schannel": "0.1.30"}
DEBIAN = {"wine": "wine", "curl": "curl", "qtbase": "qtbase-opensource-src"}
# The 1 GB corpus: trees of tests/realworld/corpus.txt, in four groups of
# about 0.25 GB of source each (C, C++ and Rust mixed), added one at a time.
BIG = [
    ["wine", "glib2.0", "python3.11", "libgit2"],
    ["wireshark", "subversion"],
    ["qtbase-opensource-src", "openjdk-17", "postgresql-15"],
    ["qemu", "windows"],
]
AST_GREP = "0.51.1"
SEMGREP = "1.185.0"
MATPLOTLIB = "3.10.7"


def log(*a):
    print("bench:", *a, file=sys.stderr, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


# ----- corpora ---------------------------------------------------------------

def debian_source(key):
    """Fetches and unpacks a Debian source package; returns (dir, version)."""
    pkg = DEBIAN[key]
    dest = CORPUS / key
    stamp = dest / ".version"
    if stamp.exists():
        return dest, stamp.read_text().strip()
    dl = WORK / "download" / key
    dl.mkdir(parents=True, exist_ok=True)
    log(f"fetching Debian source {pkg}")
    run(["apt-get", "source", "--download-only", pkg], cwd=dl, stdout=subprocess.DEVNULL)
    dsc = sorted(dl.glob("*.dsc"))[-1]
    version = dsc.stem.split("_", 1)[1]
    tars = [t for t in dl.glob("*.orig.tar.*") if not t.name.endswith(".asc")]
    tmp = WORK / "unpack" / key
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    run(["tar", "xf", str(tars[0]), "-C", str(tmp)])
    (top,) = [p for p in tmp.iterdir() if p.is_dir()]
    shutil.rmtree(dest, ignore_errors=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    top.rename(dest)
    stamp.write_text(version + "\n")
    return dest, version


def rust_crates():
    dest = CORPUS / "rust"
    stamp = dest / ".version"
    if stamp.exists():
        return dest, stamp.read_text().strip()
    scratch = WORK / "cargo-scratch"
    (scratch / "src").mkdir(parents=True, exist_ok=True)
    deps = "\n".join(f'{name} = "={ver}"' for name, ver in CRATES.items())
    (scratch / "Cargo.toml").write_text(
        f'[package]\nname = "bench-corpus"\nversion = "0.0.0"\nedition = "2021"\n[dependencies]\n{deps}\n'
    )
    (scratch / "src" / "lib.rs").write_text("")
    log("fetching crates " + ", ".join(f"{k} {v}" for k, v in CRATES.items()))
    run(["cargo", "fetch", "--quiet"], cwd=scratch)
    meta = json.loads(
        subprocess.run(["cargo", "metadata", "--format-version", "1"], cwd=scratch, check=True, capture_output=True).stdout
    )
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for p in meta["packages"]:
        if p["name"] in CRATES and p["version"] == CRATES[p["name"]]:
            src = Path(p["manifest_path"]).parent
            shutil.copytree(src, dest / f"{p['name']}-{p['version']}", symlinks=True)
    version = ", ".join(f"{k} {v}" for k, v in CRATES.items())
    stamp.write_text(version + "\n")
    return dest, version


def doubled(src):
    """Two copies of a tree side by side (for the linearity check)."""
    dest = src.parent / (src.name + "-x2")
    if not dest.exists():
        log(f"copying {src.name} twice")
        dest.mkdir()
        for half in ("a", "b"):
            shutil.copytree(src, dest / half, symlinks=True)
    return dest


def big_corpus():
    """The real-world corpus's trees for the linearity run: groups of [(dir, version)]."""
    cdir = Path(os.environ.get("RPCLINT_CORPUS_DIR", ROOT / "corpus"))
    pinned = {}
    for line in (ROOT / "tests" / "realworld" / "corpus.txt").read_text().splitlines():
        f = line.split()
        if len(f) >= 3 and not f[0].startswith("#"):
            pinned[f[1]] = f[2]
    if any(not (cdir / "trees" / n).is_dir() for g in BIG for n in g):
        log(f"fetching the corpus into {cdir}")
        run([str(ROOT / "scripts" / "corpus.sh"), "--fetch"], env={**os.environ, "RPCLINT_CORPUS_DIR": str(cdir)})
    out = []
    for group in BIG:
        trees = []
        for n in group:
            stamp = cdir / "trees" / f"{n}.version"
            have = stamp.read_text().strip() if stamp.exists() else "unknown"
            if have != pinned.get(n):
                log(f"warning: {n} is {have}, tests/realworld/corpus.txt pins {pinned.get(n)}")
            trees.append((cdir / "trees" / n, have))
        out.append(trees)
    return out


def source_bytes(rpclint, paths):
    """The bytes rpclint reads in phase 1 (its source files), from RPCLINT_TIMINGS."""
    err = subprocess.run([rpclint, "check", "--format", "short", "--isolated", *map(str, paths)],
                         env={**os.environ, "RPCLINT_TIMINGS": "1"}, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True).stderr
    for line in err.splitlines():
        if line.startswith("rpclint: timing: phase 1: "):
            return int(line.rsplit(", ", 1)[1].split()[0])
    return 0


# ----- tools -----------------------------------------------------------------

def api_names():
    """Every name the prefilter looks for, from the knowledge base."""
    kb = tomllib.loads((ROOT / "rules" / "api.toml").read_text())
    names = set()
    for entry in kb.get("function", []) + kb.get("method", []):
        names.add(entry["name"])
        if entry.get("aw"):
            names.update({entry["name"] + "A", entry["name"] + "W"})
        if entry.get("c-macro") and entry.get("interface"):
            names.add(f"{entry['interface']}_{entry['name']}")
    path = WORK / "api-names.txt"
    path.write_text("\n".join(sorted(names)) + "\n")
    return path


def ast_grep():
    exe = TOOLS / "ast-grep" / "node_modules" / ".bin" / "ast-grep"
    if not exe.exists() and shutil.which("npm"):
        log(f"installing ast-grep {AST_GREP}")
        subprocess.run(
            ["npm", "install", "--prefix", str(TOOLS / "ast-grep"), "--no-audit", "--no-fund", "--silent",
             f"@ast-grep/cli@{AST_GREP}"],
            stdout=subprocess.DEVNULL,
        )
    return exe if exe.exists() else None


def semgrep():
    venv = TOOLS / "semgrep"
    exe = venv / "bin" / "semgrep"
    if not exe.exists():
        log(f"installing semgrep {SEMGREP}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], stdout=subprocess.DEVNULL)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"semgrep=={SEMGREP}"], stdout=subprocess.DEVNULL)
    return exe if exe.exists() else None


def plotter():
    """A Python with matplotlib, for bench/plot.py (a venv of its own)."""
    venv = TOOLS / "plot"
    exe = venv / "bin" / "python"
    if not (venv / ".ok").exists():
        log(f"installing matplotlib {MATPLOTLIB}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], stdout=subprocess.DEVNULL)
        ok = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"matplotlib=={MATPLOTLIB}"],
                            stdout=subprocess.DEVNULL).returncode == 0
        if ok:
            (venv / ".ok").write_text(MATPLOTLIB + "\n")
    return exe if (venv / ".ok").exists() else None


# ----- measuring -------------------------------------------------------------

def measure(cmd, cwd):
    """Runs `cmd` once; returns (wall seconds, peak RSS in KiB, exit code, CPU seconds: user + sys)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss, os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime


def bench(commands, rounds, cwd):
    """Interleaved: each round runs every command once, in turn."""
    results = {name: [] for name, _ in commands}
    for name, cmd in commands:  # warm the page cache and the binaries
        measure(cmd, cwd)
    for r in range(rounds):
        for name, cmd in commands:
            results[name].append(measure(cmd, cwd))
        log(f"round {r + 1}/{rounds} done")
    return results


def output_lines(cmd, cwd):
    """How many lines a command prints: evidence that it did the work."""
    out = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return out.stdout.count(b"\n"), out.returncode


def summary(samples):
    walls = [s[0] for s in samples]
    return {
        "median": statistics.median(walls),
        "min": min(walls),
        "max": max(walls),
        "rss": max(s[1] for s in samples),
        "codes": sorted({s[2] for s in samples}),
        "cpu": statistics.median(s[3] for s in samples),
    }


# ----- main ------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--corpus", action="append", choices=["wine", "curl", "rust", "qtbase", "big"])
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--output", default=str(ROOT / "docs" / "performance.md"))
    ap.add_argument("--baseline", help="another rpclint binary to time in the same rounds (`rpclint, baseline`)")
    args = ap.parse_args()
    corpora = args.corpus or ["wine", "curl", "rust"]
    big = "big" in corpora
    corpora = [c for c in corpora if c != "big"]

    load_before = load_after()
    WORK.mkdir(exist_ok=True)
    log("building rpclint (release)")
    run(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    rpclint = str(ROOT / "target" / "release" / "rpclint")
    rg = shutil.which("rg")
    if not rg:
        sys.exit("bench: ripgrep (rg) is needed: apt-get install ripgrep")
    names = api_names()
    peers = {} if args.no_peers else {"ast-grep": ast_grep(), "semgrep": semgrep()}

    if big:
        linearity(rpclint, rg, names, args)
        if not corpora:
            return

    trees = {}
    for key in corpora:
        trees[key] = rust_crates() if key == "rust" else debian_source(key)

    rows = []
    detail = {}
    for key, (tree, version) in trees.items():
        t = str(tree)
        cmds = [
            ("rg -l", [rg, "-l", "-F", "-f", str(names), t]),
            ("rpclint", [rpclint, "check", "--format", "short", "--isolated", t]),
            ("rpclint --jobs 1", [rpclint, "check", "--format", "short", "--isolated", "--jobs", "1", t]),
            ("rpclint --jobs 2", [rpclint, "check", "--format", "short", "--isolated", "--jobs", "2", t]),
            # Test files analysed too (the default leaves them out, unanalysed).
            ("rpclint --include-tests", [rpclint, "check", "--format", "short", "--isolated", "--include-tests", t]),
        ]
        if args.baseline:
            cmds.append(("rpclint, baseline", [args.baseline, "check", "--format", "short", "--isolated", t]))
        x2 = doubled(tree)
        cmds.append(("rpclint, tree doubled", [rpclint, "check", "--format", "short", "--isolated", str(x2)]))
        cmds.append(("rg -l, tree doubled", [rg, "-l", "-F", "-f", str(names), str(x2)]))
        if peers.get("ast-grep"):
            cmds.append(("ast-grep scan", [str(peers["ast-grep"]), "scan", "--no-ignore", "vcs", "--no-ignore", "parent",
                                           "-c", str(ROOT / "bench/peers/ast-grep/sgconfig.yml"), t]))
        if peers.get("semgrep"):
            cmds.append(("semgrep scan", [str(peers["semgrep"]), "scan", "--metrics=off", "--quiet", "--disable-version-check", "--no-git-ignore",
                                          "--config", str(ROOT / "bench/peers/semgrep/rules.yml"), t]))
        log(f"{key}: {len(cmds)} commands x {args.rounds} rounds")
        res = {name: summary(s) for name, s in bench(cmds, args.rounds, ROOT).items()}
        for name, cmd in cmds:
            res[name]["lines"], res[name]["code"] = output_lines(cmd, ROOT)
        detail[key] = {"version": version, "results": res}
        base = res["rg -l"]["median"]
        for name, r in res.items():
            rows.append((key, version, name, r, r["median"] / base))

    # Startup: one small file, the pre-commit case.
    small = ROOT / "examples" / "com_client.cpp"
    startup = summary(bench([("one file", [rpclint, "check", "--format", "short", "--isolated", str(small)])],
                            max(args.rounds, 10), ROOT)["one file"])

    write_report(Path(args.output), rows, detail, startup, args, load_before)
    print(Path(args.output).read_text())


def linearity(rpclint, rg, names, args):
    """Time and peak RSS on one to four groups of big trees, rpclint and rg interleaved."""
    groups = big_corpus()
    steps = [[t for g in groups[:k] for t in g] for k in range(1, len(groups) + 1)]
    cmds = []
    for k, step in enumerate(steps, 1):
        paths = [str(t) for t, _ in step]
        cmds.append((f"rg -l {k}", [rg, "-l", "-F", "-f", str(names), *paths]))
        cmds.append((f"rpclint {k}", [rpclint, "check", "--format", "short", "--isolated", *paths]))
    log(f"big: {len(cmds)} commands x {args.rounds} rounds")
    res = {name: summary(s) for name, s in bench(cmds, args.rounds, ROOT).items()}
    load = load_after()
    rows = []
    for k, step in enumerate(steps, 1):
        rows.append({
            "trees": [f"{t.name} {v}" for t, v in step],
            "groups": k,
            "bytes": source_bytes(rpclint, [t for t, _ in step]),
            "rg": res[f"rg -l {k}"],
            "rpclint": res[f"rpclint {k}"],
        })
    data = {"date": time.strftime("%Y-%m-%d"), "rounds": args.rounds, "load": load, "rows": rows}
    (WORK / "last-big.json").write_text(json.dumps(data, indent=1))
    write_linearity(data, Path(args.output))


def write_linearity(data, output):
    """The linearity table (into `output` and bench/notes.md) and plot, from `last-big.json`'s data."""
    rows, rounds = data["rows"], data["rounds"]
    lines = [
        "<!-- linearity: begin (written by bench/run.sh --corpus big) -->",
        f"Produced by `bench/run.sh --corpus big --rounds {rounds}` on {data['date']}, "
        f"load average {data['load']} at the end of the rounds; medians of {rounds} interleaved rounds, warm cache. "
        "Size is the bytes of the C, C++ and Rust files rpclint reads (`RPCLINT_TIMINGS=1`, phase 1); "
        "`rg -l` reads every file of the trees, whatever its language. "
        "CPU is user + sys, which moves less than wall time on a shared machine.",
        "",
        "| groups: trees | size (MB) | `rg -l` wall (s) | rpclint wall (s) | ratio | `rg -l` CPU (s) | rpclint CPU (s) | CPU ratio | rpclint peak RSS (MiB) | rpclint s per GB (CPU) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        mb = r["bytes"] / 1e6
        rg_, rp = r["rg"], r["rpclint"]
        lines.append(
            f"| {r['groups']}: {', '.join(t.split()[0] for t in r['trees'])} | {mb:.0f} | {rg_['median']:.2f} | {rp['median']:.2f} | "
            f"{rp['median'] / rg_['median']:.1f}x | {rg_['cpu']:.2f} | {rp['cpu']:.2f} | {rp['cpu'] / rg_['cpu']:.1f}x | "
            f"{rp['rss'] / 1024:.1f} | {rp['cpu'] / (r['bytes'] / 1e9):.2f} |"
        )
    lines += ["", "![time and peak RSS against tree size](performance-linearity.png)",
              "<!-- linearity: end -->"]
    section = "\n".join(lines)
    python = plotter()
    if not python or subprocess.run([str(python), str(ROOT / "bench" / "plot.py"), str(WORK / "last-big.json"),
                                     str(ROOT / "docs" / "performance-linearity.png")]).returncode != 0:
        log("no plot: bench/plot.py needs matplotlib (see its header)")
    for path in (output, Path(__file__).with_name("notes.md")):
        text = path.read_text() if path.exists() else ""
        begin, end = text.find("<!-- linearity: begin"), text.find("<!-- linearity: end -->")
        if begin >= 0 and end > begin:
            text = text[:begin] + section + text[end + len("<!-- linearity: end -->"):]
        else:
            text = text.rstrip() + "\n\n## The 1 GB corpus: linearity\n\n" + section + "\n"
        path.write_text(text)
    print(section)


def targets(detail, startup):
    """Each target of the issue, as (what was measured, whether it is met)."""
    out = []
    for key, d in detail.items():
        res = d["results"]
        med = res["rpclint"]["median"]
        ratio = med / res["rg -l"]["median"]
        limit = 3
        out.append((f"{key}: rpclint takes {ratio:.1f}x `rg -l` (at most {limit}x)", ratio <= limit))
        for peer, times in (("ast-grep scan", 20), ("semgrep scan", 100)):
            if peer in res:
                x = res[peer]["median"] / med
                out.append((f"{key}: rpclint is {x:.1f}x faster than `{peer}` (at least {times}x)", x >= times))
        rss = {"wine": 48, "rust": 128}.get(key)
        if rss:
            mib = res["rpclint"]["rss"] / 1024
            out.append((f"{key}: peak RSS {mib:.1f} MiB (under {rss} MiB)", mib < rss))
        dbl = res["rpclint, tree doubled"]["median"] / med
        out.append((f"{key}: the doubled tree takes {dbl:.2f}x (at most 2.2x)", dbl <= 2.2))
        jobs = res["rpclint --jobs 1"]["median"] / res["rpclint --jobs 2"]["median"]
        out.append((f"{key}: `--jobs 2` is {jobs:.2f}x faster than `--jobs 1` (at least 1.7x)", jobs >= 1.7))
    ms = startup["median"] * 1000
    out.append((f"startup on one small file: {ms:.1f} ms (under 20 ms)", ms < 20))
    return out


def load_after():
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def write_report(path, rows, detail, startup, args, load_before):
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    lines = [
        "# Performance",
        "",
        "Produced by `bench/run.sh` " + " ".join(sys.argv[1:]) + f" on {time.strftime('%Y-%m-%d')}:",
        f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.release()};",
        f"load average before the run {load_before}, after it {load_after()} (the rounds are interleaved, so every command shares whatever else the machine is doing).",
        f"Medians of {args.rounds} interleaved rounds, warm cache; spread is min–max;",
        "ratio is the median over `rg -l -F -f <API names>` on the same tree in the same run.",
        "",
        "| corpus | command | median (s) | spread (s) | ratio to rg | peak RSS (MiB) | output lines (exit) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for key, version, name, r, ratio in rows:
        lines.append(
            f"| {key} ({version}) | `{name}` | {r['median']:.3f} | {r['min']:.3f}–{r['max']:.3f} | "
            f"{ratio:.2f}x | {r['rss'] / 1024:.1f} | {r.get('lines', '')} ({r.get('code', '')}) |"
        )
    lines += [
        "",
        f"Startup, one small file (`examples/com_client.cpp`): median {startup['median'] * 1000:.1f} ms "
        f"({startup['min'] * 1000:.1f}–{startup['max'] * 1000:.1f} ms), peak RSS {startup['rss'] / 1024:.1f} MiB.",
        "",
        "Derived:",
    ]
    for key, d in detail.items():
        res = d["results"]
        one, two = res["rpclint --jobs 1"]["median"], res["rpclint --jobs 2"]["median"]
        dbl = res["rpclint, tree doubled"]["median"] / res["rpclint"]["median"]
        lines.append(f"- {key}: `--jobs 2` is {one / two:.2f}x faster than `--jobs 1`; the doubled tree takes {dbl:.2f}x.")
        if "rpclint, baseline" in res:
            now, then = res["rpclint"]["median"], res["rpclint, baseline"]["median"]
            lines.append(f"- {key}: rpclint takes {now / then:.2f}x the time of the baseline binary ({then:.3f} s → {now:.3f} s).")
        for peer in ("ast-grep scan", "semgrep scan"):
            if peer in res:
                lines.append(f"- {key}: rpclint is {res[peer]['median'] / res['rpclint']['median']:.1f}x faster than `{peer}`.")
    lines += ["", "## Targets (issue 6: peers, doubled tree, `--jobs`; issue 18: ratio to `rg -l`, Wine's peak RSS), checked against this run", ""]
    lines += [f"- {'met' if ok else '**not met**'}: {what}" for what, ok in targets(detail, startup)]
    notes = Path(__file__).with_name("notes.md")
    if notes.exists():
        lines += ["", notes.read_text().rstrip()]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    (WORK / "last-run.json").write_text(json.dumps({"rows": rows, "detail": detail, "startup": startup}, indent=1))


if __name__ == "__main__":
    main()
