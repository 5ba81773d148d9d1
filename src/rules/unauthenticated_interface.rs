//! `unauthenticated-interface`: an RPC server interface that unauthenticated
//! callers reach.
//!
//! Looks at the calls of APIs with the `register-interface` effect. One that
//! takes neither flags (`if-flags`) nor a security callback (`if-callback`),
//! `RpcServerRegisterIf`, always fires. The others fire when the callback is
//! known to be absent (`NULL`, `None`, `0`) and the flags are known and lack
//! `RPC_IF_ALLOW_SECURE_ONLY` (numbers included: 9 has it, 33 does not).
//! A registered callback makes the runtime reject unauthenticated calls, so
//! any callback keeps the rule silent, as do unknown flags or callbacks,
//! `RPC_IF_OLE` (COM's own interfaces, guarded by COM's access checks), a
//! security descriptor that does not let anyone in (`RpcServerRegisterIf3`
//! checks every caller against it; [`super::sddl`] reads a converted SDDL), and
//! the registration inside the definition of a registering API (Wine's
//! `RpcServerRegisterIf` calling `RpcServerRegisterIf3`).
//!
//! Fix (`[[fix]]`): `RPC_IF_ALLOW_SECURE_ONLY` added to the flags where they
//! were set, when one value reaches the call; never safe (a warning: the
//! server may serve clients that do not authenticate, or have no
//! authentication registered). None for `RpcServerRegisterIf`, which has no
//! flags to add it to. Docs: `rules/unauthenticated-interface.md`.

use super::sddl::Grants;
use super::{ApiCall, OriginLabels, Precision, Rule, RuleCx, query};
use crate::diagnostic::Severity;
use crate::kb::{Dir, Effect, Read, Role};
use crate::resolve::Origin;
use crate::resolve::{Atom, Slot};

pub(crate) static RULE: Rule = Rule {
    name: "unauthenticated-interface",
    default_severity: Severity::Warning,
    precision: Precision::Medium,
    reads: &[
        Read::Effect(Effect::RegisterInterface),
        Read::Role(Role::IfCallback),
        Read::Role(Role::IfFlags),
        Read::Role(Role::SecurityDescriptor),
        Read::Role(Role::Sddl),
    ],
    doc: include_str!("../../rules/unauthenticated-interface.md"),
    check,
};

fn check(cx: &mut RuleCx<'_>) {
    let (Some(secure_only), Some(ole)) = (cx.kb.int("RPC_IF_ALLOW_SECURE_ONLY"), cx.kb.int("RPC_IF_OLE")) else {
        return;
    };
    let calls = cx.api_calls();
    for call in calls.iter().copied() {
        if call.api.effect != Effect::RegisterInterface || query::in_api_definition(cx.kb, &call) {
            continue;
        }
        let takes_flags = call.api.param_with(Role::IfFlags).is_some();
        let takes_callback = call.api.param_with(Role::IfCallback).is_some();
        if !takes_flags && !takes_callback {
            report(cx, &call, None);
            continue;
        }
        // Any callback (or one we cannot see) makes the runtime reject
        // unauthenticated calls by default.
        if takes_callback && !call.arg(Role::IfCallback).is_some_and(|v| v.is_null_or_empty()) {
            continue;
        }
        // A security descriptor (`RpcServerRegisterIf3`): the runtime checks
        // every caller against it, so only one that lets anyone in leaves
        // the interface open.
        if descriptor_keeps_out(cx, &call, &calls) {
            continue;
        }
        let flags = match call.arg(Role::IfFlags) {
            Some(v) => v.known_ints(),
            None => Some(vec![(0, None)]),
        };
        let Some(flags) = flags else { continue };
        // `RPC_IF_OLE`: COM's own interfaces, which COM's access checks guard.
        let Some(open) = flags.into_iter().find(|(f, _)| f & (secure_only | ole) == 0) else { continue };
        report(cx, &call, Some(open));
    }
}

