//! One key's own page, under the list it belongs to (My profile, an operator's API
//! management tab, a machine): what it is, whose, since when, last use, and its journal.
//! Each list's module checks what its list needs before calling `show`; a key that is not
//! the owner's is "not found".

use actix_web::HttpResponse;
use askama::Template;
use diesel::OptionalExtension;

use super::keys::Expiry;
use super::{Chrome, Ctx, render};
use crate::db::{self, audit::AuditEvent, credentials::Credential, credentials::OwnerRef};
use crate::domain::permissions::Permission;
use crate::error::AppError;

/// One step of the breadcrumbs above the key; the key itself comes last.
pub struct Crumb {
    pub label: String,
    /// None for a menu heading that is no page of its own.
    pub href: Option<String>,
}

impl Crumb {
    pub fn to(label: impl Into<String>, href: impl Into<String>) -> Crumb {
        Crumb {
            label: label.into(),
            href: Some(href.into()),
        }
    }

    pub fn heading(label: impl Into<String>) -> Crumb {
        Crumb {
            label: label.into(),
            href: None,
        }
    }
}

#[derive(Template)]
#[template(path = "credentials/detail.html")]
struct KeyPage {
    c: Chrome,
    crumbs: Vec<Crumb>,
    /// The list the key belongs to.
    back: String,
    key: Credential,
    owner_name: String,
    created_by: Option<String>,
    expiry: Option<Expiry>,
    last_used: Option<String>,
    events: Vec<AuditEvent>,
}

pub async fn show(
    ctx: Ctx,
    owner: OwnerRef,
    public_id: String,
    crumbs: Vec<Crumb>,
    back: String,
) -> Result<HttpResponse, AppError> {
    let me = ctx.operator()?;
    let (account_id, can_audit) = (me.account_id, me.may(Permission::AuditRead));
    let (key, owner_name, created_by, events) = ctx
        .state
        .db(move |c| {
            let owner_name = db::credentials::find_owner(c, account_id, owner)?.name;
            let key = db::credentials::find_for_owner(c, owner, &public_id)?;
            let created_by = match key.created_by {
                Some(id) => db::operators::find(c, id).optional()?.map(|o| o.name),
                None => None,
            };
            let events = if can_audit {
                db::audit::recent_for(c, account_id, "credential", &key.public_id, 20)?
            } else {
                Vec::new()
            };
            Ok((key, owner_name, created_by, events))
        })
        .await?;
    let now = ctx.state.clock.now();
    let c = ctx.chrome;
    let expiry = Expiry::of(&c, key.expires_at, now);
    let last_used = key.last_used_at.map(|at| c.datetime(&at));
    render(&KeyPage {
        c,
        crumbs,
        back,
        key,
        owner_name,
        created_by,
        expiry,
        last_used,
        events,
    })
}
