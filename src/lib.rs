//! Keyward: a console for the credentials programs use to call your APIs, and the service
//! that checks them. `main.rs` is a thin CLI over this library; the tests use it too.

pub mod auth;
pub mod changes;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod mail;
pub mod web;

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use actix_session::SessionMiddleware;
use actix_session::config::BrowserSession;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::middleware::{Logger, from_fn};
use actix_web::{App, HttpServer, web as aweb};

use crate::auth::session_store::DbSessionStore;
use crate::auth::throttle::Throttle;
use crate::auth::usage::UsageRecorder;
use crate::auth::verify::VerifyCache;
use crate::clock::Clock;
use crate::config::Settings;
use crate::error::AppError;
use crate::web::AppState;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("data folder {0}: {1}")]
    DataDir(String, std::io::Error),
    #[error("secret key: {0}")]
    SecretKey(String),
    #[error("database: {0}")]
    Database(String),
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error("{0}")]
    Other(String),
}

/// The cookie key: `KEYWARD_SECRET_KEY`, or a key generated once into `DATA_DIR/secret.key`
/// so that a restart keeps everyone signed in.
pub fn load_or_create_key(settings: &Settings) -> Result<Key, StartError> {
    if let Some(secret) = &settings.secret_key {
        if secret.len() < 32 {
            return Err(StartError::SecretKey(
                "KEYWARD_SECRET_KEY must be at least 32 bytes".into(),
            ));
        }
        return Ok(Key::derive_from(secret.as_bytes()));
    }
    let path = settings.data_dir.join("secret.key");
    let dir_err = |e| StartError::DataDir(settings.data_dir.display().to_string(), e);
    match std::fs::read_to_string(&path) {
        Ok(hex_key) => {
            let bytes = hex::decode(hex_key.trim())
                .map_err(|e| StartError::SecretKey(format!("{}: {e}", path.display())))?;
            if bytes.len() < 32 {
                return Err(StartError::SecretKey(format!(
                    "{} is too short",
                    path.display()
                )));
            }
            Ok(Key::derive_from(&bytes))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let generated = domain::credential::random_alphanumeric(64)
                .map_err(|e| StartError::SecretKey(e.to_string()))?;
            let encoded = hex::encode(generated.as_bytes());
            write_private(&path, &encoded).map_err(dir_err)?;
            Ok(Key::derive_from(generated.as_bytes()))
        }
        Err(e) => Err(dir_err(e)),
    }
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

/// SQLite writes its journal beside the database file: a folder that cannot take a new file
/// (a read-only disk, a full one, no permission) would otherwise fail as "unable to open
/// database file". Say which folder and why.
fn writable_folder(sqlite_path: &str) -> Result<(), StartError> {
    let path = std::path::Path::new(sqlite_path.trim_start_matches("file:"));
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    let probe = folder.join(format!(".keyward-write-check-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| {
            StartError::DataDir(
                format!("{} (SQLite needs to write there)", folder.display()),
                e,
            )
        })
}

/// Creates the data folder and runs the migrations of the configured database.
pub fn prepare_database(settings: &Settings) -> Result<db::DatabaseUrl, StartError> {
    std::fs::create_dir_all(&settings.data_dir)
        .map_err(|e| StartError::DataDir(settings.data_dir.display().to_string(), e))?;
    let url = settings.database();
    if let db::DatabaseUrl::Sqlite(path) = &url {
        writable_folder(path)?;
    }
    let mut conn = db::connect(&url).map_err(|e| StartError::Database(e.to_string()))?;
    db::migrate(&mut conn).map_err(|e| StartError::Database(e.to_string()))?;
    Ok(url)
}

/// A ready server: where it listens and the future that runs it.
pub struct Application {
    pub addr: SocketAddr,
    pub server: Server,
    pub state: Arc<AppState>,
}

impl AppState {
    /// Ends the background threads (at their next tick).
    pub fn stop(&self) {
        self.stopping
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    fn running(&self) -> bool {
        !self.stopping.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Writes pending *last used* data; called after a graceful stop.
    pub fn flush_usage(&self) {
        self.stop();
        match self.usage.flush(&self.pool) {
            Ok(n) => tracing::info!(uses = n, "last-used times written"),
            Err(e) => tracing::error!(error = %e, "could not write last-used times at shutdown"),
        }
        if let Err(e) = self.auth_failures.flush(&self.pool, self.clock.now(), true) {
            tracing::error!(error = %e, "could not journal API authentication failures at shutdown");
        }
    }
}

pub fn build(settings: Settings) -> Result<Application, StartError> {
    let url = prepare_database(&settings)?;
    let key = load_or_create_key(&settings)?;
    let pool = db::pool(
        &url,
        settings.db_pool_size,
        Duration::from_millis(settings.db_timeout_ms),
    );
    let clock = Clock::new(settings.fake_now);
    let dummy_hash = auth::password::dummy_hash().map_err(|e| StartError::Other(e.to_string()))?;
    let window = Duration::from_secs(settings.auth_failure_window_seconds);
    let state = Arc::new(AppState {
        pool: pool.clone(),
        settings: settings.clone(),
        clock,
        cookie_key: key.clone(),
        setup_done: AtomicBool::new(false),
        dummy_hash,
        auth_throttle: Throttle::new(settings.auth_failure_limit, window),
        login_ip_throttle: Throttle::new(settings.auth_failure_limit, window),
        // Per account: five times the per-address limit, so a real user is slowed, not locked out.
        login_account_throttle: Throttle::new(
            settings.auth_failure_limit.saturating_mul(5),
            window,
        ),
        verify_cache: VerifyCache::new(settings.verify_cache_size)
            .map_err(|e| StartError::Other(e.to_string()))?,
        usage: UsageRecorder::default(),
        auth_failures: crate::auth::failures::AuthFailures::new(
            settings.auth_failure_journal_seconds,
        ),
        // One argon2 thread per core: argon2 is CPU-bound, more threads only add memory.
        argon2_pool: auth::hash_pool::HashPool::new(
            std::thread::available_parallelism().map_or(2, |n| n.get()),
        )
        .map_err(|e| StartError::Other(format!("argon2 threads: {e}")))?,
        credential_lookups: if url.is_sqlite() {
            None
        } else {
            // Two threads: one query in flight while the next batch gathers.
            Some(
                auth::lookup::Lookups::new(2, pool.clone())
                    .map_err(|e| StartError::Other(format!("credential lookup threads: {e}")))?,
            )
        },
        stopping: AtomicBool::new(false),
    });
    let mailer = mail::Mailer::new(
        settings.smtp_url.as_deref(),
        settings.data_dir.join("outbox"),
        &settings.mail_from,
    )
    .map_err(StartError::Other)?;
    let listener =
        TcpListener::bind(settings.bind).map_err(|e| StartError::Bind(settings.bind, e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| StartError::Bind(settings.bind, e))?;
    let store = DbSessionStore::new(pool.clone(), clock);
    let data = aweb::Data::new(state.clone());
    let secure = settings.secure_cookies;
    let cookie_name = if secure {
        "__Host-keyward_session"
    } else {
        "keyward_session"
    };

    let mut server = HttpServer::new(move || {
        let sessions = SessionMiddleware::builder(store.clone(), key.clone())
            .cookie_name(cookie_name.to_owned())
            .cookie_secure(secure)
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Lax)
            .cookie_path("/".to_owned())
            .session_lifecycle(
                BrowserSession::default().state_ttl(actix_web::cookie::time::Duration::hours(12)),
            )
            .build();
        App::new()
            .app_data(data.clone())
            .app_data(aweb::PayloadConfig::new(64 * 1024))
            .app_data(aweb::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()))
            .app_data(
                aweb::QueryConfig::default()
                    .error_handler(|_, _| AppError::BadRequest("error.bad_form").into()),
            )
            .app_data(
                aweb::JsonConfig::default()
                    .limit(16 * 1024)
                    .error_handler(|e, _| match e {
                        actix_web::error::JsonPayloadError::Overflow { .. }
                        | actix_web::error::JsonPayloadError::OverflowKnownLength { .. } => {
                            AppError::PayloadTooLarge.into()
                        }
                        _ => AppError::BadRequest("error.bad_json").into(),
                    }),
            )
            .wrap(sessions)
            // Outside the session layer, so a session-store failure (the database) also
            // gets a proper 503 page.
            .wrap(from_fn(web::middleware::render_errors))
            .wrap(from_fn(web::middleware::security_headers))
            // Method and path only: a query string may hold what somebody typed into a search.
            .wrap(
                Logger::new("%a \"%{method}xi %U\" %s %b %Dms")
                    .custom_request_replace("method", |req| req.method().to_string())
                    .exclude("/healthz"),
            )
            .configure(web::routes)
            .default_service(aweb::to(|| async {
                Err::<actix_web::HttpResponse, _>(AppError::NotFound)
            }))
    })
    .shutdown_timeout(30);
    if let Some(workers) = settings.workers {
        server = server.workers(workers);
    }
    let server = server
        .listen(listener)
        .map_err(|e| StartError::Bind(addr, e))?
        .run();

    // Expired session rows are removed in the background, not on the request path. Like the
    // threads below it holds only a weak reference, so a stopped app lets go of its database.
    let weak = Arc::downgrade(&state);
    std::thread::Builder::new()
        .name("session-purge".into())
        .spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(600));
                let Some(state) = weak.upgrade().filter(|s| s.running()) else {
                    break;
                };
                let purged = db::with_conn(&state.pool, |c| {
                    db::sessions::purge_expired(c, state.clock.now()).map_err(AppError::from)
                });
                if let Err(e) = purged {
                    tracing::warn!(error = %e, "could not purge expired sessions");
                }
            }
        })
        .map_err(|e| StartError::Other(e.to_string()))?;
    // *Last used* is written in batches; the thread holds only a weak reference so a stopped
    // app (in tests) lets it end.
    let weak = Arc::downgrade(&state);
    let every = Duration::from_millis(settings.last_used_flush_ms.max(10));
    std::thread::Builder::new()
        .name("last-used-flush".into())
        .spawn(move || {
            loop {
                std::thread::sleep(every);
                let Some(state) = weak.upgrade().filter(|s| s.running()) else { break };
                if let Err(e) = state.usage.flush(&state.pool) {
                    tracing::warn!(error = %e, "could not write last-used times; will retry");
                }
                if let Err(e) = state.auth_failures.flush(&state.pool, state.clock.now(), false) {
                    tracing::warn!(error = %e, "could not journal API authentication failures; will retry");
                }
            }
        })
        .map_err(|e| StartError::Other(e.to_string()))?;
    // Mail: send what is due, with retries; and prune the journal when a retention is set.
    let weak = Arc::downgrade(&state);
    let every = Duration::from_millis(settings.mail_poll_ms.max(10));
    std::thread::Builder::new()
        .name("mail-and-retention".into())
        .spawn(move || {
            loop {
                std::thread::sleep(every);
                let Some(state) = weak.upgrade().filter(|s| s.running()) else {
                    break;
                };
                let now = state.clock.now();
                // Reminders first, so they go out in this same tick.
                let reminded = db::with_conn(&state.pool, |c| {
                    changes::remind_expiring(c, now, state.settings.mail_machine_key_changes)
                        .map_err(AppError::from)
                });
                match reminded {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(keys = n, "owners told their keys expire soon"),
                    Err(e) => {
                        tracing::warn!(error = %e, "could not queue expiry reminders; will retry")
                    }
                }
                if let Err(e) = mail::send_due(&mailer, &state.pool, now) {
                    tracing::warn!(error = %e, "mail worker could not read the outbox; will retry");
                }
                // Cheap when nothing is old (an indexed range delete): so on every tick.
                if let Some(days) = state.settings.audit_retention_days {
                    let cutoff = now - chrono::Duration::days(i64::from(days));
                    let pruned = db::with_conn(&state.pool, |c| {
                        db::audit::prune(c, cutoff, now).map_err(AppError::from)
                    });
                    match pruned {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(rows = n, "audit journal pruned"),
                        Err(e) => tracing::warn!(error = %e, "could not prune the audit journal"),
                    }
                }
            }
        })
        .map_err(|e| StartError::Other(e.to_string()))?;
    Ok(Application {
        addr,
        server,
        state,
    })
}
