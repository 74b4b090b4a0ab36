//! Orthanc's `/instances/{id}/content/...`: a path of tags and item indices walked down a data
//! set. An even number of components ends on an item (its tags are listed), an odd number on an
//! element (a sequence lists its item indices, any other element answers its value's bytes).
//! Pixel Data has its own blocks: `0` for a native image, the offset table then the fragments
//! for an encapsulated one.
//!
//! The data set was read by [`super::read`], which bounds its nesting; the path is bounded too.

use dicom_core::header::Header;
use dicom_core::value::Value;
use dicom_core::{DataDictionary, Tag, VR};
use dicom_dictionary_std::{StandardDataDictionary, tags};
use dicom_encoding::text::{SpecificCharacterSet, TextCodec};
use dicom_object::InMemDicomObject;

use super::scan::MAX_SEQUENCE_DEPTH;

/// The longest path walked: a tag and an index per nesting level, then a leaf tag.
pub const MAX_CONTENT_PATH: usize = 2 * MAX_SEQUENCE_DEPTH + 1;

/// What a path leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContentAnswer {
    /// Tags of an item (`gggg-eeee`), item indices of a sequence, or blocks of Pixel Data.
    List(Vec<String>),
    /// The bytes of a value, as encoded (strings padded to an even length).
    Value(Vec<u8>),
}

/// Why a path leads nowhere.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentPathError {
    #[error("\"{0}\" is neither a tag (gggg,eeee or gggg-eeee) nor a DICOM keyword")]
    UnknownTag(String),
    #[error("the content path has more than {MAX_CONTENT_PATH} components")]
    TooLong,
    /// No such element, item or block (Orthanc answers nothing: 404).
    #[error("no such element, item or block")]
    Absent,
}

/// A tag as Orthanc's REST API writes it: `0010,0010`, `0010-0010`, `00100010` or a keyword.
pub fn parse_tag(text: &str) -> Result<Tag, ContentPathError> {
    let hex = |s: &str| {
        (s.len() == 4 && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| u16::from_str_radix(s, 16).ok())
            .flatten()
    };
    let numeric = match text.len() {
        9 if matches!(text.as_bytes()[4], b',' | b'-') => {
            text.get(..4).and_then(hex).zip(text.get(5..).and_then(hex))
        }
        8 => text.get(..4).and_then(hex).zip(text.get(4..).and_then(hex)),
        _ => None,
    };
    if let Some((group, element)) = numeric {
        return Ok(Tag(group, element));
    }
    StandardDataDictionary
        .by_name(text)
        .map(|entry| entry.tag.inner())
        .ok_or_else(|| ContentPathError::UnknownTag(text.to_string()))
}

/// Walks `path` (the components after `/content`) down `obj`.
pub fn walk(obj: &InMemDicomObject, path: &[&str]) -> Result<ContentAnswer, ContentPathError> {
    if path.len() > MAX_CONTENT_PATH {
        return Err(ContentPathError::TooLong);
    }
    if let [first, rest @ ..] = path {
        if rest.len() <= 1 && parse_tag(first)? == tags::PIXEL_DATA {
            return pixel_data(obj, rest.first().copied());
        }
    }
    let mut item = obj;
    let mut charset = charset_of(obj, SpecificCharacterSet::default());
    for pair in path.chunks_exact(2) {
        let tag = parse_tag(pair[0])?;
        let index: usize = pair[1].parse().map_err(|_| ContentPathError::Absent)?;
        item = item
            .get(tag)
            .and_then(|e| e.value().items())
            .and_then(|items| items.get(index))
            .ok_or(ContentPathError::Absent)?;
        charset = charset_of(item, charset);
    }
    match path.len() % 2 {
        0 => Ok(ContentAnswer::List(
            item.iter()
                .map(|e| format!("{:04x}-{:04x}", e.tag().0, e.tag().1))
                .collect(),
        )),
        _ => leaf(item, parse_tag(path[path.len() - 1])?, &charset),
    }
}

/// The character set of `item`: its own (0008,0005), else the one it inherits.
fn charset_of(item: &InMemDicomObject, inherited: SpecificCharacterSet) -> SpecificCharacterSet {
    item.get(tags::SPECIFIC_CHARACTER_SET)
        .and_then(|e| e.value().to_str().ok())
        .and_then(|v| SpecificCharacterSet::from_code(v.trim_matches([' ', '\0'])))
        .unwrap_or(inherited)
}

fn leaf(
    item: &InMemDicomObject,
    tag: Tag,
    charset: &SpecificCharacterSet,
) -> Result<ContentAnswer, ContentPathError> {
    let elem = item.get(tag).ok_or(ContentPathError::Absent)?;
    match elem.value() {
        Value::Sequence(seq) => Ok(indices(seq.items().len())),
        // Text in the file's character set, as Orthanc answers the raw value (dicom-rs holds
        // it decoded).
        Value::Primitive(p) if is_charset_text(elem.vr()) => {
            let text = p.to_str();
            let bytes = charset
                .encode(&text)
                .unwrap_or_else(|_| text.as_bytes().to_vec());
            Ok(ContentAnswer::Value(padded(bytes, elem.vr())))
        }
        Value::Primitive(p) => Ok(ContentAnswer::Value(padded(
            p.to_bytes().into_owned(),
            elem.vr(),
        ))),
        Value::PixelSequence(_) => Err(ContentPathError::Absent),
    }
}

