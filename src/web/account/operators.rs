//! `/account/operators`: the operators, inviting or adding one, an operator's main tab,
//! editing (name, email, groups, active) and deleting once their keys are gone or handed over.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::auth::password;
use crate::changes::{self, ChangeError};
use crate::db::{
    self, audit::AuditEvent, credentials::OwnerRef, groups::Group, operators::NewOperatorInput,
    operators::Operator,
};
use crate::domain::credential::random_alphanumeric;
use crate::domain::permissions::Permission;
use crate::domain::validation;
use crate::error::AppError;
use crate::web::{Chrome, CsrfForm, Ctx, render, see_other};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/account/operators")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(web::resource("/account/operators/new").route(web::get().to(new_form)))
    .service(web::resource("/account/operators/{id}").route(web::get().to(show)))
    .service(web::resource("/account/operators/{id}/edit").route(web::post().to(edit)))
    .service(web::resource("/account/operators/{id}/delete").route(web::post().to(delete)));
}

pub struct OperatorRow {
    pub operator: Operator,
    pub is_admin: bool,
}

#[derive(Template)]
#[template(path = "account/operators/list.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<OperatorRow>,
}

pub async fn list(ctx: Ctx) -> Result<HttpResponse, AppError> {
    let account_id = ctx.require(Permission::OperatorsRead)?.account_id;
    let rows = ctx
        .state
        .db(move |c| {
            let operators = db::operators::list(c, account_id)?;
            let ids: Vec<i32> = operators.iter().map(|o| o.id).collect();
            let admins = db::operators::admins_among(c, &ids)?;
            Ok(operators
                .into_iter()
                .map(|operator| OperatorRow {
                    is_admin: admins.contains(&operator.id),
                    operator,
                })
                .collect())
        })
        .await?;
    render(&ListPage {
        c: ctx.chrome,
        rows,
    })
}

#[derive(Template)]
#[template(path = "account/operators/new.html")]
struct NewPage {
    c: Chrome,
    form: NewOperatorForm,
    /// The groups (other than Administrators) the viewer may put someone in.
    groups: Vec<Group>,
    error: Option<&'static str>,
}

impl NewPage {
    fn chosen(&self, group_id: &i32) -> bool {
        self.form.groups.contains(group_id)
    }
}

#[derive(Default)]
pub struct NewOperatorForm {
    name: String,
    email: String,
    /// "invite" (a mail with a link to set a password) or "password" (set it here).
    mode: String,
    password: String,
    password_confirm: String,
    admin: bool,
    /// Groups to join at once (each checked like any membership change).
    groups: Vec<i32>,
}

impl NewOperatorForm {
    fn invite(&self) -> bool {
        self.mode != "password"
    }

    /// From the posted fields (`group` may repeat).
    fn parse(pairs: &[(String, String)]) -> Result<Self, AppError> {
        let field = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Ok(NewOperatorForm {
            name: field("name"),
            email: field("email"),
            mode: field("mode"),
            password: field("password"),
            password_confirm: field("password_confirm"),
            admin: pairs.iter().any(|(k, _)| k == "admin"),
            groups: pairs
                .iter()
                .filter(|(k, _)| k == "group")
                .map(|(_, v)| {
                    v.parse()
                        .map_err(|_| AppError::BadRequest("error.bad_form"))
                })
                .collect::<Result<_, _>>()?,
        })
    }
}

/// The groups the viewer may give a new operator: not Administrators (its own checkbox),
/// and only those granting nothing the viewer lacks.
async fn grantable_groups(ctx: &Ctx) -> Result<Vec<Group>, AppError> {
    let me = ctx.operator()?;
    let (account_id, mine) = (me.account_id, me.grants.clone());
    ctx.state
        .db(move |c| {
            let mut out = Vec::new();
            for g in db::groups::list(c, account_id)? {
                let granted = db::groups::permissions(c, g.group.id)?;
                if !g.group.builtin_admin
                    && crate::domain::authority::may_grant(&mine, &granted).is_ok()
                {
                    out.push(g.group);
                }
            }
            Ok(out)
        })
        .await
}

