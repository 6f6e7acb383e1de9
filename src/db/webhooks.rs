//! Webhook endpoints and their deliveries. A delivery is queued in the transaction of the
//! change that caused it (`enqueue`, called by the journal), and sent by a background worker
//! with retries (`crate::webhook`), so a receiver that is down never fails a change and
//! nothing is lost on restart.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{webhook_deliveries as wd, webhook_endpoints as we};
use crate::domain::credential::random_alphanumeric;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = we)]
pub struct Endpoint {
    pub id: i32,
    pub account_id: i32,
    pub url: String,
    pub description: String,
    pub events: String,
    pub secret_salt: String,
    pub active: bool,
    pub disabled_at: Option<NaiveDateTime>,
    pub failing_since: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl Endpoint {
    pub fn receives(&self, event: &str) -> bool {
        self.events.split(' ').any(|e| e == event)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = wd)]
pub struct Delivery {
    pub id: i32,
    pub endpoint_id: i32,
    pub message_id: String,
    pub event_type: String,
    pub payload: String,
    pub created_at: NaiveDateTime,
    pub attempts: i32,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub delivered_at: Option<NaiveDateTime>,
    pub last_attempt_at: Option<NaiveDateTime>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub last_duration_ms: Option<i32>,
}

pub struct NewEndpoint<'a> {
    pub account_id: i32,
    pub url: &'a str,
    pub description: &'a str,
    pub events: &'a str,
    pub secret_salt: &'a str,
}

pub fn create(conn: &mut DbConn, new: &NewEndpoint, now: NaiveDateTime) -> QueryResult<Endpoint> {
    let id = diesel::insert_into(we::table)
        .values((
            we::account_id.eq(new.account_id),
            we::url.eq(new.url),
            we::description.eq(new.description),
            we::events.eq(new.events),
            we::secret_salt.eq(new.secret_salt),
            we::active.eq(true),
            we::created_at.eq(now),
        ))
        .returning(we::id)
        .get_result::<i32>(conn)?;
    find(conn, new.account_id, id)
}

pub fn list(conn: &mut DbConn, account_id: i32) -> QueryResult<Vec<Endpoint>> {
    we::table
        .filter(we::account_id.eq(account_id))
        .order(we::id)
        .select(Endpoint::as_select())
        .load(conn)
}

/// The account's endpoint `id`: another account's is not found.
pub fn find(conn: &mut DbConn, account_id: i32, id: i32) -> QueryResult<Endpoint> {
    we::table
        .filter(we::account_id.eq(account_id))
        .find(id)
        .select(Endpoint::as_select())
        .first(conn)
}

