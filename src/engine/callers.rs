//! Phase 1c: the candidates' functions whose every call is in their own
//! file, where the analysis sees it, asked only about the functions that
//! open a proxy on their caller's namespace and set its blanket
//! ([`crate::resolve::callers`]). A tree with none pays nothing; in one
//! with some, their callers are lowered as phase 1b lowers a wrapper's, and
//! the tree's files are read once more for their names (one Aho-Corasick
//! search, in parallel), the phase 2 way: a name no other file holds is
//! called from its file only.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use rayon::prelude::*;

use super::deferral::Gates;
use super::read::{Bytes, read_bytes, searchable};
use super::wrappers::{Wanted, lower_callers};
use super::{Input, Run, Timer};
use crate::kb::{Kb, Role};
use crate::prefilter::WordSet;
use crate::resolve::callers::{asks, seen_in_file};
use crate::settings::Settings;
use crate::source::SourceFile;

/// Per candidate (by its index), the functions asked about that no other
/// file names and that their own file calls only where the analysis sees.
pub(super) fn closed(
    run: &mut Run<'_>,
    inputs: &[Input],
    context: &[&Input],
    gates: &Gates,
    kb: &Kb,
    settings: &Settings,
    timer: &mut Timer,
) -> BTreeSet<(usize, String)> {
    // Only a rule that reads the proxies opened on a namespace asks.
    if !kb.wants_role(&gates.wanted, Role::WmiNamespace) {
        return BTreeSet::new();
    }
    let max = settings.limits.max_file_size;
    let asking: Vec<BTreeSet<String>> = run
        .candidates
        .iter()
        .map(|c| c.ir.functions.iter().filter(|f| asks(kb, f)).map(|f| f.name.clone()).collect())
        .collect();
    if asking.iter().all(BTreeSet::is_empty) {
        return BTreeSet::new();
    }
    // Their callers, as phase 1b lowers a wrapper's, so that the calls are seen.
    let names: BTreeSet<&String> = asking.iter().flatten().collect();
    let wanted: Vec<Wanted> = names.into_iter().map(|n| Wanted { name: n.clone(), needle: None }).collect();
    let by_input: HashMap<&Path, &Input> = inputs.iter().map(|i| (i.path.as_path(), i)).collect();
    let lowered = lower_callers(run, &by_input, &wanted, gates, kb, settings);
    timer.note(&format!("phase 1c: {lowered} callers lowered"));
    let by_path: BTreeMap<&Path, &Input> = inputs.iter().map(|i| (i.path.as_path(), i)).collect();
    // The functions asked about, kept when their own file names them only
    // where the analysis sees.
    let mut asked: Vec<(usize, &Path, BTreeSet<String>)> = Vec::new();
    for ((i, c), names) in run.candidates.iter().enumerate().zip(asking) {
        if names.is_empty() {
            continue;
        }
        let Some(input) = by_path.get(c.source.path.as_path()) else { continue };
        let Ok(Bytes::Read(bytes)) = read_bytes(input, max) else { continue };
        let source = SourceFile::from_bytes(c.source.path.clone(), &bytes);
        let names = seen_in_file(&source.text, &c.ir, c.lang.dialect(), &names);
        if !names.is_empty() {
            asked.push((i, c.source.path.as_path(), names));
        }
    }
    if asked.is_empty() {
        return BTreeSet::new();
    }
    let words = WordSet::new(asked.iter().flat_map(|(_, _, n)| n.iter().map(String::as_str)));
    // Each file's names of those; a file that cannot be read may hold any.
    let every: Vec<&str> = asked.iter().flat_map(|(_, _, n)| n.iter().map(String::as_str)).collect();
    let found: Vec<(&Path, Vec<&str>)> = inputs
        .par_iter()
        .chain(context.par_iter().copied())
        .map(|input| {
            let names = match read_bytes(input, max) {
                Ok(Bytes::Read(bytes)) => words.found(&searchable(&bytes)),
                _ => every.clone(),
            };
            (input.path.as_path(), names)
        })
        .collect();
    timer.lap(&format!("phase 1c: {} functions asked about, {} files read for their names", every.len(), found.len()));
    let mut out = BTreeSet::new();
    for (i, path, names) in &asked {
        for name in names {
            let elsewhere = found.iter().any(|(p, n)| p != path && n.contains(&name.as_str()));
            if !elsewhere {
                out.insert((*i, name.clone()));
            }
        }
    }
    out
}