pub async fn new_form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::OperatorsWrite)?;
    let groups = grantable_groups(&ctx).await?;
    render(&NewPage {
        c: ctx.chrome,
        form: NewOperatorForm::default(),
        groups,
        error: None,
    })
}

/// A token for a single-use link: 43 letters and digits from the OS CSPRNG.
pub fn link_token() -> Result<String, AppError> {
    Ok(random_alphanumeric(43)?)
}

pub async fn create(
    ctx: Ctx,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let account_id = ctx.require(Permission::OperatorsWrite)?.account_id;
    let form = NewOperatorForm::parse(&pairs)?;
    let invite = form.invite();
    let checked = (|| {
        let name = validation::name(&form.name)?;
        let email = validation::email(&form.email)?;
        if !invite {
            validation::new_password(&form.password, &form.password_confirm)?;
        }
        Ok::<_, &'static str>((name, email))
    })();
    async fn refuse(
        ctx: Ctx,
        form: NewOperatorForm,
        key: &'static str,
    ) -> Result<HttpResponse, AppError> {
        let form = NewOperatorForm {
            password: String::new(),
            password_confirm: String::new(),
            ..form
        };
        let groups = grantable_groups(&ctx).await?;
        let mut res = render(&NewPage {
            c: ctx.chrome,
            form,
            groups,
            error: Some(key),
        })?;
        *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
        Ok(res)
    }
    let (name, email) = match checked {
        Ok(values) => values,
        Err(key) => return refuse(ctx, form, key).await,
    };
    // An invited operator has no usable password until they follow the link.
    let hash = if invite {
        "!invited".to_owned()
    } else {
        let secret = form.password.clone();
        ctx.state.argon2(move || password::hash(&secret)).await??
    };
    let token = link_token()?;
    let link = format!(
        "{}/password/set?token={token}",
        ctx.state.settings.public_url.trim_end_matches('/')
    );
    let (lang, admin, cx) = (ctx.lang(), form.admin, ctx.change()?);
    let groups = form.groups.clone();
    let created = ctx
        .state
        .db(move |c| {
            let input = NewOperatorInput {
                email: &email,
                name: &name,
                password_hash: &hash,
                language: lang.code(),
                admin,
            };
            let link = invite.then(|| changes::operators::Link {
                purpose: db::tokens::INVITE,
                token: &token,
                url: &link,
                valid_for: chrono::Duration::hours(72),
            });
            Ok(changes::operators::create(
                c, &cx, account_id, &input, &groups, link,
            ))
        })
        .await?;
    match created {
        Ok(op) => {
            ctx.flash(if invite {
                "operators.invited"
            } else {
                "operators.created"
            })?;
            Ok(see_other(&format!("/account/operators/{}", op.id)))
        }
        Err(ChangeError::Refused(key)) => refuse(ctx, form, key).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "account/operators/show.html")]
struct ShowPage {
    c: Chrome,
    operator: Operator,
    groups: Vec<Group>,
    all_groups: Vec<Group>,
    can_edit: bool,
    others: Vec<Operator>,
    machines: Vec<db::machines::Machine>,
    events: Vec<AuditEvent>,
    dialog: String,
    error: Option<&'static str>,
}

impl ShowPage {
    fn member_of(&self, group_id: &i32) -> bool {
        self.groups.iter().any(|g| g.id == *group_id)
    }
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    dialog: Option<String>,
}

pub async fn show(
    ctx: Ctx,
    path: web::Path<i32>,
    query: web::Query<ShowQuery>,
) -> Result<HttpResponse, AppError> {
    page(
        ctx,
        path.into_inner(),
        query.dialog.clone().unwrap_or_default(),
        None,
    )
    .await
}

