//! The JSON API under `/api/v1`, authenticated by a credential (HTTP Basic with public id and
//! secret, or `Authorization: Bearer kwd_…`), plus `/auth/forward` for reverse proxies and
//! the generated reference at `/api/openapi.json` and `/api/docs`.

pub mod accounts;
pub mod credentials;
pub mod docs;
mod docs_fr;
pub mod import;
pub mod leaks;
pub mod machines;
pub mod operators;
pub mod register;
pub mod verify;

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::State;
use crate::db::credentials::{AuthRecord, Credential, Owner};
use crate::error::AppError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/v1/whoami").route(web::get().to(whoami)))
        .service(
            web::resource("/api/v1/credentials")
                .route(web::get().to(credentials::list))
                .route(web::post().to(credentials::create)),
        )
        .service(
            web::resource("/api/v1/credentials/import")
                .app_data(web::PayloadConfig::new(import::MAX_IMPORT_BYTES))
                .route(web::post().to(import::import)),
        )
        .service(
            web::resource("/api/v1/credentials/{id}")
                .route(web::get().to(credentials::show))
                .route(web::patch().to(credentials::update))
                .route(web::delete().to(credentials::delete)),
        )
        .service(
            web::resource("/api/v1/credentials/{id}/roll").route(web::post().to(credentials::roll)),
        )
        .service(
            web::resource("/api/v1/credentials/{id}/usage")
                .route(web::get().to(credentials::usage)),
        )
        .service(
            web::resource("/api/v1/credentials/{id}/roll/extend")
                .route(web::post().to(credentials::extend_roll)),
        )
        .service(
            web::resource("/api/v1/credentials/{id}/sources")
                .route(web::get().to(credentials::sources)),
        )
        .service(
            web::resource("/api/v1/credentials/{id}/roll/end")
                .route(web::post().to(credentials::end_roll)),
        )
        .service(
            web::resource("/api/v1/machines")
                .route(web::get().to(machines::list))
                .route(web::post().to(machines::create)),
        )
        .service(
            web::resource("/api/v1/machines/{id}")
                .route(web::get().to(machines::show))
                .route(web::patch().to(machines::update))
                .route(web::delete().to(machines::delete)),
        )
        .service(web::resource("/api/v1/operators").route(web::get().to(operators::list)))
        .service(
            web::resource("/api/v1/accounts")
                .route(web::get().to(accounts::list))
                .route(web::post().to(accounts::create)),
        )
        .service(
            web::resource("/api/v1/accounts/{id}")
                .route(web::get().to(accounts::show))
                .route(web::patch().to(accounts::update))
                .route(web::delete().to(accounts::delete)),
        )
        .service(web::resource("/api/v1/leaks/report").route(web::post().to(leaks::report)))
        .service(web::resource("/api/v1/leaks/github").route(web::post().to(leaks::github)))
        .service(web::resource("/api/v1/register").route(web::post().to(register::register)))
        // As the Uptrends pages (seeds 000/002) write it.
        .service(web::resource("/api/v1/Register").route(web::post().to(register::register)))
        .service(web::resource("/api/v1/verify").route(web::post().to(verify::verify)))
        .service(web::resource("/auth/forward").route(web::route().to(verify::forward)))
        // Envoy's ext_authz appends the original path to the one it is given.
        .service(
            web::resource("/auth/forward/{original:.*}").route(web::route().to(verify::forward)),
        )
        .service(web::resource("/api/openapi.json").route(web::get().to(docs::openapi_json)))
        .service(web::resource("/api/docs").route(web::get().to(docs::page)));
}

/// A label or a name, as `domain::validation` takes it (for the document's `schema_with`).
fn text_schema(nullable: bool, description: &str) -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    let kind = if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    ObjectBuilder::new()
        .schema_type(kind)
        .min_length(Some(1))
        .max_length(Some(crate::domain::validation::MAX_LABEL_CHARS))
        // At least one character that is not a space, and no control character (ECMA-262,
        // as JSON Schema reads a pattern).
        .pattern(Some(
            "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$",
        ))
        .description(Some(description))
        .into()
}

/// A required label or name.
pub fn text() -> utoipa::openapi::schema::Schema {
    text_schema(
        false,
        "1 to 100 characters, not only spaces, no control characters.",
    )
}

/// A label or name that may be left out.
pub fn optional_text() -> utoipa::openapi::schema::Schema {
    text_schema(
        true,
        "1 to 100 characters, not only spaces, no control characters. Absent or `null`: as it\nis (when creating, the default).",
    )
}

/// Items per page of a list call, unless the caller asks otherwise; and at most.
const DEFAULT_LIMIT: i64 = 100;
const MAX_LIMIT: i64 = 1000;

