//! Keyward as several processes on one database, as behind a load balancer: `whoami`
//! throughput with 1, 2 and 3 processes of one worker each, spread round-robin by the load
//! generator, as a ratio against one process in the same run; and a revocation through one
//! process checked on the very next request through each other one.
//!
//! `cargo bench --bench cluster` (SQLite; set KEYWARD_TEST_DATABASE_URL to add PostgreSQL).
//! Knobs: KEYWARD_BENCH_SECONDS (per run, default 5), KEYWARD_BENCH_CONNECTIONS (per process,
//! default 16: each process sees the same load however many there are, so a difference
//! comes from what they share, not from a busier or idler process),
//! KEYWARD_BENCH_CORE_SHARE (default 0.15; 0 for none): the CPU each process may use, as a
//! fraction of one core, set with a cgroup of its own. On a machine with few cores one
//! uncapped process already leaves no core idle, so adding processes cannot show anything;
//! capped, each process stands for one small machine, and the question becomes whether
//! processes add up or contend for something they share (the database, a lock).
//! The processes are the real `keyward serve` binary, logging at `warn`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use keyward::db;
use support::{MakeRequest, env_or, load};

/// CPU time (user + system) a process has used so far, from `/proc/PID/stat`.
fn cpu_seconds(pid: &str) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name (which may hold spaces) start at its closing ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name; 100 Hz.
    (ticks(11) + ticks(12)) / 100.0
}

/// A CPU cgroup holding one process, limited to a share of one core; removed when dropped.
struct CpuCap {
    dir: PathBuf,
}

impl CpuCap {
    /// Caps `pid` at `share` of a core through cgroup v1 (`cpu.cfs_quota_us`) or v2
    /// (`cpu.max`). Needs root; `Err` says why the process runs uncapped.
    fn new(name: &str, pid: u32, share: f64) -> std::io::Result<CpuCap> {
        // A short period: with the default 100 ms a capped process runs in bursts and then
        // sits throttled for most of the period, which measures the throttling, not Keyward.
        let period = 10_000u64;
        let quota = ((share * period as f64) as u64).max(1_000);
        let v1 = Path::new("/sys/fs/cgroup/cpu");
        let (dir, limit) = if v1.join("cpu.cfs_quota_us").exists() {
            (v1.join(name), None)
        } else {
            (
                Path::new("/sys/fs/cgroup").join(name),
                Some(format!("{quota} {period}")),
            )
        };
        std::fs::create_dir_all(&dir)?;
        let cap = CpuCap { dir };
        match limit {
            None => {
                std::fs::write(cap.dir.join("cpu.cfs_period_us"), period.to_string())?;
                std::fs::write(cap.dir.join("cpu.cfs_quota_us"), quota.to_string())?;
            }
            Some(max) => std::fs::write(cap.dir.join("cpu.max"), max)?,
        }
        // Moves every thread of the process.
        std::fs::write(cap.dir.join("cgroup.procs"), pid.to_string())?;
        Ok(cap)
    }
}

impl Drop for CpuCap {
    fn drop(&mut self) {
        // A cgroup can be removed once its processes have ended.
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// CPU time used so far by the PostgreSQL server's processes (none for SQLite, which runs
/// inside Keyward): with everything on one machine, the database's share tells whether it,
/// not Keyward, is what limits throughput.
fn database_cpu_seconds() -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().map(str::to_owned))
        .filter(|pid| pid.bytes().all(|b| b.is_ascii_digit()))
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|name| name.trim() == "postgres")
        })
        .map(|pid| cpu_seconds(&pid))
        .sum()
}

/// `keyward serve` processes, stopped when dropped.
struct Processes {
    children: Vec<Child>,
    bases: Vec<String>,
    // Dropped after `drop` below has ended the processes.
    caps: Vec<CpuCap>,
}

