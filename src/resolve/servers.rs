//! The RPC servers of the tree: on which protocol sequences each
//! `RpcServerUseProtseq*` / `RpcServerUseAllProtseqs*` call (the
//! knowledge base's `server-transport` set) makes its program listen, as far
//! as the call's syntax tells.
//!
//! `ntlm-authentication` asks whether a program's RPC server listens only on
//! `ncalrpc`, where NTLM is what local RPC authenticates with. In the file it
//! checks, the resolver's values answer; for the other files this table does,
//! read before any file is resolved: a string literal (through casts and the
//! knowledge base's transparent helpers, `TEXT("ncalrpc")`), a named constant
//! (`#define`, `const`) that is one, or a local of the call's function that
//! only ever holds one. Whatever cannot be told (a local written otherwise, a
//! parameter, a field, a mutable global) is [`Protseq::Unknown`] (a field's
//! name is kept: the field facts may know what its file writes there), a call
//! listening on every protocol sequence [`Protseq::All`]: the rule's answer
//! then is that the server may be remote.

use std::path::{Path, PathBuf};

use super::consts::ConstTable;
use super::transparent_arg;
use crate::ir::{ConstKind, ExprId, ExprKind, FileIr, Function, LocalId, PlaceRoot, Span, Stmt};
use crate::kb::{Kb, Role, SetKind};
use crate::source::FileId;

/// Limits the recursion over nested expressions and constants.
const MAX_DEPTH: u32 = 8;

/// The protocol sequence a server call listens on, as it is spelled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Protseq {
    /// Known from a literal or a constant (as written; compared without case).
    Known(String),
    /// The call listens on every protocol sequence (`RpcServerUseAllProtseqs`).
    All,
    /// A value the syntax does not tell.
    Unknown,
}

/// One call by which a server of the tree listens.
#[derive(Clone, Debug)]
pub struct Listener {
    pub file: FileId,
    pub dir: PathBuf,
    /// The call's span in `file` (where the rule finds the resolver's value).
    pub span: Span,
    pub protseq: Protseq,
    /// The member the protocol sequence is read from (`args->protseq`),
    /// whose writes in its file the field facts know (`resolve/fields.rs`).
    pub field: Option<String>,
}

/// The `server-transport` calls of `ir`.
pub(crate) fn listeners(kb: &Kb, consts: &ConstTable<'_>, file: FileId, path: &Path, ir: &FileIr) -> Vec<Listener> {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut out = Vec::new();
    for func in &ir.functions {
        for call in &func.calls {
            let Some(m) = kb.api_for_call(&call.callee, call.receiver.is_some(), call.args.len()) else { continue };
            if !kb.api_in_set(SetKind::ServerTransport, m.api) {
                continue;
            }
            let arg = m.api.param_with(Role::Protseq).and_then(|i| m.arg_index(i)).and_then(|a| call.args.get(a));
            let protseq = match m.api.param_with(Role::Protseq) {
                None => Protseq::All,
                Some(_) => arg.map_or(Protseq::Unknown, |e| spelled(kb, consts, file, func, *e, 0)),
            };
            let field = arg.and_then(|e| super::fields::field_name(func, *e)).map(str::to_string);
            out.push(Listener { file, dir: dir.clone(), span: call.span, protseq, field });
        }
    }
    out
}

/// What the expression `e` of `func` (in `file`) spells.
fn spelled(kb: &Kb, consts: &ConstTable<'_>, file: FileId, func: &Function, e: ExprId, depth: u32) -> Protseq {
    if depth > MAX_DEPTH {
        return Protseq::Unknown;
    }
    let Some(expr) = func.exprs.get(e.index()) else { return Protseq::Unknown };
    match &expr.kind {
        ExprKind::Str(s) => Protseq::Known(s.value.clone()),
        ExprKind::Call(c) => match transparent_arg(kb, func, *c) {
            Some(from) => spelled(kb, consts, file, func, from, depth + 1),
            None => Protseq::Unknown,
        },
        ExprKind::Name(n) => constant(kb, consts, file, n, depth + 1),
        ExprKind::Local(l) => local(kb, consts, file, func, *l, depth + 1),
        _ => Protseq::Unknown,
    }
}

/// The value of a local that is no parameter, whose address is never
/// taken, and to which every write of the function is the same known text
/// (`const char *protseq = "ncalrpc";`).
fn local(kb: &Kb, consts: &ConstTable<'_>, file: FileId, func: &Function, l: LocalId, depth: u32) -> Protseq {
    if func.locals.get(l.index()).is_none_or(|x| x.is_param)
        || func.exprs.iter().any(|e| matches!(&e.kind, ExprKind::AddrOf(a) if matches!(func.exprs.get(a.index()).map(|x| &x.kind), Some(ExprKind::Local(x)) if *x == l)))
    {
        return Protseq::Unknown;
    }
    let mut found: Option<String> = None;
    for stmt in func.blocks.iter().flat_map(|b| &b.stmts) {
        let Stmt::Assign { place, value, .. } = stmt else { continue };
        if place.root != PlaceRoot::Local(l) {
            continue;
        }
        if !place.path.is_empty() {
            return Protseq::Unknown;
        }
        match spelled(kb, consts, file, func, *value, depth) {
            Protseq::Known(s) if found.as_ref().is_none_or(|f| f.eq_ignore_ascii_case(&s)) => found = Some(s),
            _ => return Protseq::Unknown,
        }
    }
    found.map_or(Protseq::Unknown, Protseq::Known)
}

/// The value of the constant `name` as seen from `file`: known when every
/// definition is a constant (not a mutable global) that spells the same text.
fn constant(kb: &Kb, consts: &ConstTable<'_>, file: FileId, name: &str, depth: u32) -> Protseq {
    let mut found: Option<String> = None;
    for d in consts.lookup(name, file) {
        let Some(ir) = consts.file(d.file) else { return Protseq::Unknown };
        let Some(def) = ir.consts.get(d.index) else { return Protseq::Unknown };
        if def.kind == ConstKind::Global {
            return Protseq::Unknown;
        }
        match spelled(kb, consts, d.file, &ir.const_scope, def.value, depth) {
            Protseq::Known(s) if found.as_ref().is_none_or(|f| f.eq_ignore_ascii_case(&s)) => found = Some(s),
            _ => return Protseq::Unknown,
        }
    }
    found.map_or(Protseq::Unknown, Protseq::Known)
}
