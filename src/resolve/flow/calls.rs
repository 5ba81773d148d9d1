//! Calls: an API's arguments are recorded and its outputs marked; helpers
//! copy, compare, test or zero; an unknown function havocs what it is given.

use std::collections::BTreeMap;

use super::Interp;
use crate::ir::{CallId, ExprId};
use crate::kb::{Api, Dir, HelperKind, WindowsForm};
use crate::resolve::facts::{CallFacts, TestInfo};
use crate::resolve::value::{Atom, Mark, PlaceRef, RefRoot, Slot, Value};
use crate::summary::Step;

impl Interp<'_, '_> {
    pub(super) fn eval_call(&mut self, c: CallId) -> Value {
        let func = self.func;
        let Some(call) = func.calls.get(c.index()) else { return Value::unknown() };
        let span = call.span;
        let receiver = call.receiver.map(|r| self.eval(r));
        let args: Vec<Value> = call.args.iter().map(|a| self.eval(*a)).collect();
        let arg_exprs: Vec<ExprId> = call.args.clone();
        let kb = self.cx.kb;
        if self.state.is_some() && !self.pure {
            // What a call is given the address of, it may write.
            self.forget_addressed(&arg_exprs);
        }

        // The project's own function of an API's name is not the API, nor is
        // a C++ namespace's or class's function of that name.
        let own =
            call.path == crate::ir::CallPath::Scoped || self.cx.summaries.is_some_and(|s| s.is_own(self.cx.file, call));
        if let Some(m) = kb.api_for_call(&call.callee, receiver.is_some(), args.len()).filter(|_| !own) {
            if self.state.is_none() {
                return Value::unknown();
            }
            if self.pure {
                let status = m.api.returns.is_status();
                return if status { Value::mark(Mark { call: c, slot: Slot::Return }, None) } else { Value::unknown() };
            }
            // One value per parameter, by the signature the call follows.
            let args = m.align(&args, Value::unknown());
            let arg_exprs: Vec<Option<ExprId>> =
                m.align(&call.args.iter().copied().map(Some).collect::<Vec<_>>(), None);
            let entered = Entered { api: m.api, index: m.index, via: Vec::new(), returns_status: true };
            let mut value = self.enter_api(c, entered, args, arg_exprs);
            // The `windows` crate returns the proxy it opens as the call's
            // value (`let svc = locator.ConnectServer(..)?`): the value is that proxy too.
            if let Some(i) = m.windows_layout.then(|| returned_proxy(m.api)).flatten() {
                value.join(&Value::mark(Mark { call: c, slot: Slot::Param(i) }, Some(self.origin(span))));
            }
            return value;
        }

        // A helper, the tree's own or an unknown function may change what it
        // is given, and globals: the conditions on them are forgotten. A
        // predicate method (`token.is_invalid()`) changes nothing.
        if self.state.is_some() && !self.pure && !self.is_predicate_call(call) {
            self.forget_at_call(&arg_exprs, call.receiver);
        }

        // A token-text helper passes no value on: it is an unknown function here.
        let helper =
            kb.helper_for_call(&call.callee, call.receiver.is_some()).filter(|h| h.kind != HelperKind::TokenText);
        if let Some(h) = helper {
            let pick = |i: Option<i32>, args: &[Value], receiver: &Option<Value>| -> Value {
                match i.unwrap_or(0) {
                    -1 => receiver.clone().unwrap_or_else(Value::unknown),
                    i => usize::try_from(i).ok().and_then(|i| args.get(i).cloned()).unwrap_or_else(Value::unknown),
                }
            };
            let target = |i: Option<i32>| i.and_then(|i| usize::try_from(i).ok());
            return match h.kind {
                HelperKind::Transparent | HelperKind::PassStatus => pick(h.from, &args, &receiver),
                HelperKind::Copy => {
                    let from = pick(h.from, &args, &receiver);
                    match target(h.to).filter(|_| !self.pure) {
                        Some(to) => {
                            if let (Some(arg), Some(expr)) = (args.get(to).cloned(), arg_exprs.get(to).copied()) {
                                self.write_through(&arg, expr, from);
                            }
                            Value::unknown()
                        }
                        None => from,
                    }
                }
                HelperKind::Compare => {
                    let how = TestInfo { checked: true, compared: true, ..TestInfo::default() };
                    for v in args.iter().chain(receiver.iter()) {
                        self.test(v, how);
                        // `set.contains(&name)`: what the reference points to is compared.
                        if v.atoms.iter().any(|(a, _)| matches!(a, Atom::Ref(_))) {
                            let target = self.deref(v);
                            self.test(&target, how);
                        }
                    }
                    Value::unknown()
                }
                HelperKind::TestStatus => {
                    let from = pick(h.from, &args, &receiver);
                    self.test(&from, TestInfo { checked: true, ..TestInfo::default() });
                    // `SUCCEEDED(hr)`, `.is_ok()`: a truth value a flag can hold.
                    match (h.means, from.atoms.as_slice()) {
                        (Some(means), [(Atom::Mark(m), o)]) if !from.unknown && m.slot == Slot::Return => {
                            Value::atom(Atom::Test(*m, means == crate::kb::Outcome::Success), *o)
                        }
                        _ => from,
                    }
                }
                HelperKind::ZeroFill => {
                    let zero = Value::zero_struct(None, Some(self.origin(span)));
                    if let Some(to) = target(h.to).filter(|_| !self.pure) {
                        if let (Some(arg), Some(expr)) = (args.get(to).cloned(), arg_exprs.get(to).copied()) {
                            self.write_through(&arg, expr, zero);
                        }
                    }
                    Value::unknown()
                }
                HelperKind::Zero => Value::zero_struct(None, Some(self.origin(span))),
                HelperKind::SavesThreadToken => {
                    // Saved while this function impersonates, it is the
                    // client's token, not the thread's own: any token.
                    let own = self.state.as_ref().is_some_and(|s| s.impersonating.is_empty());
                    if let Some(to) = target(h.to).filter(|_| !self.pure) {
                        if let (Some(arg), Some(expr)) = (args.get(to).cloned(), arg_exprs.get(to).copied()) {
                            let saved = if own {
                                Value::mark(Mark { call: c, slot: Slot::SavedToken }, Some(self.origin(span)))
                            } else {
                                Value::unknown()
                            };
                            self.write_through(&arg, expr, saved);
                        }
                    }
                    Value::unknown()
                }
                HelperKind::AddressOf | HelperKind::ValueOf => {
                    let of = match h.from.unwrap_or(-1) {
                        -1 => call.receiver,
                        i => usize::try_from(i).ok().and_then(|i| call.args.get(i).copied()),
                    };
                    match of.filter(|_| call.args.is_empty()) {
                        Some(e) if h.kind == HelperKind::AddressOf => self.address_of(e),
                        Some(e) => self.eval(e),
                        None => Value::unknown(),
                    }
                }
                HelperKind::TokenText | HelperKind::Predicate => Value::unknown(),
            };
        }

        if let Some(v) = self.summarised_call(c, &args, &arg_exprs, receiver.as_ref()) {
            return v;
        }

        // An unknown function: it may write through any pointer or reference
        // it gets, and a status handed to it counts as handled.
        if self.state.is_some() && !self.pure {
            self.note_work();
            for (v, e) in args.iter().zip(&arg_exprs) {
                self.test(v, TestInfo { passed: true, ..TestInfo::default() });
                self.havoc_through(v, *e);
                self.forget_pointee(*e);
            }
            if let (Some(v), Some(e)) = (&receiver, call.receiver) {
                self.test(v, TestInfo { passed: true, ..TestInfo::default() });
                self.havoc_through(v, e);
            }
        }
        Value::unknown()
    }

