//! Writers that turn one [`Report`] into text: `human` (codespan-reporting),
//! `short` (one line per finding), `json` (rpclint's own schema, see
//! `docs/json-format.md`), `sarif` (SARIF 2.1.0 for code scanning),
//! `github` (GitHub Actions annotations), `gitlab` (GitLab Code Quality)
//! and `junit` (JUnit XML, as ruff writes it).
//!
//! Every emitter reads the same sorted report and writes to any
//! `io::Write`; none of them sorts, filters by severity or prints to the
//! process's streams itself. Suppressed findings are left out of `human`,
//! `short` and `github` and kept, marked, in `json` and `sarif`. Findings the
//! baseline matched are not in the report at all (only their count).

use std::io;
use std::path::Path;

use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::Span;
use crate::report::Report;
use crate::rules::Rule;
use crate::source::SourceFile;

mod github;
mod gitlab;
mod human;
mod json;
mod junit;
mod sarif;
mod short;

/// The output formats of `rpclint check --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Short,
    Json,
    Sarif,
    Github,
    Gitlab,
    Junit,
}

/// How to render, beyond the report itself.
#[derive(Clone, Copy)]
pub struct EmitOptions<'a> {
    /// ANSI colour in `human` output.
    pub color: bool,
    /// The summary line after `human` output (`--quiet` turns it off).
    pub summary: bool,
    /// Rules described in SARIF `tool.driver.rules` (normally [`crate::rules::ALL`]).
    pub rules: &'a [&'a Rule],
    /// SARIF `%SRCROOT%`: the directory relative paths start from (the
    /// current directory). Absolute paths under it are made relative to it.
    /// `None` leaves `originalUriBaseIds` out.
    pub src_root: Option<&'a Path>,
    /// A baseline was applied: SARIF marks the remaining results `baselineState: "new"`.
    pub baseline: bool,
}

impl Default for EmitOptions<'_> {
    fn default() -> Self {
        EmitOptions { color: false, summary: true, rules: crate::rules::ALL, src_root: None, baseline: false }
    }
}

/// Writes `report` in `format` to `out`.
pub fn write(format: Format, report: &Report, out: &mut dyn io::Write, opts: &EmitOptions<'_>) -> io::Result<()> {
    match format {
        Format::Human => human::write(report, out, opts),
        Format::Short => short::write(report, out),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, out, opts),
        Format::Github => github::write(report, out),
        Format::Gitlab => gitlab::write(report, out, opts),
        Format::Junit => junit::write(report, out, opts),
    }
}

/// The summary line of `check --diff` (on stderr: stdout holds the diff).
pub fn fix_summary(report: &Report) -> String {
    human::fix_summary(report)
}

/// The tool's version, as in `Cargo.toml`.
pub(crate) const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Unsuppressed findings by severity: the numbers the exit code and the
/// summary line are made of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub(crate) errors: usize,
    pub(crate) warnings: usize,
    pub(crate) notes: usize,
    pub(crate) suppressed: usize,
}

impl Counts {
    pub(crate) fn of(report: &Report) -> Counts {
        let mut counts = Counts::default();
        for d in &report.diagnostics {
            if d.suppression.is_some() {
                counts.suppressed += 1;
                continue;
            }
            match d.severity {
                Severity::Error => counts.errors += 1,
                Severity::Warning => counts.warnings += 1,
                Severity::Note => counts.notes += 1,
            }
        }
        counts
    }

    pub(crate) fn total(&self) -> usize {
        self.errors + self.warnings + self.notes
    }

    /// Unsuppressed findings at least as severe as `level`.
    pub(crate) fn at_least(&self, level: Severity) -> usize {
        match level {
            Severity::Error => self.errors,
            Severity::Warning => self.errors + self.warnings,
            Severity::Note => self.total(),
        }
    }
}

/// A span's start and end as 1-based line and column (in characters) and
/// byte offset, clamped into the file. The end is exclusive: the position
/// just after the last character, as SARIF's `endColumn`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Position {
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) offset: usize,
}

pub(crate) fn position(file: &SourceFile, offset: usize) -> Position {
    let offset = clamp_offset(&file.text, offset);
    let (line, column) = file.line_col(u32::try_from(offset).unwrap_or(u32::MAX));
    Position { line, column, offset }
}

