//! How each key is used, per hour: successful uses and refusals by reason, counted in memory
//! and added to `key_usage` in batches with *last used* (never a row per request). A crash
//! loses at most one flush interval of counts; a graceful stop writes them.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{self, DbConn, Pool, schema::key_usage as ku};

/// What happened to one presentation of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    WrongSecret,
    Inactive,
    Expired,
    /// Valid, but without a scope the call or route requires.
    Scope,
    RateLimited,
    /// The right secret from outside the key's allowlist.
    Address,
}

impl Outcome {
    pub const ALL: [Outcome; 7] = [
        Outcome::Ok,
        Outcome::WrongSecret,
        Outcome::Inactive,
        Outcome::Expired,
        Outcome::Scope,
        Outcome::RateLimited,
        Outcome::Address,
    ];

    /// The column, the API's field and the CSV's header.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::WrongSecret => "wrong_secret",
            Outcome::Inactive => "inactive",
            Outcome::Expired => "expired",
            Outcome::Scope => "scope",
            Outcome::RateLimited => "rate_limited",
            Outcome::Address => "address",
        }
    }

    /// Its place in `Counts` (`Outcome::ALL` order).
    fn slot(self) -> usize {
        Outcome::ALL
            .iter()
            .position(|o| *o == self)
            .unwrap_or_default()
    }

    /// Catalog key of its name on the key's page.
    pub fn label_key(self) -> &'static str {
        match self {
            Outcome::Ok => "usage.ok",
            Outcome::WrongSecret => "usage.wrong_secret",
            Outcome::Inactive => "usage.inactive",
            Outcome::Expired => "usage.expired",
            Outcome::Scope => "usage.scope",
            Outcome::RateLimited => "usage.rate_limited",
            Outcome::Address => "usage.address",
        }
    }
}

/// Counts of one key in one hour, in `Outcome::ALL` order.
pub type Counts = [i64; 7];

/// The start of the hour `at` falls in, in seconds since 1970.
pub fn hour_of(at: NaiveDateTime) -> i64 {
    at.and_utc().timestamp().div_euclid(3600) * 3600
}

#[derive(Default)]
pub struct UsageCounts {
    pending: Mutex<HashMap<(i32, i64), [u32; 7]>>,
}

impl UsageCounts {
    pub fn count(&self, credential_id: i32, at: NaiveDateTime, outcome: Outcome) {
        let slot = outcome.slot();
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let counts = pending
            .entry((credential_id, hour_of(at)))
            .or_insert([0; 7]);
        counts[slot] = counts[slot].saturating_add(1);
    }

    /// A use counted as successful that the call then refused (`outcome`: a missing scope):
    /// moved from one to the other. (Written in between, the success stays counted too.)
    pub fn refused_after_all(&self, credential_id: i32, at: NaiveDateTime, outcome: Outcome) {
        let slot = outcome.slot();
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let counts = pending
            .entry((credential_id, hour_of(at)))
            .or_insert([0; 7]);
        counts[0] = counts[0].saturating_sub(1);
        counts[slot] = counts[slot].saturating_add(1);
    }

