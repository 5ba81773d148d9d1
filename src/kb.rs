//! The knowledge base: a typed view of `rules/api.toml`.
//!
//! Every API fact rpclint uses (functions and their parameters' roles, COM
//! methods, struct layouts, constant values, the helpers that copy, compare or
//! wrap values) is data in `rules/api.toml`, embedded at build time. A
//! project's configuration may add entries in the same schema. Rules and the
//! resolver ask this module; they never spell an API name or a value.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The knowledge base that ships with rpclint.
pub const API_TOML: &str = include_str!("../rules/api.toml");

/// What a parameter or struct field means to the rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// An RPC binding handle (in) or, with `dir = "out"`, the handle created.
    Binding,
    /// The COM proxy whose blanket a call sets (`pProxy`).
    Proxy,
    /// The server principal name the client expects.
    ServerPrincipal,
    AuthnLevel,
    AuthnService,
    AuthzService,
    AuthIdentity,
    /// A pointer to an `RPC_SECURITY_QOS` (any version).
    Qos,
    /// `RPC_C_IMP_LEVEL_*` scale (0 default .. 4 delegate).
    ImpLevel,
    /// `SECURITY_IMPERSONATION_LEVEL` scale (0 anonymous .. 3 delegation).
    SecurityImpLevel,
    /// A struct whose fields carry roles (e.g. `SECURITY_QUALITY_OF_SERVICE*`).
    SecurityQos,
    /// `EOAC_*` capabilities of COM.
    Capabilities,
    /// `RPC_C_QOS_CAPABILITIES_*` in an RPC QOS.
    QosCapabilities,
    IdentityTracking,
    /// A file name that may be a named pipe (`\\.\pipe\x`).
    FileName,
    /// `CreateFile`'s `dwFlagsAndAttributes`: SQOS flags live in bits 16..20.
    FileFlags,
    /// `CREATEFILE2_EXTENDED_PARAMETERS*`.
    FileParams,
    /// SQOS flags alone (`dwSecurityQosFlags`).
    SqosFlags,
    /// `CreateNamedPipe`'s `dwOpenMode` (`PIPE_ACCESS_*`, `FILE_FLAG_FIRST_PIPE_INSTANCE`).
    PipeOpenMode,
    /// `CreateNamedPipe`'s `dwPipeMode` (`PIPE_TYPE_*`, `PIPE_REJECT_REMOTE_CLIENTS`).
    PipeMode,
    ObjectUuid,
    Protseq,
    NetworkAddress,
    Endpoint,
    NetworkOptions,
    /// A whole string binding (`ncalrpc:[ep,Security=...]`), in or out.
    StringBinding,
    /// An SSPI package name (`"NTLM"`, `NEGOSSP_NAME`).
    Package,
    /// An SSPI credential handle (out of `AcquireCredentialsHandle`, in elsewhere).
    Credential,
    /// An SSPI security context handle.
    Context,
    TargetName,
    /// `fContextReq`: `ISC_REQ_*` or `ASC_REQ_*` per the function's `flag-prefix`.
    ContextReq,
    /// `pfContextAttr` (out): `ISC_RET_*` or `ASC_RET_*`.
    ContextAttrs,
    /// `ulAttribute` of `QueryContextAttributes`: which `SECPKG_ATTR_*` is read.
    QueryAttribute,
    /// `fQOP` of `EncryptMessage` / `MakeSignature`.
    Qop,
    /// `pfQOP` (out) of `DecryptMessage` / `VerifySignature`.
    QopOut,
    Message,
    /// `RPC_IF_*` interface registration flags.
    IfFlags,
    /// An RPC security callback (`RPC_IF_CALLBACK_FN`).
    IfCallback,
    SecurityDescriptor,
    /// A handle or token that an impersonation call uses.
    Token,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Binding => "binding",
            Role::Proxy => "proxy",
            Role::ServerPrincipal => "server-principal",
            Role::AuthnLevel => "authn-level",
            Role::AuthnService => "authn-service",
            Role::AuthzService => "authz-service",
            Role::AuthIdentity => "auth-identity",
            Role::Qos => "qos",
            Role::ImpLevel => "imp-level",
            Role::SecurityImpLevel => "security-imp-level",
            Role::SecurityQos => "security-qos",
            Role::Capabilities => "capabilities",
            Role::QosCapabilities => "qos-capabilities",
            Role::IdentityTracking => "identity-tracking",
            Role::FileName => "file-name",
            Role::FileFlags => "file-flags",
            Role::FileParams => "file-params",
            Role::SqosFlags => "sqos-flags",
            Role::PipeOpenMode => "pipe-open-mode",
            Role::PipeMode => "pipe-mode",
            Role::ObjectUuid => "object-uuid",
            Role::Protseq => "protseq",
            Role::NetworkAddress => "network-address",
            Role::Endpoint => "endpoint",
            Role::NetworkOptions => "network-options",
            Role::StringBinding => "string-binding",
            Role::Package => "package",
            Role::Credential => "credential",
            Role::Context => "context",
            Role::TargetName => "target-name",
            Role::ContextReq => "context-req",
            Role::ContextAttrs => "context-attrs",
            Role::QueryAttribute => "query-attribute",
            Role::Qop => "qop",
            Role::QopOut => "qop-out",
            Role::Message => "message",
            Role::IfFlags => "if-flags",
            Role::IfCallback => "if-callback",
            Role::SecurityDescriptor => "security-descriptor",
            Role::Token => "token",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Dir {
    #[default]
    In,
    Out,
    InOut,
}

