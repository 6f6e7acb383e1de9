//! Accounts: a main account (made at setup) and its sub accounts, one level deep. Every row
//! of data belongs to one account; a sub account's administrators, operators, groups,
//! machines, keys, journal and settings are its own.

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, max};
use diesel::prelude::*;

use super::DbConn;
use super::schema::{
    accounts, audit_events, credentials, group_members, group_permissions, groups, key_sources,
    key_usage, machines, operator_tokens, operators, outbox, rate_counters, scopes,
    webhook_deliveries, webhook_endpoints,
};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct Account {
    pub id: i32,
    pub name: String,
    pub parent_id: Option<i32>,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Account> {
    accounts::table
        .find(id)
        .select(Account::as_select())
        .first(conn)
}

/// A sub account of `parent`; any other account (the parent itself, a sibling's, another
/// main account's) is "not found".
pub fn find_sub(conn: &mut DbConn, parent: i32, id: i32) -> QueryResult<Account> {
    accounts::table
        .filter(accounts::parent_id.eq(parent))
        .find(id)
        .select(Account::as_select())
        .first(conn)
}

/// A sub account with what the main account's roll-up shows of it.
#[derive(Debug, Clone)]
pub struct SubAccount {
    pub account: Account,
    pub operators: i64,
    pub machines: i64,
    pub active_keys: i64,
    /// The newest row of its journal.
    pub last_activity: Option<NaiveDateTime>,
}

/// The sub accounts of `parent` by name, each with its counts: four grouped queries, however
/// many there are.
pub fn subs(conn: &mut DbConn, parent: i32) -> QueryResult<Vec<SubAccount>> {
    let list: Vec<Account> = accounts::table
        .filter(accounts::parent_id.eq(parent))
        .order((accounts::name, accounts::id))
        .select(Account::as_select())
        .load(conn)?;
    let ids: Vec<i32> = list.iter().map(|a| a.id).collect();
    let operators: Vec<(i32, i64)> = operators::table
        .filter(operators::account_id.eq_any(&ids))
        .group_by(operators::account_id)
        .select((operators::account_id, count_star()))
        .load(conn)?;
    let machines: Vec<(i32, i64)> = machines::table
        .filter(machines::account_id.eq_any(&ids))
        .group_by(machines::account_id)
        .select((machines::account_id, count_star()))
        .load(conn)?;
    let keys: Vec<(i32, i64)> = credentials::table
        .filter(credentials::account_id.eq_any(&ids))
        .filter(credentials::active.eq(true))
        .group_by(credentials::account_id)
        .select((credentials::account_id, count_star()))
        .load(conn)?;
    let last: Vec<(Option<i32>, Option<NaiveDateTime>)> = audit_events::table
        .filter(audit_events::account_id.eq_any(&ids))
        .group_by(audit_events::account_id)
        .select((audit_events::account_id, max(audit_events::at)))
        .load(conn)?;
    let count = |rows: &[(i32, i64)], id: i32| rows.iter().find(|r| r.0 == id).map_or(0, |r| r.1);
    Ok(list
        .into_iter()
        .map(|account| SubAccount {
            operators: count(&operators, account.id),
            machines: count(&machines, account.id),
            active_keys: count(&keys, account.id),
            last_activity: last
                .iter()
                .find(|r| r.0 == Some(account.id))
                .and_then(|r| r.1),
            account,
        })
        .collect())
}

/// Is `name` taken by another sub account of `parent` (case-insensitively)?
pub fn name_taken(
    conn: &mut DbConn,
    parent: i32,
    name: &str,
    except: Option<i32>,
) -> QueryResult<bool> {
    let names: Vec<(i32, String)> = accounts::table
        .filter(accounts::parent_id.eq(parent))
        .select((accounts::id, accounts::name))
        .load(conn)?;
    let lower = name.to_lowercase();
    Ok(names
        .iter()
        .any(|(id, n)| Some(*id) != except && n.to_lowercase() == lower))
}

/// A new sub account of `parent`, with its own built-in Administrators group (empty: the
/// main account's administrators act there until it has its own).
pub fn create_sub(
    conn: &mut DbConn,
    parent: i32,
    name: &str,
    now: NaiveDateTime,
) -> QueryResult<Account> {
    let id: i32 = diesel::insert_into(accounts::table)
        .values((
            accounts::name.eq(name),
            accounts::created_at.eq(now),
            accounts::parent_id.eq(parent),
        ))
        .returning(accounts::id)
        .get_result(conn)?;
    diesel::insert_into(groups::table)
        .values((
            groups::account_id.eq(id),
            groups::name.eq("Administrators"),
            groups::builtin_admin.eq(true),
            groups::created_at.eq(now),
        ))
        .execute(conn)?;
    find(conn, id)
}

pub fn rename(conn: &mut DbConn, id: i32, name: &str) -> QueryResult<()> {
    diesel::update(accounts::table.find(id))
        .set(accounts::name.eq(name))
        .execute(conn)
        .map(|_| ())
}

/// Takes the account's row for this transaction (PostgreSQL; SQLite's write transaction
/// holds the whole database already): a deletion deletes what it counted, and siblings'
/// names are checked one maker at a time.
pub fn lock(conn: &mut DbConn, id: i32) -> QueryResult<()> {
    if let DbConn::Postgres(c) = conn {
        accounts::table
            .find(id)
            .select(accounts::id)
            .for_update()
            .first::<i32>(c)?;
    }
    Ok(())
}

pub fn set_active(conn: &mut DbConn, id: i32, active: bool) -> QueryResult<()> {
    diesel::update(accounts::table.find(id))
        .set(accounts::active.eq(active))
        .execute(conn)
        .map(|_| ())
}

/// What deleting an account takes with it, as its confirmation counts it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Contents {
    pub operators: i64,
    pub groups: i64,
    pub machines: i64,
    pub keys: i64,
    pub webhooks: i64,
}

