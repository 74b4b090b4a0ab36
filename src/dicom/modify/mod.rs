//! Orthanc's modification of instances (`POST /{level}/{id}/modify`): the request checked
//! (`request.rs`), the new UIDs (`uids.rs`), and here its application to one data set, in
//! Orthanc's order: private tags removed, removals, replacements, new identifiers by level,
//! then the references inside sequences through the same map.

pub mod key;
pub mod modules;
pub mod request;
#[cfg(test)]
mod tests;
pub mod uids;

use dicom_core::value::Value;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, InMemDicomObject};

pub use request::{AnonymizeRequest, Modification, ModifyError, ModifyRequest};
pub use uids::{SourceUids, UidMap};

use crate::dicom::anonymize::{self, Profile};
use crate::store::ids::Level;

/// Sequences nest no deeper than the reader allows (`dicom/scan.rs`); this bounds the walk.
const MAX_DEPTH: usize = 64;

/// The character set written when a replaced value needs more than the file's.
const UTF8: &str = "ISO_IR 192";

impl Modification {
    /// Applies the modification to a whole file: the data set, then the file meta group's
    /// MediaStorageSOPInstanceUID. The transfer syntax stays the file's.
    pub fn apply_file(
        &self,
        file: &mut DefaultDicomObject,
        uids: &UidMap,
    ) -> Result<(), ModifyError> {
        self.apply(file, uids)?;
        let sop = file
            .get(tags::SOP_INSTANCE_UID)
            .and_then(|e| e.value().to_str().ok())
            .map(|s| s.trim_end_matches([' ', '\0']).to_string())
            .ok_or_else(|| ModifyError::Apply("the instance has no SOPInstanceUID".into()))?;
        let meta = file.meta_mut();
        meta.media_storage_sop_instance_uid = sop;
        meta.update_information_group_length();
        Ok(())
    }

    /// Applies the modification to one data set.
    pub fn apply(&self, obj: &mut InMemDicomObject, uids: &UidMap) -> Result<(), ModifyError> {
        if let Some((profile, options)) = &self.anonymization {
            return self.anonymize(obj, uids, *profile, options);
        }
        if self.remove_private_tags {
            remove_private(obj, 0)?;
        }
        for tag in &self.remove {
            obj.remove_element(*tag);
        }
        for r in &self.replace {
            obj.put(r.to_element());
        }
        for (level, tag) in [
            (Level::Study, tags::STUDY_INSTANCE_UID),
            (Level::Series, tags::SERIES_INSTANCE_UID),
            (Level::Instance, tags::SOP_INSTANCE_UID),
        ] {
            if self.renews(level, tag)
                && let Some(old) = text(obj, tag)
            {
                obj.put(DataElement::new(
                    tag,
                    VR::UI,
                    PrimitiveValue::from(uids.new_uid(level, &old)),
                ));
            }
        }
        self.map_references(obj, uids, 0)?;
        self.fix_charset(obj);
        Ok(())
    }

    /// Orthanc's anonymization: the profile (its U renews every UID, references included,
    /// through one map), the patient's new PatientID and PatientName, then the user's removals
    /// and replacements. No identifier is mapped again afterwards.
    fn anonymize(
        &self,
        obj: &mut InMemDicomObject,
        uids: &UidMap,
        profile: Profile,
        options: &anonymize::Options,
    ) -> Result<(), ModifyError> {
        let old_patient = text(obj, tags::PATIENT_ID).unwrap_or_default();
        // An identifier the user sets (Force) is what references to its old value become too,
        // so that they keep pointing at this study, series or instance.
        let forced: Vec<(String, String)> = [
            tags::STUDY_INSTANCE_UID,
            tags::SERIES_INSTANCE_UID,
            tags::SOP_INSTANCE_UID,
        ]
        .into_iter()
        .filter_map(|tag| Some((text(obj, tag)?, self.replaced(tag)?)))
        .collect();
        anonymize::apply(obj, profile, options, &mut |old| {
            let clean = old.trim_matches([' ', '\0']);
            forced
                .iter()
                .find(|(from, _)| from == clean)
                .map(|(_, to)| to.clone())
                .unwrap_or_else(|| uids.anonymized_uid(old))
        })
        .map_err(|e| ModifyError::Apply(e.to_string()))?;
        let (patient_id, patient_name) = uids.anonymized_patient(&old_patient);
        for (tag, vr, value) in [
            (tags::PATIENT_ID, VR::LO, patient_id),
            (tags::PATIENT_NAME, VR::PN, patient_name),
        ] {
            if !options.keep.contains(&tag) {
                obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
            }
        }
        for tag in &self.remove {
            obj.remove_element(*tag);
        }
        for r in &self.replace {
            obj.put(r.to_element());
        }
        self.fix_charset(obj);
        Ok(())
    }

