//! Machines: non-human identities (services, CI jobs) that own keys.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::machines;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = machines)]
pub struct Machine {
    pub id: i32,
    pub account_id: i32,
    pub name: String,
    pub description: String,
    pub created_at: NaiveDateTime,
}

pub fn find_in_account(conn: &mut DbConn, account_id: i32, id: i32) -> QueryResult<Machine> {
    machines::table
        .filter(machines::account_id.eq(account_id))
        .find(id)
        .select(Machine::as_select())
        .first(conn)
}