/// Whether the call passes a security descriptor that keeps out callers
/// who could be anyone: not `NULL` on any path, and, where it comes from an
/// SDDL string converted in the same function, one whose DACL grants no
/// group that every caller is in ([`Grants::admits_anyone`]). A descriptor
/// the analysis cannot follow is the author's access check, like a callback
/// it cannot see.
fn descriptor_keeps_out(cx: &RuleCx<'_>, call: &ApiCall<'_>, calls: &[ApiCall<'_>]) -> bool {
    let Some(sd) = call.api.param_with(Role::SecurityDescriptor).and_then(|i| call.facts.args.get(i)) else {
        return false;
    };
    // `NULL` on some path: the default descriptor lets every normal process in.
    if sd.atoms.iter().any(|(a, _)| matches!(a, Atom::Null | Atom::Int(0))) || (sd.atoms.is_empty() && !sd.unknown) {
        return false;
    }
    let Some(grants) = Grants::from_kb(cx.kb) else { return false };
    sd.marks().all(|(mark, _)| {
        let Some(conv) = calls.iter().find(|c| std::ptr::eq(c.func, call.func) && c.id == mark.call) else {
            return true;
        };
        let out = conv.api.params.iter().position(|p| p.role == Some(Role::SecurityDescriptor) && p.dir != Dir::In);
        if out.and_then(|o| u16::try_from(o).ok()).map(Slot::Param) != Some(mark.slot) {
            return true;
        }
        let Some(sddls) = conv.arg(Role::Sddl).and_then(|v| v.known_strs()) else { return true };
        sddls.iter().all(|(t, _)| grants.admits_anyone(t) != Some(true))
    })
}

fn report(cx: &mut RuleCx<'_>, call: &ApiCall<'_>, flags: Option<(u64, Option<Origin>)>) {
    let how = match flags {
        None => "with neither a security callback nor `RPC_IF_ALLOW_SECURE_ONLY`".to_string(),
        Some((0, _)) => "with no flags and no security callback".to_string(),
        Some((f, _)) => {
            let names = query::flag_names(cx.kb, "RPC_IF_", f);
            format!("with flags `{names}`, which lack `RPC_IF_ALLOW_SECURE_ONLY`, and no security callback")
        }
    };
    let message = format!("`{}` registers the interface {how}: unauthenticated callers reach it", call.name());
    let help = if flags.is_none() {
        let with_flags: Vec<String> = cx
            .kb
            .apis
            .iter()
            .filter(|a| a.effect == Effect::RegisterInterface && a.param_with(Role::IfFlags).is_some())
            .map(|a| format!("`{}`", a.display()))
            .collect();
        format!(
            "register the interface with {} instead, passing `RPC_IF_ALLOW_SECURE_ONLY` in the flags or a security callback that checks the caller",
            with_flags.join(" or ")
        )
    } else {
        "add `RPC_IF_ALLOW_SECURE_ONLY` to the flags, or pass a security callback that checks the caller's authentication"
            .to_string()
    };
    // On the flags argument when there is one; else (no flags parameter) on the call.
    let cause = flags.and_then(|(_, origin)| cx.cause_of(call, Role::IfFlags, origin));
    let mut d = cx.diagnostic(call, Severity::Warning, message).at(cause).with_help(help);
    if let Some((f, origin)) = flags {
        d = d.set_here(origin, &query::flag_names(cx.kb, "RPC_IF_", f));
    }
    cx.push(d.with_fix(fix(cx, call)));
}

/// `RPC_IF_ALLOW_SECURE_ONLY` added where the flags were set, when the flags
/// argument has one value on every path.
fn fix(cx: &RuleCx<'_>, call: &ApiCall<'_>) -> Option<crate::diagnostic::Fix> {
    let values = call.role_values(cx.kb, Role::IfFlags);
    let [rv] = values.as_slice() else { return None };
    match rv.value.known_ints()?.as_slice() {
        [(flags, at)] => cx.fix_add(call, Role::IfFlags, rv, *flags, *at, Severity::Warning),
        _ => None,
    }
}
