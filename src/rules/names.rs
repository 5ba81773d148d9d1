//! Words of identifiers, and what a function's name says about it: a hook
//! or replacement of an API (`my_CoImpersonateClient`, `Hook_SetThreadToken`,
//! `co_impersonate_client_detour`) is named after the API it stands in for.

use crate::kb::Api;

/// The lowercase words of an identifier, split at `_` and at a lowercase
/// letter followed by an uppercase one (`DoFTUserImpersonation`: do, ftuser,
/// impersonation).
pub(crate) fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if (ch == '_' || (ch.is_ascii_uppercase() && prev_lower)) && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if ch != '_' {
            word.push(ch.to_ascii_lowercase());
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Whether a function named `name` with `arity` parameters stands in for
/// `api`: the API's words (with its `A`/`W` letter, for an API that has
/// both) begin or end the name, after or before words of its own, and it
/// takes the API's parameters (a hook must, to be called in its place).
/// COM methods are left out: their hooks take the interface pointer too.
pub(crate) fn replaces_api(name: &str, arity: usize, api: &Api) -> bool {
    if api.interface.is_some() || arity != api.params.len() {
        return false;
    }
    let own = words(name);
    let base = words(&api.name);
    let mut spellings = vec![base.clone()];
    if api.aw {
        for letter in ["a", "w"] {
            let mut w = base.clone();
            w.push(letter.to_string());
            spellings.push(w);
        }
    }
    spellings
        .iter()
        .any(|api_words| own.len() > api_words.len() && (own.starts_with(api_words) || own.ends_with(api_words)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hooks_are_named_after_the_api() {
        let kb = crate::kb::Kb::builtin();
        let api = |n: &str| kb.apis.iter().find(|a| a.name == n && a.interface.is_none()).expect("api");
        let co = api("CoImpersonateClient");
        for name in ["my_CoImpersonateClient", "HookedCoImpersonateClient", "co_impersonate_client_detour"] {
            assert!(replaces_api(name, 0, co), "{name}");
        }
        assert!(!replaces_api("my_CoImpersonateClient", 1, co), "another signature");
        assert!(!replaces_api("CoImpersonateClient", 0, co), "the API itself is not a hook");
        assert!(!replaces_api("DoCoImpersonateClientWork", 0, co), "the name only mentions it");
        let set = api("SetThreadToken");
        assert!(replaces_api("Sbie_SetThreadToken", 2, set));
        assert!(!replaces_api("ResetThreadToken", 2, set));
    }
}
