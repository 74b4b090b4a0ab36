//! The `MergeStudy` kind (Orthanc's `MergeStudyJob`): series, studies or instances of other
//! studies rewritten into a target study: its StudyInstanceUID and every Patient and General
//! Study module tag copied from one of its instances (the module tags it lacks removed), new
//! Series/SOP Instance UIDs derived from the job; the sources are deleted once all are stored
//! unless `KeepSource`. The job itself is `study_move.rs`.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::is_zero;
use super::rewrite::read_instance;
use super::study_move::{
    Common, MoveKind, MovePlan, Rewrite, push_unique, resolve_at, source_uids,
};
use crate::dicom::modify::modules::PATIENT_AND_STUDY;
use crate::dicom::modify::{Modification, ModifyRequest};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::ids::Level;

/// The job's params: the target study (an ID or a unique prefix), `Resources` to merge into
/// it, `KeepSource` (default false).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MergeParams {
    pub study: String,
    pub resources: Vec<String>,
    #[serde(default)]
    pub keep_source: bool,
    #[serde(default)]
    pub permissive: bool,
    /// Test hook: sleep this long in every step.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub step_delay_ms: u64,
}

impl MergeParams {
    /// Checks the request against the store and lists the instances to move: studies, series
    /// or instances, none of the target study itself.
    pub(super) fn plan(&self, store: &Store) -> Result<MovePlan> {
        let target = resolve_at(store, &self.study, Level::Study)?;
        if self.resources.is_empty() {
            return Err(Error::Invalid(
                "Resources: give the studies, series or instances to merge".into(),
            ));
        }
        let (mut instances, mut seen) = (Vec::new(), HashSet::new());
        for r in &self.resources {
            let (level, id) = store.resolve(r)?;
            if level == Level::Patient {
                return Err(Error::Invalid(format!(
                    "{r}: a patient cannot be merged into a study (give its studies)"
                )));
            }
            if store.ancestor(level, &id, Level::Study)? == target {
                return Err(Error::Invalid(if level == Level::Study {
                    format!("{r}: cannot merge a study into itself")
                } else {
                    format!(
                        "{r}: this {} is already in the target study",
                        level.name().to_lowercase()
                    )
                }));
            }
            push_unique(
                &mut instances,
                &mut seen,
                store.instances_under(level, &id)?,
            );
        }
        let template = store
            .instances_under(Level::Study, &target)?
            .into_iter()
            .next();
        if template.is_none() {
            return Err(Error::Invalid(format!("study {target} has no instance")));
        }
        let uids = source_uids(store, &instances)?;
        Ok(MovePlan {
            instances,
            uids,
            target_study: Some(target),
            template,
        })
    }
}

pub struct Merge;

impl MoveKind for Merge {
    const TYPE: &'static str = "MergeStudy";
    const TARGET_FROM_STEPS: bool = false;
    type Params = MergeParams;

    fn common(p: &MergeParams) -> Common {
        Common {
            keep_source: p.keep_source,
            permissive: p.permissive,
            step_delay_ms: p.step_delay_ms,
        }
    }

    fn build_plan(store: &Store, p: &MergeParams) -> Result<MovePlan> {
        p.plan(store)
    }

    /// New Series and SOP Instance UIDs (a series-level modification keeps the study's, which
    /// the copy then sets), and the target's module tags.
    fn rewrite(store: &Store, _: &MergeParams, plan: &MovePlan) -> Result<Rewrite> {
        let modification = Modification::new(&ModifyRequest::default(), Level::Series)
            .map_err(|e| Error::Internal(e.to_string()))?;
        let template = plan
            .template
            .as_deref()
            .ok_or_else(|| Error::Internal("merge plan without a target instance".into()))?;
        let file = read_instance(store, template).map_err(|e| {
            Error::Invalid(format!("the target study's instance {template}: {}", e.1))
        })?;
        let (mut copy, mut drop) = (Vec::new(), Vec::new());
        for tag in PATIENT_AND_STUDY {
            match file.get(*tag) {
                Some(e) => copy.push(e.clone()),
                None => drop.push(*tag),
            }
        }
        Ok(Rewrite {
            modification,
            copy,
            drop,
        })
    }

    fn content(_: &str, plan: &MovePlan) -> Value {
        json!({"TargetStudy": plan.target_study})
    }
}
