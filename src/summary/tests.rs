//! Summaries of the tree's own functions, computed from
//! small C and Rust trees: what a wrapper passes on, two levels down, which
//! definition a call uses, reverts and impersonation primitives, constant
//! returns, and the project's own functions of an API's name.

use std::collections::{BTreeSet, HashMap};

use super::{ArgSrc, Summaries, compute};
use crate::frontend::{Depth, Lang, lower};
use crate::ir::{CallPath, FileIr};
use crate::kb::Kb;
use crate::source::FileId;

fn summaries(files: &[(Lang, &str)]) -> (Summaries, Vec<FileIr>) {
    let irs: Vec<FileIr> = files.iter().map(|(lang, text)| lower(*lang, text, Depth::Full)).collect();
    let ids: Vec<(FileId, &FileIr)> = irs.iter().enumerate().map(|(i, ir)| (FileId(i as u32), ir)).collect();
    let defined: HashMap<FileId, BTreeSet<String>> =
        ids.iter().map(|(id, ir)| (*id, ir.functions.iter().map(|f| f.name.clone()).collect())).collect();
    let s = compute(&ids, defined, Kb::builtin());
    (s, irs)
}

fn api_name(s: &Summaries, file: u32, name: &str, argc: usize) -> Option<String> {
    let sum = s.for_call(FileId(file), name, false, argc)?;
    let reach = sum.reach.as_ref()?;
    Some(Kb::builtin().apis[reach.api].name.clone())
}

const C_WRAPPERS: &str = r#"
static RPC_STATUS bind_secure(RPC_BINDING_HANDLE h, unsigned long level)
{
    return RpcBindingSetAuthInfoExW(h, L"host/x", level, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, NULL);
}
static RPC_STATUS connect_to(RPC_BINDING_HANDLE h, unsigned long level)
{
    log_it("connecting");
    return bind_secure(h, level);
}
static RPC_STATUS bind_fixed(RPC_BINDING_HANDLE h)
{
    return RpcBindingSetAuthInfoExW(h, L"host/x", RPC_C_AUTHN_LEVEL_PKT_PRIVACY, 9, NULL, 0, NULL);
}
static void cleanup(struct req *r)
{
    if (r->impersonating)
        RpcRevertToSelf();
}
static int level(void) { return RPC_C_AUTHN_LEVEL_CONNECT; }
"#;

#[test]
fn a_wrapper_passes_its_parameter_two_levels_down() {
    let (s, _) = summaries(&[(Lang::C, C_WRAPPERS)]);
    let one = s.for_call(FileId(0), "bind_secure", false, 2).and_then(|s| s.reach.clone()).expect("bind_secure");
    assert_eq!(one.args[0], ArgSrc::Param(0));
    assert_eq!(one.args[2], ArgSrc::Param(1));
    assert_eq!(one.args[3], ArgSrc::Unknown, "a constant of the wrapper is judged inside it");
    assert!(one.returns_status);
    let two = s.for_call(FileId(0), "connect_to", false, 2).and_then(|s| s.reach.clone()).expect("connect_to");
    assert_eq!(two.args[2], ArgSrc::Param(1));
    assert_eq!(two.steps.len(), 2);
    assert_eq!(two.steps[1].callee, "RpcBindingSetAuthInfoExW");
}

#[test]
fn a_function_that_passes_no_setting_is_no_wrapper() {
    let (s, _) = summaries(&[(Lang::C, C_WRAPPERS)]);
    assert!(s.for_call(FileId(0), "bind_fixed", false, 1).is_none());
    // Wrong arity: another overload.
    assert!(s.for_call(FileId(0), "bind_secure", false, 3).is_none());
}

#[test]
fn a_revert_on_some_path_and_a_constant_return_are_kept() {
    let (s, _) = summaries(&[(Lang::C, C_WRAPPERS)]);
    assert_eq!(api_name(&s, 0, "cleanup", 1).as_deref(), Some("RpcRevertToSelf"));
    assert!(s.for_call(FileId(0), "level", false, 0).is_some_and(|s| s.returns_const));
}

#[test]
fn a_file_with_its_own_helper_of_that_name_does_not_use_another_files() {
    let other = "static int cleanup(struct req *r) { free(r); return 0; }\nvoid f(struct req *r) { cleanup(r); }\n";
    let (s, _) = summaries(&[(Lang::C, C_WRAPPERS), (Lang::C, other)]);
    assert!(s.for_call(FileId(1), "cleanup", false, 1).is_none());
    assert!(s.for_call(FileId(2), "cleanup", false, 1).is_some(), "a file without one links the only one");
}

