//! Expressions, calls and assignment places.
//!
//! Syntax-only wrappers (parentheses, casts, `static_cast<>` and friends,
//! functional casts of scalar types) are dropped; values are kept. An
//! assignment inside an expression is emitted as a statement before the
//! expression that uses it, which then reads the assigned place.

use tree_sitter::Node;

use super::literal::{parse_char, parse_int, parse_string};
use super::macro_expr::fold_unary;
use super::{Cx, last_ident_node, named, span};
use crate::frontend::builder::FnBuilder;
use crate::ir::{
    BinOp, CallPath, ExprId, ExprKind, Field, Place, PlaceRoot, Span, StrLit, Terminator, UnOp, for_each_child,
};
use crate::kb::Kb;

/// C++ casts written as template calls: the value passes through.
const CASTS: &[&str] = &["static_cast", "reinterpret_cast", "const_cast", "dynamic_cast", "safe_cast"];

/// The standard C scalar types; the Windows ones are `[tables.c-types]` of
/// `rules/api.toml`.
const C_SCALAR_TYPES: &[&str] =
    &["uint8_t", "uint16_t", "uint32_t", "uint64_t", "int8_t", "int16_t", "int32_t", "int64_t", "size_t"];

/// Whether `name` is a scalar type, whose functional cast `DWORD(x)` is only a cast.
pub(super) fn is_scalar_type(name: &str) -> bool {
    C_SCALAR_TYPES.contains(&name) || Kb::builtin().tables.c_types.is_scalar(name)
}

/// Operators of `sizeof`-like builtins whose value the analysis cannot know.
const OPAQUE_CALLS: &[&str] = &["sizeof", "__uuidof", "offsetof", "alignof", "__alignof", "_Alignof"];

fn binary_op(op: &str) -> Option<BinOp> {
    Some(match op {
        "|" | "bitor" => BinOp::BitOr,
        "&" | "bitand" => BinOp::BitAnd,
        "^" | "xor" => BinOp::BitXor,
        "<<" => BinOp::Shl,
        ">>" => BinOp::Shr,
        "+" => BinOp::Add,
        "-" => BinOp::Sub,
        "*" => BinOp::Mul,
        "/" => BinOp::Div,
        "%" => BinOp::Rem,
        "==" => BinOp::Eq,
        "!=" | "not_eq" => BinOp::Ne,
        "<" => BinOp::Lt,
        "<=" => BinOp::Le,
        ">" => BinOp::Gt,
        ">=" => BinOp::Ge,
        "&&" | "and" => BinOp::And,
        "||" | "or" => BinOp::Or,
        _ => return None,
    })
}

/// `x op= y` is `x = x op y`.
fn compound_op(op: &str) -> Option<BinOp> {
    Some(match op {
        "|=" | "or_eq" => BinOp::BitOr,
        "&=" | "and_eq" => BinOp::BitAnd,
        "^=" | "xor_eq" => BinOp::BitXor,
        "<<=" => BinOp::Shl,
        ">>=" => BinOp::Shr,
        "+=" => BinOp::Add,
        "-=" => BinOp::Sub,
        "*=" => BinOp::Mul,
        "/=" => BinOp::Div,
        "%=" => BinOp::Rem,
        _ => return None,
    })
}

/// Whether `e` holds a call anywhere (then evaluating it has effects).
pub(super) fn has_call(b: &FnBuilder, e: ExprId) -> bool {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match b.expr_kind(e) {
            Some(ExprKind::Call(_)) => return true,
            Some(k) => for_each_child(k, &[], |c| stack.push(c)),
            None => {}
        }
    }
    false
}

/// Strips parentheses (a loop: they can nest deeply).
fn unparen(n: Node<'_>) -> Node<'_> {
    let mut n = n;
    while n.kind() == "parenthesized_expression" {
        match named(n).next() {
            Some(inner) => n = inner,
            None => break,
        }
    }
    n
}

fn operator<'n>(n: Node<'n>) -> &'n str {
    n.child_by_field_name("operator").map_or("", |o| o.kind())
}

