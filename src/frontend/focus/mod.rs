//! Parse only what can matter: functions that name no API are blanked
//! before the parser sees them.
//!
//! A candidate file (one that names an API somewhere) is usually a large file
//! in which a few functions call an API: test suites, services, drivers. The
//! rules only read functions that call an API, so every other function,
//! head and body, is replaced by spaces (newlines kept), and so is every
//! large table at file level that names no API, and in C and C++ every
//! declaration lowering reads nothing from (a prototype, a declaration
//! without initialiser, a struct or class definition without constants).
//! The parser then sees only the constants and the functions that matter,
//! byte offsets do not move, and the cost of a file is the cost of those
//! functions. Blanking the head
//! too matters: a head wrapped in macros (`DEFINE_THISCALL_WRAPPER(f, 4)`)
//! sends tree-sitter into error recovery, which cost more than the parse.
//!
//! A file read only for the definitions of some names gets the same
//! treatment with every declaration that names none of them blanked.
//!
//! The scan reads the shared [`crate::lexer`]'s tokens (so comments,
//! strings, character literals, raw strings and preprocessor lines are
//! skipped as everywhere else) and tells declarations apart by what precedes
//! their `{` at file, namespace or class level. When it cannot make sense of the
//! braces (an `#if` with an unbalanced brace in each arm), it changes
//! nothing: the whole file is parsed, as without focus.
//!
//! The parts: `declarations` finds the declarations and directives at
//! declaration level, `head` reads what a declaration's head says (what
//! its `{` opens, the function it names); this module decides what to keep.

mod consts;
mod declarations;
mod head;
#[cfg(test)]
mod tests;

use super::Lang;
use crate::lexer::Token;
pub(crate) use consts::{ConstsText, Kept};
#[cfg(test)]
pub(crate) use declarations::structure;
use declarations::{Chunk, Declarations, Record, declarations};
use head::{first_code, function_name, has_parameters, is_braced_initialiser, is_inert_rust_item};

/// What [`blank_declarations`] is for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// A file the rules read: every function whose body `keep` rejects is
    /// blanked whole (its head too, which spares the parser the error
    /// recovery that macro-wrapped heads cost), and so is every large
    /// initialiser `keep` rejects, and every C or C++ declaration that
    /// defines no constant (see `inert_declarations`); other declarations
    /// and directives stay.
    Rules,
    /// A file read only for the definitions of some names: every
    /// declaration that `keep` rejects is blanked, and every function
    /// (functions define no file-level constant); conditional directives
    /// (`#if`..`#endif`) stay, so `#if 0` regions are still known, and other
    /// directives stay when `keep` accepts them.
    Consts,
}

/// What [`blank_declarations`] made of a file.
pub(crate) struct Blanked {
    /// The text with the declarations that `purpose` does not need blanked;
    /// `None` when nothing was blanked.
    pub text: Option<String>,
    /// For [`Purpose::Rules`]: whether any code the rules read was kept, a
    /// function whose body `keep` accepts or a braced initialiser it accepts
    /// (a lambda, a table of API pointers). A header that only declares the
    /// API has none: nothing in it to check.
    pub code_kept: bool,
    /// For [`Purpose::Rules`]: the names of the functions blanked (a
    /// vtable initialiser lists them; they are no constants to look for).
    pub blanked_functions: Vec<String>,
    /// For [`Purpose::Rules`]: where the functions blanked although they
    /// name an API (the API's own definitions) were.
    pub blanked_api_spans: Vec<(usize, usize)>,
    /// For [`Purpose::Rules`]: the functions blanked because
    /// [`Keep::waits`] said so: name, start, end.
    pub waiting: Vec<(String, usize, usize)>,
    /// With [`Keep::tokens`], the C or C++ text's tokens, comments left out
    /// (the caller reads the text again: `resolve::FieldText`); else empty.
    pub tokens: Vec<Token>,
    /// The declarations blanked, in order, adjacent ones merged: start, end.
    /// Each lies outside every comment and literal (the Rust frontend
    /// drops them from what syn reads, see `rust::lower_without`).
    pub ranges: Vec<(usize, usize)>,
}

