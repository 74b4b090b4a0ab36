//! Empty files created ahead in `storage/incoming/` for imports of a few files (a C-STORE, one
//! upload), their directory entries made durable by one fsync of `incoming/` per refill. An
//! import that writes into one of them makes it durable with one `fdatasync` of the file: the
//! fsync of `incoming/` it would otherwise need (one device flush per instance, a third of a
//! received instance's time) is shared by the whole refill.
//!
//! The names of one refill share their `ab/cd` directory prefix, and the prefix is kept across
//! refills for `FILES_PER_DIR` names: imports of one file at a time then create one directory
//! per 64 files when they are published, not one per file.
//!
//! Once in steady use (a daemon receiving), the pool refills on its own thread before it runs
//! dry: creating the files is then off the path of the instance being stored.
//!
//! A file of the pool that no import wrote is empty and owned by no index row: the recovery at
//! open deletes it like any unindexed file of `incoming/`, and dropping the pool deletes them.

use std::collections::{HashSet, VecDeque};
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// How many names share an `ab/cd` directory (see `FileStorage::new_uuids`).
pub const FILES_PER_DIR: usize = 64;
/// The first refill is small (an inline `store` of one file creates a few, not 64); each one
/// doubles up to this.
const FIRST_REFILL: usize = 4;
const MAX_REFILL: usize = 64;
/// After this many refills the pool is in steady use (a daemon receiving): the next refills
/// run on the pool's own thread before it runs dry, off the path of the instance being
/// stored (creating a file is most of an instance's CPU time on a busy ext4 without a
/// journal, which skips recently freed inodes one by one).
const REFILLS_BEFORE_AHEAD: usize = 2;

pub struct StagingPool {
    shared: Arc<Shared>,
    /// The thread that refills ahead, started on the pool's first refill ahead.
    refiller: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for StagingPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StagingPool")
            .field("dir", &self.shared.dir)
            .finish_non_exhaustive()
    }
}

struct Shared {
    /// `storage/incoming/`.
    dir: PathBuf,
    state: Mutex<PoolState>,
    /// Wakes the refiller (a refill asked for, or the pool closed).
    wake: Condvar,
}

#[derive(Default)]
struct PoolState {
    /// Created, durable, not handed out; in creation order (their directory runs).
    ready: VecDeque<String>,
    /// Being created by a refill: not staged (`BlobStore::staged` does not list them).
    creating: HashSet<String>,
    /// Handed out, not yet written: not staged yet either.
    unwritten: HashSet<String>,
    /// Handed out with a durable directory entry, not yet synced.
    entry_durable: HashSet<String>,
    prefix: [u8; 2],
    left_in_dir: usize,
    next_refill: usize,
    refills: usize,
    /// A refill ahead is asked for or running.
    refilling_ahead: bool,
    /// A refill ahead failed: refills happen when needed only, as before the first.
    ahead_failed: bool,
    closed: bool,
}

impl StagingPool {
    pub fn new(incoming: PathBuf) -> StagingPool {
        StagingPool {
            shared: Arc::new(Shared {
                dir: incoming,
                state: Mutex::new(PoolState {
                    next_refill: FIRST_REFILL,
                    ..PoolState::default()
                }),
                wake: Condvar::new(),
            }),
            refiller: Mutex::new(None),
        }
    }

    /// `n` names whose empty files exist in `incoming/` with durable directory entries. The
    /// caller created `incoming/` and made its own entry durable.
    pub fn take(&self, n: usize) -> io::Result<Vec<String>> {
        let mut st = self.shared.lock();
        // A loop: a concurrent take may empty what this refill made.
        while st.ready.len() < n {
            let count = n.max(st.next_refill);
            let keys = st.plan_refill(count);
            drop(st);
            let created = self.shared.create(keys);
            st = self.shared.lock();
            st.settle_refill(created)?;
        }
        let keys: Vec<String> = st.ready.drain(..n).collect();
        for k in &keys {
            st.unwritten.insert(k.clone());
            st.entry_durable.insert(k.clone());
        }
        let ahead = st.refills >= REFILLS_BEFORE_AHEAD
            && st.ready.len() < MAX_REFILL / 2
            && !st.refilling_ahead
            && !st.ahead_failed
            && !st.closed;
        if ahead {
            st.refilling_ahead = true;
            drop(st);
            self.start_refiller();
            self.shared.wake.notify_all();
        }
        Ok(keys)
    }

