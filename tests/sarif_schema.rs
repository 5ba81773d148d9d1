//! `--format sarif` output validates against the SARIF 2.1.0 JSON schema
//! (`tests/data/sarif-schema-2.1.0.json`, the OASIS errata01 schema, draft-04),
//! with `format: uri` checked too. (`uri-reference`, which the schema uses
//! for `artifactLocation.uri`, is not a draft-04 format, so no validator here
//! checks it; the emitter's own tests cover percent-encoding.)
//!
//! `scripts/sarif-validate.sh` runs Microsoft's SARIF validator, which also
//! applies SARIF's own rules beyond the schema; it needs the npm registry, so
//! it is a script and not a test.

// Helpers outside `#[test]` functions are test code too: a failed unwrap
// is a failed test, which is what we want.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use rpclint::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity, Suppression};
use rpclint::emit::{self, EmitOptions, Format};
use rpclint::ir::Span;
use rpclint::report::{FileError, Report};
use rpclint::rules::Rule;
use rpclint::source::{Encoding, FileId, SourceFile};
use serde_json::Value;

fn validator() -> jsonschema::Validator {
    let text = include_str!("data/sarif-schema-2.1.0.json");
    let schema: Value = serde_json::from_str(text).expect("schema is JSON");
    jsonschema::options().should_validate_formats(true).build(&schema).expect("schema compiles")
}