/// The declarations at file, namespace or class level that `purpose` does
/// not need, blanked. `None` when the braces do not balance.
#[cfg(test)]
pub(crate) fn blank_declarations(
    text: &str,
    lang: Lang,
    keep: &dyn Fn(&[u8]) -> bool,
    purpose: Purpose,
) -> Option<Blanked> {
    blank_declarations_but(text, lang, &Keep::bodies(keep), purpose)
}

/// What [`blank_declarations_but`] keeps of a file the rules read.
pub(crate) struct Keep<'a> {
    /// A function whose body it accepts (one that names an API) is kept,
    /// and so is a braced initialiser it accepts; for [`Purpose::Consts`],
    /// the declarations it accepts.
    pub body: &'a dyn Fn(&[u8]) -> bool,
    /// `own_only(name, body)`: the function names no API but its own name;
    /// it is the API's own definition (a binding crate's wrapper, Wine's
    /// implementation), whose calls the rules skip (`in_api_definition`),
    /// and is blanked too.
    pub own_only: &'a dyn Fn(&str, &[u8]) -> bool,
    /// A function kept whatever its body names (a security callback
    /// registered with an API, which calls none).
    pub named: &'a dyn Fn(&str) -> bool,
    /// A function `body` rejects but this accepts is kept without counting
    /// as code to check (a tiny helper that may return a constant, see
    /// [`crate::summary`]).
    pub aside: &'a dyn Fn(&[u8]) -> bool,
    /// `waits(has_parameters, body)`: a function `body` accepts that is
    /// blanked all the same and listed in [`Blanked::waiting`] (one that
    /// names only APIs whose findings need a word it lacks; see
    /// `engine/phase1.rs`).
    pub waits: &'a dyn Fn(bool, &[u8]) -> bool,
    /// Whether to give the text's tokens back ([`Blanked::tokens`]).
    pub tokens: bool,
}

fn never(_: &[u8]) -> bool {
    false
}

fn never_named(_: &str) -> bool {
    false
}

fn never_own(_: &str, _: &[u8]) -> bool {
    false
}

fn never_waits(_: bool, _: &[u8]) -> bool {
    false
}

