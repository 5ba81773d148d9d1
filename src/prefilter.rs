//! Finds, with one pass of aho-corasick over a file's bytes, whether it names
//! anything worth parsing: an API of the knowledge base, or (in the second
//! phase) a constant that a parsed file uses and did not define.

use aho_corasick::{AhoCorasick, MatchKind, packed};

use crate::lexer::{Dialect, Kind, Lexer, StringValues};

mod defined;
pub use defined::{Defined, Visibility, name_key};

/// Patterns per searcher: up to 64, aho-corasick's SIMD searcher (Teddy)
/// takes them, about ten times faster than the automaton on source text.
const PATTERNS_PER_SEARCHER: usize = 64;

/// One group of patterns. Teddy is used directly: behind `AhoCorasick`, a
/// few patterns get a rare-byte prefilter instead, and many patterns make it
/// fall back to the automaton on every candidate, both several times slower
/// on identifiers in source text (`bench/`: 90 ms against 13 ms for four
/// constant names over wine's 177 MB, 355 ms against 94 ms for 142).
enum Searcher {
    Teddy(packed::Searcher),
    /// Where Teddy is not available (no SIMD on this CPU).
    Automaton(AhoCorasick),
}

impl Searcher {
    fn new(patterns: &[&str]) -> Option<Searcher> {
        let mut teddy = packed::Config::new().match_kind(packed::MatchKind::LeftmostFirst).builder();
        teddy.extend(patterns);
        match teddy.build() {
            Some(s) => Some(Searcher::Teddy(s)),
            None => AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostFirst)
                .build(patterns)
                .ok()
                .map(Searcher::Automaton),
        }
    }

    /// Start and end of each leftmost-first, non-overlapping match.
    fn find_iter<'a>(&'a self, h: &'a [u8]) -> FindIter<'a> {
        match self {
            Searcher::Teddy(s) => FindIter::Teddy(s.find_iter(h)),
            Searcher::Automaton(ac) => FindIter::Automaton(ac.find_iter(h)),
        }
    }
}

/// [`Searcher::find_iter`]'s matches, without a boxed iterator: focus asks
/// whether each function's body names an API, tens of thousands of calls
/// on a binding crate's file, each of which allocated one.
enum FindIter<'a> {
    Teddy(packed::FindIter<'a, 'a>),
    Automaton(aho_corasick::FindIter<'a, 'a>),
}

impl Iterator for FindIter<'_> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        match self {
            FindIter::Teddy(it) => it.next().map(|m| (m.start(), m.end())),
            FindIter::Automaton(it) => it.next().map(|m| (m.start(), m.end())),
        }
    }
}

/// A set of identifiers to look for as whole words.
///
/// The searchers look for the shortest words only (`CreateFile` stands for
/// `CreateFileA` and `CreateFileW`, which it starts), in groups small enough
/// for the SIMD searcher; a hit is then extended to the whole identifier
/// and looked up in the set.
pub struct WordSet {
    searchers: Vec<Searcher>,
    /// Sorted, unique.
    words: Vec<String>,
    /// Identifier prefixes under which a word still counts (see [`WordSet::with_prefixes`]).
    prefixes: &'static [&'static str],
}

