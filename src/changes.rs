//! Every change to credentials, operators, groups and machines goes through here: the
//! change itself, its audit rows and the mails it causes, in one transaction — so the
//! journal, the outbox and the data always agree.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::audit::{self, Actor, Change, Target, change};
use crate::db::credentials::{
    self as creds, Credential, CredentialChange, NewCredentialInput, OwnerRef, SaveOutcome,
};
use crate::db::groups::{self, Group, Refusal};
use crate::db::machines::{self, Machine};
use crate::db::operators::{self, Operator};
use crate::db::{DbConn, schema};
use crate::domain::draft::Draft;
use crate::domain::permissions::Permission;
use crate::i18n::Lang;
use crate::mail::{self, Letter};

/// Who acts, when, and what the mails need to know.
#[derive(Clone)]
pub struct Ctx {
    pub actor: Actor,
    pub at: NaiveDateTime,
    /// Mail the operators with *Machines / Write* when a machine's key changes.
    pub mail_machine_keys: bool,
}

pub fn credential_target(c: &Credential) -> Target {
    Target {
        kind: "credential",
        id: c.public_id.clone(),
        name: c.label.clone(),
    }
}

fn operator_target(o: &Operator) -> Target {
    Target {
        kind: "operator",
        id: o.id.to_string(),
        name: o.name.clone(),
    }
}

fn group_target(g: &Group) -> Target {
    Target {
        kind: "group",
        id: g.id.to_string(),
        name: g.name.clone(),
    }
}

fn machine_target(m: &Machine) -> Target {
    Target {
        kind: "machine",
        id: m.id.to_string(),
        name: m.name.clone(),
    }
}

/// What happened to a credential, for the owner's mail.
#[derive(Clone, Copy)]
pub enum CredentialMail {
    Created,
    Deleted,
    Deactivated,
    Registered,
    /// A reminder: the key expires within `EXPIRY_REMINDER_DAYS`.
    Expiring,
}

impl CredentialMail {
    fn subject(self) -> &'static str {
        match self {
            CredentialMail::Created => "mail.credential_created_subject",
            CredentialMail::Deleted => "mail.credential_deleted_subject",
            CredentialMail::Deactivated => "mail.credential_deactivated_subject",
            CredentialMail::Registered => "mail.credential_registered_subject",
            CredentialMail::Expiring => "mail.credential_expiring_subject",
        }
    }
    /// A change ends with "if this was not you…"; a reminder is nobody's doing.
    fn paragraphs(self) -> &'static [&'static str] {
        match self {
            CredentialMail::Expiring => &["mail.credential_expiring"],
            CredentialMail::Created => &["mail.credential_created", "mail.if_not_you"],
            CredentialMail::Deleted => &["mail.credential_deleted", "mail.if_not_you"],
            CredentialMail::Deactivated => &["mail.credential_deactivated", "mail.if_not_you"],
            CredentialMail::Registered => &["mail.credential_registered", "mail.if_not_you"],
        }
    }
}

/// Who is told about a change to `owner`'s keys: the operator, or for a machine the
/// operators who may manage machines.
fn recipients(
    conn: &mut DbConn,
    account_id: i32,
    owner: OwnerRef,
    machines_too: bool,
) -> QueryResult<Vec<Operator>> {
    match owner {
        OwnerRef::Operator(id) => Ok(operators::find(conn, id)
            .optional()?
            .into_iter()
            .filter(|o| o.active)
            .collect()),
        OwnerRef::Machine(_) if machines_too => {
            let mut out = Vec::new();
            for op in operators::list(conn, account_id)?
                .into_iter()
                .filter(|o| o.active)
            {
                if groups::grants_for(conn, op.id)?.allows(Permission::MachinesWrite) {
                    out.push(op);
                }
            }
            Ok(out)
        }
        OwnerRef::Machine(_) => Ok(Vec::new()),
    }
}

