//! The real-world corpus, offline: the stored findings list
//! (`tests/realworld/findings.json`, written by `scripts/corpus.sh --update`)
//! and the triage written by people (`tests/realworld/triage.toml`) must
//! agree entry for entry, every rule that fires there must keep a precision
//! of at least 95%, and the tables of `docs/realworld.md` must say what the
//! triage says. No corpus is needed: `scripts/corpus.sh --check` is what
//! compares the stored list with a fresh run.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;

/// The lowest precision (true findings / all findings) a rule may have on the corpus.
const MIN_PRECISION: f64 = 0.95;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Findings {
    version: u32,
    packages: Vec<StoredPackage>,
    findings: Vec<Finding>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredPackage {
    package: String,
    version: String,
    count: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Finding {
    package: String,
    version: String,
    path: String,
    line: u32,
    rule: String,
    message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Triage {
    package: Vec<TriagePackage>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TriagePackage {
    name: String,
    version: String,
    findings: Vec<Verdict>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Verdict {
    path: String,
    line: u32,
    rule: String,
    verdict: bool,
    reason: String,
}

/// What identifies a finding: package, path, line, rule.
type Key = (String, String, u32, String);

/// A tree of `tests/realworld/corpus.txt`: kind, name, pinned version.
struct Pinned {
    kind: String,
    name: String,
    version: String,
}

fn manifest() -> Vec<Pinned> {
    read("tests/realworld/corpus.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let fields: Vec<&str> = l.split_whitespace().collect();
            assert!(fields.len() >= 3, "corpus.txt: `{l}` needs kind, name and version");
            Pinned { kind: fields[0].to_string(), name: fields[1].to_string(), version: fields[2].to_string() }
        })
        .collect()
}

fn findings() -> Findings {
    let f: Findings = serde_json::from_str(&read("tests/realworld/findings.json"))
        .unwrap_or_else(|e| panic!("tests/realworld/findings.json: {e}"));
    assert_eq!(f.version, 1, "findings.json: unknown version");
    f
}

fn triage() -> Triage {
    toml::from_str(&read("tests/realworld/triage.toml")).unwrap_or_else(|e| panic!("tests/realworld/triage.toml: {e}"))
}

#[test]
fn stored_findings_cover_exactly_the_pinned_corpus() {
    let f = findings();
    let pinned: Vec<(String, String)> = manifest().into_iter().map(|p| (p.name, p.version)).collect();
    let mut stored: Vec<(String, String)> = f.packages.iter().map(|p| (p.package.clone(), p.version.clone())).collect();
    let mut expected = pinned.clone();
    stored.sort();
    expected.sort();
    assert_eq!(
        stored, expected,
        "findings.json and corpus.txt name different trees or versions: after a fallback to a newer Debian \
         version, move the pin in corpus.txt to the version that was judged"
    );
    for p in &f.packages {
        let n = f.findings.iter().filter(|x| x.package == p.package).count();
        assert_eq!(n, p.count, "findings.json: {} says {} findings, lists {n}", p.package, p.count);
    }
    let mut problems = Vec::new();
    for x in &f.findings {
        match f.packages.iter().find(|p| p.package == x.package) {
            Some(p) if p.version == x.version => {}
            _ => problems.push(format!("{} {}: no package entry of that version", x.package, x.version)),
        }
        if rpclint::rules::by_name(&x.rule).is_none() {
            problems.push(format!("{}:{}: unknown rule {}", x.path, x.line, x.rule));
        }
        if x.rule == "parse-error" {
            problems.push(format!("{}:{}: parse-error notes are left out of the corpus run", x.path, x.line));
        }
        if x.message.is_empty() {
            problems.push(format!("{}:{}: empty message", x.path, x.line));
        }
    }
    let keys: Vec<(&str, &str, u32, &str, &str)> = f
        .findings
        .iter()
        .map(|x| (x.package.as_str(), x.path.as_str(), x.line, x.rule.as_str(), x.message.as_str()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    if keys != sorted {
        problems.push("findings.json is not sorted by package, path, line, rule, message".to_string());
    }
    assert!(problems.is_empty(), "findings.json:\n{}", problems.join("\n"));
}

#[test]
fn every_finding_has_exactly_one_verdict_and_every_verdict_a_finding() {
    let f = findings();
    let t = triage();
    let mut problems = Vec::new();

    let mut found: BTreeMap<Key, usize> = BTreeMap::new();
    for x in &f.findings {
        *found.entry((x.package.clone(), x.path.clone(), x.line, x.rule.clone())).or_default() += 1;
    }
    for ((p, path, line, rule), n) in &found {
        if *n > 1 {
            // Two calls of one line that break one rule: told apart by neither
            // side; the triage would need a column (not the case so far).
            problems.push(format!("{p} {path}:{line}: {rule} found {n} times on one line"));
        }
    }

    let versions: BTreeMap<&str, &str> = f.packages.iter().map(|p| (p.package.as_str(), p.version.as_str())).collect();
    let mut judged: BTreeMap<Key, usize> = BTreeMap::new();
    let mut triaged_packages = BTreeSet::new();
    for p in &t.package {
        if !triaged_packages.insert(p.name.as_str()) {
            problems.push(format!("triage.toml: package {} appears twice", p.name));
        }
        match versions.get(p.name.as_str()) {
            None => problems.push(format!("triage.toml: package {} is not in findings.json", p.name)),
            Some(v) if *v != p.version => problems.push(format!(
                "triage.toml: {} was judged at version {}, findings.json holds {v}: judge the new version's findings",
                p.name, p.version
            )),
            Some(_) => {}
        }
        for v in &p.findings {
            let at = format!("{} {}:{}: {}", p.name, v.path, v.line, v.rule);
            if rpclint::rules::by_name(&v.rule).is_none() {
                problems.push(format!("triage.toml: {at}: unknown rule"));
            }
            if v.reason.trim().is_empty() || v.reason.contains('\n') {
                problems.push(format!("triage.toml: {at}: the reason must be one non-empty line"));
            }
            if v.path.starts_with('/') || v.path.starts_with("./") || v.path.contains('\\') {
                problems.push(format!("triage.toml: {at}: the path must be relative to the package root, with `/`"));
            }
            *judged.entry((p.name.clone(), v.path.clone(), v.line, v.rule.clone())).or_default() += 1;
        }
    }
    for name in versions.keys() {
        if !triaged_packages.contains(name) {
            problems.push(format!("triage.toml: no [[package]] for {name} (give it `findings = []` if it has none)"));
        }
    }
    for (key, n) in &judged {
        if *n > 1 {
            problems.push(format!("triage.toml: {} {}:{}: {} is judged {n} times", key.0, key.1, key.2, key.3));
        }
        if !found.contains_key(key) {
            problems.push(format!(
                "triage.toml: {} {}:{}: {} has a verdict but rpclint does not report it (fixed? remove the entry)",
                key.0, key.1, key.2, key.3
            ));
        }
    }
    for key in found.keys() {
        if !judged.contains_key(key) {
            problems.push(format!(
                "findings.json: {} {}:{}: {} has no verdict in triage.toml: judge it",
                key.0, key.1, key.2, key.3
            ));
        }
    }
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
}

/// Per rule: (findings, true, false), from the triage.
fn counts_per_rule(t: &Triage) -> BTreeMap<String, (usize, usize)> {
    let mut out: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for v in t.package.iter().flat_map(|p| &p.findings) {
        let e = out.entry(v.rule.clone()).or_default();
        if v.verdict {
            e.0 += 1;
        } else {
            e.1 += 1;
        }
    }
    out
}

fn precision(true_: usize, false_: usize) -> f64 {
    true_ as f64 / (true_ + false_) as f64
}

#[test]
fn every_rule_that_fires_on_the_corpus_keeps_its_precision() {
    let t = triage();
    let low: Vec<String> = counts_per_rule(&t)
        .into_iter()
        .filter(|(_, (tp, fp))| precision(*tp, *fp) < MIN_PRECISION)
        .map(|(rule, (tp, fp))| {
            format!("{rule}: {tp} true, {fp} false: {:.1}% < {:.0}%", 100.0 * precision(tp, fp), 100.0 * MIN_PRECISION)
        })
        .collect();
    assert!(low.is_empty(), "precision on the real-world corpus:\n{}", low.join("\n"));
}

/// The tables docs/realworld.md holds between its markers, from the data.
fn tables(t: &Triage, f: &Findings) -> String {
    let mut s = String::from("| tree | kind | version | findings | true | false |\n|---|---|---|---:|---:|---:|\n");
    for p in manifest() {
        let judged: Vec<&Verdict> =
            t.package.iter().filter(|tp| tp.name == p.name).flat_map(|tp| &tp.findings).collect();
        let tp = judged.iter().filter(|v| v.verdict).count();
        let n = f.findings.iter().filter(|x| x.package == p.name).count();
        let kind = if p.kind == "deb" { "Debian source" } else { "crate" };
        s += &format!("| `{}` | {kind} | `{}` | {n} | {tp} | {} |\n", p.name, p.version, judged.len() - tp);
    }
    s += "\n| rule | findings | true | false | precision |\n|---|---:|---:|---:|---:|\n";
    let mut all = (0, 0);
    for (rule, (tp, fp)) in counts_per_rule(t) {
        s += &format!("| `{rule}` | {} | {tp} | {fp} | {:.1}% |\n", tp + fp, 100.0 * precision(tp, fp));
        all = (all.0 + tp, all.1 + fp);
    }
    s += &format!(
        "| all rules | {} | {} | {} | {:.1}% |\n",
        all.0 + all.1,
        all.0,
        all.1,
        100.0 * precision(all.0, all.1)
    );
    s
}

#[test]
fn the_readme_counts_what_the_triage_says() {
    let counts = counts_per_rule(&triage());
    let true_: usize = counts.values().map(|(tp, _)| tp).sum();
    let all: usize = counts.values().map(|(tp, fp)| tp + fp).sum();
    let claim = format!("Of its {all} findings, {true_} are true.");
    // Compared with white space collapsed: the sentence may wrap anywhere.
    let readme = read("README.md").split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(readme.contains(&claim), "README.md, \"What it finds on real code\": the sentence must read `{claim}`");
}

#[test]
fn the_realworld_page_shows_the_triage() {
    const START: &str = "<!-- tables: generated from tests/realworld/ by tests/realworld.rs -->\n";
    const END: &str = "<!-- end of tables -->";
    let page = read("docs/realworld.md");
    let expected = tables(&triage(), &findings());
    let shown = page
        .split_once(START)
        .and_then(|(_, rest)| rest.split_once(END))
        .map(|(tables, _)| tables)
        .unwrap_or_else(|| panic!("docs/realworld.md lacks the markers `{}` and `{END}`", START.trim_end()));
    assert!(
        shown.trim_end() == expected.trim_end(),
        "docs/realworld.md: the tables are stale; between the markers write:\n\n{expected}"
    );
}
