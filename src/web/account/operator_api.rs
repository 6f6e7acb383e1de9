//! `/account/operators/{id}/api`: the operator's **API management** tab (seeds 000/002).
//! Add, rename, (de)activate and delete are staged in the session and applied together by
//! Save, in one transaction, refused when another administrator saved first.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::mint::{Minted, mint};
use crate::db::{self, credentials::SaveOutcome, operators::Operator};
use crate::domain::credential::Secret;
use crate::domain::draft::{Conflict, Draft, RowChange, StageError, StagedAdd};
use crate::domain::validation;
use crate::error::AppError;
use crate::web::reveal::{self, Reveal};
use crate::web::session::Empty;
use crate::web::{Chrome, CsrfForm, Ctx, render, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    let base = "/account/operators/{id}/api";
    cfg.service(web::resource(base).route(web::get().to(tab)))
        .service(web::resource(format!("{base}/add")).route(web::post().to(add)))
        .service(web::resource(format!("{base}/save")).route(web::post().to(save)))
        .service(web::resource(format!("{base}/cancel")).route(web::post().to(cancel)))
        .service(web::resource(format!("{base}/rebase")).route(web::post().to(rebase)))
        .service(web::resource(format!("{base}/{{row}}/rename")).route(web::post().to(rename)))
        .service(web::resource(format!("{base}/{{row}}/active")).route(web::post().to(set_active)))
        .service(web::resource(format!("{base}/{{row}}/delete")).route(web::post().to(delete)))
        .service(web::resource(format!("{base}/{{row}}/undo")).route(web::post().to(undo)));
}

fn draft_key(operator_id: i32) -> String {
    format!("draft:operator:{operator_id}")
}

fn owner_key(operator_id: i32) -> String {
    format!("operator:{operator_id}")
}

fn tab_url(operator_id: i32) -> String {
    format!("/account/operators/{operator_id}/api")
}

fn load_draft(session: &Session, operator_id: i32) -> Result<Option<Draft>, AppError> {
    Ok(session.get::<Draft>(&draft_key(operator_id))?)
}

fn store_draft(session: &Session, operator_id: i32, draft: &Draft) -> Result<(), AppError> {
    if draft.is_empty() {
        session.remove(&draft_key(operator_id));
    } else {
        session.insert(draft_key(operator_id), draft)?;
    }
    Ok(())
}

/// The operator (of the administrator's own account) and their saved API accounts.
async fn load(
    ctx: &Ctx,
    operator_id: i32,
) -> Result<(Operator, Vec<db::credentials::Credential>), AppError> {
    let account_id = ctx.admin()?.account_id;
    ctx.state
        .db(move |c| {
            let operator = db::operators::find_in_account(c, account_id, operator_id)?;
            let credentials = db::credentials::list_for_operator(c, operator_id)?;
            Ok((operator, credentials))
        })
        .await
}

/// The current draft, or a new empty one based on what is saved now.
async fn draft_for(ctx: &Ctx, operator_id: i32) -> Result<Draft, AppError> {
    let (operator, credentials) = load(ctx, operator_id).await?;
    Ok(match load_draft(&ctx.session, operator_id)? {
        Some(draft) => draft,
        None => Draft::new(
            operator.api_version,
            credentials.iter().map(|c| c.saved_row()).collect(),
        ),
    })
}

pub struct Row {
    pub public_id: String,
    pub label: String,
    pub active: bool,
    pub created: String,
    pub last_used: String,
    pub change: RowChange,
}

/// A form shown in a modal over the tab: the add wizard or the rename form.
pub struct FormDialog {
    pub public_id: String,
    pub label: String,
    pub error: Option<&'static str>,
}

pub enum Dialog {
    None,
    Add(FormDialog),
    Rename(FormDialog),
}

pub struct RevealView {
    pub public_id: String,
    pub label: String,
    pub secret: Secret,
    pub token: Secret,
}

#[derive(Template)]
#[template(path = "account/operators/api.html")]
struct TabPage {
    c: Chrome,
    operator: Operator,
    rows: Vec<Row>,
    pending: usize,
    conflicts: Option<Vec<String>>,
    add_dialog: Option<FormDialog>,
    rename_dialog: Option<FormDialog>,
    reveal: Option<RevealView>,
}

impl TabPage {
    fn url(&self) -> String {
        tab_url(self.operator.id)
    }
}

fn conflict_line(c: &Chrome, conflict: &Conflict) -> String {
    match conflict {
        Conflict::Added { public_id, label } => {
            format!("{} {label} ({public_id})", c.t("api.conflict_added"))
        }
        Conflict::Deleted { public_id, label } => {
            format!("{} {label} ({public_id})", c.t("api.conflict_deleted"))
        }
        Conflict::Renamed {
            public_id,
            from,
            to,
        } => {
            format!(
                "{} {from} → {to} ({public_id})",
                c.t("api.conflict_renamed")
            )
        }
        Conflict::StatusChanged {
            public_id,
            label,
            active,
        } => {
            let key = if *active {
                "api.conflict_activated"
            } else {
                "api.conflict_deactivated"
            };
            format!("{} {label} ({public_id})", c.t(key))
        }
    }
}

