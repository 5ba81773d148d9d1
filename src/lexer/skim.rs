//! Rust text skimmed instead of lexed: the scan jumps from one `"`, `'` or
//! `/` to the next (the only bytes that can open a literal, a lifetime or a
//! comment) and lexes only from the last blank before each, a token
//! boundary; between them it looks for a few punctuation bytes with
//! `memchr`. It yields the same tokens as [`Lexer::new`] would, of the
//! kinds asked for, at a fraction of the cost: the prefilter asks it for
//! the strings of every file that holds a word like `pipe` (a quarter of the
//! `windows` crates' 130 MB), focus for the braces of every candidate.

use memchr::{memchr3, memrchr3};

use super::{Dialect, Kind, Lexer, Token};

/// The tokens of a Rust text that are literals, lifetimes, comments, or one
/// of up to three punctuation bytes, in order: those of
/// `Lexer::new(text, Dialect::Rust)` of these kinds.
pub(crate) struct RustSkim<'a> {
    b: &'a [u8],
    /// A token boundary: no token the lexer yields spans it.
    pos: usize,
    /// The punctuation asked for (repeated to fill three), if any.
    puncts: Option<[u8; 3]>,
    /// Code before `pending`, of identifiers, numbers and punctuation only,
    /// not yet searched for `puncts`.
    run: (usize, usize),
    /// The token that holds the last quote, apostrophe or slash found.
    pending: Option<Token>,
    /// Invalid UTF-8 with punctuation asked for: a stray lead byte takes up
    /// to three bytes after it, so the whole text is lexed.
    full: Option<Lexer<'a>>,
}

impl<'a> RustSkim<'a> {
    /// `puncts`: at most three ASCII punctuation bytes.
    pub(crate) fn new(text: &'a [u8], puncts: &[u8]) -> RustSkim<'a> {
        let puncts = match *puncts {
            [] => None,
            [a] => Some([a, a, a]),
            [a, b] => Some([a, b, b]),
            [a, b, c, ..] => Some([a, b, c]),
        };
        let full = (puncts.is_some() && std::str::from_utf8(text).is_err()).then(|| Lexer::new(text, Dialect::Rust));
        RustSkim { b: text, pos: 0, puncts, run: (0, 0), pending: None, full }
    }

    fn wanted(&self, t: &Token) -> bool {
        match t.kind {
            Kind::Str | Kind::Char | Kind::Lifetime | Kind::LineComment | Kind::BlockComment => true,
            Kind::Punct => self.puncts.is_some_and(|p| p.contains(&self.b[t.start])),
            _ => false,
        }
    }
}

impl Iterator for RustSkim<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        if self.full.is_some() {
            loop {
                let t = self.full.as_mut()?.next()?;
                if self.wanted(&t) {
                    return Some(t);
                }
            }
        }
        loop {
            let (from, to) = self.run;
            if let Some([x, y, z]) = self.puncts
                && let Some(k) = memchr3(x, y, z, &self.b[from..to])
            {
                self.run.0 = from + k + 1;
                return Some(Token { kind: Kind::Punct, start: from + k, end: from + k + 1, terminated: true });
            }
            self.run = (to, to);
            if let Some(t) = self.pending.take()
                && self.wanted(&t)
            {
                return Some(t);
            }
            let rest = self.b.get(self.pos..).filter(|r| !r.is_empty())?;
            let Some(k) = memchr3(b'"', b'\'', b'/', rest) else {
                self.run = (self.pos, self.b.len());
                self.pos = self.b.len();
                continue;
            };
            let event = self.pos + k;
            // The Rust lexer's only state is its position, so it can resume
            // at any token boundary; the first token that ends past the
            // event is the one that holds it (a raw string's `r#` prefix
            // included, since no blank is inside one).
            let mut lexer = Lexer { pos: resume_point(self.b, self.pos, event), ..Lexer::new(self.b, Dialect::Rust) };
            match lexer.find(|t| t.end > event) {
                Some(t) => {
                    self.run = (self.pos, t.start);
                    self.pending = Some(t);
                    self.pos = t.end;
                }
                None => {
                    self.run = (self.pos, self.b.len());
                    self.pos = self.b.len();
                }
            }
        }
    }
}

