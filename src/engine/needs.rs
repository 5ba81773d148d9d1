//! What a file needs from elsewhere: the free names that can reach an API
//! call's arguments (a backward slice over assignments), and the names a
//! constant's definition refers to. Phase 2 searches for exactly these.

use std::collections::{BTreeSet, HashMap};

use crate::ir::{ExprKind, FileIr, Function};
use crate::kb::Kb;

/// Names whose values can reach an API call's arguments and that neither the
/// file nor the knowledge base defines, following the file's own constants
/// to the names they use in turn. Names used only elsewhere (a loop bound, a
/// message) are not looked for: phase 2 reads only what can matter.
///
/// `own`: the tree's own functions the file was lowered for ([`super::wrappers`]):
/// their calls' arguments and their own returned values count like an API's arguments.
pub(super) fn free_names(ir: &FileIr, kb: &Kb, own: Option<&BTreeSet<String>>) -> BTreeSet<String> {
    let local: HashMap<&str, Vec<usize>> = ir.consts.iter().enumerate().fold(HashMap::new(), |mut m, (i, d)| {
        m.entry(d.name.as_str()).or_default().push(i);
        m
    });
    let mut work: Vec<String> = Vec::new();
    for f in &ir.functions {
        work.extend(api_argument_names(f, kb, own));
    }
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut free = BTreeSet::new();
    while let Some(name) = work.pop() {
        if !seen.insert(name.clone()) || kb.constant(&name).is_some() {
            continue;
        }
        match local.get(name.as_str()) {
            Some(defs) => {
                for &i in defs {
                    if let Some(d) = ir.consts.get(i) {
                        work.extend(names_under(&ir.const_scope, d.value));
                    }
                }
            }
            None => {
                free.insert(name);
            }
        }
    }
    free
}

/// The free names in the arguments of a function's API calls, and in what
/// is assigned to the locals (and through pointers, and to globals) those
/// arguments read: a backward slice over assignments.
pub(super) fn api_argument_names(f: &Function, kb: &Kb, own: Option<&BTreeSet<String>>) -> Vec<String> {
    use crate::ir::{ExprId, LocalId, PlaceRoot, Stmt};
    let mut assigned: HashMap<LocalId, Vec<ExprId>> = HashMap::new();
    let mut indirect: Vec<ExprId> = Vec::new();
    for b in &f.blocks {
        for st in &b.stmts {
            if let Stmt::Assign { place, value, .. } = st {
                match &place.root {
                    PlaceRoot::Local(l) => assigned.entry(*l).or_default().push(*value),
                    // `pqos->ImpersonationType = X`, `g_qos.Capabilities = X`: a
                    // struct an argument may point to.
                    PlaceRoot::Deref(_) | PlaceRoot::Global(_) if !place.path.is_empty() => indirect.push(*value),
                    _ => {}
                }
            }
        }
    }
    let mut stack: Vec<ExprId> = Vec::new();
    if let Some(own) = own {
        for call in f.calls.iter().filter(|c| own.contains(&c.callee)) {
            stack.extend(call.args.iter().copied());
        }
        if own.contains(&f.name) {
            stack.extend(crate::summary::returned_exprs(f));
        }
    }
    for call in &f.calls {
        let Some(m) = kb.api_for_call(&call.callee, call.receiver.is_some(), call.args.len()) else { continue };
        // Only the arguments whose parameter means something to a rule.
        // By the signature the call follows (C, or the windows crate's).
        let args = m.align(&call.args.iter().copied().map(Some).collect::<Vec<_>>(), None);
        for (p, a) in m.api.params.iter().zip(args) {
            if let (true, Some(a)) = (p.role.is_some() || p.struct_type.is_some(), a) {
                stack.push(a);
            }
        }
    }
    if !stack.is_empty() {
        stack.extend(indirect);
    }
    let mut seen_expr = vec![false; f.exprs.len()];
    let mut seen_local: BTreeSet<LocalId> = BTreeSet::new();
    let mut out = Vec::new();
    while let Some(e) = stack.pop() {
        let Some(slot) = seen_expr.get_mut(e.index()) else { continue };
        if std::mem::replace(slot, true) {
            continue;
        }
        let Some(expr) = f.exprs.get(e.index()) else { continue };
        match &expr.kind {
            ExprKind::Name(n) => out.push(n.clone()),
            ExprKind::Local(l) if seen_local.insert(*l) => {
                stack.extend(assigned.get(l).into_iter().flatten().copied());
            }
            // A call's value depends on its arguments only through a helper
            // that passes one on (`TEXT(x)`, `wcsdup(x)`); an API's or an
            // unknown function's result is not a constant.
            ExprKind::Call(c) => {
                let Some(call) = f.calls.get(c.index()) else { continue };
                let Some(h) = kb.helper_for_call(&call.callee, call.receiver.is_some()) else { continue };
                match h.from.unwrap_or(0) {
                    -1 => stack.extend(call.receiver),
                    i => stack.extend(usize::try_from(i).ok().and_then(|i| call.args.get(i)).copied()),
                }
                continue;
            }
            _ => {}
        }
        crate::ir::for_each_child(&expr.kind, &f.calls, |c| stack.push(c));
    }
    out
}

/// The free names in one expression tree of a constant scope.
pub(super) fn names_under(scope: &Function, root: crate::ir::ExprId) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    let mut budget = 10_000;
    while let Some(e) = stack.pop() {
        budget -= 1;
        if budget == 0 {
            break;
        }
        let Some(expr) = scope.exprs.get(e.index()) else { continue };
        if let ExprKind::Name(n) = &expr.kind {
            out.push(n.clone());
        }
        crate::ir::for_each_child(&expr.kind, &scope.calls, |c| stack.push(c));
    }
    out
}

/// Names referenced by the definitions of `wanted` in a constants-only file.
pub(super) fn const_refs(ir: &FileIr, wanted: &BTreeSet<String>) -> BTreeSet<String> {
    ir.consts.iter().filter(|d| wanted.contains(&d.name)).flat_map(|d| names_under(&ir.const_scope, d.value)).collect()
}
