//! Parse only what can matter: the bodies of functions that name no API are
//! blanked before the parser sees them.
//!
//! A candidate file (one that names an API somewhere) is usually a large file
//! in which a few functions call an API: test suites, services, drivers. The
//! rules only read functions that call an API, so the body of every other
//! function is replaced by spaces (newlines kept) between its braces. The
//! parser then sees an empty function, byte offsets do not move, and the
//! cost of a file is the cost of the functions that matter.
//!
//! The scan is lexical (comments, strings, character literals, raw strings,
//! preprocessor lines) and finds function bodies by what precedes their `{`
//! at file, namespace or class level. When it cannot make sense of the
//! braces (an `#if` with an unbalanced brace in each arm), it changes
//! nothing: the whole file is parsed, as without focus.

use super::Lang;

/// The text with the bodies of functions that `keep` rejects blanked, or
/// `None` when nothing was blanked (or the braces did not balance).
pub(crate) fn blank_unused_bodies(text: &str, lang: Lang, keep: &dyn Fn(&[u8]) -> bool) -> Option<String> {
    let bytes = text.as_bytes();
    let bodies = function_bodies(bytes, lang)?;
    let mut out: Option<Vec<u8>> = None;
    for (open, close) in bodies {
        let Some(inner) = bytes.get(open + 1..close) else { continue };
        if keep(inner) {
            continue;
        }
        let buf = out.get_or_insert_with(|| bytes.to_vec());
        for b in buf.iter_mut().take(close).skip(open + 1) {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    }
    // Only ASCII bytes were written over whole characters (a blanked body is a
    // run of complete characters between two braces), so this cannot fail.
    out.and_then(|b| String::from_utf8(b).ok())
}

/// Initialisers at file level longer than this are blanked when they name no API.
const MIN_BLANKED_TABLE: usize = 512;

/// What a `{` opens, decided by what comes before it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
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

/// What the lexical scan reports: the bytes that shape declarations, with
/// comments, strings and character literals already skipped.
#[derive(Clone, Copy)]
enum Event {
    Open(usize),
    Close(usize),
    Semi(usize),
    /// A preprocessor line (with its continuations): start and end.
    Directive(usize, usize),
}

/// Scans `b`, calling `on` for every event; `None` if a comment, string or
/// raw string does not end.
fn scan(b: &[u8], lang: Lang, mut on: impl FnMut(Event)) -> Option<()> {
    let mut i = 0usize;
    let mut line_start = true;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                line_start = true;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\x0c' => {
                i += 1;
                continue;
            }
            b'#' if line_start && lang != Lang::Rust => {
                let end = skip_preprocessor_line(b, i);
                on(Event::Directive(i, end));
                i = end;
                continue;
            }
            _ => {}
        }
        line_start = false;
        match c {
            b'/' if b.get(i + 1) == Some(&b'/') => i = skip_line(b, i),
            b'/' if b.get(i + 1) == Some(&b'*') => i = skip_block_comment(b, i, lang == Lang::Rust)?,
            b'"' => i = skip_string(b, i + 1)?,
            b'\'' => i = skip_quote(b, i, lang),
            b'r' | b'R' | b'b' | b'L' | b'u' | b'U' if starts_raw_string(b, i, lang) => {
                i = skip_raw_string(b, i, lang)?
            }
            b'{' => {
                on(Event::Open(i));
                i += 1;
            }
            b'}' => {
                on(Event::Close(i));
                i += 1;
            }
            b';' => {
                on(Event::Semi(i));
                i += 1;
            }
            _ => i += utf8_len(c),
        }
    }
    Some(())
}

/// The byte offsets of the `{` and `}` of every function body at file,
/// namespace or class level; `None` if the braces do not balance.
fn function_bodies(b: &[u8], lang: Lang) -> Option<Vec<(usize, usize)>> {
    let mut stack: Vec<(Open, usize)> = Vec::new();
    let mut bodies = Vec::new();
    // Start of the current declaration at this level (after the last `;`, `{` or `}`).
    let mut decl_start = 0usize;
    let mut balanced = true;
    scan(b, lang, |ev| match ev {
        Event::Open(i) => {
            let inside_body = stack.iter().any(|(k, _)| *k != Open::Container);
            let kind = if inside_body { Open::Other } else { classify(b.get(decl_start..i).unwrap_or(&[]), lang) };
            stack.push((kind, i));
            decl_start = i + 1;
        }
        Event::Close(i) => {
            match stack.pop() {
                Some((Open::Body, open)) => bodies.push((open, i)),
                // A data table: worth skipping when large (a small one may
                // be a constant a rule reads, like a QOS).
                Some((Open::Init, open)) if i - open > MIN_BLANKED_TABLE => bodies.push((open, i)),
                Some(_) => {}
                None => balanced = false,
            }
            decl_start = i + 1;
        }
        Event::Semi(i) => {
            if !stack.iter().any(|(k, _)| *k != Open::Container) {
                decl_start = i + 1;
            }
        }
        Event::Directive(..) => {}
    })?;
    (balanced && stack.is_empty()).then_some(bodies)
}

