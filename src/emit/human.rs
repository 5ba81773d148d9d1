//! `--format human`: compiler-style diagnostics with source snippets, drawn
//! by codespan-reporting, then one summary line.

use std::io;
use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label as CsLabel, Severity as CsSeverity};
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term::{self, Config, termcolor::Ansi};

use super::{CALL_LABEL, Counts, EmitOptions, call_head, clamp_span, shown};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Severity};
use crate::report::Report;
use crate::source::FileId;

pub(super) fn write(report: &Report, out: &mut dyn io::Write, opts: &EmitOptions<'_>) -> io::Result<()> {
    let files = ReportFiles(report);
    let config = Config::default();
    for diagnostic in shown(report) {
        let rendered = to_codespan(report, diagnostic);
        let result = if opts.color {
            term::emit_to_write_style(&mut Ansi::new(&mut *out), &config, &files, &rendered)
        } else {
            term::emit_to_io_write(out, &config, &files, &rendered)
        };
        result.map_err(into_io)?;
    }
    if opts.summary {
        writeln!(out, "{}", summary(report))?;
    }
    Ok(())
}

/// `Found 3 problems (1 error, 2 warnings) in 2 files.` or
/// `No problems found in 12 files.`: counts unsuppressed findings; the file
/// count is the files holding them, or the files checked when there are none.
pub(crate) fn summary(report: &Report) -> String {
    let counts = Counts::of(report);
    let mut line = if counts.total() == 0 {
        format!("No problems found in {}.", plural(report.files_scanned, "file"))
    } else {
        let parts: Vec<String> = [(counts.errors, "error"), (counts.warnings, "warning"), (counts.notes, "note")]
            .into_iter()
            .filter(|&(n, _)| n > 0)
            .map(|(n, word)| plural(n, word))
            .collect();
        let mut with_findings: Vec<FileId> = shown(report).map(|d| d.file).collect();
        with_findings.sort_unstable();
        with_findings.dedup();
        format!(
            "Found {} ({}) in {}.",
            plural(counts.total(), "problem"),
            parts.join(", "),
            plural(with_findings.len(), "file")
        )
    };
    if counts.suppressed > 0 {
        line.pop();
        line.push_str(&format!("; {} suppressed.", counts.suppressed));
    }
    if report.baselined > 0 {
        line.pop();
        line.push_str(&format!("; {} in the baseline.", report.baselined));
    }
    let test_parts: Vec<String> = [
        (report.test_code > 0).then(|| format!("{} in test code not shown", report.test_code)),
        (report.test_files_skipped > 0)
            .then(|| format!("{} naming an API not analysed", plural(report.test_files_skipped, "test file"))),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !test_parts.is_empty() {
        line.pop();
        line.push_str(&format!("; {} (--include-tests).", test_parts.join(", ")));
    }
    if let Some(f) = report.fixes.filter(|f| !f.dry_run) {
        line = format!("Fixed {}. {line}", plural(f.fixed, "problem"));
    }
    line.push_str(&unsafe_hint(report));
    line
}

/// `--diff`'s line: `Would fix 2 problems; 1 would remain.`
pub(crate) fn fix_summary(report: &Report) -> String {
    let fixed = report.fixes.map_or(0, |f| f.fixed);
    let remain = Counts::of(report).total();
    format!("Would fix {}; {remain} would remain.{}", plural(fixed, "problem"), unsafe_hint(report))
}

/// ` 2 more fixable with --unsafe-fixes.` after a `--fix` that left unsafe
/// fixes out; empty otherwise.
fn unsafe_hint(report: &Report) -> String {
    if report.fixes.is_none_or(|f| f.unsafe_fixes) {
        return String::new();
    }
    let n = shown(report).filter(|d| d.fix.as_ref().is_some_and(|x| x.applicability == Applicability::Unsafe)).count();
    if n == 0 { String::new() } else { format!(" {n} more fixable with --unsafe-fixes.") }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("{n} {word}") } else { format!("{n} {word}s") }
}

