//! Phase 1b: the tree's own wrappers, and the functions that call them.
//!
//! Phase 1 lowers only the functions that name an API (and the tiny helpers
//! they call, which may return a constant), so a wrapper's body is there but
//! its callers are not. The candidates' functions are summarised
//! ([`crate::summary::compute`]); the candidates whose text names a new
//! wrapper (one Aho-Corasick search over their names) get the functions that
//! call it lowered and added: only those, the ones already lowered are
//! blanked, so no function is lowered twice. Those callers may be wrappers
//! in turn: a second round looks for their callers (two levels above the
//! API, [`ROUNDS`]).
//!
//! A caller longer than [`MAX_CALLER_BODY`] is not lowered. Files that
//! name no API are not read for a wrapper's callers: on Wine,
//! reading them for every wrapper name cost five times the run (a caller
//! there is missed). A wrapper of an API whose findings need a word
//! ([`crate::kb::Api::only_with`], `CreateFile` and `pipe`) is looked for
//! only in the files that hold the word. Only the wrappers of an API the
//! run's rules read are followed ([`crate::kb::Wanted`]).
//!
//! The final summaries are computed once every round is done, over the
//! candidates in their final order (their index is their [`FileId`] in
//! phase 3).

use std::collections::{BTreeSet, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use super::deferral::Gates;
use super::needs::free_names;
use super::phase1::Candidate;
use super::read::{Bytes, read_bytes, searchable};
use super::{Input, Run, Timer};
use crate::frontend::{self, Focused, Keep, Lang};
use crate::ir::Function;
use crate::kb::Kb;
use crate::prefilter::{Needle, WordSet};
use crate::settings::Settings;
use crate::source::{FileId, SourceFile};
use crate::summary::{self, Summaries};

/// Rounds of callers looked for: the callers of the wrappers phase 1 found,
/// then the callers of those (wrappers of wrappers).
const ROUNDS: usize = 2;
/// A caller whose body is longer than this is not lowered for a wrapper (a
/// test driver of hundreds of calls costs more to analyse than the whole
/// file's API calls; Wine's `read_pipe_test` is 16 KiB).
const MAX_CALLER_BODY: usize = 8 * 1024;

/// A wrapper looked for, and the word its API's findings need, if any.
pub(super) struct Wanted {
    pub(super) name: String,
    pub(super) needle: Option<Needle>,
}

/// Lowers the callers of the tree's own wrappers and returns the summaries
/// of the final candidates.
pub(super) fn extend<'i>(
    run: &mut Run<'i>,
    inputs: &'i [Input],
    gates: &Gates,
    kb: &Kb,
    settings: &Settings,
    timer: &mut Timer,
) -> Summaries {
    let by_path: HashMap<&Path, &'i Input> = inputs.iter().map(|i| (i.path.as_path(), i)).collect();
    let mut searched: BTreeSet<String> = BTreeSet::new();
    let defined = Arc::new(summary::Defined::new(
        run.candidates.iter().enumerate().map(|(i, c)| (file_id(i), c.defined.clone())).collect(),
    ));
    for round in 0..ROUNDS {
        let summaries = summarise(run, &defined, kb);
        let mut wanted: Vec<Wanted> = Vec::new();
        for s in summaries.iter() {
            let Some(reach) = &s.reach else { continue };
            // A wrapper of an API no rule of the run reads is not followed.
            if searched.contains(&s.name) || kb.is_api_name(&s.name) || !gates.wanted.api(reach.api) {
                continue;
            }
            searched.insert(s.name.clone());
            let needle = kb.apis.get(reach.api).and_then(|a| a.only_with.as_deref()).map(Needle::new);
            wanted.push(Wanted { name: s.name.clone(), needle });
        }
        if wanted.is_empty() {
            return summaries;
        }
        timer.note(&format!(
            "phase 1b round {}: wrappers, e.g. {:?}",
            round + 1,
            wanted.iter().take(12).map(|w| w.name.as_str()).collect::<Vec<_>>()
        ));
        let added = lower_callers(run, &by_path, &wanted, gates, kb, settings);
        timer.lap(&format!(
            "phase 1b round {}: {} summaries, {} new wrappers, {} callers lowered",
            round + 1,
            summaries.len(),
            wanted.len(),
            added
        ));
    }
    summarise(run, &defined, kb)
}

