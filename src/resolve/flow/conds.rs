//! Conditions a path has branched on: a later branch on the same condition
//! goes the same way while nothing the condition reads was written or handed
//! to an unknown function in between (`if (con->type <= ADMIN)
//! Impersonate(..); ... done: if (con->type <= ADMIN) RevertToSelf();`).
//!
//! A condition is known by its text (locals, fields, names, integers,
//! operators, and a predicate method of a receiver of those, such as
//! `token.is_invalid()`, named a `predicate` helper in rules/api.toml, or a
//! status test of one, `SUCCEEDED(hr)`, a `test-status` helper; one
//! with any other call in it is never kept), and forgotten as soon as
//! a write or a call might change what it reads: a write to a local, a
//! global or a field of the same name (through any pointer), a write through
//! a pointer of unknown target to what it reads through one, a copy of a pointer it reads
//! through (`c2 = con`), a call given what it reads or its address, an
//! unknown call when it reads a global. A local whose address is kept
//! (`p = &flag`) is never in one. At most [`MAX_CONDS`] are kept per path.
//! A loop's back edge forgets them all, and a branch never decides by a
//! condition recorded at its own block, so a loop's test still exits.
//! Paths that took a status test different ways stay apart where they meet
//! (`State::same_path`, up to the flow's bound of disjuncts), so the second
//! test of `if (SUCCEEDED(hr)) hr = Connect(&p); if (SUCCEEDED(hr)) Use(p);`
//! sees `p` set on every path that reaches `Use`; `FAILED(hr)` is the same
//! condition as `SUCCEEDED(hr)`, taken the other way.
//!
//! Not followed: a callee that keeps a pointer it was given and writes
//! through it later, and another pointer to the same struct handed to a call.

use std::collections::BTreeSet;

use super::Interp;
use crate::ir::{BlockId, Call, CallPath, ExprId, ExprKind, Function, LocalId, Place, PlaceRoot};
use crate::kb::HelperKind;
use crate::resolve::value::{Atom, RefRoot};

/// Parts of a condition's text longer than this are not kept.
const MAX_DEPTH: u32 = 12;
/// Conditions kept per path: a later one is not recorded.
const MAX_CONDS: usize = 8;

/// A condition this path took one way.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Cond {
    truth: bool,
    /// The block that branched on it.
    at: BlockId,
    reads: Reads,
    /// It tests a status alone (`SUCCEEDED(hr)`, `FAILED(hr)`): paths that
    /// took it different ways stay apart where they meet.
    status: bool,
}

impl Cond {
    pub(super) fn is_status_test(&self) -> bool {
        self.status
    }
}

/// What a condition reads: a write to any of it forgets the condition.
#[derive(Clone, Debug, PartialEq, Default)]
struct Reads {
    locals: BTreeSet<LocalId>,
    fields: BTreeSet<String>,
    names: BTreeSet<String>,
    /// It reads through a pointer (`*p`, `p->f`).
    indirect: bool,
}

impl Interp<'_, '_> {
    /// The way this path already took on `cond`, if it branched on the same
    /// condition at another block and nothing it reads changed since.
    pub(super) fn recorded_cond(&self, cond: ExprId, bb: BlockId) -> Option<bool> {
        let (text, negated, _) = key(self.func, cond, &|c| self.predicate_of(c))?;
        let c = self.state.as_ref()?.conds.get(&text)?;
        (c.at != bb).then_some(c.truth != negated)
    }

    /// Records that the path through `bb` went `truth` on `cond`.
    pub(super) fn record_cond(&self, state: &mut super::State, cond: ExprId, bb: BlockId, truth: bool) {
        if state.conds.len() >= MAX_CONDS {
            return;
        }
        if let Some((text, negated, mut reads)) = key(self.func, cond, &|c| self.predicate_of(c)) {
            if !reads.locals.is_disjoint(&self.addr_kept) {
                return;
            }
            // A constant (`ADMIN_USER`, spelled as macros are even where its
            // header was not read) is no global a call could change.
            reads.names.retain(|n| {
                let macro_like = n.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
                !macro_like && self.cx.kb.constant(n).is_none() && self.cx.consts.lookup(n, self.cx.file).is_empty()
            });
            let status = text.starts_with("ok(");
            state.conds.insert(text, Cond { truth: truth != negated, at: bb, reads, status });
        }
    }

