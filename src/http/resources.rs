//! `/patients`, `/studies`, `/series`, `/instances`: lists, one resource, deletion, upload of
//! DICOM files (`upload.rs`), and an instance's file or embedded PDF.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::routing::get;

use super::answer::{self, ApiError, ApiResult, OrthancCode};
use super::{App, blocking};
use crate::store::ids::Level;
use crate::store::tags::{TagsFormat, tags_in};

/// Every path written out, so that a search for one finds its route.
pub fn routes() -> Router<App> {
    use Level::{Instance, Patient, Series, Study};
    Router::new()
        .route("/patients", get(|s, q| list(s, q, Patient)))
        .route("/studies", get(|s, q| list(s, q, Study)))
        .route("/series", get(|s, q| list(s, q, Series)))
        .route(
            "/instances",
            get(|s, q| list(s, q, Instance)).post(super::upload::upload),
        )
        .route(
            "/patients/{id}",
            get(|s, p| one(s, p, Patient)).delete(|s, p| remove(s, p, Patient)),
        )
        .route(
            "/studies/{id}",
            get(|s, p| one(s, p, Study)).delete(|s, p| remove(s, p, Study)),
        )
        .route(
            "/series/{id}",
            get(|s, p| one(s, p, Series)).delete(|s, p| remove(s, p, Series)),
        )
        .route(
            "/instances/{id}",
            get(|s, p| one(s, p, Instance)).delete(|s, p| remove(s, p, Instance)),
        )
        .route("/instances/{id}/file", get(file))
        .route("/instances/{id}/tags", get(tags))
        .route("/instances/{id}/simplified-tags", get(simplified_tags))
        .route("/instances/{id}/header", get(header))
        .route("/instances/{id}/pdf", get(pdf))
}

/// A Boolean query argument: `?name` or `?name=true|1` is true, `=false|0` false, absent
/// `None`; anything else is a 400.
pub fn query_flag(query: &HashMap<String, String>, name: &str) -> Result<Option<bool>, ApiError> {
    match query.get(name).map(String::as_str) {
        None => Ok(None),
        Some("" | "true" | "1") => Ok(Some(true)),
        Some("false" | "0") => Ok(Some(false)),
        Some(other) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            OrthancCode::ParameterOutOfRange,
            format!("{name} must be a boolean, found \"{other}\""),
        )),
    }
}

/// A non-negative integer argument. Orthanc silently falls back to its defaults on a bad
/// one; dicomq says what is wrong instead (a script would otherwise page from 0 forever).
pub fn query_number(
    q: &HashMap<String, String>,
    name: &str,
    default: u64,
) -> Result<u64, ApiError> {
    match q.get(name) {
        None => Ok(default),
        Some(v) => v.parse::<u64>().map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                OrthancCode::ParameterOutOfRange,
                format!("{name} must be a non-negative integer, not \"{v}\""),
            )
        }),
    }
}

/// `?expand`: false when absent.
pub fn expand(query: &HashMap<String, String>) -> Result<bool, ApiError> {
    Ok(query_flag(query, "expand")?.unwrap_or(false))
}

/// Whether `id` is exactly a resource of this level (REST takes full IDs, not prefixes).
pub(super) fn exists(app: &App, level: Level, id: &str) -> Result<bool, ApiError> {
    Ok(app.node.contains(level, id)?)
}

/// The level of the resource whose full ID is `id`, if any.
pub(super) fn level_of(app: &App, id: &str) -> Result<Option<Level>, ApiError> {
    Ok(app.node.level_of(id)?)
}

/// The exact resource of this level, or None.
fn exact(app: &App, level: Level, id: &str) -> Result<Option<String>, ApiError> {
    Ok(exists(app, level, id)?.then(|| id.to_string()))
}

/// The exact resource of this level, or Orthanc's 404 for an unknown one.
pub(super) fn known(app: &App, level: Level, id: &str) -> Result<(), ApiError> {
    if exists(app, level, id)? {
        Ok(())
    } else {
        Err(ApiError::unknown_resource())
    }
}

