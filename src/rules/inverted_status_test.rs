//! `inverted-status-test`: a status tested with the convention of another
//! type, so that the failure path runs as success.
//!
//! Looks at the conditions that test the status of an impersonation call,
//! `VerifySignature` or `DecryptMessage` ([`crate::resolve::status`] tells
//! which call's status a condition holds, directly or through a local).
//! Three spellings use the wrong convention:
//! - a sign test (`SUCCEEDED`, `FAILED`: the `sign-test` set) of a `BOOL` or
//!   an `RPC_STATUS`: evaluated with a success and a failure value, it gives
//!   the same answer, so it cannot see the failure: always reported;
//! - a `BOOL` compared with a success code (`ERROR_SUCCESS`, `RPC_S_OK`, ...);
//! - an `RPC_STATUS` / `HRESULT` / `SECURITY_STATUS` used as a boolean
//!   (`if (status)`, `!status`, `== FALSE`).
//!
//! The last two are judged by what the branch does, since they can be right
//! (`if (RpcImpersonateClient(h)) return ERROR_ACCESS_DENIED;`): reported
//! when the edge taken on success leaves the function at once while the
//! edge taken on failure goes on, or when only the failure edge reverts an
//! impersonation (it believes it is impersonating).
//!
//! Fix (`status-tests` in `[[fix]]`): the test is rewritten as a comparison
//! in the status's own convention (`!= RPC_S_OK`, `== 0` for a `BOOL`, `< 0`
//! for an `HRESULT`) that is true when the code's test meant it to be:
//! what the test means is evaluated with the convention its spelling uses
//! (a sign for `SUCCEEDED`/`FAILED`, 0 for success for a success code, a
//! `BOOL` for a truth value). The edits replace only the text around the
//! status (the macro's name and parenthesis, the `!`, the operator and the
//! other operand), whose spelling is checked when the report is made.
//! Always unsafe: the branch that then runs has only ever run on the other
//! outcome. Docs: `rules/inverted-status-test.md`.

use std::collections::{BTreeMap, BTreeSet};

use super::{ApiCall, Precision, Rule, RuleCx};
use crate::diagnostic::{Applicability, Edit, Fix, Severity};
use crate::ir::{BinOp, BlockId, CallId, ExprId, ExprKind, Function, Span, Terminator, UnOp};
use crate::kb::{Effect, Kb, Read, Returns, Role, SetKind};
use crate::resolve::order::CallOrder;
use crate::resolve::status::StatusView;
use crate::source::FileId;

pub(crate) static RULE: Rule = Rule {
    name: "inverted-status-test",
    default_severity: Severity::Error,
    precision: Precision::High,
    reads: &[
        Read::Effect(Effect::Impersonate),
        Read::Effect(Effect::Revert),
        Read::Effect(Effect::Verify),
        Read::Effect(Effect::Decrypt),
        Read::Role(Role::Token),
    ],
    doc: include_str!("../../rules/inverted-status-test.md"),
    check,
};

/// How a condition spells its test of a status.
#[derive(Clone, Debug)]
enum Form {
    /// `SUCCEEDED(s)` / `FAILED(s)`: the macro's name.
    SignTest(String),
    /// `s == ERROR_SUCCESS` on a `BOOL`: the constant's name.
    SuccessCode(String),
    /// `if (s)`, `!s`, `s != FALSE` on a status whose success is 0.
    Truthy,
}

fn check(cx: &mut RuleCx<'_>) {
    let calls = cx.api_calls();
    for func in &cx.ir.functions {
        let relevant: BTreeMap<CallId, ApiCall<'_>> =
            calls.iter().filter(|c| std::ptr::eq(c.func, func) && is_relevant(c)).map(|c| (c.id, *c)).collect();
        if relevant.is_empty() {
            continue;
        }
        let view = StatusView::new(cx.kb, func);
        let shape = Shape::new(cx.kb, func);
        let mut reported: BTreeSet<CallId> = BTreeSet::new();
        for (b, block) in func.blocks.iter().enumerate() {
            let Terminator::Branch { cond, then_, else_ } = &block.term else { continue };
            let at = BlockId::from_index(b);
            let mut tests = Vec::new();
            find_tests(cx.kb, func, &view, &relevant, *cond, at, None, &mut tests, 0);
            for test in tests {
                let Some(call) = relevant.get(&test.id) else { continue };
                if reported.contains(&test.id) {
                    continue;
                }
                if let Some(why) = judge(&view, &shape, call, &test.form, *cond, at, *then_, *else_) {
                    reported.insert(test.id);
                    let fix = fix(cx, &view, call, &test, *cond, at);
                    report(cx, call, &test.form, test.span, why, fix);
                }
            }
        }
    }
}

