//! The reader end to end: what it accepts (bare data sets, deflate, lenient meta, UN) and that
//! what it refuses is refused before dicom-object parses.

use std::io::Cursor;

use dicom_core::header::Header;
use dicom_core::{Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_encoding::transfer_syntax::TransferSyntaxIndex;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

use super::*;
use crate::dicom::inflate::MAX_INFLATED_BYTES;
use crate::dicom::scan::MAX_SEQUENCE_DEPTH;
use crate::dicom::scan::StructureError;
use crate::store::header::summarize;
use crate::testdata::InstanceSpec;
use crate::testdata_malformed as bad;

fn read(bytes: &[u8], header_only: bool) -> Result<ReadDicom, DicomReadError> {
    read_dicom(Cursor::new(bytes), header_only)
}

fn mr_spec(label: &str) -> InstanceSpec {
    let [study, series, instance] = bad::uids_of(label);
    InstanceSpec::new_mr(label, "Bare^Dataset", &study, &series, &instance)
}

fn bare(spec: &InstanceSpec, ts: &str) -> Vec<u8> {
    let ts = TransferSyntaxRegistry.get(ts).expect("known syntax");
    let mut out = Vec::new();
    spec.to_object()
        .write_dataset_with_ts(&mut out, ts)
        .expect("encodes");
    out
}

#[test]
fn the_testdata_corpus_reads_as_dicom_object_reads_it() {
    for (name, spec) in crate::testdata::corpus() {
        let bytes = spec.to_bytes();
        let ours = read(&bytes, false).expect(&name).object;
        let theirs = dicom_object::from_reader(&bytes[128..]).expect(&name);
        assert_eq!(
            ours.meta().transfer_syntax(),
            theirs.meta().transfer_syntax()
        );
        let ours: Vec<_> = ours
            .iter()
            .map(|e| (e.tag(), e.vr(), e.value().clone()))
            .collect();
        let theirs: Vec<_> = theirs
            .iter()
            .map(|e| (e.tag(), e.vr(), e.value().clone()))
            .collect();
        assert_eq!(ours, theirs, "{name}");
    }
}

#[test]
fn header_only_stops_before_pixel_data() {
    let bytes = bad::file_with_pixels("read-header-only", 64);
    assert!(
        read(&bytes, true)
            .unwrap()
            .object
            .get(tags::PIXEL_DATA)
            .is_none()
    );
    assert!(
        read(&bytes, false)
            .unwrap()
            .object
            .get(tags::PIXEL_DATA)
            .is_some()
    );
}

#[test]
fn nesting_at_the_limit_parses_and_dumps_on_a_small_stack() {
    let bytes = bad::nested_sequences("read-limit", MAX_SEQUENCE_DEPTH);
    // dicom-object and the tag dumps recurse per level: 64 levels fit in the 2 MiB of a default thread.
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let obj = read(&bytes, false).unwrap().object;
            let _ = crate::store::tags::tags_json(
                &obj,
                &crate::dicom::create::PrivateDictionary::empty(),
            );
            let _ = crate::store::tags::tags_text(
                &obj,
                &crate::dicom::create::PrivateDictionary::empty(),
            );
        })
        .unwrap()
        .join()
        .expect("no stack overflow");
}

#[test]
fn refusals_come_from_the_scan_before_any_parse() {
    for bytes in [
        bad::nested_sequences("read-deep", 2000),
        bad::huge_declared_length("read-ut", 0x7FFF_FFF0),
        bad::file_with_pixels("read-cut", 1024)[..1000].to_vec(),
    ] {
        for header_only in [true, false] {
            let e = read(&bytes, header_only).unwrap_err();
            assert!(matches!(e, DicomReadError::Structure(_)), "{e:?}");
        }
    }
}

#[test]
fn a_bare_implicit_data_set_is_read_with_a_generated_meta_group() {
    for ts in [
        uids::IMPLICIT_VR_LITTLE_ENDIAN,
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
    ] {
        let spec = mr_spec("read-bare");
        let dataset = bare(&spec, ts);
        let read = read(&dataset, true).unwrap();
        assert!(read.meta_generated);
        let meta = read.object.meta();
        assert_eq!(meta.transfer_syntax(), ts);
        assert_eq!(
            meta.media_storage_sop_instance_uid(),
            spec.sop_uid.as_deref().unwrap()
        );
        assert_eq!(meta.media_storage_sop_class_uid(), spec.sop_class);
        let from_part10 = summarize(&self::read(&spec.to_bytes(), true).unwrap().object).unwrap();
        assert_eq!(summarize(&read.object).unwrap().ids, from_part10.ids);

        // With the prefix in front, it is a Part 10 file whose data set is unchanged.
        let mut file = part10_prefix(&read.object).unwrap();
        file.extend_from_slice(&dataset);
        validate_dicom_bytes(&file).unwrap();
        let again = self::read(&file, false).unwrap();
        assert!(!again.meta_generated);
        assert_eq!(summarize(&again.object).unwrap().ids, from_part10.ids);
    }
}

