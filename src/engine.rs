//! Runs the pipeline over a set of files, in three phases:
//!
//! 1. In parallel, read each file's bytes and look for an API name
//!    (prefilter). Only candidates are decoded, parsed and lowered, without
//!    the functions that name no API (a header that only declares the API
//!    joins the other files). A file that names only APIs whose findings
//!    need a word it lacks (`CreateFile` without a `pipe` string) is
//!    deferred, and parsed only if it uses a name defined next to that word
//!    elsewhere ([`Clues`]). Of the IR only the functions that call an
//!    API (and destructors) are kept,
//!    with every constant definition. Names those functions use but neither
//!    their file nor the knowledge base defines are collected.
//! 2. The other files are searched for exactly those names; the few that
//!    hold one are lowered for their constants only (repeated while new
//!    names appear, e.g. a `#define` that refers to another header).
//! 3. In parallel, each candidate's functions are analysed and the rules run
//!    with the merged constant table; then findings are sorted and
//!    fingerprinted.
//!
//! No file is parsed twice; a file that panics a frontend or a rule is
//! reported and the others lose nothing. A file that cannot be analysed (too
//! large, binary, parsing or analysis over the time limit; see
//! [`crate::limits`]) is kept as a candidate whose IR holds only that
//! problem, so the `parse-error` rule reports it like a syntax error.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Severity};
use crate::frontend::{self, Focused, Lang};
use crate::ir::{ExprKind, FileIr, Function, FunctionKind, Problem, Span};
use crate::kb::{Kb, POINTER_PREFIXES};
use crate::limits::{self, Limits};
use crate::prefilter::{Needle, Visibility, WordSet, definitions_near, string_defines};
use crate::report::{FileError, Report};
use crate::resolve::{self, ConstTable, FileCtx, FunctionFacts};
use crate::rules::{self, ProjectFacts, Rule, RuleOptions};
use crate::source::{Encoding, FileId, SourceFile, decode};
use crate::suppress::{self, RuleSet, SuppressFile};

/// Rounds of phase 2 (constants that refer to constants in yet other files).
const CONST_ROUNDS: usize = 4;
/// Stack for worker threads: parsers and lowering recurse (bounded, but deep).
const WORKER_STACK: usize = 32 * 1024 * 1024;

/// What a run is asked to do, after the command line and configuration are merged.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Rules to run (by name); empty means the default set plus `enable`.
    pub select: Vec<String>,
    /// Rules not to run (wins over everything else).
    pub ignore: Vec<String>,
    /// Rules to run on top of the default set, e.g. `unused-suppression`,
    /// which is off by default.
    pub enable: Vec<String>,
    /// Per-rule severity overrides.
    pub severity: Vec<(String, Severity)>,
    /// Worker threads; `None` = one per core.
    pub jobs: Option<usize>,
    pub rule_options: RuleOptions,
    /// The run's knowledge base (the shipped one plus a configuration's
    /// entries); `None` means the shipped one.
    pub kb: Option<Arc<Kb>>,
    /// An absolute directory: fingerprints use paths relative to it (the
    /// repository root), so a baseline does not depend on where rpclint
    /// was started. `None`, or a file outside it: the displayed path.
    pub project_root: Option<PathBuf>,
    /// Per-file size and time limits.
    pub limits: Limits,
    /// Fault injection for tests. Nothing in the command line or the
    /// configuration sets it, so it cannot fire in a real run.
    #[doc(hidden)]
    pub test_hooks: TestHooks,
}

/// Panics on purpose, to prove that one file's internal error costs no other
/// file its findings. A file whose text contains a marker panics there.
#[doc(hidden)]
#[derive(Clone, Debug, Default)]
pub struct TestHooks {
    /// Panic inside the frontend's `catch_unwind` (phase 1).
    pub panic_while_parsing: Option<String>,
    /// Panic inside the analysis's `catch_unwind` (phase 3).
    pub panic_while_analysing: Option<String>,
}

impl TestHooks {
    fn panic_if_marked(marker: &Option<String>, text: &str, stage: &str) {
        if let Some(m) = marker {
            if text.contains(m.as_str()) {
                panic!("test hook: panic while {stage}");
            }
        }
    }
}

impl Settings {
    /// The rules this run uses, in [`rules::ALL`] order.
    pub fn rules(&self) -> Vec<&'static Rule> {
        let named = |list: &[String], r: &Rule| list.iter().any(|s| s == r.name);
        rules::ALL
            .iter()
            .copied()
            .filter(|r| {
                if self.select.is_empty() {
                    rules::on_by_default(r) || named(&self.enable, r)
                } else {
                    named(&self.select, r)
                }
            })
            .filter(|r| !named(&self.ignore, r))
            .collect()
    }

    /// The severity a configuration gives `rule`, else its default.
    pub fn severity_of(&self, rule: &Rule) -> Severity {
        self.severity.iter().rev().find(|(n, _)| n == rule.name).map_or(rule.default_severity, |(_, s)| *s)
    }
}

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
    let builtin;
    let kb: &Kb = match &settings.kb {
        Some(kb) => kb,
        None => {
            builtin = Kb::builtin();
            builtin
        }
    };
    let run = || run_phases(inputs, context, settings, kb);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(settings.jobs.unwrap_or(0)).stack_size(WORKER_STACK).build();
    match pool {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    }
}

