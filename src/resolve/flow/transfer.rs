//! The transfer of one block: its statements and terminator, and what a
//! branch on a call's status tells about the call on each edge.

use super::impersonation::{is_only_mark, short_circuit_calls};
use super::{Interp, State};
use crate::ir::{BinOp, BlockId, ExprId, ExprKind, LocalId, Stmt, Terminator, UnOp};
use crate::kb::HelperKind;
use crate::resolve::facts::TestInfo;
use crate::resolve::value::{Atom, Mark, Slot, Value};

impl Interp<'_, '_> {
    /// Runs a block's statements and terminator on `self.state`; returns each
    /// successor with the state it is entered with.
    pub(super) fn transfer_block(&mut self, bb: BlockId) -> Vec<(BlockId, State)> {
        let func = self.func;
        let Some(block) = func.blocks.get(bb.index()) else { return Vec::new() };
        // The calls of a branch's right operands (and of the temporaries
        // they read) run only on some paths: see `Interp::short_circuit`.
        let chain = match &block.term {
            Terminator::Branch { cond, .. } => short_circuit_calls(func, bb, *cond),
            _ => None,
        };
        self.short_circuit = chain.as_ref().map(|(c, _)| c.clone()).unwrap_or_default();
        self.deferred_revert = false;
        for stmt in &block.stmts {
            match stmt {
                Stmt::Assign { place, value, span } => {
                    let v = self.eval(*value).with_default_origin(self.origin(*span));
                    // Stored where someone else can read it: handed on.
                    if self.escapes(place) {
                        self.test(&v, TestInfo { passed: true, ..TestInfo::default() });
                    }
                    self.forget_written(place, *value);
                    self.record_field_write(place, &v);
                    self.write_place(place, v);
                }
                Stmt::Eval(e) => {
                    self.eval(*e);
                }
                Stmt::ScopeEnd(l) => {
                    // A guard whose destructor reverts ends here.
                    let reverts = func
                        .locals
                        .get(l.index())
                        .and_then(|l| l.ty.as_deref())
                        .is_some_and(|t| self.cx.reverting_types.contains(t))
                        || self.deferred_reverters.contains(l)
                        || self.holds_reverter(*l);
                    if reverts {
                        if let Some(state) = &mut self.state {
                            state.impersonating.clear();
                        }
                    }
                }
            }
        }
        let checked = TestInfo { checked: true, ..TestInfo::default() };
        if chain.is_none() {
            self.short_circuit.clear();
        }
        match &block.term {
            Terminator::Branch { cond, then_, else_ } => {
                let v = self.eval(*cond);
                self.short_circuit.clear();
                self.test(&v, checked);
                let Some(mut state) = self.state.take() else { return Vec::new() };
                // A revert in a right operand ran on the edge where every operand did.
                let all_ran = chain.filter(|_| std::mem::take(&mut self.deferred_revert)).map(|(_, way)| way);
                // A condition the facts of this path decide (a flag, a status
                // whose outcome an earlier test assumed) goes one way.
                self.state = Some(state.clone());
                let decided = self.decide(*cond, &state, bb, *then_, *else_);
                self.state = None;
                if let Some(way) = decided {
                    if all_ran == Some(way) {
                        state.impersonating.clear();
                    }
                    return vec![(if way { *then_ } else { *else_ }, state)];
                }
                // An impersonation whose failure sends the code down one edge
                // is not in effect on that edge, and the other edge assumes it worked.
                let (mut on_then, mut on_else) = (state.clone(), state.clone());
                self.record_cond(&mut on_then, *cond, bb, true);
                self.record_cond(&mut on_else, *cond, bb, false);
                for c in &state.impersonating {
                    self.state = Some(state.clone());
                    let when_ok = self.cond_outcome(*cond, Mark { call: *c, slot: Slot::Return }, true, 0);
                    let (worked, failed) = match when_ok {
                        Some(true) => (&mut on_then, &mut on_else),
                        Some(false) => (&mut on_else, &mut on_then),
                        None => continue,
                    };
                    failed.impersonating.remove(c);
                    failed.assumed.insert(*c, false);
                    worked.assumed.insert(*c, true);
                }
                self.state = None;
                match all_ran {
                    Some(true) => on_then.impersonating.clear(),
                    Some(false) => on_else.impersonating.clear(),
                    None => {}
                }
                return vec![(*then_, on_then), (*else_, on_else)];
            }
            Terminator::Switch { scrutinee, .. } => {
                let v = self.eval(*scrutinee);
                self.test(&v, checked);
                // The IR does not say which arm is the failure: an impersonation
                // switched on its own status is no longer tracked, rather than
                // reported on an arm where it failed.
                if let Some(state) = &mut self.state {
                    state.impersonating.retain(|c| !is_only_mark(&v, Mark { call: *c, slot: Slot::Return }));
                }
            }
            Terminator::Return(value) => {
                self.record_exit();
                let mut returned = Value::unknown();
                if let Some(e) = value {
                    returned = self.eval(*e);
                    self.test(&returned, TestInfo { passed: true, ..TestInfo::default() });
                }
                let at = value.and_then(|e| func.exprs.get(e.index())).map(|e| e.span);
                if let Some(state) = &self.state {
                    for c in &state.impersonating {
                        // A wrapper that returns the impersonation's own status
                        // hands the impersonation to its caller.
                        let own = Mark { call: *c, slot: Slot::Return };
                        if returned.marks().any(|(m, _)| m == own) {
                            continue;
                        }
                        self.facts.unreverted.entry(*c).or_insert(at);
                        if state.acted.contains(c) {
                            self.facts.unreverted_after_work.insert(*c);
                        }
                    }
                }
            }
            Terminator::Goto(_) | Terminator::Either(_) | Terminator::Unreachable => {}
        }
        let Some(state) = self.state.take() else { return Vec::new() };
        block.term.successors().into_iter().map(|s| (s, state.clone())).collect()
    }

