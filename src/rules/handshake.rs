//! One handshake, one finding. An SSPI handshake calls
//! `InitializeSecurityContext` (or `AcceptSecurityContext`) once before its
//! `SEC_I_CONTINUE_NEEDED` loop and again inside it, for the same context:
//! what a rule finds on its request flags is one defect. Rules that judge
//! these calls report it once, at the first call that shows it, with the
//! other calls of the handshake as related locations; the first call keeps
//! the fingerprint it had.
//!
//! Two calls are of one handshake when they are in the same function, of
//! the same family (the API's `flag-prefix`: `ISC`, `ASC`), and either
//! write their returned attributes into the same local or name the same
//! context handle (the first call's `phNewContext` is the next one's
//! `phContext`: `&ctx`, `&s->ctxt_handle`); or, in any functions of the
//! file, of the same family and writing their attributes into a field of
//! the same name (`&nla->pfContextAttr`: a context kept in a struct).

use std::collections::BTreeSet;

use super::ApiCall;
use crate::diagnostic::Diagnostic;
use crate::ir::{ExprId, ExprKind, Function};
use crate::kb::Role;

/// For each call of `calls`, the index of the first call of its handshake
/// (itself when it starts one); `None` for calls that are not of an SSPI
/// family.
pub(crate) fn handshakes(calls: &[ApiCall<'_>]) -> Vec<Option<usize>> {
    let keys: Vec<Option<Keys>> = calls.iter().map(keys).collect();
    let mut first: Vec<Option<usize>> = vec![None; calls.len()];
    for i in 0..calls.len() {
        let Some(ki) = &keys[i] else { continue };
        first[i] = Some(i);
        // Joined to the earliest call it shares something with; a chain
        // (a shares the attributes with b, b the context with c) is followed
        // because b's group is already decided.
        for j in 0..i {
            let Some(kj) = &keys[j] else { continue };
            let same_func = std::ptr::eq(calls[i].func, calls[j].func);
            if ki.prefix == kj.prefix && ((same_func && ki.shares(kj)) || ki.shares_field(kj)) {
                first[i] = first[j];
                break;
            }
        }
    }
    first
}

/// Keeps one finding per handshake: for each group of findings on calls of
/// one handshake (`on[k]` is the index in `calls` of `found[k]`), the first
/// by position, with a related location at every other call of the handshake.
pub(crate) fn one_per_handshake(
    calls: &[ApiCall<'_>],
    groups: &[Option<usize>],
    found: Vec<(usize, Diagnostic)>,
) -> Vec<Diagnostic> {
    let mut seen: BTreeSet<usize> = BTreeSet::new();
    let mut found = found;
    found.sort_by_key(|(i, d)| (d.call_span.start, *i));
    let mut out = Vec::new();
    for (i, mut d) in found {
        let Some(group) = groups.get(i).copied().flatten() else {
            out.push(d);
            continue;
        };
        if !seen.insert(group) {
            continue;
        }
        for (j, other) in calls.iter().enumerate() {
            if j != i && groups.get(j).copied().flatten() == Some(group) {
                let message = format!("the same handshake calls `{}` here", other.name());
                let file = d.file;
                d = d.with_label(file, other.call.span, message);
            }
        }
        out.push(d);
    }
    out
}

/// What ties the calls of one handshake together.
struct Keys {
    prefix: String,
    attrs: Option<crate::ir::LocalId>,
    /// The field the attributes go to (`&nla->pfContextAttr`), when not a local.
    attrs_field: Option<String>,
    contexts: Vec<String>,
}

impl Keys {
    fn shares(&self, other: &Keys) -> bool {
        (self.attrs.is_some() && self.attrs == other.attrs) || self.contexts.iter().any(|c| other.contexts.contains(c))
    }

    /// Both write their attributes to a field of the same name: one
    /// context kept in a struct, its handshake spread over the functions
    /// of a file (FreeRDP's `nla_client_begin`, then `nla_client_recv`).
    fn shares_field(&self, other: &Keys) -> bool {
        self.attrs_field.is_some() && self.attrs_field == other.attrs_field
    }
}

fn keys(call: &ApiCall<'_>) -> Option<Keys> {
    let prefix = call.api.flag_prefix.clone()?;
    let attrs_index = call.api.param_with(Role::ContextAttrs);
    let attrs = attrs_index.and_then(|i| call.facts.output_local(i));
    let attrs_field = match (attrs, attrs_index) {
        (None, Some(i)) => call
            .facts
            .arg_exprs
            .get(i)
            .copied()
            .flatten()
            .and_then(|e| crate::resolve::fields::addressed_field(call.func, e))
            .map(str::to_string),
        _ => None,
    };
    // A method through a function table may carry `This` first.
    let skip = call.call.args.len().saturating_sub(call.api.params.len());
    let contexts = call
        .api
        .params
        .iter()
        .zip(call.call.args.iter().skip(skip))
        .filter(|(p, _)| p.role == Some(Role::Context))
        .filter_map(|(_, a)| place_key(call.func, *a, 0))
        .collect();
    Some(Keys { prefix, attrs, attrs_field, contexts })
}

/// A place an argument points to, as a comparable key: `&ctx` and `ctx`
/// (a pointer local), `&s->ctxt_handle`, `&g_ctx`. `None` for anything else
/// (null, a call's result).
fn place_key(f: &Function, e: ExprId, depth: u8) -> Option<String> {
    if depth > 8 {
        return None;
    }
    match &f.exprs.get(e.index())?.kind {
        ExprKind::AddrOf(inner) => place_key(f, *inner, depth + 1),
        ExprKind::Local(l) => Some(format!("local#{}", l.0)),
        ExprKind::Name(n) => Some(format!("global {n}")),
        ExprKind::Field(inner, name) => Some(format!("{}.{name}", place_key(f, *inner, depth + 1)?)),
        ExprKind::Deref(inner) => place_key(f, *inner, depth + 1),
        ExprKind::Index(inner) => Some(format!("{}[]", place_key(f, *inner, depth + 1)?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{Settings, check_source};

    const LOOP: &str = "ULONG f(CredHandle *cred, CtxtHandle *ctx, SecBufferDesc *in, SecBufferDesc *out)\n{\n    ULONG attrs;\n    SECURITY_STATUS s = InitializeSecurityContextA(cred, NULL, \"host\", ISC_REQ_MUTUAL_AUTH, 0, 0, NULL, 0, ctx, out, &attrs, NULL);\n    while (s == SEC_I_CONTINUE_NEEDED)\n        s = InitializeSecurityContextA(cred, ctx, \"host\", ISC_REQ_MUTUAL_AUTH, 0, 0, in, 0, NULL, out, &attrs, NULL);\n    return s;\n}\n";

    #[test]
    fn the_loop_call_is_a_related_location_of_the_first() {
        let settings = Settings { select: vec!["unchecked-context-attributes".into()], ..Settings::default() };
        let report = check_source(std::path::Path::new("h.c"), LOOP, &settings);
        assert_eq!(report.diagnostics.len(), 1, "{:#?}", report.diagnostics);
        let d = &report.diagnostics[0];
        assert_eq!(report.files[0].line_col(d.span.start).0, 4, "at the first call");
        let related: Vec<(usize, &str)> = d
            .labels
            .iter()
            .map(|l| (report.files[l.file.index()].line_col(l.span.start).0, l.message.as_str()))
            .collect();
        assert_eq!(related, [(6, "the same handshake calls `InitializeSecurityContextA` here")]);
    }

    #[test]
    fn the_first_call_keeps_its_fingerprint() {
        // The loop's call alone, as the second finding would have been: the
        // kept finding's fingerprint is the one the first call always had.
        let settings = Settings { select: vec!["unchecked-context-attributes".into()], ..Settings::default() };
        let first_only = LOOP.replace(
            "    while (s == SEC_I_CONTINUE_NEEDED)\n        s = Init",
            "    while (s == SEC_I_CONTINUE_NEEDED)\n        s = Other",
        );
        let before = check_source(std::path::Path::new("h.c"), &first_only, &settings);
        let after = check_source(std::path::Path::new("h.c"), LOOP, &settings);
        assert_eq!(before.diagnostics.len(), 1);
        assert_eq!(before.diagnostics[0].fingerprint, after.diagnostics[0].fingerprint);
    }
}
