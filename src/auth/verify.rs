//! Checking a credential presented to the API: the one `Verifier` behind `whoami`, every
//! API call, `/api/v1/verify` and `/auth/forward`.
//!
//! A check is one indexed read of the credential by its public id (status, owner, stored
//! hash: so a deactivation or deletion by any process is honoured on the very next request),
//! one HMAC and one constant-time comparison (`secret_hash`). No process remembers verified
//! keys: the first use of a key on a fresh process costs what every other use costs. Unknown
//! ids and wrong secrets cost the same HMAC.
//!
//! Failures are counted per client address and per credential id; past the limit they get
//! 429 instead of 401. A valid key is never refused because of others' failures: the
//! limit applies to failed checks only. Rows from before keyed hashes (argon2id) are checked
//! with argon2 once — reserved against the credential's limit first, so guesses at such a
//! key cannot queue argon2 work — and upgraded to the keyed hash in the same request.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;

use crate::auth::batch::Batches;
use crate::auth::failures::{AuthFailures, FailedId};
use crate::auth::hash_pool::HashPool;
use crate::auth::key_sources::{self, NewNetwork, SourceKey, SourceRecorder};
use crate::auth::key_usage::{Outcome, UsageCounts};
use crate::auth::rate_limit::RateLimits;
use crate::auth::secret_hash::{SecretHasher, Verdict};
use crate::auth::throttle::Throttle;
use crate::auth::usage::UsageRecorder;
use crate::clock::Clock;
use crate::db::{self, Pool, credentials::AuthRecord};
use crate::domain::credential::Presented;
use crate::error::AppError;

/// Where credentials are read from.
enum Reader {
    /// SQLite: a few connections of the verifier's own, each checked out only with a permit
    /// of a semaphore as large as the pool, so a checkout never waits on an async worker. The
    /// read itself is a few microseconds of WAL read, cheaper than a hop to another thread.
    Sqlite { pool: Pool, permits: Semaphore },
    /// PostgreSQL: a round trip must not hold an async worker; concurrent lookups share one
    /// query on the lookup threads (`auth::batch`), through connections of their own.
    /// Either way a console busy enough to hold every connection of the main pool does not
    /// stop verification.
    Postgres(Batches<String, Option<AuthRecord>>),
}

/// The credentials with these public ids, in the order asked (a lookup batch).
fn lookup_batch(
    conn: &mut db::DbConn,
    public_ids: &[String],
) -> Result<Vec<Option<AuthRecord>>, AppError> {
    let mut ids: Vec<&str> = public_ids.iter().map(String::as_str).collect();
    ids.sort_unstable();
    ids.dedup();
    let found = db::credentials::find_many_for_auth(conn, &ids)?;
    Ok(public_ids.iter().map(|id| found.get(id).cloned()).collect())
}

/// Leak reports one client address may send per window (`Verifier::leaked`).
pub const LEAK_REPORTS_PER_ADDRESS: u32 = 20;
pub const LEAK_REPORT_WINDOW_SECONDS: u64 = 600;

/// A reported token that works: its credential, which secret, and that secret's stored hash
/// (for the change to check, under its lock, that it is still the key's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    pub credential_id: i32,
    pub which: LeakedSecret,
    pub hash: String,
}

/// Uses of a canary key since they were last taken (`Verifier::take_canary_uses`): the
/// last address and user agent, and how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanaryUse {
    pub credential_id: i32,
    pub address: String,
    pub user_agent: String,
    pub uses: u64,
    /// When it was last presented: the notice is of then, not of when the background loop
    /// gets to it (a loop that read its clock earlier must not count it inside the last
    /// mail's ten minutes).
    pub at: chrono::NaiveDateTime,
}

/// Canary keys with uses waiting to be told, at most (more in one poll are dropped: their
/// owners are being told of the first ones).
const MAX_PENDING_CANARIES: usize = 1000;

/// Which secret of a key a reported token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeakedSecret {
    Current,
    /// The old secret of a roll, still accepted in its window.
    Previous,
}

