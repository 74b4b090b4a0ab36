//! Where a file's data set starts and in which transfer syntax: a Part 10 file (with or without
//! its 128-byte preamble) and its file meta group, or a bare data set without either (Implicit or
//! Explicit VR Little Endian, told apart as DCMTK does: by whether a VR follows the first tag).
//!
//! The meta group is read leniently, as DCMTK reads it: any value length that fits in the file
//! (a 30-character ImplementationVersionName is kept as is), group length optional, and the group
//! ends at the first element of another group.

use std::io::{Read, Seek, SeekFrom};

use dicom_core::VR;
use dicom_dictionary_std::uids;
use dicom_encoding::decode::Decode;
use dicom_encoding::decode::explicit_le::ExplicitVRLittleEndianDecoder;
use dicom_object::FileMetaTable;

use super::scan::{StructureError, element_name};

/// A meta value longer than this is skipped (the standard's longest, a UID, is 64 bytes).
const META_VALUE_LIMIT: u64 = 64 << 10;

/// The start of a file: its meta group, if any, and where its data set begins.
#[derive(Debug, Clone)]
pub struct FileStart {
    /// None for a bare data set (no preamble, no `DICM`, no meta group).
    pub meta: Option<FileMetaTable>,
    /// The transfer syntax UID, trimmed of padding.
    pub transfer_syntax: String,
    /// Absolute offset of the first data set element.
    pub dataset_at: u64,
}

/// Reads the start of `src` (positioned at `base`, `end` bytes long in all).
pub fn read_file_start<R: Read + Seek>(
    src: &mut R,
    base: u64,
    end: u64,
) -> Result<FileStart, StructureError> {
    let io = |e: std::io::Error| StructureError::Io(e.to_string());
    let mut head = [0u8; 132];
    let n = read_up_to(src, &mut head).map_err(io)?;
    let head = &head[..n];
    if n == 0 {
        return Err(StructureError::Empty);
    }
    let meta_at = if n >= 132 && &head[128..132] == b"DICM" {
        base + 132
    } else if n >= 4 && &head[..4] == b"DICM" {
        base + 4
    } else if let Some(transfer_syntax) = bare_dataset_syntax(head) {
        return Ok(FileStart {
            meta: None,
            transfer_syntax: transfer_syntax.to_string(),
            dataset_at: base,
        });
    } else {
        return Err(StructureError::NotDicom);
    };
    let (meta, dataset_at) = read_meta(src, meta_at, end)?;
    Ok(FileStart {
        transfer_syntax: meta.transfer_syntax.clone(),
        meta: Some(meta),
        dataset_at,
    })
}

/// The transfer syntax of a bare data set, when `head` starts like one: a first element in group
/// 0008 (where every composite IOD starts), with an explicit VR or without.
fn bare_dataset_syntax(head: &[u8]) -> Option<&'static str> {
    match head.get(0..2)? {
        [0x08, 0x00] | [0x00, 0x08] => syntax_of_first_element(head),
        _ => None,
    }
}

/// The transfer syntax a data set starting with `head` is written in, told as DCMTK tells it:
/// explicit when a VR follows the first tag, big endian when the group reads so (only explicit
/// big endian exists).
fn syntax_of_first_element(head: &[u8]) -> Option<&'static str> {
    let head = head.get(0..6)?;
    let explicit = head[4].is_ascii_uppercase()
        && head[5].is_ascii_uppercase()
        && VR::from_binary([head[4], head[5]]).is_some();
    let big_endian = head[0] == 0 && head[1] != 0;
    match (explicit, big_endian) {
        (true, false) => Some(uids::EXPLICIT_VR_LITTLE_ENDIAN),
        // Explicit VR Big Endian (retired, still read).
        (true, true) => Some("1.2.840.10008.1.2.2"),
        (false, false) => Some(uids::IMPLICIT_VR_LITTLE_ENDIAN),
        (false, true) => None,
    }
}

