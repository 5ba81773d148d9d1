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
//! Preprocessor lines, comments and literals are never touched.

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
pub(super) fn sanitize(text: &str) -> Option<String> {
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

/// The line without a trailing `//` or `/* */` comment, trimmed.
fn code_of(line: &str) -> &str {
    let mut l = line;
    if let Some(i) = l.find("//") {
        l = &l[..i];
    }
    if let Some(i) = l.find("/*") {
        l = &l[..i];
    }
    l.trim()
}

fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// `#ifdef __cplusplus` + `extern "C" {` (or `}`) + `#endif`: three lines blanked.
fn blank_cplusplus_guards(text: &str, out: &mut Option<Vec<u8>>) {
    if !text.contains("__cplusplus") {
        return;
    }
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        lines.push((at, line));
        at += line.len();
    }
    for w in lines.windows(3) {
        let [(s0, l0), (_, l1), (s2, l2)] = w else {
            continue;
        };
        let open = squash(code_of(l0));
        if !matches!(open.as_str(), "#ifdef__cplusplus" | "#ifdefined(__cplusplus)" | "#ifdefined__cplusplus") {
            continue;
        }
        let body = squash(code_of(l1));
        if body != "extern\"C\"{" && body != "}" {
            continue;
        }
        if !squash(code_of(l2)).starts_with("#endif") {
            continue;
        }
        blank(text, out, *s0..s2 + l2.len());
    }
}

fn blank_words(text: &str, out: &mut Option<Vec<u8>>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut line_start = true;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'\n' => {
                line_start = true;
                i += 1;
            }
            b' ' | b'\t' | b'\r' | b'\x0c' => i += 1,
            b'#' if line_start => i = directive_end(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |e| i + e);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = memchr::memmem::find(&bytes[i + 2..], b"*/").map_or(bytes.len(), |e| i + 2 + e + 2);
                line_start = false;
            }
            b'"' | b'\'' => {
                i = quoted_end(bytes, i);
                line_start = false;
            }
            b'0'..=b'9' => {
                while bytes.get(i).is_some_and(|&d| d.is_ascii_alphanumeric() || d == b'.' || d == b'\'' || d == b'_') {
                    i += 1;
                }
                line_start = false;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while bytes.get(i).is_some_and(|&d| d.is_ascii_alphanumeric() || d == b'_') {
                    i += 1;
                }
                line_start = false;
                let word = text.get(start..i).unwrap_or("");
                if bytes.get(i) == Some(&b'"') && matches!(word, "R" | "LR" | "uR" | "UR" | "u8R") {
                    i = raw_end(bytes, i);
                    continue;
                }
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
                    if let Some(end) = args_end(bytes, i) {
                        blank(text, out, start..i);
                        if !word.ends_with('_') {
                            if let Some(buf) = out.as_mut().and_then(|b| b.get_mut(start..start + 7)) {
                                buf.copy_from_slice(b"HRESULT");
                            }
                        }
                        let open = i + bytes.get(i..end).and_then(|r| r.iter().position(|&c| c == b'(')).unwrap_or(0);
                        blank(text, out, open..open + 1);
                        blank(text, out, end - 1..end);
                        if word.ends_with('_') {
                            if let Some(comma) = bytes.get(open..end).and_then(|r| r.iter().position(|&c| c == b',')) {
                                blank(text, out, open + comma..open + comma + 1);
                            }
                        }
                        i = end;
                    }
                } else if word == "MIDL_INTERFACE" {
                    // `MIDL_INTERFACE("uuid") IFoo : public IUnknown` is a struct.
                    let end = args_end(bytes, i).unwrap_or(i);
                    blank(text, out, start..end);
                    if let Some(buf) = out.as_mut().and_then(|b| b.get_mut(start..start + 6)) {
                        buf.copy_from_slice(b"struct");
                    }
                    i = end;
                } else if WRAPPERS.contains(&word) || is_sal(word) {
                    let end = args_end(bytes, i).unwrap_or(i);
                    blank(text, out, start..end);
                    i = end;
                }
            }
            _ => {
                line_start = false;
                i += 1;
            }
        }
    }
}

/// The end of a preprocessor directive starting at `i` (its newline, not
/// escaped by a backslash).
fn directive_end(bytes: &[u8], mut i: usize) -> usize {
    while let Some(e) = memchr::memchr(b'\n', bytes.get(i..).unwrap_or(&[])) {
        let nl = i + e;
        let before = bytes.get(..nl).unwrap_or(&[]);
        let escaped = before.ends_with(b"\\") || before.ends_with(b"\\\r");
        if !escaped {
            return nl;
        }
        i = nl + 1;
    }
    bytes.len()
}

fn quoted_end(bytes: &[u8], q: usize) -> usize {
    let quote = bytes.get(q).copied().unwrap_or(b'"');
    let mut i = q + 1;
    while let Some(&c) = bytes.get(i) {
        match c {
            b'\\' => i += 2,
            b'\n' => return i,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn raw_end(bytes: &[u8], q: usize) -> usize {
    let rest = bytes.get(q..).unwrap_or(&[]);
    let Some(open) = memchr::memchr(b'(', rest) else {
        return bytes.len();
    };
    let mut close = vec![b')'];
    close.extend_from_slice(rest.get(1..open).unwrap_or(&[]));
    close.push(b'"');
    memchr::memmem::find(rest.get(open..).unwrap_or(&[]), &close).map_or(bytes.len(), |e| q + open + e + close.len())
}

/// If `( .. )` follows position `i` (after spaces), the position after its `)`.
fn args_end(bytes: &[u8], mut i: usize) -> Option<usize> {
    while bytes.get(i).is_some_and(|&c| c == b' ' || c == b'\t') {
        i += 1;
    }
    if bytes.get(i) != Some(&b'(') {
        return None;
    }
    let mut depth = 0usize;
    let limit = (i + 1024).min(bytes.len());
    while i < limit {
        match bytes.get(i)? {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b';' | b'{' | b'}' => return None,
            _ => {}
        }
        i += 1;
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