/// What a function does beyond its parameters' roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Effect {
    #[default]
    None,
    /// Starts impersonating a client (`RpcImpersonateClient`, ...).
    Impersonate,
    /// Stops impersonating (`RpcRevertToSelf`, ...).
    Revert,
    /// Produces the server principal name as the server reports it.
    InquirePrincipal,
    /// Registers a COM class object (`CoRegisterClassObject`).
    RegisterClassObject,
    /// Registers an RPC server interface (`RpcServerRegisterIf*`).
    RegisterInterface,
    /// Signs a message (`MakeSignature`).
    Sign,
    /// Encrypts a message (`EncryptMessage`).
    Encrypt,
    /// Checks a received message's signature (`VerifySignature`).
    Verify,
    /// Decrypts and checks a received message (`DecryptMessage`).
    Decrypt,
}

/// How a function reports whether it worked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Returns {
    #[default]
    Other,
    /// `RPC_STATUS`: `RPC_S_OK` (0) is success.
    RpcStatus,
    /// `HRESULT`, `SECURITY_STATUS`: negative is failure (`SEC_I_*` succeed).
    Hresult,
    /// `BOOL`: zero is failure.
    Bool,
}

impl Returns {
    pub fn is_status(self) -> bool {
        self != Returns::Other
    }

    /// A value the call returns when it worked, and one when it failed
    /// (as the resolver's 64-bit patterns), to tell which way a test goes.
    pub(crate) fn sample(self, success: bool) -> Option<u64> {
        match (self, success) {
            (Returns::Other, _) => None,
            (Returns::RpcStatus, true) | (Returns::Hresult, true) | (Returns::Bool, false) => Some(0),
            // RPC_S_ACCESS_DENIED; E_ACCESSDENIED sign-extended; TRUE.
            (Returns::RpcStatus, false) => Some(5),
            (Returns::Hresult, false) => Some(0xFFFF_FFFF_8007_0005),
            (Returns::Bool, true) => Some(1),
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub name: String,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub(crate) dir: Dir,
    /// For a pointer to a struct: the struct's type, whose fields carry roles.
    #[serde(default, rename = "struct")]
    pub(crate) struct_type: Option<String>,
}

/// A function or COM method of the Windows API.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Api {
    pub name: String,
    /// For COM methods: the interface (`IClientSecurity`).
    #[serde(default)]
    pub interface: Option<String>,
    /// `A` and `W` variants exist; the bare name is a macro for one of them.
    #[serde(default)]
    pub aw: bool,
    /// For COM methods: C spells `Interface_Method(This, ...)` under `COBJMACROS`.
    #[serde(default)]
    pub c_macro: bool,
    /// Where the facts were checked: a mingw-w64 header, or `windows-sys:<module>`.
    /// Required in `rules/api.toml` (see [`KbFile::entries_without_header`]);
    /// optional in a configuration, which fills in its own file name.
    #[serde(default)]
    pub header: String,
    #[serde(default)]
    pub returns: Returns,
    #[serde(default)]
    pub effect: Effect,
    /// `ISC` or `ASC`: which family of `*_REQ_*` / `*_RET_*` flags its context roles use.
    #[serde(default)]
    pub flag_prefix: Option<String>,
    /// For an `impersonate` API: the call that ends its impersonation (for help texts).
    #[serde(default)]
    pub reverted_by: Option<String>,
    /// A word every finding on this API needs in a value (in any case):
    /// `pipe` for `CreateFile`, which matters only when it opens a named
    /// pipe. A file that names only such APIs is parsed only when it, or a
    /// definition it uses, holds the word (the engine's deferred files).
    #[serde(default)]
    pub(crate) only_with: Option<String>,
    #[serde(default)]
    pub params: Vec<Param>,
}

impl Api {
    pub(crate) fn is_method(&self) -> bool {
        self.interface.is_some()
    }