/// An impersonation call, `VerifySignature` or `DecryptMessage` that returns a status.
fn is_relevant(call: &ApiCall<'_>) -> bool {
    call.api.returns.is_status()
        && (super::query::starts_impersonation(call) || matches!(call.api.effect, Effect::Verify | Effect::Decrypt))
}

/// A test of a relevant call's status found in a condition.
struct Test {
    id: CallId,
    form: Form,
    /// The test (`parent`, or the status itself), for the label.
    span: Span,
    /// The expression that holds the status, and the one that tests it.
    status: ExprId,
    parent: Option<ExprId>,
}

/// The statuses of relevant calls that `e` tests, with the spelling of each test.
#[allow(clippy::too_many_arguments)]
fn find_tests(
    kb: &Kb,
    func: &Function,
    view: &StatusView<'_>,
    relevant: &BTreeMap<CallId, ApiCall<'_>>,
    e: ExprId,
    at: BlockId,
    parent: Option<ExprId>,
    out: &mut Vec<Test>,
    depth: u32,
) {
    if depth > 24 {
        return;
    }
    let Some(expr) = func.exprs.get(e.index()) else { return };
    if let Some(id) = view.status_of(e, at).filter(|id| relevant.contains_key(id)) {
        if let Some(form) = form_of(kb, func, relevant, id, e, parent) {
            let span = parent.and_then(|p| func.exprs.get(p.index())).map_or(expr.span, |p| p.span);
            out.push(Test { id, form, span, status: e, parent });
        }
        return;
    }
    crate::ir::for_each_child(&expr.kind, &func.calls, |c| {
        find_tests(kb, func, view, relevant, c, at, Some(e), out, depth + 1);
    });
}

/// The spelling of the test `parent` makes of the status `e` holds, if it
/// uses the wrong convention for the call's status type.
fn form_of(
    kb: &Kb,
    func: &Function,
    relevant: &BTreeMap<CallId, ApiCall<'_>>,
    id: CallId,
    e: ExprId,
    parent: Option<ExprId>,
) -> Option<Form> {
    let returns = relevant.get(&id)?.api.returns;
    let zero_is_success = matches!(returns, Returns::RpcStatus | Returns::Hresult);
    let Some(p) = parent else {
        // The status is the whole condition.
        return zero_is_success.then_some(Form::Truthy);
    };
    match &func.exprs.get(p.index())?.kind {
        ExprKind::Unary(UnOp::Not, _) | ExprKind::Binary(BinOp::And | BinOp::Or, _, _) => {
            zero_is_success.then_some(Form::Truthy)
        }
        ExprKind::Binary(BinOp::Eq | BinOp::Ne, a, b) => {
            let other = if *a == e { *b } else { *a };
            let n = match &func.exprs.get(other.index())?.kind {
                ExprKind::Name(n) => n,
                // `FALSE` / `TRUE` as the frontend spells them.
                ExprKind::Bool(_) => return zero_is_success.then_some(Form::Truthy),
                _ => return None,
            };
            if returns == Returns::Bool
                && kb.callee_in_set(SetKind::SuccessCode, n)
                && is_exact(kb, SetKind::SuccessCode, n)
            {
                return Some(Form::SuccessCode(n.clone()));
            }
            (zero_is_success && is_exact(kb, SetKind::BoolConstant, n)).then_some(Form::Truthy)
        }
        ExprKind::Call(c) => {
            let call = func.calls.get(c.index())?;
            let sign =
                kb.callee_in_set(SetKind::SignTest, &call.callee) && is_exact(kb, SetKind::SignTest, &call.callee);
            (sign && matches!(returns, Returns::Bool | Returns::RpcStatus)).then(|| Form::SignTest(call.callee.clone()))
        }
        _ => None,
    }
}

