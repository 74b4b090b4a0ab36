//! The IMAGE record (the leaf for every SOP class, as Orthanc writes it): the referenced file,
//! its SOP class, instance and transfer syntax, and InstanceNumber.

use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::values::{elem_text, first_valid, valid_is};
use super::{DicomDirWriter, Elem, Level};

impl DicomDirWriter {
    /// The attributes of an IMAGE record; the rank fallback of InstanceNumber counts the
    /// records already under the series.
    pub(super) fn image_record(
        &self,
        dataset: &InMemDicomObject,
        file_id: &[&str],
        sop_class: String,
        sop_instance_uid: &str,
        transfer_syntax: &str,
        series_uid: &str,
    ) -> Vec<Elem> {
        let mut image = vec![elem_text(
            tags::REFERENCED_FILE_ID,
            b"CS",
            file_id.join("\\"),
        )];
        image.push(elem_text(
            tags::REFERENCED_SOP_CLASS_UID_IN_FILE,
            b"UI",
            sop_class,
        ));
        image.push(elem_text(
            tags::REFERENCED_SOP_INSTANCE_UID_IN_FILE,
            b"UI",
            sop_instance_uid.to_string(),
        ));
        image.push(elem_text(
            tags::REFERENCED_TRANSFER_SYNTAX_UID_IN_FILE,
            b"UI",
            transfer_syntax.to_string(),
        ));
        // InstanceNumber is Type 1: Orthanc writes it empty when missing (dciodvfy error);
        // like `dcmmkdir +I`, use ImageIndex or invent the rank within the series instead.
        // A value that is not a valid IS would make the record invalid too.
        let instance_number = first_valid(
            dataset,
            &[tags::INSTANCE_NUMBER, tags::IMAGE_INDEX],
            valid_is,
        )
        .unwrap_or_else(|| {
            let rank = self
                .index
                .get(&(Level::Series, series_uid.to_string()))
                .map_or(0, |&s| self.records[s].children.len());
            (rank + 1).to_string()
        });
        image.push(elem_text(tags::INSTANCE_NUMBER, b"IS", instance_number));
        image
    }
}
