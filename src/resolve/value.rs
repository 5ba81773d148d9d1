//! Abstract values: what an expression may hold at a point of a function.
//!
//! A [`Value`] is a small set of [`Atom`]s (the possible concrete values)
//! plus an `unknown` flag (some path gives a value we cannot tell). Joining
//! two values (at the end of an `if`) is the union. Sets are bounded: past
//! [`MAX_ATOMS`] a value becomes unknown, which also bounds loops.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::ir::{CallId, Field, LocalId, Span};
use crate::source::FileId;

/// More possible values than this and a value is simply unknown.
pub(crate) const MAX_ATOMS: usize = 16;
/// Structs inside structs inside pointers deeper than this are unknown.
const MAX_DEPTH: usize = 4;

/// Where a value was written: a `#define`, an assignment, a struct field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    pub(crate) file: FileId,
    pub(crate) span: Span,
}

/// Which output of a call a [`Mark`] stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Slot {
    Return,
    /// An out-parameter, by its position in the API's parameter list.
    Param(u16),
    /// The calling thread's token, saved by a helper (`OpenThreadToken`).
    SavedToken,
}

/// "The value call N produced in `slot`": a status to be tested, a server
/// principal name to be verified, a handle whose creation we can look up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mark {
    pub(crate) call: CallId,
    pub(crate) slot: Slot,
}

