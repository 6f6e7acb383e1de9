//! Account setup → Operators, groups (and sub accounts).

pub mod operator_api;
pub mod operators;

use actix_web::{HttpResponse, web};
use askama::Template;

use super::{Chrome, Ctx, render};
use crate::db;
use crate::error::AppError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/account").route(web::get().to(index)))
        .configure(operators::routes)
        .configure(operator_api::routes);
}

#[derive(Template)]
#[template(path = "account/index.html")]
struct AccountPage {
    c: Chrome,
    operator_count: usize,
    admin_count: usize,
}

pub async fn index(ctx: Ctx) -> Result<HttpResponse, AppError> {
    let account_id = ctx.admin()?.account_id;
    let (operator_count, admin_count) = ctx
        .state
        .db(move |c| {
            let ids: Vec<i32> = db::operators::list(c, account_id)?
                .iter()
                .map(|o| o.id)
                .collect();
            Ok((ids.len(), db::operators::admins_among(c, &ids)?.len()))
        })
        .await?;
    render(&AccountPage {
        c: ctx.chrome,
        operator_count,
        admin_count,
    })
}
