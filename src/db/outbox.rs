//! Mail waiting to be sent. Queued in the transaction of the change that caused it, sent by
//! a background worker with retries, so a mail server that is down never fails a request and
//! nothing is lost on restart.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::outbox;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct Mail {
    pub id: i32,
    pub created_at: NaiveDateTime,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

pub struct NewMail {
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
}

pub fn enqueue(conn: &mut DbConn, mail: &NewMail, now: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(outbox::table)
        .values((
            outbox::created_at.eq(now),
            outbox::recipient.eq(&mail.recipient),
            outbox::subject.eq(&mail.subject),
            outbox::body_text.eq(&mail.body_text),
            outbox::body_html.eq(&mail.body_html),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn due(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<Mail>> {
    outbox::table
        .filter(outbox::sent_at.is_null())
        .filter(outbox::next_attempt_at.le(now))
        .order(outbox::id)
        .limit(limit)
        .select(Mail::as_select())
        .load(conn)
}

/// Marks a mail sent and drops its body: an invitation or reset mail holds a live
/// single-use link, which must not sit in the database once it has left.
pub fn mark_sent(conn: &mut DbConn, id: i32, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::sent_at.eq(now),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(None::<String>),
            outbox::body_text.eq(""),
            outbox::body_html.eq(""),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn mark_failed(
    conn: &mut DbConn,
    id: i32,
    error: &str,
    retry_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(error),
            outbox::next_attempt_at.eq(retry_at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Mail not sent yet, failures first (for the settings page).
pub fn pending(conn: &mut DbConn, limit: i64) -> QueryResult<Vec<Mail>> {
    outbox::table
        .filter(outbox::sent_at.is_null())
        .order((outbox::attempts.desc(), outbox::id))
        .limit(limit)
        .select(Mail::as_select())
        .load(conn)
}

/// Takes a due row for sending; false when another worker took it first.
pub fn lease(
    conn: &mut DbConn,
    id: i32,
    seen: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<bool> {
    let taken = diesel::update(
        outbox::table
            .find(id)
            .filter(outbox::sent_at.is_null())
            .filter(outbox::next_attempt_at.eq(seen)),
    )
    .set(outbox::next_attempt_at.eq(until))
    .execute(conn)?;
    Ok(taken == 1)
}
