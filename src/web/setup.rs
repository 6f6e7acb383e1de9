//! First-run setup: with no operator yet, every page leads here to create the first
//! administrator.

use std::sync::atomic::Ordering;

use actix_web::HttpResponse;
use askama::Template;
use serde::Deserialize;

use super::{Chrome, CsrfForm, Ctx, render, see_other};
use crate::auth::password;
use crate::db::operators::NewOperatorInput;

use crate::db::audit::Actor;
use crate::domain::validation;
use crate::error::AppError;

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    c: Chrome,
    form: SetupForm,
    error: Option<&'static str>,
}

#[derive(Deserialize, Default)]
pub struct SetupForm {
    /// The one-time code from Keyward's log (or `keyward setup-code`).
    #[serde(default)]
    setup_code: String,
    organisation: String,
    name: String,
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

pub async fn form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    if ctx.state.setup_done.load(Ordering::Relaxed) {
        return Ok(see_other("/login"));
    }
    let form = SetupForm {
        organisation: "My organisation".into(),
        ..SetupForm::default()
    };
    render(&SetupPage {
        c: ctx.chrome,
        form,
        error: None,
    })
}

pub async fn submit(
    ctx: Ctx,
    CsrfForm(form): CsrfForm<SetupForm>,
) -> Result<HttpResponse, AppError> {
    if ctx.state.setup_done.load(Ordering::Relaxed) {
        return Ok(see_other("/login"));
    }
    let code_ok = {
        use subtle::ConstantTimeEq;
        let typed = form.setup_code.trim().to_uppercase();
        bool::from(typed.as_bytes().ct_eq(ctx.state.setup_code.as_bytes()))
    };
    if !code_ok {
        // Wrong codes are limited like wrong passwords: the code cannot be guessed either.
        ctx.state
            .sign_in_limits
            .reserve_address(&ctx.ip)
            .map_err(|retry_after| AppError::RateLimited { retry_after })?;
    }
    let checked = (|| {
        if !code_ok {
            return Err("setup.bad_code");
        }
        let organisation = validation::name(&form.organisation)?;
        let name = validation::name(&form.name)?;
        let email = validation::email(&form.email)?;
        validation::new_password(&form.password, &form.password_confirm)?;
        Ok::<_, &'static str>((organisation, name, email))
    })();
    let (organisation, name, email) = match checked {
        Ok(values) => values,
        Err(key) => {
            let form = SetupForm {
                password: String::new(),
                password_confirm: String::new(),
                setup_code: String::new(),
                ..form
            };
            let mut res = render(&SetupPage {
                c: ctx.chrome,
                form,
                error: Some(key),
            })?;
            *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(res);
        }
    };
    let hash = ctx
        .state
        .argon2(move || password::hash(&form.password))
        .await??;
    let (lang, ip) = (ctx.lang(), ctx.ip.clone());
    let cx = ctx
        .state
        .system_change(Actor::named_system("setup", Some(ip), None));
    let created = ctx
        .state
        .db(move |c| {
            let input = NewOperatorInput {
                email: &email,
                name: &name,
                password_hash: &hash,
                language: lang.code(),
                admin: true,
            };
            // The account, the administrator and the journal's first row: all or nothing.
            Ok(crate::changes::operators::first_run_setup(
                c,
                &cx,
                &organisation,
                &input,
            )?)
        })
        .await?;
    ctx.state.setup_done.store(true, Ordering::Relaxed);
    if created.is_some() {
        ctx.flash("setup.done")?;
    }
    Ok(see_other("/login"))
}
