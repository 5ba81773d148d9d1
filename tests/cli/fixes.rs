//! `check --fix`, `--unsafe-fixes` and `--diff` on the command line: what
//! is written (and what is not), the summary line, idempotence, and that a
//! file outside the paths given is never touched.

use std::fs;
use std::process::Command;

use super::Tree;
use super::project::{CLIENT, findings, rpclint, rpclint_default};

/// `CLIENT` with `CONNECT` (an error, safe fix) and `PKT_INTEGRITY` (a
/// warning, unsafe fix) both fixed: what `--unsafe-fixes` writes.
fn all_fixed() -> String {
    CLIENT
        .replace("RPC_C_AUTHN_LEVEL_CONNECT", "RPC_C_AUTHN_LEVEL_PKT_PRIVACY")
        .replace("RPC_C_AUTHN_LEVEL_PKT_INTEGRITY", "RPC_C_AUTHN_LEVEL_PKT_PRIVACY")
}

#[test]
fn diff_prints_the_safe_fixes_and_writes_nothing() {
    let tree = Tree::new(&[("client.c", CLIENT)]);
    let out = rpclint(tree.root()).args(["--diff", "client.c"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let diff = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        diff,
        "--- a/client.c\n+++ b/client.c\n@@ -2,7 +2,7 @@\n \n RPC_STATUS bind(RPC_BINDING_HANDLE h, RPC_WSTR spn, RPC_SECURITY_QOS *qos)\n {\n-    return RpcBindingSetAuthInfoExW(h, spn, RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, qos);\n+    return RpcBindingSetAuthInfoExW(h, spn, RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, qos);\n }\n \n RPC_STATUS bind_signed(RPC_BINDING_HANDLE h, RPC_WSTR spn, RPC_SECURITY_QOS *qos)\n"
    );
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "Would fix 1 problem; 1 would remain. 1 more fixable with --unsafe-fixes.\n"
    );
    assert_eq!(fs::read_to_string(tree.root().join("client.c")).unwrap(), CLIENT, "--diff writes nothing");

    // Nothing to fix: no diff, exit 0.
    let tree = Tree::new(&[("client.c", &all_fixed())]);
    let out = rpclint(tree.root()).args(["--diff", "client.c"]).output().unwrap();
    assert_eq!((out.status.code(), out.stdout.is_empty()), (Some(0), true));
}

#[test]
fn fix_applies_the_safe_fixes_and_says_what_remains() {
    let tree = Tree::new(&[("client.c", CLIENT)]);
    let out =
        rpclint(tree.root()).args(["--fix", "--format", "human", "--color", "never", "client.c"]).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert_eq!(
        stdout.lines().last().unwrap(),
        "Fixed 1 problem. Found 1 problem (1 warning) in 1 file. 1 more fixable with --unsafe-fixes."
    );
    // The report is the one of the fixed file: only the warning is left.
    assert!(stdout.contains("warning[missing-privacy]") && !stdout.contains("error[missing-integrity]"), "{stdout}");
    let fixed = fs::read_to_string(tree.root().join("client.c")).unwrap();
    assert_eq!(fixed, CLIENT.replace("RPC_C_AUTHN_LEVEL_CONNECT", "RPC_C_AUTHN_LEVEL_PKT_PRIVACY"));

    // A second --fix changes nothing.
    let out = rpclint(tree.root()).args(["--fix", "--format", "human", "client.c"]).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.ends_with(
            "Fixed 0 problems. Found 1 problem (1 warning) in 1 file. 1 more fixable with --unsafe-fixes.\n"
        ),
        "{stdout}"
    );
    assert_eq!(fs::read_to_string(tree.root().join("client.c")).unwrap(), fixed);
}

#[test]
fn unsafe_fixes_apply_the_rest_and_keep_crlf() {
    let crlf = CLIENT.replace('\n', "\r\n");
    let tree = Tree::new(&[("client.c", &crlf)]);
    let out = rpclint(tree.root()).args(["--unsafe-fixes", "--format", "human", "client.c"]).output().unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert_eq!(stdout, "Fixed 2 problems. No problems found in 1 file.\n");
    assert_eq!(fs::read_to_string(tree.root().join("client.c")).unwrap(), all_fixed().replace('\n', "\r\n"));
}

