//! Black-box test harness: the real Keyward on port 0 with its own database (a temporary
//! SQLite file, or a fresh PostgreSQL database when `KEYWARD_TEST_DATABASE_URL` is set),
//! driven over real HTTP.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use diesel::connection::SimpleConnection;
use keyward::config::Settings;
use keyward::db::{self, DatabaseUrl};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

pub const ADMIN_EMAIL: &str = "ada@example.org";
pub const ADMIN_PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub base: String,
    pub database_url: String,
    pub data_dir: tempfile::TempDir,
    handle: actix_web::dev::ServerHandle,
    /// The running app's state (its pool, to exhaust it in a test).
    pub state: std::sync::Arc<keyward::web::AppState>,
    postgres: Option<(String, String)>,
}

/// One page as a visitor received it.
#[derive(Debug, Clone)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location").and_then(|v| v.to_str().ok())
    }

    pub fn assert_redirect(&self, to: &str) {
        assert_eq!(
            self.status,
            StatusCode::SEE_OTHER,
            "expected a redirect to {to}: {}",
            self.body
        );
        assert_eq!(self.location(), Some(to));
    }

    pub fn contains(&self, text: &str) -> bool {
        self.body.contains(text)
    }

    /// The value of `<input id="ID" … value="…">`.
    pub fn input_value(&self, id: &str) -> Option<String> {
        let marker = format!("id=\"{id}\"");
        let start = self.body.find(&marker)?;
        let tag_end = start + self.body[start..].find('>')?;
        let tag = &self.body[start..tag_end];
        let value = tag.split("value=\"").nth(1)?;
        Some(value[..value.find('"')?].to_owned())
    }
}

/// A browser-like visitor: its own cookie jar, the CSRF token of the last page it saw, and
/// a record of every response it received (to prove where a secret appeared).
#[derive(Clone)]
pub struct Visitor {
    pub client: reqwest::Client,
    /// Its cookies (a second visitor may share them: the same browser elsewhere).
    pub jar: Arc<reqwest::cookie::Jar>,
    pub base: String,
    csrf: Arc<Mutex<Option<String>>>,
    pub history: Arc<Mutex<Vec<Page>>>,
}

fn extract_csrf(body: &str) -> Option<String> {
    let value = body.split("name=\"csrf\" value=\"").nth(1)?;
    Some(value[..value.find('"')?].to_owned())
}

impl Visitor {
    pub fn new(base: &str, accept_language: &str) -> Self {
        Self::with_headers(base, accept_language, &[])
    }

