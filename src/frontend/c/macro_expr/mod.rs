//! The value of an object-like `#define`, parsed from the text of its
//! `preproc_arg` by a small Pratt parser: no tree-sitter re-parse, because
//! headers hold thousands of defines and most of them are one token.
//!
//! It reads integers, character and string literals (prefixes, adjacent
//! concatenation), names, parentheses, C casts (dropped), unary `- ~ ! * &`,
//! the binary operators of C, the ternary, and function-like macro
//! invocations (`TEXT("x")`, `__MSABI_LONG(1)`), which become calls in the
//! constant scope. Anything else (statements, `do {} while (0)`, type
//! names followed by more tokens) makes the whole value `Unknown`.

mod operand;
mod parse;
#[cfg(test)]
mod tests;

use super::literal::{parse_char, parse_int, parse_string};
use crate::frontend::builder::FnBuilder;
use crate::ir::{ExprId, ExprKind, Span, StrLit, UnOp};
use crate::lexer::{Dialect, Kind, Lexer};
use parse::Parser;

#[derive(Debug, Clone, PartialEq)]
enum Tok<'a> {
    Int(u64),
    Str(StrLit),
    Ident(&'a str),
    Punct(&'static str),
    /// A float, a stray character: nothing this parser can give a value.
    Other,
}

#[derive(Debug, Clone)]
struct Token<'a> {
    tok: Tok<'a>,
    start: usize,
    end: usize,
}

/// Lowers a define's value text (which starts at byte `base` of the file)
/// into `b`. The flag says the value was cut off for nesting too deep.
pub(super) fn lower_define(b: &mut FnBuilder, text: &str, base: usize) -> (ExprId, bool) {
    let toks = lex(text);
    let whole = Span::new(base, base + text.trim_end().len());
    if toks.is_empty() {
        return (b.unknown(whole), false);
    }
    let mut p = Parser { toks: &toks, pos: 0, b, base, depth: 0, too_deep: false };
    let value = p.expr(0);
    let too_deep = p.too_deep;
    let done = p.pos >= toks.len();
    match value {
        Some(v) if done => (v, too_deep),
        _ => (b.unknown(whole), too_deep),
    }
}

const PUNCTS: &[&str] = &[
    "<<=", ">>=", "...", "->", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "##", "::", "(", ")", "[", "]", "{",
    "}", ",", ".", "?", ":", "+", "-", "*", "/", "%", "&", "|", "^", "~", "!", "<", ">", "=", ";", "#",
];

/// The tokens of a define's value, with multi-byte punctuators joined.
fn lex(text: &str) -> Vec<Token<'_>> {
    let bytes = text.as_bytes();
    let mut toks = Vec::new();
    let mut lexer = Lexer::fragment(bytes, Dialect::C);
    while let Some(t) = lexer.next() {
        let (start, end) = (t.start, t.end);
        let tok = match t.kind {
            Kind::LineComment | Kind::BlockComment | Kind::Directive | Kind::DirectiveEnd => continue,
            Kind::Number => text.get(start..end).and_then(parse_int).map_or(Tok::Other, Tok::Int),
            Kind::Ident => Tok::Ident(text.get(start..end).unwrap_or("")),
            Kind::Str => text.get(start..end).and_then(parse_string).map_or(Tok::Other, Tok::Str),
            Kind::Char => text.get(start..end).and_then(parse_char).map_or(Tok::Other, Tok::Int),
            // A line continuation (or a stray backslash): ignored.
            Kind::Punct if bytes[start] == b'\\' => continue,
            Kind::Punct => {
                let rest = text.get(start..).unwrap_or("");
                let Some(p) = PUNCTS.iter().find(|p| rest.starts_with(**p)) else { continue };
                // The rest of a longer punctuator is punctuation tokens of one byte each.
                for _ in 1..p.len() {
                    lexer.next();
                }
                toks.push(Token { tok: Tok::Punct(p), start, end: start + p.len() });
                continue;
            }
            Kind::Lifetime | Kind::Other => Tok::Other,
        };
        toks.push(Token { tok, start, end });
    }
    toks
}

/// The ranges of the literal tokens of a define's value (for the lexer's
/// agreement test).
#[cfg(test)]
pub(crate) fn literal_ranges(text: &str) -> Vec<(usize, usize)> {
    let quoted = |t: &&Token<'_>| {
        let src = &text[t.start..t.end];
        src.contains(['"', '\'']) && !src.starts_with(|c: char| c.is_ascii_digit() || c == '.')
    };
    lex(text).iter().filter(quoted).map(|t| (t.start, t.end)).collect()
}

/// `-1` and `~0` on a literal become the literal's two's complement value.
pub(super) fn fold_unary(b: &mut FnBuilder, op: UnOp, v: ExprId, span: Span) -> ExprId {
    match (op, b.expr_kind(v)) {
        (UnOp::Neg, Some(ExprKind::Int(n))) => {
            let n = n.wrapping_neg();
            b.expr(ExprKind::Int(n), span)
        }
        (UnOp::BitNot, Some(ExprKind::Int(n))) => {
            let n = !n;
            b.expr(ExprKind::Int(n), span)
        }
        _ => b.expr(ExprKind::Unary(op, v), span),
    }
}
