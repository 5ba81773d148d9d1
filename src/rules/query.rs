//! Questions several rules ask about calls: where a binding came from, what
//! a string binding says, whether a path names a pipe.

use super::ApiCall;
use crate::ir::{Call, ExprId, ExprKind, FileIr, Function, Span};
use crate::kb::{Dir, Effect, Kb, Read, Role};
use crate::resolve::{Atom, FunctionFacts, Mark, Slot, Value};

/// What a rule that asks where a binding came from (its protocol sequence,
/// local or remote: [`protseq_of_string_binding`] and the calls around it)
/// reads besides its own calls ([`crate::rules::Rule::reads`]).
pub(crate) const BINDING_ORIGIN: &[Read] =
    &[Read::Role(Role::Binding), Read::Role(Role::StringBinding), Read::Role(Role::Protseq)];

/// The parts of a string binding: `[uuid@]protseq:[address][endpoint,options]`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct StringBinding {
    pub(crate) protseq: String,
    pub(crate) network_address: String,
    pub(crate) endpoint: String,
    /// `name=value` pairs after the endpoint, as written.
    pub(crate) options: Vec<(String, String)>,
}

/// Parses a string binding; `None` if it has no `protseq:`.
pub(crate) fn parse_string_binding(s: &str) -> Option<StringBinding> {
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
        let inner = inner.trim_end().strip_suffix(']').unwrap_or(inner);
        let mut parts = inner.split(',');
        let endpoint = parts.next().unwrap_or("").trim();
        // The endpoint may be spelled `endpoint=\\pipe\\x` (any case).
        let endpoint = match endpoint.split_once('=') {
            Some((k, v)) if k.trim().eq_ignore_ascii_case("endpoint") => v.trim(),
            _ => endpoint,
        };
        out.endpoint = endpoint.to_string();
        out.options = parse_options(&parts.collect::<Vec<_>>().join(","));
    }
    Some(out)
}

/// Parses network options: `Security=Impersonation Dynamic False,Other=x`.
pub(crate) fn parse_options(s: &str) -> Vec<(String, String)> {
    s.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (k.trim().to_string(), v.trim().to_string()),
            None => (p.trim().to_string(), String::new()),
        })
        .collect()
}

/// The option `name` among parsed options, matched case-insensitively:
/// its name as written, and its value.
pub(crate) fn find_option<'a>(options: &'a [(String, String)], name: &str) -> Option<(&'a str, &'a str)> {
    options.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(k, v)| (k.as_str(), v.as_str()))
}

/// The level of a `Security=` network option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TransportLevel {
    Anonymous,
    Identification,
    Impersonation,
    /// Not a documented value: transport security cannot delegate.
    Delegation,
}

/// A `Security=` network option of `ncacn_np` / `ncalrpc`: a level, an
/// identity tracking mode and the effective-only switch, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TransportSecurity {
    pub(crate) level: TransportLevel,
    /// `Dynamic` or `Static`, as written.
    pub(crate) tracking: String,
    /// `True` or `False`, as written.
    pub(crate) effective_only: String,
}

/// Parses the value of a `Security=` option: three space-separated tokens,
/// one from each of {identification, anonymous, impersonation} (delegation is
/// accepted too, to report it), {dynamic, static}, {true, false}, in any
/// case. `None` when the value does not follow that grammar.
pub(crate) fn parse_transport_security(value: &str) -> Option<TransportSecurity> {
    let tokens: Vec<&str> = value.split_whitespace().collect();
    let [level, tracking, effective_only] = tokens.as_slice() else { return None };
    let level = match level.to_ascii_lowercase().as_str() {
        "anonymous" => TransportLevel::Anonymous,
        "identification" => TransportLevel::Identification,
        "impersonation" => TransportLevel::Impersonation,
        "delegation" => TransportLevel::Delegation,
        _ => return None,
    };
    let tracking_ok = ["dynamic", "static"].iter().any(|t| tracking.eq_ignore_ascii_case(t));
    let effective_ok = ["true", "false"].iter().any(|t| effective_only.eq_ignore_ascii_case(t));
    (tracking_ok && effective_ok).then(|| TransportSecurity {
        level,
        tracking: (*tracking).to_string(),
        effective_only: (*effective_only).to_string(),
    })
}

