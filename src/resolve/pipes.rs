//! Named-pipe servers across the tree: which `CreateNamedPipe` calls may
//! create a pipe's first instance (`FILE_FLAG_FIRST_PIPE_INSTANCE` in the
//! open mode), and under which name, as far as the call's syntax tells.
//!
//! `pipe-server-squatting` asks whether some call of the program creates a
//! name with the flag. In the file it checks, the resolver's values answer;
//! for the other files this table does, read before any file is resolved:
//! a literal or a named constant for the name, and an open mode that may
//! hold the flag unless its spelling proves otherwise (literals and the
//! knowledge base's constants). Whatever cannot be told counts as "may":
//! the rule's answer then is silence.

use std::path::{Path, PathBuf};

use super::transparent_arg;
use crate::ir::{BinOp, ExprId, ExprKind, FileIr, Function};
use crate::kb::{Kb, Role};
use crate::source::FileId;

/// Limits the recursion over nested expressions.
const MAX_DEPTH: u32 = 16;

/// A pipe name as a call spells it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PipeKey {
    /// A string literal, lower-cased (pipe names ignore case).
    Str(String),
    /// A named constant or global (`SVC_PIPE`, `kBrokerPipe`).
    Name(String),
    /// Anything else: a parameter, a built string.
    Unknown,
}

/// A `CreateNamedPipe` call that may create a first instance.
#[derive(Clone, Debug)]
pub struct FirstInstance {
    pub file: FileId,
    pub dir: PathBuf,
    pub name: PipeKey,
}

/// The calls of `ir` that may create a first instance.
pub(crate) fn first_instances(kb: &Kb, file: FileId, path: &Path, ir: &FileIr) -> Vec<FirstInstance> {
    let Some(flag) = kb.int("FILE_FLAG_FIRST_PIPE_INSTANCE") else { return Vec::new() };
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut out = Vec::new();
    for func in &ir.functions {
        for call in &func.calls {
            let Some(m) = kb.api_for_call(&call.callee, call.receiver.is_some(), call.args.len()) else { continue };
            let (Some(mode), Some(name)) = (m.api.param_with(Role::PipeOpenMode), m.api.param_with(Role::FileName))
            else {
                continue;
            };
            let at = |i: usize| call.args.get(i + usize::from(m.this_in_args)).copied();
            if at(mode).is_none_or(|e| may_hold(kb, func, e, flag, 0)) {
                let name = at(name).map_or(PipeKey::Unknown, |e| key(kb, func, e, 0));
                out.push(FirstInstance { file, dir: dir.clone(), name });
            }
        }
    }
    out
}

/// How the name argument `e` is spelled.
pub(crate) fn key(kb: &Kb, func: &Function, e: ExprId, depth: u32) -> PipeKey {
    if depth > MAX_DEPTH {
        return PipeKey::Unknown;
    }
    let Some(expr) = func.exprs.get(e.index()) else { return PipeKey::Unknown };
    match &expr.kind {
        ExprKind::Str(s) => PipeKey::Str(s.value.to_lowercase()),
        ExprKind::Name(n) => PipeKey::Name(n.clone()),
        ExprKind::Call(c) => match transparent_arg(kb, func, *c) {
            Some(from) => key(kb, func, from, depth + 1),
            None => PipeKey::Unknown,
        },
        _ => PipeKey::Unknown,
    }
}

/// Whether the open mode `e` may hold `flag`: false only when it is spelled
/// with literals and knowledge-base constants none of which has it.
fn may_hold(kb: &Kb, func: &Function, e: ExprId, flag: u64, depth: u32) -> bool {
    if depth > MAX_DEPTH {
        return true;
    }
    let Some(expr) = func.exprs.get(e.index()) else { return true };
    match &expr.kind {
        ExprKind::Int(v) => v & flag != 0,
        ExprKind::Name(n) => kb.int(n).is_none_or(|v| v & flag != 0),
        ExprKind::Binary(BinOp::BitOr, a, b) => {
            may_hold(kb, func, *a, flag, depth + 1) || may_hold(kb, func, *b, flag, depth + 1)
        }
        ExprKind::Call(c) => transparent_arg(kb, func, *c).is_none_or(|from| may_hold(kb, func, from, flag, depth + 1)),
        _ => true,
    }
}
