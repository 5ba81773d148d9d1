//! `unchecked-message-verification`: the status that says whether a received
//! message is genuine is thrown away.
//!
//! Fires on a call of an API with `effect = "verify"` or `"decrypt"` that
//! returns a status, when that status (`Mark(call, Return)`) is nowhere in
//! the function tested (a condition, a comparison, `switch`/`match`, `?`,
//! `FAILED()`, `.is_ok()`, `.unwrap()`, a configured `test-status` helper)
//! nor handed on (returned, passed to another function). `let _ =`, a
//! `(void)` cast and a bare `.ok();` discard it. Docs:
//! `rules/unchecked-message-verification.md`.

use super::{Precision, Rule, RuleCx};
use crate::diagnostic::Severity;
use crate::kb::{Effect, Read};
use crate::resolve::{Mark, Slot};

pub(crate) static RULE: Rule = Rule {
    name: "unchecked-message-verification",
    default_severity: Severity::Error,
    precision: Precision::High,
    reads: &[Read::Effect(Effect::Verify), Read::Effect(Effect::Decrypt)],
    doc: include_str!("../../rules/unchecked-message-verification.md"),
    check,
};

fn check(cx: &mut RuleCx<'_>) {
    for call in cx.api_calls() {
        if !matches!(call.api.effect, Effect::Verify | Effect::Decrypt) || !call.api.returns.is_status() {
            continue;
        }
        let status = Mark { call: call.id(), slot: Slot::Return };
        let tested = call.fn_facts.ever_tested.get(&status).copied().unwrap_or_default();
        if tested.checked || tested.passed {
            continue;
        }
        let what = match call.api.effect {
            Effect::Decrypt => {
                "a message that was altered or forged in transit is used as if it had decrypted correctly"
            }
            _ => "a message whose signature does not match is used as if it were genuine",
        };
        let message = format!("the status returned by `{}` is discarded or never tested: {what}", call.name());
        let d = cx.diagnostic(&call, Severity::Error, message).with_help(
            "test the status (`if (status != SEC_E_OK)`, `FAILED(status)`, `?` or `match` in Rust) and drop the message when it is not `SEC_E_OK`",
        );
        cx.push(d);
    }
}
