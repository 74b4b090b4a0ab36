//! Private (and custom) tag dictionary, parsed from Orthanc's `Dictionary` configuration option.
//!
//! Format: `{"<tag>": [VR, Name, MinMult?, MaxMult?, PrivateCreator?]}` with 2 to 5 elements.
//! Unlike Orthanc (off-by-one, see orthanc-source-spec §6), a missing MinMult is 1 and a missing
//! MaxMult equals MinMult. A MaxMult of 0 means "arbitrary" (DCMTK's variable VM).

use dicom_core::{Tag, VR};
use std::str::FromStr;
use thiserror::Error;

/// One entry of the dictionary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateEntry {
    /// Tag as declared (for a private block tag, only the low byte of the element is meaningful).
    pub tag: Tag,
    pub vr: VR,
    pub keyword: String,
    pub min_mult: u32,
    /// `None` = arbitrary multiplicity.
    pub max_mult: Option<u32>,
    pub creator: Option<String>,
    /// Declared with a short element (`2001,5f`): only the low byte is given, valid in any
    /// block (DCMTK behaviour).
    pub low_byte_only: bool,
}

impl PrivateEntry {
    /// Does this entry describe a private creator reservation, e.g. `(0405,0010)`?
    pub fn is_reservation(&self) -> bool {
        !self.low_byte_only
            && self.tag.group() % 2 == 1
            && (0x0010..=0x00FF).contains(&self.tag.element())
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum DictionaryError {
    #[error("the Dictionary configuration must be a JSON object")]
    NotAnObject,
    #[error("Dictionary entry '{key}': invalid tag key ({reason})")]
    BadKey { key: String, reason: String },
    #[error("Dictionary entry '{key}': {reason}")]
    BadEntry { key: String, reason: String },
    #[error("Dictionary entry '{key}': tag {tag} is already declared for the same private creator")]
    Duplicate { key: String, tag: String },
    #[error("private keyword '{keyword}' is declared by several private creators ({}); set PrivateCreator", creators.join(", "))]
    Ambiguous {
        keyword: String,
        creators: Vec<String>,
    },
}

/// The dictionary: a flat list of entries (small; linear lookups are fine).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrivateDictionary {
    entries: Vec<PrivateEntry>,
}

/// Parse `gggg,eeee`, `gggg-eeee` or `ggggeeee` (hexadecimal). Like DCMTK, the separated forms
/// also accept 1 to 4 hex digits per part (`2001,5f`).
pub fn parse_tag_key(key: &str) -> Option<Tag> {
    parse_tag_key_ext(key).map(|(t, _)| t)
}

/// As [`parse_tag_key`], also telling whether the element was written with fewer than 4 digits.
fn parse_tag_key_ext(key: &str) -> Option<(Tag, bool)> {
    let key = key.trim();
    let hex = |s: &str| -> Option<u16> {
        if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u16::from_str_radix(s, 16).ok()
    };
    if let Some((g, e)) = key.split_once([',', '-']) {
        return Some((Tag(hex(g)?, hex(e)?), e.len() < 4));
    }
    if key.len() == 8 {
        return Some((Tag(hex(key.get(..4)?)?, hex(key.get(4..)?)?), false));
    }
    None
}

/// `(gggg,eeee)` in lower-case hex, the format used in every message.
pub fn fmt_tag(tag: Tag) -> String {
    format!("({:04x},{:04x})", tag.group(), tag.element())
}

impl PrivateDictionary {
    pub fn empty() -> Self {
        Self::default()
    }

    /// Parse the `Dictionary` configuration value. `null` gives an empty dictionary.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, DictionaryError> {
        let map = match value {
            serde_json::Value::Null => return Ok(Self::empty()),
            serde_json::Value::Object(m) => m,
            _ => return Err(DictionaryError::NotAnObject),
        };
        let mut dict = Self::empty();
        for (key, def) in map {
            let entry = parse_entry(key, def)?;
            if dict
                .entries
                .iter()
                .any(|e| e.tag == entry.tag && e.creator == entry.creator)
            {
                return Err(DictionaryError::Duplicate {
                    key: key.clone(),
                    tag: fmt_tag(entry.tag),
                });
            }
            dict.entries.push(entry);
        }
        Ok(dict)
    }

    pub fn entries(&self) -> &[PrivateEntry] {
        &self.entries
    }

