//! A call's status left untested, as `unchecked-impersonation` and
//! `unchecked-security-setup` report it: nothing in the function tests the
//! status (a condition, a comparison, `FAILED()`, `?`, `.unwrap()`) and
//! nothing hands it on (returned, passed to a function, stored in a field);
//! whether it is discarded where it is made or only never tested; and the
//! help text's example test for the API's kind of status.

use super::{ApiCall, query};
use crate::ir::{ExprId, ExprKind, Stmt};
use crate::kb::{HelperKind, Kb, Returns};
use crate::resolve::{Mark, Slot};

/// How the status of `call` is left untested: `"discarded"` or `"never
/// tested"`; `None` when the API returns no status, the call is in the
/// API's own definition, or something tests the status or hands it on.
pub(super) fn untested(kb: &Kb, call: &ApiCall<'_>) -> Option<&'static str> {
    if !call.api.returns.is_status() || query::in_api_definition(kb, call) {
        return None;
    }
    let status = Mark { call: call.id, slot: Slot::Return };
    let tested = call.fn_facts.ever_tested.get(&status).copied().unwrap_or_default();
    if tested.checked || tested.passed {
        return None;
    }
    Some(if is_discarded(kb, call) { "discarded" } else { "never tested" })
}

/// "test the result of `f` and {then} when it failed (an example test for
/// the kind of status `f` returns)".
pub(super) fn help(call: &ApiCall<'_>, then: &str) -> String {
    let test = match call.api.returns {
        Returns::RpcStatus => "`if (status != RPC_S_OK) return status;`, or `.ok()?` in Rust",
        Returns::Hresult => "`if (FAILED(hr)) return hr;`, or `?` in Rust",
        Returns::Bool | Returns::Other => "`if (!ok) return GetLastError();`, or `?` in Rust",
    };
    format!("test the result of `{}` and {then} when it failed ({test})", call.name())
}

/// Whether the call's result is thrown away where it is made: an expression
/// statement (`(void)f();`, `let _ = f();`), possibly through a helper that
/// only hands the status on (`f().ok();`).
fn is_discarded(kb: &Kb, call: &ApiCall<'_>) -> bool {
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
