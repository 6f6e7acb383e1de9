//! Mixed load: 95% verifications with valid keys, 4% with wrong ones, 1% console page views
//! and edits by 10 signed-in administrators, for `KEYWARD_BENCH_SECONDS` (default 60) on
//! loopback. Prints p50/p99 per route, counts 5xx (must be zero) and checks that every edit
//! left its audit row. `cargo bench --bench mixed` (SQLite; KEYWARD_TEST_DATABASE_URL adds
//! PostgreSQL).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::prelude::*;
mod support;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn rss_kib() -> u64 {
    support::rss_kib("self")
}

type Samples = Arc<Mutex<HashMap<&'static str, (Vec<Duration>, usize)>>>;

async fn run(backend: &str, url: String, dir: &std::path::Path) {
    let seconds = env_or("KEYWARD_BENCH_SECONDS", 60u64);
    let (base, mut conn) = support::start(&url, dir);
    let secret = "S".repeat(32);
    let secret_hash = support::key_hash(dir, &secret);
    let ids: Vec<String> = (0..50).map(|i| format!("MixedKey{i:08}")).collect();
    for id in &ids {
        support::add_key(&mut conn, id, &secret_hash);
    }
    let mut admins = Vec::new();
    for _ in 0..10 {
        admins.push(support::sign_in(&base).await);
    }
    let admins = Arc::new(admins);
    let rss_idle = rss_kib();

    let samples: Samples = Arc::default();
    let edits = Arc::new(Mutex::new(0usize));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(32)
        .build()
        .expect("client");
    let mut tasks = Vec::new();
    for worker in 0..32usize {
        let (client, base, ids, secret, samples, admins, edits) = (
            client.clone(),
            base.clone(),
            ids.clone(),
            secret.clone(),
            samples.clone(),
            admins.clone(),
            edits.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut n = worker * 7919;
            while Instant::now() < deadline {
                n = n.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let pick = n % 100;
                let id = &ids[(n / 100) % ids.len()];
                let t = Instant::now();
                let (route, res) = if pick < 95 {
                    (
                        "whoami valid",
                        client
                            .get(format!("{base}/api/v1/whoami"))
                            .basic_auth(id, Some(&secret))
                            .send()
                            .await,
                    )
                } else if pick < 99 {
                    (
                        "whoami invalid",
                        client
                            .get(format!("{base}/api/v1/whoami"))
                            .basic_auth(id, Some("W".repeat(32)))
                            .send()
                            .await,
                    )
                } else {
                    let (admin, csrf) = &admins[(n / 7) % admins.len()];
                    if (n / 100) % 2 == 0 {
                        (
                            "console page",
                            admin
                                .get(format!("{base}/account/operators/1/api"))
                                .send()
                                .await,
                        )
                    } else {
                        let res = admin
                            .post(format!("{base}/rights/machines"))
                            .form(&[("csrf", csrf.as_str()), ("name", "Load machine")])
                            .send()
                            .await;
                        if res
                            .as_ref()
                            .is_ok_and(|r| r.status() == reqwest::StatusCode::SEE_OTHER)
                        {
                            *edits.lock().expect("lock") += 1;
                        }
                        ("console edit", res)
                    }
                };
                let server_error = match res {
                    Ok(r) => {
                        let e = r.status().is_server_error();
                        let _ = r.bytes().await;
                        e
                    }
                    Err(_) => true,
                };
                let mut s = samples.lock().expect("lock");
                let entry = s.entry(route).or_default();
                entry.0.push(t.elapsed());
                entry.1 += usize::from(server_error);
            }
        }));
    }
    let mut rss_peak = 0;
    while Instant::now() < deadline {
        rss_peak = rss_peak.max(rss_kib());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    for t in tasks {
        t.await.expect("task");
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    use keyward::db::schema::audit_events as a;
    let journalled: i64 = a::table
        .filter(a::action.eq("machine.created"))
        .count()
        .get_result(&mut conn)
        .expect("count");
    let edits = *edits.lock().expect("lock");

    println!("\n{backend}: mixed load for {seconds} s, 32 connections");
    println!(
        "{:<16} {:>9} {:>9} {:>9} {:>6}",
        "route", "requests", "p50 ms", "p99 ms", "5xx"
    );
    let mut total_5xx = 0;
    let mut s = samples.lock().expect("lock");
    let mut routes: Vec<_> = s.keys().copied().collect();
    routes.sort();
    for route in routes {
        let (lat, errors) = s.get_mut(route).expect("route");
        lat.sort();
        let q = |p: f64| {
            lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
                .copied()
                .unwrap_or_default()
                .as_secs_f64()
                * 1000.0
        };
        println!(
            "{:<16} {:>9} {:>9.2} {:>9.2} {:>6}",
            route,
            lat.len(),
            q(0.5),
            q(0.99),
            errors
        );
        total_5xx += *errors;
    }
    println!(
        "5xx: {total_5xx}; console edits {edits}, their audit rows {journalled} ({})",
        if edits as i64 == journalled {
            "none lost"
        } else {
            "MISMATCH"
        }
    );
    println!(
        "resident memory of this process (Keyward + load generator): idle {} MiB, under load up to {} MiB",
        rss_idle / 1024,
        rss_peak / 1024
    );
}

fn main() {
    support::on_each_backend(|backend, url, dir| async move { run(backend, url, &dir).await });
}
