//! The STUDY record: date and time, AccessionNumber, StudyDescription, StudyInstanceUID and
//! StudyID, with placeholders for the Type 1 keys a source lacks.

use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::values::{Type, copy, elem_text, first_valid, valid_da, valid_sh, valid_tm};
use super::{DicomDirWriter, Elem};

impl DicomDirWriter {
    /// The attributes of a STUDY record; an invented StudyID advances the writer's counter.
    pub(super) fn study_record(
        &mut self,
        dataset: &InMemDicomObject,
        study_uid: &str,
    ) -> Vec<Elem> {
        // StudyDate and StudyTime are Type 1: the first valid of the study, series, acquisition
        // and content values, else now (what Orthanc and DCMTK's dcmgpdir write).
        let now = chrono::Utc::now();
        let date = first_valid(
            dataset,
            &[
                tags::STUDY_DATE,
                tags::SERIES_DATE,
                tags::ACQUISITION_DATE,
                tags::CONTENT_DATE,
            ],
            valid_da,
        )
        .unwrap_or_else(|| now.format("%Y%m%d").to_string());
        let time = first_valid(
            dataset,
            &[
                tags::STUDY_TIME,
                tags::SERIES_TIME,
                tags::ACQUISITION_TIME,
                tags::CONTENT_TIME,
            ],
            valid_tm,
        )
        .unwrap_or_else(|| now.format("%H%M%S").to_string());
        let mut study_elems = vec![
            elem_text(tags::STUDY_DATE, b"DA", date),
            elem_text(tags::STUDY_TIME, b"TM", time),
        ];
        copy(
            &mut study_elems,
            dataset,
            tags::ACCESSION_NUMBER,
            b"SH",
            Type::Two,
        );
        copy(
            &mut study_elems,
            dataset,
            tags::STUDY_DESCRIPTION,
            b"LO",
            Type::Two,
        );
        study_elems.push(elem_text(
            tags::STUDY_INSTANCE_UID,
            b"UI",
            study_uid.to_string(),
        ));
        // StudyID is Type 1 in a STUDY record (Orthanc leaves it out when the source has none,
        // a dciodvfy error): invent one the way `dcmgpdir +I` does (DCMTKSTUDY000000, ...).
        let study_id = first_valid(dataset, &[tags::STUDY_ID], valid_sh).unwrap_or_else(|| {
            let id = format!("DICOMQSTUDY{:05}", self.invented_study_ids % 100_000);
            self.invented_study_ids += 1;
            id
        });
        study_elems.push(elem_text(tags::STUDY_ID, b"SH", study_id));
        study_elems
    }
}
