//! `/changes`: Orthanc's changes log, the route auto-routing scripts poll (`since`, `limit`,
//! `last`), and its `DELETE`.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::get;

use super::answer::{self, ApiError, ApiResult, OrthancCode};
use super::resources::query_number;
use super::{App, blocking};
use crate::node::MAX_CHANGES_PER_PAGE;

/// Orthanc's default page.
const DEFAULT_LIMIT: usize = 100;

pub fn routes() -> Router<App> {
    Router::new().route("/changes", get(list).delete(clear))
}

async fn list(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let last = q.contains_key("last");
    let since = query_number(&q, "since", 0)?;
    let limit = query_number(&q, "limit", DEFAULT_LIMIT as u64)?;
    if !(1..=MAX_CHANGES_PER_PAGE as u64).contains(&limit) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            OrthancCode::ParameterOutOfRange,
            format!("limit must be between 1 and {MAX_CHANGES_PER_PAGE}, not {limit}"),
        ));
    }
    blocking(move || {
        let page = if last {
            app.node.last_change()?
        } else {
            app.node.changes(since, limit as usize)?
        };
        Ok(answer::json(&page))
    })
    .await
}

async fn clear(State(app): State<App>) -> ApiResult {
    blocking(move || {
        app.node.clear_changes()?;
        Ok(answer::bytes("text/plain", Vec::new()))
    })
    .await
}
