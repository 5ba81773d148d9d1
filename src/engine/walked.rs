//! The command line's plain check (paths walked, no `--changed-since`,
//! `--shard` or standard input): phase 1 starts on each file as soon as the
//! walk finds it, as ripgrep searches a file as soon as its walker meets it,
//! instead of after the whole tree has been listed.
//!
//! The walk takes one of the run's worker threads (its one walker thread
//! works while that worker waits for it) and sends each file's path down a
//! channel; the other workers read and lower ([`phase1::read_and_lower`])
//! the paths as they come, and join in once the walk is over. So `--jobs N`
//! keeps N threads busy at most, and `--jobs 1` walks first, then reads,
//! one thread at a time. The outcomes are then sorted by path: the inputs,
//! their file ids, the later phases and the output are those of
//! [`super::check_files`] over the same files.

use std::path::{Component, Path, PathBuf};
use std::time::Instant;

use rayon::iter::{ParallelBridge, ParallelIterator};

use super::phase1::{self, Phase1};
use super::{Input, Outcomes, Timer, deferral::Clues, gates_of, in_pool, run_phases};
use crate::report::Report;
use crate::settings::Settings;

/// A walk: it hands each file it finds (once) to its argument, in any order.
pub type Walk<'a> = dyn FnMut(&mut (dyn FnMut(PathBuf) + Send)) + Send + 'a;

