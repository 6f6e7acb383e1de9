//! Verification for other services: `POST /api/v1/verify` (JSON) and `/auth/forward`
//! (reverse proxies: nginx `auth_request`, Traefik ForwardAuth, Caddy `forward_auth`).

use actix_web::{HttpResponse, http::header};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiCaller, Body, CredentialView, ErrorBody, OwnerView};
use crate::domain::credential::parse_token;
use crate::error::AppError;
use crate::web::State;

#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyRequest {
    /// The token to check: `kwd_<id>_<secret><checksum>`.
    pub key: String,
    /// Described in `ip_address`, which the document takes it from.
    #[schema(schema_with = ip_address)]
    pub client_ip: Option<String>,
}

/// `client_ip`: an IPv4 or IPv6 address, or null.
fn ip_address() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, OneOfBuilder, SchemaFormat, Type};
    let address = |format| {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(format)))
    };
    OneOfBuilder::new()
        .item(address(KnownFormat::Ipv4))
        .item(address(KnownFormat::Ipv6))
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .description(Some(
            "The address the key was presented from, recorded as its *last used from*. Default:\n\
             the caller's address. It never decides whose failures are limited: the calling\n\
             credential's are.",
        ))
        .build()
        .into()
}

/// Why a key is not valid: it is not a live key (unknown, wrong secret, inactive, expired,
/// deleted — never which), or too many failures came from the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VerifyCode {
    InvalidCredentials,
    RateLimited,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerifyResponse {
    pub valid: bool,
    /// Why not, when `valid` is false.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<VerifyCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<CredentialView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<OwnerView>,
    /// The id of the account the key belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<i32>,
}

fn invalid(code: VerifyCode) -> VerifyResponse {
    VerifyResponse {
        valid: false,
        code: Some(code),
        credential: None,
        owner: None,
        account: None,
    }
}

/// Is this key valid, and whose is it? The caller authenticates with its own credential.
/// Fails closed: without a database answer it is 503, never `valid: true`.
#[utoipa::path(
    post, path = "/api/v1/verify", tag = "verification", operation_id = "verifyKey", request_body = VerifyRequest,
    responses(
        (status = 200, description = "The verdict on the key", body = VerifyResponse),
        (status = 400, body = ErrorBody), (status = 401, description = "The caller's own credential is invalid", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, description = "The body is not JSON (Content-Type: application/json)", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn verify(
    state: State,
    caller: ApiCaller,
    Body(body): Body<VerifyRequest>,
) -> Result<HttpResponse, AppError> {
    let used_from = match body
        .client_ip
        .as_deref()
        .map(str::parse::<std::net::IpAddr>)
    {
        Some(Ok(ip)) => ip.to_string(),
        Some(Err(_)) => {
            return Err(AppError::BadField {
                field: Some("client_ip".into()),
                detail: "expected an IPv4 or IPv6 address".into(),
            });
        }
        None => caller.1.clone(),
    };
    let Some(presented) = parse_token(body.key.trim()) else {
        return Ok(HttpResponse::Ok().json(invalid(VerifyCode::InvalidCredentials)));
    };
    // The caller answers for the keys it asks about: their failures count against it, not
    // against whatever address it names.
    let limit_as = format!("caller:{}", caller.0.credential.public_id);
    let verdict = match state.verifier.check(presented, &limit_as, &used_from).await {
        Ok(record) => VerifyResponse {
            valid: true,
            code: None,
            credential: Some((&record.credential).into()),
            owner: Some((&record.owner).into()),
            account: Some(record.credential.account_id),
        },
        Err(AppError::InvalidCredentials) => invalid(VerifyCode::InvalidCredentials),
        Err(AppError::RateLimited { .. }) => invalid(VerifyCode::RateLimited),
        Err(other) => return Err(other),
    };
    Ok(HttpResponse::Ok().json(verdict))
}

/// For reverse proxies: checks the request's `Authorization` header. 200 with
/// `X-Keyward-Credential`, `X-Keyward-Owner`, `X-Keyward-Owner-Kind`, `X-Keyward-Account`
/// (and `X-Keyward-Owner-Name`, percent-encoded), 401, or 429 with `Retry-After` after too
/// many failures. Any method.
#[utoipa::path(
    get, path = "/auth/forward", tag = "verification", operation_id = "forwardAuth",
    responses(
        (status = 200, description = "Valid; identity in the X-Keyward-* headers"),
        (status = 401, description = "Missing, malformed or invalid credentials", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn forward(caller: Result<ApiCaller, AppError>) -> Result<HttpResponse, AppError> {
    let record = match caller {
        Ok(ApiCaller(record, _)) => record,
        // A malformed header is an invalid credential to the proxy; too many failures stay
        // 429 with Retry-After, so a throttled client is not told its key is bad (the nginx
        // recipe passes it on; Caddy, Traefik and Envoy pass any refusal as it is).
        Err(AppError::BadRequest(_)) => return Err(AppError::InvalidCredentials),
        Err(other) => return Err(other),
    };
    let name: String = record
        .owner
        .name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b' ' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header(("X-Keyward-Credential", record.credential.public_id.as_str()))
        .insert_header(("X-Keyward-Owner", record.owner.id.to_string()))
        .insert_header(("X-Keyward-Owner-Kind", record.owner.kind))
        .insert_header(("X-Keyward-Owner-Name", name))
        .insert_header((
            "X-Keyward-Account",
            record.credential.account_id.to_string(),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}
