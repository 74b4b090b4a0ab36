//! Orthanc's modify body (`Replace`, `Remove`, `Keep`, `RemovePrivateTags`, `Force`,
//! `PrivateCreator`, and for `/anonymize` `DicomVersion`, `KeepPrivateTags` and dicomq's
//! `Consistent`), as a job keeps it ([`ModifyRequest`]), and checked against the tag
//! dictionary, the VRs and Orthanc's rules on the identifiers ([`Modification::new`]).

use std::collections::BTreeMap;

use dicom_core::{PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use crate::dicom::anonymize::{self, Profile};
use crate::dicom::create::dictionary::PrivateDictionary;
use crate::dicom::create::tags::{ResolvedTag, TagError, Target, parse_value, resolve_key};
use crate::store::ids::Level;

/// The body fields of a modification, as given (tags as the user wrote them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ModifyRequest {
    /// Tag → value: text, a `data:` URI (binary VRs) or an array of objects (a sequence).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub replace: BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keep: Vec<String>,
    #[serde(default)]
    pub remove_private_tags: bool,
    #[serde(default)]
    pub force: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_creator: Option<String>,
    /// Present for an anonymization (Orthanc's `/anonymize`): the profile runs first, then
    /// Replace/Remove.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anonymize: Option<AnonymizeRequest>,
}

/// The anonymization fields of Orthanc's `/anonymize` body (`Keep` is the request's).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AnonymizeRequest {
    /// Orthanc's `DicomVersion`; absent means 2023b, as since Orthanc 1.12.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dicom_version: Option<String>,
    #[serde(default)]
    pub keep_private_tags: bool,
    /// Beyond Orthanc (issue 14): pseudonyms keyed by the data home's secret instead of the
    /// job, so the same source gets the same ones in every job.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub consistent: bool,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ModifyError {
    #[error("{field}: {expected}")]
    BadField {
        field: &'static str,
        expected: String,
    },
    #[error("{field} \"{key}\": {source}")]
    Tag {
        field: &'static str,
        key: String,
        source: Box<TagError>,
    },
    #[error(
        "Marking tag \"{name}\" as to be {action} requires the \"Force\" option to be set to true"
    )]
    NeedsForce { name: String, action: &'static str },
    #[error("it is forbidden to remove one of the main DICOM identifiers: {name}")]
    RemoveIdentifier { name: String },
    #[error(
        "When modifying a patient, her PatientID is required to be modified (Replace PatientID)"
    )]
    PatientIdRequired,
    #[error("When modifying {what}, the parent {name} cannot be manually modified")]
    ParentIdentifier {
        what: &'static str,
        name: &'static str,
    },
    #[error("{0}")]
    Unsupported(String),
    #[error("{0}")]
    Apply(String),
}

/// One checked replacement.
#[derive(Debug, Clone, PartialEq)]
pub struct Replacement {
    pub tag: Tag,
    pub vr: VR,
    pub name: String,
    pub value: PrimitiveValue,
    /// A sequence or a binary value, built whole (`value` is then empty).
    pub element: Option<dicom_object::mem::InMemElement>,
    /// The value is text beyond ASCII (the file then needs a character set that holds it).
    pub non_ascii: bool,
}

impl Replacement {
    /// The element this replacement writes.
    pub fn to_element(&self) -> dicom_object::mem::InMemElement {
        match &self.element {
            Some(e) => e.clone(),
            None => dicom_core::DataElement::new(self.tag, self.vr, self.value.clone()),
        }
    }
}

/// A modification checked and ready to apply to instances of `level`.
#[derive(Debug, Clone, PartialEq)]
pub struct Modification {
    pub level: Level,
    pub replace: Vec<Replacement>,
    pub remove: Vec<Tag>,
    pub keep: Vec<Tag>,
    pub remove_private_tags: bool,
    /// The profile and its options, for an anonymization.
    pub anonymization: Option<(Profile, anonymize::Options)>,
}

/// The four identifiers Orthanc guards, with their keywords.
pub const IDENTIFIERS: [(Tag, &str); 4] = [
    (tags::PATIENT_ID, "PatientID"),
    (tags::STUDY_INSTANCE_UID, "StudyInstanceUID"),
    (tags::SERIES_INSTANCE_UID, "SeriesInstanceUID"),
    (tags::SOP_INSTANCE_UID, "SOPInstanceUID"),
];

fn identifier(tag: Tag) -> Option<&'static str> {
    IDENTIFIERS.iter().find(|(t, _)| *t == tag).map(|(_, n)| *n)
}

fn strings(body: &Value, field: &'static str) -> Result<Vec<String>, ModifyError> {
    let bad = || ModifyError::BadField {
        field,
        expected: "an array of tags (keywords or gggg,eeee) is expected".into(),
    };
    match body.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(bad))
            .collect(),
        Some(_) => Err(bad()),
    }
}

