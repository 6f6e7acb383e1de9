//! My profile → Notices by mail: which notices about their keys an operator gets. Security
//! notices are always sent (`domain::notices`).

use actix_web::{HttpResponse, web};
use askama::Template;

use crate::changes;
use crate::db;
use crate::domain::notices::{self, Notice};
use crate::error::AppError;
use crate::web::{Chrome, CsrfForm, Ctx, render, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/profile/notices")
            .route(web::get().to(show))
            .route(web::post().to(save)),
    );
}

#[derive(Template)]
#[template(path = "profile/notices.html")]
struct NoticesPage {
    c: Chrome,
    /// Each notice that can be turned off, and whether it is on.
    choices: Vec<(Notice, bool)>,
}

pub async fn show(ctx: Ctx) -> Result<HttpResponse, AppError> {
    let id = ctx.operator()?.id;
    let stored = ctx
        .state
        .db(move |c| Ok(db::operators::find(c, id)?.muted_notices))
        .await?;
    let muted = notices::muted(&stored);
    render(&NoticesPage {
        c: ctx.chrome,
        choices: Notice::ALL
            .into_iter()
            .map(|n| (n, !muted.contains(&n)))
            .collect(),
    })
}

/// The form sends the notices left on; every other one is turned off.
pub async fn save(
    ctx: Ctx,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    ctx.operator()?;
    let mut on = Vec::new();
    for (field, value) in &form {
        if field == "notice" {
            on.push(Notice::parse(value).ok_or(AppError::BadRequest("error.bad_form"))?);
        }
    }
    let muted: Vec<Notice> = Notice::ALL
        .into_iter()
        .filter(|n| !on.contains(n))
        .collect();
    let cx = ctx.change()?;
    ctx.state
        .db(move |c| Ok(changes::operators::set_notices(c, &cx, &muted)?))
        .await?;
    ctx.flash("notices.saved")?;
    Ok(see_other("/profile/notices"))
}
