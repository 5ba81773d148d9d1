//! The one path layer: every path rpclint takes in (arguments,
//! `--stdin-filename`, configuration globs, git's output, baselines) and
//! every path it writes out goes through here. [`text`] holds the rules,
//! pure and the same on every OS (Windows paths are tested on Linux); this
//! module applies them to the machine's paths: absolute paths without
//! touching the disk, and paths as messages show them.

use std::path::{Path, PathBuf};

pub(crate) mod text;
#[cfg(test)]
mod tests;

pub(crate) use text::Style;

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

/// A path as human, short, github and JSON output show it: as written
/// (see [`text::shown`]).
pub(crate) fn display(path: &Path) -> String {
    text::shown(&path.to_string_lossy(), Style::HOST)
}

/// A path for messages: relative to the current directory when under it.
pub(crate) fn shown_path(path: &Path) -> String {
    let abs = absolute(path);
    let cwd = std::env::current_dir().unwrap_or_default();
    match abs.strip_prefix(&cwd) {
        Ok(rel) if !rel.as_os_str().is_empty() => display(rel),
        _ => display(path),
    }
}

/// The path a fingerprint and a baseline entry use: relative to `root`
/// with `/` when the file is under it, else with `/` as given; the same
/// for one tree on Windows and Linux.
pub(crate) fn portable(path: &Path, root: Option<&Path>) -> String {
    let root = root.map(|r| r.to_string_lossy());
    text::fingerprint_path(&path.to_string_lossy(), &absolute(path).to_string_lossy(), root.as_deref())
}

/// A display path for a report read by a machine (GitLab, JUnit):
/// relative to `root` when under it, with `/`.
pub(crate) fn relative_to(path: &str, root: Option<&Path>) -> String {
    root.and_then(|r| text::relative_to(path, &r.to_string_lossy()))
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| text::slash(path))
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
