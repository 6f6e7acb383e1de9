//! The `keyward` binary: `migrate` (twice, harmlessly) and `admin create`, then sign-in.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::TestApp;
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
