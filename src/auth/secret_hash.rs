//! The stored form of the secrets Keyward generates (API keys): a keyed hash.
//!
//! A generated secret carries about 190 random bits: nobody can guess it whatever the speed
//! of the hash, so a slow password hash (argon2) buys nothing and costs every request ~20 ms
//! of a core. What a copy of the database must not give is a way to *check* guesses offline
//! or to use the values it holds: the stored value is HMAC-SHA256 of the secret under a
//! server key, the *pepper*, which is not in the database. Verification is one HMAC and a
//! constant-time comparison (as GitHub, GitLab, crates.io and Unkey do for their tokens).
//!
//! Stored as `kh1$<pepper id>$<hex digest>`: the pepper id (eight hex digits, derived from
//! the pepper) says which pepper made it, so a new pepper can be introduced while the old
//! one is still accepted (`KEYWARD_KEY_PEPPER_PREVIOUS`); a key checked under an old pepper
//! is upgraded to the current one. Rows from before keyed hashes hold argon2id PHC strings:
//! they are checked with argon2 once and upgraded (see `auth::verify`).
//!
//! Operator passwords, which people choose, stay argon2id (`auth::password`).

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// The tag of the current stored format.
const FORMAT: &str = "kh1";

/// A pepper: the HMAC key, and the id written beside each digest it made.
#[derive(Clone)]
struct Pepper {
    id: String,
    key: [u8; 32],
}

impl std::fmt::Debug for Pepper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pepper({}, [redacted])", self.id)
    }
}

fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC takes keys of any length: `new_from_slice` cannot fail.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

impl Pepper {
    /// The HMAC key is itself derived from the configured material, so the material may be
    /// any string (the cookie secret key by default) and is never used for two purposes.
    fn from_material(material: &[u8]) -> Pepper {
        let key = mac(material, &[b"keyward credential secrets v1"]);
        let id = hex::encode(&mac(&key, &[b"keyward pepper id"])[..4]);
        Pepper { id, key }
    }

    fn digest(&self, secret: &str) -> [u8; 32] {
        mac(&self.key, &[secret.as_bytes()])
    }
}

/// What a stored value says about a presented secret.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It matches. `upgrade` is the value to store instead, when the row was made under an
    /// older pepper.
    Match {
        upgrade: Option<String>,
    },
    NoMatch,
    /// An argon2id string from before keyed hashes: only argon2 can tell.
    Legacy,
}

#[derive(Clone)]
pub struct SecretHasher {
    current: Pepper,
    previous: Vec<Pepper>,
    /// Compared against when there is no stored value (unknown id), so a miss costs what a
    /// wrong secret costs.
    dummy: [u8; 32],
}

impl std::fmt::Debug for SecretHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretHasher")
            .field("current", &self.current)
            .field("previous", &self.previous)
            .finish_non_exhaustive()
    }
}

impl SecretHasher {
    /// `current` makes every new value; values made under one of `previous` still verify.
    pub fn new(current: &[u8], previous: &[&[u8]]) -> SecretHasher {
        let current = Pepper::from_material(current);
        let dummy = current.digest("keyward: no credential has this secret");
        SecretHasher {
            previous: previous
                .iter()
                .map(|m| Pepper::from_material(m))
                .filter(|p| p.id != current.id)
                .collect(),
            current,
            dummy,
        }
    }

    /// The value to store for a new secret.
    pub fn hash(&self, secret: &str) -> String {
        format!(
            "{FORMAT}${}${}",
            self.current.id,
            hex::encode(self.current.digest(secret))
        )
    }

    /// Checks `secret` against a stored value, in constant time for a given format.
    pub fn verify(&self, stored: &str, secret: &str) -> Verdict {
        // Keyward's own argon2 rows from before keyed hashes, and keys imported from other
        // systems (`auth::imported_hash`): checked once the slow way, then re-stored.
        if stored.starts_with("$argon2")
            || stored.starts_with("$2")
            || stored.starts_with("import$")
        {
            return Verdict::Legacy;
        }
        let mut parts = stored.splitn(3, '$');
        let (Some(FORMAT), Some(id), Some(digest)) = (parts.next(), parts.next(), parts.next())
        else {
            self.miss(secret);
            return Verdict::NoMatch;
        };
        let Some(pepper) = std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|p| p.id == id)
        else {
            // Made under a pepper this process does not have: nothing can match.
            tracing::warn!(pepper = id, "a stored key was made under an unknown pepper");
            self.miss(secret);
            return Verdict::NoMatch;
        };
        let Ok(expected) = hex::decode(digest) else {
            self.miss(secret);
            return Verdict::NoMatch;
        };
        if !bool::from(pepper.digest(secret).as_slice().ct_eq(&expected)) {
            return Verdict::NoMatch;
        }
        let upgrade = (pepper.id != self.current.id).then(|| self.hash(secret));
        Verdict::Match { upgrade }
    }

    /// The same work as a real check, for a credential that does not exist.
    pub fn miss(&self, secret: &str) {
        let _ = self.current.digest(secret).ct_eq(&self.dummy);
    }

    /// The current pepper's id (for the logs at start).
    pub fn pepper_id(&self) -> &str {
        &self.current.id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_say_nothing_of_the_secret() {
        let h = SecretHasher::new(b"pepper one", &[]);
        let stored = h.hash("s3cret");
        assert!(stored.starts_with("kh1$"));
        assert!(!stored.contains("s3cret"));
        assert_eq!(stored.len(), 4 + 8 + 1 + 64);
        assert_eq!(
            h.verify(&stored, "s3cret"),
            Verdict::Match { upgrade: None }
        );
        assert_eq!(h.verify(&stored, "s3cres"), Verdict::NoMatch);
        // The same secret under another pepper is another value.
        assert_ne!(SecretHasher::new(b"pepper two", &[]).hash("s3cret"), stored);
        assert_eq!(h.verify("garbage", "s3cret"), Verdict::NoMatch);
        assert_eq!(h.verify("kh1$00000000$00", "s3cret"), Verdict::NoMatch);
        assert_eq!(h.verify("$argon2id$v=19$…", "s3cret"), Verdict::Legacy);
    }

    #[test]
    fn an_old_pepper_still_verifies_and_is_upgraded() {
        let old = SecretHasher::new(b"old pepper", &[]);
        let stored = old.hash("s3cret");
        let rotated = SecretHasher::new(b"new pepper", &[b"old pepper"]);
        let Verdict::Match {
            upgrade: Some(upgraded),
        } = rotated.verify(&stored, "s3cret")
        else {
            panic!("the old value must verify and be upgraded");
        };
        assert_eq!(upgraded, rotated.hash("s3cret"));
        assert_eq!(
            rotated.verify(&upgraded, "s3cret"),
            Verdict::Match { upgrade: None }
        );
        assert_eq!(rotated.verify(&stored, "wrong"), Verdict::NoMatch);
        // Without the old pepper, the old value no longer verifies.
        let forgotten = SecretHasher::new(b"new pepper", &[]);
        assert_eq!(forgotten.verify(&stored, "s3cret"), Verdict::NoMatch);
    }

    #[test]
    fn debug_hides_the_pepper() {
        let h = SecretHasher::new(b"visible?", &[]);
        assert!(format!("{h:?}").contains("redacted"));
    }
}
