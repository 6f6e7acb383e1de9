//! The audit page with a one-page journal and with 1,000,000 rows: the first page and the
//! 1,000th (keyset: "older than row N"), as a ratio against the one-page journal in the same
//! run (the same 50 rows to render either way).
//! `cargo bench --bench audit_scale` (KEYWARD_BENCH_ROWS to change the size).

mod support;

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use keyward::db::DbConn;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn time(client: &reqwest::Client, url: &str) -> Duration {
    let mut samples = Vec::new();
    for _ in 0..21 {
        let t = Instant::now();
        let res = client.get(url).send().await.expect("get");
        assert!(res.status().is_success(), "{url}: {}", res.status());
        let _ = res.bytes().await;
        samples.push(t.elapsed());
    }
    median(samples)
}

fn fill(conn: &mut DbConn, rows: u64) {
    let sql = match conn {
        DbConn::Sqlite(_) => format!(
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {rows}) \
             INSERT INTO audit_events (account_id, at, actor_kind, actor_id, actor_name, actor_ip, action, target_kind, target_id, target_name, changes) \
             SELECT 1, datetime('2026-01-01', '+' || x || ' seconds'), 'operator', 1, 'Bench', '127.0.0.1', 'credential.created', 'credential', printf('F%015d', x), 'filler', '' FROM n"
        ),
        DbConn::Postgres(_) => format!(
            "INSERT INTO audit_events (account_id, at, actor_kind, actor_id, actor_name, actor_ip, action, target_kind, target_id, target_name, changes) \
             SELECT 1, TIMESTAMP '2026-01-01' + x * INTERVAL '1 second', 'operator', 1, 'Bench', '127.0.0.1', 'credential.created', 'credential', 'F' || lpad(x::text, 15, '0'), 'filler', '' \
             FROM generate_series(1, {rows}) AS x; ANALYZE audit_events"
        ),
    };
    conn.batch_execute(&sql).expect("fill");
}

async fn run(backend: &str, url: String, dir: &std::path::Path) {
    let rows: u64 = std::env::var("KEYWARD_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let (base, mut conn) = support::start(&url, dir);
    let (client, _) = support::sign_in(&base).await;

    // The baseline is a journal of one page (60 rows): the same 50 rows to render.
    fill(&mut conn, 60);
    let empty_first = time(&client, &format!("{base}/audit")).await;
    let empty_filtered = time(&client, &format!("{base}/audit?action=credential.created")).await;
    let started = Instant::now();
    fill(&mut conn, rows);
    let filled_in = started.elapsed();
    let full_first = time(&client, &format!("{base}/audit")).await;
    // The 1,000th page of 50 rows: rows older than the 49,950th newest.
    let deep = rows as i64 - 49_950;
    let full_deep = time(&client, &format!("{base}/audit?before={deep}")).await;
    let full_filtered = time(
        &client,
        &format!("{base}/audit?action=credential.created&before={deep}"),
    )
    .await;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "\n{backend}: audit page, median of 21 requests ({rows} rows added in {:.1} s)",
        filled_in.as_secs_f64()
    );
    println!(
        "  one page of rows, first page           {:>8.2} ms",
        ms(empty_first)
    );
    println!(
        "  one page of rows, filtered by action    {:>8.2} ms",
        ms(empty_filtered)
    );
    println!(
        "  {rows} rows, first page              {:>8.2} ms  ({:.2}x)",
        ms(full_first),
        ms(full_first) / ms(empty_first)
    );
    println!(
        "  {rows} rows, 1,000th page            {:>8.2} ms  ({:.2}x)",
        ms(full_deep),
        ms(full_deep) / ms(empty_first)
    );
    println!(
        "  {rows} rows, 1,000th page, by action {:>8.2} ms  ({:.2}x)",
        ms(full_filtered),
        ms(full_filtered) / ms(empty_filtered)
    );
}

fn main() {
    support::on_each_backend(|backend, url, dir| async move { run(backend, url, &dir).await });
}
