//! Archives and media over REST, as Orthanc: `GET|POST /{patients|studies|series}/{id}/archive`
//! and `/media`, `POST /tools/create-archive|create-media|create-media-extended`, and
//! `GET /jobs/{id}/archive`. Sync answers stream the ZIP from disk, never held whole.

use std::collections::HashMap;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::answer::{self, ApiError, ApiResult, OrthancCode};
use super::job_route::{self, JobOptions, job_options};
use super::resources::{exists, level_of};
use super::{App, blocking, body};
use crate::archive::zip_writer::Compression;
use crate::jobs::{ArchiveParams, JobSpec};
use crate::node::JobOutput;
use crate::store::ids::Level;

/// Every path written out, so that a search for one finds its route.
pub fn routes() -> Router<App> {
    use Level::{Patient, Series, Study};
    Router::new()
        .route(
            "/patients/{id}/archive",
            get(|s, p, q| get_one(s, p, q, Patient, false))
                .post(|s, p, h, b| post_one(s, p, h, b, Patient, false)),
        )
        .route(
            "/studies/{id}/archive",
            get(|s, p, q| get_one(s, p, q, Study, false))
                .post(|s, p, h, b| post_one(s, p, h, b, Study, false)),
        )
        .route(
            "/series/{id}/archive",
            get(|s, p, q| get_one(s, p, q, Series, false))
                .post(|s, p, h, b| post_one(s, p, h, b, Series, false)),
        )
        .route(
            "/patients/{id}/media",
            get(|s, p, q| get_one(s, p, q, Patient, true))
                .post(|s, p, h, b| post_one(s, p, h, b, Patient, true)),
        )
        .route(
            "/studies/{id}/media",
            get(|s, p, q| get_one(s, p, q, Study, true))
                .post(|s, p, h, b| post_one(s, p, h, b, Study, true)),
        )
        .route(
            "/series/{id}/media",
            get(|s, p, q| get_one(s, p, q, Series, true))
                .post(|s, p, h, b| post_one(s, p, h, b, Series, true)),
        )
        .route(
            "/tools/create-archive",
            post(|s, h, b| post_many(s, h, b, false, false)),
        )
        .route(
            "/tools/create-media",
            post(|s, h, b| post_many(s, h, b, true, false)),
        )
        .route(
            "/tools/create-media-extended",
            post(|s, h, b| post_many(s, h, b, true, true)),
        )
        .route(
            "/jobs/{id}/archive",
            get(job_archive).delete(delete_job_archive),
        )
}

/// What an archive request asks for.
struct Ask {
    resources: Vec<String>,
    media: bool,
    extended: bool,
    utf8: bool,
    options: JobOptions,
    /// The name the caller asked for (`Filename`, `?filename=`), kept by an async job too.
    filename: Option<String>,
    /// The route's name for a sync answer when none was asked for.
    default_filename: String,
}

/// Transcoding is refused rather than ignored: a script that asks for JPEG files must not get
/// the stored ones without being told (Orthanc's `Transcode`, `?transcode=`).
pub(super) fn refuse_transcode(asked: bool) -> Result<(), ApiError> {
    if asked {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            OrthancCode::NotImplemented,
            "Transcode is not supported: dicomq archives the files as they are stored",
        ));
    }
    Ok(())
}

/// Orthanc's `Filename` field: the name the ZIP is downloaded under.
fn filename(body: &Value) -> Result<Option<String>, ApiError> {
    match body.get("Filename") {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            OrthancCode::BadFileFormat,
            "String value expected in field: Filename",
        )),
    }
}

async fn get_one(
    State(app): State<App>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    level: Level,
    media: bool,
) -> ApiResult {
    check_resource(&app, level, &id)?;
    refuse_transcode(q.contains_key("transcode"))?;
    run(
        app,
        Ask {
            filename: q.get("filename").cloned(),
            default_filename: format!("{id}.zip"),
            resources: vec![id],
            media,
            // Orthanc: `?extended` in any form turns it on.
            extended: media && q.contains_key("extended"),
            utf8: false,
            options: JobOptions::default(),
        },
    )
    .await
}

