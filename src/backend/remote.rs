//! The Backend through a running daemon: each method is one request on the socket and the
//! answer it expects; the work is the daemon's Node's.

use std::time::Duration;

use super::client::unexpected;
use super::{Backend, Client, OutputDest};
use crate::error::Result;
use crate::jobs::{Action, JobInfo, JobRow};
use crate::node::{
    ChangesPage, CreateAnswer, CreateRequest, JobRequest, ListRequest, MetricsSwitch, NetworkList,
    NodeStatus,
};
use crate::protocol::{DaemonFacts, Request, Response, create};
use crate::store::ids::Level;
use crate::store::import::{ImportItem, ImportResult, ImportSource, ImportStatus};
use crate::store::views::{RemovedView, ResourceView};

/// Files sent to the daemon per request (one index commit each on its side).
const REMOTE_STORE_BATCH_FILES: usize = 500;
const REMOTE_STORE_BATCH_BYTES: u64 = 128 << 20;

/// How long one `WaitJob` of a watched wait lasts at most: the watcher's refresh period.
const WATCH_SLICE: Duration = Duration::from_millis(200);

/// Sends a bodiless request and takes the one answer it expects.
macro_rules! ask {
    ($client:expr, $req:expr, $pat:pat => $value:expr) => {
        match $client.call(&$req, &[])?.0 {
            $pat => Ok($value),
            other => Err(unexpected(&other)),
        }
    };
}

impl Client {
    /// One batch of files as a `Store` request.
    fn store_batch(
        &self,
        labels: Vec<String>,
        sizes: Vec<u64>,
        body: &[u8],
    ) -> Result<Vec<ImportResult>> {
        match self.call(&Request::Store { labels, sizes }, body)?.0 {
            Response::Stored { results } => Ok(results),
            other => Err(unexpected(&other)),
        }
    }
}

impl Backend for Client {
    fn is_remote(&self) -> bool {
        true
    }

    fn store(
        &self,
        items: Vec<ImportItem>,
        each: &mut dyn FnMut(&ImportResult),
    ) -> Result<Vec<ImportResult>> {
        // Files travel as raw bytes, in batches; one that cannot be read is reported here.
        let mut all = Vec::with_capacity(items.len());
        let mut labels = Vec::new();
        let mut sizes = Vec::new();
        let mut body = Vec::new();
        let flush = |labels: &mut Vec<String>,
                     sizes: &mut Vec<u64>,
                     body: &mut Vec<u8>,
                     all: &mut Vec<ImportResult>,
                     each: &mut dyn FnMut(&ImportResult)|
         -> Result<()> {
            if labels.is_empty() {
                return Ok(());
            }
            for r in self.store_batch(std::mem::take(labels), std::mem::take(sizes), body)? {
                each(&r);
                all.push(r);
            }
            body.clear();
            Ok(())
        };
        for item in items {
            let bytes = match item.source {
                ImportSource::Bytes(b) => Ok(b),
                // Regular files only, read no further than their size (src/input_file.rs).
                ImportSource::Path(p) => {
                    crate::input_file::read_regular(&p).map_err(|e| format!("cannot read: {e}"))
                }
            };
            match bytes {
                Ok(b) => {
                    labels.push(item.label);
                    sizes.push(b.len() as u64);
                    body.extend_from_slice(&b);
                }
                Err(error) => {
                    let r = ImportResult {
                        label: item.label,
                        status: ImportStatus::Error,
                        ids: None,
                        error: Some(error),
                    };
                    each(&r);
                    all.push(r);
                }
            }
            if labels.len() >= REMOTE_STORE_BATCH_FILES
                || body.len() as u64 >= REMOTE_STORE_BATCH_BYTES
            {
                flush(&mut labels, &mut sizes, &mut body, &mut all, each)?;
            }
        }
        flush(&mut labels, &mut sizes, &mut body, &mut all, each)?;
        Ok(all)
    }

    fn list(&self, level: Level, parent: Option<&str>) -> Result<Vec<ResourceView>> {
        let req = Request::List(ListRequest {
            level,
            parent: parent.map(str::to_string),
        });
        ask!(self, req, Response::Resources { items } => items)
    }

    fn show(&self, id: &str) -> Result<ResourceView> {
        ask!(self, Request::Show { id: id.into() }, Response::Resource { item } => *item)
    }

    fn tags(&self, id: &str) -> Result<(serde_json::Value, String)> {
        ask!(self, Request::Tags { id: id.into() }, Response::Tags { json, text } => (json, text))
    }

    fn create_dicom(&self, req: CreateRequest) -> Result<Vec<CreateAnswer>> {
        let (wire, files) = create::request_to_wire(req);
        let body: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
        match self.call_parts(&wire, &body)? {
            (Response::Created { answers, sizes }, body) => {
                create::answers_from_wire(answers, &sizes, body)
            }
            (other, _) => Err(unexpected(&other)),
        }
    }

    fn pdf(&self, id: &str) -> Result<Vec<u8>> {
        match self.call(&Request::Pdf { id: id.into() }, &[])? {
            (Response::Bytes, body) => Ok(body),
            (other, _) => Err(unexpected(&other)),
        }
    }

