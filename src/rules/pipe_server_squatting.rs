//! `pipe-server-squatting`: a named-pipe server whose pipe another process
//! can create first, and so receive (and impersonate) its clients.
//!
//! Looks at the `CreateNamedPipe` calls (an API with a `pipe-open-mode`
//! parameter). It fires on a call whose open mode is known and lacks
//! `FILE_FLAG_FIRST_PIPE_INSTANCE` on every path, whose pipe name is known,
//! when no call of the program may create that name with the flag: in this
//! file by the resolver's values (a call whose mode or name is unknown may),
//! in the other files of the program by [`ProjectFacts::first_instances_near`]
//! (the name as spelled: a literal, a named constant, or unknown, which may
//! be any). So the accept loop that creates further instances after a
//! first one with the flag is silent, and so is a call whose name is built
//! at run time (a name no one can predict cannot be squatted in advance).
//!
//! The second case: a call whose `lpSecurityAttributes` holds, in
//! `lpSecurityDescriptor`, the descriptor that a
//! `ConvertStringSecurityDescriptorToSecurityDescriptor` of the same function
//! built from an SDDL that denies network logons (a `D`/`OD` ACE for `NU` or
//! `S-1-5-2`: the pipe is meant to be local-only), while its pipe mode is
//! known and lacks `PIPE_REJECT_REMOTE_CLIENTS` on some path.
//! Docs: `rules/pipe-server-squatting.md`.
//!
//! [`ProjectFacts::first_instances_near`]: crate::resolve::ProjectFacts

use super::{ApiCall, Precision, Rule, RuleCx, query};
use crate::diagnostic::Severity;
use crate::kb::{Dir, Kb, Read, Role};
use crate::resolve::pipes::{self, PipeKey};
use crate::resolve::{Origin, Slot};

pub(crate) static RULE: Rule = Rule {
    name: "pipe-server-squatting",
    default_severity: Severity::Warning,
    precision: Precision::High,
    reads: &[
        Read::Role(Role::PipeOpenMode),
        Read::Role(Role::PipeMode),
        Read::Role(Role::SecurityDescriptor),
        Read::Role(Role::Sddl),
    ],
    doc: include_str!("../../rules/pipe-server-squatting.md"),
    check,
};

/// A `CreateNamedPipe` call with what the rule compares.
struct Server<'a> {
    call: ApiCall<'a>,
    /// Lower-cased names; `None` when unknown.
    names: Option<Vec<String>>,
    /// Whether some path may pass `FILE_FLAG_FIRST_PIPE_INSTANCE`.
    may_be_first: bool,
}

fn check(cx: &mut RuleCx<'_>) {
    let Some(flag) = cx.kb.int("FILE_FLAG_FIRST_PIPE_INSTANCE") else { return };
    let servers: Vec<Server<'_>> = cx
        .api_calls()
        .into_iter()
        .filter(|c| c.api.param_with(Role::PipeOpenMode).is_some() && !query::in_api_definition(cx.kb, c))
        .map(|call| {
            let names = call
                .arg(Role::FileName)
                .and_then(|v| v.known_strs())
                .map(|ss| ss.iter().map(|(s, _)| s.to_lowercase()).collect::<Vec<_>>())
                .filter(|ss| !ss.is_empty());
            let modes = call.arg(Role::PipeOpenMode).and_then(|v| v.known_ints()).filter(|m| !m.is_empty());
            let may_be_first = modes.is_none_or(|m| m.iter().any(|(v, _)| v & flag != 0));
            Server { call, names, may_be_first }
        })
        .collect();
    for s in &servers {
        let Some(names) = &s.names else { continue };
        // A `%` is a format a name is built from at run time (`swprintf`'s copy).
        if s.may_be_first || !names.iter().all(|n| query::is_pipe_path(cx.kb, n) && !n.contains('%')) {
            continue;
        }
        let same = |other: &Option<Vec<String>>| other.as_ref().is_none_or(|o| o.iter().any(|n| names.contains(n)));
        if servers.iter().any(|o| o.may_be_first && same(&o.names)) {
            continue;
        }
        let spelled = spelled_key(cx, &s.call);
        let elsewhere = cx.project.first_instances_near(cx.file).any(|f| match &f.name {
            PipeKey::Unknown => true,
            PipeKey::Str(n) => names.contains(n),
            PipeKey::Name(_) => spelled.as_ref() == Some(&f.name),
        });
        if elsewhere {
            continue;
        }
        report(cx, &s.call, names);
    }
    local_only(cx, &servers);
}

