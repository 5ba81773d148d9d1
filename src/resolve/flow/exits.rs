//! What a function leaves in the fields its caller sees, recorded at each
//! `return` when [`super::field_exits`] asks (the field facts of
//! `resolve/fields.rs`).
//!
//! The places a caller sees are what a pointer parameter points to (the
//! caller's object, `nla->fContextReq`), a parameter's own fields (Rust
//! `self.f` through `&mut self`) and the globals. At a return, each field of
//! those places that the function wrote and whose name is watched is joined
//! into the function's exit value of that name. A place that is known on
//! one path only (written on one, handed to an unknown function on another)
//! gives an unknown value, and so does a written field of a place the
//! function forgets before it returns (the pointer handed to an unknown
//! function, which may write it again): a premise built on it is never taken.

use super::Interp;
use crate::ir::Field;
use crate::resolve::value::{Atom, Value};

/// Struct nesting followed below a place (`p->sspi.req`).
const DEPTH: u32 = 2;

impl Interp<'_, '_> {
    /// At a `return`: the watched fields of the places the caller sees.
    pub(super) fn record_exit(&mut self) {
        let Some(watch) = self.watch else { return };
        let Some(state) = &self.state else { return };
        let mut found: Vec<(String, Value)> = Vec::new();
        for v in state.globals.values() {
            collect(v, watch, DEPTH, &mut found);
        }
        for (l, v) in self.func.locals.iter().zip(&state.locals) {
            if l.is_param {
                collect(v, watch, DEPTH, &mut found);
            }
        }
        for (name, v) in found {
            match self.exits.get_mut(&name) {
                Some(all) => {
                    all.join(&v);
                }
                None => {
                    self.exits.insert(name, v);
                }
            }
        }
    }
}

impl Interp<'_, '_> {
    /// What a pointer parameter pointed to is forgotten (handed to an
    /// unknown function, or the parameter reassigned): the watched fields
    /// written in it may leave the function with any value.
    pub(super) fn lost_exit_fields(&mut self, dropped: Option<&Value>) {
        let (Some(watch), Some(v)) = (self.watch, dropped) else { return };
        let mut found = Vec::new();
        collect(v, watch, DEPTH, &mut found);
        for (name, _) in found {
            self.exits.insert(name, Value::unknown());
        }
    }
}

/// The watched fields written in `v` (a struct, or what a pointer points to).
fn collect(v: &Value, watch: &std::collections::BTreeSet<String>, depth: u32, out: &mut Vec<(String, Value)>) {
    for (a, _) in &v.atoms {
        match a {
            Atom::Struct(s) => {
                for (f, fv) in &s.fields {
                    let Field::Named(name) = f else { continue };
                    if watch.contains(name) {
                        let mut fv = fv.clone();
                        // Known on some paths only: unknown on the others.
                        fv.unknown |= v.unknown;
                        out.push((name.clone(), fv));
                    } else if depth > 0 {
                        collect(fv, watch, depth - 1, out);
                    }
                }
            }
            Atom::Pointee(p) if depth > 0 => collect(p, watch, depth - 1, out),
            _ => {}
        }
    }
}