/// Checks one in-memory source (stdin, tests). `path` decides the language.
pub fn check_source(path: &Path, text: &str, settings: &Settings) -> Report {
    check_inputs(&[Input { path: path.to_path_buf(), bytes: Some(text.as_bytes().to_vec()) }], settings)
}

/// A file that made it past the prefilter, lowered; or a file that could
/// not be analysed, with only that problem in its IR.
struct Candidate {
    source: SourceFile,
    lang: Lang,
    /// `false` for a file that was not parsed (too large, binary, timed out).
    parsed: bool,
    ir: FileIr,
    /// Free names its kept functions (and their constants) need from elsewhere.
    needs: BTreeSet<String>,
}

enum Phase1 {
    /// Not a candidate; its text when it may hold a suppression comment.
    Skipped(Option<SourceFile>),
    /// It names only APIs whose findings need a word it does not hold
    /// (`CreateFile` and no `pipe`): parsed only if it uses a name whose
    /// definition holds the word (see [`Clues`]). Its text as for `Skipped`.
    Deferred(Option<SourceFile>),
    Candidate(Box<Candidate>),
    Error(FileError),
}

/// The prefilter's words, built once per knowledge base.
struct Gates {
    /// Every API name: a file that names none is never parsed.
    all: WordSet,
    /// The names that make a file a candidate by themselves.
    unconditional: WordSet,
    /// The words the other names' findings need in a value ([`crate::kb::Api::only_with`]).
    needles: Vec<Needle>,
}

impl Gates {
    fn new(kb: &Kb) -> Gates {
        let unconditional: Vec<&str> = kb.api_names().filter(|n| kb.only_with(n).is_none()).collect();
        let words: BTreeSet<&str> = kb.api_names().filter_map(|n| kb.only_with(n)).collect();
        Gates {
            all: WordSet::with_prefixes(kb.api_names(), POINTER_PREFIXES),
            unconditional: WordSet::with_prefixes(unconditional, POINTER_PREFIXES),
            needles: words.into_iter().map(Needle::new).collect(),
        }
    }
}

/// What a file tells about where the words of [`Gates::needles`] can go:
/// the names defined next to one in a string (`#define PIPE_NAME "\\\\.\\pipe\\x"`), and
/// its string macros (`#define SVC PIPE_ROOT L"svc"`), so that a deferred
/// file that uses such a name, directly or through macros, is parsed.
#[derive(Default)]
struct Clues {
    defined_near: Vec<String>,
    string_defines: Vec<(String, Vec<String>)>,
}

impl Clues {
    fn of(text: &[u8], lang: Lang, path: &Path, needles: &[Needle]) -> Clues {
        let header = lang == Lang::Rust || Lang::is_header(path);
        let scope = if header { Visibility::Included } else { Visibility::Linked };
        // A file that is all about the word (a pipe library) gives its first
        // occurrences' names; the bound keeps a pathological file cheap.
        const MAX_OCCURRENCES: usize = 2_000;
        let defined_near = needles
            .iter()
            .flat_map(|n| n.positions_in_strings(text).take(MAX_OCCURRENCES))
            .flat_map(|at| definitions_near(text, at, scope))
            .collect();
        // A source file's macros stay in it.
        let string_defines = if header { string_defines(text) } else { Vec::new() };
        Clues { defined_near, string_defines }
    }
}

/// The names a deferred file must use to be parsed: those defined next to a
/// needle word, then the string macros built on them, to a fixed point.
fn clue_names(clues: &[Clues]) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = clues.iter().flat_map(|c| c.defined_near.iter().cloned()).collect();
    let defines: Vec<&(String, Vec<String>)> = clues.iter().flat_map(|c| &c.string_defines).collect();
    for _ in 0..8 {
        let more: Vec<String> = defines
            .iter()
            .filter(|(name, refs)| !names.contains(name) && refs.iter().any(|r| names.contains(r)))
            .map(|(name, _)| name.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        names.extend(more);
    }
    names
}

/// Checks these inputs, with no context files.
pub fn check_inputs(inputs: &[Input], settings: &Settings) -> Report {
    check_with_context(inputs, &[], settings)
}

