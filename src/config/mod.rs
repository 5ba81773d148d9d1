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
//!
//! This file holds `Config` and its loading: finding the file, parsing and
//! checking it. `schema.rs` is the document as serde reads it, `apply.rs`
//! what it asks of a run (`Settings`) and `config --show`, `error.rs`
//! `ConfigError` and serde's messages in rpclint's words, `filter.rs` the
//! `include`/`exclude` globs.

mod apply;
mod error;
mod filter;
mod schema;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml::Spanned;

use self::error::{humanize, line_col};
use self::filter::{BuiltFilter, PathFilter, check_glob, glob_message};
use self::schema::{CeilingValue, LevelValue, RawConfig, TestCodeValue};
use crate::kb::KbFile;
use crate::paths::{absolute, shown_path};
use crate::rules::{self, ImpLevel, MinimumLevel};
use crate::spelling::did_you_mean;
use crate::testcode::{ExtraTestPaths, TestCodeMode};
use ignore::gitignore::GitignoreBuilder;

pub use self::error::ConfigError;
pub(crate) use self::schema::RuleLevel;

/// The file name looked for.
pub const FILE_NAME: &str = "rpclint.toml";

/// A loaded configuration (or the defaults, when there is no file).
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The file it came from; `None` for the built-in defaults.
    pub(crate) path: Option<PathBuf>,
    pub(crate) impersonation_ceiling: Option<ImpLevel>,
    pub(crate) minimum_authn_level: Option<MinimumLevel>,
    pub(crate) include: Vec<String>,
    pub(crate) exclude: Vec<String>,
    /// `test-code`: what to do with findings in test code.
    pub(crate) test_code: Option<TestCodeMode>,
    /// `test-paths`: globs naming more test code, relative to the file's directory.
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
                builder
                    .add_line(None, &crate::paths::text::glob(glob.get_ref()))
                    .map_err(|e| err(Some(glob.span()), glob_message(&e)))?;
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

    /// Whether `include` / `exclude` keep this file (a path as discovery
    /// gives it: relative to the current directory, or absolute).
    pub(crate) fn keeps(&self, path: &Path) -> bool {
        self.filter.as_ref().is_none_or(|f| f.keeps(path))
    }
}
