//! The evaluation of expressions: operators, aggregates, names and the
//! project's constants (evaluated in their own file's scope).

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use super::memory::read_field;
use super::{FileCtx, Interp, MAX_CONST_DEPTH};
use crate::ir::{Aggregate, BinOp, ExprId, ExprKind, Field, FieldKey, FileIr, Function, Rest, UnOp};
use crate::resolve::facts::{FunctionFacts, TestInfo};
use crate::resolve::value::{Atom, Origin, RestVal, StructVal, Value};
use crate::source::FileId;

impl Interp<'_, '_> {
    /// `&inner`: references to the places it names, or a pointer to its value.
    pub(super) fn address_of(&mut self, inner: ExprId) -> Value {
        match self.place_of(inner) {
            Some(refs) => Value { atoms: refs.into_iter().map(|r| (Atom::Ref(r), None)).collect(), ..Value::default() },
            None => {
                let v = self.eval(inner);
                Value::atom(Atom::Pointee(Box::new(v)), None)
            }
        }
    }

    pub(super) fn eval(&mut self, e: ExprId) -> Value {
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
                // A unit struct whose `Drop` reverts (`Some(Reverter)`).
                if self.cx.reverting_types.contains(n.as_str()) {
                    let ty = Some(Rc::from(n.as_str()));
                    let guard = StructVal { ty, fields: BTreeMap::new(), rest: RestVal::Unknown, origin: None };
                    return Value::atom(Atom::Struct(Box::new(guard)), None);
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
            ExprKind::AddrOf(inner) => self.address_of(*inner),
            ExprKind::Deref(inner) => {
                let v = self.eval(*inner);
                if let Some(r) = self.param_pointee(*inner, &v) {
                    return self.read_ref(&r);
                }
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
                    UnOp::Not => match v.atoms.as_slice() {
                        [(Atom::Test(m, when), o)] if !v.unknown => Value::atom(Atom::Test(*m, !*when), *o),
                        _ => v.map_ints(|x| Some(u64::from(x == 0))),
                    },
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

    pub(super) fn deref(&mut self, v: &Value) -> Value {
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

    pub(super) fn binary(&mut self, op: BinOp, a: &Value, b: &Value) -> Value {
        if op.is_comparison() {
            for (x, other) in [(a, b), (b, a)] {
                let compared = !other.is_null_or_empty();
                self.test(x, TestInfo { checked: true, compared, ..TestInfo::default() });
            }
            return self.stored_test(op, a, b).unwrap_or_else(Value::unknown);
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

    pub(super) fn aggregate(&mut self, agg: &Aggregate, span: crate::ir::Span) -> Value {
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

    // Names and constants.

    pub(super) fn lookup_name(&mut self, name: &str) -> Value {
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
    pub(super) fn eval_const(&mut self, ir: &FileIr, file: FileId, e: ExprId) -> Value {
        self.eval_in(&ir.const_scope, file, e)
    }

    /// Evaluates an expression of `func` (a constant scope, or a helper that
    /// returns a constant) as seen from `file`: no locals, no effects.
    pub(super) fn eval_in(&mut self, func: &Function, file: FileId, e: ExprId) -> Value {
        let ctx = FileCtx {
            kb: self.cx.kb,
            file,
            consts: self.cx.consts,
            reverting_types: self.cx.reverting_types,
            deadline: self.cx.deadline,
            summaries: self.cx.summaries,
        };
        let mut sub = Interp {
            cx: &ctx,
            func,
            facts: FunctionFacts::default(),
            const_memo: std::mem::take(&mut self.const_memo),
            const_stack: std::mem::take(&mut self.const_stack),
            state: None,
            pure: true,
            deferred_reverters: BTreeSet::new(),
            joining_facts: false,
            order: Vec::new(),
            read_depth: 0,
            addr_kept: BTreeSet::new(),
            short_circuit: BTreeSet::new(),
            deferred_revert: false,
            watch: None,
            exits: std::collections::BTreeMap::new(),
        };
        let v = sub.eval(e);
        self.const_memo = std::mem::take(&mut sub.const_memo);
        self.const_stack = std::mem::take(&mut sub.const_stack);
        v
    }
}
