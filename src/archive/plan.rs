//! What an archive job writes, decided when it is submitted (Orthanc's `ArchiveJob::Start`):
//! the requested resources resolved (any level, unique prefixes accepted), expanded to their
//! instances, merged without duplicates, and laid out with Orthanc 1.13's names.
//!
//! A large plan is kept next to the job's output (`HOME/outputs/<job>.plan.json`) rather than in
//! the job record, which is rewritten at every step: a plan of 65 000 files is megabytes. A small
//! one rides in the record's checkpoint (see `jobs/kinds/archive.rs`).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::naming::{ArchiveEntrySource, NamingOptions, archive_layout, media_layout};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::store::ids::Level;
use crate::store::index::ResourceRecord;

/// One file of the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedFile {
    /// Orthanc ID of the instance.
    #[serde(rename = "Instance")]
    pub instance: String,
    /// Path inside the ZIP (`/`-separated).
    #[serde(rename = "Path")]
    pub path: String,
    /// Size of the stored file when the job was submitted.
    #[serde(rename = "Size")]
    pub size: u64,
}

/// Every file of an archive, in writing order (a media's DICOMDIR is not listed: it comes last).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivePlan {
    #[serde(rename = "Files")]
    pub files: Vec<PlannedFile>,
}

/// What to plan.
#[derive(Debug, Clone, Default)]
pub struct PlanRequest {
    /// IDs or unique prefixes of patients, studies, series or instances.
    pub resources: Vec<String>,
    /// `IMAGES/IMn` names instead of the `Patient/Study/Series` tree.
    pub media: bool,
    /// Drop non-ASCII characters from names (Orthanc's default).
    pub ascii_names: bool,
}

impl ArchivePlan {
    /// Resolves and lays out the request. An unknown or ambiguous ID is an error.
    pub fn build(store: &Store, request: &PlanRequest) -> Result<ArchivePlan> {
        let mut resolved = Vec::with_capacity(request.resources.len());
        for id in &request.resources {
            resolved.push(store.resolve(id)?);
        }
        // Orthanc's PatientInfoFromStudy for a single study or series: the patient folder is
        // named from the patient tags stored with that study.
        let patient_from_study = matches!(resolved.as_slice(), [(Level::Study | Level::Series, _)]);

        let mut seen = HashSet::new();
        let mut parents: HashMap<(Level, String), ResourceRecord> = HashMap::new();
        let mut sources = Vec::new();
        let mut sizes = HashMap::new();
        for (level, id) in &resolved {
            for instance in store.instances_under(*level, id)? {
                if !seen.insert(instance.clone()) {
                    continue;
                }
                let rec = store.record(Level::Instance, &instance)?;
                let size = rec.file.as_ref().map_or(0, |f| f.size);
                let series_id = parent_of(&rec, &instance)?;
                let series = cached(store, &mut parents, Level::Series, &series_id)?;
                let study_id = parent_of(&series, &series_id)?;
                let study = cached(store, &mut parents, Level::Study, &study_id)?;
                let patient_id = parent_of(&study, &study_id)?;
                let patient = cached(store, &mut parents, Level::Patient, &patient_id)?;
                let patient_tags = if patient_from_study && !study.patient_tags.is_empty() {
                    study.patient_tags.clone()
                } else {
                    patient.main_tags.clone()
                };
                sources.push(ArchiveEntrySource {
                    patient_id,
                    study_id,
                    series_tags: series.main_tags.clone(),
                    study_tags: study.main_tags.clone(),
                    series_id,
                    instance_id: instance.clone(),
                    patient_tags,
                    instance_tags: rec.main_tags.clone(),
                    insertion_index: rec.seq,
                });
                sizes.insert(instance, size);
            }
        }
        let entries = if request.media {
            media_layout(sources)
        } else {
            let options = NamingOptions {
                ascii_only: request.ascii_names,
                ..NamingOptions::default()
            };
            archive_layout(sources, &options)
        };
        let files = entries
            .into_iter()
            .map(|e| PlannedFile {
                size: sizes.get(&e.source.instance_id).copied().unwrap_or(0),
                instance: e.source.instance_id,
                path: e.path,
            })
            .collect();
        Ok(ArchivePlan { files })
    }

    /// Sum of the stored files' sizes.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }

    /// Writes the plan atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let bytes = serde_json::to_vec(self)
            .map_err(|e| Error::Internal(format!("encode archive plan: {e}")))?;
        crate::atomic::write(path, &bytes)
    }

    /// Reads a plan written by [`Self::save`].
    pub fn load(path: &Path) -> Result<ArchivePlan> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| Error::Invalid(format!("{}: not an archive plan: {e}", path.display())))
    }
}

fn parent_of(rec: &ResourceRecord, id: &str) -> Result<String> {
    rec.parent
        .clone()
        .ok_or_else(|| Error::Internal(format!("resource {id} has no parent in the index")))
}

fn cached(
    store: &Store,
    cache: &mut HashMap<(Level, String), ResourceRecord>,
    level: Level,
    id: &str,
) -> Result<ResourceRecord> {
    let key = (level, id.to_string());
    if let Some(r) = cache.get(&key) {
        return Ok(r.clone());
    }
    let rec = store.record(level, id)?;
    cache.insert(key, rec.clone());
    Ok(rec)
}
