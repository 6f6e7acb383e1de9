//! Server-side session rows. The id is the SHA-256 of the cookie's key, so a copy of the
//! table is no use to sign in with.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::web_sessions;

pub fn load(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> QueryResult<Option<String>> {
    web_sessions::table
        .find(id)
        .filter(web_sessions::expires_at.gt(now))
        .select(web_sessions::state)
        .first(conn)
        .optional()
}

pub fn insert(
    conn: &mut DbConn,
    id: &str,
    state: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(web_sessions::table)
        .values((
            web_sessions::id.eq(id),
            web_sessions::state.eq(state),
            web_sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Returns false when the row is gone (ended, or expired): such a row is never written again.
pub fn update(
    conn: &mut DbConn,
    id: &str,
    state: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        web_sessions::table
            .find(id)
            .filter(web_sessions::expires_at.gt(now)),
    )
    .set((
        web_sessions::state.eq(state),
        web_sessions::expires_at.eq(expires_at),
    ))
    .execute(conn)
    .map(|n| n > 0)
}

pub fn touch(
    conn: &mut DbConn,
    id: &str,
    now: NaiveDateTime,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(
        web_sessions::table
            .find(id)
            .filter(web_sessions::expires_at.gt(now)),
    )
    .set(web_sessions::expires_at.eq(expires_at))
    .execute(conn)
    .map(|_| ())
}

pub fn delete(conn: &mut DbConn, id: &str) -> QueryResult<()> {
    diesel::delete(web_sessions::table.find(id))
        .execute(conn)
        .map(|_| ())
}

pub fn purge_expired(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(web_sessions::table.filter(web_sessions::expires_at.le(now))).execute(conn)
}
