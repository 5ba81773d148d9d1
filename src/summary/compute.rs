//! Computing the summaries: every lowered function of the tree, bottom-up.
//!
//! Each round summarises every function with the previous round's summaries
//! for its callees; a wrapper of a wrapper gets its summary one round after
//! the wrapper, and recursion (a cycle of functions) settles when a round
//! changes nothing. Rounds are bounded ([`MAX_ROUNDS`], the depth of
//! wrappers followed) and so is the size of a function looked at
//! ([`MAX_CALLS`]): a large function is no wrapper.
//!
//! The facts are read off the IR, not off the data-flow analysis: a
//! parameter reaches an API argument when the argument is the parameter
//! itself and the function never assigns it. That is what a wrapper does,
//! and it needs no analysis before the callers are analysed.

use std::collections::BTreeSet;
#[cfg(test)]
use std::collections::HashMap;
use std::sync::Arc;

use super::{ArgSrc, Defined, Reach, Step, Summaries, Summary};
use crate::ir::{Block, BlockId, Call, ExprId, ExprKind, FileIr, Function, LocalId, PlaceRoot, Stmt, Terminator};
use crate::kb::{Effect, Kb, Role};
use crate::source::FileId;

/// Wrappers of wrappers followed, and rounds to a fixed point.
pub(crate) const MAX_ROUNDS: usize = 4;
/// A function with more calls than this is not summarised: a wrapper is
/// small, and a test driver that passes its parameter to an API among
/// dozens of other calls is none (Wine's `test_impersonation`).
const MAX_CALLS: usize = 16;

/// Summarises every function of `files`; `defined` holds, per file, the
/// names of all the functions it defines (also those not lowered).
#[cfg(test)]
pub(crate) fn compute(files: &[(FileId, &FileIr)], defined: HashMap<FileId, BTreeSet<String>>, kb: &Kb) -> Summaries {
    compute_shared(files, &Arc::new(Defined::new(defined)), kb)
}

/// [`compute`] with the names already gathered (phase 1b summarises the
/// same files' names at each of its rounds).
pub(crate) fn compute_shared(files: &[(FileId, &FileIr)], defined: &Arc<Defined>, kb: &Kb) -> Summaries {
    let mut current = Summaries::new(defined.clone());
    for _ in 0..MAX_ROUNDS {
        let mut next = Summaries::new(defined.clone());
        for (file, ir) in files {
            for (index, f) in ir.functions.iter().enumerate() {
                if f.name.is_empty() || f.calls.len() > MAX_CALLS {
                    continue;
                }
                next.push(summarise(*file, index, f, &current, kb));
            }
        }
        let same = next.len() == current.len()
            && next.iter().zip(current.iter()).all(|(a, b)| a.reach == b.reach && a.returns_const == b.returns_const);
        current = next;
        if same {
            break;
        }
    }
    current
}

/// What one call inside the function amounts to.
struct Target {
    reach: Reach,
    effect: Effect,
    reverts: bool,
}

fn summarise(file: FileId, index: usize, f: &Function, known: &Summaries, kb: &Kb) -> Summary {
    let has_self = f.locals.iter().any(|l| l.is_param && l.name == "self");
    let params: Vec<LocalId> = f
        .locals
        .iter()
        .enumerate()
        .filter(|(_, l)| l.is_param && l.name != "self")
        .map(|(i, _)| LocalId::from_index(i))
        .collect();
    let assigned = assigned_locals(f);
    let src = |e: ExprId| -> ArgSrc {
        match f.exprs.get(e.index()).map(|x| &x.kind) {
            Some(ExprKind::Local(l)) if !assigned.contains(l) => {
                params.iter().position(|p| p == l).map_or(ArgSrc::Unknown, ArgSrc::Param)
            }
            Some(ExprKind::Null | ExprKind::Int(0)) => ArgSrc::Null,
            _ => ArgSrc::Unknown,
        }
    };

    let mut targets: Vec<(usize, Target)> = Vec::new();
    // Calls that are neither a target nor a helper of the knowledge base.
    let mut other_calls = 0usize;
    for (ci, call) in f.calls.iter().enumerate() {
        match target(file, f, call, known, kb, &src) {
            Some(t) => targets.push((ci, t)),
            None if kb.helper_for_call(&call.callee, call.receiver.is_some()).is_none() => other_calls += 1,
            None => {}
        }
    }

    let reverts: Vec<usize> = targets.iter().filter(|(_, t)| t.reverts).map(|(ci, _)| *ci).collect();
    let reverts_for_caller = !reverts.is_empty() && reverts_on_every_path(f, &reverts, &params);
    let chosen = pick(&targets, other_calls, reverts_for_caller, kb);
    let reach = chosen.map(|(ci, mut reach)| {
        reach.returns_status = f.calls.get(ci).is_some_and(|c| returns_only(f, c.expr));
        // A null matters only to the effect it decides.
        let keeps_null = kb.apis.get(reach.api).is_some_and(|a| a.effect != Effect::None);
        if !keeps_null {
            for a in reach.args.iter_mut().chain(reach.receiver.as_mut()) {
                if *a == ArgSrc::Null {
                    *a = ArgSrc::Unknown;
                }
            }
        }
        reach
    });
    Summary {
        name: f.name.clone(),
        file,
        function: index,
        arity: params.len(),
        has_self,
        is_method: f.owner.is_some(),
        scope: f.owner.clone().or_else(|| f.namespace.clone()),
        reach,
        returns_const: returns_constant(f),
    }
}

