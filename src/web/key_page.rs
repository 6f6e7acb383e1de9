//! One key's own page, under the list it belongs to (My profile, an operator's API
//! management tab, a machine): what it is, whose, since when, last use, its rotation, and
//! its journal. Each list's module checks what its list needs before calling in here; a key
//! that is not the owner's is "not found".

use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use askama::Template;
use diesel::OptionalExtension;
use serde::Deserialize;

use super::keys::{self, Config, Expiry, RevealView, Texts};
use super::reveal::{self, Reveal, RevealedKey};
use super::{Chrome, Ctx, render, see_other};
use crate::changes;
use crate::db::{self, audit::AuditEvent, credentials::Credential, credentials::OwnerRef};
use crate::domain::permissions::Permission;
use crate::error::AppError;

/// One step of the breadcrumbs above the key; the key itself comes last.
pub struct Crumb {
    pub label: String,
    /// None for a menu heading that is no page of its own.
    pub href: Option<String>,
}

impl Crumb {
    pub fn to(label: impl Into<String>, href: impl Into<String>) -> Crumb {
        Crumb {
            label: label.into(),
            href: Some(href.into()),
        }
    }

    pub fn heading(label: impl Into<String>) -> Crumb {
        Crumb {
            label: label.into(),
            href: None,
        }
    }
}

/// Where a key's page is and what may be done on it, from its list's `Config`.
pub struct Listing {
    pub owner: OwnerRef,
    pub crumbs: Vec<Crumb>,
    /// The list's config: `base` is the list, `detail` where key pages are.
    pub config: Config,
    /// Roll and retire here, at once (not on the staged API management tab).
    pub can_roll: bool,
}

fn page_url(config: &Config, public_id: &str) -> String {
    format!("{}/{public_id}", config.detail)
}

/// A rolled key's two secrets, as its owner watches them.
pub struct Rotation {
    pub rolled: String,
    /// While the old secret is still accepted: until when.
    pub until: Option<String>,
    /// When and from where the old secret was last presented since the roll.
    pub old_seen: Option<(String, String)>,
    /// When the new one was last presented (after the roll).
    pub new_seen: Option<String>,
    /// Nothing presented the old secret for `KEYWARD_ROLL_QUIET_MINUTES`.
    pub safe: bool,
    /// Uses of the old secret since the roll, and the addresses they came from (as written
    /// so far: every flush interval).
    pub old_uses: i64,
    pub old_from: Vec<String>,
    /// Uses of the new secret.
    pub new_uses: i64,
}

/// One line of the key's sources, as its page shows it.
pub struct SourceLine {
    pub address: String,
    pub user_agent: String,
    pub secret: &'static str,
    pub first_seen: String,
    pub last_seen: String,
    pub uses: i64,
}

fn rotation(
    c: &Chrome,
    key: &Credential,
    sources: &[crate::auth::key_sources::Source],
    now: chrono::NaiveDateTime,
    quiet: i64,
) -> Option<Rotation> {
    use crate::auth::key_sources::SecretRole;
    let rolled_at = key.rolled_at?;
    let (mut old_uses, mut new_uses, mut old_from) = (0, 0, Vec::<String>::new());
    let mut new_last: Option<chrono::NaiveDateTime> = None;
    for s in sources {
        match SecretRole::of(s, key, now) {
            SecretRole::Previous => {
                old_uses += s.uses;
                if !old_from.contains(&s.address) {
                    old_from.push(s.address.clone());
                }
            }
            SecretRole::Current => {
                new_uses += s.uses;
                new_last = new_last.max(Some(s.last_seen));
            }
            SecretRole::Retired => {}
        }
    }
    let open = key.previous_hash(now).is_some();
    let old_seen = key.previous_last_used_at.map(|at| {
        (
            c.datetime(&at),
            key.previous_last_used_ip.clone().unwrap_or_default(),
        )
    });
    let quiet_since = key.previous_last_used_at.unwrap_or(rolled_at);
    Some(Rotation {
        rolled: c.datetime(&rolled_at),
        until: key
            .previous_until
            .filter(|_| open)
            .map(|at| c.datetime(&at)),
        old_seen: old_seen.filter(|_| open),
        // The new secret's sources say it was used even within the second of the roll.
        new_seen: new_last
            .or(key.last_used_at.filter(|at| *at > rolled_at))
            .map(|at| c.datetime(&at)),
        safe: open && now - quiet_since >= chrono::Duration::minutes(quiet),
        old_uses,
        old_from,
        new_uses,
    })
}

