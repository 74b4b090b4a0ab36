//! Standard elements that an Explicit VR file carries as UN (CP-246: a sender that did not know
//! an element's VR passes it on as UN). They are decoded again by the dictionary's VR, so that a
//! SOPInstanceUID is a UID and not a list of bytes.
//!
//! A UN value holds the element's bytes as Implicit VR Little Endian would, so the top-level
//! candidates are written out as an Implicit VR Little Endian data set and read back through
//! dicom-object, whose implicit decoder takes each VR from the dictionary (a sequence included).
//! The re-read goes through the same structural scan as a file, with the same depth limit.

use std::io::Cursor;

use dicom_core::header::Header;
use dicom_core::{DataDictionary, Tag, VR};
use dicom_dictionary_std::{StandardDataDictionary, tags};
use dicom_encoding::TransferSyntax;
use dicom_object::InMemDicomObject;

use super::scan::{MAX_SEQUENCE_DEPTH, scan_elements};

/// Replaces the top-level UN elements of `obj` that the standard dictionary knows by their
/// decoded form, and returns their tags. An element that does not decode stays as it was.
pub fn decode_standard_un(obj: &mut InMemDicomObject, implicit_le: &TransferSyntax) -> Vec<Tag> {
    let known = |tag: Tag| {
        tag != tags::PIXEL_DATA
            && tag.element() != 0x0000
            && StandardDataDictionary
                .by_tag(tag)
                .is_some_and(|entry| entry.vr.relaxed() != VR::UN)
    };
    let candidates: Vec<Tag> = obj
        .iter()
        .filter(|e| e.vr() == VR::UN && e.value().primitive().is_some() && known(e.tag()))
        .map(|e| e.tag())
        .collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    let mut implicit = Vec::new();
    // The character set first, so that the re-read text is decoded with it.
    if !candidates.contains(&tags::SPECIFIC_CHARACTER_SET) {
        if let Some(charset) = obj.get(tags::SPECIFIC_CHARACTER_SET) {
            if let Ok(bytes) = charset.value().to_bytes() {
                push_implicit(&mut implicit, tags::SPECIFIC_CHARACTER_SET, &bytes);
            }
        }
    }
    for tag in &candidates {
        if let Some(bytes) = obj.get(*tag).and_then(|e| e.value().to_bytes().ok()) {
            push_implicit(&mut implicit, *tag, &bytes);
        }
    }
    let end = implicit.len() as u64;
    if scan_elements(
        &mut Cursor::new(implicit.as_slice()),
        0,
        end,
        implicit_le,
        MAX_SEQUENCE_DEPTH,
    )
    .is_err()
    {
        return Vec::new();
    }
    let Ok(decoded) = InMemDicomObject::read_dataset_with_ts(implicit.as_slice(), implicit_le)
    else {
        return Vec::new();
    };
    let mut replaced = Vec::new();
    for element in decoded.into_iter() {
        if candidates.contains(&element.tag()) {
            replaced.push(element.tag());
            obj.put(element);
        }
    }
    replaced
}

/// The element of a top-level UN element of undefined length (CP-246), from its bytes (explicit
/// header then Implicit VR Little Endian items and delimiters), as checked by the scan. None when
/// it does not parse.
pub fn parse_un_sequence(
    explicit_bytes: &[u8],
    implicit_le: &TransferSyntax,
) -> Option<dicom_object::mem::InMemElement> {
    // The explicit header is 12 bytes (tag, "UN", reserved, length); the implicit one is 8.
    let content = explicit_bytes.get(12..)?;
    let mut implicit = Vec::with_capacity(8 + content.len());
    implicit.extend_from_slice(explicit_bytes.get(..4)?);
    implicit.extend_from_slice(&[0xFF; 4]);
    implicit.extend_from_slice(content);
    InMemDicomObject::read_dataset_with_ts(implicit.as_slice(), implicit_le)
        .ok()?
        .into_iter()
        .next()
}

fn push_implicit(out: &mut Vec<u8>, tag: Tag, value: &[u8]) {
    out.extend_from_slice(&tag.group().to_le_bytes());
    out.extend_from_slice(&tag.element().to_le_bytes());
    out.extend_from_slice(&(value.len() as u32).to_le_bytes());
    out.extend_from_slice(value);
}
