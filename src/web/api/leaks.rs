//! `POST /api/v1/leaks/report`: anyone who finds a Keyward token (in a public repository, a
//! paste, a log) can stop it, without an account — as Slack and GitHub offer for theirs.
//! The answer never tells whether the token was one: a stranger learns nothing they could
//! not learn by calling `whoami` with it.

use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Body, ErrorBody};
use crate::changes;
use crate::domain::credential::parse_presented;
use crate::error::AppError;
use crate::web::State;
use crate::web::client::client_ip;

/// Longest token looked at; longer is no Keyward token.
const MAX_TOKEN_CHARS: usize = 300;
const MAX_FOUND_AT_CHARS: usize = 1000;

#[derive(Debug, Deserialize, ToSchema)]
pub struct LeakReport {
    /// The whole bearer token as found (`kwd_…`).
    #[schema(max_length = 300, example = "kwd_Ab3dE5gH7jK9mN1p_…")]
    pub token: String,
    /// Where it was found (a URL, a file): told to the key's owner.
    #[schema(max_length = 1000, example = "https://example.com/paste/123")]
    pub found_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeakReceived {
    /// Always `received`, whatever the token was.
    #[schema(example = "received")]
    pub status: &'static str,
}

/// Report a leaked token; no authentication. A token that works is stopped at once: a key's
/// secret deactivates the key, the old secret of a roll ends its window. Its owner is mailed
/// where it was found, and the journal says so. The answer is the same for every token.
/// At most 20 reports per client address per 10 minutes.
#[utoipa::path(
    post, path = "/api/v1/leaks/report", tag = "credentials", operation_id = "reportLeak", request_body = LeakReport,
    responses(
        (status = 202, body = LeakReceived),
        (status = 400, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 415, description = "The body is not JSON (Content-Type: application/json)", body = ErrorBody),
    )
)]
pub async fn report(
    state: State,
    req: HttpRequest,
    Body(body): Body<LeakReport>,
) -> Result<HttpResponse, AppError> {
    if body.token.chars().count() > MAX_TOKEN_CHARS {
        return Err(super::invalid("token")("error.too_long"));
    }
    let found_at: String = match &body.found_at {
        Some(text) if text.chars().count() > MAX_FOUND_AT_CHARS => {
            return Err(super::invalid("found_at")("error.too_long"));
        }
        Some(text) => text.chars().filter(|c| !c.is_control()).collect(),
        None => String::new(),
    };
    let received = HttpResponse::Accepted().json(LeakReceived { status: "received" });
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    let presented = parse_presented(body.token.trim());
    let Some(leak) = state.verifier.leaked(presented, &ip).await? else {
        return Ok(received);
    };
    let (now, mail) = (state.clock.now(), state.settings.mail_policy());
    let done = state
        .db(move |c| {
            Ok(changes::credentials::leak_reported(
                c, now, mail, &leak, &found_at, &ip,
            ))
        })
        .await?;
    match done {
        // Deleted between the check and the change: nothing left to stop.
        Ok(()) | Err(changes::ChangeError::Db(diesel::result::Error::NotFound)) => Ok(received),
        Err(e) => Err(e.into()),
    }
}

/// One match GitHub's secret scanning found, as it sends them.
#[derive(Debug, Deserialize, ToSchema)]
pub struct GithubMatch {
    #[schema(max_length = 300)]
    pub token: String,
    /// The token type GitHub knows it by (echoed back).
    #[serde(rename = "type")]
    #[schema(max_length = 100)]
    pub token_type: String,
    /// Where it was found.
    #[schema(max_length = 1000)]
    pub url: Option<String>,
    /// What kind of place (`content`, `commit`, `issue`, …).
    #[schema(max_length = 100)]
    pub source: Option<String>,
}

/// Keyward's verdict on one match, as GitHub reads it.
#[derive(Debug, Serialize, ToSchema)]
pub struct GithubVerdict {
    pub token_raw: String,
    pub token_type: String,
    /// `true_positive`: a token that worked, now stopped; else `false_positive`.
    #[schema(example = "true_positive")]
    pub label: &'static str,
}

/// Matches in one alert, at most.
const MAX_GITHUB_MATCHES: usize = 1000;