fn checked_limit(limit: Option<i64>) -> Result<i64, AppError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::BadRequest("error.bad_limit"));
    }
    Ok(limit)
}

/// Where a list of machines or operators starts, and how long it is.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// How many at most, 1 to 1000. Default: 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
    /// The `next` of the previous page: the items after it.
    #[param(pattern = "^[0-9]{1,9}$")]
    pub after: Option<String>,
}

impl PageQuery {
    fn checked(&self) -> Result<(i64, Option<i32>), AppError> {
        let after = match self.after.as_deref() {
            None => None,
            Some(text) => Some(
                text.parse()
                    .map_err(|_| AppError::BadRequest("error.bad_cursor"))?,
            ),
        };
        Ok((checked_limit(self.limit)?, after))
    }
}

/// A page from `limit + 1` rows in id order: the first `limit`, and the cursor of the next
/// page when there is one.
fn page_of<T>(mut rows: Vec<T>, limit: i64, id: impl Fn(&T) -> i32) -> (Vec<T>, Option<String>) {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = rows.last().filter(|_| more).map(|row| id(row).to_string());
    (rows, next)
}

/// A JSON body of type `T`. Like `web::Json` (the app's `JsonConfig` answers 413, 415 and
/// malformed JSON), but a field of the wrong shape is a 400 that names the field and what it
/// should be (`AppError::BadField`), not only "not valid JSON".
pub struct Body<T>(pub T);

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move { Ok(Body(from_value(json.await?.into_inner())?)) })
    }
}

/// `T` from a parsed JSON body, naming the field at fault when it does not fit.
pub fn from_value<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, AppError> {
    // Every body of the API is an object; serde would also take a struct's fields in order
    // from an array.
    if !value.is_object() {
        return Err(AppError::BadField {
            field: None,
            detail: "expected a JSON object".into(),
        });
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        AppError::BadField {
            field: (path != ".").then_some(path),
            detail: e.into_inner().to_string(),
        }
    })
}

/// A value of the body refused by `domain::validation` (a catalog key): a 400 that names
/// its field, in English like every API message.
pub fn invalid(field: &'static str) -> impl Fn(&'static str) -> AppError {
    move |key| AppError::BadField {
        field: Some(field.into()),
        detail: crate::i18n::Lang::En
            .t(key)
            .trim_end_matches('.')
            .to_owned(),
    }
}

/// A list of scope names in a body, as `domain::scopes::checked_set` takes it (for the
/// document's `schema_with`); `null` is the same as absent.
fn scope_list(description: &str) -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    let name = ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(crate::domain::scopes::MAX_NAME_CHARS))
        .pattern(Some("^[a-z0-9_.-]+(:[a-z0-9_.-]+)*$"));
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(name)
        .max_items(Some(crate::domain::scopes::MAX_PER_KEY))
        .description(Some(description))
        .into()
}

/// `scopes` of a new credential.
pub fn new_scopes() -> utoipa::openapi::schema::Schema {
    scope_list(
        "What it is for, at most 50: Keyward's own scopes (`keyward:credentials:write`, …) and\nnames from the account's catalog. Default: none. Never one the calling key does not\ncarry, nor one its owner may not give.",
    )
}

/// `scopes` of a change to a credential.
pub fn changed_scopes() -> utoipa::openapi::schema::Schema {
    scope_list(
        "A new set of scopes (`[]`: none); absent leaves them as they are. Never one the calling\nkey does not carry, nor one its owner may not give.",
    )
}

/// `scopes` of `/register`.
pub fn registered_scopes() -> utoipa::openapi::schema::Schema {
    scope_list(
        "What the new key is for: Keyward's own scopes and names from the account's catalog,\nonly those the operator may give. Default: none.",
    )
}

/// The scopes a body asks for, stored form: each a valid name (else a 400 naming `scopes`),
/// Keyward's own or in the account's catalog (else 409).
async fn asked_scopes(
    state: &State,
    account_id: i32,
    asked: &[String],
) -> Result<String, AppError> {
    use crate::domain::scopes;
    let set = scopes::checked_set(asked).map_err(invalid("scopes"))?;
    let catalog = state
        .db(move |c| Ok(crate::db::scopes::list(c, account_id)?))
        .await?;
    // A well-formed name the catalog does not hold (yet): the state of the account, not a
    // malformed request.
    if set
        .iter()
        .any(|n| scopes::Keyward::parse(n).is_none() && !catalog.iter().any(|s| &s.name == n))
    {
        return Err(AppError::Conflict("scope.unknown"));
    }
    Ok(scopes::stored(&set))
}

/// An RFC 3339 date-time in a request body; anything else is refused saying so.
#[derive(Debug, Clone, Copy)]
pub struct DateTimeField(pub chrono::DateTime<chrono::Utc>);

