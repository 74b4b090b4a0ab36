//! Importing files into the store, in batches: parse headers in parallel, write the files into
//! `storage/incoming/` in parallel, make them durable (`BlobStore::sync_staged`: one `syncfs`
//! for many, an `fdatasync` each for a few) and index the whole batch in one commit (shared with
//! concurrent imports: `group_commit`; for a few files of the staging pool the sync runs beside
//! the commit, their records carrying each file's CRC-32), then publish the files to their
//! place. A crash at any point leaves files in `incoming/` that the next open publishes
//! (indexed, and whole when the record has a CRC-32) or deletes (not indexed, or a row dropped
//! with them: see `Store::open`). In a daemon, a few small files are made durable by their
//! records in the import journal instead, their commit deferred (`import_journal.rs`).

use std::collections::HashSet;
use std::io::{BufReader, Cursor};
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::Store;
use super::files::FileStorage;
use super::group_commit::{Entry, Outcome, Sink, SyncJob};
use super::header::{ParsedHeader, parse_header_for_import};
use super::ids::InstanceIds;
use super::import_journal::{GroupPlan, ImportJournal, MAX_JOURNALED_BYTES, ToJournal};
use super::index::{Existing, Indexed, JournalMark, NewInstance, StoredFile};
use crate::error::Result;
use crate::input_file::InputFile;

use crate::metrics::Timed;
use crate::parallel;

/// Files up to this size are read whole; larger ones are streamed from their path.
const READ_WHOLE_LIMIT: u64 = 8 << 20;
/// A batch closes at this many files or bytes: one index commit per batch.
pub const BATCH_FILES: usize = 1000;
pub const BATCH_BYTES: u64 = 256 << 20;
/// The error of an item that was fine but went with another's failure (`import_together`).
pub const NOT_STORED_WITH_OTHERS: &str = "not stored: another file of the same request failed";
/// Writers of one batch (no fsync each: the batch is synced once).
const WRITE_THREADS: usize = 4;

#[derive(Debug)]
pub enum ImportSource {
    Path(PathBuf),
    Bytes(Vec<u8>),
}

#[derive(Debug)]
pub struct ImportItem {
    /// What the user named (a path), echoed in the result.
    pub label: String,
    pub source: ImportSource,
    /// Orthanc's metadata for the new instance and the parents it creates.
    pub metadata: super::metadata::Attached,
    /// The header of `ImportSource::Bytes`, when the caller has read it already (a C-STORE
    /// checks its data set against its command): the bytes are not parsed again.
    pub header: Option<Box<ParsedHeader>>,
}

impl ImportItem {
    pub fn new(label: impl Into<String>, source: ImportSource) -> ImportItem {
        ImportItem {
            label: label.into(),
            source,
            metadata: Default::default(),
            header: None,
        }
    }

    /// An item of `bytes`, a Part 10 file whose header `header` was read by
    /// `parse_header_for_import` (with its meta group: no prefix to add).
    pub fn parsed(label: impl Into<String>, bytes: Vec<u8>, header: ParsedHeader) -> ImportItem {
        ImportItem {
            header: Some(Box::new(header)),
            ..ImportItem::new(label, ImportSource::Bytes(bytes))
        }
    }