#[test]
fn a_deflated_file_is_read() {
    let read = read(&bad::deflated("read-deflated"), false).unwrap();
    let [_, _, instance] = bad::uids_of("read-deflated");
    assert_eq!(
        read.object.meta().transfer_syntax(),
        uids::DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN
    );
    let sop = read.object.get(tags::SOP_INSTANCE_UID).unwrap();
    assert_eq!(
        sop.value().to_str().unwrap().trim_end_matches('\0'),
        instance
    );
    assert!(summarize(&read.object).is_ok());
}

#[test]
fn a_deflate_bomb_is_refused_without_inflating_it_all() {
    let bomb = bad::deflate_bomb("read-bomb", (MAX_INFLATED_BYTES + (8 << 20)) as usize);
    assert!(bomb.len() < 1 << 20);
    let e = read(&bomb, true).unwrap_err();
    assert!(
        matches!(e, DicomReadError::Inflate(InflateError::TooLarge)),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("inflates to more than 64 MiB"),
        "{e}"
    );
}

#[test]
fn an_unsupported_syntax_names_it_and_no_build_feature() {
    let file = bad::part10("read-jpip", uids::JPIP_REFERENCED_DEFLATE, &[0x78, 0x9C]);
    let e = read(&file, true).unwrap_err().to_string();
    assert!(e.contains(uids::JPIP_REFERENCED_DEFLATE), "{e}");
    assert!(!e.contains("feature"), "{e}");
}

#[test]
fn a_meta_value_longer_than_its_vr_allows_is_kept() {
    let name = "A_VERY_LONG_IMPLEMENTATION_NAME";
    assert_eq!(name.len(), 31);
    let file = bad::part10_with_version_name(
        "read-long-meta",
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
        &bad::dataset("read-long-meta"),
        name,
    );
    let read = read(&file, true).unwrap();
    assert_eq!(
        read.object.meta().implementation_version_name.as_deref(),
        Some(name)
    );
    assert!(summarize(&read.object).is_ok());
}

#[test]
fn standard_elements_sent_as_un_are_decoded_by_their_vr() {
    let label = "read-un";
    let file = bad::part10(
        label,
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
        &bad::un_dataset(label),
    );
    let obj = read(&file, true).unwrap().object;
    let sop = obj.get(tags::SOP_INSTANCE_UID).unwrap();
    assert_eq!(sop.vr(), VR::UI);
    let [_, _, instance] = bad::uids_of(label);
    assert_eq!(
        sop.value().to_str().unwrap().trim_end_matches('\0'),
        instance
    );
    assert_eq!(obj.get(tags::PATIENT_NAME).unwrap().vr(), VR::PN);
    let plain = bad::part10(label, uids::EXPLICIT_VR_LITTLE_ENDIAN, &bad::dataset(label));
    assert_eq!(
        summarize(&obj).unwrap().ids,
        summarize(&read(&plain, true).unwrap().object).unwrap().ids
    );
}

#[test]
fn an_un_sequence_is_decoded_as_implicit_items() {
    let label = "read-un-sq";
    let mut ds = bad::dataset(label);
    // ReferencedImageSequence (0008,1140) as UN with a defined length: one implicit item
    // holding ReferencedSOPInstanceUID (0008,1155).
    let inner = bad::implicit(0x0008, 0x1155, &bad::padded("1.2.3.4", true));
    let mut item = vec![0xFE, 0xFF, 0x00, 0xE0];
    item.extend_from_slice(&(inner.len() as u32).to_le_bytes());
    item.extend(inner);
    // Keep the tag order: (0008,1140) goes after (0008,0060).
    let sq = bad::explicit(0x0008, 0x1140, b"UN", &item);
    let at = ds
        .windows(4)
        .position(|w| w == [0x10, 0x00, 0x10, 0x00])
        .unwrap();
    ds.splice(at..at, sq);
    let file = bad::part10(label, uids::EXPLICIT_VR_LITTLE_ENDIAN, &ds);
    let obj = read(&file, true).unwrap().object;
    let sq = obj.get(Tag(0x0008, 0x1140)).unwrap();
    assert_eq!(sq.vr(), VR::SQ);
    let items = sq.items().unwrap();
    assert_eq!(
        items[0]
            .get(Tag(0x0008, 0x1155))
            .unwrap()
            .value()
            .to_str()
            .unwrap()
            .trim_end_matches('\0'),
        "1.2.3.4"
    );
}

