//! What `SplitStudy` (`split.rs`) and `MergeStudy` (`merge.rs`) share: a job that rewrites a
//! fixed list of instances into one target study, one step per instance, then a last step that
//! deletes the sources unless `KeepSource`.
//!
//! Crash safety is modify's (`modify.rs`): the new UIDs derive from (job ID, level, old UID), so
//! a step run again after a crash stores the same instance, answered as already stored; the
//! sources go only after every new instance is committed. The plan rides in the checkpoint when
//! small, else in `HOME/outputs/<job>.plan.json`.

use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::DefaultDicomObject;
use dicom_object::mem::InMemElement;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::KindContext;
use super::rewrite::{self, StepError};
use crate::dicom::modify::{Modification, SourceUids, UidMap};
use crate::error::{Error, Result};
use crate::jobs::kind::{JobKind, Plan, StepContext, StepOutcome};
use crate::jobs::model::JobRecord;
use crate::jobs::outputs::JobOutputs;
use crate::store::Store;
use crate::store::ids::Level;
use crate::store::metadata::Attached;

/// The checkpoint key of the sources that could not be rewritten (`Permissive`).
const FAILED_KEY: &str = "Failed";

/// The job fields both kinds take besides their own.
#[derive(Debug, Clone, Copy)]
pub(super) struct Common {
    pub keep_source: bool,
    pub permissive: bool,
    pub step_delay_ms: u64,
}

/// What a job works through, fixed at submit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct MovePlan {
    /// The source instances, in order, each once.
    pub instances: Vec<String>,
    /// Their UIDs, for the references inside sequences.
    pub uids: SourceUids,
    /// Merge: the target study and the instance its module tags are copied from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_study: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
}

/// How each instance is rewritten: the modification, then the module tags set from the target
/// (`copy`) or removed because the target has none (`drop`).
pub(super) struct Rewrite {
    pub modification: Modification,
    pub copy: Vec<InMemElement>,
    pub drop: Vec<Tag>,
}

impl Rewrite {
    fn apply(&self, file: &mut DefaultDicomObject, uids: &UidMap) -> Result<(), String> {
        self.modification
            .apply_file(file, uids)
            .map_err(|e| e.to_string())?;
        for tag in &self.drop {
            file.remove_element(*tag);
        }
        let mut non_ascii = false;
        for e in &self.copy {
            non_ascii |= e.value().to_str().is_ok_and(|s| !s.is_ascii());
            file.put(e.clone());
        }
        if non_ascii {
            // The copied text was decoded when the target was read; UTF-8 holds all of it.
            file.put(InMemElement::new(
                tags::SPECIFIC_CHARACTER_SET,
                dicom_core::VR::CS,
                dicom_core::PrimitiveValue::from("ISO_IR 192"),
            ));
        }
        Ok(())
    }
}

/// One kind of study move: its `Type`, its params and how it plans and rewrites.
pub(super) trait MoveKind: Send + Sync + 'static {
    const TYPE: &'static str;
    type Params: for<'de> Deserialize<'de>;
    fn common(p: &Self::Params) -> Common;
    /// Checks the request against the store and lists the instances (errors refuse the job).
    fn build_plan(store: &Store, p: &Self::Params) -> Result<MovePlan>;
    /// The rewrite of every instance (run again when a job resumes).
    fn rewrite(store: &Store, p: &Self::Params, plan: &MovePlan) -> Result<Rewrite>;
    /// Content fields of the kind, known at submit.
    fn content(job_id: &str, plan: &MovePlan) -> Value;
    /// Whether the Content names the target study once an instance is stored (split).
    const TARGET_FROM_STEPS: bool;
}

/// The Study, Series and SOP Instance UIDs of `instances` (and of their series and studies).
pub(super) fn source_uids(store: &Store, instances: &[String]) -> Result<SourceUids> {
    let mut uids = SourceUids::default();
    let mut seen = HashSet::new();
    for instance in instances {
        let rec = store.record(Level::Instance, instance)?;
        if let Some(v) = rec.main_tags.get("SOPInstanceUID") {
            uids.insert(Level::Instance, v);
        }
        let Some(series) = rec.parent else { continue };
        if !seen.insert(series.clone()) {
            continue;
        }
        let srec = store.record(Level::Series, &series)?;
        if let Some(v) = srec.main_tags.get("SeriesInstanceUID") {
            uids.insert(Level::Series, v);
        }
        if let Some(study) = &srec.parent {
            let strec = store.record(Level::Study, study)?;
            if let Some(v) = strec.main_tags.get("StudyInstanceUID") {
                uids.insert(Level::Study, v);
            }
        }
    }
    Ok(uids)
}

/// `id` (or a unique prefix) as a resource of `level`: its full ID.
pub(super) fn resolve_at(store: &Store, id: &str, level: Level) -> Result<String> {
    match store.resolve(id)? {
        (l, full) if l == level => Ok(full),
        (l, full) => Err(Error::Invalid(format!(
            "{id}: {full} is a {}, not a {}",
            l.name().to_lowercase(),
            level.name().to_lowercase()
        ))),
    }
}

/// Appends the instances not yet listed.
pub(super) fn push_unique(list: &mut Vec<String>, seen: &mut HashSet<String>, more: Vec<String>) {
    for i in more {
        if seen.insert(i.clone()) {
            list.push(i);
        }
    }
}

