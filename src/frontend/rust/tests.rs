//! What Rust code lowers to, as IR dumps (insta snapshots in `snapshots/`,
//! each with the source it was made from as its description).

use super::lower;
use crate::frontend::Depth;
use crate::ir::{ExprKind, FileIr, FunctionKind, Stmt};

fn dump(src: &str) -> String {
    lower(src, Depth::Full).dump()
}

/// Snapshots the IR dump of `src`, named after the test.
macro_rules! assert_ir {
    ($src:expr) => {
        insta::with_settings!(
            { description => $src, omit_expression => true, prepend_module_to_snapshot => false },
            { insta::assert_snapshot!(dump($src)) }
        )
    };
}

/// The source text of each call's span, in call order.
fn call_texts<'a>(ir: &FileIr, src: &'a str) -> Vec<&'a str> {
    ir.functions.iter().flat_map(|f| f.calls.iter()).map(|c| &src[c.span.range()]).collect()
}

#[test]
fn windows_rs_bind_with_struct_literal_qos() {
    assert_ir!(
        r#"
use windows::core::PCWSTR;
use windows::Win32::System::{Com::*, Rpc::*};

fn bind(h: *const c_void, spn: &[u16]) -> RPC_STATUS {
    let qos = RPC_SECURITY_QOS {
        Version: RPC_C_SECURITY_QOS_VERSION as u32,
        Capabilities: RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH,
        ImpersonationType: RPC_C_IMP_LEVEL_IDENTIFY,
        ..Default::default()
    };
    unsafe {
        RpcBindingSetAuthInfoExW(h, PCWSTR(spn.as_ptr()), RPC_C_AUTHN_LEVEL_PKT_PRIVACY.0,
            RPC_C_AUTHN_GSS_NEGOTIATE, None, 0, Some(&qos))
    }
}
"#
    );
}

#[test]
fn windows_sys_bind_with_raw_constants() {
    assert_ir!(
        r#"
use windows_sys::Win32::System::Rpc::*;

unsafe fn bind(h: *mut c_void) -> i32 {
    let mut qos: RPC_SECURITY_QOS = std::mem::zeroed();
    qos.Version = 1;
    qos.Capabilities = RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH | 0x8;
    let status = RpcBindingSetAuthInfoExW(h, std::ptr::null(), 6, 10, ptr::null_mut(), 0, &qos);
    if status != RPC_S_OK {
        return status;
    }
    0
}
"#
    );
}

#[test]
fn qos_from_default_then_fields_assigned() {
    assert_ir!(
        r#"
fn qos() -> RPC_SECURITY_QOS {
    let mut qos = RPC_SECURITY_QOS::default();
    qos.ImpersonationType = RPC_C_IMP_LEVEL_DELEGATE;
    qos.Capabilities |= RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH;
    qos.IdentityTracking.0 = 1;
    qos
}
"#
    );
}

#[test]
fn string_macros_are_calls() {
    assert_ir!(
        r#"
fn strings() {
    let protseq = w!("ncalrpc");
    let package = windows::core::s!("NTLM");
    let pipe = w!(r"\\.\pipe\spool");
    let name = h!("x");
    let bytes = b"ab";
    let text = "tab\there";
    RpcStringBindingComposeW(None, protseq, None, w!("ep"), w!("Security=impersonation static true"), Some(&mut out));
}
"#
    );
}

#[test]
fn if_as_value_assigns_in_each_arm() {
    assert_ir!(
        r#"
fn level(fast: bool) -> u32 {
    let level = if fast { RPC_C_AUTHN_LEVEL_CONNECT } else if paranoid() { 6 } else { RPC_C_AUTHN_LEVEL_PKT_INTEGRITY };
    let service = unsafe { pick() };
    level
}
"#
    );
}

