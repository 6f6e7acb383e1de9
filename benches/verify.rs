//! Verification as deployments use it: many clients, each with its own key. Every key of
//! the population has its own secret and its own stored hash; the server is the real
//! `keyward serve` binary in a process of its own (so its resident memory can be read), and
//! figures are ratios against `/livez` of the same process in the same run.
//!
//! (a) `/livez`, the ceiling; (b) `whoami` with one key over and over; (c) `whoami` with 1,000
//! distinct keys, each once, on a freshly started process (five fresh processes, summed);
//! (d) `whoami` spread at random over every stored key; (e) wrong secrets for random keys;
//! (f) malformed tokens (a wrong checksum), refused before the database; (g) `whoami` with
//! one key that carries scopes and a rate limit (1,000,000 a second, never reached: what
//! counting it costs), against (b).
//!
//! `cargo bench --bench verify` (SQLite; set KEYWARD_TEST_DATABASE_URL to add PostgreSQL).
//! Knobs: KEYWARD_BENCH_SECONDS (per scenario and round, default 3), KEYWARD_BENCH_ROUNDS
//! (default 3; each scenario's median round is reported), KEYWARD_BENCH_CONNECTIONS
//! (default 32), KEYWARD_BENCH_LARGE (keys stored, default 1000000).

mod support;

use std::sync::Arc;
use std::time::Instant;

use keyward::domain::credential::{Secret, token};
use support::{
    MakeNth, MakeRequest, Outcome, Server, Until, bearer, env_or, population_key, run_load,
};

