//! The import journal's recovery at open (`store/import_journal.rs`), before anything else
//! writes to the index: the records of the current generation are settled against what the
//! last durable state of the index holds.
//!
//! - A record whose file a row owns: the row is durable. Its file was not synced (that waits
//!   for a checkpoint), so it is checked against the record's size and CRC-32 and written again
//!   from the record's bytes if it differs.
//! - A record after `rows_up_to` whose file no row owns: its deferred commit was lost. It is
//!   imported again through the import path (a new file, the counters, the changes log and the
//!   metrics as for any import), with the metadata its import attached.
//! - A record up to `rows_up_to` whose file no row owns: its instance was removed since, or was
//!   already stored; its file goes.
//!
//! Then one `syncfs` and a durable checkpoint: the journal starts a new generation, empty.
//! A journal beside an index that never recorded its marks is another database's: deleted (the
//! daemon's first small import is then a checkpoint, which records them).
//! A crash during the recovery leaves the journal as it was, and the next open does it again
//! (an instance imported again by then is `AlreadyStored`).

use std::path::Path;
use std::sync::Arc;

use super::Store;
use super::import::{ImportItem, ImportSource, ImportStatus};
use super::import_journal::{CHECKPOINT_EVERY, ImportJournal, JOURNAL_BYTES};
use super::index::{Existing, JournalMark};
use crate::error::{Error, Result};

/// Test knob: a checkpoint every this many records instead of `CHECKPOINT_EVERY` (journal
/// wrap-around in the tests); 0 journals nothing (the files synced beside durable commits, as
/// before the journal).
const CHECKPOINT_EVERY_ENV: &str = "DICOMQ_IMPORT_JOURNAL_RECORDS";

/// Opens the journal at `path` and settles its records; the journal to `write` imports to
/// (created by its first group if missing), `None` when not writing or when the index cannot
/// defer its commits (imports then sync their files and commit durably).
pub(super) fn open_and_replay(
    store: &Store,
    path: &Path,
    write: bool,
) -> Result<Option<Arc<ImportJournal>>> {
    let Some(marks) = store.index.journal_marks()? else {
        return Ok(None);
    };
    let checkpoint_every = std::env::var(CHECKPOINT_EVERY_ENV)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CHECKPOINT_EVERY);
    let write = write && checkpoint_every > 0;
    if !marks.recorded {
        // This index never journaled: a journal found here is another database's (one deleted
        // and created again), whose records must not come back into this one. The first group
        // is a checkpoint, which records the marks durably before any record is written.
        if !write {
            return Ok(None);
        }
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(Error::io(path, e));
            }
            _ => {}
        }
        let (journal, _) = ImportJournal::open(path, JOURNAL_BYTES, checkpoint_every, 0)?;
        journal.checkpoint_next();
        return Ok(Some(Arc::new(journal)));
    }
    if !write && !path.exists() {
        return Ok(None);
    }
    let (journal, records) =
        ImportJournal::open(path, JOURNAL_BYTES, checkpoint_every, marks.generation)?;
    let writing = |journal| write.then(|| Arc::new(journal));
    if records.is_empty() && marks.rows_up_to == marks.generation {
        return Ok(writing(journal));
    }
    let last = records.last().map_or(0, |r| r.seq).max(marks.rows_up_to);
    let blobs = store.blobs();
    let io = |key: &str, e| Error::io(blobs.label(key).0, e);
    let (mut rewritten, mut lost) = (0usize, Vec::new());
    for record in records {
        let key = record.key.as_str();
        if store.index.file_owner(key)?.is_some() {
            if !store.blob_matches(key, record.size, record.crc32)? {
                // Rewritten in `incoming/`: the settling that follows publishes it.
                blobs.delete(key).map_err(|e| io(key, e))?;
                blobs.stage(key, &record.bytes).map_err(|e| io(key, e))?;
                rewritten += 1;
            }
        } else {
            blobs.delete(key).map_err(|e| io(key, e))?;
            if record.seq > marks.rows_up_to {
                lost.push(record);
            }
        }
    }
    let label = |seq: u64| format!("{} (record {seq})", path.display());
    let items: Vec<ImportItem> = lost
        .into_iter()
        .map(|r| {
            ImportItem::new(label(r.seq), ImportSource::Bytes(r.bytes)).with_metadata(r.attached)
        })
        .collect();
    let again = items.len();
    let results = store.import(items, &mut |_| {})?;
    if let Some(failed) = results.iter().find(|r| r.status == ImportStatus::Error) {
        // Its bytes passed their checksum and were answered: the journal stays for a retry.
        return Err(Error::Internal(format!(
            "cannot import {} again: {}; the journal is left as it is",
            failed.label,
            failed.error.as_deref().unwrap_or("unknown error")
        )));
    }
    store
        .files
        .sync_filesystem()
        .map_err(|e| Error::io(store.files.root(), e))?;
    store.index.commit_batch_journaled(
        &[],
        Existing::Keep,
        JournalMark::Checkpoint { seq: last },
    )?;
    journal.reset(last);
    tracing::info!(
        imported_again = again,
        files_rewritten = rewritten,
        "settled the import journal left by an interrupted run"
    );
    Ok(writing(journal))
}
