//! Webhooks (`/settings/webhooks`, *Settings / Write*): the account's endpoints, each with
//! its events, its signing secret (shown once, when made or renewed), its delivery log, a
//! test event, redelivery, and turning it off and on.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::session::Empty;
use super::{Chrome, CsrfForm, Ctx, render, see_other};
use crate::auth::webhook_secret::WebhookKeys;
use crate::changes;
use crate::db::webhooks::{self as hooks, Delivery, Endpoint, NewEndpoint};
use crate::domain::permissions::Permission;
use crate::domain::validation;
use crate::domain::webhook::{self, Event};
use crate::error::AppError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/settings/webhooks")
            .route(web::get().to(list_page))
            .route(web::post().to(add)),
    )
    .service(web::resource("/settings/webhooks/{id}").route(web::get().to(endpoint_page)))
    .service(web::resource("/settings/webhooks/{id}/test").route(web::post().to(send_test)))
    .service(web::resource("/settings/webhooks/{id}/active").route(web::post().to(set_active)))
    .service(web::resource("/settings/webhooks/{id}/secret").route(web::post().to(new_secret)))
    .service(web::resource("/settings/webhooks/{id}/delete").route(web::post().to(delete)))
    .service(
        web::resource("/settings/webhooks/{id}/deliveries/{delivery}/redeliver")
            .route(web::post().to(redeliver)),
    );
}

/// Webhooks need *Settings / Write* and *Audit / Read*: an endpoint receives what the
/// journal says (names, owners, addresses keys are used from), which only *Audit / Read*
/// may read. Returns the account.
fn may_manage(ctx: &Ctx) -> Result<i32, AppError> {
    ctx.require(Permission::AuditRead)?;
    Ok(ctx.require(Permission::SettingsWrite)?.account_id)
}

/// A form as sent: repeated fields (the event boxes) kept.
type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// The Add form as typed, to show again with what is wrong.
#[derive(Default)]
struct AddForm {
    url: String,
    description: String,
    events: Vec<String>,
}

#[derive(Template)]
#[template(path = "settings/webhooks.html")]
struct ListPage {
    c: Chrome,
    endpoints: Vec<Endpoint>,
    events: &'static [Event],
    form: AddForm,
    error: Option<&'static str>,
}

impl ListPage {
    fn checked(&self, e: &Event) -> bool {
        self.form.events.is_empty() || self.form.events.iter().any(|x| x == e.code())
    }
}

pub async fn list_page(ctx: Ctx) -> Result<HttpResponse, AppError> {
    list_with(ctx, AddForm::default(), None).await
}

