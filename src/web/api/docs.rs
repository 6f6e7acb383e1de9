//! The API reference, generated from the handlers' annotations: `/api/openapi.json`
//! (OpenAPI 3) and `/api/docs`, a readable page made from that same document.

use actix_web::HttpResponse;
use askama::Template;
use serde_json::Value;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::AppError;
use crate::i18n::Lang;
use crate::web::{Chrome, Ctx, render};

#[derive(OpenApi)]
#[openapi(
    info(title = "Keyward API", description = "Manage and verify API credentials. Authenticate with HTTP Basic (username = credential id, password = secret) or `Authorization: Bearer kwd_<id>_<secret><checksum>` (pattern `kwd_[0-9A-Za-z]{16}_[0-9A-Za-z]{38}`)."),
    paths(
        super::whoami,
        super::credentials::list,
        super::credentials::create,
        super::import::import,
        super::credentials::show,
        super::credentials::update,
        super::credentials::delete,
        super::credentials::roll,
        super::credentials::end_roll,
        super::credentials::usage,
        super::credentials::sources,
        super::credentials::extend_roll,
        super::machines::list,
        super::machines::create,
        super::machines::show,
        super::machines::update,
        super::machines::delete,
        super::operators::list,
        super::accounts::list,
        super::accounts::create,
        super::accounts::show,
        super::accounts::update,
        super::accounts::delete,
        super::register::register,
        super::leaks::report,
        super::leaks::github,
        super::verify::verify,
        super::verify::forward,
    ),
    modifiers(&SecuritySchemes, &Contract),
    tags((name = "credentials", description = "API accounts and API keys"), (name = "machines", description = "Service accounts that own keys"), (name = "operators", description = "The people of the account"), (name = "accounts", description = "The main account's sub accounts"), (name = "verification", description = "For other services and reverse proxies"))
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "basic",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        // `/register` alone: HTTP Basic with a person's console email and password.
        let mut operator = Http::new(HttpAuthScheme::Basic);
        operator.description = Some(
            "HTTP Basic with an operator's console email and password (`/register` only).".into(),
        );
        components.add_security_scheme("operatorPassword", SecurityScheme::Http(operator));
    }
}

/// What the annotations cannot say per call, said once for every call it concerns: the
/// headers that come with a status, `/auth/forward` taking any method, and `/register`'s
/// body being optional.
struct Contract;

fn header(kind: utoipa::openapi::Type, description: &str) -> utoipa::openapi::header::Header {
    utoipa::openapi::header::HeaderBuilder::new()
        .schema(utoipa::openapi::schema::Object::with_type(kind))
        .description(Some(description))
        .build()
}

/// A response with the JSON error body.
fn error_response(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    utoipa::openapi::ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            utoipa::openapi::ContentBuilder::new()
                .schema(Some(utoipa::openapi::Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
        .into()
}

impl Modify for Contract {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, Required, Type};
        let with_status: [(&str, &str, Type, &str); 6] = [
            (
                "429",
                "Retry-After",
                Type::Integer,
                "Seconds to wait before the next attempt.",
            ),
            (
                "429",
                "RateLimit-Limit",
                Type::Integer,
                "For a key past its rate limit: the uses its window allows.",
            ),
            (
                "429",
                "RateLimit-Remaining",
                Type::Integer,
                "For a key past its rate limit: 0.",
            ),
            (
                "429",
                "RateLimit-Reset",
                Type::Integer,
                "For a key past its rate limit: seconds until its window ends.",
            ),
            (
                "401",
                "WWW-Authenticate",
                Type::String,
                "`Basic realm=\"Keyward\", charset=\"UTF-8\"` and `Bearer realm=\"Keyward\"`: the two ways to present a key.",
            ),
            (
                "201",
                "Location",
                Type::String,
                "The path of what was made.",
            ),
        ];
        for (path, item) in openapi.paths.paths.iter_mut() {
            if path == "/auth/forward"
                && let Some(get) = item.get.clone()
            {
                // A proxy forwards whatever method its client used.
                let forwarded = |method: &str| {
                    let mut op = get.clone();
                    op.operation_id = Some(format!("forwardAuth{method}"));
                    Some(op)
                };
                item.post = forwarded("Post");
                item.put = forwarded("Put");
                item.patch = forwarded("Patch");
                item.delete = forwarded("Delete");
                item.head = forwarded("Head");
                item.options = forwarded("Options");
                item.trace = forwarded("Trace");
            }
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ]
            .into_iter()
            .flatten()
            {
                if op.operation_id.as_deref() == Some("register")
                    && let Some(body) = op.request_body.as_mut()
                {
                    body.required = Some(Required::False);
                }
                let forward = op
                    .operation_id
                    .as_deref()
                    .is_some_and(|id| id.starts_with("forwardAuth"));
                // Every call can be throttled and needs the database: said once, here.
                for (status, description) in [
                    (
                        "429",
                        "Too many failures, or the key's rate limit is used up; see Retry-After",
                    ),
                    ("503", "Database unavailable"),
                ] {
                    op.responses
                        .responses
                        .entry(status.into())
                        .or_insert_with(|| error_response(description));
                }
                // Every call that takes a key reads the `Authorization` header first (a
                // proxy's check answers 401 instead).
                if !forward && op.security.is_some() {
                    op.responses
                        .responses
                        .entry("400".into())
                        .or_insert_with(|| error_response("A malformed `Authorization` header"));
                }
                // Every call of a key but `whoami` needs one of Keyward's scopes.
                let own_api = op.security.is_some()
                    && !forward
                    && !matches!(op.operation_id.as_deref(), Some("whoami" | "register"));
                if own_api {
                    op.responses
                        .responses
                        .entry("403".into())
                        .or_insert_with(|| {
                            error_response("The calling key lacks the scope this call needs")
                        });
                }
                for (status, response) in op.responses.responses.iter_mut() {
                    let RefOr::T(response) = response else {
                        continue;
                    };
                    for (code, name, kind, description) in &with_status {
                        if status == code {
                            response
                                .headers
                                .insert((*name).into(), header(kind.clone(), description));
                        }
                    }
                    if forward && status == "200" {
                        for (name, description) in [
                            ("X-Keyward-Credential", "The key's public id."),
                            (
                                "X-Keyward-Owner",
                                "The owner's id; see `X-Keyward-Owner-Kind`.",
                            ),
                            ("X-Keyward-Owner-Kind", "`operator` or `machine`."),
                            (
                                "X-Keyward-Account",
                                "The id of the account the key belongs to.",
                            ),
                            (
                                "X-Keyward-Owner-Name",
                                "The owner's name, percent-encoded (UTF-8).",
                            ),
                            ("X-Keyward-Scopes", "The key's scopes, space-separated."),
                        ] {
                            response
                                .headers
                                .insert(name.into(), header(Type::String, description));
                        }
                    }
                }
            }
        }
    }
}

