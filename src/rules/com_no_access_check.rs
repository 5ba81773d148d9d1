//! `com-no-access-check`: process-wide COM security that checks no caller,
//! in a program that serves COM class objects.
//!
//! Looks at calls that set a process's COM security: an input
//! `security-descriptor` together with `capabilities` (`CoInitializeSecurity`).
//! It fires when the security descriptor is known to be `NULL`/`None`/`0`,
//! the program registers class objects (a file in the same directory or
//! below calls an API with the `register-class-object` effect,
//! `CoRegisterClassObject`: a scanned tree may hold several programs), and either
//! - the capabilities are known and contain neither `EOAC_APPID` nor
//!   `EOAC_ACCESS_CONTROL` (with those, the access check comes from the
//!   AppID's registry settings or from an `IAccessControl` object), or
//! - the capabilities are not known but the authentication level is known to
//!   be `RPC_C_AUTHN_LEVEL_NONE` (no caller is even authenticated).
//!
//! A client that registers no class objects has nothing to protect this
//! way, so it stays silent, as do unknown descriptors, and so does a call
//! whose function runs every registrar near it only on paths apart from
//! the call (another mode of the program, which returns before the call).
//! Docs: `rules/com-no-access-check.md`.

use super::{ApiCall, OriginLabels, Precision, Rule, RuleCx, query};
use crate::diagnostic::Severity;
use crate::ir::unqualified;
use crate::kb::{Dir, Effect, Read, Role};
use crate::resolve::Origin;
use crate::resolve::order::CallOrder;

pub(crate) static RULE: Rule = Rule {
    name: "com-no-access-check",
    default_severity: Severity::Warning,
    precision: Precision::High,
    reads: &[
        Read::Role(Role::SecurityDescriptor),
        Read::Role(Role::Capabilities),
        Read::Role(Role::AuthnLevel),
        Read::Effect(Effect::RegisterClassObject),
    ],
    doc: include_str!("../../rules/com-no-access-check.md"),
    check,
};

/// Why no access check is made.
enum Open {
    /// Capabilities without `EOAC_APPID` / `EOAC_ACCESS_CONTROL`.
    Capabilities(u64, Option<Origin>),
    /// `RPC_C_AUTHN_LEVEL_NONE`, capabilities unknown.
    LevelNone(u64, Option<Origin>),
}

fn check(cx: &mut RuleCx<'_>) {
    if !cx.project.calls_near(Effect::RegisterClassObject, cx.file) {
        return;
    }
    let (Some(appid), Some(access_control), Some(level_none)) =
        (cx.kb.int("EOAC_APPID"), cx.kb.int("EOAC_ACCESS_CONTROL"), cx.kb.int("RPC_C_AUTHN_LEVEL_NONE"))
    else {
        return;
    };
    let checked_by = appid | access_control;
    for call in cx.api_calls() {
        if !takes_input(&call, Role::SecurityDescriptor)
            || !takes_input(&call, Role::Capabilities)
            || query::in_api_definition(cx.kb, &call)
        {
            continue;
        }
        let Some(sd) = call.arg(Role::SecurityDescriptor) else { continue };
        if !sd.is_null_or_empty() {
            continue;
        }
        let open = match call.arg(Role::Capabilities).and_then(|v| v.known_ints()) {
            Some(caps) => {
                let Some((c, o)) = caps.into_iter().find(|(c, _)| c & checked_by == 0) else { continue };
                Open::Capabilities(c, o)
            }
            None => {
                let levels = call.arg(Role::AuthnLevel).and_then(|v| v.known_ints());
                let Some(levels) = levels else { continue };
                if !levels.iter().all(|(l, _)| u64::from(*l as u32) == level_none) {
                    continue;
                }
                Open::LevelNone(level_none, levels.first().and_then(|(_, o)| *o))
            }
        };
        if registers_only_in_another_mode(cx, &call) {
            continue;
        }
        report(cx, &call, &open);
    }
}

/// Whether every function near this file that registers class objects is
/// one the call's own function runs only on paths apart from the call: a
/// mode of the program that returns before the call is reached, or that
/// starts where the call was not (`if (server_mode) { RunServer(); return; }
/// CoInitializeSecurity(NULL, ...)`). The process that makes this call
/// then registers nothing. A registrar the function does not call, or
/// calls on a path through the call, counts.
fn registers_only_in_another_mode(cx: &RuleCx<'_>, call: &ApiCall<'_>) -> bool {
    let registrars = cx.project.class_registrars_near(cx.file);
    if registrars.is_empty() {
        return false;
    }
    let func = call.func;
    let order = CallOrder::new(func);
    registrars.iter().all(|name| {
        if name.is_empty() || *name == func.name {
            return false;
        }
        let mut sites = func.call_ids().zip(&func.calls).filter(|(_, c)| unqualified(&c.callee) == *name);
        let mut any = false;
        let apart = sites.all(|(site, _)| {
            any = true;
            !order.can_follow(site, call.id) && !order.can_follow(call.id, site)
        });
        any && apart
    })
}

fn takes_input(call: &ApiCall<'_>, role: Role) -> bool {
    call.api.params.iter().any(|p| p.role == Some(role) && p.dir == Dir::In)
}

fn report(cx: &mut RuleCx<'_>, call: &ApiCall<'_>, open: &Open) {
    let sd = call.api.param_with(Role::SecurityDescriptor).and_then(|i| call.api.params.get(i));
    let sd = sd.map_or("the security descriptor", |p| p.name.as_str());
    let registers = cx
        .kb
        .apis
        .iter()
        .find(|a| a.effect == Effect::RegisterClassObject)
        .map_or_else(|| "registers class objects".to_string(), |a| format!("calls `{}`", a.display()));
    // At the capabilities (or the level) that leave the check out.
    let (why, label, role) = match open {
        Open::Capabilities(c, o) => {
            let names = if *c == 0 { cx.const_name("EOAC_", 0) } else { query::flag_names(cx.kb, "EOAC_", *c) };
            (
                format!("capabilities `{names}` without `EOAC_APPID` or `EOAC_ACCESS_CONTROL`"),
                (*o, names),
                Role::Capabilities,
            )
        }
        Open::LevelNone(level, o) => {
            let name = cx.const_name("RPC_C_AUTHN_LEVEL_", *level);
            (format!("`{name}`"), (*o, name), Role::AuthnLevel)
        }
    };
    let message = format!(
        "`{}` with a NULL `{sd}` and {why} makes no access check: any caller, anonymous ones included, can use the class objects this program registers (it {registers})",
        call.name()
    );
    let help = "pass a security descriptor that grants access only to the callers that need it, or `EOAC_APPID` with an AppID whose registry settings say who may call";
    let (origin, name) = label;
    let mut d = cx.diagnostic(call, Severity::Warning, message).at(cx.cause_of(call, role, origin)).with_help(help);
    d = d.set_here(origin, &name);
    cx.push(d);
}
