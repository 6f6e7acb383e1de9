//! Verification throughput, as a ratio against a trivial endpoint of the same app in the
//! same run. `cargo bench --bench verify` (SQLite; set KEYWARD_TEST_DATABASE_URL to add
//! PostgreSQL). Knobs: KEYWARD_BENCH_SECONDS (per scenario, default 5),
//! KEYWARD_BENCH_CONNECTIONS (default 32), KEYWARD_BENCH_LARGE (rows for the scale run,
//! default 1000000).

mod support;

use std::sync::Arc;
use std::time::Instant;

use diesel::connection::SimpleConnection;
use keyward::db::DbConn;
use support::{MakeRequest, env_or, load, print};

/// Adds filler credentials (same hash, distinct ids) until the table holds `total` rows.
fn fill(conn: &mut DbConn, total: u64) {
    let sql = match conn {
        DbConn::Sqlite(_) => format!(
            "WITH RECURSIVE n(x) AS (SELECT (SELECT COUNT(*) FROM credentials) + 1 UNION ALL SELECT x + 1 FROM n WHERE x < {total}) \
             INSERT INTO credentials (account_id, public_id, secret_hash, label, operator_id, active, created_at, usage_tracked) \
             SELECT 1, printf('F%015d', x), (SELECT secret_hash FROM credentials LIMIT 1), 'filler', 1, 1, '2026-01-01 00:00:00', 1 FROM n"
        ),
        DbConn::Postgres(_) => format!(
            "INSERT INTO credentials (account_id, public_id, secret_hash, label, operator_id, active, created_at, usage_tracked) \
             SELECT 1, 'F' || lpad(x::text, 15, '0'), (SELECT secret_hash FROM credentials LIMIT 1), 'filler', 1, TRUE, '2026-01-01 00:00:00', TRUE \
             FROM generate_series((SELECT COUNT(*) FROM credentials) + 1, {total}) AS x; ANALYZE credentials"
        ),
    };
    conn.batch_execute(&sql).expect("fill");
}

async fn bench(backend: &str, url: String, data_dir: &std::path::Path) {
    let (seconds, connections, large) = (
        env_or("KEYWARD_BENCH_SECONDS", 5u64),
        env_or("KEYWARD_BENCH_CONNECTIONS", 32usize),
        env_or("KEYWARD_BENCH_LARGE", 1_000_000u64),
    );
    // One operator with one known key.
    let (base, mut conn) = support::start(&url, data_dir);
    let secret = "S".repeat(32);
    let id = "BenchKey00000001";
    support::add_key(
        &mut conn,
        id,
        &keyward::auth::password::hash(&secret).expect("hash"),
    );
    fill(&mut conn, 1_000);

    let token = format!("kwd_{id}_{secret}");
    let scenarios = |base: String, token: String| -> Vec<(&'static str, MakeRequest)> {
        let (b1, b2, b3, b4) = (base.clone(), base.clone(), base.clone(), base);
        let (t2, t3) = (token.clone(), token);
        vec![
            (
                "(a) GET /livez (ceiling)",
                Arc::new(move |c: &reqwest::Client| c.get(format!("{b1}/livez"))),
            ),
            (
                "(b) GET /api/v1/whoami, valid key",
                Arc::new(move |c: &reqwest::Client| {
                    c.get(format!("{b2}/api/v1/whoami")).bearer_auth(&t2)
                }),
            ),
            (
                "(c) GET /auth/forward, valid key",
                Arc::new(move |c: &reqwest::Client| {
                    c.get(format!("{b3}/auth/forward")).bearer_auth(&t3)
                }),
            ),
            (
                "(d) GET /api/v1/whoami, wrong key",
                Arc::new(move |c: &reqwest::Client| {
                    c.get(format!("{b4}/api/v1/whoami"))
                        .bearer_auth(format!("kwd_BenchKey00000001_{}", "W".repeat(32)))
                }),
            ),
        ]
    };
    let mut outcomes = Vec::new();
    for (name, make) in scenarios(base.clone(), token.clone()) {
        outcomes.push(load(name, connections, seconds, make).await);
    }
    print(backend, 1_001, &outcomes);
    let ratio = outcomes[1].rps / outcomes[0].rps;
    println!("ratio (b)/(a) = {ratio:.2}");

    let started = Instant::now();
    fill(&mut conn, large);
    println!(
        "\n(filled to {large} credentials in {:.1} s)",
        started.elapsed().as_secs_f64()
    );
    let mut scaled = Vec::new();
    for (name, make) in scenarios(base, token).into_iter().take(2) {
        scaled.push(load(name, connections, seconds, make).await);
    }
    print(backend, large + 1, &scaled);
    println!(
        "ratio (b)/(a) = {:.2}; whoami at {large} vs 1,000 rows: {:.2}x the req/s",
        scaled[1].rps / scaled[0].rps,
        scaled[1].rps / outcomes[1].rps
    );
}

fn main() {
    support::on_each_backend(|backend, url, dir| async move { bench(backend, url, &dir).await });
}
