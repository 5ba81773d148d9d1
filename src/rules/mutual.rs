//! Questions the mutual-authentication rules share: does a call ask for
//! mutual authentication, which authentication service does it choose, is
//! that NTLM, and does it name the server's principal.
//!
//! Everything is asked of the knowledge base by role and by constant name:
//! a request for mutual authentication is `RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH`
//! in a `qos-capabilities` value (an RPC QOS), `EOAC_MUTUAL_AUTH` in a direct
//! `capabilities` parameter (a COM blanket), or `<prefix>_REQ_MUTUAL_AUTH` in
//! the `context-req` of a client context call (one that names a `target-name`).
//! Values are compared on 32 bits, as the APIs take them.

use super::{ApiCall, RuleCx};
use crate::ir::CallId;
use crate::kb::{Dir, Effect, Kb, Read, Role};
use crate::resolve::{Atom, Origin, Slot, Value};

/// What these questions read ([`crate::rules::Rule::reads`]): every rule
/// that asks them lists this group, so a new question is added here once.
pub(crate) const READS: &[Read] = &[
    Read::Role(Role::AuthnService),
    Read::Role(Role::AuthnLevel),
    Read::Role(Role::Capabilities),
    Read::Role(Role::QosCapabilities),
    Read::Role(Role::ContextReq),
    Read::Role(Role::TargetName),
    Read::Role(Role::Credential),
    Read::Role(Role::Package),
    Read::Effect(Effect::InquirePrincipal),
    Read::All(super::query::BINDING_ORIGIN),
];

/// A setting found at a call: how it is spelled, where it was passed, where
/// it was written.
#[derive(Clone, Debug)]
pub(crate) struct Setting {
    /// The constant's name (`RPC_C_AUTHN_WINNT`) or the number.
    pub(crate) spelled: String,
    /// How a message names the argument: `` `AuthnSvc` `` or `` `Capabilities` of `SecurityQos` ``.
    pub(crate) describe: String,
    pub(crate) origin: Option<Origin>,
    /// The parameter whose argument carries it (see [`RuleCx::cause`]).
    pub(crate) param: usize,
}

/// The 32 bits an API sees of a value.
fn low(v: u64) -> u64 {
    u64::from(v as u32)
}

/// The value passed for the first parameter with `role`, when that parameter
/// is an input of its own (not an output, not a struct pointer).
pub(crate) fn direct_in<'a>(call: &ApiCall<'a>, role: Role) -> Option<(&'a Value, &'a str)> {
    let i = call.api.params.iter().position(|p| p.role == Some(role) && p.struct_type.is_none())?;
    let param = call.api.params.get(i)?;
    if param.dir != Dir::In {
        return None;
    }
    Some((call.facts.args.get(i)?, param.name.as_str()))
}

/// The first known value of `role` (a parameter or a field of a struct
/// argument) whose every possible value has `bit` set: a request is a
/// premise, so it must hold on every path (`mutual ? ISC_REQ_MUTUAL_AUTH : 0`
/// with `mutual` from the caller is no request; see `rules/README.md`).
fn with_bit(cx: &RuleCx<'_>, call: &ApiCall<'_>, role: Role, bit_name: &str) -> Option<Setting> {
    let bit = cx.kb.int(bit_name)?;
    for rv in call.role_values(cx.kb, role) {
        let Some(values) = rv.value.known_ints() else { continue };
        if values.iter().all(|(v, _)| low(*v) & bit != 0) {
            let origin = values.iter().find_map(|(_, o)| *o);
            return Some(Setting { spelled: bit_name.to_string(), describe: rv.describe(), origin, param: rv.index });
        }
    }
    None
}

/// `RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH` in the capabilities of an RPC QOS the call receives.
pub(crate) fn qos_mutual(cx: &RuleCx<'_>, call: &ApiCall<'_>) -> Option<Setting> {
    with_bit(cx, call, Role::QosCapabilities, "RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH")
}

