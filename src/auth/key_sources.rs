//! Where each key is used from: every distinct (secret, client address, user agent) with
//! when it was first and last seen and how many uses, gathered in memory and written in
//! batches with *last used* (never a row per request). At most `KEPT_PER_KEY` sources are
//! kept per key, the most recently seen.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::{self, DbConn, Pool, schema::key_sources as ks};

/// Sources kept per key: the most recently seen.
pub const KEPT_PER_KEY: i64 = 50;
/// A user agent is kept to this many characters.
const USER_AGENT_CHARS: usize = 200;
/// Sources gathered before a flush must run (a few MiB at most); past twice as many (writes
/// failing) new ones are dropped rather than memory grown.
const MAX_PENDING: usize = 50_000;
/// New networks reported per key in one batch.
const NEW_NETWORKS_PER_BATCH: usize = 3;

/// Tells a key's secrets apart without holding any: a digest of the stored hash that
/// matched (current or previous), shortened.
pub fn secret_fp(stored_hash: &str) -> String {
    let digest = Sha256::digest(stored_hash.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// A user agent as kept: control characters dropped, at most `USER_AGENT_CHARS`.
pub fn user_agent(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_control())
        .take(USER_AGENT_CHARS)
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceKey {
    pub credential_id: i32,
    pub secret_fp: String,
    pub previous: bool,
    pub address: String,
    pub user_agent: String,
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    first: NaiveDateTime,
    last: NaiveDateTime,
    uses: i64,
}

#[derive(Default)]
pub struct SourceRecorder {
    pending: Mutex<HashMap<SourceKey, Seen>>,
    /// Sources this process has written (a digest of each, bounded): a use from one of them
    /// adds to a row that exists, so its key is not trimmed again. (A row another process
    /// trimmed meanwhile comes back untrimmed, until that key's next new source.)
    written: Mutex<std::collections::HashSet<u64>>,
}

/// Digests remembered in `written` before it starts over.
const WRITTEN_KEPT: usize = 200_000;

fn digest(key: &SourceKey) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(key)
}

impl SourceRecorder {
    /// Notes one valid use. Returns true when the batch is full (the caller flushes soon).
    pub fn record(&self, key: SourceKey, at: NaiveDateTime) -> bool {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        if pending.len() >= 2 * MAX_PENDING && !pending.contains_key(&key) {
            return true;
        }
        let seen = pending.entry(key).or_insert(Seen {
            first: at,
            last: at,
            uses: 0,
        });
        seen.last = seen.last.max(at);
        seen.uses += 1;
        pending.len() >= MAX_PENDING
    }

    /// Writes every pending source in one transaction, then trims the keys written to their
    /// `KEPT_PER_KEY` most recent. On failure the sources are put back for the next flush.
    /// Returns how many were written, and the uses from a network new to their key.
    pub fn flush(&self, pool: &Pool) -> Result<(usize, Vec<NewNetwork>), String> {
        let batch = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        if batch.is_empty() {
            return Ok((0, Vec::new()));
        }
        let mut rows: Vec<(SourceKey, Seen)> = batch.into_iter().collect();
        // In key order: processes writing overlapping batches wait for each other, never
        // deadlock.
        rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let digests: Vec<u64> = rows.iter().map(|(k, _)| digest(k)).collect();
        let mut new_for: Vec<i32> = {
            let written = self.written.lock().unwrap_or_else(|e| e.into_inner());
            rows.iter()
                .zip(&digests)
                .filter(|(_, d)| !written.contains(d))
                .map(|((k, _), _)| k.credential_id)
                .collect()
        };
        new_for.dedup();
        let written = db::with_conn(pool, |conn| {
            // A key deleted since its use makes the batch fail on the reference; then it is
            // written again without the deleted keys' sources.
            add(conn, &rows, &new_for, false)
                .or_else(|_| add(conn, &rows, &new_for, true))
                .map_err(crate::error::AppError::from)
        });
        match written {
            Ok(new_networks) => {
                let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
                if written.len() + digests.len() > WRITTEN_KEPT {
                    written.clear();
                }
                written.extend(digests);
                Ok((rows.len(), new_networks))
            }
            Err(e) => {
                let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
                for (key, seen) in rows {
                    let slot = pending.entry(key).or_insert(Seen { uses: 0, ..seen });
                    slot.first = slot.first.min(seen.first);
                    slot.last = slot.last.max(seen.last);
                    slot.uses += seen.uses;
                }
                Err(e.to_string())
            }
        }
    }
}

/// A key used from a network none of its sources came from before (an address outside every
/// /24 of IPv4 or /64 of IPv6 it was seen from); never its first use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNetwork {
    pub credential_id: i32,
    pub address: String,
    pub user_agent: String,
}

