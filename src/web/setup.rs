//! First-run setup: with no operator yet, every page leads here to create the first
//! administrator.

use std::sync::atomic::Ordering;

use actix_web::HttpResponse;
use askama::Template;
use serde::Deserialize;

use super::{Chrome, CsrfForm, Ctx, render, see_other};
use crate::auth::password;
use crate::db::{self, operators::NewOperatorInput};

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
    let checked = (|| {
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
    let (now, lang, ip) = (ctx.state.clock.now(), ctx.lang(), ctx.ip.clone());
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
            let created = crate::db::write(c, |c| {
                let created = db::operators::first_run_setup(c, &organisation, &input, now)?;
                if let Some(id) = created {
                    let op = db::operators::find(c, id)?;
                    let actor = Actor {
                        kind: "system",
                        id: None,
                        name: "setup".into(),
                        ip: Some(ip),
                        account_id: Some(op.account_id),
                    };
                    let cx = crate::changes::Ctx {
                        actor,
                        at: now,
                        mail_machine_keys: false,
                    };
                    crate::changes::operator_created(c, &cx, id, false)?;
                }
                Ok::<_, diesel::result::Error>(created)
            })?;
            Ok(created)
        })
        .await?;
    ctx.state.setup_done.store(true, Ordering::Relaxed);
    if created.is_some() {
        ctx.flash("setup.done")?;
    }
    Ok(see_other("/login"))
}