/// The document, naming this Keyward (`KEYWARD_PUBLIC_URL`) as its server.
pub fn document(public_url: &str) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.servers = Some(vec![utoipa::openapi::Server::new(
        public_url.trim_end_matches('/'),
    )]);
    doc
}

pub async fn openapi_json(state: crate::web::State) -> Result<HttpResponse, AppError> {
    let json = document(&state.settings.public_url)
        .to_pretty_json()
        .map_err(AppError::from)?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(json))
}

pub struct Endpoint {
    pub method: String,
    pub path: String,
    pub anchor: String,
    pub summary: Prose,
    pub description: Prose,
    pub parameters: Vec<(String, String, Prose)>,
    pub body: Option<String>,
    pub responses: Vec<(String, Prose, Option<String>)>,
}

pub struct SchemaDoc {
    pub name: String,
    pub fields: Vec<(String, String, Prose)>,
}

/// A description from the OpenAPI document, where `backticks` mark code (as Markdown, which
/// OpenAPI descriptions are): alternate runs of text and code, each escaped when rendered.
pub type Prose = Vec<Span>;

pub struct Span {
    pub code: bool,
    pub text: String,
}

/// A text of the document in the page's language (`docs_fr`); English where none exists.
fn translated(lang: Lang, english: &str) -> String {
    match lang {
        Lang::En => english.to_owned(),
        Lang::Fr => super::docs_fr::FRENCH
            .iter()
            .find(|(en, _)| *en == english)
            .map_or(english, |(_, fr)| fr)
            .to_owned(),
    }
}

/// Drops the stars of `*emphasis*` (a star that opens or closes a word), keeping any other
/// (`X-Keyward-*`).
fn without_emphasis(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars
        .iter()
        .enumerate()
        .filter(|&(i, c)| {
            let before = i.checked_sub(1).and_then(|j| chars.get(j));
            let after = chars.get(i + 1);
            let word = |c: Option<&char>| c.is_some_and(|c| c.is_alphabetic());
            let gap = |c: Option<&char>| c.is_none_or(|c| !c.is_alphanumeric() && *c != '-');
            !(*c == '*' && ((gap(before) && word(after)) || (word(before) && gap(after))))
        })
        .map(|(_, c)| *c)
        .collect()
}

fn prose(lang: Lang, v: &Value, key: &str) -> Prose {
    translated(lang, &text(v, key))
        .split('`')
        .enumerate()
        .filter(|(_, run)| !run.is_empty())
        .map(|(i, run)| Span {
            code: i % 2 == 1,
            // Markdown's *emphasis* marks, outside code, are not shown as stars.
            text: if i % 2 == 1 {
                run.to_owned()
            } else {
                without_emphasis(run)
            },
        })
        .collect()
}

#[derive(Template)]
#[template(path = "api/docs.html")]
struct DocsPage {
    c: Chrome,
    base_url: String,
    endpoints: Vec<Endpoint>,
    schemas: Vec<SchemaDoc>,
}

