//! Impersonation tracking: which impersonations may be in effect, whether
//! work was done under one, and the scope guards that revert on exit.

use std::collections::BTreeSet;

use super::Interp;
use crate::ir::{CallId, ExprKind, Function, LocalId, PlaceRoot, Stmt};
use crate::kb::{Effect, Kb, Role};
use crate::resolve::value::{Atom, Mark, Value};

impl Interp<'_, '_> {
    /// A function other than a helper is called: whatever impersonation is in
    /// effect did some work as the client.
    pub(super) fn note_work(&mut self) {
        if let Some(state) = &mut self.state {
            let current: Vec<CallId> = state.impersonating.iter().copied().collect();
            state.acted.extend(current);
        }
    }

    /// Keeps the set of impersonations in effect: an impersonating call adds
    /// itself, a reverting one (or `SetThreadToken` with no token, or one
    /// that sets back the thread's own saved token) ends them all. A revert
    /// in a right operand of a branch's `||`/`&&` chain is deferred to the
    /// edge where every operand ran (see `Interp::short_circuit`).
    pub(super) fn track_impersonation(&mut self, c: CallId, api: &crate::kb::Api, args: &[Value]) {
        if api.effect == Effect::Revert && self.short_circuit.contains(&c) {
            self.deferred_revert = true;
            return;
        }
        let Some(state) = &mut self.state else { return };
        match api.effect {
            Effect::Impersonate => {
                let token = api.param_with(Role::Token).and_then(|i| args.get(i));
                if token.is_some_and(|t| t.is_null_or_empty() || t.is_saved_thread_token()) {
                    state.impersonating.clear();
                } else {
                    state.impersonating.insert(c);
                    state.acted.remove(&c);
                    state.assumed.remove(&c);
                }
            }
            Effect::Revert => state.impersonating.clear(),
            _ => {}
        }
    }
}

/// The locals assigned a call one of whose arguments holds a call of a
/// reverting API (a closure handed to a scope guard): see
/// `Interp::deferred_reverters`. The revert is found by its span, inside the
/// argument's.
pub(super) fn deferred_reverters(kb: &Kb, func: &Function) -> BTreeSet<LocalId> {
    let reverts: Vec<crate::ir::Span> = func
        .calls
        .iter()
        .filter(|c| {
            kb.api_for_call(&c.callee, c.receiver.is_some(), c.args.len())
                .is_some_and(|m| m.api.effect == Effect::Revert)
        })
        .map(|c| c.span)
        .collect();
    let mut out = BTreeSet::new();
    if reverts.is_empty() {
        return out;
    }
    for stmt in func.blocks.iter().flat_map(|b| &b.stmts) {
        let Stmt::Assign { place, value, .. } = stmt else { continue };
        let (PlaceRoot::Local(l), true) = (&place.root, place.path.is_empty()) else { continue };
        let mut e = *value;
        while let Some(ExprKind::Propagate(inner)) = func.exprs.get(e.index()).map(|x| &x.kind) {
            e = *inner;
        }
        let Some(ExprKind::Call(c)) = func.exprs.get(e.index()).map(|x| &x.kind) else { continue };
        let Some(call) = func.calls.get(c.index()) else { continue };
        let holds_revert = call.args.iter().chain(call.receiver.iter()).any(|a| {
            let span = func.expr(*a).span;
            reverts.iter().any(|r| span.start <= r.start && r.end <= span.end && span != *r)
        });
        if holds_revert {
            out.insert(*l);
        }
    }
    out
}

pub(super) fn is_only_mark(v: &Value, mark: Mark) -> bool {
    !v.unknown && matches!(v.atoms.as_slice(), [(Atom::Mark(m), _)] if *m == mark)
}

/// The calls in the right operands of the `||` or `&&` chain at the top of a
/// branch's condition, and the way the condition goes where every operand
/// ran (`a || b` false, `a && b` true, flipped under `!`); `None` for a
/// condition of another shape.
pub(super) fn short_circuit_calls(
    func: &Function,
    block: crate::ir::BlockId,
    cond: crate::ir::ExprId,
) -> Option<(BTreeSet<CallId>, bool)> {
    use crate::ir::BinOp;
    let (mut e, negated) = func.without_nots(cond);
    let ExprKind::Binary(op @ (BinOp::Or | BinOp::And), _, _) = func.expr(e).kind else { return None };
    let mut calls = BTreeSet::new();
    let mut locals = BTreeSet::new();
    let mut depth = 0;
    while let ExprKind::Binary(o, left, right) = func.expr(e).kind {
        if o != op || depth > 32 {
            break;
        }
        collect_calls(func, right, &mut calls, &mut locals, 0);
        e = left;
        depth += 1;
    }
    // Rust's lowering runs an `unsafe { .. }` operand's call before the
    // branch, into a temporary the operand reads: that call is an operand's too.
    for stmt in &func.blocks.get(block.index())?.stmts {
        if let Stmt::Assign { place, value, .. } = stmt {
            if place.path.is_empty() && matches!(place.root, PlaceRoot::Local(l) if locals.contains(&l)) {
                collect_calls(func, *value, &mut calls, &mut BTreeSet::new(), 0);
            }
        }
    }
    Some((calls, (op == BinOp::And) != negated))
}

fn collect_calls(
    func: &Function,
    e: crate::ir::ExprId,
    out: &mut BTreeSet<CallId>,
    locals: &mut BTreeSet<LocalId>,
    depth: u32,
) {
    if depth > 16 {
        return;
    }
    let kind = &func.expr(e).kind;
    match kind {
        ExprKind::Call(c) => {
            out.insert(*c);
        }
        ExprKind::Local(l) => {
            locals.insert(*l);
        }
        _ => {}
    }
    crate::ir::for_each_child(kind, &func.calls, |child| collect_calls(func, child, out, locals, depth + 1));
}
