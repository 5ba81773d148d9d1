//! Focus for a file read only for the definitions of some names
//! ([`super::Purpose::Consts`], phase 2): its declarations are found once, then
//! each round of the search keeps those it asks for. When only `#define`
//! lines are kept (and no conditional a constant decides: `#if 0` would
//! make an arm dead), they need no parser at all (`c/defines.rs`).

use super::declarations::{Declarations, declarations};
use super::head::{is_conditional, is_inert_rust_item};
use super::{Blanked, Blanker};
use crate::frontend::Lang;

/// A file's declarations, for [`ConstsText::keep`].
pub(crate) struct ConstsText<'t> {
    text: &'t str,
    lang: Lang,
    /// `None` when the braces do not balance: the whole file is parsed.
    decls: Option<Declarations>,
    /// Whether a conditional directive's condition may be decided by a
    /// constant (see `c::defines::may_be_decided`).
    decided_conditions: bool,
}

/// What [`ConstsText::keep`] keeps of a file.
pub(crate) enum Kept {
    /// Nothing: no declaration it was asked for, so nothing to parse.
    Nothing,
    /// Only these `#define` lines (from `#` to the line's end), which can be
    /// lowered without a parser.
    Defines(Vec<(usize, usize)>),
    /// The text to parse: the file with what is not kept blanked, or `None`
    /// for the whole file (nothing blanked, or braces that do not balance).
    Text(Option<Blanked>),
}

impl<'t> ConstsText<'t> {
    pub(crate) fn new(text: &'t str, lang: Lang) -> ConstsText<'t> {
        let decls = declarations(text.as_bytes(), lang, false);
        let decided_conditions = decls.as_ref().is_some_and(|d| {
            d.directives.iter().any(|&(s, e)| {
                let line = text.as_bytes().get(s..e).unwrap_or(&[]);
                is_conditional(line) && crate::frontend::c::may_be_decided(line)
            })
        });
        ConstsText { text, lang, decls, decided_conditions }
    }

    pub(crate) fn text(&self) -> &'t str {
        self.text
    }

    pub(crate) fn lang(&self) -> Lang {
        self.lang
    }

    /// Keeps the declarations and directives whose range `keep(start, end)`
    /// accepts, functions never (they define no file-level constant),
    /// conditional directives always. `defs`, sorted: where the names
    /// wanted are defined; one that lies outside every declaration and
    /// directive found (a directive after a comment that focus took for
    /// the start of a head) stays in the text, which is then parsed. A
    /// Rust file is always parsed (syn reads what lies between items too).
    pub(crate) fn keep(&self, keep: &dyn Fn(usize, usize) -> bool, defs: &[usize]) -> Kept {
        let Some(decls) = &self.decls else { return Kept::Text(None) };
        if self.lang == Lang::Rust || defs.iter().any(|&p| !covered(decls, p)) {
            return Kept::Text(self.blanked(keep));
        }
        let chunks = decls.chunks.iter().any(|c| self.kept_chunk(c.start, c.end, c.body.is_some(), keep));
        let defines: Vec<(usize, usize)> =
            decls.directives.iter().copied().filter(|&(s, e)| !self.is_conditional(s, e) && keep(s, e)).collect();
        match (chunks, defines.is_empty()) {
            (false, true) => Kept::Nothing,
            (false, false) if !self.decided_conditions => Kept::Defines(defines),
            _ => Kept::Text(self.blanked(keep)),
        }
    }

    /// The text with every declaration and directive `keep` rejects
    /// blanked (as [`ConstsText::keep`] keeps them); `None` for the whole
    /// file (nothing blanked, or braces that do not balance).
    pub(crate) fn blanked(&self, keep: &dyn Fn(usize, usize) -> bool) -> Option<Blanked> {
        let decls = self.decls.as_ref()?;
        let blanked = blank(self.text.as_bytes(), decls, &|s, e, body| self.kept_chunk(s, e, body, keep), &|s, e| {
            self.is_conditional(s, e) || keep(s, e)
        });
        blanked.text.is_some().then_some(blanked)
    }

    /// Whether a declaration stays: not a function, nor a Rust item
    /// lowering reads nothing from, and `keep` accepts it.
    fn kept_chunk(&self, s: usize, e: usize, function: bool, keep: &dyn Fn(usize, usize) -> bool) -> bool {
        let chunk = self.text.as_bytes().get(s..e).unwrap_or(&[]);
        may_define(chunk, function, self.lang) && keep(s, e)
    }

    fn is_conditional(&self, s: usize, e: usize) -> bool {
        is_conditional(self.text.as_bytes().get(s..e).unwrap_or(&[]))
    }
}

/// Whether a declaration may define a constant: not a function, nor a
/// Rust item lowering reads nothing from (a struct, `link!(..)`).
fn may_define(chunk: &[u8], function: bool, lang: Lang) -> bool {
    !function && (lang != Lang::Rust || !is_inert_rust_item(chunk))
}

