//! `POST /api/v1/leaks/report`: anyone who finds a Keyward token (in a public repository, a
//! paste, a log) can stop it, without an account — as Slack and GitHub offer for theirs.
//! The answer never tells whether the token was one: a stranger learns nothing they could
//! not learn by calling `whoami` with it.

use actix_web::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Body, ErrorBody};
use crate::changes;
use crate::domain::credential::parse_token;
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
    let presented = parse_token(body.token.trim());
    let Some((id, which)) = state.verifier.leaked(presented, &ip).await? else {
        return Ok(received);
    };
    let (now, mail) = (state.clock.now(), state.settings.mail_policy());
    let done = state
        .db(move |c| {
            Ok(changes::credentials::leak_reported(
                c, now, mail, id, which, &found_at, &ip,
            ))
        })
        .await?;
    match done {
        // Deleted between the check and the change: nothing left to stop.
        Ok(()) | Err(changes::ChangeError::Db(diesel::result::Error::NotFound)) => Ok(received),
        Err(e) => Err(e.into()),
    }
}
