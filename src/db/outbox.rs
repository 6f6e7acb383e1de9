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
    enqueue_digest(conn, mail, None, "", now)
}

/// Queues a mail to be sent at `send_at`; with a `digest_key`, later notices to the same
/// person may join it (`join_digest`) until then.
pub fn enqueue_digest(
    conn: &mut DbConn,
    mail: &NewMail,
    digest_key: Option<&str>,
    items: &str,
    send_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(outbox::table)
        .values((
            outbox::created_at.eq(send_at),
            outbox::recipient.eq(&mail.recipient),
            outbox::subject.eq(&mail.subject),
            outbox::body_text.eq(&mail.body_text),
            outbox::body_html.eq(&mail.body_html),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(send_at),
            outbox::digest_key.eq(digest_key),
            outbox::digest_items.eq(items),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Notices to one person are queued one transaction at a time, so two changes at once join
/// the same digest instead of racing to start two: on PostgreSQL an advisory lock on the
/// digest's key until the transaction ends; SQLite's write transactions are one at a time.
pub fn lock_digest(conn: &mut DbConn, digest_key: &str) -> QueryResult<()> {
    if let DbConn::Postgres(pg) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(digest_key)
            .execute(pg)?;
    }
    Ok(())
}

/// A digest still waiting for its time, as read now.
pub struct WaitingDigest {
    pub id: i32,
    pub items: String,
    pub send_at: NaiveDateTime,
}

pub fn waiting_digest(
    conn: &mut DbConn,
    digest_key: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<WaitingDigest>> {
    outbox::table
        .filter(outbox::digest_key.eq(digest_key))
        .filter(outbox::sent_at.is_null())
        .filter(outbox::attempts.eq(0))
        .filter(outbox::next_attempt_at.gt(now))
        // Not taken by a worker: a lease moves `next_attempt_at` off the time it was due.
        .filter(outbox::next_attempt_at.eq(outbox::created_at))
        .order(outbox::id.desc())
        .select((outbox::id, outbox::digest_items, outbox::next_attempt_at))
        .first::<(i32, String, NaiveDateTime)>(conn)
        .optional()
        .map(|found| found.map(|(id, items, send_at)| WaitingDigest { id, items, send_at }))
}

/// When the latest notice to this person went, or goes, out (a digest's `created_at` is the
/// time it is due).
pub fn last_notice_at(conn: &mut DbConn, digest_key: &str) -> QueryResult<Option<NaiveDateTime>> {
    outbox::table
        .filter(outbox::digest_key.eq(digest_key))
        .order(outbox::id.desc())
        .select(outbox::created_at)
        .first(conn)
        .optional()
}

/// Replaces a waiting digest's content, only if nobody changed it since it was read and no
/// worker took it for sending (a lease moves `next_attempt_at`). False: queue a new mail.
pub fn join_digest(
    conn: &mut DbConn,
    read: &WaitingDigest,
    mail: &NewMail,
    items: &str,
) -> QueryResult<bool> {
    let changed = diesel::update(
        outbox::table
            .find(read.id)
            .filter(outbox::sent_at.is_null())
            .filter(outbox::attempts.eq(0))
            .filter(outbox::next_attempt_at.eq(read.send_at))
            .filter(outbox::created_at.eq(read.send_at))
            .filter(outbox::digest_items.eq(&read.items)),
    )
    .set((
        outbox::subject.eq(&mail.subject),
        outbox::body_text.eq(&mail.body_text),
        outbox::body_html.eq(&mail.body_html),
        outbox::digest_items.eq(items),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Mail> {
    outbox::table.find(id).select(Mail::as_select()).first(conn)
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
            outbox::digest_items.eq(""),
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
pub fn pending(conn: &mut DbConn, account_id: i32, limit: i64) -> QueryResult<Vec<Mail>> {
    use super::schema::operators;
    // Only the mails to the account's own people: another account's are none of its business.
    let ours = operators::table
        .filter(operators::account_id.eq(account_id))
        .select(operators::email);
    outbox::table
        .filter(outbox::sent_at.is_null())
        .filter(outbox::recipient.eq_any(ours))
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
