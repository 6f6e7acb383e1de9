//! The authority model against a hostile insider: an operator holding one delegated
//! permission tries every way up that was found in review. Each attempt must be refused and
//! change nothing in the database (the fingerprint of every table a change could touch).

mod common;

use common::{ADMIN_EMAIL, TestApp, Visitor, group, signed_in};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Eve holds only *Operators / Write* (through the group "Delegates"). Bob holds nothing.
struct World {
    app: TestApp,
    admin: Visitor,
    eve: Visitor,
    eve_id: i32,
    bob_id: i32,
    delegates: i32,
    auditors: i32,
}

async fn world() -> World {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let eve_id = app
        .create_operator(&admin, "Eve Delegate", "eve@example.org", false)
        .await;
    let bob_id = app
        .create_operator(&admin, "Bob Nobody", "bob@example.org", false)
        .await;
    let delegates = group(&admin, "Delegates", &["operators.write"], &[eve_id]).await;
    let auditors = group(&admin, "Auditors", &["audit.read"], &[]).await;
    let eve = signed_in(&app, "eve@example.org").await;
    World {
        app,
        admin,
        eve,
        eve_id,
        bob_id,
        delegates,
        auditors,
    }
}

/// `eve` posts `form` to `path`: refused with `status`, and nothing changed.
async fn refused(w: &World, path: &str, form: &[(&str, &str)], status: StatusCode) {
    let before = w.app.fingerprint();
    w.eve.get("/profile/api-credentials").await;
    let page = w.eve.post(path, form).await;
    assert_eq!(page.status, status, "{path}: {}", page.body);
    assert_eq!(w.app.fingerprint(), before, "{path} changed something");
}