pub(crate) fn span_positions(file: &SourceFile, span: Span) -> (Position, Position) {
    let range = clamp_span(&file.text, span);
    (position(file, range.start), position(file, range.end))
}

/// The message of the secondary location at the call, when a finding's
/// primary span is the argument inside it.
pub(crate) const CALL_LABEL: &str = "in this call";

/// The head of a call, for a label that does not cover the whole call:
/// from its first character to before its first `(` on its first line
/// (`RpcBindingSetAuthInfoW`, `p->lpVtbl->M`, `windows::Win32::F`), spaces
/// trimmed; the call's first line when it has no `(` there.
pub(crate) fn call_head(text: &str, call: Span) -> Span {
    let range = clamp_span(text, call);
    let body = &text[range.clone()];
    let line = body.split('\n').next().unwrap_or("");
    let head = line.split('(').next().unwrap_or(line).trim_end();
    let head = if head.is_empty() { line.trim_end() } else { head };
    Span::new(range.start, range.start + head.len())
}

/// A byte range that is safe to slice `text` with: inside it and on
/// character boundaries (rounded down), with `start <= end`.
pub(crate) fn clamp_span(text: &str, span: Span) -> std::ops::Range<usize> {
    let start = clamp_offset(text, span.start as usize);
    let end = clamp_offset(text, span.end as usize).max(start);
    start..end
}

