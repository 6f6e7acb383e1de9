//! Groups: created, renamed, deleted, their permissions (administrators only) and members.

use super::{ChangeError, ChangeResult, Ctx, actor_grants, allow, group_target, write};
use crate::db::DbConn;
use crate::db::audit::{self, Action, change};
use crate::db::groups::{self, Group, Refusal};
use crate::db::operators::Operator;
use crate::domain::authority;
use crate::domain::permissions::{Grants, Permission};

fn refused(r: Refusal) -> ChangeError {
    ChangeError::Refused(r.key())
}

fn journal(
    conn: &mut DbConn,
    ctx: &Ctx,
    action: Action,
    g: &Group,
    changes: &[audit::Change],
) -> ChangeResult<()> {
    super::journal(conn, ctx, action, &group_target(g), changes)
}

pub fn create(conn: &mut DbConn, ctx: &Ctx, account_id: i32, name: &str) -> ChangeResult<Group> {
    write(conn, |conn| {
        allow(authority::create_group(&actor_grants(conn, ctx)?))?;
        let id = groups::create(conn, account_id, name, ctx.at)?.map_err(refused)?;
        let g = groups::find_in_account(conn, account_id, id)?;
        journal(conn, ctx, Action::GroupCreated, &g, &[])?;
        Ok(g)
    })
}

/// Renaming or deleting needs every permission the group grants (rule 1).
fn may_change(conn: &mut DbConn, ctx: &Ctx, g: &Group) -> ChangeResult<Grants> {
    let granted = groups::permissions(conn, g.id)?;
    let mine = actor_grants(conn, ctx)?;
    allow(authority::change_group(&mine, g.builtin_admin, &granted))?;
    Ok(mine)
}

pub fn rename(conn: &mut DbConn, ctx: &Ctx, g: &Group, name: &str) -> ChangeResult<()> {
    write(conn, |conn| {
        may_change(conn, ctx, g)?;
        if g.builtin_admin {
            return Err(refused(Refusal::BuiltIn));
        }
        groups::rename(conn, g, name)?.map_err(refused)?;
        journal(
            conn,
            ctx,
            Action::GroupRenamed,
            g,
            &[change("name", &g.name, name)],
        )
    })
}

/// Deleting a group takes its permissions from every member: it needs everything each of
/// them holds too (rule 2), as removing them one by one would. The members it had are
/// journalled.
pub fn delete(conn: &mut DbConn, ctx: &Ctx, g: &Group) -> ChangeResult<()> {
    write(conn, |conn| {
        let mine = may_change(conn, ctx, g)?;
        let members = groups::members(conn, g.id)?;
        for member in &members {
            allow(authority::covers(
                &mine,
                &groups::grants_for(conn, member.id)?,
            ))?;
        }
        groups::delete(conn, g)?.map_err(refused)?;
        let names: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
        let changes = if names.is_empty() {
            Vec::new()
        } else {
            vec![change("members", names.join(", "), "")]
        };
        journal(conn, ctx, Action::GroupDeleted, g, &changes)
    })
}

/// Replaces a group's permissions: administrators only (rule 1), never the built-in group.
pub fn set_permissions(
    conn: &mut DbConn,
    ctx: &Ctx,
    g: &Group,
    granted: &[Permission],
) -> ChangeResult<()> {
    write(conn, |conn| {
        allow(authority::set_group_permissions(&actor_grants(conn, ctx)?))?;
        let before: Vec<&str> = groups::permissions(conn, g.id)?
            .iter()
            .map(|p| p.code())
            .collect();
        groups::set_permissions(conn, g, granted)?.map_err(refused)?;
        let after: Vec<&str> = granted.iter().map(|p| p.code()).collect();
        if before != after {
            journal(
                conn,
                ctx,
                Action::GroupPermissionsChanged,
                g,
                &[change("permissions", before.join(" "), after.join(" "))],
            )?;
        }
        Ok(())
    })
}

/// Adds `op` to `g` or removes them. Needs every permission the group grants and everything
/// `op` holds; *Administrators* membership needs an administrator, and the last active
/// administrator stays one. Adding a member twice changes nothing.
pub fn membership(
    conn: &mut DbConn,
    ctx: &Ctx,
    g: &Group,
    op: &Operator,
    add: bool,
) -> ChangeResult<()> {
    write(conn, |conn| {
        let granted = groups::permissions(conn, g.id)?;
        let theirs = groups::grants_for(conn, op.id)?;
        allow(authority::change_membership(
            &actor_grants(conn, ctx)?,
            g.builtin_admin,
            &granted,
            &theirs,
        ))?;
        let changed = if add {
            groups::add_member(conn, g, op.id)?
        } else {
            if g.builtin_admin {
                super::operators::keep_an_administrator(conn, g.account_id, op.id)?;
            }
            groups::remove_member(conn, g, op.id)?
        };
        if changed {
            let (action, before, after) = if add {
                (Action::GroupMemberAdded, "", op.name.as_str())
            } else {
                (Action::GroupMemberRemoved, op.name.as_str(), "")
            };
            journal(conn, ctx, action, g, &[change("member", before, after)])?;
        }
        Ok(())
    })
}
