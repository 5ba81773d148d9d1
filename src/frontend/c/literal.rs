//! C and C++ literals: integers, character constants and string literals,
//! decoded from their source text. Shared by the tree-sitter lowering and the
//! `#define` parser, so both read `0xFFFFFFFFul`, `L'\n'` or `L"\\\\.\\pipe"`
//! the same way.

use crate::ir::StrLit;

/// An integer literal (`42`, `0x2A`, `052`, `0b101`, `1'000`, with any of the
/// suffixes `u l ul ll ull i64 ui64 z`), as a 64-bit two's complement pattern.
/// A leading `-` (tree-sitter-c folds it into the literal) negates. Floating
/// literals and anything malformed give `None`.
pub(super) fn parse_int(text: &str) -> Option<u64> {
    let t = text.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, t),
    };
    let bytes = t.as_bytes();
    if bytes.first().is_none_or(|b| !b.is_ascii_digit()) {
        return None;
    }
    let (radix, digits) = if let Some(r) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        (16, r)
    } else if let Some(r) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
        (2, r)
    } else if t.len() > 1 && t.starts_with('0') {
        (8, &t[1..])
    } else {
        (10, t)
    };
    let mut value: u64 = 0;
    let mut seen = false;
    let mut rest = "";
    for (i, ch) in digits.char_indices() {
        if ch == '\'' {
            continue;
        }
        match ch.to_digit(radix) {
            Some(d) => {
                value = value.wrapping_mul(u64::from(radix)).wrapping_add(u64::from(d));
                seen = true;
            }
            None => {
                rest = &digits[i..];
                break;
            }
        }
    }
    if !seen && radix != 8 {
        return None;
    }
    if !is_int_suffix(rest) {
        return None;
    }
    Some(if neg { value.wrapping_neg() } else { value })
}

fn is_int_suffix(s: &str) -> bool {
    if s.is_empty() {
        return true;
    }
    let lower = s.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "u" | "l"
            | "ul"
            | "lu"
            | "ll"
            | "ull"
            | "llu"
            | "z"
            | "uz"
            | "zu"
            | "i8"
            | "i16"
            | "i32"
            | "i64"
            | "ui8"
            | "ui16"
            | "ui32"
            | "ui64"
            | "n"
    )
}

/// The string prefix of a literal: whether it is wide (`L`, `u`, `U`) and
/// whether it is raw (`R"(..)"`). Returns the rest after the prefix.
fn split_prefix(text: &str) -> Option<(bool, bool, &str)> {
    let quote = text.find(['"', '\''])?;
    let prefix = &text[..quote];
    let rest = &text[quote..];
    let (wide, raw) = match prefix {
        "" => (false, false),
        "L" | "u" | "U" => (true, false),
        "u8" => (false, false),
        "R" | "u8R" => (false, true),
        "LR" | "uR" | "UR" => (true, true),
        _ => return None,
    };
    Some((wide, raw, rest))
}

/// A string literal's text (`"a\n"`, `L"x"`, `u8"y"`, `R"d(raw)d"`) decoded.
pub(super) fn parse_string(text: &str) -> Option<StrLit> {
    let (wide, raw, rest) = split_prefix(text.trim())?;
    let body = rest.strip_prefix('"')?;
    if raw {
        let open = body.find('(')?;
        let delim = &body[..open];
        let inner = &body[open + 1..];
        let close = format!("){delim}\"");
        let end = inner.rfind(close.as_str())?;
        return Some(StrLit { value: inner[..end].to_string(), wide });
    }
    // A literal cut short by an error still decodes up to where it ends.
    let body = body.strip_suffix('"').unwrap_or(body);
    Some(StrLit { value: unescape(body), wide })
}

/// A character constant (`'a'`, `L'\n'`, `'\x41'`, multi-character `'ab'`).
pub(super) fn parse_char(text: &str) -> Option<u64> {
    let (_, raw, rest) = split_prefix(text.trim())?;
    if raw {
        return None;
    }
    let body = rest.strip_prefix('\'')?.strip_suffix('\'')?;
    let mut value: u64 = 0;
    let mut any = false;
    for unit in escape_units(body) {
        value = (value << 8) | u64::from(unit);
        any = true;
        if unit > 0xFF {
            // A wide character: its code point is the value.
            value = u64::from(unit);
        }
    }
    any.then_some(value)
}

/// Decodes the escapes of a string literal's body into text. `\x` and octal
/// escapes above 0x7F become the character with that code point.
pub(super) fn unescape(body: &str) -> String {
    escape_units(body).map(|u| char::from_u32(u).unwrap_or(char::REPLACEMENT_CHARACTER)).collect()
}

