//! The previous parse, reused (the language server, where each check parses
//! the same buffer again after a small edit).
//!
//! When enabled ([`enable`], by `rpclint server`), the last full parse of
//! each grammar (C, C++) is kept with the text it was parsed from. The next
//! parse with that grammar finds the one edit between the two texts (their
//! common prefix and suffix: the texts are the focused and sanitised ones,
//! so no edit positions from the editor are needed), edits the old tree
//! with it and hands it to tree-sitter, which then re-lexes and re-parses
//! only around the change. A text that shares less than half with the last
//! one (another file) is parsed from scratch. A tree with a syntax error is
//! parsed again from scratch by the caller, so error recovery is the same
//! as in `rpclint check`. `rpclint check` never enables it: each file is
//! parsed once, and nothing is kept.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use tree_sitter::{InputEdit, Point, Tree};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// The last full parse of C (0) and C++ (1): its text and tree.
static LAST: Mutex<[Option<(String, Tree)>; 2]> = Mutex::new([None, None]);

/// Keep each grammar's last parse for the next one.
pub(crate) fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Whether parses are kept and reused.
pub(super) fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// The last tree of this grammar, edited to match `text`, if its text
/// shares at least half of `text`.
pub(super) fn previous(text: &str, cpp: bool) -> Option<Tree> {
    let last = LAST.lock().ok()?;
    let (old, tree) = last.get(usize::from(cpp))?.as_ref()?;
    let edit = edit_between(old.as_bytes(), text.as_bytes())?;
    let mut tree = tree.clone();
    tree.edit(&edit);
    Some(tree)
}

/// Keeps `tree`, parsed from `text`, for the next parse with this grammar.
pub(super) fn remember(text: &str, cpp: bool, tree: &Tree) {
    if let Ok(mut last) = LAST.lock()
        && let Some(slot) = last.get_mut(usize::from(cpp))
    {
        *slot = Some((text.to_string(), tree.clone()));
    }
}

/// The one edit that turns `old` into `new` (what lies between their common
/// prefix and suffix), if the two share at least half of `new`.
fn edit_between(old: &[u8], new: &[u8]) -> Option<InputEdit> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let room = old.len().min(new.len()) - prefix;
    let suffix = old.iter().rev().zip(new.iter().rev()).take(room).take_while(|(a, b)| a == b).count();
    if (prefix + suffix) * 2 < new.len() {
        return None;
    }
    let (old_end, new_end) = (old.len() - suffix, new.len() - suffix);
    Some(InputEdit {
        start_byte: prefix,
        old_end_byte: old_end,
        new_end_byte: new_end,
        start_position: point(old, prefix),
        old_end_position: point(old, old_end),
        new_end_position: point(new, new_end),
    })
}

/// The row and byte column of offset `at`.
fn point(text: &[u8], at: usize) -> Point {
    let before = text.get(..at).unwrap_or(text);
    let row = memchr::memchr_iter(b'\n', before).count();
    let column = before.len() - memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    Point { row, column }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_edit_between_two_texts_is_what_differs() {
        let edit = edit_between(b"ab\ncd LEVEL_1 ef\ngh", b"ab\ncd RPC_C_X ef\ngh").expect("similar");
        assert_eq!((edit.start_byte, edit.old_end_byte, edit.new_end_byte), (6, 13, 13));
        assert_eq!(edit.start_position, Point { row: 1, column: 3 });
        // An insertion, a deletion, no change.
        let edit = edit_between(b"abcdef", b"abcXdef").expect("similar");
        assert_eq!((edit.start_byte, edit.old_end_byte, edit.new_end_byte), (3, 3, 4));
        let edit = edit_between(b"aaaa", b"aaa").expect("similar");
        assert_eq!((edit.start_byte, edit.old_end_byte, edit.new_end_byte), (3, 4, 3));
        let edit = edit_between(b"same\n", b"same\n").expect("similar");
        assert_eq!((edit.start_byte, edit.old_end_byte, edit.new_end_byte), (5, 5, 5));
        // Another file: nothing to reuse.
        assert!(edit_between(b"int f(void) { return 1; }", b"struct s { long x; };").is_none());
    }

    /// A reused tree lowers to the same IR as a fresh parse, edit after edit.
    #[test]
    fn a_reused_parse_lowers_as_a_fresh_one() {
        let base = "int f(RPC_BINDING_HANDLE h) {\n    return RpcBindingSetAuthInfoW(h, 0, LEVEL, 10, 0, 0);\n}\n";
        let texts = [
            base.to_string(),
            base.replace("LEVEL", "RPC_C_AUTHN_LEVEL_PKT_PRIVACY"),
            base.replace("return ", "int s = 1;\n    return s + "),
            format!("#define LEVEL 2\n{base}"),
            base.replace("}\n", ""),
        ];
        let lower = |text: &str, cpp: bool, reuse: bool| {
            super::super::lower_reusing(text, cpp, crate::frontend::Depth::Full, None, reuse).map(|ir| ir.dump())
        };
        for text in &texts {
            for cpp in [false, true] {
                assert_eq!(lower(text, cpp, true), lower(text, cpp, false), "{text}");
            }
        }
        // Each text after the one before it was reused (the last one, cut
        // short, has a syntax error: parsed again from scratch).
        assert!(previous(&texts[0], false).is_some());
    }
}
