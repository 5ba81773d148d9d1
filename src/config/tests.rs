//! Tests of the configuration: keys, defaults, the settings they give,
//! error messages with positions and suggestions, `config --show`.

use super::*;
use crate::diagnostic::Severity;

/// The top-level keys, in the order serde lists them.
const TOP_KEYS: &[&str] = &[
    "impersonation-ceiling",
    "minimum-authn-level",
    "include",
    "exclude",
    "test-code",
    "test-paths",
    "audit",
    "rules",
    "function",
    "method",
    "struct",
    "helper",
    "constants",
];

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, "rpclint.toml", Path::new("/project"))
}

fn error(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

#[test]
fn empty_file_is_the_defaults() {
    let c = parse("").unwrap();
    assert!(c.rules.is_empty() && c.kb.is_empty() && c.include.is_empty());
    let s = c.settings();
    assert_eq!(s.rule_options.impersonation_ceiling, ImpLevel::Identify);
    assert!(s.kb.is_none());
}

#[test]
fn every_key() {
    let c = parse(
        "impersonation-ceiling = \"impersonate\"\nminimum-authn-level = \"pkt-integrity\"\n\
         include = [\"src/**\"]\nexclude = [\"src/vendor/\"]\n\
         [rules]\nmissing-privacy = \"off\"\nmissing-integrity = \"warning\"\n\
         [[function]]\nname = \"MyBind\"\nparams = [{ name = \"h\", role = \"binding\" }, { name = \"level\", role = \"authn-level\" }]\n\
         [[helper]]\nnames = [\"IsTrusted\"]\nkind = \"compare\"\n\
         [constants.project]\nMY_LEVEL = 2\n",
    )
    .unwrap();
    assert_eq!(c.impersonation_ceiling, Some(ImpLevel::Impersonate));
    assert_eq!(c.minimum_authn_level, Some(MinimumLevel::PktIntegrity));
    assert_eq!(c.kb.function[0].header, "rpclint.toml");
    let s = c.settings();
    assert_eq!(s.ignore, ["missing-privacy"]);
    assert_eq!(s.severity, [("missing-integrity".to_string(), Severity::Warning)]);
    assert!(s.kb.as_ref().unwrap().api_for_call("MyBind", false, 2).is_some());
    assert!(c.keeps(Path::new("/project/src/a.c")));
    assert!(!c.keeps(Path::new("/project/src/vendor/x/a.c")));
    assert!(!c.keeps(Path::new("/project/tests/a.c")));
    assert!(c.keeps(Path::new("/elsewhere/a.c")));
    assert_eq!(s.test_code.mode, TestCodeMode::Skip);
    assert!(s.test_code.extra.is_none());
}

#[test]
fn test_code_keys_and_the_audit_group() {
    let c = parse("test-code = \"report\"\ntest-paths = [\"qa/\", \"*_check.c\"]\naudit = true\n").unwrap();
    let s = c.settings();
    assert_eq!(s.test_code.mode, TestCodeMode::Report);
    let tc = &s.test_code;
    assert!(tc.is_test_file(Path::new("/project/qa/a.c"), Some(Path::new("/project"))));
    assert!(tc.is_test_file(Path::new("/project/src/a_check.c"), Some(Path::new("/project"))));
    assert!(!tc.is_test_file(Path::new("/project/src/a.c"), Some(Path::new("/project"))));
    assert_eq!(s.enable, ["audit"]);
    let audit: Vec<&str> = rules::ALL.iter().filter(|r| r.group() == "audit").map(|r| r.name).collect();
    let on: Vec<&str> = s.rules().iter().map(|r| r.name).collect();
    assert!(audit.iter().all(|a| on.contains(a)), "{on:?}");
    assert!(error("test-paths = [\"{qa\"]\n").starts_with("rpclint.toml:1:15: invalid glob \"{qa\""));
    assert_eq!(parse("audit = false\n").unwrap().settings().enable, Vec::<String>::new());
}

#[test]
fn unknown_keys_name_line_column_and_the_expected_keys() {
    assert_eq!(
        error("minimum-authn-level = \"pkt-privacy\"\nseverty = 1\n"),
        format!("rpclint.toml:2:1: unknown key \"severty\"; expected one of {}", TOP_KEYS.join(", "))
    );
    let e = error("[[function]]\nname = \"F\"\nparms = []\n");
    assert!(e.starts_with("rpclint.toml:3:1: unknown key \"parms\"; did you mean \"params\"? expected one of "), "{e}");
    let e = error("[[helper]]\nnames = [\"x\"]\nkind = \"compare\"\nform = 1\n");
    assert!(e.starts_with("rpclint.toml:4:1: unknown key \"form\"; did you mean \"from\"?"), "{e}");
}

#[test]
fn wrong_types_and_values() {
    assert_eq!(
        error("include = \"src\"\n"),
        "rpclint.toml:1:11: wrong type: expected a sequence, found string \"src\""
    );
    assert_eq!(
        error("impersonation-ceiling = \"max\"\n"),
        "rpclint.toml:1:25: unknown value \"max\"; expected one of \"anonymous\", \"identify\", \"impersonate\", \"delegate\""
    );
    assert_eq!(
        error("[rules]\nmissing-privacy = \"fatal\"\n"),
        "rpclint.toml:2:19: unknown value \"fatal\"; expected one of \"off\", \"error\", \"warning\", \"note\""
    );
    let e = error("[[function]]\nname = \"F\"\nparams = [{ name = \"l\", role = \"level\" }]\n");
    assert!(e.starts_with("rpclint.toml:3:"), "{e}");
    assert!(e.contains("unknown value \"level\""), "{e}");
}

#[test]
fn unknown_rule_names_are_errors_with_a_suggestion() {
    let e = error("[rules]\nmissing-integrty = \"off\"\n");
    assert!(
        e.starts_with(
            "rpclint.toml:2:1: unknown rule \"missing-integrty\"; did you mean \"missing-integrity\"? expected one of "
        ),
        "{e}"
    );
}

#[test]
fn syntax_errors_and_bad_globs_have_positions() {
    let e = error("[rules\n");
    assert!(e.starts_with("rpclint.toml:1:"), "{e}");
    let e = error("exclude = [\"a\", \"{b\"]\n");
    assert!(e.starts_with("rpclint.toml:1:17: invalid glob \"{b\": "), "{e}");
}

#[test]
fn method_needs_an_interface() {
    assert_eq!(error("[[method]]\nname = \"M\"\nparams = []\n"), "rpclint.toml: [[method]] \"M\" needs an `interface`");
}

#[test]
fn show_lists_every_rule_and_key() {
    let c = parse("[rules]\nmissing-privacy = \"off\"\n").unwrap();
    let text = c.show(&c.settings());
    assert!(text.contains("impersonation-ceiling = \"identify\"\n"), "{text}");
    assert!(text.contains("missing-privacy = \"off\"\n"), "{text}");
    assert!(text.contains("com-no-access-check = \"warning\"  # default\n"), "{text}");
    assert!(text.contains("missing-integrity = \"off\"  # audit group: --select audit, or audit = true\n"), "{text}");
    assert!(text.contains("test-code = \"skip\"\ntest-paths = []\naudit = false\n"), "{text}");
    let parsed: toml::Table = toml::from_str(&text).unwrap();
    assert!(parsed.contains_key("rules"));
}

#[test]
fn typo_suggestions() {
    assert_eq!(did_you_mean("exlude", TOP_KEYS), Some("exclude"));
    assert_eq!(did_you_mean("zzz", TOP_KEYS), None);
}
