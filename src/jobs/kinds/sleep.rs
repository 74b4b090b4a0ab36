//! The `Sleep` kind: `Steps` steps of `StepMs` ms each, failing at step `FailAt` if given. Used by
//! the tests and the hidden `debug sleep-job` command.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::is_zero;
use crate::error::Result;
use crate::jobs::kind::{JobKind, Plan, StepContext, StepOutcome};
use crate::jobs::model::INTERNAL_ERROR;

pub struct Sleep;

/// `{"Steps": n, "StepMs": ms, "FailAt": k}`: every field optional (1 step of 0 ms).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SleepParams {
    #[serde(default = "one_step")]
    pub steps: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub step_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_at: Option<u64>,
}

impl Default for SleepParams {
    fn default() -> Self {
        SleepParams {
            steps: one_step(),
            step_ms: 0,
            fail_at: None,
        }
    }
}

fn one_step() -> u64 {
    1
}

fn params(v: &Value) -> Result<SleepParams> {
    super::params("Sleep", v)
}

impl JobKind for Sleep {
    fn type_name(&self) -> &'static str {
        "Sleep"
    }

    fn plan(&self, _job_id: &str, v: &Value) -> Result<Plan> {
        let p = params(v)?;
        Ok(Plan {
            steps: p.steps,
            content: json!({ "StepMs": p.step_ms, "Steps": p.steps }),
            checkpoint: Value::Null,
        })
    }

    fn step(&self, ctx: &mut StepContext) -> StepOutcome {
        let p = match params(&ctx.params) {
            Ok(p) => p,
            Err(e) => {
                return StepOutcome::Fail {
                    code: INTERNAL_ERROR,
                    details: e.to_string(),
                };
            }
        };
        if p.fail_at == Some(ctx.position) {
            return StepOutcome::Fail {
                code: INTERNAL_ERROR,
                details: format!("Sleep job asked to fail at step {}", ctx.position),
            };
        }
        if p.step_ms > 0 {
            std::thread::sleep(Duration::from_millis(p.step_ms));
        }
        // The checkpoint records which steps really ran, so tests can see where a job resumed.
        let mut done = ctx
            .checkpoint
            .get("Done")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        done.push(json!(ctx.position));
        ctx.checkpoint = json!({ "Done": done });
        StepOutcome::Continue
    }
}
