//! The one key list: the operator's API management tab (staged until Save), My profile →
//! API credentials and a machine's API keys card (immediate). One row builder, one set of
//! templates (`templates/credentials/`), one reveal-once modal, one set of immediate actions;
//! each page only says how it is configured.

use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use chrono::NaiveDateTime;
use serde::Deserialize;

use super::reveal::{self, Reveal, RevealedKey};
use super::{Chrome, Ctx};
use crate::auth::mint::{Minted, mint};
use crate::changes;
use crate::db::credentials::{
    Credential, CredentialChange, KEYS_PER_PAGE, KeyPage, NewCredentialInput, OwnerRef,
};
use crate::domain::credential::{Secret, parse_token};
use crate::domain::draft::{Draft, RowChange, RowView};
use crate::domain::validation;
use crate::error::AppError;

pub struct KeyRow {
    pub public_id: String,
    pub label: String,
    /// The label holds characters that change the direction of text (flagged in the list).
    pub bidi: bool,
    pub active: bool,
    pub created: String,
    pub last_used: String,
    pub last_ip: String,
    pub expiry: Option<Expiry>,
    /// Its scopes, sorted and space-separated (as stored).
    pub scopes: String,
    /// Unused (dormant keys): the date it will be deactivated unless used.
    pub dormant_until: Option<String>,
    /// A roll staged on the API management tab: the name of its grace window.
    pub roll_grace: Option<&'static str>,
    /// A tripwire, never a working key.
    pub canary: bool,
    /// Its last roll's old secret is still accepted until then (no new roll before).
    pub old_until: Option<String>,
    pub change: RowChange,
}

/// A key's expiry as the list shows it.
pub struct Expiry {
    pub date: String,
    pub passed: bool,
    /// Within `EXPIRES_SOON_DAYS`: time to replace the key.
    pub soon: bool,
}

impl Expiry {
    pub fn of(c: &Chrome, expires_at: Option<NaiveDateTime>, now: NaiveDateTime) -> Option<Expiry> {
        expires_at.map(|at| Expiry {
            date: c.date(&at),
            passed: at <= now,
            soon: at - now <= chrono::Duration::days(EXPIRES_SOON_DAYS),
        })
    }
}

/// A form in a modal over the list: add, edit (rename, and status where the page has it).
pub struct FormDialog {
    pub public_id: String,
    pub label: String,
    /// The Add dialog's expiry date as typed (`YYYY-MM-DD`, or empty).
    pub expires: String,
    /// The Add dialog's scopes as typed (space-separated).
    pub scopes: String,
    pub active: bool,
    /// The Add dialog's canary box (My profile, a machine's keys).
    pub canary: bool,
    pub error: Option<&'static str>,
}

pub struct DeleteDialog {
    pub public_id: String,
    pub label: String,
}

/// The API management tab's Roll dialog: a grace window for the old secret.
pub struct RollDialog {
    pub public_id: String,
    pub label: String,
    /// The grace window's code chosen (or staged already).
    pub grace: String,
    pub error: Option<&'static str>,
}

/// A dialog refused with a message, to show again (422).
pub enum Refused {
    Add(FormDialog),
    Edit(FormDialog),
    Roll(RollDialog),
}

/// The name of a grace window, by its code (`changes::credentials::GRACE_WINDOWS`).
fn grace_name(code: &str) -> Option<&'static str> {
    changes::credentials::GRACE_WINDOWS
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, _, name)| *name)
}

/// New secrets shown once (`templates/credentials/_reveal.html`).
pub struct RevealView {
    pub keys: Vec<RevealedKeyView>,
    /// Keys rolled by a Save: their old secrets may still work for a while.
    pub rolled: bool,
}

pub struct RevealedKeyView {
    /// Ends the ids of its fields: none for the first key, `-2`, `-3`… for the next.
    pub id_suffix: String,
    pub public_id: String,
    pub label: String,
    pub secret: Secret,
    pub token: Secret,
}

impl From<Reveal> for RevealView {
    fn from(r: Reveal) -> Self {
        RevealView {
            keys: r
                .keys
                .into_iter()
                .enumerate()
                .map(|(i, k)| RevealedKeyView {
                    id_suffix: if i == 0 {
                        String::new()
                    } else {
                        format!("-{}", i + 1)
                    },
                    token: k.token(),
                    public_id: k.public_id,
                    label: k.label,
                    secret: k.secret,
                })
                .collect(),
            rolled: r.rolled,
        }
    }
}

