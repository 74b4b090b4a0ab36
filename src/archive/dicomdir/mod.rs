//! DICOMDIR (Basic Directory IOD) writer for media archives, following Orthanc's
//! `DicomDirWriter` (`FW/DicomParsing/DicomDirWriter.cpp`), with one deliberate difference:
//! **non-ASCII values are kept**, encoded in a Specific Character Set declared in the records
//! that need it and at the top (Orthanc copies the attribute but strips the characters).
//!
//! Records: PATIENT -> STUDY -> SERIES -> IMAGE (IMAGE for every SOP class, as Orthanc),
//! de-duplicated by (level, key) with keys PatientID (missing = ""), StudyInstanceUID,
//! SeriesInstanceUID and SOPInstanceUID. A second file with an already-seen SOPInstanceUID gets
//! no record.
//!
//! Type 1 keys the source lacks (or holds with a value invalid for the record's VR) get a
//! placeholder instead of making the record invalid: StudyDate/Time from the series,
//! acquisition or content values or now, StudyID invented (`DICOMQSTUDY00000`, like
//! `dcmgpdir +I`), Modality `OT`, SeriesNumber and InstanceNumber the rank, PatientID `UNKNOWN`.
//! Only an instance without SOPClassUID (and MediaStorageSOPClassUID) or one of the UIDs is
//! refused, naming it.
//!
//! The file is encoded by hand in Explicit VR Little Endian, like DCMTK's `DcmDicomDir`:
//! sequence and items of undefined length, no group lengths. Because every record is encoded
//! before anything is written, the offsets ((0004,1200), (0004,1202), (0004,1400),
//! (0004,1420)) are exact by construction: each is the byte position, from the start of the
//! file (preamble included), of the `(FFFE,E000)` tag of the item it designates.
//!
//! Charset rule per record: the source's (0008,0005) is copied when it can encode the record's
//! text (encoded with dicom-encoding and read back the same by `src/dicom/charset`). If it
//! cannot (unknown or ISO 2022 code extensions that dicom-encoding does not support, a
//! character outside the DICOM set, or a source without SCS holding non-ASCII text), the record
//! is written in UTF-8 with `ISO_IR 192`, so text is never lost nor mis-encoded.
//!
//! Charset rule per file: the records with non-ASCII text share one set, declared in each of
//! them and in the main data set's (0008,0005) (DCMTK's `dcm2xml` refuses a DICOMDIR whose main
//! data set lacks it, and writes the whole file in that one encoding): their own when they all
//! agree (a Latin-1 file set stays Latin-1), else `ISO_IR 192` for all of them (ASCII, Latin-1
//! and Latin-2 sources make a UTF-8 DICOMDIR). ASCII-only file sets declare nothing at the top,
//! and their bytes are as before. dciodvfy warns that the top-level (0008,0005) is not in the
//! Basic Directory IOD (a warning, not an error).

//!
//! Files: one builder per record level (`patient.rs`, `study.rs`, `series.rs`, `image.rs`),
//! the structure and offsets writer (`encode.rs`), the record charset (`charset.rs`), source
//! values and their checks (`values.rs`), tests (`tests.rs`).

use std::collections::HashMap;

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::meta::FileMetaTable;
use dicom_object::{FileDicomObject, InMemDicomObject};

mod charset;
mod encode;
mod image;
mod patient;
mod series;
mod study;
#[cfg(test)]
mod tests;
mod values;

use patient::patient_record;
use values::{text, trim_uid};

/// File-set ID written in (0004,1130) by default (Orthanc writes `ORTHANC_MEDIA`).
pub const DEFAULT_FILE_SET_ID: &str = "DICOMQ_MEDIA";
/// Media Storage Directory Storage.
pub const MEDIA_STORAGE_DIRECTORY_SOP_CLASS: &str = "1.2.840.10008.1.3.10";
/// Implementation Class UID of dicomq (a fixed `2.25` UUID-derived UID).
pub const IMPLEMENTATION_CLASS_UID: &str = "2.25.24019546477995554241560240231221605223";
/// Implementation Version Name of dicomq.
pub const IMPLEMENTATION_VERSION_NAME: &str = "DICOMQ_0_1";
const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";

