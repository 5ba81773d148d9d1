//! The forward data-flow analysis of one function.
//!
//! A small abstract interpreter walks the CFG from the entry block with a
//! worklist: the state at a block's entry is the join of its predecessors'
//! exit states, blocks are revisited until nothing changes (bounded, with
//! widening to unknown). At each call of a knowledge-base API it records the
//! arguments' values and how earlier outputs had been tested ([`CallFacts`]).
//!
//! Calls change the state the way the knowledge base says: an API's
//! out-parameters receive a [`Mark`] of that call; helpers copy, compare,
//! test or zero; an unknown function may write through any pointer it is
//! given, so what it could change becomes unknown.
//!
//! This module holds the interpreter's state; its parts add the methods:
//! [`worklist`] (the fixed point), [`transfer`] (a block, and branches on a
//! status), [`eval`] (expressions and constants), [`memory`] (places,
//! reads and writes), [`calls`] (APIs, helpers, unknown functions),
//! [`summaries`] (calls of the tree's own summarised functions),
//! [`conds`] (conditions a path branched on), [`impersonation`]
//! (which impersonations are in effect) and [`exits`] (what a function
//! leaves in its caller's fields, for [`super::fields`]).

mod calls;
mod conds;
mod eval;
mod exits;
mod impersonation;
mod memory;
mod summaries;
mod transfer;
mod worklist;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;
use std::time::Instant;

use self::impersonation::deferred_reverters;
use super::consts::ConstTable;
use super::facts::{FunctionFacts, TestInfo};
use super::value::{Mark, Origin, Value};
use crate::ir::{CallId, Function, LocalId};
use crate::kb::Kb;
use crate::source::FileId;
use crate::summary::Summaries;

/// Per block, how many visits before its changing values are widened to unknown.
const WIDEN_AFTER: u32 = 8;
/// Block visits per function before the analysis gives up (the API rules
/// stay silent on it; `parse-error` reports it).
const VISIT_BUDGET: u32 = 20_000;
/// Block visits between two looks at the clock.
const DEADLINE_EVERY: u32 = 64;
/// Nesting of constant definitions (`#define A B`, `#define B C`, ...).
const MAX_CONST_DEPTH: usize = 24;
/// States kept apart at a block's entry: paths that disagree on which
/// impersonations are in effect are not joined, up to this many (see [`State::key`]).
const MAX_DISJUNCTS: usize = 4;

/// What the analysis of one file needs to know.
pub struct FileCtx<'a> {
    pub kb: &'a Kb,
    pub file: FileId,
    pub consts: &'a ConstTable<'a>,
    /// Types whose destructor (C++) or `Drop` (Rust) reverts an impersonation:
    /// a local of such a type reverts when its scope ends.
    pub reverting_types: &'a BTreeSet<String>,
    /// When the analysis must stop (the per-file time limit), if ever.
    pub deadline: Option<Instant>,
    /// The tree's own functions: applied at their calls like API entries.
    pub summaries: Option<&'a Summaries>,
}

/// Runs the analysis on `func` (a function of the file in `cx`).
pub fn analyze(cx: &FileCtx<'_>, func: &Function) -> FunctionFacts {
    let mut interp = Interp::new(cx, func);
    interp.run();
    interp.facts
}

/// Runs the analysis on `func` to learn what it leaves, at its `return`s, in
/// the fields named in `watch` of the places its caller sees (what a
/// pointer parameter points to, a parameter passed by reference, a global):
/// per field, the join of its values at the returns where it was written.
/// `None` when the analysis gave up.
pub(crate) fn field_exits(
    cx: &FileCtx<'_>,
    func: &Function,
    watch: &BTreeSet<String>,
) -> Option<BTreeMap<String, Value>> {
    let mut interp = Interp::new(cx, func);
    interp.watch = Some(watch);
    interp.run();
    (!interp.facts.gave_up).then_some(interp.exits)
}

/// The value of `e`, an expression of `func` in the file of `cx`, with no
/// locals known (a struct literal's field: a constant, or unknown).
pub(crate) fn eval_constant(cx: &FileCtx<'_>, func: &Function, e: crate::ir::ExprId) -> Value {
    let mut interp = Interp::new(cx, func);
    interp.eval_in(func, cx.file, e)
}

