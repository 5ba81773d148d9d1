//! Reach: how many of the API call sites in the checked files the analysis
//! could not read (a test file that a run leaves unanalysed is not checked:
//! its sites are not counted, see [`crate::testcode`]).
//!
//! A call inside a region the parser gave up on, or in a file that was not
//! analysed (too large, binary, timed out) is a silent miss: a pattern
//! matcher that tolerates the region would find it. So is a call the
//! parser's recovery moved out of its function without an error region
//! around it. The engine counts, per file, the sites the prefilter's names
//! find (a name followed by `(`, or Rust's `::<`, outside comments and
//! strings on its line and outside `#if 0`, which is never compiled), sorts each into "read" (a lowered call of that name
//! covers it), one of those classes, "declaration" (`HRESULT WINAPI Api(`),
//! or "definition" (inside a function blanked as the API's own definition:
//! a binding crate's `pub unsafe fn MakeSignature(..) { .. MakeSignature(..) }`,
//! Wine's implementation; the API's implementation, not a use of it, so out
//! of scope like a declaration). `RPCLINT_REACH=1` prints the sums and
//! lists every site not read, with its class, on stderr. Counting costs a
//! second search of each file, so `RPCLINT_TIMINGS=1` alone does not count:
//! the phase times it prints are those of a plain run.

use std::ops::AddAssign;

use crate::ir::{FileIr, Span};
use crate::source::SourceFile;

/// Sums of call sites by what the analysis made of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reach {
    /// Every call site found by the prefilter's names.
    pub sites: u64,
    /// A call the frontend lowered starts there.
    pub read: u64,
    /// Inside a region the frontend reported as unparsed (`parse-error`).
    pub parse_error: u64,
    /// Inside a function blanked before parsing as the API's own
    /// definition: the implementation, not a use (out of scope).
    pub definitions: u64,
    /// In a file that was not analysed (too large, binary, timed out).
    pub not_analysed: u64,
    /// A call no function holds although no error region covers it: the
    /// parser's recovery moved it out of its function (`todo_wine { .. }`
    /// closed the function early) or a macro hid it.
    pub lost: u64,
    /// A declaration or definition of the name (`HRESULT WINAPI Api(`, `fn Api(`).
    pub declarations: u64,
    /// Inside a function that waits for a word its API's findings need
    /// (`CreateFile` with no `pipe`, see `engine/phase1.rs`), not parsed:
    /// a use of the API, so in scope, but no miss (it cannot have a
    /// finding), like a deferred file's sites.
    pub waiting: u64,
}

impl Reach {
    /// The sites the analysis cannot read: the classes a reviewer would
    /// count as misses.
    pub fn unread(&self) -> u64 {
        self.parse_error + self.not_analysed + self.lost
    }

    /// The sites that are uses of an API: neither declarations nor inside
    /// the API's own definitions.
    pub fn in_scope(&self) -> u64 {
        self.sites.saturating_sub(self.declarations + self.definitions)
    }

    /// `unread` as a share of the sites in scope, in percent.
    pub fn unread_percent(&self) -> f64 {
        let n = self.in_scope();
        if n == 0 { 0.0 } else { 100.0 * self.unread() as f64 / n as f64 }
    }

    /// One line for `RPCLINT_TIMINGS`.
    pub fn summary(&self) -> String {
        format!(
            "reach: {} API call sites in scope, {} read, {} in functions waiting for a word, {} unread ({:.2}%: {} in parse errors, {} in files not analysed, {} lost by the parser's recovery); out of scope: {} declarations, {} in the API's own definitions",
            self.in_scope(),
            self.read,
            self.waiting,
            self.unread(),
            self.unread_percent(),
            self.parse_error,
            self.not_analysed,
            self.lost,
            self.declarations,
            self.definitions
        )
    }
}

impl AddAssign for Reach {
    fn add_assign(&mut self, o: Reach) {
        self.sites += o.sites;
        self.read += o.read;
        self.parse_error += o.parse_error;
        self.definitions += o.definitions;
        self.not_analysed += o.not_analysed;
        self.lost += o.lost;
        self.declarations += o.declarations;
        self.waiting += o.waiting;
    }
}

/// Whether the counts are wanted (`RPCLINT_REACH`; they cost a second
/// search of each file, so timings do not turn them on).
pub fn enabled() -> bool {
    listing()
}

