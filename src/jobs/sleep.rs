//! The `Sleep` kind: `Steps` steps of `StepMs` ms each, failing at step `FailAt` if given. Used by
//! the tests and the hidden `debug sleep-job` command.

use std::time::Duration;

use serde_json::{Value, json};

use super::kind::{JobKind, Plan, StepContext, StepOutcome};
use super::model::INTERNAL_ERROR;
use crate::error::{Error, Result};

pub struct Sleep;

struct Params {
    steps: u64,
    step_ms: u64,
    fail_at: Option<u64>,
}

fn params(v: &Value) -> Result<Params> {
    let field = |name: &str| -> Result<Option<u64>> {
        match v.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(x) => x.as_u64().map(Some).ok_or_else(|| {
                Error::Invalid(format!("Sleep job: {name} must be a non-negative integer"))
            }),
        }
    };
    Ok(Params {
        steps: field("Steps")?.unwrap_or(1),
        step_ms: field("StepMs")?.unwrap_or(0),
        fail_at: field("FailAt")?,
    })
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