/// The network an address is judged by: its /24 (IPv4) or /64 (IPv6).
fn network(address: &str) -> String {
    // An IPv4 client on a dual-stack listener comes as ::ffff:a.b.c.d: judged as IPv4.
    match address
        .parse::<std::net::IpAddr>()
        .map(|ip| ip.to_canonical())
    {
        Ok(std::net::IpAddr::V4(v4)) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        Ok(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Err(_) => address.to_owned(),
    }
}

/// The uses of `rows` from networks new to keys in `new_for`, judged against what is stored
/// (before these rows are written). A key with no stored source yet has no new network.
fn new_networks(
    conn: &mut DbConn,
    rows: &[&(SourceKey, Seen)],
    new_for: &[i32],
) -> QueryResult<Vec<NewNetwork>> {
    let mut known: HashMap<i32, std::collections::HashSet<String>> = HashMap::new();
    for chunk in new_for.chunks(500) {
        let stored: Vec<(i32, String)> = ks::table
            .filter(ks::credential_id.eq_any(chunk))
            .select((ks::credential_id, ks::address))
            .load(conn)?;
        for (id, address) in stored {
            known.entry(id).or_default().insert(network(&address));
        }
    }
    let mut out: Vec<NewNetwork> = Vec::new();
    // Networks reported in this batch, and how many per key: a client naming addresses
    // freely (`/verify`'s `client_ip`) or roaming a /48 reports a few, not thousands.
    let mut reported: std::collections::HashSet<(i32, String)> = Default::default();
    let mut per_key: HashMap<i32, usize> = HashMap::new();
    for (k, _) in rows {
        let Some(networks) = known.get(&k.credential_id) else {
            continue;
        };
        let net = network(&k.address);
        if networks.contains(&net) {
            continue;
        }
        let count = per_key.entry(k.credential_id).or_default();
        if *count < NEW_NETWORKS_PER_BATCH && reported.insert((k.credential_id, net)) {
            *count += 1;
            out.push(NewNetwork {
                credential_id: k.credential_id,
                address: k.address.clone(),
                user_agent: k.user_agent.clone(),
            });
        }
    }
    Ok(out)
}

/// Adds the sources (`only_live`: leaving out those of keys that no longer exist), then
/// trims the keys in `new_for` — those given a source this process had not written.
fn add(
    conn: &mut DbConn,
    rows: &[(SourceKey, Seen)],
    new_for: &[i32],
    only_live: bool,
) -> QueryResult<Vec<NewNetwork>> {
    use crate::db::schema::credentials as c;
    const ROWS: usize = 200;
    db::write(conn, |conn| {
        let mut live = std::collections::HashSet::new();
        if only_live {
            let mut ids: Vec<i32> = rows.iter().map(|(k, _)| k.credential_id).collect();
            ids.dedup();
            for chunk in ids.chunks(500) {
                let found: Vec<i32> = c::table
                    .filter(c::id.eq_any(chunk))
                    .select(c::id)
                    .load(conn)?;
                live.extend(found);
            }
        }
        let rows: Vec<&(SourceKey, Seen)> = rows
            .iter()
            .filter(|(k, _)| !only_live || live.contains(&k.credential_id))
            .collect();
        let found = new_networks(conn, &rows, new_for)?;
        for chunk in rows.chunks(ROWS) {
            let values: Vec<_> = chunk
                .iter()
                .map(|(k, seen)| {
                    (
                        ks::credential_id.eq(k.credential_id),
                        ks::secret_fp.eq(&k.secret_fp),
                        ks::previous.eq(k.previous),
                        ks::address.eq(&k.address),
                        ks::user_agent.eq(&k.user_agent),
                        ks::first_seen.eq(seen.first),
                        ks::last_seen.eq(seen.last),
                        ks::uses.eq(seen.uses),
                    )
                })
                .collect();
            macro_rules! upsert {
                ($c:expr) => {{
                    use diesel::upsert::excluded;
                    diesel::insert_into(ks::table)
                        .values(&values)
                        .on_conflict((
                            ks::credential_id,
                            ks::secret_fp,
                            ks::previous,
                            ks::address,
                            ks::user_agent,
                        ))
                        .do_update()
                        .set((
                            ks::uses.eq(ks::uses + excluded(ks::uses)),
                            ks::last_seen.eq(excluded(ks::last_seen)),
                        ))
                        .execute($c)?
                }};
            }
            match conn {
                DbConn::Sqlite(c) => upsert!(c),
                DbConn::Postgres(c) => upsert!(c),
            };
        }
        for chunk in new_for.chunks(500) {
            trim(conn, chunk)?;
        }
        Ok(found)
    })
}

/// Keeps the `KEPT_PER_KEY` most recently seen sources of each of these keys.
fn trim(conn: &mut DbConn, credential_ids: &[i32]) -> QueryResult<usize> {
    let list = credential_ids
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    // Integers only (no text from outside): the list is safe to write into the statement.
    let sql = format!(
        "DELETE FROM key_sources WHERE id IN (SELECT id FROM (SELECT id, ROW_NUMBER() OVER \
         (PARTITION BY credential_id ORDER BY last_seen DESC, id DESC) AS n FROM key_sources \
         WHERE credential_id IN ({list})) ranked WHERE n > {KEPT_PER_KEY})"
    );
    diesel::sql_query(sql).execute(conn)
}

/// One stored source.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ks)]
pub struct Source {
    pub secret_fp: String,
    pub previous: bool,
    pub address: String,
    pub user_agent: String,
    pub first_seen: NaiveDateTime,
    pub last_seen: NaiveDateTime,
    pub uses: i64,
}

/// Which of a key's secrets a source presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SecretRole {
    /// The key's secret now.
    Current,
    /// A rolled key's old secret, in its window (counted from the roll on).
    Previous,
    /// A secret no longer accepted, or the old one before its key was rolled.
    Retired,
}

