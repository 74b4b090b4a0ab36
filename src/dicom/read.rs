//! The one way dicomq reads a DICOM file (the store's import, `show --tags`, archives and media,
//! create-dicom's `--parent`): find where the data set starts ([`super::file_start`]), inflate it
//! when deflated ([`super::inflate`]), walk its element headers ([`super::scan`]) and only then
//! let dicom-object parse it, reading no further than the walk allowed; finally decode the
//! standard elements sent as UN ([`super::un_vr`]) and text by its character set ([`super::charset`]).
//!
//! [`validate_dicom_bytes`] runs every check without building the object: the entry point of
//! the fuzz target of the file reader.

use std::io::{Cursor, Read, Seek, SeekFrom};

use dicom_core::{Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_encoding::TransferSyntax;
use dicom_encoding::transfer_syntax::{Endianness, TransferSyntaxIndex};
use dicom_object::{DefaultDicomObject, FileMetaTable, FileMetaTableBuilder, InMemDicomObject};
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

use super::file_start::{FileStart, read_file_start};
use super::inflate::{InflateError, inflate_dataset};
use super::scan::{MAX_SEQUENCE_DEPTH, ScannedStream, StructureError, scan_elements};
use super::un_vr::{decode_standard_un, parse_un_sequence};

static REGISTRY: TransferSyntaxRegistry = TransferSyntaxRegistry;

/// Why a file cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum DicomReadError {
    #[error(transparent)]
    Structure(#[from] StructureError),
    #[error(transparent)]
    Inflate(#[from] InflateError),
    #[error("cannot parse DICOM: {0}")]
    Parse(String),
}

/// A file read by [`read_dicom`].
#[derive(Debug)]
pub struct ReadDicom {
    pub object: DefaultDicomObject,
    /// The file had no meta group (a bare data set): `object.meta()` was generated, and the file
    /// must get one before it is stored (see [`part10_prefix`]).
    pub meta_generated: bool,
    /// The identifiers (PatientID and the three UIDs) that the file carried as UN, with their
    /// bytes as sent: Orthanc hashes those without trimming their spaces (see `store::header`).
    pub un_identifiers: Vec<(Tag, Vec<u8>)>,
}

/// The elements Orthanc's identifiers are computed from.
const IDENTIFIERS: [Tag; 4] = [
    tags::PATIENT_ID,
    tags::STUDY_INSTANCE_UID,
    tags::SERIES_INSTANCE_UID,
    tags::SOP_INSTANCE_UID,
];

/// The bytes of those of `wanted` that `obj` holds as UN.
fn un_bytes_of(obj: &InMemDicomObject, wanted: &[Tag]) -> Vec<(Tag, Vec<u8>)> {
    wanted
        .iter()
        .filter_map(|tag| {
            let elem = obj.get(*tag).filter(|e| e.vr() == VR::UN)?;
            let bytes = elem.value().to_bytes().ok()?;
            Some((*tag, bytes.into_owned()))
        })
        .collect()
}

/// Checks a whole file in memory (start, meta group, inflation, every element header) without
/// parsing values.
pub fn validate_dicom_bytes(bytes: &[u8]) -> Result<(), DicomReadError> {
    let mut src = Cursor::new(bytes);
    let end = bytes.len() as u64;
    let start = read_file_start(&mut src, 0, end)?;
    let ts = syntax_of(&start)?;
    if is_deflated(&start) {
        let inflated = inflate_dataset(&bytes[start.dataset_at as usize..])?;
        scan_all(&mut Cursor::new(inflated.as_slice()), 0, ts)?;
    } else {
        scan_all(&mut src, start.dataset_at, ts)?;
    }
    Ok(())
}

/// Reads the file that `src` holds from its current position to its end; with `header_only`,
/// the data set stops before Pixel Data.
pub fn read_dicom<R: Read + Seek>(
    mut src: R,
    header_only: bool,
) -> Result<ReadDicom, DicomReadError> {
    let io = |e: std::io::Error| StructureError::Io(e.to_string());
    let base = src.stream_position().map_err(io)?;
    let end = src.seek(SeekFrom::End(0)).map_err(io)?;
    src.seek(SeekFrom::Start(base)).map_err(io)?;
    let start = read_file_start(&mut src, base, end)?;
    let ts = syntax_of(&start)?;
    let mut object = if is_deflated(&start) {
        src.seek(SeekFrom::Start(start.dataset_at)).map_err(io)?;
        let mut deflated = Vec::new();
        src.read_to_end(&mut deflated).map_err(io)?;
        let inflated = inflate_dataset(&deflated)?;
        drop(deflated);
        let mut cursor = Cursor::new(inflated.as_slice());
        let scanned = scan_all(&mut cursor, 0, ts)?;
        let stop = stop(&scanned, header_only, inflated.len() as u64);
        parse_dataset(cursor, 0, stop, &scanned.un_sequences, ts)?
    } else {
        let scanned = scan_all(&mut src, start.dataset_at, ts)?;
        let stop = stop(&scanned, header_only, end);
        parse_dataset(src, start.dataset_at, stop, &scanned.un_sequences, ts)?
    };
    let mut un_identifiers = Vec::new();
    if ts.endianness() == Endianness::Little && ts.uid() != uids::IMPLICIT_VR_LITTLE_ENDIAN {
        if let Some(implicit) = REGISTRY.get(uids::IMPLICIT_VR_LITTLE_ENDIAN) {
            let raw = un_bytes_of(&object, &IDENTIFIERS);
            let decoded = decode_standard_un(&mut object, implicit);
            un_identifiers = raw
                .into_iter()
                .filter(|(tag, _)| decoded.contains(tag))
                .collect();
        }
    }
    // After the UN step, whose re-read decodes text with the parser's codec as the main parse did.
    super::charset::decode_dataset(&mut object);
    let meta_generated = start.meta.is_none();
    let meta = match start.meta {
        Some(meta) => with_sop_from(meta, &object),
        None => generated_meta(&start.transfer_syntax, &object)?,
    };
    Ok(ReadDicom {
        object: object.with_exact_meta(meta),
        meta_generated,
        un_identifiers,
    })
}

/// Preamble, `DICM` and the file meta group of `obj`: what a bare data set needs in front of it
/// to be a Part 10 file.
pub fn part10_prefix(obj: &DefaultDicomObject) -> Result<Vec<u8>, DicomReadError> {
    let mut out = vec![0u8; 128];
    out.extend_from_slice(b"DICM");
    obj.write_meta(&mut out)
        .map_err(|e| DicomReadError::Parse(format!("cannot write a file meta group: {e}")))?;
    Ok(out)
}

fn is_deflated(start: &FileStart) -> bool {
    start.transfer_syntax == uids::DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN
}

/// The syntax the data set is read in (Explicit VR Little Endian for a deflated one, once
/// inflated).
fn syntax_of(start: &FileStart) -> Result<&'static TransferSyntax, StructureError> {
    let uid = if is_deflated(start) {
        uids::EXPLICIT_VR_LITTLE_ENDIAN
    } else {
        start.transfer_syntax.as_str()
    };
    match REGISTRY.get(uid) {
        Some(ts) if !ts.is_unsupported() => Ok(ts),
        Some(ts) => Err(StructureError::UnsupportedSyntax(format!(
            "{} ({})",
            ts.uid(),
            ts.name()
        ))),
        None => Err(StructureError::UnsupportedSyntax(uid.to_string())),
    }
}

fn scan_all<R: Read + Seek>(
    src: &mut R,
    start: u64,
    ts: &TransferSyntax,
) -> Result<ScannedStream, StructureError> {
    let end = src
        .seek(SeekFrom::End(0))
        .map_err(|e| StructureError::Io(e.to_string()))?;
    scan_elements(src, start, end, ts, MAX_SEQUENCE_DEPTH)
}

fn stop(scanned: &ScannedStream, header_only: bool, end: u64) -> u64 {
    match (header_only, scanned.pixel_data_at) {
        (true, Some(at)) => at,
        _ => end,
    }
}

/// Parses the data set between `start` and `stop`, which the scan has checked; the CP-246 UN
/// elements in `un_sequences` are parsed apart, in Implicit VR Little Endian.
fn parse_dataset<R: Read + Seek>(
    mut src: R,
    start: u64,
    stop: u64,
    un_sequences: &[(u64, u64)],
    ts: &TransferSyntax,
) -> Result<InMemDicomObject, DicomReadError> {
    let io = |e: std::io::Error| StructureError::Io(e.to_string());
    let un_sequences: Vec<(u64, u64)> = un_sequences
        .iter()
        .copied()
        .filter(|(from, _)| *from < stop)
        .collect();
    let mut un_elements = Vec::new();
    if let Some(implicit) = REGISTRY.get(uids::IMPLICIT_VR_LITTLE_ENDIAN) {
        for (from, to) in &un_sequences {
            let mut bytes = vec![0u8; (to - from) as usize];
            src.seek(SeekFrom::Start(*from)).map_err(io)?;
            src.read_exact(&mut bytes).map_err(io)?;
            un_elements.extend(parse_un_sequence(&bytes, implicit));
        }
    }
    // The rest: the ranges between the CP-246 elements.
    let mut ranges = Vec::new();
    let mut at = start;
    for (from, to) in &un_sequences {
        ranges.push((at, *from));
        at = *to;
    }
    ranges.push((at, stop.max(at)));
    let mut obj = InMemDicomObject::read_dataset_with_ts(RangesReader::new(src, ranges), ts)
        .map_err(|e| DicomReadError::Parse(e.to_string()))?;
    for element in un_elements {
        obj.put(element);
    }
    Ok(obj)
}

/// Reads the bytes of `src` in `ranges` (absolute offsets, in order), one after the other.
struct RangesReader<R> {
    src: R,
    ranges: std::vec::IntoIter<(u64, u64)>,
    left: u64,
}

impl<R: Read + Seek> RangesReader<R> {
    fn new(src: R, ranges: Vec<(u64, u64)>) -> Self {
        RangesReader {
            src,
            ranges: ranges.into_iter(),
            left: 0,
        }
    }
}

impl<R: Read + Seek> Read for RangesReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.left == 0 {
            let Some((from, to)) = self.ranges.next() else {
                return Ok(0);
            };
            self.src.seek(SeekFrom::Start(from))?;
            self.left = to - from;
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.src.read(&mut buf[..want])?;
        self.left = if n == 0 { 0 } else { self.left - n as u64 };
        if n == 0 {
            // The file shrank under us: end here rather than loop.
            self.ranges = Vec::new().into_iter();
        }
        Ok(n)
    }
}

