//! Rust frontend: lowers a file to the IR with `syn`.
//!
//! The steps:
//! 1. [`scan::measure`] bounds the file's nesting without recursion. A file
//!    nested too deeply is not given to syn at all (its parser and the drop
//!    of its tree both recurse) and becomes a [`Problem`].
//! 2. A shallow file is parsed on the calling thread. A deeper one is parsed
//!    on a helper thread with a large stack, so the caller's stack size
//!    (rayon's 2 MiB workers) never limits what can be analysed.
//! 3. On a syntax error the file is split into top-level items
//!    ([`scan::split_items`]) that are parsed one by one: one broken function
//!    does not hide the others.
//! 4. Items become functions and constants (`items.rs`), statements and
//!    control flow become CFG blocks (`stmt.rs`, `flow.rs`), expressions and
//!    calls become IR expressions (`expr.rs`, `call.rs`), all as parts of one
//!    lowering context (`lower.rs`).
//!
//! Spans are byte offsets into the text given to [`lower`]: proc-macro2's
//! `span-locations` reports offsets into the string syn parsed, and each
//! parse records where that string starts in the file.

mod call;
mod expr;
mod flow;
mod items;
mod lower;
mod macros;
mod scan;
mod stmt;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_compact;
#[cfg(test)]
mod tests_robust;

use proc_macro2::Span as PmSpan;
#[cfg(test)]
pub(crate) use scan::bracket_ranges;

use super::Depth;
use super::builder::FnBuilder;
use crate::ir::{BlockId, ConstDef, FileIr, Function, Problem, Span, Stmt, Terminator};

/// Files nested deeper than this (brackets) are not analysed.
const MAX_BRACKET_DEPTH: usize = 256;
/// Files whose expressions nest deeper than this, counting operators and
/// prefix keywords as well as brackets ([`scan::Shape::max_nesting`]), are
/// not analysed.
const MAX_NESTING: usize = 4096;
/// Files at most this deep are parsed on the calling thread: in a debug
/// build that takes at most about 1.5 MiB of stack. Measured over the 4,400
/// files of a local cargo registry, 99% nest at most 46 deep (99.9% at most
/// 100, brackets at most 19), so almost every file is parsed inline.
const INLINE_BRACKET_DEPTH: usize = 24;
const INLINE_NESTING: usize = 64;
/// The helper thread's stack for deeper files: generous for the worst
/// measured cost per nesting level (about 42 KiB for a closure level in a
/// debug build). It is reserved, not committed: only what the parser touches
/// is ever backed by memory.
const DEEP_STACK_BASE: usize = 16 << 20;
const DEEP_STACK_PER_LEVEL: usize = 64 << 10;
const DEEP_STACK_MAX: usize = 256 << 20;

/// Lowers one Rust file. Never panics on any input.
pub(crate) fn lower(text: &str, depth: Depth) -> FileIr {
    lower_mapped(text, depth, &[])
}

/// [`lower`] of `text` without the byte ranges `dropped` (declarations that
/// focus wrote blanks over, outside every comment and literal): syn reads a
/// copy in which each of them, with the blanks around it, is one newline,
/// and every span is mapped back to `text`. On a binding crate's file
/// most bytes are such blanks, and syn's tokenizer paid for each of them.
pub(crate) fn lower_without(text: &str, dropped: &[(usize, usize)], depth: Depth) -> FileIr {
    match compact(text, dropped) {
        Some((short, map)) => lower_mapped(&short, depth, &map),
        None => lower(text, depth),
    }
}

/// `text` with each of `dropped` (sorted), widened over the ASCII blanks
/// around it, replaced by one newline (the blanks may have ended a line
/// comment); and the map from the copy's offsets to `text`'s: (offset in
/// the copy, offset in `text`) where each kept run starts. `None` when a
/// range is not within `text` or not blank.
fn compact(text: &str, dropped: &[(usize, usize)]) -> Option<(String, Vec<(usize, usize)>)> {
    let b = text.as_bytes();
    let mut short = String::with_capacity(text.len() / 4);
    let mut map = vec![(0, 0)];
    let mut kept_from = 0;
    for &(s, e) in dropped {
        if e > b.len() || s > e || !b[s..e].iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        // Within the blanks the last range was widened over.
        if e <= kept_from {
            continue;
        }
        let s = s.max(kept_from);
        let s = b[kept_from..s].iter().rposition(|c| !c.is_ascii_whitespace()).map_or(kept_from, |i| kept_from + i + 1);
        let e = b[e..].iter().position(|c| !c.is_ascii_whitespace()).map_or(b.len(), |i| e + i);
        if e - s < 2 {
            continue;
        }
        short.push_str(text.get(kept_from..s)?);
        short.push('\n');
        map.push((short.len(), e));
        kept_from = e;
    }
    short.push_str(text.get(kept_from..)?);
    Some((short, map))
}

