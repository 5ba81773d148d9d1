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

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;
use std::time::Instant;

use super::consts::ConstTable;
use super::facts::{CallFacts, FunctionFacts, TestInfo};
use super::value::{Atom, Mark, Origin, PlaceRef, RefRoot, RestVal, Slot, StructVal, Value};
use crate::ir::{
    Aggregate, BinOp, BlockId, CallId, ExprId, ExprKind, Field, FieldKey, FileIr, Function, LocalId, Place, PlaceRoot,
    Rest, Stmt, Terminator, UnOp,
};
use crate::kb::{Dir, Effect, HelperKind, Kb, Role};
use crate::source::FileId;

/// Per block, how many visits before its changing values are widened to unknown.
const WIDEN_AFTER: u32 = 8;
/// Block visits per function before the analysis gives up (the API rules
/// stay silent on it; `parse-error` reports it).
const VISIT_BUDGET: u32 = 20_000;
/// Block visits between two looks at the clock.
const DEADLINE_EVERY: u32 = 64;
/// Nesting of constant definitions (`#define A B`, `#define B C`, ...).
const MAX_CONST_DEPTH: usize = 24;

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
}

/// Runs the analysis on `func` (a function of the file in `cx`).
pub fn analyze(cx: &FileCtx<'_>, func: &Function) -> FunctionFacts {
    let mut interp = Interp::new(cx, func);
    interp.run();
    interp.facts
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
        }
    }

    fn origin(&self, span: crate::ir::Span) -> Origin {
        Origin { file: self.cx.file, span }
    }

    // ----- the worklist ------------------------------------------------------

    fn run(&mut self) {
        let n = self.func.blocks.len();
        if n == 0 {
            return;
        }
        let initial = State {
            locals: vec![Value::unknown(); self.func.locals.len()],
            globals: BTreeMap::new(),
            tested: BTreeMap::new(),
            impersonating: BTreeSet::new(),
            acted: BTreeSet::new(),
        };
        let mut entry: Vec<Option<State>> = vec![None; n];
        let mut visits = vec![0u32; n];
        entry[0] = Some(initial);
        let order = reverse_postorder(self.func);
        let rank: Vec<usize> = {
            let mut r = vec![usize::MAX; n];
            for (i, b) in order.iter().enumerate() {
                r[b.index()] = i;
            }
            r
        };
        // Blocks waiting for a visit, lowest reverse-postorder rank first.
        let mut queue: BTreeSet<(usize, BlockId)> = BTreeSet::from([(rank[0], BlockId(0))]);
        let mut budget = VISIT_BUDGET;
        while let Some((_, bb)) = queue.pop_first() {
            // The clock is read every few visits only: a visit is cheap.
            let timed_out = budget % DEADLINE_EVERY == 0 && self.cx.deadline.is_some_and(|d| Instant::now() >= d);
            if budget == 0 || timed_out {
                self.facts = FunctionFacts {
                    gave_up: true,
                    timed_out,
                    calls: vec![None; self.func.calls.len()],
                    ..FunctionFacts::default()
                };
                return;
            }
            budget -= 1;
            let Some(state) = entry[bb.index()].clone() else { continue };
            self.state = Some(state);
            let edges = self.transfer_block(bb);
            self.state = None;
            for (s, out) in edges {
                let i = s.index();
                if i >= n {
                    continue;
                }
                let changed = match &mut entry[i] {
                    slot @ None => {
                        *slot = Some(out);
                        true
                    }
                    Some(existing) => {
                        visits[i] += 1;
                        join_state(existing, &out, visits[i] > WIDEN_AFTER)
                    }
                };
                if changed {
                    queue.insert((rank[i], s));
                }
            }
        }
    }

    /// Runs a block's statements and terminator on `self.state`; returns each
    /// successor with the state it is entered with.
    fn transfer_block(&mut self, bb: BlockId) -> Vec<(BlockId, State)> {
        let func = self.func;
        let Some(block) = func.blocks.get(bb.index()) else { return Vec::new() };
        for stmt in &block.stmts {
            match stmt {
                Stmt::Assign { place, value, span } => {
                    let v = self.eval(*value).with_default_origin(self.origin(*span));
                    // Stored where someone else can read it: handed on.
                    if self.escapes(place) {
                        self.test(&v, TestInfo { passed: true, ..TestInfo::default() });
                    }
                    self.write_place(place, v);
                }
                Stmt::Eval(e) => {
                    self.eval(*e);
                }
                Stmt::ScopeEnd(l) => {
                    // A guard whose destructor reverts ends here.
                    let reverts = func
                        .locals
                        .get(l.index())
                        .and_then(|l| l.ty.as_deref())
                        .is_some_and(|t| self.cx.reverting_types.contains(t))
                        || self.deferred_reverters.contains(l);
                    if reverts {
                        if let Some(state) = &mut self.state {
                            state.impersonating.clear();
                        }
                    }
                }
            }
        }
        let checked = TestInfo { checked: true, ..TestInfo::default() };
        match &block.term {
            Terminator::Branch { cond, then_, else_ } => {
                let v = self.eval(*cond);
                self.test(&v, checked);
                let Some(state) = self.state.take() else { return Vec::new() };
                // An impersonation whose failure sends the code down one edge
                // is not in effect on that edge.
                let (mut on_then, mut on_else) = (state.clone(), state.clone());
                for c in &state.impersonating {
                    self.state = Some(state.clone());
                    let when_ok = self.cond_outcome(*cond, Mark { call: *c, slot: Slot::Return }, true, 0);
                    match when_ok {
                        Some(true) => on_else.impersonating.remove(c),
                        Some(false) => on_then.impersonating.remove(c),
                        None => false,
                    };
                }
                self.state = None;
                return vec![(*then_, on_then), (*else_, on_else)];
            }
            Terminator::Switch { scrutinee, .. } => {
                let v = self.eval(*scrutinee);
                self.test(&v, checked);
                // The IR does not say which arm is the failure: an impersonation
                // switched on its own status is no longer tracked, rather than
                // reported on an arm where it failed.
                if let Some(state) = &mut self.state {
                    state.impersonating.retain(|c| !is_only_mark(&v, Mark { call: *c, slot: Slot::Return }));
                }
            }
            Terminator::Return(value) => {
                let mut returned = Value::unknown();
                if let Some(e) = value {
                    returned = self.eval(*e);
                    self.test(&returned, TestInfo { passed: true, ..TestInfo::default() });
                }
                let at = value.and_then(|e| func.exprs.get(e.index())).map(|e| e.span);
                if let Some(state) = &self.state {
                    for c in &state.impersonating {
                        // A wrapper that returns the impersonation's own status
                        // hands the impersonation to its caller.
                        let own = Mark { call: *c, slot: Slot::Return };
                        if returned.marks().any(|(m, _)| m == own) {
                            continue;
                        }
                        self.facts.unreverted.entry(*c).or_insert(at);
                        if state.acted.contains(c) {
                            self.facts.unreverted_after_work.insert(*c);
                        }
                    }
                }
            }
            Terminator::Goto(_) | Terminator::Either(_) | Terminator::Unreachable => {}
        }
        let Some(state) = self.state.take() else { return Vec::new() };
        block.term.successors().into_iter().map(|s| (s, state.clone())).collect()
    }

    /// Whether the condition `e` is true when the call of `mark` succeeded
    /// (`success`) or failed, if that can be told from `e` alone.
    fn cond_outcome(&mut self, e: ExprId, mark: Mark, success: bool, depth: u32) -> Option<bool> {
        if depth > 16 {
            return None;
        }
        let func = self.func;
        let kind = &func.exprs.get(e.index())?.kind;
        match kind {
            ExprKind::Unary(UnOp::Not, inner) => self.cond_outcome(*inner, mark, success, depth + 1).map(|b| !b),
            ExprKind::Binary(op @ (BinOp::And | BinOp::Or), a, b) => {
                let x = self.cond_outcome(*a, mark, success, depth + 1);
                let y = self.cond_outcome(*b, mark, success, depth + 1);
                match (op, x, y) {
                    (BinOp::And, Some(false), _) | (BinOp::And, _, Some(false)) => Some(false),
                    (BinOp::And, Some(true), Some(true)) => Some(true),
                    (BinOp::Or, Some(true), _) | (BinOp::Or, _, Some(true)) => Some(true),
                    (BinOp::Or, Some(false), Some(false)) => Some(false),
                    _ => None,
                }
            }
            ExprKind::Binary(op, a, b) if op.is_comparison() => {
                let sample = self.status_sample(mark, success)?;
                let (va, vb) = (self.pure_eval(*a), self.pure_eval(*b));
                let single = |v: &Value| match v.known_ints().as_deref() {
                    Some([(x, _)]) => Some(*x),
                    _ => None,
                };
                let (x, y) = if is_only_mark(&va, mark) {
                    (sample, single(&vb)?)
                } else if is_only_mark(&vb, mark) {
                    (single(&va)?, sample)
                } else {
                    return None;
                };
                Some(compare(*op, x, y))
            }
            ExprKind::Call(c)
                if func.calls.get(c.index()).is_some_and(|call| {
                    self.cx.kb.helper_for_call(&call.callee, call.receiver.is_some()).is_some()
                }) =>
            {
                let call = func.calls.get(c.index())?;
                let h = self.cx.kb.helper_for_call(&call.callee, call.receiver.is_some())?;
                let from = match h.from.unwrap_or(0) {
                    -1 => call.receiver?,
                    i => *call.args.get(usize::try_from(i).ok()?)?,
                };
                match (h.kind, h.means) {
                    (HelperKind::TestStatus, Some(means)) => {
                        let v = self.pure_eval(from);
                        if !is_only_mark(&v, mark) {
                            return None;
                        }
                        Some((means == crate::kb::Outcome::Success) == success)
                    }
                    (HelperKind::PassStatus | HelperKind::Transparent, _) => {
                        self.cond_outcome(from, mark, success, depth + 1)
                    }
                    _ => None,
                }
            }
            _ => {
                let v = self.pure_eval(e);
                if !is_only_mark(&v, mark) {
                    return None;
                }
                Some(self.status_sample(mark, success)? != 0)
            }
        }
    }

    /// A value the call of `mark` returns on success or failure.
    fn status_sample(&self, mark: Mark, success: bool) -> Option<u64> {
        let facts = self.facts.calls.get(mark.call.index())?.as_ref()?;
        self.cx.kb.apis.get(facts.api)?.returns.sample(success)
    }

    /// Evaluates without effects.
    fn pure_eval(&mut self, e: ExprId) -> Value {
        let was = self.pure;
        self.pure = true;
        let v = self.eval(e);
        self.pure = was;
        v
    }

    /// Records that the marks in `v` were tested this way.
    fn test(&mut self, v: &Value, how: TestInfo) {
        if self.pure {
            return;
        }
        let marks: Vec<Mark> = v.marks().map(|(m, _)| m).collect();
        for m in marks {
            if let Some(state) = &mut self.state {
                state.tested.entry(m).or_default().merge(how);
            }
            self.facts.ever_tested.entry(m).or_default().merge(how);
        }
    }

    // ----- places ------------------------------------------------------------

    fn place_ref(&mut self, place: &Place) -> Vec<PlaceRef> {
        match &place.root {
            PlaceRoot::Local(l) => vec![PlaceRef { root: RefRoot::Local(*l), path: place.path.clone() }],
            PlaceRoot::Global(g) => {
                vec![PlaceRef { root: RefRoot::Global(Rc::from(g.as_str())), path: place.path.clone() }]
            }
            PlaceRoot::Deref(e) => {
                let v = self.eval(*e);
                if v.unknown {
                    return Vec::new();
                }
                v.atoms
                    .iter()
                    .filter_map(|(a, _)| match a {
                        Atom::Ref(r) => {
                            let mut r = r.clone();
                            r.path.extend(place.path.iter().cloned());
                            Some(r)
                        }
                        _ => None,
                    })
                    .collect()
            }
            PlaceRoot::Unknown => Vec::new(),
        }
    }

    /// Whether a write to `place` is seen outside this function: a global,
    /// what an unknown pointer points to (`p->status`, `*out`), a field of a
    /// parameter (Rust `self.status`, a C++ member through `this`).
    fn escapes(&mut self, place: &Place) -> bool {
        match &place.root {
            PlaceRoot::Global(_) | PlaceRoot::Unknown => true,
            PlaceRoot::Local(l) => {
                !place.path.is_empty() && self.func.locals.get(l.index()).is_some_and(|l| l.is_param)
            }
            PlaceRoot::Deref(e) => {
                let v = self.pure_eval(*e);
                v.unknown
                    || v.atoms.iter().any(|(a, _)| !matches!(a, Atom::Ref(r) if matches!(r.root, RefRoot::Local(_))))
            }
        }
    }

    fn write_place(&mut self, place: &Place, v: Value) {
        let refs = self.place_ref(place);
        // Stored where this function cannot follow it (through a pointer it
        // does not know, `*out = status`, `conn->attrs = attrs`) or where other
        // functions read it (a global): handed on, like a returned value.
        if refs.is_empty() || refs.iter().any(|r| matches!(r.root, RefRoot::Global(_))) {
            self.test(&v, TestInfo { passed: true, ..TestInfo::default() });
        }
        let strong = refs.len() == 1;
        for r in refs {
            self.write_ref(&r, v.clone(), strong);
        }
    }

    fn write_ref(&mut self, r: &PlaceRef, v: Value, strong: bool) {
        let old = self.read_root(&r.root);
        let new = set_path(old.clone(), &r.path, v, strong);
        let Some(state) = &mut self.state else { return };
        match &r.root {
            RefRoot::Local(l) => {
                if let Some(slot) = state.locals.get_mut(l.index()) {
                    *slot = new;
                }
            }
            RefRoot::Global(g) => {
                state.globals.insert(g.clone(), new);
            }
        }
    }

    fn read_root(&mut self, root: &RefRoot) -> Value {
        match root {
            RefRoot::Local(l) => {
                self.state.as_ref().and_then(|s| s.locals.get(l.index()).cloned()).unwrap_or_else(Value::unknown)
            }
            RefRoot::Global(g) => {
                if let Some(v) = self.state.as_ref().and_then(|s| s.globals.get(g).cloned()) {
                    return v;
                }
                self.lookup_name(g)
            }
        }
    }

    fn read_ref(&mut self, r: &PlaceRef) -> Value {
        let mut v = self.read_root(&r.root);
        for f in &r.path {
            v = read_field(&v, f, self);
        }
        v
    }

    /// The place an expression denotes, if it is one (`x`, `x.f`, `p->f`, `a[i]`).
    fn place_of(&mut self, e: ExprId) -> Option<Vec<PlaceRef>> {
        let func = self.func;
        match &func.expr(e).kind {
            ExprKind::Local(l) => Some(vec![PlaceRef { root: RefRoot::Local(*l), path: Vec::new() }]),
            ExprKind::Name(n) if self.state.is_some() && !self.cx.kb.constants.contains_key(n) => {
                Some(vec![PlaceRef { root: RefRoot::Global(Rc::from(n.as_str())), path: Vec::new() }])
            }
            ExprKind::Field(b, f) => self.place_of_with(*b, Field::Named(f.clone())),
            ExprKind::Index(b) => self.place_of_with(*b, Field::Index),
            ExprKind::Deref(p) => {
                let v = self.eval(*p);
                let refs: Vec<PlaceRef> = v
                    .atoms
                    .iter()
                    .filter_map(|(a, _)| if let Atom::Ref(r) = a { Some(r.clone()) } else { None })
                    .collect();
                (!refs.is_empty() && !v.unknown).then_some(refs)
            }
            _ => None,
        }
    }

    fn place_of_with(&mut self, base: ExprId, field: Field) -> Option<Vec<PlaceRef>> {
        // A field of a pointer auto-dereferences (Rust `p.f` on `&mut T`).
        let mut refs = self.place_of(base)?;
        if let [r] = refs.as_slice() {
            let v = self.read_ref(r);
            if let [(Atom::Ref(target), _)] = v.atoms.as_slice() {
                if !v.unknown {
                    refs = vec![target.clone()];
                }
            }
        }
        for r in &mut refs {
            r.path.push(field.clone());
        }
        Some(refs)
    }

    // ----- expressions -------------------------------------------------------

    fn eval(&mut self, e: ExprId) -> Value {
        let func = self.func;
        let Some(expr) = func.exprs.get(e.index()) else { return Value::unknown() };
        match &expr.kind {
            ExprKind::Int(v) => Value::int(*v, None),
            ExprKind::Bool(b) => Value::int(u64::from(*b), None),
            ExprKind::Str(s) => Value::str(&s.value, None),
            ExprKind::Null => Value::null(None),
            ExprKind::Local(l) => {
                self.state.as_ref().and_then(|s| s.locals.get(l.index()).cloned()).unwrap_or_else(Value::unknown)
            }
            ExprKind::Name(n) => {
                if let Some(v) = self.state.as_ref().and_then(|s| s.globals.get(n.as_str()).cloned()) {
                    return v;
                }
                self.lookup_name(n)
            }
            ExprKind::Field(b, f) => {
                let base = self.eval(*b);
                read_field(&base, &Field::Named(f.clone()), self)
            }
            ExprKind::Index(b) => {
                let base = self.eval(*b);
                read_field(&base, &Field::Index, self)
            }
            ExprKind::AddrOf(inner) => match self.place_of(*inner) {
                Some(refs) => {
                    Value { atoms: refs.into_iter().map(|r| (Atom::Ref(r), None)).collect(), ..Value::default() }
                }
                None => {
                    let v = self.eval(*inner);
                    Value::atom(Atom::Pointee(Box::new(v)), None)
                }
            },
            ExprKind::Deref(inner) => {
                let v = self.eval(*inner);
                self.deref(&v)
            }
            ExprKind::Unary(op, inner) => {
                let v = self.eval(*inner);
                if *op == UnOp::Not {
                    self.test(&v, TestInfo { checked: true, ..TestInfo::default() });
                }
                match op {
                    UnOp::Neg => v.map_ints(|x| Some(x.wrapping_neg())),
                    UnOp::BitNot => v.map_ints(|x| Some(!x)),
                    UnOp::Not => v.map_ints(|x| Some(u64::from(x == 0))),
                }
            }
            ExprKind::Binary(op, a, b) => {
                let va = self.eval(*a);
                let vb = self.eval(*b);
                self.binary(*op, &va, &vb)
            }
            ExprKind::Select(es) => {
                let vs: Vec<Value> = es.iter().map(|e| self.eval(*e)).collect();
                Value::join_all(vs)
            }
            ExprKind::Concat(es) => {
                let mut text = String::new();
                for part in es {
                    let v = self.eval(*part);
                    match v.known_strs().as_deref() {
                        Some([(s, _)]) => text.push_str(s),
                        _ => return Value::unknown(),
                    }
                }
                Value::str(&text, None)
            }
            ExprKind::Call(c) => self.eval_call(*c),
            ExprKind::Aggregate(agg) => self.aggregate(agg, expr.span),
            ExprKind::Propagate(inner) => {
                let v = self.eval(*inner);
                self.test(&v, TestInfo { checked: true, ..TestInfo::default() });
                v
            }
            ExprKind::Unknown => Value::unknown(),
        }
    }

    fn deref(&mut self, v: &Value) -> Value {
        let mut out = Value { atoms: Vec::new(), unknown: v.unknown, saturated: false };
        for (a, _) in &v.atoms {
            match a {
                Atom::Ref(r) => {
                    let target = self.read_ref(r);
                    out.join(&target);
                }
                Atom::Pointee(p) => {
                    out.join(p);
                }
                _ => out.unknown = true,
            }
        }
        if out.atoms.is_empty() {
            out.unknown = true;
        }
        out
    }

    fn binary(&mut self, op: BinOp, a: &Value, b: &Value) -> Value {
        if op.is_comparison() {
            for (x, other) in [(a, b), (b, a)] {
                let compared = !other.is_null_or_empty();
                self.test(x, TestInfo { checked: true, compared, ..TestInfo::default() });
            }
            return Value::unknown();
        }
        if matches!(op, BinOp::And | BinOp::Or) {
            for x in [a, b] {
                self.test(x, TestInfo { checked: true, ..TestInfo::default() });
            }
            return Value::unknown();
        }
        if op == BinOp::BitAnd {
            for (x, other) in [(a, b), (b, a)] {
                let flags = other.known_ints().map_or(0, |v| v.iter().fold(0, |acc, (i, _)| acc | i));
                self.test(x, TestInfo { checked: true, flags, ..TestInfo::default() });
            }
        }
        let (Some(xs), Some(ys)) = (a.known_ints(), b.known_ints()) else { return Value::unknown() };
        let mut out = Value::default();
        for (x, ox) in &xs {
            for (y, oy) in &ys {
                let r = match op {
                    BinOp::BitOr => Some(x | y),
                    BinOp::BitAnd => Some(x & y),
                    BinOp::BitXor => Some(x ^ y),
                    BinOp::Shl => u32::try_from(*y).ok().and_then(|s| x.checked_shl(s)),
                    BinOp::Shr => u32::try_from(*y).ok().and_then(|s| x.checked_shr(s)),
                    BinOp::Add => Some(x.wrapping_add(*y)),
                    BinOp::Sub => Some(x.wrapping_sub(*y)),
                    BinOp::Mul => Some(x.wrapping_mul(*y)),
                    BinOp::Div => x.checked_div(*y),
                    BinOp::Rem => x.checked_rem(*y),
                    _ => None,
                };
                match r {
                    Some(r) => {
                        out.join(&Value::int(r, ox.or(*oy)));
                    }
                    None => out.unknown = true,
                }
            }
        }
        out
    }

    fn aggregate(&mut self, agg: &Aggregate, span: crate::ir::Span) -> Value {
        let origin = Some(self.origin(span));
        let ty: Option<Rc<str>> = agg.ty.as_deref().map(Rc::from);
        let mut st = StructVal { ty: ty.clone(), fields: BTreeMap::new(), rest: RestVal::Zero, origin };
        if let Rest::Base(b) = agg.rest {
            let base = self.eval(b);
            match base.as_struct() {
                Some(s) => {
                    st.fields.clone_from(&s.fields);
                    st.rest = s.rest;
                    if st.ty.is_none() {
                        st.ty.clone_from(&s.ty);
                    }
                }
                None => st.rest = RestVal::Unknown,
            }
        }
        let def = agg.ty.as_deref().and_then(|t| self.cx.kb.struct_def(t));
        for (key, e) in &agg.fields {
            let v = self.eval(*e);
            let name = match key {
                FieldKey::Named(n) => Some(n.clone()),
                FieldKey::Pos(i) => def.and_then(|d| d.field_at(*i as usize)).map(str::to_string),
            };
            match name {
                Some(n) => {
                    let v = v.with_default_origin(self.origin(self.func.expr(*e).span));
                    st.fields.insert(Field::Named(n), v);
                }
                // A positional field of a struct we do not know: nothing is certain.
                None => st.rest = RestVal::Unknown,
            }
        }
        Value::atom(Atom::Struct(Box::new(st)), origin)
    }

    // ----- names and constants -----------------------------------------------

    fn lookup_name(&mut self, name: &str) -> Value {
        if let Some(c) = self.cx.kb.constant(name) {
            return match c {
                crate::kb::ConstValue::Int(_) => c.as_u64().map_or_else(Value::unknown, |v| Value::int(v, None)),
                crate::kb::ConstValue::Str(s) => Value::str(s, None),
            };
        }
        let key = (self.cx.file, name.to_string());
        if let Some(v) = self.const_memo.get(&key) {
            return v.clone();
        }
        if self.const_stack.len() >= MAX_CONST_DEPTH || self.const_stack.contains(&key) {
            return Value::unknown();
        }
        let defs = self.cx.consts.lookup(name, self.cx.file);
        if defs.is_empty() {
            return Value::unknown();
        }
        self.const_stack.push(key.clone());
        let mut values = Vec::new();
        for d in defs {
            let Some(ir) = self.cx.consts.file(d.file) else { continue };
            let Some(def) = ir.consts.get(d.index) else { continue };
            values.push(
                self.eval_const(ir, d.file, def.value).with_default_origin(Origin { file: d.file, span: def.span }),
            );
        }
        self.const_stack.pop();
        let v = Value::join_all(values);
        self.const_memo.insert(key, v.clone());
        v
    }

    /// Evaluates a constant's expression in its own file's scope: no locals,
    /// no effects, names resolved from that file.
    fn eval_const(&mut self, ir: &FileIr, file: FileId, e: ExprId) -> Value {
        let ctx = FileCtx {
            kb: self.cx.kb,
            file,
            consts: self.cx.consts,
            reverting_types: self.cx.reverting_types,
            deadline: self.cx.deadline,
        };
        let mut sub = Interp {
            cx: &ctx,
            func: &ir.const_scope,
            facts: FunctionFacts::default(),
            const_memo: std::mem::take(&mut self.const_memo),
            const_stack: std::mem::take(&mut self.const_stack),
            state: None,
            pure: true,
            deferred_reverters: BTreeSet::new(),
        };
        let v = sub.eval(e);
        self.const_memo = std::mem::take(&mut sub.const_memo);
        self.const_stack = std::mem::take(&mut sub.const_stack);
        v
    }

    // ----- calls -------------------------------------------------------------

    fn eval_call(&mut self, c: CallId) -> Value {
        let func = self.func;
        let Some(call) = func.calls.get(c.index()) else { return Value::unknown() };
        let span = call.span;
        let mut receiver = call.receiver.map(|r| self.eval(r));
        let mut args: Vec<Value> = call.args.iter().map(|a| self.eval(*a)).collect();
        let mut arg_exprs: Vec<ExprId> = call.args.clone();
        let kb = self.cx.kb;

        if let Some(m) = kb.api_for_call(&call.callee, receiver.is_some(), args.len()) {
            if self.state.is_none() {
                return Value::unknown();
            }
            if self.pure {
                let status = m.api.returns.is_status();
                return if status { Value::mark(Mark { call: c, slot: Slot::Return }, None) } else { Value::unknown() };
            }
            if m.this_in_args && !args.is_empty() {
                receiver = Some(args.remove(0));
                arg_exprs.remove(0);
            }
            let api_index = kb.apis.iter().position(|a| std::ptr::eq(a, m.api)).unwrap_or(usize::MAX);
            let deep_args: Vec<Value> = args.iter().map(|v| self.deep(v, 2)).collect();
            let tested = self.state.as_ref().map(|s| s.tested.clone()).unwrap_or_default();
            if let Some(slot) = self.facts.calls.get_mut(c.index()) {
                *slot = Some(CallFacts {
                    api: api_index,
                    args: deep_args,
                    receiver: receiver.clone(),
                    tested,
                    followed_outputs: BTreeMap::new(),
                });
            }
            let origin = Some(self.origin(span));
            for (i, p) in m.api.params.iter().enumerate() {
                if p.dir == Dir::In {
                    continue;
                }
                let (Some(arg), Some(expr)) = (args.get(i), arg_exprs.get(i)) else { continue };
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
            self.track_impersonation(c, m.api, &args);
            return if m.api.returns.is_status() {
                Value::mark(Mark { call: c, slot: Slot::Return }, origin)
            } else {
                Value::unknown()
            };
        }

        if let Some(h) = kb.helper_for_call(&call.callee, call.receiver.is_some()) {
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
                    from
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
            };
        }

        // An unknown function: it may write through any pointer or reference
        // it gets, and a status handed to it counts as handled.
        if self.state.is_some() && !self.pure {
            self.note_work();
            for (v, e) in args.iter().zip(&arg_exprs) {
                self.test(v, TestInfo { passed: true, ..TestInfo::default() });
                self.havoc_through(v, *e);
            }
            if let (Some(v), Some(e)) = (&receiver, call.receiver) {
                self.test(v, TestInfo { passed: true, ..TestInfo::default() });
                self.havoc_through(v, e);
            }
        }
        Value::unknown()
    }

    /// A function other than a helper is called: whatever impersonation is in
    /// effect did some work as the client.
    fn note_work(&mut self) {
        if let Some(state) = &mut self.state {
            let current: Vec<CallId> = state.impersonating.iter().copied().collect();
            state.acted.extend(current);
        }
    }

    /// Keeps the set of impersonations in effect: an impersonating call adds
    /// itself, a reverting one (or `SetThreadToken` with no token) ends them all.
    fn track_impersonation(&mut self, c: CallId, api: &crate::kb::Api, args: &[Value]) {
        let Some(state) = &mut self.state else { return };
        match api.effect {
            Effect::Impersonate => {
                let clears_token =
                    api.param_with(Role::Token).and_then(|i| args.get(i)).is_some_and(Value::is_null_or_empty);
                if clears_token {
                    state.impersonating.clear();
                } else {
                    state.impersonating.insert(c);
                    state.acted.remove(&c);
                }
            }
            Effect::Revert => state.impersonating.clear(),
            _ => {}
        }
    }

    /// Writes `v` where an argument points (`&x`), or into the argument
    /// itself when it is a place passed by reference or an array (`buf`).
    fn write_through(&mut self, arg: &Value, expr: ExprId, v: Value) {
        let refs: Vec<PlaceRef> =
            arg.atoms.iter().filter_map(|(a, _)| if let Atom::Ref(r) = a { Some(r.clone()) } else { None }).collect();
        if !refs.is_empty() {
            let strong = refs.len() == 1 && !arg.unknown;
            for r in refs {
                self.write_ref(&r, v.clone(), strong);
            }
            return;
        }
        if let Some(places) = self.place_of(expr) {
            let strong = places.len() == 1;
            for r in places {
                self.write_ref(&r, v.clone(), strong);
            }
        }
    }

    /// What an unknown function could change becomes unknown: whatever its
    /// pointer arguments point to, and a struct passed by reference.
    fn havoc_through(&mut self, arg: &Value, expr: ExprId) {
        let has_ref = arg.atoms.iter().any(|(a, _)| matches!(a, Atom::Ref(_)));
        let has_struct = arg.atoms.iter().any(|(a, _)| matches!(a, Atom::Struct(_)));
        if has_ref || has_struct {
            self.write_through(arg, expr, Value::unknown());
        }
    }

    /// Replaces pointers to this function's places with what they point to now.
    fn deep(&mut self, v: &Value, depth: u32) -> Value {
        if depth == 0 || !v.atoms.iter().any(|(a, _)| matches!(a, Atom::Ref(_) | Atom::Struct(_) | Atom::Pointee(_))) {
            return v.clone();
        }
        let mut out = Value { atoms: Vec::new(), unknown: v.unknown, saturated: false };
        for (a, o) in &v.atoms {
            let atom = match a {
                Atom::Ref(r) => {
                    let target = self.read_ref(r);
                    Atom::Pointee(Box::new(self.deep(&target, depth - 1)))
                }
                Atom::Pointee(p) => Atom::Pointee(Box::new(self.deep(p, depth - 1))),
                Atom::Struct(s) => {
                    let mut s = (**s).clone();
                    let keys: Vec<Field> = s.fields.keys().cloned().collect();
                    for k in keys {
                        if let Some(fv) = s.fields.get(&k).cloned() {
                            s.fields.insert(k, self.deep(&fv, depth - 1));
                        }
                    }
                    Atom::Struct(Box::new(s))
                }
                other => other.clone(),
            };
            out.join(&Value::atom(atom, *o));
        }
        out
    }
}

