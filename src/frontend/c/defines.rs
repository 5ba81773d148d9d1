//! Object-like `#define` lines lowered to constants without tree-sitter:
//! the constant search (phase 2) mostly wants a few `#define`s of a large
//! header (`GENERIC_ALL` in `winnt.h`), whose values [`super::macro_expr`]
//! parses from text anyway. What tree-sitter would take as the define's
//! name and value (`preproc_def`, `preproc_arg`) is read here from the
//! bytes, the same way; a line this cannot read as surely as tree-sitter
//! would (a `/` ending a line inside the value, an identifier with `$`)
//! makes the caller parse the file with tree-sitter instead.

use super::macro_expr;
use crate::frontend::builder::FnBuilder;
use crate::ir::{ConstDef, ConstKind, FileIr, Problem, Span};

/// The constants of the `#define` lines at `lines` (each from its `#` to
/// its end, as the lexer gives directives), as [`super::lower`] with
/// [`crate::frontend::Depth::ConstsOnly`] would lower a text holding only
/// them; `None` when a line is not one this reads surely.
pub(crate) fn lower_defines(text: &str, lines: &[(usize, usize)]) -> Option<FileIr> {
    let mut cb = FnBuilder::const_scope();
    let mut consts = Vec::new();
    let mut problems = Vec::new();
    for &(start, end) in lines {
        let Some(def) = preproc_def(text.as_bytes(), start, end)? else { continue };
        let value_text = text.get(def.value.0..def.value.1)?;
        let (value, too_deep) = macro_expr::lower_define(&mut cb, value_text, def.value.0);
        if too_deep && problems.is_empty() {
            let message = "nesting too deep: this region was not analysed".to_string();
            problems.push(Problem { span: Span::new(def.value.0, def.value.1), message });
        }
        let name = text.get(def.name.0..def.name.1)?.to_string();
        consts.push(ConstDef {
            name,
            value,
            span: Span::new(start, def.value.1),
            kind: ConstKind::Define,
            internal: true,
        });
    }
    let const_scope = cb.finish_const_scope();
    Some(FileIr { consts, const_scope, problems, ..FileIr::default() })
}

/// Where a `#define` line's name and value are, as tree-sitter reads them.
struct Def {
    name: (usize, usize),
    value: (usize, usize),
}

/// The `#define` at `b[start..end]`: `Some(None)` when it defines no
/// constant (a function-like macro, no value), `None` when it is not read
/// surely.
///
/// Tree-sitter's `preproc_def` is `#[ \t]*define`, the name, then an
/// optional `preproc_arg`, `/\S([^/\n]|\/[^*]|\\\r?\n)*/`, after blanks,
/// line splices and comments: the value runs from its first non-blank byte
/// to the line end or a `/*`, whichever comes first, and holds any `//`.
fn preproc_def(b: &[u8], start: usize, end: usize) -> Option<Option<Def>> {
    let end = end.min(b.len());
    let mut i = start;
    if b.get(i) != Some(&b'#') {
        return None;
    }
    i += 1;
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    if !b.get(i..)?.starts_with(b"define") {
        return None;
    }
    i += b"define".len();
    i = skip_extras(b, i, end)?;
    let name_start = i;
    while i < end && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
        i += 1;
    }
    let name = (name_start, i);
    // An identifier tree-sitter reads further (`$`, non-ASCII letters), or none.
    if name.0 == name.1 || b[name.0].is_ascii_digit() || b.get(i).is_some_and(|c| *c == b'$' || !c.is_ascii()) {
        return None;
    }
    // `#define F(x)`: a function-like macro defines no constant.
    if b.get(i) == Some(&b'(') {
        return Some(None);
    }
    let name_end = i;
    i = skip_extras(b, i, end)?;
    // No value: the line ends, or a `//` comment ends it. After a blank or
    // a comment, tree-sitter takes the next line for the value
    // (`#define X \n#endif`): not read here.
    if i >= end || matches!(b.get(i), Some(b'\n' | b'\r')) || b[i..].starts_with(b"//") {
        return if i == name_end { Some(None) } else { None };
    }
    let value_start = i;
    while i < end {
        match b[i] {
            b'\n' => break,
            b'/' if b.get(i + 1) == Some(&b'*') => break,
            // `\/[^*]`: a `/` takes the byte after it, even a line end.
            b'/' if matches!(b.get(i + 1), None | Some(b'\n' | b'\r')) => return None,
            b'/' => i += 2,
            b'\\' => i += splice_len(b, i).unwrap_or(1),
            _ => i += 1,
        }
    }
    Some(Some(Def { name, value: (value_start, i.min(end)) }))
}

/// Past the blanks, line splices and one-line block comments at `i`, within
/// the line; `None` at a block comment that goes on to another line.
fn skip_extras(b: &[u8], mut i: usize, end: usize) -> Option<usize> {
    while i < end {
        match b[i] {
            b' ' | b'\t' | 0x0b | 0x0c => i += 1,
            b'\r' if b.get(i + 1) != Some(&b'\n') => i += 1,
            b'\\' => match splice_len(b, i) {
                Some(n) => i += n,
                None => return Some(i),
            },
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let close = memchr::memmem::find(b.get(i + 2..end)?, b"*/")?;
                if b[i + 2..i + 2 + close].contains(&b'\n') {
                    return None;
                }
                i += close + 4;
            }
            _ => return Some(i),
        }
    }
    Some(i)
}

/// The length of a line splice at `i` (`\` then `\n` or `\r\n`).
fn splice_len(b: &[u8], i: usize) -> Option<usize> {
    match (b.get(i), b.get(i + 1), b.get(i + 2)) {
        (Some(b'\\'), Some(b'\n'), _) => Some(2),
        (Some(b'\\'), Some(b'\r'), Some(b'\n')) => Some(3),
        _ => None,
    }
}

