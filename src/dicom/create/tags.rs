//! Resolution of user tag keys (standard keyword, `gggg,eeee` number, private keyword), and the
//! create-dicom errors of values checked against their VR (the checks are in `dicom/vr_check.rs`).

use super::dictionary::{DictionaryError, PrivateDictionary, fmt_tag, parse_tag_key};
use crate::dicom::vr_check::{self, ValueError};
use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
use dicom_core::{PrimitiveValue, Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A user tag's value: text (converted by the tag's VR), null (an empty element), or a
/// sequence of items, each a list of (key, value) in request order. Untagged on the wire, so
/// that frames of text values keep the shape they had before sequences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TagValue {
    Text(String),
    Null,
    Sequence(Vec<Vec<(String, TagValue)>>),
}

impl TagValue {
    /// How deep sequences nest in this value (0 for text and null).
    pub fn depth(&self) -> usize {
        match self {
            TagValue::Sequence(items) => {
                1 + items
                    .iter()
                    .flatten()
                    .map(|(_, v)| v.depth())
                    .max()
                    .unwrap_or(0)
            }
            _ => 0,
        }
    }
}

impl From<&str> for TagValue {
    fn from(s: &str) -> Self {
        TagValue::Text(s.to_string())
    }
}

impl From<String> for TagValue {
    fn from(s: String) -> Self {
        TagValue::Text(s)
    }
}

/// Where and how a resolved tag is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A public (or custom, even group) tag written at `tag`.
    Standard,
    /// A private data element: the builder picks the block reserved for `creator` (or the
    /// first free one) and writes `(gggg, block<<8 | low)`.
    Private { creator: String, low: u8 },
    /// A private data element given by number: written exactly at `tag`; the block
    /// `(gggg,00xx)` must be free or hold `creator`.
    PrivateExact { creator: String },
    /// A private creator element `(gggg,0010-00ff)`: its value is the creator.
    Reservation,
    /// Group length `(gggg,0000)`: silently ignored, like Orthanc.
    GroupLength,
}

/// A user tag key resolved against the dictionaries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedTag {
    pub tag: Tag,
    pub vr: VR,
    /// Keyword when known, else the key as given.
    pub name: String,
    pub target: Target,
    /// Multiplicity bounds from a private dictionary entry (not checked for standard tags).
    pub vm: Option<(u32, Option<u32>)>,
}

