//! The functions of a file whose every call the analysis sees, so that a
//! parameter's value is the join of what those calls pass: Microsoft's
//! dedup sample opens WMI in `WmiGetWbemServices(wmiNamespace, ..)` and
//! every call in its file passes `CIM_DEDUP_NAMESPACE`.
//!
//! Only a free function that opens a proxy on a namespace its parameter
//! gives and sets that proxy's blanket ([`asks`]) is asked about: the
//! engine then reads the other files of the tree for its name
//! (`engine/callers.rs`), a cost paid only by the trees that have one. It is
//! closed when no other file names it (no header declares it, no file calls
//! it or takes its address), nothing exports it (`pub`, `#[no_mangle]`,
//! `__declspec(dllexport)`, `extern`), a Rust file declares no out-of-line
//! `mod x;` (whose children may call it through `super::`), and its own
//! file names it only in the functions the engine kept, or in a
//! declaration's head ([`seen_in_file`]). A function exported through a
//! module-definition (`.def`) file, which rpclint does not read, is taken
//! for closed.

use std::collections::BTreeSet;

use crate::ir::{ExprId, ExprKind, FileIr, Function, LocalId, PlaceRoot, Stmt};
use crate::kb::{Dir, HelperKind, Kb, Role};
use crate::lexer::{Dialect, Kind, Lexer, Token};

/// Limits the tracing of an argument back to a parameter.
const MAX_DEPTH: u32 = 8;

/// The position among `f`'s parameters of the one whose value `e` is:
/// through locals written once, `&`, `*` and the knowledge base's helpers
/// that pass a value on (`TEXT(x)`, `BSTR::from(x)`, `bstr_t b = x;`).
pub(crate) fn param_source(kb: &Kb, f: &Function, e: ExprId) -> Option<usize> {
    let mut e = e;
    for _ in 0..MAX_DEPTH {
        match &f.exprs.get(e.index())?.kind {
            ExprKind::AddrOf(x) | ExprKind::Deref(x) => e = *x,
            ExprKind::Call(c) => {
                let call = f.calls.get(c.index())?;
                let h = kb.helper_for_call(&call.callee, call.receiver.is_some())?;
                if !matches!(h.kind, HelperKind::Transparent | HelperKind::Copy | HelperKind::ValueOf) {
                    return None;
                }
                e = match h.from.unwrap_or(0) {
                    -1 => call.receiver?,
                    i => *call.args.get(usize::try_from(i).ok()?)?,
                };
            }
            ExprKind::Local(l) => {
                let local = f.locals.get(l.index())?;
                if local.is_param {
                    return Some(f.locals.iter().take(l.index()).filter(|x| x.is_param).count());
                }
                e = only_write(f, *l)?;
            }
            _ => return None,
        }
    }
    None
}

/// The value of the one assignment to the whole local `l`, if there is one only.
fn only_write(f: &Function, l: LocalId) -> Option<ExprId> {
    let mut writes = f.blocks.iter().flat_map(|b| &b.stmts).filter_map(|s| match s {
        Stmt::Assign { place, value, .. } if place.root == PlaceRoot::Local(l) => Some((place.path.is_empty(), *value)),
        _ => None,
    });
    match (writes.next(), writes.next()) {
        (Some((true, v)), None) => Some(v),
        _ => None,
    }
}

/// Whether `f` is a free function that opens a proxy on a namespace one of
/// its parameters gives (a `wmi-namespace` argument) and acts on a proxy
/// (a `proxy` input: `CoSetProxyBlanket`): its callers' namespaces decide
/// whether that proxy stays on this machine.
pub(crate) fn asks(kb: &Kb, f: &Function) -> bool {
    if f.name.is_empty() || f.owner.is_some() {
        return false;
    }
    let mut opens = false;
    let mut acts = false;
    for call in &f.calls {
        let Some(m) = kb.api_for_call(&call.callee, call.receiver.is_some(), call.args.len()) else { continue };
        for (p, param) in m.api.params.iter().enumerate() {
            let arg = m.arg_index(p).and_then(|a| call.args.get(a));
            match param.role {
                Some(Role::WmiNamespace) => opens |= arg.is_some_and(|e| param_source(kb, f, *e).is_some()),
                Some(Role::Proxy) if param.dir == Dir::In => acts = true,
                _ => {}
            }
        }
    }
    opens && acts
}

