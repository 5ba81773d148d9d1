//! `sign-only-wrap`: a message "encrypted" with a quality of protection that
//! only signs it.
//!
//! Fires on a call of an API with `effect = "encrypt"` whose `qop` argument
//! is known and has the bits of `SECQOP_WRAP_NO_ENCRYPT` (0x80000001, also
//! spelled `KERB_WRAP_NO_ENCRYPT`), alone or with other flags such as
//! `SECQOP_WRAP_OOB_DATA`: the package produces a header or trailer but sends
//! the payload in clear text. Silent on unknown values, and in a function
//! that also unwraps a message: a negotiation step whose messages the
//! protocol wants sign-only (SOCKS GSS-API, RFC 1961; SASL GSSAPI, RFC 4752;
//! see [`query::in_sign_only_exchange`]).
//! Docs: `rules/sign-only-wrap.md`.

use super::{OriginLabels, Precision, Rule, RuleCx, query};
use crate::diagnostic::Severity;
use crate::kb::{Effect, Read, Role};

pub(crate) static RULE: Rule = Rule {
    name: "sign-only-wrap",
    default_severity: Severity::Warning,
    precision: Precision::Low,
    reads: &[Read::Role(Role::Qop), Read::Effect(Effect::Encrypt), Read::Effect(Effect::Decrypt)],
    doc: include_str!("../../rules/sign-only-wrap.md"),
    check,
};

fn check(cx: &mut RuleCx<'_>) {
    let calls = cx.api_calls();
    for call in &calls {
        let Some(origin) = query::wraps_sign_only(cx.kb, call) else { continue };
        // RFC 1961 / RFC 4752: the protocol wants this message sign-only.
        if query::in_sign_only_exchange(cx.kb, &calls, call) {
            continue;
        }
        let param = call.api.params.iter().find(|p| p.role == Some(Role::Qop)).map_or("", |p| p.name.as_str());
        let message = format!(
            "`{}` only signs this message: `{param}` is `SECQOP_WRAP_NO_ENCRYPT`, so the payload travels in clear text",
            call.name()
        );
        // The value the origin set, replaced by the knowledge base's `0`.
        let fix = call.role_values(cx.kb, Role::Qop).iter().find_map(|rv| {
            let values = rv.value.known_ints()?;
            values
                .into_iter()
                .filter(|(_, o)| *o == origin)
                .find_map(|(v, _)| cx.fix_replace(call, Role::Qop, rv, v, origin, Severity::Warning))
        });
        let mut d = cx
            .diagnostic(call, Severity::Warning, message)
            .at(cx.cause_of(call, Role::Qop, origin))
            .with_help(format!("pass 0 as `{param}` so that the message is encrypted"))
            .with_fix(fix);
        d = d.set_here(origin, "SECQOP_WRAP_NO_ENCRYPT");
        cx.push(d);
    }
}
