//! Function summaries: what a function of the scanned tree does with the
//! arguments it is given, so that a call to it counts like a call to the
//! API it reaches.
//!
//! A summary is a knowledge-base entry the tree wrote. It is computed from
//! the lowered IR of every candidate file, bottom-up over the call graph
//! ([`compute`]), and the resolver applies it at a call of that function:
//! the call is analysed as the API call it reaches, with the caller's
//! arguments in the positions the function passes its parameters to, so the
//! rules need no change. Three kinds of facts are kept:
//!
//! - [`Reach`]: the function passes some of its parameters on to an API
//!   (`bind_secure(h, level)` calls `RpcBindingSetAuthInfoExW(h, spn, level,
//!   ..)`), directly or through another summarised function (two levels and
//!   more); it reverts an impersonation (on some path: the revert the caller
//!   relies on is there); or it is an impersonation primitive that leaves the
//!   impersonation on for its caller.
//! - A constant return (`static int level(void) { return RPC_C_AUTHN_LEVEL_CONNECT; }`):
//!   the call's value is the constant, evaluated in the helper's own file.
//! - The names each file defines: a call to a name its own file defines is
//!   the project's function, never the Windows API of the same name.
//!
//! Which definition a call means: the one in the caller's own file first (C
//! `static` helpers); else the only one in the tree, unless the caller's file
//! defines the name itself (a helper with no API in it, which the engine
//! never lowered). Arity must match (C++ overloads); a method call reaches
//! only a method, and a function with a Rust `self` only a method call. The
//! knowledge base wins over a summary: `x.is_err()` is its helper, whatever
//! function of the tree is called `is_err`.

mod compute;
#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

#[cfg(test)]
pub(crate) use compute::compute;
pub(crate) use compute::{compute_shared, returned_exprs, returns_constant, settings_passed};

use crate::ir::{CallPath, Span};
use crate::source::FileId;

/// Where an argument of the reached API call comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArgSrc {
    /// The summarised function's parameter at this position (its `self` not counted).
    Param(usize),
    /// A null written in the function (kept only for the calls whose effect
    /// it decides: `SetThreadToken(NULL, NULL)` reverts).
    Null,
    /// Anything else: the function's own value, which the API call inside it
    /// is judged on where it is written. Unknown at the caller.
    Unknown,
}

/// One call on the way from a summarised function to the API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Step {
    pub(crate) file: FileId,
    /// The call's span in `file`.
    pub(crate) span: Span,
    /// The function the call is in.
    pub(crate) function: String,
    /// The callee as written.
    pub(crate) callee: String,
    /// On the API call, as a caller's finding shows it: the API's
    /// parameters that the caller's arguments reach (`AuthnLevel`). Empty
    /// in the summaries themselves.
    pub(crate) reaches: Vec<String>,
}

/// The API call a summarised function amounts to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reach {
    /// Index into [`crate::kb::Kb::apis`].
    pub(crate) api: usize,
    /// Aligned with the API's parameters.
    pub(crate) args: Vec<ArgSrc>,
    /// For a COM method: where the interface pointer comes from.
    pub(crate) receiver: Option<ArgSrc>,
    /// The function returns the API's status unchanged (else the status is
    /// its own business: tested, or dropped, inside it).
    pub(crate) returns_status: bool,
    /// The calls from the summarised function down to the API call, outermost first.
    pub(crate) steps: Vec<Step>,
}

/// What is known about one function of the tree.
#[derive(Clone, Debug)]
pub(crate) struct Summary {
    pub(crate) name: String,
    pub(crate) file: FileId,
    /// Index of the function in its file's [`crate::ir::FileIr::functions`].
    pub(crate) function: usize,
    /// Parameters, a Rust `self` not counted.
    pub(crate) arity: usize,
    /// Has a Rust `self`: reached by method calls only.
    pub(crate) has_self: bool,
    /// A method (of a C++ class, a Rust `impl`): the only kind a method
    /// call (`p->M()`, `x.m()`) can reach.
    pub(crate) is_method: bool,
    /// The C++ class or namespace the function is in, by its last name: a
    /// call written `scope::F` reaches only a function of that scope.
    pub(crate) scope: Option<String>,
    pub(crate) reach: Option<Reach>,
    /// Every `return` gives a constant expression: the call's value is theirs.
    pub(crate) returns_const: bool,
}

