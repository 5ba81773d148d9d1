//! Path helpers: absolute paths without touching the disk, and paths as
//! messages show them.

use std::path::{Path, PathBuf};

/// `path` made absolute against the current directory, `.` and `..` removed lexically.
pub(crate) fn absolute(path: &Path) -> PathBuf {
    let joined =
        if path.is_absolute() { path.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(path) };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A path for messages: relative to the current directory when under it.
pub(crate) fn shown_path(path: &Path) -> String {
    let abs = absolute(path);
    let cwd = std::env::current_dir().unwrap_or_default();
    match abs.strip_prefix(&cwd) {
        Ok(rel) if !rel.as_os_str().is_empty() => crate::source::display_path(rel),
        _ => crate::source::display_path(path),
    }
}

/// Rejects a glob that git's rules would quietly take literally: an
/// unclosed `[` (`[[` matches the file named `[[` in a `.gitignore`, but in
/// a configuration or on the command line it is a typo).
pub(crate) fn strict_glob(glob: &str) -> Result<(), String> {
    match globset::GlobBuilder::new(glob).literal_separator(true).backslash_escape(true).build() {
        Err(e) if matches!(e.kind(), globset::ErrorKind::UnclosedClass) => {
            Err("unclosed character class; missing ']' (maybe escape '[' with '[[]'?)".to_string())
        }
        _ => Ok(()),
    }
}
