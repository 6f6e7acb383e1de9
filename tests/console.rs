//! The console end to end: first-run setup, sign-in, operators, and the API management tab
//! with its staged Save — over real HTTP against the real app, on SQLite or PostgreSQL.

mod common;

use common::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp};
use diesel::prelude::*;
use reqwest::StatusCode;

#[tokio::test]
async fn first_run_setup_then_sign_in_and_out() {
    let app = TestApp::spawn().await;
    let visitor = app.visitor();
    // With no operator yet, every page leads to setup.
    for path in ["/", "/login", "/account", "/account/operators/1/api"] {
        visitor.get(path).await.assert_redirect("/setup");
    }
    let setup = visitor.get("/setup").await;
    assert!(setup.contains("Welcome to Keyward"));

    // Whoever reaches a new server first cannot claim it: the setup code from the log is
    // asked for, and a wrong one creates nothing.
    let page = visitor
        .post(
            "/setup",
            &[
                ("setup_code", "WRONG-WRONG-WRONG"),
                ("organisation", "Acme"),
                ("name", "Mallory"),
                ("email", "mallory@example.org"),
                ("password", "abcdefghijk"),
                ("password_confirm", "abcdefghijk"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("This is not the setup code of this server."));
    visitor.get("/login").await.assert_redirect("/setup");
    assert_eq!(app.state.setup_code.len(), 17);

    // Mismatched passwords: the form again with a message, nothing created.
    let page = visitor
        .post(
            "/setup",
            &[
                ("setup_code", &app.state.setup_code),
                ("organisation", "Acme"),
                ("name", "Ada"),
                ("email", ADMIN_EMAIL),
                ("password", "abcdefghijk"),
                ("password_confirm", "abcdefghijX"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("The two passwords differ."));
    visitor.get("/login").await.assert_redirect("/setup");

    let admin = app.admin().await;
    // Setup happens once.
    admin.get("/setup").await.assert_redirect("/login");

    // Wrong password and unknown email: the same answer.
    let stranger = app.visitor();
    let wrong_password = stranger.sign_in(ADMIN_EMAIL, "not the password").await;
    let unknown_email = stranger.sign_in("nobody@example.org", ADMIN_PASSWORD).await;
    assert_eq!(wrong_password.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_email.status, StatusCode::UNAUTHORIZED);
    assert!(wrong_password.contains("Wrong email or password."));
    assert!(unknown_email.contains("Wrong email or password."));
    stranger.get("/account").await.assert_redirect("/login");

    // Signed in, the administrator lands on Account setup.
    admin.get("/").await.assert_redirect("/account");
    let account = admin.get("/account").await;
    assert_eq!(account.status, StatusCode::OK);
    assert!(account.contains("View all operators"));

    // Sign out ends the session on the server: replaying the old cookie does not work.
    let old_cookie = admin
        .client
        .get(format!("{}/account", app.base))
        .send()
        .await
        .expect("get");
    assert_eq!(old_cookie.status(), StatusCode::OK);
    let session_cookie = admin_session_cookie(&admin, &app).await;
    let out = admin.post("/logout", &[]).await;
    out.assert_redirect("/login");
    assert!(admin.get("/login").await.contains("You are signed out."));
    admin.get("/account").await.assert_redirect("/login");
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{}/account", app.base))
        .header("cookie", session_cookie)
        .send()
        .await
        .expect("replay");
    assert_eq!(
        replay.status(),
        StatusCode::SEE_OTHER,
        "an old session cookie must not work after sign-out"
    );
}

/// The session cookie the visitor currently holds, as a `Cookie` header value.
async fn admin_session_cookie(visitor: &common::Visitor, app: &TestApp) -> String {
    use reqwest::cookie::CookieStore;
    let _ = visitor;
    // reqwest hides its jar behind the client; re-sign-in through a jar we can read.
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = client
        .get(format!("{}/login", app.base))
        .send()
        .await
        .expect("login")
        .text()
        .await
        .expect("body");
    let token = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .expect("csrf");
    let res = client
        .post(format!("{}/login", app.base))
        .form(&[
            ("csrf", token),
            ("email", ADMIN_EMAIL),
            ("password", ADMIN_PASSWORD),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let url = app.base.parse().expect("url");
    let cookie = jar
        .cookies(&url)
        .expect("cookie")
        .to_str()
        .expect("ascii")
        .to_owned();
    // Sign this second session out too, then hand back its (now dead) cookie.
    let page = client
        .get(format!("{}/account", app.base))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    let token = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .expect("csrf");
    let out = client
        .post(format!("{}/logout", app.base))
        .form(&[("csrf", token)])
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    cookie
}

#[tokio::test]
async fn navigation_follows_the_seed() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let account = admin.get("/account").await;
    assert!(account.contains("Account setup"));
    assert!(account.contains("Operators, groups (and sub accounts)"));
    assert!(account.contains("href=\"/account/operators\""));
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let list = admin.get("/account/operators").await;
    assert!(list.contains(&format!("href=\"/account/operators/{bob}\"")));
    assert!(list.contains("Bob Builder"));
    let main = admin.get(&format!("/account/operators/{bob}")).await;
    assert!(main.contains(&format!("href=\"/account/operators/{bob}/api\"")));
    assert!(main.contains("API management"));
    let tab = admin.get(&format!("/account/operators/{bob}/api")).await;
    assert_eq!(tab.status, StatusCode::OK);
    assert!(tab.contains("Add API user"));
    assert!(tab.contains("This operator has no API account yet."));
    assert_eq!(
        tab.headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    assert!(tab.headers.get("content-security-policy").is_some());

    // Duplicate email: the form again, nothing created.
    admin.get("/account/operators/new").await;
    let dup = admin
        .post(
            "/account/operators",
            &[
                ("name", "Bob 2"),
                ("email", "BOB@example.org"),
                ("password", "operator-pass-1"),
                ("password_confirm", "operator-pass-1"),
            ],
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.contains("An operator with this email already exists."));
    assert_eq!(
        admin
            .get("/account/operators")
            .await
            .body
            .matches("/account/operators/")
            .count(),
        3,
        "Ada, Bob and the new-operator link"
    );
}

#[tokio::test]
async fn staged_add_works_only_after_save_and_the_secret_shows_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let tab = format!("/account/operators/{bob}/api");

    let wizard = admin.get(&format!("{tab}?dialog=add")).await;
    assert!(wizard.contains("<dialog"));
    let created = app.stage_api_user(&admin, bob, "CI deploys").await;
    assert_eq!(created.username.len(), 16);
    assert_eq!(created.password.len(), 32);
    // The bearer form: prefix, id, secret and a six-character checksum.
    assert_eq!(created.token.len(), 4 + 16 + 1 + 32 + 6);
    assert_eq!(
        &created.token[..created.token.len() - 6],
        format!("kwd_{}_{}", created.username, created.password)
    );

    // Staged: listed as new, a banner says so, and the secret does not work yet.
    let page = admin.get(&tab).await;
    assert!(page.contains("New, not saved yet"));
    assert!(page.contains("You have unsaved changes."));
    assert_eq!(
        app.whoami(&created.username, &created.password).await.0,
        StatusCode::UNAUTHORIZED
    );

    // Survives visiting another page.
    admin.get("/account/operators").await;
    assert!(admin.get(&tab).await.contains("CI deploys"));

    let saved = app.save(&admin, bob).await;
    assert!(saved.contains("Changes saved."));
    assert!(!saved.contains("You have unsaved changes."));
    assert!(saved.contains("Not yet used"));

    let (status, body) = app.whoami(&created.username, &created.password).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["credential"]["id"], created.username.as_str());
    assert_eq!(body["credential"]["label"], "CI deploys");
    assert_eq!(body["owner"]["kind"], "operator");
    assert_eq!(body["owner"]["id"], bob);
    assert_eq!(body["owner"]["name"], "Bob Builder");
    assert_eq!(app.whoami_bearer(&created.token).await.0, StatusCode::OK);

    // Used: Last used shows the date and the client address (after the next flush).
    common::eventually("last used appears on the tab", || async {
        let page = admin.get(&tab).await;
        !page.contains("Not yet used") && page.contains("from 127.0.0.1")
    })
    .await;

    // The password was in exactly one response the administrator ever received, and is
    // nowhere in the database in clear.
    assert_eq!(admin.responses_containing(&created.password), 1);
    let mut conn = app.db();
    use keyward::db::schema::{credentials, web_sessions};
    let hashes: Vec<String> = credentials::table
        .select(credentials::secret_hash)
        .load(&mut conn)
        .expect("rows");
    // Keyed hashes (HMAC-SHA256 under the pepper): no secret, no argon2 string.
    assert!(!hashes.is_empty());
    assert!(hashes.iter().all(|h| {
        let parts: Vec<&str> = h.split('$').collect();
        parts.len() == 3
            && parts[0] == "kh1"
            && parts[2].len() == 64
            && !h.contains(&created.password)
            && !h.contains("argon2")
    }));
    let sessions: Vec<String> = web_sessions::table
        .select(web_sessions::state)
        .load(&mut conn)
        .expect("rows");
    assert!(sessions.iter().all(|s| !s.contains(&created.password)));
}

#[tokio::test]
async fn scopes_are_staged_on_the_tab_and_save_gives_only_what_the_saver_may() {
    use keyward::db::schema::{audit_events as a, credentials as c};
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    admin.get("/settings/scopes").await;
    for name in ["billing:read", "billing:write"] {
        admin
            .post("/settings/scopes", &[("name", name), ("description", "")])
            .await
            .assert_redirect("/settings/scopes");
    }
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let eve = app
        .create_operator(&admin, "Eve Delegate", "eve@example.org", false)
        .await;
    common::group(&admin, "Delegates", &["operators.write"], &[eve]).await;
    let tab = format!("/account/operators/{bob}/api");
    let key = app.stage_api_user(&admin, bob, "Billing job").await;
    app.save(&admin, bob).await;
    let scopes_of = |id: &str| -> String {
        c::table
            .filter(c::public_id.eq(id))
            .select(c::scopes)
            .first(&mut app.db())
            .expect("row")
    };
    let before = scopes_of(&key.username);

    // The Edit dialog shows the key's scopes; a change is staged, marked, and not in force.
    let dialog = admin
        .get(&format!("{tab}?dialog=edit&row={}", key.username))
        .await;
    assert!(dialog.contains("keyward:verify"), "{}", dialog.body);
    let edit = format!("{tab}/{}/rename", key.username);
    let bad = admin
        .post(
            &edit,
            &[("label", "Billing job"), ("scopes", "NOT A SCOPE")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("NOT A SCOPE"), "the typed value stays");
    admin
        .post(
            &edit,
            &[
                ("label", "Billing job"),
                ("scopes", "billing:read keyward:verify"),
            ],
        )
        .await
        .assert_redirect(&tab);
    let page = admin.get(&tab).await;
    assert!(page.contains("Scopes changed from"), "{}", page.body);
    assert!(page.contains("1 unsaved change") || page.contains("unsaved"));
    assert_eq!(scopes_of(&key.username), before, "nothing before Save");
    app.save(&admin, bob).await;
    assert_eq!(scopes_of(&key.username), "billing:read keyward:verify");
    let journal: Vec<String> = a::table
        .filter(a::target_id.eq(&key.username))
        .select(a::action)
        .load(&mut app.db())
        .expect("journal");
    assert!(
        journal.iter().any(|x| x == "credential.scopes_changed"),
        "{journal:?}"
    );

    // A delegate with Operators / Write only stages a scope from the catalog that is not
    // open (Settings / Write) and a Keyward scope whose permission they lack, with a rename:
    // Save refuses, nothing of the draft is applied, and the draft is kept.
    let eve = common::signed_in(&app, "eve@example.org").await;
    for scopes in [
        "billing:read billing:write keyward:verify",
        "billing:read keyward:verify keyward:machines:write",
    ] {
        eve.get(&tab).await;
        eve.post(&edit, &[("label", "Taken over"), ("scopes", scopes)])
            .await
            .assert_redirect(&tab);
        let refused = eve.post(&format!("{tab}/save"), &[]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert_eq!(scopes_of(&key.username), "billing:read keyward:verify");
        let label: String = c::table
            .filter(c::public_id.eq(&key.username))
            .select(c::label)
            .first(&mut app.db())
            .expect("row");
        assert_eq!(label, "Billing job");
        assert!(eve.get(&tab).await.contains("Scopes changed from"));
        eve.post(&format!("{tab}/cancel"), &[]).await;
    }
    // Taking a scope away is always allowed.
    eve.get(&tab).await;
    eve.post(
        &edit,
        &[("label", "Billing job"), ("scopes", "keyward:verify")],
    )
    .await
    .assert_redirect(&tab);
    app.save(&eve, bob).await;
    assert_eq!(scopes_of(&key.username), "keyward:verify");
}

#[tokio::test]
async fn rename_deactivate_delete_are_staged_until_save() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let tab = format!("/account/operators/{bob}/api");
    let key = app.stage_api_user(&admin, bob, "Nightly backup").await;
    app.save(&admin, bob).await;
    let row = |action: &str| format!("{tab}/{}/{action}", key.username);

    // Rename: staged, the old label still answers until Save.
    let dialog = admin
        .get(&format!("{tab}?dialog=edit&row={}", key.username))
        .await;
    assert!(dialog.contains("Edit API user"));
    admin
        .post(&row("rename"), &[("label", "Nightly backup (v2)")])
        .await
        .assert_redirect(&tab);
    let page = admin.get(&tab).await;
    assert!(page.contains("Renamed from <bdi>Nightly backup</bdi>"));
    assert_eq!(
        app.whoami(&key.username, &key.password).await.1["credential"]["label"],
        "Nightly backup"
    );
    app.save(&admin, bob).await;
    assert_eq!(
        app.whoami(&key.username, &key.password).await.1["credential"]["label"],
        "Nightly backup (v2)"
    );

    // Deactivate: still works until Save, refused after, the same secret works again after
    // reactivation.
    admin
        .post(&row("active"), &[("active", "false")])
        .await
        .assert_redirect(&tab);
    assert!(admin.get(&tab).await.contains("Status will change"));
    assert_eq!(
        app.whoami(&key.username, &key.password).await.0,
        StatusCode::OK
    );
    app.save(&admin, bob).await;
    let (status, inactive_body) = app.whoami(&key.username, &key.password).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    admin.post(&row("active"), &[("active", "true")]).await;
    app.save(&admin, bob).await;
    assert_eq!(
        app.whoami(&key.username, &key.password).await.0,
        StatusCode::OK
    );

    // Delete: staged, undo-able, then saved: refused at once, with the same body as any
    // other invalid credential.
    admin.post(&row("delete"), &[]).await.assert_redirect(&tab);
    assert!(admin.get(&tab).await.contains("Will be deleted"));
    admin.post(&row("undo"), &[]).await;
    assert!(!admin.get(&tab).await.contains("Will be deleted"));
    admin.post(&row("delete"), &[]).await;
    assert_eq!(
        app.whoami(&key.username, &key.password).await.0,
        StatusCode::OK
    );
    let page = app.save(&admin, bob).await;
    assert!(page.contains("This operator has no API account yet."));
    let (status, deleted_body) = app.whoami(&key.username, &key.password).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, unknown_body) = app
        .whoami("AAAAAAAAAAAAAAAA", "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB")
        .await;
    assert_eq!(deleted_body, inactive_body);
    assert_eq!(deleted_body, unknown_body);
    assert_eq!(deleted_body["error"], "invalid_credentials");
    app.assert_key_counts_agree();
}

#[tokio::test]
async fn cancel_discards_every_staged_change() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let tab = format!("/account/operators/{bob}/api");
    let kept = app.stage_api_user(&admin, bob, "Kept").await;
    app.save(&admin, bob).await;
    let discarded = app.stage_api_user(&admin, bob, "Discarded").await;
    admin
        .post(
            &format!("{tab}/{}/rename", kept.username),
            &[("label", "Renamed")],
        )
        .await;
    admin
        .post(&format!("{tab}/cancel"), &[])
        .await
        .assert_redirect(&tab);
    let page = admin.get(&tab).await;
    assert!(page.contains("Unsaved changes discarded."));
    assert!(!page.contains("Discarded"));
    assert!(!page.contains("Renamed"));
    assert!(page.contains("Kept"));
    // Save now has nothing to apply; the discarded key never works.
    admin.post(&format!("{tab}/save"), &[]).await;
    assert!(admin.get(&tab).await.contains("There is nothing to save."));
    assert_eq!(
        app.whoami(&discarded.username, &discarded.password).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_second_save_after_someone_elses_is_refused_and_loses_nothing() {
    let app = TestApp::spawn().await;
    let alice = app.admin().await;
    let bob = app
        .create_operator(&alice, "Bob Builder", "bob@example.org", false)
        .await;
    app.create_operator(&alice, "Carol Admin", "carol@example.org", true)
        .await;
    let tab = format!("/account/operators/{bob}/api");
    let first = app.stage_api_user(&alice, bob, "First").await;
    let second = app.stage_api_user(&alice, bob, "Second").await;
    app.save(&alice, bob).await;

    let carol = app.visitor();
    carol
        .sign_in("carol@example.org", "operator-pass-1")
        .await
        .assert_redirect("/");

    // Alice stages a rename; meanwhile Carol deletes "First" and saves.
    alice.get(&tab).await;
    alice
        .post(
            &format!("{tab}/{}/rename", second.username),
            &[("label", "Second, renamed")],
        )
        .await;
    carol.get(&tab).await;
    carol
        .post(&format!("{tab}/{}/delete", first.username), &[])
        .await;
    carol
        .post(&format!("{tab}/save"), &[])
        .await
        .assert_redirect(&tab);
    assert_eq!(
        app.whoami(&first.username, &first.password).await.0,
        StatusCode::UNAUTHORIZED
    );

    // Alice's Save is refused, names what changed, applies nothing, keeps her draft.
    alice
        .post(&format!("{tab}/save"), &[])
        .await
        .assert_redirect(&tab);
    let page = alice.get(&tab).await;
    assert!(page.contains("Not saved: another administrator saved changes"));
    assert!(page.contains("Another administrator changed these API accounts"));
    assert!(page.contains(&format!("API user deleted: First ({})", first.username)));
    assert!(
        page.contains("Renamed from <bdi>Second</bdi>"),
        "the draft is kept"
    );
    assert_eq!(
        app.whoami(&second.username, &second.password).await.1["credential"]["label"],
        "Second"
    );

    // Retry on top of Carol's change: Alice's rename goes through.
    alice.post(&format!("{tab}/rebase"), &[]).await;
    let page = app.save(&alice, bob).await;
    assert!(page.contains("Changes saved."));
    assert_eq!(
        app.whoami(&second.username, &second.password).await.1["credential"]["label"],
        "Second, renamed"
    );
}

#[tokio::test]
async fn concurrent_saves_apply_exactly_one() {
    let app = TestApp::spawn().await;
    let alice = app.admin().await;
    let bob = app
        .create_operator(&alice, "Bob Builder", "bob@example.org", false)
        .await;
    app.create_operator(&alice, "Carol Admin", "carol@example.org", true)
        .await;
    let tab = format!("/account/operators/{bob}/api");
    let carol = app.visitor();
    carol.sign_in("carol@example.org", "operator-pass-1").await;
    let a = app.stage_api_user(&alice, bob, "From Alice").await;
    let c = app.stage_api_user(&carol, bob, "From Carol").await;
    let save = format!("{tab}/save");
    let (ra, rc) = tokio::join!(alice.post(&save, &[]), carol.post(&save, &[]));
    ra.assert_redirect(&tab);
    rc.assert_redirect(&tab);
    let ok_a = app.whoami(&a.username, &a.password).await.0 == StatusCode::OK;
    let ok_c = app.whoami(&c.username, &c.password).await.0 == StatusCode::OK;
    assert!(
        ok_a ^ ok_c,
        "exactly one of two concurrent Saves applies (alice {ok_a}, carol {ok_c})"
    );
    app.assert_key_counts_agree();
}

#[tokio::test]
async fn forged_or_missing_csrf_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let tab = format!("/account/operators/{bob}/api");
    admin.get(&tab).await;
    let forged = admin
        .post_raw(
            &format!("{tab}/add"),
            &[("csrf", "forged"), ("label", "Evil")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.contains("Nothing was changed"));
    let missing = admin
        .post_raw(&format!("{tab}/add"), &[("label", "Evil")])
        .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    // A token from another session is no better.
    let other = app.visitor();
    other.get("/login").await;
    let stolen = admin
        .post_raw(
            &format!("{tab}/add"),
            &[("csrf", &other.csrf()), ("label", "Evil")],
        )
        .await;
    assert_eq!(stolen.status, StatusCode::FORBIDDEN);
    // Cross-site requests are refused even with the right token.
    let token = admin.csrf();
    let res = admin
        .client
        .post(format!("{}{tab}/add", app.base))
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf", token.as_str()), ("label", "Evil")])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let page = admin.get(&tab).await;
    assert!(!page.contains("Evil"));
    assert!(!page.contains("You have unsaved changes."));
}

#[tokio::test]
async fn unknown_ids_and_bad_input_get_clear_errors() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    for path in [
        "/account/operators/999",
        "/account/operators/999/api",
        "/account/operators/abc/api",
        "/no/such/page",
    ] {
        let page = admin.get(path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.contains("does not exist"), "{path}");
    }
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let tab = format!("/account/operators/{bob}/api");
    admin.get(&tab).await;
    // Unknown row → 404, nothing staged.
    let page = admin
        .post(&format!("{tab}/NoSuchRow0000000/delete"), &[])
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    // Too long and empty labels: the wizard again with the message, nothing staged.
    let long = "x".repeat(101);
    for (label, message) in [
        (long.as_str(), "The label is too long"),
        ("   ", "Enter a label."),
    ] {
        let page = admin.post(&format!("{tab}/add"), &[("label", label)]).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains(message));
        assert!(page.contains("<dialog"));
    }
    // Wrong type in a field.
    let page = admin
        .post(
            &format!("{tab}/NoSuchRow0000000/active"),
            &[("active", "maybe")],
        )
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    // Labels with markup, RTL marks and emoji are kept intact and shown escaped.
    let exotic = "<script>alert(1)</script> \u{200f}עברית 🚀";
    app.stage_api_user(&admin, bob, exotic).await;
    let page = admin.get(&tab).await;
    assert!(!page.contains("<script>alert(1)</script>"));
    assert!(page.contains("עברית 🚀"));
    assert!(admin.get(&tab).await.contains("You have unsaved changes."));
}

#[tokio::test]
async fn operators_without_rights_do_not_reach_the_console_sections() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let bob = app.visitor();
    bob.sign_in("bob@example.org", "operator-pass-1")
        .await
        .assert_redirect("/");
    bob.get("/")
        .await
        .assert_redirect("/profile/api-credentials");
    for path in ["/account", "/account/operators", "/account/operators/1/api"] {
        let page = bob.get(path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            page.contains("Account setup / Operators / Read"),
            "the page names the missing permission"
        );
        // The refusal keeps the console around it: Bob's menu, his organisation.
        assert!(
            page.contains("href=\"/profile/api-credentials\""),
            "{path}: menu"
        );
        assert!(page.contains("<bdi>Acme</bdi>"), "{path}: organisation");
        assert!(
            !page.contains("href=\"/audit\""),
            "{path}: only what Bob may"
        );
    }
    // So does a page that does not exist; the API's 404 stays JSON and sets no cookie.
    let missing = bob.get("/account/nothing-here").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.contains("<bdi>Acme</bdi>") && missing.contains("/logout"));
    // Also when the page is refused before it starts (a malformed id).
    let malformed = bob.get("/account/operators/not-a-number").await;
    assert_eq!(malformed.status, StatusCode::NOT_FOUND);
    assert!(malformed.contains("<bdi>Acme</bdi>"), "{}", malformed.body);
    let api = reqwest::get(format!("{}/api/v1/nothing-here", app.base))
        .await
        .expect("api 404");
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert!(api.headers().get("set-cookie").is_none());
    assert_eq!(
        api.json::<serde_json::Value>().await.expect("json")["error"],
        "not_found"
    );
    let page = bob
        .post("/account/operators/1/api/add", &[("label", "sneaky")])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn last_used_says_unknown_not_yet_used_or_when() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let imported = app.stage_api_user(&admin, bob, "Imported").await;
    app.save(&admin, bob).await;
    // A row that predates usage tracking (as an import would write it).
    use keyward::db::schema::credentials;
    diesel::update(credentials::table.filter(credentials::public_id.eq(&imported.username)))
        .set(credentials::usage_tracked.eq(false))
        .execute(&mut app.db())
        .expect("update");
    app.stage_api_user(&admin, bob, "Fresh").await;
    let page = app.save(&admin, bob).await;
    assert!(page.contains("Unknown"));
    assert!(page.contains("Not yet used"));
    let fr = app.visitor_fr();
    fr.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let page = fr.get(&format!("/account/operators/{bob}/api")).await;
    assert!(page.contains("Utilisation inconnue"));
    assert!(page.contains("Pas encore utilisé"));
    assert!(page.contains("Dernière utilisation"));
}

#[tokio::test]
async fn french_and_english_pages_and_the_language_switch() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let tab = format!("/account/operators/{bob}/api");
    let en = admin.get(&tab).await;
    assert!(en.contains("lang=\"en\""));
    assert!(en.contains("API management") && en.contains("Add API user") && en.contains(">Save<"));

    let fr = app.visitor_fr();
    assert!(fr.get("/login").await.contains("Connexion"));
    fr.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let page = fr.get(&tab).await;
    assert!(page.contains("lang=\"fr\""));
    for text in [
        "Gestion des API",
        "Ajouter un utilisateur d'API",
        "Enregistrer",
        "Configuration de compte",
    ] {
        assert!(
            page.contains(&text.replace('\'', "&#39;")) || page.contains(text),
            "{text}"
        );
    }
    // The switch overrides Accept-Language for the session and comes back to the same page.
    let switched = fr
        .post("/language", &[("lang", "en"), ("next", &tab)])
        .await;
    switched.assert_redirect(&tab);
    assert!(fr.get(&tab).await.contains("Add API user"));
    // Only local paths are followed.
    fr.post("/language", &[("lang", "fr"), ("next", "//evil.example")])
        .await
        .assert_redirect("/");
    // Dates in the user's language.
    app.stage_api_user(&fr, bob, "Date").await;
    app.save(&fr, bob).await;
    let month_fr = fr.get(&format!("/account/operators/{bob}")).await;
    assert!(month_fr.contains(" à "), "French date format");
    // The seeds' words: the row's delete control is a button that says what it does, the
    // date column is « Date de création », an API account is « Actif ».
    let tab_fr = fr.get(&tab).await;
    for text in [
        "> Supprimer l&#39;utilisateur de l&#39;API</button>",
        ">Date de création<",
        ">Actif<",
    ] {
        assert!(tab_fr.contains(text), "{text}: {}", tab_fr.body);
    }
}

