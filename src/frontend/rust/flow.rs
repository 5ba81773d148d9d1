//! Control flow: `if` / `if let` chains, `match`, loops, labelled blocks,
//! `break` / `continue`, `?`, closures and async blocks.

use syn::spanned::Spanned;
use syn::{Expr, Pat};

use super::expr::is_screaming;
use super::lower::{Bind, Lower, Out, ident_name, local_place, peel_expr};
use crate::ir::{BinOp, BlockId, ExprId, ExprKind, Terminator};

impl Lower<'_> {
    /// `if` / `else if` / `else`; each arm's tail goes to `out`.
    pub(super) fn lower_if(&mut self, i: &syn::ExprIf, out: Out) {
        let else_bb = self.b.new_block();
        // The bindings of `if let` live until the end of the then-block.
        self.b.push_scope();
        self.lower_cond(&i.cond, else_bb);
        self.lower_block(&i.then_branch, out.clone());
        self.b.pop_scope();
        match &i.else_branch {
            Some((_, e)) => {
                let join = self.b.new_block();
                self.b.goto(join);
                self.b.switch_to(else_bb);
                self.lower_to(e, out);
                self.b.goto_and_continue(join);
            }
            // Without `else`, the else block is where both paths meet.
            None => {
                self.b.goto_and_continue(else_bb);
                self.deliver_unit(out);
            }
        }
    }

    /// A condition, possibly a chain `a && let Some(x) = y && x > 3`: each
    /// part is a branch whose failure goes to `else_bb`; `let` parts test
    /// their scrutinee and declare their bindings on the success path, which
    /// is the current block afterwards.
    pub(super) fn lower_cond(&mut self, cond: &Expr, else_bb: BlockId) {
        let parts = and_chain(cond);
        if !parts.iter().any(|p| matches!(p, Expr::Let(_))) {
            let v = self.lower_expr(cond);
            self.b.branch_else_to(v, else_bb);
            return;
        }
        for part in parts {
            match part {
                Expr::Let(l) => {
                    let v = self.lower_expr(&l.expr);
                    // `if let Err(e) = f()` tests for failure, `if let Ok(..)` for success.
                    let cond = match arm_test(&l.pat) {
                        Some(test @ (ArmTest::Ok | ArmTest::Err | ArmTest::Const(_) | ArmTest::Name(_))) => {
                            self.arm_cond(test, v)
                        }
                        _ => v,
                    };
                    self.b.branch_else_to(cond, else_bb);
                    self.bind_pattern(&l.pat, None, true, Bind::Unknown);
                }
                other => {
                    let v = self.lower_expr(other);
                    self.b.branch_else_to(v, else_bb);
                }
            }
        }
    }

    /// `match`: a switch on the scrutinee with one target per arm; a guard
    /// is a branch in its arm whose failure tries the next arm.
    pub(super) fn lower_match(&mut self, m: &syn::ExprMatch, out: Out) {
        if let Some(tests) = status_match(m) {
            self.lower_status_match(m, &tests, out);
            return;
        }
        let scrutinee = self.lower_expr(&m.expr);
        let targets = self.b.match_arms(scrutinee, m.arms.len());
        let join = self.b.new_block();
        for (k, (arm, target)) in m.arms.iter().zip(&targets).enumerate() {
            self.b.switch_to(*target);
            let next = targets.get(k + 1).copied().unwrap_or(join);
            self.lower_arm(arm, next, join, out.clone());
        }
        self.b.switch_to(join);
    }

    /// One arm, from the current block: its bindings, its guard (failing to
    /// `next`), its body, then `join`.
    fn lower_arm(&mut self, arm: &syn::Arm, next: BlockId, join: BlockId, out: Out) {
        self.b.push_scope();
        let (pat, guard) = match &arm.pat {
            Pat::Guard(g) => (&*g.pat, Some(&*g.guard)),
            p => (p, None),
        };
        self.bind_pattern(pat, None, true, Bind::Unknown);
        if let Some(g) = guard {
            let v = self.lower_expr(g);
            self.b.branch_else_to(v, next);
        }
        self.lower_to(&arm.body, out);
        self.b.pop_scope();
        self.b.goto(join);
    }

    /// A `match` on a status (`Ok(..)` / `Err(..)` arms, `RPC_S_OK` constants):
    /// a chain of tests, one per arm, so that each arm knows whether the
    /// call worked. The scrutinee is evaluated once, into a temporary.
    fn lower_status_match(&mut self, m: &syn::ExprMatch, tests: &[ArmTest<'_>], out: Out) {
        let scrutinee = self.lower_expr(&m.expr);
        let span = self.b.expr_span(scrutinee);
        let t = self.b.temp();
        self.b.assign(local_place(t), scrutinee, span);
        let join = self.b.new_block();
        for (arm, test) in m.arms.iter().zip(tests) {
            // The arm's test, failing to the next arm's; after a catch-all
            // the remaining arms are unreachable.
            let next = self.b.new_block();
            if *test != ArmTest::Any {
                let value = self.b.expr(ExprKind::Local(t), span);
                let cond = self.arm_cond(*test, value);
                self.b.branch_else_to(cond, next);
            }
            self.lower_arm(arm, next, join, out.clone());
            self.b.switch_to(next);
        }
        // A `match` is exhaustive: no value gets past the last arm.
        self.b.terminate(Terminator::Unreachable);
        self.b.switch_to(join);
    }

    /// The condition an arm's pattern tests on `value`.
    fn arm_cond(&mut self, test: ArmTest<'_>, value: ExprId) -> ExprId {
        let span = self.b.expr_span(value);
        match test {
            ArmTest::Ok => self.b.call("is_ok", Some(value), Vec::new(), span),
            ArmTest::Err => self.b.call("is_err", Some(value), Vec::new(), span),
            ArmTest::Const(_) | ArmTest::Name(_) | ArmTest::Int(_) => {
                let c = match test {
                    ArmTest::Const(p) => self.lower_expr(&Expr::Path(p.clone())),
                    ArmTest::Int(l) => self.lower_expr(&Expr::Lit(l.clone())),
                    ArmTest::Name(i) => {
                        let span = self.sp(i.span());
                        self.b.expr(ExprKind::Name(ident_name(i)), span)
                    }
                    _ => return value,
                };
                let span = span.to(self.b.expr_span(c));
                self.b.expr(ExprKind::Binary(BinOp::Eq, value, c), span)
            }
            ArmTest::Any => value,
        }
    }

    /// `{ .. }` or `'label: { .. }` (which `break 'label value` can leave).
    pub(super) fn lower_labelled_block(&mut self, b: &syn::ExprBlock, out: Out) {
        let Some(label) = &b.label else {
            self.lower_block(&b.block, out);
            return;
        };
        let exit = self.b.new_block();
        self.push_loop(Some(&label.name), exit, None, out.clone());
        self.lower_block(&b.block, out);
        self.pop_loop();
        self.b.goto_and_continue(exit);
    }

    /// `loop { .. }`: only `break` leaves it; `break value` goes to `out`.
    pub(super) fn lower_loop(&mut self, l: &syn::ExprLoop, out: Out) {
        let head = self.b.new_block();
        self.b.goto_and_continue(head);
        let exit = self.b.new_block();
        self.push_loop(l.label.as_ref().map(|l| &l.name), exit, Some(head), out);
        self.lower_block(&l.body, Out::Discard);
        self.pop_loop();
        self.b.goto(head);
        self.b.switch_to(exit);
    }

    /// `while cond { .. }` and `while let PAT = e { .. }`.
    pub(super) fn lower_while(&mut self, w: &syn::ExprWhile) {
        let head = self.b.new_block();
        self.b.goto_and_continue(head);
        let exit = self.b.new_block();
        self.push_loop(w.label.as_ref().map(|l| &l.name), exit, Some(head), Out::Discard);
        self.b.push_scope();
        self.lower_cond(&w.cond, exit);
        self.lower_block(&w.body, Out::Discard);
        self.b.pop_scope();
        self.b.goto(head);
        self.pop_loop();
        self.b.switch_to(exit);
    }

    /// `for PAT in iter { .. }`: the iterator is kept in a temporary; each
    /// round either runs the body with unknown bindings or leaves.
    pub(super) fn lower_for(&mut self, f: &syn::ExprForLoop) {
        let iter = self.lower_expr(&f.expr);
        let span = self.b.expr_span(iter);
        let t = self.b.temp();
        self.b.assign(local_place(t), iter, span);
        let head = self.b.new_block();
        self.b.goto_and_continue(head);
        let exit = self.b.new_block();
        self.push_loop(f.label.as_ref().map(|l| &l.name), exit, Some(head), Out::Discard);
        let body = self.b.new_block();
        self.b.terminate(Terminator::Either(vec![body, exit]));
        self.b.switch_to(body);
        self.b.push_scope();
        self.bind_pattern(&f.pat, None, false, Bind::Unknown);
        self.lower_block(&f.body, Out::Discard);
        self.b.pop_scope();
        self.b.goto(head);
        self.pop_loop();
        self.b.switch_to(exit);
    }

    /// `break`, `break 'label`, `break 'label value`.
    pub(super) fn lower_break(&mut self, brk: &syn::ExprBreak) {
        let target = match &brk.label {
            Some(l) => {
                let name = l.ident.to_string();
                self.loops.iter().rev().find(|c| c.label.as_deref() == Some(name.as_str()))
            }
            None => self.loops.iter().rev().find(|c| c.is_loop),
        }
        .map(|c| (c.key.clone(), c.out.clone()));
        match target {
            Some((key, out)) => {
                if let Some(v) = &brk.expr {
                    self.lower_to(v, out);
                }
                self.b.break_(Some(&key));
            }
            None => {
                if let Some(v) = &brk.expr {
                    self.lower_dropped(v);
                }
                self.b.terminate(Terminator::Unreachable);
            }
        }
    }

    pub(super) fn lower_continue(&mut self, c: &syn::ExprContinue) {
        let key = match &c.label {
            Some(l) => {
                let name = l.ident.to_string();
                self.loops.iter().rev().find(|c| c.is_loop && c.label.as_deref() == Some(name.as_str()))
            }
            None => self.loops.iter().rev().find(|c| c.is_loop),
        }
        .map(|c| c.key.clone());
        match key {
            Some(key) => self.b.continue_(Some(&key)),
            None => self.b.terminate(Terminator::Unreachable),
        }
    }

    /// `e?`: tests `e` and either goes on with its success value or returns
    /// from the function (or closure) early.
    ///
    /// The operand is evaluated into a temporary first, so that what it does
    /// (a revert, an impersonation) happens on both paths; the early return
    /// is a branch on its failure (`is_err`), which tells the resolver which
    /// path is which, and it returns the error, at the `?`.
    pub(super) fn lower_try(&mut self, t: &syn::ExprTry) -> ExprId {
        let v = self.lower_expr(&t.expr);
        let operand = self.b.expr_span(v);
        let question = self.sp(t.question_token.spans[0]);
        let tmp = self.b.temp();
        self.b.assign(local_place(tmp), v, operand);
        let tested = self.b.expr(ExprKind::Local(tmp), operand);
        let failed = self.b.call("is_err", Some(tested), Vec::new(), operand.to(question));
        let (err, ok) = self.b.branch(failed);
        self.b.switch_to(err);
        let error = self.b.expr(ExprKind::Local(tmp), question);
        self.return_(Some(error));
        self.b.switch_to(ok);
        let value = self.b.expr(ExprKind::Local(tmp), operand);
        self.b.expr(ExprKind::Propagate(value), operand.to(question))
    }

    /// A closure, lowered where it is written as code that may or may not
    /// run; `return` and `?` inside leave only the closure.
    pub(super) fn lower_closure(&mut self, c: &syn::ExprClosure) -> ExprId {
        // The whole closure, body included: a revert inside it is inside its span.
        let span = self.sp2(c.inputs_begin.spans[0], c.body.span());
        let after = self.b.closure_begin();
        self.enter_closure();
        for p in &c.inputs {
            self.bind_pattern(p, None, false, Bind::Declare);
        }
        self.lower_to(&c.body, Out::Return);
        self.leave_closure();
        self.b.closure_end(after);
        self.b.unknown(span)
    }

    /// `async { .. }`: like a closure without parameters.
    pub(super) fn lower_async(&mut self, a: &syn::ExprAsync) -> ExprId {
        let span = self.sp2(a.async_token.span, a.block.brace_token.span.close());
        let after = self.b.closure_begin();
        self.enter_closure();
        self.lower_block(&a.block, Out::Return);
        self.leave_closure();
        self.b.closure_end(after);
        self.b.unknown(span)
    }

    fn enter_closure(&mut self) {
        self.loops_stash.push(std::mem::take(&mut self.loops));
        // `closure_begin` opened the closure's scope (its parameters):
        // a `return` ends it and everything inside.
        let depth = self.b.scope_depth().saturating_sub(1);
        self.return_depths.push(depth);
    }

    fn leave_closure(&mut self) {
        self.return_depths.pop();
        self.loops = self.loops_stash.pop().unwrap_or_default();
    }
}