/// Whether a string names a named pipe: `\\.\pipe\x` or `\\server\pipe\x`.
pub(crate) fn is_pipe_path(kb: &Kb, s: &str) -> bool {
    let directory = &kb.tables.transport.pipe_directory;
    let Some(rest) = s.strip_prefix(r"\\") else { return false };
    let mut parts = rest.splitn(3, '\\');
    let (_server, pipe, name) = (parts.next(), parts.next(), parts.next());
    // `\\.\pipe` and `\\.\pipe\` name the pipe file system itself, not a pipe.
    pipe.is_some_and(|p| p.eq_ignore_ascii_case(directory)) && name.is_some_and(|n| !n.is_empty())
}

/// Why a `CreateFile` of a path its function does not know is taken for a
/// named-pipe client's open.
pub(crate) enum PipeClue<'f> {
    /// A constant of pipe clients tied to this open: a wait timeout passed
    /// with the same path to another call (`WaitNamedPipe(name, NMPWAIT_USE_DEFAULT_WAIT)`),
    /// or the first pipe-busy failure after the open (`GetLastError() == ERROR_PIPE_BUSY`).
    Constant(&'f str, Span),
    /// The path is a parameter of a function whose name says it opens
    /// named pipes (`open_named_pipe(name)`).
    Name(&'f str),
}

/// Whether the code around an open (`call`, whose path is the expression
/// `path`) says it opens a named pipe: see [`PipeClue`]. The constants and
/// the word are the knowledge base's (`[tables.transport]`).
pub(crate) fn pipe_client_clue<'f>(kb: &Kb, func: &'f Function, call: &Call, path: ExprId) -> Option<PipeClue<'f>> {
    let transport = &kb.tables.transport;
    let key = path_key(func, path);
    let constant = |e: ExprId, list: &[String]| match &func.expr(e).kind {
        ExprKind::Name(n) if list.iter().any(|c| c == n) => Some((n.as_str(), func.expr(e).span)),
        _ => None,
    };
    // Passed with the same path to another call.
    for other in func.calls.iter().filter(|c| c.span != call.span) {
        let same_path = key.is_some() && other.args.iter().any(|a| path_key(func, *a) == key);
        if let Some(found) =
            other.args.iter().find_map(|a| constant(*a, &transport.pipe_wait_constants)).filter(|_| same_path)
        {
            return Some(PipeClue::Constant(found.0, found.1));
        }
    }
    // The first pipe-busy test after the open, before the next open of the same name.
    let next_open = func
        .calls
        .iter()
        .filter(|c| c.callee == call.callee && c.span.start > call.span.end)
        .map(|c| c.span.start)
        .min()
        .unwrap_or(u32::MAX);
    let after = func
        .exprs
        .iter()
        .enumerate()
        .filter(|(_, e)| e.span.start > call.span.end && e.span.start < next_open)
        .filter_map(|(i, _)| constant(ExprId::from_index(i), &transport.pipe_busy_constants))
        .min_by_key(|(_, span)| span.start);
    if let Some((name, span)) = after {
        return Some(PipeClue::Constant(name, span));
    }
    let word = &transport.pipe_client_word;
    let squeezed: String = func.name.chars().filter(|c| *c != '_').flat_map(char::to_lowercase).collect();
    let from_caller = key.as_ref().is_some_and(|k| {
        func.locals.iter().enumerate().any(|(i, l)| l.is_param && k.split('.').next() == Some(&format!("#{i}")))
    });
    (from_caller && !word.is_empty() && squeezed.contains(word.as_str())).then_some(PipeClue::Name(&func.name))
}

