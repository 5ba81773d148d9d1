//! Parse only what can matter: functions that name no API are blanked
//! before the parser sees them.
//!
//! A candidate file (one that names an API somewhere) is usually a large file
//! in which a few functions call an API: test suites, services, drivers. The
//! rules only read functions that call an API, so every other function,
//! head and body, is replaced by spaces (newlines kept), and so is every
//! large table at file level that names no API. The parser then sees only
//! the declarations and the functions that matter, byte offsets do not move,
//! and the cost of a file is the cost of those functions. Blanking the head
//! too matters: a head wrapped in macros (`DEFINE_THISCALL_WRAPPER(f, 4)`)
//! sends tree-sitter into error recovery, which cost more than the parse.
//!
//! A file read only for the definitions of some names gets the same
//! treatment with every declaration that names none of them blanked.
//!
//! The scan is lexical (comments, strings, character literals, raw strings,
//! preprocessor lines) and tells declarations apart by what precedes their
//! `{` at file, namespace or class level. When it cannot make sense of the
//! braces (an `#if` with an unbalanced brace in each arm), it changes
//! nothing: the whole file is parsed, as without focus.

use super::Lang;
use crate::lexer::{Kind, Lexer, without_comments};

/// Initialisers at file level longer than this (test data, font tables) are
/// blanked for the rules when they name no API: no rule reads a value out of
/// one, and parsing them is most of the cost of some files.
const MIN_BLANKED_TABLE: usize = 512;

/// What a `{` opens, decided by what comes before it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    /// A function body: to keep or blank.
    Body,
    /// A namespace, `extern "C"`, class, struct or impl/trait/mod body: function bodies may be inside.
    Container,
    /// The initialiser of a variable at file level (`T table[] = { .. };`):
    /// large ones (test data tables) are blanked like bodies.
    Init,
    /// Anything else (an initialiser, an enum, a block inside a body).
    Other,
}

/// What the lexical scan reports: the bytes that shape declarations, with
/// comments, strings and character literals already skipped.
#[derive(Clone, Copy)]
enum Event {
    Open(usize),
    Close(usize),
    Semi(usize),
    /// A preprocessor line (with its continuations): start and end.
    Directive(usize, usize),
}

/// Scans `b`, calling `on` for every event; `None` if a comment or a
/// string (other than a C one, which its line ends) runs to the end of the
/// text unclosed.
fn scan(b: &[u8], lang: Lang, mut on: impl FnMut(Event)) -> Option<()> {
    let mut directive = None;
    for t in Lexer::new(b, lang.dialect()) {
        match t.kind {
            Kind::Str | Kind::BlockComment if !t.terminated && t.end == b.len() => return None,
            Kind::Directive => directive = Some(t.start),
            Kind::DirectiveEnd => on(Event::Directive(directive.take().unwrap_or(t.start), t.end)),
            _ if directive.is_some() => {}
            Kind::Punct => match b[t.start] {
                b'{' => on(Event::Open(t.start)),
                b'}' => on(Event::Close(t.start)),
                b';' => on(Event::Semi(t.start)),
                _ => {}
            },
            _ => {}
        }
    }
    Some(())
}

/// The positions of the `{`, `}` and `;` that the scan reports, or `None`
/// where it gives up (for the lexer's agreement test).
#[cfg(test)]
pub(crate) fn structure(text: &[u8], lang: Lang) -> Option<Vec<usize>> {
    let mut out = Vec::new();
    scan(text, lang, |ev| {
        if let Event::Open(i) | Event::Close(i) | Event::Semi(i) = ev {
            out.push(i);
        }
    })?;
    Some(out)
}

/// What [`blank_declarations`] is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// A file the rules read: every function whose body `keep` rejects is
    /// blanked whole (its head too, which spares the parser the error
    /// recovery that macro-wrapped heads cost), and so is every large
    /// initialiser `keep` rejects; other declarations and directives stay.
    Rules,
    /// A file read only for the definitions of some names: every
    /// declaration that `keep` rejects is blanked, and every function
    /// (functions define no file-level constant); conditional directives
    /// (`#if`..`#endif`) stay, so `#if 0` regions are still known, and other
    /// directives stay when `keep` accepts them.
    Consts,
}

