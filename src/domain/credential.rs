//! The credential format.
//!
//! A credential has a public id (the Basic-auth username) and a secret (the password).
//! The bearer token form is `kwd_<public id>_<secret><checksum>`: the checksum is CRC32 of
//! everything before it, in six base62 characters (as GitHub's tokens carry), so a
//! mistyped or truncated token is refused before any database work and a secret scanner can
//! tell a real Keyward token from noise:
//! `kwd_[0-9A-Za-z]{16}_[0-9A-Za-z]{38}`. Tokens issued before the checksum
//! (`kwd_<id>_<secret>`, 32 characters after the id) keep working. Never change the prefix:
//! scanners and people recognise leaked Keyward tokens by it.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::TryRng;
use rand::rngs::SysRng;

pub const TOKEN_PREFIX: &str = "kwd_";
pub const PUBLIC_ID_LEN: usize = 16;
/// 32 characters of a 62-letter alphabet: 190 bits, well over the 128 required.
pub const SECRET_LEN: usize = 32;
/// Characters of the checksum at the end of a bearer token.
pub const CHECKSUM_LEN: usize = 6;
/// Longest `Authorization` header value we even try to parse.
pub const MAX_AUTHORIZATION_LEN: usize = 512;

/// A secret in clear. Its `Debug` never prints it, so it cannot leak through a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// `len` random letters and digits from the operating system's CSPRNG.
pub fn random_alphanumeric(len: usize) -> Result<String, rand::rngs::SysError> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        SysRng.try_fill_bytes(&mut buf)?;
        // Rejection sampling keeps every letter equally likely (248 = 4 * 62).
        for b in buf.iter().filter(|b| **b < 248) {
            if out.len() == len {
                break;
            }
            out.push(ALPHABET[usize::from(*b % 62)] as char);
        }
    }
    Ok(out)
}

pub fn generate_public_id() -> Result<String, rand::rngs::SysError> {
    random_alphanumeric(PUBLIC_ID_LEN)
}

pub fn generate_secret() -> Result<Secret, rand::rngs::SysError> {
    random_alphanumeric(SECRET_LEN).map(Secret)
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// CRC32 of `text` in six base62 characters (62^6 > 2^32), most significant first.
fn checksum(text: &str) -> String {
    let mut n = crc32fast::hash(text.as_bytes());
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out.iter().map(|b| *b as char).collect()
}

/// The bearer token of a credential: `kwd_<public id>_<secret><checksum>`.
pub fn token(public_id: &str, secret: &Secret) -> Secret {
    let unchecked = format!("{TOKEN_PREFIX}{public_id}_{}", secret.expose());
    let sum = checksum(&unchecked);
    Secret(unchecked + &sum)
}

/// What a caller presented: a public id and a secret, from either header form — or, for a
/// key imported from another system, that system's whole token as the secret (`imported`,
/// no public id: it is found by `import_lookup`).
#[derive(Debug, PartialEq, Eq)]
pub struct Presented {
    pub public_id: String,
    pub secret: Secret,
    pub imported: bool,
}

/// The longest token of another system Keyward looks up.
pub const MAX_IMPORTED_TOKEN_LEN: usize = 512;

/// A bearer token: Keyward's own (`parse_token`), or, when it is not one at all, a token of
/// another system an imported key may have (8 to 512 visible ASCII characters). A token that
/// looks like Keyward's but fails its checksum is `None`, never looked up.
pub fn parse_presented(token: &str) -> Option<Presented> {
    if token.starts_with(TOKEN_PREFIX) {
        return parse_token(token);
    }
    let plausible = (8..=MAX_IMPORTED_TOKEN_LEN).contains(&token.len())
        && token.bytes().all(|b| b.is_ascii_graphic());
    plausible.then(|| Presented {
        public_id: String::new(),
        secret: Secret(token.to_owned()),
        imported: true,
    })
}

#[derive(Debug, PartialEq, Eq)]
pub enum AuthHeaderError {
    /// No `Authorization` header at all.
    Missing,
    /// A header we cannot read: wrong scheme, bad base64, no colon, not UTF-8, too long.
    Malformed,
}

/// Parses a bearer token: `kwd_<public id>_<secret><checksum>`, or one issued before the
/// checksum (`kwd_<public id>_<secret>`). A wrong checksum is `None`, like any token that
/// cannot be a Keyward credential.
pub fn parse_token(token: &str) -> Option<Presented> {
    let rest = token.strip_prefix(TOKEN_PREFIX)?;
    let (public_id, tail) = rest.split_once('_')?;
    if tail.len() == SECRET_LEN + CHECKSUM_LEN && tail.is_ascii() {
        let (secret, sum) = tail.split_at(SECRET_LEN);
        let unchecked = &token[..token.len() - CHECKSUM_LEN];
        if checksum(unchecked) != sum {
            return None;
        }
        return well_formed(public_id, secret);
    }
    well_formed(public_id, tail)
}

fn well_formed(public_id: &str, secret: &str) -> Option<Presented> {
    let alnum = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric());
    (public_id.len() == PUBLIC_ID_LEN
        && secret.len() == SECRET_LEN
        && alnum(public_id)
        && alnum(secret))
    .then(|| Presented {
        public_id: public_id.to_owned(),
        secret: Secret(secret.to_owned()),
        imported: false,
    })
}

