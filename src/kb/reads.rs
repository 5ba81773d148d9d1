//! What a rule reads, in the knowledge base's words ([`Read`]: roles,
//! effects, api-sets, the `[tables]` facts the project gathers), and the
//! APIs those words stand for ([`Wanted`]): the one place that decides which
//! API names make a file a candidate for a set of rules. A configuration's
//! entries take part through their roles and effects like the shipped ones.

use super::{Api, Effect, Kb, Role, SetKind};

/// One thing a rule reads. A rule lists the words by which it (and the
/// helpers and project facts it asks) finds its calls, not every role it
/// then reads of a call it already found: `pipe-server-squatting` finds
/// `CreateNamedPipe` by its `pipe-open-mode`, and reads its `file-name`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Read {
    /// The APIs with a parameter, or a field of a struct parameter, of this role.
    Role(Role),
    /// The APIs with this effect.
    Effect(Effect),
    /// The members of this set (for [`SetKind::CallerIdentity`], also the
    /// helpers of a registered callback that ask who the caller is).
    Set(SetKind),
    /// The calls that start a thread (`[tables.threads]`): the functions
    /// that make one are kept, so that the project knows its thread routines.
    Threads,
    /// The named-pipe client constants (`[tables.transport]`
    /// `pipe-busy-constants`, `pipe-wait-constants`): a file that names one
    /// is parsed for its `CreateFile` of a path it is given.
    PipeClients,
    /// Everything a helper several rules share reads, listed once beside it
    /// (`rules/mutual.rs`'s `READS`).
    All(&'static [Read]),
}

/// `reads` with every [`Read::All`] replaced by what it lists.
fn flatten(reads: &[Read], out: &mut Vec<Read>) {
    for r in reads {
        match r {
            Read::All(group) => flatten(group, out),
            other => out.push(*other),
        }
    }
}

/// The APIs and tables a set of [`Read`]s stands for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Wanted {
    /// Indexed like the knowledge base's APIs.
    apis: Vec<bool>,
    /// [`Read::Threads`] was asked for.
    pub threads: bool,
    /// [`Read::Set`] of [`SetKind::CallerIdentity`] was asked for.
    pub identity: bool,
    /// [`Read::PipeClients`] was asked for.
    pub pipe_client: bool,
}

impl Wanted {
    /// Whether the API at this index of the knowledge base is read.
    pub fn api(&self, index: usize) -> bool {
        self.apis.get(index).copied().unwrap_or(false)
    }

    /// How many APIs are read.
    pub fn len(&self) -> usize {
        self.apis.iter().filter(|w| **w).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Kb {
    /// The APIs and tables `reads` stand for.
    pub fn wanted<'r>(&self, reads: impl IntoIterator<Item = &'r Read>) -> Wanted {
        let given: Vec<Read> = reads.into_iter().copied().collect();
        let mut reads = Vec::new();
        flatten(&given, &mut reads);
        let apis = self.apis.iter().map(|api| reads.iter().any(|r| self.reads_api(*r, api))).collect();
        Wanted {
            apis,
            threads: reads.contains(&Read::Threads),
            identity: reads.contains(&Read::Set(SetKind::CallerIdentity)),
            pipe_client: reads.contains(&Read::PipeClients),
        }
    }

    /// The names code calls the read APIs by (with their `A`/`W` variants
    /// and COM's `Interface_Method`): the names the prefilter looks for. A
    /// name stands for every API spelt so, and is read if one is.
    /// Sorted, whatever the index's order.
    pub(crate) fn wanted_names<'k>(&'k self, wanted: &'k Wanted) -> impl Iterator<Item = &'k str> {
        #[allow(clippy::iter_over_hash_type, reason = "sorted below")]
        let mut names: Vec<&str> = self
            .by_callee
            .iter()
            .filter(|(_, entries)| entries.iter().any(|&(i, _)| wanted.api(i)))
            .map(|(name, _)| name.as_str())
            .collect();
        names.sort_unstable();
        names.into_iter()
    }

    /// Whether an API `wanted` holds has a parameter of `role`.
    pub(crate) fn wants_role(&self, wanted: &Wanted, role: Role) -> bool {
        self.apis.iter().enumerate().any(|(i, api)| wanted.api(i) && api.param_with(role).is_some())
    }

    fn reads_api(&self, read: Read, api: &Api) -> bool {
        match read {
            Read::Role(role) => api.params.iter().any(|p| {
                p.role == Some(role) || p.struct_type.as_deref().is_some_and(|s| self.struct_has_role(s, role, 2))
            }),
            Read::Effect(effect) => api.effect == effect,
            Read::Set(set) => self.api_in_set(set, api),
            Read::Threads | Read::PipeClients => false,
            Read::All(group) => group.iter().any(|r| self.reads_api(*r, api)),
        }
    }

    /// Whether the struct `name`, or a struct one of its fields points to
    /// (to `depth` levels, as [`crate::rules`] follows them), or a later
    /// version of it, has a field of `role`.
    fn struct_has_role(&self, name: &str, role: Role, depth: u8) -> bool {
        let Some(def) = self.struct_def(name) else { return false };
        self.versions_of(def).flat_map(|s| &s.fields).any(|f| {
            f.role == Some(role)
                || (depth > 0 && f.struct_type.as_deref().is_some_and(|t| self.struct_has_role(t, role, depth - 1)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_is_read_by_its_roles_struct_fields_effects_and_sets() {
        let kb = Kb::from_toml(
            "[[function]]\nname = \"Bind\"\naw = true\nparams = [{ name = \"level\", role = \"authn-level\" }]\n\
             [[function]]\nname = \"Open\"\nparams = [{ name = \"p\", struct = \"P\" }]\n\
             [[function]]\nname = \"Undo\"\neffect = \"revert\"\n\
             [[function]]\nname = \"Plain\"\n\
             [[struct]]\nname = \"P\"\nfields = [{ name = \"q\", struct = \"Q\" }]\n\
             [[struct]]\nname = \"Q\"\nfields = [{ name = \"Flags\", role = \"sqos-flags\" }]\n\
             [[api-set]]\nset = \"security-setup\"\nmembers = [\"Plain\"]\n",
        )
        .unwrap();
        let names = |reads: &[Read]| -> Vec<String> {
            let w = kb.wanted(reads);
            kb.wanted_names(&w).map(str::to_string).collect()
        };
        assert_eq!(names(&[Read::Role(Role::AuthnLevel)]), ["Bind", "BindA", "BindW"]);
        assert_eq!(names(&[Read::Role(Role::SqosFlags)]), ["Open"]);
        assert_eq!(names(&[Read::Effect(Effect::Revert)]), ["Undo"]);
        assert_eq!(names(&[Read::Set(SetKind::SecuritySetup)]), ["Plain"]);
        assert!(names(&[Read::Threads, Read::Role(Role::Token)]).is_empty());
        const GROUP: &[Read] = &[Read::Effect(Effect::Revert), Read::Threads];
        assert_eq!(names(&[Read::All(GROUP), Read::Role(Role::AuthnLevel)]), ["Bind", "BindA", "BindW", "Undo"]);
        assert!(kb.wanted(&[Read::All(GROUP)]).threads);
        let w = kb.wanted(&[Read::Threads]);
        assert!(w.threads && !w.identity && !w.pipe_client && w.is_empty());
    }
}
