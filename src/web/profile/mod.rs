//! My profile.

pub mod api_credentials;

pub fn routes(cfg: &mut actix_web::web::ServiceConfig) {
    api_credentials::routes(cfg);
}
