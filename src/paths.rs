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
