//! The account's webhook endpoints: added, turned off and on, given a new secret, removed,
//! sent a test event or a delivery again. *Settings / Write* and *Audit / Read*. And Keyward turning off an
//! endpoint that failed for a day, with a mail to those who hold *Settings / Write*.

use chrono::NaiveDateTime;

use super::{ChangeResult, Ctx, require, write};
use crate::auth::webhook_secret::WebhookKeys;
use crate::db::audit::{Action, Actor, Target, change};
use crate::db::webhooks::{self as hooks, Endpoint, NewEndpoint};
use crate::db::{DbConn, groups, operators};
use crate::domain::permissions::Permission;
use crate::domain::webhook::TEST_EVENT;
use crate::i18n::Lang;
use crate::mail::{self, Letter};

/// *Settings / Write* and *Audit / Read* (an endpoint receives what the journal says).
fn may(conn: &mut DbConn, ctx: &Ctx) -> ChangeResult<()> {
    require(conn, ctx, Permission::SettingsWrite)?;
    require(conn, ctx, Permission::AuditRead)
}

fn target(e: &Endpoint) -> Target {
    Target {
        kind: "webhook",
        id: e.id.to_string(),
        name: e.url.clone(),
        owner: None,
        account: Some(e.account_id),
    }
}

/// A new endpoint (its address and events checked by `domain::webhook`, its salt fresh from
/// `WebhookKeys::new_salt`), and its signing secret — the one time it is shown.
pub fn create(
    conn: &mut DbConn,
    ctx: &Ctx,
    keys: &WebhookKeys,
    new: &NewEndpoint,
) -> ChangeResult<(Endpoint, String)> {
    write(conn, |conn| {
        may(conn, ctx)?;
        let e = hooks::create(conn, new, ctx.at)?;
        let details = [
            change("description", "", new.description),
            change("events", "", new.events),
        ];
        super::journal(conn, ctx, Action::WebhookCreated, &target(&e), &details)?;
        let secret = keys.secret(&e.secret_salt);
        Ok((e, secret))
    })
}

/// A new signing secret for the endpoint (the old one stops at once), shown this once.
pub fn new_secret(
    conn: &mut DbConn,
    ctx: &Ctx,
    keys: &WebhookKeys,
    account_id: i32,
    id: i32,
    salt: &str,
) -> ChangeResult<(Endpoint, String)> {
    write(conn, |conn| {
        may(conn, ctx)?;
        let e = hooks::find(conn, account_id, id)?;
        hooks::set_salt(conn, e.id, salt)?;
        let details = [change("secret", "", "new")];
        super::journal(conn, ctx, Action::WebhookUpdated, &target(&e), &details)?;
        Ok((e, keys.secret(salt)))
    })
}

/// Turns the endpoint on (its failures forgotten) or off (what waits is not sent).
pub fn set_active(
    conn: &mut DbConn,
    ctx: &Ctx,
    account_id: i32,
    id: i32,
    active: bool,
) -> ChangeResult<()> {
    write(conn, |conn| {
        may(conn, ctx)?;
        let e = hooks::find(conn, account_id, id)?;
        if e.active == active {
            return Ok(());
        }
        hooks::set_active(conn, e.id, active)?;
        let details = [change("active", e.active, active)];
        super::journal(conn, ctx, Action::WebhookUpdated, &target(&e), &details)
    })
}

pub fn delete(conn: &mut DbConn, ctx: &Ctx, account_id: i32, id: i32) -> ChangeResult<()> {
    write(conn, |conn| {
        may(conn, ctx)?;
        let e = hooks::find(conn, account_id, id)?;
        hooks::delete(conn, e.id)?;
        super::journal(conn, ctx, Action::WebhookDeleted, &target(&e), &[])
    })
}

/// Queues a `webhook.test` event for the endpoint (sent even if it receives no events).
pub fn send_test(conn: &mut DbConn, ctx: &Ctx, account_id: i32, id: i32) -> ChangeResult<()> {
    write(conn, |conn| {
        may(conn, ctx)?;
        let e = hooks::find(conn, account_id, id)?;
        let data = serde_json::json!({"endpoint": e.id, "url": e.url});
        let payload = crate::domain::webhook::payload(TEST_EVENT, ctx.at, data);
        Ok(hooks::queue_one(conn, e.id, TEST_EVENT, &payload, ctx.at)?)
    })
}

/// Sends one of the endpoint's deliveries again, now.
pub fn redeliver(
    conn: &mut DbConn,
    ctx: &Ctx,
    account_id: i32,
    id: i32,
    delivery: i32,
) -> ChangeResult<()> {
    write(conn, |conn| {
        may(conn, ctx)?;
        let e = hooks::find(conn, account_id, id)?;
        if !hooks::redeliver(conn, e.id, delivery, ctx.at)? {
            return Err(diesel::result::Error::NotFound.into());
        }
        Ok(())
    })
}

/// Turns off an endpoint that has failed since `failing_since` (a day or more): journalled
/// by Keyward, and mailed to every active operator of the account with *Settings / Write*.
/// False when it was off already (another process got there first).
pub fn disable_failing(
    conn: &mut DbConn,
    endpoint: &Endpoint,
    failing_since: NaiveDateTime,
    now: NaiveDateTime,
) -> ChangeResult<bool> {
    write(conn, |conn| {
        if !hooks::disable_failing(conn, endpoint.id, now)? {
            return Ok(false);
        }
        let actor = Actor::named_system("Keyward", None, Some(endpoint.account_id));
        let since = failing_since.and_utc().to_rfc3339();
        let details = [change("failing_since", "", &since)];
        crate::db::audit::record(
            conn,
            &actor,
            now,
            Action::WebhookDisabled,
            &target(endpoint),
            &details,
        )?;
        for op in operators::list(conn, endpoint.account_id)?
            .into_iter()
            .filter(|o| o.active)
        {
            if !groups::grants_for(conn, op.id)?.allows(Permission::SettingsWrite) {
                continue;
            }
            let vars = [("url", endpoint.url.as_str()), ("since", since.as_str())];
            let letter = Letter {
                to: &op.email,
                name: &op.name,
                lang: Lang::from_code(&op.language).unwrap_or_default(),
                subject: "mail.webhook_disabled_subject",
                paragraphs: &["mail.webhook_disabled"],
                vars: &vars,
                link: None,
            };
            mail::queue(conn, &letter, now)?;
        }
        Ok(true)
    })
}
