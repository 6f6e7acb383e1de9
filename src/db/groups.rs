//! Groups, their members and their permissions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::operators::Operator;
use super::schema::{group_members, group_permissions, groups, operators};
use crate::domain::permissions::{Grants, Permission};

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = groups)]
pub struct Group {
    pub id: i32,
    pub account_id: i32,
    pub name: String,
    pub builtin_admin: bool,
    pub created_at: NaiveDateTime,
}

pub struct GroupSummary {
    pub group: Group,
    pub members: usize,
}

/// Why a group change was refused; each is a catalog key shown to the administrator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NameTaken,
    BuiltIn,
}

impl Refusal {
    pub fn key(self) -> &'static str {
        match self {
            Refusal::NameTaken => "groups.name_taken",
            Refusal::BuiltIn => "groups.builtin",
        }
    }
}

/// What an operator may do: administrator or not, and the union of their groups' grants.
pub fn grants_for(conn: &mut DbConn, operator_id: i32) -> QueryResult<Grants> {
    let mine = group_members::table.filter(group_members::operator_id.eq(operator_id));
    let admin: bool = diesel::select(diesel::dsl::exists(
        mine.inner_join(groups::table)
            .filter(groups::builtin_admin.eq(true)),
    ))
    .get_result(conn)?;
    let codes: Vec<String> = group_permissions::table
        .filter(group_permissions::group_id.eq_any(mine.select(group_members::group_id)))
        .select(group_permissions::permission)
        .distinct()
        .load(conn)?;
    Ok(Grants::from_codes(admin, &codes))
}

pub fn list(conn: &mut DbConn, account_id: i32) -> QueryResult<Vec<GroupSummary>> {
    let all: Vec<Group> = groups::table
        .filter(groups::account_id.eq(account_id))
        .order((groups::builtin_admin.desc(), groups::name))
        .select(Group::as_select())
        .load(conn)?;
    let ids: Vec<i32> = all.iter().map(|g| g.id).collect();
    let memberships: Vec<i32> = group_members::table
        .filter(group_members::group_id.eq_any(&ids))
        .select(group_members::group_id)
        .load(conn)?;
    Ok(all
        .into_iter()
        .map(|group| GroupSummary {
            members: memberships.iter().filter(|g| **g == group.id).count(),
            group,
        })
        .collect())
}

pub fn find_in_account(conn: &mut DbConn, account_id: i32, id: i32) -> QueryResult<Group> {
    groups::table
        .filter(groups::account_id.eq(account_id))
        .find(id)
        .select(Group::as_select())
        .first(conn)
}

fn name_taken(
    conn: &mut DbConn,
    account_id: i32,
    name: &str,
    except: Option<i32>,
) -> QueryResult<bool> {
    let mut q = groups::table
        .filter(groups::account_id.eq(account_id))
        .filter(groups::name.eq(name))
        .select(groups::id)
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(groups::id.ne(id));
    }
    Ok(q.first::<i32>(conn).optional()?.is_some())
}

pub fn create(
    conn: &mut DbConn,
    account_id: i32,
    name: &str,
    now: NaiveDateTime,
) -> QueryResult<Result<i32, Refusal>> {
    crate::db::write(conn, |conn| {
        if name_taken(conn, account_id, name, None)? {
            return Ok(Err(Refusal::NameTaken));
        }
        let id = diesel::insert_into(groups::table)
            .values((
                groups::account_id.eq(account_id),
                groups::name.eq(name),
                groups::builtin_admin.eq(false),
                groups::created_at.eq(now),
            ))
            .returning(groups::id)
            .get_result(conn)?;
        Ok(Ok(id))
    })
}

pub fn rename(conn: &mut DbConn, group: &Group, name: &str) -> QueryResult<Result<(), Refusal>> {
    crate::db::write(conn, |conn| {
        if name_taken(conn, group.account_id, name, Some(group.id))? {
            return Ok(Err(Refusal::NameTaken));
        }
        diesel::update(groups::table.find(group.id))
            .set(groups::name.eq(name))
            .execute(conn)?;
        Ok(Ok(()))
    })
}