/// What [`blank_declarations`] made of a file.
pub(crate) struct Blanked {
    /// The text with the declarations that `purpose` does not need blanked;
    /// `None` when nothing was blanked.
    pub text: Option<String>,
    /// For [`Purpose::Rules`]: whether any code the rules read was kept, a
    /// function whose body `keep` accepts or a braced initialiser it accepts
    /// (a lambda, a table of API pointers). A header that only declares the
    /// API has none: nothing in it to check.
    pub code_kept: bool,
    /// For [`Purpose::Rules`]: the names of the functions blanked (a
    /// vtable initialiser lists them; they are no constants to look for).
    pub blanked_functions: Vec<String>,
}

/// The declarations at file, namespace or class level that `purpose` does
/// not need, blanked. `None` when the braces do not balance.
pub(crate) fn blank_declarations(
    text: &str,
    lang: Lang,
    keep: &dyn Fn(&[u8]) -> bool,
    purpose: Purpose,
) -> Option<Blanked> {
    blank_declarations_but(text, lang, keep, &|_, _| false, purpose)
}

/// [`blank_declarations`], where for [`Purpose::Rules`] a function whose body
/// `own_only(name, body)` says names no API but the function's own name is
/// blanked too: the API's own definition (a binding crate's wrapper, Wine's
/// implementation), whose calls the rules skip (`in_api_definition`).
pub(crate) fn blank_declarations_but(
    text: &str,
    lang: Lang,
    keep: &dyn Fn(&[u8]) -> bool,
    own_only: &dyn Fn(&str, &[u8]) -> bool,
    purpose: Purpose,
) -> Option<Blanked> {
    let b = text.as_bytes();
    // Declarations as (start, end, the `{` of a function's body, holds a
    // large initialiser) at declaration level.
    let mut chunks: Vec<(usize, usize, Option<usize>, bool)> = Vec::new();
    let mut table = false;
    let mut directives: Vec<(usize, usize)> = Vec::new();
    let mut stack: Vec<(Open, usize)> = Vec::new();
    let mut decl_start: Option<usize> = None;
    let mut balanced = true;
    let at_level = |stack: &[(Open, usize)]| stack.iter().all(|(k, _)| *k == Open::Container);
    let mut last_end = 0usize;
    scan(b, lang, |ev| match ev {
        Event::Directive(s, e) => {
            if at_level(&stack) && decl_start.is_none() {
                directives.push((s, e));
                last_end = e;
            }
        }
        Event::Open(i) => {
            if at_level(&stack) {
                let start = decl_start.unwrap_or_else(|| first_code(b, last_end, i));
                let kind = classify(b.get(start..i).unwrap_or(&[]), lang);
                if kind == Open::Container {
                    // The container's head is kept; its contents are declarations.
                    decl_start = None;
                    last_end = i + 1;
                } else {
                    decl_start = Some(start);
                }
                stack.push((kind, i));
            } else {
                stack.push((Open::Other, i));
            }
        }
        Event::Close(i) => {
            let Some((kind, open)) = stack.pop() else {
                balanced = false;
                return;
            };
            if at_level(&stack) {
                table |= kind == Open::Init && i - open > MIN_BLANKED_TABLE;
                match (kind, decl_start) {
                    // A container ends: its closing brace is kept.
                    (Open::Container, _) => last_end = i + 1,
                    // `void f() { .. }`, `struct S { .. }` (Rust), `enum E { .. }` end here;
                    // `int t[] = { .. };` and C's `struct S { .. };` go on to their `;`.
                    (_, Some(start)) => {
                        let head = b.get(start..i).unwrap_or(&[]);
                        if kind == Open::Body
                            || (lang == Lang::Rust && kind == Open::Other && !depth_zero(head).contains(&b'='))
                        {
                            let body = (kind == Open::Body).then_some(open);
                            chunks.push((start, i + 1, body, std::mem::take(&mut table)));
                            decl_start = None;
                            last_end = i + 1;
                        }
                    }
                    (_, None) => {}
                }
            }
        }
        Event::Semi(i) => {
            if at_level(&stack) {
                let start = decl_start.unwrap_or_else(|| first_code(b, last_end, i));
                chunks.push((start, i + 1, None, std::mem::take(&mut table)));
                decl_start = None;
                last_end = i + 1;
            }
        }
    })?;
    if !balanced || !stack.is_empty() {
        return None;
    }
    let mut out = b.to_vec();
    let mut changed = false;
    let mut blank = |s: usize, e: usize| {
        for byte in out.iter_mut().take(e).skip(s) {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    };
    let mut code_kept = false;
    let mut blanked_functions = Vec::new();
    for (s, e, body, table) in chunks {
        let chunk = b.get(s..e).unwrap_or(&[]);
        let kept = match (purpose, body) {
            (Purpose::Rules, Some(open)) => {
                let body = b.get(open + 1..e.saturating_sub(1)).unwrap_or(&[]);
                let kept = keep(body)
                    && !function_name(b.get(s..open).unwrap_or(&[]), lang).is_some_and(|name| own_only(&name, body));
                code_kept |= kept;
                kept
            }
            // A braced initialiser (`= [](..) { .. }`, `= { Api, .. }`); a
            // Rust struct definition that names an API in a field is no code.
            (Purpose::Rules, None) if is_braced_initialiser(chunk) => {
                let names = keep(chunk);
                code_kept |= names;
                !table || names
            }
            (Purpose::Rules, None) => true,
            (Purpose::Consts, Some(_)) => false,
            (Purpose::Consts, None) => keep(chunk),
        };
        if !kept {
            if let (Purpose::Rules, Some(open)) = (purpose, body) {
                blanked_functions.extend(function_name(b.get(s..open).unwrap_or(&[]), lang));
            }
            blank(s, e);
            changed = true;
        }
    }
    for (s, e) in directives {
        let line = b.get(s..e).unwrap_or(&[]);
        if purpose == Purpose::Consts && !is_conditional(line) && !keep(line) {
            blank(s, e);
            changed = true;
        }
    }
    // Only ASCII bytes were written over whole characters (a blanked
    // declaration is a run of complete characters), so this cannot fail.
    let text = if changed { String::from_utf8(out).ok() } else { None };
    Some(Blanked { text, code_kept, blanked_functions })
}

/// The name a function's head declares: Rust's identifier after `fn`; in C
/// and C++ the identifier before the last parenthesis outside brackets that
/// follows one (`DEFINE_THISCALL_WRAPPER(h, 4) void __thiscall h(int (*cb)(void))`
/// is `h`, `void C::Run() const` is `Run`).
fn function_name(head: &[u8], lang: Lang) -> Option<String> {
    let code = without_comments(head, lang.dialect());
    let name = if lang == Lang::Rust {
        let words = identifiers(&code);
        let k = words.iter().position(|w| *w == b"fn")?;
        *words.get(k + 1)?
    } else {
        let mut depth = 0i32;
        let mut name: Option<&[u8]> = None;
        for (i, &c) in code.iter().enumerate() {
            match c {
                b'(' if depth == 0 => {
                    // `f (`, not `(*f)(` nor `__attribute__((x)) (`.
                    let before = trim_end_blanks(&code[..i]);
                    if before.last().is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
                        name = identifiers(before).last().copied();
                    }
                    depth += 1;
                }
                b'(' | b'[' => depth += 1,
                b')' | b']' => depth -= 1,
                _ => {}
            }
        }
        name?
    };
    std::str::from_utf8(name).ok().filter(|w| !w.starts_with(|c: char| c.is_ascii_digit())).map(str::to_string)
}

