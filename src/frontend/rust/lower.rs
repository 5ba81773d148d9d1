//! The lowering context ([`Lower`]): the function being built, where a
//! block-like expression's value goes ([`Out`]), the loops `break` can
//! leave, and the recursion bound. The other parts add one `impl` each:
//! `stmt` (blocks, statements, patterns), `expr`, `call` and `flow`
//! (control flow); `items` drives them per function.

use proc_macro2::Span as PmSpan;
use syn::Expr;
use syn::spanned::Spanned;

use super::FileOut;
use crate::frontend::builder::FnBuilder;
use crate::ir::{ExprId, LocalId, Place, PlaceRoot, Span};

/// Beyond this nesting of the lowering's own recursion, expressions become
/// `Unknown` (syn's tree is already bounded by the scan in `mod.rs`).
pub(super) const MAX_LOWER_DEPTH: u32 = 200;

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
    /// Nesting of macro expansions being lowered (a macro may expand to itself).
    pub(super) expanding: u32,
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
            expanding: 0,
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
            let t = self.b.temp();
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