/// Errors of [`DicomDirWriter`].
#[derive(Debug, thiserror::Error)]
pub enum DicomDirError {
    /// A required UID is missing from an instance (Orthanc: BadFileFormat).
    #[error("{file_id} ({}): no {missing}", sop_label(.sop_instance_uid.as_deref()))]
    MissingUid {
        /// ReferencedFileID of the instance, with `\` separators.
        file_id: String,
        /// Its SOP Instance UID, if known.
        sop_instance_uid: Option<String>,
        /// What is missing, as the user should read it.
        missing: &'static str,
    },
    /// Invalid ReferencedFileID or File-set ID.
    #[error("invalid {what}: {value:?}")]
    InvalidId {
        /// What is invalid.
        what: &'static str,
        /// The value.
        value: String,
    },
    /// A value does not fit in a short-form element.
    #[error("value of {tag} is too long ({len} bytes)")]
    ValueTooLong {
        /// The tag.
        tag: Tag,
        /// Encoded length.
        len: usize,
    },
    /// The file meta group could not be built.
    #[error("file meta group: {0}")]
    Meta(String),
    /// Writing failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

fn sop_label(uid: Option<&str>) -> String {
    match uid {
        Some(uid) => format!("SOPInstanceUID {uid}"),
        None => "no SOPInstanceUID".to_string(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Level {
    Patient,
    Study,
    Series,
    Image,
}

impl Level {
    fn record_type(self) -> &'static str {
        match self {
            Level::Patient => "PATIENT",
            Level::Study => "STUDY",
            Level::Series => "SERIES",
            Level::Image => "IMAGE",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    /// Text; multiple values joined with `\`.
    Text(String),
}

#[derive(Debug, Clone)]
struct Elem {
    tag: Tag,
    vr: [u8; 2],
    value: Value,
}

#[derive(Debug, Clone)]
struct Record {
    level: Level,
    /// Attributes after (0004,1430), in ascending tag order, SCS excluded.
    elements: Vec<Elem>,
    /// (0008,0005) as found in the source, if present with a value.
    charset: Option<String>,
    children: Vec<usize>,
}

/// Builds a DICOMDIR from the instances of a media archive.
#[derive(Debug, Clone)]
pub struct DicomDirWriter {
    extended: bool,
    file_set_id: String,
    records: Vec<Record>,
    /// PATIENT records, in order of creation.
    roots: Vec<usize>,
    index: HashMap<(Level, String), usize>,
    media_sop_instance_uid: Option<String>,
    /// StudyIDs invented so far (for sources without a usable one).
    invented_study_ids: u32,
}

impl DicomDirWriter {
    /// A new, empty DICOMDIR. `extended` adds SeriesDescription to SERIES records.
    pub fn new(extended: bool) -> Self {
        Self {
            extended,
            file_set_id: DEFAULT_FILE_SET_ID.to_string(),
            records: Vec::new(),
            roots: Vec::new(),
            index: HashMap::new(),
            media_sop_instance_uid: None,
            invented_study_ids: 0,
        }
    }

    /// Sets the File-set ID (CS, up to 16 characters among `A-Z 0-9 _` and space).
    pub fn set_file_set_id(&mut self, id: &str) -> Result<(), DicomDirError> {
        let ok = id.len() <= 16
            && id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b' ');
        if !ok {
            return Err(DicomDirError::InvalidId {
                what: "File-set ID",
                value: id.to_string(),
            });
        }
        self.file_set_id = id.to_string();
        Ok(())
    }

    /// Sets the Media Storage SOP Instance UID of the DICOMDIR (default: a new `2.25` UID).
    pub fn set_media_sop_instance_uid(&mut self, uid: &str) {
        self.media_sop_instance_uid = Some(uid.to_string());
    }

    /// Number of IMAGE records.
    pub fn image_count(&self) -> usize {
        self.records
            .iter()
            .filter(|r| r.level == Level::Image)
            .count()
    }

    /// Adds a parsed file (its pixel data need not be loaded). See [`Self::add_dataset`].
    pub fn add_instance(
        &mut self,
        file: &FileDicomObject<InMemDicomObject>,
        file_id: &[&str],
    ) -> Result<bool, DicomDirError> {
        self.add_dataset(file.meta(), file, file_id)
    }

    /// Adds an instance referenced as `file_id` (e.g. `["IMAGES", "IM0"]`).
    ///
    /// Returns `false` when its SOPInstanceUID already has a record (nothing is added).
    /// Fails, naming the instance, if SOPClassUID, SOPInstanceUID, TransferSyntaxUID,
    /// StudyInstanceUID or SeriesInstanceUID is missing.
    pub fn add_dataset(
        &mut self,
        meta: &FileMetaTable,
        dataset: &InMemDicomObject,
        file_id: &[&str],
    ) -> Result<bool, DicomDirError> {
        let file_id_text = file_id.join("\\");
        let valid_component = |c: &&str| {
            !c.is_empty()
                && c.len() <= 8
                && c.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        };
        if file_id.is_empty() || file_id.len() > 8 || !file_id.iter().all(valid_component) {
            return Err(DicomDirError::InvalidId {
                what: "ReferencedFileID",
                value: file_id_text,
            });
        }

        let sop_instance = text(dataset, tags::SOP_INSTANCE_UID);
        let missing = |what: &'static str| DicomDirError::MissingUid {
            file_id: file_id_text.clone(),
            sop_instance_uid: sop_instance.clone(),
            missing: what,
        };
        // ReferencedSOPClassUIDInFile: the data set's SOPClassUID, else the meta header's
        // MediaStorageSOPClassUID (where Orthanc takes it from); without either the record
        // cannot be written.
        let sop_class = text(dataset, tags::SOP_CLASS_UID)
            .or_else(|| {
                let uid = trim_uid(meta.media_storage_sop_class_uid());
                (!uid.is_empty()).then(|| uid.to_string())
            })
            .ok_or_else(|| {
                missing(
                    "SOPClassUID in the data set nor MediaStorageSOPClassUID in the meta header",
                )
            })?;
        let sop_instance_uid = sop_instance
            .clone()
            .ok_or_else(|| missing("SOPInstanceUID"))?;
        let transfer_syntax = trim_uid(meta.transfer_syntax());
        if transfer_syntax.is_empty() {
            return Err(missing("TransferSyntaxUID"));
        }
        let study_uid =
            text(dataset, tags::STUDY_INSTANCE_UID).ok_or_else(|| missing("StudyInstanceUID"))?;
        let series_uid =
            text(dataset, tags::SERIES_INSTANCE_UID).ok_or_else(|| missing("SeriesInstanceUID"))?;

        if self
            .index
            .contains_key(&(Level::Image, sop_instance_uid.clone()))
        {
            return Ok(false);
        }
        let charset = text(dataset, tags::SPECIFIC_CHARACTER_SET);

        let image = self.image_record(
            dataset,
            file_id,
            sop_class,
            &sop_instance_uid,
            transfer_syntax,
            &series_uid,
        );
        let image = self.push(Level::Image, image, charset.clone());
        self.index.insert((Level::Image, sop_instance_uid), image);

        if let Some(&series) = self.index.get(&(Level::Series, series_uid.clone())) {
            self.records[series].children.push(image);
            return Ok(true);
        }
        let series_elems = self.series_record(dataset, &series_uid, &study_uid);
        let series = self.push(Level::Series, series_elems, charset.clone());
        self.records[series].children.push(image);
        self.index.insert((Level::Series, series_uid), series);

        if let Some(&study) = self.index.get(&(Level::Study, study_uid.clone())) {
            self.records[study].children.push(series);
            return Ok(true);
        }
        let study_elems = self.study_record(dataset, &study_uid);
        let study = self.push(Level::Study, study_elems, charset.clone());
        self.records[study].children.push(series);
        self.index.insert((Level::Study, study_uid), study);

        let patient_key = text(dataset, tags::PATIENT_ID).unwrap_or_default();
        if let Some(&patient) = self.index.get(&(Level::Patient, patient_key.clone())) {
            self.records[patient].children.push(study);
            return Ok(true);
        }
        let patient_elems = patient_record(dataset);
        let patient = self.push(Level::Patient, patient_elems, charset);
        self.records[patient].children.push(study);
        self.index.insert((Level::Patient, patient_key), patient);
        self.roots.push(patient);
        Ok(true)
    }

    fn push(&mut self, level: Level, mut elements: Vec<Elem>, charset: Option<String>) -> usize {
        elements.sort_by_key(|e| e.tag);
        self.records.push(Record {
            level,
            elements,
            charset,
            children: Vec::new(),
        });
        self.records.len() - 1
    }
}