/// The public keys of `KEYWARD_GITHUB_SCANNING_KEYS`, by identifier.
fn github_keys(
    path: &std::path::Path,
) -> Result<Vec<(String, p256::ecdsa::VerifyingKey)>, AppError> {
    use p256::pkcs8::DecodePublicKey;
    #[derive(Deserialize)]
    struct File {
        public_keys: Vec<Key>,
    }
    #[derive(Deserialize)]
    struct Key {
        key_identifier: String,
        key: String,
    }
    let unreadable = |e: String| {
        tracing::error!(path = %path.display(), error = %e, "GitHub secret-scanning keys unreadable");
        AppError::Unavailable("GitHub secret-scanning keys unreadable".into())
    };
    let text = std::fs::read_to_string(path).map_err(|e| unreadable(e.to_string()))?;
    let file: File = serde_json::from_str(&text).map_err(|e| unreadable(e.to_string()))?;
    file.public_keys
        .into_iter()
        .map(|k| {
            p256::ecdsa::VerifyingKey::from_public_key_pem(&k.key)
                .map(|v| (k.key_identifier, v))
                .map_err(|e| unreadable(e.to_string()))
        })
        .collect()
}

/// Is `body` signed by the GitHub key the request names?
fn signed_by_github(
    req: &HttpRequest,
    body: &[u8],
    keys: &[(String, p256::ecdsa::VerifyingKey)],
) -> bool {
    use base64::Engine;
    use p256::ecdsa::signature::Verifier;
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let (Some(id), Some(signature)) = (
        header("github-public-key-identifier"),
        header("github-public-key-signature"),
    ) else {
        return false;
    };
    let Some((_, key)) = keys.iter().find(|(k, _)| k == id.trim()) else {
        return false;
    };
    let Ok(der) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
        return false;
    };
    let Ok(signature) = p256::ecdsa::Signature::from_der(&der) else {
        return false;
    };
    key.verify(body, &signature).is_ok()
}

/// GitHub's secret scanning partner endpoint: GitHub sends the Keyward tokens it finds in
/// public repositories and packages, signed with one of its published keys (ECDSA P-256,
/// `GITHUB-PUBLIC-KEY-IDENTIFIER` and `GITHUB-PUBLIC-KEY-SIGNATURE`, base64 DER, over the
/// body as sent). Each token that works is stopped as a reported leak is, the owner mailed
/// the URL where it was found. Off (404) unless `KEYWARD_GITHUB_SCANNING_KEYS` is set; a
/// missing or wrong signature is 401.
#[utoipa::path(
    post, path = "/api/v1/leaks/github", tag = "credentials", operation_id = "githubSecretScanning",
    request_body = Vec<GithubMatch>,
    responses(
        (status = 200, body = Vec<GithubVerdict>),
        (status = 400, body = ErrorBody),
        (status = 401, description = "Not signed by a configured GitHub key", body = ErrorBody),
        (status = 404, description = "Not configured", body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 415, description = "The body is not JSON (Content-Type: application/json)", body = ErrorBody),
    )
)]
pub async fn github(
    state: State,
    req: HttpRequest,
    body: actix_web::web::Bytes,
) -> Result<HttpResponse, AppError> {
    let Some(path) = state.settings.github_scanning_keys.clone() else {
        return Err(AppError::NotFound);
    };
    let keys = github_keys(&path)?;
    if !signed_by_github(&req, &body, &keys) {
        return Err(AppError::InvalidCredentials);
    }
    if !super::register::is_json(&req) {
        return Err(AppError::UnsupportedMediaType);
    }
    let value: serde_json::Value =
        serde_json::from_slice(&body).map_err(|_| AppError::BadRequest("error.bad_json"))?;
    let matches: Vec<GithubMatch> =
        serde_path_to_error::deserialize(value).map_err(|e| AppError::BadField {
            field: Some(e.path().to_string()),
            detail: e.into_inner().to_string(),
        })?;
    if matches.len() > MAX_GITHUB_MATCHES {
        return Err(AppError::BadRequest("error.too_long"));
    }
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    let mut verdicts = Vec::with_capacity(matches.len());
    for m in matches {
        let found =
            match parse_presented(m.token.trim()).filter(|_| m.token.len() <= MAX_TOKEN_CHARS) {
                Some(presented) => state.verifier.secret_of(presented).await?,
                None => None,
            };
        if let Some(leak) = found.clone() {
            let place = [m.url.as_deref(), m.source.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" — ");
            let found_at: String = format!("GitHub secret scanning: {place}")
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_FOUND_AT_CHARS)
                .collect();
            let (now, mail, ip) = (state.clock.now(), state.settings.mail_policy(), ip.clone());
            let done = state
                .db(move |c| {
                    Ok(changes::credentials::leak_reported(
                        c, now, mail, &leak, &found_at, &ip,
                    ))
                })
                .await?;
            match done {
                Ok(()) | Err(changes::ChangeError::Db(diesel::result::Error::NotFound)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        verdicts.push(GithubVerdict {
            token_raw: m.token,
            token_type: m.token_type,
            label: if found.is_some() {
                "true_positive"
            } else {
                "false_positive"
            },
        });
    }
    Ok(HttpResponse::Ok().json(verdicts))
}