/// For a file read only for the definitions of some names: the text with
/// every declaration at file, namespace or class level that `keep` rejects
/// blanked, and every function blanked whole (functions define no
/// file-level constant). Conditional directives (`#if`..`#endif`) stay, so
/// `#if 0` regions are still known; other directives stay when `keep`
/// accepts them. `None` when nothing was blanked or the braces do not balance.
pub(crate) fn blank_unneeded_declarations(text: &str, lang: Lang, keep: &dyn Fn(&[u8]) -> bool) -> Option<String> {
    let b = text.as_bytes();
    // Declarations as (start, end, is a function) at declaration level.
    let mut chunks: Vec<(usize, usize, bool)> = Vec::new();
    let mut directives: Vec<(usize, usize)> = Vec::new();
    let mut stack: Vec<(Open, usize)> = Vec::new();
    let mut decl_start: Option<usize> = None;
    let mut balanced = true;
    let at_level = |stack: &[(Open, usize)]| stack.iter().all(|(k, _)| *k == Open::Container);
    let mut last_end = 0usize;
    scan(b, lang, |ev| match ev {
        Event::Directive(s, e) => {
            if at_level(&stack) && decl_start.is_none() {
                directives.push((s, e));
                last_end = e;
            }
        }
        Event::Open(i) => {
            if at_level(&stack) {
                let start = decl_start.unwrap_or_else(|| first_code(b, last_end, i));
                let kind = classify(b.get(start..i).unwrap_or(&[]), lang);
                if kind == Open::Container {
                    // The container's head is kept; its contents are declarations.
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
            let Some((kind, _)) = stack.pop() else {
                balanced = false;
                return;
            };
            if at_level(&stack) {
                match (kind, decl_start) {
                    // A container ends: its closing brace is kept.
                    (Open::Container, _) => last_end = i + 1,
                    // `void f() { .. }`, `struct S { .. }` (Rust), `enum E { .. }` end here;
                    // `int t[] = { .. };` and C's `struct S { .. };` go on to their `;`.
                    (_, Some(start)) => {
                        let head = b.get(start..i).unwrap_or(&[]);
                        if kind == Open::Body
                            || (lang == Lang::Rust && kind == Open::Other && !depth_zero(head).contains(&b'='))
                        {
                            chunks.push((start, i + 1, kind == Open::Body));
                            decl_start = None;
                            last_end = i + 1;
                        }
                    }
                    (_, None) => {}
                }
            }
        }
        Event::Semi(i) => {
            if at_level(&stack) {
                let start = decl_start.unwrap_or_else(|| first_code(b, last_end, i));
                chunks.push((start, i + 1, false));
                decl_start = None;
                last_end = i + 1;
            }
        }
    })?;
    if !balanced || !stack.is_empty() {
        return None;
    }
    let mut out = b.to_vec();
    let mut changed = false;
    let mut blank = |s: usize, e: usize| {
        for byte in out.iter_mut().take(e).skip(s) {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    };
    for (s, e, is_function) in chunks {
        let text = b.get(s..e).unwrap_or(&[]);
        if is_function || !keep(text) {
            blank(s, e);
            changed = true;
        }
    }
    for (s, e) in directives {
        let line = b.get(s..e).unwrap_or(&[]);
        if !is_conditional(line) && !keep(line) {
            blank(s, e);
            changed = true;
        }
    }
    if !changed {
        return None;
    }
    String::from_utf8(out).ok()
}

/// The first byte of code at or after `from` (skipping blanks), before `limit`.
fn first_code(b: &[u8], from: usize, limit: usize) -> usize {
    (from..limit).find(|&i| !b[i].is_ascii_whitespace()).unwrap_or(limit)
}

/// `#if`, `#ifdef`, `#ifndef`, `#elif`, `#else`, `#endif`.
fn is_conditional(line: &[u8]) -> bool {
    let rest = line.strip_prefix(b"#").unwrap_or(line);
    let word: Vec<u8> =
        rest.iter().skip_while(|c| c.is_ascii_whitespace()).take_while(|c| c.is_ascii_alphabetic()).copied().collect();
    matches!(word.as_slice(), b"if" | b"ifdef" | b"ifndef" | b"elif" | b"elifdef" | b"elifndef" | b"else" | b"endif")
}

/// What the `{` that follows `prefix` (the declaration so far) opens.
fn classify(prefix: &[u8], lang: Lang) -> Open {
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
            if has("namespace") || (has("extern") && prefix.windows(3).any(|w| w == b"\"C\"")) {
                return Open::Container;
            }
            let top = depth_zero(prefix);
            if top.contains(&b'=') {
                return Open::Init;
            }
            if has("enum") {
                return Open::Other;
            }
            if (has("class") || has("struct") || has("union")) && !top.contains(&b'(') {
                return Open::Container;
            }
            if top.contains(&b'(') || prefix.contains(&b'(') {
                return Open::Body;
            }
            Open::Other
        }
    }
}

/// The bytes of `s` outside parentheses, brackets and angle brackets.
fn depth_zero(s: &[u8]) -> Vec<u8> {
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

fn utf8_len(first: u8) -> usize {
    match first {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

fn skip_line(b: &[u8], i: usize) -> usize {
    memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n)
}

/// A preprocessor line with its `\` continuations (comments inside are rare enough).
fn skip_preprocessor_line(b: &[u8], mut i: usize) -> usize {
    loop {
        let end = skip_line(b, i);
        let continued = end > 0 && b.get(end - 1) == Some(&b'\\')
            || end > 1 && b.get(end - 1) == Some(&b'\r') && b.get(end - 2) == Some(&b'\\');
        if !continued || end >= b.len() {
            return end;
        }
        i = end + 1;
    }
}

fn skip_block_comment(b: &[u8], i: usize, nested: bool) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = i;
    while j + 1 < b.len() {
        if b[j] == b'/' && b[j + 1] == b'*' {
            depth += 1;
            j += 2;
            if !nested && depth > 1 {
                depth = 1;
            }
        } else if b[j] == b'*' && b[j + 1] == b'/' {
            depth -= 1;
            j += 2;
            if depth == 0 {
                return Some(j);
            }
        } else {
            j += 1;
        }
    }
    None
}

/// From just after an opening `"` to just after the closing one.
fn skip_string(b: &[u8], mut j: usize) -> Option<usize> {
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            // An unterminated string ends at the line in C; give up on the file rather than guess.
            _ => j += 1,
        }
    }
    None
}

