//! A report of one buffer as LSP diagnostics: the rule as `code`, the
//! severity, the help text, the labels as `relatedInformation` (in the
//! buffer or in the header that set the value), in the client's position
//! encoding. Suppressed findings are left out; the engine has applied the
//! configuration's severities and the test-code setting already.

use std::path::Path;

use lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Position, Range, TextEdit,
    Uri,
};

use super::text::{Encoding, Lines};
use super::uri;
use crate::diagnostic::{Applicability, Fix, Severity};
use crate::report::Report;
use crate::source::{FileId, SourceFile};

/// `source` of every diagnostic.
pub(crate) const SOURCE: &str = "rpclint";

/// One finding as the editor shows it, with what the code actions need.
#[derive(Clone, Debug)]
pub(crate) struct Finding {
    pub(crate) diagnostic: Diagnostic,
    /// The rule's name (`None` for a problem that is no rule's finding:
    /// an unusable suppression comment, an internal error).
    pub(crate) rule: Option<&'static str>,
    /// The finding's fix, as edits of the files it changes.
    pub(crate) fix: Option<FixEdits>,
}

/// A fix in the client's terms: its message, whether it is safe, and the
/// edits of each file (the buffer, or a header that holds the `#define`).
#[derive(Clone, Debug)]
pub(crate) struct FixEdits {
    pub(crate) message: String,
    pub(crate) safe: bool,
    pub(crate) changes: Vec<(Uri, Vec<TextEdit>)>,
}

/// The findings of `report` in the file at `path` (the buffer), sorted as
/// the report is.
pub(crate) fn findings(report: &Report, path: &Path, encoding: Encoding) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(buffer) = report.files.iter().position(|f| f.path == path) else {
        out.extend(problems(report, None, encoding));
        return out;
    };
    let file = &report.files[buffer];
    let lines = Lines::new(&file.text);
    let mut tables = LineTables::new(report);
    for d in report.diagnostics.iter().filter(|d| d.file.index() == buffer && d.suppression.is_none()) {
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        let related: Vec<DiagnosticRelatedInformation> = d
            .labels
            .iter()
            .filter_map(|l| {
                let target = report.file(l.file)?;
                let location = if l.file.index() == buffer {
                    Location {
                        uri: uri::from_path(path)?,
                        range: lines.range(l.span.start as usize, l.span.end as usize, encoding),
                    }
                } else {
                    let range = tables.of(l.file)?.range(l.span.start as usize, l.span.end as usize, encoding);
                    Location { uri: uri::from_path(&target.path)?, range }
                };
                Some(DiagnosticRelatedInformation { location, message: l.message.clone() })
            })
            .collect();
        out.push(Finding {
            diagnostic: Diagnostic {
                range: lines.range(d.span.start as usize, d.span.end as usize, encoding),
                severity: Some(severity(d.severity)),
                code: Some(NumberOrString::String(d.rule.to_string())),
                source: Some(SOURCE.to_string()),
                message,
                related_information: (!related.is_empty()).then_some(related),
                ..Diagnostic::default()
            },
            rule: Some(d.rule),
            fix: d.fix.as_ref().and_then(|fix| fix_edits(report, &mut tables, fix, encoding)),
        });
    }
    out.extend(problems(report, Some(file), encoding));
    out
}

/// Suppression comments that could not be used, and files that could not
/// be analysed at all, as diagnostics of the buffer.
fn problems(report: &Report, file: Option<&SourceFile>, encoding: Encoding) -> Vec<Finding> {
    let shown = file.map(SourceFile::display_path);
    let lines = file.map(|f| Lines::new(&f.text));
    let mut out = Vec::new();
    for w in report.warnings.iter().filter(|w| Some(&w.path) == shown.as_ref()) {
        // The warning's column counts characters: walk them in its line.
        let start = lines.as_ref().map_or(Position::default(), |lines| {
            let line_start =
                lines.offset(Position { line: to_u32(w.line.saturating_sub(1)), character: 0 }, Encoding::Utf8);
            let text = file.map_or("", |f| f.text.get(line_start..).unwrap_or(""));
            let bytes: usize = text.chars().take(w.column.saturating_sub(1)).map(char::len_utf8).sum();
            lines.position(line_start + bytes, encoding)
        });
        out.push(problem(Range { start, end: start }, DiagnosticSeverity::WARNING, &w.message));
    }
    for e in &report.errors {
        out.push(problem(Range::default(), DiagnosticSeverity::ERROR, &format!("{}: {}", e.path, e.message)));
    }
    out
}

/// A finding that says the check itself failed.
pub(crate) fn internal_error(message: &str) -> Finding {
    problem(Range::default(), DiagnosticSeverity::ERROR, message)
}

fn problem(range: Range, severity: DiagnosticSeverity, message: &str) -> Finding {
    Finding {
        diagnostic: Diagnostic {
            range,
            severity: Some(severity),
            source: Some(SOURCE.to_string()),
            message: message.to_string(),
            ..Diagnostic::default()
        },
        rule: None,
        fix: None,
    }
}

/// The edits of a fix, grouped by file in the report's order; `None` if a
/// file it edits is not in the report.
fn fix_edits(report: &Report, tables: &mut LineTables<'_>, fix: &Fix, encoding: Encoding) -> Option<FixEdits> {
    let mut changes: Vec<(Uri, Vec<TextEdit>)> = Vec::new();
    for edit in &fix.edits {
        let file = report.file(edit.file)?;
        let uri = uri::from_path(&file.path)?;
        let range = tables.of(edit.file)?.range(edit.span.start as usize, edit.span.end as usize, encoding);
        let text_edit = TextEdit { range, new_text: edit.replacement.clone() };
        match changes.iter_mut().find(|(u, _)| *u == uri) {
            Some((_, edits)) => edits.push(text_edit),
            None => changes.push((uri, vec![text_edit])),
        }
    }
    Some(FixEdits { message: fix.message.clone(), safe: fix.applicability == Applicability::Safe, changes })
}

/// The line table of each file of a report, built when first needed: the
/// findings' labels and fixes point into the same few files (the buffer, a
/// header), and a table costs a pass over its file.
struct LineTables<'r> {
    report: &'r Report,
    tables: Vec<Option<Lines<'r>>>,
}

impl<'r> LineTables<'r> {
    fn new(report: &'r Report) -> LineTables<'r> {
        LineTables { report, tables: report.files.iter().map(|_| None).collect() }
    }

    fn of(&mut self, file: FileId) -> Option<&Lines<'r>> {
        let text = &self.report.file(file)?.text;
        let slot = self.tables.get_mut(file.index())?;
        Some(slot.get_or_insert_with(|| Lines::new(text)))
    }
}

pub(crate) fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Note => DiagnosticSeverity::INFORMATION,
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
