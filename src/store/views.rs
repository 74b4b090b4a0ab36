//! Orthanc's JSON shapes for resources (`GET /patients/{id}` and friends). These are the
//! `--json` contract of `ls` and `show`; fields are declared in Orthanc's (alphabetical) order.

use serde::{Deserialize, Serialize};

use super::header::MainTags;
use super::ids::Level;
use super::index::ResourceRecord;

/// Orthanc marks a resource stable once it has not changed for `StableAge` (60 s).
const STABLE_AGE_SECS: i64 = 60;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum ResourceView {
    Patient(PatientView),
    Study(StudyView),
    Series(SeriesView),
    Instance(InstanceView),
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct PatientView {
    /// Orthanc's `AnonymizedFrom`: the resource this one was anonymized from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymized_from: Option<String>,
    #[serde(rename = "ID")]
    pub id: String,
    pub is_stable: bool,
    pub last_update: String,
    pub main_dicom_tags: MainTags,
    /// Orthanc's `ModifiedFrom`: the resource this one was modified from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_from: Option<String>,
    pub studies: Vec<String>,
    pub r#type: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct StudyView {
    /// Orthanc's `AnonymizedFrom`: the resource this one was anonymized from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymized_from: Option<String>,
    #[serde(rename = "ID")]
    pub id: String,
    pub is_stable: bool,
    pub last_update: String,
    pub main_dicom_tags: MainTags,
    /// Orthanc's `ModifiedFrom`: the resource this one was modified from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_from: Option<String>,
    pub parent_patient: String,
    pub patient_main_dicom_tags: MainTags,
    pub series: Vec<String>,
    pub r#type: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct SeriesView {
    /// Orthanc's `AnonymizedFrom`: the resource this one was anonymized from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymized_from: Option<String>,
    pub expected_number_of_instances: Option<u32>,
    #[serde(rename = "ID")]
    pub id: String,
    pub instances: Vec<String>,
    pub is_stable: bool,
    pub last_update: String,
    pub main_dicom_tags: MainTags,
    /// Orthanc's `ModifiedFrom`: the resource this one was modified from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_from: Option<String>,
    pub parent_study: String,
    pub status: String,
    pub r#type: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceView {
    /// Orthanc's `AnonymizedFrom`: the resource this one was anonymized from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymized_from: Option<String>,
    pub file_size: u64,
    pub file_uuid: String,
    #[serde(rename = "ID")]
    pub id: String,
    pub index_in_series: Option<u32>,
    pub main_dicom_tags: MainTags,
    /// Orthanc's `ModifiedFrom`: the resource this one was modified from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_from: Option<String>,
    pub parent_series: String,
    pub r#type: String,
}

impl SeriesView {
    /// Orthanc's `ExpectedNumberOfInstances` and `Status` from the series' main tags and the
    /// IndexInSeries of its instances (`None`: the instance has none, or not an integer).
    pub fn set_completeness(&mut self, indexes: &[Option<u32>]) {
        let expected = expected_instances(&self.main_dicom_tags);
        self.expected_number_of_instances = expected;
        self.status = series_status(expected, indexes).to_string();
    }
}

/// Orthanc's expected number of instances of a series (its `ComputeExpectedNumberOfInstances`,
/// applied to the first instance stored): ImagesInAcquisition × NumberOfTemporalPositions,
/// else NumberOfSlices × NumberOfTimeSlices, else CardiacNumberOfImages; the first pair that
/// is present decides, and a value that is no integer, or a product ≤ 0, gives none.
pub fn expected_instances(tags: &MainTags) -> Option<u32> {
    let value = |k: &str| tags.get(k);
    let int = |v: &String| v.trim().parse::<i64>().ok();
    let product = match (
        value("ImagesInAcquisition"),
        value("NumberOfTemporalPositions"),
        value("NumberOfSlices"),
        value("NumberOfTimeSlices"),
        value("CardiacNumberOfImages"),
    ) {
        (Some(a), Some(b), ..) => int(a).zip(int(b)).and_then(|(a, b)| a.checked_mul(b)),
        (_, _, Some(a), Some(b), _) => int(a).zip(int(b)).and_then(|(a, b)| a.checked_mul(b)),
        (.., Some(c)) => int(c),
        _ => None,
    };
    product
        .filter(|&n| n > 0)
        .and_then(|n| u32::try_from(n).ok())
}

/// Orthanc's series status (`GetSeriesStatus`): `Unknown` without an expected count or when an
/// instance has no IndexInSeries; `Inconsistent` when an index is out of 1..=expected or
/// repeated; `Complete` when every index is there, else `Missing`.
pub fn series_status(expected: Option<u32>, indexes: &[Option<u32>]) -> &'static str {
    let Some(expected) = expected else {
        return "Unknown";
    };
    let mut seen = std::collections::HashSet::with_capacity(indexes.len());
    for index in indexes {
        let Some(i) = *index else {
            return "Unknown";
        };
        if i == 0 || i > expected || !seen.insert(i) {
            return "Inconsistent";
        }
    }
    if seen.len() == expected as usize {
        "Complete"
    } else {
        "Missing"
    }
}

