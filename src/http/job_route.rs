//! The one helper of every REST job route: Orthanc's `Synchronous` / `Asynchronous` /
//! `Priority` fields, then the job run (and waited for) or submitted through the Node, and the
//! answer: `{"ID", "Path"}` when asynchronous; when synchronous the output for a kind that has
//! one, else the job's Content; a failed job with Orthanc's codes.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::answer::{self, ApiError, ApiResult, OrthancCode};
use super::{App, blocking, body};
use crate::jobs::{JobSpec, JobState};
use crate::node::{JobOutput, JobRequest};

/// Orthanc's job fields of a request body.
#[derive(Debug, Clone, PartialEq)]
pub struct JobOptions {
    pub synchronous: bool,
    pub priority: i32,
    /// `UserData`: any JSON, kept with the job and shown by `GET /jobs/{id}`.
    pub user_data: Option<Value>,
}

impl Default for JobOptions {
    /// A route without a body: synchronous, priority 0.
    fn default() -> Self {
        JobOptions {
            synchronous: true,
            priority: 0,
            user_data: None,
        }
    }
}

/// Orthanc's `Synchronous` / `Asynchronous` / `Priority` / `UserData` body fields: Synchronous
/// wins, then !Asynchronous, then the route's default (synchronous); Priority must be a JSON
/// integer within i32; UserData is any JSON (a null is none).
pub fn job_options(body: &Value) -> Result<JobOptions, ApiError> {
    let synchronous = match (
        body::bool_opt(body, "Synchronous")?,
        body::bool_opt(body, "Asynchronous")?,
    ) {
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
    let user_data = body.get("UserData").filter(|v| !v.is_null()).cloned();
    Ok(JobOptions {
        synchronous,
        priority,
        user_data,
    })
}

/// Runs a job to its end (synchronous) or submits it; `output` shapes a synchronous answer
/// for a kind that has an output (the caller takes it: it does not stay among the kept ones).
pub async fn run(
    app: App,
    spec: JobSpec,
    options: JobOptions,
    output: impl FnOnce(JobOutput) -> ApiResult,
) -> ApiResult {
    let done = blocking(move || {
        let has_output = app.node.job_has_output(&spec);
        let req = JobRequest {
            spec,
            priority: options.priority,
            user_data: options.user_data,
        };
        if !options.synchronous {
            let id = app.node.submit_job(req)?;
            return Ok(Done::Submitted(id));
        }
        let info = app.node.run_job(req, &mut |_| Ok(()))?;
        if info.state != JobState::Success {
            let code = if info.error_code == OrthancCode::CanceledJob.code() {
                OrthancCode::BadRequest
            } else {
                OrthancCode::InternalError
            };
            return Err(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                code,
                format!("{}: {}", info.error_description, info.error_details),
            ));
        }
        if has_output {
            return Ok(Done::Output(app.node.take_job_output(&info.id)?));
        }
        Ok(Done::Content(info.content))
    })
    .await?;
    match done {
        Done::Submitted(id) => Ok(answer::json(
            &json!({"ID": id, "Path": format!("/jobs/{id}")}),
        )),
        Done::Output(out) => output(out),
        Done::Content(content) => Ok(answer::json(&content)),
    }
}

/// What a job route answers with.
enum Done {
    Submitted(String),
    Output(JobOutput),
    Content(Value),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sync_priority(v: Value) -> (bool, i32) {
        let o = job_options(&v).expect("ok");
        (o.synchronous, o.priority)
    }

    #[test]
    fn orthanc_precedence_and_validation() {
        assert_eq!(sync_priority(json!({})), (true, 0));
        assert_eq!(
            sync_priority(json!({"Asynchronous": true, "Priority": -7})),
            (false, -7)
        );
        assert!(sync_priority(json!({"Synchronous": true, "Asynchronous": true})).0);
        assert!(!sync_priority(json!({"Synchronous": false})).0);
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

    #[test]
    fn user_data_is_any_json_kept_as_given() {
        let data = json!({"batch": 7, "tags": ["a", "b"], "nested": {"x": null}});
        let o = job_options(&json!({"UserData": data})).expect("ok");
        assert_eq!(o.user_data, Some(data));
        assert_eq!(
            job_options(&json!({"UserData": "s"}))
                .expect("ok")
                .user_data,
            Some(json!("s"))
        );
        assert_eq!(
            job_options(&json!({"UserData": null}))
                .expect("ok")
                .user_data,
            None
        );
        assert_eq!(job_options(&json!({})).expect("ok").user_data, None);
    }
}