pub fn delete(conn: &mut DbConn, group: &Group) -> QueryResult<Result<(), Refusal>> {
    if group.builtin_admin {
        return Ok(Err(Refusal::BuiltIn));
    }
    diesel::delete(groups::table.find(group.id)).execute(conn)?;
    Ok(Ok(()))
}

pub fn members(conn: &mut DbConn, group_id: i32) -> QueryResult<Vec<Operator>> {
    group_members::table
        .inner_join(operators::table)
        .filter(group_members::group_id.eq(group_id))
        .order(operators::name)
        .select(Operator::as_select())
        .load(conn)
}

/// Adds a member; false when they already were one.
pub fn add_member(conn: &mut DbConn, group: &Group, operator_id: i32) -> QueryResult<bool> {
    crate::db::write(conn, |conn| {
        let already: bool = diesel::select(diesel::dsl::exists(
            group_members::table
                .filter(group_members::group_id.eq(group.id))
                .filter(group_members::operator_id.eq(operator_id)),
        ))
        .get_result(conn)?;
        if !already {
            diesel::insert_into(group_members::table)
                .values((
                    group_members::group_id.eq(group.id),
                    group_members::operator_id.eq(operator_id),
                ))
                .execute(conn)?;
        }
        Ok(!already)
    })
}

/// Removes a member; false when they were none. (Keeping an administrator is checked by
/// `changes`, which knows who is active.)
pub fn remove_member(conn: &mut DbConn, group: &Group, operator_id: i32) -> QueryResult<bool> {
    let removed = diesel::delete(
        group_members::table
            .filter(group_members::group_id.eq(group.id))
            .filter(group_members::operator_id.eq(operator_id)),
    )
    .execute(conn)?;
    Ok(removed > 0)
}

pub fn permissions(conn: &mut DbConn, group_id: i32) -> QueryResult<Vec<Permission>> {
    let codes: Vec<String> = group_permissions::table
        .filter(group_permissions::group_id.eq(group_id))
        .select(group_permissions::permission)
        .load(conn)?;
    Ok(codes.iter().filter_map(|c| Permission::parse(c)).collect())
}

/// Replaces a group's permissions in one transaction (not for the built-in group).
pub fn set_permissions(
    conn: &mut DbConn,
    group: &Group,
    granted: &[Permission],
) -> QueryResult<Result<(), Refusal>> {
    if group.builtin_admin {
        return Ok(Err(Refusal::BuiltIn));
    }
    crate::db::write(conn, |conn| {
        diesel::delete(group_permissions::table.filter(group_permissions::group_id.eq(group.id)))
            .execute(conn)?;
        for p in granted {
            diesel::insert_into(group_permissions::table)
                .values((
                    group_permissions::group_id.eq(group.id),
                    group_permissions::permission.eq(p.code()),
                ))
                .execute(conn)?;
        }
        Ok(Ok(()))
    })
}

/// The groups an operator belongs to (for the operator's page).
pub fn of_operator(conn: &mut DbConn, operator_id: i32) -> QueryResult<Vec<Group>> {
    group_members::table
        .inner_join(groups::table)
        .filter(group_members::operator_id.eq(operator_id))
        .order(groups::name)
        .select(Group::as_select())
        .load(conn)
}

/// Every membership of the operators among `ids`, as (operator id, group), by group name —
/// one query for a whole list.
pub fn memberships_among(conn: &mut DbConn, ids: &[i32]) -> QueryResult<Vec<(i32, Group)>> {
    group_members::table
        .inner_join(groups::table)
        .filter(group_members::operator_id.eq_any(ids))
        .order((groups::name, groups::id))
        .select((group_members::operator_id, Group::as_select()))
        .load(conn)
}
