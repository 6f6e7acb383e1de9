//! `/api/v1/credentials`: the caller's own credentials — or, for an administrator's
//! credential, any owner's in the same account (a credential has its owner's privileges).

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiCaller, Body, CredentialView, DateTimeField, ErrorBody, OwnerView, RateLimitView};
use crate::auth::key_usage::Period as UsagePer;
use crate::auth::mint::mint;
use crate::changes;
use crate::db::{
    self, credentials::AuthRecord, credentials::CredentialChange, credentials::NewCredentialInput,
    credentials::OwnerRef,
};
use crate::domain::rate::RateLimit;
use crate::domain::scopes::{self, Keyward};
use crate::domain::validation;
use crate::error::AppError;
use crate::web::State;

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// Whose credentials: `operator:ID` or `machine:ID`. Default: the caller's owner.
    /// Another operator needs a credential whose owner holds *Operators / Write* and every
    /// permission that operator holds; a machine, *Machines / Read*.
    #[param(pattern = "^((operator|machine):[0-9]{1,9})?$")]
    pub owner: Option<String>,
    /// How many credentials at most, 1 to 1000. Default: 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// The `next` of the previous page: the credentials after it.
    #[param(pattern = "^[0-9]{1,18}\\.[0-9]{1,9}$")]
    pub after: Option<String>,
}

/// One page of an owner's credentials, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialList {
    pub owner: OwnerView,
    pub credentials: Vec<CredentialView>,
    /// How many credentials the owner has in all.
    pub total: i64,
    /// Pass as `after` for the next page; `null` on the last one.
    #[schema(example = "1764097200000000000.42")]
    pub next: Option<String>,
}

/// A position in an owner's list, `<created_at in ns since 1970>.<row id>`: opaque to
/// callers, exact at any stored precision, and still valid after the credential it names
/// is deleted.
fn cursor_of(c: &db::credentials::Credential) -> String {
    let at = c
        .created_at
        .and_utc()
        .timestamp_nanos_opt()
        .unwrap_or(i64::MAX);
    format!("{at}.{}", c.id)
}

