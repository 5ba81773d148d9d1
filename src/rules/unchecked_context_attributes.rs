//! `unchecked-context-attributes`: a context is used as if the package had
//! granted what was asked for, without looking at what it granted.
//!
//! Fires on a call whose API has `context-req` and `context-attrs`
//! parameters (its `flag-prefix` names the `ISC` or `ASC` family) when a
//! known value of the request flags asks (on some path) for
//! `<prefix>_REQ_MUTUAL_AUTH`, `_INTEGRITY` or `_CONFIDENTIALITY`, the
//! returned attributes are written into a local of the function (`&attrs`),
//! and the function never tests them for the matching `<prefix>_RET_*` flag
//! of each of those requests: a `&` with a mask that has its bit. The finding
//! names every request left untested; a test for one flag does not cover
//! another, except that a confidentiality test answers for integrity (a
//! sealed message carries a signature). In a file whose contexts are
//! Schannel (TLS) ones ([`query::file_uses_schannel`]) only mutual
//! authentication counts: TLS always grants integrity and confidentiality;
//! so too for a call whose function exchanges the token as text
//! ([`query::exchanges_token_as_text`]: HTTP `Negotiate`, SASL).
//! Confidentiality counts only in a file that seals a message: an
//! `EncryptMessage` not known to be sign-only, or a `DecryptMessage` outside
//! a sign-only negotiation step (SOCKS GSS-API's protection-level exchange).
//!
//! The handshake call is usually in a `SEC_I_CONTINUE_NEEDED` loop with the
//! test after it: the whole function counts, and the calls of one family
//! that write into the same local are one handshake (a first call, then more
//! in the loop), so a test of the variable covers them all. A handshake is
//! reported once, at its first call that asks for an untested grant, with
//! its other calls as related locations (`handshake.rs`). Integrity and
//! confidentiality count only in a file that signs, encrypts, verifies or
//! decrypts messages: a context used to authenticate alone (HTTP Negotiate)
//! does not depend on them.
//!
//! What keeps it silent: unknown request flags; attributes written through a
//! pointer the analysis cannot follow (`&conn->attrs` with `conn` a
//! parameter: they are tested elsewhere, if at all); attributes compared as
//! a whole with a non-null value (`attrs != expected`), tested with a mask
//! the analysis cannot resolve, handed to a helper the configuration names
//! (a `compare` or `test-status` helper: a test whose bits are not known
//! counts as testing all of them), returned, stored for the caller, or
//! passed to any other function. Docs: `rules/unchecked-context-attributes.md`.

use super::{ApiCall, OriginLabels, Precision, Rule, RuleCx, handshake, premise, query};
use crate::diagnostic::Severity;
use crate::ir::LocalId;
use crate::kb::{Effect, Read, Role};
use crate::resolve::{Mark, Slot, TestInfo};

pub(crate) static RULE: Rule = Rule {
    name: "unchecked-context-attributes",
    default_severity: Severity::Warning,
    precision: Precision::High,
    reads: &[
        Read::Role(Role::ContextReq),
        Read::Role(Role::ContextAttrs),
        Read::Role(Role::Context),
        Read::Effect(Effect::Sign),
        Read::Effect(Effect::Encrypt),
        Read::Effect(Effect::Verify),
        Read::Effect(Effect::Decrypt),
        Read::Role(Role::Qop),
        Read::Role(Role::Package),
        Read::Role(Role::QueryAttribute),
        Read::Threads,
    ],
    doc: include_str!("../../rules/unchecked-context-attributes.md"),
    check,
};

/// The requests whose grant matters to security, by the suffix shared by
/// their `*_REQ_*` and `*_RET_*` names; whether the grant matters only to
/// message protection; and the other grant whose test also answers for it
/// (a sealed message carries a signature: confidentiality is granted with
/// integrity, and a test for it covers integrity).
const REQUESTS: [(&str, bool, Option<&str>); 3] =
    [("MUTUAL_AUTH", false, None), ("INTEGRITY", true, Some("CONFIDENTIALITY")), ("CONFIDENTIALITY", true, None)];

