//! Pages at scale, each as a ratio against the same page over a small database in the same
//! run (the same 50 rows to render either way):
//! - the API management tab of an operator with 10,000 keys among 1,000,000 stored
//!   (first page, 100th page, a label search, an id search) against an operator with 100
//!   (first page, second page);
//! - `GET /api/v1/credentials?limit=50` for that operator: the first page, and the 101st
//!   reached by following `next`, against the first page of the operator with 100;
//! - the audit page with 1,000,000 journal rows (first and 1,000th page, keyset "older than
//!   row N") against a one-page journal.
//!
//! `cargo bench --bench scale`; KEYWARD_BENCH_KEYS (default 1000000, of which 10,000 are the
//! operator's) and KEYWARD_BENCH_ROWS (audit rows, default 1000000) change the sizes.

mod support;

use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use keyward::db::DbConn;
use support::env_or;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn time(client: &reqwest::Client, url: &str) -> Duration {
    // Warm: the first requests after a bulk load read cold pages; those are not the page's cost.
    for _ in 0..5 {
        let _ = client.get(url).send().await.expect("get").bytes().await;
    }
    let mut samples = Vec::new();
    for _ in 0..31 {
        let t = Instant::now();
        let res = client.get(url).send().await.expect("get");
        assert!(res.status().is_success(), "{url}: {}", res.status());
        let _ = res.bytes().await;
        samples.push(t.elapsed());
    }
    median(samples)
}

/// Rows `from..=to` of a numbered series, as SQL for either backend: `{x}` is the number.
fn series_insert(conn: &mut DbConn, from: u64, to: u64, sqlite: &str, postgres: &str) {
    let sql = match conn {
        DbConn::Sqlite(_) => format!(
            "WITH RECURSIVE n(x) AS (SELECT {from} UNION ALL SELECT x + 1 FROM n WHERE x < {to}) {sqlite}"
        ),
        DbConn::Postgres(_) => {
            postgres.replace("{series}", &format!("generate_series({from}, {to}) AS x"))
        }
    };
    conn.batch_execute(&sql).expect("fill");
    // What the database does by itself soon after a bulk load, done now so that it does not
    // run during the measurements: statistics, the visibility map that lets index scans skip
    // the table (PostgreSQL), and writing the loaded pages out (a checkpoint).
    let settle = match conn {
        DbConn::Postgres(_) => "VACUUM ANALYZE; CHECKPOINT",
        DbConn::Sqlite(_) => "PRAGMA wal_checkpoint(TRUNCATE)",
    };
    for statement in settle.split("; ") {
        // One call each: VACUUM may not run inside the transaction a batch would open.
        conn.batch_execute(statement).expect("settle");
    }
}

/// Keys `from..=to`: labels "Key N", ids "B" + 15 digits, for `owner_column` = `owner`.
fn fill_keys(conn: &mut DbConn, from: u64, to: u64, owner_column: &str, owner: i32) {
    series_insert(
        conn,
        from,
        to,
        &format!(
            "INSERT INTO credentials (account_id, public_id, secret_hash, label, {owner_column}, active, created_at, usage_tracked) \
             SELECT 1, printf('B%015d', x), 'x', 'Key ' || x, {owner}, 1, datetime('2026-01-01', '+' || x || ' seconds'), 1 FROM n"
        ),
        &format!(
            "INSERT INTO credentials (account_id, public_id, secret_hash, label, {owner_column}, active, created_at, usage_tracked) \
             SELECT 1, 'B' || lpad(x::text, 15, '0'), 'x', 'Key ' || x, {owner}, true, TIMESTAMP '2026-01-01' + x * INTERVAL '1 second', true FROM {{series}}"
        ),
    );
}

