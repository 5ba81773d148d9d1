//! What a declaration's head says: what its `{` opens, and the name of the
//! function it declares.

use super::Lang;
use crate::lexer::without_comments;

/// What a `{` opens, decided by what comes before it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Open {
    /// A function body: to keep or blank.
    Body,
    /// A namespace, `extern "C"`, class, struct or impl/trait/mod body: function bodies may be inside.
    Container,
    /// The initialiser of a variable at file level (`T table[] = { .. };`):
    /// large ones (test data tables) are blanked like bodies.
    Init,
    /// Anything else (an initialiser, an enum, a block inside a body).
    Other,
}

/// The name a function's head declares: Rust's identifier after `fn`; in C
/// and C++ the identifier before the last parenthesis outside brackets that
/// follows one (`DEFINE_THISCALL_WRAPPER(h, 4) void __thiscall h(int (*cb)(void))`
/// is `h`, `void C::Run() const` is `Run`).
pub(super) fn function_name(head: &[u8], lang: Lang) -> Option<String> {
    let code = without_comments(head, lang.dialect());
    let name = if lang == Lang::Rust {
        let words = identifiers(&code);
        let k = words.iter().position(|w| *w == b"fn")?;
        *words.get(k + 1)?
    } else {
        let mut depth = 0i32;
        let mut name: Option<&[u8]> = None;
        for (i, &c) in code.iter().enumerate() {
            match c {
                b'(' if depth == 0 => {
                    // `f (`, not `(*f)(` nor `__attribute__((x)) (`.
                    let before = trim_end_blanks(&code[..i]);
                    if before.last().is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_') {
                        name = identifiers(before).last().copied();
                    }
                    depth += 1;
                }
                b'(' | b'[' => depth += 1,
                b')' | b']' => depth -= 1,
                _ => {}
            }
        }
        name?
    };
    std::str::from_utf8(name).ok().filter(|w| !w.starts_with(|c: char| c.is_ascii_digit())).map(str::to_string)
}

