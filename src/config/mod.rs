//! `rpclint.toml`: the project's configuration.
//!
//! Found by walking up from the first scanned path (ruff's
//! `find_settings_toml`), or named with `--config`. Keys, all optional:
//!
//! ```toml
//! impersonation-ceiling = "identify"      # anonymous | identify | impersonate | delegate
//! minimum-authn-level = "pkt-privacy"     # pkt-integrity | pkt-privacy
//! include = ["src/**"]                    # gitignore-style globs, relative to this file
//! exclude = ["third_party/"]
//! test-code = "skip"                      # skip | report: findings in test code
//! test-paths = ["qa/"]                    # more test code than the built-in names
//! audit = false                           # also run the audit group
//!
//! [rules]                                 # per rule: "off" | "error" | "warning" | "note"
//! missing-privacy = "off"
//!
//! [[function]]                            # knowledge-base entries, schema of rules/api.toml
//! name = "MyBind"
//! params = [{ name = "h", role = "binding" }, { name = "level", role = "authn-level" }]
//! ```
//!
//! The knowledge-base sections (`[[function]]`, `[[method]]`, `[[struct]]`,
//! `[[helper]]`, `[constants."<group>"]`) reuse the element types of
//! [`KbFile`]; `header` is optional here. The document is parsed with
//! `deny_unknown_fields` on every level and no `#[serde(flatten)]` (which
//! would quietly turn unknown keys off), so every unknown key, wrong type and
//! unknown rule name is an error that names the file, line and column.

mod filter;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use self::filter::{BuiltFilter, PathFilter, check_glob, glob_message};
use crate::diagnostic::Severity;
use crate::kb::{Api, ConstValue, Helper, Kb, KbFile, StructDef};
use crate::paths::{absolute, shown_path};
use crate::rules::{self, ImpLevel, MinimumLevel, RuleOptions};
use crate::settings::Settings;
use crate::spelling::did_you_mean;
use crate::testcode::{ExtraTestPaths, TestCodeMode};
use ignore::gitignore::GitignoreBuilder;

/// The file name looked for.
pub const FILE_NAME: &str = "rpclint.toml";

/// A configuration file that cannot be used: where, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file as shown to the user.
    pub(crate) path: String,
    /// 1-based line and column (in characters), when the problem has a place.
    pub(crate) position: Option<(usize, usize)>,
    /// Lowercase, no trailing period.
    pub(crate) message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{}:{line}:{col}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

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
enum CeilingValue {
    Anonymous,
    Identify,
    Impersonate,
    Delegate,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum TestCodeValue {
    Skip,
    Report,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum LevelValue {
    PktIntegrity,
    PktPrivacy,
}

/// The document as written. Every table denies unknown keys.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    impersonation_ceiling: Option<CeilingValue>,
    #[serde(default)]
    minimum_authn_level: Option<LevelValue>,
    #[serde(default)]
    include: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    test_code: Option<TestCodeValue>,
    #[serde(default)]
    test_paths: Vec<Spanned<String>>,
    #[serde(default)]
    audit: Option<bool>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, RuleLevel>,
    #[serde(default)]
    function: Vec<Api>,
    #[serde(default)]
    method: Vec<Api>,
    #[serde(default, rename = "struct")]
    structs: Vec<StructDef>,
    #[serde(default)]
    helper: Vec<Helper>,
    #[serde(default)]
    constants: BTreeMap<String, BTreeMap<String, ConstValue>>,
}

/// A loaded configuration (or the defaults, when there is no file).
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The file it came from; `None` for the built-in defaults.
    pub(crate) path: Option<PathBuf>,
    /// Where `include` and `exclude` globs start: the file's directory.
    pub root: PathBuf,
    pub(crate) impersonation_ceiling: Option<ImpLevel>,
    pub(crate) minimum_authn_level: Option<MinimumLevel>,
    pub(crate) include: Vec<String>,
    pub(crate) exclude: Vec<String>,
    /// `test-code`: what to do with findings in test code.
    pub(crate) test_code: Option<TestCodeMode>,
    /// `test-paths`: globs naming more test code, relative to `root`.
    pub(crate) test_paths: Vec<String>,
    /// `audit = true`: run the audit group besides the default set.
    pub(crate) audit: Option<bool>,
    /// Sorted by rule name.
    pub(crate) rules: Vec<(String, RuleLevel)>,
    /// Knowledge-base entries (wrappers, verifiers, constants); `header` is filled in.
    pub(crate) kb: KbFile,
    filter: Option<Arc<BuiltFilter>>,
    test_globs: Option<Arc<ExtraTestPaths>>,
}

