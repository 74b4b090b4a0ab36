//! Job outputs in `HOME/outputs/`: `<job>.zip.partial` while a job writes, `<job>.zip` once it
//! succeeded, and a large job's plan `<job>.plan.json` next to them. Only the newest
//! `MediaArchiveSize` outputs are kept (Orthanc keeps the most recently *used*; dicomq the most
//! recently *finished*), and an output is deleted with its job.

use std::collections::VecDeque;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::SystemTime;

/// The name ending of a synchronous job's output (`<job>.sync.zip`).
const SYNC_SUFFIX: &str = "sync.zip";

pub struct JobOutputs {
    dir: PathBuf,
    keep: usize,
    /// The kept `<job>.zip` outputs, oldest first: read from the directory once, at the first
    /// publish or discard, then kept up to date here (this process is the home's only writer:
    /// it holds the database), so a publish reads no directory.
    kept: Mutex<Option<VecDeque<String>>>,
    sync: SyncGroup,
}

/// Publishes share `syncfs(2)` calls: one makes every output written and renamed before it
/// durable (its data, its inode, the directory entry), so outputs finished together cost one
/// flush instead of two fsyncs each.
#[derive(Default)]
struct SyncGroup {
    state: Mutex<SyncState>,
    done: Condvar,
}

#[derive(Default)]
struct SyncState {
    /// Syncs started and finished, numbered from 1.
    started: u64,
    finished: u64,
    running: bool,
    /// The number and error of the last sync that failed.
    failed: Option<(u64, String)>,
    /// Tests: whether each sync found the output being published already renamed.
    #[cfg(test)]
    saw_renamed: Vec<bool>,
}

