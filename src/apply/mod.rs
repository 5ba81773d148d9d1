//! Applying fixes: which fixes of a report go together in one round
//! ([`plan`]), the edited text of a file ([`apply_edits`]), the bytes written
//! back as the file was stored ([`stored`]) and the unified diff shown by
//! `--diff` ([`diff`]). The rounds themselves (apply, check again, apply
//! what the new report offers) are driven by the `check` command.

pub mod diff;
pub mod stored;

use std::collections::BTreeMap;

use crate::diagnostic::{Applicability, Edit};
use crate::report::Report;
use crate::source::FileId;

/// The edits of one round, by file, and how many findings they fix.
#[derive(Debug, Default)]
pub struct Plan {
    /// Sorted, never overlapping.
    pub edits: BTreeMap<FileId, Vec<Edit>>,
    /// Findings whose fix is in `edits` (two findings may share one edit:
    /// both are fixed by it).
    pub fixed: usize,
}

/// The fixes of `report` that can be applied together: every unsuppressed
/// finding's fix that is safe (or any, with `unsafe_fixes`), whose files
/// `writable` accepts, and whose edits overlap no edit already taken (those
/// wait for the next round, as ruff does). Findings in report order.
pub fn plan(report: &Report, unsafe_fixes: bool, writable: &dyn Fn(FileId) -> bool) -> Plan {
    let mut plan = Plan::default();
    for d in report.diagnostics.iter().filter(|d| d.suppression.is_none()) {
        let Some(fix) = &d.fix else { continue };
        if fix.applicability == Applicability::Unsafe && !unsafe_fixes {
            continue;
        }
        if !fix.edits.iter().all(|e| writable(e.file)) {
            continue;
        }
        let taken = |e: &Edit| plan.edits.get(&e.file).is_some_and(|es| es.contains(e));
        let new: Vec<Edit> = fix.edits.iter().filter(|e| !taken(e)).cloned().collect();
        let clash = |e: &Edit| plan.edits.get(&e.file).is_some_and(|es| es.iter().any(|o| overlap(o, e)));
        if new.iter().any(clash) {
            continue;
        }
        for e in new {
            let es = plan.edits.entry(e.file).or_default();
            es.push(e);
            es.sort();
        }
        plan.fixed += 1;
    }
    plan
}

/// Two edits touch the same text: their ranges intersect, or one inserts
/// where the other starts or ends (the order of the two texts would be a guess).
fn overlap(a: &Edit, b: &Edit) -> bool {
    let (a, b) = (a.span, b.span);
    let intersect = a.start < b.end && b.start < a.end;
    let insert_at = |ins: crate::ir::Span, other: crate::ir::Span| {
        ins.start == ins.end && other.start <= ins.start && ins.start <= other.end
    };
    intersect || insert_at(a, b) || insert_at(b, a)
}

/// `text` with `edits` (sorted, not overlapping) applied; `None` if one
/// does not fit the text (a span past its end or inside a character).
pub fn apply_edits(text: &str, edits: &[Edit]) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0usize;
    for e in edits {
        let (start, end) = (e.span.start as usize, e.span.end as usize);
        if start < at || end < start {
            return None;
        }
        out.push_str(text.get(at..start)?);
        out.push_str(&e.replacement);
        text.get(start..end)?;
        at = end;
    }
    out.push_str(text.get(at..)?);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Span;

    fn edit(start: usize, end: usize, text: &str) -> Edit {
        Edit { file: FileId(0), span: Span::new(start, end), replacement: text.into() }
    }

    #[test]
    fn edits_replace_and_insert() {
        let text = "f(a, CONNECT);\r\n";
        let out = apply_edits(text, &[edit(2, 3, "b"), edit(5, 12, "PRIVACY"), edit(12, 12, " | X")]);
        assert_eq!(out.as_deref(), Some("f(b, PRIVACY | X);\r\n"));
        assert_eq!(apply_edits(text, &[edit(5, 99, "x")]), None);
        assert_eq!(apply_edits("é", &[edit(1, 1, "x")]), None);
    }

    #[test]
    fn overlapping_edits_and_insertions_at_a_replaced_range_clash() {
        assert!(overlap(&edit(2, 5, "x"), &edit(4, 6, "y")));
        assert!(overlap(&edit(2, 5, "x"), &edit(5, 5, "y")));
        assert!(overlap(&edit(5, 5, "x"), &edit(5, 5, "y")));
        assert!(!overlap(&edit(2, 5, "x"), &edit(6, 6, "y")));
        assert!(!overlap(&edit(2, 5, "x"), &edit(5, 7, "y")));
    }
}
