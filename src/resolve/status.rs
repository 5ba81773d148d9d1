//! Statuses in conditions: which call's status an expression holds at a
//! branch, and which way the branch goes when that call worked or failed.
//!
//! A status reaches a condition directly (`if (RpcImpersonateClient(h))`),
//! through knowledge-base helpers that return it unchanged (`TEXT`, `Some`),
//! or through a local: the local holds the status when every assignment of
//! it that reaches the branch (walking the CFG backwards, the last one on
//! each path) stores that call's status. A condition is then evaluated with
//! a value the call returns on success and one it returns on failure
//! ([`crate::kb::Returns::sample`]), so that rules know which edge is the
//! failure path, or that the test cannot tell the two apart.

use std::collections::BTreeSet;

use super::transparent_arg;
use crate::ir::{BinOp, BlockId, CallId, ExprId, ExprKind, Function, PlaceRoot, Stmt, UnOp};
use crate::kb::{HelperKind, Kb, Outcome, SetKind};

/// Limits the recursion over nested expressions and chains of locals.
const MAX_DEPTH: u32 = 24;

/// Answers "which status does this expression hold" in one function.
pub struct StatusView<'a> {
    kb: &'a Kb,
    func: &'a Function,
    preds: Vec<Vec<BlockId>>,
}

impl<'a> StatusView<'a> {
    pub fn new(kb: &'a Kb, func: &'a Function) -> StatusView<'a> {
        let mut preds = vec![Vec::new(); func.blocks.len()];
        for (i, b) in func.blocks.iter().enumerate() {
            for s in b.term.successors() {
                if let Some(p) = preds.get_mut(s.index()) {
                    p.push(BlockId::from_index(i));
                }
            }
        }
        StatusView { kb, func, preds }
    }

    /// The call whose status `e`, evaluated at the end of block `at`, holds.
    pub fn status_of(&self, e: ExprId, at: BlockId) -> Option<CallId> {
        self.status_at(e, at, usize::MAX, 0)
    }

    /// As [`StatusView::status_of`], with `e` evaluated before statement
    /// `before` of block `at` (`usize::MAX`: at the block's end).
    fn status_at(&self, e: ExprId, at: BlockId, before: usize, depth: u32) -> Option<CallId> {
        if depth > MAX_DEPTH {
            return None;
        }
        match &self.func.exprs.get(e.index())?.kind {
            ExprKind::Call(c) => {
                let call = self.func.calls.get(c.index())?;
                if self.kb.helper_for_call(&call.callee, call.receiver.is_some()).is_some() {
                    // A helper: only a transparent one hands on its argument's status.
                    return self.status_at(transparent_arg(self.kb, self.func, *c)?, at, before, depth + 1);
                }
                Some(*c)
            }
            ExprKind::Local(l) => self.local_status(*l, at, before, depth + 1),
            _ => None,
        }
    }

    /// The call whose status every assignment of local `l` reaching that point stores.
    fn local_status(&self, l: crate::ir::LocalId, at: BlockId, before: usize, depth: u32) -> Option<CallId> {
        let mut found: Option<CallId> = None;
        let mut seen: BTreeSet<BlockId> = BTreeSet::new();
        let mut work: Vec<(BlockId, usize)> = vec![(at, before)];
        while let Some((b, limit)) = work.pop() {
            let block = self.func.blocks.get(b.index())?;
            let upto = limit.min(block.stmts.len());
            let last = block.stmts[..upto].iter().enumerate().rev().find_map(|(i, s)| match s {
                Stmt::Assign { place, value, .. } if place.root == PlaceRoot::Local(l) => {
                    Some((i, *value, place.path.is_empty()))
                }
                _ => None,
            });
            match last {
                Some((i, value, true)) => {
                    let c = self.status_at(value, b, i, depth + 1)?;
                    if found.is_some_and(|f| f != c) {
                        return None;
                    }
                    found = Some(c);
                }
                // A field of it written: not a status local.
                Some((_, _, false)) => return None,
                None => {
                    let preds = self.preds.get(b.index())?;
                    // The entry block without an assignment: a parameter or uninitialised.
                    if preds.is_empty() {
                        return None;
                    }
                    for p in preds {
                        if seen.insert(*p) {
                            work.push((*p, usize::MAX));
                        }
                    }
                }
            }
        }
        found
    }

    /// The value of condition `e` at the end of block `at` when the call
    /// `status` returned `sample`; `None` when that cannot be told.
    pub fn eval(&self, e: ExprId, at: BlockId, status: CallId, sample: u64) -> Option<u64> {
        self.eval_at(e, at, status, sample, 0)
    }

    fn eval_at(&self, e: ExprId, at: BlockId, status: CallId, sample: u64, depth: u32) -> Option<u64> {
        if depth > MAX_DEPTH {
            return None;
        }
        if self.status_of(e, at) == Some(status) {
            return Some(sample);
        }
        let rec = |x: ExprId| self.eval_at(x, at, status, sample, depth + 1);
        match &self.func.exprs.get(e.index())?.kind {
            ExprKind::Int(v) => Some(*v),
            ExprKind::Bool(b) => Some(u64::from(*b)),
            ExprKind::Name(n) => self.kb.int(n),
            ExprKind::Unary(UnOp::Not, x) => rec(*x).map(|v| u64::from(v == 0)),
            ExprKind::Unary(UnOp::Neg, x) => rec(*x).map(u64::wrapping_neg),
            ExprKind::Unary(UnOp::BitNot, x) => rec(*x).map(|v| !v),
            ExprKind::Binary(op, a, b) => {
                let (x, y) = (rec(*a), rec(*b));
                match op {
                    BinOp::And => match (x, y) {
                        (Some(0), _) | (_, Some(0)) => Some(0),
                        (Some(_), Some(_)) => Some(1),
                        _ => None,
                    },
                    BinOp::Or => match (x, y) {
                        (Some(v), _) | (_, Some(v)) if v != 0 => Some(1),
                        (Some(_), Some(_)) => Some(0),
                        _ => None,
                    },
                    _ => binary(*op, x?, y?),
                }
            }
            ExprKind::Call(c) => {
                let call = self.func.calls.get(c.index())?;
                let h = self.kb.helper_for_call(&call.callee, call.receiver.is_some())?;
                let from = match h.from.unwrap_or(0) {
                    -1 => call.receiver?,
                    i => *call.args.get(usize::try_from(i).ok()?)?,
                };
                if self.kb.callee_in_set(SetKind::SignTest, &call.callee) {
                    // The macros cast to a 32-bit signed type.
                    let v = rec(from)? as u32 as i32;
                    return match h.means? {
                        Outcome::Success => Some(u64::from(v >= 0)),
                        Outcome::Failure => Some(u64::from(v < 0)),
                    };
                }
                match h.kind {
                    HelperKind::Transparent => rec(from),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// An integer operation on 64-bit patterns; comparisons on the 32 bits
/// statuses have.
fn binary(op: BinOp, x: u64, y: u64) -> Option<u64> {
    let (a, b) = (x as u32, y as u32);
    Some(match op {
        BinOp::Eq => u64::from(a == b),
        BinOp::Ne => u64::from(a != b),
        BinOp::Lt => u64::from((a as i32) < (b as i32)),
        BinOp::Le => u64::from((a as i32) <= (b as i32)),
        BinOp::Gt => u64::from((a as i32) > (b as i32)),
        BinOp::Ge => u64::from((a as i32) >= (b as i32)),
        BinOp::BitAnd => x & y,
        BinOp::BitOr => x | y,
        BinOp::BitXor => x ^ y,
        _ => return None,
    })
}
