//! What phase 1 keeps of a candidate's functions besides those that call
//! an API: the helpers they call for a constant, and the functions that
//! touch a member an API call takes its proxy from.

use std::collections::BTreeSet;

use crate::ir::{ExprId, ExprKind, FieldKey, FileIr, Function, Stmt};
use crate::kb::Kb;
use crate::summary;

/// Whether `f` reads or writes one of `members` (`x.m`, `p->m`, a C++
/// member named alone, a struct literal's `m: ..`).
pub(super) fn touches_member(f: &Function, members: &[String]) -> bool {
    !members.is_empty()
        && f.exprs.iter().any(|e| match &e.kind {
            ExprKind::Field(_, n) | ExprKind::Name(n) => members.contains(n),
            ExprKind::Aggregate(a) => {
                a.fields.iter().any(|(k, _)| matches!(k, FieldKey::Named(n) if members.contains(n)))
            }
            _ => false,
        })
}

/// The file's functions that return a constant and that a function calling
/// an API calls for a value, with no argument (`level()` in
/// `RpcBindingSetAuthInfo(h, spn, level(), ..)`).
pub(super) fn constant_helpers(ir: &FileIr, kb: &Kb) -> BTreeSet<String> {
    let returning: BTreeSet<&str> =
        ir.functions.iter().filter(|f| summary::returns_constant(f)).map(|f| f.name.as_str()).collect();
    if returning.is_empty() {
        return BTreeSet::new();
    }
    let mut out = BTreeSet::new();
    for f in ir.functions.iter().filter(|f| calls_api(f, kb)) {
        for call in &f.calls {
            let nullary = call.args.is_empty() && call.receiver.is_none();
            if nullary && returning.contains(call.callee.as_str()) && is_used_as_value(f, call.expr) {
                out.insert(call.callee.clone());
            }
        }
    }
    out
}

/// Whether a call's value is used (an argument, an assigned value), not a
/// statement of its own.
fn is_used_as_value(f: &Function, call: ExprId) -> bool {
    let as_arg = f.calls.iter().any(|c| c.args.contains(&call));
    let assigned = f.blocks.iter().flat_map(|b| &b.stmts).any(|s| match s {
        Stmt::Assign { value, .. } => *value == call,
        _ => false,
    });
    as_arg || assigned
}

pub(super) fn calls_api(f: &Function, kb: &Kb) -> bool {
    // Any arity: a call of an API's name that does not fit the API
    // (`ComSecurity::CoInitializeSecurity(level)`) is the tree's wrapper of
    // that name, which its summary may resolve.
    f.calls
        .iter()
        .any(|c| kb.is_api_name(&c.callee) || kb.api_for_call(&c.callee, c.receiver.is_some(), c.args.len()).is_some())
}
