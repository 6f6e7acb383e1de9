//! Settings (`/settings`, needs *Settings / Write*): the mail that has not gone out yet, with
//! the last error of each, so failures are visible.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::{Chrome, Ctx, render};
use crate::db::{self, outbox::Mail};
use crate::domain::permissions::Permission;
use crate::error::AppError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/settings").route(web::get().to(page)));
}

#[derive(Template)]
#[template(path = "settings/index.html")]
struct SettingsPage {
    c: Chrome,
    pending: Vec<Mail>,
    transport: String,
}

pub async fn page(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::SettingsWrite)?;
    let pending = ctx.state.db(|c| Ok(db::outbox::pending(c, 100)?)).await?;
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
    })
}