fn to_codespan(report: &Report, d: &Diagnostic) -> CsDiagnostic<FileId> {
    let severity = match d.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
        Severity::Note => CsSeverity::Note,
    };
    // A label into a file the report does not hold (an engine bug) is left
    // out rather than failing the whole output.
    let in_report = |id: FileId| report.file(id).is_some();
    let mut labels = Vec::new();
    if in_report(d.file) {
        labels.push(CsLabel::primary(d.file, range(report, d.file, d.span)));
        // The call, by its head only: a label around a multi-line call
        // would frame the argument the primary label already points at.
        if let Some(f) = report.file(d.file).filter(|_| d.points_into_call()) {
            let head = call_head(&f.text, d.call_span);
            labels.push(CsLabel::secondary(d.file, range(report, d.file, head)).with_message(CALL_LABEL));
        }
    }
    labels.extend(
        d.labels
            .iter()
            .filter(|l| in_report(l.file))
            .map(|l| CsLabel::secondary(l.file, range(report, l.file, l.span)).with_message(l.message.clone())),
    );
    let mut notes: Vec<String> = d.help.iter().map(|h| format!("help: {h}")).collect();
    notes.extend(fix_note(report, d));
    CsDiagnostic::new(severity).with_code(d.rule).with_message(d.message.clone()).with_labels(labels).with_notes(notes)
}

/// rustc's "help: replace with" and the changed lines as they would read:
/// ``help: replace `A` with `B` (safe fix, `--fix`):`` then `6 | <the new line>`.
fn fix_note(report: &Report, d: &Diagnostic) -> Option<String> {
    let fix = d.fix.as_ref()?;
    let how = match fix.applicability {
        Applicability::Safe => "safe fix, `--fix`",
        Applicability::Unsafe => "unsafe fix, `--unsafe-fixes`",
    };
    let mut note = format!("help: {} ({how}):", fix.message);
    let mut files: Vec<FileId> = fix.edits.iter().map(|e| e.file).collect();
    files.dedup();
    for id in files {
        let Some(file) = report.file(id) else { continue };
        let edits: Vec<&Edit> = fix.edits.iter().filter(|e| e.file == id).collect();
        let (Some(first), Some(last)) = (edits.first(), edits.last()) else { continue };
        let (from, to) = (file.line_index(first.span.start), file.line_index(last.span.end));
        let start = file.line_start(from).unwrap_or(0);
        let end = file.line_start(to + 1).unwrap_or(file.text.len());
        // The lines with the edits applied (offsets relative to `start`).
        let mut text = String::new();
        let mut at = start;
        for e in &edits {
            let (s, t) = (e.span.start as usize, e.span.end as usize);
            text.push_str(file.text.get(at..s.max(at))?);
            text.push_str(&e.replacement);
            at = t.max(at);
        }
        text.push_str(file.text.get(at..end.max(at))?);
        if id != d.file {
            note.push_str(&format!("\n--> {}", file.display_path()));
        }
        let width = (to + 1).to_string().len();
        for (i, line) in text.lines().enumerate() {
            note.push_str(&format!("\n{:>width$} | {}", from + 1 + i, line.trim_end_matches('\r')));
        }
    }
    Some(note)
}

fn range(report: &Report, file: FileId, span: crate::ir::Span) -> Range<usize> {
    report.file(file).map_or(0..0, |f| clamp_span(&f.text, span))
}

fn into_io(err: FilesError) -> io::Error {
    match err {
        FilesError::Io(e) => e,
        other => io::Error::other(other.to_string()),
    }
}

/// codespan's view of the report's files: names are display paths, line
/// numbers come from [`crate::source::SourceFile`]'s line table.
struct ReportFiles<'a>(&'a Report);

