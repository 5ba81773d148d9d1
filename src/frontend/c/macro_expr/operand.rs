//! The operands of a define's value: literals, names, macro calls, strings
//! written side by side, parentheses and casts.

use super::super::expr::is_scalar_type;
use super::Tok;
use super::parse::{PREFIX_BP, Parser};
use crate::ir::{ExprId, ExprKind, StrLit};

impl<'a> Parser<'a, '_> {
    pub(super) fn primary(&mut self) -> Option<ExprId> {
        let start = self.pos;
        match self.peek()? {
            Tok::Punct("(") => self.paren_or_cast(),
            Tok::Int(v) => {
                let v = *v;
                self.pos += 1;
                Some(self.b.expr(ExprKind::Int(v), self.span_from(start)))
            }
            Tok::Str(_) | Tok::Ident(_) => self.juxtaposed(),
            _ => None,
        }
    }

    /// A string, a name or a macro call, and whatever strings and names are
    /// written next to it (`L"a" L"b"`, `TEXT("x") L"y"`, `PREFIX "z"`).
    fn juxtaposed(&mut self) -> Option<ExprId> {
        let start = self.pos;
        let mut parts: Vec<ExprId> = Vec::new();
        let mut strs: Vec<Option<StrLit>> = Vec::new();
        loop {
            let last_was_str = strs.last().is_some_and(Option::is_some);
            match self.peek() {
                Some(Tok::Str(s)) => {
                    let s = s.clone();
                    let at = self.pos;
                    self.pos += 1;
                    parts.push(self.b.expr(ExprKind::Str(Box::new(s.clone())), self.span(at, at + 1)));
                    strs.push(Some(s));
                }
                Some(Tok::Ident(_)) if parts.is_empty() || last_was_str => {
                    parts.push(self.atom()?);
                    strs.push(None);
                }
                _ => break,
            }
            // Only strings glue to their neighbours.
            let next_is_str = matches!(self.peek(), Some(Tok::Str(_)));
            let now_str = strs.last().is_some_and(Option::is_some);
            let next_is_ident = matches!(self.peek(), Some(Tok::Ident(_)));
            if !(next_is_str || (now_str && next_is_ident)) {
                break;
            }
        }
        let span = self.span_from(start);
        if parts.len() == 1 {
            return parts.first().copied();
        }
        if strs.iter().all(Option::is_some) {
            let wide = strs.iter().flatten().any(|s| s.wide);
            let value: String = strs.iter().flatten().map(|s| s.value.as_str()).collect();
            return Some(self.b.expr(ExprKind::Str(Box::new(StrLit { value, wide })), span));
        }
        Some(self.b.expr(ExprKind::Concat(parts), span))
    }

    /// A name, `NULL`, a literal keyword, `sizeof(..)`, or a macro call `M(..)`.
    fn atom(&mut self) -> Option<ExprId> {
        let start = self.pos;
        let Some(Tok::Ident(name)) = self.peek() else {
            return None;
        };
        let name: &str = name;
        self.pos += 1;
        let span = self.span_from(start);
        match name {
            "NULL" | "nullptr" => return Some(self.b.expr(ExprKind::Null, span)),
            "true" => return Some(self.b.expr(ExprKind::Bool(true), span)),
            "false" => return Some(self.b.expr(ExprKind::Bool(false), span)),
            "sizeof" | "alignof" | "_Alignof" | "__alignof" | "__uuidof" | "offsetof" | "defined"
            | "__builtin_offsetof" => {
                if self.is_punct("(") {
                    self.skip_balanced()?;
                } else {
                    self.expr(PREFIX_BP)?;
                }
                return Some(self.b.unknown(self.span_from(start)));
            }
            _ => {}
        }
        if !self.is_punct("(") {
            return Some(self.b.expr(ExprKind::Name(name.to_string()), span));
        }
        self.pos += 1;
        let mut args = Vec::new();
        if !self.eat(")") {
            loop {
                let arg_start = self.pos;
                let arg = match self.expr(0) {
                    Some(a) if self.is_punct(",") || self.is_punct(")") => a,
                    _ => {
                        if self.too_deep {
                            return None;
                        }
                        // An argument this parser cannot read (a type, a
                        // statement): skip it, keep the others.
                        self.pos = arg_start;
                        self.skip_arg()?;
                        self.b.unknown(self.span_from(arg_start))
                    }
                };
                args.push(arg);
                if self.eat(")") {
                    break;
                }
                if !self.eat(",") {
                    return None;
                }
            }
        }
        let call_span = self.span_from(start);
        Some(self.b.call(name, None, args, call_span))
    }

    /// Skips `( .. )` with nesting; the current token is `(`.
    fn skip_balanced(&mut self) -> Option<()> {
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            match t {
                Tok::Punct("(") => depth += 1,
                Tok::Punct(")") => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        self.pos += 1;
                        return Some(());
                    }
                }
                _ => {}
            }
            self.pos += 1;
        }
        None
    }

    /// Skips one macro argument, up to (not over) the `,` or `)` that ends it.
    fn skip_arg(&mut self) -> Option<()> {
        let mut depth = 0usize;
        while let Some(t) = self.peek() {
            match t {
                Tok::Punct("(") | Tok::Punct("[") | Tok::Punct("{") => depth += 1,
                Tok::Punct(")") | Tok::Punct("]") | Tok::Punct("}") => {
                    if depth == 0 {
                        return Some(());
                    }
                    depth -= 1;
                }
                Tok::Punct(",") if depth == 0 => return Some(()),
                _ => {}
            }
            self.pos += 1;
        }
        None
    }

    /// `( expr )`, or a cast `(TYPE)x`, `(const WCHAR *)x`, whose type is dropped.
    fn paren_or_cast(&mut self) -> Option<ExprId> {
        let open = self.pos;
        if let Some(close) = self.cast_close() {
            self.pos = close + 1;
            return self.expr(PREFIX_BP);
        }
        self.pos = open + 1;
        let e = self.expr(0)?;
        if !self.eat(")") {
            return None;
        }
        Some(e)
    }

    /// If the parenthesis at the current position is a cast, the index of its `)`.
    fn cast_close(&self) -> Option<usize> {
        let mut k = self.pos + 1;
        let mut idents = Vec::new();
        let mut stars = 0;
        loop {
            match &self.toks.get(k)?.tok {
                Tok::Ident(n) if stars == 0 => idents.push(*n),
                Tok::Punct("*") | Tok::Punct("&") => stars += 1,
                Tok::Ident("const") => {}
                Tok::Punct(")") => break,
                _ => return None,
            }
            k += 1;
        }
        let first = *idents.first()?;
        let next = &self.toks.get(k + 1)?.tok;
        let operand = matches!(next, Tok::Int(_) | Tok::Str(_) | Tok::Ident(_))
            || matches!(next, Tok::Punct("(") | Tok::Punct("~") | Tok::Punct("!"));
        let sign = matches!(next, Tok::Punct("-") | Tok::Punct("+"));
        let ptr_op = matches!(next, Tok::Punct("&") | Tok::Punct("*"));
        let surely_type = stars > 0 || idents.len() > 1 || looks_like_type(first);
        if operand || sign || (ptr_op && surely_type) { Some(k) } else { None }
    }
}

/// Names that, written alone in parentheses before `&` or `*`, are a cast.
fn looks_like_type(name: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "void", "char", "short", "int", "long", "unsigned", "signed", "float", "double", "const", "volatile", "struct",
        "union", "enum",
    ];
    KEYWORDS.contains(&name)
        || is_scalar_type(name)
        || ((name.starts_with("LP") || name.starts_with('P')) && name.len() > 2)
        || name.ends_with("_PTR")
        || name.ends_with("STR")
        || name.ends_with("_t")
}