#[derive(Template)]
#[template(path = "credentials/detail.html")]
struct KeyPage {
    c: Chrome,
    crumbs: Vec<Crumb>,
    /// The list the key belongs to, and this page.
    back: String,
    here: String,
    key: Credential,
    owner_name: String,
    created_by: Option<String>,
    expiry: Option<Expiry>,
    last_used: Option<String>,
    rotation: Option<Rotation>,
    sources: Vec<SourceLine>,
    /// Its own rate limit: (uses, catalog key of "per minute" …, code of the window).
    rate: Option<(u32, &'static str, &'static str)>,
    pers: [crate::domain::rate::Per; 3],
    /// Uses and refusals: the last 24 hours and the last 30 days.
    charts: Vec<crate::web::usage::Chart>,
    /// How far behind the counts may be, in seconds.
    counts_behind: u64,
    can_roll: bool,
    /// Rolled on the list's page (the staged API management tab), not here.
    roll_on_tab: bool,
    /// A roll's window is open: no new roll until it ends (or is retired).
    window_open: bool,
    graces: &'static [(&'static str, chrono::Duration, &'static str)],
    events: Vec<AuditEvent>,
    reveal: Option<RevealView>,
    texts: Texts,
    return_focus: &'static str,
}

pub async fn show(
    ctx: Ctx,
    req: &HttpRequest,
    listing: Listing,
    public_id: String,
) -> Result<HttpResponse, AppError> {
    let me = ctx.operator()?;
    let owner = listing.owner;
    let (account_id, can_audit) = (me.account_for(owner), me.may(Permission::AuditRead));
    let here = page_url(&listing.config, &public_id);
    let from = crate::auth::key_usage::Period::Day.from(ctx.state.clock.now());
    let (key, owner_name, created_by, events, series, sources) = ctx
        .state
        .db(move |c| {
            let owner_name = db::credentials::find_owner(c, account_id, owner)?.name;
            let key = db::credentials::find_for_owner(c, owner, &public_id)?;
            let created_by = match key.created_by {
                Some(id) => db::operators::find(c, id).optional()?.map(|o| o.name),
                None => None,
            };
            let events = if can_audit {
                db::audit::recent_for(c, account_id, "credential", &key.public_id, 20)?
            } else {
                Vec::new()
            };
            let series = crate::auth::key_usage::series(c, key.id, from)?;
            let sources = crate::auth::key_sources::of_key(c, key.id)?;
            Ok((key, owner_name, created_by, events, series, sources))
        })
        .await?;
    let reveal = reveal::take(&ctx, req, &here).await?.map(RevealView::from);
    let now = ctx.state.clock.now();
    let quiet = i64::from(ctx.state.settings.roll_quiet_minutes);
    let secure = ctx.state.settings.secure_cookies;
    let c = ctx.chrome;
    let taken = reveal.is_some();
    let res = render(&KeyPage {
        expiry: Expiry::of(&c, key.expires_at, now),
        last_used: key.last_used_at.map(|at| c.datetime(&at)),
        rotation: rotation(&c, &key, &sources, now, quiet),
        sources: sources
            .iter()
            .map(|s| SourceLine {
                address: s.address.clone(),
                user_agent: s.user_agent.clone(),
                secret: crate::auth::key_sources::SecretRole::of(s, &key, now).label_key(),
                first_seen: c.datetime(&s.first_seen),
                last_seen: c.datetime(&s.last_seen),
                uses: s.uses,
            })
            .collect(),
        rate: crate::domain::rate::RateLimit::stored(key.rate_limit, key.rate_window)
            .map(|l| (l.requests, l.per.label_key(), l.per.code())),
        pers: crate::domain::rate::Per::ALL,
        charts: crate::web::usage::charts(&c, &series, now),
        counts_behind: ctx.state.settings.last_used_flush_ms.div_ceil(1000),
        can_roll: listing.can_roll && listing.config.can_edit,
        roll_on_tab: listing.config.staged,
        window_open: key.previous_hash(now).is_some(),
        graces: &changes::credentials::GRACE_WINDOWS,
        c,
        crumbs: listing.crumbs,
        back: listing.config.base,
        here,
        key,
        owner_name,
        created_by,
        events,
        reveal,
        texts: listing.config.texts,
        return_focus: "#roll-key",
    })?;
    keys::finish_page(req, res, secure, taken)
}

