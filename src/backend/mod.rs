//! The Backend: the one interface the CLI uses. It is either a client of a running daemon
//! (`Remote`) or a Node opened in-process (`Local`, "inline"); every command is written once
//! against it.

mod client;

use std::time::Duration;

use crate::config::Config;
use crate::dicom::create::Payload;
use crate::error::{Error, ErrorKind, Result};
use crate::home::Home;
use crate::jobs::{Action, JobInfo, JobRow};
use crate::node::{CreateAnswer, CreateRequest, MetricsSwitch, Node, retry_while_busy};
use crate::protocol::{Request, Response, WireCreateItem, WirePayload, split_body};
use crate::store::ids::Level;
use crate::store::import::{ImportItem, ImportResult, ImportSource};
use crate::store::views::{RemovedView, ResourceView};
pub use client::Client;
use client::unexpected;

/// Where a job's output goes.
pub enum OutputDest<'a> {
    /// A file, written atomically.
    File(&'a std::path::Path),
    /// A stream (stdout).
    Stream(&'a mut dyn std::io::Write),
}

pub struct Backend {
    inner: Inner,
    home: Home,
}

enum Inner {
    Local(Box<Node>),
    Remote(Client),
}

/// What the CLI knows before it connects.
pub struct ConnectOptions {
    pub home: Home,
    pub config: Config,
    pub lock_timeout: Duration,
    /// Told once when the database is busy and we wait for it.
    pub on_wait: Box<dyn FnMut(&str)>,
}

/// Files sent to the daemon per request (one index commit each on its side).
const REMOTE_STORE_BATCH_FILES: usize = 500;
const REMOTE_STORE_BATCH_BYTES: u64 = 128 << 20;

impl Backend {
    /// The daemon when its socket answers; otherwise the home inline, waiting up to the lock
    /// timeout while another process holds the database (switching to the socket as soon as a
    /// starting daemon answers).
    pub fn connect(mut opts: ConnectOptions) -> Result<Backend> {
        let socket = opts.home.socket();
        let db = opts.home.database();
        let (home, config) = (&opts.home, &opts.config);
        let inner = retry_while_busy(&db, opts.lock_timeout, &mut opts.on_wait, || {
            // A daemon that starts meanwhile is used as soon as it answers.
            if let Some(client) = Client::connect(&socket)? {
                return Ok(Inner::Remote(client));
            }
            Ok(Inner::Local(Box::new(Node::open(
                home.clone(),
                config.clone(),
            )?)))
        });
        match inner {
            Ok(inner) => Ok(Backend {
                inner,
                home: opts.home,
            }),
            Err(Error::Busy(_)) => Err(Error::Busy(format!(
                "no daemon answers on {} and {} is held by another process",
                socket.display(),
                db.display()
            ))),
            Err(e) => Err(e),
        }
    }

    pub fn is_remote(&self) -> bool {
        matches!(self.inner, Inner::Remote(_))
    }

    fn call(client: &Client, req: Request) -> Result<Response> {
        client.call(&req, &[]).map(|(r, _)| r)
    }

    pub fn store(
        &self,
        items: Vec<ImportItem>,
        each: &mut dyn FnMut(&ImportResult),
    ) -> Result<Vec<ImportResult>> {
        let client = match &self.inner {
            Inner::Local(node) => return node.store().import(items, each),
            Inner::Remote(c) => c,
        };
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
            let req = Request::Store {
                labels: std::mem::take(labels),
                sizes: std::mem::take(sizes),
            };
            match client.call(&req, body)? {
                (Response::Stored { results }, _) => {
                    for r in results {
                        each(&r);
                        all.push(r);
                    }
                }
                (other, _) => return Err(unexpected(&other)),
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
                        status: crate::store::import::ImportStatus::Error,
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

    pub fn list(&self, level: Level, parent: Option<&str>) -> Result<Vec<ResourceView>> {
        match &self.inner {
            Inner::Local(node) => {
                let store = node.store();
                let parent = parent.map(|p| store.resolve(p)).transpose()?;
                store.list(level, parent)
            }
            Inner::Remote(c) => match Self::call(
                c,
                Request::List {
                    level,
                    parent: parent.map(str::to_string),
                },
            )? {
                Response::Resources { items } => Ok(items),
                other => Err(unexpected(&other)),
            },
        }
    }

    pub fn show(&self, id: &str) -> Result<ResourceView> {
        match &self.inner {
            Inner::Local(node) => {
                let store = node.store();
                let (level, id) = store.resolve(id)?;
                store.view(level, &id)
            }
            Inner::Remote(c) => match Self::call(c, Request::Show { id: id.into() })? {
                Response::Resource { item } => Ok(*item),
                other => Err(unexpected(&other)),
            },
        }
    }

    /// All tags of an instance: Orthanc's JSON and a readable dump.
    pub fn tags(&self, id: &str) -> Result<(serde_json::Value, String)> {
        match &self.inner {
            Inner::Local(node) => node.instance_tags(id),
            Inner::Remote(c) => match Self::call(c, Request::Tags { id: id.into() })? {
                Response::Tags { json, text } => Ok((json, text)),
                other => Err(unexpected(&other)),
            },
        }
    }

    pub fn create_dicom(&self, req: CreateRequest) -> Result<Vec<CreateAnswer>> {
        let client = match &self.inner {
            Inner::Local(node) => return node.create_dicom(req),
            Inner::Remote(c) => c,
        };
        // The files travel as the body, in order, each from the buffer it was read into.
        let mut files = Vec::new();
        let items = req
            .spec
            .items
            .into_iter()
            .map(|item| {
                let payload = match item.payload {
                    Payload::Pdf { bytes, title } => {
                        let size = bytes.len() as u64;
                        files.push(bytes);
                        WirePayload::Pdf { size, title }
                    }
                    Payload::Image { bytes } => {
                        let size = bytes.len() as u64;
                        files.push(bytes);
                        WirePayload::Image { size }
                    }
                    Payload::Empty => WirePayload::Empty,
                };
                WireCreateItem {
                    payload,
                    tags: item.tags,
                }
            })
            .collect();
        let wire = Request::CreateDicom {
            items,
            tags: req.spec.tags,
            private_creator: req.spec.private_creator,
            force: req.spec.force,
            interpret_binary_tags: req.spec.interpret_binary_tags,
            parent: req.parent,
            store: req.store,
            return_files: req.return_files,
        };
        let body: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
        match client.call_parts(&wire, &body)? {
            (Response::Created { mut answers, sizes }, body) => {
                let parts = split_body(body, &sizes).ok_or_else(|| {
                    Error::Internal("created files do not match their sizes".into())
                })?;
                for (a, bytes) in answers.iter_mut().zip(parts) {
                    a.bytes = bytes;
                }
                Ok(answers)
            }
            (other, _) => Err(unexpected(&other)),
        }
    }

    pub fn pdf(&self, id: &str) -> Result<Vec<u8>> {
        match &self.inner {
            Inner::Local(node) => node.pdf_of(id),
            Inner::Remote(c) => match c.call(&Request::Pdf { id: id.into() }, &[])? {
                (Response::Bytes, body) => Ok(body),
                (other, _) => Err(unexpected(&other)),
            },
        }
    }

    /// Submits a job and waits for its end (sync call). Inline, the job runs in this process.
    pub fn run_job(
        &self,
        type_name: &str,
        params: serde_json::Value,
        priority: i32,
    ) -> Result<JobInfo> {
        match &self.inner {
            Inner::Local(node) => node.run_job_inline(type_name, params, priority),
            Inner::Remote(c) => match Self::call(
                c,
                Request::RunJob {
                    type_name: type_name.into(),
                    params,
                    priority,
                },
            )? {
                Response::Job { info } => Ok(*info),
                other => Err(unexpected(&other)),
            },
        }
    }

    /// Submits a job and waits for its end, calling `watch` with the job as it runs (about ten
    /// times a second) and at its end.
    pub fn run_job_watched(
        &self,
        type_name: &str,
        params: serde_json::Value,
        priority: i32,
        watch: &mut dyn FnMut(&JobInfo),
    ) -> Result<JobInfo> {
        match &self.inner {
            Inner::Local(node) => node.run_job_inline_watched(type_name, params, priority, watch),
            Inner::Remote(_) => {
                let id = self.submit_job(type_name, params, priority)?;
                loop {
                    let info = self.wait_job(&id, Some(Duration::from_millis(100)))?;
                    watch(&info);
                    if info.state.is_finished() {
                        return Ok(info);
                    }
                }
            }
        }
    }

    /// Copies a finished job's output to `dest`; returns its size. A job without an output
    /// (failed, not finished, evicted, or of a type that has none) is an error saying which.
    pub fn job_output(&self, id: &str, dest: OutputDest<'_>) -> Result<u64> {
        match &self.inner {
            Inner::Local(node) => {
                let path = node.job_output(id)?;
                match dest {
                    OutputDest::File(to) => {
                        crate::atomic::copy_file(&path, to)?;
                        std::fs::metadata(to)
                            .map(|m| m.len())
                            .map_err(|e| Error::io(to, e))
                    }
                    OutputDest::Stream(w) => copy_to_stream(&path, w),
                }
            }
            Inner::Remote(c) => {
                let req = Request::JobOutput { id: id.into() };
                match dest {
                    OutputDest::File(to) => {
                        let mut size = 0;
                        crate::atomic::write_with(to, |f| {
                            let mut w = std::io::BufWriter::new(f);
                            size = c
                                .call_streamed(&req, &mut w)
                                .map_err(|e| std::io::Error::other(e.to_string()))?
                                .1;
                            std::io::Write::flush(&mut w)
                        })?;
                        Ok(size)
                    }
                    OutputDest::Stream(w) => {
                        let n = c.call_streamed(&req, w)?.1;
                        w.flush().map_err(|e| Error::io("stdout", e))?;
                        Ok(n)
                    }
                }
            }
        }
    }

    /// Moves a synchronous job's output to `dest` (a rename when possible): the caller of a sync
    /// archive takes the output, which does not stay among the kept outputs.
    pub fn take_job_output(&self, id: &str, dest: OutputDest<'_>) -> Result<u64> {
        match &self.inner {
            Inner::Local(node) => {
                let path = node.job_output(id)?;
                let size = std::fs::metadata(&path)
                    .map(|m| m.len())
                    .map_err(|e| Error::io(&path, e))?;
                match dest {
                    OutputDest::File(to) => crate::atomic::move_file(&path, to)?,
                    OutputDest::Stream(w) => {
                        copy_to_stream(&path, w)?;
                        std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
                    }
                }
                node.forget_job_output(id)?;
                Ok(size)
            }
            Inner::Remote(c) => {
                let size = self.job_output(id, dest)?;
                match Self::call(c, Request::TakeJobOutput { id: id.into() })? {
                    Response::Done => Ok(size),
                    other => Err(unexpected(&other)),
                }
            }
        }
    }

    /// Submits a job and returns at once: needs a daemon to run it.
    pub fn submit_job(
        &self,
        type_name: &str,
        params: serde_json::Value,
        priority: i32,
    ) -> Result<String> {
        match &self.inner {
            Inner::Local(_) => Err(Error::Remote {
                kind: ErrorKind::Unavailable,
                message: format!(
                    "cannot run a {type_name} job asynchronously: no daemon answers on {}",
                    self.home.socket().display()
                ),
                hint: Some(
                    "start one with `dicomq daemon`, or drop --async to run the job here".into(),
                ),
            }),
            Inner::Remote(c) => match Self::call(
                c,
                Request::SubmitJob {
                    type_name: type_name.into(),
                    params,
                    priority,
                },
            )? {
                Response::JobId { id } => Ok(id),
                other => Err(unexpected(&other)),
            },
        }
    }

    pub fn job(&self, id: &str) -> Result<JobInfo> {
        match &self.inner {
            Inner::Local(node) => node.jobs().info(id),
            Inner::Remote(c) => match Self::call(c, Request::Job { id: id.into() })? {
                Response::Job { info } => Ok(*info),
                other => Err(unexpected(&other)),
            },
        }
    }

    /// The `jobs ls` table rows: what a table shows, without every job's Content.
    pub fn job_rows(&self) -> Result<Vec<JobRow>> {
        match &self.inner {
            Inner::Local(node) => Ok(node.jobs().rows()),
            Inner::Remote(c) => match Self::call(c, Request::JobRows)? {
                Response::JobRows { rows } => Ok(rows),
                other => Err(unexpected(&other)),
            },
        }
    }

    pub fn jobs(&self) -> Result<Vec<JobInfo>> {
        match &self.inner {
            Inner::Local(node) => Ok(node.jobs().list()),
            Inner::Remote(c) => match Self::call(c, Request::Jobs)? {
                Response::Jobs { list } => Ok(list),
                other => Err(unexpected(&other)),
            },
        }
    }

    pub fn control_job(&self, id: &str, action: Action) -> Result<JobInfo> {
        match &self.inner {
            Inner::Local(node) => node.jobs().control(id, action),
            Inner::Remote(c) => match Self::call(
                c,
                Request::ControlJob {
                    id: id.into(),
                    action,
                },
            )? {
                Response::Job { info } => Ok(*info),
                other => Err(unexpected(&other)),
            },
        }
    }

    /// Waits for a job to end (or the timeout). Inline, the job only moves if this process
    /// runs it, so the workers run for the wait.
    pub fn wait_job(&self, id: &str, timeout: Option<Duration>) -> Result<JobInfo> {
        match &self.inner {
            Inner::Local(node) => {
                let jobs = node.jobs();
                let info = jobs.info(id)?;
                jobs.start_workers();
                let result = jobs.wait(&info.id, timeout);
                jobs.shutdown();
                result
            }
            Inner::Remote(c) => match Self::call(
                c,
                Request::WaitJob {
                    id: id.into(),
                    timeout_ms: timeout.map(|t| t.as_millis() as u64),
                },
            )? {
                Response::Job { info } => Ok(*info),
                other => Err(unexpected(&other)),
            },
        }
    }

    /// The Prometheus exposition; empty while metrics are disabled. Inline it holds the counts
    /// and sizes of the home (no durations: nothing was timed in this process).
    pub fn metrics_text(&self) -> Result<String> {
        match &self.inner {
            Inner::Local(node) => node.metrics_text(),
            Inner::Remote(c) => match Self::call(c, Request::Metrics)? {
                Response::Metrics { text } => Ok(text),
                other => Err(unexpected(&other)),
            },
        }
    }

    pub fn metrics_switch(&self) -> Result<MetricsSwitch> {
        match &self.inner {
            Inner::Local(node) => node.metrics_switch(),
            Inner::Remote(c) => match Self::call(c, Request::MetricsSwitch)? {
                Response::MetricsSwitch { switch } => Ok(switch),
                other => Err(unexpected(&other)),
            },
        }
    }

    /// Switches metrics collection, persistently.
    pub fn set_metrics_enabled(&self, enabled: bool) -> Result<()> {
        match &self.inner {
            Inner::Local(node) => node.set_metrics_enabled(enabled),
            Inner::Remote(c) => match Self::call(c, Request::SetMetrics { enabled })? {
                Response::Done => Ok(()),
                other => Err(unexpected(&other)),
            },
        }
    }

    pub fn remove(&self, id: &str) -> Result<(String, RemovedView)> {
        match &self.inner {
            Inner::Local(node) => {
                let store = node.store();
                let (level, id) = store.resolve(id)?;
                let removed = store.remove(level, &id)?;
                Ok((id, removed))
            }
            Inner::Remote(c) => match Self::call(c, Request::Remove { id: id.into() })? {
                Response::Removed { id, removed } => Ok((id, removed)),
                other => Err(unexpected(&other)),
            },
        }
    }
}

fn copy_to_stream(path: &std::path::Path, w: &mut dyn std::io::Write) -> Result<u64> {
    let mut from = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let n = std::io::copy(&mut from, w).map_err(|e| Error::io("stdout", e))?;
    w.flush().map_err(|e| Error::io("stdout", e))?;
    Ok(n)
}
