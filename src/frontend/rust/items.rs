//! Items: functions and methods become [`Function`]s, constants, statics
//! and enum discriminants become [`ConstDef`]s.
//!
//! Items are found through inline modules, `impl` blocks, trait default
//! methods, and blocks (a `fn` or `const` inside a function body is its own
//! item). `impl Drop for T { fn drop(&mut self) }` is `T`'s destructor.
//! With [`Depth::ConstsOnly`] function bodies are skipped. Items marked as
//! test code (`#[cfg(test)]`, `#[test]`) are recorded as test regions.

use syn::spanned::Spanned;
use syn::{FnArg, ImplItem, Item, TraitItem};

use super::lower::{Bind, Lower, Out, ident_name, type_name};
use super::{FileOut, compact_blocks};
use crate::frontend::Depth;
use crate::frontend::builder::FnBuilder;
use crate::ir::{BinOp, ConstDef, ConstKind, ExprId, ExprKind, FunctionKind, Span};

/// What the items being lowered belong to.
pub(super) enum Owner {
    None,
    /// `impl T` (`is_drop`: `impl Drop for T`).
    Impl {
        ty: Option<String>,
        is_drop: bool,
    },
    /// `trait T` (its default methods).
    Trait(String),
}

pub(super) fn lower_items(out: &mut FileOut, items: &[Item], owner: &Owner) {
    for item in items {
        lower_item(out, item, owner);
    }
}

/// An item inside a function body.
pub(super) fn lower_nested_item(out: &mut FileOut, item: &Item) {
    lower_item(out, item, &Owner::None);
}