/// Catalog keys of the wording that differs between pages.
pub struct Texts {
    pub label_header: &'static str,
    pub add: &'static str,
    pub add_title: &'static str,
    pub add_intro: &'static str,
    pub add_submit: &'static str,
    pub edit: &'static str,
    pub edit_title: &'static str,
    pub delete: &'static str,
    pub delete_title: &'static str,
    pub delete_question: &'static str,
    pub empty: &'static str,
    pub help: &'static str,
    pub secret_name: &'static str,
    pub reveal_title: &'static str,
    pub reveal_intro: &'static str,
    pub reveal_note: &'static str,
    pub reveal_done: &'static str,
    /// "Active" / "Inactive" as the page's noun wants them (French: « Actif » for an API
    /// account, « Active » for a key).
    pub active: &'static str,
    pub inactive: &'static str,
}

/// How a page shows its keys.
pub struct Config {
    /// The page's URL; actions post to `{base}/add`, `{base}/{public id}/rename`, …
    pub base: String,
    /// Where each saved key's own page is: `{detail}/{public id}`.
    pub detail: String,
    pub staged: bool,
    pub can_edit: bool,
    pub username_column: bool,
    pub created_column: bool,
    pub last_used_column: bool,
    /// The last client address in a column of its own (else after the time).
    pub last_ip_column: bool,
    /// "switch" (staged toggle), "badge", or "none".
    pub status: &'static str,
    /// The pencil edits the status too (machine keys).
    pub edit_status: bool,
    /// The red circle asks first.
    pub confirm_delete: bool,
    /// The delete control says its words beside the icon (the API management tab, as the
    /// seeds show a "Delete API user" button).
    pub delete_words: bool,
    pub plus_icon: bool,
    pub texts: Texts,
}

pub struct KeyList {
    /// How the page shows its keys (the template reads `keys.config.…`).
    pub config: Config,
    /// The note under the list, with how far behind *last used* may be.
    pub help: String,
    pub rows: Vec<KeyRow>,
    pub pager: Pager,
    pub add_dialog: Option<FormDialog>,
    pub edit_dialog: Option<FormDialog>,
    pub delete_dialog: Option<DeleteDialog>,
    pub roll_dialog: Option<RollDialog>,
    /// The grace windows the Roll dialog offers: code, length, name.
    pub graces: &'static [(&'static str, chrono::Duration, &'static str)],
    pub reveal: Option<RevealView>,
}

/// The Add dialog's fields.
#[derive(Deserialize)]
pub struct NewKeyForm {
    pub label: String,
    /// Optional (`YYYY-MM-DD`): the key stops working at 00:00 UTC that day.
    #[serde(default)]
    pub expires: String,
    /// Optional: scope names, space-separated (`domain::scopes`).
    #[serde(default)]
    pub scopes: String,
    /// `on`: a canary (`db::credentials::Credential::canary`).
    #[serde(default)]
    pub canary: Option<String>,
}

pub struct NewKey {
    pub label: String,
    pub expires_at: Option<NaiveDateTime>,
    /// Stored form (`domain::scopes::stored`).
    pub scopes: String,
    pub canary: bool,
}

