//! The fixture harness: every file under `fixtures/` carries its expectations
//! as comments on the line a finding's call starts on:
//!
//! ```c
//! RpcBindingSetAuthInfoW(h, spn, 2, 9, NULL, 0);   // expect: missing-integrity
//! ```
//!
//! Each fixture directory is checked as one tree (so a header next to a
//! source resolves), with all rules (the `audit` group too) and the directory's `rpclint.toml` if
//! any (loaded as `rpclint check` would). Suppressed findings are not
//! findings. Any missing or extra finding fails, all mismatches are listed
//! at once. `bad_*` files must expect something, `ok_*` files nothing.
//! `RPCLINT_FIXTURE=<substring>` runs only matching paths.
//!
//! The expectation parser is a line scanner on purpose: it must not share
//! code with the frontends, or a frontend bug could hide itself.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rpclint::config::Config;
use rpclint::engine::{Settings, check_files};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Expect {
    line: usize,
    rule: String,
    severity: Option<String>,
}

fn parse_expectations(text: &str) -> Vec<Expect> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(pos) = line.find("expect:") else { continue };
        let before = &line[..pos];
        if !(before.contains("//") || before.contains("/*")) {
            continue;
        }
        let rest = &line[pos + "expect:".len()..];
        let rest = rest.split("*/").next().unwrap_or("");
        for item in rest.split(',') {
            let item = item.trim();
            if item.is_empty() {
                continue;
            }
            let (rule, severity) = match item.split_once('(') {
                Some((r, s)) => (r.trim().to_string(), Some(s.trim_end_matches(')').trim().to_string())),
                None => (item.to_string(), None),
            };
            out.push(Expect { line: i + 1, rule, severity });
        }
    }
    out
}

fn fixture_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("fixtures/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn source_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("readable fixture dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| rpclint::frontend::Lang::from_path(p).is_some())
        .collect();
    files.sort();
    files
}

#[test]
fn fixtures_match_their_expect_comments() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let filter = std::env::var("RPCLINT_FIXTURE").ok();
    let known: Vec<&str> = rpclint::rules::ALL.iter().map(|r| r.name).collect();
    let mut failures: Vec<String> = Vec::new();
    let mut checked = 0;
    for dir in fixture_dirs(&root) {
        let files = source_files(&dir);
        if let Some(f) = &filter {
            if !dir.to_string_lossy().contains(f.as_str()) {
                continue;
            }
        }
        let config = dir.join(rpclint::config::FILE_NAME);
        let settings = if config.is_file() {
            match Config::load(&config) {
                Ok(c) => c.settings(),
                Err(e) => {
                    failures.push(format!("{e}"));
                    continue;
                }
            }
        } else {
            Settings::default()
        };
        // Every rule runs, the `audit` group too (unless the directory's
        // configuration turns one off).
        let mut settings = settings;
        settings.enable.extend(rpclint::rules::ALL.iter().filter(|r| r.group() == "audit").map(|r| r.name.to_string()));
        let report = check_files(&files, &settings);
        for w in &report.warnings {
            failures.push(format!("{}:{}:{}: unexpected warning: {}", w.path, w.line, w.column, w.message));
        }
        for e in &report.errors {
            failures.push(format!("{}: unexpected error: {}", e.path, e.message));
        }
        let mut actual: BTreeMap<String, Vec<(usize, String, String, String)>> = BTreeMap::new();
        for d in report.diagnostics.iter().filter(|d| d.suppression.is_none()) {
            let file = &report.files[d.file.index()];
            let (line, _) = file.line_col(d.call_span.start);
            actual.entry(file.display_path()).or_default().push((
                line,
                d.rule.to_string(),
                d.severity.to_string(),
                d.message.clone(),
            ));
        }
        for path in &files {
            checked += 1;
            let text = std::fs::read_to_string(path).expect("fixtures are UTF-8");
            let expected = parse_expectations(&text);
            let shown = rpclint::source::display_path(path);
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            for e in &expected {
                if !known.contains(&e.rule.as_str()) {
                    failures.push(format!("{shown}:{}: unknown rule in expectation: {}", e.line, e.rule));
                }
            }
            if name.starts_with("bad_") && expected.is_empty() {
                failures.push(format!("{shown}: a bad_ fixture must expect at least one finding"));
            }
            if name.starts_with("ok_") && !expected.is_empty() {
                failures.push(format!("{shown}: an ok_ fixture must not expect findings"));
            }
            let mut got = actual.remove(&shown).unwrap_or_default();
            for e in &expected {
                let pos = got.iter().position(|(line, rule, sev, _)| {
                    *line == e.line && *rule == e.rule && e.severity.as_ref().is_none_or(|s| s == sev)
                });
                match pos {
                    Some(i) => {
                        got.remove(i);
                    }
                    None => failures.push(format!(
                        "{shown}:{}: expected {}{}, got nothing",
                        e.line,
                        e.rule,
                        e.severity.as_ref().map(|s| format!("({s})")).unwrap_or_default()
                    )),
                }
            }
            for (line, rule, sev, msg) in got {
                failures.push(format!("{shown}:{line}: unexpected {rule}({sev}): \"{msg}\""));
            }
        }
        for (path, rest) in actual {
            for (line, rule, _, msg) in rest {
                failures
                    .push(format!("{path}:{line}: unexpected {rule} in a file outside the fixture list: \"{msg}\""));
            }
        }
    }
    assert!(checked > 0 || filter.is_some(), "no fixtures found");
    assert!(failures.is_empty(), "{} fixture mismatches:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn expectation_parser_reads_lists_and_severities() {
    let got = parse_expectations("f(); // expect: a, b(error)\n/* expect: c */ g();\nno marker here\n");
    assert_eq!(
        got,
        vec![
            Expect { line: 1, rule: "a".into(), severity: None },
            Expect { line: 1, rule: "b".into(), severity: Some("error".into()) },
            Expect { line: 2, rule: "c".into(), severity: None },
        ]
    );
}
