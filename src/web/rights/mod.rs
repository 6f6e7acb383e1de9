//! Rights management.

pub mod machines;

pub fn routes(cfg: &mut actix_web::web::ServiceConfig) {
    machines::routes(cfg);
}
