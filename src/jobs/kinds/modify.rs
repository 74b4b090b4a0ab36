//! The `ResourceModification` kind (Orthanc's `ResourceModificationJob`, modify and anonymize:
//! the request's `Anonymize` part, `dicom/modify/mod.rs`): one step
//! per source instance (read, modify, store), then a last step that deletes the sources unless
//! `KeepSource` and names the new resource in Content.
//!
//! Crash safety: the new UIDs derive from (job ID, level, old UID) (`dicom/modify/uids.rs`), so
//! a step run again after a crash, or a resubmitted job, stores the same instance, which the
//! store answers as already stored: no duplicate, no loss. The sources go only in the last step,
//! after every new instance is committed.
//!
//! The plan (the source instances in order, and their UIDs for the references) rides in the
//! checkpoint when small, else in `HOME/outputs/<job>.plan.json`.
//!
//! A bulk job (`/tools/bulk-modify`, `/tools/bulk-anonymize`) takes `Resources` at any level,
//! unrelated ones allowed, at one `Level` (given, or detected from `Replace` as Orthanc does);
//! the instances it created are appended to `outputs/<job>.created` (`created_list.rs`), and
//! its Content names them with their parents (`Resources`), as Orthanc's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::created_list;
use super::rewrite::{self, StepError};
use super::{KindContext, is_zero};
use crate::dicom::modify::{self, Modification, ModifyRequest, SourceUids, UidMap};
use crate::error::{Error, Result};
use crate::jobs::kind::{JobKind, Plan, StepContext, StepOutcome};
use crate::jobs::model::JobRecord;
use crate::jobs::outputs::JobOutputs;
use crate::store::Store;
use crate::store::ids::Level;

/// The checkpoint key of the new resources' IDs (from the last stored instance).
const TARGET_KEY: &str = "Target";
/// The checkpoint key of the sources that could not be modified (`Permissive`).
const FAILED_KEY: &str = "Failed";
/// The checkpoint key of a bulk job's new instances, where dicomq before
/// `kinds/created_list.rs` kept them.
const CREATED_KEY: &str = "Created";

/// The job's params: the resource (an ID or a unique prefix), Orthanc's modification fields,
/// `KeepSource` (default true) and `Permissive`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModifyParams {
    /// The resource of a single job (empty in a bulk job).
    #[serde(default)]
    pub resource: String,
    /// A bulk job's resources (IDs or unique prefixes, any level).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// A bulk job's level (Orthanc's `Level`); absent: detected from `Replace` (an
    /// anonymization: Patient).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    #[serde(flatten)]
    pub request: ModifyRequest,
    #[serde(default = "yes")]
    pub keep_source: bool,
    #[serde(default)]
    pub permissive: bool,
    /// Test hook: sleep this long in every step.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub step_delay_ms: u64,
}

fn yes() -> bool {
    true
}

impl ModifyParams {
    pub fn from_json(v: &Value) -> Result<ModifyParams> {
        super::params("ResourceModification", v)
    }

    pub fn is_bulk(&self) -> bool {
        !self.resources.is_empty()
    }

    /// The level a bulk job modifies at.
    pub fn bulk_level(&self) -> Level {
        match (self.level, &self.request.anonymize) {
            (Some(level), _) => level,
            (None, Some(_)) => Level::Patient,
            (None, None) => Modification::detected_level(&self.request),
        }
    }
}

/// What a job works through, fixed at submit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ModifyPlan {
    level: Level,
    /// The resource's full ID (empty in a bulk job).
    resource: String,
    /// A bulk job's resources, full IDs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    resources: Vec<String>,
    instances: Vec<String>,
    uids: SourceUids,
}

/// What a running job keeps in memory between steps.
struct Run {
    plan: ModifyPlan,
    modification: Modification,
    uids: UidMap,
}

pub struct ModifyJob {
    store: Arc<Store>,
    outputs: Arc<JobOutputs>,
    anonymization_key: std::path::PathBuf,
    runs: Mutex<HashMap<String, Arc<Run>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Checks a request against a resource of `level`, as the plan and the REST route do.
pub fn check(request: &ModifyRequest, level: Level) -> Result<Modification> {
    check_at(request, level, false)
}

/// `check`, where a bulk job may also work at the instance level.
pub fn check_at(request: &ModifyRequest, level: Level, bulk: bool) -> Result<Modification> {
    if level == Level::Instance && !bulk {
        return Err(Error::Invalid(
            "an instance is modified without a job (POST /instances/{id}/modify): give a patient, study or series".into(),
        ));
    }
    Modification::new(request, level).map_err(|e| Error::Invalid(e.to_string()))
}

impl ModifyJob {
    pub fn new(ctx: &KindContext) -> Self {
        ModifyJob {
            store: ctx.store.clone(),
            outputs: ctx.outputs.clone(),
            anonymization_key: ctx.anonymization_key.clone(),
            runs: Mutex::new(HashMap::new()),
        }
    }

