//! Generator of realistic, small DICOM Part 10 files for tests and benchmarks.
//!
//! * [`InstanceSpec`] describes one instance; [`InstanceSpec::to_bytes`] encodes it as a Part 10 file
//!   (128-byte preamble, `DICM`, file meta group, data set in Explicit VR Little Endian) through
//!   `dicom-object`. The data set has the same shape as the golden Orthanc samples (pydicom): ImageType,
//!   Manufacturer `SYNTH`, an empty ReferringPhysicianName, patient/study/series/instance attributes and
//!   a 16-bit MONOCHROME2 image (BitsStored 12).
//! * [`corpus`] mirrors the golden samples A–G byte for byte in the data set (same UIDs, so their
//!   Orthanc identifiers are the golden ones) and adds edge cases I–K (see [`corpus`]).
//! * [`small_instance`] / [`write_files`] produce bulk data quickly for benchmarks.
//! * [`files_under`] lists the files a store left on disk, for the tests that count them.
//!
//! # Text encoding
//! `dicom-object` 0.10.1 encodes text with the character set in force *while it writes*: it starts with
//! the default repertoire and switches codec right after writing (0008,0005). ISO_IR 100 text therefore
//! really becomes ISO-8859-1 bytes (`Müller` → `4D FC 6C 6C 65 72`), ISO_IR 192 becomes UTF-8, and
//! AE/AS/CS/DA/DS/DT/IS/TM/UI always use the default repertoire. Without (0008,0005) the default codec
//! is strict ISO-8859-1, so [`Charset::Ascii`] specs must hold ASCII text only (non-Latin-1 text makes
//! [`InstanceSpec::to_bytes`] panic; Latin-1 text would silently produce undeclared 8-bit bytes).
//!
//! # Backslash
//! `\` is the value delimiter of every string VR. A `\` in a description (LO) is written verbatim, which
//! makes the element *multi-valued* (`T1\T2` = 2 values). `PrimitiveValue::to_str()` joins the values
//! with `\` again, so the string round-trips — except that dicom-object trims trailing spaces of *each*
//! value on read (`A \B` reads back as `A\B`), so keep no space before a `\`.
//! Only the descriptions of the edge-case patient I use it; names and IDs never contain `\`.
//!
//! # Missing vs empty
//! Every `Option<String>` attribute: `None` → the element is absent, `Some("")` → present with a
//! zero-length value (DICOM "Type 2 empty"). `patient_name` is always written.
//!
//! # Not in the library
//! This is a dev-only workspace crate (`dicomq-testdata`): dicomq's unit tests, `tests/`,
//! `examples/` and the fuzz seeds use it; it does not depend on `dicomq` (a dev-dependency that
//! did would give the unit tests two copies of the crate), so Orthanc identifiers come from
//! `dicomq::store::ids::orthanc_id`. [`malformed`] holds the hostile files.

use std::path::{Path, PathBuf};

use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use sha1::{Digest, Sha1};

pub mod exposition;
pub mod malformed;
pub mod postgres;

/// SOP class UIDs used by the generator.
pub const MR_IMAGE_STORAGE: &str = uids::MR_IMAGE_STORAGE;
/// CT Image Storage.
pub const CT_IMAGE_STORAGE: &str = uids::CT_IMAGE_STORAGE;
/// Secondary Capture Image Storage.
pub const SECONDARY_CAPTURE_IMAGE_STORAGE: &str = uids::SECONDARY_CAPTURE_IMAGE_STORAGE;

/// ImplementationClassUID written in the file meta group of generated files.
pub const IMPLEMENTATION_CLASS_UID: &str = "2.25.215806453366459428834412426113433577542";
/// ImplementationVersionName written in the file meta group of generated files.
pub const IMPLEMENTATION_VERSION_NAME: &str = "DICOMQ_TESTDATA";

/// Root of the golden sample UIDs (pydicom's root), reused so corpus A–G match the golden IDs.
const GOLDEN_ROOT: &str = "1.2.826.0.1.3680043.8.498";

/// Character set of the text attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Charset {
    /// Default repertoire: no (0008,0005) element; text must be ASCII.
    Ascii,
    /// `ISO_IR 100`: text is encoded as ISO-8859-1 bytes.
    Latin1,
    /// `ISO_IR 192`: text is encoded as UTF-8.
    Utf8,
    /// `ISO_IR 101`: text is encoded as ISO-8859-2 (Latin-2: "Dvořák").
    Latin2,
}

impl Charset {
    /// Value of SpecificCharacterSet (0008,0005), `None` for [`Charset::Ascii`].
    pub fn specific_character_set(self) -> Option<&'static str> {
        match self {
            Charset::Ascii => None,
            Charset::Latin1 => Some("ISO_IR 100"),
            Charset::Utf8 => Some("ISO_IR 192"),
            Charset::Latin2 => Some("ISO_IR 101"),
        }
    }
}

