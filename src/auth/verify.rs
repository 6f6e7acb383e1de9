//! Checking a credential presented to the API.

use actix_web::{HttpRequest, http::header, web};

use crate::auth::password;
use crate::db::{self, credentials::AuthRecord};
use crate::domain::credential::{AuthHeaderError, Presented, parse_authorization};
use crate::error::AppError;
use crate::web::State;

/// The client address recorded as *last used from*: the socket peer.
pub fn client_ip(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Authenticates the request's `Authorization` header. Every failure that is about the
/// credential itself (unknown, wrong secret, inactive, deleted, not yet saved) is the same
/// `InvalidCredentials` after the same amount of work.
pub async fn authenticate(state: &State, req: &HttpRequest) -> Result<AuthRecord, AppError> {
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes());
    let presented = match parse_authorization(header) {
        Ok(Some(p)) => p,
        Ok(None) | Err(AuthHeaderError::Missing) => return Err(AppError::InvalidCredentials),
        Err(AuthHeaderError::Malformed) => {
            return Err(AppError::BadRequest("error.malformed_authorization"));
        }
    };
    let Presented { public_id, secret } = presented;
    let found = state
        .db(move |c| Ok(db::credentials::find_for_auth(c, &public_id)?))
        .await?;
    let dummy = state.dummy_hash.clone();
    let verified = web::block(move || {
        let hash = found
            .as_ref()
            .map_or(dummy.as_str(), |r| r.credential.secret_hash.as_str());
        let matches = password::verify(hash, secret.expose());
        found.filter(|r| matches && r.usable)
    })
    .await?;
    let record = verified.ok_or(AppError::InvalidCredentials)?;
    let (id, now, ip) = (record.credential.id, state.clock.now(), client_ip(req));
    state
        .db(move |c| Ok(db::credentials::record_use(c, id, now, &ip)?))
        .await?;
    Ok(record)
}
