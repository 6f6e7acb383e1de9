//! Settings of the account as a whole. *Settings / Write*.

use diesel::prelude::*;

use super::{ChangeResult, Ctx, actor_grants, allow, write};
use crate::db::DbConn;
use crate::db::audit::{Action, Target, change};
use crate::db::schema::accounts;
use crate::domain::authority;
use crate::domain::permissions::Permission;
use crate::domain::rate::RateLimit;

/// The rate limit of every key of the account without one of its own (`None`: no limit).
pub fn default_rate_limit(conn: &mut DbConn, account_id: i32) -> QueryResult<Option<RateLimit>> {
    let (requests, window): (Option<i32>, Option<i32>) = accounts::table
        .find(account_id)
        .select((accounts::default_rate_limit, accounts::default_rate_window))
        .first(conn)?;
    Ok(RateLimit::stored(requests, window))
}

/// One journal row about the account's own settings.
fn journal(
    conn: &mut DbConn,
    ctx: &Ctx,
    account_id: i32,
    action: Action,
    changes: &[crate::db::audit::Change],
) -> ChangeResult<()> {
    let target = Target {
        kind: "account",
        id: account_id.to_string(),
        name: String::new(),
        owner: None,
        account: Some(account_id),
    };
    super::journal(conn, ctx, action, &target, changes)
}

fn text(l: Option<RateLimit>) -> String {
    l.map(|l| format!("{}/{}", l.requests, l.per.code()))
        .unwrap_or_default()
}

pub fn set_default_rate_limit(
    conn: &mut DbConn,
    ctx: &Ctx,
    account_id: i32,
    limit: Option<RateLimit>,
) -> ChangeResult<()> {
    write(conn, |conn| {
        allow(authority::requires(
            &actor_grants(conn, ctx)?,
            Permission::SettingsWrite,
        ))?;
        let before = default_rate_limit(conn, account_id)?;
        if before == limit {
            return Ok(());
        }
        let (requests, window) = RateLimit::columns(limit);
        diesel::update(accounts::table.find(account_id))
            .set((
                accounts::default_rate_limit.eq(requests),
                accounts::default_rate_window.eq(window),
            ))
            .execute(conn)?;
        let changes = [change("default_rate_limit", text(before), text(limit))];
        journal(
            conn,
            ctx,
            account_id,
            Action::AccountRateLimitChanged,
            &changes,
        )
    })
}

/// How many days unused make a key of the account dormant (`None`: off).
pub fn dormant_days(conn: &mut DbConn, account_id: i32) -> QueryResult<Option<u32>> {
    let days: Option<i32> = accounts::table
        .find(account_id)
        .select(accounts::dormant_days)
        .first(conn)?;
    Ok(days.and_then(|d| u32::try_from(d).ok()))
}

/// Most days a key may stay unused before it counts as dormant (ten years).
pub const DORMANT_DAYS_MAX: u32 = 3650;

pub fn set_dormant_days(
    conn: &mut DbConn,
    ctx: &Ctx,
    account_id: i32,
    days: Option<u32>,
) -> ChangeResult<()> {
    write(conn, |conn| {
        allow(authority::requires(
            &actor_grants(conn, ctx)?,
            Permission::SettingsWrite,
        ))?;
        let before = dormant_days(conn, account_id)?;
        if before == days {
            return Ok(());
        }
        let stored = days.and_then(|d| i32::try_from(d).ok());
        diesel::update(accounts::table.find(account_id))
            .set(accounts::dormant_days.eq(stored))
            .execute(conn)?;
        // Notices given under the old setting do not outlive it (a setting of one day for a
        // minute must not deactivate every idle key a week later).
        crate::db::credentials::clear_dormant_notices(conn, account_id)?;
        let text = |d: Option<u32>| d.map(|d| d.to_string()).unwrap_or_default();
        let changes = [change("dormant_days", text(before), text(days))];
        journal(
            conn,
            ctx,
            account_id,
            Action::AccountDormancyChanged,
            &changes,
        )
    })
}

/// A key of the account reported leaked is deleted (`true`) or deactivated (the default).
pub fn delete_leaked(conn: &mut DbConn, account_id: i32) -> QueryResult<bool> {
    accounts::table
        .find(account_id)
        .select(accounts::delete_leaked)
        .first(conn)
}

