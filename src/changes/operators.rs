//! Operators: first-run setup, created (invited or with a password), edited (name, email,
//! active, groups), deleted with a hand-over of their keys, passwords and single-use links,
//! and sign-ins for the journal.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{
    ChangeError, ChangeResult, Ctx, actor_grants, allow, groups as group_changes, operator_target,
    write,
};
use crate::db::audit::{self, Action, Actor, Target, change};
use crate::db::credentials::{self as creds, OwnerRef};
use crate::db::operators::{self, NewOperatorInput, Operator};
use crate::db::{DbConn, groups, schema, tokens};
use crate::domain::authority::{self, KeyOwner};
use crate::domain::notices::{self, Notice};
use crate::i18n::Lang;
use crate::mail::{self, Letter};

/// A single-use link to send with a new operator or a reset: the token (only its hash is
/// stored), the link that carries it, and how long it works.
pub struct Link<'a> {
    pub purpose: &'a str,
    pub token: &'a str,
    pub url: &'a str,
    pub valid_for: chrono::Duration,
}

fn journal(
    conn: &mut DbConn,
    ctx: &Ctx,
    action: Action,
    op: &Operator,
    changes: &[audit::Change],
) -> ChangeResult<()> {
    super::journal(conn, ctx, action, &operator_target(op), changes)
}

/// Would removing `id` (deactivating, deleting, taking out of Administrators) leave the
/// account without an active administrator? Read under `lock_administrators`.
fn last_administrator(conn: &mut DbConn, account_id: i32, id: i32) -> ChangeResult<bool> {
    let active = operators::active_administrators(conn, account_id)?;
    Ok(active.contains(&id) && active.len() <= 1)
}

/// Refuses the change when it would remove the last active administrator; call it inside
/// the transaction, before the change.
pub(super) fn keep_an_administrator(
    conn: &mut DbConn,
    account_id: i32,
    id: i32,
) -> ChangeResult<()> {
    operators::lock_administrators(conn, account_id)?;
    if last_administrator(conn, account_id, id)? {
        return Err(ChangeError::Refused("groups.last_admin"));
    }
    Ok(())
}

/// First-run setup: the organisation, its Administrators group and the first administrator,
/// with the journal's first row. `None` when an operator already exists (setup happens once).
pub fn first_run_setup(
    conn: &mut DbConn,
    ctx: &Ctx,
    organisation: &str,
    input: &NewOperatorInput,
) -> ChangeResult<Option<Operator>> {
    write(conn, |conn| {
        let Some(id) = operators::first_run_setup(conn, organisation, input, ctx.at)? else {
            return Ok(None);
        };
        let op = operators::find(conn, id)?;
        let cx = Ctx {
            actor: Actor {
                account_id: Some(op.account_id),
                ..ctx.actor.clone()
            },
            ..ctx.clone()
        };
        journal(
            conn,
            &cx,
            Action::OperatorCreated,
            &op,
            &[change("email", "", &op.email)],
        )?;
        Ok(Some(op))
    })
}

/// A new operator of `account_id`, invited (with `link`) or with a password set here. Only
/// an administrator creates an administrator. Refused when the email is taken.
pub fn create(
    conn: &mut DbConn,
    ctx: &Ctx,
    account_id: i32,
    input: &NewOperatorInput,
    groups_to_join: &[i32],
    link: Option<Link>,
) -> ChangeResult<Operator> {
    write(conn, |conn| {
        allow(authority::create_operator(
            &actor_grants(conn, ctx)?,
            input.admin,
            link.is_none(),
        ))?;
        let Some(id) = operators::create(conn, account_id, input, ctx.at)? else {
            return Err(ChangeError::Refused("operators.email_taken"));
        };
        let op = operators::find(conn, id)?;
        let action = if link.is_some() {
            Action::OperatorInvited
        } else {
            Action::OperatorCreated
        };
        journal(conn, ctx, action, &op, &[change("email", "", &op.email)])?;
        // Each group joined is checked like any membership change: all or nothing.
        for summary in groups::list(conn, account_id)? {
            if groups_to_join.contains(&summary.group.id) && !summary.group.builtin_admin {
                group_changes::membership(conn, ctx, &summary.group, &op, true)?;
            }
        }
        if let Some(link) = link {
            send_link(conn, ctx, &op, &link)?;
        }
        Ok(op)
    })
}

