//! Source files: bytes in, text out, and byte offsets to lines and columns.
//!
//! Decoding never fails: UTF-8 (with or without BOM) is decoded lossily,
//! UTF-16 with a BOM (common for Windows sources) is transcoded. Offsets in
//! the IR and in diagnostics are byte offsets into the decoded text.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::ir::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

impl FileId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// How the bytes of a file were turned into text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    /// UTF-8 with invalid sequences replaced by U+FFFD.
    Utf8Lossy,
    Utf16Le,
    Utf16Be,
}

#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user named it (or as discovery found it).
    pub(crate) path: PathBuf,
    pub text: Arc<str>,
    pub(crate) encoding: Encoding,
    line_starts: Vec<u32>,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: Arc<str>, encoding: Encoding) -> SourceFile {
        let line_starts = line_starts(&text);
        SourceFile { path, text, encoding, line_starts }
    }

    /// The same file without its text, to hold while the run does not need
    /// it (memory stays bounded on large trees); see [`SourceFile::reload`].
    pub(crate) fn unloaded(&self) -> SourceFile {
        SourceFile { path: self.path.clone(), text: Arc::from(""), encoding: self.encoding, line_starts: vec![0] }
    }

    /// Whether the text was dropped by [`SourceFile::unloaded`] (or the file is empty).
    pub(crate) fn is_unloaded(&self) -> bool {
        self.text.is_empty()
    }

    /// Reads and decodes the file again; `false` (and the file unchanged) if
    /// it cannot be read any more.
    pub(crate) fn reload(&mut self) -> bool {
        match std::fs::read(&self.path) {
            Ok(bytes) => {
                count_read(bytes.len());
                *self = SourceFile::from_bytes(self.path.clone(), &bytes);
                true
            }
            Err(_) => false,
        }
    }

    /// Decodes `bytes` read from `path`.
    pub fn from_bytes(path: PathBuf, bytes: &[u8]) -> SourceFile {
        let (text, encoding) = decode(bytes);
        SourceFile::new(path, text.into(), encoding)
    }

    /// The path with forward slashes, as shown in output.
    pub fn display_path(&self) -> String {
        display_path(&self.path)
    }

    /// 0-based line index of a byte offset.
    pub(crate) fn line_index(&self, offset: u32) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    pub(crate) fn line_start(&self, line_index: usize) -> Option<usize> {
        self.line_starts.get(line_index).map(|&s| s as usize)
    }

    pub(crate) fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// 1-based line and 1-based column (in Unicode scalar values) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let line = self.line_index(offset);
        let start = self.line_starts.get(line).copied().unwrap_or(0) as usize;
        let end = (offset as usize).min(self.text.len());
        let col = self.text.get(start..end).map_or(end.saturating_sub(start), |s| s.chars().count());
        (line + 1, col + 1)
    }

    /// The text of a span, if the span is valid for this file.
    pub(crate) fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

/// A path as human and short output show it: as the user wrote it (see
/// [`crate::paths::text::shown`]).
pub fn display_path(path: &Path) -> String {
    crate::paths::display(path)
}

fn line_starts(text: &str) -> Vec<u32> {
    let mut starts = vec![0u32];
    starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX)));
    starts
}

/// Decodes source bytes: BOM-marked UTF-16 and UTF-8, else lossy UTF-8.
pub(crate) fn decode(bytes: &[u8]) -> (String, Encoding) {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return decode_utf8(rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return (decode_utf16(rest, u16::from_le_bytes), Encoding::Utf16Le);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return (decode_utf16(rest, u16::from_be_bytes), Encoding::Utf16Be);
    }
    decode_utf8(bytes)
}

fn decode_utf8(bytes: &[u8]) -> (String, Encoding) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), Encoding::Utf8),
        Err(_) => (String::from_utf8_lossy(bytes).into_owned(), Encoding::Utf8Lossy),
    }
}

fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let units = bytes.chunks_exact(2).map(|c| unit([c[0], c[1]]));
    char::decode_utf16(units).map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER)).collect()
}

/// Bytes read from files by this process (`RPCLINT_TIMINGS=1` prints them
/// per phase: the tree once, plus what is read again).
static BYTES_READ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Counts `n` bytes read from a file.
pub(crate) fn count_read(n: usize) {
    BYTES_READ.fetch_add(u64::try_from(n).unwrap_or(u64::MAX), std::sync::atomic::Ordering::Relaxed);
}

/// Bytes read from files so far.
pub(crate) fn bytes_read() -> u64 {
    BYTES_READ.load(std::sync::atomic::Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_with_bom_is_transcoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "int x;\r\n".encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        let (text, enc) = decode(&bytes);
        assert_eq!(text, "int x;\r\n");
        assert_eq!(enc, Encoding::Utf16Le);
    }

    #[test]
    fn columns_count_characters_and_crlf_lines() {
        let f = SourceFile::new("a.c".into(), "a\r\né = f();\n".into(), Encoding::Utf8);
        let off = f.text.find('f').unwrap() as u32;
        assert_eq!(f.line_col(off), (2, 5));
    }
}