/// Whether `p` lies in one of the declarations or directives of `decls`
/// (each list in order, without overlaps).
fn covered(decls: &Declarations, p: usize) -> bool {
    let chunk = decls.chunks.partition_point(|c| c.start <= p);
    let directive = decls.directives.partition_point(|d| d.0 <= p);
    chunk.checked_sub(1).and_then(|i| decls.chunks.get(i)).is_some_and(|c| p < c.end)
        || directive.checked_sub(1).and_then(|i| decls.directives.get(i)).is_some_and(|d| p < d.1)
}

/// [`super::blank_declarations`] for [`super::Purpose::Consts`]: `chunk(start, end,
/// is_function)` and `directive(start, end)` say what stays.
pub(super) fn blank(
    b: &[u8],
    decls: &Declarations,
    chunk: &dyn Fn(usize, usize, bool) -> bool,
    directive: &dyn Fn(usize, usize) -> bool,
) -> Blanked {
    let mut out = Blanker::new(b);
    for c in &decls.chunks {
        if !chunk(c.start, c.end, c.body.is_some()) {
            out.blank(c.start, c.end);
        }
    }
    for &(s, e) in &decls.directives {
        if !directive(s, e) {
            out.blank(s, e);
        }
    }
    let (text, ranges) = out.finish();
    Blanked {
        text,
        code_kept: false,
        blanked_functions: Vec::new(),
        blanked_api_spans: Vec::new(),
        waiting: Vec::new(),
        tokens: Vec::new(),
        ranges,
    }
}

/// [`super::blank_declarations`] for [`super::Purpose::Consts`] with `keep` asked
/// of each declaration's and directive's text.
pub(super) fn blank_by_text(text: &str, lang: Lang, keep: &dyn Fn(&[u8]) -> bool) -> Option<Blanked> {
    let b = text.as_bytes();
    let decls = declarations(b, lang, false)?;
    Some(blank(
        b,
        &decls,
        &|s, e, body| {
            let chunk = b.get(s..e).unwrap_or(&[]);
            may_define(chunk, body, lang) && keep(chunk)
        },
        &|s, e| {
            let line = b.get(s..e).unwrap_or(&[]);
            is_conditional(line) || keep(line)
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What [`ConstsText::keep`] keeps of `text` for the declarations that
    /// hold one of `words` (as phase 2 asks: where a wanted name is defined).
    fn kept(text: &str, lang: Lang, words: &[&str]) -> Kept {
        let defs: Vec<usize> = words.iter().filter_map(|w| text.find(w)).collect();
        let mut defs = defs;
        defs.sort_unstable();
        let file = ConstsText::new(text, lang);
        file.keep(&|s, e| defs.iter().any(|&p| s <= p && p < e), &defs)
    }

    #[test]
    fn only_defines_need_no_parser() {
        let text = "#ifdef X\n#define A 1\n#else\n#define A 2\n#endif\nstruct S { int a; };\nvoid f(void) { g(A); }\n";
        let Kept::Defines(lines) = kept(text, Lang::Cpp, &["A 1", "A 2"]) else { panic!("defines only") };
        let lines: Vec<&str> = lines.iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(lines, ["#define A 1", "#define A 2"]);
    }

    #[test]
    fn a_declaration_or_a_deciding_condition_is_parsed() {
        let text = "enum { A = 1, B };\n#define C 2\n";
        assert!(matches!(kept(text, Lang::C, &["B", "C"]), Kept::Text(_)), "an enumerator needs the parser");
        let text = "#if 0\n#define C 2\n#endif\n";
        assert!(matches!(kept(text, Lang::C, &["C"]), Kept::Text(_)), "#if 0 makes an arm dead");
        let text = "const int D = 3;\n";
        assert!(matches!(kept(text, Lang::Rust, &["D"]), Kept::Text(_)), "Rust is always parsed");
    }

    #[test]
    fn a_use_in_a_function_keeps_nothing() {
        let text = "#define A 1\nvoid f(void)\n{\n    const WCHAR *name = L\"x\";\n}\n";
        assert!(matches!(kept(text, Lang::C, &["name"]), Kept::Nothing));
    }

    #[test]
    fn a_definition_focus_did_not_place_is_parsed_in_place() {
        // A head left unfinished at the end of the text (`FOO(a,`): the
        // directive after it is in no declaration, and stays in the text.
        let text = "#define A 1\nFOO(a,\n#define B 2\n";
        match kept(text, Lang::C, &["B 2"]) {
            Kept::Text(Some(b)) => assert!(b.text.is_some_and(|t| t.contains("#define B 2"))),
            Kept::Text(None) => {}
            _ => panic!("parsed"),
        }
    }
}