#[derive(Deserialize)]
pub struct RollForm {
    grace: String,
}

/// Rolls the key at once and comes back to its page, the new secret to show once there.
pub async fn roll(
    ctx: Ctx,
    listing: Listing,
    public_id: String,
    form: RollForm,
) -> Result<HttpResponse, AppError> {
    let grace = changes::credentials::grace_window(&form.grace)
        .ok_or(AppError::BadRequest("error.bad_form"))?;
    let minted = crate::auth::mint::mint_secret_for(ctx.state.verifier.hasher(), public_id)?;
    let (owner, cx) = (listing.owner, ctx.change()?);
    let (id, hash) = (minted.public_id.clone(), minted.secret_hash.clone());
    let rolled = ctx
        .state
        .db(move |c| {
            Ok(changes::credentials::roll(
                c, &cx, owner, &id, &hash, grace,
            )?)
        })
        .await?;
    let here = page_url(&listing.config, &rolled.public_id);
    let mut res = HttpResponseBuilder::new(actix_web::http::StatusCode::SEE_OTHER);
    res.insert_header((actix_web::http::header::LOCATION, here.clone()));
    let reveal = Reveal {
        owner: here,
        keys: vec![RevealedKey {
            public_id: minted.public_id,
            label: rolled.label,
            secret: minted.secret,
        }],
        rolled: false,
    };
    reveal::attach(&ctx, &mut res, &reveal).await?;
    Ok(res.finish())
}

#[derive(Deserialize)]
pub struct ExtendForm {
    by: String,
}

/// Extends the open roll window once (`changes::credentials::extend_window`); a refusal (no
/// window open, extended already) is said on the page.
pub async fn extend(
    ctx: Ctx,
    listing: Listing,
    public_id: String,
    form: ExtendForm,
) -> Result<HttpResponse, AppError> {
    let by = changes::credentials::grace_window(&form.by)
        .filter(|d| *d > chrono::Duration::zero())
        .ok_or(AppError::BadRequest("error.bad_form"))?;
    let here = page_url(&listing.config, &public_id);
    let (owner, cx) = (listing.owner, ctx.change()?);
    let extended = ctx
        .state
        .db(move |c| {
            Ok(changes::credentials::extend_window(
                c, &cx, owner, &public_id, by,
            ))
        })
        .await?;
    match extended {
        Ok(_) => ctx.flash("key.extended")?,
        Err(changes::ChangeError::Refused(key)) => ctx.flash_error(key)?,
        Err(e) => return Err(e.into()),
    }
    Ok(see_other(&here))
}

