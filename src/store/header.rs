//! Reading what the store indexes from a DICOM file's header, stopping before Pixel Data.

use std::collections::BTreeMap;
use std::io::{Read, Seek};

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::DefaultDicomObject;

use super::ids::{InstanceIds, Level};
use crate::dicom::read::{ReadDicom, part10_prefix, read_dicom};

/// Main DICOM tags by keyword, as Orthanc keeps them per level.
pub type MainTags = BTreeMap<String, String>;

/// The main DICOM tags Orthanc keeps for each level (its 1.10 defaults).
pub fn main_tags_of(level: Level) -> &'static [(Tag, &'static str)] {
    match level {
        Level::Patient => &[
            (tags::PATIENT_NAME, "PatientName"),
            (tags::PATIENT_ID, "PatientID"),
            (tags::PATIENT_BIRTH_DATE, "PatientBirthDate"),
            (tags::PATIENT_SEX, "PatientSex"),
            (Tag(0x0010, 0x1000), "OtherPatientIDs"),
        ],
        Level::Study => &[
            (tags::STUDY_DATE, "StudyDate"),
            (tags::STUDY_TIME, "StudyTime"),
            (tags::STUDY_ID, "StudyID"),
            (tags::STUDY_DESCRIPTION, "StudyDescription"),
            (tags::ACCESSION_NUMBER, "AccessionNumber"),
            (tags::STUDY_INSTANCE_UID, "StudyInstanceUID"),
            (
                tags::REQUESTED_PROCEDURE_DESCRIPTION,
                "RequestedProcedureDescription",
            ),
            (tags::INSTITUTION_NAME, "InstitutionName"),
            (tags::REQUESTING_PHYSICIAN, "RequestingPhysician"),
            (tags::REFERRING_PHYSICIAN_NAME, "ReferringPhysicianName"),
        ],
        Level::Series => &[
            (tags::SERIES_DATE, "SeriesDate"),
            (tags::SERIES_TIME, "SeriesTime"),
            (tags::MODALITY, "Modality"),
            (tags::MANUFACTURER, "Manufacturer"),
            (tags::STATION_NAME, "StationName"),
            (tags::SERIES_DESCRIPTION, "SeriesDescription"),
            (tags::BODY_PART_EXAMINED, "BodyPartExamined"),
            (tags::SEQUENCE_NAME, "SequenceName"),
            (tags::PROTOCOL_NAME, "ProtocolName"),
            (tags::SERIES_NUMBER, "SeriesNumber"),
            (tags::CARDIAC_NUMBER_OF_IMAGES, "CardiacNumberOfImages"),
            (tags::IMAGES_IN_ACQUISITION, "ImagesInAcquisition"),
            (
                tags::NUMBER_OF_TEMPORAL_POSITIONS,
                "NumberOfTemporalPositions",
            ),
            (tags::NUMBER_OF_SLICES, "NumberOfSlices"),
            (tags::NUMBER_OF_TIME_SLICES, "NumberOfTimeSlices"),
            (tags::SERIES_INSTANCE_UID, "SeriesInstanceUID"),
            (tags::IMAGE_ORIENTATION_PATIENT, "ImageOrientationPatient"),
            (tags::SERIES_TYPE, "SeriesType"),
            (tags::OPERATORS_NAME, "OperatorsName"),
            (
                tags::PERFORMED_PROCEDURE_STEP_DESCRIPTION,
                "PerformedProcedureStepDescription",
            ),
            (
                tags::ACQUISITION_DEVICE_PROCESSING_DESCRIPTION,
                "AcquisitionDeviceProcessingDescription",
            ),
            (tags::CONTRAST_BOLUS_AGENT, "ContrastBolusAgent"),
        ],
        Level::Instance => &[
            (tags::INSTANCE_CREATION_DATE, "InstanceCreationDate"),
            (tags::INSTANCE_CREATION_TIME, "InstanceCreationTime"),
            (tags::ACQUISITION_NUMBER, "AcquisitionNumber"),
            (tags::IMAGE_INDEX, "ImageIndex"),
            (tags::INSTANCE_NUMBER, "InstanceNumber"),
            (tags::NUMBER_OF_FRAMES, "NumberOfFrames"),
            (
                tags::TEMPORAL_POSITION_IDENTIFIER,
                "TemporalPositionIdentifier",
            ),
            (tags::SOP_INSTANCE_UID, "SOPInstanceUID"),
            (tags::IMAGE_POSITION_PATIENT, "ImagePositionPatient"),
            (tags::IMAGE_COMMENTS, "ImageComments"),
        ],
    }
}

/// Everything the index needs from one file.
#[derive(Debug, Clone)]
pub struct ParsedHeader {
    pub ids: InstanceIds,
    pub patient: MainTags,
    pub study: MainTags,
    pub series: MainTags,
    pub instance: MainTags,
    pub sop_class: String,
    pub transfer_syntax: String,
    /// Orthanc's IndexInSeries: InstanceNumber, else ImageIndex.
    pub index_in_series: Option<u32>,
    /// What the importer attaches (not read from the file): `store/metadata.rs`.
    pub attached: super::metadata::Attached,
}

