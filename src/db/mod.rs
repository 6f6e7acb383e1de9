//! Database access: one connection type over SQLite and PostgreSQL, chosen by the URL.

pub mod accounts;
pub mod audit;
pub mod credentials;
pub mod groups;
pub mod machines;
pub mod operators;
pub mod outbox;
pub mod schema;
pub mod scopes;
pub mod sessions;
pub mod tokens;
pub mod webhooks;

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

/// A pooled connection that remembers whether it failed like a dead connection does, so the
/// pool drops it instead of handing it out again. This replaces a `SELECT 1` before every
/// use: after a database restart each old connection fails once, then is replaced.
pub struct PooledDb {
    conn: DbConn,
    broken: bool,
}

impl std::ops::Deref for PooledDb {
    type Target = DbConn;
    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl std::ops::DerefMut for PooledDb {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

/// True for errors that mean the connection itself is gone.
pub fn connection_lost(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind, Error};
    match e {
        Error::DatabaseError(
            DatabaseErrorKind::UnableToSendCommand | DatabaseErrorKind::ClosedConnection,
            _,
        ) => true,
        Error::DatabaseError(_, info) => {
            let m = info.message();
            m.contains("terminating connection")
                || m.contains("server closed the connection")
                || m.contains("connection to server")
        }
        _ => false,
    }
}

/// Errors that can tell whether the connection was lost.
pub trait LostConnection {
    fn lost_connection(&self) -> bool;
}

impl LostConnection for diesel::result::Error {
    fn lost_connection(&self) -> bool {
        connection_lost(self)
    }
}

/// Runs `f` on a pooled connection; a connection that died under `f` is not reused.
pub fn with_conn<T, E>(pool: &Pool, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
where
    E: From<r2d2::Error> + LostConnection,
{
    let mut pooled = pool.get()?;
    let result = f(&mut pooled.conn);
    if let Err(e) = &result
        && e.lost_connection()
    {
        pooled.broken = true;
    }
    result
}

impl r2d2::ManageConnection for ConnectionManager {
    type Connection = PooledDb;
    type Error = ConnectError;

    fn connect(&self) -> Result<PooledDb, ConnectError> {
        connect(&self.url).map(|conn| PooledDb {
            conn,
            broken: false,
        })
    }

    fn is_valid(&self, conn: &mut PooledDb) -> Result<(), ConnectError> {
        Ok(conn.conn.batch_execute("SELECT 1")?)
    }

    fn has_broken(&self, conn: &mut PooledDb) -> bool {
        conn.broken
    }
}

/// Opens one connection, outside any pool (SQLite pragmas included).
pub fn connect(url: &DatabaseUrl) -> Result<DbConn, ConnectError> {
    match url {
        DatabaseUrl::Postgres(url) => Ok(DbConn::Postgres(diesel::PgConnection::establish(url)?)),
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

/// Builds the pool. Connections are opened lazily so Keyward starts (and `/healthz` can say
/// 503) even when the database is down; a request waits at most `timeout` for a connection.
pub fn pool(url: &DatabaseUrl, max_size: u32, timeout: Duration) -> Pool {
    r2d2::Pool::builder()
        .max_size(max_size)
        .min_idle(Some(0))
        .connection_timeout(timeout)
        // No `SELECT 1` per checkout: dead connections are dropped after their first failure
        // (see `PooledDb`).
        .test_on_check_out(false)
        .build_unchecked(ConnectionManager { url: url.clone() })
}

/// Connections that only verify credentials: all opened when the pool is made, each with the
/// lookup's statement prepared, so the first requests a fresh process serves cost what the
/// others do.
pub fn reader_pool(url: &DatabaseUrl, size: u32, timeout: Duration) -> Pool {
    #[derive(Debug)]
    struct PrepareLookup;
    impl r2d2::CustomizeConnection<PooledDb, ConnectError> for PrepareLookup {
        fn on_acquire(&self, conn: &mut PooledDb) -> Result<(), ConnectError> {
            // SQLite looks one id up at a time; PostgreSQL's lookups share a query.
            match conn.conn {
                DbConn::Sqlite(_) => credentials::find_for_auth(&mut conn.conn, "").map(drop)?,
                DbConn::Postgres(_) => {
                    credentials::find_many_for_auth(&mut conn.conn, &[""]).map(drop)?
                }
            }
            Ok(())
        }
    }
    let builder = || {
        r2d2::Pool::builder()
            .max_size(size)
            .min_idle(Some(size))
            .connection_timeout(timeout)
            .test_on_check_out(false)
            .connection_customizer(Box::new(PrepareLookup))
    };
    let manager = || ConnectionManager { url: url.clone() };
    match url {
        // An SQLite file opens at once (the migrations just did): wait for every connection,
        // so the first request does not. (A PostgreSQL server may be down at start: its
        // connections open in the background, and `/healthz` says 503 meanwhile.)
        DatabaseUrl::Sqlite(_) => builder()
            .build(manager())
            .unwrap_or_else(|_| builder().build_unchecked(manager())),
        DatabaseUrl::Postgres(_) => builder().build_unchecked(manager()),
    }
}

/// Runs the pending migrations of the connection's backend; running it again does nothing.
pub fn migrate(conn: &mut DbConn) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    let applied = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS)?.len(),
        DbConn::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS)?.len(),
    };
    Ok(applied)
}

/// A transaction that will write. On SQLite it takes the write lock first: a transaction that
/// reads and then writes would otherwise fail at once with "database is locked" when another
/// writer got in between, instead of waiting its turn (the busy timeout only covers waiting
/// for the lock, not upgrading a read to a write).
pub fn write<T, E>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    conn.transaction(|conn| {
        if let DbConn::Sqlite(c) = conn {
            // A write statement that changes nothing still takes SQLite's write lock.
            c.batch_execute("UPDATE accounts SET id = id WHERE id IS NULL")?;
        }
        f(conn)
    })
}
