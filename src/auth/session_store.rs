//! actix-session storage in Keyward's own database, so every process behind a load balancer
//! sees the same sessions and a sign-out ends the session on the server at once.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use actix_web::web;
use sha2::{Digest, Sha256};

use crate::clock::Clock;
use crate::db::{self, Pool};
use crate::domain::credential::random_alphanumeric;

#[derive(Clone)]
pub struct DbSessionStore {
    pool: Pool,
    clock: Clock,
}

impl DbSessionStore {
    pub fn new(pool: Pool, clock: Clock) -> Self {
        DbSessionStore { pool, clock }
    }

    fn expiry(&self, ttl: &Duration) -> chrono::NaiveDateTime {
        self.clock.now() + chrono::Duration::seconds(ttl.whole_seconds())
    }

    async fn run<T, F>(&self, f: F) -> anyhow::Result<T>
    where
        F: FnOnce(&mut db::DbConn) -> Result<T, SessionDbError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || -> anyhow::Result<T> {
            db::with_conn(&pool, f).map_err(anyhow::Error::from)
        })
        .await?
    }
}

/// Failures of the session table, telling the pool when a connection died.
#[derive(Debug, thiserror::Error)]
pub enum SessionDbError {
    #[error(transparent)]
    Pool(#[from] r2d2::Error),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

impl db::LostConnection for SessionDbError {
    fn lost_connection(&self) -> bool {
        matches!(self, SessionDbError::Query(e) if db::connection_lost(e))
    }
}

fn row_id(key: &SessionKey) -> String {
    hex::encode(Sha256::digest(key.as_ref().as_bytes()))
}

fn new_key() -> anyhow::Result<SessionKey> {
    let key = random_alphanumeric(64).map_err(|e| anyhow::anyhow!("rng: {e}"))?;
    SessionKey::try_from(key).map_err(|e| anyhow::anyhow!("{e}"))
}

impl SessionStore for DbSessionStore {
    async fn load(&self, key: &SessionKey) -> Result<Option<HashMap<String, String>>, LoadError> {
        let (id, now) = (row_id(key), self.clock.now());
        let state = self
            .run(move |c| Ok(db::sessions::load(c, &id, now)?))
            .await
            .map_err(LoadError::Other)?;
        state
            .map(|s| serde_json::from_str(&s))
            .transpose()
            .map_err(|e| LoadError::Deserialization(e.into()))
    }

    async fn save(
        &self,
        state: HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<SessionKey, SaveError> {
        let body = serde_json::to_string(&state).map_err(|e| SaveError::Serialization(e.into()))?;
        let key = new_key().map_err(SaveError::Other)?;
        let (id, expires) = (row_id(&key), self.expiry(ttl));
        self.run(move |c| Ok(db::sessions::insert(c, &id, &body, expires)?))
            .await
            .map_err(SaveError::Other)?;
        Ok(key)
    }

    async fn update(
        &self,
        key: SessionKey,
        state: HashMap<String, String>,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let body =
            serde_json::to_string(&state).map_err(|e| UpdateError::Serialization(e.into()))?;
        let (id, now, expires) = (row_id(&key), self.clock.now(), self.expiry(ttl));
        // A row that is gone stays gone: it was ended (sign-out, a new id at sign-in or
        // password change) or expired, and a request still in flight for it must not bring
        // it back. The cookie then names nothing, and its next request starts anew.
        self.run(move |c| Ok(db::sessions::update(c, &id, &body, now, expires)?))
            .await
            .map_err(UpdateError::Other)?;
        Ok(key)
    }

    async fn update_ttl(&self, key: &SessionKey, ttl: &Duration) -> anyhow::Result<()> {
        let (id, now, expires) = (row_id(key), self.clock.now(), self.expiry(ttl));
        self.run(move |c| Ok(db::sessions::touch(c, &id, now, expires)?))
            .await
    }

    async fn delete(&self, key: &SessionKey) -> anyhow::Result<()> {
        let id = row_id(key);
        self.run(move |c| Ok(db::sessions::delete(c, &id)?)).await
    }
}
