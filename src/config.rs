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

    /// Proxies whose `X-Forwarded-For` is believed for the client address (comma-separated
    /// addresses or CIDR ranges, e.g. `127.0.0.1,10.0.0.0/8`). Default: none, the socket peer
    /// is the client.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_parser = address_or_range
    )]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// How often *last used* (time and client address) is written to the database, in ms.
    /// Uses are gathered in memory meanwhile; a crash loses at most this window.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_LAST_USED_FLUSH_MS",
        default_value_t = 60_000
    )]
    pub last_used_flush_ms: u64,

    /// Failed credential checks (and sign-ins) allowed per client address, and per
    /// credential id or account, within the window below; then 429 until it ends.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_AUTH_FAILURE_LIMIT",
        default_value_t = 20
    )]
    pub auth_failure_limit: u32,

    /// The window of the limit above, in seconds.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_AUTH_FAILURE_WINDOW_SECONDS",
        default_value_t = 60
    )]
    pub auth_failure_window_seconds: u64,

    /// Failed API authentications are journalled as one row per credential id per this many
    /// seconds, with the count.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_AUTH_FAILURE_JOURNAL_SECONDS",
        default_value_t = 60
    )]
    pub auth_failure_journal_seconds: u32,

    /// The pepper of stored key hashes (HMAC-SHA256 key material, at least 32 bytes).
    /// Default: the secret key. Set the same value on every process that serves one database.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_KEY_PEPPER",
        hide_env_values = true
    )]
    pub key_pepper: Option<String>,

    /// Earlier peppers still accepted (comma-separated): a key checked under one of them is
    /// re-hashed under the current pepper. List the old secret key here when you change
    /// `KEYWARD_SECRET_KEY` without a `KEYWARD_KEY_PEPPER`.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_KEY_PEPPER_PREVIOUS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub key_pepper_previous: Vec<String>,

    /// SMTP server for outgoing mail: `smtp://user:pass@host:587` (STARTTLS) or
    /// `smtps://…` (TLS). Default: none, mail is written as `.eml` files to `DATA_DIR/outbox/`.
    #[arg(long, global = true, env = "KEYWARD_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Sender of Keyward's mail.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_MAIL_FROM",
        default_value = "Keyward <keyward@localhost>"
    )]
    pub mail_from: String,

    /// Mail the operators with Machines / Write when a machine's key is created, deleted or
    /// deactivated.
    #[arg(long, global = true, env = "KEYWARD_MAIL_MACHINE_KEY_CHANGES", default_value_t = true, action = clap::ArgAction::Set)]
    pub mail_machine_key_changes: bool,

    /// Notices about a person's keys within this many seconds of the last one sent to them
    /// are sent together, as one mail at the end of the window (0: each at once).
    #[arg(
        long,
        global = true,
        env = "KEYWARD_MAIL_DIGEST_SECONDS",
        default_value_t = 120
    )]
    pub mail_digest_seconds: u32,

    /// After a key is rolled, its page says the old secret is safe to retire once nothing
    /// presented it for this many minutes.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_ROLL_QUIET_MINUTES",
        default_value_t = 60
    )]
    pub roll_quiet_minutes: u32,

    /// GitHub's secret-scanning public keys, as GitHub publishes them at
    /// `https://api.github.com/meta/public_keys/secret_scanning` (a JSON file; read on each
    /// alert, so replacing the file needs no restart). Unset: `/api/v1/leaks/github` is off.
    #[arg(long, global = true, env = "KEYWARD_GITHUB_SCANNING_KEYS")]
    pub github_scanning_keys: Option<PathBuf>,

    /// Webhook deliveries may go to private, loopback and link-local addresses (an endpoint
    /// inside your own network). Off by default: an operator with *Settings / Write* could
    /// otherwise make Keyward call services that only it can reach.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_WEBHOOK_PRIVATE_ADDRESSES",
        default_value_t = false
    )]
    pub webhook_private_addresses: bool,

    /// Each key's counts of uses and refusals per hour are kept this many days.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_USAGE_RETENTION_DAYS",
        default_value_t = 90
    )]
    pub usage_retention_days: u32,

    /// How often the mail worker looks for mail to send, in ms.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_MAIL_POLL_MS",
        default_value_t = 2000
    )]
    pub mail_poll_ms: u64,

    /// Delete audit rows older than this many days (a background task, which journals it).
    /// Default: keep forever.
    #[arg(long, global = true, env = "KEYWARD_AUDIT_RETENTION_DAYS")]
    pub audit_retention_days: Option<u32>,

    /// A console session ends after this many seconds without a request.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_SESSION_IDLE_SECONDS",
        default_value_t = 1800
    )]
    pub session_idle_seconds: i64,

    /// A console session ends this many seconds after sign-in, whatever happens.
    #[arg(
        long,
        global = true,
        env = "KEYWARD_SESSION_MAX_SECONDS",
        default_value_t = 43_200
    )]
    pub session_max_seconds: i64,

    /// Freeze the clock at this UTC time (`2026-01-31T09:00:00`), for screenshots and tests.
    /// Only debug builds honour it: a release build refuses to start with it set.
    #[arg(long, global = true, env = "KEYWARD_FAKE_NOW")]
    pub fake_now: Option<NaiveDateTime>,
}

/// `127.0.0.1` (one address) or `10.0.0.0/8` (a range).
pub fn address_or_range(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{text:?} is neither an IP address nor a CIDR range"))
}

impl Settings {
    pub fn mail_policy(&self) -> crate::changes::MailPolicy {
        crate::changes::MailPolicy {
            machine_keys: self.mail_machine_key_changes,
            digest: chrono::Duration::seconds(i64::from(self.mail_digest_seconds)),
        }
    }

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
            trusted_proxies: Vec::new(),
            last_used_flush_ms: 60_000,
            auth_failure_limit: 20,
            auth_failure_window_seconds: 60,
            auth_failure_journal_seconds: 60,
            key_pepper: None,
            key_pepper_previous: Vec::new(),
            smtp_url: None,
            mail_from: "Keyward <keyward@localhost>".into(),
            mail_machine_key_changes: true,
            mail_poll_ms: 2000,
            mail_digest_seconds: 120,
            roll_quiet_minutes: 60,
            github_scanning_keys: None,
            webhook_private_addresses: false,
            usage_retention_days: 90,
            audit_retention_days: None,
            session_idle_seconds: 1800,
            session_max_seconds: 43_200,
            fake_now: None,
        }
    }
}
