//! Credentials: created (API, self-service, machines, `/register`), edited, deleted, the
//! staged Save of the API management tab, and expiry reminders.

use chrono::NaiveDateTime;

use super::{ChangeError, ChangeResult, Ctx, credential_target, may_manage_keys, write};
use crate::db::audit::{self, Action, Actor, Change, change};
use crate::db::credentials::{
    self as creds, Credential, CredentialChange, NewCredentialInput, OwnerRef, SaveOutcome,
};
use crate::db::operators::{self, Operator};
use crate::db::{DbConn, groups};
use crate::domain::authority::{self, Denied, Requirement, Why};
use crate::domain::draft::Draft;
use crate::domain::notices::{self, Notice};
use crate::domain::permissions::Permission;
use crate::domain::rate::RateLimit;
use crate::domain::scopes;
use crate::i18n::Lang;
use crate::mail::{self, Letter};

/// What happened to a credential, for the owner's mail.
#[derive(Clone, Copy)]
pub enum CredentialMail {
    Created,
    Deleted,
    Deactivated,
    Registered,
    /// A new secret for the key (the old one perhaps still accepted for a while).
    Rolled,
    /// A roll's grace window ended while the old secret was still being presented.
    WindowEndedInUse,
    /// A reminder: the key expires within `EXPIRY_REMINDER_DAYS`.
    Expiring,
    /// Used from a network it was never used from (`auth::key_sources::NewNetwork`).
    NewNetwork,
    /// A roll's window was extended: the old secret works longer.
    WindowExtended,
    /// Unused for the account's dormancy days: deactivated in a week unless used.
    Dormant,
    /// Deactivated for being unused (a week after `Dormant`).
    DormantDeactivated,
    /// A canary key was presented.
    CanaryUsed,
    /// Reported as leaked: deactivated, or deleted (an account setting), or its old secret
    /// retired.
    LeakReported,
    LeakReportedDeleted,
    LeakReportedPrevious,
}

impl CredentialMail {
    /// The choice in My profile that can turn it off; `None` for a security notice, always
    /// sent. Every notice about a machine's keys is one choice.
    fn notice(self, owner: OwnerRef) -> Option<Notice> {
        // A leak or a canary's use is told whoever owns the key, whatever they muted.
        if matches!(
            self,
            CredentialMail::LeakReported
                | CredentialMail::LeakReportedDeleted
                | CredentialMail::LeakReportedPrevious
                | CredentialMail::CanaryUsed
        ) {
            return None;
        }
        if matches!(owner, OwnerRef::Machine(_)) {
            return Some(Notice::MachineKeys);
        }
        match self {
            CredentialMail::Created => Some(Notice::KeyCreated),
            CredentialMail::Deleted => Some(Notice::KeyDeleted),
            CredentialMail::Deactivated => Some(Notice::KeyDeactivated),
            CredentialMail::Expiring => Some(Notice::KeyExpiring),
            CredentialMail::NewNetwork => Some(Notice::KeyNewNetwork),
            // Nobody's doing, and about to stop a key: always sent.
            CredentialMail::Dormant | CredentialMail::DormantDeactivated => None,
            // A leak is a security matter: always told.
            CredentialMail::LeakReported
            | CredentialMail::LeakReportedDeleted
            | CredentialMail::LeakReportedPrevious
            | CredentialMail::CanaryUsed => None,
            // An old secret kept alive longer is a security matter: always told.
            CredentialMail::WindowExtended => None,
            // Whoever holds a key's new secret holds the key: its owner always hears of it.
            CredentialMail::Registered
            | CredentialMail::Rolled
            | CredentialMail::WindowEndedInUse => None,
        }
    }