/// With `RPCLINT_SARIF_SAMPLES=DIR`, keeps each checked document as
/// `DIR/<name>.sarif` for other validators (`scripts/sarif-validate.sh`).
fn keep(name: &str, doc: &Value) {
    if let Some(dir) = std::env::var_os("RPCLINT_SARIF_SAMPLES") {
        let path = std::path::Path::new(&dir).join(format!("{name}.sarif"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(path, serde_json::to_string_pretty(doc).unwrap()).unwrap();
    }
}

fn errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator.iter_errors(doc).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

static RULE: Rule = Rule {
    name: "missing-integrity",
    default_severity: Severity::Error,
    precision: rpclint::rules::Precision::High,
    reads: &[],
    doc: "# missing-integrity\n\nThe authentication level does not protect integrity.\n\n## Why is this bad?\nTampering.\n",
    check: |_| {},
};

/// A report that uses every part of the SARIF emitter: a finding with a
/// related location in another file, a code flow (a summary's way) and help, a suppressed finding with and
/// without a reason, a rule not in the rule list, a note, a path that needs
/// percent-encoding, an absolute path, and a file error.
fn rich_report() -> Report {
    let main = "void f(void)\n{\n    RpcBindingSetAuthInfoW(h, spn, LEVEL, 9, NULL, 0);\n    /* é */ CoSetProxyBlanket(p);\n}\n";
    let header = "#define LEVEL 2\n";
    let files = vec![
        SourceFile::new("src/dir with space/main é.c".into(), Arc::from(main), Encoding::Utf8),
        SourceFile::new("/abs/include/sec.h".into(), Arc::from(header), Encoding::Utf8),
    ];
    let call = main.find("RpcBinding").unwrap();
    let call_end = call + main[call..].find(';').unwrap();
    let call = Span::new(call, call_end);
    let blanket = main.find("CoSet").unwrap();
    let blanket = Span::new(blanket, blanket + "CoSetProxyBlanket(p)".len());

    let mut first = Diagnostic::new("missing-integrity", Severity::Error, FileId(0), call, "level is `CONNECT`".into())
        .with_label(FileId(1), Span::new(14, 15), "level set here")
        .with_step(FileId(1), Span::new(8, 13), "reaches `AuthnLevel` of `RpcBindingSetAuthInfoW` here through `bind`")
        .with_help("pass `RPC_C_AUTHN_LEVEL_PKT_PRIVACY`")
        .with_fix(Fix::new(
            "replace `2` with `6`".into(),
            vec![
                Edit { file: FileId(1), span: Span::new(14, 15), replacement: "6".into() },
                // An insertion (an empty region) in the other file.
                Edit { file: FileId(0), span: Span::new(call_end, call_end), replacement: " ".into() },
            ],
            Applicability::Unsafe,
        ));
    first.fingerprint = "abc123".into();
    let mut second = Diagnostic::new("ntlm-authentication", Severity::Warning, FileId(0), blanket, "NTLM".into());
    second.suppression = Some(Suppression { justification: Some("legacy".into()) });
    let mut third = Diagnostic::new("parse-error", Severity::Note, FileId(0), blanket, "could not parse".into());
    third.suppression = Some(Suppression { justification: None });
    Report {
        files,
        diagnostics: vec![first, second, third],
        errors: vec![FileError { path: "src/locked #1.c".into(), message: "permission denied".into() }],
        files_scanned: 3,
        files_parsed: 2,
        ..Report::default()
    }
}

fn sarif(report: &Report, rules: &[&Rule]) -> Value {
    let opts =
        EmitOptions { rules, src_root: Some(std::path::Path::new("/work/my project")), ..EmitOptions::default() };
    let mut out = Vec::new();
    emit::write(Format::Sarif, report, &mut out, &opts).unwrap();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn rich_report_is_schema_valid() {
    let validator = validator();
    let doc = sarif(&rich_report(), &[&RULE]);
    keep("rich", &doc);
    let errs = errors(&validator, &doc);
    assert!(errs.is_empty(), "{errs:#?}\n{doc:#}");
}

#[test]
fn a_fix_is_one_artifact_change_per_file() {
    let doc = sarif(&rich_report(), &[&RULE]);
    let fix = &doc["runs"][0]["results"][0]["fixes"][0];
    assert_eq!(fix["description"]["text"], "replace `2` with `6`");
    assert_eq!(fix["properties"]["applicability"], "unsafe");
    let changes = fix["artifactChanges"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "{fix:#}");
    let insertion = &changes[0]["replacements"][0];
    assert_eq!(insertion["deletedRegion"]["startColumn"], insertion["deletedRegion"]["endColumn"]);
    assert_eq!(changes[1]["artifactLocation"]["uri"], "file:///abs/include/sec.h");
    assert_eq!(changes[1]["replacements"][0]["insertedContent"]["text"], "6");
    assert!(doc["runs"][0]["results"][1].get("fixes").is_none());
}

#[test]
fn empty_report_with_the_real_rule_list_is_schema_valid() {
    let validator = validator();
    let doc = sarif(&Report::default(), rpclint::rules::ALL);
    keep("empty", &doc);
    let errs = errors(&validator, &doc);
    assert!(errs.is_empty(), "{errs:#?}\n{doc:#}");
}

#[test]
fn the_validator_rejects_what_the_schema_forbids() {
    // Guards the two tests above against a validator that accepts anything.
    let validator = validator();
    let mut doc = sarif(&rich_report(), &[&RULE]);
    doc["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!errors(&validator, &doc).is_empty());

    let mut doc = sarif(&rich_report(), &[&RULE]);
    doc["runs"][0]["tool"]["driver"]["downloadUri"] = Value::from("not a uri");
    assert!(!errors(&validator, &doc).is_empty(), "format keywords are checked");
}

#[cfg(unix)]
#[test]
fn binary_output_with_a_file_error_is_schema_valid() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.c"), "int x;\n").unwrap();
    std::os::unix::fs::symlink(dir.path().join("gone.c"), dir.path().join("broken.c")).unwrap();
    let output = assert_cmd::cargo::cargo_bin_cmd!("rpclint")
        .args(["--format", "sarif"])
        // An absolute path under the current directory still gets a
        // relative URI under %SRCROOT%.
        .arg(dir.path())
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    keep("file-error", &doc);
    let notes = &doc["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "broken.c");
    let errs = errors(&validator(), &doc);
    assert!(errs.is_empty(), "{errs:#?}\n{doc:#}");
}
