//! The string literals of a Rust text without lexing all of it: the scan
//! jumps from one `"`, `'` or `/` to the next (the only bytes that can open
//! a literal or a comment) and lexes only from the last blank before each,
//! a token boundary. It finds the same [`Kind::Str`] tokens as
//! [`Lexer::new`] at a fraction of the cost; the prefilter asks it of every
//! file that holds a word like `pipe` (the `windows` crates: a quarter of
//! their 130 MB).

use memchr::{memchr3, memrchr3};

use super::{Dialect, Kind, Lexer, Token};

/// The string tokens of a Rust text, in order: those of
/// `Lexer::new(text, Dialect::Rust)`.
pub(crate) struct RustStrings<'a> {
    b: &'a [u8],
    /// A token boundary: no token the lexer yields spans it.
    pos: usize,
}

impl<'a> RustStrings<'a> {
    pub(crate) fn new(text: &'a [u8]) -> RustStrings<'a> {
        RustStrings { b: text, pos: 0 }
    }
}

impl Iterator for RustStrings<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        loop {
            let rest = self.b.get(self.pos..)?;
            let Some(k) = memchr3(b'"', b'\'', b'/', rest) else {
                self.pos = self.b.len();
                return None;
            };
            let event = self.pos + k;
            // The Rust lexer's only state is its position, so it can resume
            // at any token boundary; the first token that ends past the
            // event is the one that holds it (a raw string's `r#` prefix
            // included, since no blank is inside one).
            let mut lexer = Lexer { pos: resume_point(self.b, self.pos, event), ..Lexer::new(self.b, Dialect::Rust) };
            let Some(t) = lexer.find(|t| t.end > event) else {
                self.pos = self.b.len();
                return None;
            };
            self.pos = t.end;
            if t.kind == Kind::Str {
                return Some(t);
            }
        }
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

    fn both(b: &[u8]) -> (Vec<Token>, Vec<Token>) {
        let lexed = Lexer::new(b, Dialect::Rust).filter(|t| t.kind == Kind::Str).collect();
        (RustStrings::new(b).collect(), lexed)
    }

    #[test]
    fn the_lexers_strings() {
        for text in [
            "let s = r#\"a \" b\"#; let c = '\"'; // \"no\"\n/* \"no\" /* nested */ \"no\" */ \"yes\"",
            "fn f<'a>(x: &'a str) -> &'a str { b\"x\"; br##\"y\"##; c\"z\"; x }",
            "r#r#\"a\" 'r\"b\" 1e+5r\"c\" €r\"d\" x/y \"e\\\"f\"",
            "\"unterminated\n  across lines",
        ] {
            let (fast, lexed) = both(text.as_bytes());
            assert_eq!(fast, lexed, "{text:?}");
        }
        assert_eq!(both(b"\xe0 r\"a\" \xf0\n\"b\"").0, both(b"\xe0 r\"a\" \xf0\n\"b\"").1, "invalid UTF-8");
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
            ])
            .prop_map(|s| s.as_bytes().to_vec()),
            any::<u8>().prop_map(|c| vec![c]),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
        #[test]
        fn agrees_with_the_lexer(pieces in prop::collection::vec(piece(), 0..40)) {
            let b = pieces.concat();
            let (fast, lexed) = both(&b);
            prop_assert_eq!(fast, lexed);
        }
    }
}
