//! Hashes of keys imported from other systems, checked once: a key's first successful use
//! re-stores it as Keyward's keyed hash (`auth::secret_hash`), so every later check is one
//! HMAC. Also the argon2 hashes Keyward itself stored before keyed hashes.
//!
//! Stored as given, tagged where the format has no tag of its own:
//! - `$argon2id$…` (and `$argon2i$`, `$argon2d$`): a PHC string, its own parameters;
//! - `$2a$…`, `$2b$…`, `$2y$…`: bcrypt;
//! - `import$sha256$<hex>`: SHA-256 of the token, hex (many home-grown key tables);
//! - `import$django$sha512$$<hex>`: djangorestframework-api-key's `Sha512ApiKeyHasher`
//!   (SHA-512 of the token, hex, empty salt).
//!
//! Each is of the whole token the client presents.

use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;

const SHA256_TAG: &str = "import$sha256$";
const DJANGO_TAG: &str = "import$django$";

/// The dearest hash an import may bring: the check runs on the argon2 threads that console
/// sign-ins share, and its cost is written in the hash itself, so an importer could
/// otherwise make every check of one key take minutes (or all the memory). Generous for
/// what systems store: OWASP's argon2id is m=19 MiB, t=2; bcrypt's default cost is 10–12.
const MAX_ARGON2_MEMORY_KIB: u32 = 64 * 1024;
const MAX_ARGON2_TIME: u32 = 10;
const MAX_ARGON2_LANES: u32 = 4;
const MAX_BCRYPT_COST: u32 = 14;

/// A well-formed argon2 PHC string whose costs stay within the bounds above.
fn argon2_within_bounds(hash: &str) -> bool {
    let Ok(parsed) = argon2::password_hash::phc::PasswordHash::new(hash) else {
        return false;
    };
    let param = |name: &str| {
        parsed
            .params
            .iter()
            .find(|(k, _)| k.as_str() == name)
            .and_then(|(_, v)| v.decimal().ok())
    };
    matches!(
        (param("m"), param("t"), param("p")),
        (Some(m), Some(t), Some(p))
            if m <= MAX_ARGON2_MEMORY_KIB && (1..=MAX_ARGON2_TIME).contains(&t)
                && (1..=MAX_ARGON2_LANES).contains(&p)
    )
}

/// The formats an import may declare.
pub const FORMATS: [&str; 4] = ["sha256", "django_sha512", "argon2", "bcrypt"];

/// A hash as an import gives it, in its declared `format`: what to store, or a catalog key
/// saying what is wrong with it.
pub fn stored(format: &str, hash: &str) -> Result<String, &'static str> {
    let hash = hash.trim();
    let hex_of = |h: &str, len: usize| {
        (h.len() == len && h.bytes().all(|b| b.is_ascii_hexdigit())).then(|| h.to_lowercase())
    };
    match format {
        "sha256" => hex_of(hash, 64)
            .map(|h| format!("{SHA256_TAG}{h}"))
            .ok_or("import.bad_sha256"),
        "django_sha512" => hash
            .strip_prefix("sha512$$")
            .and_then(|h| hex_of(h, 128))
            .map(|h| format!("{DJANGO_TAG}sha512$${h}"))
            .ok_or("import.bad_django"),
        "argon2" => (hash.starts_with("$argon2") && argon2_within_bounds(hash))
            .then(|| hash.to_owned())
            .ok_or("import.bad_argon2"),
        "bcrypt" => (["$2a$", "$2b$", "$2y$"].iter().any(|p| hash.starts_with(p))
            && hash.len() == 60
            && hash
                .get(4..6)
                .and_then(|c| c.parse::<u32>().ok())
                .is_some_and(|cost| (4..=MAX_BCRYPT_COST).contains(&cost)))
        .then(|| hash.to_owned())
        .ok_or("import.bad_bcrypt"),
        _ => Err("import.unknown_format"),
    }
}

/// The SHA-256 of a token, hex: how a token without an id of its own is found.
pub fn sha256_hex(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Does `token` match `stored`, for the formats that cost a digest (`None` for argon2 and
/// bcrypt, which must run on the argon2 threads)?
pub fn verify_cheap(stored: &str, token: &str) -> Option<bool> {
    (stored.starts_with(SHA256_TAG) || stored.starts_with(DJANGO_TAG))
        .then(|| verify(stored, token))
}

/// Does `token` match `stored` (any of the formats above)? Slow for argon2 and bcrypt: run
/// on the argon2 threads.
pub fn verify(stored: &str, token: &str) -> bool {
    if let Some(hex) = stored.strip_prefix(SHA256_TAG) {
        return bool::from(sha256_hex(token).as_bytes().ct_eq(hex.as_bytes()));
    }
    if let Some(hex) = stored
        .strip_prefix(DJANGO_TAG)
        .and_then(|h| h.strip_prefix("sha512$$"))
    {
        let digest = hex::encode(Sha512::digest(token.as_bytes()));
        return bool::from(digest.as_bytes().ct_eq(hex.as_bytes()));
    }
    if stored.starts_with("$2") {
        return bcrypt::verify(token, stored).unwrap_or(false);
    }
    super::password::verify(stored, token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_is_checked_as_its_system_made_it() {
        let token = "pfx12345.s3cr3t-of-another-system";
        let sha = stored("sha256", &sha256_hex(token)).expect("sha256");
        assert!(verify(&sha, token) && !verify(&sha, "other"));
        let django = format!("sha512$${}", hex::encode(Sha512::digest(token.as_bytes())));
        let django = stored("django_sha512", &django).expect("django");
        assert!(verify(&django, token) && !verify(&django, "other"));
        let bc = bcrypt::hash(token, 4).expect("bcrypt");
        let bc = stored("bcrypt", &bc).expect("bcrypt");
        assert!(verify(&bc, token) && !verify(&bc, "other"));
        let a2 = crate::auth::password::hash(token).expect("argon2");
        let a2 = stored("argon2", &a2).expect("argon2");
        assert!(verify(&a2, token) && !verify(&a2, "other"));
        for (format, bad) in [
            ("sha256", "xyz"),
            ("django_sha512", "sha512$$abc"),
            ("argon2", "$argon2id$nope"),
            ("bcrypt", "$2b$04$short"),
            // Costs an importer could use to tie up the argon2 threads.
            (
                "bcrypt",
                &bcrypt::hash("x", 4)
                    .expect("bcrypt")
                    .replacen("$04$", "$31$", 1),
            ),
            (
                "argon2",
                "$argon2id$v=19$m=4000000,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            ),
            (
                "argon2",
                "$argon2id$v=19$m=19456,t=100000,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
            ),
            ("md5", "d41d8cd98f00b204e9800998ecf8427e"),
        ] {
            assert!(stored(format, bad).is_err(), "{format}");
        }
    }
}
