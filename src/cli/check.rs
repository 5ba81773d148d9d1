//! The `check` command: the configuration merged with the flags, the run,
//! the baseline, the output and the exit code.

use std::fs::File;
use std::io::{self, Write};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use super::args::{CheckArgs, ColorArg, ConfigArgs, FormatArg};
use super::fix;
use super::inputs::{self, gather};
use super::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, Ui};
use crate::baseline::BaselineFile;
use crate::config::Config;
use crate::discover::{self};
use crate::emit::{self, Counts, EmitOptions, Format};
use crate::engine::Settings;
use crate::report::{FileError, FixOutcome, Report};

/// The configuration for a run: none with `--isolated`, the `--config`
/// file, or the nearest `rpclint.toml` above `start`.
pub(super) fn load_config(args: &ConfigArgs, start: &Path, ui: &mut Ui<'_, '_>) -> Option<Config> {
    let found = if args.isolated {
        None
    } else if let Some(path) = &args.config {
        Some(path.clone())
    } else {
        Config::find(start)
    };
    let Some(path) = found else { return Some(Config::default()) };
    match Config::load(&path) {
        Ok(config) => Some(config),
        Err(err) => {
            ui.error(None, &err.to_string());
            None
        }
    }
}

/// Checks rule names on the command line; false (after saying so) if one is unknown.
pub(super) fn rule_names_are_known(args: &ConfigArgs, ui: &mut Ui<'_, '_>) -> bool {
    let env = ui.env;
    let mut ok = true;
    for (flag, names) in [("--select", &args.select), ("--ignore", &args.ignore)] {
        let known =
            |n: &String| env.rules.iter().any(|r| r.name == n.as_str()) || crate::rules::GROUPS.contains(&n.as_str());
        for name in names.iter().filter(|n| !known(n)) {
            ui.unknown_rule(name, &format!(" in {flag}"));
            ok = false;
        }
    }
    ok
}

/// The configuration's settings, adjusted by the command line, which wins:
/// `--select` runs exactly its rules (or groups: `default`, `audit`, `all`)
/// even if the configuration turns them off; `--ignore` drops rules even if
/// the configuration sets a severity.
pub(super) fn merged_settings(config: &Config, args: &ConfigArgs) -> Settings {
    let mut settings = config.settings();
    settings.ignore.retain(|r| !args.select.contains(r));
    settings.ignore.extend(args.ignore.iter().cloned());
    settings.select.clone_from(&args.select);
    if args.report_unused_suppressions {
        let name = crate::rules::UNUSED_SUPPRESSION.name.to_string();
        if !settings.select.is_empty() {
            settings.select.push(name.clone());
        }
        settings.enable.push(name);
    }
    settings
}

/// The project root when no repository holds `start` (the first path):
/// the current directory if `start` is inside it, else `start` itself (a
/// directory) or its directory (a file). So `rpclint check /src/wine` run
/// from elsewhere judges wine's `dlls/x/tests/` as test code, as
/// `cd /src/wine && rpclint check .` does.
fn root_outside_git(start: &Path, current_dir: Option<&Path>) -> Option<PathBuf> {
    let start = crate::paths::absolute(start);
    if let Some(cwd) = current_dir.filter(|cwd| start.starts_with(cwd)) {
        return Some(cwd.to_path_buf());
    }
    if start.is_dir() { Some(start) } else { start.parent().map(Path::to_path_buf) }
}

