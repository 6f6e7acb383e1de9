//! The audit journal. Rows are only ever inserted (and pruned by the retention task): no
//! page or API edits or deletes them.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::DbConn;
use super::schema::audit_events;
pub use crate::domain::journal::{Action, ActorKind};

/// Who did it: an operator in the console, a credential through the API, or Keyward itself.
#[derive(Debug, Clone)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: Option<i32>,
    pub name: String,
    pub ip: Option<String>,
    pub account_id: Option<i32>,
}

impl Actor {
    pub fn system() -> Self {
        Self::named_system("Keyward", None, None)
    }

    /// Keyward itself, acting for `name` (setup, sign-in, the command line…).
    pub fn named_system(name: &str, ip: Option<String>, account_id: Option<i32>) -> Self {
        Actor {
            kind: ActorKind::System,
            id: None,
            name: name.to_owned(),
            ip,
            account_id,
        }
    }
}

/// What it was done to, with its name at the time.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub kind: &'static str,
    pub id: String,
    pub name: String,
    /// For a credential: its owner (`operator:ID`, `machine:ID`), so the owner's page
    /// shows the events of their keys.
    pub owner: Option<String>,
    /// The account it belongs to, whose journal the row goes in whoever acted (Keyward's
    /// background jobs, or a main-account administrator on her own key while switched into
    /// a sub account); `None`: the actor's (a sub account itself: its main account's).
    pub account: Option<i32>,
}

/// One changed field: before → after. Never a secret, password or token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    pub before: String,
    pub after: String,
}

pub fn change(field: &str, before: impl ToString, after: impl ToString) -> Change {
    Change {
        field: field.into(),
        before: before.to_string(),
        after: after.to_string(),
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_events)]
pub struct AuditEvent {
    pub id: i32,
    pub account_id: Option<i32>,
    pub at: NaiveDateTime,
    pub actor_kind: String,
    pub actor_id: Option<i32>,
    pub actor_name: String,
    pub actor_ip: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<String>,
    pub target_name: String,
    pub changes: String,
    /// A credential's owner (`operator:ID`, `machine:ID`); see [`Target::owner`].
    pub owner: Option<String>,
}

impl AuditEvent {
    pub fn changes(&self) -> Vec<Change> {
        serde_json::from_str(&self.changes).unwrap_or_default()
    }

    /// Catalog key of the action's label (rows of an action this version no longer knows
    /// show its code instead).
    pub fn action_label_key(&self) -> Option<&'static str> {
        Action::parse(&self.action).map(Action::label_key)
    }

    pub fn target_kind_label_key(&self) -> Option<&'static str> {
        match self.target_kind.as_str() {
            "credential" => Some("target.credential"),
            "operator" => Some("target.operator"),
            "group" => Some("target.group"),
            "machine" => Some("target.machine"),
            "audit" => Some("target.audit"),
            "scope" => Some("target.scope"),
            "account" => Some("target.account"),
            "webhook" => Some("target.webhook"),
            _ => None,
        }
    }

    pub fn actor_kind_label_key(&self) -> Option<&'static str> {
        ActorKind::parse(&self.actor_kind).map(ActorKind::label_key)
    }
}

pub fn record(
    conn: &mut DbConn,
    actor: &Actor,
    at: NaiveDateTime,
    action: Action,
    target: &Target,
    changes: &[Change],
) -> QueryResult<()> {
    let stored = if changes.is_empty() {
        String::new()
    } else {
        serde_json::to_string(changes).unwrap_or_default()
    };
    let account_id = target.account.or(actor.account_id);
    diesel::insert_into(audit_events::table)
        .values((
            audit_events::account_id.eq(account_id),
            audit_events::at.eq(at),
            audit_events::actor_kind.eq(actor.kind.code()),
            audit_events::actor_id.eq(actor.id),
            audit_events::actor_name.eq(&actor.name),
            audit_events::actor_ip.eq(&actor.ip),
            audit_events::action.eq(action.code()),
            audit_events::target_kind.eq(target.kind),
            audit_events::target_id.eq(&target.id),
            audit_events::target_name.eq(&target.name),
            audit_events::changes.eq(&stored),
            audit_events::owner.eq(&target.owner),
        ))
        .execute(conn)?;
    match account_id {
        Some(account_id) => send_to_webhooks(conn, account_id, actor, at, action, target, changes),
        None => Ok(()),
    }
}

/// Queues the journalled change for the account's webhook endpoints that receive its event
/// (in the same transaction: the change and its deliveries are kept or lost together).
fn send_to_webhooks(
    conn: &mut DbConn,
    account_id: i32,
    actor: &Actor,
    at: NaiveDateTime,
    action: Action,
    target: &Target,
    changes: &[Change],
) -> QueryResult<()> {
    let Some(event) = crate::domain::webhook::Event::of(action) else {
        return Ok(());
    };
    let data = serde_json::json!({
        "action": action.code(),
        "target": {
            "kind": target.kind,
            "id": target.id,
            "name": target.name,
            "owner": target.owner,
        },
        "actor": {"kind": actor.kind.code(), "name": actor.name},
        "changes": changes,
    });
    let payload = crate::domain::webhook::payload(event.code(), at, data);
    super::webhooks::enqueue(conn, account_id, event.code(), &payload, at).map(|_| ())
}

