//! `unauthenticated-binding`: a client binding to a remote server used
//! before any `RpcBindingSetAuthInfo[Ex]` armed it.
//!
//! Looks at the calls that create a binding from a string binding
//! (`RpcBindingFromStringBinding`: an out `binding` and an in
//! `string-binding`) whose protocol sequence is remote
//! ([`query::string_binding_targets`]: `ncacn_ip_tcp`, `ncacn_http`,
//! `ncadg_ip_udp` with any address; `ncacn_np` with a known address other
//! than the local machine). The handle is the place the call writes it to
//! (`&h`, `&ctx->binding`) and the locals copied from it. A use is a call
//! that receives the handle (a MIDL stub, a wrapper), other than the
//! `binding-management` APIs; an arming is an `arms-binding` call on it, or
//! a call of a function of the tree that arms a binding
//! ([`crate::resolve::ProjectFacts`]) that receives it. It fires at the
//! first use that some path reaches from the creation without an arming
//! ([`CallOrder::reaches_avoiding`]). Silent for `ncalrpc`, local
//! `ncacn_np`, unknown protocol sequences, and a binding only built and
//! handed on (returned, stored): the caller's business.
//! Docs: `rules/unauthenticated-binding.md`.

use std::collections::BTreeSet;

use super::{ApiCall, Precision, Rule, RuleCx, query};
use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::{Call, CallId, Function, PlaceRoot, Stmt};
use crate::kb::{Dir, Read, Role, SetKind};
use crate::resolve::order::{CallOrder, HandleId, place_of};

pub(crate) static RULE: Rule = Rule {
    name: "unauthenticated-binding",
    default_severity: Severity::Warning,
    precision: Precision::High,
    reads: &[
        Read::Set(SetKind::ArmsBinding),
        Read::Set(SetKind::BindingManagement),
        Read::All(super::query::BINDING_ORIGIN),
    ],
    doc: include_str!("../../rules/unauthenticated-binding.md"),
    check,
};

/// Protocol sequences that reach another machine whatever the address.
const REMOTE: [&str; 3] = ["ncacn_ip_tcp", "ncacn_http", "ncadg_ip_udp"];
/// Network addresses of `ncacn_np` that name the local machine.
const LOCAL_ADDRESSES: [&str; 4] = ["", ".", "localhost", "127.0.0.1"];

fn check(cx: &mut RuleCx<'_>) {
    let calls = cx.api_calls();
    for created in &calls {
        let Some(protseq) = remote_protseq(cx, created) else { continue };
        if query::in_api_definition(cx.kb, created) {
            continue;
        }
        let Some(out) = created.api.params.iter().position(|p| p.role == Some(Role::Binding) && p.dir == Dir::Out)
        else {
            continue;
        };
        let func = created.func;
        let Some(place) = created.call.args.get(out).and_then(|&a| place_of(func, a)) else { continue };
        let places = aliases(func, place);
        let holds = |c: CallId| {
            func.calls
                .get(c.index())
                .is_some_and(|call| call.args.iter().any(|&a| place_of(func, a).is_some_and(|p| places.contains(&p))))
        };
        let mut arming = Vec::new();
        let mut uses = Vec::new();
        for (id, call) in func.call_ids().zip(&func.calls) {
            if id == created.id || !holds(id) {
                continue;
            }
            let api = cx.kb.api_for_call(&call.callee, call.receiver.is_some(), call.args.len()).map(|m| m.api);
            if api.is_some_and(|api| cx.kb.api_in_set(SetKind::ArmsBinding, api))
                || cx.project.arming_functions.contains(&call.callee)
            {
                arming.push(id);
            } else if !cx.kb.callee_in_set(SetKind::BindingManagement, &call.callee) {
                uses.push(id);
            }
        }
        if uses.is_empty() {
            continue;
        }
        let order = CallOrder::new(func);
        let first = uses
            .iter()
            .filter(|&&u| order.reaches_avoiding(created.id, u, &arming))
            .filter_map(|&u| func.calls.get(u.index()))
            .min_by_key(|c| (c.span.start, c.span.end));
        if let Some(used) = first {
            report(cx, created, used, &protseq);
        }
    }
}

/// The remote protocol sequence a binding-creating call's string binding
/// always names; `None` when it may be local or cannot be known.
fn remote_protseq(cx: &RuleCx<'_>, call: &ApiCall<'_>) -> Option<String> {
    let sb = call.api.param_with(Role::StringBinding)?;
    if call.api.params.get(sb)?.dir != Dir::In {
        return None;
    }
    let targets = query::string_binding_targets(cx.kb, call.fn_facts, call.facts.args.get(sb)?)?;
    let remote = |(p, a): &(String, Option<String>)| {
        let p = p.to_ascii_lowercase();
        REMOTE.contains(&p.as_str())
            || (p == "ncacn_np"
                && a.as_ref().is_some_and(|a| {
                    let a = a.trim_start_matches('\\').to_ascii_lowercase();
                    !LOCAL_ADDRESSES.contains(&a.as_str())
                }))
    };
    if !targets.iter().all(remote) {
        return None;
    }
    let mut protseqs: Vec<String> = targets.into_iter().map(|(p, _)| p).collect();
    protseqs.sort();
    protseqs.dedup();
    Some(protseqs.join("`/`"))
}

/// `place` and the locals copied from it (`h2 = h`), to a fixed point.
fn aliases(func: &Function, place: HandleId) -> BTreeSet<HandleId> {
    let mut set = BTreeSet::from([place]);
    loop {
        let mut grew = false;
        for stmt in func.blocks.iter().flat_map(|b| &b.stmts) {
            let Stmt::Assign { place: to, value, .. } = stmt else { continue };
            let PlaceRoot::Local(l) = to.root else { continue };
            if !to.path.is_empty() {
                continue;
            }
            if place_of(func, *value).is_some_and(|p| set.contains(&p)) {
                grew |= set.insert(HandleId::Place(l, Vec::new()));
            }
        }
        if !grew {
            return set;
        }
    }
}

fn report(cx: &mut RuleCx<'_>, created: &ApiCall<'_>, used: &Call, protseq: &str) {
    let np = protseq.eq_ignore_ascii_case("ncacn_np");
    let why = if np {
        "no RPC-level authentication of the server and no RPC-level integrity (SMB authenticates the transport only)"
    } else {
        "the call goes out unauthenticated, without integrity or privacy, to a server that proved nothing"
    };
    let message = format!(
        "`{}` uses a `{protseq}` binding that no `RpcBindingSetAuthInfo[Ex]` armed on every path before: {why}",
        used.callee
    );
    let help = "call `RpcBindingSetAuthInfoEx` on the binding (`RPC_C_AUTHN_LEVEL_PKT_PRIVACY`, Kerberos or Negotiate, the server's principal name, a QOS with mutual authentication) before its first use, and fail when it fails";
    let d = Diagnostic::new(cx.rule.name, Severity::Warning, cx.file, used.span, message).with_help(help).with_label(
        cx.file,
        created.call.span,
        format!("`{}` creates the binding here", created.name()),
    );
    cx.push(d);
}