impl ParsedHeader {
    pub fn tags(&self, level: Level) -> &MainTags {
        match level {
            Level::Patient => &self.patient,
            Level::Study => &self.study,
            Level::Series => &self.series,
            Level::Instance => &self.instance,
        }
    }
}

/// Opens a DICOM stream (Part 10 with or without the 128-byte preamble, or a bare data set),
/// reading up to Pixel Data. The whole stream is checked first (`crate::dicom::read`).
pub fn open_header(reader: impl Read + Seek) -> Result<DefaultDicomObject, String> {
    open(reader, true).map(|r| r.object)
}

/// Opens a whole DICOM stream, Pixel Data included.
pub fn open_full(reader: impl Read + Seek) -> Result<DefaultDicomObject, String> {
    open(reader, false).map(|r| r.object)
}

fn open(reader: impl Read + Seek, header_only: bool) -> Result<ReadDicom, String> {
    read_dicom(reader, header_only).map_err(|e| e.to_string())
}

/// The string value of an element, trailing padding removed; None when absent. (`get`, not
/// `element_opt`: the latter builds an error, with a captured backtrace, for every absent tag,
/// and that was three quarters of the store's CPU.)
pub fn string_of(obj: &DefaultDicomObject, tag: Tag) -> Option<String> {
    let elem = obj.get(tag)?;
    let value = elem.value().to_str().ok()?;
    Some(value.trim_end_matches(['\0', ' ']).to_string())
}

/// Extracts the IDs and main tags; fails when a UID Orthanc needs is missing.
pub fn parse_header(reader: impl Read + Seek) -> Result<ParsedHeader, String> {
    let read = open(reader, true)?;
    summarize_read(&read)
}

/// [`parse_header`] for the store's import, which keeps only Part 10 files: for a bare data set
/// (no meta group), also the preamble and generated meta group to write in front of it.
pub fn parse_header_for_import(
    reader: impl Read + Seek,
) -> Result<(ParsedHeader, Option<Vec<u8>>), String> {
    let read = open(reader, true)?;
    let header = summarize_read(&read)?;
    let prefix = if read.meta_generated {
        Some(part10_prefix(&read.object).map_err(|e| e.to_string())?)
    } else {
        None
    };
    Ok((header, prefix))
}

/// [`summarize`] of a file as read, minding the elements it carried as UN.
fn summarize_read(read: &ReadDicom) -> Result<ParsedHeader, String> {
    summarize_with(&read.object, &read.un_identifiers)
}

pub fn summarize(obj: &DefaultDicomObject) -> Result<ParsedHeader, String> {
    summarize_with(obj, &[])
}

/// The value an identifier is hashed from. Orthanc trims the padding of a value read by its VR,
/// but of a value the file carried as UN only the NULs that end it: a PatientID `"id11111 "`
/// sent as UN keeps its space in Orthanc's patient ID, and dicomq's IDs must be Orthanc's.
fn id_value(obj: &DefaultDicomObject, tag: Tag, sent_as_un: &[(Tag, Vec<u8>)]) -> Option<String> {
    match sent_as_un.iter().find(|(t, _)| *t == tag) {
        Some((_, bytes)) => Some(
            String::from_utf8_lossy(bytes)
                .trim_end_matches('\0')
                .to_string(),
        ),
        None => string_of(obj, tag),
    }
}

fn summarize_with(
    obj: &DefaultDicomObject,
    sent_as_un: &[(Tag, Vec<u8>)],
) -> Result<ParsedHeader, String> {
    let required = |tag: Tag, name: &str| -> Result<String, String> {
        match id_value(obj, tag, sent_as_un) {
            Some(v) if !v.trim_end_matches(' ').is_empty() => Ok(v),
            _ => Err(format!("missing {name}")),
        }
    };
    let patient_id = id_value(obj, tags::PATIENT_ID, sent_as_un).unwrap_or_default();
    let study_uid = required(tags::STUDY_INSTANCE_UID, "StudyInstanceUID")?;
    let series_uid = required(tags::SERIES_INSTANCE_UID, "SeriesInstanceUID")?;
    let sop_uid = required(tags::SOP_INSTANCE_UID, "SOPInstanceUID")?;
    let ids = InstanceIds::compute(&patient_id, &study_uid, &series_uid, &sop_uid);
    let collect = |level: Level| -> MainTags {
        main_tags_of(level)
            .iter()
            .filter_map(|(tag, name)| string_of(obj, *tag).map(|v| (name.to_string(), v)))
            .collect()
    };
    let instance = collect(Level::Instance);
    let parse_index = |key: &str| instance.get(key).and_then(|v| v.trim().parse::<u32>().ok());
    let index_in_series = parse_index("InstanceNumber").or_else(|| parse_index("ImageIndex"));
    let sop_class = string_of(obj, tags::SOP_CLASS_UID)
        .unwrap_or_else(|| obj.meta().media_storage_sop_class_uid().to_string());
    Ok(ParsedHeader {
        ids,
        patient: collect(Level::Patient),
        study: collect(Level::Study),
        series: collect(Level::Series),
        instance,
        sop_class: sop_class.trim_end_matches('\0').to_string(),
        transfer_syntax: obj
            .meta()
            .transfer_syntax()
            .trim_end_matches('\0')
            .to_string(),
        index_in_series,
        attached: Default::default(),
    })
}
