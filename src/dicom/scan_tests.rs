//! The structural scan, one bad shape at a time (files from `crate::testdata_malformed`).

use std::io::Cursor;

use dicom_core::Tag;
use dicom_dictionary_std::uids;
use dicom_encoding::transfer_syntax::TransferSyntaxIndex;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

use super::*;
use crate::dicom::file_start::read_file_start;
use crate::dicom::read::{DicomReadError, validate_dicom_bytes};
use crate::testdata_malformed as bad;

fn structure_error(bytes: &[u8]) -> StructureError {
    match validate_dicom_bytes(bytes) {
        Err(DicomReadError::Structure(e)) => e,
        other => panic!("expected a structure error, got {other:?}"),
    }
}

/// Scans the data set of a Part 10 file directly (not through `read`).
fn scan_file(bytes: &[u8], max_depth: usize) -> Result<ScannedStream, StructureError> {
    let mut src = Cursor::new(bytes);
    let start = read_file_start(&mut src, 0, bytes.len() as u64)?;
    let ts = TransferSyntaxRegistry
        .get(&start.transfer_syntax)
        .expect("known syntax");
    scan_elements(
        &mut src,
        start.dataset_at,
        bytes.len() as u64,
        ts,
        max_depth,
    )
}

#[test]
fn a_well_formed_file_passes_and_pixel_data_is_located() {
    let file = bad::file_with_pixels("scan-ok", 64);
    let scanned = scan_file(&file, MAX_SEQUENCE_DEPTH).unwrap();
    // Pixel Data is the last element: 12 bytes of header then 64 of value.
    assert_eq!(scanned.pixel_data_at, Some(file.len() as u64 - 76));
    assert_eq!(scanned.depth, 0);
    validate_dicom_bytes(&file).unwrap();
}

#[test]
fn nesting_up_to_the_limit_passes_and_one_more_level_is_refused() {
    let at_limit = bad::nested_sequences("scan-deep", MAX_SEQUENCE_DEPTH);
    assert_eq!(
        scan_file(&at_limit, MAX_SEQUENCE_DEPTH).unwrap().depth,
        MAX_SEQUENCE_DEPTH
    );
    let over = bad::nested_sequences("scan-deep", MAX_SEQUENCE_DEPTH + 1);
    let e = structure_error(&over);
    assert!(
        matches!(e, StructureError::TooDeep { tag, .. } if tag == Tag(0x0040, 0xA730)),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("nested deeper than 64 levels"),
        "{e}"
    );
    assert!(e.to_string().contains("ContentSequence"), "{e}");
}

#[test]
fn two_thousand_levels_are_refused_without_recursion() {
    // 2 000 levels is what overflowed the stack; the scan keeps its own stack on the heap and
    // stops at the limit.
    let e = structure_error(&bad::nested_sequences("scan-2000", 2000));
    assert!(matches!(e, StructureError::TooDeep { .. }), "{e:?}");
}

#[test]
fn a_file_cut_anywhere_in_its_last_element_is_truncated_naming_it() {
    let file = bad::file_with_pixels("scan-cut", 4096);
    // Missing its last 2 bytes, cut mid pixel data.
    for cut in [2usize, 2000] {
        let e = structure_error(&file[..file.len() - cut]);
        assert!(
            matches!(e, StructureError::Truncated { tag, declared: 4096, .. } if tag == Tag(0x7FE0, 0x0010)),
            "{e:?}"
        );
        let text = e.to_string();
        assert!(text.contains("(7FE0,0010) PixelData"), "{text}");
        assert!(text.contains("truncated"), "{text}");
    }
}

#[test]
fn a_file_cut_in_an_element_header_is_truncated() {
    let file = bad::file_with_pixels("scan-cut-header", 64);
    // 76 bytes of Pixel Data element; keep 5 bytes of its header.
    let cut = &file[..file.len() - 71];
    assert!(matches!(
        structure_error(cut),
        StructureError::TruncatedHeader { .. }
    ));
}

#[test]
fn a_file_cut_at_half_is_refused_at_every_cut_in_its_data_set() {
    // Every cut inside the data set either splits an element or ends it early: never accepted
    // as a complete file, except cuts that fall exactly between two elements.
    let file = bad::file_with_pixels("scan-every-cut", 32);
    let mut boundaries = 0;
    for len in 340..file.len() {
        if validate_dicom_bytes(&file[..len]).is_ok() {
            boundaries += 1;
        }
    }
    assert!(boundaries <= 20, "{boundaries} cuts were accepted");
    assert!(validate_dicom_bytes(&file[..file.len() / 2]).is_err());
}

