//! `POST /instances`: a DICOM file, a ZIP of DICOM files (detected by its first bytes, as
//! Orthanc does), either of them gzip-compressed (`Content-Encoding: gzip`).
//!
//! Hostile bodies: a gzip body inflates to at most the body limit; a ZIP may hold at most
//! [`MAX_ZIP_ENTRIES`] entries, each inflating to at most the body limit and all of them to
//! [`ZIP_TOTAL_FACTOR`] times it. Every entry is inflated and checked before the first is
//! stored, so a refused ZIP stores nothing. Entry names are only logged, never used as paths.

use std::io::{Cursor, Read};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::answer::{self, ApiError, ApiResult, OrthancCode};
use super::{App, blocking, body};
use crate::store::import::{ImportItem, ImportResult, ImportSource, ImportStatus};

/// The most entries a ZIP body may hold.
pub const MAX_ZIP_ENTRIES: usize = 10_000;

/// All the entries of a ZIP body together inflate to at most this many times the body limit.
pub const ZIP_TOTAL_FACTOR: u64 = 4;

pub async fn upload(State(app): State<App>, headers: HeaderMap, body: Body) -> ApiResult {
    let bytes = body::read(&app, &headers, body).await?;
    if bytes.is_empty() {
        return Err(bad_file("Received an empty DICOM file"));
    }
    let gzip = headers
        .get(axum::http::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"));
    let limit = app.options.body_limit;
    blocking(move || {
        let bytes = if gzip {
            gunzip(&bytes, limit)?
        } else {
            bytes.to_vec()
        };
        if is_zip(&bytes) {
            Ok(answer::json(&store_zip(&app, &bytes, limit)?))
        } else {
            let size = bytes.len();
            let result = import_one(&app, "upload", bytes)?;
            match instance_answer(&result) {
                Some(answer) => Ok(answer::json(&answer)),
                None => Err(bad_file(format!(
                    "Cannot parse an invalid DICOM file (size: {size} bytes): {}",
                    result.error.unwrap_or_default()
                ))),
            }
        }
    })
    .await
}

fn bad_file(details: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, OrthancCode::BadFileFormat, details)
}

fn too_large(details: String) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        OrthancCode::BadFileFormat,
        details,
    )
}

/// Orthanc's test (`ZipReader::IsZipMemoryBuffer`): a local file header, an end of central
/// directory (an empty archive) or a spanning marker.
fn is_zip(bytes: &[u8]) -> bool {
    matches!(
        bytes.get(..4),
        Some([b'P', b'K', 3, 4] | [b'P', b'K', 5, 6] | [b'P', b'K', 7, 8])
    )
}

/// Inflates a gzip body, to at most `limit` bytes.
fn gunzip(bytes: &[u8], limit: u64) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| bad_file(format!("the gzip-encoded body does not inflate: {e}")))?;
    if out.len() as u64 > limit {
        return Err(too_large(format!(
            "the gzip-encoded body inflates to more than the limit of {limit} bytes"
        )));
    }
    Ok(out)
}

fn import_one(app: &App, label: &str, bytes: Vec<u8>) -> Result<ImportResult, ApiError> {
    let item = ImportItem {
        label: label.into(),
        source: ImportSource::Bytes(bytes),
    };
    app.node
        .import(vec![item], &mut |_| {})?
        .pop()
        .ok_or_else(|| ApiError::bad_request("nothing imported"))
}

/// Orthanc's answer for a stored instance; None when it was not stored.
fn instance_answer(result: &ImportResult) -> Option<Value> {
    let ids = result.ids.as_ref()?;
    if result.status == ImportStatus::Error {
        return None;
    }
    Some(json!({
        "ID": ids.instance,
        "ParentPatient": ids.patient,
        "ParentSeries": ids.series,
        "ParentStudy": ids.study,
        "Path": format!("/instances/{}", ids.instance),
        "Status": format!("{:?}", result.status),
    }))
}

/// One entry, inflated whole, within `limit`.
fn inflate_entry(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    i: usize,
    limit: u64,
) -> Result<Option<Vec<u8>>, ApiError> {
    let unreadable =
        |e: &dyn std::fmt::Display| bad_file(format!("ZIP entry #{i} cannot be read: {e}"));
    let entry = archive.by_index(i).map_err(|e| unreadable(&e))?;
    if entry.is_dir() {
        return Ok(None);
    }
    let mut out = Vec::new();
    entry
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| unreadable(&e))?;
    if out.len() as u64 > limit {
        return Err(too_large(format!(
            "ZIP entry #{i} inflates to more than the limit of {limit} bytes"
        )));
    }
    Ok(Some(out))
}

/// Stores every DICOM entry of a ZIP; answers Orthanc's array of per-instance answers. Entries
/// that are empty, directories or not DICOM are skipped, as Orthanc skips them.
fn store_zip(app: &App, bytes: &[u8], limit: u64) -> Result<Vec<Value>, ApiError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| bad_file(format!("the ZIP body cannot be read: {e}")))?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(bad_file(format!(
            "the ZIP body holds {} entries, more than the limit of {MAX_ZIP_ENTRIES}",
            archive.len()
        )));
    }
    // First pass: every entry inflates, within the limits, before anything is stored.
    let total_limit = limit.saturating_mul(ZIP_TOTAL_FACTOR);
    let mut total = 0_u64;
    for i in 0..archive.len() {
        if let Some(data) = inflate_entry(&mut archive, i, limit)? {
            total += data.len() as u64;
            if total > total_limit {
                return Err(too_large(format!(
                    "the entries of the ZIP body inflate to more than {total_limit} bytes"
                )));
            }
        }
    }
    let mut answers = Vec::new();
    for i in 0..archive.len() {
        let Some(data) = inflate_entry(&mut archive, i, limit)?.filter(|d| !d.is_empty()) else {
            continue;
        };
        let name = match archive.name_for_index(i) {
            Some(Ok(n)) => n.into_owned(),
            _ => String::new(),
        };
        let result = import_one(app, &format!("ZIP entry #{i}"), data)?;
        match instance_answer(&result) {
            Some(answer) => answers.push(answer),
            // `{:?}`: the name as the client sent it, control characters escaped.
            None => tracing::info!(
                "POST /instances: ZIP entry #{i} {name:?} is not a DICOM file: {}",
                result.error.unwrap_or_default()
            ),
        }
    }
    Ok(answers)
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
        let over = gunzip(&gz, 999).expect_err("over the limit");
        assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE);
        let garbage = gunzip(b"\x1f\x8bnot really", 1000).expect_err("garbage");
        assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
        assert!(
            garbage
                .details
                .unwrap_or_default()
                .contains("does not inflate")
        );
    }
}
