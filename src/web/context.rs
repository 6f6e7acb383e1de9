//! `Ctx`: what every page handler needs — language, the signed-in operator, the CSRF token,
//! the flash message — and the layout data (`Chrome`) the templates read.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;

use actix_session::{Session, SessionExt};
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, http::Method};
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::State;
use crate::db;
use crate::db::audit::Actor;
use crate::domain::credential::random_alphanumeric;
use crate::domain::permissions::{Grants, Permission};
use crate::error::AppError;
use crate::i18n::Lang;

pub const SESSION_OPERATOR: &str = "operator_id";
pub const SESSION_CSRF: &str = "csrf";
pub const SESSION_LANG: &str = "lang";
pub const SESSION_FLASH: &str = "flash";
/// The operator's `session_epoch` at sign-in: when it moves on (password change,
/// deactivation), every older session ends.
pub const SESSION_EPOCH: &str = "epoch";
/// When the operator signed in, and when this session last made a request (Unix seconds):
/// the server ends sessions idle or old, whatever the cookie says.
pub const SESSION_SIGNED_IN_AT: &str = "signed_in_at";
pub const SESSION_LAST_SEEN: &str = "last_seen";
/// A random tag of the signed-in session, set at sign-in and kept when its id changes: what
/// a reveal is bound to, and what sign-out marks as ended, so that a copy of the session
/// written back by a request still in flight is signed out too.
pub const SESSION_TAG: &str = "tag";
/// The sub account a main account's administrator switched into (checked on every request).
pub const SESSION_ACCOUNT: &str = "account";

#[derive(Debug, Clone)]
pub struct SignedIn {
    pub id: i32,
    /// The account the operator acts in: their own, or the sub account they switched into.
    pub account_id: i32,
    pub name: String,
    pub email: String,
    pub grants: Grants,
    /// The name of the account they act in (shown in the top bar and breadcrumbs).
    pub organisation: String,
    /// Switched into a sub account: their own (main) account.
    pub home: Option<Home>,
    /// An administrator of a main account: they manage its sub accounts.
    pub manages_sub_accounts: bool,
    /// Acting in a sub account (their own, or one switched into).
    pub in_sub_account: bool,
}

/// The main account of an administrator who switched into one of its sub accounts.
#[derive(Debug, Clone)]
pub struct Home {
    pub account_id: i32,
    pub organisation: String,
}

impl SignedIn {
    /// The account of `owner`'s keys: one's own keys stay in one's own account, wherever
    /// one acts.
    pub fn account_for(&self, owner: crate::db::credentials::OwnerRef) -> i32 {
        match &self.home {
            Some(home) if owner == crate::db::credentials::OwnerRef::Operator(self.id) => {
                home.account_id
            }
            _ => self.account_id,
        }
    }

    pub fn may(&self, p: Permission) -> bool {
        self.grants.allows(p)
    }

    /// For templates: `me.may_code("machines.read")`.
    pub fn may_code(&self, code: &str) -> bool {
        Permission::parse(code).is_some_and(|p| self.may(p))
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    pub error: bool,
    pub key: String,
}

/// What an error page needs of the page it replaces (see `middleware::html_error`).
#[derive(Clone)]
pub struct Frame {
    pub lang: Lang,
    pub operator: Option<SignedIn>,
    pub csrf: String,
}

/// Layout data for templates: `{{ c.t("key") }}` and friends.
pub struct Chrome {
    pub lang: Lang,
    pub operator: Option<SignedIn>,
    pub csrf: String,
    /// Path and query of this page, so the language switch can come back to it.
    pub here: String,
    pub flash: Option<Flash>,
}

impl Chrome {
    /// The layout of a page shown to nobody in particular (an error before any session).
    pub fn anonymous(lang: Lang) -> Self {
        Chrome {
            lang,
            operator: None,
            csrf: String::new(),
            here: "/".into(),
            flash: None,
        }
    }

    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    pub fn datetime(&self, at: &NaiveDateTime) -> String {
        let format = match self.lang {
            Lang::En => "%-d %b %Y, %H:%M UTC",
            Lang::Fr => "%-d %b %Y à %H:%M UTC",
        };
        at.and_utc()
            .format_localized(format, self.lang.chrono_locale())
            .to_string()
    }

    pub fn date(&self, at: &NaiveDateTime) -> String {
        at.and_utc()
            .format_localized("%-d %b %Y", self.lang.chrono_locale())
            .to_string()
    }

    /// For templates: may the signed-in operator do `code` (e.g. "machines.write")?
    pub fn may(&self, code: &str) -> bool {
        self.operator.as_ref().is_some_and(|o| o.may_code(code))
    }

