//! Fields written in one function and read at an API call in another: the
//! request flags of an SSPI context kept in a struct (`nla->fContextReq`,
//! set in `nla_client_init`, passed to `InitializeSecurityContext` in
//! `nla_client_begin`), and the attributes it returns into a field that no
//! code reads.
//!
//! Only the fields of a struct that a source file declares itself (not a
//! header: C's opaque struct of one `.c` file, a C++ class of one `.cpp`,
//! a Rust struct's private fields) are looked at, and only in that file,
//! where all its accesses are: a field read directly as a `context-req`
//! argument (its values), as a server's `protseq` (its strings: krb5's
//! `rcvargs->protocolSequence`) and a field whose address is a
//! `context-attrs` output (whether anyone reads it). A field is known by its file and its
//! name: two structs of one file that share a name add their writes
//! together, which can only make the facts less certain, never more.
//!
//! What a field holds is the join of every write of the file: for an
//! assignment (`p->f = A | B`, `p->f |= X`, Rust `self.f = ..`), what the
//! function leaves in the field at each `return` where a place its caller
//! sees has it written (the data-flow analysis of that function, run once
//! more: `nla->fContextReq = 0; nla->fContextReq |= ASC_REQ_MUTUAL_AUTH; ..`
//! leaves their union); for a struct literal (`{ .f = X }`, `Ctx { f: X }`,
//! a positional `{ A, X }` through the file's layouts, `resolve/layouts.rs`,
//! a file-level initialiser), the field's constant, unless the variable it
//! initialises has its address handed where the analysis does not see
//! (`resolve/literals.rs`). A write that is no known constant (a parameter, an
//! unknown call's result, a path where the function may leave it unknown),
//! an address taken (`&p->f` handed anywhere), an access outside the
//! functions the engine kept (a function it blanked, a macro: phase 1
//! records them from the text, [`FieldText`], and the members of a struct
//! the file lays out when its name is used there) make the field's value
//! unknown, and its attributes read.
//!
//! How rules use it: a premise ("X was requested, so Y must be checked")
//! holds when every write contains X (the intersection, `rules/README.md`);
//! the facts never make a "weak value" rule fire.

use std::collections::{BTreeMap, BTreeSet};

use super::field_text::FieldText;
use super::flow::{FileCtx, field_exits};
use super::layouts::Layouts;
use super::literals::{self, Binding, Member};
use super::value::{Origin, Value};
use crate::ir::{ConstKind, ExprId, ExprKind, Field, FieldKey, FileIr, Function, PlaceRoot, Stmt};
use crate::kb::{Kb, Role};
use crate::source::FileId;

/// The constants one field holds, each with where it was written.
pub(crate) type Writes = Vec<(u64, Option<Origin>)>;

/// One constant written to a field: a number, or a string (a protocol sequence).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Written {
    Int(u64),
    Str(String),
}

/// Every constant the writes of a file leave in one field, or `None` when
/// some write is not known.
type Known = Option<Vec<(Written, Option<Origin>)>>;

/// What each file writes to the fields of its own structs that it passes
/// to an API, and which attribute fields it never reads.
#[derive(Debug, Default)]
pub struct FieldFacts {
    /// Per file and field read there as a `context-req` or `protseq`
    /// argument: every constant the file's writes leave in it, or `None`
    /// when some write is not known.
    values: BTreeMap<(FileId, String), Known>,
    /// Per file, the fields whose address is a `context-attrs` output there
    /// and that none of its code reads.
    unread: BTreeSet<(FileId, String)>,
    /// Per file, what its text said about member names.
    texts: BTreeMap<FileId, FieldText>,
}

/// One parsed file, as the field facts read it.
pub struct FieldFile<'a> {
    pub file: FileId,
    pub ir: &'a FileIr,
    /// What its text said about member names (phase 1).
    pub text: &'a FieldText,
}

