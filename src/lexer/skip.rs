//! Where each kind of token ends: comments, quoted and raw literals,
//! numbers, line splices. Each function takes the token's first byte (or
//! the quote after its prefix) and returns the index after its last.

use super::{Dialect, utf8_len};
use memchr::{memchr, memchr2, memchr3, memmem};

/// At a `\`: the index after it and the line end it splices (`\` then `\n`
/// or `\r\n`), or `None` when it splices nothing.
pub(super) fn splice(b: &[u8], i: usize) -> Option<usize> {
    match (b.get(i + 1), b.get(i + 2)) {
        (Some(b'\n'), _) => Some(i + 2),
        (Some(b'\r'), Some(b'\n')) => Some(i + 3),
        _ => None,
    }
}

/// The line end (or text end) of a `//` comment at `i`. In C a `\` at the
/// end of the line continues the comment on the next.
pub(super) fn line_comment_end(b: &[u8], i: usize, dialect: Dialect) -> usize {
    let mut from = i;
    loop {
        let Some(n) = memchr(b'\n', &b[from..]) else { return b.len() };
        let nl = from + n;
        let spliced = dialect == Dialect::C && (b[i..nl].ends_with(b"\\") || b[i..nl].ends_with(b"\\\r"));
        if !spliced {
            return nl;
        }
        from = nl + 1;
    }
}

/// The end of a `/* */` comment at `i` (nested in Rust), and whether it is closed.
pub(super) fn block_comment_end(b: &[u8], i: usize, nested: bool) -> (usize, bool) {
    if !nested {
        return match memmem::find(&b[i + 2..], b"*/") {
            Some(k) => (i + 2 + k + 2, true),
            None => (b.len(), false),
        };
    }
    let mut depth = 1usize;
    let mut j = i + 2;
    while let Some(k) = memchr2(b'*', b'/', &b[j..]) {
        j += k;
        match (b[j], b.get(j + 1)) {
            (b'*', Some(b'/')) => {
                depth -= 1;
                j += 2;
                if depth == 0 {
                    return (j, true);
                }
            }
            (b'/', Some(b'*')) => {
                depth += 1;
                j += 2;
            }
            _ => j += 1,
        }
    }
    (b.len(), false)
}

/// The end of a literal whose opening `quote` is at `q`, and whether it is
/// closed. Backslash escapes are skipped (a `\` before a line end splices
/// the line). A C literal ends, unterminated, at its line end, as the
/// compiler ends it; a Rust string spans lines.
pub(super) fn quoted_end(b: &[u8], q: usize, quote: u8, dialect: Dialect) -> (usize, bool) {
    let mut j = q + 1;
    loop {
        let rest = b.get(j..).unwrap_or(&[]);
        let found = match dialect {
            Dialect::C => memchr3(quote, b'\\', b'\n', rest),
            Dialect::Rust => memchr2(quote, b'\\', rest),
        };
        let Some(k) = found else { return (b.len(), false) };
        j += k;
        match b[j] {
            b'\\' => j += if b.get(j + 1) == Some(&b'\r') && b.get(j + 2) == Some(&b'\n') { 3 } else { 2 },
            b'\n' => return (j, false),
            _ => return (j + 1, true),
        }
    }
}

/// The end of a C++ raw string whose `"` is at `q` (`R"d( .. )d"`): `None`
/// when no valid delimiter (at most 16 characters, then `(`) follows it.
pub(super) fn cpp_raw_end(b: &[u8], q: usize) -> Option<(usize, bool)> {
    let rest = b.get(q + 1..)?;
    let open = rest.iter().take(17).position(|&c| c == b'(')?;
    let delim = &rest[..open];
    if delim.iter().any(|&c| matches!(c, b' ' | b')' | b'\\' | b'"') || c.is_ascii_control()) {
        return None;
    }
    let mut closing = Vec::with_capacity(delim.len() + 2);
    closing.push(b')');
    closing.extend_from_slice(delim);
    closing.push(b'"');
    let body = q + 1 + open + 1;
    Some(match memmem::find(&b[body..], &closing) {
        Some(k) => (body + k + closing.len(), true),
        None => (b.len(), false),
    })
}

/// The end of a Rust raw string whose `#`s or `"` start at `h` (after its
/// `r`, `br` or `cr`): `None` when no `"` follows the `#`s (`r#mod`).
pub(super) fn rust_raw_end(b: &[u8], h: usize) -> Option<(usize, bool)> {
    let hashes = b.get(h..)?.iter().take_while(|&&c| c == b'#').count();
    if b.get(h + hashes) != Some(&b'"') {
        return None;
    }
    let body = h + hashes + 1;
    let mut from = body;
    while let Some(k) = memchr(b'"', &b[from..]) {
        let quote = from + k;
        let close = quote + 1 + hashes;
        if b.get(quote + 1..close).is_some_and(|h| h.iter().all(|&c| c == b'#')) {
            return Some((close, true));
        }
        from = quote + 1;
    }
    Some((b.len(), false))
}

/// At a `'` in Rust: the end of the character literal it opens (`'x'`,
/// `'é'`, `'\n'`, `'\u{1F600}'`), or `None` for a lifetime or a stray quote.
pub(super) fn rust_char_end(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i + 1)? {
        // The longest escape is `'\u{10FFFF}'`.
        b'\\' => (i + 3..(i + 14).min(b.len())).find(|&j| b[j] == b'\'').map(|j| j + 1),
        c => {
            let after = i + 1 + utf8_len(c);
            (b.get(after) == Some(&b'\'')).then_some(after + 1)
        }
    }
}

/// The end of the number at `i`: in C a pp-number (`0x1Fu`, `1.5e+3f`,
/// `1'000`); in Rust digits, letters and `_`, a fraction and an exponent.
pub(super) fn number_end(b: &[u8], i: usize, dialect: Dialect) -> usize {
    let mut j = i + 1;
    while let Some(&d) = b.get(j) {
        let prev = b[j - 1];
        let next_alnum = b.get(j + 1).is_some_and(|e| e.is_ascii_alphanumeric() || *e == b'_');
        let next_digit = b.get(j + 1).is_some_and(u8::is_ascii_digit);
        let step = match dialect {
            Dialect::C => match d {
                b'+' | b'-' if matches!(prev, b'e' | b'E' | b'p' | b'P') => 1,
                b'\'' if next_alnum => 2,
                _ if d.is_ascii_alphanumeric() || d == b'_' || d == b'.' || d == b'$' || d >= 0x80 => 1,
                _ => 0,
            },
            Dialect::Rust => match d {
                b'.' if next_digit && !b[i..j].contains(&b'.') => 1,
                b'+' | b'-' if matches!(prev, b'e' | b'E') && next_digit && !b[i..j].starts_with(b"0x") => 1,
                _ if d.is_ascii_alphanumeric() || d == b'_' => 1,
                _ => 0,
            },
        };
        if step == 0 {
            break;
        }
        j += step;
    }
    j.min(b.len())
}