#[test]
fn match_as_value_with_guard_and_bindings() {
    assert_ir!(
        r#"
fn pick(kind: Kind, n: u32) -> u32 {
    let lvl = match kind {
        Kind::Local => RPC_C_AUTHN_LEVEL_PKT_PRIVACY.0,
        Kind::Remote(port) if port > 1024 => { log(port); 5 }
        Kind::Other { level, .. } => level,
        RPC_S_OK | None => 0,
        _ => unreachable!(),
    };
    match n { 0 => a(), _ => b() }
}
"#
    );
}

#[test]
fn question_mark_propagates_and_returns_early() {
    assert_ir!(
        r#"
fn blanket(proxy: &IUnknown) -> windows::core::Result<()> {
    let guard = Guard::new();
    unsafe {
        CoSetProxyBlanket(proxy, RPC_C_AUTHN_WINNT, RPC_C_AUTHZ_NONE, PCWSTR::null(),
            RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C_IMP_LEVEL_DELEGATE, None, EOAC_NONE)?;
    }
    Ok(())
}
"#
    );
}

#[test]
fn com_method_call_on_client_security() {
    assert_ir!(
        r#"
fn set(proxy: IUnknown) -> Result<()> {
    let cs: IClientSecurity = proxy.cast()?;
    unsafe {
        cs.SetBlanket(&proxy, RPC_C_AUTHN_GSS_KERBEROS, RPC_C_AUTHZ_NONE, w!("host/srv"),
            RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_IMP_LEVEL_IMPERSONATE, None,
            EOLE_AUTHENTICATION_CAPABILITIES(EOAC_MUTUAL_AUTH.0 | EOAC_STATIC_CLOAKING.0))
    }
}
"#
    );
}

#[test]
fn call_context_then_impersonate() {
    assert_ir!(
        r#"
unsafe fn serve() -> Result<()> {
    CoGetCallContext::<IServerSecurity>()?.ImpersonateClient()?;
    work();
    CoRevertToSelf()
}
"#
    );
}

#[test]
fn discarded_and_checked_impersonation() {
    assert_ir!(
        r#"
unsafe fn handler() -> Result<()> {
    let _ = RpcImpersonateClient(None);
    RpcImpersonateClient(None);
    RpcImpersonateClient(None).ok()?;
    if RpcImpersonateClient(None) != RPC_S_OK { return Err(E_FAIL.into()); }
    let status = RpcImpersonateClient(None);
    _ = RpcRevertToSelf();
    Ok(())
}
"#
    );
}

#[test]
fn closures_and_async_blocks_are_inline() {
    assert_ir!(
        r#"
fn spawn(level: u32) {
    let set = |h, (a, b): (u32, u32)| -> Result<()> {
        if a == 0 { return Ok(()); }
        RpcBindingSetAuthInfoW(h, None, level, a, None, b).ok()?;
        Ok(())
    };
    let fut = async move { connect().await?; Ok(()) };
    run(set, fut);
}
"#
    );
}

#[test]
fn impl_drop_is_a_destructor() {
    let src = r#"
struct Impersonation;
impl Drop for Impersonation {
    fn drop(&mut self) {
        unsafe { let _ = RpcRevertToSelf(); }
    }
}
impl Impersonation {
    fn start() -> Self { unsafe { RpcImpersonateClient(None) }; Impersonation }
}
trait Revert { fn revert(&self) { unsafe { CoRevertToSelf().ok(); } } fn required(&self); }
"#;
    let ir = lower(src, Depth::Full);
    let kinds: Vec<(&str, Option<&str>, FunctionKind)> =
        ir.functions.iter().map(|f| (f.name.as_str(), f.owner.as_deref(), f.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            ("drop", Some("Impersonation"), FunctionKind::Destructor),
            ("start", Some("Impersonation"), FunctionKind::Plain),
            ("revert", Some("Revert"), FunctionKind::Plain),
        ]
    );
    assert_ir!(src);
}