    /// Whether the condition `e` is true when the call of `mark` succeeded
    /// (`success`) or failed, if that can be told from `e` alone.
    pub(super) fn cond_outcome(&mut self, e: ExprId, mark: Mark, success: bool, depth: u32) -> Option<bool> {
        if depth > 16 {
            return None;
        }
        let func = self.func;
        let kind = &func.exprs.get(e.index())?.kind;
        match kind {
            ExprKind::Unary(UnOp::Not, inner) => self.cond_outcome(*inner, mark, success, depth + 1).map(|b| !b),
            ExprKind::Binary(op @ (BinOp::And | BinOp::Or), a, b) => {
                let x = self.cond_outcome(*a, mark, success, depth + 1);
                let y = self.cond_outcome(*b, mark, success, depth + 1);
                // The call runs inside `b` (`wcscmp(..) && ImpersonateLoggedOnUser(h)`):
                // it ran only where `a` let `b` decide, so `b` does.
                if y.is_some() && calls_in(func, *b, mark.call, 0) {
                    return y;
                }
                match (op, x, y) {
                    (BinOp::And, Some(false), _) | (BinOp::And, _, Some(false)) => Some(false),
                    (BinOp::And, Some(true), Some(true)) => Some(true),
                    (BinOp::Or, Some(true), _) | (BinOp::Or, _, Some(true)) => Some(true),
                    (BinOp::Or, Some(false), Some(false)) => Some(false),
                    _ => None,
                }
            }
            ExprKind::Binary(op, a, b) if op.is_comparison() => {
                let sample = self.status_sample(mark, success)?;
                let (va, vb) = (self.pure_eval(*a), self.pure_eval(*b));
                let single = |v: &Value| match v.known_ints().as_deref() {
                    Some([(x, _)]) => Some(*x),
                    _ => None,
                };
                let (x, y) = if is_only_mark(&va, mark) {
                    (sample, single(&vb)?)
                } else if is_only_mark(&vb, mark) {
                    (single(&va)?, sample)
                } else {
                    return None;
                };
                Some(compare(*op, x, y))
            }
            ExprKind::Call(c)
                if func.calls.get(c.index()).is_some_and(|call| {
                    self.cx.kb.helper_for_call(&call.callee, call.receiver.is_some()).is_some()
                }) =>
            {
                let call = func.calls.get(c.index())?;
                let h = self.cx.kb.helper_for_call(&call.callee, call.receiver.is_some())?;
                let from = match h.from.unwrap_or(0) {
                    -1 => call.receiver?,
                    i => *call.args.get(usize::try_from(i).ok()?)?,
                };
                match (h.kind, h.means) {
                    (HelperKind::TestStatus, Some(means)) => {
                        let v = self.pure_eval(from);
                        if !is_only_mark(&v, mark) {
                            return None;
                        }
                        Some((means == crate::kb::Outcome::Success) == success)
                    }
                    (HelperKind::PassStatus | HelperKind::Transparent, _) => {
                        self.cond_outcome(from, mark, success, depth + 1)
                    }
                    _ => None,
                }
            }
            _ => {
                let v = self.pure_eval(e);
                if let [(Atom::Test(m, when), _)] = v.atoms.as_slice() {
                    return (!v.unknown && *m == mark).then_some(*when == success);
                }
                if !is_only_mark(&v, mark) {
                    return None;
                }
                Some(self.status_sample(mark, success)? != 0)
            }
        }
    }

