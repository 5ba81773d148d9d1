//! Inline suppressions: `// rpclint: allow(rule-a, rule-b) -- reason` and
//! `rpclint: allow-file(rule)`, in `//` or `/* */` comments of C, C++ and Rust.
//!
//! The shared [`crate::lexer`] finds the comments of a file (past string
//! and character literals, raw strings, Rust's nested block comments), and a
//! small reader finds directives inside a comment's text, as ruff's `noqa.rs`
//! does. Where a directive applies:
//! * `allow(..)` in a comment that shares its line with code: that line;
//! * `allow(..)` in a comment on lines of its own: the next line with code,
//!   past further comment-only lines but not past a blank line;
//! * `allow-file(..)`: the whole file.
//!
//! A finding applies on the first line of its call and on the line where
//! its primary span (the argument carrying the value) starts, so that a
//! comment above the call, after its first line, or after the argument all
//! work, and moving the primary span suppresses nothing less. Suppressed findings are
//! kept, marked with the reason (SARIF writes them as `suppressions`). Names
//! that are not rules are warnings; names of rules that ran and matched
//! nothing are `unused-suppression` findings when that rule is enabled; their
//! fix deletes the name from the comment, or the comment when no name stays.

use memchr::memmem;

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Suppression};
use crate::frontend::Lang;
use crate::ir::Span;
use crate::lexer::{Dialect, Kind, Lexer, is_ident_continue};
use crate::report::Warning;
use crate::rules::Rule;
use crate::source::{FileId, SourceFile};

/// The text every directive starts with; files without it are not lexed.
const MARKER: &[u8] = b"rpclint";

/// Whether a file's bytes may hold a suppression comment.
pub(crate) fn may_have_directives(bytes: &[u8]) -> bool {
    memmem::find(bytes, MARKER).is_some()
}

/// A comment: the whole of it, and its text without `//`, `/*`, `*/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Comment {
    start: usize,
    end: usize,
    body_start: usize,
    body_end: usize,
}

/// What the lexer learned about a file.
#[derive(Debug, Default)]
struct Lexed {
    comments: Vec<Comment>,
    /// Per 0-based line: holds code (anything that is not a comment or space).
    code: Vec<bool>,
    /// Per 0-based line: holds (part of) a comment.
    comment: Vec<bool>,
}

/// Finds the comments of `text`, and which lines hold code.
fn lex(text: &str, lang: Lang) -> Lexed {
    let b = text.as_bytes();
    let newlines = |r: std::ops::Range<usize>| memchr::memchr_iter(b'\n', &b[r]).count();
    let lines = newlines(0..b.len()) + 1;
    let mut out = Lexed { comments: Vec::new(), code: vec![false; lines], comment: vec![false; lines] };
    // The 0-based line of `seen`.
    let (mut line, mut seen) = (0usize, 0usize);
    for t in Lexer::new(b, lang.dialect()) {
        if t.kind == Kind::DirectiveEnd {
            continue;
        }
        line += newlines(seen..t.start);
        let spanned = newlines(t.start..t.end);
        let lines = if t.is_comment() { &mut out.comment } else { &mut out.code };
        for l in line..=line + spanned {
            if let Some(x) = lines.get_mut(l) {
                *x = true;
            }
        }
        if t.is_comment() {
            let (body_start, body_end) = t.comment_body();
            out.comments.push(Comment { start: t.start, end: t.end, body_start, body_end });
        }
        line += spanned;
        seen = t.end;
    }
    out
}

/// The ranges of the comments the lexer found (for the lexer's agreement test).
#[cfg(test)]
pub(crate) fn comment_ranges(text: &str, lang: Lang) -> Vec<(usize, usize)> {
    lex(text, lang).comments.iter().map(|c| (c.start, c.end)).collect()
}

/// One `rpclint: allow(...)` or `allow-file(...)`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Directive {
    file_scope: bool,
    /// The 0-based line it applies to; `None` when a blank line follows it.
    target: Option<usize>,
    /// Rule names as written, with their byte spans in the file.
    names: Vec<(String, Span)>,
    reason: Option<String>,
    /// What to delete when every name goes: the comment, with its line
    /// when nothing else is on it, or with the spaces before it after code;
    /// `None` when the comment holds more than this directive.
    whole: Option<Span>,
}

