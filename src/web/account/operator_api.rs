//! `/account/operators/{id}/api`: the operator's **API management** tab (seeds 000/002).
//! Add, edit (label, scopes), (de)activate, roll and delete are staged in the session and
//! applied together by Save, in one transaction, refused when another administrator saved
//! first. A staged roll keeps no secret: Save makes the new ones and shows them once.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::mint::{Minted, mint, mint_secret_for};
use crate::changes::credentials::StagedRoll;
use crate::db::{self, credentials::SaveOutcome, operators::Operator};
use crate::domain::draft::{Conflict, Draft, SavedRow, StageError, StagedAdd};
use crate::domain::permissions::Permission;
use crate::domain::scopes;
use crate::domain::validation;
use crate::error::AppError;
use crate::web::key_page::{self, Crumb};
use crate::web::keys::{
    self, Config, FormDialog, KeyList, KeyQuery, ListPosition, NewKey, NewKeyForm, Refused,
    RollDialog, Texts,
};
use crate::web::reveal::{self, Reveal, RevealedKey};
use crate::web::session::Empty;
use crate::web::{Chrome, CsrfForm, Ctx, render, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    let base = "/account/operators/{id}/api";
    cfg.service(web::resource(base).route(web::get().to(tab)))
        .service(web::resource(format!("{base}/add")).route(web::post().to(add)))
        .service(web::resource(format!("{base}/save")).route(web::post().to(save)))
        .service(web::resource(format!("{base}/cancel")).route(web::post().to(cancel)))
        .service(web::resource(format!("{base}/rebase")).route(web::post().to(rebase)))
        .service(web::resource(format!("{base}/usage")).route(web::get().to(usage)))
        .service(web::resource(format!("{base}/{{row}}")).route(web::get().to(key_page)))
        .service(web::resource(format!("{base}/{{row}}/usage.csv")).route(web::get().to(usage_csv)))
        .service(web::resource(format!("{base}/{{row}}/rename")).route(web::post().to(rename)))
        .service(web::resource(format!("{base}/{{row}}/active")).route(web::post().to(set_active)))
        .service(web::resource(format!("{base}/{{row}}/delete")).route(web::post().to(delete)))
        .service(web::resource(format!("{base}/{{row}}/roll")).route(web::post().to(roll)))
        .service(web::resource(format!("{base}/{{row}}/undo")).route(web::post().to(undo)));
}

