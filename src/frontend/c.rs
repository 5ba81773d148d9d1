//! C and C++ frontend (tree-sitter-c / tree-sitter-cpp). Placeholder.

use super::Depth;
use crate::ir::FileIr;

pub(crate) fn lower(_text: &str, _cpp: bool, _depth: Depth) -> FileIr {
    FileIr::default()
}
