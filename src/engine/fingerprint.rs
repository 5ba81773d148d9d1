//! Fingerprints: a finding's identity across runs and machines (rule, path
//! relative to the project root, the call's text, its rank among identical
//! ones), used by baselines.

use std::collections::HashMap;
use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::ir::Span;
use crate::source::SourceFile;

/// Sorts by path, line, column (of the primary span), rule, message, and
/// gives each finding its fingerprint: rule, path (relative to `root` when
/// the file is under it), the call's text without spaces, and how many
/// identical ones come before it in the file. The call, not the primary
/// span, makes the fingerprint, and the rank among identical ones follows
/// the calls' order: where a rule points inside the call does not change it.
pub(super) fn sort_and_fingerprint(diagnostics: &mut [Diagnostic], files: &[SourceFile], root: Option<&Path>) {
    let key = |d: &Diagnostic, span: Span| {
        let file = files.get(d.file.index());
        let path = file.map(SourceFile::display_path).unwrap_or_default();
        let (line, col) = file.map_or((0, 0), |f| f.line_col(span.start));
        (path, line, col, d.rule, d.message.clone())
    };
    let fingerprint_paths: Vec<String> = files.iter().map(|f| fingerprint_path(&f.path, root)).collect();
    let mut by_call: Vec<usize> = (0..diagnostics.len()).collect();
    by_call.sort_by_cached_key(|&i| key(&diagnostics[i], diagnostics[i].call_span));
    let mut seen: HashMap<(String, &'static str, String), usize> = HashMap::new();
    for i in by_call {
        let d = &mut diagnostics[i];
        let file = files.get(d.file.index());
        let path = fingerprint_paths.get(d.file.index()).cloned().unwrap_or_default();
        let text: String =
            file.map(|f| f.slice(d.call_span)).unwrap_or("").chars().filter(|c| !c.is_whitespace()).collect();
        let n = seen.entry((path.clone(), d.rule, text.clone())).or_insert(0);
        d.fingerprint = format!("{:016x}", fnv1a(&[d.rule, &path, &text, &n.to_string()]));
        *n += 1;
    }
    diagnostics.sort_by_cached_key(|d| key(d, d.span));
}

/// The path a fingerprint uses: relative to `root` with `/` when the file
/// is under it, else with `/` as given; the same for one tree checked out
/// on Windows and on Linux (see [`crate::paths::portable`]).
pub fn fingerprint_path(path: &Path, root: Option<&Path>) -> String {
    crate::paths::portable(path, root)
}

/// FNV-1a over parts separated by NUL: stable across runs, versions and machines.
pub(super) fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in part.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}