    /// For templates: is the signed-in operator an administrator?
    pub fn is_admin(&self) -> bool {
        self.operator.as_ref().is_some_and(|o| o.grants.admin)
    }
}

pub struct Ctx {
    pub state: State,
    pub session: Session,
    pub chrome: Chrome,
    /// The client address (see `web::client::client_ip`).
    pub ip: String,
}

impl Ctx {
    pub fn operator(&self) -> Result<&SignedIn, AppError> {
        self.chrome
            .operator
            .as_ref()
            .ok_or(AppError::SignInRequired)
    }

    /// The signed-in operator, if they have `p`; otherwise 403 naming `p`.
    pub fn require(&self, p: Permission) -> Result<&SignedIn, AppError> {
        let me = self.operator()?;
        crate::domain::authority::requires(&me.grants, p)?;
        Ok(me)
    }

    pub fn flash(&self, key: &str) -> Result<(), AppError> {
        set_flash(&self.session, key, false)
    }

    pub fn flash_error(&self, key: &str) -> Result<(), AppError> {
        set_flash(&self.session, key, true)
    }

    pub fn lang(&self) -> Lang {
        self.chrome.lang
    }

    /// The signed-in operator as the journal names them.
    pub fn actor(&self) -> Result<Actor, AppError> {
        let me = self.operator()?;
        // In a sub account, the journal names the main account's administrator as such.
        let name = match &me.home {
            Some(home) => format!("{} ({})", me.name, home.organisation),
            None => me.name.clone(),
        };
        Ok(Actor {
            kind: crate::db::audit::ActorKind::Operator,
            id: Some(me.id),
            name,
            ip: Some(self.ip.clone()),
            account_id: Some(me.account_id),
        })
    }