fn parse_cursor(text: &str) -> Option<(chrono::NaiveDateTime, i32)> {
    let (nanos, id) = text.split_once('.')?;
    let at = chrono::DateTime::from_timestamp_nanos(nanos.parse().ok()?);
    Some((at.naive_utc(), id.parse().ok()?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCredentialRequest {
    #[schema(schema_with = super::text)]
    pub label: String,
    /// `operator:ID` or `machine:ID`; default: the caller's owner.
    #[schema(pattern = "^((operator|machine):[0-9]{1,9})?$")]
    pub owner: Option<String>,
    /// RFC 3339. From then on the credential is refused like a deleted one. Later than now,
    /// at most ten years ahead; default: it does not expire.
    #[schema(value_type = Option<String>, format = DateTime, example = "2027-01-31T00:00:00Z")]
    pub expires_at: Option<DateTimeField>,
    /// Where it may be used from: IPv4 or IPv6 addresses and CIDR ranges, at most 50; from
    /// anywhere else it is refused like an invalid key. Default: the calling key's own
    /// (anywhere, if it has none); never wider than it.
    #[schema(example = json!(["10.0.0.0/8", "2001:db8::/32"]))]
    pub allowed_from: Option<Vec<String>>,
    /// What it is for, at most 50: Keyward's own scopes (`keyward:credentials:write`, …) and
    /// names from the account's catalog. Default: none. Never one the calling key does not
    /// carry, nor one its owner may not give.
    #[schema(schema_with = super::new_scopes)]
    pub scopes: Option<Vec<String>>,
    /// Its own rate limit. Default: the calling key's own (none if it has none: then the
    /// account's default applies); never looser than the limit the calling key is under.
    pub rate_limit: Option<RateLimitView>,
    /// Mail its owner (and journal) when it is first used from a network it was never used
    /// from. Default: on for an operator's key, off for a machine's.
    pub notify_new_network: Option<bool>,
    /// A canary: a tripwire to plant where an intruder would look. It never works (refused
    /// like an invalid key) and every use is told to its owner at once, with the address
    /// and user agent. Default: no; cannot be changed later.
    pub canary: Option<bool>,
}

/// A new credential. `secret` and `token` appear in this response only.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedCredential {
    pub credential: CredentialView,
    pub owner: OwnerView,
    /// The public id (HTTP Basic username).
    pub id: String,
    /// The secret (HTTP Basic password). Shown once.
    pub secret: String,
    /// `kwd_<id>_<secret><checksum>`, for `Authorization: Bearer`. Shown once.
    pub token: String,
    /// A canary: never works, every use is told to its owner. Said here only: a key that
    /// lists keys must not tell an intruder which ones are tripwires.
    pub canary: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateCredentialRequest {
    #[schema(schema_with = super::optional_text)]
    pub label: Option<String>,
    pub active: Option<bool>,
    /// RFC 3339: a new expiry (later than now, at most ten years ahead); `null` removes it;
    /// absent leaves it as it is.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = DateTime, nullable, example = "2027-06-30T00:00:00Z")]
    pub expires_at: Option<Option<DateTimeField>>,
    /// A new allowlist (`[]`: anywhere); absent leaves it as it is. A key cannot change its
    /// own, nor give another one wider than its own.
    pub allowed_from: Option<Vec<String>>,
    /// A new set of scopes (`[]`: none); absent leaves them as they are. Never one the calling
    /// key does not carry, nor one its owner may not give.
    #[schema(schema_with = super::changed_scopes)]
    pub scopes: Option<Vec<String>>,
    /// A new rate limit of its own; `null` removes it (the account's default applies);
    /// absent leaves it as it is. Never looser than the limit the calling key is under; a key
    /// may tighten its own, never loosen it.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable)]
    pub rate_limit: Option<Option<RateLimitView>>,
    /// Turns the new-network notice on or off; absent leaves it as it is. A key cannot turn
    /// off its own.
    pub notify_new_network: Option<bool>,
}

/// Tells a field set to `null` (`Some(None)`) from an absent one (`None`, by `default`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// `asked` (stored form), if the calling key carries every one of them: a key gives no key
/// — itself included — a scope it does not carry.
fn beyond_none(caller: &AuthRecord, asked: String) -> Result<String, AppError> {
    match scopes::first_beyond(&asked, &caller.credential.scopes) {
        None => Ok(asked),
        Some(name) => Err(AppError::BadField {
            field: Some("scopes".into()),
            detail: format!(
                "the calling key does not carry `{name}`, and gives no key a scope it does not carry"
            ),
        }),
    }
}

/// Could `key` do anything the calling key cannot: a scope it does not carry, a looser rate
/// limit, addresses outside its allowlist, or a life past its expiry?
fn broader_than_caller(key: &db::credentials::Credential, caller: &AuthRecord) -> bool {
    let own = &caller.credential;
    let limit = RateLimit::stored(key.rate_limit, key.rate_window);
    scopes::first_beyond(&key.scopes, &own.scopes).is_some()
        || match (limit, caller.limit) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(l), caller_limit) => l.looser_than(caller_limit),
        }
        || !validation::allowlist_within(&key.allowed_from, &own.allowed_from)
        || match (key.expires_at, own.expires_at) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(theirs), Some(mine)) => theirs > mine,
        }
}

/// May the caller see (`reading`) or manage `owner`'s keys?
fn may(
    conn: &mut db::DbConn,
    cx: &changes::Ctx,
    owner: OwnerRef,
    reading: bool,
) -> changes::ChangeResult<()> {
    if reading {
        changes::credentials::may_read(conn, cx, owner)
    } else {
        changes::credentials::may_manage(conn, cx, owner)
    }
}

/// The owner an API call acts on: the caller's own, or another one of the account the
/// caller may manage (`domain::authority::manage_keys`): another account's or an unknown
/// owner is 404, one the caller may not manage 403.
async fn target_owner(
    state: &State,
    cx: &changes::Ctx,
    caller: &AuthRecord,
    requested: Option<&str>,
    reading: bool,
) -> Result<db::credentials::Owner, AppError> {
    let target = match requested.filter(|s| !s.is_empty()) {
        None => caller.owner.as_ref(),
        Some(text) => OwnerRef::parse(text).ok_or(AppError::BadRequest("error.bad_owner"))?,
    };
    let (account, cx) = (caller.credential.account_id, cx.clone());
    state
        .db(move |c| {
            let owner = db::credentials::find_owner(c, account, target)?;
            may(c, &cx, target, reading)?;
            Ok(owner)
        })
        .await
}