/// Whether a function's head declares parameters: a parenthesised group in
/// it holds more than blanks or `void` (`f(void)`, `fn f()` declare none; a
/// macro's arguments or a Rust `&self` count, which only keeps more).
pub(super) fn has_parameters(head: &[u8], lang: Lang) -> bool {
    let code = without_comments(head, lang.dialect());
    let mut depth = 0usize;
    let mut start = 0;
    for (i, &c) in code.iter().enumerate() {
        match c {
            b'(' => {
                if depth == 0 {
                    start = i + 1;
                }
                depth += 1;
            }
            b')' if depth > 0 => {
                depth -= 1;
                let inner = code.get(start..i).unwrap_or(&[]);
                let inner = &inner[inner.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(inner.len())..];
                if depth == 0 && !inner.is_empty() && trim_end_blanks(inner) != b"void" {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

fn trim_end_blanks(s: &[u8]) -> &[u8] {
    &s[..s.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |i| i + 1)]
}

/// The first byte of code at or after `from` (skipping blanks), before `limit`.
pub(super) fn first_code(b: &[u8], from: usize, limit: usize) -> usize {
    (from..limit).find(|&i| !b[i].is_ascii_whitespace()).unwrap_or(limit)
}

/// `#if`, `#ifdef`, `#ifndef`, `#elif`, `#else`, `#endif`.
pub(super) fn is_conditional(line: &[u8]) -> bool {
    let rest = line.strip_prefix(b"#").unwrap_or(line);
    let word: Vec<u8> =
        rest.iter().skip_while(|c| c.is_ascii_whitespace()).take_while(|c| c.is_ascii_alphabetic()).copied().collect();
    matches!(word.as_slice(), b"if" | b"ifdef" | b"ifndef" | b"elif" | b"elifdef" | b"elifndef" | b"else" | b"endif")
}

/// What the `{` that follows `prefix` (the declaration so far) opens.
pub(super) fn classify(prefix: &[u8], lang: Lang) -> Open {
    // A comment before a function (`/* a == b */`) must not make it look
    // like an initialiser.
    let code = without_comments(prefix, lang.dialect());
    let prefix = code.as_ref();
    let words = identifiers(prefix);
    let has = |w: &str| words.contains(&w.as_bytes());
    match lang {
        Lang::Rust => {
            if has("fn") {
                // `fn f(..) -> T where ..` — but not `impl Fn()` types or closures in consts.
                if has("impl") && !prefix.windows(3).any(|w| w == b"fn ") {
                    return Open::Container;
                }
                return Open::Body;
            }
            if has("impl") || has("trait") || has("mod") {
                return Open::Container;
            }
            Open::Other
        }
        Lang::C | Lang::Cpp => {
            // `extern "C" {`, not `extern "C" T f(void) {` (a function).
            if has("namespace") || (has("extern") && prefix.trim_ascii_end().ends_with(b"\"C\"")) {
                return Open::Container;
            }
            let top = depth_zero(prefix);
            if top.contains(&b'=') {
                return Open::Init;
            }
            // `enum E {`, not `enum e f(enum e x) {` (a function's types).
            if identifiers(&top).contains(&b"enum".as_slice()) && !top.contains(&b'(') {
                return Open::Other;
            }
            if (has("class") || has("struct") || has("union")) && !top.contains(&b'(') {
                return Open::Container;
            }
            if lang == Lang::Cpp && opens_member_initialiser(&top) {
                return Open::Init;
            }
            if top.contains(&b'(') || prefix.contains(&b'(') {
                return Open::Body;
            }
            Open::Other
        }
    }
}

/// Whether a C++ constructor's head (at depth zero) ends in its
/// member-initialiser list with a member's name: `A::A(int x) : m_a(x), m_b`
/// before `{x}`, a braced member initialiser, not the body (which follows).
fn opens_member_initialiser(top: &[u8]) -> bool {
    let Some(paren) = top.iter().position(|&c| c == b'(') else { return false };
    let after = &top[paren + 1..];
    let lone_colon = after
        .iter()
        .enumerate()
        .any(|(i, &c)| c == b':' && after.get(i + 1) != Some(&b':') && (i == 0 || after[i - 1] != b':'));
    let end = after.trim_ascii_end();
    let word = identifiers(end).last().copied().unwrap_or_default();
    lone_colon
        && end.last().is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        && !matches!(word, b"const" | b"noexcept" | b"override" | b"final" | b"try" | b"mutable" | b"volatile")
}

/// Whether a container's head (what precedes its `{`) opens a C++ namespace
/// or class, whose functions are the project's own even when they share an
/// API's name; `extern "C"` and Rust's containers do not.
pub(super) fn is_scope(head: &[u8], lang: Lang) -> bool {
    lang != Lang::Rust && !identifiers(&without_comments(head, lang.dialect())).contains(&&b"extern"[..])
}

/// Whether a declaration's first `{` follows an `=`. In Rust the `=` must
/// be outside brackets: `#[cfg(feature = "X")] pub struct S {` is no initialiser.
pub(super) fn is_braced_initialiser(chunk: &[u8], lang: Lang) -> bool {
    chunk.iter().position(|&b| b == b'{').is_some_and(|open| match lang {
        Lang::Rust => has_eq_at_depth_zero(&chunk[..open]),
        Lang::C | Lang::Cpp => chunk[..open].contains(&b'='),
    })
}

/// Whether a Rust declaration without a body (`chunk`, comments and
/// attributes included) is an item that lowering reads nothing from: a
/// `struct`, `union` or `type`, an `extern` block or crate, a function
/// declared without a body (a trait's), `mod m;`, or an item macro's call
/// other than `macro_rules!` (`windows_link::link!(..)`). Blanking them
/// spares syn most of a binding crate's file. `false` where unsure.
pub(super) fn is_inert_rust_item(chunk: &[u8]) -> bool {
    let code = without_comments(chunk, Lang::Rust.dialect());
    let b: &[u8] = &code;
    let mut i = 0;
    let skip_blanks = |mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        i
    };
    // Attributes: `#[..]`, `#![..]`.
    loop {
        i = skip_blanks(i);
        if b.get(i) != Some(&b'#') {
            break;
        }
        i = skip_blanks(i + 1);
        if b.get(i) == Some(&b'!') {
            i = skip_blanks(i + 1);
        }
        match b.get(i) {
            Some(b'[') => match group_end(b, i) {
                Some(end) => i = end,
                None => return false,
            },
            _ => return false,
        }
    }
    let word_at = |at: usize| -> (&[u8], usize) {
        let s = skip_blanks(at);
        let e = (s..b.len()).find(|&k| !(b[k].is_ascii_alphanumeric() || b[k] == b'_')).unwrap_or(b.len());
        (&b[s..e], e)
    };
    let (mut word, mut end) = word_at(i);
    if word == b"pub" {
        let after = skip_blanks(end);
        end = if b.get(after) == Some(&b'(') { group_end(b, after).unwrap_or(b.len()) } else { end };
        (word, end) = word_at(end);
    }
    while matches!(word, b"unsafe" | b"default" | b"async" | b"safe") {
        (word, end) = word_at(end);
    }
    match word {
        b"struct" | b"union" | b"type" | b"extern" | b"fn" | b"mod" => true,
        // `const fn f();`, not `const K: u32 = 1;`.
        b"const" => matches!(word_at(end).0, b"fn" | b"unsafe" | b"async" | b"extern"),
        _ if word.is_empty() || word[0].is_ascii_digit() => false,
        // A macro's call: a path, then `!`.
        _ => {
            let mut last = word;
            loop {
                let at = skip_blanks(end);
                match b.get(at..at + 2) {
                    Some(b"::") => {
                        (last, end) = word_at(at + 2);
                        if last.is_empty() {
                            return false;
                        }
                    }
                    _ => return b.get(at) == Some(&b'!') && last != b"macro_rules",
                }
            }
        }
    }
}

/// The end (just past the closing bracket) of the bracketed group that
/// opens at `open`, skipping string literals; `None` if it does not close
/// or holds a raw string (which this does not read).
fn group_end(b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut k = open;
    while k < b.len() {
        match b[k] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(k + 1);
                }
            }
            b'r' if matches!(b.get(k + 1), Some(b'"' | b'#')) => return None,
            b'"' => {
                k += 1;
                while k < b.len() && b[k] != b'"' {
                    k += if b[k] == b'\\' { 2 } else { 1 };
                }
            }
            _ => {}
        }
        k += 1;
    }
    None
}

/// Whether `s` holds a `=` outside parentheses and brackets (as
/// `depth_zero(s).contains(&b'=')`, without building it).
pub(super) fn has_eq_at_depth_zero(s: &[u8]) -> bool {
    let mut depth = 0i32;
    for &c in s {
        match c {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth -= 1,
            b'=' if depth == 0 => return true,
            _ => {}
        }
    }
    false
}

/// The bytes of `s` outside parentheses, brackets and angle brackets.
pub(super) fn depth_zero(s: &[u8]) -> Vec<u8> {
    let mut depth = 0i32;
    let mut out = Vec::new();
    for &c in s {
        match c {
            b'(' | b'[' => {
                depth += 1;
                if depth == 1 {
                    out.push(b'(');
                }
            }
            b')' | b']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn identifiers(s: &[u8]) -> Vec<&[u8]> {
    s.split(|c| !(c.is_ascii_alphanumeric() || *c == b'_')).filter(|w| !w.is_empty()).collect()
}
