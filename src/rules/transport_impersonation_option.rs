//! `transport-impersonation-option`: a string binding for `ncacn_np` or
//! `ncalrpc` whose network options say `Security=Impersonation` (or the
//! undocumented `Security=Delegation`).
//!
//! Two places carry network options: the `network-options` argument of a
//! call that composes a string binding (it also takes a `protseq`:
//! `RpcStringBindingCompose[A/W]`), and a whole string-binding literal passed
//! to a call that creates a binding from one (an input `string-binding` and
//! an output `binding`: `RpcBindingFromStringBinding[A/W]`). Option names and
//! values match case-insensitively; the `Security=` value must follow its
//! three-token grammar. A string binding that is the output of a compose
//! call is not a literal, so it is reported once, at the compose.
//! Silent on unknown values, other protocol sequences (which ignore the
//! option) and `Identification` / `Anonymous`.
//! Docs: `rules/transport-impersonation-option.md`.

use super::query::{self, TransportLevel, TransportSecurity};
use super::{ApiCall, OriginLabels, Precision, Rule, RuleCx};
use crate::diagnostic::Severity;
use crate::kb::{Dir, Kb, Read, Role};
use crate::resolve::{Origin, Value};

pub(crate) static RULE: Rule = Rule {
    name: "transport-impersonation-option",
    default_severity: Severity::Error,
    precision: Precision::High,
    reads: &[
        Read::Role(Role::NetworkOptions),
        Read::Role(Role::Binding),
        Read::Role(Role::StringBinding),
        Read::Role(Role::Protseq),
    ],
    doc: include_str!("../../rules/transport-impersonation-option.md"),
    check,
};

/// A `Security=` option that lets the server impersonate, and where it was written.
struct Finding {
    protseq: String,
    security: TransportSecurity,
    written: String,
    origin: Option<Origin>,
    /// The whole string, and the byte offset and text of the level word in it.
    level: (String, usize, String),
}

fn check(cx: &mut RuleCx<'_>) {
    for call in cx.api_calls() {
        if query::in_api_definition(cx.kb, &call) {
            continue;
        }
        let found = if has_input(&call, Role::NetworkOptions) && has_input(&call, Role::Protseq) {
            from_compose(cx.kb, &call)
        } else if has_input(&call, Role::StringBinding) && has_output(&call, Role::Binding) {
            from_string_binding(cx.kb, &call)
        } else {
            None
        };
        let Some(f) = found else { continue };
        report(cx, &call, &f);
    }
}

fn has_input(call: &ApiCall<'_>, role: Role) -> bool {
    call.api.params.iter().any(|p| p.role == Some(role) && p.dir == Dir::In)
}

fn has_output(call: &ApiCall<'_>, role: Role) -> bool {
    call.api.params.iter().any(|p| p.role == Some(role) && p.dir != Dir::In)
}

/// `RpcStringBindingCompose(uuid, protseq, addr, endpoint, options, &out)`.
fn from_compose(kb: &Kb, call: &ApiCall<'_>) -> Option<Finding> {
    let protseqs = call.arg(Role::Protseq)?.known_strs()?;
    let protseq = protseqs.iter().find(|(p, _)| honours(kb, p)).map(|(p, _)| p.to_string())?;
    let options = call.arg(Role::NetworkOptions)?;
    worst(options, |text| Some((protseq.clone(), query::parse_options(text))))
}

/// `RpcBindingFromStringBinding(L"ncalrpc:[ep,Security=...]", &h)`.
fn from_string_binding(kb: &Kb, call: &ApiCall<'_>) -> Option<Finding> {
    let binding = call.arg(Role::StringBinding)?;
    worst(binding, |text| {
        let b = query::parse_string_binding(text)?;
        honours(kb, &b.protseq).then_some((b.protseq, b.options))
    })
}

