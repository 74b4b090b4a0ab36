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
    #[serde(rename = "ID")]
    pub id: String,
    pub is_stable: bool,
    pub last_update: String,
    pub main_dicom_tags: MainTags,
    pub studies: Vec<String>,
    pub r#type: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct StudyView {
    #[serde(rename = "ID")]
    pub id: String,
    pub is_stable: bool,
    pub last_update: String,
    pub main_dicom_tags: MainTags,
    pub parent_patient: String,
    pub patient_main_dicom_tags: MainTags,
    pub series: Vec<String>,
    pub r#type: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct SeriesView {
    pub expected_number_of_instances: Option<u32>,
    #[serde(rename = "ID")]
    pub id: String,
    pub instances: Vec<String>,
    pub is_stable: bool,
    pub last_update: String,
    pub main_dicom_tags: MainTags,
    pub parent_study: String,
    pub status: String,
    pub r#type: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceView {
    pub file_size: u64,
    pub file_uuid: String,
    #[serde(rename = "ID")]
    pub id: String,
    pub index_in_series: Option<u32>,
    pub main_dicom_tags: MainTags,
    pub parent_series: String,
    pub r#type: String,
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
        match level {
            Level::Patient => ResourceView::Patient(PatientView {
                id,
                is_stable,
                last_update,
                main_dicom_tags,
                studies: children,
                r#type,
            }),
            Level::Study => ResourceView::Study(StudyView {
                id,
                is_stable,
                last_update,
                main_dicom_tags,
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
