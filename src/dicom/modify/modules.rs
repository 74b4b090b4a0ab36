//! The attributes of the Patient module (PS3.3 C.7.1.1) and the General Study module
//! (PS3.3 C.7.2.1): what a split may replace or remove, and what a merge copies from its target
//! study (Orthanc's `DicomModule_Patient` and `DicomModule_Study`).

use dicom_core::Tag;
use dicom_dictionary_std::tags;

/// Top-level attributes of both modules, sequences included.
pub const PATIENT_AND_STUDY: &[Tag] = &[
    // Patient module
    tags::PATIENT_NAME,
    tags::PATIENT_ID,
    tags::ISSUER_OF_PATIENT_ID,
    tags::TYPE_OF_PATIENT_ID,
    tags::ISSUER_OF_PATIENT_ID_QUALIFIERS_SEQUENCE,
    tags::SOURCE_PATIENT_GROUP_IDENTIFICATION_SEQUENCE,
    tags::GROUP_OF_PATIENTS_IDENTIFICATION_SEQUENCE,
    tags::PATIENT_BIRTH_DATE,
    tags::PATIENT_BIRTH_TIME,
    tags::PATIENT_BIRTH_DATE_IN_ALTERNATIVE_CALENDAR,
    tags::PATIENT_DEATH_DATE_IN_ALTERNATIVE_CALENDAR,
    tags::PATIENT_ALTERNATIVE_CALENDAR,
    tags::PATIENT_SEX,
    tags::QUALITY_CONTROL_SUBJECT,
    tags::STRAIN_DESCRIPTION,
    tags::REFERENCED_PATIENT_PHOTO_SEQUENCE,
    tags::REFERENCED_PATIENT_SEQUENCE,
    Tag(0x0010, 0x1000), // OtherPatientIDs (retired, still written)
    tags::OTHER_PATIENT_I_DS_SEQUENCE,
    tags::OTHER_PATIENT_NAMES,
    Tag(0x0010, 0x2160), // EthnicGroup (retired, still written)
    tags::PATIENT_COMMENTS,
    tags::PATIENT_SPECIES_DESCRIPTION,
    tags::PATIENT_SPECIES_CODE_SEQUENCE,
    tags::PATIENT_BREED_DESCRIPTION,
    tags::PATIENT_BREED_CODE_SEQUENCE,
    tags::BREED_REGISTRATION_SEQUENCE,
    tags::RESPONSIBLE_PERSON,
    tags::RESPONSIBLE_PERSON_ROLE,
    tags::RESPONSIBLE_ORGANIZATION,
    tags::PATIENT_IDENTITY_REMOVED,
    tags::DEIDENTIFICATION_METHOD,
    tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
    // General Study module
    tags::STUDY_INSTANCE_UID,
    tags::STUDY_DATE,
    tags::STUDY_TIME,
    tags::REFERRING_PHYSICIAN_NAME,
    tags::REFERRING_PHYSICIAN_IDENTIFICATION_SEQUENCE,
    tags::CONSULTING_PHYSICIAN_NAME,
    tags::CONSULTING_PHYSICIAN_IDENTIFICATION_SEQUENCE,
    tags::STUDY_ID,
    tags::ACCESSION_NUMBER,
    tags::ISSUER_OF_ACCESSION_NUMBER_SEQUENCE,
    tags::STUDY_DESCRIPTION,
    tags::PHYSICIANS_OF_RECORD,
    tags::PHYSICIANS_OF_RECORD_IDENTIFICATION_SEQUENCE,
    tags::NAME_OF_PHYSICIANS_READING_STUDY,
    tags::PHYSICIANS_READING_STUDY_IDENTIFICATION_SEQUENCE,
    tags::REQUESTING_SERVICE_CODE_SEQUENCE,
    tags::REFERENCED_STUDY_SEQUENCE,
    tags::PROCEDURE_CODE_SEQUENCE,
    tags::REASON_FOR_PERFORMED_PROCEDURE_CODE_SEQUENCE,
];

/// Whether a split may replace or remove `tag`: the two modules without the Study and
/// Series Instance UIDs, which the split makes.
pub fn split_may_change(tag: Tag) -> bool {
    tag != tags::STUDY_INSTANCE_UID && PATIENT_AND_STUDY.contains(&tag)
}