/// A character literal, or (in Rust) a lifetime or label.
fn skip_quote(b: &[u8], i: usize, lang: Lang) -> usize {
    let next = b.get(i + 1).copied();
    if lang == Lang::Rust {
        // `'a'`, `'\n'`, `'\u{..}'` are characters; `'a` and `'static` are lifetimes.
        match next {
            Some(b'\\') => {}
            Some(c) if b.get(i + 1 + utf8_len(c)) == Some(&b'\'') => return i + 2 + utf8_len(c),
            _ => return i + 1,
        }
    }
    let mut j = i + 1;
    while j < b.len() && j < i + 16 {
        match b[j] {
            b'\\' => j += 2,
            b'\'' => return j + 1,
            b'\n' => return j,
            _ => j += 1,
        }
    }
    i + 1
}

fn starts_raw_string(b: &[u8], i: usize, lang: Lang) -> bool {
    // A raw string starts a token: not `var"` inside an identifier.
    if i > 0 && b.get(i - 1).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
        return false;
    }
    let rest = &b[i..];
    match lang {
        Lang::Rust => {
            rest.starts_with(b"r\"") || rest.starts_with(b"r#") || rest.starts_with(b"br\"") || rest.starts_with(b"br#")
        }
        Lang::C | Lang::Cpp => ["R\"", "LR\"", "uR\"", "UR\"", "u8R\""].iter().any(|p| rest.starts_with(p.as_bytes())),
    }
}

