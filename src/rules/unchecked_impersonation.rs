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

use super::{ApiCall, Precision, Rule, RuleCx, query};
use crate::diagnostic::Severity;
use crate::ir::{ExprId, ExprKind, Stmt};
use crate::kb::{HelperKind, Kb, Returns};
use crate::resolve::{Mark, Slot};

pub(crate) static RULE: Rule = Rule {
    name: "unchecked-impersonation",
    default_severity: Severity::Error,
    precision: Precision::Low,
    doc: include_str!("../../rules/unchecked-impersonation.md"),
    check,
};

fn check(cx: &mut RuleCx<'_>) {
    for call in cx.api_calls() {
        if !call.api.returns.is_status()
            || !query::starts_impersonation(&call)
            || query::in_api_definition(cx.kb, &call)
        {
            continue;
        }
        let status = Mark { call: call.id, slot: Slot::Return };
        let tested = call.fn_facts.ever_tested.get(&status).copied().unwrap_or_default();
        if tested.checked || tested.passed {
            continue;
        }
        let how = if is_discarded(cx.kb, &call) { "discarded" } else { "never tested" };
        let message = format!(
            "the status of `{}` is {how}: if the impersonation fails, the code goes on with the server's own identity",
            call.name()
        );
        let d = cx.diagnostic(&call, Severity::Error, message).with_help(help(&call));
        cx.push(d);
    }
}

fn help(call: &ApiCall<'_>) -> String {
    let test = match call.api.returns {
        Returns::RpcStatus => "`if (status != RPC_S_OK) return status;`, or `.ok()?` in Rust",
        Returns::Hresult => "`if (FAILED(hr)) return hr;`, or `?` in Rust",
        Returns::Bool | Returns::Other => "`if (!ok) return GetLastError();`, or `?` in Rust",
    };
    format!("test the result of `{}` and do not go on when it failed ({test})", call.name())
}

/// Whether the call's result is thrown away where it is made: an expression
/// statement (`(void)f();`, `let _ = f();`), possibly through a helper that
/// only hands the status on (`f().ok();`).
pub(super) fn is_discarded(kb: &Kb, call: &ApiCall<'_>) -> bool {
    let func = call.func;
    func.blocks.iter().flat_map(|b| &b.stmts).any(|s| match s {
        Stmt::Eval(e) => reaches_unchanged(kb, call, *e),
        _ => false,
    })
}

/// Whether `e` is the call itself, or a status-passing helper applied to it.
fn reaches_unchanged(kb: &Kb, call: &ApiCall<'_>, mut e: ExprId) -> bool {
    let func = call.func;
    for _ in 0..8 {
        if e == call.call.expr {
            return true;
        }
        let Some(ExprKind::Call(c)) = func.exprs.get(e.index()).map(|x| &x.kind) else { return false };
        let Some(inner) = func.calls.get(c.index()) else { return false };
        let Some(h) = kb.helper_for_call(&inner.callee, inner.receiver.is_some()) else { return false };
        if !matches!(h.kind, HelperKind::PassStatus | HelperKind::Transparent) {
            return false;
        }
        let from = match h.from.unwrap_or(0) {
            -1 => inner.receiver,
            i => usize::try_from(i).ok().and_then(|i| inner.args.get(i).copied()),
        };
        let Some(from) = from else { return false };
        e = from;
    }
    false
}
