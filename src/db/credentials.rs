//! Credentials: listing, staged Save, and the lookup behind API authentication.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConn;
use super::schema::{accounts, credentials, machines, operators};
use crate::domain::draft::{Conflict, Draft, SavedRow};
use crate::domain::rate::RateLimit;

#[derive(Clone, Queryable, Selectable)]
#[diesel(table_name = credentials)]
pub struct Credential {
    pub id: i32,
    pub account_id: i32,
    pub public_id: String,
    pub secret_hash: String,
    pub label: String,
    pub operator_id: Option<i32>,
    pub machine_id: Option<i32>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub created_by: Option<i32>,
    pub usage_tracked: bool,
    pub last_used_at: Option<NaiveDateTime>,
    pub last_used_ip: Option<String>,
    pub expires_at: Option<NaiveDateTime>,
    /// The owner was told it expires soon (cleared when the expiry moves).
    pub expiry_reminded: bool,
    /// After a roll: the old secret's keyed hash, accepted until `previous_until`.
    pub previous_secret_hash: Option<String>,
    pub previous_until: Option<NaiveDateTime>,
    /// When and from where the old secret was last presented since the roll.
    pub previous_last_used_at: Option<NaiveDateTime>,
    pub previous_last_used_ip: Option<String>,
    /// The last roll.
    pub rolled_at: Option<NaiveDateTime>,
    /// Where it may be used from (`domain::validation::allowlist`); empty: anywhere.
    pub allowed_from: String,
    /// What it is for (`domain::scopes`): names, sorted and space-separated.
    pub scopes: String,
    /// Its own rate limit (`domain::rate::RateLimit::stored`); none: the account's default.
    pub rate_limit: Option<i32>,
    pub rate_window: Option<i32>,
    /// When its owner was last mailed that it is used from somewhere new: a new network,
    /// or — a canary, never used for real — any use at all.
    pub new_source_noticed_at: Option<NaiveDateTime>,
    /// The open roll window was extended (once is all it may be).
    pub window_extended: bool,
    /// When its owner was told it is unused and will be deactivated (dormant keys).
    pub dormant_noticed_at: Option<NaiveDateTime>,
    /// Its owner is told when it is used from a new network (`auth::key_sources`).
    pub notify_new_network: bool,
    /// When a person last (de)activated it: dormancy counts from then at the earliest.
    pub dormant_from: Option<NaiveDateTime>,
    /// A tripwire: never works, every use is told to its owner (`changes::credentials::
    /// canary_used`).
    pub canary: bool,
    /// Its expiry was journalled (and sent to webhooks); cleared when the expiry moves.
    pub expired_noticed: bool,
    /// Imported with a token of another system: how that token is found (`import_lookup`
    /// in the migration that added it).
    pub import_lookup: Option<String>,
}

impl Credential {
    /// May it be used from `address`? Anywhere without an allowlist.
    pub fn allows(&self, address: &str) -> bool {
        crate::domain::validation::allowlist_admits(&self.allowed_from, address)
    }

    /// The old secret of a roll, while its grace window lasts.
    pub fn previous_hash(&self, now: NaiveDateTime) -> Option<&str> {
        self.previous_secret_hash
            .as_deref()
            .filter(|_| self.previous_until.is_some_and(|until| until > now))
    }

    /// Past its expiry time: refused like an inactive one, whatever its status.
    pub fn expired(&self, now: NaiveDateTime) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }

    pub fn saved_row(&self) -> SavedRow {
        SavedRow {
            public_id: self.public_id.clone(),
            label: self.label.clone(),
            active: self.active,
            scopes: self.scopes.clone(),
            rolled_at: self.rolled_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = credentials)]
pub struct NewCredential<'a> {
    pub account_id: i32,
    pub public_id: &'a str,
    pub secret_hash: &'a str,
    pub label: &'a str,
    pub operator_id: Option<i32>,
    pub machine_id: Option<i32>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub created_by: Option<i32>,
    pub expires_at: Option<NaiveDateTime>,
    pub scopes: &'a str,
    pub rate_limit: Option<i32>,
    pub rate_window: Option<i32>,
    pub notify_new_network: bool,
    pub canary: bool,
}

pub fn saved_rows(conn: &mut DbConn, operator_id: i32) -> QueryResult<Vec<SavedRow>> {
    Ok(list_for_owner(conn, OwnerRef::Operator(operator_id))?
        .iter()
        .map(Credential::saved_row)
        .collect())
}

pub enum SaveOutcome {
    Saved,
    /// Somebody else saved first; nothing was applied.
    Conflict(Vec<Conflict>),
}

