//! The bodies `POST /instances` takes besides a plain DICOM file, decoded within limits: a gzip
//! body (`Content-Encoding: gzip`) and a ZIP of files (detected by its first bytes, as Orthanc
//! does). Pure functions over the bytes, so the fuzz target `upload_body` drives them as the
//! route does (src/http/upload.rs stores what they give).
//!
//! Hostile bodies: a gzip body inflates to at most the limit; a ZIP may hold at most
//! [`MAX_ZIP_ENTRIES`] entries, each inflating to at most the limit and all of them to
//! [`ZIP_TOTAL_FACTOR`] times it. [`ZipBody::open`] inflates and checks every entry before the
//! caller reads the first, so a refused ZIP stores nothing. Entry names are only for messages.

use std::io::{Cursor, Read};

/// The most entries a ZIP body may hold.
pub const MAX_ZIP_ENTRIES: usize = 10_000;

/// All the entries of a ZIP body together inflate to at most this many times the body limit.
pub const ZIP_TOTAL_FACTOR: u64 = 4;

/// Why a body is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    /// It does not decode (Orthanc's 400, BadFileFormat).
    #[error("{0}")]
    Bad(String),
    /// It decodes to more than the limits (413).
    #[error("{0}")]
    TooLarge(String),
}

/// Orthanc's test (`ZipReader::IsZipMemoryBuffer`): a local file header, an end of central
/// directory (an empty archive) or a spanning marker.
pub fn is_zip(bytes: &[u8]) -> bool {
    matches!(
        bytes.get(..4),
        Some([b'P', b'K', 3, 4] | [b'P', b'K', 5, 6] | [b'P', b'K', 7, 8])
    )
}

/// Inflates a gzip body, to at most `limit` bytes.
pub fn gunzip(bytes: &[u8], limit: u64) -> Result<Vec<u8>, BodyError> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| BodyError::Bad(format!("the gzip-encoded body does not inflate: {e}")))?;
    if out.len() as u64 > limit {
        return Err(BodyError::TooLarge(format!(
            "the gzip-encoded body inflates to more than the limit of {limit} bytes"
        )));
    }
    Ok(out)
}

/// A ZIP body whose entries all inflated within the limits.
pub struct ZipBody<'a> {
    archive: zip::ZipArchive<Cursor<&'a [u8]>>,
    limit: u64,
}

/// One file of a ZIP body.
pub struct ZipEntry {
    pub index: usize,
    /// As the client sent it: for messages only (print it escaped).
    pub name: String,
    pub data: Vec<u8>,
}

impl<'a> ZipBody<'a> {
    /// Reads the central directory and inflates every entry once, within the limits; nothing
    /// is kept but the archive, so memory stays at one entry.
    pub fn open(bytes: &'a [u8], limit: u64) -> Result<Self, BodyError> {
        let archive = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| BodyError::Bad(format!("the ZIP body cannot be read: {e}")))?;
        if archive.len() > MAX_ZIP_ENTRIES {
            return Err(BodyError::Bad(format!(
                "the ZIP body holds {} entries, more than the limit of {MAX_ZIP_ENTRIES}",
                archive.len()
            )));
        }
        let mut body = ZipBody { archive, limit };
        let total_limit = limit.saturating_mul(ZIP_TOTAL_FACTOR);
        let mut total = 0_u64;
        for i in 0..body.archive.len() {
            if let Some(data) = body.inflate(i)? {
                total += data.len() as u64;
                if total > total_limit {
                    return Err(BodyError::TooLarge(format!(
                        "the entries of the ZIP body inflate to more than {total_limit} bytes"
                    )));
                }
            }
        }
        Ok(body)
    }

    pub fn len(&self) -> usize {
        self.archive.len()
    }

    pub fn is_empty(&self) -> bool {
        self.archive.len() == 0
    }

    /// Entry `i` inflated again; `None` for a directory or an empty file.
    pub fn entry(&mut self, i: usize) -> Result<Option<ZipEntry>, BodyError> {
        let Some(data) = self.inflate(i)?.filter(|d| !d.is_empty()) else {
            return Ok(None);
        };
        let name = match self.archive.name_for_index(i) {
            Some(Ok(n)) => n.into_owned(),
            _ => String::new(),
        };
        Ok(Some(ZipEntry {
            index: i,
            name,
            data,
        }))
    }

    /// One entry, inflated whole, within the limit; `None` for a directory.
    fn inflate(&mut self, i: usize) -> Result<Option<Vec<u8>>, BodyError> {
        let unreadable = |e: &dyn std::fmt::Display| {
            BodyError::Bad(format!("ZIP entry #{i} cannot be read: {e}"))
        };
        let entry = self.archive.by_index(i).map_err(|e| unreadable(&e))?;
        if entry.is_dir() {
            return Ok(None);
        }
        let mut out = Vec::new();
        entry
            .take(self.limit.saturating_add(1))
            .read_to_end(&mut out)
            .map_err(|e| unreadable(&e))?;
        if out.len() as u64 > self.limit {
            return Err(BodyError::TooLarge(format!(
                "ZIP entry #{i} inflates to more than the limit of {} bytes",
                self.limit
            )));
        }
        Ok(Some(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_magic_as_orthanc_detects_it() {
        assert!(is_zip(b"PK\x03\x04rest"));
        assert!(is_zip(b"PK\x05\x06"));
        assert!(!is_zip(b"PK\x01\x02"));
        assert!(!is_zip(b"DICM"));
        assert!(!is_zip(b"PK"));
    }

    #[test]
    fn gzip_is_inflated_within_the_limit() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&[7_u8; 1000]).expect("write");
        let gz = enc.finish().expect("finish");
        assert_eq!(gunzip(&gz, 1000).expect("inflates"), vec![7_u8; 1000]);
        assert!(matches!(gunzip(&gz, 999), Err(BodyError::TooLarge(_))));
        let garbage = gunzip(b"\x1f\x8bnot really", 1000).expect_err("garbage");
        assert!(matches!(&garbage, BodyError::Bad(m) if m.contains("does not inflate")));
    }

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            z.start_file(*name, opts).expect("start");
            z.write_all(data).expect("write");
        }
        z.finish().expect("finish").into_inner()
    }

    #[test]
    fn zip_entries_are_checked_before_any_is_given() {
        let ok = zip_of(&[("a", b"one"), ("../b", b""), ("c", b"three")]);
        let mut body = ZipBody::open(&ok, 100).expect("opens");
        assert_eq!(body.len(), 3);
        let first = body.entry(0).expect("reads").expect("a file");
        assert_eq!((first.index, first.name.as_str()), (0, "a"));
        assert_eq!(first.data, b"one");
        assert!(body.entry(1).expect("reads").is_none(), "empty entry");
        // One entry over the limit refuses the whole body, wherever it is.
        let big = zip_of(&[("a", b"one"), ("b", &[0_u8; 101])]);
        assert!(matches!(
            ZipBody::open(&big, 100),
            Err(BodyError::TooLarge(_))
        ));
        // All together over ZIP_TOTAL_FACTOR times the limit.
        let part = [1_u8; 90];
        let many = zip_of(&[
            ("a", &part),
            ("b", &part),
            ("c", &part),
            ("d", &part),
            ("e", &part),
        ]);
        assert!(matches!(
            ZipBody::open(&many, 100),
            Err(BodyError::TooLarge(_))
        ));
        assert!(matches!(
            ZipBody::open(&ok[..ok.len() / 2], 100),
            Err(BodyError::Bad(_))
        ));
    }
}
