//! The JSON API under `/api/v1`, authenticated by a credential.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use super::State;
use crate::auth::verify::authenticate;
use crate::error::AppError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/whoami").route(web::get().to(whoami)));
}

/// The credential that made the call and its owner.
pub async fn whoami(state: State, req: HttpRequest) -> Result<HttpResponse, AppError> {
    let record = authenticate(&state, &req).await?;
    let cred = &record.credential;
    Ok(HttpResponse::Ok().json(json!({
        "credential": {
            "id": cred.public_id,
            "label": cred.label,
            "active": cred.active,
            "created_at": cred.created_at.and_utc().to_rfc3339(),
        },
        "owner": record.owner,
    })))
}
