//! `impersonation-not-reverted`: a function starts impersonating and some
//! path leaves it still impersonating.
//!
//! The resolver tracks, along every path of a function, the calls of APIs
//! with the `impersonate` effect that are in effect: an API with the
//! `revert` effect ends them, so does the end of scope of a local whose type
//! reverts in its destructor or `Drop` (an RAII guard), and so does the
//! failure edge of a test of the impersonation's own status (`if
//! (RpcImpersonateClient(h) != RPC_S_OK) return;` leaves nothing behind).
//! This rule reports each impersonation still in effect at a `return` or at
//! the end of the function ([`crate::resolve::FunctionFacts::unreverted`]).
//! Silent in a guard type's own constructor (its destructor reverts), in a
//! wrapper that returns the impersonation's status to its caller, and in an
//! impersonation primitive: a function that reverts nowhere and calls no
//! other function while impersonating before it returns (its caller owns
//! the impersonation). Silent too where the function's contract is to hand
//! the impersonation to its caller or to restore one: a thread's start
//! routine (`CreateThread(.., proc, ..)`, `[tables.threads]`) that reverts
//! nowhere (nothing of the program runs on its thread after it), a function named for
//! starting it (`impersonate_client`, `DoFTUserImpersonation`, not
//! `ShowImpersonateDialog`), and a destructor (C++ `~T`, Rust `Drop::drop`: an RAII guard's
//! `~Guard` sets back the token its constructor took away).
//! Docs: `rules/impersonation-not-reverted.md`.

use super::names::words;
use super::{ApiCall, Precision, Rule, RuleCx, query};
use crate::diagnostic::Severity;
use crate::ir::{FunctionKind, unqualified};
use crate::kb::{Effect, Read, Role};

pub(crate) static RULE: Rule = Rule {
    name: "impersonation-not-reverted",
    default_severity: Severity::Warning,
    precision: Precision::Low,
    reads: &[Read::Effect(Effect::Impersonate), Read::Effect(Effect::Revert), Read::Role(Role::Token), Read::Threads],
    doc: include_str!("../../rules/impersonation-not-reverted.md"),
    check,
};

fn check(cx: &mut RuleCx<'_>) {
    for call in cx.api_calls() {
        let Some(exit) = call.fn_facts.unreverted.get(&call.id) else { continue };
        if query::in_api_definition(cx.kb, &call) {
            continue;
        }
        // A guard's constructor impersonates on purpose: its destructor reverts.
        if call.func.owner.as_ref().is_some_and(|o| cx.project.reverting_types.contains(o)) {
            continue;
        }
        // A destructor restores what its constructor changed; a function whose
        // name says it starts an impersonation hands it to its caller.
        if call.func.kind == FunctionKind::Destructor || hands_impersonation_on(&call.func.name) {
            continue;
        }
        // A function that never reverts and calls nothing while impersonating
        // before it returns is an impersonation primitive: its caller reverts.
        let reverts = reverts_somewhere(cx, &call);
        if !call.fn_facts.unreverted_after_work.contains(&call.id) && !reverts {
            continue;
        }
        // A thread's start routine that reverts nowhere: the impersonation
        // is its thread's identity, and the thread ends when it returns.
        if !reverts && cx.project.is_thread_routine(&call.func.name) {
            continue;
        }
        let function =
            if call.func.name.is_empty() { "this code".to_string() } else { format!("`{}`", call.func.name) };
        let message = format!(
            "`{}` starts impersonating the client, and a path out of {function} does not revert: whatever runs next on this thread runs as the client",
            call.name()
        );
        let revert =
            call.api.reverted_by.as_deref().map_or_else(|| "the matching revert".to_string(), |r| format!("`{r}`"));
        let help = format!(
            "call {revert} on every path out of {function} once the work that needs the client's identity is done (a `goto cleanup` block, a guard object whose destructor or `Drop` reverts)"
        );
        let mut d = cx.diagnostic(&call, Severity::Warning, message).with_help(help);
        if let Some(span) = exit {
            d = d.with_label(cx.file, *span, "returns here still impersonating");
        }
        cx.push(d);
    }
}

/// Whether the function of `call` reverts an impersonation anywhere: a call
/// with the `revert` effect, `SetThreadToken(NULL, NULL)`, one that sets the
/// thread's saved token back, or a local of a
/// type whose destructor or `Drop` reverts.
fn reverts_somewhere(cx: &RuleCx<'_>, call: &ApiCall<'_>) -> bool {
    let func = call.func;
    let by_call = func.call_ids().filter_map(|id| call.fn_facts.call(id)).any(|facts| {
        let Some(api) = facts.api(cx.kb) else { return false };
        api.effect == Effect::Revert
            || (api.effect == Effect::Impersonate
                && facts.arg(cx.kb, Role::Token).is_some_and(|v| v.is_null_or_empty() || v.is_saved_thread_token()))
    });
    by_call || func.locals.iter().any(|l| l.ty.as_ref().is_some_and(|t| cx.project.reverting_types.contains(t)))
}

/// Whether a function's name says its job is to leave an impersonation on
/// for its caller (`impersonate_client`, `ImpersonateUser`,
/// `DoFTUserImpersonation`, `begin_impersonation`). A name that only mentions impersonation after another verb
/// (`ShowImpersonateDialog`) does not.
fn hands_impersonation_on(name: &str) -> bool {
    let words = words(unqualified(name));
    let is_imp = |w: &String| w.starts_with("impersonat");
    match words.as_slice() {
        [first, ..] if is_imp(first) => true,
        // After the API family's prefix, as the API itself is named:
        // `RpcImpersonateCaller`, `CoImpersonateUser` (not a hook's
        // `RpcImpersonateClient_Hook`, which names more).
        [family, second, _] if matches!(family.as_str(), "rpc" | "co") && is_imp(second) => true,
        [first, .., last] => matches!(first.as_str(), "do" | "begin" | "start" | "enter") && is_imp(last),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_hand_an_impersonation_on() {
        for name in [
            "impersonate_client",
            "ImpersonateUser",
            "vncClient::DoFTUserImpersonation",
            "begin_impersonation",
            "security::RpcImpersonateCaller",
        ] {
            assert!(hands_impersonation_on(name), "{name}");
        }
        for name in [
            "ShowImpersonateDialog",
            "request_incognito_impersonate_token",
            "RunOpenvpn",
            "do_work",
            "RpcServer",
            "RpcImpersonateClient_Hook",
            "",
        ] {
            assert!(!hands_impersonation_on(name), "{name}");
        }
    }
}