pub struct Verifier {
    reader: Reader,
    /// For the upgrades of old hashes (rare writes, on the blocking pool).
    pool: Pool,
    hasher: SecretHasher,
    argon2: Arc<HashPool>,
    throttle: Throttle,
    /// Leak reports per client address (`leaked`): anyone may send them.
    leak_reports: Throttle,
    rates: RateLimits,
    pub usage: UsageRecorder,
    /// Uses and refusals per key per hour.
    pub counts: UsageCounts,
    /// Where each key is used from (`key_sources`), written with *last used*.
    pub sources: SourceRecorder,
    /// Uses from a network new to their key, found by the last flushes: for the flusher to
    /// tell the owners (`take_new_networks`).
    new_networks: Mutex<Vec<NewNetwork>>,
    /// Canary keys presented, by credential id, for the background task to tell.
    canaries: Mutex<std::collections::HashMap<i32, CanaryUse>>,
    pub failures: AuthFailures,
    clock: Clock,
    last_used_every: chrono::Duration,
    /// argon2 checks of old hashes made by this process (each key's first check only).
    legacy_checks: AtomicU64,
    /// Some key was imported with another system's token (`refresh_imports`): until then a
    /// bearer token that is not Keyward's is refused without a database read.
    imports: std::sync::atomic::AtomicBool,
}

/// How a `Verifier` is built.
pub struct VerifierParts {
    pub url: db::DatabaseUrl,
    pub pool: Pool,
    /// Connections of its own on SQLite (one per HTTP worker is enough).
    pub sqlite_readers: u32,
    pub db_timeout: std::time::Duration,
    pub hasher: SecretHasher,
    pub argon2: Arc<HashPool>,
    pub failure_limit: u32,
    pub failure_window_seconds: u64,
    pub failure_journal_seconds: u32,
    /// *Last used* is written this often: a use within it of the stored one, from the same
    /// address, changes nothing anyone can see and is not written again.
    pub last_used_every: chrono::Duration,
    pub clock: Clock,
}

impl Verifier {
    pub fn new(parts: VerifierParts) -> std::io::Result<Verifier> {
        // Counters shared by every process on PostgreSQL; in memory on SQLite (one process).
        let rates = RateLimits::new((!parts.url.is_sqlite()).then(|| parts.pool.clone()))?;
        let reader = if parts.url.is_sqlite() {
            let size = parts.sqlite_readers.max(1);
            Reader::Sqlite {
                pool: db::reader_pool(&parts.url, size, parts.db_timeout),
                permits: Semaphore::new(size as usize),
            }
        } else {
            // Two threads, a connection each: one query in flight while the next batch
            // gathers.
            Reader::Postgres(Batches::new(
                "credential-lookup",
                2,
                db::reader_pool(&parts.url, 2, parts.db_timeout),
                lookup_batch,
            )?)
        };
        Ok(Verifier {
            reader,
            pool: parts.pool,
            hasher: parts.hasher,
            argon2: parts.argon2,
            throttle: Throttle::new(
                parts.failure_limit,
                parts.failure_window_seconds,
                parts.clock.clone(),
            ),
            leak_reports: Throttle::new(
                LEAK_REPORTS_PER_ADDRESS,
                LEAK_REPORT_WINDOW_SECONDS,
                parts.clock.clone(),
            ),
            rates,
            usage: UsageRecorder::default(),
            sources: SourceRecorder::default(),
            new_networks: Mutex::new(Vec::new()),
            canaries: Mutex::new(std::collections::HashMap::new()),
            counts: UsageCounts::default(),
            failures: AuthFailures::new(parts.failure_journal_seconds),
            clock: parts.clock,
            last_used_every: parts.last_used_every,
            legacy_checks: AtomicU64::new(0),
            imports: std::sync::atomic::AtomicBool::new(false),
        })
    }

    pub fn hasher(&self) -> &SecretHasher {
        &self.hasher
    }

    /// Reads whether any key was imported with another system's token (at start, and on
    /// every tick of the background loop: an import by another process is seen within it).
    pub fn refresh_imports(&self, conn: &mut db::DbConn) -> diesel::QueryResult<()> {
        let any = db::credentials::any_imported(conn)?;
        self.imports.store(any, Ordering::Relaxed);
        Ok(())
    }

