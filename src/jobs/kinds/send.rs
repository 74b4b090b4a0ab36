//! What `DicomModalityStore` (`send_modality.rs`, C-STORE) and `OrthancPeerStore`
//! (`send_peer.rs`, HTTP) share: a job that sends a fixed list of stored instances to one
//! remote, one step per instance, over one connection per job, then a last step that closes it.
//!
//! - The plan (the remote as resolved at submit, the instances with their SOP class and
//!   transfer syntax) is fixed at submit and rides in the checkpoint when small, else in
//!   `HOME/outputs/<job>.plan.json`.
//! - The connection is cached by job ID in the kind and reused across steps; one idle for long
//!   or broken is reopened. A transient failure on a reused connection is tried once more on a
//!   fresh one at once (the remote may just have closed an idle association).
//! - A durable send queue: a transient failure (refused, timeout, rejected-transient, closed)
//!   is `StepOutcome::Retry` of the same step, after 1 s, 2 s, 4 s... capped at 5 min, up to
//!   `MAX_RETRIES` in a row (about 4 h 20 min of outage); a job resumes at the first instance not
//!   acknowledged, after a pause, a retry or a daemon restart. A step is acknowledged when the
//!   remote answered it; the position is durable within a second, so a crash may send the last
//!   second's instances again (a duplicate the remote answers as already stored).
//! - A permanent failure (association rejected-permanent, bad peer URL or credentials) fails
//!   the job; an instance the remote refuses (SOP class, transfer syntax, failure status) fails
//!   it too, or is counted in `FailedInstancesCount` with `Permissive`.
//! - Resubmit (of a failed or canceled job) starts again from the first instance, as Orthanc:
//!   the engine resets position and checkpoint, and a failed job's plan is gone with it.

use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::KindContext;
use crate::error::{Error, Result};
use crate::jobs::kind::{JobKind, Plan, StepContext, StepOutcome};
use crate::jobs::model::JobRecord;
use crate::jobs::outputs::JobOutputs;
use crate::net::{NetworkConfig, SendError};
use crate::orthanc_code::OrthancCode;
use crate::store::Store;
use crate::store::ids::Level;

/// Transient failures in a row before the job fails: with `retry_delay`, about 4 h 20 min.
pub const MAX_RETRIES: u32 = 60;
/// The longest wait between two attempts.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(300);

const NETWORK: i32 = OrthancCode::NetworkProtocol.code();
const INEXISTENT_FILE: i32 = OrthancCode::InexistentFile.code();

/// One instance to send, as the index knows it at submit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Item {
    pub id: String,
    pub sop_class: String,
    pub sop_instance: String,
    pub transfer_syntax: String,
}

/// What a job works through, fixed at submit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SendPlan<T> {
    pub target: T,
    pub instances: Vec<Item>,
}

/// What an instance sent answered.
pub struct Sent {
    pub bytes: u64,
    pub warning: Option<String>,
}

/// One way of sending: its `Type`, params, resolved target and connection.
pub(super) trait Transport: Send + Sync + 'static {
    const TYPE: &'static str;
    type Params: DeserializeOwned;
    /// The remote as resolved at submit (kept in the plan: a config change does not redirect a
    /// job half-way).
    type Target: Serialize + DeserializeOwned + Clone + Send + Sync;
    type Connection: Send;

    fn resources(p: &Self::Params) -> &[String];
    fn permissive(p: &Self::Params) -> bool;
    fn step_delay_ms(p: &Self::Params) -> u64;
    /// The remote, or an error when it is unknown (refuses the job).
    fn resolve(net: &NetworkConfig, p: &Self::Params) -> Result<Self::Target>;
    /// Content fields of the kind, besides the common ones.
    fn content(target: &Self::Target, p: &Self::Params) -> Value;
    fn connect(
        net: &NetworkConfig,
        plan: &SendPlan<Self::Target>,
    ) -> Result<Self::Connection, SendError>;
    /// Whether a cached connection should be reopened before use (idle too long).
    fn stale(_c: &Self::Connection) -> bool {
        false
    }
    fn send(
        c: &mut Self::Connection,
        p: &Self::Params,
        item: &Item,
        file: &[u8],
    ) -> Result<Sent, SendError>;
    /// Ends a connection: gracefully after the last instance, else aborted.
    fn close(c: Self::Connection, graceful: bool);
    /// Updates the kind's Content after an instance was sent (bytes counted...).
    fn account(_content: &mut Value, _sent: &Sent) {}
}

