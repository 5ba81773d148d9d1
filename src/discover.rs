//! Which files a run looks at: walk the given paths, honour ignore files and
//! `--exclude` globs, keep C, C++ and Rust sources.
//!
//! Directories are walked with the `ignore` crate (ripgrep's walker): it
//! honours `.gitignore` (also outside a git repository), `.ignore` and git's
//! global excludes, skips hidden entries, follows symlinks and reports symlink
//! loops as errors instead of looping. Files named on the command line are
//! taken as they are (pre-commit passes file names), even when an ignore file
//! lists them, but never when an `--exclude` glob matches them.
//!
//! Problems with single entries (a path argument that does not exist, an
//! unreadable directory, a dangling symlink, a loop, a bad ignore file)
//! become [`FileError`]s and the walk goes on, as in ripgrep; only an invalid
//! glob stops the run.
//!
//! [`discover`] walks a directory with ripgrep's parallel walker and returns
//! the sorted list. [`discover_each`] walks with one thread and hands each
//! file over as soon as it is met, so that the check's phase 1 can start on
//! it while the walk goes on (`engine::check_walked`).

use std::collections::HashSet;
use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use ignore::overrides::{Override, OverrideBuilder};
use ignore::{WalkBuilder, WalkState};

use crate::report::FileError;
use crate::source::display_path;

/// File extensions rpclint reads, compared case-insensitively.
pub(crate) const EXTENSIONS: &[&str] = &["c", "h", "cc", "cpp", "cxx", "hpp", "hh", "hxx", "inl", "rs"];

/// The outcome of discovery: files to check, and entries that could not be walked.
#[derive(Debug, Default)]
pub(crate) struct Discovered {
    /// Sorted and deduplicated; relative paths have no leading `./`.
    pub(crate) files: Vec<PathBuf>,
    /// Sorted by path, then message.
    pub(crate) errors: Vec<FileError>,
}

/// A problem that makes the whole run meaningless (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DiscoverError {
    /// An `--exclude` glob that does not parse.
    InvalidExclude { glob: String, message: String },
}

impl fmt::Display for DiscoverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiscoverError::InvalidExclude { glob, message } => {
                write!(f, "--exclude {glob}: {message}")
            }
        }
    }
}

impl std::error::Error for DiscoverError {}

/// Whether discovery would pick this file by its extension.
pub(crate) fn has_known_extension(path: &Path) -> bool {
    crate::paths::text::extension(&path.to_string_lossy()).is_some_and(|ext| EXTENSIONS.contains(&ext.as_str()))
}

/// Finds the files to check under `paths` (the current directory when empty).
pub(crate) fn discover(paths: &[PathBuf], excludes: &[String]) -> Result<Discovered, DiscoverError> {
    find(paths, excludes, &mut Walker::Parallel)
}

/// What [`discover_each`] found: how many files it handed over, and
/// [`Discovered::errors`].
#[derive(Debug)]
pub(crate) struct Handed {
    pub(crate) files: usize,
    pub(crate) errors: Vec<FileError>,
}

/// [`discover`]'s files, found by the same walker with one thread (the
/// calling thread waits meanwhile), each handed to `each` as soon as it is
/// met (once, in walk order, not sorted: nothing is kept or sorted here),
/// and its errors. An invalid glob is found before any file is handed over.
pub(crate) fn discover_each(
    paths: &[PathBuf],
    excludes: &[String],
    each: &mut (dyn FnMut(PathBuf) + Send),
) -> Result<Handed, DiscoverError> {
    // One walk meets a path once; two arguments may name it twice.
    let seen = (paths.len() > 1).then(HashSet::new);
    let mut walker = Walker::Handing(Handing { each, seen, files: 0 });
    let errors = find(paths, excludes, &mut walker)?.errors;
    let files = if let Walker::Handing(h) = walker { h.files } else { 0 };
    Ok(Handed { files, errors })
}

/// How the directories are walked.
enum Walker<'a> {
    /// In as many threads as the machine has cores.
    Parallel,
    /// In one thread, each file handed over.
    Handing(Handing<'a>),
}

/// To whom the files are handed over, those already handed over when more
/// than one path is walked, and how many.
struct Handing<'a> {
    each: &'a mut (dyn FnMut(PathBuf) + Send),
    seen: Option<HashSet<PathBuf>>,
    files: usize,
}

