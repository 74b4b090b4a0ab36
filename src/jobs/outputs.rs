//! Job outputs in `HOME/outputs/`: `<job>.zip.partial` while a job writes, `<job>.zip` once it
//! succeeded, and a large job's plan `<job>.plan.json` next to them. Only the newest
//! `MediaArchiveSize` outputs are kept (Orthanc keeps the most recently *used*; dicomq the most
//! recently *finished*), and an output is deleted with its job.

use std::collections::VecDeque;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
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

    /// The instances a bulk modification created so far (`kinds/created_list.rs`).
    pub fn created(&self, job: &str) -> PathBuf {
        self.dir.join(format!("{job}.created"))
    }

    /// Renames the partial output to the final one, durably, then evicts the oldest kept
    /// outputs beyond `MediaArchiveSize` (never one a synchronous caller has yet to take).
    pub fn publish(&self, job: &str, synchronous: bool) -> io::Result<()> {
        fs::rename(self.partial(job), self.output(job, synchronous))?;
        fs::File::open(&self.dir)?.sync_all()?;
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
        let mut paths = vec![
            self.partial(job),
            self.output(job, true),
            self.plan(job),
            self.created(job),
        ];
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
