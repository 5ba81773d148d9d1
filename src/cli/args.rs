//! The command line's grammar: commands, flags and their values (clap).

use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diagnostic::Severity;

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
pub(super) struct Cli {
    #[command(subcommand)]
    pub(super) command: Option<Command>,
    #[command(flatten)]
    pub(super) check: CheckArgs,
}

#[derive(Subcommand, Debug)]
pub(super) enum Command {
    /// Check files and directories (the default command).
    Check(Box<CheckArgs>),
    /// List the rules with their default severity and summary.
    Rules(RulesArgs),
    /// Print a rule's documentation.
    Explain(ExplainArgs),
    /// Show the effective configuration (`rpclint config --show`).
    Config(ConfigCmdArgs),
    /// Run as a language server over stdin and stdout (for editors).
    Server,
    /// Print the intermediate representation of files (for bug reports).
    #[command(hide = true)]
    DebugIr(DebugIrArgs),
}

#[derive(Args, Debug)]
pub(super) struct DebugIrArgs {
    /// Source files (the extension decides the language)
    #[arg(value_name = "FILE", required = true)]
    pub(super) files: Vec<std::path::PathBuf>,
}

/// The options that decide the configuration, shared by `check` and `config`.
#[derive(Args, Debug, Default)]
pub(super) struct ConfigArgs {
    /// Use this configuration file instead of the nearest rpclint.toml
    #[arg(long, value_name = "FILE")]
    pub(super) config: Option<PathBuf>,

    /// Ignore every configuration file
    #[arg(long, conflicts_with = "config")]
    pub(super) isolated: bool,

    /// Run only these rules or groups (default, audit, all; comma-separated, repeatable); beats `off` in the configuration
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub(super) select: Vec<String>,

    /// Do not run these rules (comma-separated, repeatable); beats the configuration
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub(super) ignore: Vec<String>,

    /// Report suppression comments that suppress nothing (rule unused-suppression)
    #[arg(long)]
    pub(super) report_unused_suppressions: bool,
}

#[derive(Args, Debug)]
pub(super) struct ConfigCmdArgs {
    /// Print the effective configuration as TOML (the default action)
    #[arg(long)]
    pub(super) show: bool,

    /// Where to look for rpclint.toml from [default: .]
    #[arg(value_name = "PATH")]
    pub(super) path: Option<PathBuf>,

    #[command(flatten)]
    pub(super) config: ConfigArgs,
}

#[derive(Args, Debug, Default)]
pub(super) struct CheckArgs {
    /// Files and directories to check [default: .]
    #[arg(value_name = "PATH")]
    pub(super) paths: Vec<PathBuf>,

    #[command(flatten)]
    pub(super) config: ConfigArgs,

    /// Output format [default: human on a terminal, else short]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub(super) format: Option<FormatArg>,

