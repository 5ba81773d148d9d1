//! Every rule rpclint knows, and the context a rule runs in.
//!
//! A rule is a function over [`RuleCx`]: the calls of knowledge-base APIs in
//! one file, with the values the resolver found for their arguments. Rules
//! never see syntax, never name an API or a constant value (they ask the
//! knowledge base by role and by constant name), and stay silent on unknown values.

mod auth_level_downgrade;
mod com_no_access_check;
mod excessive_impersonation;
mod fix;
mod handshake;
mod impersonation_not_reverted;
mod invalid_blanket_capabilities;
mod inverted_status_test;
mod local_proxy;
mod missing_integrity;
mod missing_privacy;
mod names;
mod mutual;
mod mutual_auth_not_requested;
mod mutual_auth_without_principal;
mod ntlm_authentication;
mod ntlm_mutual_auth;
mod parse_error;
mod permissive_security_callback;
mod pipe_server_squatting;
mod premise;
pub(crate) mod query;
mod sddl;
mod sign_only_wrap;
mod transport_impersonation_option;
mod unauthenticated_binding;
mod unauthenticated_interface;
mod unchecked_context_attributes;
mod unchecked_decrypt_qop;
mod unchecked_impersonation;
mod unchecked_message_verification;
mod unchecked_security_setup;
mod unchecked_status;
mod unprotected_sspi_context;
mod unused_suppression;
mod unverified_server_principal;

use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::{Call, CallId, Field, FileIr, Function, Span};
use crate::kb::{Api, Dir, Kb, Read, Role, Wanted};
use crate::resolve::{CallFacts, ConstTable, FunctionFacts, Origin, ProjectFacts, Value};
use crate::source::FileId;

/// How often a rule's findings are ones a security reviewer wants a ticket
/// for, measured on the real-world corpus (`docs/realworld.md`), as CodeQL's
/// `@precision`. Only `high` rules are in the default set; the others form
/// the `audit` group, which runs when asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// Under 0.70.
    Low,
    /// 0.70 to under 0.90.
    Medium,
    /// At least 0.90 (or no finding on the corpus and a condition exact by construction).
    High,
}

impl Precision {
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::High => "high",
            Precision::Medium => "medium",
            Precision::Low => "low",
        }
    }
}

/// The rule groups `--select` and the configuration name besides rules.
pub const GROUP_DEFAULT: &str = "default";
pub const GROUP_AUDIT: &str = "audit";
pub const GROUP_ALL: &str = "all";
pub const GROUPS: [&str; 3] = [GROUP_ALL, GROUP_AUDIT, GROUP_DEFAULT];

/// Static facts about a rule. The prose lives in `rules/<name>.md`.
pub struct Rule {
    /// Kebab-case; reads as "allow <name>".
    pub name: &'static str,
    pub default_severity: Severity,
    /// Measured reviewer-precision; decides the group (see [`Precision`]).
    pub precision: Precision,
    /// `rules/<name>.md`: its first paragraph is the one-line summary.
    pub doc: &'static str,
    /// What it reads, in the knowledge base's words: the APIs (and tables)
    /// these stand for are the only ones that make a file a candidate when
    /// no other rule runs ([`crate::kb::Kb::wanted`]). Its helpers' and its
    /// project facts' reads count: a local proxy's opening call, a
    /// binding's string binding and protocol sequence, the thread starts.
    /// `tests/rule_reads.rs` fails when a rule finds less alone.
    pub reads: &'static [Read],
    pub check: fn(&mut RuleCx<'_>),
}

impl Rule {
    /// The doc's first paragraph (one line): `rpclint rules` and SARIF `shortDescription`.
    pub fn summary(&self) -> &'static str {
        self.doc
            .lines()
            .skip_while(|l| l.starts_with('#') || l.trim().is_empty())
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
    }

    /// Whether the knowledge base says what its fix writes (`[[fix]]` in
    /// `rules/api.toml`): some of its findings then carry a fix.
    pub fn has_fix(&self) -> bool {
        // `unused-suppression` edits comments, not API values: its fix is
        // made by the suppression pass (src/suppress.rs), not from [[fix]].
        self.name == unused_suppression::RULE.name || Kb::builtin().fixes.iter().any(|f| f.rule == self.name)
    }

    /// `default` or `audit`: whether the rule runs without being asked for.
    pub fn group(&self) -> &'static str {
        if self.precision == Precision::High { GROUP_DEFAULT } else { GROUP_AUDIT }
    }
}

