//! The Specific Character Sets of the file: per record, the source's when its bytes read back
//! the same, else UTF-8 (`ISO_IR 192`); for the whole file, one set common to every record
//! with non-ASCII text, declared at the top level too (DCMTK's `dcm2xml` reads only that one).

use std::collections::BTreeSet;

use dicom_encoding::text::{SpecificCharacterSet, TextCodec};

use super::{Record, Value};
use crate::dicom::charset::{CharacterSets, TextKind};

const UTF8: &str = "ISO_IR 192";

pub(super) enum Codec {
    /// UTF-8 bytes (the same bytes as ASCII for ASCII text).
    Utf8,
    Charset(SpecificCharacterSet),
}

impl Codec {
    pub(super) fn encode(&self, s: &str) -> Option<Vec<u8>> {
        match self {
            Codec::Utf8 => Some(s.as_bytes().to_vec()),
            Codec::Charset(cs) => cs.encode(s).ok(),
        }
    }
}

pub(super) fn uses_charset(vr: &[u8; 2]) -> bool {
    matches!(vr, b"PN" | b"LO" | b"SH" | b"ST" | b"LT" | b"UT" | b"UC")
}

/// The texts of a record that its character set applies to.
fn texts(rec: &Record) -> impl Iterator<Item = &str> {
    rec.elements
        .iter()
        .filter(|e| uses_charset(&e.vr))
        .map(|e| {
            let Value::Text(v) = &e.value;
            v.as_str()
        })
}

fn extended(rec: &Record) -> bool {
    texts(rec).any(|t| !t.is_ascii())
}

/// The (0008,0005) value to write for a record and the codec for its text, chosen for the
/// record alone.
pub(super) fn record_charset(rec: &Record) -> (Option<String>, Codec) {
    if !extended(rec) {
        return (rec.charset.clone(), Codec::Utf8);
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
                if texts(rec).all(round_trips) {
                    return (Some(cs.clone()), Codec::Charset(codec));
                }
            }
        }
    }
    (Some(UTF8.to_string()), Codec::Utf8)
}

/// How the file declares its text.
pub(super) struct FileCharsets {
    /// (0008,0005) of the main data set: `None` when every key is ASCII (the file is then
    /// what it was before this declaration existed).
    pub(super) top: Option<String>,
    /// Per record (same index as the writer's records): its (0008,0005) and text codec.
    pub(super) records: Vec<(Option<String>, Codec)>,
}

/// One character set for all the records with non-ASCII text: theirs when they agree (a
/// Latin-1 file set stays Latin-1), else UTF-8 for all of them, so that a reader that takes
/// the top-level value for the whole file (DCMTK's `dcm2xml` writes one XML encoding) reads
/// every record right. Each such record still declares it itself: a directory record's
/// (0008,0005) is Type 1C (required when its keys use another set than the default), and a
/// record is read on its own.
pub(super) fn file_charsets(records: &[Record]) -> FileCharsets {
    let mut chosen: Vec<(Option<String>, Codec)> = records.iter().map(record_charset).collect();
    let extended: Vec<usize> = (0..records.len())
        .filter(|&i| extended(&records[i]))
        .collect();
    let names: BTreeSet<&str> = extended
        .iter()
        .filter_map(|&i| chosen[i].0.as_deref())
        .collect();
    let top = match names.len() {
        0 => None,
        1 => names.first().map(|s| s.to_string()),
        _ => {
            for &i in &extended {
                chosen[i] = (Some(UTF8.to_string()), Codec::Utf8);
            }
            Some(UTF8.to_string())
        }
    };
    FileCharsets {
        top,
        records: chosen,
    }
}
