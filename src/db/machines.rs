//! Machines: non-human identities (services, CI jobs) that own keys.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::machines;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = machines)]
pub struct Machine {
    pub id: i32,
    pub account_id: i32,
    pub name: String,
    pub description: String,
    pub created_at: NaiveDateTime,
    /// Kept by the database's triggers on `credentials`.
    pub key_count: i32,
    pub active_key_count: i32,
}

pub fn find_in_account(conn: &mut DbConn, account_id: i32, id: i32) -> QueryResult<Machine> {
    machines::table
        .filter(machines::account_id.eq(account_id))
        .find(id)
        .select(Machine::as_select())
        .first(conn)
}

/// The machine as it is now, locked until the transaction ends: two changes to it run one
/// after the other, the second seeing the first (PostgreSQL; SQLite's write transactions
/// already are one at a time, `db::write`).
pub fn find_locked(conn: &mut DbConn, account_id: i32, id: i32) -> QueryResult<Machine> {
    if let DbConn::Postgres(pg) = conn {
        machines::table
            .filter(machines::account_id.eq(account_id))
            .find(id)
            .select(machines::id)
            .for_update()
            .first::<i32>(pg)?;
    }
    find_in_account(conn, account_id, id)
}

pub fn list(conn: &mut DbConn, account_id: i32) -> QueryResult<Vec<Machine>> {
    machines::table
        .filter(machines::account_id.eq(account_id))
        .order((machines::name, machines::id))
        .select(Machine::as_select())
        .load(conn)
}

/// One page of the account's machines in creation order (by id), those after `after`.
pub fn page_after(
    conn: &mut DbConn,
    account_id: i32,
    after: Option<i32>,
    limit: i64,
) -> QueryResult<Vec<Machine>> {
    machines::table
        .filter(machines::account_id.eq(account_id))
        .filter(machines::id.gt(after.unwrap_or(0)))
        .order(machines::id)
        .limit(limit)
        .select(Machine::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConn, account_id: i32) -> QueryResult<i64> {
    machines::table
        .filter(machines::account_id.eq(account_id))
        .count()
        .get_result(conn)
}

pub fn create(
    conn: &mut DbConn,
    account_id: i32,
    name: &str,
    description: &str,
    now: NaiveDateTime,
) -> QueryResult<i32> {
    diesel::insert_into(machines::table)
        .values((
            machines::account_id.eq(account_id),
            machines::name.eq(name),
            machines::description.eq(description),
            machines::created_at.eq(now),
        ))
        .returning(machines::id)
        .get_result(conn)
}

pub fn update(conn: &mut DbConn, id: i32, name: &str, description: &str) -> QueryResult<()> {
    diesel::update(machines::table.find(id))
        .set((
            machines::name.eq(name),
            machines::description.eq(description),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Deletes the machine and, with it, its keys (in one transaction).
pub fn delete(conn: &mut DbConn, id: i32) -> QueryResult<()> {
    use super::schema::credentials;
    crate::db::write(conn, |conn| {
        diesel::delete(credentials::table.filter(credentials::machine_id.eq(id))).execute(conn)?;
        diesel::delete(machines::table.find(id)).execute(conn)?;
        Ok(())
    })
}