/// What the journal page asks for. Text filters match part of a name or an exact id.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Filter {
    pub actor: Option<String>,
    pub target: Option<String>,
    pub action: Option<String>,
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
    /// Keyset pagination: rows older than this id.
    pub before: Option<i32>,
}

fn like(text: &str) -> String {
    format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

/// Newest first, `limit` rows, within the account (and, for a main account, the rows of no
/// account).
pub fn search(
    conn: &mut DbConn,
    account_id: i32,
    filter: &Filter,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    // Rows of no account (failed sign-ins of unknown emails, …) are the main account's to
    // read, never a sub account's.
    let main = super::accounts::find(conn, account_id)?.parent_id.is_none();
    let mut q = audit_events::table.into_boxed();
    q = if main {
        q.filter(
            audit_events::account_id
                .eq(account_id)
                .or(audit_events::account_id.is_null()),
        )
    } else {
        q.filter(audit_events::account_id.eq(account_id))
    };
    if let Some(actor) = filter.actor.as_deref().filter(|s| !s.trim().is_empty()) {
        q = q.filter(
            audit_events::actor_name
                .like(like(actor.trim()))
                .escape('\\'),
        );
    }
    if let Some(target) = filter.target.as_deref().filter(|s| !s.trim().is_empty()) {
        let t = target.trim();
        q = q.filter(
            audit_events::target_name
                .like(like(t))
                .escape('\\')
                .or(audit_events::target_id.eq(t)),
        );
    }
    if let Some(action) = filter.action.as_deref().filter(|s| !s.is_empty()) {
        q = q.filter(audit_events::action.eq(action));
    }
    if let Some(from) = filter.from {
        q = q.filter(audit_events::at.ge(from.and_time(chrono::NaiveTime::MIN)));
    }
    if let Some(to) = filter.to.and_then(|d| d.succ_opt()) {
        q = q.filter(audit_events::at.lt(to.and_time(chrono::NaiveTime::MIN)));
    }
    // Newest first by time, then by id (a row journalled late, for a window that began
    // earlier, sits by its time); the keyset is the last row shown.
    if let Some(before) = filter.before {
        // The cursor's time, read from this account's rows only (another account's id tells
        // nothing); a cursor that names no row (pruned, or made up) still moves on by id.
        let at: Option<NaiveDateTime> = audit_events::table
            .find(before)
            .filter(audit_events::account_id.eq(account_id))
            .select(audit_events::at)
            .first(conn)
            .optional()?;
        q = match at {
            Some(at) => q.filter(
                audit_events::at
                    .lt(at)
                    .or(audit_events::at.eq(at).and(audit_events::id.lt(before))),
            ),
            None => q.filter(audit_events::id.lt(before)),
        };
    }
    q.order((audit_events::at.desc(), audit_events::id.desc()))
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(conn)
}

/// The latest events about one target (an operator's or a machine's page), its keys'
/// included.
pub fn recent_for(
    conn: &mut DbConn,
    account_id: i32,
    kind: &str,
    id: &str,
    limit: i64,
) -> QueryResult<Vec<AuditEvent>> {
    audit_events::table
        .filter(audit_events::account_id.eq(account_id))
        .filter(
            audit_events::target_kind
                .eq(kind)
                .and(audit_events::target_id.eq(id))
                .or(audit_events::owner.eq(format!("{kind}:{id}"))),
        )
        .order((audit_events::at.desc(), audit_events::id.desc()))
        .limit(limit)
        .select(AuditEvent::as_select())
        .load(conn)
}

/// Deletes the rows of `account` (`None`: the rows of no account, such as failed sign-ins of
/// unknown emails) older than `cutoff`, and records in that journal that it did, in one
/// transaction.
pub fn prune(
    conn: &mut DbConn,
    account: Option<i32>,
    cutoff: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    crate::db::write(conn, |conn| {
        let old = audit_events::table.filter(audit_events::at.lt(cutoff));
        let removed = match account {
            Some(id) => {
                diesel::delete(old.filter(audit_events::account_id.eq(id))).execute(conn)?
            }
            None => diesel::delete(old.filter(audit_events::account_id.is_null())).execute(conn)?,
        };
        if removed > 0 {
            let target = Target {
                kind: "audit",
                id: String::new(),
                name: "journal".into(),
                owner: None,
                account,
            };
            record(
                conn,
                &Actor::named_system("Keyward", None, account),
                now,
                Action::AuditPruned,
                &target,
                &[change("rows", removed, 0), change("before", cutoff, "")],
            )?;
        }
        Ok(removed)
    })
}
