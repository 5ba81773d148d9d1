//! What is known about the whole tree before any file is analysed: the
//! resolver's and the rules' project-wide input ([`ProjectFacts`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::consts::ConstTable;
use super::pipes::{self, FirstInstance};
use super::servers::{self, Listener};
use crate::ir::{Call, ExprKind, FileIr, Function, FunctionKind, unqualified};
use crate::kb::{Effect, Kb, SetKind};
use crate::source::FileId;

/// What is known about the whole scanned tree (the program) before any
/// file is analysed.
#[derive(Debug, Default)]
pub struct ProjectFacts {
    /// Types whose destructor or `Drop::drop` reverts an impersonation (RAII guards).
    pub(crate) reverting_types: BTreeSet<String>,
    /// The APIs effects that some function of the tree calls (e.g. whether
    /// the program registers COM class objects).
    pub(crate) effects: BTreeSet<Effect>,
    /// The directories of the files that call an API with each effect
    /// (filled by [`ProjectFacts::locate`]).
    pub(crate) effect_dirs: BTreeMap<Effect, BTreeSet<PathBuf>>,
    /// The directory of each analysed file (filled by [`ProjectFacts::locate`]).
    pub(crate) file_dirs: BTreeMap<FileId, PathBuf>,
    /// The `CreateNamedPipe` calls that may create a first instance (filled
    /// by [`ProjectFacts::locate`]).
    pub(crate) first_instances: Vec<FirstInstance>,
    /// The functions of the tree that arm a binding (call an `arms-binding`
    /// API): a binding handed to one counts as armed.
    pub(crate) arming_functions: BTreeSet<String>,
    /// The last names of the functions the tree starts threads at
    /// (`CreateThread(.., CompressFolder, ..)`, `[tables.threads]`).
    pub(crate) thread_routines: BTreeSet<String>,
    /// The functions that register COM class objects, with their file's
    /// directory (filled by [`ProjectFacts::locate`]).
    pub(crate) class_registrars: Vec<(PathBuf, String)>,
    /// Fields written in one function and passed to an API in another
    /// (filled by [`super::FieldFacts::collect`]).
    pub(crate) fields: super::FieldFacts,
    /// The calls by which RPC servers of the tree listen on protocol
    /// sequences (filled by [`ProjectFacts::locate`]).
    pub(crate) listeners: Vec<Listener>,
    /// Functions (by file and name) whose every call is in their file,
    /// where the analysis sees it ([`super::callers`]; filled by the engine).
    pub(crate) closed: BTreeSet<(FileId, String)>,
}

