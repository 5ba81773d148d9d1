//! The machine-read reports on real output: `--format gitlab` against the
//! Code Quality fields GitLab and the Code Climate spec require
//! (`tests/data/gitlab-codequality.schema.json`), `--format junit` against
//! the JUnit schema of Jenkins and pytest (`tests/data/junit-10.xsd`) with
//! `xmllint`, both on the fixtures with suppressions and a baseline in play;
//! and one run writing the terminal report, SARIF and GitLab at once.
//!
//! `xmllint` is Debian's libxml2-utils: without it the JUnit check says so
//! and passes, unless `RPCLINT_REQUIRE_XMLLINT=1` (set by `.ci/run`).

// Helpers outside `#[test]` functions are test code too: a failed unwrap
// is a failed test, which is what we want.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A baseline of the findings in one fixture directory, so that a run over
/// all fixtures has some findings matched by it.
fn baseline(dir: &Path) -> PathBuf {
    let path = dir.join("baseline.json");
    cargo_bin_cmd!("rpclint")
        .current_dir(root())
        .args(["check", "fixtures/missing-integrity", "--select=all", "--include-tests", "--write-baseline"])
        .arg(&path)
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"fingerprint\""), "the baseline holds findings: {text}");
    path
}

/// `rpclint check fixtures` in `format`, every rule, with the baseline.
fn fixtures_report(format: &str, baseline: &Path) -> Vec<u8> {
    let out = cargo_bin_cmd!("rpclint")
        .current_dir(root())
        .args(["check", "fixtures", "--select=all", "--include-tests", "--format", format, "--baseline"])
        .arg(baseline)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn gitlab_validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(include_str!("data/gitlab-codequality.schema.json")).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn schema_errors(doc: &Value) -> Vec<String> {
    gitlab_validator().iter_errors(doc).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

#[test]
fn gitlab_report_of_the_fixtures_has_the_required_fields() {
    let dir = tempfile::tempdir().unwrap();
    let doc: Value = serde_json::from_slice(&fixtures_report("gitlab", &baseline(dir.path()))).unwrap();
    let errors = schema_errors(&doc);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let issues = doc.as_array().unwrap();
    assert!(issues.len() > 50, "{} issues", issues.len());
    // Fingerprints are unique (GitLab compares reports by them).
    let mut fps: Vec<&str> = issues.iter().map(|i| i["fingerprint"].as_str().unwrap()).collect();
    fps.sort_unstable();
    let n = fps.len();
    fps.dedup();
    assert_eq!(fps.len(), n, "duplicate fingerprints");
    // Suppressed findings are left out, baselined ones too.
    let paths: Vec<&str> = issues.iter().map(|i| i["location"]["path"].as_str().unwrap()).collect();
    assert!(!paths.iter().any(|p| p.starts_with("fixtures/missing-integrity/")), "baselined findings shown");
    assert!(!paths.contains(&"fixtures/_suppression/ok_suppressed.c"), "suppressed findings shown");
    assert!(paths.contains(&"fixtures/_suppression/bad_not_covered.c"));
}

#[test]
fn the_gitlab_schema_rejects_what_gitlab_would() {
    let good = serde_json::json!([{"type": "issue", "description": "d", "check_name": "c", "fingerprint": "f",
        "severity": "major", "categories": ["Security"], "location": {"path": "src/a.c", "lines": {"begin": 1}}}]);
    assert!(schema_errors(&good).is_empty());
    for (field, bad) in [
        ("/0/fingerprint", serde_json::json!(null)),
        ("/0/severity", serde_json::json!("warning")),
        ("/0/location/lines/begin", serde_json::json!(0)),
        ("/0/location/path", serde_json::json!("C:\\src\\a.c")),
        ("/0/location/path", serde_json::json!("/abs/a.c")),
    ] {
        let mut doc = good.clone();
        if bad.is_null() {
            doc[0].as_object_mut().unwrap().remove("fingerprint");
        } else {
            *doc.pointer_mut(field).unwrap() = bad;
        }
        assert!(!schema_errors(&doc).is_empty(), "{field} accepted: {doc}");
    }
}

/// Validates `xml` against the JUnit schema; `None` when xmllint is absent.
#[allow(clippy::print_stdout)] // the skip message, as a test's own would be
fn xmllint(xml: &[u8], dir: &Path) -> Option<Result<(), String>> {
    let file = dir.join("report.xml");
    std::fs::write(&file, xml).unwrap();
    let schema = root().join("tests/data/junit-10.xsd");
    match Command::new("xmllint").args(["--noout", "--schema"]).arg(&schema).arg(&file).output() {
        Ok(out) if out.status.success() => Some(Ok(())),
        Ok(out) => Some(Err(String::from_utf8_lossy(&out.stderr).into_owned())),
        Err(_) => {
            assert!(
                std::env::var_os("RPCLINT_REQUIRE_XMLLINT").is_none_or(|v| v != "1"),
                "RPCLINT_REQUIRE_XMLLINT=1 but xmllint is not installed (Debian: libxml2-utils)"
            );
            println!("skipped: xmllint not found (Debian: apt-get install libxml2-utils)");
            None
        }
    }
}

#[test]
fn junit_report_of_the_fixtures_validates_against_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let xml = fixtures_report("junit", &baseline(dir.path()));
    let text = String::from_utf8(xml.clone()).unwrap();
    assert!(
        text.contains(r#"<testsuite name="fixtures/_suppression/ok_suppressed.c""#),
        "suppressed are skipped cases"
    );
    assert!(text.contains("<skipped message=\"suppressed"), "{text}");
    assert!(!text.contains("name=\"fixtures/missing-integrity/"), "baselined findings shown");
    let Some(result) = xmllint(&xml, dir.path()) else { return };
    result.unwrap();
    // The schema is really applied: an element it does not know fails.
    let broken = text.replacen("<testcase ", "<testcase line=\"1\" ", 1);
    assert!(xmllint(broken.as_bytes(), dir.path()).unwrap().is_err(), "xmllint accepted an unknown attribute");
}

#[test]
fn junit_without_findings_and_with_a_file_error_validates_too() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.c"), "int x;\n").unwrap();
    let clean = cargo_bin_cmd!("rpclint").current_dir(dir.path()).args(["--format", "junit"]).output().unwrap();
    assert_eq!(clean.status.code(), Some(0));
    let missing = cargo_bin_cmd!("rpclint")
        .current_dir(dir.path())
        .args(["a.c", "nope.c", "--format", "junit"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stdout).contains("<error message=\"no such file or directory\">"));
    for xml in [clean.stdout, missing.stdout] {
        if let Some(result) = xmllint(&xml, dir.path()) {
            result.unwrap();
        }
    }
}

#[test]
fn one_run_writes_the_terminal_report_sarif_and_gitlab() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("out.sarif");
    let gitlab = dir.path().join("gl-code-quality-report.json");
    let junit = dir.path().join("junit.xml");
    let out = cargo_bin_cmd!("rpclint")
        .current_dir(root())
        .args(["check", "fixtures/missing-privacy", "--format", "human", "--no-color"])
        .arg(format!("--sarif-output={}", sarif.display()))
        .arg("--gitlab-output")
        .arg(&gitlab)
        .arg("--junit-xml-output")
        .arg(&junit)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let human = String::from_utf8(out.stdout).unwrap();
    assert!(human.contains("warning[missing-privacy]") || human.contains("error[missing-privacy]"), "{human}");
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let gitlab: Value = serde_json::from_str(&std::fs::read_to_string(&gitlab).unwrap()).unwrap();
    assert!(schema_errors(&gitlab).is_empty());
    let unsuppressed = results.iter().filter(|r| r.get("suppressions").is_none()).count();
    assert_eq!(gitlab.as_array().unwrap().len(), unsuppressed, "the same findings in both");
    assert_eq!(human.matches("[missing-privacy]").count(), unsuppressed);
    let junit = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(junit.matches("<failure ").count(), unsuppressed);

    // `--sarif-file` is still the same flag.
    let old = dir.path().join("old.sarif");
    cargo_bin_cmd!("rpclint")
        .current_dir(root())
        .args(["check", "fixtures/missing-privacy", "--quiet", "--sarif-file"])
        .arg(&old)
        .output()
        .unwrap();
    let old: Value = serde_json::from_str(&std::fs::read_to_string(&old).unwrap()).unwrap();
    assert_eq!(old["runs"][0]["results"].as_array().unwrap().len(), results.len());
}