/// The rules a name stands for: a rule, or a group (`default`, `audit`,
/// `all`; `unused-suppression` is in none, it is asked for by name or flag).
pub fn expand(name: &str) -> Vec<&'static Rule> {
    match name {
        GROUP_ALL => ALL.iter().copied().filter(|r| !std::ptr::eq(*r, UNUSED_SUPPRESSION)).collect(),
        GROUP_DEFAULT | GROUP_AUDIT => {
            ALL.iter().copied().filter(|r| !std::ptr::eq(*r, UNUSED_SUPPRESSION) && r.group() == name).collect()
        }
        _ => by_name(name).into_iter().collect(),
    }
}

/// Sorted by name; `tests/meta.rs` checks order, uniqueness, docs and fixtures.
pub static ALL: &[&Rule] = &[
    &auth_level_downgrade::RULE,
    &com_no_access_check::RULE,
    &excessive_impersonation::RULE,
    &impersonation_not_reverted::RULE,
    &invalid_blanket_capabilities::RULE,
    &inverted_status_test::RULE,
    &missing_integrity::RULE,
    &missing_privacy::RULE,
    &mutual_auth_not_requested::RULE,
    &mutual_auth_without_principal::RULE,
    &ntlm_authentication::RULE,
    &ntlm_mutual_auth::RULE,
    &parse_error::RULE,
    &permissive_security_callback::RULE,
    &pipe_server_squatting::RULE,
    &sign_only_wrap::RULE,
    &transport_impersonation_option::RULE,
    &unauthenticated_binding::RULE,
    &unauthenticated_interface::RULE,
    &unchecked_context_attributes::RULE,
    &unchecked_decrypt_qop::RULE,
    &unchecked_impersonation::RULE,
    &unchecked_message_verification::RULE,
    &unchecked_security_setup::RULE,
    &unprotected_sspi_context::RULE,
    &unused_suppression::RULE,
    &unverified_server_principal::RULE,
];

/// `unused-suppression`: its findings come from the suppression pass, not from `check`.
pub static UNUSED_SUPPRESSION: &Rule = &unused_suppression::RULE;

/// Whether a rule runs without being asked for (`--select`, configuration,
/// `--report-unused-suppressions`): the default set, the precise rules.
/// The `audit` group and `unused-suppression` do not.
pub fn on_by_default(rule: &Rule) -> bool {
    !std::ptr::eq(rule, UNUSED_SUPPRESSION) && rule.group() == GROUP_DEFAULT
}

/// The APIs and tables `rules` read, in `kb` (a configuration's entries too).
pub fn wanted(kb: &Kb, rules: &[&Rule]) -> Wanted {
    kb.wanted(rules.iter().flat_map(|r| r.reads))
}

pub fn by_name(name: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.name == name)
}

/// An impersonation level on one common scale (the three Windows scales
/// are translated into it by the rules that read them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ImpLevel {
    Anonymous,
    Identify,
    Impersonate,
    Delegate,
}

impl ImpLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            ImpLevel::Anonymous => "anonymous",
            ImpLevel::Identify => "identify",
            ImpLevel::Impersonate => "impersonate",
            ImpLevel::Delegate => "delegate",
        }
    }
}

/// Rule options a configuration can set.
#[derive(Clone, Debug)]
pub struct RuleOptions {
    /// The highest impersonation level a client may grant without a finding.
    pub(crate) impersonation_ceiling: ImpLevel,
    /// `RPC_C_AUTHN_LEVEL_PKT_PRIVACY` by default; `PKT_INTEGRITY` makes
    /// integrity-only an accepted choice (silences `missing-privacy`).
    pub(crate) minimum_authn_level: MinimumLevel,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MinimumLevel {
    PktIntegrity,
    PktPrivacy,
}

impl Default for RuleOptions {
    fn default() -> RuleOptions {
        RuleOptions { impersonation_ceiling: ImpLevel::Identify, minimum_authn_level: MinimumLevel::PktPrivacy }
    }
}

/// Labels at the places the resolver saw a value set ([`Origin`]); none
/// where that place is unknown. The rules' one way to say "set here".
pub(crate) trait OriginLabels: Sized {
    /// `message` at `origin`, if it is known.
    fn label_at(self, origin: Option<Origin>, message: impl Into<String>) -> Self;

    /// "`name` set here" at `origin`, if it is known.
    fn set_here(self, origin: Option<Origin>, name: &str) -> Self {
        self.label_at(origin, format!("`{name}` set here"))
    }
}

impl OriginLabels for Diagnostic {
    fn label_at(self, origin: Option<Origin>, message: impl Into<String>) -> Diagnostic {
        match origin {
            Some(o) => self.with_label(o.file, o.span, message),
            None => self,
        }
    }
}

/// What a rule sees of one file.
pub struct RuleCx<'a> {
    pub(crate) kb: &'a Kb,
    pub(crate) options: &'a RuleOptions,
    pub(crate) project: &'a ProjectFacts,
    /// Every file's constants (and IR): where a fix finds a `#define` in another file.
    pub(crate) consts: &'a ConstTable<'a>,
    pub(crate) file: FileId,
    pub(crate) ir: &'a FileIr,
    /// Parallel to `ir.functions`.
    pub(crate) facts: &'a [FunctionFacts],
    pub(crate) rule: &'static Rule,
    pub(crate) out: Vec<Diagnostic>,
}

