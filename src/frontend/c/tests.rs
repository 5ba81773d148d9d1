//! Frontend tests: source in, IR dump out. Snapshots live in `snapshots/`
//! next to this file; each was read and checked by hand.

use insta::assert_snapshot;

use super::lower;
use crate::frontend::Depth;
use crate::ir::FileIr;

fn c(src: &str) -> String {
    lower(src, false, Depth::Full).dump()
}

fn cpp(src: &str) -> String {
    lower(src, true, Depth::Full).dump()
}

fn calls(ir: &FileIr) -> Vec<String> {
    ir.functions.iter().flat_map(|f| f.calls.iter().map(|c| c.callee.clone())).collect()
}

// ----- aggregates and field writes ----------------------------------------------------

#[test]
fn qos_initialisers_positional_and_designated() {
    assert_snapshot!(c(r#"
void bind(RPC_BINDING_HANDLE h, RPC_WSTR spn)
{
    RPC_SECURITY_QOS qos = { RPC_C_SECURITY_QOS_VERSION,
                             RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH,
                             RPC_C_QOS_IDENTITY_STATIC,
                             RPC_C_IMP_LEVEL_IDENTIFY };
    RPC_SECURITY_QOS_V3_W q3 = { .Version = 3, .ImpersonationType = RPC_C_IMP_LEVEL_IMPERSONATE }, *pq = &q3;
    struct _RPC_SECURITY_QOS zero = { 0 };
    RPC_SECURITY_QOS arr[2] = { { 1, 2 }, { 1 } };
    RpcBindingSetAuthInfoExW(h, spn, 6, 9, NULL, 0, &qos);
}
"#));
}

#[test]
fn field_assignments_and_compound_assignment() {
    assert_snapshot!(c(r#"
void set(RPC_SECURITY_QOS *pQos)
{
    RPC_SECURITY_QOS qos;
    qos.Capabilities = RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH | RPC_C_QOS_CAPABILITIES_ANY_AUTHORITY;
    qos.Capabilities |= 8;
    pQos->ImpersonationType = RPC_C_IMP_LEVEL_DELEGATE;
    pQos[0].IdentityTracking = 1;
    (*pQos).Version = 1;
    g_qos.Version = 2;
    this_is_global = 1;
    qos.Nested.Inner = 5;
    int levels[4];
    levels[1] = 6;
}
"#));
}

#[test]
fn designators_nested_and_compound_literals() {
    assert_snapshot!(c(r#"
RPC_SECURITY_QOS make(void)
{
    SEC_WINNT_AUTH_IDENTITY_W id = { .User = L"u", .Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE };
    OUTER o = { .a.b = 1, .c = 2 };
    int a[4] = { [2] = 7, 8 };
    return (RPC_SECURITY_QOS){ .Version = 1, .Capabilities = 1 };
}
"#));
}

// ----- constants ---------------------------------------------------------------------

#[test]
fn defines_chains_casts_and_wrappers() {
    assert_snapshot!(c(r#"
#define RPC_C_AUTHN_LEVEL_PKT_PRIVACY 6
#define MY_LEVEL RPC_C_AUTHN_LEVEL_PKT_PRIVACY
#define RPC_C_AUTHN_DEFAULT __MSABI_LONG(0xFFFFFFFF)
#define COLE_DEFAULT_PRINCIPAL ((OLECHAR *)-1)
#define ANY_AUTHN ((DWORD)-1)
#define NTLMSP_NAME L"NTLM"
#define PROTSEQ TEXT("ncalrpc")
#define PIPE "\\\\.\\pipe\\x"
#define MULTI L"a" \
              L"b" /* comment */
#define FLAGS (RPC_IF_ALLOW_SECURE_ONLY | \
               RPC_IF_AUTOLISTEN) // trailing
#define MK MAKELONG(1, 2)
#define EMPTY
#define FN(x) ((x) + 1)
#define STMT do { f(); } while (0)
"#));
}

#[test]
fn enums_with_implicit_values() {
    assert_snapshot!(cpp(r#"
enum Level { L_NONE, L_CONNECT = 2, L_CALL, L_PKT };
typedef enum { T_A = RPC_C_IMP_LEVEL_IDENTIFY, T_B, T_C } T_ENUM;
enum class Scoped : int { First, Second };
enum {
    ANON_A = 1 << 3,
#if 0
    ANON_DEAD,
#endif
    ANON_B
};
"#));
}

#[test]
fn consts_and_globals() {
    assert_snapshot!(cpp(r#"
static const DWORD kLevel = RPC_C_AUTHN_LEVEL_PKT_INTEGRITY;
const wchar_t *kSpn = L"host/server";
constexpr int kCount = 3;
namespace sec {
    static constexpr DWORD kImp = RPC_C_IMP_LEVEL_IDENTIFY;
}
class Policy {
    static const DWORD kAuthn = 10;
    DWORD member_ = 5;
    void method();
};
static RPC_SECURITY_QOS g_qos = { 1, RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH, 0, RPC_C_IMP_LEVEL_IDENTIFY };
DWORD g_level = 6;
DWORD g_uninit;
extern const int kExtern;
int prototype(int);
"#));
}

#[test]
fn consts_only_skips_bodies() {
    let ir = lower(
        "#define A 1\nenum { B = 2 };\nvoid f() { RpcImpersonateClient(0); }\nstatic const int C = 3;\n",
        true,
        Depth::ConstsOnly,
    );
    assert!(ir.functions.is_empty());
    assert_eq!(ir.dump(), "define A = 1\nenum B = 2\nconst C = 3\n");
}

// ----- preprocessor ------------------------------------------------------------------

#[test]
fn if_zero_regions_are_ignored() {
    assert_snapshot!(c(r#"
#if 0
#define LEVEL 1
void dead(void) { RpcImpersonateClient(0); }
#else
#define LEVEL 6
#endif
#if FALSE
#define OTHER 1
#elif 1
#define OTHER 2
#else
#define OTHER 3
#endif
void live(void)
{
#if 0
    broken syntax here ((( ;
#else
    kept();
#endif
}
"#));
}

#[test]
fn ifdef_in_body_is_an_alternative() {
    assert_snapshot!(c(r#"
#ifdef UNICODE
#define PROTSEQ L"ncalrpc"
#else
#define PROTSEQ "ncalrpc"
#endif
void f(void)
{
#ifdef UNICODE
    RpcStringBindingComposeW(NULL, L"ncalrpc", NULL, NULL, NULL, &b);
#else
    RpcStringBindingComposeA(NULL, "ncalrpc", NULL, NULL, NULL, &b);
#endif
#ifndef NO_CHECK
    check();
#endif
}
"#));
}

#[test]
fn extern_c_guard_and_annotations_parse_cleanly() {
    let src = r#"
#ifdef __cplusplus
extern "C" {
#endif
RPC_STATUS RPC_ENTRY Bind(_In_ RPC_BINDING_HANDLE h, _In_reads_(n) const BYTE *p, __in_opt PVOID ctx)
{
    return RpcBindingSetAuthInfoExW(h, NULL, 6, 9, NULL, 0, NULL);
}
HRESULT WINAPI Other(void) { return S_OK; }
STDMETHODIMP_(ULONG) CObj::Release() { return 0; }
#ifdef __cplusplus
}
#endif
"#;
    let ir = lower(src, true, Depth::Full);
    assert!(ir.problems.is_empty(), "{:?}", ir.problems);
    assert_snapshot!(ir.dump());
}

// ----- control flow --------------------------------------------------------------------

#[test]
fn if_else_join_and_early_return() {
    assert_snapshot!(c(r#"
RPC_STATUS f(RPC_BINDING_HANDLE h)
{
    RPC_STATUS st;
    if ((st = RpcImpersonateClient(h)) != RPC_S_OK)
        return st;
    if (flag) {
        a();
    } else if (other) {
        b();
    } else {
        c();
    }
    RpcRevertToSelf();
    return RPC_S_OK;
}
"#));
}

#[test]
fn switch_with_fallthrough() {
    assert_snapshot!(c(r#"
void f(int kind)
{
    DWORD level = 0;
    switch (kind) {
    case 1:
        level = 2;
    case 2:
        level = 6;
        break;
    default:
        level = 5;
    }
    use(level);
}
"#));
}

#[test]
fn goto_cleanup() {
    assert_snapshot!(c(r#"
HRESULT f(void)
{
    HRESULT hr = CoInitializeSecurity(NULL, -1, NULL, NULL, 6, 3, NULL, 0, NULL);
    if (FAILED(hr))
        goto cleanup;
    hr = work();
cleanup:
    CoUninitialize();
    return hr;
}
"#));
}

#[test]
fn loops_with_break_and_continue() {
    assert_snapshot!(c(r#"
void f(void)
{
    for (int i = 0; i < 3; i++) {
        if (skip(i)) continue;
        if (stop(i)) break;
        body(i);
    }
    while (more()) { step(); }
    do { again(); } while (retry());
    for (;;) { break; }
}
"#));
}

#[test]
fn try_catch_and_seh() {
    assert_snapshot!(cpp(r#"
void f()
{
    try {
        risky();
    } catch (const std::exception& e) {
        report(e);
    } catch (...) {
        other();
    }
    __try {
        seh();
    } __except (EXCEPTION_EXECUTE_HANDLER) {
        handler();
    }
    __try { a(); } __finally { RpcRevertToSelf(); }
}
"#));
}

#[test]
fn returns_inside_seh_try_run_the_finally_block() {
    assert_snapshot!(cpp(r#"
int f(int x)
{
    RpcImpersonateClient(0);
    __try {
        if (x)
            return 1;
        work();
    } __finally {
        RpcRevertToSelf();
    }
    return 0;
}
"#));
}

// ----- expressions -------------------------------------------------------------------------

#[test]
fn expressions_operators_and_effects() {
    assert_snapshot!(c(r#"
void f(int *p)
{
    x = -1 + ~0 + !a;
    y = c ? RPC_C_AUTHN_LEVEL_PKT : pick();
    a = b = 3;
    n = sizeof(RPC_SECURITY_QOS);
    i++;
    (void)RpcRevertToSelf();
    z = (first(), second());
    w = &q + *p + 'A' + L'\n';
    v = arr[idx()].field;
    t = (DWORD)RPC_C_AUTHN_DEFAULT;
    u = x && y || !z;
    s = L"x" SUFFIX L"y";
}
"#));
}

#[test]
fn string_literals_are_decoded() {
    assert_snapshot!(cpp(r#"
void f()
{
    a = L"a" L"b";
    b = "\\\\.\\pipe\\x";
    c = u8"x" "y";
    d = R"(C:\raw\path)";
    g = u"w";
    h = "tab\there\0nul\x41\101\u00e9";
}
"#));
}

#[test]
fn casts_are_dropped() {
    assert_snapshot!(cpp(r#"
void f()
{
    RpcStringBindingComposeW(NULL, reinterpret_cast<RPC_WSTR>(L"ncalrpc"), NULL, NULL, NULL, &s);
    RpcStringBindingComposeW(NULL, (RPC_WSTR)L"ncalrpc", NULL, NULL, NULL, &s);
    a = static_cast<DWORD>(RPC_C_AUTHN_WINNT);
    b = const_cast<wchar_t*>(L"spn");
    c = DWORD(6);
    d = int(7);
    e = std::wstring(L"x");
}
"#));
}

// ----- calls -------------------------------------------------------------------------------------

#[test]
fn com_and_function_table_calls() {
    assert_snapshot!(cpp(r#"
void f(IClientSecurity *pSec, IUnknown *pUnk, PSecurityFunctionTableW table)
{
    pSec->lpVtbl->SetBlanket(pSec, pUnk, 10, 0, NULL, 6, 3, NULL, 0);
    pSec->SetBlanket(pUnk, 10, 0, NULL, 6, 3, NULL, 0);
    CComPtr<IClientSecurity> cs;
    cs->SetBlanket(pUnk, 10, 0, NULL, 6, 3, NULL, 0);
    (*pSec).SetBlanket(pUnk, 10, 0, NULL, 6, 3, NULL, 0);
    table->InitializeSecurityContextW(&cred, NULL, target, ISC_REQ_CONFIDENTIALITY, 0, 0, NULL, 0, &ctx, &out, &attrs, NULL);
    ::CoSetProxyBlanket(pUnk, 10, 0, NULL, 6, 3, NULL, 0);
    ns::helper<int>(1);
    p->template M<T>(a);
    (*fn)(2);
    fn_ptr(3);
    obj.Method(4);
    get()->Run(5);
}
"#));
}

#[test]
fn call_span_starts_at_the_callee_name() {
    let src = "void f() {\n    status = RpcBindingSetAuthInfoExW(h,\n        NULL, 6,\n        9, NULL, 0, &qos);\n    p->lpVtbl->SetBlanket(p, 1);\n    ::CoSetProxyBlanket(x);\n}\n";
    let ir = lower(src, true, Depth::Full);
    let f = &ir.functions[0];
    let texts: Vec<&str> = f.calls.iter().map(|c| &src[c.span.range()]).collect();
    assert_eq!(
        texts,
        vec![
            "RpcBindingSetAuthInfoExW(h,\n        NULL, 6,\n        9, NULL, 0, &qos)",
            "SetBlanket(p, 1)",
            "CoSetProxyBlanket(x)",
        ]
    );
    assert_eq!(calls(&ir), vec!["RpcBindingSetAuthInfoExW", "SetBlanket", "CoSetProxyBlanket"]);
}

#[test]
fn arguments_are_lowered_before_the_call() {
    let ir = lower("void f() { outer(inner(1), other()); }", false, Depth::Full);
    assert_eq!(calls(&ir), vec!["inner", "other", "outer"]);
}

// ----- C++ structure --------------------------------------------------------------------------

#[test]
fn classes_methods_destructors_lambdas() {
    assert_snapshot!(cpp(r#"
namespace app {
class Impersonator {
public:
    Impersonator(RPC_BINDING_HANDLE h) : h_(h), qos_{1, 2} { RpcImpersonateClient(h_); }
    ~Impersonator() { RpcRevertToSelf(); }
    void Method() const { helper(); }
private:
    RPC_BINDING_HANDLE h_;
};
}
Server::~Server() { CoRevertToSelf(); }
template <class T> HRESULT ns::Server::Call(T x) { return x.Run(); }
extern "C" void exported(void) { run(); }
void with_lambda(int level)
{
    auto cb = [&](int y) {
        if (y) return Set(level, y);
        return 0;
    };
    use(cb);
}
"#));
}

#[test]
fn cpp_declaration_forms() {
    assert_snapshot!(cpp(r#"
void f(const wchar_t *name)
{
    std::wstring s(name);
    std::wstring t(L"literal");
    CString u = name;
    Pair p(1, 2);
    RPC_SECURITY_QOS q{1, 2, 3, 4};
    auto a = RPC_SECURITY_QOS{1};
    HRESULT Helper(DWORD);
    if (HRESULT hr = Call()) { use(hr); }
    for (auto& item : items) { use(item); }
    int *ptr = nullptr, **pp = NULL;
    p = new Thing(make());
}
"#));
}

// ----- errors and robustness ------------------------------------------------------------------

#[test]
fn error_region_keeps_the_other_functions() {
    let src =
        "void before(void) { RpcImpersonateClient(0); }\nint broken( { \nvoid after(void) { RpcRevertToSelf(); }\n";
    let ir = lower(src, false, Depth::Full);
    let names: Vec<&str> = ir.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, vec!["before", "after"]);
    assert_eq!(ir.problems.len(), 1, "{:?}", ir.problems);
    let p = &ir.problems[0];
    assert_eq!(p.message, "syntax error: could not parse this region");
    assert!(src[p.span.range()].contains("broken"), "{:?}", &src[p.span.range()]);
}

#[test]
fn code_inside_error_nodes_is_still_lowered() {
    let ir = lower(
        "void f(void) {\n    BEGIN_GUARD(x)\n    RpcBindingSetAuthInfoExW(h, NULL, 6, 9, NULL, 0, &qos);\n}\n",
        false,
        Depth::Full,
    );
    assert_eq!(calls(&ir), vec!["BEGIN_GUARD", "RpcBindingSetAuthInfoExW"]);
    assert!(!ir.problems.is_empty());
}

#[test]
fn problems_are_capped() {
    let src = "void f() {}\n".to_string() + &"int x = ;\nvoid g() {}\n".repeat(100);
    let ir = lower(&src, false, Depth::Full);
    assert!(ir.problems.len() <= super::MAX_PROBLEMS);
    assert!(!ir.problems.is_empty());
}

fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(2 * 1024 * 1024).spawn(f).unwrap().join().unwrap();
}

#[test]
fn deep_parentheses_do_not_overflow() {
    on_small_stack(|| {
        for cpp in [false, true] {
            let src = format!("int f() {{ return {}1{}; }}", "(".repeat(10_000), ")".repeat(10_000));
            let ir = lower(&src, cpp, Depth::Full);
            assert_eq!(ir.functions.len(), 1);
            assert!(ir.problems.iter().any(|p| p.message.starts_with("nesting too deep")));
            let _ = ir.dump();
        }
    });
}

#[test]
fn deep_blocks_do_not_overflow() {
    on_small_stack(|| {
        for cpp in [false, true] {
            let src = format!("void f() {{ {} g(); {} }}", "{".repeat(10_000), "}".repeat(10_000));
            let ir = lower(&src, cpp, Depth::Full);
            assert_eq!(ir.functions.len(), 1);
            assert!(ir.problems.iter().any(|p| p.message.starts_with("nesting too deep")));
            let _ = ir.dump();
        }
    });
}

#[test]
fn deep_other_shapes_do_not_overflow() {
    on_small_stack(|| {
        let n = 10_000;
        let shapes = [
            format!("int x = {}1;", "-".repeat(n)),
            format!("void f() {{ x = {}1; }}", "a + ".repeat(n)),
            format!("void f() {{ x = {}0{}; }}", "f(".repeat(n), ")".repeat(n)),
            format!("void f() {{ {} }}", "if (a) ".repeat(n) + "g();"),
            format!("int {}p;", "*".repeat(n)),
            format!("{}{}", "namespace a { ".repeat(n), "}".repeat(n)),
            "#ifdef A\n".repeat(n),
            format!("#define X {}1{}", "(".repeat(n), ")".repeat(n)),
            // Operator chains in a define are parsed in a loop, not by recursion:
            // they must not build an expression deeper than the analysis can walk.
            format!("#define X 1{}", " | 1".repeat(n)),
            format!("#define X (a{})", " ? b : a".repeat(n)),
            format!("int a = {}1{};", "{".repeat(n), "}".repeat(n)),
            format!("void f() {{ {} }}", "[&]{ ".repeat(n) + &"};".repeat(n)),
        ];
        for src in shapes {
            for cpp in [false, true] {
                let ir = lower(&src, cpp, Depth::Full);
                let _ = ir.dump();
            }
        }
    });
}

#[test]
fn arbitrary_bytes_do_not_panic() {
    let mut seed: u64 = 0x1234_5678;
    for _ in 0..200 {
        let len = (seed % 300) as usize;
        let mut s = String::new();
        for _ in 0..len {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let alphabet = b"{}()[];,.-><=!~&|^*/%+?:'\"\\#\n abcxyzLRu80if else while for return switch case goto";
            s.push(alphabet[(seed >> 33) as usize % alphabet.len()] as char);
        }
        for cpp in [false, true] {
            let _ = lower(&s, cpp, Depth::Full).dump();
            let _ = lower(&s, cpp, Depth::ConstsOnly).dump();
        }
    }
}

#[test]
fn local_types_owners_and_kinds() {
    let ir = lower(
        "Foo::~Foo() {}\nvoid f(const std::wstring& name, RPC_SECURITY_QOS *pQos) { CComPtr<IClientSecurity> cs; auto x = 1; struct _QOS q; }\n",
        true,
        Depth::Full,
    );
    let dtor = &ir.functions[0];
    assert_eq!((dtor.name.as_str(), dtor.owner.as_deref()), ("~Foo", Some("Foo")));
    assert_eq!(dtor.kind, crate::ir::FunctionKind::Destructor);
    let f = &ir.functions[1];
    let tys: Vec<(&str, Option<&str>, bool)> =
        f.locals.iter().map(|l| (l.name.as_str(), l.ty.as_deref(), l.is_param)).collect();
    assert_eq!(
        tys,
        vec![
            ("name", Some("wstring"), true),
            ("pQos", Some("RPC_SECURITY_QOS"), true),
            ("cs", Some("CComPtr"), false),
            ("x", None, false),
            ("q", Some("_QOS"), false),
        ]
    );
}

#[test]
fn a_directive_before_a_long_blank_run_ends_at_its_line() {
    // Focus blanks whole functions; the parser skips the blank run, and the
    // `#define` must not take the next range's code as its value.
    let blanks = format!("{}\n", " ".repeat(300)).repeat(3);
    let src = format!(
        "#define NAME \"pipe\"\n{blanks}#define CHECK(h) check(__LINE__, h)\n{blanks}void f(void) {{ g(NAME); }}\n"
    );
    let ir = lower(&src, false, Depth::Full);
    let names: Vec<&str> = ir.consts.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["NAME"], "function-like macros are not constants");
    assert_eq!(calls(&ir), ["g"]);
    assert!(ir.problems.is_empty(), "{:?}", ir.problems);
}
