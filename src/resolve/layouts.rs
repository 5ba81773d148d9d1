//! The member order of the structs a C or C++ source file declares itself,
//! read from its text in phase 1, so that a positional initialiser
//! (`struct RpcRcvArgs rpcargs = { NULL, (unsigned char*)"ncalrpc" };`)
//! is known to write `protocolSequence`, the second member.
//!
//! Only a plain body is laid out: data members, one or more declarators
//! each (`char *a, *b;`, `char buf[10];`, `int x : 3;`, a nested
//! `struct { .. } inner;`). A body with anything else (a member function or
//! a function pointer, an access specifier, a `static` or `using` member, a
//! directive, an anonymous nested member), a union (its initialiser writes
//! its first member only), a C++ class with bases, or two bodies of one name
//! that disagree is declared with no known order: a positional initialiser
//! of it writes members nobody can tell.

use std::collections::BTreeMap;

use crate::lexer::{Dialect, Kind, Token};

/// Per struct name (its tag, and a `typedef`'s names for it): its members in
/// order, or `None` when the order is not known.
pub(crate) type Layouts = BTreeMap<String, Option<Box<[String]>>>;

/// Words that make a member declaration more than a data member.
const NOT_DATA: [&[u8]; 12] = [
    b"public",
    b"private",
    b"protected",
    b"static",
    b"virtual",
    b"typedef",
    b"using",
    b"friend",
    b"template",
    b"operator",
    b"static_assert",
    b"explicit",
];

/// [`of_tokens`] of a whole text.
#[cfg(test)]
pub(crate) fn of(text: &str, dialect: Dialect) -> Layouts {
    let b = text.as_bytes();
    let toks: Vec<Token> = crate::lexer::Lexer::new(b, dialect).filter(|t| !t.is_comment()).collect();
    of_tokens(b, &toks, dialect)
}

/// The layouts of the struct bodies of the text `b` (C or C++; nothing for
/// Rust, whose struct literals name their fields), from its tokens without
/// its comments (`FieldText::of` lexes the file once for both).
pub(crate) fn of_tokens(b: &[u8], toks: &[Token], dialect: Dialect) -> Layouts {
    let mut out = Layouts::new();
    if dialect == Dialect::Rust {
        return out;
    }
    let is = |i: usize, s: &[u8]| toks.get(i).is_some_and(|t| t.text(b) == s);
    let mut i = 0;
    while i < toks.len() {
        let word = toks.get(i).map(|t| t.text(b)).unwrap_or_default();
        if !matches!(word, b"struct" | b"class" | b"union") {
            i += 1;
            continue;
        }
        // `struct Name {`, `struct {`, `class Name : Base {`, `struct Name final {`.
        let mut j = i + 1;
        let mut name: Option<&[u8]> = None;
        let mut bases = false;
        while let Some(t) = toks.get(j) {
            match (t.kind, t.text(b)) {
                (Kind::Ident, w) if name.is_none() && !bases => name = Some(w),
                // `struct S s { 1 };` declares a variable: only `final` follows a name.
                (Kind::Ident, w) if !bases && w != b"final" => break,
                (Kind::Ident, _) => {}
                (Kind::Punct, b":") => bases = true,
                (Kind::Punct, b"<" | b">" | b",") if bases => {}
                _ => break,
            }
            j += 1;
        }
        if !is(j, b"{") {
            i += 1;
            continue;
        }
        let typedef = i > 0 && is(i - 1, b"typedef");
        let Some(close) = matching(toks, b, j) else { break };
        let members = if word == b"union" || bases { None } else { body(toks, b, j + 1, close) };
        let mut names: Vec<String> = name.map(|n| String::from_utf8_lossy(n).into_owned()).into_iter().collect();
        if typedef {
            // `} S, *PS;`: the names without a `*` are the struct.
            let mut k = close + 1;
            let mut pointer = false;
            while let Some(t) = toks.get(k) {
                match (t.kind, t.text(b)) {
                    (Kind::Ident, w) if !pointer => names.push(String::from_utf8_lossy(w).into_owned()),
                    (Kind::Punct, b"*") => pointer = true,
                    (Kind::Punct, b",") => pointer = false,
                    _ if t.kind != Kind::Ident => break,
                    _ => {}
                }
                k += 1;
            }
        }
        for n in names {
            match out.get(&n) {
                Some(known) if *known != members => {
                    out.insert(n, None);
                }
                Some(_) => {}
                None => {
                    out.insert(n, members.clone());
                }
            }
        }
        // Nested bodies are read on their own too.
        i = j + 1;
    }
    out
}