#[test]
fn consts_statics_and_enums() {
    assert_ir!(
        r#"
const LEVEL: u32 = 2;
pub(crate) const PRIVACY: RPC_C_AUTHN_LEVEL = RPC_C_AUTHN_LEVEL(6u32);
static PROTSEQ: PCWSTR = w!("ncacn_ip_tcp");
static mut CURRENT: u32 = LEVEL | 0x10;
const DEFAULT: i32 = -1i32;
const WRAP: u32 = 0x8000_0001;
const BIG: u128 = 0x1_0000_0000_0000_0001;
const CAPS: u32 = !RPC_C_QOS_CAPABILITIES_DEFAULT;
enum Level { Connect = 2, Call, Privacy = 6 }
enum NoValues { A, B }
impl Server { const SVC: u32 = RPC_C_AUTHN_WINNT; }
fn f() { const INNER: u32 = 4; g(INNER); }
"#
    );
}

#[test]
fn shadowed_let_gets_a_new_local() {
    let src = "fn f(x: u32) { let x = x + 1; let x = if x > 2 { x } else { 0 }; use_(x); }";
    let ir = lower(src, Depth::Full);
    let f = &ir.functions[0];
    let xs: Vec<usize> = f.locals.iter().enumerate().filter(|(_, l)| l.name == "x").map(|(i, _)| i).collect();
    assert_eq!(xs, vec![0, 1, 2], "the parameter and two shadowing lets");
    // `let x = x + 1` reads the parameter; the `if` arms read the second x.
    let assigns: Vec<(usize, String)> = f.blocks[..]
        .iter()
        .flat_map(|b| b.stmts.iter())
        .filter_map(|s| match s {
            Stmt::Assign { place, value, .. } => match (&place.root, &f.expr(*value).kind) {
                (crate::ir::PlaceRoot::Local(l), ExprKind::Binary(_, a, _)) => {
                    Some((l.index(), format!("{:?}", f.expr(*a).kind)))
                }
                (crate::ir::PlaceRoot::Local(l), k) => Some((l.index(), format!("{k:?}"))),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(
        assigns,
        vec![
            (1, "Local(LocalId(0))".to_string()),
            // The else block comes first in block order.
            (2, "Int(0)".to_string()),
            (2, "Local(LocalId(1))".to_string()),
        ]
    );
    assert_ir!(src);
}

#[test]
fn call_span_covers_callee_through_paren() {
    // Non-ASCII text before and inside the calls: spans are byte offsets.
    let src = "// Grüße, 日本語\nfn f() {\n    let s = \"é\";\n    let r = windows::Win32::System::Rpc::RpcBindingSetAuthInfoExW(\n        h,\n        w!(\"ünï\"),\n        6,\n    );\n    let t = obj\n        .método::<u8>(1)\n        .ok();\n    CoCreateInstance::<_, IWbemLocator>(&CLSID, None, CLSCTX_ALL)?;\n}\n";
    let ir = lower(src, Depth::Full);
    assert_eq!(
        call_texts(&ir, src),
        vec![
            "w!(\"ünï\")",
            "RpcBindingSetAuthInfoExW(\n        h,\n        w!(\"ünï\"),\n        6,\n    )",
            "método::<u8>(1)",
            "ok()",
            "CoCreateInstance::<_, IWbemLocator>(&CLSID, None, CLSCTX_ALL)",
            // The test `?` makes: `is_err()` of the operand, through the `?`.
            "CoCreateInstance::<_, IWbemLocator>(&CLSID, None, CLSCTX_ALL)?",
        ]
    );
    let f = &ir.functions[0];
    assert_eq!(&src[f.span.range()][..6], "fn f()");
    assert!(src[f.span.range()].ends_with('}'));
    // An assignment's span is the whole `let`.
    let first = f.blocks[0].stmts.first().map(|s| match s {
        Stmt::Assign { span, .. } => &src[span.range()],
        _ => "",
    });
    assert_eq!(first, Some("let s = \"é\";"));
}

#[test]
fn loops_with_labelled_break() {
    assert_ir!(
        r#"
fn find(items: &[u32]) -> u32 {
    let mut found = 0;
    'outer: for i in items.iter() {
        let mut n = 0;
        while n < 10 {
            if *i == n { found = n; break 'outer; }
            if n == 5 { n += 2; continue; }
            n += 1;
        }
    }
    let v = loop { if ready() { break RPC_C_AUTHN_LEVEL_CONNECT; } };
    let w = 'blk: { if v == 2 { break 'blk 6; } 4 };
    found + v + w
}
"#
    );
}

#[test]
fn function_pointer_table_calls() {
    assert_ir!(
        r#"
unsafe fn decrypt(ctx: &SecHandle, msg: &mut SecBufferDesc) -> u32 {
    let table = InitSecurityInterfaceW();
    let mut qop = 0u32;
    ((*table).DecryptMessage.unwrap())(ctx, msg, 0, &mut qop);
    (table.EncryptMessage.expect("encrypt"))(ctx, SECQOP_WRAP_NO_ENCRYPT, msg, 0);
    (callbacks.on_done)(qop);
    make_fn()(qop);
    qop
}
"#
    );
}

#[test]
fn addresses_nulls_casts_and_not() {
    assert_ir!(
        r#"
unsafe fn misc(qos: RPC_SECURITY_QOS, ok: bool) {
    let a = addr_of!(qos);
    let b = std::ptr::addr_of_mut!(qos);
    let c = &raw const qos;
    let d = &mut qos as *mut _ as *const RPC_SECURITY_QOS;
    let e = (std::ptr::null(), ptr::null_mut::<u8>(), PCWSTR::null(), PWSTR::null());
    let f = !EOAC_NONE;
    let g = !ok;
    let h = !(RPC_IF_ALLOW_SECURE_ONLY | RPC_IF_AUTOLISTEN);
    let i = -1i32 as u32;
    let j = *a;
    let k = HANDLE(h.0);
    let l = PCWSTR::from_raw(w.as_ptr());
    let m = COLE_DEFAULT_PRINCIPAL.0 == None;
}
"#
    );
}

#[test]
fn let_else_and_if_let_chains() {
    assert_ir!(
        r#"
fn check(opt: Option<u32>) {
    let Some(x) = opt else { return; };
    if let Ok(v) = RpcImpersonateClient(None).ok() && v == () && let Some(y) = other() {
        work(x, y);
    } else if RPC_S_OK == status() {
        other_work();
    }
    while let Some(item) = queue.pop() { handle(item); }
}
"#
    );
}

#[test]
fn destructuring_and_places() {
    assert_ir!(
        r#"
fn places(p: *mut RPC_SECURITY_QOS, mut v: Vec<u32>, _: u32, (a, b): (u32, u32)) {
    let (c, d) = (f(), 2);
    let (e, g) = pair();
    let S { h, i: j, .. } = s;
    let [k, ..] = arr;
    let l;
    l = 3;
    v[idx()] = 3;
    *p = Default::default();
    (*p).ImpersonationType = RPC_C_IMP_LEVEL_DELEGATE;
    unsafe { (*p).Capabilities.0 |= 1; }
    GLOBAL_LEVEL = 2;
    m::GLOBAL = 3;
    make().field = 4;
}
"#
    );
}

#[test]
fn macros_parse_their_arguments() {
    assert_ir!(
        r#"
fn macros() {
    assert!(RpcImpersonateClient(None).is_ok());
    println!("{}", level());
    let v = vec![0u16; 64];
    let s = format!("ncacn_np:{}[{}]", host, w!("pipe"));
    debug_assert_eq!(RpcRevertToSelf(), RPC_S_OK, "revert");
    my_macro! { not, an = expression list };
}
"#
    );
}

#[test]
fn items_in_modules_traits_impls_and_blocks() {
    assert_ir!(
        r#"
mod server {
    pub(crate) mod inner {
        pub(crate) fn register() { RpcServerRegisterIf2(spec, None, None, RPC_IF_AUTOLISTEN, 10, 0, None); }
    }
    impl<T> Handler for Server<T> {
        fn handle(&self, h: *mut c_void) -> u32 {
            fn helper(x: u32) -> u32 { x + 1 }
            self.count = helper(1);
            unsafe { RpcImpersonateClient(Some(h)) }.0 as u32
        }
    }
}
extern "system" { fn RpcImpersonateClient(h: *const c_void) -> i32; }
"#
    );
}

#[test]
fn literals() {
    assert_ir!(
        r##"
fn lits() {
    let a = 6u32;
    let b = 0x8000_0001;
    let c = 0b1010;
    let d = 1_000_000i64;
    let e = 'A';
    let f = b'\n';
    let g = 1.5f32;
    let h = true;
    let i = r#"raw "quoted""#;
    let j = c"cstr";
    let k = "esc\u{e9}\n";
}
"##
    );
}

#[test]
fn block_values_and_tails() {
    assert_ir!(
        r#"
fn tails(c: bool) -> u32 {
    let a = unsafe { RpcImpersonateClient(None) };
    let b = { let t = make(); t.level };
    call(if c { 1 } else { 2 }, match c { true => 3, false => 4 });
    if c { return 1; }
    loop {}
}
fn unit_tail() { let x = 1; }
"#
    );
}

#[test]
fn consts_only_skips_function_bodies() {
    let src = r#"
const LEVEL: u32 = RPC_C_AUTHN_LEVEL_PKT_PRIVACY.0;
fn f() { const INNER: u32 = 1; RpcImpersonateClient(None); }
mod m { pub static S: u32 = 7; pub fn g() {} }
impl T { const C: u32 = 9; fn method(&self) {} }
enum E { A = 1 }
const CALLBACK: fn() = callback;
#[doc = "x"] pub(crate) const unsafe extern "system" fn g() { const NOT_SEEN: u32 = 1; }
"#;
    let ir = lower(src, Depth::ConstsOnly);
    assert!(ir.functions.is_empty());
    let names: Vec<&str> = ir.consts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["LEVEL", "S", "C", "A", "CALLBACK"]);
    for (chunk, is_fn) in [
        ("fn f() {}", true),
        ("#[inline] #[cfg(feature = \"x\")] pub fn f() {}", true),
        ("pub(crate) const unsafe extern \"system\" fn f() {}", true),
        ("const F: fn() = f;", false),
        ("static S: u32 = 1;", false),
        ("impl T { fn f() {} }", false),
        ("mod m { fn f() {} }", false),
    ] {
        assert_eq!(super::is_fn_item(chunk), is_fn, "{chunk}");
    }
    insta::with_settings!(
        { description => src, omit_expression => true, prepend_module_to_snapshot => false },
        { insta::assert_snapshot!(ir.dump()) }
    );
}

