//! Frontends: the only code that knows tree-sitter or syn. Each lowers a
//! file's text into the language-neutral [`FileIr`].

pub(crate) mod builder;
mod c;
mod focus;
mod rust;

use std::path::Path;
use std::time::Instant;

#[cfg(test)]
pub(crate) use {c::literal_ranges, c::sanitize, focus::structure, rust::bracket_ranges};

use crate::ir::{FileIr, Visibility};
use crate::lexer::{Dialect, Token};
pub(crate) use focus::Keep;
use focus::{Blanked, ConstsText, Kept};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    C,
    /// C++, and `.h` headers, which are usually C++-compatible.
    Cpp,
    Rust,
}

impl Lang {
    /// The language of a file by its extension, or `None` if rpclint does not read it.
    pub fn from_path(path: &Path) -> Option<Lang> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "c" => Some(Lang::C),
            "h" | "cc" | "cpp" | "cxx" | "hpp" | "hh" | "hxx" | "inl" => Some(Lang::Cpp),
            "rs" => Some(Lang::Rust),
            _ => None,
        }
    }

    /// The lexical rules of the language.
    pub(crate) fn dialect(self) -> Dialect {
        if self == Lang::Rust { Dialect::Rust } else { Dialect::C }
    }

    /// Which of a file's definitions other files see: all of a header's
    /// ([`Lang::is_header`]) or a Rust file's, a C or C++ source file's
    /// only what the linker shares.
    pub fn visibility(self, path: &Path) -> Visibility {
        if self == Lang::Rust || Lang::is_header(path) { Visibility::Included } else { Visibility::Linked }
    }

    /// Whether a file is a C or C++ header, which other files include (so
    /// its `#define`s and `static`s reach them).
    pub(crate) fn is_header(path: &Path) -> bool {
        path.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "h" | "hh" | "hpp" | "hxx" | "inl"))
    }
}

/// How much of a file to lower.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// Functions and constants: a file the rules will read.
    Full,
    /// Constant definitions only: a file that only defines names others use.
    ConstsOnly,
}

/// Lowers one file. Never panics on any input; what cannot be analysed is
/// recorded in [`FileIr::problems`].
pub fn lower(lang: Lang, text: &str, depth: Depth) -> FileIr {
    lower_within(lang, text, depth, None).unwrap_or_default()
}

/// [`lower`], or `None` when parsing had not finished by `deadline`. The C
/// and C++ parser is stopped at the deadline; syn cannot be interrupted, so a
/// Rust file is always lowered whole (its size bounds the time instead).
pub(crate) fn lower_within(lang: Lang, text: &str, depth: Depth, deadline: Option<Instant>) -> Option<FileIr> {
    match lang {
        Lang::C => c::lower_within(text, false, depth, deadline),
        Lang::Cpp => c::lower_within(text, true, depth, deadline),
        Lang::Rust => Some(rust::lower(text, depth)),
    }
}

/// From now on, each C and C++ parse of a file the rules read starts from
/// the last one (the language server's edits; see `c/reuse.rs`).
pub(crate) fn reuse_parses() {
    c::reuse::enable();
}

/// What [`lower_focused`] made of a file.
pub(crate) enum Focused {
    /// The IR, and what focus blanked before parsing.
    Lowered(Box<FileIr>, Blanks),
    /// No function (nor lambda, nor table) in the file names an API: a
    /// header that declares them, or a file whose every function that names
    /// one waits ([`Keep::waits`]). Nothing to check; its constants are read
    /// like any other file's, when another file needs them.
    NoCode(Blanks),
    /// Parsing did not finish by the deadline.
    TimedOut,
}

/// What [`lower_focused`] blanked.
#[derive(Default)]
pub(crate) struct Blanks {
    /// The names of the functions blanked before parsing.
    pub blanked: Vec<String>,
    /// Where the functions blanked as the API's own definitions were.
    pub api_spans: Vec<(usize, usize)>,
    /// The functions blanked because [`Keep::waits`] said so: name, start, end.
    pub waiting: Vec<(String, usize, usize)>,
    /// With [`Keep::tokens`], the text's tokens, comments left out, when
    /// focus read them (C and C++); else empty.
    pub tokens: Vec<Token>,
}

