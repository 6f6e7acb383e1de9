//! `/api/v1/accounts`: the main account's sub accounts, for its administrators (a key with
//! `keyward:accounts` whose owner is one). To any other caller they do not exist: 404.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiCaller, Body, ErrorBody};
use crate::changes::sub_accounts;
use crate::db::accounts::{Account, Contents, SubAccount};
use crate::domain::scopes::Keyward;
use crate::domain::validation;
use crate::error::AppError;
use crate::web::State;

/// What a sub account holds (what deleting it takes with it).
#[derive(Debug, Serialize, Deserialize, ToSchema, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ContentsView {
    /// Operators.
    #[serde(default)]
    pub operators: i64,
    /// Groups besides its built-in Administrators.
    #[serde(default)]
    pub groups: i64,
    /// Machines.
    #[serde(default)]
    pub machines: i64,
    /// API keys, active or not.
    #[serde(default)]
    pub keys: i64,
    /// Webhook endpoints.
    #[serde(default)]
    pub webhooks: i64,
}

impl From<Contents> for ContentsView {
    fn from(c: Contents) -> Self {
        ContentsView {
            operators: c.operators,
            groups: c.groups,
            machines: c.machines,
            keys: c.keys,
            webhooks: c.webhooks,
        }
    }
}

/// A sub account.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountView {
    /// Pass as `?account=` to act in it; `X-Keyward-Account` and `/verify`'s `account` name
    /// it for its keys.
    pub id: i32,
    pub name: String,
    /// False: its operators cannot sign in and its keys are refused.
    pub active: bool,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<&Account> for AccountView {
    fn from(a: &Account) -> Self {
        AccountView {
            id: a.id,
            name: a.name.clone(),
            active: a.active,
            created_at: a.created_at.and_utc().to_rfc3339(),
        }
    }
}

/// A sub account with its roll-up.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountSummary {
    #[serde(flatten)]
    pub account: AccountView,
    pub operators: i64,
    pub machines: i64,
    pub active_keys: i64,
    /// The newest entry of its journal (RFC 3339), `null` if none.
    #[schema(format = DateTime)]
    pub last_activity: Option<String>,
}

