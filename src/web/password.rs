//! Passwords: forgotten (a reset link by mail, 1 h), set from an invitation or reset link
//! (single use), and changed from My profile (signs out the other sessions).

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::context::SESSION_EPOCH;
use super::{Chrome, CsrfForm, Ctx, render, see_other};
use crate::auth::password;
use crate::changes;
use crate::db::{self, audit::Actor, tokens};
use crate::domain::validation;
use crate::error::AppError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/password/forgot")
            .route(web::get().to(forgot_form))
            .route(web::post().to(forgot)),
    )
    .service(
        web::resource("/password/set")
            .route(web::get().to(set_form))
            .route(web::post().to(set)),
    )
    .service(
        web::resource("/profile/password")
            .route(web::get().to(change_form))
            .route(web::post().to(change)),
    );
}

#[derive(Template)]
#[template(path = "password/forgot.html")]
struct ForgotPage {
    c: Chrome,
}

pub async fn forgot_form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    render(&ForgotPage { c: ctx.chrome })
}

#[derive(Deserialize)]
pub struct ForgotForm {
    email: String,
}

fn system_actor(ctx: &Ctx, account_id: Option<i32>) -> Actor {
    Actor::named_system("password reset", Some(ctx.ip.clone()), account_id)
}

/// The answer is the same whether the email exists or not.
pub async fn forgot(
    ctx: Ctx,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    // Counted like a failure, so nobody can mail-bomb an operator from one address.
    ctx.state
        .sign_in_limits
        .reserve_address(&ctx.ip)
        .map_err(|retry_after| AppError::RateLimited { retry_after })?;
    if let Ok(email) = validation::email(&form.email) {
        let token = super::account::operators::link_token()?;
        let link = format!(
            "{}/password/set?token={token}",
            ctx.state.settings.public_url.trim_end_matches('/')
        );
        let cx = ctx.state.system_change(system_actor(&ctx, None));
        ctx.state
            .db(move |c| {
                let link = changes::operators::Link {
                    purpose: tokens::RESET,
                    token: &token,
                    url: &link,
                    valid_for: chrono::Duration::hours(1),
                };
                Ok(changes::operators::request_reset(c, &cx, &email, link)?)
            })
            .await?;
    }
    ctx.flash("password.reset_sent")?;
    Ok(see_other("/login"))
}

#[derive(Template)]
#[template(path = "password/set.html")]
struct SetPage {
    c: Chrome,
    token: String,
    valid: bool,
    error: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

pub async fn set_form(ctx: Ctx, query: web::Query<TokenQuery>) -> Result<HttpResponse, AppError> {
    let token = query.token.clone().unwrap_or_default();
    let (lookup, now) = (token.clone(), ctx.state.clock.now());
    let valid = ctx
        .state
        .db(move |c| Ok(tokens::valid(c, &lookup, now)?))
        .await?
        .is_some();
    let mut res = render(&SetPage {
        c: ctx.chrome,
        token,
        valid,
        error: None,
    })?;
    if !valid {
        *res.status_mut() = actix_web::http::StatusCode::NOT_FOUND;
    }
    Ok(res)
}

#[derive(Deserialize)]
pub struct SetForm {
    token: String,
    password: String,
    password_confirm: String,
}

pub async fn set(ctx: Ctx, CsrfForm(form): CsrfForm<SetForm>) -> Result<HttpResponse, AppError> {
    if let Err(key) = validation::new_password(&form.password, &form.password_confirm) {
        let mut res = render(&SetPage {
            c: ctx.chrome,
            token: form.token,
            valid: true,
            error: Some(key),
        })?;
        *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(res);
    }
    let secret = form.password.clone();
    let hash = ctx.state.argon2(move || password::hash(&secret)).await??;
    let (token, cx) = (
        form.token.clone(),
        ctx.state.system_change(system_actor(&ctx, None)),
    );
    let done = ctx
        .state
        .db(move |c| {
            Ok(changes::operators::set_password_by_link(
                c, &cx, &token, &hash,
            )?)
        })
        .await?
        .is_some();
    if !done {
        let mut res = render(&SetPage {
            c: ctx.chrome,
            token: String::new(),
            valid: false,
            error: None,
        })?;
        *res.status_mut() = actix_web::http::StatusCode::NOT_FOUND;
        return Ok(res);
    }
    ctx.flash("password.set_done")?;
    Ok(see_other("/login"))
}

#[derive(Template)]
#[template(path = "password/change.html")]
struct ChangePage {
    c: Chrome,
    error: Option<&'static str>,
}

pub async fn change_form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.operator()?;
    render(&ChangePage {
        c: ctx.chrome,
        error: None,
    })
}

#[derive(Deserialize)]
pub struct ChangeForm {
    current: String,
    password: String,
    password_confirm: String,
}

pub async fn change(
    ctx: Ctx,
    CsrfForm(form): CsrfForm<ChangeForm>,
) -> Result<HttpResponse, AppError> {
    let id = ctx.operator()?.id;
    let refuse = |ctx: Ctx, key| {
        let mut res = render(&ChangePage {
            c: ctx.chrome,
            error: Some(key),
        })?;
        *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
        Ok(res)
    };
    if let Err(key) = validation::new_password(&form.password, &form.password_confirm) {
        return refuse(ctx, key);
    }
    // Guessing the current password from a session someone left open is limited too.
    let reservation = ctx
        .state
        .sign_in_limits
        .reserve_operator(id)
        .map_err(|retry_after| AppError::RateLimited { retry_after })?;
    let op = ctx
        .state
        .db(move |c| Ok(db::operators::find(c, id)?))
        .await?;
    let (stored, current, new) = (op.password_hash.clone(), form.current, form.password);
    let hash = ctx
        .state
        .argon2(move || {
            password::verify(&stored, &current)
                .then(|| password::hash(&new))
                .transpose()
        })
        .await??;
    let Some(hash) = hash else {
        reservation.failed();
        return refuse(ctx, "password.wrong_current");
    };
    reservation.succeeded();
    let cx = ctx.change()?;
    let epoch = ctx
        .state
        .db(move |c| {
            Ok(changes::operators::set_password(
                c,
                &cx,
                &op,
                &hash,
                crate::db::audit::Action::OperatorPasswordChanged,
            )?)
        })
        .await?;
    // This session stays signed in, under a new id; every other one ends.
    ctx.session.renew();
    ctx.session.insert(SESSION_EPOCH, epoch)?;
    ctx.flash("password.changed")?;
    Ok(see_other("/profile/password"))
}
