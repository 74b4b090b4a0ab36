//! DICOMDIR (Basic Directory IOD) writer for media archives, following Orthanc's
//! `DicomDirWriter` (`FW/DicomParsing/DicomDirWriter.cpp`), with one deliberate difference:
//! **non-ASCII values are kept**, encoded in the source's Specific Character Set, which is
//! copied into every record (Orthanc copies the attribute but strips the characters).
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

use std::collections::HashMap;
use std::io::Write;

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_encoding::text::{SpecificCharacterSet, TextCodec};
use dicom_object::meta::{FileMetaTable, FileMetaTableBuilder};
use dicom_object::{FileDicomObject, InMemDicomObject};

use crate::dicom::charset::{CharacterSets, TextKind};

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
            sop_instance_uid.clone(),
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
                .get(&(Level::Series, series_uid.clone()))
                .map_or(0, |&s| self.records[s].children.len());
            (rank + 1).to_string()
        });
        image.push(elem_text(tags::INSTANCE_NUMBER, b"IS", instance_number));
        let image = self.push(Level::Image, image, charset.clone());
        self.index.insert((Level::Image, sop_instance_uid), image);

        if let Some(&series) = self.index.get(&(Level::Series, series_uid.clone())) {
            self.records[series].children.push(image);
            return Ok(true);
        }
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
            series_uid.clone(),
        ));
        // SeriesNumber is Type 1 in a SERIES record: when the source has none, use the rank of
        // the series in its study (as InstanceNumber above).
        let series_number =
            first_valid(dataset, &[tags::SERIES_NUMBER], valid_is).unwrap_or_else(|| {
                let rank = self
                    .index
                    .get(&(Level::Study, study_uid.clone()))
                    .map_or(0, |&s| self.records[s].children.len());
                (rank + 1).to_string()
            });
        series_elems.push(elem_text(tags::SERIES_NUMBER, b"IS", series_number));
        let series = self.push(Level::Series, series_elems, charset.clone());
        self.records[series].children.push(image);
        self.index.insert((Level::Series, series_uid), series);

        if let Some(&study) = self.index.get(&(Level::Study, study_uid.clone())) {
            self.records[study].children.push(series);
            return Ok(true);
        }
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
            study_uid.clone(),
        ));
        // StudyID is Type 1 in a STUDY record (Orthanc leaves it out when the source has none,
        // a dciodvfy error): invent one the way `dcmgpdir +I` does (DCMTKSTUDY000000, ...).
        let study_id = first_valid(dataset, &[tags::STUDY_ID], valid_sh).unwrap_or_else(|| {
            let id = format!("DICOMQSTUDY{:05}", self.invented_study_ids % 100_000);
            self.invented_study_ids += 1;
            id
        });
        study_elems.push(elem_text(tags::STUDY_ID, b"SH", study_id));
        let study = self.push(Level::Study, study_elems, charset.clone());
        self.records[study].children.push(series);
        self.index.insert((Level::Study, study_uid), study);

        let patient_key = text(dataset, tags::PATIENT_ID).unwrap_or_default();
        if let Some(&patient) = self.index.get(&(Level::Patient, patient_key.clone())) {
            self.records[patient].children.push(study);
            return Ok(true);
        }
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

    /// Encodes the DICOMDIR file (preamble, `DICM`, meta group, data set).
    pub fn to_bytes(&self) -> Result<Vec<u8>, DicomDirError> {
        let meta = self.meta_bytes()?;
        let header_len = 128 + 4 + meta.len();

        // Depth-first order of the records, as DCMTK writes them.
        let mut order = Vec::with_capacity(self.records.len());
        let mut stack: Vec<usize> = self.roots.iter().rev().copied().collect();
        while let Some(r) = stack.pop() {
            order.push(r);
            stack.extend(self.records[r].children.iter().rev().copied());
        }

        // Encode every record once with zero offsets to learn its size (offsets are fixed-size).
        let zero = vec![0u64; self.records.len()];
        let mut sizes = vec![0u64; self.records.len()];
        for &r in &order {
            sizes[r] = self.encode_record(r, &zero, &zero)?.len() as u64;
        }

        let mut root = Vec::new();
        put_text(
            &mut root,
            tags::FILE_SET_ID,
            b"CS",
            &self.file_set_id,
            &Codec::Ascii,
        )?;
        let root_fixed = root.len() as u64 + 12 + 12 + 10 + 12; // 2 UL, 1 US, SQ header
        let mut offsets = vec![0u64; self.records.len()];
        let mut pos = header_len as u64 + root_fixed;
        for &r in &order {
            offsets[r] = pos;
            pos += sizes[r];
        }
        let to_u32 = |v: u64| {
            u32::try_from(v).map_err(|_| DicomDirError::ValueTooLong {
                tag: tags::DIRECTORY_RECORD_SEQUENCE,
                len: usize::try_from(v).unwrap_or(usize::MAX),
            })
        };
        let first = self.roots.first().map_or(0, |&r| offsets[r]);
        let last = self.roots.last().map_or(0, |&r| offsets[r]);

        // next sibling and first child, per record
        let mut next = vec![0u64; self.records.len()];
        let mut lower = vec![0u64; self.records.len()];
        let mut link = |siblings: &[usize]| {
            for w in siblings.windows(2) {
                next[w[0]] = offsets[w[1]];
            }
        };
        link(&self.roots);
        for (i, rec) in self.records.iter().enumerate() {
            link(&rec.children);
            lower[i] = rec.children.first().map_or(0, |&c| offsets[c]);
        }

        let mut out = Vec::with_capacity(usize::try_from(pos + 8).unwrap_or(0));
        out.extend_from_slice(&[0u8; 128]);
        out.extend_from_slice(b"DICM");
        out.extend_from_slice(&meta);
        out.extend_from_slice(&root);
        put_ul(
            &mut out,
            tags::OFFSET_OF_THE_FIRST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY,
            to_u32(first)?,
        );
        put_ul(
            &mut out,
            tags::OFFSET_OF_THE_LAST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY,
            to_u32(last)?,
        );
        put_us(&mut out, tags::FILE_SET_CONSISTENCY_FLAG, 0);
        put_tag(&mut out, tags::DIRECTORY_RECORD_SEQUENCE);
        out.extend_from_slice(b"SQ\0\0");
        out.extend_from_slice(&u32::MAX.to_le_bytes());
        for &r in &order {
            debug_assert_eq!(out.len() as u64, offsets[r]);
            let bytes = self.encode_record(r, &next, &lower)?;
            out.extend_from_slice(&bytes);
        }
        put_tag(&mut out, Tag(0xFFFE, 0xE0DD));
        out.extend_from_slice(&0u32.to_le_bytes());
        to_u32(out.len() as u64)?;
        Ok(out)
    }

    /// Writes the DICOMDIR file to `w`.
    pub fn write<W: Write>(&self, w: &mut W) -> Result<(), DicomDirError> {
        w.write_all(&self.to_bytes()?)?;
        Ok(())
    }

    fn meta_bytes(&self) -> Result<Vec<u8>, DicomDirError> {
        let uid = self
            .media_sop_instance_uid
            .clone()
            .unwrap_or_else(|| format!("2.25.{}", uuid::Uuid::new_v4().as_u128()));
        let meta = FileMetaTableBuilder::new()
            .media_storage_sop_class_uid(MEDIA_STORAGE_DIRECTORY_SOP_CLASS)
            .media_storage_sop_instance_uid(uid)
            .transfer_syntax(EXPLICIT_VR_LE)
            .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
            .implementation_version_name(IMPLEMENTATION_VERSION_NAME)
            .build()
            .map_err(|e| DicomDirError::Meta(e.to_string()))?;
        let mut out = Vec::new();
        meta.write(&mut out)
            .map_err(|e| DicomDirError::Meta(e.to_string()))?;
        Ok(out)
    }

    /// One item: header, record attributes, item delimiter.
    fn encode_record(
        &self,
        r: usize,
        next: &[u64],
        lower: &[u64],
    ) -> Result<Vec<u8>, DicomDirError> {
        let rec = &self.records[r];
        let to_u32 = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        let mut out = Vec::with_capacity(256);
        put_tag(&mut out, Tag(0xFFFE, 0xE000));
        out.extend_from_slice(&u32::MAX.to_le_bytes());
        put_ul(
            &mut out,
            tags::OFFSET_OF_THE_NEXT_DIRECTORY_RECORD,
            to_u32(next[r]),
        );
        put_us(&mut out, tags::RECORD_IN_USE_FLAG, 0xFFFF);
        put_ul(
            &mut out,
            tags::OFFSET_OF_REFERENCED_LOWER_LEVEL_DIRECTORY_ENTITY,
            to_u32(lower[r]),
        );
        put_text(
            &mut out,
            tags::DIRECTORY_RECORD_TYPE,
            b"CS",
            rec.level.record_type(),
            &Codec::Ascii,
        )?;
        let (charset, codec) = record_charset(rec);
        let mut scs_written = charset.is_none();
        for e in &rec.elements {
            if !scs_written && e.tag > tags::SPECIFIC_CHARACTER_SET {
                if let Some(cs) = &charset {
                    put_text(
                        &mut out,
                        tags::SPECIFIC_CHARACTER_SET,
                        b"CS",
                        cs,
                        &Codec::Ascii,
                    )?;
                }
                scs_written = true;
            }
            let Value::Text(v) = &e.value;
            let c = if uses_charset(&e.vr) {
                &codec
            } else {
                &Codec::Ascii
            };
            put_text(&mut out, e.tag, &e.vr, v, c)?;
        }
        if !scs_written {
            if let Some(cs) = &charset {
                put_text(
                    &mut out,
                    tags::SPECIFIC_CHARACTER_SET,
                    b"CS",
                    cs,
                    &Codec::Ascii,
                )?;
            }
        }
        put_tag(&mut out, Tag(0xFFFE, 0xE00D));
        out.extend_from_slice(&0u32.to_le_bytes());
        Ok(out)
    }
}

