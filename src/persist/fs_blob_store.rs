//! File storage, the file implementation of `BlobStore` (src/persist/blob_store.rs): stored
//! DICOM files under `storage/ab/cd/<uuid>`. A new file is written under `storage/incoming/`
//! (staged), the batch is made durable at once (a large one by one `syncfs`, a few files by an
//! `fdatasync` each, into files the `StagingPool` created ahead with durable directory
//! entries), the index commits it, and only then is the file published (renamed) to its place.
//! After a crash, whatever is left in `incoming/` is either published (the index has it) or
//! deleted, so there is never a row without its file nor a file without its row.
//!
//! This is also where the storage metrics are taken: the time to create, read and remove one
//! file, and the bytes read and written.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::metrics::{Metrics, Timed};
use crate::persist::blob_store::{BlobLabel, BlobReader, BlobStore};
use crate::persist::staging_pool::{FILES_PER_DIR, StagingPool};

/// Up to this many staged files, `sync_incoming` fsyncs each instead of the whole file system,
/// and their names come from the `StagingPool`.
const FSYNC_EACH_UP_TO: usize = 16;

#[derive(Debug, Clone)]
pub struct FileStorage {
    root: PathBuf,
    metrics: Arc<Metrics>,
    /// Shared by the clones: files created ahead in `incoming/` for imports of a few files.
    pool: Arc<StagingPool>,
    /// `incoming/` was found or created with a durable entry (shared by the clones): the pool's
    /// names need no mkdir each. Cleared when the pool cannot create files (someone removed it).
    incoming_ready: Arc<std::sync::atomic::AtomicBool>,
}

