//! `POST /api/v1/credentials/import`: the keys another system issued, imported so their
//! tokens keep working (`changes::import`).

use actix_web::{FromRequest, HttpRequest, HttpResponse, http::header, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiCaller, ErrorBody};
use crate::changes::import::{self, Refusal};
use crate::domain::rate::RateLimit;
use crate::domain::scopes::{self, Keyward};
use crate::error::AppError;
use crate::web::State;

/// Largest import body: 10,000 keys of about 100 bytes (the resource's `PayloadConfig`).
pub const MAX_IMPORT_BYTES: usize = 1024 * 1024;

#[derive(Deserialize, IntoParams)]
pub struct ImportQuery {
    /// Check everything and say what would be imported; change nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// One key of an import (a JSON object, or a CSV row with these column names).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImportEntry {
    /// An operator's email, or `machine:` and a machine's name.
    owner: String,
    label: String,
    /// RFC 3339; default: now.
    created_at: Option<String>,
    /// RFC 3339; a key's import never outlives the calling key.
    expires_at: Option<String>,
    /// Space-separated; never one the calling key does not carry.
    scopes: Option<String>,
    /// The token itself, when the old system kept it; or else `hash` and `hash_format`.
    secret: Option<String>,
    /// The token's hash as the old system stored it.
    hash: Option<String>,
    /// `sha256` (hex), `django_sha512` (`sha512$$<hex>`), `argon2` or `bcrypt` (PHC strings).
    hash_format: Option<String>,
    /// The part of the token before its first dot, by which the old system found it:
    /// needed for salted hashes (`django_sha512`, `argon2`, `bcrypt`).
    prefix: Option<String>,
}

/// A key imported, or in a dry run one that would be.
#[derive(Serialize, ToSchema)]
pub struct ImportedKey {
    /// Its place in the file: the line (CSV) or the position from 1 (JSON).
    pub line: usize,
    /// Its public id; `null` in a dry run.
    pub id: Option<String>,
    pub label: String,
    pub owner: String,
}

/// What an import did (or would do): every key, in the file's order.
#[derive(Serialize, ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    pub count: usize,
    pub keys: Vec<ImportedKey>,
}

/// A refused line: 400 naming it, in English like every API message.
fn refused(r: Refusal) -> AppError {
    match r {
        Refusal::Line(line, key) => AppError::BadField {
            field: (line > 0).then(|| format!("line {line}")),
            detail: crate::i18n::Lang::En
                .t(key)
                .trim_end_matches('.')
                .to_owned(),
        },
        Refusal::Change(e) => e.into(),
    }
}

#[utoipa::path(
    post, path = "/api/v1/credentials/import", tag = "credentials", operation_id = "importCredentials",
    params(ImportQuery),
    request_body(content = Vec<ImportEntry>, description = "A JSON array of keys (`application/json`), or CSV with a header row of the same names (`text/csv`).\nAll or nothing: one key that cannot be imported and none is."),
    responses(
        (status = 200, description = "A dry run: what would be imported", body = ImportReport),
        (status = 201, description = "Imported; each key's token works at once, its last use is unknown until used", body = ImportReport),
        (status = 400, description = "A key that cannot be imported (`field` names its line); nothing was", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "Another import made one of these tokens at the same moment; nothing was imported", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 415, description = "Neither JSON nor CSV", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
/// Imports keys another system issued, so their tokens keep working (`Authorization:
/// Bearer <the old token>`): each one's old hash is checked on its first use, then replaced
/// by Keyward's. The calling key's limit and allowlist apply to every key it imports.
pub async fn import(
    state: State,
    caller: ApiCaller,
    query: web::Query<ImportQuery>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let cx = caller.acting(&state, Keyward::CredentialsWrite)?;
    let kind = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    let csv = match kind.as_deref() {
        Some("application/json") => false,
        Some("text/csv") => true,
        _ => return Err(AppError::UnsupportedMediaType),
    };
    let body = web::Bytes::from_request(&req, &mut payload.into_inner())
        .await
        .map_err(|e| match e.as_error::<actix_web::error::PayloadError>() {
            Some(actix_web::error::PayloadError::Overflow) => AppError::PayloadTooLarge,
            _ => AppError::BadRequest("error.bad_json"),
        })?;
    let now = state.clock.now();
    let mut entries = import::parse(&body, csv, state.verifier.hasher(), now).map_err(refused)?;
    // A key's keys never do more than it may: its scopes, its expiry, its limit, its
    // allowlist.
    let own = &caller.0.credential;
    for e in &mut entries {
        if let Some(name) = scopes::first_beyond(&e.scopes, &own.scopes) {
            return Err(AppError::BadField {
                field: Some(format!("line {}", e.line)),
                detail: format!("the calling key does not carry `{name}`"),
            });
        }
        if let Some(limit) = own.expires_at {
            e.expires_at = Some(e.expires_at.map_or(limit, |at| at.min(limit)));
        }
        e.rate_limit = RateLimit::stored(own.rate_limit, own.rate_window);
        e.allowed_from = own.allowed_from.clone();
        e.created_by = caller.0.creator();
    }
    let (account_id, dry_run) = (own.account_id, query.dry_run);
    let done = state
        .db(move |c| Ok(import::import(c, &cx, account_id, &entries, dry_run)))
        .await?
        .map_err(refused)?;
    if !dry_run {
        state.verifier.imports_exist();
    }
    let report = ImportReport {
        dry_run,
        count: done.len(),
        keys: done
            .into_iter()
            .map(|k| ImportedKey {
                line: k.line,
                id: (!k.public_id.is_empty()).then_some(k.public_id),
                label: k.label,
                owner: k.owner,
            })
            .collect(),
    };
    Ok(match dry_run {
        true => HttpResponse::Ok().json(report),
        false => HttpResponse::Created().json(report),
    })
}
