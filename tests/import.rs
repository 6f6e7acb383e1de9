//! Importing the keys another system issued: each hash format, the old tokens at work, the
//! upgrade to a keyed hash on first use, *Unknown* until then, dry runs, all or nothing, and
//! the limits of who may import what — through the API and `keyward import`, on SQLite or
//! PostgreSQL.

mod common;

use common::{Revealed, TestApp};
use diesel::prelude::*;
use keyward::db::schema::{audit_events as ae, credentials as c};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Digest;

const SHA_TOKEN: &str = "legacy-token-one-0123456789abcdef";
const DRF_TOKEN: &str = "AbCd1234.s3cretpart-of-a-drf-api-key";
const BCRYPT_TOKEN: &str = "Zz99yy88.bcrypt-protected-secret-value";
const ARGON_TOKEN: &str = "Qq11ww22.argon2-protected-secret-value";
const PLAIN_TOKEN: &str = "plain-old-token-abcdefgh-12345678";

fn sha256_hex(t: &str) -> String {
    hex::encode(sha2::Sha256::digest(t.as_bytes()))
}

fn entries(owner: &str) -> Value {
    json!([
        {"owner": owner, "label": "Old billing key", "created_at": "2024-03-01T10:00:00Z",
         "hash": sha256_hex(SHA_TOKEN), "hash_format": "sha256"},
        {"owner": owner, "label": "DRF key", "prefix": "AbCd1234", "hash_format": "django_sha512",
         "hash": format!("sha512$${}", hex::encode(sha2::Sha512::digest(DRF_TOKEN.as_bytes())))},
        {"owner": owner, "label": "bcrypt key", "prefix": "Zz99yy88", "hash_format": "bcrypt",
         "hash": bcrypt::hash(BCRYPT_TOKEN, 4).expect("bcrypt")},
        {"owner": owner, "label": "argon2 key", "prefix": "Qq11ww22", "hash_format": "argon2",
         "hash": keyward::auth::password::hash(ARGON_TOKEN).expect("argon2")},
        {"owner": owner, "label": "Plain key", "secret": PLAIN_TOKEN},
    ])
}

async fn post(
    app: &TestApp,
    key: &Revealed,
    query: &str,
    kind: &str,
    body: String,
) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/credentials/import{query}", app.base))
        .bearer_auth(&key.token)
        .header("content-type", kind)
        .body(body)
        .send()
        .await
        .expect("import");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn keys(app: &TestApp) -> i64 {
    c::table.count().get_result(&mut app.db()).expect("count")
}

fn stored_hash(app: &TestApp, id: &str) -> String {
    c::table
        .filter(c::public_id.eq(id))
        .select(c::secret_hash)
        .first(&mut app.db())
        .expect("row")
}

