//! Accounts, operators and the built-in Administrators group.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{accounts, group_members, groups, operators};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = operators)]
pub struct Operator {
    pub id: i32,
    pub account_id: i32,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub active: bool,
    pub language: String,
    pub api_version: i32,
    pub created_at: NaiveDateTime,
    pub session_epoch: i32,
    /// Kept by the database's triggers on `credentials`.
    pub key_count: i32,
    /// The notices by mail they turned off (`domain::notices::stored`).
    pub muted_notices: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = operators)]
pub struct NewOperator<'a> {
    pub account_id: i32,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub language: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn any_exists(conn: &mut DbConn) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(operators::table.select(operators::id))).get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Operator> {
    operators::table
        .find(id)
        .select(Operator::as_select())
        .first(conn)
}

/// Finds an operator of the given account; another account's operator is "not found".
pub fn find_in_account(conn: &mut DbConn, account_id: i32, id: i32) -> QueryResult<Operator> {
    operators::table
        .filter(operators::account_id.eq(account_id))
        .find(id)
        .select(Operator::as_select())
        .first(conn)
}

pub fn find_by_email(conn: &mut DbConn, email: &str) -> QueryResult<Option<Operator>> {
    operators::table
        .filter(operators::email.eq(email))
        .select(Operator::as_select())
        .first(conn)
        .optional()
}

pub fn list(conn: &mut DbConn, account_id: i32) -> QueryResult<Vec<Operator>> {
    operators::table
        .filter(operators::account_id.eq(account_id))
        .order((operators::name, operators::id))
        .select(Operator::as_select())
        .load(conn)
}

/// One page of the account's operators in creation order (by id), those after `after`.
pub fn page_after(
    conn: &mut DbConn,
    account_id: i32,
    after: Option<i32>,
    limit: i64,
) -> QueryResult<Vec<Operator>> {
    operators::table
        .filter(operators::account_id.eq(account_id))
        .filter(operators::id.gt(after.unwrap_or(0)))
        .order(operators::id)
        .limit(limit)
        .select(Operator::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConn, account_id: i32) -> QueryResult<i64> {
    operators::table
        .filter(operators::account_id.eq(account_id))
        .count()
        .get_result(conn)
}

/// Ids of the operators among `ids` who are administrators (one query for a whole list).
pub fn admins_among(conn: &mut DbConn, ids: &[i32]) -> QueryResult<Vec<i32>> {
    group_members::table
        .inner_join(groups::table)
        .filter(group_members::operator_id.eq_any(ids))
        .filter(groups::builtin_admin.eq(true))
        .select(group_members::operator_id)
        .load(conn)
}

/// Serialises every change that could leave the account without an active administrator:
/// on PostgreSQL it locks the account's Administrators group row until the transaction ends
/// (two concurrent removals then run one after the other, and the second sees the first);
/// SQLite's write transactions are already one at a time (`db::write`).
pub fn lock_administrators(conn: &mut DbConn, account_id: i32) -> QueryResult<()> {
    if let DbConn::Postgres(pg) = conn {
        groups::table
            .filter(groups::account_id.eq(account_id))
            .filter(groups::builtin_admin.eq(true))
            .select(groups::id)
            .for_update()
            .load::<i32>(pg)?;
    }
    Ok(())
}

/// The account's administrators who can sign in: active, with a password (an invited one
/// who never set theirs does not count). Read after `lock_administrators`.
pub fn active_administrators(conn: &mut DbConn, account_id: i32) -> QueryResult<Vec<i32>> {
    group_members::table
        .inner_join(groups::table)
        .inner_join(operators::table)
        .filter(groups::account_id.eq(account_id))
        .filter(groups::builtin_admin.eq(true))
        .filter(operators::active.eq(true))
        .filter(operators::password_hash.like("$argon2%"))
        .select(group_members::operator_id)
        .load(conn)
}

pub struct NewOperatorInput<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub language: &'a str,
    pub admin: bool,
}

/// Creates an operator (and its Administrators membership) in one transaction.
/// Returns `None` when the email is already taken.
pub fn create(
    conn: &mut DbConn,
    account_id: i32,
    input: &NewOperatorInput,
    now: NaiveDateTime,
) -> QueryResult<Option<i32>> {
    crate::db::write(conn, |conn| {
        if find_by_email(conn, input.email)?.is_some() {
            return Ok(None);
        }
        let id: i32 = diesel::insert_into(operators::table)
            .values(NewOperator {
                account_id,
                email: input.email,
                name: input.name,
                password_hash: input.password_hash,
                language: input.language,
                created_at: now,
            })
            .returning(operators::id)
            .get_result(conn)?;
        if input.admin {
            let admin_group: i32 = groups::table
                .filter(groups::account_id.eq(account_id))
                .filter(groups::builtin_admin.eq(true))
                .select(groups::id)
                .first(conn)?;
            diesel::insert_into(group_members::table)
                .values((
                    group_members::group_id.eq(admin_group),
                    group_members::operator_id.eq(id),
                ))
                .execute(conn)?;
        }
        Ok(Some(id))
    })
}

/// First-run setup: the account, its Administrators group and the first administrator,
/// all or nothing. Returns `None` if an operator already exists (setup happens once).
pub fn first_run_setup(
    conn: &mut DbConn,
    account_name: &str,
    input: &NewOperatorInput,
    now: NaiveDateTime,
) -> QueryResult<Option<i32>> {
    crate::db::write(conn, |conn| {
        if any_exists(conn)? {
            return Ok(None);
        }
        let account_id: i32 = diesel::insert_into(accounts::table)
            .values((
                accounts::name.eq(account_name),
                accounts::created_at.eq(now),
            ))
            .returning(accounts::id)
            .get_result(conn)?;
        diesel::insert_into(groups::table)
            .values((
                groups::account_id.eq(account_id),
                groups::name.eq("Administrators"),
                groups::builtin_admin.eq(true),
                groups::created_at.eq(now),
            ))
            .execute(conn)?;
        create(conn, account_id, input, now)
    })
}

pub fn set_language(conn: &mut DbConn, operator_id: i32, language: &str) -> QueryResult<()> {
    diesel::update(operators::table.find(operator_id))
        .set(operators::language.eq(language))
        .execute(conn)
        .map(|_| ())
}

pub fn list_accounts(conn: &mut DbConn) -> QueryResult<Vec<i32>> {
    accounts::table
        .order(accounts::id)
        .select(accounts::id)
        .load(conn)
}
