//! Project constants: every `#define`, `const`, `enum` and initialised global
//! of the scanned tree, looked up by name.
//!
//! A name defined in the file that uses it wins over definitions elsewhere;
//! several definitions (`#ifdef` alternatives, two headers) give the set of
//! their values. The knowledge base's constants win over the project's: a
//! project that re-declares `RPC_C_AUTHN_LEVEL_CONNECT` (Wine does) cannot
//! change what the Windows API means.

use std::collections::HashMap;

use crate::ir::{ConstKind, FileIr};
use crate::source::FileId;

/// One definition: which file, which entry of its `consts`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DefRef {
    pub(crate) file: FileId,
    pub(crate) index: usize,
}

/// All definitions of a run, shared (read-only) by every worker thread.
#[derive(Default)]
pub struct ConstTable<'a> {
    files: HashMap<FileId, &'a FileIr>,
    by_name: HashMap<&'a str, Vec<DefRef>>,
}

impl<'a> ConstTable<'a> {
    pub fn new() -> ConstTable<'a> {
        ConstTable::default()
    }

    pub fn add_file(&mut self, file: FileId, ir: &'a FileIr) {
        self.files.insert(file, ir);
        for (index, def) in ir.consts.iter().enumerate() {
            self.by_name.entry(def.name.as_str()).or_default().push(DefRef { file, index });
        }
    }

    pub fn file(&self, id: FileId) -> Option<&'a FileIr> {
        self.files.get(&id).copied()
    }

    /// The definitions to use for `name` as seen from `from`: the ones in
    /// that file if it has any, else every one in the tree. Mutable globals
    /// count only when nothing else defines the name.
    pub(crate) fn lookup(&self, name: &str, from: FileId) -> Vec<DefRef> {
        let Some(all) = self.by_name.get(name) else { return Vec::new() };
        let kind = |d: &DefRef| self.files.get(&d.file).and_then(|f| f.consts.get(d.index)).map(|c| c.kind);
        let stable: Vec<DefRef> = all.iter().copied().filter(|d| kind(d) != Some(ConstKind::Global)).collect();
        let pool = if stable.is_empty() { all.clone() } else { stable };
        let local: Vec<DefRef> = pool.iter().copied().filter(|d| d.file == from).collect();
        let mut chosen = if local.is_empty() { pool } else { local };
        chosen.sort_by_key(|d| (d.file, d.index));
        chosen
    }
}