fn clamp_offset(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The findings human-facing formats show.
pub(crate) fn shown(report: &Report) -> impl Iterator<Item = &Diagnostic> {
    report.diagnostics.iter().filter(|d| d.suppression.is_none())
}

/// The display path of a file (as the user wrote it: human, short), or a
/// placeholder for a bad id.
pub(crate) fn path_of(report: &Report, file: crate::source::FileId) -> String {
    report.file(file).map_or_else(|| format!("<file #{}>", file.0), SourceFile::display_path)
}

/// The path of a file as it was found, for the formats that relate it to
/// a root themselves (SARIF, GitLab, JUnit).
pub(crate) fn raw_path_of(report: &Report, file: crate::source::FileId) -> String {
    report.file(file).map_or_else(|| format!("<file #{}>", file.0), |f| f.path.to_string_lossy().into_owned())
}

/// The path of a file with forward slashes (JSON, github): the same text
/// for one tree on Windows and Linux.
pub(crate) fn portable_path_of(report: &Report, file: crate::source::FileId) -> String {
    crate::paths::text::slash(&raw_path_of(report, file))
}

#[cfg(test)]
pub(crate) mod test_report {
    //! A hand-built report shared by the emitter tests: one finding with a
    //! secondary label in a header, one suppressed finding, one file error.

    use std::sync::Arc;

    use crate::diagnostic::{Diagnostic, Severity, Suppression};
    use crate::ir::Span;
    use crate::report::{FileError, Report};
    use crate::rules::Rule;
    use crate::source::{Encoding, FileId, SourceFile};

    pub(crate) const MAIN_C: &str = "#include \"sec.h\"\n\nvoid bind(RPC_BINDING_HANDLE h)\n{\n    /* é */ RpcBindingSetAuthInfoW(h, L\"spn\", LEVEL,\n        RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0);\n    CoSetProxyBlanket(p, 10, 0, NULL, 2, 3, NULL, 0);\n}\n";
    pub(crate) const SEC_H: &str = "#pragma once\n#define LEVEL RPC_C_AUTHN_LEVEL_CONNECT\n";

    pub(crate) static MISSING_INTEGRITY: Rule = Rule {
        name: "missing-integrity",
        default_severity: Severity::Error,
        precision: crate::rules::Precision::High,
        reads: &[],
        doc: "# missing-integrity\n\nThe authentication level does not protect integrity.\n\n## Why is this bad?\nTampering.\n",
        check: |_| {},
    };
    pub(crate) static NTLM: Rule = Rule {
        name: "ntlm-authentication",
        default_severity: Severity::Warning,
        precision: crate::rules::Precision::Medium,
        reads: &[],
        doc: "# ntlm-authentication\n\nNTLM is chosen as the authentication service.\n",
        check: |_| {},
    };
    pub(crate) static RULES: [&Rule; 2] = [&MISSING_INTEGRITY, &NTLM];

    fn span_of(text: &str, needle: &str, len_to: &str) -> Span {
        let start = text.find(needle).unwrap();
        let end = start + text[start..].find(len_to).unwrap() + len_to.len();
        Span::new(start, end)
    }

    pub(crate) fn report() -> Report {
        let main = SourceFile::new("src/main.c".into(), Arc::from(MAIN_C), Encoding::Utf8);
        let header = SourceFile::new("src/sec.h".into(), Arc::from(SEC_H), Encoding::Utf8);
        let call = span_of(MAIN_C, "RpcBindingSetAuthInfoW", "0);");
        let define = span_of(SEC_H, "RPC_C_AUTHN_LEVEL_CONNECT", "CONNECT");
        let mut first = Diagnostic::new(
            "missing-integrity",
            Severity::Error,
            FileId(0),
            call,
            "authentication level `RPC_C_AUTHN_LEVEL_CONNECT` does not protect integrity".to_string(),
        )
        .at(Some(span_of(MAIN_C, "LEVEL,", "LEVEL")))
        .with_label(FileId(1), define, "level set here")
        .with_help("pass `RPC_C_AUTHN_LEVEL_PKT_PRIVACY`");
        first.fingerprint = "0123456789abcdef".to_string();
        let blanket = span_of(MAIN_C, "CoSetProxyBlanket", "0);");
        let mut second = Diagnostic::new(
            "ntlm-authentication",
            Severity::Warning,
            FileId(0),
            blanket,
            "`CoSetProxyBlanket` chooses NTLM".to_string(),
        );
        second.fingerprint = "fedcba9876543210".to_string();
        second.suppression = Some(Suppression { justification: Some("legacy peer".to_string()) });
        Report {
            files: vec![main, header],
            diagnostics: vec![first, second],
            errors: vec![FileError { path: "src/locked.c".to_string(), message: "permission denied".to_string() }],
            files_scanned: 3,
            files_parsed: 2,
            ..Report::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_leave_out_suppressed_findings() {
        let report = test_report::report();
        let counts = Counts::of(&report);
        assert_eq!(counts, Counts { errors: 1, warnings: 0, notes: 0, suppressed: 1 });
        assert_eq!(counts.at_least(Severity::Error), 1);
        assert_eq!(counts.at_least(Severity::Note), 1);
    }

    #[test]
    fn spans_are_clamped_to_the_text_and_char_boundaries() {
        assert_eq!(clamp_span("aé", Span::new(2, 99)), 1..3);
        assert_eq!(clamp_span("abc", Span { start: 5, end: 1 }), 3..3);
    }

    #[test]
    fn a_call_head_is_its_text_before_the_parenthesis_on_its_first_line() {
        let head = |text: &str| {
            let s = call_head(text, Span::new(0, text.len()));
            text[s.range()].to_string()
        };
        assert_eq!(head("RpcBindingSetAuthInfoW(h,\n  x)"), "RpcBindingSetAuthInfoW");
        assert_eq!(head("p->lpVtbl->SetBlanket (p, 1)"), "p->lpVtbl->SetBlanket");
        assert_eq!(head("windows::Win32::F::<T>(a)"), "windows::Win32::F::<T>");
        // No parenthesis on the first line: the first line.
        assert_eq!(head("MACRO_CALL\n(a)"), "MACRO_CALL");
        assert_eq!(head("(f)(a)"), "(f)(a)");
        // Clamped into the text and onto character boundaries.
        assert_eq!(call_head("é(x)", Span::new(1, 99)), Span::new(0, "é".len()));
    }

    #[test]
    fn positions_count_characters_and_end_is_exclusive() {
        let report = test_report::report();
        let d = &report.diagnostics[0];
        let (start, end) = span_positions(&report.files[0], d.call_span);
        // `/* é */ ` precedes the call: é is one column but two bytes.
        assert_eq!((start.line, start.column), (5, 13));
        assert_eq!(start.offset, test_report::MAIN_C.find("RpcBindingSetAuthInfoW").unwrap());
        assert_eq!((end.line, end.column), (6, 45));
    }
}
