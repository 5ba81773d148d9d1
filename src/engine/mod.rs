//! Runs the pipeline over a set of files, in three phases:
//!
//! 1. In parallel, read each file's bytes and look for an API name
//!    (prefilter). Only candidates are decoded, parsed and lowered, without
//!    the functions that name no API (a header that only declares the API
//!    joins the other files). A file that names only APIs whose findings
//!    need a word it lacks (`CreateFile` without a `pipe` string) is
//!    deferred, and parsed only if it uses a name defined next to that word
//!    elsewhere ([`Clues`]); in a file parsed all the same, such a function
//!    waits on its own, the same way. Of the IR only the functions that call an
//!    API (and destructors) are kept,
//!    with every constant definition. Names those functions use but neither
//!    their file nor the knowledge base defines are collected.
//! 2. The other files are searched for exactly those names; the few that
//!    hold one are lowered for their constants only (repeated while new
//!    names appear, e.g. a `#define` that refers to another header). A
//!    file is read again only if phase 1 recorded that it may define one
//!    of them ([`crate::prefilter::Defined`]).
//! 3. In parallel, each candidate's functions are analysed and the rules run
//!    with the merged constant table; then findings are sorted and
//!    fingerprinted.
//!
//! No file is parsed twice; a file that panics a frontend or a rule is
//! reported and the others lose nothing. A file that cannot be analysed (too
//! large, binary, parsing or analysis over the time limit; see
//! [`crate::limits`]) is kept as a candidate whose IR holds only that
//! problem, so the `parse-error` rule reports it like a syntax error.
//!
//! Its parts, in the order a run meets them: [`read`] (bytes), [`phase1`]
//! (prefilter, parse, lower), [`deferral`] (files waiting for a word),
//! [`needs`] (the names a file needs from elsewhere), [`wrappers`]
//! (summaries of the tree's own functions, and their callers), [`callers`]
//! (the functions called only from their own file), [`kept`] (what phase 1
//! keeps besides the API calls), [`consts`]
//! (the constant search), [`analysis`] (resolver and rules),
//! [`finish`] (suppressions, renumbering, sorting) and [`fingerprint`].
//! [`index`] is the project a long-running client (the language server)
//! keeps in memory, to check one buffer against it ([`check_buffer`]).
//! [`walked`] is the command line's plain check: phase 1 on each file as
//! the walk finds it ([`check_walked`]).

mod analysis;
mod callers;
mod consts;
mod deferral;
mod fingerprint;
mod finish;
mod index;
mod kept;
mod needs;
mod phase1;
mod read;
mod walked;
mod wrappers;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use self::deferral::{Clues, Gates};
use self::finish::TestFiles;
use self::phase1::{Candidate, Phase1};
use crate::ir::FileIr;
use crate::kb::Kb;
use crate::report::{FileError, Report};
use crate::source::SourceFile;

pub use self::fingerprint::fingerprint_path;
pub use self::index::{ProjectIndex, check_buffer};
pub use self::walked::{Walk, WalkedCheck, check_walked};
pub use crate::settings::{Settings, TestHooks};

/// Stack for worker threads: parsers and lowering recurse (bounded, but deep).
const WORKER_STACK: usize = 32 * 1024 * 1024;

/// One file to check: on disk, or given in memory (stdin, tests).
#[derive(Clone, Debug)]
pub struct Input {
    pub path: PathBuf,
    pub bytes: Option<Vec<u8>>,
}

/// Checks these files (already discovered) and returns the sorted report.
pub fn check_files(files: &[PathBuf], settings: &Settings) -> Report {
    let inputs: Vec<Input> = files.iter().map(|p| Input { path: p.clone(), bytes: None }).collect();
    check_inputs(&inputs, settings)
}

/// Checks `inputs`; `context` files are never checked, only searched for the
/// constant definitions the checked files use (changed-files mode, shards).
pub fn check_with_context(inputs: &[Input], context: &[Input], settings: &Settings) -> Report {
    let context: Vec<&Input> = context.iter().collect();
    check_against(inputs, &context, settings)
}

/// [`check_with_context`] with the context files borrowed one by one (the
/// server's index, less the buffer's own file).
fn check_against(inputs: &[Input], context: &[&Input], settings: &Settings) -> Report {
    in_pool(settings, |kb| {
        let timer = Timer::new();
        let gates = gates_of(kb, settings);
        run_phases(inputs, None, context, &gates, settings, kb, timer)
    })
}

/// Runs `check` with the run's knowledge base, in the run's worker threads
/// (`--jobs`).
fn in_pool<R: Send>(settings: &Settings, check: impl FnOnce(&Kb) -> R + Send) -> R {
    let builtin;
    let kb: &Kb = match &settings.kb {
        Some(kb) => kb,
        None => {
            builtin = Kb::builtin();
            builtin
        }
    };
    let run = || check(kb);
    match pool(settings.jobs.unwrap_or(0)) {
        Some(pool) => pool.install(run),
        None => run(),
    }
}

