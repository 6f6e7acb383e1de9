//! Settings (`/settings`, needs *Settings / Write*): the mail that has not gone out yet, with
//! the last error of each, so failures are visible; and the account's scope catalog
//! (`/settings/scopes`).

use actix_web::{HttpResponse, web};
use askama::Template;

use serde::Deserialize;

use super::{Chrome, CsrfForm, Ctx, render, see_other};
use crate::changes;
use crate::db::{self, outbox::Mail};
use crate::domain::permissions::Permission;
use crate::domain::rate::{Per, RateLimit};
use crate::domain::scopes::{self, Keyward};
use crate::domain::validation;
use crate::error::AppError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/settings").route(web::get().to(page)))
        .service(web::resource("/settings/rate-limit").route(web::post().to(set_rate_limit)))
        .service(web::resource("/settings/dormant").route(web::post().to(set_dormant)))
        .service(web::resource("/settings/leaks").route(web::post().to(set_leaks)))
        .service(web::resource("/settings/mail").route(web::post().to(set_mail)))
        .service(web::resource("/settings/retention").route(web::post().to(set_retention)))
        .service(
            web::resource("/settings/scopes")
                .route(web::get().to(scopes_page))
                .route(web::post().to(add_scope)),
        )
        .service(web::resource("/settings/scopes/{id}").route(web::post().to(edit_scope)))
        .service(web::resource("/settings/scopes/{id}/delete").route(web::post().to(delete_scope)));
}

/// One row of the catalog, with how many keys carry it.
struct ScopeRow {
    scope: db::scopes::Scope,
    keys: i64,
}

#[derive(Template)]
#[template(path = "settings/scopes.html")]
struct ScopesPage {
    c: Chrome,
    rows: Vec<ScopeRow>,
    keyward: Vec<(&'static str, &'static str)>,
    /// The Add form as typed, and what is wrong with it.
    form: ScopeForm,
    error: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ScopeForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    /// A checkbox: present when ticked.
    open: Option<String>,
}

pub async fn scopes_page(ctx: Ctx) -> Result<HttpResponse, AppError> {
    scopes_with(ctx, ScopeForm::default(), None).await
}

