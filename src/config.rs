//! Typed settings. Every setting is a `KEYWARD_*` environment variable or a command-line flag,
//! documented here and in the README.

use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::NaiveDateTime;

use crate::db::DatabaseUrl;

#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// Database: `postgres://…` for PostgreSQL, `sqlite://PATH` or a plain path for SQLite.
    /// Default: `DATA_DIR/keyward.db`.
    #[arg(long, global = true, env = "KEYWARD_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Address and port to listen on.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_BIND",
        default_value = "127.0.0.1:8080"
    )]
    pub bind: SocketAddr,

    /// Folder for the SQLite database, the generated secret key and outgoing mail.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_DATA_DIR",
        default_value = "./data"
    )]
    pub data_dir: PathBuf,

    /// Key that signs and encrypts cookies, at least 32 bytes. Default: generated once and
    /// kept in `DATA_DIR/secret.key`. Set it when several processes serve one database.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_SECRET_KEY",
        hide_env_values = true
    )]
    pub secret_key: Option<String>,

    /// The URL people and programs reach Keyward at, shown as the API endpoint.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub public_url: String,

    /// Mark cookies `Secure` (and name the session cookie `__Host-…`): on when served over https.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_SECURE_COOKIES",
        default_value_t = false
    )]
    pub secure_cookies: bool,

    /// Maximum number of database connections of this process.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_DB_POOL_SIZE",
        default_value_t = 10
    )]
    pub db_pool_size: u32,

    /// How long a request waits for a database connection before it gets a 503, in ms.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_DB_TIMEOUT_MS",
        default_value_t = 5000
    )]
    pub db_timeout_ms: u64,

    /// HTTP worker threads. Default: one per core.
    #[arg(long, global = true, env = "KEYWARD_WORKERS")]
    pub workers: Option<usize>,

    /// Freeze the clock at this UTC time (`2026-01-31T09:00:00`), for screenshots and tests.
    #[arg(long, global = true, env = "KEYWARD_FAKE_NOW")]
    pub fake_now: Option<NaiveDateTime>,
}

impl Settings {
    pub fn database(&self) -> DatabaseUrl {
        match &self.database_url {
            Some(url) => DatabaseUrl::parse(url),
            None => DatabaseUrl::Sqlite(
                self.data_dir
                    .join("keyward.db")
                    .to_string_lossy()
                    .into_owned(),
            ),
        }
    }

    /// Defaults for tests and embedding: everything else as documented.
    pub fn for_data_dir(data_dir: PathBuf) -> Self {
        Settings {
            database_url: None,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            secret_key: None,
            public_url: "http://127.0.0.1:8080".into(),
            secure_cookies: false,
            db_pool_size: 10,
            db_timeout_ms: 5000,
            workers: Some(2),
            fake_now: None,
        }
    }
}
