//! `unchecked-decrypt-qop`: a decrypted message is trusted without asking
//! whether it was encrypted at all.
//!
//! Fires on a call of an API with `effect = "decrypt"` whose `qop-out`
//! argument is null (`NULL`, `0`, `None`, `ptr::null_mut()`), or whose
//! output (`Mark(call, Param(i))`, written into a local of the function) is
//! never tested there. What counts as a test: a comparison with a non-null
//! value (`qop == SECQOP_WRAP_NO_ENCRYPT`), a `&` with a mask that has a bit
//! of `SECQOP_WRAP_NO_ENCRYPT`, any other condition on it whose mask is not
//! known (`if (qop)`, `qop != 0`, `switch (qop)`, a configured helper), or
//! handing it on (returned, passed to another function). A `&` only with
//! masks that share no bit with it (`qop & SECQOP_WRAP_OOB_DATA`) does not
//! count. Silent when the output goes through a pointer the analysis cannot
//! follow (a parameter, `p->qop`), and in a file whose contexts are Schannel
//! (TLS) ones, where the QOP is not used and must be NULL: the file acquires
//! credentials for the Schannel package, requests a stream context
//! (`ISC_REQ_STREAM` / `ASC_REQ_STREAM`) or queries `SECPKG_ATTR_STREAM_SIZES`;
//! and in a function that also wraps sign-only, a negotiation step that is
//! integrity-only by protocol ([`query::in_sign_only_exchange`]).
//! Docs: `rules/unchecked-decrypt-qop.md`.

use super::{OriginLabels, Precision, Rule, RuleCx, query};
use crate::diagnostic::Severity;
use crate::kb::{Effect, Read, Role};
use crate::resolve::{Mark, Slot, TestInfo};

pub(crate) static RULE: Rule = Rule {
    name: "unchecked-decrypt-qop",
    default_severity: Severity::Warning,
    precision: Precision::Low,
    reads: &[
        Read::Effect(Effect::Decrypt),
        Read::Role(Role::QopOut),
        Read::Effect(Effect::Encrypt),
        Read::Role(Role::Qop),
        Read::Role(Role::Package),
        Read::Role(Role::QueryAttribute),
        Read::Role(Role::ContextReq),
    ],
    doc: include_str!("../../rules/unchecked-decrypt-qop.md"),
    check,
};

fn check(cx: &mut RuleCx<'_>) {
    let Some(no_encrypt) = cx.kb.int("SECQOP_WRAP_NO_ENCRYPT") else { return };
    let mut schannel: Option<bool> = None;
    let calls = cx.api_calls();
    for call in &calls {
        if call.api.effect != Effect::Decrypt {
            continue;
        }
        // A negotiation step whose messages are sign-only by protocol
        // (RFC 1961, RFC 4752): there is no confidentiality to lose.
        if query::in_sign_only_exchange(cx.kb, &calls, call) {
            continue;
        }
        let Some(index) = call.api.param_with(Role::QopOut) else { continue };
        let Some(arg) = call.facts.args.get(index) else { continue };
        let param = call.api.params.get(index).map_or("", |p| p.name.as_str());
        let null = arg.is_null_or_empty();
        if !null {
            if !call.facts.output_followed(index) {
                continue;
            }
            let slot = Slot::Param(u16::try_from(index).unwrap_or(u16::MAX));
            let tested = call.fn_facts.ever_tested.get(&Mark { call: call.id(), slot }).copied().unwrap_or_default();
            if tests_no_encrypt(tested, no_encrypt) {
                continue;
            }
        }
        if *schannel.get_or_insert_with(|| query::file_uses_schannel(cx)) {
            return;
        }
        let message = if null {
            format!(
                "`{}` is called with a null `{param}`, so nothing tells a message that was encrypted from one that was only signed (`SECQOP_WRAP_NO_ENCRYPT`): a peer can send signed plaintext and it is accepted as if it were confidential",
                call.name()
            )
        } else {
            format!(
                "the quality of protection `{}` returns in `{param}` is never tested against `SECQOP_WRAP_NO_ENCRYPT`: a peer can send signed plaintext and it is accepted as if it were confidential",
                call.name()
            )
        };
        // At the QOP argument: null, or the output nobody tests.
        let origin = if null { arg.atoms.first().and_then(|(_, o)| *o) } else { None };
        let cause = cx.cause(call, index, origin);
        let mut d = cx.diagnostic(call, Severity::Warning, message).at(cause).with_help(format!(
            "pass the address of a `ULONG` as `{param}` and reject the message when `qop & SECQOP_WRAP_NO_ENCRYPT` is set"
        ));
        if null {
            d = d.label_at(arg.atoms.first().and_then(|(_, o)| *o), format!("null `{param}` set here"));
        }
        cx.push(d);
    }
}

/// Whether a test of the QOP output can have told a sign-only message apart.
fn tests_no_encrypt(t: TestInfo, no_encrypt: u64) -> bool {
    let masked_with_it = (t.flags as u32) & (no_encrypt as u32) != 0;
    // `checked` with no known mask: a condition on the value itself, a `&`
    // with a mask the analysis cannot resolve, or a test-status helper.
    let tested_some_way = t.checked && t.flags == 0;
    t.passed || t.compared || masked_with_it || tested_some_way
}
