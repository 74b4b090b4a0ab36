//! All tags of an instance in Orthanc's `/instances/{id}/tags` shape, and a readable dump.

use dicom_core::DataDictionary;
use dicom_core::header::Header;
use dicom_core::value::Value;
use dicom_dictionary_std::StandardDataDictionary;
use dicom_object::InMemDicomObject;
use serde_json::{Map, Value as Json, json};

/// Longest string shown; longer values are `TooLong`, as Orthanc does.
const MAX_STRING: usize = 256;

/// DCMTK's name for a tag outside the dictionary, which Orthanc shows.
const UNKNOWN: &str = "Unknown Tag & Data";

fn keyword(tag: dicom_core::Tag) -> String {
    StandardDataDictionary
        .by_tag(tag)
        .map(|e| e.alias.to_string())
        .unwrap_or_else(|| UNKNOWN.to_string())
}

/// `{"gggg,eeee": {"Name", "Type", "Value"}}`, sequences nested.
pub fn tags_json(obj: &InMemDicomObject) -> Json {
    let mut map = Map::new();
    for elem in obj.iter() {
        let tag = elem.tag();
        let key = format!("{:04x},{:04x}", tag.group(), tag.element());
        let (ty, value) = match elem.value() {
            Value::Sequence(seq) => (
                "Sequence",
                Json::Array(seq.items().iter().map(tags_json).collect()),
            ),
            Value::PixelSequence(_) => ("Null", Json::Null),
            Value::Primitive(p) => {
                if elem.vr().is_binary_like() {
                    ("Null", Json::Null)
                } else {
                    let s = p.to_str();
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
            json!({"Name": keyword(tag), "Type": ty, "Value": value}),
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
    tags_json(&InMemDicomObject::from_element_iter(elements))
}

/// A readable dump, one element per line, sequences indented.
pub fn tags_text(obj: &InMemDicomObject) -> String {
    let mut out = String::new();
    dump(obj, 0, &mut out);
    out
}

fn dump(obj: &InMemDicomObject, depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    for elem in obj.iter() {
        let tag = elem.tag();
        let name = keyword(tag);
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
                    dump(item, depth + 2, out);
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