    /// The position of the first parameter with `role`.
    pub fn param_with(&self, role: Role) -> Option<usize> {
        self.params.iter().position(|p| p.role == Some(role))
    }

    /// Display name: `IClientSecurity::SetBlanket` or `RpcBindingSetAuthInfoEx`.
    pub fn display(&self) -> String {
        match &self.interface {
            Some(i) => format!("{i}::{}", self.name),
            None => self.name.clone(),
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StructField {
    pub name: String,
    #[serde(default)]
    pub(crate) role: Option<Role>,
    /// For a pointer to another struct (`SecurityQos` of a binding's security).
    #[serde(default, rename = "struct")]
    pub(crate) struct_type: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StructDef {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// As [`Api::header`]: required in `rules/api.toml`, optional in a configuration.
    #[serde(default)]
    pub header: String,
    pub fields: Vec<StructField>,
}

impl StructDef {
    pub(crate) fn field_at(&self, pos: usize) -> Option<&str> {
        self.fields.get(pos).map(|f| f.name.as_str())
    }
}

/// What a helper (a function that is not itself a security API) does to values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HelperKind {
    /// Returns its argument `from` unchanged (`TEXT(..)`, `Some(..)`, `w!(..)`).
    Transparent,
    /// Copies argument `from` to the result, or to argument `to` (`wcsdup`, `StringCchCopyW`).
    Copy,
    /// Compares its arguments (`wcscmp`, `lstrcmpiW`, `.eq()`, `.contains()`):
    /// a value it sees counts as verified.
    Compare,
    /// Tests a status (`FAILED`, `SUCCEEDED`, `.is_err()`, `.unwrap()`).
    TestStatus,
    /// Returns a status unchanged for someone else to test (`.ok()` on a status).
    PassStatus,
    /// Fills argument `to` with zero bytes (`memset(p, 0, n)`, `ZeroMemory`).
    ZeroFill,
    /// Returns an all-zero value (`Default::default()`, `mem::zeroed()`).
    Zero,
    /// Encodes or decodes a security token as text (base64): a context whose
    /// function does so serves a text protocol's authentication exchange
    /// (HTTP `Negotiate`/`NTLM`, RFC 4559; SASL), which authenticates and
    /// leaves message protection to TLS. The resolver treats it as any
    /// unknown function.
    TokenText,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Helper {
    pub names: Vec<String>,
    pub kind: HelperKind,
    /// The argument the value comes from; `-1` means the receiver of a method call.
    #[serde(default)]
    pub from: Option<i32>,
    /// The argument written (for `copy` into a buffer, and `zero-fill`).
    #[serde(default)]
    pub to: Option<i32>,
    /// For `test-status`: what a true result says about the status tested.
    #[serde(default)]
    pub(crate) means: Option<Outcome>,
}

/// Whether a call worked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Outcome {
    Success,
    Failure,
}

/// What a group of APIs (`[[api-set]]`) means to the v2 rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SetKind {
    /// Calls whose status says whether security settings took effect
    /// (`CoInitializeSecurity`, `RpcBindingSetAuthInfo`, ...).
    SecuritySetup,
    /// Calls that set a client's authentication on a binding handle or a COM proxy.
    ArmsBinding,
    /// Calls that only manage a binding handle (free, copy, inquire, set an
    /// option or a timeout): handing the handle to them is not using it.
    BindingManagement,
    /// Calls by which a server asks who its caller is or how it authenticated.
    CallerIdentity,
    /// Status tests by sign (`SUCCEEDED`, `FAILED`, `NT_SUCCESS`): true when
    /// the value read as a 32-bit signed number is `>= 0` (a test-status
    /// helper that `means` success) or `< 0` (one that means failure).
    SignTest,
    /// Constants that spell success of a status (`ERROR_SUCCESS`, `RPC_S_OK`,
    /// `S_OK`, `SEC_E_OK`): compared with a `BOOL`, they test for failure.
    SuccessCode,
    /// Constants that spell a `BOOL` (`FALSE`, `TRUE`): compared with a
    /// status, they test it as a boolean.
    BoolConstant,
}

/// A group of callee names the v2 rules ask about (`[[api-set]]`). A member
/// is a knowledge-base API's display name (`IClientSecurity::SetBlanket`)
/// or a C function name; `A`/`W` variants of a name match it too.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSet {
    pub set: SetKind,
    pub members: Vec<String>,
}

/// The flags a parameter accepts (`[[accepted-flags]]`): any other bit makes
/// the call fail (`CoSetProxyBlanket`'s capabilities).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AcceptedFlags {
    /// Display names of the APIs.
    pub apis: Vec<String>,
    pub role: Role,
    /// Constant names of the flags accepted.
    pub accepts: Vec<String>,
    /// Of these, at most one may be set.
    #[serde(default)]
    pub exclusive: Vec<String>,
    /// A flag of `exclusive` needs the argument of this role to be null.
    #[serde(default)]
    pub exclusive_needs_null: Option<Role>,
}

/// One file in the knowledge-base schema (the shipped one, or a config extension).
#[derive(Clone, Debug, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct KbFile {
    #[serde(default)]
    pub function: Vec<Api>,
    #[serde(default)]
    pub method: Vec<Api>,
    #[serde(default, rename = "struct")]
    pub structs: Vec<StructDef>,
    #[serde(default)]
    pub helper: Vec<Helper>,
    /// Header (or `windows-sys:<module>`) → constant name → value.
    #[serde(default)]
    pub constants: BTreeMap<String, BTreeMap<String, ConstValue>>,
    #[serde(default, rename = "api-set")]
    pub api_sets: Vec<ApiSet>,
    #[serde(default, rename = "accepted-flags")]
    pub accepted_flags: Vec<AcceptedFlags>,
}

