//! A file's text as stored on disk: its encoding (UTF-8 with or without a
//! BOM, UTF-16 LE or BE with one) found from its bytes, the text encoded
//! back the same way, and the atomic write (a temporary file in the same
//! directory, renamed over the original, with its permissions).
//!
//! Line endings and the final newline are the text's own: edits never add
//! or remove a line break, so writing the edited text keeps them.

use std::io::{self, Write};
use std::path::Path;

use crate::source::{Encoding, decode};

/// How a file's bytes hold its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    Utf8 { bom: bool },
    Utf16Le,
    Utf16Be,
}

/// The decoded text and how it was stored; `None` when writing the text
/// back would not give the same bytes (invalid UTF-8, an odd UTF-16 byte, a
/// lone surrogate): such a file is never rewritten.
pub fn read(bytes: &[u8]) -> Option<(String, Stored)> {
    let (text, encoding) = decode(bytes);
    let stored = match encoding {
        Encoding::Utf8 => Stored::Utf8 { bom: bytes.starts_with(&[0xEF, 0xBB, 0xBF]) },
        Encoding::Utf8Lossy => return None,
        Encoding::Utf16Le => Stored::Utf16Le,
        Encoding::Utf16Be => Stored::Utf16Be,
    };
    (encode(&text, stored) == bytes).then_some((text, stored))
}

/// `text` as bytes stored the way `stored` says.
pub fn encode(text: &str, stored: Stored) -> Vec<u8> {
    match stored {
        Stored::Utf8 { bom } => {
            let mut out = if bom { vec![0xEF, 0xBB, 0xBF] } else { Vec::new() };
            out.extend_from_slice(text.as_bytes());
            out
        }
        Stored::Utf16Le => [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect(),
        Stored::Utf16Be => [0xFE, 0xFF].into_iter().chain(text.encode_utf16().flat_map(u16::to_be_bytes)).collect(),
    }
}

/// Replaces the file at `path` with `bytes` atomically: written to a
/// temporary file next to it, given the original's permissions, renamed
/// over it. On failure the original is untouched.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let permissions = std::fs::metadata(path)?.permissions();
    let mut tmp = tempfile::Builder::new().prefix(".rpclint-fix").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    std::fs::set_permissions(tmp.path(), permissions)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_encoding_round_trips() {
        for stored in [Stored::Utf8 { bom: false }, Stored::Utf8 { bom: true }, Stored::Utf16Le, Stored::Utf16Be] {
            let bytes = encode("int é;\r\nx\n", stored);
            assert_eq!(read(&bytes), Some(("int é;\r\nx\n".to_string(), stored)), "{stored:?}");
        }
    }

    #[test]
    fn lossy_files_are_never_rewritten() {
        assert_eq!(read(b"int \xff;"), None);
        assert_eq!(read(&[0xFF, 0xFE, b'a', 0, b'b']), None);
        // A lone high surrogate.
        assert_eq!(read(&[0xFF, 0xFE, 0x00, 0xD8, b'a', 0]), None);
    }

    #[test]
    fn atomic_write_replaces_and_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.c");
        std::fs::write(&path, "old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names.len(), 1, "{names:?}");
        assert!(write_atomic(&dir.path().join("missing.c"), b"x").is_err());
    }
}
