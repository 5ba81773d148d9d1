//! Input selection: which files a run checks (paths, `--stdin-filename`,
//! `--changed-since`, `--shard`) and which it only searches for constants.

use std::path::PathBuf;

use super::Ui;
use super::args::CheckArgs;
use crate::config::Config;
use crate::discover::{self, DiscoverError};
use crate::engine::{Input, Settings, WalkedCheck};
use crate::report::{FileError, Report};

/// The files a run checks, and the files it only searches for constants.
pub(super) struct Job {
    pub(super) check: Vec<Input>,
    pub(super) context: Vec<Input>,
    pub(super) errors: Vec<FileError>,
    /// Why the paths selected no file to check, when that is a surprise
    /// (not for `--changed-since` or `--shard`, where none is normal).
    pub(super) nothing_selected: Option<String>,
}

/// Whether the run checks every file the paths select, with no other file
/// as context: then phase 1 can start on each file as the walk finds it
/// ([`walk_and_check`]). `--stdin-filename` has no walk; `--changed-since`
/// and `--shard` split the whole list into files to check and context, so
/// they take the walk's list first ([`gather`]).
pub(super) fn walkable(args: &CheckArgs) -> bool {
    args.stdin_filename.is_none() && args.changed_since.is_none() && args.shard.is_none()
}

/// [`gather`] and the first check at once, for a [`walkable`] run: `walked`
/// gets each file the configuration keeps as the walk finds it. The same
/// files, errors and warning as [`gather`]; `None` after an error.
pub(super) fn walk_and_check(
    args: &CheckArgs,
    config: &Config,
    ui: &mut Ui<'_, '_>,
    walked: WalkedCheck,
    settings: &Settings,
) -> Option<(Job, Report)> {
    let mut handed = None;
    let mut walk = |each: &mut (dyn FnMut(PathBuf) + Send)| {
        let mut keep = |p: PathBuf| {
            if config.keeps(&p) {
                each(p);
            }
        };
        handed = Some(discover::discover_each(&args.paths, &args.exclude, &mut keep));
    };
    let (check, report) = walked(&mut walk, settings);
    // A check that did not walk (a stand-in) leaves the walk to be done.
    let handed = handed.unwrap_or_else(|| {
        discover::discover(&args.paths, &args.exclude)
            .map(|d| discover::Handed { files: d.files.len(), errors: d.errors })
    });
    let found = match handed {
        Ok(found) => found,
        Err(err @ DiscoverError::InvalidExclude { .. }) => {
            ui.error(None, &err.to_string());
            return None;
        }
    };
    let nothing_selected =
        (check.is_empty() && found.errors.is_empty()).then(|| why_nothing(args, config, found.files));
    Some((Job { check, context: Vec::new(), errors: found.errors, nothing_selected }, report))
}