/// A directive that could not be read, at a byte offset.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Malformed {
    offset: usize,
    message: String,
}

/// A directive as read from a comment, before it is placed: file scope,
/// names with their spans, reason, and its byte range in the comment's text.
type Parsed = (bool, Vec<(String, Span)>, Option<String>, (usize, usize));

/// Reads every directive in one comment's text `body`, which starts at
/// byte `base` of the file.
fn directives_in(body: &str, base: usize) -> (Vec<Parsed>, Vec<Malformed>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let b = body.as_bytes();
    let mut from = 0;
    while let Some(k) = memmem::find(&b[from..], MARKER) {
        let at = from + k;
        from = at + MARKER.len();
        let boundary_before = at == 0 || !(is_ident_continue(b[at - 1], Dialect::Rust) || b[at - 1] == b'-');
        let mut p = Cursor { b, i: at + MARKER.len() };
        p.spaces();
        if !boundary_before || !p.eat(b':') {
            continue;
        }
        p.spaces();
        let word_start = p.i;
        let word = p.word();
        let file_scope = match word {
            "allow" => false,
            "allow-file" => true,
            _ => {
                let message = if word.is_empty() {
                    "suppression comment: expected `allow(` or `allow-file(` after `rpclint:`".to_string()
                } else {
                    format!("suppression comment: unknown directive `{word}`; expected `allow` or `allow-file`")
                };
                problems.push(Malformed { offset: base + word_start, message });
                continue;
            }
        };
        p.spaces();
        if !p.eat(b'(') {
            problems.push(Malformed {
                offset: base + p.i,
                message: format!("suppression comment: expected `(` after `rpclint: {word}`"),
            });
            continue;
        }
        let Some(close) = b[p.i..].iter().position(|&c| c == b')').map(|k| p.i + k) else {
            problems.push(Malformed {
                offset: base + p.i,
                message: format!("suppression comment: `rpclint: {word}(` is not closed with `)`"),
            });
            continue;
        };
        let mut names = Vec::new();
        let mut start = p.i;
        for end in (p.i..=close).filter(|&j| j == close || b[j] == b',') {
            let raw = &body[start..end];
            let lead = raw.len() - raw.trim_start().len();
            let name = raw.trim();
            if !name.is_empty() {
                let s = base + start + lead;
                names.push((name.to_string(), Span::new(s, s + name.len())));
            }
            start = end + 1;
        }
        from = close + 1;
        if names.is_empty() {
            problems.push(Malformed {
                offset: base + close,
                message: format!("suppression comment: `rpclint: {word}()` names no rule"),
            });
            continue;
        }
        let mut q = Cursor { b, i: close + 1 };
        q.spaces();
        let mut reason = None;
        if b[q.i..].starts_with(b"--") {
            let text: Vec<&str> = body[q.i + 2..].split_whitespace().collect();
            if !text.is_empty() {
                reason = Some(text.join(" "));
            }
            from = b.len();
        }
        found.push((file_scope, names, reason, (at, from)));
    }
    (found, problems)
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn spaces(&mut self) {
        while self.b.get(self.i).is_some_and(|c| c.is_ascii_whitespace()) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.b.get(self.i) == Some(&c);
        if hit {
            self.i += 1;
        }
        hit
    }

    fn word(&mut self) -> &'a str {
        let start = self.i;
        while self.b.get(self.i).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_') {
            self.i += 1;
        }
        std::str::from_utf8(&self.b[start..self.i]).unwrap_or("")
    }
}