#[test]
fn a_top_level_un_element_of_undefined_length_is_read_as_implicit_items() {
    // CP-246: ReferencedSeriesSequence (0008,1115) sent as UN with an undefined length; its
    // item is Implicit VR Little Endian and holds SeriesInstanceUID.
    let label = "read-un-undefined";
    let mut un = vec![
        0x08, 0x00, 0x15, 0x11, b'U', b'N', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
    ];
    un.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
    un.extend(bad::implicit(
        0x0020,
        0x000E,
        &bad::padded("1.2.3.4.5", true),
    ));
    un.extend_from_slice(&[0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]);
    un.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
    let mut ds = bad::dataset(label);
    let at = ds
        .windows(4)
        .position(|w| w == [0x10, 0x00, 0x10, 0x00])
        .unwrap();
    ds.splice(at..at, un);
    let file = bad::part10(label, uids::EXPLICIT_VR_LITTLE_ENDIAN, &ds);
    for header_only in [true, false] {
        let obj = read(&file, header_only).unwrap().object;
        let sq = obj.get(Tag(0x0008, 0x1115)).unwrap();
        let items = sq.items().expect("a sequence");
        let uid = items[0].get(tags::SERIES_INSTANCE_UID).unwrap();
        assert_eq!(uid.vr(), VR::UI);
        assert_eq!(
            uid.value().to_str().unwrap().trim_end_matches('\0'),
            "1.2.3.4.5"
        );
        // The elements after it are read as explicit again.
        assert!(summarize(&obj).is_ok());
        assert_eq!(obj.get(tags::PATIENT_NAME).unwrap().vr(), VR::PN);
    }
    // Inside another sequence, it is refused rather than misread.
    let mut nested = bad::dataset(label);
    nested.extend(bad::explicit_header(0x0040, 0xA730, b"SQ", 0xFFFF_FFFF));
    nested.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
    nested.extend_from_slice(&[
        0x08, 0x00, 0x15, 0x11, b'U', b'N', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
    ]);
    nested.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
    let file = bad::part10(label, uids::EXPLICIT_VR_LITTLE_ENDIAN, &nested);
    assert!(matches!(
        read(&file, true).unwrap_err(),
        DicomReadError::Structure(StructureError::Malformed { .. })
    ));
}

#[test]
fn a_meta_group_without_transfer_syntax_is_told_from_the_data_set() {
    let label = "read-no-ts";
    let mut file = bad::part10(
        label,
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
        &bad::implicit_dataset(label),
    );
    // Blank the TransferSyntaxUID's tag into a private-group-2 one the reader ignores.
    let at = file
        .windows(4)
        .position(|w| w == [0x02, 0x00, 0x10, 0x00])
        .unwrap();
    file[at + 2] = 0x11;
    let read = read(&file, true).unwrap();
    assert_eq!(
        read.object.meta().transfer_syntax(),
        uids::IMPLICIT_VR_LITTLE_ENDIAN
    );
    assert!(summarize(&read.object).is_ok());
}

#[test]
fn a_bare_explicit_big_endian_data_set_is_read() {
    let label = "read-bare-be";
    let [study, series, instance] = bad::uids_of(label);
    let spec = InstanceSpec::new_mr(label, "Big^Endian", &study, &series, &instance);
    #[allow(deprecated)]
    let dataset = bare(&spec, uids::EXPLICIT_VR_BIG_ENDIAN);
    let read = read(&dataset, true).unwrap();
    assert!(read.meta_generated);
    assert_eq!(read.object.meta().transfer_syntax(), "1.2.840.10008.1.2.2");
    let ids = summarize(&read.object).unwrap().ids;
    assert_eq!(
        ids,
        summarize(&self::read(&spec.to_bytes(), true).unwrap().object)
            .unwrap()
            .ids
    );
}

#[test]
fn an_identifier_sent_as_un_is_hashed_with_its_spaces_as_orthanc_does() {
    // Orthanc 1.10.1 gives pydicom's rtdose_rle.dcm, whose PatientID "id11111 " is sent as UN,
    // the patient ID SHA-1("id11111 "): the space stays, while the UIDs lose their NUL padding.
    let label = "read-un"; // odd length: padded with a space
    let [study, series, instance] = bad::uids_of(label);
    let un = bad::part10(
        label,
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
        &bad::un_dataset(label),
    );
    let header = crate::store::header::parse_header(std::io::Cursor::new(&un)).unwrap();
    let expected = crate::store::ids::InstanceIds::compute("read-un ", &study, &series, &instance);
    assert_eq!(header.ids, expected);
    assert_eq!(
        header.patient.get("PatientID").map(String::as_str),
        Some("read-un")
    );
    let plain = bad::part10(label, uids::EXPLICIT_VR_LITTLE_ENDIAN, &bad::dataset(label));
    let header = crate::store::header::parse_header(std::io::Cursor::new(&plain)).unwrap();
    let expected = crate::store::ids::InstanceIds::compute("read-un", &study, &series, &instance);
    assert_eq!(header.ids, expected);
}
