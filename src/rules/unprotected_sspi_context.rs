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
//! other path unprotected). Silent on unknown flags and in any file that
//! signs or encrypts. Docs: `rules/unprotected-sspi-context.md`.

use super::{OriginLabels, Rule, RuleCx, query};
use crate::diagnostic::Severity;
use crate::kb::{Effect, Role};

pub(crate) static RULE: Rule = Rule {
    name: "unprotected-sspi-context",
    default_severity: Severity::Warning,
    doc: include_str!("../../rules/unprotected-sspi-context.md"),
    check,
};

fn check(cx: &mut RuleCx<'_>) {
    if query::file_calls(cx.kb, cx.ir, &[Effect::Sign, Effect::Encrypt]) {
        return;
    }
    for call in cx.api_calls() {
        let Some(prefix) = call.api.flag_prefix.as_deref() else { continue };
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
        let mut d = cx.diagnostic(&call, Severity::Warning, message).with_help(format!(
            "add `{prefix}_REQ_CONFIDENTIALITY | {prefix}_REQ_INTEGRITY` to `{param}` and protect every message with `EncryptMessage` (or at least `MakeSignature`)"
        ));
        d = d.label_at(origin, "request flags set here");
        cx.push(d);
    }
}
