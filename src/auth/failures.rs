//! Failed API authentications, journalled in aggregate: one audit row per credential per
//! window with the count, not one row per request. Ids that name no credential are counted
//! together in one row per window, so guesses at random ids cannot grow the journal (or this
//! process's memory) without bound.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::NaiveDateTime;

use crate::db::{self, Pool, audit};

/// Whose check failed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FailedId {
    /// An existing credential: its public id, account, label and owner (`operator:ID`…).
    Known {
        public_id: String,
        account_id: i32,
        label: String,
        owner: Option<String>,
    },
    /// An id that names no credential (or one of too many in one window).
    Unknown,
}

/// Per credential and window: failures, how many of them were the right secret from outside
/// the key's allowlist, and the last client address.
type Counts = HashMap<(FailedId, NaiveDateTime), (u64, u64, String)>;

/// Distinct credentials tracked per window; beyond that they count as unknown.
const MAX_TRACKED: usize = 10_000;

pub struct AuthFailures {
    /// Seconds per journal row (60: one row per credential per minute).
    window: i64,
    counts: Mutex<Counts>,
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

    /// One failure; `outside_allowlist` when it was the right secret from an address the
    /// key may not be used from (the journal says so, for its owner).
    pub fn record(&self, id: FailedId, at: NaiveDateTime, ip: &str, outside_allowlist: bool) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let id = if counts.len() >= MAX_TRACKED {
            FailedId::Unknown
        } else {
            id
        };
        let entry = counts
            .entry((id, self.bucket(at)))
            .or_insert((0, 0, ip.to_owned()));
        entry.0 += 1;
        entry.1 += u64::from(outside_allowlist);
        ip.clone_into(&mut entry.2);
    }

    /// Journals the windows that are over (all of them when `everything`, at shutdown).
    pub fn flush(
        &self,
        pool: &Pool,
        now: NaiveDateTime,
        everything: bool,
    ) -> Result<usize, String> {
        #[allow(clippy::type_complexity)]
        let done: Vec<((FailedId, NaiveDateTime), (u64, u64, String))> = {
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
        let written = db::with_conn(pool, |conn| {
            crate::db::write(conn, |conn| {
                for ((id, at), (count, outside, ip)) in &done {
                    let (account_id, target) = match id {
                        FailedId::Known {
                            public_id,
                            account_id,
                            label,
                            owner,
                        } => (
                            Some(*account_id),
                            audit::Target {
                                kind: "credential",
                                id: public_id.clone(),
                                name: label.clone(),
                                owner: owner.clone(),
                                account: Some(*account_id),
                            },
                        ),
                        FailedId::Unknown => (
                            None,
                            audit::Target {
                                kind: "credential",
                                id: String::new(),
                                name: "unknown ids".into(),
                                owner: None,
                                account: None,
                            },
                        ),
                    };
                    let actor = audit::Actor::named_system("API", Some(ip.clone()), account_id);
                    let mut changes = vec![audit::change("failures", 0, count)];
                    if *outside > 0 {
                        changes.push(audit::change("outside_allowlist", 0, outside));
                    }
                    audit::record(
                        conn,
                        &actor,
                        *at,
                        audit::Action::ApiAuthFailed,
                        &target,
                        &changes,
                    )?;
                }
                Ok::<_, diesel::result::Error>(())
            })
            .map_err(crate::error::AppError::from)
        });
        if let Err(e) = written {
            // Put back what could not be journalled (unless newer counts arrived meanwhile):
            // the next flush tries again.
            let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
            for (key, (count, outside, ip)) in done {
                let entry = counts.entry(key).or_insert((0, 0, ip));
                entry.0 += count;
                entry.1 += outside;
            }
            return Err(e.to_string());
        }
        Ok(rows)
    }
}
