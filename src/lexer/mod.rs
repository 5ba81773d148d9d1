//! The one lexer of C, C++ and Rust text, for every pass that must tell code
//! from comments and literals before (or instead of) a parser: the
//! prefilter's search for words in strings, focus, suppression comments, the
//! C sanitizer, the `#define` value parser and the Rust nesting scan.
//!
//! It yields [`Token`]s (a kind and a byte range) and never fails: text that
//! does not lex (an unterminated comment or literal) still becomes tokens,
//! marked [`Token::terminated`]` == false`. Whitespace is skipped; comments,
//! literals and preprocessor lines are tokens, so that each user sees the
//! same ranges. What it follows, per dialect:
//! * C and C++: `//` comments (continued by a `\` line splice) and `/* */`
//!   (not nested); strings and characters with the prefixes `L`, `u8`, `u`,
//!   `U`, ended by their quote or, unterminated, by the line end; C++ raw
//!   strings `R"d(..)d"` (and `LR`, `u8R`, `uR`, `UR`); pp-numbers with
//!   digit separators (`1'000`); preprocessor lines, whose `#` opens a
//!   [`Kind::Directive`] and whose line end (past splices and comments) is a
//!   [`Kind::DirectiveEnd`]; identifiers with `$` and non-ASCII letters.
//! * Rust: `//` and nested `/* */` comments; strings (which span lines),
//!   `b".."`, `c".."`, raw strings `r#".."#`, `br`, `cr`; characters `'x'`,
//!   `b'x'`, `'\u{..}'` told from lifetimes (`'a`); raw identifiers `r#mod`.

#[cfg(test)]
mod agreement;
mod skip;
mod skim;
mod values;
#[cfg(test)]
mod tests;

pub(crate) use skim::{RustSkim, RustStrings};
pub(crate) use values::StringValues;

/// Which language's lexical rules apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// C and C++.
    C,
    Rust,
}

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An identifier or keyword (`r#mod` in Rust; `$` and non-ASCII letters in C).
    Ident,
    /// A number (a C pp-number: `0x1Fu`, `1'000`, `1e+5`).
    Number,
    /// A string literal with its prefix (`L"a"`, `R"d(x)d"`, `br#"x"#`).
    Str,
    /// A character literal with its prefix (`L'a'`, `b'x'`, `'\u{41}'`).
    Char,
    /// A Rust lifetime or label (`'a`, `'static`).
    Lifetime,
    /// `// ...` up to (not including) its line end.
    LineComment,
    /// `/* ... */`.
    BlockComment,
    /// The `#` that starts a C preprocessor line; the line's tokens follow,
    /// then a [`Kind::DirectiveEnd`].
    Directive,
    /// Empty, at the line end (or the end of the text) that ends a directive.
    DirectiveEnd,
    /// One ASCII punctuation byte.
    Punct,
    /// Anything else: a control byte, a stray quote.
    Other,
}

/// A token: its kind and byte range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    /// False for a comment or literal that the text ends (or, for a C
    /// literal, the line ends) before it is closed.
    pub terminated: bool,
}

impl Token {
    pub fn is_comment(&self) -> bool {
        matches!(self.kind, Kind::LineComment | Kind::BlockComment)
    }

    /// A string or character literal.
    #[cfg(test)]
    pub fn is_literal(&self) -> bool {
        matches!(self.kind, Kind::Str | Kind::Char)
    }

    /// The token's bytes in `text` (the text it was lexed from).
    pub fn text<'a>(&self, text: &'a [u8]) -> &'a [u8] {
        text.get(self.start..self.end).unwrap_or(&[])
    }

    /// For a comment: its text without `//`, `/*` and `*/`.
    pub fn comment_body(&self) -> (usize, usize) {
        let start = (self.start + 2).min(self.end);
        let end = if self.kind == Kind::BlockComment && self.terminated { self.end - 2 } else { self.end };
        (start, end.max(start))
    }
}

/// The tokens of a text, in order. Cheap to clone (to look ahead).
#[derive(Clone)]
pub(crate) struct Lexer<'a> {
    b: &'a [u8],
    pos: usize,
    dialect: Dialect,
    /// Whether `#` may start a preprocessor line (C, and not a fragment).
    directives: bool,
    /// Only blanks and comments since the last line end.
    line_start: bool,
    /// Inside a preprocessor line.
    in_directive: bool,
}

