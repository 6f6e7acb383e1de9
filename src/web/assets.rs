//! CSS, script and icons, compiled into the binary so `keyward` runs from anywhere.

use actix_web::{HttpResponse, http::header, web};

use crate::error::AppError;

const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "keyward.css",
        "text/css; charset=utf-8",
        include_bytes!("../../static/keyward.css"),
    ),
    (
        "keyward.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../static/keyward.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../../static/favicon.svg"),
    ),
    (
        "eye.svg",
        "image/svg+xml",
        include_bytes!("../../static/eye.svg"),
    ),
    (
        "pencil.svg",
        "image/svg+xml",
        include_bytes!("../../static/pencil.svg"),
    ),
    (
        "delete.svg",
        "image/svg+xml",
        include_bytes!("../../static/delete.svg"),
    ),
    (
        "plus.svg",
        "image/svg+xml",
        include_bytes!("../../static/plus.svg"),
    ),
];

pub async fn asset(name: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (_, content_type, body) = ASSETS
        .iter()
        .find(|(file, _, _)| *file == name.as_str())
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(*content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(*body))
}

/// Browsers ask for `/favicon.ico` whatever the page says: answer with the SVG icon.
pub async fn favicon() -> Result<HttpResponse, AppError> {
    asset(web::Path::from("favicon.svg".to_owned())).await
}
