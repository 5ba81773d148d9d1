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
//!
//! This file holds the log and its run (tool, invocation, notifications);
//! `descriptors.rs` the rule descriptors of `tool.driver.rules`,
//! `results.rs` the results with their locations, fingerprints and
//! suppressions, `artifacts.rs` the artifact URIs under `%SRCROOT%`.

use std::collections::BTreeMap;
use std::io;

use serde::Serialize;

use super::{EmitOptions, VERSION};
use crate::diagnostic::Severity;
use crate::report::Report;

mod artifacts;
mod descriptors;
mod results;
#[cfg(test)]
mod tests;

use artifacts::{ArtifactLocation, Artifacts, directory_uri};
use descriptors::{ReportingDescriptor, bare_descriptor, descriptor};
use results::{Location, PhysicalLocation, SarifResult, result};

const SCHEMA: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

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
