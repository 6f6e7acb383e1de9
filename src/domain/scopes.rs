//! Scopes: what a key is for. Keyward's own API is governed by the built-in `keyward:*`
//! scopes (`Keyward`); the services behind Keyward read the others — names from the
//! account's catalog — from `/api/v1/verify` and `/auth/forward`. A scope narrows a key, it
//! never widens its owner: a key with `keyward:machines:write` whose owner may not manage
//! machines still manages none.
//!
//! Stored on the credential as one string, the names sorted and space-separated.

use std::collections::BTreeSet;

use crate::domain::authority::Requirement;
use crate::domain::permissions::{Grants, Permission};

/// Longest scope name.
pub const MAX_NAME_CHARS: usize = 64;
/// Most scopes on one key.
pub const MAX_PER_KEY: usize = 50;
/// What every catalog name may not start with: Keyward's own.
const RESERVED_PREFIX: &str = "keyward:";

/// The scopes of Keyward's own API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Keyward {
    CredentialsRead,
    CredentialsWrite,
    MachinesRead,
    MachinesWrite,
    OperatorsRead,
    Verify,
    /// The main account's sub accounts (`/api/v1/accounts`, and `?account=` on other calls).
    Accounts,
}

impl Keyward {
    pub const ALL: [Keyward; 7] = [
        Keyward::CredentialsRead,
        Keyward::CredentialsWrite,
        Keyward::MachinesRead,
        Keyward::MachinesWrite,
        Keyward::OperatorsRead,
        Keyward::Verify,
        Keyward::Accounts,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Keyward::CredentialsRead => "keyward:credentials:read",
            Keyward::CredentialsWrite => "keyward:credentials:write",
            Keyward::MachinesRead => "keyward:machines:read",
            Keyward::MachinesWrite => "keyward:machines:write",
            Keyward::OperatorsRead => "keyward:operators:read",
            Keyward::Verify => "keyward:verify",
            Keyward::Accounts => "keyward:accounts",
        }
    }

    /// Catalog key of what it lets a key do.
    pub fn label_key(self) -> &'static str {
        match self {
            Keyward::CredentialsRead => "scope.credentials_read",
            Keyward::CredentialsWrite => "scope.credentials_write",
            Keyward::MachinesRead => "scope.machines_read",
            Keyward::MachinesWrite => "scope.machines_write",
            Keyward::OperatorsRead => "scope.operators_read",
            Keyward::Verify => "scope.verify",
            Keyward::Accounts => "scope.accounts",
        }
    }

    /// What a person needs to give it: nothing for what every operator may do (their own
    /// keys, verification).
    pub fn needs(self) -> Option<Requirement> {
        match self {
            Keyward::CredentialsRead | Keyward::CredentialsWrite | Keyward::Verify => None,
            Keyward::MachinesRead => Some(Requirement::Permission(Permission::MachinesRead)),
            Keyward::MachinesWrite => Some(Requirement::Permission(Permission::MachinesWrite)),
            Keyward::OperatorsRead => Some(Requirement::Permission(Permission::OperatorsRead)),
            Keyward::Accounts => Some(Requirement::Administrator),
        }
    }

    pub fn parse(name: &str) -> Option<Keyward> {
        Keyward::ALL.into_iter().find(|k| k.name() == name)
    }

    /// What a person with `grants` holds of Keyward's scopes.
    pub fn held_by(grants: &Grants) -> impl Iterator<Item = Keyward> + '_ {
        Keyward::ALL.into_iter().filter(|k| {
            k.needs()
                .is_none_or(|r| crate::domain::authority::holds(grants, r))
        })
    }
}

/// A scope as a key carries it, checked: a built-in name, or a catalog name (lower-case
/// letters, digits, `_ . -`, parts joined by `:`, such as `billing:read`).
pub fn checked_name(text: &str) -> Result<String, &'static str> {
    let name = text.trim();
    if name.is_empty() {
        return Err("scope.name_empty");
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err("scope.name_too_long");
    }
    let part_ok = |part: &str| {
        !part.is_empty()
            && part.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'_' | b'.' | b'-')
            })
    };
    if !name.split(':').all(part_ok) {
        return Err("scope.name_invalid");
    }
    if name.starts_with(RESERVED_PREFIX) && Keyward::parse(name).is_none() {
        return Err("scope.name_reserved");
    }
    Ok(name.to_owned())
}

