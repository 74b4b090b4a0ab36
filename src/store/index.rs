//! What the resource index holds and answers: the records, the stored files, what a batch or a
//! removal did. The index itself is behind `crate::persist::index_store::IndexStore`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::header::{MainTags, ParsedHeader};
use super::ids::Level;

/// The stored file of an instance.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredFile {
    pub uuid: String,
    pub size: u64,
    pub sop_class: String,
    pub transfer_syntax: String,
    /// The CRC-32 of the file's bytes, when the import computed it (files written from memory;
    /// records from before it have none). The recovery at open checks a file still in
    /// `incoming/` against it: its sync may have run beside the index commit (`group_commit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crc32: Option<u32>,
}

/// One resource as the index keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResourceRecord {
    pub parent: Option<String>,
    pub main_tags: MainTags,
    /// Studies only: the patient tags as this study's files had them (Orthanc keeps them too).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub patient_tags: MainTags,
    /// `YYYYMMDDTHHMMSS`, UTC.
    pub last_update: String,
    /// Seconds since the epoch of the last update (for IsStable).
    #[serde(default)]
    pub updated_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<StoredFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_in_series: Option<u32>,
    /// Insertion order (instances).
    #[serde(default)]
    pub seq: u64,
    /// Orthanc's metadata attached at import (`store/metadata.rs`; the derived ones are not
    /// kept).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

/// An instance ready to index: its parsed header and its stored file.
pub struct NewInstance<'a> {
    pub header: &'a ParsedHeader,
    pub file: StoredFile,
}

impl NewInstance<'_> {
    /// The record every index writes for this instance, logged as change `seq`, updated at
    /// `last_update` (`updated_at` in seconds).
    pub fn record(&self, seq: u64, last_update: &str, updated_at: i64) -> ResourceRecord {
        let h = self.header;
        ResourceRecord {
            parent: Some(h.ids.series.clone()),
            main_tags: h.instance.clone(),
            patient_tags: MainTags::new(),
            last_update: last_update.to_string(),
            updated_at,
            file: Some(self.file.clone()),
            index_in_series: h.index_in_series,
            seq,
            metadata: h.attached.at(Level::Instance),
        }
    }
}

impl ResourceRecord {
    /// The record of the series, study or patient (`level`) of `h` that an import creates
    /// (its dates set by the caller as for an existing one).
    pub fn new_ancestor(h: &ParsedHeader, level: Level, seq: u64) -> ResourceRecord {
        ResourceRecord {
            parent: level.parent().map(|p| h.ids.at(p).to_string()),
            main_tags: h.tags(level).clone(),
            patient_tags: if level == Level::Study {
                h.patient.clone()
            } else {
                MainTags::new()
            },
            last_update: String::new(),
            updated_at: 0,
            file: None,
            index_in_series: None,
            seq,
            metadata: h.attached.at(level),
        }
    }
}

/// How an import's index commit stands to the import journal (`store/import_journal.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JournalMark {
    /// Not durable at return (visible at once, persisted by the next durable commit of any
    /// writer on the index, lost in a crash before it); records that the rows of the journal's
    /// records up to `seq` are in this commit or an earlier one.
    Deferred { seq: u64 },
    /// Durable, and so is every file of the journal's records up to `seq`: the journal starts
    /// again as generation `seq`.
    Checkpoint { seq: u64 },
}

/// What the index last recorded of the import journal (both 0 before its first use).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JournalMarks {
    /// Whether this index ever recorded marks: a journal found beside an index that never
    /// did belongs to another database (one deleted and created again).
    pub recorded: bool,
    /// The records up to this sequence number have their rows in the index.
    pub rows_up_to: u64,
    /// The journal's generation: the records of older ones are settled.
    pub generation: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Indexed {
    Success,
    AlreadyStored,
    /// Indexed in place of the instance of the same ID (Orthanc's `OverwriteInstances`), whose
    /// files are now removal intents: the caller deletes them, then clears the intents.
    Replaced {
        old_files: Vec<String>,
    },
}

/// What a batch does with an instance that is already indexed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// `AlreadyStored`: the index keeps the instance it has.
    Keep,
    /// `Replaced`: the new file takes its place (Orthanc's `OverwriteInstances`).
    Replace,
}

/// Orthanc's change types that the index logs. The job ones are Orthanc's plugin events,
/// which Orthanc keeps out of its own `/changes`; dicomq logs them so a script can follow jobs
/// with the same loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeType {
    NewInstance,
    NewSeries,
    NewStudy,
    NewPatient,
    /// An instance completed its series (Orthanc's series `Status` became `Complete`).
    CompletedSeries,
    Deleted,
    /// A modification rebuilt the main tags of a resource that kept its identifier (Orthanc's
    /// `ModifiedPatient`, ... names; see `IndexStore::reconstruct`).
    ModifiedPatient,
    ModifiedStudy,
    ModifiedSeries,
    AnonymizedPatient,
    AnonymizedStudy,
    AnonymizedSeries,
    JobSubmitted,
    JobSuccess,
    JobFailure,
}

/// What a change is about: a resource of a level, or a job. Serialized as Orthanc's
/// `ResourceType` (`Patient` ... `Instance`, and `Job`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangedResource {
    Patient,
    Study,
    Series,
    Instance,
    Job,
}

impl ChangedResource {
    pub fn of(level: Level) -> Self {
        match level {
            Level::Patient => ChangedResource::Patient,
            Level::Study => ChangedResource::Study,
            Level::Series => ChangedResource::Series,
            Level::Instance => ChangedResource::Instance,
        }
    }

    /// The resource level, `None` for a job.
    pub fn level(self) -> Option<Level> {
        match self {
            ChangedResource::Patient => Some(Level::Patient),
            ChangedResource::Study => Some(Level::Study),
            ChangedResource::Series => Some(Level::Series),
            ChangedResource::Instance => Some(Level::Instance),
            ChangedResource::Job => None,
        }
    }

    pub fn name(self) -> &'static str {
        self.level().map_or("Job", Level::name)
    }

    /// The REST path of the resource or job `id`.
    pub fn path(self, id: &str) -> String {
        match self.level() {
            Some(level) => format!("/{}/{id}", level.plural()),
            None => format!("/jobs/{id}"),
        }
    }
}

/// One entry of the changes log (`GET /changes`), numbered from 1 in commit order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Change {
    pub change_type: ChangeType,
    /// `YYYYMMDDTHHMMSS`, UTC.
    pub date: String,
    #[serde(rename = "ID")]
    pub id: String,
    /// The resource's REST path (`/instances/{id}`, `/jobs/{id}`).
    pub path: String,
    pub resource_type: ChangedResource,
    pub seq: u64,
}

/// Totals kept incrementally.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statistics {
    pub patients: u64,
    pub studies: u64,
    pub series: u64,
    pub instances: u64,
    pub disk_size: u64,
    pub uncompressed_size: u64,
    /// The `Seq` of the last change logged (0: none yet).
    pub last_change: u64,
}

/// What a removal did.
#[derive(Debug, Clone)]
pub struct Removal {
    pub removed: Vec<(Level, String)>,
    pub files: Vec<String>,
    /// The closest ancestor that still exists, as Orthanc's `RemainingAncestor`.
    pub remaining_ancestor: Option<(Level, String)>,
}

pub fn level_word(level: Level) -> &'static str {
    match level {
        Level::Patient => "patient",
        Level::Study => "study",
        Level::Series => "series",
        Level::Instance => "instance",
    }
}