impl<'a> Keep<'a> {
    /// Keeps by `body` alone.
    pub(crate) fn bodies(body: &'a dyn Fn(&[u8]) -> bool) -> Keep<'a> {
        Keep { body, own_only: &never_own, named: &never_named, aside: &never, waits: &never_waits, tokens: false }
    }
}

/// [`blank_declarations`], with the rest of [`Keep`] for [`Purpose::Rules`].
pub(crate) fn blank_declarations_but(text: &str, lang: Lang, keep: &Keep<'_>, purpose: Purpose) -> Option<Blanked> {
    let Keep { body: keep_body, own_only, named: keep_named, aside, waits, tokens } = *keep;
    let keep = keep_body;
    // A file read for its constants: `consts.rs`.
    if purpose == Purpose::Consts {
        return consts::blank_by_text(text, lang, keep);
    }
    let b = text.as_bytes();
    // Directives all stay in a file the rules read.
    let Declarations { chunks, records, tokens, .. } = declarations(b, lang, tokens)?;
    // Declarations lowering reads nothing from (prototypes, struct
    // definitions), blanked whole for the rules.
    let inert = if purpose == Purpose::Rules && lang != Lang::Rust {
        inert_declarations(b, &chunks, &records)
    } else {
        Vec::new()
    };
    let mut inert_at = inert.iter().peekable();
    let mut out = Blanker::new(b);
    let mut code_kept = false;
    let mut blanked_functions = Vec::new();
    let mut blanked_api_spans = Vec::new();
    let mut waiting = Vec::new();
    for &(s, e) in &inert {
        out.blank(s, e);
    }
    for Chunk { start: s, end: e, body, table, scoped, .. } in chunks {
        while inert_at.next_if(|r| r.1 <= s).is_some() {}
        if inert_at.peek().is_some_and(|r| r.0 <= s && e <= r.1) {
            continue;
        }
        let chunk = b.get(s..e).unwrap_or(&[]);
        let name = match (purpose, body) {
            (Purpose::Rules, Some(open)) => function_name(b.get(s..open).unwrap_or(&[]), lang),
            _ => None,
        };
        // Whether `keep` accepts the body between the braces (asked once:
        // a binding crate's file has tens of thousands of functions).
        let mut body_kept = None;
        let kept = match (purpose, body) {
            (Purpose::Rules, Some(open)) => {
                let head = b.get(s..open).unwrap_or(&[]);
                let body = b.get(open + 1..e.saturating_sub(1)).unwrap_or(&[]);
                let own = |name: &str| own_only(name, body) && !is_wrapper(head, body, name, scoped);
                let accepted = keep(body);
                body_kept = Some(accepted);
                let names_api = accepted && !name.as_deref().is_some_and(own);
                let waits = names_api && waits(has_parameters(head, lang), body);
                let kept = (names_api && !waits) || name.as_deref().is_some_and(keep_named);
                if waits && !kept {
                    waiting.push((name.clone().unwrap_or_default(), s, e));
                }
                code_kept |= kept;
                kept || (!accepted && aside(body))
            }
            // A Rust item that lowering reads nothing from (a struct, a
            // trait's function declarations, `link!(..)`): parsing it is
            // most of a binding crate's file.
            (_, None) if lang == Lang::Rust && is_inert_rust_item(chunk) => false,
            // A braced initialiser (`= [](..) { .. }`, `= { Api, .. }`); a
            // Rust struct definition that names an API in a field is no code.
            (Purpose::Rules, None) if is_braced_initialiser(chunk, lang) => {
                let names = keep(chunk);
                code_kept |= names;
                !table || names
            }
            (Purpose::Rules, None) => true,
            (Purpose::Consts, _) => false,
        };
        if !kept {
            blanked_functions.extend(name);
            if let (Purpose::Rules, Some(open)) = (purpose, body) {
                let waits = waiting.last().is_some_and(|w| w.1 == s);
                // The braces hold no word: the answer for the body stands,
                // unless a C++ handler macro follows it (`CATCH_RETURN()`).
                let names = match body_kept {
                    Some(accepted) if e.checked_sub(1).and_then(|k| b.get(k)) == Some(&b'}') => accepted,
                    _ => keep(b.get(open..e).unwrap_or(&[])),
                };
                if names && !waits {
                    blanked_api_spans.push((s, e));
                }
            }
            out.blank(s, e);
        }
    }
    let (text, ranges) = out.finish();
    Some(Blanked { text, code_kept, blanked_functions, blanked_api_spans, waiting, tokens, ranges })
}

/// A copy of a file's text with declarations blanked: every byte but a
/// newline becomes a space, so offsets and lines stay; the blanked ranges
/// are recorded, adjacent ones merged.
pub(super) struct Blanker {
    out: Vec<u8>,
    ranges: Vec<(usize, usize)>,
    changed: bool,
}

impl Blanker {
    pub(super) fn new(text: &[u8]) -> Blanker {
        Blanker { out: text.to_vec(), ranges: Vec::new(), changed: false }
    }