/// [`lower`] of a text whose offsets `map` takes back to the file's (see
/// [`compact`]; empty: they are the file's).
fn lower_mapped(text: &str, depth: Depth, map: &[(usize, usize)]) -> FileIr {
    let shape = scan::measure(text);
    if shape.max_depth > MAX_BRACKET_DEPTH || shape.max_nesting > MAX_NESTING {
        let message = if shape.max_depth > MAX_BRACKET_DEPTH {
            format!("nesting deeper than {MAX_BRACKET_DEPTH} levels: file not analysed")
        } else {
            format!(
                "expressions nested deeper than {MAX_NESTING} levels \
                 (brackets, operators and keywords like `return`): file not analysed"
            )
        };
        let problems = vec![Problem { span: Span::new(0, 0), message }];
        return FileIr { problems, ..FileIr::default() };
    }
    if shape.max_depth <= INLINE_BRACKET_DEPTH && shape.max_nesting <= INLINE_NESTING {
        let ir = lower_parsed(text, depth, map);
        // proc-macro2 keeps every parsed text in a thread-local source map;
        // no span of this file is alive any more, so let the map go.
        proc_macro2::extra::invalidate_current_thread_spans();
        return ir;
    }
    let stack =
        DEEP_STACK_BASE.saturating_add(shape.max_nesting.saturating_mul(DEEP_STACK_PER_LEVEL)).min(DEEP_STACK_MAX);
    lower_on_deep_stack(text, depth, map, stack)
}

/// Runs [`lower_parsed`] on a helper thread with a large stack. The helper's
/// source map dies with it.
fn lower_on_deep_stack(text: &str, depth: Depth, map: &[(usize, usize)], stack: usize) -> FileIr {
    std::thread::scope(|s| {
        let spawned = std::thread::Builder::new()
            .name("rpclint-rust-parser".to_string())
            .stack_size(stack)
            .spawn_scoped(s, || lower_parsed(text, depth, map));
        match spawned {
            Ok(handle) => match handle.join() {
                Ok(ir) => ir,
                // Keep a panic a panic: the caller reports it per file.
                Err(payload) => std::panic::resume_unwind(payload),
            },
            Err(e) => {
                let message = format!("could not start a parser thread ({e}): file not analysed");
                FileIr { problems: vec![Problem { span: Span::new(0, 0), message }], ..FileIr::default() }
            }
        }
    })
}

/// Parses and lowers `text` on the current thread.
fn lower_parsed(text: &str, depth: Depth, map: &[(usize, usize)]) -> FileIr {
    let start = source_start(text);
    let body = text.get(start..).unwrap_or("");
    let mut out = FileOut::new(depth, map);
    if depth == Depth::ConstsOnly {
        // Only constants are wanted: parse item by item and skip functions.
        lower_by_items(&mut out, body, start, None);
        return out.finish();
    }
    match syn::parse_str::<syn::File>(body) {
        Ok(file) => {
            out.base = start;
            items::lower_items(&mut out, &file.items, &items::Owner::None);
        }
        Err(e) => {
            let whole = out.error_problem(&e, start, body.len());
            lower_by_items(&mut out, body, start, Some(whole));
        }
    }
    out.finish()
}

/// Where the Rust source starts: after a byte order mark and a shebang line
/// (`#!` not followed by `[`, which would be an inner attribute).
fn source_start(text: &str) -> usize {
    let mut start = 0;
    if text.starts_with('\u{feff}') {
        start = '\u{feff}'.len_utf8();
    }
    let rest = &text[start..];
    if let Some(after) = rest.strip_prefix("#!") {
        if !after.trim_start().starts_with('[') {
            start += rest.find('\n').unwrap_or(rest.len());
        }
    }
    start
}

