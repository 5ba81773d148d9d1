//! Builds one [`Function`]'s CFG; shared by the C/C++ and Rust frontends.
//!
//! A frontend walks its syntax tree and calls these primitives: declare and
//! look up locals (scopes handle shadowing), add expressions and calls,
//! assign, and shape control flow (branches, loops, `switch`, labels and
//! `goto`, `return`, closures). Code after a `return` or `break` goes to a
//! fresh block that nothing reaches, so it is still lowered but never analysed.

use std::collections::HashMap;

use crate::ir::{
    Block, BlockId, Call, CallId, CallPath, Expr, ExprId, ExprKind, Function, FunctionKind, Local, LocalId, Place,
    PlaceRoot, Span, Stmt, Terminator,
};

pub(crate) struct FnBuilder {
    func: Function,
    blocks: Vec<(Vec<Stmt>, Option<Terminator>)>,
    cur: BlockId,
    scopes: Vec<Vec<(String, LocalId)>>,
    loops: Vec<LoopTargets>,
    labels: HashMap<String, BlockId>,
    /// Innermost last: where `return` goes (`None` = leave the function).
    return_targets: Vec<Option<BlockId>>,
    switches: Vec<SwitchState>,
    /// Loop targets of enclosing code, hidden while lowering a closure body.
    loops_stash: Vec<Vec<LoopTargets>>,
    /// Scope depth at each open closure: its `return` ends only its own scopes.
    closure_scopes: Vec<usize>,
}

struct LoopTargets {
    label: Option<String>,
    break_to: BlockId,
    continue_to: Option<BlockId>,
    /// Scope depth when the loop started: `break` ends the scopes inside it.
    scope_depth: usize,
}

struct SwitchState {
    head: BlockId,
    scrutinee: ExprId,
    targets: Vec<BlockId>,
    has_default: bool,
}

impl FnBuilder {
    pub(crate) fn new(name: &str, span: Span) -> FnBuilder {
        let mut b = FnBuilder {
            func: Function { name: name.to_string(), span, ..Function::default() },
            blocks: Vec::new(),
            cur: BlockId(0),
            scopes: vec![Vec::new()],
            loops: Vec::new(),
            labels: HashMap::new(),
            return_targets: Vec::new(),
            switches: Vec::new(),
            loops_stash: Vec::new(),
            closure_scopes: Vec::new(),
        };
        b.cur = b.new_block();
        b
    }

    pub(crate) fn set_owner(&mut self, owner: Option<String>, kind: FunctionKind) {
        self.func.owner = owner;
        self.func.kind = kind;
    }

    pub(crate) fn set_namespace(&mut self, namespace: Option<String>) {
        self.func.namespace = namespace;
    }

    // ----- locals and scopes -------------------------------------------------

    pub(crate) fn push_scope(&mut self) {
        self.scopes.push(Vec::new());
    }

    /// Ends the innermost scope: its locals are dropped in reverse order.
    pub(crate) fn pop_scope(&mut self) {
        if let Some(scope) = self.scopes.pop() {
            for (_, id) in scope.into_iter().rev() {
                self.push_stmt(Stmt::ScopeEnd(id));
            }
        }
        if self.scopes.is_empty() {
            self.scopes.push(Vec::new());
        }
    }

    pub(crate) fn declare(&mut self, name: &str, ty: Option<String>, is_param: bool) -> LocalId {
        let id = LocalId::from_index(self.func.locals.len());
        self.func.locals.push(Local { name: name.to_string(), ty, is_param });
        if let Some(scope) = self.scopes.last_mut() {
            scope.push((name.to_string(), id));
        }
        id
    }

    /// A local that is not in scope yet: in Rust's `let x = <init>;` the
    /// initialiser still sees the previous `x`, but may write into the new one
    /// (`let x = if c { a } else { b };`). [`FnBuilder::bring_into_scope`]
    /// makes it visible.
    pub(crate) fn new_local(&mut self, name: &str, ty: Option<String>, is_param: bool) -> LocalId {
        let id = LocalId::from_index(self.func.locals.len());
        self.func.locals.push(Local { name: name.to_string(), ty, is_param });
        id
    }

    /// Puts a local made by [`FnBuilder::new_local`] into the innermost scope.
    pub(crate) fn bring_into_scope(&mut self, id: LocalId) {
        let name = self.func.locals.get(id.index()).map(|l| l.name.clone()).unwrap_or_default();
        if let Some(scope) = self.scopes.last_mut() {
            scope.push((name, id));
        }
    }

