//! Phase 3: the resolver over each kept function, then the rules, with the
//! project's constant table and project-wide facts.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use rayon::prelude::*;

use super::phase1::Candidate;
use super::{Run, panic_message};
use crate::diagnostic::Diagnostic;
use crate::kb::Kb;
use crate::report::FileError;
use crate::resolve::ProjectFacts;
use crate::resolve::{self, ConstTable, FieldFacts, FieldFile, FileCtx, FunctionFacts};
use crate::rules::{self, Rule};
use crate::settings::{Settings, TestHooks};
use crate::source::FileId;
use crate::summary::Summaries;
use crate::testcode;

/// Phase 3: every candidate's functions analysed and the rules run, with
/// every file's constants. A file whose analysis panicked is an error.
pub(super) fn run(
    run: &Run<'_>,
    kb: &Kb,
    summaries: &Summaries,
    rules: &[&'static Rule],
    settings: &Settings,
    closed: &std::collections::BTreeSet<(usize, String)>,
) -> (Vec<Diagnostic>, Vec<FileError>) {
    let Run { candidates, const_files, .. } = run;
    let mut table = ConstTable::new();
    let ids: Vec<FileId> = (0..candidates.len()).map(|i| FileId(u32::try_from(i).unwrap_or(u32::MAX))).collect();
    for (c, id) in candidates.iter().zip(&ids) {
        table.add_file(*id, &c.ir, c.lang.visibility(&c.source.path));
    }
    let const_ids: Vec<FileId> =
        (0..const_files.len()).map(|i| FileId(u32::try_from(candidates.len() + i).unwrap_or(u32::MAX))).collect();
    for ((s, ir), id) in const_files.iter().zip(&const_ids) {
        table.add_file(*id, ir, super::consts::visibility(&s.path));
    }
    let mut project = ProjectFacts::collect(candidates.iter().map(|c| &c.ir), kb);
    project.closed = closed.iter().filter_map(|(i, name)| Some((*ids.get(*i)?, name.clone()))).collect();
    project.locate(candidates.iter().zip(&ids).map(|(c, id)| (*id, c.source.path.as_path(), &c.ir)), kb, &table);
    let field_files: Vec<FieldFile<'_>> =
        candidates.iter().zip(&ids).map(|(c, id)| FieldFile { file: *id, ir: &c.ir, text: &c.field_text }).collect();
    // Each file's functions get the per-file time limit again.
    let fields = FieldFacts::collect(&field_files, kb, |file| FileCtx {
        kb,
        file,
        consts: &table,
        reverting_types: &project.reverting_types,
        deadline: settings.limits.deadline(),
        summaries: Some(summaries),
    });
    project.fields = fields;
    let results: Vec<Result<Vec<Diagnostic>, FileError>> = candidates
        .par_iter()
        .zip(ids.par_iter())
        .map(|(c, id)| analyse_file(c, *id, kb, &table, summaries, &project, rules, settings))
        .collect();
    let mut diagnostics = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(mut d) => diagnostics.append(&mut d),
            Err(e) => errors.push(e),
        }
    }
    (diagnostics, errors)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn analyse_file(
    c: &Candidate,
    id: FileId,
    kb: &Kb,
    table: &ConstTable<'_>,
    summaries: &Summaries,
    project: &ProjectFacts,
    rules: &[&'static Rule],
    settings: &Settings,
) -> Result<Vec<Diagnostic>, FileError> {
    let result = catch_unwind(AssertUnwindSafe(|| {
        TestHooks::panic_if_marked(&settings.test_hooks.panic_while_analysing, &c.source.text, "analysing");
        let deadline = settings.limits.deadline();
        let cx = FileCtx {
            kb,
            file: id,
            consts: table,
            reverting_types: &project.reverting_types,
            deadline,
            summaries: Some(summaries),
        };
        let facts: Vec<FunctionFacts> =
            c.ir.functions
                .iter()
                .map(|f| {
                    if deadline.is_some_and(|d| Instant::now() >= d) {
                        // Out of time: the `parse-error` rule reports the first such function.
                        FunctionFacts { gave_up: true, timed_out: true, ..FunctionFacts::default() }
                    } else {
                        resolve::analyze(&cx, f)
                    }
                })
                .collect();
        let mut found = rules::run(rules, kb, &settings.rule_options, project, table, id, &c.ir, &facts);
        // Test code is decided once, after the rules, by path and by the
        // regions the frontend marked.
        let test_file = settings.test_code.is_test_file(&c.source.path, settings.project_root.as_deref());
        testcode::mark(&mut found, test_file, &c.ir.test_regions);
        found
    }));
    result.map_err(|panic| FileError {
        path: c.source.display_path(),
        message: format!("internal error while analysing: {}", panic_message(&panic)),
    })
}
