//! Conventions that keep the rule set honest: every rule has its doc, its
//! fixtures in the three languages, its README row, and its doc's examples
//! behave as they say.

use std::path::Path;

use rpclint::engine::{Settings, check_source};
use rpclint::rules::ALL;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn rules_are_sorted_and_unique() {
    let names: Vec<&str> = ALL.iter().map(|r| r.name).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(names, sorted, "rules::ALL must be sorted by name, without duplicates");
}

#[test]
fn every_rule_has_a_doc_with_a_one_line_summary() {
    for rule in ALL {
        let path = root().join("rules").join(format!("{}.md", rule.name));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("missing {}", path.display()));
        assert_eq!(text, rule.doc, "{}: the embedded doc is stale", rule.name);
        assert!(text.starts_with(&format!("# {}\n", rule.name)), "{}: doc must start with its title", rule.name);
        let summary = rule.summary();
        assert!(
            !summary.is_empty() && summary.len() <= 120,
            "{}: summary must be one line of at most 120 characters",
            rule.name
        );
        for heading in
            ["## Why is this bad?", "## Example", "Use instead:", "## Options", "## Precision", "## References"]
        {
            assert!(text.contains(heading), "{}: doc lacks `{heading}`", rule.name);
        }
    }
}

/// The doc's `## How to fix` ends with a `**Fix:**` paragraph: what the
/// rule's fix writes when the knowledge base gives it one (`[[fix]]`), else
/// `none:` and why. `rpclint rules` shows the same in its fix column.
#[test]
fn every_doc_says_what_its_fix_does() {
    for rule in ALL {
        let section = rule.doc.split("\n## How to fix\n").nth(1).and_then(|s| s.split("\n## ").next()).unwrap_or("");
        let fix = section.lines().find(|l| l.starts_with("**Fix:**"));
        let Some(fix) = fix else { panic!("{}: `## How to fix` lacks a `**Fix:**` paragraph", rule.name) };
        let none = fix.starts_with("**Fix:** none:");
        assert_eq!(!none, rule.has_fix(), "{}: the doc's `{fix}` disagrees with [[fix]] in rules/api.toml", rule.name);
        // A rule without a fix says why: more than a word after `none:`.
        let why = fix.strip_prefix("**Fix:** none:").map(str::trim).unwrap_or("");
        assert!(!none || why.split_whitespace().count() >= 4, "{}: `{fix}` must say why there is no fix", rule.name);
    }
}

/// The doc's `## Precision` section states the metadata's precision and group.
#[test]
fn every_doc_states_the_rule_precision_and_group() {
    for rule in ALL {
        let section = rule.doc.split("\n## Precision\n").nth(1).unwrap_or("");
        let first = section.lines().next().unwrap_or("");
        let stated = first.split(':').next().unwrap_or("");
        assert_eq!(stated, rule.precision.as_str(), "{}: `## Precision` says `{first}`", rule.name);
        if rule.name == "unused-suppression" {
            continue;
        }
        let group = if rule.group() == "audit" { "the `audit` group" } else { "the default set" };
        assert!(first.contains(group), "{}: `## Precision` must say it is in {group}: `{first}`", rule.name);
    }
}

#[test]
fn every_rule_has_bad_and_ok_fixtures_in_each_language() {
    for rule in ALL {
        let dir = root().join("fixtures").join(rule.name);
        let names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|_| panic!("missing {}", dir.display()))
            .filter_map(|e| e.ok().and_then(|e| e.file_name().into_string().ok()))
            .collect();
        for (lang, exts) in [("C", &["c"][..]), ("C++", &["cpp", "cc", "cxx", "hpp"][..]), ("Rust", &["rs"][..])] {
            for prefix in ["bad_", "ok_"] {
                let found =
                    names.iter().any(|n| n.starts_with(prefix) && exts.iter().any(|e| n.ends_with(&format!(".{e}"))));
                assert!(found, "{}: no {prefix}* fixture in {lang}", rule.name);
            }
        }
    }
}

#[test]
fn readme_rule_table_lists_every_rule() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    for rule in ALL {
        let row = format!("| `{}` | {} | {} |", rule.name, rule.default_severity, rule.precision.as_str());
        assert!(readme.contains(&row), "README.md lacks the row starting `{row}`");
    }
}

