//! The `keyward` binary: `migrate` (twice, harmlessly) and `admin create`, then sign-in.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{TestApp, signed_in};
use reqwest::StatusCode;

fn keyward(app: &TestApp, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_keyward"))
        .args(args)
        .env("KEYWARD_DATABASE_URL", &app.database_url)
        .env("KEYWARD_DATA_DIR", app.data_dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run keyward");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write");
    child.wait_with_output().expect("wait")
}

#[tokio::test]
async fn migrate_twice_then_admin_create_then_sign_in() {
    // The app already migrated its database at start; migrating again changes nothing.
    let app = TestApp::spawn().await;
    for _ in 0..2 {
        let out = keyward(&app, &["migrate"], "");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = keyward(
        &app,
        &[
            "admin",
            "create",
            "--email",
            "root@example.org",
            "--name",
            "Root",
            "--password-stdin",
        ],
        "s3cret-password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Same email again: refused with a clear message.
    let out = keyward(
        &app,
        &[
            "admin",
            "create",
            "--email",
            "root@example.org",
            "--name",
            "Root",
            "--password-stdin",
        ],
        "s3cret-password\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
    // A weak password is refused before anything is written.
    let out = keyward(
        &app,
        &[
            "admin",
            "create",
            "--email",
            "weak@example.org",
            "--name",
            "Weak",
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 10 characters"));

    let admin = app.visitor();
    admin
        .sign_in("root@example.org", "s3cret-password")
        .await
        .assert_redirect("/");
    assert_eq!(admin.get("/account").await.status, StatusCode::OK);
    assert_eq!(
        app.visitor()
            .sign_in("weak@example.org", "short")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["admin", "create", "--help"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_keyward"))
            .args(&args)
            .output()
            .expect("run");
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{args:?}"
        );
    }
}

/// A database from before the stored key counts: `keyward migrate` adds them, counting the
/// keys already there.
#[tokio::test]
async fn migrating_an_older_database_counts_the_keys_it_holds() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::spawn().await;
    app.admin().await;
    let mut conn = app.db();
    let backend = match conn {
        keyward::db::DbConn::Sqlite(_) => "sqlite",
        keyward::db::DbConn::Postgres(_) => "postgres",
    };
    let migration = format!(
        "{}/migrations/{backend}/2026-11-26-030000_owner_key_counts",
        env!("CARGO_MANIFEST_DIR")
    );
    // Back to the schema before the counts, as a database upgraded from then would be.
    let down = std::fs::read_to_string(format!("{migration}/down.sql")).expect("down.sql");
    conn.batch_execute(&down).expect("down");
    conn.batch_execute("DELETE FROM __diesel_schema_migrations WHERE version = '20261126030000'")
        .expect("forget the migration");
    let true_ = if backend == "sqlite" { "1" } else { "true" };
    let false_ = if backend == "sqlite" { "0" } else { "false" };
    conn.batch_execute(&format!(
        "INSERT INTO machines (account_id, name, description, created_at) \
             VALUES (1, 'Old robot', '', '2026-01-01 00:00:00'); \
         INSERT INTO credentials (account_id, public_id, secret_hash, label, operator_id, active, created_at) VALUES \
             (1, 'OLDOPERATOR00001', 'x', 'a', 1, {true_}, '2026-01-01 00:00:00'), \
             (1, 'OLDOPERATOR00002', 'x', 'b', 1, {false_}, '2026-01-01 00:00:00'); \
         INSERT INTO credentials (account_id, public_id, secret_hash, label, machine_id, active, created_at) VALUES \
             (1, 'OLDMACHINE000001', 'x', 'c', 1, {true_}, '2026-01-01 00:00:00'), \
             (1, 'OLDMACHINE000002', 'x', 'd', 1, {true_}, '2026-01-01 00:00:00'), \
             (1, 'OLDMACHINE000003', 'x', 'e', 1, {false_}, '2026-01-01 00:00:00');"
    ))
    .expect("keys from before");
    let out = keyward(&app, &["migrate"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(app.assert_key_counts_agree(), 5);
    // And the triggers are back: a key made now is counted too.
    conn.batch_execute(&format!(
        "INSERT INTO credentials (account_id, public_id, secret_hash, label, machine_id, active, created_at) \
         VALUES (1, 'NEWMACHINE000001', 'x', 'f', 1, {true_}, '2026-01-02 00:00:00')"
    ))
    .expect("a new key");
    assert_eq!(app.assert_key_counts_agree(), 6);
}

#[tokio::test]
async fn setup_code_matches_the_server_and_admin_create_is_journalled() {
    let app = TestApp::spawn().await;
    // The code the server asks for, printed by the command beside it (same secret key).
    let out = keyward(&app, &["setup-code"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        app.state.setup_code
    );
    // A plain address as a trusted proxy is accepted (it used to refuse to start).
    let out = Command::new(env!("CARGO_BIN_EXE_keyward"))
        .arg("migrate")
        .env("KEYWARD_DATABASE_URL", &app.database_url)
        .env("KEYWARD_DATA_DIR", app.data_dir.path())
        .env("KEYWARD_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(env!("CARGO_BIN_EXE_keyward"))
        .arg("migrate")
        .env("KEYWARD_DATABASE_URL", &app.database_url)
        .env("KEYWARD_TRUSTED_PROXIES", "not-an-address")
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("neither an IP address nor a CIDR range")
    );
    // The first administrator from the command line is journalled like the console's.
    let out = keyward(
        &app,
        &[
            "admin",
            "create",
            "--email",
            "root@example.org",
            "--name",
            "Root",
            "--password-stdin",
        ],
        "s3cret-password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = keyward(&app, &["setup-code"], "");
    assert!(
        !out.status.success(),
        "no setup code once an operator exists"
    );
    use diesel::prelude::*;
    use keyward::db::schema::audit_events as a;
    let rows: Vec<(String, String, String)> = a::table
        .select((a::actor_name, a::action, a::target_name))
        .load(&mut app.db())
        .expect("journal");
    assert!(
        rows.contains(&(
            "command line".into(),
            "operator.created".into(),
            "Root".into()
        )),
        "{rows:?}"
    );
}

/// A database from before sub accounts (one account): `keyward migrate` makes its account
/// the main account, with everything in it working as before.
#[tokio::test]
async fn migrating_a_single_account_database_makes_it_the_main_account() {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let key = app.stage_api_user(&admin, bob, "Bob's key").await;
    app.save(&admin, bob).await;
    let mut conn = app.db();
    let backend = match conn {
        keyward::db::DbConn::Sqlite(_) => "sqlite",
        keyward::db::DbConn::Postgres(_) => "postgres",
    };
    let migration = format!(
        "{}/migrations/{backend}/2026-12-02-070000_sub_accounts",
        env!("CARGO_MANIFEST_DIR")
    );
    let down = std::fs::read_to_string(format!("{migration}/down.sql")).expect("down.sql");
    conn.batch_execute(&down).expect("down");
    conn.batch_execute("DELETE FROM __diesel_schema_migrations WHERE version = '20261202070000'")
        .expect("forget the migration");
    let out = keyward(&app, &["migrate"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    use keyward::db::schema::accounts;
    let row: (Option<i32>, bool) = accounts::table
        .find(1)
        .select((accounts::parent_id, accounts::active))
        .first(&mut conn)
        .expect("the account");
    assert_eq!(row, (None, true));
    assert_eq!(
        app.whoami(&key.username, &key.password).await.0,
        StatusCode::OK
    );
    let again = app.visitor();
    again
        .sign_in(common::ADMIN_EMAIL, common::ADMIN_PASSWORD)
        .await
        .assert_redirect("/");
    assert_eq!(
        again.get("/account/sub-accounts").await.status,
        StatusCode::OK
    );
    signed_in(&app, "bob@example.org").await;
}
