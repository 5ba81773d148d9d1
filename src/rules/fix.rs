//! Fixes: what a rule's fix writes comes from the knowledge base's `[[fix]]`
//! entries (by rule and role); where it writes is found in the IR, at the
//! place the resolver saw the offending value set (the call's argument, an
//! assignment, a struct field or initialiser, a `#define` or `const`).
//!
//! Nothing here reads source text: an edit replaces the expression of the
//! IR that spells the offending value (for a path, `a::b::NAME`, only its
//! last segment, so the path prefix the code used stays), or appends flags
//! after the expression that holds the value, or deletes the operands of
//! `|` that spell unwanted flags. A word inside a string
//! literal is placed by counting back from its closing quote; the fix
//! carries the text it assumed, checked against the source at the end of
//! the run (`Fix::expects`). A fix is safe only when every
//! edit stays inside the flagged call's own text and the rule is certain the
//! value is wrong (an error); anything else is unsafe.

use super::{ApiCall, RoleValue, RuleCx};
use crate::diagnostic::{Applicability, Edit, Fix, Severity};
use crate::ir::{BinOp, ExprId, ExprKind, FileIr, Function, Span, Stmt};
use crate::kb::{FixSpec, Role};
use crate::resolve::Origin;
use crate::source::FileId;

/// The expression that holds a value where it was written.
struct Site<'a> {
    file: FileId,
    func: &'a Function,
    expr: ExprId,
}

