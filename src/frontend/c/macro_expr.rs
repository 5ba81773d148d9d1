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

use super::MAX_DEPTH;
use super::literal::{parse_char, parse_int, parse_string};
use crate::frontend::builder::FnBuilder;
use crate::ir::{BinOp, ExprId, ExprKind, Span, StrLit, UnOp};
use crate::lexer::{Dialect, Kind, Lexer};

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

// ----- lexer -------------------------------------------------------------------

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

// ----- parser --------------------------------------------------------------------

struct Parser<'a, 'b> {
    toks: &'a [Token<'a>],
    pos: usize,
    b: &'b mut FnBuilder,
    base: usize,
    depth: u32,
    too_deep: bool,
}

/// Names that, written alone in parentheses before `&` or `*`, are a cast.
fn looks_like_type(name: &str) -> bool {
    const TYPES: &[&str] = &[
        "void",
        "char",
        "short",
        "int",
        "long",
        "unsigned",
        "signed",
        "float",
        "double",
        "const",
        "volatile",
        "struct",
        "union",
        "enum",
        "BYTE",
        "WORD",
        "DWORD",
        "ULONG",
        "LONG",
        "UINT",
        "INT",
        "USHORT",
        "SHORT",
        "UCHAR",
        "CHAR",
        "WCHAR",
        "TCHAR",
        "OLECHAR",
        "BOOL",
        "BOOLEAN",
        "HANDLE",
        "HRESULT",
        "NTSTATUS",
        "SIZE_T",
        "ULONG_PTR",
        "LONG_PTR",
        "DWORD_PTR",
        "INT_PTR",
        "UINT_PTR",
        "ULONG64",
        "LONG64",
        "DWORD64",
        "ULONGLONG",
        "LONGLONG",
        "RPC_STATUS",
        "SECURITY_STATUS",
    ];
    TYPES.contains(&name)
        || ((name.starts_with("LP") || name.starts_with('P')) && name.len() > 2)
        || name.ends_with("_PTR")
        || name.ends_with("STR")
        || name.ends_with("_t")
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

const PREFIX_BP: u8 = 14;
const TERNARY_BP: u8 = 3;

impl<'a> Parser<'a, '_> {
    fn peek(&self) -> Option<&'a Tok<'a>> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    fn peek_at(&self, k: usize) -> Option<&'a Tok<'a>> {
        self.toks.get(self.pos + k).map(|t| &t.tok)
    }

    fn is_punct(&self, p: &str) -> bool {
        matches!(self.peek(), Some(Tok::Punct(q)) if *q == p)
    }

    fn eat(&mut self, p: &str) -> bool {
        let hit = self.is_punct(p);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn span(&self, from: usize, to: usize) -> Span {
        let s = self.toks.get(from).map_or(0, |t| t.start);
        let e = self.toks.get(to.saturating_sub(1)).map_or(s, |t| t.end);
        Span::new(self.base + s, self.base + e)
    }

    fn span_from(&self, from: usize) -> Span {
        self.span(from, self.pos)
    }

    fn expr(&mut self, min_bp: u8) -> Option<ExprId> {
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
    fn expr_inner(&mut self, min_bp: u8) -> Option<ExprId> {
        let depth = self.depth;
        let r = self.chain(min_bp);
        self.depth = depth;
        r
    }

    /// One level deeper within a chain; `None` (and the flag) past [`MAX_DEPTH`].
    fn deeper(&mut self) -> Option<()> {
        if self.depth >= MAX_DEPTH {
            self.too_deep = true;
            return None;
        }
        self.depth += 1;
        Some(())
    }

    fn chain(&mut self, min_bp: u8) -> Option<ExprId> {
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

    fn unary(&mut self) -> Option<ExprId> {
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

    fn postfix(&mut self) -> Option<ExprId> {
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

    fn primary(&mut self) -> Option<ExprId> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::FileIr;

    fn show(text: &str) -> String {
        let mut b = FnBuilder::const_scope();
        let (v, _) = lower_define(&mut b, text, 0);
        let mut ir = FileIr::default();
        ir.consts.push(crate::ir::ConstDef {
            name: "X".into(),
            value: v,
            span: Span::default(),
            kind: crate::ir::ConstKind::Define,
        });
        ir.const_scope = b.finish_const_scope();
        ir.dump().trim_end().trim_start_matches("define X = ").to_string()
    }

    #[test]
    fn numbers_and_casts() {
        assert_eq!(show("6"), "6");
        assert_eq!(show("0xFFFFFFFFul"), "0xffffffff");
        assert_eq!(show("(DWORD)-1"), "0xffffffffffffffff");
        assert_eq!(show("((RPC_WSTR)-1)"), "0xffffffffffffffff");
        assert_eq!(show("(unsigned long)(0x10)"), "16");
        assert_eq!(show("((OLECHAR *)-1)"), "0xffffffffffffffff");
        assert_eq!(show("~0"), "0xffffffffffffffff");
        assert_eq!(show("-  1"), "0xffffffffffffffff");
        assert_eq!(show("__MSABI_LONG(0xFFFFFFFF)"), "__MSABI_LONG(0xffffffff)");
        assert_eq!(show("(A)"), "A");
        assert_eq!(show("(A) | (B)"), "(A BitOr B)");
        assert_eq!(show("(PVOID)&g_x"), "&g_x");
        assert_eq!(show("(A) & MASK"), "(A BitAnd MASK)");
        assert_eq!(show("'A'"), "65");
        assert_eq!(show("L'\\n'"), "10");
        assert_eq!(show("1.5"), "?");
    }

    #[test]
    fn operators() {
        assert_eq!(show("A | B << 2"), "(A BitOr (B Shl 2))");
        assert_eq!(show("1 + 2 * 3 - 4"), "((1 Add (2 Mul 3)) Sub 4)");
        assert_eq!(show("A == B && !C"), "((A Eq B) And Not(C))");
        assert_eq!(show("X ? 1 : 2"), "select(1 | 2)");
        assert_eq!(show("A ^ B & C % 3 / 1"), "(A BitXor (B BitAnd ((C Rem 3) Div 1)))");
        assert_eq!(show("a.b->c"), "*a.b.c");
    }

    #[test]
    fn strings_and_calls() {
        assert_eq!(show("TEXT(\"x\")"), "TEXT(\"x\")");
        assert_eq!(show("L\"NTLM\""), "L\"NTLM\"");
        assert_eq!(show("L\"a\" L\"b\" \\\n  \"c\" /* note */"), "L\"abc\"");
        assert_eq!(show("u8\"x\" \"y\""), "\"xy\"");
        assert_eq!(show("TEXT(\"a\") L\"b\""), "concat(TEXT(\"a\"), L\"b\")");
        assert_eq!(show("PREFIX \"b\""), "concat(PREFIX, \"b\")");
        assert_eq!(show("MAKELONG(1, 2)"), "MAKELONG(1, 2)");
        assert_eq!(show("F()"), "F()");
        assert_eq!(show("F(int, 3)"), "F(int, 3)");
        assert_eq!(show("F(struct x *, 3)"), "F(?, 3)");
        assert_eq!(show("NULL"), "null");
        assert_eq!(show("sizeof(RPC_SECURITY_QOS)"), "?");
        assert_eq!(show("\"\\\\\\\\.\\\\pipe\\\\x\""), "\"\\\\\\\\.\\\\pipe\\\\x\"");
        assert_eq!(show("X // trailing"), "X");
    }

    #[test]
    fn unreadable_is_unknown() {
        assert_eq!(show("do { f(); } while (0)"), "?");
        assert_eq!(show("__declspec(dllimport) int"), "?");
        assert_eq!(show("a b"), "?");
        assert_eq!(show("(1"), "?");
        assert_eq!(show("F(1"), "?");
        assert_eq!(show("\"unterminated"), "\"unterminated\"");
        assert_eq!(show("€"), "?");
    }

    #[test]
    fn deep_parentheses_do_not_overflow() {
        let text = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
        let mut b = FnBuilder::const_scope();
        let (_, deep) = lower_define(&mut b, &text, 0);
        assert!(deep);
        let text = "-".repeat(10_000) + "1";
        let (_, deep) = lower_define(&mut b, &text, 0);
        assert!(deep);
    }
}