    /// This process just imported keys.
    pub fn imports_exist(&self) {
        self.imports.store(true, Ordering::Relaxed);
    }

    /// argon2 checks of old hashes this process made (a test reads it).
    pub fn legacy_checks(&self) -> u64 {
        self.legacy_checks.load(Ordering::Relaxed)
    }

    async fn find(&self, public_id: &str) -> Result<Option<AuthRecord>, AppError> {
        match &self.reader {
            Reader::Sqlite { pool, permits } => {
                let _permit = permits
                    .acquire()
                    .await
                    .map_err(|_| AppError::Internal("verifier closed".into()))?;
                db::with_conn(pool, |c| {
                    Ok::<_, AppError>(db::credentials::find_for_auth(c, public_id)?)
                })
            }
            Reader::Postgres(lookups) => lookups.ask(public_id.to_owned()).await,
        }
    }

    /// The credential `presented` names: by public id, or for a token of another system by
    /// its lookups (`import_lookup`: the token's SHA-256, the part before its first dot).
    async fn find_presented(&self, presented: &Presented) -> Result<Option<AuthRecord>, AppError> {
        if !presented.imported {
            return self.find(&presented.public_id).await;
        }
        // No imported key anywhere: nothing to look up (a flood of foreign tokens then costs
        // no database work at all).
        if !self.imports.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let token = presented.secret.expose();
        let mut lookups = vec![format!(
            "sha256:{}",
            crate::auth::imported_hash::sha256_hex(token)
        )];
        if let Some((prefix, _)) = token.split_once('.')
            && !prefix.is_empty()
        {
            lookups.push(format!("prefix:{prefix}"));
        }
        let find = move |c: &mut db::DbConn| {
            Ok::<_, AppError>(db::credentials::find_imported_for_auth(c, &lookups)?)
        };
        match &self.reader {
            Reader::Sqlite { pool, permits } => {
                let _permit = permits
                    .acquire()
                    .await
                    .map_err(|_| AppError::Internal("verifier closed".into()))?;
                db::with_conn(pool, find)
            }
            Reader::Postgres(_) => {
                let pool = self.pool.clone();
                actix_web::web::block(move || db::with_conn(&pool, find)).await?
            }
        }
    }

