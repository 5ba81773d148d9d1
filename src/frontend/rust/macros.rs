//! The file's own `macro_rules!` macros of one arm that take one literal
//! and expand to an expression (sysinfo's `macro_rules! bstr { ($x:literal)
//! => {{ SysAllocString(w!($x)) }}; }`): an invocation is lowered as its
//! expansion, so what the expression makes of the literal is seen.
//! Anything else (several arms, several fragments, an `expr` or `tt`
//! fragment, which wraps code rather than builds a value, repetitions, a
//! body that is no expression) stays a call of the macro's name. Only a
//! macro defined in the text parsed at once is expanded (its tokens'
//! positions are in that text).

use proc_macro2::{Group, TokenStream, TokenTree};
use syn::Expr;

/// One single-arm macro: its literal fragment's name, and its body.
pub(in crate::frontend) struct MacroDef {
    param: String,
    body: TokenStream,
}

/// The macro an item defines, if it has that shape.
pub(super) fn define(item: &syn::ItemMacro) -> Option<(String, MacroDef)> {
    let name = item.ident.as_ref()?.to_string();
    if !item.mac.path.is_ident("macro_rules") {
        return None;
    }
    let tokens: Vec<TokenTree> = item.mac.tokens.clone().into_iter().collect();
    let (pattern, body) = match tokens.as_slice() {
        [TokenTree::Group(p), TokenTree::Punct(eq), TokenTree::Punct(gt), TokenTree::Group(b)]
        | [TokenTree::Group(p), TokenTree::Punct(eq), TokenTree::Punct(gt), TokenTree::Group(b), TokenTree::Punct(_)]
            if eq.as_char() == '=' && gt.as_char() == '>' =>
        {
            (p, b)
        }
        _ => return None,
    };
    let pattern: Vec<TokenTree> = pattern.stream().into_iter().collect();
    let [TokenTree::Punct(dollar), TokenTree::Ident(param), TokenTree::Punct(colon), TokenTree::Ident(kind)] =
        pattern.as_slice()
    else {
        return None;
    };
    if dollar.as_char() != '$' || colon.as_char() != ':' || *kind != "literal" {
        return None;
    }
    Some((name, MacroDef { param: param.to_string(), body: body.stream() }))
}

/// The expression an invocation `mac` of `def` expands to.
pub(super) fn expand(def: &MacroDef, mac: &syn::Macro) -> Option<Expr> {
    // The argument must be one literal.
    let arg = mac.tokens.clone();
    syn::parse2::<syn::Lit>(arg.clone()).ok()?;
    syn::parse2::<Expr>(substitute(def.body.clone(), &def.param, &arg)).ok()
}

/// `body` with every `$param` replaced by `arg`.
fn substitute(body: TokenStream, param: &str, arg: &TokenStream) -> TokenStream {
    let mut out = Vec::new();
    let mut tokens = body.into_iter().peekable();
    while let Some(t) = tokens.next() {
        match t {
            TokenTree::Punct(p) if p.as_char() == '$' => match tokens.peek() {
                Some(TokenTree::Ident(i)) if *i == param => {
                    tokens.next();
                    out.extend(arg.clone());
                }
                _ => out.push(TokenTree::Punct(p)),
            },
            TokenTree::Group(g) => {
                let mut inner = Group::new(g.delimiter(), substitute(g.stream(), param, arg));
                inner.set_span(g.span());
                out.push(TokenTree::Group(inner));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}