    fn remove(&self, id: &str) -> Result<(String, RemovedView)> {
        ask!(self, Request::Remove { id: id.into() }, Response::Removed { id, removed } => (id, removed))
    }

    fn run_job(&self, req: JobRequest) -> Result<JobInfo> {
        let req = Request::RunJob(req);
        ask!(self, req, Response::Job { info } => *info)
    }

    fn run_job_watched(&self, req: JobRequest, watch: &mut dyn FnMut(&JobInfo)) -> Result<JobInfo> {
        let id = self.submit_job(req)?;
        loop {
            let info = self.wait_job(&id, Some(Duration::from_millis(100)))?;
            watch(&info);
            if info.state.is_finished() {
                return Ok(info);
            }
        }
    }

    fn submit_job(&self, req: JobRequest) -> Result<String> {
        let req = Request::SubmitJob(req);
        ask!(self, req, Response::JobId { id } => id)
    }

    fn job(&self, id: &str) -> Result<JobInfo> {
        ask!(self, Request::Job { id: id.into() }, Response::Job { info } => *info)
    }

    fn find(&self, q: crate::store::find::FindQuery) -> Result<Vec<ResourceView>> {
        ask!(self, Request::Find(q), Response::Resources { items } => items)
    }

    fn changes(&self, since: u64, limit: usize) -> Result<ChangesPage> {
        ask!(self, Request::Changes { since, limit }, Response::Changes { page } => page)
    }

    fn network_list(&self, which: NetworkList) -> Result<serde_json::Value> {
        ask!(self, Request::Network { which }, Response::Network { entries } => entries)
    }

    fn echo(&self, modality: &str, timeout_s: Option<u64>) -> Result<()> {
        ask!(
            self,
            Request::Echo {
                modality: modality.into(),
                timeout_s
            },
            Response::Done => ()
        )
    }

    fn job_rows(&self) -> Result<Vec<JobRow>> {
        ask!(self, Request::JobRows, Response::JobRows { rows } => rows)
    }

    fn jobs(&self) -> Result<Vec<JobInfo>> {
        ask!(self, Request::Jobs, Response::Jobs { list } => list)
    }

    fn control_job(&self, id: &str, action: Action) -> Result<JobInfo> {
        let req = Request::ControlJob {
            id: id.into(),
            action,
        };
        ask!(self, req, Response::Job { info } => *info)
    }

    fn wait_job(&self, id: &str, timeout: Option<Duration>) -> Result<JobInfo> {
        let req = Request::WaitJob {
            id: id.into(),
            timeout_ms: timeout.map(|t| t.as_millis() as u64),
        };
        ask!(self, req, Response::Job { info } => *info)
    }

    fn wait_job_watched(
        &self,
        id: &str,
        timeout: Option<Duration>,
        watch: &mut dyn FnMut(&JobInfo) -> bool,
    ) -> Result<JobInfo> {
        // Waits in slices: the daemon answers when the job ends or the slice is over.
        let deadline = timeout.map(|t| std::time::Instant::now() + t);
        loop {
            let slice = match deadline {
                Some(d) => d
                    .saturating_duration_since(std::time::Instant::now())
                    .min(WATCH_SLICE),
                None => WATCH_SLICE,
            };
            let info = self.wait_job(id, Some(slice))?;
            let over = deadline.is_some_and(|d| std::time::Instant::now() >= d);
            if !watch(&info) || info.state.is_finished() || over {
                return Ok(info);
            }
        }
    }

    fn job_output(&self, id: &str, dest: OutputDest<'_>) -> Result<u64> {
        let req = Request::JobOutput { id: id.into() };
        match dest {
            OutputDest::File(to) => {
                let mut size = 0;
                crate::atomic::write_with(to, |f| {
                    let mut w = std::io::BufWriter::new(f);
                    size = self
                        .call_streamed(&req, &mut w)
                        .map_err(|e| std::io::Error::other(e.to_string()))?
                        .1;
                    std::io::Write::flush(&mut w)
                })?;
                Ok(size)
            }
            OutputDest::Stream(w) => {
                let n = self.call_streamed(&req, w)?.1;
                w.flush()
                    .map_err(|e| crate::error::Error::io("stdout", e))?;
                Ok(n)
            }
        }
    }

    fn take_job_output(&self, id: &str, dest: OutputDest<'_>) -> Result<u64> {
        let size = self.job_output(id, dest)?;
        ask!(self, Request::TakeJobOutput { id: id.into() }, Response::Done => size)
    }

    fn metrics_text(&self) -> Result<String> {
        ask!(self, Request::Metrics, Response::Metrics { text } => text)
    }

    fn metrics_switch(&self) -> Result<MetricsSwitch> {
        ask!(self, Request::MetricsSwitch, Response::MetricsSwitch { switch } => switch)
    }

    fn set_metrics_enabled(&self, enabled: bool) -> Result<()> {
        ask!(self, Request::SetMetrics { enabled }, Response::Done => ())
    }

    fn status(&self) -> Result<(NodeStatus, Option<DaemonFacts>)> {
        ask!(self, Request::Status, Response::Status { node, daemon } => (node, Some(daemon)))
    }
}
