//! The knowledge base: a typed view of `rules/api.toml`.
//!
//! Every API fact rpclint uses (functions and their parameters' roles, COM
//! methods, struct layouts, constant values, the helpers that copy, compare or
//! wrap values) is data in `rules/api.toml`, embedded at build time. A
//! project's configuration may add entries in the same schema. Rules and the
//! resolver ask this module; they never spell an API name or a value.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

mod reads;
mod schema;
mod tables;

pub use reads::*;
pub use schema::*;
pub use tables::*;

/// The knowledge base that ships with rpclint.
pub const API_TOML: &str = include_str!("../../rules/api.toml");

/// An entry found for a callee name, with how its arguments line up.
#[derive(Clone, Copy, Debug)]
pub struct ApiMatch<'kb> {
    pub api: &'kb Api,
    /// C's `Interface_Method(This, ...)`: argument 0 is the receiver.
    pub this_in_args: bool,
    /// The arguments follow the `windows` crate's signature: the parameters
    /// it does without ([`Param::windows`]) have no argument.
    pub windows_layout: bool,
    /// The entry's index in [`Kb::apis`].
    pub index: usize,
}

impl ApiMatch<'_> {
    /// The argument (an index into the call's arguments) passed for parameter
    /// `param`, if the call has one.
    pub(crate) fn arg_index(&self, param: usize) -> Option<usize> {
        let p = self.api.params.get(param)?;
        if self.windows_layout && p.windows.is_some() {
            return None;
        }
        let before = if self.windows_layout {
            self.api.params[..param].iter().filter(|q| q.windows.is_some()).count()
        } else {
            0
        };
        Some(param - before + usize::from(self.this_in_args))
    }

    /// The call's arguments lined up with the API's parameters: one entry per
    /// parameter, `missing` where the call has no argument for it.
    pub(crate) fn align<T: Clone>(&self, args: &[T], missing: T) -> Vec<T> {
        (0..self.api.params.len())
            .map(|p| self.arg_index(p).and_then(|a| args.get(a)).cloned().unwrap_or_else(|| missing.clone()))
            .collect()
    }
}

/// The prefixes of function-pointer variables named after the API they
/// point to, by the usual convention for `GetProcAddress` results:
/// `pRpcBindingSetAuthInfoExA`, `pfnCoSetProxyBlanket`, `fnEncryptMessage`,
/// `p_InitializeSecurityContextW`. Longer prefixes first.
pub(crate) const POINTER_PREFIXES: &[&str] = &["pfn_", "pfn", "p_", "fn_", "fn", "p"];

/// The API a function-pointer variable is named after (see [`POINTER_PREFIXES`]).
fn pointer_target(callee: &str) -> Option<&str> {
    let rest = POINTER_PREFIXES.iter().find_map(|p| callee.strip_prefix(p))?;
    rest.starts_with(|c: char| c.is_ascii_uppercase()).then_some(rest)
}

/// FNV-1a: the hash of the name indexes (callees, helpers, structs). Every call of every analysed
/// function is looked up there (most are not APIs), several times per run;
/// names are short, and a sorted map's string comparisons cost more.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type CalleeMap = HashMap<String, Vec<(usize, bool)>, BuildHasherDefault<Fnv>>;

/// The indexed knowledge base: the shipped one, or a run's (shipped plus a
/// configuration's entries, see [`Kb::extended`]).
#[derive(Clone, Debug, Default)]
pub struct Kb {
    pub(crate) apis: Vec<Api>,
    pub(crate) structs: Vec<StructDef>,
    pub(crate) helpers: Vec<Helper>,
    /// Name → value, with the header it was checked against.
    pub(crate) constants: BTreeMap<String, (ConstValue, String)>,
    /// `[[api-set]]` members by set.
    pub sets: BTreeMap<SetKind, Vec<String>>,
    pub accepted_flags: Vec<AcceptedFlags>,
    /// `[[fix]]`: what each rule's fix writes, by role.
    pub fixes: Vec<FixSpec>,
    /// `[tables]`: scales, transport facts, type names.
    pub tables: Tables,
    /// Callee name (as code writes it) → the entries it may be, with whether
    /// argument 0 is the receiver. Unordered: [`Kb::wanted_names`] sorts.
    by_callee: CalleeMap,
    struct_by_name: HashMap<String, usize, BuildHasherDefault<Fnv>>,
    helper_by_name: HashMap<String, usize, BuildHasherDefault<Fnv>>,
}