fn run_phases(inputs: &[Input], context: &[Input], settings: &Settings, kb: &Kb) -> Report {
    let mut timer = Timer::new();
    // Building the automata costs more than checking a small file (tens of
    // milliseconds in a debug build): the built-in knowledge base's are kept.
    static BUILTIN_GATES: OnceLock<Gates> = OnceLock::new();
    let own_gates;
    let gates = if std::ptr::eq(kb, Kb::builtin()) {
        BUILTIN_GATES.get_or_init(|| Gates::new(kb))
    } else {
        own_gates = Gates::new(kb);
        &own_gates
    };
    let rules = settings.rules();

    // Phase 1: prefilter, parse and lower the candidates. Files that only
    // name an API whose findings need a word they lack are deferred, unless
    // context files (other shards) could hold the definitions that decide.
    let defer = context.is_empty() && !gates.needles.is_empty();
    let phase1: Vec<(Phase1, Clues)> =
        inputs.par_iter().map(|input| read_and_lower(input, gates, defer, kb, settings)).collect();
    let mut errors = Vec::new();
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut skipped: Vec<&Input> = Vec::new();
    let mut deferred: Vec<(&Input, Option<SourceFile>)> = Vec::new();
    let mut clues: Vec<Clues> = Vec::new();
    // Files without an API that hold a suppression comment (for unused ones).
    let mut marked: Vec<SourceFile> = Vec::new();
    for (input, (outcome, clue)) in inputs.iter().zip(phase1) {
        match outcome {
            Phase1::Skipped(source) => {
                skipped.push(input);
                marked.extend(source);
            }
            Phase1::Deferred(source) => deferred.push((input, source)),
            Phase1::Candidate(c) => candidates.push(*c),
            Phase1::Error(e) => errors.push(e),
        }
        if !clue.defined_near.is_empty() || !clue.string_defines.is_empty() {
            clues.push(clue);
        }
    }
    timer.lap(&format!(
        "phase 1: {} files, {} candidates, {} deferred",
        inputs.len(),
        candidates.len(),
        deferred.len()
    ));

    // The deferred files that use a name the word can reach are parsed.
    if !deferred.is_empty() {
        let names = clue_names(&clues);
        let words = WordSet::new(names.iter().map(String::as_str));
        let promoted: Vec<Option<Phase1>> = deferred
            .par_iter()
            .map(|(input, _)| match read_bytes(input, settings.limits.max_file_size) {
                Ok(Bytes::Read(bytes)) if !words.is_empty() && words.matches(&searchable(&bytes)) => {
                    Some(read_and_lower(input, gates, false, kb, settings).0)
                }
                _ => None,
            })
            .collect();
        for ((input, source), outcome) in deferred.into_iter().zip(promoted) {
            match outcome {
                Some(Phase1::Candidate(c)) => candidates.push(*c),
                Some(Phase1::Error(e)) => errors.push(e),
                Some(Phase1::Skipped(_) | Phase1::Deferred(_)) | None => {
                    skipped.push(input);
                    marked.extend(source);
                }
            }
        }
        timer.lap(&format!("phase 1, deferred files: {} names, {} candidates in all", names.len(), candidates.len()));
    }
    drop(clues);
    let files_parsed = candidates.iter().filter(|c| c.parsed).count();
    // Context files are searched for constants like the skipped ones, never checked.
    skipped.extend(context.iter());

    // Phase 2: the definitions of the names the candidates could not resolve.
    let defined: BTreeSet<&str> = candidates.iter().flat_map(|c| c.ir.consts.iter().map(|d| d.name.as_str())).collect();
    let mut needed: BTreeSet<String> =
        candidates.iter().flat_map(|c| c.needs.iter()).filter(|n| !defined.contains(n.as_str())).cloned().collect();
    let mut const_files: Vec<(SourceFile, FileIr)> = Vec::new();
    let mut searched: BTreeSet<String> = BTreeSet::new();
    for _ in 0..CONST_ROUNDS {
        needed.retain(|n| !searched.contains(n));
        if needed.is_empty() || skipped.is_empty() {
            break;
        }
        let words = WordSet::new(needed.iter().map(String::as_str));
        timer.note(&format!(
            "phase 2 round: {} names, e.g. {:?}",
            needed.len(),
            needed.iter().take(12).collect::<Vec<_>>()
        ));
        let found: Vec<ConstsRead> =
            skipped.par_iter().map(|input| read_consts(input, &words, &settings.limits)).collect();
        searched.extend(needed.iter().cloned());
        let mut next: BTreeSet<String> = BTreeSet::new();
        // A file read for some names stays in the search: the next round's
        // names may be defined in it too (`PIPE_ROOT`, which `AGENT` in
        // another header is built on). One that failed is reported once.
        let mut failed: BTreeSet<PathBuf> = BTreeSet::new();
        for (input, read) in skipped.iter().zip(found) {
            match read {
                ConstsRead::Nothing => continue,
                ConstsRead::Found(file) => {
                    next.extend(const_refs(&file.1, &needed));
                    const_files.push(*file);
                    continue;
                }
                // Reported like a candidate that could not be analysed: its
                // constants are missing, and the user must know.
                ConstsRead::NotAnalysed(c) => candidates.push(*c),
                ConstsRead::Error(e) => errors.push(e),
            }
            failed.insert(input.path.clone());
        }
        skipped.retain(|i| !failed.contains(&i.path));
        let defined: BTreeSet<&str> =
            const_files.iter().flat_map(|(_, ir)| ir.consts.iter().map(|d| d.name.as_str())).collect();
        next.retain(|n| !defined.contains(n.as_str()) && kb.constant(n).is_none());
        needed = next;
    }

    timer.lap(&format!("phase 2: {} constant files", const_files.len()));

    // Phase 3: analyse and run the rules, with every file's constants.
    let mut table = ConstTable::new();
    let ids: Vec<FileId> = (0..candidates.len()).map(|i| FileId(u32::try_from(i).unwrap_or(u32::MAX))).collect();
    for (c, id) in candidates.iter().zip(&ids) {
        table.add_file(*id, &c.ir);
    }
    let const_ids: Vec<FileId> =
        (0..const_files.len()).map(|i| FileId(u32::try_from(candidates.len() + i).unwrap_or(u32::MAX))).collect();
    for ((_, ir), id) in const_files.iter().zip(&const_ids) {
        table.add_file(*id, ir);
    }
    let mut project = ProjectFacts::collect(candidates.iter().map(|c| &c.ir), kb);
    project.locate(candidates.iter().zip(&ids).map(|(c, id)| (*id, c.source.path.as_path(), &c.ir)), kb);
    let results: Vec<Result<Vec<Diagnostic>, FileError>> = candidates
        .par_iter()
        .zip(ids.par_iter())
        .map(|(c, id)| analyse_file(c, *id, kb, &table, &project, &rules, settings))
        .collect();
    let mut diagnostics = Vec::new();
    for r in results {
        match r {
            Ok(mut d) => diagnostics.append(&mut d),
            Err(e) => errors.push(e),
        }
    }
    drop(table);
    // The IR has served: free it before any text is read again.
    for c in &mut candidates {
        c.ir = FileIr::default();
    }
    for (_, ir) in &mut const_files {
        *ir = FileIr::default();
    }

    // Files findings point into get their text back (dropped after phase 1).
    let mut wanted: BTreeSet<usize> = BTreeSet::new();
    for d in &diagnostics {
        wanted.insert(d.file.index());
        wanted.extend(d.labels.iter().map(|l| l.file.index()));
    }
    for i in wanted {
        let source = match i.checked_sub(candidates.len()) {
            // A file that was not parsed (too large, binary) stays unread.
            None => candidates.get_mut(i).filter(|c| c.parsed).map(|c| &mut c.source),
            Some(j) => const_files.get_mut(j).map(|(s, _)| s),
        };
        if let Some(source) = source.filter(|s| s.is_unloaded()) {
            source.reload();
        }
    }

    // Suppression comments, in the checked files only.
    let marked_base = candidates.len() + const_files.len();
    let marked_ids: Vec<FileId> =
        (0..marked.len()).map(|i| FileId(u32::try_from(marked_base + i).unwrap_or(u32::MAX))).collect();
    let mut suppress_files: Vec<SuppressFile<'_>> =
        candidates.iter().zip(&ids).map(|(c, id)| SuppressFile { id: *id, source: &c.source, lang: c.lang }).collect();
    for (source, id) in marked.iter().zip(&marked_ids) {
        if let Some(lang) = Lang::from_path(&source.path) {
            suppress_files.push(SuppressFile { id: *id, source, lang });
        }
    }
    let unused = rules.iter().copied().find(|r| std::ptr::eq(*r, rules::UNUSED_SUPPRESSION));
    let warnings =
        suppress::apply(&mut diagnostics, &suppress_files, &RuleSet { known: rules::ALL, enabled: &rules, unused });
    drop(suppress_files);

    // Keep only the files findings point into, renumbered.
    let mut all_sources: Vec<Option<SourceFile>> = candidates
        .into_iter()
        .map(|c| Some(c.source))
        .chain(const_files.into_iter().map(|(s, _)| Some(s)))
        .chain(marked.into_iter().map(Some))
        .collect();
    let mut remap: HashMap<FileId, FileId> = HashMap::new();
    let mut files = Vec::new();
    let mut take = |id: FileId| -> FileId {
        if let Some(new) = remap.get(&id) {
            return *new;
        }
        let new = FileId(u32::try_from(files.len()).unwrap_or(u32::MAX));
        if let Some(source) = all_sources.get_mut(id.index()).and_then(Option::take) {
            files.push(source);
        }
        remap.insert(id, new);
        new
    };
    for d in &mut diagnostics {
        d.file = take(d.file);
        for l in &mut d.labels {
            l.file = take(l.file);
        }
    }
    for (rule, severity) in &settings.severity {
        for d in diagnostics.iter_mut().filter(|d| d.rule == rule) {
            d.severity = *severity;
        }
    }
    timer.lap("phase 3: analysis and rules");
    sort_and_fingerprint(&mut diagnostics, &files, settings.project_root.as_deref());
    errors.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    let mut warnings = warnings;
    warnings.sort_by(|a, b| (&a.path, a.line, a.column, &a.message).cmp(&(&b.path, b.line, b.column, &b.message)));
    warnings.dedup();
    Report { files, diagnostics, errors, files_scanned: inputs.len(), files_parsed, warnings, baselined: 0 }
}