/// The API call (or summarised call) `call` is, with its arguments traced
/// to the function's parameters.
fn target(
    file: FileId,
    f: &Function,
    call: &Call,
    known: &Summaries,
    kb: &Kb,
    src: &dyn Fn(ExprId) -> ArgSrc,
) -> Option<Target> {
    // A wrapper named like the API it wraps is told apart by its class or
    // namespace: `ComSecurity::CoInitializeSecurity`.
    let function = match f.owner.as_ref().or(f.namespace.as_ref()) {
        Some(scope) if kb.is_api_name(&f.name) => format!("{scope}::{}", f.name),
        _ => f.name.clone(),
    };
    let step = Step { file, span: call.span, function, callee: call.callee.clone(), reaches: Vec::new() };
    let own = known.is_own(file, call);
    if let Some(m) = kb.api_for_call(&call.callee, call.receiver.is_some(), call.args.len()).filter(|_| !own) {
        let api = m.index;
        let mut args: Vec<ArgSrc> = call.args.iter().map(|&a| src(a)).collect();
        let receiver = if m.this_in_args && !args.is_empty() { Some(args.remove(0)) } else { call.receiver.map(src) };
        let reverts = m.api.effect == Effect::Revert
            || (m.api.effect == Effect::Impersonate
                && m.api.param_with(Role::Token).and_then(|i| args.get(i)).is_some_and(|a| *a == ArgSrc::Null));
        let reach = Reach { api, args, receiver, returns_status: false, steps: vec![step] };
        return Some(Target { reach, effect: m.api.effect, reverts });
    }
    // The knowledge base's helpers win over the tree's functions of that name.
    if kb.helper_for_call(&call.callee, call.receiver.is_some()).is_some() {
        return None;
    }
    let s = known.for_call_in(file, &call.callee, call.receiver.is_some(), call.args.len(), call.scope.as_deref())?;
    let inner = s.reach.as_ref()?;
    let through = |a: &ArgSrc| match a {
        ArgSrc::Param(k) => call.args.get(*k).map_or(ArgSrc::Unknown, |&e| src(e)),
        other => *other,
    };
    let api = kb.apis.get(inner.api)?;
    let args: Vec<ArgSrc> = inner.args.iter().map(through).collect();
    let reverts = api.effect == Effect::Revert
        || (api.effect == Effect::Impersonate
            && api.param_with(Role::Token).and_then(|i| args.get(i)).is_some_and(|a| *a == ArgSrc::Null));
    let mut steps = vec![step];
    steps.extend(inner.steps.iter().cloned());
    let reach =
        Reach { api: inner.api, args, receiver: inner.receiver.as_ref().map(through), returns_status: false, steps };
    Some(Target { reach, effect: api.effect, reverts })
}

/// The call that stands for the whole function: a revert the caller can
/// count on (see [`reverts_on_every_path`]), else an impersonation the
/// function leaves on for its caller (it calls nothing else), else the first
/// call that passes a parameter to a setting the rules read. A function that
/// reverts only on some of its own paths stands for nothing.
fn pick(targets: &[(usize, Target)], other_calls: usize, reverts_for_caller: bool, kb: &Kb) -> Option<(usize, Reach)> {
    if let Some((ci, t)) = targets.iter().find(|(_, t)| t.reverts) {
        return reverts_for_caller.then(|| (*ci, t.reach.clone()));
    }
    let impersonations: Vec<&(usize, Target)> =
        targets.iter().filter(|(_, t)| t.effect == Effect::Impersonate && !t.reverts).collect();
    if let [(ci, t)] = impersonations.as_slice() {
        if other_calls == 0 && targets.len() == 1 {
            return Some((*ci, t.reach.clone()));
        }
        return None;
    }
    if !impersonations.is_empty() {
        return None;
    }
    targets.iter().find(|(_, t)| passes_setting(&t.reach, kb)).map(|(ci, t)| (*ci, t.reach.clone()))
}

