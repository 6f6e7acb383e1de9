//! argon2id hashing for operator passwords and credential secrets (OWASP parameters:
//! m = 19456 KiB, t = 2, p = 1). Each call takes tens of milliseconds: call it inside
//! `web::block`, never on an async worker.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

fn hasher() -> Argon2<'static> {
    // These constants are valid parameters; `Params::new` only rejects out-of-range values.
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) with a fresh random salt.
pub fn hash(secret: &str) -> Result<String, argon2::password_hash::Error> {
    Ok(hasher().hash_password(secret.as_bytes())?.to_string())
}

/// True when `secret` matches the PHC string. A malformed stored hash never matches.
pub fn verify(stored: &str, secret: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| hasher().verify_password(secret.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// Checks `candidate` against `stored`, or — when there is no usable stored hash (unknown
/// email, an invited operator who has no password yet, a deactivated one) — against `dummy`:
/// one argon2 check either way, so the answer's timing says nothing. True only for a real
/// match.
pub fn verify_or_dummy(stored: Option<&str>, dummy: &str, candidate: &str) -> bool {
    let (hash, real) = hash_to_check(stored, dummy);
    verify(hash, candidate) && real
}

/// The argon2 string a check runs against, and whether it is a real one.
fn hash_to_check<'a>(stored: Option<&'a str>, dummy: &'a str) -> (&'a str, bool) {
    match stored.filter(|h| h.starts_with("$argon2")) {
        Some(hash) => (hash, true),
        None => (dummy, false),
    }
}

/// A hash of nothing anyone knows: checked when there is no real hash to check (unknown
/// email, unknown key), so a miss costs the same time as a wrong secret.
pub fn dummy_hash() -> Result<String, argon2::password_hash::Error> {
    hash("keyward-dummy-secret-never-valid")
}

#[cfg(test)]
mod tests {
    /// An invited operator (no password yet) and an unknown email are checked against the
    /// dummy hash: a real argon2 check, like a wrong password's, so timing tells nothing.
    #[test]
    fn no_usable_hash_is_checked_against_the_dummy() {
        let (dummy, real) = (
            super::dummy_hash().expect("hash"),
            super::hash("right one").expect("hash"),
        );
        assert_eq!(
            super::hash_to_check(Some("!invited"), &dummy),
            (dummy.as_str(), false)
        );
        assert_eq!(super::hash_to_check(None, &dummy), (dummy.as_str(), false));
        assert_eq!(
            super::hash_to_check(Some(&real), &dummy),
            (real.as_str(), true)
        );
        assert!(super::verify_or_dummy(Some(&real), &dummy, "right one"));
        assert!(!super::verify_or_dummy(
            Some("!invited"),
            &dummy,
            "!invited"
        ));
    }

    #[test]
    fn hash_and_verify() {
        let h = super::hash("correct horse").expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(super::verify(&h, "correct horse"));
        assert!(!super::verify(&h, "wrong horse"));
        assert!(!super::verify("garbage", "correct horse"));
    }
}