async fn bench(backend: &str, url: String, dir: &std::path::Path) {
    let (seconds, connections, large) = (
        env_or("KEYWARD_BENCH_SECONDS", 3u64),
        env_or("KEYWARD_BENCH_CONNECTIONS", 32usize),
        env_or("KEYWARD_BENCH_LARGE", 1_000_000u64).max(1_000),
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
    let started = Instant::now();
    support::fill_population(&mut conn, &support::hasher(&settings), 1, large);
    {
        // Key 2 of the population carries scopes and a rate limit, for (g).
        use diesel::prelude::*;
        use keyward::db::schema::credentials as c;
        let (id, _) = population_key(2);
        diesel::update(c::table.filter(c::public_id.eq(id)))
            .set((
                c::scopes.eq("billing:read keyward:credentials:read keyward:verify"),
                c::rate_limit.eq(Some(1_000_000)),
                c::rate_window.eq(Some(1)),
            ))
            .execute(&mut conn)
            .expect("limit key 2");
    }
    println!(
        "\n{backend}: {large} keys stored, each with its own secret ({:.1} s to store)",
        started.elapsed().as_secs_f64()
    );

    let mut server = Server::start(&url, dir, &[]).await;
    let mut outcomes: Vec<Outcome> = Vec::new();
    let timed = Until::Seconds(seconds);
    let pid = || Some(server_pid(&server));

    let base = server.base.clone();
    let warm: MakeRequest = {
        let base = base.clone();
        Arc::new(move |c: &reqwest::Client| c.get(format!("{base}/livez")))
    };
    let get = |path: &'static str, auth: Arc<dyn Fn(u64) -> String + Send + Sync>| -> MakeNth {
        let base = base.clone();
        Arc::new(move |c: &reqwest::Client, n| {
            let request = c.get(format!("{base}{path}"));
            match path {
                "/livez" => request,
                _ => request.bearer_auth(auth(n)),
            }
        })
    };
    let nobody: Arc<dyn Fn(u64) -> String + Send + Sync> = Arc::new(|_| String::new());
    let one = bearer(1);
    let limited = bearer(2);
    let spread = move |n: u64| support::spread(n, large);
    let timed_scenarios: Vec<(&str, MakeNth)> = vec![
        ("(a) /livez (ceiling)", get("/livez", nobody)),
        (
            "(b) whoami, one key",
            get("/api/v1/whoami", Arc::new(move |_| one.clone())),
        ),
        (
            "(d) whoami, random of all keys",
            get("/api/v1/whoami", Arc::new(move |n| bearer(spread(n)))),
        ),
        (
            "(e) whoami, wrong secrets",
            get(
                "/api/v1/whoami",
                Arc::new(move |n| {
                    let (id, _) = population_key(spread(n));
                    token(&id, &Secret::new("W".repeat(32))).expose().to_owned()
                }),
            ),
        ),
        (
            "(f) whoami, bad checksum",
            get(
                "/api/v1/whoami",
                Arc::new(move |n| {
                    let mut t = bearer(spread(n));
                    let last = if t.ends_with('A') { "B" } else { "A" };
                    t.replace_range(t.len() - 1.., last);
                    t
                }),
            ),
        ),
        (
            "(g) whoami, one key, scopes + limit",
            get("/api/v1/whoami", Arc::new(move |_| limited.clone())),
        ),
    ];
    // Rounds of every scenario in turn; each scenario's median round is reported, so one
    // hiccup of a shared machine does not decide a ratio.
    let mut rounds: Vec<Vec<Outcome>> = timed_scenarios.iter().map(|_| Vec::new()).collect();
    for _ in 0..rounds_count {
        for (i, (name, make)) in timed_scenarios.iter().enumerate() {
            rounds[i].push(
                run_load(
                    name,
                    connections,
                    timed,
                    make.clone(),
                    Some(warm.clone()),
                    pid(),
                )
                .await,
            );
        }
    }
    for mut r in rounds {
        r.sort_by(|x, y| x.rps.total_cmp(&y.rps));
        let median = r.len() / 2;
        outcomes.push(r.swap_remove(median));
    }
    // (c): 1,000 distinct keys, each once, on a process that has just started; five times.
    let mut first_pass = Outcome {
        name: "(c) whoami, 1,000 keys, fresh process".into(),
        requests: 0,
        errors: 0,
        rps: 0.0,
        p50: Default::default(),
        p99: Default::default(),
        rss_max_kib: 0,
        refused: 0,
    };
    let (mut took, mut p50s, mut p99s) = (0.0, Vec::new(), Vec::new());
    for round in 0..5u64 {
        drop(server);
        server = Server::start(&url, dir, &[]).await;
        let base = server.base.clone();
        let warm: MakeRequest = {
            let base = base.clone();
            Arc::new(move |c: &reqwest::Client| c.get(format!("{base}/livez")))
        };
        let first = 1 + round * 1_000 % large;
        let make: MakeNth = Arc::new(move |c: &reqwest::Client, n| {
            c.get(format!("{base}/api/v1/whoami"))
                .bearer_auth(bearer(first + n % 1_000))
        });
        let o = run_load(
            "c",
            connections,
            Until::Requests(1_000),
            make,
            Some(warm),
            Some(server_pid(&server)),
        )
        .await;
        // The time of the requests only (the connections were opened before, on /livez).
        took += o.requests as f64 / o.rps;
        first_pass.requests += o.requests;
        first_pass.errors += o.errors;
        first_pass.refused += o.refused;
        first_pass.rss_max_kib = first_pass.rss_max_kib.max(o.rss_max_kib);
        p50s.push(o.p50);
        p99s.push(o.p99);
    }
    p50s.sort();
    p99s.sort();
    first_pass.rps = first_pass.requests as f64 / took;
    first_pass.p50 = p50s[p50s.len() / 2];
    first_pass.p99 = p99s[p99s.len() - 1];
    outcomes.insert(2, first_pass);
    drop(server);

    let ceiling = outcomes[0].rps;
    println!(
        "{:<40} {:>9} {:>10} {:>8} {:>8} {:>8} {:>7} {:>6} {:>8}",
        "scenario", "requests", "req/s", "vs (a)", "p50 ms", "p99 ms", "errors", "401s", "RSS MiB"
    );
    for o in &outcomes {
        println!(
            "{:<40} {:>9} {:>10.0} {:>7.2}x {:>8.2} {:>8.2} {:>7} {:>6} {:>8.1}",
            o.name,
            o.requests,
            o.rps,
            o.rps / ceiling,
            o.p50.as_secs_f64() * 1000.0,
            o.p99.as_secs_f64() * 1000.0,
            o.errors,
            o.refused,
            o.rss_max_kib as f64 / 1024.0
        );
    }
    println!(
        "(c)/(b) = {:.2}; (g)/(b) = {:.2}; valid-key scenarios refused: {} (must be 0); wrong and malformed refused: {} of {}",
        outcomes[2].rps / outcomes[1].rps,
        outcomes[6].rps / outcomes[1].rps,
        outcomes[1].refused + outcomes[2].refused + outcomes[3].refused + outcomes[6].refused,
        outcomes[4].refused + outcomes[5].refused,
        outcomes[4].requests + outcomes[5].requests,
    );
}

fn server_pid(server: &Server) -> u32 {
    server.child.id()
}

fn main() {
    support::on_each_backend(|backend, url, dir| async move { bench(backend, url, &dir).await });
}