#[tokio::test]
async fn health_check_answers() {
    let app = TestApp::spawn().await;
    let res = reqwest::get(format!("{}/healthz", app.base))
        .await
        .expect("healthz");
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn malformed_authorization_headers_never_give_500() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::new();
    let huge = format!("Bearer {}", "a".repeat(8000));
    let cases: Vec<reqwest::header::HeaderValue> = vec![
        "Basic %%%".parse().expect("hv"),
        "Basic Zm9v".parse().expect("hv"),
        "Digest abc".parse().expect("hv"),
        huge.parse().expect("hv"),
        reqwest::header::HeaderValue::from_bytes(b"Basic \xff\xfe").expect("hv"),
    ];
    for value in cases {
        let res = client
            .get(format!("{}/api/v1/whoami", app.base))
            .header("authorization", value)
            .send()
            .await
            .expect("get");
        assert!(
            matches!(
                res.status(),
                StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED
            ),
            "{}",
            res.status()
        );
        let body: serde_json::Value = res.json().await.expect("json");
        assert!(body["error"].is_string());
    }
    let res = client
        .get(format!("{}/api/v1/whoami", app.base))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers().get("www-authenticate").is_some());
}

#[tokio::test]
async fn keys_may_expire_on_a_date_checked_in_the_add_dialog() {
    use keyward::db::schema::credentials;
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let base = "/profile/api-credentials";
    let count = |app: &TestApp| -> i64 {
        credentials::table
            .count()
            .get_result(&mut app.db())
            .expect("count")
    };

    // Wrong dates are refused in the dialog, with what was typed kept, and nothing stored.
    let today = chrono::Utc::now().date_naive();
    for (typed, message) in [
        ("31/12/2030", "The expiry date is not a date (YYYY-MM-DD)."),
        (&*today.to_string(), "The expiry must be later than now."),
        ("2999-01-01", "The expiry is more than ten years away."),
    ] {
        admin.get(&format!("{base}?dialog=add")).await;
        let page = admin
            .post(
                &format!("{base}/add"),
                &[("label", "Dated"), ("expires", typed)],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{typed}");
        assert!(page.contains(message), "{typed}");
        assert!(page.contains(&format!("value=\"{typed}\"")), "{typed}");
        assert_eq!(count(&app), 0, "{typed}");
    }

    // A date ahead: stored as 00:00 UTC that day and shown on the list.
    let day = today + chrono::Duration::days(30);
    admin.get(&format!("{base}?dialog=add")).await;
    admin
        .post(
            &format!("{base}/add"),
            &[("label", "Dated"), ("expires", &day.to_string())],
        )
        .await
        .assert_redirect(base);
    let stored: Option<chrono::NaiveDateTime> = credentials::table
        .select(credentials::expires_at)
        .first(&mut app.db())
        .expect("row");
    assert_eq!(stored, Some(day.and_time(chrono::NaiveTime::MIN)));
    let expected = day.format("%-d %b %Y").to_string();
    assert!(
        admin
            .get(base)
            .await
            .contains(&format!("<span class=\"badge off\">Expires {expected}"))
    );

    // Within two weeks it is flagged.
    admin.get(&format!("{base}?dialog=add")).await;
    let soon = today + chrono::Duration::days(3);
    admin
        .post(
            &format!("{base}/add"),
            &[("label", "Soon"), ("expires", &soon.to_string())],
        )
        .await
        .assert_redirect(base);
    let soon_text = soon.format("%-d %b %Y").to_string();
    let page = admin.get(base).await;
    assert!(page.contains(&format!("<span class=\"badge change\">Expires {soon_text}")));

    // The staged tab keeps the date through Save; once past, the list says so.
    admin.get("/account/operators/1/api?dialog=add").await;
    admin
        .post(
            "/account/operators/1/api/add",
            &[("label", "Staged dated"), ("expires", &day.to_string())],
        )
        .await
        .assert_redirect("/account/operators/1/api");
    let page = app.save(&admin, 1).await;
    assert_eq!(page.body.matches(&format!("Expires {expected}")).count(), 2);
    diesel::update(credentials::table.filter(credentials::label.eq("Staged dated")))
        .set(credentials::expires_at.eq(Some(
            chrono::Utc::now().naive_utc() - chrono::Duration::hours(1),
        )))
        .execute(&mut app.db())
        .expect("update");
    let page = admin.get("/account/operators/1/api").await;
    assert!(page.contains(">Expired<"));
}

/// `count` saved keys for `owner`, labelled "Key 000", "Key 001", … with public ids
/// "K000000000000000", "K000000000000001", …, written straight to the database.
fn many_keys(app: &TestApp, owner: keyward::db::credentials::OwnerRef, count: usize) {
    many_keys_from(app, owner, count, 0);
}

fn many_keys_from(
    app: &TestApp,
    owner: keyward::db::credentials::OwnerRef,
    count: usize,
    start: usize,
) {
    use keyward::db::credentials::{NewCredentialInput, create};
    let mut conn = app.db();
    let now = chrono::Utc::now().naive_utc();
    for i in start..start + count {
        let (public_id, label) = (format!("K{i:015}"), format!("Key {i:03}"));
        let input = NewCredentialInput {
            account_id: 1,
            owner,
            public_id: &public_id,
            secret_hash: "not-a-hash",
            label: &label,
            created_by: None,
            expires_at: None,
            allowed_from: "",
            scopes: common::EVERY_KEYWARD_SCOPE,
            rate_limit: None,
            notify_new_network: None,
            canary: false,
        };
        create(&mut conn, &input, now).expect("key");
    }
}

#[tokio::test]
async fn long_key_lists_are_paged_and_searchable() {
    use keyward::db::credentials::OwnerRef;
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    many_keys(&app, OwnerRef::Operator(1), 120);
    let base = "/profile/api-credentials";

    let first = admin.get(base).await;
    assert!(first.contains("1–50 of 120"), "{}", first.body);
    assert!(first.contains(">Key 000<") && first.contains(">Key 049<"));
    assert!(!first.contains(">Key 050<"));
    // Askama writes `&` as `&#38;`.
    assert!(first.contains("?q=&#38;page=2\" rel=\"next\""));

    let last = admin.get(&format!("{base}?page=3")).await;
    assert!(last.contains("101–120 of 120"));
    assert!(last.contains(">Key 119<") && !last.contains(">Key 099<"));
    assert!(!last.contains("rel=\"next\""));
    // Past the end: the last page; not a number: a clear 400.
    assert!(
        admin
            .get(&format!("{base}?page=99"))
            .await
            .contains("101–120 of 120")
    );
    assert_eq!(
        admin.get(&format!("{base}?page=abc")).await.status,
        StatusCode::BAD_REQUEST
    );

    // Search: part of a label in any case, or the start of a public id; LIKE wildcards
    // typed are literal.
    let by_label = admin.get(&format!("{base}?q=key+07")).await;
    assert!(by_label.contains("1–10 of 10"), "{}", by_label.body);
    assert!(by_label.contains(">Key 070<") && by_label.contains(">Key 079<"));
    let by_id = admin.get(&format!("{base}?q=K00000000000001")).await;
    assert!(by_id.contains("1–10 of 10"));
    assert!(by_id.contains(">Key 010<") && !by_id.contains(">Key 020<"));
    // A search has pages too; one past its end shows its last page.
    let second_of_search = admin.get(&format!("{base}?q=key+0&page=2")).await;
    assert!(
        second_of_search.contains("51–100 of 100"),
        "{}",
        second_of_search.body
    );
    assert!(second_of_search.contains(">Key 099<") && !second_of_search.contains(">Key 049<"));
    let past_end = admin.get(&format!("{base}?q=key+07&page=5")).await;
    assert!(past_end.contains("1–10 of 10") && past_end.contains(">Key 075<"));
    let too_long = admin.get(&format!("{base}?q={}", "k".repeat(101))).await;
    assert_eq!(too_long.status, StatusCode::BAD_REQUEST);
    assert!(too_long.contains("The search is too long"));
    // A whole token pasted in (without the script) is sent on to a search by its public id,
    // so the secret leaves the address bar and is never echoed.
    let secret = "S".repeat(32);
    admin
        .get(&format!("{base}?q=kwd_K000000000000007_{secret}"))
        .await
        .assert_redirect(&format!("{base}?q=K000000000000007&page=1"));
    let by_id = admin
        .get(&format!("{base}?q=K000000000000007&page=1"))
        .await;
    assert!(by_id.contains("1–1 of 1") && by_id.contains(">Key 007<"));
    assert!(!by_id.contains(&secret));
    for literal in ["%25", "_", "Key+0%25"] {
        let none = admin.get(&format!("{base}?q={literal}")).await;
        assert!(none.contains("No key matches this search."), "{literal}");
    }

    // A dialog opened from page 2 keeps the page (and finds the row there).
    let second = admin.get(&format!("{base}?page=2")).await;
    let link = "?dialog=edit&amp;row=K000000000000060&#38;q=&#38;page=2";
    assert!(second.contains(link));
    let dialog = admin
        .get(&format!(
            "{base}?dialog=edit&row=K000000000000060&q=&page=2"
        ))
        .await;
    assert_eq!(dialog.status, StatusCode::OK);
    assert!(dialog.contains("id=\"edit-dialog\"") && dialog.contains("value=\"Key 060\""));

    // A change made on page 2 comes back to page 2 (the form's action carries the position).
    assert!(dialog.contains("/K000000000000060/rename?q=&#38;page=2\""));
    admin
        .post(
            &format!("{base}/K000000000000060/rename?q=&page=2"),
            &[("label", "Key 060 renamed")],
        )
        .await
        .assert_redirect(&format!("{base}?q=&page=2"));
    let back = admin.get(&format!("{base}?q=&page=2")).await;
    assert!(back.contains(">Key 060 renamed<") && back.contains("51–100 of 120"));
    // On the first page of the whole list, actions carry nothing.
    assert!(first.contains("?dialog=edit&amp;row=K000000000000001\""));

    // The staged tab: a staged key shows on the last page, after the saved ones.
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    many_keys_from(&app, OwnerRef::Operator(bob), 60, 1000);
    app.stage_api_user(&admin, bob, "Staged one").await;
    let tab = format!("/account/operators/{bob}/api");
    assert!(!admin.get(&tab).await.contains("Staged one"));
    let page = admin.get(&format!("{tab}?page=2")).await;
    assert!(page.contains("Staged one") && page.contains("51–60 of 60"));
    assert!(app.assert_key_counts_agree() >= 60);
}

#[tokio::test]
async fn a_draft_applied_again_after_its_save_committed_adds_nothing_twice() {
    use diesel::prelude::*;
    use keyward::db::schema::{audit_events as a, credentials as c, web_sessions as w};
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let tab = format!("/account/operators/{bob}/api");
    let staged = app.stage_api_user(&admin, bob, "Twice?").await;
    // The session as it was before Save: as if Save committed and the answer (with the
    // session that no longer holds the draft) never reached the browser.
    let mut conn = app.db();
    let (id, state): (String, String) = w::table
        .filter(w::state.like("%draft:operator%"))
        .select((w::id, w::state))
        .first(&mut conn)
        .expect("the session with the draft");
    app.save(&admin, bob).await;
    diesel::update(w::table.find(&id))
        .set(w::state.eq(&state))
        .execute(&mut conn)
        .expect("restore");
    // The tab shows the draft as stale; re-applying it and saving adds nothing twice.
    admin.get(&tab).await;
    admin
        .post(&format!("{tab}/rebase"), &[])
        .await
        .assert_redirect(&tab);
    admin.get(&tab).await;
    let page = admin.post(&format!("{tab}/save"), &[]).await;
    assert_ne!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    page.assert_redirect(&tab);
    let keys: i64 = c::table
        .filter(c::public_id.eq(&staged.username))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(keys, 1);
    let created: i64 = a::table
        .filter(a::action.eq("credential.created"))
        .filter(a::target_id.eq(&staged.username))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(created, 1);
}

#[tokio::test]
async fn the_journal_reads_by_time_and_an_owners_page_lists_their_keys_events() {
    use keyward::db::audit::{self, Action, Actor, Filter, Target};
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let key = app.stage_api_user(&admin, bob, "Nightly backup").await;
    app.save(&admin, bob).await;

    // Bob's page shows what happened to his keys, not only to him.
    let page = admin.get(&format!("/account/operators/{bob}")).await;
    assert!(page.contains("credential.created"), "{}", page.body);
    assert!(page.contains(&key.username));

    // A row written late for an earlier time (a window of failed authentications is
    // journalled when it closes, with the time it began) sits by its time, and paging
    // by keyset shows every row once.
    let mut conn = app.db();
    let actor = Actor::named_system("Test", None, Some(1));
    let target = |n: usize| Target {
        kind: "audit",
        name: format!("row {n}"),
        ..Target::default()
    };
    let base = chrono::Utc::now().naive_utc() + chrono::Duration::days(1);
    for n in 0..5 {
        let at = base + chrono::Duration::minutes(n as i64);
        audit::record(&mut conn, &actor, at, Action::AuditPruned, &target(n), &[]).expect("row");
    }
    let late = base - chrono::Duration::minutes(30);
    audit::record(
        &mut conn,
        &actor,
        late,
        Action::AuditPruned,
        &target(99),
        &[],
    )
    .expect("row");

    let mut seen = Vec::new();
    let mut filter = Filter::default();
    loop {
        let rows = audit::search(&mut conn, 1, &filter, 2).expect("page");
        let Some(last) = rows.last() else { break };
        filter.before = Some(last.id);
        seen.extend(rows.iter().map(|r| (r.at, r.target_name.clone())));
    }
    let times: Vec<_> = seen.iter().map(|(at, _)| *at).collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first by time");
    let names: Vec<_> = seen.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(
        &names[..6],
        ["row 4", "row 3", "row 2", "row 1", "row 0", "row 99"]
    );
    let total: i64 = keyward::db::schema::audit_events::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(seen.len() as i64, total, "each row once");
}

/// A key made in My profile by a signed-in visitor; returns its public id.
async fn own_key(visitor: &common::Visitor, label: &str) -> String {
    visitor.get("/profile/api-credentials").await;
    visitor
        .post("/profile/api-credentials/add", &[("label", label)])
        .await
        .assert_redirect("/profile/api-credentials");
    visitor
        .get("/profile/api-credentials")
        .await
        .input_value("reveal-username")
        .expect("the new key's id")
}

#[tokio::test]
async fn every_key_has_its_own_page_under_its_list() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bob_id = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let bob = common::signed_in(&app, "bob@example.org").await;
    let label = "<b>Deploys</b> \u{202E}evil";
    let bobs = own_key(&bob, label).await;
    let adas = own_key(&admin, "Ada's own").await;

    // From the list to the page: the label links to it.
    let list = bob.get("/profile/api-credentials").await;
    assert!(
        list.contains(&format!("href=\"/profile/api-credentials/{bobs}\"")),
        "{}",
        list.body
    );
    let page = bob.get(&format!("/profile/api-credentials/{bobs}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains(&bobs) && page.contains("Bob Builder"));
    assert!(
        page.contains("Deploys") && !page.contains("<b>Deploys"),
        "escaped"
    );
    assert!(page.contains("Not yet used"));
    // Bob has no Audit / Read: no journal.
    assert!(!page.contains("credential.created"));
    // Somebody else's key is not found under my profile.
    let other = bob.get(&format!("/profile/api-credentials/{adas}")).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);

    // The administrator sees Bob's key under Bob's API management tab, with its journal.
    let tab = format!("/account/operators/{bob_id}/api");
    assert!(
        admin
            .get(&tab)
            .await
            .contains(&format!("href=\"{tab}/{bobs}\""))
    );
    let page = admin.get(&format!("{tab}/{bobs}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("credential.created"), "{}", page.body);
    assert!(page.contains(&format!("href=\"{tab}\"")));
    // Ada's key under Bob's tab, or an unknown one: not found.
    for wrong in [adas.as_str(), "AAAAAAAAAAAAAAAA"] {
        assert_eq!(
            admin.get(&format!("{tab}/{wrong}")).await.status,
            StatusCode::NOT_FOUND
        );
    }
    // Bob may not read operators: the tab's key page is refused like the tab.
    assert_eq!(
        bob.get(&format!("/account/operators/1/api/{adas}"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // A machine's key, under the machine.
    admin.get("/rights/machines").await;
    let machine = admin
        .post(
            "/rights/machines",
            &[("name", "Runner"), ("description", "")],
        )
        .await
        .location()
        .expect("machine")
        .to_owned();
    admin
        .post(&format!("{machine}/add"), &[("label", "Runner key")])
        .await;
    let page = admin.get(&machine).await;
    let key = page
        .input_value("reveal-username")
        .expect("the machine key's id");
    assert!(page.contains(&format!("href=\"{machine}/keys/{key}\"")));
    let key_page = admin.get(&format!("{machine}/keys/{key}")).await;
    assert_eq!(key_page.status, StatusCode::OK);
    assert!(key_page.contains("Runner key") && key_page.contains("Ada Admin"));
    assert_eq!(
        admin.get(&format!("{machine}/keys/{bobs}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        bob.get(&format!("{machine}/keys/{key}")).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_key_is_rolled_watched_and_retired_from_its_page() {
    // The page calls the old secret safe to retire after 10 quiet minutes here.
    let app = TestApp::spawn_with(|s| s.roll_quiet_minutes = 10).await;
    let admin = app.admin().await;
    let id = own_key(&admin, "Nightly sync").await;
    let page_url = format!("/profile/api-credentials/{id}");
    let old = {
        // The first secret, as a program holds it: through the API's own view of the key.
        let page = admin.get("/profile/api-credentials").await;
        assert!(
            page.input_value("reveal-token").is_none(),
            "shown once only"
        );
        let registered: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/api/v1/credentials/{id}/roll", app.base))
            .basic_auth(ADMIN_EMAIL, Some(ADMIN_PASSWORD))
            .json(&serde_json::json!({}))
            .send()
            .await
            .expect("roll")
            .json()
            .await
            .expect("json");
        assert_eq!(
            registered["error"], "invalid_credentials",
            "a password is no key"
        );
        let page = admin.get(&page_url).await;
        assert!(page.contains("This key has kept its first secret."));
        // Roll once with no grace to learn a secret the test holds.
        admin
            .post(&format!("{page_url}/roll"), &[("grace", "PT0S")])
            .await
            .assert_redirect(&page_url);
        // Another page opened first (another tab) does not destroy the secret meant here.
        assert!(
            admin
                .get("/profile/api-credentials")
                .await
                .input_value("reveal-token")
                .is_none()
        );
        admin
            .get(&page_url)
            .await
            .input_value("reveal-token")
            .expect("the new secret, once")
    };
    let works = |token: String| {
        let base = app.base.clone();
        async move {
            reqwest::Client::new()
                .get(format!("{base}/api/v1/whoami"))
                .bearer_auth(token)
                .send()
                .await
                .expect("whoami")
                .status()
        }
    };
    assert_eq!(works(old.clone()).await, StatusCode::OK);

    // Rolled with 24 hours' grace: the new secret shown once, both work.
    admin
        .post(&format!("{page_url}/roll"), &[("grace", "PT24H")])
        .await
        .assert_redirect(&page_url);
    let page = admin.get(&page_url).await;
    let new = page.input_value("reveal-token").expect("shown once");
    assert!(
        admin
            .get(&page_url)
            .await
            .input_value("reveal-token")
            .is_none()
    );
    assert!(page.contains("Old secret accepted until"));
    assert_eq!(works(old.clone()).await, StatusCode::OK);
    assert_eq!(works(new.clone()).await, StatusCode::OK);
    // The old secret is seen in use; quiet for the setting's time, the page says it can go.
    // Noted by a task of its own after the response: waited for, not raced.
    common::eventually("the old secret's use on the page", || async {
        let page = admin.get(&page_url).await;
        page.contains("Old secret still in use") && page.contains("127.0.0.1")
    })
    .await;
    app.state.clock.advance(chrono::Duration::minutes(11));
    let page = admin.get(&page_url).await;
    assert!(page.contains("Safe to retire"), "{}", page.body);
    admin
        .post(&format!("{page_url}/roll/end"), &[])
        .await
        .assert_redirect(&page_url);
    assert_eq!(works(old).await, StatusCode::UNAUTHORIZED);
    assert_eq!(works(new).await, StatusCode::OK);
    assert!(admin.get(&page_url).await.contains("No longer (retired)"));

    // A machine's key: Bob, who may not manage machines, changes nothing; a forged window
    // is refused.
    app.create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    admin.get("/rights/machines").await;
    let machine = admin
        .post(
            "/rights/machines",
            &[("name", "Runner"), ("description", "")],
        )
        .await
        .location()
        .expect("machine")
        .to_owned();
    admin
        .post(&format!("{machine}/add"), &[("label", "Runner key")])
        .await;
    let key = admin
        .get(&machine)
        .await
        .input_value("reveal-username")
        .expect("key");
    let key_url = format!("{machine}/keys/{key}");
    let bob = common::signed_in(&app, "bob@example.org").await;
    bob.get("/profile/api-credentials").await;
    let before = app.fingerprint();
    let page = bob
        .post(&format!("{key_url}/roll"), &[("grace", "PT1H")])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let page = admin
        .post(&format!("{key_url}/roll"), &[("grace", "PT99H")])
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.fingerprint(), before, "nothing changed");
    admin
        .post(&format!("{key_url}/roll"), &[("grace", "P7D")])
        .await
        .assert_redirect(&key_url);
    assert!(
        admin
            .get(&key_url)
            .await
            .input_value("reveal-token")
            .is_some()
    );
    assert_ne!(app.fingerprint(), before);

    // Where a key may be used from, set on its page.
    let allowed = |id: &str| -> String {
        use keyward::db::schema::credentials as c;
        c::table
            .filter(c::public_id.eq(id))
            .select(c::allowed_from)
            .first(&mut app.db())
            .expect("row")
    };
    admin
        .post(
            &format!("{page_url}/allowlist"),
            &[("allowed_from", "203.0.113.0/24\r\n2001:db8::1")],
        )
        .await
        .assert_redirect(&page_url);
    assert_eq!(allowed(&id), "203.0.113.0/24 2001:db8::1/128");
    let page = admin.get(&page_url).await;
    assert!(page.contains("203.0.113.0/24") && page.contains("Used only from"));
    admin
        .post(
            &format!("{page_url}/allowlist"),
            &[("allowed_from", "not-an-address")],
        )
        .await
        .assert_redirect(&page_url);
    assert!(admin.get(&page_url).await.contains("Each entry must be"));
    assert_eq!(
        allowed(&id),
        "203.0.113.0/24 2001:db8::1/128",
        "a bad list changes nothing"
    );
    let page = bob
        .post(
            &format!("{key_url}/allowlist"),
            &[("allowed_from", "10.0.0.0/8")],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(allowed(&key), "");
}

#[tokio::test]
async fn a_roll_is_staged_on_the_tab_and_its_secret_shown_once_after_save() {
    use keyward::db::schema::{audit_events as a, credentials as c};
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let tab = format!("/account/operators/{bob}/api");
    let key = app.stage_api_user(&admin, bob, "CI deploys").await;
    let other = app.stage_api_user(&admin, bob, "Backup job").await;
    app.save(&admin, bob).await;
    let hash_of = |id: &str| -> (String, Option<String>) {
        c::table
            .filter(c::public_id.eq(id))
            .select((c::secret_hash, c::previous_secret_hash))
            .first(&mut app.db())
            .expect("row")
    };
    let before = hash_of(&key.username);

    // Staged: marked on the row, counted, and nothing changes before Save.
    let dialog = admin
        .get(&format!("{tab}?dialog=roll&row={}", key.username))
        .await;
    assert!(dialog.contains("id=\"roll-dialog\""), "{}", dialog.body);
    let roll = format!("{tab}/{}/roll", key.username);
    let forged = admin.post(&roll, &[("grace", "PT2H")]).await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST);
    admin
        .post(&roll, &[("grace", "PT1H")])
        .await
        .assert_redirect(&tab);
    let page = admin.get(&tab).await;
    assert!(
        page.contains("New password on Save; old one accepted for 1 hour"),
        "{}",
        page.body
    );
    assert!(page.contains("You have unsaved changes."));
    assert_eq!(hash_of(&key.username), before, "nothing before Save");
    assert_eq!(
        app.whoami(&key.username, &key.password).await.0,
        StatusCode::OK
    );
    // The draft in the session holds no secret, only which key and which window.
    let sessions: Vec<String> = keyward::db::schema::web_sessions::table
        .select(keyward::db::schema::web_sessions::state)
        .load(&mut app.db())
        .expect("sessions");
    assert!(sessions.iter().any(|s| s.contains("PT1H")));

    // Save rolls it: the new password shown once, on the tab; the old one works for the hour.
    let saved = app.save(&admin, bob).await;
    assert!(
        saved.contains("Note down the new passwords"),
        "{}",
        saved.body
    );
    assert_eq!(
        saved.input_value("reveal-username").as_deref(),
        Some(key.username.as_str())
    );
    let new = saved.input_value("reveal-secret").expect("the new secret");
    assert_ne!(new, key.password);
    assert!(
        saved.input_value("reveal-secret-2").is_none(),
        "one key rolled"
    );
    assert!(admin.get(&tab).await.input_value("reveal-secret").is_none());
    assert_eq!(admin.responses_containing(&new), 1);
    let (current, previous) = hash_of(&key.username);
    assert_ne!(current, before.0);
    assert_eq!(previous.as_deref(), Some(before.0.as_str()));
    assert_eq!(app.whoami(&key.username, &new).await.0, StatusCode::OK);
    assert_eq!(
        app.whoami(&key.username, &key.password).await.0,
        StatusCode::OK
    );
    let journal: Vec<String> = a::table
        .filter(a::target_id.eq(&key.username))
        .select(a::action)
        .load(&mut app.db())
        .expect("journal");
    assert!(
        journal.iter().any(|x| x == "credential.rolled"),
        "{journal:?}"
    );

    // While its old secret is accepted, a second roll is refused in the dialog.
    let again = admin.post(&roll, &[("grace", "PT0S")]).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.contains("still accepted"), "{}", again.body);
    assert!(!admin.get(&tab).await.contains("You have unsaved changes."));

    // The window ends: only the new secret works.
    app.state.clock.advance(chrono::Duration::minutes(61));
    let admin = app.visitor();
    admin
        .sign_in(common::ADMIN_EMAIL, common::ADMIN_PASSWORD)
        .await
        .assert_redirect("/");
    assert_eq!(
        app.whoami(&key.username, &key.password).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.whoami(&key.username, &new).await.0, StatusCode::OK);

    // Two administrators stage rolls of the same key; the second Save is refused and names
    // the roll, and nothing of it is applied (the first one's new secret stays the key's).
    let carol_id = app
        .create_operator(&admin, "Carol Admin", "carol@example.org", true)
        .await;
    assert!(carol_id > 0);
    let carol = app.visitor();
    carol
        .sign_in("carol@example.org", "operator-pass-1")
        .await
        .assert_redirect("/");
    let other_roll = format!("{tab}/{}/roll", other.username);
    for who in [&admin, &carol] {
        who.get(&tab).await;
        who.post(&other_roll, &[("grace", "PT0S")])
            .await
            .assert_redirect(&tab);
    }
    let carols = app.save(&carol, bob).await;
    let carols_secret = carols.input_value("reveal-secret").expect("Carol's");
    let after_carol = hash_of(&other.username);
    admin
        .post(&format!("{tab}/save"), &[])
        .await
        .assert_redirect(&tab);
    let page = admin.get(&tab).await;
    assert!(page.input_value("reveal-secret").is_none());
    assert!(
        page.contains(&format!(
            "Rolled meanwhile (a new password): Backup job ({})",
            other.username
        )),
        "{}",
        page.body
    );
    assert_eq!(hash_of(&other.username), after_carol);
    assert_eq!(
        app.whoami(&other.username, &carols_secret).await.0,
        StatusCode::OK
    );
    assert_eq!(
        app.whoami(&other.username, &other.password).await.0,
        StatusCode::UNAUTHORIZED,
        "no grace was asked"
    );
    admin.post(&format!("{tab}/cancel"), &[]).await;

    // A key rolled and deleted by the same Save is deleted, and no secret is shown.
    admin.get(&tab).await;
    admin
        .post(&other_roll, &[("grace", "PT0S")])
        .await
        .assert_redirect(&tab);
    admin
        .post(&format!("{tab}/{}/delete", other.username), &[])
        .await;
    let page = app.save(&admin, bob).await;
    assert!(page.input_value("reveal-secret").is_none());
    assert_eq!(
        app.whoami(&other.username, &carols_secret).await.0,
        StatusCode::UNAUTHORIZED
    );

    // A staged key has nothing to roll; another operator's id is not found.
    let staged = app.stage_api_user(&admin, bob, "Staged").await;
    let refused = admin
        .post(
            &format!("{tab}/{}/roll", staged.username),
            &[("grace", "PT0S")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.contains("not saved yet"), "{}", refused.body);
    admin.get(&tab).await;
    let unknown = admin
        .post(
            &format!("{tab}/ZZZZZZZZZZZZZZZZ/roll"),
            &[("grace", "PT0S")],
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_delegate_cannot_roll_the_keys_of_someone_who_holds_more() {
    use keyward::db::schema::credentials as c;
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let eve = app
        .create_operator(&admin, "Eve Delegate", "eve@example.org", false)
        .await;
    common::group(&admin, "Delegates", &["operators.write"], &[eve]).await;
    let carol = app
        .create_operator(&admin, "Carol Admin", "carol@example.org", true)
        .await;
    let key = app.stage_api_user(&admin, carol, "Carol's deploys").await;
    app.save(&admin, carol).await;
    let hash = || -> String {
        c::table
            .filter(c::public_id.eq(&key.username))
            .select(c::secret_hash)
            .first(&mut app.db())
            .expect("row")
    };
    let before = hash();
    let eve = common::signed_in(&app, "eve@example.org").await;
    let tab = format!("/account/operators/{carol}/api");
    eve.get(&tab).await;
    let refused = eve
        .post(
            &format!("{tab}/{}/roll", key.username),
            &[("grace", "PT0S")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let refused = eve.post(&format!("{tab}/save"), &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(hash(), before);
    assert_eq!(
        app.whoami(&key.username, &key.password).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn five_rolls_fit_one_save_and_their_secrets_one_cookie() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let tab = format!("/account/operators/{bob}/api");
    // The longest labels there are, in four-byte characters: the worst case for the cookie.
    let label = "🚀".repeat(100);
    let mut keys = Vec::new();
    for _ in 0..6 {
        keys.push(app.stage_api_user(&admin, bob, &label).await);
    }
    app.save(&admin, bob).await;
    admin.get(&tab).await;
    for k in &keys[..5] {
        admin
            .post(&format!("{tab}/{}/roll", k.username), &[("grace", "PT0S")])
            .await
            .assert_redirect(&tab);
    }
    let sixth = admin
        .post(
            &format!("{tab}/{}/roll", keys[5].username),
            &[("grace", "PT0S")],
        )
        .await;
    assert_eq!(sixth.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(sixth.contains("At most 5 keys"), "{}", sixth.body);
    admin.get(&tab).await;
    let saved = admin.post(&format!("{tab}/save"), &[]).await;
    saved.assert_redirect(&tab);
    // Browsers keep a cookie of at most 4096 bytes (name, value and attributes).
    let cookie = saved
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("keyward_reveal="))
        .expect("the reveal cookie");
    println!("reveal cookie of five rolls: {} bytes", cookie.len());
    assert!(cookie.len() <= 4096, "{} bytes", cookie.len());
    let page = admin.get(&tab).await;
    for (i, k) in keys[..5].iter().enumerate() {
        let n = if i == 0 {
            String::new()
        } else {
            format!("-{}", i + 1)
        };
        let secret = page
            .input_value(&format!("reveal-secret{n}"))
            .expect("each new secret");
        assert_eq!(
            page.input_value(&format!("reveal-username{n}")).as_deref(),
            Some(k.username.as_str())
        );
        assert_eq!(app.whoami(&k.username, &secret).await.0, StatusCode::OK);
        assert_eq!(
            app.whoami(&k.username, &k.password).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        app.whoami(&keys[5].username, &keys[5].password).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_new_network_notice_is_turned_off_and_on_on_the_key_page() {
    use keyward::db::schema::credentials as c;
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let id = own_key(&admin, "Laptop script").await;
    let page_url = format!("/profile/api-credentials/{id}");
    let notify = || -> bool {
        c::table
            .filter(c::public_id.eq(&id))
            .select(c::notify_new_network)
            .first(&mut app.db())
            .expect("row")
    };
    let page = admin.get(&page_url).await;
    assert!(page.contains("Mailed to the owner"), "{}", page.body);
    assert!(page.contains(r#"name="notify_new_network" value="on" checked"#));
    assert!(notify());
    // Unchecked: off (the hidden field says the box was on the form).
    admin
        .post(
            &format!("{page_url}/allowlist"),
            &[("allowed_from", ""), ("notice_field", "1")],
        )
        .await
        .assert_redirect(&page_url);
    assert!(!notify());
    assert!(admin.get(&page_url).await.contains("Not told"));
    // A form without the box (an older page) leaves it as it is.
    admin
        .post(&format!("{page_url}/allowlist"), &[("allowed_from", "")])
        .await
        .assert_redirect(&page_url);
    assert!(!notify());
    admin.get(&page_url).await;
    admin
        .post(
            &format!("{page_url}/allowlist"),
            &[
                ("allowed_from", ""),
                ("notice_field", "1"),
                ("notify_new_network", "on"),
            ],
        )
        .await
        .assert_redirect(&page_url);
    assert!(notify());
}

#[tokio::test]
async fn a_canary_key_is_made_in_my_profile_and_marked_wherever_it_shows() {
    use keyward::db::schema::credentials as c;
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let dialog = admin.get("/profile/api-credentials?dialog=add").await;
    assert!(dialog.contains(r#"name="canary""#), "{}", dialog.body);
    // A refused Add keeps the box as it was.
    let refused = admin
        .post(
            "/profile/api-credentials/add",
            &[("label", "   "), ("canary", "on")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains(r#"name="canary" value="on" checked"#));
    admin
        .post(
            "/profile/api-credentials/add",
            &[("label", "Tripwire"), ("canary", "on")],
        )
        .await
        .assert_redirect("/profile/api-credentials");
    let list = admin.get("/profile/api-credentials").await;
    let id = list.input_value("reveal-username").expect("shown once");
    let secret = list.input_value("reveal-secret").expect("shown once");
    assert!(list.contains("Canary: never works"));
    let canary: bool = c::table
        .filter(c::public_id.eq(&id))
        .select(c::canary)
        .first(&mut app.db())
        .expect("row");
    assert!(canary);
    assert_eq!(app.whoami(&id, &secret).await.0, StatusCode::UNAUTHORIZED);
    let page = admin.get(&format!("/profile/api-credentials/{id}")).await;
    assert!(page.contains("Canary: never works"));
    // The API management tab has no such box: a staged key is never a canary.
    let tab = admin.get("/account/operators/1/api?dialog=add").await;
    assert!(!tab.contains(r#"name="canary""#));
}
