//! The Backend: the one interface the CLI uses. It is either a client of a running daemon or a
//! Node opened in-process ("inline"); every command is written once against it.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use dicom_object::InMemDicomObject;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::home::Home;
use crate::jobs::{Action, JobInfo};
use crate::node::{CreateAnswer, CreateRequest, Node};
use crate::store::ids::Level;
use crate::store::import::{ImportItem, ImportResult};
use crate::store::tags;
use crate::store::views::{RemovedView, ResourceView};

/// Where a job's output goes.
pub enum OutputDest<'a> {
    /// A file, written atomically.
    File(&'a Path),
    /// A stream (stdout).
    Stream(&'a mut dyn Write),
}

pub struct Backend {
    inner: Inner,
}

enum Inner {
    Local(Box<Node>),
}

/// What the CLI knows before it connects.
pub struct ConnectOptions {
    pub home: Home,
    pub config: Config,
    pub lock_timeout: Duration,
    /// Told once when the database is busy and we wait for it.
    pub on_wait: Box<dyn FnMut(&str)>,
}

impl Backend {
    /// Opens the home inline, waiting up to the lock timeout while another process holds it.
    pub fn connect(mut opts: ConnectOptions) -> Result<Backend> {
        let deadline = Instant::now() + opts.lock_timeout;
        let mut told = false;
        loop {
            match Node::open(opts.home.clone(), opts.config.clone()) {
                Ok(node) => {
                    return Ok(Backend {
                        inner: Inner::Local(Box::new(node)),
                    });
                }
                Err(Error::Busy(_)) if Instant::now() < deadline => {
                    if !told {
                        (opts.on_wait)(&format!(
                            "waiting for another dicomq process to release {}",
                            opts.home.database().display()
                        ));
                        told = true;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(Error::Busy(_)) => {
                    return Err(Error::Busy(format!(
                        "no daemon answers on {} and {} is held by another process",
                        opts.home.socket().display(),
                        opts.home.database().display()
                    )));
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn node(&self) -> &Node {
        match &self.inner {
            Inner::Local(node) => node,
        }
    }

    pub fn store(
        &self,
        items: Vec<ImportItem>,
        each: &mut dyn FnMut(&ImportResult),
    ) -> Result<Vec<ImportResult>> {
        self.node().store().import(items, each)
    }

    pub fn list(&self, level: Level, parent: Option<&str>) -> Result<Vec<ResourceView>> {
        let store = self.node().store();
        let parent = parent.map(|p| store.resolve(p)).transpose()?;
        store.list(level, parent)
    }

    pub fn show(&self, id: &str) -> Result<ResourceView> {
        let store = self.node().store();
        let (level, id) = store.resolve(id)?;
        store.view(level, &id)
    }

    /// All tags of an instance: Orthanc's JSON and a readable dump.
    pub fn tags(&self, id: &str) -> Result<(serde_json::Value, String)> {
        let store = self.node().store();
        let (level, id) = store.resolve(id)?;
        if level != Level::Instance {
            return Err(Error::Invalid(format!(
                "{id} is a {}: --tags needs an instance",
                level.name().to_lowercase()
            )));
        }
        let path = store.instance_path(&id)?;
        let file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
        let obj = crate::store::header::open_full(std::io::BufReader::new(file))
            .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
        let ds: &InMemDicomObject = &obj;
        Ok((tags::tags_json(ds), tags::tags_text(ds)))
    }

    pub fn create_dicom(&self, req: CreateRequest) -> Result<Vec<CreateAnswer>> {
        self.node().create_dicom(req)
    }

    pub fn pdf(&self, id: &str) -> Result<Vec<u8>> {
        self.node().pdf_of(id)
    }

    /// Submits a job and waits for its end (sync call).
    pub fn run_job(
        &self,
        type_name: &str,
        params: serde_json::Value,
        priority: i32,
    ) -> Result<JobInfo> {
        self.node().run_job_inline(type_name, params, priority)
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
        self.node()
            .run_job_inline_watched(type_name, params, priority, watch)
    }

    /// Copies a finished job's output to `dest`; returns its size. A job without an output
    /// (failed, not finished, evicted, or of a type that has none) is an error saying which.
    pub fn job_output(&self, id: &str, dest: OutputDest<'_>) -> Result<u64> {
        let path = self.node().job_output(id)?;
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

    /// Moves a synchronous job's output to `dest` (a rename when possible): the caller of a sync
    /// archive takes the output, which does not stay among the kept outputs.
    pub fn take_job_output(&self, id: &str, dest: OutputDest<'_>) -> Result<u64> {
        let node = self.node();
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

    /// Submits a job and returns at once: needs a daemon to run it.
    pub fn submit_job(
        &self,
        type_name: &str,
        _params: serde_json::Value,
        _priority: i32,
    ) -> Result<String> {
        Err(Error::Remote {
            kind: crate::error::ErrorKind::Unavailable,
            message: format!(
                "cannot run a {type_name} job asynchronously: no daemon answers on {}",
                self.node().home().socket().display()
            ),
            hint: Some(
                "start one with `dicomq daemon`, or drop --async to run the job here".into(),
            ),
        })
    }

    pub fn job(&self, id: &str) -> Result<JobInfo> {
        self.node().jobs().info(id)
    }

    pub fn jobs(&self) -> Result<Vec<JobInfo>> {
        Ok(self.node().jobs().list())
    }

    pub fn control_job(&self, id: &str, action: Action) -> Result<JobInfo> {
        self.node().jobs().control(id, action)
    }

    /// Waits for a job to end. Inline, the job only moves if this process runs it, so the
    /// workers are started for the wait.
    pub fn wait_job(&self, id: &str, timeout: Option<Duration>) -> Result<JobInfo> {
        let jobs = self.node().jobs();
        let info = jobs.info(id)?;
        jobs.start_workers();
        let result = jobs.wait(&info.id, timeout);
        jobs.shutdown();
        result
    }

    pub fn remove(&self, id: &str) -> Result<(String, RemovedView)> {
        let store = self.node().store();
        let (level, id) = store.resolve(id)?;
        let removed = store.remove(level, &id)?;
        Ok((id, removed))
    }
}

fn copy_to_stream(path: &Path, w: &mut dyn Write) -> Result<u64> {
    let mut from = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let n = std::io::copy(&mut from, w).map_err(|e| Error::io("stdout", e))?;
    w.flush().map_err(|e| Error::io("stdout", e))?;
    Ok(n)
}
