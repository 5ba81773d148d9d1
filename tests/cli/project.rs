//! The binary on real code with the project features: `rpclint.toml`,
//! `--select`/`--ignore` against it, suppressions, baselines, `--format
//! github`, `--sarif-file`, `--changed-since`, `--stdin-filename`.

use std::fs;
use std::path::Path;
use std::process::Command;

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;

use super::Tree;

/// One `missing-integrity` (line 5) and one `missing-privacy` (line 10).
pub(super) const CLIENT: &str = "#include <rpc.h>

RPC_STATUS bind(RPC_BINDING_HANDLE h, RPC_WSTR spn, RPC_SECURITY_QOS *qos)
{
    return RpcBindingSetAuthInfoExW(h, spn, RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, qos);
}

RPC_STATUS bind_signed(RPC_BINDING_HANDLE h, RPC_WSTR spn, RPC_SECURITY_QOS *qos)
{
    return RpcBindingSetAuthInfoExW(h, spn, RPC_C_AUTHN_LEVEL_PKT_INTEGRITY, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, qos);
}
";

/// `excessive-impersonation` at the default ceiling (identify), a warning.
const IMPERSONATE: &str = "#include <objidl.h>

HRESULT secure(IUnknown *p)
{
    return CoSetProxyBlanket(p, RPC_C_AUTHN_GSS_KERBEROS, RPC_C_AUTHZ_NONE, L\"host/x\", RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
                             RPC_C_IMP_LEVEL_IMPERSONATE, NULL, EOAC_NONE);
}
";

pub(super) fn rpclint(dir: &Path) -> assert_cmd::Command {
    let mut cmd = rpclint_default(dir);
    // Every rule: these tests are about the command line, not about which
    // rules are in the default set (missing-integrity is in the audit group).
    cmd.arg("--select=all");
    cmd
}

/// The binary with the default set of rules.
pub(super) fn rpclint_default(dir: &Path) -> assert_cmd::Command {
    let mut cmd = cargo_bin_cmd!("rpclint");
    // Not a terminal: the default format is `short`.
    cmd.current_dir(dir);
    cmd
}

/// `path:line: severity[rule]` of each finding in short output.
pub(super) fn findings(out: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| {
            let mut parts = l.splitn(4, ':');
            let (path, line, _col, rest) =
                (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
            format!("{path}:{line}:{}", rest.split(':').next().unwrap())
        })
        .collect()
}

pub(super) fn run_findings(cmd: &mut assert_cmd::Command) -> Vec<String> {
    findings(&cmd.output().unwrap().stdout)
}

// ------------------------------------------------------------ configuration

#[test]
fn config_errors_name_file_line_and_what_was_expected() {
    let cases: &[(&str, &str)] = &[
        (
            "minimum-authn-level = \"pkt-privacy\"\nseverty = \"error\"\n",
            "rpclint: error: rpclint.toml:2:1: unknown key \"severty\"; expected one of impersonation-ceiling, minimum-authn-level, include, exclude, test-code, test-paths, audit, rules, function, method, struct, helper, constants\n",
        ),
        (
            "exclued = []\n",
            "rpclint: error: rpclint.toml:1:1: unknown key \"exclued\"; did you mean \"exclude\"? expected one of impersonation-ceiling, minimum-authn-level, include, exclude, test-code, test-paths, audit, rules, function, method, struct, helper, constants\n",
        ),
        (
            "include = \"src\"\n",
            "rpclint: error: rpclint.toml:1:11: wrong type: expected a sequence, found string \"src\"\n",
        ),
        (
            "impersonation-ceiling = \"none\"\n",
            "rpclint: error: rpclint.toml:1:25: unknown value \"none\"; expected one of \"anonymous\", \"identify\", \"impersonate\", \"delegate\"\n",
        ),
        (
            "minimum-authn-level = \"pkt\"\n",
            "rpclint: error: rpclint.toml:1:23: unknown value \"pkt\"; expected one of \"pkt-integrity\", \"pkt-privacy\"\n",
        ),
        (
            "[rules]\nmissing-privacy = \"fatal\"\n",
            "rpclint: error: rpclint.toml:2:19: unknown value \"fatal\"; expected one of \"off\", \"error\", \"warning\", \"note\"\n",
        ),
        ("[rules]\nmissing-privacy = 1\n", "rpclint: error: rpclint.toml:2:19: wrong type: expected a string\n"),
        (
            "exclude = [\"{vendor\"]\n",
            "rpclint: error: rpclint.toml:1:12: invalid glob \"{vendor\": unclosed alternate group; missing '}' (maybe escape '{' with '[{]'?)\n",
        ),
        ("[rules\n", "rpclint: error: rpclint.toml:1:7: unclosed table, expected `]`\n"),
    ];
    for (toml, expected) in cases {
        let tree = Tree::new(&[("rpclint.toml", toml), ("a.c", CLIENT)]);
        rpclint(tree.root()).assert().code(2).stdout("").stderr(*expected);
    }
    // An unknown rule name lists the known ones.
    let tree = Tree::new(&[("rpclint.toml", "[rules]\nmissing-integrty = \"off\"\n"), ("a.c", CLIENT)]);
    rpclint(tree.root()).assert().code(2).stderr(predicate::str::starts_with(
        "rpclint: error: rpclint.toml:2:1: unknown rule \"missing-integrty\"; did you mean \"missing-integrity\"? expected one of auth-level-downgrade, com-no-access-check, excessive-impersonation,",
    ));
    // Knowledge-base entries are checked as strictly.
    let tree = Tree::new(&[("rpclint.toml", "[[function]]\nname = \"F\"\nparms = []\n"), ("a.c", CLIENT)]);
    rpclint(tree.root()).assert().code(2).stderr(predicate::str::starts_with(
        "rpclint: error: rpclint.toml:3:1: unknown key \"parms\"; did you mean \"params\"? expected one of name, interface,",
    ));
}