/// The summaries of the candidates as they are now; `defined`: the names
/// their files define, which lowering callers does not change.
fn summarise(run: &Run<'_>, defined: &Arc<summary::Defined>, kb: &Kb) -> Summaries {
    let files: Vec<(FileId, &crate::ir::FileIr)> =
        run.candidates.iter().enumerate().map(|(i, c)| (file_id(i), &c.ir)).collect();
    summary::compute_shared(&files, defined, kb)
}

fn file_id(i: usize) -> FileId {
    FileId(u32::try_from(i).unwrap_or(u32::MAX))
}

/// Adds to every parsed candidate whose text names one of `wanted` the
/// functions that call it (and are not lowered yet); returns how many.
pub(super) fn lower_callers(
    run: &mut Run<'_>,
    by_path: &HashMap<&Path, &Input>,
    wanted: &[Wanted],
    gates: &Gates,
    kb: &Kb,
    settings: &Settings,
) -> usize {
    let words = WordSet::new(wanted.iter().map(|w| w.name.as_str()));
    let needles: HashMap<&str, Option<&Needle>> = wanted.iter().map(|w| (w.name.as_str(), w.needle.as_ref())).collect();
    let found: Vec<Vec<Function>> = run
        .candidates
        .par_iter()
        .map(|c| {
            let input = if c.parsed { by_path.get(c.source.path.as_path()).copied() } else { None };
            input.map(|i| callers_in(c, i, &words, &needles, gates, settings)).unwrap_or_default()
        })
        .collect();
    let mut added = 0;
    let names: BTreeSet<String> = wanted.iter().map(|w| w.name.clone()).collect();
    for (c, functions) in run.candidates.iter_mut().zip(found) {
        if functions.is_empty() {
            continue;
        }
        added += functions.len();
        let mut more = crate::ir::FileIr { functions, ..Default::default() };
        let mut needs = free_names(&more, kb, Some(&names));
        needs.retain(|n| !c.defined.contains(n));
        c.needs.extend(needs);
        c.ir.functions.append(&mut more.functions);
    }
    added
}

/// The functions of one candidate that call a wanted wrapper and are not
/// lowered yet: the file is read again, and parsed with every other
/// function blanked.
fn callers_in(
    c: &Candidate,
    input: &Input,
    words: &WordSet,
    needles: &HashMap<&str, Option<&Needle>>,
    gates: &Gates,
    settings: &Settings,
) -> Vec<Function> {
    let Some(lang) = Lang::from_path(&input.path) else { return Vec::new() };
    let Ok(Bytes::Read(bytes)) = read_bytes(input, settings.limits.max_file_size) else { return Vec::new() };
    let text = searchable(&bytes);
    let named: Vec<&str> = words
        .found(&text)
        .into_iter()
        .filter(|w| needles.get(w).copied().flatten().is_none_or(|n| n.is_in(&text)))
        .collect();
    if named.is_empty() {
        return Vec::new();
    }
    drop(text);
    let these = WordSet::new(named.iter().copied());
    let source = SourceFile::from_bytes(input.path.clone(), &bytes);
    drop(bytes);
    let lowered: BTreeSet<&str> = c.ir.functions.iter().map(|f| f.name.as_str()).collect();
    let api_words = &gates.all;
    let keep = |body: &[u8]| body.len() <= MAX_CALLER_BODY && these.matches(body) && !api_words.matches(body);
    let already = |name: &str, _: &[u8]| lowered.contains(name);
    let deadline = settings.limits.deadline();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        frontend::lower_focused(lang, &source.text, &Keep { own_only: &already, ..Keep::bodies(&keep) }, deadline)
    }));
    // A panic or a timeout here loses only the callers: phase 1 has the rest.
    let Ok(Focused::Lowered(ir, _)) = outcome else { return Vec::new() };
    ir.functions
        .into_iter()
        .filter(|f| {
            !lowered.contains(f.name.as_str()) && f.calls.iter().any(|call| named.contains(&call.callee.as_str()))
        })
        .collect()
}
