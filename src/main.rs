//! The `rpclint` binary: parse the command line, run it, exit with its code.
//! Everything else lives in the library (`rpclint::cli`).

use std::io::{self, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let env = rpclint::cli::Env::from_process();
    // One lock and one buffer for the whole report: findings are written in
    // order from this thread only, never from workers.
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    // Stderr is not locked for the run: a worker thread may write to it (a
    // panic message, `RPCLINT_TIMINGS`), and holding its lock here would
    // deadlock that thread.
    let mut stderr = io::stderr();
    let code = rpclint::cli::run(std::env::args_os(), &env, &mut stdout, &mut stderr);
    // `run` has flushed what it wrote; a failure here can only be a closed
    // pipe after the fact, which is not worth a different exit code.
    let _ = stdout.flush();
    ExitCode::from(code)
}
