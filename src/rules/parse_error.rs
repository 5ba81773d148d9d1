//! `parse-error`: a file, or a region of one, that rpclint could not analyse.
//!
//! Fires once per file, on the first such region: a syntax error the parser
//! could not recover from, nesting too deep, a file over the size limit or
//! binary, Rust that is not UTF-8, a parse or an analysis that ran out of
//! time, a function too complex for the data-flow analysis. The message
//! counts the other regions, and the next few are secondary labels: on
//! macro-heavy code tree-sitter can give a dozen error regions per file, and
//! one finding per file says everything a user can act on.
//!
//! Its default severity is `note`, so it never fails a run on its own
//! (`--fail-on` is `warning` by default): a macro the parser misreads is not
//! the user's fault. `--fail-on note` or a configured severity makes it count.
//! Docs: `rules/parse-error.md`.

use super::{Precision, Rule, RuleCx};
use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::Span;

pub(crate) static RULE: Rule = Rule {
    name: "parse-error",
    default_severity: Severity::Note,
    precision: Precision::High,
    reads: &[],
    doc: include_str!("../../rules/parse-error.md"),
    check,
};

/// Other regions shown as secondary labels, at most.
const MAX_LABELS: usize = 5;

fn check(cx: &mut RuleCx<'_>) {
    let mut regions: Vec<(Span, String)> = cx.ir.problems.iter().map(|p| (p.span, p.message.clone())).collect();
    // Functions the analysis gave up on: the first one that ran out of time
    // stands for all later ones (they were never started).
    let mut timed_out = 0usize;
    let mut first_timed_out = None;
    for (func, facts) in cx.ir.functions.iter().zip(cx.facts) {
        if facts.timed_out {
            timed_out += 1;
            first_timed_out.get_or_insert(func);
        } else if facts.gave_up {
            let message = format!(
                "analysis gave up on `{}`: its control flow is too complex, so its calls were not checked",
                func.name
            );
            regions.push((Span::new(func.span.start as usize, func.span.start as usize), message));
        }
    }
    if let Some(func) = first_timed_out {
        let later = match timed_out - 1 {
            0 => String::new(),
            1 => " and 1 later function".to_string(),
            n => format!(" and {n} later functions"),
        };
        let message =
            format!("analysis stopped at the time limit (--file-timeout): `{}`{later} not checked", func.name);
        regions.push((Span::new(func.span.start as usize, func.span.start as usize), message));
    }
    regions.sort_by(|a, b| (a.0.start, a.0.end, &a.1).cmp(&(b.0.start, b.0.end, &b.1)));
    let Some((span, message)) = regions.first().cloned() else { return };
    let message = match regions.len() - 1 {
        0 => message,
        1 => format!("{message} (and 1 more region of this file)"),
        n => format!("{message} (and {n} more regions of this file)"),
    };
    let mut d = Diagnostic::new(RULE.name, RULE.default_severity, cx.file, span, message).with_help(
        "rpclint could not check this code, so findings in it are missing: see `rpclint explain parse-error`",
    );
    for (span, message) in regions.iter().skip(1).take(MAX_LABELS) {
        d = d.with_label(cx.file, *span, message.clone());
    }
    cx.push(d);
}
