//! The lowering context, blocks, statements, `let` and patterns.
//!
//! Block-like expressions (`if`, `match`, blocks, loops) are lowered with an
//! [`Out`]: where the value of each arm's tail goes. That way
//! `let x = if c { A } else { B };` assigns `x` in each arm, a function's
//! tail is returned from each arm, and a tail in statement position is
//! evaluated and discarded.

use proc_macro2::Span as PmSpan;
use syn::spanned::Spanned;
use syn::{Expr, Pat};

use super::FileOut;
use super::items;
use crate::frontend::builder::FnBuilder;
use crate::ir::{ExprId, LocalId, Place, PlaceRoot, Span};

/// Beyond this nesting of the lowering's own recursion, expressions become
/// `Unknown` (syn's tree is already bounded by the scan in `mod.rs`).
const MAX_LOWER_DEPTH: u32 = 200;

/// Where a block-like expression's value goes.
#[derive(Clone, Debug)]
pub(super) enum Out {
    /// Evaluated for its effects (statement position).
    Discard,
    /// Assigned (`let x = if ..`, a temporary for an `if` inside an expression).
    Place(Place),
    /// Returned from the function or closure (a body's tail).
    Return,
}

/// A loop or labelled block that `break` and `continue` can leave.
pub(super) struct LoopCx {
    /// The label as written, without the quote (`'outer` is `outer`).
    pub(super) label: Option<String>,
    /// The label the builder knows it by (made up for unlabelled loops, so
    /// that an unlabelled `break` never leaves a labelled block).
    pub(super) key: String,
    /// Where `break value` writes.
    pub(super) out: Out,
    /// A loop (`continue` and unlabelled `break` apply), not a labelled block.
    pub(super) is_loop: bool,
}

/// Lowers one function (or the file's constant scope) into a [`FnBuilder`].
pub(super) struct Lower<'o> {
    pub(super) out: &'o mut FileOut,
    pub(super) b: FnBuilder,
    depth: u32,
    /// Calls made so far, to tell whether a dropped sub-expression had any.
    pub(super) ncalls: usize,
    pub(super) loops: Vec<LoopCx>,
    /// Loops of the code around a closure being lowered.
    pub(super) loops_stash: Vec<Vec<LoopCx>>,
    /// Innermost last: the scope depth a `return` ends scopes down to.
    pub(super) return_depths: Vec<usize>,
    next_loop: u32,
}

/// How pattern bindings are declared.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Bind {
    /// Function parameters.
    Param,
    /// Declared without a value (closure parameters, `let x;`).
    Declare,
    /// Declared and assigned `Unknown` (destructured or matched values).
    Unknown,
}