fn boolean(body: &Value, field: &'static str) -> Result<bool, ModifyError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(ModifyError::BadField {
            field,
            expected: "a boolean is expected".into(),
        }),
    }
}

impl ModifyRequest {
    /// The anonymization fields of Orthanc's `/anonymize` body: those of modify but
    /// `RemovePrivateTags`, with `DicomVersion` and `KeepPrivateTags`.
    pub fn from_anonymize_body(body: &Value) -> Result<ModifyRequest, ModifyError> {
        let mut req = ModifyRequest::from_body(body)?;
        req.remove_private_tags = false;
        let dicom_version = match body.get("DicomVersion") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                return Err(ModifyError::BadField {
                    field: "DicomVersion",
                    expected: "a string (2023b, 2021b or 2017c) is expected".into(),
                });
            }
        };
        req.anonymize = Some(AnonymizeRequest {
            dicom_version,
            keep_private_tags: boolean(body, "KeepPrivateTags")?,
            consistent: boolean(body, "Consistent")?,
        });
        Ok(req)
    }

    /// The modification fields of Orthanc's JSON body (the job fields are read elsewhere).
    pub fn from_body(body: &Value) -> Result<ModifyRequest, ModifyError> {
        if !body.is_object() {
            return Err(ModifyError::BadField {
                field: "body",
                expected: "a JSON object is expected".into(),
            });
        }
        let mut replace = BTreeMap::new();
        match body.get("Replace") {
            None | Some(Value::Null) => {}
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    if !matches!(v, Value::String(_) | Value::Array(_)) {
                        return Err(ModifyError::BadField {
                            field: "Replace",
                            expected: format!(
                                "\"{}\": a string, a data: URI or an array of objects (a sequence) is expected",
                                k.escape_default()
                            ),
                        });
                    }
                    replace.insert(k.clone(), v.clone());
                }
            }
            Some(_) => {
                return Err(ModifyError::BadField {
                    field: "Replace",
                    expected: "an object mapping tags to values is expected".into(),
                });
            }
        }
        let private_creator = match body.get("PrivateCreator") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                return Err(ModifyError::BadField {
                    field: "PrivateCreator",
                    expected: "a string is expected".into(),
                });
            }
        };
        Ok(ModifyRequest {
            replace,
            remove: strings(body, "Remove")?,
            keep: strings(body, "Keep")?,
            remove_private_tags: boolean(body, "RemovePrivateTags")?,
            force: boolean(body, "Force")?,
            private_creator,
            anonymize: None,
        })
    }
}

/// The profile named by `DicomVersion`, refused when unknown or without a table (2008).
fn profile(a: &AnonymizeRequest) -> Result<Profile, ModifyError> {
    let p = match &a.dicom_version {
        None => Profile::default(),
        Some(name) => name.parse::<Profile>().map_err(|e| ModifyError::BadField {
            field: "DicomVersion",
            expected: e.to_string(),
        })?,
    };
    if p.table().is_none() {
        return Err(ModifyError::Unsupported(format!(
            "DicomVersion: {}",
            anonymize::AnonymizeError::ProfileUnavailable(p)
        )));
    }
    Ok(p)
}

/// A private tag given by number (`gggg,eeee` or `gggg-eeee`, odd group, not a creator
/// element): what `Remove` and `Keep` name needs no VR, hence no dictionary entry or private
/// creator (Orthanc's test_anonymize_instance keeps `00e1-10c2` so).
fn private_by_number(key: &str) -> Option<dicom_core::Tag> {
    crate::dicom::create::dictionary::parse_tag_key(key)
        .filter(|t| t.group() % 2 == 1 && t.element() > 0x00FF)
}

fn resolve(
    field: &'static str,
    key: &str,
    creator: Option<&str>,
) -> Result<ResolvedTag, ModifyError> {
    let rt = resolve_key(key, &PrivateDictionary::empty(), creator).map_err(|source| {
        ModifyError::Tag {
            field,
            key: key.to_string(),
            source: Box::new(source),
        }
    })?;
    if rt.tag.group() == 0x0002 {
        return Err(ModifyError::Unsupported(format!(
            "{field} \"{key}\": the file meta information (group 0002) is written by dicomq"
        )));
    }
    if matches!(rt.target, Target::Private { .. }) {
        return Err(ModifyError::Unsupported(format!(
            "{field} \"{key}\": give private tags by number (gggg,eeee)"
        )));
    }
    Ok(rt)
}

