//! C and C++ frontend: tree-sitter-c (`.c`) and tree-sitter-cpp (C++ and
//! `.h`) trees lowered into the IR.
//!
//! The text is first cleaned of Windows annotation macros (`WINAPI`, SAL,
//! the `extern "C"` guard), keeping every byte offset ([`sanitize`]), then
//! parsed by a per-thread parser, then walked once:
//! - [`items`]: top-level structure (functions, classes, namespaces,
//!   templates, `extern "C"`, preprocessor arms), constants (`#define`,
//!   `enum`, `const`, initialised globals);
//! - [`stmt`]: statements into the CFG;
//! - [`decl`]: declarations and initialisers (aggregates);
//! - [`expr`]: expressions, calls and assignment places;
//! - [`macro_expr`]: `#define` values, parsed from text;
//! - [`literal`]: integer, character and string literals.
//!
//! Every recursive step counts its depth; past [`MAX_DEPTH`] the subtree
//! becomes `Unknown` and one "nesting too deep" problem is recorded, so a
//! 10,000-level input never overflows the stack. Syntax errors become
//! problems, and the code around and inside them is still lowered.

mod decl;
mod defines;
mod expr;
mod items;
mod literal;
mod macro_expr;
mod ranges;
pub(crate) mod reuse;
mod sanitize;
pub(crate) use defines::{lower_defines, may_be_decided};
#[cfg(test)]
pub(crate) use {macro_expr::literal_ranges, sanitize::sanitize};
mod stmt;
#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::collections::HashSet;
use std::ops::ControlFlow;
use std::time::Instant;

use tree_sitter::{Node, Parser, TreeCursor};

use self::ranges::code_ranges;
use super::Depth;
use super::builder::FnBuilder;
use crate::ir::{ConstDef, FileIr, Function, LocalId, Problem, Span};

/// How deep the lowering recurses into statements and expressions before it
/// gives up on a subtree.
pub(super) const MAX_DEPTH: u32 = 200;

/// Syntax-error problems reported per file at most.
const MAX_PROBLEMS: usize = 20;

thread_local! {
    static C_PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
    static CPP_PARSER: RefCell<Option<Parser>> = const { RefCell::new(None) };
}

/// Why tree-sitter gave no tree.
enum ParseFailure {
    /// The deadline passed; the parser was stopped.
    TimedOut,
    /// No parser (the grammar did not load, or the thread's parser is busy).
    NoParser,
}

/// Parses `text`; with `reuse`, from the last parse's tree edited to match
/// ([`reuse`]), and kept for the next one. A reused parse with a syntax
/// error is done again from scratch, so errors recover as in a fresh parse.
fn parse(text: &str, cpp: bool, deadline: Option<Instant>, reuse: bool) -> Result<tree_sitter::Tree, ParseFailure> {
    let old = if reuse { reuse::previous(text, cpp) } else { None };
    let reused = old.is_some();
    let mut tree = parse_from(text, cpp, deadline, old.as_ref())?;
    if reused && tree.root_node().has_error() {
        tree = parse_from(text, cpp, deadline, None)?;
    }
    if reuse {
        reuse::remember(text, cpp, &tree);
    }
    Ok(tree)
}