/// Applies a draft in one transaction. The operator's `api_version` is compared and bumped
/// first: that row lock serialises concurrent Saves, and a stale draft changes nothing.
pub fn apply_draft(
    conn: &mut DbConn,
    operator: &crate::db::operators::Operator,
    draft: &Draft,
    actor_id: i32,
    now: NaiveDateTime,
) -> QueryResult<SaveOutcome> {
    let applied = crate::db::write(conn, |conn| {
        let bumped = diesel::update(
            operators::table
                .find(operator.id)
                .filter(operators::api_version.eq(draft.base_version)),
        )
        .set(operators::api_version.eq(operators::api_version + 1))
        .execute(conn)?;
        if bumped == 0 {
            return Ok(false);
        }
        let mine = credentials::table.filter(credentials::operator_id.eq(operator.id));
        for (public_id, edit) in &draft.edits {
            let row = mine.filter(credentials::public_id.eq(public_id));
            if edit.delete {
                diesel::delete(row).execute(conn)?;
                continue;
            }
            if let Some(label) = &edit.label {
                diesel::update(row)
                    .set(credentials::label.eq(label))
                    .execute(conn)?;
            }
            if let Some(active) = edit.active {
                diesel::update(row)
                    .set((
                        credentials::active.eq(active),
                        credentials::dormant_noticed_at.eq(None::<NaiveDateTime>),
                        credentials::dormant_from.eq(now),
                    ))
                    .execute(conn)?;
            }
            if let Some(scopes) = &edit.scopes {
                diesel::update(row)
                    .set(credentials::scopes.eq(scopes))
                    .execute(conn)?;
            }
        }
        for add in &draft.adds {
            // Saved already: the same draft applied again after its Save committed.
            let exists: bool = diesel::select(diesel::dsl::exists(
                credentials::table.filter(credentials::public_id.eq(&add.public_id)),
            ))
            .get_result(conn)?;
            if exists {
                continue;
            }
            diesel::insert_into(credentials::table)
                .values(NewCredential {
                    account_id: operator.account_id,
                    public_id: &add.public_id,
                    secret_hash: &add.secret_hash,
                    label: &add.label,
                    operator_id: Some(operator.id),
                    machine_id: None,
                    active: add.active,
                    created_at: now,
                    created_by: Some(actor_id),
                    expires_at: add.expires_at,
                    scopes: &add.scopes,
                    rate_limit: None,
                    rate_window: None,
                    notify_new_network: true,
                    canary: false,
                })
                .execute(conn)?;
        }
        Ok::<_, diesel::result::Error>(true)
    })?;
    if applied {
        Ok(SaveOutcome::Saved)
    } else {
        let current = saved_rows(conn, operator.id)?;
        Ok(SaveOutcome::Conflict(draft.conflicts(&current)))
    }
}

/// Who owns a credential, as the API reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Owner {
    pub kind: &'static str,
    pub id: i32,
    pub name: String,
    /// A deactivated operator's keys are all refused, whatever their own status (machines
    /// are always active).
    pub active: bool,
}

/// A credential found for authentication, with its owner; `usable` is false when the
/// credential or its owner is inactive.
#[derive(Clone)]
pub struct AuthRecord {
    pub credential: Credential,
    pub owner: Owner,
    pub usable: bool,
    /// Presented with a rolled key's old secret (its grace window): good for being checked,
    /// not for managing anything (`changes::Ctx::old_secret`).
    pub via_previous: bool,
    /// The limit that applies: the key's own, else its account's default.
    pub limit: Option<crate::domain::rate::RateLimit>,
    /// Where the key stood against it on this use (set by the verifier).
    pub rate: Option<crate::domain::rate::RateState>,
}

/// A credential with its owner's (id, name, active) if an operator's, (id, name) if a machine's.
/// …and its account's default rate limit and whether the account is active.
type AuthRow = (
    Credential,
    Option<(i32, String, bool)>,
    Option<(i32, String)>,
    (Option<i32>, Option<i32>, bool),
);

/// The credentials matching `filter`, each with its owner and its account's default rate
/// limit (an `AuthRow`): the one shape every verification lookup reads.
macro_rules! auth_rows {
    ($filter:expr) => {
        credentials::table
            .left_join(operators::table)
            .left_join(machines::table)
            .filter($filter)
            .inner_join(accounts::table.on(accounts::id.eq(credentials::account_id)))
            .select((
                Credential::as_select(),
                (operators::id, operators::name, operators::active).nullable(),
                (machines::id, machines::name).nullable(),
                (
                    accounts::default_rate_limit,
                    accounts::default_rate_window,
                    accounts::active,
                ),
            ))
    };
}

/// One credential by public id, owner included: one indexed lookup. (A query of its own
/// rather than a batch of one: on SQLite an `IN` list is prepared anew each time, this one
/// comes from the statement cache.) It runs on the backend's own connection type: through
/// the multi-backend connection Diesel writes the SQL text anew on every call to find the
/// cached statement, which was a good part of a verification's cost.
pub fn find_for_auth(conn: &mut DbConn, public_id: &str) -> QueryResult<Option<AuthRecord>> {
    let row = match conn {
        DbConn::Sqlite(c) => auth_rows!(credentials::public_id.eq(public_id))
            .first::<AuthRow>(c)
            .optional()?,
        DbConn::Postgres(c) => auth_rows!(credentials::public_id.eq(public_id))
            .first::<AuthRow>(c)
            .optional()?,
    };
    Ok(row.and_then(auth_record))
}

/// The imported credential whose token has one of these lookups (`Credential::
/// import_lookup`), owner included.
pub fn find_imported_for_auth(
    conn: &mut DbConn,
    lookups: &[String],
) -> QueryResult<Option<AuthRecord>> {
    let rows = auth_rows!(credentials::import_lookup.eq_any(lookups))
        .order(credentials::id)
        .limit(2)
        .load::<AuthRow>(conn)?;
    // A token that is one key's by its SHA-256 is that key's, whatever another key's prefix
    // says: a prefix imported first must not take over tokens imported by digest later.
    let exact = rows.iter().position(|r| {
        r.0.import_lookup
            .as_deref()
            .is_some_and(|l| l.starts_with("sha256:"))
    });
    let row = match exact {
        Some(i) => rows.into_iter().nth(i),
        None => rows.into_iter().next(),
    };
    Ok(row.and_then(auth_record))
}

/// The account of the key with this public id (the journal's webhooks, for Keyward's own
/// actions on a key).
pub fn account_of(conn: &mut DbConn, public_id: &str) -> QueryResult<Option<i32>> {
    credentials::table
        .filter(credentials::public_id.eq(public_id))
        .select(credentials::account_id)
        .first(conn)
        .optional()
}

/// Whether any key was imported with another system's token.
pub fn any_imported(conn: &mut DbConn) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        credentials::table.filter(credentials::import_lookup.is_not_null()),
    ))
    .get_result(conn)
}

/// Which of these lookups are taken already (an import must not make a second key that a
/// token would find).
pub fn import_lookups_taken(conn: &mut DbConn, lookups: &[String]) -> QueryResult<Vec<String>> {
    credentials::table
        .filter(credentials::import_lookup.eq_any(lookups))
        .select(credentials::import_lookup.assume_not_null())
        .load(conn)
}

