//! The one source of "now" (UTC). Tests and screenshots freeze it with `KEYWARD_FAKE_NOW`.

use chrono::{NaiveDateTime, Utc};

#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    fixed: Option<NaiveDateTime>,
}

impl Clock {
    pub fn new(fixed: Option<NaiveDateTime>) -> Self {
        Clock { fixed }
    }

    /// Whole seconds: the same value reads back identically from SQLite and PostgreSQL.
    pub fn now(&self) -> NaiveDateTime {
        use chrono::Timelike;
        let now = self.fixed.unwrap_or_else(|| Utc::now().naive_utc());
        now.with_nanosecond(0).unwrap_or(now)
    }
}
