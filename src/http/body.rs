//! Reading a request body: refused at once when its declared length is over the limit, never
//! read past the limit, and dropped when the client stalls.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header};

use super::App;
use super::answer::{ApiError, OrthancCode};

pub async fn read(app: &App, headers: &HeaderMap, body: Body) -> Result<Bytes, ApiError> {
    let limit = app.options.body_limit;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            OrthancCode::BadRequest,
            format!("the request body is larger than the limit of {limit} bytes"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    match tokio::time::timeout(app.options.body_timeout, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(too_large()),
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            OrthancCode::BadRequest,
            "the client stopped sending its request body",
        )),
    }
}

/// The body as a JSON value; malformed JSON is Orthanc's 400 "Bad request".
pub fn json(bytes: &[u8]) -> Result<serde_json::Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            OrthancCode::BadRequest,
            format!("malformed JSON: {e}"),
        )
    })
}

/// The body as a JSON object, as Orthanc's job routes take it: an empty body is `{}`, anything
/// but an object is a 400.
pub async fn object(
    app: &App,
    headers: &HeaderMap,
    body: Body,
) -> Result<serde_json::Value, ApiError> {
    let bytes = read(app, headers, body).await?;
    let v = if bytes.is_empty() {
        serde_json::json!({})
    } else {
        json(&bytes)?
    };
    if !v.is_object() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            OrthancCode::BadFileFormat,
            "a JSON object is expected",
        ));
    }
    Ok(v)
}

/// A Boolean field of a JSON body, if present (Orthanc's 400 "Boolean value expected" else).
pub fn bool_opt(body: &serde_json::Value, name: &str) -> Result<Option<bool>, ApiError> {
    match body.get(name) {
        None => Ok(None),
        Some(serde_json::Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            OrthancCode::BadFileFormat,
            format!("Boolean value expected in field: {name}"),
        )),
    }
}

/// A Boolean field of a JSON body, `default` when absent.
pub fn bool_field(body: &serde_json::Value, name: &str, default: bool) -> Result<bool, ApiError> {
    Ok(bool_opt(body, name)?.unwrap_or(default))
}
