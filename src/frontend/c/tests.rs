//! Frontend tests: source in, IR dump out.

use super::lower;
use crate::frontend::Depth;

fn c(src: &str) -> String {
    lower(src, false, Depth::Full).dump()
}

fn cpp(src: &str) -> String {
    lower(src, true, Depth::Full).dump()
}
