//! Expressions, places and assignments.
//!
//! What is dropped on the way: parentheses, invisible groups, `as` casts,
//! `.await`, and `.0` on windows-rs newtypes (the value is its base).
//! Tuples, arrays, ranges and closures become `Unknown` once the calls in
//! them are lowered.

use proc_macro2::Span as PmSpan;
use syn::spanned::Spanned;
use syn::{Expr, Lit, Member};

use super::lower::{Lower, Out, ident_name, local_place, peel_expr};
use crate::ir::{Aggregate, BinOp, ExprId, ExprKind, Field, FieldKey, Place, PlaceRoot, Rest, Span, StrLit, UnOp};

impl Lower<'_> {
    /// Lowers an expression to its value.
    pub(super) fn lower_expr(&mut self, e: &Expr) -> ExprId {
        if !self.enter() {
            return self.too_deep(e);
        }
        let v = self.lower_expr_inner(e);
        self.leave();
        v
    }

    fn lower_expr_inner(&mut self, e: &Expr) -> ExprId {
        match e {
            Expr::Lit(l) => self.lower_lit(&l.lit),
            Expr::Path(p) => self.lower_path(p),
            Expr::Paren(p) => self.lower_expr(&p.expr),
            Expr::Group(g) => self.lower_expr(&g.expr),
            Expr::Cast(c) => self.lower_expr(&c.expr),
            Expr::Await(a) => self.lower_expr(&a.base),
            Expr::Field(f) => {
                let base = self.lower_expr(&f.base);
                match &f.member {
                    Member::Named(name) => {
                        let span = self.b.expr_span(base).to(self.sp(name.span()));
                        self.b.expr(ExprKind::Field(base, ident_name(name)), span)
                    }
                    // `RPC_C_AUTHN_LEVEL_PKT_PRIVACY.0`: a newtype's value.
                    Member::Unnamed(_) => base,
                }
            }
            Expr::Index(i) => {
                let base = self.lower_expr(&i.expr);
                self.lower_dropped(&i.index);
                let span = self.b.expr_span(base).to(self.sp(i.bracket_token.span.close()));
                self.b.expr(ExprKind::Index(base), span)
            }
            Expr::Reference(r) => {
                let inner = self.lower_expr(&r.expr);
                let span = self.sp(r.and_token.spans[0]).to(self.b.expr_span(inner));
                self.b.expr(ExprKind::AddrOf(inner), span)
            }
            Expr::RawAddr(r) => {
                let inner = self.lower_expr(&r.expr);
                let span = self.sp(r.and_token.spans[0]).to(self.b.expr_span(inner));
                self.b.expr(ExprKind::AddrOf(inner), span)
            }
            Expr::Unary(u) => self.lower_unary(u),
            Expr::Binary(b) => match bin_op(&b.op) {
                Some(op) => {
                    let l = self.lower_expr(&b.left);
                    let r = self.lower_expr(&b.right);
                    let span = self.b.expr_span(l).to(self.b.expr_span(r));
                    self.b.expr(ExprKind::Binary(op, l, r), span)
                }
                None => {
                    self.lower_compound_assign(b);
                    self.unknown_at(place_start(&b.left))
                }
            },
            Expr::Assign(a) => {
                self.lower_assign(a);
                self.unknown_at(a.eq_token.spans[0])
            }
            Expr::Call(c) => self.lower_call(c),
            Expr::MethodCall(m) => self.lower_method_call(m),
            Expr::Macro(m) => self.lower_macro(&m.mac),
            Expr::Struct(s) => self.lower_struct(s),
            Expr::Try(t) => self.lower_try(t),
            Expr::Closure(c) => self.lower_closure(c),
            Expr::Async(a) => self.lower_async(a),
            Expr::Return(r) => {
                self.lower_to(e, Out::Discard);
                self.unknown_at(r.return_token.span)
            }
            Expr::Break(b) => {
                self.lower_to(e, Out::Discard);
                self.unknown_at(b.break_token.span)
            }
            Expr::Continue(c) => {
                self.lower_to(e, Out::Discard);
                self.unknown_at(c.continue_token.span)
            }
            Expr::If(_)
            | Expr::Match(_)
            | Expr::Block(_)
            | Expr::Unsafe(_)
            | Expr::Const(_)
            | Expr::TryBlock(_)
            | Expr::Loop(_)
            | Expr::While(_)
            | Expr::ForLoop(_) => self.lower_block_like_value(e),
            Expr::Tuple(t) => {
                for el in &t.elems {
                    self.lower_dropped(el);
                }
                let span = self.sp(t.paren_token.span.join());
                self.b.unknown(span)
            }
            Expr::Array(a) => {
                for el in &a.elems {
                    self.lower_dropped(el);
                }
                let span = self.sp(a.bracket_token.span.join());
                self.b.unknown(span)
            }
            Expr::Repeat(r) => {
                self.lower_dropped(&r.expr);
                let span = self.sp(r.bracket_token.span.join());
                self.b.unknown(span)
            }
            Expr::Range(r) => {
                for end in [&r.start, &r.end].into_iter().flatten() {
                    self.lower_dropped(end);
                }
                self.unit(&r.limits)
            }
            Expr::Let(l) => {
                self.lower_dropped(&l.expr);
                self.unknown_at(l.let_token.span)
            }
            Expr::Yield(y) => {
                if let Some(v) = &y.expr {
                    self.lower_dropped(v);
                }
                self.unknown_at(y.yield_token.span)
            }
            _ => self.unit(e),
        }
    }

    /// `Unknown` spanning a small syntax node (this tokenises the node).
    fn unit<T: Spanned>(&mut self, node: &T) -> ExprId {
        let span = self.sp(node.span());
        self.b.unknown(span)
    }

    /// `Unknown` at one token.
    fn unknown_at(&mut self, token: PmSpan) -> ExprId {
        let span = self.sp(token);
        self.b.unknown(span)
    }

    /// A block-like expression used as a value: its arms write a temporary.
    fn lower_block_like_value(&mut self, e: &Expr) -> ExprId {
        let span = self.sp(block_like_span(e));
        let t = self.b.temp();
        self.lower_to(e, Out::Place(local_place(t)));
        self.b.expr(ExprKind::Local(t), span)
    }

    fn lower_lit(&mut self, lit: &Lit) -> ExprId {
        let span = self.sp(lit.span());
        let kind = match lit {
            Lit::Int(i) => match i.base10_parse::<u64>() {
                Ok(v) => ExprKind::Int(v),
                // Wider than 64 bits: keep the low bits, as a C compiler would.
                Err(_) => i.base10_parse::<u128>().map_or(ExprKind::Unknown, |v| ExprKind::Int(v as u64)),
            },
            Lit::Bool(b) => ExprKind::Bool(b.value),
            Lit::Char(c) => ExprKind::Int(u64::from(c.value())),
            Lit::Byte(b) => ExprKind::Int(u64::from(b.value())),
            Lit::Str(s) => ExprKind::Str(Box::new(StrLit { value: s.value(), wide: false })),
            Lit::ByteStr(s) => {
                ExprKind::Str(Box::new(StrLit { value: String::from_utf8_lossy(&s.value()).into_owned(), wide: false }))
            }
            Lit::CStr(s) => {
                ExprKind::Str(Box::new(StrLit { value: s.value().to_string_lossy().into_owned(), wide: false }))
            }
            _ => ExprKind::Unknown,
        };
        self.b.expr(kind, span)
    }

    /// `x` is a local or a free name; `a::b::C` is the name `C`; `None` is null.
    fn lower_path(&mut self, p: &syn::ExprPath) -> ExprId {
        let segs = &p.path.segments;
        let (Some(first), Some(last)) = (segs.first(), segs.last()) else {
            return self.unit(p);
        };
        let name = ident_name(&last.ident);
        let span = self.sp2(first.ident.span(), last.ident.span());
        if name == "None" {
            return self.b.expr(ExprKind::Null, span);
        }
        if p.qself.is_none() && p.path.leading_colon.is_none() && segs.len() == 1 {
            return self.b.name(&name, span);
        }
        self.b.expr(ExprKind::Name(name), span)
    }

    fn lower_unary(&mut self, u: &syn::ExprUnary) -> ExprId {
        let (op_span, kind): (PmSpan, fn(ExprId) -> ExprKind) = match &u.op {
            syn::UnOp::Deref(t) => (t.spans[0], ExprKind::Deref),
            syn::UnOp::Neg(t) => (t.spans[0], |v| ExprKind::Unary(UnOp::Neg, v)),
            syn::UnOp::Not(t) if looks_integer(&u.expr) => (t.spans[0], |v| ExprKind::Unary(UnOp::BitNot, v)),
            syn::UnOp::Not(t) => (t.spans[0], |v| ExprKind::Unary(UnOp::Not, v)),
            _ => return self.unit(u),
        };
        let inner = self.lower_expr(&u.expr);
        let span = self.sp(op_span).to(self.b.expr_span(inner));
        self.b.expr(kind(inner), span)
    }

    /// `T { a: x, ..base }`.
    fn lower_struct(&mut self, s: &syn::ExprStruct) -> ExprId {
        let ty = s.path.segments.last().map(|seg| ident_name(&seg.ident));
        let start = s.path.segments.first().map_or(s.brace_token.span.open(), |seg| seg.ident.span());
        let span = self.sp2(start, s.brace_token.span.close());
        let mut fields = Vec::with_capacity(s.fields.len());
        for fv in &s.fields {
            let key = match &fv.member {
                Member::Named(n) => FieldKey::Named(ident_name(n)),
                Member::Unnamed(i) => FieldKey::Pos(i.index),
            };
            let v = self.lower_expr(&fv.expr);
            fields.push((key, v));
        }
        let rest = match &s.rest {
            Some(base) => Rest::Base(self.lower_expr(base)),
            None => Rest::Zero,
        };
        self.b.expr(ExprKind::Aggregate(Box::new(Aggregate { ty, fields, rest })), span)
    }

    // ----- places and assignments ---------------------------------------------

    /// `place = value`; a block-like value writes the place in each arm.
    pub(super) fn lower_assign(&mut self, a: &syn::ExprAssign) {
        if matches!(peel_expr(&a.left), Expr::Infer(_)) {
            // `_ = f();` discards the value.
            self.lower_to(&a.right, Out::Discard);
            return;
        }
        let start = self.sp(place_start(&a.left));
        if is_block_like(&a.right) {
            let place = self.lower_place(&a.left);
            self.lower_to(&a.right, Out::Place(place));
            return;
        }
        let v = self.lower_expr(&a.right);
        let place = self.lower_place(&a.left);
        let span = start.to(self.b.expr_span(v));
        self.b.assign(place, v, span);
    }

    /// `x op= y` is `x = x op y`.
    pub(super) fn lower_compound_assign(&mut self, b: &syn::ExprBinary) {
        let Some(op) = compound_op(&b.op) else { return };
        let start = self.sp(place_start(&b.left));
        let rhs = self.lower_expr(&b.right);
        let place = self.lower_place(&b.left);
        let span = start.to(self.b.expr_span(rhs));
        let read = self.read_place(&place, start);
        let v = self.b.expr(ExprKind::Binary(op, read, rhs), span);
        self.b.assign(place, v, span);
    }

    /// Where an assignment writes: a local or global with a field path, or
    /// whatever a pointer points to.
    pub(super) fn lower_place(&mut self, e: &Expr) -> Place {
        if !self.enter() {
            self.lower_dropped(e);
            return Place { root: PlaceRoot::Unknown, path: Vec::new() };
        }
        let place = match e {
            Expr::Paren(p) => self.lower_place(&p.expr),
            Expr::Group(g) => self.lower_place(&g.expr),
            Expr::Path(p) if p.path.segments.len() == 1 && p.qself.is_none() && p.path.leading_colon.is_none() => {
                let name = p.path.segments.first().map(|s| ident_name(&s.ident)).unwrap_or_default();
                match self.b.lookup(&name) {
                    Some(id) => local_place(id),
                    None => Place { root: PlaceRoot::Global(name), path: Vec::new() },
                }
            }
            Expr::Path(p) => {
                let name = p.path.segments.last().map(|s| ident_name(&s.ident)).unwrap_or_default();
                Place { root: PlaceRoot::Global(name), path: Vec::new() }
            }
            Expr::Field(f) => {
                let mut place = self.lower_place(&f.base);
                if let Member::Named(n) = &f.member {
                    place.path.push(Field::Named(ident_name(n)));
                }
                place
            }
            Expr::Index(i) => {
                let mut place = self.lower_place(&i.expr);
                self.lower_dropped(&i.index);
                place.path.push(Field::Index);
                place
            }
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                let p = self.lower_expr(&u.expr);
                Place { root: PlaceRoot::Deref(p), path: Vec::new() }
            }
            _ => {
                self.lower_dropped(e);
                Place { root: PlaceRoot::Unknown, path: Vec::new() }
            }
        };
        self.leave();
        place
    }

    /// The current value of a place, as an expression (for `x |= y`).
    fn read_place(&mut self, place: &Place, span: Span) -> ExprId {
        let mut v = match &place.root {
            PlaceRoot::Local(id) => self.b.expr(ExprKind::Local(*id), span),
            PlaceRoot::Deref(p) => self.b.expr(ExprKind::Deref(*p), span),
            PlaceRoot::Global(name) => self.b.expr(ExprKind::Name(name.clone()), span),
            PlaceRoot::Unknown => self.b.unknown(span),
        };
        for f in &place.path {
            v = match f {
                Field::Named(n) => self.b.expr(ExprKind::Field(v, n.clone()), span),
                Field::Index => self.b.expr(ExprKind::Index(v), span),
            };
        }
        v
    }
}

