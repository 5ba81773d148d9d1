//! `mutual-auth-without-principal`: mutual authentication is asked for, but
//! the client names no server principal to authenticate the server against.
//!
//! RPC: a known `qos-capabilities` value (the QOS `Capabilities`) with
//! `RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH` on some path, while every
//! `server-principal` value of the call is null, `None`, `0` or an empty
//! string (or the call has none), and no `RPC_SECURITY_QOS_V3`+ `Sid` names
//! the server instead (one not known to be null). COM (calls with direct `server-principal`
//! and `capabilities` inputs: `CoSetProxyBlanket`, `IClientSecurity::SetBlanket`):
//! the principal is null/empty while the capabilities hold `EOAC_MUTUAL_AUTH`
//! or the service is `RPC_C_AUTHN_GSS_KERBEROS`. `COLE_DEFAULT_PRINCIPAL`
//! (-1) is not null. Silent on unknown values and when authentication is off
//! (service `RPC_C_AUTHN_NONE` or level `RPC_C_AUTHN_LEVEL_NONE`). Docs: `rules/mutual-auth-without-principal.md`.

use super::mutual::{self, Setting};
use super::{ApiCall, OriginLabels, Precision, Rule, RuleCx};
use crate::diagnostic::Severity;
use crate::kb::{Read, Role};
use crate::resolve::Origin;

pub(crate) static RULE: Rule = Rule {
    name: "mutual-auth-without-principal",
    default_severity: Severity::Error,
    precision: Precision::High,
    reads: &[Read::Role(Role::ServerPrincipal), Read::Role(Role::ServerSid), Read::All(super::mutual::READS)],
    doc: include_str!("../../rules/mutual-auth-without-principal.md"),
    check,
};

/// What asked for mutual authentication.
enum Request {
    /// `RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH` in an RPC QOS.
    Qos(Setting),
    /// `EOAC_MUTUAL_AUTH` in a COM blanket.
    Eoac(Setting),
    /// `RPC_C_AUTHN_GSS_KERBEROS` chosen for a COM blanket.
    Kerberos(Setting),
}

fn check(cx: &mut RuleCx<'_>) {
    for call in cx.api_calls() {
        if mutual::authentication_off(cx.kb, &call) {
            continue;
        }
        let com = mutual::direct_in(&call, Role::ServerPrincipal).is_some()
            && mutual::direct_in(&call, Role::Capabilities).is_some();
        let request = if com {
            mutual::eoac_mutual(cx, &call).map(Request::Eoac).or_else(|| kerberos(cx, &call).map(Request::Kerberos))
        } else {
            mutual::qos_mutual(cx, &call).map(Request::Qos)
        };
        let Some(request) = request else { continue };
        let Some(missing) = missing_principal(cx, &call) else { continue };
        report(cx, &call, &request, &missing);
    }
}

/// The principal the call passes, when it is known to be none at all.
struct Missing {
    describe: String,
    what: &'static str,
    origin: Option<Origin>,
    /// The parameter whose argument passes it.
    param: usize,
}

fn missing_principal(cx: &RuleCx<'_>, call: &ApiCall<'_>) -> Option<Missing> {
    let values = call.role_values(cx.kb, Role::ServerPrincipal);
    // A field nobody wrote in a zeroed struct is 0: absent, and null here.
    if values.is_empty() || !values.iter().all(|rv| rv.value.is_null_or_empty()) {
        return None;
    }
    // A version 3+ QOS may name the server by SID instead (ncalrpc checks the
    // server's token against it): a SID not known to be null is a name.
    if call.role_values(cx.kb, Role::ServerSid).iter().any(|rv| !rv.value.is_null_or_empty()) {
        return None;
    }
    let rv = values.first()?;
    let origin = rv.value.atoms.iter().find_map(|(_, o)| *o);
    Some(Missing { describe: rv.describe(), what: mutual::describe_missing(&rv.value), origin, param: rv.index })
}

/// `RPC_C_AUTHN_GSS_KERBEROS` as the service of a COM blanket.
fn kerberos(cx: &RuleCx<'_>, call: &ApiCall<'_>) -> Option<Setting> {
    let kerberos = cx.kb.int("RPC_C_AUTHN_GSS_KERBEROS")?;
    let (value, name) = mutual::direct_in(call, Role::AuthnService)?;
    let values = value.known_ints()?;
    let (_, origin) = values.into_iter().find(|(v, _)| u64::from(*v as u32) == kerberos)?;
    let param = call.api.param_with(Role::AuthnService)?;
    Some(Setting { spelled: cx.const_name("RPC_C_AUTHN_", kerberos), describe: format!("`{name}`"), origin, param })
}

fn report(cx: &mut RuleCx<'_>, call: &ApiCall<'_>, request: &Request, missing: &Missing) {
    let name = call.name();
    let principal = format!("no server principal name ({} is {})", missing.describe, missing.what);
    let (message, help, asked) = match request {
        Request::Qos(s) => (
            format!(
                "`{name}` asks for mutual authentication (`{}` in {}) but passes {principal}: the server is not authenticated against any name",
                s.spelled, s.describe
            ),
            "pass the principal name this client expects of the server (e.g. `L\"host/server.example.com\"`) as the server principal name",
            s,
        ),
        Request::Eoac(s) => (
            format!(
                "`{name}` asks for mutual authentication (`{}` in {}) but passes {principal}: COM ignores `EOAC_MUTUAL_AUTH`; the server is authenticated only by Kerberos (or Negotiate picking Kerberos) against a principal name the client supplies",
                s.spelled, s.describe
            ),
            "pass the server's principal name (e.g. `L\"host/server.example.com\"`) as `pServerPrincName`, with `RPC_C_AUTHN_GSS_KERBEROS` or `RPC_C_AUTHN_GSS_NEGOTIATE`",
            s,
        ),
        Request::Kerberos(s) => (
            format!(
                "`{name}` chooses `{}` as {} but passes {principal}: the server is authenticated only by Kerberos (or Negotiate picking Kerberos) against a principal name the client supplies, and COM ignores `EOAC_MUTUAL_AUTH`",
                s.spelled, s.describe
            ),
            "pass the server's principal name (e.g. `L\"host/server.example.com\"`) as `pServerPrincName`",
            s,
        ),
    };
    // At the argument that passes no principal: that is what to change.
    let cause = cx.cause(call, missing.param, missing.origin);
    let mut d = cx.diagnostic(call, Severity::Error, message).at(cause).with_help(help);
    d = d.label_at(missing.origin, "no server principal name set here");
    let what = match request {
        Request::Kerberos(_) => "Kerberos chosen here",
        _ => "mutual authentication requested here",
    };
    d = d.label_at(asked.origin, what);
    cx.push(d);
}
