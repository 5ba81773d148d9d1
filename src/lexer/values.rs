//! Which bytes of a text are inside a string value: the prefilter asks it
//! whether a word like `pipe` is in a string (`L"\\\\.\\pipe\\x"`) rather than
//! in a name (`ERROR_PIPE_BUSY`), a comment or an `#include`'s file name.

use super::{Dialect, Kind, Lexer, RustStrings, Token};

/// The string literals of a text that are values (not an `#include`'s
/// file name), walked in order of the positions asked about.
pub(crate) struct StringValues<'a> {
    h: &'a [u8],
    tokens: Tokens<'a>,
    /// The first token that ends after the last position asked about, and
    /// whether it is a string value.
    current: Option<(Token, bool)>,
}

/// Where [`StringValues`] takes its tokens from.
enum Tokens<'a> {
    /// Every token of C text.
    C {
        lexer: Lexer<'a>,
        /// Whether the last token is in an `#include` or `#import` line (a
        /// file name, no value).
        include: bool,
        /// Before this offset, a string is on one logical line (no raw strings).
        first_raw: usize,
    },
    /// Only the string tokens of Rust text.
    Rust(RustStrings<'a>),
}

impl Tokens<'_> {
    /// The next token, and whether it is a string value.
    fn next(&mut self, h: &[u8]) -> Option<(Token, bool)> {
        match self {
            Tokens::C { lexer, include, .. } => {
                let t = lexer.next()?;
                match t.kind {
                    Kind::Directive => {
                        let name = lexer.clone().next().map(|n| n.text(h));
                        *include = matches!(name, Some(b"include" | b"import"));
                    }
                    Kind::DirectiveEnd => *include = false,
                    _ => {}
                }
                Some((t, t.kind == Kind::Str && !*include))
            }
            Tokens::Rust(strings) => strings.next().map(|t| (t, true)),
        }
    }
}

impl<'a> StringValues<'a> {
    pub(crate) fn new(h: &'a [u8], dialect: Dialect) -> StringValues<'a> {
        let tokens = match dialect {
            // Before the first raw string, a C string ends on its logical line.
            Dialect::C => Tokens::C {
                lexer: Lexer::new(h, dialect),
                include: false,
                first_raw: memchr::memmem::find(h, b"R\"").unwrap_or(h.len()),
            },
            // A Rust string spans lines: its string tokens, found by a scan
            // that skips to each quote (lexing all of it cost 18% on the crates).
            Dialect::Rust => Tokens::Rust(RustStrings::new(h)),
        };
        StringValues { h, tokens, current: None }
    }

    /// Whether `at` (no smaller than the last position asked about) is
    /// inside a string literal.
    pub(crate) fn holds(&mut self, at: usize) -> bool {
        let h = self.h;
        // The lexer's answer, without lexing up to `at`: no string opens
        // before `at` on its logical line, so none holds it.
        if let Tokens::C { first_raw, .. } = self.tokens
            && at < first_raw
            && !quote_before_on_line(h, at)
        {
            return false;
        }
        while self.current.is_none_or(|(t, _)| t.end <= at) {
            let Some(next) = self.tokens.next(h) else { return false };
            self.current = Some(next);
        }
        self.current.is_some_and(|(t, value)| value && t.start <= at)
    }
}

/// Whether a `"` precedes `at` on its logical line (the lines before it
/// that a `\` continues included).
fn quote_before_on_line(h: &[u8], at: usize) -> bool {
    let mut start = line_start(h, at);
    loop {
        if memchr::memchr(b'"', &h[start..at]).is_some() {
            return true;
        }
        let Some(newline) = start.checked_sub(1) else { return false };
        let before = &h[..newline];
        if !(before.ends_with(b"\\") || before.ends_with(b"\\\r")) {
            return false;
        }
        start = line_start(h, newline);
    }
}

/// The start of the line that holds `i`.
fn line_start(h: &[u8], i: usize) -> usize {
    memchr::memrchr(b'\n', &h[..i]).map_or(0, |n| n + 1)
}
