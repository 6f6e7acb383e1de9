//! A key's rate limit: at most N uses per second, minute or hour, counted in fixed windows
//! (a window starts at a multiple of its length since 1970, the same on every process).

use serde::{Deserialize, Serialize};

/// Most uses a limit may allow per window.
pub const MAX_REQUESTS: u32 = 1_000_000;

/// The length of a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Per {
    Second,
    Minute,
    Hour,
}

impl Per {
    pub const ALL: [Per; 3] = [Per::Second, Per::Minute, Per::Hour];

    pub fn seconds(self) -> i64 {
        match self {
            Per::Second => 1,
            Per::Minute => 60,
            Per::Hour => 3600,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Per::Second => "second",
            Per::Minute => "minute",
            Per::Hour => "hour",
        }
    }

    pub fn parse(code: &str) -> Option<Per> {
        Per::ALL.into_iter().find(|p| p.code() == code)
    }

    /// Catalog key of "per minute", …
    pub fn label_key(self) -> &'static str {
        match self {
            Per::Second => "rate.per_second",
            Per::Minute => "rate.per_minute",
            Per::Hour => "rate.per_hour",
        }
    }

    fn from_seconds(seconds: i32) -> Option<Per> {
        Per::ALL
            .into_iter()
            .find(|p| p.seconds() == i64::from(seconds))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub requests: u32,
    pub per: Per,
}

impl RateLimit {
    /// A limit as it is asked for: 1 to `MAX_REQUESTS` uses.
    pub fn checked(requests: i64, per: Per) -> Result<RateLimit, &'static str> {
        match u32::try_from(requests) {
            Ok(n) if (1..=MAX_REQUESTS).contains(&n) => Ok(RateLimit { requests: n, per }),
            _ => Err("rate.out_of_range"),
        }
    }

    /// From the two stored columns (both or neither).
    pub fn stored(requests: Option<i32>, window: Option<i32>) -> Option<RateLimit> {
        let requests = u32::try_from(requests?).ok().filter(|n| *n > 0)?;
        Some(RateLimit {
            requests,
            per: Per::from_seconds(window?)?,
        })
    }

    /// The two stored columns.
    pub fn columns(limit: Option<RateLimit>) -> (Option<i32>, Option<i32>) {
        match limit {
            Some(l) => (Some(l.requests as i32), Some(l.per.seconds() as i32)),
            None => (None, None),
        }
    }

    /// Does `self` allow more uses over time than `other` (none: no limit at all)?
    pub fn looser_than(self, other: Option<RateLimit>) -> bool {
        match other {
            None => false,
            // a/s > b/t  ⇔  a·t > b·s, exact in integers.
            Some(o) => {
                i64::from(self.requests) * o.per.seconds()
                    > i64::from(o.requests) * self.per.seconds()
            }
        }
    }

    /// The window `at` (seconds since 1970) falls in: its start, and seconds until its end.
    pub fn window_of(self, at: i64) -> (i64, u64) {
        let length = self.per.seconds();
        let start = at.div_euclid(length) * length;
        (start, (start + length - at) as u64)
    }
}

/// Where a key stands against its limit, for the `RateLimit-*` headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateState {
    pub limit: RateLimit,
    pub remaining: u32,
    /// Seconds until the window ends.
    pub reset: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_compare_by_rate_and_windows_align() {
        let per_minute = |n| RateLimit::checked(n, Per::Minute).expect("limit");
        let per_second = |n| RateLimit::checked(n, Per::Second).expect("limit");
        assert!(per_second(2).looser_than(Some(per_minute(100))));
        assert!(!per_minute(60).looser_than(Some(per_second(1))));
        assert!(!per_minute(1).looser_than(None));
        assert_eq!(RateLimit::checked(0, Per::Hour), Err("rate.out_of_range"));
        assert_eq!(
            RateLimit::checked(i64::from(MAX_REQUESTS) + 1, Per::Hour),
            Err("rate.out_of_range")
        );
        assert_eq!(per_minute(5).window_of(125), (120, 55));
        assert_eq!(per_minute(5).window_of(120), (120, 60));
        let l = per_minute(7);
        let (a, b) = RateLimit::columns(Some(l));
        assert_eq!(RateLimit::stored(a, b), Some(l));
        assert_eq!(RateLimit::stored(Some(5), Some(7)), None);
    }
}
