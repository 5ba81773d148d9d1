//! Project constants: every `#define`, `const`, `enum` and initialised global
//! of the scanned tree, looked up by name.
//!
//! A C or C++ source file's own definitions (`#define`s, enumerators,
//! `static`s: [`crate::ir::ConstDef::internal`]) are seen from that file
//! only: another translation unit cannot see them (phase 2 does not look
//! for them either, [`crate::prefilter::Visibility`]). A header's and a
//! Rust file's are seen from every file.
//!
//! A name defined in the file that uses it wins over definitions elsewhere;
//! several definitions (`#ifdef` alternatives, two headers) give the set of
//! their values. The knowledge base's constants win over the project's: a
//! project that re-declares `RPC_C_AUTHN_LEVEL_CONNECT` (Wine does) cannot
//! change what the Windows API means.

use std::collections::HashMap;

use crate::ir::{ConstKind, FileIr, Visibility};

use crate::source::FileId;

/// One definition: which file, which entry of its `consts`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DefRef {
    pub(crate) file: FileId,
    pub(crate) index: usize,
    /// Whether files other than its own see it.
    shared: bool,
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

    /// A file's definitions; `scope` says which the other files see.
    pub fn add_file(&mut self, file: FileId, ir: &'a FileIr, scope: Visibility) {
        self.files.insert(file, ir);
        for (index, def) in ir.consts.iter().enumerate() {
            let shared = def.is_shared(scope);
            self.by_name.entry(def.name.as_str()).or_default().push(DefRef { file, index, shared });
        }
    }

    pub fn file(&self, id: FileId) -> Option<&'a FileIr> {
        self.files.get(&id).copied()
    }

    /// The definitions to use for `name` as seen from `from`: the ones in
    /// that file if it has any, else every one in the tree that `from` can
    /// see. Mutable globals count only when nothing else defines the name.
    pub(crate) fn lookup(&self, name: &str, from: FileId) -> Vec<DefRef> {
        let Some(all) = self.by_name.get(name) else { return Vec::new() };
        let all: Vec<DefRef> = all.iter().copied().filter(|d| d.shared || d.file == from).collect();
        let kind = |d: &DefRef| self.files.get(&d.file).and_then(|f| f.consts.get(d.index)).map(|c| c.kind);
        let stable: Vec<DefRef> = all.iter().copied().filter(|d| kind(d) != Some(ConstKind::Global)).collect();
        let pool = if stable.is_empty() { all } else { stable };
        let local: Vec<DefRef> = pool.iter().copied().filter(|d| d.file == from).collect();
        let mut chosen = if local.is_empty() { pool } else { local };
        chosen.sort_by_key(|d| (d.file, d.index));
        chosen
    }
}
