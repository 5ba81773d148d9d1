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
//!
//! Its parts: [`args`] (the grammar), [`check`] (the `check` command),
//! [`inputs`] (which files: `--changed-since`, `--shard`), [`fix`] (the
//! rounds of `--fix`) and [`commands`] (`rules`, `explain`, `config`,
//! `debug-ir`); `server` hands the process to [`crate::server`].

mod args;
mod check;
mod commands;
mod fix;
mod inputs;

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use clap::Parser;

use self::args::{Cli, Command};
use self::check::check;
use self::commands::{debug_ir, explain, list_rules, show_config};
use crate::discover::{self};
use crate::engine::{self, Input, Settings};
use crate::report::Report;
use crate::rules::Rule;

/// Exit code: nothing at or above `--fail-on`.
pub(crate) const EXIT_OK: u8 = 0;
/// Exit code: findings at or above `--fail-on`.
pub(crate) const EXIT_FINDINGS: u8 = 1;
/// Exit code: usage, configuration or I/O error.
pub(crate) const EXIT_ERROR: u8 = 2;

/// What [`run`] would otherwise take from the process and the crate.
#[derive(Clone)]
pub struct Env<'a> {
    /// The rules `rules`, `explain`, `--select` and SARIF know.
    pub rules: &'a [&'a Rule],
    /// The analysis: [`engine::check_with_context`] (files to check, files
    /// searched only for constants), or a stand-in in tests.
    pub engine: fn(&[Input], &[Input], &Settings) -> Report,
    /// A plain check's analysis as the walk goes: [`engine::check_walked`]
    /// (phase 1 on each file as the walk finds it). `None`: the walk first,
    /// then `engine` (a stand-in `engine` needs `None` here).
    pub walked: Option<engine::WalkedCheck>,
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
            walked: Some(engine::check_walked),
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
        // The protocol owns the process's stdin and stdout.
        Some(Command::Server) => Ok(crate::server::run(stdout)),
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