impl WordSet {
    pub fn new<'a>(words: impl IntoIterator<Item = &'a str>) -> WordSet {
        WordSet::with_prefixes(words, &[])
    }

    /// A set whose words also count inside a longer identifier made of one
    /// of `prefixes` and the word, when the word starts with a capital:
    /// `pInitializeSecurityContextA`, `p_MakeSignature` (the names code
    /// gives the pointers `GetProcAddress` returns, which the knowledge base
    /// resolves to the API they point to). Not for constants: `pLEVEL` is
    /// not `LEVEL`.
    pub fn with_prefixes<'a>(words: impl IntoIterator<Item = &'a str>, prefixes: &'static [&'static str]) -> WordSet {
        let mut words: Vec<String> = words.into_iter().filter(|w| !w.is_empty()).map(str::to_string).collect();
        words.sort_unstable();
        words.dedup();
        // In sorted order a word's extensions follow it: keep only words no
        // shorter kept word starts.
        let mut patterns: Vec<&str> = Vec::new();
        for w in &words {
            if patterns.last().is_none_or(|p| !w.starts_with(p)) {
                patterns.push(w);
            }
        }
        let searchers = patterns.chunks(PATTERNS_PER_SEARCHER).filter_map(Searcher::new).collect();
        WordSet { searchers, words, prefixes }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Every whole-word occurrence of a word: (start, end, the word's index in `words`).
    pub(crate) fn occurrences<'a>(&'a self, h: &'a [u8]) -> impl Iterator<Item = (usize, usize, usize)> + 'a {
        self.searchers.iter().flat_map(move |searcher| {
            searcher.find_iter(h).filter_map(move |(start, end)| {
                if start.checked_sub(1).and_then(|i| h.get(i)).is_some_and(|&b| is_ident_byte(b))
                    && !self.behind_prefix(h, start)
                {
                    return None;
                }
                let end = end + h.get(end..).map_or(0, |rest| rest.iter().take_while(|&&b| is_ident_byte(b)).count());
                let word = std::str::from_utf8(h.get(start..end)?).ok()?;
                let i = self.words.binary_search_by(|w| w.as_str().cmp(word)).ok()?;
                Some((start, end, i))
            })
        })
    }

    /// Whether the identifier around `start` (where a word begins) is one of
    /// the prefixes followed by a word that starts with a capital.
    fn behind_prefix(&self, h: &[u8], start: usize) -> bool {
        if self.prefixes.is_empty() || !h.get(start).is_some_and(u8::is_ascii_uppercase) {
            return false;
        }
        let ident_start = h[..start].iter().rposition(|&b| !is_ident_byte(b)).map_or(0, |i| i + 1);
        let prefix = &h[ident_start..start];
        // A digit cannot start an identifier: `0pX` is no pointer name.
        !h.get(ident_start).is_some_and(u8::is_ascii_digit) && self.prefixes.iter().any(|p| p.as_bytes() == prefix)
    }

    /// Whether `haystack` contains one of the words, not as part of a longer
    /// identifier (other than a prefix of [`WordSet::with_prefixes`]).
    pub fn matches(&self, haystack: &[u8]) -> bool {
        self.occurrences(haystack).next().is_some()
    }

    /// Every word found in `haystack` (as a whole word), sorted and unique.
    pub fn found<'s>(&'s self, haystack: &[u8]) -> Vec<&'s str> {
        let mut out: Vec<&str> = self.occurrences(haystack).map(|(_, _, i)| self.words[i].as_str()).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Every word `haystack` may define, looking at what surrounds each
    /// occurrence: `#define NAME`, `NAME =` (an enumerator, a constant's
    /// initialiser), `NAME,` / `NAME }` after `{` or `,` (an enumerator),
    /// Rust's `const NAME` / `static NAME`. Mentions in code are not
    /// definitions, so a header that only uses `TRUE` is not read for it.
    /// In a source file ([`Visibility::Linked`]) only what other files can
    /// see: `NAME =` on a line at file level not starting with `static`,
    /// outside an enum.
    pub fn found_defined<'s>(&'s self, haystack: &[u8], scope: Visibility) -> Vec<&'s str> {
        let mut out: Vec<&str> = self
            .occurrences(haystack)
            .filter(|(s, e, _)| is_definition(haystack, *s, *e, scope))
            .map(|(_, _, i)| self.words[i].as_str())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Where `haystack` may define a word ([`WordSet::found_defined`]'s
    /// occurrences): the start of each, sorted.
    pub fn defined_at(&self, haystack: &[u8], scope: Visibility) -> Vec<usize> {
        let mut out: Vec<usize> = self
            .occurrences(haystack)
            .filter(|(s, e, _)| is_definition(haystack, *s, *e, scope))
            .map(|(s, ..)| s)
            .collect();
        out.sort_unstable();
        out
    }
}

/// A word looked for anywhere (inside identifiers and strings too) and in
/// any case: `pipe` in `\\\\.\\PiPe\\x` and in `PIPENAME`.
pub struct Needle {
    searcher: Option<Searcher>,
}

