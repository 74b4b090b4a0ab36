//! Hostile and unusual DICOM files for tests, written byte by byte (dicom-object cannot write most
//! of them): sequences nested thousands deep, lengths larger than the file, bare data sets
//! without a meta group, deflated data sets, standard elements sent as UN (CP-246).
//!
//! Every builder starts from [`dataset`], a small Explicit VR Little Endian data set holding the
//! four identifiers of `label` (the same UIDs as `deterministic_uid(label/...)` of the crate root).

use std::io::Write;

use dicom_dictionary_std::uids;

use crate::deterministic_uid;

/// SOP class of the generated data sets: Secondary Capture Image Storage.
pub const SOP_CLASS: &str = uids::SECONDARY_CAPTURE_IMAGE_STORAGE;

/// One Explicit VR Little Endian element with a defined length.
pub fn explicit(group: u16, element: u16, vr: &[u8; 2], value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + value.len());
    out.extend_from_slice(&group.to_le_bytes());
    out.extend_from_slice(&element.to_le_bytes());
    out.extend_from_slice(vr);
    if long_form(vr) {
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
    } else {
        out.extend_from_slice(&(value.len() as u16).to_le_bytes());
    }
    out.extend_from_slice(value);
    out
}

/// One Implicit VR Little Endian element.
pub fn implicit(group: u16, element: u16, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + value.len());
    out.extend_from_slice(&group.to_le_bytes());
    out.extend_from_slice(&element.to_le_bytes());
    out.extend_from_slice(&(value.len() as u32).to_le_bytes());
    out.extend_from_slice(value);
    out
}

/// An explicit header (long form VR) declaring `len` bytes, without its value.
pub fn explicit_header(group: u16, element: u16, vr: &[u8; 2], len: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(12);
    out.extend_from_slice(&group.to_le_bytes());
    out.extend_from_slice(&element.to_le_bytes());
    out.extend_from_slice(vr);
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&len.to_le_bytes());
    out
}

fn long_form(vr: &[u8; 2]) -> bool {
    matches!(
        vr,
        b"OB"
            | b"OD"
            | b"OF"
            | b"OL"
            | b"OV"
            | b"OW"
            | b"SQ"
            | b"UC"
            | b"UR"
            | b"UT"
            | b"UN"
            | b"SV"
            | b"UV"
    )
}

/// A text value padded to even length (with a space; UIDs with NUL).
pub fn padded(text: &str, uid: bool) -> Vec<u8> {
    let mut v = text.as_bytes().to_vec();
    if v.len() % 2 == 1 {
        v.push(if uid { 0 } else { b' ' });
    }
    v
}

/// The UIDs of `label`: study, series, instance.
pub fn uids_of(label: &str) -> [String; 3] {
    [
        deterministic_uid(&format!("{label}/study")),
        deterministic_uid(&format!("{label}/series")),
        deterministic_uid(&format!("{label}/instance")),
    ]
}

/// One element as (tag, VR, value).
type Element = ((u16, u16), [u8; 2], Vec<u8>);

/// The elements of a small data set, in tag order.
fn elements(label: &str) -> Vec<Element> {
    let [study, series, instance] = uids_of(label);
    vec![
        ((0x0008, 0x0016), *b"UI", padded(SOP_CLASS, true)),
        ((0x0008, 0x0018), *b"UI", padded(&instance, true)),
        ((0x0008, 0x0060), *b"CS", padded("OT", false)),
        ((0x0010, 0x0010), *b"PN", padded("Hostile^File", false)),
        ((0x0010, 0x0020), *b"LO", padded(label, false)),
        ((0x0020, 0x000D), *b"UI", padded(&study, true)),
        ((0x0020, 0x000E), *b"UI", padded(&series, true)),
    ]
}

/// A small Explicit VR Little Endian data set with the four identifiers of `label`.
pub fn dataset(label: &str) -> Vec<u8> {
    elements(label)
        .iter()
        .flat_map(|((g, e), vr, v)| explicit(*g, *e, vr, v))
        .collect()
}

/// The same data set in Implicit VR Little Endian.
pub fn implicit_dataset(label: &str) -> Vec<u8> {
    elements(label)
        .iter()
        .flat_map(|((g, e), _, v)| implicit(*g, *e, v))
        .collect()
}

/// The same data set with every element sent as UN (CP-246).
pub fn un_dataset(label: &str) -> Vec<u8> {
    elements(label)
        .iter()
        .flat_map(|((g, e), _, v)| explicit(*g, *e, b"UN", v))
        .collect()
}

/// Preamble, `DICM` and a file meta group for `label` in transfer syntax `ts`, then `dataset`.
pub fn part10(label: &str, ts: &str, dataset: &[u8]) -> Vec<u8> {
    part10_with_version_name(label, ts, dataset, "DICOMQ_HOSTILE")
}

