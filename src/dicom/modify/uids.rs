//! The new UIDs of a modification: derived from (job, level, old UID), so that every instance of
//! a job agrees (references follow), and a step run again after a crash or a resubmit gives the
//! same instance, which the store then answers as already stored instead of a duplicate.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

use crate::store::ids::Level;

/// The Study, Series and SOP Instance UIDs of a job's sources: the references that are mapped
/// (a reference to an instance outside the job keeps its value).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SourceUids {
    pub studies: BTreeSet<String>,
    pub series: BTreeSet<String>,
    pub instances: BTreeSet<String>,
}

impl SourceUids {
    pub fn insert(&mut self, level: Level, uid: &str) {
        let set = match level {
            Level::Study => &mut self.studies,
            Level::Series => &mut self.series,
            Level::Instance => &mut self.instances,
            Level::Patient => return,
        };
        set.insert(clean(uid).to_string());
    }

    fn contains(&self, level: Level, uid: &str) -> bool {
        let set = match level {
            Level::Study => &self.studies,
            Level::Series => &self.series,
            Level::Instance => &self.instances,
            Level::Patient => return false,
        };
        set.contains(clean(uid))
    }
}

/// The UID map of one job.
#[derive(Debug, Clone)]
pub struct UidMap {
    key: String,
    sources: SourceUids,
}

/// A UID as Orthanc keys its map: padding and spaces stripped.
fn clean(uid: &str) -> &str {
    uid.trim_matches([' ', '\0'])
}

impl UidMap {
    /// `key` names the job (its ID); `sources` the UIDs whose references are mapped.
    pub fn new(key: &str, sources: SourceUids) -> Self {
        UidMap {
            key: key.to_string(),
            sources,
        }
    }

    /// The new UID of `old` at `level`: `2.25.` and the decimal of 128 bits of SHA-1 over the
    /// job, the level and the old UID (PS3.5 B.2: a UUID-derived UID needs no registered root).
    pub fn new_uid(&self, level: Level, old: &str) -> String {
        format!("2.25.{}", self.derive(level.name(), old))
    }

    /// 128 bits of SHA-1 over the key, a domain and the old value.
    fn derive(&self, domain: &str, old: &str) -> u128 {
        let mut h = Sha1::new();
        h.update(self.key.as_bytes());
        h.update(b"|");
        h.update(domain.as_bytes());
        h.update(b"|");
        h.update(clean(old).as_bytes());
        let digest = h.finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        u128::from_be_bytes(bytes)
    }

    /// The new value of any UID an anonymization profile replaces (U). One domain for every
    /// tag, because the profile maps a UID wherever it stands: a SOPInstanceUID and the
    /// ReferencedSOPInstanceUIDs naming it must agree.
    pub fn anonymized_uid(&self, old: &str) -> String {
        format!("2.25.{}", self.derive("Anonymized", old))
    }

    /// The new PatientID and PatientName of an anonymized patient whose PatientID was
    /// `old`: a UUID, as Orthanc's, and `Anonymized` with 8 hex digits (Orthanc counts in the
    /// database; a derived number needs no shared state and is the same on a re-run).
    pub fn anonymized_patient(&self, old: &str) -> (String, String) {
        let id = uuid::Uuid::from_u128(self.derive("PatientID", old)).to_string();
        let name = format!("Anonymized{:08x}", self.derive("PatientName", old) >> 96);
        (id, name)
    }

    /// Whether a reference to `uid` (of `level`) points into the job's sources.
    pub fn is_source(&self, level: Level, uid: &str) -> bool {
        self.sources.contains(level, uid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_uids_are_stable_distinct_and_valid() {
        let map = UidMap::new("job-1", SourceUids::default());
        let a = map.new_uid(Level::Study, "1.2.3");
        assert_eq!(a, map.new_uid(Level::Study, "1.2.3 "), "padding ignored");
        assert_eq!(
            a,
            UidMap::new("job-1", SourceUids::default()).new_uid(Level::Study, "1.2.3")
        );
        assert_ne!(
            a,
            map.new_uid(Level::Series, "1.2.3"),
            "level is part of the key"
        );
        assert_ne!(
            a,
            UidMap::new("job-2", SourceUids::default()).new_uid(Level::Study, "1.2.3")
        );
        for uid in [a, map.new_uid(Level::Instance, "9")] {
            assert!(uid.len() <= 64, "{uid}");
            assert!(uid.starts_with("2.25."), "{uid}");
            let tail = &uid[5..];
            assert!(tail.bytes().all(|b| b.is_ascii_digit()), "{uid}");
            assert!(!tail.starts_with('0') || tail == "0", "{uid}");
            assert!(crate::dicom::vr_check::check_component(dicom_core::VR::UI, &uid).is_ok());
        }
    }

    #[test]
    fn only_the_jobs_sources_are_references_to_map() {
        let mut s = SourceUids::default();
        s.insert(Level::Instance, "1.2.3\0");
        s.insert(Level::Patient, "ignored");
        let map = UidMap::new("j", s);
        assert!(map.is_source(Level::Instance, "1.2.3"));
        assert!(!map.is_source(Level::Series, "1.2.3"));
        assert!(!map.is_source(Level::Instance, "1.2.4"));
    }
}
