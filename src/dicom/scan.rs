//! A bounded, iterative walk over the element headers of a data set, run before dicom-object
//! parses (and allocates) anything.
//!
//! It reads headers with the transfer syntax's own decoder (so it sees the stream exactly as
//! dicom-parser will: the same VRs, the same sequences, the same undefined lengths) and skips
//! values without reading them. It refuses:
//! * a declared length larger than the bytes that remain in the file or in the enclosing
//!   defined-length item or sequence (a truncated file, or a length meant to make the parser
//!   allocate gigabytes);
//! * sequences nested deeper than [`MAX_SEQUENCE_DEPTH`] (dicom-object builds nested sequences
//!   recursively, and so do the tag dumps of `show --tags`: the limit bounds their stack);
//! * an element header cut by the end of the file.
//!
//! A stream that ends between two elements while an undefined-length sequence is still open is
//! accepted, as dicom-parser and DCMTK accept it.
//!
//! A top-level UN element of undefined length in an Explicit VR stream holds Implicit VR Little
//! Endian items (CP-246): its content is walked as such and its range reported, for the reader
//! to parse it apart (dicom-parser would read it as explicit). Inside a sequence it is refused.

use std::io::{Read, Seek, SeekFrom};

use dicom_core::header::{Length, SequenceItemHeader};
use dicom_core::{DataDictionary, Tag, VR};
use dicom_dictionary_std::{StandardDataDictionary, tags};
use dicom_encoding::TransferSyntax;
use dicom_encoding::decode::DecodeFrom;
use dicom_encoding::decode::implicit_le::ImplicitVRLittleEndianDecoder;

/// How many sequences may be nested in one another. Real files rarely go past 10 levels
/// (structured reports are the deepest); 64 leaves room and keeps every recursive reader of a
/// data set well inside a 2 MiB thread stack.
pub const MAX_SEQUENCE_DEPTH: usize = 64;

/// (FFFE,E00D), which the dictionary does not name.
const ITEM_DELIMITER: Tag = Tag(0xFFFE, 0xE00D);

/// Why an element stream was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StructureError {
    #[error(
        "truncated: element {} at offset {offset} declares {declared} bytes but only {remaining} remain in the file",
        element_name(*.tag)
    )]
    Truncated {
        tag: Tag,
        offset: u64,
        declared: u64,
        remaining: u64,
    },
    #[error("truncated: the file ends inside the header of an element at offset {offset}")]
    TruncatedHeader { offset: u64 },
    #[error(
        "element {} at offset {offset} declares {declared} bytes, past the end of its enclosing item or sequence ({available} bytes left in it)",
        element_name(*.tag)
    )]
    Overrun {
        tag: Tag,
        offset: u64,
        declared: u64,
        available: u64,
    },
    #[error(
        "sequences are nested deeper than {MAX_SEQUENCE_DEPTH} levels (element {} at offset {offset})",
        element_name(*.tag)
    )]
    TooDeep { tag: Tag, offset: u64 },
    #[error("malformed element stream at offset {offset}: {reason}")]
    Malformed { offset: u64, reason: String },
    #[error("empty file")]
    Empty,
    #[error("not a DICOM file (no DICM marker, and no data set at its start)")]
    NotDicom,
    #[error("the file meta group has no TransferSyntaxUID (0002,0010)")]
    NoTransferSyntax,
    #[error("unsupported transfer syntax {0}")]
    UnsupportedSyntax(String),
    #[error("cannot read: {0}")]
    Io(String),
}

/// `(7FE0,0010) PixelData`: the tag and, when the dictionary knows it, its keyword.
pub fn element_name(tag: Tag) -> String {
    match StandardDataDictionary.by_tag(tag) {
        Some(entry) => format!("{tag} {}", entry.alias),
        None => tag.to_string(),
    }
}

/// What the walk learnt about the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedStream {
    /// Offset of the first top-level element at or after Pixel Data, where a header-only read
    /// stops; None when there is none.
    pub pixel_data_at: Option<u64>,
    /// The deepest sequence nesting seen.
    pub depth: usize,
    /// Top-level UN elements of undefined length (CP-246), from their header to the end of their
    /// sequence delimiter: Implicit VR Little Endian inside.
    pub un_sequences: Vec<(u64, u64)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sequence,
    Item,
    PixelSequence,
}