/// `EOAC_MUTUAL_AUTH` in the COM capabilities passed directly to the call.
pub(crate) fn eoac_mutual(cx: &RuleCx<'_>, call: &ApiCall<'_>) -> Option<Setting> {
    direct_in(call, Role::Capabilities)?;
    with_bit(cx, call, Role::Capabilities, "EOAC_MUTUAL_AUTH")
}

/// `<prefix>_REQ_MUTUAL_AUTH` in the context requirements of a call that
/// starts a client context (it names a target).
pub(crate) fn context_mutual(cx: &RuleCx<'_>, call: &ApiCall<'_>) -> Option<Setting> {
    call.api.param_with(Role::TargetName)?;
    let prefix = call.api.flag_prefix.as_deref()?;
    let bit_name = format!("{prefix}_REQ_MUTUAL_AUTH");
    with_bit(cx, call, Role::ContextReq, &bit_name)
}

/// Whether `RPC_C_AUTHN_DEFAULT` selects NTLM at this call: on an RPC
/// client binding (`RpcBindingSetAuthInfo[Ex]`), the documentation says the
/// runtime then uses `RPC_C_AUTHN_WINNT`. COM, by contrast, negotiates.
pub(crate) fn default_is_ntlm(call: &ApiCall<'_>) -> bool {
    let binding_in = call.api.params.iter().any(|p| p.role == Some(Role::Binding) && p.dir == Dir::In);
    binding_in && direct_in(call, Role::AuthnLevel).is_some() && direct_in(call, Role::AuthnService).is_some()
}

/// An NTLM authentication service chosen at a call.
#[derive(Clone, Debug)]
pub(crate) struct NtlmService {
    pub(crate) setting: Setting,
    /// The value is `RPC_C_AUTHN_DEFAULT`, which means NTLM at this call.
    pub(crate) via_default: bool,
}

/// The NTLM authentication service the call chooses: `RPC_C_AUTHN_WINNT`,
/// or `RPC_C_AUTHN_DEFAULT` where that means NTLM. With `direct_only`, only a
/// service passed as a parameter of its own counts (not a field of a struct).
/// Calls that only ask about a service (`RpcMgmtInqServerPrincName`) choose
/// none, nor do calls that turn authentication off (level `NONE`).
pub(crate) fn ntlm_service(cx: &RuleCx<'_>, call: &ApiCall<'_>, direct_only: bool) -> Option<NtlmService> {
    if call.api.effect == Effect::InquirePrincipal || authentication_off(cx.kb, call) {
        return None;
    }
    let winnt = cx.kb.int("RPC_C_AUTHN_WINNT")?;
    let default = cx.kb.int("RPC_C_AUTHN_DEFAULT").map(low);
    let default_counts = default_is_ntlm(call);
    let direct = direct_in(call, Role::AuthnService).map(|(_, name)| name);
    for rv in call.role_values(cx.kb, Role::AuthnService) {
        if direct_only && (rv.field.is_some() || Some(rv.param) != direct) {
            continue;
        }
        let Some(values) = rv.value.known_ints() else { continue };
        let hit = values
            .iter()
            .find(|(v, _)| low(*v) == winnt)
            .or_else(|| values.iter().find(|(v, _)| default_counts && Some(low(*v)) == default));
        if let Some((v, origin)) = hit {
            let spelled = cx.const_name("RPC_C_AUTHN_", low(*v));
            let setting = Setting { spelled, describe: rv.describe(), origin: *origin, param: rv.index };
            return Some(NtlmService { setting, via_default: low(*v) != winnt });
        }
    }
    None
}

