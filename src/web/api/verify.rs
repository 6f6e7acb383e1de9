//! Verification for other services: `POST /api/v1/verify` (JSON) and `/auth/forward`
//! (reverse proxies: nginx `auth_request`, Traefik ForwardAuth, Caddy `forward_auth`).

use actix_web::{HttpRequest, HttpResponse, http::header};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiCaller, Body, CredentialView, ErrorBody, OwnerView};
use crate::auth::key_usage::Outcome;
use crate::domain::credential::parse_presented;
use crate::domain::scopes::Keyward;
use crate::error::AppError;
use crate::web::State;

#[derive(Debug, Deserialize, ToSchema)]
pub struct VerifyRequest {
    /// The token to check: `kwd_<id>_<secret><checksum>`.
    pub key: String,
    /// Described in `ip_address`, which the document takes it from.
    #[schema(schema_with = ip_address)]
    pub client_ip: Option<String>,
    /// The user agent of the program that presented the key, kept with the address as one
    /// of the key's sources (at most 200 characters). Default: none.
    #[schema(max_length = 1000)]
    pub user_agent: Option<String>,
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
    /// A valid key past its own rate limit: come back after `retry_after` seconds.
    KeyRateLimited,
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
    /// For a key with a rate limit: where it stands in the current window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimitStatus>,
    /// With `key_rate_limited`: seconds until the key's window ends.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// A key's standing against its rate limit, as the `RateLimit-*` headers say it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RateLimitStatus {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window ends.
    pub reset: u64,
}

impl From<crate::domain::rate::RateState> for RateLimitStatus {
    fn from(s: crate::domain::rate::RateState) -> Self {
        RateLimitStatus {
            limit: s.limit.requests,
            remaining: s.remaining,
            reset: s.reset,
        }
    }
}

fn invalid(code: VerifyCode) -> VerifyResponse {
    VerifyResponse {
        valid: false,
        code: Some(code),
        credential: None,
        owner: None,
        account: None,
        rate_limit: None,
        retry_after: None,
    }
}