    /// A character set that holds the data set's text once replaced.
    fn fix_charset(&self, obj: &mut InMemDicomObject) {
        if self.replace.iter().any(|r| r.non_ascii) || !writable_charset(obj) {
            // The data set's text was decoded when it was read; UTF-8 holds all of it.
            if !self.fixes(tags::SPECIFIC_CHARACTER_SET) {
                obj.put(DataElement::new(
                    tags::SPECIFIC_CHARACTER_SET,
                    VR::CS,
                    PrimitiveValue::from(UTF8),
                ));
            }
        }
    }

    /// Whether the identifier `tag` of `level` gets a new UID: the modification's level is at
    /// or above it (a series modify keeps the study), and the request does not set it.
    fn renews(&self, level: Level, tag: Tag) -> bool {
        self.level <= level && !self.fixes(tag)
    }

    /// Maps, inside every sequence, the Study/Series/SOP Instance UIDs and
    /// ReferencedSOPInstanceUIDs that point into the job's sources and are renewed.
    fn map_references(
        &self,
        obj: &mut InMemDicomObject,
        uids: &UidMap,
        depth: usize,
    ) -> Result<(), ModifyError> {
        if depth > MAX_DEPTH {
            return Err(ModifyError::Apply(format!(
                "sequences nest deeper than {MAX_DEPTH} levels"
            )));
        }
        if depth > 0 {
            for (tag, level, renewed) in [
                (
                    tags::STUDY_INSTANCE_UID,
                    Level::Study,
                    self.renews(Level::Study, tags::STUDY_INSTANCE_UID),
                ),
                (
                    tags::SERIES_INSTANCE_UID,
                    Level::Series,
                    self.renews(Level::Series, tags::SERIES_INSTANCE_UID),
                ),
                (
                    tags::SOP_INSTANCE_UID,
                    Level::Instance,
                    self.renews(Level::Instance, tags::SOP_INSTANCE_UID),
                ),
                (
                    tags::REFERENCED_SOP_INSTANCE_UID,
                    Level::Instance,
                    self.renews(Level::Instance, tags::SOP_INSTANCE_UID),
                ),
            ] {
                if !renewed {
                    continue;
                }
                if let Some(old) = text(obj, tag)
                    && uids.is_source(level, &old)
                {
                    obj.put(DataElement::new(
                        tag,
                        VR::UI,
                        PrimitiveValue::from(uids.new_uid(level, &old)),
                    ));
                }
            }
        }
        let sequences: Vec<Tag> = obj
            .iter()
            .filter(|e| matches!(e.value(), Value::Sequence(_)))
            .map(|e| e.header().tag)
            .collect();
        let mut result = Ok(());
        for tag in sequences {
            obj.update_value(tag, |v| {
                if let Some(items) = v.items_mut() {
                    for item in items.iter_mut() {
                        if result.is_ok() {
                            result = self.map_references(item, uids, depth + 1);
                        }
                    }
                }
            });
            if result.is_err() {
                break;
            }
        }
        result
    }
}

/// The text of an element, padding removed; None when absent or empty.
fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let v = obj.get(tag)?.value().to_str().ok()?;
    let v = v.trim_end_matches([' ', '\0']);
    (!v.is_empty()).then(|| v.to_string())
}

/// Removes private elements (odd groups), inside sequences too.
fn remove_private(obj: &mut InMemDicomObject, depth: usize) -> Result<(), ModifyError> {
    if depth > MAX_DEPTH {
        return Err(ModifyError::Apply(format!(
            "sequences nest deeper than {MAX_DEPTH} levels"
        )));
    }
    obj.retain(|e| e.header().tag.group() % 2 == 0);
    let sequences: Vec<Tag> = obj
        .iter()
        .filter(|e| matches!(e.value(), Value::Sequence(_)))
        .map(|e| e.header().tag)
        .collect();
    let mut result = Ok(());
    for tag in sequences {
        obj.update_value(tag, |v| {
            if let Some(items) = v.items_mut() {
                for item in items.iter_mut() {
                    if result.is_ok() {
                        result = remove_private(item, depth + 1);
                    }
                }
            }
        });
        if result.is_err() {
            break;
        }
    }
    result
}

/// Whether dicom-encoding can write text in the data set's (0008,0005) (an absent one is the
/// default repertoire, which it can).
fn writable_charset(obj: &InMemDicomObject) -> bool {
    let Some(e) = obj.get(tags::SPECIFIC_CHARACTER_SET) else {
        return true;
    };
    e.value().to_str().is_ok_and(|v| {
        let first = v.split('\\').next().unwrap_or("");
        v.split('\\').count() <= 1
            && dicom_encoding::text::SpecificCharacterSet::from_code(
                first.trim_matches([' ', '\0']),
            )
            .is_some()
    })
}

/// Serialises a modified file (Part 10, in its own transfer syntax).
pub fn write_file(file: &DefaultDicomObject) -> Result<Vec<u8>, ModifyError> {
    let mut out = Vec::new();
    file.write_all(&mut out)
        .map_err(|e| ModifyError::Apply(format!("cannot write the modified file: {e}")))?;
    Ok(out)
}
