//! The account's scope catalog: added, changed, removed. *Settings / Write*.

use super::{ChangeError, ChangeResult, Ctx, actor_grants, allow, write};
use crate::db::DbConn;
use crate::db::audit::{Action, Target, change};
use crate::db::scopes::{self, Scope};
use crate::domain::authority;
use crate::domain::permissions::Permission;

fn may(conn: &mut DbConn, ctx: &Ctx) -> ChangeResult<()> {
    allow(authority::requires(
        &actor_grants(conn, ctx)?,
        Permission::SettingsWrite,
    ))
}

fn target(s: &Scope) -> Target {
    Target {
        kind: "scope",
        id: s.id.to_string(),
        name: s.name.clone(),
        owner: None,
        account: Some(s.account_id),
    }
}

/// `name` as `domain::scopes::catalog_name` checked it; a taken one is refused.
pub fn create(
    conn: &mut DbConn,
    ctx: &Ctx,
    account_id: i32,
    name: &str,
    description: &str,
    open: bool,
) -> ChangeResult<Scope> {
    write(conn, |conn| {
        may(conn, ctx)?;
        if scopes::find_named(conn, account_id, name)?.is_some() {
            return Err(ChangeError::Refused("scope.taken"));
        }
        let s = scopes::create(conn, account_id, name, description, open, ctx.at)?;
        let details = [
            change("description", "", description),
            change("open", "", open),
        ];
        super::journal(conn, ctx, Action::ScopeCreated, &target(&s), &details)?;
        Ok(s)
    })
}

pub fn update(
    conn: &mut DbConn,
    ctx: &Ctx,
    account_id: i32,
    id: i32,
    description: &str,
    open: bool,
) -> ChangeResult<Scope> {
    write(conn, |conn| {
        may(conn, ctx)?;
        let before = scopes::find(conn, account_id, id)?;
        let after = scopes::update(conn, account_id, id, description, open)?;
        let mut changes = Vec::new();
        if before.description != after.description {
            changes.push(change(
                "description",
                &before.description,
                &after.description,
            ));
        }
        if before.open != after.open {
            changes.push(change("open", before.open, after.open));
        }
        if !changes.is_empty() {
            super::journal(conn, ctx, Action::ScopeUpdated, &target(&after), &changes)?;
        }
        Ok(after)
    })
}

/// Removes a scope no key carries: a scope that services check must not vanish from the
/// keys that rely on it by a click in the catalog — take it off the keys first.
pub fn delete(conn: &mut DbConn, ctx: &Ctx, account_id: i32, id: i32) -> ChangeResult<Scope> {
    write(conn, |conn| {
        may(conn, ctx)?;
        let s = scopes::find_locked(conn, account_id, id)?;
        if scopes::keys_carrying(conn, account_id, &s.name)? > 0 {
            return Err(ChangeError::Refused("scope.in_use"));
        }
        scopes::delete(conn, account_id, id)?;
        super::journal(conn, ctx, Action::ScopeDeleted, &target(&s), &[])?;
        Ok(s)
    })
}
