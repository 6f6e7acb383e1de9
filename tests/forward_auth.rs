//! `/auth/forward` behind a real nginx (`auth_request`) and a real Caddy (`forward_auth`),
//! configured exactly like the README and `docs/proxies.md`: the protected app answers only
//! for valid credentials, sees who called and never the secret.

mod common;

use std::process::{Child, Command};

use common::TestApp;
use reqwest::StatusCode;

/// Waits for a proxy just started to answer: polled, with a deadline generous enough for a
/// cold start of Caddy's binary on a busy machine.
async fn listens(client: &reqwest::Client, url: &str, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while client.get(url).send().await.is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what} does not answer on {url}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A proxy process (nginx, Caddy), ended with its test.
struct Proxy(Child);

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Keyward as the recipes expect it (the proxy on 127.0.0.1 trusted, as the docs write it;
/// a low failure limit), with the administrator's key.
async fn app_with_key(label: &str) -> (TestApp, common::Visitor, common::Revealed) {
    let app = TestApp::spawn_with(|s| {
        s.trusted_proxies = vec![keyward::config::address_or_range("127.0.0.1").expect("address")];
        s.auth_failure_limit = 5;
    })
    .await;
    let admin = app.admin().await;
    let key = app.stage_api_user(&admin, 1, label).await;
    app.save(&admin, 1).await;
    (app, admin, key)
}

/// A valid key, sent with headers of the client's own that claim to be Keyward's: the app
/// sees Keyward's word only, and never the secret.
async fn only_keywards_word_reaches_the_app(
    client: &reqwest::Client,
    url: &str,
    key: &common::Revealed,
    proxy_log: impl Fn() -> String,
) {
    let ok = client
        .get(url)
        .bearer_auth(&key.token)
        .header("X-Keyward-Owner-Name", "Mallory")
        .header("X-Keyward-Owner", "999")
        .header("X-Keyward-Credential", "forged")
        .header("X-Keyward-Account", "999")
        .send()
        .await
        .expect("get");
    assert_eq!(ok.status(), StatusCode::OK, "{}", proxy_log());
    let seen = ok.text().await.expect("the app's echo").to_lowercase();
    let header = |name: &str| -> Vec<String> {
        seen.lines()
            .filter_map(|l| l.strip_prefix(&format!("{name}: ")))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(
        header("x-keyward-credential"),
        [key.username.to_lowercase()],
        "{seen}"
    );
    assert_eq!(header("x-keyward-owner"), ["1"], "{seen}");
    assert_eq!(header("x-keyward-owner-kind"), ["operator"], "{seen}");
    assert_eq!(header("x-keyward-owner-name"), ["ada admin"], "{seen}");
    assert_eq!(header("x-keyward-account"), ["1"], "{seen}");
    assert!(
        header("authorization").is_empty(),
        "the secret reached the app: {seen}"
    );
    assert!(!seen.contains(&key.token.to_lowercase()));
    assert!(
        !seen.contains("mallory") && !seen.contains("forged"),
        "{seen}"
    );
}

/// Guessing from one address: refused as bad keys, then throttled — told so, with when to
/// come back, not a 500 and not "bad key"; the right key still works.
async fn guesses_are_throttled_and_the_key_still_works(
    client: &reqwest::Client,
    url: &str,
    key: &common::Revealed,
) {
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let res = client
            .get(url)
            .basic_auth(&key.username, Some("y".repeat(32)))
            .send()
            .await
            .expect("get");
        let retry = res.headers().get("retry-after").is_some();
        statuses.push((res.status(), retry));
    }
    assert!(
        statuses.iter().any(|(s, _)| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert_eq!(
        statuses.last(),
        Some(&(StatusCode::TOO_MANY_REQUESTS, true)),
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|(s, _)| *s == StatusCode::UNAUTHORIZED || *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    let still = client
        .get(url)
        .bearer_auth(&key.token)
        .send()
        .await
        .expect("get");
    assert_eq!(
        still.status(),
        StatusCode::OK,
        "a valid key is never refused"
    );
}

/// Keys that end — deactivated, past their expiry, deleted through the API — are refused
/// through the proxy on the very next request.
async fn ended_keys_are_refused(
    client: &reqwest::Client,
    app: &TestApp,
    url: &str,
    key: &common::Revealed,
) {
    // The failure window of earlier guesses from this address passes first: a failure from a
    // throttled address is answered 429, whatever the key.
    app.state.clock.advance(chrono::Duration::seconds(61));
    let make = |body: serde_json::Value| async move {
        let made: serde_json::Value = client
            .post(format!("{}/api/v1/credentials", app.base))
            .bearer_auth(&key.token)
            .json(&body)
            .send()
            .await
            .expect("create")
            .json()
            .await
            .expect("json");
        (
            made["id"].as_str().expect("id").to_owned(),
            made["token"].as_str().expect("token").to_owned(),
        )
    };
    let through = |token: String| async move {
        client
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("get")
            .status()
    };
    let soon = (app.state.clock.now() + chrono::Duration::seconds(30))
        .and_utc()
        .to_rfc3339();
    let (_, expiring) = make(serde_json::json!({"label": "Short-lived", "expires_at": soon})).await;
    let (doomed_id, doomed) = make(serde_json::json!({"label": "Doomed"})).await;
    let (paused_id, paused) = make(serde_json::json!({"label": "Paused"})).await;
    assert_eq!(through(paused.clone()).await, StatusCode::OK);
    let patched = client
        .patch(format!("{}/api/v1/credentials/{paused_id}", app.base))
        .bearer_auth(&key.token)
        .json(&serde_json::json!({"active": false}))
        .send()
        .await
        .expect("patch");
    assert_eq!(patched.status(), StatusCode::OK);
    assert_eq!(
        through(paused).await,
        StatusCode::UNAUTHORIZED,
        "deactivated"
    );
    assert_eq!(through(expiring.clone()).await, StatusCode::OK);
    assert_eq!(through(doomed.clone()).await, StatusCode::OK);
    app.state.clock.advance(chrono::Duration::seconds(31));
    assert_eq!(through(expiring).await, StatusCode::UNAUTHORIZED, "expired");
    let deleted = client
        .delete(format!("{}/api/v1/credentials/{doomed_id}", app.base))
        .bearer_auth(&key.token)
        .send()
        .await
        .expect("delete");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(through(doomed).await, StatusCode::UNAUTHORIZED, "deleted");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// The app behind the proxy: answers every request with the request's own head, so the test
/// sees exactly which headers reached it.
async fn echo_app() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let reply = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    head.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
                let _ = socket.write_all(&head).await;
            });
        }
    });
    format!("http://{addr}")
}

