//! The Specific Character Set of a record and the codec of its text: the source's when its
//! bytes read back the same, else UTF-8 (`ISO_IR 192`).

use dicom_encoding::text::{SpecificCharacterSet, TextCodec};

use super::{Record, Value};
use crate::dicom::charset::{CharacterSets, TextKind};

pub(super) enum Codec {
    /// Bytes as they are (ASCII text, or UTF-8 for ISO_IR 192).
    Ascii,
    Charset(SpecificCharacterSet),
}

impl Codec {
    pub(super) fn encode(&self, s: &str) -> Option<Vec<u8>> {
        match self {
            Codec::Ascii => Some(s.as_bytes().to_vec()),
            Codec::Charset(cs) => cs.encode(s).ok(),
        }
    }
}

pub(super) fn uses_charset(vr: &[u8; 2]) -> bool {
    matches!(vr, b"PN" | b"LO" | b"SH" | b"ST" | b"LT" | b"UT" | b"UC")
}

/// The (0008,0005) value to write for a record and the codec for its text.
pub(super) fn record_charset(rec: &Record) -> (Option<String>, Codec) {
    let texts: Vec<&str> = rec
        .elements
        .iter()
        .filter(|e| uses_charset(&e.vr))
        .map(|e| {
            let Value::Text(v) = &e.value;
            v.as_str()
        })
        .collect();
    if texts.iter().all(|t| t.is_ascii()) {
        return (rec.charset.clone(), Codec::Ascii);
    }
    if let Some(cs) = &rec.charset {
        if !cs.contains('\\') {
            if let Some(codec) = SpecificCharacterSet::from_code(cs.trim()) {
                // Kept only when the bytes read back as the same text: dicom-encoding's code
                // pages are wider than some DICOM sets (UHC for ISO 2022 IR 149).
                let sets = CharacterSets::from_value(cs);
                let round_trips = |t: &str| {
                    codec
                        .encode(t)
                        .is_ok_and(|b| sets.decode(&b, TextKind::Text) == t)
                };
                if texts.iter().all(|t| round_trips(t)) {
                    return (Some(cs.clone()), Codec::Charset(codec));
                }
            }
        }
    }
    (Some("ISO_IR 192".to_string()), Codec::Ascii)
}
