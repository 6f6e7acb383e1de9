//! Limits on password checks (console sign-in, `/register`, password change), with device
//! cookies (OWASP "Slow down online guessing attacks with device cookies").
//!
//! A browser that signed in successfully gets a *device cookie*: a random nonce with an HMAC
//! binding it to the operator's email. Presented with that email again, it is a trusted
//! device, limited on its own (per device): nobody else's failures — a spray at the
//! operator's email from many addresses, a noisy neighbour behind the same address — can
//! refuse its correct password. Every other attempt is an untrusted one, limited per client
//! address and per account. Each attempt is reserved against its limits before the argon2
//! work, so concurrency cannot outrun them; a correct password gives its reservations back.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::auth::throttle::{Throttle, address_key};
use crate::clock::Clock;
use crate::domain::credential::random_alphanumeric;

/// The device cookie's name.
pub const DEVICE_COOKIE: &str = "keyward_device";

pub struct SignInLimits {
    per_address: Throttle,
    per_account: Throttle,
    per_device: Throttle,
    device_key: [u8; 32],
}

/// Attempts reserved for one password check: give them back if it succeeds.
#[must_use]
pub struct Reservation<'a> {
    limits: &'a SignInLimits,
    keys: Vec<(Which, String)>,
}

#[derive(Clone, Copy)]
enum Which {
    Address,
    Account,
    Device,
}

impl Reservation<'_> {
    /// The password was right: these attempts were no failures.
    pub fn succeeded(self) {
        for (which, key) in &self.keys {
            self.limits.throttle(*which).release(key);
        }
    }

    /// The password was wrong: the attempts stay counted.
    pub fn failed(self) {}
}

fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for part in parts {
        mac.update(part);
        mac.update(b"\0");
    }
    mac.finalize().into_bytes().into()
}

impl SignInLimits {
    /// `limit` failures per address and per device within `window_seconds`; five times that
    /// per account. `secret` is the key material the device cookies are signed with.
    pub fn new(limit: u32, window_seconds: u64, clock: &Clock, secret: &[u8]) -> Self {
        SignInLimits {
            per_address: Throttle::new(limit, window_seconds, clock.clone()),
            per_account: Throttle::new(limit.saturating_mul(5), window_seconds, clock.clone()),
            per_device: Throttle::new(limit, window_seconds, clock.clone()),
            device_key: mac(secret, &[b"keyward device cookies v1"]),
        }
    }

    fn throttle(&self, which: Which) -> &Throttle {
        match which {
            Which::Address => &self.per_address,
            Which::Account => &self.per_account,
            Which::Device => &self.per_device,
        }
    }

    /// A new device cookie value for a browser that just signed in as `email`.
    pub fn issue_device(&self, email: &str) -> Result<String, rand::rngs::SysError> {
        let nonce = random_alphanumeric(22)?;
        let tag = hex::encode(mac(&self.device_key, &[email.as_bytes(), nonce.as_bytes()]));
        Ok(format!("{nonce}.{tag}"))
    }

    /// The device id, when `cookie` is a device cookie this app issued for `email`.
    pub fn trusted_device(&self, cookie: Option<&str>, email: &str) -> Option<String> {
        let (nonce, tag) = cookie?.split_once('.')?;
        let expected = hex::encode(mac(&self.device_key, &[email.as_bytes(), nonce.as_bytes()]));
        bool::from(expected.as_bytes().ct_eq(tag.as_bytes())).then(|| nonce.to_owned())
    }

    /// Reserves one password check: against the device when it is trusted, else against the
    /// client address and — when the email names an operator — that operator's account. (An
    /// email that names nobody has no account to protect, and tracking every string typed
    /// would let a flood of them crowd out the real ones.) `Err(seconds to wait)` means no
    /// check.
    pub fn reserve(
        &self,
        operator: Option<i32>,
        address: &str,
        device: Option<&str>,
    ) -> Result<Reservation<'_>, u64> {
        let keys = match device {
            Some(device) => vec![(Which::Device, format!("device:{device}"))],
            None => std::iter::once((Which::Address, address_key(address)))
                .chain(operator.map(|id| (Which::Account, format!("operator:{id}"))))
                .collect(),
        };
        for (i, (which, key)) in keys.iter().enumerate() {
            if let Err(wait) = self.throttle(*which).reserve(key) {
                for (which, key) in &keys[..i] {
                    self.throttle(*which).release(key);
                }
                return Err(wait);
            }
        }
        Ok(Reservation { limits: self, keys })
    }

    /// Counts one use of something only the address limits (a reset-link request, which
    /// sends mail): `Err(seconds to wait)` when over.
    pub fn reserve_address(&self, address: &str) -> Result<(), u64> {
        self.per_address.reserve(&address_key(address))
    }

    /// Reserves one check of an operator's current password (My profile › Password).
    pub fn reserve_operator(&self, operator_id: i32) -> Result<Reservation<'_>, u64> {
        let key = format!("password:{operator_id}");
        self.per_device.reserve(&key)?;
        Ok(Reservation {
            limits: self,
            keys: vec![(Which::Device, key)],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_cookie_is_bound_to_its_email() {
        let limits = SignInLimits::new(3, 60, &Clock::default(), b"secret material");
        let cookie = limits.issue_device("ada@example.org").expect("rng");
        assert!(
            limits
                .trusted_device(Some(&cookie), "ada@example.org")
                .is_some()
        );
        assert!(
            limits
                .trusted_device(Some(&cookie), "eve@example.org")
                .is_none()
        );
        assert!(
            limits
                .trusted_device(Some("forged.00"), "ada@example.org")
                .is_none()
        );
        let other = SignInLimits::new(3, 60, &Clock::default(), b"other material");
        assert!(
            other
                .trusted_device(Some(&cookie), "ada@example.org")
                .is_none()
        );
    }

    #[test]
    fn others_failures_never_refuse_a_trusted_device() {
        let limits = SignInLimits::new(3, 60, &Clock::default(), b"secret material");
        let cookie = limits.issue_device("ada@example.org").expect("rng");
        let device = limits.trusted_device(Some(&cookie), "ada@example.org");
        // A spray at Ada's email from many addresses locks the account for untrusted browsers…
        for n in 0..15 {
            if let Ok(r) = limits.reserve(Some(1), &format!("10.0.0.{n}"), None) {
                r.failed();
            }
        }
        assert!(limits.reserve(Some(1), "10.9.9.9", None).is_err());
        // …but not for the browser Ada signed in with before.
        let r = limits
            .reserve(Some(1), "10.0.0.1", device.as_deref())
            .expect("trusted device");
        r.succeeded();
    }
}
