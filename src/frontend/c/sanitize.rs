//! Blanks out the Windows annotation macros tree-sitter cannot know about,
//! before parsing, so that real Windows code parses cleanly.
//!
//! `HRESULT WINAPI f(_In_ RPC_BINDING_HANDLE h)` has no preprocessor to
//! expand `WINAPI` (a calling convention) and `_In_` (a SAL annotation), so
//! tree-sitter reads `_In_` as the type and `RPC_BINDING_HANDLE` as the
//! parameter's name, and wraps `WINAPI` in an error. Replacing these words
//! (and SAL's parenthesised arguments) by spaces keeps every byte offset, so
//! spans still point into the original text. The same goes for the
//! `#ifdef __cplusplus` / `extern "C" {` / `#endif` guard of every header,
//! whose unbalanced brace would otherwise be a syntax error.
//!
//! Preprocessor lines, comments and literals (as the shared
//! [`crate::lexer`] finds them) are never touched.

use crate::frontend::is_handler_macro;
use crate::lexer::{Dialect, Kind, Lexer, Token};

/// Words that are only annotations: calling conventions, import/export
/// markers, old `IN`/`OUT` parameter annotations.
const WORDS: &[&str] = &[
    "UNALIGNED",
    "__UNALIGNED",
    "DECLSPEC_NOVTABLE",
    "DECLSPEC_SELECTANY",
    "ATL_NO_VTABLE",
    "WINAPI",
    "WINAPIV",
    "APIENTRY",
    "CALLBACK",
    "CDECL",
    "PASCAL",
    "STDMETHODCALLTYPE",
    "STDMETHODVCALLTYPE",
    "STDAPICALLTYPE",
    "STDAPIVCALLTYPE",
    "RPC_ENTRY",
    "RPC_VAR_ENTRY",
    "__RPC_USER",
    "__RPC_STUB",
    "__RPC_API",
    "__RPC_FAR",
    "__RPC_CALLEE",
    "SEC_ENTRY",
    "NTAPI",
    "NTSYSAPI",
    "NTSYSCALLAPI",
    "WSAAPI",
    "IMAGEAPI",
    "WINBASEAPI",
    "WINADVAPI",
    "WINUSERAPI",
    "DECLSPEC_IMPORT",
    "DECLSPEC_EXPORT",
    "DECLSPEC_NOTHROW",
    "DECLSPEC_NORETURN",
    "RPCRTAPI",
    "RPCNSAPI",
    "KSECDDDECLSPEC",
    "FORCEINLINE",
    "FAR",
    "NEAR",
    "IN",
    "OUT",
    "OPTIONAL",
    "EXTERN_C",
    "EXTERN_C_START",
    "EXTERN_C_END",
    "BEGIN_INTERFACE",
    "END_INTERFACE",
    // `STDMETHOD(Run)(THIS_ DWORD f) PURE;`: the pure-virtual `= 0`, and the
    // C-only `this` parameter.
    "PURE",
    "THIS_",
    "__BEGIN_DECLS",
    "__END_DECLS",
    // Wine's test prefix: `todo_wine ok(hr == S_OK, ...);` runs the check
    // as a known failure; as two words it does not parse.
    "todo_wine",
];

/// RPC's exception macros, rewritten to the SEH keywords they expand to
/// (padded with spaces to keep their length), and `windef.h`'s `CONST`.
const REWRITES: &[(&str, &str)] = &[
    ("CONST", "const"),
    ("RpcTryExcept", "__try"),
    ("RpcExcept", "__except"),
    ("RpcEndExcept", ""),
    ("RpcTryFinally", "__try"),
    ("RpcFinally", "__finally"),
    ("RpcEndFinally", ""),
    // APR's (and so httpd's and Subversion's) test of the Windows flavour:
    // `IF_WIN_OS_IS_UNICODE { .. } ELSE_WIN_OS_IS_ANSI { .. }`, both arms kept.
    ("IF_WIN_OS_IS_UNICODE", "if (win_os_unicode)"),
    ("ELSE_WIN_OS_IS_ANSI", "else"),
];

/// Macros that take one parenthesised argument and only annotate:
/// `STDMETHODIMP_(ULONG)` is a return type the lowering does not need.
/// Wine's `todo_wine_if(cond) ok(...)` is the conditional form of `todo_wine`.
const WRAPPERS: &[&str] =
    &["STDMETHODIMP_", "STDAPI_", "IFACEMETHODIMP_", "DECLSPEC_ALIGN", "DECLSPEC_UUID", "todo_wine_if"];

