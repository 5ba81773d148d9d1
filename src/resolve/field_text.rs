//! What a file's text says about member names, read in phase 1 while the
//! text is at hand (`resolve/fields.rs` reads it): the members accessed
//! outside the functions the engine kept, the members of the file's own
//! structs, and their order (`resolve/layouts.rs`).

use super::layouts::{self, Layouts};
use crate::ir::{ExprKind, FileIr};
use crate::lexer::{Dialect, Kind, Lexer, Token};

/// What a file's text says about member names outside the functions the
/// engine kept, recorded in phase 1 while the text is there (it is dropped
/// before the analysis).
#[derive(Clone, Debug, Default)]
pub struct FieldText {
    /// Names accessed as a member (`.f`, `->f`) outside every kept function,
    /// or in a region the frontend could not read: sorted hashes.
    unseen: Box<[u64]>,
    /// Members of the struct bodies of a source file that is no header
    /// (`ULONG fContextReq;`, `context_req: u32`, not Rust's `pub` ones):
    /// the file's own structs, which no other file reads. Sorted hashes.
    declared: Box<[u64]>,
    /// The member order of those structs, for positional initialisers.
    pub(super) layouts: Layouts,
}

/// A name as [`FieldText`] keeps it.
fn key(name: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    name.hash(&mut h);
    h.finish()
}