/// The VRs whose text the Specific Character Set applies to.
fn is_charset_text(vr: VR) -> bool {
    matches!(
        vr,
        VR::LO | VR::LT | VR::PN | VR::SH | VR::ST | VR::UC | VR::UT
    )
}

fn indices(n: usize) -> ContentAnswer {
    ContentAnswer::List((0..n).map(|i| i.to_string()).collect())
}

/// A value as a DICOM file holds it: text of odd length gets its padding byte back.
fn padded(mut bytes: Vec<u8>, vr: VR) -> Vec<u8> {
    if bytes.len() % 2 == 1 {
        match vr {
            VR::UI => bytes.push(0),
            VR::AE
            | VR::AS
            | VR::CS
            | VR::DA
            | VR::DS
            | VR::DT
            | VR::IS
            | VR::LO
            | VR::LT
            | VR::PN
            | VR::SH
            | VR::ST
            | VR::TM
            | VR::UC
            | VR::UR
            | VR::UT => bytes.push(b' '),
            _ => {}
        }
    }
    bytes
}

/// Pixel Data: one block (`0`) for a native image; for an encapsulated one, the Basic Offset
/// Table item then each fragment, as DCMTK counts the items of the pixel sequence.
fn pixel_data(
    obj: &InMemDicomObject,
    block: Option<&str>,
) -> Result<ContentAnswer, ContentPathError> {
    let elem = obj.get(tags::PIXEL_DATA).ok_or(ContentPathError::Absent)?;
    let value = elem.value();
    let blocks = match value {
        Value::PixelSequence(seq) => seq.fragments().len() + 1,
        _ => 1,
    };
    let Some(block) = block else {
        return Ok(indices(blocks));
    };
    let n: usize = block.parse().map_err(|_| ContentPathError::Absent)?;
    if n >= blocks {
        return Err(ContentPathError::Absent);
    }
    match value {
        Value::Primitive(p) => Ok(ContentAnswer::Value(p.to_bytes().into_owned())),
        Value::PixelSequence(seq) if n == 0 => Ok(ContentAnswer::Value(
            seq.offset_table()
                .iter()
                .flat_map(|o| o.to_le_bytes())
                .collect(),
        )),
        Value::PixelSequence(seq) => seq
            .fragments()
            .get(n - 1)
            .map(|f| ContentAnswer::Value(f.clone()))
            .ok_or(ContentPathError::Absent),
        Value::Sequence(_) => Err(ContentPathError::Absent),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::value::{DataSetSequence, PixelFragmentSequence};
    use dicom_core::{DataElement, PrimitiveValue};

    fn text(tag: Tag, vr: VR, s: &str) -> DataElement<InMemDicomObject> {
        DataElement::new(tag, vr, PrimitiveValue::from(s))
    }

    fn sample() -> InMemDicomObject {
        let inner = |desc: &str| {
            InMemDicomObject::from_element_iter([text(tags::STUDY_DESCRIPTION, VR::LO, desc)])
        };
        let nested = InMemDicomObject::from_element_iter([
            text(tags::STUDY_DESCRIPTION, VR::LO, "Hello"),
            DataElement::new(
                tags::REFERENCED_STUDY_SEQUENCE,
                VR::SQ,
                DataSetSequence::from(vec![inner("Toto"), inner("Tata")]),
            ),
        ]);
        InMemDicomObject::from_element_iter([
            text(tags::PATIENT_NAME, VR::PN, "Doe^Jo"),
            text(tags::SOP_INSTANCE_UID, VR::UI, "1.2.3"),
            DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(512_u16)),
            DataElement::new(
                tags::REFERENCED_STUDY_SEQUENCE,
                VR::SQ,
                DataSetSequence::from(vec![nested, inner("Second")]),
            ),
        ])
    }

    fn value(obj: &InMemDicomObject, path: &str) -> Result<ContentAnswer, ContentPathError> {
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
        walk(obj, &parts)
    }

    fn list(items: &[&str]) -> ContentAnswer {
        ContentAnswer::List(items.iter().map(|s| s.to_string()).collect())
    }

    /// Orthanc answers the bytes of the file: text in the data set's character set, which
    /// items inherit.
    #[test]
    fn text_is_answered_in_the_character_set_of_the_file() {
        let item = InMemDicomObject::from_element_iter([text(
            tags::STUDY_DESCRIPTION,
            VR::LO,
            "Sébastien^",
        )]);
        let obj = InMemDicomObject::from_element_iter([
            text(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100"),
            text(tags::PATIENT_NAME, VR::PN, "Jodogne^Sébastien"),
            DataElement::new(
                tags::REFERENCED_STUDY_SEQUENCE,
                VR::SQ,
                DataSetSequence::from(vec![item]),
            ),
        ]);
        assert_eq!(
            value(&obj, "PatientName"),
            Ok(ContentAnswer::Value(b"Jodogne^S\xe9bastien ".to_vec()))
        );
        assert_eq!(
            value(&obj, "ReferencedStudySequence/0/StudyDescription"),
            Ok(ContentAnswer::Value(b"S\xe9bastien^".to_vec()))
        );
        // Without a character set, dicom-rs reads a byte as the character of that code (as
        // latin-1 does); its bytes are answered back as they were.
        let plain = InMemDicomObject::from_element_iter([text(tags::PATIENT_NAME, VR::PN, "Zoë")]);
        assert_eq!(
            value(&plain, "PatientName"),
            Ok(ContentAnswer::Value(b"Zo\xeb ".to_vec()))
        );
    }

    #[test]
    fn tags_are_parsed_in_every_form_orthanc_accepts() {
        for form in ["0008,103e", "0008-103E", "0008103e", "SeriesDescription"] {
            assert_eq!(parse_tag(form), Ok(Tag(0x0008, 0x103e)), "{form}");
        }
        for bad in ["NotATag", "0008:103e", "zzzz-0000", "0008-103"] {
            assert!(
                matches!(parse_tag(bad), Err(ContentPathError::UnknownTag(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn lists_values_and_sequences_to_any_depth() {
        let obj = sample();
        assert_eq!(
            value(&obj, ""),
            Ok(list(&["0008-0018", "0008-1110", "0010-0010", "0028-0010"]))
        );
        assert_eq!(
            value(&obj, "0010-0010"),
            Ok(ContentAnswer::Value(b"Doe^Jo".to_vec()))
        );
        assert_eq!(
            value(&obj, "SOPInstanceUID"),
            Ok(ContentAnswer::Value(b"1.2.3\0".to_vec()))
        );
        assert_eq!(value(&obj, "Rows"), Ok(ContentAnswer::Value(vec![0, 2])));
        assert_eq!(
            value(&obj, "ReferencedStudySequence"),
            Ok(list(&["0", "1"]))
        );
        assert_eq!(
            value(&obj, "ReferencedStudySequence/0"),
            Ok(list(&["0008-1030", "0008-1110"]))
        );
        assert_eq!(
            value(
                &obj,
                "ReferencedStudySequence/0/ReferencedStudySequence/1/StudyDescription"
            ),
            Ok(ContentAnswer::Value(b"Tata".to_vec()))
        );
        assert_eq!(
            value(&obj, "0008,1110/1/0008-1030"),
            Ok(ContentAnswer::Value(b"Second".to_vec()))
        );
    }

    #[test]
    fn absent_elements_items_and_bad_indices_are_absent() {
        let obj = sample();
        for path in [
            "0008-1011",
            "ReferencedStudySequence/2",
            "ReferencedStudySequence/x/StudyDescription",
            "PatientName/0",
            "ReferencedStudySequence/1/PatientName",
            "PixelData",
        ] {
            assert_eq!(value(&obj, path), Err(ContentPathError::Absent), "{path}");
        }
        assert!(matches!(
            value(&obj, "Nope/0"),
            Err(ContentPathError::UnknownTag(_))
        ));
        let deep = vec!["0008-1110"; MAX_CONTENT_PATH + 1];
        assert_eq!(walk(&obj, &deep), Err(ContentPathError::TooLong));
    }

    #[test]
    fn pixel_data_blocks_as_dcmtk_counts_them() {
        let native = InMemDicomObject::from_element_iter([DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::U16(vec![1_u16, 2].into()),
        )]);
        assert_eq!(value(&native, "7fe0-0010"), Ok(list(&["0"])));
        assert_eq!(
            value(&native, "7fe0-0010/0"),
            Ok(ContentAnswer::Value(vec![1, 0, 2, 0]))
        );
        assert_eq!(value(&native, "7fe0-0010/1"), Err(ContentPathError::Absent));
        let encapsulated = InMemDicomObject::from_element_iter([DataElement::new(
            tags::PIXEL_DATA,
            VR::OB,
            PixelFragmentSequence::new(vec![], vec![vec![0xFF, 0xD8, 0xFF, 0xD9]]),
        )]);
        assert_eq!(value(&encapsulated, "PixelData"), Ok(list(&["0", "1"])));
        assert_eq!(
            value(&encapsulated, "PixelData/0"),
            Ok(ContentAnswer::Value(vec![]))
        );
        assert_eq!(
            value(&encapsulated, "PixelData/1"),
            Ok(ContentAnswer::Value(vec![0xFF, 0xD8, 0xFF, 0xD9]))
        );
        assert_eq!(
            value(&encapsulated, "PixelData/2"),
            Err(ContentPathError::Absent)
        );
    }
}