/// Every directive of a file, with where it applies.
fn parse(source: &SourceFile, lang: Lang) -> (Vec<Directive>, Vec<Malformed>) {
    let text: &str = &source.text;
    let lexed = lex(text, lang);
    let mut directives = Vec::new();
    let mut problems = Vec::new();
    for c in &lexed.comments {
        let Some(body) = text.get(c.body_start..c.body_end) else { continue };
        if memmem::find(body.as_bytes(), MARKER).is_none() {
            continue;
        }
        let (found, mut bad) = directives_in(body, c.body_start);
        problems.append(&mut bad);
        if found.is_empty() {
            continue;
        }
        let start_line = source.line_index(offset32(c.start));
        let end_line = source.line_index(offset32(c.end.saturating_sub(1).max(c.start)));
        let has_code = |l: usize| lexed.code.get(l).copied().unwrap_or(false);
        let target = if has_code(start_line) {
            Some(start_line)
        } else if has_code(end_line) {
            Some(end_line)
        } else {
            let mut l = end_line + 1;
            loop {
                if l >= lexed.code.len() {
                    break None;
                }
                if has_code(l) {
                    break Some(l);
                }
                if !lexed.comment.get(l).copied().unwrap_or(false) {
                    break None;
                }
                l += 1;
            }
        };
        let whole = match found.as_slice() {
            [(.., (at, end))] if body[..*at].trim().is_empty() && body[*end..].trim().is_empty() => {
                deletion(text, c.start, c.end)
            }
            _ => None,
        };
        for (file_scope, names, reason, _) in found {
            let target = if file_scope { None } else { target };
            directives.push(Directive { file_scope, target, names, reason, whole });
        }
    }
    (directives, problems)
}

/// What deleting the comment at `start..end` of `text` removes: its lines
/// when nothing else is on them, else the comment and the spaces before it.
fn deletion(text: &str, start: usize, end: usize) -> Option<Span> {
    let line_start = text.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
    let after = text.get(end..)?;
    let line_end = after.find('\n').map_or(text.len(), |i| end + i + 1);
    let before = text.get(line_start..start)?;
    if before.trim().is_empty() && text.get(end..line_end)?.trim().is_empty() {
        return Some(Span::new(line_start, line_end));
    }
    let spaces = before.len() - before.trim_end().len();
    Some(Span::new(start - spaces, end))
}

/// The fix of an unused name of `d`: every reported name gone (`going`),
/// the whole comment; else this name, with the comma and spaces that join
/// it to the next name (to the previous one, for the last).
fn unused_fix(d: &Directive, index: usize, going: &[bool], file: FileId) -> Option<Fix> {
    let (name, span) = d.names.get(index)?;
    let (span, message) = if going.iter().all(|g| *g) {
        (d.whole?, "remove this suppression comment".to_string())
    } else {
        let span = match (d.names.get(index + 1), index.checked_sub(1).and_then(|i| d.names.get(i))) {
            (Some((_, next)), _) => Span::new(span.start as usize, next.start as usize),
            (None, Some((_, prev))) => Span::new(prev.end as usize, span.end as usize),
            (None, None) => return None,
        };
        (span, format!("remove `{name}` from this suppression comment"))
    };
    // Unsafe: the finding the comment was for may have moved, not gone.
    Fix::new(message, vec![Edit { file, span, replacement: String::new() }], Applicability::Unsafe)
}

fn offset32(o: usize) -> u32 {
    u32::try_from(o).unwrap_or(u32::MAX)
}

/// A file whose findings suppressions apply to.
pub(crate) struct SuppressFile<'a> {
    pub id: FileId,
    pub source: &'a SourceFile,
    pub lang: Lang,
    /// Whether its unused names are `unused-suppression` findings: not in
    /// a test file left unanalysed (a name there may well be used).
    pub reports_unused: bool,
}

/// What the rules of this run are, for judging names in directives.
pub(crate) struct RuleSet<'a> {
    /// Every rule rpclint knows.
    pub known: &'a [&'static Rule],
    /// The rules that ran.
    pub enabled: &'a [&'static Rule],
    /// `unused-suppression`, when it is enabled.
    pub unused: Option<&'static Rule>,
}