async fn list(
    State(app): State<App>,
    Query(q): Query<HashMap<String, String>>,
    level: Level,
) -> ApiResult {
    let expand = expand(&q)?;
    // Orthanc 1.12.5's paging: skip `since`, then at most `limit` (0 or absent: no limit).
    let since = usize::try_from(query_number(&q, "since", 0)?).unwrap_or(usize::MAX);
    let limit = match query_number(&q, "limit", 0)? {
        0 => usize::MAX,
        n => usize::try_from(n).unwrap_or(usize::MAX),
    };
    blocking(move || {
        let mut items = app.node.list_level(level)?;
        items.drain(..since.min(items.len()));
        items.truncate(limit);
        Ok(if expand {
            answer::json(&items)
        } else {
            answer::json(&items.iter().map(|v| v.id()).collect::<Vec<_>>())
        })
    })
    .await
}

async fn one(State(app): State<App>, Path(id): Path<String>, level: Level) -> ApiResult {
    blocking(move || match exact(&app, level, &id)? {
        Some(id) => Ok(answer::json(&app.node.view(level, &id)?)),
        None => Err(ApiError::bare(StatusCode::NOT_FOUND)),
    })
    .await
}

async fn remove(State(app): State<App>, Path(id): Path<String>, level: Level) -> ApiResult {
    blocking(move || match exact(&app, level, &id)? {
        Some(id) => Ok(answer::json(&app.node.remove_exact(level, &id)?)),
        None => Err(ApiError::unknown_resource()),
    })
    .await
}

/// The stored file; `?filename=` names it in Content-Disposition (Orthanc 1.12.7).
async fn file(
    State(app): State<App>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    blocking(move || {
        known(&app, Level::Instance, &id)?;
        let mut r = answer::bytes("application/dicom", app.node.instance_bytes(&id)?);
        if let Some(v) = q
            .get("filename")
            .and_then(|f| answer::content_disposition(f))
        {
            r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
        Ok(r)
    })
    .await
}

/// Orthanc's choice of format: `?simplify` or `?short` (present, or `=true|1`), or
/// `?format=Full|Simplify|Short`.
pub(super) fn tags_format(q: &HashMap<String, String>) -> Result<TagsFormat, ApiError> {
    let on = |name: &str| Ok::<bool, ApiError>(query_flag(q, name)?.unwrap_or(false));
    if on("simplify")? {
        return Ok(TagsFormat::Simplified);
    }
    if on("short")? {
        return Ok(TagsFormat::Short);
    }
    match q.get("format").map(String::as_str) {
        None | Some("Full") => Ok(TagsFormat::Full),
        Some("Simplify") => Ok(TagsFormat::Simplified),
        Some("Short") => Ok(TagsFormat::Short),
        Some(other) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            OrthancCode::ParameterOutOfRange,
            format!("format must be Full, Simplify or Short, found \"{other}\""),
        )),
    }
}

async fn tags(
    State(app): State<App>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let format = tags_format(&q)?;
    instance_tags(app, id, format).await
}

async fn header(
    State(app): State<App>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let format = tags_format(&q)?;
    blocking(move || {
        known(&app, Level::Instance, &id)?;
        Ok(answer::json(&tags_in(
            &app.node.instance_header(&id)?,
            format,
        )))
    })
    .await
}

async fn simplified_tags(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    instance_tags(app, id, TagsFormat::Simplified).await
}

async fn instance_tags(app: App, id: String, format: TagsFormat) -> ApiResult {
    blocking(move || {
        known(&app, Level::Instance, &id)?;
        let (full, _) = app.node.instance_tags(&id)?;
        Ok(answer::json(&tags_in(&full, format)))
    })
    .await
}

async fn pdf(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    blocking(move || {
        known(&app, Level::Instance, &id)?;
        match app.node.pdf_of(&id) {
            Ok(data) => Ok(answer::bytes("application/pdf", data)),
            // Orthanc: an instance without a PDF is a bodiless 404.
            Err(_) => Err(ApiError::bare(StatusCode::NOT_FOUND)),
        }
    })
    .await
}