/// The operator of a compound assignment (`|=` is `BitOr`).
pub(super) fn compound_op(op: &syn::BinOp) -> Option<BinOp> {
    use syn::BinOp as S;
    Some(match op {
        S::AddAssign(_) => BinOp::Add,
        S::SubAssign(_) => BinOp::Sub,
        S::MulAssign(_) => BinOp::Mul,
        S::DivAssign(_) => BinOp::Div,
        S::RemAssign(_) => BinOp::Rem,
        S::BitXorAssign(_) => BinOp::BitXor,
        S::BitAndAssign(_) => BinOp::BitAnd,
        S::BitOrAssign(_) => BinOp::BitOr,
        S::ShlAssign(_) => BinOp::Shl,
        S::ShrAssign(_) => BinOp::Shr,
        _ => return None,
    })
}

/// A binary operator that is not an assignment.
fn bin_op(op: &syn::BinOp) -> Option<BinOp> {
    use syn::BinOp as S;
    Some(match op {
        S::Add(_) => BinOp::Add,
        S::Sub(_) => BinOp::Sub,
        S::Mul(_) => BinOp::Mul,
        S::Div(_) => BinOp::Div,
        S::Rem(_) => BinOp::Rem,
        S::And(_) => BinOp::And,
        S::Or(_) => BinOp::Or,
        S::BitXor(_) => BinOp::BitXor,
        S::BitAnd(_) => BinOp::BitAnd,
        S::BitOr(_) => BinOp::BitOr,
        S::Shl(_) => BinOp::Shl,
        S::Shr(_) => BinOp::Shr,
        S::Eq(_) => BinOp::Eq,
        S::Lt(_) => BinOp::Lt,
        S::Le(_) => BinOp::Le,
        S::Ne(_) => BinOp::Ne,
        S::Ge(_) => BinOp::Ge,
        S::Gt(_) => BinOp::Gt,
        _ => return None,
    })
}

