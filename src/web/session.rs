//! Signing in and out, the language switch, the home page and the health check.

use actix_web::HttpResponse;
use askama::Template;
use serde::Deserialize;

use super::context::{SESSION_CSRF, SESSION_EPOCH, SESSION_LANG, SESSION_OPERATOR};
use super::{Chrome, CsrfForm, Ctx, State, render, see_other};
use crate::auth::password;
use crate::changes;
use crate::db;
use crate::db::audit::Actor;
use crate::domain::permissions::Permission;
use crate::error::AppError;
use crate::i18n::Lang;

pub async fn healthz(state: State) -> HttpResponse {
    match state.db(|c| Ok(db::operators::any_exists(c)?)).await {
        Ok(_) => HttpResponse::Ok().json(serde_json::json!({"status": "ok"})),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "unavailable"}))
        }
    }
}

/// Liveness without the database: the process answers HTTP (also the benchmark's ceiling).
pub async fn livez() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "alive"}))
}

pub async fn home(ctx: Ctx) -> Result<HttpResponse, AppError> {
    let me = ctx.operator()?;
    // Account setup for those who may see it; everybody else starts at their own keys.
    if me.may(Permission::OperatorsRead) {
        return Ok(see_other("/account"));
    }
    Ok(see_other("/profile/api-credentials"))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    email: String,
    failed: bool,
}

pub async fn login_form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    if ctx.chrome.operator.is_some() {
        return Ok(see_other("/"));
    }
    render(&LoginPage {
        c: ctx.chrome,
        email: String::new(),
        failed: false,
    })
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
}

/// The device cookie of a browser that signed in (see `auth::signin`).
pub fn device_cookie(value: String, secure: bool) -> actix_web::cookie::Cookie<'static> {
    actix_web::cookie::Cookie::build(crate::auth::signin::DEVICE_COOKIE, value)
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(actix_web::cookie::SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::days(365))
        .finish()
}

/// Checks an operator's email and password, within the sign-in limits: the operator, or
/// `None` for a wrong pair (counted) — with the account the email belongs to, if any, for
/// the journal. `Err(RateLimited)` without any argon2 work when over a limit.
pub async fn check_password(
    state: &State,
    req: &actix_web::HttpRequest,
    email: &str,
    password: String,
    ip: &str,
) -> Result<(Option<db::operators::Operator>, Option<i32>), AppError> {
    let limits = &state.sign_in_limits;
    let cookie = req.cookie(crate::auth::signin::DEVICE_COOKIE);
    let device = limits.trusted_device(cookie.as_ref().map(|c| c.value()), email);
    // Who the email names (an indexed read), so the account's limit is that operator's.
    let lookup = email.to_owned();
    let (found, account_active) = state
        .db(move |c| {
            let found = db::operators::find_by_email(c, &lookup)?;
            let active = match &found {
                Some(op) => db::accounts::find(c, op.account_id)?.active,
                None => false,
            };
            Ok((found, active))
        })
        .await?;
    let reservation = limits
        .reserve(found.as_ref().map(|op| op.id), ip, device.as_deref())
        .map_err(|retry_after| AppError::RateLimited { retry_after })?;
    // Unknown email, inactive or invited operator (or one of a deactivated sub account) and
    // wrong password all cost one argon2 check and give the same answer.
    let dummy = state.dummy_hash.clone();
    let account_id = found.as_ref().map(|op| op.account_id);
    let operator = state
        .argon2(move || {
            let candidate = found.filter(|op| op.active && account_active);
            let stored = candidate.as_ref().map(|op| op.password_hash.as_str());
            let matches = password::verify_or_dummy(stored, &dummy, &password);
            candidate.filter(|_| matches)
        })
        .await?;
    match &operator {
        Some(_) => reservation.succeeded(),
        None => reservation.failed(),
    }
    Ok((operator, account_id))
}

