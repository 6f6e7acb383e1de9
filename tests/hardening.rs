//! Security properties and faults: headers, server-side session ends, no state change on
//! GET, sign-in throttling, a locked, full or read-only SQLite file, an exhausted pool,
//! graceful shutdown.

mod common;

use std::time::Duration;

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use reqwest::StatusCode;

#[tokio::test]
async fn every_page_carries_the_security_headers_and_no_store() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for path in [
        "/login",
        "/account",
        "/account/operators",
        "/account/operators/1/api",
        "/profile/api-credentials",
        "/rights/machines",
        "/audit",
        "/settings",
        "/api/docs",
        "/no/such/page",
    ] {
        let page = admin.get(path).await;
        let h = |name: &str| {
            page.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        assert_eq!(
            h("content-security-policy"),
            "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
            "{path}"
        );
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("referrer-policy"), "same-origin", "{path}");
        assert_eq!(h("cache-control"), "no-store", "{path}");
        assert!(
            h("strict-transport-security").is_empty(),
            "no HSTS over plain http"
        );
        // No inline script or style: the CSP needs no 'unsafe-inline'.
        assert!(
            !page.body.contains("<script>") && !page.body.contains("style="),
            "{path}"
        );
    }
    let css = reqwest::get(format!("{}/static/keyward.css", app.base))
        .await
        .expect("css");
    assert!(
        css.headers()["cache-control"]
            .to_str()
            .expect("cc")
            .contains("max-age")
    );

    // Behind https: HSTS and a __Host- session cookie.
    let secure = TestApp::spawn_with(|s| s.secure_cookies = true).await;
    let res = reqwest::get(format!("{}/setup", secure.base))
        .await
        .expect("setup");
    assert!(res.headers().get("strict-transport-security").is_some());
    let cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(
        cookie.starts_with("__Host-keyward_session=")
            && cookie.contains("Secure")
            && cookie.contains("HttpOnly"),
        "{cookie}"
    );
}

#[tokio::test]
async fn sessions_end_on_the_server_when_idle_or_too_old() {
    let app = TestApp::spawn_with(|s| s.session_idle_seconds = 60).await;
    let admin = app.admin().await;
    assert_eq!(admin.get("/account").await.status, StatusCode::OK);
    app.state.clock.advance(chrono::Duration::seconds(61));
    admin.get("/account").await.assert_redirect("/login");

    let app = TestApp::spawn_with(|s| s.session_max_seconds = 120).await;
    let admin = app.admin().await;
    // Busy all along (never idle), and still ended when too old.
    for _ in 0..2 {
        app.state.clock.advance(chrono::Duration::seconds(50));
        let page = admin.get("/account").await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.location());
    }
    app.state.clock.advance(chrono::Duration::seconds(50));
    admin.get("/account").await.assert_redirect("/login");
}

#[tokio::test]
async fn no_state_changes_on_get() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let key = app.stage_api_user(&admin, bob, "Key").await;
    app.save(&admin, bob).await;
    admin.get("/rights/machines").await;
    admin.post("/rights/machines", &[("name", "Robot")]).await;
    let counts = |app: &TestApp| {
        use keyward::db::schema::*;
        let mut c = app.db();
        (
            operators::table
                .count()
                .get_result::<i64>(&mut c)
                .expect("n"),
            credentials::table
                .count()
                .get_result::<i64>(&mut c)
                .expect("n"),
            credentials::table
                .filter(credentials::active.eq(true))
                .count()
                .get_result::<i64>(&mut c)
                .expect("n"),
            machines::table
                .count()
                .get_result::<i64>(&mut c)
                .expect("n"),
            groups::table.count().get_result::<i64>(&mut c).expect("n"),
            audit_events::table
                .count()
                .get_result::<i64>(&mut c)
                .expect("n"),
        )
    };
    let before = counts(&app);
    let k = &key.username;
    // Every GET route, including the action URLs (which only answer POST).
    for path in [
        "/".to_owned(),
        "/account".into(),
        "/account/operators".into(),
        "/account/operators/new".into(),
        format!("/account/operators/{bob}"),
        format!("/account/operators/{bob}?dialog=edit"),
        format!("/account/operators/{bob}?dialog=delete"),
        format!("/account/operators/{bob}/delete"),
        format!("/account/operators/{bob}/edit"),
        format!("/account/operators/{bob}/api"),
        format!("/account/operators/{bob}/api?dialog=add"),
        format!("/account/operators/{bob}/api/save"),
        format!("/account/operators/{bob}/api/{k}/delete"),
        format!("/account/operators/{bob}/api/{k}/active"),
        "/account/groups/1".into(),
        "/account/groups/1/delete".into(),
        "/profile/api-credentials".into(),
        "/profile/password".into(),
        "/profile/notices".into(),
        "/rights/machines".into(),
        "/rights/machines/1".into(),
        "/rights/machines/1/delete".into(),
        "/rights/machines/1/add".into(),
        "/audit".into(),
        "/audit.csv".into(),
        "/settings".into(),
        "/api/docs".into(),
        "/password/forgot".into(),
        "/logout".into(),
        "/language?lang=fr".into(),
    ] {
        let page = admin.get(&path).await;
        assert!(page.status.as_u16() < 500, "{path}: {}", page.status);
    }
    assert_eq!(counts(&app), before, "no GET changed anything");
    assert_eq!(
        admin.get("/account").await.status,
        StatusCode::OK,
        "still signed in (GET /logout does nothing)"
    );
    assert!(
        admin.get("/account").await.contains("lang=\"en\""),
        "GET /language changed nothing"
    );
}

