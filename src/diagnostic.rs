//! The one diagnostic type every rule produces and every emitter reads, and
//! its fix (edits with an applicability).

use std::fmt;

use serde::Serialize;

use crate::ir::Span;
use crate::source::FileId;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    // Declared from least to most severe, so `>=` reads "at least as severe".
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary location: where an offending value was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Label {
    pub(crate) file: FileId,
    pub(crate) span: Span,
    pub(crate) message: String,
}

/// Why a finding is not counted (it is still reported in SARIF).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// The text after `--` in the comment, if any.
    pub justification: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// The rule's stable name (`missing-integrity`).
    pub rule: &'static str,
    pub severity: Severity,
    pub file: FileId,
    /// The primary span: what an editor underlines. The argument, struct
    /// field or flag that carries the offending value where a rule knows it
    /// (see [`Diagnostic::at`]), else the whole call.
    pub span: Span,
    /// The call the finding is about, from the callee's first character
    /// through the closing parenthesis (in `file`). Fingerprints hash its
    /// text and suppression comments apply on its first line, so that moving
    /// the primary span changes neither; emitters show it as a secondary
    /// location when it differs from `span`.
    pub call_span: Span,
    /// Lowercase, no trailing period, code in backticks.
    pub message: String,
    pub(crate) labels: Vec<Label>,
    /// For a call of the tree's own function that reaches the API through
    /// a summary: each call on the way, outermost first (also in `labels`;
    /// SARIF gives them as a code flow).
    pub(crate) flow: Vec<Label>,
    /// What to write instead, imperative.
    pub(crate) help: Option<String>,
    /// Stable across edits that move code: rule, path, normalised call text,
    /// occurrence index. Filled in by the engine.
    pub fingerprint: String,
    pub suppression: Option<Suppression>,
    /// In test code (see [`crate::testcode`]); set after the rules.
    pub test_code: bool,
    /// The edit that removes the finding, where it has one right replacement.
    pub fix: Option<Fix>,
}

/// Whether a fix may be applied without a human looking at it (as clippy's
/// and ruff's applicability).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Every edit stays inside the flagged call's own text and the value is
    /// wrong on every reading (`--fix` applies it).
    Safe,
    /// It changes a shared definition (a `#define`, a `const`, an assignment
    /// other code may read) or a value the rule only warns about
    /// (`--unsafe-fixes` applies it).
    Unsafe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// One replacement of a byte range of a file's decoded text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Edit {
    pub file: FileId,
    /// Empty for an insertion.
    pub span: Span,
    pub replacement: String,
}

/// A finding's fix: what it does, its edits (sorted, not overlapping) and
/// whether it is safe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// Imperative, code in backticks: "replace `A` with `B`".
    pub message: String,
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
    /// Text the source must read at these places for the edits to be
    /// right: where a rule placed an edit by assuming how a literal is
    /// spelled (rules see no text). Checked when the report is made: the fix
    /// is dropped if one does not hold.
    pub(crate) expects: Vec<(FileId, Span, String)>,
}

impl Fix {
    /// A fix of these edits; `None` when there is none or two overlap.
    pub fn new(message: String, mut edits: Vec<Edit>, applicability: Applicability) -> Option<Fix> {
        edits.sort();
        edits.dedup();
        let overlap = edits.windows(2).any(|w| w[0].file == w[1].file && w[0].span.end > w[1].span.start);
        (!edits.is_empty() && !overlap).then_some(Fix { message, edits, applicability, expects: Vec::new() })
    }
}

impl Diagnostic {
    pub fn new(rule: &'static str, severity: Severity, file: FileId, span: Span, message: String) -> Diagnostic {
        Diagnostic {
            rule,
            severity,
            file,
            span,
            call_span: span,
            message,
            labels: Vec::new(),
            flow: Vec::new(),
            help: None,
            fingerprint: String::new(),
            suppression: None,
            test_code: false,
            fix: None,
        }
    }

    /// Moves the primary span to `cause` (in the same file, inside the call
    /// or wherever the rule found the value), keeping the call in
    /// [`Diagnostic::call_span`]; labels now inside the primary span go.
    /// `None` leaves the finding on the call.
    pub fn at(mut self, cause: Option<Span>) -> Diagnostic {
        let Some(cause) = cause.filter(|c| c.end > c.start) else { return self };
        self.span = cause;
        let file = self.file;
        self.labels.retain(|l| !(l.file == file && l.span.start >= cause.start && l.span.end <= cause.end));
        self
    }

    /// Whether the primary span is narrower than the call (the call is then
    /// shown as a secondary location).
    pub fn points_into_call(&self) -> bool {
        self.span != self.call_span
    }

    /// Adds a secondary label, unless it would sit inside the primary span.
    pub fn with_label(mut self, file: FileId, span: Span, message: impl Into<String>) -> Diagnostic {
        let inside = file == self.file && span.start >= self.span.start && span.end <= self.span.end;
        let duplicate = self.labels.iter().any(|l| l.file == file && l.span == span);
        if !inside && !duplicate && span.end > span.start {
            self.labels.push(Label { file, span, message: message.into() });
        }
        self
    }

    /// Adds a step of the way to the API (see [`Diagnostic::flow`]), also as a label.
    pub fn with_step(mut self, file: FileId, span: Span, message: impl Into<String>) -> Diagnostic {
        let label = Label { file, span, message: message.into() };
        self.flow.push(label.clone());
        self.with_label(label.file, label.span, label.message)
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_fix(mut self, fix: Option<Fix>) -> Diagnostic {
        self.fix = fix;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on_call() -> Diagnostic {
        Diagnostic::new("r", Severity::Error, FileId(0), Span::new(10, 60), String::new())
    }

    #[test]
    fn at_moves_the_primary_span_and_keeps_the_call() {
        let d = on_call().with_label(FileId(0), Span::new(30, 35), "set here").with_label(
            FileId(1),
            Span::new(30, 35),
            "x",
        );
        // Inside the call: a label at the call's own text is dropped while the primary is the call.
        assert_eq!(d.labels.len(), 1);
        let d = on_call().at(Some(Span::new(30, 40))).with_label(FileId(0), Span::new(5, 8), "set here");
        assert_eq!((d.span, d.call_span), (Span::new(30, 40), Span::new(10, 60)));
        assert!(d.points_into_call());
        // A label inside the new primary span goes; one elsewhere in the call stays.
        let d = on_call().at(Some(Span::new(30, 40))).with_label(FileId(0), Span::new(32, 35), "inside").with_label(
            FileId(0),
            Span::new(45, 50),
            "elsewhere",
        );
        let kept: Vec<&str> = d.labels.iter().map(|l| l.message.as_str()).collect();
        assert_eq!(kept, ["elsewhere"]);
        // No cause, or an empty one: the finding stays on the call.
        for cause in [None, Some(Span::new(30, 30))] {
            let d = on_call().at(cause);
            assert_eq!(d.span, d.call_span);
            assert!(!d.points_into_call());
        }
    }
}