impl Walker<'_> {
    /// Adds a file found (normalised): to the list, or handed over if new.
    fn add(&mut self, file: PathBuf, found: &mut Discovered) {
        match self {
            Walker::Parallel => found.files.push(file),
            Walker::Handing(handing) => {
                if handing.seen.as_mut().is_none_or(|seen| seen.insert(file.clone())) {
                    handing.files += 1;
                    (handing.each)(file);
                }
            }
        }
    }
}

fn find(paths: &[PathBuf], excludes: &[String], walker: &mut Walker<'_>) -> Result<Discovered, DiscoverError> {
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() { &default[..] } else { paths };

    // Explicit files and directory arguments are matched relative to the
    // current directory; entries inside a walked directory relative to it.
    // Globs that do not parse are found here, before any file is handed
    // over: the walk roots below get the same globs.
    let cwd_excludes = build_excludes(Path::new("."), excludes)?;
    let mut found = Discovered::default();
    for path in paths {
        // A path that does not exist is an error, but the others are still
        // checked: one typo must not hide the findings of the rest.
        let Ok(kind) = classify(path) else {
            found.errors.push(file_error(path, "no such file or directory"));
            continue;
        };
        if is_excluded(&cwd_excludes, path, matches!(kind, Kind::Dir)) {
            continue;
        }
        match kind {
            Kind::Dir => {
                let overrides = build_excludes(path, excludes)?;
                walk(path, overrides, walker, &mut found);
            }
            Kind::File => {
                if has_known_extension(path) {
                    walker.add(normalize(path), &mut found);
                }
            }
            Kind::Other => {
                if has_known_extension(path) {
                    found.errors.push(file_error(path, "not a regular file"));
                }
            }
            Kind::Unreadable(err) => found.errors.push(file_error(path, &io_message(&err))),
        }
    }

    found.files.sort();
    found.files.dedup();
    found.errors.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    found.errors.dedup();
    Ok(found)
}

/// What a path argument is, following symlinks.
enum Kind {
    Dir,
    File,
    /// A FIFO, socket or device: reading it could block, so it is never read.
    Other,
    /// It exists (at least as a link) but cannot be examined: a dangling
    /// symlink, a permission problem on the way to it.
    Unreadable(io::Error),
}

/// `Err(())` when the path does not exist at all.
fn classify(path: &Path) -> Result<Kind, ()> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Ok(Kind::Dir),
        Ok(meta) if meta.is_file() => Ok(Kind::File),
        Ok(_) => Ok(Kind::Other),
        Err(err) => {
            let absent = matches!(err.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory);
            // A dangling symlink exists as a link: it is a file we cannot
            // read, not a path the user mistyped.
            if absent && std::fs::symlink_metadata(path).is_err() { Err(()) } else { Ok(Kind::Unreadable(err)) }
        }
    }
}

/// `--exclude` globs as ignore-overrides rooted at `root` (`!glob` = ignore).
fn build_excludes(root: &Path, excludes: &[String]) -> Result<Override, DiscoverError> {
    let mut builder = OverrideBuilder::new(root);
    for glob in excludes {
        crate::paths::strict_glob(glob)
            .map_err(|message| DiscoverError::InvalidExclude { glob: glob.clone(), message })?;
        builder
            .add(&format!("!{}", crate::paths::text::glob(glob)))
            .map_err(|e| DiscoverError::InvalidExclude { glob: glob.clone(), message: e.to_string() })?;
    }
    builder.build().map_err(|e| DiscoverError::InvalidExclude { glob: excludes.join(" "), message: e.to_string() })
}

/// Whether an explicit argument, or any directory above it, matches an exclude.
fn is_excluded(excludes: &Override, path: &Path, is_dir: bool) -> bool {
    if excludes.is_empty() {
        return false;
    }
    // Globs are relative to the current directory: match `/repo/src/a.c` as
    // `src/a.c` when the run starts in `/repo`.
    let cwd = std::env::current_dir().unwrap_or_default();
    let path = normalize(path.strip_prefix(&cwd).unwrap_or(path));
    if excludes.matched(&path, is_dir).is_ignore() {
        return true;
    }
    path.ancestors()
        .skip(1)
        .filter(|p| !p.as_os_str().is_empty() && p.parent().is_some())
        .any(|p| excludes.matched(p, true).is_ignore())
}