impl FileStorage {
    /// A storage whose metrics nobody reads (tests, tools).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self::with_metrics(root, Arc::new(Metrics::default()))
    }

    pub fn with_metrics(root: impl Into<PathBuf>, metrics: Arc<Metrics>) -> Self {
        let root = root.into();
        FileStorage {
            pool: Arc::new(StagingPool::new(root.join("incoming"))),
            incoming_ready: Arc::default(),
            root,
            metrics,
        }
    }

    /// The storage directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn new_uuid() -> String {
        uuid::Uuid::new_v4().to_string()
    }

    /// `n` new file names for files stored together: random v4 UUIDs, but each run of
    /// `FILES_PER_DIR` shares its first two bytes, hence its `ab/cd` directory. A fresh store
    /// then creates one directory per 64 files instead of about one per file (directory
    /// creation was half the inode allocations of an import), and the files of one import sit
    /// together. Directories still fill evenly: each run picks its own random prefix.
    pub fn new_uuids(n: usize) -> Vec<String> {
        let mut prefix = [0u8; 2];
        (0..n)
            .map(|i| {
                let mut bytes = *uuid::Uuid::new_v4().as_bytes();
                if i % FILES_PER_DIR == 0 {
                    prefix = [bytes[0], bytes[1]];
                }
                bytes[0] = prefix[0];
                bytes[1] = prefix[1];
                uuid::Uuid::from_bytes(bytes).to_string()
            })
            .collect()
    }

    /// Where the file of `uuid` lives (`storage/ab/cd/abcd...`, as Orthanc lays it out).
    pub fn path_of(&self, uuid: &str) -> PathBuf {
        let a = uuid.get(0..2).unwrap_or("00");
        let b = uuid.get(2..4).unwrap_or("00");
        self.root.join(a).join(b).join(uuid)
    }

    /// A temporary left by an older layout (files were written beside their final name).
    fn temp_path_of(&self, uuid: &str) -> PathBuf {
        let mut p = self.path_of(uuid);
        p.set_extension("tmp");
        p
    }

    fn incoming_dir(&self) -> PathBuf {
        self.root.join("incoming")
    }

    fn incoming_path_of(&self, uuid: &str) -> PathBuf {
        self.incoming_dir().join(uuid)
    }

    /// Where the file of `uuid` is now: its place, or `incoming/` while it is being published.
    pub fn locate(&self, uuid: &str) -> PathBuf {
        let placed = self.path_of(uuid);
        if placed.exists() {
            return placed;
        }
        let incoming = self.incoming_path_of(uuid);
        if incoming.exists() { incoming } else { placed }
    }

    /// Moves a file the index has committed from `incoming/` to its place. Not synced: if the
    /// rename is lost in a crash, the next open publishes it again.
    pub fn publish(&self, uuid: &str) -> io::Result<()> {
        self.pool.forget(&[uuid]);
        let dest = self.path_of(uuid);
        // The directory exists but for the first file of a run (64 share it): the rename
        // first, then the directory if it was missing (`create_dir_all` is a mkdir and a stat
        // even when the directory exists).
        match fs::rename(self.incoming_path_of(uuid), &dest) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if let Some(dir) = dest.parent() {
                    fs::create_dir_all(dir)?;
                }
                fs::rename(self.incoming_path_of(uuid), dest)
            }
            renamed => renamed,
        }
    }

    /// Whether the file of `uuid` in `incoming/` was written less than `age` ago (or cannot be
    /// told: then it is kept too).
    pub fn staged_within(&self, uuid: &str, age: std::time::Duration) -> bool {
        let modified = fs::metadata(self.incoming_path_of(uuid)).and_then(|m| m.modified());
        match modified {
            Ok(at) => at.elapsed().map_or(true, |elapsed| elapsed < age),
            Err(_) => true,
        }
    }

    /// Whether `path` is a file the pool created ahead and no import wrote (empty, owned by no
    /// row; `dicomq check` passes over it).
    pub fn is_spare(&self, path: &Path) -> bool {
        path.parent() == Some(self.incoming_dir().as_path())
            && path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| self.pool.is_unwritten(n))
    }

    /// The files waiting in `incoming/` (for the recovery at open), files of the pool included.
    pub fn incoming(&self) -> io::Result<Vec<String>> {
        match fs::read_dir(self.incoming_dir()) {
            Ok(rd) => Ok(rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// Writes `bytes` as the new file of `uuid`, in `incoming/`. Not synced: the caller makes
    /// its whole batch durable with `sync_filesystem` before it indexes the batch.
    pub fn write_batched(&self, uuid: &str, bytes: &[u8]) -> io::Result<()> {
        self.write_with(uuid, |f| {
            f.write_all(bytes)?;
            Ok(bytes.len() as u64)
        })
        .map(|_| ())
    }

    /// Makes every write and rename under the storage durable with one `syncfs(2)`: one
    /// journal commit per batch instead of an fsync per file and per directory.
    pub fn sync_filesystem(&self) -> io::Result<()> {
        use std::os::fd::AsRawFd;
        let root = File::open(&self.root)?;
        // SAFETY: syncfs only reads the descriptor, which `root` keeps open during the call.
        let rc = unsafe { libc::syncfs(root.as_raw_fd()) };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    /// Makes the files `uuids` staged in `incoming/` durable: a few (a C-STORE at a time, one
    /// upload) by an `fdatasync` each (their data and length), many by one `syncfs`. On a file
    /// system shared with other writers a `syncfs` also flushes their data (tens to hundreds of
    /// ms under load), while an fdatasync of one small file is one device flush. Their entries
    /// in `incoming/` are durable too: made so by the pool when it created the files, else by
    /// an fsync of `incoming/` here (`incoming/` itself was made durable in the root when it
    /// was created, by `ensure_incoming`).
    pub fn sync_incoming(&self, uuids: &[&str]) -> io::Result<()> {
        if uuids.len() > FSYNC_EACH_UP_TO {
            self.sync_filesystem()?;
        } else {
            for uuid in uuids {
                File::open(self.incoming_path_of(uuid))?.sync_data()?;
            }
            if !self.pool.entries_durable(uuids) {
                File::open(self.incoming_dir())?.sync_all()?;
            }
        }
        self.pool.forget(uuids);
        Ok(())
    }

    /// `n` names for new files: for a few, files of the pool (durable entries in `incoming/`);
    /// for more (synced by one `syncfs` anyway), names sharing a directory per run.
    fn new_names(&self, n: usize) -> Vec<String> {
        if n == 0 || n > FSYNC_EACH_UP_TO {
            return Self::new_uuids(n);
        }
        use std::sync::atomic::Ordering;
        let ready = || {
            if !self.incoming_ready.load(Ordering::Acquire) {
                self.ensure_incoming()?;
                self.incoming_ready.store(true, Ordering::Release);
            }
            Ok(())
        };
        match ready().and_then(|()| self.pool.take(n)) {
            Ok(names) => names,
            Err(e) => {
                self.incoming_ready.store(false, Ordering::Release);
                // Not fatal: the names are then new entries, synced with their directory.
                tracing::debug!("cannot create files ahead in incoming/: {e}");
                Self::new_uuids(n)
            }
        }
    }

    /// Creates `incoming/` if needed; when created now (once per home, or again if someone
    /// removed it), its entry in the root is flushed, so that a sync of staged files needs
    /// only `incoming/`.
    fn ensure_incoming(&self) -> io::Result<()> {
        match fs::create_dir(self.incoming_dir()) {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
            created => {
                if created.is_err() {
                    fs::create_dir_all(self.incoming_dir())?;
                }
                File::open(&self.root)?.sync_all()
            }
        }
    }

    /// Copies the file at `source` (streamed, never held whole) as the file of `uuid`; not
    /// synced, like `write_batched`.
    pub fn copy_batched(&self, uuid: &str, source: &Path) -> io::Result<u64> {
        self.write_with(uuid, |out| {
            // A regular file, read no further than its size at open (src/input_file.rs).
            let mut input = crate::input_file::InputFile::open(source)?.reader();
            io::copy(&mut input, out)
        })
    }

    /// Writes the file of `uuid` with what `fill` writes (returning how many bytes), timed and
    /// counted when it succeeds.
    fn write_with(
        &self,
        uuid: &str,
        fill: impl FnOnce(&mut File) -> io::Result<u64>,
    ) -> io::Result<u64> {
        let timer = self.metrics.timer(Timed::StorageCreate);
        let temp = self.incoming_path_of(uuid);
        // A file of the pool exists already (with `incoming/`); it is truncated and written.
        if !self.pool.is_unwritten(uuid) {
            self.ensure_incoming()?;
        }
        let result = (|| {
            let mut file = if self.pool.is_unwritten(uuid) {
                self.open_pooled(uuid, &temp)?
            } else {
                File::create(&temp)?
            };
            fill(&mut file)
        })();
        match &result {
            Ok(written) => {
                self.pool.written(uuid);
                timer.finish();
                self.metrics.add_written_bytes(*written);
            }
            Err(_) => {
                timer.cancel();
                let _ = fs::remove_file(&temp);
            }
        }
        result
    }

    /// Opens a file the pool created ahead, without creating it: on a storage directory shared
    /// with other daemons (PostgreSQL), another daemon's recovery may have deleted it as an old
    /// unindexed file. It is then created again, and the pool forgets it, so that its sync
    /// makes the new entry durable with `incoming/` instead of trusting the old one.
    fn open_pooled(&self, uuid: &str, path: &Path) -> io::Result<File> {
        // Not truncated: the pool created it empty. ext4 starts the writeback of a file
        // truncated to zero when it is closed (`auto_da_alloc`), on the instance's path before
        // its commit; untruncated, the sync does it, beside the commit.
        match fs::OpenOptions::new().write(true).open(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.pool.forget(&[uuid]);
                self.ensure_incoming()?;
                File::create(path)
            }
            opened => opened,
        }
    }

    /// Opens the file of `uuid` for reading; the time spent in its reads and the bytes read
    /// count as one storage read when the reader is dropped.
    pub fn open(&self, uuid: &str) -> io::Result<StorageReader> {
        self.open_located(uuid).map(|(reader, _)| reader)
    }

    /// `open`, and the path it opened (no second look at the disk to name it).
    fn open_located(&self, uuid: &str) -> io::Result<(StorageReader, PathBuf)> {
        if self.pool.is_unwritten(uuid) {
            // A name taken, its file created ahead: nothing is stored under it yet.
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("nothing stored as {uuid} yet"),
            ));
        }
        let start = Instant::now();
        let placed = self.path_of(uuid);
        let (file, path) = match File::open(&placed) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let incoming = self.incoming_path_of(uuid);
                (File::open(&incoming)?, incoming)
            }
            other => (other?, placed),
        };
        let reader = StorageReader {
            file,
            metrics: self.metrics.clone(),
            busy: start.elapsed(),
            bytes: 0,
        };
        Ok((reader, path))
    }

    pub fn read(&self, uuid: &str) -> io::Result<Vec<u8>> {
        let mut buf = Vec::new();
        self.open(uuid)?.read_to_end(&mut buf)?;
        Ok(buf)
    }

    /// Removes the file of `uuid` and any temporary left by a crash; a missing file is fine.
    pub fn remove(&self, uuid: &str) -> io::Result<()> {
        let _timer = self.metrics.timer(Timed::StorageRemove);
        self.pool.forget(&[uuid]);
        // `incoming/` first: a publish racing this removal then either finds nothing to move,
        // or has already moved the file to its place, which is removed next.
        for p in [
            self.incoming_path_of(uuid),
            self.path_of(uuid),
            self.temp_path_of(uuid),
        ] {
            match fs::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

impl BlobStore for FileStorage {
    fn new_keys(&self, n: usize) -> Vec<String> {
        self.new_names(n)
    }

    fn stage(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        self.write_batched(key, bytes)
    }

    fn stage_from(&self, key: &str, source: &mut dyn Read) -> io::Result<u64> {
        self.write_with(key, |out| io::copy(source, out))
    }

    fn sync_staged(&self, keys: &[&str]) -> io::Result<()> {
        self.sync_incoming(keys)
    }

    /// Files of the pool, whose entries in `incoming/` the pool made durable when it created
    /// them, and which `sync_incoming` syncs one by one (never by a `syncfs`).
    fn entries_durable(&self, keys: &[&str]) -> bool {
        !keys.is_empty() && keys.len() <= FSYNC_EACH_UP_TO && self.pool.entries_durable(keys)
    }

    fn publish(&self, key: &str) -> io::Result<()> {
        FileStorage::publish(self, key)
    }

    fn staged(&self) -> io::Result<Vec<String>> {
        let mut staged = self.incoming()?;
        staged.retain(|k| !self.pool.is_unwritten(k));
        Ok(staged)
    }

    fn open(&self, key: &str) -> io::Result<BlobReader> {
        let (reader, path) = self.open_located(key)?;
        let len = reader.file.metadata()?.len();
        let label = BlobLabel(path.display().to_string());
        Ok(BlobReader::new(Box::new(reader), len, label))
    }

    fn delete(&self, key: &str) -> io::Result<()> {
        self.remove(key)
    }

    fn label(&self, key: &str) -> BlobLabel {
        BlobLabel(self.locate(key).display().to_string())
    }
}

/// A stored file being read. Only the time spent inside `read` is measured, not what the
/// caller does between reads (parsing), so the figure is the storage's.
pub struct StorageReader {
    file: File,
    metrics: Arc<Metrics>,
    busy: Duration,
    bytes: u64,
}

impl Read for StorageReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let start = Instant::now();
        let n = self.file.read(buf)?;
        self.busy += start.elapsed();
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Readers of DICOM files skip over values instead of reading them (`crate::dicom::scan`).
impl io::Seek for StorageReader {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        io::Seek::seek(&mut self.file, pos)
    }
}

impl Drop for StorageReader {
    fn drop(&mut self) {
        self.metrics.observe(Timed::StorageRead, self.busy);
        self.metrics.add_read_bytes(self.bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conformance() {
        crate::persist::conformance::blob_store::run(&|dir| Arc::new(FileStorage::new(dir)));
    }

    #[test]
    fn new_uuids_share_a_directory_per_run() {
        let uuids = FileStorage::new_uuids(2 * FILES_PER_DIR + 3);
        let unique: std::collections::HashSet<_> = uuids.iter().collect();
        assert_eq!(unique.len(), uuids.len());
        for u in &uuids {
            let parsed = uuid::Uuid::parse_str(u).expect("a UUID");
            assert_eq!(parsed.get_version_num(), 4, "{u}");
        }
        let dirs: std::collections::HashSet<_> = uuids.iter().map(|u| &u[0..4]).collect();
        assert!(dirs.len() <= 3, "{dirs:?}");
        assert!(
            uuids[..FILES_PER_DIR]
                .iter()
                .all(|u| u[0..4] == uuids[0][0..4])
        );
        assert!(FileStorage::new_uuids(0).is_empty());
    }

    #[test]
    fn a_pool_file_deleted_by_another_daemon_is_created_again_and_its_entry_synced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fs = FileStorage::new(dir.path());
        let key = fs.new_keys(1).remove(0);
        assert!(fs.pool.entries_durable(&[&key]), "a file of the pool");
        // Another daemon's recovery on a shared storage directory deletes it as unindexed.
        fs::remove_file(fs.incoming_path_of(&key)).expect("deleted under us");
        fs.stage(&key, b"data").expect("written all the same");
        assert!(
            !fs.pool.entries_durable(&[&key]),
            "its new entry is not trusted as durable"
        );
        fs.sync_staged(&[&key]).expect("sync");
        fs.publish(&key).expect("publish");
        assert_eq!(fs.read(&key).expect("read"), b"data");
    }

    #[test]
    fn write_read_remove() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fs = FileStorage::new(dir.path());
        let uuid = FileStorage::new_uuid();
        fs.write_batched(&uuid, b"hello").expect("write");
        fs.sync_filesystem().expect("sync");
        assert_eq!(fs.incoming().expect("incoming"), vec![uuid.clone()]);
        assert_eq!(
            fs.read(&uuid).expect("readable before it is published"),
            b"hello"
        );
        fs.publish(&uuid).expect("publish");
        assert!(fs.incoming().expect("incoming").is_empty());
        assert_eq!(fs.locate(&uuid), fs.path_of(&uuid));
        assert_eq!(fs.read(&uuid).expect("read"), b"hello");
        assert!(
            fs.path_of(&uuid)
                .starts_with(dir.path().join(&uuid[0..2]).join(&uuid[2..4]))
        );
        assert!(!fs.temp_path_of(&uuid).exists());
        fs.remove(&uuid).expect("remove");
        assert!(!fs.path_of(&uuid).exists());
        fs.remove(&uuid).expect("removing twice is fine");
    }

    #[test]
    fn operations_feed_the_metrics() {
        let dir = tempfile::tempdir().expect("tempdir");
        let clock = crate::metrics::ManualClock::new();
        let metrics = Arc::new(Metrics::new(true, Arc::new(clock.clone())));
        let fs = FileStorage::with_metrics(dir.path(), metrics.clone());
        let uuid = FileStorage::new_uuid();
        fs.write_batched(&uuid, b"hello").expect("write");
        let copied = FileStorage::new_uuid();
        fs.copy_batched(&copied, &fs.locate(&uuid)).expect("copy");
        assert_eq!(fs.read(&uuid).expect("read"), b"hello");
        fs.remove(&uuid).expect("remove");
        let (stats, jobs) = (Default::default(), Default::default());
        let text = metrics.render(&crate::metrics::ScrapeInputs {
            statistics: &stats,
            jobs: &jobs,
            job_types: &[],
        });
        assert!(
            text.contains("\northanc_storage_written_bytes 10\n"),
            "{text}"
        );
        assert!(text.contains("\northanc_storage_read_bytes 5\n"), "{text}");
        for op in ["create", "read", "remove"] {
            assert!(
                text.contains(&format!("\northanc_storage_{op}_duration_ms ")),
                "{op}: {text}"
            );
        }
        // A failed write counts nothing.
        let missing = dir.path().join("nope");
        assert!(fs.copy_batched(&FileStorage::new_uuid(), &missing).is_err());
        let text = metrics.render(&crate::metrics::ScrapeInputs {
            statistics: &stats,
            jobs: &jobs,
            job_types: &[],
        });
        assert!(
            text.contains("\northanc_storage_written_bytes 10\n"),
            "{text}"
        );
    }
}
