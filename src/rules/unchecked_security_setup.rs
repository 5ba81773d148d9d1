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

use super::{ApiCall, Precision, Rule, RuleCx, query, unchecked_impersonation};
use crate::diagnostic::Severity;
use crate::kb::{Returns, SetKind};
use crate::resolve::{Mark, Slot};

pub(crate) static RULE: Rule = Rule {
    name: "unchecked-security-setup",
    default_severity: Severity::Warning,
    precision: Precision::Low,
    doc: include_str!("../../rules/unchecked-security-setup.md"),
    check,
};

fn check(cx: &mut RuleCx<'_>) {
    for call in cx.api_calls() {
        if !cx.kb.api_in_set(SetKind::SecuritySetup, call.api)
            || !call.api.returns.is_status()
            || query::in_api_definition(cx.kb, &call)
        {
            continue;
        }
        let status = Mark { call: call.id, slot: Slot::Return };
        let tested = call.fn_facts.ever_tested.get(&status).copied().unwrap_or_default();
        if tested.checked || tested.passed {
            continue;
        }
        let how = if unchecked_impersonation::is_discarded(cx.kb, &call) { "discarded" } else { "never tested" };
        let message = format!(
            "the status of `{}` is {how}: if the call fails, the default, weaker security settings stay in force",
            call.name()
        );
        let d = cx.diagnostic(&call, Severity::Warning, message).with_help(help(&call));
        cx.push(d);
    }
}

fn help(call: &ApiCall<'_>) -> String {
    let test = match call.api.returns {
        Returns::RpcStatus => "`if (status != RPC_S_OK) return status;`, or `.ok()?` in Rust",
        Returns::Hresult => "`if (FAILED(hr)) return hr;`, or `?` in Rust",
        Returns::Bool | Returns::Other => "`if (!ok) return GetLastError();`, or `?` in Rust",
    };
    format!("test the result of `{}` and do not go on (make no call, accept none) when it failed ({test})", call.name())
}