    fn start_refiller(&self) {
        let mut refiller = self.refiller.lock().unwrap_or_else(|e| e.into_inner());
        if refiller.is_some() {
            return;
        }
        let shared = Arc::clone(&self.shared);
        match std::thread::Builder::new()
            .name("dicomq-staging".into())
            .spawn(move || shared.refill_ahead())
        {
            Ok(handle) => *refiller = Some(handle),
            Err(e) => {
                tracing::debug!("cannot start the staging pool's thread: {e}");
                let mut st = self.shared.lock();
                st.refilling_ahead = false;
                st.ahead_failed = true;
            }
        }
    }

    /// The blob `key` was written: it is staged now.
    pub fn written(&self, key: &str) {
        self.shared.lock().unwritten.remove(key);
    }

    /// Whether `key` names a file of the pool that no import wrote yet.
    pub fn is_unwritten(&self, key: &str) -> bool {
        let st = self.shared.lock();
        st.unwritten.contains(key) || st.creating.contains(key) || st.ready.iter().any(|k| k == key)
    }

    /// Whether the directory entries of all `keys` are durable already (all from the pool).
    pub fn entries_durable(&self, keys: &[&str]) -> bool {
        let st = self.shared.lock();
        keys.iter().all(|k| st.entry_durable.contains(*k))
    }