    /// How many scopes are open (the function's own scope counts as one).
    pub(crate) fn scope_depth(&self) -> usize {
        self.scopes.len()
    }

    /// A compiler-made local (the value of an `if` used as an expression).
    pub(crate) fn temp(&mut self) -> LocalId {
        let id = LocalId::from_index(self.func.locals.len());
        self.func.locals.push(Local { name: String::new(), ty: None, is_param: false });
        id
    }

    pub(crate) fn lookup(&self, name: &str) -> Option<LocalId> {
        self.scopes.iter().rev().flat_map(|s| s.iter().rev()).find(|(n, _)| n == name).map(|(_, id)| *id)
    }

    /// A reference to `name`: the local in scope, else a free name.
    pub(crate) fn name(&mut self, name: &str, span: Span) -> ExprId {
        match self.lookup(name) {
            Some(id) => self.expr(ExprKind::Local(id), span),
            None => self.expr(ExprKind::Name(name.to_string()), span),
        }
    }

    // ----- expressions -------------------------------------------------------

    pub(crate) fn expr(&mut self, kind: ExprKind, span: Span) -> ExprId {
        let id = ExprId::from_index(self.func.exprs.len());
        self.func.exprs.push(Expr { kind, span });
        id
    }

    pub(crate) fn unknown(&mut self, span: Span) -> ExprId {
        self.expr(ExprKind::Unknown, span)
    }

    pub(crate) fn expr_kind(&self, id: ExprId) -> Option<&ExprKind> {
        self.func.exprs.get(id.index()).map(|e| &e.kind)
    }

    pub(crate) fn expr_span(&self, id: ExprId) -> Span {
        self.func.exprs.get(id.index()).map(|e| e.span).unwrap_or_default()
    }

    /// Adds a call; its arguments must already be lowered (evaluation order).
    pub(crate) fn call(&mut self, callee: &str, receiver: Option<ExprId>, args: Vec<ExprId>, span: Span) -> ExprId {
        let call_id = CallId::from_index(self.func.calls.len());
        let expr = self.expr(ExprKind::Call(call_id), span);
        let path = CallPath::Plain;
        self.func.calls.push(Call { callee: callee.to_string(), receiver, args, span, expr, path, scope: None });
        expr
    }

    /// Marks how the last call added qualifies its callee (`super::F`, `::F`).
    pub(crate) fn mark_path(&mut self, path: CallPath) {
        if let Some(c) = self.func.calls.last_mut() {
            c.path = path;
        }
    }

    /// Marks the last call added as a C++ `scope::F`.
    pub(crate) fn mark_scoped(&mut self, scope: Option<String>) {
        if let Some(c) = self.func.calls.last_mut() {
            c.path = CallPath::Scoped;
            c.scope = scope;
        }
    }

    // ----- statements --------------------------------------------------------

    fn push_stmt(&mut self, stmt: Stmt) {
        if let Some((stmts, None)) = self.blocks.get_mut(self.cur.index()) {
            stmts.push(stmt);
        }
    }

    pub(crate) fn assign(&mut self, place: Place, value: ExprId, span: Span) {
        self.push_stmt(Stmt::Assign { place, value, span });
    }

    pub(crate) fn eval(&mut self, e: ExprId) {
        self.push_stmt(Stmt::Eval(e));
    }

    // ----- control flow ------------------------------------------------------

    pub(crate) fn new_block(&mut self) -> BlockId {
        let id = BlockId::from_index(self.blocks.len());
        self.blocks.push((Vec::new(), None));
        id
    }

    /// Ends the current block with `term` and continues in a fresh,
    /// so far unreachable block.
    pub(crate) fn terminate(&mut self, term: Terminator) {
        if let Some(slot) = self.blocks.get_mut(self.cur.index()) {
            if slot.1.is_none() {
                slot.1 = Some(term);
            }
        }
        self.cur = self.new_block();
    }

    /// Ends the current block with `term` without opening a new one: the
    /// caller continues elsewhere with [`FnBuilder::switch_to`].
    pub(crate) fn end_block(&mut self, term: Terminator) {
        if let Some(slot) = self.blocks.get_mut(self.cur.index()) {
            if slot.1.is_none() {
                slot.1 = Some(term);
            }
        }
    }

    /// Continues in `bb` (which the caller has made reachable, or not).
    pub(crate) fn switch_to(&mut self, bb: BlockId) {
        self.cur = bb;
    }

    /// Falls through from the current block into `bb` and continues there.
    pub(crate) fn goto_and_continue(&mut self, bb: BlockId) {
        self.terminate(Terminator::Goto(bb));
        self.cur = bb;
    }