fn text(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn schema_name(v: &Value) -> Option<String> {
    let reference = v
        .pointer("/content/application~1json/schema/$ref")?
        .as_str()?;
    reference.rsplit('/').next().map(str::to_owned)
}

fn type_of(lang: Lang, v: &Value) -> String {
    if let Some(r) = v.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or_default().to_owned();
    }
    let or = lang.t("docs.or");
    match v.get("type") {
        Some(Value::String(t)) if t == "array" => lang.t("docs.array_of").replace(
            "{type}",
            &v.get("items").map(|i| type_of(lang, i)).unwrap_or_default(),
        ),
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(or),
        _ => v
            .get("oneOf")
            .and_then(Value::as_array)
            .map(|alts| {
                alts.iter()
                    .map(|a| type_of(lang, a))
                    .filter(|t| t != "null")
                    .collect::<Vec<_>>()
                    .join(or)
            })
            .unwrap_or_else(|| lang.t("docs.any").into()),
    }
}

/// Where a parameter goes, in words.
fn location(lang: Lang, code: &str) -> String {
    match code {
        "path" => lang.t("docs.in_path").into(),
        "query" => lang.t("docs.in_query").into(),
        "header" => lang.t("docs.in_header").into(),
        other => other.into(),
    }
}

/// The reference page, linked from the console.
pub async fn page(ctx: Ctx) -> Result<HttpResponse, AppError> {
    let lang = ctx.lang();
    let doc = serde_json::to_value(ApiDoc::openapi())?;
    let mut endpoints = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in ["get", "post", "patch", "delete"] {
                let Some(op) = item.get(method) else { continue };
                let parameters = op
                    .get("parameters")
                    .and_then(Value::as_array)
                    .map(|ps| {
                        ps.iter()
                            .map(|p| {
                                (
                                    text(p, "name"),
                                    location(lang, &text(p, "in")),
                                    prose(lang, p, "description"),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let responses = op
                    .get("responses")
                    .and_then(Value::as_object)
                    .map(|rs| {
                        rs.iter()
                            .map(|(code, r)| {
                                (code.clone(), prose(lang, r, "description"), schema_name(r))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                endpoints.push(Endpoint {
                    method: method.to_uppercase(),
                    anchor: format!("{method}{}", path.replace(['/', '{', '}'], "-")),
                    path: path.clone(),
                    summary: prose(lang, op, "summary"),
                    description: prose(lang, op, "description"),
                    parameters,
                    body: op.get("requestBody").and_then(schema_name),
                    responses,
                });
            }
        }
    }
    let mut schemas = Vec::new();
    if let Some(all) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in all {
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let fields = schema
                .get("properties")
                .and_then(Value::as_object)
                .map(|props| {
                    props
                        .iter()
                        .map(|(field, p)| {
                            let optional = if required.contains(&field.as_str()) {
                                String::new()
                            } else {
                                format!(" ({})", lang.t("docs.optional"))
                            };
                            (
                                field.clone(),
                                format!("{}{optional}", type_of(lang, p)),
                                prose(lang, p, "description"),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            schemas.push(SchemaDoc {
                name: name.clone(),
                fields,
            });
        }
    }
    let base_url = ctx
        .state
        .settings
        .public_url
        .trim_end_matches('/')
        .to_owned();
    render(&DocsPage {
        c: ctx.chrome,
        base_url,
        endpoints,
        schemas,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// Every text of the document, as `translated` looks it up.
    fn texts(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    match v {
                        Value::String(s) if k == "summary" || k == "description" => {
                            out.push(s.clone())
                        }
                        _ => texts(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| texts(v, out)),
            _ => {}
        }
    }

    #[test]
    fn emphasis_stars_go_and_other_stars_stay() {
        assert_eq!(
            super::without_emphasis("holds *Operators / Write* and the X-Keyward-* headers"),
            "holds Operators / Write and the X-Keyward-* headers"
        );
    }

    #[test]
    fn every_text_of_the_reference_has_its_french_and_none_is_left_over() {
        let doc =
            serde_json::to_value(<super::ApiDoc as utoipa::OpenApi>::openapi()).expect("document");
        let mut all = Vec::new();
        texts(&doc, &mut all);
        all.retain(|t| !t.is_empty());
        let french = super::super::docs_fr::FRENCH;
        let missing: Vec<_> = all
            .iter()
            .filter(|t| !french.iter().any(|(en, _)| en == t))
            .collect();
        assert!(missing.is_empty(), "no French for: {missing:#?}");
        let unused: Vec<_> = french
            .iter()
            .filter(|(en, _)| !all.iter().any(|t| t == en))
            .map(|(en, _)| en)
            .collect();
        assert!(
            unused.is_empty(),
            "French for texts the document no longer has: {unused:#?}"
        );
        // The same code spans in both: a translation must not lose or invent code.
        for (en, fr) in french {
            let code = |s: &str| {
                s.split('`')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            };
            assert_eq!(code(en), code(fr), "{en}");
        }
    }
}
