//! Per-key rate limits, counted in fixed windows (`domain::rate`).
//!
//! SQLite (one process): counted in this process's memory, exactly. PostgreSQL (any number of
//! processes on one database): the count lives in `rate_counters`; a process takes a *lease*
//! of a few uses at a time (`lease_size`), granted only while the window's total stays within
//! the limit, and spends it locally. So the uses admitted in a window never exceed the limit,
//! whatever the number of processes; at worst a window admits up to `processes × lease` fewer
//! (uses leased by a process that did not need them before the window ended). Leases are
//! taken under the row's lock, so concurrent requests cannot outrun the count.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{self, DbConn, Pool, schema::rate_counters as rc};
use crate::domain::rate::{RateLimit, RateState};
use crate::error::AppError;

/// Entries past this many are swept of ended windows, at most once a `SWEEP_EVERY` seconds:
/// with more keys than that in use within the hour, a sweep on every use would scan them all
/// each time (a benchmark of 20,000 limited keys found it).
const SWEEP_AT: usize = 10_000;
const SWEEP_EVERY: i64 = 60;

/// Uses a process takes at once on PostgreSQL: about 1 % of the limit, 1 to 50 — a round
/// trip per lease, and a small bound on what a lease can leave unused.
pub fn lease_size(limit: RateLimit) -> u32 {
    (limit.requests / 100).clamp(1, 50)
}

/// One key's window in this process: uses counted (SQLite) or left of the lease (PostgreSQL).
#[derive(Clone, Copy)]
struct Local {
    window_start: i64,
    /// SQLite: uses so far. PostgreSQL: uses left of this process's lease.
    count: u32,
    /// PostgreSQL: the window's total across processes when the last lease was taken.
    total: u32,
}

pub struct RateLimits {
    shared: Option<Pool>,
    local: Mutex<HashMap<i32, Local>>,
    /// When the entries were last swept (seconds since 1970).
    swept_at: std::sync::atomic::AtomicI64,
}

impl RateLimits {
    /// `shared`: the PostgreSQL pool the counters live in; `None` on SQLite.
    pub fn new(shared: Option<Pool>) -> RateLimits {
        RateLimits {
            shared,
            local: Mutex::new(HashMap::new()),
            swept_at: std::sync::atomic::AtomicI64::new(0),
        }
    }

    fn local(&self) -> std::sync::MutexGuard<'_, HashMap<i32, Local>> {
        self.local.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Drops ended windows once the map grows large (keys used once and not again).
    fn sweep(&self, local: &mut HashMap<i32, Local>, at: i64) {
        use std::sync::atomic::Ordering;
        if local.len() >= SWEEP_AT && at - self.swept_at.load(Ordering::Relaxed) >= SWEEP_EVERY {
            self.swept_at.store(at, Ordering::Relaxed);
            // An hour is the longest window: any entry older than that has ended.
            local.retain(|_, l| l.window_start > at - 3600);
        }
    }

    /// Counts one use of credential `id` against `limit`: `Ok` with where it stands, or
    /// `Err` with where it stands (nothing left) when the window is used up.
    pub async fn admit(
        &self,
        id: i32,
        limit: RateLimit,
        now: NaiveDateTime,
    ) -> Result<Result<RateState, RateState>, AppError> {
        let at = now.and_utc().timestamp();
        let (start, reset) = limit.window_of(at);
        let state = |remaining| RateState {
            limit,
            remaining,
            reset,
        };
        let Some(pool) = &self.shared else {
            let mut local = self.local();
            self.sweep(&mut local, at);
            let entry = window(&mut local, id, start);
            if entry.count >= limit.requests {
                return Ok(Err(state(0)));
            }
            entry.count += 1;
            return Ok(Ok(state(limit.requests - entry.count)));
        };
        // A use of the lease this process holds, if any is left.
        {
            let mut local = self.local();
            self.sweep(&mut local, at);
            if let Some(entry) = local.get_mut(&id)
                && entry.window_start == start
            {
                if entry.count > 0 {
                    entry.count -= 1;
                    let left = limit.requests.saturating_sub(entry.total) + entry.count;
                    return Ok(Ok(state(left)));
                }
                // The window's uses are all leased (here or elsewhere): refused from memory
                // until it ends, without a locked write per refused request.
                if entry.total >= limit.requests {
                    return Ok(Err(state(0)));
                }
            }
        }
        let (pool, want) = (pool.clone(), lease_size(limit));
        let (granted, total) = actix_web::web::block(move || {
            db::with_conn(&pool, |c| {
                Ok::<_, AppError>(take_lease(c, id, start, want, limit.requests)?)
            })
        })
        .await??;
        let mut local = self.local();
        if granted == 0 {
            let entry = window(&mut local, id, start);
            entry.total = entry.total.max(total);
            return Ok(Err(state(0)));
        }
        // The first use of the new lease is this one. Requests of this process that took
        // leases at the same time add theirs up: no leased use is dropped.
        let entry = window(&mut local, id, start);
        entry.count += granted - 1;
        entry.total = entry.total.max(total);
        let left = limit.requests.saturating_sub(entry.total) + entry.count;
        Ok(Ok(state(left)))
    }

    /// Removes the shared counters of windows that ended before `before` (PostgreSQL).
    pub fn prune(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
        // The longest window is an hour; anything older than that has ended.
        let cutoff = before.and_utc().timestamp() - 3600;
        diesel::delete(rc::table.filter(rc::window_start.lt(cutoff))).execute(conn)
    }
}

/// Key `id`'s entry for the window starting at `start`, begun afresh if it held an older one.
fn window(local: &mut HashMap<i32, Local>, id: i32, start: i64) -> &mut Local {
    let fresh = Local {
        window_start: start,
        count: 0,
        total: 0,
    };
    let entry = local.entry(id).or_insert(fresh);
    if entry.window_start != start {
        *entry = fresh;
    }
    entry
}

/// Takes up to `want` uses of credential `id`'s window `start`, never past `limit` in all:
/// (granted, the window's total after).
fn take_lease(
    conn: &mut DbConn,
    id: i32,
    start: i64,
    want: u32,
    limit: u32,
) -> QueryResult<(u32, u32)> {
    db::write(conn, |conn| {
        let insert = diesel::insert_into(rc::table).values((
            rc::credential_id.eq(id),
            rc::window_start.eq(start),
            rc::used.eq(0),
        ));
        match conn {
            DbConn::Postgres(c) => {
                insert.on_conflict_do_nothing().execute(c)?;
            }
            DbConn::Sqlite(c) => {
                insert.on_conflict_do_nothing().execute(c)?;
            }
        }
        let row = rc::table.find((id, start));
        // Locked until the transaction ends: concurrent leases are taken one after another.
        let used: i32 = match conn {
            DbConn::Postgres(c) => row.select(rc::used).for_update().first(c)?,
            DbConn::Sqlite(c) => row.select(rc::used).first(c)?,
        };
        let used = u32::try_from(used).unwrap_or(limit);
        let granted = want.min(limit.saturating_sub(used));
        if granted > 0 {
            diesel::update(row)
                .set(rc::used.eq((used + granted) as i32))
                .execute(conn)?;
        }
        Ok((granted, used + granted))
    })
}
