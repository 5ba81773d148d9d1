//! `ntlm-authentication`: NTLM chosen as the authentication service.
//!
//! Fires on every call whose known `authn-service` value (a parameter, or a
//! field of a struct passed by pointer, e.g. `SOLE_AUTHENTICATION_SERVICE.dwAuthnSvc`
//! given to `CoInitializeSecurity`) is `RPC_C_AUTHN_WINNT` on some path, or
//! `RPC_C_AUTHN_DEFAULT` on `RpcBindingSetAuthInfo[Ex]`, where the runtime
//! maps it to `RPC_C_AUTHN_WINNT`. Silent where `ntlm-mutual-auth` reports the
//! same call, on calls that only ask about a service (`RpcMgmtInqServerPrincName`)
//! or turn authentication off (level `RPC_C_AUTHN_LEVEL_NONE`),
//! on unknown values, when the binding is known to use `ncalrpc`, which
//! supports only NTLM and authenticates the server with it, and when the
//! proxy is known to be local (WMI opened on a namespace of this machine). Docs: `rules/ntlm-authentication.md`.

use super::{OriginLabels, Precision, Rule, RuleCx, mutual, query};
use crate::diagnostic::Severity;

pub(crate) static RULE: Rule = Rule {
    name: "ntlm-authentication",
    default_severity: Severity::Warning,
    precision: Precision::Low,
    doc: include_str!("../../rules/ntlm-authentication.md"),
    check,
};

fn check(cx: &mut RuleCx<'_>) {
    for call in cx.api_calls() {
        let Some(found) = mutual::ntlm_service(cx, &call, false) else { continue };
        // NTLM to a local proxy (WMI on this machine) authenticates nothing over a network.
        if query::binding_is_ncalrpc(cx.kb, &call)
            || query::proxy_is_local(cx.kb, &call)
            || mutual::ntlm_mutual(cx, &call).is_some()
        {
            continue;
        }
        let s = &found.setting;
        let chosen = if found.via_default {
            format!("`{}` passed as {} to `{}` selects `RPC_C_AUTHN_WINNT` (NTLM)", s.spelled, s.describe, call.name())
        } else {
            format!("`{}` (NTLM) passed as {} to `{}`", s.spelled, s.describe, call.name())
        };
        let message = format!("{chosen}, which cannot authenticate the server to the client");
        let mut d = cx.diagnostic(&call, Severity::Warning, message).at(cx.cause(&call, s.param, s.origin)).with_help(
            "choose `RPC_C_AUTHN_GSS_NEGOTIATE` or `RPC_C_AUTHN_GSS_KERBEROS`; a client also passes the principal name it expects of the server",
        );
        d = d.set_here(s.origin, &s.spelled);
        cx.push(d);
    }
}