/// A key imported from another system: made like any other (`create`), then marked with how
/// its token is found and that its last use is unknown.
pub fn create_imported(
    conn: &mut DbConn,
    input: &NewCredentialInput,
    import_lookup: &str,
    created_at: NaiveDateTime,
) -> QueryResult<Credential> {
    crate::db::write(conn, |conn| {
        let made = create(conn, input, created_at)?;
        diesel::update(credentials::table.find(made.id))
            .set((
                credentials::import_lookup.eq(import_lookup),
                credentials::usage_tracked.eq(false),
            ))
            .execute(conn)?;
        find_by_id(conn, made.id)
    })
}

/// The credentials with these public ids, in one query (concurrent API checks share it on
/// PostgreSQL, where it is `= ANY($1)`: one cached statement whatever the count). On the
/// backend's own connection type, like `find_for_auth`.
pub fn find_many_for_auth(
    conn: &mut DbConn,
    public_ids: &[&str],
) -> QueryResult<std::collections::HashMap<String, AuthRecord>> {
    let rows = match conn {
        DbConn::Sqlite(c) => {
            auth_rows!(credentials::public_id.eq_any(public_ids)).load::<AuthRow>(c)?
        }
        DbConn::Postgres(c) => {
            auth_rows!(credentials::public_id.eq_any(public_ids)).load::<AuthRow>(c)?
        }
    };
    Ok(rows
        .into_iter()
        .filter_map(auth_record)
        .map(|r| (r.credential.public_id.clone(), r))
        .collect())
}

fn auth_record((credential, operator, machine, default): AuthRow) -> Option<AuthRecord> {
    use crate::domain::rate::RateLimit;
    let limit = RateLimit::stored(credential.rate_limit, credential.rate_window)
        .or_else(|| RateLimit::stored(default.0, default.1));
    let (owner, owner_active) = match (operator, machine) {
        (Some((id, name, active)), _) => (
            Owner {
                kind: "operator",
                id,
                name,
                active,
            },
            active,
        ),
        (None, Some((id, name))) => (
            Owner {
                kind: "machine",
                id,
                name,
                active: true,
            },
            true,
        ),
        (None, None) => return None,
    };
    // A deactivated sub account's keys are refused like deactivated keys.
    let usable = credential.active && owner_active && default.2;
    Some(AuthRecord {
        credential,
        owner,
        usable,
        via_previous: false,
        limit,
        rate: None,
    })
}

