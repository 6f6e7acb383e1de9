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
        "argon2" => (hash.starts_with("$argon2")
            && argon2::password_hash::phc::PasswordHash::new(hash).is_ok())
        .then(|| hash.to_owned())
        .ok_or("import.bad_argon2"),
        "bcrypt" => (["$2a$", "$2b$", "$2y$"].iter().any(|p| hash.starts_with(p))
            && hash.len() == 60)
            .then(|| hash.to_owned())
            .ok_or("import.bad_bcrypt"),
        _ => Err("import.unknown_format"),
    }
}

/// The SHA-256 of a token, hex: how a token without an id of its own is found.
pub fn sha256_hex(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
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
            ("md5", "d41d8cd98f00b204e9800998ecf8427e"),
        ] {
            assert!(stored(format, bad).is_err(), "{format}");
        }
    }
}
