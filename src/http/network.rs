//! Modalities and peers over REST, as Orthanc 1.12: `GET /modalities[?expand]`,
//! `GET /modalities/{id}/configuration`, `POST /modalities/{id}/echo`,
//! `POST /modalities/{id}/store` (a `DicomModalityStore` job), `GET /peers[?expand]`,
//! `POST /peers/{id}/store` (an `OrthancPeerStore` job). An unknown name is Orthanc's 404
//! "No modality with symbolic name: ..." / "No peer with symbolic name: ...".

use std::collections::HashMap;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::answer::{self, ApiError, ApiResult, OrthancCode};
use super::job_route::{self, job_options};
use super::resources::expand;
use super::{App, blocking, body};
use crate::jobs::JobSpec;
use crate::jobs::kinds::send_modality::ModalityStoreParams;
use crate::jobs::kinds::send_peer::PeerStoreParams;
use crate::node::NetworkList;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/modalities", get(list_modalities))
        .route(
            "/modalities/{id}/configuration",
            get(modality_configuration),
        )
        .route("/modalities/{id}/echo", post(echo))
        .route("/modalities/{id}/store", post(store_modality))
        .route("/peers", get(list_peers))
        .route("/peers/{id}/store", post(store_peer))
}

fn no_such(what: &str, name: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        OrthancCode::InexistentItem,
        format!("No {what} with symbolic name: {name}"),
    )
}

/// The names (an array), or `{name: long form}` with `?expand`.
fn listing(entries: Value, expanded: bool) -> Value {
    if expanded {
        return entries;
    }
    match entries {
        Value::Object(map) => {
            Value::Array(map.into_iter().map(|(k, _)| Value::String(k)).collect())
        }
        other => other,
    }
}

async fn list_modalities(
    State(app): State<App>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let entries = app.node.network_list(NetworkList::Modalities);
    Ok(answer::json(&listing(entries, expand(&q)?)))
}

async fn list_peers(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let entries = app.node.network_list(NetworkList::Peers);
    Ok(answer::json(&listing(entries, expand(&q)?)))
}

fn known(app: &App, which: NetworkList, name: &str) -> Result<(), ApiError> {
    if app.node.network_list(which).get(name).is_none() {
        let what = match which {
            NetworkList::Modalities => "modality",
            NetworkList::Peers => "peer",
        };
        return Err(no_such(what, name));
    }
    Ok(())
}

async fn modality_configuration(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    known(&app, NetworkList::Modalities, &id)?;
    Ok(answer::json(&app.node.modality(&id)?))
}

/// Orthanc's `Timeout` field: seconds, a non-negative integer.
fn timeout(v: &Value) -> Result<Option<u64>, ApiError> {
    match v.get("Timeout") {
        None | Some(Value::Null) => Ok(None),
        Some(t) => t.as_u64().map(Some).ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                OrthancCode::BadFileFormat,
                "Integer value expected in field: Timeout",
            )
        }),
    }
}

/// `{}` when the modality answers the C-ECHO, else 500 with the reason.
async fn echo(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    raw: Body,
) -> ApiResult {
    known(&app, NetworkList::Modalities, &id)?;
    let v = body::object(&app, &headers, raw).await?;
    let timeout = timeout(&v)?;
    let node = app.node.clone();
    blocking(move || {
        node.echo(&id, timeout).map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                OrthancCode::NetworkProtocol,
                e.to_string(),
            )
        })
    })
    .await?;
    Ok(answer::json(&json!({})))
}

/// Orthanc's store bodies: a bare ID (text or JSON string), an array of IDs, or an object with
/// `Resources` (an ID or an array). Gives the object (`{}` for the short forms) and the IDs.
async fn store_body(
    app: &App,
    headers: &HeaderMap,
    raw: Body,
) -> Result<(Value, Vec<String>), ApiError> {
    let bytes = body::read(app, headers, raw).await?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| ApiError::bad_request("the body is neither JSON nor an ID"))?
        .trim();
    let parsed = serde_json::from_str::<Value>(text).unwrap_or_else(|_| json!(text));
    let (object, resources) = match parsed {
        Value::Object(_) => {
            let r = parsed.get("Resources").cloned().unwrap_or(Value::Null);
            (parsed, r)
        }
        other => (json!({}), other),
    };
    let bad = || ApiError::bad_request("Resources: an ID or an array of IDs is expected");
    let ids = match resources {
        Value::String(s) if !s.is_empty() => vec![s],
        Value::Array(a) => a
            .iter()
            .map(|x| x.as_str().map(str::to_string).ok_or_else(bad))
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(bad()),
    };
    if ids.is_empty() {
        return Err(ApiError::bad_request("Resources: no resource to send"));
    }
    Ok((object, ids))
}

fn string_opt(v: &Value, name: &str) -> Result<Option<String>, ApiError> {
    match v.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            OrthancCode::BadFileFormat,
            format!("String value expected in field: {name}"),
        )),
    }
}

fn no_output(_: crate::node::JobOutput) -> ApiResult {
    Err(ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        OrthancCode::InternalError,
        "a send job has no output",
    ))
}

async fn store_modality(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    raw: Body,
) -> ApiResult {
    known(&app, NetworkList::Modalities, &id)?;
    let (v, resources) = store_body(&app, &headers, raw).await?;
    if body::bool_field(&v, "StorageCommitment", false)? {
        return Err(ApiError::new(
            StatusCode::NOT_IMPLEMENTED,
            OrthancCode::NotImplemented,
            "StorageCommitment is not supported yet",
        ));
    }
    let port = match v.get("Port") {
        None | Some(Value::Null) => None,
        Some(p) => Some(
            p.as_u64()
                .and_then(|p| u16::try_from(p).ok())
                .filter(|p| *p > 0)
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        OrthancCode::ParameterOutOfRange,
                        "Port: a number 1-65535 is expected",
                    )
                })?,
        ),
    };
    let params = ModalityStoreParams {
        modality: id,
        resources,
        local_aet: string_opt(&v, "LocalAet")?,
        called_aet: string_opt(&v, "CalledAet")?,
        host: string_opt(&v, "Host")?,
        port,
        timeout: timeout(&v)?,
        permissive: body::bool_field(&v, "Permissive", false)?,
        step_delay_ms: 0,
    };
    let options = job_options(&v)?;
    job_route::run(app, JobSpec::DicomModalityStore(params), options, no_output).await
}

async fn store_peer(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    raw: Body,
) -> ApiResult {
    known(&app, NetworkList::Peers, &id)?;
    let (v, resources) = store_body(&app, &headers, raw).await?;
    super::archive::refuse_transcode(v.get("Transcode").is_some_and(|t| !t.is_null()))?;
    let params = PeerStoreParams {
        peer: id,
        resources,
        compress: body::bool_field(&v, "Compress", false)?,
        permissive: body::bool_field(&v, "Permissive", false)?,
        step_delay_ms: 0,
    };
    let options = job_options(&v)?;
    job_route::run(app, JobSpec::OrthancPeerStore(params), options, no_output).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_unless_expanded() {
        let entries = json!({"a": {"AET": "A"}, "b": {"AET": "B"}});
        assert_eq!(listing(entries.clone(), false), json!(["a", "b"]));
        assert_eq!(listing(entries.clone(), true), entries);
    }
}
