//! What counting costs on a population: many distinct keys, each with its own secret, on the
//! real `keyward serve` binary. Two questions of issue 17, each a ratio of two scenarios of
//! the same run (rounds interleaved, each scenario's median round reported):
//!
//! - **usage writes**: `whoami` spread at random over KEYS plain keys on a process that
//!   writes its counts (usage and last used) every second, against the same on a process
//!   that writes none during the run (flush interval of an hour) — target ≥ 0.95;
//! - **scopes and limits**: `whoami` spread at random over KEYS other keys that each carry
//!   scopes and a rate limit of their own (1,000 a minute: never reached, so every use is
//!   counted against its own window — on PostgreSQL a lease taken per key and window),
//!   against the plain keys, both on the writing process — target ≥ 0.85.
//!
//! `cargo bench --bench usage` (SQLite; set KEYWARD_TEST_DATABASE_URL to add PostgreSQL).
//! Knobs: KEYWARD_BENCH_KEYS (keys of each kind, default 20000), KEYWARD_BENCH_SECONDS
//! (default 3), KEYWARD_BENCH_ROUNDS (default 3), KEYWARD_BENCH_CONNECTIONS (default 32).

mod support;

use std::sync::Arc;

use support::{
    MakeNth, MakeRequest, Outcome, Server, Until, bearer, env_or, population_key, run_load, spread,
};

async fn bench(backend: &str, url: String, dir: &std::path::Path) {
    let (seconds, connections, keys) = (
        env_or("KEYWARD_BENCH_SECONDS", 3u64),
        env_or("KEYWARD_BENCH_CONNECTIONS", 32usize),
        env_or("KEYWARD_BENCH_KEYS", 20_000u64).max(100),
    );
    let rounds_count = env_or("KEYWARD_BENCH_ROUNDS", 3usize).max(1);
    let settings = {
        let mut s = Server::settings(dir);
        s.database_url = Some(url.clone());
        s
    };
    keyward::prepare_database(&settings).expect("migrate");
    let mut conn = keyward::db::connect(&keyward::db::DatabaseUrl::parse(&url)).expect("connect");
    support::seed_admin(&mut conn);
    support::fill_population(&mut conn, &support::hasher(&settings), 1, 2 * keys);
    {
        // Keys keys+1 ..= 2·keys carry scopes and a limit of their own.
        use diesel::prelude::*;
        use keyward::db::schema::credentials as c;
        let (from, to) = (population_key(keys + 1).0, population_key(2 * keys).0);
        diesel::update(c::table.filter(c::public_id.between(from, to)))
            .set((
                c::scopes.eq("billing:read keyward:credentials:read keyward:verify"),
                c::rate_limit.eq(Some(1_000)),
                c::rate_window.eq(Some(60)),
            ))
            .execute(&mut conn)
            .expect("limit the second half");
    }
    println!("\n{backend}: {keys} plain keys and {keys} keys with scopes and a limit");

    let writing = Server::start(&url, dir, &[("KEYWARD_LAST_USED_FLUSH_MS", "1000")]).await;
    let quiet = Server::start(&url, dir, &[("KEYWARD_LAST_USED_FLUSH_MS", "3600000")]).await;
    let scenario = |server: &Server, first: u64| -> (MakeNth, MakeRequest) {
        let base = server.base.clone();
        let warm: MakeRequest = {
            let base = base.clone();
            Arc::new(move |c: &reqwest::Client| c.get(format!("{base}/livez")))
        };
        let make: MakeNth = Arc::new(move |c: &reqwest::Client, n| {
            c.get(format!("{base}/api/v1/whoami"))
                .bearer_auth(bearer(first - 1 + spread(n, keys)))
        });
        (make, warm)
    };
    let scenarios = [
        (
            "plain keys, no writes during the run",
            scenario(&quiet, 1),
            &quiet,
        ),
        (
            "plain keys, counts written every 1 s",
            scenario(&writing, 1),
            &writing,
        ),
        (
            "scoped + limited keys, written every 1 s",
            scenario(&writing, keys + 1),
            &writing,
        ),
    ];
    let mut rounds: Vec<Vec<Outcome>> = scenarios.iter().map(|_| Vec::new()).collect();
    for _ in 0..rounds_count {
        for (i, (name, (make, warm), server)) in scenarios.iter().enumerate() {
            rounds[i].push(
                run_load(
                    name,
                    connections,
                    Until::Seconds(seconds),
                    make.clone(),
                    Some(warm.clone()),
                    Some(server.child.id()),
                )
                .await,
            );
        }
    }
    let outcomes: Vec<Outcome> = rounds
        .into_iter()
        .map(|mut r| {
            r.sort_by(|x, y| x.rps.total_cmp(&y.rps));
            let median = r.len() / 2;
            r.swap_remove(median)
        })
        .collect();
    println!(
        "{:<44} {:>9} {:>10} {:>8} {:>8} {:>7} {:>6}",
        "scenario", "requests", "req/s", "p50 ms", "p99 ms", "errors", "401s"
    );
    for o in &outcomes {
        println!(
            "{:<44} {:>9} {:>10.0} {:>8.2} {:>8.2} {:>7} {:>6}",
            o.name,
            o.requests,
            o.rps,
            o.p50.as_secs_f64() * 1000.0,
            o.p99.as_secs_f64() * 1000.0,
            o.errors,
            o.refused
        );
    }
    println!(
        "usage writes: written/none = {:.2} (target >= 0.95); scopes + limits: limited/plain = {:.2} (target >= 0.85); refused: {} (must be 0)",
        outcomes[1].rps / outcomes[0].rps,
        outcomes[2].rps / outcomes[1].rps,
        outcomes.iter().map(|o| o.refused + o.errors).sum::<usize>(),
    );
}

fn main() {
    support::on_each_backend(|backend, url, dir| async move { bench(backend, url, &dir).await });
}