fn parse_from(
    text: &str,
    cpp: bool,
    deadline: Option<Instant>,
    old: Option<&tree_sitter::Tree>,
) -> Result<tree_sitter::Tree, ParseFailure> {
    let slot = if cpp { &CPP_PARSER } else { &C_PARSER };
    slot.with(|cell| {
        let mut guard = cell.try_borrow_mut().map_err(|_| ParseFailure::NoParser)?;
        if guard.is_none() {
            let mut p = Parser::new();
            let lang: tree_sitter::Language =
                if cpp { tree_sitter_cpp::LANGUAGE.into() } else { tree_sitter_c::LANGUAGE.into() };
            p.set_language(&lang).map_err(|_| ParseFailure::NoParser)?;
            *guard = Some(p);
        }
        let parser = guard.as_mut().ok_or(ParseFailure::NoParser)?;
        let bytes = text.as_bytes();
        // Long runs of blanks (function bodies the focus pass blanked) are
        // left out of the parse: tree-sitter would lex them byte by byte.
        // An empty list means the whole text.
        if parser.set_included_ranges(&code_ranges(bytes)).is_err() {
            let _ = parser.set_included_ranges(&[]);
        }
        let mut read = |i: usize, _| bytes.get(i..).unwrap_or_default();
        let Some(deadline) = deadline else {
            return parser.parse_with_options(&mut read, old, None).ok_or(ParseFailure::NoParser);
        };
        // Tree-sitter asks this every few hundred steps whether to go on.
        let mut stopped = false;
        let mut progress = |_: &tree_sitter::ParseState| {
            if Instant::now() >= deadline {
                stopped = true;
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        };
        let options = tree_sitter::ParseOptions::new().progress_callback(&mut progress);
        let tree = parser.parse_with_options(&mut read, old, Some(options));
        if stopped || tree.is_none() {
            // A stopped parser would resume this parse on its next call.
            parser.reset();
        }
        match tree {
            Some(tree) => Ok(tree),
            None if stopped => Err(ParseFailure::TimedOut),
            None => Err(ParseFailure::NoParser),
        }
    })
}

#[cfg(test)]
pub(crate) fn lower(text: &str, cpp: bool, depth: Depth) -> FileIr {
    lower_within(text, cpp, depth, None).unwrap_or_default()
}

/// Lowers `text`, or gives `None` when parsing did not finish by `deadline`.
/// A file the rules read reuses the last parse when [`reuse`] is enabled.
pub(crate) fn lower_within(text: &str, cpp: bool, depth: Depth, deadline: Option<Instant>) -> Option<FileIr> {
    lower_reusing(text, cpp, depth, deadline, depth == Depth::Full && reuse::enabled())
}

fn lower_reusing(text: &str, cpp: bool, depth: Depth, deadline: Option<Instant>, reuse: bool) -> Option<FileIr> {
    let cleaned = sanitize::sanitize(text);
    let src = cleaned.as_deref().unwrap_or(text);
    let tree = match parse(src, cpp, deadline, reuse) {
        Ok(tree) => tree,
        Err(ParseFailure::TimedOut) => return None,
        Err(ParseFailure::NoParser) => {
            let problem = Problem { span: Span::new(0, text.len()), message: "could not parse this file".into() };
            return Some(FileIr { problems: vec![problem], ..FileIr::default() });
        }
    };
    let mut cx = Cx {
        src,
        cpp,
        full: depth == Depth::Full,
        depth: 0,
        reported_deep: false,
        problems: Vec::new(),
        consts: Vec::new(),
        functions: Vec::new(),
        cb: Some(FnBuilder::const_scope()),
        dead: Vec::new(),
        arrays: HashSet::new(),
        namespace: None,
    };
    let root = tree.root_node();
    cx.items(root, None);
    cx.scan_errors(root);
    let const_scope = cx.cb.take().unwrap_or_else(FnBuilder::const_scope).finish_const_scope();
    let mut problems = cx.problems;
    problems.sort_by_key(|p| (p.span.start, p.span.end));
    Some(FileIr { functions: cx.functions, consts: cx.consts, const_scope, problems, test_regions: Vec::new() })
}

/// The lowering of one file.
struct Cx<'t> {
    /// The (sanitised) text the tree was parsed from; same offsets as the file.
    src: &'t str,
    cpp: bool,
    /// `false` for [`Depth::ConstsOnly`]: function bodies are skipped.
    full: bool,
    depth: u32,
    reported_deep: bool,
    problems: Vec<Problem>,
    consts: Vec<ConstDef>,
    functions: Vec<Function>,
    /// The builder of [`FileIr::const_scope`]; taken while in use.
    cb: Option<FnBuilder>,
    /// Constant-false preprocessor regions (`#if 0`): their errors are not reported.
    dead: Vec<Span>,
    /// The array locals of the function being lowered (`a[i] = x` writes `a`).
    arrays: HashSet<LocalId>,
    /// The innermost named namespace being lowered.
    namespace: Option<String>,
}

