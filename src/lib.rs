//! rpclint: finds insecure Windows RPC, SSPI and COM security settings at
//! their call sites in C, C++ and Rust.
//!
//! The pipeline runs one way: discover → prefilter → frontend → IR →
//! resolve → rules → diagnostics → suppress/baseline → emit. The modules
//! below are listed in that order; `ARCHITECTURE.md` is the code map, with
//! the layer table that says which module may import which.

// The pipeline, in the order a file meets it.
pub mod discover; // which files a run looks at (paths, ignore files, --exclude)
mod git; // changed-files mode: the files git says changed (--changed-since)
pub mod prefilter; // does a file name an API (or a needed constant) worth parsing
pub mod frontend; // C/C++ (tree-sitter) and Rust (syn) text lowered to the IR
pub mod ir; // the language-neutral IR: functions as CFGs, constants
pub mod summary; // what the tree's own functions do with their arguments (wrappers, reverts)
pub mod resolve; // the data flow: what values reach each API call's arguments
pub mod rules; // the checks, over resolved call facts (never syntax)
pub mod diagnostic; // one finding: rule, span, message, labels, help
mod suppress; // inline `rpclint: allow(..)` comments
pub mod testcode; // which findings are in test code, and whether they are reported
mod baseline; // findings recorded once, so later runs report only new ones
pub mod emit; // the report as human, short, github, json or sarif text
pub mod apply; // fixes: which go together, the edited text written back as stored, --diff

// Driving the pipeline.
pub mod engine; // runs the stages over a set of files, in parallel, in three phases
pub mod reach; // how many API call sites the analysis could not read (RPCLINT_REACH)
pub mod settings; // what a run is asked to do (rules, severities, limits)
pub mod config; // `rpclint.toml`, merged into the settings
pub mod server; // `rpclint server`: the language server editors start
pub mod cli; // the command line, the exit code

// Shared data and helpers.
pub mod kb; // the knowledge base: the typed view of `rules/api.toml`
mod lexer; // the one lexer of C, C++ and Rust text: comments, literals, directives
pub mod source; // source files: decoding, byte offsets to lines and columns
pub mod report; // what one run produced, as the emitters read it
pub mod limits; // per-file size and time limits
mod ir_dump; // a readable text form of the IR (tests, `rpclint debug-ir`)
mod paths; // absolute paths and paths as messages show them
mod spelling; // "did you mean" for misspelt names
