//! `--format short`: `path:line:col: severity[rule]: message`, one finding a
//! line, for editors, `grep` and logs. Lines and columns are 1-based; columns
//! count characters.

use std::io;

use super::{path_of, position, shown};
use crate::report::Report;

pub(super) fn write(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    for d in shown(report) {
        let (line, column) = report.file(d.file).map_or((1, 1), |f| {
            let start = position(f, d.span.start as usize);
            (start.line, start.column)
        });
        writeln!(out, "{}:{line}:{column}: {}[{}]: {}", path_of(report, d.file), d.severity, d.rule, d.message)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::test_report;

    #[test]
    fn one_line_per_unsuppressed_finding() {
        let mut out = Vec::new();
        write(&test_report::report(), &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "src/main.c:5:47: error[missing-integrity]: authentication level `RPC_C_AUTHN_LEVEL_CONNECT` does not protect integrity\n"
        );
    }
}