impl Config {
    /// The built-in defaults, for a run without a file; globs would start at `root`.
    pub(crate) fn defaults(root: &Path) -> Config {
        Config { root: root.to_path_buf(), ..Config::default() }
    }

    /// The `rpclint.toml` nearest above `start` (a file or directory), if any.
    pub(crate) fn find(start: &Path) -> Option<PathBuf> {
        let start = absolute(start);
        let dir = if start.is_dir() { start.as_path() } else { start.parent()? };
        dir.ancestors().map(|d| d.join(FILE_NAME)).find(|p| p.is_file())
    }

    /// Reads and checks the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let shown = shown_path(path);
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            path: shown.clone(),
            position: None,
            message: format!("cannot read: {}", crate::discover::io_message(&e)),
        })?;
        let root = absolute(path).parent().map(Path::to_path_buf).unwrap_or_default();
        let mut config = Config::parse(&text, &shown, &root)?;
        config.path = Some(path.to_path_buf());
        Ok(config)
    }

    /// Parses a configuration's text. `shown` names it in errors; `root` is
    /// where its globs start.
    pub(crate) fn parse(text: &str, shown: &str, root: &Path) -> Result<Config, ConfigError> {
        let err = |span: Option<std::ops::Range<usize>>, message: String| ConfigError {
            path: shown.to_string(),
            position: span.map(|s| line_col(text, s.start)),
            message,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| err(e.span(), humanize(e.message())))?;

        let known: Vec<&str> = rules::ALL.iter().map(|r| r.name).collect();
        let mut rule_levels = Vec::new();
        for (name, level) in &raw.rules {
            if !known.contains(&name.get_ref().as_str()) {
                let hint =
                    did_you_mean(name.get_ref(), &known).map(|k| format!("did you mean \"{k}\"? ")).unwrap_or_default();
                return Err(err(
                    Some(name.span()),
                    format!("unknown rule \"{}\"; {hint}expected one of {}", name.get_ref(), known.join(", ")),
                ));
            }
            rule_levels.push((name.get_ref().clone(), *level));
        }

        let mut filter = PathFilter::new(root);
        for (globs, include) in [(&raw.include, true), (&raw.exclude, false)] {
            for glob in globs {
                filter.add(glob.get_ref(), include).map_err(|m| err(Some(glob.span()), m))?;
            }
        }
        let filter = filter.build().map_err(|m| err(None, m))?;
        let test_globs = if raw.test_paths.is_empty() {
            None
        } else {
            let mut builder = GitignoreBuilder::new(root);
            for glob in &raw.test_paths {
                check_glob(root, glob.get_ref()).map_err(|m| err(Some(glob.span()), m))?;
                builder.add_line(None, glob.get_ref()).map_err(|e| err(Some(glob.span()), glob_message(&e)))?;
            }
            let globs = builder.build().map_err(|e| err(None, glob_message(&e)))?;
            Some(Arc::new(ExtraTestPaths { root: root.to_path_buf(), globs }))
        };

        let mut kb = KbFile {
            function: raw.function,
            method: raw.method,
            structs: raw.structs,
            helper: raw.helper,
            constants: raw.constants,
            ..KbFile::default()
        };
        let own_name = Path::new(shown).file_name().and_then(|n| n.to_str()).unwrap_or(FILE_NAME).to_string();
        for api in kb.function.iter_mut().chain(kb.method.iter_mut()) {
            if api.header.is_empty() {
                api.header.clone_from(&own_name);
            }
        }
        for s in &mut kb.structs {
            if s.header.is_empty() {
                s.header.clone_from(&own_name);
            }
        }
        if let Some(m) = kb.method.iter().find(|m| m.interface.is_none()) {
            return Err(err(None, format!("[[method]] \"{}\" needs an `interface`", m.name)));
        }

        Ok(Config {
            path: None,
            root: root.to_path_buf(),
            impersonation_ceiling: raw.impersonation_ceiling.map(|c| match c {
                CeilingValue::Anonymous => ImpLevel::Anonymous,
                CeilingValue::Identify => ImpLevel::Identify,
                CeilingValue::Impersonate => ImpLevel::Impersonate,
                CeilingValue::Delegate => ImpLevel::Delegate,
            }),
            minimum_authn_level: raw.minimum_authn_level.map(|l| match l {
                LevelValue::PktIntegrity => MinimumLevel::PktIntegrity,
                LevelValue::PktPrivacy => MinimumLevel::PktPrivacy,
            }),
            include: raw.include.into_iter().map(Spanned::into_inner).collect(),
            exclude: raw.exclude.into_iter().map(Spanned::into_inner).collect(),
            test_code: raw.test_code.map(|t| match t {
                TestCodeValue::Skip => TestCodeMode::Skip,
                TestCodeValue::Report => TestCodeMode::Report,
            }),
            test_paths: raw.test_paths.into_iter().map(Spanned::into_inner).collect(),
            audit: raw.audit,
            rules: rule_levels,
            kb,
            filter: filter.map(Arc::new),
            test_globs,
        })
    }

    /// The engine settings this configuration asks for (the command line
    /// then adjusts them): rule options, severities, rules turned off or on,
    /// and the run's knowledge base.
    pub fn settings(&self) -> Settings {
        let mut settings = Settings::default();
        self.apply(&mut settings);
        settings
    }

    /// Writes this configuration into `settings`.
    pub(crate) fn apply(&self, settings: &mut Settings) {
        let defaults = RuleOptions::default();
        settings.rule_options = RuleOptions {
            impersonation_ceiling: self.impersonation_ceiling.unwrap_or(defaults.impersonation_ceiling),
            minimum_authn_level: self.minimum_authn_level.unwrap_or(defaults.minimum_authn_level),
        };
        for (rule, level) in &self.rules {
            match level.severity() {
                None => settings.ignore.push(rule.clone()),
                Some(severity) => {
                    settings.enable.push(rule.clone());
                    settings.severity.push((rule.clone(), severity));
                }
            }
        }
        if !self.kb.is_empty() {
            settings.kb = Some(Arc::new(Kb::extended(&self.kb)));
        }
        if self.audit == Some(true) {
            settings.enable.push(rules::GROUP_AUDIT.to_string());
        }
        settings.test_code.mode = self.test_code.unwrap_or_default();
        settings.test_code.extra.clone_from(&self.test_globs);
    }

    /// Whether `include` / `exclude` keep this file (a path as discovery
    /// gives it: relative to the current directory, or absolute).
    pub(crate) fn keeps(&self, path: &Path) -> bool {
        self.filter.as_ref().is_none_or(|f| f.keeps(path))
    }

    /// `rpclint config --show`: the effective configuration as TOML.
    pub(crate) fn show(&self, settings: &Settings) -> String {
        let mut out = String::new();
        match &self.path {
            Some(p) => out.push_str(&format!("# configuration file: {}\n", shown_path(p))),
            None => out.push_str("# no configuration file: built-in defaults\n"),
        }
        let options = &settings.rule_options;
        out.push_str(&format!("impersonation-ceiling = \"{}\"\n", options.impersonation_ceiling.as_str()));
        let level = match options.minimum_authn_level {
            MinimumLevel::PktIntegrity => "pkt-integrity",
            MinimumLevel::PktPrivacy => "pkt-privacy",
        };
        out.push_str(&format!("minimum-authn-level = \"{level}\"\n"));
        out.push_str(&format!("include = {}\n", toml_strings(&self.include)));
        out.push_str(&format!("exclude = {}\n", toml_strings(&self.exclude)));
        out.push_str(&format!("test-code = \"{}\"\n", settings.test_code.mode.as_str()));
        out.push_str(&format!("test-paths = {}\n", toml_strings(&self.test_paths)));
        out.push_str(&format!("audit = {}\n", self.audit.unwrap_or(false)));
        out.push_str("\n[rules]\n");
        let enabled = settings.rules();
        for rule in rules::ALL {
            let on = enabled.iter().any(|r| r.name == rule.name);
            let level = if on { settings.severity_of(rule).as_str() } else { "off" };
            let configured = settings.severity.iter().any(|(n, _)| n == rule.name);
            let audit = rule.group() == rules::GROUP_AUDIT && !std::ptr::eq(*rule, rules::UNUSED_SUPPRESSION);
            let note = if on && !configured {
                "  # default"
            } else if !on && audit && settings.select.is_empty() && !settings.ignore.iter().any(|n| n == rule.name) {
                "  # audit group: --select audit, or audit = true"
            } else {
                ""
            };
            out.push_str(&format!("{} = \"{level}\"{note}\n", rule.name));
        }
        if !self.kb.is_empty() {
            out.push_str("\n# knowledge-base entries added to rules/api.toml\n");
            match toml::to_string(&self.kb) {
                Ok(text) => out.push_str(&text),
                Err(e) => out.push_str(&format!("# (cannot show: {e})\n")),
            }
        }
        out
    }
}

