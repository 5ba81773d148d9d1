//! Finds, with one pass of aho-corasick over a file's bytes, whether it names
//! anything worth parsing: an API of the knowledge base, or (in the second
//! phase) a constant that a parsed file uses and did not define.

use aho_corasick::{AhoCorasick, MatchKind, packed};

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
    fn find_iter<'a>(&'a self, h: &'a [u8]) -> Box<dyn Iterator<Item = (usize, usize)> + 'a> {
        match self {
            Searcher::Teddy(s) => Box::new(s.find_iter(h).map(|m| (m.start(), m.end()))),
            Searcher::Automaton(ac) => Box::new(ac.find_iter(h).map(|m| (m.start(), m.end()))),
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
    fn occurrences<'a>(&'a self, h: &'a [u8]) -> impl Iterator<Item = (usize, usize, usize)> + 'a {
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
    pub fn found_defined<'s>(&'s self, haystack: &[u8]) -> Vec<&'s str> {
        let mut out: Vec<&str> = self
            .occurrences(haystack)
            .filter(|(s, e, _)| is_definition(haystack, *s, *e))
            .map(|(_, _, i)| self.words[i].as_str())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

fn is_definition(h: &[u8], start: usize, end: usize) -> bool {
    let before = &h[h[..start].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)..start];
    let before_trim = trim_end(before);
    let rest = &h[end..];
    let after = &rest[rest.iter().position(|b| *b != b' ' && *b != b'\t').unwrap_or(rest.len())..];
    // `#define NAME` (the line starts with `#`, then `define`).
    let line = trim_start(before);
    if line.starts_with(b"#") {
        let directive = trim_start(&line[1..]);
        return directive.starts_with(b"define") && before_trim.ends_with(b"define");
    }
    // Rust `const NAME:` / `static NAME:` / `static mut NAME:`.
    if before_trim.ends_with(b"const") || before_trim.ends_with(b"static") || before_trim.ends_with(b"mut") {
        return true;
    }
    // `NAME = value` (not `==`, not a field `p->NAME =`): an enumerator or a
    // constant's initialiser.
    if after.first() == Some(&b'=') && after.get(1) != Some(&b'=') {
        return !(before_trim.ends_with(b".") || before_trim.ends_with(b"->"));
    }
    // `{ NAME, ...` or `, NAME }` in an enum: an enumerator without a value
    // (in an argument list or an initialiser it is a use).
    let prev = before_trim.last().copied();
    let listed = matches!(prev, Some(b'{') | Some(b','))
        && matches!(after.first(), Some(b',') | Some(b'}') | Some(b'\r') | Some(b'\n'))
        || prev.is_none() && matches!(after.first(), Some(b',') | Some(b'}'));
    listed && in_enum_body(&h[..start])
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
        assert_eq!(set.found_defined(b"#define NAME_100_X 4\nf(NAME_101_X);"), vec!["NAME_100_X"]);
    }

    #[test]
    fn definitions_are_told_from_uses() {
        let set = WordSet::new(["LEVEL", "A", "B"]);
        assert_eq!(set.found_defined(b"#define LEVEL 2\n"), vec!["LEVEL"]);
        assert_eq!(set.found_defined(b"#  define LEVEL 2\n"), vec!["LEVEL"]);
        assert_eq!(set.found_defined(b"static const DWORD LEVEL = 2;"), vec!["LEVEL"]);
        assert_eq!(set.found_defined(b"enum {\n    A,\n    B = 3\n};"), vec!["A", "B"]);
        assert_eq!(set.found_defined(b"pub const LEVEL: u32 = 2;"), vec!["LEVEL"]);
        assert_eq!(set.found_defined(b"typedef enum _E { X = (1 << 2),\n  A,\n} E;"), vec!["A"]);
        assert_eq!(set.found_defined(b"enum class E : int { A, B };"), vec!["A", "B"]);
        assert!(set.found_defined(b"f(LEVEL); if (x == LEVEL) g(); #ifdef LEVEL").is_empty());
        assert!(set.found_defined(b"void f() { g(x, A, 0); h(A,\n B); }").is_empty(), "arguments are uses");
        assert!(set.found_defined(b"static const S s[] = { { A, 1 }, { B, 2 } };").is_empty(), "so are initialisers");
        assert!(set.found_defined(b"p->LEVEL = 2; s.LEVEL = 3;").is_empty(), "fields are not constants");
    }
}
