//! Every change to credentials, operators, groups and machines goes through here, one module
//! per entity: the change itself, the authority check (`domain::authority`, inside the
//! transaction, against the data as it is then), its audit rows and the mails it causes, in
//! one transaction — so the journal, the outbox and the data always agree, and no path
//! (console, API, command line) can skip a rule. Handlers and the CLI never compose
//! transactions themselves.

pub mod credentials;
pub mod groups;
pub mod machines;
pub mod operators;

use chrono::NaiveDateTime;

use crate::db::audit::{Actor, Target};
use crate::db::credentials::{Credential, OwnerRef};
use crate::db::groups::Group;
use crate::db::machines::Machine;
use crate::db::operators::Operator;
use crate::db::{DbConn, groups as group_db};
use crate::domain::authority::{self, Decision, Denied, KeyOwner};
use crate::domain::permissions::Grants;
use crate::error::AppError;

/// Who acts, with what authority, when, and what the mails need to know.
#[derive(Clone)]
pub struct Ctx {
    /// As the journal names them.
    pub actor: Actor,
    pub at: NaiveDateTime,
    /// Mail the operators with *Machines / Write* when a machine's key changes.
    pub mail_machine_keys: bool,
    /// What the actor may do: the signed-in operator's grants, a credential's owner's, or
    /// everything for Keyward itself (setup, the command line, reminders).
    pub grants: Grants,
    /// Whose keys are the actor's own (an operator's, or a credential's owner).
    pub acting_as: Option<OwnerRef>,
}

impl Ctx {
    /// Keyward itself, with full authority: first-run setup, the command line, reminders.
    pub fn system(actor: Actor, at: NaiveDateTime, mail_machine_keys: bool) -> Ctx {
        Ctx {
            actor,
            at,
            mail_machine_keys,
            grants: Grants {
                admin: true,
                granted: Vec::new(),
            },
            acting_as: None,
        }
    }
}

/// Why a change did not happen. Nothing of it was written.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// The actor lacks what it needs (403).
    #[error("forbidden: missing {}", .0.missing.code())]
    Denied(Denied),
    /// Refused with a message for the person (a catalog key): a taken name or email, the
    /// last administrator, …
    #[error("refused: {0}")]
    Refused(&'static str),
    #[error(transparent)]
    Db(#[from] diesel::result::Error),
}

impl From<Denied> for ChangeError {
    fn from(d: Denied) -> Self {
        ChangeError::Denied(d)
    }
}

impl From<ChangeError> for AppError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::Denied(d) => AppError::Forbidden(d),
            ChangeError::Refused(key) => AppError::Conflict(key),
            ChangeError::Db(e) => AppError::from(e),
        }
    }
}

pub type ChangeResult<T> = Result<T, ChangeError>;

/// A transaction that writes; a `ChangeError` rolls it back.
fn write<T>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> ChangeResult<T>) -> ChangeResult<T> {
    crate::db::write(conn, f)
}

/// One row of the journal, by the actor of `ctx`, now.
fn journal(
    conn: &mut DbConn,
    ctx: &Ctx,
    action: crate::db::audit::Action,
    target: &Target,
    changes: &[crate::db::audit::Change],
) -> ChangeResult<()> {
    crate::db::audit::record(conn, &ctx.actor, ctx.at, action, target, changes)?;
    Ok(())
}

fn allow(decision: Decision) -> ChangeResult<()> {
    decision.map_err(ChangeError::Denied)
}

/// May the actor manage `owner`'s keys? Their own always; another operator's only holding
/// everything that operator holds; a machine's with *Machines / Write*.
fn may_manage_keys(conn: &mut DbConn, ctx: &Ctx, owner: OwnerRef) -> ChangeResult<()> {
    if ctx.acting_as == Some(owner) {
        return Ok(());
    }
    allow(match owner {
        OwnerRef::Operator(id) => {
            let theirs = group_db::grants_for(conn, id)?;
            authority::manage_keys(&ctx.grants, KeyOwner::Operator(&theirs))
        }
        OwnerRef::Machine(_) => authority::manage_keys(&ctx.grants, KeyOwner::Machine),
    })
}

pub fn credential_target(c: &Credential) -> Target {
    Target {
        kind: "credential",
        id: c.public_id.clone(),
        name: c.label.clone(),
    }
}

fn operator_target(o: &Operator) -> Target {
    Target {
        kind: "operator",
        id: o.id.to_string(),
        name: o.name.clone(),
    }
}

fn group_target(g: &Group) -> Target {
    Target {
        kind: "group",
        id: g.id.to_string(),
        name: g.name.clone(),
    }
}

fn machine_target(m: &Machine) -> Target {
    Target {
        kind: "machine",
        id: m.id.to_string(),
        name: m.name.clone(),
    }
}
