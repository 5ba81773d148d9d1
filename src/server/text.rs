//! Buffer text and LSP positions: byte offsets to and from `Position`s in
//! the negotiated encoding (UTF-16 code units unless the client offers
//! UTF-8), and incremental edits applied to a buffer.

use lsp_types::{Position, Range, TextDocumentContentChangeEvent};

/// How a `Position`'s `character` counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Utf16,
}

/// Where each line of a text starts (LSP lines end at `\n`; a `\r` before
/// it belongs to the line's end).
pub(crate) struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    pub(crate) fn new(text: &'t str) -> Lines<'t> {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Lines { text, starts }
    }

    /// The position of a byte offset (clamped to the text, and back to a
    /// character boundary).
    pub(crate) fn position(&self, offset: usize, encoding: Encoding) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset).saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let before = self.text.get(start..offset).unwrap_or("");
        let character = match encoding {
            Encoding::Utf8 => before.len(),
            Encoding::Utf16 => before.chars().map(char::len_utf16).sum(),
        };
        Position { line: to_u32(line), character: to_u32(character) }
    }

    /// The byte offset of a position. A line past the end is the end of
    /// the text; a character past the line's end is the line's end (as the
    /// protocol says), and one inside a character is its start.
    pub(crate) fn offset(&self, position: Position, encoding: Encoding) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else { return self.text.len() };
        let end = self.starts.get(position.line as usize + 1).map_or(self.text.len(), |&e| e - 1);
        let line = self.text.get(start..end).unwrap_or("");
        let line = line.strip_suffix('\r').unwrap_or(line);
        let wanted = position.character as usize;
        let mut units = 0;
        for (i, c) in line.char_indices() {
            let width = match encoding {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
            if units + width > wanted {
                return start + i;
            }
            units += width;
        }
        start + line.len()
    }

    pub(crate) fn range(&self, start: usize, end: usize, encoding: Encoding) -> Range {
        Range { start: self.position(start, encoding), end: self.position(end, encoding) }
    }

    /// The leading blanks of a 0-based line.
    pub(crate) fn indent(&self, line: u32) -> &'t str {
        let Some(&start) = self.starts.get(line as usize) else { return "" };
        let rest = self.text.get(start..).unwrap_or("");
        let n = rest.bytes().take_while(|b| *b == b' ' || *b == b'\t').count();
        rest.get(..n).unwrap_or("")
    }

    /// The line end the text uses (`\r\n` when its first line ends so).
    pub(crate) fn line_end(&self) -> &'static str {
        match self.starts.get(1) {
            Some(&s) if s >= 2 && self.text.as_bytes().get(s - 2) == Some(&b'\r') => "\r\n",
            _ => "\n",
        }
    }
}

/// Applies one change of `textDocument/didChange`: a range replaced, or
/// (without a range) the whole text.
pub(crate) fn apply_change(text: &str, change: &TextDocumentContentChangeEvent, encoding: Encoding) -> String {
    match change.range {
        None => change.text.clone(),
        Some(range) => {
            let lines = Lines::new(text);
            let start = lines.offset(range.start, encoding);
            let end = lines.offset(range.end, encoding).max(start);
            let mut out = String::with_capacity(text.len() + change.text.len());
            out.push_str(text.get(..start).unwrap_or(""));
            out.push_str(&change.text);
            out.push_str(text.get(end..).unwrap_or(""));
            out
        }
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    #[test]
    fn positions_count_utf16_code_units_or_bytes() {
        // `é` is 2 bytes and 1 unit; `😀` 4 bytes and 2 units.
        let text = "ab\né😀x\r\ny";
        let lines = Lines::new(text);
        let x = text.find('x').expect("x");
        assert_eq!(lines.position(x, Encoding::Utf16), pos(1, 3));
        assert_eq!(lines.position(x, Encoding::Utf8), pos(1, 6));
        assert_eq!(lines.offset(pos(1, 3), Encoding::Utf16), x);
        assert_eq!(lines.offset(pos(1, 6), Encoding::Utf8), x);
        // Inside the surrogate pair: the character's start; past the end: before `\r\n`.
        assert_eq!(lines.offset(pos(1, 2), Encoding::Utf16), text.find('😀').expect("smiley"));
        assert_eq!(lines.offset(pos(1, 99), Encoding::Utf16), x + 1);
        assert_eq!(lines.offset(pos(9, 0), Encoding::Utf16), text.len());
        assert_eq!(lines.position(text.len() + 5, Encoding::Utf16), pos(2, 1));
        assert_eq!(lines.line_end(), "\n");
        assert_eq!(Lines::new("a\r\nb").line_end(), "\r\n");
        assert_eq!(Lines::new("a\n\t  b").indent(1), "\t  ");
    }

    #[test]
    fn incremental_changes() {
        let change = |range: Option<Range>, text: &str| TextDocumentContentChangeEvent {
            range,
            range_length: None,
            text: text.to_string(),
        };
        let text = "int a = 1;\nint b = 2;\n";
        let edited =
            apply_change(text, &change(Some(Range { start: pos(1, 8), end: pos(1, 9) }), "42"), Encoding::Utf16);
        assert_eq!(edited, "int a = 1;\nint b = 42;\n");
        let inserted =
            apply_change(&edited, &change(Some(Range { start: pos(2, 0), end: pos(2, 0) }), "x"), Encoding::Utf16);
        assert_eq!(inserted, "int a = 1;\nint b = 42;\nx");
        assert_eq!(apply_change(&inserted, &change(None, "new"), Encoding::Utf16), "new");
        // A reversed range deletes nothing.
        let reversed = Some(Range { start: pos(1, 3), end: pos(0, 0) });
        assert_eq!(apply_change("ab\ncd", &change(reversed, "X"), Encoding::Utf16), "ab\ncdX");
    }
}
