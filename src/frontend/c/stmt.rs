//! Statements into the CFG: blocks, declarations, `if`, loops, `switch`
//! with fall-through, `goto` and labels, `return`, `try`/`catch`, SEH
//! `__try`, and `#if` arms inside bodies (alternatives, unless constant).

use tree_sitter::Node;

use super::{Cx, kids, named, span};
use crate::frontend::builder::FnBuilder;
use crate::ir::{BlockId, ExprId, Place, PlaceRoot, Terminator};

/// Ends the current block with a jump to `to` and continues there.
fn jump(b: &mut FnBuilder, to: BlockId) {
    b.end_block(Terminator::Goto(to));
    b.switch_to(to);
}

/// Whether a `return` statement is somewhere inside `n`.
fn contains_return(n: Node<'_>) -> bool {
    let mut stack = vec![n];
    while let Some(x) = stack.pop() {
        if x.kind() == "return_statement" {
            return true;
        }
        stack.extend(named(x));
    }
    false
}

/// `n` new blocks and an `Either` to them from the current block.
fn either(b: &mut FnBuilder, n: usize) -> Vec<BlockId> {
    let targets: Vec<BlockId> = (0..n).map(|_| b.new_block()).collect();
    b.end_block(Terminator::Either(targets.clone()));
    targets
}