fn tell_owner(
    conn: &mut DbConn,
    ctx: &Ctx,
    c: &Credential,
    what: CredentialMail,
) -> QueryResult<()> {
    let Some(owner) = c.owner_ref() else {
        return Ok(());
    };
    let owner_name = creds::find_owner(conn, c.account_id, owner)
        .map(|o| o.name)
        .unwrap_or_default();
    let expires = c
        .expires_at
        .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default();
    for op in recipients(conn, c.account_id, owner, ctx.mail_machine_keys)? {
        let lang = Lang::from_code(&op.language).unwrap_or_default();
        let vars = [
            ("label", c.label.as_str()),
            ("id", c.public_id.as_str()),
            ("owner", owner_name.as_str()),
            ("actor", ctx.actor.name.as_str()),
            ("expires", expires.as_str()),
        ];
        let letter = Letter {
            to: &op.email,
            name: &op.name,
            lang,
            subject: what.subject(),
            paragraphs: what.paragraphs(),
            vars: &vars,
            link: None,
        };
        mail::queue(conn, &letter, ctx.at)?;
    }
    Ok(())
}

/// How long before its expiry the owner of a key is told.
pub const EXPIRY_REMINDER_DAYS: i64 = 7;

/// Tells the owners of keys that expire within `EXPIRY_REMINDER_DAYS`: once per key and
/// expiry, even with several processes (only the one that marks the key sends the mail).
/// Returns how many keys were reminded.
pub fn remind_expiring(
    conn: &mut DbConn,
    now: NaiveDateTime,
    mail_machine_keys: bool,
) -> QueryResult<usize> {
    let until = now + chrono::Duration::days(EXPIRY_REMINDER_DAYS);
    let ctx = Ctx {
        actor: Actor::system(),
        at: now,
        mail_machine_keys,
    };
    let mut reminded = 0;
    for key in creds::due_for_reminder(conn, now, until, 100)? {
        crate::db::write(conn, |conn| {
            if creds::mark_reminded(conn, key.id)? {
                tell_owner(conn, &ctx, &key, CredentialMail::Expiring)?;
                reminded += 1;
            }
            Ok::<_, diesel::result::Error>(())
        })?;
    }
    Ok(reminded)
}

/// A credential that works at once (API, self-service, machines, `/register`).
pub fn create_credential(
    conn: &mut DbConn,
    ctx: &Ctx,
    input: &NewCredentialInput,
    registered: bool,
) -> QueryResult<Credential> {
    crate::db::write(conn, |conn| {
        let c = creds::create(conn, input, ctx.at)?;
        let (action, what) = if registered {
            ("credential.registered", CredentialMail::Registered)
        } else {
            ("credential.created", CredentialMail::Created)
        };
        audit::record(
            conn,
            &ctx.actor,
            ctx.at,
            action,
            &credential_target(&c),
            &creation_details(&c),
        )?;
        tell_owner(conn, ctx, &c, what)?;
        Ok(c)
    })
}

/// An expiry as the journal writes it: RFC 3339, empty for none.
fn journal_expiry(at: Option<NaiveDateTime>) -> String {
    at.map(|t| t.and_utc().to_rfc3339()).unwrap_or_default()
}

/// What the journal keeps about a new credential beyond its target: its expiry, if any.
fn creation_details(c: &Credential) -> Vec<Change> {
    match c.expires_at {
        Some(_) => vec![change("expires_at", "", journal_expiry(c.expires_at))],
        None => Vec::new(),
    }
}

fn edit_rows(before: &Credential, edit: CredentialChange) -> Vec<(&'static str, Vec<Change>)> {
    let mut rows = Vec::new();
    if let Some(l) = edit.label.filter(|l| *l != before.label) {
        rows.push((
            "credential.renamed",
            vec![change("label", &before.label, l)],
        ));
    }
    match edit.active {
        Some(true) if !before.active => {
            rows.push(("credential.activated", vec![change("active", false, true)]))
        }
        Some(false) if before.active => rows.push((
            "credential.deactivated",
            vec![change("active", true, false)],
        )),
        _ => {}
    }
    if let Some(expires_at) = edit.expires_at.filter(|at| *at != before.expires_at) {
        rows.push((
            "credential.expiry_changed",
            vec![change(
                "expires_at",
                journal_expiry(before.expires_at),
                journal_expiry(expires_at),
            )],
        ));
    }
    rows
}

