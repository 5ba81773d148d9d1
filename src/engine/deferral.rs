//! Deferral: a file that names only APIs whose findings need a word it
//! lacks (`CreateFile` without a `pipe` string) waits, and is parsed only if
//! it uses a name that the other files define next to that word.

use crate::reach::Reach;
use std::collections::BTreeSet;
use std::path::Path;

use crate::frontend::Lang;
use crate::kb::{Kb, POINTER_PREFIXES, SetKind, Wanted};
use crate::prefilter::{Needle, Visibility, WordSet, definitions_near, string_defines};

/// The prefilter's words for the APIs a run's rules read
/// ([`crate::kb::Wanted`]), built once per knowledge base and set of reads.
pub(super) struct Gates {
    /// Every API name the rules read: a file that names none is never parsed.
    pub(super) all: WordSet,
    /// The names that make a file a candidate by themselves.
    pub(super) unconditional: WordSet,
    /// The words the other names' findings need in a value ([`crate::kb::Api::only_with`]).
    pub(super) needles: Vec<Needle>,
    /// The `caller-identity` calls: a helper of a security callback that
    /// makes one is kept (`permissive-security-callback` reads it).
    pub(super) identity: WordSet,
    /// Constants of named-pipe clients (`ERROR_PIPE_BUSY`): their
    /// `CreateFile` of a path they are given opens a pipe, so the file is parsed.
    pub(super) pipe_client: WordSet,
    /// The calls that start a thread (`[tables.threads]`): a function that
    /// makes one is kept, so the project knows its thread routines.
    pub(super) threads: WordSet,
    /// Which APIs the rules read (a wrapper of another is not followed).
    pub(super) wanted: Wanted,
}

impl Gates {
    /// The gates of the APIs and tables `wanted` holds; the others are
    /// empty word sets, which match nothing.
    pub(super) fn new(kb: &Kb, wanted: Wanted) -> Gates {
        let names: Vec<&str> = kb.wanted_names(&wanted).collect();
        let unconditional: Vec<&str> = names.iter().copied().filter(|n| kb.only_with(n).is_none()).collect();
        let words: BTreeSet<&str> = names.iter().filter_map(|n| kb.only_with(n)).collect();
        let transport = &kb.tables.transport;
        let pipe_client = transport.pipe_busy_constants.iter().chain(&transport.pipe_wait_constants);
        let identity = if wanted.identity { kb.set_spellings(SetKind::CallerIdentity) } else { Vec::new() };
        let threads = kb.tables.threads.start_routine.keys().filter(|_| wanted.threads);
        Gates {
            all: WordSet::with_prefixes(names.iter().copied(), POINTER_PREFIXES),
            unconditional: WordSet::with_prefixes(unconditional, POINTER_PREFIXES),
            needles: words.into_iter().map(Needle::new).collect(),
            identity: WordSet::new(identity.iter().map(String::as_str)),
            pipe_client: WordSet::new(pipe_client.filter(|_| wanted.pipe_client).map(String::as_str)),
            threads: WordSet::new(threads.map(String::as_str)),
            wanted,
        }
    }

    /// Whether phase 1 defers the files that lack a needle word: not when
    /// context files (other shards) could hold the definitions that decide.
    pub(super) fn defer(&self, has_context: bool) -> bool {
        !has_context && !self.needles.is_empty()
    }
}

/// What a file tells about where the words of [`Gates::needles`] can go:
/// the names defined next to one in a string (`#define PIPE_NAME "\\\\.\\pipe\\x"`), and
/// its string macros (`#define SVC PIPE_ROOT L"svc"`), so that a deferred
/// file that uses such a name, directly or through macros, is parsed.
#[derive(Default)]
pub(super) struct Clues {
    pub(super) defined_near: Vec<String>,
    pub(super) string_defines: Vec<(String, Vec<String>)>,
    /// Whether a needle word is in one of the file's strings: a file that
    /// names only conditional APIs waits when none is.
    pub(super) word_in_string: bool,
    /// The file's API call sites by what the analysis made of them, when
    /// counted ([`crate::reach`]); carried here because every outcome of
    /// phase 1 (a skipped header of definitions too) has them.
    pub(super) reach: Reach,
}

impl Clues {
    /// `word`: whether [`Clues::word_in_string`] is wanted (for a file that
    /// names an API). Without it, only the occurrences of a needle that a
    /// definition stands next to are looked up in the strings: most files
    /// that hold the word are never lexed for it, and `word_in_string`
    /// only says whether such an occurrence was found in a string.
    pub(super) fn of(text: &[u8], lang: Lang, path: &Path, needles: &[Needle], word: bool) -> Clues {
        let header = lang == Lang::Rust || Lang::is_header(path);
        let scope = if header { Visibility::Included } else { Visibility::Linked };
        let mut word_in_string = false;
        let mut defined_near = Vec::new();
        for n in needles {
            // The file is lexed once per needle, up to the last occurrence looked up.
            let wanted = |at: usize| word || !definitions_near(text, at, scope).is_empty();
            for at in n.positions_in_strings_if(text, lang.dialect(), wanted).take(MAX_OCCURRENCES) {
                word_in_string = true;
                defined_near.extend(definitions_near(text, at, scope));
            }
        }
        // A source file's macros stay in it; Rust has no `#define`.
        let string_defines = if header && lang != Lang::Rust { string_defines(text) } else { Vec::new() };
        Clues { defined_near, string_defines, word_in_string, reach: Reach::default() }
    }
}

/// A file that is all about the word (a pipe library) gives its first
/// occurrences' names; the bound keeps a pathological file cheap.
const MAX_OCCURRENCES: usize = 2_000;

/// The names a file's own functions may use for a needle word: those it
/// defines next to one in a string (its `static`s and `#define`s too, which
/// [`Clues::of`] leaves out of a source file's), then its string macros
/// built on them.
pub(super) fn local_clue_names(text: &[u8], lang: Lang, needles: &[Needle]) -> BTreeSet<String> {
    let mut defined_near = Vec::new();
    for n in needles {
        for at in n.positions_in_strings(text, lang.dialect()).take(MAX_OCCURRENCES) {
            defined_near.extend(definitions_near(text, at, Visibility::Included));
        }
    }
    if defined_near.is_empty() {
        return BTreeSet::new();
    }
    let clues = Clues { defined_near, string_defines: string_defines(text), ..Clues::default() };
    clue_names(std::slice::from_ref(&clues))
}

/// The names a deferred file must use to be parsed: those defined next to a
/// needle word, then the string macros built on them, to a fixed point.
pub(super) fn clue_names(clues: &[Clues]) -> BTreeSet<String> {
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
