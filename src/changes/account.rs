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
        let target = Target {
            kind: "account",
            id: account_id.to_string(),
            name: String::new(),
            owner: None,
        };
        let changes = [change("default_rate_limit", text(before), text(limit))];
        super::journal(
            conn,
            ctx,
            Action::AccountRateLimitChanged,
            &target,
            &changes,
        )?;
        Ok(())
    })
}
