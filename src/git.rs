//! Changed-files mode (`--changed-since REV`): which files git says changed.
//!
//! The changed files are those `git diff --name-only REV` lists (the working
//! tree against REV: committed, staged and unstaged changes; deleted files
//! left out), plus untracked files that are not ignored
//! (`git ls-files --others --exclude-standard`). Both lists are relative to
//! the repository root, whatever directory rpclint runs in.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The changed files of the repository that holds `start`.
pub(crate) struct Changed {
    /// The repository's top directory, as git reports it.
    pub(crate) root: PathBuf,
    /// Canonicalised paths.
    pub(crate) files: BTreeSet<PathBuf>,
}

/// The changed files, canonicalised, of the repository that holds `start`.
pub(crate) fn changed_files(start: &Path, rev: &str) -> Result<Changed, String> {
    if rev.is_empty() || rev.starts_with('-') {
        return Err(format!("--changed-since {rev}: not a git revision"));
    }
    let dir = if start.is_dir() {
        start
    } else {
        start.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
    };
    let root = git(dir, &["rev-parse", "--show-toplevel"])?;
    let root = PathBuf::from(root.trim_end_matches(['\n', '\r']));
    let diff = git(&root, &["diff", "--name-only", "-z", "--diff-filter=d", rev, "--"])
        .map_err(|e| format!("--changed-since {rev}: {e}"))?;
    let untracked = git(&root, &["ls-files", "--others", "--exclude-standard", "-z"])?;
    let files = diff
        .split('\0')
        .chain(untracked.split('\0'))
        .filter(|p| !p.is_empty())
        .map(|p| {
            let path = root.join(p);
            std::fs::canonicalize(&path).unwrap_or(path)
        })
        .collect();
    Ok(Changed { root, files })
}

/// Runs git in `dir`; its output, or its first error line.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {}", crate::discover::io_message(&e)))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("git failed").trim();
        return Err(first.strip_prefix("fatal: ").unwrap_or(first).to_string());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The nearest directory at or above `start` that holds `.git`, if any.
pub(crate) fn repository_root(start: &Path) -> Option<PathBuf> {
    let start = crate::paths::absolute(start);
    let dir = if start.is_dir() { start } else { start.parent()?.to_path_buf() };
    dir.ancestors().find(|d| d.join(".git").exists()).map(Path::to_path_buf)
}
