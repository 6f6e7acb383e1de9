//! `/account/operators`: the list of operators, adding one, and an operator's main tab.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::password;
use crate::db::{self, operators::NewOperatorInput, operators::Operator};
use crate::domain::permissions::Permission;
use crate::domain::validation;
use crate::error::AppError;
use crate::web::{Chrome, CsrfForm, Ctx, render, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/account/operators")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(web::resource("/account/operators/new").route(web::get().to(new_form)))
    .service(web::resource("/account/operators/{id}").route(web::get().to(show)));
}

pub struct OperatorRow {
    pub operator: Operator,
    pub is_admin: bool,
}

#[derive(Template)]
#[template(path = "account/operators/list.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<OperatorRow>,
}

pub async fn list(ctx: Ctx) -> Result<HttpResponse, AppError> {
    let account_id = ctx.require(Permission::OperatorsRead)?.account_id;
    let rows = ctx
        .state
        .db(move |c| {
            let operators = db::operators::list(c, account_id)?;
            let ids: Vec<i32> = operators.iter().map(|o| o.id).collect();
            let admins = db::operators::admins_among(c, &ids)?;
            Ok(operators
                .into_iter()
                .map(|operator| OperatorRow {
                    is_admin: admins.contains(&operator.id),
                    operator,
                })
                .collect())
        })
        .await?;
    render(&ListPage {
        c: ctx.chrome,
        rows,
    })
}

#[derive(Template)]
#[template(path = "account/operators/new.html")]
struct NewPage {
    c: Chrome,
    form: NewOperatorForm,
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct NewOperatorForm {
    name: String,
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
    #[serde(default)]
    admin: Option<String>,
}

pub async fn new_form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::OperatorsWrite)?;
    render(&NewPage {
        c: ctx.chrome,
        form: NewOperatorForm::default(),
        error: None,
    })
}

pub async fn create(
    ctx: Ctx,
    CsrfForm(form): CsrfForm<NewOperatorForm>,
) -> Result<HttpResponse, AppError> {
    let account_id = ctx.require(Permission::OperatorsWrite)?.account_id;
    let checked = (|| {
        let name = validation::name(&form.name)?;
        let email = validation::email(&form.email)?;
        validation::new_password(&form.password, &form.password_confirm)?;
        Ok::<_, &'static str>((name, email))
    })();
    let refuse = |ctx: Ctx, form: NewOperatorForm, key| {
        let form = NewOperatorForm {
            password: String::new(),
            password_confirm: String::new(),
            ..form
        };
        let mut res = render(&NewPage {
            c: ctx.chrome,
            form,
            error: Some(key),
        })?;
        *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
        Ok(res)
    };
    let (name, email) = match checked {
        Ok(values) => values,
        Err(key) => return refuse(ctx, form, key),
    };
    let secret = form.password.clone();
    let hash = web::block(move || password::hash(&secret)).await??;
    let (now, lang, admin) = (ctx.state.clock.now(), ctx.lang(), form.admin.is_some());
    let created = ctx
        .state
        .db(move |c| {
            let input = NewOperatorInput {
                email: &email,
                name: &name,
                password_hash: &hash,
                language: lang.code(),
                admin,
            };
            Ok(db::operators::create(c, account_id, &input, now)?)
        })
        .await?;
    match created {
        Some(id) => {
            ctx.flash("operators.created")?;
            Ok(see_other(&format!("/account/operators/{id}")))
        }
        None => refuse(ctx, form, "operators.email_taken"),
    }
}

#[derive(Template)]
#[template(path = "account/operators/show.html")]
struct ShowPage {
    c: Chrome,
    operator: Operator,
    groups: Vec<db::groups::Group>,
}

pub async fn show(ctx: Ctx, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let account_id = ctx.require(Permission::OperatorsRead)?.account_id;
    let id = path.into_inner();
    let (operator, groups) = ctx
        .state
        .db(move |c| {
            let operator = db::operators::find_in_account(c, account_id, id)?;
            let groups = db::groups::of_operator(c, id)?;
            Ok((operator, groups))
        })
        .await?;
    render(&ShowPage {
        c: ctx.chrome,
        operator,
        groups,
    })
}