/// The root of a place a pointer points to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum RefRoot {
    Local(LocalId),
    Global(Rc<str>),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlaceRef {
    pub(crate) root: RefRoot,
    pub(crate) path: Vec<Field>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StructVal {
    /// The struct's type when known (from a declaration or an initialiser).
    pub(crate) ty: Option<Rc<str>>,
    pub(crate) fields: BTreeMap<Field, Value>,
    /// What the fields not in `fields` hold.
    pub(crate) rest: RestVal,
    /// Where the struct as a whole was written (zeroed, initialised).
    pub(crate) origin: Option<Origin>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RestVal {
    Zero,
    Unknown,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Atom {
    Int(u64),
    Str(Rc<str>),
    Null,
    Mark(Mark),
    /// A truth value that says how a call went: true exactly when the call
    /// of the mark succeeded (`true`) or failed (`false`); what a stored
    /// test holds (`ok = (status == RPC_S_OK)`, `let ok = r.is_ok()`).
    Test(Mark, bool),
    Struct(Box<StructVal>),
    /// The address of a place of this function (only inside the data-flow state).
    Ref(PlaceRef),
    /// What a pointer pointed to when it was passed to a call (in recorded facts),
    /// or the address of a temporary (`&RPC_SECURITY_QOS { .. }`).
    Pointee(Box<Value>),
}

impl Atom {
    fn same(&self, other: &Atom) -> bool {
        self == other
    }
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Value {
    /// Each possible value with where it was written, when known.
    pub(crate) atoms: Vec<(Atom, Option<Origin>)>,
    /// Some path yields a value we cannot tell.
    pub(crate) unknown: bool,
    /// Too many possible values to track: unknown for good (joins keep it so,
    /// which is what makes loops terminate).
    pub(crate) saturated: bool,
}

impl Value {
    pub(crate) fn unknown() -> Value {
        Value { atoms: Vec::new(), unknown: true, saturated: false }
    }

    /// Unknown, and absorbing: nothing joined into it is kept.
    pub(crate) fn saturated() -> Value {
        Value { atoms: Vec::new(), unknown: true, saturated: true }
    }

    pub(crate) fn atom(atom: Atom, origin: Option<Origin>) -> Value {
        Value { atoms: vec![(atom, origin)], unknown: false, saturated: false }
    }

    pub fn int(v: u64, origin: Option<Origin>) -> Value {
        Value::atom(Atom::Int(v), origin)
    }

    pub(crate) fn str(s: &str, origin: Option<Origin>) -> Value {
        Value::atom(Atom::Str(Rc::from(s)), origin)
    }

    pub(crate) fn null(origin: Option<Origin>) -> Value {
        Value::atom(Atom::Null, origin)
    }

    pub(crate) fn mark(mark: Mark, origin: Option<Origin>) -> Value {
        Value::atom(Atom::Mark(mark), origin)
    }

    pub(crate) fn zero_struct(ty: Option<Rc<str>>, origin: Option<Origin>) -> Value {
        Value::atom(
            Atom::Struct(Box::new(StructVal { ty, fields: BTreeMap::new(), rest: RestVal::Zero, origin })),
            origin,
        )
    }

    /// Every possible value is known (no path gives an unknown one).
    pub(crate) fn is_known(&self) -> bool {
        !self.unknown && !self.atoms.is_empty()
    }

    /// Union with `other`. Returns whether `self` changed.
    pub(crate) fn join(&mut self, other: &Value) -> bool {
        if self.saturated {
            return false;
        }
        if other.saturated {
            *self = Value::saturated();
            return true;
        }
        let mut changed = false;
        if other.unknown && !self.unknown {
            self.unknown = true;
            changed = true;
        }
        for (atom, origin) in &other.atoms {
            changed |= self.add(atom, *origin);
        }
        self.bound();
        changed
    }

    fn add(&mut self, atom: &Atom, origin: Option<Origin>) -> bool {
        if let Atom::Struct(theirs) = atom {
            if let Some((Atom::Struct(ours), _)) = self.atoms.iter_mut().find(|(a, _)| matches!(a, Atom::Struct(_))) {
                return join_structs(ours, theirs);
            }
        }
        if let Atom::Pointee(theirs) = atom {
            if let Some((Atom::Pointee(ours), _)) = self.atoms.iter_mut().find(|(a, _)| matches!(a, Atom::Pointee(_))) {
                return ours.join(theirs);
            }
        }
        if self.atoms.iter().any(|(a, _)| a.same(atom)) {
            return false;
        }
        self.atoms.push((atom.clone(), origin));
        true
    }

    /// Applies the size and depth bounds.
    fn bound(&mut self) {
        if self.atoms.len() > MAX_ATOMS || self.depth() > MAX_DEPTH {
            *self = Value::saturated();
        }
    }

    fn depth(&self) -> usize {
        self.atoms
            .iter()
            .map(|(a, _)| match a {
                Atom::Struct(s) => 1 + s.fields.values().map(Value::depth).max().unwrap_or(0),
                Atom::Pointee(v) => 1 + v.depth(),
                _ => 0,
            })
            .max()
            .unwrap_or(0)
    }

    /// The join of many values (unknown if there are none).
    pub(crate) fn join_all(values: impl IntoIterator<Item = Value>) -> Value {
        let mut iter = values.into_iter();
        let Some(mut acc) = iter.next() else { return Value::unknown() };
        for v in iter {
            acc.join(&v);
        }
        acc
    }

    /// Sets the origin of atoms that have none (a value gets the place it
    /// was first written; a project constant keeps its `#define`).
    pub(crate) fn with_default_origin(mut self, origin: Origin) -> Value {
        for (_, o) in &mut self.atoms {
            if o.is_none() {
                *o = Some(origin);
            }
        }
        self
    }

    /// The integers, if every possible value is a known integer.
    pub(crate) fn known_ints(&self) -> Option<Vec<(u64, Option<Origin>)>> {
        if !self.is_known() {
            return None;
        }
        self.atoms
            .iter()
            .map(|(a, o)| match a {
                Atom::Int(v) => Some((*v, *o)),
                _ => None,
            })
            .collect()
    }

    /// The strings, if every possible value is a known string.
    pub(crate) fn known_strs(&self) -> Option<Vec<(Rc<str>, Option<Origin>)>> {
        if !self.is_known() {
            return None;
        }
        self.atoms
            .iter()
            .map(|(a, o)| match a {
                Atom::Str(s) => Some((s.clone(), *o)),
                _ => None,
            })
            .collect()
    }

    /// Every value is a null pointer or an empty string (`NULL`, `0`, `None`, `L""`).
    pub(crate) fn is_null_or_empty(&self) -> bool {
        self.is_known()
            && self.atoms.iter().all(|(a, _)| match a {
                Atom::Null | Atom::Int(0) => true,
                Atom::Str(s) => s.is_empty(),
                _ => false,
            })
    }

    /// Whether this is the calling thread's token saved earlier (see
    /// [`Slot::SavedToken`]) on every path where it is a handle: a path where
    /// the save failed and a constant stands in (`INVALID_HANDLE_VALUE`,
    /// `NULL`) sets no token either.
    pub(crate) fn is_saved_thread_token(&self) -> bool {
        let saved = |a: &Atom| matches!(a, Atom::Mark(Mark { slot: Slot::SavedToken, .. }));
        self.is_known()
            && self.atoms.iter().any(|(a, _)| saved(a))
            && self.atoms.iter().all(|(a, _)| saved(a) || matches!(a, Atom::Null | Atom::Int(_)))
    }

    pub(crate) fn marks(&self) -> impl Iterator<Item = (Mark, Option<Origin>)> + '_ {
        self.atoms.iter().filter_map(|(a, o)| match a {
            Atom::Mark(m) => Some((*m, *o)),
            _ => None,
        })
    }

    /// What this pointer-like value points to, following recorded pointees
    /// (`&qos` passed to a call). A value that is itself a struct is returned as is.
    pub(crate) fn pointee(&self) -> Option<&Value> {
        match self.atoms.as_slice() {
            [(Atom::Pointee(v), _)] if !self.unknown => Some(v),
            _ => None,
        }
    }

    /// The struct this value is, or points to.
    pub(crate) fn as_struct(&self) -> Option<&StructVal> {
        let v = self.pointee().unwrap_or(self);
        if v.unknown {
            return None;
        }
        match v.atoms.as_slice() {
            [(Atom::Struct(s), _)] => Some(s),
            _ => None,
        }
    }

    /// Maps integers through `f` (unknown for anything else).
    pub(crate) fn map_ints(&self, f: impl Fn(u64) -> Option<u64>) -> Value {
        let mut out = Value { atoms: Vec::new(), unknown: self.unknown, saturated: self.saturated };
        for (a, o) in &self.atoms {
            match a {
                Atom::Int(v) => match f(*v) {
                    Some(r) => {
                        out.add(&Atom::Int(r), *o);
                    }
                    None => out.unknown = true,
                },
                _ => out.unknown = true,
            }
        }
        out.bound();
        out
    }
}

impl StructVal {
    /// The value of a field: written, or what the rest holds.
    pub(crate) fn field(&self, name: &Field) -> Value {
        match self.fields.get(name) {
            Some(v) => v.clone(),
            None => match self.rest {
                RestVal::Zero => Value::int(0, self.origin),
                RestVal::Unknown => Value::unknown(),
            },
        }
    }

    pub(crate) fn field_named(&self, name: &str) -> Value {
        self.field(&Field::Named(name.to_string()))
    }
}

fn join_structs(ours: &mut StructVal, theirs: &StructVal) -> bool {
    let mut changed = false;
    if ours.ty.is_none() && theirs.ty.is_some() {
        ours.ty.clone_from(&theirs.ty);
    }
    let names: Vec<Field> = ours.fields.keys().chain(theirs.fields.keys()).cloned().collect();
    for name in names {
        let their_value = theirs.field(&name);
        let our_value = ours.field(&name);
        let mut joined = our_value.clone();
        joined.join(&their_value);
        if joined != our_value || !ours.fields.contains_key(&name) {
            changed |= joined != our_value;
            ours.fields.insert(name, joined);
        }
    }
    if ours.rest == RestVal::Zero && theirs.rest == RestVal::Unknown {
        // Fields neither side wrote: zero on one path, unknown on the other.
        ours.rest = RestVal::Unknown;
        changed = true;
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_is_union_and_bounded() {
        let mut v = Value::int(1, None);
        assert!(v.join(&Value::int(2, None)));
        assert!(!v.join(&Value::int(2, None)));
        assert_eq!(v.known_ints().map(|x| x.len()), Some(2));
        for i in 0..40 {
            v.join(&Value::int(i, None));
        }
        assert!(v.unknown && v.atoms.is_empty());
        assert!(!v.join(&Value::int(99, None)), "a saturated value absorbs joins");
    }

    #[test]
    fn struct_join_keeps_zero_rest_per_field() {
        let mut a = Value::zero_struct(None, None);
        let mut s = StructVal { ty: None, fields: BTreeMap::new(), rest: RestVal::Zero, origin: None };
        s.fields.insert(Field::Named("Capabilities".into()), Value::int(1, None));
        let b = Value::atom(Atom::Struct(Box::new(s)), None);
        a.join(&b);
        let st = a.as_struct().unwrap();
        assert_eq!(st.field_named("Capabilities").known_ints().unwrap().len(), 2);
        assert_eq!(st.field_named("Version").known_ints().unwrap()[0].0, 0);
    }
}