/// Parses each top-level item of `body` alone. `whole` is the error of the
/// whole-file parse, reported only when no single item fails (so that one
/// mistake is not reported twice).
fn lower_by_items(out: &mut FileOut, body: &str, start: usize, whole: Option<Problem>) {
    let mut failed = false;
    for range in scan::split_items(body) {
        let Some(chunk) = body.get(range.clone()) else {
            continue;
        };
        if out.depth == Depth::ConstsOnly && is_fn_item(chunk) {
            continue;
        }
        let chunk_start = start + range.start;
        match syn::parse_str::<syn::File>(chunk) {
            Ok(file) => {
                out.base = chunk_start;
                // A macro's tokens hold positions in the chunk that defined it.
                out.macros.clear();
                items::lower_items(out, &file.items, &items::Owner::None);
            }
            Err(e) => {
                failed = true;
                let mut p = out.error_problem(&e, chunk_start, chunk.len());
                p.message.push_str(" (this item is not analysed)");
                out.problems.push(p);
            }
        }
    }
    if let Some(w) = whole {
        if !failed {
            out.problems.push(w);
        }
    }
}

/// Whether a top-level chunk is a function item (its first keyword after
/// attributes and qualifiers is `fn`): [`Depth::ConstsOnly`] skips those.
/// `const F: fn() = f;` is a constant; `pub(crate) const unsafe fn` is not.
fn is_fn_item(chunk: &str) -> bool {
    let mut rest = chunk.trim_start();
    // Outer and inner attributes: `#[..]`, `#![..]`.
    while let Some(after) = rest.strip_prefix('#') {
        let after = after.strip_prefix('!').unwrap_or(after).trim_start();
        if !after.starts_with('[') {
            return false;
        }
        let mut depth = 0usize;
        let mut end = after.len();
        for (i, c) in after.char_indices() {
            match c {
                '[' => depth += 1,
                ']' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        end = i + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = after[end..].trim_start();
    }
    let head_end = rest.find(['{', '=', ';']).unwrap_or(rest.len());
    let mut after_extern = false;
    for word in rest[..head_end].split(|c: char| !(c.is_alphanumeric() || c == '_')).filter(|w| !w.is_empty()) {
        match word {
            "fn" => return true,
            "pub" | "crate" | "super" | "self" | "in" | "const" | "async" | "unsafe" | "safe" | "default" => {}
            "extern" => {
                after_extern = true;
                continue;
            }
            // The ABI string of `extern "system" fn`.
            _ if after_extern => {}
            _ => return false,
        }
        after_extern = false;
    }
    false
}

/// What lowering one file collects.
pub(super) struct FileOut {
    /// Byte offset, in the text given to syn, of the piece it is parsing now.
    pub(super) base: usize,
    /// From offsets in the text given to syn to the file's ([`compact`]).
    map: Vec<(usize, usize)>,
    pub(super) depth: Depth,
    pub(super) functions: Vec<Function>,
    pub(super) consts: Vec<ConstDef>,
    /// Taken while a constant's expression is lowered.
    pub(super) const_scope: Option<FnBuilder>,
    pub(super) problems: Vec<Problem>,
    /// Items marked `#[cfg(test)]` or `#[test]` (see [`FileIr::test_regions`]).
    pub(super) test_regions: Vec<Span>,
    /// The single-arm `macro_rules!` macros of the text being parsed ([`macros`]).
    pub(super) macros: std::collections::HashMap<String, macros::MacroDef>,
}

impl FileOut {
    fn new(depth: Depth, map: &[(usize, usize)]) -> FileOut {
        FileOut {
            base: 0,
            map: map.to_vec(),
            depth,
            functions: Vec::new(),
            consts: Vec::new(),
            const_scope: Some(FnBuilder::const_scope()),
            problems: Vec::new(),
            test_regions: Vec::new(),
            macros: std::collections::HashMap::new(),
        }
    }

    /// A proc-macro2 span as a file span.
    pub(super) fn span(&self, s: PmSpan) -> Span {
        let r = s.byte_range();
        Span::new(self.in_file(self.base + r.start), self.in_file(self.base + r.end))
    }

    /// An offset in the text given to syn as one in the file.
    fn in_file(&self, at: usize) -> usize {
        match self.map.partition_point(|(short, _)| *short <= at).checked_sub(1).and_then(|i| self.map.get(i)) {
            Some(&(short, file)) => file + (at - short),
            None => at,
        }
    }

    /// From the start of `a` to the end of `b`.
    pub(super) fn span2(&self, a: PmSpan, b: PmSpan) -> Span {
        self.span(a).to(self.span(b))
    }

    /// A syntax error as a problem. Lexer errors point at the unclosed
    /// delimiter or literal; errors without a position are placed at the end
    /// of the parsed text.
    fn error_problem(&self, e: &syn::Error, start: usize, len: usize) -> Problem {
        let r = e.span().byte_range();
        let span = if r.is_empty() && r.start == 0 {
            Span::new(self.in_file(start + len), self.in_file(start + len))
        } else {
            Span::new(self.in_file(start + r.start), self.in_file(start + r.end))
        };
        let message = e.to_string();
        // proc-macro2's lexer error says nothing about the cause.
        let message = if message == "cannot parse string into token stream" {
            "unclosed or unbalanced delimiter, or unterminated literal".to_string()
        } else {
            message
        };
        Problem { span, message: format!("syntax error: {message}") }
    }

    fn finish(mut self) -> FileIr {
        // Nested functions are finished before the function around them.
        self.functions.sort_by_key(|f| f.span.start);
        self.consts.sort_by_key(|c| c.span.start);
        let const_scope = self.const_scope.take().unwrap_or_else(FnBuilder::const_scope).finish_const_scope();
        self.test_regions.sort();
        // A test function inside a test module is covered by the module.
        self.test_regions.dedup_by(|inner, outer| inner.end <= outer.end);
        FileIr {
            functions: self.functions,
            consts: self.consts,
            const_scope,
            problems: self.problems,
            test_regions: self.test_regions,
        }
    }
}

/// Removes blocks nothing reaches that hold nothing but scope ends: the
/// builder starts a fresh block after every `return`, `break` and `goto`.
/// Unreachable blocks with real statements (dead code) are kept.
pub(super) fn compact_blocks(f: &mut Function) {
    let n = f.blocks.len();
    if n == 0 {
        return;
    }
    let mut reachable = vec![false; n];
    let mut work = vec![0usize];
    reachable[0] = true;
    while let Some(b) = work.pop() {
        for s in f.blocks[b].term.successors() {
            if let Some(r) = reachable.get_mut(s.index()) {
                if !*r {
                    *r = true;
                    work.push(s.index());
                }
            }
        }
    }
    let keep: Vec<bool> =
        (0..n).map(|i| reachable[i] || f.blocks[i].stmts.iter().any(|s| !matches!(s, Stmt::ScopeEnd(_)))).collect();
    if keep.iter().all(|k| *k) {
        return;
    }
    let mut new_index = vec![0usize; n];
    let mut next = 0;
    for i in 0..n {
        new_index[i] = next;
        if keep[i] {
            next += 1;
        }
    }
    let renumber = |b: BlockId| BlockId::from_index(new_index[b.index()]);
    let blocks = std::mem::take(&mut f.blocks);
    for (i, mut block) in blocks.into_iter().enumerate() {
        if !keep[i] {
            continue;
        }
        block.term = match block.term {
            Terminator::Goto(t) if keep[t.index()] => Terminator::Goto(renumber(t)),
            Terminator::Branch { cond, then_, else_ } if keep[then_.index()] && keep[else_.index()] => {
                Terminator::Branch { cond, then_: renumber(then_), else_: renumber(else_) }
            }
            Terminator::Switch { scrutinee, targets } if targets.iter().all(|t| keep[t.index()]) => {
                Terminator::Switch { scrutinee, targets: targets.into_iter().map(renumber).collect() }
            }
            Terminator::Either(targets) if targets.iter().all(|t| keep[t.index()]) => {
                Terminator::Either(targets.into_iter().map(renumber).collect())
            }
            t @ (Terminator::Return(_) | Terminator::Unreachable) => t,
            // An edge from kept dead code into a removed block: both are
            // unreachable, so the edge carries nothing.
            _ => Terminator::Unreachable,
        };
        f.blocks.push(block);
    }
}