impl FieldFacts {
    /// Every constant the writes of `file` leave in its field `name`, when
    /// all are known numbers.
    pub(crate) fn values(&self, file: FileId, name: &str) -> Option<Writes> {
        let all = self.values.get(&(file, name.to_string()))?.as_ref().filter(|w| !w.is_empty())?;
        all.iter()
            .map(|(w, o)| match w {
                Written::Int(v) => Some((*v, *o)),
                Written::Str(_) => None,
            })
            .collect()
    }

    /// Every string the writes of `file` leave in its field `name`, when all
    /// are known strings (`args->protocolSequence`, set by a file-level
    /// initialiser).
    pub(crate) fn strings(&self, file: FileId, name: &str) -> Option<Vec<(String, Option<Origin>)>> {
        let all = self.values.get(&(file, name.to_string()))?.as_ref().filter(|w| !w.is_empty())?;
        all.iter()
            .map(|(w, o)| match w {
                Written::Str(s) => Some((s.clone(), *o)),
                Written::Int(_) => None,
            })
            .collect()
    }

    /// Whether no code of `file` reads its field `name` (an attributes output).
    pub(crate) fn never_read(&self, file: FileId, name: &str) -> bool {
        self.unread.contains(&(file, name.to_string()))
    }

    /// Whether `file` declares the member `name` in a struct of its own
    /// (a source file's, not a header's; not Rust's `pub`) and accesses it
    /// nowhere the analysis does not see: every access is in its lowered
    /// functions.
    pub(crate) fn own_and_seen(&self, file: FileId, name: &str) -> bool {
        self.texts.get(&file).is_some_and(|t| t.declares(name) && !t.unseen(name))
    }

    /// The facts of `files`; `cx` makes the analysis context of a file.
    pub fn collect<'a>(files: &[FieldFile<'a>], kb: &Kb, cx: impl Fn(FileId) -> FileCtx<'a>) -> FieldFacts {
        let mut facts =
            FieldFacts { texts: files.iter().map(|ff| (ff.file, ff.text.clone())).collect(), ..FieldFacts::default() };
        for ff in files {
            let (wanted, attrs) = wanted(ff, kb);
            if wanted.is_empty() && attrs.is_empty() {
                continue;
            }
            let mut values: BTreeMap<String, Known> = wanted.iter().map(|n| (n.clone(), Some(Vec::new()))).collect();
            let mut read: BTreeSet<String> = BTreeSet::new();
            // Accesses the engine did not lower, and fields of a struct
            // declared elsewhere (a header's: its users may write and read
            // them): neither values nor reads are known.
            for name in wanted.iter().chain(&attrs) {
                if ff.text.unseen(name) || !ff.text.declares(name) {
                    values.insert(name.clone(), None);
                    read.insert(name.clone());
                }
            }
            let ctx = cx(ff.file);
            // File-level initialisers (`struct Args args = { NULL, "ncalrpc" };`).
            for d in ff.ir.consts.iter().filter(|d| matches!(d.kind, ConstKind::Global | ConstKind::Const)) {
                let scope = &ff.ir.const_scope;
                let mut s = Scan::default();
                s.aggregate(scope, d.value, &wanted, &ff.text.layouts);
                let bound = Binding::Global(d.name.clone());
                let escapes = !s.literals.is_empty() && literals::escapes(kb, ff.ir, scope, &bound);
                for name in s.unknown {
                    values.insert(name, None);
                }
                for (name, e) in s.literals {
                    let v = if escapes { Value::unknown() } else { super::flow::eval_constant(&ctx, scope, e) };
                    add(&mut values, &name, &v);
                }
            }
            for f in &ff.ir.functions {
                let scan = scan(kb, f, &wanted, &attrs, &ff.text.layouts);
                read.extend(scan.read);
                for name in scan.unknown {
                    values.insert(name, None);
                }
                let bound = literals::bound(f);
                for (name, e) in scan.literals {
                    let escapes = scan
                        .owners
                        .get(&e)
                        .and_then(|agg| bound.get(agg))
                        .is_some_and(|b| literals::escapes(kb, ff.ir, f, b));
                    let v = if escapes { Value::unknown() } else { super::flow::eval_constant(&ctx, f, e) };
                    add(&mut values, &name, &v);
                }
                // Only what is still known is worth the analysis.
                let assigned: BTreeSet<String> =
                    scan.assigned.into_iter().filter(|n| values.get(n).is_some_and(Option::is_some)).collect();
                if assigned.is_empty() {
                    continue;
                }
                let exits = field_exits(&ctx, f, &assigned);
                for name in &assigned {
                    let v = exits.as_ref().and_then(|e| e.get(name)).cloned().unwrap_or_else(Value::unknown);
                    add(&mut values, name, &v);
                }
            }
            facts.values.extend(values.into_iter().map(|(n, v)| ((ff.file, n), v)));
            facts.unread.extend(attrs.into_iter().filter(|n| !read.contains(n)).map(|n| (ff.file, n)));
        }
        facts
    }
}