    /// A visitor that sends these extra headers with every request (e.g. `X-Forwarded-For`).
    pub fn with_headers(base: &str, accept_language: &str, extra: &[(&'static str, &str)]) -> Self {
        Self::with_jar(base, accept_language, extra, Arc::default())
    }

    /// A visitor with these cookies (those of another visitor: the same browser).
    pub fn with_jar(
        base: &str,
        accept_language: &str,
        extra: &[(&'static str, &str)],
        jar: Arc<reqwest::cookie::Jar>,
    ) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert("accept-language", accept_language.parse().expect("header"));
        for (name, value) in extra {
            headers.insert(*name, value.parse().expect("header"));
        }
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .expect("client");
        Visitor {
            client,
            jar,
            base: base.to_owned(),
            csrf: Arc::default(),
            history: Arc::default(),
        }
    }

    async fn record(&self, res: reqwest::Response) -> Page {
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.text().await.expect("body");
        if let Some(token) = extract_csrf(&body) {
            *self.csrf.lock().expect("lock") = Some(token);
        }
        let page = Page {
            status,
            headers,
            body,
        };
        self.history.lock().expect("lock").push(page.clone());
        page
    }

    pub async fn get(&self, path: &str) -> Page {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        self.record(res).await
    }

    pub fn csrf(&self) -> String {
        self.csrf
            .lock()
            .expect("lock")
            .clone()
            .expect("visit a page before posting a form")
    }

    /// Posts a form with this visitor's CSRF token.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let token = self.csrf();
        let mut fields: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        fields.extend_from_slice(form);
        self.post_raw(path, &fields).await
    }

    /// Posts exactly these fields (no token added).
    pub async fn post_raw(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .expect("POST");
        self.record(res).await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Page {
        self.get("/login").await;
        self.post("/login", &[("email", email), ("password", password)])
            .await
    }

    /// How many responses this visitor received contain `needle` (body or headers).
    pub fn responses_containing(&self, needle: &str) -> usize {
        self.history
            .lock()
            .expect("lock")
            .iter()
            .filter(|p| {
                p.body.contains(needle)
                    || p.headers
                        .values()
                        .any(|v| v.to_str().unwrap_or("").contains(needle))
            })
            .count()
    }
}

/// A credential as the reveal modal showed it.
#[derive(Debug, Clone)]
pub struct Revealed {
    pub username: String,
    pub password: String,
    pub token: String,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
        let data_dir = tempfile::tempdir().expect("tempdir");
        let mut settings = Settings::for_data_dir(data_dir.path().to_path_buf());
        // Write *last used* often, so tests see it soon (see `eventually`).
        settings.last_used_flush_ms = 50;
        configure(&mut settings);
        // A test that names its database (a sibling process) uses it; otherwise each test
        // gets a fresh one.
        let postgres = match (
            &settings.database_url,
            std::env::var("KEYWARD_TEST_DATABASE_URL").and_then(|url| {
                if url.is_empty() {
                    Err(std::env::VarError::NotPresent)
                } else {
                    Ok(url)
                }
            }),
        ) {
            (None, Ok(base)) => {
                let suffix = keyward::domain::credential::random_alphanumeric(12)
                    .expect("rng")
                    .to_lowercase();
                let name = format!("keyward_test_{suffix}");
                let mut admin = db::connect(&DatabaseUrl::parse(&base))
                    .expect("connect to KEYWARD_TEST_DATABASE_URL");
                admin
                    .batch_execute(&format!("CREATE DATABASE {name}"))
                    .expect("create test database");
                Some((base, name))
            }
            _ => None,
        };
        let database_url = match (&settings.database_url, &postgres) {
            (Some(url), _) => url.clone(),
            (None, Some((base, name))) => with_database(base, name),
            (None, None) => data_dir
                .path()
                .join("keyward.db")
                .to_string_lossy()
                .into_owned(),
        };
        settings.database_url = Some(database_url.clone());
        let app = keyward::build(settings).expect("Keyward starts");
        let (handle, state) = (app.server.handle(), app.state.clone());
        tokio::spawn(app.server);
        TestApp {
            base: format!("http://{}", app.addr),
            database_url,
            data_dir,
            handle,
            state,
            postgres,
        }
    }

    /// A second Keyward process (same database, its own port), as behind a load balancer.
    /// It shares the first one's secret key, as the README asks of processes that serve one
    /// database (cookies and the pepper of stored keys come from it).
    pub async fn sibling(&self) -> TestApp {
        let url = self.database_url.clone();
        let key = self.secret_key();
        TestApp::spawn_with(|s| {
            s.database_url = Some(url);
            s.secret_key = Some(key);
        })
        .await
    }

    /// The secret key this app generated into its data folder.
    pub fn secret_key(&self) -> String {
        let hex_key = std::fs::read_to_string(self.data_dir.path().join("secret.key"))
            .expect("generated secret key");
        String::from_utf8(hex::decode(hex_key.trim()).expect("hex")).expect("utf-8")
    }

    pub fn visitor(&self) -> Visitor {
        Visitor::new(&self.base, "en-GB,en;q=0.9")
    }

    pub fn visitor_fr(&self) -> Visitor {
        Visitor::new(&self.base, "fr-FR,fr;q=0.9")
    }

    /// A direct database connection, to arrange what no page can (e.g. imported rows).
    pub fn db(&self) -> db::DbConn {
        db::connect(&DatabaseUrl::parse(&self.database_url)).expect("test database")
    }

    /// The key counts the database's triggers keep on operators and machines agree with the
    /// keys stored; returns how many keys there are, so a caller can tell it checked some.
    pub fn assert_key_counts_agree(&self) -> i64 {
        use diesel::prelude::*;
        #[derive(QueryableByName, Debug)]
        struct Owner {
            #[diesel(sql_type = diesel::sql_types::Text)]
            owner: String,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            stored: i64,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            counted: i64,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            stored_active: i64,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            counted_active: i64,
        }
        let sql = |table: &str, column: &str| {
            format!(
                "SELECT '{table} ' || CAST(o.id AS TEXT) AS owner, \
                 CAST(o.key_count AS BIGINT) AS stored, \
                 (SELECT COUNT(*) FROM credentials c WHERE c.{column} = o.id) AS counted, \
                 CAST(o.active_key_count AS BIGINT) AS stored_active, \
                 (SELECT COUNT(*) FROM credentials c WHERE c.{column} = o.id AND c.active) AS counted_active \
                 FROM {table} o"
            )
        };
        let query = format!(
            "{} UNION ALL {}",
            sql("operators", "operator_id"),
            sql("machines", "machine_id")
        );
        let query = diesel::sql_query(query);
        let owners: Vec<Owner> = match &mut self.db() {
            db::DbConn::Sqlite(c) => query.load(c),
            db::DbConn::Postgres(c) => query.load(c),
        }
        .expect("key counts");
        for o in &owners {
            assert_eq!(
                (o.stored, o.stored_active),
                (o.counted, o.counted_active),
                "{}: stored (keys, active) differ from the keys counted",
                o.owner
            );
        }
        owners.iter().map(|o| o.counted).sum()
    }

    /// Runs first-run setup and returns the administrator, signed in.
    pub async fn admin(&self) -> Visitor {
        let admin = self.visitor();
        admin.get("/setup").await;
        let page = admin
            .post(
                "/setup",
                &[
                    ("setup_code", &self.state.setup_code),
                    ("organisation", "Acme"),
                    ("name", "Ada Admin"),
                    ("email", ADMIN_EMAIL),
                    ("password", ADMIN_PASSWORD),
                    ("password_confirm", ADMIN_PASSWORD),
                ],
            )
            .await;
        page.assert_redirect("/login");
        admin
            .sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .assert_redirect("/");
        admin
    }

    /// Creates an operator through the console; returns its id.
    pub async fn create_operator(
        &self,
        admin: &Visitor,
        name: &str,
        email: &str,
        make_admin: bool,
    ) -> i32 {
        admin.get("/account/operators/new").await;
        let mut form = vec![
            ("mode", "password"),
            ("name", name),
            ("email", email),
            ("password", "operator-pass-1"),
            ("password_confirm", "operator-pass-1"),
        ];
        if make_admin {
            form.push(("admin", "on"));
        }
        let page = admin.post("/account/operators", &form).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        page.location()
            .expect("location")
            .rsplit('/')
            .next()
            .expect("id")
            .parse()
            .expect("numeric id")
    }

    /// Stages a new API user through the wizard and reads the reveal-once modal.
    pub async fn stage_api_user(&self, admin: &Visitor, operator: i32, label: &str) -> Revealed {
        let tab = format!("/account/operators/{operator}/api");
        admin.get(&format!("{tab}?dialog=add")).await;
        admin
            .post(
                &format!("{tab}/add"),
                &[("label", label), ("scopes", EVERY_KEYWARD_SCOPE)],
            )
            .await
            .assert_redirect(&tab);
        let page = admin.get(&tab).await;
        Revealed {
            username: page
                .input_value("reveal-username")
                .expect("username in the reveal modal"),
            password: page
                .input_value("reveal-secret")
                .expect("password in the reveal modal"),
            token: page
                .input_value("reveal-token")
                .expect("token in the reveal modal"),
        }
    }

    pub async fn save(&self, admin: &Visitor, operator: i32) -> Page {
        let tab = format!("/account/operators/{operator}/api");
        admin.get(&tab).await;
        let page = admin.post(&format!("{tab}/save"), &[]).await;
        page.assert_redirect(&tab);
        admin.get(&tab).await
    }

    /// `GET /api/v1/whoami` with HTTP Basic.
    pub async fn whoami(&self, username: &str, password: &str) -> (StatusCode, serde_json::Value) {
        let res = reqwest::Client::new()
            .get(format!("{}/api/v1/whoami", self.base))
            .basic_auth(username, Some(password))
            .send()
            .await
            .expect("whoami");
        let status = res.status();
        (status, res.json().await.expect("JSON body"))
    }

    /// The text of the mails sent with this subject, once there are `count` of them: read
    /// from the file transport's folder (`DATA_DIR/outbox`), since a sent mail keeps no body
    /// in the database. Polls up to 10 s (the mail worker's default poll is 2 s).
    pub async fn sent_mail(&self, subject: &str, count: usize) -> Vec<String> {
        let dir = self.data_dir.path().join("outbox");
        for _ in 0..200 {
            let mut found = Vec::new();
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let Ok(bytes) = std::fs::read(entry.path()) else {
                    continue;
                };
                let Ok(mail) = mailparse::parse_mail(&bytes) else {
                    continue;
                };
                use mailparse::MailHeaderMap;
                if mail.headers.get_first_value("Subject").as_deref() != Some(subject) {
                    continue;
                }
                let text = std::iter::once(&mail)
                    .chain(mail.subparts.iter())
                    .find(|p| p.ctype.mimetype == "text/plain")
                    .and_then(|p| p.get_body().ok());
                found.extend(text);
            }
            if found.len() >= count {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("never sent: {count} mail(s) \"{subject}\"");
    }

    pub async fn whoami_bearer(&self, token: &str) -> (StatusCode, serde_json::Value) {
        let res = reqwest::Client::new()
            .get(format!("{}/api/v1/whoami", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("whoami");
        let status = res.status();
        (status, res.json().await.expect("JSON body"))
    }
}

/// Polls `check` (up to 5 s) until it holds: for effects that are eventually consistent,
/// such as *last used*, written in batches.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("never happened: {what}");
}

fn with_database(base: &str, name: &str) -> String {
    let (without_query, query) = base
        .split_once('?')
        .map_or((base, None), |(b, q)| (b, Some(q)));
    let root = without_query
        .rsplit_once('/')
        .map_or(without_query, |(root, _)| root);
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

impl TestApp {
    /// Stops the app and waits until it has let go of its database.
    pub async fn stop(self) {
        self.state.stop();
        self.handle.stop(true).await;
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.state.stop();
        drop(self.handle.stop(false));
        if let Some((base, name)) = &self.postgres
            && let Ok(mut admin) = db::connect(&DatabaseUrl::parse(base))
        {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

impl TestApp {
    /// Everything a change in the console or the API could alter (operators, groups, members,
    /// permissions, machines, credentials — not *last used*), as one text: equal before and
    /// after a refused request means it changed nothing.
    #[allow(clippy::type_complexity)]
    pub fn fingerprint(&self) -> String {
        self.fingerprint_of(None)
    }

    /// The fingerprint of one account's rows only (`None`: every account's).
    pub fn fingerprint_of(&self, account: Option<i32>) -> String {
        use diesel::prelude::*;
        use keyward::db::schema::{
            credentials as c, group_members as gm, group_permissions as gp, groups as g,
            machines as m, operators as o,
        };
        let mut conn = self.db();
        let ours = |id: i32| account.is_none_or(|a| a == id);
        let operators: Vec<(i32, i32, String, String, bool, i32, String)> = o::table
            .order(o::id)
            .select((
                o::account_id,
                o::id,
                o::email,
                o::name,
                o::active,
                o::session_epoch,
                o::password_hash,
            ))
            .load(&mut conn)
            .expect("operators");
        let operators: Vec<_> = operators.into_iter().filter(|r| ours(r.0)).collect();
        let groups: Vec<(i32, i32, String)> = g::table
            .order(g::id)
            .select((g::account_id, g::id, g::name))
            .load(&mut conn)
            .expect("groups");
        let groups: Vec<_> = groups.into_iter().filter(|r| ours(r.0)).collect();
        let in_groups = |id: i32| groups.iter().any(|g| g.1 == id);
        let members: Vec<(i32, i32)> = gm::table
            .order((gm::group_id, gm::operator_id))
            .select((gm::group_id, gm::operator_id))
            .load(&mut conn)
            .expect("members");
        let members: Vec<_> = members.into_iter().filter(|r| in_groups(r.0)).collect();
        let permissions: Vec<(i32, String)> = gp::table
            .order((gp::group_id, gp::permission))
            .select((gp::group_id, gp::permission))
            .load(&mut conn)
            .expect("permissions");
        let permissions: Vec<_> = permissions.into_iter().filter(|r| in_groups(r.0)).collect();
        let machines: Vec<(i32, i32, String, String)> = m::table
            .order(m::id)
            .select((m::account_id, m::id, m::name, m::description))
            .load(&mut conn)
            .expect("machines");
        let machines: Vec<_> = machines.into_iter().filter(|r| ours(r.0)).collect();
        #[allow(clippy::type_complexity)]
        let credentials: Vec<(
            i32,
            String,
            String,
            bool,
            Option<i32>,
            Option<i32>,
            String,
            Option<String>,
        )> = c::table
            .order(c::public_id)
            .select((
                c::account_id,
                c::public_id,
                c::label,
                c::active,
                c::operator_id,
                c::machine_id,
                c::secret_hash,
                c::previous_secret_hash,
            ))
            .load(&mut conn)
            .expect("credentials");
        let credentials: Vec<_> = credentials.into_iter().filter(|r| ours(r.0)).collect();
        format!(
            "{operators:?}\n{groups:?}\n{members:?}\n{permissions:?}\n{machines:?}\n{credentials:?}"
        )
    }
}

/// Signs in an operator made by `create_operator` (their password is `operator-pass-1`).
pub async fn signed_in(app: &TestApp, email: &str) -> Visitor {
    let v = app.visitor();
    v.sign_in(email, "operator-pass-1")
        .await
        .assert_redirect("/");
    v
}

/// Creates a group with these permission codes and these members; returns its id.
pub async fn group(admin: &Visitor, name: &str, permissions: &[&str], members: &[i32]) -> i32 {
    admin.get("/account").await;
    let page = admin.post("/account/groups", &[("name", name)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let id: i32 = page
        .location()
        .expect("location")
        .rsplit('/')
        .next()
        .expect("id")
        .parse()
        .expect("id");
    let url = format!("/account/groups/{id}");
    admin.get(&url).await;
    let form: Vec<(&str, &str)> = permissions.iter().map(|p| ("permission", *p)).collect();
    admin
        .post(&format!("{url}/permissions"), &form)
        .await
        .assert_redirect(&url);
    for m in members {
        admin
            .post(
                &format!("{url}/members"),
                &[("operator_id", &m.to_string())],
            )
            .await
            .assert_redirect(&url);
    }
    id
}

/// A test that needs something this machine may lack (Chromium, nginx, root): `true` when
/// it may run. Without it the test says so in one line, with how to provide it, and passes
/// — so `cargo test` passes on a fresh machine — unless `KEYWARD_TEST_REQUIRE_ALL` is set,
/// as `.ci/run` sets it: there a missing prerequisite fails, so CI never skips.
pub fn prerequisite(what: &str, present: bool, how: &str) -> bool {
    if present {
        return true;
    }
    assert!(
        std::env::var_os("KEYWARD_TEST_REQUIRE_ALL").is_none(),
        "{what} is missing: {how}"
    );
    // Straight to stderr: the test harness keeps what `eprintln!` prints of a passing test.
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "not run: {what} is missing ({how}; .ci/run provides it)"
    );
    false
}

/// Is this process root (needed to mount a small disk of its own)?
pub fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Every scope of Keyward's own API, as a key made before scopes existed was given by the
/// upgrade: for tests whose subject is not scopes and that insert keys directly.
pub const EVERY_KEYWARD_SCOPE: &str = "keyward:accounts keyward:credentials:read keyward:credentials:write keyward:machines:read keyward:machines:write keyward:operators:read keyward:verify";

/// Makes a sub account of the administrator's main account; returns its id.
pub async fn sub_account(admin: &Visitor, name: &str) -> i32 {
    admin.get("/account/sub-accounts").await;
    let page = admin.post("/account/sub-accounts", &[("name", name)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    page.location()
        .and_then(|l| l.rsplit('/').next())
        .and_then(|id| id.parse().ok())
        .expect("sub account id")
}

/// Moves the administrator's session into the sub account `id` (`None`: back home).
pub async fn switch(admin: &Visitor, id: Option<i32>) -> Page {
    admin.get("/account").await;
    let account = id.map(|i| i.to_string()).unwrap_or_default();
    admin
        .post("/account/switch", &[("account", &account)])
        .await
}