    /// Which way the branch on `cond` goes on this path, if the facts of the
    /// path decide it: the value of a flag, the outcome an earlier test of
    /// an impersonation's status assumed. A condition of constants alone
    /// (`while (FALSE)`, `if (0)`) decides only a loop's back edge: code
    /// under `if (0)` is still read, as a reviewer reads it.
    fn decide(&mut self, cond: ExprId, state: &State, bb: BlockId, then_: BlockId, else_: BlockId) -> Option<bool> {
        if let Some(b) = self.recorded_cond(cond, bb) {
            return Some(b);
        }
        for (c, worked) in &state.assumed {
            if let Some(b) = self.cond_outcome(cond, Mark { call: *c, slot: Slot::Return }, *worked, 0) {
                return Some(b);
            }
        }
        let v = self.pure_eval(cond);
        let ints = v.known_ints()?;
        let truth = ints.iter().all(|(x, _)| *x != 0);
        if !truth && ints.iter().any(|(x, _)| *x != 0) {
            return None;
        }
        if !self.mentions_local(cond, 0) {
            // Only a back edge (to a block not after this one) is pruned.
            let dropped = if truth { else_ } else { then_ };
            let order = |b: BlockId| self.order.get(b.index()).copied().unwrap_or(usize::MAX);
            if order(dropped) > order(bb) {
                return None;
            }
        }
        Some(truth)
    }

    /// Whether `e` reads a local (a flag) rather than constants only.
    fn mentions_local(&self, e: ExprId, depth: u32) -> bool {
        let Some(expr) = self.func.exprs.get(e.index()) else { return false };
        if matches!(expr.kind, ExprKind::Local(_)) {
            return true;
        }
        if depth > 16 {
            return false;
        }
        let mut found = false;
        crate::ir::for_each_child(&expr.kind, &self.func.calls, |c| found |= self.mentions_local(c, depth + 1));
        found
    }

    /// Whether local `l` holds, on this path, a value of a type whose
    /// destructor or `Drop` reverts (`let guard = ok.then_some(Reverter)`).
    /// Joins what an assignment stores into a named field (or a name that
    /// is no local: a C++ member named alone, a global) into
    /// [`crate::resolve::FunctionFacts::field_writes`]: marks and nulls as
    /// they are, any other value as unknown (only the API outputs matter).
    fn record_field_write(&mut self, place: &crate::ir::Place, v: &Value) {
        let name = match (place.path.last(), &place.root) {
            (Some(crate::ir::Field::Named(name)), _) => name,
            // A C++ member named alone (or a global).
            (None, crate::ir::PlaceRoot::Global(name)) => name,
            _ => return,
        };
        if self.pure {
            return;
        }
        let kept = v.atoms.iter().all(|(a, _)| matches!(a, Atom::Mark(_) | Atom::Null));
        let v = if kept && !v.unknown { v.clone() } else { Value::unknown() };
        match self.facts.field_writes.get_mut(name) {
            Some(w) => {
                w.join(&v);
            }
            None => {
                self.facts.field_writes.insert(name.clone(), v);
            }
        }
    }