/// Whether the sums are printed and every unread site is listed on stderr.
pub fn listing() -> bool {
    std::env::var_os("RPCLINT_REACH").is_some()
}

/// Of the name occurrences `names` (start, end, which name) in `text`, those that look
/// like a call: followed by `(` (or Rust's `::<`), not in a `//` comment nor
/// a string on their line, nor in a `/* */` comment.
pub fn call_sites(text: &[u8], names: impl IntoIterator<Item = (usize, usize, usize)>) -> Vec<usize> {
    let comments = block_comments(text);
    let disabled = if_zero_regions(text);
    let mut out: Vec<usize> = names
        .into_iter()
        .filter(|&(s, e, _)| is_called(text.get(e..).unwrap_or(&[])) && !in_comment_or_string(text, s, &comments))
        .filter(|&(s, _, _)| !disabled.iter().any(|&(a, b)| a <= s && s < b))
        .map(|(s, _, _)| s)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Whether what follows a name makes it a call: `(`, or Rust's generic
/// arguments and then `(` (`CoGetCallContext::<T>()`, not a type's
/// `Builder::<T>::new()` nor a vtable's `Api::<Identity, OFFSET>,`).
fn is_called(rest: &[u8]) -> bool {
    let skip = |r: &[u8]| r.iter().position(|b| !b.is_ascii_whitespace()).map_or(0, |i| i);
    let mut r = &rest[skip(rest)..];
    if let Some(generics) = r.strip_prefix(b"::<") {
        let mut depth = 1usize;
        let Some(end) = generics.iter().position(|&b| {
            match b {
                b'<' => depth += 1,
                b'>' => depth -= 1,
                _ => {}
            }
            depth == 0
        }) else {
            return false;
        };
        r = &generics[end + 1..];
        r = &r[skip(r)..];
    }
    r.starts_with(b"(")
}

/// The regions of `#if 0` (or `#if (0)`) up to its `#else`, `#elif` or
/// `#endif`: code that is never compiled holds no call to miss.
fn if_zero_regions(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    // The open `#if`s, with the start of the `#if 0` region each began.
    let mut open: Vec<Option<usize>> = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive(|&b| b == b'\n') {
        let start = at;
        at += line.len();
        let Some(rest) = line.trim_ascii_start().strip_prefix(b"#") else { continue };
        let rest = rest.trim_ascii_start();
        let word_len = rest.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        let (word, cond) = rest.split_at(word_len);
        let zero = || {
            let c: Vec<u8> = cond.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
            c.starts_with(b"0") && !c.get(1).is_some_and(u8::is_ascii_alphanumeric) || c.starts_with(b"(0)")
        };
        match word {
            b"if" => open.push(zero().then_some(at)),
            b"ifdef" | b"ifndef" => open.push(None),
            b"else" | b"elif" | b"elifdef" | b"elifndef" | b"endif" => {
                if let Some(Some(from)) = open.last().copied() {
                    out.push((from, start));
                }
                if word == b"endif" {
                    open.pop();
                } else if let Some(last) = open.last_mut() {
                    *last = None;
                }
            }
            _ => {}
        }
    }
    out
}

/// The `/* .. */` ranges of `text` (a `/*` inside a string is rare enough for a count).
fn block_comments(text: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(k) = text.get(i..).and_then(|t| t.windows(2).position(|w| w == b"/*")) {
        let start = i + k;
        // A `//` comment on the same line holds this `/*`.
        let line = text[..start].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        if text[line..start].windows(2).any(|w| w == b"//") {
            i = start + 2;
            continue;
        }
        let end = text.get(start + 2..).and_then(|t| t.windows(2).position(|w| w == b"*/"));
        let end = end.map_or(text.len(), |e| start + 2 + e + 2);
        out.push((start, end));
        i = end;
    }
    out
}

fn in_comment_or_string(text: &[u8], at: usize, comments: &[(usize, usize)]) -> bool {
    let k = comments.partition_point(|(s, _)| *s <= at);
    if k > 0 && at < comments[k - 1].1 {
        return true;
    }
    let line = text[..at].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let before = &text[line..at];
    before.windows(2).any(|w| w == b"//") || before.iter().filter(|&&b| b == b'"').count() % 2 == 1
}

/// What the analysis of one file made of its sites.
pub struct FileReach<'a> {
    /// Every lowered call (any function, kept or not): its span and callee.
    pub calls: &'a [(Span, &'a str)],
    /// Regions the frontend could not analyse.
    pub problems: &'a [Span],
    /// Functions blanked before parsing as the API's own definitions.
    pub definitions: &'a [Span],
    /// Functions blanked before parsing as waiting for a word.
    pub waiting: &'a [Span],
}