    /// How many (key, hour) entries wait to be written.
    pub fn pending(&self) -> usize {
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Adds every pending count in one transaction; on failure they are put back for the next
    /// flush.
    pub fn flush(&self, pool: &Pool) -> Result<usize, String> {
        let batch = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        if batch.is_empty() {
            return Ok(0);
        }
        let mut rows: Vec<((i32, i64), [u32; 7])> = batch.into_iter().collect();
        // In key order: processes adding overlapping batches wait for each other, never
        // deadlock.
        rows.sort_unstable_by_key(|(key, _)| *key);
        let written = db::with_conn(pool, |conn| {
            add(conn, &rows).map_err(crate::error::AppError::from)
        });
        match written {
            Ok(()) => Ok(rows.len()),
            Err(e) => {
                let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
                for (key, counts) in rows {
                    let slot = pending.entry(key).or_insert([0; 7]);
                    for (total, n) in slot.iter_mut().zip(counts) {
                        *total = total.saturating_add(n);
                    }
                }
                Err(e.to_string())
            }
        }
    }
}

/// Adds the counts to the stored ones: `INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`,
/// in statements of a few hundred rows.
fn add(conn: &mut DbConn, rows: &[((i32, i64), [u32; 7])]) -> QueryResult<()> {
    const ROWS: usize = 300;
    db::write(conn, |conn| {
        for chunk in rows.chunks(ROWS) {
            let values: Vec<_> = chunk
                .iter()
                .map(|((id, hour), n)| {
                    (
                        ku::credential_id.eq(*id),
                        ku::hour.eq(*hour),
                        ku::ok.eq(n[0] as i32),
                        ku::wrong_secret.eq(n[1] as i32),
                        ku::inactive.eq(n[2] as i32),
                        ku::expired.eq(n[3] as i32),
                        ku::scope.eq(n[4] as i32),
                        ku::rate_limited.eq(n[5] as i32),
                        ku::address.eq(n[6] as i32),
                    )
                })
                .collect();
            macro_rules! upsert {
                ($c:expr) => {{
                    use diesel::upsert::excluded;
                    diesel::insert_into(ku::table)
                        .values(&values)
                        .on_conflict((ku::credential_id, ku::hour))
                        .do_update()
                        .set((
                            ku::ok.eq(ku::ok + excluded(ku::ok)),
                            ku::wrong_secret.eq(ku::wrong_secret + excluded(ku::wrong_secret)),
                            ku::inactive.eq(ku::inactive + excluded(ku::inactive)),
                            ku::expired.eq(ku::expired + excluded(ku::expired)),
                            ku::scope.eq(ku::scope + excluded(ku::scope)),
                            ku::rate_limited.eq(ku::rate_limited + excluded(ku::rate_limited)),
                            ku::address.eq(ku::address + excluded(ku::address)),
                        ))
                        .execute($c)?
                }};
            }
            match conn {
                DbConn::Sqlite(c) => upsert!(c),
                DbConn::Postgres(c) => upsert!(c),
            };
        }
        Ok(())
    })
}

/// One key's counts per hour from `from` (an hour start) on, oldest first; hours without
/// any use are absent.
pub fn series(conn: &mut DbConn, credential_id: i32, from: i64) -> QueryResult<Vec<(i64, Counts)>> {
    type Row = (i64, i32, i32, i32, i32, i32, i32, i32);
    let rows: Vec<Row> = ku::table
        .filter(ku::credential_id.eq(credential_id))
        .filter(ku::hour.ge(from))
        .order(ku::hour)
        .select((
            ku::hour,
            ku::ok,
            ku::wrong_secret,
            ku::inactive,
            ku::expired,
            ku::scope,
            ku::rate_limited,
            ku::address,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(h, a, b, c, d, e, f, g)| (h, [a, b, c, d, e, f, g].map(i64::from)))
        .collect())
}

/// Several keys' counts from `from` (an hour start) on, per key and hour, in one query.
pub fn series_of_keys(
    conn: &mut DbConn,
    credential_ids: &[i32],
    from: i64,
) -> QueryResult<Vec<(i32, i64, Counts)>> {
    type Row = (i32, i64, i32, i32, i32, i32, i32, i32, i32);
    let rows: Vec<Row> = ku::table
        .filter(ku::credential_id.eq_any(credential_ids))
        .filter(ku::hour.ge(from))
        .order((ku::credential_id, ku::hour))
        .select((
            ku::credential_id,
            ku::hour,
            ku::ok,
            ku::wrong_secret,
            ku::inactive,
            ku::expired,
            ku::scope,
            ku::rate_limited,
            ku::address,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(k, h, a, b, c, d, e, f, g)| (k, h, [a, b, c, d, e, f, g].map(i64::from)))
        .collect())
}

/// Removes counts older than `before`.
pub fn prune(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(ku::table.filter(ku::hour.lt(hour_of(before)))).execute(conn)
}

/// How the counts are added up for a chart or a series.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// The last 24 hours, hour by hour (the current one last).
    Hour,
    /// The last 30 days (UTC), day by day (today last).
    Day,
}

impl Period {
    fn step(self) -> i64 {
        match self {
            Period::Hour => 3600,
            Period::Day => 86_400,
        }
    }

    fn count(self) -> i64 {
        match self {
            Period::Hour => 24,
            Period::Day => 30,
        }
    }

    /// Where the first bucket starts, for a series read from there.
    pub fn from(self, now: NaiveDateTime) -> i64 {
        let at = now.and_utc().timestamp();
        let current = at.div_euclid(self.step()) * self.step();
        current - (self.count() - 1) * self.step()
    }
}

/// Every bucket of the period `per` ending now, empty ones included: (start in seconds
/// since 1970, counts).
pub fn buckets(series: &[(i64, Counts)], now: NaiveDateTime, per: Period) -> Vec<(i64, Counts)> {
    let first = per.from(now);
    let mut out: Vec<(i64, Counts)> = (0..per.count())
        .map(|i| (first + i * per.step(), [0; 7]))
        .collect();
    for (hour, counts) in series {
        let i = (hour - first).div_euclid(per.step());
        if let Some((_, slot)) = usize::try_from(i).ok().and_then(|i| out.get_mut(i)) {
            for (total, n) in slot.iter_mut().zip(counts) {
                *total += n;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_the_period_and_add_hours_into_days() {
        let now: NaiveDateTime = "2026-12-01T10:20:00".parse().expect("time");
        let hour = hour_of(now);
        let series = [
            (hour, [3, 1, 0, 0, 0, 0, 0]),
            (hour - 3600, [2, 0, 0, 0, 0, 1, 0]),
            (hour - 40 * 86_400, [9, 0, 0, 0, 0, 0, 0]),
        ];
        let hours = buckets(&series, now, Period::Hour);
        assert_eq!(hours.len(), 24);
        assert_eq!(hours[23], (hour, [3, 1, 0, 0, 0, 0, 0]));
        assert_eq!(hours[22].1[5], 1);
        let days = buckets(&series, now, Period::Day);
        assert_eq!(days.len(), 30);
        assert_eq!(days[29].1, [5, 1, 0, 0, 0, 1, 0], "today adds its hours");
        assert!(
            days.iter().all(|(_, c)| c[0] != 9),
            "older than the period: left out"
        );
    }
}