/// A SAL annotation: `_In_`, `_Out_writes_(n)`, `_COM_Outptr_`, or an old
/// `__in`, `__out_ecount(n)`.
fn is_sal(word: &str) -> bool {
    let b = word.as_bytes();
    let modern = b.len() >= 4
        && b.first() == Some(&b'_')
        && b.get(1).is_some_and(u8::is_ascii_uppercase)
        && b.last() == Some(&b'_')
        && b.iter().any(u8::is_ascii_lowercase);
    let old = matches!(word, "__in" | "__out" | "__inout" | "__reserved" | "__checkReturn" | "__callback")
        || ["__in_", "__out_", "__inout_", "__deref_"].iter().any(|p| word.starts_with(p));
    modern || old
}

/// The text with annotations blanked, or `None` when there is nothing to blank.
pub(crate) fn sanitize(text: &str) -> Option<String> {
    let mut out: Option<Vec<u8>> = None;
    blank_cplusplus_guards(text, &mut out);
    blank_words(text, &mut out);
    out.and_then(|v| String::from_utf8(v).ok())
}

fn blank(text: &str, out: &mut Option<Vec<u8>>, range: std::ops::Range<usize>) {
    let buf = out.get_or_insert_with(|| text.as_bytes().to_vec());
    if let Some(slice) = buf.get_mut(range) {
        for b in slice {
            if *b != b'\n' && *b != b'\r' {
                *b = b' ';
            }
        }
    }
}

/// `#ifdef __cplusplus` + `extern "C" {` (or `}`) + `#endif` on three
/// lines in a row: the three lines blanked.
fn blank_cplusplus_guards(text: &str, out: &mut Option<Vec<u8>>) {
    if !text.contains("__cplusplus") {
        return;
    }
    let b = text.as_bytes();
    let newlines = |from: usize, to: usize| memchr::memchr_iter(b'\n', &b[from..to]).count();
    let code: Vec<Token> = Lexer::new(b, Dialect::C).filter(|t| !t.is_comment()).collect();
    let words = |ts: &[Token]| -> Vec<&[u8]> { ts.iter().map(|t| t.text(b)).collect() };
    for (k, t) in code.iter().enumerate() {
        if t.kind != Kind::Directive {
            continue;
        }
        let Some(end) = code[k..].iter().position(|t| t.kind == Kind::DirectiveEnd).map(|e| k + e) else { continue };
        let open: &[&[u8]] = &words(&code[k + 1..end]);
        let guard = matches!(
            open,
            [b"ifdef", b"__cplusplus"]
                | [b"if", b"defined", b"__cplusplus"]
                | [b"if", b"defined", b"(", b"__cplusplus", b")"]
        );
        // The body: the tokens up to the next directive, all on the next line.
        let Some(hash) = code[end..].iter().position(|t| t.kind == Kind::Directive).map(|h| end + h) else { continue };
        let body = &code[end + 1..hash];
        let body_words: &[&[u8]] = &words(body);
        let one_line = body.first().zip(body.last()).is_some_and(|(first, last)| {
            newlines(code[end].start, first.start) == 1
                && newlines(first.start, last.end) == 0
                && newlines(last.end, code[hash].start) == 1
        });
        let closes = code.get(hash + 1).is_some_and(|t| t.text(b) == b"endif");
        if guard && one_line && closes && matches!(body_words, [b"extern", b"\"C\"", b"{"] | [b"}"]) {
            let stop = code[hash..].iter().find(|t| t.kind == Kind::DirectiveEnd).map_or(b.len(), |t| t.start);
            blank(text, out, t.start..stop);
        }
    }
}