#[test]
fn syntax_errors_lose_only_the_broken_items() {
    let src = "fn good_a() { a(); }\nfn broken() { let = ; }\nfn good_b() { b(); }\n";
    let ir = lower(src, Depth::Full);
    let names: Vec<&str> = ir.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, vec!["good_a", "good_b"]);
    assert_eq!(ir.problems.len(), 1);
    assert_eq!(&src[ir.problems[0].span.range()], "=");
    assert!(ir.problems[0].message.starts_with("syntax error: "), "{}", ir.problems[0].message);
}

#[test]
fn truncated_file_keeps_the_complete_functions() {
    let src = "const K: u32 = 1;\nfn done() { RpcRevertToSelf(); }\nfn cut() { RpcBindingSetAuthInfoExW(h, w!(\"x\"), ";
    let ir = lower(src, Depth::Full);
    let names: Vec<&str> = ir.functions.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, vec!["done"]);
    assert_eq!(ir.consts.len(), 1);
    assert_eq!(ir.problems.len(), 1);
    // The lexer points at the unclosed parenthesis of the call.
    let at = ir.problems[0].span.start as usize;
    assert_eq!(&src[at..at + 1], "(");
}

#[test]
fn bom_and_shebang_keep_offsets() {
    let src = "\u{feff}#!/usr/bin/env run-cargo-script\nfn main() { RpcRevertToSelf(); }\n";
    let ir = lower(src, Depth::Full);
    assert_eq!(call_texts(&ir, src), vec!["RpcRevertToSelf()"]);
    assert!(ir.problems.is_empty());
    let attr = "#![allow(unused)]\nfn main() { x(); }";
    assert_eq!(call_texts(&lower(attr, Depth::Full), attr), vec!["x()"]);
}

