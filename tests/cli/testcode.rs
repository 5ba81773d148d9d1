//! Test code on the command line: left out and counted by default, reported
//! and marked with `--include-tests` or `test-code = "report"`, more of it
//! named with `test-paths`.

use std::path::Path;

use super::Tree;
use super::project::{CLIENT, findings, rpclint, run_findings};

/// A Rust file whose product function and test module each have a
/// `missing-integrity` (lines 5, 12 and 18).
const LIB_RS: &str = "use windows_sys::Win32::System::Rpc::*;

/// Product code.
pub unsafe fn bind(h: *const core::ffi::c_void, spn: *const u16, qos: *const RPC_SECURITY_QOS) -> i32 {
    RpcBindingSetAuthInfoExW(h, spn, RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_AUTHN_GSS_NEGOTIATE, core::ptr::null(), 0, qos)
}

#[cfg(test)]
mod tests {
    use super::*;
    unsafe fn helper(h: *const core::ffi::c_void, spn: *const u16, qos: *const RPC_SECURITY_QOS) -> i32 {
        RpcBindingSetAuthInfoExW(h, spn, RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_AUTHN_GSS_NEGOTIATE, core::ptr::null(), 0, qos)
    }
}

#[test]
fn binds() {
    if unsafe { RpcBindingSetAuthInfoExW(handle(), name(), RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_AUTHN_GSS_NEGOTIATE, core::ptr::null(), 0, make_qos()) } != 0 { panic!() }
}
";

/// Product code in `src/`, test code by directory, by file name and by Rust attribute.
fn tree() -> Tree {
    Tree::new(&[
        ("src/client.c", CLIENT),
        ("src/lib.rs", LIB_RS),
        ("tests/client.c", CLIENT),
        ("Testing/Unit/client.c", CLIENT),
        ("src/client_test.c", CLIENT),
        ("src/test_client.cpp", CLIENT),
        ("src/ClientTests.cpp", CLIENT),
    ])
}

const PRODUCT: [&str; 3] = [
    "src/client.c:5: error[missing-integrity]",
    "src/client.c:10: warning[missing-privacy]",
    "src/lib.rs:5: error[missing-integrity]",
];

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

#[test]
fn test_code_is_left_out_and_counted_by_default() {
    let tree = tree();
    assert_eq!(run_findings(rpclint(tree.root()).arg(".")), PRODUCT);
    // Five test files, not analysed (only the two product files are
    // parsed), and two Rust test items, whose findings are left out.
    let out = rpclint(tree.root()).args(["--format", "json", "."]).output().unwrap();
    let doc = json(&out.stdout);
    assert_eq!(doc["summary"]["test_code"], 2);
    assert_eq!(doc["summary"]["test_files_skipped"], 5);
    assert_eq!(doc["summary"]["files_parsed"], 2);
    assert!(doc["diagnostics"].as_array().unwrap().iter().all(|d| d["test_code"] == false));
    let out = rpclint(tree.root()).args(["--format", "human", "--color", "never", "."]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.trim_end().ends_with(
            "Found 3 problems (2 errors, 1 warning) in 2 files; 2 in test code not shown, \
             5 test files naming an API not analysed (--include-tests)."
        ),
        "{text}"
    );
    // With them: every file parsed, nothing counted as left out.
    let out = rpclint(tree.root()).args(["--include-tests", "--format", "json", "."]).output().unwrap();
    let doc = json(&out.stdout);
    assert_eq!(doc["summary"]["files_parsed"], 7);
    assert_eq!(
        (doc["summary"]["test_code"].as_u64(), doc["summary"]["test_files_skipped"].as_u64()),
        (Some(0), Some(0))
    );
}

/// A test file not analysed still defines the constants product code uses,
/// and its suppression comments are not called unused (nothing was
/// analysed to use them).
#[test]
fn a_test_file_not_analysed_serves_its_constants_and_keeps_its_suppressions() {
    let common = "#include <rpc.h>
#define CLIENT_LEVEL RPC_C_AUTHN_LEVEL_CONNECT

static RPC_STATUS bind_test_server(RPC_BINDING_HANDLE h, RPC_WSTR spn, RPC_SECURITY_QOS *qos)
{
    // rpclint: allow(missing-integrity) -- the test server cannot sign
    return RpcBindingSetAuthInfoExW(h, spn, CLIENT_LEVEL, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, qos);
}
";
    let client = "#include \"../tests/common.h\"

RPC_STATUS bind(RPC_BINDING_HANDLE h, RPC_WSTR spn, RPC_SECURITY_QOS *qos)
{
    return RpcBindingSetAuthInfoExW(h, spn, CLIENT_LEVEL, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, qos);
}
";
    let tree = Tree::new(&[("tests/common.h", common), ("src/client.c", client)]);
    let check = |include: bool| {
        let mut cmd = rpclint(tree.root());
        if include {
            cmd.arg("--include-tests");
        }
        json(&cmd.args(["--report-unused-suppressions", "--format", "json", "."]).output().unwrap().stdout)
    };
    let shown = |doc: &serde_json::Value| -> Vec<String> {
        doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let at = format!("{}:{}", d["path"].as_str().unwrap(), d["span"]["start"]["line"]);
                format!("{at} {} suppressed={}", d["rule"].as_str().unwrap(), d["suppressed"] != false)
            })
            .collect()
    };
    let default = check(false);
    assert_eq!(shown(&default), ["src/client.c:5 missing-integrity suppressed=false"], "{default:#}");
    assert_eq!(default["summary"]["test_files_skipped"], 1);
    let included = check(true);
    assert_eq!(
        shown(&included),
        ["src/client.c:5 missing-integrity suppressed=false", "tests/common.h:7 missing-integrity suppressed=true"],
        "{included:#}"
    );
}

