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
pub mod webhook;

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
    load_or_create_secret(settings).map(|material| Key::derive_from(&material))
}

/// What a secret key setting means: its bytes — or, when it is the content of a
/// `DATA_DIR/secret.key` file (the hex of 64 letters and digits), what that file means. So
/// copying the generated file's content into `KEYWARD_SECRET_KEY` (or
/// `KEYWARD_KEY_PEPPER_PREVIOUS`) of other processes keeps the same key.
pub fn secret_material(text: &str) -> Vec<u8> {
    let text = text.trim();
    match hex::decode(text) {
        Ok(bytes) if bytes.len() == 64 && bytes.iter().all(u8::is_ascii_alphanumeric) => bytes,
        _ => text.as_bytes().to_vec(),
    }
}

/// The secret key's material: what the cookie key and, unless `KEYWARD_KEY_PEPPER` is set,
/// the pepper of stored key hashes are derived from.
pub fn load_or_create_secret(settings: &Settings) -> Result<Vec<u8>, StartError> {
    if let Some(secret) = &settings.secret_key {
        if secret.len() < 32 {
            return Err(StartError::SecretKey(
                "KEYWARD_SECRET_KEY must be at least 32 bytes".into(),
            ));
        }
        return Ok(secret_material(secret));
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
            Ok(bytes)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let generated = domain::credential::random_alphanumeric(64)
                .map_err(|e| StartError::SecretKey(e.to_string()))?;
            let encoded = hex::encode(generated.as_bytes());
            write_private(&path, &encoded).map_err(dir_err)?;
            Ok(generated.into_bytes())
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

/// The one-time code first-run setup asks for, until the first administrator exists: only
/// someone who can read Keyward's log (or run `keyward setup-code` beside it) can claim a
/// new installation, not whoever reaches the server first. Derived from the secret key, so
/// every process of one installation shows the same code.
pub fn setup_code(secret_material: &[u8]) -> String {
    use hmac::Mac;
    let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(secret_material)
        .unwrap_or_else(|_| unreachable!());
    mac.update(b"keyward first-run setup code v1");
    let bytes = mac.finalize().into_bytes();
    // 15 letters and digits without look-alikes (no 0/O, 1/I/L), in three groups of five.
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let letters: Vec<char> = bytes
        .iter()
        .take(15)
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    letters
        .chunks(5)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The hasher of generated secrets: its pepper is `KEYWARD_KEY_PEPPER`, else the secret
/// key's material; `KEYWARD_KEY_PEPPER_PREVIOUS` lists the peppers still accepted.
pub fn secret_hasher(
    settings: &Settings,
    secret_material: &[u8],
) -> Result<auth::secret_hash::SecretHasher, StartError> {
    let current = match &settings.key_pepper {
        Some(pepper) if pepper.len() < 32 => {
            return Err(StartError::SecretKey(
                "KEYWARD_KEY_PEPPER must be at least 32 bytes".into(),
            ));
        }
        Some(pepper) => crate::secret_material(pepper),
        None => secret_material.to_vec(),
    };
    let previous: Vec<Vec<u8>> = settings
        .key_pepper_previous
        .iter()
        .map(|p| crate::secret_material(p))
        .collect();
    let previous: Vec<&[u8]> = previous.iter().map(Vec::as_slice).collect();
    Ok(auth::secret_hash::SecretHasher::new(&current, &previous))
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
        for e in self.verifier.flush(&self.pool, true) {
            tracing::error!(error = %e, "could not write at shutdown");
        }
    }
}

pub fn build(settings: Settings) -> Result<Application, StartError> {
    // A frozen clock turns off session timeouts and key expiry: tests only.
    if settings.fake_now.is_some() && !cfg!(debug_assertions) {
        return Err(StartError::Other(
            "KEYWARD_FAKE_NOW is for tests and screenshots; a release build does not run with it"
                .into(),
        ));
    }
    let url = prepare_database(&settings)?;
    let material = load_or_create_secret(&settings)?;
    let key = Key::derive_from(&material);
    let hasher = secret_hasher(&settings, &material)?;
    let db_timeout = Duration::from_millis(settings.db_timeout_ms);
    let pool = db::pool(&url, settings.db_pool_size, db_timeout);
    let clock = Clock::new(settings.fake_now);
    let dummy_hash = auth::password::dummy_hash().map_err(|e| StartError::Other(e.to_string()))?;
    let window = settings.auth_failure_window_seconds;
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    // One argon2 thread per core: argon2 is CPU-bound, more threads only add memory.
    let argon2_pool = Arc::new(
        auth::hash_pool::HashPool::new(cores)
            .map_err(|e| StartError::Other(format!("argon2 threads: {e}")))?,
    );
    let workers = settings.workers.unwrap_or(cores);
    let verifier = auth::verify::Verifier::new(auth::verify::VerifierParts {
        url: url.clone(),
        pool: pool.clone(),
        sqlite_readers: u32::try_from(workers).unwrap_or(u32::MAX),
        db_timeout,
        hasher,
        argon2: argon2_pool.clone(),
        failure_limit: settings.auth_failure_limit,
        failure_window_seconds: window,
        failure_journal_seconds: settings.auth_failure_journal_seconds,
        last_used_every: chrono::Duration::milliseconds(
            i64::try_from(settings.last_used_flush_ms).unwrap_or(i64::MAX),
        ),
        clock: clock.clone(),
    })
    .map_err(|e| StartError::Other(format!("credential lookup threads: {e}")))?;
    tracing::info!(
        pepper = verifier.hasher().pepper_id(),
        "stored keys are keyed hashes"
    );
    // Read again on every tick of the background loop: a database not answering yet is no
    // reason not to start.
    if let Err(e) = db::with_conn(&pool, |c| {
        verifier.refresh_imports(c).map_err(AppError::from)
    }) {
        tracing::warn!(error = %e, "could not read whether keys were imported");
    }
    let setup_code = setup_code(&material);
    let needs_setup = db::with_conn(&pool, |c| {
        db::operators::any_exists(c).map_err(AppError::from)
    })
    .map(|exists| !exists)
    .unwrap_or(false);
    let state = Arc::new(AppState {
        setup_code,
        pool: pool.clone(),
        settings: settings.clone(),
        clock: clock.clone(),
        cookie_key: key.clone(),
        setup_done: AtomicBool::new(false),
        dummy_hash,
        sign_in_limits: auth::signin::SignInLimits::new(
            settings.auth_failure_limit,
            window,
            &clock,
            &material,
        ),
        argon2_pool,
        verifier,
        webhook_keys: auth::webhook_secret::WebhookKeys::new(&material),
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
    if needs_setup {
        // Printed where only the person running Keyward sees it (as Jupyter and Grafana do).
        tracing::warn!(
            "no administrator yet: open /setup (this process listens on http://{addr}; \
             KEYWARD_PUBLIC_URL is {}) and enter the setup code {} \
             (`keyward setup-code` prints it too)",
            settings.public_url.trim_end_matches('/'),
            state.setup_code
        );
    }
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
            .app_data(aweb::QueryConfig::default().error_handler(|_, req| {
                // A program's query string is not a form somebody reloads.
                let key = if web::middleware::is_api_path(req.path()) {
                    "error.bad_query"
                } else {
                    "error.bad_form"
                };
                AppError::BadRequest(key).into()
            }))
            .app_data(
                aweb::JsonConfig::default()
                    .limit(16 * 1024)
                    .error_handler(|e, _| match e {
                        actix_web::error::JsonPayloadError::Overflow { .. }
                        | actix_web::error::JsonPayloadError::OverflowKnownLength { .. } => {
                            AppError::PayloadTooLarge.into()
                        }
                        actix_web::error::JsonPayloadError::ContentType => {
                            AppError::UnsupportedMediaType.into()
                        }
                        _ => AppError::BadRequest("error.bad_json").into(),
                    }),
            )
            // Inside the session layer: an error page's layout is read while the session
            // still can be.
            .wrap(from_fn(web::middleware::frame_for_errors))
            .wrap(sessions)
            // Outside the session layer, so a session-store failure (the database) also
            // gets a proper 503 page.
            .wrap(from_fn(web::middleware::render_errors))
            .wrap(from_fn(web::middleware::security_headers))
            .wrap(from_fn(web::middleware::head_as_get))
            // Method and path only: a query string may hold what somebody typed into a search.
            .wrap(
                Logger::new("%a \"%{method}xi %U\" %s %b %Dms")
                    .custom_request_replace("method", |req| req.method().to_string())
                    .exclude("/healthz"),
            )
            .configure(web::routes)
            // (A page that does not exist keeps the signed-in operator's menu too: see
            // `frame_for_errors`.)
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
                    let now = state.clock.now();
                    db::tokens::purge(c, now)?;
                    db::sessions::purge_expired(c, now).map_err(AppError::from)
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
                // The interval, or less when the batch of uses is full.
                match weak.upgrade() {
                    Some(state) => state.verifier.usage.wait_for_batch(every),
                    None => break,
                }
                let Some(state) = weak.upgrade().filter(|s| s.running()) else {
                    break;
                };
                for e in state.verifier.flush(&state.pool, false) {
                    tracing::warn!(error = %e, "could not write; will retry");
                }
            }
        })
        .map_err(|e| StartError::Other(e.to_string()))?;
    // Webhooks: send what is due, with retries; a thread of its own, so a slow receiver
    // holds up neither mail nor the other background work.
    let weak = Arc::downgrade(&state);
    let every = Duration::from_millis(settings.mail_poll_ms.max(10));
    let (keys, private) = (
        state.webhook_keys.clone(),
        settings.webhook_private_addresses,
    );
    let (built, client_ready) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("webhook-delivery".into())
        .spawn(move || {
            // Built on this thread: the blocking client runs a runtime of its own, which may
            // be neither made nor dropped on an async one.
            let sender = match webhook::Sender::new(keys, private) {
                Ok(sender) => {
                    let _ = built.send(Ok(()));
                    sender
                }
                Err(e) => {
                    let _ = built.send(Err(e));
                    return;
                }
            };
            loop {
                std::thread::sleep(every);
                let Some(state) = weak.upgrade().filter(|s| s.running()) else {
                    break;
                };
                if let Err(e) = webhook::send_due(&sender, &state.pool, &state.clock) {
                    tracing::warn!(error = %e, "webhook worker could not read its queue; will retry");
                }
            }
        })
        .map_err(|e| StartError::Other(e.to_string()))?;
    client_ready
        .recv()
        .map_err(|e| StartError::Other(e.to_string()))?
        .map_err(StartError::Other)?;
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
                // Keys imported by another process (`keyward import`, another instance).
                let refreshed = db::with_conn(&state.pool, |c| {
                    state.verifier.refresh_imports(c).map_err(AppError::from)
                });
                if let Err(e) = refreshed {
                    tracing::warn!(error = %e, "could not read whether keys were imported");
                }
                // Reminders first, so they go out in this same tick.
                let reminded = db::with_conn(&state.pool, |c| {
                    changes::credentials::remind_expiring(c, now, state.settings.mail_policy())
                        .map_err(AppError::from)
                });
                match reminded {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(keys = n, "owners told their keys expire soon"),
                    Err(e) => {
                        tracing::warn!(error = %e, "could not queue expiry reminders; will retry")
                    }
                }
                // Keys whose expiry came: journalled once (and so sent to webhooks).
                let expired = db::with_conn(&state.pool, |c| {
                    changes::credentials::notice_expired(c, now, state.settings.mail_policy())
                        .map_err(AppError::from)
                });
                if let Err(e) = expired {
                    tracing::warn!(error = %e, "could not journal expired keys; will retry");
                }
                // Dormant keys: noticed, then deactivated a week later (accounts that want it).
                let swept = db::with_conn(&state.pool, |c| {
                    changes::credentials::sweep_dormant(c, now, state.settings.mail_policy())
                        .map_err(AppError::from)
                });
                match swept {
                    Ok((0, 0)) => {}
                    Ok((noticed, deactivated)) => {
                        tracing::info!(noticed, deactivated, "dormant keys")
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "could not sweep dormant keys; will retry")
                    }
                }
                // Read again: the steps above take round trips, and a notice "at most once
                // an hour" must be judged at the time it is given.
                let now = state.clock.now();
                // Keys used from a network new to them, as the last flushes found.
                let mut found = state.verifier.take_new_networks().into_iter();
                while let Some(n) = found.next() {
                    let told = db::with_conn(&state.pool, |c| {
                        let policy = state.settings.mail_policy();
                        let one = std::slice::from_ref(&n);
                        changes::credentials::notice_new_networks(c, now, policy, one)
                            .map_err(AppError::from)
                    });
                    if let Err(e) = told {
                        // This one and those after it: the ones told are not told twice.
                        tracing::warn!(error = %e, "could not tell of new networks; will retry");
                        let left = std::iter::once(n).chain(found).collect();
                        state.verifier.put_back_new_networks(left);
                        break;
                    }
                }
                // Canary keys presented since the last round: told at once.
                let mut canaries = state.verifier.take_canary_uses().into_iter();
                while let Some(seen) = canaries.next() {
                    let told = db::with_conn(&state.pool, |c| {
                        let policy = state.settings.mail_policy();
                        changes::credentials::canary_used(c, policy, &seen).map_err(AppError::from)
                    });
                    if let Err(e) = told {
                        tracing::warn!(error = %e, "could not tell of canary keys; will retry");
                        let left = std::iter::once(seen).chain(canaries).collect();
                        state.verifier.put_back_canary_uses(left);
                        break;
                    }
                }
                let closed = db::with_conn(&state.pool, |c| {
                    changes::credentials::close_ended_windows(c, now, state.settings.mail_policy())
                        .map_err(AppError::from)
                });
                if let Err(e) = closed {
                    tracing::warn!(error = %e, "could not close ended roll windows; will retry");
                }
                // Counters of ended rate-limit windows (PostgreSQL; empty on SQLite).
                let swept = db::with_conn(&state.pool, |c| {
                    auth::rate_limit::RateLimits::prune(c, now).map_err(AppError::from)
                });
                if let Err(e) = swept {
                    tracing::warn!(error = %e, "could not sweep old rate-limit counters");
                }
                let kept = chrono::Duration::days(i64::from(state.settings.usage_retention_days));
                let pruned = db::with_conn(&state.pool, |c| {
                    auth::key_usage::prune(c, now - kept).map_err(AppError::from)
                });
                if let Err(e) = pruned {
                    tracing::warn!(error = %e, "could not prune old key usage counts");
                }
                if let Err(e) = mail::send_due(&mailer, &state.pool, now) {
                    tracing::warn!(error = %e, "mail worker could not read the outbox; will retry");
                }
                // Cheap when nothing is old (an indexed range delete): so on every tick. Each
                // account keeps its journal as long as its settings say, else as the
                // process's setting says.
                let default = state.settings.audit_retention_days;
                let pruned = db::with_conn(&state.pool, |c| {
                    let mut removed = 0;
                    let mut kept: Vec<(Option<i32>, u32)> = Vec::new();
                    for (account, days) in changes::account::retentions(c, default)? {
                        kept.push((Some(account), days));
                    }
                    kept.extend(default.map(|days| (None, days)));
                    for (account, days) in kept {
                        let cutoff = now - chrono::Duration::days(i64::from(days));
                        removed += db::audit::prune(c, account, cutoff, now)?;
                    }
                    Ok::<_, AppError>(removed)
                });
                match pruned {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(rows = n, "audit journal pruned"),
                    Err(e) => tracing::warn!(error = %e, "could not prune the audit journal"),
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
