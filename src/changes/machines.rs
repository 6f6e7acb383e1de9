//! Machines (service accounts): created, edited, deleted with their keys. *Machines / Write*.

use super::credentials::{CredentialMail, tell_owner_of};
use super::{ChangeResult, Ctx, actor_grants, allow, credential_target, machine_target, write};
use crate::db::DbConn;
use crate::db::audit::{Action, change};
use crate::db::credentials::{self as creds, OwnerRef};
use crate::db::machines::{self, Machine};
use crate::domain::authority;
use crate::domain::permissions::Permission;

fn may(conn: &mut DbConn, ctx: &Ctx) -> ChangeResult<()> {
    allow(authority::requires(
        &actor_grants(conn, ctx)?,
        Permission::MachinesWrite,
    ))
}

pub fn create(
    conn: &mut DbConn,
    ctx: &Ctx,
    account_id: i32,
    name: &str,
    description: &str,
) -> ChangeResult<Machine> {
    write(conn, |conn| {
        may(conn, ctx)?;
        let id = machines::create(conn, account_id, name, description, ctx.at)?;
        let m = machines::find_in_account(conn, account_id, id)?;
        super::journal(conn, ctx, Action::MachineCreated, &machine_target(&m), &[])?;
        Ok(m)
    })
}

/// Renames a machine and/or changes its description (`None`: as it is), read and written in
/// one transaction, so two changes at once never undo each other's field.
pub fn update(
    conn: &mut DbConn,
    ctx: &Ctx,
    account_id: i32,
    id: i32,
    name: Option<&str>,
    description: Option<&str>,
) -> ChangeResult<Machine> {
    write(conn, |conn| {
        may(conn, ctx)?;
        let m = machines::find_locked(conn, account_id, id)?;
        let (name, description) = (
            name.unwrap_or(&m.name),
            description.unwrap_or(&m.description),
        );
        machines::update(conn, m.id, name, description)?;
        let mut changes = Vec::new();
        if name != m.name {
            changes.push(change("name", &m.name, name));
        }
        if description != m.description {
            changes.push(change("description", &m.description, description));
        }
        if !changes.is_empty() {
            let action = if name != m.name {
                Action::MachineRenamed
            } else {
                Action::MachineUpdated
            };
            super::journal(conn, ctx, action, &machine_target(&m), &changes)?;
        }
        Ok(machines::find_in_account(conn, account_id, id)?)
    })
}

/// Deletes a machine and, with it, its keys (each journalled and mailed).
pub fn delete(conn: &mut DbConn, ctx: &Ctx, m: &Machine) -> ChangeResult<()> {
    write(conn, |conn| {
        may(conn, ctx)?;
        // As it is now: deleted meanwhile by someone else, it is not found (nothing journalled).
        let m = &machines::find_locked(conn, m.account_id, m.id)?;
        let keys = creds::list_for_owner(conn, OwnerRef::Machine(m.id))?;
        for key in &keys {
            super::journal(
                conn,
                ctx,
                Action::CredentialDeleted,
                &credential_target(key),
                &[],
            )?;
            tell_owner_of(conn, ctx, key, CredentialMail::Deleted)?;
        }
        machines::delete(conn, m.id)?;
        super::journal(
            conn,
            ctx,
            Action::MachineDeleted,
            &machine_target(m),
            &[change("keys", keys.len(), 0)],
        )?;
        Ok(())
    })
}