/// Adds the constants of one write (numbers or strings; anything else is
/// not known) to a field's.
fn add(values: &mut BTreeMap<String, Known>, name: &str, v: &Value) {
    let Some(slot) = values.get_mut(name) else { return };
    let written: Option<Vec<(Written, Option<Origin>)>> =
        v.known_ints().map(|ints| ints.into_iter().map(|(i, o)| (Written::Int(i), o)).collect()).or_else(|| {
            v.known_strs().map(|strs| strs.into_iter().map(|(s, o)| (Written::Str(s.to_string()), o)).collect())
        });
    match (slot.as_mut(), written) {
        (Some(all), Some(written)) => {
            for (w, o) in written {
                if !all.iter().any(|(x, _)| *x == w) {
                    all.push((w, o));
                }
            }
        }
        _ => *slot = None,
    }
}

/// The fields read directly as a `context-req` or `protseq` argument, and
/// those whose address is a `context-attrs` output, of some API call of the
/// file.
fn wanted(ff: &FieldFile<'_>, kb: &Kb) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut values = BTreeSet::new();
    let mut attrs = BTreeSet::new();
    for f in &ff.ir.functions {
        for call in &f.calls {
            for (role, e) in api_args(kb, call) {
                match role {
                    Role::ContextReq | Role::Protseq => values.extend(field_name(f, e).map(str::to_string)),
                    Role::ContextAttrs => attrs.extend(addressed_field(f, e).map(str::to_string)),
                    _ => {}
                }
            }
        }
    }
    (values, attrs)
}

/// The role of each argument of a call of a knowledge-base API.
fn api_args(kb: &Kb, call: &crate::ir::Call) -> Vec<(Role, ExprId)> {
    let Some(m) = kb.api_for_call(&call.callee, call.receiver.is_some(), call.args.len()) else { return Vec::new() };
    if m.windows_layout {
        return Vec::new();
    }
    // A method through a function table may carry `This` first.
    let skip = call.args.len().saturating_sub(m.api.params.len());
    m.api.params.iter().zip(call.args.iter().skip(skip)).filter_map(|(p, e)| Some((p.role?, *e))).collect()
}

/// `x.f`, `p->f`: the field's name.
pub(crate) fn field_name(f: &Function, e: ExprId) -> Option<&str> {
    match &f.exprs.get(e.index())?.kind {
        ExprKind::Field(_, name) => Some(name),
        _ => None,
    }
}

/// `&x.f`, `&p->f`: the field's name.
pub(crate) fn addressed_field(f: &Function, e: ExprId) -> Option<&str> {
    match &f.exprs.get(e.index())?.kind {
        ExprKind::AddrOf(inner) => field_name(f, *inner),
        _ => None,
    }
}

/// What one function does with the fields looked at.
#[derive(Default)]
struct Scan {
    /// Fields (of `wanted`) it assigns.
    assigned: BTreeSet<String>,
    /// Fields (of `wanted`) set in a struct literal, with the value's expression.
    literals: Vec<(String, ExprId)>,
    /// For each value of `literals`, the aggregate it is written in.
    owners: BTreeMap<ExprId, ExprId>,
    /// Fields (of `wanted`) whose address it takes: written who knows how.
    unknown: BTreeSet<String>,
    /// Fields (of `attrs`) it reads, other than as an attributes output.
    read: BTreeSet<String>,
}