pub async fn login(
    ctx: Ctx,
    req: actix_web::HttpRequest,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let email = form.email.trim().to_lowercase();
    let ip = ctx.ip.clone();
    let (operator, account_id) =
        check_password(&ctx.state, &req, &email, form.password, &ip).await?;
    // Journalled either way: who signed in, or which email failed from where.
    let actor = match &operator {
        Some(op) => Actor {
            kind: crate::db::audit::ActorKind::Operator,
            id: Some(op.id),
            name: op.name.clone(),
            ip: Some(ip.clone()),
            account_id: Some(op.account_id),
        },
        None => Actor::named_system("sign-in", Some(ip.clone()), account_id),
    };
    let (now, journalled, attempted) = (ctx.state.clock.now(), operator.clone(), email.clone());
    ctx.state
        .db(move |c| {
            Ok(changes::operators::sign_in(
                c,
                &actor,
                now,
                journalled.as_ref(),
                &attempted,
            )?)
        })
        .await?;
    let Some(operator) = operator else {
        let mut res = render(&LoginPage {
            c: ctx.chrome,
            email,
            failed: true,
        })?;
        *res.status_mut() = actix_web::http::StatusCode::UNAUTHORIZED;
        return Ok(res);
    };
    // A new session id at sign-in (no fixation); the language choice carries over.
    ctx.session.renew();
    ctx.session.remove(SESSION_CSRF);
    ctx.session.insert(SESSION_OPERATOR, operator.id)?;
    ctx.session.insert(SESSION_EPOCH, operator.session_epoch)?;
    super::context::start_session(&ctx.state, &ctx.session)?;
    let device = ctx.state.sign_in_limits.issue_device(&email)?;
    let mut res = see_other("/");
    res.add_cookie(&device_cookie(device, ctx.state.settings.secure_cookies))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(res)
}

pub async fn logout(ctx: Ctx, CsrfForm(_): CsrfForm<Empty>) -> Result<HttpResponse, AppError> {
    let lang = ctx.lang();
    // The session's tag is marked ended: a copy of this session that a request still in
    // flight writes back (under a new id: a password change renews it) is signed out too.
    if let (Some(me), Some(tag)) = (
        ctx.chrome.operator.as_ref().map(|o| o.id),
        ctx.session.get::<String>(super::context::SESSION_TAG)?,
    ) {
        let until = ctx.state.clock.now()
            + chrono::Duration::seconds(ctx.state.settings.session_max_seconds.max(0));
        ctx.state
            .db(move |c| {
                use diesel::result::{DatabaseErrorKind, Error};
                match db::tokens::create(c, me, db::tokens::SESSION_ENDED, &tag, until) {
                    // Signed out twice at once (a double click): once is enough.
                    Ok(()) | Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => {
                        Ok(())
                    }
                    Err(e) => Err(e.into()),
                }
            })
            .await?;
    }
    // Renewing deletes the old server-side row, so a replayed old cookie finds nothing;
    // the fresh session only keeps the language and the goodbye message.
    ctx.session.clear();
    ctx.session.renew();
    ctx.session.insert(SESSION_LANG, lang)?;
    super::context::set_flash(&ctx.session, "login.signed_out", false)?;
    Ok(see_other("/login"))
}

#[derive(Deserialize)]
pub struct Empty {}

#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
    next: Option<String>,
}

/// Where to go back to: only a local path, never another site, and nothing a `Location`
/// header should not carry (a newline, a tab, a space: a path of ours is plain ASCII).
pub fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.contains('\\')
                && p.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            p
        }
        _ => "/",
    }
}

pub async fn language(
    ctx: Ctx,
    CsrfForm(form): CsrfForm<LanguageForm>,
) -> Result<HttpResponse, AppError> {
    let lang = Lang::from_code(&form.lang).ok_or(AppError::BadRequest("error.bad_form"))?;
    ctx.session.insert(SESSION_LANG, lang)?;
    if let Some(me) = &ctx.chrome.operator {
        let id = me.id;
        ctx.state
            .db(move |c| Ok(db::operators::set_language(c, id, lang.code())?))
            .await?;
    }
    Ok(see_other(local_path(form.next.as_deref())))
}