impl ResolvedTag {
    /// `PatientName (0010,0010)`.
    pub fn display(&self) -> String {
        format!("{} {}", self.name, fmt_tag(self.tag))
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum TagError {
    #[error(
        "unknown tag keyword \"{key}\" (not a DICOM keyword, not a gggg,eeee tag, not in the Dictionary)"
    )]
    UnknownKeyword { key: String },
    #[error("unknown tag {tag}: not in the DICOM dictionary nor in the Dictionary configuration")]
    UnknownTag { tag: String },
    #[error("invalid value \"{value}\" for {name} {tag} {vr}: {rule}")]
    InvalidValue {
        value: String,
        name: String,
        tag: String,
        vr: String,
        rule: String,
    },
    #[error("{name} {tag}: {reason}")]
    Unsupported {
        name: String,
        tag: String,
        reason: String,
    },
    #[error("private tag \"{key}\": {reason}")]
    Private { key: String, reason: String },
    #[error(transparent)]
    Dictionary(#[from] DictionaryError),
}

/// Resolve a user key. `creator` is the request's `PrivateCreator`.
pub fn resolve_key(
    key: &str,
    dict: &PrivateDictionary,
    creator: Option<&str>,
) -> Result<ResolvedTag, TagError> {
    let creator = creator.filter(|c| !c.trim().is_empty());
    if let Some(tag) = parse_tag_key(key) {
        return resolve_number(key, tag, dict, creator);
    }
    let std = StandardDataDictionary;
    if let Some(e) = std.by_name(key) {
        return Ok(ResolvedTag {
            tag: e.tag(),
            vr: e.vr().relaxed(),
            name: e.alias().to_string(),
            target: Target::Standard,
            vm: None,
        });
    }
    let entry = match dict.by_keyword(key, creator)? {
        Some(e) => Some(e),
        // a keyword declared for another creator only: use that entry's own creator
        None if creator.is_some() => dict.by_keyword(key, None)?,
        None => None,
    };
    let Some(entry) = entry else {
        return Err(TagError::UnknownKeyword { key: key.into() });
    };
    let private_group = entry.tag.group() % 2 == 1;
    let target = if !private_group {
        Target::Standard
    } else if entry.is_reservation() {
        Target::Reservation
    } else {
        let c = entry
            .creator
            .as_deref()
            .or(creator)
            .ok_or_else(|| TagError::Private {
                key: key.into(),
                reason: format!(
                    "{} is in a private group but the Dictionary entry has no private creator and no PrivateCreator was given",
                    fmt_tag(entry.tag)
                ),
            })?;
        Target::Private {
            creator: c.to_string(),
            low: (entry.tag.element() & 0xFF) as u8,
        }
    };
    Ok(ResolvedTag {
        tag: entry.tag,
        vr: entry.vr,
        name: entry.keyword.clone(),
        target,
        vm: Some((entry.min_mult, entry.max_mult)),
    })
}

fn resolve_number(
    key: &str,
    tag: Tag,
    dict: &PrivateDictionary,
    creator: Option<&str>,
) -> Result<ResolvedTag, TagError> {
    let (g, e) = (tag.group(), tag.element());
    if e == 0 {
        return Ok(ResolvedTag {
            tag,
            vr: VR::UL,
            name: key.into(),
            target: Target::GroupLength,
            vm: None,
        });
    }
    if g % 2 == 0 {
        if let Some(entry) = StandardDataDictionary.by_tag(tag) {
            return Ok(ResolvedTag {
                tag,
                vr: entry.vr().relaxed(),
                name: entry.alias().to_string(),
                target: Target::Standard,
                vm: None,
            });
        }
        if let Some(entry) = dict.by_tag(tag, None) {
            return Ok(ResolvedTag {
                tag,
                vr: entry.vr,
                name: entry.keyword.clone(),
                target: Target::Standard,
                vm: Some((entry.min_mult, entry.max_mult)),
            });
        }
        return Err(TagError::UnknownTag { tag: fmt_tag(tag) });
    }
    let private_err = |reason: String| TagError::Private {
        key: key.into(),
        reason,
    };
    if matches!(g, 0x0001 | 0x0003 | 0x0005 | 0x0007 | 0xFFFF) {
        return Err(private_err(format!(
            "group {g:04x} is reserved and cannot hold private tags"
        )));
    }
    if (0x0010..=0x00FF).contains(&e) {
        let name = dict
            .by_tag(tag, creator)
            .or_else(|| dict.entries().iter().find(|x| x.tag == tag))
            .map(|x| x.keyword.clone())
            .unwrap_or_else(|| "PrivateCreator".into());
        return Ok(ResolvedTag {
            tag,
            vr: VR::LO,
            name,
            target: Target::Reservation,
            vm: None,
        });
    }
    if e < 0x1000 {
        return Err(private_err(format!(
            "{} is not a valid private data element (expected (gggg,0010-00ff) or (gggg,1000-ffff))",
            fmt_tag(tag)
        )));
    }
    // private data element given by number: find its creator and VR in the dictionary
    let entry = match creator {
        Some(c) => dict.by_tag(tag, Some(c)),
        None => {
            let matches: Vec<_> = dict
                .entries()
                .iter()
                .filter(|x| x.tag == tag && x.creator.is_some())
                .collect();
            match matches.len() {
                0 => None,
                1 => Some(matches[0]),
                _ => {
                    return Err(private_err(format!(
                        "{} is declared by several private creators ({}); set PrivateCreator",
                        fmt_tag(tag),
                        matches
                            .iter()
                            .filter_map(|x| x.creator.clone())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
        }
    };
    let Some(entry) = entry else {
        // Undeclared, as Orthanc accepts it: DCMTK knows no VR for the element and writes UN.
        if let Some(c) = creator {
            return Ok(ResolvedTag {
                tag,
                vr: VR::UN,
                name: key.into(),
                target: Target::PrivateExact {
                    creator: c.to_string(),
                },
                vm: None,
            });
        }
        return Err(private_err(format!(
            "{} is not declared in the Dictionary (and no PrivateCreator was given)",
            fmt_tag(tag)
        )));
    };
    let c = entry
        .creator
        .clone()
        .or_else(|| creator.map(str::to_string))
        .ok_or_else(|| private_err("no private creator".into()))?;
    Ok(ResolvedTag {
        tag,
        vr: entry.vr,
        name: entry.keyword.clone(),
        target: Target::PrivateExact { creator: c },
        vm: Some((entry.min_mult, entry.max_mult)),
    })
}

/// Validate `value` against the tag's VR and multiplicity and convert it to a primitive value
/// (the checks are in `dicom/vr_check.rs`). An empty string gives an empty value.
pub fn parse_value(rt: &ResolvedTag, value: &str) -> Result<PrimitiveValue, TagError> {
    vr_check::parse_value(rt.vr, rt.vm, value).map_err(|e| match e {
        ValueError::Invalid { value, rule } => TagError::InvalidValue {
            value,
            name: rt.name.clone(),
            tag: fmt_tag(rt.tag),
            vr: rt.vr.to_string().to_string(),
            rule,
        },
        ValueError::Unsupported { reason } => TagError::Unsupported {
            name: rt.name.clone(),
            tag: fmt_tag(rt.tag),
            reason,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dict() -> PrivateDictionary {
        PrivateDictionary::from_json(&json!({
            "0405,0010": ["LO", "PrivateCreatorForMyCompany", 1, 1, "My Company"],
            "0405,1001": ["ST", "MyPrivateXMLTag", 1, 1, "My Company"],
            "0405,1002": ["US", "MyCounts", 1, 2, "My Company"],
            "0014,1020": ["DA", "ValidationExpiryDate", 1, 1]
        }))
        .unwrap()
    }

    fn std_tag(key: &str) -> ResolvedTag {
        resolve_key(key, &PrivateDictionary::empty(), None).unwrap()
    }

    #[test]
    fn resolves_keywords_numbers_and_private() {
        let d = dict();
        let t = resolve_key("PatientName", &d, None).unwrap();
        assert_eq!(
            (t.tag, t.vr, t.target.clone()),
            (Tag(0x10, 0x10), VR::PN, Target::Standard)
        );
        let t = resolve_key("0010,0020", &d, None).unwrap();
        assert_eq!(
            (t.tag, t.vr, t.name.as_str()),
            (Tag(0x10, 0x20), VR::LO, "PatientID")
        );
        let t = resolve_key("MyPrivateXMLTag", &d, None).unwrap();
        assert_eq!(
            t.target,
            Target::Private {
                creator: "My Company".into(),
                low: 1
            }
        );
        assert_eq!(t.vr, VR::ST);
        let t = resolve_key("0405,1001", &d, Some("My Company")).unwrap();
        assert_eq!(
            t.target,
            Target::PrivateExact {
                creator: "My Company".into()
            }
        );
        let t = resolve_key("0405,0010", &d, None).unwrap();
        assert_eq!((t.target, t.vr), (Target::Reservation, VR::LO));
        assert_eq!(
            resolve_key("0008,0000", &d, None).unwrap().target,
            Target::GroupLength
        );
        assert_eq!(
            resolve_key("ValidationExpiryDate", &d, None).unwrap().vr,
            VR::DA
        );
        let e = resolve_key("NoSuchKeyword", &d, None).unwrap_err();
        assert!(e.to_string().contains("\"NoSuchKeyword\""), "{e}");
        let e = resolve_key("0407,1001", &d, None).unwrap_err();
        assert!(e.to_string().contains("not declared"), "{e}");
        // undeclared with a PrivateCreator: accepted as UN, like Orthanc
        let t = resolve_key("8899-8899", &d, Some("TestBinary")).unwrap();
        assert_eq!(
            (t.vr, t.target),
            (
                VR::UN,
                Target::PrivateExact {
                    creator: "TestBinary".into()
                }
            )
        );
        assert!(resolve_key("0405,0101", &d, None).is_err());
    }

    #[test]
    fn example_message() {
        let t = std_tag("StudyDate");
        let e = parse_value(&t, "2024-13-01").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid value \"2024-13-01\" for StudyDate (0008,0020) DA: expected YYYYMMDD"
        );
    }

    #[test]
    fn vr_validation_table() {
        // (keyword, valid values, invalid values)
        let table: &[(&str, &[&str], &[&str])] = &[
            (
                "StudyDate",
                &["20240229", "19000101", "20240101\\20240102"],
                &["20230229", "2024-01-01", "20241301", "2024010", "abcdefgh"],
            ),
            (
                "StudyTime",
                &["23", "2359", "235960", "120000.123456", "101010 "],
                &["24", "2360", "120000.1234567", "12:00:00", "1", "120000."],
            ),
            (
                "AcquisitionDateTime",
                &[
                    "2024",
                    "202401",
                    "20240101",
                    "20240101120000.5",
                    "20240101120000+0100",
                ],
                &["2024010112000", "20241301", "20240101250000", "20240101+01"],
            ),
            (
                "PatientName",
                &[
                    "Doe^John",
                    "A^B^C^D^E",
                    "Yamada^Tarou=山田^太郎=やまだ^たろう",
                    "Doe^John\\Roe^Jane",
                ],
                &["A^B^C^D^E^F", "a=b=c=d", &"x".repeat(65)],
            ),
            (
                "StudyDescription",
                &[&"x".repeat(64), "Résumé"],
                &[&"x".repeat(65), "bad\u{1}char"],
            ),
            ("StationName", &[&"x".repeat(16)], &[&"x".repeat(17)]),
            (
                "Modality",
                &["OT", "SR", "MR\\CT", "A_B 1"],
                &["ot", "TOO_LONG_CODE_STR", "O-T"],
            ),
            (
                "StudyInstanceUID",
                &["1.2.840.10008.1.2", "0.1.2", "2.25.123"],
                &[
                    "1.02.3",
                    "1..2",
                    "1.2.",
                    "1.2.a",
                    &format!("1.{}", "2".repeat(64)),
                ],
            ),
            (
                "SeriesNumber",
                &["1", "-5", "+7", "2147483647", " 42 "],
                &["1.5", "2147483648", "abc", "1234567890123"],
            ),
            (
                "SliceThickness",
                &["1.5", "-0.5e-3", "10", ".5", "1E3"],
                &["1,5", "abc", "1e", "12345678901234567", "."],
            ),
            (
                "PatientAge",
                &["045Y", "012M", "003W", "001D"],
                &["45Y", "045y", "045"],
            ),
            ("Rows", &["0", "65535"], &["65536", "-1", "1.0"]),
            ("SmallestImagePixelValue", &["0"], &["x"]),
            ("NumberOfWaveformSamples", &["4294967295"], &["4294967296"]),
            ("ReferencedFrameNumber", &["1\\2\\3"], &["1\\x"]),
            ("ImageComments", &["multi\nline\ttext"], &["nul\u{0}"]),
            ("AdditionalPatientHistory", &["text with \\ backslash"], &[]),
            ("RetrieveAETitle", &["STORESCP"], &["AE_TITLE_TOO_LONG_X"]),
        ];
        for (kw, valid, invalid) in table {
            let t = std_tag(kw);
            for v in *valid {
                assert!(
                    parse_value(&t, v).is_ok(),
                    "{kw} should accept {v:?}: {:?}",
                    parse_value(&t, v)
                );
            }
            for v in *invalid {
                let e = parse_value(&t, v);
                assert!(e.is_err(), "{kw} should reject {v:?}");
                let msg = e.unwrap_err().to_string();
                assert!(msg.contains(kw) && msg.contains(&fmt_tag(t.tag)), "{msg}");
            }
        }
    }

    #[test]
    fn values_convert() {
        assert_eq!(
            parse_value(&std_tag("Rows"), "512").unwrap(),
            PrimitiveValue::from(512u16)
        );
        assert_eq!(
            parse_value(&std_tag("PatientName"), "").unwrap(),
            PrimitiveValue::Empty
        );
        assert_eq!(
            parse_value(&std_tag("ImageType"), "ORIGINAL\\PRIMARY").unwrap(),
            PrimitiveValue::Strs(vec!["ORIGINAL".to_string(), "PRIMARY".to_string()].into())
        );
        let d = dict();
        let t = resolve_key("MyCounts", &d, None).unwrap();
        assert!(parse_value(&t, "1\\2").is_ok());
        let e = parse_value(&t, "1\\2\\3").unwrap_err().to_string();
        assert!(e.contains("expected 1-2 value(s)"), "{e}");
        let e = parse_value(&std_tag("ReferencedStudySequence"), "x").unwrap_err();
        assert!(e.to_string().contains("sequence"));
    }
}
