//! `excessive-impersonation`: a client grants the server more impersonation
//! than the configured ceiling (default: identify).
//!
//! Reads the three Windows scales through the knowledge base's roles:
//! `imp-level` (`RPC_C_IMP_LEVEL_*`, in QOS structs and COM blankets),
//! `security-imp-level` (`SECURITY_IMPERSONATION_LEVEL`), and the SQOS bits of
//! `CreateFile` flags on named pipes (`file-flags`, `sqos-flags`). A pipe
//! opened without `SECURITY_SQOS_PRESENT` grants impersonation by default.
//! Error for delegation, warning for impersonation, note for "default".
//! Silent on unknown values and on paths that are not known to be pipes.
//! Docs: `rules/excessive-impersonation.md`.

use super::{ApiCall, ImpLevel, OriginLabels, Precision, Rule, RuleCx, query};
use crate::diagnostic::{Fix, Severity};
use crate::ir::Span;
use crate::kb::{Kb, Read, Role, Scale, ScaleLevel, name_of};
use crate::resolve::Origin;

pub(crate) static RULE: Rule = Rule {
    name: "excessive-impersonation",
    default_severity: Severity::Error,
    precision: Precision::Low,
    reads: &[
        Read::Role(Role::ImpLevel),
        Read::Role(Role::SecurityImpLevel),
        Read::Role(Role::FileName),
        Read::Role(Role::FileFlags),
        Read::Role(Role::FileParams),
        Read::Role(Role::SqosFlags),
        Read::PipeClients,
    ],
    doc: include_str!("../../rules/excessive-impersonation.md"),
    check,
};

/// A level as granted: a real one, or "let the provider choose".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Granted {
    Level(ImpLevel),
    Default,
}

/// A finding in the making: what was granted, how it is spelled, where it was set.
struct Grant {
    granted: Granted,
    spelled: String,
    origin: Option<Origin>,
    /// The parameter whose argument carries it.
    param: usize,
    /// The identify level of the same scale in its place.
    fix: Option<Fix>,
}

fn check(cx: &mut RuleCx<'_>) {
    let ceiling = cx.options.impersonation_ceiling;
    for call in cx.api_calls() {
        let mut grants: Vec<(String, Grant)> = Vec::new();
        for rv in call.role_values(cx.kb, Role::ImpLevel) {
            let Some(levels) = rv.value.known_ints() else { continue };
            for (v, origin) in levels {
                if let Some((granted, name)) = rpc_scale(cx.kb, v) {
                    let fix = cx.fix_replace(&call, Role::ImpLevel, &rv, v, origin, severity(granted));
                    let param = rv.index;
                    grants.push((rv.describe(), Grant { granted, spelled: name.to_string(), origin, param, fix }));
                }
            }
        }
        for rv in call.role_values(cx.kb, Role::SecurityImpLevel) {
            let Some(levels) = rv.value.known_ints() else { continue };
            for (v, origin) in levels {
                if let Some((level, name)) = security_scale(cx.kb, v) {
                    let spelled = name.to_string();
                    let granted = Granted::Level(level);
                    let fix = cx.fix_replace(&call, Role::SecurityImpLevel, &rv, v, origin, severity(granted));
                    grants.push((rv.describe(), Grant { granted, spelled, origin, param: rv.index, fix }));
                }
            }
        }
        if let Some((opened, label)) = opened_pipe(cx.kb, &call) {
            if pipe_without_sqos(cx, &call, &opened, label) {
                continue;
            }
            for role in [Role::FileFlags, Role::SqosFlags] {
                for rv in call.role_values(cx.kb, role) {
                    let Some(flags) = rv.value.known_ints() else { continue };
                    for (f, origin) in flags {
                        if let Some(level) = sqos_level(cx.kb, f) {
                            let spelled = sqos_name(cx.kb, f);
                            let granted = Granted::Level(level);
                            // The level's flag among the others is replaced.
                            let field = f & sqos_mask(cx.kb).unwrap_or(0);
                            let fix = cx.fix_replace(&call, role, &rv, field, origin, severity(granted));
                            grants.push((rv.describe(), Grant { granted, spelled, origin, param: rv.index, fix }));
                        }
                    }
                }
            }
        }
        let worst =
            grants.into_iter().filter(|(_, g)| exceeds(g.granted, ceiling)).max_by_key(|(_, g)| rank(g.granted));
        let Some((describe, grant)) = worst else { continue };
        report(cx, &call, &describe, &grant);
    }
}

