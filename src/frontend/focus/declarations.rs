//! The declarations of a file at file, namespace or class level, found
//! from the lexer's braces, semicolons and directives.

use super::Lang;
use super::head::{Open, classify, first_code, has_eq_at_depth_zero, is_scope};
use crate::frontend::is_handler_macro;
use crate::lexer::{Dialect, Kind, Lexer, RustSkim, Token, without_comments};

/// Initialisers at file level longer than this (test data, font tables) are
/// blanked for the rules when they name no API: no rule reads a value out of
/// one, and parsing them is most of the cost of some files.
const MIN_BLANKED_TABLE: usize = 512;

/// What the lexical scan reports: the bytes that shape declarations, with
/// comments, strings and character literals already skipped.
#[derive(Clone, Copy)]
enum Event {
    Open(usize),
    Close(usize),
    Semi(usize),
    /// A preprocessor line (with its continuations): start and end, and
    /// whether code (not comments) precedes it since the last brace,
    /// semicolon or directive (`static int\n#ifdef X`).
    Directive(usize, usize, bool),
}

/// Scans `b`, calling `on` for every event; `None` if a comment or a
/// string (other than a C one, which its line ends) runs to the end of the
/// text unclosed. With `kept`, C and C++ text's tokens but comments are
/// pushed there (Rust's scan skims: it has none to give).
fn scan(b: &[u8], lang: Lang, kept: Option<&mut Vec<Token>>, on: impl FnMut(Event)) -> Option<()> {
    match lang.dialect() {
        // Rust has no directives: its comments, literals and these bytes are enough.
        Dialect::Rust => scan_tokens(b, RustSkim::new(b, b"{};"), None, on),
        Dialect::C => scan_tokens(b, Lexer::new(b, Dialect::C), kept, on),
    }
}

fn scan_tokens(
    b: &[u8],
    tokens: impl Iterator<Item = Token>,
    mut kept: Option<&mut Vec<Token>>,
    mut on: impl FnMut(Event),
) -> Option<()> {
    let mut directive = None;
    // Code since the last event.
    let mut code = false;
    for t in tokens {
        if let Some(kept) = kept.as_mut().filter(|_| !t.is_comment()) {
            kept.push(t);
        }
        match t.kind {
            Kind::Str | Kind::BlockComment if !t.terminated && t.end == b.len() => return None,
            Kind::Directive => directive = Some(t.start),
            Kind::DirectiveEnd => {
                on(Event::Directive(directive.take().unwrap_or(t.start), t.end, code));
                code = false;
            }
            _ if directive.is_some() => {}
            Kind::Punct => match b[t.start] {
                b'{' => {
                    on(Event::Open(t.start));
                    code = false;
                }
                b'}' => {
                    on(Event::Close(t.start));
                    code = false;
                }
                b';' => {
                    on(Event::Semi(t.start));
                    code = false;
                }
                _ => code = true,
            },
            Kind::LineComment | Kind::BlockComment => {}
            _ => code = true,
        }
    }
    Some(())
}

/// The positions of the `{`, `}` and `;` that the scan reports, or `None`
/// where it gives up (for the lexer's agreement test).
#[cfg(test)]
pub(crate) fn structure(text: &[u8], lang: Lang) -> Option<Vec<usize>> {
    let mut out = Vec::new();
    scan(text, lang, None, |ev| {
        if let Event::Open(i) | Event::Close(i) | Event::Semi(i) = ev {
            out.push(i);
        }
    })?;
    Some(out)
}
/// A declaration at declaration level.
pub(super) struct Chunk {
    pub start: usize,
    pub end: usize,
    /// The `{` of a function's body.
    pub body: Option<usize>,
    /// Whether it holds a large initialiser.
    pub table: bool,
    /// Whether it is inside a C++ namespace or class.
    pub scoped: bool,
    /// Whether code outside every declaration precedes it, cut off by a
    /// directive (`static int\n#ifdef X\nx;`): its start is not the
    /// declaration's, and blanking it alone would leave the rest.
    pub detached: bool,
    /// Whether it is inside a struct, class or union body.
    pub in_record: bool,
    /// Whether it ends a struct, class or union definition (`} X, *PX;`),
    /// which [`Record::tail`] names.
    pub tail: bool,
}