/// Whether `name` itself (not an `A`/`W` variant) is in the set.
fn is_exact(kb: &Kb, set: SetKind, name: &str) -> bool {
    kb.sets.get(&set).is_some_and(|m| m.iter().any(|n| n == name))
}

/// Why the test inverts the status, if it does.
enum Why {
    /// The condition is the same whether the call worked or not.
    CannotTell(bool),
    /// The success edge leaves the function; the failure edge goes on.
    FailureGoesOn,
    /// Only the failure edge reverts the impersonation.
    RevertsOnFailure,
}

#[allow(clippy::too_many_arguments)]
fn judge(
    view: &StatusView<'_>,
    shape: &Shape,
    call: &ApiCall<'_>,
    form: &Form,
    cond: ExprId,
    at: BlockId,
    then_: BlockId,
    else_: BlockId,
) -> Option<Why> {
    let ok = view.eval(cond, at, call.id, call.api.returns.sample(true)?)? != 0;
    let failed = view.eval(cond, at, call.id, call.api.returns.sample(false)?)? != 0;
    if ok == failed {
        return matches!(form, Form::SignTest(_)).then_some(Why::CannotTell(ok));
    }
    let (on_success, on_failure) = if ok { (then_, else_) } else { (else_, then_) };
    if shape.leaves_at_once(on_success) && !shape.leaves_at_once(on_failure) {
        return Some(Why::FailureGoesOn);
    }
    let impersonates = call.api.effect == Effect::Impersonate;
    if impersonates && shape.reverts_in(on_failure, Some(on_success)) && !shape.reverts_in(on_success, None) {
        return Some(Why::RevertsOnFailure);
    }
    None
}

/// What the rule needs of a function's CFG: which blocks call what.
struct Shape {
    succ: Vec<Vec<BlockId>>,
    returns: Vec<bool>,
    /// Calls per block, and whether one of them reverts an impersonation.
    calls: Vec<usize>,
    reverts: Vec<bool>,
}

impl Shape {
    fn new(kb: &Kb, func: &Function) -> Shape {
        let n = func.blocks.len();
        let order = CallOrder::new(func);
        let (mut calls, mut reverts) = (vec![0usize; n], vec![false; n]);
        for (id, call) in func.call_ids().zip(&func.calls) {
            let Some(b) = order.block_of(id) else { continue };
            if let Some(c) = calls.get_mut(b.index()) {
                *c += 1;
            }
            let revert = kb
                .api_for_call(&call.callee, call.receiver.is_some(), call.args.len())
                .is_some_and(|m| m.api.effect == Effect::Revert);
            if revert {
                if let Some(r) = reverts.get_mut(b.index()) {
                    *r = true;
                }
            }
        }
        Shape {
            succ: func.blocks.iter().map(|b| b.term.successors()).collect(),
            returns: func.blocks.iter().map(|b| matches!(b.term, Terminator::Return(_))).collect(),
            calls,
            reverts,
        }
    }

    /// Whether every path from `b` returns within a few blocks, calling at
    /// most two functions and reverting nothing: an early exit.
    fn leaves_at_once(&self, b: BlockId) -> bool {
        let mut stack = vec![(b, 0u32)];
        let mut calls = 0usize;
        let mut seen = BTreeSet::new();
        while let Some((x, depth)) = stack.pop() {
            if depth > 3 || !seen.insert(x) {
                return false;
            }
            calls += self.calls.get(x.index()).copied().unwrap_or(0);
            if calls > 2 || self.reverts.get(x.index()).copied().unwrap_or(false) {
                return false;
            }
            if self.returns.get(x.index()).copied().unwrap_or(false) {
                continue;
            }
            let next = self.succ.get(x.index()).cloned().unwrap_or_default();
            if next.is_empty() {
                return false;
            }
            stack.extend(next.into_iter().map(|n| (n, depth + 1)));
        }
        true
    }

