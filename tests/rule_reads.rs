//! The soundness net of rule-aware gates: a file is a candidate only if it
//! names an API an enabled rule reads (`Rule::reads`, `Kb::wanted`), so a
//! rule whose reads miss an API its checks, helpers or project facts need
//! would find less when it runs alone than when every rule runs.
//!
//! For every fixture directory (checked as one tree, with its
//! `rpclint.toml` as `tests/fixtures.rs` loads it), every rule that the
//! all-rules run reports or the directory's comments expect is run alone,
//! and the default group is run as `rpclint check` runs it: each must give
//! exactly the all-rules findings of its rules. `parse-error` is left out:
//! it reports only in the files an enabled rule reads, which is its
//! meaning (a syntax error in a file no enabled rule reads costs nothing).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rpclint::config::Config;
use rpclint::engine::{Settings, check_files};

/// One finding as compared: path, where its primary span and its call
/// start, rule, message, severity, whether it is suppressed.
type Finding = (String, usize, usize, String, String, String, bool);

fn findings(files: &[PathBuf], settings: &Settings) -> BTreeSet<Finding> {
    let report = check_files(files, settings);
    report
        .diagnostics
        .iter()
        .map(|d| {
            (
                report.files[d.file.index()].display_path(),
                d.span.start as usize,
                d.call_span.start as usize,
                d.rule.to_string(),
                d.message.clone(),
                d.severity.to_string(),
                d.suppression.is_some(),
            )
        })
        .collect()
}

fn base_settings(dir: &Path) -> Settings {
    let config = dir.join(rpclint::config::FILE_NAME);
    if config.is_file() {
        match Config::load(&config) {
            Ok(c) => c.settings(),
            Err(e) => panic!("{e}"),
        }
    } else {
        Settings::default()
    }
}

/// The rules a fixture's `// expect: rule` comments name.
fn expected_rules(files: &[PathBuf]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        for line in text.lines() {
            let Some((_, rest)) = line.split_once("expect:") else { continue };
            for item in rest.split("*/").next().unwrap_or("").split(',') {
                let rule = item.split('(').next().unwrap_or("").trim();
                if rpclint::rules::by_name(rule).is_some() {
                    out.insert(rule.to_string());
                }
            }
        }
    }
    out
}

/// Runs with `select` (rules or groups) instead of every rule, and compares
/// with `all` restricted to the rules `select` stands for.
fn compare(
    label: &str,
    files: &[PathBuf],
    settings: &Settings,
    select: &[&str],
    all: &BTreeSet<Finding>,
    failures: &mut Vec<String>,
) {
    let mut alone = settings.clone();
    alone.select = select.iter().map(|s| s.to_string()).collect();
    let rules: BTreeSet<&str> = alone.rules().iter().map(|r| r.name).filter(|r| *r != "parse-error").collect();
    let got: BTreeSet<Finding> = findings(files, &alone).into_iter().filter(|f| rules.contains(f.3.as_str())).collect();
    let want: BTreeSet<Finding> = all.iter().filter(|f| rules.contains(f.3.as_str())).cloned().collect();
    for f in want.difference(&got) {
        failures.push(format!("{label}: --select {} misses {}:{}: {} {:?}", select.join(","), f.0, f.1, f.3, f.4));
    }
    for f in got.difference(&want) {
        failures.push(format!("{label}: --select {} adds {}:{}: {} {:?}", select.join(","), f.0, f.1, f.3, f.4));
    }
}

#[test]
fn a_rule_alone_finds_what_it_finds_among_all_rules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(&root).unwrap().filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect();
    dirs.sort();
    let mut failures = Vec::new();
    let mut compared = 0;
    for dir in &dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| rpclint::frontend::Lang::from_path(p).is_some())
            .collect();
        files.sort();
        let settings = base_settings(dir);
        let mut every = settings.clone();
        every.select = vec!["all".to_string()];
        let all = findings(&files, &every);
        let mut rules = expected_rules(&files);
        rules.extend(all.iter().map(|f| f.3.clone()));
        rules.remove("parse-error");
        // Asked for by name or flag only; it reads no API of its own.
        rules.remove("unused-suppression");
        let label = dir.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        for rule in &rules {
            compare(label, &files, &settings, &[rule], &all, &mut failures);
            compared += 1;
        }
        compare(label, &files, &settings, &["default"], &all, &mut failures);
    }
    assert!(compared > dirs.len(), "too few rules compared: {compared}");
    assert!(failures.is_empty(), "{} differences:\n{}", failures.len(), failures.join("\n"));
}

/// The default group does not read the APIs only audit rules read: a file
/// that names only `CreateFile` is not parsed by `rpclint check`, and a
/// syntax error in it is not reported; with the audit rule on, it is.
#[test]
fn a_file_no_enabled_rule_reads_is_not_parsed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/excessive-impersonation");
    let text = "void f(void) {\n    HANDLE h = CreateFileW(L\"\\\\\\\\.\\\\pipe\\\\x\", 0, 0, NULL, OPEN_EXISTING, 0, NULL);\n    int x = ;\n}\n";
    let path = dir.join("not_on_disk.c");
    let report = rpclint::engine::check_source(&path, text, &Settings::default());
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics.iter().map(|d| d.rule).collect::<Vec<_>>());
    let settings = Settings { select: vec!["all".into()], ..Settings::default() };
    let report = rpclint::engine::check_source(&path, text, &settings);
    let rules: BTreeSet<&str> = report.diagnostics.iter().map(|d| d.rule).collect();
    assert!(rules.contains("parse-error"), "{rules:?}");
}
