//! The PATIENT record: PatientName and PatientID (a placeholder when the source has none).

use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

use super::Elem;
use super::values::{Type, copy, elem_text, fit_length, text};

/// The attributes of a PATIENT record.
pub(super) fn patient_record(dataset: &InMemDicomObject) -> Vec<Elem> {
    let mut patient_elems = Vec::new();
    copy(
        &mut patient_elems,
        dataset,
        tags::PATIENT_NAME,
        b"PN",
        Type::Two,
    );
    // PatientID is Type 1 in a PATIENT record: a source without one (Orthanc accepts them,
    // issue #124) gets a placeholder instead of an invalid record.
    let patient_id = text(dataset, tags::PATIENT_ID).unwrap_or_else(|| "UNKNOWN".to_string());
    patient_elems.push(elem_text(
        tags::PATIENT_ID,
        b"LO",
        fit_length(b"LO", patient_id.replace('\\', "/")),
    ));
    patient_elems
}
