//! `permissive-security-callback`: an interface security callback that
//! admits every caller, or that lets unauthenticated callers in and never
//! asks who they are.
//!
//! Looks at the registrations (`register-interface` APIs with an
//! `if-callback` parameter) whose callback is a function defined in the
//! same file (named directly, by address, or through `Some(..)`). It fires
//! when every `return` of the callback returns `RPC_S_OK`
//! ([`crate::resolve::status::returned_constants`]): the callback checks
//! nothing; or when the flags include `RPC_IF_ALLOW_CALLBACKS_WITH_NO_AUTH`
//! and the callback, though it can deny, calls nothing of the
//! `caller-identity` set (`RpcBindingInqAuthClient`, `RpcServerInqCallAttributes`,
//! `RpcImpersonateClient`, ...), directly or through a function of the same
//! file it calls. Silent when the callback is not in the file (FIXME(#13):
//! callbacks in other files need the tree's function index), when a
//! security descriptor is passed (`RpcServerRegisterIf3`), on unknown
//! values, and in the implementation of the registering API.
//! Docs: `rules/permissive-security-callback.md`.

use super::{ApiCall, Precision, Rule, RuleCx, query};
use crate::diagnostic::Severity;
use crate::ir::{Function, Span};
use crate::kb::{Effect, Kb, Read, Role, SetKind};
use crate::resolve::callback::{function_named, returned_constants};

pub(crate) static RULE: Rule = Rule {
    name: "permissive-security-callback",
    default_severity: Severity::Warning,
    precision: Precision::Low,
    reads: &[
        Read::Effect(Effect::RegisterInterface),
        Read::Role(Role::IfCallback),
        Read::Role(Role::IfFlags),
        Read::Role(Role::SecurityDescriptor),
        Read::Role(Role::Sddl),
        Read::Set(SetKind::CallerIdentity),
    ],
    doc: include_str!("../../rules/permissive-security-callback.md"),
    check,
};

fn check(cx: &mut RuleCx<'_>) {
    let (Some(ok), Some(no_auth)) = (cx.kb.int("RPC_S_OK"), cx.kb.int("RPC_IF_ALLOW_CALLBACKS_WITH_NO_AUTH")) else {
        return;
    };
    for call in cx.api_calls() {
        if call.api.effect != Effect::RegisterInterface || query::in_api_definition(cx.kb, &call) {
            continue;
        }
        let Some(i) = call.api.param_with(Role::IfCallback) else { continue };
        // A security descriptor makes the runtime check callers itself.
        if call.api.param_with(Role::SecurityDescriptor).is_some()
            && !call.arg(Role::SecurityDescriptor).is_some_and(|v| v.is_known() && v.is_null_or_empty())
        {
            continue;
        }
        let Some(&arg) = call.call.args.get(i) else { continue };
        let Some(name) = function_named(cx.kb, call.func, arg, 0) else { continue };
        let Some(callback) = cx.ir.functions.iter().find(|f| f.name == name && !f.blocks.is_empty()) else {
            continue;
        };
        // Every return a known `RPC_S_OK`: it admits everyone. A return the
        // knowledge base cannot spell (`ERROR_ACCESS_DENIED`) is no `RPC_S_OK`.
        if returned_constants(cx.kb, callback).is_some_and(|r| r.iter().all(|v| u64::from(*v as u32) == ok)) {
            let cause = cx.cause(&call, i, None);
            report(cx, &call, callback, None, cause);
            continue;
        }
        let flags = call.arg(Role::IfFlags).and_then(|v| v.known_ints());
        let lets_in = flags.as_ref().is_some_and(|fs| !fs.is_empty() && fs.iter().all(|(f, _)| f & no_auth != 0));
        if lets_in && !asks_identity(cx.kb, &cx.ir.functions, callback, 2) {
            let origin = flags.as_ref().and_then(|fs| fs.first()).and_then(|(_, o)| *o);
            let cause = cx.cause_of(&call, Role::IfFlags, origin);
            report(cx, &call, callback, Some(query::flag_names(cx.kb, "RPC_IF_", no_auth)), cause);
        }
    }
}

/// Whether `func`, or a function of the file it calls (`depth` levels
/// down), calls an API of the `caller-identity` set.
fn asks_identity(kb: &Kb, all: &[Function], func: &Function, depth: u8) -> bool {
    func.calls.iter().any(|c| {
        kb.callee_in_set(SetKind::CallerIdentity, &c.callee)
            || (depth > 0
                && all
                    .iter()
                    .find(|f| f.name == c.callee && !std::ptr::eq(*f, func))
                    .is_some_and(|f| asks_identity(kb, all, f, depth - 1)))
    })
}

/// `cause`: the callback argument, or the flags that let everyone in.
fn report(cx: &mut RuleCx<'_>, call: &ApiCall<'_>, callback: &Function, flag: Option<String>, cause: Option<Span>) {
    let name = &callback.name;
    let (message, help) = match &flag {
        None => (
            format!(
                "the security callback `{name}` registered by `{}` returns `RPC_S_OK` on every path: it checks nothing, so every authenticated caller is admitted",
                call.name()
            ),
            format!(
                "make `{name}` check the caller (`RpcServerInqCallAttributes`: authentication level, service, identity) and return `ERROR_ACCESS_DENIED` otherwise"
            ),
        ),
        Some(f) => (
            format!(
                "`{}` lets unauthenticated callers reach the security callback `{name}` (`{f}`), which never asks who the caller is or how it authenticated",
                call.name()
            ),
            format!(
                "in `{name}`, read the caller's authentication (`RpcServerInqCallAttributes` or `RpcBindingInqAuthClient`) and deny unauthenticated callers, or drop `{f}`"
            ),
        ),
    };
    let d = cx.diagnostic(call, Severity::Warning, message).at(cause).with_help(help).with_label(
        cx.file,
        callback.span,
        format!("`{name}` defined here"),
    );
    cx.push(d);
}