impl<'o> Lower<'o> {
    pub(super) fn new(out: &'o mut FileOut, b: FnBuilder) -> Lower<'o> {
        Lower {
            out,
            b,
            depth: 0,
            ncalls: 0,
            loops: Vec::new(),
            loops_stash: Vec::new(),
            return_depths: vec![0],
            next_loop: 0,
        }
    }

    pub(super) fn into_builder(self) -> FnBuilder {
        self.b
    }

    pub(super) fn sp(&self, s: PmSpan) -> Span {
        self.out.span(s)
    }

    pub(super) fn sp2(&self, a: PmSpan, b: PmSpan) -> Span {
        self.out.span2(a, b)
    }

    /// Enters one level of recursion; `false` when too deep (then the
    /// caller lowers nothing and does not call [`Lower::leave`]).
    pub(super) fn enter(&mut self) -> bool {
        if self.depth >= MAX_LOWER_DEPTH {
            return false;
        }
        self.depth += 1;
        true
    }

    pub(super) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// An `Unknown` for a construct too deep to lower.
    pub(super) fn too_deep<T: Spanned>(&mut self, node: &T) -> ExprId {
        let span = self.sp(node.span());
        self.b.unknown(span)
    }

    // ----- values into destinations ------------------------------------------

    /// Sends a value where a block-like expression's value goes.
    pub(super) fn deliver(&mut self, out: Out, v: ExprId) {
        match out {
            Out::Discard => self.b.eval(v),
            Out::Place(p) => {
                let span = self.b.expr_span(v);
                self.b.assign(p, v, span);
            }
            Out::Return => self.return_(Some(v)),
        }
    }

    /// A block-like expression without a value (`while`, a block without a
    /// tail) ended: at the end of a body that means returning.
    pub(super) fn deliver_unit(&mut self, out: Out) {
        if let Out::Return = out {
            self.return_(None);
        }
    }

    /// `return`: the scopes of the function (or closure) end, then it returns.
    pub(super) fn return_(&mut self, value: Option<ExprId>) {
        let depth = self.return_depths.last().copied().unwrap_or(0);
        self.b.end_scopes_down_to(depth);
        self.b.ret(value);
    }

    /// Lowers a sub-expression whose value the IR drops (an index, a tuple
    /// element); calls in it are kept alive by assigning it to a temporary,
    /// so each call stays anchored in a statement.
    pub(super) fn lower_dropped(&mut self, e: &Expr) {
        let before = self.ncalls;
        let v = self.lower_expr(e);
        if self.ncalls > before {
            let span = self.b.expr_span(v);
            let t = self.b.temp(span);
            self.b.assign(local_place(t), v, span);
        }
    }

    // ----- loops ------------------------------------------------------------

    pub(super) fn push_loop(
        &mut self,
        label: Option<&syn::Lifetime>,
        break_to: crate::ir::BlockId,
        continue_to: Option<crate::ir::BlockId>,
        out: Out,
    ) {
        let label = label.map(|l| l.ident.to_string());
        let key = match &label {
            Some(l) => format!("'{l}"),
            None => {
                self.next_loop += 1;
                format!("#loop{}", self.next_loop)
            }
        };
        self.b.push_loop(Some(key.clone()), break_to, continue_to);
        self.loops.push(LoopCx { label, key, out, is_loop: continue_to.is_some() });
    }

    pub(super) fn pop_loop(&mut self) {
        self.b.pop_loop();
        self.loops.pop();
    }

    // ----- blocks and statements --------------------------------------------

    /// A `{ .. }` block in its own scope; its tail value goes to `out`.
    pub(super) fn lower_block(&mut self, block: &syn::Block, out: Out) {
        if !self.enter() {
            let v = self.too_deep(block);
            self.deliver(out, v);
            return;
        }
        self.b.push_scope();
        let n = block.stmts.len();
        let mut delivered = false;
        for (i, stmt) in block.stmts.iter().enumerate() {
            let is_tail = i + 1 == n;
            match stmt {
                syn::Stmt::Local(local) => self.lower_let(local),
                syn::Stmt::Item(item) => items::lower_nested_item(self.out, item),
                syn::Stmt::Expr(e, semi) => {
                    if is_tail && semi.is_none() {
                        self.lower_to(e, out.clone());
                        delivered = true;
                    } else {
                        self.lower_to(e, Out::Discard);
                    }
                }
                syn::Stmt::Macro(m) => {
                    let v = self.lower_macro(&m.mac);
                    if is_tail && m.semi_token.is_none() {
                        self.deliver(out.clone(), v);
                        delivered = true;
                    } else {
                        self.b.eval(v);
                    }
                }
            }
        }
        if !delivered {
            self.deliver_unit(out);
        }
        self.b.pop_scope();
        self.leave();
    }

    /// Lowers `e` and sends its value to `out`; block-like expressions send
    /// each arm's value there directly.
    pub(super) fn lower_to(&mut self, e: &Expr, out: Out) {
        if !self.enter() {
            let v = self.too_deep(e);
            self.deliver(out, v);
            return;
        }
        match e {
            Expr::Paren(p) => self.lower_to(&p.expr, out),
            Expr::Group(g) => self.lower_to(&g.expr, out),
            Expr::If(i) => self.lower_if(i, out),
            Expr::Match(m) => self.lower_match(m, out),
            Expr::Block(b) => self.lower_labelled_block(b, out),
            Expr::Unsafe(u) => self.lower_block(&u.block, out),
            Expr::Const(c) => self.lower_block(&c.block, out),
            Expr::TryBlock(t) => self.lower_block(&t.block, out),
            Expr::Loop(l) => self.lower_loop(l, out),
            Expr::While(w) => {
                self.lower_while(w);
                self.deliver_unit(out);
            }
            Expr::ForLoop(f) => {
                self.lower_for(f);
                self.deliver_unit(out);
            }
            Expr::Return(r) => match &r.expr {
                Some(v) => self.lower_to(v, Out::Return),
                None => self.return_(None),
            },
            Expr::Break(b) => self.lower_break(b),
            Expr::Continue(c) => self.lower_continue(c),
            Expr::Assign(a) => {
                self.lower_assign(a);
                self.deliver_unit(out);
            }
            Expr::Binary(b) if super::expr::compound_op(&b.op).is_some() => {
                self.lower_compound_assign(b);
                self.deliver_unit(out);
            }
            _ => {
                let v = self.lower_expr(e);
                self.deliver(out, v);
            }
        }
        self.leave();
    }

    // ----- let ----------------------------------------------------------------

    fn lower_let(&mut self, local: &syn::Local) {
        let span = self.sp2(local.let_token.span, local.semi_token.spans[0]);
        let (pat, ty) = peel_pat_type(&local.pat);
        let Some(init) = &local.init else {
            self.bind_pattern(pat, ty, false, Bind::Declare);
            return;
        };
        if let Some((_, diverge)) = &init.diverge {
            // let-else: the pattern is tested; the else block must diverge.
            let v = self.lower_expr(&init.expr);
            let else_bb = self.b.new_block();
            let then = self.b.branch_else_to(v, else_bb);
            self.b.switch_to(else_bb);
            self.lower_to(diverge, Out::Discard);
            self.b.terminate(crate::ir::Terminator::Unreachable);
            self.b.switch_to(then);
            self.bind_pattern(pat, ty, true, Bind::Unknown);
            return;
        }
        let init = &*init.expr;
        // `let g = Guard::new(h)?;` has the type `Guard` (for RAII guards).
        let ty = ty.or_else(|| inferred_type(init));
        match (pat, peel_expr(init)) {
            (Pat::Ident(pi), _) if pi.subpat.is_none() => {
                // The new local is not in scope while its initialiser runs.
                let name = ident_name(&pi.ident);
                let id = self.b.new_local(&name, ty, self.sp(pi.ident.span()), false);
                if super::expr::is_block_like(init) {
                    self.lower_to(init, Out::Place(local_place(id)));
                } else {
                    let v = self.lower_expr(init);
                    self.b.assign(local_place(id), v, span);
                }
                self.b.bring_into_scope(id);
            }
            (Pat::Wild(_), _) => self.lower_to(init, Out::Discard),
            (Pat::Tuple(pt), Expr::Tuple(et))
                if pt.elems.len() == et.elems.len() && !pt.elems.iter().any(|p| matches!(p, Pat::Rest(_))) =>
            {
                // `let (a, b) = (x, y);` binds element by element.
                let values: Vec<(ExprId, bool)> = et
                    .elems
                    .iter()
                    .map(|e| {
                        let before = self.ncalls;
                        (self.lower_expr(e), self.ncalls > before)
                    })
                    .collect();
                for (p, (v, has_calls)) in pt.elems.iter().zip(values) {
                    self.bind_value(p, v, has_calls, span);
                }
            }
            _ => {
                let before = self.ncalls;
                let v = self.lower_expr(init);
                self.bind_value(pat, v, self.ncalls > before, span);
            }
        }
    }

    /// Binds an already lowered value to a pattern: an identifier gets the
    /// value, `_` discards it, anything else declares its bindings with
    /// unknown values (and keeps a value with calls in a temporary, so the
    /// calls stay anchored in a statement).
    fn bind_value(&mut self, pat: &Pat, v: ExprId, has_calls: bool, span: Span) {
        let (pat, ty) = peel_pat_type(pat);
        match pat {
            Pat::Ident(pi) if pi.subpat.is_none() => {
                let id = self.b.declare(&ident_name(&pi.ident), ty, self.sp(pi.ident.span()), false);
                self.b.assign(local_place(id), v, span);
            }
            Pat::Wild(_) => self.b.eval(v),
            _ => {
                if has_calls {
                    let t = self.b.temp(span);
                    self.b.assign(local_place(t), v, span);
                }
                self.bind_pattern(pat, ty, false, Bind::Unknown);
            }
        }
    }

    // ----- patterns -----------------------------------------------------------

    /// Declares every binding of `pat`. In a refutable pattern (`match`,
    /// `if let`) an identifier starting with an uppercase letter is a
    /// constant or a unit variant (`RPC_S_OK`, `None`), not a binding.
    pub(super) fn bind_pattern(&mut self, pat: &Pat, ty: Option<String>, refutable: bool, bind: Bind) {
        let mut found = Vec::new();
        collect_bindings(pat, ty, refutable, &mut found, 0);
        for (name, ty, span) in found {
            let span = self.sp(span);
            let id = self.b.declare(&name, ty, span, bind == Bind::Param);
            if bind == Bind::Unknown {
                let u = self.b.unknown(span);
                self.b.assign(local_place(id), u, span);
            }
        }
    }
}

pub(super) fn local_place(id: LocalId) -> Place {
    Place { root: PlaceRoot::Local(id), path: Vec::new() }
}

/// An identifier as written, without `r#`.
pub(super) fn ident_name(ident: &syn::Ident) -> String {
    syn::ext::IdentExt::unraw(ident).to_string()
}

/// Parentheses and invisible groups around an expression.
pub(super) fn peel_expr(mut e: &Expr) -> &Expr {
    loop {
        match e {
            Expr::Paren(p) => e = &p.expr,
            Expr::Group(g) => e = &g.expr,
            _ => return e,
        }
    }
}

/// `pat: Type` as the pattern and the type's name.
pub(super) fn peel_pat_type(pat: &Pat) -> (&Pat, Option<String>) {
    match pat {
        Pat::Type(pt) => (&pt.pat, type_name(&pt.ty)),
        _ => (pat, None),
    }
}

/// The type a constructor-like initialiser obviously builds: `T::new(..)`,
/// `T { .. }`, `T(..)`, a unit struct `T`, through `?`, `.unwrap()` and `.expect(..)`.
fn inferred_type(e: &Expr) -> Option<String> {
    let mut e = e;
    for _ in 0..8 {
        match e {
            Expr::Try(t) => e = &t.expr,
            Expr::MethodCall(m) if matches!(m.method.to_string().as_str(), "unwrap" | "expect") => e = &m.receiver,
            Expr::Paren(p) => e = &p.expr,
            _ => break,
        }
    }
    let type_like = |s: &str| s.chars().next().is_some_and(char::is_uppercase);
    match e {
        Expr::Call(c) => match &*c.func {
            Expr::Path(p) => {
                let segs: Vec<String> = p.path.segments.iter().map(|s| s.ident.to_string()).collect();
                match segs.as_slice() {
                    [.., ty, _ctor] if type_like(ty) => Some(ty.clone()),
                    [.., ty] if type_like(ty) && ty.chars().any(char::is_lowercase) => Some(ty.clone()),
                    _ => None,
                }
            }
            _ => None,
        },
        Expr::Struct(st) => st.path.segments.last().map(|s| s.ident.to_string()),
        // `let _revert = RevertOnDrop;`: a unit struct (CamelCase, not a constant).
        Expr::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?.ident.to_string();
            (type_like(&last) && last.chars().any(char::is_lowercase)).then_some(last)
        }
        _ => None,
    }
}