    pub(crate) fn goto(&mut self, bb: BlockId) {
        self.terminate(Terminator::Goto(bb));
    }

    /// Branches on `cond`; returns the (then, else) blocks, current is neither.
    pub(crate) fn branch(&mut self, cond: ExprId) -> (BlockId, BlockId) {
        let then_ = self.new_block();
        let else_ = self.new_block();
        self.terminate(Terminator::Branch { cond, then_, else_ });
        (then_, else_)
    }

    /// Branches on `cond` with the else edge to an existing block (the
    /// shared failure target of `if let .. && let ..` chains); continues in
    /// the new "then" block, which it returns.
    pub(crate) fn branch_else_to(&mut self, cond: ExprId, else_: BlockId) -> BlockId {
        let then_ = self.new_block();
        self.terminate(Terminator::Branch { cond, then_, else_ });
        self.cur = then_;
        then_
    }

    /// A `match`: one target per arm, no fall-through and no implicit
    /// default (a `match` is exhaustive); the current block is none of them.
    pub(crate) fn match_arms(&mut self, scrutinee: ExprId, arms: usize) -> Vec<BlockId> {
        let targets: Vec<BlockId> = (0..arms).map(|_| self.new_block()).collect();
        self.terminate(Terminator::Switch { scrutinee, targets: targets.clone() });
        targets
    }

    /// A choice not written as a condition (`#ifdef` arms, a closure body).
    pub(crate) fn either(&mut self, n: usize) -> Vec<BlockId> {
        let targets: Vec<BlockId> = (0..n).map(|_| self.new_block()).collect();
        self.terminate(Terminator::Either(targets.clone()));
        targets
    }

    pub(crate) fn ret(&mut self, value: Option<ExprId>) {
        match self.return_targets.last().copied().flatten() {
            Some(bb) => {
                // A closure's result (or a return through `__finally`) goes
                // where this function cannot follow it: handed on, not discarded.
                if let Some(v) = value {
                    let span = self.func.exprs.get(v.index()).map(|e| e.span).unwrap_or_default();
                    self.assign(Place { root: PlaceRoot::Unknown, path: Vec::new() }, v, span);
                }
                self.goto(bb);
            }
            None => self.terminate(Terminator::Return(value)),
        }
    }

    /// Returns from here on go to `bb` (a `__finally` block) instead of
    /// leaving the function; [`FnBuilder::pop_return_target`] ends that.
    pub(crate) fn push_return_target(&mut self, bb: BlockId) {
        self.return_targets.push(Some(bb));
    }

    pub(crate) fn pop_return_target(&mut self) {
        self.return_targets.pop();
    }

    /// Whether some finished block jumps to `bb`.
    pub(crate) fn is_target(&self, bb: BlockId) -> bool {
        self.blocks.iter().any(|(_, term)| term.as_ref().is_some_and(|t| t.successors().contains(&bb)))
    }

    // loops

    pub(crate) fn push_loop(&mut self, label: Option<String>, break_to: BlockId, continue_to: Option<BlockId>) {
        let scope_depth = self.scopes.len();
        self.loops.push(LoopTargets { label, break_to, continue_to, scope_depth });
    }

    pub(crate) fn pop_loop(&mut self) {
        self.loops.pop();
    }

    fn find_loop(&self, label: Option<&str>, want_continue: bool) -> Option<&LoopTargets> {
        self.loops
            .iter()
            .rev()
            .find(|l| (label.is_none() || l.label.as_deref() == label) && (!want_continue || l.continue_to.is_some()))
    }

    /// `break`: out of the innermost loop or `switch` (or the labelled loop).
    pub(crate) fn break_(&mut self, label: Option<&str>) {
        match self.find_loop(label, false).map(|l| (l.break_to, l.scope_depth)) {
            Some((bb, depth)) => {
                self.end_scopes_down_to(depth);
                self.goto(bb);
            }
            None => self.terminate(Terminator::Unreachable),
        }
    }

    pub(crate) fn continue_(&mut self, label: Option<&str>) {
        match self.find_loop(label, true).map(|l| (l.continue_to, l.scope_depth)) {
            Some((Some(bb), depth)) => {
                self.end_scopes_down_to(depth);
                self.goto(bb);
            }
            _ => self.terminate(Terminator::Unreachable),
        }
    }

