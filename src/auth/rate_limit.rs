//! Per-key rate limits, counted in fixed windows (`domain::rate`).
//!
//! SQLite (one process): counted in this process's memory, exactly. PostgreSQL (any number of
//! processes on one database): a process takes a *lease* of a few uses at a time
//! (`lease_size`) and spends it locally. `rate_counters.used` counts the uses *asked for* in
//! the window, by every process: one atomic `used = used + want` says where an ask falls,
//! and of the uses `[used - want, used)` it stands for, those below the limit are granted.
//! The asks' ranges are disjoint, so the uses admitted in a window never exceed the limit,
//! whatever the number of processes or how they race; at worst a window admits up to
//! `processes × lease` fewer (uses leased by a process that did not need them before the
//! window ended). The asks waiting at the same moment, of any number of keys, are one
//! statement (`auth::batch`), so a population of keys each used once or twice a window
//! does not cost a transaction per request.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::batch::Batches;
use crate::db::{DbConn, Pool, schema::rate_counters as rc};
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
    /// PostgreSQL: the lease batches; `None` on SQLite.
    shared: Option<Batches<LeaseAsk, Lease>>,
    local: Mutex<HashMap<i32, Local>>,
    /// When the entries were last swept (seconds since 1970).
    swept_at: std::sync::atomic::AtomicI64,
}

impl RateLimits {
    /// `shared`: the PostgreSQL pool the counters live in; `None` on SQLite.
    pub fn new(shared: Option<Pool>) -> std::io::Result<RateLimits> {
        let shared = match shared {
            // Two threads: one transaction in flight while the next batch gathers.
            Some(pool) => Some(Batches::new("rate-lease", 2, pool, take_leases)?),
            None => None,
        };
        Ok(RateLimits {
            shared,
            local: Mutex::new(HashMap::new()),
            swept_at: std::sync::atomic::AtomicI64::new(0),
        })
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
        let Some(leases) = &self.shared else {
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
        let lease = leases
            .ask(LeaseAsk {
                id,
                start,
                limit: limit.requests,
                want: lease_size(limit),
            })
            .await?;
        let mut local = self.local();
        let entry = window(&mut local, id, start);
        entry.total = entry.total.max(lease.total);
        if !lease.admitted {
            return Ok(Err(state(0)));
        }
        // This use is the lease's first. Requests of this process that took leases at the
        // same time add theirs up: no leased use is dropped.
        entry.count += lease.extra;
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

/// One request's ask for a use of credential `id`'s window `start` (PostgreSQL).
pub struct LeaseAsk {
    id: i32,
    start: i64,
    limit: u32,
    /// Uses to take at once (`lease_size`).
    want: u32,
}

/// The answer to a `LeaseAsk`.
pub struct Lease {
    /// This request's use was granted.
    admitted: bool,
    /// Uses granted beyond this request's, for this process to spend on later ones.
    extra: u32,
    /// The window's total across processes after this lease.
    total: u32,
}

/// Takes the leases of a batch in one statement, never past any key's limit: asks of the
/// same key and window share one lease as large as they are many (at least the lease size).
/// Rows are written in key order, so concurrent batches cannot deadlock.
fn take_leases(conn: &mut DbConn, asks: &[LeaseAsk]) -> Result<Vec<Lease>, AppError> {
    use diesel::sql_types::{Array, BigInt, Integer};
    #[derive(QueryableByName)]
    struct Asked {
        #[diesel(sql_type = Integer)]
        credential_id: i32,
        #[diesel(sql_type = BigInt)]
        window_start: i64,
        #[diesel(sql_type = Integer)]
        used: i32,
    }
    let DbConn::Postgres(c) = conn else {
        return Err(AppError::Internal(
            "shared rate limits need PostgreSQL".into(),
        ));
    };
    // (id, start) → (limit, asks, uses wanted), in key order.
    let mut keys: BTreeMap<(i32, i64), (u32, u32, u32)> = BTreeMap::new();
    for ask in asks {
        let key = keys.entry((ask.id, ask.start)).or_insert((ask.limit, 0, 0));
        key.0 = key.0.min(ask.limit);
        key.1 += 1;
        key.2 = key.1.max(ask.want);
    }
    let ids: Vec<i32> = keys.keys().map(|k| k.0).collect();
    let starts: Vec<i64> = keys.keys().map(|k| k.1).collect();
    let wants: Vec<i32> = keys.values().map(|k| k.2 as i32).collect();
    // Each row is locked only for the statement: concurrent asks of a key are counted one
    // after another.
    let asked: Vec<Asked> = diesel::sql_query(
        "INSERT INTO rate_counters AS r (credential_id, window_start, used) \
         SELECT * FROM unnest($1, $2, $3) ORDER BY 1, 2 \
         ON CONFLICT (credential_id, window_start) DO UPDATE SET used = r.used + excluded.used \
         RETURNING r.credential_id, r.window_start, r.used",
    )
    .bind::<Array<Integer>, _>(&ids)
    .bind::<Array<BigInt>, _>(&starts)
    .bind::<Array<Integer>, _>(&wants)
    .load(c)?;
    // (id, start) → (granted, uses admitted in the window at most, after this).
    let mut granted: BTreeMap<(i32, i64), (u32, u32)> = BTreeMap::new();
    for a in asked {
        let key = (a.credential_id, a.window_start);
        let Some(&(limit, _, want)) = keys.get(&key) else {
            continue;
        };
        let after = u32::try_from(a.used).unwrap_or(u32::MAX);
        let before = after.saturating_sub(want);
        let grant = limit.saturating_sub(before).min(want);
        granted.insert(key, (grant, after.min(limit)));
    }
    // Hand the granted uses out in the order asked; what is left goes to the key's first ask.
    let mut left = granted;
    let mut leases: Vec<Lease> = asks
        .iter()
        .map(|ask| {
            let Some((grant, total)) = left.get_mut(&(ask.id, ask.start)) else {
                // Not in the statement's answer (cannot happen): refused, closed.
                return Lease {
                    admitted: false,
                    extra: 0,
                    total: ask.limit,
                };
            };
            let admitted = *grant > 0;
            *grant = grant.saturating_sub(1);
            Lease {
                admitted,
                extra: 0,
                total: *total,
            }
        })
        .collect();
    for (key, (rest, _)) in left {
        if rest > 0
            && let Some(i) = asks.iter().position(|a| (a.id, a.start) == key)
        {
            leases[i].extra = rest;
        }
    }
    Ok(leases)
}
