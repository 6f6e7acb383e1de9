//! Database access: one connection type over SQLite and PostgreSQL, chosen by the URL.

pub mod credentials;
pub mod machines;
pub mod operators;
pub mod schema;
pub mod sessions;

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Every query is written once against this enum; Diesel dispatches to the live backend.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(diesel::SqliteConnection),
    Postgres(diesel::PgConnection),
}

/// The backend type Diesel derives for `DbConn` (for boxed queries).
pub type DbBackend = MultiBackend;

pub type Pool = r2d2::Pool<ConnectionManager>;
pub type PooledConn = r2d2::PooledConnection<ConnectionManager>;

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Connection(#[from] diesel::ConnectionError),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// Backend chosen from the URL: `postgres://` or `postgresql://` is PostgreSQL, anything
/// else (`sqlite://path` or a bare path) is an SQLite file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(String),
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            DatabaseUrl::Postgres(url.to_owned())
        } else {
            let path = url.strip_prefix("sqlite://").unwrap_or(url);
            DatabaseUrl::Sqlite(path.to_owned())
        }
    }

    pub fn is_sqlite(&self) -> bool {
        matches!(self, DatabaseUrl::Sqlite(_))
    }
}

/// A small r2d2 manager instead of Diesel's own: Diesel's hides the real connection error
/// behind "Invalid connection url for multiconnection".
#[derive(Debug)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = DbConn;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConn, ConnectError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                Ok(DbConn::Postgres(diesel::PgConnection::establish(url)?))
            }
            DatabaseUrl::Sqlite(path) => {
                let mut conn = diesel::SqliteConnection::establish(path)?;
                // WAL lets readers work while one writer writes; the busy timeout makes
                // concurrent writers wait instead of failing at once.
                conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                )?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), ConnectError> {
        Ok(conn.batch_execute("SELECT 1")?)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

/// Builds the pool. Connections are opened lazily so Keyward starts (and `/healthz` can say
/// 503) even when the database is down; a request waits at most `timeout` for a connection.
pub fn pool(url: &DatabaseUrl, max_size: u32, timeout: Duration) -> Pool {
    r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        .connection_timeout(timeout)
        .test_on_check_out(true)
        .build_unchecked(ConnectionManager { url: url.clone() })
}

pub fn connect(url: &DatabaseUrl) -> Result<DbConn, ConnectError> {
    r2d2::ManageConnection::connect(&ConnectionManager { url: url.clone() })
}

/// Runs the pending migrations of the connection's backend; running it again does nothing.
pub fn migrate(conn: &mut DbConn) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    let applied = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS)?.len(),
        DbConn::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS)?.len(),
    };
    Ok(applied)
}