    pub fn with_metadata(mut self, metadata: super::metadata::Attached) -> ImportItem {
        self.metadata = metadata;
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportStatus {
    Success,
    AlreadyStored,
    Error,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportResult {
    pub label: String,
    pub status: ImportStatus,
    pub ids: Option<InstanceIds>,
    pub error: Option<String>,
}

enum Payload {
    /// The item's own bytes (`ImportSource::Bytes`), used in place.
    Item,
    /// A small file, read whole.
    Bytes(Vec<u8>),
    /// A large file, copied from its path.
    Path(PathBuf),
}

struct Prepared {
    header: ParsedHeader,
    payload: Payload,
    size: u64,
}

fn prepare(item: &ImportItem) -> std::result::Result<Prepared, String> {
    let mut prepared = prepare_source(item)?;
    prepared.header.attached = item.metadata.clone();
    Ok(prepared)
}

/// `prepare` of an item whose header the caller read (a C-STORE): the header and the metadata
/// are taken from the item, not cloned (a header holds some forty strings).
fn prepare_parsed(item: &mut ImportItem) -> Option<Prepared> {
    let ImportSource::Bytes(bytes) = &item.source else {
        return None;
    };
    let mut header = *item.header.take()?;
    header.attached = std::mem::take(&mut item.metadata);
    Some(Prepared {
        header,
        payload: Payload::Item,
        size: bytes.len() as u64,
    })
}

fn prepare_source(item: &ImportItem) -> std::result::Result<Prepared, String> {
    if let (Some(header), ImportSource::Bytes(bytes)) = (&item.header, &item.source) {
        return Ok(Prepared {
            header: (**header).clone(),
            payload: Payload::Item,
            size: bytes.len() as u64,
        });
    }
    match &item.source {
        ImportSource::Bytes(bytes) => {
            let (header, prefix) = parse_header_for_import(Cursor::new(bytes.as_slice()))?;
            match prefix {
                None => Ok(Prepared {
                    header,
                    payload: Payload::Item,
                    size: bytes.len() as u64,
                }),
                Some(prefix) => Ok(with_prefix(header, prefix, bytes)),
            }
        }
        ImportSource::Path(path) => {
            // A regular file only, never blocking, read no further than its size at open.
            let file = InputFile::open(path).map_err(|e| format!("cannot read: {e}"))?;
            let size = file.size();
            if size <= READ_WHOLE_LIMIT {
                let bytes = file.read_all().map_err(|e| format!("cannot read: {e}"))?;
                let (header, prefix) = parse_header_for_import(Cursor::new(bytes.as_slice()))?;
                Ok(match prefix {
                    None => Prepared {
                        header,
                        size: bytes.len() as u64,
                        payload: Payload::Bytes(bytes),
                    },
                    Some(prefix) => with_prefix(header, prefix, &bytes),
                })
            } else {
                let (header, prefix) = parse_header_for_import(BufReader::new(file.into_file()))?;
                match prefix {
                    None => Ok(Prepared {
                        header,
                        payload: Payload::Path(path.clone()),
                        size,
                    }),
                    // A large bare data set: read whole to put its meta group in front.
                    Some(prefix) => {
                        let bytes = crate::input_file::read_regular(path)
                            .map_err(|e| format!("cannot read: {e}"))?;
                        Ok(with_prefix(header, prefix, &bytes))
                    }
                }
            }
        }
    }
}

/// A bare data set stored as a Part 10 file: `prefix` (preamble, DICM, generated meta group)
/// then the data set's bytes.
fn with_prefix(header: ParsedHeader, prefix: Vec<u8>, dataset: &[u8]) -> Prepared {
    let mut bytes = prefix;
    bytes.extend_from_slice(dataset);
    Prepared {
        header,
        size: bytes.len() as u64,
        payload: Payload::Bytes(bytes),
    }
}

impl Store {
    /// Imports items in batches; `each` sees every result as soon as its batch is committed.
    pub fn import(
        &self,
        items: Vec<ImportItem>,
        each: &mut dyn FnMut(&ImportResult),
    ) -> Result<Vec<ImportResult>> {
        let mut all = Vec::with_capacity(items.len());
        let mut batch = Vec::new();
        let mut bytes = 0u64;
        for item in items {
            bytes += match &item.source {
                ImportSource::Bytes(b) => b.len() as u64,
                ImportSource::Path(p) => std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
            };
            batch.push(item);
            if batch.len() >= BATCH_FILES || bytes >= BATCH_BYTES {
                for r in self.import_batch(std::mem::take(&mut batch), false)? {
                    each(&r);
                    all.push(r);
                }
                bytes = 0;
            }
        }
        for r in self.import_batch(batch, false)? {
            each(&r);
            all.push(r);
        }
        Ok(all)
    }

    /// Imports items all or none, in one commit: when one cannot be read, parsed or written,
    /// nothing is indexed and every written file is deleted (the instances of one create-dicom
    /// request, a series).
    pub fn import_together(&self, items: Vec<ImportItem>) -> Result<Vec<ImportResult>> {
        self.import_batch(items, true)
    }

    /// Stages the file at `source` (streamed, never held whole) as the blob `key`.
    fn stage_file(&self, key: &str, source: &std::path::Path) -> std::io::Result<u64> {
        // A regular file, read no further than its size at open (src/input_file.rs).
        let mut input = InputFile::open(source)?.reader();
        self.blobs().stage_from(key, &mut input)
    }

    fn import_batch(
        &self,
        mut items: Vec<ImportItem>,
        together: bool,
    ) -> Result<Vec<ImportResult>> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let started = std::time::Instant::now();
        let threads = parallel::cpus();
        let given = items
            .iter()
            .all(|i| i.header.is_some() && matches!(i.source, ImportSource::Bytes(_)));
        let prepared: Vec<std::result::Result<Prepared, String>> = if given {
            items
                .iter_mut()
                .map(|i| prepare_parsed(i).ok_or_else(|| "not prepared".to_string()))
                .collect()
        } else {
            parallel::map(&items, threads, prepare)
        };
        let mut results: Vec<ImportResult> = items
            .iter()
            .zip(&prepared)
            .map(|(item, p)| ImportResult {
                label: item.label.clone(),
                status: ImportStatus::Error,
                ids: p.as_ref().ok().map(|p| p.header.ids.clone()),
                error: p.as_ref().err().cloned(),
            })
            .collect();

        // Already seen in this batch, or already indexed (unless it is to be replaced): nothing
        // is written.
        let replace = self.existing == Existing::Replace;
        let indexed = if replace {
            HashSet::new()
        } else {
            let ids: Vec<&str> = prepared
                .iter()
                .filter_map(|p| p.as_ref().ok())
                .map(|p| p.header.ids.instance.as_str())
                .collect();
            self.index.indexed(super::ids::Level::Instance, &ids)?
        };
        let mut seen = HashSet::new();
        let mut new = Vec::new();
        for (i, p) in prepared.iter().enumerate() {
            let Ok(p) = p else { continue };
            let id = p.header.ids.instance.as_str();
            if !seen.insert(id) || indexed.contains(id) {
                results[i].status = ImportStatus::AlreadyStored;
            } else {
                new.push(i);
            }
        }
        // Keys for the files to write only: a key taken is written, then synced or deleted.
        let mut uuids = self.blobs().new_keys(new.len()).into_iter();
        let to_write: Vec<(usize, String)> = new
            .into_iter()
            .map(|i| (i, uuids.next().unwrap_or_else(FileStorage::new_uuid)))
            .collect();
        let written = parallel::map(&to_write, WRITE_THREADS, |(i, uuid)| {
            let Ok(p) = &prepared[*i] else {
                return Err("not prepared".to_string());
            };
            let r = match (&p.payload, &items[*i].source) {
                (Payload::Item, ImportSource::Bytes(b)) | (Payload::Bytes(b), _) => {
                    self.blobs().stage(uuid, b)
                }
                (Payload::Item, ImportSource::Path(path)) | (Payload::Path(path), _) => {
                    // The file read now must be the one whose header was parsed.
                    match self.stage_file(uuid, path) {
                        Ok(n) if n == p.size => Ok(()),
                        Ok(n) => Err(std::io::Error::other(format!(
                            "the file changed while it was read ({} bytes, then {n})",
                            p.size
                        ))),
                        Err(e) => Err(e),
                    }
                }
            };
            r.map_err(|e| {
                if crate::error::is_disk_full(&e) {
                    let root = self.files.root().display();
                    format!("cannot write to the storage {root}: no space left on device")
                } else {
                    format!("cannot write to the storage: {e}")
                }
            })
        });
        let mut ok = Vec::new();
        let mut discard = Vec::new();
        for ((i, uuid), w) in to_write.iter().zip(written) {
            match w {
                Ok(()) => ok.push((*i, uuid.clone())),
                Err(e) => {
                    results[*i].error = Some(e);
                    discard.push(uuid.clone());
                }
            }
        }
        if together && (!discard.is_empty() || prepared.iter().any(Result::is_err)) {
            for (i, uuid) in &ok {
                results[*i].error = Some(NOT_STORED_WITH_OTHERS.into());
                discard.push(uuid.clone());
            }
            ok.clear();
        }
        // Durable and indexed with the imports running at the same time (group commit). The
        // headers move there; the files' bytes are no longer needed.
        let mut prepared: Vec<Option<Prepared>> = prepared.into_iter().map(Result::ok).collect();
        // Only files whose sync may run beside the commit need a CRC-32 (a few files of the
        // pool): a large batch is synced first and not checked again.
        let keys: Vec<&str> = ok.iter().map(|(_, uuid)| uuid.as_str()).collect();
        let checked = self.blobs().entries_durable(&keys);
        let entries: Vec<Entry> = ok
            .iter()
            .filter_map(|(i, uuid)| {
                let p = prepared[*i].take()?;
                // The bytes written, moved along when the sync may run beside the commit (the
                // sink may journal them); the result only needs the label.
                let bytes = match (p.payload, &mut items[*i].source) {
                    (Payload::Item, ImportSource::Bytes(b)) if checked => Some(std::mem::take(b)),
                    (Payload::Bytes(b), _) if checked => Some(b),
                    _ => None,
                };
                // What the recovery checks a file against when its sync ran beside the commit.
                let crc32 = bytes.as_deref().map(crc32fast::hash);
                let file = StoredFile {
                    uuid: uuid.clone(),
                    size: p.size,
                    sop_class: p.header.sop_class.clone(),
                    transfer_syntax: p.header.transfer_syntax.clone(),
                    crc32,
                };
                Some(Entry {
                    header: p.header,
                    file,
                    bytes,
                })
            })
            .collect();
        let indexed = if entries.is_empty() {
            Vec::new()
        } else {
            match self.commits.commit(entries, &ImportSink { store: self }) {
                Outcome::Committed(v) => v,
                Outcome::NotSynced(e) => {
                    // Nothing is indexed without durable files: the whole batch fails.
                    for (i, uuid) in &ok {
                        results[*i].error = Some(format!("cannot sync the storage: {e}"));
                        discard.push(uuid.clone());
                    }
                    ok.clear();
                    Vec::new()
                }
                Outcome::NotCommitted(e) => {
                    for (_, uuid) in &ok {
                        let _ = self.blobs().delete(uuid);
                    }
                    let poisoned = e.poisons_database();
                    let e = e.into_error();
                    if poisoned {
                        self.mark_broken(&e);
                    }
                    return Err(e);
                }
                Outcome::Unsettled(sync, e) => {
                    // Rows whose files may not be durable, that could not be removed: the
                    // files stay in `incoming/`, where the next open checks them.
                    let e = e.into_error();
                    tracing::error!("cannot sync the storage ({sync}), nor undo the index: {e}");
                    self.mark_broken(&e);
                    return Err(e);
                }
            }
        };
        let mut committed = Vec::with_capacity(ok.len());
        let mut replaced = Vec::new();
        for ((i, uuid), outcome) in ok.iter().zip(indexed) {
            results[*i].status = match outcome {
                Indexed::Success => {
                    committed.push(uuid.as_str());
                    ImportStatus::Success
                }
                // Orthanc answers an overwrite as a store.
                Indexed::Replaced { old_files } => {
                    committed.push(uuid.as_str());
                    replaced.extend(old_files);
                    ImportStatus::Success
                }
                Indexed::AlreadyStored => {
                    discard.push(uuid.clone());
                    ImportStatus::AlreadyStored
                }
            };
        }
        // Committed: move the files to their place, in parallel (directory updates overlap);
        // a rename lost in a crash is redone at the next open.
        for (uuid, r) in committed
            .iter()
            .zip(parallel::map(&committed, WRITE_THREADS, |u| {
                self.blobs().publish(u)
            }))
        {
            if let Err(e) = r {
                tracing::warn!("cannot publish {uuid}: {e}; the next open will");
            }
        }
        for uuid in &discard {
            let _ = self.blobs().delete(uuid);
        }
        self.delete_removed(&replaced)?;
        // A batch is stored as a whole: each of its new instances took the batch's time over
        // their number (Orthanc times one instance at a time).
        let stored = results
            .iter()
            .filter(|r| r.status == ImportStatus::Success)
            .count();
        if stored > 0 {
            self.metrics
                .observe(Timed::StoreDicom, started.elapsed() / stored as u32);
        }
        Ok(results)
    }
}

/// The import's side of a group commit: the files' sync, the index commit, and whether the
/// one may run beside the other. With the import journal (`store/import_journal.rs`), a group
/// of small files is made durable by its records instead: their flush runs beside a deferred
/// index commit, and the files are synced at the journal's next checkpoint.
struct ImportSink<'a> {
    store: &'a Store,
}

impl ImportSink<'_> {
    /// The group's records, written to the journal, and the job that flushes them; `None`
    /// when the group is not journaled (a checkpoint is then planned if one is due).
    fn journal_beside(&self, journal: &Arc<ImportJournal>, group: &[&Entry]) -> Option<SyncJob> {
        if !journal.available() {
            return None;
        }
        let mut items = Vec::with_capacity(group.len());
        for e in group {
            let (Some(bytes), Some(crc32)) = (&e.bytes, e.file.crc32) else {
                return None;
            };
            if bytes.len() > MAX_JOURNALED_BYTES {
                return None;
            }
            items.push(ToJournal {
                key: &e.file.uuid,
                crc32,
                attached: &e.header.attached,
                bytes,
            });
        }
        let plan = match journal.plan(&items) {
            Ok(plan) => plan,
            Err(e) => {
                // Not fatal: the files are synced instead.
                tracing::warn!("import journal: {e}; small imports sync their files instead");
                return None;
            }
        };
        let GroupPlan::Append { .. } = plan else {
            return None;
        };
        let flush = journal.flush_job();
        let journal = journal.clone();
        Some(Box::new(move || {
            flush().inspect_err(|_| journal.withdraw(plan))
        }))
    }
}