    /// Look up a keyword (case-sensitive, like DICOM keywords). With `creator`, only entries
    /// of that creator match. Without it, entries of several creators are ambiguous.
    pub fn by_keyword(
        &self,
        keyword: &str,
        creator: Option<&str>,
    ) -> Result<Option<&PrivateEntry>, DictionaryError> {
        let mut found: Vec<&PrivateEntry> = self
            .entries
            .iter()
            .filter(|e| e.keyword == keyword)
            .collect();
        if let Some(c) = creator {
            // an exact creator match wins; entries without creator (public/custom) also match
            if let Some(e) = found.iter().find(|e| e.creator.as_deref() == Some(c)) {
                return Ok(Some(e));
            }
            found.retain(|e| e.creator.is_none());
        }
        match found.len() {
            0 => Ok(None),
            1 => Ok(Some(found[0])),
            _ => {
                let mut creators: Vec<String> = found
                    .iter()
                    .map(|e| e.creator.clone().unwrap_or_else(|| "<none>".into()))
                    .collect();
                creators.sort();
                creators.dedup();
                Err(DictionaryError::Ambiguous {
                    keyword: keyword.to_string(),
                    creators,
                })
            }
        }
    }

    /// Look up by tag, as DCMTK does for a private tag: the exact `(gggg,eeee)` first, then
    /// any entry of the same creator and group with the same low element byte.
    pub fn by_tag(&self, tag: Tag, creator: Option<&str>) -> Option<&PrivateEntry> {
        let same_creator = |e: &&PrivateEntry| e.creator.as_deref() == creator;
        if let Some(e) = self
            .entries
            .iter()
            .filter(same_creator)
            .find(|e| e.tag == tag)
        {
            return Some(e);
        }
        if creator.is_some() && tag.element() >= 0x1000 {
            return self.entries.iter().filter(same_creator).find(|e| {
                e.tag.group() == tag.group()
                    && !e.is_reservation()
                    && (e.tag.element() & 0xFF) == (tag.element() & 0xFF)
            });
        }
        None
    }
}

