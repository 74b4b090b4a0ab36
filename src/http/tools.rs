//! `/tools/create-dicom` (Orthanc's body), `/tools/default-encoding` and `/system`.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde_json::json;

use super::answer::{self, ApiError, ApiResult, OrthancCode};
use super::resources::level_of;
use super::{App, blocking, body};
use crate::dicom::create::{DefaultEncoding, parse_request};
use crate::node::CreateRequest;
use crate::store::ids::Level;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/tools/create-dicom", post(create_dicom))
        .route(
            "/tools/default-encoding",
            get(default_encoding).put(set_default_encoding),
        )
        .route("/system", get(system))
        // Orthanc's plugins: dicomq has none (scripts ask before using a plugin's routes).
        .route(
            "/plugins",
            get(|| async { answer::json(&serde_json::json!([])) }),
        )
        .route("/metrics", get(prometheus))
        .route("/tools/metrics-prometheus", get(prometheus))
        .route("/tools/metrics", get(metrics_switch).put(set_metrics))
}

async fn prometheus(State(app): State<App>) -> ApiResult {
    blocking(move || {
        let text = app.node.metrics_text()?;
        Ok(answer::bytes(
            crate::metrics::exposition::CONTENT_TYPE,
            text.into_bytes(),
        ))
    })
    .await
}

async fn metrics_switch(State(app): State<App>) -> ApiResult {
    let on = app.node.metrics_switch()?.enabled;
    Ok(answer::bytes(
        "text/plain",
        if on { b"1".to_vec() } else { b"0".to_vec() },
    ))
}

/// `PUT /tools/metrics` with `1`, `0`, `true` or `false` (spaces ignored), as Orthanc.
async fn set_metrics(State(app): State<App>, headers: HeaderMap, body: Body) -> ApiResult {
    let bytes = body::read(&app, &headers, body).await?;
    let enabled = match String::from_utf8_lossy(&bytes).trim() {
        "1" | "true" => true,
        "0" | "false" => false,
        _ => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                OrthancCode::BadFileFormat,
                "Boolean value expected",
            ));
        }
    };
    blocking(move || {
        app.node.set_metrics_enabled(enabled)?;
        Ok(answer::bytes("text/plain", Vec::new()))
    })
    .await
}

/// `GET /tools/default-encoding`: Orthanc's name of create-dicom's default encoding.
async fn default_encoding(State(app): State<App>) -> ApiResult {
    let name = app.node.default_encoding().name();
    Ok(answer::bytes("text/plain", name.as_bytes().to_vec()))
}

/// `PUT /tools/default-encoding` with a name (`Latin1`, `Utf8`, ...): until the daemon stops,
/// as in Orthanc. Answers the name set.
async fn set_default_encoding(State(app): State<App>, headers: HeaderMap, body: Body) -> ApiResult {
    let bytes = body::read(&app, &headers, body).await?;
    let text = String::from_utf8_lossy(&bytes);
    let Some(encoding) = DefaultEncoding::from_name(&text) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            OrthancCode::ParameterOutOfRange,
            format!(
                "unknown encoding \"{}\" (expected one of {})",
                text.trim().escape_default(),
                DefaultEncoding::ALL.map(|e| e.name()).join(", ")
            ),
        ));
    };
    app.node.set_default_encoding(encoding);
    Ok(answer::bytes(
        "text/plain",
        encoding.name().as_bytes().to_vec(),
    ))
}

async fn create_dicom(State(app): State<App>, headers: HeaderMap, body: Body) -> ApiResult {
    let bytes = body::read(&app, &headers, body).await?;
    let value = body::json(&bytes)?;
    let parsed = parse_request(&value).map_err(|e| ApiError::bad_request(e.to_string()))?;
    blocking(move || {
        // The parent is checked here to answer with Orthanc's own codes.
        let parent = match &parsed.parent {
            None => None,
            Some(p) => match level_of(&app, p)? {
                None => {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        OrthancCode::CreateDicomBadParent,
                        "",
                    ));
                }
                Some(Level::Instance) => {
                    return Err(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        OrthancCode::CreateDicomParentIsInstance,
                        "",
                    ));
                }
                Some(_) => Some(p.clone()),
            },
        };
        let answers = app.node.create_dicom(CreateRequest {
            spec: parsed.spec,
            parent,
            store: true,
            return_files: false,
        })?;
        if parsed.content_is_array {
            let series = answers
                .first()
                .map(|a| a.parent_series.clone())
                .unwrap_or_default();
            return Ok(answer::json(&json!({
                "ID": series, "Path": format!("/series/{series}"), "Status": "Success"
            })));
        }
        let a = answers
            .first()
            .ok_or_else(|| ApiError::bad_request("nothing was created"))?;
        Ok(answer::json(&json!({
            "ID": a.id,
            "ParentPatient": a.parent_patient,
            "ParentSeries": a.parent_series,
            "ParentStudy": a.parent_study,
            "Path": a.path,
            "Status": a.status,
        })))
    })
    .await
}

async fn system(State(app): State<App>) -> ApiResult {
    Ok(answer::json(&json!({
        "ApiVersion": 16,
        "CheckRevisions": false,
        "DatabaseBackendPlugin": null,
        "DatabaseVersion": 1,
        "DicomAet": app.node.config().network.aet,
        // The SCP's port when the daemon receives (`--dicom`, `DicomPort`), else null.
        "DicomPort": app.node.dicom_address().map(|a| a.port()),
        "HttpPort": app.options.addr.port(),
        // Orthanc's meaning: false when anyone on the network may call the API.
        "IsHttpServerSecure": !app.options.remote_access_allowed || app.options.authentication_enabled,
        "Name": "dicomq",
        "PluginsEnabled": false,
        "StorageAreaPlugin": null,
        "Version": env!("CARGO_PKG_VERSION"),
    })))
}
