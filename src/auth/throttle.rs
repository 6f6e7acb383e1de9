//! Failure throttling: after `limit` failures for one key (a client address, a credential
//! id, an account) within `window`, that key is refused with 429 until the window ends.
//! Kept in the process: each Keyward process throttles the traffic it sees.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Throttle {
    limit: u32,
    window: Duration,
    failures: Mutex<HashMap<String, (Instant, u32)>>,
}

/// Above this many tracked keys, expired ones are dropped (bounded memory).
const MAX_KEYS: usize = 100_000;

impl Throttle {
    pub fn new(limit: u32, window: Duration) -> Self {
        Throttle {
            limit,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds to wait)` while `key` is over its limit.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match failures.get(key) {
            Some((start, count)) if *count >= self.limit && start.elapsed() < self.window => {
                Err((self.window - start.elapsed()).as_secs().max(1))
            }
            _ => Ok(()),
        }
    }

    pub fn fail(&self, key: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if failures.len() >= MAX_KEYS {
            let window = self.window;
            failures.retain(|_, (start, _)| start.elapsed() < window);
        }
        let entry = failures
            .entry(key.to_owned())
            .or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= self.window {
            *entry = (Instant::now(), 0);
        }
        entry.1 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_and_recovers() {
        let t = Throttle::new(2, Duration::from_millis(200));
        assert!(t.check("ip").is_ok());
        t.fail("ip");
        t.fail("ip");
        assert!(t.check("ip").is_err());
        assert!(t.check("other").is_ok());
        std::thread::sleep(Duration::from_millis(220));
        assert!(t.check("ip").is_ok());
    }
}
