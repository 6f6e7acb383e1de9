//! Rights management → Machines (seed 004): service accounts and their API keys. Seeing
//! needs *Machines / Read*, changing *Machines / Write*. Key changes take effect at once.

use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::db::{self, credentials::OwnerRef, machines::Machine};
use crate::domain::permissions::Permission;
use crate::domain::validation;
use crate::error::AppError;
use crate::web::key_page::{self, Crumb};
use crate::web::keys::{
    self, Change, Config, FormDialog, KeyList, KeyQuery, ListPosition, NewKeyForm, Refused, Texts,
};
use crate::web::session::Empty;
use crate::web::{Chrome, CsrfForm, Ctx, render, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/rights")
            .route(web::get().to(|| async { crate::web::see_other("/rights/machines") })),
    )
    .service(
        web::resource("/rights/machines")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(web::resource("/rights/machines/{id}").route(web::get().to(show)))
    .service(web::resource("/rights/machines/{id}/edit").route(web::post().to(edit)))
    .service(web::resource("/rights/machines/{id}/delete").route(web::post().to(delete)))
    .service(web::resource("/rights/machines/{id}/add").route(web::post().to(add_key)))
    .service(web::resource("/rights/machines/{id}/keys/usage").route(web::get().to(usage)))
    .service(web::resource("/rights/machines/{id}/keys/{row}").route(web::get().to(key_page)))
    .service(
        web::resource("/rights/machines/{id}/keys/{row}/usage.csv").route(web::get().to(usage_csv)),
    )
    .service(web::resource("/rights/machines/{id}/keys/{row}/roll").route(web::post().to(roll_key)))
    .service(
        web::resource("/rights/machines/{id}/keys/{row}/roll/end")
            .route(web::post().to(retire_key)),
    )
    .service(
        web::resource("/rights/machines/{id}/keys/{row}/roll/extend")
            .route(web::post().to(extend_key)),
    )
    .service(
        web::resource("/rights/machines/{id}/keys/{row}/allowlist")
            .route(web::post().to(allowlist_key)),
    )
    .service(web::resource("/rights/machines/{id}/{row}/edit").route(web::post().to(edit_key)))
    .service(web::resource("/rights/machines/{id}/{row}/delete").route(web::post().to(delete_key)));
}

fn url(id: i32) -> String {
    format!("/rights/machines/{id}")
}

#[derive(Deserialize, Default)]
pub struct MachineForm {
    name: String,
    #[serde(default)]
    description: String,
}

/// Name (required) and description (optional, at most 500 characters).
fn checked(form: &MachineForm) -> Result<(String, String), &'static str> {
    Ok((
        validation::name(&form.name)?,
        validation::description(&form.description)?,
    ))
}