#[test]
fn an_impersonation_primitive_leaves_it_to_the_caller_and_a_worker_does_not() {
    let src = r#"
RPC_STATUS become_client(RPC_BINDING_HANDLE h) { return RpcImpersonateClient(h); }
void serve(RPC_BINDING_HANDLE h) { RpcImpersonateClient(h); do_work(); }
"#;
    let (s, _) = summaries(&[(Lang::C, src)]);
    assert_eq!(api_name(&s, 0, "become_client", 1).as_deref(), Some("RpcImpersonateClient"));
    assert!(s.for_call(FileId(0), "serve", false, 1).is_none());
}

#[test]
fn rust_wrappers_methods_and_own_definitions() {
    let src = r#"
pub unsafe fn bind(h: *mut c_void, level: u32) -> RPC_STATUS {
    RpcBindingSetAuthInfoExW(h, w!("host/x"), level, RPC_C_AUTHN_GSS_NEGOTIATE, None, 0, None)
}
impl Client {
    pub fn connect(&self, level: u32) -> RPC_STATUS { unsafe { bind(self.h, level) } }
}
pub fn DecryptMessage(ctx: u32) -> u32 { ctx }
mod tests {
    fn t() { super::DecryptMessage(1); }
}
"#;
    let (s, irs) = summaries(&[(Lang::Rust, src)]);
    assert!(s.for_call(FileId(0), "bind", false, 2).is_some());
    let m = s.for_call(FileId(0), "connect", true, 1).and_then(|s| s.reach.clone()).expect("method");
    assert_eq!(m.args[2], ArgSrc::Param(0));
    assert!(s.for_call(FileId(0), "connect", false, 1).is_none(), "a method needs a receiver");
    let call = irs[0].functions.iter().flat_map(|f| &f.calls).find(|c| c.callee == "DecryptMessage").expect("call");
    assert_eq!(call.path, CallPath::Own);
    assert!(s.is_own(FileId(0), call));
    assert!(s.is_own(FileId(7), call), "a path into the crate reaches the tree's own");
    let mut bare = call.clone();
    bare.path = CallPath::Plain;
    assert!(!s.is_own(FileId(7), &bare));
    bare.path = CallPath::Other;
    assert!(!s.is_own(FileId(0), &bare), "`windows::..::F` is not the file's own `F`");
}

#[test]
fn a_revert_under_the_functions_own_test_is_none_the_caller_can_count_on() {
    let src = r#"
static void revert_if_system(HANDLE token) { if (is_system(token)) RevertToSelf(); }
static void revert_if_flag(struct req *r, int force) { if (r->impersonating || force) RevertToSelf(); }
static void revert_in_loop(int n) { int i; for (i = 0; i < n; i++) { if (i == 3) RevertToSelf(); } }
"#;
    let (s, _) = summaries(&[(Lang::C, src)]);
    assert!(s.for_call(FileId(0), "revert_if_system", false, 1).is_none());
    assert_eq!(api_name(&s, 0, "revert_if_flag", 2).as_deref(), Some("RevertToSelf"));
    assert!(s.for_call(FileId(0), "revert_in_loop", false, 1).is_none());
}

#[test]
fn a_scoped_call_reaches_only_a_function_of_its_scope() {
    let src = r#"
namespace app {
HRESULT CoImpersonateClient() { return ::CoImpersonateClient(); }
}
class ComSecurity {
public:
    static HRESULT CoInitializeSecurity(DWORD level)
    {
        return ::CoInitializeSecurity(nullptr, -1, nullptr, nullptr, level, 3, nullptr, 0, nullptr);
    }
};
void work() { wil::CoImpersonateClient(); app::CoImpersonateClient(); ComSecurity::CoInitializeSecurity(2); }
"#;
    let (s, irs) = summaries(&[(Lang::Cpp, src)]);
    let f0 = FileId(0);
    assert!(s.for_call_in(f0, "CoImpersonateClient", false, 0, Some("app")).is_some());
    assert!(s.for_call_in(f0, "CoImpersonateClient", false, 0, Some("wil")).is_none(), "WIL's is not the tree's");
    assert!(s.for_call_in(f0, "CoInitializeSecurity", false, 1, Some("ComSecurity")).is_some());
    let work = irs[0].functions.iter().find(|f| f.name == "work").expect("work");
    let scopes: Vec<_> = work.calls.iter().map(|c| (c.path, c.scope.as_deref())).collect();
    assert_eq!(
        scopes,
        [(CallPath::Scoped, Some("wil")), (CallPath::Scoped, Some("app")), (CallPath::Scoped, Some("ComSecurity"))]
    );
}
