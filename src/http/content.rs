//! `/instances/{id}/content/...`: an instance's tags, sequence items and values by path, as
//! Orthanc's REST API walks them (see `crate::dicom::content_path`).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;

use super::answer::{self, ApiError, ApiResult, OrthancCode};
use super::resources::known;
use super::{App, blocking};
use crate::dicom::content_path::{ContentAnswer, ContentPathError, walk};
use crate::store::ids::Level;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/instances/{id}/content", get(top))
        .route("/instances/{id}/content/", get(top))
        .route("/instances/{id}/content/{*path}", get(below))
}

async fn top(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    content(app, id, String::new()).await
}

async fn below(State(app): State<App>, Path((id, path)): Path<(String, String)>) -> ApiResult {
    content(app, id, path).await
}

async fn content(app: App, id: String, path: String) -> ApiResult {
    blocking(move || {
        known(&app, Level::Instance, &id)?;
        let obj = app.node.instance_object(&id)?;
        // Orthanc's URI components: empty ones (a trailing or doubled slash) do not count.
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        match walk(&obj, &parts) {
            Ok(ContentAnswer::List(items)) => Ok(answer::json(&items)),
            Ok(ContentAnswer::Value(bytes)) => Ok(answer::bytes("application/octet-stream", bytes)),
            Err(ContentPathError::Absent) => Err(ApiError::bare(StatusCode::NOT_FOUND)),
            Err(e @ ContentPathError::UnknownTag(_)) => Err(ApiError::new(
                StatusCode::NOT_FOUND,
                OrthancCode::UnknownDicomTag,
                e.to_string(),
            )),
            Err(e @ ContentPathError::TooLong) => Err(ApiError::bad_request(e.to_string())),
        }
    })
    .await
}
