//! The tree's own wrappers on the command line, with no configuration: a
//! wrapper two levels above `RpcBindingSetAuthInfoExW`, defined in one file
//! and called in another, fires at the caller that passes a weak constant,
//! with labels (human) and a code flow (SARIF) through each call on the way;
//! a caller that passes its own parameter on stays silent.

use super::Tree;
use super::project::{rpclint, run_findings};

/// `bind_secure` passes `level` to the API; `connect_to` passes it to `bind_secure`.
const WRAP_C: &str = "#include <rpc.h>

RPC_STATUS bind_secure(RPC_BINDING_HANDLE h, unsigned long level)
{
    return RpcBindingSetAuthInfoExW(h, (RPC_WSTR)L\"host/x\", level, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, NULL);
}

RPC_STATUS connect_to(RPC_BINDING_HANDLE h, unsigned long level)
{
    log_it(\"connecting\");
    return bind_secure(h, level);
}
";

/// Line 5: a weak constant through two levels; line 10: the caller's own
/// parameter. The file names an API itself (files that name none are not
/// read for a wrapper's callers).
const APP_C: &str = "#include <rpc.h>

RPC_STATUS open_client(RPC_BINDING_HANDLE h)
{
    return connect_to(h, RPC_C_AUTHN_LEVEL_CONNECT);
}

RPC_STATUS open_with(RPC_BINDING_HANDLE h, unsigned long level)
{
    return connect_to(h, level);
}

RPC_STATUS open_from(RPC_WSTR s, RPC_BINDING_HANDLE *h)
{
    return RpcBindingFromStringBindingW(s, h);
}
";

fn tree() -> Tree {
    Tree::new(&[("wrap.c", WRAP_C), ("app.c", APP_C)])
}

#[test]
fn a_wrapper_two_levels_up_fires_at_the_caller_that_passes_a_weak_constant() {
    let tree = tree();
    assert_eq!(run_findings(&mut rpclint(tree.root())), ["app.c:5: error[missing-integrity]"]);
    let out = rpclint(tree.root()).args(["--format", "human", "--color", "never"]).output().unwrap();
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(human.contains("(`RpcBindingSetAuthInfoExW` is reached through `connect_to` → `bind_secure`)"), "{human}");
    assert!(human.contains("`connect_to` passes it on to `bind_secure` here"), "{human}");
    assert!(
        human.contains("reaches `AuthnLevel` of `RpcBindingSetAuthInfoExW` here through `connect_to` → `bind_secure`"),
        "{human}"
    );
}

#[test]
fn sarif_gives_the_way_as_related_locations_and_a_code_flow() {
    let tree = tree();
    let out = rpclint(tree.root()).args(["--format", "sarif"]).output().unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let related = results[0]["relatedLocations"].as_array().unwrap();
    // The caller's call (the result is at its argument), then the two steps.
    assert_eq!(related.len(), 3);
    assert_eq!(related[0]["message"]["text"], "in this call");
    let steps = results[0]["codeFlows"][0]["threadFlows"][0]["locations"].as_array().unwrap();
    let at: Vec<(String, u64)> = steps
        .iter()
        .map(|s| {
            let p = &s["location"]["physicalLocation"];
            (p["artifactLocation"]["uri"].as_str().unwrap().to_string(), p["region"]["startLine"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(at, [("app.c".to_string(), 5), ("wrap.c".to_string(), 11), ("wrap.c".to_string(), 5)]);
}

#[test]
fn a_configured_entry_of_the_same_name_still_wins() {
    let toml = "[[function]]\nname = \"connect_to\"\nparams = [{ name = \"h\", role = \"binding\" }, { name = \"level\", role = \"authn-level\" }]\n";
    let tree = Tree::new(&[("rpclint.toml", toml), ("wrap.c", WRAP_C), ("app.c", APP_C)]);
    let out = rpclint(tree.root()).args(["--format", "human", "--color", "never"]).output().unwrap();
    let human = String::from_utf8_lossy(&out.stdout);
    // The configured entry is the API: a finding at the call, with no way through the tree.
    assert!(human.contains("app.c:5"), "{human}");
    assert!(!human.contains("is reached through"), "{human}");
}
