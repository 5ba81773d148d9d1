//! Callbacks registered with an API: which function of the file an
//! argument names (`Callback`, `&Callback`, `Some(callback)`), and what
//! that function returns on every path.
//!
//! The focus step keeps such a function even though it names no API (it
//! would otherwise be blanked before parsing), and rules read its returns:
//! an interface security callback that returns `RPC_S_OK` everywhere
//! admits every caller.

use std::collections::BTreeSet;

use super::transparent_arg;
use crate::ir::{BlockId, ExprId, ExprKind, FileIr, Function, PlaceRoot, Stmt, Terminator, UnOp};
use crate::kb::{Kb, Role};

/// Limits the recursion over nested expressions.
const MAX_DEPTH: u32 = 24;

/// The names of the functions passed to a parameter of `role` (`if-callback`)
/// of an API call anywhere in `ir`.
pub fn registered(kb: &Kb, ir: &FileIr, role: Role) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for func in &ir.functions {
        for call in &func.calls {
            let Some(m) = kb.api_for_call(&call.callee, call.receiver.is_some(), call.args.len()) else { continue };
            let Some(i) = m.api.param_with(role) else { continue };
            let i = i + usize::from(m.this_in_args);
            if let Some(name) = call.args.get(i).and_then(|&a| function_named(kb, func, a, 0)) {
                out.insert(name);
            }
        }
    }
    out
}

/// The values a function returns, when every `return` reachable from its
/// entry returns a literal or a constant the knowledge base knows
/// (`RPC_S_OK`, `0`); `None` when one returns anything else (a local, a
/// call, a name the knowledge base does not define) or the function can
/// fall off its end.
pub fn returned_constants(kb: &Kb, func: &Function) -> Option<Vec<u64>> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![BlockId(0)];
    let mut out = Vec::new();
    while let Some(b) = stack.pop() {
        if !seen.insert(b) {
            continue;
        }
        let block = func.blocks.get(b.index())?;
        match &block.term {
            Terminator::Return(Some(e)) => out.push(constant(kb, func, *e, 0)?),
            Terminator::Return(None) => return None,
            t => stack.extend(t.successors()),
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The constant an expression spells, through transparent helpers.
fn constant(kb: &Kb, func: &Function, e: ExprId, depth: u32) -> Option<u64> {
    if depth > MAX_DEPTH {
        return None;
    }
    match &func.exprs.get(e.index())?.kind {
        ExprKind::Int(v) => Some(*v),
        ExprKind::Name(n) => kb.int(n),
        ExprKind::Unary(UnOp::Neg, x) => constant(kb, func, *x, depth + 1).map(u64::wrapping_neg),
        ExprKind::Call(c) => constant(kb, func, transparent_arg(kb, func, *c)?, depth + 1),
        _ => None,
    }
}

/// The function name an expression names (`Callback`, `&Callback`,
/// `Some(callback)`, a local set only to it), through transparent helpers.
pub fn function_named(kb: &Kb, func: &Function, e: ExprId, depth: u32) -> Option<String> {
    if depth > MAX_DEPTH {
        return None;
    }
    match &func.exprs.get(e.index())?.kind {
        ExprKind::Name(n) => Some(n.clone()),
        ExprKind::AddrOf(x) => function_named(kb, func, *x, depth + 1),
        // A local every assignment of which names the same function.
        ExprKind::Local(l) => {
            let mut names = func.blocks.iter().flat_map(|b| &b.stmts).filter_map(|s| match s {
                Stmt::Assign { place, value, .. } if place.root == PlaceRoot::Local(*l) => Some((place, *value)),
                _ => None,
            });
            let (place, first) = names.next()?;
            let name = function_named(kb, func, first, depth + 1).filter(|_| place.path.is_empty())?;
            names
                .all(|(p, v)| p.path.is_empty() && function_named(kb, func, v, depth + 1).as_ref() == Some(&name))
                .then_some(name)
        }
        ExprKind::Call(c) => function_named(kb, func, transparent_arg(kb, func, *c)?, depth + 1),
        _ => None,
    }
}
