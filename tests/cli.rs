//! The command line end to end.
//!
//! Two kinds of test live here:
//! * `bin_*` run the real binary (assert_cmd): process-level behaviour such as
//!   exit codes, streams, discovery errors and `--output`;
//! * the others drive `rpclint::cli::run` in-process with a stand-in engine
//!   that turns `BAD(<severity>)` markers in the discovered files into
//!   findings, and with hand-made rules. That covers the paths that need
//!   findings (exit code 1, `--fail-on`, formats, colour) before the real
//!   rules exist. When they do, the `bin_` tests can grow the same checks
//!   on real fixtures.

// Helpers outside `#[test]` functions are test code too: a failed unwrap
// is a failed test, which is what we want.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;
use rpclint::cli::{self, Env};
use rpclint::diagnostic::{Diagnostic, Severity, Suppression};
use rpclint::engine::{Input, Settings, Walk};
use rpclint::ir::Span;
use rpclint::report::{FileError, Report};
use rpclint::rules::{Precision, Rule};
use rpclint::source::{FileId, SourceFile};

#[path = "cli/constants.rs"]
mod constants;
#[path = "cli/fixes.rs"]
mod fixes;
#[path = "cli/project.rs"]
mod project;
#[path = "cli/selection.rs"]
mod selection;
#[path = "cli/summaries.rs"]
mod summaries;
#[path = "cli/testcode.rs"]
mod testcode;

static BAD_CALL: Rule = Rule {
    name: "bad-call",
    default_severity: Severity::Warning,
    precision: Precision::High,
    reads: &[],
    doc: "# bad-call\n\nA call marked `BAD` in a test file.\n\n## Why is this bad?\nIt says so.\n",
    check: |_| {},
};
static OTHER: Rule = Rule {
    name: "other-rule",
    default_severity: Severity::Error,
    precision: Precision::Medium,
    reads: &[],
    doc: "# other-rule\n\nAnother rule with a longer summary line.\n",
    check: |_| {},
};
static RULES: [&Rule; 2] = [&BAD_CALL, &OTHER];

/// The stand-in engine: reads each file; every `BAD(error|warning|note)`
/// becomes a `bad-call` finding spanning the marker, suppressed when the
/// line also says `allow`. Unreadable files become file errors, as the real
/// engine reports them.
fn fake_engine(inputs: &[Input], _context: &[Input], settings: &Settings) -> Report {
    let mut report = Report { files_scanned: inputs.len(), ..Report::default() };
    if settings.ignore.iter().any(|r| r == "bad-call") {
        return report;
    }
    for input in inputs {
        let path = &input.path;
        let read = match &input.bytes {
            Some(bytes) => Ok(bytes.clone()),
            None => fs::read(path),
        };
        let bytes = match read {
            Ok(bytes) => bytes,
            Err(e) => {
                report.errors.push(FileError { path: path.display().to_string(), message: e.to_string() });
                continue;
            }
        };
        let file = SourceFile::from_bytes(path.clone(), &bytes);
        let id = FileId(report.files.len() as u32);
        let mut offset = 0;
        for line in file.text.split_inclusive('\n') {
            for (severity, marker) in
                [(Severity::Error, "BAD(error)"), (Severity::Warning, "BAD(warning)"), (Severity::Note, "BAD(note)")]
            {
                if let Some(col) = line.find(marker) {
                    let start = offset + col;
                    let mut d = Diagnostic::new(
                        "bad-call",
                        severity,
                        id,
                        Span::new(start, start + marker.len()),
                        "`BAD` called here".to_string(),
                    )
                    .with_help("call something else");
                    d.fingerprint = format!("fp-{start}");
                    if line.contains("allow") {
                        d.suppression = Some(Suppression { justification: None });
                    }
                    report.diagnostics.push(d);
                }
            }
            offset += line.len();
        }
        report.files.push(file);
        report.files_parsed += 1;
    }
    report
}

/// The stand-in for the check that reads while the walk goes on: the
/// walk's files, sorted, to the stand-in engine.
fn fake_walked(walk: &mut Walk<'_>, settings: &Settings) -> (Vec<Input>, Report) {
    let mut files = Vec::new();
    walk(&mut |path| files.push(path));
    files.sort();
    let inputs: Vec<Input> = files.into_iter().map(|path| Input { path, bytes: None }).collect();
    let report = fake_engine(&inputs, &[], settings);
    (inputs, report)
}

fn env() -> Env<'static> {
    Env {
        rules: &RULES,
        engine: fake_engine,
        walked: None,
        read_stdin: || Ok(b"x = BAD(error);\n".to_vec()),
        stdout_is_terminal: false,
        no_color: false,
        dumb_terminal: false,
        current_dir: Some(PathBuf::from("/work/project")),
    }
}

struct Run {
    code: u8,
    stdout: String,
    stderr: String,
}