/// Whether an expression has arms whose tails are its value.
pub(super) fn is_block_like(e: &Expr) -> bool {
    matches!(
        peel_expr(e),
        Expr::If(_)
            | Expr::Match(_)
            | Expr::Block(_)
            | Expr::Unsafe(_)
            | Expr::Const(_)
            | Expr::TryBlock(_)
            | Expr::Loop(_)
            | Expr::While(_)
            | Expr::ForLoop(_)
    )
}

/// `SCREAMING_CASE`: a constant, or a windows-rs newtype (`PCWSTR`, `HANDLE`).
pub(super) fn is_screaming(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// Whether `!e` is a bitwise not: `e` is an integer literal, a flag
/// constant (`SCREAMING_CASE`), or made of those (`A | B`, `X.0`, `(A)`).
fn looks_integer(e: &Expr) -> bool {
    let mut e = e;
    loop {
        match e {
            Expr::Paren(p) => e = &p.expr,
            Expr::Group(g) => e = &g.expr,
            Expr::Cast(c) => e = &c.expr,
            Expr::Field(f) if matches!(f.member, Member::Unnamed(_)) => e = &f.base,
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => e = &u.expr,
            Expr::Lit(l) => return matches!(l.lit, Lit::Int(_)),
            Expr::Path(p) => {
                return p.path.segments.last().is_some_and(|s| is_screaming(&ident_name(&s.ident)));
            }
            Expr::Binary(b) => {
                return matches!(
                    b.op,
                    syn::BinOp::BitOr(_)
                        | syn::BinOp::BitAnd(_)
                        | syn::BinOp::BitXor(_)
                        | syn::BinOp::Shl(_)
                        | syn::BinOp::Shr(_)
                );
            }
            Expr::Call(c) if c.args.len() == 1 => match &*c.func {
                Expr::Path(p) if p.path.segments.last().is_some_and(|s| is_screaming(&ident_name(&s.ident))) => {
                    match c.args.first() {
                        Some(a) => e = a,
                        None => return false,
                    }
                }
                _ => return false,
            },
            _ => return false,
        }
    }
}

/// The first token of an assignment's left side, without tokenising it.
fn place_start(e: &Expr) -> PmSpan {
    let mut e = e;
    loop {
        match e {
            Expr::Paren(p) => return p.paren_token.span.open(),
            Expr::Group(g) => e = &g.expr,
            Expr::Field(f) => e = &f.base,
            Expr::Index(i) => e = &i.expr,
            Expr::Path(p) => {
                return match p.path.segments.first() {
                    Some(s) => s.ident.span(),
                    None => e.span(),
                };
            }
            Expr::Unary(u) => {
                return match &u.op {
                    syn::UnOp::Deref(t) => t.spans[0],
                    _ => e.span(),
                };
            }
            Expr::MethodCall(m) => e = &m.receiver,
            Expr::Call(c) => e = &c.func,
            _ => return e.span(),
        }
    }
}

/// The span of an `if`, `match`, block or loop, from its first token to its
/// closing brace, without tokenising it.
fn block_like_span(e: &Expr) -> PmSpan {
    let join = |a: PmSpan, b: PmSpan| a.join(b).unwrap_or(a);
    match e {
        Expr::Paren(p) => p.paren_token.span.join(),
        Expr::Group(g) => block_like_span(&g.expr),
        Expr::If(i) => {
            // The last `else` block closes the chain.
            let mut last = i.then_branch.brace_token.span.close();
            let mut cur = i;
            let mut steps = 0;
            while let Some((_, els)) = &cur.else_branch {
                steps += 1;
                match &**els {
                    Expr::If(next) if steps < 256 => {
                        last = next.then_branch.brace_token.span.close();
                        cur = next;
                    }
                    Expr::Block(b) => {
                        last = b.block.brace_token.span.close();
                        break;
                    }
                    _ => break,
                }
            }
            join(i.if_token.span, last)
        }
        Expr::Match(m) => join(m.match_token.span, m.brace_token.span.close()),
        Expr::Block(b) => match &b.label {
            Some(l) => join(l.name.apostrophe, b.block.brace_token.span.close()),
            None => b.block.brace_token.span.join(),
        },
        Expr::Unsafe(u) => join(u.unsafe_token.span, u.block.brace_token.span.close()),
        Expr::Const(c) => join(c.const_token.span, c.block.brace_token.span.close()),
        Expr::TryBlock(t) => join(t.try_token.span, t.block.brace_token.span.close()),
        Expr::Loop(l) => join(l.loop_token.span, l.body.brace_token.span.close()),
        Expr::While(w) => join(w.while_token.span, w.body.brace_token.span.close()),
        Expr::ForLoop(f) => join(f.for_token.span, f.body.brace_token.span.close()),
        _ => e.span(),
    }
}