#[tokio::test]
async fn imported_tokens_of_every_format_keep_working_and_are_rehashed_on_first_use() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let key = app.stage_api_user(&admin, 1, "Admin automation").await;
    app.save(&admin, 1).await;
    let before = keys(&app);

    // A dry run says what would be made, and makes nothing.
    let body = entries(common::ADMIN_EMAIL).to_string();
    let (status, report) = post(
        &app,
        &key,
        "?dry_run=true",
        "application/json",
        body.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["dry_run"], true);
    assert_eq!(report["count"], 5);
    assert!(report["keys"][0]["id"].is_null());
    assert_eq!(keys(&app), before, "a dry run writes nothing");

    // All or nothing: one unknown owner at the third entry, and no key is made.
    let mut bad = entries(common::ADMIN_EMAIL);
    bad[2]["owner"] = json!("nobody@example.org");
    let (status, err) = post(&app, &key, "", "application/json", bad.to_string()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["field"], "line 3");
    assert_eq!(keys(&app), before);

    let (status, report) = post(&app, &key, "", "application/json", body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    assert_eq!(report["count"], 5);
    let ids: Vec<String> = (0..5)
        .map(|i| report["keys"][i]["id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(keys(&app), before + 5);
    // Created when the old system made it; last use unknown.
    let (created, tracked): (chrono::NaiveDateTime, bool) = c::table
        .filter(c::public_id.eq(&ids[0]))
        .select((c::created_at, c::usage_tracked))
        .first(&mut app.db())
        .expect("row");
    assert_eq!(created.to_string(), "2024-03-01 10:00:00");
    assert!(!tracked);
    let tab = admin.get("/account/operators/1/api").await;
    assert!(
        tab.contains("Old billing key") && tab.contains("Unknown"),
        "{}",
        tab.body
    );
    // No plain secret was stored.
    let plain_hash = stored_hash(&app, &ids[4]);
    assert!(plain_hash.starts_with("kh1$") && !plain_hash.contains(PLAIN_TOKEN));

    // Importing the same tokens again is refused: a token finds one key.
    let (status, err) = post(&app, &key, "", "application/json", body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["field"], "line 1");
    assert_eq!(keys(&app), before + 5);

    // Each old token works as it is, and names its key; a wrong one is refused as any.
    let legacy_before = app.state.verifier.legacy_checks();
    for (token, id) in [SHA_TOKEN, DRF_TOKEN, BCRYPT_TOKEN, ARGON_TOKEN, PLAIN_TOKEN]
        .iter()
        .zip(&ids)
    {
        let (status, who) = app.whoami_bearer(token).await;
        assert_eq!(status, StatusCode::OK, "{token}: {who}");
        assert_eq!(who["credential"]["id"], id.as_str(), "{who}");
        // Its first use re-stored it as a keyed hash.
        assert!(stored_hash(&app, id).starts_with("kh1$"), "{token}");
    }
    for wrong in [
        "AbCd1234.not-the-secret-of-this-key",
        "legacy-token-one-0123456789abcdeX",
        "Zz99yy88.bcrypt-protected-secret-valuX",
    ] {
        let (status, body) = app.whoami_bearer(wrong).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{wrong}");
        assert_eq!(body["error"], "invalid_credentials");
    }
    // The old hashes were checked once each (four foreign ones; the plain one never).
    let slow = app.state.verifier.legacy_checks() - legacy_before;
    for token in [SHA_TOKEN, DRF_TOKEN, BCRYPT_TOKEN, ARGON_TOKEN, PLAIN_TOKEN] {
        assert_eq!(app.whoami_bearer(token).await.0, StatusCode::OK);
    }
    assert_eq!(app.state.verifier.legacy_checks() - legacy_before, slow);
    assert!(slow >= 4, "{slow}");
    // Used now: its last use is known.
    app.state.verifier.flush(&app.state.pool, false);
    let last: Option<chrono::NaiveDateTime> = c::table
        .filter(c::public_id.eq(&ids[0]))
        .select(c::last_used_at)
        .first(&mut app.db())
        .expect("row");
    assert!(last.is_some());
    // Journalled, one row per key, with its line.
    let journalled: i64 = ae::table
        .filter(ae::action.eq("credential.imported"))
        .count()
        .get_result(&mut app.db())
        .expect("count");
    assert_eq!(journalled, 5);

    // A leaked imported token is stopped even before its first use (a digest is cheap to
    // check): imported now, reported at once.
    let csv = format!(
        "owner,label,hash,hash_format\n{},Leaky import,{},sha256\n",
        common::ADMIN_EMAIL,
        sha256_hex("leaky-imported-token-0123456789")
    );
    let (status, report) = post(&app, &key, "", "text/csv", csv).await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    let leaky = report["keys"][0]["id"].as_str().expect("id").to_owned();
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/leaks/report", app.base))
        .json(&json!({"token": "leaky-imported-token-0123456789"}))
        .send()
        .await
        .expect("report");
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let active: bool = c::table
        .filter(c::public_id.eq(&leaky))
        .select(c::active)
        .first(&mut app.db())
        .expect("row");
    assert!(!active, "deactivated");

    // The same token imported by two requests at once: one key, the other refused whole.
    let twice = json!([{"owner": common::ADMIN_EMAIL, "label": "Raced", "secret": "raced-token-0123456789"}]).to_string();
    let before_race = keys(&app);
    let (a, b) = tokio::join!(
        post(&app, &key, "", "application/json", twice.clone()),
        post(&app, &key, "", "application/json", twice),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses[0], StatusCode::CREATED, "{a:?} {b:?}");
    assert!(
        [StatusCode::BAD_REQUEST, StatusCode::CONFLICT].contains(&statuses[1]),
        "{a:?} {b:?}"
    );
    assert_eq!(keys(&app), before_race + 1);

    // CSV too, and /verify takes an imported token like any other.
    let csv = format!(
        "owner,label,hash,hash_format\n{},From CSV,{},sha256\n",
        common::ADMIN_EMAIL,
        sha256_hex("csv-imported-token-0123456789")
    );
    let (status, report) = post(&app, &key, "", "text/csv", csv).await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    assert_eq!(report["keys"][0]["line"], 2);
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/verify", app.base))
        .bearer_auth(&key.token)
        .json(&json!({"key": "csv-imported-token-0123456789"}))
        .send()
        .await
        .expect("verify");
    let verdict: Value = res.json().await.expect("json");
    assert_eq!(verdict["valid"], true, "{verdict}");
}

#[tokio::test]
async fn an_import_cannot_reach_past_what_its_caller_may_do() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // A delegate who manages operators' keys but is no administrator.
    let dee = app
        .create_operator(&admin, "Dee Legate", "dee@example.org", false)
        .await;
    common::group(&admin, "Key keepers", &["operators.write"], &[dee]).await;
    let dee_visitor = common::signed_in(&app, "dee@example.org").await;
    let dee_key = {
        let tab = format!("/account/operators/{dee}/api");
        dee_visitor.get(&format!("{tab}?dialog=add")).await;
        dee_visitor
            .post(
                &format!("{tab}/add"),
                &[
                    ("label", "Dee's automation"),
                    ("scopes", "keyward:credentials:write"),
                ],
            )
            .await
            .assert_redirect(&tab);
        let page = dee_visitor.get(&tab).await;
        let key = Revealed {
            username: page.input_value("reveal-username").expect("username"),
            password: page.input_value("reveal-secret").expect("secret"),
            token: page.input_value("reveal-token").expect("token"),
        };
        dee_visitor.post(&format!("{tab}/save"), &[]).await;
        key
    };
    let before = keys(&app);
    let one = |owner: &str, scopes: &str| {
        json!([{"owner": owner, "label": "Planted", "secret": "planted-token-0123456789",
                "scopes": scopes}])
        .to_string()
    };
    // For the administrator: not theirs to manage — told like an owner who does not exist
    // (an import does not list who exists).
    let (_, ghost) = post(
        &app,
        &dee_key,
        "",
        "application/json",
        one("ghost@example.org", ""),
    )
    .await;
    let (status, err) = post(
        &app,
        &dee_key,
        "",
        "application/json",
        one(common::ADMIN_EMAIL, ""),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(err["field"], "line 1");
    assert_eq!(err, ghost);
    // A scope the calling key does not carry.
    let (status, err) = post(
        &app,
        &dee_key,
        "",
        "application/json",
        one("dee@example.org", "keyward:machines:write"),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_eq!(keys(&app), before, "nothing made");
    // Forms that are not JSON or CSV, a hash without its format, a salted one without its
    // prefix, a Keyward token as a secret.
    let (status, _) = post(&app, &dee_key, "", "text/plain", "x".into()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    for (entry, says) in [
        (
            json!({"owner": "dee@example.org", "label": "x", "hash": sha256_hex("t")}),
            "hash_format",
        ),
        (
            json!({"owner": "dee@example.org", "label": "x", "hash_format": "bcrypt",
                "hash": bcrypt::hash("abcdefgh1", 4).expect("bcrypt")}),
            "prefix",
        ),
        (
            json!({"owner": "dee@example.org", "label": "x", "secret": dee_key.token}),
            "not a Keyward token",
        ),
        (
            json!({"owner": "dee@example.org", "label": "x", "secret": "s3cr3t-tok", "extra": 1}),
            "unknown or missing",
        ),
    ] {
        let (status, err) = post(
            &app,
            &dee_key,
            "",
            "application/json",
            json!([entry]).to_string(),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{entry}");
        assert!(
            err["message"].as_str().is_some_and(|m| m.contains(says)),
            "{says}: {err}"
        );
    }
    assert_eq!(keys(&app), before);
    // Their own: imported, and no looser than the calling key.
    let (status, report) = post(
        &app,
        &dee_key,
        "",
        "application/json",
        one("dee@example.org", ""),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    let id = report["keys"][0]["id"].as_str().expect("id");
    let (owner, scopes): (Option<i32>, String) = c::table
        .filter(c::public_id.eq(id))
        .select((c::operator_id, c::scopes))
        .first(&mut app.db())
        .expect("row");
    assert_eq!((owner, scopes.as_str()), (Some(dee), ""));
    assert_eq!(
        app.whoami_bearer("planted-token-0123456789").await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn keyward_import_from_the_command_line() {
    use std::process::Command;
    let app = TestApp::spawn_with(|s| s.mail_poll_ms = 50).await;
    let admin = app.admin().await;
    let dir = tempfile::tempdir().expect("dir");
    let run = |file: &std::path::Path, dry: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_keyward"));
        cmd.arg("import").arg(file);
        if dry {
            cmd.arg("--dry-run");
        }
        cmd.env("KEYWARD_DATABASE_URL", &app.database_url)
            .env("KEYWARD_DATA_DIR", app.data_dir.path())
            .output()
            .expect("run keyward import")
    };
    let json = dir.path().join("keys.json");
    std::fs::write(&json, entries(common::ADMIN_EMAIL).to_string()).expect("write");
    let before = keys(&app);
    let out = run(&json, true);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("5 keys would be imported"), "{said}");
    assert_eq!(keys(&app), before);
    let out = run(&json, false);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("5 keys imported"));
    assert_eq!(keys(&app), before + 5);
    // The running app serves them (the command line used the same secret key), once its
    // background loop has read that keys were imported (its next tick).
    common::eventually("the running app serves the imported tokens", || async {
        app.whoami_bearer(DRF_TOKEN).await.0 == StatusCode::OK
    })
    .await;
    assert_eq!(app.whoami_bearer(PLAIN_TOKEN).await.0, StatusCode::OK);
    // A bad line: said with its number, nothing written.
    let csv = dir.path().join("keys.csv");
    std::fs::write(
        &csv,
        format!(
            "owner,label,secret\n{},Good,good-token-0123456789\nghost@example.org,Ghost,ghost-token-0123456789\n",
            common::ADMIN_EMAIL
        ),
    )
    .expect("write");
    let out = run(&csv, false);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 3") && err.contains("No operator with this email"),
        "{err}"
    );
    assert_eq!(keys(&app), before + 5);
    let page = admin.get("/audit").await;
    assert!(page.contains("Key imported"), "{}", page.body);
}