/// Description of one DICOM instance. `None` = attribute absent, `Some("")` = present but empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceSpec {
    /// PatientID (0010,0020). `None` => absent.
    pub patient_id: Option<String>,
    /// PatientName (0010,0010), always written.
    pub patient_name: String,
    /// Character set of the text attributes.
    pub charset: Charset,
    /// PatientBirthDate (0010,0030), `YYYYMMDD`.
    pub birth_date: Option<String>,
    /// PatientSex (0010,0040).
    pub sex: Option<String>,
    /// StudyInstanceUID (0020,000D).
    pub study_uid: String,
    /// StudyDescription (0008,1030).
    pub study_description: Option<String>,
    /// AccessionNumber (0008,0050).
    pub accession: Option<String>,
    /// StudyDate (0008,0020), `YYYYMMDD`.
    pub study_date: Option<String>,
    /// StudyTime (0008,0030), `HHMMSS`.
    pub study_time: Option<String>,
    /// StudyID (0020,0010).
    pub study_id: Option<String>,
    /// SeriesInstanceUID (0020,000E).
    pub series_uid: String,
    /// SeriesNumber (0020,0011).
    pub series_number: Option<u32>,
    /// Modality (0008,0060).
    pub modality: Option<String>,
    /// SeriesDescription (0008,103E).
    pub series_description: Option<String>,
    /// SOPInstanceUID (0008,0018). `None` => a file WITHOUT SOPInstanceUID (bad-input tests); its meta
    /// group then carries an empty MediaStorageSOPInstanceUID.
    pub sop_uid: Option<String>,
    /// SOPClassUID (0008,0016), also MediaStorageSOPClassUID.
    pub sop_class: String,
    /// InstanceNumber (0020,0013).
    pub instance_number: Option<u32>,
    /// Rows (0028,0010).
    pub rows: u16,
    /// Columns (0028,0011).
    pub cols: u16,
}

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

impl InstanceSpec {
    /// An ASCII MR instance with realistic defaults (16×16 pixels, series 1, instance 1,
    /// study "Brain MRI", series "T1 axial").
    pub fn new_mr(
        patient_id: &str,
        patient_name: &str,
        study_uid: &str,
        series_uid: &str,
        sop_uid: &str,
    ) -> Self {
        InstanceSpec {
            patient_id: s(patient_id),
            patient_name: patient_name.to_string(),
            charset: Charset::Ascii,
            birth_date: s("19800101"),
            sex: s("O"),
            study_uid: study_uid.to_string(),
            study_description: s("Brain MRI"),
            accession: s("ACC-1"),
            study_date: s("20240115"),
            study_time: s("101500"),
            study_id: s("1"),
            series_uid: series_uid.to_string(),
            series_number: Some(1),
            modality: s("MR"),
            series_description: s("T1 axial"),
            sop_uid: s(sop_uid),
            sop_class: MR_IMAGE_STORAGE.to_string(),
            instance_number: Some(1),
            rows: 16,
            cols: 16,
        }
    }

    /// Pixel data bytes (little endian u16): pixel `k` = `k * (InstanceNumber + 1) & 0x0FFF`
    /// (InstanceNumber 0 when absent). This is the pattern of the golden samples.
    pub fn pixel_bytes(&self) -> Vec<u8> {
        let n = self.rows as usize * self.cols as usize;
        let mul = self.instance_number.unwrap_or(0) as usize + 1;
        // The pattern repeats every 4096 pixels: build one period, then memcpy it (fast even in
        // unoptimised test builds).
        let period: Vec<u8> = (0..n.min(4096))
            .flat_map(|k| ((k.wrapping_mul(mul) & 0x0FFF) as u16).to_le_bytes())
            .collect();
        let mut out = Vec::with_capacity(n * 2);
        while out.len() < n * 2 {
            let take = (n * 2 - out.len()).min(period.len());
            out.extend_from_slice(&period[..take]);
        }
        out
    }

    /// Builds the in-memory data set (without file meta group).
    pub fn to_object(&self) -> InMemDicomObject {
        let mut o = InMemDicomObject::new_empty();
        let text = |o: &mut InMemDicomObject, tag: Tag, vr: VR, v: &Option<String>| {
            if let Some(v) = v {
                o.put(DataElement::new(tag, vr, text_value(v)));
            }
        };
        if let Some(cs) = self.charset.specific_character_set() {
            o.put(DataElement::new(tags::SPECIFIC_CHARACTER_SET, VR::CS, cs));
        }
        o.put(DataElement::new(
            tags::IMAGE_TYPE,
            VR::CS,
            PrimitiveValue::Strs(["ORIGINAL".to_string(), "PRIMARY".to_string()].into()),
        ));
        o.put(DataElement::new(
            tags::SOP_CLASS_UID,
            VR::UI,
            self.sop_class.as_str(),
        ));
        if let Some(uid) = &self.sop_uid {
            o.put(DataElement::new(
                tags::SOP_INSTANCE_UID,
                VR::UI,
                uid.as_str(),
            ));
        }
        text(&mut o, tags::STUDY_DATE, VR::DA, &self.study_date);
        text(&mut o, tags::STUDY_TIME, VR::TM, &self.study_time);
        text(&mut o, tags::ACCESSION_NUMBER, VR::SH, &self.accession);
        text(&mut o, tags::MODALITY, VR::CS, &self.modality);
        o.put(DataElement::new(tags::MANUFACTURER, VR::LO, "SYNTH"));
        o.put(DataElement::new(
            tags::REFERRING_PHYSICIAN_NAME,
            VR::PN,
            PrimitiveValue::Empty,
        ));
        text(
            &mut o,
            tags::STUDY_DESCRIPTION,
            VR::LO,
            &self.study_description,
        );
        text(
            &mut o,
            tags::SERIES_DESCRIPTION,
            VR::LO,
            &self.series_description,
        );
        o.put(DataElement::new(
            tags::PATIENT_NAME,
            VR::PN,
            text_value(&self.patient_name),
        ));
        text(&mut o, tags::PATIENT_ID, VR::LO, &self.patient_id);
        text(&mut o, tags::PATIENT_BIRTH_DATE, VR::DA, &self.birth_date);
        text(&mut o, tags::PATIENT_SEX, VR::CS, &self.sex);
        o.put(DataElement::new(
            tags::STUDY_INSTANCE_UID,
            VR::UI,
            self.study_uid.as_str(),
        ));
        o.put(DataElement::new(
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            self.series_uid.as_str(),
        ));
        text(&mut o, tags::STUDY_ID, VR::SH, &self.study_id);
        if let Some(n) = self.series_number {
            o.put(DataElement::new(tags::SERIES_NUMBER, VR::IS, n.to_string()));
        }
        if let Some(n) = self.instance_number {
            o.put(DataElement::new(
                tags::INSTANCE_NUMBER,
                VR::IS,
                n.to_string(),
            ));
        }
        let us = |o: &mut InMemDicomObject, tag: Tag, v: u16| {
            o.put(DataElement::new(tag, VR::US, PrimitiveValue::from(v)));
        };
        us(&mut o, tags::SAMPLES_PER_PIXEL, 1);
        o.put(DataElement::new(
            tags::PHOTOMETRIC_INTERPRETATION,
            VR::CS,
            "MONOCHROME2",
        ));
        us(&mut o, tags::ROWS, self.rows);
        us(&mut o, tags::COLUMNS, self.cols);
        us(&mut o, tags::BITS_ALLOCATED, 16);
        us(&mut o, tags::BITS_STORED, 12);
        us(&mut o, tags::HIGH_BIT, 11);
        us(&mut o, tags::PIXEL_REPRESENTATION, 0);
        // OW given as raw little-endian bytes: written verbatim (fast), read back as OW.
        o.put(DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::U8(self.pixel_bytes().into()),
        ));
        o
    }

    /// Encodes the instance as a DICOM Part 10 file in Explicit VR Little Endian.
    ///
    /// # Panics
    /// If a text value cannot be encoded in the spec's charset (e.g. CJK text with [`Charset::Latin1`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut meta = FileMetaTableBuilder::new()
            .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
            .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
            .implementation_version_name(IMPLEMENTATION_VERSION_NAME);
        if self.sop_uid.is_none() {
            meta = meta.media_storage_sop_instance_uid("");
        }
        let file = self
            .to_object()
            .with_meta(meta)
            .expect("testdata: file meta group");
        let capacity = 1024 + self.rows as usize * self.cols as usize * 2;
        let mut out = Vec::with_capacity(capacity);
        file.write_all(&mut out).expect("testdata: encode DICOM");
        out
    }
}