impl<'a> RuleCx<'a> {
    /// The running rule's `[[fix]]` entry for `role`.
    fn fix_spec(&self, role: Role) -> Option<&'a FixSpec> {
        self.kb.fix_for(self.rule.name, role)
    }

    /// The fix that replaces the offending value `old` of `role`, passed to
    /// `call` as `rv` and set at `origin`, by the rule's replacement.
    pub(crate) fn fix_replace(
        &self,
        call: &ApiCall<'a>,
        role: Role,
        rv: &RoleValue<'_>,
        old: u64,
        origin: Option<Origin>,
        severity: Severity,
    ) -> Option<Fix> {
        let spec = self.fix_spec(role)?;
        let site = self.site(call, rv, origin)?;
        let leaf = self.single_leaf(&site, old)?;
        let expr = site.func.expr(leaf);
        let (span, spelled) = match &expr.kind {
            ExprKind::Name(n) => (last_segment(expr.span, n)?, n.clone()),
            ExprKind::Int(v) => (expr.span, number(*v)),
            _ => return None,
        };
        let (replacement, shown) = match (&spec.replace_with, spec.replace_with_value) {
            (_, Some(v)) => (number(v), format!("`{}`", number(v))),
            // A literal stays a literal: the name may not be in scope.
            (Some(name), None) if matches!(expr.kind, ExprKind::Int(_)) => {
                let text = number(self.kb.int(name)?);
                (text.clone(), format!("`{text}` (`{name}`)"))
            }
            (Some(name), None) => (name.clone(), format!("`{name}`")),
            (None, None) => return None,
        };
        let edit = Edit { file: site.file, span, replacement };
        let message = format!("replace `{spelled}` with {shown}");
        Fix::new(message, vec![edit.clone()], self.applicability(call, &[edit], severity))
    }

    /// The fix that adds the rule's flags for `role` to the value `old`
    /// passed to `call` as `rv` and set at `origin`.
    pub(crate) fn fix_add(
        &self,
        call: &ApiCall<'a>,
        role: Role,
        rv: &RoleValue<'_>,
        old: u64,
        origin: Option<Origin>,
        severity: Severity,
    ) -> Option<Fix> {
        let spec = self.fix_spec(role)?;
        if spec.add.is_empty() || spec.add.iter().any(|n| self.kb.int(n).is_none()) {
            return None;
        }
        let site = self.site(call, rv, origin)?;
        // The expression must spell exactly the value (not a `memset` or a
        // `..Default::default()` that zeroed it).
        if self.flags_value(site.func, site.expr).map(|v| v as u32) != Some(old as u32) {
            return None;
        }
        let flags = spec.add.join(" | ");
        let expr = site.func.expr(site.expr);
        // The code's own names carry a path prefix rpclint cannot copy
        // without reading the text: no fix rather than a wrong one.
        let mut names = Vec::new();
        self.leaves(site.func, site.expr, &mut names);
        let prefixed = names.iter().any(|&e| match &site.func.expr(e).kind {
            ExprKind::Name(n) => site.func.expr(e).span.range().len() != n.len(),
            _ => false,
        });
        if prefixed || expr.span.end <= expr.span.start {
            return None;
        }
        let edit = match &expr.kind {
            // No flag at all: the flags replace the zero.
            ExprKind::Int(0) => Edit { file: site.file, span: expr.span, replacement: flags.clone() },
            // `|` binds no looser than `|` itself: no parentheses needed.
            _ => Edit {
                file: site.file,
                span: Span::new(expr.span.end as usize, expr.span.end as usize),
                replacement: format!(" | {flags}"),
            },
        };
        let edits = vec![edit];
        let message = format!("add `{flags}`");
        let applicability = self.applicability(call, &edits, severity);
        Fix::new(message, edits, applicability)
    }

    /// The fix that replaces the word `old` at byte `at` of `text` (the
    /// string the rule parsed, passed to `call` as `rv` and set at `origin`)
    /// by the rule's `replace-with-text`. Rules see no text, so the edit is
    /// placed by counting back from the literal's closing quote, and holds
    /// only if the source spells the rest of the value verbatim there up to
    /// a plain `"` (no escape, no raw-string delimiter, no literal
    /// concatenated after it): checked when the report is made.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn fix_replace_in_string(
        &self,
        call: &ApiCall<'a>,
        role: Role,
        rv: &RoleValue<'_>,
        (text, at, old): (&str, usize, &str),
        origin: Option<Origin>,
        severity: Severity,
    ) -> Option<Fix> {
        let new = self.fix_spec(role)?.replace_with_text.as_ref()?;
        // The word keeps the code's case where it is all one case.
        let new = if !old.bytes().any(|b| b.is_ascii_uppercase()) {
            new.to_ascii_lowercase()
        } else if !old.bytes().any(|b| b.is_ascii_lowercase()) {
            new.to_ascii_uppercase()
        } else {
            new.clone()
        };
        let tail = text.get(at..)?;
        if !tail.starts_with(old) || old.is_empty() || tail.contains(['\\', '"']) {
            return None;
        }
        let site = self.site(call, rv, origin)?;
        let literal = string_literal(site.func, site.expr, text, 2)?;
        let span = site.func.expr(literal).span;
        let start = (span.end as usize).checked_sub(1 + tail.len())?;
        if start <= span.start as usize {
            return None;
        }
        let edit = Edit { file: site.file, span: Span::new(start, start + old.len()), replacement: new.clone() };
        let applicability = self.applicability(call, std::slice::from_ref(&edit), severity);
        let mut fix = Fix::new(format!("replace `{old}` with `{new}`"), vec![edit], applicability)?;
        fix.expects.push((site.file, Span::new(start, span.end as usize), format!("{tail}\"")));
        Some(fix)
    }

    /// The fix that removes the flags `unwanted` from the value `old` of
    /// `role`, passed to `call` as `rv` and set at `origin`, when the rule's
    /// entry says `remove-unaccepted`: each operand of `|` made only of them
    /// goes with its `|`; a value made of one such operand is replaced by
    /// `replace-with`. The text between two operands must be `|` or ` | `
    /// (a parenthesis or a comment there is not the fix's to delete):
    /// checked when the report is made.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn fix_remove(
        &self,
        call: &ApiCall<'a>,
        role: Role,
        rv: &RoleValue<'_>,
        (old, unwanted): (u64, u64),
        origin: Option<Origin>,
        severity: Severity,
        shown: &str,
    ) -> Option<Fix> {
        let spec = self.fix_spec(role)?;
        let unwanted = u64::from(unwanted as u32);
        if !spec.remove_unaccepted || unwanted == 0 {
            return None;
        }
        let site = self.site(call, rv, origin)?;
        if self.flags_value(site.func, site.expr).map(|v| v as u32) != Some(old as u32) {
            return None;
        }
        let mut edits = Vec::new();
        let mut expects = Vec::new();
        let mut message = format!("remove `{shown}`");
        if self.prune(&site, site.expr, unwanted, &mut edits, &mut expects, 0)? {
            // Nothing would remain: the one operand becomes `replace-with`.
            let expr = site.func.expr(site.expr);
            let name = spec.replace_with.as_ref()?;
            let (span, replacement, written) = match &expr.kind {
                ExprKind::Name(n) => (last_segment(expr.span, n)?, name.clone(), format!("`{name}`")),
                ExprKind::Int(_) => {
                    let text = number(self.kb.int(name)?);
                    (expr.span, text.clone(), format!("`{text}` (`{name}`)"))
                }
                _ => return None,
            };
            message = format!("replace `{shown}` with {written}");
            edits.push(Edit { file: site.file, span, replacement });
        }
        let applicability = self.applicability(call, &edits, severity);
        let mut fix = Fix::new(message, edits, applicability)?;
        fix.expects = expects;
        Some(fix)
    }

    /// Deletes from `e` (an expression of `|`) the operands made only of
    /// `unwanted` flags; whether all of `e` would go. `None` for an operand
    /// that mixes wanted and unwanted flags, or is not a known flag.
    fn prune(
        &self,
        site: &Site<'_>,
        e: ExprId,
        unwanted: u64,
        edits: &mut Vec<Edit>,
        expects: &mut Vec<(FileId, Span, String)>,
        depth: u8,
    ) -> Option<bool> {
        let expr = site.func.expr(e);
        match &expr.kind {
            ExprKind::Binary(BinOp::BitOr, a, b) if depth < 64 => {
                let gone_a = self.prune(site, *a, unwanted, edits, expects, depth + 1)?;
                let gone_b = self.prune(site, *b, unwanted, edits, expects, depth + 1)?;
                let (sa, sb) = (site.func.expr(*a).span, site.func.expr(*b).span);
                let gap = match sb.start.checked_sub(sa.end)? {
                    1 => "|",
                    3 => " | ",
                    _ => return (gone_a == gone_b).then_some(gone_a),
                };
                let deleted = match (gone_a, gone_b) {
                    (true, false) => Span::new(sa.start as usize, sb.start as usize),
                    (false, true) => Span::new(sa.end as usize, sb.end as usize),
                    (both, _) => return Some(both),
                };
                expects.push((site.file, Span::new(sa.end as usize, sb.start as usize), gap.to_string()));
                edits.push(Edit { file: site.file, span: deleted, replacement: String::new() });
                Some(false)
            }
            ExprKind::Name(_) | ExprKind::Int(_) => {
                let v = u64::from(self.flags_value(site.func, e)? as u32);
                if v != 0 && v & unwanted == v { Some(true) } else { (v & unwanted == 0).then_some(false) }
            }
            _ => None,
        }
    }

    /// Safe when every edit is inside the call's own text and the finding is an error.
    fn applicability(&self, call: &ApiCall<'_>, edits: &[Edit], severity: Severity) -> Applicability {
        let span = call.call.span;
        let inside = edits.iter().all(|e| e.file == self.file && e.span.start >= span.start && e.span.end <= span.end);
        if inside && severity == Severity::Error { Applicability::Safe } else { Applicability::Unsafe }
    }

    /// Where the value was written: the call's argument when the resolver
    /// saw no other place, else the definition, assignment or initialiser
    /// whose span the origin is.
    fn site(&self, call: &ApiCall<'a>, rv: &RoleValue<'_>, origin: Option<Origin>) -> Option<Site<'a>> {
        let Some(o) = origin else {
            // A struct field without an origin, or a value that reached the
            // API through the tree's own function: nowhere to write.
            if rv.field.is_some() || !call.facts.via.is_empty() {
                return None;
            }
            let param = call.api.params.iter().position(|p| p.name == rv.param)?;
            let m = self.kb.api_for_call(&call.call.callee, call.call.receiver.is_some(), call.call.args.len())?;
            let expr = *call.call.args.get(m.arg_index(param)?)?;
            return Some(Site { file: self.file, func: call.func, expr });
        };
        let ir: &'a FileIr = if o.file == self.file { self.ir } else { self.consts.file(o.file)? };
        if let Some(def) = ir.consts.iter().find(|d| d.span == o.span) {
            // An enumerator without `= value` has a value nobody wrote.
            let v = ir.const_scope.exprs.get(def.value.index())?.span;
            return (v.start > o.span.start && v.end <= o.span.end).then_some(Site {
                file: o.file,
                func: &ir.const_scope,
                expr: def.value,
            });
        }
        for func in &ir.functions {
            let assigned = func.blocks.iter().flat_map(|b| &b.stmts).find_map(|s| match s {
                Stmt::Assign { value, span, .. } if *span == o.span => Some(*value),
                _ => None,
            });
            if let Some(value) = assigned {
                // A compound assignment (`x |= y`) is spelled out as `x = x | y`
                // over the whole statement: its value is not one expression.
                let v = func.expr(value).span;
                return (v.start > o.span.start && v.end <= o.span.end).then_some(Site {
                    file: o.file,
                    func,
                    expr: value,
                });
            }
            // A struct field's initialiser: the outermost expression of that span.
            if let Some(i) = func.exprs.iter().rposition(|e| e.span == o.span) {
                return Some(Site { file: o.file, func, expr: crate::ir::ExprId::from_index(i) });
            }
        }
        None
    }

    /// The one leaf of the site's expression that spells `old` (a constant
    /// of the knowledge base, or a literal), looking through `|` and `?:`.
    fn single_leaf(&self, site: &Site<'_>, old: u64) -> Option<ExprId> {
        let mut leaves = Vec::new();
        self.leaves(site.func, site.expr, &mut leaves);
        let same = |v: u64| u64::from(v as u32) == u64::from(old as u32);
        let mut hits = leaves.into_iter().filter(|&e| match &site.func.expr(e).kind {
            ExprKind::Name(n) => self.kb.int(n).is_some_and(same),
            ExprKind::Int(v) => same(*v),
            _ => false,
        });
        let first = hits.next()?;
        hits.next().is_none().then_some(first)
    }

    /// The value of an expression made of the knowledge base's constants,
    /// literals and `|`.
    fn flags_value(&self, func: &Function, e: ExprId) -> Option<u64> {
        match &func.expr(e).kind {
            ExprKind::Name(n) => self.kb.int(n),
            ExprKind::Int(v) => Some(*v),
            ExprKind::Binary(BinOp::BitOr, a, b) => Some(self.flags_value(func, *a)? | self.flags_value(func, *b)?),
            _ => None,
        }
    }

    /// The names and literals of an expression, through `|` and `?:`.
    #[allow(clippy::only_used_in_recursion)]
    fn leaves(&self, func: &Function, e: ExprId, out: &mut Vec<ExprId>) {
        if out.len() > 64 {
            return;
        }
        match &func.expr(e).kind {
            ExprKind::Name(_) | ExprKind::Int(_) => out.push(e),
            ExprKind::Binary(BinOp::BitOr, a, b) => {
                self.leaves(func, *a, out);
                self.leaves(func, *b, out);
            }
            ExprKind::Select(es) => es.iter().for_each(|x| self.leaves(func, *x, out)),
            _ => {}
        }
    }
}

