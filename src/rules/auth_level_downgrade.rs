//! `auth-level-downgrade`: a binding handle or COM proxy is given a lower
//! authentication level after a higher one, usually in the error path.
//!
//! Looks at the calls of the `arms-binding` set of `rules/api.toml`
//! (`RpcBindingSetAuthInfo[Ex]`, `CoSetProxyBlanket`, `SetBlanket`) in one
//! function. For each call, the closest earlier such call on the same
//! handle ([`crate::resolve::order::handle_id`]: the binding's creating
//! call, or the place the handle is read from) from which a path leads to
//! it is the one it follows. It fires when every level this call may pass
//! is strictly below every level the earlier one may pass: an attacker who
//! makes the first call fail (or who benefits from the second) gets the
//! weaker level. `RPC_C_AUTHN_LEVEL_DEFAULT` is never compared, nor are
//! unknown levels, other handles, and `ncalrpc` bindings (always privacy).
//! Docs: `rules/auth-level-downgrade.md`.

use super::{ApiCall, Precision, Rule, RuleCx, query};
use crate::diagnostic::Severity;
use crate::kb::{Read, Role, SetKind};
use crate::resolve::order::{CallOrder, HandleId, handle_id};

pub(crate) static RULE: Rule = Rule {
    name: "auth-level-downgrade",
    default_severity: Severity::Error,
    precision: Precision::High,
    reads: &[
        Read::Role(Role::AuthnLevel),
        Read::Role(Role::Proxy),
        Read::Set(SetKind::ArmsBinding),
        Read::All(super::query::BINDING_ORIGIN),
    ],
    doc: include_str!("../../rules/auth-level-downgrade.md"),
    check,
};

/// An arming call with what the rule compares.
struct Armed<'a> {
    call: ApiCall<'a>,
    handle: HandleId,
    /// Every level it may pass (none is `DEFAULT`).
    levels: Vec<u64>,
}

fn check(cx: &mut RuleCx<'_>) {
    let Some(default) = cx.kb.int("RPC_C_AUTHN_LEVEL_DEFAULT") else { return };
    let calls = cx.api_calls();
    for func in &cx.ir.functions {
        let armed: Vec<Armed<'_>> =
            calls.iter().filter(|c| std::ptr::eq(c.func, func)).filter_map(|c| armed(cx, c, default)).collect();
        if armed.len() < 2 {
            continue;
        }
        let order = CallOrder::new(func);
        for later in &armed {
            // The closest earlier call on the same handle that can run before it.
            let earlier = armed
                .iter()
                .filter(|e| e.call.id != later.call.id && e.handle == later.handle)
                .filter(|e| e.call.call.span.start < later.call.call.span.start)
                .filter(|e| order.can_follow(e.call.id, later.call.id))
                .max_by_key(|e| e.call.call.span.start);
            let Some(earlier) = earlier else { continue };
            let (Some(&high_min), Some(&low_max)) = (earlier.levels.iter().min(), later.levels.iter().max()) else {
                continue;
            };
            if low_max < high_min {
                report(cx, later, earlier, low_max, high_min);
            }
        }
    }
}

/// The call as an arming call, if its handle and levels are known.
fn armed<'a>(cx: &RuleCx<'_>, call: &ApiCall<'a>, default: u64) -> Option<Armed<'a>> {
    if !cx.kb.api_in_set(SetKind::ArmsBinding, call.api) || query::binding_is_ncalrpc(cx.kb, call) {
        return None;
    }
    let role = if call.api.param_with(Role::Binding).is_some() { Role::Binding } else { Role::Proxy };
    let i = call.api.param_with(role)?;
    let arg = *call.call.args.get(i)?;
    let handle = handle_id(call.func, arg, call.facts.args.get(i))?;
    let level = call.arg(Role::AuthnLevel)?;
    let levels: Vec<u64> = level.known_ints()?.into_iter().map(|(v, _)| u64::from(v as u32)).collect();
    if levels.is_empty() || levels.contains(&default) {
        return None;
    }
    Some(Armed { call: *call, handle, levels })
}

fn report(cx: &mut RuleCx<'_>, later: &Armed<'_>, earlier: &Armed<'_>, low: u64, high: u64) {
    let low_name = cx.const_name("RPC_C_AUTHN_LEVEL_", low);
    let high_name = cx.const_name("RPC_C_AUTHN_LEVEL_", high);
    let earlier_line = earlier.call.call.span;
    let message = format!(
        "`{}` sets authentication level `{low_name}` on a handle that an earlier `{}` set to `{high_name}`: whoever makes the first call fail gets the weaker level",
        later.call.name(),
        earlier.call.name()
    );
    let help = format!(
        "do not fall back to a weaker level: when `{}` fails, fail the connection (or retry with the same level)",
        earlier.call.name()
    );
    // At the weaker level the later call passes.
    let cause = cx.cause_of(&later.call, Role::AuthnLevel, None);
    let d = cx.diagnostic(&later.call, Severity::Error, message).at(cause).with_help(help).with_label(
        cx.file,
        earlier_line,
        format!("`{high_name}` set here first"),
    );
    cx.push(d);
}
