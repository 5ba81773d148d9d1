//! The order of calls in a function, and which handle a call acts on.
//!
//! Some rules compare two calls on the same binding handle or COM proxy:
//! whether one can run after the other (a path through the CFG leads from
//! the first to the second), and whether both act on the same handle. A
//! handle is identified by what the resolver knows of it (the mark of the
//! call that created it, followed through assignments) or, when it came
//! from outside the function (a parameter, a field), by the place it is
//! read from (`h`, `ctx->binding`), casts and address-of set aside.

use std::collections::BTreeSet;

use super::value::{Atom, Mark, Value};
use crate::ir::{BlockId, CallId, ExprId, ExprKind, Field, Function, LocalId, Stmt, Terminator};

/// Where each call of a function runs: its block and its rank in that block
/// (statements in order, each statement's calls innermost first, the
/// terminator's last).
#[derive(Debug, Default)]
pub struct CallOrder {
    at: Vec<Option<(BlockId, u32)>>,
    /// Successors of each block.
    succ: Vec<Vec<BlockId>>,
}

impl CallOrder {
    pub fn new(func: &Function) -> CallOrder {
        let mut at = vec![None; func.calls.len()];
        for (b, block) in func.blocks.iter().enumerate() {
            let bb = BlockId::from_index(b);
            let mut rank = 0u32;
            let mut visit = |e: ExprId, rank: &mut u32| {
                let mut calls = Vec::new();
                calls_in(func, e, &mut calls, 0);
                for c in calls {
                    if let Some(slot) = at.get_mut(c.index()) {
                        slot.get_or_insert((bb, *rank));
                        *rank += 1;
                    }
                }
            };
            for stmt in &block.stmts {
                match stmt {
                    Stmt::Assign { value, .. } => visit(*value, &mut rank),
                    Stmt::Eval(e) => visit(*e, &mut rank),
                    Stmt::ScopeEnd(_) => {}
                }
            }
            match &block.term {
                Terminator::Branch { cond: e, .. } | Terminator::Switch { scrutinee: e, .. } => visit(*e, &mut rank),
                Terminator::Return(Some(e)) => visit(*e, &mut rank),
                _ => {}
            }
        }
        let succ = func.blocks.iter().map(|b| b.term.successors()).collect();
        CallOrder { at, succ }
    }

    /// The block of a call, if the function's statements hold it.
    pub fn block_of(&self, call: CallId) -> Option<BlockId> {
        self.at.get(call.index()).copied().flatten().map(|(b, _)| b)
    }

    /// Whether some path runs `later` after `earlier` (never a call after itself
    /// on the same visit; a loop that comes back to it counts).
    pub fn can_follow(&self, earlier: CallId, later: CallId) -> bool {
        let (Some((ba, ra)), Some((bb, rb))) =
            (self.at.get(earlier.index()).copied().flatten(), self.at.get(later.index()).copied().flatten())
        else {
            return false;
        };
        if ba == bb && ra < rb {
            return true;
        }
        self.block_reaches(ba, bb)
    }

    /// Whether some path runs `to` after `from` without running any call of
    /// `avoid` in between (a loop back to `to` counts).
    pub fn reaches_avoiding(&self, from: CallId, to: CallId, avoid: &[CallId]) -> bool {
        let at = |c: CallId| self.at.get(c.index()).copied().flatten();
        let (Some((ba, ra)), Some((bb, rb))) = (at(from), at(to)) else { return false };
        let avoid: Vec<(BlockId, u32)> = avoid.iter().filter_map(|&c| at(c)).collect();
        let blocked = |b: BlockId, lo: Option<u32>, hi: Option<u32>| {
            avoid.iter().any(|&(ab, r)| ab == b && lo.is_none_or(|l| r > l) && hi.is_none_or(|h| r < h))
        };
        if ba == bb && ra < rb {
            return !blocked(ba, Some(ra), Some(rb));
        }
        if blocked(ba, Some(ra), None) {
            return false;
        }
        let mut seen = BTreeSet::new();
        let mut stack: Vec<BlockId> = self.succ.get(ba.index()).cloned().unwrap_or_default();
        while let Some(b) = stack.pop() {
            if !seen.insert(b) {
                continue;
            }
            if b == bb && !blocked(b, None, Some(rb)) {
                return true;
            }
            if !blocked(b, None, None) {
                stack.extend(self.succ.get(b.index()).into_iter().flatten().copied());
            }
        }
        false
    }

    /// Whether a path of one edge or more leads from block `from` to block `to`.
    fn block_reaches(&self, from: BlockId, to: BlockId) -> bool {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<BlockId> = self.succ.get(from.index()).cloned().unwrap_or_default();
        while let Some(b) = stack.pop() {
            if b == to {
                return true;
            }
            if seen.insert(b) {
                stack.extend(self.succ.get(b.index()).into_iter().flatten().copied());
            }
        }
        false
    }
}

/// The calls inside `e`, innermost (evaluated first) first.
fn calls_in(func: &Function, e: ExprId, out: &mut Vec<CallId>, depth: u32) {
    if depth > 64 {
        return;
    }
    let Some(expr) = func.exprs.get(e.index()) else { return };
    crate::ir::for_each_child(&expr.kind, &func.calls, |c| calls_in(func, c, out, depth + 1));
    if let ExprKind::Call(c) = expr.kind {
        out.push(c);
    }
}

/// What a handle argument is, for telling whether two calls act on the same one.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum HandleId {
    /// Created in this function: the marks of the calls that created it.
    Created(Vec<Mark>),
    /// Read from a local (a parameter, or a local whose value is not known) and a field path.
    Place(LocalId, Vec<Field>),
    /// Read from a global and a field path.
    Global(String, Vec<Field>),
}

/// The identity of the handle passed as `arg`, whose value at the call was
/// `value`: the marks it holds when all its values are marks, else the
/// place it is read from. `None` when neither can be told.
pub fn handle_id(func: &Function, arg: ExprId, value: Option<&Value>) -> Option<HandleId> {
    if let Some(v) = value {
        let v = v.pointee().unwrap_or(v);
        if v.is_known() && v.atoms.iter().all(|(a, _)| matches!(a, Atom::Mark(_))) {
            let mut marks: Vec<Mark> = v.marks().map(|(m, _)| m).collect();
            marks.sort_unstable();
            marks.dedup();
            return Some(HandleId::Created(marks));
        }
    }
    place_id(func, arg, 0)
}

/// The place an expression reads a handle from (`h`, `&h`, `ctx->binding`),
/// whatever its value.
pub fn place_of(func: &Function, e: ExprId) -> Option<HandleId> {
    place_id(func, e, 0)
}

fn place_id(func: &Function, e: ExprId, depth: u32) -> Option<HandleId> {
    if depth > 16 {
        return None;
    }
    match &func.exprs.get(e.index())?.kind {
        ExprKind::Local(l) => Some(HandleId::Place(*l, Vec::new())),
        ExprKind::Name(n) => Some(HandleId::Global(n.clone(), Vec::new())),
        // `&h`, `*ph`: the same handle for identity's sake.
        ExprKind::AddrOf(inner) | ExprKind::Deref(inner) => place_id(func, *inner, depth + 1),
        ExprKind::Field(base, f) => match place_id(func, *base, depth + 1)? {
            HandleId::Place(l, mut path) => {
                path.push(Field::Named(f.clone()));
                Some(HandleId::Place(l, path))
            }
            HandleId::Global(g, mut path) => {
                path.push(Field::Named(f.clone()));
                Some(HandleId::Global(g, path))
            }
            HandleId::Created(_) => None,
        },
        _ => None,
    }
}
