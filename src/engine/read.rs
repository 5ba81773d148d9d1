//! Reading a file's bytes: from disk within the size limit, or from memory;
//! binary files, UTF-16 for the prefilter, and invalid UTF-8 in Rust.

use std::io::Read;

use super::Input;
use crate::report::FileError;
use crate::source::{Encoding, decode};

/// A file's bytes, or its size when that is over the limit (it is then not read).
pub(super) enum Bytes<'a> {
    Read(std::borrow::Cow<'a, [u8]>),
    TooLarge(u64),
}

pub(super) fn read_bytes(input: &Input, max_size: u64) -> Result<Bytes<'_>, FileError> {
    if let Some(b) = &input.bytes {
        let len = u64::try_from(b.len()).unwrap_or(u64::MAX);
        return Ok(if len > max_size { Bytes::TooLarge(len) } else { Bytes::Read(std::borrow::Cow::Borrowed(b)) });
    }
    let error = |e: std::io::Error| FileError {
        path: crate::source::display_path(&input.path),
        message: format!("cannot read: {}", crate::discover::io_message(&e)),
    };
    let file = std::fs::File::open(&input.path).map_err(error)?;
    let len = file.metadata().map_err(error)?.len();
    if len > max_size {
        return Ok(Bytes::TooLarge(len));
    }
    // The file may grow between the look at its size and the read: never
    // read more than the limit allows.
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(max_size.saturating_add(1)).read_to_end(&mut bytes).map_err(error)?;
    crate::source::count_read(bytes.len());
    let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    Ok(if read > max_size { Bytes::TooLarge(read) } else { Bytes::Read(std::borrow::Cow::Owned(bytes)) })
}

/// Whether the text holds a NUL: a binary file (or UTF-16 without a byte
/// order mark, or UTF-32). Tree-sitter's lexers stop at a NUL, so such a
/// file would be analysed only up to it, silently.
pub(super) fn is_binary(bytes: &[u8]) -> bool {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return decode(bytes).0.contains('\0');
    }
    memchr::memchr(0, bytes).is_some()
}

/// Text for the prefilter: UTF-16 files are decoded first (their bytes hide every name).
pub(super) fn searchable(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        std::borrow::Cow::Owned(decode(bytes).0.into_bytes())
    } else {
        std::borrow::Cow::Borrowed(bytes)
    }
}

/// Where a Rust file stops being UTF-8 (an offset into its decoded text).
/// rustc rejects such a file; rpclint reads it lossily and says so.
pub(super) fn invalid_utf8_at(bytes: &[u8], encoding: Encoding) -> Option<usize> {
    if encoding != Encoding::Utf8Lossy {
        return None;
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    std::str::from_utf8(body).err().map(|e| e.valid_up_to())
}