fn run_with(env: &Env<'_>, args: &[&str]) -> Run {
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let argv = std::iter::once("rpclint").chain(args.iter().copied());
    let code = cli::run(argv, env, &mut stdout, &mut stderr);
    Run { code, stdout: String::from_utf8(stdout).unwrap(), stderr: String::from_utf8(stderr).unwrap() }
}

/// Runs the command line twice: discovery first, then the engine; and the
/// files handed over as the walk finds them (`cli/inputs.rs`,
/// `walk_and_check`). Both see the same files, errors and warnings.
fn run(args: &[&str]) -> Run {
    let listed = run_with(&env(), args);
    let walked = run_with(&Env { walked: Some(fake_walked), ..env() }, args);
    let same = |r: &Run| (r.code, r.stdout.clone(), r.stderr.clone());
    assert_eq!(same(&walked), same(&listed), "walked, {args:?}");
    listed
}

/// A temporary tree; paths in arguments are given relative to it via `p()`.
struct Tree(tempfile::TempDir);

impl Tree {
    fn new(files: &[(&str, &str)]) -> Tree {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        Tree(dir)
    }

    fn root(&self) -> &Path {
        self.0.path()
    }

    fn p(&self, rel: &str) -> String {
        self.root().join(rel).to_str().unwrap().to_string()
    }
}

// ---------------------------------------------------------------- exit codes

#[test]
fn exit_0_without_findings_1_with_warnings_by_default() {
    let clean = Tree::new(&[("a.c", "ok();\n")]);
    let r = run(&[&clean.p(".")]);
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));

    let dirty = Tree::new(&[("a.c", "x = BAD(warning);\n")]);
    let r = run(&[&dirty.p(".")]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout, format!("{}:1:5: warning[bad-call]: `BAD` called here\n", dirty.p("a.c")));
}

#[test]
fn fail_on_sets_the_threshold() {
    let tree = Tree::new(&[("a.c", "BAD(note);\n"), ("b.c", "BAD(warning);\n")]);
    let code = |extra: &[&str]| {
        let mut args = vec![tree.p(".")];
        args.extend(extra.iter().map(|s| s.to_string()));
        run(&args.iter().map(String::as_str).collect::<Vec<_>>()).code
    };
    assert_eq!(code(&[]), 1);
    assert_eq!(code(&["--fail-on", "warning"]), 1);
    assert_eq!(code(&["--fail-on", "error"]), 0);
    assert_eq!(code(&["--fail-on", "note"]), 1);

    let notes_only = Tree::new(&[("a.c", "BAD(note);\n")]);
    assert_eq!(run(&[&notes_only.p(".")]).code, 0);
    assert_eq!(run(&[&notes_only.p("."), "--fail-on", "note"]).code, 1);
}

