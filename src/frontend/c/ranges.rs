//! The parts of a C or C++ text given to tree-sitter: all but the long runs
//! of blanks that focus leaves where it blanked a function (tree-sitter
//! would lex them byte by byte).

/// Blank runs at least this long are not given to the parser.
const MIN_SKIPPED_BLANKS: usize = 256;

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\n'
}

/// The byte ranges of `bytes` outside long runs of spaces and newlines; empty
/// when there is no such run (the parser then reads everything).
pub(super) fn code_ranges(bytes: &[u8]) -> Vec<tree_sitter::Range> {
    // The runs that long, found by looking at one byte in MIN_SKIPPED_BLANKS:
    // such a run holds one of them, so a byte that is no blank skips ahead.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = MIN_SKIPPED_BLANKS - 1;
    while i < bytes.len() {
        if !is_blank(bytes[i]) {
            i += MIN_SKIPPED_BLANKS;
            continue;
        }
        let floor = runs.last().map_or(0, |r| r.1);
        let start = bytes[floor..i].iter().rposition(|&b| !is_blank(b)).map_or(floor, |k| floor + k + 1);
        let end = bytes[i..].iter().position(|&b| !is_blank(b)).map_or(bytes.len(), |k| i + k);
        if end - start >= MIN_SKIPPED_BLANKS {
            runs.push((start, end));
        }
        i = end + MIN_SKIPPED_BLANKS;
    }
    if runs.is_empty() {
        return Vec::new();
    }
    // Rows and columns are counted only where a range starts or ends.
    let mut points = Points { bytes, at: 0, point: tree_sitter::Point { row: 0, column: 0 } };
    let mut ranges = Vec::new();
    let mut start = (0usize, tree_sitter::Point { row: 0, column: 0 });
    let mut skipped = false;
    for &(rs, re) in &runs {
        if re == bytes.len() {
            // The last run, up to the end: the last range stops at it.
            break;
        }
        let rp = points.at(rs);
        let (end, end_point) = through_newline(bytes, rs, rp);
        if end > start.0 {
            ranges.push(tree_sitter::Range { start_byte: start.0, end_byte: end, start_point: start.1, end_point });
        }
        start = (re, points.at(re));
        skipped = true;
    }
    let last_end = match runs.last() {
        Some(&(rs, re)) if re == bytes.len() => {
            let rp = points.at(rs);
            through_newline(bytes, rs, rp)
        }
        _ => (bytes.len(), points.at(bytes.len())),
    };
    if !skipped {
        return Vec::new();
    }
    if last_end.0 > start.0 {
        ranges.push(tree_sitter::Range {
            start_byte: start.0,
            end_byte: last_end.0,
            start_point: start.1,
            end_point: last_end.1,
        });
    }
    ranges
}

/// The rows and columns of byte offsets asked for in increasing order.
struct Points<'a> {
    bytes: &'a [u8],
    at: usize,
    point: tree_sitter::Point,
}

impl Points<'_> {
    fn at(&mut self, pos: usize) -> tree_sitter::Point {
        let between = &self.bytes[self.at..pos];
        match memchr::memrchr(b'\n', between) {
            Some(last) => {
                self.point.row += memchr::memchr_iter(b'\n', between).count();
                self.point.column = between.len() - last - 1;
            }
            None => self.point.column += between.len(),
        }
        self.at = pos;
        self.point
    }
}
/// Where a range that stops at the blank run starting at `rs` (at point
/// `rp`) ends: after the run's first newline, which ends a preprocessor
/// line (`#define A 1` must not run on into the next range's code).
fn through_newline(bytes: &[u8], rs: usize, rp: tree_sitter::Point) -> (usize, tree_sitter::Point) {
    match bytes.get(rs..).and_then(|run| run.iter().take_while(|&&b| b == b' ' || b == b'\n').position(|&b| b == b'\n'))
    {
        Some(n) => (rs + n + 1, tree_sitter::Point { row: rp.row + 1, column: 0 }),
        None => (rs, rp),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The byte-at-a-time version that [`code_ranges`] replaced.
    fn reference(bytes: &[u8]) -> Vec<tree_sitter::Range> {
        let mut ranges = Vec::new();
        let (mut row, mut col) = (0usize, 0usize);
        let mut start = (0usize, tree_sitter::Point { row: 0, column: 0 });
        let mut run_start: Option<(usize, tree_sitter::Point)> = None;
        let mut skipped = false;
        for (i, &b) in bytes.iter().enumerate() {
            let here = tree_sitter::Point { row, column: col };
            if b == b' ' || b == b'\n' {
                if run_start.is_none() {
                    run_start = Some((i, here));
                }
            } else if let Some((rs, rp)) = run_start.take() {
                if i - rs >= MIN_SKIPPED_BLANKS {
                    let (end, end_point) = through_newline(bytes, rs, rp);
                    if end > start.0 {
                        ranges.push(tree_sitter::Range {
                            start_byte: start.0,
                            end_byte: end,
                            start_point: start.1,
                            end_point,
                        });
                    }
                    start = (i, here);
                    skipped = true;
                }
            }
            if b == b'\n' {
                row += 1;
                col = 0;
            } else {
                col += 1;
            }
        }
        if !skipped {
            return Vec::new();
        }
        let end = tree_sitter::Point { row, column: col };
        let last_end = match run_start {
            Some((rs, rp)) if bytes.len() - rs >= MIN_SKIPPED_BLANKS => through_newline(bytes, rs, rp),
            _ => (bytes.len(), end),
        };
        if last_end.0 > start.0 {
            ranges.push(tree_sitter::Range {
                start_byte: start.0,
                end_byte: last_end.0,
                start_point: start.1,
                end_point: last_end.1,
            });
        }
        ranges
    }

    #[test]
    fn runs_at_the_edges_and_between_code() {
        let blanks = |n: usize| " ".repeat(n);
        let code = format!("{}int a;\n{}\n#define X 1{}int b;\n{}", blanks(300), blanks(256), blanks(255), blanks(400));
        for text in [code.as_str(), "int a;", "", &blanks(1000), &format!("a{}b", blanks(256))] {
            assert_eq!(code_ranges(text.as_bytes()), reference(text.as_bytes()), "{text:?}");
        }
        assert!(!code_ranges(code.as_bytes()).is_empty());
        // A run of exactly the length, wherever it falls among the bytes looked at.
        for at in 0..2 * MIN_SKIPPED_BLANKS {
            let text = format!("{}{}y;", "x".repeat(at), " ".repeat(MIN_SKIPPED_BLANKS));
            let ranges = code_ranges(text.as_bytes());
            assert_eq!(ranges, reference(text.as_bytes()), "{at}");
            assert_eq!(ranges.len(), if at == 0 { 1 } else { 2 }, "{at}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn the_same_ranges_as_byte_by_byte(parts in proptest::collection::vec(
            prop_oneof![Just(1usize), Just(40), Just(255), Just(256), Just(257), Just(600)]
                .prop_flat_map(|n| prop_oneof![Just(" ".repeat(n)), Just("\n".repeat(n.min(3))),
                    Just(format!("{}\n{}", " ".repeat(n), " ".repeat(n / 2))), Just("x = 1;".to_string()),
                    Just("#if A\n".to_string()), Just("\t".to_string())]),
            0..12)) {
            let text = parts.concat();
            prop_assert_eq!(code_ranges(text.as_bytes()), reference(text.as_bytes()));
        }
    }
}