/// A string value; `\` separates values (multi-valued element), see the module docs.
fn text_value(v: &str) -> PrimitiveValue {
    if v.contains('\\') {
        PrimitiveValue::Strs(v.split('\\').map(str::to_string).collect())
    } else {
        PrimitiveValue::Str(v.to_string())
    }
}

/// Deterministic `2.25.<decimal>` UID derived from a label (SHA-1 based, version 5 UUID layout).
pub fn deterministic_uid(label: &str) -> String {
    let digest = Sha1::digest(label.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    let uuid = uuid::Builder::from_sha1_bytes(bytes).into_uuid();
    format!("2.25.{}", uuid.as_u128())
}

/// Golden sample template (values shared by A–G).
fn golden(
    patient_id: &str,
    patient_name: &str,
    study: &str,
    series: &str,
    sop: &str,
    sop_class: &str,
) -> InstanceSpec {
    InstanceSpec {
        patient_id: s(patient_id),
        patient_name: patient_name.to_string(),
        charset: Charset::Latin1,
        birth_date: s(""),
        sex: s("O"),
        study_uid: format!("{GOLDEN_ROOT}.{study}"),
        study_description: None,
        accession: s(""),
        study_date: None,
        study_time: s("101500"),
        study_id: s("1"),
        series_uid: format!("{GOLDEN_ROOT}.{series}"),
        series_number: Some(1),
        modality: s("OT"),
        series_description: None,
        sop_uid: Some(format!("{GOLDEN_ROOT}.{sop}")),
        sop_class: sop_class.to_string(),
        instance_number: Some(1),
        rows: 16,
        cols: 16,
    }
}

/// The test corpus: `(suggested relative file name, spec)`, 26 files, every one parseable and storable
/// (not IOD-conformant: like the golden samples, dciodvfy reports missing MR/SC module attributes).
///
/// A–G reproduce the golden Orthanc samples (`orthanc-golden/samples/*.dcm`, same file names, same
/// UIDs, byte-identical data sets):
/// * A `PAT-A` `Müller^Jürgen` (ISO_IR 100, Latin-1 bytes), study "Brain MRI", 2 MR series × 5.
/// * B `PAT/B-01` `Smith/Jones^Anna`, study `Head/Neck: CT *test* ?<>|"`, series `Axial 5mm / soft`, 3 CT.
/// * C `PAT-A` again, 2nd study (2 CT) with StudyDescription and SeriesDescription absent.
/// * D `PAT-D` `山田^太郎` (ISO_IR 192), study `頭部 CT`, series `シリーズ`.
/// * E/F/G PatientID `ABC` (empty StudyDescription), `" SP ID "` (leading space kept by Orthanc, trailing
///   space stripped: Orthanc's ID uses `" SP ID"`), `""` (empty).
///
/// Added cases (UIDs from [`deterministic_uid`]):
/// * I `PAT-I` `Van Der Berg^Piet`, no SpecificCharacterSet (ASCII), study `Knee^Left / Right\MRI`
///   (2-valued LO because of `\`):
///   series 1 MR `T1\T2` (2-valued LO) with instances 1, 2 and one WITHOUT InstanceNumber;
///   series 2 one-letter modality `X`, empty SeriesDescription;
///   series 3 Modality, SeriesDescription and SeriesNumber absent.
/// * J PatientID absent, `No^Id`.
/// * K `PÄT-Ü1` (non-ASCII PatientID, ISO_IR 100) `Größe^Renée`, study `Übersicht Thorax/Abdomen`,
///   series `Coronal ½ dose` (all Latin-1 bytes on disk).
pub fn corpus() -> Vec<(String, InstanceSpec)> {
    let mut out = Vec::new();
    const A_SOPS: [[&str; 5]; 2] = [
        [
            "83014442324197156178360799787597021100",
            "11341768213719611576676904852497326974",
            "81600115446148967659510338355150092091",
            "10699733479343676398798098371388210062",
            "10686615497579848694692511227868839146",
        ],
        [
            "42047539753853957099196602069838001528",
            "13834562202126670910619694641123228802",
            "91466867089512573552567757294852786282",
            "87057876418045000934470038578006175984",
            "90718605946661062333653844244942953591",
        ],
    ];
    for (si, sops) in A_SOPS.iter().enumerate() {
        for (ii, sop) in sops.iter().enumerate() {
            let series = format!("10.1.{}", si + 1);
            let mut x = golden(
                "PAT-A",
                "Müller^Jürgen",
                "10.1",
                &series,
                sop,
                MR_IMAGE_STORAGE,
            );
            x.birth_date = s("19800101");
            x.sex = s("M");
            x.study_description = s("Brain MRI");
            x.accession = s("ACC-A1");
            x.study_date = s("20240115");
            x.study_id = s("A1");
            x.series_number = Some(si as u32 + 1);
            x.modality = s("MR");
            x.series_description = s(["T1 axial", "T2 sagittal"][si]);
            x.instance_number = Some(ii as u32 + 1);
            out.push((format!("A_s{}_i{}.dcm", si + 1, ii + 1), x));
        }
    }
    let b_sops = [
        "72968164935410838690599444004209169506",
        "10708503643698982042705292351566520371",
        "21126409543480588590114015931008445696",
    ];
    for (ii, sop) in b_sops.iter().enumerate() {
        let mut x = golden(
            "PAT/B-01",
            "Smith/Jones^Anna",
            "20.1",
            "20.1.1",
            sop,
            CT_IMAGE_STORAGE,
        );
        x.birth_date = s("19751231");
        x.sex = s("F");
        x.study_description = s("Head/Neck: CT *test* ?<>|\"");
        x.accession = s("ACC/B");
        x.study_date = s("20240202");
        x.series_number = Some(3);
        x.modality = s("CT");
        x.series_description = s("Axial 5mm / soft");
        x.instance_number = Some(ii as u32 + 1);
        out.push((format!("B_s1_i{}.dcm", ii + 1), x));
    }
    let c_sops = [
        "67124109799137341483026084378274023963",
        "19042753694700876838406806132502701238",
    ];
    for (ii, sop) in c_sops.iter().enumerate() {
        let mut x = golden(
            "PAT-A",
            "Müller^Jürgen",
            "10.2",
            "10.2.1",
            sop,
            CT_IMAGE_STORAGE,
        );
        x.birth_date = s("19800101");
        x.sex = s("M");
        x.study_date = s("20240301");
        x.study_id = s("C1");
        x.series_number = Some(7);
        x.modality = s("CT");
        x.instance_number = Some(ii as u32 + 1);
        out.push((format!("C_s1_i{}.dcm", ii + 1), x));
    }
    let mut d = golden(
        "PAT-D",
        "山田^太郎",
        "30.1",
        "30.1.1",
        "79215939355107202184176879202893276454",
        CT_IMAGE_STORAGE,
    );
    d.charset = Charset::Utf8;
    d.sex = s("M");
    d.study_description = s("頭部 CT");
    d.study_date = s("20240404");
    d.modality = s("CT");
    d.series_description = s("シリーズ");
    out.push(("D_s1_i1.dcm".into(), d));
    let efg = [
        (
            "E",
            "ABC",
            "Odd^Len",
            "40",
            "11566153253148270222039776302958898141",
            "",
            "20240505",
        ),
        (
            "F",
            " SP ID ",
            "Space^Id",
            "50",
            "82410541052875001409817276602610114860",
            "spaces",
            "20240606",
        ),
        (
            "G",
            "",
            "Empty^Id",
            "60",
            "61068126310352456202458042005538469594",
            "empty id",
            "20240707",
        ),
    ];
    for (letter, pid, name, num, sop, desc, date) in efg {
        let mut x = golden(
            pid,
            name,
            &format!("{num}.1"),
            &format!("{num}.1.1"),
            sop,
            SECONDARY_CAPTURE_IMAGE_STORAGE,
        );
        x.study_description = s(desc);
        x.study_date = s(date);
        out.push((format!("{letter}_s1_i1.dcm"), x));
    }

    // --- edge cases beyond the golden samples -------------------------------------------------
    let uid = |l: &str| deterministic_uid(&format!("dicomq-testdata/{l}"));
    let i_study = uid("I/study");
    let i_base = |series: u32, sop: &str| {
        let mut x = InstanceSpec::new_mr(
            "PAT-I",
            "Van Der Berg^Piet",
            &i_study,
            &uid(&format!("I/s{series}")),
            &uid(&format!("I/s{series}/{sop}")),
        );
        x.study_description = s("Knee^Left / Right\\MRI");
        x.accession = s("ACC-I");
        x.study_date = s("20240808");
        x.study_id = s("I1");
        x.series_number = Some(series);
        x
    };
    for n in [1u32, 2] {
        let mut x = i_base(1, &format!("i{n}"));
        x.series_description = s("T1\\T2");
        x.instance_number = Some(n);
        out.push((format!("I_s1_i{n}.dcm"), x));
    }
    let mut x = i_base(1, "noinst");
    x.series_description = s("T1\\T2");
    x.instance_number = None;
    out.push(("I_s1_noinstance.dcm".into(), x));
    let mut x = i_base(2, "i1");
    x.modality = s("X");
    x.series_description = s("");
    x.sop_class = SECONDARY_CAPTURE_IMAGE_STORAGE.into();
    out.push(("I_s2_i1.dcm".into(), x));
    let mut x = i_base(3, "i1");
    x.modality = None;
    x.series_description = None;
    x.series_number = None;
    x.sop_class = SECONDARY_CAPTURE_IMAGE_STORAGE.into();
    out.push(("I_s3_i1.dcm".into(), x));

    let mut j = InstanceSpec::new_mr("", "No^Id", &uid("J/study"), &uid("J/s1"), &uid("J/s1/i1"));
    j.patient_id = None;
    j.study_description = s("missing id");
    j.study_date = s("20240909");
    out.push(("J_s1_i1.dcm".into(), j));

    let mut k = InstanceSpec::new_mr(
        "PÄT-Ü1",
        "Größe^Renée",
        &uid("K/study"),
        &uid("K/s1"),
        &uid("K/s1/i1"),
    );
    k.charset = Charset::Latin1;
    k.sex = s("F");
    k.study_description = s("Übersicht Thorax/Abdomen");
    k.series_description = s("Coronal ½ dose");
    k.study_date = s("20241010");
    out.push(("K_s1_i1.dcm".into(), k));
    out
}

/// Invalid-but-parseable inputs for rejection tests: currently one file without SOPInstanceUID
/// (its meta group has an empty MediaStorageSOPInstanceUID).
pub fn invalid_corpus() -> Vec<(String, InstanceSpec)> {
    let mut x = InstanceSpec::new_mr(
        "PAT-BAD",
        "No^Sop",
        &deterministic_uid("dicomq-testdata/BAD/study"),
        &deterministic_uid("dicomq-testdata/BAD/s1"),
        "",
    );
    x.sop_uid = None;
    vec![("BAD_no_sop_uid.dcm".into(), x)]
}

/// Bytes of a generated file besides pixel data (meta group + data set of [`small_instance_spec`]),
/// measured; used to size the image.
const SMALL_OVERHEAD: usize = 876;

/// Number of bulk patients, studies per patient and series per study used by [`small_instance`].
pub const BULK_PATIENTS: u64 = 3;
/// Studies per bulk patient.
pub const BULK_STUDIES_PER_PATIENT: u64 = 2;
/// Series per bulk study.
pub const BULK_SERIES_PER_STUDY: u64 = 2;

/// The spec behind [`small_instance`]. SOPInstanceUID is unique per `seed`; the seed also picks one of
/// 3 patients (`seed % 3`) × 2 studies × 2 series, so consecutive seeds spread over all 12 series.
/// The image is sized so that the encoded file is ≈ `target_bytes` (near-square, within ~2·√pixels
/// bytes; never smaller than 1×1 pixel).
pub fn small_instance_spec(seed: u64, target_bytes: usize) -> InstanceSpec {
    let p = seed % BULK_PATIENTS;
    let st = (seed / BULK_PATIENTS) % BULK_STUDIES_PER_PATIENT;
    let se = (seed / (BULK_PATIENTS * BULK_STUDIES_PER_PATIENT)) % BULK_SERIES_PER_STUDY;
    let pixels = (target_bytes.saturating_sub(SMALL_OVERHEAD) / 2).max(1);
    let cols = ((pixels as f64).sqrt().round() as usize).clamp(1, u16::MAX as usize);
    let rows = ((pixels + cols / 2) / cols).clamp(1, u16::MAX as usize);
    let mut x = InstanceSpec::new_mr(
        &format!("BULK-{p}"),
        &format!("Bulk^Patient{p}"),
        &deterministic_uid(&format!("dicomq-bulk/{p}/{st}")),
        &deterministic_uid(&format!("dicomq-bulk/{p}/{st}/{se}")),
        &deterministic_uid(&format!("dicomq-bulk/sop/{seed}")),
    );
    x.study_description = Some(format!("Bulk study {st}"));
    x.accession = Some(format!("BULK-{p}-{st}"));
    x.study_id = Some(format!("{}", st + 1));
    x.series_number = Some(se as u32 + 1);
    x.series_description = Some(format!("Bulk series {se}"));
    x.instance_number = Some((seed / (BULK_PATIENTS * BULK_STUDIES_PER_PATIENT * 2)) as u32 + 1);
    x.rows = rows as u16;
    x.cols = cols as u16;
    x
}

/// A deterministic MR file of ≈ `target_bytes` bytes, see [`small_instance_spec`].
pub fn small_instance(seed: u64, target_bytes: usize) -> Vec<u8> {
    small_instance_spec(seed, target_bytes).to_bytes()
}

/// Writes `n` files `bulk_000000.dcm`… (seeds `0..n`, see [`small_instance_spec`]) into `dir`
/// (created if needed) and returns their paths in seed order.
pub fn write_files(dir: &Path, n: usize, target_bytes: usize) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut paths = Vec::with_capacity(n);
    for i in 0..n {
        let path = dir.join(format!("bulk_{i:06}.dcm"));
        std::fs::write(&path, small_instance(i as u64, target_bytes))?;
        paths.push(path);
    }
    Ok(paths)
}

