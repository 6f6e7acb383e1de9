//! `POST /api/v1/register`: the older way (seeds 000/002) to create an API account — HTTP
//! Basic with the operator's console email and password. The account then shows on the
//! operator's API management tab like any other.

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{CredentialView, ErrorBody, OwnerView};
use crate::auth::mint::mint;
use crate::auth::password;
use crate::auth::verify::client_ip;
use crate::changes;
use crate::db::audit::Actor;
use crate::db::{self, credentials::NewCredentialInput, credentials::OwnerRef};
use crate::domain::validation;
use crate::error::AppError;
use crate::web::State;

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RegisterRequest {
    /// Optional label; default "Registered through the API".
    pub label: Option<String>,
}

/// The new API account, named as Uptrends names it (`username`, `password`) and as Keyward
/// does (`id`, `secret`, `token`). Shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    pub username: String,
    pub password: String,
    pub id: String,
    pub secret: String,
    pub token: String,
    pub credential: CredentialView,
    pub owner: OwnerView,
}

/// Email and password from `Authorization: Basic`, as sent by a person's script.
fn basic_email_password(req: &HttpRequest) -> Result<(String, String), AppError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(AppError::InvalidCredentials)?;
    let value = value
        .to_str()
        .map_err(|_| AppError::BadRequest("error.malformed_authorization"))?;
    let (scheme, encoded) = value
        .trim()
        .split_once(' ')
        .ok_or(AppError::BadRequest("error.malformed_authorization"))?;
    if !scheme.eq_ignore_ascii_case("basic") || encoded.len() > 1024 {
        return Err(AppError::BadRequest("error.malformed_authorization"));
    }
    let decoded = STANDARD
        .decode(encoded.trim())
        .map_err(|_| AppError::BadRequest("error.malformed_authorization"))?;
    let decoded = String::from_utf8(decoded)
        .map_err(|_| AppError::BadRequest("error.malformed_authorization"))?;
    let (email, password) = decoded
        .split_once(':')
        .ok_or(AppError::BadRequest("error.malformed_authorization"))?;
    Ok((email.trim().to_lowercase(), password.to_owned()))
}

/// Register a new API account for the operator whose console email and password are sent
/// with HTTP Basic. Failures are throttled like sign-in.
#[utoipa::path(
    post, path = "/api/v1/register", tag = "credentials", request_body(content = RegisterRequest, description = "Optional"),
    responses(
        (status = 201, body = Registered),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 429, description = "Too many failures; see Retry-After", body = ErrorBody),
    ),
    security(("basic" = []))
)]
pub async fn register(
    state: State,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let request: RegisterRequest = if body.iter().all(u8::is_ascii_whitespace) {
        RegisterRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|_| AppError::BadRequest("error.bad_json"))?
    };
    let label = validation::label(
        request
            .label
            .as_deref()
            .unwrap_or("Registered through the API"),
    )
    .map_err(AppError::BadRequest)?;
    let (email, password_given) = basic_email_password(&req)?;
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    let (ip_key, account_key) = (format!("ip:{ip}"), format!("email:{email}"));
    state
        .login_ip_throttle
        .check(&ip_key)
        .map_err(|retry_after| AppError::RateLimited { retry_after })?;
    state
        .login_account_throttle
        .check(&account_key)
        .map_err(|retry_after| AppError::RateLimited { retry_after })?;

    let lookup = email.clone();
    let found = state
        .db(move |c| Ok(db::operators::find_by_email(c, &lookup)?))
        .await?;
    let dummy = state.dummy_hash.clone();
    let operator = state
        .argon2(move || {
            let (hash, candidate) = match found {
                Some(op) if op.active => (op.password_hash.clone(), Some(op)),
                _ => (dummy, None),
            };
            let matches = password::verify(&hash, &password_given);
            candidate.filter(|_| matches)
        })
        .await?;
    let Some(operator) = operator else {
        state.login_ip_throttle.fail(&ip_key);
        state.login_account_throttle.fail(&account_key);
        return Err(AppError::InvalidCredentials);
    };

    let minted = mint(&state).await?;
    let actor = Actor {
        kind: "operator",
        id: Some(operator.id),
        name: operator.name.clone(),
        ip: Some(ip.clone()),
        account_id: Some(operator.account_id),
    };
    let (cx, public_id, hash) = (
        state.change(actor),
        minted.public_id.clone(),
        minted.secret_hash.clone(),
    );
    let (account_id, operator_id, name) = (operator.account_id, operator.id, operator.name.clone());
    let credential = state
        .db(move |c| {
            let input = NewCredentialInput {
                account_id,
                owner: OwnerRef::Operator(operator_id),
                public_id: &public_id,
                secret_hash: &hash,
                label: &label,
                expires_at: None,
                created_by: Some(operator_id),
            };
            Ok(changes::create_credential(c, &cx, &input, true)?)
        })
        .await?;
    let secret = minted.secret.expose().to_owned();
    Ok(HttpResponse::Created().json(Registered {
        username: minted.public_id.clone(),
        password: secret.clone(),
        id: minted.public_id.clone(),
        token: minted.token().expose().to_owned(),
        secret,
        credential: (&credential).into(),
        owner: OwnerView {
            kind: "operator".into(),
            id: operator_id,
            name,
        },
    }))
}
