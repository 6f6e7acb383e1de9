//! My profile → API credentials (seeds 001/003): every operator's own keys, with their own
//! privileges, whatever their groups. Changes take effect at once.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::db::{self, credentials::OwnerRef};
use crate::domain::validation;
use crate::error::AppError;
use crate::web::account::operator_api::LabelForm;
use crate::web::key_page::{self, Crumb};
use crate::web::keys::{
    self, Change, Config, FormDialog, KeyList, KeyQuery, ListPosition, NewKeyForm, Refused, Texts,
};
use crate::web::session::Empty;
use crate::web::{Chrome, CsrfForm, Ctx, render};

const BASE: &str = "/profile/api-credentials";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/profile").route(web::get().to(|| async { crate::web::see_other(BASE) })),
    )
    .service(web::resource(BASE).route(web::get().to(page)))
    .service(web::resource(format!("{BASE}/add")).route(web::post().to(add)))
    .service(web::resource(format!("{BASE}/usage")).route(web::get().to(usage)))
    .service(web::resource(format!("{BASE}/{{row}}")).route(web::get().to(key_page)))
    .service(web::resource(format!("{BASE}/{{row}}/roll")).route(web::post().to(roll)))
    .service(web::resource(format!("{BASE}/{{row}}/roll/end")).route(web::post().to(retire)))
    .service(web::resource(format!("{BASE}/{{row}}/roll/extend")).route(web::post().to(extend)))
    .service(web::resource(format!("{BASE}/{{row}}/allowlist")).route(web::post().to(allowlist)))
    .service(web::resource(format!("{BASE}/{{row}}/usage.csv")).route(web::get().to(usage_csv)))
    .service(web::resource(format!("{BASE}/{{row}}/rename")).route(web::post().to(rename)))
    .service(web::resource(format!("{BASE}/{{row}}/delete")).route(web::post().to(delete)));
}

fn config() -> Config {
    Config {
        base: BASE.into(),
        detail: BASE.into(),
        staged: false,
        can_edit: true,
        username_column: true,
        created_column: true,
        last_used_column: true,
        last_ip_column: true,
        status: "none",
        edit_status: false,
        confirm_delete: true,
        delete_words: false,
        plus_icon: false,
        texts: Texts {
            label_header: "keys.name",
            add: "keys.generate",
            add_title: "keys.generate_title",
            add_intro: "keys.generate_intro",
            add_submit: "keys.generate_submit",
            edit: "keys.rename",
            edit_title: "keys.rename_title",
            delete: "keys.revoke",
            delete_title: "keys.revoke_title",
            delete_question: "keys.revoke_question",
            empty: "keys.profile_empty",
            help: "keys.profile_help",
            secret_name: "keys.secret",
            reveal_title: "keys.reveal_title",
            reveal_intro: "keys.reveal_intro",
            reveal_note: "keys.reveal_now",
            reveal_done: "keys.reveal_done",
            active: "common.active",
            inactive: "common.inactive",
        },
    }
}

#[derive(Template)]
#[template(path = "profile/api_credentials.html")]
struct ProfileKeysPage {
    c: Chrome,
    endpoint: String,
    keys: KeyList,
}

pub async fn page(
    ctx: Ctx,
    req: HttpRequest,
    query: web::Query<KeyQuery>,
) -> Result<HttpResponse, AppError> {
    if let Some(url) = query.without_secret(BASE) {
        return Ok(crate::web::see_other(&url));
    }
    respond(ctx, &req, &query, None).await
}

async fn respond(
    ctx: Ctx,
    req: &HttpRequest,
    query: &KeyQuery,
    refused: Option<Refused>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.operator()?.id;
    let (search, page) = query.list_request()?;
    let saved = ctx
        .state
        .db(move |c| {
            Ok(db::credentials::page_for_owner(
                c,
                OwnerRef::Operator(me),
                &search,
                page,
            )?)
        })
        .await?;
    let keys = KeyList::build(&ctx, req, config(), &saved, None, query, refused).await?;
    let endpoint = format!(
        "{}/api/v1",
        ctx.state.settings.public_url.trim_end_matches('/')
    );
    let secure = ctx.state.settings.secure_cookies;
    let taken = keys.reveal.is_some();
    let res = render(&ProfileKeysPage {
        c: ctx.chrome,
        endpoint,
        keys,
    })?;
    keys::finish_page(req, res, secure, taken)
}

