//! Tests of the SARIF writer: the run header, rule descriptors, results
//! with locations, fingerprints and suppressions, and artifact URIs.

use std::path::Path;

use super::*;
use crate::emit::test_report;
use serde_json::{Value, json};

fn render(report: &Report) -> Value {
    let opts = EmitOptions {
        rules: &test_report::RULES,
        src_root: Some(Path::new("/work/project")),
        ..EmitOptions::default()
    };
    let mut out = Vec::new();
    write(report, &mut out, &opts).unwrap();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn run_header() {
    let log = render(&test_report::report());
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["$schema"], SCHEMA);
    let run = &log["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    assert_eq!(run["originalUriBaseIds"], json!({"%SRCROOT%": {"uri": "file:///work/project/"}}));
    assert_eq!(run["tool"]["driver"]["name"], "rpclint");
    assert_eq!(run["tool"]["driver"]["version"], VERSION);
    assert_eq!(
        run["invocations"],
        json!([{
            "executionSuccessful": false,
            "toolExecutionNotifications": [{
                "level": "error",
                "message": {"text": "permission denied"},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/locked.c", "uriBaseId": "%SRCROOT%"}}}],
            }],
        }])
    );
}

#[test]
fn rules_come_from_the_rule_list() {
    let log = render(&test_report::report());
    let rules = &log["runs"][0]["tool"]["driver"]["rules"];
    assert_eq!(
        rules[0],
        json!({
            "id": "missing-integrity",
            "name": "MissingIntegrity",
            "shortDescription": {"text": "The authentication level does not protect integrity."},
            "fullDescription": {"text": "The authentication level does not protect integrity."},
            "help": {"text": test_report::MISSING_INTEGRITY.doc, "markdown": test_report::MISSING_INTEGRITY.doc},
            "defaultConfiguration": {"level": "error"},
            "properties": {"tags": ["security"], "precision": "high"},
        })
    );
    assert_eq!(rules[1]["id"], "ntlm-authentication");
    assert_eq!(rules[1]["properties"]["precision"], "medium");
    assert_eq!(rules[1]["defaultConfiguration"]["level"], "warning");
    assert_eq!(rules.as_array().unwrap().len(), 2);
}

#[test]
fn results_with_related_location_fingerprint_and_suppression() {
    let log = render(&test_report::report());
    let results = &log["runs"][0]["results"];
    assert_eq!(
        results[0],
        json!({
            "ruleId": "missing-integrity",
            "ruleIndex": 0,
            "level": "error",
            "message": {"text": "authentication level `RPC_C_AUTHN_LEVEL_CONNECT` does not protect integrity\nhelp: pass `RPC_C_AUTHN_LEVEL_PKT_PRIVACY`"},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": "src/main.c", "uriBaseId": "%SRCROOT%"},
                    "region": {
                        "startLine": 5, "startColumn": 47, "endLine": 5, "endColumn": 52,
                        "snippet": {"text": "LEVEL"},
                    },
                },
            }],
            "relatedLocations": [{
                "id": 1,
                "physicalLocation": {
                    "artifactLocation": {"uri": "src/main.c", "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 5, "startColumn": 13, "endLine": 6, "endColumn": 45},
                },
                "message": {"text": "in this call"},
            }, {
                "id": 2,
                "physicalLocation": {
                    "artifactLocation": {"uri": "src/sec.h", "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": 2, "startColumn": 15, "endLine": 2, "endColumn": 40},
                },
                "message": {"text": "level set here"},
            }],
            "partialFingerprints": {"rpclint/v1": "0123456789abcdef"},
        })
    );
    assert_eq!(results[1]["ruleIndex"], 1);
    assert_eq!(results[1]["level"], "warning");
    assert_eq!(results[1]["suppressions"], json!([{"kind": "inSource", "justification": "legacy peer"}]));
    // A finding on the whole call has no call to relate to.
    assert!(results[1].get("relatedLocations").is_none());
    assert!(results[0].get("properties").is_none(), "not test code: no tags");
}

#[test]
fn a_finding_in_test_code_is_tagged() {
    let mut report = test_report::report();
    report.diagnostics[0].test_code = true;
    let log = render(&report);
    assert_eq!(log["runs"][0]["results"][0]["properties"], json!({"tags": ["test-code"]}));
    assert!(log["runs"][0]["results"][1].get("properties").is_none());
}

#[test]
fn unknown_rules_get_a_bare_descriptor_and_a_valid_index() {
    let mut report = test_report::report();
    report.diagnostics[1].rule = "parse-error";
    let log = render(&report);
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"][2],
        json!({"id": "parse-error", "name": "ParseError", "properties": {"tags": ["security"]}})
    );
    assert_eq!(log["runs"][0]["results"][1]["ruleIndex"], 2);
}

#[test]
fn clean_run_is_successful() {
    let log = render(&Report::default());
    assert_eq!(log["runs"][0]["invocations"][0]["executionSuccessful"], true);
    assert_eq!(log["runs"][0]["results"], json!([]));
}

#[test]
fn uris() {
    let artifacts = Artifacts::new(Some(Path::new("/work/project")));
    let uri = |p: &str| {
        let a = artifacts.location(p);
        (a.uri, a.uri_base_id)
    };
    assert_eq!(uri("src/a b#1.c"), ("src/a%20b%231.c".to_string(), Some(SRCROOT)));
    assert_eq!(uri("src\\win\\x.c"), ("src/win/x.c".to_string(), Some(SRCROOT)));
    assert_eq!(uri("/work/project/src/x.c"), ("src/x.c".to_string(), Some(SRCROOT)));
    assert_eq!(uri("/work/projectile/x.c"), ("file:///work/projectile/x.c".to_string(), None));
    assert_eq!(uri("/abs/é.c"), ("file:///abs/%C3%A9.c".to_string(), None));
    assert_eq!(uri("C:/src/x.c"), ("file:///C:/src/x.c".to_string(), None));
    assert_eq!(uri("../x.c"), ("../x.c".to_string(), Some(SRCROOT)));
    let windows = Artifacts::new(Some(Path::new("C:\\src")));
    assert_eq!(windows.location("C:\\src\\a.c").uri, "a.c");
    assert_eq!(directory_uri(Path::new("/work/my repo")), "file:///work/my%20repo/");
    assert_eq!(directory_uri(Path::new("C:\\src")), "file:///C:/src/");
}
