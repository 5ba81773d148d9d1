//! `--format gitlab`: GitLab's Code Quality report (a subset of the Code
//! Climate issue format), which GitLab reads from `artifacts: reports:
//! codequality` and shows in merge requests:
//!
//! ```text
//! [{"type": "issue", "check_name": "missing-integrity", "description": "...",
//!   "categories": ["Security"], "severity": "critical", "fingerprint": "...",
//!   "location": {"path": "src/a.c", "lines": {"begin": 12, "end": 13}}}]
//! ```
//!
//! GitLab requires `description`, `check_name`, `fingerprint`, `severity`
//! and `location.path` with `location.lines.begin`; `type` and `categories`
//! are what the Code Climate spec requires besides. Paths are relative to the
//! source root (the repository's checkout in GitLab CI), with forward
//! slashes. `fingerprint` must be unique within the report: it is the
//! finding's own fingerprint (stable when lines move, as the baseline's)
//! with the path, the rule and the finding's rank among equal ones hashed
//! into it. Suppressed findings, and files that could not be read (they
//! have no line), are left out, as in `github`.

use std::collections::BTreeMap;
use std::io;

use serde::Serialize;

use super::{EmitOptions, raw_path_of, shown, span_positions};
use crate::diagnostic::Severity;
use crate::report::Report;

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: &'a str,
    description: String,
    categories: [&'static str; 1],
    severity: &'static str,
    fingerprint: String,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

pub(super) fn write(report: &Report, out: &mut dyn io::Write, opts: &EmitOptions<'_>) -> io::Result<()> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut issues = Vec::new();
    for d in shown(report) {
        let path = crate::paths::relative_to(&raw_path_of(report, d.file), opts.src_root);
        let (begin, end) = report.file(d.file).map_or((1, 1), |file| {
            let (start, end) = span_positions(file, d.span);
            (start.line, end.line.max(start.line))
        });
        let key = format!("{}\u{0}{path}\u{0}{}", d.rule, d.fingerprint);
        let rank = seen.entry(key.clone()).or_insert(0);
        *rank += 1;
        let description = match &d.help {
            Some(help) => format!("{} (help: {help})", d.message),
            None => d.message.clone(),
        };
        issues.push(Issue {
            kind: "issue",
            check_name: d.rule,
            description,
            categories: ["Security"],
            severity: severity(d.severity),
            fingerprint: fingerprint(&format!("{key}\u{0}{rank}")),
            location: Location { path, lines: Lines { begin, end } },
        });
    }
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}

/// Code Climate's scale: `info`, `minor`, `major`, `critical`, `blocker`.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Note => "minor",
    }
}

/// 128 bits of FNV-1a as 32 hex digits: deterministic on every machine.
fn fingerprint(text: &str) -> String {
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for b in text.bytes() {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
    }
    format!("{h:032x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::test_report;
    use std::path::Path;

    fn issues(report: &Report, root: Option<&Path>) -> serde_json::Value {
        let mut out = Vec::new();
        let opts = EmitOptions { src_root: root, ..EmitOptions::default() };
        write(report, &mut out, &opts).unwrap();
        serde_json::from_slice(&out).unwrap()
    }

    #[test]
    fn one_issue_per_unsuppressed_finding_with_the_required_fields() {
        let report = test_report::report();
        let json = issues(&report, None);
        let list = json.as_array().unwrap();
        assert_eq!(list.len(), 1, "the suppressed finding and the file error are left out: {json}");
        let issue = &list[0];
        assert_eq!(issue["check_name"], "missing-integrity");
        assert_eq!(issue["severity"], "critical");
        assert_eq!(issue["location"], serde_json::json!({"path": "src/main.c", "lines": {"begin": 5, "end": 5}}));
        assert!(issue["description"].as_str().unwrap().ends_with("(help: pass `RPC_C_AUTHN_LEVEL_PKT_PRIVACY`)"));
        assert_eq!(issue["fingerprint"].as_str().unwrap().len(), 32);
    }

    #[test]
    fn equal_findings_get_distinct_fingerprints_and_paths_are_relative() {
        let mut report = test_report::report();
        report.diagnostics[1] = report.diagnostics[0].clone();
        let json = issues(&report, None);
        let fps: Vec<&str> = json.as_array().unwrap().iter().map(|i| i["fingerprint"].as_str().unwrap()).collect();
        assert_eq!(fps.len(), 2);
        assert_ne!(fps[0], fps[1]);
        // The first stays what it was alone: adding a twin does not move it.
        assert_eq!(fps[0], issues(&test_report::report(), None)[0]["fingerprint"]);

        report.files[0].path = "/work/project/src/main.c".into();
        let json = issues(&report, Some(Path::new("/work/project")));
        assert_eq!(json[0]["location"]["path"], "src/main.c");
    }

    #[test]
    fn an_empty_report_is_an_empty_array() {
        let json = issues(&Report::default(), None);
        assert_eq!(json, serde_json::json!([]));
    }
}