    /// The blocks reachable from `b`, `b` included.
    fn reach(&self, b: BlockId) -> BTreeSet<BlockId> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![b];
        while let Some(x) = stack.pop() {
            if seen.insert(x) {
                stack.extend(self.succ.get(x.index()).into_iter().flatten().copied());
            }
        }
        seen
    }

    /// Whether a block reachable from `b` (and, with `except`, not from
    /// `except`) reverts an impersonation.
    fn reverts_in(&self, b: BlockId, except: Option<BlockId>) -> bool {
        let other = except.map(|e| self.reach(e)).unwrap_or_default();
        self.reach(b)
            .into_iter()
            .filter(|x| !other.contains(x))
            .any(|x| self.reverts.get(x.index()).copied().unwrap_or(false))
    }
}

fn convention(returns: Returns) -> &'static str {
    match returns {
        Returns::Bool => "a `BOOL` (nonzero on success)",
        Returns::RpcStatus => "an `RPC_STATUS` (`RPC_S_OK`, 0, on success; errors are positive)",
        Returns::Hresult => "a status that is 0 on success (`HRESULT`, `SECURITY_STATUS`)",
        Returns::Other => "a value",
    }
}

fn report(cx: &mut RuleCx<'_>, call: &ApiCall<'_>, form: &Form, test: Span, why: Why, fix: Option<Fix>) {
    let api = call.name();
    let conv = convention(call.api.returns);
    let message = match (&why, form) {
        (Why::CannotTell(always), Form::SignTest(m)) => format!(
            "`{m}` tests the status of `{api}` as an `HRESULT`, but `{api}` returns {conv}: the test is always {}, so a failure is never seen",
            if *always { "true" } else { "false" }
        ),
        (_, Form::SuccessCode(name)) => format!(
            "`{api}` returns {conv}, but it is compared with `{name}` (0): the code meant for success runs when the call failed"
        ),
        _ => format!(
            "`{api}` returns {conv}, but the condition treats a nonzero status as success: the code meant for success runs when the call failed"
        ),
    };
    let help = match call.api.returns {
        Returns::Bool => format!("test the `BOOL` itself: `if (!{api}(...)) return GetLastError();`"),
        Returns::RpcStatus => format!("compare with `RPC_S_OK`: `if ({api}(...) != RPC_S_OK) return ...;`"),
        _ => format!("test with `FAILED()` / `SUCCEEDED()` or compare with 0: `if (FAILED({api}(...))) return ...;`"),
    };
    let label = match why {
        Why::CannotTell(_) | Why::FailureGoesOn => "tested here",
        Why::RevertsOnFailure => "tested here; the branch taken on failure reverts as if impersonating",
    };
    let d = cx.diagnostic(call, Severity::Error, message).with_help(help).with_label(cx.file, test, label);
    cx.push(d.with_fix(fix));
}

