//! Signed webhooks, against a real HTTP receiver in the test that checks every signature
//! itself (HMAC-SHA256 as the Standard Webhooks specification has it) — on SQLite or
//! PostgreSQL.

mod common;

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, Visitor, eventually};
use diesel::prelude::*;
use hmac::{Hmac, Mac};
use keyward::db::schema::{audit_events as ae, webhook_deliveries as wd, webhook_endpoints as we};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
}

/// An HTTP receiver on loopback: records every POST and answers `status`.
struct Receiver {
    port: u16,
    got: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
    handle: actix_web::dev::ServerHandle,
}

impl Receiver {
    async fn start(port: u16, got: Arc<Mutex<Vec<Received>>>, status: u16) -> Receiver {
        use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
        let status = Arc::new(AtomicU16::new(status));
        let (g, s) = (got.clone(), status.clone());
        let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind receiver");
        let port = listener.local_addr().expect("addr").port();
        let server = HttpServer::new(move || {
            let (g, s) = (g.clone(), s.clone());
            App::new().default_service(web::to(move |req: HttpRequest, body: web::Bytes| {
                let (g, s) = (g.clone(), s.clone());
                async move {
                    let header = |n: &str| {
                        req.headers()
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_owned()
                    };
                    g.lock().expect("lock").push(Received {
                        id: header("webhook-id"),
                        timestamp: header("webhook-timestamp"),
                        signature: header("webhook-signature"),
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    let code = actix_web::http::StatusCode::from_u16(s.load(Ordering::SeqCst))
                        .expect("status");
                    HttpResponse::build(code).finish()
                }
            }))
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Receiver {
            port,
            got,
            status,
            handle,
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }

    async fn stop(self) -> (u16, Arc<Mutex<Vec<Received>>>) {
        self.handle.stop(true).await;
        (self.port, self.got)
    }
}

/// The Standard Webhooks check, written here independently of Keyward's code.
fn verify(secret: &str, r: &Received) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").expect("whsec_ prefix"))
        .expect("base64 secret");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).expect("key");
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    r.signature.split(' ').any(|s| s == expected)
}

fn frozen(s: &mut keyward::config::Settings) {
    s.fake_now = Some("2026-12-01T10:00:00".parse().expect("time"));
    s.mail_poll_ms = 50;
    s.mail_digest_seconds = 0;
}

/// Adds an endpoint through the console; returns its id and the secret shown once.
async fn add_endpoint(admin: &Visitor, url: &str, events: &[&str]) -> (i32, String) {
    admin.get("/settings/webhooks").await;
    let mut form = vec![("url", url), ("description", "Audit bridge")];
    form.extend(events.iter().map(|e| ("event", *e)));
    let page = admin.post("/settings/webhooks", &form).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let secret = page
        .input_value("webhook-secret")
        .expect("secret shown once");
    let id = page
        .body
        .split("/settings/webhooks/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|id| id.parse().ok())
        .expect("endpoint id in the page");
    (id, secret)
}

fn deliveries(app: &TestApp, endpoint: i32) -> Vec<(String, i32, bool, bool)> {
    let mut conn = app.db();
    wd::table
        .filter(wd::endpoint_id.eq(endpoint))
        .order(wd::id)
        .select((
            wd::event_type,
            wd::attempts,
            wd::delivered_at.is_not_null(),
            wd::next_attempt_at.is_not_null(),
        ))
        .load(&mut conn)
        .expect("deliveries")
}

#[tokio::test]
async fn changes_are_delivered_signed_and_a_receiver_that_was_down_gets_them_once() {
    let app = TestApp::spawn_with(|s| {
        frozen(s);
        s.webhook_private_addresses = true;
    })
    .await;
    let admin = app.admin().await;
    let got = Arc::new(Mutex::new(Vec::new()));
    let receiver = Receiver::start(0, got.clone(), 204).await;
    let (endpoint, secret) = add_endpoint(
        &admin,
        &receiver.url(),
        &[
            "operator.created",
            "credential.created",
            "credential.expired",
        ],
    )
    .await;
    assert!(secret.starts_with("whsec_"));
    // Shown once: the endpoint's page does not show it again.
    let page = admin.get(&format!("/settings/webhooks/{endpoint}")).await;
    assert!(!page.contains(&secret));
    assert!(page.input_value("webhook-secret").is_none());
    // Not in the database either: only a salt it is derived from.
    let mut conn = app.db();
    let salt: String = we::table
        .find(endpoint)
        .select(we::secret_salt)
        .first(&mut conn)
        .expect("endpoint row");
    assert!(!secret.contains(&salt) && !salt.is_empty());

    // A change: delivered, signed, with what happened.
    app.create_operator(&admin, "Grace Hopper", "grace@example.org", false)
        .await;
    eventually("the operator.created event arrives", || async {
        receiver.received().len() == 1
    })
    .await;
    let first = receiver.received()[0].clone();
    assert!(verify(&secret, &first), "signature checks: {first:?}");
    assert!(!verify("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &first));
    assert!(first.id.starts_with("msg_"));
    assert_eq!(
        first.timestamp,
        app.state.clock.now().and_utc().timestamp().to_string()
    );
    let body: Value = serde_json::from_str(&first.body).expect("JSON body");
    assert_eq!(body["type"], "operator.created");
    assert_eq!(body["data"]["target"]["name"], "Grace Hopper");
    assert_eq!(body["data"]["actor"]["name"], "Ada Admin");
    eventually("the delivery is marked delivered", || async {
        deliveries(&app, endpoint) == vec![("operator.created".into(), 1, true, false)]
    })
    .await;

    // The receiver goes down: the next change fails, and is retried.
    let (port, got) = receiver.stop().await;
    let key = app.stage_api_user(&admin, 1, "While it was down").await;
    app.save(&admin, 1).await;
    eventually("the failed attempt is recorded", || async {
        deliveries(&app, endpoint).get(1) == Some(&("credential.created".into(), 1, false, true))
    })
    .await;
    let error: Option<String> = wd::table
        .filter(wd::endpoint_id.eq(endpoint))
        .order(wd::id.desc())
        .select(wd::last_error)
        .first(&mut conn)
        .expect("row");
    assert!(
        error.as_deref().is_some_and(|e| e.contains("connect")),
        "{error:?}"
    );
    let page = admin.get(&format!("/settings/webhooks/{endpoint}")).await;
    assert!(page.contains("Failed, will retry"), "{}", page.body);
    assert!(page.contains("Failing since"));

    // Back up, and the retry is due: delivered, once, with the same id as the attempt.
    let receiver = Receiver::start(port, got, 200).await;
    app.state.clock.advance(chrono::Duration::seconds(5));
    eventually("the retried event arrives", || async {
        receiver.received().len() == 2
    })
    .await;
    let second = receiver.received()[1].clone();
    assert!(verify(&secret, &second));
    let body: Value = serde_json::from_str(&second.body).expect("JSON");
    assert_eq!(body["type"], "credential.created");
    assert_eq!(body["data"]["target"]["id"], key.username.as_str());

    // A key's expiry is an event too. The worker sends in order: once this one is here,
    // a repeat of the retried one would have been too.
    let (status, made) = {
        let res = reqwest::Client::new()
            .post(format!("{}/api/v1/credentials", app.base))
            .bearer_auth(&key.token)
            .json(&json!({"label": "Short-lived", "expires_at": "2026-12-01T12:00:00Z"}))
            .send()
            .await
            .expect("create");
        (res.status(), res.json::<Value>().await.expect("json"))
    };
    assert_eq!(status, StatusCode::CREATED, "{made}");
    app.state.clock.advance(chrono::Duration::hours(3));
    eventually("the expired event arrives", || async {
        receiver
            .received()
            .iter()
            .any(|r| r.body.contains("\"credential.expired\""))
    })
    .await;
    let all = receiver.received();
    let types: Vec<String> = all
        .iter()
        .map(|r| {
            serde_json::from_str::<Value>(&r.body).expect("json")["type"]
                .as_str()
                .expect("type")
                .to_owned()
        })
        .collect();
    assert_eq!(
        types,
        [
            "operator.created",
            "credential.created",
            "credential.created",
            "credential.expired"
        ],
        "each event once, in order"
    );
    assert_eq!(
        all.iter().filter(|r| r.id == second.id).count(),
        1,
        "delivered once"
    );
    assert!(all.iter().all(|r| verify(&secret, r)));
    let expired: Value = serde_json::from_str(&all[3].body).expect("json");
    assert_eq!(expired["data"]["target"]["id"], made["id"]);
    // The journal says it too, once.
    let journalled: i64 = ae::table
        .filter(ae::action.eq("credential.expired"))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(journalled, 1);
    receiver.stop().await;
}

#[tokio::test]
async fn an_endpoint_failing_for_a_day_is_turned_off_and_settings_writers_are_told() {
    let app = TestApp::spawn_with(|s| {
        frozen(s);
        s.webhook_private_addresses = true;
    })
    .await;
    let admin = app.admin().await;
    let receiver = Receiver::start(0, Arc::new(Mutex::new(Vec::new())), 500).await;
    let (endpoint, _) = add_endpoint(&admin, &receiver.url(), &["operator.created"]).await;
    let page = admin
        .post(&format!("/settings/webhooks/{endpoint}/test"), &[])
        .await;
    page.assert_redirect(&format!("/settings/webhooks/{endpoint}"));
    // Every attempt answered 500: retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
    for (attempt, wait) in [5, 300, 1800, 7200, 18000, 36000, 36000, 0]
        .iter()
        .enumerate()
    {
        eventually("the next attempt fails", || async {
            deliveries(&app, endpoint).first().map(|d| d.1) == Some(attempt as i32 + 1)
        })
        .await;
        app.state.clock.advance(chrono::Duration::seconds(*wait));
    }
    assert_eq!(receiver.received().len(), 8);
    let mut conn = app.db();
    eventually("the endpoint is off", || async {
        let mut conn = app.db();
        we::table
            .find(endpoint)
            .select((we::active, we::disabled_at.is_not_null()))
            .first::<(bool, bool)>(&mut conn)
            .expect("row")
            == (false, true)
    })
    .await;
    assert_eq!(
        deliveries(&app, endpoint),
        vec![("webhook.test".into(), 8, false, false)],
        "given up"
    );
    let journalled: i64 = ae::table
        .filter(ae::action.eq("webhook.disabled"))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(journalled, 1);
    let mails = app
        .sent_mail(
            &format!("Webhook endpoint turned off: {}", receiver.url()),
            1,
        )
        .await;
    assert!(mails[0].contains("has failed since"), "{}", mails[0]);

    // Off: a change queues nothing for it.
    let admin = app.visitor();
    admin
        .sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .assert_redirect("/");
    app.create_operator(&admin, "Grace Hopper", "grace@example.org", false)
        .await;
    assert_eq!(deliveries(&app, endpoint).len(), 1);
    let page = admin.get(&format!("/settings/webhooks/{endpoint}")).await;
    assert!(page.contains("Turned off by Keyward"), "{}", page.body);

    // Turned on again, fixed: the failures are forgotten, a redelivery goes, same id.
    receiver.status.store(200, Ordering::SeqCst);
    admin
        .post(
            &format!("/settings/webhooks/{endpoint}/active"),
            &[("active", "true")],
        )
        .await
        .assert_redirect(&format!("/settings/webhooks/{endpoint}"));
    let delivery: i32 = wd::table
        .filter(wd::endpoint_id.eq(endpoint))
        .select(wd::id)
        .first(&mut conn)
        .expect("id");
    admin
        .post(
            &format!("/settings/webhooks/{endpoint}/deliveries/{delivery}/redeliver"),
            &[],
        )
        .await
        .assert_redirect(&format!("/settings/webhooks/{endpoint}"));
    eventually("the redelivery arrives", || async {
        deliveries(&app, endpoint).first() == Some(&("webhook.test".into(), 9, true, false))
    })
    .await;
    let got = receiver.received();
    assert_eq!(got.len(), 9);
    assert!(got.iter().all(|r| r.id == got[0].id), "one webhook-id");
    let state: (bool, bool) = we::table
        .find(endpoint)
        .select((we::active, we::failing_since.is_null()))
        .first(&mut conn)
        .expect("row");
    assert_eq!(state, (true, true));
    receiver.stop().await;
}

#[tokio::test]
async fn only_settings_writers_manage_webhooks_and_private_addresses_are_refused() {
    let app = TestApp::spawn_with(frozen).await;
    let admin = app.admin().await;
    let fingerprint = |app: &TestApp| -> (i64, i64) {
        let mut conn = app.db();
        (
            we::table.count().get_result(&mut conn).expect("count"),
            wd::table.count().get_result(&mut conn).expect("count"),
        )
    };

    // Private addresses written as IPs are refused when made; bad forms say why.
    admin.get("/settings/webhooks").await;
    for (url, events, says) in [
        (
            "http://127.0.0.1:9/hook",
            vec!["operator.created"],
            "private or local",
        ),
        (
            "http://[::1]/hook",
            vec!["operator.created"],
            "private or local",
        ),
        (
            "http://169.254.169.254/latest",
            vec!["operator.created"],
            "private or local",
        ),
        (
            "ftp://example.org/",
            vec!["operator.created"],
            "absolute http or https",
        ),
        (
            "https://u:p@example.org/",
            vec!["operator.created"],
            "absolute http or https",
        ),
        ("https://example.org/hook", vec![], "at least one event"),
        (
            "https://example.org/hook",
            vec!["credential.stolen"],
            "from the list",
        ),
    ] {
        let mut form = vec![("url", url)];
        form.extend(events.iter().map(|e| ("event", *e)));
        let page = admin.post("/settings/webhooks", &form).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        assert!(page.contains(says), "{url}: {}", page.body);
    }
    assert_eq!(fingerprint(&app), (0, 0), "nothing made");

    // A name that resolves to loopback is accepted, and never delivered to.
    let receiver = Receiver::start(0, Arc::new(Mutex::new(Vec::new())), 200).await;
    let url = format!("http://localhost:{}/hook", receiver.port);
    let (endpoint, _) = add_endpoint(&admin, &url, &["operator.created"]).await;
    admin
        .post(&format!("/settings/webhooks/{endpoint}/test"), &[])
        .await
        .assert_redirect(&format!("/settings/webhooks/{endpoint}"));
    eventually("the attempt is refused", || async {
        deliveries(&app, endpoint).first().map(|d| d.1) == Some(1)
    })
    .await;
    let mut conn = app.db();
    let error: Option<String> = wd::table
        .select(wd::last_error)
        .first(&mut conn)
        .expect("row");
    assert!(
        error.as_deref().is_some_and(|e| e.contains("not public")),
        "{error:?}"
    );
    assert!(receiver.received().is_empty());

    // An operator without Settings / Write: not the pages, not the forms; nothing changes.
    let delegate = app
        .create_operator(&admin, "Dee Legate", "dee@example.org", false)
        .await;
    common::group(&admin, "Operators", &["operators.write"], &[delegate]).await;
    // Settings / Write alone is not enough either: an endpoint receives what the journal
    // says, which needs Audit / Read.
    let sue = app
        .create_operator(&admin, "Sue Settings", "sue@example.org", false)
        .await;
    common::group(&admin, "Settings", &["settings.write"], &[sue]).await;
    let sue = common::signed_in(&app, "sue@example.org").await;
    assert_eq!(
        sue.get("/settings/webhooks").await.status,
        StatusCode::FORBIDDEN
    );
    sue.get("/settings").await;
    let page = sue
        .post(
            "/settings/webhooks",
            &[
                ("url", "https://example.org/x"),
                ("event", "operator.created"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let dee = common::signed_in(&app, "dee@example.org").await;
    let before = fingerprint(&app);
    assert_eq!(
        dee.get("/settings/webhooks").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        dee.get(&format!("/settings/webhooks/{endpoint}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    dee.get("/").await;
    for (path, form) in [
        (
            "/settings/webhooks".to_owned(),
            vec![
                ("url", "https://example.org/x"),
                ("event", "operator.created"),
            ],
        ),
        (format!("/settings/webhooks/{endpoint}/test"), vec![]),
        (format!("/settings/webhooks/{endpoint}/secret"), vec![]),
        (
            format!("/settings/webhooks/{endpoint}/active"),
            vec![("active", "false")],
        ),
        (format!("/settings/webhooks/{endpoint}/delete"), vec![]),
    ] {
        let page = dee.post(&path, &form).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(fingerprint(&app), before, "nothing changed");
    let active: bool = we::table
        .find(endpoint)
        .select(we::active)
        .first(&mut conn)
        .expect("row");
    assert!(active);

    // Unknown ids are not found; a new secret replaces the old one.
    assert_eq!(
        admin.get("/settings/webhooks/999999").await.status,
        StatusCode::NOT_FOUND
    );
    let page = admin
        .post(
            &format!("/settings/webhooks/{endpoint}/deliveries/999999/redeliver"),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let salt = |conn: &mut keyward::db::DbConn| -> String {
        we::table
            .find(endpoint)
            .select(we::secret_salt)
            .first(conn)
            .expect("row")
    };
    let old = salt(&mut conn);
    let page = admin
        .post(&format!("/settings/webhooks/{endpoint}/secret"), &[])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.input_value("webhook-secret")
            .is_some_and(|s| s.starts_with("whsec_"))
    );
    assert_ne!(salt(&mut conn), old);
    // Deleted: gone with its deliveries, journalled.
    admin
        .post(&format!("/settings/webhooks/{endpoint}/delete"), &[])
        .await
        .assert_redirect("/settings/webhooks");
    assert_eq!(fingerprint(&app), (0, 0));
    let journalled: Vec<String> = ae::table
        .filter(ae::target_kind.eq("webhook"))
        .order(ae::id)
        .select(ae::action)
        .load(&mut conn)
        .expect("journal");
    assert_eq!(
        journalled,
        ["webhook.created", "webhook.updated", "webhook.deleted"]
    );
    receiver.stop().await;
}

/// Two processes on one database race for the same deliveries: each is sent once (the lease
/// is a conditional update), every row has one attempt, the receiver one request per id.
#[tokio::test]
async fn two_processes_send_each_delivery_once() {
    let app = TestApp::spawn_with(|s| {
        frozen(s);
        s.webhook_private_addresses = true;
    })
    .await;
    let (url, key) = (app.database_url.clone(), app.secret_key());
    let _second = TestApp::spawn_with(|s| {
        frozen(s);
        s.webhook_private_addresses = true;
        s.database_url = Some(url);
        s.secret_key = Some(key);
    })
    .await;
    let admin = app.admin().await;
    let receiver = Receiver::start(0, Arc::new(Mutex::new(Vec::new())), 204).await;
    let (endpoint, secret) = add_endpoint(&admin, &receiver.url(), &["operator.created"]).await;
    const EVENTS: usize = 12;
    for _ in 0..EVENTS {
        admin
            .post(&format!("/settings/webhooks/{endpoint}/test"), &[])
            .await
            .assert_redirect(&format!("/settings/webhooks/{endpoint}"));
    }
    eventually("every delivery is delivered", || async {
        let rows = deliveries(&app, endpoint);
        rows.len() == EVENTS && rows.iter().all(|d| d.2)
    })
    .await;
    assert!(
        deliveries(&app, endpoint).iter().all(|d| d.1 == 1),
        "one attempt each: {:?}",
        deliveries(&app, endpoint)
    );
    let got = receiver.received();
    let ids: std::collections::BTreeSet<&str> = got.iter().map(|r| r.id.as_str()).collect();
    assert_eq!((got.len(), ids.len()), (EVENTS, EVENTS), "each id once");
    assert!(got.iter().all(|r| verify(&secret, r)));
    receiver.stop().await;
}