    /// Whether `call` is a predicate method of its receiver alone, which
    /// reads the receiver and changes nothing (`token.is_invalid()`): a
    /// `predicate` helper, not the tree's own function of that name.
    pub(super) fn is_predicate_call(&self, call: &Call) -> bool {
        self.predicate_operand(call).is_some()
    }

    /// [`Self::predicate_operand`], and whether a true result means the
    /// negation of the status test (`FAILED(hr)` is `!SUCCEEDED(hr)`).
    fn predicate_of(&self, call: &Call) -> Option<(ExprId, bool)> {
        let operand = self.predicate_operand(call)?;
        let h = self.cx.kb.helper_for_call(&call.callee, call.receiver.is_some())?;
        Some((operand, h.kind == HelperKind::TestStatus && h.means == Some(crate::kb::Outcome::Failure)))
    }

    /// What a predicate call reads, alone: the receiver of a predicate
    /// method (`token.is_invalid()`), or the one argument of a status test
    /// (`SUCCEEDED(hr)`, `FAILED(hr)`: a `test-status` helper of its first
    /// argument), not the tree's own function of that name.
    pub(super) fn predicate_operand(&self, call: &Call) -> Option<ExprId> {
        if call.path == CallPath::Scoped || self.cx.summaries.is_some_and(|s| s.is_own(self.cx.file, call)) {
            return None;
        }
        let h = self.cx.kb.helper_for_call(&call.callee, call.receiver.is_some())?;
        match (h.kind, call.receiver, call.args.as_slice()) {
            (HelperKind::Predicate, Some(r), []) => Some(r),
            (HelperKind::TestStatus, None, [a]) if h.from == Some(0) => Some(*a),
            _ => None,
        }
    }

    /// Forgets the conditions a write of `value` to `place` may change.
    pub(super) fn forget_written(&mut self, place: &Place, value: ExprId) {
        let func = self.func;
        let fields: BTreeSet<String> = place
            .path
            .iter()
            .filter_map(|f| if let crate::ir::Field::Named(n) = f { Some(n.clone()) } else { None })
            .collect();
        let mut locals = BTreeSet::new();
        let mut names = BTreeSet::new();
        // Written through a pointer to no named field (`*p = v`, `p[i] = v`):
        // whatever is read through a pointer may have changed.
        let mut indirect = false;
        let mut all = false;
        match &place.root {
            PlaceRoot::Local(l) => {
                locals.insert(*l);
            }
            PlaceRoot::Global(g) => {
                names.insert(g.clone());
            }
            PlaceRoot::Deref(e) => {
                mentioned(func, *e, &mut locals, &mut names, 0);
                // A pointer parameter's own pointee (a place of its own, as
                // the value analysis has it), or known places: only those.
                let v = self.pure_eval(*e);
                let known: Option<Vec<&RefRoot>> = (!v.unknown && !v.atoms.is_empty())
                    .then(|| {
                        v.atoms.iter().map(|(a, _)| if let Atom::Ref(r) = a { Some(&r.root) } else { None }).collect()
                    })
                    .flatten();
                if let Some(roots) = known {
                    for root in roots {
                        match root {
                            RefRoot::Local(l) => locals.insert(*l),
                            RefRoot::Global(g) => names.insert(g.to_string()),
                        };
                    }
                } else {
                    indirect = fields.is_empty() && self.param_pointee(*e, &v).is_none();
                }
            }
            PlaceRoot::Unknown => all = true,
        }
        // A pointer copied (`c2 = con`, `p = &s.f`): what is read through it
        // may be written through the copy.
        let mut copied = BTreeSet::new();
        let mut copied_names = BTreeSet::new();
        if matches!(func.expr(value).kind, ExprKind::Local(_) | ExprKind::AddrOf(_) | ExprKind::Name(_)) {
            mentioned(func, value, &mut copied, &mut copied_names, 0);
        }
        let Some(state) = &mut self.state else { return };
        state.conds.retain(|_, c| {
            let r = &c.reads;
            let through = r.indirect || !r.fields.is_empty();
            let copy_reaches = !(r.locals.is_disjoint(&copied) && r.names.is_disjoint(&copied_names));
            let changed = all
                || (through && (indirect || copy_reaches))
                || !r.locals.is_disjoint(&locals)
                || !r.names.is_disjoint(&names)
                || !r.fields.is_disjoint(&fields);
            !changed
        });
    }

