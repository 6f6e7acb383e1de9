//! Who may do what to whom: the rules of Keyward's authority, each decided here once and
//! called by every path that changes something (console pages and forms, the JSON API, the
//! CLI). See docs/security.md.
//!
//! 1. **No one grants what they do not hold.** A group, an operator or a credential gets
//!    only permissions the person giving them holds. Only *Administrators* manage group
//!    permissions, *Administrators* membership and the administrator flag.
//! 2. **You act on a person only if you hold everything they hold.** Editing, deactivating,
//!    deleting, changing the email of, or managing the credentials of an operator needs
//!    every permission that operator holds (an administrator holds everything, so only an
//!    administrator acts on an administrator). Everyone may manage their own keys.
//! 3. **At least one active administrator** remains: checked by `db::operators` inside the
//!    transaction that would remove the last one.

use crate::domain::permissions::{Grants, Permission};
use crate::domain::scopes::Keyward;

/// Something an action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// Membership of the built-in Administrators group.
    Administrator,
    Permission(Permission),
    /// One of Keyward's own scopes, on the key an API call came with.
    Scope(Keyward),
}

impl Requirement {
    /// Machine-readable, as the JSON error's `permission` field says it.
    pub fn code(self) -> &'static str {
        match self {
            Requirement::Administrator => "administrator",
            Requirement::Permission(p) => p.code(),
            Requirement::Scope(k) => k.name(),
        }
    }

    /// Catalog key of its full name.
    pub fn label_key(self) -> &'static str {
        match self {
            Requirement::Administrator => "perm.administrator",
            Requirement::Permission(p) => p.label_key(),
            Requirement::Scope(k) => k.label_key(),
        }
    }
}

/// Why something was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// The action itself needs it.
    Action,
    /// The person acted on holds it (rule 2).
    TheyHoldMore,
    /// What would be given includes it (rule 1).
    GrantBeyondOwn,
    /// The key the call came with was not given the scope the call needs.
    KeyScope,
}

/// A refusal: what is missing, and why it is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denied {
    pub missing: Requirement,
    pub why: Why,
}

impl Denied {
    /// Catalog key of the sentence that introduces the missing requirement.
    pub fn message_key(self) -> &'static str {
        match self.why {
            Why::Action => "error.forbidden",
            Why::TheyHoldMore => "error.forbidden_person",
            Why::GrantBeyondOwn => "error.forbidden_grant",
            Why::KeyScope => "error.forbidden_scope",
        }
    }
}

pub type Decision = Result<(), Denied>;

fn need(actor: &Grants, p: Permission) -> Decision {
    if actor.allows(p) {
        Ok(())
    } else {
        Err(Denied {
            missing: Requirement::Permission(p),
            why: Why::Action,
        })
    }
}

fn administrator(actor: &Grants, why: Why) -> Decision {
    if actor.admin {
        Ok(())
    } else {
        Err(Denied {
            missing: Requirement::Administrator,
            why,
        })
    }
}

/// A call to Keyward's own API needs the calling key to carry `k` (on top of what its owner
/// may do: a scope narrows a key, it never widens its owner).
pub fn key_scope(carried: &str, k: Keyward) -> Decision {
    if crate::domain::scopes::has(carried, k.name()) {
        Ok(())
    } else {
        Err(Denied {
            missing: Requirement::Scope(k),
            why: Why::KeyScope,
        })
    }
}

/// Does `actor` meet `r`? (A key's scope is not something a person holds: never.)
pub fn holds(actor: &Grants, r: Requirement) -> bool {
    match r {
        Requirement::Administrator => actor.admin,
        Requirement::Permission(p) => actor.allows(p),
        Requirement::Scope(_) => false,
    }
}

/// The action needs `p` (e.g. *Operators / Write* to open the form).
pub fn requires(actor: &Grants, p: Permission) -> Decision {
    need(actor, p)
}

/// Rule 2: does `actor` hold everything `target` holds?
pub fn covers(actor: &Grants, target: &Grants) -> Decision {
    if actor.admin {
        return Ok(());
    }
    if target.admin {
        return Err(Denied {
            missing: Requirement::Administrator,
            why: Why::TheyHoldMore,
        });
    }
    // Write before Read, so a refusal names what the person holds, not what it implies.
    const STRONGEST_FIRST: [Permission; 6] = [
        Permission::OperatorsWrite,
        Permission::OperatorsRead,
        Permission::MachinesWrite,
        Permission::MachinesRead,
        Permission::AuditRead,
        Permission::SettingsWrite,
    ];
    match STRONGEST_FIRST
        .into_iter()
        .find(|p| target.allows(*p) && !actor.allows(*p))
    {
        None => Ok(()),
        Some(p) => Err(Denied {
            missing: Requirement::Permission(p),
            why: Why::TheyHoldMore,
        }),
    }
}

/// Rule 1: may `actor` give these permissions away?
pub fn may_grant(actor: &Grants, granted: &[Permission]) -> Decision {
    match granted.iter().find(|p| !actor.allows(**p)) {
        None => Ok(()),
        Some(p) => Err(Denied {
            missing: Requirement::Permission(*p),
            why: Why::GrantBeyondOwn,
        }),
    }
}

/// Editing, deactivating, deleting an operator, or changing their email.
pub fn manage_operator(actor: &Grants, target: &Grants) -> Decision {
    need(actor, Permission::OperatorsWrite)?;
    covers(actor, target)
}

