//! Cross-cutting response handling: error pages and JSON errors, security headers.

use actix_session::SessionExt;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, ResponseError};
use askama::Template;

use super::State;
use super::context::{Chrome, Frame, request_lang};
use crate::error::AppError;
use crate::i18n::Lang;

pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/") || path == "/api"
}

/// The forward-auth check, as proxies call it (`/auth/forward`, or with the original path
/// appended, as Envoy does).
pub fn is_forward_path(path: &str) -> bool {
    path == "/auth/forward" || path.starts_with("/auth/forward/")
}

/// An error page, in the layout of every page: a signed-in operator keeps the menu.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub c: Chrome,
    pub status: u16,
    pub message: &'static str,
    pub permission: Option<&'static str>,
}

/// The JSON error body of the API: `{"error": CODE, "message": …}`.
pub fn json_error(error: &AppError) -> HttpResponse {
    let mut res = HttpResponse::build(error.status_code());
    if matches!(
        error,
        AppError::InvalidCredentials | AppError::SignInRequired
    ) {
        res.status(actix_web::http::StatusCode::UNAUTHORIZED);
        // Both ways a key can be presented.
        res.append_header((
            header::WWW_AUTHENTICATE,
            "Basic realm=\"Keyward\", charset=\"UTF-8\"",
        ));
        res.append_header((header::WWW_AUTHENTICATE, "Bearer realm=\"Keyward\""));
    }
    match error {
        // Which field is wrong, in words and for programs.
        AppError::BadField { field, detail } => res.json(match field {
            Some(field) => serde_json::json!({
                "error": error.code(),
                "message": format!("The field `{field}` is not valid: {detail}."),
                "field": field,
            }),
            None => serde_json::json!({
                "error": error.code(),
                "message": format!("The request body is not valid for this call: {detail}."),
            }),
        }),
        // Which permission is missing, in words and for programs.
        AppError::Forbidden(denied) => res.json(serde_json::json!({
            "error": error.code(),
            "message": format!(
                "{} {}.",
                Lang::En.t(error.message_key()),
                Lang::En.t(denied.missing.label_key())
            ),
            "permission": denied.missing.code(),
        })),
        _ => res.json(serde_json::json!({
            "error": error.code(),
            "message": Lang::En.t(error.message_key()),
        })),
    }
}

fn html_error(req: &actix_web::HttpRequest, error: &AppError) -> HttpResponse {
    match error {
        AppError::SignInRequired => return super::see_other("/login"),
        AppError::SetupRequired => return super::see_other("/setup"),
        _ => {}
    }
    // The page's own language, operator and form token when its `Ctx` was built; else a
    // page for nobody in particular (the session cannot be read any more).
    let frame = req.extensions().get::<Frame>().cloned();
    let frame = frame.unwrap_or_else(|| Frame {
        lang: request_lang(req, &req.get_session()),
        operator: None,
        csrf: String::new(),
    });
    let chrome = Chrome {
        lang: frame.lang,
        operator: frame.operator,
        csrf: frame.csrf,
        // The path only: a refused query (another operator's key id) is not echoed back.
        here: req.path().to_owned(),
        flash: None,
    };
    error_page(chrome, error)
}

fn error_page(c: Chrome, error: &AppError) -> HttpResponse {
    let lang = c.lang;
    let page = ErrorPage {
        c,
        status: error.status_code().as_u16(),
        message: lang.t(error.message_key()),
        permission: match error {
            AppError::Forbidden(denied) => Some(lang.t(denied.missing.label_key())),
            _ => None,
        },
    };
    match page.render() {
        Ok(body) => HttpResponse::build(error.status_code())
            .content_type("text/html; charset=utf-8")
            .body(body),
        // The plain-text fallback when even the error template fails.
        Err(_) => HttpResponse::build(error.status_code())
            .content_type("text/plain; charset=utf-8")
            .body(format!(
                "{} — {}",
                error.status_code(),
                lang.t(error.message_key())
            )),
    }
}

/// actix-session reports a storage failure as an opaque 500; its storage is the database.
fn session_store_failure(e: &actix_web::Error) -> bool {
    use actix_session::storage::{LoadError, SaveError, UpdateError};
    use actix_web::error::InternalError;
    let failed = e.as_error::<InternalError<LoadError>>().is_some()
        || e.as_error::<InternalError<SaveError>>().is_some()
        || e.as_error::<InternalError<UpdateError>>().is_some()
        || e.as_error::<InternalError<anyhow::Error>>().is_some();
    if failed {
        tracing::warn!(error = %e, "session storage failed");
    }
    failed
}

