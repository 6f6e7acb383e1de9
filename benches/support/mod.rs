//! What the benchmarks share: the backends to run on, the administrator they seed, signing in.
#![allow(dead_code)]

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use keyward::db::{self, DatabaseUrl, DbConn, operators::NewOperatorInput};

pub const EMAIL: &str = "bench@example.org";
pub const PASSWORD: &str = "benchmark password";

/// Runs `bench` on a fresh SQLite file, then on a fresh PostgreSQL database when
/// `KEYWARD_TEST_DATABASE_URL` is set.
pub fn on_each_backend<F, Fut>(bench: F)
where
    F: Fn(&'static str, String, PathBuf) -> Fut,
    Fut: Future<Output = ()>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        bench("SQLite", dir.path().join("bench.db").display().to_string(), dir.path().to_path_buf()).await;
        let Ok(base) = std::env::var("KEYWARD_TEST_DATABASE_URL") else {
            println!("\nPostgreSQL not measured: set KEYWARD_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test");
            return;
        };
        let base = base.split('?').next().unwrap_or(&base).to_owned();
        let name = format!("keyward_bench_{}", std::process::id());
        let mut admin = db::connect(&DatabaseUrl::parse(&base)).expect("connect");
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).expect("drop");
        admin.batch_execute(&format!("CREATE DATABASE {name}")).expect("create");
        let root = base.rsplit_once('/').map_or(base.as_str(), |(r, _)| r);
        let pg_dir = tempfile::tempdir().expect("tempdir");
        bench("PostgreSQL", format!("{root}/{name}?sslmode=disable"), pg_dir.path().to_path_buf()).await;
        let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    });
}

/// Starts Keyward on `url` as the benchmarks want it (every core, no failure throttling, a
/// larger pool), seeds the administrator, and returns its address and a direct connection.
pub fn start(url: &str, dir: &std::path::Path) -> (String, DbConn) {
    let mut settings = keyward::config::Settings::for_data_dir(dir.to_path_buf());
    settings.database_url = Some(url.to_owned());
    settings.workers = None;
    settings.auth_failure_limit = u32::MAX;
    settings.db_pool_size = 16;
    let app = keyward::build(settings).expect("start");
    let base = format!("http://{}", app.addr);
    tokio::spawn(app.server);
    let mut conn = db::connect(&DatabaseUrl::parse(url)).expect("connect");
    seed_admin(&mut conn);
    (base, conn)
}

/// The organisation and its administrator (`EMAIL`, `PASSWORD`).
pub fn seed_admin(conn: &mut DbConn) {
    let hash = keyward::auth::password::hash(PASSWORD).expect("hash");
    let input = NewOperatorInput {
        email: EMAIL,
        name: "Bench",
        password_hash: &hash,
        language: "en",
        admin: true,
    };
    db::operators::first_run_setup(conn, "Bench", &input, chrono::Utc::now().naive_utc())
        .expect("setup");
}

/// A working key of the administrator's, with this public id and secret hash.
pub fn add_key(conn: &mut DbConn, public_id: &str, secret_hash: &str) {
    let input = db::credentials::NewCredentialInput {
        account_id: 1,
        owner: db::credentials::OwnerRef::Operator(1),
        public_id,
        secret_hash,
        label: "bench",
        created_by: None,
        expires_at: None,
        allowed_from: "",
        scopes: "",
        rate_limit: None,
        notify_new_network: None,
        canary: false,
    };
    db::credentials::create(conn, &input, chrono::Utc::now().naive_utc()).expect("key");
}

