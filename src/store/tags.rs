//! All tags of an instance in Orthanc's `/instances/{id}/tags` shape, and a readable dump.

use dicom_core::header::Header;
use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{DataDictionary, Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;
use dicom_object::InMemDicomObject;
use serde_json::{Map, Value as Json, json};

use crate::dicom::create::{PrivateDictionary, PrivateEntry};

/// Longest string shown; longer values are `TooLong`, as Orthanc does.
const MAX_STRING: usize = 256;

/// DCMTK's name for a tag outside the dictionary, which Orthanc shows.
const UNKNOWN: &str = "Unknown Tag & Data";

/// DCMTK's name for the private creator elements `(gggg,0010-00ff)` of odd groups.
const PRIVATE_CREATOR: &str = "PrivateCreator";

/// The `Dictionary` entry of a private tag, found through its block's creator in the same
/// data set.
fn private_entry<'d>(
    obj: &InMemDicomObject,
    tag: Tag,
    private: &'d PrivateDictionary,
) -> Option<&'d PrivateEntry> {
    if tag.group() % 2 == 0 || tag.element() < 0x1000 {
        return None;
    }
    let creator = obj
        .get(Tag(tag.group(), tag.element() >> 8))
        .and_then(|e| e.to_str().ok())
        .map(|c| c.trim_end_matches(['\0', ' ']).to_string());
    private.by_tag(tag, creator.as_deref())
}

/// The name Orthanc shows: the standard keyword, for a private tag its `Dictionary` name, else
/// DCMTK's placeholder.
fn keyword(obj: &InMemDicomObject, tag: Tag, private: &PrivateDictionary) -> String {
    if tag.group() % 2 == 1 {
        if (0x0010..=0x00ff).contains(&tag.element()) {
            return PRIVATE_CREATOR.to_string();
        }
        return private_entry(obj, tag, private)
            .map(|e| e.keyword.clone())
            .unwrap_or_else(|| UNKNOWN.to_string());
    }
    StandardDataDictionary
        .by_tag(tag)
        .map(|e| e.alias.to_string())
        .unwrap_or_else(|| UNKNOWN.to_string())
}

/// The text of a private element read without its VR (implicit VR: UN) that the `Dictionary`
/// declares with a text VR, as DCMTK reads it with the dictionary Orthanc loads.
fn declared_text(
    obj: &InMemDicomObject,
    tag: Tag,
    vr: VR,
    private: &PrivateDictionary,
) -> Option<String> {
    if vr != VR::UN {
        return None;
    }
    let entry = private_entry(obj, tag, private)?;
    if entry.vr.is_binary_like() || entry.vr == VR::UN {
        return None;
    }
    let bytes = obj.get(tag)?.value().to_bytes().ok()?;
    Some(match std::str::from_utf8(&bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    })
}

/// `{"gggg,eeee": {"Name", "Type", "Value"}}`, sequences nested; private tags named by the
/// configured `Dictionary`.
pub fn tags_json(obj: &InMemDicomObject, private: &PrivateDictionary) -> Json {
    let mut map = Map::new();
    for elem in obj.iter() {
        let tag = elem.tag();
        let key = format!("{:04x},{:04x}", tag.group(), tag.element());
        let (ty, value) = match elem.value() {
            Value::Sequence(seq) => (
                "Sequence",
                Json::Array(
                    seq.items()
                        .iter()
                        .map(|item| tags_json(item, private))
                        .collect(),
                ),
            ),
            Value::PixelSequence(_) => ("Null", Json::Null),
            Value::Primitive(p) => {
                let declared = declared_text(obj, tag, elem.vr(), private);
                if elem.vr().is_binary_like() && declared.is_none() {
                    ("Null", Json::Null)
                } else {
                    let s = match (declared, p) {
                        (Some(text), _) => std::borrow::Cow::Owned(text),
                        // Orthanc writes attribute tags as gggg,eeee (DICOM's own form is
                        // (gggg,eeee)).
                        (None, PrimitiveValue::Tags(list)) => std::borrow::Cow::Owned(
                            list.iter()
                                .map(|t| format!("{:04x},{:04x}", t.group(), t.element()))
                                .collect::<Vec<_>>()
                                .join("\\"),
                        ),
                        (None, p) => p.to_str(),
                    };
                    let s = s.trim_end_matches(['\0', ' ']);
                    if s.len() > MAX_STRING {
                        ("TooLong", Json::Null)
                    } else {
                        ("String", Json::String(s.to_string()))
                    }
                }
            }
        };
        map.insert(
            key,
            json!({"Name": keyword(obj, tag, private), "Type": ty, "Value": value}),
        );
    }
    Json::Object(map)
}

