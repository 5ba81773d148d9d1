//! `mutual-auth-not-requested`: an authenticated RPC client binding that
//! never asks to authenticate the server.
//!
//! Fires on RPC client binding calls (a `binding` parameter, and
//! `authn-level` and `authn-service` values: `RpcBindingSetAuthInfo[Ex][A|W]`)
//! whose service is known and never `RPC_C_AUTHN_NONE` and whose level is
//! known and never `RPC_C_AUTHN_LEVEL_NONE` (`RPC_C_AUTHN_LEVEL_DEFAULT`
//! counts as authenticated: the runtime picks `CONNECT` or higher), when the
//! call has no QOS at all, or its QOS is null/`None`/0, or the QOS
//! `Capabilities` are known and lack `RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH` on
//! some path. Silent on unknown values (a QOS pointer from a parameter, a
//! service from configuration). COM blankets are not RPC bindings and are
//! left to `mutual-auth-without-principal`. Docs: `rules/mutual-auth-not-requested.md`.

use super::mutual::Setting;
use super::{ApiCall, OriginLabels, Precision, RoleValue, Rule, RuleCx};
use crate::diagnostic::{Fix, Severity};
use crate::kb::{Dir, Kb, Read, Role};
use crate::resolve::{Origin, Value};

pub(crate) static RULE: Rule = Rule {
    name: "mutual-auth-not-requested",
    default_severity: Severity::Warning,
    precision: Precision::Low,
    reads: &[Read::Role(Role::Qos), Read::All(super::mutual::READS)],
    doc: include_str!("../../rules/mutual-auth-not-requested.md"),
    check,
};

/// What the call says about the QOS.
enum Qos {
    /// The call takes no QOS at all.
    NoSlot,
    /// The QOS pointer is null.
    /// `index`: the parameter's position.
    Null { param: String, origin: Option<Origin>, index: usize },
    /// The capabilities are known and lack mutual authentication on some
    /// path; the fix adds the flag where they were set.
    Lacking(Setting, Option<Fix>),
}

fn check(cx: &mut RuleCx<'_>) {
    let (Some(no_service), Some(no_level)) = (cx.kb.int("RPC_C_AUTHN_NONE"), cx.kb.int("RPC_C_AUTHN_LEVEL_NONE"))
    else {
        return;
    };
    for call in cx.api_calls() {
        if !call.api.params.iter().any(|p| p.role == Some(Role::Binding)) {
            continue;
        }
        let services = call.role_values(cx.kb, Role::AuthnService);
        let levels = call.role_values(cx.kb, Role::AuthnLevel);
        if !authenticated(&services, no_service) || !authenticated(&levels, no_level) {
            continue;
        }
        let Some(qos) = qos_state(cx, &call) else { continue };
        let service = services.first().and_then(|rv| rv.value.known_ints()).and_then(|v| v.first().map(|(v, _)| *v));
        let service = service.map_or_else(String::new, |v| cx.const_name("RPC_C_AUTHN_", u64::from(v as u32)));
        report(cx, &call, &service, &qos);
    }
}

/// Every value is known and none is `none`.
fn authenticated(values: &[RoleValue<'_>], none: u64) -> bool {
    !values.is_empty()
        && values
            .iter()
            .all(|rv| rv.value.known_ints().is_some_and(|vs| vs.iter().all(|(v, _)| u64::from(*v as u32) != none)))
}

/// The QOS values the call receives: parameters with the `qos` role, and
/// `qos` fields of structs passed by pointer, each with the name to show
/// and the position of the parameter.
fn qos_slots(kb: &Kb, call: &ApiCall<'_>) -> Vec<(Value, String, usize)> {
    let mut out = Vec::new();
    for (i, (param, value)) in call.api.params.iter().zip(&call.facts.args).enumerate() {
        if param.dir == Dir::Out {
            continue;
        }
        if param.role == Some(Role::Qos) {
            out.push((value.clone(), format!("`{}`", param.name), i));
            continue;
        }
        let Some(def) = param.struct_type.as_deref().and_then(|t| kb.struct_def(t)) else { continue };
        for f in def.fields.iter().filter(|f| f.role == Some(Role::Qos)) {
            // An unknown struct still has the slot: its value is unknown.
            let v = value.as_struct().map_or_else(Value::unknown, |st| st.field_named(&f.name));
            out.push((v, format!("`{}` of `{}`", f.name, param.name), i));
        }
    }
    out
}

fn qos_state<'a>(cx: &RuleCx<'a>, call: &ApiCall<'a>) -> Option<Qos> {
    let slots = qos_slots(cx.kb, call);
    if slots.is_empty() {
        return Some(Qos::NoSlot);
    }
    if let Some((v, param, index)) = slots.iter().find(|(v, _, _)| v.is_null_or_empty()) {
        let origin = v.atoms.iter().find_map(|(_, o)| *o);
        return Some(Qos::Null { param: param.clone(), origin, index: *index });
    }
    let bit = cx.kb.int("RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH")?;
    for rv in call.role_values(cx.kb, Role::QosCapabilities) {
        let Some(values) = rv.value.known_ints() else { continue };
        if let Some((v, origin)) = values.into_iter().find(|(v, _)| v & bit == 0) {
            let spelled = cx.const_name("RPC_C_QOS_CAPABILITIES_", u64::from(v as u32));
            let fix = cx.fix_add(call, Role::QosCapabilities, &rv, v, origin, Severity::Warning);
            let setting = Setting { spelled, describe: rv.describe(), origin, param: rv.index };
            return Some(Qos::Lacking(setting, fix));
        }
    }
    None
}

fn report(cx: &mut RuleCx<'_>, call: &ApiCall<'_>, service: &str, qos: &Qos) {
    let name = call.name();
    let outcome = "so mutual authentication is not requested and the server is never authenticated";
    let (message, origin, label, param) = match qos {
        Qos::NoSlot => (
            format!("`{name}` sets up `{service}` authentication without a security QOS, {outcome}"),
            None,
            String::new(),
            None,
        ),
        Qos::Null { param, origin, index } => (
            format!("`{name}` sets up `{service}` authentication with no security QOS ({param} is null), {outcome}"),
            *origin,
            "no QOS set here".to_string(),
            Some(*index),
        ),
        Qos::Lacking(s, _) => (
            format!(
                "{} passed to `{name}` is `{}`, without `RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH`: the server is never authenticated",
                s.describe, s.spelled
            ),
            s.origin,
            format!("`{}` set here", s.spelled),
            Some(s.param),
        ),
    };
    let cause = param.and_then(|i| cx.cause(call, i, origin));
    let mut d = cx.diagnostic(call, Severity::Warning, message).at(cause).with_help(
        "pass an `RPC_SECURITY_QOS` whose `Capabilities` include `RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH` (the `Ex` form of the call takes one), with the principal name this client expects of the server",
    );
    d = d.label_at(origin, label);
    if let Qos::Lacking(_, fix) = qos {
        d = d.with_fix(fix.clone());
    }
    cx.push(d);
}
