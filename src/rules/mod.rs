//! Every rule rpclint knows, and the context a rule runs in.

use crate::diagnostic::Severity;

/// Static facts about a rule. The prose lives in `rules/<name>.md`.
pub struct Rule {
    /// Kebab-case; reads as "allow <name>".
    pub name: &'static str,
    pub default_severity: Severity,
    /// `rules/<name>.md`: its first paragraph is the one-line summary.
    pub doc: &'static str,
}

impl Rule {
    /// The doc's first paragraph (one line): `rpclint rules` and SARIF `shortDescription`.
    pub fn summary(&self) -> &'static str {
        self.doc
            .lines()
            .skip_while(|l| l.starts_with('#') || l.trim().is_empty())
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
    }
}

/// Sorted by name; `tests/meta.rs` checks order, uniqueness, docs and fixtures.
pub static ALL: &[&Rule] = &[];

pub fn by_name(name: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.name == name)
}