/// The worker threads of a check, kept for the next check that asks for as
/// many (the language server checks at every edit: its threads, and their
/// parsers, are started once).
fn pool(threads: usize) -> Option<std::sync::Arc<rayon::ThreadPool>> {
    static KEPT: std::sync::Mutex<Option<(usize, std::sync::Arc<rayon::ThreadPool>)>> = std::sync::Mutex::new(None);
    let mut kept = KEPT.lock().ok()?;
    if let Some((n, pool)) = kept.as_ref()
        && *n == threads
    {
        return Some(pool.clone());
    }
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).stack_size(WORKER_STACK).build().ok()?;
    let pool = std::sync::Arc::new(pool);
    *kept = Some((threads, pool.clone()));
    Some(pool)
}

/// Checks one in-memory source (stdin, tests). `path` decides the language.
pub fn check_source(path: &Path, text: &str, settings: &Settings) -> Report {
    check_inputs(&[Input { path: path.to_path_buf(), bytes: Some(text.as_bytes().to_vec()) }], settings)
}

/// Checks these inputs, with no context files.
pub fn check_inputs(inputs: &[Input], settings: &Settings) -> Report {
    check_with_context(inputs, &[], settings)
}

/// Shared by the phases: what phase 1 found, what phase 2 adds.
struct Run<'i> {
    candidates: Vec<Candidate>,
    /// Files read for their constants only (phase 2).
    const_files: Vec<(SourceFile, FileIr)>,
    /// Files not checked: searched for constants in phase 2.
    skipped: Vec<Skipped<'i>>,
    /// Files without an API that hold a suppression comment (for unused ones).
    marked: Vec<SourceFile>,
    /// Test files not analysed (test code left out).
    tests: TestFiles,
    errors: Vec<FileError>,
}

/// A file not checked, searched for constants in phase 2.
struct Skipped<'i> {
    input: &'i Input,
    /// The names it may define, from phase 1's read; `None` for a context
    /// file, which phase 1 did not read (phase 2 reads it to know).
    defined: Option<crate::prefilter::Defined>,
}

/// The prefilter's gates for a run's rules.
fn gates_of(kb: &Kb, settings: &Settings) -> Arc<Gates> {
    gates_for(kb, crate::rules::wanted(kb, &settings.rules()))
}

/// Phase 1's outcome for each input, in the inputs' order.
type Outcomes = Vec<(Phase1, Clues)>;

/// The phases over `inputs`; `lowered`, when given, is their phase 1 per
/// file already ([`walked`]).
fn run_phases<'i>(
    inputs: &'i [Input],
    lowered: Option<Outcomes>,
    context: &[&'i Input],
    gates: &Gates,
    settings: &Settings,
    kb: &Kb,
    mut timer: Timer,
) -> Report {
    let rules = settings.rules();
    let mut run = phase1::run(inputs, lowered, !context.is_empty(), gates, kb, settings, &mut timer);
    let summaries = if summaries_off() {
        timer.note("phase 1b: no summaries (RPCLINT_NO_SUMMARIES)");
        crate::summary::Summaries::default()
    } else {
        let started = std::time::Instant::now();
        let summaries = wrappers::extend(&mut run, inputs, gates, kb, settings, &mut timer);
        timer.lap(&format!("phase 1b: {} summaries", summaries.len()));
        timer.summaries = started.elapsed();
        summaries
    };
    let files_parsed = run.candidates.iter().filter(|c| c.parsed).count();
    // Context files are searched for constants like the skipped ones, never checked.
    run.skipped.extend(context.iter().map(|&input| Skipped { input, defined: None }));

    let closed = callers::closed(&mut run, inputs, context, gates, kb, settings, &mut timer);
    consts::search(&mut run, kb, settings, &mut timer);
    let (diagnostics, errors) = analysis::run(&run, kb, &summaries, &rules, settings, &closed);
    run.errors.extend(errors);
    let report = finish::finish(run, diagnostics, &rules, settings, &mut timer, inputs.len(), files_parsed);
    timer.total();
    report
}

