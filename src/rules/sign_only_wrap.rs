//! `sign-only-wrap`: a message "encrypted" with a quality of protection that
//! only signs it.
//!
//! Fires on a call of an API with `effect = "encrypt"` whose `qop` argument
//! is known and has the bits of `SECQOP_WRAP_NO_ENCRYPT` (0x80000001, also
//! spelled `KERB_WRAP_NO_ENCRYPT`), alone or with other flags such as
//! `SECQOP_WRAP_OOB_DATA`: the package produces a header or trailer but sends
//! the payload in clear text. Silent on unknown values.
//! Docs: `rules/sign-only-wrap.md`.

use super::{OriginLabels, Rule, RuleCx};
use crate::diagnostic::Severity;
use crate::kb::{Effect, Role};

pub(crate) static RULE: Rule = Rule {
    name: "sign-only-wrap",
    default_severity: Severity::Warning,
    doc: include_str!("../../rules/sign-only-wrap.md"),
    check,
};

fn check(cx: &mut RuleCx<'_>) {
    let Some(no_encrypt) = cx.kb.int("SECQOP_WRAP_NO_ENCRYPT") else { return };
    // `fQOP` is an `unsigned long`: compare the low 32 bits, so that a
    // sign-extended spelling (`(ULONG)-2147483647`) is the same value.
    let mask = u64::from(no_encrypt as u32);
    for call in cx.api_calls() {
        if call.api.effect != Effect::Encrypt {
            continue;
        }
        let Some(values) = call.arg(Role::Qop).and_then(|v| v.known_ints()) else { continue };
        let Some((_, origin)) = values.into_iter().find(|(v, _)| u64::from(*v as u32) & mask == mask) else {
            continue;
        };
        let param = call.api.params.iter().find(|p| p.role == Some(Role::Qop)).map_or("", |p| p.name.as_str());
        let message = format!(
            "`{}` only signs this message: `{param}` is `SECQOP_WRAP_NO_ENCRYPT`, so the payload travels in clear text",
            call.name()
        );
        let mut d = cx
            .diagnostic(&call, Severity::Warning, message)
            .with_help(format!("pass 0 as `{param}` so that the message is encrypted"));
        d = d.set_here(origin, "SECQOP_WRAP_NO_ENCRYPT");
        cx.push(d);
    }
}
