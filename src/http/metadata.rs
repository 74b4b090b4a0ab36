//! `GET /{level}/{id}/metadata` (`?expand`: names and values) and
//! `GET /{level}/{id}/metadata/{name}` (the value as text): Orthanc's metadata, what an import
//! attached (`Origin`, `RemoteAET`, `ModifiedFrom`, ...) and what the record says
//! (`ReceptionDate`, `LastUpdate`, `IndexInSeries`, ...), from `store/metadata.rs`.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Map, Value};

use super::answer::{self, ApiError, ApiResult, OrthancCode};
use super::{App, blocking};
use crate::error::Error;
use crate::store::ids::Level;

/// Every path written out, so that a search for one finds its route.
pub fn routes() -> Router<App> {
    use Level::{Instance, Patient, Series, Study};
    Router::new()
        .route(
            "/patients/{id}/metadata",
            get(|s, p, q| list(s, p, q, Patient)),
        )
        .route(
            "/studies/{id}/metadata",
            get(|s, p, q| list(s, p, q, Study)),
        )
        .route(
            "/series/{id}/metadata",
            get(|s, p, q| list(s, p, q, Series)),
        )
        .route(
            "/instances/{id}/metadata",
            get(|s, p, q| list(s, p, q, Instance)),
        )
        .route(
            "/patients/{id}/metadata/{name}",
            get(|s, p| one(s, p, Patient)),
        )
        .route(
            "/studies/{id}/metadata/{name}",
            get(|s, p| one(s, p, Study)),
        )
        .route(
            "/series/{id}/metadata/{name}",
            get(|s, p| one(s, p, Series)),
        )
        .route(
            "/instances/{id}/metadata/{name}",
            get(|s, p| one(s, p, Instance)),
        )
}

/// The metadata of a resource; Orthanc's 404 when there is no such resource at that level.
async fn read(
    app: App,
    level: Level,
    id: String,
) -> Result<std::collections::BTreeMap<String, String>, ApiError> {
    blocking(move || match app.node.metadata(level, &id) {
        Err(Error::NotFound { .. }) => Err(ApiError::unknown_resource()),
        other => Ok(other?),
    })
    .await
}

async fn list(
    State(app): State<App>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    level: Level,
) -> ApiResult {
    let all = read(app, level, id).await?;
    if q.contains_key("expand") {
        let object: Map<String, Value> = all
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        return Ok(answer::json(&Value::Object(object)));
    }
    Ok(answer::json(&all.into_keys().collect::<Vec<_>>()))
}

async fn one(
    State(app): State<App>,
    Path((id, name)): Path<(String, String)>,
    level: Level,
) -> ApiResult {
    let all = read(app, level, id).await?;
    match all.get(&name) {
        Some(value) => Ok(answer::bytes("text/plain", value.clone().into_bytes())),
        None => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            OrthancCode::InexistentItem,
            format!("no metadata \"{}\" on this resource", name.escape_default()),
        )),
    }
}
