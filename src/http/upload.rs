//! `POST /instances`: a DICOM file, a ZIP of DICOM files, either of them gzip-compressed
//! (`Content-Encoding: gzip`). The bodies are decoded, within limits, by `upload_body.rs`;
//! a refused ZIP stores nothing.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::answer::{self, ApiError, ApiResult, OrthancCode};
use super::upload_body::{BodyError, ZipBody, gunzip, is_zip};
use super::{App, blocking, body};
use crate::store::ids::Level;
use crate::store::import::{ImportItem, ImportResult, ImportSource, ImportStatus};
use crate::store::metadata::{Attached, origin};

pub async fn upload(
    State(app): State<App>,
    peer: Option<axum::Extension<super::Peer>>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    let user = super::auth::user_of(
        headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok()),
    );
    let metadata = origin(peer.map(|p| p.0.0.ip()), user.as_deref());
    let bytes = body::read(&app, &headers, body).await?;
    if bytes.is_empty() {
        return Err(bad_file("Received an empty DICOM file"));
    }
    let gzip = headers
        .get(axum::http::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"));
    let limit = app.options.body_limit;
    blocking(move || {
        let bytes = if gzip {
            gunzip(&bytes, limit).map_err(refused)?
        } else {
            bytes.to_vec()
        };
        if is_zip(&bytes) {
            Ok(answer::json(&store_zip(&app, &bytes, limit, &metadata)?))
        } else {
            let size = bytes.len();
            let result = import_one(&app, "upload", bytes, &metadata)?;
            match instance_answer(&result) {
                Some(answer) => Ok(answer::json(&answer)),
                None => Err(bad_file(format!(
                    "Cannot parse an invalid DICOM file (size: {size} bytes): {}",
                    result.error.unwrap_or_default()
                ))),
            }
        }
    })
    .await
}

fn bad_file(details: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, OrthancCode::BadFileFormat, details)
}

fn too_large(details: String) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        OrthancCode::BadFileFormat,
        details,
    )
}

fn refused(e: BodyError) -> ApiError {
    match e {
        BodyError::Bad(m) => bad_file(m),
        BodyError::TooLarge(m) => too_large(m),
    }
}

/// Orthanc's metadata of an instance received by the REST API: its origin, the client's
/// address and user name (empty without authentication), and no calling AET (on the series
/// too).
fn origin(client: Option<std::net::IpAddr>, user: Option<&str>) -> Attached {
    let ip = client.map(|ip| ip.to_string()).unwrap_or_default();
    Attached::new()
        .with(Level::Instance, "Origin", origin::REST_API)
        .with(Level::Instance, "RemoteAET", "")
        .with(Level::Instance, "RemoteIP", &ip)
        .with(Level::Instance, "HttpUsername", user.unwrap_or(""))
        .with(Level::Series, "RemoteAET", "")
}

fn import_one(
    app: &App,
    label: &str,
    bytes: Vec<u8>,
    metadata: &Attached,
) -> Result<ImportResult, ApiError> {
    let item = ImportItem::new(label, ImportSource::Bytes(bytes)).with_metadata(metadata.clone());
    app.node
        .import(vec![item], &mut |_| {})?
        .pop()
        .ok_or_else(|| ApiError::bad_request("nothing imported"))
}

/// Orthanc's answer for a stored instance; None when it was not stored.
fn instance_answer(result: &ImportResult) -> Option<Value> {
    let ids = result.ids.as_ref()?;
    if result.status == ImportStatus::Error {
        return None;
    }
    Some(json!({
        "ID": ids.instance,
        "ParentPatient": ids.patient,
        "ParentSeries": ids.series,
        "ParentStudy": ids.study,
        "Path": format!("/instances/{}", ids.instance),
        "Status": format!("{:?}", result.status),
    }))
}

/// Stores every DICOM entry of a ZIP; answers Orthanc's array of per-instance answers. Entries
/// that are empty, directories or not DICOM are skipped, as Orthanc skips them.
fn store_zip(
    app: &App,
    bytes: &[u8],
    limit: u64,
    metadata: &Attached,
) -> Result<Vec<Value>, ApiError> {
    let mut zip = ZipBody::open(bytes, limit).map_err(refused)?;
    let mut answers = Vec::new();
    for i in 0..zip.len() {
        let Some(entry) = zip.entry(i).map_err(refused)? else {
            continue;
        };
        let result = import_one(app, &format!("ZIP entry #{i}"), entry.data, metadata)?;
        match instance_answer(&result) {
            Some(answer) => answers.push(answer),
            // `{:?}`: the name as the client sent it, control characters escaped.
            None => tracing::info!(
                "POST /instances: ZIP entry #{i} {:?} is not a DICOM file: {}",
                entry.name,
                result.error.unwrap_or_default()
            ),
        }
    }
    Ok(answers)
}