/// A file's bytes, or its size when that is over the limit (it is then not read).
enum Bytes<'a> {
    Read(std::borrow::Cow<'a, [u8]>),
    TooLarge(u64),
}

fn read_bytes(input: &Input, max_size: u64) -> Result<Bytes<'_>, FileError> {
    if let Some(b) = &input.bytes {
        let len = u64::try_from(b.len()).unwrap_or(u64::MAX);
        return Ok(if len > max_size { Bytes::TooLarge(len) } else { Bytes::Read(std::borrow::Cow::Borrowed(b)) });
    }
    let error = |e: std::io::Error| FileError {
        path: crate::source::display_path(&input.path),
        message: format!("cannot read: {}", crate::discover::io_message(&e)),
    };
    let file = std::fs::File::open(&input.path).map_err(error)?;
    let len = file.metadata().map_err(error)?.len();
    if len > max_size {
        return Ok(Bytes::TooLarge(len));
    }
    // The file may grow between the look at its size and the read: never
    // read more than the limit allows.
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(max_size.saturating_add(1)).read_to_end(&mut bytes).map_err(error)?;
    let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    Ok(if read > max_size { Bytes::TooLarge(read) } else { Bytes::Read(std::borrow::Cow::Owned(bytes)) })
}

/// Whether the text holds a NUL: a binary file (or UTF-16 without a byte
/// order mark, or UTF-32). Tree-sitter's lexers stop at a NUL, so such a
/// file would be analysed only up to it, silently.
fn is_binary(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return decode(bytes).0.contains('\0');
    }
    memchr::memchr(0, bytes).is_some()
}