/// The last identifier of a type, through references, pointers and
/// parentheses (`&mut RPC_SECURITY_QOS` is `RPC_SECURITY_QOS`,
/// `Option<IClientSecurity>` is `Option`).
pub(super) fn type_name(ty: &syn::Type) -> Option<String> {
    let mut ty = ty;
    loop {
        match ty {
            syn::Type::Reference(r) => ty = &r.elem,
            syn::Type::Ptr(p) => ty = &p.elem,
            syn::Type::Paren(p) => ty = &p.elem,
            syn::Type::Group(g) => ty = &g.elem,
            syn::Type::Path(p) => return p.path.segments.last().map(|s| ident_name(&s.ident)),
            _ => return None,
        }
    }
}

fn starts_uppercase(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_uppercase())
}

/// The bindings of a pattern, in order: name, type, span.
fn collect_bindings(
    pat: &Pat,
    ty: Option<String>,
    refutable: bool,
    found: &mut Vec<(String, Option<String>, PmSpan)>,
    depth: u32,
) {
    if depth > MAX_LOWER_DEPTH {
        return;
    }
    let sub = |p: &Pat, found: &mut Vec<_>| collect_bindings(p, None, refutable, found, depth + 1);
    match pat {
        Pat::Ident(pi) => {
            let name = ident_name(&pi.ident);
            let is_binding = !(refutable && starts_uppercase(&name) && pi.subpat.is_none());
            if is_binding && name != "self" {
                found.push((name, ty, pi.ident.span()));
            }
            if let Some((_, p)) = &pi.subpat {
                sub(p, found);
            }
        }
        Pat::Type(pt) => collect_bindings(&pt.pat, type_name(&pt.ty), refutable, found, depth + 1),
        Pat::Tuple(t) => t.elems.iter().for_each(|p| sub(p, found)),
        Pat::TupleStruct(t) => t.elems.iter().for_each(|p| sub(p, found)),
        Pat::Slice(s) => s.elems.iter().for_each(|p| sub(p, found)),
        Pat::Struct(s) => s.fields.iter().for_each(|f| sub(&f.pat, found)),
        Pat::Reference(r) => sub(&r.pat, found),
        Pat::Paren(p) => sub(&p.pat, found),
        Pat::Guard(g) => sub(&g.pat, found),
        // Every alternative binds the same names.
        Pat::Or(o) => {
            if let Some(first) = o.cases.first() {
                sub(first, found);
            }
        }
        _ => {}
    }
}
