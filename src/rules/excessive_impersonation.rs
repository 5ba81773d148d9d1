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
use crate::diagnostic::Severity;
use crate::kb::{Kb, Role};
use crate::resolve::Origin;

pub(crate) static RULE: Rule = Rule {
    name: "excessive-impersonation",
    default_severity: Severity::Error,
    precision: Precision::Low,
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
}

fn check(cx: &mut RuleCx<'_>) {
    let ceiling = cx.options.impersonation_ceiling;
    for call in cx.api_calls() {
        let mut grants: Vec<(String, Grant)> = Vec::new();
        for rv in call.role_values(cx.kb, Role::ImpLevel) {
            let Some(levels) = rv.value.known_ints() else { continue };
            for (v, origin) in levels {
                if let Some(granted) = rpc_scale(cx.kb, v) {
                    let spelled = cx.const_name("RPC_C_IMP_LEVEL_", v);
                    grants.push((rv.describe(), Grant { granted, spelled, origin }));
                }
            }
        }
        for rv in call.role_values(cx.kb, Role::SecurityImpLevel) {
            let Some(levels) = rv.value.known_ints() else { continue };
            for (v, origin) in levels {
                if let Some(level) = security_scale(cx.kb, v) {
                    let spelled = cx.kb.name_of("Security", v).map_or_else(|| v.to_string(), str::to_string);
                    grants.push((rv.describe(), Grant { granted: Granted::Level(level), spelled, origin }));
                }
            }
        }
        if let Some(pipe) = pipe_path(&call) {
            if pipe_without_sqos(cx, &call, &pipe) {
                continue;
            }
            for rv in
                call.role_values(cx.kb, Role::FileFlags).into_iter().chain(call.role_values(cx.kb, Role::SqosFlags))
            {
                let Some(flags) = rv.value.known_ints() else { continue };
                for (f, origin) in flags {
                    if let Some(level) = sqos_level(cx.kb, f) {
                        let spelled = sqos_name(cx.kb, f);
                        grants.push((rv.describe(), Grant { granted: Granted::Level(level), spelled, origin }));
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

fn report(cx: &mut RuleCx<'_>, call: &ApiCall<'_>, describe: &str, grant: &Grant) {
    let (severity, what) = match grant.granted {
        Granted::Level(ImpLevel::Delegate) => {
            (Severity::Error, "lets the server act as this client on other machines (delegation)")
        }
        Granted::Level(ImpLevel::Impersonate) => {
            (Severity::Warning, "lets the server act as this client on its machine")
        }
        Granted::Level(_) => (Severity::Note, "lets the server identify this client"),
        Granted::Default => {
            (Severity::Note, "leaves the impersonation level to the security provider, which may grant impersonation")
        }
    };
    let message = format!("`{}` passed as {describe} to `{}` {what}", grant.spelled, call.name());
    let ceiling = cx.options.impersonation_ceiling;
    let help = format!(
        "grant the lowest level that lets the call through (the configured ceiling is `{}`), e.g. `RPC_C_IMP_LEVEL_IDENTIFY`, `SecurityIdentification` or `SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION`, and check the level the provider actually granted",
        ceiling.as_str()
    );
    let mut d = cx.diagnostic(call, severity, message).with_help(help);
    d = d.set_here(grant.origin, &grant.spelled);
    cx.push(d);
}

/// A named-pipe client open without `SECURITY_SQOS_PRESENT`: reported here
/// (returns true) because the server then impersonates by default.
fn pipe_without_sqos(cx: &mut RuleCx<'_>, call: &ApiCall<'_>, pipe: &str) -> bool {
    let Some(present) = cx.kb.int("SECURITY_SQOS_PRESENT") else { return false };
    let flags = call.role_values(cx.kb, Role::FileFlags);
    let Some(rv) = flags.first() else { return false };
    let Some(values) = rv.value.known_ints() else { return false };
    if values.iter().all(|(f, _)| f & present != 0) {
        return false;
    }
    if ImpLevel::Impersonate <= cx.options.impersonation_ceiling {
        return true;
    }
    let message = format!(
        "`{}` opens the named pipe `{pipe}` without `SECURITY_SQOS_PRESENT`, so the pipe server can impersonate this client",
        call.name()
    );
    let d = cx
        .diagnostic(call, Severity::Warning, message)
        .with_help("add `SECURITY_SQOS_PRESENT | SECURITY_IDENTIFICATION` to the flags (`dwFlagsAndAttributes`)");
    cx.push(d);
    true
}

/// The pipe path a call opens, if its file name is known to be one.
fn pipe_path(call: &ApiCall<'_>) -> Option<String> {
    let v = call.arg(Role::FileName)?;
    let strs = v.known_strs()?;
    strs.iter().find(|(s, _)| query::is_pipe_path(s)).map(|(s, _)| s.to_string())
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

/// `RPC_C_IMP_LEVEL_*`: 0 default, 1 anonymous .. 4 delegate.
fn rpc_scale(kb: &Kb, v: u64) -> Option<Granted> {
    let v = u64::from(v as u32);
    let table = [
        ("RPC_C_IMP_LEVEL_DEFAULT", Granted::Default),
        ("RPC_C_IMP_LEVEL_ANONYMOUS", Granted::Level(ImpLevel::Anonymous)),
        ("RPC_C_IMP_LEVEL_IDENTIFY", Granted::Level(ImpLevel::Identify)),
        ("RPC_C_IMP_LEVEL_IMPERSONATE", Granted::Level(ImpLevel::Impersonate)),
        ("RPC_C_IMP_LEVEL_DELEGATE", Granted::Level(ImpLevel::Delegate)),
    ];
    table.iter().find(|(name, _)| kb.int(name) == Some(v)).map(|(_, g)| *g)
}

/// `SECURITY_IMPERSONATION_LEVEL`: 0 anonymous .. 3 delegation.
fn security_scale(kb: &Kb, v: u64) -> Option<ImpLevel> {
    let v = u64::from(v as u32);
    let table = [
        ("SecurityAnonymous", ImpLevel::Anonymous),
        ("SecurityIdentification", ImpLevel::Identify),
        ("SecurityImpersonation", ImpLevel::Impersonate),
        ("SecurityDelegation", ImpLevel::Delegate),
    ];
    table.iter().find(|(name, _)| kb.int(name) == Some(v)).map(|(_, l)| *l)
}

/// The level in `CreateFile` SQOS flags; `None` without `SECURITY_SQOS_PRESENT`.
fn sqos_level(kb: &Kb, flags: u64) -> Option<ImpLevel> {
    let present = kb.int("SECURITY_SQOS_PRESENT")?;
    if flags & present == 0 {
        return None;
    }
    // The level is a two-bit field (SECURITY_DELEGATION contains the
    // IDENTIFICATION and IMPERSONATION bits), so compare the whole field.
    let mask = kb.int("SECURITY_DELEGATION")?;
    let table = [
        ("SECURITY_ANONYMOUS", ImpLevel::Anonymous),
        ("SECURITY_IDENTIFICATION", ImpLevel::Identify),
        ("SECURITY_IMPERSONATION", ImpLevel::Impersonate),
        ("SECURITY_DELEGATION", ImpLevel::Delegate),
    ];
    table.iter().find(|(name, _)| kb.int(name) == Some(flags & mask)).map(|(_, l)| *l)
}

fn sqos_name(kb: &Kb, flags: u64) -> String {
    let mask = kb.int("SECURITY_DELEGATION").unwrap_or(0);
    let level = ["SECURITY_ANONYMOUS", "SECURITY_IDENTIFICATION", "SECURITY_IMPERSONATION", "SECURITY_DELEGATION"]
        .into_iter()
        .find(|n| kb.int(n) == Some(flags & mask))
        .unwrap_or("SECURITY_ANONYMOUS");
    format!("SECURITY_SQOS_PRESENT | {level}")
}