    /// Checks a presented credential. Every failure about the credential itself (unknown,
    /// wrong secret, inactive, expired, deleted, not yet saved) is the same
    /// `InvalidCredentials` after the same work, or `RateLimited` once `limit_as` (the client
    /// address, or for `/verify` the calling credential) or the credential id has failed too
    /// often. `used_from` is recorded as the key's *last used from*, and with `user_agent`
    /// as one of its sources.
    pub async fn check(
        &self,
        presented: Presented,
        limit_as: &str,
        used_from: &str,
        user_agent: &str,
    ) -> Result<AuthRecord, AppError> {
        let found = self.find_presented(&presented).await?;
        let Presented {
            public_id, secret, ..
        } = presented;
        // An imported key's token names no public id: the key found is what it names.
        let public_id = match &found {
            Some(r) => r.credential.public_id.clone(),
            None => public_id,
        };
        let id_key = format!("credential:{public_id}");
        let now = self.clock.now();
        // The old secret of a roll, in its grace window: one more HMAC, never argon2 (a
        // secret is rolled under the keyed hash; an old row never checked since the upgrade
        // has its old secret refused at once).
        let mut via_previous = false;
        let (matched, id_counted) = match &found {
            None => {
                self.hasher.miss(secret.expose());
                (false, false)
            }
            Some(record) => match self
                .hasher
                .verify(&record.credential.secret_hash, secret.expose())
            {
                Verdict::Match { upgrade } => {
                    if let Some(new) = upgrade {
                        self.upgrade(record, new).await;
                    }
                    (true, false)
                }
                Verdict::NoMatch => {
                    via_previous = match record.credential.previous_hash(now) {
                        Some(old) => matches!(
                            self.hasher.verify(old, secret.expose()),
                            Verdict::Match { .. }
                        ),
                        // The same second HMAC without a roll window: a wrong secret's timing
                        // does not tell which keys are being rolled.
                        None => {
                            self.hasher.miss(secret.expose());
                            false
                        }
                    };
                    (via_previous, false)
                }
                Verdict::Legacy => {
                    // argon2 work, so reserved first against both limits (given back if it
                    // matches): guesses at an old key cannot queue argon2 work. The one
                    // trade-off of keys from before keyed hashes: until its first use after
                    // the upgrade, such a key can be refused while its id is being guessed at.
                    if let Err(retry_after) = self.throttle.reserve_all(&[limit_as, &id_key]) {
                        return Err(AppError::RateLimited { retry_after });
                    }
                    let matched = self.check_legacy(record, &secret).await?;
                    if matched {
                        self.throttle.release(limit_as);
                        self.throttle.release(&id_key);
                    }
                    (matched, !matched)
                }
            },
        };
        match found {
            // From outside its allowlist a key is refused like any invalid one (and counted
            // as a failure: a stolen key tried from elsewhere is a guess).
            Some(record)
                if matched
                    && !record.credential.canary
                    && record.usable
                    && !record.credential.expired(now)
                    && record.credential.allows(used_from) =>
            {
                // Every valid use counts against the key's limit, the old secret's too; a key
                // past it is refused with when to come back (not a failure: the key is good).
                let rate = match record.limit {
                    None => None,
                    Some(limit) => {
                        match self.rates.admit(record.credential.id, limit, now).await? {
                            Ok(state) => Some(state),
                            Err(state) => {
                                let id = record.credential.id;
                                self.counts.count(id, now, Outcome::RateLimited);
                                return Err(AppError::KeyRateLimited(state));
                            }
                        }
                    }
                };
                self.counts.count(record.credential.id, now, Outcome::Ok);
                let record = AuthRecord { rate, ..record };
                let c = &record.credential;
                let matched_hash = match via_previous {
                    true => c.previous_secret_hash.as_deref().unwrap_or_default(),
                    false => &c.secret_hash,
                };
                let source = SourceKey {
                    credential_id: c.id,
                    secret_fp: key_sources::secret_fp(matched_hash),
                    previous: via_previous,
                    address: used_from.to_owned(),
                    user_agent: key_sources::user_agent(user_agent),
                };
                if self.sources.record(source, now) {
                    self.usage.flush_soon();
                }
                if via_previous {
                    self.record_previous_use(c, now, used_from);
                    return Ok(AuthRecord {
                        via_previous: true,
                        ..record
                    });
                }
                let seen_lately = c
                    .last_used_at
                    .is_some_and(|at| now - at < self.last_used_every)
                    && c.last_used_ip.as_deref() == Some(used_from);
                if !seen_lately {
                    self.usage.record(c.id, now, used_from.to_owned());
                }
                Ok(record)
            }
            found => {
                // The right secret, from where the key may not be used: its owner is told why.
                let outside = matched
                    && found.as_ref().is_some_and(|r| {
                        r.usable && !r.credential.expired(now) && !r.credential.allows(used_from)
                    });
                if let Some(r) = &found {
                    if matched && r.credential.canary {
                        self.canary_presented(r.credential.id, used_from, user_agent, now);
                    }
                    let why = if !matched {
                        Outcome::WrongSecret
                    } else if !r.usable || r.credential.canary {
                        Outcome::Inactive
                    } else if r.credential.expired(now) {
                        Outcome::Expired
                    } else {
                        Outcome::Address
                    };
                    self.counts.count(r.credential.id, now, why);
                }
                let limited = if id_counted {
                    // Both were reserved before the argon2 work.
                    None
                } else {
                    self.fail(&found, limit_as)
                };
                self.failures.record(
                    match &found {
                        Some(r) => FailedId::Known {
                            public_id: public_id.clone(),
                            account_id: r.credential.account_id,
                            label: r.credential.label.clone(),
                            owner: r.credential.owner_ref().map(|o| o.to_string()),
                        },
                        None => FailedId::Unknown,
                    },
                    now,
                    used_from,
                    outside,
                );
                Err(match limited {
                    Some(retry_after) => AppError::RateLimited { retry_after },
                    None => AppError::InvalidCredentials,
                })
            }
        }
    }