/// Whether a conditional directive's condition might be one the C
/// frontend decides (`#if 0`, `#if !FALSE && X`), which would make the
/// `#define`s in one arm dead: it is one only if a bare number or
/// `TRUE`/`FALSE`/`true`/`false` is an operand of `!`, `&&`, `||` or
/// parentheses. `#ifdef` and `#else` never are.
pub(crate) fn may_be_decided(line: &[u8]) -> bool {
    use crate::lexer::{Dialect, Kind, Lexer};
    let rest = line.strip_prefix(b"#").unwrap_or(line).trim_ascii_start();
    let word_len = rest.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    if !matches!(&rest[..word_len], b"if" | b"elif") {
        return false;
    }
    let cond = &rest[word_len..];
    // Operands between `&&` and `||`, less parentheses and `!`.
    let mut operand: Vec<(Kind, &[u8])> = Vec::new();
    let decided = |operand: &[(Kind, &[u8])]| match operand {
        [(Kind::Number, _)] => true,
        [(Kind::Ident, w)] => matches!(*w, b"TRUE" | b"FALSE" | b"true" | b"false"),
        _ => false,
    };
    let tokens = Lexer::fragment(cond, Dialect::C);
    for t in tokens {
        let text = t.text(cond);
        match t.kind {
            Kind::LineComment | Kind::BlockComment => {}
            Kind::Punct if matches!(text, b"(" | b")" | b"!" | b"\\") => {}
            Kind::Punct if matches!(text, b"&" | b"|") => {
                if decided(&operand) {
                    return true;
                }
                operand.clear();
            }
            kind => operand.push((kind, text)),
        }
    }
    decided(&operand)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::Depth;
    use crate::lexer::{Dialect, Kind, Lexer};

    /// The `#define` lines of `text` at file level, as focus finds them.
    fn define_lines(text: &str) -> Vec<(usize, usize)> {
        let b = text.as_bytes();
        let mut out = Vec::new();
        let mut start = None;
        for t in Lexer::new(b, Dialect::C) {
            match t.kind {
                Kind::Directive => start = Some(t.start),
                Kind::DirectiveEnd => {
                    if let Some(s) = start.take() {
                        if b[s + 1..].trim_ascii_start().starts_with(b"define") {
                            out.push((s, t.end));
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// The constants with their spans, as text.
    fn consts(ir: &FileIr) -> Vec<String> {
        let dump = ir.dump();
        let values: Vec<&str> = dump.lines().collect();
        ir.consts.iter().zip(values).map(|(c, v)| format!("{v} @{}..{}", c.span.start, c.span.end)).collect()
    }

    /// Both ways of lowering agree on `text`, which holds only defines
    /// (and the conditionals no constant decides); `None` if this module
    /// declined.
    fn agree(text: &str) -> Option<()> {
        let lines = define_lines(text);
        let ours = lower_defines(text, &lines)?;
        for cpp in [false, true] {
            let theirs = super::super::lower(text, cpp, Depth::ConstsOnly);
            assert_eq!(consts(&ours), consts(&theirs), "{text:?}");
        }
        Some(())
    }

    #[test]
    fn defines_lower_as_tree_sitter_lowers_them() {
        let cases = [
            "#define A 1\n",
            "#define A 1",
            "#  define\tB (A | 2)   \n",
            "#define C 0x10L // a comment\n",
            "#define C2 3 // a comment \\\n  on two lines\n",
            "#define D 4 /* a comment */\n",
            "#define D2 /* before */ 5\n",
            "#define E L\"a/b\" \\\n    L\"c\"\n",
            "#define F(x) ((x) + 1)\n#define G (F(2))\n",
            "#define H\n#define H2\r\n#define H3",
            "#define K 6\r\n#define L2 (K * 2)\r\n",
            "#define M \\\n   7\n",
            "#define N (1 / 2)\n#define O TEXT(\"x\")\n",
            "#ifdef X\n#define P 1\n#else\n#define P 2\n#endif\n",
            "#if defined(X) && Y > 3\n#define Q 1\n#elif Z\n#define Q 2\n#endif\n",
            "#define R ((DWORD)0x80000000)\n#define S (R|0x1)\n",
            "#define T 'x'\n#define U -1\n#define V ~0u\n",
            "#define W (((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))))\n",
        ];
        for case in cases {
            assert_eq!(agree(case), Some(()), "declined: {case:?}");
        }
    }

    #[test]
    fn unsure_lines_are_declined() {
        assert!(lower_defines("#define A 1 /\n 2\n", &[(0, 13)]).is_none(), "a / ending the line");
        assert!(lower_defines("#define A$B 1\n", &[(0, 13)]).is_none(), "a $ in the name");
        assert!(lower_defines("#define /* a\n */ A 1\n", &[(0, 20)]).is_none(), "a comment over lines");
        for no_value in ["#define A \n#endif\n", "#define A /* c */\n", "#define A // c\n"] {
            assert!(lower_defines(no_value, &[(0, no_value.find('\n').unwrap_or(0))]).is_none(), "{no_value:?}");
        }
    }

    #[test]
    fn only_literal_operands_may_decide_a_condition() {
        for line in ["#if 0", "#if 1", "# if !FALSE", "#elif (0 && X)", "#if X || (1)", "#if true"] {
            assert!(may_be_decided(line.as_bytes()), "{line}");
        }
        for line in ["#ifdef X", "#else", "#endif", "#if X > 0", "#if defined(X) && !defined(Y)", "#if (A + 1)"] {
            assert!(!may_be_decided(line.as_bytes()), "{line}");
        }
    }
}
