//! Whether a COM proxy that a function reads from a member was opened on
//! this machine only, by whichever function of the file stored it there:
//! sysinfo's `Connection` keeps the proxy `connect_server` opens on
//! `root\WMI` in `self.server_connection`, and `set_proxy_blanket` sets NTLM
//! on it.
//!
//! Only a member of a struct the file declares itself (a source file's, not
//! a header's; not Rust's `pub`), accessed nowhere the analysis does not see
//! ([`crate::resolve::FieldFacts::own_and_seen`]; phase 1 keeps every
//! function that names it), is looked at: all its writes are in the file's
//! functions. It holds a local proxy when every one is: an assignment whose
//! value (the data-flow analysis of its function,
//! [`crate::resolve::FunctionFacts::field_writes`]) is null or a proxy that
//! `IWbemLocator::ConnectServer` opened on a namespace of this machine
//! ([`query::opened_locally`]), or the member's address handed as that
//! call's own proxy output; and at least one write is such a proxy. Any
//! other write makes the answer "not known": a struct literal that sets it
//! to anything but null, a Rust `..base` that may copy it, its address
//! handed anywhere else, a method called on it with an argument
//! (`replace(x)`, `Attach(p)`), a function that writes it on a path the
//! analysis did not reach.

use super::{ApiCall, RuleCx, query};
use crate::ir::{CallId, ExprId, ExprKind, Field, FieldKey, Function, Place, PlaceRoot, Rest, Stmt, unqualified};
use crate::kb::{Dir, HelperKind, Kb, Role};
use crate::resolve::callers::param_source;
use crate::resolve::flow::eval_constant;
use crate::resolve::{Atom, FileCtx, FunctionFacts, Mark, Slot, member_read};

/// Whether the proxy `call` acts on is read from a member of this file whose
/// every write is a proxy opened on this machine (or null).
pub(crate) fn proxy_member_is_local(cx: &RuleCx<'_>, call: &ApiCall<'_>) -> bool {
    let Some(i) = call.api.param_with(Role::Proxy) else { return false };
    let Some(e) = call.facts.arg_exprs.get(i).copied().flatten() else { return false };
    let Some(name) = member_read(cx.kb, call.func, e) else { return false };
    if !cx.project.fields.own_and_seen(cx.file, name) {
        return false;
    }
    let mut opened = false;
    for (func, facts) in cx.ir.functions.iter().zip(cx.facts) {
        match writes_in(cx.kb, func, facts, name) {
            Some(proxy) => opened |= proxy,
            None => return false,
        }
    }
    opened
}

/// Whether an assignment to `place` writes the member `name`.
fn writes(place: &Place, name: &str) -> bool {
    match place.path.last() {
        Some(Field::Named(n)) => n == name,
        Some(_) => false,
        None => matches!(&place.root, PlaceRoot::Global(n) if n == name),
    }
}

/// Whether `e` names the member `name`.
fn names(func: &Function, e: ExprId, name: &str) -> bool {
    matches!(func.exprs.get(e.index()).map(|x| &x.kind), Some(ExprKind::Field(_, n) | ExprKind::Name(n)) if n == name)
}

/// What `func` stores in the member `name`: `Some(true)` a local proxy (and
/// nothing else but null), `Some(false)` nothing, `None` something else or
/// something not known.
fn writes_in(kb: &Kb, func: &Function, facts: &FunctionFacts, name: &str) -> Option<bool> {
    let mut proxy = false;
    let assigns = func
        .blocks
        .iter()
        .flat_map(|b| &b.stmts)
        .any(|s| matches!(s, Stmt::Assign { place, .. } if writes(place, name)));
    if assigns {
        // A write the analysis did not reach (or gave up on) is not known.
        let v = facts.field_writes.get(name).filter(|_| !facts.gave_up)?;
        if v.unknown || v.saturated {
            return None;
        }
        for (atom, _) in &v.atoms {
            match atom {
                Atom::Null => {}
                Atom::Mark(m) if query::opened_locally(kb, facts, *m) => proxy = true,
                _ => return None,
            }
        }
    }
    // The member's address as an opening call's own proxy output.
    let mut opens = Vec::new();
    if other_writes(kb, func, name, |c, arg| {
        let out = proxy_output(kb, func, c, arg);
        opens.extend(out.map(|p| (c, p)));
        out.is_some()
    }) {
        return None;
    }
    for (c, out) in opens {
        if !query::opened_locally(kb, facts, Mark { call: c, slot: Slot::Param(u16::try_from(out).ok()?) }) {
            return None;
        }
        proxy = true;
    }
    Some(proxy)
}