impl SecretRole {
    pub fn of(
        source: &Source,
        key: &crate::db::credentials::Credential,
        now: NaiveDateTime,
    ) -> Self {
        let is = |hash: Option<&str>| hash.is_some_and(|h| secret_fp(h) == source.secret_fp);
        if source.previous && is(key.previous_hash(now)) {
            SecretRole::Previous
        } else if !source.previous && is(Some(&key.secret_hash)) {
            SecretRole::Current
        } else {
            SecretRole::Retired
        }
    }

    /// Catalog key of its name on the key's page.
    pub fn label_key(self) -> &'static str {
        match self {
            SecretRole::Current => "sources.current",
            SecretRole::Previous => "sources.previous",
            SecretRole::Retired => "sources.retired",
        }
    }
}

/// A key's sources, most recently seen first.
pub fn of_key(conn: &mut DbConn, credential_id: i32) -> QueryResult<Vec<Source>> {
    ks::table
        .filter(ks::credential_id.eq(credential_id))
        .order((ks::last_seen.desc(), ks::id.desc()))
        .limit(KEPT_PER_KEY)
        .select(Source::as_select())
        .load(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agents_are_kept_short_and_printable() {
        assert_eq!(user_agent("curl/8.5\u{7}\n"), "curl/8.5");
        assert_eq!(user_agent(&"x".repeat(500)).len(), USER_AGENT_CHARS);
        assert_eq!(secret_fp("a").len(), 16);
        assert_ne!(secret_fp("a"), secret_fp("b"));
    }

    #[test]
    fn networks_are_a_slash_24_or_a_slash_64() {
        assert_eq!(network("192.0.2.77"), network("192.0.2.1"));
        assert_ne!(network("192.0.2.77"), network("192.0.3.77"));
        assert_eq!(network("2001:db8:1:2::9"), network("2001:db8:1:2:ffff::1"));
        assert_ne!(network("2001:db8:1:2::9"), network("2001:db8:1:3::9"));
        assert_eq!(network("not an address"), "not an address");
        assert_eq!(network("::ffff:192.0.2.7"), network("192.0.2.1"));
    }
}