async fn post_one(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    raw: Body,
    level: Level,
    media: bool,
) -> ApiResult {
    let v = body::object(&app, &headers, raw).await?;
    check_resource(&app, level, &id)?;
    refuse_transcode(v.get("Transcode").is_some_and(|t| !t.is_null()))?;
    let options = job_options(&v)?;
    run(
        app,
        Ask {
            filename: filename(&v)?,
            default_filename: format!("{id}.zip"),
            resources: vec![id],
            media,
            extended: media && body::bool_field(&v, "Extended", false)?,
            utf8: body::bool_field(&v, "Utf8", false)?,
            options,
        },
    )
    .await
}

async fn post_many(
    State(app): State<App>,
    headers: HeaderMap,
    raw: Body,
    media: bool,
    extended: bool,
) -> ApiResult {
    let bytes = body::read(&app, &headers, raw).await?;
    let v = body::json(&bytes)?;
    // Orthanc takes `{"Resources": [...]}` or a bare array.
    let (list, opts) = match &v {
        Value::Array(a) => (Some(a.clone()), json!({})),
        Value::Object(o) => (
            o.get("Resources").and_then(Value::as_array).cloned(),
            v.clone(),
        ),
        _ => (None, json!({})),
    };
    let Some(list) = list else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            OrthancCode::BadFileFormat,
            "Missing field Resources in the JSON body",
        ));
    };
    let mut resources = Vec::with_capacity(list.len());
    for r in list {
        let Some(id) = r.as_str() else {
            return Err(ApiError::bad_request("Resources must be an array of IDs"));
        };
        if level_of(&app, id)?.is_none() {
            return Err(ApiError::unknown_resource());
        }
        resources.push(id.to_string());
    }
    refuse_transcode(opts.get("Transcode").is_some_and(|t| !t.is_null()))?;
    let options = job_options(&opts)?;
    run(
        app,
        Ask {
            resources,
            media,
            extended: media && body::bool_field(&opts, "Extended", extended)?,
            utf8: body::bool_field(&opts, "Utf8", false)?,
            options,
            filename: filename(&opts)?,
            default_filename: "Archive.zip".into(),
        },
    )
    .await
}

fn check_resource(app: &App, level: Level, id: &str) -> Result<(), ApiError> {
    if exists(app, level, id)? {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::NOT_FOUND,
            OrthancCode::UnknownResource,
            "Missing resource while creating an archive",
        ))
    }
}

async fn run(app: App, ask: Ask) -> ApiResult {
    let params = ArchiveParams {
        resources: ask.resources,
        extended: ask.extended,
        compression: Compression::Deflate,
        ascii_names: !ask.utf8,
        synchronous: ask.options.synchronous,
        step_delay_ms: 0,
        // Kept by the job for `GET /jobs/{id}/archive`.
        filename: ask.filename.clone(),
    };
    let spec = if ask.media {
        JobSpec::Media(params)
    } else {
        JobSpec::Archive(params)
    };
    let name = ask.filename.unwrap_or(ask.default_filename);
    job_route::run(app, spec, ask.options, |output| zip_answer(output, &name)).await
}

fn zip_answer(output: JobOutput, filename: &str) -> ApiResult {
    let len = Some(output.len);
    let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(output.file));
    let mut r = Body::from_stream(stream).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Some(v) = answer::content_disposition(filename) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(len) = len {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    Ok(r)
}

/// `GET /jobs/{id}/archive`: a finished archive job's output, as many times as asked, under
/// the job's `Filename` when its request gave one (Orthanc 1.13), else `archive.zip`.
/// The output goes; the job stays (a later `GET` of the output is 404).
async fn delete_job_archive(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    blocking(move || {
        let deleted = match app.node.job_exact(&id) {
            Some(_) => app.node.delete_job_output(&id),
            None => Err(crate::error::Error::NotFound { what: "job", id }),
        };
        deleted.map_err(|_| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                OrthancCode::InexistentItem,
                "Job has no such output: archive",
            )
        })?;
        Ok(super::answer::bytes("text/plain", Vec::new()))
    })
    .await
}

async fn job_archive(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let output = blocking(move || {
        app.node.job_output(&id).map_err(|e| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                OrthancCode::InexistentItem,
                format!("Job has no such output: archive ({e})"),
            )
        })
    })
    .await?;
    let name = output.name.clone();
    zip_answer(output, name.as_deref().unwrap_or("archive.zip"))
}