/// The audit rows of a rename and/or (de)activation, and the owner's mail on deactivation.
fn journal_edit(
    conn: &mut DbConn,
    ctx: &Ctx,
    before: &Credential,
    after: &Credential,
    edit: CredentialChange,
) -> QueryResult<()> {
    for (action, changes) in edit_rows(before, edit) {
        audit::record(
            conn,
            &ctx.actor,
            ctx.at,
            action,
            &credential_target(after),
            &changes,
        )?;
        if action == "credential.deactivated" {
            tell_owner(conn, ctx, after, CredentialMail::Deactivated)?;
        }
    }
    Ok(())
}

pub fn update_credential(
    conn: &mut DbConn,
    ctx: &Ctx,
    owner: OwnerRef,
    public_id: &str,
    edit: CredentialChange,
) -> QueryResult<Credential> {
    crate::db::write(conn, |conn| {
        let before = creds::find_for_owner(conn, owner, public_id)?;
        let after = creds::update(conn, owner, public_id, edit)?;
        journal_edit(conn, ctx, &before, &after, edit)?;
        Ok(after)
    })
}

pub fn delete_credential(
    conn: &mut DbConn,
    ctx: &Ctx,
    owner: OwnerRef,
    public_id: &str,
) -> QueryResult<Credential> {
    crate::db::write(conn, |conn| {
        let gone = creds::delete(conn, owner, public_id)?;
        audit::record(
            conn,
            &ctx.actor,
            ctx.at,
            "credential.deleted",
            &credential_target(&gone),
            &[],
        )?;
        tell_owner(conn, ctx, &gone, CredentialMail::Deleted)?;
        Ok(gone)
    })
}

/// Save on the API management tab: every staged change, one audit row each.
pub fn save_draft(
    conn: &mut DbConn,
    ctx: &Ctx,
    operator: &Operator,
    draft: &Draft,
    actor_id: i32,
) -> QueryResult<SaveOutcome> {
    crate::db::write(conn, |conn| {
        let before: Vec<Credential> = creds::list_for_owner(conn, OwnerRef::Operator(operator.id))?;
        let outcome = creds::apply_draft(conn, operator, draft, actor_id, ctx.at)?;
        if let SaveOutcome::Conflict(_) = outcome {
            return Ok(outcome);
        }
        for old in &before {
            let Some(edit) = draft.edits.get(&old.public_id) else {
                continue;
            };
            if edit.delete {
                audit::record(
                    conn,
                    &ctx.actor,
                    ctx.at,
                    "credential.deleted",
                    &credential_target(old),
                    &[],
                )?;
                tell_owner(conn, ctx, old, CredentialMail::Deleted)?;
                continue;
            }
            let after =
                creds::find_for_owner(conn, OwnerRef::Operator(operator.id), &old.public_id)?;
            let edited = CredentialChange {
                label: edit.label.as_deref(),
                active: edit.active,
                expires_at: None,
            };
            journal_edit(conn, ctx, old, &after, edited)?;
        }
        for add in &draft.adds {
            let c = creds::find_for_owner(conn, OwnerRef::Operator(operator.id), &add.public_id)?;
            audit::record(
                conn,
                &ctx.actor,
                ctx.at,
                "credential.created",
                &credential_target(&c),
                &creation_details(&c),
            )?;
            tell_owner(conn, ctx, &c, CredentialMail::Created)?;
        }
        Ok(outcome)
    })
}