impl SyncGroup {
    fn lock(&self) -> MutexGuard<'_, SyncState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Returns once a `syncfs` that started after this call has finished: everything written
    /// before the call is then durable.
    fn sync(&self, dir: &Path, #[cfg(test)] renamed: &Path) -> io::Result<()> {
        let mut s = self.lock();
        // A sync already running may have started before our writes: the next one covers them.
        let needed = s.started + 1;
        loop {
            if s.finished >= needed {
                return match &s.failed {
                    Some((n, e)) if *n >= needed => Err(io::Error::other(e.clone())),
                    _ => Ok(()),
                };
            }
            if s.running {
                s = self.done.wait(s).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            s.running = true;
            s.started += 1;
            let n = s.started;
            #[cfg(test)]
            s.saw_renamed.push(renamed.exists());
            drop(s);
            let result = syncfs(dir);
            s = self.lock();
            s.running = false;
            s.finished = n;
            if let Err(e) = &result {
                s.failed = Some((n, e.to_string()));
            }
            self.done.notify_all();
        }
    }
}

fn syncfs(dir: &Path) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let d = fs::File::open(dir)?;
    // SAFETY: syncfs only reads the descriptor, which `d` keeps open during the call.
    if unsafe { libc::syncfs(d.as_raw_fd()) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

impl JobOutputs {
    /// `keep` is `MediaArchiveSize` (at least one output is always kept).
    pub fn new(dir: impl Into<PathBuf>, keep: usize) -> Self {
        JobOutputs {
            dir: dir.into(),
            keep: keep.max(1),
            kept: Mutex::new(None),
            sync: SyncGroup::default(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `MediaArchiveSize`.
    pub fn keep(&self) -> usize {
        self.keep
    }

    /// Where a running job writes.
    pub fn partial(&self, job: &str) -> PathBuf {
        self.dir.join(format!("{job}.zip.partial"))
    }

    /// A finished job's output. A synchronous job's output waits for its caller under its own
    /// name, outside the `MediaArchiveSize` rotation (the caller takes it at once).
    pub fn output(&self, job: &str, synchronous: bool) -> PathBuf {
        if synchronous {
            self.dir.join(format!("{job}.{SYNC_SUFFIX}"))
        } else {
            self.dir.join(format!("{job}.zip"))
        }
    }

    /// The job's plan (kept while its output lives).
    pub fn plan(&self, job: &str) -> PathBuf {
        self.dir.join(format!("{job}.plan.json"))
    }

    /// Renames the partial output (written, not synced) to the final one and makes both its
    /// content and its name durable before returning (so a job's Success, committed after its
    /// last step, never names an output a crash could lose), then evicts the oldest kept
    /// outputs beyond `MediaArchiveSize` (never one a synchronous caller has yet to take).
    pub fn publish(&self, job: &str, synchronous: bool) -> io::Result<()> {
        let output = self.output(job, synchronous);
        fs::rename(self.partial(job), &output)?;
        self.sync.sync(
            &self.dir,
            #[cfg(test)]
            &output,
        )?;
        if !synchronous {
            let evicted: Vec<String> = self.with_kept(|kept| {
                kept.retain(|j| j != job);
                kept.push_back(job.to_string());
                let excess = kept.len().saturating_sub(self.keep);
                kept.drain(..excess).collect()
            });
            for old in evicted {
                tracing::info!(
                    "output of job {old} evicted (MediaArchiveSize {})",
                    self.keep
                );
                // A published job has no partial output nor a synchronous one.
                self.remove_all([self.output(&old, false), self.plan(&old)]);
            }
        }
        Ok(())
    }

    /// Runs `f` on the kept outputs, read from the directory the first time.
    fn with_kept<R>(&self, f: impl FnOnce(&mut VecDeque<String>) -> R) -> R {
        let mut g = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        f(g.get_or_insert_with(|| self.scan_kept()))
    }

    /// Deletes everything a job left (partial or final output, plan). Idempotent.
    pub fn discard(&self, job: &str) {
        let was_kept = self.with_kept(|kept| {
            let before = kept.len();
            kept.retain(|j| j != job);
            kept.len() != before
        });
        let mut paths = vec![self.partial(job), self.output(job, true), self.plan(job)];
        if was_kept {
            paths.push(self.output(job, false));
        }
        self.remove_all(paths);
    }

    fn remove_all(&self, paths: impl IntoIterator<Item = PathBuf>) {
        for p in paths {
            if let Err(e) = remove_if_present(&p) {
                tracing::warn!("cannot delete {}: {e}", p.display());
            }
        }
    }

    /// After a synchronous caller took the output: the plan goes too.
    pub fn forget_plan(&self, job: &str) {
        if let Err(e) = remove_if_present(&self.plan(job)) {
            tracing::warn!("cannot delete {}: {e}", self.plan(job).display());
        }
    }

    /// Deletes what jobs that no longer exist left behind: a crash between a job's eviction
    /// from the history (committed) and the deletion of its files, or a synchronous output whose
    /// caller died with the daemon. Only names that start with a job ID are considered.
    pub fn sweep(&self, exists: impl Fn(&str) -> bool) {
        for path in self.dead(exists) {
            tracing::info!("removing {}: its job no longer exists", path.display());
            if let Err(err) = remove_if_present(&path) {
                tracing::warn!("cannot delete {}: {err}", path.display());
            }
        }
        // Read the kept outputs again when next needed.
        *self.kept.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The files of jobs that no longer exist (what `sweep` deletes), sorted.
    pub fn dead(&self, exists: impl Fn(&str) -> bool) -> Vec<PathBuf> {
        let Ok(rd) = fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut out: Vec<PathBuf> = rd
            .flatten()
            .filter(|e| {
                let name = e.file_name();
                let job = name.to_str().and_then(|n| n.split('.').next());
                job.is_some_and(|j| uuid::Uuid::parse_str(j).is_ok() && !exists(j))
            })
            .map(|e| e.path())
            .collect();
        out.sort();
        out
    }

    /// The `<job>.zip` files in the directory, oldest first.
    fn scan_kept(&self) -> VecDeque<String> {
        let Ok(rd) = fs::read_dir(&self.dir) else {
            return VecDeque::new();
        };
        let mut outputs: Vec<(SystemTime, String)> = rd
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                if name.ends_with(SYNC_SUFFIX) {
                    return None;
                }
                let job = name.strip_suffix(".zip")?.to_string();
                let modified = e.metadata().ok()?.modified().ok()?;
                Some((modified, job))
            })
            .collect();
        outputs.sort();
        outputs.into_iter().map(|(_, job)| job).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_removes_only_what_unknown_jobs_left() {
        let dir = tempfile::tempdir().expect("tempdir");
        let o = JobOutputs::new(dir.path(), 2);
        let (known, gone) = (
            "0b8e6c9a-3f0d-4a57-9a55-0a1c3cfa2e01",
            "7d1f0a2b-9c3e-4b6a-8e5f-1a2b3c4d5e6f",
        );
        for job in [known, gone] {
            fs::write(o.output(job, false), job).expect("write");
            fs::write(o.output(job, true), job).expect("write");
            fs::write(o.plan(job), "{}").expect("write");
            fs::write(o.partial(job), job).expect("write");
        }
        fs::write(dir.path().join("notes.txt"), "mine").expect("write");
        o.sweep(|job| job == known);
        assert!(o.output(known, false).exists() && o.output(known, true).exists());
        assert!(o.plan(known).exists() && o.partial(known).exists());
        assert!(!o.output(gone, false).exists() && !o.output(gone, true).exists());
        assert!(!o.plan(gone).exists() && !o.partial(gone).exists());
        assert!(dir.path().join("notes.txt").exists(), "not a job's file");
    }

    #[test]
    fn newest_outputs_are_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let o = JobOutputs::new(dir.path(), 2);
        for job in ["a", "b", "c"] {
            fs::write(o.partial(job), job).expect("write");
            fs::write(o.plan(job), "{}").expect("write");
            o.publish(job, false).expect("publish");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(!o.output("a", false).exists() && !o.plan("a").exists());
        assert!(o.output("b", false).exists() && o.output("c", false).exists());
        o.discard("b");
        o.discard("b");
        assert!(!o.output("b", false).exists());
    }

    #[test]
    fn outputs_found_at_the_first_publish_are_evicted_oldest_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let o = JobOutputs::new(dir.path(), 2);
        let now = SystemTime::now();
        // Left by a previous process: "new" is the newest, whatever the names' order.
        for (job, age) in [("old", 60), ("new", 10)] {
            let f = fs::File::create(o.output(job, false)).expect("create");
            f.set_modified(now - std::time::Duration::from_secs(age))
                .expect("mtime");
        }
        fs::write(o.partial("c"), "c").expect("write");
        o.publish("c", false).expect("publish");
        assert!(!o.output("old", false).exists(), "the oldest goes");
        assert!(o.output("new", false).exists() && o.output("c", false).exists());
        // From then on, publish order alone decides (no directory read).
        fs::write(o.partial("d"), "d").expect("write");
        o.publish("d", false).expect("publish");
        assert!(!o.output("new", false).exists());
        assert!(o.output("c", false).exists() && o.output("d", false).exists());
    }

    #[test]
    fn publish_returns_after_a_sync_that_started_once_the_output_was_renamed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let o = std::sync::Arc::new(JobOutputs::new(dir.path(), 100));
        let threads: Vec<_> = (0..8)
            .map(|n| {
                let o = o.clone();
                std::thread::spawn(move || {
                    let job = format!("job{n}");
                    fs::write(o.partial(&job), &job).expect("write");
                    o.publish(&job, n % 2 == 0).expect("publish");
                    assert!(o.sync.lock().finished >= 1);
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread");
        }
        let s = o.sync.lock();
        assert!(s.started >= 1 && s.started <= 8, "{} syncs", s.started);
        assert_eq!(s.finished, s.started);
        // The first sync of each publish call began after its rename (the hook looks at the
        // output of the publish that started it).
        assert!(s.saw_renamed.iter().all(|r| *r), "{:?}", s.saw_renamed);
    }

    #[test]
    fn a_failed_sync_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        // The directory is gone: syncfs cannot even open it.
        let gone = JobOutputs::new(dir.path().join("missing"), 2);
        let err = gone.sync.sync(gone.dir(), &gone.output("x", false));
        assert!(err.is_err());
        assert_eq!(gone.sync.lock().failed.as_ref().map(|f| f.0), Some(1));
    }

    #[test]
    fn synchronous_outputs_are_outside_the_rotation() {
        let dir = tempfile::tempdir().expect("tempdir");
        let o = JobOutputs::new(dir.path(), 1);
        fs::write(o.partial("sync"), "s").expect("write");
        o.publish("sync", true).expect("publish");
        for job in ["a", "b"] {
            fs::write(o.partial(job), job).expect("write");
            o.publish(job, false).expect("publish");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(
            o.output("sync", true).exists(),
            "not yet taken: never evicted"
        );
        assert!(!o.output("a", false).exists() && o.output("b", false).exists());
        o.discard("sync");
        assert!(!o.output("sync", true).exists());
    }
}