/// Sorts `sites` (offsets into `text`) into the classes of [`Reach`];
/// `unread` receives each site not read with its class. A site is read when
/// a lowered call of the name there covers it (a Rust path call's span
/// starts at its first segment).
pub fn classify(
    text: &[u8],
    sites: &[usize],
    file: &FileReach<'_>,
    mut unread: impl FnMut(usize, &'static str),
) -> Reach {
    let mut r = Reach::default();
    let inside = |spans: &[Span], at: usize| spans.iter().any(|s| s.start as usize <= at && at < s.end as usize);
    for &at in sites {
        r.sites += 1;
        let len =
            text.get(at..).map_or(0, |t| t.iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_').count());
        let word = text.get(at..at + len).unwrap_or(&[]);
        let read = file.calls.iter().any(|(span, callee)| {
            // `pQueryContextAttributesA(..)`: the site is the word after the prefix.
            (span.start as usize) <= at && at < span.end as usize && callee.as_bytes().ends_with(word)
        });
        if read {
            r.read += 1;
        } else if inside(file.problems, at) {
            r.parse_error += 1;
            unread(at, "parse error");
        } else if inside(file.definitions, at) {
            r.definitions += 1;
        } else if inside(file.waiting, at) {
            r.waiting += 1;
        } else if is_declaration(text, at) {
            r.declarations += 1;
        } else {
            r.lost += 1;
            unread(at, "lost");
        }
    }
    r
}

/// Whether the name at `at` is declared there rather than called: the
/// token before it is a type or a qualifier (`WINAPI Api(`, `fn Api(`), not
/// an operator or a keyword that starts an expression.
fn is_declaration(text: &[u8], at: usize) -> bool {
    let ident = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let mut before = &text[..at.min(text.len())];
    // The qualifiers of a member's definition (`HRESULT Class::Api(`) are part of the name.
    while let Some(rest) = before.strip_suffix(b"::") {
        let start = rest.iter().rposition(|b| !ident(b)).map_or(0, |i| i + 1);
        if start == rest.len() {
            break;
        }
        before = &rest[..start];
    }
    let end = before.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |i| i + 1);
    let Some(&last) = end.checked_sub(1).and_then(|i| before.get(i)) else { return false };
    if last == b'>' {
        return is_template_type(&before[..end]);
    }
    if !(last.is_ascii_alphanumeric() || last == b'_') {
        return false;
    }
    let start = before[..end].iter().rposition(|b| !(b.is_ascii_alphanumeric() || *b == b'_')).map_or(0, |i| i + 1);
    !matches!(
        &before[start..end],
        b"return" | b"else" | b"do" | b"case" | b"not" | b"await" | b"unsafe" | b"co_return" | b"co_await" | b"throw"
    )
}

/// Whether `before` (up to a name) ends in a template type that starts its
/// line: `Expected<std::tuple<A, B>> Api(` declares `Api` (only names,
/// scopes, pointers and references before the type on that line).
fn is_template_type(before: &[u8]) -> bool {
    let line = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let text = &before[line..];
    let mut depth = 0usize;
    let Some(open) = text.iter().rposition(|&b| {
        match b {
            b'>' => depth += 1,
            b'<' => depth = depth.saturating_sub(1),
            _ => {}
        }
        depth == 0
    }) else {
        return false;
    };
    let prefix = &text[..open];
    prefix.last().is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        && prefix.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b':' | b' ' | b'\t' | b'*' | b'&'))
}