/// A credential by public id that the caller may manage; anyone else's is "not found".
async fn manageable(
    state: &State,
    cx: &changes::Ctx,
    caller: &AuthRecord,
    public_id: String,
) -> Result<(OwnerRef, db::credentials::Credential), AppError> {
    find_if(state, cx, caller, public_id, false).await
}

/// A credential by public id that the caller may see (`reading`) or manage; anyone else's
/// is "not found".
async fn find_if(
    state: &State,
    cx: &changes::Ctx,
    caller: &AuthRecord,
    public_id: String,
    reading: bool,
) -> Result<(OwnerRef, db::credentials::Credential), AppError> {
    let (account, cx) = (caller.credential.account_id, cx.clone());
    state
        .db(move |c| {
            let found = db::credentials::find_in_account(c, account, &public_id)?;
            let owner = found.owner_ref().ok_or(AppError::NotFound)?;
            match may(c, &cx, owner, reading) {
                Ok(()) => Ok((owner, found)),
                Err(changes::ChangeError::Denied(_)) => Err(AppError::NotFound),
                Err(e) => Err(e.into()),
            }
        })
        .await
}

/// List an owner's credentials, oldest first, a page at a time: follow `next` (as `after`)
/// until it is `null`.
#[utoipa::path(
    get, path = "/api/v1/credentials", tag = "credentials", operation_id = "listCredentials", params(ListQuery),
    responses(
        (status = 200, body = CredentialList),
        (status = 400, description = "A limit outside 1 to 1000, a malformed `after` or owner", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Another owner, without an administrator's credential", body = ErrorBody),
        (status = 404, description = "No such owner", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn list(
    state: State,
    caller: ApiCaller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let limit = super::checked_limit(query.limit)?;
    let after = match query.after.as_deref() {
        None => None,
        Some(text) => Some(parse_cursor(text).ok_or(AppError::BadRequest("error.bad_cursor"))?),
    };
    let cx = caller.acting(&state, Keyward::CredentialsRead)?;
    let owner = target_owner(&state, &cx, &caller.0, query.owner.as_deref(), true).await?;
    let target = owner.as_ref();
    let (mut rows, total) = state
        .db(move |c| {
            // One more than asked tells whether there is a next page.
            let rows = db::credentials::page_after(c, target, after, limit + 1)?;
            Ok((rows, db::credentials::count_for_owner(c, target)?))
        })
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    Ok(HttpResponse::Ok().json(CredentialList {
        owner: (&owner).into(),
        credentials: rows.iter().map(CredentialView::from).collect(),
        total,
        next: rows.last().filter(|_| more).map(cursor_of),
    }))
}

/// Create a credential. It works at once; its secret is in this response only.
#[utoipa::path(
    post, path = "/api/v1/credentials", tag = "credentials", operation_id = "createCredential", request_body = NewCredentialRequest,
    responses(
        (status = 201, body = CreatedCredential),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "A scope that is not in the account's catalog", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 415, description = "The body is not JSON (Content-Type: application/json)", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn create(
    state: State,
    caller: ApiCaller,
    Body(body): Body<NewCredentialRequest>,
) -> Result<HttpResponse, AppError> {
    let cx = caller.acting(&state, Keyward::CredentialsWrite)?;
    let label = validation::label(&body.label).map_err(super::invalid("label"))?;
    let expires_at = body
        .expires_at
        .map(|at| validation::expiry(at.0.naive_utc(), state.clock.now()))
        .transpose()
        .map_err(super::invalid("expires_at"))?;
    let own_allowlist = caller.0.credential.allowed_from.clone();
    let allowed_from = match body.allowed_from.as_deref() {
        // A key's keys are used from where it may be, unless it narrows that.
        None => own_allowlist.clone(),
        Some(entries) => validation::allowlist(entries).map_err(super::invalid("allowed_from"))?,
    };
    if !validation::allowlist_within(&allowed_from, &own_allowlist) {
        return Err(super::invalid("allowed_from")("api.allowlist_wider"));
    }
    let own_limit = RateLimit::stored(
        caller.0.credential.rate_limit,
        caller.0.credential.rate_window,
    );
    let rate_limit = match body.rate_limit {
        None => own_limit,
        Some(asked) => Some(asked.checked()?),
    };
    if rate_limit.is_some_and(|l| l.looser_than(caller.0.limit)) {
        return Err(super::invalid("rate_limit")("api.rate_limit_looser"));
    }
    let account_id = caller.0.credential.account_id;
    let scopes = beyond_none(
        &caller.0,
        super::asked_scopes(
            &state,
            account_id,
            body.scopes.as_deref().unwrap_or_default(),
        )
        .await?,
    )?;
    // A key told of its use from new networks does not make one that is not (a leaked key
    // would use that one instead).
    if body.notify_new_network == Some(false) && caller.0.credential.notify_new_network {
        return Err(AppError::Conflict("api.notice_wider"));
    }
    let owner = target_owner(&state, &cx, &caller.0, body.owner.as_deref(), false).await?;
    let minted = mint(state.verifier.hasher())?;
    // A key never makes one that outlives it.
    let expires_at = match (expires_at, caller.0.credential.expires_at) {
        (Some(asked), Some(own)) => Some(asked.min(own)),
        (None, own) => own,
        (asked, None) => asked,
    };
    // The key answers to whoever made the calling key: a key made by a delegate for someone
    // else passes the delegate's limits on to every key it makes (`changes::Ctx::capped_by`).
    let created_by = caller.0.creator();
    let (target, public_id, hash) = (
        owner.as_ref(),
        minted.public_id.clone(),
        minted.secret_hash.clone(),
    );
    let credential = state
        .db(move |c| {
            let input = NewCredentialInput {
                account_id,
                owner: target,
                public_id: &public_id,
                secret_hash: &hash,
                label: &label,
                created_by,
                expires_at,
                allowed_from: &allowed_from,
                scopes: &scopes,
                rate_limit,
                notify_new_network: body.notify_new_network,
                canary: body.canary.unwrap_or(false),
            };
            Ok(changes::credentials::create(c, &cx, &input, false)?)
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/credentials/{}", minted.public_id),
        ))
        .json(CreatedCredential {
            credential: (&credential).into(),
            owner: (&owner).into(),
            id: minted.public_id.clone(),
            token: minted.token().expose().to_owned(),
            secret: minted.secret.expose().to_owned(),
            canary: credential.canary,
        }))
}

/// One credential.
#[utoipa::path(
    get, path = "/api/v1/credentials/{id}", tag = "credentials", operation_id = "getCredential",
    params(("id" = String, Path, description = "Public id")),
    responses((status = 200, body = CredentialView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn show(
    state: State,
    caller: ApiCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let cx = caller.acting(&state, Keyward::CredentialsRead)?;
    let (_, credential) = find_if(&state, &cx, &caller.0, path.into_inner(), true).await?;
    Ok(HttpResponse::Ok().json(CredentialView::from(&credential)))
}

/// Rename and/or (de)activate a credential, at once. Deactivation refuses the very next
/// request; reactivation restores the same secret.
#[utoipa::path(
    patch, path = "/api/v1/credentials/{id}", tag = "credentials", operation_id = "updateCredential", request_body = UpdateCredentialRequest,
    params(("id" = String, Path, description = "Public id")),
    responses(
        (status = 200, body = CredentialView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "A credential cannot push back its own expiry, change its own allowlist or loosen its own rate limit; or a scope that is not in the account's catalog", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, description = "The body is not JSON (Content-Type: application/json)", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn update(
    state: State,
    caller: ApiCaller,
    path: web::Path<String>,
    Body(body): Body<UpdateCredentialRequest>,
) -> Result<HttpResponse, AppError> {
    let cx = caller.acting(&state, Keyward::CredentialsWrite)?;
    let label = body
        .label
        .as_deref()
        .map(validation::label)
        .transpose()
        .map_err(super::invalid("label"))?;
    let now = state.clock.now();
    let expires_at = match body.expires_at {
        Some(Some(at)) => Some(Some(
            validation::expiry(at.0.naive_utc(), now).map_err(super::invalid("expires_at"))?,
        )),
        other => other.map(|_| None),
    };
    let (owner, found) = manageable(&state, &cx, &caller.0, path.into_inner()).await?;
    // A key may shorten its own life, never lengthen it: a leaked key must not outlive the
    // expiry its owner gave it.
    if found.id == caller.0.credential.id
        && let Some(asked) = expires_at
        && asked.is_none_or(|at| found.expires_at.is_some_and(|own| at > own))
    {
        return Err(AppError::Conflict("api.own_expiry"));
    }
    let allowed_from = body
        .allowed_from
        .as_deref()
        .map(validation::allowlist)
        .transpose()
        .map_err(super::invalid("allowed_from"))?;
    if let Some(asked) = &allowed_from {
        // A leaked key cannot free itself of where it may be used, nor free another.
        if found.id == caller.0.credential.id && *asked != found.allowed_from {
            return Err(AppError::Conflict("api.own_allowlist"));
        }
        if !validation::allowlist_within(asked, &caller.0.credential.allowed_from) {
            return Err(super::invalid("allowed_from")("api.allowlist_wider"));
        }
    }
    let rate_limit = match body.rate_limit {
        None => None,
        Some(None) => Some(None),
        Some(Some(asked)) => Some(Some(asked.checked()?)),
    };
    if let Some(asked) = rate_limit {
        let looser = |than: Option<RateLimit>| match asked {
            Some(l) => l.looser_than(than),
            None => than.is_some(),
        };
        // A leaked key cannot lift its own limit, nor give another a looser one.
        let current = RateLimit::stored(found.rate_limit, found.rate_window);
        if found.id == caller.0.credential.id && asked != current && looser(caller.0.limit) {
            return Err(AppError::Conflict("api.own_rate_limit"));
        }
        if looser(caller.0.limit) {
            return Err(super::invalid("rate_limit")("api.rate_limit_looser"));
        }
    }
    let scopes = match body.scopes.as_deref() {
        None => None,
        Some(asked) => Some(beyond_none(
            &caller.0,
            super::asked_scopes(&state, found.account_id, asked).await?,
        )?),
    };
    // A leaked key cannot hide its use from new networks from its owner, nor that of a key
    // it makes or changes (it would use that one instead).
    if body.notify_new_network == Some(false) {
        if found.id == caller.0.credential.id {
            return Err(AppError::Conflict("api.own_notice"));
        }
        if caller.0.credential.notify_new_network {
            return Err(AppError::Conflict("api.notice_wider"));
        }
    }
    let (active, notify_new_network) = (body.active, body.notify_new_network);
    let updated = state
        .db(move |c| {
            let edit = CredentialChange {
                label: label.as_deref(),
                active,
                expires_at,
                allowed_from: allowed_from.as_deref(),
                scopes: scopes.as_deref(),
                rate_limit,
                notify_new_network,
            };
            Ok(changes::credentials::update(
                c,
                &cx,
                owner,
                &found.public_id,
                edit,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(CredentialView::from(&updated)))
}

/// Delete a credential, at once: the next request with it gets 401.
#[utoipa::path(
    delete, path = "/api/v1/credentials/{id}", tag = "credentials", operation_id = "deleteCredential",
    params(("id" = String, Path, description = "Public id")),
    responses((status = 204, description = "Deleted"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn delete(
    state: State,
    caller: ApiCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let cx = caller.acting(&state, Keyward::CredentialsWrite)?;
    let (owner, found) = manageable(&state, &cx, &caller.0, path.into_inner()).await?;
    state
        .db(move |c| {
            Ok(changes::credentials::delete(
                c,
                &cx,
                owner,
                &found.public_id,
            )?)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// How long a rolled key's old secret stays accepted (never past the key's expiry).
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum Grace {
    #[serde(rename = "PT0S")]
    None,
    #[serde(rename = "PT1H")]
    Hour,
    #[serde(rename = "PT24H")]
    Day,
    #[serde(rename = "P7D")]
    Week,
}

impl Grace {
    fn duration(self) -> chrono::Duration {
        let code = match self {
            Grace::None => "PT0S",
            Grace::Hour => "PT1H",
            Grace::Day => "PT24H",
            Grace::Week => "P7D",
        };
        changes::credentials::grace_window(code).unwrap_or_default()
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RollRequest {
    /// ISO 8601: `PT0S` (the old secret stops at once, the default), `PT1H`, `PT24H` or `P7D`.
    pub grace: Option<Grace>,
}

/// A rolled credential: the same id, a new secret. `secret` and `token` appear in this
/// response only.
#[derive(Debug, Serialize, ToSchema)]
pub struct RolledCredential {
    pub credential: CredentialView,
    /// The new secret (HTTP Basic password). Shown once.
    pub secret: String,
    /// `kwd_<id>_<secret><checksum>`, for `Authorization: Bearer`. Shown once.
    pub token: String,
}

/// Roll a credential: a new secret for the same id, label, owner and history. The old secret
/// stays accepted for the grace window asked for, so programs can be moved over before it
/// stops; the new one works at once and is in this response only. During the window the old
/// secret is good for being checked only: Keyward's own API refuses it (401).
#[utoipa::path(
    post, path = "/api/v1/credentials/{id}/roll", tag = "credentials", operation_id = "rollCredential", request_body = RollRequest,
    params(("id" = String, Path, description = "Public id")),
    responses(
        (status = 200, body = RolledCredential), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "The last roll's old secret is still accepted (retire it first), a grace window was asked for a secret stored from before keyed hashes, or the key may do more than the calling key", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 415, description = "The body is not JSON (Content-Type: application/json)", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn roll(
    state: State,
    caller: ApiCaller,
    path: web::Path<String>,
    Body(body): Body<RollRequest>,
) -> Result<HttpResponse, AppError> {
    let grace = body.grace.unwrap_or(Grace::None).duration();
    let cx = caller.acting(&state, Keyward::CredentialsWrite)?;
    let (owner, found) = manageable(&state, &cx, &caller.0, path.into_inner()).await?;
    // Whoever rolls a key gets its new secret, so a key rolls only keys that may do no more
    // than it may: else a narrow key would take over a broader sibling.
    if found.id != caller.0.credential.id && broader_than_caller(&found, &caller.0) {
        return Err(AppError::Conflict("api.roll_broader"));
    }
    let minted = crate::auth::mint::mint_secret_for(state.verifier.hasher(), found.public_id)?;
    let (public_id, hash) = (minted.public_id.clone(), minted.secret_hash.clone());
    let rolled = state
        .db(move |c| {
            Ok(changes::credentials::roll(
                c, &cx, owner, &public_id, &hash, grace,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(RolledCredential {
        credential: (&rolled).into(),
        token: minted.token().expose().to_owned(),
        secret: minted.secret.expose().to_owned(),
    }))
}

/// How much longer an open roll window stays open.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
pub enum Extension {
    #[serde(rename = "PT1H")]
    Hour,
    #[serde(rename = "PT24H")]
    Day,
    #[serde(rename = "P7D")]
    Week,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ExtendRequest {
    /// ISO 8601: `PT1H`, `PT24H` or `P7D`, added to the window's end (never past the key's
    /// expiry).
    pub by: Extension,
}

/// Extend a roll's grace window, once: the old secret stays accepted longer.
#[utoipa::path(
    post, path = "/api/v1/credentials/{id}/roll/extend", tag = "credentials", operation_id = "extendRoll",
    params(("id" = String, Path, description = "Public id")),
    request_body = ExtendRequest,
    responses(
        (status = 200, body = CredentialView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "No window open, or extended already", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, description = "The body is not JSON (Content-Type: application/json)", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn extend_roll(
    state: State,
    caller: ApiCaller,
    path: web::Path<String>,
    Body(body): Body<ExtendRequest>,
) -> Result<HttpResponse, AppError> {
    let code = match body.by {
        Extension::Hour => "PT1H",
        Extension::Day => "PT24H",
        Extension::Week => "P7D",
    };
    let by = changes::credentials::grace_window(code).unwrap_or_default();
    let cx = caller.acting(&state, Keyward::CredentialsWrite)?;
    let (owner, found) = manageable(&state, &cx, &caller.0, path.into_inner()).await?;
    let extended = state
        .db(move |c| {
            Ok(changes::credentials::extend_window(
                c,
                &cx,
                owner,
                &found.public_id,
                by,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(CredentialView::from(&extended)))
}

/// End a roll's grace window now: the old secret is refused from the next request on.
#[utoipa::path(
    post, path = "/api/v1/credentials/{id}/roll/end", tag = "credentials", operation_id = "endRoll",
    params(("id" = String, Path, description = "Public id")),
    responses(
        (status = 200, body = CredentialView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "No old secret is still accepted", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn end_roll(
    state: State,
    caller: ApiCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let cx = caller.acting(&state, Keyward::CredentialsWrite)?;
    let (owner, found) = manageable(&state, &cx, &caller.0, path.into_inner()).await?;
    let ended = state
        .db(move |c| {
            Ok(changes::credentials::retire_previous(
                c,
                &cx,
                owner,
                &found.public_id,
            )?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(CredentialView::from(&ended)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsageQuery {
    /// `hour`: the last 24 hours, hour by hour (the default); `day`: the last 30 days (UTC).
    #[param(inline)]
    pub per: Option<UsagePer>,
}

/// One hour or day of a key's use: successful uses and refusals by reason.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageBucket {
    /// RFC 3339, UTC: where the hour or day starts.
    #[schema(format = DateTime)]
    pub start: String,
    pub ok: i64,
    pub wrong_secret: i64,
    pub inactive: i64,
    pub expired: i64,
    /// Valid, but without a scope the call or route requires.
    pub scope: i64,
    pub rate_limited: i64,
    /// The right secret from an address outside the key's allowlist.
    pub address: i64,
}

/// A key's use over a period, every hour or day of it (empty ones too), oldest first.
/// Counted in memory and written every `KEYWARD_LAST_USED_FLUSH_MS`: the last uses may be
/// missing yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsageSeries {
    pub credential: String,
    pub per: UsagePer,
    pub buckets: Vec<UsageBucket>,
}

/// A key's use: the last 24 hours or 30 days, with refusals by reason.
#[utoipa::path(
    get, path = "/api/v1/credentials/{id}/usage", tag = "credentials", operation_id = "credentialUsage",
    params(("id" = String, Path, description = "Public id"), UsageQuery),
    responses(
        (status = 200, body = UsageSeries), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn usage(
    state: State,
    caller: ApiCaller,
    path: web::Path<String>,
    query: web::Query<UsageQuery>,
) -> Result<HttpResponse, AppError> {
    use crate::auth::key_usage;
    let cx = caller.acting(&state, Keyward::CredentialsRead)?;
    let per = query.per.unwrap_or(UsagePer::Hour);
    let (_, found) = find_if(&state, &cx, &caller.0, path.into_inner(), true).await?;
    let now = state.clock.now();
    let from = key_usage::Period::Day.from(now);
    let id = found.id;
    let series = state
        .db(move |c| Ok(key_usage::series(c, id, from)?))
        .await?;
    let buckets = key_usage::buckets(&series, now, per)
        .into_iter()
        .map(|(start, n)| UsageBucket {
            start: chrono::DateTime::from_timestamp(start, 0)
                .unwrap_or_default()
                .to_rfc3339(),
            ok: n[0],
            wrong_secret: n[1],
            inactive: n[2],
            expired: n[3],
            scope: n[4],
            rate_limited: n[5],
            address: n[6],
        })
        .collect();
    Ok(HttpResponse::Ok().json(UsageSeries {
        credential: found.public_id,
        per,
        buckets,
    }))
}

/// One place a key was used from.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceView {
    pub address: String,
    /// As the program sent it (at most 200 characters; empty when it sent none).
    pub user_agent: String,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    pub first_seen: String,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    pub last_seen: String,
    pub uses: i64,
    pub secret: crate::auth::key_sources::SecretRole,
}

/// Where a key is used from: each distinct client address and user agent, per secret, most
/// recently seen first (the last 50). Written every `KEYWARD_LAST_USED_FLUSH_MS`: the last
/// uses may be missing yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceList {
    pub credential: String,
    pub sources: Vec<SourceView>,
}

/// Where a key is used from: addresses and user agents, with first and last seen.
#[utoipa::path(
    get, path = "/api/v1/credentials/{id}/sources", tag = "credentials", operation_id = "credentialSources",
    params(("id" = String, Path, description = "Public id")),
    responses(
        (status = 200, body = SourceList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn sources(
    state: State,
    caller: ApiCaller,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    use crate::auth::key_sources::{self, SecretRole};
    let cx = caller.acting(&state, Keyward::CredentialsRead)?;
    let (_, found) = find_if(&state, &cx, &caller.0, path.into_inner(), true).await?;
    let id = found.id;
    let rows = state.db(move |c| Ok(key_sources::of_key(c, id)?)).await?;
    let now = state.clock.now();
    let at = |t: chrono::NaiveDateTime| t.and_utc().to_rfc3339();
    let sources = rows
        .iter()
        .map(|s| SourceView {
            address: s.address.clone(),
            user_agent: s.user_agent.clone(),
            first_seen: at(s.first_seen),
            last_seen: at(s.last_seen),
            uses: s.uses,
            secret: SecretRole::of(s, &found, now),
        })
        .collect();
    Ok(HttpResponse::Ok().json(SourceList {
        credential: found.public_id,
        sources,
    }))
}