/// Fills an empty MediaStorageSOPClass/InstanceUID from the data set, as dicom-object does.
fn with_sop_from(mut meta: FileMetaTable, obj: &InMemDicomObject) -> FileMetaTable {
    if meta.media_storage_sop_class_uid.is_empty() {
        meta.media_storage_sop_class_uid = uid_of(obj, tags::SOP_CLASS_UID);
    }
    if meta.media_storage_sop_instance_uid.is_empty() {
        meta.media_storage_sop_instance_uid = uid_of(obj, tags::SOP_INSTANCE_UID);
    }
    meta
}

fn generated_meta(
    transfer_syntax: &str,
    obj: &InMemDicomObject,
) -> Result<FileMetaTable, DicomReadError> {
    FileMetaTableBuilder::new()
        .transfer_syntax(transfer_syntax)
        .media_storage_sop_class_uid(uid_of(obj, tags::SOP_CLASS_UID))
        .media_storage_sop_instance_uid(uid_of(obj, tags::SOP_INSTANCE_UID))
        .implementation_class_uid(crate::dicom::create::IMPLEMENTATION_CLASS_UID)
        .implementation_version_name(crate::dicom::create::IMPLEMENTATION_VERSION_NAME)
        .build()
        .map_err(|e| DicomReadError::Parse(format!("cannot build a file meta group: {e}")))
}

fn uid_of(obj: &InMemDicomObject, tag: dicom_core::Tag) -> String {
    obj.get(tag)
        .and_then(|e| e.value().to_str().ok())
        .map(|v| v.trim_end_matches(['\0', ' ']).to_string())
        .unwrap_or_default()
}

#[cfg(test)]
#[path = "read_tests.rs"]
mod tests;