/// A file that is not analysed: its IR is this one problem, at its start.
fn not_analysed(input: &Input, message: String) -> Box<Candidate> {
    let source = SourceFile::new(input.path.clone(), "".into(), Encoding::Utf8);
    let ir = FileIr { problems: vec![Problem { span: Span::new(0, 0), message }], ..FileIr::default() };
    let lang = Lang::from_path(&input.path).unwrap_or(Lang::C);
    Box::new(Candidate { source, lang, parsed: false, ir, needs: BTreeSet::new() })
}

/// Where a Rust file stops being UTF-8 (an offset into its decoded text).
/// rustc rejects such a file; rpclint reads it lossily and says so.
fn invalid_utf8_at(bytes: &[u8], encoding: Encoding) -> Option<usize> {
    if encoding != Encoding::Utf8Lossy {
        return None;
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    std::str::from_utf8(body).err().map(|e| e.valid_up_to())
}

/// A problem's span cut to its first line: a region the parser gave up on
/// can run for pages, and the finding is about where it starts.
fn first_line(text: &str, span: Span) -> Span {
    let start = (span.start as usize).min(text.len());
    let end = (span.end as usize).clamp(start, text.len());
    match text.as_bytes().get(start..end).and_then(|b| memchr::memchr(b'\n', b)) {
        Some(i) => {
            let line = &text.as_bytes()[start..start + i];
            let i = if line.ends_with(b"\r") { i - 1 } else { i };
            Span::new(start, start + i)
        }
        None => span,
    }
}

/// Text for the prefilter: UTF-16 files are decoded first (their bytes hide every name).
fn searchable(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        std::borrow::Cow::Owned(decode(bytes).0.into_bytes())
    } else {
        std::borrow::Cow::Borrowed(bytes)
    }
}

/// Phase 1 for one file, and what it tells about the needle words when
/// `defer` is on (then a file that names only conditional APIs and lacks
/// their word is [`Phase1::Deferred`]).
fn read_and_lower(input: &Input, gates: &Gates, defer: bool, kb: &Kb, settings: &Settings) -> (Phase1, Clues) {
    let Some(lang) = Lang::from_path(&input.path) else { return (Phase1::Skipped(None), Clues::default()) };
    let mut clues = Clues::default();
    let outcome = read_and_lower_inner(input, lang, gates, defer, &mut clues, kb, settings);
    (outcome, clues)
}

