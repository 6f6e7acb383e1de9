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
use crate::changes;
use crate::db::audit::Actor;
use crate::db::{credentials::NewCredentialInput, credentials::OwnerRef};
use crate::domain::validation;
use crate::error::AppError;
use crate::web::State;
use crate::web::client::client_ip;

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RegisterRequest {
    // Default: "Registered through the API on <date>", in the operator's language (said
    // in the call's description).
    #[schema(schema_with = super::optional_text)]
    pub label: Option<String>,
    /// What the new key is for: Keyward's own scopes and names from the account's catalog,
    /// only those the operator may give. Default: none.
    #[schema(schema_with = super::registered_scopes)]
    pub scopes: Option<Vec<String>>,
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
    if scheme.eq_ignore_ascii_case("bearer") {
        // A well-formed header of the other kind: not an email and password.
        return Err(AppError::InvalidCredentials);
    }
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

/// A body sent as JSON (`application/json`, or a `+json` type).
pub(super) fn is_json(req: &HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .is_some_and(|m| m == "application/json" || m.ends_with("+json"))
}

/// Register a new API account for the operator whose console email and password are sent
/// with HTTP Basic. Failures are throttled like sign-in.
///
/// Without a `label`, it is named "Registered through the API on <date>", in the operator's
/// language.
#[utoipa::path(
    post, path = "/api/v1/register", tag = "credentials", operation_id = "register", request_body(content = RegisterRequest, description = "Optional"),
    responses(
        (status = 201, body = Registered),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "A scope the operator may not give", body = ErrorBody),
        (status = 409, description = "A scope that is not in the account's catalog", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 415, description = "The body is not JSON (Content-Type: application/json)", body = ErrorBody),
    ),
    security(("operatorPassword" = []))
)]
pub async fn register(
    state: State,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    // Who asks comes first: a stranger learns nothing about what a body should hold.
    let (email, password_given) = basic_email_password(&req)?;
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    let (operator, _) =
        crate::web::session::check_password(&state, &req, &email, password_given, &ip).await?;
    let Some(operator) = operator else {
        return Err(AppError::InvalidCredentials);
    };
    let request: RegisterRequest = if body.iter().all(u8::is_ascii_whitespace) {
        RegisterRequest::default()
    } else if !is_json(&req) {
        return Err(AppError::UnsupportedMediaType);
    } else {
        let value =
            serde_json::from_slice(&body).map_err(|_| AppError::BadRequest("error.bad_json"))?;
        super::from_value(value)?
    };
    // Named in the operator's language, with when, so two of them can be told apart.
    let default_label = {
        let lang = crate::i18n::Lang::from_code(&operator.language).unwrap_or_default();
        let at = state.clock.now().format("%Y-%m-%d %H:%M UTC").to_string();
        lang.t("api.registered_label").replace("{at}", &at)
    };
    let label = validation::label(request.label.as_deref().unwrap_or(&default_label))
        .map_err(super::invalid("label"))?;

    let scopes = super::asked_scopes(
        &state,
        operator.account_id,
        request.scopes.as_deref().unwrap_or_default(),
    )
    .await?;
    let minted = mint(state.verifier.hasher())?;
    let actor = Actor {
        kind: crate::db::audit::ActorKind::Operator,
        id: Some(operator.id),
        name: operator.name.clone(),
        ip: Some(ip.clone()),
        account_id: Some(operator.account_id),
    };
    // The operator's own key: their own authority, nothing more.
    let cx = changes::Ctx {
        grants: Default::default(),
        acting_as: Some(OwnerRef::Operator(operator.id)),
        ..state.system_change(actor)
    };
    let (public_id, hash) = (minted.public_id.clone(), minted.secret_hash.clone());
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
                allowed_from: "",
                notify_new_network: None,
                canary: false,
                scopes: &scopes,
                rate_limit: None,
            };
            Ok(changes::credentials::create(c, &cx, &input, true)?)
        })
        .await?;
    let secret = minted.secret.expose().to_owned();
    // A script that keeps cookies is a known device next time (see `auth::signin`).
    let device = state.sign_in_limits.issue_device(&email)?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/credentials/{}", minted.public_id),
        ))
        .cookie(crate::web::session::device_cookie(
            device,
            state.settings.secure_cookies,
        ))
        .json(Registered {
            username: minted.public_id.clone(),
            password: secret.clone(),
            id: minted.public_id.clone(),
            token: minted.token().expose().to_owned(),
            secret,
            credential: (&credential).into(),
            owner: OwnerView {
                kind: super::OwnerKind::Operator,
                id: operator_id,
                name,
                // Only an active operator's password registers.
                active: true,
            },
        }))
}