/// The second case: a descriptor that denies network logons, from an SDDL
/// converted in the same function, on a pipe that does not reject remote clients.
fn local_only<'a>(cx: &mut RuleCx<'a>, servers: &[Server<'a>]) {
    let Some(reject) = cx.kb.int("PIPE_REJECT_REMOTE_CLIENTS") else { return };
    let Some(deny) = DenyNetwork::from_kb(cx.kb) else { return };
    let calls = cx.api_calls();
    for s in servers {
        let Some(modes) = s.call.arg(Role::PipeMode).and_then(|v| v.known_ints()) else { continue };
        if modes.is_empty() || modes.iter().all(|(m, _)| m & reject != 0) {
            continue;
        }
        let descriptors = s.call.role_values(cx.kb, Role::SecurityDescriptor);
        let found = descriptors.iter().flat_map(|d| d.value.marks()).find_map(|(mark, _)| {
            let conv = calls.iter().find(|c| std::ptr::eq(c.func, s.call.func) && c.id == mark.call)?;
            let out =
                conv.api.params.iter().position(|p| p.role == Some(Role::SecurityDescriptor) && p.dir != Dir::In)?;
            if mark.slot != Slot::Param(u16::try_from(out).ok()?) {
                return None;
            }
            let sddls = conv.arg(Role::Sddl)?.known_strs()?;
            let (sddl, origin) = sddls.into_iter().find(|(t, _)| deny.matches(t))?;
            // A literal argument has no origin of its own: point at the argument.
            let at = conv.api.param_with(Role::Sddl).and_then(|i| conv.call.args.get(i));
            let span = at.and_then(|e| conv.func.exprs.get(e.index())).map_or(conv.call.span, |e| e.span);
            Some((sddl, origin.unwrap_or(Origin { file: cx.file, span })))
        });
        if let Some((sddl, origin)) = found {
            report_local_only(cx, &s.call, &sddl, origin);
        }
    }
}

/// What an SDDL string's deny ACE for network logons looks like, from the kb.
struct DenyNetwork {
    types: Vec<String>,
    accounts: Vec<String>,
}

impl DenyNetwork {
    fn from_kb(kb: &Kb) -> Option<DenyNetwork> {
        let text = |name: &str| kb.text(name).map(str::to_string);
        let types = vec![text("SDDL_ACCESS_DENIED")?, text("SDDL_OBJECT_ACCESS_DENIED")?];
        // The NT authority (5) is the SID's fixed part; the rid names the network logon group.
        let sid = format!("S-1-5-{}", kb.int("SECURITY_NETWORK_RID")?);
        Some(DenyNetwork { types, accounts: vec![text("SDDL_NETWORK")?, sid] })
    }

    /// Whether some ACE of `sddl` (`(type;flags;rights;guid;guid;account)`) denies the network group.
    fn matches(&self, sddl: &str) -> bool {
        sddl.split('(').skip(1).filter_map(|ace| ace.split(')').next()).any(|ace| {
            let Some((ty, account)) = super::sddl::type_and_account(ace) else { return false };
            self.types.iter().any(|t| ty.eq_ignore_ascii_case(t))
                && self.accounts.iter().any(|a| account.eq_ignore_ascii_case(a))
        })
    }
}

fn report_local_only<'a>(cx: &mut RuleCx<'a>, call: &ApiCall<'a>, sddl: &str, origin: Origin) {
    let message = format!(
        "`{}` creates a pipe whose security descriptor denies network logons (`{sddl}`), so it is meant for local clients only, but `dwPipeMode` lacks `PIPE_REJECT_REMOTE_CLIENTS`: the pipe still accepts connections from other machines, and the descriptor alone decides who gets in",
        call.name()
    );
    let help = "add `PIPE_REJECT_REMOTE_CLIENTS` to `dwPipeMode`, so the pipe itself refuses remote clients whatever their token holds";
    // At the pipe mode the flag belongs in.
    let cause = cx.cause_of(call, Role::PipeMode, None);
    // One way the mode is set: the flag is added there.
    let modes = call.role_values(cx.kb, Role::PipeMode);
    let fix = modes.first().and_then(|rv| match rv.value.known_ints()?.as_slice() {
        [(mode, at)] => cx.fix_add(call, Role::PipeMode, rv, *mode, *at, Severity::Warning),
        _ => None,
    });
    let d = cx
        .diagnostic(call, Severity::Warning, message)
        .at(cause)
        .with_help(help)
        .with_label(origin.file, origin.span, "this SDDL denies network logons")
        .with_fix(fix);
    cx.push(d);
}

/// The name argument as spelled (for comparing with other files' calls).
fn spelled_key(cx: &RuleCx<'_>, call: &ApiCall<'_>) -> Option<PipeKey> {
    let i = call.api.param_with(Role::FileName)?;
    let arg = *call.call.args.get(i)?;
    Some(pipes::key(cx.kb, call.func, arg, 0))
}

fn report(cx: &mut RuleCx<'_>, call: &ApiCall<'_>, names: &[String]) {
    let shown = call
        .arg(Role::FileName)
        .and_then(|v| v.known_strs())
        .and_then(|ss| ss.first().map(|(s, _)| s.to_string()))
        .or_else(|| names.first().cloned())
        .unwrap_or_default();
    let message = format!(
        "`{}` creates the pipe `{shown}` without `FILE_FLAG_FIRST_PIPE_INSTANCE`, nor does any other call of the program: a process that creates the name first receives the clients and can impersonate them",
        call.name()
    );
    let help = "add `FILE_FLAG_FIRST_PIPE_INSTANCE` to `dwOpenMode` of the call that creates the first instance (and fail when the name already exists), or use a name other processes cannot predict";
    // At the open mode the flag belongs in.
    let cause = cx.cause_of(call, Role::PipeOpenMode, None);
    let d = cx.diagnostic(call, Severity::Warning, message).at(cause).with_help(help);
    cx.push(d);
}
