//! The names a file may define, recorded during phase 1's one read of it, so
//! that the constant search (phase 2) opens only the files that may define
//! a name it needs, instead of reading the whole tree again each round.
//!
//! [`Defined::of`] finds a superset of what [`super::WordSet::found_defined`]
//! accepts for any word in a file of that [`Visibility`] (which
//! `frontend::Lang::visibility` tells by the path). In a header (and
//! in Rust, [`Defined::of_rust`]): the name after `define`, `const`, `static`
//! or `static mut`; a name before `=` (or `[..] =`) on a line at file level;
//! every name in the body of an `enum`. In a C or C++ source file, whose
//! `#define`s, `static`s and enumerators no other translation unit sees,
//! only the names before `=` on a line at file level that does not start
//! with `static`: the keyword scan is skipped. A name is kept as a 64-bit
//! hash (no text, no position: the file is read again only if it is
//! opened): a collision costs one needless read, never a missed definition,
//! since phase 2 checks the bytes it reads with `found_defined` as before.

use std::sync::OnceLock;

use aho_corasick::packed;

use super::{at_file_level, is_ident_byte};
pub use crate::ir::Visibility;

/// The hashes of the names a file may define, sorted and unique; for a
/// Rust file ([`Defined::of_rust`]), a Bloom filter of them instead.
#[derive(Clone, Debug, Default)]
pub struct Defined {
    keys: Box<[u64]>,
    /// [`BLOOM_HASHES`] bits per name, out of a power of two; empty for a C file.
    bloom: Box<[u64]>,
    /// How many names the Bloom filter holds (repeats counted).
    in_bloom: usize,
}

/// Bits of a Rust file's Bloom filter per name recorded, and bits set per
/// name: about 0.5% of the files that define none of the names looked for
/// are opened all the same.
const BLOOM_BITS_PER_NAME: usize = 16;
const BLOOM_HASHES: u32 = 3;

/// Keywords after which the next name on the line is a definition
/// (`#define`, C `static`/`const`, Rust `const`/`static`/`static mut`), and
/// `enum`, whose body is all definitions.
const KEYWORDS: [&str; 4] = ["define", "const", "static", "enum"];
const ENUM: usize = 3;

/// How far `enum` may stand before its `{` (`in_enum_body` looks 256 bytes back).
const ENUM_HEAD: usize = 512;
/// How long an enum's body may be (`in_enum_body` looks 16 KiB back).
const ENUM_BODY: usize = 16 * 1024 + 64;
/// How long an array's `[..]` may be (`skip_brackets` looks 128 bytes ahead).
const BRACKETS: usize = 130;

/// The hash of a name, as [`Defined`] keeps it: eight bytes at a time,
/// multiplied and rotated (stable across runs; names are short).
pub fn name_key(name: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = (name.len() as u64).wrapping_mul(K);
    for chunk in name.chunks(8) {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(word)).wrapping_mul(K).rotate_left(29);
    }
    h
}

impl Defined {
    /// The names `h` may define for other files to see (see the module comment).
    pub fn of(h: &[u8], scope: Visibility) -> Defined {
        let mut keys = Vec::new();
        if scope == Visibility::Included {
            keywords(h, &mut keys);
        }
        assignments(h, &mut keys, scope);
        keys.sort_unstable();
        keys.dedup();
        Defined { keys: keys.into_boxed_slice(), ..Defined::default() }
    }

