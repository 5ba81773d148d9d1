//! `--format json`: rpclint's own machine-readable report, schema version 1.
//!
//! The schema is documented in `docs/json-format.md`. Within a version,
//! fields are only ever added, never renamed, removed or retyped; a change
//! that would break a reader bumps `version`.

use std::io;

use serde::Serialize;

use super::{Counts, Position, VERSION, portable_path_of, span_positions};
use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity, Suppression};
use crate::ir::Span;
use crate::report::Report;
use crate::source::FileId;

/// The schema version written to `version`.
pub(crate) const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    tool: Tool,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    errors: Vec<JsonError<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    rule: &'a str,
    severity: Severity,
    path: String,
    /// The call the finding is about (its meaning since version 1).
    span: JsonSpan,
    /// What an editor underlines: the argument, field or flag carrying the
    /// offending value, or the call itself (then equal to `span`). Added
    /// without a version bump.
    primary: JsonSpan,
    message: &'a str,
    help: Option<&'a str>,
    labels: Vec<JsonLabel<'a>>,
    fingerprint: &'a str,
    suppressed: Suppressed<'a>,
    /// In test code (reported with `--include-tests`).
    test_code: bool,
    /// The edits that remove the finding, if it has one right replacement.
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    message: &'a str,
    applicability: Applicability,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    path: String,
    span: JsonSpan,
    replacement: &'a str,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    path: String,
    span: JsonSpan,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonSpan {
    start: JsonPosition,
    end: JsonPosition,
}

#[derive(Serialize)]
struct JsonPosition {
    line: usize,
    column: usize,
    offset: usize,
}

/// `false`, or `{"justification": "..." | null}`.
#[derive(Serialize)]
#[serde(untagged)]
enum Suppressed<'a> {
    No(bool),
    Yes { justification: Option<&'a str> },
}

#[derive(Serialize)]
struct JsonError<'a> {
    path: String,
    message: &'a str,
}

#[derive(Serialize)]
struct Summary {
    files_scanned: usize,
    files_parsed: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    suppressed: usize,
    /// Findings left out because the baseline holds them.
    baselined: usize,
    /// Findings left out because they are in test code.
    test_code: usize,
    /// Test files not analysed (test code by their path, naming an API).
    test_files_skipped: usize,
    file_errors: usize,
}

pub(super) fn write(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    let counts = Counts::of(report);
    let doc = JsonReport {
        version: SCHEMA_VERSION,
        tool: Tool { name: "rpclint", version: VERSION },
        diagnostics: report.diagnostics.iter().map(|d| diagnostic(report, d)).collect(),
        errors: report
            .errors
            .iter()
            .map(|e| JsonError { path: crate::paths::text::slash(&e.path), message: &e.message })
            .collect(),
        summary: Summary {
            files_scanned: report.files_scanned,
            files_parsed: report.files_parsed,
            errors: counts.errors,
            warnings: counts.warnings,
            notes: counts.notes,
            suppressed: counts.suppressed,
            baselined: report.baselined,
            test_code: report.test_code,
            test_files_skipped: report.test_files_skipped,
            file_errors: report.errors.len(),
        },
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn diagnostic<'a>(report: &Report, d: &'a Diagnostic) -> JsonDiagnostic<'a> {
    JsonDiagnostic {
        rule: d.rule,
        severity: d.severity,
        path: portable_path_of(report, d.file),
        span: span(report, d.file, d.call_span),
        primary: span(report, d.file, d.span),
        message: &d.message,
        help: d.help.as_deref(),
        labels: d
            .labels
            .iter()
            .map(|l| JsonLabel {
                path: portable_path_of(report, l.file),
                span: span(report, l.file, l.span),
                message: &l.message,
            })
            .collect(),
        fingerprint: &d.fingerprint,
        suppressed: match &d.suppression {
            None => Suppressed::No(false),
            Some(Suppression { justification }) => Suppressed::Yes { justification: justification.as_deref() },
        },
        test_code: d.test_code,
        fix: d.fix.as_ref().map(|f| fix(report, f)),
    }
}

