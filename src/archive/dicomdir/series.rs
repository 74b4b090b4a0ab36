//! The SERIES record: Modality, SeriesInstanceUID, SeriesNumber (and SeriesDescription when
//! extended).

use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::values::{Type, copy, elem_text, first_valid, valid_cs, valid_is};
use super::{DicomDirWriter, Elem, Level};

impl DicomDirWriter {
    /// The attributes of a SERIES record; the rank fallback of SeriesNumber counts the series
    /// already under the study.
    pub(super) fn series_record(
        &self,
        dataset: &InMemDicomObject,
        series_uid: &str,
        study_uid: &str,
    ) -> Vec<Elem> {
        let mut series_elems = Vec::new();
        // Modality is Type 1 too: "OT" (other) rather than Orthanc's empty value.
        let modality =
            first_valid(dataset, &[tags::MODALITY], valid_cs).unwrap_or_else(|| "OT".to_string());
        series_elems.push(elem_text(tags::MODALITY, b"CS", modality));
        if self.extended {
            copy(
                &mut series_elems,
                dataset,
                tags::SERIES_DESCRIPTION,
                b"LO",
                Type::Three,
            );
        }
        series_elems.push(elem_text(
            tags::SERIES_INSTANCE_UID,
            b"UI",
            series_uid.to_string(),
        ));
        // SeriesNumber is Type 1 in a SERIES record: when the source has none, use the rank of
        // the series in its study (as InstanceNumber above).
        let series_number =
            first_valid(dataset, &[tags::SERIES_NUMBER], valid_is).unwrap_or_else(|| {
                let rank = self
                    .index
                    .get(&(Level::Study, study_uid.to_string()))
                    .map_or(0, |&s| self.records[s].children.len());
                (rank + 1).to_string()
            });
        series_elems.push(elem_text(tags::SERIES_NUMBER, b"IS", series_number));
        series_elems
    }
}
