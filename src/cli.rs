//! The command line: `rpclint [check] [PATHS]...`, `rpclint rules`,
//! `rpclint explain RULE`. Parses with clap, runs discovery and the engine,
//! hands the report to an emitter and decides the exit code. No analysis
//! happens here.
//!
//! [`run`] takes its streams, the rule list and the facts it would otherwise
//! read from the process (is stdout a terminal, `NO_COLOR`, the current
//! directory) as arguments, so tests can drive it in-process.
//!
//! Exit codes (ripgrep's convention): 0 nothing at or above `--fail-on`,
//! 1 findings, 2 a usage, configuration or I/O error. A file that cannot be
//! read makes the exit code 2, but every other file is still checked and
//! reported. Results go to stdout (or `--output`), errors to stderr as
//! `rpclint: error: <path>: <message>`. A closed stdout (`rpclint | head`)
//! ends the run quietly with 0.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::Serialize;

use crate::baseline::BaselineFile;
use crate::config::Config;
use crate::diagnostic::Severity;
use crate::discover::{self, DiscoverError};
use crate::emit::{self, Counts, EmitOptions, Format};
use crate::engine::{self, Input, Settings};
use crate::report::{FileError, Report};
use crate::rules::Rule;

/// Exit code: nothing at or above `--fail-on`.
pub const EXIT_OK: u8 = 0;
/// Exit code: findings at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: usage, configuration or I/O error.
pub const EXIT_ERROR: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "rpclint",
    version,
    about = "Finds insecure Windows RPC, SSPI and COM security settings in C, C++ and Rust",
    after_help = "Without a command, rpclint checks the given paths (default: the current directory).\n\
                  To check a directory named like a command, write `rpclint check rules` or `rpclint ./rules`.\n\
                  Exit status: 0 no findings at or above --fail-on, 1 findings, 2 errors.",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check files and directories (the default command).
    Check(Box<CheckArgs>),
    /// List the rules with their default severity and summary.
    Rules(RulesArgs),
    /// Print a rule's documentation.
    Explain(ExplainArgs),
    /// Show the effective configuration (`rpclint config --show`).
    Config(ConfigCmdArgs),
    /// Print the intermediate representation of files (for bug reports).
    #[command(hide = true)]
    DebugIr(DebugIrArgs),
}

#[derive(Args, Debug)]
struct DebugIrArgs {
    /// Source files (the extension decides the language)
    #[arg(value_name = "FILE", required = true)]
    files: Vec<std::path::PathBuf>,
}

/// The options that decide the configuration, shared by `check` and `config`.
#[derive(Args, Debug, Default)]
struct ConfigArgs {
    /// Use this configuration file instead of the nearest rpclint.toml
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Ignore every configuration file
    #[arg(long, conflicts_with = "config")]
    isolated: bool,

    /// Run only these rules (comma-separated, repeatable); beats `off` in the configuration
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    select: Vec<String>,

    /// Do not run these rules (comma-separated, repeatable); beats the configuration
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    ignore: Vec<String>,

    /// Report suppression comments that suppress nothing (rule unused-suppression)
    #[arg(long)]
    report_unused_suppressions: bool,
}

#[derive(Args, Debug)]
struct ConfigCmdArgs {
    /// Print the effective configuration as TOML (the default action)
    #[arg(long)]
    show: bool,

    /// Where to look for rpclint.toml from [default: .]
    #[arg(value_name = "PATH")]
    path: Option<PathBuf>,

    #[command(flatten)]
    config: ConfigArgs,
}

#[derive(Args, Debug, Default)]
struct CheckArgs {
    /// Files and directories to check [default: .]
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,

    #[command(flatten)]
    config: ConfigArgs,

    /// Output format [default: human on a terminal, else short]
    #[arg(long, value_enum, value_name = "FORMAT")]
    format: Option<FormatArg>,

