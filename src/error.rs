//! One error type for the whole app. `ResponseError` gives each variant its status; the
//! `render_errors` middleware (web/mod.rs) then turns it into a page in the visitor's language,
//! or into JSON under `/api/`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    /// What is missing, and why it is needed.
    #[error("forbidden: missing {}", .0.missing.code())]
    Forbidden(crate::domain::authority::Denied),
    /// Refused because of the state of things (a taken email, the last administrator…):
    /// the catalog key of the explanation.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("missing or invalid CSRF token")]
    Csrf,
    /// The catalog key of what is wrong with the request.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// A JSON body of the wrong shape: the field at fault (none when the body as a whole is,
    /// e.g. a required field is missing) and what it should be.
    #[error("bad request body at {field:?}: {detail}")]
    BadField {
        field: Option<String>,
        detail: String,
    },
    #[error("sign-in required")]
    SignInRequired,
    #[error("first-run setup required")]
    SetupRequired,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("too many failed attempts; retry after {retry_after} s")]
    RateLimited { retry_after: u64 },
    /// A valid key past its own rate limit: 429 with `Retry-After` and the `RateLimit-*`
    /// headers.
    #[error("the key's rate limit is used up")]
    KeyRateLimited(crate::domain::rate::RateState),
    #[error("payload too large")]
    PayloadTooLarge,
    /// The route exists, not with this method (the response says which: `Allow`).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A body that is not JSON where JSON is expected (a form, plain text).
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// Stable code used in JSON bodies and in the error page.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Forbidden(_) => "forbidden",
            AppError::Csrf => "csrf_failed",
            AppError::Conflict(_) => "conflict",
            AppError::BadRequest(_) | AppError::BadField { .. } => "bad_request",
            AppError::SignInRequired | AppError::InvalidCredentials => "invalid_credentials",
            AppError::SetupRequired => "setup_required",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::RateLimited { .. } | AppError::KeyRateLimited(_) => "rate_limited",
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// Catalog key of the message shown to people (and put in JSON bodies, in English).
    pub fn message_key(&self) -> &'static str {
        match self {
            AppError::NotFound => "error.not_found",
            AppError::Forbidden(denied) => denied.message_key(),
            AppError::Conflict(key) => key,
            AppError::Csrf => "error.csrf",
            AppError::BadRequest(key) => key,
            AppError::BadField { .. } => "error.bad_json",
            AppError::SignInRequired => "error.sign_in_required",
            AppError::SetupRequired => "error.setup_required",
            AppError::InvalidCredentials => "error.invalid_credentials",
            AppError::PayloadTooLarge => "error.payload_too_large",
            AppError::MethodNotAllowed => "error.method_not_allowed",
            AppError::UnsupportedMediaType => "error.unsupported_media_type",
            AppError::RateLimited { .. } => "error.rate_limited",
            AppError::KeyRateLimited(_) => "error.key_rate_limited",
            AppError::Unavailable(_) => "error.unavailable",
            AppError::Internal(_) => "error.internal",
        }
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden(_) | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::BadRequest(_) | AppError::BadField { .. } => StatusCode::BAD_REQUEST,
            AppError::SignInRequired | AppError::SetupRequired => StatusCode::SEE_OTHER,
            AppError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::RateLimited { .. } | AppError::KeyRateLimited(_) => {
                StatusCode::TOO_MANY_REQUESTS
            }
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A bare response: `render_errors` replaces the body, knowing the route and language.
    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
            AppError::Internal(cause) => tracing::error!(%cause, "internal error"),
            _ => {}
        }
        let mut res = HttpResponse::build(self.status_code());
        if let AppError::RateLimited { retry_after } = self {
            res.insert_header((
                actix_web::http::header::RETRY_AFTER,
                retry_after.to_string(),
            ));
        }
        if let AppError::KeyRateLimited(state) = self {
            res.insert_header((
                actix_web::http::header::RETRY_AFTER,
                state.reset.to_string(),
            ));
            rate_limit_headers(&mut res, state);
        }
        res.finish()
    }
}

impl From<crate::domain::authority::Denied> for AppError {
    fn from(d: crate::domain::authority::Denied) -> Self {
        AppError::Forbidden(d)
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => AppError::NotFound,
            // Two requests made the same name or email at once; the second is told so.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                AppError::Conflict("error.conflict")
            }
            Error::DatabaseError(
                DatabaseErrorKind::UnableToSendCommand | DatabaseErrorKind::ClosedConnection,
                info,
            ) => AppError::Unavailable(info.message().to_owned()),
            // SQLite: locked, read-only or full. The transaction was rolled back; say so clearly.
            Error::DatabaseError(_, info)
                if ["locked", "readonly", "full", "disk I/O"]
                    .iter()
                    .any(|m| info.message().contains(m)) =>
            {
                AppError::Unavailable(info.message().to_owned())
            }
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl crate::db::LostConnection for AppError {
    fn lost_connection(&self) -> bool {
        matches!(self, AppError::Unavailable(_))
    }
}

impl From<r2d2::Error> for AppError {
    fn from(e: r2d2::Error) -> Self {
        AppError::Unavailable(e.to_string())
    }
}

impl From<actix_web::error::BlockingError> for AppError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

impl From<rand::rngs::SysError> for AppError {
    fn from(e: rand::rngs::SysError) -> Self {
        AppError::Internal(format!("operating system RNG: {e}"))
    }
}

impl From<argon2::password_hash::Error> for AppError {
    fn from(e: argon2::password_hash::Error) -> Self {
        AppError::Internal(format!("password hash: {e}"))
    }
}

impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> Self {
        AppError::Internal(format!("json: {e}"))
    }
}

impl From<actix_session::SessionInsertError> for AppError {
    fn from(e: actix_session::SessionInsertError) -> Self {
        AppError::Internal(format!("session: {e}"))
    }
}

impl From<actix_session::SessionGetError> for AppError {
    fn from(e: actix_session::SessionGetError) -> Self {
        AppError::Internal(format!("session: {e}"))
    }
}

/// The `RateLimit-Limit`, `-Remaining` and `-Reset` headers (the IETF draft's names) of a
/// key with a limit.
pub fn rate_limit_headers(
    res: &mut actix_web::HttpResponseBuilder,
    state: &crate::domain::rate::RateState,
) {
    res.insert_header(("RateLimit-Limit", state.limit.requests.to_string()))
        .insert_header(("RateLimit-Remaining", state.remaining.to_string()))
        .insert_header(("RateLimit-Reset", state.reset.to_string()));
}
