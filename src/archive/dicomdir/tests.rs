//! DICOMDIR tests: structure and offsets, validators, charsets, pinned bytes.

use super::charset::record_charset;
use super::values::*;
use super::*;
use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::uids;
use dicom_object::meta::FileMetaTableBuilder;
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

/// Whether every text value a record copies from the source is ASCII.
fn ascii_keys(ds: &InMemDicomObject) -> bool {
    [
        tags::PATIENT_NAME,
        tags::PATIENT_ID,
        tags::STUDY_DESCRIPTION,
        tags::ACCESSION_NUMBER,
        tags::STUDY_ID,
        tags::SERIES_DESCRIPTION,
    ]
    .iter()
    .all(|&t| text(ds, t).is_none_or(|v| v.is_ascii()))
}

/// The DICOMDIR of `specs()` and of the test-data corpus (only the sources whose keys are
/// ASCII when `ascii_only`), with a fixed media SOP instance UID, reduced to a SHA-1.
fn pinned_digest(extended: bool, ascii_only: bool) -> String {
    use sha1::{Digest, Sha1};
    let dir = tempfile::tempdir().unwrap();
    let mut w = DicomDirWriter::new(extended);
    w.set_media_sop_instance_uid("1.2.826.0.1.3680043.10.1234.1");
    for (i, s) in specs().iter().enumerate() {
        let name = format!("IM{i}");
        let f = make(dir.path(), &name, s);
        if !ascii_only || ascii_keys(&f) {
            w.add_instance(&f, &["IMAGES", &name]).unwrap();
        }
    }
    for (i, (_, spec)) in crate::testdata::corpus().into_iter().enumerate() {
        let f = dicom_object::from_reader(&spec.to_bytes()[128..]).unwrap();
        let name = format!("C{i}");
        if !ascii_only || ascii_keys(&f) {
            w.add_instance(&f, &["CORPUS", &name]).unwrap();
        }
    }
    let bytes = w.to_bytes().unwrap();
    Sha1::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The bytes of a DICOMDIR are pinned: a change in record order, offsets, padding or
/// charset handling shows here. The ASCII digests date from before the writer was split per
/// record level and are unchanged since; the mixed ones (Latin-1 and UTF-8 sources) changed
/// when such a file set became UTF-8 throughout, declared at the top.
#[test]
fn bytes_are_pinned() {
    assert_eq!(
        pinned_digest(false, false),
        "0cd51e86e274913d700c2cbde2208c0eb70bad9b"
    );
    assert_eq!(
        pinned_digest(true, false),
        "ba2b357861af1d4d97251f6c7f57ae02dcf49a53"
    );
    // Sources whose keys are all ASCII.
    assert_eq!(
        pinned_digest(false, true),
        "8a823e43380125853722afafd4ae0f6878cb758d"
    );
    assert_eq!(
        pinned_digest(true, true),
        "bafa3961f0c5f88bc292a82aa8ab0b581366b3e2"
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
    // Non-ASCII kept and decoded back through each record's own charset: Latin-1 and UTF-8
    // sources make a UTF-8 file set, declared at the top too.
    assert_eq!(get(0, tags::SPECIFIC_CHARACTER_SET), "ISO_IR 192");
    assert_eq!(
        f.element(tags::SPECIFIC_CHARACTER_SET)
            .unwrap()
            .to_str()
            .unwrap(),
        "ISO_IR 192"
    );
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
    // The Latin-1 source's name really is UTF-8 in the file.
    let name = "Müller^Jürgen".as_bytes();
    assert!(b.bytes.windows(name.len()).any(|w| w == name));
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
    let mut zw = ArchiveZipWriter::new(std::fs::File::create(&zip_path).unwrap(), plan).unwrap();
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
        let text =
            String::from_utf8_lossy(&o.stderr).to_string() + &String::from_utf8_lossy(&o.stdout);
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

/// Orthanc's `test_media_encodings`: one source in ASCII, one in Latin-1, one in Latin-2.
fn encoding_specs(latin2: Option<&'static str>) -> Vec<Spec<'static>> {
    let spec = |n: &'static str, charset, name, desc, sop_suffix| Spec {
        charset,
        patient: (n, name),
        study: (
            ["1.2.3.60.1", "1.2.3.61.1", "1.2.3.62.1"][sop_suffix],
            desc,
            Some("20240101"),
        ),
        series: (
            ["1.2.3.60.1.1", "1.2.3.61.1.1", "1.2.3.62.1.1"][sop_suffix],
            "1",
            "MR",
            "T1",
        ),
        sop: (
            MR,
            ["1.2.3.60.1.1.1", "1.2.3.61.1.1.1", "1.2.3.62.1.1.1"][sop_suffix],
            Some("1"),
        ),
    };
    vec![
        spec("P-ASCII", None, "Doe^John", "Knee", 0),
        spec(
            "P-LATIN1",
            Some("ISO_IR 100"),
            "Müller^Hans",
            "Gehirn Übersicht",
            1,
        ),
        spec("P-LATIN2", latin2, "Dvořák^Jiří", "Mozek řez", 2),
    ]
}

/// Writes the sources of `specs` and the DICOMDIR over them; returns the folder.
fn build_from(specs: &[Spec]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let images = dir.path().join("IMAGES");
    std::fs::create_dir(&images).unwrap();
    let mut w = DicomDirWriter::new(true);
    for (i, s) in specs.iter().enumerate() {
        let name = format!("IM{i}");
        let f = make(&images, &name, s);
        assert!(w.add_instance(&f, &["IMAGES", &name]).unwrap());
    }
    std::fs::write(dir.path().join("DICOMDIR"), w.to_bytes().unwrap()).unwrap();
    dir
}

/// Top-level (0008,0005) and the PatientName of each PATIENT record, as dicom-object reads them.
fn declared_charsets(path: &Path) -> (Option<String>, Vec<(Option<String>, String)>) {
    let f = dicom_object::open_file(path).unwrap();
    let s = |o: &InMemDicomObject, t| o.element(t).ok().map(|e| e.to_str().unwrap().to_string());
    let top = s(&f, tags::SPECIFIC_CHARACTER_SET);
    let items = f
        .element(tags::DIRECTORY_RECORD_SEQUENCE)
        .unwrap()
        .items()
        .unwrap();
    let patients = items
        .iter()
        .filter(|i| s(i, tags::DIRECTORY_RECORD_TYPE).as_deref() == Some("PATIENT"))
        .map(|i| {
            (
                s(i, tags::SPECIFIC_CHARACTER_SET),
                s(i, tags::PATIENT_NAME).unwrap(),
            )
        })
        .collect();
    (top, patients)
}

/// `dcm2xml FILE` without options: its XML, decoded in the encoding it declares.
fn dcm2xml(path: &Path) -> Option<String> {
    let out = run_tool("dcm2xml", &[path.to_str().unwrap()])?;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "dcm2xml: {err}");
    assert!(!err.contains("E:"), "dcm2xml: {err}");
    let head = String::from_utf8_lossy(&out.stdout[..out.stdout.len().min(60)]).to_string();
    Some(if head.contains("encoding=\"ISO-8859-1\"") {
        out.stdout.iter().map(|&b| char::from(b)).collect()
    } else {
        assert!(head.contains("encoding=\"UTF-8\""), "{head}");
        String::from_utf8(out.stdout).expect("the XML is the UTF-8 it declares")
    })
}

/// dciodvfy without errors, dcentvfy silent (as Orthanc's test requires), dcmdump clean.
fn validate(path: &Path) {
    let p = path.to_str().unwrap();
    if let Some(o) = run_tool("dciodvfy", &[p]) {
        let text =
            String::from_utf8_lossy(&o.stderr).to_string() + &String::from_utf8_lossy(&o.stdout);
        assert!(text.contains("BasicDirectory"), "{text}");
        assert!(!text.lines().any(|l| l.starts_with("Error")), "{text}");
    }
    if let Some(o) = run_tool("dcentvfy", &[p]) {
        let text =
            String::from_utf8_lossy(&o.stderr).to_string() + &String::from_utf8_lossy(&o.stdout);
        assert!(text.trim().is_empty(), "dcentvfy: {text}");
    }
    if let Some(o) = run_tool("dcmdump", &["-q", p]) {
        assert!(
            o.status.success() && o.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// Sources in different character sets: every record with non-ASCII text is written in
/// UTF-8 and says so, and so does the main data set, so that dcm2xml reads the DICOMDIR.
#[test]
fn mixed_charsets_become_utf8_declared_at_the_top() {
    let dir = build_from(&encoding_specs(Some("ISO_IR 101")));
    let path = dir.path().join("DICOMDIR");
    let (top, patients) = declared_charsets(&path);
    assert_eq!(top.as_deref(), Some("ISO_IR 192"));
    let utf8 = Some("ISO_IR 192".to_string());
    assert_eq!(
        patients,
        [
            (None, "Doe^John".to_string()),
            (utf8.clone(), "Müller^Hans".to_string()),
            (utf8, "Dvořák^Jiří".to_string()),
        ]
    );
    let bytes = std::fs::read(&path).unwrap();
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(has("Dvořák^Jiří".as_bytes()) && has("Mozek řez".as_bytes()));
    assert!(
        !has(b"Dvo\xf8\xe1k") && !has(b"M\xfcller"),
        "no Latin-1/2 bytes left"
    );
    validate(&path);
    if let Some(xml) = dcm2xml(&path) {
        for needle in [
            "Müller^Hans",
            "Dvořák^Jiří",
            "Gehirn Übersicht",
            "1.2.3.60.1.1.1",
            "1.2.3.61.1.1.1",
            "1.2.3.62.1.1.1",
        ] {
            assert!(xml.contains(needle), "{needle} not in {xml}");
        }
    }
}

/// Sources that agree on one character set keep it, declared at the top as well; a file set
/// of ASCII keys declares nothing (its bytes are pinned in `bytes_are_pinned`).
#[test]
fn one_common_charset_is_kept_and_declared_at_the_top() {
    let ascii_and_latin1: Vec<Spec> = encoding_specs(None).into_iter().take(2).collect();
    let dir = build_from(&ascii_and_latin1);
    let path = dir.path().join("DICOMDIR");
    let (top, patients) = declared_charsets(&path);
    assert_eq!(top.as_deref(), Some("ISO_IR 100"));
    assert_eq!(patients[1], (top.clone(), "Müller^Hans".to_string()));
    let bytes = std::fs::read(&path).unwrap();
    assert!(
        bytes.windows(11).any(|w| w == b"M\xfcller^Hans"),
        "Latin-1 bytes kept"
    );
    validate(&path);
    if let Some(xml) = dcm2xml(&path) {
        assert!(
            xml.contains("Müller^Hans") && xml.contains("Gehirn Übersicht"),
            "{xml}"
        );
    }

    let ascii: Vec<Spec> = encoding_specs(None).into_iter().take(1).collect();
    let dir = build_from(&ascii);
    assert_eq!(declared_charsets(&dir.path().join("DICOMDIR")).0, None);
}