    /// The context of a change made by the signed-in operator, now, with their authority.
    pub fn change(&self) -> Result<crate::changes::Ctx, AppError> {
        let me = self.operator()?;
        Ok(crate::changes::Ctx {
            grants: Default::default(),
            acting_as: Some(crate::db::credentials::OwnerRef::Operator(me.id)),
            ..self.state.system_change(self.actor()?)
        })
    }
}

pub fn set_flash(session: &Session, key: &str, error: bool) -> Result<(), AppError> {
    Ok(session.insert(
        SESSION_FLASH,
        Flash {
            error,
            key: key.to_owned(),
        },
    )?)
}

/// The visitor's language: their choice in this session, else `Accept-Language`, else English.
pub fn request_lang(req: &HttpRequest, session: &Session) -> Lang {
    session
        .get::<Lang>(SESSION_LANG)
        .ok()
        .flatten()
        .or_else(|| {
            req.headers()
                .get(actix_web::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

/// Is a signed-in session within its idle and absolute timeouts? Touches it when it is (at
/// most once a minute, so a page view is not always a session write).
fn fresh(state: &State, session: &Session) -> Result<bool, AppError> {
    let now = state.clock.now().and_utc().timestamp();
    let signed_in = session.get::<i64>(SESSION_SIGNED_IN_AT)?.unwrap_or(0);
    let last_seen = session.get::<i64>(SESSION_LAST_SEEN)?.unwrap_or(0);
    let settings = &state.settings;
    if now - last_seen > settings.session_idle_seconds
        || now - signed_in > settings.session_max_seconds
    {
        return Ok(false);
    }
    if now - last_seen >= 60.min(settings.session_idle_seconds / 2) {
        session.insert(SESSION_LAST_SEEN, now)?;
    }
    Ok(true)
}

/// The signed-in operator as they act now: in their own account, or in the sub account
/// their session switched into while they may (`None`: their account is deactivated).
fn signed_in(
    c: &mut db::DbConn,
    op: db::operators::Operator,
    switched: Option<i32>,
) -> Result<Option<SignedIn>, AppError> {
    let own = db::accounts::find(c, op.account_id)?;
    if !own.active {
        return Ok(None);
    }
    let grants = db::groups::grants_for(c, op.id)?;
    let manages_sub_accounts =
        own.parent_id.is_none() && crate::domain::authority::manage_sub_accounts(&grants).is_ok();
    let into = match switched {
        Some(id) if manages_sub_accounts => db::accounts::switchable(c, own.id, id)?,
        _ => None,
    };
    let in_sub_account = into.is_some() || own.parent_id.is_some();
    let (account_id, organisation, home) = match into {
        Some(sub) => (
            sub.id,
            sub.name,
            Some(Home {
                account_id: own.id,
                organisation: own.name,
            }),
        ),
        None => (own.id, own.name, None),
    };
    Ok(Some(SignedIn {
        id: op.id,
        account_id,
        name: op.name,
        email: op.email,
        grants,
        organisation,
        home,
        manages_sub_accounts,
        in_sub_account,
    }))
}

/// Marks a session as just signed in.
pub fn start_session(state: &State, session: &Session) -> Result<(), AppError> {
    let now = state.clock.now().and_utc().timestamp();
    session.insert(SESSION_SIGNED_IN_AT, now)?;
    session.insert(SESSION_LAST_SEEN, now)?;
    session.insert(SESSION_TAG, random_alphanumeric(32)?)?;
    Ok(())
}

/// The session's tag (sessions signed in before tags existed get one now).
pub fn session_tag(session: &Session) -> Result<String, AppError> {
    if let Some(tag) = session.get::<String>(SESSION_TAG)? {
        return Ok(tag);
    }
    let tag = random_alphanumeric(32)?;
    session.insert(SESSION_TAG, &tag)?;
    Ok(tag)
}

/// The session's CSRF token, created on first use.
pub fn csrf_token(session: &Session) -> Result<String, AppError> {
    if let Some(token) = session.get::<String>(SESSION_CSRF)? {
        return Ok(token);
    }
    let token = random_alphanumeric(43)?;
    session.insert(SESSION_CSRF, &token)?;
    Ok(token)
}

impl FromRequest for Ctx {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Ctx, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<State>()
                .cloned()
                .ok_or_else(|| AppError::Internal("app state missing".into()))?;
            let session = req.get_session();
            let lang = request_lang(&req, &session);
            let mut operator_id = session.get::<i32>(SESSION_OPERATOR)?;
            if operator_id.is_some() && !fresh(&state, &session)? {
                // Idle or too old: this session ends here, on the server.
                session.clear();
                session.renew();
                operator_id = None;
            }
            let epoch = session.get::<i32>(SESSION_EPOCH)?;
            let switched = session.get::<i32>(SESSION_ACCOUNT)?;
            let tag = session.get::<String>(SESSION_TAG)?;

            if !state.setup_done.load(Ordering::Relaxed) {
                if state.db(|c| Ok(db::operators::any_exists(c)?)).await? {
                    state.setup_done.store(true, Ordering::Relaxed);
                } else if req.path() != "/setup" {
                    return Err(AppError::SetupRequired);
                }
            }

            let operator = match operator_id {
                None => None,
                Some(id) => {
                    let found = state
                        .db(move |c| {
                            let op = db::operators::find(c, id).map_err(AppError::from);
                            let ended = match &tag {
                                Some(tag) => db::tokens::session_ended(c, id, tag)?,
                                None => false,
                            };
                            match op {
                                Ok(op)
                                    if op.active && epoch == Some(op.session_epoch) && !ended =>
                                {
                                    signed_in(c, op, switched)
                                }
                                Ok(_) | Err(AppError::NotFound) => Ok(None),
                                Err(e) => Err(e),
                            }
                        })
                        .await?;
                    if found.is_none() {
                        // The operator (or their account) is gone or deactivated: this
                        // session ends here.
                        session.clear();
                        session.renew();
                    }
                    if switched.is_some() && found.as_ref().is_some_and(|me| me.home.is_none()) {
                        // No longer theirs to act in (demoted, or the sub account is gone):
                        // a page shows their own account again; a form sent from the
                        // sub account is refused, not done in their own.
                        session.remove(SESSION_ACCOUNT);
                        let leaving =
                            matches!(req.path(), "/account/switch" | "/logout" | "/language");
                        if req.method() != Method::GET && !leaving {
                            return Err(AppError::Conflict("accounts.switch_gone"));
                        }
                    }
                    found
                }
            };

            // Only a page that is shown consumes the flash; a POST leaves it for the redirect.
            let flash = if req.method() == Method::GET {
                let flash = session.get::<Flash>(SESSION_FLASH)?;
                if flash.is_some() {
                    session.remove(SESSION_FLASH);
                }
                flash
            } else {
                None
            };
            let csrf = csrf_token(&session)?;
            let here = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/".into());
            let ip = crate::web::client::client_ip(&req, &state.settings.trusted_proxies);
            // An error page is rendered after the session layer has answered, when the
            // session can no longer be read: it finds its layout here.
            req.extensions_mut().insert(Frame {
                lang,
                operator: operator.clone(),
                csrf: csrf.clone(),
            });
            Ok(Ctx {
                state,
                session,
                chrome: Chrome {
                    lang,
                    operator,
                    csrf,
                    here,
                    flash,
                },
                ip,
            })
        })
    }
}