/// Whether the call turns authentication off: every service value is known
/// to be `RPC_C_AUTHN_NONE`, or every level value `RPC_C_AUTHN_LEVEL_NONE`
/// (then no service is used at all; `missing-integrity` reports the level).
pub(crate) fn authentication_off(kb: &Kb, call: &ApiCall<'_>) -> bool {
    let all_are = |role: Role, name: &str| {
        let Some(none) = kb.int(name) else { return false };
        let values = call.role_values(kb, role);
        !values.is_empty()
            && values.iter().all(|rv| rv.value.known_ints().is_some_and(|vs| vs.iter().all(|(v, _)| low(*v) == none)))
    };
    all_are(Role::AuthnService, "RPC_C_AUTHN_NONE") || all_are(Role::AuthnLevel, "RPC_C_AUTHN_LEVEL_NONE")
}

/// Credentials of the NTLM package that a client context call uses: the
/// credential handle it is given was filled, in the same function, by a call
/// (`AcquireCredentialsHandle`) whose `package` is `NTLMSP_NAME` (any case).
/// Returns that call.
pub(crate) fn ntlm_credential(cx: &RuleCx<'_>, call: &ApiCall<'_>) -> Option<CallId> {
    let Some(crate::kb::ConstValue::Str(ntlm)) = cx.kb.constant("NTLMSP_NAME") else { return None };
    let (cred, _) = direct_in(call, Role::Credential)?;
    let handle = cred.pointee().unwrap_or(cred);
    for (mark, _) in handle.marks() {
        let Slot::Param(i) = mark.slot else { continue };
        let Some(facts) = call.fn_facts.call(mark.call) else { continue };
        let Some(api) = facts.api(cx.kb) else { continue };
        let is_credential_out =
            api.params.get(usize::from(i)).is_some_and(|p| p.role == Some(Role::Credential) && p.dir != Dir::In);
        if !is_credential_out {
            continue;
        }
        let Some(package) = facts.arg(cx.kb, Role::Package) else { continue };
        let Some(names) = package.known_strs() else { continue };
        if names.iter().all(|(s, _)| s.eq_ignore_ascii_case(ntlm)) {
            return Some(mark.call);
        }
    }
    None
}

/// How mutual authentication is asked of NTLM at a call (`ntlm-mutual-auth`).
pub(crate) enum NtlmMutual {
    /// An RPC QOS or (`com`) a COM blanket asks for it with an NTLM service.
    Service { request: Setting, service: NtlmService, com: bool },
    /// A client SSPI context asks for it on NTLM credentials from `acquired_by`.
    Sspi { request: Setting, acquired_by: CallId },
}

/// The `ntlm-mutual-auth` finding at a call, if there is one; `ntlm-authentication`
/// asks too, so as not to report the same NTLM choice twice.
pub(crate) fn ntlm_mutual(cx: &RuleCx<'_>, call: &ApiCall<'_>) -> Option<NtlmMutual> {
    if let Some(request) = context_mutual(cx, call) {
        let acquired_by = ntlm_credential(cx, call)?;
        return Some(NtlmMutual::Sspi { request, acquired_by });
    }
    // Over ncalrpc, NTLM does authenticate the server when given an SPN.
    if super::query::binding_is_ncalrpc(cx.kb, call) {
        return None;
    }
    if let Some(request) = qos_mutual(cx, call) {
        let service = ntlm_service(cx, call, false)?;
        return Some(NtlmMutual::Service { request, service, com: false });
    }
    // A COM blanket: the capabilities and the service it sets side by side
    // (not `CoInitializeSecurity`'s list of services a server accepts).
    let request = eoac_mutual(cx, call)?;
    let service = ntlm_service(cx, call, true)?;
    Some(NtlmMutual::Service { request, service, com: true })
}

/// The principal value is a null pointer or an empty string: how to say so.
pub(crate) fn describe_missing(v: &Value) -> &'static str {
    let strings = v.atoms.iter().filter(|(a, _)| matches!(a, Atom::Str(_))).count();
    match strings {
        0 => "null",
        n if n == v.atoms.len() => "an empty string",
        _ => "null or an empty string",
    }
}
