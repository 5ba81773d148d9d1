//! `missing-privacy`: an authentication level of exactly `PKT_INTEGRITY`.
//!
//! Fires when a known `authn-level` value is `RPC_C_AUTHN_LEVEL_PKT_INTEGRITY`:
//! messages are signed but not encrypted. Silent when the configuration sets
//! `minimum-authn-level = "pkt-integrity"` (integrity-only as an explicit
//! choice), on unknown values, and on `ncalrpc` bindings. Docs: `rules/missing-privacy.md`.

use super::{MinimumLevel, OriginLabels, Precision, Rule, RuleCx, query};
use crate::diagnostic::Severity;
use crate::kb::{Read, Role};

pub(crate) static RULE: Rule = Rule {
    name: "missing-privacy",
    default_severity: Severity::Warning,
    precision: Precision::High,
    reads: &[Read::Role(Role::AuthnLevel), Read::All(super::query::BINDING_ORIGIN)],
    doc: include_str!("../../rules/missing-privacy.md"),
    check,
};

fn check(cx: &mut RuleCx<'_>) {
    if cx.options.minimum_authn_level == MinimumLevel::PktIntegrity {
        return;
    }
    let Some(integrity) = cx.kb.int("RPC_C_AUTHN_LEVEL_PKT_INTEGRITY") else { return };
    for call in cx.api_calls() {
        for rv in call.role_values(cx.kb, Role::AuthnLevel) {
            let Some(levels) = rv.value.known_ints() else { continue };
            let Some((_, origin)) = levels.into_iter().find(|(v, _)| u64::from(*v as u32) == integrity) else {
                continue;
            };
            if query::binding_is_ncalrpc(cx.kb, &call) {
                break;
            }
            let message = format!(
                "authentication level `RPC_C_AUTHN_LEVEL_PKT_INTEGRITY` passed as {} to `{}` signs messages but does not encrypt them",
                rv.describe(),
                call.name()
            );
            let mut d = cx.diagnostic(&call, Severity::Warning, message).at(cx.cause(&call, rv.index, origin)).with_help(
                "pass `RPC_C_AUTHN_LEVEL_PKT_PRIVACY`; if integrity without privacy is a deliberate choice, set `minimum-authn-level = \"pkt-integrity\"` in rpclint.toml",
            );
            d = d.with_fix(cx.fix_replace(&call, Role::AuthnLevel, &rv, integrity, origin, Severity::Warning));
            d = d.set_here(origin, "RPC_C_AUTHN_LEVEL_PKT_INTEGRITY");
            cx.push(d);
            break;
        }
    }
}
