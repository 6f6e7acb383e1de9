//! `GET /api/v1/operators`: the account's operators (people), for a key whose owner holds
//! *Operators / Read*. Read only: people are invited and changed in the console.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::{ApiCaller, ErrorBody, PageQuery};
use crate::changes;
use crate::db;
use crate::domain::permissions::Permission;
use crate::domain::scopes::Keyward;
use crate::error::AppError;
use crate::web::State;

/// A group an operator belongs to.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupRef {
    pub id: i32,
    pub name: String,
}

/// An operator: a person who signs in to the console and may own keys.
#[derive(Debug, Serialize, ToSchema)]
pub struct OperatorView {
    /// Use as `owner` `operator:ID` in the credentials calls.
    pub id: i32,
    pub name: String,
    pub email: String,
    /// False for a deactivated operator: they cannot sign in and every key of theirs is
    /// refused.
    pub active: bool,
    /// A member of the built-in Administrators group.
    pub administrator: bool,
    /// Every group they belong to, by name.
    pub groups: Vec<GroupRef>,
    /// How many keys they own.
    pub key_count: i32,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// One page of the account's operators, in the order they were created.
#[derive(Debug, Serialize, ToSchema)]
pub struct OperatorList {
    pub operators: Vec<OperatorView>,
    /// How many operators the account has in all.
    pub total: i64,
    /// Pass as `after` for the next page; `null` on the last one.
    #[schema(example = "42")]
    pub next: Option<String>,
}

/// The account's operators, a page at a time: follow `next` (as `after`) until it is `null`.
#[utoipa::path(
    get, path = "/api/v1/operators", tag = "operators", operation_id = "listOperators", params(PageQuery),
    responses(
        (status = 200, body = OperatorList),
        (status = 400, description = "A limit outside 1 to 1000, or a malformed `after`", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "The key's owner lacks *Operators / Read* (a machine's key always does)", body = ErrorBody),
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
        caller.acting(&state, Keyward::OperatorsRead)?,
        caller.0.credential.account_id,
    );
    let (rows, total, admins, memberships) = state
        .db(move |c| {
            changes::require(c, &cx, Permission::OperatorsRead)?;
            // One more than asked tells whether there is a next page.
            let rows = db::operators::page_after(c, account, after, limit + 1)?;
            let ids: Vec<i32> = rows.iter().map(|o| o.id).collect();
            Ok((
                rows,
                db::operators::count(c, account)?,
                db::operators::admins_among(c, &ids)?,
                db::groups::memberships_among(c, &ids)?,
            ))
        })
        .await?;
    let (rows, next) = super::page_of(rows, limit, |o| o.id);
    let operators = rows
        .iter()
        .map(|o| OperatorView {
            id: o.id,
            name: o.name.clone(),
            email: o.email.clone(),
            active: o.active,
            administrator: admins.contains(&o.id),
            groups: memberships
                .iter()
                .filter(|(member, _)| *member == o.id)
                .map(|(_, g)| GroupRef {
                    id: g.id,
                    name: g.name.clone(),
                })
                .collect(),
            key_count: o.key_count,
            created_at: o.created_at.and_utc().to_rfc3339(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(OperatorList {
        operators,
        total,
        next,
    }))
}