impl Needle {
    pub fn new(word: &str) -> Needle {
        // Every spelling of its case, for Teddy (2^4 for `pipe`); a long word
        // would make too many, and falls back to the automaton.
        let lower = word.to_ascii_lowercase();
        let letters = lower.bytes().filter(u8::is_ascii_alphabetic).count();
        let searcher = if letters <= 6 {
            let variants: Vec<String> = (0..1u32 << letters)
                .map(|mask| {
                    let mut i = 0;
                    lower
                        .chars()
                        .map(|c| {
                            if !c.is_ascii_alphabetic() {
                                return c;
                            }
                            i += 1;
                            if mask & (1 << (i - 1)) != 0 { c.to_ascii_uppercase() } else { c }
                        })
                        .collect()
                })
                .collect();
            let refs: Vec<&str> = variants.iter().map(String::as_str).collect();
            Searcher::new(&refs)
        } else {
            AhoCorasick::builder().ascii_case_insensitive(true).build([word]).ok().map(Searcher::Automaton)
        };
        Needle { searcher }
    }

    pub fn is_in(&self, h: &[u8]) -> bool {
        self.positions(h).next().is_some()
    }

    /// Whether the word is inside a string literal of `h`.
    #[cfg(test)]
    pub(crate) fn is_in_string(&self, h: &[u8], dialect: Dialect) -> bool {
        self.positions_in_strings(h, dialect).next().is_some()
    }

    /// Where the word occurs inside a string literal (`L"\\\\.\\pipe\\x"`, not
    /// `ERROR_PIPE_BUSY`, nor a comment), as the lexer reads the file up to
    /// the last occurrence asked for.
    pub(crate) fn positions_in_strings<'a>(
        &'a self,
        h: &'a [u8],
        dialect: Dialect,
    ) -> impl Iterator<Item = usize> + 'a {
        let mut strings = StringValues::new(h, dialect);
        self.positions(h).filter(move |&at| strings.holds(at))
    }

    /// [`Needle::positions_in_strings`] among the occurrences `wanted`
    /// accepts: the others are not looked up, so the lexer stops at the
    /// last one wanted (on a file with no such occurrence it does not run).
    pub(crate) fn positions_in_strings_if<'a>(
        &'a self,
        h: &'a [u8],
        dialect: Dialect,
        mut wanted: impl FnMut(usize) -> bool + 'a,
    ) -> impl Iterator<Item = usize> + 'a {
        let mut strings = StringValues::new(h, dialect);
        self.positions(h).filter(move |&at| wanted(at) && strings.holds(at))
    }

    pub fn positions<'a>(&'a self, h: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
        self.searcher.iter().flat_map(move |s| s.find_iter(h).map(|(start, _)| start))
    }
}

/// The names defined on the line of `pos` (with its `\` continuations, and
/// the line before, for `T name[] =` / `  L"value";`): the constants a value
/// found at `pos` may be known by elsewhere.
pub fn definitions_near(h: &[u8], pos: usize, scope: Visibility) -> Vec<String> {
    let mut start = line_start(h, pos.min(h.len()));
    if start > 0 {
        start = line_start(h, start - 1);
    }
    let mut steps = 0;
    while start > 1 && steps < 8 && h[..start - 1].last() == Some(&b'\\') {
        start = line_start(h, start - 1);
        steps += 1;
    }
    let mut end = pos.min(h.len());
    loop {
        end += h.get(end..).map_or(0, |rest| memchr::memchr(b'\n', rest).unwrap_or(rest.len()));
        if end > 0 && h.get(end - 1) == Some(&b'\\') && end < h.len() && end - pos < 4096 {
            end += 1;
            continue;
        }
        break;
    }
    let mut out = Vec::new();
    let mut i = start;
    while i < end {
        if is_ident_byte(h[i]) && (i == 0 || !is_ident_byte(h[i - 1])) {
            let e = i + h[i..end].iter().take_while(|&&b| is_ident_byte(b)).count();
            // Beyond `#define NAME`, a definition's name is followed by what
            // defines it (`=`, `[`, Rust's `:`, an enumerator's `,`/`}`), which
            // tells it from the keywords and types before it (`static const WCHAR`).
            let next = trim_start_blanks(&h[e..]).first().copied();
            let directive = on_directive_line(h, i);
            let defines = if directive {
                scope == Visibility::Included
            } else {
                matches!(next, Some(b'=' | b'[' | b':' | b',' | b'}')) && at_file_level(h, i, scope)
            };
            if !h[i].is_ascii_digit() && defines && is_definition(h, i, e, scope) {
                if let Ok(w) = std::str::from_utf8(&h[i..e]) {
                    out.push(w.to_string());
                }
            }
            i = e;
        } else {
            i += 1;
        }
    }
    out
}

