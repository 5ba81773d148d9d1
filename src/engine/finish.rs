//! The finish: what the findings need of their files' text, suppression
//! comments, renumbering, severity overrides, sorting and fingerprints.

use std::collections::{BTreeSet, HashMap};

use super::fingerprint::sort_and_fingerprint;
use super::{Run, Timer};
use crate::diagnostic::Diagnostic;
use crate::frontend::Lang;
use crate::ir::FileIr;
use crate::report::Report;
use crate::rules::{self, Rule};
use crate::settings::Settings;
use crate::source::{FileId, SourceFile};
use crate::suppress::{self, RuleSet, SuppressFile};
use crate::testcode;

/// The test files a run did not analyse: with test code left out
/// ([`crate::testcode::TestCode::skips`]), a file that is test code by its
/// path is not lowered even if it names an API.
#[derive(Default)]
pub(super) struct TestFiles {
    /// How many name an API a rule of the run reads (would have been
    /// candidates): the report's [`Report::test_files_skipped`].
    pub(super) count: usize,
    /// Those that may hold a suppression comment: an unknown rule name is
    /// reported there, an unused one is not (nothing was analysed to use it).
    pub(super) marked: Vec<SourceFile>,
}

impl TestFiles {
    pub(super) fn add(&mut self, source: Option<SourceFile>) {
        self.count += 1;
        self.marked.extend(source);
    }
}

/// The end of a run: text reloaded where findings point, suppressions
/// applied, files renumbered, severities overridden, findings sorted and
/// fingerprinted.
pub(super) fn finish(
    run: Run<'_>,
    mut diagnostics: Vec<Diagnostic>,
    rules: &[&'static Rule],
    settings: &Settings,
    timer: &mut Timer,
    files_scanned: usize,
    files_parsed: usize,
) -> Report {
    let Run { mut candidates, mut const_files, mut marked, tests, mut errors, .. } = run;
    // Judged for unused suppressions up to `judged`; the test files after.
    let judged = marked.len();
    marked.extend(tests.marked);
    let ids: Vec<FileId> = (0..candidates.len()).map(|i| FileId(u32::try_from(i).unwrap_or(u32::MAX))).collect();
    // The IR has served: free it before any text is read again.
    for c in &mut candidates {
        c.ir = FileIr::default();
    }
    for (_, ir) in &mut const_files {
        *ir = FileIr::default();
    }

    // Files findings point into get their text back (dropped after phase 1).
    let mut wanted: BTreeSet<usize> = BTreeSet::new();
    for d in &diagnostics {
        wanted.insert(d.file.index());
        wanted.extend(d.labels.iter().map(|l| l.file.index()));
        wanted.extend(d.fix.iter().flat_map(|f| &f.edits).map(|e| e.file.index()));
    }
    for i in wanted {
        let source = match i.checked_sub(candidates.len()) {
            // A file that was not parsed (too large, binary) stays unread.
            None => candidates.get_mut(i).filter(|c| c.parsed).map(|c| &mut c.source),
            Some(j) => const_files.get_mut(j).map(|(s, _)| s),
        };
        if let Some(source) = source.filter(|s| s.is_unloaded()) {
            source.reload();
        }
    }

    // A fix placed by assuming how a literal is spelled holds only if the
    // source reads what the rule assumed.
    for d in &mut diagnostics {
        let Some(fix) = &mut d.fix else { continue };
        let holds = fix.expects.iter().all(|(file, span, want)| {
            let source = match file.index().checked_sub(candidates.len()) {
                None => candidates.get(file.index()).map(|c| &c.source),
                Some(j) => const_files.get(j).map(|(s, _)| s),
            };
            source.is_some_and(|s| s.text.get(span.range()) == Some(want.as_str()))
        });
        if holds {
            fix.expects.clear();
        } else {
            d.fix = None;
        }
    }

    // Suppression comments, in the checked files only.
    let marked_base = candidates.len() + const_files.len();
    let marked_ids: Vec<FileId> =
        (0..marked.len()).map(|i| FileId(u32::try_from(marked_base + i).unwrap_or(u32::MAX))).collect();
    let mut suppress_files: Vec<SuppressFile<'_>> = candidates
        .iter()
        .zip(&ids)
        .map(|(c, id)| SuppressFile { id: *id, source: &c.source, lang: c.lang, reports_unused: true })
        .collect();
    for (i, (source, id)) in marked.iter().zip(&marked_ids).enumerate() {
        if let Some(lang) = Lang::from_path(&source.path) {
            suppress_files.push(SuppressFile { id: *id, source, lang, reports_unused: i < judged });
        }
    }
    let unused = rules.iter().copied().find(|r| std::ptr::eq(*r, rules::UNUSED_SUPPRESSION));
    let warnings =
        suppress::apply(&mut diagnostics, &suppress_files, &RuleSet { known: rules::ALL, enabled: rules, unused });
    drop(suppress_files);

    // Keep only the files findings point into, renumbered.
    let mut all_sources: Vec<Option<SourceFile>> = candidates
        .into_iter()
        .map(|c| Some(c.source))
        .chain(const_files.into_iter().map(|(s, _)| Some(s)))
        .chain(marked.into_iter().map(Some))
        .collect();
    let mut remap: HashMap<FileId, FileId> = HashMap::new();
    let mut files = Vec::new();
    let mut take = |id: FileId| -> FileId {
        if let Some(new) = remap.get(&id) {
            return *new;
        }
        let new = FileId(u32::try_from(files.len()).unwrap_or(u32::MAX));
        if let Some(source) = all_sources.get_mut(id.index()).and_then(Option::take) {
            files.push(source);
        }
        remap.insert(id, new);
        new
    };
    for d in &mut diagnostics {
        d.file = take(d.file);
        for l in d.labels.iter_mut().chain(d.flow.iter_mut()) {
            l.file = take(l.file);
        }
        if let Some(fix) = &mut d.fix {
            for e in &mut fix.edits {
                e.file = take(e.file);
            }
            fix.edits.sort();
        }
    }
    for (rule, severity) in &settings.severity {
        for d in diagnostics.iter_mut().filter(|d| d.rule == rule) {
            d.severity = *severity;
        }
    }
    timer.lap("phase 3: analysis and rules");
    sort_and_fingerprint(&mut diagnostics, &files, settings.project_root.as_deref());
    // After the fingerprints, which then do not depend on whether test code is shown.
    let test_code = testcode::leave_out(&mut diagnostics, settings.test_code.mode);
    errors.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    let mut warnings = warnings;
    warnings.sort_by(|a, b| (&a.path, a.line, a.column, &a.message).cmp(&(&b.path, b.line, b.column, &b.message)));
    warnings.dedup();
    Report {
        files,
        diagnostics,
        errors,
        files_scanned,
        files_parsed,
        warnings,
        baselined: 0,
        test_code,
        test_files_skipped: tests.count,
        fixes: None,
    }
}
