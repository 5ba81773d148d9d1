//! Calls of the tree's own functions that have a summary: analysed as the
//! API call the function reaches, with the caller's arguments where the
//! function passes its parameters on, or valued as the constant it returns.

use std::collections::BTreeSet;

use super::Interp;
use super::calls::Entered;
use crate::ir::{CallId, ExprId};
use crate::resolve::facts::TestInfo;
use crate::resolve::value::{Mark, Origin, Slot, Value};
use crate::summary::{ArgSrc, Summary, returned_exprs, settings_passed};

impl Interp<'_, '_> {
    /// The value of a call of a summarised function, or `None` when the
    /// callee has no summary (an unknown function).
    pub(super) fn summarised_call(
        &mut self,
        c: CallId,
        args: &[Value],
        arg_exprs: &[ExprId],
        receiver: Option<&Value>,
    ) -> Option<Value> {
        let summaries = self.cx.summaries?;
        let call = self.func.calls.get(c.index())?;
        let scope = call.scope.as_deref();
        let s = summaries.for_call_in(self.cx.file, &call.callee, call.receiver.is_some(), args.len(), scope)?;
        if s.returns_const {
            // Still a call of the project's own function: the rules that ask
            // whether work ran as the client count it, as for any function.
            if self.state.is_some() && !self.pure {
                self.note_work();
            }
            return Some(self.summary_constant(s));
        }
        let reach = s.reach.as_ref()?;
        let kb = self.cx.kb;
        let api = kb.apis.get(reach.api)?;
        if self.state.is_none() {
            return Some(Value::unknown());
        }
        if self.pure {
            let status = api.returns.is_status() && reach.returns_status;
            return Some(if status {
                Value::mark(Mark { call: c, slot: Slot::Return }, None)
            } else {
                Value::unknown()
            });
        }
        let pick = |a: &ArgSrc| -> (Value, Option<ExprId>) {
            match a {
                ArgSrc::Param(k) => (args.get(*k).cloned().unwrap_or_else(Value::unknown), arg_exprs.get(*k).copied()),
                ArgSrc::Null => (Value::null(None), None),
                ArgSrc::Unknown => (Value::unknown(), None),
            }
        };
        let (inner_args, inner_exprs): (Vec<Value>, Vec<Option<ExprId>>) = reach.args.iter().map(pick).unzip();
        // What the function gets but does not pass on to the API: as for an
        // unknown function, it may write through it or test it.
        let passed: BTreeSet<usize> = reach
            .args
            .iter()
            .chain(reach.receiver.iter())
            .filter_map(|a| match a {
                ArgSrc::Param(k) => Some(*k),
                _ => None,
            })
            .collect();
        for (k, (v, e)) in args.iter().zip(arg_exprs).enumerate() {
            if !passed.contains(&k) {
                self.test(v, TestInfo { passed: true, ..TestInfo::default() });
                self.havoc_through(v, *e);
            }
        }
        if let (Some(v), Some(e)) = (receiver, call.receiver) {
            self.havoc_through(v, e);
        }
        let mut via = reach.steps.clone();
        if let Some(last) = via.last_mut() {
            last.reaches = settings_passed(reach, kb);
        }
        let entered = Entered { api, index: reach.api, via, returns_status: reach.returns_status };
        Some(self.enter_api(c, entered, inner_args, inner_exprs))
    }

    /// The constant a helper returns, evaluated in the helper's own file;
    /// a value without a definition of its own is "set" at the `return`.
    fn summary_constant(&mut self, s: &Summary) -> Value {
        let Some(f) = self.cx.consts.file(s.file).and_then(|ir| ir.functions.get(s.function)) else {
            return Value::unknown();
        };
        let values: Vec<Value> = returned_exprs(f)
            .into_iter()
            .map(|e| {
                let span = f.exprs.get(e.index()).map(|x| x.span).unwrap_or_default();
                self.eval_in(f, s.file, e).with_default_origin(Origin { file: s.file, span })
            })
            .collect();
        Value::join_all(values)
    }
}