/// What one entry of a walk gives: a source file to check, or errors.
fn visit(entry: Result<ignore::DirEntry, ignore::Error>, errors: &mut Vec<FileError>) -> Option<PathBuf> {
    match entry {
        Ok(entry) => {
            let is_file = entry.file_type().is_some_and(|t| t.is_file());
            (is_file && has_known_extension(entry.path())).then(|| normalize(entry.path()))
        }
        // A dangling link rpclint would not read anyway (`COPYING ->
        // LICENSES/...` in glib's tarball) is nobody's problem.
        Err(err) if is_dangling_link_to_other_file(&err) => None,
        Err(err) => {
            collect_walk_errors(&err, None, errors);
            None
        }
    }
}

fn walk(root: &Path, overrides: Override, walker: &mut Walker<'_>, found: &mut Discovered) {
    // ripgrep's parallel walker even for one thread: its serial walker
    // (walkdir) looks at every entry's metadata when it follows links.
    let threads = match walker {
        Walker::Parallel => 0,
        Walker::Handing(_) => 1,
    };
    let parallel = WalkBuilder::new(root)
        .follow_links(true)
        // Honour .gitignore in trees that are not (yet) git repositories,
        // e.g. an unpacked source tarball; ripgrep needs a `.git` for that.
        .require_git(false)
        .overrides(overrides)
        .threads(threads)
        .build_parallel();
    let results = Mutex::new((found, walker));
    parallel.run(|| {
        let results = &results;
        Box::new(move |entry| {
            let mut errors = Vec::new();
            let item = visit(entry, &mut errors);
            if item.is_some() || !errors.is_empty() {
                // A poisoned lock only means another walker thread panicked;
                // the lists themselves are still whole.
                let mut guard = results.lock().unwrap_or_else(|p| p.into_inner());
                let (found, walker) = &mut *guard;
                if let Some(file) = item {
                    walker.add(file, found);
                }
                found.errors.extend(errors);
            }
            WalkState::Continue
        })
    });
}

/// Whether a walk error is a dangling symlink whose name has no source extension.
fn is_dangling_link_to_other_file(err: &ignore::Error) -> bool {
    fn not_found(err: &ignore::Error) -> bool {
        match err {
            ignore::Error::WithDepth { err, .. } => not_found(err),
            ignore::Error::Io(e) => e.kind() == io::ErrorKind::NotFound,
            _ => false,
        }
    }
    match err {
        ignore::Error::WithDepth { err, .. } => is_dangling_link_to_other_file(err),
        ignore::Error::WithPath { path, err } => {
            not_found(err)
                && !has_known_extension(path)
                && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
        }
        _ => false,
    }
}

/// Flattens the `ignore` crate's nested error into one error per path.
fn collect_walk_errors(err: &ignore::Error, path: Option<&Path>, out: &mut Vec<FileError>) {
    match err {
        ignore::Error::Partial(errs) => {
            for e in errs {
                collect_walk_errors(e, path, out);
            }
        }
        ignore::Error::WithDepth { err, .. } => collect_walk_errors(err, path, out),
        ignore::Error::WithPath { path, err } => collect_walk_errors(err, Some(path), out),
        ignore::Error::WithLineNumber { line, err } => {
            let mut inner = Vec::new();
            collect_walk_errors(err, path, &mut inner);
            out.extend(inner.into_iter().map(|e| FileError { message: format!("line {line}: {}", e.message), ..e }));
        }
        ignore::Error::Loop { ancestor, child } => out
            .push(file_error(child, &format!("symlink loop: points back to {}; not followed", display_path(ancestor)))),
        ignore::Error::Io(io_err) => {
            out.push(file_error(path.unwrap_or(Path::new(".")), &io_message(io_err)));
        }
        other => out.push(file_error(path.unwrap_or(Path::new(".")), &other.to_string())),
    }
}

fn file_error(path: &Path, message: &str) -> FileError {
    FileError { path: display_path(&normalize(path)), message: message.to_string() }
}

