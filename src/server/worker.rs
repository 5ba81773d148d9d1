//! The worker thread: owns the [`Workspace`] and runs every check, so the
//! main loop keeps answering while one runs. Jobs are taken in order; of
//! several checks of one buffer waiting, only the newest runs (the others
//! are stale). A panic in a job is caught and reported; the worker lives on.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender};
use lsp_types::Uri;

use super::convert::{self, Finding};
use super::text::Encoding;
use super::workspace::{ConfigState, Workspace};
use crate::prefilter::WordSet;

pub(crate) enum Job {
    /// Read the folders' configurations and build their indexes (first).
    Open { roots: Vec<PathBuf>, encoding: Encoding },
    Check {
        uri: Uri,
        version: i32,
        /// Counts the checks asked of the buffer (edits and rechecks alike).
        generation: u64,
        path: PathBuf,
        text: Arc<str>,
    },
    /// Workspace folders added and removed; `open` as for `FilesChanged`.
    Folders { added: Vec<PathBuf>, removed: Vec<PathBuf>, open: Vec<Uri> },
    /// Files changed on disk; `open` are the open buffers, to tell which
    /// use a name a changed file defines.
    FilesChanged { paths: Vec<PathBuf>, open: Vec<(Uri, PathBuf, Arc<str>)> },
}

pub(crate) enum Outcome {
    Checked {
        uri: Uri,
        version: i32,
        generation: u64,
        findings: Vec<Finding>,
    },
    Configs(Vec<ConfigState>),
    /// Buffers to check again (the index or the configuration changed).
    Recheck(Vec<Uri>),
}

pub(crate) fn spawn(jobs: Receiver<Job>, outcomes: Sender<Outcome>) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new().name("rpclint-lsp-worker".into()).spawn(move || run(&jobs, &outcomes))
}

fn run(jobs: &Receiver<Job>, outcomes: &Sender<Outcome>) {
    let mut workspace = Workspace::default();
    let mut encoding = Encoding::Utf16;
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        batch.extend(jobs.try_iter());
        for job in newest_checks(batch) {
            // A check that panics still answers, with the error as its finding.
            let check = match &job {
                Job::Check { uri, version, generation, .. } => Some((uri.clone(), *version, *generation)),
                _ => None,
            };
            let results = catch_unwind(AssertUnwindSafe(|| perform(job, &mut workspace, &mut encoding)))
                .unwrap_or_else(|_| panicked(check));
            if !results.into_iter().all(|o| outcomes.send(o).is_ok()) {
                return;
            }
        }
    }
}

#[allow(clippy::print_stderr)]
fn panicked(check: Option<(Uri, i32, u64)>) -> Vec<Outcome> {
    eprintln!("rpclint server: internal error in a check; the server goes on");
    check
        .map(|(uri, version, generation)| {
            let findings = vec![convert::internal_error("internal error while checking this buffer")];
            Outcome::Checked { uri, version, generation, findings }
        })
        .into_iter()
        .collect()
}

/// The batch without the checks a later check of the same buffer replaces.
fn newest_checks(batch: Vec<Job>) -> Vec<Job> {
    let mut out: Vec<Job> = Vec::with_capacity(batch.len());
    for job in batch.into_iter().rev() {
        let replaced = matches!(&job, Job::Check { uri, .. } if out.iter().any(|j| matches!(j, Job::Check { uri: u, .. } if u == uri)));
        if !replaced {
            out.push(job);
        }
    }
    out.reverse();
    out
}

fn perform(job: Job, workspace: &mut Workspace, encoding: &mut Encoding) -> Vec<Outcome> {
    match job {
        Job::Open { roots, encoding: e } => {
            *encoding = e;
            let (opened, states) = Workspace::open(&roots);
            *workspace = opened;
            vec![Outcome::Configs(states)]
        }
        Job::Check { uri, version, generation, path, text } => {
            let report = workspace.check(&path, &text);
            let findings = convert::findings(&report, &path, *encoding);
            vec![Outcome::Checked { uri, version, generation, findings }]
        }
        Job::Folders { added, removed, open } => {
            let states = workspace.change_folders(&added, &removed);
            vec![Outcome::Configs(states), Outcome::Recheck(open)]
        }
        Job::FilesChanged { paths, open } => {
            let idents: Vec<Vec<&str>> = open.iter().map(|(_, _, text)| identifiers(text)).collect();
            let used = WordSet::new(idents.iter().flatten().copied());
            let changes = workspace.files_changed(&paths, &used);
            let recheck: Vec<Uri> = open
                .iter()
                .zip(&idents)
                .filter(|((_, path, _), names)| {
                    changes.all || paths.contains(path) || names.iter().any(|n| changes.names.contains(*n))
                })
                .map(|((uri, _, _), _)| uri.clone())
                .collect();
            let mut out = Vec::new();
            if !changes.configs.is_empty() {
                out.push(Outcome::Configs(changes.configs));
            }
            if !recheck.is_empty() {
                out.push(Outcome::Recheck(recheck));
            }
            out
        }
    }
}

/// The identifiers of a text, sorted and unique (comments included: a
/// name too many only costs a check).
fn identifiers(text: &str) -> Vec<&str> {
    let mut out: Vec<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.bytes().next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_'))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn only_the_newest_check_of_a_buffer_runs() {
        let uri = |s: &str| Uri::from_str(s).expect("uri");
        let check = |u: &str, version| Job::Check {
            uri: uri(u),
            version,
            generation: 0,
            path: PathBuf::new(),
            text: Arc::from(""),
        };
        let kept = newest_checks(vec![check("file:///a.c", 1), check("file:///b.c", 1), check("file:///a.c", 2)]);
        let versions: Vec<(String, i32)> = kept
            .iter()
            .filter_map(|j| match j {
                Job::Check { uri, version, .. } => Some((uri.as_str().to_string(), *version)),
                _ => None,
            })
            .collect();
        assert_eq!(versions, [("file:///b.c".to_string(), 1), ("file:///a.c".to_string(), 2)]);
        assert_eq!(identifiers("int x_1 = 2 + MY_LEVEL; // é _y"), ["MY_LEVEL", "_y", "int", "x_1"]);
    }
}
