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
}

/// `connections` keep-alive clients hammer one request for `seconds`.
pub async fn load(name: &str, connections: usize, seconds: u64, make: MakeRequest) -> Outcome {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()
        .expect("client");
    // Warm up: open the connections, fill caches.
    for _ in 0..connections {
        let _ = make(&client).send().await;
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (client, make) = (client.clone(), make.clone());
        tasks.push(tokio::spawn(async move {
            let (mut latencies, mut errors) = (Vec::new(), 0usize);
            while Instant::now() < deadline {
                let t = Instant::now();
                match make(&client).send().await {
                    Ok(res)
                        if res.status().is_success()
                            || res.status() == reqwest::StatusCode::UNAUTHORIZED =>
                    {
                        let _ = res.bytes().await;
                        latencies.push(t.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let (mut all, mut errors) = (Vec::new(), 0);
    for task in tasks {
        let (l, e) = task.await.expect("task");
        all.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
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
