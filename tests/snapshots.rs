//! How findings read: the `human`, `short` and `github` output of one bad
//! fixture per rule, as insta snapshots (`tests/snapshots/`), so that a change
//! of wording, labels or layout is reviewed (`cargo insta review`), not
//! accidental. No colour; paths relative to the crate root, as a user in the
//! repository would see them.

use std::path::{Path, PathBuf};

use rpclint::config::Config;
use rpclint::emit::{self, EmitOptions, Format};
use rpclint::engine::{Settings, check_files};
use rpclint::report::Report;
use rpclint::rules::ALL;

/// The fixture directory's settings (its `rpclint.toml`, if any).
fn settings_for(dir: &Path) -> Settings {
    let config = dir.join(rpclint::config::FILE_NAME);
    let mut settings = if config.is_file() {
        Config::load(&config).expect("fixture configuration loads").settings()
    } else {
        Settings::default()
    };
    // Every rule renders, the audit group too.
    settings.enable.push("audit".to_string());
    settings
}

/// The fixture's bad files, C first, then C++, then Rust, each sorted.
fn bad_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("readable fixture dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("bad_")))
        .filter(|p| rpclint::frontend::Lang::from_path(p).is_some())
        .collect();
    let rank = |p: &PathBuf| match p.extension().and_then(|e| e.to_str()) {
        Some("c") => 0,
        Some("rs") => 2,
        _ => 1,
    };
    files.sort_by_key(|p| (rank(p), p.clone()));
    files
}

fn render(report: &Report, format: Format) -> String {
    let mut out = Vec::new();
    let opts = EmitOptions { color: false, ..EmitOptions::default() };
    emit::write(format, report, &mut out, &opts).expect("writing to memory");
    String::from_utf8(out).expect("emitters write UTF-8")
}

#[test]
fn one_bad_fixture_per_rule_renders_as_reviewed() {
    // Integration tests run in the crate root: relative paths stay relative.
    let root = Path::new("fixtures");
    assert!(root.is_dir(), "run from the crate root");
    for rule in ALL {
        let dir = root.join(rule.name);
        // The first bad file that, checked alone, reports this rule.
        let found = bad_files(&dir).into_iter().find_map(|file| {
            let report = check_files(std::slice::from_ref(&file), &settings_for(&dir));
            report.diagnostics.iter().any(|d| d.rule == rule.name).then_some((file, report))
        });
        let Some((file, report)) = found else { panic!("{}: no bad fixture reports it on its own", rule.name) };
        let shown = rpclint::source::display_path(&file);
        let mut text = String::new();
        for (flag, format) in [("human", Format::Human), ("short", Format::Short), ("github", Format::Github)] {
            text.push_str(&format!("$ rpclint --format {flag} {shown}\n{}\n", render(&report, format)));
        }
        insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(rule.name, text);
        });
    }
}