/// A struct, class or union definition at file, namespace or `extern "C"`
/// level, its head to its closing brace.
pub(super) struct Record {
    pub start: usize,
    /// Just past its `}`.
    pub end: usize,
    /// As [`Chunk::detached`].
    pub detached: bool,
    /// Inside another struct, class or union.
    pub nested: bool,
    /// The chunk after its `}` up to the `;` (`X, *PX;`), when one follows
    /// at once.
    pub tail: Option<usize>,
}

/// What is at declaration level.
pub(super) struct Declarations {
    pub chunks: Vec<Chunk>,
    /// Preprocessor lines: start, end.
    pub directives: Vec<(usize, usize)>,
    /// The C and C++ struct, class and union definitions, in order.
    pub records: Vec<Record>,
    /// When asked for, the C or C++ text's tokens, comments left out.
    pub tokens: Vec<Token>,
}

/// The declarations and the directives at declaration level; `None` when
/// the braces do not balance or a comment or string does not end. With
/// `tokens`, the C or C++ text's tokens too (see [`scan`]).
pub(super) fn declarations(b: &[u8], lang: Lang, tokens: bool) -> Option<Declarations> {
    let mut kept = Vec::new();
    let mut chunks: Vec<Chunk> = Vec::new();
    let mut table = false;
    // Per open container: whether it is a C++ namespace or class (not `extern "C"`).
    let mut scopes: Vec<bool> = Vec::new();
    // Per open container: the index of its record when it is a struct, class or union.
    let mut containers: Vec<Option<usize>> = Vec::new();
    let mut records: Vec<Record> = Vec::new();
    // The record whose `}` was the last event at declaration level.
    let mut after_record: Option<usize> = None;
    // Code outside every declaration before a directive, since the last one ended.
    let mut stray = false;
    // The conditional directives open at declaration level, and the depth
    // at which one opened while stray code was pending (`static int\n#ifdef
    // X\nx;\n#else\ny;\n#endif`): every declaration in its arms is detached.
    let mut depth = 0usize;
    let mut tainted: Option<usize> = None;
    let mut directives: Vec<(usize, usize)> = Vec::new();
    let mut stack: Vec<(Open, usize)> = Vec::new();
    let mut decl_start: Option<usize> = None;
    let mut balanced = true;
    let at_level = |stack: &[(Open, usize)]| stack.iter().all(|(k, _)| *k == Open::Container);
    let mut last_end = 0usize;
    // A function-try-block's `catch (..) { .. }` continues the function's
    // chunk: the `{` of the function's body, while its handlers are read.
    let mut handled_body: Option<usize> = None;
    scan(b, lang, tokens.then_some(&mut kept), |ev| match ev {
        Event::Directive(s, e, code) => {
            // A directive inside a head that goes on after it (`class C : public A\n#ifdef X\n, public B\n#endif\n{`,
            // a parameter list) is part of that head, not a declaration of its own.
            let inside_head = code && is_unfinished_head(b.get(last_end..s).unwrap_or(&[]));
            if at_level(&stack) && decl_start.is_none() && !inside_head {
                directives.push((s, e));
                last_end = e;
                stray |= code;
                after_record = None;
                match conditional_step(b.get(s..e).unwrap_or(&[])) {
                    Some(true) => {
                        if stray && tainted.is_none() {
                            tainted = Some(depth);
                        }
                        depth += 1;
                    }
                    Some(false) => {
                        depth = depth.saturating_sub(1);
                        if tainted.is_some_and(|t| depth <= t) {
                            tainted = None;
                        }
                    }
                    None => {}
                }
            }
        }
        Event::Open(i) => {
            if at_level(&stack) {
                let start = decl_start.unwrap_or_else(|| first_code(b, last_end, i));
                let handler = decl_start.is_none() && lang == Lang::Cpp && is_catch(b.get(start..i).unwrap_or(&[]));
                if let Some(function) = chunks.last().filter(|c| handler && c.body.is_some() && c.end == last_end) {
                    handled_body = function.body;
                    decl_start = Some(function.start);
                    chunks.pop();
                    stack.push((Open::Body, i));
                    return;
                }
                // `A::A() : m_x({})`: a brace inside a head's parentheses
                // is part of the head, not what the head opens.
                if lang == Lang::Cpp && opens_in_parentheses(b.get(start..i).unwrap_or(&[])) {
                    decl_start = Some(start);
                    stack.push((Open::Other, i));
                    return;
                }
                let kind = classify(b.get(start..i).unwrap_or(&[]), lang);
                after_record = None;
                if kind == Open::Container {
                    // The container's head is kept; its contents are declarations.
                    let head = b.get(start..i).unwrap_or(&[]);
                    scopes.push(is_scope(head, lang));
                    let record = (lang != Lang::Rust && is_record(head)).then(|| {
                        let nested = containers.iter().any(Option::is_some);
                        let detached = std::mem::take(&mut stray) || tainted.is_some();
                        records.push(Record { start, end: i + 1, detached, nested, tail: None });
                        records.len() - 1
                    });
                    containers.push(record);
                    stray = false;
                    decl_start = None;
                    last_end = i + 1;
                } else {
                    decl_start = Some(start);
                }
                stack.push((kind, i));
            } else {
                stack.push((Open::Other, i));
            }
        }
        Event::Close(i) => {
            let Some((kind, open)) = stack.pop() else {
                balanced = false;
                return;
            };
            if at_level(&stack) {
                table |= kind == Open::Init && i - open > MIN_BLANKED_TABLE;
                match (kind, decl_start) {
                    // A container ends: its closing brace is kept.
                    (Open::Container, _) => {
                        scopes.pop();
                        after_record = containers.pop().flatten();
                        if let Some(r) = after_record.and_then(|r| records.get_mut(r)) {
                            r.end = i + 1;
                        }
                        stray = false;
                        last_end = i + 1;
                    }
                    // `void f() { .. }`, `struct S { .. }` (Rust), `enum E { .. }` end here;
                    // `int t[] = { .. };` and C's `struct S { .. };` go on to their `;`.
                    (_, Some(start)) => {
                        let head = b.get(start..i).unwrap_or(&[]);
                        if kind == Open::Body
                            || (lang == Lang::Rust && kind == Open::Other && !has_eq_at_depth_zero(head))
                        {
                            let body = (kind == Open::Body).then(|| handled_body.take().unwrap_or(open));
                            let scoped = scopes.iter().any(|s| *s);
                            let table = std::mem::take(&mut table);
                            // wil's `f() try { .. } CATCH_RETURN()`: the macro is the handler.
                            let end = match body {
                                Some(_) if lang == Lang::Cpp => handler_macro_end(b, i + 1).unwrap_or(i + 1),
                                _ => i + 1,
                            };
                            let detached = std::mem::take(&mut stray) || tainted.is_some();
                            let in_record = containers.iter().any(Option::is_some);
                            chunks.push(Chunk { start, end, body, table, scoped, detached, in_record, tail: false });
                            decl_start = None;
                            last_end = end;
                        }
                    }
                    (_, None) => {}
                }
            }
        }
        Event::Semi(i) => {
            if at_level(&stack) {
                let start = decl_start.unwrap_or_else(|| first_code(b, last_end, i));
                let tail = decl_start.is_none() && after_record.is_some();
                if let Some(r) = after_record.take().filter(|_| tail).and_then(|r| records.get_mut(r)) {
                    r.tail = Some(chunks.len());
                }
                chunks.push(Chunk {
                    start,
                    end: i + 1,
                    body: None,
                    table: std::mem::take(&mut table),
                    scoped: false,
                    detached: std::mem::take(&mut stray) || tainted.is_some(),
                    in_record: containers.iter().any(Option::is_some),
                    tail,
                });
                decl_start = None;
                last_end = i + 1;
            }
        }
    })?;
    if !balanced || !stack.is_empty() {
        return None;
    }
    Some(Declarations { chunks, directives, records, tokens: kept })
}