    /// A token somebody reports as leaked (`/api/v1/leaks/report`; `None`: not a token at
    /// all): the credential it belongs to and which of its secrets it is, if it is one that
    /// works now. Every report is counted against `reported_from` before any work
    /// (`RateLimited` past `LEAK_REPORTS_PER_ADDRESS`); nothing of it counts as a use or a
    /// failure of the key.
    /// Old argon2 rows are not checked (a reporter must not make argon2 work): a key
    /// unused since keyed hashes is reported by its owner, not by strangers.
    pub async fn leaked(
        &self,
        presented: Option<Presented>,
        reported_from: &str,
    ) -> Result<Option<Leak>, AppError> {
        let key = crate::auth::throttle::address_key(reported_from);
        if let Err(retry_after) = self.leak_reports.reserve(&key) {
            return Err(AppError::RateLimited { retry_after });
        }
        let Some(presented) = presented else {
            return Ok(None);
        };
        self.secret_of(presented).await
    }

    /// The credential `presented` belongs to and which of its secrets it is, if it is one
    /// that works now — without counting anything (`leaked` counts the reporter first; a
    /// signed alert from GitHub needs no limit). One read and the HMACs of a check.
    pub async fn secret_of(&self, presented: Presented) -> Result<Option<Leak>, AppError> {
        let found = self.find_presented(&presented).await?;
        let secret = presented.secret;
        let now = self.clock.now();
        let Some(record) = found else {
            self.hasher.miss(secret.expose());
            return Ok(None);
        };
        let c = &record.credential;
        if !record.usable || c.expired(now) {
            self.hasher.miss(secret.expose());
            return Ok(None);
        }
        // A key imported with a digest (not argon2 or bcrypt) and not used since is checked
        // too: a leaked imported token must be stoppable before its first use.
        let matches = |stored: &str| match self.hasher.verify(stored, secret.expose()) {
            Verdict::Match { .. } => true,
            Verdict::Legacy => {
                crate::auth::imported_hash::verify_cheap(stored, secret.expose()) == Some(true)
            }
            Verdict::NoMatch => false,
        };
        let leak = |which, hash: &str| Leak {
            credential_id: c.id,
            which,
            hash: hash.to_owned(),
        };
        if matches(&c.secret_hash) {
            return Ok(Some(leak(LeakedSecret::Current, &c.secret_hash)));
        }
        Ok(c.previous_hash(now)
            .filter(|old| matches(old))
            .map(|old| leak(LeakedSecret::Previous, old)))
    }

    /// Counts a failure against `limit_as` and the credential id; `Some(seconds)` when
    /// either is over its limit.
    fn fail(&self, found: &Option<AuthRecord>, limit_as: &str) -> Option<u64> {
        let mut limited = self.throttle.reserve(limit_as).err();
        // Ids that name nothing are not tracked one by one: random guesses would only grow
        // the table, and there is no key behind them to protect.
        if let Some(r) = found {
            let id_key = format!("credential:{}", r.credential.public_id);
            limited = limited.or(self.throttle.reserve(&id_key).err());
        }
        limited
    }

    /// A row from before keyed hashes, or imported from another system: its hash checked
    /// once (`auth::imported_hash`), then the keyed hash replaces it.
    async fn check_legacy(
        &self,
        record: &AuthRecord,
        secret: &crate::domain::credential::Secret,
    ) -> Result<bool, AppError> {
        self.legacy_checks.fetch_add(1, Ordering::Relaxed);
        let (stored, candidate) = (record.credential.secret_hash.clone(), secret.clone());
        let matched = self
            .argon2
            .run(move || crate::auth::imported_hash::verify(&stored, candidate.expose()))
            .await?;
        if matched {
            self.upgrade(record, self.hasher.hash(secret.expose()))
                .await;
        }
        Ok(matched)
    }

