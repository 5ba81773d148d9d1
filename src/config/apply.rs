//! What a configuration asks of a run: the `Settings` it writes (rule
//! options, severities, rules turned off or on, the audit group, test code,
//! the knowledge base), and `rpclint config --show`.

use std::sync::Arc;

use super::Config;
use crate::kb::Kb;
use crate::paths::shown_path;
use crate::rules::{self, MinimumLevel, RuleOptions};
use crate::settings::Settings;

impl Config {
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