/// Error for delegation, warning for impersonation, note for the rest.
fn severity(granted: Granted) -> Severity {
    match granted {
        Granted::Level(ImpLevel::Delegate) => Severity::Error,
        Granted::Level(ImpLevel::Impersonate) => Severity::Warning,
        Granted::Level(_) | Granted::Default => Severity::Note,
    }
}

fn report(cx: &mut RuleCx<'_>, call: &ApiCall<'_>, describe: &str, grant: &Grant) {
    let severity = severity(grant.granted);
    let what = match grant.granted {
        Granted::Level(ImpLevel::Delegate) => "lets the server act as this client on other machines (delegation)",
        Granted::Level(ImpLevel::Impersonate) => "lets the server act as this client on its machine",
        Granted::Level(_) => "lets the server identify this client",
        Granted::Default => "leaves the impersonation level to the security provider, which may grant impersonation",
    };
    let message = format!("`{}` passed as {describe} to `{}` {what}", grant.spelled, call.name());
    let ceiling = cx.options.impersonation_ceiling;
    let scales = &cx.kb.tables.impersonation;
    let identify = |scale| name_of(scale, ScaleLevel::Identify).unwrap_or_default();
    let help = format!(
        "grant the lowest level that lets the call through (the configured ceiling is `{}`), e.g. `{}`, `{}` or `{}`, and check the level the provider actually granted",
        ceiling.as_str(),
        identify(&scales.rpc),
        identify(&scales.security),
        sqos_identify(cx.kb),
    );
    let mut d = cx
        .diagnostic(call, severity, message)
        .at(cx.cause(call, grant.param, grant.origin))
        .with_help(help)
        .with_fix(grant.fix.clone());
    d = d.set_here(grant.origin, &grant.spelled);
    cx.push(d);
}

/// `SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION`, the flags to add.
fn sqos_identify(kb: &Kb) -> String {
    let scales = &kb.tables.impersonation;
    format!("{} | {}", scales.sqos_present, name_of(&scales.sqos, ScaleLevel::Identify).unwrap_or_default())
}

/// A named-pipe client open without `SECURITY_SQOS_PRESENT`: reported here
/// (returns true) because the server then impersonates by default.
/// `opened` says what is opened (the named pipe `\\.\pipe\x`), `label` why
/// it is taken for a pipe, where that is written.
fn pipe_without_sqos<'a>(cx: &mut RuleCx<'a>, call: &ApiCall<'a>, opened: &str, label: Option<(Span, String)>) -> bool {
    let present_name = &cx.kb.tables.impersonation.sqos_present;
    let Some(present) = cx.kb.int(present_name) else { return false };
    let flags = call.role_values(cx.kb, Role::FileFlags);
    let Some(rv) = flags.first() else { return false };
    let Some(values) = rv.value.known_ints() else { return false };
    if values.iter().all(|(f, _)| f & present != 0) {
        return false;
    }
    // One way the flags are set: the two flags are added there.
    let fix = match values.as_slice() {
        [(f, origin)] => cx.fix_add(call, Role::FileFlags, rv, *f, *origin, Severity::Warning),
        _ => None,
    };
    if ImpLevel::Impersonate <= cx.options.impersonation_ceiling {
        return true;
    }
    let message = format!(
        "`{}` opens {opened} without `{present_name}`, so the pipe server can impersonate this client",
        call.name()
    );
    let help = format!("add `{}` to the flags (`dwFlagsAndAttributes`)", sqos_identify(cx.kb));
    // At the flags the missing one belongs in.
    let lacking = values.iter().find(|(f, _)| f & present == 0).and_then(|(_, o)| *o);
    let cause = cx.cause(call, rv.index, lacking);
    let mut d = cx.diagnostic(call, Severity::Warning, message).at(cause).with_help(help).with_fix(fix);
    if let Some((span, text)) = label {
        d = d.with_label(cx.file, span, text);
    }
    cx.push(d);
    true
}

/// What a `CreateFile` opens when it is a named pipe, for messages, and
/// why it is taken for one when its path does not say so: a path known to
/// be a pipe (the named pipe `\\.\pipe\x`), or a path the function does not
/// know (its caller's) when its own code says it opens pipes
/// ([`query::pipe_client_clue`]). A path known here that is not a pipe is a file.
fn opened_pipe(kb: &Kb, call: &ApiCall<'_>) -> Option<(String, Option<(Span, String)>)> {
    if let Some(pipe) = pipe_path(kb, call) {
        return Some((format!("the named pipe `{pipe}`"), None));
    }
    if call.arg(Role::FileName)?.known_strs().is_some() {
        return None;
    }
    let m = kb.api_for_call(&call.call.callee, call.call.receiver.is_some(), call.call.args.len())?;
    let path = *call.call.args.get(m.arg_index(call.api.param_with(Role::FileName)?)?)?;
    Some(match query::pipe_client_clue(kb, call.func, call.call, path)? {
        query::PipeClue::Constant(c, span) => (
            format!("a named pipe (`{}` expects one: it names `{c}`)", call.func.name),
            Some((span, format!("`{c}` concerns only named-pipe clients"))),
        ),
        query::PipeClue::Name(f) => (format!("a named pipe (`{f}` is named for opening one)"), None),
    })
}