/// Creating an operator (marked administrator or not), invited or with a password set by
/// the actor. A password set for someone else is one the actor knows, and keeps knowing
/// whatever that person is given later: only an administrator (who may act on anyone
/// anyway) sets one; a delegate invites.
pub fn create_operator(actor: &Grants, as_administrator: bool, with_password: bool) -> Decision {
    need(actor, Permission::OperatorsWrite)?;
    if as_administrator {
        administrator(actor, Why::GrantBeyondOwn)?;
    }
    if with_password {
        administrator(actor, Why::Action)?;
    }
    Ok(())
}

/// Whose keys an actor manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOwner<'a> {
    /// The actor's own keys.
    Themselves,
    /// Another operator, who holds these grants.
    Operator(&'a Grants),
    Machine,
}

/// Creating, renaming, (de)activating, deleting or reading the credentials of an owner. A
/// key acts with its owner's privileges, so minting one for someone gives the minter's key
/// holder that someone's privileges: hence rule 2.
pub fn manage_keys(actor: &Grants, owner: KeyOwner) -> Decision {
    match owner {
        KeyOwner::Themselves => Ok(()),
        KeyOwner::Operator(target) => {
            need(actor, Permission::OperatorsWrite)?;
            covers(actor, target)
        }
        KeyOwner::Machine => need(actor, Permission::MachinesWrite),
    }
}

/// Adding `target` to, or removing them from, a group that grants `group`.
pub fn change_membership(
    actor: &Grants,
    builtin_admin: bool,
    group: &[Permission],
    target: &Grants,
) -> Decision {
    if builtin_admin {
        return administrator(actor, Why::Action);
    }
    need(actor, Permission::OperatorsWrite)?;
    may_grant(actor, group)?;
    covers(actor, target)
}

/// Making, changing and deleting sub accounts, and acting inside one as its administrator:
/// an administrator of the main account.
pub fn manage_sub_accounts(actor: &Grants) -> Decision {
    administrator(actor, Why::Action)
}

/// Setting a group's permissions.
pub fn set_group_permissions(actor: &Grants) -> Decision {
    administrator(actor, Why::Action)
}

/// Creating a group (it starts with no permissions).
pub fn create_group(actor: &Grants) -> Decision {
    need(actor, Permission::OperatorsWrite)
}

/// Renaming or deleting a group: only one whose permissions the actor holds all of.
pub fn change_group(actor: &Grants, builtin_admin: bool, group: &[Permission]) -> Decision {
    need(actor, Permission::OperatorsWrite)?;
    if builtin_admin {
        return administrator(actor, Why::Action);
    }
    may_grant(actor, group)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    fn holds(ps: &[Permission]) -> Grants {
        Grants {
            admin: false,
            granted: ps.to_vec(),
        }
    }

    fn admin() -> Grants {
        Grants {
            admin: true,
            granted: vec![],
        }
    }

    #[test]
    fn a_delegate_never_reaches_above_herself() {
        let eve = holds(&[OperatorsWrite]);
        // She cannot act on the administrator, nor on someone with an area she lacks…
        assert_eq!(
            manage_operator(&eve, &admin()).map_err(|d| d.missing),
            Err(Requirement::Administrator)
        );
        assert_eq!(
            manage_operator(&eve, &holds(&[AuditRead])).map_err(|d| d.missing),
            Err(Requirement::Permission(AuditRead))
        );
        // …nor mint keys for them, nor make administrators, nor grant what she lacks.
        assert!(manage_keys(&eve, KeyOwner::Operator(&admin())).is_err());
        assert!(create_operator(&eve, true, false).is_err());
        assert!(create_operator(&eve, false, true).is_err());
        assert!(set_group_permissions(&eve).is_err());
        assert!(change_membership(&eve, true, &[], &eve).is_err());
        assert_eq!(
            change_membership(&eve, false, &[MachinesWrite], &holds(&[])).map_err(|d| d.why),
            Err(Why::GrantBeyondOwn)
        );
        assert!(change_group(&eve, false, &[SettingsWrite]).is_err());
        // What she may do: people who hold no more than she does.
        assert!(manage_operator(&eve, &holds(&[OperatorsRead])).is_ok());
        assert!(manage_keys(&eve, KeyOwner::Operator(&holds(&[]))).is_ok());
        assert!(change_membership(&eve, false, &[OperatorsRead], &holds(&[])).is_ok());
        assert!(create_operator(&eve, false, false).is_ok());
        assert!(manage_keys(&eve, KeyOwner::Machine).is_err());
        assert!(manage_keys(&holds(&[]), KeyOwner::Themselves).is_ok());
    }

    #[test]
    fn administrators_may_do_everything() {
        let a = admin();
        assert!(manage_operator(&a, &admin()).is_ok());
        assert!(create_operator(&a, true, true).is_ok());
        assert!(set_group_permissions(&a).is_ok());
        assert!(change_membership(&a, true, &[], &admin()).is_ok());
        assert!(manage_keys(&a, KeyOwner::Machine).is_ok());
    }

    #[test]
    fn write_covers_read() {
        assert!(covers(&holds(&[MachinesWrite]), &holds(&[MachinesRead])).is_ok());
        assert!(covers(&holds(&[MachinesRead]), &holds(&[MachinesWrite])).is_err());
    }
}
