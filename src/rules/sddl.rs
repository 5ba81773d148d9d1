//! What an SDDL string grants: its DACL read far enough to tell whether
//! anyone at all gets in (no DACL, a NULL one, or an allow ACE for a group
//! every process or caller is in: anonymous, everyone, authenticated or
//! interactive users, `BUILTIN\Users`). The names and numbers come from the
//! knowledge base (`sddl.h`, `winnt.h` constants in `rules/api.toml`).

use crate::kb::Kb;

/// The SDDL words and group accounts the check needs, from the kb.
pub(crate) struct Grants {
    dacl: String,
    null_acl: String,
    allow: Vec<String>,
    groups: Vec<String>,
}

impl Grants {
    pub(crate) fn from_kb(kb: &Kb) -> Option<Grants> {
        let text = |name: &str| kb.text(name).map(str::to_string);
        let mut groups = Vec::new();
        for name in [
            "SDDL_ANONYMOUS",
            "SDDL_EVERYONE",
            "SDDL_AUTHENTICATED_USERS",
            "SDDL_INTERACTIVE",
            "SDDL_NETWORK",
            "SDDL_BUILTIN_USERS",
        ] {
            groups.push(text(name)?);
        }
        // The NT authority is 5, the world authority 1 (winnt.h's SID layout).
        for rid in [
            "SECURITY_ANONYMOUS_LOGON_RID",
            "SECURITY_AUTHENTICATED_USER_RID",
            "SECURITY_INTERACTIVE_RID",
            "SECURITY_NETWORK_RID",
        ] {
            groups.push(format!("S-1-5-{}", kb.int(rid)?));
        }
        groups.push(format!("S-1-1-{}", kb.int("SECURITY_WORLD_RID")?));
        groups.push(format!("S-1-5-{}-{}", kb.int("SECURITY_BUILTIN_DOMAIN_RID")?, kb.int("DOMAIN_ALIAS_RID_USERS")?));
        Some(Grants {
            dacl: text("SDDL_DACL")?,
            null_acl: text("SDDL_NULL_ACL")?,
            allow: vec![text("SDDL_ACCESS_ALLOWED")?, text("SDDL_OBJECT_ACCESS_ALLOWED")?],
            groups,
        })
    }

    /// Whether `sddl` lets anyone in: `Some(true)` with no DACL, a NULL DACL
    /// or an allow ACE for one of the groups, `Some(false)` when its DACL
    /// grants only other accounts, `None` when the string cannot be read.
    pub(crate) fn admits_anyone(&self, sddl: &str) -> Option<bool> {
        let Some((flags, aces)) = self.dacl_of(sddl)? else { return Some(true) };
        if flags.to_ascii_uppercase().contains(&self.null_acl.to_ascii_uppercase()) {
            return Some(true);
        }
        Some(aces.iter().any(|ace| {
            let Some((ty, account)) = type_and_account(ace) else { return false };
            self.allow.iter().any(|a| ty.eq_ignore_ascii_case(a))
                && self.groups.iter().any(|g| account.eq_ignore_ascii_case(g))
        }))
    }

    /// The DACL's flags and ACE bodies: `Some(None)` when the string has no
    /// DACL part, `None` when it is not SDDL as this reads it.
    fn dacl_of<'s>(&self, sddl: &'s str) -> Option<Option<(&'s str, Vec<&'s str>)>> {
        let mut rest = sddl.trim();
        while !rest.is_empty() {
            let tag = rest.get(..2)?.to_ascii_uppercase();
            let body = rest.get(2..)?;
            let is_dacl = tag == format!("{}:", self.dacl);
            if tag == "O:" || tag == "G:" {
                rest = body.get(sid_len(body)?..)?;
            } else if is_dacl || tag == "S:" {
                // Flags up to the first ACE or the next part, then `(...)` ACEs.
                let flags_end = body.find('(').unwrap_or(body.len()).min(next_part(body));
                let (flags, mut acl) = body.split_at(flags_end);
                let mut aces = Vec::new();
                while let Some(inner) = acl.strip_prefix('(') {
                    let close = inner.find(')')?;
                    aces.push(inner.get(..close)?);
                    acl = inner.get(close + 1..)?;
                }
                if is_dacl {
                    return Some(Some((flags, aces)));
                }
                rest = acl;
            } else {
                return None;
            }
            rest = rest.trim_start();
        }
        Some(None)
    }
}

/// An ACE's type and account: the first and sixth fields of its body
/// (`type;flags;rights;object guid;inherited guid;account`).
pub(crate) fn type_and_account(ace: &str) -> Option<(&str, &str)> {
    let mut fields = ace.split(';').map(str::trim);
    let ty = fields.next()?;
    Some((ty, fields.nth(4)?))
}

/// The length of an owner or group: a numeric SID (`S-1-5-32-544`) or a
/// two-letter alias (`BA`).
fn sid_len(body: &str) -> Option<usize> {
    if body.len() >= 2 && body.get(..2)?.eq_ignore_ascii_case("S-") {
        Some(2 + body.get(2..)?.chars().take_while(|c| c.is_ascii_digit() || *c == '-').count())
    } else {
        body.get(..2).map(|_| 2)
    }
}

/// Where the next `O:`, `G:`, `D:` or `S:` part starts in an ACL's flags.
fn next_part(body: &str) -> usize {
    let b = body.as_bytes();
    (0..b.len().saturating_sub(1))
        .find(|&i| b[i + 1] == b':' && matches!(b[i].to_ascii_uppercase(), b'O' | b'G' | b'D' | b'S'))
        .unwrap_or(body.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_an_sddl_lets_in() {
        let g = Grants::from_kb(Kb::builtin()).expect("constants");
        for (sddl, anyone) in [
            ("D:(A;;FA;;;BA)", Some(false)),
            ("O:BAD:(A;;GA;;;SY)", Some(false)),
            ("S:(ML;;NW;;;HI)D:(A;;GA;;;S-1-5-21-1-2-3-1001)", Some(false)),
            ("D:P(A;;GA;;;SY)(A;;GA;;;BA)S:(ML;;NW;;;LW)", Some(false)),
            ("D:(A;;GA;;;WD)", Some(true)),
            ("D:(A;;GRGW;;;AN)(A;;GA;;;BA)", Some(true)),
            ("D:(A;;GA;;;S-1-5-7)", Some(true)),
            ("D:(D;;GA;;;AN)(A;;GA;;;BA)", Some(false)),
            ("D:NO_ACCESS_CONTROL", Some(true)),
            ("S:(ML;;NW;;;HI)", Some(true)),
            ("O:SY", Some(true)),
            ("X:garbage", None),
        ] {
            assert_eq!(g.admits_anyone(sddl), anyone, "{sddl}");
        }
    }
}