fn lower_item(out: &mut FileOut, item: &Item, owner: &Owner) {
    let full = out.depth == Depth::Full;
    if item_attrs(item).is_some_and(is_test_code) {
        let span = out.span(item.span());
        out.test_regions.push(span);
    }
    match item {
        Item::Fn(f) if full => lower_fn(out, &f.sig, &f.block, None, FunctionKind::Plain),
        Item::Const(c) => {
            let span = out.span2(c.const_token.span, c.semi_token.spans[0]);
            lower_const(out, &c.ident, &c.expr, span, ConstKind::Const);
        }
        Item::Static(s) => {
            let span = out.span2(s.static_token.span, s.semi_token.spans[0]);
            let kind = match s.mutability {
                syn::StaticMutability::Mut(_) => ConstKind::Global,
                _ => ConstKind::Const,
            };
            lower_const(out, &s.ident, &s.expr, span, kind);
        }
        Item::Enum(e) => lower_enum(out, e),
        Item::Macro(m) => {
            if let Some((name, def)) = super::macros::define(m) {
                out.macros.insert(name, def);
            }
        }
        Item::Mod(m) => {
            if let Some((_, items)) = &m.content {
                lower_items(out, items, &Owner::None);
            }
        }
        Item::Use(u) => lower_use_renames(out, &u.tree),
        Item::Impl(i) => {
            let is_drop =
                i.trait_.as_ref().and_then(|(path, _)| path.segments.last()).is_some_and(|s| s.ident == "Drop");
            let owner = Owner::Impl { ty: type_name(&i.self_ty), is_drop };
            for it in &i.items {
                match it {
                    ImplItem::Fn(f) if full => {
                        if is_test_code(&f.attrs) {
                            let span = out.span(f.span());
                            out.test_regions.push(span);
                        }
                        let (ty, kind) = method_owner(&owner, &f.sig.ident);
                        lower_fn(out, &f.sig, &f.block, ty, kind);
                    }
                    ImplItem::Const(c) => {
                        let span = out.span2(c.const_token.span, c.semi_token.spans[0]);
                        lower_const(out, &c.ident, &c.expr, span, ConstKind::Const);
                    }
                    _ => {}
                }
            }
        }
        Item::Trait(t) => {
            let owner = Owner::Trait(ident_name(&t.ident));
            for it in &t.items {
                match it {
                    TraitItem::Fn(f) if full => {
                        if let Some(block) = &f.default {
                            let (ty, kind) = method_owner(&owner, &f.sig.ident);
                            lower_fn(out, &f.sig, block, ty, kind);
                        }
                    }
                    TraitItem::Const(c) => {
                        if let Some((_, e)) = &c.default {
                            let span = out.span2(c.const_token.span, c.semi_token.spans[0]);
                            lower_const(out, &c.ident, e, span, ConstKind::Const);
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {
            let _ = owner;
        }
    }
}

/// The attributes of the items that can hold code.
fn item_attrs(item: &Item) -> Option<&[syn::Attribute]> {
    match item {
        Item::Fn(f) => Some(&f.attrs),
        Item::Mod(m) => Some(&m.attrs),
        Item::Impl(i) => Some(&i.attrs),
        Item::Trait(t) => Some(&t.attrs),
        Item::Const(c) => Some(&c.attrs),
        Item::Static(s) => Some(&s.attrs),
        _ => None,
    }
}

/// Whether attributes mark an item as test code: a test function
/// (`#[test]`, `#[tokio::test]`: a path ending in `test`; `#[bench]`,
/// `#[rstest]`, `#[test_case(..)]`), or a `#[cfg(..)]` that names `test`
/// other than under `not(..)` (`cfg(all(test, windows))` is test code,
/// `cfg(not(test))` is not).
pub(super) fn is_test_code(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let path = a.path();
        if path.is_ident("cfg") {
            return match &a.meta {
                syn::Meta::List(list) => names_test(list.tokens.clone(), 0),
                _ => false,
            };
        }
        path.segments
            .last()
            .is_some_and(|s| matches!(s.ident.to_string().as_str(), "test" | "bench" | "rstest" | "test_case"))
    })
}

/// Whether a `cfg` predicate names `test` outside a `not(..)`.
fn names_test(tokens: proc_macro2::TokenStream, depth: usize) -> bool {
    use proc_macro2::TokenTree;
    if depth > 16 {
        return false;
    }
    let mut negated = false;
    for tt in tokens {
        match tt {
            TokenTree::Ident(i) if i == "test" => return true,
            TokenTree::Ident(i) => negated = i == "not",
            TokenTree::Group(g) => {
                if !std::mem::take(&mut negated) && names_test(g.stream(), depth + 1) {
                    return true;
                }
            }
            TokenTree::Punct(_) | TokenTree::Literal(_) => negated = false,
        }
    }
    false
}

/// The owner type and kind of a method called `name` in `owner`.
fn method_owner(owner: &Owner, name: &syn::Ident) -> (Option<String>, FunctionKind) {
    match owner {
        Owner::None => (None, FunctionKind::Plain),
        Owner::Impl { ty, is_drop } => {
            let kind = if *is_drop && name == "drop" { FunctionKind::Destructor } else { FunctionKind::Plain };
            (ty.clone(), kind)
        }
        Owner::Trait(t) => (Some(t.clone()), FunctionKind::Plain),
    }
}

/// One function body as a CFG; parameters are locals with `is_param`.
fn lower_fn(out: &mut FileOut, sig: &syn::Signature, block: &syn::Block, owner: Option<String>, kind: FunctionKind) {
    let name = ident_name(&sig.ident);
    let span = out.span2(sig.span(), block.brace_token.span.close());
    let mut b = FnBuilder::new(&name, span);
    b.set_owner(owner.clone(), kind);
    let mut l = Lower::new(out, b);
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(_) => {
                l.b.declare("self", owner.clone(), true);
            }
            // `_` binds nothing, but keeps its position in the parameter list.
            FnArg::Typed(pt) => match &*pt.pat {
                syn::Pat::Wild(_) => {
                    l.b.declare("_", type_name(&pt.ty), true);
                }
                pat => l.bind_pattern(pat, type_name(&pt.ty), false, Bind::Param),
            },
        }
    }
    l.lower_block(block, Out::Return);
    let mut f = l.into_builder().finish();
    compact_blocks(&mut f);
    out.functions.push(f);
}

/// Lowers `make` into the file's constant scope (skipped when that scope is
/// busy: a constant inside a constant's block).
fn with_const_scope(out: &mut FileOut, make: impl FnOnce(&mut Lower<'_>) -> ExprId) -> Option<ExprId> {
    let b = out.const_scope.take()?;
    let mut l = Lower::new(out, b);
    let v = make(&mut l);
    let b = l.into_builder();
    out.const_scope = Some(b);
    Some(v)
}

fn lower_const(out: &mut FileOut, ident: &syn::Ident, expr: &syn::Expr, span: Span, kind: ConstKind) {
    if let Some(value) = with_const_scope(out, |l| l.lower_expr(expr)) {
        out.consts.push(ConstDef { name: ident_name(ident), value, span, kind, internal: false });
    }
}

/// `use a::b::LEVEL as OLD;`: `OLD` is another name for `LEVEL` (a
/// constant alias; the path is dropped, as everywhere names are looked up by
/// their last segment).
fn lower_use_renames(out: &mut FileOut, tree: &syn::UseTree) {
    match tree {
        syn::UseTree::Path(p) => lower_use_renames(out, &p.tree),
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| lower_use_renames(out, t)),
        syn::UseTree::Rename(r) if r.ident != r.rename && r.rename != "_" => {
            let span = out.span2(r.ident.span(), r.rename.span());
            let target = ident_name(&r.ident);
            if let Some(value) = with_const_scope(out, |l| l.b.expr(ExprKind::Name(target), span)) {
                out.consts.push(ConstDef {
                    name: ident_name(&r.rename),
                    value,
                    span,
                    kind: ConstKind::Const,
                    internal: false,
                });
            }
        }
        _ => {}
    }
}

/// Enumerators of an enum with explicit discriminants; a variant without
/// one is the previous plus one (the first is zero).
fn lower_enum(out: &mut FileOut, e: &syn::ItemEnum) {
    if !e.variants.iter().any(|v| v.discriminant.is_some()) {
        return;
    }
    let mut prev: Option<String> = None;
    for v in &e.variants {
        let name = ident_name(&v.ident);
        let span = match &v.discriminant {
            Some((_, expr)) => out.span2(v.ident.span(), expr.span()),
            None => out.span(v.ident.span()),
        };
        let value = with_const_scope(out, |l| match (&v.discriminant, &prev) {
            (Some((_, expr)), _) => l.lower_expr(expr),
            (None, Some(p)) => {
                let p = l.b.expr(ExprKind::Name(p.clone()), span);
                let one = l.b.expr(ExprKind::Int(1), span);
                l.b.expr(ExprKind::Binary(BinOp::Add, p, one), span)
            }
            (None, None) => l.b.expr(ExprKind::Int(0), span),
        });
        if let Some(value) = value {
            out.consts.push(ConstDef { name: name.clone(), value, span, kind: ConstKind::Enumerator, internal: false });
        }
        prev = Some(name);
    }
}
