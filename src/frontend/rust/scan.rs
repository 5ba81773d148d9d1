//! A small lexical pass over Rust text, run before syn sees it.
//!
//! syn's parser recurses once per nesting level, and so does dropping the
//! tree it builds, so a file nested deeply enough overflows any stack. This
//! pass measures nesting without recursion: bracket depth, and the longest
//! run of operators and prefix keywords in one expression (`!!!!x`,
//! `a + b + c ...`, `else if` chains), which nest syn's tree without brackets.
//! It also splits a file into its top-level items, so that after a syntax
//! error the items that do parse are still analysed.
//!
//! Comments, strings and character literals are told apart by the shared
//! [`crate::lexer`].

use std::ops::Range;

use crate::lexer::{Dialect, Kind, Lexer};

/// How deeply a file nests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Shape {
    /// The deepest bracket nesting (`(`, `[`, `{`).
    pub max_depth: usize,
    /// The longest run of operator characters and prefix keywords between
    /// two separators (`;`, `,`, `=>`) at one bracket level.
    pub max_run: usize,
    /// The most of both at once: open brackets plus the runs of every open
    /// level (`a + b + f(!!x)` nests the call inside the additions). An
    /// upper bound of how deeply syn's tree nests.
    pub max_nesting: usize,
}

/// Keywords that nest syn's tree without a bracket when repeated
/// (`return return x`, `move || move || x`, `a as T as U`, `else if`).
const NESTING_KEYWORDS: &[&[u8]] = &[
    b"as", b"async", b"break", b"const", b"dyn", b"else", b"impl", b"let", b"move", b"mut", b"return", b"static",
    b"unsafe", b"yield",
];

/// One significant token of the coarse lexer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    Open(u8),
    Close(u8),
    /// `;` or `,`: ends a statement, an argument or an element.
    Separator,
    /// `=>`: ends a match arm's pattern.
    FatArrow,
    /// One operator character (`+`, `.`, `!`, `&`, `|`, `?`, ...).
    Op,
    Word(&'a [u8]),
    /// A literal, a lifetime or anything else without nesting effect.
    Other,
}

/// Calls `f(token, start, end)` for each significant token of `text`.
fn lex<'a>(text: &'a str, mut f: impl FnMut(Tok<'a>, usize, usize)) {
    let b = text.as_bytes();
    let mut lexer = Lexer::new(b, Dialect::Rust);
    while let Some(t) = lexer.next() {
        let (start, end) = (t.start, t.end);
        let tok = match t.kind {
            Kind::LineComment | Kind::BlockComment | Kind::Directive | Kind::DirectiveEnd => continue,
            Kind::Ident | Kind::Number => Tok::Word(&b[start..end]),
            Kind::Str | Kind::Char | Kind::Lifetime | Kind::Other => Tok::Other,
            Kind::Punct => match b[start] {
                c @ (b'(' | b'[' | b'{') => Tok::Open(c),
                c @ (b')' | b']' | b'}') => Tok::Close(c),
                b';' | b',' => Tok::Separator,
                b'=' if b.get(end) == Some(&b'>') => {
                    lexer.next();
                    f(Tok::FatArrow, start, end + 1);
                    continue;
                }
                b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'!' | b'&' | b'|' | b'<' | b'>' | b'=' | b'.' | b'?'
                | b'@' => Tok::Op,
                _ => Tok::Other,
            },
        };
        f(tok, start, end);
    }
}

/// The ranges of the tokens the scan reads as brackets (for the lexer's
/// agreement test).
#[cfg(test)]
pub(crate) fn bracket_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    lex(text, |tok, start, end| {
        if matches!(tok, Tok::Open(_) | Tok::Close(_)) {
            out.push((start, end));
        }
    });
    out
}

/// Measures how deeply `text` nests.
pub(super) fn measure(text: &str) -> Shape {
    let mut shape = Shape::default();
    // The operator run of each open bracket level, outermost first.
    let mut runs: Vec<usize> = vec![0];
    // The sum of `runs`.
    let mut run_sum = 0usize;
    let mut after_close = false;
    lex(text, |tok, _, _| {
        // A `}` followed by a new statement or item (`if a {} if b {}`,
        // `fn f() {} #[test] fn g() {}`) ends the run; `} else`, `} as T`,
        // `} + 1` and `}.f()` continue it.
        if after_close {
            after_close = false;
            let continues = matches!(tok, Tok::Op | Tok::Word(b"else" | b"as"));
            if !continues {
                reset(&mut runs, &mut run_sum);
            }
        }
        match tok {
            Tok::Open(_) => {
                runs.push(0);
                shape.max_depth = shape.max_depth.max(runs.len() - 1);
            }
            Tok::Close(c) => {
                if runs.len() > 1 {
                    reset(&mut runs, &mut run_sum);
                    runs.pop();
                }
                after_close = c == b'}';
            }
            Tok::Separator | Tok::FatArrow => reset(&mut runs, &mut run_sum),
            Tok::Op => bump(&mut runs, &mut run_sum, &mut shape),
            Tok::Word(w) if NESTING_KEYWORDS.contains(&w) => bump(&mut runs, &mut run_sum, &mut shape),
            Tok::Word(_) | Tok::Other => {}
        }
        shape.max_nesting = shape.max_nesting.max(runs.len() - 1 + run_sum);
    });
    shape
}

