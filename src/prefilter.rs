//! Finds, with one pass of aho-corasick over a file's bytes, whether it names
//! anything worth parsing: an API of the knowledge base, or (in the second
//! phase) a constant that a parsed file uses and did not define.

use aho_corasick::{AhoCorasick, MatchKind};

/// A set of identifiers to look for as whole words.
pub struct WordSet {
    ac: Option<AhoCorasick>,
    words: Vec<String>,
}

impl WordSet {
    pub fn new<'a>(words: impl IntoIterator<Item = &'a str>) -> WordSet {
        let mut words: Vec<String> = words.into_iter().filter(|w| !w.is_empty()).map(str::to_string).collect();
        words.sort_unstable();
        words.dedup();
        let ac = AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(&words).ok();
        WordSet { ac, words }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether `haystack` contains one of the words, not as part of a longer identifier.
    pub fn matches(&self, haystack: &[u8]) -> bool {
        let Some(ac) = &self.ac else { return false };
        ac.find_iter(haystack).any(|m| is_word(haystack, m.start(), m.end()))
    }

    /// Every word found in `haystack` (as a whole word), sorted and unique.
    pub fn found<'s>(&'s self, haystack: &[u8]) -> Vec<&'s str> {
        let Some(ac) = &self.ac else { return Vec::new() };
        let mut out: Vec<&str> = ac
            .find_iter(haystack)
            .filter(|m| is_word(haystack, m.start(), m.end()))
            .filter_map(|m| self.words.get(m.pattern().as_usize()).map(String::as_str))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_word(h: &[u8], start: usize, end: usize) -> bool {
    let before = start.checked_sub(1).and_then(|i| h.get(i)).is_none_or(|&b| !is_ident_byte(b));
    let after = h.get(end).is_none_or(|&b| !is_ident_byte(b));
    before && after
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
    }
}
