//! The Node's job operations: submit, run and wait, look, control, and the jobs' outputs. A
//! Node opened by a command runs the jobs it waits for itself ("inline"); a Node served by the
//! daemon has running workers, or refuses jobs (`--no-jobs`). That choice is made here, once.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::Node;
use crate::error::{Error, ErrorKind, Result};
use crate::jobs::{Action, JobInfo, JobRow, JobSpec};

/// A job to submit or run: what to run (typed), its priority, Orthanc's `UserData`. On the
/// wire: `{"type_name", "params", "priority"}` (+ `"user_data"` when given).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct JobRequest {
    #[serde(flatten)]
    pub spec: JobSpec,
    pub priority: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_data: Option<serde_json::Value>,
}

impl JobRequest {
    pub fn new(spec: JobSpec, priority: i32) -> Self {
        JobRequest {
            spec,
            priority,
            user_data: None,
        }
    }
}

/// A finished job's output, open for reading.
pub struct JobOutput {
    pub file: std::fs::File,
    pub len: u64,
    /// The name the job's request asked it to be downloaded under.
    pub name: Option<String>,
}

/// How often a daemon-side wait calls its watcher (which checks that the client is there).
const SERVED_SLICE: Duration = Duration::from_millis(250);

impl Node {
    /// Called by the daemon before it serves: recover the interrupted jobs and start the
    /// workers, or refuse every job (`--no-jobs`).
    pub fn serve(&self, jobs_enabled: bool) -> Result<()> {
        self.metrics.start_serving();
        if jobs_enabled {
            self.recover_jobs()?;
            self.jobs.start_workers();
        }
        let _ = self.served.set(jobs_enabled);
        Ok(())
    }

    /// When the daemon stops: running jobs reach their next step boundary and commit.
    pub fn stop(&self) {
        self.jobs.shutdown();
    }

    /// `--no-jobs`: the one refusal of a job by a daemon that does not run them.
    fn refuse_jobs(&self) -> Result<()> {
        if self.served.get() == Some(&false) {
            return Err(Error::Invalid(
                "the daemon runs with --no-jobs: it does not run jobs".into(),
            ));
        }
        Ok(())
    }

    /// Submits a job and returns its ID at once. Inline there is no one to run it later.
    pub fn submit_job(&self, req: JobRequest) -> Result<String> {
        self.refuse_jobs()?;
        if self.served.get().is_none() {
            return Err(Error::Remote {
                kind: ErrorKind::Unavailable,
                message: format!(
                    "cannot run a {} job asynchronously: no daemon answers on {}",
                    req.spec.type_name(),
                    self.home.socket().display()
                ),
                hint: Some(
                    "start one with `dicomq daemon`, or drop --async to run the job here".into(),
                ),
            });
        }
        self.submit_now(req)
    }

    fn submit_now(&self, req: JobRequest) -> Result<String> {
        let params = req.spec.params()?;
        self.jobs
            .submit_with(req.spec.type_name(), params, req.priority, req.user_data)
    }

    /// Submits a job and waits for its end, calling `watch` with it as it runs; an error from
    /// `watch` stops the wait (the job goes on).
    pub fn run_job(
        &self,
        req: JobRequest,
        watch: &mut dyn FnMut(&JobInfo) -> Result<()>,
    ) -> Result<JobInfo> {
        self.refuse_jobs()?;
        let id = self.submit_now(req)?;
        self.wait_job(&id, None, watch)
    }

    /// Waits for a job to end or the timeout. Inline, the job only moves if this process runs
    /// it, so it runs for the wait.
    pub fn wait_job(
        &self,
        id: &str,
        timeout: Option<Duration>,
        watch: &mut dyn FnMut(&JobInfo) -> Result<()>,
    ) -> Result<JobInfo> {
        let id = self.jobs.info(id)?.id;
        if self.served.get().is_none() {
            return self.run_inline_until(&id, timeout, watch);
        }
        self.wait_in_slices(&id, timeout, SERVED_SLICE, watch)
    }

    /// The one place where a command runs a job in its own process: this job only, in the
    /// calling thread (`JobsEngine::run_only`); other pending jobs stay for the daemon. A
    /// watcher's error is logged: inline, nobody else can take the job over.
    fn run_inline_until(
        &self,
        id: &str,
        timeout: Option<Duration>,
        watch: &mut dyn FnMut(&JobInfo) -> Result<()>,
    ) -> Result<JobInfo> {
        let info = self.jobs.run_only(id, timeout, &mut |info| {
            if let Err(e) = watch(info) {
                tracing::debug!("inline job watcher: {e}");
            }
        });
        // No timer runs inline: the job's events reach the changes log before the process ends.
        self.jobs.flush_events();
        info
    }

