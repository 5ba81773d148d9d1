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

use crate::diagnostic::Severity;
use crate::discover::{self, DiscoverError};
use crate::emit::{self, Counts, EmitOptions, Format};
use crate::engine::{self, Settings};
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
    Check(CheckArgs),
    /// List the rules with their default severity and summary.
    Rules(RulesArgs),
    /// Print a rule's documentation.
    Explain(ExplainArgs),
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

#[derive(Args, Debug, Default)]
struct CheckArgs {
    /// Files and directories to check [default: .]
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,

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

    /// Run only these rules (comma-separated, repeatable)
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    select: Vec<String>,

    /// Do not run these rules (comma-separated, repeatable)
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    ignore: Vec<String>,

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
    /// The analysis: [`engine::check_files`], or a stand-in in tests.
    pub engine: fn(&[PathBuf], &Settings) -> Report,
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
            engine: engine::check_files,
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

    fn unknown_rule(&mut self, name: &str, context: &str) {
        let known: Vec<&str> = self.env.rules.iter().map(|r| r.name).collect();
        let known = if known.is_empty() { "none yet".to_string() } else { known.join(", ") };
        self.error(None, &format!("unknown rule `{name}`{context}; known rules: {known}"));
    }
}

fn check(args: &CheckArgs, ui: &mut Ui<'_, '_>, stdout: &mut dyn Write) -> io::Result<u8> {
    let env = ui.env;
    let mut bad_rule = false;
    for (flag, names) in [("--select", &args.select), ("--ignore", &args.ignore)] {
        for name in names.iter().filter(|n| !env.rules.iter().any(|r| r.name == n.as_str())) {
            ui.unknown_rule(name, &format!(" in {flag}"));
            bad_rule = true;
        }
    }
    if bad_rule {
        return Ok(EXIT_ERROR);
    }

    let discovered = match discover::discover(&args.paths, &args.exclude) {
        Ok(found) => found,
        Err(err @ DiscoverError::InvalidExclude { .. }) => {
            ui.error(None, &err.to_string());
            return Ok(EXIT_ERROR);
        }
    };

    let settings = Settings {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        jobs: args.jobs.map(NonZeroUsize::get),
        limits: crate::limits::Limits::default().with(args.max_file_size, args.file_timeout),
        ..Settings::default()
    };
    let mut report = (env.engine)(&discovered.files, &settings);
    report.errors.extend(discovered.errors);
    report.errors.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    report.errors.dedup();

    let to_terminal = args.output.is_none() && env.stdout_is_terminal;
    let format = match args.format {
        Some(FormatArg::Human) => Format::Human,
        Some(FormatArg::Short) => Format::Short,
        Some(FormatArg::Json) => Format::Json,
        Some(FormatArg::Sarif) => Format::Sarif,
        None if to_terminal => Format::Human,
        None => Format::Short,
    };
    let color = match (args.no_color, args.color) {
        (true, _) | (false, ColorArg::Never) => false,
        (false, ColorArg::Always) => true,
        (false, ColorArg::Auto) => to_terminal && !env.no_color && !env.dumb_terminal,
    };
    let opts = EmitOptions { color, summary: !args.quiet, rules: env.rules, src_root: env.current_dir.as_deref() };

    let mut failed = false;
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
