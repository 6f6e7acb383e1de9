//! Sub accounts of a main account: made, renamed, deactivated and reactivated, deleted with
//! what is in them — by an administrator of the main account (`authority::manage_sub_accounts`),
//! journalled in the main account. To anyone else, and from inside a sub account, they do
//! not exist: "not found", never "forbidden", so nothing tells a sub account that others are
//! there.

use super::{ChangeError, ChangeResult, Ctx, actor_grants, allow, write};
use crate::db::DbConn;
use crate::db::accounts::{self, Account, Contents};
use crate::db::audit::{Action, Change, Target, change};
use crate::db::credentials::OwnerRef;
use crate::domain::authority;

fn not_found() -> ChangeError {
    ChangeError::Db(diesel::result::Error::NotFound)
}

/// A name another sub account took at the same moment (the unique index) is refused like
/// one taken before.
fn name_race(e: diesel::result::Error) -> ChangeError {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
            ChangeError::Refused("accounts.name_taken")
        }
        e => ChangeError::Db(e),
    }
}

/// The main account whose sub accounts the actor manages: their own, if it is a main
/// account and they are one of its administrators. A machine's key manages none.
pub fn managed_by(conn: &mut DbConn, ctx: &Ctx) -> ChangeResult<i32> {
    let Some(OwnerRef::Operator(id)) = ctx.acting_as else {
        return Err(not_found());
    };
    let home = crate::db::operators::find(conn, id)?.account_id;
    if accounts::find(conn, home)?.parent_id.is_some() {
        return Err(not_found());
    }
    allow(authority::manage_sub_accounts(&actor_grants(conn, ctx)?))?;
    Ok(home)
}

fn target(a: &Account) -> Target {
    Target {
        kind: "account",
        id: a.id.to_string(),
        name: a.name.clone(),
        owner: None,
        account: None,
    }
}

/// A row of the main account's journal (the actor may be acting inside a sub account: the
/// management of sub accounts is the main account's business).
fn journal(
    conn: &mut DbConn,
    ctx: &Ctx,
    home: i32,
    action: Action,
    a: &Account,
    details: &[Change],
) -> ChangeResult<()> {
    let actor = crate::db::audit::Actor {
        account_id: Some(home),
        ..ctx.actor.clone()
    };
    crate::db::audit::record(conn, &actor, ctx.at, action, &target(a), details)?;
    Ok(())
}

/// A sub account of the actor's main account, for the pages that show one.
pub fn find(conn: &mut DbConn, ctx: &Ctx, id: i32) -> ChangeResult<(Account, Contents)> {
    let home = managed_by(conn, ctx)?;
    let account = accounts::find_sub(conn, home, id)?;
    let contents = accounts::contents(conn, account.id)?;
    Ok((account, contents))
}

/// A new sub account named `name` (already checked by `validation::name`), unique among its
/// siblings.
pub fn create(conn: &mut DbConn, ctx: &Ctx, name: &str) -> ChangeResult<Account> {
    write(conn, |conn| {
        let home = managed_by(conn, ctx)?;
        // Sibling names are checked one maker at a time (and the unique index backs it).
        accounts::lock(conn, home)?;
        if accounts::name_taken(conn, home, name, None)? {
            return Err(ChangeError::Refused("accounts.name_taken"));
        }
        let a = accounts::create_sub(conn, home, name, ctx.at).map_err(name_race)?;
        journal(conn, ctx, home, Action::AccountCreated, &a, &[])?;
        Ok(a)
    })
}

pub fn rename(conn: &mut DbConn, ctx: &Ctx, id: i32, name: &str) -> ChangeResult<Account> {
    write(conn, |conn| {
        let home = managed_by(conn, ctx)?;
        let a = accounts::find_sub(conn, home, id)?;
        if a.name == name {
            return Ok(a);
        }
        accounts::lock(conn, home)?;
        if accounts::name_taken(conn, home, name, Some(a.id))? {
            return Err(ChangeError::Refused("accounts.name_taken"));
        }
        accounts::rename(conn, a.id, name).map_err(name_race)?;
        let details = [change("name", &a.name, name)];
        journal(conn, ctx, home, Action::AccountRenamed, &a, &details)?;
        Ok(Account {
            name: name.to_owned(),
            ..a
        })
    })
}

/// Deactivated: its operators are signed out and cannot sign in, its keys verify as
/// invalid, until it is reactivated. Nothing in it is lost.
pub fn set_active(conn: &mut DbConn, ctx: &Ctx, id: i32, active: bool) -> ChangeResult<()> {
    write(conn, |conn| {
        let home = managed_by(conn, ctx)?;
        let a = accounts::find_sub(conn, home, id)?;
        if a.active == active {
            return Ok(());
        }
        accounts::set_active(conn, a.id, active)?;
        let action = if active {
            Action::AccountActivated
        } else {
            Action::AccountDeactivated
        };
        journal(
            conn,
            ctx,
            home,
            action,
            &a,
            &[change("active", a.active, active)],
        )
    })
}

/// Deletes the sub account with everything in it — only if it holds what the person saw
/// when they confirmed (`seen`): an operator or key added since is not deleted unseen.
pub fn delete(conn: &mut DbConn, ctx: &Ctx, id: i32, seen: Contents) -> ChangeResult<Contents> {
    write(conn, |conn| {
        let home = managed_by(conn, ctx)?;
        let a = accounts::find_sub(conn, home, id)?;
        accounts::lock(conn, a.id)?;
        let contents = accounts::contents(conn, a.id)?;
        if contents != seen {
            return Err(ChangeError::Refused("accounts.contents_changed"));
        }
        accounts::delete(conn, a.id)?;
        let details = [
            change("operators", contents.operators, 0),
            change("groups", contents.groups, 0),
            change("machines", contents.machines, 0),
            change("keys", contents.keys, 0),
            change("webhooks", contents.webhooks, 0),
        ];
        journal(conn, ctx, home, Action::AccountDeleted, &a, &details)?;
        Ok(contents)
    })
}

/// The actor's main account's sub accounts, with the roll-up counts.
pub fn list(conn: &mut DbConn, ctx: &Ctx) -> ChangeResult<Vec<accounts::SubAccount>> {
    let home = managed_by(conn, ctx)?;
    Ok(accounts::subs(conn, home)?)
}

/// The sub account a session may switch into (`None`: its own account again).
pub fn switch_to(conn: &mut DbConn, ctx: &Ctx, id: i32) -> ChangeResult<Account> {
    let home = managed_by(conn, ctx)?;
    accounts::switchable(conn, home, id)?.ok_or_else(not_found)
}