async fn list_with(
    ctx: Ctx,
    form: AddForm,
    error: Option<&'static str>,
) -> Result<HttpResponse, AppError> {
    let account_id = may_manage(&ctx)?;
    let endpoints = ctx
        .state
        .db(move |c| Ok(hooks::list(c, account_id)?))
        .await?;
    let mut res = render(&ListPage {
        c: ctx.chrome,
        endpoints,
        events: Event::ALL,
        form,
        error,
    })?;
    if error.is_some() {
        *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

/// Refuses an address Keyward would not deliver to anyway: a private one written as an IP
/// (a name is checked on each delivery, on what it resolves to then).
fn deliverable(ctx: &Ctx, url: &str) -> Result<(), &'static str> {
    let private = webhook::literal_address(url).is_some_and(|ip| !webhook::public(ip));
    if private && !ctx.state.settings.webhook_private_addresses {
        return Err("webhooks.url_private");
    }
    Ok(())
}

pub async fn add(ctx: Ctx, CsrfForm(fields): CsrfForm<Fields>) -> Result<HttpResponse, AppError> {
    let account_id = may_manage(&ctx)?;
    let form = AddForm {
        url: field(&fields, "url").to_owned(),
        description: field(&fields, "description").to_owned(),
        events: fields
            .iter()
            .filter(|(k, _)| k == "event")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    let checked = webhook::url(&form.url).and_then(|url| {
        deliverable(&ctx, &url)?;
        Ok((
            url,
            validation::description(&form.description)?,
            webhook::events(&form.events)?,
        ))
    });
    let (url, description, events) = match checked {
        Ok(values) => values,
        Err(key) => {
            // Nothing ticked is an error too: show the boxes as they were sent.
            let form = AddForm {
                events: if form.events.is_empty() {
                    vec![String::new()]
                } else {
                    form.events
                },
                ..form
            };
            return list_with(ctx, form, Some(key)).await;
        }
    };
    let salt = WebhookKeys::new_salt()?;
    let (cx, keys) = (ctx.change()?, ctx.state.webhook_keys.clone());
    let (endpoint, secret) = ctx
        .state
        .db(move |c| {
            let new = NewEndpoint {
                account_id,
                url: &url,
                description: &description,
                events: &events,
                secret_salt: &salt,
            };
            Ok(changes::webhooks::create(c, &cx, &keys, &new)?)
        })
        .await?;
    // The one response with the secret in it (every page is `no-store`).
    show(ctx, endpoint, Some(secret)).await
}

#[derive(Template)]
#[template(path = "settings/webhook.html")]
struct EndpointPage {
    c: Chrome,
    endpoint: Endpoint,
    /// The labels of the events it receives.
    events: Vec<&'static str>,
    deliveries: Vec<Delivery>,
    /// Just made or renewed: shown this once.
    secret: Option<String>,
}

impl EndpointPage {
    /// A delivery's state, as a catalog key.
    fn state(&self, d: &Delivery) -> &'static str {
        match (d.delivered_at, d.next_attempt_at, d.attempts) {
            (_, Some(_), 0) => "webhooks.state_queued",
            (_, Some(_), _) => "webhooks.state_retrying",
            (Some(_), None, _) => "webhooks.state_delivered",
            (None, None, _) => "webhooks.state_failed",
        }
    }
}

async fn show(
    ctx: Ctx,
    endpoint: Endpoint,
    secret: Option<String>,
) -> Result<HttpResponse, AppError> {
    let id = endpoint.id;
    let deliveries = ctx
        .state
        .db(move |c| Ok(hooks::deliveries(c, id, 50)?))
        .await?;
    let events = Event::ALL
        .iter()
        .filter(|e| endpoint.receives(e.code()))
        .map(|e| e.label_key())
        .collect();
    render(&EndpointPage {
        c: ctx.chrome,
        endpoint,
        events,
        deliveries,
        secret,
    })
}

pub async fn endpoint_page(ctx: Ctx, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let account_id = may_manage(&ctx)?;
    let id = path.into_inner();
    let endpoint = ctx
        .state
        .db(move |c| Ok(hooks::find(c, account_id, id)?))
        .await?;
    show(ctx, endpoint, None).await
}

#[derive(serde::Deserialize)]
pub struct ActiveForm {
    active: String,
}

fn back(id: i32) -> HttpResponse {
    see_other(&format!("/settings/webhooks/{id}"))
}

pub async fn send_test(
    ctx: Ctx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let account_id = may_manage(&ctx)?;
    let (cx, id) = (ctx.change()?, path.into_inner());
    ctx.state
        .db(move |c| Ok(changes::webhooks::send_test(c, &cx, account_id, id)?))
        .await?;
    ctx.flash("webhooks.test_queued")?;
    Ok(back(id))
}

pub async fn set_active(
    ctx: Ctx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<ActiveForm>,
) -> Result<HttpResponse, AppError> {
    let account_id = may_manage(&ctx)?;
    let active = match form.active.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::BadRequest("error.bad_form")),
    };
    let (cx, id) = (ctx.change()?, path.into_inner());
    ctx.state
        .db(move |c| {
            Ok(changes::webhooks::set_active(
                c, &cx, account_id, id, active,
            )?)
        })
        .await?;
    ctx.flash(if active {
        "webhooks.enabled"
    } else {
        "webhooks.disabled"
    })?;
    Ok(back(id))
}

pub async fn new_secret(
    ctx: Ctx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let account_id = may_manage(&ctx)?;
    let (cx, id, keys) = (
        ctx.change()?,
        path.into_inner(),
        ctx.state.webhook_keys.clone(),
    );
    let salt = WebhookKeys::new_salt()?;
    let (endpoint, secret) = ctx
        .state
        .db(move |c| {
            Ok(changes::webhooks::new_secret(
                c, &cx, &keys, account_id, id, &salt,
            )?)
        })
        .await?;
    show(ctx, endpoint, Some(secret)).await
}

pub async fn delete(
    ctx: Ctx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let account_id = may_manage(&ctx)?;
    let (cx, id) = (ctx.change()?, path.into_inner());
    ctx.state
        .db(move |c| Ok(changes::webhooks::delete(c, &cx, account_id, id)?))
        .await?;
    ctx.flash("webhooks.deleted")?;
    Ok(see_other("/settings/webhooks"))
}

pub async fn redeliver(
    ctx: Ctx,
    path: web::Path<(i32, i32)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let account_id = may_manage(&ctx)?;
    let (cx, (id, delivery)) = (ctx.change()?, path.into_inner());
    ctx.state
        .db(move |c| {
            Ok(changes::webhooks::redeliver(
                c, &cx, account_id, id, delivery,
            )?)
        })
        .await?;
    ctx.flash("webhooks.redelivery_queued")?;
    Ok(back(id))
}
