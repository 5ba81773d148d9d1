//! Calls, method calls and macro invocations.
//!
//! A call's callee is the last path segment (`windows::Win32::X::F::<T>` is
//! `F`), a method's name, or the field holding a function pointer
//! (`(table.F)(..)`, `((*table).F.unwrap())(..)`, receiver `table`). A call
//! span runs from the callee's name through the closing parenthesis.
//!
//! Two kinds of calls are not calls in the IR: tuple-struct constructors of
//! windows-rs newtypes (`PCWSTR(p)`, `RPC_C_AUTHN_LEVEL(6)`: `SCREAMING_CASE`
//! with one argument) are their argument, and `null()` / `null_mut()` are
//! null. Everything else (`Some(x)`, `w!("x")`, `.unwrap()`) stays a call
//! and the knowledge base says whether it is transparent.

use proc_macro2::Span as PmSpan;
use syn::punctuated::Punctuated;
use syn::{Expr, Member};

use super::expr::is_screaming;
use super::lower::{Lower, ident_name, peel_expr};
use crate::ir::{CallPath, ExprId, ExprKind, Span};

impl Lower<'_> {
    /// Adds a call (arguments already lowered).
    pub(super) fn emit_call(
        &mut self,
        callee: &str,
        receiver: Option<ExprId>,
        args: Vec<ExprId>,
        span: Span,
    ) -> ExprId {
        self.ncalls += 1;
        self.b.call(callee, receiver, args, span)
    }

    fn lower_args<'e>(&mut self, args: impl IntoIterator<Item = &'e Expr>) -> Vec<ExprId> {
        args.into_iter().map(|a| self.lower_expr(a)).collect()
    }

    /// `f(args)`, `T::f(args)`, `(table.F)(args)`.
    pub(super) fn lower_call(&mut self, c: &syn::ExprCall) -> ExprId {
        let close = c.paren_token.span.close();
        match peel_expr(&c.func) {
            Expr::Path(p) => {
                let (Some(first), Some(last)) = (p.path.segments.first(), p.path.segments.last()) else {
                    return self.lower_indirect_call(&c.func, &c.args, close);
                };
                let name = ident_name(&last.ident);
                if c.args.is_empty() && (name == "null" || name == "null_mut") {
                    let span = self.sp2(first.ident.span(), close);
                    return self.b.expr(ExprKind::Null, span);
                }
                if c.args.len() == 1 && is_screaming(&name) {
                    if let Some(arg) = c.args.first() {
                        return self.lower_expr(arg);
                    }
                }
                let args = self.lower_args(&c.args);
                let span = self.sp2(last.ident.span(), close);
                let call = self.emit_call(&name, None, args, span);
                if p.path.segments.len() > 1 || p.path.leading_colon.is_some() {
                    let own = matches!(ident_name(&first.ident).as_str(), "crate" | "super" | "self" | "Self");
                    self.b.mark_path(if own { CallPath::Own } else { CallPath::Other });
                }
                call
            }
            func => match fn_pointer_field(func) {
                Some((table, field)) => {
                    let receiver = self.lower_receiver(table);
                    let args = self.lower_args(&c.args);
                    let span = self.sp2(field.span(), close);
                    self.emit_call(&ident_name(field), Some(receiver), args, span)
                }
                None => self.lower_indirect_call(&c.func, &c.args, close),
            },
        }
    }

    /// A call through something that is not a name (`make()(x)`): the
    /// callee is unknown (an empty name).
    fn lower_indirect_call(&mut self, func: &Expr, args: &Punctuated<Expr, syn::Token![,]>, close: PmSpan) -> ExprId {
        let callee = self.lower_callee_value(func);
        let start = self.b.expr_span(callee);
        let args = self.lower_args(args);
        let span = start.to(self.sp(close));
        self.emit_call("", None, args, span)
    }

    /// Lowers the callee expression of an indirect call for the calls in it.
    fn lower_callee_value(&mut self, func: &Expr) -> ExprId {
        let before = self.ncalls;
        let v = self.lower_expr(func);
        if self.ncalls > before {
            let span = self.b.expr_span(v);
            let t = self.b.temp();
            self.b.assign(super::lower::local_place(t), v, span);
        }
        v
    }

    /// The table whose function-pointer field is called: `table` in
    /// `table.F` and in `(*table).F`.
    fn lower_receiver(&mut self, table: &Expr) -> ExprId {
        match peel_expr(table) {
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => self.lower_expr(&u.expr),
            other => self.lower_expr(other),
        }
    }

    /// `recv.m::<T>(args)`: callee `m`, receiver `recv`.
    pub(super) fn lower_method_call(&mut self, m: &syn::ExprMethodCall) -> ExprId {
        let receiver = self.lower_expr(&m.receiver);
        let args = self.lower_args(&m.args);
        let span = self.sp2(m.method.span(), m.paren_token.span.close());
        self.emit_call(&ident_name(&m.method), Some(receiver), args, span)
    }

    /// `name!(..)`: `addr_of!(x)` is `&x`; otherwise a call to `name` with
    /// the macro's tokens as arguments when they are comma-separated
    /// expressions (`w!("x")`, `format!("{}", x)`), else with none.
    pub(super) fn lower_macro(&mut self, mac: &syn::Macro) -> ExprId {
        let close = mac.delimiter.span().close();
        let Some(last) = mac.path.segments.last() else {
            let span = self.sp(close);
            return self.b.unknown(span);
        };
        let name = ident_name(&last.ident);
        let span = self.sp2(last.ident.span(), close);
        // The file's own single-arm macro: its expansion (a few levels deep).
        if self.expanding < MAX_EXPANSION && mac.path.segments.len() == 1 {
            if let Some(expanded) = self.out.macros.get(&name).and_then(|def| super::macros::expand(def, mac)) {
                self.expanding += 1;
                let v = self.lower_expr(&expanded);
                self.expanding -= 1;
                return v;
            }
        }
        if name == "addr_of" || name == "addr_of_mut" {
            if let Ok(inner) = mac.parse_body::<Expr>() {
                let v = self.lower_expr(&inner);
                return self.b.expr(ExprKind::AddrOf(v), span);
            }
        }
        let args = match mac.parse_body_with(Punctuated::<Expr, syn::Token![,]>::parse_terminated) {
            Ok(exprs) => self.lower_args(&exprs),
            Err(_) => Vec::new(),
        };
        self.emit_call(&name, None, args, span)
    }
}

/// How deep a macro's expansion may contain another one.
const MAX_EXPANSION: u32 = 4;

/// `table.F` or `(*table).F.unwrap()` (also `.expect(..)`) in callee
/// position: the table expression and the field's name.
fn fn_pointer_field(func: &Expr) -> Option<(&Expr, &syn::Ident)> {
    let mut func = peel_expr(func);
    if let Expr::MethodCall(m) = func {
        if m.method == "unwrap" || m.method == "expect" {
            func = peel_expr(&m.receiver);
        }
    }
    match func {
        Expr::Field(f) => match &f.member {
            Member::Named(name) => Some((&f.base, name)),
            Member::Unnamed(_) => None,
        },
        _ => None,
    }
}