impl FieldText {
    /// The member names of `text`, whose kept functions (after phase 1's
    /// choice) and unreadable regions are those of `ir`; `tokens`, its
    /// tokens but comments when already lexed (focus did).
    pub(crate) fn of(text: &str, ir: &FileIr, dialect: Dialect, header: bool, tokens: Option<&[Token]>) -> FieldText {
        let b = text.as_bytes();
        // The regions the IR covers, merged: a position is inside one or
        // not. A file-level struct initialiser is in the IR too
        // (`{ .protocolSequence = "ncalrpc" }`).
        let initialisers = ir.consts.iter().filter_map(|d| {
            let e = ir.const_scope.exprs.get(d.value.index())?;
            matches!(e.kind, ExprKind::Aggregate(_)).then_some((e.span.start, e.span.end))
        });
        let mut spans: Vec<(u32, u32)> =
            ir.functions.iter().map(|f| (f.span.start, f.span.end)).chain(initialisers).collect();
        spans.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::new();
        for (s, e) in spans {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        let inside = |pos: usize| {
            let Ok(pos) = u32::try_from(pos) else { return false };
            let i = merged.partition_point(|(s, _)| *s <= pos);
            i > 0 && merged.get(i - 1).is_some_and(|(_, e)| pos < *e)
        };
        let unreadable = |pos: usize| {
            u32::try_from(pos).map_or(true, |pos| ir.problems.iter().any(|p| p.span.start <= pos && pos < p.span.end))
        };
        // The text lexed once, for the layouts and the members.
        let lexed: Vec<Token>;
        let toks = match tokens {
            Some(t) => t,
            None => {
                lexed = Lexer::new(b, dialect).filter(|t| !t.is_comment()).collect();
                &lexed
            }
        };
        let layouts = if header { Layouts::new() } else { layouts::of_tokens(b, toks, dialect) };
        let (mut unseen, mut declared) = (Vec::new(), Vec::new());
        // The two tokens before, comments skipped.
        let mut prev: [Option<Token>; 2] = [None, None];
        // Per open brace: whether it opens a struct's body.
        let mut braces: Vec<bool> = Vec::new();
        // `struct`, `class`, `union` seen, and no `;` or `(` since: its body comes.
        let mut pending = false;
        // A Rust visibility (`pub`, `pub(crate)`) since the last member.
        let mut visible = false;
        let punct = |t: Option<Token>, c: u8| t.is_some_and(|t| t.kind == Kind::Punct && t.text(b) == [c]);
        for &t in toks {
            let text = t.text(b);
            match t.kind {
                Kind::Ident => {
                    let member = punct(prev[1], b'.') || (punct(prev[1], b'>') && punct(prev[0], b'-'));
                    if member && (!inside(t.start) || unreadable(t.start)) {
                        unseen.push(key(text));
                    }
                    // A struct of the file named in code the analysis does
                    // not see (`struct args a = { 0, "ncacn_ip_tcp" };` in a
                    // function the engine blanked): its members are written there.
                    let in_code = braces.last() == Some(&false);
                    if in_code && !layouts.is_empty() && (!inside(t.start) || unreadable(t.start)) {
                        if let Some(layout) = layouts.get(&*String::from_utf8_lossy(text)) {
                            unseen.extend(layout.iter().flatten().map(|m| key(m.as_bytes())));
                        }
                    }
                    pending |= matches!(text, b"struct" | b"class" | b"union");
                    visible |= text == b"pub";
                }
                Kind::Punct => match text {
                    b"{" => {
                        braces.push(std::mem::take(&mut pending));
                        visible = false;
                    }
                    b"}" => {
                        braces.pop();
                        visible = false;
                    }
                    b"(" | b")" => pending = false,
                    b";" | b":" | b"[" | b"=" | b"," => {
                        // A member of a struct body (`ULONG fContextReq;`,
                        // `context_req: u32,`), not Rust's `pub` or
                        // `pub(crate)` one, which other files may use.
                        let in_body = braces.last() == Some(&true) && !header && !inside(t.start);
                        let name = prev[1].filter(|p| p.kind == Kind::Ident);
                        if let Some(name) = name.filter(|_| in_body && !visible) {
                            declared.push(key(name.text(b)));
                        }
                        if matches!(text, b";" | b",") {
                            visible = false;
                        }
                        if text == b";" {
                            pending = false;
                        }
                    }
                    _ => {}
                },
                _ => {}
            }
            prev = [prev[1], Some(t)];
        }
        unseen.sort_unstable();
        unseen.dedup();
        declared.sort_unstable();
        declared.dedup();
        FieldText { unseen: unseen.into_boxed_slice(), declared: declared.into_boxed_slice(), layouts }
    }

    /// Whether the file accesses member `name` where the analysis does not see it.
    pub(super) fn unseen(&self, name: &str) -> bool {
        self.unseen.binary_search(&key(name.as_bytes())).is_ok()
    }

    /// Whether the file declares `name` itself (outside its functions).
    pub(super) fn declares(&self, name: &str) -> bool {
        self.declared.binary_search(&key(name.as_bytes())).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::FieldText;
    use crate::frontend::{Focused, Keep, Lang, lower_focused};

    /// The tokens focus gives back are the ones `FieldText` lexes itself:
    /// every C and C++ fixture reads the same with and without them.
    #[test]
    fn focus_tokens_read_as_the_text_lexed_again() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let keep = |t: &[u8]| t.windows(2).any(|w| w == b"Co" || w == b"Rp" || w == b"In" || w == b"Ac");
        let (mut stack, mut compared) = (vec![root], 0);
        while let Some(dir) = stack.pop() {
            for path in std::fs::read_dir(&dir).into_iter().flatten().flatten().map(|e| e.path()) {
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let Some(lang) = Lang::from_path(&path).filter(|l| *l != Lang::Rust) else { continue };
                let Ok(text) = std::fs::read_to_string(&path) else { continue };
                let Focused::Lowered(ir, blanks) =
                    lower_focused(lang, &text, &Keep { tokens: true, ..Keep::bodies(&keep) }, None)
                else {
                    continue;
                };
                // Braces that do not balance: focus gave up, and no tokens.
                if blanks.tokens.is_empty() {
                    continue;
                }
                let read = |tokens| format!("{:?}", FieldText::of(&text, &ir, lang.dialect(), false, tokens));
                assert_eq!(read(None), read(Some(&blanks.tokens)), "{}", path.display());
                compared += 1;
            }
        }
        assert!(compared > 100, "{compared}");
    }
}
