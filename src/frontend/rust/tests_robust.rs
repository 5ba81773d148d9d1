//! The Rust frontend on hostile input: deep nesting, huge lines, broken and
//! random text. Each runs on a thread with a 2 MiB stack (rayon's default),
//! and must neither panic nor overflow the stack.

use super::{MAX_BRACKET_DEPTH, MAX_NESTING, lower};
use crate::frontend::Depth;
use crate::ir::FileIr;

/// Lowers `src` on a fresh thread with a 2 MiB stack.
fn lower_small_stack(src: String) -> FileIr {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || lower(&src, Depth::Full))
        .expect("spawn a test thread")
        .join()
        .expect("lowering must not panic")
}

fn function_names(ir: &FileIr) -> Vec<&str> {
    ir.functions.iter().map(|f| f.name.as_str()).collect()
}

fn assert_not_analysed(ir: &FileIr, why: &str) {
    assert!(ir.functions.is_empty());
    assert_eq!(ir.problems.len(), 1, "{:?}", ir.problems);
    assert!(ir.problems[0].message.contains(why), "{}", ir.problems[0].message);
}

#[test]
fn ten_thousand_nested_parens_are_a_problem() {
    let n = 10_000;
    let src = format!("fn f() {{ let x = {}1{}; }}", "(".repeat(n), ")".repeat(n));
    let ir = lower_small_stack(src);
    assert_not_analysed(&ir, &format!("nesting deeper than {MAX_BRACKET_DEPTH} levels"));
}

#[test]
fn ten_thousand_nested_blocks_are_a_problem() {
    let n = 10_000;
    let src = format!("fn f() {}{}", "{".repeat(n), "}".repeat(n));
    assert_not_analysed(&lower_small_stack(src), "nesting deeper than");
}

#[test]
fn a_megabyte_operator_chain_is_a_problem() {
    let src = format!("fn f() {{ let x = 1{}; }}", " + 1".repeat(250_000));
    assert_not_analysed(&lower_small_stack(src), "expressions nested deeper than");
}

#[test]
fn deep_but_allowed_nesting_is_lowered() {
    // Just under the limits: parsed on the helper thread's large stack.
    let n = MAX_BRACKET_DEPTH - 6;
    let m = MAX_NESTING - 100;
    let cases = [
        format!("fn f() {{ let x = {}g(){}; h(); }}", "(".repeat(n), ")".repeat(n)),
        format!("fn f() {{ {} g(); {} h(); }}", "{".repeat(n), "}".repeat(n)),
        format!("fn f() {{ {} g(); {} h(); }}", "if let Some(x) = y {".repeat(n), "}".repeat(n)),
        format!("fn f() {{ {} g(); {} h(); }}", "let c = || {".repeat(n), "};".repeat(n)),
        format!("fn f() {{ {} g() {} ; h(); }}", "match a { _ => ".repeat(n), "}".repeat(n)),
        format!("fn f() {{ let v = [{}g(){}]; h(); }}", "[".repeat(n), "]".repeat(n)),
        format!("{} g(); {} fn z() {{ h(); }}", "fn f() { ".repeat(n), "}".repeat(n)),
        format!("{} fn f() {{ h(); }} {}", "mod m { ".repeat(n), "}".repeat(n)),
        format!("fn f() {{ if a {{}}{} else {{ g() }}; h(); }}", " else if a {}".repeat(m)),
        format!("fn f() {{ x{}; h(); }}", ".g()".repeat(m)),
        format!("fn f() {{ let x = 1{}; h(); }}", " + 1".repeat(m)),
        format!("fn f() {{ let x = {}y; h(); }}", "!".repeat(m)),
        format!("fn f() {{ let x = {}y; h(); }}", "&".repeat(m)),
        format!("fn f() {{ {}y; h(); }}", "return ".repeat(m)),
        format!("fn f() {{ let c = {}y; h(); }}", "move || ".repeat(m / 3)),
        format!("fn f() {{ let x = y{}; h(); }}", "?".repeat(m)),
        format!("fn f() {{ let x = y{}; h(); }}", " as u8".repeat(m)),
        format!("fn f() {{ x{}; h(); }}", " = x".repeat(m)),
        format!("fn f() {{ let x: {}u8 = y; h(); }}", "*const ".repeat(m / 2)),
        format!("fn f() {{ let x: {}u8{} = y; h(); }}", "Vec<".repeat(m / 2), ">".repeat(m / 2)),
    ];
    for src in cases {
        let head: String = src.chars().take(40).collect();
        let ir = lower_small_stack(src);
        assert!(ir.problems.is_empty(), "{head}: {:?}", ir.problems);
        let callees: Vec<&str> = ir.functions.iter().flat_map(|f| &f.calls).map(|c| c.callee.as_str()).collect();
        assert!(callees.contains(&"h"), "{head}: {callees:?}");
    }
}