fn blank_words(text: &str, out: &mut Option<Vec<u8>>) {
    let bytes = text.as_bytes();
    let mut lexer = Lexer::new(bytes, Dialect::C);
    let mut in_directive = false;
    // For the handler macros of a try block: the braces open now (with the
    // `try` before each, if any), the last token, and the try block that
    // the last `}` closed (its `try`, the `}`'s end).
    let mut braces: Vec<Option<usize>> = Vec::new();
    let mut prev: Option<Token> = None;
    let mut closed_try: Option<(usize, usize)> = None;
    while let Some(t) = lexer.next() {
        match t.kind {
            Kind::Directive => in_directive = true,
            Kind::DirectiveEnd => in_directive = false,
            _ => {}
        }
        if in_directive || t.is_comment() || t.kind == Kind::DirectiveEnd {
            continue;
        }
        let after_try = closed_try.take().filter(|&(_, end)| prev.is_some_and(|p| p.end == end)).map(|(at, _)| at);
        let before = prev.replace(t);
        if t.kind == Kind::Punct {
            match t.text(bytes) {
                b"{" => braces.push(before.filter(|p| p.text(bytes) == b"try").map(|p| p.start)),
                b"}" => closed_try = braces.pop().flatten().map(|at| (at, t.end)),
                _ => {}
            }
            continue;
        }
        if t.kind != Kind::Ident {
            continue;
        }
        let (start, i) = (t.start, t.end);
        let word = text.get(start..i).unwrap_or("");
        if WORDS.contains(&word) {
            blank(text, out, start..i);
        } else if let Some((_, to)) = REWRITES.iter().find(|(from, _)| *from == word) {
            blank(text, out, start..i);
            if let Some(buf) = out.as_mut().and_then(|b| b.get_mut(start..start + to.len())) {
                buf.copy_from_slice(to.as_bytes());
            }
        } else if matches!(word, "STDMETHOD" | "IFACEMETHOD" | "STDMETHOD_" | "IFACEMETHOD_") {
            // `STDMETHOD(Run)(..)` is `HRESULT Run(..)`; `STDMETHOD_(ULONG, AddRef)(..)`
            // is `ULONG AddRef(..)`: keep the names, blank the punctuation.
            if let Some((open, comma, end)) = args(bytes, &mut lexer) {
                blank(text, out, start..i);
                if !word.ends_with('_') {
                    if let Some(buf) = out.as_mut().and_then(|b| b.get_mut(start..start + 7)) {
                        buf.copy_from_slice(b"HRESULT");
                    }
                }
                blank(text, out, open..open + 1);
                blank(text, out, end - 1..end);
                if let (true, Some(comma)) = (word.ends_with('_'), comma) {
                    blank(text, out, comma..comma + 1);
                }
            }
        } else if word == "MIDL_INTERFACE" {
            // `MIDL_INTERFACE("uuid") IFoo : public IUnknown` is a struct.
            let end = args(bytes, &mut lexer).map_or(i, |(_, _, end)| end);
            blank(text, out, start..end);
            if let Some(buf) = out.as_mut().and_then(|b| b.get_mut(start..start + 6)) {
                buf.copy_from_slice(b"struct");
            }
        } else if let Some(try_at) = after_try.filter(|_| is_handler_macro(word.as_bytes())) {
            // wil's `HRESULT f() try { .. } CATCH_RETURN()`: the macro is a
            // `catch (...) { .. }` tree-sitter cannot see. Blanking it and the
            // `try` leaves the body as a plain block (the handler's path is
            // lost, the body's calls are read).
            if let Some((_, _, end)) = args(bytes, &mut lexer) {
                blank(text, out, try_at..try_at + 3);
                blank(text, out, start..end);
            }
        } else if WRAPPERS.contains(&word) || is_sal(word) {
            let end = args(bytes, &mut lexer).map_or(i, |(_, _, end)| end);
            blank(text, out, start..end);
        }
    }
}

