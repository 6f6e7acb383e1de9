//! `/account/sub-accounts`: a main account's sub accounts — the roll-up, making one, and on
//! each one's page renaming, deactivating, deleting with what is in it, and switching into
//! it. `POST /account/switch` moves the session into a sub account and back. Only for
//! administrators of a main account (`changes::sub_accounts`); anyone else gets 404.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::changes::{self, ChangeError, sub_accounts};
use crate::db::accounts::{Account, Contents, SubAccount};
use crate::domain::validation;
use crate::error::AppError;
use crate::web::context::SESSION_ACCOUNT;
use crate::web::{Chrome, CsrfForm, Ctx, render, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/account/sub-accounts")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(web::resource("/account/sub-accounts/{id}").route(web::get().to(show)))
    .service(web::resource("/account/sub-accounts/{id}/rename").route(web::post().to(rename)))
    .service(web::resource("/account/sub-accounts/{id}/active").route(web::post().to(set_active)))
    .service(web::resource("/account/sub-accounts/{id}/delete").route(web::post().to(delete)))
    .service(web::resource("/account/switch").route(web::post().to(switch)));
}

fn url(id: i32) -> String {
    format!("/account/sub-accounts/{id}")
}

#[derive(Template)]
#[template(path = "account/sub_accounts/list.html")]
struct ListPage {
    c: Chrome,
    subs: Vec<SubAccount>,
    name: String,
    error: Option<&'static str>,
}

pub async fn list(ctx: Ctx) -> Result<HttpResponse, AppError> {
    list_with(ctx, String::new(), None).await
}

async fn list_with(
    ctx: Ctx,
    name: String,
    error: Option<&'static str>,
) -> Result<HttpResponse, AppError> {
    let cx = ctx.change()?;
    let subs = ctx
        .state
        .db(move |c| Ok(sub_accounts::list(c, &cx)?))
        .await?;
    let mut res = render(&ListPage {
        c: ctx.chrome,
        subs,
        name,
        error,
    })?;
    if error.is_some() {
        *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

#[derive(Deserialize)]
pub struct NameForm {
    name: String,
}

pub async fn create(
    ctx: Ctx,
    CsrfForm(form): CsrfForm<NameForm>,
) -> Result<HttpResponse, AppError> {
    let cx = ctx.change()?;
    // Who may comes before what was typed: to anyone else the page does not exist.
    {
        let cx = cx.clone();
        ctx.state
            .db(move |c| Ok(sub_accounts::managed_by(c, &cx)?))
            .await?;
    }
    let name = match validation::name(&form.name) {
        Ok(name) => name,
        Err(key) => return list_with(ctx, form.name, Some(key)).await,
    };
    let stored = name.clone();
    match ctx
        .state
        .db(move |c| Ok(sub_accounts::create(c, &cx, &stored)))
        .await?
    {
        Ok(a) => {
            ctx.flash("accounts.created")?;
            Ok(see_other(&url(a.id)))
        }
        Err(ChangeError::Refused(key)) => list_with(ctx, name, Some(key)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "account/sub_accounts/show.html")]
struct AccountPage {
    c: Chrome,
    account: Account,
    contents: Contents,
    confirm_delete: bool,
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    dialog: Option<String>,
}

pub async fn show(
    ctx: Ctx,
    path: web::Path<i32>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let confirm = query.dialog.as_deref() == Some("delete");
    page(ctx, path.into_inner(), confirm, None).await
}

async fn page(
    ctx: Ctx,
    id: i32,
    confirm_delete: bool,
    error: Option<&'static str>,
) -> Result<HttpResponse, AppError> {
    let cx = ctx.change()?;
    let (account, contents) = ctx
        .state
        .db(move |c| Ok(sub_accounts::find(c, &cx, id)?))
        .await?;
    let mut res = render(&AccountPage {
        c: ctx.chrome,
        account,
        contents,
        confirm_delete,
        error,
    })?;
    if error.is_some() {
        *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// After a change: the flash and the redirect, or the page again with a refusal (422).
async fn answer(
    ctx: Ctx,
    id: i32,
    done: Result<(), ChangeError>,
    flash: &str,
    then: String,
) -> Result<HttpResponse, AppError> {
    match done {
        Ok(()) => {
            ctx.flash(flash)?;
            Ok(see_other(&then))
        }
        Err(ChangeError::Refused(key)) => page(ctx, id, false, Some(key)).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn rename(
    ctx: Ctx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<NameForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let cx = ctx.change()?;
    let name = match validation::name(&form.name) {
        Ok(name) => name,
        // Shown only to whoever may see the page (else 404).
        Err(key) => return page(ctx, id, false, Some(key)).await,
    };
    let done = ctx
        .state
        .db(move |c| Ok(sub_accounts::rename(c, &cx, id, &name).map(|_| ())))
        .await?;
    answer(ctx, id, done, "accounts.saved", url(id)).await
}

#[derive(Deserialize)]
pub struct ActiveForm {
    active: bool,
}

pub async fn set_active(
    ctx: Ctx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<ActiveForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let cx = ctx.change()?;
    let done = ctx
        .state
        .db(move |c| Ok(sub_accounts::set_active(c, &cx, id, form.active)))
        .await?;
    let flash = if form.active {
        "accounts.reactivated"
    } else {
        "accounts.deactivated"
    };
    answer(ctx, id, done, flash, url(id)).await
}

/// What the confirmation showed would go: deleted only if that is still what is there.
#[derive(Deserialize)]
pub struct DeleteForm {
    operators: i64,
    groups: i64,
    machines: i64,
    keys: i64,
    webhooks: i64,
}

pub async fn delete(
    ctx: Ctx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<DeleteForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let cx = ctx.change()?;
    let seen = Contents {
        operators: form.operators,
        groups: form.groups,
        machines: form.machines,
        keys: form.keys,
        webhooks: form.webhooks,
    };
    let done = ctx
        .state
        .db(move |c| Ok(changes::sub_accounts::delete(c, &cx, id, seen).map(|_| ())))
        .await?;
    if done.is_ok() && ctx.session.get::<i32>(SESSION_ACCOUNT)? == Some(id) {
        ctx.session.remove(SESSION_ACCOUNT);
    }
    answer(
        ctx,
        id,
        done,
        "accounts.deleted",
        "/account/sub-accounts".into(),
    )
    .await
}

/// `account`: a sub account's id to act in it, empty to come back to one's own account.
#[derive(Deserialize)]
pub struct SwitchForm {
    #[serde(default)]
    account: String,
}

pub async fn switch(
    ctx: Ctx,
    CsrfForm(form): CsrfForm<SwitchForm>,
) -> Result<HttpResponse, AppError> {
    ctx.operator()?;
    if form.account.trim().is_empty() {
        ctx.session.remove(SESSION_ACCOUNT);
        ctx.flash("accounts.switched_back")?;
        return Ok(see_other("/account/sub-accounts"));
    }
    let id: i32 = form
        .account
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest("error.bad_form"))?;
    let cx = ctx.change()?;
    let into = ctx
        .state
        .db(move |c| Ok(sub_accounts::switch_to(c, &cx, id)?))
        .await?;
    ctx.session.insert(SESSION_ACCOUNT, into.id)?;
    ctx.flash("accounts.switched")?;
    Ok(see_other("/account"))
}