/// A name for the catalog: as `checked_name`, and not one of Keyward's own.
pub fn catalog_name(text: &str) -> Result<String, &'static str> {
    let name = checked_name(text)?;
    if name.starts_with(RESERVED_PREFIX) {
        return Err("scope.name_reserved");
    }
    Ok(name)
}

/// A key's scopes from what was asked: each checked, duplicates dropped, sorted.
pub fn checked_set<S: AsRef<str>>(asked: &[S]) -> Result<BTreeSet<String>, &'static str> {
    let set = asked
        .iter()
        .map(|s| checked_name(s.as_ref()))
        .collect::<Result<BTreeSet<_>, _>>()?;
    if set.len() > MAX_PER_KEY {
        return Err("scope.too_many");
    }
    Ok(set)
}

/// The stored form: sorted names, space-separated.
pub fn stored(set: &BTreeSet<String>) -> String {
    set.iter().map(String::as_str).collect::<Vec<_>>().join(" ")
}

/// The names of a stored value.
pub fn names(stored: &str) -> impl Iterator<Item = &str> {
    stored.split_whitespace()
}

/// Does the stored value carry `name`?
pub fn has(stored: &str, name: &str) -> bool {
    names(stored).any(|n| n == name)
}

/// The first name of `asked` (stored form) that `own` does not carry: a key gives no key
/// more than it has.
pub fn first_beyond<'a>(asked: &'a str, own: &str) -> Option<&'a str> {
    names(asked).find(|name| !has(own, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_sorted_and_deduplicated() {
        let set =
            checked_set(&["billing:read", " keyward:verify ", "billing:read"]).expect("valid");
        assert_eq!(stored(&set), "billing:read keyward:verify");
        assert_eq!(checked_set(&["Billing"]), Err("scope.name_invalid"));
        assert_eq!(checked_set(&["a::b"]), Err("scope.name_invalid"));
        assert_eq!(checked_set(&["a b"]), Err("scope.name_invalid"));
        assert_eq!(checked_set(&[""]), Err("scope.name_empty"));
        assert_eq!(
            checked_set(&["keyward:everything"]),
            Err("scope.name_reserved")
        );
        assert_eq!(catalog_name("keyward:verify"), Err("scope.name_reserved"));
        assert_eq!(catalog_name(&"a".repeat(65)), Err("scope.name_too_long"));
        let many: Vec<String> = (0..51).map(|i| format!("s{i}")).collect();
        assert_eq!(checked_set(&many), Err("scope.too_many"));
    }

    #[test]
    fn a_key_gives_no_more_than_it_has() {
        let own = "billing:read keyward:credentials:write";
        assert_eq!(first_beyond("billing:read", own), None);
        assert_eq!(first_beyond("", own), None);
        assert_eq!(
            first_beyond("billing:read billing:write", own),
            Some("billing:write")
        );
        // A prefix is not the scope.
        assert!(!has("billing:readonly", "billing:read"));
    }

    #[test]
    fn a_person_holds_keyward_scopes_by_their_permissions() {
        let nobody = Grants::default();
        let held: Vec<_> = Keyward::held_by(&nobody).collect();
        assert_eq!(
            held,
            [
                Keyward::CredentialsRead,
                Keyward::CredentialsWrite,
                Keyward::Verify
            ]
        );
        let machines = Grants::from_codes(false, &["machines.write".into()]);
        assert!(Keyward::held_by(&machines).any(|k| k == Keyward::MachinesRead));
        assert!(!Keyward::held_by(&machines).any(|k| k == Keyward::OperatorsRead));
        for k in Keyward::ALL {
            assert_eq!(Keyward::parse(k.name()), Some(k));
        }
    }
}
