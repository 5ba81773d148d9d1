//! `invalid-blanket-capabilities`: a proxy blanket set with capabilities the
//! call does not accept, so the call fails and the proxy keeps its old blanket.
//!
//! Reads the `[[accepted-flags]]` of `rules/api.toml` for the API's
//! `capabilities` parameter (`CoSetProxyBlanket`, `IClientSecurity::SetBlanket`)
//! and fires when a known value has a bit outside the accepted flags (the
//! `EOAC_*` flags that belong to `CoInitializeSecurity`), sets more than one
//! of the exclusive flags (both cloaking flags), or sets one of them while
//! the `auth-identity` argument is known to be a real pointer. Compared on
//! the 32 bits the API takes. Silent on unknown values and on APIs without
//! such a list (`CoInitializeSecurity` accepts the others).
//! Docs: `rules/invalid-blanket-capabilities.md`.

use super::{ApiCall, OriginLabels, Precision, Rule, RuleCx, query};
use crate::diagnostic::Severity;
use crate::kb::{AcceptedFlags, Kb, Read, Role};
use crate::resolve::{Atom, Origin, Value};

pub(crate) static RULE: Rule = Rule {
    name: "invalid-blanket-capabilities",
    default_severity: Severity::Warning,
    precision: Precision::High,
    reads: &[Read::Role(Role::Capabilities)],
    doc: include_str!("../../rules/invalid-blanket-capabilities.md"),
    check,
};

/// Why a capabilities value makes the call fail.
enum Defect {
    /// Bits that the call does not accept.
    Foreign(u64),
    /// More than one of the exclusive flags.
    Exclusive(u64),
    /// An exclusive flag with a real pointer for the argument that must be null.
    NeedsNull(u64, String),
}

fn check(cx: &mut RuleCx<'_>) {
    for call in cx.api_calls() {
        let Some(accepted) = cx.kb.accepted_flags_of(call.api, Role::Capabilities) else { continue };
        if query::in_api_definition(cx.kb, &call) {
            continue;
        }
        let Some(i) = call.api.params.iter().position(|p| p.role == Some(accepted.role)) else { continue };
        let Some(values) = call.facts.args.get(i).and_then(Value::known_ints) else { continue };
        let param = call.api.params.get(i).map_or("", |p| p.name.as_str());
        let mut found =
            values.iter().filter_map(|(v, origin)| defect(cx.kb, &call, accepted, *v).map(|d| (d, *v, *origin)));
        let Some((defect, value, origin)) = found.next() else { continue };
        // A fix edits one place: only when no other value is wrong too.
        let fixable = found.next().is_none();
        report(cx, &call, (i, param), (defect, value, fixable), origin);
    }
}

/// The OR of the named constants' values (on 32 bits).
fn mask(kb: &Kb, names: &[String]) -> Option<u64> {
    names.iter().try_fold(0u64, |m, n| kb.int(n).map(|v| m | u64::from(v as u32)))
}

fn defect(kb: &Kb, call: &ApiCall<'_>, accepted: &AcceptedFlags, value: u64) -> Option<Defect> {
    let value = u64::from(value as u32);
    let allowed = mask(kb, &accepted.accepts)?;
    if value & !allowed != 0 {
        return Some(Defect::Foreign(value & !allowed));
    }
    let exclusive = mask(kb, &accepted.exclusive)?;
    let set = value & exclusive;
    if set.count_ones() > 1 {
        return Some(Defect::Exclusive(set));
    }
    if set != 0 {
        let role = accepted.exclusive_needs_null?;
        let i = call.api.param_with(role)?;
        let arg = call.facts.args.get(i)?;
        if is_real_pointer(arg) {
            let name = call.api.params.get(i).map_or("", |p| p.name.as_str()).to_string();
            return Some(Defect::NeedsNull(set, name));
        }
    }
    None
}

/// Whether every possible value is a pointer to something the function
/// holds (a struct, a string, a local): known not to be null or a default marker.
fn is_real_pointer(v: &Value) -> bool {
    v.is_known()
        && v.atoms.iter().all(|(a, _)| matches!(a, Atom::Struct(_) | Atom::Pointee(_) | Atom::Ref(_) | Atom::Str(_)))
}

/// `param`: the capabilities parameter's position and name.
/// `found`: the defect, the value that has it, and whether it may be fixed.
fn report<'a>(
    cx: &mut RuleCx<'a>,
    call: &ApiCall<'a>,
    param: (usize, &str),
    found: (Defect, u64, bool),
    origin: Option<Origin>,
) {
    let (index, param) = param;
    let (defect, value, fixable) = found;
    let api = call.api.display();
    let (message, help, bits) = match &defect {
        Defect::Foreign(bits) => {
            let names = query::flag_names(cx.kb, "EOAC_", *bits);
            (
                format!(
                    "`{names}` in `{param}` is not a capability `{api}` accepts: the call fails and the proxy keeps its old, weaker blanket"
                ),
                format!(
                    "remove `{names}` (a process-wide setting); `{api}` accepts only {}",
                    accepted_list(cx.kb, call)
                ),
                *bits,
            )
        }
        Defect::Exclusive(bits) => {
            let names = query::flag_names(cx.kb, "EOAC_", *bits);
            (
                format!(
                    "`{param}` sets both `{names}`: `{api}` accepts one cloaking flag at most, so the call fails and the proxy keeps its old blanket"
                ),
                format!("keep one of {}", exclusive_list(cx.kb, call)),
                *bits,
            )
        }
        Defect::NeedsNull(bits, arg) => {
            let names = query::flag_names(cx.kb, "EOAC_", *bits);
            (
                format!(
                    "`{names}` in `{param}` with an explicit `{arg}`: `{api}` rejects cloaking with explicit credentials, so the call fails and the proxy keeps its old blanket"
                ),
                format!(
                    "pass `NULL` as `{arg}` to cloak the thread's token, or drop `{names}` to use these credentials"
                ),
                *bits,
            )
        }
    };
    // Flags the call does not accept are dropped; which cloaking flag, or
    // which credentials, to keep is the author's choice.
    let fix = match defect {
        Defect::Foreign(bits) if fixable => call.role_values(cx.kb, Role::Capabilities).first().and_then(|rv| {
            let shown = query::flag_names(cx.kb, "EOAC_", bits);
            cx.fix_remove(call, Role::Capabilities, rv, (value, bits), origin, Severity::Warning, &shown)
        }),
        _ => None,
    };
    let mut d =
        cx.diagnostic(call, Severity::Warning, message).at(cx.cause(call, index, origin)).with_help(help).with_fix(fix);
    d = d.set_here(origin, &query::flag_names(cx.kb, "EOAC_", bits));
    cx.push(d);
}

/// The exclusive flags, for the help text: `` `A` or `B` ``.
fn exclusive_list(kb: &Kb, call: &ApiCall<'_>) -> String {
    kb.accepted_flags_of(call.api, Role::Capabilities)
        .map(|a| a.exclusive.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" or "))
        .unwrap_or_default()
}

/// The accepted flags, for the help text: `` `EOAC_NONE`, `EOAC_MUTUAL_AUTH`, ... ``.
fn accepted_list(kb: &Kb, call: &ApiCall<'_>) -> String {
    kb.accepted_flags_of(call.api, Role::Capabilities)
        .map(|a| a.accepts.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}