/// An operator created by an administrator (or at setup), with the audit row.
pub fn operator_created(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: i32,
    invited: bool,
) -> QueryResult<Operator> {
    let op = operators::find(conn, id)?;
    let action = if invited {
        "operator.invited"
    } else {
        "operator.created"
    };
    audit::record(
        conn,
        &ctx.actor,
        ctx.at,
        action,
        &operator_target(&op),
        &[change("email", "", &op.email)],
    )?;
    Ok(op)
}

/// Name, email, active: what changed is journalled; deactivation signs the operator out
/// everywhere and stops their keys at once (both are checked on every request).
pub fn update_operator(
    conn: &mut DbConn,
    ctx: &Ctx,
    before: &Operator,
    name: &str,
    email: &str,
    active: bool,
) -> QueryResult<bool> {
    crate::db::write(conn, |conn| {
        if email != before.email && operators::find_by_email(conn, email)?.is_some() {
            return Ok(false);
        }
        use schema::operators as o;
        let epoch = if active {
            before.session_epoch
        } else {
            before.session_epoch + 1
        };
        diesel::update(o::table.find(before.id))
            .set((
                o::name.eq(name),
                o::email.eq(email),
                o::active.eq(active),
                o::session_epoch.eq(epoch),
            ))
            .execute(conn)?;
        let after = operators::find(conn, before.id)?;
        let mut changes = Vec::new();
        if name != before.name {
            changes.push(change("name", &before.name, name));
        }
        if email != before.email {
            changes.push(change("email", &before.email, email));
        }
        if !changes.is_empty() {
            audit::record(
                conn,
                &ctx.actor,
                ctx.at,
                "operator.updated",
                &operator_target(&after),
                &changes,
            )?;
        }
        if active != before.active {
            let action = if active {
                "operator.activated"
            } else {
                "operator.deactivated"
            };
            audit::record(
                conn,
                &ctx.actor,
                ctx.at,
                action,
                &operator_target(&after),
                &[change("active", before.active, active)],
            )?;
        }
        Ok(true)
    })
}

/// Sets a password (change, reset or invitation) and signs the operator out of every other
/// session.
pub fn set_password(
    conn: &mut DbConn,
    ctx: &Ctx,
    operator: &Operator,
    hash: &str,
    action: &str,
) -> QueryResult<i32> {
    crate::db::write(conn, |conn| {
        use schema::operators as o;
        let epoch = operator.session_epoch + 1;
        diesel::update(o::table.find(operator.id))
            .set((o::password_hash.eq(hash), o::session_epoch.eq(epoch)))
            .execute(conn)?;
        audit::record(
            conn,
            &ctx.actor,
            ctx.at,
            action,
            &operator_target(operator),
            &[],
        )?;
        Ok(epoch)
    })
}

/// Moves every key of `from` to another owner, then deletes the operator.
pub fn delete_operator(
    conn: &mut DbConn,
    ctx: &Ctx,
    op: &Operator,
    hand_to: Option<OwnerRef>,
) -> QueryResult<Result<(), &'static str>> {
    crate::db::write(conn, |conn| {
        let keys = creds::list_for_owner(conn, OwnerRef::Operator(op.id))?;
        match hand_to {
            None if !keys.is_empty() => return Ok(Err("operators.has_keys")),
            None => {}
            Some(to) => {
                let owner = creds::find_owner(conn, op.account_id, to)?;
                use schema::credentials as c;
                let (operator_id, machine_id) = match to {
                    OwnerRef::Operator(id) => (Some(id), None),
                    OwnerRef::Machine(id) => (None, Some(id)),
                };
                if to == OwnerRef::Operator(op.id) {
                    return Ok(Err("operators.handover_self"));
                }
                for key in &keys {
                    diesel::update(c::table.find(key.id))
                        .set((c::operator_id.eq(operator_id), c::machine_id.eq(machine_id)))
                        .execute(conn)?;
                    let changes = [change(
                        "owner",
                        format!("operator:{}", op.id),
                        format!("{}:{}", owner.kind, owner.id),
                    )];
                    audit::record(
                        conn,
                        &ctx.actor,
                        ctx.at,
                        "credential.handed_over",
                        &credential_target(key),
                        &changes,
                    )?;
                }
                if let OwnerRef::Operator(id) = to {
                    diesel::update(schema::operators::table.find(id))
                        .set(schema::operators::api_version.eq(schema::operators::api_version + 1))
                        .execute(conn)?;
                }
            }
        }
        diesel::delete(schema::operators::table.find(op.id)).execute(conn)?;
        audit::record(
            conn,
            &ctx.actor,
            ctx.at,
            "operator.deleted",
            &operator_target(op),
            &[],
        )?;
        Ok(Ok(()))
    })
}

