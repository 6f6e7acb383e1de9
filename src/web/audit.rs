//! Audit (`/audit`, needs *Audit / Read*): the journal, filtered, newest first, a page at a
//! time (keyset: "older than row N"), and the same rows as CSV.

use actix_web::{HttpResponse, http::header, web};
use askama::Template;

use super::{Chrome, Ctx, render};
use crate::db::{self, audit::Action, audit::AuditEvent, audit::Filter};
use crate::domain::permissions::Permission;
use crate::error::AppError;

/// A cell a spreadsheet will not run: text starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return is a formula there (OWASP "CSV injection"), so it gets a leading `'`.
/// Labels, names and even the email of a failed sign-in come from anybody.
pub fn spreadsheet_safe(cell: String) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell,
    }
}

pub const PAGE_SIZE: i64 = 50;
/// The longest actor or target filter (names are at most 100 characters, emails 254).
const MAX_FILTER_CHARS: usize = 254;
/// The most rows one CSV export holds.
pub const EXPORT_LIMIT: i64 = 100_000;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/audit").route(web::get().to(page)))
        .service(web::resource("/audit.csv").route(web::get().to(csv)));
}

#[derive(Template)]
#[template(path = "audit/index.html")]
struct AuditPage {
    c: Chrome,
    filter: Filter,
    events: Vec<AuditEvent>,
    /// Every action the journal knows, for the filter.
    actions: &'static [Action],
    /// Query string of the filter (without `before`), for the next page and the export.
    query: String,
    next: Option<i32>,
}

impl AuditPage {
    fn selected(&self, action: &Action) -> bool {
        self.filter.action.as_deref() == Some(action.code())
    }
    fn start_date(&self) -> String {
        self.filter.from.map(|d| d.to_string()).unwrap_or_default()
    }
    fn end_date(&self) -> String {
        self.filter.to.map(|d| d.to_string()).unwrap_or_default()
    }
}

fn filter_query(f: &Filter) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for (k, v) in [
        ("actor", &f.actor),
        ("target", &f.target),
        ("action", &f.action),
    ] {
        if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
            pairs.push((k, v.clone()));
        }
    }
    if let Some(d) = f.from {
        pairs.push(("from", d.to_string()));
    }
    if let Some(d) = f.to {
        pairs.push(("to", d.to_string()));
    }
    serde_urlencoded::to_string(&pairs).unwrap_or_default()
}

/// Dates arrive empty from the form when not filled: treat "" as no date.
fn parse_filter(query: &str) -> Result<Filter, AppError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query).map_err(|_| AppError::BadRequest("error.bad_form"))?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let date = |k: &str| {
        get(k)
            .map(|v| {
                v.parse()
                    .map_err(|_| AppError::BadRequest("audit.bad_date"))
            })
            .transpose()
    };
    // A filter is a part of a name or an id: longer than any name is a mistake, not a search.
    let text = |k: &str| match get(k) {
        Some(v) if v.chars().count() > MAX_FILTER_CHARS => {
            Err(AppError::BadRequest("audit.filter_too_long"))
        }
        v => Ok(v),
    };
    let action = get("action");
    if action
        .as_deref()
        .is_some_and(|a| Action::parse(a).is_none())
    {
        return Err(AppError::BadRequest("audit.bad_action"));
    }
    Ok(Filter {
        actor: text("actor")?,
        target: text("target")?,
        action,
        from: date("from")?,
        to: date("to")?,
        before: get("before")
            .map(|v| {
                v.parse()
                    .map_err(|_| AppError::BadRequest("error.bad_form"))
            })
            .transpose()?,
    })
}

pub async fn page(ctx: Ctx, req: actix_web::HttpRequest) -> Result<HttpResponse, AppError> {
    let account_id = ctx.require(Permission::AuditRead)?.account_id;
    let filter = parse_filter(req.query_string())?;
    let f = filter.clone();
    let mut events = ctx
        .state
        .db(move |c| Ok(db::audit::search(c, account_id, &f, PAGE_SIZE + 1)?))
        .await?;
    let next = (events.len() as i64 > PAGE_SIZE).then(|| {
        events.truncate(PAGE_SIZE as usize);
        events.last().map(|e| e.id)
    });
    let query = filter_query(&filter);
    render(&AuditPage {
        c: ctx.chrome,
        filter,
        events,
        actions: Action::ALL,
        query,
        next: next.flatten(),
    })
}

pub async fn csv(ctx: Ctx, req: actix_web::HttpRequest) -> Result<HttpResponse, AppError> {
    let account_id = ctx.require(Permission::AuditRead)?.account_id;
    let filter = Filter {
        before: None,
        ..parse_filter(req.query_string())?
    };
    let events = ctx
        .state
        .db(move |c| Ok(db::audit::search(c, account_id, &filter, EXPORT_LIMIT)?))
        .await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let header = [
        "id",
        "time_utc",
        "actor_kind",
        "actor_id",
        "actor",
        "actor_ip",
        "action",
        "target_kind",
        "target_id",
        "target",
        "changes",
    ];
    out.write_record(header)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    for e in &events {
        let changes: Vec<String> = e
            .changes()
            .iter()
            .map(|c| format!("{}: {} -> {}", c.field, c.before, c.after))
            .collect();
        out.write_record(
            [
                e.id.to_string(),
                e.at.and_utc().to_rfc3339(),
                e.actor_kind.clone(),
                e.actor_id.map(|i| i.to_string()).unwrap_or_default(),
                e.actor_name.clone(),
                e.actor_ip.clone().unwrap_or_default(),
                e.action.clone(),
                e.target_kind.clone(),
                e.target_id.clone().unwrap_or_default(),
                e.target_name.clone(),
                changes.join("; "),
            ]
            .map(spreadsheet_safe),
        )
        .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    let body = out
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"keyward-audit.csv\"",
        ))
        .body(body))
}
