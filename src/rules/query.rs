//! Questions several rules ask about calls: where a binding came from, what
//! a string binding says, whether a path names a pipe.

use super::ApiCall;
use crate::ir::FileIr;
use crate::kb::{Dir, Effect, Kb, Role};
use crate::resolve::{Atom, FunctionFacts, Mark, Slot, Value};

/// The parts of a string binding: `[uuid@]protseq:[address][endpoint,options]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StringBinding {
    pub protseq: String,
    pub network_address: String,
    pub endpoint: String,
    /// `name=value` pairs after the endpoint, as written.
    pub options: Vec<(String, String)>,
}

/// Parses a string binding; `None` if it has no `protseq:`.
pub fn parse_string_binding(s: &str) -> Option<StringBinding> {
    let s = s.trim();
    let rest = match s.split_once('@') {
        // An '@' before the ':' separates the object UUID.
        Some((uuid, rest)) if !uuid.contains(':') => rest,
        _ => s,
    };
    let (protseq, after) = rest.split_once(':')?;
    if protseq.is_empty() || !protseq.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    let (address, bracket) = match after.find('[') {
        Some(i) => (&after[..i], Some(&after[i + 1..])),
        None => (after, None),
    };
    let mut out =
        StringBinding { protseq: protseq.to_string(), network_address: address.to_string(), ..Default::default() };
    if let Some(inner) = bracket {
        let inner = inner.strip_suffix(']').unwrap_or(inner);
        let mut parts = inner.split(',');
        let endpoint = parts.next().unwrap_or("");
        out.endpoint = endpoint.strip_prefix("endpoint=").unwrap_or(endpoint).to_string();
        out.options = parse_options(&parts.collect::<Vec<_>>().join(","));
    }
    Some(out)
}

/// Parses network options: `Security=Impersonation Dynamic False,Other=x`.
pub fn parse_options(s: &str) -> Vec<(String, String)> {
    s.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.trim().to_string(), v.trim().to_string()),
            None => (p.trim().to_string(), String::new()),
        })
        .collect()
}

/// Whether a string names a named pipe: `\\.\pipe\x` or `\\server\pipe\x`.
pub fn is_pipe_path(s: &str) -> bool {
    let Some(rest) = s.strip_prefix(r"\\") else { return false };
    let mut parts = rest.splitn(3, '\\');
    let (_server, pipe, name) = (parts.next(), parts.next(), parts.next());
    // `\\.\pipe` and `\\.\pipe\` name the pipe file system itself, not a pipe.
    pipe.is_some_and(|p| p.eq_ignore_ascii_case("pipe")) && name.is_some_and(|n| !n.is_empty())
}

/// The single string a value always holds.
fn single_str(v: &Value) -> Option<String> {
    match v.known_strs()?.as_slice() {
        [(s, _)] => Some(s.to_string()),
        _ => None,
    }
}

/// The call that produced a mark and the API parameter it came out of.
fn source_of<'k>(kb: &'k Kb, fn_facts: &FunctionFacts, mark: Mark) -> Option<(Role, &'k crate::kb::Api, usize)> {
    let facts = fn_facts.call(mark.call)?;
    let api = facts.api(kb)?;
    let Slot::Param(i) = mark.slot else { return None };
    let param = api.params.get(usize::from(i))?;
    if param.dir == Dir::In {
        return None;
    }
    Some((param.role?, api, usize::from(i)))
}

/// The protocol sequence of a string binding value: a literal, or the
/// output of `RpcStringBindingCompose` in the same function.
pub fn protseq_of_string_binding(kb: &Kb, fn_facts: &FunctionFacts, v: &Value) -> Option<String> {
    if let Some(s) = single_str(v) {
        return parse_string_binding(&s).map(|b| b.protseq);
    }
    let mut found: Option<String> = None;
    if !v.is_known() {
        return None;
    }
    for (atom, _) in &v.atoms {
        let Atom::Mark(m) = atom else { return None };
        let (role, _, _) = source_of(kb, fn_facts, *m)?;
        if role != Role::StringBinding {
            return None;
        }
        let facts = fn_facts.call(m.call)?;
        let p = single_str(facts.arg(kb, Role::Protseq)?)?;
        match &found {
            Some(f) if !f.eq_ignore_ascii_case(&p) => return None,
            _ => found = Some(p),
        }
    }
    found
}

/// The protocol sequence the binding handle passed to `call` was created
/// with, when that happened in the same function.
pub fn binding_protseq(kb: &Kb, call: &ApiCall<'_>) -> Option<String> {
    let binding = call.arg(Role::Binding)?;
    if !binding.is_known() {
        return None;
    }
    let mut found: Option<String> = None;
    for (atom, _) in &binding.atoms {
        let Atom::Mark(m) = atom else { return None };
        let (role, _, _) = source_of(kb, call.fn_facts, *m)?;
        if role != Role::Binding {
            return None;
        }
        let facts = call.fn_facts.call(m.call)?;
        let p = protseq_of_string_binding(kb, call.fn_facts, facts.arg(kb, Role::StringBinding)?)?;
        match &found {
            Some(f) if !f.eq_ignore_ascii_case(&p) => return None,
            _ => found = Some(p),
        }
    }
    found
}

/// Whether the binding of `call` is known to use the local RPC transport.
pub fn binding_is_ncalrpc(kb: &Kb, call: &ApiCall<'_>) -> bool {
    binding_protseq(kb, call).is_some_and(|p| p.eq_ignore_ascii_case("ncalrpc"))
}

/// Whether some function of the file calls (on a path the analysis reached
/// or not) an API with one of these effects, directly or through a function
/// table (`table->EncryptMessage(..)`).
pub fn file_calls(kb: &Kb, ir: &FileIr, effects: &[Effect]) -> bool {
    ir.functions.iter().flat_map(|f| &f.calls).any(|call| {
        kb.api_for_call(&call.callee, call.receiver.is_some(), call.args.len())
            .is_some_and(|m| effects.contains(&m.api.effect))
    })
}

/// For a mark: the API call that produced it, if it came out of a parameter
/// of `role` of an API with `effect`.
pub fn mark_source<'k>(kb: &'k Kb, fn_facts: &FunctionFacts, mark: Mark) -> Option<(Role, &'k crate::kb::Api)> {
    source_of(kb, fn_facts, mark).map(|(role, api, _)| (role, api))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_bindings_parse() {
        let b = parse_string_binding(r"ncacn_np:server[\\pipe\\x,Security=Impersonation Dynamic False]").unwrap();
        assert_eq!(b.protseq, "ncacn_np");
        assert_eq!(b.network_address, "server");
        assert_eq!(b.endpoint, r"\\pipe\\x");
        assert_eq!(b.options, vec![("Security".to_string(), "Impersonation Dynamic False".to_string())]);
        let b = parse_string_binding("12345678-1234-1234-1234-123456789abc@ncalrpc:[,Security=anonymous static true]")
            .unwrap();
        assert_eq!(b.protseq, "ncalrpc");
        assert_eq!(b.endpoint, "");
        assert!(parse_string_binding("not a binding").is_none());
    }

    #[test]
    fn pipe_paths() {
        assert!(is_pipe_path(r"\\.\pipe\spoolss"));
        assert!(is_pipe_path(r"\\server\PIPE\x"));
        assert!(!is_pipe_path(r"C:\pipe\x"));
        assert!(!is_pipe_path(r"\\server\share\pipe"));
        assert!(!is_pipe_path(r"\\.\pipe"));
        assert!(!is_pipe_path(r"\\.\pipe\"));
    }
}
