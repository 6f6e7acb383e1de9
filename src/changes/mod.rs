//! Every change to credentials, operators, groups and machines goes through here, one module
//! per entity: the change itself, the authority check (`domain::authority`, inside the
//! transaction, against the data as it is then), its audit rows and the mails it causes, in
//! one transaction — so the journal, the outbox and the data always agree, and no path
//! (console, API, command line) can skip a rule. Handlers and the CLI never compose
//! transactions themselves.

pub mod account;
pub mod credentials;
pub mod groups;
pub mod import;
pub mod machines;
pub mod operators;
pub mod scopes;
pub mod sub_accounts;
pub mod webhooks;

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

/// Whom a change to keys is mailed to, and how notices are grouped (from the settings).
#[derive(Clone, Copy, Debug)]
pub struct MailPolicy {
    /// Mail the operators with *Machines / Write* when a machine's key changes.
    pub machine_keys: bool,
    /// Notices to one person within this window of the last go together (`mail::queue_notice`).
    pub digest: chrono::Duration,
}

/// Who acts, with what authority, when, and what the mails need to know.
#[derive(Clone)]
pub struct Ctx {
    /// As the journal names them.
    pub actor: Actor,
    pub at: NaiveDateTime,
    pub mail: MailPolicy,
    /// What Keyward itself may do (everything: setup, the command line, reminders), or
    /// nothing (a machine's key). An operator's grants are not taken from here: they are read
    /// again inside each change's transaction (`actor_grants`), as they are then.
    pub grants: Grants,
    /// The operator acting (signed in, or owning the calling key): whose keys are their own,
    /// and whose grants count.
    pub acting_as: Option<OwnerRef>,
    /// The credential (row id) an API call came with: it must still be usable when the
    /// change is made, not only when the request arrived.
    pub via_credential: Option<i32>,
    /// For a key made by someone other than its owner: that someone. The key acts with no
    /// more than both hold, now — a delegate who made a key for a colleague does not gain
    /// what the colleague is given later.
    pub capped_by: Option<i32>,
    /// The call came with a rolled key's old secret: it may be checked, not manage anything
    /// — else whoever holds a leaked old secret could roll the key and lock its owner out.
    pub old_secret: bool,
}

impl Ctx {
    /// Keyward itself, with full authority: first-run setup, the command line, reminders.
    pub fn system(actor: Actor, at: NaiveDateTime, mail: MailPolicy) -> Ctx {
        Ctx {
            actor,
            at,
            mail,
            grants: Grants {
                admin: true,
                granted: Vec::new(),
            },
            acting_as: None,
            via_credential: None,
            capped_by: None,
            old_secret: false,
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
    /// The actor was deactivated, deleted, or their key revoked while the request was on
    /// its way: nothing is done in their name any more.
    #[error("the actor is no longer active")]
    Gone,
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
            ChangeError::Gone => AppError::SignInRequired,
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

/// What the actor may do, as the database says inside this transaction: an operator who
/// was deactivated (or a key revoked) after the request arrived does nothing any more.
fn actor_grants(conn: &mut DbConn, ctx: &Ctx) -> ChangeResult<Grants> {
    use diesel::prelude::*;
    if ctx.old_secret {
        return Err(ChangeError::Gone);
    }
    if let Some(id) = ctx.via_credential {
        use crate::db::schema::credentials as c;
        let key: Option<(bool, Option<NaiveDateTime>)> = c::table
            .find(id)
            .select((c::active, c::expires_at))
            .first(conn)
            .optional()?;
        if !key.is_some_and(|(active, expires)| active && expires.is_none_or(|at| at > ctx.at)) {
            return Err(ChangeError::Gone);
        }
    }
    match ctx.acting_as {
        Some(OwnerRef::Operator(id)) => {
            use crate::db::schema::operators as o;
            let active: Option<bool> =
                o::table.find(id).select(o::active).first(conn).optional()?;
            if active != Some(true) {
                return Err(ChangeError::Gone);
            }
            let theirs = group_db::grants_for(conn, id)?;
            match ctx.capped_by.filter(|creator| *creator != id) {
                None => Ok(theirs),
                Some(creator) => {
                    let active: Option<bool> = o::table
                        .find(creator)
                        .select(o::active)
                        .first(conn)
                        .optional()?;
                    // A creator gone or deactivated leaves the key its owner's own keys only.
                    let cap = match active {
                        Some(true) => group_db::grants_for(conn, creator)?,
                        _ => Grants::default(),
                    };
                    Ok(theirs.both(&cap))
                }
            }
        }
        _ => Ok(ctx.grants.clone()),
    }
}

/// For a call that only reads: may the actor, as the database says now, do `p`? (A key's
/// owner deactivated, or the key revoked, since the request arrived reads nothing.)
pub fn require(
    conn: &mut DbConn,
    ctx: &Ctx,
    p: crate::domain::permissions::Permission,
) -> ChangeResult<()> {
    allow(authority::requires(&actor_grants(conn, ctx)?, p))
}

fn allow(decision: Decision) -> ChangeResult<()> {
    decision.map_err(ChangeError::Denied)
}

/// May the actor manage `owner`'s keys? Their own always; another operator's only holding
/// everything that operator holds; a machine's with *Machines / Write*.
fn may_manage_keys(conn: &mut DbConn, ctx: &Ctx, owner: OwnerRef) -> ChangeResult<()> {
    let mine = actor_grants(conn, ctx)?;
    if ctx.acting_as == Some(owner) && matches!(owner, OwnerRef::Operator(_)) {
        return Ok(());
    }
    allow(match owner {
        OwnerRef::Operator(id) => {
            let theirs = group_db::grants_for(conn, id)?;
            authority::manage_keys(&mine, KeyOwner::Operator(&theirs))
        }
        OwnerRef::Machine(_) => authority::manage_keys(&mine, KeyOwner::Machine),
    })
}

pub fn credential_target(c: &Credential) -> Target {
    Target {
        kind: "credential",
        id: c.public_id.clone(),
        name: c.label.clone(),
        owner: c.owner_ref().map(|o| o.to_string()),
        account: Some(c.account_id),
    }
}

fn operator_target(o: &Operator) -> Target {
    Target {
        kind: "operator",
        id: o.id.to_string(),
        name: o.name.clone(),
        owner: None,
        account: Some(o.account_id),
    }
}

fn group_target(g: &Group) -> Target {
    Target {
        kind: "group",
        id: g.id.to_string(),
        name: g.name.clone(),
        owner: None,
        account: Some(g.account_id),
    }
}

fn machine_target(m: &Machine) -> Target {
    Target {
        kind: "machine",
        id: m.id.to_string(),
        name: m.name.clone(),
        owner: None,
        account: Some(m.account_id),
    }
}