/// What an edit of an operator sets.
pub struct OperatorEdit<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub active: bool,
    /// The groups the operator is to be in (of their account; others are ignored).
    pub groups: &'a [i32],
}

/// Name, email, active and groups, all or nothing. Needs everything the operator holds
/// (rule 2), and every group joined or left is checked like a membership change. What changed
/// is journalled; deactivation signs the operator out everywhere and stops their keys at once
/// (both are checked on every request).
pub fn update(
    conn: &mut DbConn,
    ctx: &Ctx,
    account_id: i32,
    id: i32,
    edit: &OperatorEdit,
) -> ChangeResult<()> {
    write(conn, |conn| {
        let before = operators::find_in_account(conn, account_id, id)?;
        let theirs = groups::grants_for(conn, id)?;
        let mine = actor_grants(conn, ctx)?;
        allow(authority::manage_operator(&mine, &theirs))?;
        if before.active && !edit.active {
            if ctx.acting_as == Some(OwnerRef::Operator(id)) {
                return Err(ChangeError::Refused("operators.not_yourself"));
            }
            keep_an_administrator(conn, account_id, id)?;
        }
        if edit.email != before.email && operators::find_by_email(conn, edit.email)?.is_some() {
            return Err(ChangeError::Refused("operators.email_taken"));
        }
        use schema::operators as o;
        let epoch = if edit.active {
            before.session_epoch
        } else {
            before.session_epoch + 1
        };
        diesel::update(o::table.find(before.id))
            .set((
                o::name.eq(edit.name),
                o::email.eq(edit.email),
                o::active.eq(edit.active),
                o::session_epoch.eq(epoch),
            ))
            .execute(conn)?;
        let after = operators::find(conn, before.id)?;
        let mut changes = Vec::new();
        if edit.name != before.name {
            changes.push(change("name", &before.name, edit.name));
        }
        if edit.email != before.email {
            changes.push(change("email", &before.email, edit.email));
            // A link sent to the old address must not work for the new owner of the account,
            // and the old address hears of it: a change of email is how an account is taken.
            tokens::revoke_all(conn, id, ctx.at)?;
            let vars = [
                ("actor", ctx.actor.name.as_str()),
                ("old", before.email.as_str()),
                ("new", edit.email),
            ];
            mail::queue(
                conn,
                &Letter {
                    to: &before.email,
                    name: &before.name,
                    lang: Lang::from_code(&before.language).unwrap_or_default(),
                    subject: "mail.email_changed_subject",
                    paragraphs: &["mail.email_changed", "mail.if_not_you"],
                    vars: &vars,
                    link: None,
                },
                ctx.at,
            )?;
        }
        if !changes.is_empty() {
            journal(conn, ctx, Action::OperatorUpdated, &after, &changes)?;
        }
        if edit.active != before.active {
            let action = if edit.active {
                Action::OperatorActivated
            } else {
                Action::OperatorDeactivated
            };
            journal(
                conn,
                ctx,
                action,
                &after,
                &[change("active", before.active, edit.active)],
            )?;
        }
        let current: Vec<i32> = groups::of_operator(conn, id)?
            .iter()
            .map(|g| g.id)
            .collect();
        for summary in groups::list(conn, account_id)? {
            let group = summary.group;
            let (has, wants) = (current.contains(&group.id), edit.groups.contains(&group.id));
            if has != wants {
                group_changes::membership(conn, ctx, &group, &after, wants)?;
            }
        }
        Ok(())
    })
}

