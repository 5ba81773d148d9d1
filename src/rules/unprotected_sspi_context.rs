//! `unprotected-sspi-context`: an SSPI context asks for mutual authentication
//! and then nothing protects the messages it carries.
//!
//! Fires on a call whose API has a `context-req` parameter (its `flag-prefix`
//! says `ISC` or `ASC`: the two families differ in value) when a known value of
//! the request flags has `<prefix>_REQ_MUTUAL_AUTH` but neither
//! `<prefix>_REQ_INTEGRITY` nor `<prefix>_REQ_CONFIDENTIALITY`, and the file
//! never calls an API that signs or encrypts a message (`effect = "sign"` /
//! `"encrypt"`, also through a function table). A value known on some path
//! is enough (`flags |= ISC_REQ_CONFIDENTIALITY` under a condition leaves the
//! other path unprotected). Silent on unknown flags, in any file that
//! signs or encrypts, and for a call whose function encodes or decodes the
//! token as text (a `token-text` helper: base64 for an HTTP `Negotiate`
//! header, RFC 4559, or a SASL exchange), where the context authenticates
//! and TLS, not the context, protects the traffic.
//! Docs: `rules/unprotected-sspi-context.md`.

use super::{OriginLabels, Precision, Rule, RuleCx, handshake, query};
use crate::diagnostic::Severity;
use crate::kb::{Effect, Read, Role};

pub(crate) static RULE: Rule = Rule {
    name: "unprotected-sspi-context",
    default_severity: Severity::Warning,
    precision: Precision::High,
    reads: &[
        Read::Role(Role::ContextReq),
        Read::Role(Role::ContextAttrs),
        Read::Role(Role::Context),
        Read::Effect(Effect::Sign),
        Read::Effect(Effect::Encrypt),
    ],
    doc: include_str!("../../rules/unprotected-sspi-context.md"),
    check,
};

fn check(cx: &mut RuleCx<'_>) {
    if query::file_calls(cx.kb, cx.ir, &[Effect::Sign, Effect::Encrypt]) {
        return;
    }
    let calls = cx.api_calls();
    let mut found = Vec::new();
    for (i, call) in calls.iter().enumerate() {
        let Some(prefix) = call.api.flag_prefix.as_deref() else { continue };
        // The token travels as text in an authentication header (HTTP
        // Negotiate, SASL): the context only authenticates, by design.
        if query::exchanges_token_as_text(cx.kb, call.func) {
            continue;
        }
        let flag = |name: &str| cx.kb.int(&format!("{prefix}_REQ_{name}"));
        let (Some(mutual), Some(integrity), Some(confidentiality)) =
            (flag("MUTUAL_AUTH"), flag("INTEGRITY"), flag("CONFIDENTIALITY"))
        else {
            continue;
        };
        let Some(values) = call.arg(Role::ContextReq).and_then(|v| v.known_ints()) else { continue };
        let unprotected = values.into_iter().find(|(v, _)| v & mutual != 0 && v & (integrity | confidentiality) == 0);
        let Some((_, origin)) = unprotected else { continue };
        let param = call.api.params.iter().find(|p| p.role == Some(Role::ContextReq)).map_or("", |p| p.name.as_str());
        let message = format!(
            "`{}` requests mutual authentication (`{prefix}_REQ_MUTUAL_AUTH` in `{param}`) but neither `{prefix}_REQ_INTEGRITY` nor `{prefix}_REQ_CONFIDENTIALITY`, and this file never signs or encrypts a message: the peer is authenticated once, then the traffic is unprotected",
            call.name()
        );
        let cause = cx.cause_of(call, Role::ContextReq, origin);
        let mut d = cx.diagnostic(call, Severity::Warning, message).at(cause).with_help(format!(
            "add `{prefix}_REQ_CONFIDENTIALITY | {prefix}_REQ_INTEGRITY` to `{param}` and protect every message with `EncryptMessage` (or at least `MakeSignature`)"
        ));
        d = d.label_at(origin, "request flags set here");
        found.push((i, d));
    }
    // A handshake (a first call, then more in its loop) is one finding.
    for d in handshake::one_per_handshake(&calls, &handshake::handshakes(&calls), found) {
        cx.push(d);
    }
}
