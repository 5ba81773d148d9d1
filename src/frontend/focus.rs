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

/// What a `{` opens, decided by what comes before it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    /// A function body: to keep or blank.
    Body,
    /// A namespace, `extern "C"`, class, struct or impl/trait/mod body: function bodies may be inside.
    Container,
    /// Anything else (an initialiser, an enum, a block inside a body).
    Other,
}

/// The byte offsets of the `{` and `}` of every function body at file,
/// namespace or class level; `None` if the braces do not balance.
fn function_bodies(b: &[u8], lang: Lang) -> Option<Vec<(usize, usize)>> {
    let mut stack: Vec<(Open, usize)> = Vec::new();
    let mut bodies = Vec::new();
    // Start of the current declaration at this level (after the last `;`, `{` or `}`).
    let mut decl_start = 0usize;
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
                i = skip_preprocessor_line(b, i);
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
                let inside_body = stack.iter().any(|(k, _)| *k != Open::Container);
                let kind = if inside_body { Open::Other } else { classify(b.get(decl_start..i).unwrap_or(&[]), lang) };
                stack.push((kind, i));
                decl_start = i + 1;
                i += 1;
            }
            b'}' => {
                let (kind, open) = stack.pop()?;
                if kind == Open::Body {
                    bodies.push((open, i));
                }
                decl_start = i + 1;
                i += 1;
            }
            b';' => {
                if !stack.iter().any(|(k, _)| *k != Open::Container) {
                    decl_start = i + 1;
                }
                i += 1;
            }
            _ => {
                i += utf8_len(c);
            }
        }
    }
    stack.is_empty().then_some(bodies)
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
                return Open::Other;
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
    fn unbalanced_braces_change_nothing() {
        let src = "void f(void)\n{\n#ifdef A\n  if (a) {\n#else\n  if (b) {\n#endif\n  }\n}\n";
        assert!(blank_unused_bodies(src, Lang::C, &|_| false).is_none());
    }
}
