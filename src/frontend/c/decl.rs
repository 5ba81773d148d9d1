//! Declarations and initialisers: local variables (`T x = e;`, `T x{..}`,
//! `T x(args)`, several declarators, arrays and pointers), aggregate
//! initialisers (positional, designated, nested), constructor arguments.

use tree_sitter::Node;

use super::{Cx, kids, last_ident_node, named, span};
use crate::frontend::builder::FnBuilder;
use crate::ir::{Aggregate, ExprId, ExprKind, FieldKey, Place, PlaceRoot, Rest};

/// What a declarator declares.
#[derive(Default)]
pub(super) struct DeclInfo<'n> {
    pub(super) name: Option<Node<'n>>,
    pub(super) is_array: bool,
    /// A function (prototype), not a pointer to one.
    pub(super) is_function: bool,
}

/// Walks a declarator (`*p`, `a[3]`, `&r`, `(*fp)(int)`, `x = 1`) down to
/// the name it declares; a loop, since pointer stars can nest arbitrarily.
pub(super) fn declarator_name(n: Node<'_>) -> DeclInfo<'_> {
    let mut info = DeclInfo::default();
    let mut n = n;
    for _ in 0..100_000 {
        let next = match n.kind() {
            "identifier" | "field_identifier" | "type_identifier" | "operator_name" => {
                info.name = Some(n);
                break;
            }
            "qualified_identifier" | "destructor_name" | "template_function" => {
                info.name = last_ident_node(n);
                break;
            }
            "array_declarator" => {
                info.is_array = true;
                n.child_by_field_name("declarator")
            }
            "function_declarator" => {
                info.is_function = true;
                n.child_by_field_name("declarator")
            }
            "pointer_declarator" => {
                info.is_function = false;
                n.child_by_field_name("declarator").or_else(|| named(n).last())
            }
            "reference_declarator" | "init_declarator" | "parenthesized_declarator" | "attributed_declarator" => n
                .child_by_field_name("declarator")
                .or_else(|| named(n).find(|k| k.kind() != "type_qualifier" && !k.kind().starts_with("attribute"))),
            _ => break,
        };
        match next {
            Some(k) => n = k,
            None => break,
        }
    }
    info
}

impl Cx<'_> {
    /// A declaration inside a function body.
    pub(super) fn local_declaration(&mut self, b: &mut FnBuilder, n: Node<'_>) {
        let ty_node = n.child_by_field_name("type");
        if let Some(t) = ty_node.filter(|t| t.kind() == "enum_specifier") {
            self.type_spec(t, None);
        }
        if let Some(t) = ty_node.filter(|t| t.kind() == "macro_type_specifier") {
            self.macro_statement(b, n, t);
            return;
        }
        let ty = ty_node.and_then(|t| self.last_ident(t));
        for (field, d) in kids(n) {
            if field == Some("declarator") {
                self.local_declarator(b, d, ty.clone());
            }
        }
        // `if (HRESULT hr = f())`: a condition declaration has its value on the declaration.
        if let (Some(d), Some(v)) = (n.child_by_field_name("declarator"), n.child_by_field_name("value")) {
            let info = declarator_name(d);
            if let Some(id) = info.name.and_then(|nm| b.lookup(self.text(nm))) {
                let value = self.initializer(b, v, ty, info.is_array);
                b.assign(Place { root: PlaceRoot::Local(id), path: Vec::new() }, value, span(n));
            }
        }
    }

    fn local_declarator(&mut self, b: &mut FnBuilder, d: Node<'_>, ty: Option<String>) {
        let (target, value) = match d.kind() {
            "init_declarator" => (d.child_by_field_name("declarator"), d.child_by_field_name("value")),
            _ => (Some(d), None),
        };
        let Some(target) = target else { return };
        if let (Some(v), true) = (value, target.kind() == "function_declarator") {
            if self.macro_then_assignment(b, target, v) {
                return;
            }
        }
        let info = declarator_name(target);
        let mut value = value.map(|v| self.initializer(b, v, ty.clone(), info.is_array));
        if info.is_function {
            if let Some(v) = value.filter(|v| super::expr::has_call(b, *v)) {
                b.eval(v);
            }
            // `std::wstring s(name);` parses as a function declaration.
            match self.vexing_ctor(b, target, ty.clone()) {
                Some(v) => value = Some(v),
                None => return,
            }
        }
        let Some(name) = info.name else { return };
        let id = b.declare(self.text(name), ty, false);
        if info.is_array {
            self.arrays.insert(id);
        }
        if let Some(v) = value {
            b.assign(Place { root: PlaceRoot::Local(id), path: Vec::new() }, v, span(d));
        }
    }

    /// `TRACE(x)` + newline + `status = f();` read as a declaration of
    /// `status` with the type `TRACE(x)`: the macro call, then assignments
    /// to the names (which are not new variables).
    fn macro_statement(&mut self, b: &mut FnBuilder, decl: Node<'_>, ty: Node<'_>) {
        self.macro_call(b, ty);
        for (field, d) in kids(decl) {
            if field != Some("declarator") || d.kind() != "init_declarator" {
                continue;
            }
            let (Some(target), Some(value)) = (d.child_by_field_name("declarator"), d.child_by_field_name("value"))
            else {
                continue;
            };
            let place = self.place(b, target);
            let v = self.initializer(b, value, None, false);
            b.assign(place, v, span(d));
        }
    }

    /// `MACRO(x)` read as a type (`macro_type_specifier`): a call.
    pub(super) fn macro_call(&mut self, b: &mut FnBuilder, ty: Node<'_>) {
        let Some(name) = ty.child_by_field_name("name") else {
            return;
        };
        let args = ty
            .child_by_field_name("type")
            .and_then(|t| t.child_by_field_name("type").or(Some(t)))
            .and_then(last_ident_node)
            .map(|a| b.name(self.text(a), span(a)));
        let call = b.call(self.text(name), None, args.into_iter().collect(), span(ty));
        b.eval(call);
    }

    /// `TRACE(x)` + newline + `status = f();`: a macro call without a
    /// semicolon, which tree-sitter reads as the declaration
    /// `TRACE(x) status = f()`; lowered as the call, then the assignment.
    fn macro_then_assignment(&mut self, b: &mut FnBuilder, fdecl: Node<'_>, value: Node<'_>) -> bool {
        let Some(target) = kids(fdecl).find(|(f, k)| f.is_none() && k.kind() == "identifier").map(|(_, k)| k) else {
            return false;
        };
        self.recovered_call(b, fdecl);
        let place = self.place(b, target);
        let v = self.initializer(b, value, None, false);
        b.assign(place, v, span(fdecl).to(span(value)));
        true
    }

    /// A call that error recovery read as a function declarator
    /// `NAME(params)`: the "parameters" are its arguments.
    pub(super) fn recovered_call(&mut self, b: &mut FnBuilder, fdecl: Node<'_>) {
        let Some(name) = fdecl.child_by_field_name("declarator").and_then(last_ident_node) else {
            return;
        };
        let mut args = Vec::new();
        if let Some(params) = fdecl.child_by_field_name("parameters") {
            // Flattened one level: error recovery splits `, 0, &qos` into pieces.
            let mut flat = Vec::new();
            for (_, p) in kids(params) {
                if p.is_error() {
                    flat.extend(kids(p).map(|(_, k)| k));
                } else {
                    flat.push(p);
                }
            }
            // `&x` may come apart into a `&` token and a name.
            let mut pending: Option<&str> = None;
            for p in flat {
                if !p.is_named() {
                    pending = matches!(p.kind(), "&" | "*").then(|| p.kind());
                    continue;
                }
                let arg = match p.kind() {
                    "parameter_declaration" => match p.child_by_field_name("type").and_then(last_ident_node) {
                        Some(t) if p.child_by_field_name("declarator").is_none() => b.name(self.text(t), span(t)),
                        _ => b.unknown(span(p)),
                    },
                    "comment" => continue,
                    _ => self.expr(b, p),
                };
                let arg = match pending.take() {
                    Some("&") => b.expr(ExprKind::AddrOf(arg), span(p)),
                    Some(_) => b.expr(ExprKind::Deref(arg), span(p)),
                    None => arg,
                };
                args.push(arg);
            }
        }
        let end = fdecl.child_by_field_name("parameters").map_or(fdecl.end_byte(), |p| p.end_byte());
        let call = b.call(self.text(name), None, args, crate::ir::Span::new(name.start_byte(), end));
        b.eval(call);
    }

    /// C++'s most vexing parse: `T x(a, b);` where every "parameter" is a
    /// bare name of a variable in scope is an object built from those values.
    fn vexing_ctor(&mut self, b: &mut FnBuilder, fdecl: Node<'_>, ty: Option<String>) -> Option<ExprId> {
        if !self.cpp || fdecl.kind() != "function_declarator" {
            return None;
        }
        let params = fdecl.child_by_field_name("parameters")?;
        let mut names = Vec::new();
        for p in named(params) {
            // `std::wstring s(reinterpret_cast<wchar_t*>(raw))` parses as a
            // parameter of type `reinterpret_cast<..>` taking `(raw)`: a cast of `raw`.
            if let Some(inner) = self.cast_shaped_parameter(p) {
                names.push(inner);
                continue;
            }
            let t = p.child_by_field_name("type")?;
            let simple = p.kind() == "parameter_declaration"
                && p.child_by_field_name("declarator").is_none()
                && named(p).count() == 1
                && t.kind() == "type_identifier";
            // A variable in scope, or a name not spelled like a type (`DWORD`).
            let name = self.text(t);
            let type_like = name.bytes().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_');
            if !simple || (b.lookup(name).is_none() && type_like) {
                return None;
            }
            names.push(t);
        }
        let args: Vec<ExprId> = names.iter().map(|t| b.name(self.text(*t), span(*t))).collect();
        Some(self.ctor_value(b, args, ty, span(params)))
    }

    /// The name inside a parameter that is really `xxx_cast<T>(name)`.
    fn cast_shaped_parameter<'t>(&self, p: Node<'t>) -> Option<Node<'t>> {
        let t = p.child_by_field_name("type")?;
        if t.kind() != "template_type" {
            return None;
        }
        let cast = self.text(t.child_by_field_name("name")?);
        if !matches!(cast, "reinterpret_cast" | "static_cast" | "const_cast" | "dynamic_cast") {
            return None;
        }
        let d = p.child_by_field_name("declarator")?;
        if d.kind() != "abstract_function_declarator" {
            return None;
        }
        let inner = named(d.child_by_field_name("parameters")?).collect::<Vec<_>>();
        match inner.as_slice() {
            [one] if one.kind() == "parameter_declaration" && named(*one).count() == 1 => {
                one.child_by_field_name("type").filter(|t| t.kind() == "type_identifier")
            }
            _ => None,
        }
    }

    /// A declaration's initialiser: an expression, a braced list or `(args)`.
    pub(super) fn initializer(&mut self, b: &mut FnBuilder, v: Node<'_>, ty: Option<String>, is_array: bool) -> ExprId {
        match v.kind() {
            "initializer_list" if is_array => self.aggregate(b, v, None, ty),
            "initializer_list" => self.aggregate(b, v, ty, None),
            "argument_list" => self.ctor_args(b, v, ty),
            _ => self.expr(b, v),
        }
    }

    /// `T x(args)`: one argument is a copy of it, several a call to `T`.
    pub(super) fn ctor_args(&mut self, b: &mut FnBuilder, list: Node<'_>, ty: Option<String>) -> ExprId {
        let args = self.args(b, list);
        self.ctor_value(b, args, ty, span(list))
    }

    fn ctor_value(&mut self, b: &mut FnBuilder, args: Vec<ExprId>, ty: Option<String>, sp: crate::ir::Span) -> ExprId {
        match args.as_slice() {
            [one] => *one,
            [] => b.unknown(sp),
            _ => b.call(ty.as_deref().unwrap_or(""), None, args, sp),
        }
    }

    /// The arguments of a call or constructor, in order.
    pub(super) fn args(&mut self, b: &mut FnBuilder, list: Node<'_>) -> Vec<ExprId> {
        named(list)
            .map(|a| if a.kind() == "initializer_list" { self.aggregate(b, a, None, None) } else { self.expr(b, a) })
            .collect()
    }

    /// `{ a, b }`, `{ .f = a, [2] = b, .g.h = c }`: an [`Aggregate`] of type
    /// `ty`; nested lists of an array get `elem_ty`.
    pub(super) fn aggregate(
        &mut self,
        b: &mut FnBuilder,
        n: Node<'_>,
        ty: Option<String>,
        elem_ty: Option<String>,
    ) -> ExprId {
        let sp = span(n);
        if !self.enter(n) {
            return b.unknown(sp);
        }
        let mut fields = Vec::new();
        // The next positional index; unknown after a field designator.
        let mut pos: Option<u32> = Some(0);
        for child in named(n) {
            if child.kind() == "initializer_pair" {
                if let Some((key, value)) = self.designated(b, child) {
                    pos = match &key {
                        FieldKey::Pos(k) => k.checked_add(1),
                        FieldKey::Named(_) => None,
                    };
                    fields.push((key, value));
                }
                continue;
            }
            let value = if child.kind() == "initializer_list" {
                self.aggregate(b, child, elem_ty.clone(), None)
            } else {
                self.expr(b, child)
            };
            if let Some(p) = pos {
                fields.push((FieldKey::Pos(p), value));
                pos = p.checked_add(1);
            }
        }
        self.leave();
        b.expr(ExprKind::Aggregate(Box::new(Aggregate { ty, fields, rest: Rest::Zero })), sp)
    }

    /// `.a.b = x` (nested designators become nested aggregates), `[2] = x`,
    /// and GNU `a: x`.
    fn designated(&mut self, b: &mut FnBuilder, pair: Node<'_>) -> Option<(FieldKey, ExprId)> {
        let mut keys = Vec::new();
        let mut value_node = None;
        for (field, k) in kids(pair) {
            match (field, k.kind()) {
                (Some("value"), _) => value_node = Some(k),
                (_, "field_designator") | (_, "field_identifier") => {
                    keys.push(FieldKey::Named(self.last_ident(k).unwrap_or_default()))
                }
                (_, "subscript_designator") => {
                    let idx = named(k).next().and_then(|i| super::literal::parse_int(self.text(i)));
                    keys.push(FieldKey::Pos(idx.and_then(|i| u32::try_from(i).ok())?));
                }
                (_, "subscript_range_designator") => return None,
                _ => {}
            }
        }
        let value_node = value_node?;
        let mut value = if value_node.kind() == "initializer_list" {
            self.aggregate(b, value_node, None, None)
        } else {
            self.expr(b, value_node)
        };
        let first = keys.first()?.clone();
        for key in keys.into_iter().skip(1).rev() {
            let agg = Aggregate { ty: None, fields: vec![(key, value)], rest: Rest::Zero };
            value = b.expr(ExprKind::Aggregate(Box::new(agg)), span(pair));
        }
        Some((first, value))
    }
}