/// The API parameter that argument `arg` of call `c` of `func` is, when it
/// is the API's proxy output.
fn proxy_output(kb: &Kb, func: &Function, c: CallId, arg: usize) -> Option<usize> {
    let call = func.calls.get(c.index())?;
    let m = kb.api_for_call(&call.callee, call.receiver.is_some(), call.args.len())?;
    m.api
        .params
        .iter()
        .enumerate()
        .position(|(p, param)| param.role == Some(Role::Proxy) && param.dir != Dir::In && m.arg_index(p) == Some(arg))
}

/// Whether `func` writes the member `name` other than by an assignment: a
/// struct literal that sets it (to anything but null), a Rust `..base` that
/// may copy it, its address handed to a call (unless `allowed(call,
/// argument)` takes it), a method called on it with an argument.
fn other_writes(kb: &Kb, func: &Function, name: &str, mut allowed: impl FnMut(CallId, usize) -> bool) -> bool {
    let kind = |e: ExprId| func.exprs.get(e.index()).map(|x| &x.kind);
    for expr in &func.exprs {
        match &expr.kind {
            ExprKind::Aggregate(a) => {
                if a.ty.as_deref().is_some_and(|t| kb.struct_def(t).is_some()) {
                    continue;
                }
                let set = |(key, e): &(FieldKey, ExprId)| {
                    matches!(key, FieldKey::Named(n) if n == name) && !matches!(kind(*e), Some(ExprKind::Null))
                };
                if a.fields.iter().any(set) {
                    return true;
                }
                if let Rest::Base(b) = a.rest {
                    let zero = matches!(kind(b), Some(ExprKind::Call(c)) if func.calls.get(c.index())
                        .and_then(|call| kb.helper_for_call(&call.callee, call.receiver.is_some()))
                        .is_some_and(|h| h.kind == HelperKind::Zero));
                    if !zero {
                        return true;
                    }
                }
            }
            ExprKind::Call(c) => {
                let Some(call) = func.calls.get(c.index()) else { continue };
                if call.receiver.is_some_and(|r| names(func, r, name)) && !call.args.is_empty() {
                    return true;
                }
                for (i, a) in call.args.iter().enumerate() {
                    let addressed = matches!(kind(*a), Some(ExprKind::AddrOf(x)) if names(func, *x, name));
                    if addressed && !allowed(*c, i) {
                        return true;
                    }
                }
            }
            _ => {}
        }
    }
    false
}

/// Whether every proxy `call` acts on was opened, in the call's function,
/// on the namespace of one of its parameters, and every call of that
/// function (all in its file, where the analysis sees them) passes a
/// namespace of this machine there.
pub(crate) fn proxy_opened_on_callers_namespace(cx: &RuleCx<'_>, call: &ApiCall<'_>) -> bool {
    let Some(proxy) = call.arg(Role::Proxy).map(|v| v.pointee().unwrap_or(v)) else { return false };
    if !proxy.is_known() || proxy.atoms.is_empty() || !cx.project.closed.contains(&(cx.file, call.func.name.clone())) {
        return false;
    }
    proxy.atoms.iter().all(|(atom, _)| {
        let Atom::Mark(m) = atom else { return false };
        let Some(opened) = query::opening(cx.kb, call.fn_facts, *m) else { return false };
        let ns = opened.api(cx.kb).and_then(|api| api.param_with(Role::WmiNamespace));
        let e = ns.and_then(|i| opened.arg_exprs.get(i).copied().flatten());
        e.and_then(|e| param_source(cx.kb, call.func, e)).is_some_and(|k| callers_pass_local(cx, call.func, k))
    })
}

/// Whether every call of `func` in its file passes, as its parameter `k`, a
/// constant namespace of this machine, and there is one.
fn callers_pass_local(cx: &RuleCx<'_>, func: &Function, k: usize) -> bool {
    let ctx = FileCtx {
        kb: cx.kb,
        file: cx.file,
        consts: cx.consts,
        reverting_types: &cx.project.reverting_types,
        deadline: None,
        summaries: None,
    };
    let params = func.locals.iter().filter(|l| l.is_param).count();
    let name = unqualified(&func.name);
    let mut any = false;
    for g in &cx.ir.functions {
        for c in g.calls.iter().filter(|c| unqualified(&c.callee) == name) {
            let Some(arg) = c.args.get(k).filter(|_| c.receiver.is_none() && c.args.len() == params) else {
                return false;
            };
            let local = eval_constant(&ctx, g, *arg)
                .known_strs()
                .is_some_and(|s| !s.is_empty() && s.iter().all(|(p, _)| query::is_local_namespace(cx.kb, p)));
            if !local {
                return false;
            }
            any = true;
        }
    }
    any
}
