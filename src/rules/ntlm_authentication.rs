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
//! proxy is known to be local (WMI opened on a namespace of this machine, in
//! the same function or by every write of the member it is read from),
//! or the server's program listens only on `ncalrpc` ([`server_is_local`]).
//! Docs: `rules/ntlm-authentication.md`.

use super::{ApiCall, OriginLabels, Precision, Rule, RuleCx, local_proxy, mutual, premise, query};
use crate::diagnostic::Severity;
use crate::kb::{Read, Role, SetKind};
use crate::resolve::servers::Protseq;

pub(crate) static RULE: Rule = Rule {
    name: "ntlm-authentication",
    default_severity: Severity::Warning,
    precision: Precision::Low,
    reads: &[
        Read::Role(Role::AuthnService),
        Read::Role(Role::Package),
        Read::Role(Role::Protseq),
        Read::Set(SetKind::ServerTransport),
        Read::Set(SetKind::ServerAuthn),
        Read::Role(Role::Proxy),
        Read::Role(Role::WmiNamespace),
        Read::Threads,
        Read::All(super::mutual::READS),
    ],
    doc: include_str!("../../rules/ntlm-authentication.md"),
    check,
};

fn check(cx: &mut RuleCx<'_>) {
    for call in cx.api_calls() {
        let Some(found) = mutual::ntlm_service(cx, &call, false) else { continue };
        // NTLM to a local proxy (WMI on this machine) authenticates nothing over a network.
        if query::binding_is_ncalrpc(cx.kb, &call)
            || query::proxy_is_local(cx.kb, &call)
            || local_proxy::proxy_member_is_local(cx, &call)
            || local_proxy::proxy_opened_on_callers_namespace(cx, &call)
            || server_is_local(cx, &call)
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

/// Whether `call` registers a server's authentication services in a program
/// whose RPC server listens only on `ncalrpc`: every `server-transport`
/// call of the program (the files near this one) names it, and there is at
/// least one. In this file the resolver's value of each such call answers
/// (a call through the tree's own wrapper too); elsewhere, how the call
/// spells it ([`crate::resolve::servers`]). A call listening on every
/// protocol sequence, or on one that cannot be told, keeps the finding.
fn server_is_local(cx: &RuleCx<'_>, call: &ApiCall<'_>) -> bool {
    if !cx.kb.api_in_set(SetKind::ServerAuthn, call.api) {
        return false;
    }
    let local = cx.kb.tables.transport.local_protseq.as_str();
    let here: Vec<ApiCall<'_>> =
        cx.api_calls().into_iter().filter(|c| cx.kb.api_in_set(SetKind::ServerTransport, c.api)).collect();
    // The resolver's answer for a call of this file: every value it may
    // take is local; or, for a field of the file's own struct the function
    // does not write (`rcvargs->protocolSequence`), every string the file
    // writes to it (`resolve/fields.rs`): a premise, so every write counts.
    let all_local = |s: &[(String, Option<crate::resolve::Origin>)]| {
        !s.is_empty() && s.iter().all(|(p, _)| p.eq_ignore_ascii_case(local))
    };
    let resolved = |c: &ApiCall<'_>| premise::premise_strs(cx, c, Role::Protseq).is_some_and(|s| all_local(&s));
    let mut any = false;
    for l in cx.project.listeners_near(cx.file) {
        any = true;
        let reached = if l.file == cx.file { here.iter().find(|c| c.call.span == l.span) } else { None };
        let is_local = match reached {
            Some(c) => resolved(c),
            None => match &l.protseq {
                Protseq::Known(p) => p.eq_ignore_ascii_case(local),
                _ => {
                    l.field.as_deref().and_then(|n| cx.project.fields.strings(l.file, n)).is_some_and(|s| all_local(&s))
                }
            },
        };
        if !is_local {
            return false;
        }
    }
    // Calls of this file through a wrapper of the tree (a summary) listen too.
    for c in here.iter().filter(|c| !c.facts.via.is_empty()) {
        any = true;
        if !resolved(c) {
            return false;
        }
    }
    any
}
