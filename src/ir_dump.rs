//! A readable text form of the IR, for frontend tests and `rpclint debug-ir`.
//!
//! ```text
//! fn bind (params: h)
//!   bb0:
//!     qos = {RPC_SECURITY_QOS | Version: 1, Capabilities: RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH, ..0}
//!     eval RpcBindingSetAuthInfoExW(h, null, 6, 9, null, 0, &qos)
//!     return
//! ```

use std::fmt::Write;

use crate::ir::{ConstKind, ExprId, ExprKind, FieldKey, FileIr, Function, Place, PlaceRoot, Rest, Stmt, Terminator};

impl FileIr {
    pub(crate) fn dump(&self) -> String {
        let mut out = String::new();
        for c in &self.consts {
            let kind = match c.kind {
                ConstKind::Define => "define",
                ConstKind::Const => "const",
                ConstKind::Enumerator => "enum",
                ConstKind::Global => "global",
            };
            let value = expr_text(&self.const_scope.exprs, &self.const_scope.calls, &[], c.value);
            let _ = writeln!(out, "{kind} {} = {value}", c.name);
        }
        for f in &self.functions {
            out.push_str(&f.dump());
        }
        for p in &self.problems {
            let _ = writeln!(out, "problem @{}..{}: {}", p.span.start, p.span.end, p.message);
        }
        for t in &self.test_regions {
            let _ = writeln!(out, "test code @{}..{}", t.start, t.end);
        }
        out
    }
}

impl Function {
    pub(crate) fn dump(&self) -> String {
        let mut out = String::new();
        let params: Vec<&str> = self.locals.iter().filter(|l| l.is_param).map(|l| l.name.as_str()).collect();
        let owner = self.owner.as_deref().map(|o| format!("{o}::")).unwrap_or_default();
        let _ = writeln!(out, "fn {owner}{} (params: {})", self.name, params.join(", "));
        for (i, b) in self.blocks.iter().enumerate() {
            let _ = writeln!(out, "  bb{i}:");
            for s in &b.stmts {
                let line = match s {
                    Stmt::Assign { place, value, .. } => {
                        format!("{} = {}", self.place_text(place), self.text(*value))
                    }
                    Stmt::Eval(e) => format!("eval {}", self.text(*e)),
                    Stmt::ScopeEnd(l) => format!("end {}", self.local_name(l.index())),
                };
                let _ = writeln!(out, "    {line}");
            }
            let term = match &b.term {
                Terminator::Goto(t) => format!("goto bb{}", t.0),
                Terminator::Branch { cond, then_, else_ } => {
                    format!("if {} then bb{} else bb{}", self.text(*cond), then_.0, else_.0)
                }
                Terminator::Switch { scrutinee, targets } => {
                    let t: Vec<String> = targets.iter().map(|b| format!("bb{}", b.0)).collect();
                    format!("switch {} [{}]", self.text(*scrutinee), t.join(", "))
                }
                Terminator::Either(targets) => {
                    let t: Vec<String> = targets.iter().map(|b| format!("bb{}", b.0)).collect();
                    format!("either [{}]", t.join(", "))
                }
                Terminator::Return(Some(e)) => format!("return {}", self.text(*e)),
                Terminator::Return(None) => "return".to_string(),
                Terminator::Unreachable => "unreachable".to_string(),
            };
            let _ = writeln!(out, "    {term}");
        }
        out
    }

    fn local_name(&self, i: usize) -> String {
        match self.locals.get(i) {
            Some(l) if !l.name.is_empty() => l.name.clone(),
            _ => format!("_t{i}"),
        }
    }

    fn text(&self, e: ExprId) -> String {
        let names: Vec<String> = (0..self.locals.len()).map(|i| self.local_name(i)).collect();
        expr_text(&self.exprs, &self.calls, &names, e)
    }

    fn place_text(&self, p: &Place) -> String {
        let mut s = match &p.root {
            PlaceRoot::Local(l) => self.local_name(l.index()),
            PlaceRoot::Deref(e) => format!("*({})", self.text(*e)),
            PlaceRoot::Global(g) => format!("::{g}"),
            PlaceRoot::Unknown => "?".to_string(),
        };
        for f in &p.path {
            let _ = write!(s, ".{f}");
        }
        s
    }
}

fn expr_text(exprs: &[crate::ir::Expr], calls: &[crate::ir::Call], locals: &[String], e: ExprId) -> String {
    let sub = |e: ExprId| expr_text(exprs, calls, locals, e);
    let Some(expr) = exprs.get(e.index()) else { return "<bad expr>".to_string() };
    match &expr.kind {
        ExprKind::Int(v) => {
            if *v > 0xFFFF {
                format!("{v:#x}")
            } else {
                v.to_string()
            }
        }
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Str(s) => format!("{}{:?}", if s.wide { "L" } else { "" }, s.value),
        ExprKind::Null => "null".to_string(),
        ExprKind::Local(l) => locals.get(l.index()).cloned().unwrap_or_else(|| format!("_t{}", l.0)),
        ExprKind::Name(n) => n.clone(),
        ExprKind::Field(b, f) => format!("{}.{f}", sub(*b)),
        ExprKind::Index(b) => format!("{}[]", sub(*b)),
        ExprKind::AddrOf(b) => format!("&{}", sub(*b)),
        ExprKind::Deref(b) => format!("*{}", sub(*b)),
        ExprKind::Unary(op, b) => format!("{op:?}({})", sub(*b)),
        ExprKind::Binary(op, a, b) => format!("({} {op:?} {})", sub(*a), sub(*b)),
        ExprKind::Select(es) => {
            let parts: Vec<String> = es.iter().map(|e| sub(*e)).collect();
            format!("select({})", parts.join(" | "))
        }
        ExprKind::Concat(es) => {
            let parts: Vec<String> = es.iter().map(|e| sub(*e)).collect();
            format!("concat({})", parts.join(", "))
        }
        ExprKind::Call(c) => match calls.get(c.index()) {
            Some(call) => {
                let args: Vec<String> = call.args.iter().map(|e| sub(*e)).collect();
                let recv = call.receiver.map(|r| format!("{}->", sub(r))).unwrap_or_default();
                format!("{recv}{}({})", call.callee, args.join(", "))
            }
            None => "<bad call>".to_string(),
        },
        ExprKind::Aggregate(a) => {
            let mut parts: Vec<String> = a
                .fields
                .iter()
                .map(|(k, v)| match k {
                    FieldKey::Named(n) => format!("{n}: {}", sub(*v)),
                    FieldKey::Pos(_) => sub(*v),
                })
                .collect();
            parts.push(match &a.rest {
                Rest::Zero => "..0".to_string(),
                Rest::Base(b) => format!("..{}", sub(*b)),
            });
            let ty = a.ty.as_deref().map(|t| format!("{t} | ")).unwrap_or_default();
            format!("{{{ty}{}}}", parts.join(", "))
        }
        ExprKind::Propagate(b) => format!("{}?", sub(*b)),
        ExprKind::Unknown => "?".to_string(),
    }
}