/// [`part10`] with a chosen ImplementationVersionName (any length: the SH limit of 16 is not
/// enforced here).
pub fn part10_with_version_name(
    label: &str,
    ts: &str,
    dataset: &[u8],
    version_name: &str,
) -> Vec<u8> {
    let [_, _, instance] = uids_of(label);
    let mut group: Vec<u8> = Vec::new();
    group.extend(explicit(0x0002, 0x0001, b"OB", &[0, 1]));
    group.extend(explicit(0x0002, 0x0002, b"UI", &padded(SOP_CLASS, true)));
    group.extend(explicit(0x0002, 0x0003, b"UI", &padded(&instance, true)));
    group.extend(explicit(0x0002, 0x0010, b"UI", &padded(ts, true)));
    group.extend(explicit(
        0x0002,
        0x0012,
        b"UI",
        &padded(crate::IMPLEMENTATION_CLASS_UID, true),
    ));
    group.extend(explicit(
        0x0002,
        0x0013,
        b"SH",
        &padded(version_name, false),
    ));
    let mut out = vec![0u8; 128];
    out.extend_from_slice(b"DICM");
    out.extend(explicit(
        0x0002,
        0x0000,
        b"UL",
        &(group.len() as u32).to_le_bytes(),
    ));
    out.extend(group);
    out.extend_from_slice(dataset);
    out
}

/// A Part 10 file (Explicit VR Little Endian) for `label`: [`dataset`] with an image of
/// `pixels` bytes (OW, 8-bit 1×N monochrome; `pixels` even).
pub fn file_with_pixels(label: &str, pixels: usize) -> Vec<u8> {
    let mut ds = dataset(label);
    ds.extend(explicit(0x0028, 0x0002, b"US", &1u16.to_le_bytes()));
    ds.extend(explicit(0x0028, 0x0004, b"CS", b"MONOCHROME2 "));
    ds.extend(explicit(0x0028, 0x0010, b"US", &1u16.to_le_bytes()));
    ds.extend(explicit(
        0x0028,
        0x0011,
        b"US",
        &(pixels as u16).to_le_bytes(),
    ));
    ds.extend(explicit(0x0028, 0x0100, b"US", &8u16.to_le_bytes()));
    ds.extend(explicit(0x0028, 0x0101, b"US", &8u16.to_le_bytes()));
    ds.extend(explicit(0x0028, 0x0102, b"US", &7u16.to_le_bytes()));
    ds.extend(explicit(0x0028, 0x0103, b"US", &0u16.to_le_bytes()));
    let image: Vec<u8> = (0..pixels).map(|i| (i % 256) as u8).collect();
    ds.extend(explicit(0x7FE0, 0x0010, b"OB", &image));
    part10(label, uids::EXPLICIT_VR_LITTLE_ENDIAN, &ds)
}

/// A Part 10 file for `label` whose data set ends with `depth` nested ContentSequences
/// (SQ in an item in an SQ ...), undefined lengths throughout, as real structured reports nest.
pub fn nested_sequences(label: &str, depth: usize) -> Vec<u8> {
    let mut ds = dataset(label);
    let open_sq = [
        0x40, 0x00, 0x30, 0xA7, b'S', b'Q', 0, 0, 0xFF, 0xFF, 0xFF, 0xFF,
    ];
    let open_item = [0xFE, 0xFF, 0x00, 0xE0, 0xFF, 0xFF, 0xFF, 0xFF];
    let close_item = [0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0];
    let close_sq = [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0];
    for _ in 0..depth {
        ds.extend_from_slice(&open_sq);
        ds.extend_from_slice(&open_item);
    }
    for _ in 0..depth {
        ds.extend_from_slice(&close_item);
        ds.extend_from_slice(&close_sq);
    }
    part10(label, uids::EXPLICIT_VR_LITTLE_ENDIAN, &ds)
}

/// A Part 10 file for `label` ending with a TextValue (UT) that declares `declared` bytes and
/// holds 4.
pub fn huge_declared_length(label: &str, declared: u32) -> Vec<u8> {
    let mut ds = dataset(label);
    ds.extend(explicit_header(0x0040, 0xA160, b"UT", declared));
    ds.extend_from_slice(b"abcd");
    part10(label, uids::EXPLICIT_VR_LITTLE_ENDIAN, &ds)
}

/// A Part 10 file for `label` in Deflated Explicit VR Little Endian.
pub fn deflated(label: &str) -> Vec<u8> {
    let mut encoder =
        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(&dataset(label));
    let body = encoder.finish().unwrap_or_default();
    part10(label, uids::DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, &body)
}

/// A deflated Part 10 file whose data set inflates to `inflated` bytes (a deflate bomb): the
/// data set of `label` then one huge OB element of zeros.
pub fn deflate_bomb(label: &str, inflated: usize) -> Vec<u8> {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let ds = dataset(label);
    let _ = encoder.write_all(&ds);
    let _ = encoder.write_all(&explicit_header(
        0x0009,
        0x1000,
        b"OB",
        inflated.saturating_sub(ds.len() + 12) as u32,
    ));
    let zeros = vec![0u8; 1 << 20];
    let mut left = inflated.saturating_sub(ds.len() + 12);
    while left > 0 {
        let n = left.min(zeros.len());
        let _ = encoder.write_all(&zeros[..n]);
        left -= n;
    }
    let body = encoder.finish().unwrap_or_default();
    part10(label, uids::DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, &body)
}