/// Whether the definition on the line of `i` looks like one other files can
/// use: the line starts at column 0 or with `static`, `const`, `constexpr`,
/// `extern`, `pub`, `enum` (a local assignment, `h = CreateFileW(..)`, is
/// indented and names nothing another file sees).
fn at_file_level(h: &[u8], i: usize, scope: Visibility) -> bool {
    let start = line_start(h, i);
    let line = &h[start..i];
    let first = trim_start(line).split(|b| !is_ident_byte(*b)).next().unwrap_or(&[]);
    if scope == Visibility::Linked && first == b"static" {
        return false;
    }
    !line.first().is_some_and(|b| *b == b' ' || *b == b'\t')
        || matches!(first, b"static" | b"const" | b"constexpr" | b"extern" | b"pub" | b"enum")
}

/// Whether the line of `i` starts with `#`.
fn on_directive_line(h: &[u8], i: usize) -> bool {
    let start = line_start(h, i);
    trim_start(&h[start..i]).starts_with(b"#")
}

/// The object-like `#define NAME body` lines whose body is only names and
/// string literals (`#define SVC PIPE_ROOT L"svc"`): (NAME, the names in the
/// body). How a string reaches a name that does not look like it.
pub fn string_defines(h: &[u8]) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for at in memchr::memmem::find_iter(h, b"define") {
        let line = &h[line_start(h, at)..];
        let line = &line[..memchr::memchr(b'\n', line).unwrap_or(line.len())];
        let Some(rest) = trim_start(line).strip_prefix(b"#") else { continue };
        let Some(rest) = trim_start(rest).strip_prefix(b"define") else { continue };
        let rest = trim_start_blanks(rest);
        let name_len = rest.iter().take_while(|&&b| is_ident_byte(b)).count();
        // `#define F(x)`: a function-like macro.
        if name_len == 0 || rest.get(name_len) == Some(&b'(') {
            continue;
        }
        let (name, body) = rest.split_at(name_len);
        let mut names = Vec::new();
        let mut stringish = true;
        for t in Lexer::fragment(body, Dialect::C) {
            match (t.kind, t.text(body)) {
                (Kind::Str, text) => {
                    // A prefix (`L"svc"`) reads as a name, as it always did: no
                    // macro is called `L`, so it reaches nothing.
                    let prefix = &text[..text.iter().position(|&c| c == b'"').unwrap_or(0)];
                    if !prefix.is_empty() && !prefix.ends_with(b"R") {
                        names.extend(std::str::from_utf8(prefix).ok().map(str::to_string));
                    }
                }
                (Kind::Punct, b"(" | b")" | b"\\") => {}
                (Kind::Ident, word) => names.extend(std::str::from_utf8(word).ok().map(str::to_string)),
                (Kind::LineComment | Kind::BlockComment, _) => break,
                _ => {
                    stringish = false;
                    break;
                }
            }
        }
        if stringish && !names.is_empty() {
            if let Ok(name) = std::str::from_utf8(name) {
                out.push((name.to_string(), names));
            }
        }
    }
    out
}