fn draft_key(operator_id: i32) -> String {
    format!("draft:operator:{operator_id}")
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

/// The operator, of the viewer's own account. To change their keys (`need` Write) the
/// viewer must also be allowed to manage them (`domain::authority::manage_keys`): checked
/// when a change is staged, and again by Save.
async fn load(ctx: &Ctx, operator_id: i32, need: Permission) -> Result<Operator, AppError> {
    Ok(load_with_rows(ctx, operator_id, need).await?.0)
}

/// The operator and every saved API account of theirs, as a draft sees them.
async fn load_with_rows(
    ctx: &Ctx,
    operator_id: i32,
    need: Permission,
) -> Result<(Operator, Vec<SavedRow>), AppError> {
    let account_id = ctx.require(need)?.account_id;
    let cx = ctx.change()?;
    ctx.state
        .db(move |c| {
            let operator = db::operators::find_in_account(c, account_id, operator_id)?;
            if need == Permission::OperatorsWrite {
                crate::changes::credentials::may_manage(
                    c,
                    &cx,
                    db::credentials::OwnerRef::Operator(operator_id),
                )?;
            }
            Ok((operator, db::credentials::saved_rows(c, operator_id)?))
        })
        .await
}

/// The current draft, or a new empty one based on what is saved now.
async fn draft_for(ctx: &Ctx, operator_id: i32) -> Result<Draft, AppError> {
    if let Some(draft) = load_draft(&ctx.session, operator_id)? {
        load(ctx, operator_id, Permission::OperatorsWrite).await?;
        return Ok(draft);
    }
    let (operator, rows) = load_with_rows(ctx, operator_id, Permission::OperatorsWrite).await?;
    Ok(Draft::new(operator.api_version, rows))
}

fn config(operator_id: i32, can_edit: bool) -> Config {
    Config {
        base: tab_url(operator_id),
        detail: tab_url(operator_id),
        staged: true,
        can_edit,
        username_column: true,
        created_column: true,
        last_used_column: true,
        last_ip_column: false,
        status: "switch",
        edit_status: false,
        confirm_delete: false,
        delete_words: true,
        plus_icon: false,
        texts: Texts {
            label_header: "api.label",
            add: "api.add",
            add_title: "api.wizard_title",
            add_intro: "api.wizard_intro",
            add_submit: "api.wizard_next",
            edit: "api.rename",
            edit_title: "api.rename_title",
            delete: "api.delete",
            delete_title: "api.delete",
            delete_question: "api.delete",
            empty: "api.empty",
            help: "api.staleness",
            secret_name: "common.password",
            reveal_title: "api.reveal_title",
            reveal_intro: "api.reveal_intro",
            reveal_note: "api.reveal_staged",
            reveal_done: "api.reveal_done",
            active: "api.active",
            inactive: "api.inactive",
        },
    }
}

#[derive(Template)]
#[template(path = "account/operators/api.html")]
struct TabPage {
    c: Chrome,
    operator: Operator,
    keys: KeyList,
    pending: usize,
    conflicts: Option<Vec<String>>,
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
        Conflict::ScopesChanged {
            public_id,
            label,
            to,
        } => {
            let to = if to.is_empty() {
                c.t("key.no_scopes")
            } else {
                to
            };
            format!("{} {label} ({public_id}): {to}", c.t("api.conflict_scopes"))
        }
        Conflict::Rolled { public_id, label } => {
            format!("{} {label} ({public_id})", c.t("api.conflict_rolled"))
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

pub async fn tab(
    ctx: Ctx,
    req: HttpRequest,
    path: web::Path<i32>,
    query: web::Query<KeyQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    if let Some(url) = query.without_secret(&tab_url(id)) {
        return Ok(see_other(&url));
    }
    tab_response(ctx, &req, id, &query, None).await
}

async fn tab_response(
    ctx: Ctx,
    req: &HttpRequest,
    id: i32,
    query: &KeyQuery,
    refused: Option<Refused>,
) -> Result<HttpResponse, AppError> {
    let draft = load_draft(&ctx.session, id)?;
    let account_id = ctx.require(Permission::OperatorsRead)?.account_id;
    let (search, page) = query.list_request()?;
    // Every saved row only when a conflict is to be explained; else the page shown.
    let base_version = draft.as_ref().map(|d| d.base_version);
    let cx = ctx.change()?;
    let (operator, keys_page, current, can_edit) = ctx
        .state
        .db(move |c| {
            let operator = db::operators::find_in_account(c, account_id, id)?;
            // The controls only for someone who may manage this operator's keys.
            let can_edit = crate::changes::credentials::may_manage(
                c,
                &cx,
                db::credentials::OwnerRef::Operator(id),
            )
            .is_ok();
            let owner = db::credentials::OwnerRef::Operator(id);
            let keys_page = db::credentials::page_for_owner(c, owner, &search, page)?;
            let current = match base_version {
                Some(v) if v != operator.api_version => Some(db::credentials::saved_rows(c, id)?),
                _ => None,
            };
            Ok((operator, keys_page, current, can_edit))
        })
        .await?;
    let c = &ctx.chrome;
    let conflicts = draft.as_ref().zip(current).map(|(d, current)| {
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
    let keys = KeyList::build(
        &ctx,
        req,
        config(id, can_edit),
        &keys_page,
        draft.as_ref(),
        query,
        refused,
    )
    .await?;
    let pending = draft.as_ref().map_or(0, Draft::change_count);
    let secure = ctx.state.settings.secure_cookies;
    let taken = keys.reveal.is_some();
    let res = render(&TabPage {
        c: ctx.chrome,
        operator,
        keys,
        pending,
        conflicts,
    })?;
    keys::finish_page(req, res, secure, taken)
}

/// Re-renders the tab with the refused form open and its message (422).
async fn refuse(
    ctx: Ctx,
    req: HttpRequest,
    id: i32,
    query: &KeyQuery,
    refused: Refused,
) -> Result<HttpResponse, AppError> {
    let mut res = tab_response(ctx, &req, id, query, Some(refused)).await?;
    *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(res)
}

#[derive(Deserialize)]
pub struct LabelForm {
    pub label: String,
}

pub async fn add(
    ctx: Ctx,
    req: HttpRequest,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<NewKeyForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let mut draft = draft_for(&ctx, id).await?;
    // A staged key is never a canary (the tab's Add dialog has no such box).
    let NewKey {
        label,
        expires_at,
        scopes,
        canary: _,
    } = match form.validate(ctx.state.clock.now()) {
        Ok(key) => key,
        Err(dialog) => {
            return refuse(ctx, req, id, &KeyQuery::default(), Refused::Add(dialog)).await;
        }
    };
    let Minted {
        public_id,
        secret,
        secret_hash,
    } = mint(ctx.state.verifier.hasher())?;
    draft.add(StagedAdd {
        public_id: public_id.clone(),
        secret_hash,
        label: label.clone(),
        active: true,
        expires_at,
        scopes,
    });
    store_draft(&ctx.session, id, &draft)?;
    let mut res = HttpResponse::SeeOther();
    res.insert_header((actix_web::http::header::LOCATION, tab_url(id)));
    let reveal = Reveal {
        owner: keys::reveal_owner(&tab_url(id)),
        keys: vec![RevealedKey {
            public_id,
            label,
            secret,
        }],
        rolled: false,
    };
    reveal::attach(&ctx, &mut res, &reveal).await?;
    Ok(res.finish())
}

fn staged(result: Result<(), StageError>) -> Result<(), AppError> {
    result.map_err(|e| match e {
        StageError::UnknownRow => AppError::NotFound,
        StageError::NotSaved => AppError::BadRequest("api.roll_new_key"),
        StageError::TooManyRolls => AppError::BadRequest("api.roll_too_many"),
    })
}

/// The tab's Edit dialog: a label and, staged like it, the key's scopes.
#[derive(Deserialize)]
pub struct EditForm {
    label: String,
    /// Absent from a form posted without the field (then the scopes stay as staged).
    scopes: Option<String>,
}

pub async fn rename(
    ctx: Ctx,
    req: HttpRequest,
    path: web::Path<(i32, String)>,
    position: web::Query<ListPosition>,
    CsrfForm(form): CsrfForm<EditForm>,
) -> Result<HttpResponse, AppError> {
    let (id, row) = path.into_inner();
    let mut draft = draft_for(&ctx, id).await?;
    let checked = validation::label(&form.label).and_then(|label| {
        let scopes = match &form.scopes {
            Some(typed) => {
                let asked: Vec<&str> = typed.split_whitespace().collect();
                Some(scopes::stored(&scopes::checked_set(&asked)?))
            }
            None => None,
        };
        Ok((label, scopes))
    });
    let (label, scopes) = match checked {
        Ok(values) => values,
        Err(key) => {
            let dialog = FormDialog {
                public_id: row,
                label: form.label,
                expires: String::new(),
                scopes: form.scopes.unwrap_or_default(),
                active: true,
                error: Some(key),
                canary: false,
            };
            return refuse(ctx, req, id, &position.query(), Refused::Edit(dialog)).await;
        }
    };
    staged(draft.rename(&row, label))?;
    if let Some(scopes) = scopes {
        staged(draft.set_scopes(&row, scopes))?;
    }
    store_draft(&ctx.session, id, &draft)?;
    Ok(see_other(&position.back_to(&tab_url(id))))
}

#[derive(Deserialize)]
pub struct ActiveForm {
    active: String,
}

pub async fn set_active(
    ctx: Ctx,
    path: web::Path<(i32, String)>,
    position: web::Query<ListPosition>,
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
    Ok(see_other(&position.back_to(&tab_url(id))))
}

#[derive(Deserialize)]
pub struct RollForm {
    grace: String,
}

/// Stages a roll. Refused at once, in the dialog, when Save could only refuse it: an old
/// secret still accepted, a key stored from before keyed hashes given a window, too many.
pub async fn roll(
    ctx: Ctx,
    req: HttpRequest,
    path: web::Path<(i32, String)>,
    position: web::Query<ListPosition>,
    CsrfForm(form): CsrfForm<RollForm>,
) -> Result<HttpResponse, AppError> {
    let (id, row) = path.into_inner();
    let grace = crate::changes::credentials::grace_window(&form.grace)
        .ok_or(AppError::BadRequest("error.bad_form"))?;
    let mut draft = draft_for(&ctx, id).await?;
    let (public_id, now) = (row.clone(), ctx.state.clock.now());
    let key = ctx
        .state
        .db(move |c| {
            let owner = db::credentials::OwnerRef::Operator(id);
            use diesel::OptionalExtension;
            Ok(db::credentials::find_for_owner(c, owner, &public_id).optional()?)
        })
        .await?;
    let refusal = match &key {
        Some(k) if k.previous_hash(now).is_some() => Some("key.roll_window_open"),
        Some(k) if grace > chrono::Duration::zero() && k.secret_hash.starts_with("$argon2") => {
            Some("key.roll_legacy")
        }
        // Not saved (staged to be added, another operator's): the draft says which.
        _ => match draft.roll(&row, form.grace.clone()) {
            Err(StageError::TooManyRolls) => Some("api.roll_too_many"),
            other => {
                staged(other)?;
                None
            }
        },
    };
    if let Some(error) = refusal {
        let dialog = RollDialog {
            label: key.map(|k| k.label).unwrap_or_default(),
            public_id: row,
            grace: form.grace,
            error: Some(error),
        };
        return refuse(ctx, req, id, &position.query(), Refused::Roll(dialog)).await;
    }
    store_draft(&ctx.session, id, &draft)?;
    Ok(see_other(&position.back_to(&tab_url(id))))
}

pub async fn delete(
    ctx: Ctx,
    path: web::Path<(i32, String)>,
    position: web::Query<ListPosition>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let (id, row) = path.into_inner();
    let mut draft = draft_for(&ctx, id).await?;
    staged(draft.delete(&row))?;
    store_draft(&ctx.session, id, &draft)?;
    Ok(see_other(&position.back_to(&tab_url(id))))
}

pub async fn undo(
    ctx: Ctx,
    path: web::Path<(i32, String)>,
    position: web::Query<ListPosition>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let (id, row) = path.into_inner();
    let mut draft = draft_for(&ctx, id).await?;
    draft.undo(&row);
    store_draft(&ctx.session, id, &draft)?;
    Ok(see_other(&position.back_to(&tab_url(id))))
}

pub async fn save(
    ctx: Ctx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let operator = load(&ctx, id, Permission::OperatorsWrite).await?;
    let Some(draft) = load_draft(&ctx.session, id)? else {
        ctx.flash("api.nothing_to_save")?;
        return Ok(see_other(&tab_url(id)));
    };
    let (actor, cx) = (ctx.operator()?.id, ctx.change()?);
    // The rolls' new secrets, made now: shown once after Save, never kept in the draft.
    let mut revealed = Vec::new();
    let mut rolls = Vec::new();
    for (public_id, grace) in draft.rolls() {
        let minted = mint_secret_for(ctx.state.verifier.hasher(), public_id.to_owned())?;
        let label = draft
            .snapshot
            .iter()
            .find(|r| r.public_id == public_id)
            .map(|r| draft.view(r).label)
            .unwrap_or_default();
        rolls.push(StagedRoll {
            public_id: public_id.to_owned(),
            grace: grace.to_owned(),
            new_hash: minted.secret_hash,
        });
        revealed.push(RevealedKey {
            public_id: minted.public_id,
            label,
            secret: minted.secret,
        });
    }
    let to_apply = draft.clone();
    let outcome = ctx
        .state
        .db(move |c| {
            Ok(crate::changes::credentials::save_draft(
                c, &cx, &operator, &to_apply, actor, &rolls,
            ))
        })
        .await?;
    match outcome {
        Ok(SaveOutcome::Saved) => {
            ctx.session.remove(&draft_key(id));
            ctx.flash("api.saved")?;
            if !revealed.is_empty() {
                let mut res = HttpResponse::SeeOther();
                res.insert_header((actix_web::http::header::LOCATION, tab_url(id)));
                let reveal = Reveal {
                    owner: keys::reveal_owner(&tab_url(id)),
                    keys: revealed,
                    rolled: true,
                };
                reveal::attach(&ctx, &mut res, &reveal).await?;
                return Ok(res.finish());
            }
        }
        // The draft stays in the session: the tab lists what changed, to retry or discard.
        Ok(SaveOutcome::Conflict(_)) => ctx.flash_error("api.conflict_refused")?,
        // Nothing was saved (a roll refused undoes the Save); the draft stays to be fixed.
        Err(crate::changes::ChangeError::Refused(key)) => ctx.flash_error(key)?,
        Err(e) => return Err(e.into()),
    }
    Ok(see_other(&tab_url(id)))
}

pub async fn cancel(
    ctx: Ctx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    // Discarding one's own draft needs no authority over the operator: it changes nothing
    // but this session (and must work after the operator was given more than the viewer).
    load(&ctx, id, Permission::OperatorsRead).await?;
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
    let (operator, rows) = load_with_rows(&ctx, id, Permission::OperatorsWrite).await?;
    if let Some(mut draft) = load_draft(&ctx.session, id)? {
        draft.rebase(operator.api_version, rows);
        store_draft(&ctx.session, id, &draft)?;
        ctx.flash("api.rebased")?;
    }
    Ok(see_other(&tab_url(id)))
}

/// One of the operator's saved keys, on its own page (*Operators / Read*, like the tab). Its
/// rotation is shown; rolling it is staged on the tab (or done by its owner in My profile,
/// or through the API).
pub async fn key_page(
    ctx: Ctx,
    req: HttpRequest,
    path: web::Path<(i32, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, public_id) = path.into_inner();
    let listing = key_listing(&ctx, id).await?;
    key_page::show(ctx, &req, listing, public_id).await
}

/// Every key of the operator, their usage together and key by key (*Operators / Read*).
pub async fn usage(ctx: Ctx, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let listing = key_listing(&ctx, path.into_inner()).await?;
    key_page::owner_usage(ctx, listing).await
}

pub async fn usage_csv(ctx: Ctx, path: web::Path<(i32, String)>) -> Result<HttpResponse, AppError> {
    let (id, public_id) = path.into_inner();
    let listing = key_listing(&ctx, id).await?;
    key_page::usage_csv(ctx, listing, public_id).await
}

/// The tab's keys as their pages see them (*Operators / Read*).
async fn key_listing(ctx: &Ctx, id: i32) -> Result<key_page::Listing, AppError> {
    let operator = load(ctx, id, Permission::OperatorsRead).await?;
    let c = &ctx.chrome;
    let crumbs = vec![
        Crumb::heading(c.t("nav.account_setup")),
        Crumb::to(c.t("nav.operators_groups"), "/account"),
        Crumb::to(c.t("operators.title"), "/account/operators"),
        Crumb::to(operator.name.clone(), format!("/account/operators/{id}")),
        Crumb::to(c.t("operator.tab_api"), tab_url(id)),
    ];
    Ok(key_page::Listing {
        owner: db::credentials::OwnerRef::Operator(id),
        crumbs,
        config: config(id, false),
        can_roll: false,
    })
}