    /// A call of `entered.api` with these arguments (aligned with its
    /// parameters; the expression of each, where the caller wrote one):
    /// records its facts, marks its outputs, tracks impersonation.
    pub(super) fn enter_api(
        &mut self,
        c: CallId,
        entered: Entered<'_>,
        args: Vec<Value>,
        arg_exprs: Vec<Option<ExprId>>,
    ) -> Value {
        let func = self.func;
        let Some(call) = func.calls.get(c.index()) else { return Value::unknown() };
        let span = call.span;
        let api = entered.api;
        let deep_args: Vec<Value> = args.iter().map(|v| self.deep(v, 2)).collect();
        let tested = self.state.as_ref().map(|s| s.tested.clone()).unwrap_or_default();
        if let Some(slot) = self.facts.calls.get_mut(c.index()) {
            let facts = CallFacts {
                api: entered.index,
                args: deep_args,
                arg_exprs: arg_exprs.clone(),
                tested,
                followed_outputs: BTreeMap::new(),
                via: entered.via,
            };
            // Another path into the same block: what either path passes.
            match slot {
                Some(old) if self.joining_facts => old.join(&facts),
                _ => *slot = Some(facts),
            }
        }
        let origin = Some(self.origin(span));
        for (i, p) in api.params.iter().enumerate() {
            if p.dir == Dir::In {
                continue;
            }
            let (Some(arg), Some(Some(expr))) = (args.get(i), arg_exprs.get(i)) else { continue };
            let index = u16::try_from(i).unwrap_or(u16::MAX);
            let out = Value::mark(Mark { call: c, slot: Slot::Param(index) }, origin);
            // A parameter's storage (a C++ `ULONG &attrs`) is the caller's.
            let local = arg.atoms.iter().find_map(|(a, _)| match a {
                Atom::Ref(PlaceRef { root: RefRoot::Local(l), .. })
                    if func.locals.get(l.index()).is_some_and(|l| !l.is_param) =>
                {
                    Some(*l)
                }
                _ => None,
            });
            if let (Some(local), Some(Some(facts))) = (local, self.facts.calls.get_mut(c.index())) {
                facts.followed_outputs.insert(index, local);
            }
            self.write_through(arg, *expr, out);
        }
        self.note_work();
        self.track_impersonation(c, api, &args);
        if !api.returns.is_status() {
            return Value::unknown();
        }
        let status = Value::mark(Mark { call: c, slot: Slot::Return }, origin);
        if entered.returns_status {
            return status;
        }
        // A function that keeps the status to itself has dealt with it.
        self.test(&status, TestInfo { checked: true, ..TestInfo::default() });
        Value::unknown()
    }
}

/// The out-parameter holding a COM proxy that the `windows` crate returns
/// instead of taking (`IWbemLocator::ConnectServer`'s `ppNamespace`).
fn returned_proxy(api: &Api) -> Option<u16> {
    let i = api.params.iter().position(|p| {
        p.role == Some(crate::kb::Role::Proxy) && p.dir != Dir::In && p.windows == Some(WindowsForm::Returned)
    })?;
    u16::try_from(i).ok()
}

/// Which API a call is analysed as, and how it got there.
pub(super) struct Entered<'k> {
    pub(super) api: &'k Api,
    /// Index into [`crate::kb::Kb::apis`].
    pub(super) index: usize,
    /// The calls through the tree's own functions (empty for a direct call).
    pub(super) via: Vec<Step>,
    /// The call's value is the API's status (a direct call, or a function
    /// that returns the status unchanged).
    pub(super) returns_status: bool,
}
