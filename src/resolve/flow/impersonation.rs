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
    /// that sets back the thread's own saved token) ends them all.
    pub(super) fn track_impersonation(&mut self, c: CallId, api: &crate::kb::Api, args: &[Value]) {
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