/// Whether a `{` that follows `prefix` opens inside its parentheses: the
/// prefix ends in `(` or `,` with a parenthesis still open (`m_x({`,
/// `f(a, {`); a function's head never ends so before its body.
fn opens_in_parentheses(prefix: &[u8]) -> bool {
    let code = without_comments(prefix, Lang::Cpp.dialect());
    let open = code.iter().fold(0i32, |d, c| match c {
        b'(' => d + 1,
        b')' => d - 1,
        _ => d,
    });
    open > 0 && matches!(code.trim_ascii_end().last(), Some(b'(' | b','))
}

/// `Some(true)` for a directive that opens a conditional (`#if`,
/// `#ifdef`, `#ifndef`), `Some(false)` for `#endif`, else `None`.
fn conditional_step(line: &[u8]) -> Option<bool> {
    let rest = line.strip_prefix(b"#").unwrap_or(line).trim_ascii_start();
    let word: &[u8] = &rest[..rest.iter().position(|c| !c.is_ascii_alphabetic()).unwrap_or(rest.len())];
    match word {
        b"if" | b"ifdef" | b"ifndef" => Some(true),
        b"endif" => Some(false),
        _ => None,
    }
}

/// Whether a container's head (C, C++) opens a struct, class or union
/// body, not a namespace or `extern "C"` block.
fn is_record(head: &[u8]) -> bool {
    let words: Vec<&[u8]> =
        head.split(|c| !(c.is_ascii_alphanumeric() || *c == b'_')).filter(|w| !w.is_empty()).collect();
    let has = |w: &[u8]| words.contains(&w);
    (has(b"struct") || has(b"class") || has(b"union")) && !has(b"namespace") && !has(b"extern")
}

