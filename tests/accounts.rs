//! Sub accounts: made, switched into, acted in (journalled with the main account's
//! administrator), deactivated, deleted with what they counted — and invisible to anyone
//! but the main account's administrators.

mod common;

use common::{TestApp, Visitor, signed_in, sub_account, switch};
use diesel::prelude::*;
use keyward::db::schema::{accounts, audit_events, credentials, operators};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The main account's administrator, a sub account "Globex" with its own administrator
/// Gil (made by Ada, switched in) and a key of Gil's that may verify others.
struct World {
    app: TestApp,
    admin: Visitor,
    globex: i32,
    gil: i32,
    gils_token: String,
}

async fn world() -> World {
    world_with(|_| {}).await
}

async fn world_with(configure: impl FnOnce(&mut keyward::config::Settings)) -> World {
    let app = TestApp::spawn_with(configure).await;
    let admin = app.admin().await;
    let globex = sub_account(&admin, "Globex").await;
    switch(&admin, Some(globex))
        .await
        .assert_redirect("/account");
    let gil = app
        .create_operator(&admin, "Gil Globex", "gil@globex.example", true)
        .await;
    let key = app.stage_api_user(&admin, gil, "Gil's key").await;
    app.save(&admin, gil).await;
    switch(&admin, None).await;
    World {
        app,
        admin,
        globex,
        gil,
        gils_token: key.token,
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn api(app: &TestApp, token: &str, method: reqwest::Method, path: &str) -> (u16, Value) {
    let res = client()
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .expect("api");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_sub_account_is_a_world_of_its_own_and_the_journal_names_who_acted() {
    let w = world().await;
    let (app, admin) = (&w.app, &w.admin);
    // The roll-up: Globex with its one operator and its one active key.
    let list = admin.get("/account/sub-accounts").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.contains("Globex"), "{}", list.body);
    let overview = admin.get("/account").await;
    assert!(overview.contains("/account/sub-accounts"));
    // Gil's operator row and key are Globex's.
    let mut conn = app.db();
    let gil_account: i32 = operators::table
        .find(w.gil)
        .select(operators::account_id)
        .first(&mut conn)
        .expect("gil");
    assert_eq!(gil_account, w.globex);
    let key_accounts: Vec<i32> = credentials::table
        .filter(credentials::operator_id.eq(w.gil))
        .select(credentials::account_id)
        .load(&mut conn)
        .expect("keys");
    assert_eq!(key_accounts, vec![w.globex]);
    // What Ada did in Globex is in Globex's journal, naming her and her account.
    let actors: Vec<String> = audit_events::table
        .filter(audit_events::account_id.eq(Some(w.globex)))
        .filter(audit_events::action.eq("operator.created"))
        .select(audit_events::actor_name)
        .load(&mut conn)
        .expect("journal");
    assert_eq!(actors, vec!["Ada Admin (Acme)".to_owned()]);
    let created_in_main: i64 = audit_events::table
        .filter(audit_events::account_id.eq(Some(1)))
        .filter(audit_events::action.eq("account.created"))
        .count()
        .get_result(&mut conn)
        .expect("journal");
    assert_eq!(created_in_main, 1);
    // Switched in, the top bar says where; the breadcrumbs start with the account's name.
    switch(admin, Some(w.globex)).await;
    let page = admin.get("/account/operators").await;
    assert!(page.contains("Acme</bdi> › <bdi>Globex"), "{}", page.body);
    assert!(page.contains("Gil Globex") && !page.contains("href=\"/account/operators/1\""));
    assert!(
        page.contains("<ol><li><bdi>Globex</bdi></li>"),
        "{}",
        page.body
    );
    // Her own keys stay hers, in her own account, wherever she acts.
    let own = admin.get("/profile/api-credentials").await;
    assert_eq!(own.status, StatusCode::OK);
    admin
        .post(
            "/profile/api-credentials/add",
            &[("label", "Ada's own"), ("scopes", "keyward:verify")],
        )
        .await
        .assert_redirect("/profile/api-credentials");
    let ada_keys: Vec<i32> = credentials::table
        .filter(credentials::label.eq("Ada's own"))
        .select(credentials::account_id)
        .load(&mut conn)
        .expect("keys");
    assert_eq!(ada_keys, vec![1]);
    switch(admin, None).await;
    // Gil signs in and sees only Globex: its operators, its journal, no sub accounts.
    let gil = signed_in(app, "gil@globex.example").await;
    let ops = gil.get("/account/operators").await;
    assert!(ops.contains("Gil Globex") && !ops.contains("Ada Admin"));
    assert!(
        !ops.contains("Acme"),
        "the main account's name is not shown"
    );
    assert_eq!(
        gil.get("/account/sub-accounts").await.status,
        StatusCode::NOT_FOUND
    );
    let audit = gil.get("/audit").await;
    assert!(
        !audit.contains("<code class=\"muted\">account.created</code>"),
        "{}",
        audit.body
    );
    assert!(audit.contains("<code class=\"muted\">operator.created</code>"));
    let csv = gil.get("/audit.csv").await;
    assert!(!csv.body.contains("account.created"));
    // Gil's key verifies, and says whose account it is.
    let (status, me) = app.whoami_bearer(&w.gils_token).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    let res = client()
        .get(format!("{}/auth/forward", app.base))
        .bearer_auth(&w.gils_token)
        .send()
        .await
        .expect("forward");
    assert_eq!(res.status(), StatusCode::OK);
    let header = res.headers().get("x-keyward-account").cloned();
    assert_eq!(
        header.and_then(|v| v.to_str().ok().map(str::to_owned)),
        Some(w.globex.to_string())
    );
    let res = client()
        .post(format!("{}/api/v1/verify", app.base))
        .bearer_auth(&w.gils_token)
        .json(&json!({"key": w.gils_token}))
        .send()
        .await
        .expect("verify");
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["valid"], json!(true), "{body}");
    assert_eq!(body["account"], json!(w.globex));
}

#[tokio::test]
async fn a_deactivated_sub_account_signs_nobody_in_and_its_keys_are_refused() {
    let w = world().await;
    let (app, admin) = (&w.app, &w.admin);
    let gil = signed_in(app, "gil@globex.example").await;
    let url = format!("/account/sub-accounts/{}", w.globex);
    admin.get(&url).await;
    admin
        .post(&format!("{url}/active"), &[("active", "false")])
        .await
        .assert_redirect(&url);
    // Gil's session ends, he cannot sign in, his key is refused like any invalid one.
    gil.get("/account/operators")
        .await
        .assert_redirect("/login");
    let again = app.visitor();
    let page = again.sign_in("gil@globex.example", "operator-pass-1").await;
    assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    let (status, body) = app.whoami_bearer(&w.gils_token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // Nobody switches into it while it is off; nothing in it was lost.
    let refused = switch(admin, Some(w.globex)).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    admin.get(&url).await;
    admin
        .post(&format!("{url}/active"), &[("active", "true")])
        .await
        .assert_redirect(&url);
    assert_eq!(app.whoami_bearer(&w.gils_token).await.0, StatusCode::OK);
    signed_in(app, "gil@globex.example").await;
}

#[tokio::test]
async fn deleting_a_sub_account_takes_exactly_what_its_confirmation_counted() {
    let w = world().await;
    let (app, admin) = (&w.app, &w.admin);
    let url = format!("/account/sub-accounts/{}", w.globex);
    let confirm = admin.get(&format!("{url}?dialog=delete")).await;
    assert!(
        confirm.contains("name=\"operators\" value=\"1\""),
        "{}",
        confirm.body
    );
    assert!(confirm.contains("name=\"keys\" value=\"1\""));
    let main_before = app.fingerprint_of(Some(1));
    // Counts seen before something was added: refused, nothing deleted.
    let stale = admin
        .post(
            &format!("{url}/delete"),
            &[
                ("operators", "0"),
                ("groups", "0"),
                ("machines", "0"),
                ("keys", "0"),
                ("webhooks", "0"),
            ],
        )
        .await;
    assert_eq!(stale.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut conn = app.db();
    let still: i64 = operators::table
        .filter(operators::account_id.eq(w.globex))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(still, 1);
    admin
        .post(
            &format!("{url}/delete"),
            &[
                ("operators", "1"),
                ("groups", "0"),
                ("machines", "0"),
                ("keys", "1"),
                ("webhooks", "0"),
            ],
        )
        .await
        .assert_redirect("/account/sub-accounts");
    let left: i64 = accounts::table
        .filter(accounts::id.eq(w.globex))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(left, 0);
    for (what, n) in [
        (
            "operators",
            operators::table
                .filter(operators::account_id.eq(w.globex))
                .count()
                .get_result::<i64>(&mut conn),
        ),
        (
            "keys",
            credentials::table
                .filter(credentials::account_id.eq(w.globex))
                .count()
                .get_result::<i64>(&mut conn),
        ),
        (
            "journal",
            audit_events::table
                .filter(audit_events::account_id.eq(Some(w.globex)))
                .count()
                .get_result::<i64>(&mut conn),
        ),
    ] {
        assert_eq!(n.expect("count"), 0, "{what} left behind");
    }
    assert_eq!(
        app.fingerprint_of(Some(1)),
        main_before,
        "the main account untouched"
    );
    let deleted: Vec<String> = audit_events::table
        .filter(audit_events::account_id.eq(Some(1)))
        .filter(audit_events::action.eq("account.deleted"))
        .select(audit_events::changes)
        .load(&mut conn)
        .expect("journal");
    assert_eq!(deleted.len(), 1);
    assert!(deleted[0].contains("operators"), "{}", deleted[0]);
    assert_eq!(
        app.whoami_bearer(&w.gils_token).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(admin.get(&url).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_a_main_account_administrator_sees_or_manages_sub_accounts() {
    let w = world().await;
    let (app, admin) = (&w.app, &w.admin);
    let initech = sub_account(admin, "Initech").await;
    // A main-account delegate with Operators / Write: refused, nothing made.
    let eve = app
        .create_operator(admin, "Eve Delegate", "eve@example.org", false)
        .await;
    common::group(admin, "Delegates", &["operators.write"], &[eve]).await;
    let eve = signed_in(app, "eve@example.org").await;
    let before = app.fingerprint();
    let count = |app: &TestApp| -> i64 {
        accounts::table
            .count()
            .get_result(&mut app.db())
            .expect("count")
    };
    let accounts_before = count(app);
    assert_eq!(
        eve.get("/account/sub-accounts").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        eve.post("/account/sub-accounts", &[("name", "Eve's")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        switch(&eve, Some(initech)).await.status,
        StatusCode::FORBIDDEN
    );
    // Gil, administrator of Globex: to him sub accounts do not exist — not his sibling,
    // not making one, not switching.
    let gil = signed_in(app, "gil@globex.example").await;
    for path in [
        "/account/sub-accounts".to_owned(),
        format!("/account/sub-accounts/{initech}"),
        format!("/account/sub-accounts/{}", w.globex),
    ] {
        assert_eq!(gil.get(&path).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    gil.get("/account").await;
    for (path, form) in [
        ("/account/sub-accounts".to_owned(), vec![("name", "Gil's")]),
        (
            format!("/account/sub-accounts/{initech}/rename"),
            vec![("name", "Mine")],
        ),
        (
            format!("/account/sub-accounts/{initech}/active"),
            vec![("active", "false")],
        ),
        ("/account/switch".to_owned(), vec![("account", "1")]),
    ] {
        let res = gil.post(&path, &form).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(
        switch(&gil, Some(initech)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.fingerprint(), before);
    assert_eq!(count(app), accounts_before);
    let names: Vec<(String, bool)> = accounts::table
        .order(accounts::id)
        .select((accounts::name, accounts::active))
        .load(&mut app.db())
        .expect("accounts");
    assert_eq!(
        names,
        vec![
            ("Acme".to_owned(), true),
            ("Globex".to_owned(), true),
            ("Initech".to_owned(), true)
        ]
    );
    // Gil's key cannot reach the main account's things through the API either.
    let (status, _) = api(
        app,
        &w.gils_token,
        reqwest::Method::GET,
        "/api/v1/credentials?owner=operator:1",
    )
    .await;
    assert_eq!(status, 404);
    // A sibling's name is refused as taken only to the main account's administrator.
    let taken = admin
        .post("/account/sub-accounts", &[("name", "initech")])
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    // An administrator demoted while switched in is back in her own account at once.
    let ben = app
        .create_operator(admin, "Ben Second", "ben@example.org", true)
        .await;
    let ben_v = signed_in(app, "ben@example.org").await;
    switch(&ben_v, Some(initech))
        .await
        .assert_redirect("/account");
    assert!(
        ben_v
            .get("/account")
            .await
            .contains("Acme</bdi> › <bdi>Initech")
    );
    let groups: Vec<(i32, bool)> = keyward::db::schema::groups::table
        .filter(keyward::db::schema::groups::account_id.eq(1))
        .select((
            keyward::db::schema::groups::id,
            keyward::db::schema::groups::builtin_admin,
        ))
        .load(&mut app.db())
        .expect("groups");
    let admins_group = groups.iter().find(|g| g.1).expect("Administrators").0;
    let url = format!("/account/groups/{admins_group}");
    admin.get(&url).await;
    admin
        .post(&format!("{url}/members/{ben}/remove"), &[])
        .await
        .assert_redirect(&url);
    let page = ben_v.get("/profile/api-credentials").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.contains("Initech"), "{}", page.body);
}

async fn call(
    app: &TestApp,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = client()
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.expect("api");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_api_manages_sub_accounts_and_acts_in_one_with_account() {
    use reqwest::Method;
    let w = world().await;
    let (app, admin) = (&w.app, &w.admin);
    let ada = app.stage_api_user(admin, 1, "Ada's automation").await;
    app.save(admin, 1).await;
    let (status, list) = call(app, &ada.token, Method::GET, "/api/v1/accounts", None).await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["accounts"][0]["name"], json!("Globex"));
    assert_eq!(list["accounts"][0]["operators"], json!(1));
    let (status, made) = call(
        app,
        &ada.token,
        Method::POST,
        "/api/v1/accounts",
        Some(json!({"name": "Hooli"})),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let hooli = made["id"].as_i64().expect("id");
    let (status, _) = call(
        app,
        &ada.token,
        Method::POST,
        "/api/v1/accounts",
        Some(json!({"name": "hooli"})),
    )
    .await;
    assert_eq!(status, 409);
    // Acting in Globex with ?account=: a machine made there, journalled there.
    let path = format!("/api/v1/machines?account={}", w.globex);
    let (status, machine) = call(
        app,
        &ada.token,
        Method::POST,
        &path,
        Some(json!({"name": "Globex runner"})),
    )
    .await;
    assert_eq!(status, 201, "{machine}");
    let mut conn = app.db();
    let account: i32 = keyward::db::schema::machines::table
        .filter(keyward::db::schema::machines::name.eq("Globex runner"))
        .select(keyward::db::schema::machines::account_id)
        .first(&mut conn)
        .expect("machine");
    assert_eq!(account, w.globex);
    let journalled: i64 = audit_events::table
        .filter(audit_events::account_id.eq(Some(w.globex)))
        .filter(audit_events::action.eq("machine.created"))
        .count()
        .get_result(&mut conn)
        .expect("journal");
    assert_eq!(journalled, 1);
    let (status, listed) = call(app, &ada.token, Method::GET, &path, None).await;
    assert_eq!(status, 200);
    assert_eq!(listed["total"], json!(1), "{listed}");
    let (status, own) = call(app, &ada.token, Method::GET, "/api/v1/machines", None).await;
    assert_eq!((status, own["total"].clone()), (200, json!(0)));
    // Not a sub account of the caller's: 404; not a number: 400.
    for (bad, code) in [("1", 404), ("99999", 404), ("x", 400)] {
        let (status, body) = call(
            app,
            &ada.token,
            Method::GET,
            &format!("/api/v1/machines?account={bad}"),
            None,
        )
        .await;
        assert_eq!(status, code, "{bad}: {body}");
    }
    // Gil, a sub account's administrator, and a key without the scope: nothing.
    let before = app.fingerprint();
    for (token, path, code) in [
        (&w.gils_token, "/api/v1/accounts".to_owned(), 404),
        (&w.gils_token, "/api/v1/machines?account=1".to_owned(), 404),
        (&w.gils_token, format!("/api/v1/accounts/{hooli}"), 404),
    ] {
        let (status, body) = call(app, token, Method::GET, &path, None).await;
        assert_eq!(status, code, "{path}: {body}");
    }
    let (status, _) = call(
        app,
        &w.gils_token,
        Method::DELETE,
        &format!("/api/v1/accounts/{hooli}"),
        None,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(app.fingerprint(), before, "Gil changed nothing");
    admin.get("/profile/api-credentials").await;
    admin
        .post(
            "/profile/api-credentials/add",
            &[("label", "Narrow"), ("scopes", "keyward:machines:read")],
        )
        .await
        .assert_redirect("/profile/api-credentials");
    let narrow = admin
        .get("/profile/api-credentials")
        .await
        .input_value("reveal-token")
        .expect("token");
    let before_narrow = app.fingerprint();
    let (status, body) = call(app, &narrow, Method::GET, "/api/v1/accounts", None).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["permission"], json!("keyward:accounts"), "{body}");
    let (status, _) = call(
        app,
        &narrow,
        Method::GET,
        &format!("/api/v1/machines?account={}", w.globex),
        None,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(app.fingerprint(), before_narrow);
    // A plain operator of the main account cannot give a key the scope at all.
    let bo = app
        .create_operator(admin, "Bo Plain", "bo@example.org", false)
        .await;
    let bo_v = signed_in(app, "bo@example.org").await;
    bo_v.get("/profile/api-credentials").await;
    let refused = bo_v
        .post(
            "/profile/api-credentials/add",
            &[("label", "Wide"), ("scopes", "keyward:accounts")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let bo_keys: i64 = credentials::table
        .filter(credentials::operator_id.eq(bo))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(bo_keys, 0);
    // Deactivate, then delete with what GET says it holds.
    let url = format!("/api/v1/accounts/{}", w.globex);
    let (status, off) = call(
        app,
        &ada.token,
        Method::PATCH,
        &url,
        Some(json!({"active": false, "name": "Globex Corp"})),
    )
    .await;
    assert_eq!(status, 200, "{off}");
    assert_eq!(
        (off["active"].clone(), off["name"].clone()),
        (json!(false), json!("Globex Corp"))
    );
    assert_eq!(
        app.whoami_bearer(&w.gils_token).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (_, detail) = call(app, &ada.token, Method::GET, &url, None).await;
    assert_eq!(detail["contents"]["machines"], json!(1), "{detail}");
    let (status, _) = call(app, &ada.token, Method::DELETE, &url, None).await;
    assert_eq!(status, 409, "not empty: the counts must be given");
    let c = &detail["contents"];
    let query = format!(
        "{url}?operators={}&groups={}&machines={}&keys={}&webhooks={}",
        c["operators"], c["groups"], c["machines"], c["keys"], c["webhooks"]
    );
    let (status, _) = call(app, &ada.token, Method::DELETE, &query, None).await;
    assert_eq!(status, 204);
    let (status, _) = call(app, &ada.token, Method::GET, &url, None).await;
    assert_eq!(status, 404);
    let (status, _) = call(
        app,
        &ada.token,
        Method::DELETE,
        &format!("/api/v1/accounts/{hooli}"),
        None,
    )
    .await;
    assert_eq!(status, 204, "an empty one goes with no counts");
}

/// How many mails were queued for `email` (sent or not): a mail is queued in the same
/// transaction as the change that causes it.
fn mails_to(app: &TestApp, email: &str) -> i64 {
    use keyward::db::schema::outbox;
    outbox::table
        .filter(outbox::recipient.eq(email))
        .count()
        .get_result(&mut app.db())
        .expect("outbox")
}

#[tokio::test]
async fn a_sub_account_s_settings_are_its_own_and_its_outbox_is_its_own() {
    let w = world_with(|s| {
        s.fake_now = Some("2026-11-25T09:30:00".parse().expect("time"));
        s.mail_poll_ms = 50;
    })
    .await;
    let (app, admin) = (&w.app, &w.admin);
    // A mail waiting for Ada: Acme's settings list it, Globex's do not.
    use diesel::connection::SimpleConnection;
    app.db()
        .batch_execute(
            "INSERT INTO outbox (created_at, recipient, subject, body_text, body_html, next_attempt_at) \
             VALUES ('2026-11-25 09:00:00', 'ada@example.org', 'Only for Acme', 'x', 'x', '2099-01-01 00:00:00')",
        )
        .expect("a waiting mail");
    assert!(admin.get("/settings").await.contains("Only for Acme"));
    let gil = signed_in(app, "gil@globex.example").await;
    let settings = gil.get("/settings").await;
    assert_eq!(settings.status, StatusCode::OK);
    assert!(!settings.contains("Only for Acme") && !settings.contains("ada@example.org"));
    // Machine-key mail, set by Globex for Globex: Hal, who manages its machines, is told
    // by default (the server's setting), and not once Globex turns it off.
    let hal = app
        .create_operator(&gil, "Hal Machines", "hal@globex.example", false)
        .await;
    common::group(&gil, "Keepers", &["machines.write"], &[hal]).await;
    gil.get("/rights/machines").await;
    let made = gil
        .post("/rights/machines", &[("name", "Bot"), ("description", "")])
        .await;
    let machine = made.location().expect("machine").to_owned();
    gil.get(&machine).await;
    gil.post(&format!("{machine}/add"), &[("label", "First")])
        .await;
    assert_eq!(mails_to(app, "hal@globex.example"), 1);
    gil.get("/settings").await;
    gil.post("/settings/mail", &[("machine_keys", "off")])
        .await
        .assert_redirect("/settings");
    gil.get(&machine).await;
    gil.post(&format!("{machine}/add"), &[("label", "Second")])
        .await;
    assert_eq!(mails_to(app, "hal@globex.example"), 1, "off for Globex");
    let mut conn = app.db();
    let acme_mail: Option<bool> = accounts::table
        .find(1)
        .select(accounts::machine_key_mail)
        .first(&mut conn)
        .expect("acme");
    assert_eq!(acme_mail, None, "Acme's setting untouched");
    // Retention, set by Globex: its journal older than 7 days goes, Acme's stays (the
    // server keeps it forever).
    gil.get("/settings").await;
    gil.post("/settings/retention", &[("days", "3")]).await;
    gil.get("/settings").await;
    gil.post("/settings/retention", &[("days", "7")])
        .await
        .assert_redirect("/settings");
    let count = |account: i32| -> i64 {
        audit_events::table
            .filter(audit_events::account_id.eq(Some(account)))
            .filter(audit_events::action.ne("audit.pruned"))
            .count()
            .get_result(&mut app.db())
            .expect("journal")
    };
    let (acme_before, globex_before) = (count(1), count(w.globex));
    assert!(acme_before > 0 && globex_before > 0);
    let days: Option<i32> = accounts::table
        .find(w.globex)
        .select(accounts::audit_retention_days)
        .first(&mut conn)
        .expect("globex");
    assert_eq!(days, Some(7), "3 days is refused, 7 kept");
    app.state.clock.advance(chrono::Duration::days(8));
    common::eventually("Globex's journal pruned", || async { count(w.globex) == 0 }).await;
    assert_eq!(count(1), acme_before, "Acme keeps its journal");
    let pruned: i64 = audit_events::table
        .filter(audit_events::account_id.eq(Some(w.globex)))
        .filter(audit_events::action.eq("audit.pruned"))
        .count()
        .get_result(&mut conn)
        .expect("journal");
    assert_eq!(pruned, 1, "the pruning is journalled in Globex");
}

#[tokio::test]
async fn journal_rows_forms_and_verification_stay_with_their_own_account() {
    let w = world().await;
    let (app, admin) = (&w.app, &w.admin);
    let mut conn = app.db();
    // Ada's own key, made while she acts in Globex, is journalled in her own account.
    switch(admin, Some(w.globex)).await;
    admin.get("/profile/api-credentials").await;
    admin
        .post(
            "/profile/api-credentials/add",
            &[("label", "Ada's own"), ("scopes", "keyward:verify")],
        )
        .await
        .assert_redirect("/profile/api-credentials");
    let journalled: Vec<Option<i32>> = audit_events::table
        .filter(audit_events::action.eq("credential.created"))
        .filter(audit_events::target_name.eq("Ada's own"))
        .select(audit_events::account_id)
        .load(&mut conn)
        .expect("journal");
    assert_eq!(journalled, vec![Some(1)]);
    // A form shown in Globex, sent after the session came back home: refused, nothing done.
    switch(admin, None).await;
    admin.get("/settings").await;
    let globex = w.globex.to_string();
    let stale = admin
        .post(
            "/settings/retention",
            &[("days", "30"), ("acting_in", &globex)],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let kept: Option<i32> = accounts::table
        .find(1)
        .select(accounts::audit_retention_days)
        .first(&mut conn)
        .expect("acme");
    assert_eq!(kept, None);
    admin
        .post("/settings/retention", &[("days", "30"), ("acting_in", "")])
        .await
        .assert_redirect("/settings");
    // Switched into Globex when another session deactivates it: a form is refused, not
    // done in Acme, and the next page is Acme's.
    switch(admin, Some(w.globex)).await;
    let other = app.visitor();
    other
        .sign_in(common::ADMIN_EMAIL, common::ADMIN_PASSWORD)
        .await
        .assert_redirect("/");
    let url = format!("/account/sub-accounts/{}", w.globex);
    other.get(&url).await;
    other
        .post(&format!("{url}/active"), &[("active", "false")])
        .await
        .assert_redirect(&url);
    let groups_before = app.fingerprint();
    let refused = admin
        .post("/account/groups", &[("name", "Meant for Globex")])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert_eq!(app.fingerprint(), groups_before, "nothing made in Acme");
    let page = admin.get("/account").await;
    assert!(!page.contains("Acme</bdi> › <bdi>Globex"));
    other.get(&url).await;
    other
        .post(&format!("{url}/active"), &[("active", "true")])
        .await
        .assert_redirect(&url);
    // Verification ignores ?account=: a client behind a proxy cannot choose the account.
    let ada = app.stage_api_user(admin, 1, "Ada's automation").await;
    app.save(admin, 1).await;
    let res = client()
        .get(format!("{}/auth/forward?account={}", app.base, w.globex))
        .bearer_auth(&ada.token)
        .send()
        .await
        .expect("forward");
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()
            .get("x-keyward-account")
            .and_then(|v| v.to_str().ok()),
        Some("1")
    );
    // A leak of Gil's key, reported by anyone (Keyward journals it itself): in Globex's
    // journal, not in Acme's.
    let res = client()
        .post(format!("{}/api/v1/leaks/report", app.base))
        .json(&json!({"token": w.gils_token, "found_at": "https://paste.example/x"}))
        .send()
        .await
        .expect("report");
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let leak: Vec<Option<i32>> = audit_events::table
        .filter(audit_events::action.eq("credential.leak_reported"))
        .select(audit_events::account_id)
        .load(&mut conn)
        .expect("journal");
    assert_eq!(leak, vec![Some(w.globex)]);
    let acme_audit = admin.get("/audit?action=credential.leak_reported").await;
    assert!(!acme_audit.contains("paste.example"), "{}", acme_audit.body);
    let gil = signed_in(app, "gil@globex.example").await;
    let globex_audit = gil.get("/audit?action=credential.leak_reported").await;
    assert!(globex_audit.contains("Gil&#39;s key") || globex_audit.contains("Gil's key"));
}

#[tokio::test]
async fn eight_creations_of_one_name_at_once_make_one_sub_account() {
    let w = world().await;
    let (app, admin) = (&w.app, &w.admin);
    let ada = app.stage_api_user(admin, 1, "Ada's automation").await;
    app.save(admin, 1).await;
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (url, token) = (format!("{}/api/v1/accounts", app.base), ada.token.clone());
        set.spawn(async move {
            client()
                .post(url)
                .bearer_auth(token)
                .json(&json!({"name": "Hooli"}))
                .send()
                .await
                .expect("create")
                .status()
                .as_u16()
        });
    }
    let statuses: Vec<u16> = set.join_all().await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    let made: i64 = accounts::table
        .filter(accounts::name.eq("Hooli"))
        .count()
        .get_result(&mut app.db())
        .expect("count");
    assert_eq!(made, 1);
    // And the database itself refuses a second one, whatever its case.
    use diesel::connection::SimpleConnection;
    let twin = app.db().batch_execute(
        "INSERT INTO accounts (name, created_at, parent_id) VALUES ('HOOLI', '2026-12-01 00:00:00', 1)",
    );
    assert!(twin.is_err(), "the unique index");
}

#[tokio::test]
async fn a_key_of_someone_who_is_not_an_administrator_manages_no_sub_account() {
    use reqwest::Method;
    let w = world().await;
    let (app, admin) = (&w.app, &w.admin);
    // Ada gives Bob (no permission) a key with every Keyward scope, keyward:accounts too:
    // it acts with no more than Bob holds.
    let bob = app
        .create_operator(admin, "Bob Plain", "bob@example.org", false)
        .await;
    let key = app.stage_api_user(admin, bob, "Bob's wide key").await;
    app.save(admin, bob).await;
    let before = app.fingerprint();
    let accounts_before: i64 = accounts::table
        .count()
        .get_result(&mut app.db())
        .expect("count");
    for (method, path, body) in [
        (Method::GET, "/api/v1/accounts".to_owned(), None),
        (
            Method::POST,
            "/api/v1/accounts".to_owned(),
            Some(json!({"name": "Bob's"})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/accounts/{}", w.globex),
            Some(json!({"active": false})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/accounts/{}?operators=1&keys=1", w.globex),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/machines?account={}", w.globex),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/machines?account={}", w.globex),
            Some(json!({"name": "Planted"})),
        ),
    ] {
        let (status, body) = call(app, &key.token, method, &path, body).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert_eq!(body["permission"], json!("administrator"), "{path}: {body}");
    }
    assert_eq!(app.fingerprint(), before);
    let accounts_after: i64 = accounts::table
        .count()
        .get_result(&mut app.db())
        .expect("count");
    assert_eq!(accounts_after, accounts_before);
    let globex_active: bool = accounts::table
        .find(w.globex)
        .select(accounts::active)
        .first(&mut app.db())
        .expect("globex");
    assert!(globex_active);
}