    fn subject(self) -> &'static str {
        match self {
            CredentialMail::Created => "mail.credential_created_subject",
            CredentialMail::Deleted => "mail.credential_deleted_subject",
            CredentialMail::Deactivated => "mail.credential_deactivated_subject",
            CredentialMail::Registered => "mail.credential_registered_subject",
            CredentialMail::Rolled => "mail.credential_rolled_subject",
            CredentialMail::WindowEndedInUse => "mail.credential_window_ended_subject",
            CredentialMail::Expiring => "mail.credential_expiring_subject",
            CredentialMail::NewNetwork => "mail.credential_new_network_subject",
            CredentialMail::Dormant => "mail.credential_dormant_subject",
            CredentialMail::WindowExtended => "mail.credential_window_extended_subject",
            CredentialMail::DormantDeactivated => "mail.credential_dormant_deactivated_subject",
            CredentialMail::LeakReported
            | CredentialMail::LeakReportedDeleted
            | CredentialMail::LeakReportedPrevious => "mail.credential_leak_reported_subject",
            CredentialMail::CanaryUsed => "mail.credential_canary_subject",
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
            CredentialMail::Rolled => &["mail.credential_rolled", "mail.if_not_you"],
            CredentialMail::WindowEndedInUse => &["mail.credential_window_ended"],
            CredentialMail::NewNetwork => &["mail.credential_new_network", "mail.if_not_you"],
            CredentialMail::Dormant => &["mail.credential_dormant"],
            CredentialMail::WindowExtended => {
                &["mail.credential_window_extended", "mail.if_not_you"]
            }
            CredentialMail::DormantDeactivated => &["mail.credential_dormant_deactivated"],
            CredentialMail::LeakReported => &["mail.credential_leak_reported"],
            CredentialMail::LeakReportedDeleted => &["mail.credential_leak_reported_deleted"],
            CredentialMail::CanaryUsed => &["mail.credential_canary"],
            CredentialMail::LeakReportedPrevious => &["mail.credential_leak_reported_previous"],
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
) -> ChangeResult<Vec<Operator>> {
    use diesel::OptionalExtension;
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

pub(super) fn tell_owner_of(
    conn: &mut DbConn,
    ctx: &Ctx,
    c: &Credential,
    what: CredentialMail,
) -> ChangeResult<()> {
    let address = c.previous_last_used_ip.clone().unwrap_or_default();
    tell_owner_about(conn, ctx, c, what, &[("address", &address)])
}

/// `tell_owner_of`, with more of the mail's variables (`address`, `agent`, `until`).
fn tell_owner_about(
    conn: &mut DbConn,
    ctx: &Ctx,
    c: &Credential,
    what: CredentialMail,
    more: &[(&'static str, &str)],
) -> ChangeResult<()> {
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
    // A change to a person's key made by someone else is a security notice too: nobody
    // plants or stops a key in a colleague's name unheard. (A reminder is nobody's doing.)
    let by_someone_else = matches!(owner, OwnerRef::Operator(_))
        && ctx.acting_as != Some(owner)
        && !matches!(
            what,
            CredentialMail::Expiring
                | CredentialMail::WindowEndedInUse
                | CredentialMail::NewNetwork
                | CredentialMail::Dormant
                | CredentialMail::DormantDeactivated
                | CredentialMail::LeakReported
                | CredentialMail::LeakReportedDeleted
                | CredentialMail::LeakReportedPrevious
                | CredentialMail::CanaryUsed
        );
    let choice = what.notice(owner).filter(|_| !by_someone_else);
    // A leaked machine key is told to those who manage machines, whatever the mail policy.
    let machine_key_mail = super::account::machine_key_mail(conn, c.account_id)?;
    let machines_too = machine_key_mail.unwrap_or(ctx.mail.machine_keys)
        || matches!(
            what,
            CredentialMail::LeakReported
                | CredentialMail::LeakReportedDeleted
                | CredentialMail::LeakReportedPrevious
                | CredentialMail::CanaryUsed
        );
    for op in recipients(conn, c.account_id, owner, machines_too)?
        .into_iter()
        .filter(|op| choice.is_none_or(|n| !notices::muted(&op.muted_notices).contains(&n)))
    {
        let lang = Lang::from_code(&op.language).unwrap_or_default();
        let vars = [
            ("label", c.label.as_str()),
            ("id", c.public_id.as_str()),
            ("owner", owner_name.as_str()),
            ("actor", ctx.actor.name.as_str()),
            ("expires", expires.as_str()),
        ]
        .into_iter()
        .chain(more.iter().copied())
        .collect::<Vec<_>>();
        let letter = Letter {
            to: &op.email,
            name: &op.name,
            lang,
            subject: what.subject(),
            paragraphs: what.paragraphs(),
            vars: &vars,
            link: None,
        };
        mail::queue_notice(conn, &letter, ctx.mail.digest, ctx.at)?;
    }
    Ok(())
}

fn journal(
    conn: &mut DbConn,
    ctx: &Ctx,
    action: Action,
    c: &Credential,
    changes: &[audit::Change],
) -> ChangeResult<()> {
    super::journal(conn, ctx, action, &credential_target(c), changes)
}

/// Journals each use of a key from a network new to it and mails its owner — at most once
/// per key per hour, even with several processes (only the one that marks the key sends).
/// A key deleted meanwhile, or whose notice is off, is skipped. Returns how many owners were mailed.
pub fn notice_new_networks(
    conn: &mut DbConn,
    now: NaiveDateTime,
    mail: super::MailPolicy,
    found: &[crate::auth::key_sources::NewNetwork],
) -> ChangeResult<usize> {
    use diesel::OptionalExtension;
    let ctx = Ctx::system(Actor::system(), now, mail);
    let mut mailed = 0;
    for n in found {
        write(conn, |conn| {
            // Gone meanwhile, or its notice turned off (by default for machines' keys).
            let Some(key) = creds::find_by_id(conn, n.credential_id)
                .optional()?
                .filter(|k| k.notify_new_network)
            else {
                return Ok(());
            };
            journal(
                conn,
                &ctx,
                Action::CredentialNewNetwork,
                &key,
                &[
                    change("address", "", &n.address),
                    change("user_agent", "", &n.user_agent),
                ],
            )?;
            if creds::mark_use_noticed(conn, key.id, now, chrono::Duration::hours(1))? {
                let more = [
                    ("address", n.address.as_str()),
                    ("agent", or_dash(&n.user_agent)),
                ];
                tell_owner_about(conn, &ctx, &key, CredentialMail::NewNetwork, &more)?;
                mailed += 1;
            }
            Ok(())
        })?;
    }
    Ok(mailed)
}

/// A user agent for a mail: `-` when the client sent none.
fn or_dash(user_agent: &str) -> &str {
    if user_agent.is_empty() {
        "-"
    } else {
        user_agent
    }
}

/// How often the owner of a canary key is mailed at most: every use is journalled, but a
/// flood of them is one mail per this time.
pub const CANARY_MAIL_EVERY_MINUTES: i64 = 10;

/// Uses of a canary key (`auth::Verifier::take_canary_uses`): journalled with the last
/// address, user agent and how many; its owner mailed at once, then at most every
/// `CANARY_MAIL_EVERY_MINUTES` (the mark is on the key's row: one process of several
/// sends). A key deleted meanwhile is skipped.
pub fn canary_used(
    conn: &mut DbConn,
    mail: super::MailPolicy,
    seen: &crate::auth::verify::CanaryUse,
) -> ChangeResult<()> {
    use diesel::OptionalExtension;
    let now = seen.at;
    let mut actor = Actor::system();
    actor.ip = Some(seen.address.clone());
    let ctx = Ctx::system(actor, now, mail);
    write(conn, |conn| {
        let Some(key) = creds::find_by_id(conn, seen.credential_id).optional()? else {
            return Ok(());
        };
        journal(
            conn,
            &ctx,
            Action::CredentialCanaryUsed,
            &key,
            &[
                change("address", "", &seen.address),
                change("user_agent", "", &seen.user_agent),
                change("uses", "", seen.uses),
            ],
        )?;
        let every = chrono::Duration::minutes(CANARY_MAIL_EVERY_MINUTES);
        if creds::mark_use_noticed(conn, key.id, now, every)? {
            let more = [
                ("address", seen.address.as_str()),
                ("agent", or_dash(&seen.user_agent)),
            ];
            tell_owner_about(conn, &ctx, &key, CredentialMail::CanaryUsed, &more)?;
        }
        Ok(())
    })
}

/// A token reported as leaked (`/api/v1/leaks/report`, checked by `auth::Verifier::leaked`):
/// a key's current secret deactivates the key (a reactivation by its owner restores it: roll
/// it first); the old secret of a roll ends the window, the new one keeps working. Either
/// way journalled (where it was found, who reported it) and mailed to the owner. A key
/// deleted or changed meanwhile is left alone: the report named a secret that works no more.
pub fn leak_reported(
    conn: &mut DbConn,
    now: NaiveDateTime,
    mail: super::MailPolicy,
    leak: &crate::auth::verify::Leak,
    found_at: &str,
    reported_from: &str,
) -> ChangeResult<()> {
    let (credential_id, which, matched_hash) = (leak.credential_id, leak.which, &leak.hash);
    use crate::auth::verify::LeakedSecret;
    use diesel::OptionalExtension;
    let mut actor = Actor::system();
    actor.ip = Some(reported_from.to_owned());
    let ctx = Ctx::system(actor, now, mail);
    write(conn, |conn| {
        let Some(owner) = creds::find_by_id(conn, credential_id)
            .optional()?
            .and_then(|k| k.owner_ref())
        else {
            return Ok(());
        };
        // The owner's row, then the key's (the lock order of every change of keys); read as
        // it is under the lock: two reports at once deactivate (and mail) once.
        creds::bump(conn, owner)?;
        creds::lock(conn, credential_id)?;
        let key = creds::find_by_id(conn, credential_id)?;
        // Rolled between the check and the lock: the reported secret is not the one it
        // names any more (a report of the old one must not stop the new one).
        let still = match which {
            LeakedSecret::Current => &key.secret_hash == matched_hash,
            LeakedSecret::Previous => key.previous_secret_hash.as_ref() == Some(matched_hash),
        };
        if !still {
            return Ok(());
        }
        let mut changes = vec![
            change("found_at", "", found_at),
            change(
                "secret",
                "",
                match which {
                    LeakedSecret::Current => "current",
                    LeakedSecret::Previous => "previous",
                },
            ),
        ];
        // Journalled in the key's account (it may be gone by then), so webhooks hear of it.
        let ctx = Ctx {
            actor: Actor {
                account_id: Some(key.account_id),
                ..ctx.actor.clone()
            },
            ..ctx.clone()
        };
        let what = match which {
            LeakedSecret::Current if super::account::delete_leaked(conn, key.account_id)? => {
                creds::delete(conn, owner, &key.public_id)?;
                changes.push(change("deleted", false, true));
                CredentialMail::LeakReportedDeleted
            }
            LeakedSecret::Current if key.active => {
                let edit = CredentialChange {
                    active: Some(false),
                    ..Default::default()
                };
                creds::update(conn, owner, &key.public_id, edit, now)?;
                changes.push(change("active", true, false));
                CredentialMail::LeakReported
            }
            LeakedSecret::Previous if key.previous_hash(now).is_some() => {
                creds::retire_previous(conn, key.id)?;
                changes.push(change(
                    "previous_valid_until",
                    journal_expiry(key.previous_until),
                    "",
                ));
                CredentialMail::LeakReportedPrevious
            }
            // Deactivated or retired meanwhile (another report, its owner).
            _ => return Ok(()),
        };
        // As it is now; a deleted key as it was.
        let after = creds::find_by_id(conn, key.id).optional()?.unwrap_or(key);
        journal(conn, &ctx, Action::CredentialLeakReported, &after, &changes)?;
        if matches!(what, CredentialMail::LeakReportedDeleted) {
            journal(conn, &ctx, Action::CredentialDeleted, &after, &[])?;
        }
        let found = if found_at.is_empty() { "-" } else { found_at };
        let more = [("found_at", found), ("address", reported_from)];
        tell_owner_about(conn, &ctx, &after, what, &more)
    })
}

/// How long after the dormancy notice an unused key is deactivated.
pub const DORMANT_GRACE_DAYS: i64 = 7;

/// Dormant keys (an account setting): keys unused for the account's number of days are
/// noticed to their owner (mail, journal, a flag in the lists), and deactivated
/// `DORMANT_GRACE_DAYS` later unless used meanwhile — deactivated, not deleted, so a
/// reactivation restores the same key. A use, or a person's (de)activation, clears the
/// notice. Each key is marked by one conditional update, so one process of several acts.
/// Returns (noticed, deactivated).
pub fn sweep_dormant(
    conn: &mut DbConn,
    now: NaiveDateTime,
    mail: super::MailPolicy,
) -> ChangeResult<(usize, usize)> {
    let ctx = Ctx::system(Actor::system(), now, mail);
    creds::clear_dormant_used(conn)?;
    let (mut noticed, mut deactivated) = (0, 0);
    let due = now - chrono::Duration::days(DORMANT_GRACE_DAYS);
    for (account_id, days) in super::account::with_dormancy(conn)? {
        deactivated += deactivate_dormant(conn, &ctx, account_id, due)?;
        let cutoff = now - chrono::Duration::days(i64::from(days));
        for key in creds::dormant_unnoticed(conn, account_id, cutoff, now, 100)? {
            write(conn, |conn| {
                if creds::mark_dormant_noticed(conn, &key, cutoff, now)? {
                    let until = now + chrono::Duration::days(DORMANT_GRACE_DAYS);
                    journal(
                        conn,
                        &ctx,
                        Action::CredentialDormantNoticed,
                        &key,
                        &[change("deactivated_on", "", journal_expiry(Some(until)))],
                    )?;
                    tell_owner_about(conn, &ctx, &key, CredentialMail::Dormant, &[])?;
                    noticed += 1;
                }
                Ok(())
            })?;
        }
    }
    Ok((noticed, deactivated))
}

/// Deactivates the account's keys noticed as unused at or before `due` and unused since.
fn deactivate_dormant(
    conn: &mut DbConn,
    ctx: &Ctx,
    account_id: i32,
    due: NaiveDateTime,
) -> ChangeResult<usize> {
    let mut deactivated = 0;
    for key in creds::dormant_due(conn, account_id, due, 100)? {
        write(conn, |conn| {
            // Drafts on the API management tab see the key's new status as a change (the
            // owner's row first: the lock order of every change of keys).
            if let Some(owner) = key.owner_ref() {
                creds::bump(conn, owner)?;
            }
            if creds::deactivate_dormant(conn, key.id)? {
                journal(
                    conn,
                    ctx,
                    Action::CredentialDormantDeactivated,
                    &key,
                    &[change("active", true, false)],
                )?;
                tell_owner_about(conn, ctx, &key, CredentialMail::DormantDeactivated, &[])?;
                deactivated += 1;
            }
            Ok(())
        })?;
    }
    Ok(deactivated)
}

/// How long before its expiry the owner of a key is told.
pub const EXPIRY_REMINDER_DAYS: i64 = 7;

/// Tells the owners of keys that expire within `EXPIRY_REMINDER_DAYS`: once per key and
/// expiry, even with several processes (only the one that marks the key sends the mail).
/// Returns how many keys were reminded.
pub fn remind_expiring(
    conn: &mut DbConn,
    now: NaiveDateTime,
    mail: super::MailPolicy,
) -> ChangeResult<usize> {
    let until = now + chrono::Duration::days(EXPIRY_REMINDER_DAYS);
    let ctx = Ctx::system(Actor::system(), now, mail);
    let mut reminded = 0;
    for key in creds::due_for_reminder(conn, now, until, 100)? {
        write(conn, |conn| {
            if creds::mark_reminded(conn, key.id)? {
                let details = [change("expires_at", "", journal_expiry(key.expires_at))];
                journal(conn, &ctx, Action::CredentialExpiring, &key, &details)?;
                tell_owner_of(conn, &ctx, &key, CredentialMail::Expiring)?;
                reminded += 1;
            }
            Ok(())
        })?;
    }
    Ok(reminded)
}

/// Journals the keys whose expiry has come (once per expiry, whichever process gets there
/// first), so webhooks hear of it (`credential.expired`). Returns how many.
pub fn notice_expired(
    conn: &mut DbConn,
    now: NaiveDateTime,
    mail: super::MailPolicy,
) -> ChangeResult<usize> {
    let ctx = Ctx::system(Actor::system(), now, mail);
    let mut noticed = 0;
    for key in creds::expired_unnoticed(conn, now, 100)? {
        let Some(expires_at) = key.expires_at else {
            continue;
        };
        write(conn, |conn| {
            if creds::mark_expired_noticed(conn, key.id, expires_at)? {
                let details = [change("expires_at", "", journal_expiry(key.expires_at))];
                journal(conn, &ctx, Action::CredentialExpired, &key, &details)?;
                noticed += 1;
            }
            Ok(())
        })?;
    }
    Ok(noticed)
}

/// Closes the grace windows of rolled keys that have ended: the old secret leaves the row,
/// the journal says whether it was still in use, and if it was, the owner is told from
/// where — once per window, whichever process gets there first. Returns how many closed.
pub fn close_ended_windows(
    conn: &mut DbConn,
    now: NaiveDateTime,
    mail: super::MailPolicy,
) -> ChangeResult<usize> {
    let ctx = Ctx::system(Actor::system(), now, mail);
    let mut closed = 0;
    for key in creds::ended_windows(conn, now, 100)? {
        write(conn, |conn| {
            if !creds::close_window(conn, key.id, now)? {
                return Ok(());
            }
            let last = match (key.previous_last_used_at, &key.previous_last_used_ip) {
                (Some(at), Some(ip)) => format!("{} {ip}", at.and_utc().to_rfc3339()),
                _ => String::new(),
            };
            journal(
                conn,
                &ctx,
                Action::CredentialRollWindowEnded,
                &key,
                &[change("previous_last_used", "", &last)],
            )?;
            if key.previous_last_used_at.is_some() {
                tell_owner_of(conn, &ctx, &key, CredentialMail::WindowEndedInUse)?;
            }
            closed += 1;
            Ok(())
        })?;
    }
    Ok(closed)
}

/// May the actor manage `owner`'s keys? (`domain::authority::manage_keys`.)
pub fn may_manage(conn: &mut DbConn, ctx: &Ctx, owner: OwnerRef) -> ChangeResult<()> {
    may_manage_keys(conn, ctx, owner)
}

/// May the actor see `owner`'s keys (never their secrets)? A machine's, with *Machines /
/// Read*, as its console page; a person's, as for managing them.
pub fn may_read(conn: &mut DbConn, ctx: &Ctx, owner: OwnerRef) -> ChangeResult<()> {
    match owner {
        OwnerRef::Machine(_) => super::require(conn, ctx, Permission::MachinesRead),
        OwnerRef::Operator(_) => may_manage_keys(conn, ctx, owner),
    }
}

/// A credential that works at once (API, self-service, machines, `/register`).
pub fn create(
    conn: &mut DbConn,
    ctx: &Ctx,
    input: &NewCredentialInput,
    registered: bool,
) -> ChangeResult<Credential> {
    write(conn, |conn| {
        // The owner must be of the account (else "not found"), and the actor allowed.
        creds::find_owner(conn, input.account_id, input.owner)?;
        may_manage_keys(conn, ctx, input.owner)?;
        may_give_scopes(conn, ctx, input.account_id, "", input.scopes)?;
        let c = creds::create(conn, input, ctx.at)?;
        let (action, what) = if registered {
            (Action::CredentialRegistered, CredentialMail::Registered)
        } else {
            (Action::CredentialCreated, CredentialMail::Created)
        };
        journal(conn, ctx, action, &c, &creation_details(&c))?;
        tell_owner_of(conn, ctx, &c, what)?;
        Ok(c)
    })
}

/// An expiry as the journal writes it: RFC 3339, empty for none.
fn journal_expiry(at: Option<NaiveDateTime>) -> String {
    at.map(|t| t.and_utc().to_rfc3339()).unwrap_or_default()
}

/// May the actor give a key the scopes of `asked` it does not carry yet (`before`)? Taking
/// scopes away is always allowed. Rule 1 for scopes: Keyward's own need the permission behind
/// them (`Keyward::needs`); a catalog scope must be in the account's catalog, and one that is
/// not open needs *Settings / Write*.
pub(super) fn may_give_scopes(
    conn: &mut DbConn,
    ctx: &Ctx,
    account_id: i32,
    before: &str,
    asked: &str,
) -> ChangeResult<()> {
    let added: Vec<&str> = scopes::names(asked)
        .filter(|name| !scopes::has(before, name))
        .collect();
    if added.is_empty() {
        return Ok(());
    }
    let grants = super::actor_grants(conn, ctx)?;
    let beyond = |p| Denied {
        missing: Requirement::Permission(p),
        why: Why::GrantBeyondOwn,
    };
    for name in added {
        match scopes::Keyward::parse(name) {
            Some(k) => {
                if let Some(r) = k.needs().filter(|r| !authority::holds(&grants, *r)) {
                    return Err(Denied {
                        missing: r,
                        why: Why::GrantBeyondOwn,
                    }
                    .into());
                }
            }
            None => match crate::db::scopes::find_named_held(conn, account_id, name)? {
                None => return Err(ChangeError::Refused("scope.unknown")),
                Some(s) if !s.open && !grants.allows(Permission::SettingsWrite) => {
                    return Err(beyond(Permission::SettingsWrite).into());
                }
                Some(_) => {}
            },
        }
    }
    Ok(())
}

/// What the journal keeps about a new credential beyond its target: its expiry and scopes,
/// if any.
pub(super) fn creation_details(c: &Credential) -> Vec<Change> {
    let mut details = Vec::new();
    if c.expires_at.is_some() {
        details.push(change("expires_at", "", journal_expiry(c.expires_at)));
    }
    if !c.scopes.is_empty() {
        details.push(change("scopes", "", &c.scopes));
    }
    if let Some(l) = RateLimit::stored(c.rate_limit, c.rate_window) {
        details.push(change(
            "rate_limit",
            "",
            format!("{}/{}", l.requests, l.per.code()),
        ));
    }
    details
}

fn edit_rows(before: &Credential, edit: CredentialChange) -> Vec<(Action, Vec<Change>)> {
    let mut rows = Vec::new();
    if let Some(l) = edit.label.filter(|l| *l != before.label) {
        rows.push((
            Action::CredentialRenamed,
            vec![change("label", &before.label, l)],
        ));
    }
    match edit.active {
        Some(true) if !before.active => rows.push((
            Action::CredentialActivated,
            vec![change("active", false, true)],
        )),
        Some(false) if before.active => rows.push((
            Action::CredentialDeactivated,
            vec![change("active", true, false)],
        )),
        _ => {}
    }
    let limit_before = RateLimit::stored(before.rate_limit, before.rate_window);
    if let Some(limit) = edit.rate_limit.filter(|l| *l != limit_before) {
        let text = |l: Option<RateLimit>| {
            l.map(|l| format!("{}/{}", l.requests, l.per.code()))
                .unwrap_or_default()
        };
        rows.push((
            Action::CredentialRateLimitChanged,
            vec![change("rate_limit", text(limit_before), text(limit))],
        ));
    }
    if let Some(asked) = edit.scopes.filter(|s| *s != before.scopes) {
        rows.push((
            Action::CredentialScopesChanged,
            vec![change("scopes", &before.scopes, asked)],
        ));
    }
    if let Some(allowed) = edit.allowed_from.filter(|a| *a != before.allowed_from) {
        rows.push((
            Action::CredentialAllowlistChanged,
            vec![change("allowed_from", &before.allowed_from, allowed)],
        ));
    }
    if let Some(notify) = edit
        .notify_new_network
        .filter(|n| *n != before.notify_new_network)
    {
        rows.push((
            Action::CredentialNoticeChanged,
            vec![change("notify_new_network", !notify, notify)],
        ));
    }
    if let Some(expires_at) = edit.expires_at.filter(|at| *at != before.expires_at) {
        rows.push((
            Action::CredentialExpiryChanged,
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
) -> ChangeResult<()> {
    for (action, changes) in edit_rows(before, edit) {
        journal(conn, ctx, action, after, &changes)?;
        if action == Action::CredentialDeactivated {
            tell_owner_of(conn, ctx, after, CredentialMail::Deactivated)?;
        }
    }
    Ok(())
}

pub fn update(
    conn: &mut DbConn,
    ctx: &Ctx,
    owner: OwnerRef,
    public_id: &str,
    edit: CredentialChange,
) -> ChangeResult<Credential> {
    write(conn, |conn| {
        let before = creds::find_for_owner(conn, owner, public_id)?;
        may_manage_keys(conn, ctx, owner)?;
        if let Some(asked) = edit.scopes {
            may_give_scopes(conn, ctx, before.account_id, &before.scopes, asked)?;
        }
        let after = creds::update(conn, owner, public_id, edit, ctx.at)?;
        journal_edit(conn, ctx, &before, &after, edit)?;
        Ok(after)
    })
}

pub fn delete(
    conn: &mut DbConn,
    ctx: &Ctx,
    owner: OwnerRef,
    public_id: &str,
) -> ChangeResult<Credential> {
    write(conn, |conn| {
        creds::find_for_owner(conn, owner, public_id)?;
        may_manage_keys(conn, ctx, owner)?;
        let gone = creds::delete(conn, owner, public_id)?;
        journal(conn, ctx, Action::CredentialDeleted, &gone, &[])?;
        tell_owner_of(conn, ctx, &gone, CredentialMail::Deleted)?;
        Ok(gone)
    })
}

/// How long a rolled key's old secret may stay accepted, by ISO 8601 code: none, 1 hour,
/// 24 hours, 7 days — with the catalog key of its name on the key's page.
pub const GRACE_WINDOWS: [(&str, chrono::Duration, &str); 4] = [
    ("PT0S", chrono::Duration::zero(), "key.grace_none"),
    ("PT1H", chrono::Duration::hours(1), "key.grace_hour"),
    ("PT24H", chrono::Duration::hours(24), "key.grace_day"),
    ("P7D", chrono::Duration::days(7), "key.grace_week"),
];

/// A grace window by its code; `None` for any other.
pub fn grace_window(code: &str) -> Option<chrono::Duration> {
    GRACE_WINDOWS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, d, _)| *d)
}

/// Rolls a key: `new_hash` is its secret from now on; the old one stays accepted for
/// `grace` (never past the key's expiry). The same credential — id, label, owner, history.
pub fn roll(
    conn: &mut DbConn,
    ctx: &Ctx,
    owner: OwnerRef,
    public_id: &str,
    new_hash: &str,
    grace: chrono::Duration,
) -> ChangeResult<Credential> {
    write(conn, |conn| {
        let before = creds::find_for_owner(conn, owner, public_id)?;
        may_manage_keys(conn, ctx, owner)?;
        // Drafts on the API management tab based on the key's old secret see the roll.
        creds::bump(conn, owner)?;
        roll_checked(conn, ctx, owner, &before, new_hash, grace)
    })
}

/// The roll itself, once the actor may manage the owner's keys: refused while an old
/// secret is still accepted, journalled, mailed.
fn roll_checked(
    conn: &mut DbConn,
    ctx: &Ctx,
    owner: OwnerRef,
    before: &Credential,
    new_hash: &str,
    grace: chrono::Duration,
) -> ChangeResult<Credential> {
    let until = (grace > chrono::Duration::zero()).then(|| {
        let end = ctx.at + grace;
        before.expires_at.map_or(end, |expiry| end.min(expiry))
    });
    match creds::roll(conn, before.id, new_hash, until, ctx.at)? {
        Ok(()) => {}
        Err(creds::RollRefusal::WindowOpen) => {
            return Err(ChangeError::Refused("key.roll_window_open"));
        }
        Err(creds::RollRefusal::Legacy) => return Err(ChangeError::Refused("key.roll_legacy")),
    }
    let after = creds::find_for_owner(conn, owner, &before.public_id)?;
    journal(
        conn,
        ctx,
        Action::CredentialRolled,
        &after,
        &[change("previous_valid_until", "", journal_expiry(until))],
    )?;
    tell_owner_of(conn, ctx, &after, CredentialMail::Rolled)?;
    Ok(after)
}

/// Ends a roll's grace window now: the old secret is refused from the next request on.
pub fn retire_previous(
    conn: &mut DbConn,
    ctx: &Ctx,
    owner: OwnerRef,
    public_id: &str,
) -> ChangeResult<Credential> {
    write(conn, |conn| {
        let found = creds::find_for_owner(conn, owner, public_id)?;
        may_manage_keys(conn, ctx, owner)?;
        // As it is under the lock: a roll committed meanwhile is not retired unseen.
        creds::lock(conn, found.id)?;
        let before = creds::find_for_owner(conn, owner, public_id)?;
        if before.previous_hash(ctx.at).is_none() {
            return Err(ChangeError::Refused("key.nothing_to_retire"));
        }
        creds::retire_previous(conn, before.id)?;
        let after = creds::find_for_owner(conn, owner, public_id)?;
        journal(
            conn,
            ctx,
            Action::CredentialPreviousRetired,
            &after,
            &[change(
                "previous_valid_until",
                journal_expiry(before.previous_until),
                "",
            )],
        )?;
        Ok(after)
    })
}

/// Extends the open roll window of a key by `by`, once, never past the key's expiry:
/// for an owner who found a program still on the old secret as the window closes.
pub fn extend_window(
    conn: &mut DbConn,
    ctx: &Ctx,
    owner: OwnerRef,
    public_id: &str,
    by: chrono::Duration,
) -> ChangeResult<Credential> {
    write(conn, |conn| {
        let found = creds::find_for_owner(conn, owner, public_id)?;
        may_manage_keys(conn, ctx, owner)?;
        creds::lock(conn, found.id)?;
        let before = creds::find_for_owner(conn, owner, public_id)?;
        let Some(until) = before
            .previous_until
            .filter(|_| before.previous_hash(ctx.at).is_some())
        else {
            return Err(ChangeError::Refused("key.nothing_to_extend"));
        };
        if before.window_extended {
            return Err(ChangeError::Refused("key.extended_already"));
        }
        let extended = match before.expires_at {
            Some(expiry) => (until + by).min(expiry),
            None => until + by,
        };
        creds::extend_window(conn, before.id, extended)?;
        let after = creds::find_for_owner(conn, owner, public_id)?;
        journal(
            conn,
            ctx,
            Action::CredentialRollWindowExtended,
            &after,
            &[change(
                "previous_valid_until",
                journal_expiry(Some(until)),
                journal_expiry(Some(extended)),
            )],
        )?;
        let until_text = extended.format("%Y-%m-%d %H:%M UTC").to_string();
        let more = [("until", until_text.as_str())];
        tell_owner_about(conn, ctx, &after, CredentialMail::WindowExtended, &more)?;
        Ok(after)
    })
}

/// Save on the API management tab: every staged change, one audit row each.
pub fn save_draft(
    conn: &mut DbConn,
    ctx: &Ctx,
    operator: &Operator,
    draft: &Draft,
    actor_id: i32,
    rolls: &[StagedRoll],
) -> ChangeResult<SaveOutcome> {
    write(conn, |conn| {
        may_manage_keys(conn, ctx, OwnerRef::Operator(operator.id))?;
        for add in &draft.adds {
            may_give_scopes(conn, ctx, operator.account_id, "", &add.scopes)?;
        }
        let before: Vec<Credential> = creds::list_for_owner(conn, OwnerRef::Operator(operator.id))?;
        for old in &before {
            let asked = draft
                .edits
                .get(&old.public_id)
                .and_then(|e| e.scopes.as_ref());
            if let Some(asked) = asked {
                may_give_scopes(conn, ctx, operator.account_id, &old.scopes, asked)?;
            }
        }
        let outcome = creds::apply_draft(conn, operator, draft, actor_id, ctx.at)?;
        if let SaveOutcome::Conflict(_) = outcome {
            return Ok(outcome);
        }
        for old in &before {
            let Some(edit) = draft.edits.get(&old.public_id) else {
                continue;
            };
            if edit.delete {
                journal(conn, ctx, Action::CredentialDeleted, old, &[])?;
                tell_owner_of(conn, ctx, old, CredentialMail::Deleted)?;
                continue;
            }
            let after =
                creds::find_for_owner(conn, OwnerRef::Operator(operator.id), &old.public_id)?;
            let edited = CredentialChange {
                label: edit.label.as_deref(),
                active: edit.active,
                scopes: edit.scopes.as_deref(),
                ..Default::default()
            };
            journal_edit(conn, ctx, old, &after, edited)?;
        }
        // A key saved already (the same draft applied again) was journalled then.
        let new = draft
            .adds
            .iter()
            .filter(|a| !before.iter().any(|b| b.public_id == a.public_id));
        for add in new {
            let c = creds::find_for_owner(conn, OwnerRef::Operator(operator.id), &add.public_id)?;
            journal(
                conn,
                ctx,
                Action::CredentialCreated,
                &c,
                &creation_details(&c),
            )?;
            tell_owner_of(conn, ctx, &c, CredentialMail::Created)?;
        }
        // Last, so a refused roll (an old secret still accepted) undoes the whole Save.
        let owner = OwnerRef::Operator(operator.id);
        for roll in rolls {
            let grace = grace_window(&roll.grace).ok_or(ChangeError::Refused("error.bad_form"))?;
            let before = creds::find_for_owner(conn, owner, &roll.public_id)?;
            roll_checked(conn, ctx, owner, &before, &roll.new_hash, grace)?;
        }
        Ok(outcome)
    })
}

/// A roll staged on the API management tab, with the new secret's hash Save made for it.
pub struct StagedRoll {
    pub public_id: String,
    pub grace: String,
    pub new_hash: String,
}
