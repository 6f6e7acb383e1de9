//! `/account/groups/{id}`: a group's name, members and permission matrix.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::changes::{self, ChangeError};
use crate::db::{self, groups::Group, operators::Operator};
use crate::domain::authority;
use crate::domain::permissions::Permission;
use crate::domain::validation;
use crate::error::AppError;
use crate::web::session::Empty;
use crate::web::{Chrome, CsrfForm, Ctx, render, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/account/groups").route(web::post().to(create)))
        .service(web::resource("/account/groups/{id}").route(web::get().to(show)))
        .service(web::resource("/account/groups/{id}/rename").route(web::post().to(rename)))
        .service(
            web::resource("/account/groups/{id}/permissions")
                .route(web::post().to(set_permissions)),
        )
        .service(web::resource("/account/groups/{id}/members").route(web::post().to(add_member)))
        .service(
            web::resource("/account/groups/{id}/members/{operator}/remove")
                .route(web::post().to(remove_member)),
        )
        .service(web::resource("/account/groups/{id}/delete").route(web::post().to(delete)));
}

fn url(id: i32) -> String {
    format!("/account/groups/{id}")
}

/// One cell of the permission matrix.
pub struct Cell {
    pub permission: Permission,
    pub granted: bool,
}

/// One row of the matrix: an area with its Read and Write cells (absent where the area has
/// no such level).
pub struct MatrixRow {
    pub area_key: &'static str,
    pub read: Option<Cell>,
    pub write: Option<Cell>,
}

fn matrix(group: &Group, granted: &[Permission]) -> Vec<MatrixRow> {
    let cell = |p: Permission| {
        Some(Cell {
            permission: p,
            granted: group.builtin_admin || granted.contains(&p),
        })
    };
    vec![
        MatrixRow {
            area_key: "perm.area_operators",
            read: cell(Permission::OperatorsRead),
            write: cell(Permission::OperatorsWrite),
        },
        MatrixRow {
            area_key: "perm.area_machines",
            read: cell(Permission::MachinesRead),
            write: cell(Permission::MachinesWrite),
        },
        MatrixRow {
            area_key: "perm.area_audit",
            read: cell(Permission::AuditRead),
            write: None,
        },
        MatrixRow {
            area_key: "perm.area_settings",
            read: None,
            write: cell(Permission::SettingsWrite),
        },
    ]
}

