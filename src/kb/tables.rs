//! The value tables of `rules/api.toml` (its `[tables]` section) that rules
//! and the C frontend compare values with: the impersonation-level scales,
//! the protocol-sequence and pipe-name facts, the Windows scalar type names,
//! the calls that start a thread.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The `[tables]` section.
#[derive(Clone, Debug, Deserialize, Serialize, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Tables {
    #[serde(default)]
    pub impersonation: ImpersonationScales,
    #[serde(default)]
    pub transport: Transport,
    #[serde(default)]
    pub c_types: CTypes,
    #[serde(default)]
    pub threads: Threads,
}

impl Tables {
    /// Whether the section is absent (a configuration's extension has none).
    pub(crate) fn is_empty(&self) -> bool {
        *self == Tables::default()
    }
}

/// A level on rpclint's one scale of impersonation, as a Windows scale's
/// constant grants it; `Default` is RPC's and COM's "the defaults decide".
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum ScaleLevel {
    Default,
    Anonymous,
    Identify,
    Impersonate,
    Delegate,
}

/// One Windows scale: constant name → level.
pub type Scale = BTreeMap<String, ScaleLevel>;

/// Each Windows scale of impersonation levels.
#[derive(Clone, Debug, Deserialize, Serialize, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ImpersonationScales {
    /// `RPC_C_IMP_LEVEL_*` (RPC bindings and COM blankets).
    #[serde(default)]
    pub rpc: Scale,
    /// `SECURITY_IMPERSONATION_LEVEL` (`SecurityIdentification`, ...).
    #[serde(default)]
    pub security: Scale,
    /// `CreateFile`'s `SECURITY_*` flags: a two-bit field, read only under `sqos-present`.
    #[serde(default)]
    pub sqos: Scale,
    /// The flag that makes `CreateFile` read the `sqos` field.
    #[serde(default)]
    pub sqos_present: String,
}

/// The constant of `scale` whose level is `level`.
pub(crate) fn name_of(scale: &Scale, level: ScaleLevel) -> Option<&str> {
    scale.iter().find(|(_, l)| **l == level).map(|(n, _)| n.as_str())
}

/// Protocol sequences and pipe names.
#[derive(Clone, Debug, Deserialize, Serialize, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Transport {
    /// Local RPC, whose messages never leave the machine.
    #[serde(default)]
    pub local_protseq: String,
    /// The protocol sequences whose transports honour a string binding's `Security=` option.
    #[serde(default)]
    pub honours_security_option: Vec<String>,
    /// The directory of named pipes in a path: `\\server\pipe\name`.
    #[serde(default)]
    pub pipe_directory: String,
    /// The failures only a named-pipe open gives (`ERROR_PIPE_BUSY`).
    #[serde(default)]
    pub pipe_busy_constants: Vec<String>,
    /// A named pipe's wait timeouts (`NMPWAIT_USE_DEFAULT_WAIT`).
    #[serde(default)]
    pub pipe_wait_constants: Vec<String>,
    /// A word (lower case, without `_`) in the name of a function that opens named pipes.
    #[serde(default)]
    pub pipe_client_word: String,
    /// The names a path's server part (`\\server\...`) gives this machine.
    #[serde(default)]
    pub local_servers: Vec<String>,
}

/// Windows type names.
#[derive(Clone, Debug, Deserialize, Serialize, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CTypes {
    /// Scalar typedefs: a functional cast `DWORD(x)` or a cast `(DWORD)x` to
    /// one only passes the value through.
    #[serde(default)]
    pub scalar: Vec<String>,
}

impl CTypes {
    /// Whether `name` is one of the scalar typedefs.
    pub(crate) fn is_scalar(&self, name: &str) -> bool {
        self.scalar.iter().any(|t| t == name)
    }
}

/// Calls that start a thread of the program.
#[derive(Clone, Debug, Deserialize, Serialize, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Threads {
    /// A call that runs a routine of the program as a new thread's whole
    /// life, by name, with the index (from 0) of its start-routine argument.
    #[serde(default)]
    pub start_routine: BTreeMap<String, usize>,
    /// The same calls, with the index of the argument handed to the routine
    /// (`CreateThread`'s `lpParameter`).
    #[serde(default)]
    pub start_argument: BTreeMap<String, usize>,
}