impl<'de> Deserialize<'de> for DateTimeField {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        chrono::DateTime::parse_from_rfc3339(&text)
            .map(|at| DateTimeField(at.to_utc()))
            .map_err(|_| {
                serde::de::Error::custom(
                    "expected an RFC 3339 date-time such as 2027-01-31T00:00:00Z",
                )
            })
    }
}

/// The credential that authenticated this API request (from its `Authorization` header),
/// and the client's address. Its `credential.account_id` is the account the call acts in:
/// the key's own, or the sub account named by `?account=` (`in_sub_account`).
pub struct ApiCaller(pub AuthRecord, pub String);

/// `?account=ID`, on any call that acts in the caller's account (not verification).
#[derive(Deserialize)]
struct AccountParam {
    account: Option<String>,
}

impl ApiCaller {
    /// The context of a call that needs the calling key to carry `scope` (else 403, before
    /// anything else is looked at): an operator's key acts with its owner's authority (read
    /// again inside each change); a machine's key has none — it manages no keys, not even its
    /// machine's, so a leaked one cannot plant copies.
    pub fn acting(
        &self,
        state: &State,
        scope: crate::domain::scopes::Keyward,
    ) -> Result<crate::changes::Ctx, AppError> {
        if let Err(denied) = crate::domain::authority::key_scope(&self.0.credential.scopes, scope) {
            state.verifier.counts.refused_after_all(
                self.0.credential.id,
                state.clock.now(),
                crate::auth::key_usage::Outcome::Scope,
            );
            return Err(denied.into());
        }
        let acting_as = match self.0.owner.as_ref() {
            operator @ crate::db::credentials::OwnerRef::Operator(_) => Some(operator),
            crate::db::credentials::OwnerRef::Machine(_) => None,
        };
        Ok(crate::changes::Ctx {
            grants: Default::default(),
            acting_as,
            via_credential: Some(self.0.credential.id),
            capped_by: self.0.creator(),
            old_secret: self.0.via_previous,
            ..state.system_change(self.actor())
        })
    }

    /// The call acts in the sub account `id` instead of the key's own account: only a key
    /// with `keyward:accounts` whose owner administers the main account it is under (else
    /// 403, or 404 for an id that is not one of its sub accounts). What it does is journalled
    /// in the sub account, naming the key.
    async fn in_sub_account(mut self, state: &State, id: &str) -> Result<ApiCaller, AppError> {
        let id: i32 = id
            .trim()
            .parse()
            .map_err(|_| invalid("account")("accounts.bad_id"))?;
        let cx = self.acting(state, crate::domain::scopes::Keyward::Accounts)?;
        let into = state
            .db(move |c| Ok(crate::changes::sub_accounts::switch_to(c, &cx, id)?))
            .await?;
        self.0.credential.account_id = into.id;
        Ok(self)
    }

    /// The calling credential as the journal names it.
    pub fn actor(&self) -> crate::db::audit::Actor {
        let c = &self.0.credential;
        crate::db::audit::Actor {
            kind: crate::db::audit::ActorKind::Credential,
            id: Some(c.id),
            name: format!("{} ({})", c.label, c.public_id),
            ip: Some(self.1.clone()),
            account_id: Some(c.account_id),
        }
    }
}

impl FromRequest for ApiCaller {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<State>()
                .cloned()
                .ok_or_else(|| AppError::Internal("app state missing".into()))?;
            let ip = crate::web::client::client_ip(&req, &state.settings.trusted_proxies);
            let presented = crate::web::client::presented(&req)?;
            let limit_as = crate::auth::throttle::address_key(&ip);
            let user_agent = req
                .headers()
                .get(actix_web::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let record = (state.verifier)
                .check(presented, &limit_as, &ip, user_agent)
                .await?;
            let caller = ApiCaller(record, ip);
            // Verification answers about the key itself, whatever the query says: a client
            // behind a proxy (Envoy passes the original query on) must not choose the
            // account `X-Keyward-Account` names.
            let verifying = matches!(req.path(), "/api/v1/verify" | "/api/v1/whoami")
                || req.path().starts_with("/auth/forward");
            let asked = web::Query::<AccountParam>::from_query(req.query_string())
                .ok()
                .and_then(|q| q.into_inner().account)
                .filter(|_| !verifying);
            match asked {
                None => Ok(caller),
                Some(id) => caller.in_sub_account(&state, &id).await,
            }
        })
    }
}

/// A person or a machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OwnerKind {
    Operator,
    Machine,
}

/// Who owns a credential.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnerView {
    pub kind: OwnerKind,
    pub id: i32,
    pub name: String,
    /// False for a deactivated operator: then every key of theirs is refused, whatever its
    /// own `active`.
    pub active: bool,
}