/// The README's snippet, with the addresses of this test.
fn config(dir: &std::path::Path, port: u16, keyward: &str, app: &str) -> String {
    let d = dir.display();
    let keyward = keyward.trim_start_matches("http://");
    format!(
        r#"daemon off;
master_process off;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    # --- README snippet (http): begin
    upstream keyward {{
        server {keyward};
        keepalive 16;
    }}
    # --- README snippet (http): end
    server {{
        listen 127.0.0.1:{port};

        # --- README snippet (server): begin
        location /protected/ {{
            auth_request /_keyward;
            # nginx passes on only 401 and 403 of a check: a throttled one (429) would be
            # a 500; give it back as Keyward said it, with its Retry-After.
            auth_request_set $keyward_status $upstream_status;
            auth_request_set $keyward_retry_after $upstream_http_retry_after;
            # A key past its own rate limit: where it stands, for the client.
            auth_request_set $keyward_rate_limit $upstream_http_ratelimit_limit;
            auth_request_set $keyward_rate_remaining $upstream_http_ratelimit_remaining;
            auth_request_set $keyward_rate_reset $upstream_http_ratelimit_reset;
            error_page 500 = @keyward_refused;
            auth_request_set $keyward_credential $upstream_http_x_keyward_credential;
            auth_request_set $keyward_owner $upstream_http_x_keyward_owner;
            auth_request_set $keyward_owner_kind $upstream_http_x_keyward_owner_kind;
            auth_request_set $keyward_owner_name $upstream_http_x_keyward_owner_name;
            auth_request_set $keyward_account $upstream_http_x_keyward_account;
            auth_request_set $keyward_scopes $upstream_http_x_keyward_scopes;
            # Only Keyward's word reaches the app: each X-Keyward-* is set here (whatever
            # the client sent under that name is replaced), and the secret stays here.
            proxy_set_header X-Keyward-Credential $keyward_credential;
            proxy_set_header X-Keyward-Owner $keyward_owner;
            proxy_set_header X-Keyward-Owner-Kind $keyward_owner_kind;
            proxy_set_header X-Keyward-Owner-Name $keyward_owner_name;
            proxy_set_header X-Keyward-Account $keyward_account;
            proxy_set_header X-Keyward-Scopes $keyward_scopes;
            proxy_set_header Authorization "";
            proxy_pass {app};
        }}
        location @keyward_refused {{
            if ($keyward_status = 429) {{
                add_header Retry-After $keyward_retry_after always;
                add_header RateLimit-Limit $keyward_rate_limit always;
                add_header RateLimit-Remaining $keyward_rate_remaining always;
                add_header RateLimit-Reset $keyward_rate_reset always;
                return 429;
            }}
            return 500;
        }}
        location = /_keyward {{
            internal;
            proxy_pass http://keyward/auth/forward;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
        # --- README snippet (server): end
    }}
}}
"#
    )
}