#[test]
fn every_call_is_anchored_in_a_statement_or_terminator() {
    // Rules find a call's position in the CFG through the statement or
    // terminator that holds it; none may be left floating.
    let src = r#"
fn f(v: Vec<u32>) -> Result<u32> {
    let t = (a(), [b(), c()], d()..e());
    v[g()] = h();
    for x in i() { j(x)?; }
    match k() { _ if l() => {} _ => {} }
    let Some(y) = m() else { return n(); };
    while o() {}
    (p())(q());
    Ok(r())
}
"#;
    let ir = lower(src, Depth::Full);
    let f = &ir.functions[0];
    let mut seen = vec![false; f.calls.len()];
    let mut stack: Vec<crate::ir::ExprId> = Vec::new();
    for b in &f.blocks {
        for s in &b.stmts {
            match s {
                Stmt::Assign { place, value, .. } => {
                    stack.push(*value);
                    if let crate::ir::PlaceRoot::Deref(e) = place.root {
                        stack.push(e);
                    }
                }
                Stmt::Eval(e) => stack.push(*e),
                Stmt::ScopeEnd(_) => {}
            }
        }
        match &b.term {
            crate::ir::Terminator::Branch { cond, .. } => stack.push(*cond),
            crate::ir::Terminator::Switch { scrutinee, .. } => stack.push(*scrutinee),
            crate::ir::Terminator::Return(Some(e)) => stack.push(*e),
            _ => {}
        }
    }
    while let Some(e) = stack.pop() {
        let kind = &f.expr(e).kind;
        if let ExprKind::Call(c) = kind {
            seen[c.index()] = true;
        }
        crate::ir::for_each_child(kind, &f.calls, |c| stack.push(c));
    }
    let floating: Vec<&str> = f.calls.iter().zip(&seen).filter(|(_, s)| !**s).map(|(c, _)| c.callee.as_str()).collect();
    assert!(floating.is_empty(), "calls not anchored: {floating:?}");
    // 19 written, and the `is_err()` test of the `?`.
    assert_eq!(f.calls.len(), 20);
}