fn is_definition(h: &[u8], start: usize, end: usize, scope: Visibility) -> bool {
    let before = &h[line_start(h, start)..start];
    let before_trim = trim_end(before);
    let after = trim_start_blanks(&h[end..]);
    let included = scope == Visibility::Included;
    // `#define NAME` (the line starts with `#`, then `define`).
    let line = trim_start(before);
    if line.starts_with(b"#") {
        let directive = trim_start(&line[1..]);
        return included && directive.starts_with(b"define") && before_trim.ends_with(b"define");
    }
    // Rust `const NAME:` / `static NAME:` / `static mut NAME:` (not `let mut
    // name`: a local is no constant).
    let static_mut = || {
        before_trim
            .strip_suffix(b"mut")
            .is_some_and(|b| b.last().is_some_and(u8::is_ascii_whitespace) && trim_end(b).ends_with(b"static"))
    };
    if included && (before_trim.ends_with(b"const") || before_trim.ends_with(b"static") || static_mut()) {
        return true;
    }
    // `NAME = value` (not `==`, not a field `p->NAME =`): an enumerator or a
    // constant's initialiser; `NAME[] = ..`, `NAME[N] = ..`: an array's. A
    // local's assignment (`    cf = data->conn;`) is none.
    let after = skip_brackets(after);
    if after.first() == Some(&b'=') && after.get(1) != Some(&b'=') {
        let field = before_trim.ends_with(b".") || before_trim.ends_with(b"->");
        // An enumerator of a source file is its own, as is a `static`.
        return !field
            && match scope {
                Visibility::Included => at_file_level(h, start, scope) || in_enum_body(&h[..start]),
                Visibility::Linked => at_file_level(h, start, scope) && !in_enum_body(&h[..start]),
            };
    }
    // `{ NAME, ...` or `, NAME }` in an enum: an enumerator without a value
    // (in an argument list or an initialiser it is a use).
    let prev = before_trim.last().copied();
    let listed = matches!(prev, Some(b'{') | Some(b','))
        && matches!(after.first(), Some(b',') | Some(b'}') | Some(b'\r') | Some(b'\n'))
        || prev.is_none() && matches!(after.first(), Some(b',') | Some(b'}'));
    listed && included && in_enum_body(&h[..start])
}

/// `s` past a leading `[..]` and the blanks after it (an array's size).
fn skip_brackets(s: &[u8]) -> &[u8] {
    if s.first() != Some(&b'[') {
        return s;
    }
    match s.iter().take(128).position(|&b| b == b']') {
        Some(close) => trim_start_blanks(&s[close + 1..]),
        None => s,
    }
}

/// The start of the line that holds `i`.
fn line_start(h: &[u8], i: usize) -> usize {
    memchr::memrchr(b'\n', &h[..i]).map_or(0, |n| n + 1)
}

fn trim_start_blanks(s: &[u8]) -> &[u8] {
    &s[s.iter().position(|b| *b != b' ' && *b != b'\t').unwrap_or(s.len())..]
}

/// Whether the end of `before` is inside the braces of an `enum` (looking
/// back a bounded distance: enums are short next to files).
fn in_enum_body(before: &[u8]) -> bool {
    const LOOK_BACK: usize = 16 * 1024;
    let window = &before[before.len().saturating_sub(LOOK_BACK)..];
    let Some(open) = window.iter().rposition(|&b| b == b'{') else { return false };
    let body = &window[open + 1..];
    // Values may hold parentheses (`A = (1 << 2),`), never a statement or a nested block.
    if body.iter().any(|&b| b == b';' || b == b'}') {
        return false;
    }
    let depth = body.iter().fold(0i32, |d, &b| d + i32::from(b == b'(') - i32::from(b == b')'));
    if depth != 0 {
        return false;
    }
    // `enum [class] [Name] [: type] {`: the keyword shortly before the brace.
    let head = &window[..open];
    let head = &head[head.len().saturating_sub(256)..];
    let head = head.iter().rposition(|&b| b == b';' || b == b'}' || b == b'{').map_or(head, |i| &head[i + 1..]);
    head.split(|b| !is_ident_byte(*b)).any(|w| w == b"enum")
}

fn trim_start(s: &[u8]) -> &[u8] {
    let i = s.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(s.len());
    &s[i..]
}