#[tokio::test]
async fn sign_in_is_throttled_per_address_without_locking_the_user_out_elsewhere() {
    let app = TestApp::spawn_with(|s| {
        s.auth_failure_limit = 3;
        s.trusted_proxies = vec!["127.0.0.1/32".parse().expect("net")];
    })
    .await;
    let _admin = app.admin().await;
    let from = |ip: &'static str| {
        common::Visitor::with_headers(&app.base, "en", &[("x-forwarded-for", ip)])
    };
    let attacker = from("203.0.113.66");
    for _ in 0..3 {
        assert_eq!(
            attacker.sign_in(ADMIN_EMAIL, "guess").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let blocked = attacker.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(blocked.headers.get("retry-after").is_some());
    assert!(
        blocked.contains("Too many failed attempts"),
        "{}",
        blocked.body
    );
    // The real user, from their own address, still signs in (the per-account limit is higher).
    from("198.51.100.10")
        .sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .assert_redirect("/");
}

#[tokio::test]
async fn a_locked_sqlite_file_gives_a_clear_error_no_partial_write_and_recovers() {
    let app = TestApp::spawn_with(|s| s.db_timeout_ms = 500).await;
    if std::env::var("KEYWARD_TEST_DATABASE_URL").is_ok() {
        return; // PostgreSQL: see api.rs database_down_fails_closed_and_recovers.
    }
    let admin = app.admin().await;
    admin.get("/rights/machines").await;
    // Another process holds the write lock (longer than the 5 s busy timeout).
    let path = app.database_url.clone();
    let holder = std::thread::spawn(move || {
        let mut c = diesel::SqliteConnection::establish(&path).expect("open");
        c.batch_execute("BEGIN IMMEDIATE; INSERT INTO accounts (name, created_at) VALUES ('lock', '2026-01-01 00:00:00');").expect("lock");
        std::thread::sleep(Duration::from_millis(6500));
        c.batch_execute("ROLLBACK").expect("rollback");
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let page = admin.post("/rights/machines", &[("name", "Blocked")]).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.contains("Nothing was changed"));
    holder.join().expect("holder");
    assert!(
        !admin.get("/rights/machines").await.contains("Blocked"),
        "no partial write"
    );
    admin.get("/rights/machines").await;
    let again = admin.post("/rights/machines", &[("name", "After")]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "recovered");
}

#[tokio::test]
async fn sigterm_finishes_and_flushes_last_used() {
    let dir = tempfile::tempdir().expect("dir");
    // Its own SQLite file on both passes: the process and its signal are what is tested.
    let db = dir.path().join("keyward.db").display().to_string();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let run = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
            .args(args)
            .env("KEYWARD_DATABASE_URL", &db)
            .env("KEYWARD_DATA_DIR", dir.path())
            .env("KEYWARD_BIND", format!("127.0.0.1:{port}"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("run");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write");
        child
    };
    assert!(
        run(
            &[
                "admin",
                "create",
                "--email",
                "root@example.org",
                "--name",
                "Root",
                "--password-stdin"
            ],
            "root-password-1\n"
        )
        .wait()
        .expect("wait")
        .success()
    );
    let mut server = run(&["serve"], "");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut registered = None;
    for _ in 0..100 {
        if let Ok(res) = client
            .post(format!("{base}/api/v1/register"))
            .basic_auth("root@example.org", Some("root-password-1"))
            .send()
            .await
        {
            registered = Some(res.json::<serde_json::Value>().await.expect("json"));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let registered = registered.expect("server up");
    let token = registered["token"].as_str().expect("token").to_owned();
    let res = client
        .get(format!("{base}/api/v1/whoami"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("whoami");
    assert_eq!(res.status(), StatusCode::OK);
    // The default flush interval is a minute: only the graceful stop can have written it.
    let status = std::process::Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = server.wait().expect("exit");
    assert!(exit.success(), "a clean exit on SIGTERM: {exit:?}");
    use keyward::db::schema::credentials;
    let mut conn = diesel::SqliteConnection::establish(&db).expect("open");
    let used: Option<chrono::NaiveDateTime> = credentials::table
        .select(credentials::last_used_at)
        .first(&mut conn)
        .expect("row");
    assert!(used.is_some(), "last used was flushed at shutdown");
}

/// A small tmpfs of its own for an SQLite data folder, unmounted when dropped. Mounting needs
/// root, which CI has; a machine without it fails here, loudly.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let dir = tempfile::tempdir().expect("dir");
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("run mount");
        assert!(
            status.success(),
            "mounting a tmpfs needs root (CI runs as root)"
        );
        SmallDisk { dir }
    }

    /// Remounts read-only (`ro`) or read-write (`rw`); Linux refuses `ro` while a file on the
    /// disk is open for writing, so this waits (5 s at most) for a stopped app to let go.
    async fn remount(&self, mode: &str) {
        for _ in 0..50 {
            let status = std::process::Command::new("mount")
                .args(["-o", &format!("remount,{mode}")])
                .arg(self.dir.path())
                .status()
                .expect("run mount");
            if status.success() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("remount {mode}");
    }

    /// Keyward with its data folder and SQLite file on this disk.
    async fn app(&self) -> TestApp {
        let data = self.dir.path().to_path_buf();
        TestApp::spawn_with(|s| {
            s.database_url = Some(data.join("keyward.db").to_string_lossy().into_owned());
            s.data_dir = data;
            s.db_timeout_ms = 500;
        })
        .await
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazy: the stopped app may still hold the file open for a moment.
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// (machines, `machine.created` journal rows) as stored.
fn machines_and_journal(app: &TestApp) -> (i64, i64) {
    use keyward::db::schema::{audit_events, machines};
    let mut c = app.db();
    (
        machines::table.count().get_result(&mut c).expect("count"),
        audit_events::table
            .filter(audit_events::action.eq("machine.created"))
            .count()
            .get_result(&mut c)
            .expect("count"),
    )
}

#[tokio::test]
async fn a_full_disk_gives_a_clear_error_no_partial_write_and_recovers() {
    if std::env::var("KEYWARD_TEST_DATABASE_URL").is_ok() {
        return; // An SQLite fault; the SQLite pass covers it.
    }
    if !common::prerequisite(
        "root (to mount a small disk)",
        common::is_root(),
        "run as root",
    ) {
        return;
    }
    let disk = SmallDisk::mount("8m");
    let app = disk.app().await;
    let admin = app.admin().await;
    // Fill what is left of the disk.
    let ballast = disk.dir.path().join("ballast");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&ballast).expect("ballast");
        let block = vec![0u8; 64 * 1024];
        while f.write_all(&block).is_ok() {}
        let _ = f.sync_all();
    }
    // Writes that still fit in pages SQLite already has may pass; keep changing until the
    // disk says no. Every answer is a success or a clear 503, never a 500.
    let mut refused = None;
    for i in 0..200 {
        // The page itself may be what fails first (the session is stored in the database).
        let form = admin.get("/rights/machines").await;
        let page = if form.status == StatusCode::OK {
            admin
                .post(
                    "/rights/machines",
                    &[("name", &format!("Machine {i} {}", "x".repeat(90)))],
                )
                .await
        } else {
            form
        };
        match page.status {
            StatusCode::SEE_OTHER => continue,
            StatusCode::SERVICE_UNAVAILABLE => {
                refused = Some(page);
                break;
            }
            other => panic!("disk full: {other} {}", page.body),
        }
    }
    let page = refused.expect("the full disk refused a change");
    assert!(page.contains("Nothing was changed"), "{}", page.body);
    let (machines, journal) = machines_and_journal(&app);
    assert_eq!(
        machines, journal,
        "every stored machine has its journal row, no more"
    );

    // Room again: Keyward goes on without a restart.
    std::fs::remove_file(&ballast).expect("remove ballast");
    admin.get("/rights/machines").await;
    let again = admin.post("/rights/machines", &[("name", "After")]).await;
    assert_eq!(
        again.status,
        StatusCode::SEE_OTHER,
        "recovered: {}",
        again.body
    );
    let (after, journal_after) = machines_and_journal(&app);
    assert_eq!((after, journal_after), (machines + 1, journal + 1));
}

#[tokio::test]
async fn a_read_only_disk_is_refused_at_start_with_a_clear_message_and_recovers() {
    if std::env::var("KEYWARD_TEST_DATABASE_URL").is_ok() {
        return; // An SQLite fault; the SQLite pass covers it.
    }
    if !common::prerequisite(
        "root (to mount a small disk)",
        common::is_root(),
        "run as root",
    ) {
        return;
    }
    let disk = SmallDisk::mount("16m");
    let app = disk.app().await;
    let admin = app.admin().await;
    let key = app.stage_api_user(&admin, 1, "Reader").await;
    app.save(&admin, 1).await;
    let before = machines_and_journal(&app);
    app.stop().await;
    // A file system goes read-only under a running program only on errors; what can be done
    // here is what an operator meets after a remount: Keyward started on a read-only disk.
    disk.remount("ro").await;
    // SQLite cannot open a WAL database without writing its shared-memory file beside it:
    // Keyward refuses to start and says which folder and why.
    let data = disk.dir.path().to_path_buf();
    let mut settings = keyward::config::Settings::for_data_dir(data.clone());
    settings.database_url = Some(data.join("keyward.db").to_string_lossy().into_owned());
    let refused = keyward::build(settings)
        .err()
        .expect("no start on a read-only disk");
    let message = refused.to_string();
    assert!(
        message.contains(&data.display().to_string()) && message.contains("Read-only file system"),
        "{message}"
    );

    disk.remount("rw").await;
    let app = disk.app().await;
    assert_eq!(
        machines_and_journal(&app),
        before,
        "nothing lost, nothing half-written"
    );
    let (status, _) = app.whoami(&key.username, &key.password).await;
    assert_eq!(status, StatusCode::OK, "the same key works after");
    let admin = app.visitor();
    admin
        .sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .assert_redirect("/");
    admin.get("/rights/machines").await;
    let again = admin.post("/rights/machines", &[("name", "After")]).await;
    assert_eq!(
        again.status,
        StatusCode::SEE_OTHER,
        "recovered: {}",
        again.body
    );
    assert_eq!(machines_and_journal(&app), (before.0 + 1, before.1 + 1));
}

#[tokio::test]
async fn an_exhausted_pool_answers_503_after_the_timeout_and_recovers() {
    let app = TestApp::spawn_with(|s| {
        s.db_pool_size = 2;
        s.db_timeout_ms = 300;
    })
    .await;
    let admin = app.admin().await;
    let (_, key) = {
        let key = app.stage_api_user(&admin, 1, "Pool").await;
        app.save(&admin, 1).await;
        ((), key)
    };
    // Somebody holds every connection (here: the test, through the app's own pool).
    let pool = app.state.pool.clone();
    let held = tokio::task::spawn_blocking(move || {
        (0..2)
            .map(|_| pool.get().expect("connection"))
            .collect::<Vec<_>>()
    })
    .await
    .expect("hold");
    // A bounded wait, then a clear answer: a hang fails this test through the client timeout.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client");
    // Verification reads through connections of its own: a console that holds every one
    // of the pool's does not stop the services behind Keyward.
    let res = client
        .get(format!("{}/api/v1/whoami", app.base))
        .basic_auth(&key.username, Some(&key.password))
        .send()
        .await
        .expect("an answer, not a hang");
    assert_eq!(res.status(), StatusCode::OK);
    let health = client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .expect("an answer, not a hang");
    assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = admin.get("/rights/machines").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);

    drop(held);
    let (status, _) = app.whoami(&key.username, &key.password).await;
    assert_eq!(status, StatusCode::OK, "recovered");
    assert_eq!(admin.get("/rights/machines").await.status, StatusCode::OK);
}

#[tokio::test]
async fn odd_requests_get_clear_answers_not_500s() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // A newline or a tab in where the language switch goes back to: home instead.
    admin.get("/account").await;
    for next in ["/account\nSet-Cookie: x=y", "/account\tx", "/ac count"] {
        let page = admin
            .post("/language", &[("lang", "fr"), ("next", next)])
            .await;
        page.assert_redirect("/");
    }
    // A journal filter longer than any name: 400 with a message, on both backends.
    let long = "a".repeat(50_000);
    let page = admin.get(&format!("/audit?actor={long}")).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let page = admin.get("/audit?action=no.such.action").await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    // HEAD on the health checks, as load balancers send it.
    for path in ["/healthz", "/livez"] {
        let res = reqwest::Client::new()
            .head(format!("{}{path}", app.base))
            .send()
            .await
            .expect("head");
        assert_eq!(res.status(), StatusCode::OK, "{path}");
    }
    // A CSRF refusal says so, apart from a missing permission.
    let res = reqwest::Client::new()
        .post(format!("{}/account/groups", app.base))
        .header("accept", "application/json")
        .form(&[("name", "x")])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
