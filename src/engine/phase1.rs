//! Phase 1: each file is read, prefiltered, and (if it names an API)
//! parsed and lowered, keeping only the functions that call an API and the
//! free names they need from elsewhere.

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use rayon::prelude::*;

use super::deferral::{Clues, Gates, clue_names, local_clue_names};
use super::kept::{calls_api, constant_helpers, touches_member};
use super::needs::free_names;
use super::read::{Bytes, invalid_utf8_at, is_binary, read_bytes, searchable};
use super::{Input, Outcomes, Run, Skipped, Timer, panic_message};
use crate::frontend::{self, Blanks, Focused, Keep, Lang};
use crate::ir::{FileIr, Function, FunctionKind, Problem, Span, unqualified};
use crate::kb::{Kb, Role, SetKind};
use crate::limits;
use crate::prefilter::{Defined, WordSet};
use crate::reach::Reach;
use crate::report::FileError;
use crate::resolve::{FieldText, callback, proxy_members};
use crate::settings::{Settings, TestHooks};
use crate::source::{Encoding, SourceFile};
use crate::suppress;

/// A file that made it past the prefilter, lowered; or a file that could
/// not be analysed, with only that problem in its IR.
pub(super) struct Candidate {
    pub(super) source: SourceFile,
    pub(super) lang: Lang,
    /// `false` for a file that was not parsed (too large, binary, timed out).
    pub(super) parsed: bool,
    pub(super) ir: FileIr,
    /// Free names its kept functions (and their constants) need from elsewhere.
    pub(super) needs: BTreeSet<String>,
    /// The names of every function it defines, lowered or blanked (a call
    /// to one of them is the file's own function, see [`crate::summary`]).
    pub(super) defined: BTreeSet<String>,
    /// Member names its text accesses outside the kept functions, and
    /// those it declares (`resolve/fields.rs`), read before the text is dropped.
    pub(super) field_text: FieldText,
    /// Its functions that name only APIs whose findings need a word they
    /// lack, blanked in phase 1 (see [`waits`]); lowered after it if they
    /// use a name another file defines next to the word.
    pub(super) waiting: BTreeSet<String>,
}

pub(super) enum Phase1 {
    /// Not a candidate; its text when it may hold a suppression comment,
    /// and the names it may define (for phase 2, which then need not read
    /// it; see [`index_definitions`]).
    Skipped(Option<SourceFile>, Option<Defined>),
    /// It names only APIs whose findings need a word it does not hold
    /// (`CreateFile` and no `pipe`): parsed only if it uses a name whose
    /// definition holds the word (see [`Clues`]). The rest as for `Skipped`.
    Deferred(Option<SourceFile>, Option<Defined>),
    /// Test code by its path, naming an API, with test code left out
    /// ([`crate::testcode::TestCode::skips`]): not analysed. The rest as for `Skipped`.
    Test(Option<SourceFile>, Option<Defined>),
    Candidate(Box<Candidate>),
    Error(FileError),
}