fn bump(runs: &mut [usize], run_sum: &mut usize, shape: &mut Shape) {
    if let Some(r) = runs.last_mut() {
        *r += 1;
        *run_sum += 1;
        shape.max_run = shape.max_run.max(*r);
    }
}

fn reset(runs: &mut [usize], run_sum: &mut usize) {
    if let Some(r) = runs.last_mut() {
        *run_sum -= *r;
        *r = 0;
    }
}

/// Splits `text` into its top-level items: each ends at a `;` at bracket
/// depth 0, or at a `}` back to depth 0 that is followed by the start of a
/// new item (a word, `#`, or the end of the text). An unbalanced closing
/// bracket is an item of its own; an unclosed one runs to the end of the text.
pub(super) fn split_items(text: &str) -> Vec<Range<usize>> {
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut item_start: Option<usize> = None;
    // The end of an item whose `}` closed depth 0, waiting for the next token.
    let mut pending_end: Option<usize> = None;
    // Whether the last item pushed is a run of stray closing brackets.
    let mut last_stray = false;
    lex(text, |tok, start, end| {
        if !matches!(tok, Tok::Close(_)) || depth > 0 {
            last_stray = false;
        }
        if let Some(pend) = pending_end.take() {
            let starts_item = matches!(tok, Tok::Word(_)) || text.as_bytes().get(start) == Some(&b'#');
            if starts_item {
                if let Some(s) = item_start.take() {
                    items.push(s..pend);
                }
            }
        }
        if item_start.is_none() {
            item_start = Some(start);
        }
        match tok {
            Tok::Open(_) => depth += 1,
            Tok::Close(c) => {
                if depth > 0 {
                    depth -= 1;
                    if depth == 0 && c == b'}' {
                        pending_end = Some(end);
                    }
                } else {
                    // A stray closer is an item of its own (that fails),
                    // so it does not take the items around it down.
                    match item_start.take() {
                        Some(s) if s < start => items.push(s..start),
                        _ => {}
                    }
                    match items.last_mut() {
                        // `}}}`: one stray run, one item.
                        Some(last) if last_stray => last.end = end,
                        _ => items.push(start..end),
                    }
                    last_stray = true;
                }
            }
            Tok::Separator if depth == 0 && text.as_bytes().get(start) == Some(&b';') => {
                if let Some(s) = item_start.take() {
                    items.push(s..end);
                }
            }
            _ => {}
        }
    });
    if let Some(s) = item_start {
        items.push(s..text.len());
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_in_strings_comments_and_chars_do_not_count() {
        let text = r##"fn f() { let s = "(((("; let r = r#"[[["#; // ((((
            /* {{{{ /* nested */ }}}} */ let c = '('; let l: &'a str = b"(("; }"##;
        assert_eq!(measure(text).max_depth, 1);
    }

    #[test]
    fn nesting_and_runs_are_measured() {
        assert_eq!(measure("((((x))))").max_depth, 4);
        assert_eq!(measure("fn f() { a + b + c; d }").max_run, 2);
        // Runs of enclosing levels add up: three brackets and three operators.
        assert_eq!(measure("fn f() { a + f(b + g(!x)); }").max_nesting, 6);
        // Items after a `}` start new runs.
        assert!(measure(&"fn f() -> &'a T {}\n#[inline] ".repeat(100)).max_nesting <= 4);
        let chain = format!("fn f() {{ if a {{}}{} }}", " else if a {}".repeat(50));
        assert!(measure(&chain).max_run >= 50);
        // Separate statements do not add up.
        let stmts = "fn f() { if a {} else {} if b {} else {} if c {} else {} }";
        assert!(measure(stmts).max_run <= 2);
    }

    #[test]
    fn items_split_at_top_level() {
        let text =
            "use a::b;\n#[test]\nfn f() { g(); }\nconst X: S = S { a: 1 };\nmod m { fn h() {} }\nfn broken() { x(";
        let parts: Vec<&str> = split_items(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(
            parts,
            vec![
                "use a::b;",
                "#[test]\nfn f() { g(); }",
                "const X: S = S { a: 1 };",
                "mod m { fn h() {} }",
                "fn broken() { x("
            ]
        );
    }
}
