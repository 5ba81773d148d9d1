//! `ntlm-mutual-auth`: mutual authentication is asked of NTLM, which cannot
//! authenticate the server (and, over RPC, reports that it did).
//!
//! Fires when a call asks for mutual authentication (`RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH`
//! in an RPC QOS, or `EOAC_MUTUAL_AUTH` next to a COM blanket's own service)
//! and a known authentication service of the same call is `RPC_C_AUTHN_WINNT`,
//! or `RPC_C_AUTHN_DEFAULT` on `RpcBindingSetAuthInfo[Ex]`, where the runtime
//! maps it to `RPC_C_AUTHN_WINNT`. Also when a client SSPI context call asks
//! for `ISC_REQ_MUTUAL_AUTH` with a credential handle filled, in the same
//! function, by `AcquireCredentialsHandle` for the `"NTLM"` package (any case).
//! Silent on unknown values, with level `RPC_C_AUTHN_LEVEL_NONE`, and when the binding is known to use `ncalrpc`,
//! where NTLM does authenticate the server given an SPN. Docs: `rules/ntlm-mutual-auth.md`.

use super::mutual::{self, NtlmMutual};
use super::{ApiCall, OriginLabels, Precision, Rule, RuleCx, handshake};
use crate::diagnostic::{Diagnostic, Severity};
use crate::kb::{Read, Role};

pub(crate) static RULE: Rule = Rule {
    name: "ntlm-mutual-auth",
    default_severity: Severity::Error,
    precision: Precision::High,
    reads: &[Read::Role(Role::Context), Read::Role(Role::ContextAttrs), Read::All(super::mutual::READS)],
    doc: include_str!("../../rules/ntlm-mutual-auth.md"),
    check,
};

fn check(cx: &mut RuleCx<'_>) {
    let calls = cx.api_calls();
    let mut found = Vec::new();
    for (i, call) in calls.iter().enumerate() {
        let Some(what) = mutual::ntlm_mutual(cx, call) else { continue };
        found.push((i, report(cx, call, &what)));
    }
    // An SSPI handshake is one finding (`handshake.rs`).
    for d in handshake::one_per_handshake(&calls, &handshake::handshakes(&calls), found) {
        cx.push(d);
    }
}

fn report(cx: &RuleCx<'_>, call: &ApiCall<'_>, found: &NtlmMutual) -> Diagnostic {
    let name = call.name();
    match found {
        NtlmMutual::Service { request, service, com } => {
            let via_default = service.via_default;
            let service = &service.setting;
            let ntlm = if via_default {
                format!("`{}` as {}, which means `RPC_C_AUTHN_WINNT` (NTLM) here", service.spelled, service.describe)
            } else {
                format!("`{}` (NTLM) as {}", service.spelled, service.describe)
            };
            let outcome = if *com {
                "NTLM cannot authenticate the server, and COM ignores `EOAC_MUTUAL_AUTH`"
            } else {
                "NTLM cannot authenticate the server, yet reports mutual authentication as done"
            };
            let message = format!(
                "`{name}` asks for mutual authentication (`{}` in {}) with {ntlm}: {outcome}",
                request.spelled, request.describe
            );
            // At the service: NTLM is the cause, the request only its premise.
            let cause = cx.cause(call, service.param, service.origin);
            let mut d = cx.diagnostic(call, Severity::Error, message).at(cause).with_help(
                "choose `RPC_C_AUTHN_GSS_KERBEROS` or `RPC_C_AUTHN_GSS_NEGOTIATE` and pass the principal name this client expects of the server",
            );
            d = d.set_here(service.origin, &service.spelled);
            d = d.label_at(request.origin, "mutual authentication requested here");
            d
        }
        NtlmMutual::Sspi { request, acquired_by } => {
            let source = call.func.calls.get(acquired_by.index());
            let acquirer = source.map_or_else(String::new, |c| format!(" by `{}`", c.callee));
            let message = format!(
                "`{name}` asks for mutual authentication (`{}` in {}) on credentials acquired{acquirer} for the `NTLM` package, which cannot authenticate the server",
                request.spelled, request.describe
            );
            // At the credentials: they carry the NTLM package.
            let cause = cx.cause_of(call, Role::Credential, None);
            let mut d = cx.diagnostic(call, Severity::Error, message).at(cause).with_help(
                "acquire the credentials for `Negotiate` (`NEGOSSP_NAME`) or `Kerberos` and pass the server's SPN as the target name",
            );
            if let Some(c) = source {
                d = d.with_label(cx.file, c.span, "NTLM credentials acquired here");
            }
            d = d.label_at(request.origin, "mutual authentication requested here");
            d
        }
    }
}