#[tokio::test]
async fn nginx_auth_request_lets_valid_keys_through_only() {
    let nginx_bin = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(nginx_bin) = nginx_bin else {
        common::prerequisite("nginx", false, "apt-get install -y nginx-light");
        return;
    };
    let (app, admin, key) = app_with_key("Behind nginx").await;
    let upstream = echo_app().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let conf = dir.path().join("nginx.conf");
    std::fs::write(&conf, config(dir.path(), port, &app.base, &upstream)).expect("write config");
    let _nginx = Proxy(
        Command::new(nginx_bin)
            .args([
                "-c",
                &conf.display().to_string(),
                "-p",
                &dir.path().display().to_string(),
            ])
            .spawn()
            .expect("start nginx"),
    );
    let url = format!("http://127.0.0.1:{port}/protected/");
    let client = reqwest::Client::new();
    listens(&client, &url, "nginx").await;

    assert_eq!(
        client.get(&url).send().await.expect("get").status(),
        StatusCode::UNAUTHORIZED
    );
    let wrong = client
        .get(&url)
        .basic_auth(&key.username, Some("x".repeat(32)))
        .send()
        .await
        .expect("get");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    only_keywards_word_reaches_the_app(&client, &url, &key, || {
        std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default()
    })
    .await;
    let basic = client
        .get(&url)
        .basic_auth(&key.username, Some(&key.password))
        .send()
        .await
        .expect("get");
    assert_eq!(basic.status(), StatusCode::OK);

    guesses_are_throttled_and_the_key_still_works(&client, &url, &key).await;
    ended_keys_are_refused(&client, &app, &url, &key).await;

    // (The failure window passes.)
    app.state.clock.advance(chrono::Duration::seconds(61));

    // A key past its own rate limit gets 429 through nginx, and the headers saying when.
    let made: serde_json::Value = client
        .post(format!("{}/api/v1/credentials", app.base))
        .bearer_auth(&key.token)
        .json(&serde_json::json!({"label": "Once an hour", "rate_limit": {"requests": 1, "per": "hour"}}))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let hourly = made["token"].as_str().expect("token").to_owned();
    let first = client
        .get(&url)
        .bearer_auth(&hourly)
        .send()
        .await
        .expect("get");
    assert_eq!(first.status(), StatusCode::OK);
    let second = client
        .get(&url)
        .bearer_auth(&hourly)
        .send()
        .await
        .expect("get");
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(second.headers()["ratelimit-limit"], "1");
    assert_eq!(second.headers()["ratelimit-remaining"], "0");
    assert!(second.headers().contains_key("retry-after"));
    assert!(second.headers().contains_key("ratelimit-reset"));

    // Deactivated in the console: refused through nginx on the next request.
    admin.get("/account/operators/1/api").await;
    admin
        .post(
            &format!("/account/operators/1/api/{}/active", key.username),
            &[("active", "false")],
        )
        .await;
    app.save(&admin, 1).await;
    assert_eq!(
        client
            .get(&url)
            .bearer_auth(&key.token)
            .send()
            .await
            .expect("get")
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[test]
fn the_readme_snippet_is_the_one_tested() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let section = &readme[readme.find("### Behind nginx").expect("nginx section")..];
    let section = &section[..section.find("\n### ").expect("next section")];
    let readme_lines: Vec<&str> = section
        .split("```nginx")
        .skip(1)
        .flat_map(|block| block[..block.find("```").expect("block end")].lines())
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let dir = std::path::Path::new("/tmp");
    let tested = config(dir, 1, "http://127.0.0.1:8080", "http://your-app");
    let mut tested_lines = tested.lines().map(str::trim);
    for line in &readme_lines {
        assert!(
            tested_lines.any(|t| t == *line),
            "the README's nginx line {line:?} is not in the tested configuration (in order)"
        );
    }
    assert!(readme_lines.len() > 20);
}

/// The Caddy recipe of `docs/proxies.md`, with the addresses of this test.
fn caddyfile(port: u16, keyward: &str, app: &str) -> String {
    let keyward = keyward.trim_start_matches("http://");
    let app = app.trim_start_matches("http://");
    format!(
        r#"{{
    admin off
    auto_https off
}}
# --- recipe: begin
:{port} {{
    forward_auth {keyward} {{
        uri /auth/forward
        copy_headers X-Keyward-Credential X-Keyward-Owner X-Keyward-Owner-Kind X-Keyward-Owner-Name X-Keyward-Account X-Keyward-Scopes
    }}
    reverse_proxy {app} {{
        # The secret stays here: the app sees who called, never the key.
        header_up -Authorization
    }}
}}
# --- recipe: end
"#
    )
}

