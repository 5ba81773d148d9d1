//! `unchecked-impersonation`: the status of an impersonation call is
//! discarded or never tested.
//!
//! Fires on every call of an API with the `impersonate` effect that returns
//! a status (`RpcImpersonateClient`, `CoImpersonateClient`,
//! `IServerSecurity::ImpersonateClient`, `ImpersonateNamedPipeClient`, ...)
//! when nothing in the function tests that status (a condition, a
//! comparison, `switch`/`match`, `FAILED()`, `?`, `.is_err()`, `.unwrap()`)
//! and nothing hands it on (returned, passed to another function).
//! Silent on `SetThreadToken(NULL, NULL)`, which ends an impersonation
//! rather than starting one. Docs: `rules/unchecked-impersonation.md`.

use super::{Precision, Rule, RuleCx, query, unchecked_status};
use crate::diagnostic::Severity;
use crate::kb::{Effect, Read, Role};

pub(crate) static RULE: Rule = Rule {
    name: "unchecked-impersonation",
    default_severity: Severity::Error,
    precision: Precision::Low,
    reads: &[Read::Effect(Effect::Impersonate), Read::Role(Role::Token)],
    doc: include_str!("../../rules/unchecked-impersonation.md"),
    check,
};

fn check(cx: &mut RuleCx<'_>) {
    for call in cx.api_calls() {
        if !query::starts_impersonation(&call) {
            continue;
        }
        let Some(how) = unchecked_status::untested(cx.kb, &call) else { continue };
        let message = format!(
            "the status of `{}` is {how}: if the impersonation fails, the code goes on with the server's own identity",
            call.name()
        );
        let d = cx.diagnostic(&call, Severity::Error, message).with_help(unchecked_status::help(&call, "do not go on"));
        cx.push(d);
    }
}
