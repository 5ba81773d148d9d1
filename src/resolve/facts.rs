//! What the data-flow analysis learned about a function, for the rules.

use std::collections::BTreeMap;

use super::value::{Mark, Value};
use crate::ir::LocalId;
use crate::kb::{Api, Kb, Role};

/// How a call's output was tested somewhere (on at least one path).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TestInfo {
    /// Used as a condition, compared, switched on, `?`, `FAILED()`, `.is_err()`.
    pub(crate) checked: bool,
    /// Compared with something that is not null (a verifier: `wcscmp`, `==`).
    pub(crate) compared: bool,
    /// Returned to the caller or handed to another function.
    pub(crate) passed: bool,
    /// The bits it was tested against with `&`.
    pub(crate) flags: u64,
}

impl TestInfo {
    pub(crate) fn merge(&mut self, other: TestInfo) -> bool {
        let before = *self;
        self.checked |= other.checked;
        self.compared |= other.compared;
        self.passed |= other.passed;
        self.flags |= other.flags;
        *self != before
    }
}

/// What was known at one call of a knowledge-base API.
#[derive(Clone, Debug)]
pub struct CallFacts {
    /// Index into [`Kb::apis`].
    pub(crate) api: usize,
    /// Argument values aligned with the API's parameters (C's explicit `This`
    /// removed); pointers are replaced by what they pointed to at the call.
    pub(crate) args: Vec<Value>,
    /// Aligned with `args`: the expression the call's function wrote for
    /// each parameter, where it wrote one (for a summarised call, the
    /// caller's argument that reaches it). Rules point their findings at it.
    pub(crate) arg_exprs: Vec<Option<crate::ir::ExprId>>,
    /// How each call output had been tested by the time of this call.
    pub(crate) tested: BTreeMap<Mark, TestInfo>,
    /// The out-parameters (by position) whose output this analysis keeps,
    /// with the local that receives it: written through the address of a
    /// local of this function (`&attrs`, `&mut qop`, `&s.field`). An output
    /// written through a pointer it cannot follow (a parameter, `p->field`)
    /// or into a global is read elsewhere, so whether it is tested cannot be
    /// told from this function.
    pub(crate) followed_outputs: BTreeMap<u16, LocalId>,
    /// For a call of the tree's own function analysed as the API it reaches
    /// (a summary): the calls on the way, outermost first. Empty for a
    /// direct call.
    pub(crate) via: Vec<crate::summary::Step>,
}

impl CallFacts {
    /// Joins what another path passes to the same call: each argument may
    /// be either path's; an output tested on either path counts as tested.
    pub(crate) fn join(&mut self, other: &CallFacts) {
        for (mine, theirs) in self.args.iter_mut().zip(&other.args) {
            mine.join(theirs);
        }
        for (k, t) in &other.tested {
            self.tested.entry(*k).or_default().merge(*t);
        }
        for (k, l) in &other.followed_outputs {
            self.followed_outputs.entry(*k).or_insert(*l);
        }
    }

    pub(crate) fn api<'kb>(&self, kb: &'kb Kb) -> Option<&'kb Api> {
        kb.apis.get(self.api)
    }

    /// The argument passed for the first parameter with `role`.
    pub(crate) fn arg(&self, kb: &Kb, role: Role) -> Option<&Value> {
        let i = self.api(kb)?.param_with(role)?;
        self.args.get(i)
    }

    pub(crate) fn tested(&self, mark: Mark) -> TestInfo {
        self.tested.get(&mark).copied().unwrap_or_default()
    }

    /// Whether the output of parameter `index` was written where this analysis follows it.
    pub(crate) fn output_followed(&self, index: usize) -> bool {
        self.output_local(index).is_some()
    }

    /// The local that receives the output of parameter `index`, if followed.
    pub(crate) fn output_local(&self, index: usize) -> Option<LocalId> {
        u16::try_from(index).ok().and_then(|i| self.followed_outputs.get(&i).copied())
    }
}

/// Everything the analysis recorded for one function.
#[derive(Clone, Debug, Default)]
pub struct FunctionFacts {
    /// Indexed by `CallId`: facts for each reached call of a known API.
    pub(crate) calls: Vec<Option<CallFacts>>,
    /// How each output was tested anywhere in the function.
    pub(crate) ever_tested: BTreeMap<Mark, TestInfo>,
    /// The analysis gave up (too large a function); the API rules stay
    /// silent, `parse-error` reports it.
    pub(crate) gave_up: bool,
    /// Impersonations still in effect when the function returns, with the
    /// `return` value's span where there is one.
    pub(crate) unreverted: BTreeMap<crate::ir::CallId, Option<crate::ir::Span>>,
    /// Of `unreverted`, those still in effect at a return on a path where
    /// another function was called after them (work done as the client).
    pub(crate) unreverted_after_work: std::collections::BTreeSet<crate::ir::CallId>,
    /// It gave up because the file's time limit passed (`--file-timeout`).
    pub(crate) timed_out: bool,
    /// What the function stores into each named field (`x.f = v`, `p->f =
    /// v`, Rust `self.f = v`; by the field's name; a C++ member named alone
    /// or a global by its name), joined over its writes
    /// and paths: an API output (a mark) or null as it is, anything else as
    /// unknown. Where a proxy one function opens is kept for another.
    pub(crate) field_writes: BTreeMap<String, Value>,
}

impl FunctionFacts {
    pub(crate) fn call(&self, id: crate::ir::CallId) -> Option<&CallFacts> {
        self.calls.get(id.index()).and_then(Option::as_ref)
    }
}
