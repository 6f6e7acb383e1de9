//! The permission walk: every form of the console and every call of the API that changes
//! something, tried by four actors — the administrator, a delegate with only *Operators /
//! Write*, one with only *Machines / Write*, and an operator with no permission. For each, the
//! **effect** is asserted: an allowed request changed the database, a refused one changed
//! nothing (the fingerprint of every table a change can touch), with the right status.

mod common;

use common::{TestApp, Visitor, group, signed_in};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Actor {
    Admin,
    OperatorsWrite,
    MachinesWrite,
    Nobody,
    /// The administrator of another sub account (the isolation walk): the world is built in
    /// a sub account "Initech", and Oz administers a sibling.
    Stranger,
}

const ACTORS: [Actor; 4] = [
    Actor::Admin,
    Actor::OperatorsWrite,
    Actor::MachinesWrite,
    Actor::Nobody,
];

/// What a request should do for one actor.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Allowed, and it changes the database.
    Changes,
    /// Allowed, and it only reads.
    Reads,
    /// Refused with this status, changing nothing.
    Refused(u16),
}

use Expect::{Changes, Reads, Refused};

enum Request {
    Form(String, Vec<(&'static str, String)>),
    Api(reqwest::Method, String, Option<Value>),
}

/// The same world for every actor: ids are the same in each.
struct World {
    app: TestApp,
    actor: Visitor,
    /// The actor's own API key (a token), made in My profile.
    token: String,
    bob: i32,
    carl: i32,
    readers: i32,
    renamed: i32,
    doomed: i32,
    machine: i32,
    doomed_machine: i32,
    spare_machine: i32,
    bobs_key: String,
    /// The account the world is in.
    home: i32,
}

async fn world(actor: Actor) -> World {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let home = match actor {
        Actor::Stranger => {
            let initech = common::sub_account(&admin, "Initech").await;
            common::switch(&admin, Some(initech)).await;
            initech
        }
        _ => 1,
    };
    let eve = app
        .create_operator(&admin, "Eve Delegate", "eve@example.org", false)
        .await;
    let mo = app
        .create_operator(&admin, "Mo Machines", "mo@example.org", false)
        .await;
    app.create_operator(&admin, "Nel None", "nel@example.org", false)
        .await;
    let bob = app
        .create_operator(&admin, "Bob Plain", "bob@example.org", false)
        .await;
    let carl = app
        .create_operator(&admin, "Carl Plain", "carl@example.org", false)
        .await;
    group(&admin, "Delegates", &["operators.write"], &[eve]).await;
    group(&admin, "Keepers", &["machines.write"], &[mo]).await;
    let readers = group(&admin, "Readers", &["operators.read"], &[]).await;
    let renamed = group(&admin, "Renamed", &["operators.read"], &[]).await;
    let doomed = group(&admin, "Doomed", &["operators.read"], &[]).await;
    let make_machine = |name: &'static str| {
        let admin = admin.clone();
        async move {
            admin.get("/rights/machines").await;
            let page = admin
                .post("/rights/machines", &[("name", name), ("description", "")])
                .await;
            page.location()
                .and_then(|l| l.rsplit('/').next())
                .and_then(|id| id.parse().ok())
                .expect("machine id")
        }
    };
    let machine = make_machine("Runner").await;
    let doomed_machine = make_machine("Old runner").await;
    let spare_machine = make_machine("Spare runner").await;
    // A key of Bob's, made by the administrator on his tab: with only the scopes every
    // actor's own key carries (a key rolls no key that may do more than it may).
    let tab = format!("/account/operators/{bob}/api");
    admin.get(&format!("{tab}?dialog=add")).await;
    admin
        .post(
            &format!("{tab}/add"),
            &[
                ("label", "Bob key"),
                (
                    "scopes",
                    "keyward:credentials:read keyward:credentials:write keyward:verify",
                ),
            ],
        )
        .await
        .assert_redirect(&tab);
    let page = admin.get(&tab).await;
    let key = common::Revealed {
        username: page.input_value("reveal-username").expect("id"),
        password: page.input_value("reveal-secret").expect("secret"),
        token: page.input_value("reveal-token").expect("token"),
    };
    app.save(&admin, bob).await;
    if actor == Actor::Stranger {
        let other = common::sub_account(&admin, "Stranger Ltd").await;
        common::switch(&admin, Some(other)).await;
        app.create_operator(&admin, "Oz Other", "oz@example.org", true)
            .await;
        common::switch(&admin, None).await;
    }
    let email = match actor {
        Actor::Admin => None,
        Actor::OperatorsWrite => Some("eve@example.org"),
        Actor::MachinesWrite => Some("mo@example.org"),
        Actor::Nobody => Some("nel@example.org"),
        Actor::Stranger => Some("oz@example.org"),
    };
    let visitor = match email {
        None => admin,
        Some(email) => signed_in(&app, email).await,
    };
    // The key carries every Keyward scope its owner may give: the walk is about authority.
    let scopes = match actor {
        Actor::Admin | Actor::Stranger => common::EVERY_KEYWARD_SCOPE,
        Actor::OperatorsWrite => {
            "keyward:credentials:read keyward:credentials:write keyward:operators:read keyward:verify"
        }
        Actor::MachinesWrite => {
            "keyward:credentials:read keyward:credentials:write keyward:machines:read keyward:machines:write keyward:verify"
        }
        Actor::Nobody => "keyward:credentials:read keyward:credentials:write keyward:verify",
    };
    visitor.get("/profile/api-credentials").await;
    visitor
        .post(
            "/profile/api-credentials/add",
            &[("label", "Own key"), ("scopes", scopes)],
        )
        .await
        .assert_redirect("/profile/api-credentials");
    let token = visitor
        .get("/profile/api-credentials")
        .await
        .input_value("reveal-token")
        .expect("own key");
    World {
        app,
        actor: visitor,
        token,
        bob,
        carl,
        readers,
        renamed,
        doomed,
        machine,
        doomed_machine,
        spare_machine,
        bobs_key: key.username,
        home,
    }
}

fn s(v: impl ToString) -> String {
    v.to_string()
}

/// Every changing form and call, with what each actor may do (in the order of `ACTORS`).
fn walk(w: &World) -> Vec<(&'static str, Request, [Expect; 4])> {
    use reqwest::Method;
    let f = |path: String, fields: &[(&'static str, String)]| Request::Form(path, fields.to_vec());
    let new_operator = |email: &str, mode: &str, admin: bool| {
        let mut fields = vec![
            ("mode", s(mode)),
            ("name", s("New One")),
            ("email", s(email)),
            ("password", s("new-one-password")),
            ("password_confirm", s("new-one-password")),
        ];
        if admin {
            fields.push(("admin", s("on")));
        }
        fields
    };
    let forbidden = Refused(403);
    vec![
        (
            "invite an operator",
            f(
                s("/account/operators"),
                &new_operator("new1@example.org", "invite", false),
            ),
            [Changes, Changes, forbidden, forbidden],
        ),
        (
            "create an operator with a password one knows",
            f(
                s("/account/operators"),
                &new_operator("new3@example.org", "password", false),
            ),
            [Changes, forbidden, forbidden, forbidden],
        ),
        (
            "create an administrator",
            f(
                s("/account/operators"),
                &new_operator("new2@example.org", "invite", true),
            ),
            [Changes, forbidden, forbidden, forbidden],
        ),
        (
            "rename a plain operator",
            f(
                format!("/account/operators/{}/edit", w.bob),
                &[
                    ("name", s("Bob Renamed")),
                    ("email", s("bob@example.org")),
                    ("active", s("on")),
                ],
            ),
            [Changes, Changes, forbidden, forbidden],
        ),
        (
            "rename the administrator",
            f(
                s("/account/operators/1/edit"),
                &[
                    ("name", s("Ada Renamed")),
                    ("email", s(common::ADMIN_EMAIL)),
                    ("active", s("on")),
                    ("group", s(1)),
                ],
            ),
            [Changes, forbidden, forbidden, forbidden],
        ),
        (
            "put an operator in a group",
            f(
                format!("/account/groups/{}/members", w.readers),
                &[("operator_id", s(w.bob))],
            ),
            [Changes, Changes, forbidden, forbidden],
        ),
        (
            "put an operator in Administrators",
            f(s("/account/groups/1/members"), &[("operator_id", s(w.bob))]),
            [Changes, forbidden, forbidden, forbidden],
        ),
        (
            "set a group's permissions",
            f(
                format!("/account/groups/{}/permissions", w.readers),
                &[
                    ("permission", s("operators.read")),
                    ("permission", s("audit.read")),
                ],
            ),
            [Changes, forbidden, forbidden, forbidden],
        ),
        (
            "create a group",
            f(s("/account/groups"), &[("name", s("Fresh"))]),
            [Changes, Changes, forbidden, forbidden],
        ),
        (
            "rename a group",
            f(
                format!("/account/groups/{}/rename", w.renamed),
                &[("name", s("Renamed again"))],
            ),
            [Changes, Changes, forbidden, forbidden],
        ),
        (
            "delete a group",
            f(format!("/account/groups/{}/delete", w.doomed), &[]),
            [Changes, Changes, forbidden, forbidden],
        ),
        (
            "delete an operator",
            f(format!("/account/operators/{}/delete", w.carl), &[]),
            [Changes, Changes, forbidden, forbidden],
        ),
        (
            "create a machine",
            f(
                s("/rights/machines"),
                &[("name", s("New machine")), ("description", s(""))],
            ),
            [Changes, forbidden, Changes, forbidden],
        ),
        (
            "edit a machine",
            f(
                format!("/rights/machines/{}/edit", w.machine),
                &[("name", s("Runner 2")), ("description", s("renamed"))],
            ),
            [Changes, forbidden, Changes, forbidden],
        ),
        (
            "give a machine a key",
            f(
                format!("/rights/machines/{}/add", w.machine),
                &[("label", s("Deploys"))],
            ),
            [Changes, forbidden, Changes, forbidden],
        ),
        (
            "delete a machine",
            f(format!("/rights/machines/{}/delete", w.doomed_machine), &[]),
            [Changes, forbidden, Changes, forbidden],
        ),
        (
            "generate one's own key",
            f(
                s("/profile/api-credentials/add"),
                &[("label", s("Another own key"))],
            ),
            [Changes, Changes, Changes, Changes],
        ),
        (
            "API: a key for a plain operator",
            Request::Api(
                Method::POST,
                s("/api/v1/credentials"),
                Some(json!({"label": "For Bob", "owner": format!("operator:{}", w.bob)})),
            ),
            [Changes, Changes, forbidden, forbidden],
        ),
        (
            "API: a key for the administrator",
            Request::Api(
                Method::POST,
                s("/api/v1/credentials"),
                Some(json!({"label": "For Ada", "owner": "operator:1"})),
            ),
            [Changes, forbidden, forbidden, forbidden],
        ),
        (
            "API: a key for a machine",
            Request::Api(
                Method::POST,
                s("/api/v1/credentials"),
                Some(json!({"label": "For the runner", "owner": format!("machine:{}", w.machine)})),
            ),
            [Changes, forbidden, Changes, forbidden],
        ),
        (
            "API: a plain operator's keys",
            Request::Api(
                Method::GET,
                format!("/api/v1/credentials?owner=operator:{}", w.bob),
                None,
            ),
            [Reads, Reads, forbidden, forbidden],
        ),
        (
            "API: the administrator's keys",
            Request::Api(Method::GET, s("/api/v1/credentials?owner=operator:1"), None),
            [Reads, forbidden, forbidden, forbidden],
        ),
        (
            "API: the machines",
            Request::Api(Method::GET, s("/api/v1/machines"), None),
            [Reads, forbidden, Reads, forbidden],
        ),
        (
            "API: one machine",
            Request::Api(Method::GET, format!("/api/v1/machines/{}", w.machine), None),
            [Reads, forbidden, Reads, forbidden],
        ),
        (
            "API: create a machine",
            Request::Api(
                Method::POST,
                s("/api/v1/machines"),
                Some(json!({"name": "API machine"})),
            ),
            [Changes, forbidden, Changes, forbidden],
        ),
        (
            "API: rename a machine",
            Request::Api(
                Method::PATCH,
                format!("/api/v1/machines/{}", w.machine),
                Some(json!({"name": "Runner 3"})),
            ),
            [Changes, forbidden, Changes, forbidden],
        ),
        (
            "API: delete a machine",
            Request::Api(
                Method::DELETE,
                format!("/api/v1/machines/{}", w.spare_machine),
                None,
            ),
            [Changes, forbidden, Changes, forbidden],
        ),
        (
            "API: the operators",
            Request::Api(Method::GET, s("/api/v1/operators"), None),
            [Reads, Reads, forbidden, forbidden],
        ),
        (
            "API: deactivate a plain operator's key",
            Request::Api(
                Method::PATCH,
                format!("/api/v1/credentials/{}", w.bobs_key),
                Some(json!({"active": false})),
            ),
            [Changes, Changes, Refused(404), Refused(404)],
        ),
        (
            "API: roll a plain operator's key",
            Request::Api(
                Method::POST,
                format!("/api/v1/credentials/{}/roll", w.bobs_key),
                Some(json!({"grace": "PT1H"})),
            ),
            [Changes, Changes, Refused(404), Refused(404)],
        ),
        (
            "API: end that roll's window",
            Request::Api(
                Method::POST,
                format!("/api/v1/credentials/{}/roll/end", w.bobs_key),
                None,
            ),
            [Changes, Changes, Refused(404), Refused(404)],
        ),
        (
            "API: delete a plain operator's key",
            Request::Api(
                Method::DELETE,
                format!("/api/v1/credentials/{}", w.bobs_key),
                None,
            ),
            [Changes, Changes, Refused(404), Refused(404)],
        ),
    ]
}

async fn send(w: &World, request: &Request) -> StatusCode {
    match request {
        Request::Form(path, fields) => {
            w.actor.get("/profile/api-credentials").await;
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            w.actor.post(path, &fields).await.status
        }
        Request::Api(method, path, body) => {
            let mut req = reqwest::Client::new()
                .request(method.clone(), format!("{}{path}", w.app.base))
                .bearer_auth(&w.token);
            if let Some(body) = body {
                req = req.json(body);
            }
            req.send().await.expect("api").status()
        }
    }
}

#[tokio::test]
async fn every_change_for_every_actor_does_exactly_what_it_may() {
    let mut failures = Vec::new();
    for (i, actor) in ACTORS.into_iter().enumerate() {
        let w = world(actor).await;
        for (what, request, expect) in walk(&w) {
            let before = w.app.fingerprint();
            let status = send(&w, &request).await;
            let changed = w.app.fingerprint() != before;
            let ok = match expect[i] {
                Changes => (status.is_success() || status.is_redirection()) && changed,
                Reads => status.is_success() && !changed,
                Refused(code) => status.as_u16() == code && !changed,
            };
            if !ok {
                failures.push(format!(
                    "{actor:?} / {what}: expected {:?}, got {status} (changed: {changed})",
                    expect[i]
                ));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// Made in one's own account: the stranger may do them, there. Every other request of the
/// walk names something of the other account.
const OWN_ACCOUNT_ONLY: [&str; 9] = [
    "invite an operator",
    "create an operator with a password one knows",
    "create an administrator",
    "create a group",
    "create a machine",
    "generate one's own key",
    "API: the machines",
    "API: create a machine",
    "API: the operators",
];

/// The isolation walk: the administrator of one sub account tries every change of the walk
/// on a sibling's ids. Each is "not found" and changes nothing there; what needs no id is
/// done in their own account, and a list shows only their own.
#[tokio::test]
async fn another_sub_account_s_administrator_reaches_nothing_of_it() {
    let w = world(Actor::Stranger).await;
    let mut failures = Vec::new();
    for (what, request, _) in walk(&w) {
        let before = w.app.fingerprint_of(Some(w.home));
        let status = send(&w, &request).await;
        let changed = w.app.fingerprint_of(Some(w.home)) != before;
        let own = OWN_ACCOUNT_ONLY.contains(&what);
        let ok = !changed
            && if own {
                status.is_success() || status.is_redirection()
            } else {
                status == StatusCode::NOT_FOUND
            };
        if !ok {
            failures.push(format!("{what}: got {status} (changed: {changed})"));
        }
    }
    // Reading: no page of the other account, and lists without its rows.
    let reads = [
        format!("/account/operators/{}", w.bob),
        format!("/account/operators/{}/api", w.bob),
        format!("/account/operators/{}/api/{}", w.bob, w.bobs_key),
        format!("/account/operators/{}/api/usage", w.bob),
        format!("/rights/machines/{}/keys/usage", w.machine),
        format!("/account/groups/{}", w.readers),
        format!("/rights/machines/{}", w.machine),
        format!("/api/v1/machines/{}", w.machine),
        format!("/api/v1/credentials/{}", w.bobs_key),
        format!("/api/v1/credentials?owner=operator:{}", w.bob),
    ];
    // Each of them is a page its own account's administrator sees.
    let owner = w.app.visitor();
    owner
        .sign_in(common::ADMIN_EMAIL, common::ADMIN_PASSWORD)
        .await
        .assert_redirect("/");
    common::switch(&owner, Some(w.home)).await;
    for path in reads.iter().filter(|p| !p.starts_with("/api/")) {
        let status = owner.get(path).await.status;
        assert_eq!(status, StatusCode::OK, "{path} for its own administrator");
    }
    for path in &reads {
        let status = if path.starts_with("/api/") {
            reqwest::Client::new()
                .get(format!("{}{path}", w.app.base))
                .bearer_auth(&w.token)
                .send()
                .await
                .expect("api")
                .status()
        } else {
            w.actor.get(path).await.status
        };
        if status != StatusCode::NOT_FOUND {
            failures.push(format!("GET {path}: got {status}"));
        }
    }
    for path in [
        "/account/operators",
        "/rights/machines",
        "/audit",
        "/audit.csv",
    ] {
        let page = w.actor.get(path).await;
        for theirs in [
            "Bob Plain",
            "bob@example.org",
            "Runner",
            "Initech",
            "Eve Delegate",
        ] {
            if page.body.contains(theirs) {
                failures.push(format!("{path} shows {theirs}"));
            }
        }
    }
    for path in ["/api/v1/operators", "/api/v1/machines"] {
        let body = reqwest::Client::new()
            .get(format!("{}{path}", w.app.base))
            .bearer_auth(&w.token)
            .send()
            .await
            .expect("api")
            .text()
            .await
            .expect("body");
        for theirs in ["Bob Plain", "Runner", "Eve Delegate"] {
            if body.contains(theirs) {
                failures.push(format!("{path} lists {theirs}"));
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
