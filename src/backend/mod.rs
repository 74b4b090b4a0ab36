//! The Backend: the one interface the CLI uses. It is either a client of a running daemon
//! (`remote.rs`) or a Node opened in-process (`local.rs`, "inline"); every command is written
//! once against the trait, and every operation lives in the Node.

mod client;
mod local;
mod remote;

use std::time::Duration;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::home::Home;
use crate::jobs::{Action, JobInfo, JobRow};
use crate::node::{
    ChangesPage, CreateAnswer, CreateRequest, JobRequest, MetricsSwitch, NetworkList, Node,
    NodeStatus, retry_while_busy,
};
use crate::protocol::DaemonFacts;
use crate::store::ids::Level;
use crate::store::import::{ImportItem, ImportResult};
use crate::store::views::{RemovedView, ResourceView};
pub use client::Client;

/// Where a job's output goes.
pub enum OutputDest<'a> {
    /// A file, written atomically.
    File(&'a std::path::Path),
    /// A stream (stdout).
    Stream(&'a mut dyn std::io::Write),
}

/// What the CLI knows before it connects.
pub struct ConnectOptions {
    pub home: Home,
    pub config: Config,
    pub lock_timeout: Duration,
    /// Told once when the database is busy and we wait for it.
    pub on_wait: Box<dyn FnMut(&str)>,
}

/// Every operation the CLI asks for, answered inline or by the daemon.
pub trait Backend {
    fn is_remote(&self) -> bool;

    fn store(
        &self,
        items: Vec<ImportItem>,
        each: &mut dyn FnMut(&ImportResult),
    ) -> Result<Vec<ImportResult>>;

    fn list(&self, level: Level, parent: Option<&str>) -> Result<Vec<ResourceView>>;

    fn show(&self, id: &str) -> Result<ResourceView>;

    /// All tags of an instance: Orthanc's JSON and a readable dump.
    fn tags(&self, id: &str) -> Result<(serde_json::Value, String)>;

    fn create_dicom(&self, req: CreateRequest) -> Result<Vec<CreateAnswer>>;

    fn pdf(&self, id: &str) -> Result<Vec<u8>>;

    fn remove(&self, id: &str) -> Result<(String, RemovedView)>;

    /// Submits a job and waits for its end (sync call). Inline, the job runs in this process.
    fn run_job(&self, req: JobRequest) -> Result<JobInfo> {
        self.run_job_watched(req, &mut |_| {})
    }

    /// Submits a job and waits for its end, calling `watch` with the job as it runs (about ten
    /// times a second) and at its end.
    fn run_job_watched(&self, req: JobRequest, watch: &mut dyn FnMut(&JobInfo)) -> Result<JobInfo>;

    /// Submits a job and returns at once: needs a daemon to run it.
    fn submit_job(&self, req: JobRequest) -> Result<String>;

    fn job(&self, id: &str) -> Result<JobInfo>;

    /// The resources matching a query (Orthanc's `/tools/find`).
    fn find(&self, q: crate::store::find::FindQuery) -> Result<Vec<ResourceView>>;

    /// A page of the changes log after `since`.
    fn changes(&self, since: u64, limit: usize) -> Result<ChangesPage>;

    /// `DicomModalities` or `OrthancPeers` of the Node's config: `{name: Orthanc's long form}`
    /// (never a password).
    fn network_list(&self, which: NetworkList) -> Result<serde_json::Value>;

    /// C-ECHO to a modality of the Node's config; the error says why it failed.
    fn echo(&self, modality: &str, timeout_s: Option<u64>) -> Result<()>;

    /// The `jobs ls` table rows: what a table shows, without every job's Content.
    fn job_rows(&self) -> Result<Vec<JobRow>>;

    fn jobs(&self) -> Result<Vec<JobInfo>>;

    fn control_job(&self, id: &str, action: Action) -> Result<JobInfo>;

    /// Waits for a job to end (or the timeout). Inline, the job runs for the wait.
    fn wait_job(&self, id: &str, timeout: Option<Duration>) -> Result<JobInfo>;

    /// [`Backend::wait_job`], calling `watch` with the job as it runs (a few times a second)
    /// and at its end; `watch` answering false stops the wait early (Ctrl-C), with the job as
    /// last seen. Inline, the job runs for the wait and cannot be left.
    fn wait_job_watched(
        &self,
        id: &str,
        timeout: Option<Duration>,
        watch: &mut dyn FnMut(&JobInfo) -> bool,
    ) -> Result<JobInfo>;

    /// Copies a finished job's output to `dest`; returns its size. A job without an output
    /// (failed, not finished, evicted, or of a type that has none) is an error saying which.
    fn job_output(&self, id: &str, dest: OutputDest<'_>) -> Result<u64>;

    /// Moves a synchronous job's output to `dest` (a rename when possible): the caller of a
    /// sync archive takes the output, which does not stay among the kept outputs.
    fn take_job_output(&self, id: &str, dest: OutputDest<'_>) -> Result<u64>;

    /// The Prometheus exposition; empty while metrics are disabled. Inline it holds the counts
    /// and sizes of the home (no durations: nothing was timed in this process).
    fn metrics_text(&self) -> Result<String>;

    fn metrics_switch(&self) -> Result<MetricsSwitch>;

    /// Switches metrics collection, persistently.
    fn set_metrics_enabled(&self, enabled: bool) -> Result<()>;

    /// The Node's counters (`dicomq status`), and the daemon's facts when one answers.
    fn status(&self) -> Result<(NodeStatus, Option<DaemonFacts>)>;
}

/// The daemon when its socket answers; otherwise the home inline, waiting up to the lock
/// timeout while another process holds the database (switching to the socket as soon as a
/// starting daemon answers).
pub fn connect(mut opts: ConnectOptions) -> Result<Box<dyn Backend>> {
    let socket = opts.home.socket();
    let db = opts.home.database();
    let (home, config) = (&opts.home, &opts.config);
    let backend = retry_while_busy(&db, opts.lock_timeout, &mut opts.on_wait, || {
        // A daemon that starts meanwhile is used as soon as it answers.
        if let Some(client) = Client::connect(&socket)? {
            return Ok(Box::new(client) as Box<dyn Backend>);
        }
        Ok(Box::new(Node::open(home.clone(), config.clone())?) as Box<dyn Backend>)
    });
    match backend {
        Err(Error::Busy(_)) => Err(Error::Busy(format!(
            "no daemon answers on {} and {} is held by another process",
            socket.display(),
            db.display()
        ))),
        other => other,
    }
}