impl<'a> Lexer<'a> {
    /// The tokens of a whole file (or of text that starts a line).
    pub fn new(text: &'a [u8], dialect: Dialect) -> Lexer<'a> {
        Lexer { b: text, pos: 0, dialect, directives: dialect == Dialect::C, line_start: true, in_directive: false }
    }

    /// The tokens of a piece of a line (a `#define`'s value, a declaration's
    /// head): no `#` in it starts a directive.
    pub fn fragment(text: &'a [u8], dialect: Dialect) -> Lexer<'a> {
        Lexer { directives: false, line_start: false, ..Lexer::new(text, dialect) }
    }

    /// Where the next token is looked for.
    pub fn pos(&self) -> usize {
        self.pos
    }

    fn token(&mut self, kind: Kind, start: usize, end: usize, terminated: bool) -> Option<Token> {
        self.pos = end;
        if kind != Kind::BlockComment {
            self.line_start = false;
        }
        Some(Token { kind, start, end, terminated })
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    #[inline]
    fn next(&mut self) -> Option<Token> {
        let b = self.b;
        let c = loop {
            let Some(&c) = b.get(self.pos) else {
                if self.in_directive {
                    self.in_directive = false;
                    return Some(Token { kind: Kind::DirectiveEnd, start: b.len(), end: b.len(), terminated: true });
                }
                return None;
            };
            match c {
                b'\n' if self.in_directive => {
                    self.in_directive = false;
                    return Some(Token { kind: Kind::DirectiveEnd, start: self.pos, end: self.pos, terminated: true });
                }
                b'\n' => {
                    self.line_start = true;
                    self.pos += 1;
                }
                b' ' | b'\t' | b'\r' | 0x0b | 0x0c => self.pos += 1,
                b'\\' if self.dialect == Dialect::C => match skip::splice(b, self.pos) {
                    Some(end) => self.pos = end,
                    None => break c,
                },
                _ => break c,
            }
        };
        let i = self.pos;
        let next = b.get(i + 1).copied();
        match c {
            b'/' if next == Some(b'/') => {
                let end = skip::line_comment_end(b, i, self.dialect);
                self.token(Kind::LineComment, i, end, true)
            }
            b'/' if next == Some(b'*') => {
                let (end, closed) = skip::block_comment_end(b, i, self.dialect == Dialect::Rust);
                self.token(Kind::BlockComment, i, end, closed)
            }
            b'"' => {
                let (end, closed) = skip::quoted_end(b, i, b'"', self.dialect);
                self.token(Kind::Str, i, end, closed)
            }
            b'\'' => self.quote(i),
            b'#' if self.directives && self.line_start && !self.in_directive => {
                self.in_directive = true;
                self.token(Kind::Directive, i, i + 1, true)
            }
            b'0'..=b'9' => {
                let end = skip::number_end(b, i, self.dialect);
                self.token(Kind::Number, i, end, true)
            }
            b'.' if self.dialect == Dialect::C && next.is_some_and(|d| d.is_ascii_digit()) => {
                let end = skip::number_end(b, i, self.dialect);
                self.token(Kind::Number, i, end, true)
            }
            _ if is_ident_start(c, self.dialect) => match ident_end(b, i, self.dialect) {
                end if end > i => self.word(i, end),
                // A non-ASCII character that is no letter: the whole of it.
                _ => self.token(Kind::Other, i, (i + utf8_len(c)).min(b.len()), true),
            },
            _ if c.is_ascii_punctuation() => self.token(Kind::Punct, i, i + 1, true),
            _ => self.token(Kind::Other, i, i + 1, true),
        }
    }
}

impl Lexer<'_> {
    /// At a `'`: a character literal, or in Rust a lifetime or a stray quote.
    fn quote(&mut self, i: usize) -> Option<Token> {
        match self.dialect {
            Dialect::C => {
                let (end, closed) = skip::quoted_end(self.b, i, b'\'', self.dialect);
                self.token(Kind::Char, i, end, closed)
            }
            Dialect::Rust => match skip::rust_char_end(self.b, i) {
                Some(end) => self.token(Kind::Char, i, end, true),
                None => match ident_end(self.b, i + 1, Dialect::Rust) {
                    end if end > i + 1 => self.token(Kind::Lifetime, i, end, true),
                    _ => self.token(Kind::Other, i, i + 1, true),
                },
            },
        }
    }

    /// An identifier at `i`, or the literal it is the prefix of.
    fn word(&mut self, i: usize, end: usize) -> Option<Token> {
        let b = self.b;
        let word = &b[i..end];
        let after = b.get(end).copied();
        match self.dialect {
            Dialect::C => match (word, after) {
                (b"L" | b"u" | b"U" | b"u8", Some(q @ (b'"' | b'\''))) => {
                    let (e, closed) = skip::quoted_end(b, end, q, self.dialect);
                    let kind = if q == b'"' { Kind::Str } else { Kind::Char };
                    return self.token(kind, i, e, closed);
                }
                (b"R" | b"LR" | b"uR" | b"UR" | b"u8R", Some(b'"')) => {
                    if let Some((e, closed)) = skip::cpp_raw_end(b, end) {
                        return self.token(Kind::Str, i, e, closed);
                    }
                }
                _ => {}
            },
            Dialect::Rust => match (word, after) {
                (b"r" | b"br" | b"cr", Some(b'"' | b'#')) => {
                    if let Some((e, closed)) = skip::rust_raw_end(b, end) {
                        return self.token(Kind::Str, i, e, closed);
                    }
                    // `r#mod`: a raw identifier.
                    let e = ident_end(b, end + 1, Dialect::Rust);
                    if word == b"r" && b.get(end) == Some(&b'#') && e > end + 1 {
                        return self.token(Kind::Ident, i, e, true);
                    }
                }
                (b"b" | b"c", Some(b'"')) => {
                    let (e, closed) = skip::quoted_end(b, end, b'"', self.dialect);
                    return self.token(Kind::Str, i, e, closed);
                }
                (b"b", Some(b'\'')) => {
                    if let Some(e) = skip::rust_char_end(b, end) {
                        return self.token(Kind::Char, i, e, true);
                    }
                }
                _ => {}
            },
        }
        self.token(Kind::Ident, i, end, true)
    }
}

/// Whether the byte `c` may start an identifier (a non-ASCII byte: when
/// the character it starts is a letter, see [`ident_end`]).
#[inline]
pub(crate) fn is_ident_start(c: u8, dialect: Dialect) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 || (c == b'$' && dialect == Dialect::C)
}

/// Whether the byte `c` may continue an identifier.
#[inline]
pub(crate) fn is_ident_continue(c: u8, dialect: Dialect) -> bool {
    is_ident_start(c, dialect) || c.is_ascii_digit()
}

/// The end of the identifier that starts at `i`; `i` itself when none does
/// (a non-ASCII character that is no letter, `€`, or invalid UTF-8).
#[inline]
pub(crate) fn ident_end(b: &[u8], i: usize, dialect: Dialect) -> usize {
    let mut j = i;
    while let Some(&c) = b.get(j) {
        if c < 0x80 {
            if !is_ident_continue(c, dialect) || (j == i && c.is_ascii_digit()) {
                break;
            }
            j += 1;
        } else {
            match non_ascii_char(b, j) {
                Some((ch, len)) if ch.is_alphanumeric() && (j > i || ch.is_alphabetic()) => j += len,
                _ => break,
            }
        }
    }
    j
}

/// The non-ASCII character at `i` and its length, if it is valid UTF-8.
#[cold]
#[inline(never)]
fn non_ascii_char(b: &[u8], i: usize) -> Option<(char, usize)> {
    let len = utf8_len(*b.get(i)?);
    let s = std::str::from_utf8(b.get(i..i + len)?).ok()?;
    s.chars().next().map(|ch| (ch, len))
}

/// The length of the UTF-8 character whose first byte is `first`.
pub(crate) fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// `text` with its comments replaced by spaces (line ends kept), lexed as a
/// fragment; borrowed when it has none.
pub(crate) fn without_comments(text: &[u8], dialect: Dialect) -> std::borrow::Cow<'_, [u8]> {
    if memchr::memchr(b'/', text).is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out: Option<Vec<u8>> = None;
    for t in Lexer::fragment(text, dialect).filter(Token::is_comment) {
        let buf = out.get_or_insert_with(|| text.to_vec());
        for byte in buf.iter_mut().take(t.end).skip(t.start) {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    }
    out.map_or(std::borrow::Cow::Borrowed(text), std::borrow::Cow::Owned)
}