/// What the analysis of a lowered file made of its `sites`: `ir` before
/// its functions are filtered, `definitions` the functions blanked as the
/// API's own definitions, `waiting` those blanked as waiting for a word
/// (start, end). `RPCLINT_REACH` lists the sites not read.
pub fn count_file(
    source: &SourceFile,
    sites: &[usize],
    ir: &FileIr,
    definitions: &[(usize, usize)],
    waiting: &[(usize, usize)],
) -> Reach {
    let calls: Vec<(Span, &str)> =
        ir.functions.iter().flat_map(|f| f.calls.iter().map(|c| (c.span, c.callee.as_str()))).collect();
    let problems: Vec<Span> = ir.problems.iter().map(|p| p.span).collect();
    let blanked: Vec<Span> = definitions.iter().map(|&(s, e)| Span::new(s, e)).collect();
    let waiting: Vec<Span> = waiting.iter().map(|&(s, e)| Span::new(s, e)).collect();
    let file = FileReach { calls: &calls, problems: &problems, definitions: &blanked, waiting: &waiting };
    let list = listing();
    let text = source.text.as_bytes();
    classify(text, sites, &file, |at, class| {
        if list {
            let line = text[..at.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1;
            // The listing is what `RPCLINT_REACH=1` asks for, on stderr.
            #[allow(clippy::print_stderr)]
            {
                eprintln!("reach: {}:{line}: {class}", source.display_path());
            }
        }
    })
}

/// All of a file's sites, when the file was not analysed.
pub fn not_analysed(sites: &[usize]) -> Reach {
    let n = sites.len() as u64;
    Reach { sites: n, not_analysed: n, ..Reach::default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sites(text: &str, name: &str) -> Vec<usize> {
        let t = text.as_bytes();
        call_sites(t, text.match_indices(name).map(|(s, m)| (s, s + m.len(), 0)))
    }

    #[test]
    fn calls_count_and_mentions_do_not() {
        let text = "f(); // Api(x)\n/* Api(y) */ s = \"Api(z)\"; Api (1); p = Api; Api::<T>();\n\
                    Api::<'_, T>::new(); V { Api: Api::<I, O>, }\n";
        let found = sites(text, "Api");
        assert_eq!(found.len(), 2, "{found:?}");
    }

    #[test]
    fn sites_are_sorted_into_their_classes() {
        let text = "Api(1); Api(2); Api(3); Api(4); HRESULT WINAPI Api(int); HRESULT C::Api() {} x = ns::Api();";
        let found = sites(text, "Api");
        let calls = [(Span::new(0, 6), "Api"), (Span::new(24, 30), "Other")];
        let problems = [Span::new(8, 14)];
        let blanked = [Span::new(16, 22)];
        let waiting = [Span::new(24, 30)];
        let mut listed = Vec::new();
        let r = classify(
            text.as_bytes(),
            &found,
            &FileReach { calls: &calls, problems: &problems, definitions: &blanked, waiting: &waiting },
            |at, class| listed.push((at, class)),
        );
        assert_eq!(
            (r.sites, r.read, r.parse_error, r.definitions, r.waiting, r.lost, r.declarations),
            (7, 1, 1, 1, 1, 1, 2)
        );
        // The definition's and the declarations' sites are out of scope; the
        // waiting function's is in scope and no miss.
        assert_eq!((r.unread(), r.in_scope()), (2, 4));
        assert_eq!(listed, [(8, "parse error"), (85, "lost")]);
        let mut sum = not_analysed(&found);
        sum += r;
        assert_eq!((sum.sites, sum.not_analysed, sum.unread(), sum.in_scope()), (14, 7, 9, 11));
    }

    #[test]
    fn a_template_return_type_declares_the_name() {
        let decl = |t: &str| is_declaration(t.as_bytes(), t.rfind("Api").unwrap_or(0));
        assert!(decl("Expected<std::tuple<std::shared_ptr<Fid>, Qid>> Api("));
        assert!(decl("x;\nstatic std::vector<int> Api("));
        assert!(!decl("if (a > Api("), "a comparison");
        assert!(!decl("x = f<int>(y) > Api("), "an expression");
    }

    #[test]
    fn calls_under_if_zero_are_no_sites() {
        let text = "Api(1);\n#if 0\nApi(2);\n#if X\nApi(3);\n#endif\n#else\nApi(4);\n#endif\n#if X\nApi(5);\n#endif\n#if 0 /* off */\nApi(6);\n#elif 1\nApi(7);\n#endif\n";
        let found: Vec<usize> = sites(text, "Api").iter().map(|&at| text[..at].matches('\n').count() + 1).collect();
        assert_eq!(found, [1, 8, 11, 16]);
    }
}