async fn page(
    ctx: Ctx,
    id: i32,
    dialog: String,
    error: Option<&'static str>,
) -> Result<HttpResponse, AppError> {
    let me = ctx.require(Permission::OperatorsRead)?;
    let (account_id, mine) = (me.account_id, me.grants.clone());
    let can_audit = me.may(Permission::AuditRead);
    let (operator, can_edit, groups, all_groups, others, machines, events) = ctx
        .state
        .db(move |c| {
            let operator = db::operators::find_in_account(c, account_id, id)?;
            // Edit and Delete only for someone the viewer holds everything of.
            let theirs = db::groups::grants_for(c, id)?;
            let can_edit = crate::domain::authority::manage_operator(&mine, &theirs).is_ok();
            let groups = db::groups::of_operator(c, id)?;
            let all_groups = db::groups::list(c, account_id)?
                .into_iter()
                .map(|g| g.group)
                .collect();
            let others = db::operators::list(c, account_id)?
                .into_iter()
                .filter(|o| o.id != id)
                .collect();
            let machines = db::machines::list(c, account_id)?;
            let events = if can_audit {
                db::audit::recent_for(c, account_id, "operator", &id.to_string(), 10)?
            } else {
                Vec::new()
            };
            Ok((
                operator, can_edit, groups, all_groups, others, machines, events,
            ))
        })
        .await?;
    let dialog = if can_edit { dialog } else { String::new() };
    let page = ShowPage {
        c: ctx.chrome,
        operator,
        groups,
        all_groups,
        can_edit,
        others,
        machines,
        events,
        dialog,
        error,
    };
    let mut res = render(&page)?;
    if error.is_some() {
        *res.status_mut() = actix_web::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

#[derive(Deserialize)]
pub struct EditForm {
    name: String,
    email: String,
    active: Option<String>,
}

pub async fn edit(
    ctx: Ctx,
    path: web::Path<i32>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let me = ctx.require(Permission::OperatorsWrite)?;
    let (account_id, my_id) = (me.account_id, me.id);
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let form = EditForm {
        name: field("name").unwrap_or_default(),
        email: field("email").unwrap_or_default(),
        active: field("active"),
    };
    let wanted_groups: Vec<i32> = pairs
        .iter()
        .filter(|(k, _)| k == "group")
        .map(|(_, v)| {
            v.parse()
                .map_err(|_| AppError::BadRequest("error.bad_form"))
        })
        .collect::<Result<_, _>>()?;
    let (name, email) =
        match validation::name(&form.name).and_then(|n| Ok((n, validation::email(&form.email)?))) {
            Ok(values) => values,
            Err(key) => return page(ctx, id, "edit".into(), Some(key)).await,
        };
    let active = form.active.is_some();
    if id == my_id && !active {
        return page(ctx, id, "edit".into(), Some("operators.not_yourself")).await;
    }
    let cx = ctx.change()?;
    let outcome = ctx
        .state
        .db(move |c| {
            let edit = changes::operators::OperatorEdit {
                name: &name,
                email: &email,
                active,
                groups: &wanted_groups,
            };
            Ok(changes::operators::update(c, &cx, account_id, id, &edit))
        })
        .await?;
    match outcome {
        Ok(()) => {
            ctx.flash("operators.saved")?;
            Ok(see_other(&format!("/account/operators/{id}")))
        }
        Err(ChangeError::Refused(key)) => page(ctx, id, "edit".into(), Some(key)).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct DeleteForm {
    /// Where the operator's keys go: `operator:ID` or `machine:ID`; none to delete only an
    /// operator without keys.
    hand_to: Option<String>,
}

pub async fn delete(
    ctx: Ctx,
    path: web::Path<i32>,
    CsrfForm(form): CsrfForm<DeleteForm>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let me = ctx.require(Permission::OperatorsWrite)?;
    let (account_id, my_id) = (me.account_id, me.id);
    if id == my_id {
        return page(ctx, id, "delete".into(), Some("operators.not_yourself")).await;
    }
    let hand_to = match form.hand_to.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Some(OwnerRef::parse(text).ok_or(AppError::BadRequest("error.bad_owner"))?),
    };
    let cx = ctx.change()?;
    let outcome = ctx
        .state
        .db(move |c| Ok(changes::operators::delete(c, &cx, account_id, id, hand_to)))
        .await?;
    match outcome {
        Ok(()) => {
            ctx.flash("operators.deleted")?;
            Ok(see_other("/account/operators"))
        }
        Err(ChangeError::Refused(key)) => page(ctx, id, "delete".into(), Some(key)).await,
        Err(e) => Err(e.into()),
    }
}