/// A signed-in administrator's client, and the CSRF token of its session.
pub async fn sign_in(base: &str) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let csrf = |body: &str| {
        body.split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|v| v.split('"').next())
            .unwrap_or("")
            .to_owned()
    };
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login")
        .text()
        .await
        .expect("body");
    let token = csrf(&page);
    client
        .post(format!("{base}/login"))
        .form(&[
            ("csrf", token.as_str()),
            ("email", EMAIL),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("sign in");
    let page = client
        .get(format!("{base}/rights/machines"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    (client, csrf(&page))
}

pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Builds one request of a scenario.
pub type MakeRequest = Arc<dyn Fn(&reqwest::Client) -> reqwest::RequestBuilder + Send + Sync>;

pub struct Outcome {
    pub name: String,
    pub requests: usize,
    pub errors: usize,
    pub rps: f64,
    pub p50: Duration,
    pub p99: Duration,
    /// Largest resident size of the server process seen during the run, KiB (0: not watched).
    pub rss_max_kib: u64,
    /// How many answers were 401.
    pub refused: usize,
}

/// `connections` keep-alive clients hammer one request for `seconds`.
pub async fn load(name: &str, connections: usize, seconds: u64, make: MakeRequest) -> Outcome {
    let nth: MakeNth = Arc::new(move |c: &reqwest::Client, _| make(c));
    run_load(name, connections, Until::Seconds(seconds), nth, None, None).await
}

/// Builds request number `n` of a run (0, 1, 2, … across all connections).
pub type MakeNth = Arc<dyn Fn(&reqwest::Client, u64) -> reqwest::RequestBuilder + Send + Sync>;

/// How long a run lasts.
#[derive(Clone, Copy)]
pub enum Until {
    Seconds(u64),
    /// Exactly this many requests in all.
    Requests(u64),
}

/// `connections` keep-alive clients send requests `make(n)` until `until`. Before the clock
/// starts each connection is opened with `warm` (default: the run's own first requests).
/// 2xx and 401 are answers; anything else is an error. With `watch`, the resident size of
/// that process is sampled every 50 ms.
pub async fn run_load(
    name: &str,
    connections: usize,
    until: Until,
    make: MakeNth,
    warm: Option<MakeRequest>,
    watch: Option<u32>,
) -> Outcome {
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .expect("client");
    let warm_all: Vec<_> = (0..connections)
        .map(|i| {
            let client = client.clone();
            let request = match &warm {
                Some(w) => w(&client),
                None => make(&client, i as u64),
            };
            async move {
                let _ = request.send().await;
            }
        })
        .collect();
    for w in warm_all {
        w.await;
    }
    let next = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let rss_max = Arc::new(AtomicU64::new(0));
    let sampler = watch.map(|pid| {
        let (done, rss_max) = (done.clone(), rss_max.clone());
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                rss_max.fetch_max(rss_kib(&pid.to_string()), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    });
    let deadline = match until {
        Until::Seconds(s) => Some(Instant::now() + Duration::from_secs(s)),
        Until::Requests(_) => None,
    };
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (client, make, next) = (client.clone(), make.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let (mut latencies, mut errors, mut refused) = (Vec::new(), 0usize, 0usize);
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                match (deadline, until) {
                    (Some(d), _) if Instant::now() >= d => break,
                    (None, Until::Requests(max)) if n >= max => break,
                    _ => {}
                }
                let t = Instant::now();
                match make(&client, n).send().await {
                    Ok(res)
                        if res.status().is_success()
                            || res.status() == reqwest::StatusCode::UNAUTHORIZED =>
                    {
                        refused += usize::from(res.status() == reqwest::StatusCode::UNAUTHORIZED);
                        let _ = res.bytes().await;
                        latencies.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors, refused)
        }));
    }
    let (mut all, mut errors, mut refused) = (Vec::new(), 0, 0);
    for task in tasks {
        let (l, e, r) = task.await.expect("task");
        all.extend(l);
        errors += e;
        refused += r;
    }
    let elapsed = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    if let Some(sampler) = sampler {
        let _ = sampler.await;
    }
    all.sort();
    let pick = |q: f64| {
        all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Outcome {
        name: name.into(),
        requests: all.len(),
        errors,
        rps: all.len() as f64 / elapsed,
        p50: pick(0.50),
        p99: pick(0.99),
        rss_max_kib: rss_max.load(Ordering::Relaxed),
        refused,
    }
}

pub fn print(backend: &str, rows: u64, outcomes: &[Outcome]) {
    println!("\n{backend}, {rows} credentials stored");
    println!(
        "{:<34} {:>9} {:>10} {:>9} {:>9} {:>7}",
        "scenario", "requests", "req/s", "p50 ms", "p99 ms", "errors"
    );
    for o in outcomes {
        println!(
            "{:<34} {:>9} {:>10.0} {:>9.2} {:>9.2} {:>7}",
            o.name,
            o.requests,
            o.rps,
            o.p50.as_secs_f64() * 1000.0,
            o.p99.as_secs_f64() * 1000.0,
            o.errors
        );
    }
}

/// The keyed hash the Keyward started on `dir` stores for `secret` (its pepper comes from
/// the secret key it generated there, or from `KEYWARD_SECRET_KEY`).
pub fn key_hash(dir: &std::path::Path, secret: &str) -> String {
    let settings = keyward::config::Settings::for_data_dir(dir.to_path_buf());
    hasher(&settings).hash(secret)
}

pub fn hasher(settings: &keyward::config::Settings) -> keyward::auth::secret_hash::SecretHasher {
    let material = keyward::load_or_create_secret(settings).expect("secret key");
    keyward::secret_hasher(settings, &material).expect("hasher")
}

/// The secret key the benchmarks give every `keyward serve` process they start.
pub const PROCESS_SECRET_KEY: &str = "keyward-benchmark-secret-key-0123456789abcdef";

/// Key number `i` of a population of distinct keys: its public id and its own secret,
/// derived from `i` so a load generator can present any of a million without storing them.
/// The bearer token of key `i` of the population.
pub fn bearer(i: u64) -> String {
    use keyward::domain::credential::{Secret, token};
    let (id, secret) = population_key(i);
    token(&id, &Secret::new(secret)).expose().to_owned()
}

/// A cheap mix of n (splitmix64): every request a different key, spread evenly over 1..=keys.
pub fn spread(n: u64, keys: u64) -> u64 {
    let mut z = n.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    1 + (z ^ (z >> 31)) % keys
}

pub fn population_key(i: u64) -> (String, String) {
    use hmac::{Hmac, Mac};
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(b"bench").expect("key");
    mac.update(&i.to_le_bytes());
    let bytes = mac.finalize().into_bytes();
    let secret: String = bytes
        .iter()
        .chain(bytes.iter().rev())
        .take(32)
        .map(|b| ALPHABET[usize::from(*b) % 62] as char)
        .collect();
    (format!("P{i:015}"), secret)
}

/// Stores keys `from..=to` of the population for the administrator (operator 1), each with
/// its own keyed hash, a few thousand rows per statement.
pub fn fill_population(
    conn: &mut DbConn,
    hasher: &keyward::auth::secret_hash::SecretHasher,
    from: u64,
    to: u64,
) {
    let mut i = from;
    while i <= to {
        let end = (i + 4_999).min(to);
        let rows: Vec<String> = (i..=end)
            .map(|n| {
                let (id, secret) = population_key(n);
                format!(
                    "(1, '{id}', '{}', 'population', 1, {}, '2026-01-01 00:00:00', {})",
                    hasher.hash(&secret),
                    if matches!(conn, DbConn::Sqlite(_)) {
                        "1"
                    } else {
                        "TRUE"
                    },
                    if matches!(conn, DbConn::Sqlite(_)) {
                        "1"
                    } else {
                        "TRUE"
                    },
                )
            })
            .collect();
        conn.batch_execute(&format!(
            "INSERT INTO credentials (account_id, public_id, secret_hash, label, operator_id, active, created_at, usage_tracked) VALUES {}",
            rows.join(",")
        ))
        .expect("fill");
        i = end + 1;
    }
    if matches!(conn, DbConn::Postgres(_)) {
        conn.batch_execute("ANALYZE credentials").expect("analyze");
    } else {
        conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")
            .expect("checkpoint");
    }
}

/// One `keyward serve` process (the release binary), stopped when dropped.
pub struct Server {
    pub child: std::process::Child,
    pub base: String,
}

impl Server {
    /// Starts `keyward serve` on `url` with the benchmarks' secret key and no failure limits,
    /// plus `env`, and waits until it answers.
    pub async fn start(url: &str, dir: &std::path::Path, env: &[(&str, &str)]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_keyward"));
        command
            .arg("serve")
            .env("KEYWARD_DATABASE_URL", url)
            .env("KEYWARD_BIND", format!("127.0.0.1:{port}"))
            .env("KEYWARD_DATA_DIR", dir)
            .env("KEYWARD_SECRET_KEY", PROCESS_SECRET_KEY)
            .env("KEYWARD_DB_POOL_SIZE", "16")
            .env("KEYWARD_AUTH_FAILURE_LIMIT", "4000000000")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        for (name, value) in env {
            command.env(name, value);
        }
        let server = Server {
            child: command.spawn().expect("keyward serve"),
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while client
            .get(format!("{}/livez", server.base))
            .send()
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "{} did not start", server.base);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        server
    }

    /// Resident memory of the process, KiB.
    pub fn rss_kib(&self) -> u64 {
        rss_kib(&self.child.id().to_string())
    }

    /// The settings the process runs with, for computing its keys' hashes here.
    pub fn settings(dir: &std::path::Path) -> keyward::config::Settings {
        let mut settings = keyward::config::Settings::for_data_dir(dir.to_path_buf());
        settings.secret_key = Some(PROCESS_SECRET_KEY.to_owned());
        settings
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Resident memory of a process (`self` for this one), KiB, from `/proc/PID/status`.
pub fn rss_kib(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