#[derive(Clone, Copy)]
struct Open {
    kind: Kind,
    tag: Tag,
    /// Absolute end offset for a defined length.
    end: Option<u64>,
    /// Its content is Implicit VR Little Endian (inside a CP-246 UN element).
    implicit: bool,
    /// For a top-level CP-246 UN element: the offset of its header.
    un_from: Option<u64>,
}

/// The walk's nesting: open sequences and items.
struct Nesting {
    open: Vec<Open>,
    depth: usize,
    deepest: usize,
    un_sequences: Vec<(u64, u64)>,
}

impl Nesting {
    fn push(&mut self, open: Open) {
        if open.kind == Kind::Sequence {
            self.depth += 1;
            self.deepest = self.deepest.max(self.depth);
        }
        self.open.push(open);
    }

    /// Closes the innermost sequence or item at `pos`.
    fn pop(&mut self, pos: u64) {
        if let Some(o) = self.open.pop() {
            if o.kind == Kind::Sequence {
                self.depth -= 1;
            }
            if let Some(from) = o.un_from {
                self.un_sequences.push((from, pos));
            }
        }
    }
}

/// Walks the elements of `src` from `start` to `end` (absolute offsets) in the encoding of `ts`,
/// allowing at most `max_depth` nested sequences.
pub fn scan_elements<R: Read + Seek>(
    src: &mut R,
    start: u64,
    end: u64,
    ts: &TransferSyntax,
    max_depth: usize,
) -> Result<ScannedStream, StructureError> {
    let decoder = ts
        .decoder_for::<R>()
        .ok_or_else(|| StructureError::UnsupportedSyntax(ts.uid().to_string()))?;
    let implicit_decoder: Box<dyn DecodeFrom<R>> =
        Box::new(ImplicitVRLittleEndianDecoder::default());
    let explicit_vr = ts.uid() != dicom_dictionary_std::uids::IMPLICIT_VR_LITTLE_ENDIAN;
    let io = |e: std::io::Error| StructureError::Io(e.to_string());
    src.seek(SeekFrom::Start(start)).map_err(io)?;
    let mut pos = start;
    let mut nesting = Nesting {
        open: Vec::new(),
        depth: 0,
        deepest: 0,
        un_sequences: Vec::new(),
    };
    let mut pixel_data_at = None;
    loop {
        // Close the defined-length items and sequences that end here.
        while nesting.open.last().is_some_and(|top| top.end == Some(pos)) {
            nesting.pop(pos);
        }
        if pos >= end {
            break;
        }
        // The innermost defined end bounds everything inside it.
        let limit = nesting.open.iter().rev().find_map(|o| o.end).unwrap_or(end);
        let header_at = pos;
        let too_short = |needed: u64| {
            if limit == end {
                StructureError::TruncatedHeader { offset: header_at }
            } else {
                StructureError::Malformed {
                    offset: header_at,
                    reason: format!(
                        "an element header crosses the end of its enclosing item ({needed} bytes needed)"
                    ),
                }
            }
        };
        if limit - pos < 8 {
            return Err(too_short(8));
        }
        let check = |tag: Tag, len: u32, at: u64| -> Result<u64, StructureError> {
            let declared = u64::from(len);
            if declared <= limit - at {
                Ok(declared)
            } else if limit == end {
                Err(StructureError::Truncated {
                    tag,
                    offset: header_at,
                    declared,
                    remaining: end - at,
                })
            } else {
                Err(StructureError::Overrun {
                    tag,
                    offset: header_at,
                    declared,
                    available: limit - at,
                })
            }
        };
        let top = nesting.open.last().copied();
        let in_implicit = top.is_some_and(|o| o.implicit);
        let decoder = if in_implicit {
            &implicit_decoder
        } else {
            &decoder
        };
        let in_sequence = matches!(top, Some(o) if o.kind != Kind::Item);
        if let (true, Some(parent)) = (in_sequence, top) {
            let item = decoder
                .decode_item_header(src)
                .map_err(|e| StructureError::Malformed {
                    offset: header_at,
                    reason: format!("expected an item of {}: {e}", element_name(parent.tag)),
                })?;
            pos += 8;
            match item {
                SequenceItemHeader::Item { len } if parent.kind == Kind::PixelSequence => {
                    let Some(len) = len.get() else {
                        return Err(StructureError::Malformed {
                            offset: header_at,
                            reason: "a pixel data fragment has an undefined length".into(),
                        });
                    };
                    let n = check(parent.tag, len, pos)?;
                    src.seek(SeekFrom::Current(n as i64)).map_err(io)?;
                    pos += n;
                }
                SequenceItemHeader::Item { len } => {
                    let item_end = match len.get() {
                        Some(len) => Some(pos + check(parent.tag, len, pos)?),
                        None => None,
                    };
                    nesting.push(Open {
                        kind: Kind::Item,
                        tag: parent.tag,
                        end: item_end,
                        implicit: in_implicit,
                        un_from: None,
                    });
                }
                SequenceItemHeader::ItemDelimiter => {
                    return Err(StructureError::Malformed {
                        offset: header_at,
                        reason: format!(
                            "an item delimiter where an item of {} was expected",
                            element_name(parent.tag)
                        ),
                    });
                }
                SequenceItemHeader::SequenceDelimiter => nesting.pop(pos),
            }
            continue;
        }
        let (header, header_len) = decoder.decode_header(src).map_err(|e| {
            if limit - pos < 12 {
                too_short(12)
            } else {
                StructureError::Malformed {
                    offset: header_at,
                    reason: format!("unreadable element header: {e}"),
                }
            }
        })?;
        pos += header_len as u64;
        if pos > limit {
            return Err(too_short(header_len as u64));
        }
        let tag = header.tag;
        if tag == ITEM_DELIMITER {
            // dicom-parser closes whatever is open (or ignores it at the top level).
            nesting.pop(pos);
            continue;
        }
        let top_level = nesting.open.is_empty();
        if top_level && pixel_data_at.is_none() && tag >= tags::PIXEL_DATA {
            pixel_data_at = Some(header_at);
        }
        let cp246 = explicit_vr
            && !in_implicit
            && header.vr == VR::UN
            && header.len.is_undefined()
            && tag != tags::PIXEL_DATA;
        if cp246 && !top_level {
            return Err(StructureError::Malformed {
                offset: header_at,
                reason: format!(
                    "element {} is UN with an undefined length inside a sequence (CP-246): not supported",
                    element_name(tag)
                ),
            });
        }
        // dicom-parser reads an element declared SQ as a sequence of data sets, Pixel Data
        // too: only another VR makes it a sequence of fragments.
        if tag == tags::PIXEL_DATA && header.len.is_undefined() && !cp246 && header.vr != VR::SQ {
            nesting.push(Open {
                kind: Kind::PixelSequence,
                tag,
                end: None,
                implicit: in_implicit,
                un_from: None,
            });
        } else if header.vr == VR::SQ || header.len.is_undefined() {
            if nesting.depth >= max_depth {
                return Err(StructureError::TooDeep {
                    tag,
                    offset: header_at,
                });
            }
            let seq_end = match header.len {
                Length(len) if header.len.is_defined() => Some(pos + check(tag, len, pos)?),
                _ => None,
            };
            nesting.push(Open {
                kind: Kind::Sequence,
                tag,
                end: seq_end,
                implicit: in_implicit || cp246,
                un_from: cp246.then_some(header_at),
            });
        } else {
            let n = check(tag, header.len.0, pos)?;
            // dicom-parser reads whole numbers of a binary VR's values but advances its position
            // by the declared length, so any later element would be read from the wrong offset
            // (and a garbage length allocated). Only the stream's last element may be ragged.
            if let Some(unit) = value_unit(header.vr) {
                if n % unit != 0 && pos + n != end {
                    return Err(StructureError::Malformed {
                        offset: header_at,
                        reason: format!(
                            "element {} ({}) declares {n} bytes, not a multiple of its {unit}-byte values",
                            element_name(tag),
                            header.vr.to_string()
                        ),
                    });
                }
            }
            src.seek(SeekFrom::Current(n as i64)).map_err(io)?;
            pos += n;
        }
    }
    // A CP-246 element left open by the end of the stream ends there.
    while !nesting.open.is_empty() {
        nesting.pop(end);
    }
    nesting.un_sequences.sort_unstable();
    Ok(ScannedStream {
        pixel_data_at,
        depth: nesting.deepest,
        un_sequences: nesting.un_sequences,
    })
}

/// The size of one value of a VR that dicom-parser decodes as binary numbers.
fn value_unit(vr: VR) -> Option<u64> {
    match vr {
        VR::US | VR::SS | VR::OW => Some(2),
        VR::AT | VR::UL | VR::SL | VR::FL | VR::OF | VR::OL => Some(4),
        VR::FD | VR::OD | VR::SV | VR::UV | VR::OV => Some(8),
        _ => None,
    }
}

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;