async fn scopes_with(
    ctx: Ctx,
    form: ScopeForm,
    error: Option<&'static str>,
) -> Result<HttpResponse, AppError> {
    let account_id = ctx.require(Permission::SettingsWrite)?.account_id;
    let rows = ctx
        .state
        .db(move |c| {
            let mut rows = Vec::new();
            for scope in db::scopes::list(c, account_id)? {
                let keys = db::scopes::keys_carrying(c, account_id, &scope.name)?;
                rows.push(ScopeRow { scope, keys });
            }
            Ok(rows)
        })
        .await?;
    let keyward = Keyward::ALL
        .iter()
        .map(|k| (k.name(), k.label_key()))
        .collect();
    let mut res = render(&ScopesPage {
        c: ctx.chrome,
        rows,
        keyward,
        form,
        error,
    })?;
    if error.is_some() {
        *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn add_scope(
    ctx: Ctx,
    CsrfForm(form): CsrfForm<ScopeForm>,
) -> Result<HttpResponse, AppError> {
    let account_id = ctx.require(Permission::SettingsWrite)?.account_id;
    let checked = scopes::catalog_name(&form.name)
        .and_then(|name| Ok((name, validation::description(&form.description)?)));
    let (name, description) = match checked {
        Ok(values) => values,
        Err(key) => return scopes_with(ctx, form, Some(key)).await,
    };
    let (cx, open) = (ctx.change()?, form.open.is_some());
    let made = ctx
        .state
        .db(move |c| {
            Ok(changes::scopes::create(
                c,
                &cx,
                account_id,
                &name,
                &description,
                open,
            ))
        })
        .await?;
    match made {
        Ok(_) => {
            ctx.flash("scopes.added")?;
            Ok(see_other("/settings/scopes"))
        }
        Err(changes::ChangeError::Refused(key)) => scopes_with(ctx, form, Some(key)).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_scope(
    ctx: Ctx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<ScopeForm>,
) -> Result<HttpResponse, AppError> {
    let account_id = ctx.require(Permission::SettingsWrite)?.account_id;
    let description = match validation::description(&form.description) {
        Ok(d) => d,
        Err(key) => return scopes_with(ctx, ScopeForm::default(), Some(key)).await,
    };
    let (cx, id, open) = (ctx.change()?, path.into_inner(), form.open.is_some());
    ctx.state
        .db(move |c| {
            Ok(changes::scopes::update(
                c,
                &cx,
                account_id,
                id,
                &description,
                open,
            )?)
        })
        .await?;
    ctx.flash("scopes.saved")?;
    Ok(see_other("/settings/scopes"))
}

pub async fn delete_scope(
    ctx: Ctx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<ScopeForm>,
) -> Result<HttpResponse, AppError> {
    let account_id = ctx.require(Permission::SettingsWrite)?.account_id;
    let (cx, id) = (ctx.change()?, path.into_inner());
    let gone = ctx
        .state
        .db(move |c| Ok(changes::scopes::delete(c, &cx, account_id, id)))
        .await?;
    match gone {
        Ok(_) => {
            ctx.flash("scopes.deleted")?;
            Ok(see_other("/settings/scopes"))
        }
        Err(changes::ChangeError::Refused(key)) => {
            scopes_with(ctx, ScopeForm::default(), Some(key)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "settings/index.html")]
struct SettingsPage {
    c: Chrome,
    pending: Vec<Mail>,
    transport: String,
    /// The account's default rate limit: (uses, window code).
    rate: Option<(u32, &'static str)>,
    pers: [Per; 3],
    /// Days unused after which keys are noticed, then deactivated (`None`: off).
    dormant_days: Option<u32>,
    /// Keys reported leaked are deleted rather than deactivated.
    delete_leaked: bool,
    /// The account's own choice for mails about machine keys (`None`: the process's), and
    /// the process's.
    machine_key_mail: Option<bool>,
    machine_key_mail_default: bool,
    /// The account's own journal retention in days (`None`: the process's), and the
    /// process's (`None`: forever).
    retention_days: Option<u32>,
    retention_default: Option<u32>,
}

pub async fn page(ctx: Ctx) -> Result<HttpResponse, AppError> {
    let account_id = ctx.require(Permission::SettingsWrite)?.account_id;
    let (pending, rate, dormant_days, delete_leaked, machine_key_mail, retention_days) = ctx
        .state
        .db(move |c| {
            Ok((
                db::outbox::pending(c, account_id, 100)?,
                changes::account::default_rate_limit(c, account_id)?,
                changes::account::dormant_days(c, account_id)?,
                changes::account::delete_leaked(c, account_id)?,
                changes::account::machine_key_mail(c, account_id)?,
                changes::account::audit_retention_days(c, account_id)?,
            ))
        })
        .await?;
    let settings = &ctx.state.settings;
    let transport = match &settings.smtp_url {
        // Never show the URL itself: it may hold the SMTP password.
        Some(_) => "SMTP (KEYWARD_SMTP_URL)".to_owned(),
        None => settings.data_dir.join("outbox").display().to_string(),
    };
    render(&SettingsPage {
        c: ctx.chrome,
        pending,
        transport,
        rate: rate.map(|l| (l.requests, l.per.code())),
        pers: Per::ALL,
        dormant_days,
        delete_leaked,
        machine_key_mail,
        machine_key_mail_default: settings.mail_machine_key_changes,
        retention_days,
        retention_default: settings.audit_retention_days,
    })
}

#[derive(Deserialize)]
pub struct MailForm {
    /// `default`, `on` or `off`.
    machine_keys: String,
}

/// Whether changes to the account's machine keys are mailed to those who manage machines.
pub async fn set_mail(
    ctx: Ctx,
    CsrfForm(form): CsrfForm<MailForm>,
) -> Result<HttpResponse, AppError> {
    let account_id = ctx.require(Permission::SettingsWrite)?.account_id;
    let mail = match form.machine_keys.as_str() {
        "default" => None,
        "on" => Some(true),
        "off" => Some(false),
        _ => return Err(AppError::BadRequest("error.bad_form")),
    };
    let cx = ctx.change()?;
    ctx.state
        .db(move |c| {
            Ok(changes::account::set_machine_key_mail(
                c, &cx, account_id, mail,
            )?)
        })
        .await?;
    ctx.flash("settings.mail_saved")?;
    Ok(see_other("/settings"))
}

/// How long the account keeps its journal (empty: as the process's setting says).
pub async fn set_retention(
    ctx: Ctx,
    CsrfForm(form): CsrfForm<DaysForm>,
) -> Result<HttpResponse, AppError> {
    let account_id = ctx.require(Permission::SettingsWrite)?.account_id;
    let Ok(days) = form.days_within(changes::account::RETENTION_DAYS) else {
        ctx.flash_error("settings.retention_out_of_range")?;
        return Ok(see_other("/settings"));
    };
    let cx = ctx.change()?;
    ctx.state
        .db(move |c| {
            Ok(changes::account::set_audit_retention_days(
                c, &cx, account_id, days,
            )?)
        })
        .await?;
    ctx.flash("settings.retention_saved")?;
    Ok(see_other("/settings"))
}

#[derive(Deserialize)]
pub struct LeaksForm {
    /// `deactivate` or `delete`.
    action: String,
}

/// What happens to a key of the account reported leaked.
pub async fn set_leaks(
    ctx: Ctx,
    CsrfForm(form): CsrfForm<LeaksForm>,
) -> Result<HttpResponse, AppError> {
    let account_id = ctx.require(Permission::SettingsWrite)?.account_id;
    let delete = match form.action.as_str() {
        "delete" => true,
        "deactivate" => false,
        _ => return Err(AppError::BadRequest("error.bad_form")),
    };
    let cx = ctx.change()?;
    ctx.state
        .db(move |c| {
            Ok(changes::account::set_delete_leaked(
                c, &cx, account_id, delete,
            )?)
        })
        .await?;
    ctx.flash("settings.leaks_saved")?;
    Ok(see_other("/settings"))
}

/// A number of days (the dormancy and retention forms).
#[derive(Deserialize)]
pub struct DaysForm {
    /// Empty: off (dormancy), or the process's setting (retention).
    #[serde(default)]
    days: String,
}

impl DaysForm {
    /// The days typed, if within `range`; `None` for an empty field.
    fn days_within(&self, range: std::ops::RangeInclusive<u32>) -> Result<Option<u32>, ()> {
        match self.days.trim() {
            "" => Ok(None),
            n => n
                .parse()
                .ok()
                .filter(|d| range.contains(d))
                .map(Some)
                .ok_or(()),
        }
    }
}

/// After how many days unused the account's keys are noticed, then deactivated.
pub async fn set_dormant(
    ctx: Ctx,
    CsrfForm(form): CsrfForm<DaysForm>,
) -> Result<HttpResponse, AppError> {
    let account_id = ctx.require(Permission::SettingsWrite)?.account_id;
    let Ok(days) = form.days_within(1..=changes::account::DORMANT_DAYS_MAX) else {
        ctx.flash_error("settings.dormant_out_of_range")?;
        return Ok(see_other("/settings"));
    };
    let cx = ctx.change()?;
    ctx.state
        .db(move |c| {
            Ok(changes::account::set_dormant_days(
                c, &cx, account_id, days,
            )?)
        })
        .await?;
    ctx.flash("settings.dormant_saved")?;
    Ok(see_other("/settings"))
}

#[derive(Deserialize)]
pub struct RateLimitForm {
    /// Empty: no default.
    #[serde(default)]
    rate_requests: String,
    #[serde(default)]
    rate_per: String,
}

/// The rate limit of every key of the account without one of its own.
pub async fn set_rate_limit(
    ctx: Ctx,
    CsrfForm(form): CsrfForm<RateLimitForm>,
) -> Result<HttpResponse, AppError> {
    let account_id = ctx.require(Permission::SettingsWrite)?.account_id;
    let limit = match form.rate_requests.trim() {
        "" => Ok(None),
        n => match (n.parse::<i64>(), Per::parse(&form.rate_per)) {
            (Ok(n), Some(per)) => RateLimit::checked(n, per).map(Some),
            _ => Err("rate.out_of_range"),
        },
    };
    let limit = match limit {
        Ok(limit) => limit,
        Err(key) => {
            ctx.flash_error(key)?;
            return Ok(see_other("/settings"));
        }
    };
    let cx = ctx.change()?;
    ctx.state
        .db(move |c| {
            Ok(changes::account::set_default_rate_limit(
                c, &cx, account_id, limit,
            )?)
        })
        .await?;
    ctx.flash("settings.rate_saved")?;
    Ok(see_other("/settings"))
}