impl KbFile {
    /// Whether the file adds nothing.
    pub(crate) fn is_empty(&self) -> bool {
        self.function.is_empty()
            && self.method.is_empty()
            && self.structs.is_empty()
            && self.helper.is_empty()
            && self.constants.values().all(BTreeMap::is_empty)
            && self.api_sets.is_empty()
            && self.accepted_flags.is_empty()
    }

    /// Functions, methods and structs that do not say where their facts were
    /// checked: none is allowed in the shipped file.
    #[cfg(test)]
    fn entries_without_header(&self) -> Vec<String> {
        let apis = self.function.iter().chain(&self.method).filter(|a| a.header.is_empty()).map(Api::display);
        let structs = self.structs.iter().filter(|s| s.header.is_empty()).map(|s| s.name.clone());
        apis.chain(structs).collect()
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum ConstValue {
    Int(i64),
    Str(String),
}

impl ConstValue {
    /// The value as the 64-bit pattern the resolver uses.
    pub(crate) fn as_u64(&self) -> Option<u64> {
        match self {
            // Two's complement: -1 is 0xFFFF_FFFF_FFFF_FFFF.
            ConstValue::Int(v) => Some(*v as u64),
            ConstValue::Str(_) => None,
        }
    }
}

/// An entry found for a callee name, with how its arguments line up.
#[derive(Clone, Copy, Debug)]
pub struct ApiMatch<'kb> {
    pub api: &'kb Api,
    /// C's `Interface_Method(This, ...)`: argument 0 is the receiver.
    pub this_in_args: bool,
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
    by_callee: BTreeMap<String, Vec<(usize, bool)>>,
    struct_by_name: BTreeMap<String, usize>,
    helper_by_name: BTreeMap<String, usize>,
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
        for (header, values) in file.constants {
            for (name, value) in values {
                self.constants.insert(name, (value, header.clone()));
            }
        }
        for set in file.api_sets {
            self.sets.entry(set.set).or_default().extend(set.members);
        }
        self.accepted_flags.extend(file.accepted_flags);
    }

    /// Whether a callee name (as written at a call) is a member of `set`:
    /// the name itself or its `A`/`W` variant.
    pub fn callee_in_set(&self, set: SetKind, callee: &str) -> bool {
        let base = callee.strip_suffix(['A', 'W']);
        self.sets.get(&set).is_some_and(|m| m.iter().any(|n| n == callee || Some(n.as_str()) == base))
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
        // A method is matched only with its exact arity: a project's own
        // `p.SetBlanket(color)` is not `IClientSecurity::SetBlanket`. A function
        // may miss its last parameter: the windows crate returns some
        // out-parameters instead (`VerifySignature`).
        entries.iter().map(|&(i, this_in_args)| ApiMatch { api: &self.apis[i], this_in_args }).find(|m| {
            let n = m.api.params.len() + usize::from(m.this_in_args);
            if m.api.is_method() { argc == n } else { argc == n || argc + 1 == n }
        })
    }

    /// Every name the prefilter must look for: API functions and methods.
    pub(crate) fn api_names(&self) -> impl Iterator<Item = &str> {
        self.by_callee.keys().map(String::as_str)
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

    pub(crate) fn struct_def(&self, name: &str) -> Option<&StructDef> {
        self.struct_by_name.get(name).map(|&i| &self.structs[i])
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
        assert!(kb.api_names().any(|n| n == "MyBind"));
        assert!(Kb::builtin().api_for_call("MyBind", false, 2).is_none());
    }
}