pub fn group_created(
    conn: &mut DbConn,
    ctx: &Ctx,
    account_id: i32,
    name: &str,
) -> QueryResult<Result<i32, Refusal>> {
    crate::db::write(conn, |conn| {
        let created = groups::create(conn, account_id, name, ctx.at)?;
        if let Ok(id) = created {
            let g = groups::find_in_account(conn, account_id, id)?;
            audit::record(
                conn,
                &ctx.actor,
                ctx.at,
                "group.created",
                &group_target(&g),
                &[],
            )?;
        }
        Ok(created)
    })
}

pub fn group_renamed(
    conn: &mut DbConn,
    ctx: &Ctx,
    g: &Group,
    name: &str,
) -> QueryResult<Result<(), Refusal>> {
    crate::db::write(conn, |conn| {
        let done = groups::rename(conn, g, name)?;
        if done.is_ok() {
            audit::record(
                conn,
                &ctx.actor,
                ctx.at,
                "group.renamed",
                &group_target(g),
                &[change("name", &g.name, name)],
            )?;
        }
        Ok(done)
    })
}

pub fn group_deleted(conn: &mut DbConn, ctx: &Ctx, g: &Group) -> QueryResult<Result<(), Refusal>> {
    crate::db::write(conn, |conn| {
        let done = groups::delete(conn, g)?;
        if done.is_ok() {
            audit::record(
                conn,
                &ctx.actor,
                ctx.at,
                "group.deleted",
                &group_target(g),
                &[],
            )?;
        }
        Ok(done)
    })
}

pub fn group_permissions(
    conn: &mut DbConn,
    ctx: &Ctx,
    g: &Group,
    granted: &[Permission],
) -> QueryResult<Result<(), Refusal>> {
    crate::db::write(conn, |conn| {
        let before: Vec<&str> = groups::permissions(conn, g.id)?
            .iter()
            .map(|p| p.code())
            .collect();
        let done = groups::set_permissions(conn, g, granted)?;
        let after: Vec<&str> = granted.iter().map(|p| p.code()).collect();
        if done.is_ok() && before != after {
            audit::record(
                conn,
                &ctx.actor,
                ctx.at,
                "group.permissions_changed",
                &group_target(g),
                &[change("permissions", before.join(" "), after.join(" "))],
            )?;
        }
        Ok(done)
    })
}

pub fn group_member(
    conn: &mut DbConn,
    ctx: &Ctx,
    g: &Group,
    op: &Operator,
    add: bool,
) -> QueryResult<Result<(), Refusal>> {
    crate::db::write(conn, |conn| {
        let done = if add {
            groups::add_member(conn, g, op.id).map(Ok)?
        } else {
            groups::remove_member(conn, g, op.id)?
        };
        if done.is_ok() {
            let action = if add {
                "group.member_added"
            } else {
                "group.member_removed"
            };
            audit::record(
                conn,
                &ctx.actor,
                ctx.at,
                action,
                &group_target(g),
                &[change(
                    "member",
                    if add { "" } else { &op.name },
                    if add { &op.name } else { "" },
                )],
            )?;
        }
        Ok(done)
    })
}