    /// `keys` were made durable, published or deleted: the pool no longer follows them.
    pub fn forget(&self, keys: &[&str]) {
        let mut st = self.shared.lock();
        for k in keys {
            st.unwritten.remove(*k);
            st.entry_durable.remove(*k);
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The refiller's loop: one refill each time one is asked for, until the pool closes.
    fn refill_ahead(&self) {
        let mut st = self.lock();
        loop {
            if st.closed {
                return;
            }
            if !st.refilling_ahead {
                st = self.wake.wait(st).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            let count = st.next_refill;
            let keys = st.plan_refill(count);
            drop(st);
            let created = self.create(keys);
            st = self.lock();
            if let Err(e) = st.settle_refill(created) {
                tracing::debug!("cannot create files ahead in {}: {e}", self.dir.display());
                st.ahead_failed = true;
            }
            st.refilling_ahead = false;
        }
    }

    /// Creates the empty files of `keys` and makes their entries durable (one fsync of the
    /// directory); on failure, removes what it created.
    fn create(&self, keys: Vec<String>) -> (Vec<String>, io::Result<()>) {
        let mut created = 0;
        let result = (|| {
            for key in &keys {
                File::create_new(self.dir.join(key))?;
                created += 1;
            }
            File::open(&self.dir)?.sync_all()
        })();
        if result.is_err() {
            remove_all(&self.dir, &keys[..created]);
        }
        (keys, result)
    }
}

impl PoolState {
    /// The names of the next refill of `count` files, marked as being created.
    fn plan_refill(&mut self, count: usize) -> Vec<String> {
        self.next_refill = (self.next_refill * 2).min(MAX_REFILL);
        self.refills += 1;
        let keys: Vec<String> = (0..count).map(|_| self.next_key()).collect();
        self.creating.extend(keys.iter().cloned());
        keys
    }

    fn settle_refill(&mut self, (keys, result): (Vec<String>, io::Result<()>)) -> io::Result<()> {
        for k in &keys {
            self.creating.remove(k);
        }
        result?;
        self.ready.extend(keys);
        Ok(())
    }

    /// A random v4 UUID whose first two bytes are those of the current directory run.
    fn next_key(&mut self) -> String {
        let mut bytes = *uuid::Uuid::new_v4().as_bytes();
        if self.left_in_dir == 0 {
            self.prefix = [bytes[0], bytes[1]];
            self.left_in_dir = FILES_PER_DIR;
        }
        self.left_in_dir -= 1;
        bytes[0] = self.prefix[0];
        bytes[1] = self.prefix[1];
        uuid::Uuid::from_bytes(bytes).to_string()
    }
}

fn remove_all(dir: &Path, keys: &[String]) {
    for key in keys {
        let _ = fs::remove_file(dir.join(key));
    }
}

/// The refiller stops, and the files nobody wrote are removed; a crash leaves them to the
/// recovery at open.
impl Drop for StagingPool {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.wake.notify_all();
        let refiller = self.refiller.get_mut().unwrap_or_else(|e| e.into_inner());
        if let Some(handle) = refiller.take() {
            let _ = handle.join();
        }
        let st = self.shared.lock();
        let unused: Vec<String> = st.ready.iter().chain(&st.unwritten).cloned().collect();
        remove_all(&self.shared.dir, &unused);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> (tempfile::TempDir, StagingPool) {
        let dir = tempfile::tempdir().expect("tempdir");
        let pool = StagingPool::new(dir.path().to_path_buf());
        (dir, pool)
    }

    fn files(dir: &std::path::Path) -> usize {
        fs::read_dir(dir).expect("dir").count()
    }

    #[test]
    fn names_come_with_empty_files_and_durable_entries() {
        let (dir, pool) = pool();
        let keys = pool.take(1).expect("take");
        assert_eq!(files(dir.path()), FIRST_REFILL, "one small refill");
        assert_eq!(
            fs::metadata(dir.path().join(&keys[0])).expect("file").len(),
            0
        );
        assert!(pool.is_unwritten(&keys[0]));
        assert!(pool.entries_durable(&[&keys[0]]));
        assert!(!pool.entries_durable(&[&keys[0], "elsewhere"]));
        pool.written(&keys[0]);
        assert!(!pool.is_unwritten(&keys[0]));
        pool.forget(&[&keys[0]]);
        assert!(!pool.entries_durable(&[&keys[0]]));
    }

    #[test]
    fn refills_grow_share_directory_prefixes_and_run_ahead() {
        let (dir, pool) = pool();
        let mut keys = Vec::new();
        for _ in 0..4 * FILES_PER_DIR {
            keys.extend(pool.take(1).expect("take"));
        }
        let unique: HashSet<_> = keys.iter().collect();
        assert_eq!(unique.len(), keys.len());
        for k in &keys {
            let parsed = uuid::Uuid::parse_str(k).expect("a UUID");
            assert_eq!(parsed.get_version_num(), 4, "{k}");
        }
        // Runs of 64 names per directory (a refill ahead may interleave with one made when
        // the pool ran dry, hence the slack).
        let dirs: HashSet<_> = keys.iter().map(|k| &k[0..4]).collect();
        assert!(dirs.len() <= 6, "{} directories for 256 names", dirs.len());
        // In steady use the pool refills ahead: files wait without a take.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while files(dir.path()) <= keys.len() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(files(dir.path()) > keys.len(), "no refill ahead");
        assert!(files(dir.path()) <= keys.len() + 2 * MAX_REFILL);
    }

    #[test]
    fn dropping_the_pool_removes_the_files_nobody_wrote() {
        let (dir, pool) = pool();
        let keys = pool.take(2).expect("take");
        fs::write(dir.path().join(&keys[0]), b"data").expect("write");
        pool.written(&keys[0]);
        drop(pool);
        let left: Vec<_> = fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from(&keys[0])]);
    }

    #[test]
    fn a_failed_refill_leaves_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pool = StagingPool::new(dir.path().join("missing"));
        assert!(pool.take(1).is_err());
        assert!(!dir.path().join("missing").exists());
    }
}
