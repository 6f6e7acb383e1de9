//! Checking a credential presented to the API.
//!
//! Secrets are argon2id hashes at rest (~20 ms a check). To stay fast without weakening
//! that, a successful check is remembered as an HMAC of the secret under a key that lives
//! only in this process, tied to the stored hash it was checked against. Every request still
//! reads the credential (status, owner, hash) from the database by its indexed public id, so
//! a deactivation or deletion made by any process is honoured on the very next request.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use actix_web::{HttpRequest, http::header};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::auth::password;
use crate::db::{self, credentials::AuthRecord};
use crate::domain::credential::{AuthHeaderError, Presented, parse_authorization};
use crate::error::AppError;
use crate::web::State;

type Fingerprint = [u8; 32];

pub struct VerifyCache {
    key: [u8; 32],
    capacity: usize,
    /// credential id → (HMAC of the secret, SHA-256 of the stored hash it matched)
    entries: Mutex<HashMap<i32, (Fingerprint, Fingerprint)>>,
}

impl VerifyCache {
    pub fn new(capacity: usize) -> Result<Self, rand::rngs::SysError> {
        use rand::TryRng;
        let mut key = [0u8; 32];
        rand::rngs::SysRng.try_fill_bytes(&mut key)?;
        Ok(VerifyCache {
            key,
            capacity,
            entries: Mutex::new(HashMap::new()),
        })
    }

    fn digest(&self, secret: &str) -> Fingerprint {
        // HMAC accepts keys of any length: `new_from_slice` cannot fail here.
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!());
        mac.update(secret.as_bytes());
        mac.finalize().into_bytes().into()
    }

    fn hash_id(stored_hash: &str) -> Fingerprint {
        Sha256::digest(stored_hash.as_bytes()).into()
    }

    /// True when this exact secret was verified against this exact stored hash before.
    fn hit(&self, id: i32, stored_hash: &str, secret: &str) -> bool {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(&id).is_some_and(|(digest, hash)| {
            bool::from(digest.ct_eq(&self.digest(secret))) && *hash == Self::hash_id(stored_hash)
        })
    }

    fn remember(&self, id: i32, stored_hash: &str, secret: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity {
            // Bounded: start over rather than grow; the next checks refill it.
            entries.clear();
        }
        entries.insert(id, (self.digest(secret), Self::hash_id(stored_hash)));
    }
}

/// The client address: the socket peer, or — only when the peer is a trusted proxy — the
/// nearest address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_ip(req: &HttpRequest, trusted: &[ipnet::IpNet]) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return "unknown".into();
    };
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer.to_string();
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    forwarded
        .iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .or(forwarded.first())
        .unwrap_or(&peer)
        .to_string()
}

/// Reads the `Authorization` header.
pub fn presented(req: &HttpRequest) -> Result<Presented, AppError> {
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes());
    match parse_authorization(header) {
        Ok(Some(p)) => Ok(p),
        Ok(None) | Err(AuthHeaderError::Missing) => Err(AppError::InvalidCredentials),
        Err(AuthHeaderError::Malformed) => {
            Err(AppError::BadRequest("error.malformed_authorization"))
        }
    }
}

/// Checks a presented credential. Every failure that is about the credential itself
/// (unknown, wrong secret, inactive, expired, deleted, not yet saved) is the same `InvalidCredentials`
/// after the same work; repeated failures from one address or on one id get 429 for any
/// check that would need argon2.
pub async fn check(state: &State, presented: Presented, ip: &str) -> Result<AuthRecord, AppError> {
    let Presented { public_id, secret } = presented;
    // Throttling bounds the argon2 work failures can cause, so it is consulted only where
    // argon2 would run: a secret this process has already verified costs none and still
    // works from a throttled address (a noisy client behind the same NAT does not lock out
    // everybody else's working keys), and the hot path builds no throttle keys.
    let throttle_keys = || [format!("ip:{ip}"), format!("credential:{public_id}")];
    // The hot path. On SQLite the lookup is a few microseconds of indexed read (WAL readers
    // never wait for writers), cheaper than any hop to another thread: run it right here. A
    // PostgreSQL round trip must not hold an async worker; concurrent ones share a query.
    let found = match &state.credential_lookups {
        None => db::with_conn(&state.pool, |c| {
            Ok::<_, AppError>(db::credentials::find_for_auth(c, &public_id)?)
        })?,
        Some(lookups) => lookups.find(public_id.clone()).await?,
    };

    let cached = found.as_ref().is_some_and(|r| {
        state
            .verify_cache
            .hit(r.credential.id, &r.credential.secret_hash, secret.expose())
    });
    let matches = if cached {
        true
    } else {
        if let Some(retry_after) = throttle_keys()
            .iter()
            .find_map(|key| state.auth_throttle.check(key).err())
        {
            return Err(AppError::RateLimited { retry_after });
        }
        let hash = found.as_ref().map_or_else(
            || state.dummy_hash.clone(),
            |r| r.credential.secret_hash.clone(),
        );
        let candidate = secret.clone();
        let ok = state
            .argon2(move || password::verify(&hash, candidate.expose()))
            .await?;
        if ok && let Some(r) = &found {
            state.verify_cache.remember(
                r.credential.id,
                &r.credential.secret_hash,
                secret.expose(),
            );
        }
        ok && found.is_some()
    };
    let now = state.clock.now();
    match found {
        Some(record) if matches && record.usable && !record.credential.expired(now) => {
            state.usage.record(record.credential.id, now, ip.to_owned());
            Ok(record)
        }
        _ => {
            for key in throttle_keys() {
                state.auth_throttle.fail(&key);
            }
            state.auth_failures.record(&public_id, now, ip);
            Err(AppError::InvalidCredentials)
        }
    }
}

/// Authenticates the request itself by its `Authorization` header.
pub async fn authenticate(state: &State, req: &HttpRequest) -> Result<AuthRecord, AppError> {
    let ip = client_ip(req, &state.settings.trusted_proxies);
    check(state, presented(req)?, &ip).await
}