fn toml_strings(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", quoted.join(", "))
}

/// 1-based line and column (characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before.get(line_start..).map_or(1, |s| s.chars().count() + 1);
    (line, col)
}

/// Rewrites serde's and toml's messages in rpclint's words.
fn humanize(message: &str) -> String {
    let message = message.trim().trim_end_matches('.');
    let ticked = |s: &str| -> Vec<String> { s.split('`').skip(1).step_by(2).map(str::to_string).collect() };
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let names = ticked(rest);
        let Some((key, expected)) = names.split_first() else { return message.to_string() };
        let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
        let hint = did_you_mean(key, &expected).map(|k| format!("did you mean \"{k}\"? ")).unwrap_or_default();
        return if expected.is_empty() {
            format!("unknown key \"{key}\"")
        } else {
            format!("unknown key \"{key}\"; {hint}expected one of {}", expected.join(", "))
        };
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let names = ticked(rest);
        let Some((value, expected)) = names.split_first() else { return message.to_string() };
        let expected: Vec<String> = expected.iter().map(|e| format!("\"{e}\"")).collect();
        return format!("unknown value \"{value}\"; expected one of {}", expected.join(", "));
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        return match rest.split_once(", expected ") {
            Some((found, expected)) => format!("wrong type: expected {expected}, found {found}"),
            None => format!("wrong type: {rest}"),
        };
    }
    // toml's word for an enum given something that is not a string.
    if message == "wanted string or table" {
        return "wrong type: expected a string".to_string();
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        return format!("missing key \"{}\"", rest.trim_matches('`'));
    }
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The top-level keys, in the order serde lists them.
    const TOP_KEYS: &[&str] = &[
        "impersonation-ceiling",
        "minimum-authn-level",
        "include",
        "exclude",
        "test-code",
        "test-paths",
        "audit",
        "rules",
        "function",
        "method",
        "struct",
        "helper",
        "constants",
    ];

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, "rpclint.toml", Path::new("/project"))
    }

    fn error(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn empty_file_is_the_defaults() {
        let c = parse("").unwrap();
        assert!(c.rules.is_empty() && c.kb.is_empty() && c.include.is_empty());
        let s = c.settings();
        assert_eq!(s.rule_options.impersonation_ceiling, ImpLevel::Identify);
        assert!(s.kb.is_none());
    }

    #[test]
    fn every_key() {
        let c = parse(
            "impersonation-ceiling = \"impersonate\"\nminimum-authn-level = \"pkt-integrity\"\n\
             include = [\"src/**\"]\nexclude = [\"src/vendor/\"]\n\
             [rules]\nmissing-privacy = \"off\"\nmissing-integrity = \"warning\"\n\
             [[function]]\nname = \"MyBind\"\nparams = [{ name = \"h\", role = \"binding\" }, { name = \"level\", role = \"authn-level\" }]\n\
             [[helper]]\nnames = [\"IsTrusted\"]\nkind = \"compare\"\n\
             [constants.project]\nMY_LEVEL = 2\n",
        )
        .unwrap();
        assert_eq!(c.impersonation_ceiling, Some(ImpLevel::Impersonate));
        assert_eq!(c.minimum_authn_level, Some(MinimumLevel::PktIntegrity));
        assert_eq!(c.kb.function[0].header, "rpclint.toml");
        let s = c.settings();
        assert_eq!(s.ignore, ["missing-privacy"]);
        assert_eq!(s.severity, [("missing-integrity".to_string(), Severity::Warning)]);
        assert!(s.kb.as_ref().unwrap().api_for_call("MyBind", false, 2).is_some());
        assert!(c.keeps(Path::new("/project/src/a.c")));
        assert!(!c.keeps(Path::new("/project/src/vendor/x/a.c")));
        assert!(!c.keeps(Path::new("/project/tests/a.c")));
        assert!(c.keeps(Path::new("/elsewhere/a.c")));
        assert_eq!(s.test_code.mode, TestCodeMode::Skip);
        assert!(s.test_code.extra.is_none());
    }

    #[test]
    fn test_code_keys_and_the_audit_group() {
        let c = parse("test-code = \"report\"\ntest-paths = [\"qa/\", \"*_check.c\"]\naudit = true\n").unwrap();
        let s = c.settings();
        assert_eq!(s.test_code.mode, TestCodeMode::Report);
        let tc = &s.test_code;
        assert!(tc.is_test_file(Path::new("/project/qa/a.c"), Some(Path::new("/project"))));
        assert!(tc.is_test_file(Path::new("/project/src/a_check.c"), Some(Path::new("/project"))));
        assert!(!tc.is_test_file(Path::new("/project/src/a.c"), Some(Path::new("/project"))));
        assert_eq!(s.enable, ["audit"]);
        let audit: Vec<&str> = rules::ALL.iter().filter(|r| r.group() == "audit").map(|r| r.name).collect();
        let on: Vec<&str> = s.rules().iter().map(|r| r.name).collect();
        assert!(audit.iter().all(|a| on.contains(a)), "{on:?}");
        assert!(error("test-paths = [\"{qa\"]\n").starts_with("rpclint.toml:1:15: invalid glob \"{qa\""));
        assert_eq!(parse("audit = false\n").unwrap().settings().enable, Vec::<String>::new());
    }

    #[test]
    fn unknown_keys_name_line_column_and_the_expected_keys() {
        assert_eq!(
            error("minimum-authn-level = \"pkt-privacy\"\nseverty = 1\n"),
            format!("rpclint.toml:2:1: unknown key \"severty\"; expected one of {}", TOP_KEYS.join(", "))
        );
        let e = error("[[function]]\nname = \"F\"\nparms = []\n");
        assert!(
            e.starts_with("rpclint.toml:3:1: unknown key \"parms\"; did you mean \"params\"? expected one of "),
            "{e}"
        );
        let e = error("[[helper]]\nnames = [\"x\"]\nkind = \"compare\"\nform = 1\n");
        assert!(e.starts_with("rpclint.toml:4:1: unknown key \"form\"; did you mean \"from\"?"), "{e}");
    }

    #[test]
    fn wrong_types_and_values() {
        assert_eq!(
            error("include = \"src\"\n"),
            "rpclint.toml:1:11: wrong type: expected a sequence, found string \"src\""
        );
        assert_eq!(
            error("impersonation-ceiling = \"max\"\n"),
            "rpclint.toml:1:25: unknown value \"max\"; expected one of \"anonymous\", \"identify\", \"impersonate\", \"delegate\""
        );
        assert_eq!(
            error("[rules]\nmissing-privacy = \"fatal\"\n"),
            "rpclint.toml:2:19: unknown value \"fatal\"; expected one of \"off\", \"error\", \"warning\", \"note\""
        );
        let e = error("[[function]]\nname = \"F\"\nparams = [{ name = \"l\", role = \"level\" }]\n");
        assert!(e.starts_with("rpclint.toml:3:"), "{e}");
        assert!(e.contains("unknown value \"level\""), "{e}");
    }

    #[test]
    fn unknown_rule_names_are_errors_with_a_suggestion() {
        let e = error("[rules]\nmissing-integrty = \"off\"\n");
        assert!(
            e.starts_with("rpclint.toml:2:1: unknown rule \"missing-integrty\"; did you mean \"missing-integrity\"? expected one of "),
            "{e}"
        );
    }

    #[test]
    fn syntax_errors_and_bad_globs_have_positions() {
        let e = error("[rules\n");
        assert!(e.starts_with("rpclint.toml:1:"), "{e}");
        let e = error("exclude = [\"a\", \"{b\"]\n");
        assert!(e.starts_with("rpclint.toml:1:17: invalid glob \"{b\": "), "{e}");
    }

    #[test]
    fn method_needs_an_interface() {
        assert_eq!(
            error("[[method]]\nname = \"M\"\nparams = []\n"),
            "rpclint.toml: [[method]] \"M\" needs an `interface`"
        );
    }

    #[test]
    fn show_lists_every_rule_and_key() {
        let c = parse("[rules]\nmissing-privacy = \"off\"\n").unwrap();
        let text = c.show(&c.settings());
        assert!(text.contains("impersonation-ceiling = \"identify\"\n"), "{text}");
        assert!(text.contains("missing-privacy = \"off\"\n"), "{text}");
        assert!(text.contains("com-no-access-check = \"warning\"  # default\n"), "{text}");
        assert!(
            text.contains("missing-integrity = \"off\"  # audit group: --select audit, or audit = true\n"),
            "{text}"
        );
        assert!(text.contains("test-code = \"skip\"\ntest-paths = []\naudit = false\n"), "{text}");
        let parsed: toml::Table = toml::from_str(&text).unwrap();
        assert!(parsed.contains_key("rules"));
    }

    #[test]
    fn typo_suggestions() {
        assert_eq!(did_you_mean("exlude", TOP_KEYS), Some("exclude"));
        assert_eq!(did_you_mean("zzz", TOP_KEYS), None);
    }
}