#[derive(Deserialize, Default)]
pub struct TabQuery {
    dialog: Option<String>,
    row: Option<String>,
}

pub async fn tab(
    ctx: Ctx,
    req: HttpRequest,
    path: web::Path<i32>,
    query: web::Query<TabQuery>,
) -> Result<HttpResponse, AppError> {
    tab_response(ctx, &req, path.into_inner(), &query, None).await
}

async fn tab_response(
    ctx: Ctx,
    req: &HttpRequest,
    id: i32,
    query: &TabQuery,
    refused: Option<Dialog>,
) -> Result<HttpResponse, AppError> {
    let (operator, credentials) = load(&ctx, id).await?;
    let draft = load_draft(&ctx.session, id)?;
    let c = &ctx.chrome;

    let mut rows = Vec::new();
    for cred in &credentials {
        let saved = cred.saved_row();
        let (label, active, change) = match &draft {
            Some(d) => d.view(&saved),
            None => (
                saved.label,
                saved.active,
                RowChange {
                    new: false,
                    deleting: false,
                    renamed_from: None,
                    status_changed: false,
                },
            ),
        };
        let last_used = match (&cred.last_used_at, cred.usage_tracked) {
            (Some(at), _) => match &cred.last_used_ip {
                Some(ip) => format!("{} {} {ip}", c.datetime(at), c.t("api.from_ip")),
                None => c.datetime(at),
            },
            (None, true) => c.t("api.not_yet_used").to_owned(),
            (None, false) => c.t("api.last_used_unknown").to_owned(),
        };
        rows.push(Row {
            public_id: cred.public_id.clone(),
            label,
            active,
            created: c.date(&cred.created_at),
            last_used,
            change,
        });
    }
    if let Some(d) = &draft {
        for add in &d.adds {
            let change = RowChange {
                new: true,
                deleting: false,
                renamed_from: None,
                status_changed: false,
            };
            rows.push(Row {
                public_id: add.public_id.clone(),
                label: add.label.clone(),
                active: add.active,
                created: String::new(),
                last_used: c.t("api.not_yet_used").to_owned(),
                change,
            });
        }
    }

    let conflicts = draft
        .as_ref()
        .filter(|d| d.base_version != operator.api_version)
        .map(|d| {
            let current: Vec<_> = credentials.iter().map(|c| c.saved_row()).collect();
            let lines: Vec<String> = d
                .conflicts(&current)
                .iter()
                .map(|x| conflict_line(c, x))
                .collect();
            if lines.is_empty() {
                vec![c.t("api.conflict_other").to_owned()]
            } else {
                lines
            }
        });

    let dialog = match (refused, query.dialog.as_deref(), &query.row) {
        (Some(dialog), _, _) => dialog,
        (None, Some("add"), _) => Dialog::Add(FormDialog {
            public_id: String::new(),
            label: String::new(),
            error: None,
        }),
        (None, Some("rename"), Some(row)) => {
            let found = rows
                .iter()
                .find(|r| &r.public_id == row)
                .ok_or(AppError::NotFound)?;
            Dialog::Rename(FormDialog {
                public_id: found.public_id.clone(),
                label: found.label.clone(),
                error: None,
            })
        }
        _ => Dialog::None,
    };

    let secure = ctx.state.settings.secure_cookies;
    let revealed =
        reveal::take(req, &ctx.state.cookie_key, &owner_key(id)).map(|r: Reveal| RevealView {
            token: r.token(),
            public_id: r.public_id,
            label: r.label,
            secret: r.secret,
        });
    let had_cookie = reveal::present(req);
    let pending = draft.as_ref().map_or(0, Draft::change_count);
    let (add_dialog, rename_dialog) = match dialog {
        Dialog::None => (None, None),
        Dialog::Add(d) => (Some(d), None),
        Dialog::Rename(d) => (None, Some(d)),
    };
    let page = TabPage {
        c: ctx.chrome,
        operator,
        rows,
        pending,
        conflicts,
        add_dialog,
        rename_dialog,
        reveal: revealed,
    };
    let mut res = render(&page)?;
    if had_cookie {
        // Shown (or not meant for this page): either way it is gone for good now.
        res.add_cookie(&reveal::removal(secure))
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(res)
}

/// Re-renders the tab with the refused form open and its message (422).
async fn refuse(
    ctx: Ctx,
    req: HttpRequest,
    id: i32,
    dialog: Dialog,
) -> Result<HttpResponse, AppError> {
    let mut res = tab_response(ctx, &req, id, &TabQuery::default(), Some(dialog)).await?;
    *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

#[derive(Deserialize)]
pub struct LabelForm {
    label: String,
}

pub async fn add(
    ctx: Ctx,
    req: HttpRequest,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<LabelForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let mut draft = draft_for(&ctx, id).await?;
    let label = match validation::label(&form.label) {
        Ok(label) => label,
        Err(key) => {
            let dialog = FormDialog {
                public_id: String::new(),
                label: form.label,
                error: Some(key),
            };
            return refuse(ctx, req, id, Dialog::Add(dialog)).await;
        }
    };
    let Minted {
        public_id,
        secret,
        secret_hash,
    } = mint().await?;
    draft.add(StagedAdd {
        public_id: public_id.clone(),
        secret_hash,
        label: label.clone(),
        active: true,
    });
    store_draft(&ctx.session, id, &draft)?;
    let mut res = HttpResponse::SeeOther();
    res.insert_header((actix_web::http::header::LOCATION, tab_url(id)));
    let reveal = Reveal {
        owner: owner_key(id),
        public_id,
        label,
        secret,
    };
    reveal::attach(
        &mut res,
        &ctx.state.cookie_key,
        &reveal,
        ctx.state.settings.secure_cookies,
    )?;
    Ok(res.finish())
}

fn staged(result: Result<(), StageError>) -> Result<(), AppError> {
    result.map_err(|StageError::UnknownRow| AppError::NotFound)
}

pub async fn rename(
    ctx: Ctx,
    req: HttpRequest,
    path: web::Path<(i32, String)>,
    CsrfForm(form): CsrfForm<LabelForm>,
) -> Result<HttpResponse, AppError> {
    let (id, row) = path.into_inner();
    let mut draft = draft_for(&ctx, id).await?;
    let label = match validation::label(&form.label) {
        Ok(label) => label,
        Err(key) => {
            let dialog = FormDialog {
                public_id: row,
                label: form.label,
                error: Some(key),
            };
            return refuse(ctx, req, id, Dialog::Rename(dialog)).await;
        }
    };
    staged(draft.rename(&row, label))?;
    store_draft(&ctx.session, id, &draft)?;
    Ok(see_other(&tab_url(id)))
}

#[derive(Deserialize)]
pub struct ActiveForm {
    active: String,
}

pub async fn set_active(
    ctx: Ctx,
    path: web::Path<(i32, String)>,
    CsrfForm(form): CsrfForm<ActiveForm>,
) -> Result<HttpResponse, AppError> {
    let (id, row) = path.into_inner();
    let active = match form.active.as_str() {
        "true" => true,
        "false" => false,
        _ => return Err(AppError::BadRequest("error.bad_form")),
    };
    let mut draft = draft_for(&ctx, id).await?;
    staged(draft.set_active(&row, active))?;
    store_draft(&ctx.session, id, &draft)?;
    Ok(see_other(&tab_url(id)))
}

pub async fn delete(
    ctx: Ctx,
    path: web::Path<(i32, String)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let (id, row) = path.into_inner();
    let mut draft = draft_for(&ctx, id).await?;
    staged(draft.delete(&row))?;
    store_draft(&ctx.session, id, &draft)?;
    Ok(see_other(&tab_url(id)))
}

pub async fn undo(
    ctx: Ctx,
    path: web::Path<(i32, String)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let (id, row) = path.into_inner();
    let mut draft = draft_for(&ctx, id).await?;
    draft.undo(&row);
    store_draft(&ctx.session, id, &draft)?;
    Ok(see_other(&tab_url(id)))
}

pub async fn save(
    ctx: Ctx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (operator, _) = load(&ctx, id).await?;
    let Some(draft) = load_draft(&ctx.session, id)? else {
        ctx.flash("api.nothing_to_save")?;
        return Ok(see_other(&tab_url(id)));
    };
    let (actor, now) = (ctx.admin()?.id, ctx.state.clock.now());
    let to_apply = draft.clone();
    let outcome = ctx
        .state
        .db(move |c| {
            Ok(db::credentials::apply_draft(
                c, &operator, &to_apply, actor, now,
            )?)
        })
        .await?;
    match outcome {
        SaveOutcome::Saved => {
            ctx.session.remove(&draft_key(id));
            ctx.flash("api.saved")?;
        }
        // The draft stays in the session: the tab lists what changed, to retry or discard.
        SaveOutcome::Conflict(_) => ctx.flash_error("api.conflict_refused")?,
    }
    Ok(see_other(&tab_url(id)))
}

pub async fn cancel(
    ctx: Ctx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    load(&ctx, id).await?;
    ctx.session.remove(&draft_key(id));
    ctx.flash("api.discarded")?;
    Ok(see_other(&tab_url(id)))
}

pub async fn rebase(
    ctx: Ctx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (operator, credentials) = load(&ctx, id).await?;
    if let Some(mut draft) = load_draft(&ctx.session, id)? {
        draft.rebase(
            operator.api_version,
            credentials.iter().map(|c| c.saved_row()).collect(),
        );
        store_draft(&ctx.session, id, &draft)?;
        ctx.flash("api.rebased")?;
    }
    Ok(see_other(&tab_url(id)))
}