/// Whether a head is a `catch (..)` clause.
fn is_catch(head: &[u8]) -> bool {
    head.strip_prefix(b"catch").is_some_and(|rest| rest.first().is_some_and(|c| *c == b'(' || c.is_ascii_whitespace()))
}

/// After a function's body (`from` just past its `}`): the end of a
/// handler macro that follows it, wil's `CATCH_RETURN()`, `CATCH_LOG()`,
/// `CATCH_RETURN_MSG("..", x)` (a `catch (...) { .. }` in disguise; see the
/// C frontend's `sanitize`, which blanks it with the `try` when the function
/// is kept). Its arguments hold no braces, semicolons or newlines.
fn handler_macro_end(b: &[u8], from: usize) -> Option<usize> {
    let start = first_code(b, from, b.len());
    let word_end = (start..b.len()).find(|&k| !(b[k].is_ascii_alphanumeric() || b[k] == b'_')).unwrap_or(b.len());
    if !is_handler_macro(b.get(start..word_end)?) {
        return None;
    }
    let open = first_code(b, word_end, b.len());
    if b.get(open) != Some(&b'(') {
        return None;
    }
    let mut depth = 0usize;
    for (k, c) in b.iter().enumerate().skip(open) {
        match c {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(k + 1);
                }
            }
            b'{' | b'}' | b';' | b'\n' => return None,
            _ => {}
        }
    }
    None
}

/// Whether the code before a directive is the start of a head that goes on
/// after it: an open parenthesis, or a C++ class head (`class`, `struct`,
/// `union`, `template` first) with no `;` yet.
fn is_unfinished_head(pending: &[u8]) -> bool {
    // `/* (at the cost of lookup */` opens nothing.
    let code = without_comments(pending, Dialect::C);
    let code = code.trim_ascii();
    if code.is_empty() || code.contains(&b';') {
        return false;
    }
    let depth = code.iter().fold(0i32, |d, c| match c {
        b'(' => d + 1,
        b')' => d - 1,
        _ => d,
    });
    let first: Vec<u8> = code.iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').copied().collect();
    depth > 0 || matches!(first.as_slice(), b"class" | b"struct" | b"union" | b"template")
}