/// How `/instances/{id}/tags` keys and shows its values (Orthanc's `?simplify` and `?short`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagsFormat {
    /// `{"gggg,eeee": {"Name", "Type", "Value"}}`.
    Full,
    /// `{"PatientName": "value"}`; a tag without a name keeps `gggg,eeee`.
    Simplified,
    /// `{"gggg,eeee": "value"}`.
    Short,
}

/// The full JSON of [`tags_json`] in `format`: sequences become arrays of items in the same
/// format, values that are not strings (binary, too long) become null.
pub fn tags_in(full: &Json, format: TagsFormat) -> Json {
    if format == TagsFormat::Full {
        return full.clone();
    }
    let Some(entries) = full.as_object() else {
        return Json::Null;
    };
    let mut out = Map::new();
    for (key, entry) in entries {
        let name = entry.get("Name").and_then(Json::as_str).unwrap_or(UNKNOWN);
        let key = if format == TagsFormat::Simplified && name != UNKNOWN {
            name.to_string()
        } else {
            key.clone()
        };
        let value = match (entry.get("Type").and_then(Json::as_str), entry.get("Value")) {
            (Some("Sequence"), Some(Json::Array(items))) => {
                Json::Array(items.iter().map(|i| tags_in(i, format)).collect())
            }
            (Some("String"), Some(v)) => v.clone(),
            _ => Json::Null,
        };
        out.insert(key, value);
    }
    Json::Object(out)
}

trait BinaryLike {
    fn is_binary_like(&self) -> bool;
}

impl BinaryLike for dicom_core::VR {
    fn is_binary_like(&self) -> bool {
        use dicom_core::VR::*;
        matches!(self, OB | OW | OF | OD | OL | OV | UN)
    }
}

/// The file meta group (`0002,xxxx`) in the shape of [`tags_json`] (Orthanc's `/header`).
pub fn header_json(meta: &dicom_object::FileMetaTable) -> Json {
    let elements = meta.to_element_iter().filter_map(|e| {
        let (tag, vr) = (e.tag(), e.vr());
        e.into_value()
            .primitive()
            .cloned()
            .map(|p| dicom_core::DataElement::new(tag, vr, p))
    });
    tags_json(
        &InMemDicomObject::from_element_iter(elements),
        &PrivateDictionary::empty(),
    )
}

/// A readable dump, one element per line, sequences indented.
pub fn tags_text(obj: &InMemDicomObject, private: &PrivateDictionary) -> String {
    let mut out = String::new();
    dump(obj, private, 0, &mut out);
    out
}