/// Of every string the value may hold, the one granting the most.
/// `parse` gives a string's protocol sequence and network options.
fn worst(value: &Value, parse: impl Fn(&str) -> Option<(String, Vec<(String, String)>)>) -> Option<Finding> {
    let strs = value.known_strs()?;
    strs.iter()
        .filter_map(|(text, origin)| {
            let (protseq, options) = parse(text)?;
            let (key, val) = query::find_option(&options, "Security")?;
            let security = query::parse_transport_security(val)?;
            let written = format!("{key}={val}");
            let level = level_word(text).unwrap_or_default();
            Some(Finding { protseq, security, written, origin: *origin, level })
        })
        .filter(|f| matches!(f.security.level, TransportLevel::Impersonation | TransportLevel::Delegation))
        .max_by_key(|f| f.security.level == TransportLevel::Delegation)
}

/// Where the level word of the first `Security=` option is in `text` (the
/// option `find_option` reads): its byte offset and its text.
fn level_word(text: &str) -> Option<(String, usize, String)> {
    let mut offset = 0;
    for part in text.split([',', '[']) {
        if let Some((key, value)) = part.split_once('=') {
            if key.trim().eq_ignore_ascii_case("Security") {
                let word = value.split_whitespace().next()?;
                let at = offset + key.len() + 1 + value.find(word)?;
                return Some((text.to_string(), at, word.to_string()));
            }
        }
        offset += part.len() + 1;
    }
    None
}

/// Whether the transport of `protseq` honours the `Security=` option
/// (`honours-security-option` in `rules/api.toml`).
fn honours(kb: &Kb, protseq: &str) -> bool {
    kb.tables.transport.honours_security_option.iter().any(|p| protseq.trim().eq_ignore_ascii_case(p))
}

fn report<'a>(cx: &mut RuleCx<'a>, call: &ApiCall<'a>, f: &Finding) {
    let protseq = f.protseq.trim().to_ascii_lowercase();
    let grants = format!(
        "lets the `{protseq}` server impersonate this client at transport level, whatever the binding's QOS asks"
    );
    let (severity, what) = match f.security.level {
        TransportLevel::Delegation => (
            Severity::Error,
            format!(
                "is not a valid transport security level (transport security cannot delegate); at best it {grants}"
            ),
        ),
        _ => (Severity::Warning, grants),
    };
    let place = if has_input(call, Role::NetworkOptions) { "network options" } else { "string binding" };
    let message = format!("`{}` in the {place} passed to `{}` {what}", f.written, call.name());
    let help = format!(
        "write `Security=Identification {} {}` (or `Anonymous`) so the server can identify this client but not act as it",
        f.security.tracking, f.security.effective_only
    );
    let role = if has_input(call, Role::NetworkOptions) { Role::NetworkOptions } else { Role::StringBinding };
    let (text, at, word) = &f.level;
    let fix = call.role_values(cx.kb, role).first().and_then(|rv| {
        (!word.is_empty())
            .then(|| cx.fix_replace_in_string(call, role, rv, (text, *at, word), f.origin, severity))
            .flatten()
    });
    let mut d =
        cx.diagnostic(call, severity, message).at(cx.cause_of(call, role, f.origin)).with_help(help).with_fix(fix);
    d = d.set_here(f.origin, &f.written);
    cx.push(d);
}

#[cfg(test)]
mod tests {
    use super::level_word;

    #[test]
    fn the_level_word_is_found_where_the_option_is_written() {
        let at = |s: &str| level_word(s).map(|(_, at, word)| (at, word));
        assert_eq!(at("Security=Impersonation Dynamic False"), Some((9, "Impersonation".into())));
        assert_eq!(at("Other=1, security =  delegation static true"), Some((21, "delegation".into())));
        assert_eq!(at("ncalrpc:[ep=x,Security=Impersonation Dynamic False]"), Some((23, "Impersonation".into())));
        assert_eq!(at("ncalrpc:[ep]"), None);
        assert_eq!(at("Security="), None);
    }
}