/// Reads field `f` of a value: of a struct, or through a pointer to one.
fn read_field(base: &Value, f: &Field, interp: &mut Interp<'_, '_>) -> Value {
    let mut out = Value { atoms: Vec::new(), unknown: base.unknown, saturated: false };
    for (a, _) in &base.atoms {
        match a {
            Atom::Struct(s) => {
                out.join(&s.field(f));
            }
            Atom::Ref(r) => {
                let mut r = r.clone();
                r.path.push(f.clone());
                let v = interp.read_ref(&r);
                out.join(&v);
            }
            Atom::Pointee(p) => {
                let v = read_field(p, f, interp);
                out.join(&v);
            }
            _ => out.unknown = true,
        }
    }
    if out.atoms.is_empty() {
        out.unknown = true;
    }
    out
}

/// `old` with the place at `path` set to `v` (joined with the old value
/// when the write is weak: one of several possible targets).
fn set_path(old: Value, path: &[Field], v: Value, strong: bool) -> Value {
    let Some((first, rest)) = path.split_first() else {
        if strong {
            return v;
        }
        let mut joined = old;
        joined.join(&v);
        return joined;
    };
    // Writing a field of something that is not (only) a struct: start a struct
    // whose other fields are what they were (unknown for an unknown value).
    let mut st = match old.as_struct() {
        Some(s) if !old.unknown => s.clone(),
        _ => StructVal { ty: None, fields: BTreeMap::new(), rest: RestVal::Unknown, origin: None },
    };
    // Arrays: all elements are one place, so writes are always weak.
    let strong = strong && *first != Field::Index;
    let current = st.field(first);
    st.fields.insert(first.clone(), set_path(current, rest, v, strong));
    Value::atom(Atom::Struct(Box::new(st)), None)
}

