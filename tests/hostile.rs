//! Keyward tried as a racing browser and a spraying attacker would: limits that concurrency
//! cannot outrun, a real user never locked out by others' failures, a sign-out that a
//! request in flight cannot undo, a one-time secret that shows once, a CSV that runs no
//! formula. Concurrency is bounded and on loopback only.

mod common;

use std::sync::Arc;

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, Visitor};
use reqwest::StatusCode;
use tokio::sync::Semaphore;

/// Runs `count` requests made by `make`, at most `at_once` in flight; their statuses.
async fn concurrently<F, Fut>(count: usize, at_once: usize, make: F) -> Vec<StatusCode>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = StatusCode> + Send + 'static,
{
    let gate = Arc::new(Semaphore::new(at_once));
    let mut tasks = Vec::new();
    for i in 0..count {
        let (gate, request) = (gate.clone(), make(i));
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.expect("gate");
            request.await
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.expect("task"));
    }
    statuses
}

fn count(statuses: &[StatusCode], status: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

#[tokio::test]
async fn concurrent_wrong_keys_count_exactly() {
    let app = TestApp::spawn().await; // 20 failures per address and window
    app.admin().await;
    let base = app.base.clone();
    let statuses = concurrently(250, 50, |i| {
        let url = format!("{base}/api/v1/whoami");
        async move {
            reqwest::Client::new()
                .get(url)
                .basic_auth(format!("Unknown{i:09}"), Some("W".repeat(32)))
                .send()
                .await
                .expect("whoami")
                .status()
        }
    })
    .await;
    assert_eq!(
        count(&statuses, StatusCode::UNAUTHORIZED),
        20,
        "{statuses:?}"
    );
    assert_eq!(count(&statuses, StatusCode::TOO_MANY_REQUESTS), 230);
}

#[tokio::test]
async fn concurrent_wrong_passwords_count_exactly() {
    let app = TestApp::spawn().await;
    app.admin().await;
    let base = app.base.clone();
    let statuses = concurrently(60, 30, |_| {
        let base = base.clone();
        async move {
            let v = Visitor::new(&base, "en");
            v.sign_in(ADMIN_EMAIL, "not the password").await.status
        }
    })
    .await;
    assert_eq!(
        count(&statuses, StatusCode::UNAUTHORIZED),
        20,
        "{statuses:?}"
    );
    assert_eq!(count(&statuses, StatusCode::TOO_MANY_REQUESTS), 40);
}

#[tokio::test]
async fn a_spray_from_many_addresses_does_not_lock_the_real_user_out() {
    let app = TestApp::spawn_with(|s| {
        // Behind a proxy on loopback, so each request says where it comes from.
        s.trusted_proxies = vec!["127.0.0.1/32".parse().expect("net")];
    })
    .await;
    let admin = app.admin().await; // signed in once: this browser has a device cookie
    let from = |ip: &str| Visitor::with_headers(&app.base, "en", &[("x-forwarded-for", ip)]);
    // 100 wrong passwords for the administrator's email from five addresses: the account's
    // limit for unknown browsers is used up.
    for n in 0..5 {
        let attacker = from(&format!("203.0.113.{n}"));
        for _ in 0..20 {
            attacker.sign_in(ADMIN_EMAIL, "guess").await;
        }
    }
    let stranger = from("198.51.100.9");
    assert_eq!(
        stranger.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "an unknown browser is limited per account"
    );
    // The administrator's own browser, from an address that never failed, signs in.
    admin.get("/profile/api-credentials").await;
    admin.post("/logout", &[]).await;
    let again = Visitor::with_jar(
        &app.base,
        "en",
        &[("x-forwarded-for", "198.51.100.10")],
        admin.jar.clone(),
    );
    let page = again.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), Some("/"));
    // And /register from that browser (its cookie jar) works too.
    let res = again
        .client
        .post(format!("{}/api/v1/register", app.base))
        .basic_auth(ADMIN_EMAIL, Some(ADMIN_PASSWORD))
        .send()
        .await
        .expect("register");
    assert_eq!(res.status(), StatusCode::CREATED);
}

/// The session cookie a response sets, if any.
fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("keyward_session="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn sign_out_ends_the_session_even_with_a_request_in_flight() {
    let app = TestApp::spawn().await;
    app.admin().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let url = |p: &str| format!("{}{p}", app.base);
    for round in 0..10 {
        // Sign in by hand, to hold the cookie ourselves.
        let login = client.get(url("/login")).send().await.expect("login page");
        let anonymous = session_cookie(&login).expect("session cookie");
        let csrf = csrf_in(&login.text().await.expect("body"));
        let res = client
            .post(url("/login"))
            .header("cookie", &anonymous)
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", ADMIN_EMAIL),
                ("password", ADMIN_PASSWORD),
            ])
            .send()
            .await
            .expect("sign in");
        let signed_in = session_cookie(&res).expect("new session id");
        let page = client
            .get(url("/account/operators/new"))
            .header("cookie", &signed_in)
            .send()
            .await
            .expect("form");
        let csrf = csrf_in(&page.text().await.expect("body"));
        // A slow change (an argon2 hash) and the sign-out, at the same moment.
        let email = format!("racer{round}@example.org");
        let slow = client
            .post(url("/account/operators"))
            .header("cookie", &signed_in)
            .form(&[
                ("csrf", csrf.as_str()),
                ("mode", "password"),
                ("name", "Racer"),
                ("email", email.as_str()),
                ("password", "racer-password"),
                ("password_confirm", "racer-password"),
            ])
            .send();
        let logout = client
            .post(url("/logout"))
            .header("cookie", &signed_in)
            .form(&[("csrf", csrf.as_str())])
            .send();
        let (slow, logout) = tokio::join!(slow, logout);
        let (slow, logout) = (slow.expect("slow"), logout.expect("logout"));
        // Whatever cookie either answer left in the browser is signed out.
        for cookie in [
            Some(signed_in.clone()),
            session_cookie(&slow),
            session_cookie(&logout),
        ]
        .into_iter()
        .flatten()
        {
            let res = client
                .get(url("/account"))
                .header("cookie", &cookie)
                .send()
                .await
                .expect("account");
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "round {round}");
            assert_eq!(
                res.headers().get("location").and_then(|v| v.to_str().ok()),
                Some("/login"),
                "round {round}: {cookie} is still signed in"
            );
        }
    }
}