impl Scan {
    /// The wanted members the aggregate `e` of `f` sets, by name or, through
    /// the file's layouts, by position: literals; a positional initialiser of
    /// a struct of the file whose order is not known makes them all unknown.
    fn aggregate(&mut self, f: &Function, e: ExprId, wanted: &BTreeSet<String>, layouts: &Layouts) {
        let Some(ExprKind::Aggregate(a)) = f.exprs.get(e.index()).map(|x| &x.kind) else { return };
        for (key, v) in &a.fields {
            let name = match key {
                FieldKey::Named(name) => Some(name.as_str()),
                FieldKey::Pos(p) => match literals::positional(layouts, a.ty.as_deref(), *p) {
                    Member::Named(name) => Some(name),
                    // `{ 0 }` zero-fills, as a literal's unwritten members do.
                    Member::Unknown
                        if matches!(
                            f.exprs.get(v.index()).map(|x| &x.kind),
                            Some(ExprKind::Int(0) | ExprKind::Null)
                        ) =>
                    {
                        None
                    }
                    Member::Unknown => {
                        self.unknown.extend(wanted.iter().cloned());
                        None
                    }
                    Member::Other => None,
                },
            };
            if let Some(name) = name.filter(|n| wanted.contains(*n)) {
                self.literals.push((name.to_string(), *v));
                self.owners.insert(*v, e);
            }
        }
    }
}

fn scan(kb: &Kb, f: &Function, wanted: &BTreeSet<String>, attrs: &BTreeSet<String>, layouts: &Layouts) -> Scan {
    let mut s = Scan::default();
    // The attributes outputs themselves are no reads.
    let outputs: BTreeSet<ExprId> = f
        .calls
        .iter()
        .flat_map(|c| api_args(kb, c))
        .filter(|(r, _)| *r == Role::ContextAttrs)
        .filter_map(|(_, e)| match f.exprs.get(e.index()).map(|x| &x.kind) {
            Some(ExprKind::AddrOf(inner)) => Some(*inner),
            _ => None,
        })
        .collect();
    for (i, x) in f.exprs.iter().enumerate() {
        match &x.kind {
            ExprKind::Field(_, name) if attrs.contains(name) && !outputs.contains(&ExprId::from_index(i)) => {
                s.read.insert(name.clone());
            }
            ExprKind::AddrOf(inner) => {
                if let Some(name) = field_name(f, *inner).filter(|n| wanted.contains(*n)) {
                    s.unknown.insert(name.to_string());
                }
            }
            ExprKind::Aggregate(_) => s.aggregate(f, ExprId::from_index(i), wanted, layouts),
            _ => {}
        }
    }
    for block in &f.blocks {
        for stmt in &block.stmts {
            let Stmt::Assign { place, .. } = stmt else { continue };
            let Some(Field::Named(name)) = place.path.last() else { continue };
            if wanted.contains(name) {
                match &place.root {
                    // Written where no caller sees it (`f().x = ..`): lost, unknown.
                    PlaceRoot::Unknown => {
                        s.unknown.insert(name.clone());
                    }
                    // A local struct of this function: seen by others only
                    // when copied out whole, which the exits show.
                    PlaceRoot::Local(l) if f.locals.get(l.index()).is_some_and(|l| !l.is_param) => {}
                    _ => {
                        s.assigned.insert(name.clone());
                    }
                }
            }
        }
    }
    s
}

/// Limits the unwrapping of an argument in [`member_read`].
const MAX_UNWRAP: u32 = 8;