fn read_meta<R: Read + Seek>(
    src: &mut R,
    start: u64,
    end: u64,
) -> Result<(FileMetaTable, u64), StructureError> {
    let io = |e: std::io::Error| StructureError::Io(e.to_string());
    let decoder = ExplicitVRLittleEndianDecoder::default();
    let mut meta = FileMetaTable {
        information_group_length: 0,
        information_version: [0, 1],
        media_storage_sop_class_uid: String::new(),
        media_storage_sop_instance_uid: String::new(),
        transfer_syntax: String::new(),
        implementation_class_uid: String::new(),
        implementation_version_name: None,
        source_application_entity_title: None,
        sending_application_entity_title: None,
        receiving_application_entity_title: None,
        private_information_creator_uid: None,
        private_information: None,
    };
    let mut group_length = None;
    let mut pos = start;
    src.seek(SeekFrom::Start(pos)).map_err(io)?;
    while end - pos >= 8 {
        let mut group = [0u8; 2];
        src.read_exact(&mut group).map_err(io)?;
        src.seek(SeekFrom::Start(pos)).map_err(io)?;
        if group != [0x02, 0x00] {
            break;
        }
        let (header, header_len) =
            decoder
                .decode_header(src)
                .map_err(|e| StructureError::Malformed {
                    offset: pos,
                    reason: format!("unreadable file meta element: {e}"),
                })?;
        pos += header_len as u64;
        if pos > end {
            return Err(StructureError::TruncatedHeader {
                offset: pos - header_len as u64,
            });
        }
        let Some(len) = header.len.get() else {
            return Err(malformed(
                pos,
                &format!(
                    "file meta element {} has an undefined length",
                    element_name(header.tag)
                ),
            ));
        };
        let len = u64::from(len);
        if len > end - pos {
            return Err(StructureError::Truncated {
                tag: header.tag,
                offset: pos - header_len as u64,
                declared: len,
                remaining: end - pos,
            });
        }
        if len > META_VALUE_LIMIT {
            src.seek(SeekFrom::Current(len as i64)).map_err(io)?;
            pos += len;
            continue;
        }
        let mut value = vec![0u8; len as usize];
        src.read_exact(&mut value).map_err(io)?;
        pos += len;
        let text = || {
            String::from_utf8_lossy(&value)
                .trim_end_matches(['\0', ' '])
                .to_string()
        };
        match header.tag.1 {
            0x0000 if value.len() == 4 => {
                group_length = Some(u32::from_le_bytes([value[0], value[1], value[2], value[3]]))
            }
            0x0001 if value.len() == 2 => meta.information_version = [value[0], value[1]],
            0x0002 => meta.media_storage_sop_class_uid = text(),
            0x0003 => meta.media_storage_sop_instance_uid = text(),
            0x0010 => meta.transfer_syntax = text(),
            0x0012 => meta.implementation_class_uid = text(),
            0x0013 => meta.implementation_version_name = Some(text()),
            0x0016 => meta.source_application_entity_title = Some(text()),
            0x0017 => meta.sending_application_entity_title = Some(text()),
            0x0018 => meta.receiving_application_entity_title = Some(text()),
            0x0100 => meta.private_information_creator_uid = Some(text()),
            0x0102 => meta.private_information = Some(value),
            _ => {}
        }
    }
    if meta.transfer_syntax.is_empty() {
        // No TransferSyntaxUID: told from the first data set element, as DCMTK does.
        let mut head = [0u8; 6];
        let n = read_up_to(src, &mut head).map_err(io)?;
        match syntax_of_first_element(&head[..n]) {
            Some(ts) => meta.transfer_syntax = ts.to_string(),
            None => return Err(StructureError::NoTransferSyntax),
        }
    }
    match group_length {
        Some(n) => meta.information_group_length = n,
        None => meta.update_information_group_length(),
    }
    Ok((meta, pos))
}

fn malformed(offset: u64, reason: &str) -> StructureError {
    StructureError::Malformed {
        offset,
        reason: reason.to_string(),
    }
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