#[derive(Clone, Debug, PartialEq)]
struct State {
    locals: Vec<Value>,
    globals: BTreeMap<Rc<str>, Value>,
    tested: BTreeMap<Mark, TestInfo>,
    /// Impersonation calls that may be in effect (not yet reverted).
    impersonating: BTreeSet<CallId>,
    /// Impersonations during which some other function was called (on some path).
    acted: BTreeSet<CallId>,
    /// How a tested impersonation went on this path (true: it worked), as
    /// the branch on its status decided: a later test of the same status
    /// (or of a flag set from it) goes the same way.
    assumed: BTreeMap<CallId, bool>,
    /// Conditions this path branched on, by their text ([`conds`]).
    conds: BTreeMap<String, conds::Cond>,
}

impl State {
    /// What keeps two paths apart where they meet: the impersonations in
    /// effect, and the way each took on the status tests it recorded. A flag
    /// that records an impersonation (`impersonating = TRUE`) then keeps its
    /// value on each path, and the test of the flag goes one way on each; a
    /// status tested twice (`if (SUCCEEDED(hr)) hr = Connect(&p); if
    /// (SUCCEEDED(hr)) Use(p);`) reaches the second test with `p` set on
    /// the paths where it succeeds.
    fn same_path(&self, other: &State) -> bool {
        let statuses = |s: &State| s.conds.iter().filter(|(_, c)| c.is_status_test()).count();
        self.impersonating == other.impersonating
            && statuses(self) == statuses(other)
            && self
                .conds
                .iter()
                .filter(|(_, c)| c.is_status_test())
                .all(|(k, c)| other.conds.get(k).is_some_and(|o| conds::same_way(c, o)))
    }
}

struct Interp<'a, 'c> {
    cx: &'a FileCtx<'c>,
    /// The arena expressions come from: the function, or a file's constant scope.
    func: &'a Function,
    facts: FunctionFacts,
    const_memo: HashMap<(FileId, String), Value>,
    const_stack: Vec<(FileId, String)>,
    /// `None` while evaluating a constant (no locals, no effects).
    state: Option<State>,
    /// Evaluating only to learn a value (which way a branch goes): calls
    /// have no effects and nothing counts as tested.
    pure: bool,
    /// Locals that hold a scope guard built around a closure that reverts
    /// (`wil::scope_exit([&] { CoRevertToSelf(); })`, `scopeguard::guard(..)`):
    /// they revert when their scope ends.
    deferred_reverters: BTreeSet<LocalId>,
    /// A block's second and later states are being run: the facts recorded
    /// at a call join those of its earlier states rather than replace them.
    joining_facts: bool,
    /// Each block's rank in reverse postorder (a loop's back edge goes to a lower rank).
    order: Vec<usize>,
    /// Nesting of reads through references (`read_ref`): a place that
    /// refers to itself (`p->self = p`) would otherwise never end.
    read_depth: u32,
    /// Locals whose address is kept ([`conds::addr_kept`]): no condition reads them.
    addr_kept: BTreeSet<LocalId>,
    /// The calls in the right operands of the `||` or `&&` chain of the
    /// branch being evaluated: they run only on some paths, so a revert
    /// among them ends nothing until the edge where all operands ran.
    short_circuit: BTreeSet<CallId>,
    /// A revert among [`Interp::short_circuit`] was reached.
    deferred_revert: bool,
    /// Fields whose values at the returns are recorded ([`field_exits`]).
    watch: Option<&'a BTreeSet<String>>,
    /// Per field of `watch`, its values at the returns so far.
    exits: BTreeMap<String, Value>,
}

impl<'a, 'c> Interp<'a, 'c> {
    fn new(cx: &'a FileCtx<'c>, func: &'a Function) -> Interp<'a, 'c> {
        Interp {
            cx,
            func,
            facts: FunctionFacts { calls: vec![None; func.calls.len()], ..FunctionFacts::default() },
            const_memo: HashMap::new(),
            const_stack: Vec::new(),
            state: None,
            pure: false,
            deferred_reverters: deferred_reverters(cx.kb, func),
            joining_facts: false,
            order: Vec::new(),
            read_depth: 0,
            addr_kept: conds::addr_kept(func),
            short_circuit: BTreeSet::new(),
            deferred_revert: false,
            watch: None,
            exits: BTreeMap::new(),
        }
    }

    fn origin(&self, span: crate::ir::Span) -> Origin {
        Origin { file: self.cx.file, span }
    }
}