impl Modification {
    /// Checks a request for instances of `level`, with Orthanc's rules: the four identifiers
    /// are replaced or kept only with Force and never removed; a patient's PatientID must be
    /// replaced.
    pub fn new(req: &ModifyRequest, level: Level) -> Result<Modification, ModifyError> {
        let creator = req.private_creator.as_deref();
        let mut replace = Vec::new();
        for (key, value) in &req.replace {
            // A private tag by number that no dictionary or creator describes: written UN,
            // its text as bytes (Orthanc's test_anonymize_instance replaces `00e1,10c2` so).
            if let (Some(tag), Value::String(text)) = (private_by_number(key), value)
                && resolve("Replace", key, creator).is_err()
            {
                let mut bytes = text.as_bytes().to_vec();
                if bytes.len() % 2 == 1 {
                    bytes.push(b' ');
                }
                replace.push(Replacement {
                    tag,
                    vr: VR::UN,
                    name: key.clone(),
                    value: PrimitiveValue::U8(bytes.into()),
                    element: None,
                    non_ascii: false,
                });
                continue;
            }
            let rt = resolve("Replace", key, creator)?;
            if matches!(rt.target, Target::GroupLength) {
                continue;
            }
            if let Some(name) = identifier(rt.tag)
                && !req.force
            {
                return Err(ModifyError::NeedsForce {
                    name: name.into(),
                    action: "replaced",
                });
            }
            let (value, element) = match value {
                Value::String(text) if !text.starts_with("data:") => {
                    let value = parse_value(&rt, text).map_err(|source| ModifyError::Tag {
                        field: "Replace",
                        key: key.clone(),
                        source: Box::new(source),
                    })?;
                    (value, None)
                }
                // A sequence or a binary value: built as create-dicom builds it.
                other => {
                    let element = crate::dicom::create::element_from_json(key, other, creator)
                        .map_err(|e| ModifyError::BadField {
                            field: "Replace",
                            expected: e,
                        })?;
                    (PrimitiveValue::Empty, Some(element))
                }
            };
            if replace.iter().any(|r: &Replacement| r.tag == rt.tag) {
                return Err(ModifyError::Unsupported(format!(
                    "Replace: {} is given twice",
                    rt.display()
                )));
            }
            let non_ascii = match &element {
                None => !value.to_str().is_ascii(),
                Some(_) => !req.replace[key].to_string().is_ascii(),
            };
            replace.push(Replacement {
                tag: rt.tag,
                vr: rt.vr,
                name: rt.name,
                value,
                element,
                non_ascii,
            });
        }
        let mut remove = Vec::new();
        for key in &req.remove {
            let tag = match private_by_number(key) {
                Some(tag) => tag,
                None => resolve("Remove", key, creator)?.tag,
            };
            if let Some(name) = identifier(tag) {
                return Err(ModifyError::RemoveIdentifier { name: name.into() });
            }
            if replace.iter().any(|r| r.tag == tag) {
                return Err(ModifyError::Unsupported(format!(
                    "{key} is both replaced and removed"
                )));
            }
            remove.push(tag);
        }
        let mut keep = Vec::new();
        for key in &req.keep {
            let tag = match private_by_number(key) {
                Some(tag) => tag,
                None => resolve("Keep", key, creator)?.tag,
            };
            if let Some(name) = identifier(tag)
                && !req.force
            {
                return Err(ModifyError::NeedsForce {
                    name: name.into(),
                    action: "kept",
                });
            }
            keep.push(tag);
        }
        let anonymization = match &req.anonymize {
            None => None,
            Some(a) => Some((
                profile(a)?,
                anonymize::Options {
                    keep: keep.clone(),
                    keep_private_tags: a.keep_private_tags,
                },
            )),
        };
        // An anonymization always makes a new patient (its PatientID is derived).
        if level == Level::Patient
            && anonymization.is_none()
            && !replace.iter().any(|r| r.tag == tags::PATIENT_ID)
        {
            return Err(ModifyError::PatientIdRequired);
        }
        Ok(Modification {
            level,
            replace,
            remove,
            keep,
            remove_private_tags: req.remove_private_tags,
            anonymization,
        })
    }

    /// The level Orthanc gives a one-instance modification (its `DetectModifyLevel`): the
    /// highest whose identifier the request replaces, else the instance.
    pub fn detected_level(req: &ModifyRequest) -> Level {
        let replaced = |tag: Tag| {
            req.replace.keys().any(|k| {
                resolve_key(k, &PrivateDictionary::empty(), None).is_ok_and(|rt| rt.tag == tag)
            })
        };
        if replaced(tags::PATIENT_ID) {
            Level::Patient
        } else if replaced(tags::STUDY_INSTANCE_UID) {
            Level::Study
        } else if replaced(tags::SERIES_INSTANCE_UID) {
            Level::Series
        } else {
            Level::Instance
        }
    }

    /// Whether the request sets `tag` itself (replaced or kept): no new UID is made for it.
    pub fn fixes(&self, tag: Tag) -> bool {
        self.keep.contains(&tag) || self.replace.iter().any(|r| r.tag == tag)
    }

    /// The replaced value of `tag`, as text.
    pub fn replaced(&self, tag: Tag) -> Option<String> {
        self.replace
            .iter()
            .find(|r| r.tag == tag)
            .map(|r| r.value.to_str().trim_end_matches([' ', '\0']).to_string())
    }
}
