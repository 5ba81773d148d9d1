//! `unverified-server-principal`: the name the server reported for itself is
//! used, unchecked, as the principal to authenticate it against.
//!
//! A taint analysis within one function: the source is the out-parameter of
//! an API with the `inquire-principal` effect (`RpcMgmtInqServerPrincName`);
//! copies keep the mark; a comparison against something that is not null
//! (`wcscmp`, `==`, `.eq()`, an allow-list lookup, a configured verifier) on
//! the way sanitises it; the sink is the `server-principal` argument of a
//! call that sets up client authentication (it also takes an `authn-level`:
//! `RpcBindingSetAuthInfo[Ex]`, `CoSetProxyBlanket`, `IClientSecurity::SetBlanket`).
//! Docs: `rules/unverified-server-principal.md`.

use super::{OriginLabels, Precision, Rule, RuleCx, query};
use crate::diagnostic::Severity;
use crate::kb::{Dir, Effect, Read, Role};

pub(crate) static RULE: Rule = Rule {
    name: "unverified-server-principal",
    default_severity: Severity::Error,
    precision: Precision::High,
    reads: &[Read::Effect(Effect::InquirePrincipal), Read::Role(Role::ServerPrincipal), Read::Role(Role::AuthnLevel)],
    doc: include_str!("../../rules/unverified-server-principal.md"),
    check,
};

fn check(cx: &mut RuleCx<'_>) {
    for call in cx.api_calls() {
        let Some(idx) = call.api.param_with(Role::ServerPrincipal) else { continue };
        let is_sink = call.api.params.get(idx).is_some_and(|p| p.dir == Dir::In)
            && call.api.param_with(Role::AuthnLevel).is_some();
        if !is_sink {
            continue;
        }
        let Some(principal) = call.facts.args.get(idx) else { continue };
        let tainted = principal.marks().find(|(m, _)| {
            let from_inquiry = query::mark_source(cx.kb, call.fn_facts, *m)
                .is_some_and(|(role, api)| role == Role::ServerPrincipal && api.effect == Effect::InquirePrincipal);
            from_inquiry && !call.facts.tested(*m).compared
        });
        let Some((mark, origin)) = tainted else { continue };
        let source = call.func.calls.get(mark.call.index()).map(|c| c.callee.as_str()).unwrap_or("the server");
        let message = format!(
            "`{}` authenticates the server against the principal name the server reported itself through `{source}`, which was never compared with a name this client trusts",
            call.name()
        );
        let mut d = cx.diagnostic(&call, Severity::Error, message).at(cx.cause(&call, idx, origin)).with_help(
            "pass the server principal name this client expects (e.g. `L\"host/server.example.com\"`), or compare the reported name with it (`wcscmp`, `CompareStringOrdinal`, `==`) before using it",
        );
        d = d.label_at(origin, "server principal name obtained from the server here");
        cx.push(d);
    }
}