/// [`lower_within`] for the rules, parsing only the functions whose body
/// `keep` accepts (those that name an API) and the other declarations: the
/// other functions are blanked first, which keeps every byte offset (see
/// [`focus`] and [`Keep`]).
pub(crate) fn lower_focused(lang: Lang, text: &str, keep: &Keep<'_>, deadline: Option<Instant>) -> Focused {
    let blanked = focus::blank_declarations_but(text, lang, keep, focus::Purpose::Rules);
    let (lowered, set) = match blanked {
        Some(Blanked { code_kept: false, blanked_api_spans, waiting, blanked_functions, tokens, .. }) => {
            return Focused::NoCode(Blanks {
                blanked: blanked_functions,
                api_spans: blanked_api_spans,
                waiting,
                tokens,
            });
        }
        Some(Blanked {
            text: Some(focused), blanked_functions, blanked_api_spans, waiting, tokens, ranges, ..
        }) => {
            let set = Blanks { blanked: blanked_functions, api_spans: blanked_api_spans, waiting, tokens };
            let lowered = match lang {
                Lang::Rust => Some(rust::lower_without(&focused, &ranges, Depth::Full)),
                Lang::C | Lang::Cpp => lower_within(lang, &focused, Depth::Full, deadline),
            };
            (lowered, set)
        }
        // Nothing blanked: the whole file.
        Some(Blanked { text: None, tokens, .. }) => {
            (lower_within(lang, text, Depth::Full, deadline), Blanks { tokens, ..Blanks::default() })
        }
        // Braces that do not balance: the whole file.
        None => (lower_within(lang, text, Depth::Full, deadline), Blanks::default()),
    };
    lowered.map_or(Focused::TimedOut, |ir| Focused::Lowered(Box::new(ir), set))
}

/// A file read only for the definitions of some names ([`Depth::ConstsOnly`]):
/// its declarations found once, for each round of [`lower_consts_kept`].
pub(crate) fn consts_text(lang: Lang, text: &str) -> ConstsText<'_> {
    ConstsText::new(text, lang)
}

/// The constants of the declarations and directives of `file` whose range
/// `keep(start, end)` accepts: every other top-level declaration is blanked
/// first, so a large header costs what its few relevant definitions cost
/// (see [`focus`]); when only `#define` lines are kept, they are lowered
/// without tree-sitter (`c/defines.rs`), and when nothing is, nothing is
/// parsed. `defs`: where the names wanted are defined (see
/// [`ConstsText::keep`]). `None` when parsing had not finished by `deadline`.
pub(crate) fn lower_consts_kept(
    file: &ConstsText<'_>,
    keep: &dyn Fn(usize, usize) -> bool,
    defs: &[usize],
    deadline: Option<Instant>,
) -> Option<FileIr> {
    let (lang, text) = (file.lang(), file.text());
    match file.keep(keep, defs) {
        Kept::Nothing => Some(FileIr::default()),
        Kept::Defines(lines) => match c::lower_defines(text, &lines) {
            Some(ir) => Some(ir),
            // A line `c/defines.rs` cannot read surely: tree-sitter reads them.
            None => match file.blanked(keep) {
                Some(Blanked { text: Some(focused), .. }) => lower_within(lang, &focused, Depth::ConstsOnly, deadline),
                _ => lower_within(lang, text, Depth::ConstsOnly, deadline),
            },
        },
        Kept::Text(Some(Blanked { text: Some(focused), ranges, .. })) if lang == Lang::Rust => {
            Some(rust::lower_without(&focused, &ranges, Depth::ConstsOnly))
        }
        Kept::Text(Some(Blanked { text: Some(focused), .. })) => {
            lower_within(lang, &focused, Depth::ConstsOnly, deadline)
        }
        Kept::Text(_) => lower_within(lang, text, Depth::ConstsOnly, deadline),
    }
}

/// A C++ try block's handler written as a macro: wil's `CATCH_RETURN()`,
/// `CATCH_LOG()`, `CATCH_RETURN_MSG(..)`, `CATCH_FAIL_FAST()` (a
/// `catch (...) { .. }` in disguise). Focus keeps it with its function, and
/// the C frontend's `sanitize` blanks it with the `try` before parsing.
pub(crate) fn is_handler_macro(word: &[u8]) -> bool {
    word.strip_prefix(b"CATCH_").is_some_and(|rest| {
        !rest.is_empty() && rest.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
    })
}
