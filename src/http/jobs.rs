//! `/jobs`: the list, one job, the control actions (Orthanc's bodiless 400 when refused), and
//! a job's output.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::json;

use super::answer::{self, ApiError, ApiResult, OrthancCode};
use super::resources::expand;
use super::{App, blocking};
use crate::jobs::Action;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/jobs", get(list))
        .route("/jobs/{id}", get(one).delete(delete))
        .route("/jobs/{id}/{key}", get(output).post(control).delete(output))
}

async fn list(State(app): State<App>, Query(q): Query<HashMap<String, String>>) -> ApiResult {
    let expand = expand(&q)?;
    let mut jobs = app.node.list_jobs();
    // Orthanc lists job IDs sorted as strings.
    jobs.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(if expand {
        answer::json(&jobs)
    } else {
        answer::json(&jobs.iter().map(|j| j.id.as_str()).collect::<Vec<_>>())
    })
}

async fn one(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    match app.node.job_exact(&id) {
        Some(info) => Ok(answer::json(&info)),
        None => Err(ApiError::bare(StatusCode::NOT_FOUND)),
    }
}

/// Orthanc 1.12: only a finished job can be deleted; any other, like an unknown one, is 404.
async fn delete(State(app): State<App>, Path(id): Path<String>) -> ApiResult {
    blocking(move || {
        let finished = app
            .node
            .job_exact(&id)
            .is_some_and(|j| j.state.is_finished());
        if !finished {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                OrthancCode::InexistentItem,
                "No job found with this id",
            ));
        }
        app.node.delete_job(&id)?;
        Ok(answer::bytes("text/plain", Vec::new()))
    })
    .await
}

async fn control(State(app): State<App>, Path((id, action)): Path<(String, String)>) -> ApiResult {
    let action = match action.as_str() {
        "cancel" => Action::Cancel,
        "pause" => Action::Pause,
        "resume" => Action::Resume,
        "resubmit" => Action::Resubmit,
        _ => return Err(ApiError::bare(StatusCode::METHOD_NOT_ALLOWED)),
    };
    blocking(move || {
        if app.node.job_exact(&id).is_none() {
            return Err(ApiError::bare(StatusCode::BAD_REQUEST));
        }
        match app.node.control_job(&id, action) {
            Ok(_) => Ok(answer::json(&json!({}))),
            Err(_) => Err(ApiError::bare(StatusCode::BAD_REQUEST)),
        }
    })
    .await
}

async fn output(Path((_id, key)): Path<(String, String)>) -> ApiResult {
    Err(ApiError::new(
        StatusCode::NOT_FOUND,
        OrthancCode::InexistentItem,
        format!("Job has no such output: {key}"),
    ))
}
