//! Which other files a constant is taken from (phase 2 and the constant
//! table): a header's definitions and a Rust file's reach every file; a C
//! or C++ source file's only what the linker shares (an initialised
//! file-level variable, a `const`), not its `#define`s, `static`s or
//! enumerators, whether or not that file is itself checked.

use super::Tree;
use super::project::{rpclint, run_findings};

/// `MY_LEVEL` is defined elsewhere; at `RPC_C_AUTHN_LEVEL_CONNECT` the
/// call on line 4 is a `missing-integrity`.
const CLIENT_C: &str = "RPC_STATUS bind(RPC_BINDING_HANDLE h, RPC_SECURITY_QOS *q)
{
    return RpcBindingSetAuthInfoExW(h, NULL, MY_LEVEL,
        RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, q);
}
";

/// A file that also calls an API (a candidate, not only searched for
/// constants), defining `MY_LEVEL` as `definition` says.
fn checked(definition: &str) -> String {
    format!(
        "{definition}\nRPC_STATUS other(RPC_BINDING_HANDLE h, RPC_SECURITY_QOS *q)\n{{\n    \
         return RpcBindingSetAuthInfoExW(h, NULL, RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, q);\n}}\n"
    )
}

fn findings(files: &[(&str, &str)]) -> Vec<String> {
    let tree = Tree::new(files);
    run_findings(rpclint(tree.root()).args(["--isolated", "."]))
}

const FOUND: &str = "client.c:3: error[missing-integrity]";

#[test]
fn a_source_files_own_definitions_are_not_another_files_constants() {
    let connect = "RPC_C_AUTHN_LEVEL_CONNECT";
    for own in [
        format!("#define MY_LEVEL {connect}"),
        format!("static const unsigned long MY_LEVEL = {connect};"),
        format!("static unsigned long MY_LEVEL = {connect};"),
        format!("enum levels {{\n    MY_LEVEL = {connect},\n}};"),
        format!("enum levels {{\nMY_LEVEL = {connect},\n}};"),
    ] {
        for (other, text) in [("other.c", own.clone()), ("other.cpp", own.clone()), ("other.c", checked(&own))] {
            assert_eq!(findings(&[("client.c", CLIENT_C), (other, &text)]), Vec::<String>::new(), "{other}: {text}");
        }
        // The same text in a header is every includer's.
        assert_eq!(findings(&[("client.c", CLIENT_C), ("levels.h", &own)]), [FOUND], "levels.h: {own}");
        assert_eq!(findings(&[("client.c", CLIENT_C), ("levels.hpp", &checked(&own))]), [FOUND], "{own}");
    }
}

#[test]
fn a_header_is_searched_for_a_name_a_checked_source_file_defines_for_itself() {
    // other.c's own `#define` is not client.c's: the header's is.
    let other = checked("#define MY_LEVEL RPC_C_AUTHN_LEVEL_PKT_PRIVACY");
    let header = "#define MY_LEVEL RPC_C_AUTHN_LEVEL_CONNECT\n";
    assert_eq!(findings(&[("client.c", CLIENT_C), ("other.c", &other), ("levels.h", header)]), [FOUND]);
    // And a source file's own definition wins for itself.
    let own = format!("#define MY_LEVEL RPC_C_AUTHN_LEVEL_PKT_PRIVACY\n{CLIENT_C}");
    assert_eq!(findings(&[("client.c", &own), ("levels.h", header)]), Vec::<String>::new());
}

#[test]
fn what_the_linker_shares_is_taken_from_a_source_file() {
    let connect = "RPC_C_AUTHN_LEVEL_CONNECT";
    for (other, shared) in [
        ("other.c", format!("const unsigned long MY_LEVEL = {connect};")),
        ("other.c", format!("unsigned long MY_LEVEL = {connect};")),
        ("other.c", format!("extern const unsigned long MY_LEVEL = {connect};")),
        // C++: a namespace-scope `const` is internal unless a header
        // declared it `extern`, which cannot be seen here: kept.
        ("other.cpp", format!("namespace levels {{\n    const unsigned long MY_LEVEL = {connect};\n}}")),
        ("other.cpp", format!("extern \"C\" const unsigned long MY_LEVEL = {connect};")),
    ] {
        assert_eq!(findings(&[("client.c", CLIENT_C), (other, &shared)]), [FOUND], "{other}: {shared}");
        assert_eq!(findings(&[("client.c", CLIENT_C), (other, &checked(&shared))]), [FOUND], "{other}: {shared}");
    }
}

#[test]
fn a_shared_definition_is_read_with_its_files_own_macros() {
    let other = "#define BASE RPC_C_AUTHN_LEVEL_CONNECT\nconst unsigned long MY_LEVEL = BASE;\n";
    // Another file's BASE is not the one MY_LEVEL is built on.
    let decoy = "#define BASE RPC_C_AUTHN_LEVEL_PKT_PRIVACY\n";
    assert_eq!(findings(&[("client.c", CLIENT_C), ("other.c", other), ("decoy.c", decoy)]), [FOUND]);
}

#[test]
fn a_rust_files_constants_reach_every_file() {
    let client = "use windows::Win32::System::Rpc::*;\n\
                  pub unsafe fn bind(h: *const core::ffi::c_void, q: *const RPC_SECURITY_QOS) -> RPC_STATUS {\n    \
                  RpcBindingSetAuthInfoExW(h, None, crate::levels::MY_LEVEL, RPC_C_AUTHN_GSS_NEGOTIATE, None, 0, Some(q))\n}\n";
    let levels = "pub const MY_LEVEL: u32 = 2; // RPC_C_AUTHN_LEVEL_CONNECT\n";
    assert_eq!(findings(&[("client.rs", client), ("levels.rs", levels)]), ["client.rs:3: error[missing-integrity]"]);
    let other = "pub const OTHER: u32 = 2;\n";
    assert_eq!(findings(&[("client.rs", client), ("levels.rs", other)]), Vec::<String>::new());
}
