//! The constant search (phase 2): which free names the kept functions need
//! (a backward slice from API arguments), and the files that define them,
//! lowered for their constants only. A file whose names phase 1 recorded is
//! opened only if it may define one of them.
//!
//! A name is taken only from a file whose definition of it other files can
//! see ([`Visibility`]): from a header or a Rust file, any definition; from
//! a C or C++ source file, only a file-level one the linker shares (not a
//! `#define`, a `static` nor an enumerator, which are that translation
//! unit's own: another file's private `#define X` is not the `X` a file
//! means). Phase 1's index ([`crate::prefilter::Defined`]) records those
//! names under the same rule, and phase 3's constant table hides the rest
//! from other files, so the constants found do not depend on which files
//! happened to be opened or to be candidates.

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::needs::const_refs;
use super::phase1::{Candidate, not_analysed};
use super::read::{Bytes, read_bytes, searchable};
use super::{Input, Run, Skipped, Timer, panic_message};
use crate::frontend::{self, Lang};
use crate::ir::{ConstDef, FileIr};
use crate::kb::Kb;
use crate::limits::{self, Limits};
use crate::prefilter::{Visibility, WordSet, name_key};
use crate::report::FileError;
use crate::settings::Settings;
use crate::source::SourceFile;

/// Rounds of phase 2 (constants that refer to constants in yet other files).
pub(super) const CONST_ROUNDS: usize = 4;

/// Phase 2: the definitions of the names the candidates could not resolve,
/// searched for in the skipped (and context) files.
pub(super) fn search(run: &mut Run<'_>, kb: &Kb, settings: &Settings, timer: &mut Timer) {
    let Run { candidates, const_files, skipped, errors, .. } = run;
    // A name a candidate defines for itself only is still looked for: its
    // own needs leave it out already, another candidate's do not.
    let defined: BTreeSet<&str> = candidates
        .iter()
        .flat_map(|c| shared(&c.ir, c.lang.visibility(&c.source.path)).map(|d| d.name.as_str()))
        .collect();
    let mut needed: BTreeSet<String> =
        candidates.iter().flat_map(|c| c.needs.iter()).filter(|n| !defined.contains(n.as_str())).cloned().collect();
    let mut searched: BTreeSet<String> = BTreeSet::new();
    let (mut rounds, mut opened) = (0, 0);
    for _ in 0..CONST_ROUNDS {
        needed.retain(|n| !searched.contains(n));
        if needed.is_empty() || skipped.is_empty() {
            break;
        }
        let words = WordSet::new(needed.iter().map(String::as_str));
        timer.note(&format!(
            "phase 2 round: {} names, e.g. {:?}",
            needed.len(),
            needed.iter().take(12).collect::<Vec<_>>()
        ));
        // A file that phase 1 read opens again only if it may define a name.
        let keys: Vec<u64> = needed.iter().map(|n| name_key(n.as_bytes())).collect();
        let found: Vec<ConstsRead> = skipped
            .par_iter()
            .map(|s| match &s.defined {
                Some(defined) if !defined.may_define_any(&keys) => ConstsRead::Skipped,
                _ => read_consts(s.input, &words, &settings.limits),
            })
            .collect();
        rounds += 1;
        opened += found.iter().filter(|r| !matches!(r, ConstsRead::Skipped)).count();
        searched.extend(needed.iter().cloned());
        let mut next: BTreeSet<String> = BTreeSet::new();
        // A file read for some names stays in the search: the next round's
        // names may be defined in it too (`PIPE_ROOT`, which `AGENT` in
        // another header is built on). One that failed is reported once.
        let mut failed: BTreeSet<PathBuf> = BTreeSet::new();
        for (Skipped { input, .. }, read) in skipped.iter().zip(found) {
            match read {
                ConstsRead::Nothing | ConstsRead::Skipped => continue,
                ConstsRead::Found(file) => {
                    // What it defines for itself its own definitions see.
                    let own: BTreeSet<&str> = file.1.consts.iter().map(|d| d.name.as_str()).collect();
                    next.extend(const_refs(&file.1, &needed).into_iter().filter(|n| !own.contains(n.as_str())));
                    const_files.push(*file);
                    continue;
                }
                // Reported like a candidate that could not be analysed: its
                // constants are missing, and the user must know.
                ConstsRead::NotAnalysed(c) => candidates.push(*c),
                ConstsRead::Error(e) => errors.push(e),
            }
            failed.insert(input.path.clone());
        }
        skipped.retain(|s| !failed.contains(&s.input.path));
        let defined: BTreeSet<&str> =
            const_files.iter().flat_map(|(s, ir)| shared(ir, visibility(&s.path)).map(|d| d.name.as_str())).collect();
        next.retain(|n| !defined.contains(n.as_str()) && kb.constant(n).is_none());
        needed = next;
    }
    timer.lap(&format!("phase 2: {rounds} rounds, {opened} files opened, {} define a name", const_files.len()));
}

