//! What one run produced: the findings, the files they point into, and the
//! files that could not be read. Emitters read only this.

use crate::diagnostic::Diagnostic;
use crate::source::{FileId, SourceFile};

/// A file rpclint could not read (permission, vanished, not a file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    pub path: String,
    pub message: String,
}

/// Something wrong that does not stop the run or change the exit code:
/// a suppression comment that names an unknown rule, or cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub path: String,
    /// 1-based line and column (in characters).
    pub line: usize,
    pub column: usize,
    /// Lowercase, no trailing period.
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Report {
    /// Indexed by [`FileId`]: every file a diagnostic or label points into.
    pub files: Vec<SourceFile>,
    /// Sorted by path, line, column, rule, message.
    pub diagnostics: Vec<Diagnostic>,
    /// Files that could not be read, sorted by path.
    pub errors: Vec<FileError>,
    /// How many files were looked at (after discovery).
    pub files_scanned: usize,
    /// How many of those were parsed (the prefilter skipped the rest).
    pub files_parsed: usize,
    /// Suppression comments that could not be used, sorted by path and line.
    pub warnings: Vec<Warning>,
    /// Findings left out because the baseline holds them (`--baseline`).
    pub baselined: usize,
    /// Findings left out because they are in test code (without
    /// `--include-tests`; see [`crate::testcode`]).
    pub test_code: usize,
    /// Test files not analysed (without `--include-tests`): test code by
    /// their path, naming an API a rule of the run reads.
    pub test_files_skipped: usize,
    /// What `check --fix` (or `--diff`) did, when it ran.
    pub fixes: Option<FixOutcome>,
}

/// What `check --fix`, `--unsafe-fixes` or `--diff` did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FixOutcome {
    /// Findings fixed (or, with `--diff`, that would be).
    pub fixed: usize,
    /// Unsafe fixes were applied too.
    pub unsafe_fixes: bool,
    /// Nothing was written (`--diff`).
    pub dry_run: bool,
}

impl Report {
    pub fn file(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.index())
    }
}