    /// Notes a use of a rolled key's old secret — its owner watches for the last one before
    /// retiring it. At most once per `last_used_every` per key (like *last used*), written off
    /// the request (the answer never waits for it). Best effort.
    fn record_previous_use(
        &self,
        c: &crate::db::credentials::Credential,
        now: chrono::NaiveDateTime,
        used_from: &str,
    ) {
        if c.previous_last_used_at
            .is_some_and(|at| now - at < self.last_used_every)
        {
            return;
        }
        let (pool, id, ip) = (self.pool.clone(), c.id, used_from.to_owned());
        let old = c.previous_secret_hash.clone().unwrap_or_default();
        actix_web::rt::spawn(async move {
            let written = actix_web::web::block(move || {
                db::with_conn(&pool, |conn| {
                    Ok::<_, AppError>(db::credentials::record_previous_use(
                        conn, id, &old, now, &ip,
                    )?)
                })
            })
            .await;
            if !matches!(written, Ok(Ok(()))) {
                tracing::warn!(credential = id, "could not note a use of an old secret");
            }
        });
    }

    /// Replaces the stored hash, only if it is still the one that was checked: concurrent
    /// first uses upgrade the row once. Best effort: the key was valid either way, so a
    /// failed write (a busy database) is logged and tried again on the next use.
    async fn upgrade(&self, record: &AuthRecord, new: String) {
        let (pool, id, old) = (
            self.pool.clone(),
            record.credential.id,
            record.credential.secret_hash.clone(),
        );
        let written = actix_web::web::block(move || {
            db::with_conn(&pool, |c| {
                Ok::<_, AppError>(db::credentials::upgrade_hash(c, id, &old, &new)?)
            })
        })
        .await;
        match written {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, credential = id, "could not re-hash a key"),
            Err(e) => tracing::warn!(error = %e, credential = id, "could not re-hash a key"),
        }
    }

    /// The uses from networks new to their keys found since the last call.
    /// A canary key was presented with its secret: noted for its owner (refused all the
    /// same, like any invalid key).
    fn canary_presented(
        &self,
        id: i32,
        address: &str,
        user_agent: &str,
        now: chrono::NaiveDateTime,
    ) {
        let mut pending = self.canaries.lock().unwrap_or_else(|e| e.into_inner());
        if pending.len() >= MAX_PENDING_CANARIES && !pending.contains_key(&id) {
            return;
        }
        let seen = pending.entry(id).or_insert_with(|| CanaryUse {
            credential_id: id,
            address: String::new(),
            user_agent: String::new(),
            uses: 0,
            at: now,
        });
        seen.at = seen.at.max(now);
        seen.address = address.to_owned();
        seen.user_agent = key_sources::user_agent(user_agent);
        seen.uses += 1;
    }

    /// The canary uses noted since the last call, for their owners to be told.
    pub fn take_canary_uses(&self) -> Vec<CanaryUse> {
        let mut pending = self.canaries.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *pending).into_values().collect()
    }

    /// Returns what `take_canary_uses` gave, when telling of it failed (tried again later).
    pub fn put_back_canary_uses(&self, uses: Vec<CanaryUse>) {
        let mut pending = self.canaries.lock().unwrap_or_else(|e| e.into_inner());
        for u in uses {
            let seen = pending.entry(u.credential_id).or_insert_with(|| CanaryUse {
                uses: 0,
                ..u.clone()
            });
            seen.uses += u.uses;
        }
    }

    pub fn take_new_networks(&self) -> Vec<NewNetwork> {
        std::mem::take(&mut *self.new_networks.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Returns what `take_new_networks` gave, when telling of it failed (tried again later).
    pub fn put_back_new_networks(&self, found: Vec<NewNetwork>) {
        let mut pending = self.new_networks.lock().unwrap_or_else(|e| e.into_inner());
        pending.extend(found);
    }

    /// Writes pending *last used* data and journals failures (at a graceful stop: all).
    pub fn flush(&self, pool: &Pool, everything: bool) -> Vec<String> {
        let mut errors = Vec::new();
        if let Err(e) = self.usage.flush(pool) {
            errors.push(format!("last-used times: {e}"));
        }
        if let Err(e) = self.counts.flush(pool) {
            errors.push(format!("key usage counts: {e}"));
        }
        match self.sources.flush(pool) {
            Ok((_, found)) if !found.is_empty() => self
                .new_networks
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend(found),
            Ok(_) => {}
            Err(e) => errors.push(format!("key sources: {e}")),
        }
        if let Err(e) = self.failures.flush(pool, self.clock.now(), everything) {
            errors.push(format!("API authentication failures: {e}"));
        }
        errors
    }
}