enum Codec {
    /// Bytes as they are (ASCII text, or UTF-8 for ISO_IR 192).
    Ascii,
    Charset(SpecificCharacterSet),
}

impl Codec {
    fn encode(&self, s: &str) -> Option<Vec<u8>> {
        match self {
            Codec::Ascii => Some(s.as_bytes().to_vec()),
            Codec::Charset(cs) => cs.encode(s).ok(),
        }
    }
}

fn uses_charset(vr: &[u8; 2]) -> bool {
    matches!(vr, b"PN" | b"LO" | b"SH" | b"ST" | b"LT" | b"UT" | b"UC")
}

/// The (0008,0005) value to write for a record and the codec for its text.
fn record_charset(rec: &Record) -> (Option<String>, Codec) {
    let texts: Vec<&str> = rec
        .elements
        .iter()
        .filter(|e| uses_charset(&e.vr))
        .map(|e| {
            let Value::Text(v) = &e.value;
            v.as_str()
        })
        .collect();
    if texts.iter().all(|t| t.is_ascii()) {
        return (rec.charset.clone(), Codec::Ascii);
    }
    if let Some(cs) = &rec.charset {
        if !cs.contains('\\') {
            if let Some(codec) = SpecificCharacterSet::from_code(cs.trim()) {
                // Kept only when the bytes read back as the same text: dicom-encoding's code
                // pages are wider than some DICOM sets (UHC for ISO 2022 IR 149).
                let sets = CharacterSets::from_value(cs);
                let round_trips = |t: &str| {
                    codec
                        .encode(t)
                        .is_ok_and(|b| sets.decode(&b, TextKind::Text) == t)
                };
                if texts.iter().all(|t| round_trips(t)) {
                    return (Some(cs.clone()), Codec::Charset(codec));
                }
            }
        }
    }
    (Some("ISO_IR 192".to_string()), Codec::Ascii)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Type {
    /// Always present, possibly empty.
    Two,
    /// When present, even empty.
    Three,
}

fn copy(out: &mut Vec<Elem>, ds: &InMemDicomObject, tag: Tag, vr: &[u8; 2], ty: Type) {
    let present = ds.get(tag).is_some();
    let value = text(ds, tag);
    let include = match ty {
        Type::Two => true,
        Type::Three => present,
    };
    if include {
        // Every key copied here has VM 1: a source value with several (`T1\T2`) is joined
        // with `/` so the record stays valid.
        let value = value.unwrap_or_default().replace('\\', "/");
        out.push(elem_text(tag, vr, fit_length(vr, value)));
    }
}

/// A source value longer than its VR allows (seen in the wild) is cut to the maximum, so the
/// record stays valid: 16 characters for SH, 64 for LO and for each component group of PN.
fn fit_length(vr: &[u8; 2], value: String) -> String {
    let cut = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    match vr {
        b"SH" => cut(&value, 16),
        b"LO" => cut(&value, 64),
        b"PN" => value
            .split('=')
            .map(|group| cut(group, 64))
            .collect::<Vec<_>>()
            .join("="),
        _ => value,
    }
}

fn elem_text(tag: Tag, vr: &[u8; 2], value: String) -> Elem {
    Elem {
        tag,
        vr: *vr,
        value: Value::Text(value),
    }
}

/// The element's value as text (multiple values joined by `\`), trimmed; `None` if absent,
/// empty or not textual.
fn text(ds: &InMemDicomObject, tag: Tag) -> Option<String> {
    let e = ds.get(tag)?;
    let s = e.value().to_str().ok()?;
    let s = s.trim_matches(|c: char| c == ' ' || c == '\0');
    (!s.is_empty()).then(|| s.to_string())
}

/// The first of `tags` whose value is `valid` for the record's VR.
fn first_valid(ds: &InMemDicomObject, tags: &[Tag], valid: fn(&str) -> bool) -> Option<String> {
    tags.iter().filter_map(|&t| text(ds, t)).find(|v| valid(v))
}

/// DA: `YYYYMMDD`, a plausible month and day.
fn valid_da(v: &str) -> bool {
    let num = |r: std::ops::Range<usize>| v.get(r).and_then(|d| d.parse::<u32>().ok());
    v.len() == 8
        && v.bytes().all(|b| b.is_ascii_digit())
        && num(4..6).is_some_and(|m| (1..=12).contains(&m))
        && num(6..8).is_some_and(|d| (1..=31).contains(&d))
}

/// TM: `HH[MM[SS[.F{1,6}]]]` within range.
fn valid_tm(v: &str) -> bool {
    let (main, frac) = match v.split_once('.') {
        Some((m, f)) => (m, Some(f)),
        None => (v, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let part = |i: usize, max: u32| {
        main.get(i..i + 2)
            .and_then(|p| p.parse::<u32>().ok())
            .is_some_and(|n| n <= max)
    };
    digits(main)
        && matches!(main.len(), 2 | 4 | 6)
        && part(0, 23)
        && (main.len() < 4 || part(2, 59))
        && (main.len() < 6 || part(4, 60))
        && frac.is_none_or(|f| main.len() == 6 && f.len() <= 6 && digits(f))
}

/// IS: an integer of at most 12 characters in the 32-bit signed range.
fn valid_is(v: &str) -> bool {
    v.len() <= 12 && v.parse::<i64>().is_ok_and(|n| i32::try_from(n).is_ok())
}

/// CS: at most 16 characters among `A-Z 0-9 _` and space.
fn valid_cs(v: &str) -> bool {
    v.len() <= 16
        && v.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b' ')
}

/// SH: one value of at most 16 characters, no control characters.
fn valid_sh(v: &str) -> bool {
    v.chars().count() <= 16 && !v.contains('\\') && !v.chars().any(char::is_control)
}

fn trim_uid(uid: &str) -> &str {
    uid.trim_end_matches(['\0', ' '])
}

fn put_tag(out: &mut Vec<u8>, tag: Tag) {
    out.extend_from_slice(&tag.group().to_le_bytes());
    out.extend_from_slice(&tag.element().to_le_bytes());
}

fn put_ul(out: &mut Vec<u8>, tag: Tag, v: u32) {
    put_tag(out, tag);
    out.extend_from_slice(b"UL");
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_us(out: &mut Vec<u8>, tag: Tag, v: u16) {
    put_tag(out, tag);
    out.extend_from_slice(b"US");
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&v.to_le_bytes());
}

/// A short-form explicit VR element with text, padded to even length.
fn put_text(
    out: &mut Vec<u8>,
    tag: Tag,
    vr: &[u8; 2],
    value: &str,
    codec: &Codec,
) -> Result<(), DicomDirError> {
    let mut bytes = codec
        .encode(value)
        .unwrap_or_else(|| value.as_bytes().to_vec());
    if bytes.len() % 2 == 1 {
        bytes.push(if vr == b"UI" { 0 } else { b' ' });
    }
    let len = u16::try_from(bytes.len())
        .ok()
        .filter(|&l| l < u16::MAX)
        .ok_or(DicomDirError::ValueTooLong {
            tag,
            len: bytes.len(),
        })?;
    put_tag(out, tag);
    out.extend_from_slice(vr);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&bytes);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::value::DataSetSequence;
    use dicom_core::{DataElement, PrimitiveValue, VR};
    use dicom_dictionary_std::uids;
    use std::path::Path;
    use std::process::Command;

    fn require_validators() -> bool {
        std::env::var("DICOMQ_REQUIRE_VALIDATORS").as_deref() == Ok("1")
    }

    fn run_tool(program: &str, args: &[&str]) -> Option<std::process::Output> {
        match Command::new(program).args(args).output() {
            Ok(out) => Some(out),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !require_validators() => {
                eprintln!("skipping: {program} not installed");
                None
            }
            Err(e) => panic!("cannot run {program}: {e}"),
        }
    }

    struct Spec<'a> {
        charset: Option<&'a str>,
        patient: (&'a str, &'a str),
        study: (&'a str, &'a str, Option<&'a str>),
        series: (&'a str, &'a str, &'a str, &'a str),
        sop: (&'a str, &'a str, Option<&'a str>),
    }

    fn put(o: &mut InMemDicomObject, tag: Tag, vr: VR, v: &str) {
        o.put(DataElement::new(tag, vr, PrimitiveValue::from(v)));
    }

    /// Writes a small DICOM file with dicom-object and reads it back like the caller would.
    fn make(dir: &Path, name: &str, s: &Spec) -> FileDicomObject<InMemDicomObject> {
        let mut o = InMemDicomObject::new_empty();
        if let Some(cs) = s.charset {
            put(&mut o, tags::SPECIFIC_CHARACTER_SET, VR::CS, cs);
        }
        put(&mut o, tags::SOP_CLASS_UID, VR::UI, s.sop.0);
        put(&mut o, tags::SOP_INSTANCE_UID, VR::UI, s.sop.1);
        if let Some(date) = s.study.2 {
            put(&mut o, tags::STUDY_DATE, VR::DA, date);
            put(&mut o, tags::STUDY_TIME, VR::TM, "101500");
        } else {
            put(&mut o, tags::SERIES_DATE, VR::DA, "20230102");
            put(&mut o, tags::SERIES_TIME, VR::TM, "080000");
        }
        put(&mut o, tags::ACCESSION_NUMBER, VR::SH, "ACC");
        put(&mut o, tags::MODALITY, VR::CS, s.series.2);
        put(&mut o, tags::STUDY_DESCRIPTION, VR::LO, s.study.1);
        put(&mut o, tags::SERIES_DESCRIPTION, VR::LO, s.series.3);
        put(&mut o, tags::PATIENT_NAME, VR::PN, s.patient.1);
        put(&mut o, tags::PATIENT_ID, VR::LO, s.patient.0);
        put(&mut o, tags::STUDY_INSTANCE_UID, VR::UI, s.study.0);
        put(&mut o, tags::SERIES_INSTANCE_UID, VR::UI, s.series.0);
        put(&mut o, tags::STUDY_ID, VR::SH, "S1");
        put(&mut o, tags::SERIES_NUMBER, VR::IS, s.series.1);
        if let Some(n) = s.sop.2 {
            put(&mut o, tags::INSTANCE_NUMBER, VR::IS, n);
        }
        if s.sop.0 == uids::ENCAPSULATED_PDF_STORAGE {
            let pdf = b"%PDF-1.1\n%%EOF\n".to_vec();
            put(
                &mut o,
                tags::MIME_TYPE_OF_ENCAPSULATED_DOCUMENT,
                VR::LO,
                "application/pdf",
            );
            o.put(DataElement::new(
                tags::CONCEPT_NAME_CODE_SEQUENCE,
                VR::SQ,
                dicom_core::value::Value::from(DataSetSequence::<InMemDicomObject>::empty()),
            ));
            o.put(DataElement::new(
                tags::ENCAPSULATED_DOCUMENT_LENGTH,
                VR::UL,
                PrimitiveValue::from(pdf.len() as u32),
            ));
            o.put(DataElement::new(
                tags::ENCAPSULATED_DOCUMENT,
                VR::OB,
                PrimitiveValue::from(pdf),
            ));
        } else {
            o.put(DataElement::new(
                tags::ROWS,
                VR::US,
                PrimitiveValue::from(2u16),
            ));
            o.put(DataElement::new(
                tags::COLUMNS,
                VR::US,
                PrimitiveValue::from(2u16),
            ));
            o.put(DataElement::new(
                tags::PIXEL_DATA,
                VR::OB,
                PrimitiveValue::from(vec![0u8, 1, 2, 3]),
            ));
        }
        let f = o
            .with_meta(
                FileMetaTableBuilder::new()
                    .transfer_syntax(EXPLICIT_VR_LE)
                    .implementation_class_uid(IMPLEMENTATION_CLASS_UID),
            )
            .unwrap();
        let path = dir.join(name);
        f.write_to_file(&path).unwrap();
        dicom_object::OpenFileOptions::new()
            .read_until(tags::PIXEL_DATA)
            .open_file(&path)
            .unwrap()
    }

    const MR: &str = uids::MR_IMAGE_STORAGE;
    const CT: &str = uids::CT_IMAGE_STORAGE;
    const PDF: &str = uids::ENCAPSULATED_PDF_STORAGE;

    fn specs() -> Vec<Spec<'static>> {
        let a = (Some("ISO_IR 100"), ("PAT-A", "Müller^Jürgen"));
        let a1 = ("1.2.3.10.1", "Brain MRI é", Some("20240115"));
        let a2 = ("1.2.3.10.2", "", None); // no StudyDate: SeriesDate fallback
        let d = (Some("ISO_IR 192"), ("PATD", "山田^太郎"));
        let d1 = ("1.2.3.40.1", "頭部 CT", Some("20240301"));
        vec![
            Spec {
                charset: a.0,
                patient: a.1,
                study: a1,
                series: ("1.2.3.10.1.1", "1", "MR", "T1 axial"),
                sop: (MR, "1.2.3.10.1.1.1", Some("1")),
            },
            Spec {
                charset: a.0,
                patient: a.1,
                study: a1,
                series: ("1.2.3.10.1.1", "1", "MR", "T1 axial"),
                sop: (MR, "1.2.3.10.1.1.2", Some("2")),
            },
            Spec {
                charset: a.0,
                patient: a.1,
                study: a1,
                series: ("1.2.3.10.1.2", "2", "MR", "T2 sagittal"),
                sop: (MR, "1.2.3.10.1.2.1", None),
            },
            Spec {
                charset: a.0,
                patient: a.1,
                study: a2,
                series: ("1.2.3.10.2.1", "1", "CT", "Ärger"),
                sop: (CT, "1.2.3.10.2.1.1", Some("1")),
            },
            Spec {
                charset: d.0,
                patient: d.1,
                study: d1,
                series: ("1.2.3.40.1.1", "3", "CT", "CT シリーズ"),
                sop: (CT, "1.2.3.40.1.1.1", Some("1")),
            },
            Spec {
                charset: None,
                patient: ("PDF-1", "Doc^Pat"),
                study: ("1.2.3.50.1", "Report", Some("20240401")),
                series: ("1.2.3.50.1.1", "1", "DOC", "PDF"),
                sop: (PDF, "1.2.3.50.1.1.1", Some("1")),
            },
        ]
    }

    struct Built {
        dir: tempfile::TempDir,
        bytes: Vec<u8>,
    }

    fn build(extended: bool) -> Built {
        let dir = tempfile::tempdir().unwrap();
        let images = dir.path().join("IMAGES");
        std::fs::create_dir(&images).unwrap();
        let mut w = DicomDirWriter::new(extended);
        for (i, s) in specs().iter().enumerate() {
            let name = format!("IM{i}");
            let f = make(&images, &name, s);
            assert!(w.add_instance(&f, &["IMAGES", &name]).unwrap());
        }
        // The same SOP instance again: zipped by the caller, but no record.
        let again = make(&images, "IM6", &specs()[0]);
        assert!(!w.add_instance(&again, &["IMAGES", "IM6"]).unwrap());
        assert_eq!(w.image_count(), 6);
        let bytes = w.to_bytes().unwrap();
        std::fs::write(dir.path().join("DICOMDIR"), &bytes).unwrap();
        if let Ok(keep) = std::env::var("DICOMQ_KEEP_DICOMDIR") {
            let _ = Command::new("cp")
                .args(["-r", dir.path().to_str().unwrap(), &keep])
                .status();
        }
        Built { dir, bytes }
    }

    /// The DICOMDIR of `specs()` and of the test-data corpus, with a fixed media SOP instance
    /// UID, reduced to a SHA-1.
    fn pinned_digest(extended: bool) -> String {
        use sha1::{Digest, Sha1};
        let dir = tempfile::tempdir().unwrap();
        let mut w = DicomDirWriter::new(extended);
        w.set_media_sop_instance_uid("1.2.826.0.1.3680043.10.1234.1");
        for (i, s) in specs().iter().enumerate() {
            let name = format!("IM{i}");
            let f = make(dir.path(), &name, s);
            w.add_instance(&f, &["IMAGES", &name]).unwrap();
        }
        for (i, (_, spec)) in crate::testdata::corpus().into_iter().enumerate() {
            let f = dicom_object::from_reader(&spec.to_bytes()[128..]).unwrap();
            let name = format!("C{i}");
            w.add_instance(&f, &["CORPUS", &name]).unwrap();
        }
        let bytes = w.to_bytes().unwrap();
        Sha1::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The bytes of a DICOMDIR are pinned: a change in record order, offsets, padding or
    /// charset handling shows here (the digests were produced before the writer was split
    /// per record level).
    #[test]
    fn bytes_are_pinned() {
        assert_eq!(
            pinned_digest(false),
            "170777c13b40766fef3ba8bb5a2cd3361726b6ec"
        );
        assert_eq!(
            pinned_digest(true),
            "13ef5e65038350d35bce32c84d3cdee80b8c4fae"
        );
    }

    fn ul(bytes: &[u8], at: usize) -> u32 {
        u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
    }

    /// Record at `off`: (type, next, lower), read straight from the bytes.
    fn record_at(bytes: &[u8], off: usize) -> (String, usize, usize) {
        assert_eq!(
            &bytes[off..off + 4],
            &[0xFE, 0xFF, 0x00, 0xE0],
            "item at {off}"
        );
        // item header 8; (0004,1400) UL value at +16; (0004,1410) 10 bytes; (0004,1420) value at +38
        let next = ul(bytes, off + 16) as usize;
        let lower = ul(bytes, off + 38) as usize;
        // (0004,1430) CS at +42: tag 4, VR 2, len 2, value
        assert_eq!(&bytes[off + 42..off + 46], &[0x04, 0x00, 0x30, 0x14]);
        let len = u16::from_le_bytes([bytes[off + 48], bytes[off + 49]]) as usize;
        let ty = String::from_utf8_lossy(&bytes[off + 50..off + 50 + len])
            .trim()
            .to_string();
        (ty, next, lower)
    }

    fn tree(bytes: &[u8], first: usize, depth: usize, out: &mut Vec<String>) {
        let mut off = first;
        while off != 0 {
            let (ty, next, lower) = record_at(bytes, off);
            out.push(format!("{}{ty}", "  ".repeat(depth)));
            if lower != 0 {
                tree(bytes, lower, depth + 1, out);
            }
            off = next;
        }
    }

    fn expected_tree() -> Vec<String> {
        [
            "PATIENT",
            "  STUDY",
            "    SERIES",
            "      IMAGE",
            "      IMAGE",
            "    SERIES",
            "      IMAGE",
            "  STUDY",
            "    SERIES",
            "      IMAGE",
            "PATIENT",
            "  STUDY",
            "    SERIES",
            "      IMAGE",
            "PATIENT",
            "  STUDY",
            "    SERIES",
            "      IMAGE",
        ]
        .map(String::from)
        .to_vec()
    }

    #[test]
    fn offsets_point_at_items_and_form_the_tree() {
        let b = build(false);
        let f = dicom_object::open_file(b.dir.path().join("DICOMDIR")).unwrap();
        assert_eq!(
            f.meta().media_storage_sop_class_uid(),
            MEDIA_STORAGE_DIRECTORY_SOP_CLASS
        );
        let off = |t| f.element(t).unwrap().value().to_int::<u32>().unwrap() as usize;
        let first = off(tags::OFFSET_OF_THE_FIRST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY);
        let last = off(tags::OFFSET_OF_THE_LAST_DIRECTORY_RECORD_OF_THE_ROOT_DIRECTORY_ENTITY);
        assert_eq!(
            record_at(&b.bytes, last).1,
            0,
            "last root record has no next"
        );
        let mut t = Vec::new();
        tree(&b.bytes, first, 0, &mut t);
        assert_eq!(t, expected_tree());
        // dicom-object parses the whole sequence: 18 records, in the depth-first order.
        let seq = f.element(tags::DIRECTORY_RECORD_SEQUENCE).unwrap();
        let items = seq.items().unwrap();
        assert_eq!(items.len(), 18);
        let get = |i: usize, t| {
            items[i]
                .element(t)
                .unwrap()
                .value()
                .to_str()
                .unwrap()
                .to_string()
        };
        // Non-ASCII kept and decoded back through each record's own charset.
        assert_eq!(get(0, tags::SPECIFIC_CHARACTER_SET), "ISO_IR 100");
        assert_eq!(get(0, tags::PATIENT_NAME), "Müller^Jürgen");
        assert_eq!(get(1, tags::STUDY_DESCRIPTION), "Brain MRI é");
        assert_eq!(get(3, tags::REFERENCED_FILE_ID), "IMAGES\\IM0");
        assert_eq!(get(7, tags::STUDY_DATE), "20230102", "SeriesDate fallback");
        assert_eq!(get(7, tags::STUDY_TIME), "080000");
        assert_eq!(get(10, tags::PATIENT_NAME), "山田^太郎");
        assert_eq!(get(11, tags::STUDY_DESCRIPTION), "頭部 CT");
        assert_eq!(get(17, tags::REFERENCED_SOP_CLASS_UID_IN_FILE), PDF);
        assert!(items[14].element(tags::SPECIFIC_CHARACTER_SET).is_err());
        // Image without InstanceNumber: rank in its series (Orthanc would write it empty).
        assert_eq!(get(6, tags::INSTANCE_NUMBER), "1");
        // Not extended: no SeriesDescription.
        assert!(items[2].element(tags::SERIES_DESCRIPTION).is_err());
        // Latin-1 bytes really are Latin-1 in the file.
        assert!(b.bytes.windows(13).any(|w| w == b"M\xfcller^J\xfcrgen"));
    }

    #[test]
    fn dciodvfy_reports_no_errors() {
        for extended in [false, true] {
            let b = build(extended);
            let path = b.dir.path().join("DICOMDIR");
            let Some(out) = run_tool("dciodvfy", &[path.to_str().unwrap()]) else {
                return;
            };
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            eprintln!("dciodvfy (extended={extended}):\n{text}");
            assert!(text.contains("BasicDirectory"), "{text}");
            let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("Error")).collect();
            assert!(errors.is_empty(), "dciodvfy errors: {errors:#?}");
            let not_in_iod = text
                .lines()
                .filter(|l| {
                    l.starts_with("Warning")
                        && l.contains("not present in standard")
                        && (l.contains("0x103e") || l.contains("SeriesDescription"))
                })
                .count();
            assert_eq!(not_in_iod, if extended { 5 } else { 0 }, "{text}");
            // dicom3tools entity consistency check across records.
            if let Some(out) = run_tool("dcentvfy", &[path.to_str().unwrap()]) {
                let text = String::from_utf8_lossy(&out.stderr).to_string()
                    + &String::from_utf8_lossy(&out.stdout);
                assert!(
                    !text.lines().any(|l| l.starts_with("Error")),
                    "dcentvfy: {text}"
                );
            }
        }
    }

    #[test]
    fn dcmdump_reads_it_and_agrees_on_offsets() {
        let b = build(false);
        let path = b.dir.path().join("DICOMDIR");
        let Some(out) = run_tool("dcmdump", &["-q", path.to_str().unwrap()]) else {
            return;
        };
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("DICOMQ_MEDIA"), "{text}");
        assert!(text.contains("IMAGES\\IM5"), "{text}");
        // dcmdump prints "#  offset=$N" for each record; all must be item starts.
        let offsets: Vec<usize> = text
            .lines()
            .filter_map(|l| l.split("offset=$").nth(1))
            .map(|s| s.split_whitespace().next().unwrap().parse().unwrap())
            .collect();
        assert_eq!(offsets.len(), 18, "{text}");
        for o in offsets {
            assert_eq!(&b.bytes[o..o + 4], &[0xFE, 0xFF, 0x00, 0xE0]);
        }
    }

    #[test]
    fn dcdirdmp_prints_the_tree() {
        let b = build(true);
        let path = b.dir.path().join("DICOMDIR");
        let Some(out) = run_tool("dcdirdmp", &[path.to_str().unwrap()]) else {
            return;
        };
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{text}");
        // One line per record: tabs for the depth, then the record type.
        let kinds: Vec<String> = text
            .lines()
            .filter_map(|l| {
                let depth = l.len() - l.trim_start_matches('\t').len();
                let kind = l.trim_start().split(' ').next()?;
                ["PATIENT", "STUDY", "SERIES", "IMAGE"]
                    .contains(&kind)
                    .then(|| format!("{}{kind}", "  ".repeat(depth)))
            })
            .collect();
        assert_eq!(kinds, expected_tree(), "{text}");
        for i in 0..6 {
            assert!(text.contains(&format!("-> IMAGES\\IM{i}")), "{text}");
        }
        assert!(text.contains("PATIENT 山田^太郎 PATD"), "{text}");
    }

    /// naming -> zip writer -> DICOMDIR, as a media job does it.
    #[test]
    fn media_zip_end_to_end() {
        use crate::archive::naming::{ArchiveEntrySource, media_layout};
        use crate::archive::zip_writer::{ArchiveZipWriter, Compression, ZipPlan};
        let src_dir = tempfile::tempdir().unwrap();
        let sources: Vec<ArchiveEntrySource> = specs()
            .iter()
            .enumerate()
            .map(|(i, s)| {
                make(src_dir.path(), &format!("s{i}"), s);
                ArchiveEntrySource {
                    patient_id: s.patient.0.into(),
                    study_id: s.study.0.into(),
                    series_id: s.series.0.into(),
                    instance_id: format!("s{i}"),
                    insertion_index: i as u64,
                    ..Default::default()
                }
            })
            .collect();
        let layout = media_layout(sources);
        let total: u64 = layout
            .iter()
            .map(|e| {
                std::fs::metadata(src_dir.path().join(&e.source.instance_id))
                    .unwrap()
                    .len()
            })
            .sum();
        let out = tempfile::tempdir().unwrap();
        let zip_path = out.path().join("media.zip");
        let plan = ZipPlan::new(layout.len() as u64 + 1, total, Compression::Deflate);
        let mut zw =
            ArchiveZipWriter::new(std::fs::File::create(&zip_path).unwrap(), plan).unwrap();
        let mut dir = DicomDirWriter::new(false);
        for e in &layout {
            let p = src_dir.path().join(&e.source.instance_id);
            let mut f = std::fs::File::open(&p).unwrap();
            let len = f.metadata().unwrap().len();
            zw.add_file(&e.path, &mut f, len).unwrap();
            let parsed = dicom_object::OpenFileOptions::new()
                .read_until(tags::PIXEL_DATA)
                .open_file(&p)
                .unwrap();
            dir.add_instance(&parsed, &e.components()).unwrap();
        }
        zw.add_bytes("DICOMDIR", &dir.to_bytes().unwrap()).unwrap();
        zw.finish().unwrap();
        let Some(o) = run_tool(
            "unzip",
            &[
                "-q",
                zip_path.to_str().unwrap(),
                "-d",
                out.path().to_str().unwrap(),
            ],
        ) else {
            return;
        };
        assert!(o.status.success());
        let dicomdir = out.path().join("DICOMDIR");
        if let Some(o) = run_tool("dciodvfy", &[dicomdir.to_str().unwrap()]) {
            let text = String::from_utf8_lossy(&o.stderr).to_string()
                + &String::from_utf8_lossy(&o.stdout);
            assert!(text.contains("BasicDirectory"), "{text}");
            assert!(!text.lines().any(|l| l.starts_with("Error")), "{text}");
        }
        let f = dicom_object::open_file(&dicomdir).unwrap();
        let items = f
            .element(tags::DIRECTORY_RECORD_SEQUENCE)
            .unwrap()
            .items()
            .unwrap();
        for item in items {
            if let Ok(e) = item.element(tags::REFERENCED_FILE_ID) {
                let rel = e.value().to_str().unwrap().replace('\\', "/");
                assert!(out.path().join(rel).is_file());
            }
        }
    }

    #[test]
    fn missing_uid_names_the_instance() {
        let dir = tempfile::tempdir().unwrap();
        let s = &specs()[0];
        let f = make(dir.path(), "x", s);
        let mut ds = f.clone().into_inner();
        ds.remove_element(tags::SERIES_INSTANCE_UID);
        let mut w = DicomDirWriter::new(false);
        let err = w
            .add_dataset(f.meta(), &ds, &["IMAGES", "IM7"])
            .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("IMAGES\\IM7") && msg.contains("SeriesInstanceUID"),
            "{msg}"
        );
        assert!(msg.contains("1.2.3.10.1.1.1"), "{msg}");
        assert!(w.add_instance(&f, &["images", "IM0"]).is_err());
        assert!(w.set_file_set_id("ORTHANC_MEDIA").is_ok());
        assert!(w.set_file_set_id("lower").is_err());
    }

    #[test]
    fn record_value_checks() {
        assert!(valid_da("20240115") && !valid_da("2024-01-15") && !valid_da("20241301"));
        assert!(valid_tm("10") && valid_tm("1015") && valid_tm("101500.123456"));
        assert!(!valid_tm("25") && !valid_tm("10:15") && !valid_tm("1015.5") && !valid_tm(""));
        assert!(valid_is("-12") && valid_is("+7") && !valid_is("1.5") && !valid_is("99999999999"));
        assert!(valid_cs("MR") && valid_cs("OT_2") && !valid_cs("mr") && !valid_cs("MR-X"));
        assert!(valid_sh("S1") && !valid_sh("STUDY-ID-TOO-LONG") && !valid_sh("A\\B"));
        assert_eq!(fit_length(b"SH", "A".repeat(20)), "A".repeat(16));
        assert_eq!(fit_length(b"LO", "é".repeat(70)), "é".repeat(64));
        let pn = format!("{}={}", "Y".repeat(70), "山".repeat(3));
        assert_eq!(
            fit_length(b"PN", pn),
            format!("{}={}", "Y".repeat(64), "山".repeat(3))
        );
    }

    #[test]
    fn sop_class_falls_back_to_the_meta_header_and_study_ids_are_invented() {
        let dir = tempfile::tempdir().unwrap();
        let f = make(dir.path(), "x", &specs()[0]);
        let mut ds = f.clone().into_inner();
        ds.remove_element(tags::SOP_CLASS_UID);
        ds.remove_element(tags::STUDY_ID);
        let mut w = DicomDirWriter::new(false);
        assert!(w.add_dataset(f.meta(), &ds, &["IMAGES", "IM0"]).unwrap());
        let bytes = w.to_bytes().unwrap();
        let d = dicom_object::from_reader(&bytes[128..]).unwrap();
        let items = d
            .element(tags::DIRECTORY_RECORD_SEQUENCE)
            .unwrap()
            .items()
            .unwrap()
            .to_vec();
        let get = |i: usize, t| items[i].element(t).unwrap().to_str().unwrap().to_string();
        assert_eq!(get(1, tags::STUDY_ID), "DICOMQSTUDY00000");
        assert_eq!(
            get(3, tags::REFERENCED_SOP_CLASS_UID_IN_FILE),
            f.meta()
                .media_storage_sop_class_uid()
                .trim_end_matches('\0')
        );
    }

    #[test]
    fn missing_sop_class_everywhere_is_refused_without_debug_text() {
        let dir = tempfile::tempdir().unwrap();
        let f = make(dir.path(), "x", &specs()[0]);
        let mut ds = f.clone().into_inner();
        ds.remove_element(tags::SOP_CLASS_UID);
        let mut meta = f.meta().clone();
        meta.media_storage_sop_class_uid = String::new();
        let err = DicomDirWriter::new(false)
            .add_dataset(&meta, &ds, &["IMAGES", "IM3"])
            .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("IMAGES\\IM3") && msg.contains("SOPClassUID"),
            "{msg}"
        );
        assert!(!msg.contains("Some("), "{msg}");
        ds.remove_element(tags::SOP_INSTANCE_UID);
        let msg = DicomDirWriter::new(false)
            .add_dataset(&meta, &ds, &["IMAGES", "IM3"])
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("no SOPInstanceUID") && !msg.contains("None"),
            "{msg}"
        );
    }

    #[test]
    fn empty_dicomdir_is_valid() {
        let w = DicomDirWriter::new(false);
        let bytes = w.to_bytes().unwrap();
        let f = dicom_object::from_reader(&bytes[128..]).unwrap();
        assert_eq!(
            f.element(tags::DIRECTORY_RECORD_SEQUENCE)
                .unwrap()
                .items()
                .unwrap()
                .len(),
            0
        );
    }

    #[test]
    fn unsupported_charset_falls_back_to_utf8() {
        let rec = Record {
            level: Level::Patient,
            elements: vec![elem_text(tags::PATIENT_NAME, b"PN", "山田".into())],
            charset: Some("\\ISO 2022 IR 87".into()),
            children: vec![],
        };
        assert_eq!(record_charset(&rec).0.as_deref(), Some("ISO_IR 192"));
        let ascii = Record {
            elements: vec![elem_text(tags::PATIENT_NAME, b"PN", "Yamada".into())],
            ..rec
        };
        assert_eq!(
            record_charset(&ascii).0.as_deref(),
            Some("\\ISO 2022 IR 87")
        );
    }

    #[test]
    fn charset_kept_only_when_its_bytes_read_back() {
        let korean = |name: &str| Record {
            level: Level::Patient,
            elements: vec![elem_text(tags::PATIENT_NAME, b"PN", name.into())],
            charset: Some("ISO 2022 IR 149".into()),
            children: vec![],
        };
        assert_eq!(
            record_charset(&korean("홍^길동")).0.as_deref(),
            Some("ISO 2022 IR 149")
        );
        // 똠 is in Windows-949 but not in KS X 1001.
        assert_eq!(
            record_charset(&korean("똠")).0.as_deref(),
            Some("ISO_IR 192")
        );
        let latin5 = Record {
            charset: Some("ISO_IR 148".into()),
            ..korean("İıŞ")
        };
        assert_eq!(record_charset(&latin5).0.as_deref(), Some("ISO_IR 192"));
    }
}
