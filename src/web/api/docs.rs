//! The API reference, generated from the handlers' annotations: `/api/openapi.json`
//! (OpenAPI 3) and `/api/docs`, a readable page made from that same document.

use actix_web::HttpResponse;
use askama::Template;
use serde_json::Value;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::AppError;
use crate::web::{Chrome, Ctx, render};

#[derive(OpenApi)]
#[openapi(
    info(title = "Keyward API", description = "Manage and verify API credentials. Authenticate with HTTP Basic (username = credential id, password = secret) or `Authorization: Bearer kwd_<id>_<secret><checksum>` (pattern `kwd_[0-9A-Za-z]{16}_[0-9A-Za-z]{38}`)."),
    paths(
        super::whoami,
        super::credentials::list,
        super::credentials::create,
        super::credentials::show,
        super::credentials::update,
        super::credentials::delete,
        super::register::register,
        super::verify::verify,
        super::verify::forward,
    ),
    modifiers(&SecuritySchemes),
    tags((name = "credentials", description = "API accounts and API keys"), (name = "verification", description = "For other services and reverse proxies"))
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
    }
}

pub async fn openapi_json() -> Result<HttpResponse, AppError> {
    let json = ApiDoc::openapi().to_pretty_json().map_err(AppError::from)?;
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

fn prose(v: &Value, key: &str) -> Prose {
    text(v, key)
        .split('`')
        .enumerate()
        .filter(|(_, run)| !run.is_empty())
        .map(|(i, run)| Span {
            code: i % 2 == 1,
            text: run.to_owned(),
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

fn type_of(v: &Value) -> String {
    if let Some(r) = v.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or_default().to_owned();
    }
    match v.get("type") {
        Some(Value::String(t)) if t == "array" => format!(
            "array of {}",
            v.get("items").map(type_of).unwrap_or_default()
        ),
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => v
            .get("oneOf")
            .and_then(Value::as_array)
            .map(|alts| {
                alts.iter()
                    .map(type_of)
                    .filter(|t| t != "null")
                    .collect::<Vec<_>>()
                    .join(" or ")
            })
            .unwrap_or_else(|| "any".into()),
    }
}

/// The reference page, linked from the console.
pub async fn page(ctx: Ctx) -> Result<HttpResponse, AppError> {
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
                            .map(|p| (text(p, "name"), text(p, "in"), prose(p, "description")))
                            .collect()
                    })
                    .unwrap_or_default();
                let responses = op
                    .get("responses")
                    .and_then(Value::as_object)
                    .map(|rs| {
                        rs.iter()
                            .map(|(code, r)| {
                                (code.clone(), prose(r, "description"), schema_name(r))
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                endpoints.push(Endpoint {
                    method: method.to_uppercase(),
                    anchor: format!("{method}{}", path.replace(['/', '{', '}'], "-")),
                    path: path.clone(),
                    summary: prose(op, "summary"),
                    description: prose(op, "description"),
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
                                ""
                            } else {
                                " (optional)"
                            };
                            (
                                field.clone(),
                                format!("{}{optional}", type_of(p)),
                                prose(p, "description"),
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
