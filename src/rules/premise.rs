//! Values a rule may take as a premise ("X was requested", "the server
//! listens on `ncalrpc` only"): the call's own value on every path, or,
//! for a field read at the call that its function never wrote, every value
//! the file writes to that field (`resolve/fields.rs`). A rule that reports
//! a weak value must not read these: a union of writes some of which may
//! never reach the call.

use super::{ApiCall, RuleCx};
use crate::kb::Role;
use crate::resolve::Origin;
use crate::resolve::fields::field_name;

/// The integers passed for the first parameter with `role`, on every path:
/// the value's own, or, for a field read at the call (`nla->fContextReq`)
/// that the function never wrote, every constant the tree writes to that
/// field (`resolve/fields.rs`). For a premise only ("X was requested"),
/// which then holds when every write asks for X: a rule that reports a weak
/// value must not read a union of writes some of which may never reach the call.
pub(crate) fn premise_ints(cx: &RuleCx<'_>, call: &ApiCall<'_>, role: Role) -> Option<Vec<(u64, Option<Origin>)>> {
    let i = call.api.param_with(role)?;
    let v = call.facts.args.get(i)?;
    if let Some(ints) = v.known_ints() {
        return Some(ints);
    }
    let e = (*call.facts.arg_exprs.get(i)?)?;
    let name = field_name(call.func, e)?;
    cx.project.fields.values(cx.file, name)
}

/// The strings passed for the first parameter with `role` (or that it
/// points to), on every path; for a field read at the call that the
/// function never wrote (`rcvargs->protocolSequence`), every string the
/// file writes to that field. A premise only, as [`premise_ints`].
pub(crate) fn premise_strs(cx: &RuleCx<'_>, call: &ApiCall<'_>, role: Role) -> Option<Vec<(String, Option<Origin>)>> {
    let i = call.api.param_with(role)?;
    let v = call.facts.args.get(i)?;
    if let Some(strs) = v.pointee().unwrap_or(v).known_strs() {
        return Some(strs.iter().map(|(s, o)| (s.to_string(), *o)).collect());
    }
    let e = (*call.facts.arg_exprs.get(i)?)?;
    let name = field_name(call.func, e)?;
    cx.project.fields.strings(cx.file, name)
}