#[test]
fn fixes_stay_inside_the_paths_given() {
    // The level comes from a header next to the file; only the file is checked
    // (the header is read for its constants, as in `--changed-since` runs).
    let header = "#define LEVEL RPC_C_AUTHN_LEVEL_CONNECT\n";
    let client = "#include \"sec.h\"\nRPC_STATUS bind(RPC_BINDING_HANDLE h, RPC_WSTR spn, RPC_SECURITY_QOS *qos)\n{\n    return RpcBindingSetAuthInfoExW(h, spn, LEVEL, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, qos);\n}\n";
    let tree = Tree::new(&[("src/sec.h", header), ("src/client.c", client)]);
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args(["-c", "user.email=t@t", "-c", "user.name=t"])
            .args(args)
            .current_dir(tree.root())
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q", "."]);
    git(&["add", "."]);
    git(&["commit", "-qm", "x"]);
    fs::write(tree.root().join("src/client.c"), format!("{client}\n")).unwrap();
    let out = rpclint(tree.root()).args(["--unsafe-fixes", "--changed-since", "HEAD", "src"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(fs::read_to_string(tree.root().join("src/sec.h")).unwrap(), header, "the header was not given");

    // Given, it is fixed (an unsafe fix: a shared definition).
    let out = rpclint(tree.root()).args(["--fix", "src"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(fs::read_to_string(tree.root().join("src/sec.h")).unwrap(), header, "--fix leaves unsafe fixes");
    let out = rpclint(tree.root()).args(["--unsafe-fixes", "src"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(
        fs::read_to_string(tree.root().join("src/sec.h")).unwrap(),
        "#define LEVEL RPC_C_AUTHN_LEVEL_PKT_PRIVACY\n"
    );
}

#[test]
fn fix_refuses_standard_input_and_a_baseline_being_written() {
    let tree = Tree::new(&[("client.c", CLIENT)]);
    let out = rpclint(tree.root()).args(["--fix", "--stdin-filename", "client.c"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("use --diff"));
    let out = rpclint(tree.root()).args(["--fix", "--write-baseline", "b.json", "client.c"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn json_and_sarif_carry_the_fix() {
    let tree = Tree::new(&[("client.c", CLIENT)]);
    let out = rpclint(tree.root()).args(["--format", "json", "client.c"]).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fix = &doc["diagnostics"][0]["fix"];
    assert_eq!(fix["applicability"], "safe", "{doc:#}");
    assert_eq!(fix["edits"][0]["replacement"], "RPC_C_AUTHN_LEVEL_PKT_PRIVACY");
    assert_eq!(fix["edits"][0]["span"]["start"]["line"], 5);
    let out = rpclint(tree.root()).args(["--format", "sarif", "client.c"]).output().unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let change = &doc["runs"][0]["results"][0]["fixes"][0]["artifactChanges"][0];
    assert_eq!(change["artifactLocation"]["uri"], "client.c");
    assert_eq!(change["replacements"][0]["insertedContent"]["text"], "RPC_C_AUTHN_LEVEL_PKT_PRIVACY");
}

/// `unused-suppression`'s fix: a comment with no name left goes with its
/// line, an unused name goes from a comment that keeps another, and a
/// comment holding more than the directive is left alone.
#[test]
fn unused_suppressions_are_removed_by_the_unsafe_fix() {
    let source = "#include <rpc.h>\nvoid f(RPC_BINDING_HANDLE h)\n{\n    // rpclint: allow(missing-integrity) -- legacy peer\n    RpcBindingSetAuthInfoW(h, NULL, RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0);\n    RpcBindingSetAuthInfoW(h, NULL, RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0); /* rpclint: allow(missing-privacy, missing-integrity) */\n    RpcBindingSetAuthInfoW(h, NULL, RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0); /* see #12 rpclint: allow(missing-integrity) */\n}\n";
    let tree = Tree::new(&[("a.c", source)]);
    let args = ["--select", "missing-integrity,missing-privacy", "--report-unused-suppressions"];
    // Unsafe: `--fix` alone leaves the comments.
    let out = rpclint_default(tree.root()).args(args).args(["--fix", "a.c"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(fs::read_to_string(tree.root().join("a.c")).unwrap(), source);
    let out = rpclint_default(tree.root()).args(args).args(["--unsafe-fixes", "a.c"]).output().unwrap();
    let fixed = fs::read_to_string(tree.root().join("a.c")).unwrap();
    let want = source
        .replace("    // rpclint: allow(missing-integrity) -- legacy peer\n", "")
        .replace("allow(missing-privacy, missing-integrity)", "allow(missing-integrity)");
    assert_eq!(fixed, want, "{}", String::from_utf8_lossy(&out.stderr));
    // The comment with other text in it is still reported, without a fix.
    assert_eq!(findings(&out.stdout), ["a.c:6: warning[unused-suppression]"]);
    let again = rpclint_default(tree.root()).args(args).args(["--unsafe-fixes", "a.c"]).output().unwrap();
    assert_eq!(findings(&again.stdout), ["a.c:6: warning[unused-suppression]"]);
    assert_eq!(fs::read_to_string(tree.root().join("a.c")).unwrap(), want, "a second run changes nothing");
}