/// Turns an endpoint on (a fresh start: no failures counted) or off by a person.
pub fn set_active(conn: &mut DbConn, id: i32, active: bool) -> QueryResult<()> {
    diesel::update(we::table.find(id))
        .set((
            we::active.eq(active),
            we::disabled_at.eq(None::<NaiveDateTime>),
            we::failing_since.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    if !active {
        stop_pending(conn, id)?;
    }
    Ok(())
}

pub fn set_salt(conn: &mut DbConn, id: i32, salt: &str) -> QueryResult<()> {
    diesel::update(we::table.find(id))
        .set(we::secret_salt.eq(salt))
        .execute(conn)
        .map(|_| ())
}

pub fn delete(conn: &mut DbConn, id: i32) -> QueryResult<()> {
    diesel::delete(wd::table.filter(wd::endpoint_id.eq(id))).execute(conn)?;
    diesel::delete(we::table.find(id)).execute(conn).map(|_| ())
}

/// Deliveries not sent yet are dropped from the queue (kept in the log, marked).
fn stop_pending(conn: &mut DbConn, endpoint_id: i32) -> QueryResult<()> {
    diesel::update(
        wd::table
            .filter(wd::endpoint_id.eq(endpoint_id))
            .filter(wd::next_attempt_at.is_not_null()),
    )
    .set(wd::next_attempt_at.eq(None::<NaiveDateTime>))
    .execute(conn)
    .map(|_| ())
}

/// Queues `payload` for every active endpoint of the account that receives `event`, in the
/// caller's transaction.
pub fn enqueue(
    conn: &mut DbConn,
    account_id: i32,
    event: &str,
    payload: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let endpoints: Vec<Endpoint> = we::table
        .filter(we::account_id.eq(account_id))
        .filter(we::active.eq(true))
        .select(Endpoint::as_select())
        .load(conn)?;
    let mut queued = 0;
    for endpoint in endpoints.iter().filter(|e| e.receives(event)) {
        queue_one(conn, endpoint.id, event, payload, now)?;
        queued += 1;
    }
    Ok(queued)
}

/// Queues one delivery to one endpoint (a test event, or one of `enqueue`'s).
pub fn queue_one(
    conn: &mut DbConn,
    endpoint_id: i32,
    event: &str,
    payload: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let random = random_alphanumeric(24)
        .map_err(|e| diesel::result::Error::QueryBuilderError(e.to_string().into()))?;
    let message_id = format!("msg_{random}");
    diesel::insert_into(wd::table)
        .values((
            wd::endpoint_id.eq(endpoint_id),
            wd::payload.eq(payload),
            wd::message_id.eq(&message_id),
            wd::event_type.eq(event),
            wd::created_at.eq(now),
            wd::attempts.eq(0),
            wd::next_attempt_at.eq(Some(now)),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The endpoint's latest deliveries, newest first.
pub fn deliveries(conn: &mut DbConn, endpoint_id: i32, limit: i64) -> QueryResult<Vec<Delivery>> {
    wd::table
        .filter(wd::endpoint_id.eq(endpoint_id))
        .order(wd::id.desc())
        .limit(limit)
        .select(Delivery::as_select())
        .load(conn)
}

/// Sends delivery `id` of the endpoint again, now (same message id: a receiver that already
/// has it can tell). False: no such delivery of this endpoint.
pub fn redeliver(
    conn: &mut DbConn,
    endpoint_id: i32,
    id: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let changed = diesel::update(wd::table.filter(wd::endpoint_id.eq(endpoint_id)).find(id))
        .set(wd::next_attempt_at.eq(Some(now)))
        .execute(conn)?;
    Ok(changed == 1)
}

/// Deliveries due by `now`, oldest first, with their endpoints.
pub fn due(
    conn: &mut DbConn,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<(Delivery, Endpoint)>> {
    wd::table
        .inner_join(we::table)
        .filter(wd::next_attempt_at.le(now))
        .filter(we::active.eq(true))
        .order(wd::id)
        .limit(limit)
        .select((Delivery::as_select(), Endpoint::as_select()))
        .load(conn)
}

/// Takes a due delivery for sending until `until`; false when another worker took it first.
pub fn lease(
    conn: &mut DbConn,
    id: i32,
    seen: NaiveDateTime,
    until: NaiveDateTime,
) -> QueryResult<bool> {
    let taken = diesel::update(wd::table.find(id).filter(wd::next_attempt_at.eq(seen)))
        .set(wd::next_attempt_at.eq(Some(until)))
        .execute(conn)?;
    Ok(taken == 1)
}

/// What one attempt gave.
pub struct Attempt<'a> {
    pub at: NaiveDateTime,
    pub status: Option<i32>,
    pub error: Option<&'a str>,
    pub duration_ms: i32,
    /// When to try again: `None` when delivered or given up.
    pub retry_at: Option<NaiveDateTime>,
}

/// Records an attempt; a success also clears the endpoint's run of failures, a failure
/// starts one (if none is running). Returns the endpoint's first failure of the run.
pub fn record_attempt(
    conn: &mut DbConn,
    delivery: &Delivery,
    attempt: &Attempt,
) -> QueryResult<Option<NaiveDateTime>> {
    let delivered = attempt.error.is_none();
    diesel::update(wd::table.find(delivery.id))
        .set((
            wd::attempts.eq(wd::attempts + 1),
            wd::last_attempt_at.eq(Some(attempt.at)),
            wd::last_status.eq(attempt.status),
            wd::last_error.eq(attempt.error),
            wd::last_duration_ms.eq(Some(attempt.duration_ms)),
            wd::next_attempt_at.eq(attempt.retry_at),
            wd::delivered_at.eq(delivered.then_some(attempt.at)),
        ))
        .execute(conn)?;
    let endpoint = we::table.find(delivery.endpoint_id);
    if delivered {
        diesel::update(endpoint)
            .set(we::failing_since.eq(None::<NaiveDateTime>))
            .execute(conn)?;
        return Ok(None);
    }
    diesel::update(endpoint.filter(we::failing_since.is_null()))
        .set(we::failing_since.eq(Some(attempt.at)))
        .execute(conn)?;
    endpoint.select(we::failing_since).first(conn)
}

/// Turns an endpoint off after its failures, if it is still on; true when this call did.
pub fn disable_failing(conn: &mut DbConn, id: i32, now: NaiveDateTime) -> QueryResult<bool> {
    let changed = diesel::update(
        we::table
            .find(id)
            .filter(we::active.eq(true))
            .filter(we::failing_since.is_not_null()),
    )
    .set((we::active.eq(false), we::disabled_at.eq(Some(now))))
    .execute(conn)?;
    if changed == 1 {
        stop_pending(conn, id)?;
    }
    Ok(changed == 1)
}