struct Run {
    plan: MovePlan,
    rewrite: Rewrite,
    uids: UidMap,
}

pub(super) struct MoveJob<K> {
    store: Arc<Store>,
    outputs: Arc<JobOutputs>,
    runs: Mutex<HashMap<String, Arc<Run>>>,
    kind: PhantomData<K>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl<K: MoveKind> MoveJob<K> {
    pub fn new(ctx: &KindContext) -> Self {
        MoveJob {
            store: ctx.store.clone(),
            outputs: ctx.outputs.clone(),
            runs: Mutex::new(HashMap::new()),
            kind: PhantomData,
        }
    }

    fn params(v: &Value) -> Result<K::Params> {
        super::params(K::TYPE, v)
    }

    fn run_from(&self, job: &str, p: &K::Params, plan: MovePlan) -> Result<Run> {
        let rewrite = K::rewrite(&self.store, p, &plan)?;
        let uids = UidMap::new(job, plan.uids.clone());
        Ok(Run {
            plan,
            rewrite,
            uids,
        })
    }

    fn run_of(&self, job: &str, p: &K::Params, checkpoint: &Value) -> Result<Arc<Run>> {
        if let Some(r) = lock(&self.runs).get(job) {
            return Ok(Arc::clone(r));
        }
        let plan = super::plan_store::load(&self.outputs, job, checkpoint, K::TYPE)?;
        let run = Arc::new(self.run_from(job, p, plan)?);
        lock(&self.runs).insert(job.to_string(), Arc::clone(&run));
        Ok(run)
    }

    /// The last step: the sources go unless kept (those that failed under `Permissive` stay).
    fn finish(&self, run: &Run, common: Common, ctx: &StepContext) -> Result<(), StepError> {
        if common.keep_source {
            return Ok(());
        }
        let failed: Vec<String> = ctx
            .checkpoint
            .get(FAILED_KEY)
            .and_then(|v| Vec::<String>::deserialize(v).ok())
            .unwrap_or_default();
        for source in &run.plan.instances {
            if failed.contains(source) {
                continue;
            }
            match self.store.remove(Level::Instance, source) {
                Ok(_) | Err(Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    fn step_inner(&self, ctx: &mut StepContext) -> Result<StepOutcome, StepError> {
        let p = Self::params(&ctx.params)?;
        let common = K::common(&p);
        if common.step_delay_ms > 0 {
            std::thread::sleep(Duration::from_millis(common.step_delay_ms));
        }
        let run = self.run_of(&ctx.job_id, &p, &ctx.checkpoint)?;
        let pos = ctx.position as usize;
        if let Some(source) = run.plan.instances.get(pos) {
            let done = rewrite::rewrite_instance(&self.store, source, Attached::new(), |file| {
                run.rewrite.apply(file, &run.uids)
            });
            match done {
                Ok(ids) => {
                    if K::TARGET_FROM_STEPS {
                        ctx.content["TargetStudy"] = json!(ids.study);
                    }
                }
                Err(StepError(code, details)) if common.permissive => {
                    tracing::warn!(job = %ctx.job_id, "instance {source} not moved: {details} ({code})");
                    let mut failed = ctx.checkpoint[FAILED_KEY]
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                    failed.push(json!(source));
                    ctx.content["FailedInstancesCount"] = json!(failed.len());
                    ctx.checkpoint[FAILED_KEY] = Value::Array(failed);
                }
                Err(e) => return Err(e),
            }
        } else {
            self.finish(&run, common, ctx)?;
            lock(&self.runs).remove(&ctx.job_id);
            self.outputs.forget_plan(&ctx.job_id);
        }
        ctx.progress = Some((ctx.position + 1) as f64 / ctx.steps.max(1) as f64);
        Ok(StepOutcome::Continue)
    }
}

impl<K: MoveKind> JobKind for MoveJob<K> {
    fn type_name(&self) -> &'static str {
        K::TYPE
    }

    fn plan(&self, job_id: &str, params: &Value) -> Result<Plan> {
        let p = Self::params(params)?;
        let plan = K::build_plan(&self.store, &p)?;
        let mut content = json!({
            "Description": "REST API",
            "FailedInstancesCount": 0,
            "InstancesCount": plan.instances.len(),
        });
        if let (Some(c), Value::Object(extra)) =
            (content.as_object_mut(), K::content(job_id, &plan))
        {
            c.extend(extra);
        }
        let steps = plan.instances.len() as u64 + 1;
        let checkpoint =
            super::plan_store::keep(&self.outputs, job_id, &plan, plan.instances.len(), K::TYPE)?;
        let run = Arc::new(self.run_from(job_id, &p, plan)?);
        lock(&self.runs).insert(job_id.to_string(), run);
        Ok(Plan {
            steps,
            content,
            checkpoint,
        })
    }

    fn step(&self, ctx: &mut StepContext) -> StepOutcome {
        match self.step_inner(ctx) {
            Ok(o) => o,
            Err(StepError(code, details)) => StepOutcome::Fail { code, details },
        }
    }

    /// Failure, cancel or eviction: the plan file goes (the stored instances stay, as in
    /// Orthanc; a resubmit finds them already stored).
    fn discard_outputs(&self, job: &JobRecord) {
        lock(&self.runs).remove(&job.id);
        self.outputs.forget_plan(&job.id);
    }

    fn reset(&self, job: &mut JobRecord) {
        lock(&self.runs).remove(&job.id);
    }
}