/// The acting operator's own choice of notices by mail (My profile): nobody sets another's.
pub fn set_notices(conn: &mut DbConn, ctx: &Ctx, muted: &[Notice]) -> ChangeResult<()> {
    let Some(OwnerRef::Operator(id)) = ctx.acting_as else {
        return Err(ChangeError::Gone);
    };
    write(conn, |conn| {
        actor_grants(conn, ctx)?;
        let before = operators::find(conn, id)?;
        let (old, new) = (before.muted_notices.clone(), notices::stored(muted));
        if old == new {
            return Ok(());
        }
        use schema::operators as o;
        diesel::update(o::table.find(id))
            .set(o::muted_notices.eq(&new))
            .execute(conn)?;
        journal(
            conn,
            ctx,
            Action::OperatorUpdated,
            &before,
            &[change("muted_notices", &old, &new)],
        )
    })
}

/// Sets a password (change, reset or invitation), signs the operator out of every other
/// session, and ends every link of theirs still open. Returns the new session epoch.
pub fn set_password(
    conn: &mut DbConn,
    ctx: &Ctx,
    operator: &Operator,
    hash: &str,
    action: Action,
) -> ChangeResult<i32> {
    write(conn, |conn| {
        use schema::operators as o;
        let epoch = operator.session_epoch + 1;
        diesel::update(o::table.find(operator.id))
            .set((o::password_hash.eq(hash), o::session_epoch.eq(epoch)))
            .execute(conn)?;
        tokens::revoke_all(conn, operator.id, ctx.at)?;
        journal(conn, ctx, action, operator, &[])?;
        // The operator hears of it, whoever did it (a reset by someone who took the mailbox).
        if action != Action::OperatorPasswordSet {
            let vars = [("email", operator.email.as_str())];
            mail::queue(
                conn,
                &Letter {
                    to: &operator.email,
                    name: &operator.name,
                    lang: Lang::from_code(&operator.language).unwrap_or_default(),
                    subject: "mail.password_changed_subject",
                    paragraphs: &["mail.password_changed", "mail.if_not_you"],
                    vars: &vars,
                    link: None,
                },
                ctx.at,
            )?;
        }
        Ok(epoch)
    })
}

/// Sets a password through a single-use link: only the first use of a valid token does
/// (even when two requests race), and every other link of the operator ends with it.
/// `None` when the token is not (or no longer) valid.
pub fn set_password_by_link(
    conn: &mut DbConn,
    ctx: &Ctx,
    token: &str,
    hash: &str,
) -> ChangeResult<Option<Operator>> {
    write(conn, |conn| {
        let Some((operator_id, purpose)) = tokens::valid(conn, token, ctx.at)? else {
            return Ok(None);
        };
        if !tokens::consume(conn, token, ctx.at)? {
            return Ok(None);
        }
        let op = operators::find(conn, operator_id)?;
        let cx = Ctx {
            actor: Actor {
                kind: audit::ActorKind::Operator,
                id: Some(op.id),
                name: op.name.clone(),
                account_id: Some(op.account_id),
                ..ctx.actor.clone()
            },
            ..ctx.clone()
        };
        let action = if purpose == tokens::INVITE {
            Action::OperatorPasswordSet
        } else {
            Action::OperatorPasswordReset
        };
        set_password(conn, &cx, &op, hash, action)?;
        Ok(Some(op))
    })
}