/// A path expression as the place it reads, to tell two uses of the same
/// path (`name`, `handle->name`, `path.as_ptr()`, `&buf`): locals by their
/// id (`#3`), globals by name, fields after a dot; a call with one operand
/// (a conversion) is its operand.
fn path_key(func: &Function, e: ExprId) -> Option<String> {
    match &func.expr(e).kind {
        ExprKind::Local(l) => Some(format!("#{}", l.index())),
        ExprKind::Name(n) => Some(n.clone()),
        ExprKind::Field(inner, f) => Some(format!("{}.{f}", path_key(func, *inner)?)),
        ExprKind::AddrOf(inner) | ExprKind::Deref(inner) => path_key(func, *inner),
        ExprKind::Call(c) => {
            let call = func.calls.get(c.index())?;
            match (call.receiver, call.args.as_slice()) {
                (Some(r), []) => path_key(func, r),
                (None, [a]) => path_key(func, *a),
                _ => None,
            }
        }
        _ => None,
    }
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
pub(crate) fn protseq_of_string_binding(kb: &Kb, fn_facts: &FunctionFacts, v: &Value) -> Option<String> {
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

/// Where a string binding value leads: each possible protocol sequence
/// with its network address (`None` when the address is unknown; empty for
/// NULL), from a literal or from `RpcStringBindingCompose` in the same
/// function. `None` when a protocol sequence cannot be known.
pub(crate) fn string_binding_targets(
    kb: &Kb,
    fn_facts: &FunctionFacts,
    v: &Value,
) -> Option<Vec<(String, Option<String>)>> {
    if !v.is_known() {
        return None;
    }
    let mut out = Vec::new();
    for (atom, _) in &v.atoms {
        match atom {
            Atom::Str(s) => {
                let b = parse_string_binding(s)?;
                out.push((b.protseq, Some(b.network_address)));
            }
            Atom::Mark(m) => {
                let (role, _, _) = source_of(kb, fn_facts, *m)?;
                if role != Role::StringBinding {
                    return None;
                }
                let facts = fn_facts.call(m.call)?;
                let protseqs = facts.arg(kb, Role::Protseq)?.known_strs()?;
                let address = facts.arg(kb, Role::NetworkAddress);
                let addresses: Option<Vec<String>> = address.and_then(|a| {
                    if a.is_known() && a.is_null_or_empty() {
                        return Some(vec![String::new()]);
                    }
                    let strs = a.known_strs()?;
                    Some(strs.iter().map(|(s, _)| s.to_string()).collect())
                });
                for (p, _) in protseqs {
                    match &addresses {
                        Some(list) => out.extend(list.iter().map(|a| (p.to_string(), Some(a.clone())))),
                        None => out.push((p.to_string(), None)),
                    }
                }
            }
            _ => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The protocol sequence the binding handle passed to `call` was created
/// with, when that happened in the same function.
pub(crate) fn binding_protseq(kb: &Kb, call: &ApiCall<'_>) -> Option<String> {
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
pub(crate) fn binding_is_ncalrpc(kb: &Kb, call: &ApiCall<'_>) -> bool {
    binding_protseq(kb, call).is_some_and(|p| p.eq_ignore_ascii_case(&kb.tables.transport.local_protseq))
}

/// Whether the COM proxy `call` sets a blanket on is known to reach this
/// machine only: every value it may hold came out of a call (in the same
/// function) that opened it on a namespace path without a server part, or
/// with one that names this machine (`ROOT\CIMV2`, `\\.\root\cimv2`).
pub(crate) fn proxy_is_local(kb: &Kb, call: &ApiCall<'_>) -> bool {
    let Some(proxy) = call.arg(Role::Proxy).map(|v| v.pointee().unwrap_or(v)) else { return false };
    if !proxy.is_known() {
        return false;
    }
    proxy.atoms.iter().all(|(atom, _)| matches!(atom, Atom::Mark(m) if opened_locally(kb, call.fn_facts, *m)))
}

/// Whether `m`, a mark of a call of the function `fn_facts` describes, is
/// the proxy that call opened (its proxy output, or, when the `windows`
/// crate returns it, the call's value) on namespace paths of this machine
/// only.
pub(crate) fn opened_locally(kb: &Kb, fn_facts: &FunctionFacts, m: Mark) -> bool {
    opening(kb, fn_facts, m).is_some_and(|opened| {
        opened
            .arg(kb, Role::WmiNamespace)
            .and_then(|v| v.pointee().unwrap_or(v).known_strs())
            .is_some_and(|paths| !paths.is_empty() && paths.iter().all(|(p, _)| is_local_namespace(kb, p)))
    })
}

/// The call of the function `fn_facts` describes that opened the proxy
/// `m` stands for (its proxy output, or, when the `windows` crate returns
/// it, the call's value).
pub(crate) fn opening<'f>(kb: &Kb, fn_facts: &'f FunctionFacts, m: Mark) -> Option<&'f crate::resolve::CallFacts> {
    let opened = fn_facts.call(m.call)?;
    let api = opened.api(kb)?;
    let out = api.params.iter().position(|p| p.role == Some(Role::Proxy) && p.dir != Dir::In);
    let from_open = match m.slot {
        Slot::Param(i) => out == Some(usize::from(i)),
        Slot::Return => out.is_some(),
        Slot::SavedToken => false,
    };
    from_open.then_some(opened)
}

/// A namespace path that stays on this machine: `root\cimv2` (it must hold
/// a separator: a lone word may be a server's name in another signature),
/// `\\.\root\cimv2`, `//localhost/root/cimv2`.
pub(crate) fn is_local_namespace(kb: &Kb, path: &str) -> bool {
    let sep = |c: char| c == '\\' || c == '/';
    let Some(rest) = path.strip_prefix("\\\\").or_else(|| path.strip_prefix("//")) else {
        return path.contains(sep) && !path.starts_with(sep);
    };
    let server = rest.split(sep).next().unwrap_or_default();
    kb.tables.transport.local_servers.iter().any(|s| s.eq_ignore_ascii_case(server))
}

/// Whether some function of the file calls (on a path the analysis reached
/// or not) an API with one of these effects, directly or through a function
/// table (`table->EncryptMessage(..)`).
pub(crate) fn file_calls(kb: &Kb, ir: &FileIr, effects: &[Effect]) -> bool {
    ir.functions.iter().flat_map(|f| &f.calls).any(|call| {
        kb.api_for_call(&call.callee, call.receiver.is_some(), call.args.len())
            .is_some_and(|m| effects.contains(&m.api.effect))
    })
}

/// For a mark: the API call that produced it, if it came out of a parameter
/// of `role` of an API with `effect`.
pub(crate) fn mark_source<'k>(kb: &'k Kb, fn_facts: &FunctionFacts, mark: Mark) -> Option<(Role, &'k crate::kb::Api)> {
    source_of(kb, fn_facts, mark).map(|(role, api, _)| (role, api))
}

/// A flags value spelled with the knowledge base's constant names for its
/// bits (`RPC_IF_AUTOLISTEN | RPC_IF_ALLOW_LOCAL_ONLY`); bits without a name
/// are written in hex, and zero is `0`.
pub(crate) fn flag_names(kb: &Kb, prefix: &str, value: u64) -> String {
    let mut parts = Vec::new();
    let mut unnamed = 0u64;
    for bit in (0..64).map(|i| 1u64 << i).filter(|b| value & b != 0) {
        match kb.name_of(prefix, bit) {
            Some(n) => parts.push(n.to_string()),
            None => unnamed |= bit,
        }
    }
    if unnamed != 0 {
        parts.push(format!("{unnamed:#x}"));
    }
    if parts.is_empty() { "0".to_string() } else { parts.join(" | ") }
}

/// Whether `call` sits in the definition of the API itself, or of another
/// API with the same effect: Wine's `RpcServerRegisterIf` calling
/// `RpcServerRegisterIf3`, a binding crate's `pub unsafe fn CoImpersonateClient`
/// calling the import, or a hook that replaces it (`my_CoImpersonateClient`
/// with the API's parameters, [`super::names::replaces_api`]). That is the
/// implementation of the API, not a use of it.
pub(crate) fn in_api_definition(kb: &Kb, call: &ApiCall<'_>) -> bool {
    let f = call.func.name.as_str();
    if f.is_empty() {
        return false;
    }
    let arity = call.func.locals.iter().filter(|l| l.is_param).count();
    kb.apis.iter().any(|a| {
        let same = std::ptr::eq(a, call.api) || (a.effect == call.api.effect && a.effect != Effect::None);
        let named = f == a.name
            || (a.aw && f.strip_prefix(a.name.as_str()).is_some_and(|rest| rest == "A" || rest == "W"))
            || super::names::replaces_api(f, arity, a);
        same && named
    })
}

/// Whether `call` starts an impersonation: an API with the `impersonate`
/// effect, unless its token is known to be null (`SetThreadToken(NULL, NULL)`
/// ends the thread's impersonation, as the resolver also treats it).
pub(crate) fn starts_impersonation(call: &ApiCall<'_>) -> bool {
    call.api.effect == Effect::Impersonate && !call.arg(Role::Token).is_some_and(Value::is_null_or_empty)
}

/// Whether `func` encodes or decodes a security token as text (a
/// `token-text` helper such as a base64 encoder): the handshake of an HTTP
/// (`Authorization: Negotiate <base64>`, RFC 4559) or SASL exchange.
pub fn exchanges_token_as_text(kb: &Kb, func: &crate::ir::Function) -> bool {
    func.calls.iter().any(|c| kb.is_token_text(&c.callee))
}

/// Whether a QOP value known for `call` has every bit of
/// `SECQOP_WRAP_NO_ENCRYPT`: the message is only signed.
pub fn wraps_sign_only(kb: &Kb, call: &ApiCall<'_>) -> Option<Option<crate::resolve::Origin>> {
    let no_encrypt = kb.int("SECQOP_WRAP_NO_ENCRYPT")?;
    if call.api.effect != Effect::Encrypt {
        return None;
    }
    // `fQOP` is an `unsigned long`: compare the low 32 bits, so that a
    // sign-extended spelling (`(ULONG)-2147483647`) is the same value.
    let mask = u64::from(no_encrypt as u32);
    let values = call.arg(Role::Qop).and_then(|v| v.known_ints())?;
    values.into_iter().find(|(v, _)| u64::from(*v as u32) & mask == mask).map(|(_, origin)| origin)
}

/// Whether `call`'s function is a step of a protocol that exchanges
/// sign-only messages by design: it unwraps a message (`DecryptMessage`)
/// and wraps one sign-only. That is the protection-level negotiation of
/// SOCKS GSS-API (RFC 1961, section 5: `conf_req_flag` FALSE) and the
/// security-layer negotiation of SASL GSSAPI (RFC 4752, section 3.1), where
/// both messages are integrity-only whatever the layer then chosen; a data
/// channel wraps and unwraps in separate functions.
pub fn in_sign_only_exchange(kb: &Kb, calls: &[ApiCall<'_>], call: &ApiCall<'_>) -> bool {
    let same = |c: &&ApiCall<'_>| std::ptr::eq(c.func, call.func);
    let unwraps = calls.iter().filter(same).any(|c| c.api.effect == Effect::Decrypt);
    unwraps && calls.iter().filter(same).any(|c| wraps_sign_only(kb, c).is_some())
}

/// Whether the file shows that its contexts are Schannel (TLS) contexts,
/// which have no sign-only mode and take a NULL QOP.
pub fn file_uses_schannel(cx: &super::RuleCx<'_>) -> bool {
    let packages: Vec<String> = ["UNISP_NAME", "SCHANNEL_NAME"]
        .iter()
        .filter_map(|n| match cx.kb.constant(n) {
            Some(crate::kb::ConstValue::Str(s)) => Some(s.to_ascii_lowercase()),
            _ => None,
        })
        .collect();
    let stream_sizes = cx.kb.int("SECPKG_ATTR_STREAM_SIZES");
    cx.api_calls().iter().any(|call| {
        let package = call
            .arg(Role::Package)
            .and_then(|v| v.known_strs())
            .is_some_and(|names| names.iter().any(|(s, _)| packages.contains(&s.to_ascii_lowercase())));
        let stream =
            call.api.flag_prefix.as_deref().and_then(|p| cx.kb.int(&format!("{p}_REQ_STREAM"))).is_some_and(|bit| {
                call.arg(Role::ContextReq)
                    .and_then(|v| v.known_ints())
                    .is_some_and(|vs| vs.iter().any(|(v, _)| v & bit != 0))
            });
        let sizes = call
            .arg(Role::QueryAttribute)
            .and_then(|v| v.known_ints())
            .is_some_and(|vs| vs.iter().any(|(v, _)| Some(*v) == stream_sizes));
        package || stream || sizes
    })
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
    fn string_binding_options_and_endpoint_spellings() {
        let b =
            parse_string_binding(r"ncacn_np:host[endpoint=\\pipe\\x, security=impersonation static true ]").unwrap();
        assert_eq!(b.endpoint, r"\\pipe\\x");
        assert_eq!(find_option(&b.options, "Security"), Some(("security", "impersonation static true")));
        assert_eq!(find_option(&b.options, "SECURITY").map(|o| o.1), Some("impersonation static true"));
        assert_eq!(find_option(&b.options, "HttpProxy"), None);
        let b = parse_string_binding("ncacn_http:host[593,RpcProxy=proxy:443,HttpProxy=p:80]").unwrap();
        assert_eq!(b.endpoint, "593");
        assert_eq!(find_option(&b.options, "rpcproxy").map(|o| o.1), Some("proxy:443"));
        assert_eq!(find_option(&b.options, "HttpProxy").map(|o| o.1), Some("p:80"));
        let b = parse_string_binding("ncalrpc:").unwrap();
        assert_eq!((b.endpoint.as_str(), b.options.len()), ("", 0));
    }

    fn transport_security(options: &[(String, String)]) -> Option<TransportSecurity> {
        find_option(options, "Security").and_then(|(_, v)| parse_transport_security(v))
    }

    #[test]
    fn transport_security_follows_the_three_token_grammar() {
        let s = transport_security(&parse_options("Security=Impersonation Dynamic False")).unwrap();
        assert_eq!(s.level, TransportLevel::Impersonation);
        assert_eq!((s.tracking.as_str(), s.effective_only.as_str()), ("Dynamic", "False"));
        let s = parse_transport_security("IDENTIFICATION   static TRUE").unwrap();
        assert_eq!(s.level, TransportLevel::Identification);
        assert_eq!(parse_transport_security("delegation static true").unwrap().level, TransportLevel::Delegation);
        assert_eq!(parse_transport_security("anonymous dynamic false").unwrap().level, TransportLevel::Anonymous);
        // Not the grammar: missing tokens, unknown words, extra tokens.
        assert!(parse_transport_security("impersonation").is_none());
        assert!(parse_transport_security("impersonation dynamic").is_none());
        assert!(parse_transport_security("impersonation sometimes false").is_none());
        assert!(parse_transport_security("impersonation dynamic maybe").is_none());
        assert!(parse_transport_security("impersonation dynamic false extra").is_none());
        assert!(parse_transport_security("full dynamic false").is_none());
        assert!(transport_security(&parse_options("HttpProxy=x")).is_none());
        let opts = parse_options("HttpProxy=x, security=Impersonation Static True");
        assert_eq!(transport_security(&opts).map(|s| s.level), Some(TransportLevel::Impersonation));
    }

    #[test]
    fn flags_are_spelled_bit_by_bit() {
        let kb = Kb::builtin();
        assert_eq!(flag_names(kb, "RPC_IF_", 0), "0");
        assert_eq!(flag_names(kb, "RPC_IF_", 33), "RPC_IF_AUTOLISTEN | RPC_IF_ALLOW_LOCAL_ONLY");
        assert_eq!(flag_names(kb, "RPC_IF_", 0x8001_0008), "RPC_IF_ALLOW_SECURE_ONLY | 0x80010000");
    }

    #[test]
    fn pipe_paths() {
        let kb = Kb::builtin();
        assert!(is_pipe_path(kb, r"\\.\pipe\spoolss"));
        assert!(is_pipe_path(kb, r"\\server\PIPE\x"));
        assert!(!is_pipe_path(kb, r"C:\pipe\x"));
        assert!(!is_pipe_path(kb, r"\\server\share\pipe"));
        assert!(!is_pipe_path(kb, r"\\.\pipe"));
        assert!(!is_pipe_path(kb, r"\\.\pipe\"));
    }
}