/// Replaces a credential's stored hash with `new`, only while it is still `old` (the one just
/// checked): however many first uses race, the row changes once. True when this call did it.
pub fn upgrade_hash(conn: &mut DbConn, id: i32, old: &str, new: &str) -> QueryResult<bool> {
    let changed = diesel::update(
        credentials::table
            .find(id)
            .filter(credentials::secret_hash.eq(old)),
    )
    .set(credentials::secret_hash.eq(new))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Why a roll did not happen.
#[derive(Debug, PartialEq, Eq)]
pub enum RollRefusal {
    /// An old secret is still accepted: a second roll would drop it (a double click, a
    /// retried call) while programs still use it. Retire it, or wait for its window's end.
    WindowOpen,
    /// The secret is stored from before keyed hashes (argon2): its old secret could not be
    /// checked cheaply during a window. Its first use upgrades it.
    Legacy,
}

/// A new secret for a credential (`new_hash`); the one it had stays accepted until `until`
/// (none: from now on only the new one). What was known of the old secret's use goes.
pub fn roll(
    conn: &mut DbConn,
    id: i32,
    new_hash: &str,
    until: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<Result<(), RollRefusal>> {
    // Read under a lock on PostgreSQL, so two rolls at once run one after the other and the
    // second sees the first's window (SQLite's write transactions are one at a time).
    type State = (String, Option<String>, Option<NaiveDateTime>);
    let select = (
        credentials::secret_hash,
        credentials::previous_secret_hash,
        credentials::previous_until,
    );
    let (current, previous, previous_until): State = match conn {
        DbConn::Postgres(pg) => credentials::table
            .find(id)
            .select(select)
            .for_update()
            .first(pg)?,
        DbConn::Sqlite(_) => credentials::table.find(id).select(select).first(conn)?,
    };
    if previous.is_some() && previous_until.is_some_and(|at| at > now) {
        return Ok(Err(RollRefusal::WindowOpen));
    }
    if until.is_some() && current.starts_with("$argon2") {
        return Ok(Err(RollRefusal::Legacy));
    }
    diesel::update(credentials::table.find(id))
        .set((
            credentials::secret_hash.eq(new_hash),
            credentials::previous_secret_hash.eq(until.map(|_| current)),
            credentials::previous_until.eq(until),
            credentials::previous_last_used_at.eq(None::<NaiveDateTime>),
            credentials::previous_last_used_ip.eq(None::<String>),
            credentials::rolled_at.eq(now),
            credentials::window_extended.eq(false),
        ))
        .execute(conn)?;
    Ok(Ok(()))
}

/// Moves the end of the open roll window to `until`, once: marks it extended.
pub fn extend_window(conn: &mut DbConn, id: i32, until: NaiveDateTime) -> QueryResult<()> {
    diesel::update(credentials::table.find(id))
        .set((
            credentials::previous_until.eq(until),
            credentials::window_extended.eq(true),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Locks a credential's row until the transaction ends (PostgreSQL; SQLite's write
/// transactions are one at a time already), so what is read next is what is changed.
pub fn lock(conn: &mut DbConn, id: i32) -> QueryResult<()> {
    if let DbConn::Postgres(pg) = conn {
        credentials::table
            .find(id)
            .select(credentials::id)
            .for_update()
            .first::<i32>(pg)?;
    }
    Ok(())
}

/// Ends a roll's grace window now: only the new secret works.
pub fn retire_previous(conn: &mut DbConn, id: i32) -> QueryResult<()> {
    diesel::update(credentials::table.find(id))
        .set((
            credentials::previous_secret_hash.eq(None::<String>),
            credentials::previous_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
        .map(|_| ())
}

/// Rolled keys whose grace window has ended but whose old secret is still on the row.
pub fn ended_windows(
    conn: &mut DbConn,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Credential>> {
    credentials::table
        .filter(credentials::previous_secret_hash.is_not_null())
        .filter(credentials::previous_until.le(now))
        .order(credentials::previous_until)
        .limit(limit)
        .select(Credential::as_select())
        .load(conn)
}

/// Drops an ended window's old secret; false when another process did it first (or the key
/// was rolled again meanwhile).
pub fn close_window(conn: &mut DbConn, id: i32, now: NaiveDateTime) -> QueryResult<bool> {
    let changed = diesel::update(
        credentials::table
            .find(id)
            .filter(credentials::previous_secret_hash.is_not_null())
            .filter(credentials::previous_until.le(now)),
    )
    .set((
        credentials::previous_secret_hash.eq(None::<String>),
        credentials::previous_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// The old secret of a roll (`old`, the hash it matched) was presented — never moved
/// backwards, and never counted against a later roll's old secret.
pub fn record_previous_use(
    conn: &mut DbConn,
    id: i32,
    old: &str,
    at: NaiveDateTime,
    ip: &str,
) -> QueryResult<()> {
    diesel::update(
        credentials::table
            .find(id)
            .filter(credentials::previous_secret_hash.eq(old))
            .filter(
                credentials::previous_last_used_at
                    .is_null()
                    .or(credentials::previous_last_used_at.le(at)),
            ),
    )
    .set((
        credentials::previous_last_used_at.eq(at),
        credentials::previous_last_used_ip.eq(ip),
    ))
    .execute(conn)
    .map(|_| ())
}

/// Writes a batch of uses (credential id → time, client address) in one transaction.
pub fn record_uses(
    conn: &mut DbConn,
    uses: &std::collections::HashMap<i32, (NaiveDateTime, String)>,
) -> QueryResult<()> {
    if let DbConn::Postgres(pg) = conn {
        // One statement for the whole batch: one round trip, and one run of the key-count
        // trigger (which writes nothing for these) instead of one per key used.
        use diesel::sql_types::{Array, Integer, Text, Timestamp};
        let (mut ids, mut ats, mut ips) = (Vec::new(), Vec::new(), Vec::new());
        for (id, (at, ip)) in uses {
            ids.push(*id);
            ats.push(*at);
            ips.push(ip.as_str());
        }
        // Rows locked in id order first: processes flushing overlapping batches at once wait
        // for each other instead of deadlocking.
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        diesel::Connection::transaction(pg, |pg| {
            diesel::sql_query(
                "SELECT id FROM credentials WHERE id = ANY($1) ORDER BY id FOR UPDATE",
            )
            .bind::<Array<Integer>, _>(&sorted)
            .execute(pg)?;
            // Never move *last used* backwards (another process may have flushed a later use).
            diesel::sql_query(
                "UPDATE credentials c SET last_used_at = u.at, last_used_ip = u.ip \
                 FROM unnest($1, $2, $3) AS u(id, at, ip) \
                 WHERE c.id = u.id AND (c.last_used_at IS NULL OR c.last_used_at <= u.at)",
            )
            .bind::<Array<Integer>, _>(&ids)
            .bind::<Array<Timestamp>, _>(&ats)
            .bind::<Array<Text>, _>(&ips)
            .execute(pg)
        })?;
        return Ok(());
    }
    // SQLite: a few statements of up to `ROWS` uses each (`UPDATE … FROM (VALUES …)`), in
    // the order of the rows, in one transaction. One statement per use re-prepared each time
    // cost most of a flush, and a flush runs for every 50,000 keys used.
    const ROWS: usize = 500;
    let mut sorted: Vec<(&i32, &(NaiveDateTime, String))> = uses.iter().collect();
    sorted.sort_unstable_by_key(|(id, _)| **id);
    crate::db::write(conn, |conn| {
        let DbConn::Sqlite(c) = conn else {
            return Ok(());
        };
        for chunk in sorted.chunks(ROWS) {
            use diesel::sql_types::{Integer, Text, Timestamp};
            let values = vec!["(?, ?, ?)"; chunk.len()].join(", ");
            // Never move *last used* backwards (another process may have flushed a later use).
            let mut query = diesel::sql_query(format!(
                "UPDATE credentials SET last_used_at = u.column2, last_used_ip = u.column3 \
                 FROM (VALUES {values}) AS u \
                 WHERE credentials.id = u.column1 \
                 AND (credentials.last_used_at IS NULL OR credentials.last_used_at <= u.column2)"
            ))
            .into_boxed();
            for (id, (at, ip)) in chunk {
                query = query
                    .bind::<Integer, _>(**id)
                    .bind::<Timestamp, _>(*at)
                    .bind::<Text, _>(ip.clone());
            }
            query.execute(c)?;
        }
        Ok(())
    })
}

/// Whose credentials: an operator's or a machine's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerRef {
    Operator(i32),
    Machine(i32),
}

impl OwnerRef {
    /// `operator:12` or `machine:3`, as the API spells owners.
    pub fn parse(text: &str) -> Option<OwnerRef> {
        let (kind, id) = text.split_once(':')?;
        let id = id.parse().ok()?;
        match kind {
            "operator" => Some(OwnerRef::Operator(id)),
            "machine" => Some(OwnerRef::Machine(id)),
            _ => None,
        }
    }
}

/// The API's spelling, the inverse of `parse` (also how the journal names a key's owner).
impl std::fmt::Display for OwnerRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OwnerRef::Operator(id) => write!(f, "operator:{id}"),
            OwnerRef::Machine(id) => write!(f, "machine:{id}"),
        }
    }
}

fn owned_by(
    owner: OwnerRef,
) -> Box<
    dyn diesel::BoxableExpression<
            credentials::table,
            crate::db::DbBackend,
            SqlType = diesel::sql_types::Bool,
        >,
> {
    match owner {
        OwnerRef::Operator(id) => Box::new(credentials::operator_id.assume_not_null().eq(id)),
        OwnerRef::Machine(id) => Box::new(credentials::machine_id.assume_not_null().eq(id)),
    }
}

/// Marks the owner's credential list as changed, so staged drafts based on it see a conflict.
pub fn bump(conn: &mut DbConn, owner: OwnerRef) -> QueryResult<()> {
    if let OwnerRef::Operator(id) = owner {
        diesel::update(operators::table.find(id))
            .set(operators::api_version.eq(operators::api_version + 1))
            .execute(conn)?;
    }
    Ok(())
}

pub fn list_for_owner(conn: &mut DbConn, owner: OwnerRef) -> QueryResult<Vec<Credential>> {
    credentials::table
        .filter(owned_by(owner))
        .order((credentials::created_at, credentials::id))
        .select(Credential::as_select())
        .load(conn)
}

/// Up to `limit` of an owner's credentials, oldest first, that come after `after` (a row's
/// `(created_at, id)`): keyset pages for the API, found on the `(owner, created_at, id)`
/// index however deep, and not thrown off by keys created or deleted between two pages.
pub fn page_after(
    conn: &mut DbConn,
    owner: OwnerRef,
    after: Option<(NaiveDateTime, i32)>,
    limit: i64,
) -> QueryResult<Vec<Credential>> {
    let mut query = credentials::table.filter(owned_by(owner)).into_boxed();
    if let Some((created_at, id)) = after {
        // The `>=` alone is what lets the database seek into the index; the second
        // condition only drops the rows of that same instant up to `id`.
        query = query.filter(credentials::created_at.ge(created_at)).filter(
            credentials::created_at
                .gt(created_at)
                .or(credentials::id.gt(id)),
        );
    }
    query
        .order((credentials::created_at, credentials::id))
        .limit(limit)
        .select(Credential::as_select())
        .load(conn)
}

/// How many keys a list shows at a time.
pub const KEYS_PER_PAGE: i64 = 50;

/// One page of an owner's credentials, oldest first, narrowed by a search.
pub struct KeyPage {
    pub rows: Vec<Credential>,
    /// How many match the search (all the owner's without one).
    pub total: i64,
    /// 1-based, within 1..=pages.
    pub page: i64,
}

impl KeyPage {
    pub fn pages(&self) -> i64 {
        page_count(self.total)
    }
}

fn page_count(total: i64) -> i64 {
    (total.max(1) + KEYS_PER_PAGE - 1) / KEYS_PER_PAGE
}

diesel::define_sql_function! {
    /// Unicode case folding on PostgreSQL (searches are case-insensitive).
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// `LIKE` matches `%` and `_` anywhere; typed ones are meant literally.
fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The owner's credentials whose label contains `search` (any case) or whose public id
/// starts with it, one page of them (a page past the end gives the last one).
pub fn page_for_owner(
    conn: &mut DbConn,
    owner: OwnerRef,
    search: &str,
    page: i64,
) -> QueryResult<KeyPage> {
    let search = search.trim();
    // SQLite's LIKE already ignores ASCII case, as its lower() would; PostgreSQL's does not.
    let sqlite = matches!(conn, DbConn::Sqlite(_));
    let matching = || {
        let mut query = credentials::table.filter(owned_by(owner)).into_boxed();
        if !search.is_empty() {
            let in_label = format!("%{}%", escape_like(&search.to_lowercase()));
            let id_prefix = format!("{}%", escape_like(search));
            let by_id = credentials::public_id.like(id_prefix).escape('\\');
            query = if sqlite {
                query.filter(credentials::label.like(in_label).escape('\\').or(by_id))
            } else {
                query.filter(
                    lower(credentials::label)
                        .like(in_label)
                        .escape('\\')
                        .or(by_id),
                )
            };
        }
        query
    };
    // Skip to the page on the (owner, created_at, id) index alone, then read just its rows:
    // an OFFSET over whole rows would read every skipped row of the table.
    let on_page = |page: i64| {
        matching()
            .order((credentials::created_at, credentials::id))
            .limit(KEYS_PER_PAGE)
            .offset((page - 1) * KEYS_PER_PAGE)
    };
    // With a search, how many match comes from the same pass that finds the page: a search
    // reads every key of the owner, and once is enough.
    let ids_on = |conn: &mut DbConn, page: i64| -> QueryResult<Vec<(i32, i64)>> {
        on_page(page)
            .select((
                credentials::id,
                diesel::dsl::sql::<diesel::sql_types::BigInt>("COUNT(*) OVER ()"),
            ))
            .load(conn)
    };
    let (total, page, page_ids) = if search.is_empty() {
        let total = count_for_owner(conn, owner)?;
        let page = page.clamp(1, page_count(total));
        let ids = on_page(page).select(credentials::id).load(conn)?;
        (total, page, ids)
    } else {
        let mut page = page.max(1);
        let mut found = ids_on(conn, page)?;
        if found.is_empty() && page > 1 {
            // Past the end (fewer matches than the link was made for): the last page.
            let total: i64 = matching().count().get_result(conn)?;
            page = page_count(total);
            found = ids_on(conn, page)?;
        }
        let total = found.first().map_or(0, |(_, total)| *total);
        (total, page, found.into_iter().map(|(id, _)| id).collect())
    };
    let rows = credentials::table
        .filter(credentials::id.eq_any(page_ids))
        .order((credentials::created_at, credentials::id))
        .select(Credential::as_select())
        .load(conn)?;
    Ok(KeyPage { rows, total, page })
}

/// How many keys an owner has: the count the database's triggers keep on the owner's row,
/// so this costs the same for 10 keys as for a million.
pub fn count_for_owner(conn: &mut DbConn, owner: OwnerRef) -> QueryResult<i64> {
    let count: i32 = match owner {
        OwnerRef::Operator(id) => operators::table
            .find(id)
            .select(operators::key_count)
            .first(conn)?,
        OwnerRef::Machine(id) => machines::table
            .find(id)
            .select(machines::key_count)
            .first(conn)?,
    };
    Ok(count.into())
}

pub fn find_for_owner(
    conn: &mut DbConn,
    owner: OwnerRef,
    public_id: &str,
) -> QueryResult<Credential> {
    credentials::table
        .filter(owned_by(owner))
        .filter(credentials::public_id.eq(public_id))
        .select(Credential::as_select())
        .first(conn)
}

pub struct NewCredentialInput<'a> {
    pub account_id: i32,
    pub owner: OwnerRef,
    pub public_id: &'a str,
    pub secret_hash: &'a str,
    pub label: &'a str,
    pub created_by: Option<i32>,
    pub expires_at: Option<NaiveDateTime>,
    /// Stored allowlist (`domain::validation::allowlist`); empty: anywhere.
    pub allowed_from: &'a str,
    /// Stored scopes (`domain::scopes::stored`); empty: none.
    pub scopes: &'a str,
    /// Its own rate limit; none: the account's default.
    pub rate_limit: Option<RateLimit>,
    /// Tell the owner of uses from new networks; none: on for an operator's key, off for a
    /// machine's.
    pub notify_new_network: Option<bool>,
    /// A canary (`Credential::canary`).
    pub canary: bool,
}

/// Creates a credential that works at once (API, self-service, machines).
pub fn create(
    conn: &mut DbConn,
    input: &NewCredentialInput,
    now: NaiveDateTime,
) -> QueryResult<Credential> {
    crate::db::write(conn, |conn| {
        let (operator_id, machine_id) = match input.owner {
            OwnerRef::Operator(id) => (Some(id), None),
            OwnerRef::Machine(id) => (None, Some(id)),
        };
        let id: i32 = diesel::insert_into(credentials::table)
            .values(NewCredential {
                account_id: input.account_id,
                public_id: input.public_id,
                secret_hash: input.secret_hash,
                label: input.label,
                operator_id,
                machine_id,
                active: true,
                created_at: now,
                created_by: input.created_by,
                expires_at: input.expires_at,
                scopes: input.scopes,
                rate_limit: RateLimit::columns(input.rate_limit).0,
                rate_window: RateLimit::columns(input.rate_limit).1,
                notify_new_network: input
                    .notify_new_network
                    .unwrap_or(matches!(input.owner, OwnerRef::Operator(_))),
                canary: input.canary,
            })
            .returning(credentials::id)
            .get_result(conn)?;
        if !input.allowed_from.is_empty() {
            diesel::update(credentials::table.find(id))
                .set(credentials::allowed_from.eq(input.allowed_from))
                .execute(conn)?;
        }
        bump(conn, input.owner)?;
        credentials::table
            .find(id)
            .select(Credential::as_select())
            .first(conn)
    })
}

/// Renames and/or (de)activates one of the owner's credentials at once.
/// What an edit changes; `None` leaves that field as it is (`Some(None)` clears the expiry).
#[derive(Clone, Copy, Default)]
pub struct CredentialChange<'a> {
    pub label: Option<&'a str>,
    pub active: Option<bool>,
    pub expires_at: Option<Option<NaiveDateTime>>,
    /// A new stored allowlist (empty: anywhere).
    pub allowed_from: Option<&'a str>,
    /// New stored scopes (empty: none).
    pub scopes: Option<&'a str>,
    /// A new rate limit of its own (`Some(None)`: none, the account's default applies).
    pub rate_limit: Option<Option<RateLimit>>,
    pub notify_new_network: Option<bool>,
}

pub fn update(
    conn: &mut DbConn,
    owner: OwnerRef,
    public_id: &str,
    edit: CredentialChange,
    now: NaiveDateTime,
) -> QueryResult<Credential> {
    crate::db::write(conn, |conn| {
        // The owner's row first, the key's next: the order every change of keys takes on
        // PostgreSQL (a Save, a roll), so two of them never wait on each other.
        bump(conn, owner)?;
        let current = find_for_owner(conn, owner, public_id)?;
        let target = credentials::table.find(current.id);
        if let Some(label) = edit.label {
            diesel::update(target)
                .set(credentials::label.eq(label))
                .execute(conn)?;
        }
        if let Some(active) = edit.active {
            // A (de)activation by a person starts any dormancy count afresh.
            diesel::update(target)
                .set((
                    credentials::active.eq(active),
                    credentials::dormant_noticed_at.eq(None::<NaiveDateTime>),
                    credentials::dormant_from.eq(now),
                ))
                .execute(conn)?;
        }
        if let Some(expires_at) = edit.expires_at {
            diesel::update(target)
                .set((
                    credentials::expires_at.eq(expires_at),
                    credentials::expiry_reminded.eq(false),
                    credentials::expired_noticed.eq(false),
                ))
                .execute(conn)?;
        }
        if let Some(allowed_from) = edit.allowed_from {
            diesel::update(target)
                .set(credentials::allowed_from.eq(allowed_from))
                .execute(conn)?;
        }
        if let Some(notify) = edit.notify_new_network {
            diesel::update(target)
                .set(credentials::notify_new_network.eq(notify))
                .execute(conn)?;
        }
        if let Some(scopes) = edit.scopes {
            diesel::update(target)
                .set(credentials::scopes.eq(scopes))
                .execute(conn)?;
        }
        if let Some(limit) = edit.rate_limit {
            let (requests, window) = RateLimit::columns(limit);
            diesel::update(target)
                .set((
                    credentials::rate_limit.eq(requests),
                    credentials::rate_window.eq(window),
                ))
                .execute(conn)?;
        }
        target.select(Credential::as_select()).first(conn)
    })
}

/// Active credentials that expire after `now` and by `until` whose owners were not told yet,
/// soonest first.
pub fn due_for_reminder(
    conn: &mut DbConn,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Credential>> {
    credentials::table
        .filter(credentials::expires_at.gt(now))
        .filter(credentials::expires_at.le(until))
        .filter(credentials::expiry_reminded.eq(false))
        .filter(credentials::active.eq(true))
        .order(credentials::expires_at)
        .limit(limit)
        .select(Credential::as_select())
        .load(conn)
}

/// Marks the reminder sent; false when another process marked it first.
pub fn mark_reminded(conn: &mut DbConn, id: i32) -> QueryResult<bool> {
    let marked = diesel::update(
        credentials::table
            .find(id)
            .filter(credentials::expiry_reminded.eq(false)),
    )
    .set(credentials::expiry_reminded.eq(true))
    .execute(conn)?;
    Ok(marked == 1)
}

/// Keys that expired by `now` whose expiry was not journalled yet, oldest first.
pub fn expired_unnoticed(
    conn: &mut DbConn,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Credential>> {
    credentials::table
        .filter(credentials::expires_at.le(now))
        .filter(credentials::expired_noticed.eq(false))
        .order(credentials::expires_at)
        .limit(limit)
        .select(Credential::as_select())
        .load(conn)
}

/// Marks a key's expiry journalled; false when another process marked it first, or its
/// expiry moved meanwhile.
pub fn mark_expired_noticed(
    conn: &mut DbConn,
    id: i32,
    expires_at: NaiveDateTime,
) -> QueryResult<bool> {
    let marked = diesel::update(
        credentials::table
            .find(id)
            .filter(credentials::expires_at.eq(expires_at))
            .filter(credentials::expired_noticed.eq(false)),
    )
    .set(credentials::expired_noticed.eq(true))
    .execute(conn)?;
    Ok(marked == 1)
}

/// Unused since `cutoff` (never used: made before it) by either secret, and not
/// (de)activated by a person since: what makes a key dormant, for the sweep's list and for
/// its mark alike.
fn unused_since(
    cutoff: NaiveDateTime,
) -> Box<
    dyn diesel::BoxableExpression<
            credentials::table,
            crate::db::DbBackend,
            SqlType = diesel::sql_types::Nullable<diesel::sql_types::Bool>,
        >,
> {
    Box::new(
        credentials::last_used_at
            .lt(cutoff)
            .or(credentials::last_used_at
                .is_null()
                .and(credentials::created_at.lt(cutoff)))
            .and(
                credentials::previous_last_used_at
                    .is_null()
                    .or(credentials::previous_last_used_at.lt(cutoff)),
            )
            .and(
                credentials::dormant_from
                    .is_null()
                    .or(credentials::dormant_from.lt(cutoff)),
            ),
    )
}

/// Active, unexpired keys of the account unused since `cutoff` (or never used and made
/// before it) — by either secret: a rolled key's old one counts — not (de)activated by a
/// person since, whose owner was not told yet: up to `limit`.
pub fn dormant_unnoticed(
    conn: &mut DbConn,
    account_id: i32,
    cutoff: NaiveDateTime,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Credential>> {
    credentials::table
        .filter(credentials::account_id.eq(account_id))
        .filter(credentials::active.eq(true))
        .filter(credentials::dormant_noticed_at.is_null())
        // A canary is never used by design: it is no idle key.
        .filter(credentials::canary.eq(false))
        .filter(
            credentials::expires_at
                .is_null()
                .or(credentials::expires_at.gt(now)),
        )
        .filter(unused_since(cutoff))
        .order(credentials::id)
        .limit(limit)
        .select(Credential::as_select())
        .load(conn)
}

/// Keys of the account told they are unused at or before `noticed_before`, still active and
/// used by neither secret since: to be deactivated. Up to `limit`.
pub fn dormant_due(
    conn: &mut DbConn,
    account_id: i32,
    noticed_before: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Credential>> {
    credentials::table
        .filter(credentials::account_id.eq(account_id))
        .filter(credentials::active.eq(true))
        .filter(credentials::dormant_noticed_at.le(noticed_before))
        .filter(
            credentials::last_used_at
                .is_null()
                .or(credentials::last_used_at.lt(credentials::dormant_noticed_at)),
        )
        .filter(
            credentials::previous_last_used_at
                .is_null()
                .or(credentials::previous_last_used_at.lt(credentials::dormant_noticed_at)),
        )
        .order(credentials::id)
        .limit(limit)
        .select(Credential::as_select())
        .load(conn)
}

/// Marks a key as told it is unused; true when this call marked it (and so sends the mail).
/// Only while its account still has dormant keys on: a sweep that read the setting just
/// before it was turned off must not leave a notice behind (`clear_dormant_notices`). On
/// PostgreSQL the account's row is read under a share lock, so turning the setting off
/// waits for this transaction (and then clears its notice) or this one sees it off.
pub fn mark_dormant_noticed(
    conn: &mut DbConn,
    key: &Credential,
    cutoff: NaiveDateTime,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let setting = accounts::table
        .find(key.account_id)
        .select(accounts::dormant_days);
    let days: Option<i32> = match conn {
        DbConn::Postgres(pg) => setting.for_share().first(pg)?,
        DbConn::Sqlite(_) => setting.first(conn)?,
    };
    let Some(days) = days else {
        return Ok(false);
    };
    // Judged by the setting as it is now too (changed from 1 day to 365 meanwhile: not yet).
    let cutoff = cutoff.min(now - chrono::Duration::days(i64::from(days)));
    // Still unused as the row is now, not as the sweep read it: a sweep that ran late
    // (its list read before a use was written) must not mark a key in use.
    let marked = diesel::update(
        credentials::table
            .find(key.id)
            .filter(credentials::dormant_noticed_at.is_null())
            .filter(credentials::active.eq(true))
            .filter(unused_since(cutoff)),
    )
    .set(credentials::dormant_noticed_at.eq(now))
    .execute(conn)?;
    Ok(marked == 1)
}

/// Deactivates a dormant key, if it is still active and unused since it was noticed: true
/// when this call did.
pub fn deactivate_dormant(conn: &mut DbConn, id: i32) -> QueryResult<bool> {
    let done = diesel::update(
        credentials::table
            .find(id)
            .filter(credentials::active.eq(true))
            .filter(credentials::dormant_noticed_at.is_not_null())
            .filter(
                credentials::last_used_at
                    .is_null()
                    .or(credentials::last_used_at.lt(credentials::dormant_noticed_at)),
            )
            .filter(
                credentials::previous_last_used_at
                    .is_null()
                    .or(credentials::previous_last_used_at.lt(credentials::dormant_noticed_at)),
            ),
    )
    .set((
        credentials::active.eq(false),
        credentials::dormant_noticed_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(done == 1)
}

/// Keys used again (by either secret) after being told they were unused — or at that very
/// time — are no longer dormant.
pub fn clear_dormant_used(conn: &mut DbConn) -> QueryResult<usize> {
    diesel::update(
        credentials::table
            .filter(credentials::dormant_noticed_at.is_not_null())
            .filter(
                credentials::last_used_at
                    .ge(credentials::dormant_noticed_at)
                    .or(credentials::previous_last_used_at.ge(credentials::dormant_noticed_at)),
            ),
    )
    .set(credentials::dormant_noticed_at.eq(None::<NaiveDateTime>))
    .execute(conn)
}

/// Forgets every dormancy notice of the account's keys: its setting changed, so they are
/// judged anew by it (turned off, none is deactivated).
pub fn clear_dormant_notices(conn: &mut DbConn, account_id: i32) -> QueryResult<usize> {
    diesel::update(
        credentials::table
            .filter(credentials::account_id.eq(account_id))
            .filter(credentials::dormant_noticed_at.is_not_null()),
    )
    .set(credentials::dormant_noticed_at.eq(None::<NaiveDateTime>))
    .execute(conn)
}

/// One credential by its row id (for work that found it by id: its notices).
pub fn find_by_id(conn: &mut DbConn, id: i32) -> QueryResult<Credential> {
    credentials::table
        .find(id)
        .select(Credential::as_select())
        .first(conn)
}

/// Marks a key's owner as told of where it is used (a new network, a canary's use) now,
/// unless they were within `every`: true when this call marked it (and so sends the mail).
pub fn mark_use_noticed(
    conn: &mut DbConn,
    id: i32,
    now: NaiveDateTime,
    every: chrono::Duration,
) -> QueryResult<bool> {
    let marked = diesel::update(
        credentials::table.find(id).filter(
            credentials::new_source_noticed_at
                .is_null()
                .or(credentials::new_source_noticed_at.le(now - every)),
        ),
    )
    .set(credentials::new_source_noticed_at.eq(now))
    .execute(conn)?;
    Ok(marked == 1)
}

/// Deletes one of the owner's credentials at once; `NotFound` if it is not theirs.
pub fn delete(conn: &mut DbConn, owner: OwnerRef, public_id: &str) -> QueryResult<Credential> {
    crate::db::write(conn, |conn| {
        bump(conn, owner)?;
        let current = find_for_owner(conn, owner, public_id)?;
        diesel::delete(credentials::table.find(current.id)).execute(conn)?;
        Ok(current)
    })
}

/// The owner's public face (kind, id, name), if it belongs to the account.
pub fn find_owner(conn: &mut DbConn, account_id: i32, owner: OwnerRef) -> QueryResult<Owner> {
    Ok(match owner {
        OwnerRef::Operator(id) => {
            let op = crate::db::operators::find_in_account(conn, account_id, id)?;
            Owner {
                kind: "operator",
                id,
                name: op.name,
                active: op.active,
            }
        }
        OwnerRef::Machine(id) => {
            let m = crate::db::machines::find_in_account(conn, account_id, id)?;
            Owner {
                kind: "machine",
                id,
                name: m.name,
                active: true,
            }
        }
    })
}

/// A credential of the account by public id, whoever owns it.
pub fn find_in_account(
    conn: &mut DbConn,
    account_id: i32,
    public_id: &str,
) -> QueryResult<Credential> {
    credentials::table
        .filter(credentials::account_id.eq(account_id))
        .filter(credentials::public_id.eq(public_id))
        .select(Credential::as_select())
        .first(conn)
}

impl Credential {
    pub fn owner_ref(&self) -> Option<OwnerRef> {
        match (self.operator_id, self.machine_id) {
            (Some(id), _) => Some(OwnerRef::Operator(id)),
            (None, Some(id)) => Some(OwnerRef::Machine(id)),
            (None, None) => None,
        }
    }
}

impl AuthRecord {
    /// The operator a key answers to: whoever made it (keys from before this was recorded,
    /// or made by their owner, answer to their owner).
    pub fn creator(&self) -> Option<i32> {
        match self.owner.as_ref() {
            OwnerRef::Operator(owner) => Some(self.credential.created_by.unwrap_or(owner)),
            OwnerRef::Machine(_) => self.credential.created_by,
        }
    }
}

impl Owner {
    pub fn as_ref(&self) -> OwnerRef {
        match self.kind {
            "machine" => OwnerRef::Machine(self.id),
            _ => OwnerRef::Operator(self.id),
        }
    }
}