pub fn machine_created(
    conn: &mut DbConn,
    ctx: &Ctx,
    account_id: i32,
    name: &str,
    description: &str,
) -> QueryResult<i32> {
    crate::db::write(conn, |conn| {
        let id = machines::create(conn, account_id, name, description, ctx.at)?;
        let m = machines::find_in_account(conn, account_id, id)?;
        audit::record(
            conn,
            &ctx.actor,
            ctx.at,
            "machine.created",
            &machine_target(&m),
            &[],
        )?;
        Ok(id)
    })
}

pub fn machine_updated(
    conn: &mut DbConn,
    ctx: &Ctx,
    m: &Machine,
    name: &str,
    description: &str,
) -> QueryResult<()> {
    crate::db::write(conn, |conn| {
        machines::update(conn, m.id, name, description)?;
        let mut changes = Vec::new();
        if name != m.name {
            changes.push(change("name", &m.name, name));
        }
        if description != m.description {
            changes.push(change("description", &m.description, description));
        }
        if !changes.is_empty() {
            let action = if name != m.name {
                "machine.renamed"
            } else {
                "machine.updated"
            };
            audit::record(
                conn,
                &ctx.actor,
                ctx.at,
                action,
                &machine_target(m),
                &changes,
            )?;
        }
        Ok(())
    })
}

pub fn machine_deleted(conn: &mut DbConn, ctx: &Ctx, m: &Machine) -> QueryResult<()> {
    crate::db::write(conn, |conn| {
        let keys = creds::list_for_owner(conn, OwnerRef::Machine(m.id))?;
        for key in &keys {
            audit::record(
                conn,
                &ctx.actor,
                ctx.at,
                "credential.deleted",
                &credential_target(key),
                &[],
            )?;
            tell_owner(conn, ctx, key, CredentialMail::Deleted)?;
        }
        machines::delete(conn, m.id)?;
        audit::record(
            conn,
            &ctx.actor,
            ctx.at,
            "machine.deleted",
            &machine_target(m),
            &[change("keys", keys.len(), 0)],
        )?;
        Ok(())
    })
}

/// A sign-in attempt, for the journal.
pub fn sign_in(
    conn: &mut DbConn,
    actor: &Actor,
    at: NaiveDateTime,
    operator: Option<&Operator>,
    email: &str,
) -> QueryResult<()> {
    let (action, target) = match operator {
        Some(op) => ("signin.succeeded", operator_target(op)),
        None => (
            "signin.failed",
            Target {
                kind: "operator",
                id: String::new(),
                name: email.to_owned(),
            },
        ),
    };
    audit::record(conn, actor, at, action, &target, &[])
}

/// Sends an invitation or a reset link (queued with the token, in one transaction).
pub fn password_link(
    conn: &mut DbConn,
    ctx: &Ctx,
    op: &Operator,
    purpose: &str,
    token: &str,
    link: &str,
    valid_for: chrono::Duration,
) -> QueryResult<()> {
    crate::db::write(conn, |conn| {
        crate::db::tokens::create(conn, op.id, purpose, token, ctx.at + valid_for)?;
        let lang = Lang::from_code(&op.language).unwrap_or_default();
        let (subject, body) = if purpose == crate::db::tokens::INVITE {
            ("mail.invite_subject", "mail.invite")
        } else {
            ("mail.reset_subject", "mail.reset")
        };
        let vars = [
            ("actor", ctx.actor.name.as_str()),
            ("email", op.email.as_str()),
        ];
        let letter = Letter {
            to: &op.email,
            name: &op.name,
            lang,
            subject,
            paragraphs: &[body],
            vars: &vars,
            link: Some(link),
        };
        mail::queue(conn, &letter, ctx.at)?;
        if purpose == crate::db::tokens::RESET {
            audit::record(
                conn,
                &ctx.actor,
                ctx.at,
                "operator.password_reset_requested",
                &operator_target(op),
                &[],
            )?;
        }
        Ok(())
    })
}