/// [`check_walked`] or a stand-in (`cli::Env::walked`).
pub type WalkedCheck = fn(&mut Walk<'_>, &Settings) -> (Vec<Input>, Report);

/// Checks the files `walk` finds, each read and lowered while the walk goes
/// on; returns them (sorted by path, as given to the later phases) with the
/// report. `RPCLINT_TIMINGS`'s phase 1 then includes the walk.
pub fn check_walked(walk: &mut Walk<'_>, settings: &Settings) -> (Vec<Input>, Report) {
    in_pool(settings, |kb| {
        let timer = Timer::new();
        let started = Instant::now();
        let (sender, paths) = crossbeam_channel::unbounded::<PathBuf>();
        let ((found, walked), (gates, lowered)) = rayon::join(
            move || {
                let mut found = 0_usize;
                walk(&mut |path| {
                    found += 1;
                    // The receiver lives until every path has been sent.
                    let _ = sender.send(path);
                });
                // `sender` is dropped here: the readers stop when the channel is empty.
                (found, started.elapsed())
            },
            || {
                // Built while the walk starts (one thread's work).
                let gates = gates_of(kb, settings);
                let defer = gates.defer(false);
                let lowered: Vec<Lowered> = paths
                    .into_iter()
                    .par_bridge()
                    .map(|path| {
                        let input = Input { path, bytes: None };
                        let outcome = phase1::read_and_lower(&input, &gates, defer, kb, settings);
                        Lowered { key: order_key(&input.path), input, outcome: Box::new(outcome) }
                    })
                    .collect();
                (gates, lowered)
            },
        );
        let (inputs, lowered) = sorted(lowered);
        timer.note(&format!(
            "walk: {found} files found in {:.3} s, read and lowered meanwhile (phase 1 below includes the walk)",
            walked.as_secs_f64()
        ));
        let report = run_phases(&inputs, Some(lowered), &[], &gates, settings, kb, timer);
        (inputs, report)
    })
}

/// One file's phase 1, in the order the walk found it. The outcome is
/// boxed: the records are sorted, and moved, at their small size.
struct Lowered {
    /// Its path's [`order_key`].
    key: Option<Vec<u8>>,
    input: Input,
    outcome: Box<(Phase1, Clues)>,
}

/// The inputs sorted by path (a path handed over twice kept once), and
/// their outcomes in the same order, unboxed.
fn sorted(mut lowered: Vec<Lowered>) -> (Vec<Input>, Outcomes) {
    if lowered.iter().all(|l| l.key.is_some()) {
        lowered.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    } else {
        lowered.sort_unstable_by(|a, b| a.input.path.cmp(&b.input.path));
    }
    let mut inputs: Vec<Input> = Vec::with_capacity(lowered.len());
    let mut outcomes = Vec::with_capacity(lowered.len());
    for l in lowered {
        if inputs.last().is_some_and(|last| last.path == l.input.path) {
            continue;
        }
        inputs.push(l.input);
        outcomes.push(l.outcome);
    }
    (inputs, outcomes.into_iter().map(|o| *o).collect())
}

/// Bytes whose order is [`Path`]'s (component by component: the root, `.`,
/// `..`, then names, a name before any name it begins), so that the sort
/// compares bytes instead of parsing two paths at every step (which took
/// 7 ms for wine's 4,924 files). `None` for a path with a Windows prefix
/// (`C:`): those are compared as paths.
fn order_key(path: &Path) -> Option<Vec<u8>> {
    let mut key = Vec::with_capacity(path.as_os_str().len() + 16);
    for component in path.components() {
        match component {
            Component::Prefix(_) => return None,
            Component::RootDir => key.push(1),
            Component::CurDir => key.push(2),
            Component::ParentDir => key.push(3),
            Component::Normal(name) => {
                // A name holds no NUL: its end sorts before any byte of a longer name.
                key.push(4);
                key.extend_from_slice(name.as_encoded_bytes());
                key.push(0);
            }
        }
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn paths() -> impl Strategy<Value = PathBuf> {
        let part = prop_oneof![
            Just("a".to_string()),
            Just("a-b".to_string()),
            Just("a.c".to_string()),
            Just("ab".to_string()),
            Just("..".to_string()),
            Just(".".to_string()),
            Just(".-".to_string()),
            Just("".to_string()),
            Just("\u{1}".to_string()),
            Just("é".to_string()),
            "[a-c.\\-]{1,3}",
        ];
        (prop::bool::ANY, prop::collection::vec(part, 0..5)).prop_map(|(absolute, parts)| {
            PathBuf::from(format!("{}{}", if absolute { "/" } else { "" }, parts.join("/")))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]
        #[test]
        fn the_key_orders_paths_as_path_does(a in paths(), b in paths()) {
            let (ka, kb) = (order_key(&a).unwrap(), order_key(&b).unwrap());
            prop_assert_eq!(ka.cmp(&kb), a.cmp(&b), "{:?} {:?}", a, b);
        }
    }

    #[test]
    fn sorted_by_path_once_each_with_the_outcomes_alongside() {
        let names = ["b/z.c", "a-b.c", "a/y.c", "b/z.c", "a.c", "./a/x.c"];
        let lowered: Vec<Lowered> = names
            .iter()
            .map(|n| {
                let path = PathBuf::from(n);
                let error = crate::report::FileError { path: (*n).to_string(), message: String::new() };
                let outcome = (Phase1::Error(error), Clues::default());
                Lowered { key: order_key(&path), input: Input { path, bytes: None }, outcome: Box::new(outcome) }
            })
            .collect();
        let (inputs, outcomes) = sorted(lowered);
        let shown: Vec<_> = inputs.iter().map(|i| i.path.to_string_lossy().into_owned()).collect();
        assert_eq!(shown, ["./a/x.c", "a/y.c", "a-b.c", "a.c", "b/z.c"]);
        let mut expected: Vec<PathBuf> = names.iter().map(PathBuf::from).collect();
        expected.sort();
        expected.dedup();
        assert_eq!(inputs.iter().map(|i| i.path.clone()).collect::<Vec<_>>(), expected);
        assert_eq!(outcomes.len(), inputs.len());
        for (input, (outcome, _)) in inputs.iter().zip(&outcomes) {
            let Phase1::Error(e) = outcome else { panic!("not the error") };
            assert_eq!(Path::new(&e.path), input.path);
        }
    }
}