/// Phase 1 over every input: prefilter, parse and lower the candidates.
/// Files that only name an API whose findings need a word they lack are
/// deferred, unless context files (other shards) could hold the definitions
/// that decide. `lowered`, when given, yields the inputs' [`read_and_lower`]
/// in order, done while the walk went on (`engine/walked.rs`).
pub(super) fn run<'i>(
    inputs: &'i [Input],
    lowered: Option<Outcomes>,
    has_context: bool,
    gates: &Gates,
    kb: &Kb,
    settings: &Settings,
    timer: &mut Timer,
) -> Run<'i> {
    let defer = gates.defer(has_context);
    let phase1 = lowered
        .unwrap_or_else(|| inputs.par_iter().map(|input| read_and_lower(input, gates, defer, kb, settings)).collect());
    let mut errors = Vec::new();
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut skipped: Vec<Skipped<'i>> = Vec::new();
    let mut deferred: Vec<(&Input, Option<SourceFile>, Option<Defined>)> = Vec::new();
    let mut clues: Vec<Clues> = Vec::new();
    // Files without an API that hold a suppression comment (for unused ones).
    let mut marked: Vec<SourceFile> = Vec::new();
    let mut tests = super::TestFiles::default();
    let mut reach = Reach::default();
    for (input, (outcome, clue)) in inputs.iter().zip(phase1) {
        reach += clue.reach;
        match outcome {
            Phase1::Skipped(source, defined) => {
                skipped.push(Skipped { input, defined });
                marked.extend(source);
            }
            Phase1::Deferred(source, defined) => deferred.push((input, source, defined)),
            Phase1::Test(source, defined) => {
                skipped.push(Skipped { input, defined });
                tests.add(source);
            }
            Phase1::Candidate(c) => candidates.push(*c),
            Phase1::Error(e) => errors.push(e),
        }
        if !clue.defined_near.is_empty() || !clue.string_defines.is_empty() {
            clues.push(clue);
        }
    }
    let names: usize = skipped.iter().filter_map(|s| s.defined.as_ref()).map(Defined::len).sum::<usize>()
        + deferred.iter().filter_map(|(.., d)| d.as_ref()).map(Defined::len).sum::<usize>();
    timer.lap(&format!(
        "phase 1: {} files, {} candidates, {} deferred, {names} names the others may define",
        inputs.len(),
        candidates.len(),
        deferred.len()
    ));

    let mut run = Run { candidates, const_files: Vec::new(), skipped, marked, tests, errors };
    let waiting = run.candidates.iter().any(|c| !c.waiting.is_empty());
    if !deferred.is_empty() || waiting {
        let names = clue_names(&clues);
        if !deferred.is_empty() {
            reach += promote(deferred, &names, gates, kb, settings, &mut run, timer);
        }
        if waiting {
            promote_waiting(&mut run, inputs, &names, kb, settings, timer);
        }
    }
    if crate::reach::enabled() {
        timer.force_note(&reach.summary());
    }
    run
}

/// Phase 1 for one file, and what it tells about the needle words when
/// `defer` is on (then a file that names only conditional APIs and lacks
/// their word is [`Phase1::Deferred`]).
pub(super) fn read_and_lower(
    input: &Input,
    gates: &Gates,
    defer: bool,
    kb: &Kb,
    settings: &Settings,
) -> (Phase1, Clues) {
    // Not a source file: phase 2 does not read it either (no definitions).
    let Some(lang) = Lang::from_path(&input.path) else {
        return (Phase1::Skipped(None, Some(Defined::default())), Clues::default());
    };
    let mut clues = Clues::default();
    let outcome = read_and_lower_inner(input, lang, gates, defer, &mut clues, kb, settings);
    (outcome, clues)
}

/// The names a file not checked may define, recorded while its bytes are
/// at hand, so that phase 2 reads it again only if it may define a name it
/// looks for. A Rust file gets the cheaper [`Defined::of_rust`]: in a
/// binding crate nearly every line is a `pub const`. A C or C++ source file
/// records only what other files can see of it ([`crate::ir::Visibility`]).
fn index_definitions(lang: Lang, path: &Path, text: &[u8]) -> Option<Defined> {
    Some(if lang == Lang::Rust { Defined::of_rust(text) } else { Defined::of(text, lang.visibility(path)) })
}

/// Whether a function that names an API waits: it names only APIs whose
/// findings need a word ([`crate::kb::Api::only_with`]: `CreateFile` and
/// `pipe`), and its body holds neither the word (in any case, in a string
/// or a name: `pipe_name`, `ERROR_PIPE_BUSY`) nor one of the file's own
/// names for it (`local`). The file-level deferral, one function at a time:
/// of Wine's candidates, the test functions that open regular files. It is
/// lowered after phase 1 if it uses a name another file defines next to the
/// word ([`promote_waiting`]). The caller keeps a function with parameters
/// (a wrapper, whose callers may pass a pipe's path), a thread's start and
/// what a callback needs.
fn waits(gates: &Gates, local: &WordSet, body: &[u8]) -> bool {
    !gates.unconditional.matches(body)
        && !gates.pipe_client.matches(body)
        && !gates.needles.iter().any(|n| n.is_in(body))
        && !local.matches(body)
}