impl Kb {
    /// The shipped knowledge base, parsed once.
    pub(crate) fn builtin() -> &'static Kb {
        static KB: OnceLock<Kb> = OnceLock::new();
        KB.get_or_init(|| {
            // The embedded file is checked by tests; failing here is a build defect.
            match Kb::from_toml(API_TOML) {
                Ok(kb) => kb,
                Err(e) => panic!("rules/api.toml is invalid: {e}"),
            }
        })
    }

    /// The shipped knowledge base plus a configuration's entries.
    pub(crate) fn extended(extension: &KbFile) -> Kb {
        let mut kb = Kb::builtin().clone();
        kb.extend(extension.clone());
        kb
    }

    pub fn from_toml(text: &str) -> Result<Kb, toml::de::Error> {
        let file: KbFile = toml::from_str(text)?;
        let mut kb = Kb::default();
        kb.extend(file);
        Ok(kb)
    }

    /// Adds entries (a configuration's wrappers and verifiers) to this knowledge base.
    pub fn extend(&mut self, file: KbFile) {
        for api in file.function.into_iter().chain(file.method) {
            let idx = self.apis.len();
            let mut names = vec![(api.name.clone(), false)];
            if api.aw {
                names.push((format!("{}A", api.name), false));
                names.push((format!("{}W", api.name), false));
            }
            if api.c_macro {
                if let Some(iface) = &api.interface {
                    names.push((format!("{iface}_{}", api.name), true));
                }
            }
            for (name, this_in_args) in names {
                self.by_callee.entry(name).or_default().push((idx, this_in_args));
            }
            self.apis.push(api);
        }
        for s in file.structs {
            let idx = self.structs.len();
            for n in std::iter::once(&s.name).chain(&s.aliases) {
                self.struct_by_name.insert(n.clone(), idx);
            }
            self.structs.push(s);
        }
        for h in file.helper {
            let idx = self.helpers.len();
            for n in &h.names {
                self.helper_by_name.insert(n.clone(), idx);
            }
            self.helpers.push(h);
        }
        if !file.tables.is_empty() {
            self.tables = file.tables;
        }
        for (header, values) in file.constants {
            for (name, value) in values {
                self.constants.insert(name, (value, header.clone()));
            }
        }
        for set in file.api_sets {
            self.sets.entry(set.set).or_default().extend(set.members);
        }
        self.accepted_flags.extend(file.accepted_flags);
        self.fixes.extend(file.fix);
    }

    /// How `rule`'s fix writes the test of a status of type `returns`.
    pub(crate) fn status_test(&self, rule: &str, returns: Returns) -> Option<&StatusTest> {
        self.fixes.iter().filter(|f| f.rule == rule).flat_map(|f| &f.status_tests).find(|t| t.returns == returns)
    }

    /// What `rule`'s fix writes for a value of `role`, if it has one.
    pub fn fix_for(&self, rule: &str, role: Role) -> Option<&FixSpec> {
        self.fixes.iter().find(|f| f.rule == rule && f.role == Some(role))
    }

    /// Whether a callee name (as written at a call) is a member of `set`:
    /// the name itself or its `A`/`W` variant.
    pub fn callee_in_set(&self, set: SetKind, callee: &str) -> bool {
        let base = callee.strip_suffix(['A', 'W']);
        self.sets.get(&set).is_some_and(|m| m.iter().any(|n| n == callee || Some(n.as_str()) == base))
    }

    /// The members of `set` as code may name them: each name and its `A`/`W` variants.
    pub(crate) fn set_spellings(&self, set: SetKind) -> Vec<String> {
        let members = self.sets.get(&set).into_iter().flatten();
        members.flat_map(|n| [n.clone(), format!("{n}A"), format!("{n}W")]).collect()
    }

    /// Whether a knowledge-base API is a member of `set` (by its display name).
    pub fn api_in_set(&self, set: SetKind, api: &Api) -> bool {
        let name = api.display();
        self.sets.get(&set).is_some_and(|m| m.contains(&name))
    }

    /// The accepted flags of an API's parameter of `role`, if the knowledge base lists them.
    pub fn accepted_flags_of(&self, api: &Api, role: Role) -> Option<&AcceptedFlags> {
        let name = api.display();
        self.accepted_flags.iter().find(|a| a.role == role && a.apis.contains(&name))
    }

    /// The API a call refers to. `has_receiver` tells a method call (`p->M()`)
    /// from a plain one; a function reached through a table (`t->EncryptMessage()`)
    /// still matches its function entry.
    pub fn api_for_call(&self, callee: &str, has_receiver: bool, argc: usize) -> Option<ApiMatch<'_>> {
        let entries = match self.by_callee.get(callee) {
            Some(e) => e,
            None => self.by_callee.get(pointer_target(callee)?)?,
        };
        let _ = has_receiver;
        // Matched only with an exact arity: a project's own
        // `p.SetBlanket(color)` is not `IClientSecurity::SetBlanket`. The
        // arity is the C signature's or the `windows` crate's, which returns
        // some out-parameters (`VerifySignature`) and folds some counts into
        // slices: the arguments then line up by that signature, never by the
        // C positions.
        entries.iter().find_map(|&(i, this_in_args)| {
            let api = &self.apis[i];
            let n = api.params.len() + usize::from(this_in_args);
            if argc == n {
                return Some(ApiMatch { api, this_in_args, windows_layout: false, index: i });
            }
            let absent = api.params.iter().filter(|p| p.windows.is_some()).count();
            (absent > 0 && !this_in_args && argc + absent == n).then_some(ApiMatch {
                api,
                this_in_args,
                windows_layout: true,
                index: i,
            })
        })
    }

    /// Whether some API or COM method is called `name` (as written at a call).
    pub(crate) fn is_api_name(&self, name: &str) -> bool {
        self.by_callee.contains_key(name)
    }

    /// The word a name's every API needs in a value ([`Api::only_with`]), if all have one.
    pub(crate) fn only_with(&self, callee: &str) -> Option<&str> {
        let entries = self.by_callee.get(callee)?;
        let mut words = entries.iter().map(|&(i, _)| self.apis.get(i).and_then(|a| a.only_with.as_deref()));
        let first = words.next()??;
        words.all(|w| w == Some(first)).then_some(first)
    }

    pub fn constant(&self, name: &str) -> Option<&ConstValue> {
        self.constants.get(name).map(|(v, _)| v)
    }

    /// The integer value of a named constant (for rules comparing against one).
    pub fn int(&self, name: &str) -> Option<u64> {
        self.constant(name).and_then(ConstValue::as_u64)
    }

    /// The text of a named string constant (`SDDL_DACL`, `NTLMSP_NAME`).
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        match self.constant(name)? {
            ConstValue::Str(s) => Some(s),
            ConstValue::Int(_) => None,
        }
    }

    pub(crate) fn struct_def(&self, name: &str) -> Option<&StructDef> {
        self.struct_by_name.get(name).map(|&i| &self.structs[i])
    }

    /// A later version of `base` that has every field in `written`: a
    /// struct named after it (`RPC_SECURITY_QOS_V3_W` of `RPC_SECURITY_QOS`)
    /// whose fields start with `base`'s. The smallest such version, then the
    /// first in the file: a zero-filled `RPC_SECURITY_QOS_V3` whose `Sid`
    /// was then set, passed where the API declares an `RPC_SECURITY_QOS`.
    pub(crate) fn struct_extending(&self, base: &StructDef, written: &[&str]) -> Option<&StructDef> {
        self.structs
            .iter()
            .filter(|s| {
                s.fields.len() > base.fields.len()
                    && named_after(s, base)
                    && s.fields.iter().zip(&base.fields).all(|(a, b)| a.name == b.name)
                    && written.iter().all(|w| s.fields.iter().any(|f| f.name == *w))
            })
            .min_by_key(|s| s.fields.len())
    }

    /// The knowledge base's versions of `base`: itself and every struct
    /// named after it (`RPC_SECURITY_QOS_V3_W` of `RPC_SECURITY_QOS`).
    pub(crate) fn versions_of<'k>(&'k self, base: &'k StructDef) -> impl Iterator<Item = &'k StructDef> {
        self.structs.iter().filter(move |s| std::ptr::eq(*s, base) || named_after(s, base))
    }

    /// Whether `callee` encodes or decodes a token as text: a `token-text`
    /// helper's name, or one that holds a name written `*fragment*` (any
    /// case: `*base64*` covers `buf_append_base64`).
    pub fn is_token_text(&self, callee: &str) -> bool {
        let lower = callee.to_ascii_lowercase();
        self.helpers.iter().filter(|h| h.kind == HelperKind::TokenText).flat_map(|h| &h.names).any(|n| {
            match n.strip_prefix('*').and_then(|n| n.strip_suffix('*')) {
                Some(fragment) => lower.contains(&fragment.to_ascii_lowercase()),
                None => n == callee,
            }
        })
    }

    pub fn helper(&self, name: &str) -> Option<&Helper> {
        self.helper_by_name.get(name).map(|&i| &self.helpers[i])
    }

    /// The helper a call refers to: one that works on the receiver
    /// (`from = -1`, `.ok()`) is a method and needs one; Wine's test macro
    /// `ok(ret, "...")` is not Rust's `.ok()`.
    pub(crate) fn helper_for_call(&self, name: &str, has_receiver: bool) -> Option<&Helper> {
        self.helper(name).filter(|h| has_receiver || h.from != Some(-1))
    }

    /// The constant names whose value is `value` and start with `prefix`
    /// (to print `RPC_C_AUTHN_LEVEL_CONNECT` for 2).
    pub(crate) fn name_of(&self, prefix: &str, value: u64) -> Option<&str> {
        let mut names: Vec<&str> = self
            .constants
            .iter()
            .filter(|(n, (v, _))| n.starts_with(prefix) && v.as_u64() == Some(value))
            .map(|(n, _)| n.as_str())
            .collect();
        names.sort_unstable_by_key(|n| (n.len(), *n));
        names.first().copied()
    }
}