impl ResourceView {
    pub fn build(
        level: Level,
        id: &str,
        rec: &ResourceRecord,
        children: Vec<String>,
        now: i64,
    ) -> ResourceView {
        let id = id.to_string();
        let is_stable = now - rec.updated_at >= STABLE_AGE_SECS;
        let last_update = rec.last_update.clone();
        let main_dicom_tags = rec.main_tags.clone();
        let parent = rec.parent.clone().unwrap_or_default();
        let r#type = level.name().to_string();
        let anonymized_from = rec.metadata.get("AnonymizedFrom").cloned();
        let modified_from = rec.metadata.get("ModifiedFrom").cloned();
        match level {
            Level::Patient => ResourceView::Patient(PatientView {
                id,
                is_stable,
                last_update,
                main_dicom_tags,
                anonymized_from: anonymized_from.clone(),
                modified_from: modified_from.clone(),
                studies: children,
                r#type,
            }),
            Level::Study => ResourceView::Study(StudyView {
                id,
                is_stable,
                last_update,
                main_dicom_tags,
                anonymized_from: anonymized_from.clone(),
                modified_from: modified_from.clone(),
                parent_patient: parent,
                patient_main_dicom_tags: rec.patient_tags.clone(),
                series: children,
                r#type,
            }),
            Level::Series => ResourceView::Series(SeriesView {
                expected_number_of_instances: None,
                id,
                instances: children,
                is_stable,
                last_update,
                main_dicom_tags,
                anonymized_from: anonymized_from.clone(),
                modified_from: modified_from.clone(),
                parent_study: parent,
                status: "Unknown".into(),
                r#type,
            }),
            Level::Instance => {
                let (file_size, file_uuid) = rec
                    .file
                    .as_ref()
                    .map(|f| (f.size, f.uuid.clone()))
                    .unwrap_or_default();
                ResourceView::Instance(InstanceView {
                    file_size,
                    file_uuid,
                    id,
                    index_in_series: rec.index_in_series,
                    main_dicom_tags,
                    anonymized_from: anonymized_from.clone(),
                    modified_from: modified_from.clone(),
                    parent_series: parent,
                    r#type,
                })
            }
        }
    }

    pub fn id(&self) -> &str {
        match self {
            ResourceView::Patient(v) => &v.id,
            ResourceView::Study(v) => &v.id,
            ResourceView::Series(v) => &v.id,
            ResourceView::Instance(v) => &v.id,
        }
    }

    pub fn main_tags(&self) -> &MainTags {
        match self {
            ResourceView::Patient(v) => &v.main_dicom_tags,
            ResourceView::Study(v) => &v.main_dicom_tags,
            ResourceView::Series(v) => &v.main_dicom_tags,
            ResourceView::Instance(v) => &v.main_dicom_tags,
        }
    }
}

/// Orthanc's answer to `DELETE /{level}/{id}`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct RemovedView {
    pub remaining_ancestor: Option<AncestorView>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct AncestorView {
    #[serde(rename = "ID")]
    pub id: String,
    pub path: String,
    pub r#type: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[(&str, &str)]) -> MainTags {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn expected_instances_follow_orthanc_rules() {
        let e = |l: &[(&str, &str)]| expected_instances(&tags(l));
        assert_eq!(e(&[]), None);
        // ImagesInAcquisition alone is not enough (Orthanc needs the temporal positions too)
        assert_eq!(e(&[("ImagesInAcquisition", "2")]), None);
        assert_eq!(
            e(&[
                ("ImagesInAcquisition", "2"),
                ("NumberOfTemporalPositions", "3")
            ]),
            Some(6)
        );
        assert_eq!(
            e(&[("NumberOfSlices", "4"), ("NumberOfTimeSlices", "5")]),
            Some(20)
        );
        assert_eq!(e(&[("NumberOfSlices", "4")]), None);
        assert_eq!(e(&[("CardiacNumberOfImages", " 7 ")]), Some(7));
        // the first pair present decides, even when it is not a number
        assert_eq!(
            e(&[
                ("ImagesInAcquisition", "x"),
                ("NumberOfTemporalPositions", "1"),
                ("CardiacNumberOfImages", "7")
            ]),
            None
        );
        assert_eq!(e(&[("CardiacNumberOfImages", "0")]), None);
        assert_eq!(e(&[("CardiacNumberOfImages", "-3")]), None);
    }

    #[test]
    fn series_status_follows_orthanc_rules() {
        assert_eq!(series_status(None, &[Some(1)]), "Unknown");
        assert_eq!(series_status(Some(2), &[Some(1), None]), "Unknown");
        assert_eq!(series_status(Some(2), &[Some(2), Some(1)]), "Complete");
        assert_eq!(series_status(Some(3), &[Some(2), Some(1)]), "Missing");
        assert_eq!(series_status(Some(2), &[]), "Missing");
        assert_eq!(series_status(Some(2), &[Some(1), Some(1)]), "Inconsistent");
        assert_eq!(series_status(Some(2), &[Some(3)]), "Inconsistent");
        assert_eq!(series_status(Some(2), &[Some(0)]), "Inconsistent");
    }
}