    fn holds_reverter(&self, l: LocalId) -> bool {
        let Some(v) = self.state.as_ref().and_then(|s| s.locals.get(l.index())) else { return false };
        v.atoms.iter().any(|(a, _)| {
            matches!(a, Atom::Struct(s) if s.ty.as_deref().is_some_and(|t| self.cx.reverting_types.contains(t)))
        })
    }

    /// A comparison of a status with a constant that tells success from
    /// failure (`status == RPC_S_OK`), as a [`Atom::Test`] a flag can hold.
    pub(super) fn stored_test(&self, op: BinOp, a: &Value, b: &Value) -> Option<Value> {
        let single = |v: &Value| match v.known_ints().as_deref() {
            Some([(x, _)]) => Some(*x),
            _ => None,
        };
        let only_mark = |v: &Value| match v.atoms.as_slice() {
            [(Atom::Mark(m), _)] if !v.unknown && m.slot == Slot::Return => Some(*m),
            _ => None,
        };
        let (mark, on_ok, on_fail) = if let (Some(m), Some(y)) = (only_mark(a), single(b)) {
            (m, compare(op, self.status_sample(m, true)?, y), compare(op, self.status_sample(m, false)?, y))
        } else if let (Some(x), Some(m)) = (single(a), only_mark(b)) {
            (m, compare(op, x, self.status_sample(m, true)?), compare(op, x, self.status_sample(m, false)?))
        } else {
            return None;
        };
        (on_ok != on_fail).then(|| Value::atom(Atom::Test(mark, on_ok), None))
    }

    /// A value the call of `mark` returns on success or failure.
    pub(super) fn status_sample(&self, mark: Mark, success: bool) -> Option<u64> {
        let facts = self.facts.calls.get(mark.call.index())?.as_ref()?;
        self.cx.kb.apis.get(facts.api)?.returns.sample(success)
    }

    /// Evaluates without effects.
    pub(super) fn pure_eval(&mut self, e: ExprId) -> Value {
        let was = self.pure;
        self.pure = true;
        let v = self.eval(e);
        self.pure = was;
        v
    }

    /// Records that the marks in `v` were tested this way.
    pub(super) fn test(&mut self, v: &Value, how: TestInfo) {
        if self.pure {
            return;
        }
        let marks: Vec<Mark> = v.marks().map(|(m, _)| m).collect();
        for m in marks {
            if let Some(state) = &mut self.state {
                state.tested.entry(m).or_default().merge(how);
            }
            self.facts.ever_tested.entry(m).or_default().merge(how);
        }
    }
}

/// Whether evaluating `e` runs call `c` (bounded depth).
fn calls_in(func: &crate::ir::Function, e: ExprId, c: crate::ir::CallId, depth: u32) -> bool {
    let Some(expr) = func.exprs.get(e.index()) else { return false };
    if matches!(expr.kind, ExprKind::Call(x) if x == c) {
        return true;
    }
    let mut found = false;
    if depth < 16 {
        crate::ir::for_each_child(&expr.kind, &func.calls, |child| found |= calls_in(func, child, c, depth + 1));
    }
    found
}

/// A comparison of two status-like values, signed on 32 bits as C compares them.
pub(super) fn compare(op: BinOp, x: u64, y: u64) -> bool {
    let (a, b) = (x as u32 as i32, y as u32 as i32);
    match op {
        BinOp::Eq => a == b,
        BinOp::Ne => a != b,
        BinOp::Lt => a < b,
        BinOp::Le => a <= b,
        BinOp::Gt => a > b,
        _ => a >= b,
    }
}