fn trim_end_blanks(s: &[u8]) -> &[u8] {
    &s[..s.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |i| i + 1)]
}

/// The first byte of code at or after `from` (skipping blanks), before `limit`.
fn first_code(b: &[u8], from: usize, limit: usize) -> usize {
    (from..limit).find(|&i| !b[i].is_ascii_whitespace()).unwrap_or(limit)
}

/// `#if`, `#ifdef`, `#ifndef`, `#elif`, `#else`, `#endif`.
fn is_conditional(line: &[u8]) -> bool {
    let rest = line.strip_prefix(b"#").unwrap_or(line);
    let word: Vec<u8> =
        rest.iter().skip_while(|c| c.is_ascii_whitespace()).take_while(|c| c.is_ascii_alphabetic()).copied().collect();
    matches!(word.as_slice(), b"if" | b"ifdef" | b"ifndef" | b"elif" | b"elifdef" | b"elifndef" | b"else" | b"endif")
}

/// What the `{` that follows `prefix` (the declaration so far) opens.
fn classify(prefix: &[u8], lang: Lang) -> Open {
    // A comment before a function (`/* a == b */`) must not make it look
    // like an initialiser.
    let code = without_comments(prefix, lang.dialect());
    let prefix = code.as_ref();
    let words = identifiers(prefix);
    let has = |w: &str| words.contains(&w.as_bytes());
    match lang {
        Lang::Rust => {
            if has("fn") {
                // `fn f(..) -> T where ..` — but not `impl Fn()` types or closures in consts.
                if has("impl") && !prefix.windows(3).any(|w| w == b"fn ") {
                    return Open::Container;
                }
                return Open::Body;
            }
            if has("impl") || has("trait") || has("mod") {
                return Open::Container;
            }
            Open::Other
        }
        Lang::C | Lang::Cpp => {
            if has("namespace") || (has("extern") && prefix.windows(3).any(|w| w == b"\"C\"")) {
                return Open::Container;
            }
            let top = depth_zero(prefix);
            if top.contains(&b'=') {
                return Open::Init;
            }
            // `enum E {`, not `enum e f(enum e x) {` (a function's types).
            if identifiers(&top).contains(&b"enum".as_slice()) && !top.contains(&b'(') {
                return Open::Other;
            }
            if (has("class") || has("struct") || has("union")) && !top.contains(&b'(') {
                return Open::Container;
            }
            if top.contains(&b'(') || prefix.contains(&b'(') {
                return Open::Body;
            }
            Open::Other
        }
    }
}