fn trim_end(s: &[u8]) -> &[u8] {
    let i = s.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |i| i + 1);
    &s[..i]
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_only() {
        let set = WordSet::new(["CreateFile", "CreateFileW"]);
        assert!(set.matches(b"h = CreateFileW(path"));
        assert!(!set.matches(b"CreateFileMappingW(x)"));
        assert!(!set.matches(b"MyCreateFile(x)"));
        assert_eq!(set.found(b"CreateFile(a); CreateFileW(b)"), vec!["CreateFile", "CreateFileW"]);
        assert!(!set.matches(b"pCreateFileW(x)"), "no prefixes given");
    }

    #[test]
    fn pointer_prefixes_count_before_a_capital() {
        let set = WordSet::with_prefixes(["InitializeSecurityContextA", "CreateFile"], &["p_", "p", "pfn"]);
        assert!(set.matches(b"s = p_InitializeSecurityContextA(&cred"));
        assert!(set.matches(b"s = pInitializeSecurityContextA(&cred"));
        assert!(set.matches(b"pfnCreateFile(x)"));
        assert!(!set.matches(b"MyCreateFile(x)"), "not a listed prefix");
        assert!(!set.matches(b"xpCreateFile(x)"), "the prefix is the whole rest of the identifier");
        assert!(!set.matches(b"pCreateFileMappingW(x)"), "the word must end the identifier");
        let lower = WordSet::with_prefixes(["free"], &["p"]);
        assert!(!lower.matches(b"pfree(x)"), "only words that start with a capital");
    }

    #[test]
    fn many_words_span_several_searchers() {
        let words: Vec<String> = (0..150).map(|i| format!("NAME_{i}_X")).collect();
        let set = WordSet::new(words.iter().map(String::as_str));
        assert!(set.searchers.len() > 2, "150 words need more than two groups of 64");
        let text = b"a = NAME_3_X | NAME_149_X; b = NAME_70_X; c = MY_NAME_5_X + NAME_6_XY;";
        assert_eq!(set.found(text), vec!["NAME_149_X", "NAME_3_X", "NAME_70_X"]);
        let found = set.found_defined(b"#define NAME_100_X 4\nf(NAME_101_X);", Visibility::Included);
        assert_eq!(found, vec!["NAME_100_X"]);
    }

    #[test]
    fn a_needle_is_found_in_any_case_inside_words_and_strings() {
        let pipe = Needle::new("pipe");
        assert!(pipe.is_in(br#"CreateFileW(L"\\\\.\\PiPe\\x")"#));
        assert!(pipe.is_in(b"h = open(PIPENAME)"));
        assert!(!pipe.is_in(b"CreateFileW(path, GENERIC_READ)"));
        assert_eq!(pipe.positions(b"pipe PIPE").count(), 2);
        let in_string = |h: &[u8]| pipe.is_in_string(h, Dialect::C);
        assert!(in_string(br#"f(L"\\\\.\\PiPe\\x", "a\"b pipe")"#));
        assert!(!in_string(br#"if (e == ERROR_PIPE_BUSY) puts("busy");"#));
        assert!(!in_string(b"#include \"pipe_names.h\"\n"), "an include names a file, not a value");
        assert!(in_string(b"#include <x.h>\n#define P \"\\\\.\\pipe\\a\"\n"), "a define's string is a value");
        assert!(!in_string(b"/* a \"pipe\"\n   \"pipe\" */ x = '\"'; // \"pipe\"\n"), "comments hold no value");
        assert!(in_string(b"c = '\"'; s = \"\\\\.\\pipe\\a\";"), "a quote in a character opens no string");
        let rust = |h: &[u8]| pipe.is_in_string(h, Dialect::Rust);
        assert!(rust(b"let s = r#\"\\\\.\\pipe\\a\"#;") && rust(b"let s = \"x\n  pipe\";"), "raw and multi-line");
        assert!(!rust(b"fn f<'a>(x: &'a str) {} // \"pipe\""));
    }

    #[test]
    fn names_defined_near_a_position() {
        let h = b"int x;\n#define PIPE_NAME \\\n    \"\\\\.\\pipe\\a\"\nstatic const WCHAR name[] =\n    L\"\\\\.\\pipe\\b\";\nf(PIPE);\n";
        let text = std::str::from_utf8(h).unwrap();
        let first = text.find("pipe").unwrap();
        let near = |h: &[u8], at| definitions_near(h, at, Visibility::Included);
        assert_eq!(near(h, first), vec!["PIPE_NAME"]);
        let second = text[first + 1..].find("pipe").unwrap() + first + 1;
        assert_eq!(near(h, second), vec!["name"]);
        assert!(definitions_near(h, first, Visibility::Linked).is_empty(), "a source file's #define stays in it");
        assert!(definitions_near(h, second, Visibility::Linked).is_empty(), "and so does its static");
        let call = text.find("f(PIPE)").unwrap();
        assert!(near(h, call).is_empty(), "a use defines nothing");
        let local = b"void f(void)\n{\n    h = CreateFileA(\"\\\\.\\pipe\\x\", 0);\n}\n";
        let at = local.windows(4).position(|w| w == b"pipe").unwrap();
        assert!(near(local, at).is_empty(), "a local is no constant: {:?}", near(local, at));
        let ns = b"namespace n {\n    const wchar_t kPipe[] = L\"\\\\.\\pipe\\x\";\n}\n";
        let at = ns.windows(4).position(|w| w == b"pipe").unwrap();
        assert_eq!(near(ns, at), vec!["kPipe"]);
        let global = b"const WCHAR g_pipe[] = L\"\\\\.\\pipe\\x\";\n";
        let at = global.windows(4).position(|w| w == b"pipe").unwrap();
        assert_eq!(definitions_near(global, at, Visibility::Linked), vec!["g_pipe"], "an extern global");
    }

    #[test]
    fn string_defines_are_names_and_strings_only() {
        let h = b"#define ROOT L\"\\\\.\\pipe\\\"\n#define SVC ROOT L\"svc\"\n# define ALIAS (SVC)\n\
                  #define NUM (1 << 2)\n#define F(x) x\n#define EMPTY\n";
        let got = string_defines(h);
        let names: Vec<(&str, Vec<&str>)> =
            got.iter().map(|(n, refs)| (n.as_str(), refs.iter().map(String::as_str).collect())).collect();
        assert_eq!(names, vec![("ROOT", vec!["L"]), ("SVC", vec!["ROOT", "L"]), ("ALIAS", vec!["SVC"])]);
    }

    #[test]
    fn definitions_are_told_from_uses() {
        let set = WordSet::new(["LEVEL", "A", "B"]);
        let found = |h: &[u8]| set.found_defined(h, Visibility::Included);
        assert_eq!(found(b"#define LEVEL 2\n"), vec!["LEVEL"]);
        assert_eq!(found(b"#  define LEVEL 2\n"), vec!["LEVEL"]);
        assert_eq!(found(b"static const DWORD LEVEL = 2;"), vec!["LEVEL"]);
        assert_eq!(found(b"enum {\n    A,\n    B = 3\n};"), vec!["A", "B"]);
        assert_eq!(found(b"pub const LEVEL: u32 = 2;"), vec!["LEVEL"]);
        assert_eq!(found(b"static mut LEVEL: u32 = 2;"), vec!["LEVEL"]);
        assert!(found(b"    let mut LEVEL = 2;").is_empty(), "a local");
        assert_eq!(found(b"typedef enum _E { X = (1 << 2),\n  A,\n} E;"), vec!["A"]);
        assert_eq!(found(b"enum class E : int { A, B };"), vec!["A", "B"]);
        assert!(found(b"f(LEVEL); if (x == LEVEL) g(); #ifdef LEVEL").is_empty());
        assert!(found(b"void f() { g(x, A, 0); h(A,\n B); }").is_empty(), "arguments are uses");
        assert!(found(b"static const S s[] = { { A, 1 }, { B, 2 } };").is_empty(), "so are initialisers");
        assert!(found(b"p->LEVEL = 2; s.LEVEL = 3;").is_empty(), "fields are not constants");
        assert!(found(b"void f(void)\n{\n    LEVEL = g();\n}\n").is_empty(), "nor are locals");
        assert_eq!(found(b"namespace n {\n    const int LEVEL = 2;\n}\n"), vec!["LEVEL"]);
        assert_eq!(found(b"typedef enum {\n    A = 1,\n} E;\n"), vec!["A"]);
        assert_eq!(found(b"static const WCHAR LEVEL[] = L\"x\";"), vec!["LEVEL"]);
        assert!(found(b"if (LEVEL[0] == 1)").is_empty());
    }
}
