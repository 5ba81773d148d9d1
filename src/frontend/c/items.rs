//! Top-level structure: functions and methods, classes, namespaces,
//! templates, `extern "C"`, preprocessor conditionals, and the file-level
//! constants (`#define`, enumerators, `const`, initialised globals).

use tree_sitter::Node;

use super::{Cx, kids, macro_expr, named, span};
use crate::frontend::builder::FnBuilder;
use crate::ir::{ConstDef, ConstKind, ExprId, ExprKind, Field, FunctionKind, Place, PlaceRoot, Span};

/// The next implicit enumerator value.
enum Prev {
    Start,
    Int(u64),
    /// The last written value and how far past it we are.
    Sym(ExprId, u64),
}

/// The live arms of a preprocessor conditional.
pub(super) struct Arms<'n> {
    pub(super) arms: Vec<Vec<Node<'n>>>,
    /// One arm always runs (there is an `#else`, or a true `#if 1`).
    pub(super) exhaustive: bool,
    /// The condition is constant and chose exactly `arms[0]`.
    pub(super) decided: bool,
}

impl Cx<'_> {
    /// Lowers the items inside a container node (translation unit,
    /// namespace body, class body, `extern "C"` block, template).
    pub(super) fn items(&mut self, n: Node<'_>, owner: Option<&str>) {
        let mut prev_named: Option<Node<'_>> = None;
        for (_, child) in kids(n) {
            if n.is_error() && child.kind() == "compound_statement" {
                // `MACRO(x) f(..) { .. }` that tree-sitter could not read as a
                // definition: the body is still lowered, named after what precedes it.
                let name = prev_named.and_then(|p| self.declared_name(p)).unwrap_or_default();
                self.function_body(&name, owner, FunctionKind::Plain, n, None, child);
            } else {
                self.item(child, owner);
            }
            if child.is_named() {
                prev_named = Some(child);
            }
        }
    }

    pub(super) fn item(&mut self, n: Node<'_>, owner: Option<&str>) {
        if !self.enter(n) {
            return;
        }
        match n.kind() {
            "function_definition" => self.function(n, owner),
            "declaration" | "field_declaration" => self.global_declaration(n, owner),
            "type_definition" | "alias_declaration" => {
                if let Some(t) = n.child_by_field_name("type") {
                    self.type_spec(t, owner);
                }
            }
            "enum_specifier" | "struct_specifier" | "class_specifier" | "union_specifier" => self.type_spec(n, owner),
            "namespace_definition" => {
                if let Some(body) = n.child_by_field_name("body") {
                    // `namespace a::b { .. }` is `b`; an anonymous one, none.
                    let name = n.child_by_field_name("name").and_then(|m| self.last_ident(m));
                    let outer = std::mem::replace(&mut self.namespace, name);
                    self.items(body, None);
                    self.namespace = outer;
                }
            }
            "linkage_specification" => {
                if let Some(body) = n.child_by_field_name("body") {
                    if body.kind() == "declaration_list" {
                        self.items(body, owner);
                    } else {
                        self.item(body, owner);
                    }
                }
            }
            "template_declaration"
            | "declaration_list"
            | "field_declaration_list"
            | "translation_unit"
            | "ERROR"
            | "export_declaration" => self.items(n, owner),
            "preproc_if" | "preproc_ifdef" => {
                let arms = self.preproc_arms(n);
                for arm in arms.arms {
                    for node in arm {
                        self.item(node, owner);
                    }
                }
            }
            "preproc_def" => self.define(n),
            _ => {}
        }
        self.leave();
    }

    /// The name a declaration-ish node declares (for error recovery).
    fn declared_name(&self, n: Node<'_>) -> Option<String> {
        let mut n = n;
        for _ in 0..100 {
            n = match n.kind() {
                "function_declarator" | "init_declarator" | "pointer_declarator" => {
                    n.child_by_field_name("declarator")?
                }
                "call_expression" => n.child_by_field_name("function")?,
                "declaration" | "function_definition" => n.child_by_field_name("declarator")?,
                _ => return self.last_ident(n),
            };
        }
        None
    }

    // ----- functions -----------------------------------------------------------

    fn function(&mut self, n: Node<'_>, owner: Option<&str>) {
        if !self.full {
            return;
        }
        let Some(body) = n.child_by_field_name("body") else {
            return;
        };
        let Some(fdecl) = n.child_by_field_name("declarator").and_then(function_declarator) else {
            // A function header spelled by a macro, `START_TEST(name) { .. }`,
            // parses as a definition of type `START_TEST` with declarator
            // `(name)`: still a body to analyse.
            let Some(d) = n.child_by_field_name("declarator") else { return };
            if d.kind() == "parenthesized_declarator" {
                let name = self.last_ident(d).unwrap_or_default();
                self.function_body(&name, owner, FunctionKind::Plain, n, None, body);
            }
            return;
        };
        let Some(name_node) = fdecl.child_by_field_name("declarator") else {
            return;
        };
        let (name, fowner, kind) = self.function_name(name_node, owner);
        self.function_body(&name, fowner.as_deref(), kind, n, Some(fdecl), body);
    }

    /// The name, owner and kind of a function from its declarator's name:
    /// `bar`, `Foo::bar`, `~Foo`, `ns::Foo::~Foo`, `operator=`.
    fn function_name(&self, n: Node<'_>, owner: Option<&str>) -> (String, Option<String>, FunctionKind) {
        let mut owner = owner.map(str::to_string);
        let mut n = n;
        for _ in 0..10_000 {
            if n.kind() != "qualified_identifier" {
                break;
            }
            if let Some(scope) = n.child_by_field_name("scope") {
                owner = self.last_ident(scope).or(owner);
            }
            match n.child_by_field_name("name") {
                Some(next) => n = next,
                None => break,
            }
        }
        let name = self.last_ident(n).unwrap_or_default();
        if n.kind() == "destructor_name" {
            let owner = owner.or_else(|| Some(name.clone()));
            return (format!("~{name}"), owner, FunctionKind::Destructor);
        }
        (name, owner, FunctionKind::Plain)
    }

    pub(super) fn function_body(
        &mut self,
        name: &str,
        owner: Option<&str>,
        kind: FunctionKind,
        def: Node<'_>,
        fdecl: Option<Node<'_>>,
        body: Node<'_>,
    ) {
        if !self.full {
            return;
        }
        let mut b = FnBuilder::new(name, span(def));
        b.set_owner(owner.map(str::to_string), kind);
        b.set_namespace(self.namespace.clone());
        self.arrays.clear();
        if let Some(params) = fdecl.and_then(|f| f.child_by_field_name("parameters")) {
            self.parameters(&mut b, params, true);
        }
        for (_, child) in kids(def) {
            if child.kind() == "field_initializer_list" {
                self.field_initializers(&mut b, child);
            }
        }
        if named(def).any(|k| k.kind() == "catch_clause") {
            self.try_stmt(&mut b, def);
        } else {
            self.stmt(&mut b, body);
        }
        self.functions.push(b.finish());
    }

    /// Declares the parameters of a function (or lambda).
    pub(super) fn parameters(&mut self, b: &mut FnBuilder, params: Node<'_>, is_param: bool) {
        for p in named(params) {
            if !p.kind().ends_with("parameter_declaration") {
                continue;
            }
            let ty = p.child_by_field_name("type").and_then(|t| self.last_ident(t));
            let Some(d) = p.child_by_field_name("declarator") else {
                continue;
            };
            let Some(name) = super::decl::declarator_name(d).name else {
                continue;
            };
            b.declare(self.text(name), ty, is_param);
        }
    }

    /// A constructor's `: m_a(x), m_b{y}`: assignments to `this->m_a`.
    fn field_initializers(&mut self, b: &mut FnBuilder, list: Node<'_>) {
        for init in named(list) {
            if init.kind() != "field_initializer" {
                continue;
            }
            let mut field = None;
            let mut value = None;
            for k in named(init) {
                match k.kind() {
                    "argument_list" | "initializer_list" => value = Some(k),
                    _ if field.is_none() => field = self.last_ident(k),
                    _ => {}
                }
            }
            let (Some(field), Some(value)) = (field, value) else {
                continue;
            };
            let v = if value.kind() == "initializer_list" {
                self.aggregate(b, value, None, None)
            } else {
                self.ctor_args(b, value, None)
            };
            let this = b.expr(ExprKind::Name("this".into()), span(init));
            let place = Place { root: PlaceRoot::Deref(this), path: vec![Field::Named(field)] };
            b.assign(place, v, span(init));
        }
    }

    // ----- types and constants ---------------------------------------------------

    /// An `enum`, `struct`, `class` or `union` specifier: enumerators become
    /// constants, class bodies are lowered with the class as owner.
    pub(super) fn type_spec(&mut self, n: Node<'_>, owner: Option<&str>) {
        let Some(body) = n.child_by_field_name("body") else {
            return;
        };
        if n.kind() == "enum_specifier" {
            self.with_consts(|cx, cb| {
                let mut prev = Prev::Start;
                cx.enumerators(cb, body, &mut prev);
            });
            return;
        }
        let name = n.child_by_field_name("name").and_then(|t| self.last_ident(t));
        let owner = name.as_deref().or(owner);
        self.items(body, owner);
    }

    fn enumerators(&mut self, cb: &mut FnBuilder, list: Node<'_>, prev: &mut Prev) {
        for child in named(list) {
            match child.kind() {
                "enumerator" => self.enumerator(cb, child, prev),
                "preproc_if" | "preproc_ifdef" | "ERROR" => {
                    if !self.enter(child) {
                        continue;
                    }
                    if child.kind() == "ERROR" {
                        self.enumerators(cb, child, prev);
                    } else {
                        for arm in self.preproc_arms(child).arms {
                            for node in arm {
                                if node.kind() == "enumerator" {
                                    self.enumerator(cb, node, prev);
                                }
                            }
                        }
                    }
                    self.leave();
                }
                _ => {}
            }
        }
    }

    fn enumerator(&mut self, cb: &mut FnBuilder, n: Node<'_>, prev: &mut Prev) {
        let Some(name) = n.child_by_field_name("name") else {
            return;
        };
        let sp = span(n);
        let value = match n.child_by_field_name("value") {
            Some(v) => {
                let e = self.expr(cb, v);
                *prev = match cb.expr_kind(e) {
                    Some(ExprKind::Int(k)) => Prev::Int(*k),
                    _ => Prev::Sym(e, 0),
                };
                e
            }
            None => match *prev {
                Prev::Start => {
                    *prev = Prev::Int(0);
                    cb.expr(ExprKind::Int(0), sp)
                }
                Prev::Int(k) => {
                    *prev = Prev::Int(k.wrapping_add(1));
                    cb.expr(ExprKind::Int(k.wrapping_add(1)), sp)
                }
                Prev::Sym(base, k) => {
                    *prev = Prev::Sym(base, k + 1);
                    let off = cb.expr(ExprKind::Int(k + 1), sp);
                    cb.expr(ExprKind::Binary(crate::ir::BinOp::Add, base, off), sp)
                }
            },
        };
        let name = self.text(name).to_string();
        self.consts.push(ConstDef { name, value, span: sp, kind: ConstKind::Enumerator, internal: true });
    }

    /// A declaration at file, namespace or class scope: `const`/`constexpr`
    /// values become constants, other initialised variables globals.
    fn global_declaration(&mut self, n: Node<'_>, owner: Option<&str>) {
        let ty_node = n.child_by_field_name("type");
        if let Some(t) = ty_node {
            self.type_spec(t, owner);
        }
        let mut is_const = false;
        let mut is_static = false;
        for (_, k) in kids(n) {
            match k.kind() {
                "type_qualifier" => is_const |= matches!(self.text(k), "const" | "constexpr" | "constinit"),
                "storage_class_specifier" => is_static |= self.text(k) == "static",
                _ => {}
            }
        }
        let in_class = n.kind() == "field_declaration";
        let ty = ty_node.and_then(|t| self.last_ident(t));
        for (field, d) in kids(n) {
            if field != Some("declarator") {
                continue;
            }
            let (target, value) = match d.kind() {
                "init_declarator" => (d.child_by_field_name("declarator"), d.child_by_field_name("value")),
                // A class member with a default value: `static const DWORD k = 6;`.
                _ if in_class => (Some(d), n.child_by_field_name("default_value")),
                _ => continue,
            };
            let (Some(target), Some(value)) = (target, value) else {
                continue;
            };
            if in_class && !(is_const && (is_static || self.text(n).contains("constexpr"))) {
                continue;
            }
            let info = super::decl::declarator_name(target);
            if info.is_function {
                continue;
            }
            let Some(name_node) = info.name else { continue };
            let name = self.text(name_node).to_string();
            let kind = if is_const { ConstKind::Const } else { ConstKind::Global };
            let sp = span(d);
            let v = self.with_consts(|cx, cb| cx.initializer(cb, value, ty.clone(), info.is_array));
            if let Some(v) = v {
                self.consts.push(ConstDef { name, value: v, span: sp, kind, internal: is_static || in_class });
            }
        }
    }

    /// `#define NAME value` (object-like only).
    fn define(&mut self, n: Node<'_>) {
        let (Some(name), Some(value)) = (n.child_by_field_name("name"), n.child_by_field_name("value")) else {
            return;
        };
        let text = self.text(value);
        let Some((v, deep)) = self.with_consts(|_, cb| macro_expr::lower_define(cb, text, value.start_byte())) else {
            return;
        };
        if deep {
            self.too_deep(span(value));
        }
        let sp = Span::new(n.start_byte(), value.end_byte());
        let name = self.text(name).to_string();
        self.consts.push(ConstDef { name, value: v, span: sp, kind: ConstKind::Define, internal: true });
    }

    // ----- preprocessor conditionals --------------------------------------------------

    /// The arms of `#if/#ifdef/#elif/#else` that may be compiled: arms under a
    /// constant-false condition (`#if 0`, `#if FALSE`) are dropped and marked
    /// dead, and a constant-true one ends the chain.
    pub(super) fn preproc_arms<'n>(&mut self, n: Node<'n>) -> Arms<'n> {
        let mut out = Arms { arms: Vec::new(), exhaustive: false, decided: false };
        let mut cur = Some(n);
        let mut steps = 0;
        while let Some(arm) = cur {
            steps += 1;
            if steps > 10_000 {
                break;
            }
            let next = arm.child_by_field_name("alternative");
            let cond = match arm.kind() {
                "preproc_if" | "preproc_elif" => {
                    arm.child_by_field_name("condition").and_then(|c| self.const_cond(c, 0))
                }
                "preproc_else" => Some(true),
                _ => None,
            };
            let body: Vec<Node<'n>> = kids(arm)
                .filter(|(f, k)| k.is_named() && !matches!(*f, Some("condition" | "name" | "alternative")))
                .map(|(_, k)| k)
                .filter(|k| k.kind() != "comment")
                .collect();
            match cond {
                Some(false) => {
                    let end = next.map_or(arm.end_byte(), |a| a.start_byte());
                    self.dead.push(Span::new(arm.start_byte(), end));
                }
                Some(true) => {
                    out.decided = out.arms.is_empty();
                    out.exhaustive = true;
                    out.arms.push(body);
                    if let Some(rest) = next {
                        self.dead.push(Span::new(rest.start_byte(), n.end_byte()));
                    }
                    break;
                }
                None => out.arms.push(body),
            }
            cur = next;
        }
        out
    }

    /// The value of a constant `#if` condition: `0`, `1`, `FALSE`, `!X`,
    /// `0 && X`; `None` when it depends on anything defined elsewhere.
    fn const_cond(&self, n: Node<'_>, depth: u32) -> Option<bool> {
        if depth > 32 {
            return None;
        }
        match n.kind() {
            "number_literal" => super::literal::parse_int(self.text(n)).map(|v| v != 0),
            "identifier" => match self.text(n) {
                "FALSE" | "false" => Some(false),
                "TRUE" | "true" => Some(true),
                _ => None,
            },
            "true" => Some(true),
            "false" => Some(false),
            "parenthesized_expression" => self.const_cond(named(n).next()?, depth + 1),
            "unary_expression" if n.child_by_field_name("operator").is_some_and(|o| o.kind() == "!") => {
                self.const_cond(n.child_by_field_name("argument")?, depth + 1).map(|v| !v)
            }
            "binary_expression" => {
                let op = n.child_by_field_name("operator")?.kind();
                let a = n.child_by_field_name("left").and_then(|l| self.const_cond(l, depth + 1));
                let b = n.child_by_field_name("right").and_then(|r| self.const_cond(r, depth + 1));
                match (op, a, b) {
                    ("&&", Some(false), _) | ("&&", _, Some(false)) => Some(false),
                    ("&&", Some(true), Some(true)) => Some(true),
                    ("||", Some(true), _) | ("||", _, Some(true)) => Some(true),
                    ("||", Some(false), Some(false)) => Some(false),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// The `function_declarator` inside a definition's declarator
/// (`int *f(void)` wraps it in a pointer declarator).
fn function_declarator(n: Node<'_>) -> Option<Node<'_>> {
    let mut n = n;
    for _ in 0..10_000 {
        if n.kind() == "function_declarator" {
            return Some(n);
        }
        n = n.child_by_field_name("declarator").or_else(|| named(n).find(|k| k.kind().ends_with("declarator")))?;
    }
    None
}
