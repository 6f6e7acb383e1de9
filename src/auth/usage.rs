//! *Last used*: uses are gathered in memory and written in batches, not on every request.
//! A crash loses at most one flush interval; a graceful stop flushes what is pending. With
//! many distinct keys in use, the batch is written as soon as it holds `MAX_PENDING` keys,
//! so memory stays bounded whatever the population.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use chrono::NaiveDateTime;

use crate::db::{self, Pool};

/// Keys gathered before a flush is due at once (a few MiB).
const MAX_PENDING: usize = 50_000;

#[derive(Default)]
pub struct UsageRecorder {
    pending: Mutex<HashMap<i32, (NaiveDateTime, String)>>,
    /// Signalled when the batch is full.
    full: Condvar,
}

impl UsageRecorder {
    pub fn record(&self, credential_id: i32, at: NaiveDateTime, ip: String) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.insert(credential_id, (at, ip));
        if pending.len() >= MAX_PENDING {
            self.full.notify_one();
        }
    }

    /// Wakes the flusher now: another batch written with this one (sources) is full.
    pub fn flush_soon(&self) {
        self.full.notify_one();
    }

    /// Waits up to `interval`, or less when the batch fills first.
    pub fn wait_for_batch(&self, interval: Duration) {
        let pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if pending.len() < MAX_PENDING {
            let _ = self.full.wait_timeout(pending, interval);
        }
    }

    /// Writes every pending use in one transaction. On failure the uses are put back (unless
    /// newer ones arrived meanwhile) so the next flush retries them.
    pub fn flush(&self, pool: &Pool) -> Result<usize, String> {
        let batch = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        if batch.is_empty() {
            return Ok(0);
        }
        let result = db::with_conn(pool, |conn| {
            db::credentials::record_uses(conn, &batch).map_err(crate::error::AppError::from)
        })
        .map_err(|e| e.to_string());
        match result {
            Ok(()) => Ok(batch.len()),
            Err(e) => {
                let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
                for (id, use_) in batch {
                    pending.entry(id).or_insert(use_);
                }
                Err(e)
            }
        }
    }
}
