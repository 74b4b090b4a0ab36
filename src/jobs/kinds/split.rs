//! The `SplitStudy` kind (Orthanc's `SplitStudyJob`): series and instances of a study moved to
//! ONE new study (its StudyInstanceUID derived from the job), each series and instance with a
//! new UID, Patient/General Study module tags replaced or removed as asked; the sources are
//! deleted once all are stored unless `KeepSource`. The job itself is `study_move.rs`.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::is_zero;
use super::study_move::{
    Common, MoveKind, MovePlan, Rewrite, push_unique, resolve_at, source_uids,
};
use crate::dicom::modify::modules::split_may_change;
use crate::dicom::modify::{Modification, ModifyRequest, UidMap};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::ids::Level;

/// The job's params: the study (an ID or a unique prefix), `Series` and `Instances` to move,
/// `Replace`/`Remove` of Patient and General Study module tags, `KeepSource` (default false).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SplitParams {
    pub study: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub series: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub replace: BTreeMap<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
    #[serde(default)]
    pub keep_source: bool,
    #[serde(default)]
    pub permissive: bool,
    /// Test hook: sleep this long in every step.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub step_delay_ms: u64,
}

impl SplitParams {
    /// The modification of every moved instance, with Orthanc's rules: only Patient and
    /// General Study module tags (ParameterOutOfRange otherwise), new Study/Series/SOP UIDs.
    pub fn modification(&self) -> Result<Modification> {
        let request = ModifyRequest {
            replace: self.replace.clone(),
            remove: self.remove.clone(),
            // PatientID is a module tag a split may set (Orthanc asks no Force here).
            force: true,
            ..ModifyRequest::default()
        };
        let m =
            Modification::new(&request, Level::Study).map_err(|e| Error::Invalid(e.to_string()))?;
        let names = m
            .replace
            .iter()
            .map(|r| (r.tag, "Replace"))
            .chain(m.remove.iter().map(|t| (*t, "Remove")));
        for (tag, field) in names {
            if !split_may_change(tag) {
                return Err(Error::Invalid(format!(
                    "{field} {tag}: a split may only change tags of the Patient and General Study \
                     modules (not the StudyInstanceUID it makes)"
                )));
            }
        }
        Ok(m)
    }

    /// Checks the request against the store (the IDs must be of the study) and lists the
    /// instances to move.
    pub(super) fn plan(&self, store: &Store) -> Result<MovePlan> {
        let study = resolve_at(store, &self.study, Level::Study)?;
        if self.series.is_empty() && self.instances.is_empty() {
            return Err(Error::Invalid(
                "Both the \"Series\" and the \"Instances\" fields are missing".into(),
            ));
        }
        self.modification()?;
        let not_of_study = |id: &str| Error::NotFound {
            what: "resource of the study to split",
            id: id.to_string(),
        };
        let (mut instances, mut seen) = (Vec::new(), HashSet::new());
        for s in &self.series {
            let series = resolve_at(store, s, Level::Series)?;
            if store.ancestor(Level::Series, &series, Level::Study)? != study {
                return Err(not_of_study(s));
            }
            push_unique(
                &mut instances,
                &mut seen,
                store.instances_under(Level::Series, &series)?,
            );
        }
        for i in &self.instances {
            let instance = resolve_at(store, i, Level::Instance)?;
            if store.ancestor(Level::Instance, &instance, Level::Study)? != study {
                return Err(not_of_study(i));
            }
            push_unique(&mut instances, &mut seen, vec![instance]);
        }
        let uids = source_uids(store, &instances)?;
        Ok(MovePlan {
            instances,
            uids,
            target_study: None,
            template: None,
        })
    }
}

pub struct Split;

impl MoveKind for Split {
    const TYPE: &'static str = "SplitStudy";
    const TARGET_FROM_STEPS: bool = true;
    type Params = SplitParams;

    fn common(p: &SplitParams) -> Common {
        Common {
            keep_source: p.keep_source,
            permissive: p.permissive,
            step_delay_ms: p.step_delay_ms,
        }
    }

    fn build_plan(store: &Store, p: &SplitParams) -> Result<MovePlan> {
        p.plan(store)
    }

    fn rewrite(_: &Store, p: &SplitParams, _: &MovePlan) -> Result<Rewrite> {
        Ok(Rewrite {
            modification: p.modification()?,
            copy: Vec::new(),
            drop: Vec::new(),
        })
    }

    /// `TargetStudyUID`: the study's UID mapped as every instance's will be.
    fn content(job_id: &str, plan: &MovePlan) -> Value {
        let map = UidMap::new(job_id, plan.uids.clone());
        match plan.uids.studies.iter().next() {
            Some(old) => json!({"TargetStudyUID": map.new_uid(Level::Study, old)}),
            None => json!({}),
        }
    }
}
