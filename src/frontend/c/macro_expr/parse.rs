//! The operators of a define's value: precedence climbing over the tokens,
//! with a depth bound (a chain of a million `| 1` must not become a
//! million-deep expression).

use super::super::MAX_DEPTH;
use super::{Tok, Token, fold_unary};
use crate::frontend::builder::FnBuilder;
use crate::ir::{BinOp, ExprId, ExprKind, Span, UnOp};

/// The parser's state: the tokens, where it is, the builder the value goes into.
pub(super) struct Parser<'a, 'b> {
    pub(super) toks: &'a [Token<'a>],
    pub(super) pos: usize,
    pub(super) b: &'b mut FnBuilder,
    pub(super) base: usize,
    pub(super) depth: u32,
    pub(super) too_deep: bool,
}

fn binary_op(p: &str) -> Option<(u8, BinOp)> {
    Some(match p {
        "||" => (4, BinOp::Or),
        "&&" => (5, BinOp::And),
        "|" => (6, BinOp::BitOr),
        "^" => (7, BinOp::BitXor),
        "&" => (8, BinOp::BitAnd),
        "==" => (9, BinOp::Eq),
        "!=" => (9, BinOp::Ne),
        "<" => (10, BinOp::Lt),
        ">" => (10, BinOp::Gt),
        "<=" => (10, BinOp::Le),
        ">=" => (10, BinOp::Ge),
        "<<" => (11, BinOp::Shl),
        ">>" => (11, BinOp::Shr),
        "+" => (12, BinOp::Add),
        "-" => (12, BinOp::Sub),
        "*" => (13, BinOp::Mul),
        "/" => (13, BinOp::Div),
        "%" => (13, BinOp::Rem),
        _ => return None,
    })
}

pub(super) const PREFIX_BP: u8 = 14;
const TERNARY_BP: u8 = 3;

impl<'a> Parser<'a, '_> {
    pub(super) fn peek(&self) -> Option<&'a Tok<'a>> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    pub(super) fn peek_at(&self, k: usize) -> Option<&'a Tok<'a>> {
        self.toks.get(self.pos + k).map(|t| &t.tok)
    }

    pub(super) fn is_punct(&self, p: &str) -> bool {
        matches!(self.peek(), Some(Tok::Punct(q)) if *q == p)
    }

    pub(super) fn eat(&mut self, p: &str) -> bool {
        let hit = self.is_punct(p);
        if hit {
            self.pos += 1;
        }
        hit
    }

    pub(super) fn span(&self, from: usize, to: usize) -> Span {
        let s = self.toks.get(from).map_or(0, |t| t.start);
        let e = self.toks.get(to.saturating_sub(1)).map_or(s, |t| t.end);
        Span::new(self.base + s, self.base + e)
    }

    pub(super) fn span_from(&self, from: usize) -> Span {
        self.span(from, self.pos)
    }

    pub(super) fn expr(&mut self, min_bp: u8) -> Option<ExprId> {
        if self.depth >= MAX_DEPTH {
            self.too_deep = true;
            return None;
        }
        self.depth += 1;
        let r = self.expr_inner(min_bp);
        self.depth -= 1;
        r
    }

    /// One operator chain. Each operator applied makes the tree one level
    /// deeper (`1 | 1 | 1` is `((1 | 1) | 1)`), so it counts as nesting: a
    /// define of a million `| 1` must not become a million-deep expression
    /// that the analysis then recurses through.
    pub(super) fn expr_inner(&mut self, min_bp: u8) -> Option<ExprId> {
        let depth = self.depth;
        let r = self.chain(min_bp);
        self.depth = depth;
        r
    }

    /// One level deeper within a chain; `None` (and the flag) past [`MAX_DEPTH`].
    pub(super) fn deeper(&mut self) -> Option<()> {
        if self.depth >= MAX_DEPTH {
            self.too_deep = true;
            return None;
        }
        self.depth += 1;
        Some(())
    }

    pub(super) fn chain(&mut self, min_bp: u8) -> Option<ExprId> {
        let start = self.pos;
        let mut lhs = self.unary()?;
        while let Some(Tok::Punct(p)) = self.peek() {
            let p = *p;
            if p == "?" {
                if TERNARY_BP < min_bp {
                    break;
                }
                self.deeper()?;
                self.pos += 1;
                let a = self.expr(0)?;
                if !self.eat(":") {
                    return None;
                }
                let c = self.expr(TERNARY_BP)?;
                lhs = self.b.expr(ExprKind::Select(vec![a, c]), self.span_from(start));
                continue;
            }
            let Some((bp, op)) = binary_op(p) else { break };
            if bp <= min_bp {
                break;
            }
            self.deeper()?;
            self.pos += 1;
            let rhs = self.expr(bp)?;
            lhs = self.b.expr(ExprKind::Binary(op, lhs, rhs), self.span_from(start));
        }
        Some(lhs)
    }

    pub(super) fn unary(&mut self) -> Option<ExprId> {
        let start = self.pos;
        let op = match self.peek()? {
            Tok::Punct("-") => Some(UnOp::Neg),
            Tok::Punct("~") => Some(UnOp::BitNot),
            Tok::Punct("!") => Some(UnOp::Not),
            Tok::Punct("+") | Tok::Punct("*") | Tok::Punct("&") => None,
            _ => return self.postfix(),
        };
        let deref = self.is_punct("*");
        let addr = self.is_punct("&");
        self.pos += 1;
        let v = self.expr(PREFIX_BP)?;
        let span = self.span_from(start);
        Some(match op {
            Some(op) => fold_unary(self.b, op, v, span),
            None if deref => self.b.expr(ExprKind::Deref(v), span),
            None if addr => self.b.expr(ExprKind::AddrOf(v), span),
            None => v,
        })
    }

    pub(super) fn postfix(&mut self) -> Option<ExprId> {
        let start = self.pos;
        let mut e = self.primary()?;
        loop {
            if self.is_punct(".") || self.is_punct("->") {
                let arrow = self.is_punct("->");
                let Some(Tok::Ident(f)) = self.peek_at(1) else {
                    return None;
                };
                let f = (*f).to_string();
                self.pos += 2;
                let span = self.span_from(start);
                let base = if arrow { self.b.expr(ExprKind::Deref(e), span) } else { e };
                e = self.b.expr(ExprKind::Field(base, f), span);
            } else if self.eat("[") {
                let _ = self.expr(0)?;
                if !self.eat("]") {
                    return None;
                }
                e = self.b.expr(ExprKind::Index(e), self.span_from(start));
            } else {
                return Some(e);
            }
        }
    }
}