/// Whether `s`'s name or an alias starts with `base`'s name and `_` (leading
/// underscores aside): how a later version of a struct is named.
fn named_after(s: &StructDef, base: &StructDef) -> bool {
    let family = format!("{}_", base.name.trim_start_matches('_'));
    std::iter::once(&s.name).chain(&s.aliases).any(|n| n.trim_start_matches('_').starts_with(&family))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_entry_names_its_header() {
        // `header` is optional in the schema only for a configuration's entries.
        let file: KbFile = toml::from_str(API_TOML).unwrap();
        assert_eq!(file.entries_without_header(), Vec::<String>::new());
    }

    #[test]
    fn an_extension_adds_callees_and_helpers_to_a_copy() {
        let ext: KbFile = toml::from_str(
            "[[function]]\nname = \"MyBind\"\nparams = [{ name = \"h\", role = \"binding\" }, { name = \"level\", role = \"authn-level\" }]\n\
             [[helper]]\nnames = [\"IsTrusted\"]\nkind = \"compare\"\n",
        )
        .unwrap();
        let kb = Kb::extended(&ext);
        assert!(kb.api_for_call("MyBind", false, 2).is_some());
        assert!(kb.helper("IsTrusted").is_some());
        assert!(kb.is_api_name("MyBind"));
        assert!(Kb::builtin().api_for_call("MyBind", false, 2).is_none());
    }

    /// A made-up API whose `windows` form folds a count into a slice and
    /// returns its last out-parameter: the arguments after the count keep
    /// their meaning, whichever signature the call follows.
    #[test]
    fn a_call_lines_up_by_the_signature_its_arity_names() {
        let kb = Kb::from_toml(
            "[[function]]\nname = \"SetThings\"\nparams = [\n  { name = \"h\" },\n               { name = \"cItems\", windows = \"folded\" },\n  { name = \"pItems\" },\n               { name = \"level\", role = \"authn-level\" },\n  { name = \"pOut\", dir = \"out\", windows = \"returned\" },\n]\n",
        )
        .unwrap();
        let c = kb.api_for_call("SetThings", false, 5).unwrap();
        assert!(!c.windows_layout);
        assert_eq!(c.align(&["h", "n", "items", "level", "out"], "-"), ["h", "n", "items", "level", "out"]);
        let rust = kb.api_for_call("SetThings", false, 3).unwrap();
        assert!(rust.windows_layout);
        assert_eq!(rust.align(&["h", "&items", "level"], "-"), ["h", "-", "&items", "level", "-"]);
        assert_eq!(rust.arg_index(3), Some(2));
        // Neither signature's arity: no match (a position wrong for one of them).
        assert!(kb.api_for_call("SetThings", false, 4).is_none());
        assert!(kb.api_for_call("SetThings", false, 2).is_none());
    }

    #[test]
    fn the_windows_crate_forms_of_the_shipped_apis_match() {
        let kb = Kb::builtin();
        // `VerifySignature(ctx, msg, seq) -> Result<u32>`, `CoGetCallContext::<T>()`,
        // `cs.CopyProxy(&proxy) -> Result<IUnknown>`.
        assert!(kb.api_for_call("VerifySignature", false, 3).is_some_and(|m| m.windows_layout));
        assert!(kb.api_for_call("VerifySignature", false, 4).is_some_and(|m| !m.windows_layout));
        assert!(kb.api_for_call("CoGetCallContext", false, 0).is_some());
        assert!(kb.api_for_call("CopyProxy", true, 1).is_some());
        assert!(kb.api_for_call("CoRegisterClassObject", false, 4).is_some());
        // A function whose windows form takes every parameter matches its arity only.
        assert!(kb.api_for_call("CoSetProxyBlanket", false, 7).is_none());
    }

    /// A zero-filled QOS passed as `RPC_SECURITY_QOS *` is the version that
    /// has the fields written into it, and only a version of that struct.
    #[test]
    fn a_struct_is_extended_only_by_its_own_later_versions() {
        let kb = Kb::from_toml(
            "[[struct]]\nname = \"QOS\"\nfields = [{ name = \"Version\" }, { name = \"Caps\" }]\n\
             [[struct]]\nname = \"OTHER\"\nfields = [{ name = \"Version\" }, { name = \"Caps\" }, { name = \"Sid\" }]\n\
             [[struct]]\nname = \"QOS_V4\"\nfields = [{ name = \"Version\" }, { name = \"Caps\" }, { name = \"Sid\" }, { name = \"Eff\" }]\n\
             [[struct]]\nname = \"QOS_V3\"\nfields = [{ name = \"Version\" }, { name = \"Caps\" }, { name = \"Sid\" }]\n",
        )
        .unwrap();
        let base = kb.struct_def("QOS").unwrap();
        assert_eq!(kb.struct_extending(base, &["Sid"]).map(|s| s.name.as_str()), Some("QOS_V3"));
        assert_eq!(kb.struct_extending(base, &["Eff"]).map(|s| s.name.as_str()), Some("QOS_V4"));
        assert!(kb.struct_extending(base, &["Nowhere"]).is_none());
        let shipped = Kb::builtin();
        let qos = shipped.struct_def("RPC_SECURITY_QOS").unwrap();
        assert_eq!(shipped.struct_extending(qos, &["Sid"]).map(|s| s.name.as_str()), Some("RPC_SECURITY_QOS_V3_W"));
    }
}