/// Is this key valid, and whose is it? The caller authenticates with its own credential.
/// Fails closed: without a database answer it is 503, never `valid: true`.
#[utoipa::path(
    post, path = "/api/v1/verify", tag = "verification", operation_id = "verifyKey", request_body = VerifyRequest,
    responses(
        (status = 200, description = "The verdict on the key", body = VerifyResponse),
        (status = 400, body = ErrorBody), (status = 401, description = "The caller's own credential is invalid", body = ErrorBody),
        (status = 403, description = "The caller's own credential lacks the scope `keyward:verify`", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, description = "The body is not JSON (Content-Type: application/json)", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn verify(
    state: State,
    caller: ApiCaller,
    Body(body): Body<VerifyRequest>,
) -> Result<HttpResponse, AppError> {
    if let Err(denied) =
        crate::domain::authority::key_scope(&caller.0.credential.scopes, Keyward::Verify)
    {
        let now = state.clock.now();
        (state.verifier.counts).refused_after_all(caller.0.credential.id, now, Outcome::Scope);
        return Err(denied.into());
    }
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
    let user_agent = body.user_agent.as_deref().unwrap_or_default();
    if user_agent.chars().count() > 1000 {
        return Err(AppError::BadField {
            field: Some("user_agent".into()),
            detail: "at most 1000 characters".into(),
        });
    }
    let Some(presented) = parse_presented(body.key.trim()) else {
        return Ok(HttpResponse::Ok().json(invalid(VerifyCode::InvalidCredentials)));
    };
    // The caller answers for the keys it asks about: their failures count against it, not
    // against whatever address it names.
    let limit_as = format!("caller:{}", caller.0.credential.public_id);
    let verdict = match state
        .verifier
        .check(presented, &limit_as, &used_from, user_agent)
        .await
    {
        Ok(record) => VerifyResponse {
            valid: true,
            code: None,
            credential: Some((&record.credential).into()),
            owner: Some((&record.owner).into()),
            account: Some(record.credential.account_id),
            rate_limit: record.rate.map(RateLimitStatus::from),
            retry_after: None,
        },
        Err(AppError::InvalidCredentials) => invalid(VerifyCode::InvalidCredentials),
        Err(AppError::KeyRateLimited(state)) => VerifyResponse {
            rate_limit: Some(state.into()),
            retry_after: Some(state.reset),
            ..invalid(VerifyCode::KeyRateLimited)
        },
        Err(AppError::RateLimited { .. }) => invalid(VerifyCode::RateLimited),
        Err(other) => return Err(other),
    };
    Ok(HttpResponse::Ok().json(verdict))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ForwardQuery {
    /// A scope the key must carry for this route, such as `billing:read` (repeat the
    /// parameter to require several); without it, 403. Also read from the header
    /// `X-Keyward-Required-Scope` (space-separated), which the proxy sets: Envoy appends the
    /// original path, so its query is not the proxy's. A client can only add requirements
    /// to its own request, never remove the proxy's.
    pub scope: Option<String>,
}

/// The scopes a forward-auth check requires: `scope` parameters of `/auth/forward`'s own
/// query (not of an original path appended after it) and the `X-Keyward-Required-Scope`
/// header.
fn required_scopes(req: &HttpRequest) -> Vec<String> {
    let mut required: Vec<String> = Vec::new();
    // (`/auth/forward/` too: an empty original path is the check's own address.)
    if matches!(req.path(), "/auth/forward" | "/auth/forward/") {
        // A query that does not parse requires what it can be read to: nothing is dropped
        // silently in the caller's favour (an unreadable query is refused below).
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
            .unwrap_or_else(|_| vec![("scope".into(), "<unreadable query>".into())]);
        required.extend(
            pairs
                .into_iter()
                .filter(|(name, _)| name == "scope")
                .map(|(_, value)| value.trim().to_owned()),
        );
    }
    for value in req.headers().get_all("x-keyward-required-scope") {
        match value.to_str() {
            Ok(text) => required.extend(text.split_whitespace().map(str::to_owned)),
            // Unreadable: a requirement no key meets, never none.
            Err(_) => required.push("<unreadable header>".into()),
        }
    }
    required.retain(|s| !s.is_empty());
    required
}

/// For reverse proxies: checks the request's `Authorization` header. 200 with
/// `X-Keyward-Credential`, `X-Keyward-Owner`, `X-Keyward-Owner-Kind`, `X-Keyward-Account`,
/// `X-Keyward-Scopes` (space-separated) and `X-Keyward-Owner-Name` (percent-encoded); 401;
/// 403 when the key lacks a scope the route requires (`scope`); or 429 with `Retry-After`
/// after too many failures. Any method.
#[utoipa::path(
    get, path = "/auth/forward", tag = "verification", operation_id = "forwardAuth", params(ForwardQuery),
    responses(
        (status = 200, description = "Valid; identity in the X-Keyward-* headers"),
        (status = 401, description = "Missing, malformed or invalid credentials", body = ErrorBody),
        (status = 403, description = "Valid, but the key lacks a scope the route requires", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn forward(
    state: State,
    req: HttpRequest,
    caller: Result<ApiCaller, AppError>,
) -> Result<HttpResponse, AppError> {
    let record = match caller {
        Ok(ApiCaller(record, _)) => record,
        // A malformed header is an invalid credential to the proxy; too many failures stay
        // 429 with Retry-After, so a throttled client is not told its key is bad (the nginx
        // recipe passes it on; Caddy, Traefik and Envoy pass any refusal as it is).
        Err(AppError::BadRequest(_)) => return Err(AppError::InvalidCredentials),
        Err(other) => return Err(other),
    };
    let carried = &record.credential.scopes;
    if let Some(missing) = required_scopes(&req)
        .into_iter()
        .find(|name| !crate::domain::scopes::has(carried, name))
    {
        let now = state.clock.now();
        (state.verifier.counts).refused_after_all(record.credential.id, now, Outcome::Scope);
        return Ok(HttpResponse::Forbidden()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .json(serde_json::json!({
                "error": "forbidden",
                "message": format!("This key does not carry the scope this route requires: {missing}."),
                "scope": missing,
            })));
    }
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
    let mut ok = HttpResponse::Ok();
    if let Some(state) = &record.rate {
        crate::error::rate_limit_headers(&mut ok, state);
    }
    Ok(ok
        .insert_header(("X-Keyward-Credential", record.credential.public_id.as_str()))
        .insert_header(("X-Keyward-Owner", record.owner.id.to_string()))
        .insert_header(("X-Keyward-Owner-Kind", record.owner.kind))
        .insert_header(("X-Keyward-Owner-Name", name))
        .insert_header((
            "X-Keyward-Account",
            record.credential.account_id.to_string(),
        ))
        .insert_header(("X-Keyward-Scopes", carried.as_str()))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}
