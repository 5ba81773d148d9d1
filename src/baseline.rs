//! Baselines: findings recorded once (`--write-baseline FILE`) so that later
//! runs (`--baseline FILE`) report only new ones.
//!
//! The file is JSON, sorted so that it diffs well:
//!
//! ```json
//! { "version": 1,
//!   "findings": [ { "fingerprint": "3f1c9a0d5e7b2c41", "rule": "missing-integrity",
//!                   "path": "src/client.c", "message": "..." } ] }
//! ```
//!
//! Matching uses only the fingerprint (rule, path relative to the project
//! root, the call's text without spaces, occurrence index: see
//! [`crate::engine::fingerprint_path`]), as a multiset: two identical calls
//! in a file are two entries, and a third one is new. Line numbers play no
//! part, so code moving up and down keeps matching. Suppressed findings are
//! neither recorded nor matched; they stay suppressed.

use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::engine::fingerprint_path;
use crate::report::Report;

/// The format version written to `version`.
pub(crate) const VERSION: u32 = 1;

/// A baseline file's contents.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BaselineFile {
    pub(crate) version: u32,
    pub(crate) findings: Vec<Entry>,
}

/// One recorded finding. Only `fingerprint` is used for matching; the rest
/// is for people reading the file.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Entry {
    pub(crate) fingerprint: String,
    pub(crate) rule: String,
    pub(crate) path: String,
    pub(crate) message: String,
}

impl BaselineFile {
    /// The unsuppressed findings of `report`, sorted by path, rule, message, fingerprint.
    pub(crate) fn from_report(report: &Report, root: Option<&Path>) -> BaselineFile {
        let mut findings: Vec<Entry> = report
            .diagnostics
            .iter()
            .filter(|d| d.suppression.is_none())
            .map(|d| Entry {
                fingerprint: d.fingerprint.clone(),
                rule: d.rule.to_string(),
                path: report.file(d.file).map(|f| fingerprint_path(&f.path, root)).unwrap_or_default(),
                message: d.message.clone(),
            })
            .collect();
        findings.sort_by(|a, b| {
            (&a.path, &a.rule, &a.message, &a.fingerprint).cmp(&(&b.path, &b.rule, &b.message, &b.fingerprint))
        });
        BaselineFile { version: VERSION, findings }
    }

    /// Writes the file (pretty JSON and a final newline).
    pub fn write(&self, path: &Path) -> io::Result<()> {
        let mut out = io::BufWriter::new(std::fs::File::create(path)?);
        serde_json::to_writer_pretty(&mut out, self)?;
        writeln!(out)?;
        out.flush()
    }

    /// Reads a baseline file; the error names the place in it.
    pub fn load(path: &Path) -> Result<BaselineFile, String> {
        let text = std::fs::read_to_string(path).map_err(|e| crate::discover::io_message(&e))?;
        let file: BaselineFile = serde_json::from_str(&text).map_err(|e| {
            let msg = e.to_string();
            // serde_json appends " at line L column C"; say it the compiler way.
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            format!("{}:{}: not a baseline file: {msg}", e.line(), e.column())
        })?;
        if file.version != VERSION {
            return Err(format!("unsupported baseline version {}; this rpclint reads version {VERSION}", file.version));
        }
        Ok(file)
    }

    /// Removes from `report` the unsuppressed findings this baseline holds
    /// (each entry matches at most one finding) and counts them in
    /// `report.baselined`.
    pub(crate) fn apply(&self, report: &mut Report) {
        let mut left: HashMap<&str, usize> = HashMap::new();
        for e in &self.findings {
            *left.entry(e.fingerprint.as_str()).or_default() += 1;
        }
        let before = report.diagnostics.len();
        report.diagnostics.retain(|d| {
            if d.suppression.is_some() {
                return true;
            }
            match left.get_mut(d.fingerprint.as_str()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            }
        });
        report.baselined += before - report.diagnostics.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::test_report;

    #[test]
    fn records_unsuppressed_findings_and_matches_them_as_a_multiset() {
        let mut report = test_report::report();
        let base = BaselineFile::from_report(&report, None);
        assert_eq!(base.findings.len(), 1, "the suppressed finding is not recorded");
        assert_eq!(base.findings[0].path, "src/main.c");

        // Two findings with the same fingerprint: the baseline covers one.
        let twin = report.diagnostics[0].clone();
        report.diagnostics.push(twin);
        base.apply(&mut report);
        assert_eq!(report.baselined, 1);
        assert_eq!(report.diagnostics.len(), 2);
        assert!(report.diagnostics.iter().any(|d| d.suppression.is_some()));
    }

    #[test]
    fn round_trip_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.json");
        let base = BaselineFile::from_report(&test_report::report(), None);
        base.write(&path).unwrap();
        assert_eq!(BaselineFile::load(&path).unwrap(), base);

        std::fs::write(&path, "{\"version\": 2, \"findings\": []}").unwrap();
        assert_eq!(
            BaselineFile::load(&path).unwrap_err(),
            "unsupported baseline version 2; this rpclint reads version 1"
        );
        std::fs::write(&path, "{\n  \"version\": 1,\n  \"findigns\": []\n}").unwrap();
        let e = BaselineFile::load(&path).unwrap_err();
        assert!(e.starts_with("3:12: not a baseline file: unknown field `findigns`"), "{e}");
        assert_eq!(BaselineFile::load(&dir.path().join("nope.json")).unwrap_err(), "no such file or directory");
    }
}