/// If `( .. )` follows on the same line as the lexer's position (after
/// blanks), within 1 KiB and without `;`, `{` or `}`: the positions of its
/// `(`, of its first `,` at depth 1 and after its `)`, with the lexer moved
/// past it.
fn args(bytes: &[u8], lexer: &mut Lexer<'_>) -> Option<(usize, Option<usize>, usize)> {
    let mut ahead = lexer.clone();
    let open = ahead.next().filter(|t| t.text(bytes) == b"(")?;
    let gap = bytes.get(lexer.pos()..open.start)?;
    if !gap.iter().all(|&c| c == b' ' || c == b'\t') {
        return None;
    }
    let limit = open.start + 1024;
    let (mut depth, mut comma) = (1usize, None);
    for t in ahead.by_ref().filter(|t| !t.is_comment()) {
        // A preprocessor line inside the parentheses (`_In_ (\n#if X ...`) is
        // not an argument list to blank: directives are never touched.
        if t.start >= limit || t.kind == Kind::Directive {
            return None;
        }
        match t.text(bytes) {
            b"(" => depth += 1,
            b")" => {
                depth -= 1;
                if depth == 0 {
                    *lexer = ahead;
                    return Some((open.start, comma, t.end));
                }
            }
            b"," if depth == 1 && comma.is_none() => comma = Some(t.start),
            b";" | b"{" | b"}" => return None,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: &str) -> String {
        sanitize(t).unwrap_or_else(|| t.to_string())
    }

    #[test]
    fn blanks_annotations_keeping_offsets() {
        let t = "HRESULT WINAPI f(_In_ RPC_BINDING_HANDLE h, _In_reads_(n) BYTE *p, __in_opt PVOID q)";
        let out = s(t);
        assert_eq!(out.len(), t.len());
        assert_eq!(out, "HRESULT        f(     RPC_BINDING_HANDLE h,               BYTE *p,          PVOID q)");
        assert_eq!(s("STDMETHODIMP_(ULONG) C::Release()"), "                     C::Release()");
    }

    #[test]
    fn leaves_directives_literals_and_comments() {
        let t = "#define WINAPI __stdcall\n#define X \\\n  WINAPI\nx = \"WINAPI\"; /* WINAPI */ // _In_\n__int64 v; INFO i;";
        assert_eq!(sanitize(t), None);
        assert_eq!(s("y = R\"(WINAPI)\" WINAPI"), "y = R\"(WINAPI)\"       ");
    }

    #[test]
    fn a_directive_inside_the_parentheses_is_kept() {
        assert_eq!(sanitize("_In_ (\n#)"), Some("     (\n#)".to_string()));
    }

    #[test]
    fn com_method_macros() {
        assert_eq!(s("STDMETHOD(Run)(BSTR n)"), "HRESULT   Run (BSTR n)");
        assert_eq!(s("STDMETHOD_(ULONG, AddRef)()"), "           ULONG  AddRef ()");
        assert_eq!(s("STDMETHOD(Run)(THIS_ DWORD f) PURE;"), "HRESULT   Run (      DWORD f)     ;");
    }

    #[test]
    fn wine_todo_prefixes() {
        assert_eq!(s("todo_wine ok(hr == S_OK, \"x\");"), "          ok(hr == S_OK, \"x\");");
        let t = "todo_wine_if(a > 1) ok(hr, \"x\");";
        assert_eq!(s(t), format!("{}ok(hr, \"x\");", " ".repeat(20)));
    }

    #[test]
    fn midl_interface_is_a_struct() {
        let t = "MIDL_INTERFACE(\"0000\") IFoo : public IUnknown {";
        assert_eq!(s(t), "struct                 IFoo : public IUnknown {");
    }

    #[test]
    fn rewrites_rpc_exception_macros() {
        let t = "RpcTryExcept { a(); } RpcExcept(1) { b(); } RpcEndExcept";
        assert_eq!(s(t), "__try        { a(); } __except (1) { b(); }             ");
        assert_eq!(s("void f(CONST PVOID p);"), "void f(const PVOID p);");
        let t = "IF_WIN_OS_IS_UNICODE { a(); } ELSE_WIN_OS_IS_ANSI { b(); }";
        assert_eq!(s(t), "if (win_os_unicode)  { a(); } else                { b(); }");
    }

    #[test]
    fn wil_handler_macros_end_a_try_block() {
        let t = "HRESULT C::F() noexcept\ntry\n{\n    g();\n}\nCATCH_RETURN()\n";
        let out = s(t);
        assert_eq!(out.len(), t.len());
        assert_eq!(out, "HRESULT C::F() noexcept\n   \n{\n    g();\n}\n              \n");
        let t = "void f() { try { g(); } CATCH_LOG_MSG(\"x %d\", 1) h(); }";
        assert_eq!(s(t), format!("void f() {{     {{ g(); }} {} h(); }}", " ".repeat(24)));
        // Not after a try block: a call, kept.
        assert_eq!(sanitize("void f() { { g(); } CATCH_LOG(); }"), None);
        assert_eq!(sanitize("void f() { try { g(); } catch (...) {} CATCH_LOG(); }"), None);
    }

    #[test]
    fn blanks_extern_c_guards() {
        let t =
            "#ifdef __cplusplus\nextern \"C\" {\n#endif\nint x;\n#ifdef __cplusplus\n}  /* extern \"C\" */\n#endif\n";
        let out = s(t);
        assert_eq!(out.len(), t.len());
        assert_eq!(out.trim(), "int x;");
        let t = "#if defined(__cplusplus)\nclass A {};\n#endif\n";
        assert_eq!(sanitize(t), None);
    }
}