impl From<&Owner> for OwnerView {
    fn from(o: &Owner) -> Self {
        OwnerView {
            kind: match o.kind {
                "machine" => OwnerKind::Machine,
                _ => OwnerKind::Operator,
            },
            id: o.id,
            name: o.name.clone(),
            active: o.active,
        }
    }
}

/// A credential as the API shows it. Never its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct CredentialView {
    /// The public id: the HTTP Basic username.
    #[schema(example = "Ab3dE5gH7jK9mN1p")]
    pub id: String,
    pub label: String,
    pub active: bool,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    pub created_at: String,
    /// RFC 3339, UTC; written in batches, so up to `KEYWARD_LAST_USED_FLUSH_MS` old.
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
    /// The client address of that use (IPv4 or IPv6).
    pub last_used_ip: Option<String>,
    /// RFC 3339, UTC; from then on the credential is refused. Absent: it does not expire.
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    /// RFC 3339, UTC: after a roll, the old secret is accepted until then too. Absent: only
    /// the current secret is.
    #[schema(format = DateTime)]
    pub previous_valid_until: Option<String>,
    /// Where it may be used from (addresses and CIDR ranges); empty: anywhere.
    pub allowed_from: Vec<String>,
    /// What it is for: Keyward's own scopes (`keyward:…`) and the account's catalog scopes,
    /// sorted.
    #[schema(example = json!(["billing:read", "keyward:verify"]))]
    pub scopes: Vec<String>,
    /// Its own rate limit; absent: the account's default applies, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimitView>,
    /// Its owner is mailed when it is first used from a new network.
    pub notify_new_network: bool,
}

/// At most `requests` uses per second, minute or hour, counted in fixed windows (a minute
/// window starts on the minute). Past it, 429 with `Retry-After`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct RateLimitView {
    #[schema(minimum = 1, maximum = 1000000, example = 1000)]
    pub requests: i64,
    pub per: crate::domain::rate::Per,
}

impl RateLimitView {
    /// The limit this asks for, checked.
    pub fn checked(self) -> Result<crate::domain::rate::RateLimit, AppError> {
        crate::domain::rate::RateLimit::checked(self.requests, self.per)
            .map_err(invalid("rate_limit"))
    }
}

impl From<crate::domain::rate::RateLimit> for RateLimitView {
    fn from(l: crate::domain::rate::RateLimit) -> Self {
        RateLimitView {
            requests: i64::from(l.requests),
            per: l.per,
        }
    }
}

impl From<&Credential> for CredentialView {
    fn from(c: &Credential) -> Self {
        CredentialView {
            id: c.public_id.clone(),
            label: c.label.clone(),
            active: c.active,
            created_at: c.created_at.and_utc().to_rfc3339(),
            last_used_at: c.last_used_at.map(|t| t.and_utc().to_rfc3339()),
            last_used_ip: c.last_used_ip.clone(),
            expires_at: c.expires_at.map(|t| t.and_utc().to_rfc3339()),
            previous_valid_until: c
                .previous_secret_hash
                .as_ref()
                .and(c.previous_until)
                .map(|t| t.and_utc().to_rfc3339()),
            allowed_from: c
                .allowed_from
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            scopes: crate::domain::scopes::names(&c.scopes)
                .map(str::to_owned)
                .collect(),
            rate_limit: crate::domain::rate::RateLimit::stored(c.rate_limit, c.rate_window)
                .map(RateLimitView::from),
            notify_new_network: c.notify_new_network,
        }
    }
}

/// The stable code of an error: what programs should test, rather than the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    InvalidCredentials,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    Unavailable,
    Internal,
    /// Console forms only.
    CsrfFailed,
    /// Before first-run setup.
    SetupRequired,
}

/// The body of every error: a stable code and an English message.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorCode,
    pub message: String,
    /// With `forbidden`: the permission that is missing (`administrator`,
    /// `operators.write`, …), or the scope the calling key lacks (`keyward:credentials:write`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permission: Option<String>,
    /// With `forbidden` from `/auth/forward`: the scope the route requires that the key
    /// does not carry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// With `bad_request`: the field of the body at fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WhoAmI {
    pub credential: CredentialView,
    pub owner: OwnerView,
}

/// The credential that made the call, and its owner.
#[utoipa::path(
    get,
    path = "/api/v1/whoami",
    tag = "credentials",
    operation_id = "whoami",
    responses(
        (status = 200, description = "The calling credential and its owner", body = WhoAmI),
        (status = 401, description = "Invalid credentials (unknown, wrong secret, inactive, deleted)", body = ErrorBody),
    ),
    security(("basic" = []), ("bearer" = []))
)]
pub async fn whoami(caller: ApiCaller) -> HttpResponse {
    let record = caller.0;
    HttpResponse::Ok().json(WhoAmI {
        credential: (&record.credential).into(),
        owner: (&record.owner).into(),
    })
}
