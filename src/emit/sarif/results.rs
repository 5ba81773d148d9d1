//! SARIF results: a finding's message, level, primary and related
//! locations (regions with a snippet), its fingerprint, its in-source
//! suppression, its baseline state and its test-code tag.

use std::collections::BTreeMap;

use serde::Serialize;

use super::artifacts::{ArtifactLocation, Artifacts};
use super::{Message, level};
use crate::diagnostic::{Diagnostic, Fix};
use crate::emit::{CALL_LABEL, clamp_span, raw_path_of, span_positions};
use crate::ir::Span;
use crate::report::Report;
use crate::source::FileId;

/// The key of our fingerprint in `partialFingerprints`; bump the suffix if
/// the fingerprint's recipe changes.
const FINGERPRINT_KEY: &str = "rpclint/v1";
/// Snippets longer than this are left out of `region.snippet`.
const MAX_SNIPPET: usize = 4096;

/// A result's properties: `tags: ["test-code"]` for a finding in test code.
#[derive(Serialize)]
struct ResultProperties {
    tags: [&'static str; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: [Location; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location>,
    /// The calls through the tree's own functions to the API (summaries).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    code_flows: Vec<CodeFlow>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    partial_fingerprints: BTreeMap<&'static str, &'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression<'a>>,
    /// `"new"` when a baseline was applied (matched findings are left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties>,
    /// The finding's fix (at most one), with its edits per file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Message,
    artifact_changes: Vec<ArtifactChange>,
    /// `applicability`: `safe` (`--fix`) or `unsafe` (`--unsafe-fixes`).
    properties: BTreeMap<&'static str, &'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    /// An empty region (start = end) is an insertion point.
    deleted_region: Region,
    inserted_content: Message,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) id: Option<usize>,
    pub(super) physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) message: Option<Message>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CodeFlow {
    thread_flows: [ThreadFlow; 1],
}

#[derive(Serialize)]
struct ThreadFlow {
    locations: Vec<ThreadFlowLocation>,
}

#[derive(Serialize)]
struct ThreadFlowLocation {
    location: Location,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PhysicalLocation {
    pub(super) artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Region {
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

/// The tag of a result in test code (reported with `--include-tests`).
pub(crate) const TEST_CODE_TAG: &str = "test-code";

pub(super) fn result<'a>(
    report: &Report,
    artifacts: &Artifacts,
    d: &'a Diagnostic,
    rule_index: usize,
    baseline: bool,
) -> SarifResult<'a> {
    // The call first, when the primary location is the argument inside it.
    let call = d.points_into_call().then_some((d.file, d.call_span, CALL_LABEL));
    let related_locations = call
        .into_iter()
        .chain(d.labels.iter().map(|l| (l.file, l.span, l.message.as_str())))
        .enumerate()
        .map(|(i, (file, span, text))| Location {
            id: Some(i + 1),
            physical_location: physical(report, artifacts, file, span, false),
            message: Some(Message { text: text.to_string() }),
        })
        .collect();
    let code_flows = if d.flow.is_empty() {
        Vec::new()
    } else {
        let start = ThreadFlowLocation {
            location: Location {
                id: None,
                physical_location: physical(report, artifacts, d.file, d.call_span, false),
                message: Some(Message { text: "the call".to_string() }),
            },
        };
        let steps = d.flow.iter().map(|l| ThreadFlowLocation {
            location: Location {
                id: None,
                physical_location: physical(report, artifacts, l.file, l.span, false),
                message: Some(Message { text: l.message.clone() }),
            },
        });
        vec![CodeFlow { thread_flows: [ThreadFlow { locations: std::iter::once(start).chain(steps).collect() }] }]
    };
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
        code_flows,
        partial_fingerprints,
        suppressions,
        baseline_state: baseline.then_some("new"),
        properties: d.test_code.then_some(ResultProperties { tags: [TEST_CODE_TAG] }),
        fixes: d.fix.iter().filter_map(|f| fix(report, artifacts, f)).collect(),
    }
}

/// A fix as SARIF's `fix`: one `artifactChange` per file, in the order of
/// the edits (sorted by file and offset); none if a file is not in the report.
fn fix(report: &Report, artifacts: &Artifacts, f: &Fix) -> Option<SarifFix> {
    let mut artifact_changes: Vec<ArtifactChange> = Vec::new();
    let mut last: Option<FileId> = None;
    for e in &f.edits {
        let region = physical(report, artifacts, e.file, e.span, false).region?;
        let replacement =
            Replacement { deleted_region: region, inserted_content: Message { text: e.replacement.clone() } };
        match artifact_changes.last_mut() {
            Some(change) if last == Some(e.file) => change.replacements.push(replacement),
            _ => artifact_changes.push(ArtifactChange {
                artifact_location: artifacts.location(&raw_path_of(report, e.file)),
                replacements: vec![replacement],
            }),
        }
        last = Some(e.file);
    }
    let properties = BTreeMap::from([("applicability", f.applicability.as_str())]);
    Some(SarifFix { description: Message { text: f.message.clone() }, artifact_changes, properties })
}

fn physical(report: &Report, artifacts: &Artifacts, file: FileId, span: Span, snippet: bool) -> PhysicalLocation {
    let artifact_location = artifacts.location(&raw_path_of(report, file));
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