pub(super) fn gather(args: &CheckArgs, config: &Config, ui: &mut Ui<'_, '_>) -> Option<Job> {
    if let Some(name) = &args.stdin_filename {
        if crate::frontend::Lang::from_path(name).is_none() {
            ui.error(None, &format!("--stdin-filename {}: not a C, C++ or Rust file name", name.display()));
            return None;
        }
        return match (ui.env.read_stdin)() {
            Ok(bytes) => Some(Job {
                check: vec![Input { path: name.clone(), bytes: Some(bytes) }],
                context: Vec::new(),
                errors: Vec::new(),
                nothing_selected: None,
            }),
            Err(e) => {
                ui.error(None, &format!("cannot read standard input: {}", discover::io_message(&e)));
                None
            }
        };
    }
    let discovered = match discover::discover(&args.paths, &args.exclude) {
        Ok(found) => found,
        Err(err @ DiscoverError::InvalidExclude { .. }) => {
            ui.error(None, &err.to_string());
            return None;
        }
    };
    let found = discovered.files.len();
    let files: Vec<PathBuf> = discovered.files.into_iter().filter(|f| config.keeps(f)).collect();
    let nothing_selected = (files.is_empty() && discovered.errors.is_empty()).then(|| why_nothing(args, config, found));
    let on_disk = |p: PathBuf| Input { path: p, bytes: None };
    let (check, context) = match &args.changed_since {
        None => (files, Vec::new()),
        Some(rev) => {
            let start = args.paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
            let changed = match crate::git::changed_files(&start, rev) {
                Ok(changed) => changed,
                Err(e) => {
                    ui.error(None, &e);
                    return None;
                }
            };
            let canonical = |f: &PathBuf| std::fs::canonicalize(f).unwrap_or_else(|_| f.clone());
            let check: Vec<PathBuf> = files.into_iter().filter(|f| changed.files.contains(&canonical(f))).collect();
            // Constants may live anywhere in the repository, not only under
            // the given paths: every other file of it is context.
            let checked: std::collections::BTreeSet<PathBuf> = check.iter().map(canonical).collect();
            let root = match (&ui.env.current_dir, changed.root.clone()) {
                (Some(cwd), root) => match root.strip_prefix(cwd) {
                    Ok(rel) if rel.as_os_str().is_empty() => PathBuf::from("."),
                    Ok(rel) => rel.to_path_buf(),
                    Err(_) => root,
                },
                (None, root) => root,
            };
            let context = match discover::discover(&[root], &args.exclude) {
                Ok(found) => {
                    found.files.into_iter().filter(|f| config.keeps(f) && !checked.contains(&canonical(f))).collect()
                }
                Err(_) => Vec::new(),
            };
            (check, context)
        }
    };
    // A shard checks its part; the rest of the tree is context, so a constant
    // defined in another shard's file still resolves.
    let (check, context) = match args.shard {
        None => (check, context),
        Some((k, n)) => {
            let (mine, others): (Vec<PathBuf>, Vec<PathBuf>) = check.into_iter().partition(|f| shard_of(f, n) == k - 1);
            (mine, context.into_iter().chain(others).collect())
        }
    };
    Some(Job {
        check: check.into_iter().map(on_disk).collect(),
        context: context.into_iter().map(on_disk).collect(),
        errors: discovered.errors,
        nothing_selected,
    })
}

/// The warning for a run whose paths select no file: which filter left
/// none, or that there was none to begin with. `found` is how many sources
/// discovery kept before the configuration's globs.
fn why_nothing(args: &CheckArgs, config: &Config, found: usize) -> String {
    let under = if args.paths.is_empty() {
        "the current directory".to_string()
    } else {
        args.paths.iter().map(|p| crate::paths::shown_path(p)).collect::<Vec<_>>().join(", ")
    };
    let sources = |n: usize| {
        if n == 1 { "the only C, C++ or Rust file".to_string() } else { format!("all {n} C, C++ or Rust files") }
    };
    if found > 0 {
        let file = config.path.as_deref().map_or_else(|| "the configuration".to_string(), crate::paths::shown_path);
        return format!("no file checked: `include`/`exclude` in {file} leave out {} under {under}", sources(found));
    }
    if !args.exclude.is_empty() {
        if let Ok(all) = discover::discover(&args.paths, &[]) {
            // A file discovery could not read counts: it is what --exclude hid.
            let n = all.files.len() + all.errors.len();
            if n > 0 {
                return format!("no file checked: --exclude leaves out {} under {under}", sources(n));
            }
        }
    }
    let exts: Vec<String> = discover::EXTENSIONS.iter().map(|e| format!(".{e}")).collect();
    format!(
        "no file checked: no C, C++ or Rust file ({}) under {under} (hidden and git-ignored files are skipped)",
        exts.join(" ")
    )
}

/// The shard (0-based) of a file among `n`: FNV-1a of its path with forward
/// slashes, stable across machines and runs.
pub(super) fn shard_of(path: &std::path::Path, n: u64) -> u64 {
    let text = crate::paths::text::slash(&path.to_string_lossy());
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h % n.max(1)
}
