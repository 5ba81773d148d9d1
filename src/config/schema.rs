//! The configuration file as serde reads it: `RawConfig` and the values of
//! its keys. Every table denies unknown keys.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::diagnostic::Severity;
use crate::kb::{Api, ConstValue, Helper, StructDef};

/// What `[rules]` says about one rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RuleLevel {
    Off,
    Error,
    Warning,
    Note,
}

impl RuleLevel {
    /// The severity, or `None` for `off`.
    pub fn severity(self) -> Option<Severity> {
        match self {
            RuleLevel::Off => None,
            RuleLevel::Error => Some(Severity::Error),
            RuleLevel::Warning => Some(Severity::Warning),
            RuleLevel::Note => Some(Severity::Note),
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum CeilingValue {
    Anonymous,
    Identify,
    Impersonate,
    Delegate,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum TestCodeValue {
    Skip,
    Report,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum LevelValue {
    PktIntegrity,
    PktPrivacy,
}

/// The document as written. Every table denies unknown keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct RawConfig {
    #[serde(default)]
    pub(super) impersonation_ceiling: Option<CeilingValue>,
    #[serde(default)]
    pub(super) minimum_authn_level: Option<LevelValue>,
    #[serde(default)]
    pub(super) include: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) exclude: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) test_code: Option<TestCodeValue>,
    #[serde(default)]
    pub(super) test_paths: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) audit: Option<bool>,
    #[serde(default)]
    pub(super) rules: BTreeMap<Spanned<String>, RuleLevel>,
    #[serde(default)]
    pub(super) function: Vec<Api>,
    #[serde(default)]
    pub(super) method: Vec<Api>,
    #[serde(default, rename = "struct")]
    pub(super) structs: Vec<StructDef>,
    #[serde(default)]
    pub(super) helper: Vec<Helper>,
    #[serde(default)]
    pub(super) constants: BTreeMap<String, BTreeMap<String, ConstValue>>,
}