impl NewKeyForm {
    /// The key to create, or the Add dialog to show again with what is wrong.
    pub fn validate(self, now: NaiveDateTime) -> Result<NewKey, FormDialog> {
        let canary = self.canary.as_deref() == Some("on");
        let checked = validation::label(&self.label).and_then(|label| {
            let expires_at = validation::expiry_date(&self.expires, now)?;
            let asked: Vec<&str> = self.scopes.split_whitespace().collect();
            let scopes =
                crate::domain::scopes::stored(&crate::domain::scopes::checked_set(&asked)?);
            Ok(NewKey {
                label,
                expires_at,
                scopes,
                canary,
            })
        });
        checked.map_err(|key| FormDialog {
            public_id: String::new(),
            label: self.label,
            expires: self.expires,
            scopes: self.scopes,
            active: true,
            error: Some(key),
            canary,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct KeyQuery {
    pub dialog: Option<String>,
    pub row: Option<String>,
    /// Narrows the list: part of a label, or the start of a public id.
    pub q: Option<String>,
    /// 1-based.
    pub page: Option<u32>,
}

impl KeyQuery {
    /// The search, trimmed. A whole token pasted in ("which key is this?") is searched by its
    /// public id: its secret goes no further (`keyward.js` already strips it before the
    /// browser sends the form).
    pub fn search(&self) -> String {
        let typed = self.q.as_deref().map_or("", str::trim);
        parse_token(typed).map_or_else(|| typed.to_owned(), |t| t.public_id)
    }

    /// When a whole token arrived in the search (the script did not run), the same list
    /// searched by the public id alone: redirecting there takes the secret out of the address
    /// bar, the history and every link of the page.
    pub fn without_secret(&self, base: &str) -> Option<String> {
        let typed = self.q.as_deref().map_or("", str::trim);
        parse_token(typed).map(|t| {
            let position = ListPosition {
                q: Some(t.public_id),
                page: self.page,
            };
            position.back_to(base)
        })
    }

    /// The search (as long as a label at most, else 400) and the page asked for.
    pub fn list_request(&self) -> Result<(String, i64), AppError> {
        let search = self.search();
        if search.chars().count() > validation::MAX_LABEL_CHARS {
            return Err(AppError::BadRequest("error.search_too_long"));
        }
        Ok((search, i64::from(self.page.unwrap_or(1))))
    }
}

/// Where a row's form was posted from (the list's search and page, carried in its action),
/// so the answer goes back there instead of to the first page.
#[derive(Debug, Default, Deserialize)]
pub struct ListPosition {
    pub q: Option<String>,
    pub page: Option<u32>,
}

impl ListPosition {
    /// The list at this position.
    pub fn back_to(&self, base: &str) -> String {
        match (&self.q, self.page) {
            (None, None) => base.to_owned(),
            (q, page) => format!(
                "{base}?{}",
                list_query(q.as_deref().unwrap_or(""), i64::from(page.unwrap_or(1)))
            ),
        }
    }

    /// The same list, to show again with a refused dialog over it.
    pub fn query(&self) -> KeyQuery {
        KeyQuery {
            q: self.q.clone(),
            page: self.page,
            ..KeyQuery::default()
        }
    }
}

/// Where the list is (search and page), for its links.
pub struct Pager {
    pub search: String,
    pub pages: i64,
    pub total: i64,
    /// 1-based positions of the first and last row shown.
    pub first: i64,
    pub last: i64,
    /// `&q=…&page=…` for links that must come back to this very page (URL-encoded; empty
    /// on the first page of the whole list).
    pub here: String,
    /// `?q=…&page=…`, the same for the actions of the rows' forms.
    pub at: String,
    pub previous: Option<String>,
    pub next: Option<String>,
}

/// `q=…&page=…`, URL-encoded: where a key list is.
fn list_query(search: &str, page: i64) -> String {
    serde_urlencoded::to_string([("q", search), ("page", &page.to_string())]).unwrap_or_default()
}

impl Pager {
    fn new(base: &str, search: &str, page: &KeyPage) -> Pager {
        let (pages, shown) = (page.pages(), page.rows.len() as i64);
        let first = (page.page - 1) * KEYS_PER_PAGE + 1;
        // On the first page of the whole list, links and forms carry no position.
        let position = (page.page > 1 || !search.is_empty()).then(|| list_query(search, page.page));
        let link = |n: i64| format!("{base}?{}", list_query(search, n));
        Pager {
            search: search.to_owned(),
            pages,
            total: page.total,
            first: if shown == 0 { 0 } else { first },
            last: first + shown - 1,
            here: position
                .as_ref()
                .map(|p| format!("&{p}"))
                .unwrap_or_default(),
            at: position
                .as_ref()
                .map(|p| format!("?{p}"))
                .unwrap_or_default(),
            previous: (page.page > 1).then(|| link(page.page - 1)),
            next: (page.page < pages).then(|| link(page.page + 1)),
        }
    }

    /// The search box and page links are shown only when they help.
    pub fn needed(&self) -> bool {
        self.pages > 1 || !self.search.is_empty()
    }
}

/// How close an expiry must be for the list to flag it.
const EXPIRES_SOON_DAYS: i64 = 14;

fn row(
    c: &Chrome,
    cred: &Credential,
    config: &Config,
    draft: Option<&Draft>,
    now: NaiveDateTime,
) -> KeyRow {
    let saved = cred.saved_row();
    let RowView {
        label,
        active,
        scopes,
        change,
    } = match draft {
        Some(d) => d.view(&saved),
        None => RowView {
            label: saved.label,
            active: saved.active,
            scopes: saved.scopes,
            change: RowChange::UNCHANGED,
        },
    };
    let last_used = match (&cred.last_used_at, cred.usage_tracked) {
        (Some(at), _) => match (&cred.last_used_ip, config.last_ip_column) {
            (Some(ip), false) => format!("{} {} {ip}", c.datetime(at), c.t("api.from_ip")),
            _ => c.datetime(at),
        },
        (None, true) => c.t("api.not_yet_used").to_owned(),
        (None, false) => c.t("api.last_used_unknown").to_owned(),
    };
    KeyRow {
        public_id: cred.public_id.clone(),
        bidi: validation::has_bidi_controls(&label),
        label,
        active,
        created: c.date(&cred.created_at),
        last_used,
        last_ip: cred.last_used_ip.clone().unwrap_or_default(),
        expiry: Expiry::of(c, cred.expires_at, now),
        scopes,
        dormant_until: cred.dormant_noticed_at.map(|at| {
            let days = changes::credentials::DORMANT_GRACE_DAYS;
            c.date(&(at + chrono::Duration::days(days)))
        }),
        roll_grace: change.rolling.as_deref().and_then(grace_name),
        canary: cred.canary,
        old_until: cred
            .previous_hash(now)
            .and(cred.previous_until)
            .map(|at| c.datetime(&at)),
        change,
    }
}

/// The owner key of the reveal cookie: a secret is shown only on the page it was made for.
pub fn reveal_owner(config_base: &str) -> String {
    config_base.to_owned()
}

impl KeyList {
    /// Builds the list from saved credentials (and a draft on the staged tab), opens the
    /// dialog the query asks for (or the refused one), and takes a pending reveal.
    pub async fn build(
        ctx: &Ctx,
        req: &HttpRequest,
        config: Config,
        saved: &KeyPage,
        draft: Option<&Draft>,
        query: &KeyQuery,
        refused: Option<Refused>,
    ) -> Result<KeyList, AppError> {
        let reveal = reveal::take(ctx, req, &reveal_owner(&config.base))
            .await?
            .map(RevealView::from);
        let (c, now) = (&ctx.chrome, ctx.state.clock.now());
        let mut rows: Vec<KeyRow> = saved
            .rows
            .iter()
            .map(|cred| row(c, cred, &config, draft, now))
            .collect();
        // Staged keys come after the saved ones: on the last page, when they match.
        let search = query.search();
        let search_folded = search.to_lowercase();
        let staged = draft
            .map(|d| d.adds.as_slice())
            .unwrap_or_default()
            .iter()
            .filter(|_| saved.page == saved.pages())
            .filter(|add| {
                add.label.to_lowercase().contains(&search_folded)
                    || add.public_id.to_lowercase().starts_with(&search_folded)
            });
        for add in staged {
            rows.push(KeyRow {
                public_id: add.public_id.clone(),
                label: add.label.clone(),
                bidi: validation::has_bidi_controls(&add.label),
                active: add.active,
                created: String::new(),
                last_used: c.t("api.not_yet_used").to_owned(),
                last_ip: String::new(),
                expiry: Expiry::of(c, add.expires_at, now),
                scopes: add.scopes.clone(),
                dormant_until: None,
                roll_grace: None,
                canary: false,
                old_until: None,
                change: RowChange {
                    new: true,
                    ..RowChange::UNCHANGED
                },
            });
        }
        let find = |id: &Option<String>| -> Result<&KeyRow, AppError> {
            id.as_ref()
                .and_then(|id| rows.iter().find(|r| &r.public_id == id))
                .ok_or(AppError::NotFound)
        };
        let (mut add_dialog, mut edit_dialog, mut delete_dialog) = (None, None, None);
        let mut roll_dialog = None;
        match (refused, query.dialog.as_deref()) {
            (Some(Refused::Add(d)), _) => add_dialog = Some(d),
            (Some(Refused::Edit(d)), _) => edit_dialog = Some(d),
            (Some(Refused::Roll(d)), _) => roll_dialog = Some(d),
            (None, Some("roll")) if config.can_edit && config.staged => {
                let r = find(&query.row)?;
                if r.change.new {
                    return Err(AppError::NotFound);
                }
                roll_dialog = Some(RollDialog {
                    public_id: r.public_id.clone(),
                    label: r.label.clone(),
                    grace: r.change.rolling.clone().unwrap_or_else(|| "PT24H".into()),
                    error: None,
                });
            }
            (None, Some("add")) if config.can_edit => {
                add_dialog = Some(FormDialog {
                    public_id: String::new(),
                    label: String::new(),
                    expires: String::new(),
                    scopes: String::new(),
                    active: true,
                    error: None,
                    canary: false,
                })
            }
            (None, Some("edit")) if config.can_edit => {
                let r = find(&query.row)?;
                edit_dialog = Some(FormDialog {
                    public_id: r.public_id.clone(),
                    label: r.label.clone(),
                    expires: String::new(),
                    scopes: r.scopes.clone(),
                    active: r.active,
                    error: None,
                    canary: false,
                });
            }
            (None, Some("delete")) if config.can_edit => {
                let r = find(&query.row)?;
                delete_dialog = Some(DeleteDialog {
                    public_id: r.public_id.clone(),
                    label: r.label.clone(),
                });
            }
            _ => {}
        }
        let pager = Pager::new(&config.base, &search, saved);
        let help = c
            .t(config.texts.help)
            .replace("{delay}", &delay(c, ctx.state.settings.last_used_flush_ms));
        Ok(KeyList {
            config,
            help,
            rows,
            pager,
            add_dialog,
            edit_dialog,
            delete_dialog,
            roll_dialog,
            graces: &changes::credentials::GRACE_WINDOWS,
            reveal,
        })
    }
}

/// How far behind *last used* may be, in words: the flush interval.
fn delay(c: &Chrome, flush_ms: u64) -> String {
    let seconds = flush_ms.div_ceil(1000).max(1);
    match (seconds % 60, seconds / 60) {
        (0, 1) => c.t("time.one_minute").to_owned(),
        (0, minutes) => c.t("time.minutes").replace("{n}", &minutes.to_string()),
        _ => c.t("time.seconds").replace("{n}", &seconds.to_string()),
    }
}

/// Sends a page that may have shown a reveal: once shown (`taken`) its cookie goes. A reveal
/// meant for another page stays for it (another tab must not destroy a secret shown once);
/// it ends by itself within minutes.
pub fn finish_page(
    req: &HttpRequest,
    mut res: HttpResponse,
    secure: bool,
    taken: bool,
) -> Result<HttpResponse, AppError> {
    if taken && reveal::present(req) {
        res.add_cookie(&reveal::removal(secure))
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(res)
}

/// Redirects to the list with a new secret to reveal once.
pub async fn redirect_with_reveal(
    ctx: &Ctx,
    base: &str,
    minted: Minted,
    label: String,
) -> Result<HttpResponse, AppError> {
    let mut res = HttpResponseBuilder::new(actix_web::http::StatusCode::SEE_OTHER);
    res.insert_header((actix_web::http::header::LOCATION, base.to_owned()));
    let reveal = Reveal {
        owner: reveal_owner(base),
        keys: vec![RevealedKey {
            public_id: minted.public_id,
            label,
            secret: minted.secret,
        }],
        rolled: false,
    };
    reveal::attach(ctx, &mut res, &reveal).await?;
    Ok(res.finish())
}

/// Immediate changes (My profile, machines): they take effect at once.
pub enum Change {
    Create(NewKey),
    Update {
        public_id: String,
        label: Option<String>,
        active: Option<bool>,
    },
    Delete {
        public_id: String,
    },
}

/// Applies an immediate change to `owner`'s keys and answers with the redirect (and, for a
/// new key, the reveal). Another owner's key id is "not found".
pub async fn apply(
    ctx: &Ctx,
    owner: OwnerRef,
    base: &str,
    change: Change,
) -> Result<HttpResponse, AppError> {
    let me = ctx.operator()?;
    let (account_id, actor) = (me.account_for(owner), me.id);
    let cx = ctx.change()?;
    match change {
        Change::Create(NewKey {
            label,
            expires_at,
            scopes,
            canary,
        }) => {
            let minted = mint(ctx.state.verifier.hasher())?;
            let (public_id, hash, stored_label) = (
                minted.public_id.clone(),
                minted.secret_hash.clone(),
                label.clone(),
            );
            ctx.state
                .db(move |c| {
                    let input = NewCredentialInput {
                        account_id,
                        owner,
                        public_id: &public_id,
                        secret_hash: &hash,
                        label: &stored_label,
                        created_by: Some(actor),
                        expires_at,
                        allowed_from: "",
                        scopes: &scopes,
                        rate_limit: None,
                        notify_new_network: None,
                        canary,
                    };
                    Ok(changes::credentials::create(c, &cx, &input, false)?)
                })
                .await?;
            redirect_with_reveal(ctx, base, minted, label).await
        }
        Change::Update {
            public_id,
            label,
            active,
        } => {
            ctx.state
                .db(move |c| {
                    let edit = CredentialChange {
                        label: label.as_deref(),
                        active,
                        ..Default::default()
                    };
                    Ok(changes::credentials::update(
                        c, &cx, owner, &public_id, edit,
                    )?)
                })
                .await?;
            ctx.flash("keys.saved")?;
            Ok(super::see_other(base))
        }
        Change::Delete { public_id } => {
            ctx.state
                .db(move |c| Ok(changes::credentials::delete(c, &cx, owner, &public_id)?))
                .await?;
            ctx.flash("keys.deleted")?;
            Ok(super::see_other(base))
        }
    }
}