#[tokio::test]
async fn a_delegate_with_operators_write_cannot_escalate() {
    let w = world().await;
    let admins_group = 1;
    let forbidden = StatusCode::FORBIDDEN;

    // Grant her own group more than she holds.
    for p in ["machines.write", "audit.read", "settings.write"] {
        refused(
            &w,
            &format!("/account/groups/{}/permissions", w.delegates),
            &[("permission", "operators.write"), ("permission", p)],
            forbidden,
        )
        .await;
    }
    // Join Administrators, or put herself in a group with a permission she lacks.
    let me = w.eve_id.to_string();
    refused(
        &w,
        &format!("/account/groups/{admins_group}/members"),
        &[("operator_id", &me)],
        forbidden,
    )
    .await;
    refused(
        &w,
        &format!("/account/groups/{}/members", w.auditors),
        &[("operator_id", &me)],
        forbidden,
    )
    .await;
    // Or join them through her own operator page.
    let admins = admins_group.to_string();
    refused(
        &w,
        &format!("/account/operators/{me}/edit"),
        &[
            ("name", "Eve Delegate"),
            ("email", "eve@example.org"),
            ("active", "on"),
            ("group", &w.delegates.to_string()),
            ("group", &admins),
        ],
        forbidden,
    )
    .await;
    // Create an administrator whose password she knows.
    refused(
        &w,
        "/account/operators",
        &[
            ("mode", "password"),
            ("name", "Sock Puppet"),
            ("email", "puppet@example.org"),
            ("password", "puppet-password"),
            ("password_confirm", "puppet-password"),
            ("admin", "on"),
        ],
        forbidden,
    )
    .await;
    // Create anyone with a password she would know (she invites instead).
    refused(
        &w,
        "/account/operators",
        &[
            ("mode", "password"),
            ("name", "Future Admin"),
            ("email", "future@example.org"),
            ("password", "future-password"),
            ("password_confirm", "future-password"),
        ],
        forbidden,
    )
    .await;
    // Invite someone straight into a group granting more than she holds (the form does not
    // offer it; a forged one is refused, and no operator is left behind).
    refused(
        &w,
        "/account/operators",
        &[
            ("mode", "invite"),
            ("name", "Carl Auditor"),
            ("email", "carl@example.org"),
            ("group", &w.auditors.to_string()),
        ],
        forbidden,
    )
    .await;
    // Deactivate the administrator, take over their email (then reset the password), or
    // delete them.
    for (email, active) in [(ADMIN_EMAIL, None), ("eve+admin@example.org", Some("on"))] {
        let mut form = vec![("name", "Ada Admin"), ("email", email)];
        form.extend(active.map(|a| ("active", a)));
        refused(&w, "/account/operators/1/edit", &form, forbidden).await;
    }
    refused(&w, "/account/operators/1/delete", &[], forbidden).await;
    // Stage keys for the administrator on their API management tab.
    refused(
        &w,
        "/account/operators/1/api/add",
        &[
            ("label", "Backdoor"),
            (
                "scopes",
                "keyward:credentials:read keyward:credentials:write",
            ),
        ],
        forbidden,
    )
    .await;
    // Hand a plain operator's keys to the administrator (keys she could know, with the
    // administrator's privileges).
    let bob_tab = format!("/account/operators/{}/api", w.bob_id);
    w.eve.get(&bob_tab).await;
    w.eve
        .post(
            &format!("{bob_tab}/add"),
            &[
                ("label", "Bob key"),
                (
                    "scopes",
                    "keyward:credentials:read keyward:credentials:write",
                ),
            ],
        )
        .await
        .assert_redirect(&bob_tab);
    w.eve.get(&bob_tab).await;
    w.eve
        .post(&format!("{bob_tab}/save"), &[])
        .await
        .assert_redirect(&bob_tab);
    refused(
        &w,
        &format!("/account/operators/{}/delete", w.bob_id),
        &[("hand_to", "operator:1")],
        forbidden,
    )
    .await;
    // Rename or delete a group that grants what she lacks.
    refused(
        &w,
        &format!("/account/groups/{}/rename", w.auditors),
        &[("name", "Mine now")],
        forbidden,
    )
    .await;
    refused(
        &w,
        &format!("/account/groups/{}/delete", w.auditors),
        &[],
        forbidden,
    )
    .await;
    // Each refusal names what is missing.
    let page = w.eve.post("/account/operators/1/delete", &[]).await;
    assert!(
        page.contains("Membership of the Administrators group"),
        "{}",
        page.body
    );

    // Through the API: her own key cannot mint one owned by the administrator, nor see theirs.
    w.eve.get("/profile/api-credentials").await;
    w.eve
        .post(
            "/profile/api-credentials/add",
            &[
                ("label", "Eve's"),
                (
                    "scopes",
                    "keyward:credentials:read keyward:credentials:write",
                ),
            ],
        )
        .await;
    let page = w.eve.get("/profile/api-credentials").await;
    let token = page.input_value("reveal-token").expect("token shown once");
    let before = w.app.fingerprint();
    let res = reqwest::Client::new()
        .post(format!("{}/api/v1/credentials", w.app.base))
        .bearer_auth(&token)
        .json(&json!({"scopes": ["keyward:credentials:read", "keyward:credentials:write"], "label": "Admin's now", "owner": "operator:1"}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"], "forbidden");
    assert_eq!(body["permission"], "administrator");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("Administrators")),
        "{body}"
    );
    let res = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/credentials?owner=operator:1",
            w.app.base
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(w.app.fingerprint(), before);
}

