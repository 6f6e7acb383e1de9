//! Importing the keys an organisation already has (`keyward import`, `POST /api/v1/
//! credentials/import`): each becomes a Keyward credential whose existing token keeps
//! working, found by its lookup and checked against its old hash once (then re-stored as a
//! keyed hash, `auth::imported_hash`). All or nothing, in one transaction; a dry run checks
//! everything and writes nothing. Each key is journalled (`credential.imported`); its last
//! use is *Unknown* until it is used.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde::Deserialize;

use super::{ChangeError, ChangeResult, Ctx, credential_target, may_manage_keys, write};
use crate::db::audit::{Action, change};
use crate::db::credentials::{self as creds, NewCredentialInput, OwnerRef};
use crate::db::{DbConn, machines, operators};

/// One key to import, checked for form by the caller (`line`: where it is in the file).
pub struct Entry {
    pub line: usize,
    /// An operator's email, or `machine:` and a machine's name.
    pub owner: String,
    pub label: String,
    pub created_at: Option<NaiveDateTime>,
    pub expires_at: Option<NaiveDateTime>,
    /// Stored scopes (`domain::scopes::stored`).
    pub scopes: String,
    /// What to store: a foreign hash (`auth::imported_hash::stored`) or a keyed hash.
    pub secret_hash: String,
    /// How its token is found (`Credential::import_lookup`).
    pub lookup: String,
    /// Set by an import through the API: the calling key's own limit and allowlist, which
    /// the keys it makes never exceed.
    pub rate_limit: Option<crate::domain::rate::RateLimit>,
    pub allowed_from: String,
    /// Set by an import through the API: whom the calling key acts for at most
    /// (`AuthRecord::creator`), so its imports are capped as the keys it makes are.
    pub created_by: Option<i32>,
}

/// A key imported (or, in a dry run, that would be).
pub struct Imported {
    pub line: usize,
    /// Empty in a dry run.
    pub public_id: String,
    pub label: String,
    pub owner: String,
}