impl ProjectFacts {
    pub fn collect<'a>(files: impl Iterator<Item = &'a FileIr>, kb: &Kb) -> ProjectFacts {
        let mut facts = ProjectFacts::default();
        for ir in files {
            for f in &ir.functions {
                for call in &f.calls {
                    if let Some(name) = thread_routine(kb, f, call) {
                        facts.thread_routines.insert(name);
                    }
                    let Some(m) = kb.api_for_call(&call.callee, call.receiver.is_some(), call.args.len()) else {
                        continue;
                    };
                    facts.effects.insert(m.api.effect);
                    if kb.api_in_set(SetKind::ArmsBinding, m.api) && !f.name.is_empty() {
                        facts.arming_functions.insert(f.name.clone());
                    }
                    if m.api.effect == Effect::Revert && f.kind == FunctionKind::Destructor {
                        if let Some(owner) = &f.owner {
                            facts.reverting_types.insert(owner.clone());
                        }
                    }
                }
            }
        }
        facts
    }

    /// Whether `name` (a function's, qualified or not) is one the tree starts a thread at.
    pub(crate) fn is_thread_routine(&self, name: &str) -> bool {
        self.thread_routines.contains(unqualified(name))
    }

    /// Whether some function of the tree calls an API with this effect.
    pub(crate) fn calls(&self, effect: Effect) -> bool {
        self.effects.contains(&effect)
    }

    /// Records where each effect is called: the directory of every file.
    pub(crate) fn locate<'a>(
        &mut self,
        files: impl Iterator<Item = (FileId, &'a Path, &'a FileIr)>,
        kb: &Kb,
        consts: &ConstTable<'_>,
    ) {
        for (id, path, ir) in files {
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            self.first_instances.extend(pipes::first_instances(kb, id, path, ir));
            self.listeners.extend(servers::listeners(kb, consts, id, path, ir));
            for f in &ir.functions {
                for call in &f.calls {
                    let Some(m) = kb.api_for_call(&call.callee, call.receiver.is_some(), call.args.len()) else {
                        continue;
                    };
                    self.effect_dirs.entry(m.api.effect).or_default().insert(dir.clone());
                    if m.api.effect == Effect::RegisterClassObject {
                        self.class_registrars.push((dir.clone(), f.name.clone()));
                    }
                }
            }
            self.file_dirs.insert(id, dir);
        }
    }

    /// The functions near `file` (its directory or below, as
    /// [`ProjectFacts::calls_near`]) that register COM class objects; an
    /// empty name is top-level code.
    pub(crate) fn class_registrars_near(&self, file: FileId) -> Vec<&str> {
        let dir = self.file_dirs.get(&file);
        self.class_registrars
            .iter()
            .filter(|(d, _)| dir.is_none_or(|dir| d.starts_with(dir)))
            .map(|(_, name)| name.as_str())
            .collect()
    }

    /// The calls of other files of the same program as `file` (a directory
    /// above or below it) that may create a pipe's first instance.
    pub(crate) fn first_instances_near(&self, file: FileId) -> impl Iterator<Item = &FirstInstance> {
        let dir = self.file_dirs.get(&file);
        self.first_instances
            .iter()
            .filter(move |f| f.file != file && dir.is_none_or(|d| f.dir.starts_with(d) || d.starts_with(&f.dir)))
    }

    /// The calls by which the program of `file` (a file in its directory,
    /// above or below it, `file` itself too) listens as an RPC server.
    pub(crate) fn listeners_near(&self, file: FileId) -> impl Iterator<Item = &Listener> {
        let dir = self.file_dirs.get(&file);
        self.listeners
            .iter()
            .filter(move |l| l.file == file || dir.is_none_or(|d| l.dir.starts_with(d) || d.starts_with(&l.dir)))
    }

    /// Whether a file in the directory of `file`, or below it, calls an API
    /// with this effect: the same program, as far as a tree of several
    /// programs (Wine's `dlls/*`, `programs/*`) tells. Without locations,
    /// whether any file of the tree does.
    pub(crate) fn calls_near(&self, effect: Effect, file: FileId) -> bool {
        let Some(dir) = self.file_dirs.get(&file) else { return self.calls(effect) };
        self.effect_dirs.get(&effect).is_some_and(|dirs| dirs.iter().any(|d| d.starts_with(dir)))
    }
}

/// The function a thread-starting call (`[tables.threads]`) runs, by its
/// last name: `CreateThread(NULL, 0, proc, ..)`, `&Class::Run`, Rust's `Some(proc)`.
pub(super) fn thread_routine(kb: &Kb, f: &Function, call: &Call) -> Option<String> {
    let index = *kb.tables.threads.start_routine.get(unqualified(&call.callee))?;
    let mut e = *call.args.get(index)?;
    for _ in 0..4 {
        match &f.expr(e).kind {
            ExprKind::AddrOf(inner) => e = *inner,
            ExprKind::Call(c) => {
                let inner = f.calls.get(c.index())?;
                if inner.callee != "Some" || inner.args.len() != 1 {
                    return None;
                }
                e = *inner.args.first()?;
            }
            ExprKind::Name(n) => return Some(unqualified(n).to_string()),
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_registration_counts_in_the_same_directory_or_below() {
        let mut facts = ProjectFacts::default();
        facts.effects.insert(Effect::RegisterClassObject);
        facts.effect_dirs.entry(Effect::RegisterClassObject).or_default().insert(PathBuf::from("dlls/qmgr"));
        for (id, dir) in [(0, "dlls/qmgr"), (1, "dlls/qmgr/tests"), (2, "programs/wmic"), (3, "dlls")] {
            facts.file_dirs.insert(FileId(id), PathBuf::from(dir));
        }
        assert!(facts.calls_near(Effect::RegisterClassObject, FileId(0)), "same directory");
        assert!(
            !facts.calls_near(Effect::RegisterClassObject, FileId(1)),
            "a test below the server is another program"
        );
        assert!(!facts.calls_near(Effect::RegisterClassObject, FileId(2)), "another program");
        assert!(facts.calls_near(Effect::RegisterClassObject, FileId(3)), "a directory above holds the server");
        // Without locations: anywhere in the tree.
        assert!(facts.calls_near(Effect::RegisterClassObject, FileId(9)));
        assert!(!facts.calls_near(Effect::Impersonate, FileId(0)));
    }
}
