//! SARIF rule descriptors (`tool.driver.rules`): one per known rule, from
//! its name, summary, documentation, default severity and precision, and a
//! bare one for a rule a finding names that rpclint does not describe.

use serde::Serialize;

use super::{Message, level};
use crate::rules::Rule;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ReportingDescriptor<'a> {
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

#[derive(Serialize)]
struct MultiformatMessage<'a> {
    text: &'a str,
    markdown: &'a str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

pub(super) fn descriptor(rule: &Rule) -> ReportingDescriptor<'_> {
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

pub(super) fn bare_descriptor(id: &str) -> ReportingDescriptor<'_> {
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
