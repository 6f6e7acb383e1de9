//! Failed API authentications, journalled in aggregate: one audit row per credential id per
//! minute with the count, not one row per request.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::NaiveDateTime;

use crate::db::{self, Pool, audit};

pub struct AuthFailures {
    /// Seconds per journal row (60: one row per credential id per minute).
    window: i64,
    counts: Mutex<HashMap<(String, NaiveDateTime), (u64, String)>>,
}

impl AuthFailures {
    pub fn new(window_seconds: u32) -> Self {
        AuthFailures {
            window: i64::from(window_seconds.max(1)),
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// The start of the window `at` falls in.
    fn bucket(&self, at: NaiveDateTime) -> NaiveDateTime {
        let t = at.and_utc().timestamp();
        chrono::DateTime::from_timestamp(t - t.rem_euclid(self.window), 0)
            .map_or(at, |d| d.naive_utc())
    }

    pub fn record(&self, public_id: &str, at: NaiveDateTime, ip: &str) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let entry = counts
            .entry((public_id.to_owned(), self.bucket(at)))
            .or_insert((0, ip.to_owned()));
        entry.0 += 1;
        entry.1 = ip.to_owned();
    }

    /// Journals the windows that are over (all of them when `everything`, at shutdown).
    pub fn flush(
        &self,
        pool: &Pool,
        now: NaiveDateTime,
        everything: bool,
    ) -> Result<usize, String> {
        let done: Vec<((String, NaiveDateTime), (u64, String))> = {
            let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
            let current = self.bucket(now);
            let keys: Vec<_> = counts
                .keys()
                .filter(|(_, m)| everything || *m < current)
                .cloned()
                .collect();
            keys.into_iter()
                .filter_map(|k| counts.remove(&k).map(|v| (k, v)))
                .collect()
        };
        if done.is_empty() {
            return Ok(0);
        }
        let rows = done.len();
        db::with_conn(pool, |conn| {
            crate::db::write(conn, |conn| {
                for ((public_id, at), (count, ip)) in &done {
                    // The credential's account, when it exists (unknown ids are journalled too).
                    let found = db::credentials::find_for_auth(conn, public_id)?;
                    let actor = audit::Actor {
                        kind: "system",
                        id: None,
                        name: "API".into(),
                        ip: Some(ip.clone()),
                        account_id: found.as_ref().map(|r| r.credential.account_id),
                    };
                    let name = found.map(|r| r.credential.label).unwrap_or_default();
                    let target = audit::Target {
                        kind: "credential",
                        id: public_id.clone(),
                        name,
                    };
                    audit::record(
                        conn,
                        &actor,
                        *at,
                        "api.auth_failed",
                        &target,
                        &[audit::change("failures", 0, count)],
                    )?;
                }
                Ok::<_, diesel::result::Error>(())
            })
            .map_err(crate::error::AppError::from)
        })
        .map_err(|e| e.to_string())?;
        Ok(rows)
    }
}
