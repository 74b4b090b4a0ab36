//! A C-STORE's data set made a Part 10 file and stored through the Node's import, the same path
//! as `dicomq store` (group commit, Orthanc IDs, `orthanc_store_dicom_duration_ms`, the changes
//! log). Called on a blocking thread; it returns when the instance is durable, or why it is not.

use std::io::Cursor;

use dicom_object::FileMetaTableBuilder;

use super::dimse::status;
use crate::node::Node;
use crate::store::ids::Level;
use crate::store::import::{ImportItem, ImportStatus};
use crate::store::metadata::{Attached, origin};

/// What the C-STORE-RSP says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOutcome {
    pub status: u16,
    pub comment: Option<String>,
}

impl StoreOutcome {
    fn failure(status: u16, comment: impl Into<String>) -> StoreOutcome {
        StoreOutcome {
            status,
            comment: Some(comment.into()),
        }
    }
}

/// The command's identity of the instance and how its data set is encoded.
pub struct Received<'a> {
    pub sop_class: &'a str,
    pub sop_instance: &'a str,
    pub transfer_syntax: &'a str,
    pub data: &'a [u8],
}

/// The preamble, `DICM` and a meta group built from the command and the negotiated transfer
/// syntax, then the data set as received (byte for byte).
pub fn part10_of(r: &Received) -> Result<Vec<u8>, String> {
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(r.transfer_syntax)
        .media_storage_sop_class_uid(r.sop_class)
        .media_storage_sop_instance_uid(r.sop_instance)
        .implementation_class_uid(crate::dicom::create::IMPLEMENTATION_CLASS_UID)
        .implementation_version_name(crate::dicom::create::IMPLEMENTATION_VERSION_NAME)
        .build()
        .map_err(|e| format!("cannot build a file meta group: {e}"))?;
    let mut out = Vec::with_capacity(r.data.len() + 512);
    out.resize(128, 0);
    out.extend_from_slice(b"DICM");
    meta.write(&mut out)
        .map_err(|e| format!("cannot write a file meta group: {e}"))?;
    out.extend_from_slice(r.data);
    Ok(out)
}

/// Orthanc's metadata of an instance received by C-STORE: its origin, the calling and called
/// AE titles and the caller's address (`RemoteAET` on the series too).
pub fn origin(caller: &str, called: &str, ip: std::net::IpAddr) -> Attached {
    Attached::new()
        .with(Level::Instance, "Origin", origin::DICOM_PROTOCOL)
        .with(Level::Instance, "RemoteAET", caller)
        .with(Level::Instance, "CalledAET", called)
        .with(Level::Instance, "RemoteIP", &ip.to_string())
        .with(Level::Series, "RemoteAET", caller)
}

/// Checks the data set against its command and stores it with `metadata`; the outcome is what
/// to answer.
pub fn store(node: &Node, label: String, metadata: Attached, r: &Received) -> StoreOutcome {
    let bytes = match part10_of(r) {
        Ok(b) => b,
        Err(e) => return StoreOutcome::failure(status::PROCESSING_FAILURE, e),
    };
    // The same reader as the import: a truncated or malformed data set stops here.
    let header = match crate::store::header::parse_header(Cursor::new(bytes.as_slice())) {
        Ok(h) => h,
        Err(e) => return StoreOutcome::failure(status::CANNOT_UNDERSTAND, e),
    };
    let in_data = header.instance.get("SOPInstanceUID").map(String::as_str);
    if in_data != Some(r.sop_instance) {
        return StoreOutcome::failure(
            status::DATASET_MISMATCH,
            "SOPInstanceUID differs from the command's",
        );
    }
    if header.sop_class != r.sop_class {
        return StoreOutcome::failure(
            status::DATASET_MISMATCH,
            "SOPClassUID differs from the command's",
        );
    }
    // Parsed once: the import takes the header read here.
    let item = ImportItem::parsed(label, bytes, header).with_metadata(metadata);
    match node.import(vec![item], &mut |_| {}) {
        Ok(results) => match results.first() {
            // Orthanc answers an instance it already has as stored.
            Some(res) if res.status != ImportStatus::Error => StoreOutcome {
                status: status::SUCCESS,
                comment: None,
            },
            Some(res) => StoreOutcome::failure(
                status::OUT_OF_RESOURCES,
                res.error.clone().unwrap_or_else(|| "not stored".into()),
            ),
            None => StoreOutcome::failure(status::PROCESSING_FAILURE, "not stored"),
        },
        Err(e) => StoreOutcome::failure(status::OUT_OF_RESOURCES, e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The data set of a Part 10 file whose meta group starts with its group length.
    fn dataset_of(file: &[u8]) -> &[u8] {
        let len = u32::from_le_bytes([file[140], file[141], file[142], file[143]]) as usize;
        &file[144 + len..]
    }

    #[test]
    fn a_received_data_set_becomes_the_same_file_with_our_meta_group() {
        let spec = dicomq_testdata::small_instance_spec(3, 1000);
        let file = spec.to_bytes();
        let data = dataset_of(&file);
        let sop = spec.sop_uid.clone().expect("a SOP instance UID");
        let made = part10_of(&Received {
            sop_class: &spec.sop_class,
            sop_instance: &sop,
            transfer_syntax: "1.2.840.10008.1.2.1",
            data,
        })
        .expect("a file");
        assert_eq!(
            dataset_of(&made),
            data,
            "the data set is kept byte for byte"
        );
        let header =
            crate::store::header::parse_header(Cursor::new(made.as_slice())).expect("readable");
        assert_eq!(header.instance.get("SOPInstanceUID"), Some(&sop));
        assert_eq!(header.transfer_syntax, "1.2.840.10008.1.2.1");
    }
}
