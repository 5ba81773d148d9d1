//! `--format sarif`: SARIF 2.1.0 for code-scanning services.
//!
//! Hand-written serde structs for the part of SARIF rpclint fills in. What
//! matters to consumers, and what most linters leave out:
//! * `columnKind: "unicodeCodePoints"`: our columns count characters, while
//!   SARIF's default unit is UTF-16 code units;
//! * relative URIs with forward slashes under `uriBaseId: "%SRCROOT%"`, and
//!   `originalUriBaseIds` saying where `%SRCROOT%` is;
//! * `partialFingerprints["rpclint/v1"]`, so alerts survive code moving;
//! * suppressed findings are kept, with `suppressions: [{"kind": "inSource"}]`
//!   and the comment's reason as `justification`;
//! * with a baseline, matched findings are left out and the others are
//!   `baselineState: "new"`;
//! * files that could not be read are `toolExecutionNotifications`, and make
//!   `executionSuccessful` false.

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use serde::Serialize;

use super::{EmitOptions, VERSION, clamp_span, path_of, span_positions};
use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::Span;
use crate::report::Report;
use crate::rules::Rule;
use crate::source::FileId;

const SCHEMA: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";
/// The key of our fingerprint in `partialFingerprints`; bump the suffix if
/// the fingerprint's recipe changes.
const FINGERPRINT_KEY: &str = "rpclint/v1";
/// Snippets longer than this are left out of `region.snippet`.
const MAX_SNIPPET: usize = 4096;

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    original_uri_base_ids: Option<BTreeMap<&'static str, ArtifactLocation>>,
    invocations: [Invocation; 1],
    results: Vec<SarifResult<'a>>,
    column_kind: &'static str,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<ReportingDescriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor<'a> {
    id: &'a str,
    /// `MissingIntegrity` for `missing-integrity`: SARIF's "friendly name".
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    short_description: Option<Message>,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Message>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<MultiformatMessage<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_configuration: Option<Configuration>,
    properties: RuleProperties,
}

/// `tags` and, as CodeQL writes it, `precision` (`high`, `medium`, `low`).
#[derive(Serialize)]
struct RuleProperties {
    tags: [&'static str; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    precision: Option<&'static str>,
}

/// A result's properties: `tags: ["test-code"]` for a finding in test code.
#[derive(Serialize)]
struct ResultProperties {
    tags: [&'static str; 1],
}

#[derive(Serialize)]
struct MultiformatMessage<'a> {
    text: &'a str,
    markdown: &'a str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Message {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Message,
    locations: [Location; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: [Location; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    partial_fingerprints: BTreeMap<&'static str, &'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression<'a>>,
    /// `"new"` when a baseline was applied (matched findings are left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Message>,
}

#[derive(Serialize)]
struct SarifSuppression<'a> {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<&'a str>,
}

pub(super) fn write(report: &Report, out: &mut dyn io::Write, opts: &EmitOptions<'_>) -> io::Result<()> {
    // Every rule we know, then any rule a finding names that we do not (so
    // that every `ruleIndex` points at a descriptor).
    let artifacts = Artifacts::new(opts.src_root);
    let mut rules: Vec<ReportingDescriptor<'_>> = opts.rules.iter().map(|r| descriptor(r)).collect();
    let mut rule_ids: Vec<&str> = opts.rules.iter().map(|r| r.name).collect();
    for d in &report.diagnostics {
        if !rule_ids.contains(&d.rule) {
            rule_ids.push(d.rule);
            rules.push(bare_descriptor(d.rule));
        }
    }

    let results = report
        .diagnostics
        .iter()
        .map(|d| {
            let rule_index = rule_ids.iter().position(|&id| id == d.rule).unwrap_or_default();
            result(report, &artifacts, d, rule_index, opts.baseline)
        })
        .collect();

    let notifications: Vec<Notification> = report
        .errors
        .iter()
        .map(|e| Notification {
            level: "error",
            message: Message { text: e.message.clone() },
            locations: [Location {
                id: None,
                physical_location: PhysicalLocation { artifact_location: artifacts.location(&e.path), region: None },
                message: None,
            }],
        })
        .collect();

    let repository = env!("CARGO_PKG_REPOSITORY");
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "rpclint",
                    version: VERSION,
                    semantic_version: VERSION,
                    information_uri: (!repository.is_empty()).then_some(repository),
                    rules,
                },
            },
            original_uri_base_ids: opts.src_root.map(|root| {
                BTreeMap::from([(SRCROOT, ArtifactLocation { uri: directory_uri(root), uri_base_id: None })])
            }),
            invocations: [Invocation {
                execution_successful: notifications.is_empty(),
                tool_execution_notifications: notifications,
            }],
            results,
            column_kind: "unicodeCodePoints",
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn descriptor(rule: &Rule) -> ReportingDescriptor<'_> {
    let summary = rule.summary();
    let full = description(rule.doc);
    ReportingDescriptor {
        id: rule.name,
        name: pascal_case(rule.name),
        short_description: (!summary.is_empty()).then(|| Message { text: summary.to_string() }),
        full_description: (!full.is_empty()).then_some(Message { text: full }),
        help: Some(MultiformatMessage { text: rule.doc, markdown: rule.doc }),
        default_configuration: Some(Configuration { level: level(rule.default_severity) }),
        properties: RuleProperties { tags: ["security"], precision: Some(rule.precision.as_str()) },
    }
}