/// Parses an `Authorization` header value: `Basic base64(id:secret)` or `Bearer <token>`.
/// A well-formed header naming something that cannot be a Keyward credential is `Ok(None)`:
/// it is simply invalid credentials, answered like any other wrong key.
pub fn parse_authorization(value: Option<&[u8]>) -> Result<Option<Presented>, AuthHeaderError> {
    let value = value.ok_or(AuthHeaderError::Missing)?;
    if value.len() > MAX_AUTHORIZATION_LEN {
        return Err(AuthHeaderError::Malformed);
    }
    let value = std::str::from_utf8(value).map_err(|_| AuthHeaderError::Malformed)?;
    let (scheme, rest) = value
        .trim()
        .split_once(' ')
        .ok_or(AuthHeaderError::Malformed)?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = STANDARD
            .decode(rest)
            .map_err(|_| AuthHeaderError::Malformed)?;
        let decoded = String::from_utf8(decoded).map_err(|_| AuthHeaderError::Malformed)?;
        let (user, password) = decoded.split_once(':').ok_or(AuthHeaderError::Malformed)?;
        Ok(well_formed(user, password))
    } else if scheme.eq_ignore_ascii_case("bearer") {
        Ok(parse_presented(rest))
    } else {
        Err(AuthHeaderError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_values_have_the_documented_shape() {
        let id = generate_public_id().expect("os rng");
        let secret = generate_secret().expect("os rng");
        assert_eq!(id.len(), PUBLIC_ID_LEN);
        assert_eq!(secret.expose().len(), SECRET_LEN);
        let token = token(&id, &secret);
        assert!(token.expose().starts_with("kwd_"));
        assert_eq!(
            token.expose().len(),
            4 + PUBLIC_ID_LEN + 1 + SECRET_LEN + CHECKSUM_LEN
        );
        let parsed = parse_token(token.expose()).expect("parses");
        assert_eq!(parsed.public_id, id);
        assert_eq!(parsed.secret, secret);
        assert_ne!(generate_public_id().expect("os rng"), id);
    }

    #[test]
    fn the_checksum_refuses_typos_and_truncations() {
        let id = "A".repeat(PUBLIC_ID_LEN);
        let secret = Secret::new("b".repeat(SECRET_LEN));
        let good = token(&id, &secret).expose().to_owned();
        assert!(parse_token(&good).is_some());
        // One character changed anywhere, one dropped, the checksum of another token.
        for i in 4..good.len() {
            let mut typo: Vec<u8> = good.clone().into_bytes();
            typo[i] = if typo[i] == b'c' { b'd' } else { b'c' };
            let typo = String::from_utf8(typo).expect("ascii");
            assert!(parse_token(&typo).is_none(), "{typo}");
        }
        assert!(parse_token(&good[..good.len() - 1]).is_none());
        let other = token(&id, &Secret::new("c".repeat(SECRET_LEN)));
        let swapped = format!(
            "{}{}",
            &good[..good.len() - 6],
            &other.expose()[good.len() - 6..]
        );
        assert!(parse_token(&swapped).is_none());
        // Tokens from before the checksum still parse.
        let legacy = format!("kwd_{id}_{}", secret.expose());
        assert_eq!(parse_token(&legacy).expect("legacy").secret, secret);
        // The documented pattern.
        assert!(
            good[4..]
                .split_once('_')
                .is_some_and(|(i, s)| i.len() == 16 && s.len() == 38)
        );
    }

    #[test]
    fn secret_debug_is_redacted() {
        let secret = Secret::new("hunter2hunter2".into());
        assert!(!format!("{secret:?}").contains("hunter2"));
    }

    #[test]
    fn authorization_headers() {
        let id = "A".repeat(PUBLIC_ID_LEN);
        let secret = "b".repeat(SECRET_LEN);
        let basic = format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")));
        let parsed = parse_authorization(Some(basic.as_bytes()))
            .expect("ok")
            .expect("some");
        assert_eq!(parsed.public_id, id);
        let bearer = format!("Bearer kwd_{id}_{secret}");
        assert!(
            parse_authorization(Some(bearer.as_bytes()))
                .expect("ok")
                .is_some()
        );
        assert_eq!(parse_authorization(None), Err(AuthHeaderError::Missing));
        for bad in [
            &b"Basic %%%"[..],
            b"Basic Zm9v",
            b"Digest abc",
            b"\xff\xfe",
            b"Basic",
        ] {
            assert_eq!(
                parse_authorization(Some(bad)),
                Err(AuthHeaderError::Malformed),
                "{bad:?}"
            );
        }
        let huge = format!("Bearer {}", "a".repeat(10_000));
        assert_eq!(
            parse_authorization(Some(huge.as_bytes())),
            Err(AuthHeaderError::Malformed)
        );
        assert_eq!(parse_authorization(Some(b"Bearer kwd_short_x")), Ok(None));
    }
}