/// The prefilter's words for the APIs a run's rules read. Building the
/// automata costs more than checking a small file (tens of milliseconds in
/// a debug build): the built-in knowledge base's are kept, one set per
/// distinct set of wanted APIs (the language server checks at every edit,
/// and a configuration rarely changes its rules). Another knowledge
/// base's are built for the run only.
fn gates_for(kb: &Kb, wanted: crate::kb::Wanted) -> Arc<Gates> {
    /// More distinct sets than this in one process is not a server's use:
    /// the oldest is dropped.
    const KEPT: usize = 8;
    static BUILTIN_GATES: Mutex<Vec<Arc<Gates>>> = Mutex::new(Vec::new());
    if !std::ptr::eq(kb, Kb::builtin()) {
        return Arc::new(Gates::new(kb, wanted));
    }
    let Ok(mut kept) = BUILTIN_GATES.lock() else { return Arc::new(Gates::new(kb, wanted)) };
    if let Some(g) = kept.iter().find(|g| g.wanted == wanted) {
        return g.clone();
    }
    let gates = Arc::new(Gates::new(kb, wanted));
    if kept.len() >= KEPT {
        kept.remove(0);
    }
    kept.push(gates.clone());
    gates
}

/// `RPCLINT_NO_SUMMARIES=1`: no function summaries (phase 1b skipped, and
/// the analysis sees no summary). A measurement knob only, for the
/// summaries' cost in `docs/performance.md`: the findings that need a
/// summary are lost.
fn summaries_off() -> bool {
    std::env::var_os("RPCLINT_NO_SUMMARIES").is_some()
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// `RPCLINT_TIMINGS=1` prints how long each phase took, on stderr (for `docs/performance.md`).
struct Timer {
    on: bool,
    started: std::time::Instant,
    last: std::time::Instant,
    /// Wall time of phase 1b (the summaries and their callers' lowering).
    summaries: std::time::Duration,
    /// [`crate::source::bytes_read`] at the start of the run and at the last lap.
    bytes_at_start: u64,
    bytes_at_last: u64,
}

impl Timer {
    fn new() -> Timer {
        let bytes = crate::source::bytes_read();
        Timer {
            on: std::env::var_os("RPCLINT_TIMINGS").is_some(),
            started: std::time::Instant::now(),
            last: std::time::Instant::now(),
            summaries: std::time::Duration::ZERO,
            bytes_at_start: bytes,
            bytes_at_last: bytes,
        }
    }

    #[allow(clippy::print_stderr)]
    fn note(&self, what: &str) {
        if self.on {
            eprintln!("rpclint: timing: {what}");
        }
    }

    /// Printed when the reach is counted (`RPCLINT_REACH`), timings or not.
    #[allow(clippy::print_stderr)]
    fn force_note(&self, what: &str) {
        if self.on || crate::reach::listing() {
            eprintln!("rpclint: {what}");
        }
    }

    /// The bytes read in the whole run (phase 1 reads every file once, the
    /// rest is what later phases read again), and the share of the run's
    /// wall time that phase 1b's summaries took. Their use in phase 3 (a
    /// summarised call analysed as the API call) is inside phase 3's time:
    /// `RPCLINT_NO_SUMMARIES=1` gives the run without any of it.
    #[allow(clippy::print_stderr)]
    fn total(&self) {
        if self.on {
            let read = crate::source::bytes_read().saturating_sub(self.bytes_at_start);
            let all = self.started.elapsed().as_secs_f64();
            let summaries = self.summaries.as_secs_f64();
            let share = if all > 0.0 { 100.0 * summaries / all } else { 0.0 };
            eprintln!("rpclint: timing: summaries (phase 1b): {summaries:.3} s, {share:.1}% of the run");
            eprintln!("rpclint: timing: run: {all:.3} s, {read} bytes read in all");
        }
    }

    #[allow(clippy::print_stderr)]
    fn lap(&mut self, what: &str) {
        if self.on {
            let bytes = crate::source::bytes_read();
            let read = bytes.saturating_sub(self.bytes_at_last);
            eprintln!("rpclint: timing: {what}: {:.3} s, {read} bytes read", self.last.elapsed().as_secs_f64());
            self.bytes_at_last = bytes;
        }
        self.last = std::time::Instant::now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in knowledge base's gates are kept per set of wanted APIs:
    /// the same rules get the same automata, other rules their own, which
    /// look for no API those rules do not read.
    #[test]
    fn gates_are_kept_per_wanted_set() {
        let kb = Kb::builtin();
        let wanted = |group: &str| crate::rules::wanted(kb, &crate::rules::expand(group));
        let default = gates_for(kb, wanted("default"));
        assert!(Arc::ptr_eq(&default, &gates_for(kb, wanted("default"))));
        let all = gates_for(kb, wanted("all"));
        assert!(!Arc::ptr_eq(&default, &all));
        let opens_file = b"h = CreateFileW(name, 0, 0, NULL, OPEN_EXISTING, 0, NULL);";
        assert!(all.all.matches(opens_file) && !default.all.matches(opens_file));
        assert!(default.needles.is_empty() && default.identity.is_empty() && default.pipe_client.is_empty());
        let nothing = gates_for(kb, wanted("parse-error"));
        assert!(nothing.all.is_empty() && nothing.pipe_client.is_empty());
    }
}
