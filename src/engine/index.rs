//! The project a long-running client (the language server) keeps in memory:
//! the tree's source files with their bytes, read once, refreshed one file
//! at a time when it changes on disk. Checking a buffer ([`check_buffer`])
//! runs the same three phases as `check` with the buffer as the one input
//! and the index as the context files phase 2 searches for constants (as
//! `--changed-since` does with the unchanged files), so no engine logic is
//! repeated and an edit costs no walk or read of the tree.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::read::{Bytes, read_bytes, searchable};
use super::{Input, check_against};
use crate::limits::Limits;
use crate::prefilter::WordSet;
use crate::report::Report;
use crate::settings::Settings;

/// The tree's source files, sorted by path, each with its bytes (a file
/// over the size limit or unreadable is left out: it defines nothing a
/// check could use).
#[derive(Debug, Default)]
pub struct ProjectIndex {
    files: Vec<Input>,
}

impl ProjectIndex {
    /// Reads `paths` (already discovered and filtered), in parallel.
    pub fn build(paths: &[PathBuf], limits: &Limits) -> ProjectIndex {
        let mut files: Vec<Input> = paths.par_iter().filter_map(|p| read(p, limits)).collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files.dedup_by(|a, b| a.path == b.path);
        ProjectIndex { files }
    }

    /// How many files the index holds.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Whether `path` is one of the index's files.
    pub fn contains(&self, path: &Path) -> bool {
        self.position(path).is_ok()
    }

    /// Reads `path` again after it changed on disk: a new file joins (when
    /// `keep`), a deleted or no longer kept one leaves. Returns the names
    /// among `names` that its old or its new text defines (phase 2's test),
    /// so the caller re-checks only the buffers that use them.
    pub fn refresh(&mut self, path: &Path, keep: bool, limits: &Limits, names: &WordSet) -> BTreeSet<String> {
        let new = if keep { read(path, limits) } else { None };
        let old = match (self.position(path), new) {
            (Ok(i), Some(new)) => Some(std::mem::replace(&mut self.files[i], new)),
            (Ok(i), None) => Some(self.files.remove(i)),
            (Err(i), Some(new)) => {
                self.files.insert(i, new);
                None
            }
            (Err(_), None) => None,
        };
        let mut defined = BTreeSet::new();
        let now = self.position(path).ok().and_then(|i| self.files.get(i));
        for input in old.as_ref().into_iter().chain(now) {
            if let Some(bytes) = &input.bytes {
                let scope = super::consts::visibility(path);
                defined.extend(names.found_defined(&searchable(bytes), scope).into_iter().map(str::to_string));
            }
        }
        defined
    }

    fn position(&self, path: &Path) -> Result<usize, usize> {
        self.files.binary_search_by(|f| f.path.as_path().cmp(path))
    }
}

fn read(path: &Path, limits: &Limits) -> Option<Input> {
    let input = Input { path: path.to_path_buf(), bytes: None };
    match read_bytes(&input, limits.max_file_size) {
        Ok(Bytes::Read(bytes)) => Some(Input { path: input.path.clone(), bytes: Some(bytes.into_owned()) }),
        Ok(Bytes::TooLarge(_)) | Err(_) => None,
    }
}

/// Checks one buffer (an editor's text, not the file on disk) against the
/// project: the index's other files are searched for the constants it uses.
/// The report is the one `check` would give for that file alone.
pub fn check_buffer(buffer: &Input, index: &ProjectIndex, settings: &Settings) -> Report {
    let context: Vec<&Input> = index.files.iter().filter(|f| f.path != buffer.path).collect();
    check_against(std::slice::from_ref(buffer), &context, settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buffer(path: &Path, text: &str) -> Input {
        Input { path: path.to_path_buf(), bytes: Some(text.as_bytes().to_vec()) }
    }

    #[test]
    fn a_buffer_is_checked_with_the_constants_of_the_index() {
        let dir = tempfile::tempdir().expect("tempdir");
        let header = dir.path().join("levels.h");
        std::fs::write(&header, "#define MY_LEVEL RPC_C_AUTHN_LEVEL_NONE\n").expect("write");
        let source = dir.path().join("client.c");
        let text = "void f(RPC_BINDING_HANDLE h) {\n  RpcBindingSetAuthInfoW(h, L\"srv\", MY_LEVEL, RPC_C_AUTHN_WINNT, 0, 0);\n}\n";
        // On disk, the file is still empty: the buffer's text is checked.
        std::fs::write(&source, "").expect("write");
        let settings = Settings { select: vec!["all".to_string()], ..Settings::default() };

        let empty = ProjectIndex::default();
        let alone = check_buffer(&buffer(&source, text), &empty, &settings);
        assert!(alone.diagnostics.iter().all(|d| d.rule != "missing-integrity"));

        let mut index = ProjectIndex::build(&[header.clone(), source.clone()], &Limits::default());
        assert_eq!(index.len(), 2);
        let report = check_buffer(&buffer(&source, text), &index, &settings);
        assert!(report.diagnostics.iter().any(|d| d.rule == "missing-integrity"), "{:?}", report.diagnostics);

        // The header is edited on disk: the index follows, and says which names changed.
        std::fs::write(&header, "#define MY_LEVEL RPC_C_AUTHN_LEVEL_PKT_PRIVACY\n").expect("write");
        let names = WordSet::new(["MY_LEVEL", "OTHER"]);
        let changed = index.refresh(&header, true, &Limits::default(), &names);
        assert_eq!(changed.into_iter().collect::<Vec<_>>(), ["MY_LEVEL"]);
        let report = check_buffer(&buffer(&source, text), &index, &settings);
        assert!(report.diagnostics.iter().all(|d| d.rule != "missing-integrity"), "{:?}", report.diagnostics);

        std::fs::remove_file(&header).expect("remove");
        index.refresh(&header, true, &Limits::default(), &names);
        assert!(!index.contains(&header));
        assert_eq!(index.len(), 1);
    }
}