fn read_and_lower_inner(
    input: &Input,
    lang: Lang,
    gates: &Gates,
    defer: bool,
    clues: &mut Clues,
    kb: &Kb,
    settings: &Settings,
) -> Phase1 {
    let api_words = &gates.all;
    let max_size = settings.limits.max_file_size;
    let bytes = match read_bytes(input, max_size) {
        Ok(Bytes::Read(b)) => b,
        Ok(Bytes::TooLarge(size)) => {
            return Phase1::Candidate(not_analysed(
                input,
                format!(
                    "file not analysed: it is {}, over the {} limit (raise it with --max-file-size)",
                    limits::format_size(size),
                    limits::format_size(max_size)
                ),
            ));
        }
        Err(e) => return Phase1::Error(e),
    };
    if is_binary(&bytes) {
        return Phase1::Candidate(not_analysed(
            input,
            "file not analysed: it contains NUL bytes (a binary file, or UTF-16 without a byte order mark)".into(),
        ));
    }
    let text = searchable(&bytes);
    if defer {
        *clues = Clues::of(&text, lang, &input.path, &gates.needles);
    }
    let names_api = api_words.matches(&text);
    let wait = names_api
        && defer
        && !gates.unconditional.matches(&text)
        && !gates.needles.iter().any(|n| n.is_in_string(&text));
    if !names_api || wait {
        let marked = suppress::may_have_directives(&text).then(|| SourceFile::from_bytes(input.path.clone(), &bytes));
        return if wait { Phase1::Deferred(marked) } else { Phase1::Skipped(marked) };
    }
    drop(text);
    let source = SourceFile::from_bytes(input.path.clone(), &bytes);
    let invalid_utf8 = if lang == Lang::Rust { invalid_utf8_at(&bytes, source.encoding) } else { None };
    drop(bytes);
    let deadline = settings.limits.deadline();
    let lowered = catch_unwind(AssertUnwindSafe(|| {
        TestHooks::panic_if_marked(&settings.test_hooks.panic_while_parsing, &source.text, "parsing");
        let own_only = |name: &str, body: &[u8]| {
            let named = api_words.found(body);
            !named.is_empty() && named.iter().all(|w| *w == name)
        };
        frontend::lower_focused(lang, &source.text, &|body| api_words.matches(body), &own_only, deadline)
    }));
    let (mut ir, blanked_functions) = match lowered {
        Ok(Focused::Lowered(ir, blanked)) => (*ir, blanked),
        // A header that declares the API: searched for constants in phase 2
        // like any file that names none.
        Ok(Focused::NoCode) => {
            let marked = suppress::may_have_directives(source.text.as_bytes()).then_some(source);
            return Phase1::Skipped(marked);
        }
        Ok(Focused::TimedOut) => {
            let limit = settings.limits.file_timeout.map(limits::format_timeout).unwrap_or_default();
            let message =
                format!("file not analysed: parsing took longer than the {limit} limit (raise it with --file-timeout)");
            let ir = FileIr { problems: vec![Problem { span: Span::new(0, 0), message }], ..FileIr::default() };
            return Phase1::Candidate(Box::new(Candidate { source, lang, parsed: false, ir, needs: BTreeSet::new() }));
        }
        Err(panic) => {
            return Phase1::Error(FileError {
                path: source.display_path(),
                message: format!("internal error while parsing: {}", panic_message(&panic)),
            });
        }
    };
    if let Some(at) = invalid_utf8 {
        let message = "invalid UTF-8: the Rust compiler rejects this file (rpclint read the bad bytes as U+FFFD)";
        ir.problems.push(Problem { span: Span::new(at, at + '\u{fffd}'.len_utf8()), message: message.into() });
    }
    for p in &mut ir.problems {
        p.span = first_line(&source.text, p.span);
    }
    // Names of the file's functions are not constants to look for elsewhere
    // (a vtable initialiser lists them).
    let functions: BTreeSet<String> = ir.functions.iter().map(|f| f.name.clone()).chain(blanked_functions).collect();
    // Keep only what rules can report on: functions that call an API, and
    // destructors (which may revert an impersonation).
    ir.functions.retain(|f| f.kind == FunctionKind::Destructor || calls_api(f, kb));
    let mut needs = free_names(&ir, kb);
    needs.retain(|n| !functions.contains(n));

    // The text is read again at the end if a finding points into this file;
    // holding every candidate's text would grow with the tree. A file given
    // in memory, or one that may hold suppression comments, keeps it.
    let keep_text = input.bytes.is_some()
        || suppress::may_have_directives(source.text.as_bytes())
        || settings.test_hooks.panic_while_analysing.is_some();
    let source = if !keep_text { source.unloaded() } else { source };
    Phase1::Candidate(Box::new(Candidate { source, lang, parsed: true, ir, needs }))
}

fn calls_api(f: &Function, kb: &Kb) -> bool {
    f.calls.iter().any(|c| kb.api_for_call(&c.callee, c.receiver.is_some(), c.args.len()).is_some())
}

/// Names whose values can reach an API call's arguments and that neither the
/// file nor the knowledge base defines, following the file's own constants
/// to the names they use in turn. Names used only elsewhere (a loop bound, a
/// message) are not looked for: phase 2 reads only what can matter.
fn free_names(ir: &FileIr, kb: &Kb) -> BTreeSet<String> {
    let local: HashMap<&str, Vec<usize>> = ir.consts.iter().enumerate().fold(HashMap::new(), |mut m, (i, d)| {
        m.entry(d.name.as_str()).or_default().push(i);
        m
    });
    let mut work: Vec<String> = Vec::new();
    for f in &ir.functions {
        work.extend(api_argument_names(f, kb));
    }
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut free = BTreeSet::new();
    while let Some(name) = work.pop() {
        if !seen.insert(name.clone()) || kb.constant(&name).is_some() {
            continue;
        }
        match local.get(name.as_str()) {
            Some(defs) => {
                for &i in defs {
                    if let Some(d) = ir.consts.get(i) {
                        work.extend(names_under(&ir.const_scope, d.value));
                    }
                }
            }
            None => {
                free.insert(name);
            }
        }
    }
    free
}