/// The code units of a literal's body, escapes resolved.
fn escape_units(body: &str) -> impl Iterator<Item = u32> + '_ {
    let mut chars = body.chars().peekable();
    std::iter::from_fn(move || {
        loop {
            let c = chars.next()?;
            if c != '\\' {
                return Some(c as u32);
            }
            let e = chars.next()?;
            let unit = match e {
                'n' => 0x0A,
                't' => 0x09,
                'r' => 0x0D,
                'a' => 0x07,
                'b' => 0x08,
                'f' => 0x0C,
                'v' => 0x0B,
                'e' => 0x1B,
                '\n' => continue,
                '\r' => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    continue;
                }
                '0'..='7' => {
                    let mut v = e.to_digit(8).unwrap_or(0);
                    for _ in 0..2 {
                        match chars.peek().and_then(|c| c.to_digit(8)) {
                            Some(d) => {
                                v = v * 8 + d;
                                chars.next();
                            }
                            None => break,
                        }
                    }
                    v
                }
                'x' => {
                    let mut v: u32 = 0;
                    while let Some(d) = chars.peek().and_then(|c| c.to_digit(16)) {
                        v = v.wrapping_mul(16).wrapping_add(d);
                        chars.next();
                    }
                    v
                }
                'u' | 'U' => {
                    let n = if e == 'u' { 4 } else { 8 };
                    let mut v: u32 = 0;
                    for _ in 0..n {
                        match chars.peek().and_then(|c| c.to_digit(16)) {
                            Some(d) => {
                                v = v.wrapping_mul(16).wrapping_add(d);
                                chars.next();
                            }
                            None => break,
                        }
                    }
                    v
                }
                other => other as u32,
            };
            return Some(unit);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(parse_int("42"), Some(42));
        assert_eq!(parse_int("0x2A"), Some(42));
        assert_eq!(parse_int("052"), Some(42));
        assert_eq!(parse_int("0"), Some(0));
        assert_eq!(parse_int("0b101"), Some(5));
        assert_eq!(parse_int("1'000"), Some(1000));
        assert_eq!(parse_int("0xFFFFFFFFul"), Some(0xFFFF_FFFF));
        assert_eq!(parse_int("10L"), Some(10));
        assert_eq!(parse_int("10ULL"), Some(10));
        assert_eq!(parse_int("0x80000001i64"), Some(0x8000_0001));
        assert_eq!(parse_int("-1"), Some(u64::MAX));
        assert_eq!(parse_int("1.5"), None);
        assert_eq!(parse_int("1e5"), None);
        assert_eq!(parse_int("abc"), None);
        assert_eq!(parse_int("0x"), None);
    }

    #[test]
    fn strings() {
        let s = parse_string(r#""\\\\.\\pipe\\x""#).unwrap();
        assert_eq!(s.value, r"\\.\pipe\x");
        assert!(!s.wide);
        let s = parse_string(r#"L"a\tb\"c\0""#).unwrap();
        assert_eq!(s.value, "a\tb\"c\0");
        assert!(s.wide);
        assert!(parse_string(r#"u"x""#).unwrap().wide);
        assert!(parse_string(r#"U"x""#).unwrap().wide);
        assert!(!parse_string(r#"u8"x""#).unwrap().wide);
        assert_eq!(parse_string(r#""\x41\101\u00e9\U0001F600""#).unwrap().value, "AAé😀");
        assert_eq!(parse_string(r#"R"(a\b)""#).unwrap().value, r"a\b");
        assert_eq!(parse_string(r#"LR"xy(a)"b)xy""#).unwrap().value, r#"a)"b"#);
        assert_eq!(parse_string("\"a\\\nb\"").unwrap().value, "ab");
        assert_eq!(parse_string("\"cut"), Some(StrLit { value: "cut".into(), wide: false }));
        assert_eq!(parse_string("x\"y\""), None);
    }

    #[test]
    fn chars() {
        assert_eq!(parse_char("'a'"), Some(97));
        assert_eq!(parse_char(r"L'\n'"), Some(10));
        assert_eq!(parse_char(r"'\x41'"), Some(0x41));
        assert_eq!(parse_char(r"'\0'"), Some(0));
        assert_eq!(parse_char("'ab'"), Some(0x6162));
        assert_eq!(parse_char("L'é'"), Some(0xE9));
        assert_eq!(parse_char("''"), None);
    }
}