    fn wait_in_slices(
        &self,
        id: &str,
        timeout: Option<Duration>,
        slice: Duration,
        watch: &mut dyn FnMut(&JobInfo) -> Result<()>,
    ) -> Result<JobInfo> {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            let wait = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()).min(slice),
                None => slice,
            };
            let info = self.jobs.wait(id, Some(wait))?;
            let over = deadline.is_some_and(|d| Instant::now() >= d);
            if info.state.is_finished() || over {
                // The last report (a progress bar's end); a client that left no longer matters.
                let _ = watch(&info);
                return Ok(info);
            }
            watch(&info)?;
        }
    }

    pub fn job(&self, id: &str) -> Result<JobInfo> {
        self.jobs.info(id)
    }

    /// The job with exactly this ID (REST takes full IDs).
    pub fn job_exact(&self, id: &str) -> Option<JobInfo> {
        self.jobs.info(id).ok().filter(|j| j.id == id)
    }

    /// The `jobs ls` table rows: what a table shows, without every job's Content.
    pub fn job_rows(&self) -> Vec<JobRow> {
        self.jobs.rows()
    }

    pub fn list_jobs(&self) -> Vec<JobInfo> {
        self.jobs.list()
    }

    pub fn control_job(&self, id: &str, action: Action) -> Result<JobInfo> {
        self.jobs.control(id, action)
    }

    /// Whether jobs of this type leave an output (their kind declares it).
    pub fn job_has_output(&self, spec: &JobSpec) -> bool {
        self.kinds_with_output.contains(&spec.type_name())
    }

    /// Where a job's output is, or why there is none: only kinds that declare an output
    /// (`JobKind::has_output`) have one.
    fn output_path(&self, job: &crate::jobs::JobRecord) -> Result<std::path::PathBuf> {
        if !self.kinds_with_output.contains(&job.type_name.as_str()) {
            return Err(Error::Invalid(format!(
                "job {} ({}) has no output",
                job.id, job.type_name
            )));
        }
        crate::jobs::kinds::archive::output_path(&self.outputs, job)
    }

    /// A finished job's output, opened, or why there is none (no output for its type, failed,
    /// not finished, evicted, or taken by a synchronous caller). It stays for later readers.
    pub fn job_output(&self, id: &str) -> Result<JobOutput> {
        let job = self.jobs.record(id)?;
        let path = self.output_path(&job)?;
        let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
        let len = file.metadata().map_err(|e| Error::io(&path, e))?.len();
        Ok(JobOutput {
            file,
            len,
            name: crate::jobs::kinds::archive::output_filename(&job),
        })
    }

    /// A synchronous caller takes the output: open, and gone from the kept outputs.
    pub fn take_job_output(&self, id: &str) -> Result<JobOutput> {
        let job = self.jobs.record(id)?;
        let path = self.output_path(&job)?;
        let output = self.job_output(&job.id)?;
        std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        self.outputs.forget_plan(&job.id);
        Ok(output)
    }

    /// Deletes a finished job and its output (Orthanc's `DELETE /jobs/{id}`).
    pub fn delete_job(&self, id: &str) -> Result<()> {
        self.jobs.delete(id)
    }

    /// Deletes a finished job's output; the job stays (Orthanc's `DELETE /jobs/{id}/archive`).
    pub fn delete_job_output(&self, id: &str) -> Result<()> {
        let job = self.jobs.record(id)?;
        let path = self.output_path(&job)?;
        std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
        self.outputs.forget_plan(&job.id);
        Ok(())
    }

    /// [`Self::take_job_output`] into a file: a rename, written atomically.
    pub fn take_job_output_to(&self, id: &str, to: &Path) -> Result<u64> {
        let job = self.jobs.record(id)?;
        let path = self.output_path(&job)?;
        let size = std::fs::metadata(&path)
            .map(|m| m.len())
            .map_err(|e| Error::io(&path, e))?;
        crate::atomic::move_file(&path, to)?;
        self.outputs.forget_plan(&job.id);
        Ok(size)
    }
}
