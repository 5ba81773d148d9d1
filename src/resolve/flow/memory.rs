//! The memory model: places (locals, globals, fields, what a pointer points
//! to), strong and weak writes, and reads through pointers.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::Interp;
use crate::ir::{ExprId, ExprKind, Field, Place, PlaceRoot};
use crate::resolve::facts::TestInfo;
use crate::resolve::value::{Atom, PlaceRef, RefRoot, RestVal, StructVal, Value};

impl Interp<'_, '_> {
    pub(super) fn place_ref(&mut self, place: &Place) -> Vec<PlaceRef> {
        match &place.root {
            PlaceRoot::Local(l) => vec![PlaceRef { root: RefRoot::Local(*l), path: place.path.clone() }],
            PlaceRoot::Global(g) => {
                vec![PlaceRef { root: RefRoot::Global(Rc::from(g.as_str())), path: place.path.clone() }]
            }
            PlaceRoot::Deref(e) => {
                let v = self.eval(*e);
                if let Some(r) = self.param_pointee(*e, &v) {
                    let mut r = r;
                    r.path.extend(place.path.iter().cloned());
                    return vec![r];
                }
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
    pub(super) fn escapes(&mut self, place: &Place) -> bool {
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

    pub(super) fn write_place(&mut self, place: &Place, v: Value) {
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

    pub(super) fn write_ref(&mut self, r: &PlaceRef, v: Value, strong: bool) {
        let old = self.read_root(&r.root);
        let new = set_path(old.clone(), &r.path, v, strong);
        let Some(state) = &mut self.state else { return };
        match &r.root {
            RefRoot::Local(l) => {
                if let Some(slot) = state.locals.get_mut(l.index()) {
                    *slot = new;
                }
                if r.path.is_empty() {
                    let dropped = state.globals.remove(&pointee_key(*l));
                    self.lost_exit_fields(dropped.as_ref());
                }
            }
            RefRoot::Global(g) => {
                state.globals.insert(g.clone(), new);
            }
        }
    }

    pub(super) fn read_root(&mut self, root: &RefRoot) -> Value {
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

    pub(super) fn read_ref(&mut self, r: &PlaceRef) -> Value {
        /// References followed within one read before it is unknown.
        const MAX_READ_DEPTH: u32 = 16;
        if self.read_depth >= MAX_READ_DEPTH {
            return Value::unknown();
        }
        self.read_depth += 1;
        let mut v = self.read_root(&r.root);
        for f in &r.path {
            v = read_field(&v, f, self);
        }
        self.read_depth -= 1;
        v
    }

    /// The place an expression denotes, if it is one (`x`, `x.f`, `p->f`, `a[i]`).
    pub(super) fn place_of(&mut self, e: ExprId) -> Option<Vec<PlaceRef>> {
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
                if let Some(r) = self.param_pointee(*p, &v) {
                    return Some(vec![r]);
                }
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

    pub(super) fn place_of_with(&mut self, base: ExprId, field: Field) -> Option<Vec<PlaceRef>> {
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

    /// What a pointer parameter points to, as a place of its own while the
    /// pointer is the caller's unknown one (`nla->status = Impersonate..(..);
    /// if (nla->status != SEC_E_OK)`): the caller's object, unknown at entry,
    /// followed through this function's writes. Forgotten when the pointer is
    /// handed to an unknown function ([`Self::forget_pointee`]) or reassigned.
    pub(super) fn param_pointee(&self, e: ExprId, v: &Value) -> Option<PlaceRef> {
        let ExprKind::Local(l) = self.func.expr(e).kind else { return None };
        let param = self.func.locals.get(l.index()).is_some_and(|x| x.is_param);
        (param && v.unknown && v.atoms.is_empty())
            .then(|| PlaceRef { root: RefRoot::Global(pointee_key(l)), path: Vec::new() })
    }

    /// An unknown function given the parameter pointer `e` may change what it points to.
    pub(super) fn forget_pointee(&mut self, e: ExprId) {
        let ExprKind::Local(l) = self.func.expr(e).kind else { return };
        if let Some(state) = &mut self.state {
            let dropped = state.globals.remove(&pointee_key(l));
            self.lost_exit_fields(dropped.as_ref());
        }
    }

    /// Writes `v` where an argument points (`&x`), or into the argument
    /// itself when it is a place passed by reference or an array (`buf`).
    pub(super) fn write_through(&mut self, arg: &Value, expr: ExprId, v: Value) {
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
    pub(super) fn havoc_through(&mut self, arg: &Value, expr: ExprId) {
        let has_ref = arg.atoms.iter().any(|(a, _)| matches!(a, Atom::Ref(_)));
        let has_struct = arg.atoms.iter().any(|(a, _)| matches!(a, Atom::Struct(_)));
        if has_ref || has_struct {
            self.write_through(arg, expr, Value::unknown());
        }
    }

    /// Replaces pointers to this function's places with what they point to now.
    pub(super) fn deep(&mut self, v: &Value, depth: u32) -> Value {
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

/// The name of a parameter's pointee among the globals: no identifier can take it.
fn pointee_key(l: crate::ir::LocalId) -> Rc<str> {
    Rc::from(format!("*{}", l.index()))
}

/// Reads field `f` of a value: of a struct, or through a pointer to one.
pub(super) fn read_field(base: &Value, f: &Field, interp: &mut Interp<'_, '_>) -> Value {
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
pub(super) fn set_path(old: Value, path: &[Field], v: Value, strong: bool) -> Value {
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