/// Why an import did nothing.
#[derive(Debug)]
pub enum Refusal {
    /// Line `0`'s entry, for the reason of catalog key `1`.
    Line(usize, &'static str),
    Change(ChangeError),
}

impl From<ChangeError> for Refusal {
    fn from(e: ChangeError) -> Self {
        Refusal::Change(e)
    }
}

impl From<diesel::result::Error> for Refusal {
    fn from(e: diesel::result::Error) -> Self {
        Refusal::Change(e.into())
    }
}

/// Most keys one import may hold.
pub const MAX_ENTRIES: usize = 10_000;

/// One key as the file gives it (JSON object or CSV row, same names).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    owner: String,
    label: String,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    expires_at: Option<String>,
    /// Space-separated.
    #[serde(default)]
    scopes: Option<String>,
    /// The token itself, when the old system kept it.
    #[serde(default)]
    secret: Option<String>,
    /// Else its hash, in `hash_format` (`auth::imported_hash::FORMATS`).
    #[serde(default)]
    hash: Option<String>,
    #[serde(default)]
    hash_format: Option<String>,
    /// The part of the token before its first dot, when the old system found tokens by it.
    #[serde(default)]
    prefix: Option<String>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn time(v: &Option<String>) -> Result<Option<NaiveDateTime>, ()> {
    given(v)
        .map(|t| {
            chrono::DateTime::parse_from_rfc3339(t)
                .map(|t| t.naive_utc())
                .map_err(|_| ())
        })
        .transpose()
}

/// An entry checked for form: what it stores and how its token is found.
fn prepare(
    line: usize,
    raw: Raw,
    hasher: &crate::auth::secret_hash::SecretHasher,
    now: NaiveDateTime,
) -> Result<Entry, Refusal> {
    use crate::auth::imported_hash;
    use crate::domain::{scopes, validation};
    let bad = |key| Refusal::Line(line, key);
    let label = validation::label(&raw.label).map_err(bad)?;
    let created_at = time(&raw.created_at).map_err(|_| bad("import.bad_time"))?;
    if created_at.is_some_and(|t| t > now) {
        return Err(bad("import.bad_time"));
    }
    let expires_at = time(&raw.expires_at).map_err(|_| bad("import.bad_time"))?;
    let asked: Vec<&str> =
        given(&raw.scopes).map_or(Vec::new(), |s| s.split_whitespace().collect());
    let scopes = scopes::stored(&scopes::checked_set(&asked).map_err(bad)?);
    let prefix = given(&raw.prefix);
    if prefix.is_some_and(|p| {
        p.len() > 64
            || !p
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    }) {
        return Err(bad("import.bad_prefix"));
    }
    let (secret_hash, sha256) = match (given(&raw.secret), given(&raw.hash)) {
        (Some(secret), None) => {
            let plausible =
                crate::domain::credential::parse_presented(secret).is_some_and(|p| p.imported);
            if !plausible {
                return Err(bad("import.bad_secret"));
            }
            (hasher.hash(secret), Some(imported_hash::sha256_hex(secret)))
        }
        (None, Some(hash)) => {
            let format = given(&raw.hash_format).ok_or(bad("import.unknown_format"))?;
            let stored = imported_hash::stored(format, hash).map_err(bad)?;
            let sha = (format == "sha256").then(|| hash.to_lowercase());
            (stored, sha)
        }
        _ => return Err(bad("import.secret_or_hash")),
    };
    let lookup = match (prefix, sha256) {
        (Some(p), _) => format!("prefix:{p}"),
        (None, Some(hex)) => format!("sha256:{hex}"),
        // A salted hash cannot be looked up: the token must name its key.
        (None, None) => return Err(bad("import.prefix_required")),
    };
    Ok(Entry {
        line,
        owner: raw.owner.trim().to_owned(),
        label,
        created_at,
        expires_at,
        scopes,
        secret_hash,
        lookup,
        rate_limit: None,
        allowed_from: String::new(),
        created_by: None,
    })
}

/// The entries of a file: a JSON array of objects (or CSV with a header row, `csv`), each
/// checked for form. Refused at the first that is not right, naming its line (CSV) or its
/// position from 1 (JSON).
pub fn parse(
    body: &[u8],
    csv: bool,
    hasher: &crate::auth::secret_hash::SecretHasher,
    now: NaiveDateTime,
) -> Result<Vec<Entry>, Refusal> {
    let mut entries = Vec::new();
    if csv {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(body);
        for record in reader.deserialize::<Raw>() {
            let line = entries.len() + 2;
            let raw = record.map_err(|e| {
                Refusal::Line(
                    e.position().map_or(line, |p| p.line() as usize),
                    "import.bad_row",
                )
            })?;
            if entries.len() == MAX_ENTRIES {
                return Err(Refusal::Line(line, "import.too_many"));
            }
            entries.push(prepare(line, raw, hasher, now)?);
        }
    } else {
        let values: Vec<serde_json::Value> =
            serde_json::from_slice(body).map_err(|_| Refusal::Line(0, "import.bad_json"))?;
        if values.len() > MAX_ENTRIES {
            return Err(Refusal::Line(MAX_ENTRIES + 1, "import.too_many"));
        }
        for (i, value) in values.into_iter().enumerate() {
            let raw: Raw = serde_json::from_value(value)
                .map_err(|_| Refusal::Line(i + 1, "import.bad_row"))?;
            entries.push(prepare(i + 1, raw, hasher, now)?);
        }
    }
    if entries.is_empty() {
        return Err(Refusal::Line(0, "import.empty"));
    }
    Ok(entries)
}

/// The owner an entry names, in the account.
fn owner_of(conn: &mut DbConn, account_id: i32, owner: &str) -> ChangeResult<Option<OwnerRef>> {
    if let Some(name) = owner.strip_prefix("machine:") {
        return Ok(machines::list(conn, account_id)?
            .into_iter()
            .find(|m| m.name == name.trim())
            .map(|m| OwnerRef::Machine(m.id)));
    }
    Ok(
        operators::find_by_email(conn, &owner.trim().to_lowercase())?
            .filter(|o| o.account_id == account_id)
            .map(|o| OwnerRef::Operator(o.id)),
    )
}

/// Imports `entries` into the account, or (`dry_run`) says what it would import. Refused as
/// a whole at the first entry that cannot be: an unknown owner, one the actor may not manage
/// the keys of, scopes the actor may not give, a token another key (or entry) already has.
pub fn import(
    conn: &mut DbConn,
    ctx: &Ctx,
    account_id: i32,
    entries: &[Entry],
    dry_run: bool,
) -> Result<Vec<Imported>, Refusal> {
    let attempt = |conn: &mut DbConn| -> Result<Vec<Imported>, Refusal> {
        // Tokens other keys have already, read at once (not a query per key).
        let asked: Vec<String> = entries.iter().map(|e| e.lookup.clone()).collect();
        let mut taken = std::collections::HashSet::new();
        for chunk in asked.chunks(1000) {
            taken.extend(creds::import_lookups_taken(conn, chunk)?);
        }
        // Each owner, and each set of scopes, is checked once however many keys name it.
        let mut owners: HashMap<&str, Option<OwnerRef>> = HashMap::new();
        let mut scopes_given = std::collections::HashSet::new();
        let mut done = Vec::new();
        for e in entries {
            let line = |key| Refusal::Line(e.line, key);
            let owner = match owners.get(e.owner.as_str()) {
                Some(known) => *known,
                None => {
                    let found = owner_of(conn, account_id, &e.owner)?;
                    let allowed = match found {
                        None => None,
                        Some(owner) => match may_manage_keys(conn, ctx, owner) {
                            Ok(()) => Some(owner),
                            Err(ChangeError::Denied(_)) => None,
                            Err(other) => return Err(other.into()),
                        },
                    };
                    owners.insert(&e.owner, allowed);
                    allowed
                }
            };
            // An owner who does not exist and one whose keys the actor may not manage are
            // told alike: an import must not list who exists.
            let Some(owner) = owner else {
                return Err(line("import.unknown_owner"));
            };
            if !scopes_given.contains(e.scopes.as_str()) {
                match super::credentials::may_give_scopes(conn, ctx, account_id, "", &e.scopes) {
                    Ok(()) => {}
                    Err(ChangeError::Denied(_)) | Err(ChangeError::Refused(_)) => {
                        return Err(line("import.scopes_forbidden"));
                    }
                    Err(other) => return Err(other.into()),
                }
                scopes_given.insert(e.scopes.as_str());
            }
            // Another key's, or an earlier line's.
            if !taken.insert(e.lookup.clone()) {
                return Err(line("import.duplicate_token"));
            }
            let mut public_id = String::new();
            if !dry_run {
                public_id = crate::domain::credential::generate_public_id().map_err(|e| {
                    ChangeError::Db(diesel::result::Error::QueryBuilderError(
                        e.to_string().into(),
                    ))
                })?;
                let input = NewCredentialInput {
                    account_id,
                    owner,
                    public_id: &public_id,
                    secret_hash: &e.secret_hash,
                    label: &e.label,
                    created_by: e.created_by,
                    expires_at: e.expires_at,
                    allowed_from: &e.allowed_from,
                    scopes: &e.scopes,
                    rate_limit: e.rate_limit,
                    notify_new_network: None,
                    canary: false,
                };
                let made = creds::create_imported(
                    conn,
                    &input,
                    &e.lookup,
                    e.created_at.unwrap_or(ctx.at),
                )?;
                let mut details = vec![change("line", "", e.line)];
                details.extend(super::credentials::creation_details(&made));
                super::journal(
                    conn,
                    ctx,
                    Action::CredentialImported,
                    &credential_target(&made),
                    &details,
                )?;
                // Its owner hears of it like of any key made for them (whoever imported it
                // chose a token they know).
                let mail = super::credentials::CredentialMail::Created;
                super::credentials::tell_owner_of(conn, ctx, &made, mail)?;
            }
            done.push(Imported {
                line: e.line,
                public_id,
                label: e.label.clone(),
                owner: e.owner.clone(),
            });
        }
        Ok(done)
    };
    // A refusal rolls the whole transaction back: nothing of the file is kept.
    let mut refused_at = None;
    let result = write(conn, |conn| match attempt(conn) {
        Ok(done) => Ok(done),
        Err(Refusal::Line(line, key)) => {
            refused_at = Some((line, key));
            Err(ChangeError::Refused(key))
        }
        Err(Refusal::Change(e)) => Err(e),
    });
    match (result, refused_at) {
        (Ok(done), _) => Ok(done),
        (Err(_), Some((line, key))) => Err(Refusal::Line(line, key)),
        (Err(e), None) => Err(Refusal::Change(e)),
    }
}