/// One reached call of a knowledge-base API, with what was known there.
#[derive(Clone, Copy)]
pub(crate) struct ApiCall<'a> {
    pub(crate) func: &'a Function,
    /// The call's id in `func` (what its [`crate::resolve::Mark`]s name).
    pub(crate) id: CallId,
    pub(crate) fn_facts: &'a FunctionFacts,
    pub(crate) call: &'a Call,
    pub(crate) api: &'a Api,
    pub(crate) facts: &'a CallFacts,
}

/// A value found for a role: a parameter's argument or a field of a struct
/// argument (`ImpersonationType` of the QOS).
pub(crate) struct RoleValue<'a> {
    pub(crate) value: Value,
    /// The parameter's position: where [`RuleCx::cause`] finds the argument.
    pub(crate) index: usize,
    pub(crate) param: &'a str,
    pub(crate) field: Option<&'a str>,
}

impl RoleValue<'_> {
    /// How a message names where the value was passed: `` `AuthnLevel` `` or
    /// `` `ImpersonationType` of `SecurityQos` ``.
    pub(crate) fn describe(&self) -> String {
        match self.field {
            Some(f) => format!("`{f}` of `{}`", self.param),
            None => format!("`{}`", self.param),
        }
    }
}

impl<'a> RuleCx<'a> {
    /// Every analysed call of a knowledge-base API in this file, in source order.
    pub(crate) fn api_calls(&self) -> Vec<ApiCall<'a>> {
        let mut calls = Vec::new();
        for (func, fn_facts) in self.ir.functions.iter().zip(self.facts) {
            for (id, call) in func.call_ids().zip(&func.calls) {
                let Some(facts) = fn_facts.call(id) else { continue };
                let Some(api) = facts.api(self.kb) else { continue };
                calls.push(ApiCall { func, fn_facts, id, call, api, facts });
            }
        }
        calls.sort_by_key(|c| (c.call.span.start, c.call.span.end));
        calls
    }

    /// Starts a finding of the running rule on `call`. A call of the tree's
    /// own function that reaches the API says so, and points at each call
    /// on the way (see [`crate::summary`]).
    pub(crate) fn diagnostic(&self, call: &ApiCall<'_>, severity: Severity, message: String) -> Diagnostic {
        let via = &call.facts.via;
        let Some(last) = via.last() else {
            return Diagnostic::new(self.rule.name, severity, self.file, call.call.span, message);
        };
        let chain: Vec<String> = via.iter().map(|s| format!("`{}`", s.function)).collect();
        let chain = chain.join(" → ");
        let message = format!("{message} (`{}` is reached through {chain})", last.callee);
        let mut d = Diagnostic::new(self.rule.name, severity, self.file, call.call.span, message);
        for step in via {
            let text = if !std::ptr::eq(step, last) {
                format!("`{}` passes it on to `{}` here", step.function, step.callee)
            } else if step.reaches.is_empty() {
                format!("`{}` calls `{}` here with what it was given", step.function, step.callee)
            } else {
                let params: Vec<String> = step.reaches.iter().map(|p| format!("`{p}`")).collect();
                format!("reaches {} of `{}` here through {chain}", params.join(", "), step.callee)
            };
            d = d.with_step(step.file, step.span, text);
        }
        d
    }

    /// Where a finding about the value passed for parameter `param` of
    /// `call` points: the value's origin when it lies inside that argument
    /// (the flag in `A | B`, the field of a struct literal written in the
    /// call), else the argument as written (`level`, `&qos`). `None` when
    /// the call wrote no argument for it (a summarised call whose function
    /// fixes the value itself) or the argument is not in the call's text:
    /// the finding stays on the call.
    pub(crate) fn cause(&self, call: &ApiCall<'_>, param: usize, origin: Option<Origin>) -> Option<Span> {
        let arg = call.arg_span(param)?;
        // An argument the call's text does not hold (written through a
        // macro, say) is no place to point at in the call.
        let within = |s: Span| s.start >= call.call.span.start && s.end <= call.call.span.end;
        if !within(arg) || arg.end <= arg.start {
            return None;
        }
        let inside = origin.filter(|o| o.file == self.file && o.span.start >= arg.start && o.span.end <= arg.end);
        Some(inside.map_or(arg, |o| o.span))
    }

    /// [`RuleCx::cause`] for the first parameter with `role` (what
    /// [`ApiCall::arg`] reads).
    pub(crate) fn cause_of(&self, call: &ApiCall<'_>, role: Role, origin: Option<Origin>) -> Option<Span> {
        self.cause(call, call.api.param_with(role)?, origin)
    }

    pub(crate) fn push(&mut self, d: Diagnostic) {
        self.out.push(d);
    }

    /// The constant's name for a value, for messages (`RPC_C_AUTHN_LEVEL_CONNECT`),
    /// or the number itself.
    pub(crate) fn const_name(&self, prefix: &str, value: u64) -> String {
        match self.kb.name_of(prefix, value) {
            Some(n) => n.to_string(),
            None => (value as u32).to_string(),
        }
    }
}

