//! What a job type implements. The engine owns states, scheduling and persistence; a kind only
//! plans its steps and runs them one at a time.

use std::time::Duration;

use serde_json::Value;

use super::model::JobRecord;
use crate::error::Result;

/// What a kind makes of a job's params at submit time.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub steps: u64,
    /// The initial public `Content`.
    pub content: Value,
    /// The initial `checkpoint` (`Null` for most kinds): private state the kind wants durable
    /// with the submit itself, in the same commit (a small archive's file list).
    pub checkpoint: Value,
}

/// What a step sees and may update. The engine persists `checkpoint`, `content` and `progress`
/// after the step, together with the new position.
#[derive(Debug, Clone)]
pub struct StepContext {
    pub job_id: String,
    pub params: Value,
    /// 0-based index of the step to run. A step may rewind it (e.g. to 0) when it cannot go on
    /// from there, such as an output lost with a previous process: the engine then continues
    /// from `position + 1` as if the step it ran was that one.
    pub position: u64,
    pub steps: u64,
    /// Owned by the kind: whatever it needs to continue at `position` after a restart.
    pub checkpoint: Value,
    pub content: Value,
    /// Progress in 0..=1 if the kind knows better than `position / steps`.
    pub progress: Option<f64>,
}

/// How a step ended.
#[derive(Debug, Clone, PartialEq)]
pub enum StepOutcome {
    /// Step done, more to come (the job succeeds once `position` reaches `steps`).
    Continue,
    /// The job is complete.
    Done,
    /// Transient failure: run this step again after a backoff (up to `max_retries`).
    Retry(String),
    /// Permanent failure, with an Orthanc error code and details.
    Fail { code: i32, details: String },
}

pub trait JobKind: Send + Sync {
    /// Orthanc's job `Type` (`Archive`, `Media`, `Sleep`, ...).
    fn type_name(&self) -> &'static str;

    /// Called on submit (and on resubmit, and on the recovery of a non-resumable kind): number
    /// of steps and initial Content from the params. `job_id` is the ID the job will have, for
    /// kinds that keep per-job state outside the record (e.g. an archive's file list).
    fn plan(&self, job_id: &str, params: &Value) -> Result<Plan>;

    /// Runs step `ctx.position`. Must be safe to run again after a crash from the last persisted
    /// checkpoint.
    fn step(&self, ctx: &mut StepContext) -> StepOutcome;

    /// How many `Retry` outcomes in a row before the job fails.
    fn max_retries(&self) -> u32 {
        3
    }

    /// Backoff before retry number `attempt` (0-based): 100 ms × 2^attempt, at most 1 min.
    fn retry_delay(&self, attempt: u32) -> Duration {
        Duration::from_millis(100u64.saturating_mul(1u64 << attempt.min(20)))
            .min(Duration::from_secs(60))
    }

    /// Whether a finished job of this kind leaves an output file (`jobs output`,
    /// `GET /jobs/{id}/archive`).
    fn has_output(&self) -> bool {
        false
    }

    /// Whether a job found Running after a restart may continue from its checkpoint; if not, it
    /// is `reset` and restarts from step 0.
    fn resumable(&self) -> bool {
        true
    }

    /// Called when a job leaves for good (Failure, cancel, evicted from the history): delete its
    /// partial or final outputs. Must be idempotent (a failed job is discarded again on eviction).
    fn discard_outputs(&self, _job: &JobRecord) {}

    /// Resubmit (and non-resumable recovery): kind-specific cleanup before restarting at step 0.
    /// The engine has already set position 0, a null checkpoint and the planned Content.
    fn reset(&self, _job: &mut JobRecord) {}
}