/// The pipe path a call opens, if its file name is known to be one.
fn pipe_path(kb: &Kb, call: &ApiCall<'_>) -> Option<String> {
    let v = call.arg(Role::FileName)?;
    let strs = v.known_strs()?;
    strs.iter().find(|(s, _)| query::is_pipe_path(kb, s)).map(|(s, _)| s.to_string())
}

fn exceeds(g: Granted, ceiling: ImpLevel) -> bool {
    match g {
        Granted::Level(l) => l > ceiling,
        Granted::Default => ceiling < ImpLevel::Impersonate,
    }
}

fn rank(g: Granted) -> u8 {
    match g {
        Granted::Level(ImpLevel::Anonymous) => 0,
        Granted::Level(ImpLevel::Identify) => 1,
        Granted::Default => 2,
        Granted::Level(ImpLevel::Impersonate) => 3,
        Granted::Level(ImpLevel::Delegate) => 4,
    }
}

/// The level the constant of `scale` (`[tables.impersonation]`) whose
/// value is `v` grants, and that constant's name.
fn on_scale<'kb>(kb: &Kb, scale: &'kb Scale, v: u64) -> Option<(Granted, &'kb str)> {
    let (name, level) = scale.iter().find(|(name, _)| kb.int(name) == Some(v))?;
    let granted = match level {
        ScaleLevel::Default => Granted::Default,
        ScaleLevel::Anonymous => Granted::Level(ImpLevel::Anonymous),
        ScaleLevel::Identify => Granted::Level(ImpLevel::Identify),
        ScaleLevel::Impersonate => Granted::Level(ImpLevel::Impersonate),
        ScaleLevel::Delegate => Granted::Level(ImpLevel::Delegate),
    };
    Some((granted, name.as_str()))
}

/// A real level of a scale that has no "default".
fn level_on_scale<'kb>(kb: &Kb, scale: &'kb Scale, v: u64) -> Option<(ImpLevel, &'kb str)> {
    match on_scale(kb, scale, v)? {
        (Granted::Level(l), name) => Some((l, name)),
        (Granted::Default, _) => None,
    }
}

/// `RPC_C_IMP_LEVEL_*`: 0 default, 1 anonymous .. 4 delegate.
fn rpc_scale(kb: &Kb, v: u64) -> Option<(Granted, &str)> {
    on_scale(kb, &kb.tables.impersonation.rpc, u64::from(v as u32))
}

/// `SECURITY_IMPERSONATION_LEVEL`: 0 anonymous .. 3 delegation.
fn security_scale(kb: &Kb, v: u64) -> Option<(ImpLevel, &str)> {
    level_on_scale(kb, &kb.tables.impersonation.security, u64::from(v as u32))
}

/// The mask of `CreateFile`'s SQOS field: the value of its highest level
/// (`SECURITY_DELEGATION` holds both of the field's bits).
fn sqos_mask(kb: &Kb) -> Option<u64> {
    kb.int(name_of(&kb.tables.impersonation.sqos, ScaleLevel::Delegate)?)
}

/// The level in `CreateFile` SQOS flags; `None` without `SECURITY_SQOS_PRESENT`.
fn sqos_level(kb: &Kb, flags: u64) -> Option<ImpLevel> {
    let present = kb.int(&kb.tables.impersonation.sqos_present)?;
    if flags & present == 0 {
        return None;
    }
    // The level is a two-bit field, so compare the whole field.
    level_on_scale(kb, &kb.tables.impersonation.sqos, flags & sqos_mask(kb)?).map(|(l, _)| l)
}

/// The flags as `SECURITY_SQOS_PRESENT | <level>`.
fn sqos_name(kb: &Kb, flags: u64) -> String {
    let scale = &kb.tables.impersonation.sqos;
    let mask = sqos_mask(kb).unwrap_or(0);
    let level = scale
        .keys()
        .find(|n| kb.int(n) == Some(flags & mask))
        .map(String::as_str)
        .or_else(|| name_of(scale, ScaleLevel::Anonymous))
        .unwrap_or_default();
    format!("{} | {level}", kb.tables.impersonation.sqos_present)
}
