//! The one source of "now" (UTC). Tests and screenshots freeze it with `KEYWARD_FAKE_NOW`
//! (honoured by debug builds only: a frozen clock would turn off session timeouts and key
//! expiry in production) and move it on with `advance`, so no test sleeps for time to pass.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{NaiveDateTime, Utc};

#[derive(Debug, Clone, Default)]
pub struct Clock {
    fixed: Option<NaiveDateTime>,
    /// Seconds added by `advance` (shared by every copy of this clock).
    offset: Arc<AtomicI64>,
}

impl Clock {
    pub fn new(fixed: Option<NaiveDateTime>) -> Self {
        Clock {
            fixed,
            offset: Arc::default(),
        }
    }

    /// Whole seconds: the same value reads back identically from SQLite and PostgreSQL.
    pub fn now(&self) -> NaiveDateTime {
        use chrono::Timelike;
        let now = self.fixed.unwrap_or_else(|| Utc::now().naive_utc())
            + chrono::Duration::seconds(self.offset.load(Ordering::Relaxed));
        now.with_nanosecond(0).unwrap_or(now)
    }

    /// Moves this clock (and every clone of it) forward: for tests.
    pub fn advance(&self, by: chrono::Duration) {
        self.offset.fetch_add(by.num_seconds(), Ordering::Relaxed);
    }
}