/// The free names in the arguments of a function's API calls, and in what
/// is assigned to the locals (and through pointers, and to globals) those
/// arguments read: a backward slice over assignments.
fn api_argument_names(f: &Function, kb: &Kb) -> Vec<String> {
    use crate::ir::{ExprId, LocalId, PlaceRoot, Stmt};
    let mut assigned: HashMap<LocalId, Vec<ExprId>> = HashMap::new();
    let mut indirect: Vec<ExprId> = Vec::new();
    for b in &f.blocks {
        for st in &b.stmts {
            if let Stmt::Assign { place, value, .. } = st {
                match &place.root {
                    PlaceRoot::Local(l) => assigned.entry(*l).or_default().push(*value),
                    // `pqos->ImpersonationType = X`, `g_qos.Capabilities = X`: a
                    // struct an argument may point to.
                    PlaceRoot::Deref(_) | PlaceRoot::Global(_) if !place.path.is_empty() => indirect.push(*value),
                    _ => {}
                }
            }
        }
    }
    let mut stack: Vec<ExprId> = Vec::new();
    for call in &f.calls {
        let Some(m) = kb.api_for_call(&call.callee, call.receiver.is_some(), call.args.len()) else { continue };
        // Only the arguments whose parameter means something to a rule.
        let args = call.args.iter().skip(usize::from(m.this_in_args));
        for (p, a) in m.api.params.iter().zip(args) {
            if p.role.is_some() || p.struct_type.is_some() {
                stack.push(*a);
            }
        }
    }
    if !stack.is_empty() {
        stack.extend(indirect);
    }
    let mut seen_expr = vec![false; f.exprs.len()];
    let mut seen_local: BTreeSet<LocalId> = BTreeSet::new();
    let mut out = Vec::new();
    while let Some(e) = stack.pop() {
        let Some(slot) = seen_expr.get_mut(e.index()) else { continue };
        if std::mem::replace(slot, true) {
            continue;
        }
        let Some(expr) = f.exprs.get(e.index()) else { continue };
        match &expr.kind {
            ExprKind::Name(n) => out.push(n.clone()),
            ExprKind::Local(l) if seen_local.insert(*l) => {
                stack.extend(assigned.get(l).into_iter().flatten().copied());
            }
            // A call's value depends on its arguments only through a helper
            // that passes one on (`TEXT(x)`, `wcsdup(x)`); an API's or an
            // unknown function's result is not a constant.
            ExprKind::Call(c) => {
                let Some(call) = f.calls.get(c.index()) else { continue };
                let Some(h) = kb.helper_for_call(&call.callee, call.receiver.is_some()) else { continue };
                match h.from.unwrap_or(0) {
                    -1 => stack.extend(call.receiver),
                    i => stack.extend(usize::try_from(i).ok().and_then(|i| call.args.get(i)).copied()),
                }
                continue;
            }
            _ => {}
        }
        crate::ir::for_each_child(&expr.kind, &f.calls, |c| stack.push(c));
    }
    out
}

/// The free names in one expression tree of a constant scope.
fn names_under(scope: &Function, root: crate::ir::ExprId) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    let mut budget = 10_000;
    while let Some(e) = stack.pop() {
        budget -= 1;
        if budget == 0 {
            break;
        }
        let Some(expr) = scope.exprs.get(e.index()) else { continue };
        if let ExprKind::Name(n) = &expr.kind {
            out.push(n.clone());
        }
        crate::ir::for_each_child(&expr.kind, &scope.calls, |c| stack.push(c));
    }
    out
}

/// Names referenced by the definitions of `wanted` in a constants-only file.
fn const_refs(ir: &FileIr, wanted: &BTreeSet<String>) -> BTreeSet<String> {
    ir.consts.iter().filter(|d| wanted.contains(&d.name)).flat_map(|d| names_under(&ir.const_scope, d.value)).collect()
}

/// What phase 2 made of a file that might define a needed name.
enum ConstsRead {
    /// It does not (or it is not a source file).
    Nothing,
    /// It does: its constants.
    Found(Box<(SourceFile, FileIr)>),
    /// Its parse ran out of time: reported as a `parse-error`.
    NotAnalysed(Box<Candidate>),
    Error(FileError),
}

fn read_consts(input: &Input, words: &WordSet, limits: &Limits) -> ConstsRead {
    let Some(lang) = Lang::from_path(&input.path) else { return ConstsRead::Nothing };
    // Phase 1 read this file already and found it neither too large nor binary.
    let bytes = match read_bytes(input, limits.max_file_size) {
        Ok(Bytes::Read(bytes)) => bytes,
        Ok(Bytes::TooLarge(_)) => return ConstsRead::Nothing,
        Err(e) => return ConstsRead::Error(e),
    };
    let found = words.found_defined(&searchable(&bytes));
    if found.is_empty() {
        return ConstsRead::Nothing;
    }
    let source = SourceFile::from_bytes(input.path.clone(), &bytes);
    drop(bytes);
    let deadline = limits.deadline();
    // The definitions of the names wanted, then of the names those refer to
    // that this same file defines (`#define CALG_SHA_256 (ALG_CLASS_HASH | ..)`).
    let lowered = catch_unwind(AssertUnwindSafe(|| {
        let mut wanted: BTreeSet<String> = found.iter().map(|n| (*n).to_string()).collect();
        let mut ir = None;
        for _ in 0..CONST_ROUNDS {
            let words = WordSet::new(wanted.iter().map(String::as_str));
            let lowered = frontend::lower_consts_focused(lang, &source.text, &|chunk| words.matches(chunk), deadline)?;
            let refs: BTreeSet<String> =
                const_refs(&lowered, &wanted).into_iter().filter(|n| !wanted.contains(n)).collect();
            ir = Some(lowered);
            let here = WordSet::new(refs.iter().map(String::as_str));
            let more = here.found_defined(source.text.as_bytes());
            if more.is_empty() {
                break;
            }
            wanted.extend(more.into_iter().map(str::to_string));
        }
        ir
    }));
    let mut ir = match lowered {
        Ok(Some(ir)) => ir,
        Ok(None) => {
            let limit = limits.file_timeout.map(limits::format_timeout).unwrap_or_default();
            let message = format!(
                "constants not read: parsing took longer than the {limit} limit (raise it with --file-timeout)"
            );
            return ConstsRead::NotAnalysed(not_analysed(input, message));
        }
        Err(panic) => {
            return ConstsRead::Error(FileError {
                path: source.display_path(),
                message: format!("internal error while parsing: {}", panic_message(&panic)),
            });
        }
    };
    ir.functions.clear();
    if !ir.consts.iter().any(|d| found.contains(&d.name.as_str())) {
        return ConstsRead::Nothing;
    }
    let source = if input.bytes.is_none() { source.unloaded() } else { source };
    ConstsRead::Found(Box::new((source, ir)))
}

