//! `check --fix`, `--unsafe-fixes` and `--diff`: the fixes of a report
//! applied in memory round by round (each round's report, checked again on
//! the edited texts, offers the next round's fixes, as ruff does), then
//! written back atomically in the file's own encoding, or shown as a diff.
//! Only the files being checked are ever edited.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use crate::apply::{self, stored::Stored};
use crate::engine::Input;
use crate::report::Report;
use crate::source::FileId;

/// Rounds of apply-and-check-again before the rest is left as it is.
const ROUNDS: usize = 4;

/// A file the fixes changed.
pub(super) struct Changed {
    pub(super) path: PathBuf,
    /// The bytes it had when read: it is written only if it still has them.
    pub(super) original: Vec<u8>,
    pub(super) old: String,
    pub(super) new: String,
    pub(super) stored: Stored,
}

/// A file being edited: its input, how it was stored, its text now.
struct Editing {
    input: usize,
    original: Vec<u8>,
    old: String,
    text: String,
    stored: Stored,
}

/// What the rounds did: the report of the edited texts, the changed files
/// (sorted by path) and how many findings were fixed.
pub(super) struct Outcome {
    pub(super) report: Report,
    pub(super) changed: Vec<Changed>,
    pub(super) fixed: usize,
}

/// Applies the fixes of `report` (safe ones; unsafe ones too with
/// `unsafe_fixes`) to `inputs`' texts; `analyse` checks edited inputs again.
pub(super) fn rounds(
    inputs: &[Input],
    report: Report,
    unsafe_fixes: bool,
    analyse: &mut dyn FnMut(&[Input]) -> Report,
) -> Outcome {
    let mut inputs = inputs.to_vec();
    let by_path: HashMap<PathBuf, usize> = inputs.iter().enumerate().map(|(i, x)| (x.path.clone(), i)).collect();
    // By input; `None`: not rewritable (unreadable, or its bytes would not survive).
    let mut editing: BTreeMap<usize, Option<Editing>> = BTreeMap::new();
    let mut report = report;
    let mut fixed = 0;
    for _ in 0..ROUNDS {
        // The files this round's fixes would edit, read (once) if they are inputs.
        let mut writable: HashMap<FileId, usize> = HashMap::new();
        for e in report.diagnostics.iter().filter_map(|d| d.fix.as_ref()).flat_map(|f| &f.edits) {
            let Some(file) = report.file(e.file) else { continue };
            let Some(&i) = by_path.get(&file.path) else { continue };
            let state = editing.entry(i).or_insert_with(|| load(&inputs[i], i));
            // The report must have seen the text the edits are offsets into.
            if state.as_ref().is_some_and(|s| file.is_unloaded() || *file.text == *s.text) {
                writable.insert(e.file, i);
            }
        }
        let plan = apply::plan(&report, unsafe_fixes, &|id| writable.contains_key(&id));
        let mut changed = false;
        for (id, edits) in &plan.edits {
            let Some(Some(state)) = writable.get(id).and_then(|i| editing.get_mut(i)) else { continue };
            if let Some(text) = apply::apply_edits(&state.text, edits) {
                changed |= text != state.text;
                state.text = text;
                inputs[state.input].bytes = Some(apply::stored::encode(&state.text, state.stored));
            }
        }
        fixed += plan.fixed;
        if !changed {
            break;
        }
        report = analyse(&inputs);
    }
    let mut changed: Vec<Changed> = editing
        .into_values()
        .flatten()
        .filter(|s| s.text != s.old)
        .map(|s| Changed {
            path: inputs[s.input].path.clone(),
            original: s.original,
            old: s.old,
            new: s.text,
            stored: s.stored,
        })
        .collect();
    changed.sort_by(|a, b| a.path.cmp(&b.path));
    Outcome { report, changed, fixed }
}

/// An input's text as stored (from memory, or read from disk).
fn load(input: &Input, index: usize) -> Option<Editing> {
    let bytes = match &input.bytes {
        Some(b) => b.clone(),
        None => std::fs::read(&input.path).ok()?,
    };
    let (text, stored) = apply::stored::read(&bytes)?;
    Some(Editing { input: index, original: bytes, old: text.clone(), text, stored })
}