/// The index of the `}` that closes the `{` at `open`.
fn matching(toks: &[Token], b: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (k, t) in toks.iter().enumerate().skip(open) {
        if t.kind != Kind::Punct {
            continue;
        }
        match t.text(b) {
            b"{" => depth += 1,
            b"}" => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// The member names of the body `toks[start..end]`, in order, when it holds
/// data members only.
fn body(toks: &[Token], b: &[u8], start: usize, end: usize) -> Option<Box<[String]>> {
    let mut members = Vec::new();
    // Per declarator: the last identifier at depth 0 before a `[`, `=` or bit-field `:`.
    let mut last: Option<&[u8]> = None;
    let mut stopped = false;
    let mut depth = 0usize;
    let mut k = start;
    while k < end {
        let t = toks.get(k)?;
        let text = t.text(b);
        match t.kind {
            Kind::Directive => return None,
            Kind::Ident if depth == 0 => {
                if NOT_DATA.contains(&text) {
                    return None;
                }
                if !stopped {
                    last = Some(text);
                }
            }
            Kind::Punct => match text {
                b"(" if depth == 0 => return None,
                // A nested body's tag is not the member: its name follows the `}`.
                b"{" if depth == 0 => {
                    last = None;
                    depth += 1;
                }
                b"(" | b"[" | b"{" | b"<" => depth += 1,
                b")" | b"]" | b"}" | b">" => depth = depth.checked_sub(1)?,
                b":" if depth == 0 => {
                    // `ns::Type` is a type's name; a lone `:` starts a bit-field's width.
                    let scope = toks.get(k + 1).is_some_and(|n| n.text(b) == b":");
                    if scope {
                        k += 1;
                    } else {
                        stopped = true;
                    }
                }
                b"=" if depth == 0 => stopped = true,
                b"," | b";" if depth == 0 => {
                    members.push(String::from_utf8_lossy(last.take()?).into_owned());
                    stopped = false;
                }
                _ => {}
            },
            _ => {}
        }
        k += 1;
    }
    // Whatever follows the last `;` must be nothing.
    (last.is_none() && depth == 0).then(|| members.into_boxed_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(text: &str, name: &str) -> Option<Vec<String>> {
        of(text, Dialect::C).get(name).cloned().flatten().map(Vec::from)
    }

    #[test]
    fn data_members_in_order() {
        let krb5 = "struct RpcRcvArgs {\n char* networkAddress;\n unsigned char* protocolSequence;\n ParseOpts::Opts* opts;\n RPC_STATUS status;\n} rpcargs = { NULL, (unsigned char*)\"ncalrpc\" };";
        assert_eq!(members(krb5, "RpcRcvArgs").unwrap(), ["networkAddress", "protocolSequence", "opts", "status"]);
        let more = "typedef struct _S { int a, *b; char buf[N + 1]; unsigned f : 3; struct { int x; } inner; const char *const p; } S, *PS;";
        let want = ["a", "b", "buf", "f", "inner", "p"];
        assert_eq!(members(more, "_S").unwrap(), want);
        assert_eq!(members(more, "S").unwrap(), want);
        assert!(!of(more, Dialect::C).contains_key("PS"));
        // The nested body is laid out too.
        assert_eq!(members(more, "inner"), None);
    }

    #[test]
    fn anything_but_data_members_has_no_known_order() {
        for text in [
            "struct S { int a; void f(int x); };",
            "struct S { int a; void (*cb)(int); };",
            "class S { public: int a; };",
            "struct S { static int n; int a; };",
            "struct S {\n#ifdef X\n int a;\n#endif\n int b; };",
            "struct S : Base { int a; };",
            "union S { int a; char b; };",
            "struct S { union { int a; int b; }; int c; };",
            "struct S { struct Inner { int x; }; int c; };",
            "struct S { int a; }; struct S { int b; };",
        ] {
            assert_eq!(of(text, Dialect::C).get("S"), Some(&None), "{text}");
        }
        // A use of a struct is no declaration.
        assert!(of("struct S *p; struct S s = { 1 }; struct S t { 2 };", Dialect::C).is_empty());
    }
}
