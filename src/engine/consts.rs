//! The constant search (phase 2): which free names the kept functions need
//! (a backward slice from API arguments), and the files that define them,
//! lowered for their constants only.

use std::collections::{BTreeSet, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use rayon::prelude::*;

use super::phase1::{Candidate, not_analysed};
use super::read::{Bytes, read_bytes, searchable};
use super::{Input, Run, Timer, panic_message};
use crate::frontend::{self, Lang};
use crate::ir::{ExprKind, FileIr, Function};
use crate::kb::Kb;
use crate::limits::{self, Limits};
use crate::prefilter::WordSet;
use crate::report::FileError;
use crate::settings::Settings;
use crate::source::SourceFile;

/// Rounds of phase 2 (constants that refer to constants in yet other files).
pub(super) const CONST_ROUNDS: usize = 4;

/// Phase 2: the definitions of the names the candidates could not resolve,
/// searched for in the skipped (and context) files.
pub(super) fn search(run: &mut Run<'_>, kb: &Kb, settings: &Settings, timer: &mut Timer) {
    let Run { candidates, const_files, skipped, errors, .. } = run;
    let defined: BTreeSet<&str> = candidates.iter().flat_map(|c| c.ir.consts.iter().map(|d| d.name.as_str())).collect();
    let mut needed: BTreeSet<String> =
        candidates.iter().flat_map(|c| c.needs.iter()).filter(|n| !defined.contains(n.as_str())).cloned().collect();
    let mut searched: BTreeSet<String> = BTreeSet::new();
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
        let found: Vec<ConstsRead> =
            skipped.par_iter().map(|input| read_consts(input, &words, &settings.limits)).collect();
        searched.extend(needed.iter().cloned());
        let mut next: BTreeSet<String> = BTreeSet::new();
        // A file read for some names stays in the search: the next round's
        // names may be defined in it too (`PIPE_ROOT`, which `AGENT` in
        // another header is built on). One that failed is reported once.
        let mut failed: BTreeSet<PathBuf> = BTreeSet::new();
        for (input, read) in skipped.iter().zip(found) {
            match read {
                ConstsRead::Nothing => continue,
                ConstsRead::Found(file) => {
                    next.extend(const_refs(&file.1, &needed));
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
        skipped.retain(|i| !failed.contains(&i.path));
        let defined: BTreeSet<&str> =
            const_files.iter().flat_map(|(_, ir)| ir.consts.iter().map(|d| d.name.as_str())).collect();
        next.retain(|n| !defined.contains(n.as_str()) && kb.constant(n).is_none());
        needed = next;
    }
}

/// Names whose values can reach an API call's arguments and that neither the
/// file nor the knowledge base defines, following the file's own constants
/// to the names they use in turn. Names used only elsewhere (a loop bound, a
/// message) are not looked for: phase 2 reads only what can matter.
pub(super) fn free_names(ir: &FileIr, kb: &Kb) -> BTreeSet<String> {
    let local: HashMap<&str, Vec<usize>> = ir.consts.iter().enumerate().fold(HashMap::new(), |mut m, (i, d)| {
        m.entry(d.name.as_str()).or_default().push(i);
        m
    });
    let mut work: Vec<String> = Vec::new();
    for f in &ir.functions {
        work.extend(api_argument_names(f, kb));
    }
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut free = BTreeSet::new();
    while let Some(name) = work.pop() {
        if !seen.insert(name.clone()) || kb.constant(&name).is_some() {
            continue;
        }
        match local.get(name.as_str()) {
            Some(defs) => {
                for &i in defs {
                    if let Some(d) = ir.consts.get(i) {
                        work.extend(names_under(&ir.const_scope, d.value));
                    }
                }
            }
            None => {
                free.insert(name);
            }
        }
    }
    free
}

/// The free names in the arguments of a function's API calls, and in what
/// is assigned to the locals (and through pointers, and to globals) those
/// arguments read: a backward slice over assignments.
pub(super) fn api_argument_names(f: &Function, kb: &Kb) -> Vec<String> {
    use crate::ir::{ExprId, LocalId, PlaceRoot, Stmt};
    let mut assigned: HashMap<LocalId, Vec<ExprId>> = HashMap::new();
    let mut indirect: Vec<ExprId> = Vec::new();
    for b in &f.blocks {
        for st in &b.stmts {
            if let Stmt::Assign { place, value, .. } = st {
                match &place.root {
                    PlaceRoot::Local(l) => assigned.entry(*l).or_default().push(*value),
                    // `pqos->ImpersonationType = X`, `g_qos.Capabilities = X`: a
                    // struct an argument may point to.
                    PlaceRoot::Deref(_) | PlaceRoot::Global(_) if !place.path.is_empty() => indirect.push(*value),
                    _ => {}
                }
            }
        }
    }
    let mut stack: Vec<ExprId> = Vec::new();
    for call in &f.calls {
        let Some(m) = kb.api_for_call(&call.callee, call.receiver.is_some(), call.args.len()) else { continue };
        // Only the arguments whose parameter means something to a rule.
        let args = call.args.iter().skip(usize::from(m.this_in_args));
        for (p, a) in m.api.params.iter().zip(args) {
            if p.role.is_some() || p.struct_type.is_some() {
                stack.push(*a);
            }
        }
    }
    if !stack.is_empty() {
        stack.extend(indirect);
    }
    let mut seen_expr = vec![false; f.exprs.len()];
    let mut seen_local: BTreeSet<LocalId> = BTreeSet::new();
    let mut out = Vec::new();
    while let Some(e) = stack.pop() {
        let Some(slot) = seen_expr.get_mut(e.index()) else { continue };
        if std::mem::replace(slot, true) {
            continue;
        }
        let Some(expr) = f.exprs.get(e.index()) else { continue };
        match &expr.kind {
            ExprKind::Name(n) => out.push(n.clone()),
            ExprKind::Local(l) if seen_local.insert(*l) => {
                stack.extend(assigned.get(l).into_iter().flatten().copied());
            }
            // A call's value depends on its arguments only through a helper
            // that passes one on (`TEXT(x)`, `wcsdup(x)`); an API's or an
            // unknown function's result is not a constant.
            ExprKind::Call(c) => {
                let Some(call) = f.calls.get(c.index()) else { continue };
                let Some(h) = kb.helper_for_call(&call.callee, call.receiver.is_some()) else { continue };
                match h.from.unwrap_or(0) {
                    -1 => stack.extend(call.receiver),
                    i => stack.extend(usize::try_from(i).ok().and_then(|i| call.args.get(i)).copied()),
                }
                continue;
            }
            _ => {}
        }
        crate::ir::for_each_child(&expr.kind, &f.calls, |c| stack.push(c));
    }
    out
}

/// The free names in one expression tree of a constant scope.
pub(super) fn names_under(scope: &Function, root: crate::ir::ExprId) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    let mut budget = 10_000;
    while let Some(e) = stack.pop() {
        budget -= 1;
        if budget == 0 {
            break;
        }
        let Some(expr) = scope.exprs.get(e.index()) else { continue };
        if let ExprKind::Name(n) = &expr.kind {
            out.push(n.clone());
        }
        crate::ir::for_each_child(&expr.kind, &scope.calls, |c| stack.push(c));
    }
    out
}

/// Names referenced by the definitions of `wanted` in a constants-only file.
pub(super) fn const_refs(ir: &FileIr, wanted: &BTreeSet<String>) -> BTreeSet<String> {
    ir.consts.iter().filter(|d| wanted.contains(&d.name)).flat_map(|d| names_under(&ir.const_scope, d.value)).collect()
}

/// What phase 2 made of a file that might define a needed name.
pub(super) enum ConstsRead {
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
    let found = words.found_defined(&searchable(&bytes));
    if found.is_empty() {
        return ConstsRead::Nothing;
    }
    let source = SourceFile::from_bytes(input.path.clone(), &bytes);
    drop(bytes);
    let deadline = limits.deadline();
    // The definitions of the names wanted, then of the names those refer to
    // that this same file defines (`#define CALG_SHA_256 (ALG_CLASS_HASH | ..)`).
    let lowered = catch_unwind(AssertUnwindSafe(|| {
        let mut wanted: BTreeSet<String> = found.iter().map(|n| (*n).to_string()).collect();
        let mut ir = None;
        for _ in 0..CONST_ROUNDS {
            let words = WordSet::new(wanted.iter().map(String::as_str));
            let lowered = frontend::lower_consts_focused(lang, &source.text, &|chunk| words.matches(chunk), deadline)?;
            let refs: BTreeSet<String> =
                const_refs(&lowered, &wanted).into_iter().filter(|n| !wanted.contains(n)).collect();
            ir = Some(lowered);
            let here = WordSet::new(refs.iter().map(String::as_str));
            let more = here.found_defined(source.text.as_bytes());
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
    if !ir.consts.iter().any(|d| found.contains(&d.name.as_str())) {
        return ConstsRead::Nothing;
    }
    let source = if input.bytes.is_none() { source.unloaded() } else { source };
    ConstsRead::Found(Box::new((source, ir)))
}
