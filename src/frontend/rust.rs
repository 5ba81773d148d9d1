//! Rust frontend (syn). Placeholder.

use super::Depth;
use crate::ir::FileIr;

pub(crate) fn lower(_text: &str, _depth: Depth) -> FileIr {
    FileIr::default()
}
