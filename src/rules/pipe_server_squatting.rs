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
//! Docs: `rules/pipe-server-squatting.md`.
//!
//! [`ProjectFacts::first_instances_near`]: crate::resolve::ProjectFacts

use super::{ApiCall, Precision, Rule, RuleCx, query};
use crate::diagnostic::Severity;
use crate::kb::Role;
use crate::resolve::pipes::{self, PipeKey};

pub(crate) static RULE: Rule = Rule {
    name: "pipe-server-squatting",
    default_severity: Severity::Warning,
    precision: Precision::High,
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
    let d = cx.diagnostic(call, Severity::Warning, message).with_help(help);
    cx.push(d);
}