/// Whether every path through `f` reverts (passes one of the calls
/// `reverts`), unless a test of the caller's state sends it elsewhere: a
/// branch on a parameter, a field reached from one, or a global
/// (`if (req->impersonating) RpcRevertToSelf();` reverts whenever the caller
/// set the flag). A path that leaves on a test of the function's own values
/// (a token it looked up, a loop over handles) without reverting means the
/// caller cannot count on the revert.
fn reverts_on_every_path(f: &Function, reverts: &[usize], params: &[LocalId]) -> bool {
    let mut reverting_blocks = vec![false; f.blocks.len()];
    for (bi, b) in f.blocks.iter().enumerate() {
        let mut roots: Vec<ExprId> = Vec::new();
        for st in &b.stmts {
            match st {
                Stmt::Assign { value, .. } => roots.push(*value),
                Stmt::Eval(e) => roots.push(*e),
                Stmt::ScopeEnd(_) => {}
            }
        }
        match &b.term {
            Terminator::Branch { cond, .. } => roots.push(*cond),
            Terminator::Switch { scrutinee, .. } => roots.push(*scrutinee),
            Terminator::Return(Some(e)) => roots.push(*e),
            _ => {}
        }
        reverting_blocks[bi] = roots.into_iter().any(|r| contains_call(f, r, reverts));
    }
    let mut seen = vec![false; f.blocks.len()];
    let mut stack = vec![BlockId(0)];
    while let Some(b) = stack.pop() {
        let Some(slot) = seen.get_mut(b.index()) else { continue };
        if std::mem::replace(slot, true) || reverting_blocks.get(b.index()).copied().unwrap_or(false) {
            continue;
        }
        let Some(block) = f.blocks.get(b.index()) else { continue };
        match &block.term {
            Terminator::Return(_) | Terminator::Unreachable => return false,
            Terminator::Branch { cond, .. } if reads_only_caller_state(f, *cond, params, 0) => {}
            term => stack.extend(term.successors()),
        }
    }
    true
}

/// Whether the expression tree under `root` holds one of the calls `calls`.
fn contains_call(f: &Function, root: ExprId, calls: &[usize]) -> bool {
    let mut stack = vec![root];
    let mut budget = 4096;
    while let Some(e) = stack.pop() {
        budget -= 1;
        if budget == 0 {
            return false;
        }
        let Some(x) = f.exprs.get(e.index()) else { continue };
        if let ExprKind::Call(c) = &x.kind {
            if calls.contains(&c.index()) {
                return true;
            }
        }
        crate::ir::for_each_child(&x.kind, &f.calls, |c| stack.push(c));
    }
    false
}

/// A condition on what the caller decides: parameters, fields reached from
/// them, globals and constants, combined with operators. No call, no local
/// of the function's own.
fn reads_only_caller_state(f: &Function, e: ExprId, params: &[LocalId], depth: u32) -> bool {
    if depth > 16 {
        return false;
    }
    let Some(x) = f.exprs.get(e.index()) else { return false };
    let sub = |a: &ExprId| reads_only_caller_state(f, *a, params, depth + 1);
    match &x.kind {
        ExprKind::Local(l) => params.contains(l) || f.locals.get(l.index()).is_some_and(|l| l.name == "self"),
        ExprKind::Name(_) | ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::Null => true,
        ExprKind::Field(a, _) | ExprKind::Deref(a) | ExprKind::Unary(_, a) | ExprKind::Index(a) => sub(a),
        ExprKind::Binary(_, a, b) => sub(a) && sub(b),
        _ => false,
    }
}

/// Whether some parameter of the function reaches an API parameter whose
/// value a rule judges (a level, a name, flags, a struct of settings), not
/// only the handles and buffers the call works on.
fn passes_setting(reach: &Reach, kb: &Kb) -> bool {
    !settings_passed(reach, kb).is_empty()
}

