//! Single-use tokens: links for invitations (72 h) and password resets (1 h), and reveals of
//! new secrets (5 min). Only a token's SHA-256 is stored.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::DbConn;
use super::schema::operator_tokens;

pub const INVITE: &str = "invite";
pub const RESET: &str = "reset";
/// A new secret waiting to be shown once (see `web::reveal`).
pub const REVEAL: &str = "reveal";
/// A signed-out session's tag (see `web::context::SESSION_TAG`), until it would have expired.
pub const SESSION_ENDED: &str = "session_ended";

pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn create(
    conn: &mut DbConn,
    operator_id: i32,
    purpose: &str,
    token: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(operator_tokens::table)
        .values((
            operator_tokens::operator_id.eq(operator_id),
            operator_tokens::purpose.eq(purpose),
            operator_tokens::token_hash.eq(hash(token)),
            operator_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The operator a valid (unused, unexpired) invitation or reset link is for.
pub fn valid(
    conn: &mut DbConn,
    token: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(i32, String)>> {
    operator_tokens::table
        .filter(operator_tokens::token_hash.eq(hash(token)))
        .filter(operator_tokens::purpose.eq_any([INVITE, RESET]))
        .filter(operator_tokens::used_at.is_null())
        .filter(operator_tokens::expires_at.gt(now))
        .select((operator_tokens::operator_id, operator_tokens::purpose))
        .first(conn)
        .optional()
}

/// Uses a token of `operator_id` for `purpose`: true only for the first use of a valid one.
pub fn consume_for(
    conn: &mut DbConn,
    operator_id: i32,
    purpose: &str,
    token: &str,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let used = diesel::update(
        operator_tokens::table
            .filter(operator_tokens::token_hash.eq(hash(token)))
            .filter(operator_tokens::operator_id.eq(operator_id))
            .filter(operator_tokens::purpose.eq(purpose))
            .filter(operator_tokens::used_at.is_null())
            .filter(operator_tokens::expires_at.gt(now)),
    )
    .set(operator_tokens::used_at.eq(now))
    .execute(conn)?;
    Ok(used == 1)
}

/// Ends every invitation and reset link of an operator that is still open: when one of them
/// is used, or the password changes, the others must not work any more.
pub fn revoke_all(conn: &mut DbConn, operator_id: i32, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        operator_tokens::table
            .filter(operator_tokens::operator_id.eq(operator_id))
            .filter(operator_tokens::purpose.eq_any([INVITE, RESET]))
            .filter(operator_tokens::used_at.is_null()),
    )
    .set(operator_tokens::used_at.eq(now))
    .execute(conn)
}

/// Uses an invitation or reset link: true only for the first use of a valid one (single
/// use, race-free).
pub fn consume(conn: &mut DbConn, token: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let used = diesel::update(
        operator_tokens::table
            .filter(operator_tokens::token_hash.eq(hash(token)))
            .filter(operator_tokens::purpose.eq_any([INVITE, RESET]))
            .filter(operator_tokens::used_at.is_null())
            .filter(operator_tokens::expires_at.gt(now)),
    )
    .set(operator_tokens::used_at.eq(now))
    .execute(conn)?;
    Ok(used == 1)
}

/// Forgets tokens that ended (used or expired) more than a day ago.
pub fn purge(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    let before = now - chrono::Duration::days(1);
    diesel::delete(operator_tokens::table.filter(operator_tokens::expires_at.lt(before)))
        .execute(conn)
}

/// Was the session with this tag signed out?
pub fn session_ended(conn: &mut DbConn, operator_id: i32, tag: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        operator_tokens::table
            .filter(operator_tokens::token_hash.eq(hash(tag)))
            .filter(operator_tokens::operator_id.eq(operator_id))
            .filter(operator_tokens::purpose.eq(SESSION_ENDED)),
    ))
    .get_result(conn)
}