fn analyse_file(
    c: &Candidate,
    id: FileId,
    kb: &Kb,
    table: &ConstTable<'_>,
    project: &ProjectFacts,
    rules: &[&'static Rule],
    settings: &Settings,
) -> Result<Vec<Diagnostic>, FileError> {
    let result = catch_unwind(AssertUnwindSafe(|| {
        TestHooks::panic_if_marked(&settings.test_hooks.panic_while_analysing, &c.source.text, "analysing");
        let deadline = settings.limits.deadline();
        let cx = FileCtx { kb, file: id, consts: table, reverting_types: &project.reverting_types, deadline };
        let facts: Vec<FunctionFacts> =
            c.ir.functions
                .iter()
                .map(|f| {
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        // Out of time: the `parse-error` rule reports the first such function.
                        FunctionFacts { gave_up: true, timed_out: true, ..FunctionFacts::default() }
                    } else {
                        resolve::analyze(&cx, f)
                    }
                })
                .collect();
        rules::run(rules, kb, &settings.rule_options, project, id, &c.ir, &facts)
    }));
    result.map_err(|panic| FileError {
        path: c.source.display_path(),
        message: format!("internal error while analysing: {}", panic_message(&panic)),
    })
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

/// Sorts by path, line, column, rule, message, and gives each finding its
/// fingerprint: rule, path (relative to `root` when the file is under it),
/// the call's text without spaces, and how many identical ones come before
/// it in the file.
fn sort_and_fingerprint(diagnostics: &mut [Diagnostic], files: &[SourceFile], root: Option<&Path>) {
    let key = |d: &Diagnostic| {
        let file = files.get(d.file.index());
        let path = file.map(SourceFile::display_path).unwrap_or_default();
        let (line, col) = file.map_or((0, 0), |f| f.line_col(d.span.start));
        (path, line, col, d.rule, d.message.clone())
    };
    diagnostics.sort_by_cached_key(key);
    let fingerprint_paths: Vec<String> = files.iter().map(|f| fingerprint_path(&f.path, root)).collect();
    let mut seen: HashMap<(String, &'static str, String), usize> = HashMap::new();
    for d in diagnostics.iter_mut() {
        let file = files.get(d.file.index());
        let path = fingerprint_paths.get(d.file.index()).cloned().unwrap_or_default();
        let text: String = file.map(|f| f.slice(d.span)).unwrap_or("").chars().filter(|c| !c.is_whitespace()).collect();
        let n = seen.entry((path.clone(), d.rule, text.clone())).or_insert(0);
        d.fingerprint = format!("{:016x}", fnv1a(&[d.rule, &path, &text, &n.to_string()]));
        *n += 1;
    }
}

/// The path a fingerprint uses: relative to `root` (with `/`) when the file
/// is under it, else as displayed.
pub fn fingerprint_path(path: &Path, root: Option<&Path>) -> String {
    if let Some(root) = root {
        if let Ok(rel) = crate::config::absolute(path).strip_prefix(root) {
            return crate::source::display_path(rel);
        }
    }
    crate::source::display_path(path)
}

/// FNV-1a over parts separated by NUL: stable across runs, versions and machines.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// `RPCLINT_TIMINGS=1` prints how long each phase took, on stderr (for `docs/performance.md`).
struct Timer {
    on: bool,
    last: std::time::Instant,
}

impl Timer {
    fn new() -> Timer {
        Timer { on: std::env::var_os("RPCLINT_TIMINGS").is_some(), last: std::time::Instant::now() }
    }

    #[allow(clippy::print_stderr)]
    fn note(&self, what: &str) {
        if self.on {
            eprintln!("rpclint: timing: {what}");
        }
    }

    #[allow(clippy::print_stderr)]
    fn lap(&mut self, what: &str) {
        if self.on {
            eprintln!("rpclint: timing: {what}: {:.3} s", self.last.elapsed().as_secs_f64());
        }
        self.last = std::time::Instant::now();
    }
}
