//! The lexer's own cases, one per rule it follows.

use super::*;

fn kinds(text: &str, dialect: Dialect) -> Vec<(Kind, &str)> {
    Lexer::new(text.as_bytes(), dialect).map(|t| (t.kind, &text[t.start..t.end])).collect()
}

fn of_kind(text: &str, dialect: Dialect, kind: Kind) -> Vec<&str> {
    kinds(text, dialect).into_iter().filter(|(k, _)| *k == kind).map(|(_, s)| s).collect()
}

#[test]
fn c_comments_strings_and_chars() {
    let t = "a = \"// no\\\"\"; /* b */ c = '\"'; // tail \\\n still\nd";
    assert_eq!(of_kind(t, Dialect::C, Kind::Str), ["\"// no\\\"\""]);
    assert_eq!(of_kind(t, Dialect::C, Kind::Char), ["'\"'"]);
    assert_eq!(of_kind(t, Dialect::C, Kind::BlockComment), ["/* b */"]);
    assert_eq!(of_kind(t, Dialect::C, Kind::LineComment), ["// tail \\\n still"], "a splice continues it");
    assert_eq!(of_kind("/* a /* b */ c */", Dialect::C, Kind::BlockComment), ["/* a /* b */"], "not nested");
}

#[test]
fn c_literals_end_at_the_line_end() {
    let toks: Vec<Token> = Lexer::new(b"s = \"open\nx = 'a\n\"ok\\\nstill\"", Dialect::C).collect();
    let lits: Vec<(usize, usize, bool)> =
        toks.iter().filter(|t| t.is_literal()).map(|t| (t.start, t.end, t.terminated)).collect();
    assert_eq!(lits, [(4, 9, false), (14, 16, false), (17, 28, true)]);
}

#[test]
fn c_prefixes_and_raw_strings() {
    let t = "L\"a\" u8\"b\" u'c' U\"d\" LR\"x(a)\" b)x\" R\"(q)\" Lx\"e\" R \"f\"";
    assert_eq!(
        of_kind(t, Dialect::C, Kind::Str),
        ["L\"a\"", "u8\"b\"", "U\"d\"", "LR\"x(a)\" b)x\"", "R\"(q)\"", "\"e\"", "\"f\""]
    );
    assert_eq!(of_kind(t, Dialect::C, Kind::Char), ["u'c'"]);
    // No valid delimiter: `R` is a name and a string follows.
    assert_eq!(of_kind("R\"a b(x)a b\"", Dialect::C, Kind::Str), ["\"a b(x)a b\""]);
    let open: Vec<Token> = Lexer::new(b"R\"(never", Dialect::C).collect();
    assert_eq!((open[0].kind, open[0].end, open[0].terminated), (Kind::Str, 8, false));
}

#[test]
fn numbers_with_separators_and_exponents() {
    let t = "1'000 + 0x1Fu + 1.5e+3f + .5 + 0xE+1 + a'b'";
    assert_eq!(of_kind(t, Dialect::C, Kind::Number), ["1'000", "0x1Fu", "1.5e+3f", ".5", "0xE+1"]);
    assert_eq!(of_kind(t, Dialect::C, Kind::Char), ["'b'"]);
    assert_eq!(of_kind("1..2 + 1.5 + x.0 + 1e-3", Dialect::Rust, Kind::Number), ["1", "2", "1.5", "0", "1e-3"]);
}

#[test]
fn directives_end_at_an_unspliced_line_end_past_comments() {
    let t = "#define A 1 /* x\n y */ + \\\n 2 // c\nint b; # not\n  #  if X\n";
    let spans: Vec<(Kind, &str)> = kinds(t, Dialect::C)
        .into_iter()
        .filter(|(k, _)| matches!(k, Kind::Directive | Kind::DirectiveEnd | Kind::Punct))
        .collect();
    assert_eq!(
        spans,
        [
            (Kind::Directive, "#"),
            (Kind::Punct, "+"),
            (Kind::DirectiveEnd, ""),
            (Kind::Punct, ";"),
            (Kind::Punct, "#"),
            (Kind::Directive, "#"),
            (Kind::DirectiveEnd, "")
        ]
    );
    let ends: Vec<usize> =
        Lexer::new(t.as_bytes(), Dialect::C).filter(|t| t.kind == Kind::DirectiveEnd).map(|t| t.start).collect();
    assert_eq!(ends, [t.find(" // c").unwrap() + 5, t.len() - 1]);
    let unclosed: Vec<Kind> = Lexer::new(b"#if A", Dialect::C).map(|t| t.kind).collect();
    assert_eq!(unclosed, [Kind::Directive, Kind::Ident, Kind::Ident, Kind::DirectiveEnd]);
    assert!(Lexer::fragment(b"#x", Dialect::C).all(|t| t.kind != Kind::Directive), "a fragment has no directives");
    assert!(Lexer::new(b"#[test]", Dialect::Rust).all(|t| t.kind != Kind::Directive), "nor has Rust");
}

#[test]
fn rust_literals_lifetimes_and_raw_identifiers() {
    let t = "r#\"a\"b\"# br\"c\" b\"d\\\"\" c\"e\" \"multi\nline\" r#mod 'a' '\\u{1F600}' 'é' b'x' 'static '\\'' x";
    assert_eq!(
        of_kind(t, Dialect::Rust, Kind::Str),
        ["r#\"a\"b\"#", "br\"c\"", "b\"d\\\"\"", "c\"e\"", "\"multi\nline\""]
    );
    assert_eq!(of_kind(t, Dialect::Rust, Kind::Char), ["'a'", "'\\u{1F600}'", "'é'", "b'x'", "'\\''"]);
    assert_eq!(of_kind(t, Dialect::Rust, Kind::Lifetime), ["'static"]);
    assert_eq!(of_kind(t, Dialect::Rust, Kind::Ident), ["r#mod", "x"]);
    assert_eq!(of_kind("/* a /* b */ c */ d", Dialect::Rust, Kind::BlockComment), ["/* a /* b */ c */"]);
    assert_eq!(of_kind("// a \\\nb", Dialect::Rust, Kind::LineComment), ["// a \\"], "no splices in Rust");
}

#[test]
fn identifiers_take_dollars_in_c_and_non_ascii_letters() {
    assert_eq!(of_kind("a$b é_1 x", Dialect::C, Kind::Ident), ["a$b", "é_1", "x"]);
    assert_eq!(of_kind("a$b", Dialect::Rust, Kind::Ident), ["a", "b"]);
}

#[test]
fn comments_are_blanked_in_place() {
    let t = b"int /* a\nb */ f(x) // c";
    assert_eq!(&*without_comments(t, Dialect::C), b"int     \n     f(x)     ");
    assert!(matches!(without_comments(b"a / b", Dialect::C), std::borrow::Cow::Borrowed(_)));
}

#[test]
fn every_byte_is_covered_once_and_in_order() {
    let inputs = ["a\"\\", "'", "R\"", "r#\"", "/*", "#", "\\", "1'", "\u{e9}'", "b'\\", "#if\\\r\n x"];
    for text in inputs {
        for dialect in [Dialect::C, Dialect::Rust] {
            let mut last = 0;
            for t in Lexer::new(text.as_bytes(), dialect) {
                assert!(t.start >= last && t.end >= t.start && t.end <= text.len(), "{text:?} {dialect:?} {t:?}");
                last = t.end;
            }
        }
    }
}