    /// Forgets, at a call that is not an API's, the conditions it may
    /// change: those reading what an argument or the receiver mentions,
    /// and, when it is given anything or nothing, those reading a global.
    pub(super) fn forget_at_call(&mut self, args: &[ExprId], receiver: Option<ExprId>) {
        let mut locals = BTreeSet::new();
        let mut names = BTreeSet::new();
        for e in args.iter().chain(receiver.iter()) {
            mentioned(self.func, *e, &mut locals, &mut names, 0);
        }
        let Some(state) = &mut self.state else { return };
        state.conds.retain(|_, c| c.reads.names.is_empty() && c.reads.locals.is_disjoint(&locals));
    }

    /// Forgets the conditions reading what a call is given the address of
    /// (an API writes its out-parameters).
    pub(super) fn forget_addressed(&mut self, args: &[ExprId]) {
        let mut locals = BTreeSet::new();
        let mut names = BTreeSet::new();
        for e in args {
            if matches!(self.func.expr(*e).kind, ExprKind::AddrOf(_)) {
                mentioned(self.func, *e, &mut locals, &mut names, 0);
            }
        }
        let Some(state) = &mut self.state else { return };
        state.conds.retain(|_, c| c.reads.locals.is_disjoint(&locals) && c.reads.names.is_disjoint(&names));
    }
}

/// The locals whose address is kept somewhere (`p = &flag`, `{ .out = &x }`)
/// rather than only handed to a call: a write through the copy is not seen.
pub(super) fn addr_kept(func: &Function) -> BTreeSet<LocalId> {
    let passed: BTreeSet<ExprId> = func.calls.iter().flat_map(|c| c.args.iter().copied()).collect();
    let mut kept = BTreeSet::new();
    for (i, e) in func.exprs.iter().enumerate() {
        if let ExprKind::AddrOf(inner) = e.kind {
            if !passed.contains(&ExprId::from_index(i)) {
                let mut root = inner;
                while let ExprKind::Field(b, _) | ExprKind::Index(b) = func.expr(root).kind {
                    root = b;
                }
                if let ExprKind::Local(l) = func.expr(root).kind {
                    kept.insert(l);
                }
            }
        }
    }
    kept
}

/// Keeps, at a join, the conditions both paths took the same way.
/// Whether two paths took a condition the same way.
pub(super) fn same_way(a: &Cond, b: &Cond) -> bool {
    a.truth == b.truth
}

/// Keeps the conditions both paths took the same way (wherever they
/// branched on them: two tests of one status, `if (FAILED(hr)) ..; if
/// (SUCCEEDED(hr)) ..`).
pub(super) fn join_conds(into: &mut super::State, other: &super::State) -> bool {
    let before = into.conds.len();
    into.conds.retain(|k, c| other.conds.get(k).is_some_and(|o| same_way(c, o) && c.reads == o.reads));
    into.conds.len() != before
}