impl Cx<'_> {
    /// Lowers an expression and returns its value.
    pub(super) fn expr(&mut self, b: &mut FnBuilder, n: Node<'_>) -> ExprId {
        if !self.enter(n) {
            return b.unknown(span(n));
        }
        let e = self.expr_inner(b, n);
        self.leave();
        e
    }

    /// Lowers an expression for its effects: assignments become statements,
    /// an expression with calls is evaluated, a plain value is dropped.
    pub(super) fn effects(&mut self, b: &mut FnBuilder, n: Node<'_>) {
        if !self.enter(n) {
            return;
        }
        match n.kind() {
            "assignment_expression" | "update_expression" => {
                self.expr(b, n);
            }
            "comma_expression" => {
                if let Some(l) = n.child_by_field_name("left") {
                    self.effects(b, l);
                }
                if let Some(r) = n.child_by_field_name("right") {
                    self.effects(b, r);
                }
            }
            "parenthesized_expression" => {
                if let Some(inner) = named(n).next() {
                    self.effects(b, inner);
                }
            }
            "cast_expression" => {
                if let Some(v) = n.child_by_field_name("value") {
                    self.effects(b, v);
                }
            }
            _ => {
                let e = self.expr(b, n);
                if has_call(b, e) {
                    b.eval(e);
                }
            }
        }
        self.leave();
    }

    fn expr_inner(&mut self, b: &mut FnBuilder, n: Node<'_>) -> ExprId {
        let sp = span(n);
        let text = self.text(n);
        let kind = match n.kind() {
            "number_literal" => parse_int(text).map_or(ExprKind::Unknown, ExprKind::Int),
            "char_literal" => parse_char(text).map_or(ExprKind::Unknown, ExprKind::Int),
            "string_literal" | "raw_string_literal" => {
                parse_string(text).map_or(ExprKind::Unknown, |s| ExprKind::Str(Box::new(s)))
            }
            "concatenated_string" => return self.concat(b, n),
            "true" => ExprKind::Bool(true),
            "false" => ExprKind::Bool(false),
            "null" | "nullptr" => ExprKind::Null,
            "identifier" if text == "NULL" => ExprKind::Null,
            "identifier" => return b.name(text, sp),
            "this" => ExprKind::Name("this".into()),
            "qualified_identifier" | "template_function" | "dependent_name" => {
                ExprKind::Name(self.last_ident(n).unwrap_or_default())
            }
            "field_expression" => return self.field_expr(b, n),
            "subscript_expression" => {
                let base = n.child_by_field_name("argument").map(|a| self.expr(b, a));
                if let Some(i) = n.child_by_field_name("index").or_else(|| named(n).nth(1)) {
                    self.effects(b, i);
                }
                match base {
                    Some(base) => ExprKind::Index(base),
                    None => ExprKind::Unknown,
                }
            }
            "pointer_expression" => {
                let Some(arg) = n.child_by_field_name("argument") else {
                    return b.unknown(sp);
                };
                let a = self.expr(b, arg);
                if operator(n) == "&" { ExprKind::AddrOf(a) } else { ExprKind::Deref(a) }
            }
            "unary_expression" => {
                let Some(arg) = n.child_by_field_name("argument") else {
                    return b.unknown(sp);
                };
                let a = self.expr(b, arg);
                let op = match operator(n) {
                    "-" => UnOp::Neg,
                    "~" | "compl" => UnOp::BitNot,
                    "!" | "not" => UnOp::Not,
                    _ => return a,
                };
                return fold_unary(b, op, a, sp);
            }
            "binary_expression" => {
                let l = n.child_by_field_name("left").map(|l| self.expr(b, l));
                let r = n.child_by_field_name("right").map(|r| self.expr(b, r));
                match (binary_op(operator(n)), l, r) {
                    (Some(op), Some(l), Some(r)) => ExprKind::Binary(op, l, r),
                    _ => ExprKind::Unknown,
                }
            }
            "conditional_expression" => {
                let cond = n.child_by_field_name("condition");
                let mut arms = Vec::new();
                if let Some(c) = cond {
                    let c = self.expr(b, c);
                    // The condition is tested (`status == SEC_E_OK ? 0 : -1`):
                    // a branch whose two edges meet again at once, so the
                    // value stays a `Select` of the arms.
                    let join = b.new_block();
                    b.end_block(Terminator::Branch { cond: c, then_: join, else_: join });
                    b.switch_to(join);
                    if n.child_by_field_name("consequence").is_none() {
                        arms.push(c); // GNU `a ?: b`
                    }
                }
                for field in ["consequence", "alternative"] {
                    if let Some(k) = n.child_by_field_name(field) {
                        arms.push(self.expr(b, k));
                    }
                }
                ExprKind::Select(arms)
            }
            "comma_expression" => {
                if let Some(l) = n.child_by_field_name("left") {
                    self.effects(b, l);
                }
                return match n.child_by_field_name("right") {
                    Some(r) => self.expr(b, r),
                    None => b.unknown(sp),
                };
            }
            "assignment_expression" => return self.assignment(b, n),
            "update_expression" => {
                if let Some(arg) = n.child_by_field_name("argument") {
                    let place = self.place(b, arg);
                    let unknown = b.unknown(sp);
                    b.assign(place, unknown, sp);
                }
                ExprKind::Unknown
            }
            "cast_expression" | "parenthesized_expression" | "extension_expression" => {
                let inner = n.child_by_field_name("value").or_else(|| named(n).last());
                return match inner {
                    Some(v) if v.kind() == "initializer_list" => self.aggregate(b, v, None, None),
                    Some(v) => self.expr(b, v),
                    None => b.unknown(sp),
                };
            }
            "compound_literal_expression" => {
                let ty = n.child_by_field_name("type").and_then(|t| self.last_ident(t));
                return match n.child_by_field_name("value") {
                    Some(v) => self.aggregate(b, v, ty, None),
                    None => b.unknown(sp),
                };
            }
            "initializer_list" => return self.aggregate(b, n, None, None),
            "call_expression" => return self.call_expr(b, n),
            "lambda_expression" => {
                self.lambda(b, n);
                ExprKind::Unknown
            }
            "new_expression"
            | "delete_expression"
            | "throw_expression"
            | "co_await_expression"
            | "co_yield_expression"
            | "sizeof_expression"
            | "alignof_expression"
            | "offsetof_expression"
            | "generic_expression"
            | "ERROR" => {
                for k in named(n) {
                    if matches!(k.kind(), "argument_list" | "initializer_list") {
                        for a in named(k) {
                            self.effects(b, a);
                        }
                    } else if k.kind().ends_with("expression") {
                        self.effects(b, k);
                    }
                }
                ExprKind::Unknown
            }
            "user_defined_literal" => {
                return match named(n).next() {
                    Some(lit) => self.expr(b, lit),
                    None => b.unknown(sp),
                };
            }
            _ => ExprKind::Unknown,
        };
        b.expr(kind, sp)
    }

    /// `"a" "b"` and `L"a" L"b"` are one string; with a macro in between
    /// (`L"x" SUFFIX`) the parts are kept as a concatenation.
    fn concat(&mut self, b: &mut FnBuilder, n: Node<'_>) -> ExprId {
        let mut parts = Vec::new();
        let mut lits: Vec<StrLit> = Vec::new();
        let mut all_lits = true;
        for k in named(n) {
            if matches!(k.kind(), "string_literal" | "raw_string_literal") {
                if let Some(s) = parse_string(self.text(k)) {
                    lits.push(s);
                    parts.push(k);
                    continue;
                }
            }
            all_lits = false;
            parts.push(k);
        }
        if all_lits {
            let wide = lits.iter().any(|s| s.wide);
            let value = lits.into_iter().map(|s| s.value).collect();
            return b.expr(ExprKind::Str(Box::new(StrLit { value, wide })), span(n));
        }
        let ids = parts.into_iter().map(|k| self.expr(b, k)).collect();
        b.expr(ExprKind::Concat(ids), span(n))
    }

    /// `a.b` is `Field(a, b)`; `a->b` is `Field(Deref(a), b)`.
    fn field_expr(&mut self, b: &mut FnBuilder, n: Node<'_>) -> ExprId {
        let sp = span(n);
        let Some(arg) = n.child_by_field_name("argument") else {
            return b.unknown(sp);
        };
        let field = n.child_by_field_name("field").and_then(|f| self.last_ident(f)).unwrap_or_default();
        let base = self.expr(b, arg);
        let base = if operator(n) == "->" { b.expr(ExprKind::Deref(base), span(arg)) } else { base };
        b.expr(ExprKind::Field(base, field), sp)
    }

    /// `x = e`, `x |= e`: the assignment is a statement; the value of the
    /// expression is a read of `x`.
    fn assignment(&mut self, b: &mut FnBuilder, n: Node<'_>) -> ExprId {
        let sp = span(n);
        let (Some(left), Some(right)) = (n.child_by_field_name("left"), n.child_by_field_name("right")) else {
            return b.unknown(sp);
        };
        let place = self.place(b, left);
        let rhs =
            if right.kind() == "initializer_list" { self.aggregate(b, right, None, None) } else { self.expr(b, right) };
        let value = match compound_op(operator(n)) {
            Some(op) => {
                let cur = self.place_read(b, &place, span(left));
                b.expr(ExprKind::Binary(op, cur, rhs), sp)
            }
            None => rhs,
        };
        b.assign(place.clone(), value, sp);
        self.place_read(b, &place, span(left))
    }

    /// Where an assignment to `n` writes.
    pub(super) fn place(&mut self, b: &mut FnBuilder, n: Node<'_>) -> Place {
        let unknown = Place { root: PlaceRoot::Unknown, path: Vec::new() };
        if !self.enter(n) {
            return unknown;
        }
        let place = match n.kind() {
            "identifier" => {
                let name = self.text(n);
                match b.lookup(name) {
                    Some(id) => Place { root: PlaceRoot::Local(id), path: Vec::new() },
                    None => Place { root: PlaceRoot::Global(name.to_string()), path: Vec::new() },
                }
            }
            "qualified_identifier" => {
                Place { root: PlaceRoot::Global(self.last_ident(n).unwrap_or_default()), path: Vec::new() }
            }
            "field_expression" => {
                let field = n.child_by_field_name("field").and_then(|f| self.last_ident(f)).unwrap_or_default();
                match n.child_by_field_name("argument") {
                    Some(arg) if operator(n) == "->" => {
                        let base = self.expr(b, arg);
                        Place { root: PlaceRoot::Deref(base), path: vec![Field::Named(field)] }
                    }
                    Some(arg) => {
                        let mut p = self.place(b, arg);
                        p.path.push(Field::Named(field));
                        p
                    }
                    None => unknown,
                }
            }
            "subscript_expression" => self.index_place(b, n),
            "pointer_expression" if operator(n) == "*" => match n.child_by_field_name("argument") {
                Some(arg) => Place { root: PlaceRoot::Deref(self.expr(b, arg)), path: Vec::new() },
                None => unknown,
            },
            "parenthesized_expression" | "cast_expression" => {
                match n.child_by_field_name("value").or_else(|| named(n).last()) {
                    Some(inner) => self.place(b, inner),
                    None => unknown,
                }
            }
            _ => {
                self.effects(b, n);
                unknown
            }
        };
        self.leave();
        place
    }

    /// `a[i]`: an element of the array `a` (a local array or a struct
    /// member), or, through a pointer `p[i]`, what `p` points to.
    fn index_place(&mut self, b: &mut FnBuilder, n: Node<'_>) -> Place {
        let Some(base) = n.child_by_field_name("argument") else {
            return Place { root: PlaceRoot::Unknown, path: Vec::new() };
        };
        let base = unparen(base);
        let is_array_local =
            base.kind() == "identifier" && b.lookup(self.text(base)).is_some_and(|id| self.arrays.contains(&id));
        let is_member = base.kind() == "field_expression";
        let place = if is_array_local || is_member {
            let mut p = self.place(b, base);
            p.path.push(Field::Index);
            p
        } else {
            Place { root: PlaceRoot::Deref(self.expr(b, base)), path: Vec::new() }
        };
        if let Some(i) = n.child_by_field_name("index").or_else(|| named(n).nth(1)) {
            self.effects(b, i);
        }
        place
    }

    /// The value stored at a place.
    pub(super) fn place_read(&mut self, b: &mut FnBuilder, p: &Place, sp: Span) -> ExprId {
        let mut e = match &p.root {
            PlaceRoot::Local(id) => b.expr(ExprKind::Local(*id), sp),
            PlaceRoot::Deref(x) => b.expr(ExprKind::Deref(*x), sp),
            PlaceRoot::Global(name) => b.expr(ExprKind::Name(name.clone()), sp),
            PlaceRoot::Unknown => b.unknown(sp),
        };
        for f in &p.path {
            e = match f {
                Field::Named(name) => b.expr(ExprKind::Field(e, name.clone()), sp),
                Field::Index => b.expr(ExprKind::Index(e), sp),
            };
        }
        e
    }

    // ----- calls -----------------------------------------------------------------

    /// A call: `f(..)`, `ns::f<T>(..)`, `p->M(..)`, `p.M(..)`, `(*p).M(..)`,
    /// C COM `p->lpVtbl->M(p, ..)` (receiver `p`, `This` dropped),
    /// `(*fn)(..)`; casts and `sizeof`-like builtins are not calls.
    fn call_expr(&mut self, b: &mut FnBuilder, n: Node<'_>) -> ExprId {
        let sp = span(n);
        let Some(func) = n.child_by_field_name("function") else {
            return b.unknown(sp);
        };
        let args_node = n.child_by_field_name("arguments");
        let end = args_node.map_or(n.end_byte(), |a| a.end_byte());
        let func = unparen(func);
        let call_span = |name: Option<Node<'_>>| Span::new(name.map_or(n.start_byte(), |k| k.start_byte()), end);
        match func.kind() {
            "identifier" | "qualified_identifier" | "template_function" | "primitive_type" | "sized_type_specifier" => {
                let name_node = last_ident_node(func);
                let name = name_node.map(|k| self.text(k)).unwrap_or("");
                let first = args_node.and_then(|a| named(a).next());
                let is_cast = CASTS.contains(&name)
                    || matches!(func.kind(), "primitive_type" | "sized_type_specifier")
                    || (self.cpp && is_scalar_type(name) && args_node.is_some_and(|a| named(a).count() == 1));
                if is_cast {
                    return match first {
                        Some(v) => self.expr(b, v),
                        None => b.unknown(sp),
                    };
                }
                if OPAQUE_CALLS.contains(&name) {
                    if let Some(a) = args_node {
                        for arg in named(a) {
                            self.effects(b, arg);
                        }
                    }
                    return b.unknown(sp);
                }
                let args = args_node.map(|a| self.args(b, a)).unwrap_or_default();
                let call = b.call(name, None, args, call_span(name_node));
                if func.kind() == "qualified_identifier" {
                    // `::F` names the global F; `ns::F` a wrapper of its own.
                    match func.child_by_field_name("scope") {
                        Some(scope) => b.mark_scoped(self.last_ident(scope)),
                        None => b.mark_path(CallPath::Other),
                    }
                }
                call
            }
            "field_expression" => {
                let method_node = func.child_by_field_name("field").and_then(last_ident_node);
                let method = method_node.map(|k| self.text(k)).unwrap_or("");
                let Some(base) = func.child_by_field_name("argument") else {
                    return b.unknown(sp);
                };
                let base = unparen(base);
                let vtbl = base.kind() == "field_expression"
                    && base.child_by_field_name("field").is_some_and(|f| self.text(f) == "lpVtbl");
                let (receiver, skip) = if vtbl {
                    (base.child_by_field_name("argument").map(unparen), 1)
                } else if base.kind() == "pointer_expression" && operator(base) == "*" {
                    (base.child_by_field_name("argument").map(unparen), 0)
                } else {
                    (Some(base), 0)
                };
                let receiver = receiver.map(|r| self.expr(b, r));
                let mut args = Vec::new();
                if let Some(a) = args_node {
                    for (i, arg) in named(a).enumerate() {
                        if i < skip {
                            continue;
                        }
                        args.push(if arg.kind() == "initializer_list" {
                            self.aggregate(b, arg, None, None)
                        } else {
                            self.expr(b, arg)
                        });
                    }
                }
                b.call(method, receiver, args, call_span(method_node))
            }
            "pointer_expression" if operator(func) == "*" => {
                let target = func.child_by_field_name("argument").map(unparen);
                let name_node = target.filter(|t| t.kind() != "field_expression").and_then(last_ident_node);
                if name_node.is_none() {
                    if let Some(t) = target {
                        self.effects(b, t);
                    }
                }
                let name = name_node.map(|k| self.text(k)).unwrap_or("");
                let args = args_node.map(|a| self.args(b, a)).unwrap_or_default();
                b.call(name, None, args, call_span(name_node))
            }
            _ => {
                self.effects(b, func);
                let args = args_node.map(|a| self.args(b, a)).unwrap_or_default();
                b.call("", None, args, call_span(None))
            }
        }
    }

    /// A C++ lambda, lowered in place as a closure that may or may not run.
    fn lambda(&mut self, b: &mut FnBuilder, n: Node<'_>) {
        let after = b.closure_begin();
        if let Some(params) = n.child_by_field_name("declarator").and_then(|d| d.child_by_field_name("parameters")) {
            self.parameters(b, params, false);
        }
        if let Some(body) = n.child_by_field_name("body") {
            self.stmt(b, body);
        }
        b.closure_end(after);
    }
}