impl Processes {
    async fn start(count: usize, url: &str, dir: &Path, share: f64) -> Processes {
        // Filled as processes start, so a failure part-way still stops those started.
        let mut processes = Processes {
            children: Vec::new(),
            bases: Vec::new(),
            caps: Vec::new(),
        };
        for i in 0..count {
            // A free port: bind, read it, let go (the process binds it a moment later).
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("free port")
                .port();
            let data = dir.join(format!("process-{i}"));
            let child = Command::new(env!("CARGO_BIN_EXE_keyward"))
                .arg("serve")
                .env("KEYWARD_DATABASE_URL", url)
                .env("KEYWARD_BIND", format!("127.0.0.1:{port}"))
                .env("KEYWARD_DATA_DIR", &data)
                // One secret key for every process, as the README asks: cookies and the
                // pepper of stored keys come from it.
                .env("KEYWARD_SECRET_KEY", support::PROCESS_SECRET_KEY)
                .env("KEYWARD_WORKERS", "1")
                .env("KEYWARD_DB_POOL_SIZE", "16")
                .env("KEYWARD_AUTH_FAILURE_LIMIT", "1000000")
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("keyward serve");
            let pid = child.id();
            processes.children.push(child);
            if share > 0.0 {
                let name = format!("keyward-bench-{}-{i}", std::process::id());
                match CpuCap::new(&name, pid, share) {
                    Ok(cap) => processes.caps.push(cap),
                    Err(e) => panic!(
                        "cannot cap process {i} at {share} core ({e}); run as root, or set KEYWARD_BENCH_CORE_SHARE=0"
                    ),
                }
            }
            processes.bases.push(format!("http://127.0.0.1:{port}"));
        }
        let client = reqwest::Client::new();
        for base in &processes.bases {
            let deadline = Instant::now() + Duration::from_secs(30);
            while client.get(format!("{base}/livez")).send().await.is_err() {
                assert!(Instant::now() < deadline, "{base} did not start");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        processes
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Distinct keys the load presents, each with its own secret.
const POPULATION: u64 = 10_000;

async fn bench(backend: &str, url: String, dir: &Path) {
    let (seconds, connections, share) = (
        env_or("KEYWARD_BENCH_SECONDS", 5u64),
        env_or("KEYWARD_BENCH_CONNECTIONS", 16usize),
        env_or("KEYWARD_BENCH_CORE_SHARE", 0.15f64),
    );
    let mut settings = support::Server::settings(dir);
    settings.database_url = Some(url.clone());
    keyward::prepare_database(&settings).expect("migrate");
    let mut conn = db::connect(&db::DatabaseUrl::parse(&url)).expect("connect");
    support::seed_admin(&mut conn);
    let hasher = support::hasher(&settings);
    // Every client its own key: a population of distinct keys, spread over the processes.
    support::fill_population(&mut conn, &hasher, 1, POPULATION);
    let secret = "S".repeat(32);
    support::add_key(&mut conn, "ClusterKey000001", &hasher.hash(&secret));
    support::add_key(&mut conn, "ClusterRevoke001", &hasher.hash(&secret));
    let token = format!("kwd_ClusterKey000001_{secret}");
    let revocable = format!("kwd_ClusterRevoke001_{secret}");

    let cap = if share > 0.0 {
        format!("each process capped at {share} core")
    } else {
        "processes not capped".to_owned()
    };
    println!(
        "\n{backend}: whoami with {POPULATION} distinct valid keys, {connections} connections per process, {seconds} s per run, {cap}"
    );
    println!(
        "{:<12} {:>9} {:>10} {:>9} {:>9} {:>7} {:>10} {:>14} {:>15} {:>14}",
        "processes",
        "requests",
        "req/s",
        "p50 ms",
        "p99 ms",
        "errors",
        "vs one",
        "keyward cores",
        "generator cores",
        "database cores"
    );
    let mut one = None;
    for count in 1..=3 {
        let processes = Processes::start(count, &url, dir, share).await;
        let (bases, next) = (
            Arc::new(processes.bases.clone()),
            Arc::new(AtomicUsize::new(0)),
        );
        let make: MakeRequest = Arc::new(move |c: &reqwest::Client| {
            let n = next.fetch_add(1, Ordering::Relaxed);
            let base = &bases[n % bases.len()];
            let (id, secret) = support::population_key(1 + (n as u64 * 7_919) % POPULATION);
            let bearer = keyward::domain::credential::token(
                &id,
                &keyward::domain::credential::Secret::new(secret),
            );
            c.get(format!("{base}/api/v1/whoami"))
                .bearer_auth(bearer.expose())
        });
        let pids: Vec<String> = processes
            .children
            .iter()
            .map(|c| c.id().to_string())
            .collect();
        let cpu = || -> (f64, f64, f64) {
            (
                pids.iter().map(|p| cpu_seconds(p)).sum(),
                cpu_seconds("self"),
                database_cpu_seconds(),
            )
        };
        let (before, started) = (cpu(), Instant::now());
        let outcome = load(&format!("{count}"), connections * count, seconds, make).await;
        let (after, took) = (cpu(), started.elapsed().as_secs_f64());
        let baseline = *one.get_or_insert(outcome.rps);
        println!(
            "{:<12} {:>9} {:>10.0} {:>9.2} {:>9.2} {:>7} {:>9.2}x {:>14.2} {:>15.2} {:>14.2}",
            outcome.name,
            outcome.requests,
            outcome.rps,
            outcome.p50.as_secs_f64() * 1000.0,
            outcome.p99.as_secs_f64() * 1000.0,
            outcome.errors,
            outcome.rps / baseline,
            (after.0 - before.0) / took,
            (after.1 - before.1) / took,
            (after.2 - before.2) / took,
        );
        if count > 1 {
            // The administrator's key signs the PATCH: a key acts for its owner.
            revoke_and_check(&processes.bases, &token, &revocable).await;
        }
    }
}

/// Deactivates the revocable key through the first process; the very next request with it
/// through every other process must be refused. Then turns it back on.
async fn revoke_and_check(bases: &[String], admin_token: &str, revocable: &str) {
    let client = reqwest::Client::new();
    let whoami = |base: &str| {
        client
            .get(format!("{base}/api/v1/whoami"))
            .bearer_auth(revocable)
            .send()
    };
    for base in bases {
        // Each process has checked this key once.
        assert_eq!(whoami(base).await.expect("whoami").status(), 200);
    }
    let patch = |active: bool| {
        client
            .patch(format!("{}/api/v1/credentials/ClusterRevoke001", bases[0]))
            .bearer_auth(admin_token)
            .json(&serde_json::json!({ "active": active }))
            .send()
    };
    assert_eq!(patch(false).await.expect("patch").status(), 200);
    for base in &bases[1..] {
        let status = whoami(base).await.expect("whoami").status();
        assert_eq!(
            status, 401,
            "revoked through {} but {base} said {status}",
            bases[0]
        );
    }
    println!(
        "  revoked through {}: the next request through each of the other {} answered 401",
        bases[0],
        bases.len() - 1
    );
    assert_eq!(patch(true).await.expect("patch").status(), 200);
}

fn main() {
    support::on_each_backend(|backend, url, dir| async move { bench(backend, url, &dir).await });
}