impl Summary {
    fn matches(&self, has_receiver: bool, argc: usize) -> bool {
        self.arity == argc && if has_receiver { self.is_method } else { !self.has_self }
    }

    fn is_useful(&self) -> bool {
        self.reach.is_some() || self.returns_const
    }
}

/// The function names each file of a run defines (lowered or not), and
/// all of them: built once, shared by every round of summaries.
#[derive(Debug, Default)]
pub(crate) struct Defined {
    per_file: HashMap<FileId, BTreeSet<String>>,
    anywhere: BTreeSet<String>,
}

impl Defined {
    pub(crate) fn new(per_file: HashMap<FileId, BTreeSet<String>>) -> Defined {
        let anywhere = per_file.values().flatten().cloned().collect();
        Defined { per_file, anywhere }
    }
}

/// Every summary of a run, and the function names each file defines.
#[derive(Debug, Default)]
pub struct Summaries {
    entries: Vec<Summary>,
    by_name: HashMap<String, Vec<usize>>,
    defined: Arc<Defined>,
}

impl Summaries {
    pub(crate) fn new(defined: Arc<Defined>) -> Summaries {
        Summaries { entries: Vec::new(), by_name: HashMap::new(), defined }
    }

    pub(crate) fn push(&mut self, s: Summary) {
        if !s.is_useful() {
            return;
        }
        self.by_name.entry(s.name.clone()).or_default().push(self.entries.len());
        self.entries.push(s);
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Summary> {
        self.entries.iter()
    }

    /// Whether `file` defines a function called `name` itself.
    pub(crate) fn defines(&self, file: FileId, name: &str) -> bool {
        self.defined.per_file.get(&file).is_some_and(|names| names.contains(name))
    }

    /// Whether some file of the tree defines a function called `name`.
    pub(crate) fn defined_anywhere(&self, name: &str) -> bool {
        self.defined.anywhere.contains(name)
    }

    /// Whether a call to `callee` from `file` is a call to the project's own
    /// function: the file defines that name, or the call is written as a
    /// path into the crate (`super::F`, `crate::m::F`) and the tree defines
    /// it. A method call (`p->M()`) goes where its object's type says: never own.
    pub(crate) fn is_own(&self, file: FileId, call: &crate::ir::Call) -> bool {
        call.receiver.is_none()
            && match call.path {
                CallPath::Plain => self.defines(file, &call.callee),
                CallPath::Own => self.defined_anywhere(&call.callee),
                CallPath::Other | CallPath::Scoped => false,
            }
    }

    /// The summary a call from `file` to `callee` uses, if any.
    #[cfg(test)]
    pub(crate) fn for_call(&self, file: FileId, callee: &str, has_receiver: bool, argc: usize) -> Option<&Summary> {
        self.for_call_in(file, callee, has_receiver, argc, None)
    }

    /// [`Summaries::for_call`] for a call written `scope::callee` when
    /// `scope` is given: only a function of that class or namespace fits
    /// (`wil::CoImpersonateClient()` is not the tree's `app::CoImpersonateClient`).
    pub(crate) fn for_call_in(
        &self,
        file: FileId,
        callee: &str,
        has_receiver: bool,
        argc: usize,
        scope: Option<&str>,
    ) -> Option<&Summary> {
        let ids = self.by_name.get(callee)?;
        let in_scope = |s: &Summary| scope.is_none_or(|q| s.scope.as_deref() == Some(q));
        let fitting =
            || ids.iter().filter_map(|&i| self.entries.get(i)).filter(|s| s.matches(has_receiver, argc) && in_scope(s));
        if let Some(here) = fitting().find(|s| s.file == file) {
            return Some(here);
        }
        // The caller's file has its own function of that name (not summarised).
        if self.defines(file, callee) {
            return None;
        }
        let mut all = fitting();
        let first = all.next()?;
        // Several definitions elsewhere that disagree: which one links is not known.
        let same = |s: &Summary| s.reach == first.reach && s.returns_const == first.returns_const && !s.returns_const;
        all.all(same).then_some(first)
    }
}
