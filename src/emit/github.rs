//! `--format github`: GitHub Actions workflow commands, which the runner
//! turns into annotations on the pull request:
//!
//! ```text
//! ::error file=src/a.c,line=12,col=5,endLine=13,endColumn=41,title=missing-integrity::authentication level ...
//! ```
//!
//! `note` becomes `::notice`. Escaping follows `@actions/core`
//! (`toolkit/packages/core/src/command.ts`): in the message `%`, `\r`, `\n`
//! become `%25`, `%0D`, `%0A`; in properties `:` and `,` are escaped too
//! (`%3A`, `%2C`). Suppressed findings are left out. Files that could not be
//! read are `::error` annotations on the file, suppression-comment problems
//! `::warning`s.

use std::io;

use super::{portable_path_of, shown, span_positions};
use crate::diagnostic::Severity;
use crate::report::Report;

pub(super) fn write(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    for d in shown(report) {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut props = vec![("file", portable_path_of(report, d.file))];
        if let Some(file) = report.file(d.file) {
            let (start, end) = span_positions(file, d.span);
            props.push(("line", start.line.to_string()));
            props.push(("col", start.column.to_string()));
            props.push(("endLine", end.line.to_string()));
            props.push(("endColumn", end.column.to_string()));
        }
        props.push(("title", d.rule.to_string()));
        let message = match &d.help {
            Some(help) => format!("{}\nhelp: {help}", d.message),
            None => d.message.clone(),
        };
        writeln!(out, "{}", command_line(command, &props, &message))?;
    }
    for w in &report.warnings {
        let props = [
            ("file", crate::paths::text::slash(&w.path)),
            ("line", w.line.to_string()),
            ("col", w.column.to_string()),
            ("title", "rpclint".to_string()),
        ];
        writeln!(out, "{}", command_line("warning", &props, &w.message))?;
    }
    for e in &report.errors {
        let props = [("file", crate::paths::text::slash(&e.path)), ("title", "rpclint".to_string())];
        writeln!(out, "{}", command_line("error", &props, &e.message))?;
    }
    Ok(())
}

fn command_line(command: &str, props: &[(&str, String)], message: &str) -> String {
    let props: Vec<String> = props.iter().map(|(k, v)| format!("{k}={}", escape_property(v))).collect();
    format!("::{command} {}::{}", props.join(","), escape_data(message))
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::test_report;
    use crate::report::{FileError, Warning};

    #[test]
    fn one_command_per_unsuppressed_finding_warning_and_error() {
        let mut report = test_report::report();
        report.warnings.push(Warning {
            path: "src/main.c".into(),
            line: 3,
            column: 8,
            message: "unknown rule `x` in suppression comment".into(),
        });
        report.errors = vec![FileError { path: "src/a,b:c.c".into(), message: "permission denied".into() }];
        let mut out = Vec::new();
        write(&report, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "::error file=src/main.c,line=5,col=47,endLine=5,endColumn=52,title=missing-integrity::authentication level `RPC_C_AUTHN_LEVEL_CONNECT` does not protect integrity%0Ahelp: pass `RPC_C_AUTHN_LEVEL_PKT_PRIVACY`\n\
             ::warning file=src/main.c,line=3,col=8,title=rpclint::unknown rule `x` in suppression comment\n\
             ::error file=src/a%2Cb%3Ac.c,title=rpclint::permission denied\n"
        );
    }

    #[test]
    fn escaping_follows_the_actions_toolkit() {
        assert_eq!(escape_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        let mut report = test_report::report();
        report.diagnostics[0].severity = Severity::Note;
        report.diagnostics[0].help = None;
        let mut out = Vec::new();
        write(&report, &mut out).unwrap();
        assert!(String::from_utf8(out).unwrap().starts_with("::notice file=src/main.c,line=5,"));
    }
}
