//! Account setup → Operators, groups (and sub accounts).

pub mod groups;
pub mod operator_api;
pub mod operators;
pub mod sub_accounts;

use actix_web::{HttpResponse, web};
use askama::Template;

use super::{Chrome, Ctx, render};
use crate::db::{self, groups::GroupSummary};
use crate::domain::permissions::Permission;
use crate::error::AppError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/account").route(web::get().to(index)))
        .configure(operators::routes)
        .configure(operator_api::routes)
        .configure(groups::routes)
        .configure(sub_accounts::routes);
}

#[derive(Template)]
#[template(path = "account/index.html")]
struct AccountPage {
    c: Chrome,
    operator_count: usize,
    groups: Vec<GroupSummary>,
    new_group_error: Option<&'static str>,
    new_group_name: String,
    /// For an administrator of a main account, in it: how many sub accounts it has.
    sub_accounts: Option<usize>,
}

pub async fn index(ctx: Ctx) -> Result<HttpResponse, AppError> {
    overview(ctx, None, String::new()).await
}

/// The overview, optionally with the create-group form refused.
pub async fn overview(
    ctx: Ctx,
    new_group_error: Option<&'static str>,
    new_group_name: String,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require(Permission::OperatorsRead)?;
    let account_id = me.account_id;
    let manages = me.manages_sub_accounts && me.home.is_none();
    let cx = ctx.change()?;
    let (operator_count, groups, sub_accounts) = ctx
        .state
        .db(move |c| {
            let subs = match manages {
                true => Some(crate::changes::sub_accounts::list(c, &cx)?.len()),
                false => None,
            };
            Ok((
                db::operators::list(c, account_id)?.len(),
                db::groups::list(c, account_id)?,
                subs,
            ))
        })
        .await?;
    let mut res = render(&AccountPage {
        c: ctx.chrome,
        operator_count,
        groups,
        new_group_error,
        new_group_name,
        sub_accounts,
    })?;
    if new_group_error.is_some() {
        *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}