impl From<&SubAccount> for AccountSummary {
    fn from(s: &SubAccount) -> Self {
        AccountSummary {
            account: (&s.account).into(),
            operators: s.operators,
            machines: s.machines,
            active_keys: s.active_keys,
            last_activity: s.last_activity.map(|at| at.and_utc().to_rfc3339()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountList {
    pub accounts: Vec<AccountSummary>,
}

/// One sub account and what it holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountDetail {
    #[serde(flatten)]
    pub account: AccountView,
    pub contents: ContentsView,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewAccountRequest {
    #[schema(schema_with = super::text)]
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateAccountRequest {
    #[schema(schema_with = super::optional_text)]
    pub name: Option<String>,
    /// False deactivates it (its operators are signed out, its keys refused); true
    /// reactivates it.
    pub active: Option<bool>,
}

/// The sub accounts of the caller's main account, by name, each with its roll-up.
#[utoipa::path(
    get, path = "/api/v1/accounts", tag = "accounts", operation_id = "listAccounts",
    responses(
        (status = 200, body = AccountList),
        (status = 401, body = ErrorBody),
        (status = 403, description = "The key lacks `keyward:accounts`, or its owner is not an administrator", body = ErrorBody),
        (status = 404, description = "The caller's account is a sub account", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn list(state: State, caller: ApiCaller) -> Result<HttpResponse, AppError> {
    let cx = caller.acting(&state, Keyward::Accounts)?;
    let subs = state.db(move |c| Ok(sub_accounts::list(c, &cx)?)).await?;
    Ok(HttpResponse::Ok().json(AccountList {
        accounts: subs.iter().map(AccountSummary::from).collect(),
    }))
}

/// Make a sub account (with its own, empty, Administrators group).
#[utoipa::path(
    post, path = "/api/v1/accounts", tag = "accounts", operation_id = "createAccount", request_body = NewAccountRequest,
    responses(
        (status = 201, body = AccountView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "The key lacks `keyward:accounts`, or its owner is not an administrator", body = ErrorBody),
        (status = 404, description = "The caller's account is a sub account", body = ErrorBody),
        (status = 409, description = "Another sub account has this name", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 415, description = "The body is not JSON (Content-Type: application/json)", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn create(
    state: State,
    caller: ApiCaller,
    Body(body): Body<NewAccountRequest>,
) -> Result<HttpResponse, AppError> {
    let cx = caller.acting(&state, Keyward::Accounts)?;
    let name = validation::name(&body.name).map_err(super::invalid("name"))?;
    let account = state
        .db(move |c| Ok(sub_accounts::create(c, &cx, &name)?))
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/accounts/{}", account.id),
        ))
        .json(AccountView::from(&account)))
}

/// One sub account, with what it holds.
#[utoipa::path(
    get, path = "/api/v1/accounts/{id}", tag = "accounts", operation_id = "getAccount",
    params(("id" = i32, Path, description = "The sub account's id")),
    responses(
        (status = 200, body = AccountDetail), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn show(
    state: State,
    caller: ApiCaller,
    path: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let (cx, id) = (caller.acting(&state, Keyward::Accounts)?, path.into_inner());
    let (account, contents) = state
        .db(move |c| Ok(sub_accounts::find(c, &cx, id)?))
        .await?;
    Ok(HttpResponse::Ok().json(AccountDetail {
        account: (&account).into(),
        contents: contents.into(),
    }))
}

/// Rename a sub account, or deactivate or reactivate it.
#[utoipa::path(
    patch, path = "/api/v1/accounts/{id}", tag = "accounts", operation_id = "updateAccount", request_body = UpdateAccountRequest,
    params(("id" = i32, Path, description = "The sub account's id")),
    responses(
        (status = 200, body = AccountView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Another sub account has this name", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 415, description = "The body is not JSON (Content-Type: application/json)", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn update(
    state: State,
    caller: ApiCaller,
    path: web::Path<i32>,
    Body(body): Body<UpdateAccountRequest>,
) -> Result<HttpResponse, AppError> {
    let (cx, id) = (caller.acting(&state, Keyward::Accounts)?, path.into_inner());
    let name = body
        .name
        .as_deref()
        .map(validation::name)
        .transpose()
        .map_err(super::invalid("name"))?;
    let account = state
        .db(move |c| {
            crate::db::write(c, |c| {
                if let Some(name) = &name {
                    sub_accounts::rename(c, &cx, id, name)?;
                }
                if let Some(active) = body.active {
                    sub_accounts::set_active(c, &cx, id, active)?;
                }
                Ok::<_, AppError>(sub_accounts::find(c, &cx, id)?.0)
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(AccountView::from(&account)))
}

/// Delete a sub account with everything in it: only if it holds exactly what the query
/// says (as `GET` showed it; all zero, the default, for an empty one) — else 409, nothing
/// deleted.
#[utoipa::path(
    delete, path = "/api/v1/accounts/{id}", tag = "accounts", operation_id = "deleteAccount",
    params(("id" = i32, Path, description = "The sub account's id"), ContentsView),
    responses(
        (status = 204, description = "Deleted, with everything in it"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "It holds something else than the query says", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn delete(
    state: State,
    caller: ApiCaller,
    path: web::Path<i32>,
    seen: web::Query<ContentsView>,
) -> Result<HttpResponse, AppError> {
    let (cx, id) = (caller.acting(&state, Keyward::Accounts)?, path.into_inner());
    let seen = Contents {
        operators: seen.operators,
        groups: seen.groups,
        machines: seen.machines,
        keys: seen.keys,
        webhooks: seen.webhooks,
    };
    state
        .db(move |c| Ok(sub_accounts::delete(c, &cx, id, seen)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