/// The texts of the test regions, in order.
fn test_region_texts(src: &str) -> Vec<&str> {
    lower(src, Depth::Full).test_regions.iter().map(|s| &src[s.range()]).collect()
}

#[test]
fn cfg_test_modules_and_test_functions_are_test_regions() {
    let src = r#"
fn product() { RpcImpersonateClient(None); }
#[cfg(test)]
mod tests {
    #[test]
    fn inner() { RpcImpersonateClient(None); }
}
#[tokio::test]
async fn alone() {}
#[cfg(all(windows, test))]
impl Foo { fn f() {} }
impl Bar {
    #[test]
    fn method() {}
}
#[cfg(not(test))]
fn not_a_test() {}
#[cfg(feature = "test")]
fn feature_named_test() {}
#[cfg_attr(test, derive(Debug))]
struct S;
"#;
    let texts = test_region_texts(src);
    assert_eq!(texts.len(), 4, "{texts:#?}");
    assert!(texts[0].starts_with("#[cfg(test)]\nmod tests {") && texts[0].ends_with('}'), "{}", texts[0]);
    assert!(texts[1].starts_with("#[tokio::test]"));
    assert!(texts[2].starts_with("#[cfg(all(windows, test))]"));
    assert!(texts[3].starts_with("#[test]\n    fn method()"));
}

#[test]
fn a_file_without_test_attributes_has_no_test_region() {
    assert!(test_region_texts("fn f() { #[allow(unused)] let x = 1; }\n#[inline]\nfn g() {}\n").is_empty());
}