/// The fenced examples of each doc, tagged `c,bad`, `cpp,good`, `rust,bad`...
fn examples(doc: &str) -> Vec<(String, bool, String)> {
    let mut out = Vec::new();
    let mut lines = doc.lines();
    while let Some(line) = lines.next() {
        let Some(info) = line.strip_prefix("```") else { continue };
        let Some((lang, kind)) = info.split_once(',') else { continue };
        let mut code = String::new();
        for l in lines.by_ref() {
            if l.starts_with("```") {
                break;
            }
            code.push_str(l);
            code.push('\n');
        }
        out.push((lang.to_string(), kind == "bad", code));
    }
    out
}

#[test]
fn doc_examples_behave_as_labelled() {
    let mut failures = Vec::new();
    for rule in ALL {
        let ex = examples(rule.doc);
        assert!(ex.iter().any(|(_, bad, _)| *bad), "{}: doc has no `bad` example", rule.name);
        assert!(ex.iter().any(|(_, bad, _)| !*bad), "{}: doc has no `good` example", rule.name);
        for (i, (lang, bad, code)) in ex.iter().enumerate() {
            let ext = match lang.as_str() {
                "c" => "c",
                "cpp" => "cpp",
                "rust" => "rs",
                other => panic!("{}: unknown example language {other}", rule.name),
            };
            // The documented rule runs even when it is off by default (`unused-suppression`),
            // and with it the audit group (the rules an example's suppression names).
            let settings = Settings { enable: vec![rule.name.to_string(), "audit".to_string()], ..Settings::default() };
            let report = check_source(Path::new(&format!("example{i}.{ext}")), code, &settings);
            let fired = report.diagnostics.iter().any(|d| d.rule == rule.name && d.suppression.is_none());
            if fired != *bad {
                failures.push(format!(
                    "{}: example {i} ({lang}, {}) {}",
                    rule.name,
                    if *bad { "bad" } else { "good" },
                    if *bad { "does not fire" } else { "fires" }
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn readme_bad_input_table_names_existing_tests() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let tests = std::fs::read_to_string(root().join("tests/robustness.rs")).expect("tests/robustness.rs")
        + &std::fs::read_to_string(root().join("tests/cli/selection.rs")).expect("tests/cli/selection.rs");
    let section = readme
        .split("## What rpclint does with bad input")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("README.md has a \"What rpclint does with bad input\" section");
    let rows: Vec<&str> = section.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| input ")).collect();
    assert!(rows.len() >= 15, "the bad-input table has only {} rows", rows.len());
    for row in rows {
        let last = row.trim_end_matches('|').rsplit('|').next().unwrap_or("").trim();
        let name = last.trim_matches('`');
        assert!(
            !name.is_empty() && tests.contains(&format!("fn {name}()")),
            "README bad-input row names no test in tests/robustness.rs or tests/cli/selection.rs: {row}"
        );
    }
}

/// The attribute lines just above line `i` (`#[...]` and comments).
fn attributes_above<'a>(lines: &[&'a str], i: usize) -> Vec<&'a str> {
    lines[..i]
        .iter()
        .rev()
        .take_while(|l| {
            let t = l.trim_start();
            t.starts_with("#[") || t.starts_with("//")
        })
        .copied()
        .collect()
}

/// Windows CI builds every target: a use of `std::os::unix` must sit in an
/// item (or a function) under `#[cfg(unix)]`.
#[test]
fn std_os_unix_only_under_cfg_unix() {
    let mut failures = Vec::new();
    let mut stack = vec![root().join("src"), root().join("tests")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                if !line.contains(concat!("std::os::", "unix")) || line.trim_start().starts_with("//") {
                    continue;
                }
                let indent = line.len() - line.trim_start().len();
                // The item the line is in: the nearest less-indented `fn`, or the line itself.
                let item = lines[..i]
                    .iter()
                    .rposition(|l| {
                        let t = l.trim_start();
                        l.len() - t.len() < indent
                            && (t.starts_with("fn ") || t.contains(" fn ") || t.starts_with("mod "))
                    })
                    .unwrap_or(i);
                if !attributes_above(&lines, item).iter().any(|a| a.contains("cfg(unix)")) {
                    failures.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
                }
            }
        }
    }
    assert!(failures.is_empty(), "std::os::unix outside #[cfg(unix)]:\n{}", failures.join("\n"));
}