fn bare_descriptor(id: &str) -> ReportingDescriptor<'_> {
    ReportingDescriptor {
        id,
        name: pascal_case(id),
        short_description: None,
        full_description: None,
        help: None,
        default_configuration: None,
        properties: RuleProperties { tags: ["security"], precision: None },
    }
}

fn pascal_case(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .flat_map(|word| {
            let mut chars = word.chars();
            chars.next().map(|c| c.to_ascii_uppercase()).into_iter().chain(chars)
        })
        .collect()
}

/// The doc's text before its first `##` section, without the title: what
/// the rule finds, in a sentence or a short paragraph.
fn description(doc: &str) -> String {
    let mut lines = Vec::new();
    for line in doc.lines() {
        if line.starts_with("## ") {
            break;
        }
        if line.starts_with("# ") {
            continue;
        }
        lines.push(line.trim_end());
    }
    lines.join("\n").trim().to_string()
}

/// The tag of a result in test code (reported with `--include-tests`).
pub(crate) const TEST_CODE_TAG: &str = "test-code";

fn result<'a>(
    report: &Report,
    artifacts: &Artifacts,
    d: &'a Diagnostic,
    rule_index: usize,
    baseline: bool,
) -> SarifResult<'a> {
    let related_locations = d
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| Location {
            id: Some(i + 1),
            physical_location: physical(report, artifacts, l.file, l.span, false),
            message: Some(Message { text: l.message.clone() }),
        })
        .collect();
    let mut partial_fingerprints = BTreeMap::new();
    if !d.fingerprint.is_empty() {
        partial_fingerprints.insert(FINGERPRINT_KEY, d.fingerprint.as_str());
    }
    let suppressions = d
        .suppression
        .iter()
        .map(|s| SarifSuppression { kind: "inSource", justification: s.justification.as_deref() })
        .collect();
    let text = match &d.help {
        Some(help) => format!("{}\nhelp: {help}", d.message),
        None => d.message.clone(),
    };
    SarifResult {
        rule_id: d.rule,
        rule_index,
        level: level(d.severity),
        message: Message { text },
        locations: [Location {
            id: None,
            physical_location: physical(report, artifacts, d.file, d.span, true),
            message: None,
        }],
        related_locations,
        partial_fingerprints,
        suppressions,
        baseline_state: baseline.then_some("new"),
        properties: d.test_code.then_some(ResultProperties { tags: [TEST_CODE_TAG] }),
    }
}

fn physical(report: &Report, artifacts: &Artifacts, file: FileId, span: Span, snippet: bool) -> PhysicalLocation {
    let artifact_location = artifacts.location(&path_of(report, file));
    let region = report.file(file).map(|f| {
        let (start, end) = span_positions(f, span);
        let text = &f.text[clamp_span(&f.text, span)];
        Region {
            start_line: start.line,
            start_column: start.column,
            end_line: end.line,
            end_column: end.column,
            snippet: (snippet && !text.is_empty() && text.len() <= MAX_SNIPPET)
                .then(|| Message { text: text.to_string() }),
        }
    });
    PhysicalLocation { artifact_location, region }
}

/// Turns display paths into SARIF artifact locations: relative paths, and
/// absolute ones under the source root, become relative URIs under
/// `%SRCROOT%`; other absolute paths become `file://` URIs.
struct Artifacts {
    /// The source root with forward slashes and a trailing `/`.
    root: Option<String>,
}

impl Artifacts {
    fn new(root: Option<&Path>) -> Artifacts {
        let root = root.map(|r| {
            let mut root = r.to_string_lossy().replace('\\', "/");
            if !root.ends_with('/') {
                root.push('/');
            }
            root
        });
        Artifacts { root }
    }

    fn location(&self, path: &str) -> ArtifactLocation {
        let path = path.replace('\\', "/");
        let path = match self.root.as_deref().and_then(|root| path.strip_prefix(root)) {
            Some(relative) => relative,
            None => &path,
        };
        let bytes = path.as_bytes();
        let drive = bytes.get(1) == Some(&b':') && bytes[0].is_ascii_alphabetic();
        if path.starts_with('/') {
            ArtifactLocation { uri: format!("file://{}", encode_uri_path(path)), uri_base_id: None }
        } else if drive {
            ArtifactLocation { uri: format!("file:///{}", encode_uri_path(path)), uri_base_id: None }
        } else {
            ArtifactLocation { uri: encode_uri_path(path), uri_base_id: Some(SRCROOT) }
        }
    }
}

/// The file URI of a directory, ending in `/`, for `originalUriBaseIds`.
fn directory_uri(dir: &Path) -> String {
    let mut path = dir.to_string_lossy().replace('\\', "/");
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    if !path.ends_with('/') {
        path.push('/');
    }
    format!("file://{}", encode_uri_path(&path))
}

/// Percent-encodes everything but unreserved characters, `/` and a drive's `:`.
fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for (i, byte) in path.bytes().enumerate() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/')
            || (byte == b':' && is_drive_colon(path, i));
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `C:` at the start of a path, or after its leading `/`.
fn is_drive_colon(path: &str, i: usize) -> bool {
    let bytes = path.as_bytes();
    let letter_at = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_alphabetic);
    (i == 1 && letter_at(0)) || (i == 2 && bytes[0] == b'/' && letter_at(1))
}

#[cfg(test)]
mod tests {
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
                            "startLine": 5, "startColumn": 13, "endLine": 6, "endColumn": 45,
                            "snippet": {"text": "RpcBindingSetAuthInfoW(h, L\"spn\", LEVEL,\n        RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0);"},
                        },
                    },
                }],
                "relatedLocations": [{
                    "id": 1,
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
}