fn skip_raw_string(b: &[u8], i: usize, lang: Lang) -> Option<usize> {
    let quote = i + b[i..].iter().position(|&c| c == b'"')?;
    match lang {
        Lang::Rust => {
            let hashes = b[i..quote].iter().filter(|&&c| c == b'#').count();
            let mut closing = vec![b'"'];
            closing.extend(std::iter::repeat_n(b'#', hashes));
            let end = b[quote + 1..].windows(closing.len()).position(|w| w == closing.as_slice())?;
            Some(quote + 1 + end + closing.len())
        }
        Lang::C | Lang::Cpp => {
            // R"delim( ... )delim"
            let paren = quote + 1 + b[quote + 1..].iter().position(|&c| c == b'(')?;
            let delim = &b[quote + 1..paren];
            let mut closing = vec![b')'];
            closing.extend_from_slice(delim);
            closing.push(b'"');
            let end = b[paren + 1..].windows(closing.len()).position(|w| w == closing.as_slice())?;
            Some(paren + 1 + end + closing.len())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blank(text: &str, lang: Lang) -> String {
        blank_unused_bodies(text, lang, &|body: &[u8]| body.windows(3).any(|w| w == b"Api"))
            .unwrap_or_else(|| text.to_string())
    }

    #[test]
    fn c_bodies_without_an_api_are_blanked() {
        let src =
            "static int t[] = { 1, 2 };\nint f(void)\n{\n    return g(\"}\");\n}\nint h(int a) { return Api(a); }\n";
        let out = blank(src, Lang::C);
        assert_eq!(out.len(), src.len());
        assert!(out.contains("int f(void)\n{\n") && !out.contains("return g"), "{out}");
        assert!(out.contains("return Api(a);"));
        assert!(out.contains("{ 1, 2 }"), "initialisers are kept: {out}");
    }

    #[test]
    fn cpp_classes_and_namespaces_are_looked_into() {
        let src = "namespace n {\nclass C {\n  void a() { x(); }\n  void b() { Api(); }\n};\n}\nextern \"C\" { void c() { y(); } }\n";
        let out = blank(src, Lang::Cpp);
        assert!(out.contains("void a() {      }"), "{out}");
        assert!(out.contains("void b() { Api(); }"));
        assert!(out.contains("void c() {      }"), "{out}");
    }

    #[test]
    fn rust_fns_impls_and_lifetimes() {
        let src = "impl<'a> S<'a> {\n    fn a(&self) -> char { '{' }\n    fn b() { Api(r#\"}\"#); }\n}\nfn c() { let _ = \"{\"; }\n";
        let out = blank(src, Lang::Rust);
        assert!(out.contains("fn a(&self) -> char {") && !out.contains("'{'"), "{out}");
        assert!(out.contains("fn b() { Api(r#\"}\"#); }"), "{out}");
        assert!(out.contains("fn c() {") && !out.contains("let _"), "{out}");
    }

    #[test]
    fn declarations_without_a_needed_name_are_blanked() {
        let src = "#include <x.h>\n#define A 1\n#define LEVEL 2\n#ifdef X\nint f(void) { return LEVEL; }\n#endif\n\
                   static const int other = 3;\nenum { E1, LEVEL2 = 4 };\nnamespace n { const int LEVEL3 = 5; int g = 6; }\n";
        let keep =
            |t: &[u8]| ["LEVEL", "LEVEL2", "LEVEL3"].iter().any(|w| t.windows(w.len()).any(|x| x == w.as_bytes()));
        let out = blank_unneeded_declarations(src, Lang::Cpp, &keep).unwrap();
        assert_eq!(out.len(), src.len());
        assert!(out.contains("#define LEVEL 2") && !out.contains("#define A 1") && !out.contains("#include"), "{out}");
        assert!(out.contains("#ifdef X") && out.contains("#endif"), "{out}");
        assert!(!out.contains("return LEVEL"), "functions are blanked: {out}");
        assert!(!out.contains("other") && out.contains("enum { E1, LEVEL2 = 4 };"), "{out}");
        assert!(
            out.contains("namespace n {") && out.contains("const int LEVEL3 = 5;") && !out.contains("int g"),
            "{out}"
        );
    }

    #[test]
    fn rust_items_without_a_needed_name_are_blanked() {
        let src = "use x::y;\npub const LEVEL: u32 = 2;\nstruct S { a: u32 }\nfn f() { LEVEL; }\nconst Q: S = S { a: LEVEL };\n";
        let keep = |t: &[u8]| t.windows(5).any(|x| x == b"LEVEL");
        let out = blank_unneeded_declarations(src, Lang::Rust, &keep).unwrap();
        assert!(out.contains("pub const LEVEL: u32 = 2;") && out.contains("const Q: S = S { a: LEVEL };"), "{out}");
        assert!(!out.contains("use x") && !out.contains("struct S") && !out.contains("fn f"), "{out}");
    }

    #[test]
    fn unbalanced_braces_change_nothing() {
        let src = "void f(void)\n{\n#ifdef A\n  if (a) {\n#else\n  if (b) {\n#endif\n  }\n}\n";
        assert!(blank_unused_bodies(src, Lang::C, &|_| false).is_none());
    }
}