/// `{ return RPC_C_AUTHN_LEVEL_CONNECT; }`, `{ RPC_C_AUTHN_LEVEL_CALL.0 }`:
/// short, one statement, no call, no block. Kept beside the functions that
/// name an API, so that a helper that returns a constant gets its summary
/// without a second parse (see [`crate::summary`]).
fn is_tiny_body(body: &[u8]) -> bool {
    const TINY: usize = 160;
    body.len() <= TINY
        && !body.iter().any(|b| matches!(b, b'(' | b'{' | b'='))
        && body.iter().filter(|b| **b == b';').count() <= 1
}

pub(super) fn read_and_lower_inner(
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
        if crate::reach::enabled() && api_words.matches(&bytes) {
            clues.reach = crate::reach::not_analysed(&crate::reach::call_sites(&bytes, api_words.occurrences(&bytes)));
        }
        return Phase1::Candidate(not_analysed(
            input,
            "file not analysed: it contains NUL bytes (a binary file, or UTF-16 without a byte order mark)".into(),
        ));
    }
    let text = searchable(&bytes);
    let sites = if crate::reach::enabled() {
        crate::reach::call_sites(&text, api_words.occurrences(&text))
    } else {
        Vec::new()
    };
    let names_api = api_words.matches(&text);
    // Decided here, once: not lowered, so neither promoted nor analysed later.
    let test = names_api && settings.test_code.skips(&input.path, settings.project_root.as_deref());
    let names_api = names_api && !test;
    if defer {
        *clues = Clues::of(&text, lang, &input.path, &gates.needles, names_api);
    }
    // Sites in a deferred file are counted if it is parsed (a file without
    // the word cannot have a finding: it is not a miss).
    let wait = names_api
        && defer
        && !gates.unconditional.matches(&text)
        && !clues.word_in_string
        && !gates.pipe_client.matches(&text);
    if !names_api || wait {
        let marked = suppress::may_have_directives(&text).then(|| SourceFile::from_bytes(input.path.clone(), &bytes));
        let defined = index_definitions(lang, &input.path, &text);
        return match (test, wait) {
            (true, _) => Phase1::Test(marked, defined),
            (_, true) => Phase1::Deferred(marked, defined),
            _ => Phase1::Skipped(marked, defined),
        };
    }
    drop(text);
    let source = SourceFile::from_bytes(input.path.clone(), &bytes);
    let invalid_utf8 = if lang == Lang::Rust { invalid_utf8_at(&bytes, source.encoding) } else { None };
    drop(bytes);
    let deadline = settings.limits.deadline();
    // This file's own names for a needle word (`static const WCHAR name[] =
    // L"\\\\.\\pipe\\x";`): a function that uses one does not wait.
    let local = if defer && clues.word_in_string {
        local_clue_names(source.text.as_bytes(), lang, &gates.needles)
    } else {
        BTreeSet::new()
    };
    let local = WordSet::new(local.iter().map(String::as_str));
    let lower = |keep_named: &dyn Fn(&str) -> bool, identity: bool, members: &[String]| {
        catch_unwind(AssertUnwindSafe(|| {
            TestHooks::panic_if_marked(&settings.test_hooks.panic_while_parsing, &source.text, "parsing");
            let own_only = |name: &str, body: &[u8]| {
                let named = api_words.found(body);
                !named.is_empty() && named.iter().all(|w| *w == name)
            };
            let names_member = |body: &[u8]| members.iter().any(|m| body.windows(m.len()).any(|w| w == m.as_bytes()));
            let keep = |body: &[u8]| {
                api_words.matches(body)
                    || gates.threads.matches(body)
                    || (identity && gates.identity.matches(body))
                    || names_member(body)
            };
            let waits = |has_parameters: bool, body: &[u8]| {
                let kept_anyway = has_parameters
                    || gates.threads.matches(body)
                    || (identity && gates.identity.matches(body))
                    || names_member(body);
                defer && !kept_anyway && waits(gates, &local, body)
            };
            let keep = Keep {
                body: &keep,
                own_only: &own_only,
                named: keep_named,
                aside: &is_tiny_body,
                waits: &waits,
                tokens: true,
            };
            frontend::lower_focused(lang, &source.text, &keep, deadline)
        }))
    };
    let mut lowered = lower(&|_| false, false, &[]);
    // A security callback registered here, and the helpers that ask who the
    // caller is, may name no API: focus blanked them, and the rules read
    // them. So may the functions that write a member an API call takes its
    // proxy from (`self.server_connection`). Lower again keeping them (rare:
    // only such files pay twice).
    let (callbacks, members) = match &lowered {
        Ok(Focused::Lowered(ir, _)) => (callback::registered(kb, ir, Role::IfCallback), proxy_members(kb, ir)),
        _ => (BTreeSet::new(), BTreeSet::new()),
    };
    let members: Vec<String> = members.into_iter().collect();
    let identity = matches!(&lowered, Ok(Focused::Lowered(_, blanks))
        if !callbacks.is_empty()
            && (blanks.blanked.iter().any(|f| callbacks.contains(f)) || gates.identity.matches(source.text.as_bytes())));
    if identity || !members.is_empty() {
        lowered = lower(&|name| callbacks.contains(name), identity, &members);
    }
    let (mut ir, blanks) = match lowered {
        Ok(Focused::Lowered(ir, blanks)) => (*ir, blanks),
        // Every function that names an API waits: the file waits like one
        // that names only such APIs (its sites are counted if it is parsed).
        Ok(Focused::NoCode(blanks)) if !blanks.waiting.is_empty() => {
            let defined = index_definitions(lang, &source.path, source.text.as_bytes());
            let marked = suppress::may_have_directives(source.text.as_bytes()).then_some(source);
            return Phase1::Deferred(marked, defined);
        }
        // A header that declares the API: searched for constants in phase 2
        // like any file that names none.
        Ok(Focused::NoCode(blanks)) => {
            if !sites.is_empty() {
                clues.reach = crate::reach::count_file(&source, &sites, &FileIr::default(), &blanks.api_spans, &[]);
            }
            let defined = index_definitions(lang, &source.path, source.text.as_bytes());
            let marked = suppress::may_have_directives(source.text.as_bytes()).then_some(source);
            return Phase1::Skipped(marked, defined);
        }
        Ok(Focused::TimedOut) => {
            let limit = settings.limits.file_timeout.map(limits::format_timeout).unwrap_or_default();
            let message =
                format!("file not analysed: parsing took longer than the {limit} limit (raise it with --file-timeout)");
            clues.reach = crate::reach::not_analysed(&sites);
            return Phase1::Candidate(Candidate::not_parsed(source, lang, message));
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
    if !sites.is_empty() {
        let waiting: Vec<(usize, usize)> = blanks.waiting.iter().map(|&(_, s, e)| (s, e)).collect();
        clues.reach = crate::reach::count_file(&source, &sites, &ir, &blanks.api_spans, &waiting);
    }
    for p in &mut ir.problems {
        p.span = first_line(&source.text, p.span);
    }
    // Names of the file's functions are not constants to look for elsewhere
    // (a vtable initialiser lists them).
    let Blanks { blanked, waiting, tokens, .. } = blanks;
    let functions: BTreeSet<String> = ir.functions.iter().map(|f| f.name.clone()).chain(blanked).collect();
    let waiting: BTreeSet<String> = waiting.into_iter().map(|(name, ..)| name).collect();
    // Keep only what rules can report on: functions that call an API,
    // destructors (which may revert an impersonation), those that start a
    // thread (the project's thread routines), registered callbacks,
    // and the helpers those call for a constant.
    let identity = |f: &Function| f.calls.iter().any(|c| kb.callee_in_set(SetKind::CallerIdentity, &c.callee));
    let helpers = constant_helpers(&ir, kb);
    let starts_thread =
        |f: &Function| f.calls.iter().any(|c| kb.tables.threads.start_routine.contains_key(unqualified(&c.callee)));
    ir.functions.retain(|f| {
        f.kind == FunctionKind::Destructor
            || calls_api(f, kb)
            || starts_thread(f)
            || callbacks.contains(&f.name)
            || (!callbacks.is_empty() && identity(f))
            || helpers.contains(&f.name)
            || touches_member(f, &members)
    });
    let mut needs = free_names(&ir, kb, Some(&helpers));
    needs.retain(|n| !functions.contains(n));

    // The text is read again at the end if a finding points into this file;
    // holding every candidate's text would grow with the tree. A file given
    // in memory, or one that may hold suppression comments, keeps it.
    let keep_text = input.bytes.is_some()
        || suppress::may_have_directives(source.text.as_bytes())
        || settings.test_hooks.panic_while_analysing.is_some();
    // Focus lexed the text already (C, C++): FieldText reads its tokens.
    let tokens = (!tokens.is_empty()).then_some(tokens.as_slice());
    let field_text = FieldText::of(&source.text, &ir, lang.dialect(), Lang::is_header(&source.path), tokens);
    let source = if !keep_text { source.unloaded() } else { source };
    Phase1::Candidate(Box::new(Candidate {
        source,
        lang,
        parsed: true,
        ir,
        needs,
        defined: functions,
        field_text,
        waiting,
    }))
}

/// A file that is not analysed: its IR is this one problem, at its start.
pub(super) fn not_analysed(input: &Input, message: String) -> Box<Candidate> {
    let source = SourceFile::new(input.path.clone(), "".into(), Encoding::Utf8);
    let lang = Lang::from_path(&input.path).unwrap_or(Lang::C);
    Candidate::not_parsed(source, lang, message)
}

impl Candidate {
    /// A file that was not parsed: its IR is `message`, at its start.
    fn not_parsed(source: SourceFile, lang: Lang, message: String) -> Box<Candidate> {
        let ir = FileIr { problems: vec![Problem { span: Span::new(0, 0), message }], ..FileIr::default() };
        Box::new(Candidate {
            source,
            lang,
            parsed: false,
            ir,
            needs: BTreeSet::new(),
            defined: BTreeSet::new(),
            field_text: FieldText::default(),
            waiting: BTreeSet::new(),
        })
    }
}

/// A problem's span cut to its first line: a region the parser gave up on
/// can run for pages, and the finding is about where it starts.
pub(super) fn first_line(text: &str, span: Span) -> Span {
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

/// The deferred files that use a name the word can reach are parsed; the
/// others join the skipped files. Returns the parsed files' reach.
fn promote<'i>(
    deferred: Vec<(&'i Input, Option<SourceFile>, Option<Defined>)>,
    names: &BTreeSet<String>,
    gates: &Gates,
    kb: &Kb,
    settings: &Settings,
    run: &mut Run<'i>,
    timer: &mut Timer,
) -> Reach {
    let Run { candidates, errors, skipped, marked, .. } = run;
    let mut reach = Reach::default();
    let words = WordSet::new(names.iter().map(String::as_str));
    // No name to look for (wine): no file is read again.
    let promoted: Vec<Option<(Phase1, Clues)>> = if words.is_empty() {
        deferred.iter().map(|_| None).collect()
    } else {
        deferred
            .par_iter()
            .map(|(input, ..)| match read_bytes(input, settings.limits.max_file_size) {
                Ok(Bytes::Read(bytes)) if words.matches(&searchable(&bytes)) => {
                    Some(read_and_lower(input, gates, false, kb, settings))
                }
                _ => None,
            })
            .collect()
    };
    for ((input, source, defined), outcome) in deferred.into_iter().zip(promoted) {
        let outcome = outcome.map(|(o, clue)| {
            reach += clue.reach;
            o
        });
        match outcome {
            Some(Phase1::Candidate(c)) => candidates.push(*c),
            Some(Phase1::Error(e)) => errors.push(e),
            Some(Phase1::Skipped(_, defined) | Phase1::Deferred(_, defined) | Phase1::Test(_, defined)) => {
                skipped.push(Skipped { input, defined });
                marked.extend(source);
            }
            None => {
                skipped.push(Skipped { input, defined });
                marked.extend(source);
            }
        }
    }
    timer.lap(&format!("phase 1, deferred files: {} names, {} candidates in all", names.len(), candidates.len()));
    reach
}

/// The waiting functions ([`waits`]) that use a name another file defines
/// next to a needle word (`names`, as for the deferred files) are lowered
/// and added to their candidates: each such file is read again and parsed
/// with every other function blanked. Their call sites stay counted as
/// waiting ([`crate::reach`]), not as read.
fn promote_waiting(
    run: &mut Run<'_>,
    inputs: &[Input],
    names: &BTreeSet<String>,
    kb: &Kb,
    settings: &Settings,
    timer: &mut Timer,
) {
    let words = WordSet::new(names.iter().map(String::as_str));
    if words.is_empty() {
        return;
    }
    let by_path: std::collections::HashMap<&std::path::Path, &Input> =
        inputs.iter().map(|i| (i.path.as_path(), i)).collect();
    let found: Vec<Vec<Function>> = run
        .candidates
        .par_iter()
        .map(|c| match by_path.get(c.source.path.as_path()) {
            Some(input) if !c.waiting.is_empty() => lower_waiting(c, input, &words, settings),
            _ => Vec::new(),
        })
        .collect();
    let mut added = 0;
    for (c, functions) in run.candidates.iter_mut().zip(found) {
        if functions.is_empty() {
            continue;
        }
        added += functions.len();
        let more = FileIr { functions, ..FileIr::default() };
        let mut needs = free_names(&more, kb, None);
        needs.retain(|n| !c.defined.contains(n));
        c.needs.extend(needs);
        c.ir.functions.extend(more.functions);
    }
    timer.lap(&format!("phase 1, waiting functions: {} names, {added} functions lowered", names.len()));
}

/// The waiting functions of `c` whose body names one of `words`, lowered
/// alone.
fn lower_waiting(c: &Candidate, input: &Input, words: &WordSet, settings: &Settings) -> Vec<Function> {
    let Ok(Bytes::Read(bytes)) = read_bytes(input, settings.limits.max_file_size) else { return Vec::new() };
    if !words.matches(&searchable(&bytes)) {
        return Vec::new();
    }
    let source = SourceFile::from_bytes(input.path.clone(), &bytes);
    drop(bytes);
    let keep = |body: &[u8]| words.matches(body);
    let other = |name: &str, _: &[u8]| !c.waiting.contains(name);
    let deadline = settings.limits.deadline();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        frontend::lower_focused(c.lang, &source.text, &Keep { own_only: &other, ..Keep::bodies(&keep) }, deadline)
    }));
    // A panic or a timeout here loses only these functions: phase 1 has the rest.
    let Ok(Focused::Lowered(ir, _)) = outcome else { return Vec::new() };
    ir.functions.into_iter().filter(|f| c.waiting.contains(&f.name)).collect()
}