/// Whether a declaration's first `{` follows an `=`.
fn is_braced_initialiser(chunk: &[u8]) -> bool {
    chunk.iter().position(|&b| b == b'{').is_some_and(|open| chunk[..open].contains(&b'='))
}

/// The bytes of `s` outside parentheses, brackets and angle brackets.
fn depth_zero(s: &[u8]) -> Vec<u8> {
    let mut depth = 0i32;
    let mut out = Vec::new();
    for &c in s {
        match c {
            b'(' | b'[' => {
                depth += 1;
                if depth == 1 {
                    out.push(b'(');
                }
            }
            b')' | b']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn identifiers(s: &[u8]) -> Vec<&[u8]> {
    s.split(|c| !(c.is_ascii_alphanumeric() || *c == b'_')).filter(|w| !w.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank(text: &str, lang: Lang) -> String {
        blank_declarations(text, lang, &|body: &[u8]| body.windows(3).any(|w| w == b"Api"), Purpose::Rules)
            .and_then(|b| b.text)
            .unwrap_or_else(|| text.to_string())
    }

    #[test]
    fn c_functions_without_an_api_are_blanked_whole() {
        let src = "#define X 1\nstatic int t[] = { 1, 2 };\nWRAPPER(f, 4)\nint f(void)\n{\n    return g(\"}\");\n}\n\
                   int h(int a) { return Api(a); }\nlong Api(int a) { return a; }\n";
        let out = blank(src, Lang::C);
        assert_eq!(out.len(), src.len());
        assert_eq!(out.matches('\n').count(), src.matches('\n').count(), "lines stay where they were");
        assert!(!out.contains("WRAPPER") && !out.contains("int f(void)") && !out.contains("return g"), "{out}");
        assert!(out.contains("int h(int a) { return Api(a); }"), "{out}");
        assert!(!out.contains("long Api"), "kept for its body, not its name: {out}");
        assert!(out.contains("#define X 1") && out.contains("{ 1, 2 }"), "declarations are kept: {out}");
    }

    #[test]
    fn a_comment_before_a_function_does_not_change_what_it_is() {
        let src = "/* a == b, { */\nvoid f(void) { x(); }\n// c = d\nint g(void) { return 1; }\nint t = 1;\n";
        let out = blank(src, Lang::C);
        assert!(!out.contains("void f") && !out.contains("int g") && out.contains("int t = 1;"), "{out}");
    }

    #[test]
    fn an_enum_parameter_does_not_make_a_function_an_enum() {
        let src = "static long f(void *o, enum kind k)\n{\n    return g(k);\n}\nenum E { A };\n\
                   static enum E h(void) { return A; }\n";
        let out = blank(src, Lang::C);
        assert!(!out.contains("static long f") && out.contains("enum E { A };"), "{out}");
        assert!(!out.contains("static enum E h"), "{out}");
    }

    #[test]
    fn the_definition_of_an_api_is_blanked() {
        let api = |t: &[u8]| t.windows(3).any(|w| w == b"Api");
        // What names only `Api`, in a function named `Api`.
        let own = |name: &str, body: &[u8]| name == "Api" && !body.windows(4).any(|w| w == b"Api2");
        let src = "pub unsafe fn Api(x: u32) -> u32 {\n    link!(\"a.dll\" fn Api(x: u32) -> u32);\n    unsafe { Api(x) }\n}\n\
                   pub fn user() { Api(1); }\n";
        let b = blank_declarations_but(src, Lang::Rust, &api, &own, Purpose::Rules).unwrap();
        let out = b.text.unwrap();
        assert!(!out.contains("link!") && out.contains("pub fn user() { Api(1); }"), "{out}");
        assert_eq!(b.blanked_functions, ["Api"]);
        let only_wrapper = "pub unsafe fn Api(x: u32) -> u32 { unsafe { Api(x) } }\n";
        let b = blank_declarations_but(only_wrapper, Lang::Rust, &api, &own, Purpose::Rules).unwrap();
        assert!(!b.code_kept, "a binding crate's file is nothing to check");
    }

    #[test]
    fn blanked_functions_are_named() {
        let api = |t: &[u8]| t.windows(3).any(|w| w == b"Api");
        let names = |src: &str, lang| blank_declarations(src, lang, &api, Purpose::Rules).unwrap().blanked_functions;
        let c = "/* f(x) */\nstatic HRESULT WINAPI Foo_Release(IFoo *p) { return 0; }\nint g(void) { Api(); }\n\
                 DEFINE_THISCALL_WRAPPER(h, 4)\nvoid __thiscall h(int (*cb)(void)) { }\n";
        assert_eq!(names(c, Lang::C), ["Foo_Release", "h"]);
        assert_eq!(names("impl S { pub fn new<T: Into<u32>>(t: T) -> Self { S } }\n", Lang::Rust), ["new"]);
        assert_eq!(names("void C::Run() const { }\n", Lang::Cpp), ["Run"]);
        assert_eq!(names("fn f(x: u32) -> Result<(), E> { Ok(()) }\n", Lang::Rust), ["f"]);
        assert_eq!(names("void call(int (*fn)(void)) { fn(); }\n", Lang::C), ["call"]);
    }

    #[test]
    fn a_file_that_only_declares_the_api_has_no_code_to_check() {
        let api = |t: &[u8]| t.windows(3).any(|w| w == b"Api");
        let code_kept = |src: &str, lang| blank_declarations(src, lang, &api, Purpose::Rules).unwrap().code_kept;
        assert!(!code_kept("long Api(int);\n#define X Api\nint f(void) { return 1; }\n", Lang::C));
        assert!(!code_kept("link!(\"a.dll\" fn Api(x: u32) -> u32);\npub const K: u32 = 1;\n", Lang::Rust));
        assert!(!code_kept("pub struct Table { pub Api: Option<Fn> }\n", Lang::Rust), "a field named after the API");
        assert!(code_kept("int f(void) { return Api(1); }\n", Lang::C));
        assert!(code_kept("auto f = [](int a) { return Api(a); };\n", Lang::Cpp), "a lambda at namespace level");
        assert!(code_kept("impl S { fn f(&self) { Api(1); } }\n", Lang::Rust));
    }

    #[test]
    fn large_tables_without_an_api_are_blanked() {
        let table = format!("static const int t[] = {{ {} }};\n", "1, ".repeat(200));
        let api = format!("static const void *u[] = {{ {} Api }};\n", "0, ".repeat(200));
        let src = format!("{table}{api}static const int small[] = {{ 1 }};\nint f(void) {{ return Api(t[0]); }}\n");
        let out = blank(&src, Lang::C);
        assert!(!out.contains("1, 1,") && out.contains("0, 0,") && out.contains("small[] = { 1 }"), "{out}");
    }

    #[test]
    fn cpp_classes_and_namespaces_are_looked_into() {
        let src = "namespace n {\nclass C {\n  int m;\n  void a() { x(); }\n  ~C() { Api(); }\n};\n}\nextern \"C\" { void c() { y(); } }\n";
        let out = blank(src, Lang::Cpp);
        assert!(out.contains("namespace n {") && out.contains("class C {") && out.contains("int m;"), "{out}");
        assert!(!out.contains("void a()") && out.contains("~C() { Api(); }"), "{out}");
        assert!(out.contains("extern \"C\" {") && !out.contains("void c()"), "{out}");
    }

    #[test]
    fn a_rust_raw_identifier_is_no_raw_string() {
        let src = "pub fn free(r#mod: u32) { g(r#mod); }\npub fn h() { Api(r#\"}\"#); }\n";
        let out = blank(src, Lang::Rust);
        assert!(!out.contains("pub fn free") && out.contains("pub fn h() { Api(r#\"}\"#); }"), "{out}");
    }

    #[test]
    fn rust_fns_impls_and_lifetimes() {
        let src = "impl<'a> S<'a> {\n    fn a(&self) -> char { '{' }\n    fn b() { Api(r#\"}\"#); }\n}\nfn c() { let _ = \"{\"; }\nconst K: u32 = 1;\n";
        let out = blank(src, Lang::Rust);
        assert!(out.contains("impl<'a> S<'a> {") && !out.contains("fn a") && !out.contains("'{'"), "{out}");
        assert!(out.contains("fn b() { Api(r#\"}\"#); }"), "{out}");
        assert!(!out.contains("fn c()") && !out.contains("let _") && out.contains("const K: u32 = 1;"), "{out}");
    }

    #[test]
    fn declarations_without_a_needed_name_are_blanked() {
        let src = "#include <x.h>\n#define A 1\n#define LEVEL 2\n#ifdef X\nint f(void) { return LEVEL; }\n#endif\n\
                   static const int other = 3;\nenum { E1, LEVEL2 = 4 };\nnamespace n { const int LEVEL3 = 5; int g = 6; }\n";
        let keep =
            |t: &[u8]| ["LEVEL", "LEVEL2", "LEVEL3"].iter().any(|w| t.windows(w.len()).any(|x| x == w.as_bytes()));
        let out = blank_declarations(src, Lang::Cpp, &keep, Purpose::Consts).and_then(|b| b.text).unwrap();
        assert_eq!(out.len(), src.len());
        assert!(out.contains("#define LEVEL 2") && !out.contains("#define A 1") && !out.contains("#include"), "{out}");
        assert!(out.contains("#ifdef X") && out.contains("#endif"), "{out}");
        assert!(!out.contains("return LEVEL"), "functions are blanked: {out}");
        assert!(!out.contains("other") && out.contains("enum { E1, LEVEL2 = 4 };"), "{out}");
        assert!(
            out.contains("namespace n {") && out.contains("const int LEVEL3 = 5;") && !out.contains("int g"),
            "{out}"
        );
    }

    #[test]
    fn rust_items_without_a_needed_name_are_blanked() {
        let src = "use x::y;\npub const LEVEL: u32 = 2;\nstruct S { a: u32 }\nfn f() { LEVEL; }\nconst Q: S = S { a: LEVEL };\n";
        let keep = |t: &[u8]| t.windows(5).any(|x| x == b"LEVEL");
        let out = blank_declarations(src, Lang::Rust, &keep, Purpose::Consts).and_then(|b| b.text).unwrap();
        assert!(out.contains("pub const LEVEL: u32 = 2;") && out.contains("const Q: S = S { a: LEVEL };"), "{out}");
        assert!(!out.contains("use x") && !out.contains("struct S") && !out.contains("fn f"), "{out}");
    }

    #[test]
    fn unbalanced_braces_change_nothing() {
        let src = "void f(void)\n{\n#ifdef A\n  if (a) {\n#else\n  if (b) {\n#endif\n  }\n}\n";
        assert!(blank_declarations(src, Lang::C, &|_| false, Purpose::Rules).is_none());
    }
}