#[derive(Template)]
#[template(path = "account/groups/show.html")]
struct GroupPage {
    c: Chrome,
    group: Group,
    matrix: Vec<MatrixRow>,
    members: Vec<Operator>,
    candidates: Vec<Operator>,
    /// Rename, delete, members: needs every permission the group grants.
    can_edit: bool,
    /// The permission matrix: administrators only.
    can_set_permissions: bool,
    confirm_delete: bool,
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct GroupQuery {
    dialog: Option<String>,
}

async fn load(ctx: &Ctx, id: i32, need: Permission) -> Result<Group, AppError> {
    let account_id = ctx.require(need)?.account_id;
    ctx.state
        .db(move |c| Ok(db::groups::find_in_account(c, account_id, id)?))
        .await
}

pub async fn show(
    ctx: Ctx,
    path: web::Path<i32>,
    query: web::Query<GroupQuery>,
) -> Result<HttpResponse, AppError> {
    page(
        ctx,
        path.into_inner(),
        query.dialog.as_deref() == Some("delete"),
        None,
    )
    .await
}

async fn page(
    ctx: Ctx,
    id: i32,
    confirm_delete: bool,
    error: Option<&'static str>,
) -> Result<HttpResponse, AppError> {
    let group = load(&ctx, id, Permission::OperatorsRead).await?;
    let me = ctx.operator()?.grants.clone();
    let account_id = group.account_id;
    let (granted, members, everyone) = ctx
        .state
        .db(move |c| {
            Ok((
                db::groups::permissions(c, id)?,
                db::groups::members(c, id)?,
                db::operators::list(c, account_id)?,
            ))
        })
        .await?;
    let candidates = everyone
        .into_iter()
        .filter(|o| !members.iter().any(|m| m.id == o.id))
        .collect();
    let can_edit = authority::change_group(&me, group.builtin_admin, &granted).is_ok();
    let can_set_permissions = authority::set_group_permissions(&me).is_ok();
    let matrix = matrix(&group, &granted);
    let mut res = render(&GroupPage {
        c: ctx.chrome,
        group,
        matrix,
        members,
        candidates,
        can_edit,
        can_set_permissions,
        confirm_delete,
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
    let account_id = ctx.require(Permission::OperatorsWrite)?.account_id;
    let name = match validation::name(&form.name) {
        Ok(name) => name,
        Err(key) => return super::overview(ctx, Some(key), form.name).await,
    };
    let cx = ctx.change()?;
    let stored = name.clone();
    match ctx
        .state
        .db(move |c| Ok(changes::groups::create(c, &cx, account_id, &stored)))
        .await?
    {
        Ok(g) => {
            ctx.flash("groups.created")?;
            Ok(see_other(&url(g.id)))
        }
        Err(ChangeError::Refused(key)) => super::overview(ctx, Some(key), name).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn rename(
    ctx: Ctx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<NameForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let group = load(&ctx, id, Permission::OperatorsWrite).await?;
    let cx = ctx.change()?;
    let name = match validation::name(&form.name) {
        Ok(name) => name,
        Err(key) => return page(ctx, id, false, Some(key)).await,
    };
    let done = ctx
        .state
        .db(move |c| Ok(changes::groups::rename(c, &cx, &group, &name)))
        .await?;
    answer(ctx, id, done, "groups.saved", url(id)).await
}

pub async fn set_permissions(
    ctx: Ctx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let group = load(&ctx, id, Permission::OperatorsWrite).await?;
    let cx = ctx.change()?;
    let mut granted = Vec::new();
    for (field, value) in &form {
        if field == "permission" {
            granted.push(Permission::parse(value).ok_or(AppError::BadRequest("error.bad_form"))?);
        }
    }
    let done = ctx
        .state
        .db(move |c| Ok(changes::groups::set_permissions(c, &cx, &group, &granted)))
        .await?;
    answer(ctx, id, done, "groups.saved", url(id)).await
}

#[derive(Deserialize)]
pub struct MemberForm {
    operator_id: i32,
}

pub async fn add_member(
    ctx: Ctx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<MemberForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let group = load(&ctx, id, Permission::OperatorsWrite).await?;
    let cx = ctx.change()?;
    let account_id = group.account_id;
    let done = ctx
        .state
        .db(move |c| {
            // Only an operator of the same account: anything else is "not found".
            let op = db::operators::find_in_account(c, account_id, form.operator_id)?;
            Ok(changes::groups::membership(c, &cx, &group, &op, true))
        })
        .await?;
    answer(ctx, id, done, "groups.saved", url(id)).await
}

pub async fn remove_member(
    ctx: Ctx,
    path: web::Path<(i32, i32)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let (id, operator_id) = path.into_inner();
    let group = load(&ctx, id, Permission::OperatorsWrite).await?;
    let cx = ctx.change()?;
    let done = ctx
        .state
        .db(move |c| {
            let op = db::operators::find_in_account(c, group.account_id, operator_id)?;
            Ok(changes::groups::membership(c, &cx, &group, &op, false))
        })
        .await?;
    answer(ctx, id, done, "groups.saved", url(id)).await
}

pub async fn delete(
    ctx: Ctx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let group = load(&ctx, id, Permission::OperatorsWrite).await?;
    let cx = ctx.change()?;
    let done = ctx
        .state
        .db(move |c| Ok(changes::groups::delete(c, &cx, &group)))
        .await?;
    answer(ctx, id, done, "groups.deleted", "/account".into()).await
}

/// After a change: the flash and the redirect, the group page again with the message of a
/// refusal (422), or the error (403 naming what is missing, …).
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