/// A condition's text, whether it is negated (`!c` is `c` taken the other
/// way), and what it reads; `None` for one with a call that is not a
/// predicate, or an unknown part.
fn key(
    func: &Function,
    e: ExprId,
    predicate: &dyn Fn(&Call) -> Option<(ExprId, bool)>,
) -> Option<(String, bool, Reads)> {
    let (e, mut negated) = func.without_nots(e);
    let mut reads = Reads::default();
    let mut text = String::new();
    render(func, e, &mut text, &mut reads, predicate, 0)?;
    // `FAILED(hr)` is the same condition as `SUCCEEDED(hr)`, the other way.
    if let ExprKind::Call(c) = &func.expr(e).kind {
        let negates = func.calls.get(c.index()).and_then(predicate).is_some_and(|(_, n)| n);
        if let Some(inner) = text.strip_prefix("Not(").and_then(|t| t.strip_suffix(')')).filter(|_| negates) {
            text = inner.to_string();
            negated = !negated;
        }
    }
    // A condition of constants alone is the value analysis' business.
    (!reads.locals.is_empty() || !reads.names.is_empty()).then_some((text, negated, reads))
}

fn render(
    func: &Function,
    e: ExprId,
    out: &mut String,
    reads: &mut Reads,
    predicate: &dyn Fn(&Call) -> Option<(ExprId, bool)>,
    depth: u32,
) -> Option<()> {
    use std::fmt::Write;
    if depth > MAX_DEPTH {
        return None;
    }
    match &func.expr(e).kind {
        ExprKind::Int(i) => write!(out, "{i}").ok()?,
        ExprKind::Bool(b) => write!(out, "{b}").ok()?,
        ExprKind::Null => out.push_str("null"),
        ExprKind::Local(l) => {
            reads.locals.insert(*l);
            write!(out, "L{}", l.index()).ok()?;
        }
        ExprKind::Name(n) => {
            reads.names.insert(n.clone());
            write!(out, "N{n}").ok()?;
        }
        ExprKind::Field(b, f) => {
            reads.fields.insert(f.clone());
            out.push('(');
            render(func, *b, out, reads, predicate, depth + 1)?;
            write!(out, ").{f}").ok()?;
        }
        ExprKind::Deref(b) => {
            reads.indirect = true;
            out.push_str("*(");
            render(func, *b, out, reads, predicate, depth + 1)?;
            out.push(')');
        }
        ExprKind::Unary(op, a) => {
            write!(out, "{op:?}(").ok()?;
            render(func, *a, out, reads, predicate, depth + 1)?;
            out.push(')');
        }
        ExprKind::Binary(op, a, b) => {
            out.push('(');
            render(func, *a, out, reads, predicate, depth + 1)?;
            write!(out, "){op:?}(").ok()?;
            render(func, *b, out, reads, predicate, depth + 1)?;
            out.push(')');
        }
        // `token.is_invalid()`, `SUCCEEDED(hr)`: reads its operand, as a field would.
        ExprKind::Call(c) => {
            let call = func.calls.get(c.index())?;
            let (operand, negates) = predicate(call)?;
            // Status tests are spelled as one test of success.
            let name = if negates || call.receiver.is_none() { "ok" } else { call.callee.as_str() };
            write!(out, "{}{name}(", if negates { "Not(" } else { "" }).ok()?;
            render(func, operand, out, reads, predicate, depth + 1)?;
            out.push_str(if negates { "))" } else { ")" });
        }
        _ => return None,
    }
    Some(())
}

/// The locals and names an expression mentions (what a call given it may reach).
fn mentioned(func: &Function, e: ExprId, locals: &mut BTreeSet<LocalId>, names: &mut BTreeSet<String>, depth: u32) {
    if depth > MAX_DEPTH {
        return;
    }
    match &func.expr(e).kind {
        ExprKind::Local(l) => {
            locals.insert(*l);
        }
        ExprKind::Name(n) => {
            names.insert(n.clone());
        }
        kind => crate::ir::for_each_child(kind, &func.calls, |c| mentioned(func, c, locals, names, depth + 1)),
    }
}