/// The fix: the test rewritten as a comparison in the status's own
/// convention, true when the code's test meant it to be (see the module doc).
fn fix(
    cx: &RuleCx<'_>,
    view: &StatusView<'_>,
    call: &ApiCall<'_>,
    test: &Test,
    cond: ExprId,
    at: BlockId,
) -> Option<Fix> {
    let func = call.func;
    let own = cx.kb.status_test(cx.rule.name, call.api.returns)?;
    // The status must be one operand: a call, a local, a name or a field
    // (an assignment inside the condition would bind looser than the comparison).
    let status = func.exprs.get(test.status.index())?;
    if !matches!(status.kind, ExprKind::Call(_) | ExprKind::Local(_) | ExprKind::Name(_) | ExprKind::Field(..)) {
        return None;
    }
    // The test the fix replaces: in `a && s` only `s` is one.
    let parent = test.parent.and_then(|p| func.exprs.get(p.index()).map(|x| (p, x)));
    let parent = parent.filter(|(_, p)| !matches!(p.kind, ExprKind::Binary(BinOp::And | BinOp::Or, _, _)));
    let tested = parent.map_or(test.status, |(p, _)| p);
    // What the test means in the convention its spelling uses.
    let spelled = match test.form {
        Form::SignTest(_) => Returns::Hresult,
        Form::SuccessCode(_) => Returns::RpcStatus,
        Form::Truthy => Returns::Bool,
    };
    let holds = |worked: bool| Some(view.eval(tested, at, call.id, spelled.sample(worked)?)? != 0);
    let (on_success, on_failure) = (holds(true)?, holds(false)?);
    if on_success == on_failure {
        return None;
    }
    let (op, operand) = own.comparison(on_success)?;
    let comparison = format!(" {op} {operand}");
    // Parenthesised unless the test is the whole condition.
    let wrap = tested != cond && parent.is_some();
    let (open, close) = if wrap { ("(", ")") } else { ("", "") };
    let s = status.span;
    let file = cx.file;
    let edit = |start: u32, end: u32, text: String| Edit {
        file,
        span: Span::new(start as usize, end as usize),
        replacement: text,
    };
    let mut expects: Vec<(FileId, Span, String)> = Vec::new();
    let mut expect = |start: u32, end: u32, text: &str| {
        expects.push((file, Span::new(start as usize, end as usize), text.to_string()));
    };
    let edits = match parent {
        None => vec![edit(s.end, s.end, comparison.clone())],
        Some((_, p)) => match &p.kind {
            // `!s` or `!(s)`.
            ExprKind::Unary(UnOp::Not, _) => {
                let (prefix, suffix) = match (s.start.checked_sub(p.span.start)?, p.span.end.checked_sub(s.end)?) {
                    (1, 0) => ("!", ""),
                    (2, 1) => ("!(", ")"),
                    _ => return None,
                };
                expect(p.span.start, s.start, prefix);
                expect(s.end, p.span.end, suffix);
                vec![
                    edit(p.span.start, s.start, open.to_string()),
                    edit(s.end, p.span.end, format!("{comparison}{close}")),
                ]
            }
            // `s == FALSE`, `ERROR_SUCCESS != s`: the operator and the other operand go.
            ExprKind::Binary(bin @ (BinOp::Eq | BinOp::Ne), a, b) => {
                let (sa, sb) = (func.exprs.get(a.index())?.span, func.exprs.get(b.index())?.span);
                let sign = if *bin == BinOp::Eq { "==" } else { "!=" };
                match sb.start.checked_sub(sa.end)? {
                    2 => expect(sa.end, sb.start, sign),
                    4 => expect(sa.end, sb.start, &format!(" {sign} ")),
                    _ => return None,
                }
                if *a == test.status {
                    vec![
                        edit(sa.end, sb.end, format!("{comparison}{close}")),
                        edit(sa.start, sa.start, open.to_string()),
                    ]
                } else {
                    vec![
                        edit(sa.start, sb.start, open.to_string()),
                        edit(sb.end, sb.end, format!("{comparison}{close}")),
                    ]
                }
            }
            // `FAILED(s)`: the macro's name and parentheses go.
            ExprKind::Call(c) => {
                let macro_name = &func.calls.get(c.index())?.callee;
                expect(p.span.start, s.start, &format!("{macro_name}("));
                expect(s.end, p.span.end, ")");
                vec![
                    edit(p.span.start, s.start, open.to_string()),
                    edit(s.end, p.span.end, format!("{comparison}{close}")),
                ]
            }
            _ => return None,
        },
    };
    let outcome = if on_success { "success" } else { "failure" };
    let message = format!("test the {} for {outcome}: `{}`", type_name(call.api.returns), comparison.trim_start());
    // Never safe: the branch that then runs has only ever run on the other outcome.
    let mut fix = Fix::new(
        message,
        edits.into_iter().filter(|e| !(e.span.start == e.span.end && e.replacement.is_empty())).collect(),
        Applicability::Unsafe,
    )?;
    fix.expects = expects;
    Some(fix)
}

fn type_name(returns: Returns) -> &'static str {
    match returns {
        Returns::Bool => "`BOOL`",
        Returns::RpcStatus => "`RPC_STATUS`",
        Returns::Hresult => "`HRESULT` (or `SECURITY_STATUS`)",
        Returns::Other => "status",
    }
}