impl Sink for ImportSink<'_> {
    fn sync(&self, files: &[&str]) -> std::io::Result<()> {
        let store = self.store;
        let checkpoint = store
            .journal
            .as_ref()
            .filter(|j| matches!(j.planned(), Some(GroupPlan::Checkpoint { .. })));
        let Some(journal) = checkpoint else {
            return store.blobs().sync_staged(files);
        };
        // Every file written since the last checkpoint, this group's too, and their
        // publications: one `syncfs`.
        let synced = store.files.sync_filesystem();
        if synced.is_err() {
            journal.take();
        }
        synced
    }

    fn commit(&self, news: &[NewInstance<'_>]) -> Result<Vec<Indexed>> {
        let store = self.store;
        let plan = store
            .journal
            .as_ref()
            .and_then(|j| j.take().map(|p| (j, p)));
        let Some((journal, plan)) = plan else {
            return store.index.commit_batch(news, store.existing);
        };
        let mark = match plan {
            GroupPlan::Append { last, .. } => JournalMark::Deferred { seq: last },
            GroupPlan::Checkpoint { seq } => JournalMark::Checkpoint { seq },
        };
        let committed = store
            .index
            .commit_batch_journaled(news, store.existing, mark);
        match (&committed, plan) {
            (Ok(_), GroupPlan::Checkpoint { seq }) => journal.reset(seq),
            // Answered as a failure: the records must not replay.
            (Err(_), GroupPlan::Append { .. }) => journal.withdraw(plan),
            _ => {}
        }
        committed
    }

    /// Beside: files whose directory entries are durable (so a crash leaves each where the
    /// recovery looks, in `incoming/`), on a store no other daemon settles, and never when an
    /// import may replace an instance (dropping the new row after a crash would lose the old
    /// instance too).
    fn sync_beside(&self, group: &[&Entry]) -> Option<SyncJob> {
        let store = self.store;
        let files: Vec<&str> = group.iter().map(|e| e.file.uuid.as_str()).collect();
        let beside = store.sync_beside_commit
            && store.existing == Existing::Keep
            && store.blobs().entries_durable(&files);
        if let Some(journal) = &store.journal {
            // Whatever an earlier group planned and did not commit is void.
            journal.take();
            if !beside {
                return None;
            }
            if let Some(job) = self.journal_beside(journal, group) {
                return Some(job);
            }
            if let Some(GroupPlan::Checkpoint { .. }) = journal.planned() {
                // Synced and committed durably instead (`sync`, `commit`).
                return None;
            }
        }
        if !beside {
            return None;
        }
        let storage = store.files.clone();
        let files: Vec<String> = files.iter().map(|f| f.to_string()).collect();
        Some(Box::new(move || {
            let keys: Vec<&str> = files.iter().map(String::as_str).collect();
            crate::persist::blob_store::BlobStore::sync_staged(&storage, &keys)
        }))
    }

    /// Removes rows committed beside a failed sync, as `check --repair` drops rows whose file
    /// is gone: `Deleted` logged, ancestors left empty removed, no removal intent (the caller
    /// deletes the files).
    fn undo(&self, ids: &[&str]) -> Result<()> {
        let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        self.store.index.repair(&[], &ids).map(|_| ())
    }
}
