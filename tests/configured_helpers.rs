//! A project's own checking functions, named in the configuration as
//! `[[helper]]` entries (the knowledge-base schema), count as tests for the
//! SSPI rules that follow outputs: `unchecked-context-attributes` and
//! `unchecked-decrypt-qop`. Without the entry the same call is an unknown
//! function, which also silences them (a value handed on); with it, the
//! helper's kind decides, and a `compare` or `test-status` helper is a test.
//! The configuration file is not wired yet, so the knowledge base is extended
//! here the way the configuration will extend it.

use std::collections::BTreeSet;

use rpclint::frontend::{Depth, Lang, lower};
use rpclint::kb::{API_TOML, Kb, KbFile};
use rpclint::prefilter::Visibility;
use rpclint::resolve::ProjectFacts;
use rpclint::resolve::{ConstTable, FileCtx, analyze};
use rpclint::rules::{ALL, RuleOptions, run};
use rpclint::source::FileId;

const SOURCE: &str = r#"
#define SECURITY_WIN32
#include <windows.h>
#include <sspi.h>

SECURITY_STATUS connect(CredHandle *cred, CtxtHandle *ctx, SEC_WCHAR *spn, SecBufferDesc *out)
{
    ULONG attrs = 0;
    SECURITY_STATUS status = InitializeSecurityContextW(cred, NULL, spn, ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY,
                                                        0, SECURITY_NATIVE_DREP, NULL, 0, ctx, out, &attrs, NULL);
    if (!CheckContextFlags(attrs))
        return SEC_E_MUTUAL_AUTH_FAILED;
    return status;
}

int unwrap(CtxtHandle *ctx, SecBufferDesc *msg)
{
    ULONG qop = 0;

    if (DecryptMessage(ctx, msg, 0, &qop) != SEC_E_OK)
        return -1;
    return IsSealedQop(qop) ? 0 : -1;
}

SECURITY_STATUS seal(CtxtHandle *ctx, SecBufferDesc *msg)
{
    return EncryptMessage(ctx, 0, msg, 0);
}
"#;

fn findings(kb: &Kb) -> Vec<&'static str> {
    findings_in(kb, SOURCE)
}

fn findings_in(kb: &Kb, source: &str) -> Vec<&'static str> {
    let ir = lower(Lang::C, source, Depth::Full);
    let file = FileId(0);
    let mut table = ConstTable::new();
    table.add_file(file, &ir, Visibility::Linked);
    let project = ProjectFacts::collect(std::iter::once(&ir), kb);
    let reverting = BTreeSet::new();
    let cx = FileCtx { kb, file, consts: &table, reverting_types: &reverting, deadline: None, summaries: None };
    let facts: Vec<_> = ir.functions.iter().map(|f| analyze(&cx, f)).collect();
    let rules: Vec<_> = ALL.iter().copied().filter(|r| r.name.starts_with("unchecked-")).collect();
    let mut names: Vec<&'static str> =
        run(&rules, kb, &RuleOptions::default(), &project, &table, file, &ir, &facts).iter().map(|d| d.rule).collect();
    names.sort_unstable();
    names
}

fn kb_with(helpers: &str) -> Kb {
    let mut kb = Kb::from_toml(API_TOML).expect("the shipped knowledge base parses");
    let extra: KbFile = toml::from_str(helpers).expect("helper entries parse");
    kb.extend(extra);
    kb
}

#[test]
fn unknown_checking_functions_hand_the_values_on() {
    assert!(findings(&kb_with("")).is_empty());
}

#[test]
fn configured_test_status_and_compare_helpers_are_tests() {
    let kb = kb_with(
        r#"
[[helper]]
kind = "test-status"
from = 0
means = "success"
names = ["CheckContextFlags"]

[[helper]]
kind = "compare"
names = ["IsSealedQop"]
"#,
    );
    assert!(findings(&kb).is_empty());
}

#[test]
fn without_the_checks_both_rules_fire() {
    let unchecked = SOURCE
        .replace("if (!CheckContextFlags(attrs))\n        return SEC_E_MUTUAL_AUTH_FAILED;\n", "")
        .replace("return IsSealedQop(qop) ? 0 : -1;", "return 0;");
    assert_eq!(findings_in(&kb_with(""), &unchecked), vec!["unchecked-context-attributes", "unchecked-decrypt-qop"]);
}
