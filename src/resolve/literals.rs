//! Struct literals as writes of a file's own fields (for
//! `resolve/fields.rs`): which member a positional initialiser writes (the
//! file's layouts, `resolve/layouts.rs`), which literals initialise a
//! variable (file-level initialisers too), and whether that variable's
//! address goes where an unknown function may write it.
//!
//! No other file names the members of a struct a source file declares, so
//! only the file's own code writes them by name; a function outside it that
//! is given the struct's address may still write its bytes (`memset`,
//! `memcpy`, `ReadFile`). The address handed to a function of the file, or
//! to a thread-starting call (`[tables.threads]`) at the argument its
//! routine receives when that routine is a function of the file, stays
//! where the analysis sees it, provided that function hands its parameter
//! (or a local copied from it) to nothing else (one level is looked at).

use std::collections::BTreeMap;

use super::layouts::Layouts;
use crate::ir::{CallId, CallPath, ExprId, ExprKind, FileIr, Function, LocalId, PlaceRoot, Stmt, unqualified};
use crate::kb::Kb;

/// The member a positional initialiser writes.
pub(super) enum Member<'l> {
    Named(&'l str),
    /// A struct of the file whose order is not known: any member.
    Unknown,
    /// Not a struct the file lays out (an array, a header's struct).
    Other,
}

/// The member the `pos`-th initialiser of an aggregate of type `ty` writes.
pub(super) fn positional<'l>(layouts: &'l Layouts, ty: Option<&str>, pos: u32) -> Member<'l> {
    let Some(layout) = ty.and_then(|t| layouts.get(t)) else { return Member::Other };
    match layout {
        None => Member::Unknown,
        Some(members) => {
            usize::try_from(pos).ok().and_then(|p| members.get(p)).map_or(Member::Other, |m| Member::Named(m.as_str()))
        }
    }
}

/// A variable a literal initialises.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Binding {
    Local(LocalId),
    Global(String),
}

/// The aggregates of `f` assigned whole to a variable.
pub(super) fn bound(f: &Function) -> BTreeMap<ExprId, Binding> {
    let mut out = BTreeMap::new();
    for stmt in f.blocks.iter().flat_map(|b| &b.stmts) {
        let Stmt::Assign { place, value, .. } = stmt else { continue };
        if !place.path.is_empty()
            || !matches!(f.exprs.get(value.index()).map(|e| &e.kind), Some(ExprKind::Aggregate(_)))
        {
            continue;
        }
        match &place.root {
            PlaceRoot::Local(l) => {
                out.insert(*value, Binding::Local(*l));
            }
            PlaceRoot::Global(n) => {
                out.insert(*value, Binding::Global(n.clone()));
            }
            _ => {}
        }
    }
    out
}

/// Whether the address of the variable `b` (a local of `owner`, or a
/// global of the file) goes anywhere but to a function the analysis sees.
pub(super) fn escapes(kb: &Kb, ir: &FileIr, owner: &Function, b: &Binding) -> bool {
    let funcs: Vec<&Function> = match b {
        Binding::Local(_) => vec![owner],
        Binding::Global(_) => ir.functions.iter().collect(),
    };
    for f in funcs {
        let target = |e: ExprId| match (f.exprs.get(e.index()).map(|x| &x.kind), b) {
            (Some(ExprKind::Local(l)), Binding::Local(m)) => l == m,
            (Some(ExprKind::Name(n)), Binding::Global(m)) => n == m,
            _ => false,
        };
        let args = call_args(f);
        for (i, x) in f.exprs.iter().enumerate() {
            let ExprKind::AddrOf(inner) = &x.kind else { continue };
            if !target(*inner) {
                continue;
            }
            match args.get(&ExprId::from_index(i)) {
                Some(&(c, a)) if handed_to_seen(kb, ir, f, c, a) => {}
                _ => return true,
            }
        }
    }
    false
}

/// Each expression that is a direct argument of a call (or one of the
/// values of a `c ? a : b` that is): the call and the index.
fn call_args(f: &Function) -> BTreeMap<ExprId, (CallId, usize)> {
    let mut out = BTreeMap::new();
    for (c, call) in f.calls.iter().enumerate() {
        for (a, e) in call.args.iter().enumerate() {
            out.insert(*e, (CallId::from_index(c), a));
            if let Some(ExprKind::Select(es)) = f.exprs.get(e.index()).map(|x| &x.kind) {
                out.extend(es.iter().map(|x| (*x, (CallId::from_index(c), a))));
            }
        }
    }
    out
}

/// The function of the file a call of `f` names (not a method, not a
/// path into another scope).
fn own_function<'i>(ir: &'i FileIr, name: &str) -> Option<&'i Function> {
    let name = unqualified(name);
    ir.functions.iter().find(|g| !g.name.is_empty() && unqualified(&g.name) == name)
}

/// Whether argument `a` of call `c` of `f` goes to a function of the file
/// (directly, or as a thread's routine's argument) that hands it on to
/// nothing the analysis does not see.
fn handed_to_seen(kb: &Kb, ir: &FileIr, f: &Function, c: CallId, a: usize) -> bool {
    let Some(call) = f.calls.get(c.index()) else { return false };
    if call.receiver.is_some() || matches!(call.path, CallPath::Other | CallPath::Scoped) {
        return false;
    }
    let (routine, param) = match kb.tables.threads.start_argument.get(unqualified(&call.callee)) {
        Some(&arg) if arg == a => match super::project::thread_routine(kb, f, call) {
            Some(name) => (own_function(ir, &name), 0),
            None => (None, 0),
        },
        Some(_) => (None, 0),
        None => (own_function(ir, &call.callee), a),
    };
    routine.is_some_and(|g| !param_handed_on(kb, ir, g, param))
}

/// Whether `g` hands its parameter `index` (or a local only ever copied
/// from it) to a call other than one of the file's functions.
fn param_handed_on(kb: &Kb, ir: &FileIr, g: &Function, index: usize) -> bool {
    let Some(p) =
        g.locals.iter().enumerate().filter(|(_, l)| l.is_param).nth(index).map(|(i, _)| LocalId::from_index(i))
    else {
        return true;
    };
    let is_local =
        |e: ExprId, l: LocalId| matches!(g.exprs.get(e.index()).map(|x| &x.kind), Some(ExprKind::Local(x)) if *x == l);
    // Locals whose every write copies the parameter (`rcvargs = (struct RpcRcvArgs*)rpcargs;`).
    let mut copies = vec![p];
    for (i, l) in g.locals.iter().enumerate() {
        let id = LocalId::from_index(i);
        if l.is_param {
            continue;
        }
        let mut writes = g.blocks.iter().flat_map(|b| &b.stmts).filter_map(|s| match s {
            Stmt::Assign { place, value, .. } if place.root == PlaceRoot::Local(id) => Some((place, *value)),
            _ => None,
        });
        let mut any = false;
        if writes.all(|(place, v)| {
            any = true;
            place.path.is_empty() && is_local(v, p)
        }) && any
        {
            copies.push(id);
        }
    }
    g.calls.iter().any(|call| {
        call.args.iter().any(|e| copies.iter().any(|l| is_local(*e, *l)))
            && (call.receiver.is_some()
                || kb.tables.threads.start_argument.contains_key(unqualified(&call.callee))
                || own_function(ir, &call.callee).is_none())
    })
}
