//! The API side: credentials at work, verification for other services, last use,
//! throttling — on SQLite or PostgreSQL.

mod common;

use chrono::Timelike;
use common::{ADMIN_EMAIL, ADMIN_PASSWORD, Revealed, TestApp, eventually};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// An administrator's credential (staged and saved through the console).
async fn admin_key(app: &TestApp) -> (common::Visitor, Revealed) {
    let admin = app.admin().await;
    let key = app.stage_api_user(&admin, 1, "Admin automation").await;
    app.save(&admin, 1).await;
    (admin, key)
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn call(
    method: reqwest::Method,
    app: &TestApp,
    path: &str,
    key: &Revealed,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = client()
        .request(method, format!("{}{path}", app.base))
        .basic_auth(&key.username, Some(&key.password));
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    let text = res.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn credentials_api_create_list_patch_delete() {
    let app = TestApp::spawn().await;
    let (_admin, key) = admin_key(&app).await;

    // Create: 201, secret and token once, no-store.
    let res = client()
        .post(format!("{}/api/v1/credentials", app.base))
        .bearer_auth(&key.token)
        .json(&json!({"label": "Made by the API"}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(
        res.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let created: Value = res.json().await.expect("json");
    let made = Revealed {
        username: created["id"].as_str().expect("id").to_owned(),
        password: created["secret"].as_str().expect("secret").to_owned(),
        token: created["token"].as_str().expect("token").to_owned(),
    };
    assert_eq!(created["owner"]["id"], 1);
    assert_eq!(
        app.whoami(&made.username, &made.password).await.0,
        StatusCode::OK
    );

    // List: both, never a secret.
    let (status, list) = call(
        reqwest::Method::GET,
        &app,
        "/api/v1/credentials",
        &key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = list["credentials"]
        .as_array()
        .expect("array")
        .iter()
        .map(|c| c["id"].as_str().expect("id"))
        .collect();
    assert!(ids.contains(&made.username.as_str()) && ids.contains(&key.username.as_str()));
    assert!(!list.to_string().contains(&made.password));

    // Deactivate → refused at once; reactivate → the same secret works again.
    let path = format!("/api/v1/credentials/{}", made.username);
    let (status, body) = call(
        reqwest::Method::PATCH,
        &app,
        &path,
        &key,
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["active"], false);
    assert_eq!(
        app.whoami(&made.username, &made.password).await.0,
        StatusCode::UNAUTHORIZED
    );
    call(
        reqwest::Method::PATCH,
        &app,
        &path,
        &key,
        Some(json!({"active": true, "label": "Renamed"})),
    )
    .await;
    let (status, me) = app.whoami(&made.username, &made.password).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["credential"]["label"], "Renamed");

    // Bad input: 400 with a JSON error, nothing changed.
    let long = "x".repeat(101);
    let (status, body) = call(
        reqwest::Method::PATCH,
        &app,
        &path,
        &key,
        Some(json!({"label": long})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "bad_request");
    let (status, _) = call(
        reqwest::Method::PATCH,
        &app,
        &path,
        &key,
        Some(json!({"active": "yes"})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let res = client()
        .post(format!("{}/api/v1/credentials", app.base))
        .basic_auth(&key.username, Some(&key.password))
        .header("content-type", "application/json")
        .body("x".repeat(100_000))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        app.whoami(&made.username, &made.password).await.1["credential"]["label"],
        "Renamed"
    );

    // Delete → 204, then 401 at once; deleting again → 404.
    let (status, _) = call(reqwest::Method::DELETE, &app, &path, &key, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.whoami(&made.username, &made.password).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = call(reqwest::Method::DELETE, &app, &path, &key, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"], "not_found");
    assert!(app.assert_key_counts_agree() > 0);
}

#[tokio::test]
async fn the_credential_list_comes_in_pages_that_miss_and_repeat_nothing() {
    let app = TestApp::spawn().await;
    let (_admin, key) = admin_key(&app).await;
    for i in 0..6 {
        let body = json!({"label": format!("Paged {i}")});
        let (status, _) = call(
            reqwest::Method::POST,
            &app,
            "/api/v1/credentials",
            &key,
            Some(body),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let list = |query: String| {
        let (app, key) = (&app, &key);
        async move {
            call(
                reqwest::Method::GET,
                app,
                &format!("/api/v1/credentials{query}"),
                key,
                None,
            )
            .await
        }
    };
    let ids = |body: &Value| -> Vec<String> {
        body["credentials"]
            .as_array()
            .expect("credentials")
            .iter()
            .map(|c| c["id"].as_str().expect("id").to_owned())
            .collect()
    };
    // Without a limit: all seven (the administrator's own and six), oldest first.
    let (status, whole) = list(String::new()).await;
    assert_eq!(status, StatusCode::OK);
    let all = ids(&whole);
    assert_eq!((all.len(), whole["total"].as_i64()), (7, Some(7)));
    assert!(whole["next"].is_null());
    assert_eq!(all[0], key.username);

    // Three at a time; the key the cursor points at is deleted between two pages.
    let (mut seen, mut after, mut pages) = (Vec::new(), String::new(), 0);
    loop {
        let (status, body) = list(format!("?limit=3{after}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        pages += 1;
        let page = ids(&body);
        assert!(page.len() <= 3);
        seen.extend(page.clone());
        if pages == 1 {
            let last = page.last().expect("a full first page");
            let path = format!("/api/v1/credentials/{last}");
            let (status, _) = call(reqwest::Method::DELETE, &app, &path, &key, None).await;
            assert_eq!(status, StatusCode::NO_CONTENT);
        }
        match body["next"].as_str() {
            Some(next) => after = format!("&after={next}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, all, "every key once, in order, across the pages");
    let (_, after_delete) = list(String::new()).await;
    assert_eq!(after_delete["total"], 6);

    // Bad paging gets a 400 that says what is wrong.
    for query in [
        "?limit=0",
        "?limit=1001",
        "?limit=many",
        "?after=yesterday",
        "?after=1.x",
        "?after=99999999999999999999.1",
    ] {
        let (status, body) = list(query.to_owned()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(body["error"], "bad_request", "{query}");
        assert!(
            !body["message"].as_str().unwrap_or("").is_empty(),
            "{query}"
        );
    }
}

#[tokio::test]
async fn a_credential_has_its_owners_privileges() {
    let app = TestApp::spawn().await;
    let (admin, admin_cred) = admin_key(&app).await;
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let bob_key = app.stage_api_user(&admin, bob, "Bob's script").await;
    app.save(&admin, bob).await;
    let owner = format!("operator:{bob}");

    // The administrator's credential manages Bob's credentials.
    let (status, list) = call(
        reqwest::Method::GET,
        &app,
        &format!("/api/v1/credentials?owner={owner}"),
        &admin_cred,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["owner"]["name"], "Bob Builder");
    let (status, made) = call(
        reqwest::Method::POST,
        &app,
        "/api/v1/credentials",
        &admin_cred,
        Some(json!({"label": "For Bob", "owner": owner})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let made_id = made["id"].as_str().expect("id").to_owned();

    // Bob's credential may not touch the administrator's: 403 for another owner, 404 for
    // another owner's credential id (no leak of existence).
    let (status, body) = call(
        reqwest::Method::GET,
        &app,
        "/api/v1/credentials?owner=operator:1",
        &bob_key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"], "forbidden");
    let (status, _) = call(
        reqwest::Method::POST,
        &app,
        "/api/v1/credentials",
        &bob_key,
        Some(json!({"label": "x", "owner": "operator:1"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let theirs = format!("/api/v1/credentials/{}", admin_cred.username);
    let (status, _) = call(reqwest::Method::DELETE, &app, &theirs, &bob_key, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (unknown_status, unknown_body) = call(
        reqwest::Method::DELETE,
        &app,
        "/api/v1/credentials/NoSuchCredentia",
        &bob_key,
        None,
    )
    .await;
    assert_eq!(unknown_status, StatusCode::NOT_FOUND);
    let (_, theirs_body) = call(reqwest::Method::GET, &app, &theirs, &bob_key, None).await;
    assert_eq!(theirs_body, unknown_body);
    assert_eq!(
        app.whoami(&admin_cred.username, &admin_cred.password)
            .await
            .0,
        StatusCode::OK
    );
    // But Bob manages his own, including the one the administrator made for him.
    let (status, _) = call(
        reqwest::Method::PATCH,
        &app,
        &format!("/api/v1/credentials/{made_id}"),
        &bob_key,
        Some(json!({"label": "Mine now"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Bad owner syntax and unknown owners.
    let (status, _) = call(
        reqwest::Method::GET,
        &app,
        "/api/v1/credentials?owner=robot",
        &admin_cred,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = call(
        reqwest::Method::GET,
        &app,
        "/api/v1/credentials?owner=operator:999",
        &admin_cred,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // API changes show on the API management tab and count as a change for staged drafts.
    let page = admin.get(&format!("/account/operators/{bob}/api")).await;
    assert!(page.contains("Mine now"));
}

#[tokio::test]
async fn every_invalid_credential_gets_the_same_401() {
    let app = TestApp::spawn().await;
    let (admin, key) = admin_key(&app).await;
    let inactive = app.stage_api_user(&admin, 1, "Inactive").await;
    app.save(&admin, 1).await;
    call(
        reqwest::Method::PATCH,
        &app,
        &format!("/api/v1/credentials/{}", inactive.username),
        &key,
        Some(json!({"active": false})),
    )
    .await;
    let deleted = app.stage_api_user(&admin, 1, "Deleted").await;
    app.save(&admin, 1).await;
    call(
        reqwest::Method::DELETE,
        &app,
        &format!("/api/v1/credentials/{}", deleted.username),
        &key,
        None,
    )
    .await;
    // Past its expiry (as time passing would leave it: `expiry_is_honoured…` goes the
    // real way).
    let expired = app.stage_api_user(&admin, 1, "Expired").await;
    app.save(&admin, 1).await;
    {
        use diesel::prelude::*;
        use keyward::db::schema::credentials;
        let yesterday = chrono::Utc::now().naive_utc() - chrono::Duration::days(1);
        diesel::update(credentials::table.filter(credentials::public_id.eq(&expired.username)))
            .set(credentials::expires_at.eq(Some(yesterday)))
            .execute(&mut app.db())
            .expect("update");
    }
    // Staged but not saved: its secret does not work yet.
    let staged = app.stage_api_user(&admin, 1, "Never saved").await;

    let wrong_secret = "Z".repeat(32);
    let cases = [
        ("unknown", "AAAAAAAAAAAAAAAA".to_owned(), "B".repeat(32)),
        ("wrong secret", key.username.clone(), wrong_secret),
        (
            "inactive",
            inactive.username.clone(),
            inactive.password.clone(),
        ),
        (
            "deleted",
            deleted.username.clone(),
            deleted.password.clone(),
        ),
        (
            "expired",
            expired.username.clone(),
            expired.password.clone(),
        ),
        (
            "not yet saved",
            staged.username.clone(),
            staged.password.clone(),
        ),
        (
            "not a Keyward credential",
            "someone".to_owned(),
            "password".to_owned(),
        ),
    ];
    let mut bodies = Vec::new();
    for (case, user, password) in &cases {
        let res = client()
            .get(format!("{}/api/v1/whoami", app.base))
            .basic_auth(user, Some(password))
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{case}");
        assert!(res.headers().get("www-authenticate").is_some(), "{case}");
        bodies.push(res.text().await.expect("body"));
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "identical bodies: {bodies:?}"
    );
    let body: Value = serde_json::from_str(&bodies[0]).expect("json");
    assert_eq!(body["error"], "invalid_credentials");
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("invalid")
    );
}

#[tokio::test]
async fn register_creates_an_account_that_lists_on_the_tab() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let res = client()
        .post(format!("{}/api/v1/register", app.base))
        .basic_auth(ADMIN_EMAIL, Some(ADMIN_PASSWORD))
        .send()
        .await
        .expect("register");
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(
        res.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let body: Value = res.json().await.expect("json");
    let (username, password) = (
        body["username"].as_str().expect("username"),
        body["password"].as_str().expect("password"),
    );
    assert_eq!(body["id"], username);
    assert_eq!(body["secret"], password);
    assert_eq!(app.whoami(username, password).await.0, StatusCode::OK);
    let page = admin.get("/account/operators/1/api").await;
    assert!(page.contains(username));
    assert!(page.contains("Registered through the API on "));
    assert!(!page.contains(password));

    // With a label; and the wrong password is refused like any sign-in failure.
    let res = client()
        .post(format!("{}/api/v1/register", app.base))
        .basic_auth(ADMIN_EMAIL, Some(ADMIN_PASSWORD))
        .json(&json!({"label": "Uptrends checks"}))
        .send()
        .await
        .expect("register");
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = client()
        .post(format!("{}/api/v1/register", app.base))
        .basic_auth(ADMIN_EMAIL, Some("wrong password"))
        .send()
        .await
        .expect("register");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(
        admin
            .get("/account/operators/1/api")
            .await
            .contains("Uptrends checks")
    );
    assert!(app.assert_key_counts_agree() > 0);
}

#[tokio::test]
async fn failures_are_limited_and_never_refuse_a_valid_key() {
    let app = TestApp::spawn_with(|s| s.auth_failure_limit = 3).await;
    let (admin, key) = admin_key(&app).await;
    let other = app.stage_api_user(&admin, 1, "Never used yet").await;
    app.save(&admin, 1).await;
    for _ in 0..3 {
        assert_eq!(
            app.whoami(&key.username, &"W".repeat(32)).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    // The address (and the id guessed at) have used up their failures: more guesses get
    // 429 with a Retry-After…
    let res = client()
        .get(format!("{}/api/v1/whoami", app.base))
        .basic_auth(&other.username, Some(&"G".repeat(32)))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().get("retry-after").is_some());
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"], "rate_limited");
    // …but a valid key is never refused because of failures, from the same address, even the
    // one whose id was guessed at, even one this process never checked before.
    assert_eq!(
        app.whoami(&key.username, &key.password).await.0,
        StatusCode::OK
    );
    assert_eq!(
        app.whoami(&other.username, &other.password).await.0,
        StatusCode::OK
    );
    assert_eq!(app.whoami_bearer(&other.token).await.0, StatusCode::OK);
    // When the window is over, a wrong secret is a plain 401 again.
    app.state.clock.advance(chrono::Duration::seconds(60));
    assert_eq!(
        app.whoami(&key.username, &"W".repeat(32)).await.0,
        StatusCode::UNAUTHORIZED
    );

    // /register is limited like sign-in, per address and account for unknown clients; a
    // client that registered before (it keeps its device cookie) is not refused for others'
    // failures.
    let known = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let register = |client: reqwest::Client, password: &'static str| {
        let base = app.base.clone();
        async move {
            client
                .post(format!("{base}/api/v1/register"))
                .basic_auth(ADMIN_EMAIL, Some(password))
                .send()
                .await
                .expect("post")
                .status()
        }
    };
    assert_eq!(
        register(known.clone(), ADMIN_PASSWORD).await,
        StatusCode::CREATED
    );
    for _ in 0..3 {
        assert_eq!(register(client(), "nope").await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        register(client(), ADMIN_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        register(known.clone(), ADMIN_PASSWORD).await,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn verification_for_other_services() {
    let app = TestApp::spawn().await;
    let (admin, service) = admin_key(&app).await;
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let bobs = app.stage_api_user(&admin, bob, "Bob's client").await;
    app.save(&admin, bob).await;

    let verify = |key: String| {
        let (base, service) = (app.base.clone(), service.clone());
        async move {
            let res = client()
                .post(format!("{base}/api/v1/verify"))
                .basic_auth(&service.username, Some(&service.password))
                .json(&json!({"key": key, "client_ip": "198.51.100.7"}))
                .send()
                .await
                .expect("verify");
            (res.status(), res.json::<Value>().await.expect("json"))
        }
    };
    let (status, body) = verify(bobs.token.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["valid"], true);
    assert_eq!(body["owner"]["kind"], "operator");
    assert_eq!(body["account"], 1);
    assert_eq!(body["owner"]["name"], "Bob Builder");
    assert_eq!(body["credential"]["id"], bobs.username.as_str());
    let (_, body) = verify("kwd_nonsense".into()).await;
    assert_eq!(body, json!({"valid": false, "code": "invalid_credentials"}));
    // The verified key's last use is recorded from the address the service reported.
    eventually("last use from the reported address", || async {
        admin
            .get(&format!("/account/operators/{bob}/api"))
            .await
            .contains("from 198.51.100.7")
    })
    .await;
    // The caller itself must authenticate.
    let res = client()
        .post(format!("{}/api/v1/verify", app.base))
        .json(&json!({"key": bobs.token}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    // /auth/forward for reverse proxies.
    let res = client()
        .get(format!("{}/auth/forward", app.base))
        .bearer_auth(&bobs.token)
        .send()
        .await
        .expect("forward");
    assert_eq!(res.status(), StatusCode::OK);
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(header("x-keyward-credential"), Some(bobs.username.clone()));
    assert_eq!(header("x-keyward-owner"), Some(bob.to_string()));
    assert_eq!(header("x-keyward-owner-kind"), Some("operator".into()));
    assert_eq!(header("x-keyward-account"), Some("1".into()));
    for auth in [None, Some("Bearer kwd_x_y"), Some("Basic %%%")] {
        let mut req = client().get(format!("{}/auth/forward", app.base));
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        assert_eq!(
            req.send().await.expect("forward").status(),
            StatusCode::UNAUTHORIZED,
            "{auth:?}"
        );
    }
    // With the original path appended (Envoy's ext_authz), any method: the same check.
    let appended = client()
        .post(format!("{}/auth/forward/protected/report?x=1", app.base))
        .bearer_auth(&bobs.token)
        .send()
        .await
        .expect("forward");
    assert_eq!(appended.status(), StatusCode::OK);
    let refused = client()
        .delete(format!("{}/auth/forward/protected/report", app.base))
        .send()
        .await
        .expect("forward");
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        refused.json::<Value>().await.expect("json")["error"],
        "invalid_credentials"
    );
}

#[tokio::test]
async fn client_address_comes_from_forwarded_for_only_behind_a_trusted_proxy() {
    for (trusted, expected) in [
        (vec![], "127.0.0.1"),
        (vec!["127.0.0.0/8".parse().expect("net")], "203.0.113.9"),
    ] {
        let app = TestApp::spawn_with(|s| s.trusted_proxies = trusted).await;
        let (admin, key) = admin_key(&app).await;
        let res = client()
            .get(format!("{}/api/v1/whoami", app.base))
            .basic_auth(&key.username, Some(&key.password))
            .header("x-forwarded-for", "203.0.113.9")
            .send()
            .await
            .expect("whoami");
        assert_eq!(res.status(), StatusCode::OK);
        eventually("the client address shows", || async {
            admin
                .get("/account/operators/1/api")
                .await
                .contains(&format!("from {expected}"))
        })
        .await;
    }
}

#[tokio::test]
async fn revocation_through_one_process_is_honoured_by_another_at_once() {
    let a = TestApp::spawn().await;
    let b = a.sibling().await;
    let (_admin, key) = admin_key(&a).await;
    let bob_key = {
        let (status, made) = call(
            reqwest::Method::POST,
            &a,
            "/api/v1/credentials",
            &key,
            Some(json!({"label": "Shared"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        Revealed {
            username: made["id"].as_str().expect("id").into(),
            password: made["secret"].as_str().expect("secret").into(),
            token: made["token"].as_str().expect("token").into(),
        }
    };
    // B verifies it (and caches the successful check).
    for _ in 0..3 {
        assert_eq!(b.whoami_bearer(&bob_key.token).await.0, StatusCode::OK);
    }
    // Deactivated through A: the next request through B is refused.
    call(
        reqwest::Method::PATCH,
        &a,
        &format!("/api/v1/credentials/{}", bob_key.username),
        &key,
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!(
        b.whoami_bearer(&bob_key.token).await.0,
        StatusCode::UNAUTHORIZED
    );
    call(
        reqwest::Method::PATCH,
        &a,
        &format!("/api/v1/credentials/{}", bob_key.username),
        &key,
        Some(json!({"active": true})),
    )
    .await;
    assert_eq!(b.whoami_bearer(&bob_key.token).await.0, StatusCode::OK);
    // Deleted through A: refused through B at once.
    call(
        reqwest::Method::DELETE,
        &a,
        &format!("/api/v1/credentials/{}", bob_key.username),
        &key,
        None,
    )
    .await;
    assert_eq!(
        b.whoami_bearer(&bob_key.token).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn openapi_document_and_reference_page() {
    let app = TestApp::spawn().await;
    let res = client()
        .get(format!("{}/api/openapi.json", app.base))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::OK);
    let doc: Value = res.json().await.expect("json");
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    for path in [
        "/api/v1/whoami",
        "/api/v1/credentials",
        "/api/v1/credentials/{id}",
        "/api/v1/register",
        "/api/v1/verify",
        "/auth/forward",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    assert!(doc.pointer("/components/securitySchemes/basic").is_some());
    // Every call has an id of its own, and says that it can be throttled and that the
    // database can be down, and every call that takes a credential that it can be refused
    // (the leak report takes none); timestamps are date-times.
    let mut ids = std::collections::HashSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            let id = op["operationId"].as_str().expect("operationId");
            assert!(ids.insert(id.to_owned()), "{id} twice");
            let open = id == "reportLeak";
            assert_eq!(
                op.get("security").is_none(),
                open || id == "githubSecretScanning",
                "{id}"
            );
            let statuses: &[&str] = if open {
                &["429", "503"]
            } else {
                &["401", "429", "503"]
            };
            for status in statuses {
                assert!(
                    op["responses"].get(status).is_some(),
                    "{method} {path} does not document {status}"
                );
            }
        }
    }
    // It names its server, and /register's own way in (a person's email and password).
    assert!(
        doc["servers"][0]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("http")),
        "{}",
        doc["servers"]
    );
    assert!(
        doc["paths"]["/api/v1/register"]["post"]["security"][0]
            .get("operatorPassword")
            .is_some()
    );
    assert!(
        doc.pointer("/components/securitySchemes/operatorPassword")
            .is_some()
    );
    for field in ["created_at", "last_used_at", "expires_at"] {
        assert_eq!(
            doc.pointer(&format!(
                "/components/schemas/CredentialView/properties/{field}/format"
            )),
            Some(&json!("date-time")),
            "{field}"
        );
    }
    let admin = app.admin().await;
    let page = admin.get("/api/docs").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("API reference"));
    assert!(page.contains("/api/v1/register"));
    assert!(page.contains("CreatedCredential"));
    // Descriptions' `code` is shown as code, never as backticks.
    assert!(page.contains("follow <code>next</code> (as <code>after</code>)"));
    assert!(!page.contains("`"), "no backtick left in the page");
    // In the console's language: a French operator reads it in French.
    admin
        .post("/language", &[("lang", "fr"), ("next", "/api/docs")])
        .await;
    let fr = admin.get("/api/docs").await;
    assert!(fr.contains("Référence de l&#39;API") || fr.contains("Référence de l'API"));
    assert!(
        fr.contains("suivez <code>next</code> (comme <code>after</code>)"),
        "{}",
        fr.body
    );
    assert!(fr.contains("Crée un identifiant."));
    assert!(!fr.contains("Create a credential."));
    admin
        .post("/language", &[("lang", "en"), ("next", "/")])
        .await;
    assert!(
        admin
            .get("/account/operators/1/api")
            .await
            .contains("href=\"/api/docs\""),
        "linked from the console"
    );
}

#[tokio::test]
async fn database_down_fails_closed_and_recovers() {
    // Only PostgreSQL can be stopped under a running app; on SQLite the database is a file
    // inside the process, and this test checks the healthy answers only.
    let app = TestApp::spawn_with(|s| s.db_timeout_ms = 500).await;
    let (_admin, key) = admin_key(&app).await;
    let health = || async {
        client()
            .get(format!("{}/healthz", app.base))
            .send()
            .await
            .expect("healthz")
            .status()
    };
    assert_eq!(health().await, StatusCode::OK);
    let Ok(base) = std::env::var("KEYWARD_TEST_DATABASE_URL") else {
        return;
    };
    let name = app
        .database_url
        .rsplit('/')
        .next()
        .expect("name")
        .split('?')
        .next()
        .expect("name")
        .to_owned();
    let mut admin_conn =
        keyward::db::connect(&keyward::db::DatabaseUrl::parse(&base)).expect("connect");
    use diesel::connection::SimpleConnection;
    // Refuse new connections and end the current ones: the database is "down".
    admin_conn
        .batch_execute(&format!(
            "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false"
        ))
        .expect("alter");
    admin_conn
        .batch_execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        ))
        .expect("terminate");
    assert_eq!(health().await, StatusCode::SERVICE_UNAVAILABLE);
    let (status, body) = app.whoami(&key.username, &key.password).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body["error"], "unavailable");
    let page = app.visitor().get("/login").await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(page.contains("The database is not answering"));
    // Back: Keyward recovers without a restart.
    admin_conn
        .batch_execute(&format!(
            "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true"
        ))
        .expect("alter");
    eventually("the API works again", || async {
        app.whoami(&key.username, &key.password).await.0 == StatusCode::OK
    })
    .await;
    assert_eq!(health().await, StatusCode::OK);
}

#[tokio::test]
async fn many_keys_generated_at_once_through_two_processes_agree_with_the_journal() {
    let a = TestApp::spawn().await;
    let b = a.sibling().await;
    let (_admin, key) = admin_key(&a).await;
    let mut calls = Vec::new();
    for i in 0..24 {
        let (base, key) = (
            if i % 2 == 0 {
                a.base.clone()
            } else {
                b.base.clone()
            },
            key.clone(),
        );
        calls.push(tokio::spawn(async move {
            client()
                .post(format!("{base}/api/v1/credentials"))
                .basic_auth(&key.username, Some(&key.password))
                .json(&json!({"label": format!("Concurrent {i}")}))
                .send()
                .await
                .expect("post")
                .status()
        }));
    }
    for call in calls {
        assert_eq!(call.await.expect("task"), StatusCode::CREATED);
    }
    use diesel::prelude::*;
    use keyward::db::schema::{audit_events, credentials};
    let mut conn = a.db();
    let made: i64 = credentials::table
        .filter(credentials::label.like("Concurrent %"))
        .count()
        .get_result(&mut conn)
        .expect("count");
    let journalled: i64 = audit_events::table
        .filter(audit_events::action.eq("credential.created"))
        .filter(audit_events::target_name.like("Concurrent %"))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!((made, journalled), (24, 24));
    assert!(a.assert_key_counts_agree() >= 24);
}

#[tokio::test]
async fn expiry_is_checked_on_creation_and_honoured_on_the_next_request() {
    let app = TestApp::spawn().await;
    let (_admin, key) = admin_key(&app).await;
    let now = chrono::Utc::now();
    for (expires_at, code) in [
        (
            json!((now - chrono::Duration::minutes(1)).to_rfc3339()),
            "bad_request",
        ),
        (
            json!((now + chrono::Duration::days(11 * 366)).to_rfc3339()),
            "bad_request",
        ),
        (json!("next tuesday"), "bad_request"),
        (json!(12), "bad_request"),
    ] {
        let (status, body) = call(
            reqwest::Method::POST,
            &app,
            "/api/v1/credentials",
            &key,
            Some(json!({"label": "Refused", "expires_at": expires_at})),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{expires_at}: {body}");
        assert_eq!(body["error"], code);
    }
    let (_, listed) = call(
        reqwest::Method::GET,
        &app,
        "/api/v1/credentials",
        &key,
        None,
    )
    .await;
    assert_eq!(
        listed["credentials"].as_array().map(Vec::len),
        Some(1),
        "nothing half-written: {listed}"
    );

    // Three seconds ahead (room for a loaded machine): it works now and not once the time
    // has come.
    let at = chrono::Utc::now() + chrono::Duration::seconds(3);
    let (status, created) = call(
        reqwest::Method::POST,
        &app,
        "/api/v1/credentials",
        &key,
        Some(json!({"label": "Short-lived", "expires_at": at.to_rfc3339()})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let expected = at.with_nanosecond(0).expect("whole seconds").to_rfc3339();
    assert_eq!(created["credential"]["expires_at"], json!(expected));
    let token = created["token"].as_str().expect("token").to_owned();
    let whoami = || async {
        client()
            .get(format!("{}/api/v1/whoami", app.base))
            .bearer_auth(&token)
            .send()
            .await
            .expect("whoami")
    };
    let res = whoami().await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["credential"]["expires_at"], json!(expected));

    let until_expired = (at - chrono::Utc::now()).num_milliseconds().max(0) as u64 + 600;
    tokio::time::sleep(std::time::Duration::from_millis(until_expired)).await;
    let res = whoami().await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let expired: Value = res.json().await.expect("json");
    assert_eq!(expired["error"], "invalid_credentials");

    // PATCH moves the expiry (checked like at creation), removes it with null, and leaves it
    // alone when absent; each change is journalled.
    let id = created["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/credentials/{id}");
    let patch = |body: Value| call(reqwest::Method::PATCH, &app, &path, &key, Some(body));
    let (status, body) =
        patch(json!({"expires_at": (now - chrono::Duration::days(1)).to_rfc3339()})).await;
    assert_eq!(
        (status, body["error"].clone()),
        (StatusCode::BAD_REQUEST, json!("bad_request"))
    );
    let later = (now + chrono::Duration::days(30))
        .with_nanosecond(0)
        .expect("whole seconds");
    let (status, body) = patch(json!({"expires_at": later.to_rfc3339()})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["expires_at"], json!(later.to_rfc3339()));
    assert_eq!(
        whoami().await.status(),
        StatusCode::OK,
        "works again until then"
    );
    let (_, body) = patch(json!({"label": "Renamed only"})).await;
    assert_eq!(
        body["expires_at"],
        json!(later.to_rfc3339()),
        "absent: unchanged"
    );
    let (_, body) = patch(json!({"expires_at": null})).await;
    assert_eq!(body["expires_at"], Value::Null, "null: no expiry");
    use diesel::prelude::*;
    use keyward::db::schema::audit_events;
    let journalled: i64 = audit_events::table
        .filter(audit_events::action.eq("credential.expiry_changed"))
        .filter(audit_events::target_id.eq(&id))
        .count()
        .get_result(&mut app.db())
        .expect("count");
    assert_eq!(journalled, 2);
}

#[tokio::test]
async fn a_revocation_racing_verifications_is_final_once_answered() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};
    let app = TestApp::spawn().await;
    let (admin, key) = admin_key(&app).await;
    let target = app.stage_api_user(&admin, 1, "Raced").await;
    app.save(&admin, 1).await;

    // Eight callers keep verifying the key while it is deleted through the API.
    let stop = Arc::new(AtomicBool::new(false));
    let mut callers = Vec::new();
    for _ in 0..8 {
        let (stop, base, target) = (stop.clone(), app.base.clone(), target.clone());
        callers.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut seen = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let sent = Instant::now();
                let res = client
                    .get(format!("{base}/api/v1/whoami"))
                    .basic_auth(&target.username, Some(&target.password))
                    .send()
                    .await
                    .expect("whoami");
                seen.push((sent, res.status()));
            }
            seen
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, _) = call(
        reqwest::Method::DELETE,
        &app,
        &format!("/api/v1/credentials/{}", target.username),
        &key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let revoked = Instant::now();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let mut seen = Vec::new();
    for caller in callers {
        seen.extend(caller.await.expect("caller"));
    }

    // Refused means 401, or 429 once the failures on this id pile up (the throttle).
    let refused =
        |s: &StatusCode| *s == StatusCode::UNAUTHORIZED || *s == StatusCode::TOO_MANY_REQUESTS;
    let odd: Vec<_> = seen
        .iter()
        .filter(|(_, s)| *s != StatusCode::OK && !refused(s))
        .collect();
    assert!(
        odd.is_empty(),
        "only 200, 401 or 429 during the race: {odd:?}"
    );
    assert!(
        seen.iter()
            .any(|(at, s)| *at < revoked && *s == StatusCode::OK)
    );
    let after: Vec<_> = seen.iter().filter(|(at, _)| *at > revoked).collect();
    // (Under load the first refusals may all have gone to requests sent before the delete
    // was answered, and those after it meet the throttle: refused either way.)
    assert!(!after.is_empty(), "requests were sent after the delete");
    assert!(
        after.iter().all(|(_, s)| refused(s)),
        "every request sent after the delete was answered is refused"
    );

    // The data and the journal agree: the row is gone, deleted once; the last-used flush that
    // follows (uses recorded during the race) neither brings it back nor fails.
    tokio::time::sleep(Duration::from_millis(200)).await;
    use diesel::prelude::*;
    use keyward::db::schema::{audit_events, credentials};
    let mut conn = app.db();
    let rows: i64 = credentials::table
        .filter(credentials::public_id.eq(&target.username))
        .count()
        .get_result(&mut conn)
        .expect("count");
    let deletions: i64 = audit_events::table
        .filter(audit_events::action.eq("credential.deleted"))
        .filter(audit_events::target_id.eq(&target.username))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!((rows, deletions), (0, 1));
    let (status, _) = app.whoami(&key.username, &key.password).await;
    assert_eq!(status, StatusCode::OK, "the app is fine after the race");
}

#[tokio::test]
async fn last_used_is_written_for_every_key_of_a_flush_and_never_moves_back() {
    use keyward::db::credentials::{self, NewCredentialInput, OwnerRef};
    let app = TestApp::spawn().await;
    app.admin().await;
    let mut conn = app.db();
    let at = |hour: u32| {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 1)
            .and_then(|d| d.and_hms_opt(hour, 0, 0))
            .expect("time")
    };
    let ids: Vec<i32> = (0..3)
        .map(|i| {
            let public_id = format!("FLUSH{i:011}");
            let input = NewCredentialInput {
                account_id: 1,
                owner: OwnerRef::Operator(1),
                public_id: &public_id,
                secret_hash: "not-a-hash",
                label: "flushed",
                created_by: None,
                expires_at: None,
                allowed_from: "",
                scopes: common::EVERY_KEYWARD_SCOPE,
                rate_limit: None,
                notify_new_network: None,
                canary: false,
            };
            credentials::create(&mut conn, &input, at(0))
                .expect("key")
                .id
        })
        .collect();
    let batch = |uses: &[(i32, u32, &str)]| {
        uses.iter()
            .map(|(id, hour, ip)| (*id, (at(*hour), ip.to_string())))
            .collect::<std::collections::HashMap<_, _>>()
    };
    let read = |conn: &mut keyward::db::DbConn| {
        ids.iter()
            .map(|id| {
                let c = credentials::list_for_owner(conn, OwnerRef::Operator(1))
                    .expect("keys")
                    .into_iter()
                    .find(|c| c.id == *id)
                    .expect("key");
                (c.last_used_at, c.last_used_ip)
            })
            .collect::<Vec<_>>()
    };
    // One flush writes every key in it.
    credentials::record_uses(
        &mut conn,
        &batch(&[(ids[0], 10, "192.0.2.1"), (ids[1], 11, "192.0.2.2")]),
    )
    .expect("flush");
    // A later flush with an older use (another process's, late) leaves the newer one.
    credentials::record_uses(
        &mut conn,
        &batch(&[(ids[0], 9, "192.0.2.9"), (ids[1], 12, "192.0.2.3")]),
    )
    .expect("flush");
    assert_eq!(
        read(&mut conn),
        vec![
            (Some(at(10)), Some("192.0.2.1".to_owned())),
            (Some(at(12)), Some("192.0.2.3".to_owned())),
            (None, None),
        ]
    );
    app.assert_key_counts_agree();
}

#[tokio::test]
async fn a_key_stored_with_argon2_before_keyed_hashes_works_and_is_upgraded_once() {
    use diesel::prelude::*;
    use keyward::db::credentials::{self, NewCredentialInput, OwnerRef};
    use keyward::db::schema::credentials as c;
    let app = TestApp::spawn().await;
    app.admin().await;
    // A row as the version before keyed hashes wrote it: the secret as argon2id.
    let secret = "OldSecret0123456789abcdefghijklm";
    let argon2 = keyward::auth::password::hash(secret).expect("hash");
    let mut conn = app.db();
    let input = NewCredentialInput {
        account_id: 1,
        owner: OwnerRef::Operator(1),
        public_id: "LegacyKey0000001",
        secret_hash: &argon2,
        label: "From before",
        created_by: None,
        expires_at: None,
        allowed_from: "",
        scopes: common::EVERY_KEYWARD_SCOPE,
        rate_limit: None,
        notify_new_network: None,
        canary: false,
    };
    credentials::create(&mut conn, &input, chrono::Utc::now().naive_utc()).expect("row");
    // Its old token form (no checksum) and Basic both work; a wrong secret does not.
    let legacy_token = format!("kwd_LegacyKey0000001_{secret}");
    assert_eq!(
        app.whoami("LegacyKey0000001", &"W".repeat(32)).await.0,
        StatusCode::UNAUTHORIZED
    );
    let checks = app.state.verifier.legacy_checks();
    let (status, who) = app.whoami_bearer(&legacy_token).await;
    assert_eq!(status, StatusCode::OK, "{who}");
    // Upgraded to the keyed hash in that request: argon2 is never run for it again.
    let stored: String = c::table
        .filter(c::public_id.eq("LegacyKey0000001"))
        .select(c::secret_hash)
        .first(&mut conn)
        .expect("row");
    assert!(stored.starts_with("kh1$"), "{stored}");
    for _ in 0..5 {
        assert_eq!(
            app.whoami("LegacyKey0000001", secret).await.0,
            StatusCode::OK
        );
    }
    assert_eq!(app.state.verifier.legacy_checks(), checks + 1);
    // A second process on the same database (same secret key) serves it too.
    let other = app.sibling().await;
    assert_eq!(other.whoami_bearer(&legacy_token).await.0, StatusCode::OK);
    assert_eq!(other.state.verifier.legacy_checks(), 0);
}

#[tokio::test]
async fn a_mistyped_token_is_refused_like_any_invalid_credential() {
    let app = TestApp::spawn().await;
    let (_admin, key) = admin_key(&app).await;
    assert_eq!(app.whoami_bearer(&key.token).await.0, StatusCode::OK);
    // The last character changed: the checksum no longer matches.
    let mut typo = key.token.clone();
    let last = if typo.ends_with('A') { "B" } else { "A" };
    typo.replace_range(typo.len() - 1.., last);
    let (status, body) = app.whoami_bearer(&typo).await;
    let (wrong_status, wrong_body) = app.whoami(&key.username, &"W".repeat(32)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!((status, &body), (wrong_status, &wrong_body));
    // Truncated: the same.
    let (status, body) = app.whoami_bearer(&key.token[..key.token.len() - 3]).await;
    assert_eq!((status, &body), (wrong_status, &wrong_body));
}

#[tokio::test]
async fn verify_limits_the_caller_not_the_address_it_names() {
    let app = TestApp::spawn_with(|s| s.auth_failure_limit = 3).await;
    let (admin, service) = admin_key(&app).await;
    let other_service = app.stage_api_user(&admin, 1, "Second service").await;
    let user = app.stage_api_user(&admin, 1, "A user's key").await;
    app.save(&admin, 1).await;
    let verify = |caller: &Revealed, key: String| {
        let (base, caller) = (app.base.clone(), caller.clone());
        async move {
            let res = client()
                .post(format!("{base}/api/v1/verify"))
                .basic_auth(&caller.username, Some(&caller.password))
                .json(&json!({"key": key, "client_ip": "198.51.100.7"}))
                .send()
                .await
                .expect("verify");
            res.json::<Value>().await.expect("json")
        }
    };
    let wrong = format!("kwd_{}_{}", user.username, "W".repeat(32));
    for _ in 0..3 {
        assert_eq!(
            verify(&service, wrong.clone()).await["code"],
            "invalid_credentials"
        );
    }
    assert_eq!(
        verify(&service, wrong.clone()).await["code"],
        "rate_limited"
    );
    // The address it named is nobody's problem: the user's key works from there, and
    // another service is not limited.
    let from_there = client()
        .get(format!("{}/api/v1/whoami", app.base))
        .bearer_auth(&user.token)
        .header("x-forwarded-for", "198.51.100.7")
        .send()
        .await
        .expect("whoami");
    assert_eq!(from_there.status(), StatusCode::OK);
    assert_eq!(
        verify(&other_service, user.token.clone()).await["valid"],
        true
    );
    // And a valid key is still valid for the limited caller.
    assert_eq!(verify(&service, user.token.clone()).await["valid"], true);
}

#[tokio::test]
async fn register_over_the_size_limit_answers_json() {
    let app = TestApp::spawn().await;
    app.admin().await;
    let res = client()
        .post(format!("{}/api/v1/register", app.base))
        .basic_auth(ADMIN_EMAIL, Some(ADMIN_PASSWORD))
        .header("content-type", "application/json")
        .body(format!("{{\"label\": \"{}\"}}", "x".repeat(70 * 1024)))
        .send()
        .await
        .expect("register");
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = res.json().await.expect("a JSON body");
    assert_eq!(body["error"], "payload_too_large");
    // The older method as the seeds write it.
    let res = client()
        .post(format!("{}/api/v1/Register", app.base))
        .basic_auth(ADMIN_EMAIL, Some(ADMIN_PASSWORD))
        .send()
        .await
        .expect("register");
    assert_eq!(res.status(), StatusCode::CREATED);
    // A Bearer header is not an email and password: 401, not "malformed".
    let res = client()
        .post(format!("{}/api/v1/register", app.base))
        .bearer_auth("kwd_whatever")
        .send()
        .await
        .expect("register");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn http_as_clients_expect_it() {
    // A frozen clock, and the key's last use written before: its *last used* (in whoami's
    // body) is the same for the GET and the HEAD below (a flush between them had changed
    // the body's length).
    let app = TestApp::spawn_with(|s| {
        s.fake_now = Some("2026-12-01T10:00:00".parse().expect("time"));
    })
    .await;
    let (_admin, key) = admin_key(&app).await;
    let url = |path: &str| format!("{}{path}", app.base);
    let c = client();
    assert_eq!(
        app.whoami(&key.username, &key.password).await.0,
        StatusCode::OK
    );
    let errors = app.state.verifier.flush(&app.state.pool, false);
    assert!(errors.is_empty(), "{errors:?}");

    // HEAD is GET without the body, on every GET route.
    let get = c
        .get(url("/api/v1/whoami"))
        .bearer_auth(&key.token)
        .send()
        .await
        .expect("get");
    let length = get.content_length().expect("length");
    let head = c
        .head(url("/api/v1/whoami"))
        .bearer_auth(&key.token)
        .send()
        .await
        .expect("head");
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(
        head.headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok()),
        Some(length.to_string().as_str()),
        "the length of the body it would have"
    );
    assert!(head.bytes().await.expect("body").is_empty());
    for path in ["/livez", "/healthz", "/login", "/api/openapi.json"] {
        let res = c.head(url(path)).send().await.expect("head");
        assert_eq!(res.status(), StatusCode::OK, "HEAD {path}");
    }

    // Another method on a route that exists: 405, JSON, and what it takes.
    for (method, path, allow) in [
        (reqwest::Method::POST, "/api/v1/whoami", "GET, HEAD"),
        (
            reqwest::Method::DELETE,
            "/api/v1/credentials",
            "GET, POST, HEAD",
        ),
    ] {
        let res = c
            .request(method.clone(), url(path))
            .bearer_auth(&key.token)
            .send()
            .await
            .expect("request");
        assert_eq!(
            res.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}"
        );
        assert_eq!(
            res.headers().get("allow").and_then(|v| v.to_str().ok()),
            Some(allow),
            "{method} {path}"
        );
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["error"], "method_not_allowed");
    }

    // A form where JSON is expected: 415, and nothing made.
    let form = c
        .post(url("/api/v1/credentials"))
        .bearer_auth(&key.token)
        .form(&[("label", "a form")])
        .send()
        .await
        .expect("form");
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(
        form.json::<Value>().await.expect("json")["error"],
        "unsupported_media_type"
    );

    // 201 says where the new credential is.
    let made = c
        .post(url("/api/v1/credentials"))
        .bearer_auth(&key.token)
        .json(&json!({"label": "located"}))
        .send()
        .await
        .expect("create");
    assert_eq!(made.status(), StatusCode::CREATED);
    let location = made
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("Location")
        .to_owned();
    let body: Value = made.json().await.expect("json");
    assert_eq!(
        location,
        format!("/api/v1/credentials/{}", body["id"].as_str().expect("id"))
    );
    let shown = c
        .get(url(&location))
        .bearer_auth(&key.token)
        .send()
        .await
        .expect("show");
    assert_eq!(shown.status(), StatusCode::OK);

    // A refusal offers both ways of presenting a key.
    let refused = c.get(url("/api/v1/whoami")).send().await.expect("whoami");
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let offered: Vec<&str> = refused
        .headers()
        .get_all("www-authenticate")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert!(
        offered.iter().any(|v| v.starts_with("Basic ")),
        "{offered:?}"
    );
    assert!(
        offered.iter().any(|v| v.starts_with("Bearer ")),
        "{offered:?}"
    );
    assert_eq!(app.assert_key_counts_agree(), 2);
}

#[tokio::test]
async fn a_key_of_a_deactivated_operator_says_why_it_is_refused() {
    let app = TestApp::spawn().await;
    let (admin, key) = admin_key(&app).await;
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let bobs = app.stage_api_user(&admin, bob, "Bob's job").await;
    app.save(&admin, bob).await;
    let path = format!("/api/v1/credentials?owner=operator:{bob}");
    let (_, before) = call(reqwest::Method::GET, &app, &path, &key, None).await;
    assert_eq!(before["owner"]["active"], true, "{before}");
    // Bob is deactivated in the console: his key stays active itself, and is refused.
    admin
        .get(&format!("/account/operators/{bob}?dialog=edit"))
        .await;
    admin
        .post(
            &format!("/account/operators/{bob}/edit"),
            &[("name", "Bob Builder"), ("email", "bob@example.org")],
        )
        .await
        .assert_redirect(&format!("/account/operators/{bob}"));
    assert_eq!(
        app.whoami(&bobs.username, &bobs.password).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, after) = call(reqwest::Method::GET, &app, &path, &key, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(after["owner"]["active"], false, "{after}");
    assert_eq!(after["credentials"][0]["active"], true);
}

/// The journal's actions for machine `id`, oldest first, and who did each.
fn machine_journal(app: &TestApp, id: i32) -> Vec<(String, String)> {
    use diesel::prelude::*;
    use keyward::db::schema::audit_events as a;
    a::table
        .filter(a::target_kind.eq("machine"))
        .filter(a::target_id.eq(id.to_string()))
        .order(a::id)
        .select((a::action, a::actor_kind))
        .load(&mut app.db())
        .expect("journal")
}

fn machine_names(app: &TestApp) -> Vec<(i32, i32, String, String)> {
    use diesel::prelude::*;
    use keyward::db::schema::machines as m;
    m::table
        .order(m::id)
        .select((m::id, m::account_id, m::name, m::description))
        .load(&mut app.db())
        .expect("machines")
}

#[tokio::test]
async fn machines_and_operators_through_the_api() {
    let app = TestApp::spawn().await;
    let (admin, key) = admin_key(&app).await;
    use reqwest::Method;

    // Create: 201 with Location, journalled as done by the calling credential.
    let res = client()
        .post(format!("{}/api/v1/machines", app.base))
        .bearer_auth(&key.token)
        .json(&json!({"name": "  Nightly backup ", "description": "Runs at 02:00"}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let made: Value = res.json().await.expect("json");
    let id = made["id"].as_i64().expect("id") as i32;
    assert_eq!(location, format!("/api/v1/machines/{id}"));
    assert_eq!(made["name"], "Nightly backup");
    assert_eq!(made["key_count"], 0);
    assert_eq!(
        machine_names(&app),
        vec![(id, 1, "Nightly backup".into(), "Runs at 02:00".into())]
    );
    assert_eq!(
        machine_journal(&app, id),
        vec![("machine.created".into(), "credential".into())]
    );

    // Bad input names what is wrong, and writes nothing.
    let long = "x".repeat(501);
    for (body, words) in [
        (json!({"name": ""}), "name"),
        (json!({"name": "a\u{7}b"}), "control"),
        (json!({"name": "x".repeat(101)}), "100"),
        (json!({"name": "Fine", "description": long}), "500"),
        (json!({"name": "Fine", "description": "a\u{0}b"}), "control"),
    ] {
        let (status, err) = call(Method::POST, &app, "/api/v1/machines", &key, Some(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let message = err["message"].as_str().expect("message").to_lowercase();
        assert!(message.contains(words), "{message}");
        assert!(
            err["field"] == "name" || err["field"] == "description",
            "{err}"
        );
    }
    let form = client()
        .post(format!("{}/api/v1/machines", app.base))
        .basic_auth(&key.username, Some(&key.password))
        .form(&[("name", "Form")])
        .send()
        .await
        .expect("post");
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(machine_names(&app).len(), 1);

    // Pages of two miss and repeat nothing.
    for name in ["B", "C", "D"] {
        let (status, _) = call(
            Method::POST,
            &app,
            "/api/v1/machines",
            &key,
            Some(json!({"name": name})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (mut seen, mut after) = (Vec::new(), None::<String>);
    loop {
        let path = match &after {
            None => "/api/v1/machines?limit=2".to_owned(),
            Some(a) => format!("/api/v1/machines?limit=2&after={a}"),
        };
        let (status, page) = call(Method::GET, &app, &path, &key, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page["total"], 4);
        seen.extend(
            page["machines"]
                .as_array()
                .expect("machines")
                .iter()
                .map(|m| m["name"].as_str().expect("name").to_owned()),
        );
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ["Nightly backup", "B", "C", "D"]);
    for bad in ["limit=0", "limit=1001", "after=abc"] {
        let (status, _) = call(
            Method::GET,
            &app,
            &format!("/api/v1/machines?{bad}"),
            &key,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }

    // A key for it, then the machine counts it.
    let (status, machine_key) = call(
        Method::POST,
        &app,
        "/api/v1/credentials",
        &key,
        Some(json!({"label": "Backup key", "owner": format!("machine:{id}")})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let machine_key = Revealed {
        username: machine_key["id"].as_str().expect("id").to_owned(),
        password: machine_key["secret"].as_str().expect("secret").to_owned(),
        token: machine_key["token"].as_str().expect("token").to_owned(),
    };
    let path = format!("/api/v1/machines/{id}");
    let (status, shown) = call(Method::GET, &app, &path, &key, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            shown["key_count"].as_i64(),
            shown["active_key_count"].as_i64()
        ),
        (Some(1), Some(1))
    );

    // Rename: only what is named changes.
    let (status, renamed) = call(
        Method::PATCH,
        &app,
        &path,
        &key,
        Some(json!({"name": "Nightly backups"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(renamed["description"], "Runs at 02:00");
    assert_eq!(machine_names(&app)[0].2, "Nightly backups");
    assert_eq!(
        machine_journal(&app, id).last().expect("row").0,
        "machine.renamed"
    );

    // Two changes at once, one to each field: neither undoes the other (bounded, loopback).
    for round in 0..10 {
        let (name, description) = (format!("N{round}"), format!("D{round}"));
        let (a, b) = tokio::join!(
            call(
                Method::PATCH,
                &app,
                &path,
                &key,
                Some(json!({"name": name}))
            ),
            call(
                Method::PATCH,
                &app,
                &path,
                &key,
                Some(json!({"description": description}))
            ),
        );
        assert_eq!((a.0, b.0), (StatusCode::OK, StatusCode::OK));
        let now = machine_names(&app)
            .into_iter()
            .find(|m| m.0 == id)
            .expect("machine");
        assert_eq!((now.2, now.3), (name, description), "round {round}");
    }
    let (_, restore) = call(
        Method::PATCH,
        &app,
        &path,
        &key,
        Some(json!({"name": "Nightly backups", "description": "Runs at 02:00"})),
    )
    .await;
    assert_eq!(restore["name"], "Nightly backups");

    // A machine's own key reads and changes nothing here.
    let before = app.fingerprint();
    for (method, path, body) in [
        (Method::GET, "/api/v1/machines".to_owned(), None),
        (Method::GET, path.clone(), None),
        (Method::GET, "/api/v1/operators".to_owned(), None),
        (
            Method::POST,
            "/api/v1/machines".to_owned(),
            Some(json!({"name": "Planted"})),
        ),
        (
            Method::PATCH,
            path.clone(),
            Some(json!({"name": "Mine now"})),
        ),
        (Method::DELETE, path.clone(), None),
    ] {
        let (status, err) = call(method.clone(), &app, &path, &machine_key, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(err["error"], "forbidden");
    }
    assert_eq!(app.fingerprint(), before);

    // Another account's machine is not found, and stays as it is.
    {
        use diesel::prelude::*;
        let mut conn = app.db();
        diesel::sql_query(
            "INSERT INTO accounts (id, name, created_at) VALUES (2, 'Other', '2026-01-01 00:00:00')",
        )
        .execute(&mut conn)
        .expect("account");
        diesel::sql_query(
            "INSERT INTO machines (id, account_id, name, description, created_at) \
             VALUES (900, 2, 'Theirs', '', '2026-01-01 00:00:00')",
        )
        .execute(&mut conn)
        .expect("machine");
    }
    let before = app.fingerprint();
    for (method, body) in [
        (Method::GET, None),
        (Method::PATCH, Some(json!({"name": "Taken"}))),
        (Method::DELETE, None),
    ] {
        let (status, _) = call(method, &app, "/api/v1/machines/900", &key, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (_, listed) = call(Method::GET, &app, "/api/v1/machines", &key, None).await;
    assert_eq!(listed["total"], 4);
    assert_eq!(app.fingerprint(), before);

    // Delete: the machine and its key go at once, journalled.
    let (status, _) = call(Method::DELETE, &app, &path, &key, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(machine_names(&app).iter().all(|m| m.0 != id));
    let (status, _) = call(Method::GET, &app, "/api/v1/whoami", &machine_key, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        machine_journal(&app, id).last().expect("row").0,
        "machine.deleted"
    );
    let (status, _) = call(Method::GET, &app, &path, &key, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Operators: read, paged, with their groups.
    let bob = app
        .create_operator(&admin, "Bob Plain", "bob@example.org", false)
        .await;
    let (status, first) = call(Method::GET, &app, "/api/v1/operators?limit=1", &key, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["total"], 2);
    let ada = &first["operators"][0];
    assert_eq!(
        (ada["id"].as_i64(), ada["administrator"].as_bool()),
        (Some(1), Some(true))
    );
    assert_eq!(ada["email"], ADMIN_EMAIL);
    assert_eq!(ada["groups"][0]["name"], "Administrators");
    let next = first["next"].as_str().expect("a second page");
    let (_, second) = call(
        Method::GET,
        &app,
        &format!("/api/v1/operators?limit=1&after={next}"),
        &key,
        None,
    )
    .await;
    let listed_bob = &second["operators"][0];
    assert_eq!(listed_bob["id"].as_i64(), Some(bob as i64));
    assert_eq!(
        (
            listed_bob["administrator"].as_bool(),
            listed_bob["active"].as_bool()
        ),
        (Some(false), Some(true))
    );
    assert_eq!(listed_bob["groups"], json!([]));
    assert!(second["next"].is_null());
    // Nothing of the password hash or the session reaches the API.
    assert!(!second.to_string().contains("argon2"));
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_is_a_400_that_names_the_field() {
    let app = TestApp::spawn().await;
    let (_admin, key) = admin_key(&app).await;
    use reqwest::Method;
    let own = format!("/api/v1/credentials/{}", key.username);
    let before = app.fingerprint();
    for (method, path, body, field, words) in [
        (
            Method::POST,
            "/api/v1/credentials",
            json!({"label": "Soon", "expires_at": "next tuesday"}),
            Some("expires_at"),
            "RFC 3339",
        ),
        (
            Method::POST,
            "/api/v1/credentials",
            json!({"label": "Soon", "expires_at": 1767225600}),
            Some("expires_at"),
            "expected a string",
        ),
        (
            Method::PATCH,
            own.as_str(),
            json!({"expires_at": "2027-13-01T00:00:00Z"}),
            Some("expires_at"),
            "RFC 3339",
        ),
        (
            Method::PATCH,
            own.as_str(),
            json!({"active": "no"}),
            Some("active"),
            "expected a boolean",
        ),
        (
            Method::POST,
            "/api/v1/verify",
            json!({"key": "kwd_x", "client_ip": "300.1.1.1"}),
            Some("client_ip"),
            "IPv4 or IPv6",
        ),
        (
            Method::POST,
            "/api/v1/credentials",
            json!({"expires_at": null}),
            None,
            "missing field `label`",
        ),
        (
            Method::POST,
            "/api/v1/machines",
            json!(["not", "an", "object"]),
            None,
            "not valid",
        ),
        (
            Method::POST,
            "/api/v1/credentials",
            json!({"label": "   "}),
            Some("label"),
            "Enter a label",
        ),
        (
            Method::POST,
            "/api/v1/credentials",
            json!({"label": "Late", "expires_at": "2020-01-01T00:00:00Z"}),
            Some("expires_at"),
            "later than now",
        ),
    ] {
        let (status, err) = call(method.clone(), &app, path, &key, Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {path} {body}");
        assert_eq!(err["error"], "bad_request");
        assert_eq!(err["field"].as_str(), field, "{err}");
        let message = err["message"].as_str().expect("message");
        assert!(message.contains(words), "{method} {path} {body}: {message}");
        if let Some(field) = field {
            assert!(message.contains(&format!("`{field}`")), "{message}");
        }
    }
    assert_eq!(app.fingerprint(), before, "nothing written");
    // Malformed JSON stays what it was.
    let res = client()
        .post(format!("{}/api/v1/credentials", app.base))
        .basic_auth(&key.username, Some(&key.password))
        .header("content-type", "application/json")
        .body("{\"label\": ")
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let err: Value = res.json().await.expect("json");
    assert_eq!(
        err["message"],
        "The request body is not valid JSON for this call."
    );
    // /register reads its body itself: a form there is 415 too, once the caller is known.
    let form = client()
        .post(format!("{}/api/v1/register", app.base))
        .basic_auth(ADMIN_EMAIL, Some(ADMIN_PASSWORD))
        .form(&[("label", "Form")])
        .send()
        .await
        .expect("post");
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(app.fingerprint(), before, "nothing written");
}

#[tokio::test]
async fn a_rolled_key_takes_its_old_secret_for_the_window_only() {
    use reqwest::Method;
    let app = TestApp::spawn_with(|s| s.mail_digest_seconds = 0).await;
    let (_admin, key) = admin_key(&app).await;
    let (status, made) = call(
        Method::POST,
        &app,
        "/api/v1/credentials",
        &key,
        Some(json!({"label": "Deploy bot"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = made["id"].as_str().expect("id").to_owned();
    let old = made["token"].as_str().expect("token").to_owned();
    let works = |app: &TestApp, token: &str| {
        let (base, token) = (app.base.clone(), token.to_owned());
        async move {
            client()
                .get(format!("{base}/api/v1/whoami"))
                .bearer_auth(token)
                .send()
                .await
                .expect("whoami")
                .status()
        }
    };
    let roll_path = format!("/api/v1/credentials/{id}/roll");
    let roll = |grace: Value| {
        call(
            Method::POST,
            &app,
            &roll_path,
            &key,
            Some(json!({"grace": grace})),
        )
    };

    // Rolled with an hour's grace: same id, a new secret; both work, here and on another
    // process.
    let (status, rolled) = roll(json!("PT1H")).await;
    assert_eq!(status, StatusCode::OK, "{rolled}");
    assert_eq!(rolled["credential"]["id"], id.as_str());
    let new = rolled["token"].as_str().expect("new token").to_owned();
    assert_ne!(new, old);
    let until = rolled["credential"]["previous_valid_until"]
        .as_str()
        .expect("until");
    let until = chrono::DateTime::parse_from_rfc3339(until).expect("rfc 3339");
    let expected = app.state.clock.now().and_utc() + chrono::Duration::hours(1);
    assert!(
        (until.to_utc() - expected).num_seconds().abs() <= 2,
        "{until}"
    );
    let other = app.sibling().await;
    for process in [&app, &other] {
        assert_eq!(works(process, &old).await, StatusCode::OK);
        assert_eq!(works(process, &new).await, StatusCode::OK);
    }
    // The old secret's last use is known (its owner watches it before retiring it). It is
    // written by the use batch, after the answer: wait for it (under load it can lag).
    let read_seen = || -> (Option<chrono::NaiveDateTime>, Option<String>) {
        use diesel::prelude::*;
        use keyward::db::schema::credentials as c;
        c::table
            .filter(c::public_id.eq(&id))
            .select((c::previous_last_used_at, c::previous_last_used_ip))
            .first(&mut app.db())
            .expect("row")
    };
    common::eventually("the old secret's use recorded", || async {
        read_seen().0.is_some()
    })
    .await;
    let seen = read_seen();
    assert_eq!(seen.1.as_deref(), Some("127.0.0.1"));
    // Journalled, and its owner told.
    {
        use diesel::prelude::*;
        use keyward::db::schema::{audit_events as a, outbox as o};
        let actions: Vec<String> = a::table
            .filter(a::target_id.eq(&id))
            .select(a::action)
            .load(&mut app.db())
            .expect("journal");
        assert!(
            actions.iter().any(|a| a == "credential.rolled"),
            "{actions:?}"
        );
        let mail: Vec<String> = o::table
            .filter(o::recipient.eq(ADMIN_EMAIL))
            .select(o::subject)
            .load(&mut app.db())
            .expect("outbox");
        assert!(
            mail.iter().any(|s| s == "API key rolled: Deploy bot"),
            "{mail:?}"
        );
    }

    // The window ends: only the new secret, on every process.
    app.state.clock.advance(chrono::Duration::minutes(61));
    other.state.clock.advance(chrono::Duration::minutes(61));
    for process in [&app, &other] {
        assert_eq!(works(process, &old).await, StatusCode::UNAUTHORIZED);
        assert_eq!(works(process, &new).await, StatusCode::OK);
    }

    // Rolled again with a day's grace, then retired early: the old one stops at once.
    let (_, again) = roll(json!("PT24H")).await;
    let newer = again["token"].as_str().expect("token").to_owned();
    assert_eq!(works(&app, &new).await, StatusCode::OK);
    let end = format!("/api/v1/credentials/{id}/roll/end");
    let (status, ended) = call(Method::POST, &app, &end, &key, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ended["previous_valid_until"].is_null(), "{ended}");
    for process in [&app, &other] {
        assert_eq!(works(process, &new).await, StatusCode::UNAUTHORIZED);
        assert_eq!(works(process, &newer).await, StatusCode::OK);
    }
    let (status, _) = call(Method::POST, &app, &end, &key, None).await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing left to retire");

    // No grace: the old secret stops at once. An unknown window is a named 400.
    let (_, last) = roll(json!("PT0S")).await;
    assert!(last["credential"]["previous_valid_until"].is_null());
    assert_eq!(works(&app, &newer).await, StatusCode::UNAUTHORIZED);
    let (status, err) = roll(json!("PT2H")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["field"], "grace");

    // Never past the key's expiry.
    let soon = (app.state.clock.now() + chrono::Duration::minutes(30)).and_utc();
    let (_, short) = call(
        Method::POST,
        &app,
        "/api/v1/credentials",
        &key,
        Some(json!({"label": "Short", "expires_at": soon.to_rfc3339()})),
    )
    .await;
    let short_id = short["id"].as_str().expect("id");
    let (_, rolled) = call(
        Method::POST,
        &app,
        &format!("/api/v1/credentials/{short_id}/roll"),
        &key,
        Some(json!({"grace": "P7D"})),
    )
    .await;
    assert_eq!(
        rolled["credential"]["previous_valid_until"],
        rolled["credential"]["expires_at"]
    );
}

#[tokio::test]
async fn machines_read_lists_a_machines_keys_and_changes_nothing() {
    use reqwest::Method;
    let app = TestApp::spawn().await;
    let (admin, key) = admin_key(&app).await;
    let (_, machine) = call(
        Method::POST,
        &app,
        "/api/v1/machines",
        &key,
        Some(json!({"name": "Runner"})),
    )
    .await;
    let owner = format!("machine:{}", machine["id"]);
    let (_, made) = call(
        Method::POST,
        &app,
        "/api/v1/credentials",
        &key,
        Some(json!({"label": "Runner key", "owner": owner})),
    )
    .await;
    let runner_key = made["id"].as_str().expect("id").to_owned();
    // Rita may read machines, not change them; her own key, made in My profile.
    let rita = app
        .create_operator(&admin, "Rita Reader", "rita@example.org", false)
        .await;
    common::group(&admin, "Readers", &["machines.read"], &[rita]).await;
    let visitor = common::signed_in(&app, "rita@example.org").await;
    visitor.get("/profile/api-credentials").await;
    visitor
        .post(
            "/profile/api-credentials/add",
            &[("label", "Rita's"), ("scopes", "keyward:credentials:read")],
        )
        .await;
    let page = visitor.get("/profile/api-credentials").await;
    let ritas = Revealed {
        username: page.input_value("reveal-username").expect("id"),
        password: page.input_value("reveal-secret").expect("secret"),
        token: page.input_value("reveal-token").expect("token"),
    };
    let before = app.fingerprint();
    let (status, list) = call(
        Method::GET,
        &app,
        &format!("/api/v1/credentials?owner={owner}"),
        &ritas,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["credentials"][0]["id"], runner_key.as_str());
    let (status, _) = call(
        Method::GET,
        &app,
        &format!("/api/v1/credentials/{runner_key}"),
        &ritas,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for (method, path, body) in [
        (
            Method::POST,
            "/api/v1/credentials".to_owned(),
            Some(json!({"label": "Planted", "owner": owner})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/credentials/{runner_key}"),
            Some(json!({"active": false})),
        ),
        (
            Method::POST,
            format!("/api/v1/credentials/{runner_key}/roll"),
            Some(json!({})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/credentials/{runner_key}"),
            None,
        ),
    ] {
        let (status, _) = call(method.clone(), &app, &path, &ritas, body).await;
        assert!(
            status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
            "{method} {path}: {status}"
        );
    }
    assert_eq!(app.fingerprint(), before, "reading changed nothing");
    // A query string a program got wrong is told so, not as a form to reload.
    let (status, err) = call(
        Method::GET,
        &app,
        "/api/v1/machines?limit=abc",
        &ritas,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        err["message"]
            .as_str()
            .expect("message")
            .contains("query string")
    );
}

#[tokio::test]
async fn the_end_of_a_window_is_journalled_and_an_old_secret_still_in_use_is_reported() {
    use diesel::prelude::*;
    use keyward::db::schema::{audit_events as a, credentials as c, outbox as o};
    use reqwest::Method;
    let app = TestApp::spawn_with(|s| {
        s.mail_digest_seconds = 0;
        s.mail_poll_ms = 20;
    })
    .await;
    let (_admin, key) = admin_key(&app).await;
    let mut ids = Vec::new();
    for label in ["Still used", "Moved over"] {
        let (_, made) = call(
            Method::POST,
            &app,
            "/api/v1/credentials",
            &key,
            Some(json!({"label": label})),
        )
        .await;
        let id = made["id"].as_str().expect("id").to_owned();
        let old = made["token"].as_str().expect("token").to_owned();
        let (status, _) = call(
            Method::POST,
            &app,
            &format!("/api/v1/credentials/{id}/roll"),
            &key,
            Some(json!({"grace": "PT1H"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        if label == "Still used" {
            let res = client()
                .get(format!("{}/api/v1/whoami", app.base))
                .bearer_auth(&old)
                .send()
                .await
                .expect("whoami");
            assert_eq!(res.status(), StatusCode::OK, "inside the window");
        }
        ids.push(id);
    }
    app.state.clock.advance(chrono::Duration::minutes(61));
    let ended = |id: &str| -> Vec<String> {
        a::table
            .filter(a::target_id.eq(id))
            .filter(a::action.eq("credential.roll_window_ended"))
            .select(a::changes)
            .load(&mut app.db())
            .expect("journal")
    };
    eventually("both windows closed", || async {
        ids.iter().all(|id| ended(id).len() == 1)
    })
    .await;
    assert!(
        ended(&ids[0])[0].contains("127.0.0.1"),
        "{:?}",
        ended(&ids[0])
    );
    let old_hashes: Vec<Option<String>> = c::table
        .filter(c::public_id.eq_any(&ids))
        .select(c::previous_secret_hash)
        .load(&mut app.db())
        .expect("rows");
    assert!(
        old_hashes.iter().all(Option::is_none),
        "the old secrets left the rows"
    );
    let mail: Vec<String> = o::table
        .filter(o::recipient.eq(ADMIN_EMAIL))
        .filter(o::subject.like("Old secret stopped%"))
        .select(o::subject)
        .load(&mut app.db())
        .expect("outbox");
    assert_eq!(
        mail,
        ["Old secret stopped while still in use: Still used"],
        "only the key still in use"
    );
}

#[tokio::test]
async fn a_key_with_an_allowlist_works_only_from_there_and_never_frees_itself() {
    use reqwest::Method;
    // Behind a proxy Keyward believes (loopback), so the client address is the header's.
    let app = TestApp::spawn_with(|s| {
        s.trusted_proxies = vec!["127.0.0.1/32".parse().expect("net")];
    })
    .await;
    let (_admin, key) = admin_key(&app).await;
    let make = |allowed: Value| {
        call(
            Method::POST,
            &app,
            "/api/v1/credentials",
            &key,
            Some(
                json!({"label": "Office only", "allowed_from": allowed, "scopes": ["keyward:credentials:write"]}),
            ),
        )
    };
    let (status, made) = make(json!(["203.0.113.0/24", " 2001:db8::1 "])).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(
        made["credential"]["allowed_from"],
        json!(["203.0.113.0/24", "2001:db8::1/128"])
    );
    let office = Revealed {
        username: made["id"].as_str().expect("id").to_owned(),
        password: made["secret"].as_str().expect("secret").to_owned(),
        token: made["token"].as_str().expect("token").to_owned(),
    };
    let from = |address: &'static str| {
        let (base, token) = (app.base.clone(), office.token.clone());
        async move {
            client()
                .get(format!("{base}/api/v1/whoami"))
                .bearer_auth(token)
                .header("X-Forwarded-For", address)
                .send()
                .await
                .expect("whoami")
                .status()
        }
    };
    assert_eq!(from("203.0.113.77").await, StatusCode::OK);
    assert_eq!(from("2001:db8::1").await, StatusCode::OK);
    assert_eq!(from("198.51.100.1").await, StatusCode::UNAUTHORIZED);
    assert_eq!(from("2001:db8::2").await, StatusCode::UNAUTHORIZED);
    // The journal tells the owner why: the right secret, from outside the allowlist.
    app.state.clock.advance(chrono::Duration::seconds(61));
    let why = || {
        use diesel::prelude::*;
        use keyward::db::schema::audit_events as a;
        a::table
            .filter(a::target_id.eq(&office.username))
            .filter(a::action.eq("api.auth_failed"))
            .select(a::changes)
            .load::<String>(&mut app.db())
            .expect("journal")
    };
    eventually("the refusals journalled", || async {
        why().iter().any(|c| c.contains("outside_allowlist"))
    })
    .await;
    // /verify checks the address it is told, like a proxy's.
    let (_, verdict) = call(
        Method::POST,
        &app,
        "/api/v1/verify",
        &key,
        Some(json!({"key": office.token, "client_ip": "198.51.100.1"})),
    )
    .await;
    assert_eq!(verdict["valid"], false);
    let (_, verdict) = call(
        Method::POST,
        &app,
        "/api/v1/verify",
        &key,
        Some(json!({"key": office.token, "client_ip": "203.0.113.9"})),
    )
    .await;
    assert_eq!(verdict["valid"], true);

    // The key cannot lift its own allowlist; what it makes stays inside it.
    let own = format!("/api/v1/credentials/{}", office.username);
    let office_call = |method: Method, path: String, body: Value| {
        let (base, token) = (app.base.clone(), office.token.clone());
        async move {
            let res = client()
                .request(method, format!("{base}{path}"))
                .bearer_auth(token)
                .header("X-Forwarded-For", "203.0.113.77")
                .json(&body)
                .send()
                .await
                .expect("call");
            let status = res.status();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let before = app.fingerprint();
    let (status, _) = office_call(Method::PATCH, own.clone(), json!({"allowed_from": []})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, err) = office_call(
        Method::POST,
        "/api/v1/credentials".into(),
        json!({"label": "Escape", "allowed_from": ["0.0.0.0/0"]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["field"], "allowed_from");
    assert_eq!(app.fingerprint(), before, "nothing changed");
    let (status, child) = office_call(
        Method::POST,
        "/api/v1/credentials".into(),
        json!({"label": "Child"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        child["credential"]["allowed_from"],
        json!(["203.0.113.0/24", "2001:db8::1/128"]),
        "inherited"
    );
    let (status, narrower) = office_call(
        Method::POST,
        "/api/v1/credentials".into(),
        json!({"label": "Narrower", "allowed_from": ["203.0.113.8/29"]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        narrower["credential"]["allowed_from"],
        json!(["203.0.113.8/29"])
    );

    // Its owner's other key (anywhere) may change it; the change is journalled.
    let (status, changed) = call(
        Method::PATCH,
        &app,
        &own,
        &key,
        Some(json!({"allowed_from": ["198.51.100.0/24"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(changed["allowed_from"], json!(["198.51.100.0/24"]));
    assert_eq!(from("198.51.100.1").await, StatusCode::OK);
    assert_eq!(from("203.0.113.77").await, StatusCode::UNAUTHORIZED);
    {
        use diesel::prelude::*;
        use keyward::db::schema::audit_events as a;
        let rows: i64 = a::table
            .filter(a::target_id.eq(&office.username))
            .filter(a::action.eq("credential.allowlist_changed"))
            .count()
            .get_result(&mut app.db())
            .expect("journal");
        assert_eq!(rows, 1);
    }
    let (status, err) = make(json!(["10.0.0.300"])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["field"], "allowed_from");
}

#[tokio::test]
async fn an_old_secret_is_only_checked_and_a_roll_never_drops_one_still_accepted() {
    use reqwest::Method;
    let app = TestApp::spawn().await;
    let (_admin, key) = admin_key(&app).await;
    let (_, made) = call(
        Method::POST,
        &app,
        "/api/v1/credentials",
        &key,
        Some(json!({"label": "Leaked", "scopes": ["keyward:credentials:read", "keyward:credentials:write", "keyward:machines:read"]})),
    )
    .await;
    let id = made["id"].as_str().expect("id").to_owned();
    let old = Revealed {
        username: id.clone(),
        password: made["secret"].as_str().expect("secret").to_owned(),
        token: made["token"].as_str().expect("token").to_owned(),
    };
    // The owner rolls the leaked key with a day's grace for the programs that use it.
    let roll_path = format!("/api/v1/credentials/{id}/roll");
    let (status, rolled) = call(
        Method::POST,
        &app,
        &roll_path,
        &key,
        Some(json!({"grace": "PT24H"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let new = rolled["token"].as_str().expect("token").to_owned();

    // Whoever holds the old secret can still be checked with it, and nothing more: no key
    // planted, no roll to lock the owner out, nothing read.
    let (status, _) = call(Method::GET, &app, "/api/v1/whoami", &old, None).await;
    assert_eq!(status, StatusCode::OK);
    let before = app.fingerprint();
    for (method, path, body) in [
        (
            Method::POST,
            "/api/v1/credentials".to_owned(),
            Some(json!({"label": "Planted"})),
        ),
        (
            Method::POST,
            roll_path.clone(),
            Some(json!({"grace": "PT0S"})),
        ),
        (Method::POST, format!("{roll_path}/end"), None),
        (
            Method::PATCH,
            format!("/api/v1/credentials/{id}"),
            Some(json!({"label": "Mine"})),
        ),
        (Method::GET, "/api/v1/credentials".to_owned(), None),
        (Method::GET, "/api/v1/machines".to_owned(), None),
    ] {
        let (status, _) = call(method.clone(), &app, &path, &old, body).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
    }
    assert_eq!(app.fingerprint(), before, "the old secret changed nothing");
    let (status, _) = call(Method::GET, &app, "/api/v1/credentials", &key, None).await;
    assert_eq!(status, StatusCode::OK, "the owner's other key still works");

    // A second roll while that window is open (a double click, a retry) is refused: it
    // would drop the old secret the programs still use.
    let (status, err) = call(
        Method::POST,
        &app,
        &roll_path,
        &key,
        Some(json!({"grace": "PT24H"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    let bearer = |token: String| {
        let base = app.base.clone();
        async move {
            client()
                .get(format!("{base}/api/v1/whoami"))
                .bearer_auth(token)
                .send()
                .await
                .expect("whoami")
                .status()
        }
    };
    assert_eq!(bearer(old.token.clone()).await, StatusCode::OK);
    assert_eq!(bearer(new.clone()).await, StatusCode::OK);

    // A secret stored from before keyed hashes cannot promise a window it could not keep.
    {
        use keyward::db::credentials::{self, NewCredentialInput, OwnerRef};
        let argon2 =
            keyward::auth::password::hash("OldSecret0123456789abcdefghijklm").expect("hash");
        let input = NewCredentialInput {
            account_id: 1,
            owner: OwnerRef::Operator(1),
            public_id: "LegacyKey0000002",
            secret_hash: &argon2,
            label: "From before",
            created_by: None,
            expires_at: None,
            allowed_from: "",
            scopes: common::EVERY_KEYWARD_SCOPE,
            rate_limit: None,
            notify_new_network: None,
            canary: false,
        };
        credentials::create(&mut app.db(), &input, chrono::Utc::now().naive_utc()).expect("row");
    }
    let legacy = "/api/v1/credentials/LegacyKey0000002/roll";
    let (status, _) = call(
        Method::POST,
        &app,
        legacy,
        &key,
        Some(json!({"grace": "PT1H"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = call(
        Method::POST,
        &app,
        legacy,
        &key,
        Some(json!({"grace": "PT0S"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "without a window it may be rolled");
}

#[tokio::test]
async fn two_rolls_at_once_leave_one_window_and_the_old_secret_working() {
    use reqwest::Method;
    let app = TestApp::spawn().await;
    let (_admin, key) = admin_key(&app).await;
    for round in 0..5 {
        let (_, made) = call(
            Method::POST,
            &app,
            "/api/v1/credentials",
            &key,
            Some(json!({"label": format!("Raced {round}")})),
        )
        .await;
        let id = made["id"].as_str().expect("id").to_owned();
        let original = made["token"].as_str().expect("token").to_owned();
        let path = format!("/api/v1/credentials/{id}/roll");
        // A double click, or a retried call: two rolls at once (bounded, loopback).
        let body = Some(json!({"grace": "PT24H"}));
        let (a, b) = tokio::join!(
            call(Method::POST, &app, &path, &key, body.clone()),
            call(Method::POST, &app, &path, &key, body.clone()),
        );
        let mut statuses = [a.0, b.0];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CONFLICT],
            "round {round}: exactly one roll"
        );
        let new = if a.0 == StatusCode::OK { &a.1 } else { &b.1 };
        let new = new["token"].as_str().expect("token").to_owned();
        for token in [original, new] {
            let res = client()
                .get(format!("{}/api/v1/whoami", app.base))
                .bearer_auth(token)
                .send()
                .await
                .expect("whoami");
            assert_eq!(
                res.status(),
                StatusCode::OK,
                "round {round}: both secrets work"
            );
        }
    }
}

/// Scopes (issue 17): a key does in Keyward's API only what its scopes say, gives no key a
/// scope it does not carry, and a person gives only what they may; services read the scopes
/// and forward-auth requires them per route.
#[tokio::test]
async fn a_key_does_only_what_its_scopes_say_and_gives_no_more() {
    use reqwest::Method;
    let app = TestApp::spawn().await;
    let (admin, key) = admin_key(&app).await;
    // The catalog, by an administrator (Settings / Write).
    admin.get("/settings/scopes").await;
    for (name, description) in [("billing:read", "Read invoices"), ("billing:write", "")] {
        admin
            .post(
                "/settings/scopes",
                &[("name", name), ("description", description)],
            )
            .await
            .assert_redirect("/settings/scopes");
    }
    let refused = admin
        .post("/settings/scopes", &[("name", "keyward:everything")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = admin.get("/settings/scopes").await;
    assert!(page.contains("billing:read") && page.contains("Read invoices"));

    let make = |by: Revealed, body: Value| {
        let app = &app;
        async move { call(Method::POST, app, "/api/v1/credentials", &by, Some(body)).await }
    };
    // Keys made in My profile, with the scopes typed in the Add dialog.
    let in_profile = |label: &'static str, scopes: &'static str| {
        let admin = &admin;
        async move {
            admin.get("/profile/api-credentials").await;
            admin
                .post(
                    "/profile/api-credentials/add",
                    &[("label", label), ("scopes", scopes)],
                )
                .await
                .assert_redirect("/profile/api-credentials");
            let page = admin.get("/profile/api-credentials").await;
            Revealed {
                username: page.input_value("reveal-username").expect("id"),
                password: page.input_value("reveal-secret").expect("secret"),
                token: page.input_value("reveal-token").expect("token"),
            }
        }
    };
    // A key for a service only: none of Keyward's own scopes.
    let billing = in_profile("Billing", "billing:read  billing:read").await;
    let before = app.fingerprint();
    let own = format!("/api/v1/credentials/{}", billing.username);
    for (method, path, body, scope) in [
        (
            Method::GET,
            "/api/v1/credentials".to_owned(),
            None,
            "keyward:credentials:read",
        ),
        (Method::GET, own.clone(), None, "keyward:credentials:read"),
        (
            Method::POST,
            "/api/v1/credentials".to_owned(),
            Some(json!({"label": "Copy"})),
            "keyward:credentials:write",
        ),
        (
            Method::PATCH,
            own.clone(),
            Some(json!({"scopes": ["billing:read", "billing:write"]})),
            "keyward:credentials:write",
        ),
        (
            Method::DELETE,
            own.clone(),
            None,
            "keyward:credentials:write",
        ),
        (
            Method::POST,
            format!("{own}/roll"),
            Some(json!({})),
            "keyward:credentials:write",
        ),
        (
            Method::GET,
            "/api/v1/machines".to_owned(),
            None,
            "keyward:machines:read",
        ),
        (
            Method::POST,
            "/api/v1/machines".to_owned(),
            Some(json!({"name": "Planted"})),
            "keyward:machines:write",
        ),
        (
            Method::GET,
            "/api/v1/operators".to_owned(),
            None,
            "keyward:operators:read",
        ),
        (
            Method::POST,
            "/api/v1/verify".to_owned(),
            Some(json!({"key": key.token})),
            "keyward:verify",
        ),
    ] {
        let (status, err) = call(method.clone(), &app, &path, &billing, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {err}");
        assert_eq!(err["permission"], scope, "{method} {path}");
    }
    assert_eq!(app.fingerprint(), before, "a refused call changed nothing");
    let (status, who) = call(Method::GET, &app, "/api/v1/whoami", &billing, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(who["credential"]["scopes"], json!(["billing:read"]));

    // A key that may write keys gives none a scope it does not carry, itself included.
    let writer = in_profile("Writer", "keyward:credentials:write billing:read").await;
    // Every key list shows each key's scopes under its label.
    let list = admin.get("/profile/api-credentials").await;
    assert!(
        list.contains("<code dir=\"ltr\">keyward:credentials:write</code>"),
        "{}",
        list.body
    );
    let before = app.fingerprint();
    for asked in [
        json!(["billing:write"]),
        json!(["keyward:credentials:read"]),
        json!(["keyward:machines:write"]),
    ] {
        let (status, err) = make(writer.clone(), json!({"label": "Wider", "scopes": asked})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{asked}: {err}");
        assert_eq!(err["field"], "scopes");
    }
    let (status, err) = call(
        Method::PATCH,
        &app,
        &format!("/api/v1/credentials/{}", writer.username),
        &writer,
        Some(json!({"scopes": ["keyward:credentials:write", "billing:read", "billing:write"]})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    for asked in [json!(["keyward:all"]), json!(["Billing"])] {
        let (status, err) = make(key.clone(), json!({"label": "Odd", "scopes": asked})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{asked}: {err}");
        assert_eq!(err["field"], "scopes");
    }
    // Well-formed, but not in the catalog: the account's state, not the request's form.
    let (status, err) = make(key.clone(), json!({"label": "Odd", "scopes": ["nope:x"]})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert_eq!(app.fingerprint(), before, "nothing was made or widened");
    // Whoever rolls a key gets its new secret: a key rolls no key that may do more than it.
    let (status, err) = call(
        Method::POST,
        &app,
        &format!("/api/v1/credentials/{}/roll", key.username),
        &writer,
        Some(json!({"grace": "P7D"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert_eq!(app.fingerprint(), before, "the broader key was not rolled");
    // Within what it carries, and by default nothing.
    let (status, made) = make(
        writer.clone(),
        json!({"label": "Narrower", "scopes": ["billing:read"]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let (status, made) = make(writer.clone(), json!({"label": "Bare"})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(made["credential"]["scopes"], json!([]));
    // Narrowing itself is allowed, and journalled.
    let (status, narrowed) = call(
        Method::PATCH,
        &app,
        &format!("/api/v1/credentials/{}", writer.username),
        &writer,
        Some(json!({"scopes": ["keyward:credentials:write"]})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{narrowed}");
    assert_eq!(narrowed["scopes"], json!(["keyward:credentials:write"]));
    {
        use diesel::prelude::*;
        use keyward::db::schema::audit_events as a;
        let rows: i64 = a::table
            .filter(a::target_id.eq(&writer.username))
            .filter(a::action.eq("credential.scopes_changed"))
            .count()
            .get_result(&mut app.db())
            .expect("journal");
        assert_eq!(rows, 1);
    }

    // Services read the scopes: /verify and forward-auth, which can require one per route.
    let (_, verdict) = call(
        Method::POST,
        &app,
        "/api/v1/verify",
        &key,
        Some(json!({"key": billing.token})),
    )
    .await;
    assert_eq!(verdict["valid"], true);
    assert_eq!(verdict["credential"]["scopes"], json!(["billing:read"]));
    let forward = |query: &'static str, header: Option<&'static str>| {
        let (base, token) = (app.base.clone(), billing.token.clone());
        async move {
            let mut req = client()
                .get(format!("{base}/auth/forward{query}"))
                .bearer_auth(token);
            if let Some(h) = header {
                req = req.header("X-Keyward-Required-Scope", h);
            }
            let res = req.send().await.expect("forward");
            let status = res.status();
            let scopes = res
                .headers()
                .get("x-keyward-scopes")
                .map(|v| v.to_str().unwrap_or_default().to_owned());
            (
                status,
                scopes,
                res.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, scopes, _) = forward("", None).await;
    assert_eq!(
        (status, scopes.as_deref()),
        (StatusCode::OK, Some("billing:read"))
    );
    assert_eq!(forward("?scope=billing:read", None).await.0, StatusCode::OK);
    let (status, _, body) = forward("?scope=billing:write", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["scope"], "billing:write");
    assert_eq!(
        forward("?scope=billing:read&scope=billing:write", None)
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        forward("", Some("billing:read billing:write")).await.0,
        StatusCode::FORBIDDEN
    );
    // The check's own address with a trailing slash reads its query too.
    assert_eq!(
        forward("/?scope=billing:write", None).await.0,
        StatusCode::FORBIDDEN
    );
    // A scope in an original path Envoy appends is the client's, not the proxy's.
    let (status, _, _) = {
        let res = client()
            .get(format!(
                "{}/auth/forward/invoices?scope=billing:write",
                app.base
            ))
            .bearer_auth(&billing.token)
            .send()
            .await
            .expect("forward");
        (res.status(), (), ())
    };
    assert_eq!(status, StatusCode::OK);

    // A person gives only what they may: Olga holds no permission.
    let olga_id = app
        .create_operator(&admin, "Olga Plain", "olga@example.org", false)
        .await;
    let olga = common::signed_in(&app, "olga@example.org").await;
    olga.get("/profile/api-credentials").await;
    let keys_of_olga = || {
        use diesel::prelude::*;
        use keyward::db::schema::credentials as c;
        c::table
            .filter(c::operator_id.eq(olga_id))
            .select(c::scopes)
            .load::<String>(&mut app.db())
            .expect("keys")
    };
    for asked in ["keyward:machines:write", "billing:read"] {
        let page = olga
            .post(
                "/profile/api-credentials/add",
                &[("label", "Mine"), ("scopes", asked)],
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{asked}");
    }
    assert!(keys_of_olga().is_empty(), "no key was made");
    // Until billing:read is open to anyone.
    let id: i32 = {
        use diesel::prelude::*;
        use keyward::db::schema::scopes as s;
        s::table
            .filter(s::name.eq("billing:read"))
            .select(s::id)
            .first(&mut app.db())
            .expect("scope")
    };
    admin.get("/settings/scopes").await;
    admin
        .post(
            &format!("/settings/scopes/{id}"),
            &[("description", "Read invoices"), ("open", "on")],
        )
        .await
        .assert_redirect("/settings/scopes");
    olga.get("/profile/api-credentials").await;
    olga.post(
        "/profile/api-credentials/add",
        &[("label", "Mine"), ("scopes", "keyward:verify billing:read")],
    )
    .await
    .assert_redirect("/profile/api-credentials");
    assert_eq!(keys_of_olga(), ["billing:read keyward:verify"]);
    // /register gives what the operator may, and nothing more.
    let register = |scopes: Value| {
        let base = app.base.clone();
        async move {
            client()
                .post(format!("{base}/api/v1/register"))
                .basic_auth("olga@example.org", Some("operator-pass-1"))
                .json(&json!({"scopes": scopes}))
                .send()
                .await
                .expect("register")
        }
    };
    assert_eq!(
        register(json!(["keyward:operators:read"])).await.status(),
        StatusCode::FORBIDDEN
    );
    let res = register(json!(["keyward:credentials:read"])).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.expect("json");
    assert_eq!(
        body["credential"]["scopes"],
        json!(["keyward:credentials:read"])
    );
    assert_eq!(keys_of_olga().len(), 2);

    // The catalog keeps a scope keys still carry.
    admin.get("/settings/scopes").await;
    let page = admin
        .post(&format!("/settings/scopes/{id}/delete"), &[])
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("take it off them first"));
}

/// The upgrade to scopes: a database from before, opened by this version, gives each
/// existing key the Keyward scopes its owner held — an operator's own-key and verify scopes
/// always, machines and operators as their groups allow; a machine's key verification only —
/// so no integration breaks.
#[test]
fn keys_made_before_scopes_keep_what_their_owner_could_do() {
    use diesel::prelude::*;
    use diesel::sqlite::SqliteConnection;
    use diesel_migrations::{FileBasedMigrations, MigrationHarness};
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("before.db");
    let mut conn = SqliteConnection::establish(path.to_str().expect("path")).expect("open");
    let migrations =
        FileBasedMigrations::from_path(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
            .expect("migrations");
    // Every migration before scopes, one at a time.
    loop {
        let applied = conn.applied_migrations().expect("applied");
        if applied.iter().any(|v| v.to_string() == "20261201040000") {
            break;
        }
        conn.run_next_migration(migrations.clone())
            .expect("migrate");
    }
    for sql in [
        "INSERT INTO accounts (id, name, created_at) VALUES (1, 'Acme', '2026-11-30 00:00:00')",
        "INSERT INTO operators (id, account_id, email, name, password_hash, created_at) VALUES \
         (1, 1, 'ada@example.org', 'Ada', 'x', '2026-11-30 00:00:00'), \
         (2, 1, 'mo@example.org', 'Mo', 'x', '2026-11-30 00:00:00'), \
         (3, 1, 'pat@example.org', 'Pat', 'x', '2026-11-30 00:00:00')",
        "INSERT INTO groups (id, account_id, name, builtin_admin, created_at) VALUES \
         (1, 1, 'Administrators', 1, '2026-11-30 00:00:00'), \
         (2, 1, 'Machinists', 0, '2026-11-30 00:00:00')",
        "INSERT INTO group_members (group_id, operator_id) VALUES (1, 1), (2, 2)",
        "INSERT INTO group_permissions (group_id, permission) VALUES (2, 'machines.write')",
        "INSERT INTO machines (id, account_id, name, created_at) VALUES (1, 1, 'CI', '2026-11-30 00:00:00')",
        "INSERT INTO credentials (account_id, public_id, secret_hash, label, operator_id, machine_id, created_at) VALUES \
         (1, 'AdaKey0000000001', 'h', 'Ada', 1, NULL, '2026-11-30 00:00:00'), \
         (1, 'MoKey00000000001', 'h', 'Mo', 2, NULL, '2026-11-30 00:00:00'), \
         (1, 'PatKey0000000001', 'h', 'Pat', 3, NULL, '2026-11-30 00:00:00'), \
         (1, 'CiKey00000000001', 'h', 'CI', NULL, 1, '2026-11-30 00:00:00')",
    ] {
        diesel::sql_query(sql).execute(&mut conn).expect(sql);
    }
    conn.run_pending_migrations(migrations).expect("upgrade");
    use keyward::db::schema::credentials as c;
    let scopes: Vec<(String, String)> = c::table
        .order(c::id)
        .select((c::public_id, c::scopes))
        .load(&mut conn)
        .expect("keys");
    let base = "keyward:credentials:read keyward:credentials:write";
    assert_eq!(
        scopes,
        [
            (
                "AdaKey0000000001".to_owned(),
                format!(
                    "{base} keyward:machines:read keyward:machines:write keyward:operators:read keyward:verify"
                )
            ),
            (
                "MoKey00000000001".to_owned(),
                format!("{base} keyward:machines:read keyward:machines:write keyward:verify")
            ),
            (
                "PatKey0000000001".to_owned(),
                format!("{base} keyward:verify")
            ),
            ("CiKey00000000001".to_owned(), "keyward:verify".to_owned()),
        ]
    );
}

/// Rate limits (issue 17): a key's limit admits exactly its count however many requests
/// arrive at once (one process), and across processes on one PostgreSQL never more than its
/// count; past it, 429 with when to come back, on the API, /verify and forward-auth alike.
#[tokio::test]
async fn a_rate_limit_admits_exactly_its_count_even_at_once() {
    use reqwest::Method;
    let frozen = |s: &mut keyward::config::Settings| {
        s.fake_now = Some("2026-12-01T10:00:30".parse().expect("time"));
    };
    let app = TestApp::spawn_with(frozen).await;
    let (_admin, key) = admin_key(&app).await;
    let (status, made) = call(
        Method::POST,
        &app,
        "/api/v1/credentials",
        &key,
        Some(json!({
            "label": "Limited",
            "rate_limit": {"requests": 20, "per": "minute"},
            "scopes": ["keyward:credentials:write"],
        })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(
        made["credential"]["rate_limit"],
        json!({"requests": 20, "per": "minute"})
    );
    let token = made["token"].as_str().expect("token").to_owned();
    let id = made["id"].as_str().expect("id").to_owned();

    // 60 requests, 12 at a time: exactly 20 pass.
    let burst = |bases: Vec<String>, token: String, count: usize| async move {
        let mut set = tokio::task::JoinSet::new();
        let per_task = count / 12;
        for t in 0..12 {
            let (base, token) = (bases[t % bases.len()].clone(), token.clone());
            set.spawn(async move {
                let client = reqwest::Client::new();
                let mut statuses = Vec::new();
                for _ in 0..per_task {
                    let res = client
                        .get(format!("{base}/auth/forward"))
                        .bearer_auth(&token)
                        .send()
                        .await
                        .expect("forward");
                    statuses.push(res.status());
                }
                statuses
            });
        }
        let mut all = Vec::new();
        while let Some(done) = set.join_next().await {
            all.extend(done.expect("task"));
        }
        all
    };
    let statuses = burst(vec![app.base.clone()], token.clone(), 60).await;
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((ok, limited), (20, 40), "{statuses:?}");
    // A refusal says when to come back, in the IETF draft's headers too.
    let res = client()
        .get(format!("{}/api/v1/whoami", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("whoami");
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    assert_eq!(header("retry-after").as_deref(), Some("30"));
    assert_eq!(header("ratelimit-limit").as_deref(), Some("20"));
    assert_eq!(header("ratelimit-remaining").as_deref(), Some("0"));
    assert_eq!(header("ratelimit-reset").as_deref(), Some("30"));
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"], "rate_limited");
    // /verify tells the service, without refusing the caller.
    let (status, verdict) = call(
        Method::POST,
        &app,
        "/api/v1/verify",
        &key,
        Some(json!({"key": token})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(verdict["valid"], false);
    assert_eq!(verdict["code"], "key_rate_limited");
    assert_eq!(verdict["retry_after"], 30);

    // The next window starts afresh, and a success says what is left.
    app.state.clock.advance(chrono::Duration::seconds(30));
    let res = client()
        .get(format!("{}/auth/forward", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("forward");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["ratelimit-remaining"], "19");
    assert_eq!(res.headers()["ratelimit-reset"], "60");

    // The key cannot lift its limit, nor make a key with a looser one; its keys inherit it.
    let limited_key = Revealed {
        username: id.clone(),
        password: made["secret"].as_str().expect("secret").to_owned(),
        token: token.clone(),
    };
    let before = app.fingerprint();
    let (status, _) = call(
        Method::PATCH,
        &app,
        &format!("/api/v1/credentials/{id}"),
        &limited_key,
        Some(json!({"rate_limit": null})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, err) = call(
        Method::POST,
        &app,
        "/api/v1/credentials",
        &limited_key,
        Some(json!({"label": "Faster", "rate_limit": {"requests": 2, "per": "second"}})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["field"], "rate_limit");
    assert_eq!(app.fingerprint(), before, "nothing changed");
    let (status, child) = call(
        Method::POST,
        &app,
        "/api/v1/credentials",
        &limited_key,
        Some(json!({"label": "Child"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        child["credential"]["rate_limit"],
        json!({"requests": 20, "per": "minute"})
    );
    // Tightening its own is allowed.
    let (status, tightened) = call(
        Method::PATCH,
        &app,
        &format!("/api/v1/credentials/{id}"),
        &limited_key,
        Some(json!({"rate_limit": {"requests": 5, "per": "minute"}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{tightened}");
    let (status, err) = call(
        Method::POST,
        &app,
        "/api/v1/credentials",
        &key,
        Some(json!({"label": "Zero", "rate_limit": {"requests": 0, "per": "minute"}})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");

    // Three processes on one PostgreSQL: never more than the limit in all.
    if !app.database_url.starts_with("postgres") {
        return;
    }
    let (status, made) = call(
        Method::POST,
        &app,
        "/api/v1/credentials",
        &key,
        Some(json!({"label": "Shared", "rate_limit": {"requests": 1000, "per": "minute"}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let shared = made["token"].as_str().expect("token").to_owned();
    let second = TestApp::spawn_with(|s| {
        frozen(s);
        s.database_url = Some(app.database_url.clone());
        s.secret_key = Some(app.secret_key());
    })
    .await;
    let third = TestApp::spawn_with(|s| {
        frozen(s);
        s.database_url = Some(app.database_url.clone());
        s.secret_key = Some(app.secret_key());
    })
    .await;
    // The frozen clocks of the three stand in the same window.
    for other in [&second, &third] {
        other.state.clock.advance(chrono::Duration::seconds(30));
    }
    let statuses = burst(
        vec![app.base.clone(), second.base.clone(), third.base.clone()],
        shared,
        1440,
    )
    .await;
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    // The issue's measurement: 1,000 a minute, 1,440 sent through three processes at once.
    // Leases of lease_size(1000) = 10 uses: at most 3 processes × 10 left unused.
    let mut seen = std::collections::BTreeMap::new();
    for s in &statuses {
        *seen.entry(s.as_u16()).or_insert(0) += 1;
    }
    assert!(
        (1000 - 30..=1000).contains(&ok),
        "{ok} admitted of 1440 for a limit of 1000: {seen:?}"
    );
    eprintln!("three processes, limit 1000/min: {ok} admitted of 1440: {seen:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::TOO_MANY_REQUESTS)
    );
}

/// Many limited keys at once, each asked more often than its limit: every key admits exactly
/// its count. On PostgreSQL the leases of concurrent requests are taken in batches of many
/// keys (and several asks of one key), through two processes: the counters say the same.
#[tokio::test]
async fn many_limited_keys_at_once_each_admit_exactly_their_count() {
    use reqwest::Method;
    let frozen = |s: &mut keyward::config::Settings| {
        s.fake_now = Some("2026-12-01T10:00:30".parse().expect("time"));
    };
    let app = TestApp::spawn_with(frozen).await;
    let (_admin, key) = admin_key(&app).await;
    let mut bases = vec![app.base.clone()];
    let second;
    if app.database_url.starts_with("postgres") {
        second = TestApp::spawn_with(|s| {
            frozen(s);
            s.database_url = Some(app.database_url.clone());
            s.secret_key = Some(app.secret_key());
        })
        .await;
        bases.push(second.base.clone());
    }
    const KEYS: usize = 24;
    const LIMIT: usize = 3;
    const ASKS: usize = 5;
    let mut keys = Vec::new();
    for n in 0..KEYS {
        let (status, made) = call(
            Method::POST,
            &app,
            "/api/v1/credentials",
            &key,
            Some(json!({"label": format!("Limited {n}"), "rate_limit": {"requests": LIMIT, "per": "minute"}})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        keys.push((
            made["id"].as_str().expect("id").to_owned(),
            made["token"].as_str().expect("token").to_owned(),
        ));
    }
    // 12 tasks at once, each going through every key in its own order.
    let mut set = tokio::task::JoinSet::new();
    for t in 0..12 {
        let (bases, keys) = (bases.clone(), keys.clone());
        set.spawn(async move {
            let client = reqwest::Client::new();
            let mut seen = Vec::new();
            for i in 0..KEYS * ASKS / 12 {
                let n = (i * 7 + t * 5) % KEYS;
                let res = client
                    .get(format!("{}/auth/forward", bases[(i + t) % bases.len()]))
                    .bearer_auth(&keys[n].1)
                    .send()
                    .await
                    .expect("forward");
                seen.push((n, res.status()));
            }
            seen
        });
    }
    let mut admitted = vec![0; KEYS];
    let mut asked = vec![0; KEYS];
    while let Some(done) = set.join_next().await {
        for (n, status) in done.expect("task") {
            asked[n] += 1;
            match status {
                StatusCode::OK => admitted[n] += 1,
                StatusCode::TOO_MANY_REQUESTS => {}
                other => panic!("key {n}: {other}"),
            }
        }
    }
    assert!(asked.iter().all(|&a| a > LIMIT), "{asked:?}");
    assert_eq!(admitted, vec![LIMIT; KEYS], "asked {asked:?}");
    if app.database_url.starts_with("postgres") {
        use diesel::prelude::*;
        use keyward::db::schema::rate_counters as rc;
        let mut conn = app.db();
        let keyward::db::DbConn::Postgres(c) = &mut conn else {
            unreachable!()
        };
        let used: Vec<i32> = rc::table
            .select(rc::used)
            .order(rc::credential_id)
            .load(c)
            .expect("counters");
        // The counters count the uses asked for (`auth::rate_limit`): every key's window
        // was asked at least its limit, and at most once per request sent to it.
        assert_eq!(used.len(), KEYS);
        let mut asked_sorted = asked.clone();
        asked_sorted.sort_unstable();
        assert!(
            used.iter()
                .all(|&u| u >= LIMIT as i32 && u as usize <= *asked_sorted.last().expect("asks")),
            "{used:?}"
        );
    }
}

/// The account's default rate limit applies to every key without its own, on the next
/// request; a key's own limit, set on its page, takes over; both journalled.
#[tokio::test]
async fn the_accounts_default_rate_limit_and_a_keys_own_on_its_page() {
    let app = TestApp::spawn_with(|s| {
        s.fake_now = Some("2026-12-01T10:00:00".parse().expect("time"));
    })
    .await;
    let admin = app.admin().await;
    admin.get("/profile/api-credentials").await;
    admin
        .post("/profile/api-credentials/add", &[("label", "Plain")])
        .await
        .assert_redirect("/profile/api-credentials");
    let page = admin.get("/profile/api-credentials").await;
    let token = page.input_value("reveal-token").expect("token");
    let id = page.input_value("reveal-username").expect("id");
    let forward = || {
        let (base, token) = (app.base.clone(), token.clone());
        async move {
            client()
                .get(format!("{base}/auth/forward"))
                .bearer_auth(token)
                .send()
                .await
                .expect("forward")
                .status()
        }
    };
    assert_eq!(forward().await, StatusCode::OK);
    admin.get("/settings").await;
    let bad = admin
        .post(
            "/settings/rate-limit",
            &[("rate_requests", "0"), ("rate_per", "minute")],
        )
        .await;
    bad.assert_redirect("/settings");
    admin
        .post(
            "/settings/rate-limit",
            &[("rate_requests", "3"), ("rate_per", "minute")],
        )
        .await
        .assert_redirect("/settings");
    assert!(admin.get("/settings").await.contains("value=\"3\""));
    let statuses = [
        forward().await,
        forward().await,
        forward().await,
        forward().await,
    ];
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    // Its own limit, on its page: 10 a minute.
    let here = format!("/profile/api-credentials/{id}");
    admin.get(&here).await;
    admin
        .post(
            &format!("{here}/allowlist"),
            &[
                ("allowed_from", ""),
                ("scopes", ""),
                ("rate_requests", "10"),
                ("rate_per", "minute"),
            ],
        )
        .await
        .assert_redirect(&here);
    let page = admin.get(&here).await;
    assert!(page.contains("10 per minute"), "{}", page.body);
    assert_eq!(forward().await, StatusCode::OK);
    use diesel::prelude::*;
    use keyward::db::schema::audit_events as a;
    let actions: Vec<String> = a::table
        .filter(a::action.like("%rate_limit_changed"))
        .select(a::action)
        .load(&mut app.db())
        .expect("journal");
    assert_eq!(
        actions,
        [
            "account.rate_limit_changed",
            "credential.rate_limit_changed"
        ]
    );
}

/// Usage (issue 17): each key's uses and refusals per hour, by reason, match the requests
/// sent once written; the key page draws them (with the table behind the chart), and the API
/// and the CSV give the same numbers.
#[tokio::test]
async fn usage_counts_match_the_requests_sent_and_show_on_the_key_page() {
    let app = TestApp::spawn_with(|s| {
        s.fake_now = Some("2026-12-01T10:45:00".parse().expect("time"));
        s.trusted_proxies = vec!["127.0.0.1/32".parse().expect("net")];
    })
    .await;
    let admin = app.admin().await;
    admin.get("/profile/api-credentials").await;
    admin
        .post(
            "/profile/api-credentials/add",
            &[("label", "Counted"), ("scopes", "keyward:credentials:read")],
        )
        .await
        .assert_redirect("/profile/api-credentials");
    let page = admin.get("/profile/api-credentials").await;
    let key = Revealed {
        username: page.input_value("reveal-username").expect("id"),
        password: page.input_value("reveal-secret").expect("secret"),
        token: page.input_value("reveal-token").expect("token"),
    };
    let send = |token: String, path: &'static str, from: &'static str| {
        let base = app.base.clone();
        async move {
            client()
                .get(format!("{base}{path}"))
                .bearer_auth(token)
                .header("X-Forwarded-For", from)
                .send()
                .await
                .expect("request")
                .status()
        }
    };
    for _ in 0..7 {
        assert_eq!(
            send(key.token.clone(), "/auth/forward", "192.0.2.1").await,
            StatusCode::OK
        );
    }
    // Refused: a wrong secret twice, a missing scope once (a call that needs another).
    let mut wrong_secret = key.password.clone();
    let last = wrong_secret.pop().expect("a secret");
    wrong_secret.push(if last == 'a' { 'b' } else { 'a' });
    for _ in 0..2 {
        let res = client()
            .get(format!("{}/auth/forward", app.base))
            .basic_auth(&key.username, Some(wrong_secret.as_str()))
            .header("X-Forwarded-For", "192.0.2.1")
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        send(key.token.clone(), "/api/v1/machines", "192.0.2.1").await,
        StatusCode::FORBIDDEN
    );
    // In the next hour (half an hour later: the console session stays), three more uses and
    // an address refusal once it has an allowlist.
    app.state.clock.advance(chrono::Duration::minutes(30));
    for _ in 0..3 {
        assert_eq!(
            send(key.token.clone(), "/auth/forward", "192.0.2.1").await,
            StatusCode::OK
        );
    }
    let here = format!("/profile/api-credentials/{}", key.username);
    admin.get(&here).await;
    admin
        .post(
            &format!("{here}/allowlist"),
            &[("allowed_from", "192.0.2.0/24")],
        )
        .await
        .assert_redirect(&here);
    assert_eq!(
        send(key.token.clone(), "/auth/forward", "198.51.100.7").await,
        StatusCode::UNAUTHORIZED
    );
    let errors = app.state.verifier.flush(&app.state.pool, false);
    assert!(errors.is_empty(), "flush: {errors:?}");

    // Asked from where the key may be used now.
    let usage = |query: &'static str| {
        let (base, key) = (app.base.clone(), key.clone());
        async move {
            let res = client()
                .get(format!(
                    "{base}/api/v1/credentials/{}/usage{query}",
                    key.username
                ))
                .bearer_auth(&key.token)
                .header("X-Forwarded-For", "192.0.2.1")
                .send()
                .await
                .expect("usage");
            let status = res.status();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, series) = usage("").await;
    assert_eq!(status, StatusCode::OK, "{series}");
    let buckets = series["buckets"].as_array().expect("buckets");
    assert_eq!(buckets.len(), 24);
    let (before, last) = (&buckets[22], &buckets[23]);
    assert_eq!(before["start"], "2026-12-01T10:00:00+00:00");
    assert_eq!(
        (&before["ok"], &before["wrong_secret"], &before["scope"]),
        (&json!(7), &json!(2), &json!(1))
    );
    // This very call is counted too, once written; the forward calls of this hour are.
    // (this very call too if a flush ran since it came: 50 ms)
    assert!(matches!(last["ok"].as_i64(), Some(3 | 4)), "{last}");
    assert_eq!(last["address"], 1);
    let (_, days) = usage("?per=day").await;
    let today = &days["buckets"].as_array().expect("days")[29];
    assert!(matches!(today["ok"].as_i64(), Some(10..=12)), "{today}");
    assert_eq!(today["wrong_secret"], 2);

    // The key page: a chart of each period, and the numbers in a table.
    let page = admin.get(&here).await;
    assert!(page.contains("<svg class=\"chart\""), "{}", page.body);
    assert!(page.contains("The last 24 hours"));
    assert!(page.contains("wrong secret: 2"));
    assert!(page.contains("missing scope: 1"));
    assert!(page.contains("address not allowed: 1"));
    let fr = app.visitor_fr();
    fr.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .assert_redirect("/");
    let page = fr.get(&here).await;
    assert!(page.contains("Les dernières 24 heures"));
    assert!(page.contains("mauvais secret : 2") || page.contains("mauvais secret: 2"));
    // The CSV: every hour that had any — this hour's two calls of the usage API included.
    let errors = app.state.verifier.flush(&app.state.pool, false);
    assert!(errors.is_empty(), "flush: {errors:?}");
    let csv = admin.get(&format!("{here}/usage.csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.body
            .starts_with("hour,ok,wrong_secret,inactive,expired,scope,rate_limited,address")
    );
    assert!(
        csv.body.contains("2026-12-01T10:00:00+00:00,7,2,0,0,1,0,0"),
        "{}",
        csv.body
    );
    assert!(
        csv.body.contains("2026-12-01T11:00:00+00:00,5,0,0,0,0,0,1"),
        "{}",
        csv.body
    );
    let (status, _) = usage("?per=week").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Another owner's key id under this list is not found.
    let other = admin
        .get("/profile/api-credentials/NoSuchKey0000000/usage.csv")
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);

    // The owner's page: every key together, then key by key — a quiet key with zeros.
    admin.get("/profile/api-credentials").await;
    admin
        .post("/profile/api-credentials/add", &[("label", "Quiet")])
        .await
        .assert_redirect("/profile/api-credentials");
    let list = admin.get("/profile/api-credentials").await;
    assert!(list.contains("href=\"/profile/api-credentials/usage\""));
    let all = admin.get("/profile/api-credentials/usage").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    let row_of = |label: &str| -> String {
        let start = all.body.find(&format!("<bdi>{label}</bdi>")).expect(label);
        let end = start + all.body[start..].find("</tr>").expect("row end");
        all.body[start..end].to_owned()
    };
    // 7 + 5 uses, 2 wrong secrets, 1 missing scope, 1 address; the usage calls above may
    // have been written by the flush too (two of them, this hour).
    let counted = row_of("Counted");
    let cells: Vec<i64> = counted
        .split("class=\"num\">")
        .skip(1)
        .map(|cell| {
            cell.split('<')
                .next()
                .expect("cell")
                .parse()
                .expect("number")
        })
        .collect();
    assert_eq!(cells.len(), 4, "{counted}");
    assert!((12..=14).contains(&cells[0]), "{cells:?}");
    assert_eq!(cells[1], 4, "{cells:?}");
    assert_eq!((cells[2], cells[3]), (cells[0], 4), "the same in 30 days");
    let quiet = row_of("Quiet");
    assert_eq!(quiet.matches("class=\"num\">0<").count(), 4, "{quiet}");
    assert!(all.contains("<svg class=\"chart\""));
    assert!(
        all.contains(&format!("{} uses, 4 refused", cells[0])),
        "{}",
        all.body
    );
    let page = fr.get("/profile/api-credentials/usage").await;
    assert!(page.contains("Toutes les clés ensemble"), "{}", page.body);
    // Someone else's "my keys" page is theirs: none of these keys on it.
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let bob_visitor = common::signed_in(&app, "bob@example.org").await;
    let theirs = bob_visitor.get("/profile/api-credentials/usage").await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert!(!theirs.contains("<bdi>Counted</bdi>") && theirs.contains("No keys yet."));
    // An operator's page needs Operators / Read, which Bob lacks.
    let me_id: i32 = {
        use diesel::prelude::*;
        use keyward::db::schema::operators as o;
        o::table
            .filter(o::email.eq(ADMIN_EMAIL))
            .select(o::id)
            .first(&mut app.db())
            .expect("the administrator")
    };
    let refused = bob_visitor
        .get(&format!("/account/operators/{me_id}/api/usage"))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let seen = admin
        .get(&format!("/account/operators/{bob}/api/usage"))
        .await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(seen.contains("No keys yet."));
}

/// Where a key is used from: each address and user agent per secret, counted as sent, the
/// old secret of a roll apart from the new one, at most 50 per key, gone with the key.
#[tokio::test]
async fn sources_say_where_each_secret_is_used_from() {
    use diesel::prelude::*;
    use keyward::db::schema::key_sources as ks;
    use reqwest::Method;
    let app = TestApp::spawn_with(|s| {
        s.fake_now = Some("2026-12-01T10:00:00".parse().expect("time"));
        s.trusted_proxies = vec!["127.0.0.1/32".parse().expect("net")];
    })
    .await;
    let (admin, key) = admin_key(&app).await;
    let (status, made) = call(
        Method::POST,
        &app,
        "/api/v1/credentials",
        &key,
        Some(json!({"label": "Sourced"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let id = made["id"].as_str().expect("id").to_owned();
    let old_token = made["token"].as_str().expect("token").to_owned();
    let send = |token: String, from: &'static str, agent: &'static str| {
        let base = app.base.clone();
        async move {
            client()
                .get(format!("{base}/auth/forward"))
                .bearer_auth(token)
                .header("X-Forwarded-For", from)
                .header("User-Agent", agent)
                .send()
                .await
                .expect("forward")
                .status()
        }
    };
    for _ in 0..3 {
        assert_eq!(
            send(old_token.clone(), "192.0.2.1", "backup/1.0").await,
            StatusCode::OK
        );
    }
    assert_eq!(
        send(old_token.clone(), "192.0.2.1", "backup/2.0").await,
        StatusCode::OK
    );
    assert_eq!(
        send(old_token.clone(), "2001:db8::7", "cron\tjob").await,
        StatusCode::OK
    );
    // A wrong secret is no source.
    let wrong = format!("{}x", &old_token[..old_token.len() - 1]);
    assert_eq!(
        send(wrong, "203.0.113.9", "guess").await,
        StatusCode::UNAUTHORIZED
    );
    let errors = app.state.verifier.flush(&app.state.pool, false);
    assert!(errors.is_empty(), "{errors:?}");

    // Rolled with an hour's window: the old secret from one more place, the new from another.
    let (status, rolled) = call(
        Method::POST,
        &app,
        &format!("/api/v1/credentials/{id}/roll"),
        &key,
        Some(json!({"grace": "PT1H"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rolled}");
    let new_token = rolled["token"].as_str().expect("token").to_owned();
    app.state.clock.advance(chrono::Duration::minutes(5));
    for _ in 0..2 {
        assert_eq!(
            send(old_token.clone(), "198.51.100.20", "legacy-job").await,
            StatusCode::OK
        );
    }
    for _ in 0..4 {
        assert_eq!(
            send(new_token.clone(), "192.0.2.1", "backup/2.0").await,
            StatusCode::OK
        );
    }
    let errors = app.state.verifier.flush(&app.state.pool, false);
    assert!(errors.is_empty(), "{errors:?}");

    let (status, listed) = call(
        Method::GET,
        &app,
        &format!("/api/v1/credentials/{id}/sources"),
        &key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    let mut seen: Vec<(String, String, String, i64)> = listed["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| {
            (
                s["address"].as_str().expect("address").to_owned(),
                s["user_agent"].as_str().expect("agent").to_owned(),
                s["secret"].as_str().expect("secret").to_owned(),
                s["uses"].as_i64().expect("uses"),
            )
        })
        .collect();
    seen.sort();
    let row = |a: &str, u: &str, s: &str, n: i64| (a.to_owned(), u.to_owned(), s.to_owned(), n);
    assert_eq!(
        seen,
        vec![
            row("192.0.2.1", "backup/1.0", "retired", 3),
            row("192.0.2.1", "backup/2.0", "current", 4),
            row("192.0.2.1", "backup/2.0", "retired", 1),
            row("198.51.100.20", "legacy-job", "previous", 2),
            row("2001:db8::7", "cronjob", "retired", 1),
        ],
        "{listed}"
    );
    // The key page: the old secret's uses since the roll and where from; the new one's.
    let page = admin.get(&format!("/account/operators/1/api/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("Where it is used from"), "{}", page.body);
    assert!(page.contains("legacy-job") && page.contains("old, since the roll"));
    let old_uses = page
        .body
        .find("Uses of the old secret since the roll")
        .expect("old uses");
    let after = &page.body[old_uses..old_uses + 300];
    assert!(
        after.contains("<dd class=\"wrap\">2 — from <code dir=\"ltr\">198.51.100.20</code>"),
        "{after}"
    );
    assert!(
        page.contains("Uses of the new secret</dt>\n    <dd>4</dd>"),
        "{}",
        page.body
    );

    // Another owner's key: not found.
    let (status, _) = call(
        Method::GET,
        &app,
        "/api/v1/credentials/NoSuchKey0000000/sources",
        &key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Bounded: sixty more addresses leave the fifty seen last.
    for i in 0..60u8 {
        let from: &'static str = Box::leak(format!("10.0.0.{i}").into_boxed_str());
        assert_eq!(
            send(new_token.clone(), from, "spread").await,
            StatusCode::OK
        );
        app.state.clock.advance(chrono::Duration::seconds(1));
    }
    let errors = app.state.verifier.flush(&app.state.pool, false);
    assert!(errors.is_empty(), "{errors:?}");
    let count =
        |app: &TestApp| -> i64 { ks::table.count().get_result(&mut app.db()).expect("count") };
    // The admin's own key has sources too (the calls above); only "Sourced" is bounded here.
    let kept: Vec<String> = ks::table
        .inner_join(keyward::db::schema::credentials::table)
        .filter(keyward::db::schema::credentials::public_id.eq(&id))
        .select(ks::address)
        .load(&mut app.db())
        .expect("rows");
    assert_eq!(kept.len(), 50, "{kept:?}");
    assert!(kept.contains(&"10.0.0.59".to_owned()) && !kept.contains(&"10.0.0.0".to_owned()));
    let before = count(&app);
    // One more use waits in memory (from a new place) when the key is deleted: the next
    // write leaves it out and loses nothing else.
    assert_eq!(
        send(new_token.clone(), "10.9.9.9", "late").await,
        StatusCode::OK
    );
    let (status, _) = call(
        Method::DELETE,
        &app,
        &format!("/api/v1/credentials/{id}"),
        &key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(count(&app), before - 50, "the key's sources went with it");
    let errors = app.state.verifier.flush(&app.state.pool, false);
    assert!(errors.is_empty(), "{errors:?}");
    let left: i64 = ks::table
        .filter(ks::address.eq("10.9.9.9"))
        .count()
        .get_result(&mut app.db())
        .expect("count");
    assert_eq!(left, 0);
    assert!(
        count(&app) >= before - 50,
        "the admin key's use (the DELETE) was written"
    );
}

/// A key used from a network it was never used from: journalled each time, its owner mailed
/// at most once an hour (never for the first use, nor for another address of a network seen
/// before), and not at all once they turned the notice off.
#[tokio::test]
async fn a_new_network_is_journalled_and_mailed_once_an_hour() {
    use diesel::prelude::*;
    use keyward::db::schema::{audit_events as a, outbox as o};
    use reqwest::Method;
    let app = TestApp::spawn_with(|s| {
        s.fake_now = Some("2026-12-01T10:00:00".parse().expect("time"));
        s.trusted_proxies = vec!["127.0.0.1/32".parse().expect("net")];
        // Each notice a mail of its own (no digest of the key's creation with it).
        s.mail_digest_seconds = 0;
        // The worker that tells of new networks runs often.
        s.mail_poll_ms = 50;
    })
    .await;
    let (admin, key) = admin_key(&app).await;
    let (status, made) = call(
        Method::POST,
        &app,
        "/api/v1/credentials",
        &key,
        Some(json!({"label": "Watched"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let id = made["id"].as_str().expect("id").to_owned();
    let token = made["token"].as_str().expect("token").to_owned();
    let from = |address: &'static str| {
        let (base, token) = (app.base.clone(), token.clone());
        async move {
            let status = client()
                .get(format!("{base}/auth/forward"))
                .bearer_auth(token)
                .header("X-Forwarded-For", address)
                .header("User-Agent", "deploy-bot/3")
                .send()
                .await
                .expect("forward")
                .status();
            assert_eq!(status, StatusCode::OK);
        }
    };
    let journalled = || -> Vec<String> {
        a::table
            .filter(a::target_id.eq(&id))
            .filter(a::action.eq("credential.new_network"))
            .order(a::id)
            .select(a::changes)
            .load(&mut app.db())
            .expect("journal")
    };
    let mailed = || -> Vec<String> {
        o::table
            .filter(o::subject.eq("API key used from a new network: Watched"))
            .select(o::body_text)
            .load(&mut app.db())
            .expect("outbox")
    };
    let flush = || {
        let errors = app.state.verifier.flush(&app.state.pool, false);
        assert!(errors.is_empty(), "{errors:?}");
    };
    // The first use sets where the key lives; another address of that /24 is no news.
    from("192.0.2.1").await;
    flush();
    from("192.0.2.200").await;
    flush();
    // A new network: journalled and mailed (the mail names the address and the agent).
    from("198.51.100.5").await;
    flush();
    common::eventually("the first notice", || async { journalled().len() == 1 }).await;
    assert!(
        journalled()[0].contains("198.51.100.5"),
        "{:?}",
        journalled()
    );
    let mails = mailed();
    assert_eq!(mails.len(), 1);
    // Within the hour: journalled, no second mail.
    from("203.0.113.7").await;
    flush();
    common::eventually("the second row", || async { journalled().len() == 2 }).await;
    assert_eq!(mailed().len(), 1, "one mail an hour");
    // An hour later, IPv6: mailed again.
    app.state.clock.advance(chrono::Duration::minutes(61));
    admin
        .sign_in(common::ADMIN_EMAIL, common::ADMIN_PASSWORD)
        .await;
    from("2001:db8:5::1").await;
    flush();
    common::eventually("the third row", || async { journalled().len() == 3 }).await;
    common::eventually("the second mail", || async { mailed().len() == 2 }).await;
    // Turned off in My profile: journalled still, mailed no more.
    admin.get("/profile/notices").await;
    admin
        .post("/profile/notices", &[("notice", "key_created")])
        .await
        .assert_redirect("/profile/notices");
    app.state.clock.advance(chrono::Duration::minutes(61));
    admin
        .sign_in(common::ADMIN_EMAIL, common::ADMIN_PASSWORD)
        .await;
    from("100.64.0.1").await;
    flush();
    common::eventually("the fourth row", || async { journalled().len() == 4 }).await;
    assert_eq!(mailed().len(), 2, "muted");
}

/// A roll's window extended once — through the API and on the key page — never past the
/// key's expiry; the old secret works for as long as the window now says, then not.
#[tokio::test]
async fn a_roll_window_is_extended_once_and_no_further() {
    use reqwest::Method;
    let app = TestApp::spawn_with(|s| {
        s.fake_now = Some("2026-12-01T10:00:00".parse().expect("time"));
    })
    .await;
    let (admin, key) = admin_key(&app).await;
    let (status, made) = call(
        Method::POST,
        &app,
        "/api/v1/credentials",
        &key,
        Some(json!({"label": "Rolled", "expires_at": "2026-12-03T00:00:00Z"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let id = made["id"].as_str().expect("id").to_owned();
    let old = made["token"].as_str().expect("token").to_owned();
    let extend = |by: &'static str| {
        let (app, key, id) = (&app, &key, id.clone());
        async move {
            call(
                Method::POST,
                app,
                &format!("/api/v1/credentials/{id}/roll/extend"),
                key,
                Some(json!({ "by": by })),
            )
            .await
        }
    };
    // Nothing to extend before a roll.
    let (status, body) = extend("PT1H").await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, rolled) = call(
        Method::POST,
        &app,
        &format!("/api/v1/credentials/{id}/roll"),
        &key,
        Some(json!({"grace": "PT1H"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rolled}");
    let (status, body) = extend("PT0S").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no such extension: {body}");
    let (status, extended) = extend("PT24H").await;
    assert_eq!(status, StatusCode::OK, "{extended}");
    assert_eq!(
        extended["previous_valid_until"], "2026-12-02T11:00:00+00:00",
        "{extended}"
    );
    let (status, body) = extend("PT1H").await;
    assert_eq!(status, StatusCode::CONFLICT, "once: {body}");
    // Two hours on, past the first window: the old secret still works.
    app.state.clock.advance(chrono::Duration::hours(2));
    assert_eq!(app.whoami_bearer(&old).await.0, StatusCode::OK);
    app.state.clock.advance(chrono::Duration::hours(24));
    assert_eq!(app.whoami_bearer(&old).await.0, StatusCode::UNAUTHORIZED);

    // On the key page (My profile): a week asked, the key's expiry is the end.
    let admin = {
        drop(admin);
        let v = app.visitor();
        v.sign_in(common::ADMIN_EMAIL, common::ADMIN_PASSWORD)
            .await
            .assert_redirect("/");
        v
    };
    let (status, _) = call(
        Method::POST,
        &app,
        &format!("/api/v1/credentials/{id}/roll"),
        &key,
        Some(json!({"grace": "PT1H"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let here = format!("/profile/api-credentials/{id}");
    let page = admin.get(&here).await;
    assert!(page.contains("Extend the window once"), "{}", page.body);
    admin
        .post(&format!("{here}/roll/extend"), &[("by", "P7D")])
        .await
        .assert_redirect(&here);
    let page = admin.get(&here).await;
    assert!(
        page.contains("The old secret&#x27;s window is extended.")
            || page.contains("window is extended")
    );
    assert!(
        !page.contains("Extend the window once"),
        "offered once only"
    );
    let (_, now) = call(
        Method::GET,
        &app,
        &format!("/api/v1/credentials/{id}"),
        &key,
        None,
    )
    .await;
    assert_eq!(
        now["previous_valid_until"], "2026-12-03T00:00:00+00:00",
        "{now}"
    );
    let again = admin
        .post(&format!("{here}/roll/extend"), &[("by", "PT1H")])
        .await;
    again.assert_redirect(&here);
    assert!(admin.get(&here).await.contains("extended already"));
    // Journalled, each time it was.
    use diesel::prelude::*;
    use keyward::db::schema::audit_events as a;
    let n: i64 = a::table
        .filter(a::target_id.eq(&id))
        .filter(a::action.eq("credential.roll_window_extended"))
        .count()
        .get_result(&mut app.db())
        .expect("journal");
    assert_eq!(n, 2);
    // And told to the owner each time (an old secret kept alive is a security matter).
    use keyward::db::schema::outbox as o;
    let told: Vec<String> = o::table
        .select(o::subject)
        .load(&mut app.db())
        .expect("outbox");
    let extended = told
        .iter()
        .filter(|s| {
            s.contains("Old secret kept working longer: Rolled")
                || s.contains("changes to your API keys")
        })
        .count();
    assert!(extended >= 1, "{told:?}");
}

/// Dormant keys: an account setting; a key unused for that many days is noticed to its
/// owner (journal, mail, a flag in the list), deactivated a week later unless used, and
/// reactivated with the same value; a key in use is left alone.
#[tokio::test]
async fn dormant_keys_are_noticed_then_deactivated_and_come_back_as_they_were() {
    use diesel::prelude::*;
    use keyward::db::schema::{audit_events as a, credentials as c, outbox as o};
    use reqwest::Method;
    let app = TestApp::spawn_with(|s| {
        s.fake_now = Some("2026-12-01T10:00:00".parse().expect("time"));
        s.mail_digest_seconds = 0;
        // The worker that sweeps dormant keys runs often.
        s.mail_poll_ms = 50;
    })
    .await;
    let (admin, key) = admin_key(&app).await;
    admin.get("/settings").await;
    admin
        .post("/settings/dormant", &[("days", "0")])
        .await
        .assert_redirect("/settings");
    assert!(admin.get("/settings").await.contains("from 1 to 3650"));
    admin
        .post("/settings/dormant", &[("days", "30")])
        .await
        .assert_redirect("/settings");
    let make = |label: &'static str| {
        let (app, key) = (&app, &key);
        async move {
            let (status, made) = call(
                Method::POST,
                app,
                "/api/v1/credentials",
                key,
                Some(json!({ "label": label })),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{made}");
            (
                made["id"].as_str().expect("id").to_owned(),
                made["token"].as_str().expect("token").to_owned(),
            )
        }
    };
    let (idle, idle_token) = make("Idle").await;
    let (busy, busy_token) = make("Busy").await;
    let flush = || {
        let errors = app.state.verifier.flush(&app.state.pool, false);
        assert!(errors.is_empty(), "{errors:?}");
    };
    // 29 days on, Busy and the administrator's key are used; two days later Idle is 31
    // days old and never used.
    app.state.clock.advance(chrono::Duration::days(29));
    assert_eq!(app.whoami_bearer(&busy_token).await.0, StatusCode::OK);
    assert_eq!(
        app.whoami(&key.username, &key.password).await.0,
        StatusCode::OK
    );
    flush();
    app.state.clock.advance(chrono::Duration::days(2));
    let noticed = |id: &str| -> Option<chrono::NaiveDateTime> {
        c::table
            .filter(c::public_id.eq(id))
            .select(c::dormant_noticed_at)
            .first(&mut app.db())
            .expect("row")
    };
    common::eventually("Idle noticed", || async { noticed(&idle).is_some() }).await;
    assert_eq!(noticed(&busy), None, "a key in use is left alone");
    let mail = |subject: &str| -> i64 {
        o::table
            .filter(o::subject.eq(subject))
            .count()
            .get_result(&mut app.db())
            .expect("outbox")
    };
    assert_eq!(mail("Unused API key to be deactivated: Idle"), 1);
    assert_eq!(mail("Unused API key to be deactivated: Busy"), 0);
    let admin = app.visitor();
    admin
        .sign_in(common::ADMIN_EMAIL, common::ADMIN_PASSWORD)
        .await
        .assert_redirect("/");
    let list = admin.get("/account/operators/1/api").await;
    assert!(
        list.contains("Unused: deactivated on 8 Jan 2027"),
        "{}",
        list.body
    );
    // Still works meanwhile; a week after the notice, deactivated (not deleted).
    app.state.clock.advance(chrono::Duration::days(7));
    let active = |id: &str| -> bool {
        c::table
            .filter(c::public_id.eq(id))
            .select(c::active)
            .first(&mut app.db())
            .expect("row")
    };
    common::eventually("Idle deactivated", || async { !active(&idle) }).await;
    assert!(active(&busy));
    assert_eq!(mail("Unused API key deactivated: Idle"), 1);
    assert_eq!(
        app.whoami_bearer(&idle_token).await.0,
        StatusCode::UNAUTHORIZED
    );
    let actions: Vec<String> = a::table
        .filter(a::target_id.eq(&idle))
        .select(a::action)
        .load(&mut app.db())
        .expect("journal");
    assert!(
        actions.contains(&"credential.dormant_noticed".to_owned()),
        "{actions:?}"
    );
    assert!(
        actions.contains(&"credential.dormant_deactivated".to_owned()),
        "{actions:?}"
    );
    // Reactivated: the same value works again, and the count starts afresh from the
    // reactivation — its last use, long ago, is no reason to notice it again at once.
    assert_eq!(
        app.whoami(&key.username, &key.password).await.0,
        StatusCode::OK
    );
    let (status, body) = call(
        Method::PATCH,
        &app,
        &format!("/api/v1/credentials/{idle}"),
        &key,
        Some(json!({"active": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sweep = |app: &TestApp| {
        let policy = app.state.settings.mail_policy();
        let now = app.state.clock.now();
        keyward::changes::credentials::sweep_dormant(&mut app.db(), now, policy).expect("sweep")
    };
    sweep(&app);
    assert_eq!(noticed(&idle), None, "not noticed again on reactivation");
    assert!(active(&idle));
    assert_eq!(app.whoami_bearer(&idle_token).await.0, StatusCode::OK);
    flush();

    // Notices given under a setting do not outlive it: one day for a moment, then off — no
    // key is deactivated a week later.
    let admin = app.visitor();
    admin
        .sign_in(common::ADMIN_EMAIL, common::ADMIN_PASSWORD)
        .await
        .assert_redirect("/");
    admin.get("/settings").await;
    admin
        .post("/settings/dormant", &[("days", "1")])
        .await
        .assert_redirect("/settings");
    sweep(&app);
    assert!(noticed(&busy).is_some(), "unused for 9 days: noticed");
    admin
        .post("/settings/dormant", &[("days", "")])
        .await
        .assert_redirect("/settings");
    assert_eq!(noticed(&busy), None, "turned off: the notice is gone");
    app.state.clock.advance(chrono::Duration::days(8));
    sweep(&app);
    assert!(active(&busy), "never deactivated");

    // A rolled key whose programs still use only the old secret is in use.
    let admin = app.visitor();
    admin
        .sign_in(common::ADMIN_EMAIL, common::ADMIN_PASSWORD)
        .await
        .assert_redirect("/");
    admin.get("/settings").await;
    admin
        .post("/settings/dormant", &[("days", "3")])
        .await
        .assert_redirect("/settings");
    assert_eq!(
        app.whoami(&key.username, &key.password).await.0,
        StatusCode::OK
    );
    let (status, _) = call(
        Method::POST,
        &app,
        &format!("/api/v1/credentials/{busy}/roll"),
        &key,
        Some(json!({"grace": "P7D"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    app.state.clock.advance(chrono::Duration::days(2));
    assert_eq!(
        app.whoami_bearer(&busy_token).await.0,
        StatusCode::OK,
        "the old secret"
    );
    let old_used = || -> Option<chrono::NaiveDateTime> {
        c::table
            .filter(c::public_id.eq(&busy))
            .select(c::previous_last_used_at)
            .first(&mut app.db())
            .expect("row")
    };
    common::eventually("the old secret's use noted", || async {
        old_used().is_some()
    })
    .await;
    app.state.clock.advance(chrono::Duration::days(2));
    sweep(&app);
    assert_eq!(noticed(&busy), None, "used by its old secret two days ago");
}

/// The new-network notice, per key: on for an operator's key, off for a machine's, turned
/// on or off through the API (journalled) — and a key cannot turn its own off, so a leaked
/// key cannot hide where it is used from.
#[tokio::test]
async fn the_new_network_notice_is_chosen_per_key_and_a_key_cannot_mute_its_own() {
    use diesel::prelude::*;
    use keyward::auth::key_sources::NewNetwork;
    use keyward::db::schema::{audit_events as a, credentials as c};
    use reqwest::Method;
    let app = TestApp::spawn_with(|s| s.mail_digest_seconds = 0).await;
    let (admin, key) = admin_key(&app).await;
    let create = |body: Value| call(Method::POST, &app, "/api/v1/credentials", &key, Some(body));
    let (status, mine) = create(json!({"label": "Watched"})).await;
    assert_eq!(status, StatusCode::CREATED, "{mine}");
    assert_eq!(mine["credential"]["notify_new_network"], true);
    let (_, machine) = call(
        Method::POST,
        &app,
        "/api/v1/machines",
        &key,
        Some(json!({"name": "Fleet"})),
    )
    .await;
    let owner = format!("machine:{}", machine["id"]);
    let (_, fleet) = create(json!({"label": "Fleet key", "owner": owner})).await;
    assert_eq!(fleet["credential"]["notify_new_network"], false);
    let (_, asked) =
        create(json!({"label": "Fleet, watched", "owner": owner, "notify_new_network": true}))
            .await;
    assert_eq!(asked["credential"]["notify_new_network"], true);
    let db_id = |public_id: &Value| -> i32 {
        c::table
            .filter(c::public_id.eq(public_id.as_str().expect("id")))
            .select(c::id)
            .first(&mut app.db())
            .expect("row")
    };
    let notified = |public_id: &Value| -> usize {
        let noticed = NewNetwork {
            credential_id: db_id(public_id),
            address: "198.51.100.5".into(),
            user_agent: "deploy-bot/3".into(),
        };
        let now = app.state.clock.now();
        keyward::changes::credentials::notice_new_networks(
            &mut app.db(),
            now,
            app.state.settings.mail_policy(),
            &[noticed],
        )
        .expect("noticed");
        a::table
            .filter(a::target_id.eq(public_id.as_str().expect("id")))
            .filter(a::action.eq("credential.new_network"))
            .count()
            .get_result::<i64>(&mut app.db())
            .expect("journal") as usize
    };
    assert_eq!(notified(&mine["id"]), 1);
    assert_eq!(notified(&fleet["id"]), 0, "off for a machine's key");
    assert_eq!(notified(&asked["id"]), 1);

    // A key whose own notice is on makes or sets none without (a leaked key would use that
    // one instead): 409, nothing made or changed.
    let path = format!("/api/v1/credentials/{}", mine["id"].as_str().expect("id"));
    let (status, err) = create(json!({"label": "Unseen", "notify_new_network": false})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    let (status, err) = call(
        Method::PATCH,
        &app,
        &path,
        &key,
        Some(json!({"notify_new_network": false})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    let unseen: i64 = c::table
        .filter(c::label.eq("Unseen"))
        .count()
        .get_result(&mut app.db())
        .expect("count");
    assert_eq!(unseen, 0);
    // Its owner turns the calling key's notice off on its page; then that key may.
    let page = format!("/profile/api-credentials/{}", key.username);
    admin.get(&page).await;
    admin
        .post(
            &format!("{page}/allowlist"),
            &[("allowed_from", ""), ("notice_field", "1")],
        )
        .await
        .assert_redirect(&page);
    // Turned off by a key that manages it: journalled, and no notice any more.
    let (status, off) = call(
        Method::PATCH,
        &app,
        &path,
        &key,
        Some(json!({"notify_new_network": false})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{off}");
    assert_eq!(off["notify_new_network"], false);
    let journalled: i64 = a::table
        .filter(a::target_id.eq(mine["id"].as_str().expect("id")))
        .filter(a::action.eq("credential.notice_changed"))
        .count()
        .get_result(&mut app.db())
        .expect("journal");
    assert_eq!(journalled, 1);
    assert_eq!(notified(&mine["id"]), 1, "no second row");

    // A key turning its own off: 409, nothing changed. Turning its own on is fine.
    let own = format!("/api/v1/credentials/{}", key.username);
    let (status, err) = call(
        Method::PATCH,
        &app,
        &own,
        &key,
        Some(json!({"notify_new_network": false, "label": "Quiet"})),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    let (label, notify): (String, bool) = c::table
        .filter(c::public_id.eq(&key.username))
        .select((c::label, c::notify_new_network))
        .first(&mut app.db())
        .expect("row");
    assert_eq!((label.as_str(), notify), ("Admin automation", false));
    let (status, _) = call(
        Method::PATCH,
        &app,
        &own,
        &key,
        Some(json!({"notify_new_network": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

/// Anyone who finds a token can stop it: no authentication, the same answer for every
/// token, a key's secret deactivates the key, an old secret of a roll ends its window; the
/// owner is mailed where it was found. Reports are limited per address — exactly, at once.
/// The account setting "delete instead of deactivate": a reported working key is gone,
/// journalled as reported and deleted, its owner told; only *Settings / Write* may set it.
#[tokio::test]
async fn an_account_can_have_leaked_keys_deleted_instead_of_deactivated() {
    use diesel::prelude::*;
    use keyward::db::schema::{accounts as acc, audit_events as a, credentials as c};
    use reqwest::Method;
    let app = TestApp::spawn_with(|s| {
        s.mail_digest_seconds = 0;
        s.mail_poll_ms = 50;
    })
    .await;
    let (admin, key) = admin_key(&app).await;
    let setting = || -> bool {
        acc::table
            .select(acc::delete_leaked)
            .first(&mut app.db())
            .expect("account")
    };
    // A delegate with Operators / Write only cannot change it.
    let dee = app
        .create_operator(&admin, "Dee Legate", "dee@example.org", false)
        .await;
    common::group(&admin, "Operators", &["operators.write"], &[dee]).await;
    let dee = common::signed_in(&app, "dee@example.org").await;
    dee.get("/").await;
    let page = dee.post("/settings/leaks", &[("action", "delete")]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(!setting(), "unchanged");
    // A forged value is refused, nothing changes.
    admin.get("/settings").await;
    let page = admin.post("/settings/leaks", &[("action", "shred")]).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(!setting());
    admin
        .post("/settings/leaks", &[("action", "delete")])
        .await
        .assert_redirect("/settings");
    assert!(setting());
    let page = admin.get("/settings").await;
    assert!(
        page.body.contains(r#"value="delete" checked"#),
        "{}",
        page.body
    );

    let (status, made) = call(
        Method::POST,
        &app,
        "/api/v1/credentials",
        &key,
        Some(json!({"label": "Leaky"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let (id, token) = (
        made["id"].as_str().expect("id").to_owned(),
        made["token"].as_str().expect("token").to_owned(),
    );
    let res = client()
        .post(format!("{}/api/v1/leaks/report", app.base))
        .json(&json!({"token": token, "found_at": "https://example.com/paste/2"}))
        .send()
        .await
        .expect("report");
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let left: i64 = c::table
        .filter(c::public_id.eq(&id))
        .count()
        .get_result(&mut app.db())
        .expect("count");
    assert_eq!(left, 0, "the key is gone");
    assert_eq!(app.whoami_bearer(&token).await.0, StatusCode::UNAUTHORIZED);
    let journal: Vec<(String, String)> = a::table
        .filter(a::target_id.eq(&id))
        .order(a::id)
        .select((a::action, a::changes))
        .load(&mut app.db())
        .expect("journal");
    let actions: Vec<&str> = journal.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "credential.created",
            "credential.leak_reported",
            "credential.deleted"
        ]
    );
    assert!(
        journal[1].1.contains(r#""field":"deleted""#),
        "{}",
        journal[1].1
    );
    let changed: i64 = a::table
        .filter(a::action.eq("account.leak_action_changed"))
        .count()
        .get_result(&mut app.db())
        .expect("count");
    assert_eq!(changed, 1);
    let mail = app.sent_mail("API key reported as leaked: Leaky", 1).await;
    assert!(mail[0].contains("deleted at once"), "{}", mail[0]);
    assert!(mail[0].contains("https://example.com/paste/2"));
}

#[tokio::test]
async fn a_reported_leak_stops_the_token_and_tells_nobody_else_anything() {
    use diesel::prelude::*;
    use keyward::db::schema::{audit_events as a, credentials as c, outbox as o};
    use reqwest::Method;
    let app = TestApp::spawn_with(|s| {
        s.mail_digest_seconds = 0;
        s.trusted_proxies = vec!["127.0.0.1/32".parse().expect("net")];
    })
    .await;
    let (_admin, key) = admin_key(&app).await;
    let make = |label: &'static str| {
        let (app, key) = (&app, &key);
        async move {
            let (status, made) = call(
                Method::POST,
                app,
                "/api/v1/credentials",
                key,
                Some(json!({ "label": label })),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{made}");
            (
                made["id"].as_str().expect("id").to_owned(),
                made["token"].as_str().expect("token").to_owned(),
            )
        }
    };
    let (leaky, leaky_token) = make("Leaky").await;
    let (bystander, bystander_token) = make("Bystander").await;
    let report = |body: Value, from: &'static str| {
        let base = app.base.clone();
        async move {
            let res = client()
                .post(format!("{base}/api/v1/leaks/report"))
                .header("X-Forwarded-For", from)
                .json(&body)
                .send()
                .await
                .expect("report");
            let status = res.status();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let active = |id: &str| -> bool {
        c::table
            .filter(c::public_id.eq(id))
            .select(c::active)
            .first(&mut app.db())
            .expect("row")
    };
    let received = json!({"status": "received"});

    // Not a token, an unknown id, a wrong secret: received, nothing changes.
    let wrong = format!("kwd_{bystander}_{}", "W".repeat(32));
    for token in ["hello", "kwd_ZZZZZZZZZZZZZZZZ_abc", wrong.as_str()] {
        let (status, body) = report(json!({ "token": token }), "192.0.2.1").await;
        assert_eq!(
            (status, &body),
            (StatusCode::ACCEPTED, &received),
            "{token}"
        );
    }
    assert!(active(&bystander));
    assert_eq!(app.whoami_bearer(&bystander_token).await.0, StatusCode::OK);

    // The real thing: the same answer, and the key is stopped at once.
    let (status, body) = report(
        json!({"token": leaky_token, "found_at": "https://example.com/paste/1"}),
        "192.0.2.1",
    )
    .await;
    assert_eq!((status, &body), (StatusCode::ACCEPTED, &received));
    assert!(!active(&leaky));
    assert_eq!(
        app.whoami_bearer(&leaky_token).await.0,
        StatusCode::UNAUTHORIZED
    );
    let journal: Vec<String> = a::table
        .filter(a::target_id.eq(&leaky))
        .filter(a::action.eq("credential.leak_reported"))
        .select(a::changes)
        .load(&mut app.db())
        .expect("journal");
    assert_eq!(journal.len(), 1);
    assert!(
        journal[0].contains("https://example.com/paste/1"),
        "{journal:?}"
    );
    let mails = || -> i64 {
        o::table
            .filter(o::subject.eq("API key reported as leaked: Leaky"))
            .count()
            .get_result(&mut app.db())
            .expect("outbox")
    };
    assert_eq!(mails(), 1);
    let sent = app.sent_mail("API key reported as leaked: Leaky", 1).await;
    assert!(sent[0].contains("https://example.com/paste/1"), "{sent:?}");
    assert!(sent[0].contains("192.0.2.1"), "who reported it");
    // Reported again: still received, no second mail or row.
    let (status, _) = report(json!({ "token": leaky_token }), "192.0.2.1").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(mails(), 1);

    // The old secret of a roll: its window ends, the new secret and the key keep working.
    let (rolled, old_token) = make("Rolled").await;
    let (_, new) = call(
        Method::POST,
        &app,
        &format!("/api/v1/credentials/{rolled}/roll"),
        &key,
        Some(json!({"grace": "PT24H"})),
    )
    .await;
    let new_token = new["token"].as_str().expect("token").to_owned();
    assert_eq!(app.whoami_bearer(&old_token).await.0, StatusCode::OK);
    let (status, _) = report(json!({ "token": old_token }), "192.0.2.1").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(
        app.whoami_bearer(&old_token).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.whoami_bearer(&new_token).await.0, StatusCode::OK);
    assert!(active(&rolled));

    // Bad input: named 400s, and no JSON is 415.
    let (status, _) = report(json!({ "token": "k".repeat(301) }), "192.0.2.2").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = report(json!({ "found_at": "x" }), "192.0.2.2").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let status = client()
        .post(format!("{}/api/v1/leaks/report", app.base))
        .body("token=abc")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send()
        .await
        .expect("report")
        .status();
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // 30 reports at once from one address: exactly the limit are received, the rest 429.
    let limit = keyward::auth::verify::LEAK_REPORTS_PER_ADDRESS as usize;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..30 {
        set.spawn(report(json!({ "token": "not-a-token" }), "198.51.100.77"));
    }
    let statuses: Vec<StatusCode> = set.join_all().await.into_iter().map(|(s, _)| s).collect();
    let accepted = statuses
        .iter()
        .filter(|s| **s == StatusCode::ACCEPTED)
        .count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((accepted, limited), (limit, 30 - limit), "{statuses:?}");
    // Another address is not held back by it, and keys are untouched by all of it.
    let (status, _) = report(json!({ "token": "not-a-token" }), "198.51.100.78").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(app.whoami_bearer(&bystander_token).await.0, StatusCode::OK);
}

/// A canary key never works — refused exactly like an invalid key, through every way of
/// checking one — and every use is journalled and told to its owner at once (then at most
/// every ten minutes), with the address and the program.
#[tokio::test]
async fn a_canary_key_never_works_and_tells_its_owner_of_every_use() {
    use diesel::prelude::*;
    use keyward::db::schema::{audit_events as a, outbox as o};
    use reqwest::Method;
    let app = TestApp::spawn_with(|s| {
        s.mail_digest_seconds = 0;
        s.mail_poll_ms = 50;
        s.trusted_proxies = vec!["127.0.0.1/32".parse().expect("net")];
    })
    .await;
    let (_admin, key) = admin_key(&app).await;
    let (status, made) = call(
        Method::POST,
        &app,
        "/api/v1/credentials",
        &key,
        Some(json!({"label": "Backup bucket key", "canary": true})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    assert_eq!(made["canary"], true);
    // Said once, to its maker: no listing tells an intruder which keys are tripwires.
    assert!(made["credential"].get("canary").is_none(), "{made}");
    let id = made["id"].as_str().expect("id").to_owned();
    let token = made["token"].as_str().expect("token").to_owned();
    let secret = made["secret"].as_str().expect("secret").to_owned();

    let rows = || -> Vec<String> {
        a::table
            .filter(a::target_id.eq(&id))
            .filter(a::action.eq("credential.canary_used"))
            .select(a::changes)
            .load(&mut app.db())
            .expect("journal")
    };
    let mails = || -> Vec<String> {
        o::table
            .filter(o::subject.eq("Canary key used: Backup bucket key"))
            .select(o::body_text)
            .load(&mut app.db())
            .expect("outbox")
    };
    // Refused like a wrong secret (same status, same body); journalled with the address
    // and program, and the owner mailed.
    let (wrong_status, wrong_body) = app.whoami(&id, &"W".repeat(32)).await;
    let used = client()
        .get(format!("{}/api/v1/whoami", app.base))
        .bearer_auth(&token)
        .header("X-Forwarded-For", "203.0.113.66")
        .header("User-Agent", "curl/8.5")
        .send()
        .await
        .expect("whoami");
    let status = used.status();
    let body: Value = used.json().await.expect("json");
    assert_eq!((status, &body), (wrong_status, &wrong_body));
    common::eventually("the canary journalled", || async { !rows().is_empty() }).await;
    assert!(rows()[0].contains("203.0.113.66"), "{:?}", rows());
    assert!(rows()[0].contains("curl/8.5"), "{:?}", rows());
    common::eventually("the owner mailed", || async { mails().len() == 1 }).await;
    let sent = app.sent_mail("Canary key used: Backup bucket key", 1).await;
    assert!(sent[0].contains("203.0.113.66"), "{sent:?}");
    // The same through HTTP Basic, /auth/forward and /verify.
    assert_eq!(app.whoami(&id, &secret).await.0, StatusCode::UNAUTHORIZED);
    let forward = client()
        .get(format!("{}/auth/forward", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("forward")
        .status();
    assert_eq!(forward, StatusCode::UNAUTHORIZED);
    let (status, verified) = call(
        Method::POST,
        &app,
        "/api/v1/verify",
        &key,
        Some(json!({"key": token, "client_ip": "198.51.100.9"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{verified}");
    assert_eq!(
        verified,
        json!({"valid": false, "code": "invalid_credentials"})
    );
    // Used again within ten minutes: journalled, not mailed again; later, mailed again.
    let before = rows().len();
    assert_eq!(app.whoami_bearer(&token).await.0, StatusCode::UNAUTHORIZED);
    common::eventually("the next use journalled", || async {
        rows().len() > before
    })
    .await;
    assert_eq!(mails().len(), 1);
    app.state.clock.advance(chrono::Duration::minutes(11));
    assert_eq!(app.whoami_bearer(&token).await.0, StatusCode::UNAUTHORIZED);
    common::eventually("mailed again", || async { mails().len() == 2 }).await;
    // Never counted as a use.
    let (status, shown) = call(
        Method::GET,
        &app,
        &format!("/api/v1/credentials/{id}"),
        &key,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(shown["last_used_at"].is_null(), "{shown}");
}

/// GitHub's secret-scanning alerts: signed with a key of the configured file (made here, as
/// GitHub's cannot be fetched), checked before anything is read; each working token
/// stopped like a reported leak, and GitHub told which were real.
#[tokio::test]
async fn github_secret_scanning_alerts_are_verified_then_stop_the_tokens() {
    use base64::Engine;
    use diesel::prelude::*;
    use keyward::db::schema::credentials as c;
    use p256::ecdsa::signature::Signer;
    use p256::pkcs8::EncodePublicKey;
    use reqwest::Method;
    let github = p256::ecdsa::SigningKey::from_bytes(&[7u8; 32].into()).expect("key");
    let stranger = p256::ecdsa::SigningKey::from_bytes(&[9u8; 32].into()).expect("key");
    let pem = github
        .verifying_key()
        .to_public_key_pem(p256::pkcs8::LineEnding::LF)
        .expect("pem");
    let dir = tempfile::tempdir().expect("dir");
    let keys = dir.path().join("secret_scanning.json");
    std::fs::write(
        &keys,
        json!({"public_keys": [{"key_identifier": "abc123", "key": pem, "is_current": true}]})
            .to_string(),
    )
    .expect("write");
    let app = TestApp::spawn_with(|s| {
        s.mail_digest_seconds = 0;
        s.github_scanning_keys = Some(keys.clone());
    })
    .await;
    let (_admin, key) = admin_key(&app).await;
    let (_, made) = call(
        Method::POST,
        &app,
        "/api/v1/credentials",
        &key,
        Some(json!({"label": "Committed by mistake"})),
    )
    .await;
    let id = made["id"].as_str().expect("id").to_owned();
    let token = made["token"].as_str().expect("token").to_owned();
    let body = json!([
        {"token": token, "type": "keyward_api_token", "url": "https://github.com/octo/repo/blob/1/.env", "source": "content"},
        {"token": "kwd_nothing_real", "type": "keyward_api_token", "url": "https://github.com/x", "source": "content"}
    ])
    .to_string();
    let send = |body: String,
                key_id: &'static str,
                signer: &p256::ecdsa::SigningKey,
                signed: Option<&str>| {
        let signature: p256::ecdsa::Signature = signer.sign(signed.unwrap_or(&body).as_bytes());
        let signature =
            base64::engine::general_purpose::STANDARD.encode(signature.to_der().as_bytes());
        let base = app.base.clone();
        async move {
            let res = client()
                .post(format!("{base}/api/v1/leaks/github"))
                .header("Content-Type", "application/json")
                .header("GITHUB-PUBLIC-KEY-IDENTIFIER", key_id)
                .header("GITHUB-PUBLIC-KEY-SIGNATURE", signature)
                .body(body)
                .send()
                .await
                .expect("alert");
            let status = res.status();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let active = || -> bool {
        c::table
            .filter(c::public_id.eq(&id))
            .select(c::active)
            .first(&mut app.db())
            .expect("row")
    };
    // Not GitHub: another key, an unknown key id, a signature of another body, none.
    for (status, _) in [
        send(body.clone(), "abc123", &stranger, None).await,
        send(body.clone(), "zzz", &github, None).await,
        send(body.clone(), "abc123", &github, Some("[]")).await,
    ] {
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let unsigned = client()
        .post(format!("{}/api/v1/leaks/github", app.base))
        .header("Content-Type", "application/json")
        .body(body.clone())
        .send()
        .await
        .expect("alert")
        .status();
    assert_eq!(unsigned, StatusCode::UNAUTHORIZED);
    assert!(active(), "nothing done for an unsigned alert");

    // Signed: the real token is stopped and said to be; the other is not.
    let (status, verdicts) = send(body.clone(), "abc123", &github, None).await;
    assert_eq!(status, StatusCode::OK, "{verdicts}");
    assert_eq!(verdicts[0]["label"], "true_positive");
    assert_eq!(verdicts[0]["token_type"], "keyward_api_token");
    assert_eq!(verdicts[1]["label"], "false_positive");
    assert!(!active());
    assert_eq!(app.whoami_bearer(&token).await.0, StatusCode::UNAUTHORIZED);
    let mail = app
        .sent_mail("API key reported as leaked: Committed by mistake", 1)
        .await;
    assert_eq!(mail.len(), 1);
    assert!(
        mail[0].contains("https://github.com/octo/repo/blob/1/.env"),
        "{}",
        mail[0]
    );
    // Signed but not JSON of the right shape: a named 400.
    let (status, _) = send("{\"token\": 1}".into(), "abc123", &github, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Without the setting the endpoint is off.
    let off = TestApp::spawn().await;
    let status = client()
        .post(format!("{}/api/v1/leaks/github", off.base))
        .header("Content-Type", "application/json")
        .body("[]")
        .send()
        .await
        .expect("alert")
        .status();
    assert_eq!(status, StatusCode::NOT_FOUND);
}