#[test]
fn a_megabyte_line_is_lowered() {
    let elems: Vec<String> = (0..150_000).map(|i| i.to_string()).collect();
    let src = format!(
        "fn f() {{ let a = [{}]; g(a); }} fn h() {{ let s = \"{}\"; k(s); }}",
        elems.join(", "),
        "é".repeat(200_000)
    );
    assert!(src.len() > 1_000_000);
    let ir = lower_small_stack(src);
    assert_eq!(function_names(&ir), vec!["f", "h"]);
    assert!(ir.problems.is_empty());
}

#[test]
fn a_truncated_file_keeps_the_functions_before_the_cut() {
    let src =
        "fn a() { RpcRevertToSelf(); }\nfn b() { x(); }\nfn c() { RpcBindingSetAuthInfoExW(h, None, 6,".to_string();
    let ir = lower_small_stack(src);
    assert_eq!(function_names(&ir), vec!["a", "b"]);
    assert_eq!(ir.problems.len(), 1);
}

#[test]
fn invalid_syntax_in_one_function_keeps_the_others() {
    let src = "fn a() { x(); }\nfn b() { let = 5 + ; }\nimpl T { fn c(&self) { y(); } }\nfn d() { z(); }".to_string();
    let ir = lower_small_stack(src.clone());
    assert_eq!(function_names(&ir), vec!["a", "c", "d"]);
    assert_eq!(ir.problems.len(), 1);
    let p = &ir.problems[0];
    assert!(src[..p.span.start as usize].contains("fn b"), "{p:?}");
    assert!(!src[..p.span.start as usize].contains("impl T"), "{p:?}");
}

#[test]
fn stray_and_unclosed_delimiters_do_not_panic() {
    for src in [
        ")",
        "}",
        "]]]",
        "{",
        "fn",
        "fn f(",
        "fn f() {",
        "fn f() { \"",
        "fn f() { '",
        "fn f() { r#\"",
        "/*",
        "'a",
        "#!",
        "#![",
        "\u{feff}",
        "",
    ] {
        let ir = lower_small_stack(src.to_string());
        assert!(ir.functions.is_empty(), "{src:?}");
    }
    let ir = lower_small_stack("fn a() { x(); }\n)))}}}]]]\nfn b() { y(); }".to_string());
    assert_eq!(function_names(&ir), vec!["a", "b"]);
    assert_eq!(ir.problems.len(), 1);
}

/// A small deterministic generator (no dependency needed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

#[test]
fn random_token_soup_does_not_panic() {
    const PIECES: &[&str] = &[
        "fn ",
        "f",
        "(",
        ")",
        "{",
        "}",
        "[",
        "]",
        ";",
        ",",
        "let ",
        "x",
        " = ",
        "?",
        ".",
        "!",
        "&",
        "*",
        "-",
        "|",
        "||",
        "if ",
        "else ",
        "match ",
        "=>",
        "loop ",
        "while ",
        "for ",
        " in ",
        "break ",
        "'a",
        ": ",
        "'c'",
        "\"s\"",
        "r#\"",
        "\"",
        "'",
        "1u32",
        "0x8000_0001",
        "w!",
        "unsafe ",
        "impl ",
        "Drop",
        "mod ",
        "const ",
        "static ",
        "mut ",
        "::",
        "as ",
        "move ",
        "async ",
        ".await",
        "return ",
        "_",
        "#[",
        "#![",
        "/*",
        "*/",
        "//",
        "\n",
        "é",
        "RpcImpersonateClient",
        "None",
        "Some",
        "..",
        "@",
        "$",
        "\\",
        "<",
        ">",
        "=",
    ];
    let mut rng = Lcg(0x5eed);
    let texts: Vec<String> = (0..300)
        .map(|_| {
            let len = 1 + (rng.next() % 400) as usize;
            (0..len).map(|_| PIECES[(rng.next() as usize) % PIECES.len()]).collect()
        })
        .collect();
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            for t in &texts {
                let _ = lower(t, Depth::Full);
                let _ = lower(t, Depth::ConstsOnly);
            }
        })
        .expect("spawn a test thread")
        .join()
        .expect("lowering must not panic");
}

#[test]
fn random_bytes_do_not_panic() {
    let mut rng = Lcg(42);
    let texts: Vec<String> = (0..200)
        .map(|_| {
            let len = (rng.next() % 2_000) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            String::from_utf8_lossy(&bytes).into_owned()
        })
        .collect();
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            for t in &texts {
                let _ = lower(t, Depth::Full);
            }
        })
        .expect("spawn a test thread")
        .join()
        .expect("lowering must not panic");
}

#[test]
fn lowering_again_on_the_same_thread_gives_the_same_spans() {
    // Each lowering resets proc-macro2's source map; spans stay correct.
    let src = "fn f() { let s = \"日本\"; RpcRevertToSelf(); }";
    let first = lower(src, Depth::Full);
    let _ = lower("fn other() { a(); b(); c(); }", Depth::Full);
    let again = lower(src, Depth::Full);
    let span = |ir: &FileIr| ir.functions[0].calls[0].span;
    assert_eq!(span(&first), span(&again));
    assert_eq!(&src[span(&again).range()], "RpcRevertToSelf()");
}
