//! The DICOM store: the index (redb), the stored files, and the operations on both.

pub mod check;
pub mod files;
pub mod find;
mod find_cache;
mod group_commit;
pub mod header;
pub mod ids;
pub mod import;
mod import_journal;
pub mod index;
mod journal_replay;
pub mod metadata;
pub mod reserve;
pub mod tags;
pub mod views;

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use redb::Database;

use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::persist::blob_store::{BlobLabel, BlobReader, BlobStore};
use crate::persist::index_store::IndexStore;
use crate::persist::redb::index_store::RedbIndexStore;
use files::FileStorage;
use ids::Level;
use index::level_word;
use views::{AncestorView, RemovedView, ResourceView};

/// How long a file may sit in a shared `incoming/` between its write and its commit by
/// another daemon (see `Store::open_shared`).
const SHARED_INCOMING_GRACE: std::time::Duration = std::time::Duration::from_secs(600);

pub struct Store {
    index: Arc<dyn IndexStore>,
    files: FileStorage,
    metrics: Arc<Metrics>,
    /// Concurrent imports share their sync and index commit.
    commits: group_commit::GroupCommit,
    /// Released by a removal on a full disk (see `reserve`).
    reserve: Option<reserve::SpaceReserve>,
    /// Set once a write failed in a way that leaves redb's handle unusable.
    broken: OnceLock<(bool, String)>,
    /// Main tags in memory for `find`, kept current from the changes log.
    find_cache: find_cache::FindCache,
    /// What an import of an instance already stored does (Orthanc's `OverwriteInstances`).
    existing: index::Existing,
    /// Whether a few files' sync may run beside their index commit (`group_commit`): not on a
    /// storage directory other daemons share, whose opens settle `incoming/` too.
    sync_beside_commit: bool,
    /// What makes small imports durable while their index commits are not
    /// (`import_journal.rs`); `None`: every import commits durably.
    journal: Option<Arc<import_journal::ImportJournal>>,
}

/// What is below one resource: counts of the lower levels (0 for its own and higher ones) and
/// the bytes of its files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceStatistics {
    pub studies: u64,
    pub series: u64,
    pub instances: u64,
    pub size: u64,
}

impl Store {
    /// Opens the store and settles what a crash left behind: files of an interrupted removal
    /// are deleted; files left in `incoming/` are published when the index committed them and
    /// deleted otherwise.
    pub fn open(db: Arc<Database>, storage_dir: PathBuf, metrics: Arc<Metrics>) -> Result<Store> {
        let index = Arc::new(RedbIndexStore::open(db)?);
        Self::open_with(index, storage_dir, metrics)
    }

    /// `open` with the import journal at `journal` (`import_journal.rs`): the records a crash
    /// left there are settled first (`journal_replay.rs`); with `write`, small imports are
    /// durable by their records there from then on, their index commits deferred.
    pub fn open_journaled(
        db: Arc<Database>,
        storage_dir: PathBuf,
        metrics: Arc<Metrics>,
        journal: &Path,
        write: bool,
    ) -> Result<Store> {
        let index = Arc::new(RedbIndexStore::open(db)?);
        Self::open_settling(index, storage_dir, metrics, None, Some((journal, write)))
    }

    /// `open` over any index.
    pub fn open_with(
        index: Arc<dyn IndexStore>,
        storage_dir: PathBuf,
        metrics: Arc<Metrics>,
    ) -> Result<Store> {
        Self::open_settling(index, storage_dir, metrics, None, None)
    }

    /// `open` over an index other daemons share, with the storage directory: a file in
    /// `incoming/` that the index does not own may be one another daemon is importing (written,
    /// not yet committed), so only those untouched for `SHARED_INCOMING_GRACE` are deleted (a
    /// crash's leftovers, settled by a later open).
    pub fn open_shared(
        index: Arc<dyn IndexStore>,
        storage_dir: PathBuf,
        metrics: Arc<Metrics>,
    ) -> Result<Store> {
        Self::open_settling(
            index,
            storage_dir,
            metrics,
            Some(SHARED_INCOMING_GRACE),
            None,
        )
    }

