//! Focus's cases: what is blanked and what is kept, per language.

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
    let b = blank_declarations_but(src, Lang::Rust, &Keep { own_only: &own, ..Keep::bodies(&api) }, Purpose::Rules)
        .unwrap();
    let out = b.text.unwrap();
    assert!(!out.contains("link!") && out.contains("pub fn user() { Api(1); }"), "{out}");
    assert_eq!(b.blanked_functions, ["Api"]);
    let only_wrapper = "pub unsafe fn Api(x: u32) -> u32 { unsafe { Api(x) } }\n";
    let b = blank_declarations_but(
        only_wrapper,
        Lang::Rust,
        &Keep { own_only: &own, ..Keep::bodies(&api) },
        Purpose::Rules,
    )
    .unwrap();
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
    let keep = |t: &[u8]| ["LEVEL", "LEVEL2", "LEVEL3"].iter().any(|w| t.windows(w.len()).any(|x| x == w.as_bytes()));
    let out = blank_declarations(src, Lang::Cpp, &keep, Purpose::Consts).and_then(|b| b.text).unwrap();
    assert_eq!(out.len(), src.len());
    assert!(out.contains("#define LEVEL 2") && !out.contains("#define A 1") && !out.contains("#include"), "{out}");
    assert!(out.contains("#ifdef X") && out.contains("#endif"), "{out}");
    assert!(!out.contains("return LEVEL"), "functions are blanked: {out}");
    assert!(!out.contains("other") && out.contains("enum { E1, LEVEL2 = 4 };"), "{out}");
    assert!(out.contains("namespace n {") && out.contains("const int LEVEL3 = 5;") && !out.contains("int g"), "{out}");
}

