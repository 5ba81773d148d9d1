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
    Aggregate, BinOp, BlockId, CallId, ExprId, ExprKind, Field, FieldKey, FileIr, Function, Place, PlaceRoot, Rest,
    Stmt, Terminator, UnOp,
};
use crate::kb::{Dir, HelperKind, Kb, Returns};
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
            let succs = self.transfer_block(bb);
            let Some(out) = self.state.take() else { continue };
            for s in succs {
                let i = s.index();
                if i >= n {
                    continue;
                }
                let changed = match &mut entry[i] {
                    slot @ None => {
                        *slot = Some(out.clone());
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

    /// Runs a block's statements and terminator on `self.state`; returns the successors.
    fn transfer_block(&mut self, bb: BlockId) -> Vec<BlockId> {
        let func = self.func;
        let Some(block) = func.blocks.get(bb.index()) else { return Vec::new() };
        for stmt in &block.stmts {
            match stmt {
                Stmt::Assign { place, value, span } => {
                    let v = self.eval(*value).with_default_origin(self.origin(*span));
                    self.write_place(place, v);
                }
                Stmt::Eval(e) => {
                    self.eval(*e);
                }
                Stmt::ScopeEnd(_) => {}
            }
        }
        match &block.term {
            Terminator::Branch { cond, .. } => {
                let v = self.eval(*cond);
                self.test(&v, TestInfo { checked: true, ..TestInfo::default() });
            }
            Terminator::Switch { scrutinee, .. } => {
                let v = self.eval(*scrutinee);
                self.test(&v, TestInfo { checked: true, ..TestInfo::default() });
            }
            Terminator::Return(Some(e)) => {
                let v = self.eval(*e);
                self.test(&v, TestInfo { passed: true, ..TestInfo::default() });
            }
            Terminator::Goto(_) | Terminator::Either(_) | Terminator::Return(None) | Terminator::Unreachable => {}
        }
        block.term.successors()
    }

    /// Records that the marks in `v` were tested this way.
    fn test(&mut self, v: &Value, how: TestInfo) {
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

    fn write_place(&mut self, place: &Place, v: Value) {
        let refs = self.place_ref(place);
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
        let ctx = FileCtx { kb: self.cx.kb, file, consts: self.cx.consts, deadline: self.cx.deadline };
        let mut sub = Interp {
            cx: &ctx,
            func: &ir.const_scope,
            facts: FunctionFacts::default(),
            const_memo: std::mem::take(&mut self.const_memo),
            const_stack: std::mem::take(&mut self.const_stack),
            state: None,
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
            if m.this_in_args && !args.is_empty() {
                receiver = Some(args.remove(0));
                arg_exprs.remove(0);
            }
            let api_index = kb.apis.iter().position(|a| std::ptr::eq(a, m.api)).unwrap_or(usize::MAX);
            let deep_args: Vec<Value> = args.iter().map(|v| self.deep(v, 2)).collect();
            let tested = self.state.as_ref().map(|s| s.tested.clone()).unwrap_or_default();
            if let Some(slot) = self.facts.calls.get_mut(c.index()) {
                *slot = Some(CallFacts { api: api_index, args: deep_args, receiver: receiver.clone(), tested });
            }
            let origin = Some(self.origin(span));
            for (i, p) in m.api.params.iter().enumerate() {
                if p.dir == Dir::In {
                    continue;
                }
                let (Some(arg), Some(expr)) = (args.get(i), arg_exprs.get(i)) else { continue };
                let slot = Slot::Param(u16::try_from(i).unwrap_or(u16::MAX));
                let out = Value::mark(Mark { call: c, slot }, origin);
                self.write_through(arg, *expr, out);
            }
            return match m.api.returns {
                Returns::Status => Value::mark(Mark { call: c, slot: Slot::Return }, origin),
                Returns::Other => Value::unknown(),
            };
        }

        if let Some(h) = kb.helper(&call.callee) {
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
                    match target(h.to) {
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
                    if let Some(to) = target(h.to) {
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
        if self.state.is_some() {
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
    changed
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
