//! The API as its integrators meet it, against a live Keyward: a property-based conformance
//! run of schemathesis over the whole OpenAPI document (every check), and a Python client
//! generated from that document (openapi-python-client) walking create, list, change,
//! verify and delete. Both come from PyPI; `.ci/run` installs them into `target/pytools`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp};

/// The Python tools folder `.ci/run` makes, when it is there.
fn pytools(program: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/pytools/bin")
        .join(program);
    let present = common::prerequisite(
        program,
        path.exists(),
        "python3 -m venv target/pytools && target/pytools/bin/pip install schemathesis openapi-python-client",
    );
    present.then_some(path)
}

fn here(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/conformance")
        .join(file)
}

/// Runs a program to its end off the test's runtime (the app under test runs on it), and
/// says what it printed when it fails.
async fn run(mut command: Command) -> String {
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .expect("the program starts");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{text}");
    text
}

/// An app whose throttle does not get in the way: a conformance run sends thousands of
/// requests with wrong or no credentials on purpose (throttling has tests of its own).
async fn app_for_tools() -> TestApp {
    let app = TestApp::spawn_with(|s| s.auth_failure_limit = 1_000_000).await;
    app.admin().await;
    app
}

#[tokio::test]
async fn schemathesis_finds_nothing_against_the_openapi_document() {
    let Some(schemathesis) = pytools("schemathesis") else {
        return;
    };
    let app = app_for_tools().await;
    // Its cache of examples goes to a folder of the test's, not into the repository.
    let work = tempfile::tempdir().expect("tempdir");
    let mut command = Command::new(schemathesis);
    command
        .current_dir(work.path())
        .arg("--config-file")
        .arg(here("schemathesis.toml"))
        .args(["run", &format!("{}/api/openapi.json", app.base)])
        .args(["--url", &app.base])
        .args(["--checks", "all", "--max-examples", "30"])
        // Bounded: CI runs this on both backends. Seeded, so a finding is reproduced by the
        // next run (and CI runs what ran here); change the seed to explore further.
        .args(["--max-time", "60", "--generation-database", "none"])
        .args(["--seed", "20261201"])
        .env("SCHEMATHESIS_HOOKS", "hooks")
        .env("PYTHONPATH", here(""))
        .env("KEYWARD_URL", &app.base)
        .env("KEYWARD_EMAIL", ADMIN_EMAIL)
        .env("KEYWARD_PASSWORD", ADMIN_PASSWORD)
        .env("NO_COLOR", "1");
    // Zero failures: schemathesis exits non-zero on any (`run` asserts success), and prints
    // no failure section. Warnings (e.g. that the expiry calls refuse many generated dates,
    // which no schema can say are past) do not fail it.
    let printed = run(command).await;
    assert!(!printed.contains(" FAILURES "), "{printed}");
    assert!(printed.contains(" passed"), "{printed}");
    // Every operation of the document was tried.
    assert!(!printed.contains("Tested: 0"), "{printed}");
}

#[tokio::test]
async fn a_client_generated_from_the_document_does_the_whole_round() {
    let (Some(generator), Some(python)) = (pytools("openapi-python-client"), pytools("python"))
    else {
        return;
    };
    let app = app_for_tools().await;
    let work = tempfile::tempdir().expect("tempdir");
    let document = reqwest::get(format!("{}/api/openapi.json", app.base))
        .await
        .expect("document")
        .text()
        .await
        .expect("text");
    std::fs::write(work.path().join("openapi.json"), document).expect("write");
    let mut generate = Command::new(generator);
    generate
        .arg("generate")
        .arg("--path")
        .arg(work.path().join("openapi.json"))
        .arg("--output-path")
        .arg(work.path().join("keyward_client"))
        .args(["--meta", "none", "--config"])
        .arg(here("python-client.yaml"));
    let printed = run(generate).await;
    assert!(
        !printed.contains("Warning"),
        "the document generates cleanly: {printed}"
    );

    // A key of the administrator, made the documented way.
    let registered: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/api/v1/register", app.base))
        .basic_auth(ADMIN_EMAIL, Some(ADMIN_PASSWORD))
        .json(&serde_json::json!({"scopes": common::EVERY_KEYWARD_SCOPE.split(' ').collect::<Vec<_>>()}))
        .send()
        .await
        .expect("register")
        .json()
        .await
        .expect("json");
    let token = registered["token"].as_str().expect("token").to_owned();
    let mut walk = Command::new(python);
    walk.arg(here("client_walk.py"))
        .args([&app.base, &token])
        .env("PYTHONPATH", work.path());
    let printed = run(walk).await;
    let key_id = printed
        .split_whitespace()
        .skip_while(|w| *w != "ok")
        .nth(1)
        .expect("the walk's key id")
        .to_owned();

    // What the client did is what the database and the journal say.
    use diesel::prelude::*;
    use keyward::db::schema::{audit_events as a, credentials as c, machines as m};
    let mut conn = app.db();
    let left: i64 = c::table
        .filter(c::public_id.eq(&key_id))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(left, 0, "the walk deleted its key");
    let machines: i64 = m::table.count().get_result(&mut conn).expect("count");
    assert_eq!(machines, 0, "and its machine");
    let journal: Vec<String> = a::table
        .filter(a::target_id.eq(&key_id))
        .order(a::id)
        .select(a::action)
        .load(&mut conn)
        .expect("journal");
    assert_eq!(
        journal.first().map(String::as_str),
        Some("credential.created")
    );
    assert_eq!(
        journal.last().map(String::as_str),
        Some("credential.deleted")
    );
}
