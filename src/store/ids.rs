//! Orthanc-compatible resource identifiers and the resource levels.

use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Level {
    Patient,
    Study,
    Series,
    Instance,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Patient, Level::Study, Level::Series, Level::Instance];

    /// Orthanc's `Type` string.
    pub fn name(self) -> &'static str {
        match self {
            Level::Patient => "Patient",
            Level::Study => "Study",
            Level::Series => "Series",
            Level::Instance => "Instance",
        }
    }

    /// The REST path segment (`/studies/{id}`).
    pub fn plural(self) -> &'static str {
        match self {
            Level::Patient => "patients",
            Level::Study => "studies",
            Level::Series => "series",
            Level::Instance => "instances",
        }
    }

    pub fn parent(self) -> Option<Level> {
        match self {
            Level::Patient => None,
            Level::Study => Some(Level::Patient),
            Level::Series => Some(Level::Study),
            Level::Instance => Some(Level::Series),
        }
    }

    pub fn child(self) -> Option<Level> {
        match self {
            Level::Patient => Some(Level::Study),
            Level::Study => Some(Level::Series),
            Level::Series => Some(Level::Instance),
            Level::Instance => None,
        }
    }
}

/// SHA-1 of the parts joined with `|`, as 5 dash-separated groups of 8 lowercase hex digits.
pub fn orthanc_id(parts: &[&str]) -> String {
    let mut hasher = Sha1::new();
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            hasher.update(b"|");
        }
        hasher.update(part.as_bytes());
    }
    let digest = hasher.finalize();
    let mut out = String::with_capacity(44);
    for (i, byte) in digest.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// The four IDs of one instance, from its identifying tags (trailing padding already removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceIds {
    pub patient: String,
    pub study: String,
    pub series: String,
    pub instance: String,
}

impl InstanceIds {
    pub fn compute(patient_id: &str, study_uid: &str, series_uid: &str, sop_uid: &str) -> Self {
        InstanceIds {
            patient: orthanc_id(&[patient_id]),
            study: orthanc_id(&[patient_id, study_uid]),
            series: orthanc_id(&[patient_id, study_uid, series_uid]),
            instance: orthanc_id(&[patient_id, study_uid, series_uid, sop_uid]),
        }
    }

    pub fn at(&self, level: Level) -> &str {
        match level {
            Level::Patient => &self.patient,
            Level::Study => &self.study,
            Level::Series => &self.series,
            Level::Instance => &self.instance,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_from_orthanc() {
        assert_eq!(
            orthanc_id(&["887"]),
            "ca29faea-b6a0e17f-067743a1-8b778011-a48b2a17"
        );
        assert_eq!(
            orthanc_id(&[""]),
            "da39a3ee-5e6b4b0d-3255bfef-95601890-afd80709"
        );
    }

    #[test]
    fn golden_sample_a_ids() {
        // Orthanc 1.10.1 answered these for sample A_s1_i1 (orthanc-golden/resources).
        let ids = InstanceIds::compute(
            "PAT-A",
            "1.2.826.0.1.3680043.8.498.10.1",
            "1.2.826.0.1.3680043.8.498.10.1.1",
            "1.2.826.0.1.3680043.8.498.83014442324197156178360799787597021100",
        );
        assert_eq!(ids.patient, "21656b59-b4d37a49-76daa8ba-cb774515-26fcb1aa");
        assert_eq!(ids.study, "b89ca719-1fea81fa-5868adf8-448926c1-a5a8efe9");
        assert_eq!(ids.series, "0cfd7b50-33dc1413-fe591add-840d0cce-0ff9dc34");
        assert_eq!(ids.instance, "38d8c43a-40d39fd3-461c3c6c-ddad7157-5bf5f872");
    }

    #[test]
    fn leading_space_matters() {
        assert_ne!(orthanc_id(&[" SP ID"]), orthanc_id(&["SP ID"]));
        assert_eq!(
            orthanc_id(&[" SP ID"]),
            "f2970b7f-9d81e4e1-2dace1a9-62a6dad8-8968565c"
        );
    }
}
