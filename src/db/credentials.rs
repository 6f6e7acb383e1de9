//! Credentials: listing, staged Save, and the lookup behind API authentication.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{credentials, machines, operators};
use crate::domain::draft::{Conflict, Draft, SavedRow};

#[derive(Clone, Queryable, Selectable)]
#[diesel(table_name = credentials)]
pub struct Credential {
    pub id: i32,
    pub account_id: i32,
    pub public_id: String,
    pub secret_hash: String,
    pub label: String,
    pub operator_id: Option<i32>,
    pub machine_id: Option<i32>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub created_by: Option<i32>,
    pub usage_tracked: bool,
    pub last_used_at: Option<NaiveDateTime>,
    pub last_used_ip: Option<String>,
}

impl Credential {
    pub fn saved_row(&self) -> SavedRow {
        SavedRow {
            public_id: self.public_id.clone(),
            label: self.label.clone(),
            active: self.active,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = credentials)]
pub struct NewCredential<'a> {
    pub account_id: i32,
    pub public_id: &'a str,
    pub secret_hash: &'a str,
    pub label: &'a str,
    pub operator_id: Option<i32>,
    pub machine_id: Option<i32>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub created_by: Option<i32>,
}

pub fn list_for_operator(conn: &mut DbConn, operator_id: i32) -> QueryResult<Vec<Credential>> {
    credentials::table
        .filter(credentials::operator_id.eq(operator_id))
        .order((credentials::created_at, credentials::id))
        .select(Credential::as_select())
        .load(conn)
}

pub fn saved_rows(conn: &mut DbConn, operator_id: i32) -> QueryResult<Vec<SavedRow>> {
    Ok(list_for_operator(conn, operator_id)?
        .iter()
        .map(Credential::saved_row)
        .collect())
}

pub enum SaveOutcome {
    Saved,
    /// Somebody else saved first; nothing was applied.
    Conflict(Vec<Conflict>),
}

/// Applies a draft in one transaction. The operator's `api_version` is compared and bumped
/// first: that row lock serialises concurrent Saves, and a stale draft changes nothing.
pub fn apply_draft(
    conn: &mut DbConn,
    operator: &crate::db::operators::Operator,
    draft: &Draft,
    actor_id: i32,
    now: NaiveDateTime,
) -> QueryResult<SaveOutcome> {
    let applied = conn.transaction(|conn| {
        let bumped = diesel::update(
            operators::table
                .find(operator.id)
                .filter(operators::api_version.eq(draft.base_version)),
        )
        .set(operators::api_version.eq(operators::api_version + 1))
        .execute(conn)?;
        if bumped == 0 {
            return Ok(false);
        }
        let mine = credentials::table.filter(credentials::operator_id.eq(operator.id));
        for (public_id, edit) in &draft.edits {
            let row = mine.filter(credentials::public_id.eq(public_id));
            if edit.delete {
                diesel::delete(row).execute(conn)?;
                continue;
            }
            if let Some(label) = &edit.label {
                diesel::update(row)
                    .set(credentials::label.eq(label))
                    .execute(conn)?;
            }
            if let Some(active) = edit.active {
                diesel::update(row)
                    .set(credentials::active.eq(active))
                    .execute(conn)?;
            }
        }
        for add in &draft.adds {
            diesel::insert_into(credentials::table)
                .values(NewCredential {
                    account_id: operator.account_id,
                    public_id: &add.public_id,
                    secret_hash: &add.secret_hash,
                    label: &add.label,
                    operator_id: Some(operator.id),
                    machine_id: None,
                    active: add.active,
                    created_at: now,
                    created_by: Some(actor_id),
                })
                .execute(conn)?;
        }
        Ok::<_, diesel::result::Error>(true)
    })?;
    if applied {
        Ok(SaveOutcome::Saved)
    } else {
        let current = saved_rows(conn, operator.id)?;
        Ok(SaveOutcome::Conflict(draft.conflicts(&current)))
    }
}

/// Who owns a credential, as the API reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Owner {
    pub kind: &'static str,
    pub id: i32,
    pub name: String,
}

/// A credential found for authentication, with its owner; `usable` is false when the
/// credential or its owner is inactive.
pub struct AuthRecord {
    pub credential: Credential,
    pub owner: Owner,
    pub usable: bool,
}

/// A credential with its owner's (id, name, active) if an operator's, (id, name) if a machine's.
type AuthRow = (
    Credential,
    Option<(i32, String, bool)>,
    Option<(i32, String)>,
);

/// One indexed lookup by public id, owner included.
pub fn find_for_auth(conn: &mut DbConn, public_id: &str) -> QueryResult<Option<AuthRecord>> {
    let found: Option<AuthRow> = credentials::table
        .left_join(operators::table)
        .left_join(machines::table)
        .filter(credentials::public_id.eq(public_id))
        .select((
            Credential::as_select(),
            (operators::id, operators::name, operators::active).nullable(),
            (machines::id, machines::name).nullable(),
        ))
        .first(conn)
        .optional()?;
    Ok(found.and_then(|(credential, operator, machine)| {
        let (owner, owner_active) = match (operator, machine) {
            (Some((id, name, active)), _) => (
                Owner {
                    kind: "operator",
                    id,
                    name,
                },
                active,
            ),
            (None, Some((id, name))) => (
                Owner {
                    kind: "machine",
                    id,
                    name,
                },
                true,
            ),
            (None, None) => return None,
        };
        let usable = credential.active && owner_active;
        Some(AuthRecord {
            credential,
            owner,
            usable,
        })
    }))
}

pub fn record_use(conn: &mut DbConn, id: i32, at: NaiveDateTime, ip: &str) -> QueryResult<()> {
    diesel::update(credentials::table.find(id))
        .set((
            credentials::last_used_at.eq(at),
            credentials::last_used_ip.eq(ip),
        ))
        .execute(conn)
        .map(|_| ())
}