#[test]
fn config_is_found_walking_up_from_the_first_path() {
    let tree = Tree::new(&[("rpclint.toml", "[rules]\nmissing-integrity = \"off\"\n"), ("src/net/a.c", CLIENT)]);
    assert_eq!(run_findings(rpclint(tree.root()).arg("src/net")), ["src/net/a.c:10: warning[missing-privacy]"]);
    assert_eq!(
        run_findings(rpclint(&tree.root().join("src")).arg("net/a.c")),
        ["net/a.c:10: warning[missing-privacy]"]
    );
    // From elsewhere, by absolute path.
    let other = tempfile::tempdir().unwrap();
    let out = rpclint(other.path()).arg(tree.p("src")).output().unwrap();
    assert_eq!(findings(&out.stdout).len(), 1, "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn config_flag_and_isolated() {
    let tree = Tree::new(&[
        ("rpclint.toml", "severty = 1\n"),
        ("ci/strict.toml", "[rules]\nmissing-privacy = \"error\"\n"),
        ("a.c", CLIENT),
    ]);
    // The broken nearest file is not read with --config or --isolated.
    assert_eq!(
        run_findings(rpclint(tree.root()).args(["--config", "ci/strict.toml"])),
        ["a.c:5: error[missing-integrity]", "a.c:10: error[missing-privacy]"]
    );
    assert_eq!(
        run_findings(rpclint(tree.root()).arg("--isolated")),
        ["a.c:5: error[missing-integrity]", "a.c:10: warning[missing-privacy]"]
    );
    rpclint(tree.root())
        .args(["--config", "nope.toml"])
        .assert()
        .code(2)
        .stderr("rpclint: error: nope.toml: cannot read: no such file or directory\n");
    rpclint(tree.root())
        .args(["--config", "ci/strict.toml", "--isolated"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
}

#[test]
fn rules_table_sets_severity_and_off_and_the_command_line_wins() {
    let toml = "[rules]\nmissing-integrity = \"note\"\nmissing-privacy = \"off\"\n";
    let tree = Tree::new(&[("rpclint.toml", toml), ("a.c", CLIENT)]);
    assert_eq!(run_findings(&mut rpclint_default(tree.root())), ["a.c:5: note[missing-integrity]"]);
    // A note does not fail the run at the default --fail-on warning.
    rpclint_default(tree.root()).assert().code(0);
    rpclint_default(tree.root()).args(["--fail-on", "note"]).assert().code(1);
    // --select runs a rule the configuration turns off; --ignore drops one it configures.
    assert_eq!(
        run_findings(rpclint_default(tree.root()).args(["--select", "missing-privacy"])),
        ["a.c:10: warning[missing-privacy]"]
    );
    assert_eq!(
        run_findings(rpclint_default(tree.root()).args(["--ignore", "missing-integrity"])),
        Vec::<String>::new()
    );
    rpclint_default(tree.root())
        .args(["--select", "missing-integrity,nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with("rpclint: error: unknown rule `nope` in --select; known rules: "));
}

#[test]
fn impersonation_ceiling_and_minimum_authn_level() {
    let tree = Tree::new(&[("a.cpp", IMPERSONATE), ("b.c", CLIENT)]);
    assert!(run_findings(&mut rpclint(tree.root())).contains(&"a.cpp:6: warning[excessive-impersonation]".to_string()));
    fs::write(tree.root().join("rpclint.toml"), "impersonation-ceiling = \"impersonate\"\n").unwrap();
    assert!(!run_findings(&mut rpclint(tree.root())).iter().any(|f| f.contains("excessive-impersonation")));
    fs::write(
        tree.root().join("rpclint.toml"),
        "impersonation-ceiling = \"anonymous\"\nminimum-authn-level = \"pkt-integrity\"\n",
    )
    .unwrap();
    assert_eq!(
        run_findings(&mut rpclint(tree.root())),
        ["a.cpp:6: warning[excessive-impersonation]", "b.c:5: error[missing-integrity]"]
    );
}

#[test]
fn include_and_exclude_globs_are_relative_to_the_config_file() {
    let tree = Tree::new(&[
        ("rpclint.toml", "include = [\"src/\"]\nexclude = [\"src/vendor/\", \"*_test.c\"]\n"),
        ("src/a.c", CLIENT),
        ("src/a_test.c", CLIENT),
        ("src/vendor/v.c", CLIENT),
        ("tools/t.c", CLIENT),
    ]);
    let paths = |cmd: &mut assert_cmd::Command| -> Vec<String> {
        let mut p: Vec<String> = run_findings(cmd).iter().map(|f| f.split(':').next().unwrap().to_string()).collect();
        p.dedup();
        p
    };
    assert_eq!(paths(&mut rpclint(tree.root())), ["src/a.c"]);
    // Also from a subdirectory, and for files named on the command line (pre-commit).
    assert_eq!(paths(&mut rpclint(&tree.root().join("src"))), ["a.c"]);
    assert_eq!(paths(rpclint(tree.root()).args(["src/vendor/v.c", "tools/t.c", "src/a.c"])), ["src/a.c"]);
}

#[test]
fn configured_wrapper_and_verifier_are_apis_for_the_rules() {
    let toml = "[[function]]\nname = \"MyBind\"\nparams = [{ name = \"handle\", role = \"binding\" }, { name = \"level\", role = \"authn-level\" }]\n\
                [[function]]\nname = \"MyBindAs\"\nparams = [{ name = \"handle\", role = \"binding\" }, { name = \"spn\", role = \"server-principal\" }, { name = \"level\", role = \"authn-level\" }]\n\
                [[helper]]\nnames = [\"IsTrusted\"]\nkind = \"compare\"\n";
    let code = "void a(RPC_BINDING_HANDLE h) { MyBind(h, RPC_C_AUTHN_LEVEL_CALL); }\n\
                void b(RPC_BINDING_HANDLE h) { RPC_WSTR n; RpcMgmtInqServerPrincNameW(h, 9, &n); MyBindAs(h, n, 6); }\n\
                void c(RPC_BINDING_HANDLE h) { RPC_WSTR n; RpcMgmtInqServerPrincNameW(h, 9, &n); if (!IsTrusted(n)) return; MyBindAs(h, n, 6); }\n";
    let tree = Tree::new(&[("rpclint.toml", toml), ("wrap.c", code)]);
    assert_eq!(
        run_findings(&mut rpclint(tree.root())),
        ["wrap.c:1: error[missing-integrity]", "wrap.c:2: error[unverified-server-principal]"]
    );
    assert_eq!(run_findings(rpclint(tree.root()).arg("--isolated")), Vec::<String>::new());
}

#[test]
fn configured_method_struct_and_constants() {
    let toml = "[[method]]\ninterface = \"IAppChannel\"\nname = \"Secure\"\nparams = [{ name = \"level\", role = \"authn-level\" }]\n\
                [[struct]]\nname = \"APP_SECURITY\"\nfields = [{ name = \"Flags\" }, { name = \"Level\", role = \"authn-level\" }]\n\
                [[function]]\nname = \"AppSecure\"\nparams = [{ name = \"settings\", role = \"qos\", struct = \"APP_SECURITY\" }]\n\
                [constants.\"app.h\"]\nAPP_LEVEL = 2\n";
    let code = "void a(IAppChannel *c) { c->Secure(APP_LEVEL); }\n\
                void b(void) { APP_SECURITY s; s.Flags = 0; s.Level = RPC_C_AUTHN_LEVEL_CALL; AppSecure(&s); }\n\
                void c(Widget *w) { w->Secure(1, 2); }\n";
    let tree = Tree::new(&[("rpclint.toml", toml), ("app.cpp", code)]);
    assert_eq!(
        run_findings(&mut rpclint(tree.root())),
        ["app.cpp:1: error[missing-integrity]", "app.cpp:2: error[missing-integrity]"]
    );
}

#[test]
fn config_show_prints_the_effective_configuration() {
    let toml = "impersonation-ceiling = \"delegate\"\nexclude = [\"gen/\"]\n[rules]\nmissing-privacy = \"off\"\n\
                [[helper]]\nnames = [\"IsTrusted\"]\nkind = \"compare\"\n";
    let tree = Tree::new(&[("rpclint.toml", toml)]);
    let out = cargo_bin_cmd!("rpclint").current_dir(tree.root()).args(["config", "--show"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for line in [
        "# configuration file: rpclint.toml\n",
        "impersonation-ceiling = \"delegate\"\n",
        "minimum-authn-level = \"pkt-privacy\"\n",
        "exclude = [\"gen/\"]\n",
        "missing-privacy = \"off\"\n",
        "missing-integrity = \"off\"  # audit group: --select audit, or audit = true\n",
        "test-code = \"skip\"\n",
        "audit = false\n",
        "unused-suppression = \"off\"\n",
        "names = [\"IsTrusted\"]\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in:\n{text}");
    }
    let show = |args: &[&str]| {
        let out = cargo_bin_cmd!("rpclint").current_dir(tree.root()).arg("config").args(args).output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let text = show(&["--show", "--select", "missing-privacy", "--report-unused-suppressions"]);
    assert!(text.contains("missing-privacy = \"warning\"  # default\n"), "{text}");
    assert!(text.contains("missing-integrity = \"off\"\n"), "{text}");
    assert!(text.contains("unused-suppression = \"warning\"  # default\n"), "{text}");
    assert!(show(&["--show", "--isolated"]).starts_with("# no configuration file: built-in defaults\n"));
}

// ------------------------------------------------------------ suppressions

const SUPPRESSED: &str = "#include <rpc.h>

RPC_STATUS a(RPC_BINDING_HANDLE h, RPC_WSTR spn, RPC_SECURITY_QOS *qos)
{
    // rpclint: allow(missing-integrity) -- the 2008 server cannot sign
    return RpcBindingSetAuthInfoExW(h, spn, RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, qos);
}

RPC_STATUS b(RPC_BINDING_HANDLE h, RPC_WSTR spn, RPC_SECURITY_QOS *qos)
{
    return RpcBindingSetAuthInfoExW(h, spn, 5, 9, NULL, 0, qos); /* rpclint: allow(missing-privacy, no-such-rule) */
}

RPC_STATUS c(RPC_BINDING_HANDLE h, RPC_WSTR spn, RPC_SECURITY_QOS *qos)
{
    // rpclint: allow(excessive-impersonation)
    return RpcBindingSetAuthInfoExW(h, spn, 2, 9, NULL, 0, qos);
}
";

#[test]
fn suppressions_silence_their_line_and_are_kept_in_json_and_sarif() {
    let tree = Tree::new(&[("a.c", SUPPRESSED)]);
    rpclint(tree.root())
        .assert()
        .code(1)
        .stdout("a.c:17:45: error[missing-integrity]: authentication level `RPC_C_AUTHN_LEVEL_CONNECT` passed as `AuthnLevel` to `RpcBindingSetAuthInfoExW` does not protect message integrity\n")
        .stderr(predicate::str::starts_with(
            "rpclint: warning: a.c:11:101: unknown rule `no-such-rule` in suppression comment; known rules: auth-level-downgrade, com-no-access-check, excessive-impersonation,",
        ));
    let out = rpclint(tree.root()).args(["--format", "sarif"]).output().unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(
        results[0]["suppressions"],
        serde_json::json!([{"kind": "inSource", "justification": "the 2008 server cannot sign"}])
    );
    assert_eq!(results[1]["suppressions"], serde_json::json!([{"kind": "inSource"}]));
    assert!(results[2].get("suppressions").is_none());
    let out = rpclint(tree.root()).args(["--format", "json"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["suppressed"], 2);
}

/// A finding points at the argument (line 7, 13, 19, 26) of a call that
/// starts a line earlier: a comment above the call, on its first line or on
/// the argument's line suppresses it; one on another line of the call does not.
const SUPPRESSED_SPLIT: &str = "#include <rpc.h>

RPC_STATUS above(RPC_BINDING_HANDLE h, RPC_WSTR spn, RPC_SECURITY_QOS *qos)
{
    // rpclint: allow(missing-integrity) -- above the call
    return RpcBindingSetAuthInfoExW(h, spn,
        RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, qos);
}

RPC_STATUS first_line(RPC_BINDING_HANDLE h, RPC_WSTR spn, RPC_SECURITY_QOS *qos)
{
    return RpcBindingSetAuthInfoExW(h, spn, // rpclint: allow(missing-integrity) -- on the call's first line
        RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, qos);
}

RPC_STATUS argument_line(RPC_BINDING_HANDLE h, RPC_WSTR spn, RPC_SECURITY_QOS *qos)
{
    return RpcBindingSetAuthInfoExW(h, spn,
        RPC_C_AUTHN_LEVEL_CONNECT, // rpclint: allow(missing-integrity) -- on the argument's line
        RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, qos);
}

RPC_STATUS other_line(RPC_BINDING_HANDLE h, RPC_WSTR spn, RPC_SECURITY_QOS *qos)
{
    return RpcBindingSetAuthInfoExW(h, spn,
        RPC_C_AUTHN_LEVEL_CONNECT,
        RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, qos); // rpclint: allow(missing-integrity) -- a line of neither
}
";

/// The same in Rust: the argument's line.
const SUPPRESSED_SPLIT_RS: &str = "fn bind(h: *mut c_void) {
    unsafe {
        let _ = RpcBindingSetAuthInfoExW(
            h,
            None,
            RPC_C_AUTHN_LEVEL_CONNECT, // rpclint: allow(missing-integrity) -- on the argument's line
            RPC_C_AUTHN_GSS_NEGOTIATE,
            None,
            0,
            None,
        );
    }
}
";

#[test]
fn suppression_above_the_call_on_its_first_line_or_on_the_arguments_line() {
    let tree = Tree::new(&[("a.c", SUPPRESSED_SPLIT), ("b.rs", SUPPRESSED_SPLIT_RS)]);
    let out = rpclint(tree.root()).args(["--format", "json", "--select", "missing-integrity"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(String, u64, u64, serde_json::Value)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "missing-integrity")
        .map(|d| {
            let line = |k: &str| d[k]["start"]["line"].as_u64().unwrap();
            (d["path"].as_str().unwrap().to_string(), line("span"), line("primary"), d["suppressed"].clone())
        })
        .collect();
    let by = |why: &str| serde_json::json!({ "justification": why });
    assert_eq!(
        found,
        [
            ("a.c".to_string(), 6, 7, by("above the call")),
            ("a.c".to_string(), 12, 13, by("on the call's first line")),
            ("a.c".to_string(), 18, 19, by("on the argument's line")),
            ("a.c".to_string(), 25, 26, serde_json::json!(false)),
            ("b.rs".to_string(), 3, 6, by("on the argument's line")),
        ]
    );
    // The comment on a line of neither is unused.
    let mut cmd = rpclint_default(tree.root());
    cmd.args(["a.c", "--select", "missing-integrity", "--report-unused-suppressions"]);
    assert_eq!(run_findings(&mut cmd), ["a.c:26: error[missing-integrity]", "a.c:27: warning[unused-suppression]"]);
}

#[test]
fn allow_file_and_unused_suppressions() {
    let file = "// rpclint: allow-file(missing-privacy) -- public payload\n".to_string() + CLIENT;
    let tree = Tree::new(&[("a.c", &file), ("b.c", SUPPRESSED)]);
    assert_eq!(run_findings(rpclint(tree.root()).arg("a.c")), ["a.c:6: error[missing-integrity]"]);
    // Unused ones are reported only on request (or by configuration).
    assert_eq!(
        run_findings(rpclint(tree.root()).args(["--report-unused-suppressions", "b.c"])),
        ["b.c:16: warning[unused-suppression]", "b.c:17: error[missing-integrity]"]
    );
    fs::write(tree.root().join("rpclint.toml"), "[rules]\nunused-suppression = \"error\"\n").unwrap();
    rpclint_default(tree.root())
        .args(["b.c", "--select", "unused-suppression,excessive-impersonation"])
        .assert()
        .code(1)
        .stdout("b.c:16:23: error[unused-suppression]: unused suppression: `excessive-impersonation` does not fire on line 17\n");
    // A rule that did not run is not reported as unused.
    rpclint_default(tree.root())
        .args(["b.c", "--ignore", "excessive-impersonation", "--select", "unused-suppression"])
        .assert()
        .code(0);
}

// ---------------------------------------------------------------- baseline

/// `tests/data/spans/baseline.json` was written by rpclint before findings
/// pointed at their arguments: fingerprints hash the call, so the baseline
/// still matches every finding, including those whose primary span moved to
/// a later line and two identical calls told apart by their rank.
#[test]
fn a_baseline_written_before_findings_pointed_at_arguments_still_matches() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = |extra: &[&str]| -> serde_json::Value {
        let out = cargo_bin_cmd!("rpclint")
            .current_dir(root)
            .args(["check", "--select=all", "--isolated", "--include-tests", "--format", "json"])
            .args(extra)
            .arg("tests/data/spans")
            .output()
            .unwrap();
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let stored: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(root.join("tests/data/spans/baseline.json")).unwrap()).unwrap();
    let mut stored: Vec<&str> =
        stored["findings"].as_array().unwrap().iter().map(|f| f["fingerprint"].as_str().unwrap()).collect();
    stored.sort_unstable();
    let now = run(&[]);
    let diagnostics = now["diagnostics"].as_array().unwrap();
    let mut fingerprints: Vec<&str> = diagnostics.iter().map(|d| d["fingerprint"].as_str().unwrap()).collect();
    fingerprints.sort_unstable();
    assert_eq!(fingerprints, stored);
    let moved = diagnostics.iter().filter(|d| d["primary"]["start"]["line"] != d["span"]["start"]["line"]).count();
    assert!(moved >= 5, "the data has findings at an argument below the call's first line: {now}");
    let with_baseline = run(&["--baseline", "tests/data/spans/baseline.json"]);
    assert_eq!(with_baseline["diagnostics"], serde_json::json!([]));
    assert_eq!(with_baseline["summary"]["baselined"], stored.len());
}

#[test]
fn baseline_survives_lines_inserted_above_and_reports_only_new_findings() {
    let tree = Tree::new(&[("src/a.c", CLIENT)]);
    rpclint(tree.root())
        .args(["--write-baseline", "baseline.json", "--format", "human", "--color", "never"])
        .assert()
        .code(0)
        .stdout("No problems found in 1 file; 2 in the baseline.\n");
    let written: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(tree.p("baseline.json")).unwrap()).unwrap();
    assert_eq!(written["version"], 1);
    assert_eq!(written["findings"][0]["rule"], "missing-integrity");
    assert_eq!(written["findings"][0]["path"], "src/a.c");
    assert_eq!(written["findings"][0]["fingerprint"].as_str().map(str::len), Some(16));

    // Code moves down: still matched.
    let moved = format!("/* a new\n   header\n   comment */\n#include <windows.h>\n\n{CLIENT}");
    fs::write(tree.p("src/a.c"), &moved).unwrap();
    rpclint(tree.root()).args(["--baseline", "baseline.json"]).assert().code(0).stdout("");
    // The same from another directory: fingerprints use paths from the repository root.
    fs::create_dir(tree.root().join(".git")).unwrap();
    rpclint(&tree.root().join("src")).args(["--baseline", "../baseline.json", "."]).assert().code(0).stdout("");

    // A second copy of a recorded call is new; so is a new call.
    let grown = format!(
        "{moved}\nRPC_STATUS again(RPC_BINDING_HANDLE h, RPC_WSTR spn, RPC_SECURITY_QOS *qos)\n{{\n    return RpcBindingSetAuthInfoExW(h, spn, RPC_C_AUTHN_LEVEL_CONNECT, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, qos);\n}}\n"
    );
    fs::write(tree.p("src/a.c"), &grown).unwrap();
    assert_eq!(
        run_findings(rpclint(tree.root()).args(["--baseline", "baseline.json"])),
        ["src/a.c:20: error[missing-integrity]"]
    );
    let out = rpclint(tree.root()).args(["--baseline", "baseline.json", "--format", "sarif"]).output().unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["baselineState"], "new");
    let out = rpclint(tree.root()).args(["--baseline", "baseline.json", "--format", "json"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["summary"]["baselined"], 2);
}

#[test]
fn baseline_errors_exit_2() {
    let tree = Tree::new(&[("a.c", CLIENT), ("bad.json", "{\n  \"version\": 1,\n  \"findings\": 3\n}\n")]);
    rpclint(tree.root())
        .args(["--baseline", "missing.json"])
        .assert()
        .code(2)
        .stdout("")
        .stderr("rpclint: error: missing.json: no such file or directory\n");
    rpclint(tree.root()).args(["--baseline", "bad.json"]).assert().code(2).stderr(
        "rpclint: error: bad.json: 3:15: not a baseline file: invalid type: integer `3`, expected a sequence\n",
    );
    rpclint(tree.root())
        .args(["--write-baseline", "no/dir/b.json"])
        .assert()
        .code(2)
        .stderr("rpclint: error: no/dir/b.json: no such file or directory\n");
}

// ----------------------------------------------------------------- formats

#[test]
fn github_format_writes_workflow_commands() {
    let tree = Tree::new(&[("a,b.c", CLIENT)]);
    rpclint(tree.root())
        .args(["--format", "github"])
        .assert()
        .code(1)
        .stdout(
            "::error file=a%2Cb.c,line=5,col=45,endLine=5,endColumn=70,title=missing-integrity::authentication level `RPC_C_AUTHN_LEVEL_CONNECT` passed as `AuthnLevel` to `RpcBindingSetAuthInfoExW` does not protect message integrity%0Ahelp: pass `RPC_C_AUTHN_LEVEL_PKT_PRIVACY`, so that every message is signed and encrypted\n\
             ::warning file=a%2Cb.c,line=10,col=45,endLine=10,endColumn=76,title=missing-privacy::authentication level `RPC_C_AUTHN_LEVEL_PKT_INTEGRITY` passed as `AuthnLevel` to `RpcBindingSetAuthInfoExW` signs messages but does not encrypt them%0Ahelp: pass `RPC_C_AUTHN_LEVEL_PKT_PRIVACY`; if integrity without privacy is a deliberate choice, set `minimum-authn-level = \"pkt-integrity\"` in rpclint.toml\n",
        );
    let tree = Tree::new(&[
        ("rpclint.toml", "[rules]\nmissing-integrity = \"note\"\nmissing-privacy = \"off\"\n"),
        ("a.c", CLIENT),
    ]);
    rpclint(tree.root())
        .args(["--format", "github"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("::notice file=a.c,line=5,"));
}

#[test]
fn sarif_file_is_written_beside_the_human_output() {
    let tree = Tree::new(&[("a.c", CLIENT)]);
    rpclint(tree.root())
        .args(["--format", "human", "--color", "never", "--sarif-file", "out.sarif"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[missing-integrity]"))
        .stdout(predicate::str::ends_with("Found 2 problems (1 error, 1 warning) in 1 file.\n"));
    let sarif: serde_json::Value = serde_json::from_str(&fs::read_to_string(tree.p("out.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);
    rpclint(tree.root())
        .args(["--sarif-file", "no/dir/out.sarif"])
        .assert()
        .code(2)
        .stderr("rpclint: error: no/dir/out.sarif: no such file or directory\n");
}

// ------------------------------------------------------------ changed files

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .unwrap();
    assert!(status.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&status.stderr));
}

#[test]
fn changed_since_checks_changed_and_untracked_files_with_constants_from_the_whole_tree() {
    let levels = "#define APP_LEVEL RPC_C_AUTHN_LEVEL_CONNECT\n";
    let uses = "#include \"levels.h\"\nRPC_STATUS f(RPC_BINDING_HANDLE h, RPC_SECURITY_QOS *q) { return RpcBindingSetAuthInfoExW(h, NULL, APP_LEVEL, 9, NULL, 0, q); }\n";
    let tree = Tree::new(&[("include/levels.h", levels), ("src/old.c", uses), ("src/changed.c", "int x;\n")]);
    git(tree.root(), &["init", "-q"]);
    git(tree.root(), &["add", "."]);
    git(tree.root(), &["commit", "-q", "-m", "init"]);
    rpclint(tree.root()).args(["--changed-since", "HEAD"]).assert().code(0).stdout("");

    fs::write(tree.p("src/changed.c"), uses).unwrap();
    fs::write(tree.p("src/untracked.c"), uses).unwrap();
    fs::write(tree.p(".gitignore"), "ignored.c\n").unwrap();
    fs::write(tree.p("src/ignored.c"), uses).unwrap();
    // The header is not changed, but APP_LEVEL still resolves; old.c is not checked.
    assert_eq!(
        run_findings(rpclint(tree.root()).args(["--changed-since", "HEAD"])),
        ["src/changed.c:2: error[missing-integrity]", "src/untracked.c:2: error[missing-integrity]"]
    );
    // From a subdirectory, with a path argument.
    assert_eq!(
        run_findings(rpclint(&tree.root().join("src")).args(["--changed-since", "HEAD", "changed.c"])),
        ["changed.c:2: error[missing-integrity]"]
    );
    rpclint(tree.root())
        .args(["--changed-since", "no-such-rev"])
        .assert()
        .code(2)
        .stderr("rpclint: error: --changed-since no-such-rev: bad revision 'no-such-rev'\n");
    rpclint(tree.root())
        .args(["--changed-since=--output=x"])
        .assert()
        .code(2)
        .stderr("rpclint: error: --changed-since --output=x: not a git revision\n");
    rpclint(tree.root())
        .args(["--changed-since", "HEAD", "--write-baseline", "b.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
}

// ------------------------------------------------------------------- stdin

#[test]
fn stdin_filename_names_language_path_and_configuration() {
    let tree = Tree::new(&[("lib/rpclint.toml", "[rules]\nmissing-privacy = \"off\"\n"), ("lib/x.c", "")]);
    let mut cmd = rpclint(tree.root());
    cmd.args(["--stdin-filename", "lib/client.c"]).write_stdin(CLIENT);
    cmd.assert()
        .code(1)
        .stdout(predicate::str::starts_with("lib/client.c:5:45: error[missing-integrity]: "))
        .stdout(predicate::function(|s: &str| s.lines().count() == 1));
    // Rust by its name.
    let rust =
        "fn f(b: *const c_void) { unsafe { RpcBindingSetAuthInfoW(b, None, RPC_C_AUTHN_LEVEL_CALL, 9, None, 0) }; }\n";
    let mut cmd = rpclint(tree.root());
    cmd.args(["--stdin-filename", "src/x.rs"]).write_stdin(rust);
    cmd.assert().code(1).stdout(predicate::str::contains("src/x.rs:1:67: error[missing-integrity]"));
    let mut cmd = rpclint(tree.root());
    cmd.args(["--stdin-filename", "notes.txt"]).write_stdin("x");
    cmd.assert().code(2).stderr("rpclint: error: --stdin-filename notes.txt: not a C, C++ or Rust file name\n");
    let mut cmd = rpclint(tree.root());
    cmd.args(["--stdin-filename", "a.c", "lib"]).write_stdin("x");
    cmd.assert().code(2).stderr(predicate::str::contains("cannot be used with"));
}

// ------------------------------------------------------------------ groups

#[test]
fn the_audit_group_runs_when_asked_for() {
    // CLIENT gives one missing-integrity and one missing-privacy; which of
    // them a default run reports follows the rules' groups.
    let group = |rule: &str| rpclint::rules::by_name(rule).unwrap().group();
    let both = ["a.c:5: error[missing-integrity]", "a.c:10: warning[missing-privacy]"];
    let of = |g: &str| -> Vec<&str> {
        both.iter()
            .copied()
            .filter(|f| group(if f.contains("integrity") { "missing-integrity" } else { "missing-privacy" }) == g)
            .collect()
    };
    assert!(!rpclint::rules::ALL.iter().all(|r| r.group() == "default"), "the audit group has rules");
    let tree = Tree::new(&[("a.c", CLIENT)]);
    assert_eq!(run_findings(&mut rpclint_default(tree.root())), of("default"));
    assert_eq!(run_findings(rpclint_default(tree.root()).args(["--select", "audit"])), of("audit"));
    assert_eq!(run_findings(rpclint_default(tree.root()).args(["--select", "all"])), both);
    assert_eq!(run_findings(rpclint_default(tree.root()).args(["--select", "default,audit"])), both);
    let tree = Tree::new(&[("rpclint.toml", "audit = true\n"), ("a.c", CLIENT)]);
    assert_eq!(run_findings(&mut rpclint_default(tree.root())), both);
    // A severity for a rule turns it on, whatever its group.
    let tree = Tree::new(&[
        ("rpclint.toml", "[rules]\nmissing-integrity = \"error\"\nmissing-privacy = \"warning\"\n"),
        ("a.c", CLIENT),
    ]);
    assert_eq!(run_findings(&mut rpclint_default(tree.root())), both);
    // Groups are names --select knows; a typo is still an error.
    rpclint_default(tree.root()).args(["--select", "audits"]).assert().code(2);
}
