//! `rpclint server`: a language server over stdin and stdout, built on
//! lsp-server (the messages and their framing) and lsp-types (the protocol's
//! types), as rust-analyzer and ruff are.
//!
//! The main thread reads the client's messages and keeps the open buffers
//! ([`session`]); a worker thread ([`worker`]) owns the workspace (each
//! folder's configuration and project index, [`workspace`]) and runs the
//! checks, so a long check never blocks the protocol. An edit schedules a
//! check after a short pause (debounce); a result is published only if it
//! is for the buffer's current version, so a stale one never replaces a
//! newer one. Diagnostics are pushed (`publishDiagnostics`) unless the
//! client pulls them (`textDocument/diagnostic`), which is always answered.
//!
//! The server never dies of its input: a malformed message is skipped
//! ([`transport`]), an unknown request answered `MethodNotFound`, a panic
//! in a check caught by the worker, a broken `rpclint.toml` shown as a
//! diagnostic on it while the last good configuration stays in use.
//! `shutdown` then `exit` end it with 0, `exit` alone with 1.
//!
//! Its parts: [`transport`] (stdio), [`uri`] (file URIs), [`text`]
//! (positions and edits), [`convert`] (a report as LSP diagnostics),
//! [`actions`] (hover, code actions), [`session`] (the handlers).

mod actions;
mod convert;
mod session;
mod text;
mod transport;
mod uri;
mod worker;
mod workspace;

use std::io::Write;

use crossbeam_channel::unbounded;

/// Runs the server on stdin and `stdout` until `exit`; returns the exit code.
#[allow(clippy::print_stderr)]
pub fn run(stdout: &mut dyn Write) -> u8 {
    let messages = match transport::stdin_reader() {
        Ok(m) => m,
        Err(e) => {
            eprintln!("rpclint server: cannot start: {e}");
            return 2;
        }
    };
    // The buffers are parsed again at each edit: from their last parse.
    crate::frontend::reuse_parses();
    let (jobs, job_queue) = unbounded();
    let (outcome_sender, outcomes) = unbounded();
    // The worker ends when its job channel closes (the session is gone); a
    // check still running is not waited for.
    if let Err(e) = worker::spawn(job_queue, outcome_sender) {
        eprintln!("rpclint server: cannot start: {e}");
        return 2;
    }
    session::Session::new(stdout, jobs).serve(&messages, &outcomes)
}
