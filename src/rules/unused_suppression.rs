//! `unused-suppression`: a suppression comment names a rule that did not
//! fire where the comment applies.
//!
//! Off by default (`--report-unused-suppressions`, or a severity for it in
//! `rpclint.toml`). Its findings are made by the suppression pass
//! (`src/suppress.rs`), which sees comments and every other rule's findings;
//! `check` has nothing to do per file. Names of rules that did not run this
//! time (`--select`, `off`) are never reported. Docs: `rules/unused-suppression.md`.

use super::{Precision, Rule, RuleCx};
use crate::diagnostic::Severity;

pub(crate) static RULE: Rule = Rule {
    name: "unused-suppression",
    default_severity: Severity::Warning,
    precision: Precision::High,
    reads: &[],
    doc: include_str!("../../rules/unused-suppression.md"),
    check,
};

fn check(_: &mut RuleCx<'_>) {}
