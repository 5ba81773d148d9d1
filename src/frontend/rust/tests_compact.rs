//! Lowering a focused text without its blanked declarations gives the IR,
//! spans and problems included, that lowering the whole focused text gives.

use super::{compact, lower, lower_without};
use crate::frontend::focus::{Purpose, blank_declarations};
use crate::frontend::{Depth, Lang};

/// The focused text of `src` and its blanked ranges, for a `keep` that
/// accepts what names one of a few API-like words.
fn focused(src: &str, purpose: Purpose) -> Option<(String, Vec<(usize, usize)>)> {
    let keep =
        |t: &[u8]| [&b"Co"[..], b"Rpc", b"Impersonate", b"LEVEL"].iter().any(|w| t.windows(w.len()).any(|x| x == *w));
    let b = blank_declarations(src, Lang::Rust, &keep, purpose)?;
    Some((b.text?, b.ranges))
}

fn same_ir(src: &str) -> usize {
    let mut compared = 0;
    for (purpose, depth) in [(Purpose::Rules, Depth::Full), (Purpose::Consts, Depth::ConstsOnly)] {
        if let Some((text, ranges)) = focused(src, purpose) {
            assert!(compact(&text, &ranges).is_some(), "focus's ranges are blank: {ranges:?}");
            let whole = format!("{:?}", lower(&text, depth));
            let short = format!("{:?}", lower_without(&text, &ranges, depth));
            assert_eq!(whole, short, "{text}");
            compared += 1;
        }
    }
    compared
}

#[test]
fn the_fixtures_lower_the_same_without_their_blanks() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut stack = vec![root];
    let mut compared = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                if let Ok(src) = std::fs::read_to_string(&path) {
                    compared += same_ir(&src);
                }
            }
        }
    }
    assert!(compared > 30, "focus blanked something in enough fixtures: {compared}");
}

#[test]
fn a_line_comment_before_a_blanked_item_still_ends() {
    let src = "use a::b; // the API\nstruct S { a: u32 }\nfn f() { CoInitializeSecurity(LEVEL); }\n\
               /* c */ type T = u32;\n    \nconst LEVEL: u32 = 2; // two\nstruct U;\n";
    let (text, ranges) = focused(src, Purpose::Rules).expect("something blanked");
    assert!(ranges.len() >= 2, "{ranges:?}");
    let (short, _) = compact(&text, &ranges).expect("blank ranges");
    assert!(short.len() < text.len() && !short.contains("struct"), "{short:?}");
    let ir = lower_without(&text, &ranges, Depth::Full);
    assert_eq!(ir.functions.len(), 1, "{ir:?}");
    assert_eq!(ir.consts.len(), 1, "{ir:?}");
    assert_eq!(same_ir(src), 2);
    let call = &ir.functions[0].calls[0];
    assert_eq!(&src[call.span.start as usize..call.span.end as usize], "CoInitializeSecurity(LEVEL)");
}

#[test]
fn a_syntax_error_is_placed_where_it_is() {
    let src = "struct S { a: u32 }\nfn f() { CoInitialize(; }\nstruct T;\nfn g() { Rpc(1) }\n";
    assert!(same_ir(src) > 0);
    let (text, ranges) = focused(src, Purpose::Rules).expect("something blanked");
    let ir = lower_without(&text, &ranges, Depth::Full);
    assert!(!ir.problems.is_empty() && ir.problems.iter().all(|p| (p.span.start as usize) < src.len()));
}

#[test]
fn ranges_that_are_not_blank_are_not_dropped() {
    assert!(compact("fn f() {}", &[(0, 2)]).is_none(), "not blank");
    assert!(compact("    fn f() {}", &[(0, 40)]).is_none(), "past the end");
    assert!(compact("    x   y", &[(1, 3), (5, 6), (6, 7), (8, 9)]).is_none(), "the last is not blank");
    let (short, map) = compact("  x    y", &[(0, 1), (1, 2), (4, 5), (5, 6)]).expect("adjacent ranges");
    assert_eq!((short.as_str(), map), ("\nx\ny", vec![(0, 0), (1, 2), (3, 7)]));
    let (short, map) = compact("a    b", &[(2, 4)]).expect("blank");
    assert_eq!((short.as_str(), map), ("a\nb", vec![(0, 0), (2, 5)]));
}
