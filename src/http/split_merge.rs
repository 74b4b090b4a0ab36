//! Split and merge over REST, as Orthanc: `POST /studies/{id}/split` (a `SplitStudy` job) and
//! `POST /studies/{id}/merge` (a `MergeStudy` job), synchronous by default, answering the
//! job's Content.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;

use super::answer::{ApiError, ApiResult, OrthancCode};
use super::job_route::{self, job_options};
use super::resources::exists;
use super::{App, body};
use crate::dicom::modify::ModifyRequest;
use crate::jobs::JobSpec;
use crate::jobs::kinds::merge::MergeParams;
use crate::jobs::kinds::split::SplitParams;
use crate::store::ids::Level;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/studies/{id}/split", post(post_split))
        .route("/studies/{id}/merge", post(post_merge))
}

/// The body as a JSON object (an empty body is `{}`), and Orthanc's 404 for an unknown study.
async fn read(app: &App, headers: &HeaderMap, raw: Body, id: &str) -> Result<Value, ApiError> {
    let v = body::object(app, headers, raw).await?;
    if !exists(app, Level::Study, id)? {
        return Err(ApiError::unknown_resource());
    }
    Ok(v)
}

/// An optional array of IDs.
fn ids(v: &Value, field: &str) -> Result<Vec<String>, ApiError> {
    let bad = || ApiError::bad_request(format!("{field}: an array of IDs is expected"));
    match v.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| x.as_str().map(str::to_string).ok_or_else(bad))
            .collect(),
        Some(_) => Err(bad()),
    }
}

fn no_output(_: crate::node::JobOutput) -> ApiResult {
    Err(ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        OrthancCode::InternalError,
        "a split or merge job has no output",
    ))
}

async fn post_split(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    raw: Body,
) -> ApiResult {
    let v = read(&app, &headers, raw, &id).await?;
    let request = ModifyRequest::from_body(&v).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let params = SplitParams {
        study: id,
        series: ids(&v, "Series")?,
        instances: ids(&v, "Instances")?,
        replace: request.replace,
        remove: request.remove,
        keep_source: body::bool_field(&v, "KeepSource", false)?,
        permissive: body::bool_field(&v, "Permissive", false)?,
        step_delay_ms: 0,
    };
    if params.series.is_empty() && params.instances.is_empty() {
        return Err(ApiError::bad_request(
            "Both the \"Series\" and the \"Instances\" fields are missing",
        ));
    }
    params.modification().map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            OrthancCode::ParameterOutOfRange,
            e.to_string(),
        )
    })?;
    let options = job_options(&v)?;
    job_route::run(app, JobSpec::SplitStudy(params), options, no_output).await
}

async fn post_merge(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    raw: Body,
) -> ApiResult {
    let v = read(&app, &headers, raw, &id).await?;
    let resources = ids(&v, "Resources")?;
    if resources.is_empty() {
        return Err(ApiError::bad_request(
            "Resources: give the studies, series or instances to merge",
        ));
    }
    let params = MergeParams {
        study: id,
        resources,
        keep_source: body::bool_field(&v, "KeepSource", false)?,
        permissive: body::bool_field(&v, "Permissive", false)?,
        step_delay_ms: 0,
    };
    let options = job_options(&v)?;
    job_route::run(app, JobSpec::MergeStudy(params), options, no_output).await
}
