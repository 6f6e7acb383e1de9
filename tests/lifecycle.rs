//! Operators' lifecycle, the audit journal and mail — through a real SMTP conversation with
//! a sink started by the test, or the default `.eml` files.

mod common;

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, Visitor, eventually};
use diesel::prelude::*;
use mailin_embedded::{Handler, Response, Server, SslConfig, response};
use reqwest::StatusCode;

/// A mail as the SMTP sink received it.
#[derive(Debug, Clone)]
struct Received {
    to: Vec<String>,
    subject: String,
    text: String,
    html: String,
}

#[derive(Clone, Default)]
struct Sink {
    received: Arc<Mutex<Vec<Received>>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Sink {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let parsed = mailparse::parse_mail(&self.data).expect("a parseable mail");
        let subject = parsed
            .headers
            .iter()
            .find(|h| h.get_key() == "Subject")
            .map(|h| h.get_value())
            .unwrap_or_default();
        let part = |mime: &str| {
            parsed
                .subparts
                .iter()
                .find(|p| p.ctype.mimetype == mime)
                .map(|p| p.get_body().expect("body"))
                .unwrap_or_default()
        };
        let mail = Received {
            to: self.to.clone(),
            subject,
            text: part("text/plain"),
            html: part("text/html"),
        };
        self.received.lock().expect("lock").push(mail);
        response::OK
    }
}

/// Starts an SMTP sink on `port` (in a thread that lives as long as the test process).
fn smtp_sink(port: u16) -> Arc<Mutex<Vec<Received>>> {
    let sink = Sink::default();
    let received = sink.received.clone();
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind sink");
    let mut server = Server::new(sink);
    server
        .with_name("sink.test")
        .with_ssl(SslConfig::None)
        .expect("ssl")
        .with_tcp_listener(listener);
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    received
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Keyward mailing a real SMTP server; each notice on its own (the digest has its own test).
async fn with_smtp(port: u16) -> TestApp {
    TestApp::spawn_with(|s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        s.mail_poll_ms = 100;
        s.mail_digest_seconds = 0;
    })
    .await
}

/// The link in a mail's text.
fn link_in(text: &str) -> String {
    text.split_whitespace()
        .find(|w| w.starts_with("http"))
        .expect("a link in the mail")
        .to_owned()
}