#[tokio::test]
async fn caddy_forward_auth_lets_valid_keys_through_only() {
    let caddy_bin = "/usr/bin/caddy";
    if !common::prerequisite(
        "Caddy",
        std::path::Path::new(caddy_bin).exists(),
        "apt-get install -y caddy",
    ) {
        return;
    }
    let (app, _admin, key) = app_with_key("Behind Caddy").await;
    let upstream = echo_app().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let conf = dir.path().join("Caddyfile");
    std::fs::write(&conf, caddyfile(port, &app.base, &upstream)).expect("write config");
    let _caddy = Proxy(
        Command::new(caddy_bin)
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(&conf)
            .env("HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start caddy"),
    );
    let url = format!("http://127.0.0.1:{port}/protected/");
    let client = reqwest::Client::new();
    listens(&client, &url, "caddy").await;

    assert_eq!(
        client.get(&url).send().await.expect("get").status(),
        StatusCode::UNAUTHORIZED
    );
    only_keywards_word_reaches_the_app(&client, &url, &key, String::new).await;
    guesses_are_throttled_and_the_key_still_works(&client, &url, &key).await;
    ended_keys_are_refused(&client, &app, &url, &key).await;
}

#[test]
fn the_documented_caddy_recipe_is_the_one_tested() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/proxies.md"))
        .expect("docs/proxies.md");
    let block = &doc[doc.find("```caddy").expect("a caddy block") + 8..];
    let block = &block[..block.find("```").expect("block end")];
    let tested = caddyfile(8443, "http://127.0.0.1:8080", "http://your-app:8000");
    let tested: Vec<&str> = tested.lines().map(str::trim).collect();
    let doc_lines: Vec<&str> = block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let start = tested
        .iter()
        .position(|l| *l == doc_lines[0])
        .expect("the recipe's first line");
    assert_eq!(
        &tested[start..start + doc_lines.len()],
        doc_lines.as_slice()
    );
}
