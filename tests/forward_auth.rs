//! `/auth/forward` behind a real nginx (`auth_request`), configured exactly like the README
//! snippet: the protected location answers only for valid credentials and sees who called.

mod common;

use std::process::{Child, Command};

use common::TestApp;
use reqwest::StatusCode;

struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// The README's snippet, with the ports of this test.
fn config(dir: &std::path::Path, port: u16, keyward: &str) -> String {
    let d = dir.display();
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
    server {{
        listen 127.0.0.1:{port};

        # --- README snippet: begin
        location /protected/ {{
            auth_request /_keyward;
            auth_request_set $keyward_credential $upstream_http_x_keyward_credential;
            auth_request_set $keyward_owner $upstream_http_x_keyward_owner;
            auth_request_set $keyward_owner_kind $upstream_http_x_keyward_owner_kind;
            proxy_set_header X-Keyward-Credential $keyward_credential;
            proxy_set_header X-Keyward-Owner $keyward_owner;
            proxy_set_header X-Keyward-Owner-Kind $keyward_owner_kind;
            add_header X-Seen-Credential $keyward_credential always;
            add_header X-Seen-Owner-Kind $keyward_owner_kind always;
            proxy_pass {keyward}/livez;
        }}
        location = /_keyward {{
            internal;
            proxy_pass {keyward}/auth/forward;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Forwarded-For $remote_addr;
        }}
        # --- README snippet: end
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
    let app =
        TestApp::spawn_with(|s| s.trusted_proxies = vec!["127.0.0.1/32".parse().expect("net")])
            .await;
    let admin = app.admin().await;
    let key = app.stage_api_user(&admin, 1, "Behind nginx").await;
    app.save(&admin, 1).await;

    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_port();
    let conf = dir.path().join("nginx.conf");
    std::fs::write(&conf, config(dir.path(), port, &app.base)).expect("write config");
    let _nginx = Nginx(
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
    common::eventually("nginx listens", || async {
        client.get(&url).send().await.is_ok()
    })
    .await;

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
    let ok = client
        .get(&url)
        .bearer_auth(&key.token)
        .send()
        .await
        .expect("get");
    assert_eq!(
        ok.status(),
        StatusCode::OK,
        "{}",
        std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default()
    );
    assert_eq!(
        ok.headers()
            .get("x-seen-credential")
            .and_then(|v| v.to_str().ok()),
        Some(key.username.as_str())
    );
    assert_eq!(
        ok.headers()
            .get("x-seen-owner-kind")
            .and_then(|v| v.to_str().ok()),
        Some("operator")
    );
    let basic = client
        .get(&url)
        .basic_auth(&key.username, Some(&key.password))
        .send()
        .await
        .expect("get");
    assert_eq!(basic.status(), StatusCode::OK);

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
