//! What the kinds that rewrite stored instances share (`modify.rs`, `study_move.rs`): one
//! source instance read, changed and stored, with the error codes Orthanc gives a failed step.

use std::io::{Cursor, Read};

use dicom_object::DefaultDicomObject;

use crate::error::Error;
use crate::jobs::model::INTERNAL_ERROR;
use crate::orthanc_code::OrthancCode;
use crate::store::Store;
use crate::store::ids::InstanceIds;
use crate::store::ids::Level;
use crate::store::import::{ImportItem, ImportSource, ImportStatus};
use crate::store::metadata::Attached;

const INEXISTENT_FILE: i32 = OrthancCode::InexistentFile.code();
const BAD_FILE_FORMAT: i32 = OrthancCode::BadFileFormat.code();
pub(super) const CANNOT_STORE: i32 = OrthancCode::CannotStoreInstance.code();

/// A failed step: an Orthanc error code and what the user needs to know.
pub(super) struct StepError(pub i32, pub String);

impl From<Error> for StepError {
    fn from(e: Error) -> Self {
        StepError(INTERNAL_ERROR, e.to_string())
    }
}

/// Orthanc's `ModifiedFrom` / `AnonymizedFrom` (`name`) of a rewritten instance: the source
/// on the new instance, and the source's parents on the parents the store creates for it.
pub(super) fn derived_from(store: &Store, source: &str, name: &str) -> Attached {
    let mut attached = Attached::new().with(Level::Instance, name, source);
    let mut at = (Level::Instance, source.to_string());
    while let (Some(parent_level), Ok(rec)) = (at.0.parent(), store.record(at.0, &at.1)) {
        let Some(parent) = rec.parent else { break };
        attached = attached.with(parent_level, name, &parent);
        at = (parent_level, parent);
    }
    attached
}

/// Reads the stored file of instance `source` whole (pixel data included).
pub(super) fn read_instance(store: &Store, source: &str) -> Result<DefaultDicomObject, StepError> {
    let (label, mut reader) = match store.open_instance(source) {
        Ok(opened) => opened,
        Err(Error::NotFound { .. }) => {
            return Err(StepError(
                INEXISTENT_FILE,
                format!("instance {source} was deleted after the job was submitted"),
            ));
        }
        Err(e) => return Err(StepError(INEXISTENT_FILE, e.to_string())),
    };
    let mut bytes = Vec::with_capacity(reader.len() as usize);
    reader.read_to_end(&mut bytes).map_err(|e| {
        StepError(
            INEXISTENT_FILE,
            format!("cannot read the stored file of instance {source} ({label}): {e}"),
        )
    })?;
    crate::store::header::open_full(Cursor::new(bytes))
        .map_err(|e| StepError(BAD_FILE_FORMAT, format!("instance {source} ({label}): {e}")))
}

/// Reads instance `source`, changes it with `change`, and stores the result with `metadata`
/// attached; the new instance's IDs. A result already stored (a step run again after a crash, or a resubmit)
/// counts as stored; one with the very identifiers of its source is refused.
pub(super) fn rewrite_instance(
    store: &Store,
    source: &str,
    metadata: Attached,
    change: impl FnOnce(&mut DefaultDicomObject) -> Result<(), String>,
) -> Result<InstanceIds, StepError> {
    let mut file = read_instance(store, source)?;
    let bad = |e: String| StepError(BAD_FILE_FORMAT, format!("instance {source}: {e}"));
    change(&mut file).map_err(bad)?;
    let out = crate::dicom::modify::write_file(&file).map_err(|e| bad(e.to_string()))?;
    drop(file);
    let results = store.import_together(vec![
        ImportItem::new(source.to_string(), ImportSource::Bytes(out)).with_metadata(metadata),
    ])?;
    let Some(r) = results.into_iter().next() else {
        return Err(StepError(
            CANNOT_STORE,
            format!("instance {source}: no import result"),
        ));
    };
    let cannot_store = |why: String| StepError(CANNOT_STORE, format!("instance {source}: {why}"));
    match (r.status, r.ids) {
        (ImportStatus::Error, _) | (_, None) => {
            Err(cannot_store(r.error.unwrap_or_else(|| "not stored".into())))
        }
        (ImportStatus::AlreadyStored, Some(ids)) if ids.instance == source => Err(cannot_store(
            "the modified instance has the identifiers of its source, which stays as it was \
             (keep or replace fewer identifiers)"
                .into(),
        )),
        // Success, or stored by this step before a crash or a resubmit.
        (_, Some(ids)) => Ok(ids),
    }
}
