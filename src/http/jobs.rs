//! `/jobs`: the list, one job, the control actions (Orthanc's bodiless 400 when refused), and
//! a job's output.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Value, json};

use super::answer::{self, ApiError, ApiResult, OrthancCode};
use super::resources::expand;
use super::{App, blocking};
use crate::jobs::Action;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/jobs", get(list))
        .route("/jobs/{id}", get(one))
        .route("/jobs/{id}/{key}", get(output).post(control))
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

/// Orthanc's `Synchronous` / `Asynchronous` / `Priority` body fields: Synchronous wins, then
/// !Asynchronous, then the route's default (synchronous); Priority must be a JSON integer
/// within i32.
pub fn job_options(body: &Value) -> Result<(bool, i32), ApiError> {
    let bool_field = |name: &str| -> Result<Option<bool>, ApiError> {
        match body.get(name) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                OrthancCode::BadFileFormat,
                format!("Boolean value expected in field: {name}"),
            )),
        }
    };
    let synchronous = match (bool_field("Synchronous")?, bool_field("Asynchronous")?) {
        (Some(s), _) => s,
        (None, Some(a)) => !a,
        (None, None) => true,
    };
    let priority = match body.get("Priority") {
        None => 0,
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => n
            .as_i64()
            .and_then(|v| i32::try_from(v).ok())
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    OrthancCode::BadParameterType,
                    format!("Priority out of range: {n}"),
                )
            })?,
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                OrthancCode::BadFileFormat,
                "Integer value expected in field: Priority",
            ));
        }
    };
    Ok((synchronous, priority))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orthanc_precedence_and_validation() {
        assert_eq!(job_options(&json!({})).expect("ok"), (true, 0));
        assert_eq!(
            job_options(&json!({"Asynchronous": true, "Priority": -7})).expect("ok"),
            (false, -7)
        );
        assert!(
            job_options(&json!({"Synchronous": true, "Asynchronous": true}))
                .expect("ok")
                .0
        );
        assert!(!job_options(&json!({"Synchronous": false})).expect("ok").0);
        for bad in [
            json!({"Priority": "5"}),
            json!({"Priority": 2.7}),
            json!({"Priority": 3000000000u64}),
            json!({"Asynchronous": "yes"}),
            json!({"Asynchronous": 1}),
        ] {
            let e = job_options(&bad).expect_err("refused");
            assert_eq!(e.status, StatusCode::BAD_REQUEST, "{bad}");
        }
    }
}
