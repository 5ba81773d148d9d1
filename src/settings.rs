//! What a run is asked to do: the command line and the configuration merged
//! into [`Settings`] (rules, severities, knowledge base, limits).

use std::path::PathBuf;
use std::sync::Arc;

use crate::diagnostic::Severity;
use crate::kb::Kb;
use crate::limits::Limits;
use crate::rules::{self, Rule, RuleOptions};
use crate::testcode::TestCode;

/// What a run is asked to do, after the command line and configuration are merged.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Rules to run (by name, or a group: `default`, `audit`, `all`);
    /// empty means the default set plus `enable`.
    pub select: Vec<String>,
    /// Rules not to run (wins over everything else).
    pub ignore: Vec<String>,
    /// Rules (or groups) to run on top of the default set, e.g.
    /// `unused-suppression` or `audit`, which are off by default.
    pub enable: Vec<String>,
    /// Per-rule severity overrides.
    pub severity: Vec<(String, Severity)>,
    /// Worker threads; `None` = one per core.
    pub jobs: Option<usize>,
    pub rule_options: RuleOptions,
    /// The run's knowledge base (the shipped one plus a configuration's
    /// entries); `None` means the shipped one.
    pub kb: Option<Arc<Kb>>,
    /// An absolute directory: fingerprints use paths relative to it (the
    /// repository root), so a baseline does not depend on where rpclint
    /// was started. `None`, or a file outside it: the displayed path.
    pub project_root: Option<PathBuf>,
    /// Per-file size and time limits.
    pub limits: Limits,
    /// How test code is told, and whether its findings are reported.
    pub test_code: TestCode,
    /// Fault injection for tests. Nothing in the command line or the
    /// configuration sets it, so it cannot fire in a real run.
    #[doc(hidden)]
    pub test_hooks: TestHooks,
}

/// Panics on purpose, to prove that one file's internal error costs no other
/// file its findings. A file whose text contains a marker panics there.
#[doc(hidden)]
#[derive(Clone, Debug, Default)]
pub struct TestHooks {
    /// Panic inside the frontend's `catch_unwind` (phase 1).
    pub panic_while_parsing: Option<String>,
    /// Panic inside the analysis's `catch_unwind` (phase 3).
    pub panic_while_analysing: Option<String>,
}

impl TestHooks {
    pub(crate) fn panic_if_marked(marker: &Option<String>, text: &str, stage: &str) {
        if let Some(m) = marker {
            if text.contains(m.as_str()) {
                panic!("test hook: panic while {stage}");
            }
        }
    }
}

impl Settings {
    /// The rules this run uses, in [`rules::ALL`] order.
    pub fn rules(&self) -> Vec<&'static Rule> {
        let named = |list: &[String], r: &Rule| {
            list.iter().any(|s| s == r.name || rules::expand(s).iter().any(|x| std::ptr::eq(*x, r)))
        };
        rules::ALL
            .iter()
            .copied()
            .filter(|r| {
                if self.select.is_empty() {
                    rules::on_by_default(r) || named(&self.enable, r)
                } else {
                    named(&self.select, r)
                }
            })
            .filter(|r| !named(&self.ignore, r))
            .collect()
    }

    /// The severity a configuration gives `rule`, else its default.
    pub(crate) fn severity_of(&self, rule: &Rule) -> Severity {
        self.severity.iter().rev().find(|(n, _)| n == rule.name).map_or(rule.default_severity, |(_, s)| *s)
    }
}
