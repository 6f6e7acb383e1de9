//! Reveal once. A new secret travels from the request that created it to the page that
//! shows it in a short-lived cookie encrypted with the app's key: it is never stored on the
//! server in clear and appears in clear in exactly one response.
//!
//! The cookie alone shows nothing. It names a one-time *reveal* recorded on the server (as a
//! hash, in `operator_tokens`) for the operator and the browser session that created the
//! secret; showing the page consumes it. So a replayed cookie shows nothing the second time,
//! nor after sign-out (the session's tag is gone), nor in another operator's session.

use actix_web::cookie::{Cookie, CookieJar, Key, SameSite, time::Duration};
use actix_web::{HttpRequest, HttpResponseBuilder};
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::db;
use crate::domain::credential::{self, Secret, random_alphanumeric};
use crate::error::AppError;

const COOKIE: &str = "keyward_reveal";
/// How long a new secret may wait to be shown.
const VALID_MINUTES: i64 = 5;

#[derive(Serialize, Deserialize)]
struct Stored {
    owner: String,
    keys: Vec<StoredKey>,
    #[serde(default)]
    rolled: bool,
    nonce: String,
}

#[derive(Serialize, Deserialize)]
struct StoredKey {
    public_id: String,
    label: String,
    secret: String,
}

/// New secrets to show once, on the page `owner` (its address): one new key, or the keys
/// a Save of the API management tab rolled (`rolled`: their old secrets may still work).
pub struct Reveal {
    pub owner: String,
    pub keys: Vec<RevealedKey>,
    pub rolled: bool,
}

pub struct RevealedKey {
    pub public_id: String,
    pub label: String,
    pub secret: Secret,
}

impl RevealedKey {
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
        .max_age(Duration::minutes(VALID_MINUTES))
        .finish()
}

/// What is stored for a reveal: the nonce bound to the session's tag.
fn record_key(nonce: &str, tag: &str) -> String {
    format!("{nonce}:{tag}")
}

/// Records the reveal for the signed-in operator and this session, and attaches the
/// encrypted cookie to the (redirect) response.
pub async fn attach(
    ctx: &Ctx,
    res: &mut HttpResponseBuilder,
    reveal: &Reveal,
) -> Result<(), AppError> {
    let operator_id = ctx.operator()?.id;
    let nonce = random_alphanumeric(22)?;
    let (key, until) = (
        record_key(&nonce, &super::context::session_tag(&ctx.session)?),
        ctx.state.clock.now() + chrono::Duration::minutes(VALID_MINUTES),
    );
    ctx.state
        .db(move |c| {
            Ok(db::tokens::create(
                c,
                operator_id,
                db::tokens::REVEAL,
                &key,
                until,
            )?)
        })
        .await?;
    let stored = Stored {
        owner: reveal.owner.clone(),
        keys: reveal
            .keys
            .iter()
            .map(|k| StoredKey {
                public_id: k.public_id.clone(),
                label: k.label.clone(),
                secret: k.secret.expose().to_owned(),
            })
            .collect(),
        rolled: reveal.rolled,
        nonce,
    };
    let mut jar = CookieJar::new();
    jar.private_mut(&ctx.state.cookie_key).add(base_cookie(
        serde_json::to_string(&stored)?,
        ctx.state.settings.secure_cookies,
    ));
    if let Some(encrypted) = jar.delta().next() {
        res.cookie(encrypted.clone());
    }
    Ok(())
}

fn read(req: &HttpRequest, key: &Key) -> Option<Stored> {
    let cookie = req.cookie(COOKIE)?;
    let mut jar = CookieJar::new();
    jar.add_original(cookie);
    let plain = jar.private(key).get(COOKIE)?;
    serde_json::from_str(plain.value()).ok()
}

/// The reveal meant for `owner`'s page, if this operator in this session has not seen it
/// yet: it is consumed now. The caller must send `removal()` back.
pub async fn take(ctx: &Ctx, req: &HttpRequest, owner: &str) -> Result<Option<Reveal>, AppError> {
    let Some(stored) = read(req, &ctx.state.cookie_key).filter(|s| s.owner == owner) else {
        return Ok(None);
    };
    let (Some(me), Some(tag)) = (
        ctx.chrome.operator.as_ref().map(|o| o.id),
        ctx.session.get::<String>(super::context::SESSION_TAG)?,
    ) else {
        return Ok(None);
    };
    let (key, now) = (record_key(&stored.nonce, &tag), ctx.state.clock.now());
    let first = ctx
        .state
        .db(move |c| {
            Ok(db::tokens::consume_for(
                c,
                me,
                db::tokens::REVEAL,
                &key,
                now,
            )?)
        })
        .await?;
    Ok(first.then(|| Reveal {
        owner: stored.owner,
        keys: stored
            .keys
            .into_iter()
            .map(|k| RevealedKey {
                public_id: k.public_id,
                label: k.label,
                secret: Secret::new(k.secret),
            })
            .collect(),
        rolled: stored.rolled,
    }))
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
