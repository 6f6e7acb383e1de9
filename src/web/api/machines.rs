//! `/api/v1/machines`: the account's machines (service accounts), with the console's rules —
//! reading needs *Machines / Read*, changing *Machines / Write*, held by the calling key's
//! owner now. A machine's own key does neither.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiCaller, Body, ErrorBody, PageQuery};
use crate::changes;
use crate::db::{self, machines::Machine};
use crate::domain::permissions::Permission;
use crate::domain::scopes::Keyward;
use crate::domain::validation;
use crate::error::AppError;
use crate::web::State;

/// A machine: a service or job that owns keys of its own.
#[derive(Debug, Serialize, ToSchema)]
pub struct MachineView {
    /// Use as `owner` `machine:ID` in the credentials calls.
    pub id: i32,
    pub name: String,
    pub description: String,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// How many keys it has, and how many of them are active.
    pub key_count: i32,
    pub active_key_count: i32,
}

impl From<&Machine> for MachineView {
    fn from(m: &Machine) -> Self {
        MachineView {
            id: m.id,
            name: m.name.clone(),
            description: m.description.clone(),
            created_at: m.created_at.and_utc().to_rfc3339(),
            key_count: m.key_count,
            active_key_count: m.active_key_count,
        }
    }
}

/// One page of the account's machines, in the order they were created.
#[derive(Debug, Serialize, ToSchema)]
pub struct MachineList {
    pub machines: Vec<MachineView>,
    /// How many machines the account has in all.
    pub total: i64,
    /// Pass as `after` for the next page; `null` on the last one.
    #[schema(example = "42")]
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewMachineRequest {
    #[schema(schema_with = super::text)]
    pub name: String,
    /// At most 500 characters. Default: none.
    #[schema(
        max_length = 500,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateMachineRequest {
    #[schema(schema_with = super::optional_text)]
    pub name: Option<String>,
    /// At most 500 characters; absent leaves it as it is.
    #[schema(
        max_length = 500,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$"
    )]
    pub description: Option<String>,
}

fn created(m: &Machine) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/machines/{}", m.id),
        ))
        .json(MachineView::from(m))
}

/// The account's machines, a page at a time: follow `next` (as `after`) until it is `null`.
#[utoipa::path(
    get, path = "/api/v1/machines", tag = "machines", operation_id = "listMachines", params(PageQuery),
    responses(
        (status = 200, body = MachineList),
        (status = 400, description = "A limit outside 1 to 1000, or a malformed `after`", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "The key's owner lacks *Machines / Read* (a machine's key always does)", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn list(
    state: State,
    caller: ApiCaller,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let (limit, after) = query.checked()?;
    let (cx, account) = (
        caller.acting(&state, Keyward::MachinesRead)?,
        caller.0.credential.account_id,
    );
    let (rows, total) = state
        .db(move |c| {
            changes::require(c, &cx, Permission::MachinesRead)?;
            // One more than asked tells whether there is a next page.
            let rows = db::machines::page_after(c, account, after, limit + 1)?;
            Ok((rows, db::machines::count(c, account)?))
        })
        .await?;
    let (rows, next) = super::page_of(rows, limit, |m| m.id);
    Ok(HttpResponse::Ok().json(MachineList {
        machines: rows.iter().map(MachineView::from).collect(),
        total,
        next,
    }))
}

/// Create a machine. Give it keys with `POST /api/v1/credentials` and `owner` `machine:ID`.
#[utoipa::path(
    post, path = "/api/v1/machines", tag = "machines", operation_id = "createMachine", request_body = NewMachineRequest,
    responses(
        (status = 201, body = MachineView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "The key's owner lacks *Machines / Write*", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 415, description = "The body is not JSON (Content-Type: application/json)", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn create(
    state: State,
    caller: ApiCaller,
    Body(body): Body<NewMachineRequest>,
) -> Result<HttpResponse, AppError> {
    let (cx, account) = (
        caller.acting(&state, Keyward::MachinesWrite)?,
        caller.0.credential.account_id,
    );
    let name = validation::name(&body.name).map_err(super::invalid("name"))?;
    let description = validation::description(body.description.as_deref().unwrap_or(""))
        .map_err(super::invalid("description"))?;
    let machine = state
        .db(move |c| {
            Ok(changes::machines::create(
                c,
                &cx,
                account,
                &name,
                &description,
            )?)
        })
        .await?;
    Ok(created(&machine))
}

/// The machine, if the caller may read the account's machines: another account's or an
/// unknown id is 404.
fn readable(
    conn: &mut db::DbConn,
    cx: &changes::Ctx,
    account: i32,
    id: i32,
) -> Result<Machine, AppError> {
    changes::require(conn, cx, Permission::MachinesRead)?;
    Ok(db::machines::find_in_account(conn, account, id)?)
}

/// One machine.
#[utoipa::path(
    get, path = "/api/v1/machines/{id}", tag = "machines", operation_id = "getMachine",
    params(("id" = i32, Path, description = "The machine's id")),
    responses(
        (status = 200, body = MachineView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn show(
    state: State,
    caller: ApiCaller,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let (cx, account, id) = (
        caller.acting(&state, Keyward::MachinesRead)?,
        caller.0.credential.account_id,
        path.into_inner(),
    );
    let machine = state.db(move |c| readable(c, &cx, account, id)).await?;
    Ok(HttpResponse::Ok().json(MachineView::from(&machine)))
}

/// Rename a machine or change its description, at once.
#[utoipa::path(
    patch, path = "/api/v1/machines/{id}", tag = "machines", operation_id = "updateMachine", request_body = UpdateMachineRequest,
    params(("id" = i32, Path, description = "The machine's id")),
    responses(
        (status = 200, body = MachineView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "The key's owner lacks *Machines / Write*", body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 415, description = "The body is not JSON (Content-Type: application/json)", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn update(
    state: State,
    caller: ApiCaller,
    path: web::Path<i32>,
    Body(body): Body<UpdateMachineRequest>,
) -> Result<HttpResponse, AppError> {
    let cx = caller.acting(&state, Keyward::MachinesWrite)?;
    let name = body
        .name
        .as_deref()
        .map(validation::name)
        .transpose()
        .map_err(super::invalid("name"))?;
    let description = body
        .description
        .as_deref()
        .map(validation::description)
        .transpose()
        .map_err(super::invalid("description"))?;
    let (account, id) = (caller.0.credential.account_id, path.into_inner());
    let machine = state
        .db(move |c| {
            readable(c, &cx, account, id)?;
            Ok(changes::machines::update(
                c,
                &cx,
                account,
                id,
                name.as_deref(),
                description.as_deref(),
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(MachineView::from(&machine)))
}

/// Delete a machine and every key it has, at once: the next request with any of them gets
/// 401.
#[utoipa::path(
    delete, path = "/api/v1/machines/{id}", tag = "machines", operation_id = "deleteMachine",
    params(("id" = i32, Path, description = "The machine's id")),
    responses(
        (status = 204, description = "Deleted"), (status = 401, body = ErrorBody),
        (status = 403, description = "The key's owner lacks *Machines / Write*", body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn delete(
    state: State,
    caller: ApiCaller,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let (cx, account, id) = (
        caller.acting(&state, Keyward::MachinesWrite)?,
        caller.0.credential.account_id,
        path.into_inner(),
    );
    state
        .db(move |c| {
            let m = readable(c, &cx, account, id)?;
            Ok(changes::machines::delete(c, &cx, &m)?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