    /// Exit with 1 when an unsuppressed finding is at least this severe
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = SeverityArg::Warning)]
    fail_on: SeverityArg,

    /// Skip paths matching this gitignore-style glob (repeatable)
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,

    /// Worker threads [default: one per core]
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<NonZeroUsize>,

    /// When to colour the output (NO_COLOR is honoured by `auto`)
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorArg::Auto)]
    color: ColorArg,

    /// Same as --color never
    #[arg(long)]
    no_color: bool,

    /// Write the report to FILE instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,

    /// Also write SARIF to FILE (with any --format)
    #[arg(long, value_name = "FILE")]
    sarif_file: Option<PathBuf>,

    /// Report only findings that are not in this baseline file
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// Record the current findings in FILE as the new baseline
    #[arg(long, value_name = "FILE", conflicts_with_all = ["changed_since", "stdin_filename"])]
    write_baseline: Option<PathBuf>,

    /// Check only files changed since this git revision (and untracked ones)
    #[arg(long, value_name = "REV", conflicts_with = "stdin_filename")]
    changed_since: Option<String>,

    /// Check only shard K of N (e.g. 2/4): files are assigned by a hash of their path, so N jobs
    /// each check a disjoint part; constants still resolve from the whole tree
    #[arg(long, value_name = "K/N", value_parser = parse_shard, conflicts_with = "stdin_filename")]
    shard: Option<(u64, u64)>,

    /// Read the source from standard input; NAME gives its language, path and configuration
    #[arg(long, value_name = "NAME", conflicts_with = "paths")]
    stdin_filename: Option<PathBuf>,

    /// Print findings and errors only: no summary line
    #[arg(long, short = 'q')]
    quiet: bool,

    /// Do not analyse files larger than this (bytes, or with K, M, G) [default: 10M]
    #[arg(long, value_name = "BYTES", value_parser = crate::limits::parse_size)]
    max_file_size: Option<u64>,

    /// Stop parsing, and analysing, one file after this long (0: no limit) [default: 30]
    #[arg(long, value_name = "SECONDS", value_parser = crate::limits::parse_timeout)]
    file_timeout: Option<std::time::Duration>,
}

#[derive(Args, Debug)]
struct RulesArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
    format: RulesFormat,
}

#[derive(Args, Debug)]
struct ExplainArgs {
    /// The rule's name, e.g. missing-integrity
    rule: String,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Human,
    Short,
    Json,
    Sarif,
    Github,
}

#[derive(Clone, Copy, Debug, Default, ValueEnum)]
enum SeverityArg {
    Error,
    #[default]
    Warning,
    Note,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
enum ColorArg {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RulesFormat {
    Table,
    Json,
}

/// What [`run`] would otherwise take from the process and the crate.
#[derive(Clone)]
pub struct Env<'a> {
    /// The rules `rules`, `explain`, `--select` and SARIF know.
    pub rules: &'a [&'a Rule],
    /// The analysis: [`engine::check_with_context`] (files to check, files
    /// searched only for constants), or a stand-in in tests.
    pub engine: fn(&[Input], &[Input], &Settings) -> Report,
    /// Reads all of standard input (`--stdin-filename`).
    pub read_stdin: fn() -> io::Result<Vec<u8>>,
    pub stdout_is_terminal: bool,
    /// `NO_COLOR` is set to a non-empty value.
    pub no_color: bool,
    /// `TERM=dumb`.
    pub dumb_terminal: bool,
    /// Where relative paths start (SARIF `%SRCROOT%`).
    pub current_dir: Option<PathBuf>,
}

impl Env<'static> {
    /// The real process: [`crate::rules::ALL`], the real stdout and environment.
    pub fn from_process() -> Env<'static> {
        Env {
            rules: crate::rules::ALL,
            engine: engine::check_with_context,
            read_stdin: || {
                let mut bytes = Vec::new();
                io::Read::read_to_end(&mut io::stdin().lock(), &mut bytes).map(|_| bytes)
            },
            stdout_is_terminal: io::stdout().is_terminal(),
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            dumb_terminal: std::env::var_os("TERM").is_some_and(|v| v == "dumb"),
            current_dir: std::env::current_dir().ok(),
        }
    }
}