fn dump(obj: &InMemDicomObject, private: &PrivateDictionary, depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    for elem in obj.iter() {
        let tag = elem.tag();
        let name = keyword(obj, tag, private);
        let head = format!(
            "{indent}({:04x},{:04x}) {} {name}",
            tag.group(),
            tag.element(),
            elem.vr().to_string()
        );
        match elem.value() {
            Value::Sequence(seq) => {
                out.push_str(&format!("{head}  <{} item(s)>\n", seq.items().len()));
                for (i, item) in seq.items().iter().enumerate() {
                    out.push_str(&format!("{indent}  item {}:\n", i + 1));
                    dump(item, private, depth + 2, out);
                }
            }
            Value::PixelSequence(seq) => {
                out.push_str(&format!(
                    "{head}  <{} fragment(s)>\n",
                    seq.fragments().len()
                ));
            }
            Value::Primitive(p) => {
                if elem.vr().is_binary_like() {
                    out.push_str(&format!("{head}  <{} bytes>\n", p.calculate_byte_len()));
                } else {
                    let s = p.to_str();
                    // One line per element: a value's own line breaks are escaped too.
                    let s = crate::output::escape_controls(s.trim_end_matches(['\0', ' ']));
                    out.push_str(&format!("{head}  {s}\n"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A private tag takes its `Dictionary` name through its block's creator (as Orthanc's
    /// `?simplify` keys show it); the creator element is DCMTK's `PrivateCreator`; a block of
    /// another creator, or an undeclared tag, stays unnamed.
    #[test]
    fn private_tags_are_named_by_the_dictionary() {
        use dicom_core::{DataElement, PrimitiveValue, VR};
        let dict = PrivateDictionary::from_json(&json!({
            "0009,1001": ["DS", "Abnormality score", 1, 1, "Lunit"]
        }))
        .expect("dictionary");
        let text = |tag, vr, v: &str| DataElement::new(tag, vr, PrimitiveValue::from(v));
        let obj = InMemDicomObject::from_element_iter([
            text(Tag(0x0009, 0x0010), VR::LO, "Lunit"),
            text(Tag(0x0009, 0x1001), VR::DS, "3.5"),
            text(Tag(0x0009, 0x1002), VR::LO, "undeclared"),
            text(Tag(0x0011, 0x0010), VR::LO, "Other"),
            text(Tag(0x0011, 0x1001), VR::DS, "1"),
        ]);
        let full = tags_json(&obj, &dict);
        let names: Vec<(&str, &str)> = full
            .as_object()
            .expect("object")
            .iter()
            .map(|(k, v)| (k.as_str(), v["Name"].as_str().expect("name")))
            .collect();
        assert_eq!(
            names,
            [
                ("0009,0010", "PrivateCreator"),
                ("0009,1001", "Abnormality score"),
                ("0009,1002", UNKNOWN),
                ("0011,0010", "PrivateCreator"),
                ("0011,1001", UNKNOWN),
            ]
        );
        let simplified = tags_in(&full, TagsFormat::Simplified);
        assert_eq!(simplified["Abnormality score"], "3.5");
        assert_eq!(simplified["0011,1001"], "1");
        assert!(tags_text(&obj, &dict).contains("(0009,1001) DS Abnormality score  3.5"));
    }

    /// Attribute tags (AT) show as Orthanc shows them: `gggg,eeee`, several joined by `\\`.
    #[test]
    fn attribute_tags_show_as_orthanc_writes_them() {
        use dicom_core::{DataElement, dicom_value};
        let obj = InMemDicomObject::from_element_iter([DataElement::new(
            Tag(0x0020, 0x9165),
            VR::AT,
            dicom_value!(Tags, [Tag(0x0020, 0x9056), Tag(0x0018, 0x9117)]),
        )]);
        let short = tags_in(
            &tags_json(&obj, &PrivateDictionary::empty()),
            TagsFormat::Short,
        );
        assert_eq!(short["0020,9165"], "0020,9056\\0018,9117");
    }

    /// A private element of an implicit VR file is read as UN; declared with a text VR, its
    /// value shows as text (DCMTK reads it with the dictionary Orthanc loads), undeclared it
    /// stays binary.
    #[test]
    fn declared_private_tags_read_as_un_show_their_text() {
        use dicom_core::{DataElement, PrimitiveValue};
        let dict = PrivateDictionary::from_json(&json!({
            "00e1,10c2": ["UI", "PET-CT Multi Modality Name", 1, 1, "ELSCINT1"]
        }))
        .expect("dictionary");
        let obj = InMemDicomObject::from_element_iter([
            DataElement::new(
                Tag(0x00e1, 0x0010),
                VR::LO,
                PrimitiveValue::from("ELSCINT1"),
            ),
            DataElement::new(
                Tag(0x00e1, 0x10c2),
                VR::UN,
                PrimitiveValue::from(b"1.2.840.113704\0".to_vec()),
            ),
            DataElement::new(
                Tag(0x00e1, 0x10c3),
                VR::UN,
                PrimitiveValue::from(b"1.2".to_vec()),
            ),
        ]);
        let simplified = tags_in(&tags_json(&obj, &dict), TagsFormat::Simplified);
        assert_eq!(simplified["PET-CT Multi Modality Name"], "1.2.840.113704");
        assert_eq!(simplified["00e1,10c3"], Json::Null);
        let empty = tags_in(
            &tags_json(&obj, &PrivateDictionary::empty()),
            TagsFormat::Short,
        );
        assert_eq!(empty["00e1,10c2"], Json::Null);
    }

    #[test]
    fn simplified_and_short_as_orthanc() {
        let full = json!({
            "0010,0010": {"Name": "PatientName", "Type": "String", "Value": "Doe^J"},
            "0008,1140": {"Name": "ReferencedImageSequence", "Type": "Sequence", "Value": [
                {"0008,1150": {"Name": "ReferencedSOPClassUID", "Type": "String", "Value": "1.2"}}
            ]},
            "7fe0,0010": {"Name": "PixelData", "Type": "Null", "Value": null},
            "0009,1001": {"Name": UNKNOWN, "Type": "String", "Value": "x"},
            "0008,0090": {"Name": "ReferringPhysicianName", "Type": "TooLong", "Value": null},
        });
        assert_eq!(
            tags_in(&full, TagsFormat::Simplified),
            json!({
                "PatientName": "Doe^J",
                "ReferencedImageSequence": [{"ReferencedSOPClassUID": "1.2"}],
                "PixelData": null,
                "0009,1001": "x",
                "ReferringPhysicianName": null,
            })
        );
        assert_eq!(
            tags_in(&full, TagsFormat::Short),
            json!({
                "0010,0010": "Doe^J",
                "0008,1140": [{"0008,1150": "1.2"}],
                "7fe0,0010": null,
                "0009,1001": "x",
                "0008,0090": null,
            })
        );
        assert_eq!(tags_in(&full, TagsFormat::Full), full);
    }
}