/// The visibility of a file's definitions, by its path.
pub(super) fn visibility(path: &Path) -> Visibility {
    Lang::from_path(path).map_or(Visibility::Included, |lang| lang.visibility(path))
}

/// The definitions of `ir` that other files see.
fn shared(ir: &FileIr, scope: Visibility) -> impl Iterator<Item = &ConstDef> {
    ir.consts.iter().filter(move |d| d.is_shared(scope))
}

/// What phase 2 made of a file that might define a needed name.
pub(super) enum ConstsRead {
    /// Not opened: phase 1 found it defines none of the names.
    Skipped,
    /// It does not (or it is not a source file).
    Nothing,
    /// It does: its constants.
    Found(Box<(SourceFile, FileIr)>),
    /// Its parse ran out of time: reported as a `parse-error`.
    NotAnalysed(Box<Candidate>),
    Error(FileError),
}

pub(super) fn read_consts(input: &Input, words: &WordSet, limits: &Limits) -> ConstsRead {
    let Some(lang) = Lang::from_path(&input.path) else { return ConstsRead::Nothing };
    // Phase 1 read this file already and found it neither too large nor binary.
    let bytes = match read_bytes(input, limits.max_file_size) {
        Ok(Bytes::Read(bytes)) => bytes,
        Ok(Bytes::TooLarge(_)) => return ConstsRead::Nothing,
        Err(e) => return ConstsRead::Error(e),
    };
    let scope = lang.visibility(&input.path);
    let found = words.found_defined(&searchable(&bytes), scope);
    if found.is_empty() {
        return ConstsRead::Nothing;
    }
    let source = SourceFile::from_bytes(input.path.clone(), &bytes);
    drop(bytes);
    let deadline = limits.deadline();
    // The definitions of the names wanted, then of the names those refer to
    // that this same file defines (`#define CALG_SHA_256 (ALG_CLASS_HASH | ..)`).
    let lowered = catch_unwind(AssertUnwindSafe(|| {
        let file = frontend::consts_text(lang, &source.text);
        let text = source.text.as_bytes();
        let mut wanted: BTreeSet<String> = found.iter().map(|n| (*n).to_string()).collect();
        let mut ir = None;
        for _ in 0..CONST_ROUNDS {
            let words = WordSet::new(wanted.iter().map(String::as_str));
            // A C or C++ declaration is kept if it defines a name wanted
            // (not if it only names one: `{ GENERIC_ALL, .. }`), a Rust one
            // if it names one. Its own definitions are kept too (what the
            // ones other files see are built on).
            let at = if lang == Lang::Rust { Vec::new() } else { words.defined_at(text, Visibility::Included) };
            let keep = |s: usize, e: usize| match lang {
                Lang::Rust => text.get(s..e).is_some_and(|chunk| words.matches(chunk)),
                Lang::C | Lang::Cpp => at.get(at.partition_point(|&p| p < s)).is_some_and(|&p| p < e),
            };
            let lowered = frontend::lower_consts_kept(&file, &keep, &at, deadline)?;
            let refs: BTreeSet<String> =
                const_refs(&lowered, &wanted).into_iter().filter(|n| !wanted.contains(n)).collect();
            ir = Some(lowered);
            let here = WordSet::new(refs.iter().map(String::as_str));
            let more = here.found_defined(text, Visibility::Included);
            if more.is_empty() {
                break;
            }
            wanted.extend(more.into_iter().map(str::to_string));
        }
        ir
    }));
    let mut ir = match lowered {
        Ok(Some(ir)) => ir,
        Ok(None) => {
            let limit = limits.file_timeout.map(limits::format_timeout).unwrap_or_default();
            let message = format!(
                "constants not read: parsing took longer than the {limit} limit (raise it with --file-timeout)"
            );
            return ConstsRead::NotAnalysed(not_analysed(input, message));
        }
        Err(panic) => {
            return ConstsRead::Error(FileError {
                path: source.display_path(),
                message: format!("internal error while parsing: {}", panic_message(&panic)),
            });
        }
    };
    ir.functions.clear();
    if !shared(&ir, scope).any(|d| found.contains(&d.name.as_str())) {
        return ConstsRead::Nothing;
    }
    let source = if input.bytes.is_none() { source.unloaded() } else { source };
    ConstsRead::Found(Box::new((source, ir)))
}
