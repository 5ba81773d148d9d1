//! Every user of the lexer sees the same comments and strings: a property
//! test over the fixtures, mutated, and over generated text. Each user is
//! asked what it took for a comment, a literal or a bracket, in its own
//! terms, and the answer is compared with the lexer's tokens.

use std::path::Path;

use proptest::prelude::*;

use super::{Dialect, Kind, Lexer, Token};
use crate::frontend::{self, Lang};
use crate::prefilter::Needle;

/// Pieces that open and close comments, literals and directives, and words
/// the users look for.
const PIECES: &[&str] = &[
    "\"",
    "'",
    "/*",
    "*/",
    "//",
    "\\\n",
    "\n",
    "\r\n",
    " ",
    "#",
    "#include ",
    "#define X ",
    "#if 0\n",
    "{",
    "}",
    ";",
    "(",
    ")",
    "L\"",
    "u8'",
    "R\"x(",
    ")x\"",
    "r#\"",
    "\"#",
    "b'",
    "'a",
    "1'0",
    "\\",
    "\\\"",
    "pipe",
    "WINAPI ",
    "_In_ ",
    "f(",
    "é",
    "€",
    "x",
    "=>",
    "fn ",
];

/// Every fixture's text and language.
fn fixtures() -> Vec<(String, Lang)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        for file in std::fs::read_dir(dir.path()).into_iter().flatten().flatten() {
            let path = file.path();
            if let (Some(lang), Ok(text)) = (Lang::from_path(&path), std::fs::read_to_string(&path)) {
                out.push((text, lang));
            }
        }
    }
    out.sort();
    out
}

fn tokens(text: &str, dialect: Dialect) -> Vec<Token> {
    Lexer::new(text.as_bytes(), dialect).collect()
}

/// The tokens outside preprocessor lines.
fn outside_directives(toks: &[Token]) -> Vec<Token> {
    let mut inside = false;
    let mut out = Vec::new();
    for t in toks {
        match t.kind {
            Kind::Directive => inside = true,
            Kind::DirectiveEnd => inside = false,
            _ if !inside => out.push(*t),
            _ => {}
        }
    }
    out
}

/// Checks every user against the lexer on one text.
fn agree(text: &str, lang: Lang) -> Result<(), TestCaseError> {
    let dialect = lang.dialect();
    let b = text.as_bytes();
    let toks = tokens(text, dialect);
    let ranges = |keep: &dyn Fn(&Token) -> bool| -> Vec<(usize, usize)> {
        toks.iter().filter(|t| keep(t)).map(|t| (t.start, t.end)).collect()
    };

    // Suppressions: the same comments.
    prop_assert_eq!(crate::suppress::comment_ranges(text, lang), ranges(&Token::is_comment));

    // Focus: the braces and semicolons outside comments, literals and
    // directives, unless a comment or string runs to the end unclosed.
    let unclosed =
        toks.iter().any(|t| matches!(t.kind, Kind::Str | Kind::BlockComment) && !t.terminated && t.end == b.len());
    let expected: Vec<usize> = outside_directives(&toks)
        .iter()
        .filter(|t| t.kind == Kind::Punct && matches!(b[t.start], b'{' | b'}' | b';'))
        .map(|t| t.start)
        .collect();
    prop_assert_eq!(frontend::structure(b, lang), (!unclosed).then_some(expected));

    // The prefilter: a word is in a string when a string token holds it
    // (an `#include`'s file name is no string value).
    let pipe = Needle::new("pipe");
    let mut include = false;
    let mut in_strings: Vec<usize> = Vec::new();
    let positions: Vec<usize> = pipe.positions(b).collect();
    for (k, t) in toks.iter().enumerate() {
        match t.kind {
            Kind::Directive => include = toks.get(k + 1).is_some_and(|n| matches!(n.text(b), b"include" | b"import")),
            Kind::DirectiveEnd => include = false,
            Kind::Str if !include => in_strings.extend(positions.iter().filter(|&&p| t.start <= p && p < t.end)),
            _ => {}
        }
    }
    prop_assert_eq!(pipe.positions_in_strings(b, dialect).collect::<Vec<_>>(), in_strings);

    match lang {
        Lang::Rust => {
            // The nesting scan: the brackets outside comments and literals.
            let brackets =
                ranges(&|t| t.kind == Kind::Punct && matches!(b[t.start], b'(' | b')' | b'[' | b']' | b'{' | b'}'));
            prop_assert_eq!(frontend::bracket_ranges(text), brackets);
        }
        Lang::C | Lang::Cpp => {
            // The sanitizer changes no byte of a comment, a literal or a
            // directive (but the `extern "C"` guards), other than by blanking
            // a macro's arguments whole, and blanks every `WINAPI` outside them.
            let cleaned = frontend::sanitize(text).unwrap_or_else(|| text.to_string());
            let cb = cleaned.as_bytes();
            if !text.contains("__cplusplus") {
                let mut inside = false;
                for t in &toks {
                    match t.kind {
                        Kind::Directive => inside = true,
                        Kind::DirectiveEnd => inside = false,
                        _ => {}
                    }
                    let (old, new) = (&b[t.start..t.end], &cb[t.start..t.end]);
                    let blanked =
                        new.iter().zip(old).all(|(n, o)| *n == b' ' || (*n == *o && matches!(o, b'\n' | b'\r')));
                    if (inside || t.is_comment() || t.is_literal()) && old != new {
                        prop_assert!(blanked && !inside, "{:?} changed in part", t);
                    }
                }
            }
            for t in outside_directives(&toks).iter().filter(|t| t.text(b) == b"WINAPI") {
                prop_assert!(cb[t.start..t.end].iter().all(|&c| c == b' '), "WINAPI at {} kept", t.start);
            }
            // The define parser, on each line as a define's value: the same literals.
            for (at, line) in text.split('\n').scan(0, |at, l| {
                let start = *at;
                *at += l.len() + 1;
                Some((start, l))
            }) {
                let literals: Vec<(usize, usize)> = Lexer::fragment(line.as_bytes(), Dialect::C)
                    .filter(Token::is_literal)
                    .map(|t| (t.start, t.end))
                    .collect();
                prop_assert_eq!(frontend::literal_ranges(line), literals, "line at {}", at);
            }
        }
    }
    Ok(())
}

#[test]
fn every_user_agrees_on_the_fixtures() {
    for (text, lang) in fixtures() {
        if let Err(e) = agree(&text, lang) {
            panic!("{e}\n{text}");
        }
    }
}

fn generated() -> impl Strategy<Value = String> {
    prop::collection::vec(0..PIECES.len(), 0..60).prop_map(|picks| picks.into_iter().map(|i| PIECES[i]).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn every_user_agrees_on_generated_text(text in generated(), lang in prop::sample::select(vec![Lang::C, Lang::Cpp, Lang::Rust])) {
        agree(&text, lang)?;
    }

    #[test]
    fn every_user_agrees_on_mutated_fixtures(
        pick in any::<prop::sample::Index>(),
        inserts in prop::collection::vec((any::<prop::sample::Index>(), 0..PIECES.len()), 1..6),
    ) {
        let all = fixtures();
        let (text, lang) = &all[pick.index(all.len())];
        let mut text = text.clone();
        for (at, piece) in inserts {
            let mut i = at.index(text.len() + 1);
            while !text.is_char_boundary(i) {
                i -= 1;
            }
            text.insert_str(i, PIECES[piece]);
        }
        agree(&text, *lang)?;
    }
}