impl<'a> ApiCall<'a> {
    /// The callee as written at the call (`RpcBindingSetAuthInfoExW`).
    pub fn name(&self) -> &'a str {
        &self.call.callee
    }

    /// This call's id in its function: the `call` of the marks of its outputs.
    pub(crate) fn id(&self) -> CallId {
        let index = self.func.calls.iter().position(|c| std::ptr::eq(c, self.call)).unwrap_or(usize::MAX);
        CallId::from_index(index)
    }

    /// The span of the argument written for parameter `param`, if any.
    pub(crate) fn arg_span(&self, param: usize) -> Option<Span> {
        let expr = self.facts.arg_exprs.get(param).copied().flatten()?;
        self.func.exprs.get(expr.index()).map(|e| e.span)
    }

    /// The argument for the first parameter with `role` (not looking into structs).
    pub(crate) fn arg(&self, role: Role) -> Option<&'a Value> {
        let i = self.api.param_with(role)?;
        self.facts.args.get(i)
    }

    /// Every value this call receives for `role`: arguments of parameters with
    /// that role, and fields with that role of structs passed by pointer.
    pub(crate) fn role_values(&self, kb: &'a Kb, role: Role) -> Vec<RoleValue<'a>> {
        let mut out = Vec::new();
        for (index, (param, value)) in self.api.params.iter().zip(&self.facts.args).enumerate() {
            // Outputs (a query's `pImpLevel`) are not settings the code chose.
            if param.dir == Dir::Out {
                continue;
            }
            if param.role == Some(role) && param.struct_type.is_none() {
                out.push(RoleValue { value: value.clone(), index, param: &param.name, field: None });
                continue;
            }
            let at = Param { index, name: &param.name };
            struct_roles(kb, value, param.struct_type.as_deref(), role, at, 2, &mut out);
        }
        out
    }
}

/// A parameter a struct value was passed for.
#[derive(Clone, Copy)]
struct Param<'a> {
    index: usize,
    name: &'a str,
}

/// The fields with `role` of the struct `value` is or points to; `declared`
/// is the struct type the API expects there, for values whose type is not
/// written (`Default::default()`). Nested struct pointers are followed.
fn struct_roles<'a>(
    kb: &'a Kb,
    value: &Value,
    declared: Option<&'a str>,
    role: Role,
    param: Param<'a>,
    depth: u8,
    out: &mut Vec<RoleValue<'a>>,
) {
    let Some(st) = value.as_struct() else { return };
    let def = st.ty.as_deref().and_then(|t| kb.struct_def(t)).or_else(|| declared.and_then(|t| kb.struct_def(t)));
    let Some(mut def) = def else { return };
    // A struct whose type was lost (zero-filled, then written field by field)
    // is the version of the declared struct that has the fields it was given.
    if st.ty.is_none() {
        let written: Vec<&str> = st
            .fields
            .keys()
            .filter_map(|f| match f {
                Field::Named(n) if !def.fields.iter().any(|d| d.name == *n) => Some(n.as_str()),
                _ => None,
            })
            .collect();
        if !written.is_empty() {
            def = kb.struct_extending(def, &written).unwrap_or(def);
        }
    }
    for f in &def.fields {
        if f.role == Some(role) && f.struct_type.is_none() {
            let value = st.field_named(&f.name);
            out.push(RoleValue { value, index: param.index, param: param.name, field: Some(&f.name) });
        } else if f.struct_type.is_some() && depth > 0 {
            struct_roles(kb, &st.field_named(&f.name), f.struct_type.as_deref(), role, param, depth - 1, out);
        }
    }
}

/// Runs `rules` on one analysed file.
#[allow(clippy::too_many_arguments)]
pub fn run(
    rules: &[&'static Rule],
    kb: &Kb,
    options: &RuleOptions,
    project: &ProjectFacts,
    consts: &ConstTable<'_>,
    file: FileId,
    ir: &FileIr,
    facts: &[FunctionFacts],
) -> Vec<Diagnostic> {
    let mut all = Vec::new();
    for &rule in rules {
        let mut cx = RuleCx { kb, options, project, consts, file, ir, facts, rule, out: Vec::new() };
        (rule.check)(&mut cx);
        all.append(&mut cx.out);
    }
    all
}
