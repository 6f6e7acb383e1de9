//! HTTP: the app's state, the page context every handler starts from, and the routes.
//! Handlers live in modules that follow the URL (`account/operators.rs` serves
//! `/account/operators`).

pub mod account;
pub mod api;
pub mod assets;
pub mod audit;
pub mod client;
pub mod context;
pub mod forms;
pub mod key_page;
pub mod keys;
pub mod middleware;
pub mod password;
pub mod profile;
pub mod reveal;
pub mod rights;
pub mod session;
pub mod settings;
pub mod setup;
pub mod usage;
pub mod webhooks;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use actix_web::{HttpResponse, http::header, web};
use askama::Template;

use crate::clock::Clock;
use crate::config::Settings;
use crate::db::{DbConn, Pool};
use crate::error::AppError;

pub use context::{Chrome, Ctx, SignedIn};
pub use forms::CsrfForm;

pub struct AppState {
    pub pool: Pool,
    pub settings: Settings,
    pub clock: Clock,
    /// Encrypts the reveal-once cookie (see `reveal.rs`).
    pub cookie_key: actix_web::cookie::Key,
    /// Set once an operator exists; until then every page leads to first-run setup.
    pub setup_done: AtomicBool,
    /// What first-run setup asks for (see `crate::setup_code`); printed in the log.
    pub setup_code: String,
    /// Checked when there is no real password hash, so misses take as long as wrong
    /// passwords.
    pub dummy_hash: String,
    /// Limits on password checks, with device cookies (see `auth::signin`).
    pub sign_in_limits: crate::auth::signin::SignInLimits,
    /// Where every argon2 hash and check runs (see `auth/hash_pool.rs`).
    pub argon2_pool: std::sync::Arc<crate::auth::hash_pool::HashPool>,
    /// Every API credential check (see `auth::verify`).
    pub verifier: crate::auth::verify::Verifier,
    /// Derives webhook endpoints' signing secrets (see `auth::webhook_secret`).
    pub webhook_keys: crate::auth::webhook_secret::WebhookKeys,
    /// Set when the app stops: the background threads end at their next tick.
    pub stopping: AtomicBool,
}

pub type State = web::Data<Arc<AppState>>;

impl AppState {
    /// Runs an argon2 hash or check off the async workers, on the few argon2 threads.
    pub async fn argon2<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.argon2_pool.run(f).await
    }

    /// Runs database work on the blocking pool with a pooled connection.
    pub async fn db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || crate::db::with_conn(&pool, f)).await?
    }
}

impl AppState {
    /// The context of a change Keyward makes itself (setup, a reset link, …), now, with
    /// full authority: callers narrow `grants` for anyone else.
    pub fn system_change(&self, actor: crate::db::audit::Actor) -> crate::changes::Ctx {
        crate::changes::Ctx::system(actor, self.clock.now(), self.settings.mail_policy())
    }
}

/// Renders a page as a 200 HTML response.
pub fn render(page: &impl Template) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}

/// Post-redirect-get: every successful form post answers with this.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    // The API first: the router tries resources in order, and a console resource with an
    // `{id}` in its path costs a pattern match on every request that gets past it.
    cfg.configure(api::routes)
        .service(web::resource("/healthz").route(web::get().to(session::healthz)))
        .service(web::resource("/").route(web::get().to(session::home)))
        .service(
            web::resource("/setup")
                .route(web::get().to(setup::form))
                .route(web::post().to(setup::submit)),
        )
        .service(
            web::resource("/login")
                .route(web::get().to(session::login_form))
                .route(web::post().to(session::login)),
        )
        .service(web::resource("/logout").route(web::post().to(session::logout)))
        .service(web::resource("/language").route(web::post().to(session::language)))
        .service(web::resource("/livez").route(web::get().to(session::livez)))
        .service(web::resource("/static/{name}").route(web::get().to(assets::asset)))
        .service(web::resource("/favicon.ico").route(web::get().to(assets::favicon)))
        .configure(account::routes)
        .configure(profile::routes)
        .configure(password::routes)
        .configure(audit::routes)
        .configure(settings::routes)
        .configure(webhooks::routes)
        .configure(rights::routes);
}