fn fix<'a>(report: &Report, f: &'a Fix) -> JsonFix<'a> {
    JsonFix {
        message: &f.message,
        applicability: f.applicability,
        edits: f
            .edits
            .iter()
            .map(|e| JsonEdit {
                path: portable_path_of(report, e.file),
                span: span(report, e.file, e.span),
                replacement: &e.replacement,
            })
            .collect(),
    }
}

fn span(report: &Report, file: FileId, span: Span) -> JsonSpan {
    let convert = |p: Position| JsonPosition { line: p.line, column: p.column, offset: p.offset };
    match report.file(file) {
        Some(f) => {
            let (start, end) = span_positions(f, span);
            JsonSpan { start: convert(start), end: convert(end) }
        }
        // A file the report does not hold: keep the raw offsets.
        None => JsonSpan {
            start: JsonPosition { line: 1, column: 1, offset: span.start as usize },
            end: JsonPosition { line: 1, column: 1, offset: span.end as usize },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::test_report;

    #[test]
    fn full_document() {
        let mut report = test_report::report();
        report.diagnostics[1].test_code = true;
        report.test_code = 4;
        report.test_files_skipped = 2;
        let mut out = Vec::new();
        write(&report, &mut out).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let main = test_report::MAIN_C;
        let call = main.find("RpcBindingSetAuthInfoW").unwrap();
        let call_end = call + main[call..].find("0);").unwrap() + 3;
        let level = main.find("LEVEL,").unwrap();
        let blanket = main.find("CoSetProxyBlanket").unwrap();
        let blanket_end = blanket + main[blanket..].find("0);").unwrap() + 3;
        let define = test_report::SEC_H.find("RPC_C_AUTHN").unwrap();
        let expected = serde_json::json!({
            "version": 1,
            "tool": {"name": "rpclint", "version": VERSION},
            "diagnostics": [
                {
                    "rule": "missing-integrity",
                    "severity": "error",
                    "path": "src/main.c",
                    "span": {
                        "start": {"line": 5, "column": 13, "offset": call},
                        "end": {"line": 6, "column": 45, "offset": call_end},
                    },
                    "primary": {
                        "start": {"line": 5, "column": 47, "offset": level},
                        "end": {"line": 5, "column": 52, "offset": level + 5},
                    },
                    "message": "authentication level `RPC_C_AUTHN_LEVEL_CONNECT` does not protect integrity",
                    "help": "pass `RPC_C_AUTHN_LEVEL_PKT_PRIVACY`",
                    "labels": [{
                        "path": "src/sec.h",
                        "span": {
                            "start": {"line": 2, "column": 15, "offset": define},
                            "end": {"line": 2, "column": 40, "offset": define + 25},
                        },
                        "message": "level set here",
                    }],
                    "fingerprint": "0123456789abcdef",
                    "suppressed": false,
                    "test_code": false,
                    "fix": null,
                },
                {
                    "rule": "ntlm-authentication",
                    "severity": "warning",
                    "path": "src/main.c",
                    "span": {
                        "start": {"line": 7, "column": 5, "offset": blanket},
                        "end": {"line": 7, "column": 54, "offset": blanket_end},
                    },
                    "primary": {
                        "start": {"line": 7, "column": 5, "offset": blanket},
                        "end": {"line": 7, "column": 54, "offset": blanket_end},
                    },
                    "message": "`CoSetProxyBlanket` chooses NTLM",
                    "help": null,
                    "labels": [],
                    "fingerprint": "fedcba9876543210",
                    "suppressed": {"justification": "legacy peer"},
                    "test_code": true,
                    "fix": null,
                },
            ],
            "errors": [{"path": "src/locked.c", "message": "permission denied"}],
            "summary": {
                "files_scanned": 3,
                "files_parsed": 2,
                "errors": 1,
                "warnings": 0,
                "notes": 0,
                "suppressed": 1,
                "baselined": 0,
                "test_code": 4,
                "test_files_skipped": 2,
                "file_errors": 1,
            },
        });
        assert_eq!(value, expected, "{}", String::from_utf8_lossy(&out));
    }

    #[test]
    fn suppression_without_reason_is_an_object_with_null() {
        let mut report = test_report::report();
        report.diagnostics[1].suppression = Some(Suppression { justification: None });
        let mut out = Vec::new();
        write(&report, &mut out).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value["diagnostics"][1]["suppressed"], serde_json::json!({"justification": null}));
    }
}