/// Words before a declaration's name that let code outside the tree call it.
const EXPORTED: [&[u8]; 5] = [b"pub", b"no_mangle", b"dllexport", b"extern", b"export"];
/// Words before a name and its `(` that make it a call, not a declaration.
const NOT_A_TYPE: [&[u8]; 10] =
    [b"return", b"else", b"case", b"throw", b"new", b"delete", b"sizeof", b"co_return", b"co_await", b"goto"];

/// Of `names` (functions `ir` keeps), those that `text` names only as a
/// call inside the functions `ir` keeps or in a declaration's head (`HRESULT F(..);`,
/// `fn f(`), with no export word before any such head, and not in a Rust
/// file that declares an out-of-line module.
pub(crate) fn seen_in_file(text: &str, ir: &FileIr, dialect: Dialect, names: &BTreeSet<String>) -> BTreeSet<String> {
    let b = text.as_bytes();
    let toks: Vec<Token> = Lexer::new(b, dialect).filter(|t| !t.is_comment()).collect();
    let text_of = |i: usize| toks.get(i).map(|t| t.text(b)).unwrap_or_default();
    if dialect == Dialect::Rust
        && (0..toks.len()).any(|i| text_of(i) == b"mod" && text_of(i + 2) == b";" && !is_in_fn(ir, &toks, i))
    {
        return BTreeSet::new();
    }
    let mut spans: Vec<(u32, u32)> = ir.functions.iter().map(|f| (f.span.start, f.span.end)).collect();
    spans.sort_unstable();
    let inside = |pos: usize| u32::try_from(pos).is_ok_and(|p| spans.iter().any(|(s, e)| *s <= p && p < *e));
    let mut out = names.clone();
    for (i, t) in toks.iter().enumerate() {
        if t.kind != Kind::Ident {
            continue;
        }
        let name = String::from_utf8_lossy(t.text(b));
        if !out.contains(name.as_ref()) {
            continue;
        }
        let head = text_of(i + 1) == b"(" && i > 0 && is_type_end(&toks, b, i - 1);
        if head {
            // The words of the declaration, back to the previous one's end.
            let exported = toks[..i]
                .iter()
                .rev()
                .take_while(|t| !(t.kind == Kind::Punct && matches!(t.text(b), b";" | b"{" | b"}")))
                .any(|t| EXPORTED.contains(&t.text(b)));
            if exported {
                out.remove(name.as_ref());
            }
        } else if !inside(t.start) || text_of(i + 1) != b"(" {
            // Named where the analysis does not see the call, or not called
            // (`CreateThread(.., F, ..)`, `&F`): its callers are not all known.
            out.remove(name.as_ref());
        }
    }
    out
}

/// Whether the token at `i` ends a type (the name after it is declared):
/// a name that is no keyword of a statement, `*`, `&` (not `&&`), `>`, `:`.
fn is_type_end(toks: &[Token], b: &[u8], i: usize) -> bool {
    let Some(t) = toks.get(i) else { return false };
    match (t.kind, t.text(b)) {
        (Kind::Ident, w) => !NOT_A_TYPE.contains(&w),
        (Kind::Punct, b"&") => !(i > 0 && toks.get(i - 1).is_some_and(|p| p.text(b) == b"&")),
        (Kind::Punct, b"*" | b">" | b":") => true,
        _ => false,
    }
}

/// Whether the token at `i` is inside one of `ir`'s functions.
fn is_in_fn(ir: &FileIr, toks: &[Token], i: usize) -> bool {
    let Some(pos) = toks.get(i).and_then(|t| u32::try_from(t.start).ok()) else { return false };
    ir.functions.iter().any(|f| f.span.start <= pos && pos < f.span.end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_ends_and_calls() {
        let text = "HRESULT F(int);\nint g() { return F(1); }\nstatic int *h(void) { x = F(2) && F(3); }";
        let b = text.as_bytes();
        let toks: Vec<Token> = Lexer::new(b, Dialect::C).filter(|t| !t.is_comment()).collect();
        let at: Vec<usize> = (0..toks.len()).filter(|&i| toks[i].text(b) == b"F").collect();
        assert!(is_type_end(&toks, b, at[0] - 1), "a prototype");
        assert!(!is_type_end(&toks, b, at[1] - 1), "return F(..)");
        assert!(!is_type_end(&toks, b, at[2] - 1), "x = F(..)");
        assert!(!is_type_end(&toks, b, at[3] - 1), "a && F(..)");
        let h = (0..toks.len()).find(|&i| toks[i].text(b) == b"h").unwrap();
        assert!(is_type_end(&toks, b, h - 1), "int *h(");
    }
}