fn fill_audit(conn: &mut DbConn, rows: u64) {
    series_insert(
        conn,
        1,
        rows,
        "INSERT INTO audit_events (account_id, at, actor_kind, actor_id, actor_name, actor_ip, action, target_kind, target_id, target_name, changes) \
         SELECT 1, datetime('2026-01-01', '+' || x || ' seconds'), 'operator', 1, 'Bench', '127.0.0.1', 'credential.created', 'credential', printf('F%015d', x), 'filler', '' FROM n",
        "INSERT INTO audit_events (account_id, at, actor_kind, actor_id, actor_name, actor_ip, action, target_kind, target_id, target_name, changes) \
         SELECT 1, TIMESTAMP '2026-01-01' + x * INTERVAL '1 second', 'operator', 1, 'Bench', '127.0.0.1', 'credential.created', 'credential', 'F' || lpad(x::text, 15, '0'), 'filler', '' FROM {series}",
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn line(what: &str, took: Duration, baseline: Duration) {
    println!(
        "  {what:<52} {:>8.2} ms  ({:.2}x)",
        ms(took),
        ms(took) / ms(baseline)
    );
}

async fn run(backend: &str, url: String, dir: &std::path::Path) {
    let keys = env_or("KEYWARD_BENCH_KEYS", 1_000_000u64).max(10_000);
    let rows = env_or("KEYWARD_BENCH_ROWS", 1_000_000u64).max(50_000);
    let (base, mut conn) = support::start(&url, dir);
    let (client, _) = support::sign_in(&base).await;
    conn.batch_execute(
        "INSERT INTO machines (account_id, name, description, created_at) \
         VALUES (1, 'Bulk', '', '2026-01-01 00:00:00')",
    )
    .expect("machine");
    let tab = format!("{base}/account/operators/1/api");
    // The administrator's API key, made now, so it is the last of their keys.
    let secret = "S".repeat(32);
    let hash = support::key_hash(dir, &secret);
    support::add_key(&mut conn, "ScaleApiKey00001", &hash);
    let mut headers = reqwest::header::HeaderMap::new();
    let bearer = format!("Bearer kwd_ScaleApiKey00001_{secret}");
    headers.insert(
        reqwest::header::AUTHORIZATION,
        bearer.parse().expect("header"),
    );
    let api_client = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .expect("client");
    let api = format!("{base}/api/v1/credentials?limit=50");

    // Baselines: 100 keys (two full pages), a one-page journal (60 rows).
    fill_keys(&mut conn, 1, 99, "operator_id", 1);
    fill_audit(&mut conn, 60);
    let api_small = time(&api_client, &api).await;
    let small = [
        time(&client, &tab).await,
        time(&client, &format!("{tab}?page=2")).await,
        time(&client, &format!("{tab}?q=key+1")).await,
        time(&client, &format!("{tab}?q=B0000000000000")).await,
        time(&client, &format!("{base}/audit")).await,
        time(&client, &format!("{base}/audit?action=credential.created")).await,
    ];

    let started = Instant::now();
    fill_keys(&mut conn, 100, 9_999, "operator_id", 1);
    fill_keys(&mut conn, 10_000, keys, "machine_id", 1);
    let keys_in = started.elapsed();
    let started = Instant::now();
    fill_audit(&mut conn, rows);
    let rows_in = started.elapsed();
    let deep = rows as i64 - 49_950;
    let api_first = time(&api_client, &api).await;
    // The 101st page: rows 5,001 to 5,050, where a client paging through gets to.
    let mut after = String::new();
    for _ in 0..100 {
        let page: serde_json::Value = api_client
            .get(format!("{api}{after}"))
            .send()
            .await
            .expect("api page")
            .json()
            .await
            .expect("json");
        after = format!("&after={}", page["next"].as_str().expect("a next page"));
    }
    let api_deep = time(&api_client, &format!("{api}{after}")).await;
    let large = [
        time(&client, &tab).await,
        time(&client, &format!("{tab}?page=100")).await,
        time(&client, &format!("{tab}?q=key+1")).await,
        time(&client, &format!("{tab}?q=B0000000000099")).await,
        time(&client, &format!("{base}/audit")).await,
        time(&client, &format!("{base}/audit?before={deep}")).await,
        time(
            &client,
            &format!("{base}/audit?action=credential.created&before={deep}"),
        )
        .await,
    ];

    println!(
        "\n{backend}: median of 31 requests; {keys} keys stored in {:.1} s, {rows} audit rows in {:.1} s",
        keys_in.as_secs_f64(),
        rows_in.as_secs_f64()
    );
    println!(
        "  baseline: API management tab, 100 keys         {:>8.2} ms",
        ms(small[0])
    );
    line("tab, 10,000 keys, first page", large[0], small[0]);
    line("tab, 10,000 keys, 100th page", large[1], small[1]);
    line(
        "tab, 10,000 keys, search by label (\"key 1\")",
        large[2],
        small[2],
    );
    line("tab, 10,000 keys, search by id prefix", large[3], small[3]);
    println!(
        "  baseline: GET /api/v1/credentials, 100 keys     {:>8.2} ms",
        ms(api_small)
    );
    line("API list, 10,000 keys, first page", api_first, api_small);
    line("API list, 10,000 keys, 101st page", api_deep, api_small);
    println!(
        "  baseline: audit page, one page of rows          {:>8.2} ms",
        ms(small[4])
    );
    line(
        &format!("audit, {rows} rows, first page"),
        large[4],
        small[4],
    );
    line(
        &format!("audit, {rows} rows, 1,000th page"),
        large[5],
        small[4],
    );
    line(
        &format!("audit, {rows} rows, 1,000th page by action"),
        large[6],
        small[5],
    );
}

fn main() {
    support::on_each_backend(|backend, url, dir| async move { run(backend, url, &dir).await });
}