#[test]
fn suppressed_findings_do_not_fail_the_run_and_are_not_shown() {
    let tree = Tree::new(&[("a.c", "BAD(error); // allow\n")]);
    let r = run(&[&tree.p("."), "--format", "human"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout, "No problems found in 1 file; 1 suppressed.\n");
    let r = run(&[&tree.p("."), "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["diagnostics"][0]["suppressed"], serde_json::json!({"justification": null}));
}

#[test]
fn unreadable_file_gives_exit_2_and_other_findings_are_still_printed() {
    // The engine reports a file it could not read (as root, chmod 000 does
    // not stop reads, so the stand-in engine reports it instead).
    let tree = Tree::new(&[("a.c", "BAD(error);\n"), ("b.c", "ok\n")]);
    let mut env = env();
    fn engine_with_error(files: &[Input], context: &[Input], settings: &Settings) -> Report {
        let mut report = fake_engine(files, context, settings);
        report.errors.push(FileError { path: "b.c".to_string(), message: "permission denied".to_string() });
        report
    }
    env.engine = engine_with_error;
    let r = run_with(&env, &[&tree.p("."), "--format", "short"]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("error[bad-call]"), "{}", r.stdout);
    assert_eq!(r.stderr, "rpclint: error: b.c: permission denied\n");
}

#[cfg(unix)]
#[test]
fn dangling_symlink_is_an_error_and_the_run_goes_on() {
    let tree = Tree::new(&[("a.c", "BAD(warning);\n")]);
    std::os::unix::fs::symlink(tree.p("missing.c"), tree.p("broken.c")).unwrap();
    let r = run(&[&tree.p("."), "--format", "short"]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("warning[bad-call]"), "{}", r.stdout);
    assert_eq!(r.stderr, format!("rpclint: error: {}: no such file or directory\n", tree.p("broken.c")));
}

#[test]
fn unknown_rule_in_select_or_ignore_is_a_usage_error() {
    let tree = Tree::new(&[("a.c", "BAD(error);\n")]);
    let r = run(&[&tree.p("."), "--select", "bad-call,nope"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    assert_eq!(r.stderr, "rpclint: error: unknown rule `nope` in --select; known rules: bad-call, other-rule\n");
    let r = run(&[&tree.p("."), "--ignore", "nope"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown rule `nope` in --ignore"), "{}", r.stderr);
}

#[test]
fn select_and_ignore_reach_the_engine() {
    let tree = Tree::new(&[("a.c", "BAD(error);\n")]);
    assert_eq!(run(&[&tree.p("."), "--select", "bad-call"]).code, 1);
    assert_eq!(run(&[&tree.p("."), "--ignore", "other-rule,bad-call"]).code, 0);
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let r = run(&["--fail-on", "fatal"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("invalid value 'fatal'"), "{}", r.stderr);
    assert_eq!(run(&["--jobs", "0"]).code, 2);
    let r = run(&["--help"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("--fail-on <SEVERITY>"), "{}", r.stdout);
    assert_eq!(r.stderr, "");
}

#[test]
fn broken_pipe_on_stdout_exits_0_quietly() {
    struct ClosedPipe;
    impl std::io::Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }
    let tree = Tree::new(&[("a.c", "BAD(error);\n")]);
    let mut stderr = Vec::new();
    let code = cli::run(["rpclint", tree.p(".").as_str()], &env(), &mut ClosedPipe, &mut stderr);
    assert_eq!(code, 0);
    assert!(stderr.is_empty());
    let code = cli::run(["rpclint", "rules"], &env(), &mut ClosedPipe, &mut stderr);
    assert_eq!(code, 0);
    assert!(stderr.is_empty());
}

#[test]
fn other_stdout_errors_exit_2() {
    struct Full;
    impl std::io::Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("no space left on device"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let tree = Tree::new(&[("a.c", "BAD(error);\n")]);
    let mut stderr = Vec::new();
    let code = cli::run(["rpclint", tree.p(".").as_str()], &env(), &mut Full, &mut stderr);
    assert_eq!(code, 2);
    assert_eq!(String::from_utf8(stderr).unwrap(), "rpclint: error: cannot write to stdout: no space left on device\n");
}

// ------------------------------------------------------------------ formats

#[test]
fn default_format_is_human_on_a_terminal_and_short_otherwise() {
    let tree = Tree::new(&[("a.c", "BAD(error);\n")]);
    let short = run(&[&tree.p(".")]);
    assert_eq!(short.stdout, format!("{}:1:1: error[bad-call]: `BAD` called here\n", tree.p("a.c")));
    let human = run_with(&Env { stdout_is_terminal: true, no_color: true, ..env() }, &[&tree.p(".")]);
    assert!(human.stdout.starts_with("error[bad-call]: `BAD` called here\n"), "{}", human.stdout);
    assert!(human.stdout.contains("= help: call something else"), "{}", human.stdout);
    assert!(human.stdout.ends_with("Found 1 problem (1 error) in 1 file.\n"), "{}", human.stdout);
}

#[test]
fn every_format_renders_the_same_finding() {
    let tree = Tree::new(&[("src/a.c", "int x;\nBAD(warning);\n")]);
    let path = tree.p("src/a.c");
    let out = |format: &str| run(&[&tree.p("."), "--format", format]).stdout;

    assert_eq!(out("short"), format!("{path}:2:1: warning[bad-call]: `BAD` called here\n"));

    let human = out("human");
    assert!(human.contains(&format!("┌─ {path}:2:1")), "{human}");
    assert!(human.contains("2 │ BAD(warning);"), "{human}");

    let json: serde_json::Value = serde_json::from_str(&out("json")).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["diagnostics"][0]["path"], path.as_str());
    assert_eq!(json["diagnostics"][0]["span"]["start"], serde_json::json!({"line": 2, "column": 1, "offset": 7}));
    assert_eq!(json["summary"]["warnings"], 1);
    assert_eq!(json["summary"]["files_scanned"], 1);

    let sarif: serde_json::Value = serde_json::from_str(&out("sarif")).unwrap();
    let run0 = &sarif["runs"][0];
    assert_eq!(run0["results"][0]["ruleId"], "bad-call");
    assert_eq!(run0["results"][0]["ruleIndex"], 0);
    assert_eq!(run0["tool"]["driver"]["rules"][1]["id"], "other-rule");
    assert_eq!(run0["originalUriBaseIds"]["%SRCROOT%"]["uri"], "file:///work/project/");
    assert_eq!(run0["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"], 2);
}

#[test]
fn quiet_drops_the_summary_line() {
    let tree = Tree::new(&[("a.c", "ok\n")]);
    assert_eq!(run(&[&tree.p("."), "--format", "human"]).stdout, "No problems found in 1 file.\n");
    assert_eq!(run(&[&tree.p("."), "--format", "human", "--quiet"]).stdout, "");
}

#[test]
fn check_subcommand_and_bare_paths_are_the_same() {
    let tree = Tree::new(&[("a.c", "BAD(error);\n")]);
    let bare = run(&[&tree.p("."), "--format", "json"]);
    let check = run(&["check", &tree.p("."), "--format", "json"]);
    assert_eq!(bare.code, 1);
    assert_eq!((bare.code, bare.stdout), (check.code, check.stdout));
}

// ------------------------------------------------------------------- colour

#[test]
fn colour_follows_terminal_flags_and_no_color() {
    let tree = Tree::new(&[("a.c", "BAD(error);\n")]);
    let dir = tree.p(".");
    let has_ansi = |env: Env<'_>, extra: &[&str]| {
        let mut args = vec![dir.as_str(), "--format", "human"];
        args.extend_from_slice(extra);
        run_with(&env, &args).stdout.contains('\x1b')
    };
    let terminal = Env { stdout_is_terminal: true, ..env() };
    assert!(has_ansi(terminal.clone(), &[]));
    assert!(!has_ansi(Env { no_color: true, ..terminal.clone() }, &[]));
    assert!(!has_ansi(Env { dumb_terminal: true, ..terminal.clone() }, &[]));
    assert!(!has_ansi(terminal.clone(), &["--no-color"]));
    assert!(!has_ansi(terminal.clone(), &["--color", "never"]));
    assert!(!has_ansi(env(), &[]));
    assert!(has_ansi(env(), &["--color", "always"]));
    // An explicit flag beats NO_COLOR; --no-color beats --color always.
    assert!(has_ansi(Env { no_color: true, ..env() }, &["--color", "always"]));
    assert!(!has_ansi(env(), &["--color", "always", "--no-color"]));
}

// ------------------------------------------------------------------- output

#[test]
fn output_file_gets_the_report_and_stdout_stays_empty() {
    let tree = Tree::new(&[("a.c", "BAD(error);\n")]);
    let out = tree.p("report.sarif");
    // Even from a terminal, a file gets no colour and the short default.
    let r = run_with(&Env { stdout_is_terminal: true, ..env() }, &[&tree.p("a.c"), "--output", &out]);
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (1, "", ""));
    assert_eq!(
        fs::read_to_string(&out).unwrap(),
        format!("{}:1:1: error[bad-call]: `BAD` called here\n", tree.p("a.c"))
    );

    let r = run(&[&tree.p("a.c"), "--format", "sarif", "-o", &out]);
    assert_eq!(r.code, 1);
    let sarif: serde_json::Value = serde_json::from_str(&fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "bad-call");
}

#[test]
fn unwritable_output_file_is_an_error_naming_it() {
    let tree = Tree::new(&[("a.c", "ok\n")]);
    let out = tree.p("no/such/dir/out.json");
    let r = run(&[&tree.p("."), "--output", &out]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stderr, format!("rpclint: error: {out}: no such file or directory\n"));
}

// ------------------------------------------------------------ rules, explain

#[test]
fn rules_table_and_json() {
    let r = run(&["rules"]);
    assert_eq!(r.code, 0);
    assert_eq!(
        r.stdout,
        "bad-call    warning  high    default  -    A call marked `BAD` in a test file.\n\
         other-rule  error    medium  audit    -    Another rule with a longer summary line.\n"
    );
    let r = run(&["rules", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"version": 1, "rules": [
            {"name": "bad-call", "default_severity": "warning", "precision": "high", "group": "default", "fix": false, "summary": "A call marked `BAD` in a test file."},
            {"name": "other-rule", "default_severity": "error", "precision": "medium", "group": "audit", "fix": false, "summary": "Another rule with a longer summary line."},
        ]})
    );
}

#[test]
fn explain_prints_the_doc_and_rejects_unknown_rules() {
    let r = run(&["explain", "bad-call"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, BAD_CALL.doc));
    let r = run(&["explain", "bad-cal"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    assert_eq!(r.stderr, "rpclint: error: unknown rule `bad-cal`; known rules: bad-call, other-rule\n");
}

// ------------------------------------------------------------ discovery

#[test]
fn exclude_gitignore_and_explicit_files_decide_what_the_engine_sees() {
    let tree = Tree::new(&[
        ("src/a.c", "BAD(error);\n"),
        ("vendor/v.c", "BAD(error);\n"),
        ("build/gen.c", "BAD(error);\n"),
        (".gitignore", "build/\n"),
    ]);
    let files = |args: &[&str]| -> Vec<String> {
        let r = run(&[args, &["--format", "json"]].concat());
        let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let root = tree.p("");
        json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["path"].as_str().unwrap().trim_start_matches(root.as_str()).to_string())
            .collect()
    };
    assert_eq!(files(&[&tree.p(".")]), ["src/a.c", "vendor/v.c"]);
    assert_eq!(files(&[&tree.p("."), "--exclude", "vendor"]), ["src/a.c"]);
    // Explicit files are taken even when ignored, unless excluded.
    assert_eq!(files(&[&tree.p("build/gen.c"), &tree.p("src/a.c")]), ["build/gen.c", "src/a.c"]);
    assert_eq!(files(&[&tree.p("build/gen.c"), "--exclude", "build/"]), Vec::<String>::new());
}

// ------------------------------------------------------------- the binary

#[test]
fn bin_clean_tree_exits_0_with_nothing_on_stdout() {
    let tree = Tree::new(&[("a.c", "int main(void) { return 0; }\n")]);
    cargo_bin_cmd!("rpclint").arg(tree.root()).assert().code(0).stdout("").stderr("");
}

#[test]
fn bin_timings_count_the_bytes_read() {
    // Phase 1 reads every file once; nothing names an API, so nothing is read again.
    let tree = Tree::new(&[("a.c", "int x;\n"), ("b.h", "int yy;\n"), ("notes.txt", "not source\n")]);
    let out =
        cargo_bin_cmd!("rpclint").env("RPCLINT_TIMINGS", "1").arg(tree.root()).assert().code(0).get_output().clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("phase 1: 2 files, 0 candidates, 0 deferred, 0 names the others may define: "), "{stderr}");
    assert!(stderr.contains(" s, 15 bytes read\n"), "{stderr}");
    assert!(stderr.contains("rpclint: timing: summaries (phase 1b): "), "{stderr}");
    assert!(stderr.ends_with(" s, 15 bytes read in all\n"), "{stderr}");
}

#[test]
fn bin_timings_alone_do_not_count_the_reach() {
    // Counting the reach searches each file again: a timed run must not pay for it.
    let tree = Tree::new(&[("a.c", "void f(RPC_BINDING_HANDLE h) { RpcBindingSetAuthInfoW(h, 0, 6, 16, 0, 0); }\n")]);
    let stderr = |vars: &[(&str, &str)]| {
        let mut cmd = cargo_bin_cmd!("rpclint");
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let out = cmd.args(["check", "--format", "short"]).arg(tree.root()).output().unwrap();
        String::from_utf8(out.stderr).unwrap()
    };
    let timed = stderr(&[("RPCLINT_TIMINGS", "1")]);
    assert!(timed.contains("rpclint: timing: phase 1: 1 files, 1 candidates"), "{timed}");
    assert!(!timed.contains("rpclint: reach:"), "{timed}");
    let counted = stderr(&[("RPCLINT_REACH", "1")]);
    assert!(counted.contains("rpclint: reach: 1 API call sites in scope, 1 read"), "{counted}");
    assert!(!counted.contains("rpclint: timing:"), "{counted}");
}

#[test]
fn bin_summaries_are_a_phase_of_their_own_and_can_be_turned_off_for_measuring() {
    // A wrapper called with a weak constant: only its summary finds it.
    let wrapper = "static RPC_STATUS bind_secure(RPC_BINDING_HANDLE h, unsigned long level)\n{\n    \
                   return RpcBindingSetAuthInfoExW(h, (RPC_WSTR)L\"host/s\", level, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, NULL);\n}\n\
                   RPC_STATUS connect_weak(RPC_BINDING_HANDLE h)\n{\n    return bind_secure(h, RPC_C_AUTHN_LEVEL_CONNECT);\n}\n";
    let tree = Tree::new(&[("a.c", wrapper)]);
    let run = |off: bool| {
        let mut cmd = cargo_bin_cmd!("rpclint");
        cmd.env("RPCLINT_TIMINGS", "1").args(["check", "--format", "short", "--select", "all"]).arg(tree.root());
        if off {
            cmd.env("RPCLINT_NO_SUMMARIES", "1");
        }
        let out = cmd.output().unwrap();
        (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    let (stdout, stderr) = run(false);
    assert!(stdout.contains("a.c:7:") && stdout.contains("missing-integrity"), "{stdout}");
    assert!(stderr.contains("rpclint: timing: phase 1b: 1 summaries: "), "{stderr}");
    assert!(
        stderr.contains("rpclint: timing: summaries (phase 1b): ") && stderr.contains("% of the run\n"),
        "{stderr}"
    );
    let (stdout, stderr) = run(true);
    assert!(!stdout.contains("a.c:7:"), "{stdout}");
    assert!(stderr.contains("rpclint: timing: phase 1b: no summaries (RPCLINT_NO_SUMMARIES)"), "{stderr}");
    assert!(stderr.contains("rpclint: timing: summaries (phase 1b): 0.000 s, 0.0% of the run\n"), "{stderr}");
}

#[test]
fn bin_human_format_prints_a_summary() {
    let tree = Tree::new(&[("a.c", "int x;\n")]);
    cargo_bin_cmd!("rpclint")
        .args(["check", "--format", "human"])
        .arg(tree.root())
        .assert()
        .code(0)
        .stdout(predicate::str::is_match(r"^No problems found in \d+ files?\.\n$").unwrap());
}

#[test]
fn bin_missing_path_exits_2_naming_it() {
    let tree = Tree::new(&[("a.c", "int x;\n")]);
    cargo_bin_cmd!("rpclint")
        .arg(tree.root())
        .arg(tree.p("nope.c"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(format!("rpclint: error: {}: no such file or directory\n", tree.p("nope.c")));
}

#[cfg(unix)]
#[test]
fn bin_unreadable_entries_exit_2_and_are_named() {
    // Tests run as root, where chmod 000 does not stop reads: a dangling
    // symlink and a symlink loop are unreadable for everyone.
    let tree = Tree::new(&[("src/ok.c", "int x;\n")]);
    std::os::unix::fs::symlink(tree.p("gone.c"), tree.p("src/dangling.c")).unwrap();
    std::os::unix::fs::symlink(tree.p("src"), tree.p("src/loop")).unwrap();
    cargo_bin_cmd!("rpclint")
        .args(["--format", "json"])
        .arg(tree.root())
        .assert()
        .code(2)
        .stderr(format!(
            "rpclint: error: {}: no such file or directory\n\
             rpclint: error: {}: symlink loop: points back to {}; not followed\n",
            tree.p("src/dangling.c"),
            tree.p("src/loop"),
            tree.p("src"),
        ))
        .stdout(predicate::str::contains(r#""file_errors": 2"#));
}

#[cfg(unix)]
#[test]
fn bin_gitignore_exclude_and_explicit_files_reach_discovery() {
    // Without findings from the engine, a dangling symlink makes discovery
    // visible: it is an error exactly when discovery picks it.
    let tree = Tree::new(&[("build/ok.c", "int x;\n"), ("vendor/ok.c", "int x;\n"), (".gitignore", "build/\n")]);
    std::os::unix::fs::symlink(tree.p("gone.c"), tree.p("build/x.c")).unwrap();
    std::os::unix::fs::symlink(tree.p("gone.c"), tree.p("vendor/y.c")).unwrap();
    let root = tree.root();
    let rpclint = || {
        let mut cmd = cargo_bin_cmd!("rpclint");
        cmd.current_dir(root);
        cmd
    };
    // .gitignore hides build/; vendor/y.c is found.
    rpclint().assert().code(2).stderr("rpclint: error: vendor/y.c: no such file or directory\n");
    // --exclude prunes vendor/, which leaves nothing (and says so).
    rpclint().args(["--exclude", "vendor"]).assert().code(0).stderr(
        "rpclint: warning: no file checked: --exclude leaves out all 2 C, C++ or Rust files under the current directory\n",
    );
    // An explicit file is taken although .gitignore lists it...
    rpclint().arg("build/x.c").assert().code(2).stderr("rpclint: error: build/x.c: no such file or directory\n");
    // ...but not when excluded.
    rpclint().args(["build/x.c", "--exclude", "build/"]).assert().code(0).stderr(
        "rpclint: warning: no file checked: --exclude leaves out the only C, C++ or Rust file under build/x.c\n",
    );
}

#[test]
fn bin_output_file() {
    let tree = Tree::new(&[("a.c", "int x;\n")]);
    let out = tree.p("out.json");
    cargo_bin_cmd!("rpclint").args(["--format", "json", "--output", &out]).arg(tree.root()).assert().code(0).stdout("");
    let json: serde_json::Value = serde_json::from_str(&fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(json["version"], 1);
    assert_eq!(json["tool"]["name"], "rpclint");
}

#[test]
fn bin_rules_lists_every_rule() {
    let expected: String = rpclint::rules::ALL
        .iter()
        .map(|r| {
            let group = if std::ptr::eq(*r, rpclint::rules::UNUSED_SUPPRESSION) { "opt-in" } else { r.group() };
            let fix = if r.has_fix() { "fix" } else { "-" };
            format!(
                "{}  {:7}  {}  {group}  {fix}  {}\n",
                r.name,
                r.default_severity.as_str(),
                r.precision.as_str(),
                r.summary()
            )
        })
        .collect();
    let out = cargo_bin_cmd!("rpclint").arg("rules").assert().code(0).get_output().stdout.clone();
    let out = String::from_utf8(out).unwrap();
    // Names are padded to the longest; compare with the padding squeezed.
    let squeeze = |s: &str| s.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    assert_eq!(squeeze(&out), squeeze(&expected));
    assert_eq!(out.lines().count(), rpclint::rules::ALL.len());

    let out =
        cargo_bin_cmd!("rpclint").args(["rules", "--format", "json"]).assert().code(0).get_output().stdout.clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json["rules"].as_array().unwrap().len(), rpclint::rules::ALL.len());
}

#[test]
fn bin_explain_unknown_rule_exits_2() {
    cargo_bin_cmd!("rpclint")
        .args(["explain", "no-such-rule"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with("rpclint: error: unknown rule `no-such-rule`; known rules: "));
}

#[test]
fn bin_sarif_without_findings_is_well_formed() {
    let tree = Tree::new(&[("a.c", "int x;\n")]);
    let out = cargo_bin_cmd!("rpclint")
        .args(["--format", "sarif"])
        .arg(tree.root())
        .current_dir(tree.root())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let sarif: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let base = sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"].as_str().unwrap();
    assert!(base.starts_with("file:///") && base.ends_with('/'), "{base}");
    assert_eq!(sarif["runs"][0]["invocations"][0]["executionSuccessful"], true);
}

// ----- the real engine on real code ------------------------------------------

const CLIENT_C: &str = r#"#include <rpc.h>
#include "levels.h"

RPC_STATUS bind(RPC_BINDING_HANDLE h, RPC_WSTR spn, RPC_SECURITY_QOS *qos)
{
    return RpcBindingSetAuthInfoExW(h, spn, APP_LEVEL,
                                    RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, qos);
}

RPC_STATUS bind_signed(RPC_BINDING_HANDLE h, RPC_WSTR spn, RPC_SECURITY_QOS *qos)
{
    return RpcBindingSetAuthInfoExW(h, spn, RPC_C_AUTHN_LEVEL_PKT_INTEGRITY, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, qos);
}
"#;
const LEVELS_H: &str = "#define APP_LEVEL RPC_C_AUTHN_LEVEL_CONNECT\n";

#[test]
fn bin_short_format_reports_findings_and_exits_1() {
    let tree = Tree::new(&[("src/client.c", CLIENT_C), ("src/levels.h", LEVELS_H)]);
    let out = cargo_bin_cmd!("rpclint")
        .current_dir(tree.root())
        .args(["check", "--select=all", "--format", "short", "src"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with(
            "src/client.c:6:45: error[missing-integrity]: authentication level `RPC_C_AUTHN_LEVEL_CONNECT`"
        ),
        "{text}"
    );
    assert!(lines[1].starts_with("src/client.c:12:45: warning[missing-privacy]: "), "{text}");
}

#[test]
fn bin_human_format_shows_the_define_in_the_header() {
    let tree = Tree::new(&[("src/client.c", CLIENT_C), ("src/levels.h", LEVELS_H)]);
    cargo_bin_cmd!("rpclint")
        .current_dir(tree.root())
        .args(["check", "--select=all", "--format", "human", "--color", "never", "src"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("error[missing-integrity]"))
        .stdout(predicate::str::contains("src/levels.h:1:1"))
        .stdout(predicate::str::contains("`RPC_C_AUTHN_LEVEL_CONNECT` set here"))
        .stdout(predicate::str::contains("help: pass `RPC_C_AUTHN_LEVEL_PKT_PRIVACY`"))
        .stdout(predicate::str::contains("Found 2 problems (1 error, 1 warning)"));
}

#[test]
fn bin_fail_on_error_ignores_warnings() {
    let tree = Tree::new(&[("client.c", CLIENT_C)]);
    // Without the header APP_LEVEL is unknown: only the warning is left.
    cargo_bin_cmd!("rpclint")
        .current_dir(tree.root())
        .args(["check", "--select=all", "--fail-on", "error", "--format", "short", "client.c"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("warning[missing-privacy]"));
}

#[test]
fn bin_json_format_carries_rule_span_label_and_fingerprint() {
    let tree = Tree::new(&[("src/client.c", CLIENT_C), ("src/levels.h", LEVELS_H)]);
    let out = cargo_bin_cmd!("rpclint")
        .current_dir(tree.root())
        .args(["check", "--select=all", "--format", "json", "src"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["version"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["rule"], "missing-integrity");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["path"], "src/client.c");
    assert_eq!(d["span"]["start"]["line"], 6);
    assert_eq!(d["labels"][0]["path"], "src/levels.h");
    assert_eq!(d["fingerprint"].as_str().map(str::len), Some(16));
    assert_eq!(v["summary"]["errors"], 1);
    assert_eq!(v["summary"]["warnings"], 1);
}

#[test]
fn bin_output_is_identical_for_any_thread_count() {
    let tree = Tree::new(&[("src/client.c", CLIENT_C), ("src/levels.h", LEVELS_H), ("src/b.c", CLIENT_C)]);
    let run = |jobs: &str| {
        cargo_bin_cmd!("rpclint")
            .current_dir(tree.root())
            .args(["check", "--select=all", "--format", "json", "--jobs", jobs, "src"])
            .output()
            .unwrap()
            .stdout
    };
    let one = run("1");
    assert!(!one.is_empty());
    assert_eq!(one, run("2"));
    assert_eq!(one, run("8"));
}

// ----- phases and shards ----------------------------------------------------

#[test]
fn bin_constant_defined_in_files_the_prefilter_skips_still_resolves() {
    // Neither header names an API, so the prefilter never parses them in
    // phase 1; phase 2 finds MY_LEVEL, then BASE_LEVEL it refers to.
    let client = "#include \"config.h\"\nRPC_STATUS f(RPC_BINDING_HANDLE h, RPC_SECURITY_QOS *q)\n{\n    return RpcBindingSetAuthInfoExW(h, NULL, MY_LEVEL, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, q);\n}\n";
    let tree = Tree::new(&[
        ("src/client.c", client),
        ("include/config.h", "#include \"base.h\"\n#define MY_LEVEL BASE_LEVEL\n"),
        ("include/base.h", "#define BASE_LEVEL 2 /* connect */\n"),
    ]);
    cargo_bin_cmd!("rpclint")
        .current_dir(tree.root())
        .args(["check", "--select=all", "--format", "short", "--isolated", "."])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "src/client.c:4:46: error[missing-integrity]: authentication level `RPC_C_AUTHN_LEVEL_CONNECT`",
        ));
}

#[test]
fn bin_files_that_open_only_plain_files_are_not_parsed_and_pipe_names_from_headers_are() {
    // `CreateFile` matters only on a pipe. A file with no "pipe" string is
    // parsed only if it uses a name a header defines with one; the others
    // cost nothing but their read (the JSON summary counts parsed files).
    let open = |path: &str| {
        format!(
            "HANDLE f(void)\n{{\n    return CreateFileW({path}, GENERIC_READ, 0, NULL, OPEN_EXISTING, 0, NULL);\n}}\n"
        )
    };
    let tree = Tree::new(&[
        ("src/log.c", &open("L\"C:\\\\logs\\\\app.log\"")),
        ("src/state.c", &open("STATE_FILE")),
        ("src/client.c", &open("SERVICE")),
        ("include/names.h", "#define STATE_FILE L\"C:\\\\state.bin\"\n#define SERVICE PIPE_DIR L\"svc\"\n"),
        ("include/pipes.h", "#define PIPE_DIR L\"\\\\\\\\.\\\\pipe\\\\\"\n"),
    ]);
    let out = cargo_bin_cmd!("rpclint")
        .current_dir(tree.root())
        .args(["check", "--select=all", "--format", "json", "--isolated", "."])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["files_parsed"], 1, "only client.c: {v}");
    let found: Vec<(&str, &str)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["path"].as_str().unwrap(), d["rule"].as_str().unwrap()))
        .collect();
    assert_eq!(found, [("src/client.c", "excessive-impersonation")]);
}

#[test]
fn bin_shards_check_every_file_exactly_once_and_share_constants() {
    let mut files: Vec<(String, String)> = (0..24)
        .map(|i| {
            (
                format!("src/f{i}.c"),
                format!("RPC_STATUS f{i}(RPC_BINDING_HANDLE h, RPC_SECURITY_QOS *q)\n{{\n    return RpcBindingSetAuthInfoExW(h, NULL, SHARED_LEVEL, 9, NULL, 0, q);\n}}\n"),
            )
        })
        .collect();
    files.push(("src/levels.h".to_string(), "#define SHARED_LEVEL 2\n".to_string()));
    let refs: Vec<(&str, &str)> = files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let tree = Tree::new(&refs);
    let run = |shard: Option<&str>| -> Vec<String> {
        let mut cmd = cargo_bin_cmd!("rpclint");
        cmd.current_dir(tree.root()).args([
            "check",
            "--format",
            "short",
            "--isolated",
            "--select",
            "missing-integrity",
        ]);
        if let Some(s) = shard {
            cmd.args(["--shard", s]);
        }
        let out = cmd.arg(".").output().unwrap();
        String::from_utf8(out.stdout).unwrap().lines().map(|l| l.split(':').next().unwrap().to_string()).collect()
    };
    let all = run(None);
    assert_eq!(all.len(), 24, "every file has one finding: {all:?}");
    let mut union: Vec<String> = Vec::new();
    for k in 1..=3 {
        let part = run(Some(&format!("{k}/3")));
        for p in &part {
            assert!(!union.contains(p), "{p} checked by two shards");
        }
        union.extend(part);
    }
    union.sort();
    let mut all_sorted = all.clone();
    all_sorted.sort();
    assert_eq!(union, all_sorted, "the shards together check every file once");
    cargo_bin_cmd!("rpclint").args(["check", "--shard", "4/3", "."]).current_dir(tree.root()).assert().code(2);
}