    /// The names a Rust file may define as constants: the name after
    /// `const`, `static` or `static mut` on its line, and every name in an
    /// `enum`'s body (`keywords`, as for C). Not the names before a `=` at
    /// file level: in Rust those are the `const`s' and `static`s' again, or
    /// an enum's, and looking at every `=` cost more than phase 2's second
    /// read on the binding crates (`docs/performance.md`). Of what
    /// [`super::WordSet::found_defined`] accepts, everything that lowering
    /// makes a constant of is recorded (a `use .. as` rename, lowering's
    /// other kind, is never found there). Kept as a Bloom filter: no sort
    /// of the hundred thousands of names a binding crate declares.
    ///
    /// A keyword right after `*`, `&`, `'`, `<`, `,`, `(`, `:` or `=` (blanks
    /// between allowed) starts no item: `*const T`, `&'static str`, a
    /// function's `<const N: usize>` (a binding crate has hundreds of
    /// thousands of those), so the name after it is not recorded.
    pub fn of_rust(h: &[u8]) -> Defined {
        thread_local! {
            static KEYS: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let no_item = |start: usize| {
            let before = h[..start].iter().rposition(|b| *b != b' ' && *b != b'\t').map(|i| h[i]);
            matches!(before, Some(b'*' | b'&' | b'\'' | b'<' | b',' | b'(' | b':' | b'='))
        };
        KEYS.with_borrow_mut(|keys| {
            keys.clear();
            keywords_but(h, keys, no_item);
            let bits = keys.len().saturating_mul(BLOOM_BITS_PER_NAME).next_power_of_two().max(64);
            let mut bloom = vec![0u64; bits / 64].into_boxed_slice();
            for &k in keys.iter() {
                for bit in bloom_bits(k, bits) {
                    bloom[bit / 64] |= 1 << (bit % 64);
                }
            }
            Defined { keys: Box::new([]), bloom, in_bloom: keys.len() }
        })
    }

    /// Whether the file may define one of these names (keys of [`name_key`]).
    pub fn may_define_any(&self, keys: &[u64]) -> bool {
        if !self.bloom.is_empty() {
            let bits = self.bloom.len() * 64;
            return keys.iter().any(|&k| bloom_bits(k, bits).all(|bit| self.bloom[bit / 64] & (1 << (bit % 64)) != 0));
        }
        keys.iter().any(|k| self.keys.binary_search(k).is_ok())
    }

    /// How many names (for the memory it takes: 8 bytes each, or 2 for a
    /// Rust file's Bloom filter).
    pub fn len(&self) -> usize {
        self.keys.len() + self.in_bloom
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The bits a key sets in a Bloom filter of `bits` bits (a power of two).
fn bloom_bits(key: u64, bits: usize) -> impl Iterator<Item = usize> {
    let mask = bits as u64 - 1;
    (0..BLOOM_HASHES).map(move |i| (key.rotate_left(21 * i) & mask) as usize)
}

/// The names after the keywords, and every name in an enum's body.
fn keywords(h: &[u8], keys: &mut Vec<u64>) {
    keywords_but(h, keys, |_| false);
}

/// [`keywords`], less the `const` and `static` that `skip` is given the
/// start of.
fn keywords_but(h: &[u8], keys: &mut Vec<u64>, skip: impl Fn(usize) -> bool) {
    static SEARCHER: OnceLock<Option<packed::Searcher>> = OnceLock::new();
    let searcher = SEARCHER.get_or_init(|| {
        let mut b = packed::Config::new().match_kind(packed::MatchKind::LeftmostFirst).builder();
        b.extend(KEYWORDS);
        b.build()
    });
    let at_keyword = |k: usize, end: usize, keys: &mut Vec<u64>| {
        if k == ENUM {
            enum_body(h, end, keys);
        } else if !skip(end - KEYWORDS[k].len()) {
            name_after(h, end, keys);
        }
    };
    match searcher {
        Some(s) => {
            for m in s.find_iter(h) {
                let k = m.pattern().as_usize();
                at_keyword(k, m.end(), keys);
                // Matches do not overlap: a keyword that starts inside this
                // one (`static` in `constatic`) is looked for by hand.
                for &(at, other) in &overlaps()[k] {
                    if h[m.start() + at..].starts_with(KEYWORDS[other].as_bytes()) {
                        at_keyword(other, m.start() + at + KEYWORDS[other].len(), keys);
                    }
                }
            }
        }
        None => {
            for (k, word) in KEYWORDS.iter().enumerate() {
                for start in memchr::memmem::find_iter(h, word.as_bytes()) {
                    at_keyword(k, start + word.len(), keys);
                }
            }
        }
    }
}

/// For each keyword, where another may start inside it: (offset, keyword),
/// as `const` at 5 in `static` (`staticonst`).
fn overlaps() -> &'static [Vec<(usize, usize)>] {
    static OVERLAPS: OnceLock<Vec<Vec<(usize, usize)>>> = OnceLock::new();
    OVERLAPS.get_or_init(|| {
        KEYWORDS
            .iter()
            .map(|a| {
                let mut out = Vec::new();
                for at in 1..a.len() {
                    for (other, b) in KEYWORDS.iter().enumerate() {
                        let n = b.len().min(a.len() - at);
                        if a.as_bytes()[at..at + n] == b.as_bytes()[..n] {
                            out.push((at, other));
                        }
                    }
                }
                out
            })
            .collect()
    })
}

/// The name after `h[..end]`'s keyword and blanks on the same line, and
/// after `mut` there (`static mut NAME`).
fn name_after(h: &[u8], end: usize, keys: &mut Vec<u64>) {
    let rest = &h[end..];
    let blanks = rest.iter().take_while(|&&b| b.is_ascii_whitespace() && b != b'\n').count();
    if blanks == 0 {
        return;
    }
    let name = &rest[blanks..];
    let len = name.iter().take_while(|&&b| is_ident_byte(b)).count();
    if len > 0 {
        keys.push(name_key(&name[..len]));
        if &name[..len] == b"mut" {
            name_after(h, end + blanks + len, keys);
        }
    }
}

/// Every name between the `{` after `enum` (with no `;`, `{` or `}` between
/// them) and the first `;` or `}` after it.
fn enum_body(h: &[u8], end: usize, keys: &mut Vec<u64>) {
    let head = &h[end..h.len().min(end + ENUM_HEAD)];
    let Some(open) = memchr::memchr3(b';', b'{', b'}', head) else { return };
    if head[open] != b'{' {
        return;
    }
    let start = end + open + 1;
    let body = &h[start..h.len().min(start + ENUM_BODY)];
    let body = &body[..memchr::memchr2(b';', b'}', body).unwrap_or(body.len())];
    let mut i = 0;
    while i < body.len() {
        if is_ident_byte(body[i]) {
            // A name cut by the length limit is read whole.
            let len = h[start + i..].iter().take_while(|&&b| is_ident_byte(b)).count();
            keys.push(name_key(&h[start + i..start + i + len]));
            i += len;
        } else {
            i += 1;
        }
    }
}

/// The name before each `=` (not `==`), past blanks and one `[..]`, on a
/// line at file level (for `scope`).
fn assignments(h: &[u8], keys: &mut Vec<u64>, scope: Visibility) {
    let push = |end: usize, keys: &mut Vec<u64>| {
        let start = h[..end].iter().rposition(|&b| !is_ident_byte(b)).map_or(0, |i| i + 1);
        if start < end && at_file_level(h, start, scope) {
            keys.push(name_key(&h[start..end]));
        }
    };
    for eq in memchr::memchr_iter(b'=', h) {
        if h.get(eq + 1) == Some(&b'=') {
            continue;
        }
        let end = skip_blanks_back(h, eq);
        if end == 0 || h[end - 1] != b']' {
            push(end, keys);
            continue;
        }
        // `NAME[..] =`: the array's `[` is any one after the `]` before
        // this one (its size may hold a `[`, as `skip_brackets` allows).
        let close = end - 1;
        let from = close.saturating_sub(BRACKETS);
        let from = memchr::memrchr(b']', &h[from..close]).map_or(from, |i| from + i + 1);
        for open in memchr::memchr_iter(b'[', &h[from..close]) {
            push(skip_blanks_back(h, from + open), keys);
        }
    }
}

fn skip_blanks_back(h: &[u8], mut i: usize) -> usize {
    while i > 0 && matches!(h[i - 1], b' ' | b'\t') {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::prefilter::WordSet;

    /// Every identifier of `h` that `found_defined` calls a definition.
    fn truth(h: &[u8], scope: Visibility) -> Vec<String> {
        let words: Vec<String> = h
            .split(|b| !is_ident_byte(*b))
            .filter(|w| !w.is_empty())
            .filter_map(|w| std::str::from_utf8(w).ok())
            .map(str::to_string)
            .collect();
        let set = WordSet::new(words.iter().map(String::as_str));
        set.found_defined(h, scope).into_iter().map(str::to_string).collect()
    }

    /// What `found_defined` accepts and [`Defined::of`] did not record, in
    /// a header and in a source file.
    fn missed(h: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        for scope in [Visibility::Included, Visibility::Linked] {
            let d = Defined::of(h, scope);
            let lost = truth(h, scope).into_iter().filter(|n| !d.may_define_any(&[name_key(n.as_bytes())]));
            out.extend(lost.map(|n| format!("{scope:?}: {n}")));
        }
        out
    }

    #[test]
    fn a_source_file_records_only_what_the_linker_shares() {
        let h = b"#define LEVEL 2\nstatic const DWORD C1 = 2;\nenum E {\n    A,\n    B = 1,\nC = 2,\n};\n\
                  const GUID IID_X = { 1 };\nint g = 3;\nstatic int s = 4;\nnamespace n {\n    const int k = 5;\n\
                  \x20   static const int t = 6;\n}\nextern \"C\" const WCHAR name[] = L\"x\";\nvoid f() {\n    local = 4;\n}\n";
        assert_eq!(missed(h), Vec::<String>::new());
        let linked = Defined::of(h, Visibility::Linked);
        let included = Defined::of(h, Visibility::Included);
        let (found, header) = (truth(h, Visibility::Linked), truth(h, Visibility::Included));
        for n in ["IID_X", "g", "k", "name"] {
            assert!(linked.may_define_any(&[name_key(n.as_bytes())]), "{n}");
            assert!(found.iter().any(|f| f == n), "{n}: phase 2 takes it from a source file");
        }
        for n in ["LEVEL", "C1", "A", "B", "s", "t", "local"] {
            assert!(!linked.may_define_any(&[name_key(n.as_bytes())]), "{n}: the file's own");
            assert!(!found.iter().any(|f| f == n), "{n}: not taken from a source file");
        }
        // An enumerator at column 0 is recorded (a superset), never taken.
        assert!(linked.may_define_any(&[name_key(b"C")]) && !found.iter().any(|f| f == "C"));
        for n in ["LEVEL", "C1", "A", "B", "C", "s", "t", "IID_X", "g", "k", "name"] {
            assert!(included.may_define_any(&[name_key(n.as_bytes())]), "{n}: a header's");
            assert!(header.iter().any(|f| f == n), "{n}: taken from a header");
        }
        // A parameter's `const std::pair<..>` defines no `std` (osquery: a
        // pipe string on the next line made deferred files that use `std` parsed).
        let h = b"bool f(\n    const std::pair<std::string, int>& d) {\n  return d.find(\"pipe:\");\n}\n";
        let at = h.windows(4).position(|w| w == b"pipe").unwrap_or(0);
        assert!(crate::prefilter::definitions_near(h, at, Visibility::Linked).is_empty());
        assert!(truth(h, Visibility::Linked).is_empty(), "{:?}", truth(h, Visibility::Linked));
    }

    #[test]
    fn every_kind_of_definition_is_recorded() {
        let h = b"#define LEVEL 2\n#  define  OTHER\n static const DWORD C1 = 2;\npub const R: u32 = 1;\n\
                  static mut M: u8 = 0;\nenum E {\n    A,\n    B = (1 << 2),\n};\nconst WCHAR name[16] = L\"x\";\n\
                  int g = 3;\nvoid f() {\n    local = 4;\n}\nconstatic X;\nstaticonst Y;\nstatic mut Z: u8 = 0;\nfn g() {\n    let mut w = 1;\n}\n";
        assert_eq!(missed(h), Vec::<String>::new());
        let d = Defined::of(h, Visibility::Included);
        for n in ["LEVEL", "OTHER", "C1", "R", "M", "A", "B", "name", "g", "X", "Y", "Z"] {
            assert!(d.may_define_any(&[name_key(n.as_bytes())]), "{n}");
        }
        assert!(!d.may_define_any(&[name_key(b"local")]), "a local's assignment defines nothing");
        assert!(!d.may_define_any(&[name_key(b"f")]));
        assert!(!d.may_define_any(&[name_key(b"w")]), "nor a `let mut`");
    }

    #[test]
    fn an_assignment_counts_on_a_line_at_file_level() {
        let h = b"void f(void)\n{\n    a = 1; b = 2;\n    static int s = 3; t = 4;\n\t \x0cconst int c = 5;\n}\n\
                  static const WCHAR name[\n    ] = L\"x\";\nint g = 6, k = 7;\n";
        assert_eq!(missed(h), Vec::<String>::new());
        let d = Defined::of(h, Visibility::Included);
        for n in ["s", "t", "c", "name", "g", "k"] {
            assert!(d.may_define_any(&[name_key(n.as_bytes())]), "{n}");
        }
        for n in ["a", "b"] {
            assert!(!d.may_define_any(&[name_key(n.as_bytes())]), "{n}: a local's assignment");
        }
    }

    /// What phase 2 would find in a Rust file and take as a definition:
    /// what `found_defined` accepts and lowering makes a constant of, that
    /// [`Defined::of_rust`] does not record.
    fn missed_rust(text: &str) -> Vec<String> {
        let ir = crate::frontend::lower(crate::frontend::Lang::Rust, text, crate::frontend::Depth::ConstsOnly);
        let d = Defined::of_rust(text.as_bytes());
        let found = truth(text.as_bytes(), Visibility::Included);
        let mut out: Vec<String> = ir
            .consts
            .iter()
            .map(|c| c.name.clone())
            .filter(|n| found.contains(n) && !d.may_define_any(&[name_key(n.as_bytes())]))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn a_rust_files_constants_are_recorded() {
        let text = "pub const R: u32 = 1;\n#[cfg(x)] pub(crate) static S: u8 = 0;\nstatic mut M: u8 = 0;\n\
                    enum E {\n    A = 1,\n    B,\n}\nimpl T {\n    const C: u32 = R;\n}\ntrait U { const D: u32 = 2; }\n\
                    mod m { pub const N: i32 = -1; }\nfn f() { let x: *const u8 = p; const L: u32 = 3; }\n\
                    use a::LEVEL as OLD;\nfn g<const K: usize>(s: &'static Str, t: *const T) {}\n";
        assert_eq!(missed_rust(text), Vec::<String>::new());
        let d = Defined::of_rust(text.as_bytes());
        for n in ["R", "S", "M", "A", "B", "C", "D", "N", "L"] {
            assert!(d.may_define_any(&[name_key(n.as_bytes())]), "{n}");
        }
        assert!(!d.may_define_any(&[name_key(b"x")]) && !d.may_define_any(&[name_key(b"p")]), "uses are not recorded");
        for n in ["K", "Str", "T", "u8"] {
            assert!(!d.may_define_any(&[name_key(n.as_bytes())]), "{n}: no item starts there");
        }
        assert!(!Defined::default().may_define_any(&[name_key(b"R")]) && Defined::of_rust(b"").is_empty());
    }

    #[test]
    fn the_fixtures_definitions_are_all_recorded() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut stack = vec![root];
        let (mut files, mut rust) = (0, 0);
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(bytes) = std::fs::read(&path) {
                    assert_eq!(missed(&bytes), Vec::<String>::new(), "{}", path.display());
                    if let (Some("rs"), Ok(text)) =
                        (path.extension().and_then(|e| e.to_str()), std::str::from_utf8(&bytes))
                    {
                        assert_eq!(missed_rust(text), Vec::<String>::new(), "{}", path.display());
                        rust += 1;
                    }
                    files += 1;
                }
            }
        }
        assert!(files > 100 && rust > 30, "the fixtures were read: {files}, {rust} in Rust");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn a_superset_of_found_defined_on_code_like_text(
            parts in proptest::collection::vec(prop_oneof![
                Just("#define "), Just("# define\t"), Just("const "), Just("static "), Just("mut "), Just("let "),
                Just("enum "), Just("enum class E : int "), Just("{"), Just("}"), Just(";"), Just(","),
                Just(" = "), Just("=="), Just("["), Just("]"), Just("("), Just(")"), Just("\n"), Just("    "),
                Just("\t"), Just("->"), Just("."), Just("NAME"), Just("x1"), Just("A"), Just("B_2"),
                Just("constatic "), Just("/* c */"), Just("\r\n"), Just("pub "), Just("extern "),
            ], 0..40)
        ) {
            let h = parts.concat();
            prop_assert_eq!(missed(h.as_bytes()), Vec::<String>::new(), "{:?}", h);
        }

        #[test]
        fn every_rust_constant_phase_2_finds_is_recorded(
            parts in proptest::collection::vec(prop_oneof![
                Just("const "), Just("static "), Just("mut "), Just("pub "), Just("pub(crate) "), Just("enum "),
                Just("impl T "), Just("trait U "), Just("mod m "), Just("fn f() "), Just("let "), Just("#[cfg(x)] "),
                Just("{"), Just("}"), Just(";"), Just(","), Just(" = "), Just(": u32"), Just("*const "),
                Just("\n"), Just("    "), Just("NAME"), Just("A"), Just("B_2"), Just("1"), Just("use a::B as "),
                Just("/* c */"), Just("// c\n"), Just("(1)"), Just("["), Just("]"),
            ], 0..40)
        ) {
            let text = parts.concat();
            prop_assert_eq!(missed_rust(&text), Vec::<String>::new(), "{:?}", text);
        }

        #[test]
        fn a_superset_on_arbitrary_bytes(h in proptest::collection::vec(
            prop_oneof![Just(b'A'), Just(b'='), Just(b' '), Just(b'\n'), Just(b'{'), Just(b'}'), Just(b','),
                        Just(b'['), Just(b']'), Just(b'#'), Just(b';'), any::<u8>()], 0..200)) {
            prop_assert_eq!(missed(&h), Vec::<String>::new());
        }
    }
}
