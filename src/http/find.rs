//! `POST /tools/lookup` (a DICOM identifier to Orthanc IDs) and `POST /tools/find`: Orthanc's body (`Level`, `Query`, `CaseSensitive`, `Expand`, `Limit`,
//! `Since`, `RequestedTags`) over the index's main tags, other tags read from the files.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Map, Value};

use super::answer::{self, ApiError, ApiResult, OrthancCode};
use super::{App, blocking, body};
use crate::store::find::FindQuery;
use crate::store::ids::Level;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/tools/find", post(find))
        .route("/tools/lookup", post(lookup))
}

fn bad(details: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, OrthancCode::BadRequest, details)
}

fn level(v: &Value) -> Result<Level, ApiError> {
    let name = v
        .get("Level")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("Field \"Level\" is missing, or not a string"))?;
    Level::ALL
        .into_iter()
        .find(|l| l.name().eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                OrthancCode::ParameterOutOfRange,
                format!("Unknown resource level: {name} (Patient, Study, Series or Instance)"),
            )
        })
}

fn count(v: &Value, name: &str) -> Result<usize, ApiError> {
    match v.get(name) {
        None => Ok(0),
        Some(n) => n
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| bad(format!("Field \"{name}\" must be a non-negative integer"))),
    }
}

/// Orthanc's body, checked.
fn parse(v: &Value) -> Result<(FindQuery, bool, Vec<String>), ApiError> {
    if !v.is_object() {
        return Err(bad("The body must be a JSON object"));
    }
    let level = level(v)?;
    let query = match v.get("Query") {
        Some(Value::Object(q)) => q
            .iter()
            .map(|(k, val)| match val {
                Value::String(s) => Ok((k.clone(), s.clone())),
                _ => Err(bad(format!(
                    "Tag \"{k}\" should be associated with a string"
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(bad("Field \"Query\" is missing, or not a JSON object")),
    };
    let requested = match v.get("RequestedTags") {
        None => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|t| {
                t.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad("Field \"RequestedTags\" must be an array of strings"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad("Field \"RequestedTags\" must be an array of strings")),
    };
    let q = FindQuery {
        level,
        query,
        case_sensitive: body::bool_field(v, "CaseSensitive", true)?,
        since: count(v, "Since")?,
        limit: count(v, "Limit")?,
    };
    Ok((q, body::bool_field(v, "Expand", false)?, requested))
}

/// The body is the identifier itself, as plain text.
async fn lookup(State(app): State<App>, headers: HeaderMap, raw: Body) -> ApiResult {
    let bytes = body::read(&app, &headers, raw).await?;
    let value = std::str::from_utf8(&bytes)
        .map_err(|_| bad("The identifier must be UTF-8 text"))?
        .to_string();
    blocking(move || {
        let found: Vec<Value> = app
            .node
            .lookup(&value)?
            .into_iter()
            .map(|(level, id)| {
                serde_json::json!({
                    "ID": id,
                    "Path": format!("/{}/{id}", level.plural()),
                    "Type": level.name(),
                })
            })
            .collect();
        Ok(answer::json(&found))
    })
    .await
}

async fn find(State(app): State<App>, headers: HeaderMap, raw: Body) -> ApiResult {
    let bytes = body::read(&app, &headers, raw).await?;
    let v = body::json(&bytes)?;
    let (q, expand, requested) = parse(&v)?;
    blocking(move || {
        if !expand {
            return Ok(answer::json(&app.node.find(&q)?));
        }
        let views = app.node.find_views(&q)?;
        let mut out = Vec::with_capacity(views.len());
        for view in &views {
            let id = view.id();
            let mut json = serde_json::to_value(view)
                .map_err(|e| ApiError::from(crate::error::Error::Internal(e.to_string())))?;
            if !requested.is_empty() {
                let mut tags = Map::new();
                for name in &requested {
                    if let Some(value) = app.node.requested_tag(q.level, id, name)? {
                        tags.insert(name.clone(), Value::String(value));
                    }
                }
                json["RequestedTags"] = Value::Object(tags);
            }
            out.push(json);
        }
        Ok(answer::json(&out))
    })
    .await
}
