//! `missing-integrity`: an authentication level below `PKT_INTEGRITY`.
//!
//! Fires on every value with the `authn-level` role (a parameter, or a field
//! of a struct passed by pointer) that is known and below
//! `RPC_C_AUTHN_LEVEL_PKT_INTEGRITY`: an error for `NONE`..`PKT`, a warning
//! for `DEFAULT`. Silent on unknown values and when the binding is known to
//! use `ncalrpc`, which always runs at privacy. Docs: `rules/missing-integrity.md`.

use super::{OriginLabels, Precision, RoleValue, Rule, RuleCx, query};
use crate::diagnostic::Severity;
use crate::kb::{Read, Role};

pub(crate) static RULE: Rule = Rule {
    name: "missing-integrity",
    default_severity: Severity::Error,
    precision: Precision::Low,
    reads: &[Read::Role(Role::AuthnLevel), Read::All(super::query::BINDING_ORIGIN)],
    doc: include_str!("../../rules/missing-integrity.md"),
    check,
};

fn check(cx: &mut RuleCx<'_>) {
    let (Some(integrity), Some(default)) =
        (cx.kb.int("RPC_C_AUTHN_LEVEL_PKT_INTEGRITY"), cx.kb.int("RPC_C_AUTHN_LEVEL_DEFAULT"))
    else {
        return;
    };
    for call in cx.api_calls() {
        for rv in call.role_values(cx.kb, Role::AuthnLevel) {
            let Some(weak) = weak_level(&rv, integrity, default) else { continue };
            if query::binding_is_ncalrpc(cx.kb, &call) {
                break;
            }
            let (level, origin) = weak;
            let name = cx.const_name("RPC_C_AUTHN_LEVEL_", level);
            let (severity, message) = if level == default {
                let m = format!(
                    "authentication level `{name}` passed as {} to `{}` leaves the level to the transport, which is `RPC_C_AUTHN_LEVEL_CONNECT` for many: messages may go unsigned",
                    rv.describe(),
                    call.name()
                );
                (Severity::Warning, m)
            } else {
                let m = format!(
                    "authentication level `{name}` passed as {} to `{}` does not protect message integrity",
                    rv.describe(),
                    call.name()
                );
                (Severity::Error, m)
            };
            let fix = cx.fix_replace(&call, Role::AuthnLevel, &rv, level, origin, severity);
            let mut d = cx
                .diagnostic(&call, severity, message)
                .at(cx.cause(&call, rv.index, origin))
                .with_help("pass `RPC_C_AUTHN_LEVEL_PKT_PRIVACY`, so that every message is signed and encrypted")
                .with_fix(fix);
            d = d.set_here(origin, &name);
            cx.push(d);
            break;
        }
    }
}

/// The weakest level below `integrity` when the value is fully known:
/// a real level below `DEFAULT` ranks worse than `DEFAULT` itself.
fn weak_level(rv: &RoleValue<'_>, integrity: u64, default: u64) -> Option<(u64, Option<crate::resolve::Origin>)> {
    let levels = rv.value.known_ints()?;
    levels
        .into_iter()
        .map(|(v, o)| (u64::from(v as u32), o))
        .filter(|(v, _)| *v < integrity)
        .min_by_key(|(v, _)| (*v == default, *v))
}