/// Marks suppressed findings in `diagnostics`, adds `unused-suppression`
/// findings when `rules.unused` is set, and returns the warnings about
/// directives that could not be used.
pub(crate) fn apply(
    diagnostics: &mut Vec<Diagnostic>,
    files: &[SuppressFile<'_>],
    rules: &RuleSet<'_>,
) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let mut unused_findings = Vec::new();
    let known: Vec<&str> = rules.known.iter().map(|r| r.name).collect();
    for f in files {
        if !may_have_directives(f.source.text.as_bytes()) {
            continue;
        }
        let (directives, problems) = parse(f.source, f.lang);
        let warn = |warnings: &mut Vec<Warning>, offset: usize, message: String| {
            let (line, column) = f.source.line_col(offset32(offset));
            warnings.push(Warning { path: f.source.display_path(), line, column, message });
        };
        for p in problems {
            warn(&mut warnings, p.offset, p.message);
        }
        if directives.is_empty() {
            continue;
        }
        for d in &directives {
            for (name, span) in &d.names {
                if !known.contains(&name.as_str()) {
                    let hint = crate::spelling::did_you_mean(name, &known)
                        .map(|k| format!("; did you mean `{k}`?"))
                        .unwrap_or_else(|| format!("; known rules: {}", known.join(", ")));
                    warn(
                        &mut warnings,
                        span.start as usize,
                        format!("unknown rule `{name}` in suppression comment{hint}"),
                    );
                }
            }
        }
        let mut used: Vec<Vec<bool>> = directives.iter().map(|d| vec![false; d.names.len()]).collect();
        for diag in diagnostics.iter_mut().filter(|d| d.file == f.id) {
            let lines = [f.source.line_index(diag.call_span.start), f.source.line_index(diag.span.start)];
            mark(diag, &lines, &directives, Some(&mut used));
        }
        let Some(unused_rule) = rules.unused.filter(|_| f.reports_unused) else { continue };
        for (d, flags) in directives.iter().zip(&used) {
            let going: Vec<bool> = d
                .names
                .iter()
                .zip(flags)
                .map(|((name, _), was_used)| {
                    !*was_used && name != unused_rule.name && rules.enabled.iter().any(|r| r.name == name.as_str())
                })
                .collect();
            for (index, ((name, span), goes)) in d.names.iter().zip(&going).enumerate() {
                if !goes {
                    continue;
                }
                let message = match (d.file_scope, d.target) {
                    (true, _) => format!("unused suppression: `{name}` does not fire in this file"),
                    (false, Some(l)) => format!("unused suppression: `{name}` does not fire on line {}", l + 1),
                    (false, None) => {
                        format!("unused suppression: `{name}` applies to no line (a blank line follows the comment)")
                    }
                };
                let help = if d.names.len() == 1 {
                    "remove this suppression comment".to_string()
                } else {
                    format!("remove `{name}` from this suppression comment")
                };
                let mut finding = Diagnostic::new(unused_rule.name, unused_rule.default_severity, f.id, *span, message)
                    .with_help(help)
                    .with_fix(unused_fix(d, index, &going, f.id));
                // `unused-suppression` named in the same comment, on the
                // comment's line, or in an allow-file.
                if d.names.iter().any(|(n, _)| n == unused_rule.name) {
                    finding.suppression = Some(Suppression { justification: d.reason.clone() });
                }
                mark(&mut finding, &[f.source.line_index(span.start)], &directives, None);
                unused_findings.push(finding);
            }
        }
    }
    diagnostics.append(&mut unused_findings);
    warnings
}