impl Contents {
    /// Nothing but its built-in Administrators group.
    pub fn is_empty(&self) -> bool {
        *self == Contents::default()
    }
}

pub fn contents(conn: &mut DbConn, id: i32) -> QueryResult<Contents> {
    Ok(Contents {
        operators: operators::table
            .filter(operators::account_id.eq(id))
            .count()
            .get_result(conn)?,
        groups: groups::table
            .filter(groups::account_id.eq(id))
            .filter(groups::builtin_admin.eq(false))
            .count()
            .get_result(conn)?,
        machines: machines::table
            .filter(machines::account_id.eq(id))
            .count()
            .get_result(conn)?,
        keys: credentials::table
            .filter(credentials::account_id.eq(id))
            .count()
            .get_result(conn)?,
        webhooks: webhook_endpoints::table
            .filter(webhook_endpoints::account_id.eq(id))
            .count()
            .get_result(conn)?,
    })
}

/// Deletes the account and every row of it: keys (with their usage, sources and counters),
/// operators (with their tokens), groups, machines, scopes, webhooks and its journal.
pub fn delete(conn: &mut DbConn, id: i32) -> QueryResult<()> {
    let keys = credentials::table
        .filter(credentials::account_id.eq(id))
        .select(credentials::id);
    diesel::delete(key_usage::table.filter(key_usage::credential_id.eq_any(keys))).execute(conn)?;
    diesel::delete(key_sources::table.filter(key_sources::credential_id.eq_any(keys)))
        .execute(conn)?;
    diesel::delete(rate_counters::table.filter(rate_counters::credential_id.eq_any(keys)))
        .execute(conn)?;
    diesel::delete(credentials::table.filter(credentials::account_id.eq(id))).execute(conn)?;
    let its_groups = groups::table
        .filter(groups::account_id.eq(id))
        .select(groups::id);
    diesel::delete(group_members::table.filter(group_members::group_id.eq_any(its_groups)))
        .execute(conn)?;
    diesel::delete(group_permissions::table.filter(group_permissions::group_id.eq_any(its_groups)))
        .execute(conn)?;
    diesel::delete(groups::table.filter(groups::account_id.eq(id))).execute(conn)?;
    let its_operators = operators::table
        .filter(operators::account_id.eq(id))
        .select(operators::id);
    diesel::delete(
        operator_tokens::table.filter(operator_tokens::operator_id.eq_any(its_operators)),
    )
    .execute(conn)?;
    // Mail to its people not sent yet goes too (another account may reuse the address).
    let emails = operators::table
        .filter(operators::account_id.eq(id))
        .select(operators::email);
    diesel::delete(
        outbox::table
            .filter(outbox::sent_at.is_null())
            .filter(outbox::recipient.eq_any(emails)),
    )
    .execute(conn)?;
    diesel::delete(operators::table.filter(operators::account_id.eq(id))).execute(conn)?;
    diesel::delete(machines::table.filter(machines::account_id.eq(id))).execute(conn)?;
    diesel::delete(scopes::table.filter(scopes::account_id.eq(id))).execute(conn)?;
    let hooks = webhook_endpoints::table
        .filter(webhook_endpoints::account_id.eq(id))
        .select(webhook_endpoints::id);
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::endpoint_id.eq_any(hooks)))
        .execute(conn)?;
    diesel::delete(webhook_endpoints::table.filter(webhook_endpoints::account_id.eq(id)))
        .execute(conn)?;
    diesel::delete(audit_events::table.filter(audit_events::account_id.eq(Some(id))))
        .execute(conn)?;
    diesel::delete(accounts::table.find(id)).execute(conn)?;
    Ok(())
}

/// A sub account of `parent` one may switch into: one that exists and is active.
pub fn switchable(conn: &mut DbConn, parent: i32, id: i32) -> QueryResult<Option<Account>> {
    Ok(find_sub(conn, parent, id).optional()?.filter(|a| a.active))
}