/// An `io::Error` as a lowercase message without the "(os error N)" tail.
pub(crate) fn io_message(err: &io::Error) -> String {
    let text = err.to_string();
    let text = match text.find(" (os error") {
        Some(i) => &text[..i],
        None => &text,
    };
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Drops `.` components, so `./src/a.c` and `src/a.c` are one file.
fn normalize(path: &Path) -> PathBuf {
    let normal: PathBuf = path.components().filter(|c| !matches!(c, Component::CurDir)).collect();
    if normal.as_os_str().is_empty() { PathBuf::from(".") } else { normal }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn touch(root: &Path, rel: &str) {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, "int x;\n").unwrap();
    }

    /// [`discover`], checked against [`discover_each`]: the same files and
    /// errors, each file handed over once; an invalid glob before any.
    fn both(paths: &[PathBuf], excludes: &[String]) -> Result<Discovered, DiscoverError> {
        let parallel = discover(paths, excludes);
        let mut handed = Vec::new();
        let serial = discover_each(paths, excludes, &mut |p| handed.push(p));
        match (&parallel, &serial) {
            (Ok(p), Ok(s)) => {
                assert_eq!((p.files.len(), &p.errors), (s.files, &s.errors));
                handed.sort();
                assert_eq!(handed, p.files, "each file handed over once");
            }
            (Err(p), Err(s)) => assert_eq!((p, handed.len()), (s, 0)),
            _ => panic!("parallel {parallel:?}, serial {serial:?}"),
        }
        parallel
    }

    /// Discovered files relative to `root`, with forward slashes.
    fn rel(root: &Path, found: &Discovered) -> Vec<String> {
        found.files.iter().map(|p| display_path(p.strip_prefix(root).unwrap())).collect()
    }

    #[test]
    fn picks_sources_by_extension_case_insensitively() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["a.c", "b.H", "c.CPP", "d.rs", "e.inl", "f.txt", "g.py", "Makefile", "h.cxx.bak"] {
            touch(dir.path(), name);
        }
        let found = both(&[dir.path().to_path_buf()], &[]).unwrap();
        assert_eq!(rel(dir.path(), &found), ["a.c", "b.H", "c.CPP", "d.rs", "e.inl"]);
        assert!(found.errors.is_empty(), "{:?}", found.errors);
    }

    #[test]
    fn honours_gitignore_without_git_and_skips_hidden() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "src/a.c");
        touch(dir.path(), "build/gen.c");
        touch(dir.path(), "src/skip.c");
        touch(dir.path(), ".hidden/x.c");
        fs::write(dir.path().join(".gitignore"), "build/\n").unwrap();
        fs::write(dir.path().join("src/.ignore"), "skip.c\n").unwrap();
        let found = both(&[dir.path().to_path_buf()], &[]).unwrap();
        assert_eq!(rel(dir.path(), &found), ["src/a.c"]);
    }

    #[test]
    fn excludes_prune_directories_and_match_relative_to_the_walk_root() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "src/a.c");
        touch(dir.path(), "src/vendor/v.c");
        touch(dir.path(), "vendor/w.c");
        touch(dir.path(), "src/x.gen.c");
        let excludes = ["vendor/".to_string(), "*.gen.c".to_string()];
        let found = both(&[dir.path().to_path_buf()], &excludes).unwrap();
        assert_eq!(rel(dir.path(), &found), ["src/a.c"]);

        // An anchored glob is relative to the walk root, not to the file's directory.
        let found = both(&[dir.path().to_path_buf()], &["/vendor".to_string()]).unwrap();
        assert_eq!(rel(dir.path(), &found), ["src/a.c", "src/vendor/v.c", "src/x.gen.c"]);
    }

    #[test]
    fn explicit_files_are_taken_even_if_ignored_but_not_if_excluded() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "build/gen.c");
        touch(dir.path(), "notes.txt");
        fs::write(dir.path().join(".gitignore"), "build/\n").unwrap();
        let gen_c = dir.path().join("build/gen.c");
        let notes = dir.path().join("notes.txt");
        let found = both(&[gen_c.clone(), notes, gen_c.clone()], &[]).unwrap();
        assert_eq!(found.files, std::slice::from_ref(&gen_c));
        let found = both(&[gen_c], &["build".to_string()]).unwrap();
        assert!(found.files.is_empty());
    }

    #[test]
    fn missing_paths_are_all_named_and_the_others_still_walked() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "ok.c");
        let a = dir.path().join("nope.c");
        let b = dir.path().join("gone");
        let found = both(&[a.clone(), dir.path().to_path_buf(), b.clone()], &[]).unwrap();
        assert_eq!(rel(dir.path(), &found), ["ok.c"]);
        let errors: Vec<(String, &str)> = found.errors.iter().map(|e| (e.path.clone(), e.message.as_str())).collect();
        assert_eq!(
            errors,
            [(display_path(&b), "no such file or directory"), (display_path(&a), "no such file or directory")]
        );
    }

    #[test]
    fn invalid_glob_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = both(&[dir.path().to_path_buf()], &["a[".to_string()]).unwrap_err();
        assert!(matches!(err, DiscoverError::InvalidExclude { ref glob, .. } if glob == "a["), "{err:?}");
    }

    #[test]
    fn output_is_sorted_and_deduplicated_across_arguments() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "b/z.c");
        touch(dir.path(), "a/y.rs");
        let root = dir.path().to_path_buf();
        let found = both(&[root.join("b"), root.clone(), root.join("a/y.rs")], &[]).unwrap();
        assert_eq!(rel(dir.path(), &found), ["a/y.rs", "b/z.c"]);
    }

    #[test]
    fn normalize_drops_current_dir_components() {
        assert_eq!(normalize(Path::new("./src/./a.c")), PathBuf::from("src/a.c"));
        assert_eq!(normalize(Path::new(".")), PathBuf::from("."));
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_and_dangling_links_are_errors_not_hangs() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "d/a.c");
        symlink(dir.path().join("d"), dir.path().join("d/loop")).unwrap();
        symlink(dir.path().join("missing.c"), dir.path().join("d/dangling.c")).unwrap();
        // Not a source name: never read, so no error either.
        symlink(dir.path().join("LICENSES/LGPL.txt"), dir.path().join("d/COPYING")).unwrap();
        let found = both(&[dir.path().to_path_buf()], &[]).unwrap();
        assert_eq!(rel(dir.path(), &found), ["d/a.c"]);
        let messages: Vec<_> = found.errors.iter().map(|e| (e.path.rsplit('/').next().unwrap(), &e.message)).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert_eq!(messages[0].0, "dangling.c");
        assert!(messages[0].1.contains("no such file"), "{messages:?}");
        assert_eq!(messages[1].0, "loop");
        assert!(messages[1].1.contains("symlink loop"), "{messages:?}");
    }

    #[cfg(unix)]
    #[test]
    fn explicit_dangling_symlink_is_a_file_error_not_a_missing_path() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("x.c");
        std::os::unix::fs::symlink(dir.path().join("missing.c"), &link).unwrap();
        let found = both(&[link], &[]).unwrap();
        assert!(found.files.is_empty());
        assert_eq!(found.errors.len(), 1);
        assert!(found.errors[0].path.ends_with("x.c"));
    }

    #[cfg(unix)]
    #[test]
    fn fifos_are_never_read() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe.c");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(status.success());
        touch(dir.path(), "a.c");
        let found = both(&[dir.path().to_path_buf()], &[]).unwrap();
        assert_eq!(rel(dir.path(), &found), ["a.c"]);
        let found = both(&[fifo], &[]).unwrap();
        assert!(found.files.is_empty());
        assert_eq!(found.errors[0].message, "not a regular file");
    }

    /// The serial walk hands over what the parallel one finds, on a tree
    /// with every rule at once: ignore files, hidden entries, excludes, a
    /// followed directory link, a loop, a dangling link, and arguments that
    /// name the same files twice.
    #[cfg(unix)]
    #[test]
    fn both_walks_find_the_same_files_once_each() {
        use std::os::unix::fs::symlink;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for rel in ["src/a.c", "src/b.rs", "src/gen/g.c", "build/out.c", "lib/x.h", "lib/skip.cpp", ".git/x.c"] {
            touch(root, rel);
        }
        touch(root, "vendor/v.c");
        fs::write(root.join(".gitignore"), "build/\n").unwrap();
        fs::write(root.join("lib/.ignore"), "skip.cpp\n").unwrap();
        symlink(root.join("lib"), root.join("src/lib")).unwrap();
        symlink(root.join("src"), root.join("src/gen/up")).unwrap();
        symlink(root.join("nowhere.c"), root.join("src/dangling.c")).unwrap();
        let excludes = ["vendor/".to_string(), "*.rs".to_string()];
        let args = [root.join("src"), root.to_path_buf(), root.join("build/out.c"), root.join("src/a.c")];
        let found = both(&args, &excludes).unwrap();
        assert_eq!(rel(root, &found), ["build/out.c", "lib/x.h", "src/a.c", "src/gen/g.c", "src/lib/x.h"]);
        assert_eq!(found.errors.len(), 2, "{:?}", found.errors);
        let found = both(&args, &[]).unwrap();
        let all = ["build/out.c", "lib/x.h", "src/a.c", "src/b.rs", "src/gen/g.c", "src/lib/x.h", "vendor/v.c"];
        assert_eq!(rel(root, &found), all);
    }
}