/// Suppresses `diag` (applying on 0-based `lines`) if a directive names its
/// rule on one of them, and records which directive names were used.
fn mark(diag: &mut Diagnostic, lines: &[usize], directives: &[Directive], mut used: Option<&mut Vec<Vec<bool>>>) {
    for (di, d) in directives.iter().enumerate() {
        if !(d.file_scope || d.target.is_some_and(|t| lines.contains(&t))) {
            continue;
        }
        for (ni, (name, _)) in d.names.iter().enumerate() {
            if name != diag.rule {
                continue;
            }
            if let Some(flag) = used.as_deref_mut().and_then(|u| u.get_mut(di)).and_then(|f| f.get_mut(ni)) {
                *flag = true;
            }
            if diag.suppression.is_none() {
                diag.suppression = Some(Suppression { justification: d.reason.clone() });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn source(text: &str) -> SourceFile {
        SourceFile::new("a.c".into(), Arc::from(text), crate::source::Encoding::Utf8)
    }

    fn comments(text: &str, lang: Lang) -> Vec<&str> {
        lex(text, lang).comments.iter().map(|c| &text[c.body_start..c.body_end]).collect()
    }

    #[test]
    fn lexer_skips_strings_chars_and_raw_strings() {
        let c = "x = \"// no\"; /* yes */ c = '\"'; // tail\ns = R\"x(// raw)x\"; // last\n";
        assert_eq!(comments(c, Lang::Cpp), [" yes ", " tail", " last"]);
        let r =
            "let s = r#\"// no \"quoted\" \"#; let l: &'a str = \"x\"; /* a /* nested */ b */ let c = '\\''; // end";
        assert_eq!(comments(r, Lang::Rust), [" a /* nested */ b ", " end"]);
        // A digit separator is not a character literal.
        assert_eq!(comments("int n = 1'000; // sep\n", Lang::Cpp), [" sep"]);
        // An unterminated C string ends at the line end.
        assert_eq!(comments("s = \"open\n// next\n", Lang::C), [" next"]);
    }

    #[test]
    fn directives_with_names_reasons_and_spans() {
        let body = " rpclint: allow(rule-a, rule-b) -- legacy  server ";
        let (found, problems) = directives_in(body, 100);
        assert!(problems.is_empty());
        let (file_scope, names, reason, range) = &found[0];
        assert!(!file_scope);
        assert_eq!(*range, (1, body.len()), "the reason runs to the comment's end");
        assert_eq!(names[0].0, "rule-a");
        assert_eq!(names[0].1, Span::new(100 + 16, 100 + 22));
        assert_eq!(names[1].0, "rule-b");
        assert_eq!(reason.as_deref(), Some("legacy server"));
        let (found, _) = directives_in("rpclint:allow-file( x )", 0);
        assert!(found[0].0);
        assert_eq!(found[0].1[0].0, "x");
        // Not a directive: part of a longer word.
        assert!(directives_in("see my-rpclint: allow(x)", 0).0.is_empty());
    }

    #[test]
    fn malformed_directives_are_reported() {
        let msg = |body: &str| directives_in(body, 0).1.into_iter().map(|m| m.message).collect::<Vec<_>>();
        assert_eq!(
            msg("rpclint: alow(x)"),
            ["suppression comment: unknown directive `alow`; expected `allow` or `allow-file`"]
        );
        assert_eq!(msg("rpclint: allow x"), ["suppression comment: expected `(` after `rpclint: allow`"]);
        assert_eq!(msg("rpclint: allow(x"), ["suppression comment: `rpclint: allow(` is not closed with `)`"]);
        assert_eq!(msg("rpclint: allow()"), ["suppression comment: `rpclint: allow()` names no rule"]);
    }

    #[test]
    fn targets_own_line_trailing_and_blank_lines() {
        let text = "a();\n// rpclint: allow(r1)\n// more words\nb(); // rpclint: allow(r2)\n/* rpclint: allow(r3) */\n\nc();\n/* rpclint: allow(r4)\n */ d();\n";
        let (ds, _) = parse(&source(text), Lang::C);
        let targets: Vec<(&str, Option<usize>)> = ds.iter().map(|d| (d.names[0].0.as_str(), d.target)).collect();
        assert_eq!(targets, [("r1", Some(3)), ("r2", Some(3)), ("r3", None), ("r4", Some(8))]);
    }

    #[test]
    fn a_deleted_comment_takes_its_line_or_the_spaces_before_it() {
        let text = "a();\r\n  // rpclint: allow(x)\r\nb(); /* rpclint: allow(x) */\n";
        let own = text.find("//").unwrap();
        let own_end = text[own..].find('\r').unwrap() + own;
        assert_eq!(super::deletion(text, own, own_end), Some(Span::new(6, own_end + 2)));
        let trailing = text.find("/*").unwrap();
        let end = text.len() - 1;
        assert_eq!(super::deletion(text, trailing, end), Some(Span::new(trailing - 1, end)));
    }
}