impl Cx<'_> {
    pub(super) fn stmt(&mut self, b: &mut FnBuilder, n: Node<'_>) {
        if !self.enter(n) {
            return;
        }
        self.stmt_inner(b, n);
        self.leave();
    }

    fn stmts_of(&mut self, b: &mut FnBuilder, n: Node<'_>) {
        for k in named(n) {
            self.stmt(b, k);
        }
    }

    fn stmt_inner(&mut self, b: &mut FnBuilder, n: Node<'_>) {
        match n.kind() {
            "compound_statement" => {
                b.push_scope();
                self.stmts_of(b, n);
                b.pop_scope();
            }
            "declaration" => self.local_declaration(b, n),
            "expression_statement" => {
                for k in named(n) {
                    self.effects(b, k);
                }
            }
            "if_statement" => self.if_stmt(b, n),
            "while_statement" => self.while_stmt(b, n),
            "do_statement" => self.do_stmt(b, n),
            "for_statement" => self.for_stmt(b, n),
            "for_range_loop" => self.range_for(b, n),
            "switch_statement" => {
                let cond = self.condition(b, n.child_by_field_name("condition"), n);
                let break_to = b.new_block();
                b.switch_begin(cond, break_to);
                if let Some(body) = n.child_by_field_name("body") {
                    self.stmt(b, body);
                }
                b.switch_end(break_to);
            }
            "case_statement" => {
                let value = n.child_by_field_name("value");
                b.case_label(value.is_none());
                for k in named(n) {
                    if Some(k.id()) != value.map(|v| v.id()) {
                        self.stmt(b, k);
                    }
                }
            }
            "break_statement" => b.break_(None),
            "continue_statement" => b.continue_(None),
            "goto_statement" => {
                if let Some(label) = n.child_by_field_name("label") {
                    b.goto_label(self.text(label));
                }
            }
            "labeled_statement" => {
                let label = n.child_by_field_name("label");
                if let Some(l) = label {
                    b.place_label(self.text(l));
                }
                for k in named(n) {
                    if Some(k.id()) != label.map(|l| l.id()) {
                        self.stmt(b, k);
                    }
                }
            }
            "return_statement" | "co_return_statement" => {
                let value = named(n).next().map(|v| {
                    if v.kind() == "initializer_list" { self.aggregate(b, v, None, None) } else { self.expr(b, v) }
                });
                b.end_all_scopes();
                b.ret(value);
            }
            "throw_statement" => {
                for k in named(n) {
                    self.effects(b, k);
                }
                b.end_all_scopes();
                b.terminate(Terminator::Unreachable);
            }
            "try_statement" => self.try_stmt(b, n),
            "seh_try_statement" => self.seh_try(b, n),
            "preproc_if" | "preproc_ifdef" => self.preproc_stmt(b, n),
            "preproc_def" => self.item(n, None),
            "type_definition" => {
                if let Some(t) = n.child_by_field_name("type").filter(|t| t.kind() == "enum_specifier") {
                    self.type_spec(t, None);
                }
            }
            "enum_specifier" => self.type_spec(n, None),
            "attributed_statement" | "ERROR" | "preproc_else" | "preproc_elif" => self.stmts_of(b, n),
            // Error recovery reads `MACRO(x)` + newline + `f(a, b)` as a declarator.
            "function_declarator" => self.recovered_call(b, n),
            "macro_type_specifier" => self.macro_call(b, n),
            k if k.ends_with("expression") || k.ends_with("literal") || k == "identifier" => self.effects(b, n),
            _ => {}
        }
    }

    /// A condition: `(e)`, or C++'s `(init; e)` / `(T x = e)`.
    fn condition(&mut self, b: &mut FnBuilder, c: Option<Node<'_>>, whole: Node<'_>) -> ExprId {
        let Some(c) = c else {
            return b.unknown(span(whole));
        };
        match c.kind() {
            "parenthesized_expression" => match named(c).next() {
                Some(inner) if inner.kind() == "declaration" => self.condition_decl(b, inner),
                Some(inner) => self.expr(b, inner),
                None => b.unknown(span(c)),
            },
            "condition_clause" => {
                if let Some(init) = c.child_by_field_name("initializer") {
                    self.stmt(b, init);
                }
                match c.child_by_field_name("value") {
                    Some(v) if v.kind() == "declaration" => self.condition_decl(b, v),
                    Some(v) => self.expr(b, v),
                    None => b.unknown(span(c)),
                }
            }
            "declaration" => self.condition_decl(b, c),
            _ => self.expr(b, c),
        }
    }

    /// `if (HRESULT hr = f())`: declares `hr`; the condition reads it.
    fn condition_decl(&mut self, b: &mut FnBuilder, d: Node<'_>) -> ExprId {
        self.local_declaration(b, d);
        let declared = d
            .child_by_field_name("declarator")
            .and_then(|k| super::decl::declarator_name(k).name)
            .and_then(|nm| b.lookup(self.text(nm)));
        match declared {
            Some(id) => {
                let place = Place { root: PlaceRoot::Local(id), path: Vec::new() };
                self.place_read(b, &place, span(d))
            }
            None => b.unknown(span(d)),
        }
    }

    fn if_stmt(&mut self, b: &mut FnBuilder, n: Node<'_>) {
        b.push_scope();
        let cond = self.condition(b, n.child_by_field_name("condition"), n);
        let then_ = b.new_block();
        let else_ = b.new_block();
        b.end_block(Terminator::Branch { cond, then_, else_ });
        let join = b.new_block();
        b.switch_to(then_);
        if let Some(c) = n.child_by_field_name("consequence") {
            self.stmt(b, c);
        }
        b.end_block(Terminator::Goto(join));
        b.switch_to(else_);
        if let Some(alt) = n.child_by_field_name("alternative") {
            if alt.kind() == "else_clause" {
                self.stmts_of(b, alt);
            } else {
                self.stmt(b, alt);
            }
        }
        b.end_block(Terminator::Goto(join));
        b.switch_to(join);
        b.pop_scope();
    }

    fn while_stmt(&mut self, b: &mut FnBuilder, n: Node<'_>) {
        b.push_scope();
        let head = b.new_block();
        jump(b, head);
        let cond = self.condition(b, n.child_by_field_name("condition"), n);
        let body = b.new_block();
        let exit = b.new_block();
        b.end_block(Terminator::Branch { cond, then_: body, else_: exit });
        b.switch_to(body);
        b.push_loop(None, exit, Some(head));
        if let Some(s) = n.child_by_field_name("body") {
            self.stmt(b, s);
        }
        b.pop_loop();
        b.end_block(Terminator::Goto(head));
        b.switch_to(exit);
        b.pop_scope();
    }

    fn do_stmt(&mut self, b: &mut FnBuilder, n: Node<'_>) {
        let body = b.new_block();
        let test = b.new_block();
        let exit = b.new_block();
        jump(b, body);
        b.push_loop(None, exit, Some(test));
        if let Some(s) = n.child_by_field_name("body") {
            self.stmt(b, s);
        }
        b.pop_loop();
        jump(b, test);
        let cond = self.condition(b, n.child_by_field_name("condition"), n);
        b.end_block(Terminator::Branch { cond, then_: body, else_: exit });
        b.switch_to(exit);
    }

    fn for_stmt(&mut self, b: &mut FnBuilder, n: Node<'_>) {
        b.push_scope();
        let mut updates = Vec::new();
        for (field, k) in kids(n) {
            match field {
                Some("initializer") if k.kind() == "declaration" => self.local_declaration(b, k),
                Some("initializer") => self.effects(b, k),
                Some("update") => updates.push(k),
                _ => {}
            }
        }
        let head = b.new_block();
        jump(b, head);
        let body = b.new_block();
        let exit = b.new_block();
        match n.child_by_field_name("condition") {
            Some(c) => {
                let cond = if c.kind() == "declaration" { self.condition_decl(b, c) } else { self.expr(b, c) };
                b.end_block(Terminator::Branch { cond, then_: body, else_: exit });
            }
            None => b.end_block(Terminator::Goto(body)),
        }
        b.switch_to(body);
        let cont = b.new_block();
        b.push_loop(None, exit, Some(cont));
        if let Some(s) = n.child_by_field_name("body") {
            self.stmt(b, s);
        }
        b.pop_loop();
        jump(b, cont);
        for u in updates {
            self.effects(b, u);
        }
        b.end_block(Terminator::Goto(head));
        b.switch_to(exit);
        b.pop_scope();
    }

    /// `for (T x : range)`: the body runs for some unknown element, or not.
    fn range_for(&mut self, b: &mut FnBuilder, n: Node<'_>) {
        b.push_scope();
        if let Some(init) = n.child_by_field_name("initializer") {
            self.stmt(b, init);
        }
        if let Some(r) = n.child_by_field_name("right") {
            self.effects(b, r);
        }
        let head = b.new_block();
        jump(b, head);
        let body = b.new_block();
        let exit = b.new_block();
        b.end_block(Terminator::Either(vec![body, exit]));
        b.switch_to(body);
        b.push_scope();
        let ty = n.child_by_field_name("type").and_then(|t| self.last_ident(t));
        if let Some(name) = n.child_by_field_name("declarator").and_then(|d| super::decl::declarator_name(d).name) {
            let id = b.declare(self.text(name), ty, false);
            let unknown = b.unknown(span(name));
            b.assign(Place { root: PlaceRoot::Local(id), path: Vec::new() }, unknown, span(name));
        }
        b.push_loop(None, exit, Some(head));
        if let Some(s) = n.child_by_field_name("body") {
            self.stmt(b, s);
        }
        b.pop_loop();
        b.pop_scope();
        b.end_block(Terminator::Goto(head));
        b.switch_to(exit);
        b.pop_scope();
    }

    /// `try { } catch (..) { }`: the body, then no handler or one of them.
    /// Also a function-try-block's definition, `f() try { } catch (..) { }`,
    /// which holds its body and handlers the same way.
    /// A body that ends in `return` or `throw` never reaches its end, so
    /// its handlers are entered where it starts (an exception may leave it
    /// anywhere); else where it ends, as before.
    pub(super) fn try_stmt(&mut self, b: &mut FnBuilder, n: Node<'_>) {
        let body = n.child_by_field_name("body");
        let handlers: Vec<Node<'_>> = named(n).filter(|k| k.kind() == "catch_clause").collect();
        let leaves = body.and_then(|body| named(body).last()).is_some_and(|last| {
            matches!(last.kind(), "return_statement" | "throw_statement" | "co_return_statement")
                || (last.kind() == "expression_statement"
                    && named(last).next().is_some_and(|e| e.kind() == "throw_expression"))
        });
        let join = b.new_block();
        let mut arms = Vec::new();
        if leaves && !handlers.is_empty() {
            arms = either(b, handlers.len() + 1);
            if let Some(&first) = arms.first() {
                b.switch_to(first);
            }
        }
        if let Some(body) = body {
            self.stmt(b, body);
        }
        if handlers.is_empty() {
            return;
        }
        let from_start = !arms.is_empty();
        if !from_start {
            arms = either(b, handlers.len() + 1);
        }
        for (i, arm) in arms.into_iter().enumerate() {
            if i == 0 && from_start {
                continue; // the body, lowered above
            }
            b.switch_to(arm);
            if let Some(h) = i.checked_sub(1).and_then(|h| handlers.get(h)) {
                b.push_scope();
                if let Some(params) = h.child_by_field_name("parameters") {
                    self.parameters(b, params, false);
                }
                if let Some(body) = h.child_by_field_name("body") {
                    self.stmt(b, body);
                }
                b.pop_scope();
            }
            b.end_block(Terminator::Goto(join));
        }
        b.switch_to(join);
    }

    /// `__try { } __except (f) { }` (the handler may run) and
    /// `__try { } __finally { }` (the finally block always runs, also after
    /// a `return` inside the `__try`: such returns go through it, then leave).
    fn seh_try(&mut self, b: &mut FnBuilder, n: Node<'_>) {
        let has_finally = named(n).any(|k| k.kind() == "seh_finally_clause");
        let body_returns = n.child_by_field_name("body").is_some_and(|body| contains_return(body));
        let returns_to = (has_finally && body_returns).then(|| b.new_block());
        if let Some(t) = returns_to {
            b.push_return_target(t);
        }
        if let Some(body) = n.child_by_field_name("body") {
            self.stmt(b, body);
        }
        if returns_to.is_some() {
            b.pop_return_target();
        }
        for k in named(n) {
            match k.kind() {
                "seh_except_clause" => {
                    let join = b.new_block();
                    let arms = either(b, 2);
                    if let Some(&handler) = arms.get(1) {
                        b.switch_to(handler);
                        if let Some(f) = k.child_by_field_name("filter") {
                            self.effects(b, f);
                        }
                        if let Some(body) = k.child_by_field_name("body") {
                            self.stmt(b, body);
                        }
                        b.end_block(Terminator::Goto(join));
                    }
                    if let Some(&skip) = arms.first() {
                        b.switch_to(skip);
                        b.end_block(Terminator::Goto(join));
                    }
                    b.switch_to(join);
                }
                "seh_finally_clause" => {
                    let returned = returns_to.filter(|t| b.is_target(*t));
                    if let Some(t) = returned {
                        b.end_block(Terminator::Goto(t));
                        b.switch_to(t);
                    }
                    if let Some(body) = k.child_by_field_name("body") {
                        self.stmt(b, body);
                    }
                    // After the finally block: on with the code after it, or
                    // on with the return that entered it.
                    if returned.is_some() {
                        let arms = either(b, 2);
                        if let (Some(&on), Some(&leave)) = (arms.first(), arms.get(1)) {
                            b.switch_to(leave);
                            b.ret(None);
                            b.switch_to(on);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    /// `#ifdef A .. #else .. #endif` in a body: one of the arms runs
    /// (or none, without `#else`); a constant condition picks its arm.
    fn preproc_stmt(&mut self, b: &mut FnBuilder, n: Node<'_>) {
        let arms = self.preproc_arms(n);
        if arms.decided {
            for arm in arms.arms {
                for k in arm {
                    self.stmt(b, k);
                }
            }
            return;
        }
        let count = arms.arms.len() + usize::from(!arms.exhaustive);
        if count == 0 {
            return;
        }
        let join = b.new_block();
        let targets = either(b, count);
        let mut bodies = arms.arms.into_iter();
        for t in targets {
            b.switch_to(t);
            for k in bodies.next().unwrap_or_default() {
                self.stmt(b, k);
            }
            b.end_block(Terminator::Goto(join));
        }
        b.switch_to(join);
    }
}
