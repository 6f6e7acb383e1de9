//! *Last used*: uses are gathered in memory and written in batches, not on every request.
//! A crash loses at most one flush interval; a graceful stop flushes what is pending.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::NaiveDateTime;

use crate::db::{self, Pool};

#[derive(Default)]
pub struct UsageRecorder {
    pending: Mutex<HashMap<i32, (NaiveDateTime, String)>>,
}

impl UsageRecorder {
    pub fn record(&self, credential_id: i32, at: NaiveDateTime, ip: String) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        pending.insert(credential_id, (at, ip));
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