#[derive(Template)]
#[template(path = "rights/machines/list.html")]
struct ListPage {
    c: Chrome,
    machines: Vec<Machine>,
    can_edit: bool,
    new_dialog: Option<(MachineForm, Option<&'static str>)>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    dialog: Option<String>,
}

pub async fn list(ctx: Ctx, query: web::Query<ListQuery>) -> Result<HttpResponse, AppError> {
    let dialog = (query.dialog.as_deref() == Some("new")).then(|| (MachineForm::default(), None));
    list_page(ctx, dialog).await
}

async fn list_page(
    ctx: Ctx,
    new_dialog: Option<(MachineForm, Option<&'static str>)>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require(Permission::MachinesRead)?;
    let (account_id, can_edit) = (me.account_id, me.may(Permission::MachinesWrite));
    let machines = ctx
        .state
        .db(move |c| Ok(db::machines::list(c, account_id)?))
        .await?;
    let refused = new_dialog.as_ref().is_some_and(|(_, e)| e.is_some());
    let new_dialog = new_dialog.filter(|_| can_edit);
    let mut res = render(&ListPage {
        c: ctx.chrome,
        machines,
        can_edit,
        new_dialog,
    })?;
    if refused {
        *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

pub async fn create(
    ctx: Ctx,
    CsrfForm(form): CsrfForm<MachineForm>,
) -> Result<HttpResponse, AppError> {
    let account_id = ctx.require(Permission::MachinesWrite)?.account_id;
    let (name, description) = match checked(&form) {
        Ok(values) => values,
        Err(key) => return list_page(ctx, Some((form, Some(key)))).await,
    };
    let cx = ctx.change()?;
    let machine = ctx
        .state
        .db(move |c| {
            Ok(crate::changes::machines::create(
                c,
                &cx,
                account_id,
                &name,
                &description,
            )?)
        })
        .await?;
    ctx.flash("machines.created")?;
    Ok(see_other(&url(machine.id)))
}

fn config(id: i32, can_edit: bool) -> Config {
    Config {
        base: url(id),
        detail: format!("{}/keys", url(id)),
        staged: false,
        can_edit,
        username_column: false,
        created_column: true,
        last_used_column: true,
        last_ip_column: false,
        status: "badge",
        edit_status: true,
        confirm_delete: true,
        delete_words: false,
        plus_icon: true,
        texts: Texts {
            label_header: "api.label",
            add: "machines.create_key",
            add_title: "machines.create_key",
            add_intro: "machines.create_key_intro",
            add_submit: "common.create",
            edit: "machines.edit_key",
            edit_title: "machines.edit_key",
            delete: "machines.delete_key",
            delete_title: "machines.delete_key",
            delete_question: "machines.delete_key_question",
            empty: "machines.no_keys",
            help: "machines.keys_help",
            secret_name: "keys.secret",
            reveal_title: "machines.reveal_title",
            reveal_intro: "keys.reveal_intro",
            reveal_note: "keys.reveal_now",
            reveal_done: "keys.reveal_done",
            active: "common.active",
            inactive: "common.inactive",
        },
    }
}

#[derive(Template)]
#[template(path = "rights/machines/show.html")]
struct ShowPage {
    c: Chrome,
    machine: Machine,
    keys: KeyList,
    edit_dialog: Option<(MachineForm, Option<&'static str>)>,
    confirm_delete: bool,
    events: Vec<db::audit::AuditEvent>,
}

async fn load(ctx: &Ctx, id: i32, need: Permission) -> Result<Machine, AppError> {
    let account_id = ctx.require(need)?.account_id;
    ctx.state
        .db(move |c| Ok(db::machines::find_in_account(c, account_id, id)?))
        .await
}

pub async fn show(
    ctx: Ctx,
    req: HttpRequest,
    path: web::Path<i32>,
    query: web::Query<KeyQuery>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    if let Some(to) = query.without_secret(&url(id)) {
        return Ok(see_other(&to));
    }
    show_page(ctx, &req, id, query.into_inner(), Refusal::None).await
}

enum Refusal {
    None,
    Machine(MachineForm, &'static str),
    Key(Refused),
}

async fn show_page(
    ctx: Ctx,
    req: &HttpRequest,
    id: i32,
    query: KeyQuery,
    refusal: Refusal,
) -> Result<HttpResponse, AppError> {
    let machine = load(&ctx, id, Permission::MachinesRead).await?;
    let can_edit = ctx.operator()?.may(Permission::MachinesWrite);
    let (account_id, can_audit) = (
        machine.account_id,
        ctx.operator()?.may(Permission::AuditRead),
    );
    let (search, page) = query.list_request()?;
    let (saved, events) = ctx
        .state
        .db(move |c| {
            let owner = OwnerRef::Machine(id);
            let saved = db::credentials::page_for_owner(c, owner, &search, page)?;
            let events = if can_audit {
                db::audit::recent_for(c, account_id, "machine", &id.to_string(), 10)?
            } else {
                Vec::new()
            };
            Ok((saved, events))
        })
        .await?;
    let (edit_dialog, refused_key, refused) = match refusal {
        Refusal::None => (None, None, false),
        Refusal::Machine(form, key) => (Some((form, Some(key))), None, true),
        Refusal::Key(r) => (None, Some(r), true),
    };
    let edit_dialog = edit_dialog.or_else(|| {
        (query.dialog.as_deref() == Some("edit-machine")).then(|| {
            (
                MachineForm {
                    name: machine.name.clone(),
                    description: machine.description.clone(),
                },
                None,
            )
        })
    });
    let keys = KeyList::build(
        &ctx,
        req,
        config(id, can_edit),
        &saved,
        None,
        &query,
        refused_key,
    )
    .await?;
    let confirm_delete = can_edit && query.dialog.as_deref() == Some("delete-machine");
    let edit_dialog = edit_dialog.filter(|_| can_edit);
    let secure = ctx.state.settings.secure_cookies;
    let taken = keys.reveal.is_some();
    let mut res = render(&ShowPage {
        c: ctx.chrome,
        machine,
        keys,
        edit_dialog,
        confirm_delete,
        events,
    })?;
    if refused {
        *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    keys::finish_page(req, res, secure, taken)
}

pub async fn edit(
    ctx: Ctx,
    req: HttpRequest,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<MachineForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    load(&ctx, id, Permission::MachinesWrite).await?;
    let (name, description) = match checked(&form) {
        Ok(values) => values,
        Err(key) => {
            return show_page(
                ctx,
                &req,
                id,
                KeyQuery::default(),
                Refusal::Machine(form, key),
            )
            .await;
        }
    };
    let (account_id, cx) = (
        load(&ctx, id, Permission::MachinesWrite).await?.account_id,
        ctx.change()?,
    );
    ctx.state
        .db(move |c| {
            Ok(crate::changes::machines::update(
                c,
                &cx,
                account_id,
                id,
                Some(&name),
                Some(&description),
            )?)
        })
        .await?;
    ctx.flash("machines.saved")?;
    Ok(see_other(&url(id)))
}

pub async fn delete(
    ctx: Ctx,
    path: web::Path<i32>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (machine, cx) = (
        load(&ctx, id, Permission::MachinesWrite).await?,
        ctx.change()?,
    );
    ctx.state
        .db(move |c| Ok(crate::changes::machines::delete(c, &cx, &machine)?))
        .await?;
    ctx.flash("machines.deleted")?;
    Ok(see_other("/rights/machines"))
}

pub async fn add_key(
    ctx: Ctx,
    req: HttpRequest,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<NewKeyForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    load(&ctx, id, Permission::MachinesWrite).await?;
    match form.validate(ctx.state.clock.now()) {
        Ok(key) => keys::apply(&ctx, OwnerRef::Machine(id), &url(id), Change::Create(key)).await,
        Err(dialog) => {
            show_page(
                ctx,
                &req,
                id,
                KeyQuery::default(),
                Refusal::Key(Refused::Add(dialog)),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct KeyEditForm {
    label: String,
    /// A checkbox: present when on.
    active: Option<String>,
}

pub async fn edit_key(
    ctx: Ctx,
    req: HttpRequest,
    path: web::Path<(i32, String)>,
    position: web::Query<ListPosition>,
    CsrfForm(form): CsrfForm<KeyEditForm>,
) -> Result<HttpResponse, AppError> {
    let (id, public_id) = path.into_inner();
    load(&ctx, id, Permission::MachinesWrite).await?;
    let active = match form.active.as_deref() {
        None => false,
        Some("true" | "on") => true,
        Some(_) => return Err(AppError::BadRequest("error.bad_form")),
    };
    match validation::label(&form.label) {
        Ok(label) => {
            let change = Change::Update {
                public_id,
                label: Some(label),
                active: Some(active),
            };
            let back = position.back_to(&url(id));
            keys::apply(&ctx, OwnerRef::Machine(id), &back, change).await
        }
        Err(key) => {
            let dialog = FormDialog {
                public_id,
                label: form.label,
                expires: String::new(),
                scopes: String::new(),
                active,
                error: Some(key),
                canary: false,
            };
            show_page(
                ctx,
                &req,
                id,
                position.query(),
                Refusal::Key(Refused::Edit(dialog)),
            )
            .await
        }
    }
}

pub async fn delete_key(
    ctx: Ctx,
    path: web::Path<(i32, String)>,
    position: web::Query<ListPosition>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let (id, public_id) = path.into_inner();
    load(&ctx, id, Permission::MachinesWrite).await?;
    keys::apply(
        &ctx,
        OwnerRef::Machine(id),
        &position.back_to(&url(id)),
        Change::Delete { public_id },
    )
    .await
}

/// Where a machine's key pages are; changing (rolling) needs *Machines / Write*.
async fn listing(ctx: &Ctx, id: i32, need: Permission) -> Result<key_page::Listing, AppError> {
    let machine = load(ctx, id, need).await?;
    let can_edit = ctx.operator()?.may(Permission::MachinesWrite);
    let c = &ctx.chrome;
    Ok(key_page::Listing {
        owner: OwnerRef::Machine(id),
        crumbs: vec![
            Crumb::heading(c.t("nav.rights")),
            Crumb::to(c.t("nav.machines"), "/rights/machines"),
            Crumb::to(machine.name.clone(), url(id)),
        ],
        config: config(id, can_edit),
        can_roll: true,
    })
}

/// Every key of the machine, its usage together and key by key (*Machines / Read*).
pub async fn usage(ctx: Ctx, path: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let listing = listing(&ctx, path.into_inner(), Permission::MachinesRead).await?;
    key_page::owner_usage(ctx, listing).await
}

/// One of the machine's keys, on its own page (*Machines / Read*, like the machine).
pub async fn key_page(
    ctx: Ctx,
    req: HttpRequest,
    path: web::Path<(i32, String)>,
) -> Result<HttpResponse, AppError> {
    let (id, public_id) = path.into_inner();
    let listing = listing(&ctx, id, Permission::MachinesRead).await?;
    key_page::show(ctx, &req, listing, public_id).await
}

pub async fn roll_key(
    ctx: Ctx,
    path: web::Path<(i32, String)>,
    CsrfForm(form): CsrfForm<key_page::RollForm>,
) -> Result<HttpResponse, AppError> {
    let (id, public_id) = path.into_inner();
    let listing = listing(&ctx, id, Permission::MachinesWrite).await?;
    key_page::roll(ctx, listing, public_id, form).await
}

pub async fn retire_key(
    ctx: Ctx,
    path: web::Path<(i32, String)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let (id, public_id) = path.into_inner();
    let listing = listing(&ctx, id, Permission::MachinesWrite).await?;
    key_page::retire(ctx, listing, public_id).await
}

pub async fn extend_key(
    ctx: Ctx,
    path: web::Path<(i32, String)>,
    CsrfForm(form): CsrfForm<key_page::ExtendForm>,
) -> Result<HttpResponse, AppError> {
    let (id, public_id) = path.into_inner();
    let listing = listing(&ctx, id, Permission::MachinesWrite).await?;
    key_page::extend(ctx, listing, public_id, form).await
}

pub async fn allowlist_key(
    ctx: Ctx,
    path: web::Path<(i32, String)>,
    CsrfForm(form): CsrfForm<key_page::AllowlistForm>,
) -> Result<HttpResponse, AppError> {
    let (id, public_id) = path.into_inner();
    let listing = listing(&ctx, id, Permission::MachinesWrite).await?;
    key_page::set_allowlist(ctx, listing, public_id, form).await
}

pub async fn usage_csv(ctx: Ctx, path: web::Path<(i32, String)>) -> Result<HttpResponse, AppError> {
    let (id, public_id) = path.into_inner();
    let listing = listing(&ctx, id, Permission::MachinesRead).await?;
    key_page::usage_csv(ctx, listing, public_id).await
}