fn check(cx: &mut RuleCx<'_>) {
    // Integrity and confidentiality matter where messages are protected,
    // and not with Schannel (TLS), which always grants them: TLS has no
    // unprotected mode a package could fall back to.
    let protects = query::file_calls(cx.kb, cx.ir, &[Effect::Sign, Effect::Encrypt, Effect::Verify, Effect::Decrypt])
        && !query::file_uses_schannel(cx);
    let calls = cx.api_calls();
    // Confidentiality is relied on only where a message is sealed: an
    // `EncryptMessage` whose QOP is not known to be sign-only, or a
    // `DecryptMessage`. A file that only wraps sign-only (SOCKS GSS-API's
    // protection-level byte) never depends on it.
    // (A sign-only negotiation step unwraps too: its `DecryptMessage` seals nothing.)
    let of = |effect: Effect| calls.iter().filter(move |c| c.api.effect == effect);
    let seals = of(Effect::Encrypt).any(|c| query::wraps_sign_only(cx.kb, c).is_none())
        || of(Effect::Decrypt).any(|c| !query::in_sign_only_exchange(cx.kb, &calls, c))
        || (of(Effect::Encrypt).chain(of(Effect::Decrypt)).next().is_none()
            && query::file_calls(cx.kb, cx.ir, &[Effect::Encrypt, Effect::Decrypt]));
    let mut found = Vec::new();
    for (i, call) in calls.iter().enumerate() {
        let Some(prefix) = call.api.flag_prefix.as_deref() else { continue };
        let Some((index, out)) = attributes_out(cx, call) else { continue };
        // A field read at the call that this function never wrote: every
        // constant the tree writes to it (`resolve/fields.rs`).
        let Some(values) = premise::premise_ints(cx, call, Role::ContextReq) else { continue };
        // What is requested on every path: a flag some caller may turn off
        // is no premise for a test (see `rules/README.md`).
        let requested = values.iter().fold(u64::MAX, |acc, (v, _)| acc & v);
        let origin = values.iter().find_map(|(_, o)| *o);
        // Read from a field the function never wrote: the writes elsewhere say.
        let elsewhere = call.arg(Role::ContextReq).and_then(|v| v.known_ints()).is_none();
        let tested = match out {
            Out::Local(local) => handshake_tests(&calls, call, prefix, local),
            // A field no code of the tree reads: never tested.
            Out::UnreadField => TestInfo::default(),
        };
        // Handed on, compared as a whole, or tested with bits not known: silent.
        if tested.passed || tested.compared || (tested.checked && tested.flags == 0) {
            continue;
        }
        let mut asked = Vec::new();
        let mut untested = Vec::new();
        // A token exchanged as text (HTTP `Negotiate`, SASL) serves
        // authentication alone: no message of this context is protected.
        let protects_here = protects && !query::exchanges_token_as_text(cx.kb, call.func);
        for (name, for_messages, covered_by) in REQUESTS {
            if for_messages && !protects_here {
                continue;
            }
            if name == "CONFIDENTIALITY" && !seals {
                continue;
            }
            let req = cx.kb.int(&format!("{prefix}_REQ_{name}"));
            let ret = cx.kb.int(&format!("{prefix}_RET_{name}"));
            let (Some(req), Some(ret)) = (req, ret) else { continue };
            if requested & req == 0 {
                continue;
            }
            asked.push(format!("`{prefix}_REQ_{name}`"));
            let also = covered_by.and_then(|c| cx.kb.int(&format!("{prefix}_RET_{c}"))).unwrap_or(0);
            if tested.flags & (ret | also) == 0 {
                untested.push(format!("`{prefix}_RET_{name}`"));
            }
        }
        if untested.is_empty() {
            continue;
        }
        let param = call.api.params.get(index).map_or("", |p| p.name.as_str());
        let field = call
            .facts
            .arg_exprs
            .get(call.api.param_with(Role::ContextReq).unwrap_or(usize::MAX))
            .copied()
            .flatten()
            .and_then(|e| crate::resolve::fields::field_name(call.func, e));
        let through = match field.filter(|_| elsewhere) {
            Some(f) => format!(" (every value this file's functions write to `{f}` does)"),
            None => String::new(),
        };
        let message = format!(
            "`{}` requests {}{through} but the attributes it returns in `{param}` are never tested for {}: the package may grant less than was asked and the context is used anyway",
            call.name(),
            asked.join(", "),
            untested.join(", ")
        );
        // At the attributes argument: the output nobody tests.
        let mut d = cx.diagnostic(call, Severity::Warning, message).at(cx.cause(call, index, None)).with_help(format!(
            "once the handshake completes, test `{param}` for {} and fail when one is missing",
            untested.join(", ")
        ));
        if elsewhere {
            // Each write of the field, in another function.
            for (_, o) in &values {
                d = d.label_at(*o, "request flags set here");
            }
        } else {
            d = d.label_at(origin, "request flags set here");
        }
        found.push((i, d));
    }
    for d in handshake::one_per_handshake(&calls, &handshake::handshakes(&calls), found) {
        cx.push(d);
    }
}

/// The position of the attributes parameter and the local they are written into.
fn attributes_local(call: &ApiCall<'_>) -> Option<(usize, LocalId)> {
    let index = call.api.param_with(Role::ContextAttrs)?;
    Some((index, call.facts.output_local(index)?))
}

/// Where a call's attributes go, when the rule can tell whether they are tested.
enum Out {
    /// A local of the function: its tests are the function's.
    Local(LocalId),
    /// A field (`&nla->pfContextAttr`) that no code of the tree reads.
    UnreadField,
}

/// The position of the attributes parameter and where the attributes go.
fn attributes_out(cx: &RuleCx<'_>, call: &ApiCall<'_>) -> Option<(usize, Out)> {
    if let Some((index, local)) = attributes_local(call) {
        return Some((index, Out::Local(local)));
    }
    let index = call.api.param_with(Role::ContextAttrs)?;
    let e = (*call.facts.arg_exprs.get(index)?)?;
    let name = crate::resolve::fields::addressed_field(call.func, e)?;
    cx.project.fields.never_read(cx.file, name).then_some((index, Out::UnreadField))
}

/// How the attributes of one handshake were tested: a handshake is every call
/// of the same family in the function that writes its attributes into the
/// same local (a first call, then more in a `SEC_I_CONTINUE_NEEDED` loop). The
/// attributes of the intermediate calls are overwritten by the last one, so a
/// test of the variable after the loop covers them all.
fn handshake_tests(calls: &[ApiCall<'_>], call: &ApiCall<'_>, prefix: &str, local: LocalId) -> TestInfo {
    let mut tested = TestInfo::default();
    for other in calls {
        let same_family = other.api.flag_prefix.as_deref() == Some(prefix) && std::ptr::eq(other.func, call.func);
        let Some((index, l)) = attributes_local(other).filter(|_| same_family) else { continue };
        if l != local {
            continue;
        }
        let slot = Slot::Param(u16::try_from(index).unwrap_or(u16::MAX));
        if let Some(t) = other.fn_facts.ever_tested.get(&Mark { call: other.id(), slot }) {
            tested.merge(*t);
        }
    }
    tested
}