pub(super) fn check(args: &CheckArgs, ui: &mut Ui<'_, '_>, stdout: &mut dyn Write) -> io::Result<u8> {
    let env = ui.env;
    if !rule_names_are_known(&args.config, ui) {
        return Ok(EXIT_ERROR);
    }
    // The configuration is looked for from the first path (or the name
    // standing for standard input).
    let start =
        args.stdin_filename.clone().or_else(|| args.paths.first().cloned()).unwrap_or_else(|| PathBuf::from("."));
    let Some(config) = load_config(&args.config, &start, ui) else { return Ok(EXIT_ERROR) };
    let mut settings = merged_settings(&config, &args.config);
    settings.jobs = args.jobs.map(NonZeroUsize::get);
    if args.include_tests {
        settings.test_code.mode = crate::testcode::TestCodeMode::Report;
    }
    settings.limits = crate::limits::Limits::default().with(args.max_file_size, args.file_timeout);
    settings.project_root =
        crate::git::repository_root(&start).or_else(|| root_outside_git(&start, env.current_dir.as_deref()));
    let baseline = match &args.baseline {
        None => None,
        Some(path) => match BaselineFile::load(path) {
            Ok(b) => Some(b),
            Err(e) => {
                ui.error(Some(&crate::source::display_path(path)), &e);
                return Ok(EXIT_ERROR);
            }
        },
    };

    // A plain run starts checking while the walk goes on (engine/walked.rs).
    let (job, walked_report) = match env.walked.filter(|_| inputs::walkable(args)) {
        Some(walked) => match inputs::walk_and_check(args, &config, ui, walked, &settings) {
            Some((job, report)) => (job, Some(report)),
            None => return Ok(EXIT_ERROR),
        },
        None => match gather(args, &config, ui) {
            Some(job) => (job, None),
            None => return Ok(EXIT_ERROR),
        },
    };
    if let Some(why) = &job.nothing_selected {
        ui.warning(why);
    }
    let fixing = args.fix || args.unsafe_fixes || args.diff;
    if fixing && !args.diff && args.stdin_filename.is_some() {
        ui.error(None, "--fix and --unsafe-fixes cannot write to standard input; use --diff");
        return Ok(EXIT_ERROR);
    }
    let completed = |mut report: Report| {
        report.errors.extend(job.errors.iter().cloned());
        report.errors.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
        report.errors.dedup();
        if let Some(baseline) = baseline.as_ref().filter(|_| fixing) {
            baseline.apply(&mut report);
        }
        report
    };
    let mut analyse = |inputs: &[crate::engine::Input]| completed((env.engine)(inputs, &job.context, &settings));
    let mut report = match walked_report {
        Some(report) => completed(report),
        None => analyse(&job.check),
    };
    let mut failed = false;
    if fixing {
        let outcome = fix::rounds(&job.check, report, args.unsafe_fixes, &mut analyse);
        report = outcome.report;
        let dry_run = args.diff;
        report.fixes = Some(FixOutcome { fixed: outcome.fixed, unsafe_fixes: args.unsafe_fixes, dry_run });
        if dry_run {
            for c in &outcome.changed {
                let shown = crate::source::display_path(&c.path);
                stdout.write_all(crate::apply::diff::unified(&shown, &c.old, &c.new).as_bytes())?;
            }
            stdout.flush()?;
            if !args.quiet {
                let _ = writeln!(ui.stderr, "{}", crate::emit::fix_summary(&report));
            }
            return Ok(if outcome.changed.is_empty() { EXIT_OK } else { EXIT_FINDINGS });
        }
        failed |= !write_fixed(&outcome.changed, ui);
    }

    if let Some(path) = &args.write_baseline {
        let written = BaselineFile::from_report(&report, settings.project_root.as_deref());
        match written.write(path) {
            // The new baseline holds every current finding: report against it.
            Ok(()) => written.apply(&mut report),
            Err(err) => {
                ui.error(Some(&crate::source::display_path(path)), &discover::io_message(&err));
                failed = true;
            }
        }
    } else if let Some(baseline) = baseline.as_ref().filter(|_| !fixing) {
        baseline.apply(&mut report);
    }

    let to_terminal = args.output.is_none() && env.stdout_is_terminal;
    let format = match args.format {
        Some(FormatArg::Human) => Format::Human,
        Some(FormatArg::Short) => Format::Short,
        Some(FormatArg::Json) => Format::Json,
        Some(FormatArg::Sarif) => Format::Sarif,
        Some(FormatArg::Github) => Format::Github,
        Some(FormatArg::Gitlab) => Format::Gitlab,
        Some(FormatArg::Junit) => Format::Junit,
        None if to_terminal => Format::Human,
        None => Format::Short,
    };
    let color = match (args.no_color, args.color) {
        (true, _) | (false, ColorArg::Never) => false,
        (false, ColorArg::Always) => true,
        (false, ColorArg::Auto) => to_terminal && !env.no_color && !env.dumb_terminal,
    };
    let opts = EmitOptions {
        color,
        summary: !args.quiet,
        rules: env.rules,
        src_root: env.current_dir.as_deref(),
        baseline: args.baseline.is_some() || args.write_baseline.is_some(),
    };

    // Reports besides --format, each to its file (Semgrep's `--sarif-output=FILE` family).
    let extra = [
        (&args.sarif_output, Format::Sarif),
        (&args.gitlab_output, Format::Gitlab),
        (&args.junit_xml_output, Format::Junit),
        (&args.json_output, Format::Json),
        (&args.text_output, Format::Short),
    ];
    for (path, format) in extra {
        let Some(path) = path else { continue };
        if let Err(err) = write_file(path, format, &report, &EmitOptions { color: false, ..opts }) {
            ui.error(Some(&crate::source::display_path(path)), &discover::io_message(&err));
            failed = true;
        }
    }
    match &args.output {
        Some(path) => {
            if let Err(err) = write_file(path, format, &report, &opts) {
                ui.error(Some(&crate::source::display_path(path)), &discover::io_message(&err));
                failed = true;
            }
        }
        None => {
            emit::write(format, &report, stdout, &opts)?;
            stdout.flush()?;
        }
    }
    for w in &report.warnings {
        ui.warning(&format!("{}:{}:{}: {}", w.path, w.line, w.column, w.message));
    }
    report_file_errors(ui, &report.errors);

    let findings = Counts::of(&report).at_least(args.fail_on.into());
    Ok(if failed || !report.errors.is_empty() {
        EXIT_ERROR
    } else if findings > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

/// Writes the fixed files back, each only if it still holds what was read;
/// false (after saying why) if one could not be written.
fn write_fixed(changed: &[fix::Changed], ui: &mut Ui<'_, '_>) -> bool {
    let mut ok = true;
    for c in changed {
        let shown = crate::source::display_path(&c.path);
        if std::fs::read(&c.path).ok().as_deref() != Some(c.original.as_slice()) {
            ui.error(Some(&shown), "changed while rpclint ran; fixes not written");
            ok = false;
            continue;
        }
        let bytes = crate::apply::stored::encode(&c.new, c.stored);
        if let Err(err) = crate::apply::stored::write_atomic(&c.path, &bytes) {
            ui.error(Some(&shown), &format!("cannot write the fixes: {}", discover::io_message(&err)));
            ok = false;
        }
    }
    ok
}

pub(super) fn write_file(path: &Path, format: Format, report: &Report, opts: &EmitOptions<'_>) -> io::Result<()> {
    let mut out = io::BufWriter::new(File::create(path)?);
    emit::write(format, report, &mut out, opts)?;
    out.flush()
}

pub(super) fn report_file_errors(ui: &mut Ui<'_, '_>, errors: &[FileError]) {
    for e in errors {
        ui.error(Some(&e.path), &e.message);
    }
}