    fn open_settling(
        index: Arc<dyn IndexStore>,
        storage_dir: PathBuf,
        metrics: Arc<Metrics>,
        keep_recent: Option<std::time::Duration>,
        journal: Option<(&Path, bool)>,
    ) -> Result<Store> {
        let mut store = Store {
            index,
            files: FileStorage::with_metrics(storage_dir, metrics.clone()),
            metrics,
            commits: group_commit::GroupCommit::default(),
            reserve: None,
            broken: OnceLock::new(),
            find_cache: find_cache::FindCache::default(),
            existing: index::Existing::Keep,
            sync_beside_commit: keep_recent.is_none(),
            journal: None,
        };
        let blobs = store.blobs();
        let leftovers = store.index.pending_intents()?;
        if !leftovers.is_empty() {
            tracing::info!(
                files = leftovers.len(),
                "removing files left by an interrupted operation"
            );
            for uuid in &leftovers {
                blobs
                    .delete(uuid)
                    .map_err(|e| Error::io(blobs.label(uuid).0, e))?;
            }
            store.index.clear_intents(&leftovers)?;
        }
        // Before the files of `incoming/` are settled: a record may rewrite one there.
        let journal = match journal {
            Some((path, write)) => journal_replay::open_and_replay(&store, path, write)?,
            None => None,
        };
        let blobs = store.blobs();
        let staged = blobs
            .staged()
            .map_err(|e| Error::io(blobs.label("incoming").0, e))?;
        // Rows whose files are not what they committed (their sync ran beside the commit and
        // a crash came first): nobody was answered for them.
        let mut torn = Vec::new();
        for uuid in &staged {
            let settled = match store.index.file_owner(uuid)? {
                Some(owner) if !store.staged_file_intact(&owner, uuid)? => {
                    torn.push((owner, uuid.clone()));
                    continue;
                }
                Some(_) => blobs.publish(uuid),
                None if keep_recent.is_some_and(|grace| store.files.staged_within(uuid, grace)) => {
                    continue;
                }
                None => blobs.delete(uuid),
            };
            settled.map_err(|e| Error::io(blobs.label(uuid).0, e))?;
        }
        if !torn.is_empty() {
            tracing::warn!(
                instances = torn.len(),
                "removing instances whose files a crash left incomplete (never acknowledged)"
            );
            // The rows first: a crash before the files go leaves files without rows, which
            // the next open deletes.
            let ids: Vec<String> = torn.iter().map(|(id, _)| id.clone()).collect();
            store.index.repair(&[], &ids)?;
            for (_, uuid) in &torn {
                blobs
                    .delete(uuid)
                    .map_err(|e| Error::io(blobs.label(uuid).0, e))?;
            }
        }
        if !staged.is_empty() {
            tracing::info!(
                files = staged.len(),
                "settled files left by an interrupted import"
            );
        }
        store.journal = journal;
        Ok(store)
    }

    /// Whether the file `uuid` left in `incoming/` holds what the row of `instance` committed:
    /// its size and CRC-32, when the row has one (a file written from memory, whose sync may
    /// have run beside the commit).
    fn staged_file_intact(&self, instance: &str, uuid: &str) -> Result<bool> {
        let record = self.index.get(Level::Instance, instance)?;
        let Some(file) = record.and_then(|r| r.file).filter(|f| f.uuid == uuid) else {
            return Ok(true);
        };
        let Some(crc32) = file.crc32 else {
            // Synced before its commit: nothing to check.
            return Ok(true);
        };
        self.blob_matches(uuid, file.size, crc32)
    }