async fn wait_for_mail(received: &Arc<Mutex<Vec<Received>>>, to: &str) -> Received {
    for _ in 0..200 {
        if let Some(m) = received
            .lock()
            .expect("lock")
            .iter()
            .rev()
            .find(|m| m.to.iter().any(|t| t == to))
        {
            return m.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no mail to {to}");
}

fn audit_actions(app: &TestApp) -> Vec<(String, String)> {
    use keyward::db::schema::audit_events as a;
    a::table
        .order(a::id)
        .select((a::action, a::target_name))
        .load(&mut app.db())
        .expect("audit rows")
}

async fn invite(admin: &Visitor, name: &str, email: &str) -> i32 {
    admin.get("/account/operators/new").await;
    let page = admin
        .post(
            "/account/operators",
            &[("mode", "invite"), ("name", name), ("email", email)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    page.location()
        .expect("location")
        .rsplit('/')
        .next()
        .expect("id")
        .parse()
        .expect("id")
}

#[tokio::test]
async fn invitation_by_real_smtp_then_set_password_then_sign_in_in_both_languages() {
    let port = free_port();
    let received = smtp_sink(port);
    let app = with_smtp(port).await;
    let admin = app.admin().await;
    invite(&admin, "Carl Invitee", "carl@example.org").await;
    let mail = wait_for_mail(&received, "carl@example.org").await;
    assert_eq!(mail.subject, "You are invited to Keyward");
    assert!(mail.text.contains("Hello Carl Invitee,"));
    assert!(mail.text.contains("72 hours"));
    assert!(mail.html.contains("<a href=\"http"));
    // Invited, not yet able to sign in.
    assert_eq!(
        app.visitor()
            .sign_in("carl@example.org", "carl-password-1")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    let link = link_in(&mail.text);
    let path = link.trim_start_matches("http://127.0.0.1:8080");
    let carl = app.visitor();
    let form = carl.get(path).await;
    assert!(form.contains("Choose your password"));
    let page = carl
        .post(
            "/password/set",
            &[
                ("token", path.split("token=").nth(1).expect("token")),
                ("password", "carl-password-1"),
                ("password_confirm", "carl-password-1"),
            ],
        )
        .await;
    page.assert_redirect("/login");
    carl.sign_in("carl@example.org", "carl-password-1")
        .await
        .assert_redirect("/");
    // The link worked once.
    assert_eq!(app.visitor().get(path).await.status, StatusCode::NOT_FOUND);

    // In French: an administrator using French invites; the mail is in French.
    let fr = app.visitor_fr();
    fr.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    invite(&fr, "Chloé Invitée", "chloe@example.org").await;
    let mail = wait_for_mail(&received, "chloe@example.org").await;
    assert_eq!(mail.subject, "Vous êtes invité sur Keyward");
    assert!(mail.text.contains("Bonjour Chloé Invitée,"));
    assert!(mail.text.contains("72 heures"));
    let actions: Vec<String> = audit_actions(&app).into_iter().map(|(a, _)| a).collect();
    assert!(actions.contains(&"operator.invited".to_owned()));
    assert!(actions.contains(&"operator.password_set".to_owned()));
}

#[tokio::test]
async fn the_default_transport_writes_parseable_eml_files() {
    let app = TestApp::spawn_with(|s| s.mail_poll_ms = 100).await;
    let admin = app.admin().await;
    invite(&admin, "Dora Files", "dora@example.org").await;
    let outbox = app.data_dir.path().join("outbox");
    let mut found = None;
    for _ in 0..100 {
        if let Some(entry) = std::fs::read_dir(&outbox).ok().and_then(|mut d| d.next()) {
            found = Some(entry.expect("entry").path());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let file = found.expect("an .eml file in DATA_DIR/outbox");
    assert_eq!(file.extension().and_then(|e| e.to_str()), Some("eml"));
    let bytes = std::fs::read(&file).expect("read");
    let parsed = mailparse::parse_mail(&bytes).expect("parseable");
    assert!(
        parsed
            .headers
            .iter()
            .any(|h| h.get_key() == "To" && h.get_value().contains("dora@example.org"))
    );
    assert_eq!(parsed.subparts.len(), 2, "plain text and HTML");
}

#[tokio::test]
async fn forgotten_password_never_tells_whether_the_email_exists() {
    let port = free_port();
    let received = smtp_sink(port);
    let app = with_smtp(port).await;
    let _admin = app.admin().await;
    let visitor = app.visitor();
    visitor.get("/password/forgot").await;
    let known = visitor
        .post("/password/forgot", &[("email", ADMIN_EMAIL)])
        .await;
    let unknown = visitor
        .post("/password/forgot", &[("email", "nobody@example.org")])
        .await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(known.location(), unknown.location());
    let shown = visitor.get("/login").await;
    assert!(shown.contains("If this email belongs to an operator"));
    let mail = wait_for_mail(&received, ADMIN_EMAIL).await;
    assert!(mail.text.contains("one hour"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        received
            .lock()
            .expect("lock")
            .iter()
            .all(|m| !m.to.contains(&"nobody@example.org".to_owned()))
    );

    let link = link_in(&mail.text);
    let token = link.split("token=").nth(1).expect("token").to_owned();
    visitor.get(&format!("/password/set?token={token}")).await;
    visitor
        .post(
            "/password/set",
            &[
                ("token", &token),
                ("password", "a brand new one"),
                ("password_confirm", "a brand new one"),
            ],
        )
        .await
        .assert_redirect("/login");
    assert_eq!(
        app.visitor()
            .sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    app.visitor()
        .sign_in(ADMIN_EMAIL, "a brand new one")
        .await
        .assert_redirect("/");
    // Single use.
    let again = visitor
        .post(
            "/password/set",
            &[
                ("token", &token),
                ("password", "yet another one"),
                ("password_confirm", "yet another one"),
            ],
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn changing_ones_password_signs_out_the_other_sessions() {
    let app = TestApp::spawn().await;
    let first = app.admin().await;
    let second = app.visitor();
    second.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(second.get("/account").await.status, StatusCode::OK);
    first.get("/profile/password").await;
    let wrong = first
        .post(
            "/profile/password",
            &[
                ("current", "nope"),
                ("password", "new password 1"),
                ("password_confirm", "new password 1"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The browser's cookies before the change (a copy an attacker may hold).
    let before_change = {
        use reqwest::cookie::CookieStore;
        let url = app.base.parse().expect("url");
        first.jar.cookies(&url).expect("cookies")
    };
    first
        .post(
            "/profile/password",
            &[
                ("current", ADMIN_PASSWORD),
                ("password", "new password 1"),
                ("password_confirm", "new password 1"),
            ],
        )
        .await
        .assert_redirect("/profile/password");
    assert_eq!(
        first.get("/account").await.status,
        StatusCode::OK,
        "this session stays"
    );
    second.get("/account").await.assert_redirect("/login");
    // …under a new session id: a copy of the old cookie is signed out.
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{}/account", app.base))
        .header("cookie", before_change)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/login")
    );
}

#[tokio::test]
async fn older_links_end_when_one_is_used_or_the_password_changes() {
    let port = free_port();
    let received = smtp_sink(port);
    let app = with_smtp(port).await;
    let admin = app.admin().await;
    let visitor = app.visitor();
    let reset_link = |n: usize| {
        let (visitor, received) = (visitor.clone(), received.clone());
        async move {
            visitor.get("/password/forgot").await;
            visitor
                .post("/password/forgot", &[("email", ADMIN_EMAIL)])
                .await;
            for _ in 0..200 {
                let links: Vec<String> = received
                    .lock()
                    .expect("lock")
                    .iter()
                    .filter(|m| m.to.iter().any(|t| t == ADMIN_EMAIL) && m.text.contains("token="))
                    .map(|m| link_in(&m.text))
                    .collect();
                if links.len() >= n {
                    return links[n - 1]
                        .split("token=")
                        .nth(1)
                        .expect("token")
                        .to_owned();
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            panic!("no mail {n}");
        }
    };
    let valid = |token: String| {
        let visitor = visitor.clone();
        async move {
            visitor
                .get(&format!("/password/set?token={token}"))
                .await
                .status
                == StatusCode::OK
        }
    };
    let older = reset_link(1).await;
    let newer = reset_link(2).await;
    visitor.get(&format!("/password/set?token={newer}")).await;
    visitor
        .post(
            "/password/set",
            &[
                ("token", &newer),
                ("password", "a brand new one"),
                ("password_confirm", "a brand new one"),
            ],
        )
        .await
        .assert_redirect("/login");
    assert!(
        !valid(older).await,
        "the older link died with the newer one's use"
    );
    // A link still open when the password is changed in My profile dies too.
    let open = reset_link(3).await;
    assert!(valid(open.clone()).await);
    admin.sign_in(ADMIN_EMAIL, "a brand new one").await;
    admin.get("/profile/password").await;
    admin
        .post(
            "/profile/password",
            &[
                ("current", "a brand new one"),
                ("password", "and another one"),
                ("password_confirm", "and another one"),
            ],
        )
        .await
        .assert_redirect("/profile/password");
    assert!(!valid(open).await);
    // Sent mail keeps no live link: the outbox rows lost their bodies once sent.
    common::eventually("the mail is sent", || async {
        use diesel::prelude::*;
        use keyward::db::schema::outbox as o;
        let rows: Vec<(Option<chrono::NaiveDateTime>, String, String)> = o::table
            .select((o::sent_at, o::body_text, o::body_html))
            .load(&mut app.db())
            .expect("outbox");
        !rows.is_empty()
            && rows
                .iter()
                .all(|(sent, text, html)| sent.is_some() && text.is_empty() && html.is_empty())
    })
    .await;
}

#[tokio::test]
async fn deactivating_an_operator_ends_their_session_and_keys_at_once() {
    let port = free_port();
    let received = smtp_sink(port);
    let app = with_smtp(port).await;
    let admin = app.admin().await;
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let bob_v = app.visitor();
    bob_v.sign_in("bob@example.org", "operator-pass-1").await;
    bob_v.get("/profile/api-credentials").await;
    bob_v
        .post("/profile/api-credentials/add", &[("label", "Bob's script")])
        .await;
    let token = bob_v
        .get("/profile/api-credentials")
        .await
        .input_value("reveal-token")
        .expect("token");
    assert_eq!(app.whoami_bearer(&token).await.0, StatusCode::OK);
    // The owner is told a key was made for them.
    let mail = wait_for_mail(&received, "bob@example.org").await;
    assert_eq!(mail.subject, "API key created: Bob's script");
    assert!(mail.text.contains("If this wasn't you"));
    assert!(
        !mail
            .text
            .contains(token.rsplit('_').next().expect("secret")),
        "never the secret"
    );

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
    bob_v
        .get("/profile/api-credentials")
        .await
        .assert_redirect("/login");
    assert_eq!(app.whoami_bearer(&token).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.visitor()
            .sign_in("bob@example.org", "operator-pass-1")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    admin
        .post(
            &format!("/account/operators/{bob}/edit"),
            &[
                ("name", "Bob Builder"),
                ("email", "bob@example.org"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(
        app.whoami_bearer(&token).await.0,
        StatusCode::OK,
        "reactivated: the same key works"
    );
    let page = admin.get(&format!("/account/operators/{bob}")).await;
    assert!(
        page.contains("operator.deactivated") && page.contains("operator.activated"),
        "the operator page shows its events"
    );
}

#[tokio::test]
async fn an_operator_is_deleted_only_once_their_keys_are_gone_or_handed_over() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let key = app.stage_api_user(&admin, bob, "Bob's key").await;
    app.save(&admin, bob).await;
    let dialog = admin
        .get(&format!("/account/operators/{bob}?dialog=delete"))
        .await;
    assert!(dialog.contains("API keys of this operator: <strong>1</strong>"));
    assert!(dialog.contains("Hand over and delete"));
    let refused = admin
        .post(&format!("/account/operators/{bob}/delete"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("still has API keys"));
    admin.get("/rights/machines").await;
    let machine = admin
        .post("/rights/machines", &[("name", "Heir")])
        .await
        .location()
        .expect("loc")
        .rsplit('/')
        .next()
        .expect("id")
        .to_owned();
    admin
        .get(&format!("/account/operators/{bob}?dialog=delete"))
        .await;
    admin
        .post(
            &format!("/account/operators/{bob}/delete"),
            &[("hand_to", &format!("machine:{machine}"))],
        )
        .await
        .assert_redirect("/account/operators");
    let (status, me) = app.whoami(&key.username, &key.password).await;
    assert_eq!(status, StatusCode::OK, "the handed-over key keeps working");
    assert_eq!(me["owner"]["kind"], "machine");
    let actions: Vec<String> = audit_actions(&app).into_iter().map(|(a, _)| a).collect();
    assert!(actions.ends_with(&[
        "credential.handed_over".to_owned(),
        "operator.deleted".to_owned()
    ]));
    assert!(
        app.assert_key_counts_agree() > 0,
        "the handed-over key is counted"
    );
}

#[tokio::test]
async fn every_action_leaves_exactly_its_audit_row_and_refusals_none() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let start = audit_actions(&app).len();
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let key = app.stage_api_user(&admin, bob, "Nightly").await;
    admin
        .post(
            &format!("/account/operators/{bob}/api/{}/rename", key.username),
            &[("label", "Nightly v2")],
        )
        .await;
    app.save(&admin, bob).await;
    admin
        .post(
            &format!("/account/operators/{bob}/api/{}/active", key.username),
            &[("active", "false")],
        )
        .await;
    app.save(&admin, bob).await;
    admin
        .post(
            &format!("/account/operators/{bob}/api/{}/delete", key.username),
            &[],
        )
        .await;
    app.save(&admin, bob).await;
    let rows = audit_actions(&app);
    let new: Vec<(&str, &str)> = rows[start..]
        .iter()
        .map(|(a, t)| (a.as_str(), t.as_str()))
        .collect();
    assert_eq!(
        new,
        vec![
            ("operator.created", "Bob Builder"),
            ("credential.created", "Nightly v2"),
            ("credential.deactivated", "Nightly v2"),
            ("credential.deleted", "Nightly v2"),
        ]
    );
    // Refused changes leave no row: a forged form, a forbidden page, a conflict.
    let before = audit_actions(&app).len();
    admin
        .post_raw("/rights/machines", &[("csrf", "forged"), ("name", "x")])
        .await;
    let bob_v = app.visitor();
    bob_v.sign_in("bob@example.org", "operator-pass-1").await;
    bob_v.get("/profile/api-credentials").await;
    bob_v.post("/rights/machines", &[("name", "x")]).await;
    let after: Vec<String> = audit_actions(&app)[before..]
        .iter()
        .map(|(a, _)| a.clone())
        .collect();
    assert_eq!(
        after,
        vec!["signin.succeeded".to_owned()],
        "only Bob's sign-in"
    );
    // Nothing secret in the journal.
    use keyward::db::schema::audit_events as a;
    let everything: Vec<(String, String)> = a::table
        .select((a::target_name, a::changes))
        .load(&mut app.db())
        .expect("rows");
    assert!(
        everything
            .iter()
            .all(|(n, c)| !n.contains(&key.password) && !c.contains(&key.password))
    );
    app.assert_key_counts_agree();
}

#[tokio::test]
async fn failed_api_authentications_are_journalled_per_credential_per_minute() {
    // One row per credential per window: a minute in production, three seconds here.
    let app = TestApp::spawn_with(|s| s.auth_failure_journal_seconds = 3).await;
    let admin = app.admin().await;
    let key = app.stage_api_user(&admin, 1, "Target").await;
    app.save(&admin, 1).await;
    // Windows are aligned on the clock: start at the beginning of one, so that the three
    // failures fall in the same window even on a loaded machine (CI once split them 2 + 1).
    let into_window = chrono::Utc::now().timestamp_millis().rem_euclid(3000);
    tokio::time::sleep(std::time::Duration::from_millis(
        (3000 - into_window) as u64 + 20,
    ))
    .await;
    for _ in 0..3 {
        app.whoami(&key.username, &"W".repeat(32)).await;
    }
    // Journalled once the window is over (or at a graceful stop).
    eventually("one aggregate row", || async {
        use keyward::db::schema::audit_events as a;
        let rows: Vec<String> = a::table
            .filter(a::action.eq("api.auth_failed"))
            .select(a::changes)
            .load(&mut app.db())
            .expect("rows");
        rows.len() == 1 && rows[0].contains("\"after\":\"3\"")
    })
    .await;
}

#[tokio::test]
async fn audit_page_filters_pages_and_exports_csv() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for i in 0..60 {
        admin.get("/rights/machines").await;
        admin
            .post("/rights/machines", &[("name", &format!("Robot {i:02}"))])
            .await;
    }
    let page = admin.get("/audit?action=machine.created").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.contains("Robot 59") && !page.contains("Robot 09"),
        "newest first, 50 a page"
    );
    let next = page
        .body
        .split("href=\"/audit?")
        .nth(1)
        .expect("a next page")
        .split('"')
        .next()
        .expect("href")
        .replace("&amp;", "&");
    let older = admin.get(&format!("/audit?{next}")).await;
    assert!(older.contains("Robot 09") && !older.contains("Robot 59"));
    let csv = admin
        .client
        .get(format!(
            "{}/audit.csv?action=machine.created&target=Robot%205",
            app.base
        ))
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("text/csv")
    );
    let body = csv.text().await.expect("body");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(
        lines[0],
        "id,time_utc,actor_kind,actor_id,actor,actor_ip,action,target_kind,target_id,target,changes"
    );
    assert_eq!(lines.len(), 1 + 10, "Robot 50 … Robot 59");
    assert!(
        lines[1..]
            .iter()
            .all(|l| l.contains("machine.created") && l.contains("Robot 5"))
    );
    // Audit / Read is needed.
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let _ = bob;
    let bob_v = app.visitor();
    bob_v.sign_in("bob@example.org", "operator-pass-1").await;
    assert_eq!(bob_v.get("/audit").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        bob_v
            .client
            .get(format!("{}/audit.csv", app.base))
            .send()
            .await
            .expect("csv")
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn mail_waits_while_the_smtp_server_is_down_and_goes_when_it_is_back() {
    let port = free_port();
    let app = with_smtp(port).await;
    let admin = app.admin().await;
    // No server on the port: the request still succeeds, the mail waits with its error.
    invite(&admin, "Eve Later", "eve@example.org").await;
    eventually("a failed attempt is visible", || async {
        let page = admin.get("/settings").await;
        page.contains("eve@example.org") && page.contains("Connection refused")
    })
    .await;
    let received = smtp_sink(port);
    let mail = wait_for_mail(&received, "eve@example.org").await;
    assert_eq!(mail.subject, "You are invited to Keyward");
    eventually("the outbox is empty", || async {
        admin
            .get("/settings")
            .await
            .contains("Every mail has been sent.")
    })
    .await;
}

#[tokio::test]
async fn retention_prunes_old_rows_and_journals_it() {
    let app = TestApp::spawn_with(|s| {
        s.audit_retention_days = Some(30);
        s.mail_poll_ms = 100;
    })
    .await;
    let _admin = app.admin().await;
    use keyward::db::schema::audit_events as a;
    diesel::update(a::table)
        .set(
            a::at.eq(chrono::NaiveDate::from_ymd_opt(2020, 1, 1)
                .expect("date")
                .and_hms_opt(0, 0, 0)
                .expect("time")),
        )
        .execute(&mut app.db())
        .expect("age rows");
    eventually("pruned and journalled", || async {
        let rows: Vec<String> = a::table
            .select(a::action)
            .load(&mut app.db())
            .expect("rows");
        rows == vec!["audit.pruned".to_owned()]
    })
    .await;
}

#[tokio::test]
async fn owners_are_told_once_a_week_before_a_key_expires_and_again_if_it_moves() {
    let port = free_port();
    let received = smtp_sink(port);
    let app = with_smtp(port).await;
    let admin = app.admin().await;
    let subject = "API key expires soon: Nightly export";
    let reminders = || {
        received
            .lock()
            .expect("lock")
            .iter()
            .filter(|m| m.subject == subject)
            .cloned()
            .collect::<Vec<_>>()
    };
    let today = chrono::Utc::now().date_naive();
    let add = |label: &'static str, days: i64| {
        let admin = &admin;
        async move {
            admin.get("/profile/api-credentials?dialog=add").await;
            let day = (today + chrono::Duration::days(days)).to_string();
            admin
                .post(
                    "/profile/api-credentials/add",
                    &[("label", label), ("expires", &day)],
                )
                .await
                .assert_redirect("/profile/api-credentials");
        }
    };
    // Far off: no reminder. Within a week: one, to the owner, saying when.
    add("Quarterly report", 60).await;
    add("Nightly export", 3).await;
    eventually("the reminder", || async { reminders().len() == 1 }).await;
    let mail = reminders().remove(0);
    assert_eq!(mail.to, vec![ADMIN_EMAIL.to_owned()]);
    let when = (today + chrono::Duration::days(3)).format("%Y-%m-%d 00:00 UTC");
    assert!(
        mail.text.contains(&format!("expires on {when}")),
        "{}",
        mail.text
    );
    assert!(
        !mail.text.contains("If this wasn't you"),
        "a reminder is nobody's doing"
    );
    // Once: later ticks send nothing more.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(reminders().len(), 1);
    assert!(
        !received
            .lock()
            .expect("lock")
            .iter()
            .any(|m| m.subject.contains("Quarterly report") && m.subject.contains("expires")),
        "no reminder two months ahead"
    );

    // The expiry moved (through the API): told again about the new date.
    let key = app.stage_api_user(&admin, 1, "Automation").await;
    app.save(&admin, 1).await;
    let nightly: String = {
        use keyward::db::schema::credentials as c;
        c::table
            .filter(c::label.eq("Nightly export"))
            .select(c::public_id)
            .first(&mut app.db())
            .expect("key")
    };
    let moved = chrono::Utc::now() + chrono::Duration::days(5);
    let res = reqwest::Client::new()
        .patch(format!("{}/api/v1/credentials/{nightly}", app.base))
        .basic_auth(&key.username, Some(&key.password))
        .json(&serde_json::json!({ "expires_at": moved.to_rfc3339() }))
        .send()
        .await
        .expect("patch");
    assert_eq!(res.status(), StatusCode::OK);
    eventually("a second reminder", || async { reminders().len() == 2 }).await;
    let again = reminders().remove(1);
    assert!(
        again
            .text
            .contains(&moved.format("%Y-%m-%d %H:%M UTC").to_string())
    );
}

#[tokio::test]
async fn guesses_at_unknown_ids_make_one_journal_row_per_window() {
    let app = TestApp::spawn_with(|s| s.auth_failure_journal_seconds = 60).await;
    app.admin().await;
    for i in 0..40 {
        app.whoami(&format!("NoSuchKey{i:07}"), &"W".repeat(32))
            .await;
    }
    // The window ends; the journal gets what it counted.
    app.state.clock.advance(chrono::Duration::seconds(120));
    common::eventually("failures journalled", || async {
        let rows: Vec<(String, String)> = audit_actions(&app);
        rows.iter().any(|(action, _)| action == "api.auth_failed")
    })
    .await;
    use diesel::prelude::*;
    use keyward::db::schema::audit_events as a;
    let rows: Vec<(String, String)> = a::table
        .filter(a::action.eq("api.auth_failed"))
        .select((a::target_name, a::changes))
        .load(&mut app.db())
        .expect("journal");
    let total: u64 = rows
        .iter()
        .map(|(_, changes)| {
            serde_json::from_str::<Vec<serde_json::Value>>(changes).expect("changes")[0]["after"]
                .as_str()
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0)
        })
        .sum();
    assert!(rows.len() <= 2, "one row per window, not per id: {rows:?}");
    assert!(rows.iter().all(|(name, _)| name == "unknown ids"));
    assert_eq!(total, 40);
}

#[tokio::test]
async fn the_old_address_hears_of_an_email_change_and_the_owner_of_a_new_password() {
    let port = free_port();
    let received = smtp_sink(port);
    let app = with_smtp(port).await;
    let admin = app.admin().await;
    let dan = app
        .create_operator(&admin, "Dan Plain", "dan@example.org", false)
        .await;
    admin.get(&format!("/account/operators/{dan}")).await;
    admin
        .post(
            &format!("/account/operators/{dan}/edit"),
            &[
                ("name", "Dan Plain"),
                ("email", "mallory@example.org"),
                ("active", "on"),
            ],
        )
        .await
        .assert_redirect(&format!("/account/operators/{dan}"));
    let mail = wait_for_mail(&received, "dan@example.org").await;
    assert!(mail.text.contains("mallory@example.org"), "{}", mail.text);
    // A password changed (here by a reset through the new address) is told to the account.
    let visitor = app.visitor();
    visitor.get("/password/forgot").await;
    visitor
        .post("/password/forgot", &[("email", "mallory@example.org")])
        .await;
    let reset = wait_for_mail(&received, "mallory@example.org").await;
    let token = link_in(&reset.text)
        .split("token=")
        .nth(1)
        .expect("token")
        .to_owned();
    visitor.get(&format!("/password/set?token={token}")).await;
    visitor
        .post(
            "/password/set",
            &[
                ("token", &token),
                ("password", "taken over!"),
                ("password_confirm", "taken over!"),
            ],
        )
        .await
        .assert_redirect("/login");
    for _ in 0..200 {
        let told = received.lock().expect("lock").iter().any(|m| {
            m.to.iter().any(|t| t == "mallory@example.org")
                && m.subject.contains("password was changed")
        });
        if told {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no mail about the new password");
}

#[tokio::test]
async fn guessing_the_current_password_from_an_open_session_is_limited() {
    let app = TestApp::spawn_with(|s| s.auth_failure_limit = 3).await;
    let admin = app.admin().await;
    admin.get("/profile/password").await;
    let attempt = |current: &'static str| {
        let admin = admin.clone();
        async move {
            admin
                .post(
                    "/profile/password",
                    &[
                        ("current", current),
                        ("password", "whatever 123"),
                        ("password_confirm", "whatever 123"),
                    ],
                )
                .await
                .status
        }
    };
    for _ in 0..3 {
        assert_eq!(attempt("guess").await, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(attempt("guess").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(attempt(ADMIN_PASSWORD).await, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn a_burst_of_key_notices_reaches_the_owner_as_two_mails_not_sixty() {
    use keyward::db::schema::outbox as o;
    let port = free_port();
    let received = smtp_sink(port);
    let app = TestApp::spawn_with(|s| {
        s.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        s.mail_poll_ms = 50;
        s.mail_digest_seconds = 120;
    })
    .await;
    let admin = app.admin().await;
    app.create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let bob = common::signed_in(&app, "bob@example.org").await;
    let to_bob = || {
        received
            .lock()
            .expect("lock")
            .iter()
            .filter(|m| m.to.iter().any(|t| t == "bob@example.org"))
            .cloned()
            .collect::<Vec<_>>()
    };
    // The first notice goes at once.
    bob.get("/profile/api-credentials").await;
    bob.post("/profile/api-credentials/add", &[("label", "Key 0")])
        .await
        .assert_redirect("/profile/api-credentials");
    let unsent = || {
        o::table
            .filter(o::recipient.eq("bob@example.org"))
            .filter(o::sent_at.is_null())
            .count()
            .get_result::<i64>(&mut app.db())
            .expect("outbox")
    };
    eventually("the first notice", || async {
        to_bob().len() == 1 && unsent() == 0
    })
    .await;
    assert_eq!(to_bob()[0].subject, "API key created: Key 0");

    // Twelve more from four browsers at once (bounded, loopback): they wait together.
    let mut tasks = Vec::new();
    for b in 0..4 {
        let v = common::signed_in(&app, "bob@example.org").await;
        v.get("/profile/api-credentials").await;
        tasks.push(tokio::spawn(async move {
            for i in 0..3 {
                let label = format!("Key {b}-{i}");
                let page = v
                    .post("/profile/api-credentials/add", &[("label", &label)])
                    .await;
                assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let waiting: Vec<(String, String)> = o::table
        .filter(o::recipient.eq("bob@example.org"))
        .filter(o::sent_at.is_null())
        .select((o::subject, o::digest_items))
        .load(&mut app.db())
        .expect("outbox");
    assert_eq!(waiting.len(), 1, "one mail waits: {waiting:?}");
    assert_eq!(waiting[0].0, "12 changes to your API keys");
    assert_eq!(to_bob().len(), 1, "nothing more before the window ends");

    // The window ends: one mail lists every key, says "if this was not you" once, and
    // nothing of it stays in the database.
    app.state.clock.advance(chrono::Duration::seconds(121));
    eventually("the digest", || async { to_bob().len() == 2 }).await;
    let digest = to_bob().remove(1);
    assert_eq!(digest.subject, "12 changes to your API keys");
    for b in 0..4 {
        for i in 0..3 {
            assert!(
                digest
                    .text
                    .contains(&format!("API key created: Key {b}-{i}")),
                "{}",
                digest.text
            );
        }
    }
    assert_eq!(digest.text.matches("If this wasn't you").count(), 1);
    // The worker marks the row sent once the server has accepted the mail, so the sink
    // can hold it a moment before the row is cleared.
    let left = || {
        o::table
            .filter(o::recipient.eq("bob@example.org"))
            .select(o::digest_items)
            .load::<String>(&mut app.db())
            .expect("outbox")
    };
    eventually("the sent digest's items cleared", || async {
        left().iter().all(String::is_empty)
    })
    .await;

    // Another key within the window of the digest waits for the next one, alone.
    bob.get("/profile/api-credentials").await;
    bob.post("/profile/api-credentials/add", &[("label", "Key late")])
        .await;
    app.state.clock.advance(chrono::Duration::seconds(121));
    eventually("the last notice", || async { to_bob().len() == 3 }).await;
    assert_eq!(to_bob()[2].subject, "API key created: Key late");
}

#[tokio::test]
async fn a_notice_never_joins_a_digest_a_worker_has_taken() {
    use keyward::db::schema::outbox as o;
    use keyward::mail::{Letter, queue_notice};
    let app = TestApp::spawn().await;
    let mut conn = app.db();
    let window = chrono::Duration::seconds(120);
    let now = chrono::Utc::now().naive_utc();
    let notice = |label: &str| {
        let vars = [
            ("label", label),
            ("id", "K"),
            ("owner", "Bob"),
            ("actor", "Ada"),
            ("expires", ""),
        ];
        let letter = Letter {
            to: "bob@example.org",
            name: "Bob",
            lang: keyward::i18n::Lang::En,
            subject: "mail.credential_created_subject",
            paragraphs: &["mail.credential_created", "mail.if_not_you"],
            vars: &vars,
            link: None,
        };
        let mut conn = app.db();
        queue_notice(&mut conn, &letter, window, now).expect("queued");
    };
    notice("A"); // at once
    notice("B"); // waits for the window's end
    let (id, due): (i32, chrono::NaiveDateTime) = o::table
        .filter(o::subject.eq("API key created: B"))
        .select((o::id, o::next_attempt_at))
        .first(&mut conn)
        .expect("B waits");
    // A worker takes it (at its time), and before it is marked sent another notice comes.
    assert!(
        keyward::db::outbox::lease(&mut conn, id, due, due + chrono::Duration::minutes(5))
            .expect("lease")
    );
    notice("C");
    let rows: Vec<(String, String)> = o::table
        .filter(o::recipient.eq("bob@example.org"))
        .order(o::id)
        .select((o::subject, o::digest_items))
        .load(&mut conn)
        .expect("rows");
    let subjects: Vec<&str> = rows.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        subjects,
        [
            "API key created: A",
            "API key created: B",
            "API key created: C"
        ],
        "C starts a mail of its own; the taken one is sent as it was taken"
    );
    assert!(!rows[1].1.contains("\"API key created: C\""));
}

/// The subjects of the mail queued for `to`, oldest first.
fn subjects_to(app: &TestApp, to: &str) -> Vec<String> {
    use keyward::db::schema::outbox as o;
    o::table
        .filter(o::recipient.eq(to))
        .order(o::id)
        .select(o::subject)
        .load(&mut app.db())
        .expect("outbox")
}

#[tokio::test]
async fn an_operator_chooses_their_notices_and_security_notices_still_come() {
    let app = TestApp::spawn_with(|s| s.mail_digest_seconds = 0).await;
    let admin = app.admin().await;
    let bob_id = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let mo = app
        .create_operator(&admin, "Mo Machines", "mo@example.org", false)
        .await;
    common::group(&admin, "Keepers", &["machines.write"], &[mo]).await;
    let bob = common::signed_in(&app, "bob@example.org").await;

    // Every notice is on to begin with.
    let page = bob.get("/profile/notices").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body.matches(" checked").count(), 6, "{}", page.body);
    assert!(page.contains("Always sent"));

    // Bob keeps only "deleted".
    bob.post("/profile/notices", &[("notice", "key_deleted")])
        .await
        .assert_redirect("/profile/notices");
    let stored = |id: i32| -> String {
        use keyward::db::schema::operators as o;
        o::table
            .find(id)
            .select(o::muted_notices)
            .first(&mut app.db())
            .expect("operator")
    };
    assert_eq!(
        stored(bob_id),
        "key_created key_deactivated key_expiring key_new_network machine_keys"
    );
    let page = bob.get("/profile/notices").await;
    assert_eq!(page.body.matches(" checked").count(), 1);
    {
        use keyward::db::schema::audit_events as a;
        let rows: Vec<(String, String)> = a::table
            .filter(a::target_kind.eq("operator"))
            .filter(a::target_id.eq(bob_id.to_string()))
            .filter(a::action.eq("operator.updated"))
            .select((a::actor_name, a::changes))
            .load(&mut app.db())
            .expect("journal");
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert!(rows[0].0.contains("Bob Builder") && rows[0].1.contains("muted_notices"));
    }

    // A key made: no mail. Deleted: a mail.
    bob.get("/profile/api-credentials").await;
    bob.post("/profile/api-credentials/add", &[("label", "Quiet key")])
        .await
        .assert_redirect("/profile/api-credentials");
    let key = bob
        .get("/profile/api-credentials")
        .await
        .input_value("reveal-username")
        .expect("the new key's id");
    let before = subjects_to(&app, "bob@example.org");
    assert!(
        !before.iter().any(|s| s.contains("Quiet key")),
        "{before:?}"
    );
    bob.post(&format!("/profile/api-credentials/{key}/delete"), &[])
        .await;
    assert!(
        subjects_to(&app, "bob@example.org")
            .iter()
            .any(|s| s == "API key deleted: Quiet key"),
        "{:?}",
        subjects_to(&app, "bob@example.org")
    );

    // A key made in his name by someone else is a security notice: it comes, muted or not.
    let key = app.stage_api_user(&admin, bob_id, "Planted").await;
    app.save(&admin, bob_id).await;
    assert!(!key.username.is_empty());
    assert!(
        subjects_to(&app, "bob@example.org")
            .iter()
            .any(|s| s.contains("Planted")),
        "{:?}",
        subjects_to(&app, "bob@example.org")
    );

    // A key registered with his password is a security notice: it comes, whatever he chose.
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/register", app.base))
        .basic_auth("bob@example.org", Some("operator-pass-1"))
        .json(&serde_json::json!({"label": "Registered"}))
        .send()
        .await
        .expect("register");
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(
        subjects_to(&app, "bob@example.org")
            .iter()
            .any(|s| s == "API account registered: Registered")
    );

    // Notices about machines' keys: Mo turns them off, the administrator still gets them.
    let mo_visitor = common::signed_in(&app, "mo@example.org").await;
    mo_visitor.get("/profile/notices").await;
    let keep: Vec<(&str, &str)> = [
        "key_created",
        "key_deleted",
        "key_deactivated",
        "key_expiring",
    ]
    .iter()
    .map(|n| ("notice", *n))
    .collect();
    mo_visitor
        .post("/profile/notices", &keep)
        .await
        .assert_redirect("/profile/notices");
    admin.get("/rights/machines").await;
    let page = admin
        .post(
            "/rights/machines",
            &[("name", "Runner"), ("description", "")],
        )
        .await;
    let machine = page.location().expect("machine").to_owned();
    admin
        .post(&format!("{machine}/add"), &[("label", "Runner key")])
        .await;
    let admin_mail = subjects_to(&app, ADMIN_EMAIL);
    assert!(
        admin_mail
            .iter()
            .any(|s| s == "API key created: Runner key"),
        "{admin_mail:?}"
    );
    assert!(
        !subjects_to(&app, "mo@example.org")
            .iter()
            .any(|s| s.contains("Runner key"))
    );

    // A forged choice is refused and changes nothing.
    let page = bob
        .post("/profile/notices", &[("notice", "registered")])
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        stored(bob_id),
        "key_created key_deactivated key_expiring key_new_network machine_keys"
    );
}