/// The member `e` reads (`x.f`, `p->f`, or a C++ member named without
/// `this->`), through `?`, `&`, `*`, the knowledge base's transparent
/// helpers (`as_ref()`) and a temporary assigned once (`let t =
/// self.f.as_ref(); api(t?)`).
pub(crate) fn member_read<'f>(kb: &Kb, f: &'f Function, e: ExprId) -> Option<&'f str> {
    let mut e = e;
    for _ in 0..MAX_UNWRAP {
        match &f.exprs.get(e.index())?.kind {
            ExprKind::Field(_, name) => return Some(name),
            ExprKind::Name(name) if f.owner.is_some() => return Some(name),
            ExprKind::Propagate(x) | ExprKind::AddrOf(x) | ExprKind::Deref(x) => e = *x,
            ExprKind::Call(c) => e = super::transparent_arg(kb, f, *c)?,
            ExprKind::Local(l) => {
                if f.locals.get(l.index()).is_none_or(|x| x.is_param) {
                    return None;
                }
                let mut writes = f.blocks.iter().flat_map(|b| &b.stmts).filter_map(|s| match s {
                    Stmt::Assign { place, value, .. }
                        if place.root == PlaceRoot::Local(*l) && place.path.is_empty() =>
                    {
                        Some(*value)
                    }
                    _ => None,
                });
                let (Some(only), None) = (writes.next(), writes.next()) else { return None };
                e = only;
            }
            _ => return None,
        }
    }
    None
}

/// The members a function of `ir` passes as the proxy an API acts on
/// (`CoSetProxyBlanket(self.server_connection.as_ref()?, ..)`), or as a
/// server's protocol sequence (`RpcServerUseProtseqEpW(self.protseq, ..)`):
/// the engine keeps every function that names one, so that all their
/// writes are seen (a Rust struct literal `Listener { protseq: .. }` too).
pub(crate) fn proxy_members(kb: &Kb, ir: &FileIr) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in &ir.functions {
        for call in &f.calls {
            let Some(m) = kb.api_for_call(&call.callee, call.receiver.is_some(), call.args.len()) else { continue };
            for (p, param) in m.api.params.iter().enumerate() {
                let arg = m.arg_index(p).and_then(|a| call.args.get(a));
                if param.role == Some(Role::Protseq) {
                    out.extend(arg.and_then(|e| field_name(f, *e)).map(str::to_string));
                }
                if param.role != Some(Role::Proxy) || param.dir != crate::kb::Dir::In {
                    continue;
                }
                out.extend(arg.and_then(|e| member_read(kb, f, *e)).map(str::to_string));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::engine::{Settings, check_source};

    const TEXT: &str = "typedef struct { CredHandle cred; CtxtHandle ctx; ULONG req; ULONG got; SecBufferDesc out; } S;\n\
        int init(S *s)\n{\n    if (AcquireCredentialsHandleW(NULL, L\"Kerberos\", SECPKG_CRED_OUTBOUND, NULL, NULL, NULL, NULL, &s->cred, NULL) != SEC_E_OK)\n        return -1;\n    s->req = ISC_REQ_MUTUAL_AUTH;\n    return 1;\n}\n\
        int start(S *s, SEC_WCHAR *spn)\n{\n    return InitializeSecurityContextW(&s->cred, NULL, spn, s->req, 0, 0, NULL, 0, &s->ctx, &s->out, &s->got, NULL);\n}\n";

    fn findings(path: &str, text: &str) -> usize {
        let settings = Settings { select: vec!["unchecked-context-attributes".into()], ..Settings::default() };
        check_source(std::path::Path::new(path), text, &settings).diagnostics.len()
    }

    #[test]
    fn a_struct_of_the_source_file_is_followed_across_its_functions() {
        assert_eq!(findings("s.c", TEXT), 1);
    }

    #[test]
    fn a_struct_a_header_declares_is_its_users_to_fill_in_and_read() {
        assert_eq!(findings("s.h", TEXT), 0);
    }

    #[test]
    fn an_access_in_a_function_the_engine_did_not_keep_makes_it_unknown() {
        // `check` names no API: blanked, so its read of `got` is not seen.
        let read_elsewhere =
            format!("{TEXT}int check(S *s)\n{{\n    return (s->got & ISC_RET_MUTUAL_AUTH) != 0;\n}}\n");
        assert_eq!(findings("s.c", &read_elsewhere), 0);
        // A write the engine does not see either.
        let written_elsewhere = format!("{TEXT}void http(S *s)\n{{\n    s->req = 0;\n}}\n");
        assert_eq!(findings("s.c", &written_elsewhere), 0);
    }
}