    /// Whether the file `uuid` (published or staged) is there with `size` bytes of CRC-32
    /// `crc32`. Read in bounded chunks, never past `size`.
    fn blob_matches(&self, uuid: &str, size: u64, crc32: u32) -> Result<bool> {
        let blobs = self.blobs();
        let mut reader = match blobs.open(uuid) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(Error::io(blobs.label(uuid).0, e)),
        };
        if reader.len() != size {
            return Ok(false);
        }
        let mut hasher = crc32fast::Hasher::new();
        let mut buf = vec![0u8; 64 << 10];
        let mut left = size;
        while left > 0 {
            let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            let n = std::io::Read::read(&mut reader, &mut buf[..want])
                .map_err(|e| Error::io(blobs.label(uuid).0, e))?;
            if n == 0 {
                return Ok(false);
            }
            hasher.update(&buf[..n]);
            left -= n as u64;
        }
        Ok(hasher.finalize() == crc32)
    }

    /// Makes the import journal's records settled (`import_journal.rs`): every file synced,
    /// then a durable checkpoint, so that the next open has nothing to replay. At a clean
    /// shutdown (the store dropped); a crash instead leaves the records to the recovery.
    fn checkpoint_journal(&self) -> Result<()> {
        let Some(journal) = &self.journal else {
            return Ok(());
        };
        if !journal.has_records() || self.broken.get().is_some() {
            return Ok(());
        }
        self.files
            .sync_filesystem()
            .map_err(|e| Error::io(self.files.root(), e))?;
        let seq = journal.last_seq();
        self.index.commit_batch_journaled(
            &[],
            index::Existing::Keep,
            index::JournalMark::Checkpoint { seq },
        )?;
        journal.reset(seq);
        Ok(())
    }

    /// Orthanc's `OverwriteInstances`: an instance stored again replaces the one stored before
    /// (its file, and its main tags up the hierarchy) instead of being `AlreadyStored`.
    pub fn overwriting(mut self, overwrite: bool) -> Store {
        self.existing = if overwrite {
            index::Existing::Replace
        } else {
            index::Existing::Keep
        };
        self
    }

    /// Keeps `reserve` for removals on a full disk (taken now if there is room).
    pub fn with_reserve(mut self, reserve: reserve::SpaceReserve) -> Store {
        reserve.ensure();
        self.reserve = Some(reserve);
        self
    }

    /// Why the database can no longer be written, once a write failed with an I/O error.
    pub fn broken(&self) -> Option<Error> {
        self.broken.get().map(|(disk_full, message)| {
            if *disk_full {
                Error::DiskFull {
                    home: None,
                    what: message.clone(),
                }
            } else {
                Error::DatabaseIo(message.clone())
            }
        })
    }

    /// Remembers an error that leaves the database handle unusable.
    fn note_broken(&self, e: &Error) {
        if e.poisons_database() {
            self.mark_broken(e);
        }
    }

    /// Remembers that the database handle is unusable, and why.
    fn mark_broken(&self, e: &Error) {
        let disk_full = matches!(e, Error::DiskFull { .. });
        let message = match e {
            Error::DiskFull { what, .. } => what.clone(),
            other => other.to_string(),
        };
        let _ = self.broken.set((disk_full, message));
    }

    pub fn index(&self) -> &dyn IndexStore {
        self.index.as_ref()
    }

    /// The stored files, as the file layout (`check` walks it).
    pub fn files(&self) -> &FileStorage {
        &self.files
    }

    /// The stored files, as blobs by key: what imports, removals and reads go through.
    pub fn blobs(&self) -> &dyn BlobStore {
        &self.files
    }

    pub fn resolve(&self, id: &str) -> Result<(Level, String)> {
        self.index.resolve(id)
    }

    /// One resource in Orthanc's shape.
    /// Orthanc's metadata of one resource by full ID (`store/metadata.rs`).
    pub fn metadata(
        &self,
        level: Level,
        id: &str,
    ) -> Result<std::collections::BTreeMap<String, String>> {
        let rec = self.index.get(level, id)?.ok_or_else(|| Error::NotFound {
            what: level_word(level),
            id: id.to_string(),
        })?;
        Ok(metadata::of_record(level, &rec))
    }

    pub fn view(&self, level: Level, id: &str) -> Result<ResourceView> {
        let rec = self.index.get(level, id)?.ok_or_else(|| Error::NotFound {
            what: level_word(level),
            id: id.to_string(),
        })?;
        if level == Level::Series {
            let (children, indexes) = self.series_children(id)?;
            let mut view =
                ResourceView::build(level, id, &rec, children, chrono::Utc::now().timestamp());
            if let ResourceView::Series(series) = &mut view {
                series.set_completeness(&indexes);
            }
            return Ok(view);
        }
        let children = self.ordered_children(level, id)?;
        Ok(ResourceView::build(
            level,
            id,
            &rec,
            children,
            chrono::Utc::now().timestamp(),
        ))
    }

    /// Children in a useful order: instances by IndexInSeries then insertion, others by ID.
    fn ordered_children(&self, level: Level, id: &str) -> Result<Vec<String>> {
        if level == Level::Series {
            return Ok(self.series_children(id)?.0);
        }
        self.index.children(id)
    }

    /// A series' instances by IndexInSeries then insertion, with their IndexInSeries.
    fn series_children(&self, id: &str) -> Result<(Vec<String>, Vec<Option<u32>>)> {
        let kids = self.index.children(id)?;
        let mut keyed = Vec::with_capacity(kids.len());
        for k in kids {
            let rec = self.index.get(Level::Instance, &k)?;
            let index = rec.as_ref().and_then(|r| r.index_in_series);
            let key = rec
                .map(|r| (r.index_in_series.unwrap_or(u32::MAX), r.seq))
                .unwrap_or((u32::MAX, u64::MAX));
            keyed.push((key, k, index));
        }
        keyed.sort();
        Ok(keyed.into_iter().map(|(_, k, i)| (k, i)).unzip())
    }

    /// Resources of `level`, optionally only those under `parent` (any ancestor level).
    pub fn list(&self, level: Level, parent: Option<(Level, String)>) -> Result<Vec<ResourceView>> {
        let ids: Vec<String> = match parent {
            None => self
                .index
                .list(level)?
                .into_iter()
                .map(|(id, _)| id)
                .collect(),
            Some((plevel, pid)) => {
                if plevel >= level {
                    return Err(Error::Invalid(format!(
                        "{pid} is a {}, which has no {} below it",
                        level_word(plevel),
                        level.plural()
                    )));
                }
                self.descendants(plevel, &pid, level)?
            }
        };
        ids.iter().map(|id| self.view(level, id)).collect()
    }

    /// Deletes the files of a committed removal (their intents recorded), then clears the
    /// intents of those deleted. A file that cannot be deleted now keeps its intent and is
    /// deleted at the next open; the removal itself succeeded.
    fn delete_removed(&self, files: &[String]) -> Result<()> {
        if files.is_empty() {
            return Ok(());
        }
        let mut deleted = Vec::with_capacity(files.len());
        for uuid in files {
            match self.blobs().delete(uuid) {
                Ok(()) => deleted.push(uuid.clone()),
                Err(e) => tracing::warn!(
                    "cannot delete {}: {e}; it will be deleted at the next open",
                    self.files.path_of(uuid).display()
                ),
            }
        }
        self.index
            .clear_intents(&deleted)
            .inspect_err(|e| self.note_broken(e))
    }

    /// Removes a resource, its descendants and its files; empty ancestors go too.
    pub fn remove(&self, level: Level, id: &str) -> Result<RemovedView> {
        // On a full disk the commit needs the reserve's room; the deleted files give it back.
        let released = self.reserve.as_ref().is_some_and(|r| r.release_if_low());
        let removal = self
            .index
            .remove(level, id)
            .inspect_err(|e| self.note_broken(e))?;
        self.delete_removed(&removal.files)?;
        if released && let Some(r) = &self.reserve {
            r.ensure();
        }
        Ok(RemovedView {
            remaining_ancestor: removal.remaining_ancestor.map(|(l, id)| AncestorView {
                path: format!("/{}/{id}", l.plural()),
                id,
                r#type: l.name().to_string(),
            }),
        })
    }

    /// One instance below a resource (the first child at each level), for its tags.
    pub fn first_instance_under(&self, level: Level, id: &str) -> Result<String> {
        let mut level = level;
        let mut id = id.to_string();
        while let Some(child) = level.child() {
            id = self
                .ordered_children(level, &id)?
                .into_iter()
                .next()
                .ok_or_else(|| Error::Internal(format!("{id} has no {}", child.plural())))?;
            level = child;
        }
        Ok(id)
    }

    /// Opens an instance's stored file for reading (counted in the storage metrics); the label
    /// names it in messages (the reader knows it too, and its length).
    pub fn open_instance(&self, id: &str) -> Result<(BlobLabel, BlobReader)> {
        let uuid = self.instance_file(id)?;
        let reader = self
            .blobs()
            .open(&uuid)
            .map_err(|e| Error::io(self.blobs().label(&uuid).0, e))?;
        Ok((reader.label().clone(), reader))
    }

    /// Orthanc's reconstruction after a modification: the parents of `instance` take their
    /// main tags from its file (`IndexStore::reconstruct`).
    pub fn reconstruct_parents(&self, instance: &str, anonymized: bool) -> Result<()> {
        // The header only: the reader seeks past Pixel Data instead of reading it.
        let (label, reader) = self.open_instance(instance)?;
        let header = header::parse_header(std::io::BufReader::new(reader))
            .map_err(|e| Error::Invalid(format!("instance {instance} ({}): {e}", label.0)))?;
        self.index.reconstruct(&header, anonymized)
    }

    /// One resource's index record; a missing one is `Error::NotFound`.
    pub fn record(&self, level: Level, id: &str) -> Result<index::ResourceRecord> {
        self.index.get(level, id)?.ok_or_else(|| Error::NotFound {
            what: level_word(level),
            id: id.to_string(),
        })
    }

    /// The ancestor of level `target` of `id` (of `level`); `id` itself at its own level.
    pub fn ancestor(&self, level: Level, id: &str, target: Level) -> Result<String> {
        let (mut l, mut id) = (level, id.to_string());
        while l > target {
            let parent = self.record(l, &id)?.parent;
            let (Some(pl), Some(parent)) = (l.parent(), parent) else {
                return Err(Error::Internal(format!("{id} has no parent in the index")));
            };
            (l, id) = (pl, parent);
        }
        Ok(id)
    }

    /// Counts below a resource and the size of its files (Orthanc's `/{level}/{id}/statistics`).
    pub fn resource_statistics(&self, level: Level, id: &str) -> Result<ResourceStatistics> {
        self.record(level, id)?;
        let count = |target: Level| -> Result<u64> {
            Ok(if target > level {
                self.descendants(level, id, target)?.len() as u64
            } else {
                0
            })
        };
        let mut size = 0u64;
        for instance in self.descendants(level, id, Level::Instance)? {
            let rec = self.record(Level::Instance, &instance)?;
            size = size.saturating_add(rec.file.map_or(0, |f| f.size));
        }
        Ok(ResourceStatistics {
            studies: count(Level::Study)?,
            series: count(Level::Series)?,
            instances: count(Level::Instance)?,
            size,
        })
    }

    /// Every instance below a resource (itself if it is an instance), in `ls` order.
    pub fn instances_under(&self, level: Level, id: &str) -> Result<Vec<String>> {
        self.descendants(level, id, Level::Instance)
    }

    /// The resources of level `target` below `id` (of `level`), in `ls` order; `id` itself
    /// when `target` is its own level.
    fn descendants(&self, level: Level, id: &str, target: Level) -> Result<Vec<String>> {
        let mut frontier = vec![id.to_string()];
        let mut l = level;
        while l < target {
            let Some(child) = l.child() else { break };
            let mut next = Vec::new();
            for id in &frontier {
                next.extend(self.ordered_children(l, id)?);
            }
            frontier = next;
            l = child;
        }
        Ok(frontier)
    }

    /// The storage UUID of an instance's file.
    fn instance_file(&self, id: &str) -> Result<String> {
        let rec = self
            .index
            .get(Level::Instance, id)?
            .ok_or_else(|| Error::NotFound {
                what: "instance",
                id: id.to_string(),
            })?;
        rec.file
            .map(|f| f.uuid)
            .ok_or_else(|| Error::Internal(format!("instance {id} has no file")))
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Err(e) = self.checkpoint_journal() {
            tracing::warn!(
                "cannot settle the import journal at shutdown (the next open will): {e}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::header::parse_header;
    use crate::store::import::{ImportItem, ImportSource, ImportStatus};
    use crate::store::index::{NewInstance, StoredFile};

    #[test]
    fn import_together_stores_all_or_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Arc::new(Database::create(dir.path().join("index.redb")).expect("db"));
        let storage = dir.path().join("storage");
        let store = Store::open(db, storage.clone(), Arc::new(Metrics::default())).expect("open");
        let item = |label: &str, bytes: Vec<u8>| ImportItem::new(label, ImportSource::Bytes(bytes));
        let results = store
            .import_together(vec![
                item("good", crate::testdata::small_instance(1, 2000)),
                item("bad", b"not DICOM".to_vec()),
            ])
            .expect("import");
        assert!(results.iter().all(|r| r.status == ImportStatus::Error));
        assert_eq!(
            results[0].error.as_deref(),
            Some(import::NOT_STORED_WITH_OTHERS)
        );
        assert_eq!(store.index.statistics().expect("stats").instances, 0);
        // The empty files created ahead for the next imports aside.
        let mut files = crate::testdata::files_under(&storage);
        files.retain(|f| !store.files.is_spare(f));
        assert!(files.is_empty(), "no file left: {files:?}");
        let results = store
            .import_together(vec![
                item("a", crate::testdata::small_instance(1, 2000)),
                item("b", crate::testdata::small_instance(2, 2000)),
            ])
            .expect("import");
        assert!(results.iter().all(|r| r.status == ImportStatus::Success));
        assert_eq!(store.index.statistics().expect("stats").instances, 2);
        let mut files = crate::testdata::files_under(&storage);
        files.retain(|f| !store.files.is_spare(f));
        assert_eq!(files.len(), 2);
    }

    #[test]
    fn open_settles_what_an_import_left_in_incoming() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db_path = dir.path().join("index.redb");
        let storage = dir.path().join("storage");
        let metrics = Arc::new(Metrics::default());
        let bytes = crate::testdata::small_instance(1, 2000);
        let header = parse_header(std::io::Cursor::new(bytes.as_slice())).expect("header");
        let (committed, orphan) = (FileStorage::new_uuid(), FileStorage::new_uuid());
        {
            let db = Arc::new(Database::create(&db_path).expect("db"));
            let store = Store::open(db, storage.clone(), metrics.clone()).expect("open");
            store
                .files
                .write_batched(&committed, &bytes)
                .expect("write");
            store
                .files
                .write_batched(&orphan, b"never indexed")
                .expect("write");
            store
                .index
                .commit_batch(
                    &[NewInstance {
                        header: &header,
                        file: StoredFile {
                            uuid: committed.clone(),
                            size: bytes.len() as u64,
                            sop_class: header.sop_class.clone(),
                            transfer_syntax: header.transfer_syntax.clone(),
                            crc32: None,
                        },
                    }],
                    index::Existing::Keep,
                )
                .expect("commit");
            // A crash here: neither file was published.
        }
        let db = Arc::new(Database::create(&db_path).expect("db"));
        let store = Store::open(db, storage, metrics).expect("reopen");
        assert!(store.files.incoming().expect("incoming").is_empty());
        assert!(
            store.files.path_of(&committed).exists(),
            "committed file published"
        );
        assert!(
            !store.files.locate(&orphan).exists(),
            "uncommitted file deleted"
        );
        let (_, mut reader) = store.open_instance(&header.ids.instance).expect("instance");
        assert_eq!(reader.len(), bytes.len() as u64);
        let mut read = Vec::new();
        std::io::Read::read_to_end(&mut reader, &mut read).expect("read");
        assert_eq!(read, bytes);
    }

    /// The state a power loss can leave when a file's sync ran beside its index commit: rows
    /// committed, their files in `incoming/` short, torn, or whole. The open drops the rows of
    /// the short and torn ones (never acknowledged: the answer waits for both), with the
    /// ancestors they leave empty, `Deleted` in the changes log and the counters, and
    /// publishes the whole ones.
    #[test]
    fn open_drops_the_rows_whose_files_a_crash_left_short_or_torn() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db_path = dir.path().join("index.redb");
        let storage = dir.path().join("storage");
        let metrics = Arc::new(Metrics::default());
        // Seeds far apart: four patients, so a dropped instance takes its ancestors along.
        let files: Vec<Vec<u8>> = [1, 100, 200, 300]
            .into_iter()
            .map(|seed| crate::testdata::small_instance(seed, 3000))
            .collect();
        let mut ids = Vec::new();
        let mut uuids = Vec::new();
        let last_change;
        {
            let db = Arc::new(Database::create(&db_path).expect("db"));
            let store = Store::open(db, storage.clone(), metrics.clone()).expect("open");
            for (i, bytes) in files.iter().enumerate() {
                // One at a time, as C-STOREs: files of the pool, synced beside the commit.
                let item = ImportItem::new(format!("f{i}"), ImportSource::Bytes(bytes.clone()));
                let r = store.import(vec![item], &mut |_| {}).expect("import");
                assert_eq!(r[0].status, ImportStatus::Success, "{r:?}");
                let id = r[0].ids.as_ref().expect("ids").instance.clone();
                let rec = store.index.get(Level::Instance, &id).expect("get");
                let file = rec.and_then(|r| r.file).expect("a file");
                assert_eq!(file.crc32, Some(crc32fast::hash(bytes)));
                ids.push(id);
                uuids.push(file.uuid);
            }
            last_change = store.index.statistics().expect("stats").last_change;
            // The crash: the publications are lost, and so are parts of two files' bytes.
            let incoming = storage.join("incoming");
            for uuid in &uuids[..3] {
                std::fs::rename(store.files.path_of(uuid), incoming.join(uuid)).expect("mv");
            }
            let short = std::fs::OpenOptions::new()
                .write(true)
                .open(incoming.join(&uuids[0]))
                .expect("open");
            short.set_len(1000).expect("truncate");
            let mut torn = files[1].clone();
            torn[2000..2100].fill(0);
            std::fs::write(incoming.join(&uuids[1]), torn).expect("tear");
        }
        let db = Arc::new(Database::create(&db_path).expect("db"));
        let store = Store::open(db, storage.clone(), metrics).expect("reopen");
        for id in &ids[..2] {
            assert!(store.index.get(Level::Instance, id).expect("get").is_none());
        }
        for id in &ids[2..] {
            assert!(store.index.get(Level::Instance, id).expect("get").is_some());
        }
        assert!(!store.files.locate(&uuids[0]).exists());
        assert!(!store.files.locate(&uuids[1]).exists());
        assert!(store.files.path_of(&uuids[2]).exists(), "whole: published");
        assert!(store.files.incoming().expect("incoming").is_empty());
        // The counters agree with the rows left.
        let stats = store.index.statistics().expect("stats");
        let rows = |level| store.index.list(level).expect("list").len() as u64;
        assert_eq!(
            (stats.patients, stats.studies, stats.series, stats.instances),
            (
                rows(Level::Patient),
                rows(Level::Study),
                rows(Level::Series),
                2
            )
        );
        let kept: u64 = files[2..].iter().map(|f| f.len() as u64).sum();
        assert_eq!(stats.disk_size, kept);
        // Each dropped instance is logged, with its series and study (left empty).
        let (changes, _) = store.index.changes(last_change, 100).expect("changes");
        assert!(changes.len() >= 6, "{changes:?}");
        assert!(
            changes
                .iter()
                .all(|c| c.change_type == index::ChangeType::Deleted)
        );
        for id in &ids[..2] {
            assert!(changes.iter().any(|c| &c.id == id), "{id} not logged");
        }
        let check = store.check().expect("check");
        assert!(
            check.missing.is_empty() && check.orphans.is_empty(),
            "{check:?}"
        );
        assert!(check.unreadable.is_empty(), "{check:?}");
    }

    /// A storage directory shared by daemons: a file another daemon is importing (in
    /// `incoming/`, not yet committed) survives the open of this one; an old one is a crash's
    /// leftover and goes.
    #[test]
    fn a_shared_open_leaves_the_recent_imports_of_others() {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = dir.path().join("storage");
        let open = |shared: bool| {
            let db = Arc::new(Database::create(dir.path().join("index.redb")).expect("db"));
            let index: Arc<dyn IndexStore> = Arc::new(RedbIndexStore::open(db).expect("index"));
            let metrics = Arc::new(Metrics::default());
            if shared {
                Store::open_shared(index, storage.clone(), metrics)
            } else {
                Store::open_with(index, storage.clone(), metrics)
            }
            .expect("open")
        };
        let (recent, old) = (FileStorage::new_uuid(), FileStorage::new_uuid());
        {
            let store = open(false);
            store
                .files
                .write_batched(&recent, b"being imported")
                .expect("write");
            store
                .files
                .write_batched(&old, b"left by a crash")
                .expect("write");
            let long_ago = std::time::SystemTime::now() - SHARED_INCOMING_GRACE * 2;
            std::fs::File::options()
                .write(true)
                .open(store.files.locate(&old))
                .and_then(|f| f.set_modified(long_ago))
                .expect("age the file");
        }
        let store = open(true);
        assert_eq!(
            store.files.incoming().expect("incoming"),
            vec![recent.clone()]
        );
        drop(store);
        let store = open(false);
        assert!(store.files.incoming().expect("incoming").is_empty());
    }
}