/// A page refused by another of its extractors (a malformed id, a forged form) before its
/// `Ctx` was built has no layout yet for its error page: build it here, while the session can
/// still be read (this runs inside the session layer; `render_errors` outside it).
pub async fn frame_for_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let page = !is_api_path(req.path()) && !is_forward_path(req.path());
    let res = next.call(req).await?;
    // Only for someone who may be signed in (a cookie): a scanner's 404 makes no session.
    let needs_frame = page
        && res.response().error().is_some()
        && res.request().headers().contains_key(header::COOKIE)
        && res.request().extensions().get::<Frame>().is_none();
    if needs_frame {
        use actix_web::FromRequest;
        // Builds and stores the `Frame`; failing (signed out, no setup) leaves it anonymous.
        let _ = super::context::Ctx::extract(res.request()).await;
    }
    Ok(res)
}

/// Turns an `AppError` into the page or JSON body its route calls for.
pub async fn render_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    // Read before the call: if the session layer fails, the request is gone.
    let api = is_api_path(req.path()) || req.path() == "/healthz" || is_forward_path(req.path());
    let lang = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language)
        .unwrap_or_default();
    let res = match next.call(req).await {
        Ok(res) => res.map_into_boxed_body(),
        // The session layer fails with an error, not a response, when its store (the
        // database) does: answer that with the same 503 as any other database failure.
        Err(e) if session_store_failure(&e) => {
            let error = AppError::Unavailable("session store".into());
            let page = if api {
                json_error(&error)
            } else {
                error_page(Chrome::anonymous(lang), &error)
            };
            return Err(actix_web::error::InternalError::from_response(error, page).into());
        }
        Err(e) => return Err(e),
    };
    // A route that exists, asked with another method: actix answers 405 with `Allow` and
    // no body; give it the body of every other error, and say HEAD where GET is (it is
    // answered as GET, `head_as_get`).
    if res.response().status() == StatusCode::METHOD_NOT_ALLOWED {
        let allow = res
            .response()
            .headers()
            .get(header::ALLOW)
            .and_then(|v| v.to_str().ok())
            .map(|allow| {
                if allow.split(',').any(|m| m.trim() == "GET") {
                    format!("{allow}, HEAD")
                } else {
                    allow.to_owned()
                }
            });
        let error = AppError::MethodNotAllowed;
        let mut new = if api {
            json_error(&error)
        } else {
            html_error(res.request(), &error)
        };
        if let Some(allow) = allow.and_then(|a| HeaderValue::from_str(&a).ok()) {
            new.headers_mut().insert(header::ALLOW, allow);
        }
        let (req, _) = res.into_parts();
        return Ok(ServiceResponse::new(req, new));
    }
    // An error raised by actix itself (a body over the payload limit, a body it cannot
    // read) still gets the API's JSON body on API routes.
    let foreign = match res.response().status() {
        StatusCode::PAYLOAD_TOO_LARGE => Some(AppError::PayloadTooLarge),
        StatusCode::BAD_REQUEST => Some(AppError::BadRequest("error.bad_json")),
        _ => None,
    };
    let own = res
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>());
    let error = match (own, foreign) {
        (Some(e), _) => e,
        (None, Some(e)) if api && res.response().error().is_some() => {
            let (req, _) = res.into_parts();
            return Ok(ServiceResponse::new(req, json_error(&e)));
        }
        _ => return Ok(res),
    };
    let replacement = if api {
        json_error(error)
    } else {
        html_error(res.request(), error)
    };
    let (req, old) = res.into_parts();
    let mut new = replacement;
    // Keep cookies and Retry-After the handler set (a cleared reveal cookie must still go out).
    for cookie in old.cookies() {
        let _ = new.add_cookie(&cookie);
    }
    for name in [
        "retry-after",
        "ratelimit-limit",
        "ratelimit-remaining",
        "ratelimit-reset",
    ] {
        if let Some(value) = old.headers().get(name) {
            new.headers_mut()
                .insert(header::HeaderName::from_static(name), value.clone());
        }
    }
    Ok(ServiceResponse::new(req, new))
}

/// `HEAD` is `GET` without the body, on every route: the request is routed as `GET`, and
/// actix, which still knows it was `HEAD`, sends the headers (with the body's length) only.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == actix_web::http::Method::HEAD {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    next.call(req).await
}

/// Headers every response carries. Nothing but `/static/` may be cached: pages can hold
/// secrets (reveal once) or personal data.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let secure = req
        .app_data::<State>()
        .is_some_and(|s| s.settings.secure_cookies);
    let is_static = req.path().starts_with("/static/");
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if secure {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !is_static {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}
