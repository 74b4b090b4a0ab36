//! Archives and media over REST, as Orthanc: `GET|POST /{patients|studies|series}/{id}/archive`
//! and `/media`, `POST /tools/create-archive|create-media|create-media-extended`, and
//! `GET /jobs/{id}/archive`. Sync answers stream the ZIP from disk, never held whole.

use std::collections::HashMap;
use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::answer::{self, ApiError, ApiResult, OrthancCode};
use super::jobs::job_options;
use super::resources::{exists, level_of};
use super::{App, blocking, body};
use crate::archive::zip_writer::Compression;
use crate::jobs::JobState;
use crate::jobs::archive::ArchiveParams;
use crate::store::ids::Level;

pub fn routes() -> Router<App> {
    let mut r = Router::new();
    for level in [Level::Patient, Level::Study, Level::Series] {
        for media in [false, true] {
            let path = format!(
                "/{}/{{id}}/{}",
                level.plural(),
                if media { "media" } else { "archive" }
            );
            r = r.route(
                &path,
                get(move |s, p, q| get_one(s, p, q, level, media))
                    .post(move |s, p, h, b| post_one(s, p, h, b, level, media)),
            );
        }
    }
    r.route(
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
    .route("/jobs/{id}/archive", get(job_archive))
}

/// What an archive request asks for.
struct Ask {
    resources: Vec<String>,
    media: bool,
    extended: bool,
    utf8: bool,
    synchronous: bool,
    priority: i32,
    /// The name the caller asked for (`Filename`, `?filename=`), kept by an async job too.
    filename: Option<String>,
    /// The route's name for a sync answer when none was asked for.
    default_filename: String,
}

/// Transcoding is refused rather than ignored: a script that asks for JPEG files must not get
/// the stored ones without being told (Orthanc's `Transcode`, `?transcode=`).
fn refuse_transcode(asked: bool) -> Result<(), ApiError> {
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

fn flag(body: &Value, name: &str, default: bool) -> Result<bool, ApiError> {
    match body.get(name) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            OrthancCode::BadFileFormat,
            format!("Boolean value expected in field: {name}"),
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
            synchronous: true,
            priority: 0,
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
    let bytes = body::read(&app, &headers, raw).await?;
    let v = if bytes.is_empty() {
        json!({})
    } else {
        body::json(&bytes)?
    };
    if !v.is_object() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            OrthancCode::BadFileFormat,
            "a JSON object is expected",
        ));
    }
    check_resource(&app, level, &id)?;
    refuse_transcode(v.get("Transcode").is_some_and(|t| !t.is_null()))?;
    let (synchronous, priority) = job_options(&v)?;
    run(
        app,
        Ask {
            filename: filename(&v)?,
            default_filename: format!("{id}.zip"),
            resources: vec![id],
            media,
            extended: media && flag(&v, "Extended", false)?,
            utf8: flag(&v, "Utf8", false)?,
            synchronous,
            priority,
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
    let (synchronous, priority) = job_options(&opts)?;
    run(
        app,
        Ask {
            resources,
            media,
            extended: media && flag(&opts, "Extended", extended)?,
            utf8: flag(&opts, "Utf8", false)?,
            synchronous,
            priority,
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
    if app.no_jobs {
        return Err(ApiError::bad_request(
            "the daemon runs with --no-jobs: it does not run jobs",
        ));
    }
    let type_name = if ask.media { "Media" } else { "Archive" };
    let params = ArchiveParams {
        resources: ask.resources,
        extended: ask.extended,
        compression: Compression::Deflate,
        ascii_names: !ask.utf8,
        synchronous: ask.synchronous,
        step_delay_ms: 0,
        // Kept by the job for `GET /jobs/{id}/archive`.
        filename: ask.filename.clone(),
    }
    .to_json();
    let priority = ask.priority;
    let synchronous = ask.synchronous;
    let (id, file) = blocking(move || {
        let jobs = app.node.jobs();
        let id = jobs.submit(type_name, params, priority)?;
        if !synchronous {
            return Ok((id, None));
        }
        let info = jobs.wait(&id, None)?;
        if info.state != JobState::Success {
            let code = if info.error_code == OrthancCode::CanceledJob.code() {
                OrthancCode::BadRequest
            } else {
                OrthancCode::InternalError
            };
            return Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                code,
                format!("{}: {}", info.error_description, info.error_details),
            ));
        }
        // The caller takes the output: open it, then let it go from the kept outputs.
        let path = app.node.job_output(&id)?;
        let file = std::fs::File::open(&path).map_err(|e| crate::error::Error::io(&path, e))?;
        let _ = std::fs::remove_file(&path);
        app.node.forget_job_output(&id)?;
        Ok((id, Some(file)))
    })
    .await?;
    match file {
        None => Ok(answer::json(
            &json!({"ID": id, "Path": format!("/jobs/{id}")}),
        )),
        Some(file) => zip_answer(file, ask.filename.as_ref().unwrap_or(&ask.default_filename)),
    }
}

fn zip_answer(file: std::fs::File, filename: &str) -> ApiResult {
    let len = file.metadata().map(|m| m.len()).ok();
    let stream = tokio_util::io::ReaderStream::new(tokio::fs::File::from_std(file));
    let mut r = Body::from_stream(stream).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    let clean: String = filename
        .chars()
        .filter(|c| !matches!(c, '"' | '\r' | '\n'))
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!("filename=\"{clean}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(len) = len {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    Ok(r)
}

/// `GET /jobs/{id}/archive`: a finished archive job's output, as many times as asked, under
/// the job's `Filename` when its request gave one (Orthanc 1.13), else `archive.zip`.
async fn job_archive(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    let (path, name): (PathBuf, Option<String>) = blocking(move || {
        app.node.job_output_named(&id).map_err(|e| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                OrthancCode::InexistentItem,
                format!("Job has no such output: archive ({e})"),
            )
        })
    })
    .await?;
    let file = std::fs::File::open(&path)
        .map_err(|e| ApiError::from(crate::error::Error::io(&path, e)))?;
    zip_answer(file, name.as_deref().unwrap_or("archive.zip"))
}
