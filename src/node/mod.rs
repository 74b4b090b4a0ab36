//! The Node: the one owner of the database, the stored files and (later) the jobs engine and
//! metrics. It offers every operation as a plain method and knows nothing of sockets or terminals.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use redb::Database;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::home::Home;
use crate::jobs::{ArchiveJob, EngineConfig, JobInfo, JobKind, JobOutputs, JobsEngine, Sleep};
use crate::store::Store;

mod create_dicom;
pub use create_dicom::{CreateAnswer, CreateRequest};

pub struct Node {
    home: Home,
    config: Config,
    store: Arc<Store>,
    jobs: Arc<JobsEngine>,
    outputs: Arc<JobOutputs>,
}

/// Opens `index.redb`; a database held by another process is `Error::Busy`, an unreadable one
/// is refused without being touched.
pub fn open_database(home: &Home) -> Result<Arc<Database>> {
    let path = home.database();
    let refuse = |reason: String| Error::Database {
        path: path.clone(),
        reason,
    };
    if let Ok(meta) = std::fs::metadata(&path) {
        // redb would initialise an empty file; only a real redb file is opened.
        if meta.len() > 0 && !looks_like_redb(&path) {
            return Err(refuse(
                "not a dicomq database (not a redb file); refusing to touch it".into(),
            ));
        }
    }
    match Database::create(&path) {
        Ok(db) => Ok(Arc::new(db)),
        Err(redb::DatabaseError::DatabaseAlreadyOpen) => Err(Error::Busy(format!(
            "{} is held by another process",
            path.display()
        ))),
        Err(e) => Err(refuse(format!(
            "cannot open: {e}; the file was left as it is"
        ))),
    }
}

/// redb files start with this magic number.
fn looks_like_redb(path: &std::path::Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 9];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .map(|()| &head == b"redb\x1A\x0A\xA9\x0D\x0A")
        .unwrap_or(false)
}

impl Node {
    pub fn open(home: Home, config: Config) -> Result<Node> {
        home.ensure()?;
        let db = open_database(&home)?;
        let storage = config
            .storage_directory
            .clone()
            .unwrap_or_else(|| home.storage_dir());
        let store = Arc::new(Store::open(db.clone(), storage)?);
        let outputs = Arc::new(JobOutputs::new(
            home.outputs_dir(),
            config.media_archive_size,
        ));
        let kinds: Vec<Arc<dyn JobKind>> = vec![
            Arc::new(Sleep),
            Arc::new(ArchiveJob::new(false, store.clone(), outputs.clone())),
            Arc::new(ArchiveJob::new(true, store.clone(), outputs.clone())),
        ];
        let jobs = JobsEngine::open(
            db,
            EngineConfig {
                workers: config.concurrent_jobs,
                history_size: config.jobs_history_size,
            },
            kinds,
        )?;
        Ok(Node {
            home,
            config,
            store,
            jobs,
            outputs,
        })
    }

    pub fn home(&self) -> &Home {
        &self.home
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn jobs(&self) -> &Arc<JobsEngine> {
        &self.jobs
    }

    /// Runs a job to its end in this process (a sync call without a daemon): submit, let the
    /// workers take it, wait, then stop them at their next step boundary. The run is recorded in
    /// the job history like any other.
    pub fn run_job_inline(
        &self,
        type_name: &str,
        params: serde_json::Value,
        priority: i32,
    ) -> Result<JobInfo> {
        self.run_job_inline_watched(type_name, params, priority, &mut |_| {})
    }

    /// [`Self::run_job_inline`], calling `watch` with the job about ten times a second while
    /// it runs (for progress bars) and once at its end.
    pub fn run_job_inline_watched(
        &self,
        type_name: &str,
        params: serde_json::Value,
        priority: i32,
        watch: &mut dyn FnMut(&JobInfo),
    ) -> Result<JobInfo> {
        let id = self.jobs.submit(type_name, params, priority)?;
        self.jobs.start_workers();
        let result = loop {
            match self.jobs.wait(&id, Some(Duration::from_millis(100))) {
                Ok(info) => {
                    watch(&info);
                    if info.state.is_finished() {
                        break Ok(info);
                    }
                }
                Err(e) => break Err(e),
            }
        };
        self.jobs.shutdown();
        result
    }

    /// The file holding a finished job's output, or why there is none (no output for its
    /// type, failed, not finished, evicted, or taken by a synchronous caller).
    pub fn job_output(&self, id: &str) -> Result<PathBuf> {
        let job = self.jobs.record(id)?;
        crate::jobs::archive::output_path(&self.outputs, &job)
    }

    /// After a synchronous caller moved the output away: forget what is left of it.
    pub fn forget_job_output(&self, id: &str) -> Result<()> {
        let job = self.jobs.record(id)?;
        self.outputs.forget_plan(&job.id);
        Ok(())
    }
}
