//! Modification and anonymization over REST, as Orthanc:
//! `POST /{patients|studies|series}/{id}/{modify|anonymize}` (a `ResourceModification` job,
//! synchronous by default) and `POST /instances/{id}/{modify|anonymize}` (the modified file,
//! nothing stored), and `POST /tools/bulk-modify` / `/tools/bulk-anonymize` (one job over
//! `Resources` at any level).

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;

use super::answer::{self, ApiError, ApiResult, OrthancCode};
use super::archive::refuse_transcode;
use super::job_route::{self, job_options};
use super::resources::exists;
use super::{App, blocking, body};
use crate::dicom::modify::ModifyRequest;
use crate::jobs::kinds::modify::{check, check_at};
use crate::jobs::{JobSpec, ModifyParams};
use crate::store::ids::Level;

/// Every path written out, so that a search for one finds its route.
pub fn routes() -> Router<App> {
    use Level::{Patient, Series, Study};
    Router::new()
        .route(
            "/patients/{id}/modify",
            post(|s, p, h, b| post_resource(s, p, h, b, Patient)),
        )
        .route(
            "/studies/{id}/modify",
            post(|s, p, h, b| post_resource(s, p, h, b, Study)),
        )
        .route(
            "/series/{id}/modify",
            post(|s, p, h, b| post_resource(s, p, h, b, Series)),
        )
        .route(
            "/instances/{id}/modify",
            post(|s, p, h, b| post_instance(s, p, h, b, false)),
        )
        .route(
            "/patients/{id}/anonymize",
            post(|s, p, h, b| post_anonymize(s, p, h, b, Patient)),
        )
        .route(
            "/studies/{id}/anonymize",
            post(|s, p, h, b| post_anonymize(s, p, h, b, Study)),
        )
        .route(
            "/series/{id}/anonymize",
            post(|s, p, h, b| post_anonymize(s, p, h, b, Series)),
        )
        .route(
            "/instances/{id}/anonymize",
            post(|s, p, h, b| post_instance(s, p, h, b, true)),
        )
        .route(
            "/tools/bulk-modify",
            post(|s, h, b| post_bulk(s, h, b, false)),
        )
        .route(
            "/tools/bulk-anonymize",
            post(|s, h, b| post_bulk(s, h, b, true)),
        )
}

/// Orthanc's resource type names, as `StringToResourceType` reads them (either case, singular
/// or plural).
fn level_named(name: &str) -> Option<Level> {
    let lower = name.to_ascii_lowercase();
    Level::ALL
        .into_iter()
        .find(|l| lower == l.name().to_ascii_lowercase() || lower == l.plural())
}

async fn post_bulk(
    State(app): State<App>,
    headers: HeaderMap,
    raw: Body,
    anonymize: bool,
) -> ApiResult {
    let v = body::object(&app, &headers, raw).await?;
    refuse_transcode(v.get("Transcode").is_some_and(|t| !t.is_null()))?;
    let resources: Vec<String> = match v.get("Resources") {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|i| i.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or_else(|| ApiError::bad_request("\"Resources\" must list resource IDs"))?,
        _ => {
            return Err(ApiError::bad_request(
                "\"Resources\" is required: a non-empty array of resource IDs",
            ));
        }
    };
    let level = match v.get("Level") {
        None | Some(Value::Null) => None,
        Some(Value::String(name)) if !anonymize => Some(level_named(name).ok_or_else(|| {
            ApiError::bad_request(format!(
                "\"Level\": unknown resource type \"{}\"",
                name.escape_default()
            ))
        })?),
        Some(_) if anonymize => {
            return Err(ApiError::bad_request(
                "\"Level\" is for bulk-modify only: an anonymization is at the patient level",
            ));
        }
        Some(_) => return Err(ApiError::bad_request("\"Level\" must be a string")),
    };
    let request = if anonymize {
        ModifyRequest::from_anonymize_body(&v)
    } else {
        ModifyRequest::from_body(&v)
    }
    .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let options = job_options(&v)?;
    let params = ModifyParams {
        resource: String::new(),
        resources,
        level,
        request,
        keep_source: body::bool_field(&v, "KeepSource", true)?,
        permissive: body::bool_field(&v, "Permissive", false)?,
        step_delay_ms: 0,
    };
    check_at(&params.request, params.bulk_level(), true)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    job_route::run(app, JobSpec::ResourceModification(params), options, |_| {
        Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            OrthancCode::InternalError,
            "a modification job has no output",
        ))
    })
    .await
}

async fn post_anonymize(
    state: State<App>,
    id: Path<String>,
    headers: HeaderMap,
    raw: Body,
    level: Level,
) -> ApiResult {
    post_job(state, id, headers, raw, level, true).await
}

/// The body as a JSON object (an empty body is `{}`), and Orthanc's 404 for an unknown
/// resource, then the modification fields.
async fn read(
    app: &App,
    headers: &HeaderMap,
    raw: Body,
    level: Level,
    id: &str,
    anonymize: bool,
) -> Result<(Value, ModifyRequest), ApiError> {
    let v = body::object(app, headers, raw).await?;
    if !exists(app, level, id)? {
        return Err(ApiError::unknown_resource());
    }
    refuse_transcode(v.get("Transcode").is_some_and(|t| !t.is_null()))?;
    let request = if anonymize {
        ModifyRequest::from_anonymize_body(&v)
    } else {
        ModifyRequest::from_body(&v)
    }
    .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok((v, request))
}

async fn post_resource(
    state: State<App>,
    id: Path<String>,
    headers: HeaderMap,
    raw: Body,
    level: Level,
) -> ApiResult {
    post_job(state, id, headers, raw, level, false).await
}

async fn post_job(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    raw: Body,
    level: Level,
    anonymize: bool,
) -> ApiResult {
    let (v, request) = read(&app, &headers, raw, level, &id, anonymize).await?;
    check(&request, level).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let options = job_options(&v)?;
    let params = ModifyParams {
        resource: id,
        resources: Vec::new(),
        level: None,
        request,
        keep_source: body::bool_field(&v, "KeepSource", true)?,
        permissive: body::bool_field(&v, "Permissive", false)?,
        step_delay_ms: 0,
    };
    job_route::run(app, JobSpec::ResourceModification(params), options, |_| {
        Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            OrthancCode::InternalError,
            "a modification job has no output",
        ))
    })
    .await
}

async fn post_instance(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    raw: Body,
    anonymize: bool,
) -> ApiResult {
    let (_, request) = read(&app, &headers, raw, Level::Instance, &id, anonymize).await?;
    let bytes = blocking(move || Ok(app.node.modify_instance(&id, &request)?)).await?;
    Ok(answer::bytes("application/dicom", bytes))
}