impl<'t> Cx<'t> {
    fn text(&self, n: Node<'_>) -> &'t str {
        self.src.get(n.byte_range()).unwrap_or("")
    }

    /// Enters a recursive step; `false` (and one recorded problem) when too deep.
    fn enter(&mut self, n: Node<'_>) -> bool {
        if self.depth >= MAX_DEPTH {
            self.too_deep(span(n));
            return false;
        }
        self.depth += 1;
        true
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn too_deep(&mut self, span: Span) {
        if !self.reported_deep {
            self.reported_deep = true;
            self.problems.push(Problem { span, message: "nesting too deep: this region was not analysed".to_string() });
        }
    }

    /// Runs `f` with the constant-scope builder.
    fn with_consts<R>(&mut self, f: impl FnOnce(&mut Self, &mut FnBuilder) -> R) -> Option<R> {
        let mut cb = self.cb.take()?;
        let r = f(self, &mut cb);
        self.cb = Some(cb);
        Some(r)
    }

    /// The name a type, declarator or path ends with: `ns::Foo` is `Foo`,
    /// `CComPtr<IFoo>` is `CComPtr`, `struct _QOS` is `_QOS`, `auto` is none.
    fn last_ident(&self, n: Node<'_>) -> Option<String> {
        last_ident_node(n).map(|n| self.text(n).to_string())
    }

    /// Records every `ERROR` and `MISSING` node as a problem, merging nested
    /// and adjacent ones. An `ERROR` that holds well-formed definitions or
    /// statements (tree-sitter's recovery often wraps a whole file) is
    /// reported only for its unparsable parts. A work list, not recursion,
    /// and only into subtrees that hold errors.
    fn scan_errors(&mut self, root: Node<'_>) {
        let mut found: Vec<Problem> = Vec::new();
        let mut work = vec![root];
        while let Some(n) = work.pop() {
            if found.len() >= MAX_PROBLEMS * 10 {
                break;
            }
            if n.is_missing() {
                let message = if n.is_named() {
                    format!("syntax error: missing {}", n.kind())
                } else {
                    format!("syntax error: missing `{}`", n.kind())
                };
                self.report(&mut found, span(n), message);
                continue;
            }
            if !n.has_error() {
                continue;
            }
            let children: Vec<Node<'_>> = kids(n).map(|(_, k)| k).collect();
            if n.is_error() && !children.iter().any(|k| is_complete(*k)) {
                self.report(&mut found, span(n), "syntax error: could not parse this region".into());
                continue;
            }
            // Children in reverse so that the work list pops them in order.
            let mut run: Option<Span> = None;
            let mut pending: Vec<Node<'_>> = Vec::new();
            for k in children {
                if n.is_error() && !is_complete(k) && !k.has_error() && !k.is_extra() {
                    run = Some(run.map_or(span(k), |r| r.to(span(k))));
                    continue;
                }
                if let Some(r) = run.take() {
                    self.report(&mut found, r, "syntax error: could not parse this region".into());
                }
                if k.has_error() || k.is_missing() {
                    pending.push(k);
                }
            }
            if let Some(r) = run {
                self.report(&mut found, r, "syntax error: could not parse this region".into());
            }
            work.extend(pending.into_iter().rev());
        }
        found.sort_by_key(|p| (p.span.start, p.span.end));
        let mut merged: Vec<Problem> = Vec::new();
        for p in found {
            self.merge_problem(&mut merged, p);
        }
        merged.truncate(MAX_PROBLEMS);
        self.problems.extend(merged);
    }

    fn report(&self, found: &mut Vec<Problem>, sp: Span, message: String) {
        if self.dead.iter().any(|d| d.start <= sp.start && sp.end <= d.end) {
            return;
        }
        found.push(Problem { span: sp, message });
    }

    /// Adds `p` to the sorted list, merged into the last problem when they
    /// overlap or only whitespace separates them (an `ERROR` wins the message).
    fn merge_problem(&self, merged: &mut Vec<Problem>, p: Problem) {
        if let Some(last) = merged.last_mut() {
            let gap = self.src.get(last.span.end as usize..p.span.start as usize);
            if p.span.start <= last.span.end || gap.is_some_and(|g| g.trim().is_empty()) {
                last.span = last.span.to(p.span);
                if p.message.contains("could not parse") {
                    last.message = p.message;
                }
                return;
            }
        }
        merged.push(p);
    }
}

/// A well-formed construct that error recovery kept whole.
fn is_complete(n: Node<'_>) -> bool {
    let k = n.kind();
    n.is_named()
        && !n.has_error()
        && (k.ends_with("_statement")
            || k.ends_with("_definition")
            || k.ends_with("declaration")
            || k.ends_with("_specifier")
            || k.starts_with("preproc_")
            || k == "comment"
            || k == "linkage_specification")
}

pub(super) fn span(n: Node<'_>) -> Span {
    Span::new(n.start_byte(), n.end_byte())
}

/// The children of a node, through a cursor (indexing children is quadratic).
pub(super) struct Kids<'n> {
    cur: TreeCursor<'n>,
    started: bool,
    done: bool,
}

impl<'n> Iterator for Kids<'n> {
    /// The child and its field name.
    type Item = (Option<&'n str>, Node<'n>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let moved = if self.started { self.cur.goto_next_sibling() } else { self.cur.goto_first_child() };
        self.started = true;
        if !moved {
            self.done = true;
            return None;
        }
        let field = self.cur.field_name();
        Some((field, self.cur.node()))
    }
}

/// All children (named and anonymous) with their field names.
pub(super) fn kids(n: Node<'_>) -> Kids<'_> {
    Kids { cur: n.walk(), started: false, done: false }
}

/// The named, non-comment children.
pub(super) fn named(n: Node<'_>) -> impl Iterator<Item = Node<'_>> {
    kids(n).map(|(_, k)| k).filter(|k| k.is_named() && k.kind() != "comment")
}

/// The node naming what `n` ends with (see [`Cx::last_ident`]); a loop, not recursion.
pub(super) fn last_ident_node(n: Node<'_>) -> Option<Node<'_>> {
    let mut n = n;
    for _ in 0..10_000 {
        let next = match n.kind() {
            "identifier"
            | "type_identifier"
            | "field_identifier"
            | "namespace_identifier"
            | "statement_identifier"
            | "primitive_type"
            | "operator_name"
            | "this" => return Some(n),
            "qualified_identifier"
            | "template_type"
            | "template_function"
            | "template_method"
            | "struct_specifier"
            | "class_specifier"
            | "union_specifier"
            | "enum_specifier" => n.child_by_field_name("name")?,
            "sized_type_specifier" => {
                return n.child_by_field_name("type").or_else(|| named(n).last());
            }
            "destructor_name"
            | "dependent_name"
            | "dependent_type"
            | "type_descriptor"
            | "field_designator"
            | "parenthesized_expression" => {
                if let Some(t) = n.child_by_field_name("type") {
                    t
                } else {
                    named(n).last()?
                }
            }
            _ => return None,
        };
        n = next;
    }
    None
}