/// Moves every key of `op` to another owner (or refuses when there are keys and none is
/// named), then deletes the operator. Needs everything `op` holds, and handing keys to an
/// operator needs everything that operator holds too: the keys get their new owner's
/// privileges.
pub fn delete(
    conn: &mut DbConn,
    ctx: &Ctx,
    account_id: i32,
    id: i32,
    hand_to: Option<OwnerRef>,
) -> ChangeResult<()> {
    write(conn, |conn| {
        let op = operators::find_in_account(conn, account_id, id)?;
        let theirs = groups::grants_for(conn, id)?;
        let mine = actor_grants(conn, ctx)?;
        allow(authority::manage_operator(&mine, &theirs))?;
        if ctx.acting_as == Some(OwnerRef::Operator(id)) {
            return Err(ChangeError::Refused("operators.not_yourself"));
        }
        keep_an_administrator(conn, account_id, id)?;
        let keys = creds::list_for_owner(conn, OwnerRef::Operator(op.id))?;
        match hand_to {
            None if !keys.is_empty() => return Err(ChangeError::Refused("operators.has_keys")),
            None => {}
            Some(to) if to == OwnerRef::Operator(op.id) => {
                return Err(ChangeError::Refused("operators.handover_self"));
            }
            Some(to) => {
                let owner = creds::find_owner(conn, op.account_id, to)?;
                allow(match to {
                    OwnerRef::Operator(receiver) => {
                        let receiver = groups::grants_for(conn, receiver)?;
                        authority::manage_keys(&mine, KeyOwner::Operator(&receiver))
                    }
                    OwnerRef::Machine(_) => authority::manage_keys(&mine, KeyOwner::Machine),
                })?;
                use schema::credentials as c;
                let (operator_id, machine_id) = match to {
                    OwnerRef::Operator(id) => (Some(id), None),
                    OwnerRef::Machine(id) => (None, Some(id)),
                };
                for key in &keys {
                    diesel::update(c::table.find(key.id))
                        .set((c::operator_id.eq(operator_id), c::machine_id.eq(machine_id)))
                        .execute(conn)?;
                    let changes = [change(
                        "owner",
                        format!("operator:{}", op.id),
                        format!("{}:{}", owner.kind, owner.id),
                    )];
                    super::journal(
                        conn,
                        ctx,
                        Action::CredentialHandedOver,
                        &super::credential_target(key),
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
        journal(conn, ctx, Action::OperatorDeleted, &op, &[])?;
        Ok(())
    })
}

/// Queues the mail of a single-use link (its token stored as a hash), journalling a reset.
fn send_link(conn: &mut DbConn, ctx: &Ctx, op: &Operator, link: &Link) -> ChangeResult<()> {
    tokens::create(
        conn,
        op.id,
        link.purpose,
        link.token,
        ctx.at + link.valid_for,
    )?;
    let lang = Lang::from_code(&op.language).unwrap_or_default();
    let (subject, body) = if link.purpose == tokens::INVITE {
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
        link: Some(link.url),
    };
    mail::queue(conn, &letter, ctx.at)?;
    if link.purpose == tokens::RESET {
        journal(conn, ctx, Action::OperatorPasswordResetRequested, op, &[])?;
    }
    Ok(())
}

/// A forgotten password: a reset link for the active operator with this email, if any (the
/// caller answers the same either way).
pub fn request_reset(conn: &mut DbConn, ctx: &Ctx, email: &str, link: Link) -> ChangeResult<()> {
    write(conn, |conn| {
        let Some(op) = operators::find_by_email(conn, email)?.filter(|o| o.active) else {
            return Ok(());
        };
        let cx = Ctx {
            actor: Actor {
                account_id: Some(op.account_id),
                ..ctx.actor.clone()
            },
            ..ctx.clone()
        };
        send_link(conn, &cx, &op, &link)
    })
}

/// A sign-in attempt, for the journal.
pub fn sign_in(
    conn: &mut DbConn,
    actor: &Actor,
    at: NaiveDateTime,
    operator: Option<&Operator>,
    email: &str,
) -> ChangeResult<()> {
    let (action, target) = match operator {
        Some(op) => (Action::SigninSucceeded, operator_target(op)),
        None => (
            Action::SigninFailed,
            Target {
                kind: "operator",
                id: String::new(),
                name: email.to_owned(),
                owner: None,
                account: None,
            },
        ),
    };
    audit::record(conn, actor, at, action, &target, &[])?;
    Ok(())
}