fn join_state(into: &mut State, other: &State, widen: bool) -> bool {
    let mut changed = false;
    for (mine, theirs) in into.locals.iter_mut().zip(&other.locals) {
        let before = mine.clone();
        if mine.join(theirs) {
            changed = true;
            if widen && *mine != before {
                *mine = Value::saturated();
            }
        }
    }
    for (k, v) in &other.globals {
        match into.globals.get_mut(k) {
            Some(mine) => changed |= mine.join(v),
            None => {
                let mut v = v.clone();
                v.unknown = true;
                into.globals.insert(k.clone(), v);
                changed = true;
            }
        }
    }
    for (k, t) in &other.tested {
        changed |= into.tested.entry(*k).or_default().merge(*t);
    }
    for c in &other.impersonating {
        changed |= into.impersonating.insert(*c);
    }
    for c in &other.acted {
        changed |= into.acted.insert(*c);
    }
    changed
}

/// The locals assigned a call one of whose arguments holds a call of a
/// reverting API (a closure handed to a scope guard): see
/// `Interp::deferred_reverters`. The revert is found by its span, inside the
/// argument's.
fn deferred_reverters(kb: &Kb, func: &Function) -> BTreeSet<LocalId> {
    let reverts: Vec<crate::ir::Span> = func
        .calls
        .iter()
        .filter(|c| {
            kb.api_for_call(&c.callee, c.receiver.is_some(), c.args.len())
                .is_some_and(|m| m.api.effect == Effect::Revert)
        })
        .map(|c| c.span)
        .collect();
    let mut out = BTreeSet::new();
    if reverts.is_empty() {
        return out;
    }
    for stmt in func.blocks.iter().flat_map(|b| &b.stmts) {
        let Stmt::Assign { place, value, .. } = stmt else { continue };
        let (PlaceRoot::Local(l), true) = (&place.root, place.path.is_empty()) else { continue };
        let mut e = *value;
        while let Some(ExprKind::Propagate(inner)) = func.exprs.get(e.index()).map(|x| &x.kind) {
            e = *inner;
        }
        let Some(ExprKind::Call(c)) = func.exprs.get(e.index()).map(|x| &x.kind) else { continue };
        let Some(call) = func.calls.get(c.index()) else { continue };
        let holds_revert = call.args.iter().chain(call.receiver.iter()).any(|a| {
            let span = func.expr(*a).span;
            reverts.iter().any(|r| span.start <= r.start && r.end <= span.end && span != *r)
        });
        if holds_revert {
            out.insert(*l);
        }
    }
    out
}

