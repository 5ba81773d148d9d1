//! The language-neutral intermediate representation every frontend lowers to.
//!
//! A file becomes a [`FileIr`]: its functions, each a small control-flow graph
//! (CFG) of basic blocks, plus the file-level constant definitions (`#define`,
//! `const`, `static const`, `enum`, Rust `const`). Expressions live in a
//! per-function arena and refer to each other by [`ExprId`]. Nothing after the
//! frontends knows which language a file was written in: rules and the
//! resolver see only these types.
//!
//! Design notes:
//! - Locals are resolved by the frontend (scopes, shadowing), so a name that
//!   reaches the IR as [`ExprKind::Name`] is free in its function: a constant,
//!   a global, an enum member or something unknown.
//! - Casts, parentheses and syntax-only wrappers are dropped by the frontends;
//!   calls that only wrap a value (`TEXT(..)`, `Some(..)`, `w!(..)`) stay calls
//!   and the knowledge base says they are transparent.
//! - Control flow is explicit (branches, loops, `goto`, early returns), so
//!   the resolver can run a forward data-flow analysis and rules can ask
//!   whether a test happened on the way between two points.

use std::fmt;

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub(crate) end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        let clamp = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Span { start: clamp(start), end: clamp(end.max(start)) }
    }

    pub(crate) fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The smallest span covering both.
    pub(crate) fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub(crate) struct $name(pub u32);

        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
            pub(crate) fn from_index(i: usize) -> Self {
                $name(u32::try_from(i).unwrap_or(u32::MAX))
            }
        }
    };
}

id_type!(
    /// An expression in its function's (or file's constant) arena.
    ExprId
);
id_type!(
    /// A local variable or parameter of a function.
    LocalId
);
id_type!(
    /// A basic block of a function's CFG; block 0 is the entry.
    BlockId
);
id_type!(
    /// A call site of a function, in source order.
    CallId
);

/// Everything a frontend extracted from one file.
#[derive(Debug, Default)]
pub struct FileIr {
    pub functions: Vec<Function>,
    /// File-level constant definitions, in source order.
    pub(crate) consts: Vec<ConstDef>,
    /// Holds the expressions (and calls, as in `TEXT("x")`) of `consts`;
    /// it has no blocks.
    pub(crate) const_scope: Function,
    /// Regions the frontend could not analyse (syntax errors, too deep nesting).
    pub(crate) problems: Vec<Problem>,
    /// Test code the language marks as such (Rust `#[cfg(test)]` items and
    /// `#[test]` functions), in source order: a finding inside one is in
    /// test code whatever the file's path says.
    pub(crate) test_regions: Vec<Span>,
}

/// Which of a file's definitions other files can see: the one rule of
/// phase 1's index (`prefilter::Defined`), phase 2's search and the
/// constant table (`frontend::Lang::visibility` tells it by the path).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    /// A header (or Rust): everything it defines, `#define` and `static` too.
    Included,
    /// A C or C++ source file: only what the linker shares, not its
    /// `#define`s, `static`s, enumerators or class members
    /// ([`ConstDef::internal`]). A C++ `const` at namespace scope counts
    /// (its linkage is internal unless a header declared it `extern`,
    /// which a file alone does not tell).
    Linked,
}

/// A named value defined at file level.
#[derive(Debug, Clone)]
pub(crate) struct ConstDef {
    pub(crate) name: String,
    /// Into [`FileIr::const_scope`]'s arena.
    pub(crate) value: ExprId,
    /// The whole definition (for the secondary label "value set here").
    pub(crate) span: Span,
    pub(crate) kind: ConstKind,
    /// Seen by its own translation unit only, when its file is a C or C++
    /// source file (not a header): a `#define`, an enumerator, a `static`,
    /// a class member (the class is the file's). Never in Rust.
    pub(crate) internal: bool,
}

