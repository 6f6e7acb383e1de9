//! Failure limits: at most `limit` attempts counted against one key (a client address, a
//! credential id, an account, a browser) within `window`; after that, 429 until the window
//! ends. Kept in the process: each Keyward process limits the traffic it sees.
//!
//! An attempt is counted *before* the work it guards (`reserve`), in the same step as the
//! comparison with the limit: N concurrent attempts count N, whatever the timing, and the
//! ones over the limit do no work at all. A reservation whose attempt succeeded is given
//! back (`release`), so only failures use the limit up.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::NaiveDateTime;

use crate::clock::Clock;

pub struct Throttle {
    limit: u32,
    window: chrono::Duration,
    clock: Clock,
    /// key → (start of its window, attempts counted in it)
    counts: Mutex<HashMap<String, (NaiveDateTime, u32)>>,
    /// When expired windows were last dropped.
    swept: Mutex<NaiveDateTime>,
}

/// Above this many tracked keys, those whose window is over are dropped (bounded memory).
const MAX_KEYS: usize = 100_000;

/// The limit key of a client address: the address itself for IPv4, its /64 for IPv6 (one
/// network hands out more addresses of a /64 than anyone could track one by one).
pub fn address_key(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("ip:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(std::net::IpAddr::V6(v6)) => format!(
            "ip:{}",
            v6.to_ipv4_mapped().map_or(ip.into(), |v4| v4.to_string())
        ),
        _ => format!("ip:{ip}"),
    }
}

impl Throttle {
    pub fn new(limit: u32, window_seconds: u64, clock: Clock) -> Self {
        Throttle {
            limit,
            window: chrono::Duration::seconds(i64::try_from(window_seconds).unwrap_or(i64::MAX)),
            clock,
            counts: Mutex::new(HashMap::new()),
            swept: Mutex::new(NaiveDateTime::MIN),
        }
    }

    fn retry_after(&self, start: NaiveDateTime, now: NaiveDateTime) -> u64 {
        u64::try_from((start + self.window - now).num_seconds())
            .unwrap_or(0)
            .max(1)
    }

    /// Counts one attempt against `key`; `Err(seconds to wait)` when the limit was already
    /// reached (that attempt is not counted and must not be made).
    pub fn reserve(&self, key: &str) -> Result<(), u64> {
        let now = self.clock.now();
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if counts.len() >= MAX_KEYS && !counts.contains_key(key) {
            // At most one sweep a second: a flood of new keys must not make every attempt
            // scan the whole table.
            let mut swept = self.swept.lock().unwrap_or_else(|e| e.into_inner());
            if *swept + chrono::Duration::seconds(1) <= now {
                *swept = now;
                let window = self.window;
                counts.retain(|_, (start, _)| *start + window > now);
            }
            if counts.len() >= MAX_KEYS {
                // Full of live windows (a flood of distinct keys): this key goes untracked
                // rather than grow the table; the other keys of the attempt still count.
                return Ok(());
            }
        }
        let entry = counts.entry(key.to_owned()).or_insert((now, 0));
        if entry.0 + self.window <= now {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            return Err(self.retry_after(entry.0, now));
        }
        entry.1 += 1;
        Ok(())
    }

    /// Reserves one attempt against every key, or none of them: a refusal on one key does
    /// not use up the others.
    pub fn reserve_all(&self, keys: &[&str]) -> Result<(), u64> {
        for (i, key) in keys.iter().enumerate() {
            if let Err(wait) = self.reserve(key) {
                for done in &keys[..i] {
                    self.release(done);
                }
                return Err(wait);
            }
        }
        Ok(())
    }

    /// Gives back an attempt reserved on `key` that succeeded.
    pub fn release(&self, key: &str) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = counts.get_mut(key) {
            entry.1 = entry.1.saturating_sub(1);
        }
    }

    /// `Err(seconds to wait)` while `key` has reached its limit; counts nothing.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let now = self.clock.now();
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        match counts.get(key) {
            Some((start, count)) if *count >= self.limit && *start + self.window > now => {
                Err(self.retry_after(*start, now))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserves_up_to_the_limit_and_recovers_when_the_window_ends() {
        let clock = Clock::new(Some("2026-01-01T00:00:00".parse().expect("time")));
        let t = Throttle::new(2, 60, clock.clone());
        assert!(t.reserve("ip").is_ok());
        assert!(t.reserve("ip").is_ok());
        assert_eq!(t.reserve("ip"), Err(60));
        assert_eq!(t.check("ip"), Err(60));
        assert!(t.check("other").is_ok());
        clock.advance(chrono::Duration::seconds(59));
        assert_eq!(t.reserve("ip"), Err(1));
        clock.advance(chrono::Duration::seconds(1));
        assert!(t.check("ip").is_ok());
        assert!(t.reserve("ip").is_ok());
    }

    #[test]
    fn ipv6_addresses_count_by_their_64() {
        assert_eq!(
            address_key("2001:db8:1:2:aaaa::1"),
            address_key("2001:db8:1:2:bbbb::9")
        );
        assert_ne!(
            address_key("2001:db8:1:2::1"),
            address_key("2001:db8:1:3::1")
        );
        assert_eq!(address_key("203.0.113.5"), "ip:203.0.113.5");
        assert_eq!(address_key("::ffff:203.0.113.5"), "ip:203.0.113.5");
    }

    #[test]
    fn a_released_reservation_is_not_a_failure() {
        let t = Throttle::new(1, 60, Clock::default());
        for _ in 0..5 {
            assert!(t.reserve("ip").is_ok());
            t.release("ip");
        }
        assert!(t.reserve("ip").is_ok());
        assert!(t.reserve("ip").is_err());
    }

    #[test]
    fn reserve_all_takes_all_or_nothing() {
        let t = Throttle::new(1, 60, Clock::default());
        assert!(t.reserve("b").is_ok());
        assert!(t.reserve_all(&["a", "b"]).is_err());
        // "a" was given back when "b" refused.
        assert!(t.reserve("a").is_ok());
    }

    #[test]
    fn concurrent_attempts_count_exactly() {
        let t = std::sync::Arc::new(Throttle::new(20, 60, Clock::default()));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let t = t.clone();
                std::thread::spawn(move || (0..50).filter(|_| t.reserve("ip").is_ok()).count())
            })
            .collect();
        let allowed: usize = threads.into_iter().map(|h| h.join().expect("thread")).sum();
        assert_eq!(allowed, 20);
    }
}