pub(super) struct SendJob<T: Transport> {
    store: Arc<Store>,
    outputs: Arc<JobOutputs>,
    network: Arc<NetworkConfig>,
    plans: Mutex<HashMap<String, Arc<SendPlan<T::Target>>>>,
    connections: Mutex<HashMap<String, T::Connection>>,
    kind: PhantomData<T>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Every instance below the resources (IDs or unique prefixes), each once, in order, with what
/// the index knows of its file.
pub(super) fn instances(store: &Store, resources: &[String]) -> Result<Vec<Item>> {
    if resources.is_empty() {
        return Err(Error::Invalid("no resource to send".into()));
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for r in resources {
        let (level, full) = store.resolve(r)?;
        for id in store.instances_under(level, &full)? {
            if !seen.insert(id.clone()) {
                continue;
            }
            let rec = store.record(Level::Instance, &id)?;
            let file = rec
                .file
                .ok_or_else(|| Error::Internal(format!("instance {id} has no stored file")))?;
            out.push(Item {
                sop_instance: rec
                    .main_tags
                    .get("SOPInstanceUID")
                    .cloned()
                    .unwrap_or_default(),
                id,
                sop_class: file.sop_class,
                transfer_syntax: file.transfer_syntax,
            });
        }
    }
    Ok(out)
}

/// The full IDs of the resources, as Orthanc's `ParentResources`.
fn parents(store: &Store, resources: &[String]) -> Result<Vec<String>> {
    resources
        .iter()
        .map(|r| store.resolve(r).map(|(_, full)| full))
        .collect()
}

impl<T: Transport> SendJob<T> {
    pub fn new(ctx: &KindContext) -> Self {
        SendJob {
            store: ctx.store.clone(),
            outputs: ctx.outputs.clone(),
            network: ctx.network.clone(),
            plans: Mutex::new(HashMap::new()),
            connections: Mutex::new(HashMap::new()),
            kind: PhantomData,
        }
    }

    fn params(v: &Value) -> Result<T::Params> {
        super::params(T::TYPE, v)
    }

    fn plan_of(&self, job: &str, checkpoint: &Value) -> Result<Arc<SendPlan<T::Target>>> {
        if let Some(p) = lock(&self.plans).get(job) {
            return Ok(Arc::clone(p));
        }
        let plan: SendPlan<T::Target> =
            super::plan_store::load(&self.outputs, job, checkpoint, T::TYPE)?;
        let plan = Arc::new(plan);
        lock(&self.plans).insert(job.to_string(), Arc::clone(&plan));
        Ok(plan)
    }

    fn read_file(&self, id: &str) -> Result<Vec<u8>, SendError> {
        let (label, mut reader) = self.store.open_instance(id).map_err(|e| match e {
            Error::NotFound { .. } => SendError::Instance(format!(
                "instance {id} was deleted after the job was submitted"
            )),
            e => SendError::Instance(e.to_string()),
        })?;
        let mut bytes = Vec::with_capacity(reader.len() as usize);
        std::io::Read::read_to_end(&mut reader, &mut bytes)
            .map_err(|e| SendError::Instance(format!("{}: {e}", label.0)))?;
        Ok(bytes)
    }

    /// Sends one instance on the job's connection (opened, or reopened, as needed).
    fn send_one(
        &self,
        job: &str,
        p: &T::Params,
        plan: &SendPlan<T::Target>,
        item: &Item,
        file: &[u8],
    ) -> Result<Sent, SendError> {
        let removed = lock(&self.connections).remove(job);
        let cached = match removed {
            Some(c) if T::stale(&c) => {
                T::close(c, true);
                None
            }
            other => other,
        };
        let reused = cached.is_some();
        let mut conn = match cached {
            Some(c) => c,
            None => T::connect(&self.network, plan)?,
        };
        let mut result = T::send(&mut conn, p, item, file);
        if reused && matches!(result, Err(SendError::Transient(_))) {
            T::close(conn, false);
            conn = T::connect(&self.network, plan)?;
            result = T::send(&mut conn, p, item, file);
        }
        match &result {
            Ok(_) | Err(SendError::Instance(_)) => {
                lock(&self.connections).insert(job.to_string(), conn);
            }
            Err(_) => T::close(conn, false),
        }
        result
    }

    fn step_inner(&self, ctx: &mut StepContext) -> Result<StepOutcome> {
        let p = Self::params(&ctx.params)?;
        let delay = T::step_delay_ms(&p);
        if delay > 0 {
            std::thread::sleep(Duration::from_millis(delay));
        }
        let plan = self.plan_of(&ctx.job_id, &ctx.checkpoint)?;
        let pos = ctx.position as usize;
        let Some(item) = plan.instances.get(pos) else {
            self.forget(&ctx.job_id, true);
            self.outputs.forget_plan(&ctx.job_id);
            return Ok(StepOutcome::Continue);
        };
        let sent = self
            .read_file(&item.id)
            .and_then(|file| self.send_one(&ctx.job_id, &p, &plan, item, &file));
        match sent {
            Ok(sent) => {
                if let Some(w) = &sent.warning {
                    tracing::warn!(job = %ctx.job_id, "{w}");
                }
                T::account(&mut ctx.content, &sent);
            }
            Err(SendError::Transient(why)) => return Ok(StepOutcome::Retry(why)),
            Err(SendError::Permanent(why)) => {
                self.forget(&ctx.job_id, false);
                return Ok(StepOutcome::Fail {
                    code: NETWORK,
                    details: why,
                });
            }
            Err(SendError::Instance(why)) if T::permissive(&p) => {
                tracing::warn!(job = %ctx.job_id, "instance {} not sent: {why}", item.id);
                let failed = ctx.content["FailedInstancesCount"].as_u64().unwrap_or(0) + 1;
                ctx.content["FailedInstancesCount"] = json!(failed);
            }
            Err(SendError::Instance(why)) => {
                self.forget(&ctx.job_id, false);
                let code = if why.contains("was deleted") {
                    INEXISTENT_FILE
                } else {
                    NETWORK
                };
                return Ok(StepOutcome::Fail {
                    code,
                    details: format!("instance {}: {why}", item.id),
                });
            }
        }
        ctx.progress = Some((ctx.position + 1) as f64 / ctx.steps.max(1) as f64);
        Ok(StepOutcome::Continue)
    }

    /// Drops what the kind holds for a job: its connection (released when `graceful`) and its
    /// plan in memory.
    fn forget(&self, job: &str, graceful: bool) {
        if let Some(c) = lock(&self.connections).remove(job) {
            T::close(c, graceful);
        }
        lock(&self.plans).remove(job);
    }
}

/// The wait before retry number `attempt` (0-based): 1 s × 2^attempt, at most 5 min.
pub fn backoff(attempt: u32) -> Duration {
    Duration::from_secs(1u64 << attempt.min(20)).min(MAX_RETRY_DELAY)
}

impl<T: Transport> JobKind for SendJob<T> {
    fn type_name(&self) -> &'static str {
        T::TYPE
    }

    fn plan(&self, job_id: &str, params: &Value) -> Result<Plan> {
        let p = Self::params(params)?;
        let target = T::resolve(&self.network, &p)?;
        let instances = instances(&self.store, T::resources(&p))?;
        let mut content = json!({
            "Description": "REST API",
            "FailedInstancesCount": 0,
            "InstancesCount": instances.len(),
            "ParentResources": parents(&self.store, T::resources(&p))?,
        });
        if let (Some(c), Value::Object(extra)) = (content.as_object_mut(), T::content(&target, &p))
        {
            c.extend(extra);
        }
        let plan = SendPlan { target, instances };
        let steps = plan.instances.len() as u64 + 1;
        let checkpoint =
            super::plan_store::keep(&self.outputs, job_id, &plan, plan.instances.len(), T::TYPE)?;
        lock(&self.plans).insert(job_id.to_string(), Arc::new(plan));
        Ok(Plan {
            steps,
            content,
            checkpoint,
        })
    }

    fn step(&self, ctx: &mut StepContext) -> StepOutcome {
        match self.step_inner(ctx) {
            Ok(o) => o,
            Err(e) => {
                self.forget(&ctx.job_id, false);
                StepOutcome::Fail {
                    code: crate::jobs::model::INTERNAL_ERROR,
                    details: e.to_string(),
                }
            }
        }
    }

    fn max_retries(&self) -> u32 {
        MAX_RETRIES
    }

    fn retry_delay(&self, attempt: u32) -> Duration {
        backoff(attempt)
    }

    fn discard_outputs(&self, job: &JobRecord) {
        self.forget(&job.id, true);
        self.outputs.forget_plan(&job.id);
    }

    fn reset(&self, job: &mut JobRecord) {
        self.forget(&job.id, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_schedule_is_a_few_hours() {
        assert_eq!(backoff(0), Duration::from_secs(1));
        assert_eq!(backoff(3), Duration::from_secs(8));
        assert_eq!(backoff(40), MAX_RETRY_DELAY);
        let total: Duration = (0..MAX_RETRIES).map(backoff).sum();
        assert!(total > Duration::from_secs(4 * 3600), "{total:?}");
        assert!(total < Duration::from_secs(5 * 3600), "{total:?}");
    }
}