#[derive(Deserialize)]
pub struct AllowlistForm {
    /// One address or CIDR range per line (or separated by spaces or commas); empty:
    /// anywhere.
    allowed_from: String,
    /// Scope names separated by spaces; absent: as they are.
    scopes: Option<String>,
    /// Uses per window, empty for none (the account's default); absent: as it is.
    rate_requests: Option<String>,
    #[serde(default)]
    rate_per: String,
    /// Present when the form had the new-network checkbox (then unchecked means off).
    notice_field: Option<String>,
    notify_new_network: Option<String>,
}

/// Sets where the key may be used from, at once; a refused entry comes back as a message.
pub async fn set_allowlist(
    ctx: Ctx,
    listing: Listing,
    public_id: String,
    form: AllowlistForm,
) -> Result<HttpResponse, AppError> {
    let entries: Vec<String> = form
        .allowed_from
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
        .collect();
    let here = page_url(&listing.config, &public_id);
    let checked = crate::domain::validation::allowlist(&entries).and_then(|stored| {
        let scopes = match &form.scopes {
            None => None,
            Some(text) => {
                let asked: Vec<&str> = text.split_whitespace().collect();
                let set = crate::domain::scopes::checked_set(&asked)?;
                Some(crate::domain::scopes::stored(&set))
            }
        };
        let rate_limit = match form.rate_requests.as_deref().map(str::trim) {
            None => None,
            Some("") => Some(None),
            Some(n) => {
                let per =
                    crate::domain::rate::Per::parse(&form.rate_per).ok_or("rate.out_of_range")?;
                let n: i64 = n.parse().map_err(|_| "rate.out_of_range")?;
                Some(Some(crate::domain::rate::RateLimit::checked(n, per)?))
            }
        };
        Ok((stored, scopes, rate_limit))
    });
    let (stored, scopes, rate_limit) = match checked {
        Ok(values) => values,
        Err(key) => {
            ctx.flash_error(key)?;
            return Ok(see_other(&here));
        }
    };
    let notify_new_network = form
        .notice_field
        .map(|_| form.notify_new_network.as_deref() == Some("on"));
    let (owner, cx) = (listing.owner, ctx.change()?);
    let saved = ctx
        .state
        .db(move |c| {
            let edit = db::credentials::CredentialChange {
                label: None,
                active: None,
                allowed_from: Some(&stored),
                scopes: scopes.as_deref(),
                rate_limit,
                notify_new_network,
                ..Default::default()
            };
            Ok(changes::credentials::update(
                c, &cx, owner, &public_id, edit,
            ))
        })
        .await?;
    match saved {
        Ok(_) => {}
        // A scope not in the catalog (anymore), or one this person may not give: said on
        // the page, nothing changed.
        Err(changes::ChangeError::Refused(key)) => {
            ctx.flash_error(key)?;
            return Ok(see_other(&here));
        }
        Err(e) => return Err(e.into()),
    }
    ctx.flash("key.allowlist_saved")?;
    Ok(see_other(&here))
}

/// Ends the roll's window now: only the new secret from the next request on.
pub async fn retire(
    ctx: Ctx,
    listing: Listing,
    public_id: String,
) -> Result<HttpResponse, AppError> {
    let (owner, cx) = (listing.owner, ctx.change()?);
    let id = public_id.clone();
    ctx.state
        .db(move |c| Ok(changes::credentials::retire_previous(c, &cx, owner, &id)?))
        .await?;
    ctx.flash("key.retired")?;
    Ok(see_other(&page_url(&listing.config, &public_id)))
}

/// Every hour of the last 30 days in which the key was presented: `hour,ok,wrong_secret,…`
/// (UTC, RFC 3339), as the key page's charts count them.
pub async fn usage_csv(
    ctx: Ctx,
    listing: Listing,
    public_id: String,
) -> Result<HttpResponse, AppError> {
    use crate::auth::key_usage::{self, Outcome, Period};
    let owner = listing.owner;
    let from = Period::Day.from(ctx.state.clock.now());
    let series = ctx
        .state
        .db(move |c| {
            let key = db::credentials::find_for_owner(c, owner, &public_id)?;
            Ok(key_usage::series(c, key.id, from)?)
        })
        .await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = std::iter::once("hour").chain(Outcome::ALL.iter().map(|o| o.code()));
    out.write_record(header)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    for (hour, counts) in series {
        let at = chrono::DateTime::from_timestamp(hour, 0).unwrap_or_default();
        let row = std::iter::once(at.to_rfc3339()).chain(counts.iter().map(|n| n.to_string()));
        out.write_record(row)
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    let body = out
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"key-usage.csv\"",
        ))
        .body(body))
}