impl<'a> Files<'a> for ReportFiles<'a> {
    type FileId = FileId;
    type Name = String;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<String, FilesError> {
        self.0.file(id).map(|f| f.display_path()).ok_or(FilesError::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.0.file(id).map(|f| &*f.text).ok_or(FilesError::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        let file = self.0.file(id).ok_or(FilesError::FileMissing)?;
        Ok(file.line_index(u32::try_from(byte_index).unwrap_or(u32::MAX)))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let file = self.0.file(id).ok_or(FilesError::FileMissing)?;
        let count = file.line_count();
        // codespan asks for one line past the last one (an empty line at EOF).
        let start_of = |i: usize| -> Result<usize, FilesError> {
            match i.cmp(&count) {
                std::cmp::Ordering::Less => Ok(file.line_start(i).unwrap_or(file.text.len())),
                std::cmp::Ordering::Equal => Ok(file.text.len()),
                std::cmp::Ordering::Greater => Err(FilesError::LineTooLarge { given: i, max: count - 1 }),
            }
        };
        let start = start_of(line_index)?;
        let end = start_of(line_index + 1)?;
        Ok(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::test_report;

    fn render(report: &Report, opts: &EmitOptions<'_>) -> String {
        let mut out = Vec::new();
        write(report, &mut out, opts).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn renders_primary_secondary_in_another_file_and_help() {
        let text = render(&test_report::report(), &EmitOptions::default());
        // The primary label at the argument, the call by its head; codespan
        // pads the line under a label it hangs a message from.
        let expected = [
            "error[missing-integrity]: authentication level `RPC_C_AUTHN_LEVEL_CONNECT` does not protect integrity",
            "  ┌─ src/main.c:5:47",
            "  │",
            "5 │     /* é */ RpcBindingSetAuthInfoW(h, L\"spn\", LEVEL,",
            "  │             ----------------------            ^^^^^",
            "  │             │                                  ",
            "  │             in this call",
            "  │",
            "  ┌─ src/sec.h:2:15",
            "  │",
            "2 │ #define LEVEL RPC_C_AUTHN_LEVEL_CONNECT",
            "  │               ------------------------- level set here",
            "  │",
            "  = help: pass `RPC_C_AUTHN_LEVEL_PKT_PRIVACY`",
            "",
            "Found 1 problem (1 error) in 1 file; 1 suppressed.",
            "",
        ]
        .join("\n");
        assert_eq!(text, expected);
    }

    #[test]
    fn colour_only_when_asked() {
        let report = test_report::report();
        assert!(!render(&report, &EmitOptions::default()).contains('\x1b'));
        let coloured = render(&report, &EmitOptions { color: true, ..EmitOptions::default() });
        assert!(coloured.contains("\x1b["), "{coloured}");
    }

    #[test]
    fn summary_can_be_turned_off() {
        let text = render(&test_report::report(), &EmitOptions { summary: false, ..EmitOptions::default() });
        assert!(!text.contains("Found"), "{text}");
    }

    #[test]
    fn summary_wording() {
        let mut report = Report { files_scanned: 12, ..Report::default() };
        assert_eq!(summary(&report), "No problems found in 12 files.");
        report.files_scanned = 1;
        assert_eq!(summary(&report), "No problems found in 1 file.");

        let mut report = test_report::report();
        let mut warning = report.diagnostics[0].clone();
        warning.severity = Severity::Warning;
        report.diagnostics.push(warning.clone());
        report.diagnostics.push(warning);
        report.diagnostics[1].suppression = None;
        report.diagnostics[1].file = FileId(1);
        report.diagnostics[1].span = crate::ir::Span::new(0, 5);
        assert_eq!(summary(&report), "Found 4 problems (1 error, 3 warnings) in 2 files.");
        report.test_code = 7;
        assert_eq!(
            summary(&report),
            "Found 4 problems (1 error, 3 warnings) in 2 files; 7 in test code not shown (--include-tests)."
        );
        report.test_files_skipped = 48;
        assert_eq!(
            summary(&report),
            "Found 4 problems (1 error, 3 warnings) in 2 files; 7 in test code not shown, \
             48 test files naming an API not analysed (--include-tests)."
        );
        let mut report = Report { files_scanned: 3, test_code: 1, ..Report::default() };
        assert_eq!(summary(&report), "No problems found in 3 files; 1 in test code not shown (--include-tests).");
        report.test_code = 0;
        report.test_files_skipped = 1;
        assert_eq!(
            summary(&report),
            "No problems found in 3 files; 1 test file naming an API not analysed (--include-tests)."
        );
    }

    #[test]
    fn broken_spans_and_file_ids_do_not_panic() {
        let mut report = test_report::report();
        report.diagnostics[0].span = crate::ir::Span { start: 10_000, end: 20_000 };
        report.diagnostics[0].labels[0].span = crate::ir::Span { start: 5, end: 2 };
        render(&report, &EmitOptions::default());
        report.diagnostics[0].file = FileId(99);
        let text = render(&report, &EmitOptions::default());
        assert!(text.starts_with("error[missing-integrity]: authentication level"), "{text}");
        assert!(text.contains("level set here"), "{text}");
    }
}