pub fn set_delete_leaked(
    conn: &mut DbConn,
    ctx: &Ctx,
    account_id: i32,
    delete: bool,
) -> ChangeResult<()> {
    write(conn, |conn| {
        super::require(conn, ctx, Permission::SettingsWrite)?;
        let before = delete_leaked(conn, account_id)?;
        if before == delete {
            return Ok(());
        }
        diesel::update(accounts::table.find(account_id))
            .set(accounts::delete_leaked.eq(delete))
            .execute(conn)?;
        let word = |d: bool| if d { "delete" } else { "deactivate" };
        let changes = [change("leaked_keys", word(before), word(delete))];
        journal(
            conn,
            ctx,
            account_id,
            Action::AccountLeakActionChanged,
            &changes,
        )
    })
}

/// The accounts that have dormant keys on, with their number of days.
pub fn with_dormancy(conn: &mut DbConn) -> QueryResult<Vec<(i32, u32)>> {
    let rows: Vec<(i32, Option<i32>)> = accounts::table
        .filter(accounts::dormant_days.is_not_null())
        .select((accounts::id, accounts::dormant_days))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, d)| Some((id, u32::try_from(d?).ok()?)))
        .collect())
}

/// Whether changes to the account's machine keys are mailed to those who manage machines:
/// the account's own choice, else the process's `KEYWARD_MAIL_MACHINE_KEY_CHANGES`.
pub fn machine_key_mail(conn: &mut DbConn, account_id: i32) -> QueryResult<Option<bool>> {
    accounts::table
        .find(account_id)
        .select(accounts::machine_key_mail)
        .first(conn)
}

/// `None`: back to the process's setting.
pub fn set_machine_key_mail(
    conn: &mut DbConn,
    ctx: &Ctx,
    account_id: i32,
    mail: Option<bool>,
) -> ChangeResult<()> {
    write(conn, |conn| {
        super::require(conn, ctx, Permission::SettingsWrite)?;
        let before = machine_key_mail(conn, account_id)?;
        if before == mail {
            return Ok(());
        }
        diesel::update(accounts::table.find(account_id))
            .set(accounts::machine_key_mail.eq(mail))
            .execute(conn)?;
        let word = |m: Option<bool>| match m {
            None => "default",
            Some(true) => "on",
            Some(false) => "off",
        };
        let changes = [change("machine_key_mail", word(before), word(mail))];
        journal(conn, ctx, account_id, Action::AccountMailChanged, &changes)
    })
}

/// How many days the account's journal is kept: its own choice, else the process's
/// `KEYWARD_AUDIT_RETENTION_DAYS` (`None` there: forever).
pub fn audit_retention_days(conn: &mut DbConn, account_id: i32) -> QueryResult<Option<u32>> {
    let days: Option<i32> = accounts::table
        .find(account_id)
        .select(accounts::audit_retention_days)
        .first(conn)?;
    Ok(days.and_then(|d| u32::try_from(d).ok()))
}

/// Fewest and most days an account may keep its journal.
pub const RETENTION_DAYS: std::ops::RangeInclusive<u32> = 7..=3650;

/// `None`: back to the process's setting.
pub fn set_audit_retention_days(
    conn: &mut DbConn,
    ctx: &Ctx,
    account_id: i32,
    days: Option<u32>,
) -> ChangeResult<()> {
    write(conn, |conn| {
        super::require(conn, ctx, Permission::SettingsWrite)?;
        let before = audit_retention_days(conn, account_id)?;
        if before == days {
            return Ok(());
        }
        let stored = days.and_then(|d| i32::try_from(d).ok());
        diesel::update(accounts::table.find(account_id))
            .set(accounts::audit_retention_days.eq(stored))
            .execute(conn)?;
        let text = |d: Option<u32>| d.map(|d| d.to_string()).unwrap_or_default();
        let changes = [change("audit_retention_days", text(before), text(days))];
        journal(
            conn,
            ctx,
            account_id,
            Action::AccountRetentionChanged,
            &changes,
        )
    })
}

/// Every account with how long its journal is kept (its own setting, else `default`);
/// those kept forever are left out.
pub fn retentions(conn: &mut DbConn, default: Option<u32>) -> QueryResult<Vec<(i32, u32)>> {
    let rows: Vec<(i32, Option<i32>)> = accounts::table
        .select((accounts::id, accounts::audit_retention_days))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, own)| {
            let days = own.and_then(|d| u32::try_from(d).ok()).or(default)?;
            Some((id, days))
        })
        .collect())
}
