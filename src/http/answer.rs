//! Answers as Orthanc gives them: JSON with 3-space indentation; errors as Orthanc's JSON body
//! (`HttpError`, `HttpStatus`, `Message`, `Method`, `OrthancError`, `OrthancStatus`, `Uri`,
//! `Details`), or bodiless where Orthanc answers without a body.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::Error;

pub use crate::orthanc_code::OrthancCode;

/// An error answer; the middleware below writes its body with the request's method and URI.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    /// None: answer without a body (Orthanc's refused job actions, unknown resources).
    pub code: Option<OrthancCode>,
    pub details: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: OrthancCode, details: impl Into<String>) -> Self {
        let details = details.into();
        ApiError {
            status,
            code: Some(code),
            details: (!details.is_empty()).then_some(details),
        }
    }

    pub fn bare(status: StatusCode) -> Self {
        ApiError {
            status,
            code: None,
            details: None,
        }
    }

    pub fn bad_request(details: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, OrthancCode::BadRequest, details)
    }

    pub fn unknown_resource() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, OrthancCode::UnknownResource, "")
    }
}

/// dicomq's errors, as Orthanc would classify them.
impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        match &e {
            Error::NotFound { .. } | Error::PrefixTooShort(_) => ApiError::new(
                StatusCode::NOT_FOUND,
                OrthancCode::UnknownResource,
                e.to_string(),
            ),
            Error::Invalid(_) | Error::Ambiguous { .. } | Error::Config { .. } => ApiError::new(
                StatusCode::BAD_REQUEST,
                OrthancCode::BadRequest,
                e.to_string(),
            ),
            Error::Remote {
                kind: crate::error::ErrorKind::Failed,
                ..
            } => ApiError::new(
                StatusCode::BAD_REQUEST,
                OrthancCode::BadRequest,
                e.to_string(),
            ),
            _ => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                OrthancCode::InternalError,
                e.to_string(),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = self.status.into_response();
        r.extensions_mut().insert(self);
        r
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a str>,
    http_error: &'a str,
    http_status: u16,
    message: &'a str,
    method: &'a str,
    orthanc_error: &'a str,
    orthanc_status: i32,
    uri: &'a str,
}

/// Fills in the JSON body of an error answer, which needs the request's method and URI.
pub fn with_error_body(mut resp: Response, method: &str, uri: &str) -> Response {
    let Some(err) = resp.extensions_mut().remove::<ApiError>() else {
        return resp;
    };
    let Some(code) = err.code else {
        return resp;
    };
    let body = ErrorBody {
        details: err.details.as_deref(),
        http_error: err.status.canonical_reason().unwrap_or(""),
        http_status: err.status.as_u16(),
        message: code.description(),
        method,
        orthanc_error: code.description(),
        orthanc_status: code.code(),
        uri,
    };
    let text = pretty(&body, b"\t");
    let headers = resp.headers().clone();
    let mut out = (err.status, text).into_response();
    for (k, v) in headers.iter() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            out.headers_mut().insert(k, v.clone());
        }
    }
    // Orthanc sends its error bodies without a Content-Type.
    out.headers_mut().remove(header::CONTENT_TYPE);
    out
}

/// `value` as indented JSON and a newline. serde_json writes only valid UTF-8, so the bytes go
/// out as they are; the buffer starts at the size of a job's answer, not at 8 bytes doubling.
fn pretty<T: Serialize>(value: &T, indent: &[u8]) -> Vec<u8> {
    let mut buf = Vec::with_capacity(1024);
    let fmt = serde_json::ser::PrettyFormatter::with_indent(indent);
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    if value.serialize(&mut ser).is_err() {
        return b"{}".to_vec();
    }
    buf.push(b'\n');
    buf
}

/// A JSON answer (`application/json; charset=utf-8`, 3-space indentation as Orthanc).
pub fn json<T: Serialize>(value: &T) -> Response {
    let mut r = Response::new(Body::from(pretty(value, b"   ")));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    r
}

pub fn bytes(content_type: &'static str, data: Vec<u8>) -> Response {
    let mut r = Response::new(Body::from(data));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// Orthanc's `Content-Disposition: filename="..."`, without the characters that would end the
/// quoted name or the header (`"`, CR, LF and the other controls).
pub fn content_disposition(filename: &str) -> Option<HeaderValue> {
    let clean: String = filename
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    HeaderValue::from_str(&format!("filename=\"{clean}\"")).ok()
}

pub type ApiResult = Result<Response, ApiError>;