    /// Exit with 1 when an unsuppressed finding is at least this severe
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = SeverityArg::Warning)]
    pub(super) fail_on: SeverityArg,

    /// Skip paths matching this gitignore-style glob (repeatable)
    #[arg(long, value_name = "GLOB")]
    pub(super) exclude: Vec<String>,

    /// Worker threads [default: one per core]
    #[arg(long, short = 'j', value_name = "N")]
    pub(super) jobs: Option<NonZeroUsize>,

    /// When to colour the output (NO_COLOR is honoured by `auto`)
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorArg::Auto)]
    pub(super) color: ColorArg,

    /// Same as --color never
    #[arg(long)]
    pub(super) no_color: bool,

    /// Write the report to FILE instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(super) output: Option<PathBuf>,

    /// Also write SARIF to FILE, whatever --format says (alias: --sarif-file)
    #[arg(long, value_name = "FILE", alias = "sarif-file", help_heading = "Reports besides --format")]
    pub(super) sarif_output: Option<PathBuf>,

    /// Also write GitLab Code Quality JSON to FILE
    #[arg(long, value_name = "FILE", help_heading = "Reports besides --format")]
    pub(super) gitlab_output: Option<PathBuf>,

    /// Also write JUnit XML to FILE
    #[arg(long, value_name = "FILE", help_heading = "Reports besides --format")]
    pub(super) junit_xml_output: Option<PathBuf>,

    /// Also write rpclint's JSON to FILE
    #[arg(long, value_name = "FILE", help_heading = "Reports besides --format")]
    pub(super) json_output: Option<PathBuf>,

    /// Also write the short format (one line per finding) to FILE
    #[arg(long, value_name = "FILE", help_heading = "Reports besides --format")]
    pub(super) text_output: Option<PathBuf>,

    /// Report only findings that are not in this baseline file
    #[arg(long, value_name = "FILE")]
    pub(super) baseline: Option<PathBuf>,

    /// Record the current findings in FILE as the new baseline
    #[arg(long, value_name = "FILE", conflicts_with_all = ["changed_since", "stdin_filename"])]
    pub(super) write_baseline: Option<PathBuf>,

    /// Check only files changed since this git revision (and untracked ones)
    #[arg(long, value_name = "REV", conflicts_with = "stdin_filename")]
    pub(super) changed_since: Option<String>,

    /// Check only shard K of N (e.g. 2/4): files are assigned by a hash of their path, so N jobs
    /// each check a disjoint part; constants still resolve from the whole tree
    #[arg(long, value_name = "K/N", value_parser = parse_shard, conflicts_with = "stdin_filename")]
    pub(super) shard: Option<(u64, u64)>,

    /// Read the source from standard input; NAME gives its language, path and configuration
    #[arg(long, value_name = "NAME", conflicts_with = "paths")]
    pub(super) stdin_filename: Option<PathBuf>,

    /// Print findings and errors only: no summary line
    #[arg(long, short = 'q')]
    pub(super) quiet: bool,

    /// Also report findings in test code (test directories and file names, Rust #[cfg(test)])
    #[arg(long)]
    pub(super) include_tests: bool,

    /// Do not analyse files larger than this (bytes, or with K, M, G) [default: 10M]
    #[arg(long, value_name = "BYTES", value_parser = crate::limits::parse_size)]
    pub(super) max_file_size: Option<u64>,

    /// Stop parsing, and analysing, one file after this long (0: no limit) [default: 30]
    #[arg(long, value_name = "SECONDS", value_parser = crate::limits::parse_timeout)]
    pub(super) file_timeout: Option<std::time::Duration>,

    /// Apply the safe fixes (edits inside the flagged call) to the files checked
    #[arg(long, help_heading = "Fixes", conflicts_with = "write_baseline")]
    pub(super) fix: bool,

    /// Apply the unsafe fixes too (shared definitions, values a rule only warns about); implies --fix
    #[arg(long, help_heading = "Fixes", conflicts_with = "write_baseline")]
    pub(super) unsafe_fixes: bool,

    /// Print the fixes as a unified diff and write nothing (with --unsafe-fixes: those too)
    #[arg(long, help_heading = "Fixes", conflicts_with = "write_baseline")]
    pub(super) diff: bool,
}

#[derive(Args, Debug)]
pub(super) struct RulesArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
    pub(super) format: RulesFormat,
}

#[derive(Args, Debug)]
pub(super) struct ExplainArgs {
    /// The rule's name, e.g. missing-integrity
    pub(super) rule: String,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(super) enum FormatArg {
    Human,
    Short,
    Json,
    Sarif,
    Github,
    Gitlab,
    Junit,
}

#[derive(Clone, Copy, Debug, Default, ValueEnum)]
pub(super) enum SeverityArg {
    Error,
    #[default]
    Warning,
    Note,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub(super) enum ColorArg {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(super) enum RulesFormat {
    Table,
    Json,
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

/// `K/N` with 1 <= K <= N.
pub(super) fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let err = || format!("expected K/N with 1 <= K <= N (e.g. 2/4), got `{s}`");
    let (k, n) = s.split_once('/').ok_or_else(err)?;
    let (k, n): (u64, u64) = (k.trim().parse().map_err(|_| err())?, n.trim().parse().map_err(|_| err())?);
    if k == 0 || n == 0 || k > n {
        return Err(err());
    }
    Ok((k, n))
}
