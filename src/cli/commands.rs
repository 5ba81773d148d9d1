//! The small commands: `rules`, `explain`, `config` and `debug-ir`.

use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;

use super::args::{ConfigCmdArgs, DebugIrArgs, ExplainArgs, RulesArgs, RulesFormat};
use super::check::{load_config, merged_settings, rule_names_are_known};
use super::{EXIT_ERROR, EXIT_OK, Env, Ui};
use crate::diagnostic::Severity;
use crate::discover::{self};
use crate::rules::{Precision, Rule};

/// `rpclint debug-ir FILE...`: the IR each file lowers to.
pub(super) fn debug_ir(args: &DebugIrArgs, ui: &mut Ui<'_, '_>, stdout: &mut dyn Write) -> io::Result<u8> {
    let mut code = EXIT_OK;
    for path in &args.files {
        let Some(lang) = crate::frontend::Lang::from_path(path) else {
            ui.error(Some(&path.display().to_string()), "not a C, C++ or Rust file");
            code = EXIT_ERROR;
            continue;
        };
        match std::fs::read(path) {
            Ok(bytes) => {
                let (text, _) = crate::source::decode(&bytes);
                let ir = crate::frontend::lower(lang, &text, crate::frontend::Depth::Full);
                writeln!(stdout, "# {}", path.display())?;
                stdout.write_all(ir.dump().as_bytes())?;
            }
            Err(e) => {
                ui.error(Some(&path.display().to_string()), &discover::io_message(&e));
                code = EXIT_ERROR;
            }
        }
    }
    Ok(code)
}

pub(super) fn show_config(args: &ConfigCmdArgs, ui: &mut Ui<'_, '_>, stdout: &mut dyn Write) -> io::Result<u8> {
    if !rule_names_are_known(&args.config, ui) {
        return Ok(EXIT_ERROR);
    }
    let start = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let Some(config) = load_config(&args.config, &start, ui) else { return Ok(EXIT_ERROR) };
    let settings = merged_settings(&config, &args.config);
    stdout.write_all(config.show(&settings).as_bytes())?;
    stdout.flush()?;
    Ok(EXIT_OK)
}

/// `rpclint rules --format json`: `{"version": 1, "rules": [...]}`.
#[derive(Serialize)]
pub(super) struct RuleList<'a> {
    version: u32,
    rules: Vec<RuleEntry<'a>>,
}

#[derive(Serialize)]
pub(super) struct RuleEntry<'a> {
    name: &'a str,
    default_severity: Severity,
    precision: Precision,
    group: &'static str,
    /// Some of its findings carry a fix (`check --fix`).
    fix: bool,
    summary: &'a str,
}

/// `default`, `audit`, or `opt-in` for `unused-suppression`, which no group
/// holds (`--report-unused-suppressions` turns it on).
fn group_of(rule: &Rule) -> &'static str {
    if std::ptr::eq(rule, crate::rules::UNUSED_SUPPRESSION) { "opt-in" } else { rule.group() }
}

pub(super) fn list_rules(args: &RulesArgs, env: &Env<'_>, stdout: &mut dyn Write) -> io::Result<u8> {
    match args.format {
        RulesFormat::Table => {
            let width = env.rules.iter().map(|r| r.name.len()).max().unwrap_or(0);
            for rule in env.rules {
                let severity = rule.default_severity.as_str();
                let precision = rule.precision.as_str();
                let group = group_of(rule);
                let fix = if rule.has_fix() { "fix" } else { "-" };
                writeln!(
                    stdout,
                    "{:width$}  {severity:7}  {precision:6}  {group:7}  {fix:3}  {}",
                    rule.name,
                    rule.summary()
                )?;
            }
        }
        RulesFormat::Json => {
            let list = RuleList {
                version: 1,
                rules: env
                    .rules
                    .iter()
                    .map(|r| RuleEntry {
                        name: r.name,
                        default_severity: r.default_severity,
                        precision: r.precision,
                        group: group_of(r),
                        fix: r.has_fix(),
                        summary: r.summary(),
                    })
                    .collect(),
            };
            serde_json::to_writer_pretty(&mut *stdout, &list)?;
            writeln!(stdout)?;
        }
    }
    stdout.flush()?;
    Ok(EXIT_OK)
}

pub(super) fn explain(args: &ExplainArgs, ui: &mut Ui<'_, '_>, stdout: &mut dyn Write) -> io::Result<u8> {
    let Some(rule) = ui.env.rules.iter().find(|r| r.name == args.rule) else {
        ui.unknown_rule(&args.rule, "");
        return Ok(EXIT_ERROR);
    };
    stdout.write_all(rule.doc.as_bytes())?;
    if !rule.doc.ends_with('\n') {
        writeln!(stdout)?;
    }
    stdout.flush()?;
    Ok(EXIT_OK)
}
