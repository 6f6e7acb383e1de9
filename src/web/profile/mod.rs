//! My profile.

pub mod api_credentials;
pub mod notices;

pub fn routes(cfg: &mut actix_web::web::ServiceConfig) {
    api_credentials::routes(cfg);
    notices::routes(cfg);
}