/// The parts of `a && b && c`, left to right, without recursion.
fn and_chain(cond: &Expr) -> Vec<&Expr> {
    let mut parts = Vec::new();
    let mut stack = vec![cond];
    while let Some(e) = stack.pop() {
        match peel_expr(e) {
            Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
                stack.push(&b.right);
                stack.push(&b.left);
            }
            other => parts.push(other),
        }
    }
    parts
}

/// What a `match` arm's (or `if let`'s) pattern tests about a status.
#[derive(Clone, Copy, Debug, PartialEq)]
enum ArmTest<'p> {
    /// `Ok(..)`: the call worked.
    Ok,
    /// `Err(..)`: the call failed.
    Err,
    /// A constant (`RPC_S_OK`, `S_OK`) the value equals.
    Const(&'p syn::ExprPath),
    /// A constant written as a lone name (`RPC_S_OK =>` parses as an identifier).
    Name(&'p syn::Ident),
    /// An integer literal the value equals.
    Int(&'p syn::ExprLit),
    /// `_` or a binding: anything.
    Any,
}

/// The pattern's test, for the patterns a status is matched with.
fn arm_test(pat: &Pat) -> Option<ArmTest<'_>> {
    match pat {
        Pat::TupleStruct(ts) if ts.qself.is_none() => {
            match ts.path.segments.last().map(|s| ident_name(&s.ident)).as_deref() {
                Some("Ok") => Some(ArmTest::Ok),
                Some("Err") => Some(ArmTest::Err),
                _ => None,
            }
        }
        Pat::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last().map(|s| ident_name(&s.ident))?;
            is_screaming(&last).then_some(ArmTest::Const(p))
        }
        Pat::Lit(l) if matches!(l.lit, syn::Lit::Int(_)) => Some(ArmTest::Int(l)),
        Pat::Ident(pi) if pi.subpat.is_none() && pi.by_ref.is_none() => {
            let name = ident_name(&pi.ident);
            if is_screaming(&name) {
                Some(ArmTest::Name(&pi.ident))
            } else if name.starts_with(|c: char| c.is_ascii_uppercase()) {
                None
            } else {
                Some(ArmTest::Any)
            }
        }
        Pat::Wild(_) => Some(ArmTest::Any),
        _ => None,
    }
}

/// The tests of a `match` over a status: every arm is `Ok(..)`, `Err(..)`,
/// a constant, an integer or a catch-all (a guard is allowed), and some arm
/// is more than a catch-all or an integer.
fn status_match(m: &syn::ExprMatch) -> Option<Vec<ArmTest<'_>>> {
    let tests: Vec<ArmTest<'_>> = m
        .arms
        .iter()
        .map(|arm| match &arm.pat {
            Pat::Guard(g) => arm_test(&g.pat),
            p => arm_test(p),
        })
        .collect::<Option<_>>()?;
    let status_like = |t: &ArmTest<'_>| matches!(t, ArmTest::Ok | ArmTest::Err | ArmTest::Const(_) | ArmTest::Name(_));
    tests.iter().any(status_like).then_some(tests)
}