/// The names of the API parameters a rule judges (a level, a name, flags, a
/// struct of settings) that the function's parameters reach.
pub(crate) fn settings_passed(reach: &Reach, kb: &Kb) -> Vec<String> {
    let Some(api) = kb.apis.get(reach.api) else { return Vec::new() };
    api.params
        .iter()
        .zip(&reach.args)
        .filter(|(p, a)| {
            let setting = p.struct_type.is_some()
                || p.role.is_some_and(|r| !matches!(r, Role::Binding | Role::Message | Role::Token | Role::Credential));
            setting && matches!(a, ArgSrc::Param(_))
        })
        .map(|(p, _)| p.name.clone())
        .collect()
}

/// Locals the function assigns as a whole (a parameter so assigned is no
/// longer what the caller passed).
fn assigned_locals(f: &Function) -> BTreeSet<LocalId> {
    let mut out = BTreeSet::new();
    for b in &f.blocks {
        for st in &b.stmts {
            if let Stmt::Assign { place, .. } = st {
                if let PlaceRoot::Local(l) = place.root {
                    if place.path.is_empty() {
                        out.insert(l);
                    }
                }
            }
        }
    }
    out
}

/// Whether every `return` of the function gives the value of `call`
/// (directly, or through a local that holds nothing else), and there is one.
fn returns_only(f: &Function, call: ExprId) -> bool {
    let holds_call = |l: LocalId| {
        let mut any = false;
        for b in &f.blocks {
            for st in &b.stmts {
                if let Stmt::Assign { place, value, .. } = st {
                    if place.root == PlaceRoot::Local(l) {
                        if !place.path.is_empty() || *value != call {
                            return false;
                        }
                        any = true;
                    }
                }
            }
        }
        any
    };
    let mut returns = 0;
    for b in reachable(f) {
        if let Terminator::Return(r) = &b.term {
            let Some(e) = r else { return false };
            let ok = *e == call
                || matches!(f.exprs.get(e.index()).map(|x| &x.kind), Some(ExprKind::Local(l)) if holds_call(*l));
            if !ok {
                return false;
            }
            returns += 1;
        }
    }
    returns > 0
}

/// Whether every `return` gives a constant expression (names, numbers,
/// strings and operators on them), there is one, and nothing is called.
pub(crate) fn returns_constant(f: &Function) -> bool {
    if !f.calls.is_empty() {
        return false;
    }
    let mut returns = 0;
    for b in reachable(f) {
        if let Terminator::Return(r) = &b.term {
            let Some(e) = r else { return false };
            if !is_constant(f, *e, 0) {
                return false;
            }
            returns += 1;
        }
    }
    returns > 0
}

/// The expressions the reachable `return`s of `f` give.
pub(crate) fn returned_exprs(f: &Function) -> Vec<ExprId> {
    reachable(f)
        .filter_map(|b| match &b.term {
            Terminator::Return(Some(e)) => Some(*e),
            _ => None,
        })
        .collect()
}

/// The blocks reachable from the entry (the frontends leave dead ones,
/// such as the fall-off-the-end return after a `return` statement).
fn reachable(f: &Function) -> impl Iterator<Item = &Block> {
    let mut seen = vec![false; f.blocks.len()];
    let mut stack = vec![BlockId(0)];
    while let Some(b) = stack.pop() {
        let Some(slot) = seen.get_mut(b.index()) else { continue };
        if std::mem::replace(slot, true) {
            continue;
        }
        if let Some(block) = f.blocks.get(b.index()) {
            stack.extend(block.term.successors());
        }
    }
    f.blocks.iter().zip(seen).filter(|(_, s)| *s).map(|(b, _)| b)
}

fn is_constant(f: &Function, e: ExprId, depth: u32) -> bool {
    if depth > 32 {
        return false;
    }
    let Some(x) = f.exprs.get(e.index()) else { return false };
    match &x.kind {
        ExprKind::Int(_) | ExprKind::Bool(_) | ExprKind::Str(_) | ExprKind::Null | ExprKind::Name(_) => true,
        ExprKind::Unary(_, a) => is_constant(f, *a, depth + 1),
        ExprKind::Binary(_, a, b) => is_constant(f, *a, depth + 1) && is_constant(f, *b, depth + 1),
        ExprKind::Select(es) | ExprKind::Concat(es) => es.iter().all(|a| is_constant(f, *a, depth + 1)),
        _ => false,
    }
}
