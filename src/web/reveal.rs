//! Reveal once. A new secret travels from the request that created it to the page that
//! shows it in a short-lived cookie encrypted with the app's key: it is never stored on
//! the server in clear, appears in clear in exactly one response, and the page that shows
//! it deletes the cookie.

use actix_web::cookie::{Cookie, CookieJar, Key, SameSite, time::Duration};
use actix_web::{HttpRequest, HttpResponseBuilder};
use serde::{Deserialize, Serialize};

use crate::domain::credential::{self, Secret};

const COOKIE: &str = "keyward_reveal";

#[derive(Serialize, Deserialize)]
struct Stored {
    owner: String,
    public_id: String,
    label: String,
    secret: String,
}

/// A secret to show once, on the page of `owner` (e.g. `operator:7`).
pub struct Reveal {
    pub owner: String,
    pub public_id: String,
    pub label: String,
    pub secret: Secret,
}

impl Reveal {
    pub fn token(&self) -> Secret {
        credential::token(&self.public_id, &self.secret)
    }
}

fn base_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build(COOKIE, value)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Strict)
        .max_age(Duration::minutes(5))
        .finish()
}

/// Attaches the encrypted reveal cookie to a (redirect) response.
pub fn attach(
    res: &mut HttpResponseBuilder,
    key: &Key,
    reveal: &Reveal,
    secure: bool,
) -> Result<(), serde_json::Error> {
    let stored = Stored {
        owner: reveal.owner.clone(),
        public_id: reveal.public_id.clone(),
        label: reveal.label.clone(),
        secret: reveal.secret.expose().to_owned(),
    };
    let mut jar = CookieJar::new();
    jar.private_mut(key)
        .add(base_cookie(serde_json::to_string(&stored)?, secure));
    if let Some(encrypted) = jar.delta().next() {
        res.cookie(encrypted.clone());
    }
    Ok(())
}

/// Reads the reveal meant for `owner`, if any. The caller must send `removal()` back.
pub fn take(req: &HttpRequest, key: &Key, owner: &str) -> Option<Reveal> {
    let cookie = req.cookie(COOKIE)?;
    let mut jar = CookieJar::new();
    jar.add_original(cookie);
    let plain = jar.private(key).get(COOKIE)?;
    let stored: Stored = serde_json::from_str(plain.value()).ok()?;
    (stored.owner == owner).then(|| Reveal {
        owner: stored.owner,
        public_id: stored.public_id,
        label: stored.label,
        secret: Secret::new(stored.secret),
    })
}

pub fn present(req: &HttpRequest) -> bool {
    req.cookie(COOKIE).is_some()
}

/// Deletes the cookie in the browser.
pub fn removal(secure: bool) -> Cookie<'static> {
    let mut cookie = base_cookie(String::new(), secure);
    cookie.make_removal();
    cookie
}