fn parse_entry(key: &str, def: &serde_json::Value) -> Result<PrivateEntry, DictionaryError> {
    let bad = |reason: String| DictionaryError::BadEntry {
        key: key.to_string(),
        reason,
    };
    let (tag, short) = parse_tag_key_ext(key).ok_or_else(|| DictionaryError::BadKey {
        key: key.to_string(),
        reason: "expected gggg,eeee, gggg-eeee or ggggeeee in hexadecimal".into(),
    })?;
    let arr = def.as_array().ok_or_else(|| {
        bad("expected an array [VR, Name, MinMult, MaxMult, PrivateCreator]".into())
    })?;
    if !(2..=5).contains(&arr.len()) {
        return Err(bad(format!(
            "expected 2 to 5 elements [VR, Name, MinMult, MaxMult, PrivateCreator], got {}",
            arr.len()
        )));
    }
    let vr_s = arr[0]
        .as_str()
        .ok_or_else(|| bad("element 1 (VR) must be a string".into()))?;
    let vr = VR::from_str(vr_s.trim())
        .map_err(|_| bad(format!("unknown value representation \"{vr_s}\"")))?;
    let keyword = arr[1]
        .as_str()
        .ok_or_else(|| bad("element 2 (Name) must be a string".into()))?
        .trim()
        .to_string();
    if keyword.is_empty() {
        return Err(bad("element 2 (Name) is empty".into()));
    }
    let int_at = |i: usize, what: &str| -> Result<Option<u32>, DictionaryError> {
        match arr.get(i) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| {
                    bad(format!(
                        "element {} ({what}) must be a non-negative integer",
                        i + 1
                    ))
                }),
        }
    };
    let min_mult = int_at(2, "MinMult")?.unwrap_or(1);
    if min_mult == 0 {
        return Err(bad("element 3 (MinMult) must be at least 1".into()));
    }
    let max_mult = match int_at(3, "MaxMult")? {
        None => Some(min_mult),
        Some(0) => None,
        Some(m) if m < min_mult => {
            return Err(bad(format!(
                "MaxMult {m} is smaller than MinMult {min_mult}"
            )));
        }
        Some(m) => Some(m),
    };
    let creator = match arr.get(4) {
        None => None,
        Some(v) => {
            let c = v
                .as_str()
                .ok_or_else(|| bad("element 5 (PrivateCreator) must be a string".into()))?
                .trim();
            if c.is_empty() {
                return Err(bad("element 5 (PrivateCreator) is empty".into()));
            }
            if c.len() > 64 || c.contains('\\') {
                return Err(bad(
                    "element 5 (PrivateCreator) must be a valid LO (at most 64 characters, no backslash)"
                        .into(),
                ));
            }
            Some(c.to_string())
        }
    };
    let low_byte_only = short && creator.is_some();
    if creator.is_some() {
        let g = tag.group();
        if g % 2 == 0 || matches!(g, 0x0001 | 0x0003 | 0x0005 | 0x0007 | 0xFFFF) {
            return Err(bad(format!(
                "a private creator requires an odd group other than 0001, 0003, 0005, 0007 and ffff (group {g:04x})"
            )));
        }
        let e = tag.element();
        let valid = if low_byte_only {
            e <= 0x00FF
        } else {
            (0x0010..=0x00FF).contains(&e) || e >= 0x1000
        };
        if !valid {
            return Err(bad(format!(
                "element {e:04x} is not a private element (expected gggg,0010-00ff for a creator, gggg,1000-ffff, or a low byte such as gggg,5f)"
            )));
        }
        if !low_byte_only && (0x0010..=0x00FF).contains(&tag.element()) && vr != VR::LO {
            return Err(bad(format!(
                "a private creator element ({}) must have VR LO, not {vr_s}",
                fmt_tag(tag)
            )));
        }
    }
    Ok(PrivateEntry {
        tag,
        vr,
        keyword,
        min_mult,
        max_mult,
        creator,
        low_byte_only,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn book() -> PrivateDictionary {
        PrivateDictionary::from_json(&json!({
            "0014,1020": ["DA", "ValidationExpiryDate", 1, 1],
            "00e1,10c2": ["UI", "PET-CT Multi Modality Name", 1, 1, "ELSCINT1"],
            "7053-1003": ["ST", "Original Image Filename", 1, 1, "Philips PET Private Group"],
            "2001,5f": ["SQ", "StackSequence", 1, 1, "Philips Imaging DD 001"],
            "0405,0010": ["LO", "PrivateCreatorForMyCompany", 1, 1, "My Company"],
            "04051001": ["ST", "MyPrivateXMLTag", 1, 1, "My Company"],
            "0407,1001": ["LO", "Shared", 1, 3, "Other Co"],
            "0409,1001": ["LO", "Shared", 1, 0, "Third Co"],
            "0411,1001": ["LO", "TwoElems"],
            "0413,1001": ["DS", "ThreeElems", 2]
        }))
        .unwrap()
    }

    #[test]
    fn parses_2_3_4_5_elements() {
        let d = book();
        assert_eq!(d.entries().len(), 10);
        let e = d.by_keyword("MyPrivateXMLTag", None).unwrap().unwrap();
        assert_eq!(e.tag, Tag(0x0405, 0x1001));
        assert_eq!(e.vr, VR::ST);
        assert_eq!(e.creator.as_deref(), Some("My Company"));
        let e = d.by_keyword("TwoElems", None).unwrap().unwrap();
        assert_eq!(
            (e.min_mult, e.max_mult, e.creator.clone()),
            (1, Some(1), None)
        );
        let e = d.by_keyword("ThreeElems", None).unwrap().unwrap();
        assert_eq!((e.min_mult, e.max_mult), (2, Some(2)));
        let e = d.by_keyword("ValidationExpiryDate", None).unwrap().unwrap();
        assert_eq!((e.tag, e.vr), (Tag(0x0014, 0x1020), VR::DA));
        let e = d.by_keyword("StackSequence", None).unwrap().unwrap();
        assert_eq!(e.tag, Tag(0x2001, 0x005f));
        assert!(d.by_keyword("Nope", None).unwrap().is_none());
        assert!(
            PrivateDictionary::from_json(&serde_json::Value::Null)
                .unwrap()
                .entries()
                .is_empty()
        );
    }

    #[test]
    fn keyword_ambiguity_and_creator_filter() {
        let d = book();
        match d.by_keyword("Shared", None) {
            Err(DictionaryError::Ambiguous { creators, .. }) => {
                assert_eq!(
                    creators,
                    vec!["Other Co".to_string(), "Third Co".to_string()]
                )
            }
            other => panic!("unexpected {other:?}"),
        }
        let e = d.by_keyword("Shared", Some("Third Co")).unwrap().unwrap();
        assert_eq!(e.tag, Tag(0x0409, 0x1001));
        assert_eq!(e.max_mult, None);
        assert!(
            d.by_keyword("MyPrivateXMLTag", Some("Other Co"))
                .unwrap()
                .is_none()
        );
        let msg = d.by_keyword("Shared", None).unwrap_err().to_string();
        assert!(
            msg.contains("Other Co") && msg.contains("Third Co"),
            "{msg}"
        );
    }

    #[test]
    fn lookup_by_tag_uses_low_byte_per_creator() {
        let d = book();
        assert_eq!(
            d.by_tag(Tag(0x0405, 0x1001), Some("My Company"))
                .unwrap()
                .keyword,
            "MyPrivateXMLTag"
        );
        assert_eq!(
            d.by_tag(Tag(0x0405, 0x1201), Some("My Company"))
                .unwrap()
                .keyword,
            "MyPrivateXMLTag"
        );
        assert!(d.by_tag(Tag(0x0405, 0x1001), Some("Other Co")).is_none());
        assert!(d.by_tag(Tag(0x0405, 0x1002), Some("My Company")).is_none());
        assert_eq!(
            d.by_tag(Tag(0x0014, 0x1020), None).unwrap().keyword,
            "ValidationExpiryDate"
        );
    }

    #[test]
    fn tag_keys() {
        assert_eq!(parse_tag_key("0405,1001"), Some(Tag(0x0405, 0x1001)));
        assert_eq!(parse_tag_key("0405-1001"), Some(Tag(0x0405, 0x1001)));
        assert_eq!(parse_tag_key("04051001"), Some(Tag(0x0405, 0x1001)));
        assert_eq!(parse_tag_key("7FE0,0010"), Some(Tag(0x7fe0, 0x0010)));
        assert_eq!(parse_tag_key("0405"), None);
        assert_eq!(parse_tag_key("gggg,eeee"), None);
        assert_eq!(parse_tag_key("04051,001"), None);
        assert_eq!(parse_tag_key("PatientName"), None);
    }

    fn err_of(v: serde_json::Value) -> String {
        PrivateDictionary::from_json(&v).unwrap_err().to_string()
    }

    #[test]
    fn malformed_entries_name_the_key_and_the_problem() {
        let cases = [
            (
                json!({"zz,1001": ["LO", "X"]}),
                "'zz,1001'",
                "invalid tag key",
            ),
            (
                json!({"0405,1001": "LO"}),
                "'0405,1001'",
                "expected an array",
            ),
            (json!({"0405,1001": ["LO"]}), "'0405,1001'", "got 1"),
            (
                json!({"0405,1001": ["LO", "X", 1, 1, "C", 9]}),
                "'0405,1001'",
                "got 6",
            ),
            (
                json!({"0405,1001": ["XX", "X"]}),
                "'0405,1001'",
                "unknown value representation",
            ),
            (
                json!({"0405,1001": [1, "X"]}),
                "'0405,1001'",
                "VR) must be a string",
            ),
            (
                json!({"0405,1001": ["LO", 2]}),
                "'0405,1001'",
                "Name) must be a string",
            ),
            (
                json!({"0405,1001": ["LO", "X", "1"]}),
                "'0405,1001'",
                "MinMult) must be",
            ),
            (
                json!({"0405,1001": ["LO", "X", 0]}),
                "'0405,1001'",
                "at least 1",
            ),
            (
                json!({"0405,1001": ["LO", "X", 3, 2]}),
                "'0405,1001'",
                "smaller than MinMult",
            ),
            (
                json!({"0405,1001": ["LO", "X", 1, 1, 5]}),
                "'0405,1001'",
                "PrivateCreator) must be a string",
            ),
            (
                json!({"0404,1001": ["LO", "X", 1, 1, "C"]}),
                "'0404,1001'",
                "odd group",
            ),
            (
                json!({"0405,0010": ["ST", "X", 1, 1, "C"]}),
                "'0405,0010'",
                "must have VR LO",
            ),
        ];
        for (v, key, what) in cases {
            let msg = err_of(v);
            assert!(msg.contains(key) && msg.contains(what), "{msg}");
        }
        assert_eq!(
            err_of(json!([1, 2])),
            DictionaryError::NotAnObject.to_string()
        );
    }
}
