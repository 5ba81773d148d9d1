//! The schema of `rules/api.toml`: the serde types of its entries (APIs,
//! parameters and their roles, structs, helpers, constants, the v2 sets).
//! [`super::Kb`] indexes them for lookups.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Tables;

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
    /// The SID the client expects of the server (`Sid` of an `RPC_SECURITY_QOS_V3`
    /// and later): an alternative to the principal name.
    ServerSid,
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
    /// A security descriptor written as an SDDL string.
    Sddl,
    /// A handle or token that an impersonation call uses.
    Token,
    /// A WMI namespace path (`ROOT\\CIMV2`, `\\\\server\\root\\cimv2`): its server part says where the proxy goes.
    WmiNamespace,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Binding => "binding",
            Role::Proxy => "proxy",
            Role::ServerPrincipal => "server-principal",
            Role::ServerSid => "server-sid",
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
            Role::Sddl => "sddl",
            Role::Token => "token",
            Role::WmiNamespace => "wmi-namespace",
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
    /// How the `windows` crate's signature does without this parameter, when
    /// it does: its call sites have one argument less, and the arguments
    /// after it move one place left.
    #[serde(default)]
    pub(crate) windows: Option<WindowsForm>,
}

/// Why the `windows` crate's signature lacks a C parameter (checked against
/// windows 0.62.2; the same shapes since 0.48).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum WindowsForm {
    /// An out-parameter returned as the `Result`'s value (`VerifySignature -> Result<u32>`).
    Returned,
    /// A count folded with the pointer after it into one slice parameter.
    Folded,
    /// An interface id given by the type parameter (`CoGetCallContext::<T>()`).
    Generic,
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
    /// Opens the calling thread's token into argument `to`
    /// (`OpenThreadToken`): setting that token back on the thread later
    /// restores the identity the thread had; it starts no impersonation.
    SavesThreadToken,
    /// Returns the address of argument `from` (`-1`: the receiver), called
    /// with no argument: a smart pointer's `p.replace()`, `p.GetAddressOf()`,
    /// `p.put()`. An API output written through the result lands in `p`.
    AddressOf,
    /// Returns the value of argument `from` (`-1`: the receiver), called
    /// with no argument: a smart pointer's `p.get()`, WRL's `p.Get()`: the
    /// pointer it holds.
    ValueOf,
    /// A method that tests its receiver and changes nothing (Rust's
    /// `p.is_null()`, the `windows` crate's `h.is_invalid()`): a condition
    /// calling it is kept like one of fields and operators (flow/conds.rs).
    Predicate,
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
    /// Calls by which an RPC server listens on a protocol sequence (its
    /// `protseq` argument; without one, on every protocol sequence).
    ServerTransport,
    /// Calls by which an RPC server registers the authentication services
    /// it accepts.
    ServerAuthn,
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

/// What a rule's fix writes for a value of `role` (`[[fix]]`): the constant
/// (or number, or word of a string) that replaces the offending one, the
/// flags added to it, or the flags removed from it.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FixSpec {
    pub rule: String,
    /// The role of the offending value; none for a fix of a test
    /// (`status-tests`).
    #[serde(default)]
    pub role: Option<Role>,
    /// A constant's name: it replaces the offending constant (a literal is
    /// replaced by its value, so the fix stays valid where no name is imported).
    #[serde(default)]
    pub replace_with: Option<String>,
    /// A number that replaces the offending constant (`0`: no flag at all).
    #[serde(default)]
    pub replace_with_value: Option<u64>,
    /// A word that replaces the offending word inside a string (the level
    /// of a string binding's `Security=` option).
    #[serde(default)]
    pub replace_with_text: Option<String>,
    /// Constant names of flags added to the value (`| A | B`).
    #[serde(default)]
    pub add: Vec<String>,
    /// The flags outside the role's `[[accepted-flags]]` are removed from
    /// the value; `replace-with` is written where none would remain.
    #[serde(default)]
    pub remove_unaccepted: bool,
    /// How a status is tested with its own type's convention: a test of a
    /// status written with another type's convention becomes
    /// `<status> <success or failure>`, whichever the code's test meant.
    #[serde(default)]
    pub status_tests: Vec<StatusTest>,
}

/// A type's comparisons for success and failure (`RPC_STATUS`: `== RPC_S_OK`,
/// `!= RPC_S_OK`): an operator and a constant's name or a number.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct StatusTest {
    pub returns: Returns,
    pub success: String,
    pub failure: String,
}

impl StatusTest {
    /// The comparison for success or failure, as (operator, operand).
    pub(crate) fn comparison(&self, success: bool) -> Option<(&str, &str)> {
        let text = if success { &self.success } else { &self.failure };
        let (op, operand) = text.split_once(' ')?;
        matches!(op, "==" | "!=" | "<" | ">=").then_some((op, operand))
    }
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
    #[serde(default)]
    pub fix: Vec<FixSpec>,
    /// The value tables; only the shipped file has them.
    #[serde(default, skip_serializing_if = "Tables::is_empty")]
    pub tables: Tables,
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
            && self.fix.is_empty()
            && self.tables.is_empty()
    }

    /// Functions, methods and structs that do not say where their facts were
    /// checked: none is allowed in the shipped file.
    #[cfg(test)]
    pub(super) fn entries_without_header(&self) -> Vec<String> {
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
