//! Blocks, statements, `let` and patterns.
//!
//! Block-like expressions (`if`, `match`, blocks, loops) are lowered with an
//! [`Out`]: where the value of each arm's tail goes. That way
//! `let x = if c { A } else { B };` assigns `x` in each arm, a function's
//! tail is returned from each arm, and a tail in statement position is
//! evaluated and discarded.

use proc_macro2::Span as PmSpan;
use syn::{Expr, Pat};

use super::expr::{compound_op, is_block_like};
use super::items;
use super::lower::{Bind, Lower, MAX_LOWER_DEPTH, Out, ident_name, local_place, peel_expr, type_name};
use crate::ir::{ExprId, Span};

impl Lower<'_> {
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
            Expr::Binary(b) if compound_op(&b.op).is_some() => {
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
                let id = self.b.new_local(&name, ty, false);
                if is_block_like(init) {
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
                let id = self.b.declare(&ident_name(&pi.ident), ty, false);
                self.b.assign(local_place(id), v, span);
            }
            Pat::Wild(_) => self.b.eval(v),
            _ => {
                if has_calls {
                    let t = self.b.temp();
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
            let id = self.b.declare(&name, ty, bind == Bind::Param);
            if bind == Bind::Unknown {
                let u = self.b.unknown(span);
                self.b.assign(local_place(id), u, span);
            }
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