    fn build_plan(&self, p: &ModifyParams) -> Result<ModifyPlan> {
        let (level, resource, resources, instances) = if p.is_bulk() {
            let level = p.bulk_level();
            check_at(&p.request, level, true)?;
            let mut resources = Vec::with_capacity(p.resources.len());
            let mut instances = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for given in &p.resources {
                let (l, id) = self.store.resolve(given)?;
                for i in self.store.instances_under(l, &id)? {
                    if seen.insert(i.clone()) {
                        instances.push(i);
                    }
                }
                resources.push(id);
            }
            (level, String::new(), resources, instances)
        } else {
            let (level, resource) = self.store.resolve(&p.resource)?;
            check(&p.request, level)?;
            let instances = self.store.instances_under(level, &resource)?;
            (level, resource, Vec::new(), instances)
        };
        let mut uids = SourceUids::default();
        let mut seen = HashMap::new();
        for instance in &instances {
            let rec = self.store.record(Level::Instance, instance)?;
            if let Some(v) = rec.main_tags.get("SOPInstanceUID") {
                uids.insert(Level::Instance, v);
            }
            let Some(series) = rec.parent else { continue };
            if seen.contains_key(&series) {
                continue;
            }
            let srec = self.store.record(Level::Series, &series)?;
            if let Some(v) = srec.main_tags.get("SeriesInstanceUID") {
                uids.insert(Level::Series, v);
            }
            if let Some(study) = &srec.parent {
                let strec = self.store.record(Level::Study, study)?;
                if let Some(v) = strec.main_tags.get("StudyInstanceUID") {
                    uids.insert(Level::Study, v);
                }
            }
            seen.insert(series, ());
        }
        Ok(ModifyPlan {
            level,
            resource,
            resources,
            instances,
            uids,
        })
    }

    fn run_of(&self, job: &str, params: &ModifyParams, checkpoint: &Value) -> Result<Arc<Run>> {
        if let Some(r) = lock(&self.runs).get(job) {
            return Ok(Arc::clone(r));
        }
        let plan = super::plan_store::load(&self.outputs, job, checkpoint, "modification")?;
        let run = Arc::new(self.run_from(job, params, plan)?);
        lock(&self.runs).insert(job.to_string(), Arc::clone(&run));
        Ok(run)
    }

    fn run_from(&self, job: &str, params: &ModifyParams, plan: ModifyPlan) -> Result<Run> {
        let modification = check_at(&params.request, plan.level, params.is_bulk())?;
        let consistent = params
            .request
            .anonymize
            .as_ref()
            .is_some_and(|a| a.consistent);
        let uids = if consistent {
            UidMap::new(
                &modify::key::load_or_create(&self.anonymization_key)?,
                plan.uids.clone(),
            )
        } else {
            UidMap::new(job, plan.uids.clone())
        };
        Ok(Run {
            plan,
            modification,
            uids,
        })
    }

    /// Reads, modifies and stores one source instance; the new instance's IDs.
    fn modify_one(
        &self,
        run: &Run,
        source: &str,
    ) -> Result<crate::store::ids::InstanceIds, StepError> {
        let name = if run.modification.anonymization.is_some() {
            "AnonymizedFrom"
        } else {
            "ModifiedFrom"
        };
        let metadata = rewrite::derived_from(&self.store, source, name);
        rewrite::rewrite_instance(&self.store, source, metadata, |file| {
            run.modification
                .apply_file(file, &run.uids)
                .map_err(|e| e.to_string())
        })
    }

