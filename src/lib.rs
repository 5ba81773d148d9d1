//! rpclint: finds insecure Windows RPC, SSPI and COM security settings at
//! their call sites in C, C++ and Rust.
//!
//! The pipeline runs one way: discover → prefilter → frontend → IR →
//! resolver + rules → diagnostics → emitters.

mod baseline;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod emit;
pub mod engine;
pub mod frontend;
mod git;
pub mod ir;
mod ir_dump;
pub mod kb;
pub mod limits;
mod paths;
pub mod prefilter;
pub mod report;
pub mod resolve;
pub mod rules;
pub mod settings;
pub mod source;
mod spelling;
mod suppress;