/// One key's line on its owner's usage page.
pub struct KeyTotals {
    pub public_id: String,
    pub label: String,
    pub active: bool,
    pub day_ok: i64,
    pub day_refused: i64,
    pub month_ok: i64,
    pub month_refused: i64,
}

#[derive(Template)]
#[template(path = "credentials/usage.html")]
struct OwnerUsagePage {
    c: Chrome,
    crumbs: Vec<Crumb>,
    owner_name: String,
    back: String,
    detail: String,
    /// Every key of the owner together.
    charts: Vec<crate::web::usage::Chart>,
    keys: Vec<KeyTotals>,
    counts_behind: u64,
}

/// How many keys' counts one query reads: well below SQLite's bound on parameters.
const KEYS_PER_READ: usize = 500;

/// Every key of one owner on one page (`{detail}/usage`): their uses and refusals together
/// in the key page's two charts, then key by key, with the same permission as the list.
pub async fn owner_usage(ctx: Ctx, listing: Listing) -> Result<HttpResponse, AppError> {
    use crate::auth::key_usage::{Period, series_of_keys};
    let owner = listing.owner;
    let account_id = ctx.operator()?.account_for(owner);
    let now = ctx.state.clock.now();
    let (month_from, day_from) = (Period::Day.from(now), Period::Hour.from(now));
    let (owner_name, creds, rows) = ctx
        .state
        .db(move |c| {
            let owner_name = db::credentials::find_owner(c, account_id, owner)?.name;
            let creds = db::credentials::list_for_owner(c, owner)?;
            let ids: Vec<i32> = creds.iter().map(|k| k.id).collect();
            let mut rows = Vec::new();
            for chunk in ids.chunks(KEYS_PER_READ) {
                rows.extend(series_of_keys(c, chunk, month_from)?);
            }
            Ok((owner_name, creds, rows))
        })
        .await?;
    let refused = |n: &crate::auth::key_usage::Counts| n[1..].iter().sum::<i64>();
    // (uses, refusals) of the last 24 hours and of the last 30 days, per key id.
    let mut totals: std::collections::HashMap<i32, [i64; 4]> = Default::default();
    for (id, hour, n) in &rows {
        let t = totals.entry(*id).or_default();
        t[2] += n[0];
        t[3] += refused(n);
        if *hour >= day_from {
            t[0] += n[0];
            t[1] += refused(n);
        }
    }
    let keys = creds
        .iter()
        .map(|k| {
            let [day_ok, day_refused, month_ok, month_refused] =
                totals.get(&k.id).copied().unwrap_or_default();
            KeyTotals {
                public_id: k.public_id.clone(),
                label: k.label.clone(),
                active: k.active,
                day_ok,
                day_refused,
                month_ok,
                month_refused,
            }
        })
        .collect();
    // The charts add hours into their buckets, so every key's hours can go in as they are.
    let together: Vec<(i64, crate::auth::key_usage::Counts)> =
        rows.iter().map(|(_, hour, n)| (*hour, *n)).collect();
    let c = ctx.chrome;
    render(&OwnerUsagePage {
        charts: crate::web::usage::charts(&c, &together, now),
        counts_behind: ctx.state.settings.last_used_flush_ms.div_ceil(1000),
        crumbs: listing.crumbs,
        owner_name,
        back: listing.config.base,
        detail: listing.config.detail,
        keys,
        c,
    })
}