    /// The last step: the sources go (unless kept), and Content names the new resource.
    fn finish(&self, run: &Run, p: &ModifyParams, ctx: &mut StepContext) -> Result<(), StepError> {
        let target = ctx.checkpoint.get(TARGET_KEY).cloned();
        let failed: Vec<String> = ctx
            .checkpoint
            .get(FAILED_KEY)
            .and_then(|v| Vec::<String>::deserialize(v).ok())
            .unwrap_or_default();
        if p.is_bulk() {
            return self.finish_bulk(run, p, ctx, &failed);
        }
        let level = run.plan.level;
        let new_id = target
            .as_ref()
            .and_then(|t| t.get(level.name()))
            .and_then(Value::as_str)
            .map(str::to_string);
        if !p.keep_source {
            let whole = failed.is_empty() && new_id.as_deref() != Some(run.plan.resource.as_str());
            let gone = |r: Result<_>| match r {
                Ok(_) | Err(Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(e),
            };
            if whole {
                gone(self.store.remove(level, &run.plan.resource))?;
            } else {
                for source in &run.plan.instances {
                    if !failed.contains(source) {
                        gone(self.store.remove(Level::Instance, source))?;
                    }
                }
            }
        }
        // Orthanc 1.11.3+: a resource that kept its identifier (Force) shows the new tags.
        if let Some(instance) = target
            .as_ref()
            .and_then(|t| t.get("Instance"))
            .and_then(Value::as_str)
        {
            self.store
                .reconstruct_parents(instance, run.modification.anonymization.is_some())?;
        }
        if let (Some(id), Some(t)) = (new_id, target) {
            ctx.content["ID"] = json!(id);
            ctx.content["Path"] = json!(format!("/{}/{id}", level.plural()));
            ctx.content["Type"] = json!(level.name());
            ctx.content["PatientID"] = t.get("Patient").cloned().unwrap_or(Value::Null);
        }
        Ok(())
    }

    /// The last step of a bulk job: the sources go instance by instance (unless kept), and
    /// Content lists every new instance with its series, study and patient.
    fn finish_bulk(
        &self,
        run: &Run,
        p: &ModifyParams,
        ctx: &mut StepContext,
        failed: &[String],
    ) -> Result<(), StepError> {
        // A job begun by an older dicomq kept them in its checkpoint.
        let mut created: Vec<String> = ctx
            .checkpoint
            .get(CREATED_KEY)
            .and_then(|v| Vec::<String>::deserialize(v).ok())
            .unwrap_or_default();
        for id in created_list::load(&self.outputs.created(&ctx.job_id))? {
            if !created.contains(&id) {
                created.push(id);
            }
        }
        if !p.keep_source {
            for source in &run.plan.instances {
                if failed.contains(source) || created.contains(source) {
                    continue;
                }
                match self.store.remove(Level::Instance, source) {
                    Ok(_) | Err(Error::NotFound { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        let mut listed = std::collections::HashSet::new();
        let mut resources = Vec::new();
        for instance in &created {
            let mut at = Some((Level::Instance, instance.clone()));
            while let Some((level, id)) = at {
                if !listed.insert(id.clone()) {
                    break;
                }
                let parent = self.store.record(level, &id)?.parent;
                resources.push(json!({
                    "ID": id,
                    "Path": format!("/{}/{id}", level.plural()),
                    "Type": level.name(),
                }));
                at = level.parent().zip(parent);
            }
        }
        ctx.content["Resources"] = Value::Array(resources);
        Ok(())
    }

    fn step_inner(&self, ctx: &mut StepContext) -> Result<StepOutcome, StepError> {
        let p = ModifyParams::from_json(&ctx.params)?;
        if p.step_delay_ms > 0 {
            std::thread::sleep(Duration::from_millis(p.step_delay_ms));
        }
        let run = self.run_of(&ctx.job_id, &p, &ctx.checkpoint)?;
        let pos = ctx.position as usize;
        if let Some(source) = run.plan.instances.get(pos) {
            match self.modify_one(&run, source) {
                Ok(ids) => {
                    if p.is_bulk() {
                        created_list::append(&self.outputs.created(&ctx.job_id), &ids.instance)?;
                    }
                    ctx.checkpoint[TARGET_KEY] = json!({
                        "Patient": ids.patient,
                        "Study": ids.study,
                        "Series": ids.series,
                        "Instance": ids.instance,
                    });
                }
                Err(StepError(code, details)) if p.permissive => {
                    tracing::warn!(job = %ctx.job_id, "instance {source} not modified: {details} ({code})");
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
            self.finish(&run, &p, ctx)?;
            lock(&self.runs).remove(&ctx.job_id);
            self.outputs.forget_plan(&ctx.job_id);
            created_list::remove(&self.outputs.created(&ctx.job_id));
        }
        ctx.progress = Some((ctx.position + 1) as f64 / ctx.steps.max(1) as f64);
        Ok(StepOutcome::Continue)
    }
}

impl JobKind for ModifyJob {
    fn type_name(&self) -> &'static str {
        "ResourceModification"
    }

    fn plan(&self, job_id: &str, params: &Value) -> Result<Plan> {
        let p = ModifyParams::from_json(params)?;
        let plan = self.build_plan(&p)?;
        let content = json!({
            "Description": "REST API",
            "FailedInstancesCount": 0,
            "InstancesCount": plan.instances.len(),
            "IsAnonymization": p.request.anonymize.is_some(),
            "ParentResources": if p.is_bulk() { json!(plan.resources) } else { json!([plan.resource]) },
        });
        let steps = plan.instances.len() as u64 + 1;
        let checkpoint = super::plan_store::keep(
            &self.outputs,
            job_id,
            &plan,
            plan.instances.len(),
            "modification",
        )?;
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
        created_list::remove(&self.outputs.created(&job.id));
    }

    fn reset(&self, job: &mut JobRecord) {
        lock(&self.runs).remove(&job.id);
        created_list::remove(&self.outputs.created(&job.id));
    }
}
