//! `unchecked-security-setup`: the status of a call that sets security is
//! discarded, so a failure leaves the default, weaker settings in force.
//!
//! Fires on every call of an API of the `security-setup` set of
//! `rules/api.toml` (`CoInitializeSecurity`, `CoSetProxyBlanket`,
//! `IClientSecurity::SetBlanket`, `RpcBindingSetAuthInfo[Ex]`,
//! `RpcServerRegisterAuthInfo`) when nothing in the function tests its
//! status (a condition, a comparison, `FAILED()`, `?`, `.unwrap()`; comparing
//! `CoInitializeSecurity`'s status with `RPC_E_TOO_LATE` is a test) and
//! nothing hands it on (returned, passed to a function, stored in a field).
//! A wrapper that returns the status hands it on; whether its callers
//! discard it needs the cross-function summaries (FIXME(#13)).
//! Docs: `rules/unchecked-security-setup.md`.

use super::{Precision, Rule, RuleCx, unchecked_status};
use crate::diagnostic::Severity;
use crate::kb::{Read, SetKind};

pub(crate) static RULE: Rule = Rule {
    name: "unchecked-security-setup",
    default_severity: Severity::Warning,
    precision: Precision::Low,
    reads: &[Read::Set(SetKind::SecuritySetup)],
    doc: include_str!("../../rules/unchecked-security-setup.md"),
    check,
};

fn check(cx: &mut RuleCx<'_>) {
    for call in cx.api_calls() {
        if !cx.kb.api_in_set(SetKind::SecuritySetup, call.api) {
            continue;
        }
        let Some(how) = unchecked_status::untested(cx.kb, &call) else { continue };
        let message = format!(
            "the status of `{}` is {how}: if the call fails, the default, weaker security settings stay in force",
            call.name()
        );
        let help = unchecked_status::help(&call, "do not go on (make no call, accept none)");
        let d = cx.diagnostic(&call, Severity::Warning, message).with_help(help);
        cx.push(d);
    }
}