/// Runs one command line (`args` includes the program name) and returns the exit code.
pub fn run<I, T>(args: I, env: &Env<'_>, stdout: &mut dyn Write, stderr: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version are "errors" that go to stdout with 0.
            let text = err.render().to_string();
            let (stream, code): (&mut dyn Write, u8) =
                if err.use_stderr() { (&mut *stderr, EXIT_ERROR) } else { (&mut *stdout, EXIT_OK) };
            return match stream.write_all(text.as_bytes()).and_then(|()| stream.flush()) {
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => EXIT_ERROR,
                _ => code,
            };
        }
    };
    let mut ui = Ui { env, stderr };
    let result = match cli.command {
        None => check(&cli.check, &mut ui, stdout),
        Some(Command::Check(ref args)) => check(args, &mut ui, stdout),
        Some(Command::Rules(ref args)) => list_rules(args, env, stdout),
        Some(Command::Explain(ref args)) => explain(args, &mut ui, stdout),
        Some(Command::Config(ref args)) => show_config(args, &mut ui, stdout),
        Some(Command::DebugIr(ref args)) => debug_ir(args, &mut ui, stdout),
    };
    match result {
        Ok(code) => code,
        // `rpclint | head`: the reader has gone, which is not our failure.
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(err) => {
            ui.error(None, &format!("cannot write to stdout: {}", discover::io_message(&err)));
            EXIT_ERROR
        }
    }
}