async fn refuse(
    ctx: Ctx,
    req: HttpRequest,
    query: &KeyQuery,
    refused: Refused,
) -> Result<HttpResponse, AppError> {
    let mut res = respond(ctx, &req, query, Some(refused)).await?;
    *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

fn mine(ctx: &Ctx) -> Result<OwnerRef, AppError> {
    Ok(OwnerRef::Operator(ctx.operator()?.id))
}

pub async fn add(
    ctx: Ctx,
    req: HttpRequest,
    CsrfForm(form): CsrfForm<NewKeyForm>,
) -> Result<HttpResponse, AppError> {
    let owner = mine(&ctx)?;
    match form.validate(ctx.state.clock.now()) {
        Ok(key) => keys::apply(&ctx, owner, BASE, Change::Create(key)).await,
        Err(dialog) => refuse(ctx, req, &KeyQuery::default(), Refused::Add(dialog)).await,
    }
}

pub async fn rename(
    ctx: Ctx,
    req: HttpRequest,
    path: web::Path<String>,
    position: web::Query<ListPosition>,
    CsrfForm(form): CsrfForm<LabelForm>,
) -> Result<HttpResponse, AppError> {
    let owner = mine(&ctx)?;
    let public_id = path.into_inner();
    match validation::label(&form.label) {
        Ok(label) => {
            keys::apply(
                &ctx,
                owner,
                &position.back_to(BASE),
                Change::Update {
                    public_id,
                    label: Some(label),
                    active: None,
                },
            )
            .await
        }
        Err(key) => {
            let dialog = FormDialog {
                public_id,
                label: form.label,
                expires: String::new(),
                scopes: String::new(),
                active: true,
                error: Some(key),
                canary: false,
            };
            refuse(ctx, req, &position.query(), Refused::Edit(dialog)).await
        }
    }
}

pub async fn delete(
    ctx: Ctx,
    path: web::Path<String>,
    position: web::Query<ListPosition>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let owner = mine(&ctx)?;
    keys::apply(
        &ctx,
        owner,
        &position.back_to(BASE),
        Change::Delete {
            public_id: path.into_inner(),
        },
    )
    .await
}

fn listing(ctx: &Ctx) -> Result<key_page::Listing, AppError> {
    Ok(key_page::Listing {
        owner: mine(ctx)?,
        crumbs: vec![
            Crumb::heading(ctx.chrome.t("nav.my_profile")),
            Crumb::to(ctx.chrome.t("keys.profile_title"), BASE),
        ],
        config: config(),
        can_roll: true,
    })
}

/// Every key of mine, their usage together and key by key.
pub async fn usage(ctx: Ctx) -> Result<HttpResponse, AppError> {
    let listing = listing(&ctx)?;
    key_page::owner_usage(ctx, listing).await
}

/// One of my keys, on its own page.
pub async fn key_page(
    ctx: Ctx,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let listing = listing(&ctx)?;
    key_page::show(ctx, &req, listing, path.into_inner()).await
}

pub async fn roll(
    ctx: Ctx,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<key_page::RollForm>,
) -> Result<HttpResponse, AppError> {
    let listing = listing(&ctx)?;
    key_page::roll(ctx, listing, path.into_inner(), form).await
}

pub async fn retire(
    ctx: Ctx,
    path: web::Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let listing = listing(&ctx)?;
    key_page::retire(ctx, listing, path.into_inner()).await
}

pub async fn extend(
    ctx: Ctx,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<key_page::ExtendForm>,
) -> Result<HttpResponse, AppError> {
    let listing = listing(&ctx)?;
    key_page::extend(ctx, listing, path.into_inner(), form).await
}

pub async fn allowlist(
    ctx: Ctx,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<key_page::AllowlistForm>,
) -> Result<HttpResponse, AppError> {
    let listing = listing(&ctx)?;
    key_page::set_allowlist(ctx, listing, path.into_inner(), form).await
}

pub async fn usage_csv(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let listing = listing(&ctx)?;
    key_page::usage_csv(ctx, listing, path.into_inner()).await
}