#[test]
fn rust_items_without_a_needed_name_are_blanked() {
    let src =
        "use x::y;\npub const LEVEL: u32 = 2;\nstruct S { a: u32 }\nfn f() { LEVEL; }\nconst Q: S = S { a: LEVEL };\n";
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

#[test]
fn a_function_kept_by_name_stays_whatever_it_names() {
    let api = |t: &[u8]| t.windows(3).any(|w| w == b"Api");
    let src = "static long Callback(void *ctx) { return 0; }\nstatic int other(void) { return 1; }\n\
               void serve(void) { Api(Callback); }\n";
    let callback = |n: &str| n == "Callback";
    let b =
        blank_declarations_but(src, Lang::C, &Keep { named: &callback, ..Keep::bodies(&api) }, Purpose::Rules).unwrap();
    let out = b.text.unwrap();
    assert!(out.contains("static long Callback(void *ctx) { return 0; }"), "{out}");
    assert!(!out.contains("other"), "{out}");
    assert_eq!(b.blanked_functions, ["other"]);
}

#[test]
fn a_function_try_blocks_handlers_share_its_fate() {
    // `catch (..) { .. }` and wil's `CATCH_RETURN()` belong to the function
    // before them: kept with it, blanked with it, never left alone.
    let src = "int f() noexcept\ntry\n{\n    return Api(1);\n}\ncatch (...)\n{\n    return log();\n}\n\
               int g()\ntry\n{\n    return h();\n}\nCATCH_RETURN()\n\
               int k() try { return Api(2); } CATCH_LOG_MSG(\"k %d\", 1)\n\
               int m() try { return h(); } catch (int) { return 1; } catch (...) { return 2; }\n";
    let out = blank(src, Lang::Cpp);
    assert_eq!(out.len(), src.len());
    assert!(out.contains("catch (...)\n{\n    return log();\n}"), "kept with f: {out}");
    assert!(!out.contains("int g()") && !out.contains("CATCH_RETURN"), "blanked with g: {out}");
    assert!(out.contains("int k() try { return Api(2); } CATCH_LOG_MSG(\"k %d\", 1)"), "{out}");
    assert!(!out.contains("int m()") && !out.contains("catch (int)") && !out.contains("return 2"), "{out}");
    // In C, `catch` is a name like any other.
    let c = "int f(void) { return Api(1); }\nint catch(int x) { return x; }\n";
    assert!(!blank(c, Lang::C).contains("int catch"));
}

#[test]
fn a_braced_member_initialiser_is_not_the_constructors_body() {
    let src = "A::A(int x) :\n    m_a(x),\n    m_b{x}, m_c{}\n{\n    Api(x);\n}\n\
               B::B() : m_b{1} { g(); }\nvoid C::f() const { Api(2); }\nD::D() : m_d(0) try { Api(3); } catch (...) {}\n";
    let out = blank(src, Lang::Cpp);
    assert!(out.contains("m_b{x}, m_c{}\n{\n    Api(x);\n}"), "{out}");
    assert!(!out.contains("B::B()") && !out.contains("g();"), "{out}");
    assert!(out.contains("void C::f() const { Api(2); }") && out.contains("D::D() : m_d(0) try { Api(3); }"), "{out}");
}

#[test]
fn a_directive_inside_a_head_is_part_of_it() {
    let src = "class C : public A\n#ifdef X\n    , public B\n#endif\n{\n  public:\n    void f() { Api(1); }\n    void g() { h(); }\n};\n\
               int k(int a\n#ifdef Y\n      , int b\n#endif\n) { return h(); }\n";
    let out = blank(src, Lang::Cpp);
    assert!(out.contains("void f() { Api(1); }") && !out.contains("void g()"), "{out}");
    assert!(!out.contains("int k") && !out.contains("return h()"), "{out}");
}

#[test]
fn a_function_that_waits_is_blanked_and_listed_apart_from_the_api_definitions() {
    let api = |t: &[u8]| t.windows(3).any(|w| w == b"Api");
    // Waits: names only the API, and has no parameters.
    let waits = |has_parameters: bool, body: &[u8]| !has_parameters && !body.windows(4).any(|w| w == b"word");
    let src = "void plain(void) { Api(1); }\nvoid worded(void) { Api(\"word\"); }\nvoid wrapper(int x) { Api(x); }\n\
               void bare() { Api(2); }\n";
    let b =
        blank_declarations_but(src, Lang::C, &Keep { waits: &waits, ..Keep::bodies(&api) }, Purpose::Rules).unwrap();
    let out = b.text.unwrap();
    assert!(
        out.contains("worded") && out.contains("wrapper") && !out.contains("plain") && !out.contains("bare"),
        "{out}"
    );
    let waiting: Vec<&str> = b.waiting.iter().map(|(name, ..)| name.as_str()).collect();
    assert_eq!(waiting, ["plain", "bare"]);
    assert_eq!(b.waiting.first().map(|w| (w.1, w.2)), Some((0, 28)));
    assert!(b.blanked_api_spans.is_empty(), "a waiting function is no API definition");
    assert!(b.code_kept);
    // Only waiting functions: no code kept.
    let b = blank_declarations_but(
        "void plain(void) { Api(1); }\n",
        Lang::C,
        &Keep { waits: &waits, ..Keep::bodies(&api) },
        Purpose::Rules,
    )
    .unwrap();
    assert!(!b.code_kept && b.waiting.len() == 1);
}

#[test]
fn parameters_are_told_from_their_absence() {
    for (head, lang, has) in [
        ("static void test_CreateFile(void)\n", Lang::C, false),
        ("HANDLE open_it( void )", Lang::C, false),
        ("void C::Run() const", Lang::Cpp, false),
        ("pub fn connect() -> Result<HANDLE>", Lang::Rust, false),
        ("static HANDLE open_path(LPCWSTR path)", Lang::C, true),
        ("void f(int (*cb)(void))", Lang::C, true),
        ("DEFINE_THISCALL_WRAPPER(h, 4) void __thiscall h()", Lang::C, true),
        ("fn name(&self) -> u32", Lang::Rust, true),
        ("void g(/* void */)", Lang::C, false),
    ] {
        assert_eq!(head::has_parameters(head.as_bytes(), lang), has, "{head}");
    }
}

#[test]
fn rust_items_lowering_ignores_are_blanked() {
    let src = "/// A vtable.\n#[repr(C)]\n#[cfg(feature = \"Win32_Security\")]\npub struct IApi_Vtbl { pub Api: usize }\n\
               pub(crate) type T = u32;\nunion U { a: u32 }\nextern \"system\" { fn Api(x: u32); }\nextern crate core;\n\
               mod other;\nwindows_link::link!(\"a.dll\" \"system\" fn Api(x: u32) -> u32);\n\
               pub trait IApi_Impl {\n    #[doc = \"]\"]\n    fn Api(&self) -> u32;\n    fn d(&self) { Api(1); }\n}\n\
               macro_rules! k { () => { 1 }; }\npub const K: u32 = 1;\nstatic S: u32 = 2;\nuse a::B as C;\n\
               pub const fn f();\nenum E { A = 1 }\n";
    let out = blank(src, Lang::Rust);
    assert_eq!(out.len(), src.len());
    assert_eq!(out.matches('\n').count(), src.matches('\n').count(), "lines stay where they were");
    for gone in
        ["A vtable", "repr", "IApi_Vtbl", "type T", "union U", "extern", "mod other", "link!", "fn Api", "const fn"]
    {
        assert!(!out.contains(gone), "{gone} blanked: {out}");
    }
    for kept in [
        "pub trait IApi_Impl {",
        "fn d(&self) { Api(1); }",
        "macro_rules! k",
        "pub const K: u32 = 1;",
        "static S: u32 = 2;",
        "use a::B as C;",
        "enum E { A = 1 }",
    ] {
        assert!(out.contains(kept), "{kept} kept: {out}");
    }
}

#[test]
fn a_rust_struct_under_a_cfg_attribute_is_no_code() {
    let api = |t: &[u8]| t.windows(3).any(|w| w == b"Api");
    let code_kept = |src: &str| blank_declarations(src, Lang::Rust, &api, Purpose::Rules).unwrap().code_kept;
    assert!(!code_kept("#[cfg(feature = \"X\")]\npub struct Table { pub Api: Option<Fn> }\n"));
    assert!(!code_kept("#[cfg(feature = \"X\")]\nenum E { Api = 1 }\n"));
    assert!(
        code_kept("#[cfg(feature = \"X\")]\nconst T: Table = Table { f: Api };\n"),
        "an initialiser naming the API"
    );
}

#[test]
fn unsure_rust_items_are_kept() {
    use super::head::is_inert_rust_item as inert;
    assert!(!inert(b"#[doc = r\"]\"] struct S;"), "a raw string in an attribute");
    assert!(!inert(b"#[cfg(x) struct S;"), "an attribute that does not close");
    assert!(!inert(b"#[a] # struct S;"));
    assert!(!inert(b"a::!(1);") && !inert(b"0x!(1);"));
    assert!(!inert(b"pub const K: u32 = 1;") && !inert(b"macro_rules! m { () => {} }"));
    assert!(inert(b"pub(in crate::a) unsafe extern \"C\" fn f();"));
    assert!(inert(b"a :: b ! { }") && inert(b"/* } */ #![x] struct S;"));
}

#[test]
fn c_declarations_lowering_reads_nothing_from_are_blanked_whole() {
    let src = "#include <x.h>\n#define LEVEL 6\nHRESULT WINAPI Foo(IFoo *iface, DWORD flags);\nstatic HANDLE event;\n\
               typedef struct _S {\n    int a;\n    struct { int b; } in;\n} S, *PS;\nstruct T;\n\
               typedef int (*CB)(void);\nint f(void) { return Api(LEVEL); }\n";
    let out = blank(src, Lang::C);
    assert_eq!(out.len(), src.len());
    assert_eq!(out.matches('\n').count(), src.matches('\n').count(), "lines stay where they were");
    for gone in ["Foo", "event", "_S", "int a", "int b", "PS", "struct T", "CB"] {
        assert!(!out.contains(gone), "{gone} blanked: {out}");
    }
    for kept in ["#include <x.h>", "#define LEVEL 6", "int f(void) { return Api(LEVEL); }"] {
        assert!(out.contains(kept), "{kept} kept: {out}");
    }
}

#[test]
fn declarations_lowering_reads_stay() {
    // Constants and globals (initialisers), enumerators, a struct that
    // holds an enum or a member's default value, a large table naming the API.
    let src = "static const DWORD level = 6;\nstatic IFooVtbl vtbl = { QI, AddRef };\nenum E { A = 1, B };\n\
               typedef enum { C } F;\nstruct S { enum { D = 2 } k; };\nstruct U { int x = 1; };\n\
               class V { static const int k = 3; };\nint f(void) { return Api(level); }\n";
    for lang in [Lang::C, Lang::Cpp] {
        let out = blank(src, lang);
        for kept in [
            "static const DWORD level = 6;",
            "static IFooVtbl vtbl = { QI, AddRef };",
            "enum E { A = 1, B };",
            "typedef enum { C } F;",
            "struct S { enum { D = 2 } k; };",
            "struct U { int x = 1; };",
            "class V { static const int k = 3; };",
        ] {
            assert!(out.contains(kept), "{kept} kept: {out}");
        }
    }
}

#[test]
fn a_declaration_is_kept_where_blanking_it_alone_would_change_the_parse() {
    // Code cut off by a directive (its start is not the declaration's);
    // a directive inside a declaration; a K&R function's parameter
    // declarations; a struct whose `;` a directive separates from it.
    let src = "static int\n#ifdef X\nx;\n#else\ny;\n#endif\nint g(int a\n#ifdef W\n, int b\n#endif\n);\n\
               struct S { int a; }\n#ifdef Z\ns\n#endif\n;\n#ifdef Y\nint proto(void);\n\
               #else\nlong proto(void);\n#endif\nint f(void) { return Api(0); }\nint old(a) int a; { return Api(a); }\n";
    let out = blank(src, Lang::C);
    for kept in ["x;", "y;", "int g(int a", ", int b", "int old(a) int a;", "struct S { int a; }", "\n;\n"] {
        assert!(out.contains(kept), "{kept} kept: {out}");
    }
    assert!(!out.contains("proto"), "{out}");
    for directive in ["#ifdef Y", "#else", "#endif"] {
        assert!(out.contains(directive), "the arms stay balanced: {out}");
    }
}

#[test]
fn cpp_classes_go_whole_or_stay_whole() {
    let src = "extern \"C\" {\nvoid p(void);\n}\nnamespace n {\nclass C;\nclass D : public B {\npublic:\n    void m();\n    \
               int v;\n};\ntemplate <typename T> struct L { T t; };\nclass K {\n    void run() { Api(); }\n    int w;\n};\n\
               void K::go() { Api(); }\n}\n";
    let out = blank(src, Lang::Cpp);
    for gone in ["void p", "class C", "class D", "public:", "void m", "int v", "template", "struct L"] {
        assert!(!out.contains(gone), "{gone} blanked: {out}");
    }
    for kept in ["extern \"C\" {", "namespace n {", "class K {", "void run() { Api(); }", "int w;", "void K::go()"] {
        assert!(out.contains(kept), "{kept} kept: {out}");
    }
    assert_eq!(out.matches('{').count(), out.matches('}').count(), "{out}");
}

#[test]
fn files_read_for_constants_and_rust_files_keep_their_declarations() {
    let api = |t: &[u8]| t.windows(3).any(|w| w == b"Api");
    let src = "int proto(void);\nstruct S { int a; };\n#define K Api\nint f(void) { return Api(0); }\n";
    let consts = blank_declarations(src, Lang::C, &|_: &[u8]| true, Purpose::Consts).unwrap();
    assert!(consts.text.is_none_or(|t| t.contains("int proto(void);") && t.contains("struct S")));
    let rust = "extern \"C\" { fn proto(); }\nfn f() { Api(0); }\nconst K: u32 = 1;\n";
    let out = blank_declarations(rust, Lang::Rust, &api, Purpose::Rules).unwrap().text.unwrap_or_default();
    assert!(out.contains("const K: u32 = 1;") && out.contains("fn f() { Api(0); }"), "{out}");
}

/// Every constant, initialised global and function the C and C++ fixtures
/// define is lowered from their focused text as from the whole text: the
/// declarations focus blanks give lowering nothing.
#[test]
fn the_fixtures_lower_the_same_constants_focused() {
    use crate::frontend::{Depth, lower};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut stack = vec![root];
    let mut compared = 0;
    let keep = |t: &[u8]| t.windows(2).any(|w| w == b"Co" || w == b"Rp" || w == b"Im" || w == b"Cr");
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let Some(lang) = Lang::from_path(&path).filter(|l| *l != Lang::Rust) else { continue };
            let Ok(src) = std::fs::read_to_string(&path) else { continue };
            let Some(Blanked { text: Some(text), .. }) = blank_declarations(&src, lang, &keep, Purpose::Rules) else {
                continue;
            };
            let (whole, focused) = (lower(lang, &src, Depth::Full), lower(lang, &text, Depth::Full));
            let consts =
                |ir: &crate::ir::FileIr| ir.consts.iter().map(|d| (d.name.clone(), d.span)).collect::<Vec<_>>();
            assert_eq!(consts(&whole), consts(&focused), "{}", path.display());
            let kept: Vec<_> = focused.functions.iter().map(|f| (f.name.clone(), f.span)).collect();
            let all: Vec<_> = whole.functions.iter().map(|f| (f.name.clone(), f.span)).collect();
            assert!(kept.iter().all(|f| all.contains(f)), "{}: {kept:?} in {all:?}", path.display());
            if focused.problems.len() > whole.problems.len() {
                panic!("{}: new syntax errors: {:?}", path.display(), focused.problems);
            }
            compared += 1;
        }
    }
    assert!(compared > 100, "focus blanked something in enough fixtures: {compared}");
}