/// A tree named by its absolute path from outside it (and outside any
/// repository) is its own project root: its `tests/` is test code, and the
/// fingerprints are those of a run from inside.
#[test]
fn a_tree_checked_from_outside_is_its_own_root() {
    let tree = tree();
    let elsewhere = Tree::new(&[]);
    let run =
        |cwd: &Path, path: &Path| json(&rpclint(cwd).args(["--format", "json"]).arg(path).output().unwrap().stdout);
    let inside = run(tree.root(), Path::new("."));
    let outside = run(elsewhere.root(), tree.root());
    let fingerprints = |doc: &serde_json::Value| -> Vec<String> {
        doc["diagnostics"].as_array().unwrap().iter().map(|d| d["fingerprint"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(fingerprints(&outside).len(), PRODUCT.len(), "{outside:#}");
    assert_eq!(fingerprints(&outside), fingerprints(&inside));
    assert_eq!(outside["summary"]["test_files_skipped"], 5);
    assert_eq!(outside["summary"]["test_code"], 2);
}

#[test]
fn include_tests_reports_them_marked() {
    let tree = tree();
    let all = run_findings(rpclint(tree.root()).args(["--include-tests", "."]));
    assert_eq!(all.len(), 15, "{all:#?}");
    for expected in [
        "src/lib.rs:12: error[missing-integrity]",
        "src/lib.rs:18: error[missing-integrity]",
        "tests/client.c:5: error[missing-integrity]",
        "Testing/Unit/client.c:10: warning[missing-privacy]",
        "src/client_test.c:5: error[missing-integrity]",
        "src/test_client.cpp:5: error[missing-integrity]",
        "src/ClientTests.cpp:5: error[missing-integrity]",
    ] {
        assert!(all.iter().any(|f| f == expected), "{expected} in {all:#?}");
    }
    let out = rpclint(tree.root()).args(["--include-tests", "--format", "json", "."]).output().unwrap();
    let doc = json(&out.stdout);
    assert_eq!(doc["summary"]["test_code"], 0);
    let marked: Vec<String> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["test_code"] == true)
        .map(|d| format!("{}:{}", d["path"].as_str().unwrap(), d["span"]["start"]["line"]))
        .collect();
    assert_eq!(marked.len(), 12, "{marked:#?}");
    assert!(!marked.iter().any(|m| m == "src/lib.rs:5" || m.starts_with("src/client.c")), "{marked:#?}");
    let out = rpclint(tree.root()).args(["--include-tests", "--format", "sarif", "."]).output().unwrap();
    let log = json(&out.stdout);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let tagged = results.iter().filter(|r| r["properties"]["tags"] == serde_json::json!(["test-code"])).count();
    assert_eq!((results.len(), tagged), (15, 12));
}

#[test]
fn fingerprints_do_not_depend_on_include_tests() {
    let tree = tree();
    let fingerprints = |include: bool| -> Vec<String> {
        let mut cmd = rpclint(tree.root());
        if include {
            cmd.arg("--include-tests");
        }
        let out = cmd.args(["--format", "json", "."]).output().unwrap();
        json(&out.stdout)["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["test_code"] == false)
            .map(|d| d["fingerprint"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(fingerprints(false), fingerprints(true));
}

#[test]
fn configuration_reports_test_code_and_names_more_of_it() {
    let tree =
        Tree::new(&[("rpclint.toml", "test-code = \"report\"\n"), ("tests/client.c", CLIENT), ("qa/client.c", CLIENT)]);
    assert_eq!(run_findings(rpclint(tree.root()).arg(".")).len(), 4);
    let tree = Tree::new(&[
        ("rpclint.toml", "test-paths = [\"qa/\", \"*_check.c\"]\n"),
        ("qa/client.c", CLIENT),
        ("src/client_check.c", CLIENT),
        ("src/client.c", CLIENT),
    ]);
    assert_eq!(
        run_findings(rpclint(tree.root()).arg(".")),
        ["src/client.c:5: error[missing-integrity]", "src/client.c:10: warning[missing-privacy]"]
    );
    assert_eq!(run_findings(rpclint(tree.root()).args(["--include-tests", "."])).len(), 6);
    let tree = Tree::new(&[("rpclint.toml", "test-code = \"maybe\"\n"), ("a.c", CLIENT)]);
    rpclint(tree.root()).assert().code(2).stderr(predicates::str::contains(
        "rpclint.toml:1:13: unknown value \"maybe\"; expected one of \"skip\", \"report\"",
    ));
}

#[test]
fn directories_above_the_project_are_not_test_code() {
    let outer = Tree::new(&[("tests/project/src/client.c", CLIENT)]);
    let project = outer.root().join("tests/project");
    assert_eq!(
        run_findings(rpclint(&project).arg(".")),
        ["src/client.c:5: error[missing-integrity]", "src/client.c:10: warning[missing-privacy]"]
    );
    // A file named explicitly is judged the same way as when walked.
    let out = rpclint(&project).arg(Path::new("src").join("client.c")).output().unwrap();
    assert_eq!(findings(&out.stdout).len(), 2);
    let out = rpclint(outer.root()).arg("tests/project/src/client.c").output().unwrap();
    assert_eq!(findings(&out.stdout).len(), 0, "under the project's own tests/");
}