    pub(super) fn blank(&mut self, s: usize, e: usize) {
        for byte in self.out.iter_mut().take(e).skip(s) {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
        match self.ranges.last_mut() {
            Some(last) if last.1 == s => last.1 = e,
            _ => self.ranges.push((s, e)),
        }
        self.changed = true;
    }

    /// The blanked text (`None` when nothing was blanked) and the ranges, sorted.
    pub(super) fn finish(mut self) -> (Option<String>, Vec<(usize, usize)>) {
        self.ranges.sort_unstable();
        // Only ASCII bytes were written over whole characters (a blanked
        // declaration is a run of complete characters), so this cannot fail.
        let text = if self.changed { String::from_utf8(self.out).ok() } else { None };
        (text, self.ranges)
    }
}

/// Whether a function that shares an API's name is the project's own
/// wrapper rather than the API's definition: declared in a C++ namespace or
/// class (`app::util::CoInitializeSecurity()`), or calling the API through a
/// path (`::CoInitializeSecurity(..)`, `Com::CoInitializeSecurity(..)`). Its
/// body is analysed like any other.
fn is_wrapper(head: &[u8], body: &[u8], name: &str, scoped: bool) -> bool {
    let n = name.len() + 2;
    let at = |text: &[u8]| -> Vec<usize> {
        text.windows(n)
            .enumerate()
            .filter(|(_, w)| w.starts_with(b"::") && &w[2..] == name.as_bytes())
            .map(|(i, _)| i)
            .collect()
    };
    // `X::Api` (a member, a namespace's function), not the global `::Api`.
    let scope_before = |text: &[u8], i: usize| {
        i.checked_sub(1)
            .and_then(|j| text.get(j))
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'>')
    };
    let qualified = at(head).into_iter().any(|i| scope_before(head, i));
    // `::Api(..)`, `Com::Api(..)`, Rust's `windows::..::Api(..)`: the real
    // one, through a path (the API's own definition calls its import by name).
    let calls_through_path = !at(body).is_empty();
    scoped || qualified || calls_through_path
}

/// The declarations of a C or C++ file that lowering reads nothing from,
/// in order: start, end. Lowering reads functions, and constants from
/// initialisers (`=`) and enumerators; a prototype, a declaration without
/// an initialiser or a struct, class or union definition without either
/// (its head to the `;` after its `}`) gives it nothing, and costs the
/// parser as much as code. One is kept whenever blanking it alone could
/// change how the rest parses: code before it cut off by a directive, a
/// directive inside it (`#if` arms must stay balanced), a `{` right after
/// it (a K&R function's parameter declarations), a function body or an
/// `enum` inside a struct.
fn inert_declarations(b: &[u8], chunks: &[Chunk], records: &[Record]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    let lowered = |text: &[u8]| memchr::memchr3(b'=', b'#', b'{', text).is_some();
    let brace_after = |end: usize| b.get(first_code(b, end, b.len())) == Some(&b'{');
    for r in records.iter().filter(|r| !r.nested && !r.detached) {
        let Some(tail) = r.tail.and_then(|t| chunks.get(t)) else { continue };
        let text = b.get(r.start..r.end).unwrap_or(&[]);
        let first = chunks.partition_point(|c| c.start < r.start);
        let functions = chunks[first..].iter().take_while(|c| c.end <= r.end).any(|c| c.body.is_some());
        let tail_text = b.get(tail.start..tail.end).unwrap_or(&[]);
        let enumerators = text.windows(4).any(|w| w == b"enum");
        if functions || enumerators || memchr::memchr2(b'=', b'#', text).is_some() || lowered(tail_text) {
            continue;
        }
        if !brace_after(tail.end) {
            out.push((r.start, tail.end));
        }
    }
    let records = out.clone();
    let mut in_record = records.iter().peekable();
    for c in chunks {
        while in_record.next_if(|r| r.1 <= c.start).is_some() {}
        let covered = in_record.peek().is_some_and(|r| r.0 <= c.start);
        let text = b.get(c.start..c.end).unwrap_or(&[]);
        if covered || c.body.is_some() || c.in_record || c.tail || c.detached || lowered(text) || brace_after(c.end) {
            continue;
        }
        out.push((c.start, c.end));
    }
    out.sort_unstable();
    out
}
