//! Groups and permissions decide who may do what; every operator manages their own keys
//! (My profile → API credentials); machines own keys (Rights management → Machines).

mod common;

use common::TestApp;
use diesel::prelude::*;
use reqwest::StatusCode;

use common::{group, signed_in};

#[tokio::test]
async fn the_permission_matrix_is_enforced_on_every_page_and_form() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bob_id = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let bob = signed_in(&app, "bob@example.org").await;

    // No group: no menu entries, and 403 naming the permission on every protected page.
    let home = bob.get("/profile/api-credentials").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(!home.contains("href=\"/account\""));
    assert!(!home.contains("href=\"/rights/machines\""));
    for (path, permission) in [
        ("/account", "Account setup / Operators / Read"),
        ("/account/operators", "Account setup / Operators / Read"),
        ("/account/operators/1", "Account setup / Operators / Read"),
        (
            "/account/operators/1/api",
            "Account setup / Operators / Read",
        ),
        ("/account/groups/1", "Account setup / Operators / Read"),
        ("/rights/machines", "Rights management / Machines / Read"),
    ] {
        let page = bob.get(path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.contains(permission), "{path} names {permission}");
    }
    for (path, form) in [
        (
            "/account/operators",
            vec![
                ("name", "X"),
                ("email", "x@example.org"),
                ("password", "0123456789a"),
                ("password_confirm", "0123456789a"),
            ],
        ),
        ("/account/operators/1/api/add", vec![("label", "sneaky")]),
        ("/account/groups", vec![("name", "Sneaky")]),
        ("/account/groups/1/members", vec![("operator_id", "2")]),
        ("/rights/machines", vec![("name", "Sneaky machine")]),
    ] {
        let page = bob.post(path, &form).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert!(
        !admin
            .get("/account/operators")
            .await
            .contains("x@example.org")
    );
    assert!(!admin.get("/rights/machines").await.contains("Sneaky"));
    assert!(!admin.get("/account").await.contains("Sneaky"));

    // Machines / Write: the machines pages and forms work; operators still do not.
    group(&admin, "Machine keepers", &["machines.write"], &[bob_id]).await;
    let page = bob.get("/rights/machines").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.contains("href=\"/rights/machines\""),
        "menu entry shown"
    );
    assert!(!page.contains("href=\"/account\""));
    bob.get("/rights/machines?dialog=new").await;
    let created = bob
        .post(
            "/rights/machines",
            &[("name", "CI runner"), ("description", "GitLab")],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    assert_eq!(
        bob.get("/account/operators").await.status,
        StatusCode::FORBIDDEN
    );

    // Operators / Read: the operator pages show, but nothing can be staged or saved.
    let carol_id = app
        .create_operator(&admin, "Carol Reader", "carol@example.org", false)
        .await;
    group(&admin, "Auditors", &["operators.read"], &[carol_id]).await;
    let carol = signed_in(&app, "carol@example.org").await;
    let tab = carol.get("/account/operators/1/api").await;
    assert_eq!(tab.status, StatusCode::OK);
    assert!(
        !tab.contains("/api/save"),
        "no Save without Operators / Write"
    );
    assert_eq!(
        carol
            .post("/account/operators/1/api/add", &[("label", "x")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        carol
            .post("/account/operators/1/api/save", &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        carol.get("/rights/machines").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn nobody_sees_or_touches_another_operators_key() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let bob = signed_in(&app, "bob@example.org").await;

    // Ada's own key, made on her profile page.
    admin.get("/profile/api-credentials").await;
    let made = admin
        .post("/profile/api-credentials/add", &[("label", "Ada's laptop")])
        .await;
    made.assert_redirect("/profile/api-credentials");
    let page = admin.get("/profile/api-credentials").await;
    let ada_id = page.input_value("reveal-username").expect("revealed");
    let ada_secret = page.input_value("reveal-secret").expect("revealed");

    let bobs_page = bob.get("/profile/api-credentials").await;
    assert!(!bobs_page.contains(&ada_id));
    assert!(
        !bob.get(&format!(
            "/profile/api-credentials?dialog=edit&row={ada_id}"
        ))
        .await
        .contains(&ada_id)
    );
    for action in ["rename", "delete"] {
        let page = bob
            .post(
                &format!("/profile/api-credentials/{ada_id}/{action}"),
                &[("label", "mine")],
            )
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{action}");
        let unknown = bob
            .post(
                &format!("/profile/api-credentials/NoSuchKey0000000/{action}"),
                &[("label", "mine")],
            )
            .await;
        assert_eq!(
            unknown.status, page.status,
            "no way to tell an existing key from a missing one"
        );
    }
    let (status, me) = app.whoami(&ada_id, &ada_secret).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["credential"]["label"], "Ada's laptop");
}

#[tokio::test]
async fn my_profile_api_credentials_as_seeds_001_and_003() {
    let app = TestApp::spawn_with(|s| s.public_url = "https://keys.example.org".into()).await;
    let admin = app.admin().await;
    app.create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let bob = signed_in(&app, "bob@example.org").await;
    let page = bob.get("/profile/api-credentials").await;
    assert!(
        page.contains("value=\"https://keys.example.org/api/v1\""),
        "endpoint URL from KEYWARD_PUBLIC_URL"
    );
    assert!(page.contains("data-copy=\"endpoint-url\""));
    assert!(page.contains("href=\"/api/docs\""));
    assert!(page.contains("One key per application is recommended."));
    assert!(page.contains("You have no API key yet."));

    // Generate → name → the key, masked, exactly once.
    let dialog = bob.get("/profile/api-credentials?dialog=add").await;
    assert!(dialog.contains("Generate an API key"));
    bob.post("/profile/api-credentials/add", &[("label", "Terraform")])
        .await
        .assert_redirect("/profile/api-credentials");
    let page = bob.get("/profile/api-credentials").await;
    let token = page.input_value("reveal-token").expect("revealed");
    assert!(
        page.body.contains(
            "id=\"reveal-token\" class=\"mono needs-script\" dir=\"ltr\" type=\"password\""
        ),
        "masked until the eye is used"
    );
    let again = bob.get("/profile/api-credentials").await;
    assert!(!again.contains(&token));
    assert_eq!(bob.responses_containing(&token), 1);
    assert_eq!(
        app.whoami_bearer(&token).await.0,
        StatusCode::OK,
        "works at once, no Save step"
    );

    // Used: IP of the last client and time of last use.
    common::eventually("last use shows", || async {
        bob.get("/profile/api-credentials")
            .await
            .contains("<code dir=\"ltr\">127.0.0.1</code>")
    })
    .await;

    // Rename keeps it working; revoke asks first, then refuses it on the next call.
    let id = token.split('_').nth(1).expect("id").to_owned();
    bob.post(
        &format!("/profile/api-credentials/{id}/rename"),
        &[("label", "Terraform (prod)")],
    )
    .await;
    let (status, me) = app.whoami_bearer(&token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["credential"]["label"], "Terraform (prod)");
    let confirm = bob
        .get(&format!("/profile/api-credentials?dialog=delete&row={id}"))
        .await;
    assert!(confirm.contains("Revoke this key?"));
    bob.post(&format!("/profile/api-credentials/{id}/delete"), &[])
        .await
        .assert_redirect("/profile/api-credentials");
    let (status, body) = app.whoami_bearer(&token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_credentials");

    // In French, as seed 003 words it.
    let fr = app.visitor_fr();
    fr.sign_in("bob@example.org", "operator-pass-1").await;
    let page = fr.get("/profile/api-credentials").await;
    assert!(page.contains("Identifiants d") && page.contains("Générer une clé d"));
    fr.post("/profile/api-credentials/add", &[("label", "x")])
        .await;
    let page = fr.get("/profile/api-credentials").await;
    assert!(page.contains("Révoquer"));
}

#[tokio::test]
async fn machine_api_keys_as_seed_004() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    admin.get("/rights/machines").await;
    let created = admin
        .post(
            "/rights/machines",
            &[("name", "Backup robot"), ("description", "Nightly backups")],
        )
        .await;
    let url = created.location().expect("location").to_owned();
    let id: i32 = url.rsplit('/').next().expect("id").parse().expect("id");

    let page = admin.get(&url).await;
    assert!(page.contains("API keys"));
    assert!(page.contains("No API key associated with this machine"));
    let fr = app.visitor_fr();
    fr.sign_in(common::ADMIN_EMAIL, common::ADMIN_PASSWORD)
        .await;
    assert!(
        fr.get(&url)
            .await
            .contains("Aucune clé API associée à cette machine")
    );

    // Create API key → label → the value once, with Copy.
    assert!(
        admin
            .get(&format!("{url}?dialog=add"))
            .await
            .contains("Create API key")
    );
    admin
        .post(&format!("{url}/add"), &[("label", "Backup job")])
        .await
        .assert_redirect(&url);
    let page = admin.get(&url).await;
    let token = page.input_value("reveal-token").expect("shown once");
    assert!(page.contains("data-copy=\"reveal-token\""));
    assert!(!admin.get(&url).await.contains(&token), "never again");
    let key_id = token.split('_').nth(1).expect("id").to_owned();
    let page = admin.get(&url).await;
    assert!(page.contains("Backup job") && page.contains(">Active<"));
    let (status, me) = app.whoami_bearer(&token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["owner"]["kind"], "machine");
    assert_eq!(me["owner"]["id"], id);

    // Pencil → Label and Active → Save: deactivation rejects at once, reactivation restores
    // the same value; editing never changes the value.
    let modal = admin.get(&format!("{url}?dialog=edit&row={key_id}")).await;
    assert!(modal.contains("role=\"switch\""));
    admin
        .post(
            &format!("{url}/{key_id}/edit"),
            &[("label", "Backup job (paused)")],
        )
        .await
        .assert_redirect(&url);
    assert!(admin.get(&url).await.contains(">Inactive<"));
    assert_eq!(app.whoami_bearer(&token).await.0, StatusCode::UNAUTHORIZED);
    assert!(admin.get("/rights/machines").await.contains(">0 / 1<"));
    admin
        .post(
            &format!("{url}/{key_id}/edit"),
            &[("label", "Backup job"), ("active", "true")],
        )
        .await;
    assert_eq!(app.whoami_bearer(&token).await.0, StatusCode::OK);

    // Deleting the machine asks first, says how many active keys stop, removes its keys.
    admin
        .post(&format!("{url}/add"), &[("label", "Second")])
        .await;
    assert!(admin.get("/rights/machines").await.contains(">2 / 2<"));
    assert_eq!(app.assert_key_counts_agree(), 2);
    let confirm = admin.get(&format!("{url}?dialog=delete-machine")).await;
    assert!(confirm.contains("Active API keys that will stop working: <strong>2</strong>"));
    admin
        .post(&format!("{url}/delete"), &[])
        .await
        .assert_redirect("/rights/machines");
    assert_eq!(app.whoami_bearer(&token).await.0, StatusCode::UNAUTHORIZED);
    use keyward::db::schema::credentials;
    let left: i64 = credentials::table
        .filter(credentials::machine_id.eq(id))
        .count()
        .get_result(&mut app.db())
        .expect("count");
    assert_eq!(left, 0);
    assert_eq!(admin.get(&url).await.status, StatusCode::NOT_FOUND);
    app.assert_key_counts_agree();
}

#[tokio::test]
async fn groups_administrators_is_built_in() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let page = admin.get("/account/groups/1").await;
    assert!(page.contains("Administrators is built in"));
    // Not deletable, not renamable, not emptied of its last member.
    assert_eq!(
        admin.post("/account/groups/1/delete", &[]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        admin
            .post("/account/groups/1/rename", &[("name", "Root")])
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let page = admin.post("/account/groups/1/members/1/remove", &[]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("at least one member"));
    assert_eq!(
        admin.get("/account").await.status,
        StatusCode::OK,
        "still an administrator"
    );

    // An ordinary group: create, rename, duplicate name refused, permissions, delete.
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    let id = group(&admin, "Support", &["audit.read", "machines.read"], &[bob]).await;
    let page = admin.get(&format!("/account/groups/{id}")).await;
    assert!(page.contains("value=\"audit.read\" aria-label=\"Audit / Read\" checked"));
    assert!(page.contains("Bob Builder"));
    assert_eq!(
        admin
            .post("/account/groups", &[("name", "Support")])
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    admin
        .post(
            &format!("/account/groups/{id}/rename"),
            &[("name", "Helpdesk")],
        )
        .await;
    assert!(admin.get("/account").await.contains("Helpdesk"));
    admin
        .post(&format!("/account/groups/{id}/members/{bob}/remove"), &[])
        .await;
    let members = admin.get(&format!("/account/groups/{id}")).await;
    assert!(
        !members.contains(&format!("href=\"/account/operators/{bob}\"")),
        "no longer a member"
    );
    assert!(members.contains("No member yet."));
    admin
        .post(&format!("/account/groups/{id}/delete"), &[])
        .await
        .assert_redirect("/account");
    assert_eq!(
        admin.get(&format!("/account/groups/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    // The French permission names follow seed 004.
    let fr = app.visitor_fr();
    fr.sign_in(common::ADMIN_EMAIL, common::ADMIN_PASSWORD)
        .await;
    assert!(
        fr.get("/account/groups/1")
            .await
            .contains("Gestion des droits / Machines / Écriture")
    );
}

#[tokio::test]
async fn api_credentials_follow_the_owners_permissions() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let bob = app
        .create_operator(&admin, "Bob Builder", "bob@example.org", false)
        .await;
    group(&admin, "Machine keepers", &["machines.write"], &[bob]).await;
    admin.get("/rights/machines").await;
    let machine = admin
        .post("/rights/machines", &[("name", "Robot")])
        .await
        .location()
        .expect("loc")
        .rsplit('/')
        .next()
        .expect("id")
        .to_owned();
    let bob_v = signed_in(&app, "bob@example.org").await;
    bob_v.get("/profile/api-credentials").await;
    bob_v
        .post(
            "/profile/api-credentials/add",
            &[
                ("label", "Bob's automation"),
                (
                    "scopes",
                    "keyward:credentials:read keyward:credentials:write keyward:machines:read",
                ),
            ],
        )
        .await;
    let token = bob_v
        .get("/profile/api-credentials")
        .await
        .input_value("reveal-token")
        .expect("token");
    let client = reqwest::Client::new();
    // Machines / Write: may create a machine's key through the API …
    let res = client
        .post(format!("{}/api/v1/credentials", app.base))
        .bearer_auth(&token)
        .json(&serde_json::json!({"label": "From the API", "owner": format!("machine:{machine}")}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::CREATED);
    // … but not an operator's.
    let res = client
        .get(format!("{}/api/v1/credentials?owner=operator:1", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