/// The string literal of `e` whose value is `text`, through a wrapper call
/// of one argument (`TEXT("..")`, `w!("..")`).
fn string_literal(func: &Function, e: ExprId, text: &str, depth: u8) -> Option<ExprId> {
    match &func.expr(e).kind {
        ExprKind::Str(s) if s.value == text => Some(e),
        ExprKind::Call(c) if depth > 0 => match func.calls.get(c.index())?.args.as_slice() {
            [a] => string_literal(func, *a, text, depth - 1),
            _ => None,
        },
        _ => None,
    }
}

/// The span of a name's last path segment (`a::b::NAME` → `NAME`), if the
/// span ends with the name.
fn last_segment(span: Span, name: &str) -> Option<Span> {
    let len = u32::try_from(name.len()).ok()?;
    (span.end >= span.start + len).then(|| Span::new((span.end - len) as usize, span.end as usize))
}

/// A number as code writes flags and levels: small ones decimal, others hex.
fn number(v: u64) -> String {
    let v = u64::from(v as u32);
    if v < 10 { v.to_string() } else { format!("0x{v:x}") }
}

#[cfg(test)]
mod tests {
    use crate::kb::Kb;

    /// Every `[[fix]]` entry names a rule rpclint has and constants the
    /// knowledge base knows, and says what to write.
    #[test]
    fn fix_entries_are_complete() {
        let kb = Kb::builtin();
        assert!(!kb.fixes.is_empty());
        for f in &kb.fixes {
            assert!(crate::rules::by_name(&f.rule).is_some(), "[[fix]] names unknown rule {}", f.rule);
            let writes = f.replace_with.is_some()
                || f.replace_with_value.is_some()
                || f.replace_with_text.is_some()
                || f.remove_unaccepted
                || !f.add.is_empty();
            assert!(writes == f.role.is_some(), "[[fix]] of {}: a role and what to write for it", f.rule);
            assert!(writes || !f.status_tests.is_empty(), "[[fix]] of {} writes nothing", f.rule);
            for name in f.replace_with.iter().chain(&f.add) {
                assert!(kb.int(name).is_some(), "[[fix]] of {}: unknown constant {name}", f.rule);
            }
            for t in &f.status_tests {
                for success in [true, false] {
                    let (_, operand) = t.comparison(success).expect("`OP OPERAND` with ==, !=, < or >=");
                    let known = operand.parse::<u64>().is_ok() || kb.int(operand).is_some();
                    assert!(known, "[[fix]] of {}: unknown constant {operand}", f.rule);
                }
            }
        }
    }

    #[test]
    fn numbers_are_written_as_code_writes_them() {
        assert_eq!(super::number(6), "6");
        assert_eq!(super::number(0x100000), "0x100000");
        assert_eq!(super::last_segment(crate::ir::Span::new(10, 30), "NAME"), Some(crate::ir::Span::new(26, 30)));
        assert_eq!(super::last_segment(crate::ir::Span::new(10, 12), "NAME"), None);
    }
}
