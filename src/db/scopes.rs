//! An account's scope catalog: the names its keys may carry besides Keyward's own.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{credentials, scopes};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = scopes)]
pub struct Scope {
    pub id: i32,
    pub account_id: i32,
    pub name: String,
    pub description: String,
    /// Any operator may give it to keys they manage; otherwise only *Settings / Write*.
    pub open: bool,
    pub created_at: NaiveDateTime,
}

pub fn list(conn: &mut DbConn, account_id: i32) -> QueryResult<Vec<Scope>> {
    scopes::table
        .filter(scopes::account_id.eq(account_id))
        .order(scopes::name)
        .select(Scope::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConn, account_id: i32, id: i32) -> QueryResult<Scope> {
    scopes::table
        .filter(scopes::account_id.eq(account_id))
        .find(id)
        .select(Scope::as_select())
        .first(conn)
}

pub fn find_named(conn: &mut DbConn, account_id: i32, name: &str) -> QueryResult<Option<Scope>> {
    scopes::table
        .filter(scopes::account_id.eq(account_id))
        .filter(scopes::name.eq(name))
        .select(Scope::as_select())
        .first(conn)
        .optional()
}

/// As `find_named`, and on PostgreSQL held until the transaction ends (shared): a scope being
/// given cannot be removed from the catalog at the same moment (`delete` takes it
/// exclusively first). SQLite's write transactions are one at a time already.
pub fn find_named_held(
    conn: &mut DbConn,
    account_id: i32,
    name: &str,
) -> QueryResult<Option<Scope>> {
    if let DbConn::Postgres(pg) = conn {
        scopes::table
            .filter(scopes::account_id.eq(account_id))
            .filter(scopes::name.eq(name))
            .select(scopes::id)
            .for_share()
            .first::<i32>(pg)
            .optional()?;
    }
    find_named(conn, account_id, name)
}

/// The scope, on PostgreSQL locked until the transaction ends (exclusive).
pub fn find_locked(conn: &mut DbConn, account_id: i32, id: i32) -> QueryResult<Scope> {
    if let DbConn::Postgres(pg) = conn {
        scopes::table
            .filter(scopes::account_id.eq(account_id))
            .find(id)
            .select(scopes::id)
            .for_update()
            .first::<i32>(pg)?;
    }
    find(conn, account_id, id)
}

pub fn create(
    conn: &mut DbConn,
    account_id: i32,
    name: &str,
    description: &str,
    open: bool,
    now: NaiveDateTime,
) -> QueryResult<Scope> {
    let id: i32 = diesel::insert_into(scopes::table)
        .values((
            scopes::account_id.eq(account_id),
            scopes::name.eq(name),
            scopes::description.eq(description),
            scopes::open.eq(open),
            scopes::created_at.eq(now),
        ))
        .returning(scopes::id)
        .get_result(conn)?;
    find(conn, account_id, id)
}

pub fn update(
    conn: &mut DbConn,
    account_id: i32,
    id: i32,
    description: &str,
    open: bool,
) -> QueryResult<Scope> {
    diesel::update(
        scopes::table
            .filter(scopes::account_id.eq(account_id))
            .find(id),
    )
    .set((scopes::description.eq(description), scopes::open.eq(open)))
    .execute(conn)?;
    find(conn, account_id, id)
}

pub fn delete(conn: &mut DbConn, account_id: i32, id: i32) -> QueryResult<usize> {
    diesel::delete(
        scopes::table
            .filter(scopes::account_id.eq(account_id))
            .find(id),
    )
    .execute(conn)
}

/// How many of the account's keys carry `name` (stored sorted and space-separated: alone,
/// first, last or between two others).
pub fn keys_carrying(conn: &mut DbConn, account_id: i32, name: &str) -> QueryResult<i64> {
    // `_` is a LIKE wildcard and may be in a name.
    let exact = name
        .replace('\\', "\\\\")
        .replace('_', "\\_")
        .replace('%', "\\%");
    credentials::table
        .filter(credentials::account_id.eq(account_id))
        .filter(
            credentials::scopes
                .eq(name)
                .or(credentials::scopes.like(format!("{exact} %")).escape('\\'))
                .or(credentials::scopes.like(format!("% {exact}")).escape('\\'))
                .or(credentials::scopes
                    .like(format!("% {exact} %"))
                    .escape('\\')),
        )
        .count()
        .get_result(conn)
}