#[test]
fn an_extern_c_function_is_a_function() {
    let src = "extern \"C\" {\nint p(void);\n}\nextern \"C\" long f(void) {\n    if (x) {\n        Api(1);\n    }\n    g();\n}\n\
               extern \"C\" long h(void) {\n    if (x) {\n        y();\n    }\n}\n";
    let out = blank(src, Lang::Cpp);
    assert!(out.contains("extern \"C\" long f(void) {\n    if (x) {\n        Api(1);\n    }\n    g();\n}"), "{out}");
    assert!(!out.contains("long h") && !out.contains("y()"), "blanked whole, head and body: {out}");
    assert!(out.contains("extern \"C\" {\n") && !out.contains("int p"), "{out}");
}

#[test]
fn a_brace_in_a_member_initialiser_is_part_of_the_head() {
    let src = "App::App() :\n    m_a(nullptr),\n    m_status({})\n{\n    Init();\n}\n\
               App::App(PWSTR a) : m_args(a, {1, 2})\n{\n    Init();\n}\n\
               int wWinMain(HINSTANCE h)\n{\n    return Api(h);\n}\n";
    let b = blank_declarations(src, Lang::Cpp, &|t: &[u8]| t.windows(3).any(|w| w == b"Api"), Purpose::Rules).unwrap();
    let out = b.text.unwrap();
    assert!(out.contains("int wWinMain(HINSTANCE h)\n{\n    return Api(h);\n}"), "{out}");
    assert!(!out.contains("m_status") && !out.contains("m_args") && !out.contains("Init"), "{out}");
    assert_eq!(b.blanked_functions.len(), 2, "{:?}", b.blanked_functions);
}

#[test]
fn a_parenthesis_in_a_comment_opens_no_head() {
    // The comment's `(` made the directives after it part of a head that
    // never was, so the next declaration absorbed them.
    let src = "/* (at the cost of lookup */\n#define K 1\nint proto(void);\n#ifdef X\nint g(void) { return 1; }\n#endif\n\
               int f(void) { return Api(K); }\n";
    let out = blank(src, Lang::C);
    assert!(!out.contains("proto") && !out.contains("return 1"), "{out}");
    assert!(out.contains("#define K 1\n") && out.contains("#ifdef X\n") && out.contains("#endif\n"), "{out}");
    assert!(out.contains("int f(void) { return Api(K); }"), "{out}");
}