/// `rpclint debug-ir FILE...`: the IR each file lowers to.
fn debug_ir(args: &DebugIrArgs, ui: &mut Ui<'_, '_>, stdout: &mut dyn Write) -> io::Result<u8> {
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

/// Error reporting on stderr. Failing to write there is ignored: there is
/// nowhere left to report it, and the exit code still tells.
struct Ui<'e, 'w> {
    env: &'e Env<'e>,
    stderr: &'w mut dyn Write,
}

impl Ui<'_, '_> {
    fn error(&mut self, path: Option<&str>, message: &str) {
        let _ = match path {
            Some(path) => writeln!(self.stderr, "rpclint: error: {path}: {message}"),
            None => writeln!(self.stderr, "rpclint: error: {message}"),
        };
    }

    fn warning(&mut self, message: &str) {
        let _ = writeln!(self.stderr, "rpclint: warning: {message}");
    }

    fn unknown_rule(&mut self, name: &str, context: &str) {
        let known: Vec<&str> = self.env.rules.iter().map(|r| r.name).collect();
        let known = if known.is_empty() { "none yet".to_string() } else { known.join(", ") };
        self.error(None, &format!("unknown rule `{name}`{context}; known rules: {known}"));
    }
}

/// The configuration for a run: none with `--isolated`, the `--config`
/// file, or the nearest `rpclint.toml` above `start`.
fn load_config(args: &ConfigArgs, start: &Path, ui: &mut Ui<'_, '_>) -> Option<Config> {
    let found = if args.isolated {
        None
    } else if let Some(path) = &args.config {
        Some(path.clone())
    } else {
        Config::find(start)
    };
    let Some(path) = found else {
        let root = crate::config::absolute(start);
        let root = if root.is_dir() { root } else { root.parent().map(Path::to_path_buf).unwrap_or(root) };
        return Some(Config::defaults(&root));
    };
    match Config::load(&path) {
        Ok(config) => Some(config),
        Err(err) => {
            ui.error(None, &err.to_string());
            None
        }
    }
}

/// Checks rule names on the command line; false (after saying so) if one is unknown.
fn rule_names_are_known(args: &ConfigArgs, ui: &mut Ui<'_, '_>) -> bool {
    let env = ui.env;
    let mut ok = true;
    for (flag, names) in [("--select", &args.select), ("--ignore", &args.ignore)] {
        for name in names.iter().filter(|n| !env.rules.iter().any(|r| r.name == n.as_str())) {
            ui.unknown_rule(name, &format!(" in {flag}"));
            ok = false;
        }
    }
    ok
}

/// The configuration's settings, adjusted by the command line, which wins:
/// `--select` runs exactly its rules even if the configuration turns them
/// off; `--ignore` drops rules even if the configuration sets a severity.
fn merged_settings(config: &Config, args: &ConfigArgs) -> Settings {
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

fn show_config(args: &ConfigCmdArgs, ui: &mut Ui<'_, '_>, stdout: &mut dyn Write) -> io::Result<u8> {
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

/// The files a run checks, and the files it only searches for constants.
struct Job {
    check: Vec<Input>,
    context: Vec<Input>,
    errors: Vec<FileError>,
}

fn gather(args: &CheckArgs, config: &Config, ui: &mut Ui<'_, '_>) -> Option<Job> {
    if let Some(name) = &args.stdin_filename {
        if crate::frontend::Lang::from_path(name).is_none() {
            ui.error(None, &format!("--stdin-filename {}: not a C, C++ or Rust file name", name.display()));
            return None;
        }
        return match (ui.env.read_stdin)() {
            Ok(bytes) => Some(Job {
                check: vec![Input { path: name.clone(), bytes: Some(bytes) }],
                context: Vec::new(),
                errors: Vec::new(),
            }),
            Err(e) => {
                ui.error(None, &format!("cannot read standard input: {}", discover::io_message(&e)));
                None
            }
        };
    }
    let discovered = match discover::discover(&args.paths, &args.exclude) {
        Ok(found) => found,
        Err(err @ DiscoverError::InvalidExclude { .. }) => {
            ui.error(None, &err.to_string());
            return None;
        }
    };
    let files: Vec<PathBuf> = discovered.files.into_iter().filter(|f| config.keeps(f)).collect();
    let on_disk = |p: PathBuf| Input { path: p, bytes: None };
    let (check, context) = match &args.changed_since {
        None => (files, Vec::new()),
        Some(rev) => {
            let start = args.paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
            let changed = match crate::git::changed_files(&start, rev) {
                Ok(changed) => changed,
                Err(e) => {
                    ui.error(None, &e);
                    return None;
                }
            };
            let canonical = |f: &PathBuf| std::fs::canonicalize(f).unwrap_or_else(|_| f.clone());
            let check: Vec<PathBuf> = files.into_iter().filter(|f| changed.files.contains(&canonical(f))).collect();
            // Constants may live anywhere in the repository, not only under
            // the given paths: every other file of it is context.
            let checked: std::collections::BTreeSet<PathBuf> = check.iter().map(canonical).collect();
            let root = match (&ui.env.current_dir, changed.root.clone()) {
                (Some(cwd), root) => match root.strip_prefix(cwd) {
                    Ok(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
                    Ok(rel) => rel.to_path_buf(),
                    Err(_) => root,
                },
                (None, root) => root,
            };
            let context = match discover::discover(&[root], &args.exclude) {
                Ok(found) => {
                    found.files.into_iter().filter(|f| config.keeps(f) && !checked.contains(&canonical(f))).collect()
                }
                Err(_) => Vec::new(),
            };
            (check, context)
        }
    };
    // A shard checks its part; the rest of the tree is context, so a constant
    // defined in another shard's file still resolves.
    let (check, context) = match args.shard {
        None => (check, context),
        Some((k, n)) => {
            let (mine, others): (Vec<PathBuf>, Vec<PathBuf>) = check.into_iter().partition(|f| shard_of(f, n) == k - 1);
            (mine, context.into_iter().chain(others).collect())
        }
    };
    Some(Job {
        check: check.into_iter().map(on_disk).collect(),
        context: context.into_iter().map(on_disk).collect(),
        errors: discovered.errors,
    })
}

/// `K/N` with 1 <= K <= N.
fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let err = || format!("expected K/N with 1 <= K <= N (e.g. 2/4), got `{s}`");
    let (k, n) = s.split_once('/').ok_or_else(err)?;
    let (k, n): (u64, u64) = (k.trim().parse().map_err(|_| err())?, n.trim().parse().map_err(|_| err())?);
    if k == 0 || n == 0 || k > n {
        return Err(err());
    }
    Ok((k, n))
}

/// The shard (0-based) of a file among `n`: FNV-1a of its path with forward
/// slashes, stable across machines and runs.
pub fn shard_of(path: &std::path::Path, n: u64) -> u64 {
    let text = crate::source::display_path(path);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h % n.max(1)
}

fn check(args: &CheckArgs, ui: &mut Ui<'_, '_>, stdout: &mut dyn Write) -> io::Result<u8> {
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
    settings.limits = crate::limits::Limits::default().with(args.max_file_size, args.file_timeout);
    settings.project_root = crate::git::repository_root(&start).or_else(|| env.current_dir.clone());
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

    let Some(job) = gather(args, &config, ui) else { return Ok(EXIT_ERROR) };
    let mut report = (env.engine)(&job.check, &job.context, &settings);
    report.errors.extend(job.errors);
    report.errors.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    report.errors.dedup();

    let mut failed = false;
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
    } else if let Some(baseline) = &baseline {
        baseline.apply(&mut report);
    }

    let to_terminal = args.output.is_none() && env.stdout_is_terminal;
    let format = match args.format {
        Some(FormatArg::Human) => Format::Human,
        Some(FormatArg::Short) => Format::Short,
        Some(FormatArg::Json) => Format::Json,
        Some(FormatArg::Sarif) => Format::Sarif,
        Some(FormatArg::Github) => Format::Github,
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

    if let Some(path) = &args.sarif_file {
        if let Err(err) = write_file(path, Format::Sarif, &report, &EmitOptions { color: false, ..opts }) {
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

fn write_file(path: &Path, format: Format, report: &Report, opts: &EmitOptions<'_>) -> io::Result<()> {
    let mut out = io::BufWriter::new(File::create(path)?);
    emit::write(format, report, &mut out, opts)?;
    out.flush()
}

fn report_file_errors(ui: &mut Ui<'_, '_>, errors: &[FileError]) {
    for e in errors {
        ui.error(Some(&e.path), &e.message);
    }
}

impl From<SeverityArg> for Severity {
    fn from(arg: SeverityArg) -> Severity {
        match arg {
            SeverityArg::Error => Severity::Error,
            SeverityArg::Warning => Severity::Warning,
            SeverityArg::Note => Severity::Note,
        }
    }
}

/// `rpclint rules --format json`: `{"version": 1, "rules": [...]}`.
#[derive(Serialize)]
struct RuleList<'a> {
    version: u32,
    rules: Vec<RuleEntry<'a>>,
}

#[derive(Serialize)]
struct RuleEntry<'a> {
    name: &'a str,
    default_severity: Severity,
    summary: &'a str,
}

fn list_rules(args: &RulesArgs, env: &Env<'_>, stdout: &mut dyn Write) -> io::Result<u8> {
    match args.format {
        RulesFormat::Table => {
            let width = env.rules.iter().map(|r| r.name.len()).max().unwrap_or(0);
            for rule in env.rules {
                let severity = rule.default_severity.as_str();
                writeln!(stdout, "{:width$}  {severity:7}  {}", rule.name, rule.summary())?;
            }
        }
        RulesFormat::Json => {
            let list = RuleList {
                version: 1,
                rules: env
                    .rules
                    .iter()
                    .map(|r| RuleEntry { name: r.name, default_severity: r.default_severity, summary: r.summary() })
                    .collect(),
            };
            serde_json::to_writer_pretty(&mut *stdout, &list)?;
            writeln!(stdout)?;
        }
    }
    stdout.flush()?;
    Ok(EXIT_OK)
}

fn explain(args: &ExplainArgs, ui: &mut Ui<'_, '_>, stdout: &mut dyn Write) -> io::Result<u8> {
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
