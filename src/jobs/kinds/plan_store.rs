//! Where a step-per-instance kind keeps the plan it fixes at submit (modify, split/merge,
//! send): inside the first checkpoint when small — persisted with the submit itself, in the
//! same commit — else in `HOME/outputs/<job>.plan.json`, so that a large plan is not rewritten
//! with every step's checkpoint.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::jobs::outputs::JobOutputs;

/// Plans of up to this many items ride in the checkpoint.
pub const EMBEDDED_ITEMS: usize = 32;
const PLAN_KEY: &str = "Plan";

/// The checkpoint a job starts with: its plan of `items` items inside, or `{}` with the plan
/// written to its file first. `what` names the plan in errors.
pub fn keep<T: Serialize>(
    outputs: &JobOutputs,
    job: &str,
    plan: &T,
    items: usize,
    what: &str,
) -> Result<Value> {
    if items <= EMBEDDED_ITEMS {
        return Ok(json!({ PLAN_KEY: plan }));
    }
    let bytes = serde_json::to_vec(plan)
        .map_err(|e| Error::Internal(format!("encode {what} plan: {e}")))?;
    crate::atomic::write(&outputs.plan(job), &bytes)?;
    Ok(json!({}))
}

/// The plan `keep` kept for `job`: from its checkpoint, else from its file.
pub fn load<T: DeserializeOwned>(
    outputs: &JobOutputs,
    job: &str,
    checkpoint: &Value,
    what: &str,
) -> Result<T> {
    if let Some(v) = checkpoint.get(PLAN_KEY) {
        return T::deserialize(v)
            .map_err(|e| Error::Internal(format!("job {job}: the plan in its record: {e}")));
    }
    let path = outputs.plan(job);
    let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::Invalid(format!("{}: not a {what} plan: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_plans_ride_in_the_checkpoint_large_ones_in_a_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outputs = JobOutputs::new(dir.path(), 10);
        let small: Vec<u32> = (0..3).collect();
        let c = keep(&outputs, "j1", &small, small.len(), "test").expect("keep");
        assert_eq!(c["Plan"], json!([0, 1, 2]));
        assert!(!outputs.plan("j1").exists());
        assert_eq!(
            load::<Vec<u32>>(&outputs, "j1", &c, "test").expect("load"),
            small
        );
        let large: Vec<u32> = (0..100).collect();
        let c = keep(&outputs, "j2", &large, large.len(), "test").expect("keep");
        assert_eq!(c, json!({}));
        assert_eq!(
            load::<Vec<u32>>(&outputs, "j2", &c, "test").expect("load"),
            large
        );
        std::fs::write(outputs.plan("j2"), b"{").expect("corrupt");
        let e = load::<Vec<u32>>(&outputs, "j2", &c, "test").expect_err("corrupt");
        assert!(e.to_string().contains("not a test plan"), "{e}");
    }
}