#[test]
fn a_4_gb_pixel_data_in_a_tiny_file_is_refused() {
    let mut ds = bad::dataset("scan-4gb");
    ds.extend(bad::explicit_header(0x7FE0, 0x0010, b"OW", 0xFFFF_FFF0));
    ds.extend_from_slice(&[0; 16]);
    let file = bad::part10("scan-4gb", uids::EXPLICIT_VR_LITTLE_ENDIAN, &ds);
    assert!(file.len() < 1024);
    let e = structure_error(&file);
    assert!(
        matches!(
            e,
            StructureError::Truncated {
                declared: 0xFFFF_FFF0,
                remaining: 16,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn a_huge_declared_ut_is_refused_by_the_scan() {
    let file = bad::huge_declared_length("scan-ut", 0x7FFF_FFF0);
    assert!(file.len() < 1024);
    let e = scan_file(&file, MAX_SEQUENCE_DEPTH).unwrap_err();
    assert!(
        matches!(e, StructureError::Truncated { tag, declared: 0x7FFF_FFF0, remaining: 4, .. } if tag == Tag(0x0040, 0xA160)),
        "{e:?}"
    );
}

#[test]
fn an_item_longer_than_its_sequence_is_refused() {
    let mut ds = bad::dataset("scan-overrun");
    // A defined-length SQ of 16 bytes whose item declares 100.
    ds.extend(bad::explicit_header(0x0040, 0xA730, b"SQ", 16));
    ds.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0]);
    ds.extend_from_slice(&100u32.to_le_bytes());
    ds.extend_from_slice(&[0; 200]);
    let file = bad::part10("scan-overrun", uids::EXPLICIT_VR_LITTLE_ENDIAN, &ds);
    let e = structure_error(&file);
    assert!(
        matches!(
            e,
            StructureError::Overrun {
                declared: 100,
                available: 8,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn a_pixel_fragment_past_the_end_is_refused() {
    let mut ds = bad::dataset("scan-fragment");
    ds.extend(bad::explicit_header(0x7FE0, 0x0010, b"OB", 0xFFFF_FFFF));
    // Empty offset table, then a fragment declaring 1 000 bytes with 10 present.
    ds.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0]);
    ds.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0]);
    ds.extend_from_slice(&1000u32.to_le_bytes());
    ds.extend_from_slice(&[0; 10]);
    let file = bad::part10("scan-fragment", uids::JPEG_BASELINE8_BIT, &ds);
    let e = structure_error(&file);
    assert!(
        matches!(e, StructureError::Truncated { tag, declared: 1000, .. } if tag == Tag(0x7FE0, 0x0010)),
        "{e:?}"
    );
}

#[test]
fn an_encapsulated_image_passes() {
    let mut ds = bad::dataset("scan-encapsulated");
    ds.extend(bad::explicit_header(0x7FE0, 0x0010, b"OB", 0xFFFF_FFFF));
    ds.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0, 0, 0, 0]);
    ds.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 4, 0, 0, 0, 0xFF, 0xD8, 0xFF, 0xD9]);
    ds.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
    let file = bad::part10("scan-encapsulated", uids::JPEG_BASELINE8_BIT, &ds);
    validate_dicom_bytes(&file).unwrap();
}

#[test]
fn garbage_where_an_item_is_expected_is_malformed() {
    let mut ds = bad::dataset("scan-garbage");
    ds.extend(bad::explicit_header(0x0040, 0xA730, b"SQ", 0xFFFF_FFFF));
    ds.extend_from_slice(&[0x10, 0x00, 0x10, 0x00, b'P', b'N', 2, 0, b'A', b' ']);
    let file = bad::part10("scan-garbage", uids::EXPLICIT_VR_LITTLE_ENDIAN, &ds);
    assert!(matches!(
        structure_error(&file),
        StructureError::Malformed { .. }
    ));
}

#[test]
fn nothing_dicom_is_not_dicom() {
    assert_eq!(structure_error(b""), StructureError::Empty);
    assert_eq!(
        structure_error(b"hello, this is not DICOM at all"),
        StructureError::NotDicom
    );
}

#[test]
fn hostile_prefixes_of_a_valid_file_never_panic() {
    // Every prefix and a few byte flips of a file with a sequence and an image: errors only.
    let mut ds = bad::dataset("scan-prefixes");
    ds.extend(bad::explicit_header(0x0040, 0xA730, b"SQ", 0xFFFF_FFFF));
    ds.extend_from_slice(&[0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF]);
    ds.extend(bad::explicit(0x0040, 0xA160, b"UT", b"text"));
    ds.extend_from_slice(&[0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]);
    ds.extend_from_slice(&[0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]);
    let file = bad::part10("scan-prefixes", uids::EXPLICIT_VR_LITTLE_ENDIAN, &ds);
    validate_dicom_bytes(&file).unwrap();
    for len in 0..file.len() {
        let _ = validate_dicom_bytes(&file[..len]);
    }
    for i in 0..file.len() {
        let mut flipped = file.clone();
        flipped[i] ^= 0xFF;
        let _ = validate_dicom_bytes(&flipped);
    }
}

#[test]
fn a_binary_value_of_ragged_length_is_refused_unless_it_ends_the_file() {
    // dicom-parser would read 41 values of (0028,0034) UL's 167 bytes, move its position by 167,
    // and read the next header 3 bytes early: a fuzzer found it allocating 1.6 GB that way.
    let label = "scan-ragged";
    let mut ds = bad::dataset(label);
    let ragged = bad::explicit(0x0018, 0x1310, b"US", &[1, 0, 2]);
    let at = ds
        .windows(4)
        .position(|w| w == [0x10, 0x00, 0x10, 0x00])
        .expect("PatientName");
    ds.splice(at..at, ragged.clone());
    let file = bad::part10(label, uids::EXPLICIT_VR_LITTLE_ENDIAN, &ds);
    match scan_file(&file, MAX_SEQUENCE_DEPTH).unwrap_err() {
        StructureError::Malformed { reason, .. } => {
            assert!(
                reason.contains("(0018,1310)") && reason.contains("3 bytes"),
                "{reason}"
            );
        }
        e => panic!("{e:?}"),
    }
    // The same element last in the file is read as far as it goes, as dicom-parser does.
    let mut ds = bad::dataset(label);
    ds.extend(bad::explicit(0x7FE0, 0x0010, b"OW", &[1, 0, 2]));
    let file = bad::part10(label, uids::EXPLICIT_VR_LITTLE_ENDIAN, &ds);
    assert!(scan_file(&file, MAX_SEQUENCE_DEPTH).is_ok());
}