/// Every file below `dir`, at any depth (none when `dir` does not exist).
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// One data element in Explicit VR Little Endian, written byte for byte: for values that
/// dicom-object cannot encode (text under ISO 2022 code extensions, ISO_IR 148, ...). An odd
/// value is padded (NUL for UI, space otherwise).
pub fn raw_element(tag: Tag, vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
    let mut value = value.to_vec();
    if value.len() % 2 == 1 {
        value.push(if vr == b"UI" { 0 } else { b' ' });
    }
    let mut out = Vec::with_capacity(value.len() + 12);
    out.extend_from_slice(&tag.group().to_le_bytes());
    out.extend_from_slice(&tag.element().to_le_bytes());
    out.extend_from_slice(vr);
    let long = [
        b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV",
    ];
    if long.contains(&vr) {
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
    } else {
        out.extend_from_slice(&(value.len() as u16).to_le_bytes());
    }
    out.extend_from_slice(&value);
    out
}

/// One sequence item of defined length holding already encoded elements.
pub fn raw_item(elements: &[Vec<u8>]) -> Vec<u8> {
    let body = elements.concat();
    let mut out = vec![0xFE, 0xFF, 0x00, 0xE0];
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// A Part 10 file: preamble, `DICM`, a file meta group for Explicit VR Little Endian naming
/// `sop` (SOP Class UID, SOP Instance UID), then the data set elements as given (the caller
/// keeps them in tag order).
pub fn raw_part10(sop: (&str, &str), dataset: &[Vec<u8>]) -> Vec<u8> {
    let meta_elements = [
        raw_element(Tag(0x0002, 0x0001), b"OB", &[0, 1]),
        raw_element(Tag(0x0002, 0x0002), b"UI", sop.0.as_bytes()),
        raw_element(Tag(0x0002, 0x0003), b"UI", sop.1.as_bytes()),
        raw_element(Tag(0x0002, 0x0010), b"UI", b"1.2.840.10008.1.2.1"),
        raw_element(
            Tag(0x0002, 0x0012),
            b"UI",
            IMPLEMENTATION_CLASS_UID.as_bytes(),
        ),
    ]
    .concat();
    let mut out = vec![0u8; 128];
    out.extend_from_slice(b"DICM");
    let group_length = (meta_elements.len() as u32).to_le_bytes();
    out.extend(raw_element(Tag(0x0002, 0x0000), b"UL", &group_length));
    out.extend(meta_elements);
    out.extend(dataset.concat());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_object::from_reader;
    use dicomq::store::ids::orthanc_id;
    use std::collections::HashSet;

    /// Orthanc's sample files and the IDs it answered, committed as test fixtures.
    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/orthanc");

    fn read(bytes: &[u8]) -> dicom_object::DefaultDicomObject {
        from_reader(&bytes[128..]).expect("parse")
    }

    fn get(o: &dicom_object::DefaultDicomObject, tag: Tag) -> Option<String> {
        o.get(tag)
            .map(|e| e.value().to_str().expect("text").into_owned())
    }

    /// Offset of the data set: preamble + magic + group length element + group length.
    fn dataset(bytes: &[u8]) -> &[u8] {
        assert_eq!(&bytes[128..132], b"DICM");
        let gl = u32::from_le_bytes(bytes[140..144].try_into().unwrap()) as usize;
        &bytes[144 + gl..]
    }

    #[test]
    fn orthanc_id_known_values() {
        assert_eq!(
            orthanc_id(&["887"]),
            "ca29faea-b6a0e17f-067743a1-8b778011-a48b2a17"
        );
        assert_eq!(
            orthanc_id(&[""]),
            "da39a3ee-5e6b4b0d-3255bfef-95601890-afd80709"
        );
        // from orthanc-golden/ids/id_check.json
        let a = "PAT-A";
        let st = "1.2.826.0.1.3680043.8.498.10.1";
        let se = "1.2.826.0.1.3680043.8.498.10.1.1";
        let sop = "1.2.826.0.1.3680043.8.498.83014442324197156178360799787597021100";
        assert_eq!(
            orthanc_id(&[a]),
            "21656b59-b4d37a49-76daa8ba-cb774515-26fcb1aa"
        );
        assert_eq!(
            orthanc_id(&[a, st]),
            "b89ca719-1fea81fa-5868adf8-448926c1-a5a8efe9"
        );
        assert_eq!(
            orthanc_id(&[a, st, se]),
            "0cfd7b50-33dc1413-fe591add-840d0cce-0ff9dc34"
        );
        assert_eq!(
            orthanc_id(&[a, st, se, sop]),
            "38d8c43a-40d39fd3-461c3c6c-ddad7157-5bf5f872"
        );
        assert_eq!(
            orthanc_id(&["PAT/B-01"]),
            "ed57787b-c8c1da27-fec06979-e959b4ef-9aa29e28"
        );
        assert_eq!(
            orthanc_id(&[" SP ID"]),
            "f2970b7f-9d81e4e1-2dace1a9-62a6dad8-8968565c"
        );
        // nonascii_id_check.json: Latin-1 PatientID hashed as UTF-8
        assert_eq!(
            orthanc_id(&["PÄT-Ü1"]),
            "4a12c698-9bc4202d-74189030-7ef4f0d1-c4b00d3b"
        );
    }

    /// Every fixture's IDs as Orthanc answered them, recomputed from the corpus files.
    #[test]
    fn corpus_ids_match_orthanc() {
        let text = std::fs::read_to_string(format!("{FIXTURES}/ids.json")).expect("ids.json");
        let json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let corpus = corpus();
        let rows = json.as_object().expect("object");
        assert_eq!(rows.len(), 19);
        for (file, ids) in rows {
            let (_, spec) = corpus.iter().find(|(n, _)| n == file).expect("in corpus");
            let o = read(&spec.to_bytes());
            let pid = get(&o, tags::PATIENT_ID).unwrap_or_default();
            let st = get(&o, tags::STUDY_INSTANCE_UID).expect("study");
            let se = get(&o, tags::SERIES_INSTANCE_UID).expect("series");
            let sop = get(&o, tags::SOP_INSTANCE_UID).expect("sop");
            assert_eq!(orthanc_id(&[&pid]), ids[0], "{file}");
            assert_eq!(orthanc_id(&[&pid, &st]), ids[1], "{file}");
            assert_eq!(orthanc_id(&[&pid, &st, &se]), ids[2], "{file}");
            assert_eq!(orthanc_id(&[&pid, &st, &se, &sop]), ids[3], "{file}");
        }
    }

    /// Corpus A–G data sets are byte-identical to Orthanc's sample files.
    #[test]
    fn corpus_matches_golden_samples_bytes() {
        let dir = Path::new(FIXTURES).join("samples");
        let mut matched = 0;
        for (name, spec) in corpus() {
            let Ok(golden) = std::fs::read(dir.join(&name)) else {
                continue;
            };
            let ours = spec.to_bytes();
            assert!(dataset(&ours) == dataset(&golden), "{name} differs");
            matched += 1;
        }
        assert_eq!(matched, 19);
    }

    #[test]
    fn corpus_reads_back() {
        let corpus = corpus();
        let names: HashSet<_> = corpus.iter().map(|(n, _)| n.clone()).collect();
        assert_eq!(names.len(), corpus.len(), "unique file names");
        let sops: HashSet<_> = corpus.iter().map(|(_, s)| s.sop_uid.clone()).collect();
        assert_eq!(sops.len(), corpus.len(), "unique SOP UIDs");
        for (name, spec) in &corpus {
            let bytes = spec.to_bytes();
            let o = read(&bytes);
            assert_eq!(o.meta().transfer_syntax(), uids::EXPLICIT_VR_LITTLE_ENDIAN);
            assert_eq!(
                o.meta().media_storage_sop_instance_uid(),
                spec.sop_uid.as_deref().unwrap()
            );
            let opt = |v: &Option<String>| v.clone();
            // to_str() trims trailing padding; compare with the spec minus trailing spaces
            let trim = |v: Option<String>| v.map(|v| v.trim_end().to_string());
            assert_eq!(
                get(&o, tags::PATIENT_ID),
                trim(opt(&spec.patient_id)),
                "{name}"
            );
            assert_eq!(
                get(&o, tags::PATIENT_NAME).as_deref(),
                Some(spec.patient_name.as_str()),
                "{name}"
            );
            assert_eq!(
                get(&o, tags::SPECIFIC_CHARACTER_SET).as_deref(),
                spec.charset.specific_character_set(),
                "{name}"
            );
            assert_eq!(
                get(&o, tags::STUDY_DESCRIPTION),
                opt(&spec.study_description),
                "{name}"
            );
            assert_eq!(
                get(&o, tags::SERIES_DESCRIPTION),
                opt(&spec.series_description),
                "{name}"
            );
            assert_eq!(get(&o, tags::MODALITY), opt(&spec.modality), "{name}");
            assert_eq!(get(&o, tags::ACCESSION_NUMBER), opt(&spec.accession));
            assert_eq!(get(&o, tags::PATIENT_BIRTH_DATE), opt(&spec.birth_date));
            assert_eq!(
                get(&o, tags::STUDY_INSTANCE_UID).as_deref(),
                Some(spec.study_uid.as_str())
            );
            assert_eq!(
                get(&o, tags::SERIES_INSTANCE_UID).as_deref(),
                Some(spec.series_uid.as_str())
            );
            assert_eq!(get(&o, tags::SOP_INSTANCE_UID), opt(&spec.sop_uid));
            assert_eq!(
                get(&o, tags::INSTANCE_NUMBER),
                spec.instance_number.map(|n| n.to_string()),
                "{name}"
            );
            assert_eq!(
                get(&o, tags::SERIES_NUMBER),
                spec.series_number.map(|n| n.to_string())
            );
            let px = o.get(tags::PIXEL_DATA).unwrap().value().to_bytes().unwrap();
            assert_eq!(px.as_ref(), spec.pixel_bytes().as_slice(), "{name}");
        }
    }

    #[test]
    fn corpus_covers_edge_cases() {
        let c = corpus();
        let any = |f: &dyn Fn(&InstanceSpec) -> bool| c.iter().any(|(_, s)| f(s));
        assert!(any(&|s| s.patient_id.is_none()));
        assert!(any(&|s| s.patient_id.as_deref() == Some("")));
        assert!(any(&|s| s.patient_id.as_deref() == Some(" SP ID ")));
        assert!(any(&|s| s.modality.is_none()));
        assert!(any(&|s| s.modality.as_ref().is_some_and(|m| m.len() == 1)));
        assert!(any(&|s| s.instance_number.is_none()));
        assert!(any(&|s| s.study_description.is_none()));
        assert!(any(&|s| s.study_description.as_deref() == Some("")));
        assert!(any(&|s| s.series_description.is_none()));
        assert!(any(&|s| s.series_description.as_deref() == Some("")));
        assert!(any(&|s| s.charset == Charset::Ascii));
        for ch in ['/', '^', '\\'] {
            assert!(any(&|s| s
                .study_description
                .as_ref()
                .is_some_and(|d| d.contains(ch))));
        }
        let patients: HashSet<_> = c.iter().map(|(_, s)| s.patient_id.clone()).collect();
        assert!(patients.len() >= 8);
    }

    /// Text is really encoded in the declared character set, and `\` makes a multi-valued LO.
    #[test]
    fn charset_bytes_on_disk() {
        let c = corpus();
        let by = |n: &str| c.iter().find(|(f, _)| f == n).unwrap().1.to_bytes();
        let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
        let a = by("A_s1_i1.dcm");
        assert!(contains(&a, b"M\xfcller^J\xfcrgen"));
        assert!(!contains(&a, "Müller".as_bytes()));
        let d = by("D_s1_i1.dcm");
        assert!(contains(&d, "山田^太郎".as_bytes()));
        assert!(contains(&d, b"ISO_IR 192"));
        let k = by("K_s1_i1.dcm");
        assert!(contains(&k, b"P\xc4T-\xdc1"));
        let o = read(&k);
        assert_eq!(get(&o, tags::PATIENT_ID).as_deref(), Some("PÄT-Ü1"));
        assert_eq!(
            orthanc_id(&[&get(&o, tags::PATIENT_ID).unwrap()]),
            "4a12c698-9bc4202d-74189030-7ef4f0d1-c4b00d3b"
        );
        let i = by("I_s1_i1.dcm");
        assert!(!contains(&i, b"ISO_IR"));
        assert!(contains(&i, b"T1\\T2"));
        let o = read(&i);
        let e = o.get(tags::SERIES_DESCRIPTION).unwrap();
        assert_eq!(e.value().multiplicity(), 2);
        assert_eq!(e.value().to_str().unwrap(), "T1\\T2");
    }

    #[test]
    fn missing_sop_instance_uid() {
        let (_, spec) = &invalid_corpus()[0];
        let bytes = spec.to_bytes();
        let o = read(&bytes);
        assert!(o.get(tags::SOP_INSTANCE_UID).is_none());
        assert_eq!(o.meta().media_storage_sop_instance_uid(), "");
        assert_eq!(get(&o, tags::PATIENT_ID).as_deref(), Some("PAT-BAD"));
    }

    fn dcmdump_available() -> bool {
        let ok = std::process::Command::new("dcmdump")
            .arg("--version")
            .output()
            .is_ok();
        if !ok && std::env::var("DICOMQ_REQUIRE_VALIDATORS").as_deref() == Ok("1") {
            panic!("dcmdump not found but DICOMQ_REQUIRE_VALIDATORS=1");
        }
        ok
    }

    #[test]
    fn dcmdump_reads_every_file() {
        if !dcmdump_available() {
            eprintln!("dcmdump absent, skipping");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut files: Vec<(String, Vec<u8>)> = corpus()
            .into_iter()
            .chain(invalid_corpus())
            .map(|(n, s)| (n, s.to_bytes()))
            .collect();
        files.push(("small.dcm".into(), small_instance(7, 4096)));
        for (name, bytes) in files {
            let path = dir.path().join(&name);
            std::fs::write(&path, bytes).unwrap();
            let out = std::process::Command::new("dcmdump")
                .arg("-q")
                .arg(&path)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{name}: {stderr}");
            assert!(stderr.trim().is_empty(), "{name}: {stderr}");
        }
    }

    #[test]
    fn small_instance_deterministic_and_sized() {
        assert_eq!(small_instance(42, 10_000), small_instance(42, 10_000));
        assert_ne!(small_instance(42, 10_000), small_instance(43, 10_000));
        for target in [1_000usize, 2_048, 10_000, 100_000, 1_000_000] {
            let len = small_instance(5, target).len();
            let tol = (target / 20).max(256);
            assert!(len.abs_diff(target) <= tol, "target {target} got {len}");
        }
        // tiny targets still give a valid 1x1 image
        let o = read(&small_instance(1, 0));
        assert_eq!(get(&o, tags::ROWS).as_deref(), Some("1"));
        // unique SOP UIDs, spread over 3 patients / 6 studies / 12 series
        let specs: Vec<_> = (0..48).map(|i| small_instance_spec(i, 1000)).collect();
        let n =
            |f: &dyn Fn(&InstanceSpec) -> String| specs.iter().map(f).collect::<HashSet<_>>().len();
        assert_eq!(n(&|s| s.sop_uid.clone().unwrap()), 48);
        assert_eq!(n(&|s| s.patient_id.clone().unwrap()), 3);
        assert_eq!(n(&|s| s.study_uid.clone()), 6);
        assert_eq!(n(&|s| s.series_uid.clone()), 12);
        for s in &specs {
            assert!(s.sop_uid.as_ref().unwrap().len() <= 64);
        }
    }

    #[test]
    fn pixel_pattern_is_periodic_formula() {
        let mut spec = small_instance_spec(0, 0);
        spec.rows = 70;
        spec.cols = 130; // 9100 pixels: more than two 4096-pixel periods
        spec.instance_number = Some(6);
        let px = spec.pixel_bytes();
        assert_eq!(px.len(), 70 * 130 * 2);
        for (k, v) in px.chunks(2).enumerate() {
            assert_eq!(u16::from_le_bytes([v[0], v[1]]) as usize, (k * 7) & 0x0FFF);
        }
    }

    #[test]
    fn write_files_writes_readable_files() {
        let dir = tempfile::tempdir().unwrap();
        let paths = write_files(&dir.path().join("sub"), 25, 3000).unwrap();
        assert_eq!(paths.len(), 25);
        for (i, p) in paths.iter().enumerate() {
            let o = dicom_object::open_file(p).unwrap();
            assert_eq!(
                get(&o, tags::SOP_INSTANCE_UID),
                small_instance_spec(i as u64, 3000).sop_uid
            );
        }
    }
}
