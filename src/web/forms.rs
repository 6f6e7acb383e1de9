//! `CsrfForm<T>`: a url-encoded form that is only accepted with the session's CSRF token
//! (synchronizer token) and, when the browser says where it comes from, from our own origin.

use std::future::Future;
use std::pin::Pin;

use actix_session::SessionExt;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use super::context::SESSION_CSRF;
use crate::error::AppError;

/// Largest form body we read. Our forms are a few short fields.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

pub struct CsrfForm<T>(pub T);

#[derive(Deserialize)]
struct TokenField {
    csrf: Option<String>,
    /// The sub account the page was shown in, empty for one's own (`_macros.html`).
    acting_in: Option<String>,
}

/// A request whose `Sec-Fetch-Site` says another site sent it is refused outright.
fn cross_site(req: &HttpRequest) -> bool {
    req.headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|site| site == "cross-site" || site == "same-site")
}

fn foreign_origin(req: &HttpRequest) -> bool {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let host = req.connection_info().host().to_owned();
    let origin_host = origin
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or(origin);
    origin != "null" && origin_host != host
}

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let body =
                body.await
                    .map_err(|e| match e.as_error::<actix_web::error::PayloadError>() {
                        Some(actix_web::error::PayloadError::Overflow) => AppError::PayloadTooLarge,
                        _ => AppError::BadRequest("error.bad_form"),
                    })?;
            if body.len() > MAX_FORM_BYTES {
                return Err(AppError::PayloadTooLarge);
            }
            if cross_site(&req) || foreign_origin(&req) {
                return Err(AppError::Csrf);
            }
            let fields = serde_urlencoded::from_bytes::<TokenField>(&body).ok();
            let acting_in = fields.as_ref().and_then(|f| f.acting_in.clone());
            let sent = fields.and_then(|f| f.csrf).ok_or(AppError::Csrf)?;
            let expected = req
                .get_session()
                .get::<String>(SESSION_CSRF)?
                .ok_or(AppError::Csrf)?;
            if !bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
                return Err(AppError::Csrf);
            }
            // A page of one account, sent after the session moved to another (a second tab):
            // refused, rather than done in an account the person is not looking at.
            if let Some(shown_in) = acting_in {
                let now_in = req
                    .get_session()
                    .get::<i32>(super::context::SESSION_ACCOUNT)?
                    .map(|id| id.to_string())
                    .unwrap_or_default();
                if shown_in.trim() != now_in {
                    return Err(AppError::Conflict("accounts.form_other_account"));
                }
            }
            let form = serde_urlencoded::from_bytes::<T>(&body)
                .map_err(|_| AppError::BadRequest("error.bad_form"))?;
            Ok(CsrfForm(form))
        })
    }
}