fn is_only_mark(v: &Value, mark: Mark) -> bool {
    !v.unknown && matches!(v.atoms.as_slice(), [(Atom::Mark(m), _)] if *m == mark)
}

/// A comparison of two status-like values, signed on 32 bits as C compares them.
fn compare(op: BinOp, x: u64, y: u64) -> bool {
    let (a, b) = (x as u32 as i32, y as u32 as i32);
    match op {
        BinOp::Eq => a == b,
        BinOp::Ne => a != b,
        BinOp::Lt => a < b,
        BinOp::Le => a <= b,
        BinOp::Gt => a > b,
        _ => a >= b,
    }
}

fn reverse_postorder(func: &Function) -> Vec<BlockId> {
    let n = func.blocks.len();
    let mut seen = vec![false; n];
    let mut post = Vec::with_capacity(n);
    // Iterative DFS: (block, next successor index).
    let mut stack: Vec<(BlockId, usize)> = vec![(BlockId(0), 0)];
    if n > 0 {
        seen[0] = true;
    }
    while let Some((bb, i)) = stack.pop() {
        let succs = func.blocks.get(bb.index()).map(|b| b.term.successors()).unwrap_or_default();
        if let Some(&s) = succs.get(i) {
            stack.push((bb, i + 1));
            if s.index() < n && !seen[s.index()] {
                seen[s.index()] = true;
                stack.push((s, 0));
            }
        } else {
            post.push(bb);
        }
    }
    post.reverse();
    post
}