impl ConstDef {
    /// Whether files other than its own see it, its file's definitions
    /// being seen as `scope` says.
    pub(crate) fn is_shared(&self, scope: Visibility) -> bool {
        scope == Visibility::Included || !self.internal
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConstKind {
    /// `#define NAME value`
    Define,
    /// `const`, `constexpr`, `static const`, Rust `const` / `static`.
    Const,
    /// An enumerator (`enum { NAME = 2 }`).
    Enumerator,
    /// A mutable file-scope variable with an initialiser: its value holds
    /// only until someone assigns it, so it is used when nothing else is known.
    Global,
}

/// Something the frontend could not analyse; becomes a `parse-error` finding.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    pub(crate) span: Span,
    pub(crate) message: String,
}

/// One function, method, closure-free body or lambda-free body, as a CFG.
///
/// Closures and lambdas are lowered inline, as a block that may or may not
/// run at the point where they are written: what they capture resolves, and
/// their `return` leaves only the closure.
#[derive(Debug, Default, Clone)]
pub struct Function {
    /// The function's own name (`Foo::bar` is `bar`); empty for top-level code.
    pub(crate) name: String,
    /// For methods, destructors and `Drop::drop`: the type they belong to.
    pub(crate) owner: Option<String>,
    /// The innermost C++ namespace the function is defined in (`util` for
    /// `namespace app { namespace util { F } }`).
    pub(crate) namespace: Option<String>,
    pub(crate) kind: FunctionKind,
    pub(crate) span: Span,
    pub(crate) locals: Vec<Local>,
    pub(crate) exprs: Vec<Expr>,
    pub(crate) calls: Vec<Call>,
    pub(crate) blocks: Vec<Block>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FunctionKind {
    #[default]
    Plain,
    /// A C++ destructor or a Rust `Drop::drop` implementation.
    Destructor,
}

#[derive(Debug, Clone)]
pub struct Local {
    pub(crate) name: String,
    /// The declared type's last identifier (`CComPtr<IFoo>` is `CComPtr`), when written.
    pub(crate) ty: Option<String>,
    pub(crate) is_param: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Block {
    pub(crate) stmts: Vec<Stmt>,
    pub(crate) term: Terminator,
}

#[derive(Debug, Clone)]
pub(crate) enum Stmt {
    /// `place = value` (also declarations with an initialiser and compound
    /// assignments, which the frontend spells out: `x |= y` is `x = x | y`).
    Assign { place: Place, value: ExprId, span: Span },
    /// An expression evaluated for its effects (an expression statement).
    Eval(ExprId),
    /// The local's storage ends here (end of its scope): where C++ and Rust
    /// run destructors.
    ScopeEnd(LocalId),
}

#[derive(Debug, Clone)]
pub(crate) enum Terminator {
    Goto(BlockId),
    /// Two-way branch on a condition; `cond` is "tested".
    Branch {
        cond: ExprId,
        then_: BlockId,
        else_: BlockId,
    },
    /// A `switch` or `match` on `scrutinee`; `targets` are every arm (and the default).
    Switch {
        scrutinee: ExprId,
        targets: Vec<BlockId>,
    },
    /// A branch whose condition is not an expression of the program
    /// (`#ifdef` alternatives, a closure that may or may not run).
    Either(Vec<BlockId>),
    Return(Option<ExprId>),
    /// No successor: end of a block that cannot be reached or falls off the end.
    Unreachable,
}

impl Terminator {
    pub(crate) fn successors(&self) -> Vec<BlockId> {
        match self {
            Terminator::Goto(b) => vec![*b],
            Terminator::Branch { then_, else_, .. } => vec![*then_, *else_],
            Terminator::Switch { targets, .. } | Terminator::Either(targets) => targets.clone(),
            Terminator::Return(_) | Terminator::Unreachable => Vec::new(),
        }
    }
}

/// Where an assignment writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    pub(crate) root: PlaceRoot,
    /// Field accesses from the root outwards: `a.b.c` is root `a`, path `[b, c]`.
    pub(crate) path: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PlaceRoot {
    Local(LocalId),
    /// Through a pointer: `*p`, `p->f`, `p[i]` when `p` is not an array local.
    Deref(ExprId),
    /// A name that is not a local (a global variable).
    Global(String),
    /// Anything else (`f().x = 1`); writes are lost.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Field {
    Named(String),
    /// Any element of an array (all indices are one place).
    Index,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Field::Named(n) => f.write_str(n),
            Field::Index => f.write_str("[]"),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Expr {
    pub(crate) kind: ExprKind,
    pub(crate) span: Span,
}

#[derive(Debug, Clone)]
pub(crate) enum ExprKind {
    /// An integer literal, or a character literal, as a 64-bit pattern
    /// (negative numbers are two's complement).
    Int(u64),
    Bool(bool),
    /// A string literal with escapes already decoded (boxed: rare, and
    /// large next to the other kinds; arenas hold many expressions).
    Str(Box<StrLit>),
    /// `NULL`, `nullptr`, `None`, `ptr::null()`, `PCWSTR::null()`.
    Null,
    Local(LocalId),
    /// A free name (constant, global, enumerator, function): resolved later.
    Name(String),
    /// `e.f`, `e->f` (C's `->` is `Field(Deref(e))`), Rust `e.f`.
    Field(ExprId, String),
    /// `e[i]`: the index is dropped, all elements are one place.
    Index(ExprId),
    /// `&e`, `&mut e`, `addr_of!(e)`.
    AddrOf(ExprId),
    /// `*e`.
    Deref(ExprId),
    Unary(UnOp, ExprId),
    Binary(BinOp, ExprId, ExprId),
    /// One of these values, which one is not known (`c ? a : b`).
    Select(Vec<ExprId>),
    Call(CallId),
    Aggregate(Box<Aggregate>),
    /// Rust `e?`: tests `e` and yields its success value.
    Propagate(ExprId),
    /// Several parts whose text is concatenated (`"a" "b"`, `L"x" MACRO`).
    Concat(Vec<ExprId>),
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StrLit {
    pub(crate) value: String,
    pub(crate) wide: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnOp {
    /// `-x`
    Neg,
    /// `~x` (C) or `!x` on integers (Rust)
    BitNot,
    /// `!x` (C, or Rust on booleans)
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    BitOr,
    BitAnd,
    BitXor,
    Shl,
    Shr,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinOp {
    pub(crate) fn is_comparison(self) -> bool {
        matches!(self, BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge)
    }
}

/// `{ .a = 1, 2 }`, `T { a: 1, ..Default::default() }`.
#[derive(Debug, Clone)]
pub(crate) struct Aggregate {
    /// The struct type, when written (`RPC_SECURITY_QOS qos = {..}` gives it).
    pub(crate) ty: Option<String>,
    pub(crate) fields: Vec<(FieldKey, ExprId)>,
    pub(crate) rest: Rest,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FieldKey {
    Named(String),
    /// Positional initialiser: the n-th field of the struct.
    Pos(u32),
}

/// What the fields not written in an aggregate hold.
#[derive(Debug, Clone)]
pub(crate) enum Rest {
    /// C aggregate initialisation: zero.
    Zero,
    /// Rust `..base`.
    Base(ExprId),
}

/// A call site. `callee` is the name as written at the call (the last path
/// segment, the method name); A/W variants are matched by the knowledge base.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) callee: String,
    /// The object of a method call (`p->M()`, `p.M()`, `p->lpVtbl->M(p, ..)`).
    /// For C's `lpVtbl` form the explicit `This` argument is removed from `args`.
    pub(crate) receiver: Option<ExprId>,
    pub(crate) args: Vec<ExprId>,
    /// From the callee's first character through the closing parenthesis.
    pub(crate) span: Span,
    /// The [`ExprKind::Call`] expression of this call.
    pub(crate) expr: ExprId,
    /// How the callee is qualified where it is written.
    pub(crate) path: CallPath,
    /// For [`CallPath::Scoped`]: the qualifier's last name (`wil` of
    /// `wil::CoImpersonateClient()`), which a summary's function must be in.
    pub(crate) scope: Option<String>,
}

/// A name without its path (`wil::CoImpersonateClient`, `crate::m::F`,
/// `Class::Run` → the last segment): callees and function names keep the
/// path they were written with, joined by `::` in both C++ and Rust.
pub(crate) fn unqualified(name: &str) -> &str {
    name.rsplit("::").next().unwrap_or(name)
}

/// The qualification of a call's callee, which tells the project's own
/// function from a Windows API of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum CallPath {
    /// `F(..)`: whatever the name resolves to where it is written.
    #[default]
    Plain,
    /// A path into the project itself (Rust `super::F`, `crate::m::F`,
    /// `self::F`, `Self::F`): the project's own function, never an API.
    Own,
    /// Any other path (C++ `::F`; Rust `windows::..::F`): not the file's own
    /// function of that name.
    Other,
    /// C++ `ns::F` or `Class::F`: that namespace's or class's function of the
    /// name (WIL's `wil::CoImpersonateClient()`, which throws on failure and
    /// returns a guard that reverts), never the Win32 API itself.
    Scoped,
}

impl Function {
    pub(crate) fn expr(&self, id: ExprId) -> &Expr {
        &self.exprs[id.index()]
    }

    /// `e` under its `!`s, and whether they negate it (`!!c` does not).
    pub(crate) fn without_nots(&self, mut e: ExprId) -> (ExprId, bool) {
        let mut negated = false;
        while let ExprKind::Unary(UnOp::Not, inner) = self.expr(e).kind {
            negated = !negated;
            e = inner;
        }
        (e, negated)
    }

    pub(crate) fn call_ids(&self) -> impl Iterator<Item = CallId> + '_ {
        (0..self.calls.len()).map(CallId::from_index)
    }
}

/// Calls `f` on every direct sub-expression of `kind`.
pub(crate) fn for_each_child(kind: &ExprKind, calls: &[Call], mut f: impl FnMut(ExprId)) {
    match kind {
        ExprKind::Field(e, _)
        | ExprKind::Index(e)
        | ExprKind::AddrOf(e)
        | ExprKind::Deref(e)
        | ExprKind::Unary(_, e)
        | ExprKind::Propagate(e) => f(*e),
        ExprKind::Binary(_, a, b) => {
            f(*a);
            f(*b);
        }
        ExprKind::Select(es) | ExprKind::Concat(es) => es.iter().copied().for_each(f),
        ExprKind::Call(c) => {
            if let Some(call) = calls.get(c.index()) {
                if let Some(r) = call.receiver {
                    f(r);
                }
                call.args.iter().copied().for_each(f);
            }
        }
        ExprKind::Aggregate(a) => {
            a.fields.iter().for_each(|(_, e)| f(*e));
            if let Rest::Base(b) = a.rest {
                f(b);
            }
        }
        ExprKind::Int(_)
        | ExprKind::Bool(_)
        | ExprKind::Str(_)
        | ExprKind::Null
        | ExprKind::Local(_)
        | ExprKind::Name(_)
        | ExprKind::Unknown => {}
    }
}

#[cfg(test)]
mod size_tests {
    /// Every candidate file's IR lives until the rules have run: keep the
    /// arena's element small (a rare large kind goes in a box).
    #[test]
    fn expressions_stay_small() {
        assert!(std::mem::size_of::<super::Expr>() <= 40, "{}", std::mem::size_of::<super::Expr>());
    }
}