    /// Records the end of every scope deeper than `depth` on this path (for
    /// destructors on `break`, or on a `return` from a closure), without
    /// leaving those scopes in the builder.
    pub(crate) fn end_scopes_down_to(&mut self, depth: usize) {
        let ended: Vec<LocalId> =
            self.scopes.iter().skip(depth).rev().flat_map(|s| s.iter().rev().map(|(_, id)| *id)).collect();
        for id in ended {
            self.push_stmt(Stmt::ScopeEnd(id));
        }
    }

    /// Before a `return`: the end of every open scope on this path (inside
    /// a closure, only the closure's own scopes: its `return` leaves the closure).
    pub(crate) fn end_all_scopes(&mut self) {
        let depth = self.closure_scopes.last().copied().unwrap_or(1);
        self.end_scopes_down_to(depth);
    }

    // labels and goto

    pub(crate) fn label_block(&mut self, name: &str) -> BlockId {
        if let Some(bb) = self.labels.get(name) {
            return *bb;
        }
        let bb = self.new_block();
        self.labels.insert(name.to_string(), bb);
        bb
    }

    pub(crate) fn goto_label(&mut self, name: &str) {
        let bb = self.label_block(name);
        self.goto(bb);
    }

    /// `name:` — falls through into the label's block.
    pub(crate) fn place_label(&mut self, name: &str) {
        let bb = self.label_block(name);
        self.goto_and_continue(bb);
    }

    // switch (C's case labels may fall through)

    /// Starts a `switch`; the body follows, with [`FnBuilder::case_label`] at each label.
    pub(crate) fn switch_begin(&mut self, scrutinee: ExprId, break_to: BlockId) {
        let head = self.cur;
        self.cur = self.new_block(); // code before the first label is dead
        // The head is terminated in switch_end, once the targets are known.
        self.switches.push(SwitchState { head, scrutinee, targets: Vec::new(), has_default: false });
        let scope_depth = self.scopes.len();
        self.loops.push(LoopTargets { label: None, break_to, continue_to: None, scope_depth });
    }

    /// `case X:` or `default:` — a new target, fallen into from the previous case.
    pub(crate) fn case_label(&mut self, is_default: bool) {
        let bb = self.new_block();
        if let Some(s) = self.switches.last_mut() {
            s.targets.push(bb);
            s.has_default |= is_default;
        }
        self.goto_and_continue(bb);
    }

    pub(crate) fn switch_end(&mut self, break_to: BlockId) {
        self.loops.pop();
        if let Some(mut s) = self.switches.pop() {
            if !s.has_default {
                s.targets.push(break_to);
            }
            let term = Terminator::Switch { scrutinee: s.scrutinee, targets: s.targets };
            if let Some(slot) = self.blocks.get_mut(s.head.index()) {
                slot.1 = Some(term);
            }
        }
        self.goto_and_continue(break_to);
    }

    // closures and lambdas: lowered in place, may or may not run

    /// Starts a closure body; returns the block after it.
    pub(crate) fn closure_begin(&mut self) -> BlockId {
        let arms = self.either(2);
        let after = arms[1];
        self.cur = arms[0];
        self.return_targets.push(Some(after));
        self.loops_stash.push(std::mem::take(&mut self.loops));
        self.closure_scopes.push(self.scopes.len());
        self.push_scope();
        after
    }

    pub(crate) fn closure_end(&mut self, after: BlockId) {
        self.pop_scope();
        self.closure_scopes.pop();
        self.return_targets.pop();
        self.loops = self.loops_stash.pop().unwrap_or_default();
        self.goto_and_continue(after);
    }

    /// Finishes the function: falling off the end returns.
    pub(crate) fn finish(mut self) -> Function {
        self.pop_scope();
        self.terminate(Terminator::Return(None));
        self.func.blocks = self
            .blocks
            .into_iter()
            .map(|(mut stmts, term)| {
                stmts.shrink_to_fit();
                Block { stmts, term: term.unwrap_or(Terminator::Unreachable) }
            })
            .collect();
        // The IR of every candidate file lives until the rules have run: no
        // slack from growing the arenas.
        self.func.exprs.shrink_to_fit();
        self.func.calls.shrink_to_fit();
        self.func.locals.shrink_to_fit();
        self.func
    }
}

/// Builds a file's constant scope: expressions without control flow.
impl FnBuilder {
    /// A builder for [`crate::ir::FileIr::const_scope`].
    pub(crate) fn const_scope() -> FnBuilder {
        FnBuilder::new("", Span::default())
    }

    /// The finished constant scope (its blocks are dropped: constants have no statements).
    pub(crate) fn finish_const_scope(self) -> Function {
        let mut f = self.finish();
        f.blocks.clear();
        f
    }
}