/// The string tokens of a Rust text, in order.
pub(crate) struct RustStrings<'a>(RustSkim<'a>);

impl<'a> RustStrings<'a> {
    pub(crate) fn new(text: &'a [u8]) -> RustStrings<'a> {
        RustStrings(RustSkim::new(text, &[]))
    }
}

impl Iterator for RustStrings<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        self.0.find(|t| t.kind == Kind::Str)
    }
}

/// A token boundary in `from..=event`: after the last blank before the event.
/// Between `from` (a boundary) and the event there is no quote, apostrophe
/// or slash, so no literal, lifetime or comment; the tokens there
/// (identifiers, numbers, punctuation) hold no blank. The one exception is
/// a stray non-ASCII lead byte (invalid UTF-8), which the lexer takes with
/// up to three bytes after it: a blank that close behind one is not used.
fn resume_point(b: &[u8], from: usize, event: usize) -> usize {
    match memrchr3(b' ', b'\n', b'\t', &b[from..event]) {
        Some(k) => {
            let blank = from + k;
            let behind = &b[blank.saturating_sub(3).max(from)..blank];
            if behind.iter().all(|&c| c < 0xC0) { blank + 1 } else { from }
        }
        None => from,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PUNCTS: &[u8] = b"{};";

    fn lexed(b: &[u8], kinds: &[Kind], puncts: &[u8]) -> Vec<Token> {
        Lexer::new(b, Dialect::Rust)
            .filter(|t| kinds.contains(&t.kind) || (t.kind == Kind::Punct && puncts.contains(&b[t.start])))
            .collect()
    }

    fn check(b: &[u8]) -> Result<(), TestCaseError> {
        let strings: Vec<Token> = RustStrings::new(b).collect();
        prop_assert_eq!(strings, lexed(b, &[Kind::Str], &[]));
        let skimmed: Vec<Token> = RustSkim::new(b, PUNCTS).collect();
        let kinds = [Kind::Str, Kind::Char, Kind::Lifetime, Kind::LineComment, Kind::BlockComment];
        prop_assert_eq!(skimmed, lexed(b, &kinds, PUNCTS));
        Ok(())
    }

    #[test]
    fn the_lexers_tokens() {
        for text in [
            "let s = r#\"a \" b\"#; let c = '\"'; // \"no\" {\n/* \"no\" /* nested */ \"no\" */ \"yes\" {x;}",
            "fn f<'a>(x: &'a str) -> &'a str { b\"x\"; br##\"y\"##; c\"z\"; x }",
            "r#r#\"a\" 'r\"b\" 1e+5r\"c\" €r\"d\" x/y \"e\\\"f\"",
            "\"unterminated\n  across lines",
        ] {
            check(text.as_bytes()).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        }
        check(b"\xe0{; \xe0 r\"a\" \xf0\n\"b\"").unwrap_or_else(|e| panic!("invalid UTF-8: {e}"));
    }

    fn piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            prop::sample::select(vec![
                "\"",
                "'",
                "/",
                "//",
                "/*",
                "*/",
                "r",
                "br",
                "cr",
                "b",
                "c",
                "#",
                "##",
                "r#",
                " ",
                "\n",
                "\t",
                "\\",
                "a",
                "1",
                "1e+5",
                "_",
                "é",
                "€",
                "'a",
                "'\\u{41}'",
                "x'",
                "\r\n",
                "{",
                "}",
                ";",
            ])
            .prop_map(|s| s.as_bytes().to_vec()),
            any::<u8>().prop_map(|c| vec![c]),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
        #[test]
        fn agrees_with_the_lexer(pieces in prop::collection::vec(piece(), 0..40)) {
            check(&pieces.concat())?;
        }
    }
}