fn csrf_in(body: &str) -> String {
    body.split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .expect("csrf field")
        .to_owned()
}

#[tokio::test]
async fn the_one_time_secret_shows_once_to_its_creator_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bob_id = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let _ = bob_id;
    let bob = common::signed_in(&app, "bob@example.org").await;
    let base = "/profile/api-credentials";
    bob.get(base).await;
    // The redirect after Generate carries the (encrypted) reveal cookie; keep a copy.
    let res = bob
        .client
        .post(format!("{}{base}/add", app.base))
        .form(&[("csrf", bob.csrf().as_str()), ("label", "Bob's key")])
        .send()
        .await
        .expect("generate");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let reveal = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("keyward_reveal="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
        .expect("reveal cookie");
    let shown = bob.get(base).await;
    let secret = shown.input_value("reveal-secret").expect("shown once");
    // Replayed in the same session: nothing.
    let replay = |v: &Visitor| {
        let (client, url, cookie) = (
            v.client.clone(),
            format!("{}{base}", app.base),
            reveal.clone(),
        );
        async move {
            client
                .get(url)
                .header("cookie", cookie)
                .send()
                .await
                .expect("get")
                .text()
                .await
                .expect("body")
        }
    };
    assert!(!replay(&bob).await.contains(&secret));
    // In another operator's session, or after signing out and in again: nothing.
    let admin_page = admin
        .client
        .get(format!("{}{base}", app.base))
        .header("cookie", &reveal)
        .send()
        .await
        .expect("get");
    assert!(!admin_page.text().await.expect("body").contains(&secret));
    bob.post("/logout", &[]).await;
    bob.sign_in("bob@example.org", "operator-pass-1").await;
    assert!(!replay(&bob).await.contains(&secret));
    assert_eq!(bob.responses_containing(&secret), 1);
}

#[tokio::test]
async fn the_audit_csv_runs_no_formula() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // Labels from an operator, and the email of a sign-in attempt by somebody unknown.
    for label in [
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+SUM(1+1)",
        "-2+3",
        "@SUM(1+1)",
    ] {
        admin.get("/profile/api-credentials").await;
        admin
            .post("/profile/api-credentials/add", &[("label", label)])
            .await;
    }
    Visitor::new(&app.base, "en")
        .sign_in("@SUM(1+1)@example.org", "whatever-password")
        .await;
    let res = admin
        .client
        .get(format!("{}/audit.csv", app.base))
        .send()
        .await
        .expect("csv");
    let body = res.text().await.expect("csv");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let mut cells = 0;
    for record in reader.records() {
        for cell in record.expect("record").iter() {
            cells += 1;
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "a cell a spreadsheet would run: {cell}"
            );
        }
    }
    assert!(cells > 0);
    assert!(
        body.contains("'=HYPERLINK") && body.contains("'@sum(1+1)@example.org"),
        "{body}"
    );
}

#[tokio::test]
async fn sign_out_holds_against_a_password_change_in_flight_that_renews_the_session() {
    let app = TestApp::spawn().await;
    app.admin().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let url = |p: &str| format!("{}{p}", app.base);
    let login = client.get(url("/login")).send().await.expect("login page");
    let anonymous = session_cookie(&login).expect("session cookie");
    let csrf = csrf_in(&login.text().await.expect("body"));
    let res = client
        .post(url("/login"))
        .header("cookie", &anonymous)
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", ADMIN_EMAIL),
            ("password", ADMIN_PASSWORD),
        ])
        .send()
        .await
        .expect("sign in");
    let signed_in = session_cookie(&res).expect("session");
    let page = client
        .get(url("/profile/password"))
        .header("cookie", &signed_in)
        .send()
        .await
        .expect("form");
    let csrf = csrf_in(&page.text().await.expect("body"));
    // The password change (two argon2 runs, then a new session id) and the sign-out at once.
    let change = client
        .post(url("/profile/password"))
        .header("cookie", &signed_in)
        .form(&[
            ("csrf", csrf.as_str()),
            ("current", ADMIN_PASSWORD),
            ("password", "a new password"),
            ("password_confirm", "a new password"),
        ])
        .send();
    let logout = client
        .post(url("/logout"))
        .header("cookie", &signed_in)
        .form(&[("csrf", csrf.as_str())])
        .send();
    let (change, logout) = tokio::join!(change, logout);
    let (change, logout) = (change.expect("change"), logout.expect("logout"));
    for cookie in [
        Some(signed_in.clone()),
        session_cookie(&change),
        session_cookie(&logout),
    ]
    .into_iter()
    .flatten()
    {
        let res = client
            .get(url("/account"))
            .header("cookie", &cookie)
            .send()
            .await
            .expect("account");
        assert_eq!(
            res.headers().get("location").and_then(|v| v.to_str().ok()),
            Some("/login"),
            "{cookie} is still signed in"
        );
    }
}