#[tokio::test]
async fn a_delegate_still_does_what_she_was_given() {
    let w = world().await;
    let readers = group(&w.admin, "Readers", &["operators.read"], &[]).await;
    // A plain operator: invite (straight into a group within her own permissions; the
    // form offers only those), edit, put in a group, keys.
    let form = w.eve.get("/account/operators/new").await;
    assert!(form.contains(&format!("name=\"group\" value=\"{readers}\"")));
    assert!(!form.contains(&format!("name=\"group\" value=\"{}\"", w.auditors)));
    let page = w
        .eve
        .post(
            "/account/operators",
            &[
                ("mode", "invite"),
                ("name", "Carl New"),
                ("email", "carl@example.org"),
                ("group", &readers.to_string()),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let carl = w.admin.get(page.location().expect("carl's page")).await;
    assert!(
        carl.contains("Carl New") && carl.contains(">Readers</a>"),
        "{}",
        carl.body
    );
    let bob = w.bob_id.to_string();
    let page = w
        .eve
        .post(
            &format!("/account/operators/{bob}/edit"),
            &[
                ("name", "Bob Renamed"),
                ("email", "bob@example.org"),
                ("active", "on"),
                ("group", &readers.to_string()),
            ],
        )
        .await;
    page.assert_redirect(&format!("/account/operators/{bob}"));
    let bob_page = w.admin.get(&format!("/account/operators/{bob}")).await;
    assert!(bob_page.contains("Bob Renamed") && bob_page.contains("Readers"));
    let tab = format!("/account/operators/{bob}/api");
    w.eve.get(&tab).await;
    w.eve
        .post(
            &format!("{tab}/add"),
            &[
                ("label", "Bob CI"),
                (
                    "scopes",
                    "keyward:credentials:read keyward:credentials:write",
                ),
            ],
        )
        .await
        .assert_redirect(&tab);
    w.eve.get(&tab).await;
    w.eve
        .post(&format!("{tab}/save"), &[])
        .await
        .assert_redirect(&tab);
    assert!(w.admin.get(&tab).await.contains("Bob CI"));
}

#[tokio::test]
async fn the_last_active_administrator_stays_one() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // An administrator cannot deactivate or delete themselves.
    admin.get("/account/operators/1").await;
    let page = admin
        .post(
            "/account/operators/1/edit",
            &[
                ("name", "Ada Admin"),
                ("email", ADMIN_EMAIL),
                ("group", "1"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A second administrator, deactivated, does not count: Ada stays in Administrators.
    let cy = app
        .create_operator(&admin, "Cy Admin", "cy@example.org", true)
        .await;
    admin.get(&format!("/account/operators/{cy}")).await;
    admin
        .post(
            &format!("/account/operators/{cy}/edit"),
            &[
                ("name", "Cy Admin"),
                ("email", "cy@example.org"),
                ("group", "1"),
            ],
        )
        .await
        .assert_redirect(&format!("/account/operators/{cy}"));
    let before = app.fingerprint();
    admin.get("/account/groups/1").await;
    let page = admin.post("/account/groups/1/members/1/remove", &[]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("at least one"), "{}", page.body);
    assert_eq!(app.fingerprint(), before);
}

#[tokio::test]
async fn two_administrators_removing_each_other_at_once_leave_one() {
    use diesel::prelude::*;
    use keyward::db::schema::operators as o;
    let app = TestApp::spawn().await;
    let ada = app.admin().await;
    let bea_id = app
        .create_operator(&ada, "Bea Admin", "bea@example.org", true)
        .await;
    let ada_edit = "/account/operators/1/edit".to_owned();
    let bea_edit = format!("/account/operators/{bea_id}/edit");
    for round in 0..5 {
        let bea = signed_in(&app, "bea@example.org").await;
        ada.get("/account/operators/1").await;
        bea.get("/account/operators/1").await;
        // Each deactivates the other, at the same moment.
        let (a, b) = tokio::join!(
            ada.post(
                &bea_edit,
                &[
                    ("name", "Bea Admin"),
                    ("email", "bea@example.org"),
                    ("group", "1")
                ],
            ),
            bea.post(
                &ada_edit,
                &[
                    ("name", "Ada Admin"),
                    ("email", ADMIN_EMAIL),
                    ("group", "1")
                ],
            ),
        );
        let saved = |p: &common::Page, id: i32| {
            p.status == StatusCode::SEE_OTHER
                && p.location() == Some(format!("/account/operators/{id}").as_str())
        };
        // Whoever went second was refused (or, deactivated meanwhile, signed out).
        assert!(
            !(saved(&a, bea_id) && saved(&b, 1)),
            "round {round}: both removed"
        );
        let active: Vec<i32> = o::table
            .filter(o::active.eq(true))
            .select(o::id)
            .load(&mut app.db())
            .expect("active");
        assert!(!active.is_empty(), "round {round}: no active administrator");
        // The one left reactivates the other for the next round.
        let (survivor, other, other_email, other_name) = if active.contains(&1) {
            (&ada, bea_id, "bea@example.org", "Bea Admin")
        } else {
            (&bea, 1, ADMIN_EMAIL, "Ada Admin")
        };
        if active.len() == 1 {
            survivor.get(&format!("/account/operators/{other}")).await;
            survivor
                .post(
                    &format!("/account/operators/{other}/edit"),
                    &[
                        ("name", other_name),
                        ("email", other_email),
                        ("group", "1"),
                        ("active", "on"),
                    ],
                )
                .await
                .assert_redirect(&format!("/account/operators/{other}"));
        }
        if !active.contains(&1) {
            // Ada was signed out everywhere by her deactivation.
            ada.sign_in(ADMIN_EMAIL, common::ADMIN_PASSWORD).await;
        }
    }
}

/// Eve's own API key (a token), made in My profile.
async fn own_key(v: &Visitor, label: &str) -> String {
    v.get("/profile/api-credentials").await;
    v.post(
        "/profile/api-credentials/add",
        &[
            ("label", label),
            (
                "scopes",
                "keyward:credentials:read keyward:credentials:write",
            ),
        ],
    )
    .await;
    v.get("/profile/api-credentials")
        .await
        .input_value("reveal-token")
        .expect("token shown once")
}

async fn api(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new()
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.expect("api");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_key_made_for_a_colleague_gains_nothing_when_the_colleague_is_promoted() {
    let w = world().await;
    let eve_token = own_key(&w.eve, "Eve's").await;
    // Eve makes a key for Bob (she holds everything Bob holds: allowed)…
    let (status, made) = api(
        &w.app,
        reqwest::Method::POST,
        "/api/v1/credentials",
        &eve_token,
        Some(json!({"scopes": ["keyward:credentials:read", "keyward:credentials:write"], "label": "For Bob", "owner": format!("operator:{}", w.bob_id)})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let planted = made["token"].as_str().expect("token").to_owned();
    // …then Bob becomes an administrator.
    w.admin.get("/account/groups/1").await;
    w.admin
        .post(
            "/account/groups/1/members",
            &[("operator_id", &w.bob_id.to_string())],
        )
        .await
        .assert_redirect("/account/groups/1");
    // The key Eve made still acts with no more than Eve holds, and so does any key it makes.
    let before = w.app.fingerprint();
    let (status, _) = api(
        &w.app,
        reqwest::Method::POST,
        "/api/v1/credentials",
        &planted,
        Some(json!({"scopes": ["keyward:credentials:read", "keyward:credentials:write"], "label": "Backdoor", "owner": "operator:1"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, child) = api(
        &w.app,
        reqwest::Method::POST,
        "/api/v1/credentials",
        &planted,
        Some(json!({"scopes": ["keyward:credentials:read", "keyward:credentials:write"], "label": "Bob's own, made by the planted key"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "its owner's own keys: allowed");
    let child = child["token"].as_str().expect("token").to_owned();
    let (status, _) = api(
        &w.app,
        reqwest::Method::GET,
        "/api/v1/credentials?owner=operator:1",
        &child,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Bob's own keys, made by Bob, act with everything he now holds.
    let bob = signed_in(&w.app, "bob@example.org").await;
    let bobs = own_key(&bob, "Bob's").await;
    let (status, _) = api(
        &w.app,
        reqwest::Method::GET,
        "/api/v1/credentials?owner=operator:1",
        &bobs,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let _ = before;
}

#[tokio::test]
async fn keys_cannot_widen_themselves() {
    let w = world().await;
    // A machine's key manages no keys, not even its machine's.
    w.admin.get("/rights/machines").await;
    let page = w
        .admin
        .post(
            "/rights/machines",
            &[("name", "Runner"), ("description", "")],
        )
        .await;
    let machine = page.location().expect("machine").to_owned();
    w.admin.get(&machine).await;
    w.admin
        .post(
            &format!("{machine}/add"),
            &[
                ("label", "Runner key"),
                (
                    "scopes",
                    "keyward:credentials:read keyward:credentials:write",
                ),
            ],
        )
        .await;
    let machine_token = w
        .admin
        .get(&machine)
        .await
        .input_value("reveal-token")
        .expect("token");
    let before = w.app.fingerprint();
    let (status, _) = api(
        &w.app,
        reqwest::Method::POST,
        "/api/v1/credentials",
        &machine_token,
        Some(json!({"scopes": ["keyward:credentials:read", "keyward:credentials:write"], "label": "Copy of me"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(w.app.fingerprint(), before);
    // A key that expires may not push its expiry back or remove it, and makes no key that
    // outlives it.
    let (_, made) = api(
        &w.app,
        reqwest::Method::POST,
        "/api/v1/credentials",
        &own_key(&w.eve, "Eve's").await,
        Some(json!({"scopes": ["keyward:credentials:read", "keyward:credentials:write"], "label": "Expiring", "expires_at": "2030-01-01T00:00:00Z"})),
    )
    .await;
    let (id, expiring) = (
        made["id"].as_str().expect("id").to_owned(),
        made["token"].as_str().expect("token").to_owned(),
    );
    for later in [json!(null), json!("2031-01-01T00:00:00Z")] {
        let (status, body) = api(
            &w.app,
            reqwest::Method::PATCH,
            &format!("/api/v1/credentials/{id}"),
            &expiring,
            Some(json!({ "expires_at": later })),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
    }
    let (status, _) = api(
        &w.app,
        reqwest::Method::PATCH,
        &format!("/api/v1/credentials/{id}"),
        &expiring,
        Some(json!({"expires_at": "2029-01-01T00:00:00Z"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "sooner is fine");
    let (status, child) = api(
        &w.app,
        reqwest::Method::POST,
        "/api/v1/credentials",
        &expiring,
        Some(json!({"scopes": ["keyward:credentials:read", "keyward:credentials:write"], "label": "Forever?"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(
        child["credential"]["expires_at"], "2029-01-01T00:00:00+00:00",
        "{child}"
    );
}

#[tokio::test]
async fn deleting_a_group_needs_everything_its_members_hold() {
    let w = world().await;
    let mo = w
        .app
        .create_operator(&w.admin, "Mo Machines", "mo@example.org", false)
        .await;
    group(&w.admin, "Keepers", &["machines.write"], &[mo]).await;
    let readers = group(&w.admin, "Readers", &["operators.read"], &[mo]).await;
    // Eve holds Operators / Read (through Write) but not what Mo holds: she may not take the
    // group, and with it Operators / Read, from him.
    refused(
        &w,
        &format!("/account/groups/{readers}/delete"),
        &[],
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn an_invited_administrator_without_a_password_is_not_the_last_one() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    admin.get("/account/operators/new").await;
    let page = admin
        .post(
            "/account/operators",
            &[
                ("mode", "invite"),
                ("name", "Zed Typo"),
                ("email", "zed@typo.example"),
                ("admin", "on"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let before = app.fingerprint();
    admin.get("/account/groups/1").await;
    let page = admin.post("/account/groups/1/members/1/remove", &[]).await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        page.body
    );
    assert_eq!(app.fingerprint(), before);
}

#[tokio::test]
async fn a_delegate_deactivated_while_her_request_is_on_its_way_changes_nothing() {
    use tokio::io::AsyncWriteExt;
    let w = world().await;
    let token = own_key(&w.eve, "Eve's").await;
    let body = json!({"scopes": ["keyward:credentials:read", "keyward:credentials:write"], "label": "Late", "owner": format!("operator:{}", w.bob_id)}).to_string();
    // The headers and half the body now…
    let addr = w.app.base.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let head = format!(
        "POST /api/v1/credentials HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    let (first, rest) = body.split_at(5);
    stream.write_all(first.as_bytes()).await.expect("first");
    stream.flush().await.expect("flush");
    // …the administrator deactivates Eve meanwhile…
    w.admin
        .get(&format!("/account/operators/{}", w.eve_id))
        .await;
    w.admin
        .post(
            &format!("/account/operators/{}/edit", w.eve_id),
            &[("name", "Eve Delegate"), ("email", "eve@example.org")],
        )
        .await
        .assert_redirect(&format!("/account/operators/{}", w.eve_id));
    let before = w.app.fingerprint();
    // …and the rest of the body arrives: nothing is done in her name any more.
    stream.write_all(rest.as_bytes()).await.expect("rest");
    let mut answer = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut stream, &mut answer)
        .await
        .expect("answer");
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert_eq!(w.app.fingerprint(), before);
}
