//! The Node: the one owner of the database, the stored files, the jobs engine and the metrics
//! registry. It offers every operation as a plain method and knows nothing of sockets or
//! terminals.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::home::Home;
use crate::jobs::{ArchiveJob, EngineConfig, JobInfo, JobKind, JobOutputs, JobsEngine, Sleep};
use crate::metrics::{Clock, Metrics, ScrapeInputs, SystemClock};
use crate::persist::redb::database::refuse_lost_database;
pub use crate::persist::redb::database::{database_lost, open_database};
use crate::settings::Settings;
use crate::store::Store;

mod check;
mod create_dicom;
pub use check::CheckView;
pub use create_dicom::{CreateAnswer, CreateRequest};

pub struct Node {
    home: Home,
    config: Config,
    store: Arc<Store>,
    jobs: Arc<JobsEngine>,
    metrics: Arc<Metrics>,
    settings: Settings,
    outputs: Arc<JobOutputs>,
}

/// Whether metrics are on, and what decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MetricsSwitch {
    pub enabled: bool,
    /// True when `metrics enable|disable` recorded it; false when it is `MetricsEnabled` of
    /// the config (the default).
    pub recorded: bool,
}

/// Runs `attempt` until it is not `Error::Busy` or `timeout` has passed, telling `on_wait`
/// once that the database `db` is held by another process.
pub fn retry_while_busy<T>(
    db: &std::path::Path,
    timeout: Duration,
    on_wait: &mut dyn FnMut(&str),
    mut attempt: impl FnMut() -> Result<T>,
) -> Result<T> {
    let deadline = Instant::now() + timeout;
    let mut told = false;
    loop {
        match attempt() {
            Err(Error::Busy(_)) if Instant::now() < deadline => {
                if !told {
                    on_wait(&format!(
                        "waiting for another dicomq process to release {}",
                        db.display()
                    ));
                    told = true;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            other => return other,
        }
    }
}

impl Node {
    pub fn open(home: Home, config: Config) -> Result<Node> {
        Self::open_with_clock(home, config, Arc::new(SystemClock::new()))
    }

    /// `open` with the clock the metrics use (tests drive time with a `ManualClock`).
    pub fn open_with_clock(home: Home, config: Config, clock: Arc<dyn Clock>) -> Result<Node> {
        Self::open_inner(home, config, clock, false)
    }

    /// `open`, but a missing or empty database is created even when the storage holds files:
    /// for `dicomq check`, which rebuilds the index from them.
    pub fn open_for_repair(home: Home, config: Config) -> Result<Node> {
        Self::open_inner(home, config, Arc::new(SystemClock::new()), true)
    }

    fn open_inner(
        home: Home,
        config: Config,
        clock: Arc<dyn Clock>,
        allow_fresh: bool,
    ) -> Result<Node> {
        home.ensure()?;
        let storage = config
            .storage_directory
            .clone()
            .unwrap_or_else(|| home.storage_dir());
        if !allow_fresh {
            refuse_lost_database(&home.database(), &storage)?;
        } else if database_lost(&home.database(), &storage) {
            // The recovery at open deletes what `incoming/` holds that the index does not own,
            // and a lost index owns nothing: move those files to their place first, where the
            // check sees them (indexed if they parse, reported if not).
            let files = crate::store::files::FileStorage::new(&storage);
            for uuid in files.incoming().map_err(|e| Error::io(&storage, e))? {
                files
                    .publish(&uuid)
                    .map_err(|e| Error::io(files.locate(&uuid), e))?;
            }
        }
        let db = open_database(&home)?;
        let settings = Settings::open(db.clone())?;
        let enabled = settings
            .metrics_enabled()?
            .unwrap_or(config.metrics_enabled);
        let metrics = Arc::new(Metrics::new(enabled, clock));
        let reserve = crate::store::reserve::SpaceReserve::new(
            home.space_reserve(),
            crate::store::reserve::DEFAULT_BYTES,
        );
        let store =
            Arc::new(Store::open(db.clone(), storage, metrics.clone())?.with_reserve(reserve));
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
            metrics,
            settings,
            outputs,
        })
    }

    /// Opens the home, waiting up to `timeout` while another process holds the database
    /// (`on_wait` is told once).
    pub fn open_waiting(
        home: Home,
        config: Config,
        timeout: Duration,
        on_wait: &mut dyn FnMut(&str),
    ) -> Result<Node> {
        let db = home.database();
        retry_while_busy(&db, timeout, on_wait, || {
            Node::open(home.clone(), config.clone())
        })
    }

    /// All tags of an instance: Orthanc's JSON and a readable dump.
    pub fn instance_tags(&self, id: &str) -> Result<(serde_json::Value, String)> {
        let store = self.store();
        let (level, id) = store.resolve(id)?;
        if level != crate::store::ids::Level::Instance {
            return Err(Error::Invalid(format!(
                "{id} is a {}: --tags needs an instance",
                level.name().to_lowercase()
            )));
        }
        let (path, file) = store.open_instance(&id)?;
        let obj = crate::store::header::open_full(std::io::BufReader::new(file))
            .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
        Ok((
            crate::store::tags::tags_json(&obj),
            crate::store::tags::tags_text(&obj),
        ))
    }

    /// Why the database can no longer be written (a write failed with an I/O error, e.g. a
    /// full disk): redb refuses every later use of this handle, so the process must reopen it.
    pub fn database_broken(&self) -> Option<Error> {
        self.store.broken().or_else(|| self.jobs.broken())
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

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The Prometheus exposition (text format 0.0.4); empty while metrics are disabled. Reads
    /// the index's counters and the engine's job table, never the stored files.
    pub fn metrics_text(&self) -> Result<String> {
        if !self.metrics.is_enabled() {
            return Ok(String::new());
        }
        let statistics = self.store.index().statistics()?;
        let jobs = self.jobs.counts();
        let job_types = self.jobs.type_names();
        Ok(self.metrics.render(&ScrapeInputs {
            statistics: &statistics,
            jobs: &jobs,
            job_types: &job_types,
        }))
    }

    pub fn metrics_switch(&self) -> Result<MetricsSwitch> {
        Ok(match self.settings.metrics_enabled()? {
            Some(enabled) => MetricsSwitch {
                enabled,
                recorded: true,
            },
            None => MetricsSwitch {
                enabled: self.config.metrics_enabled,
                recorded: false,
            },
        })
    }

    /// Switches metrics on or off, durably (it outlives this process), then in the registry.
    pub fn set_metrics_enabled(&self, enabled: bool) -> Result<()> {
        self.settings.set_metrics_enabled(enabled)?;
        self.metrics.set_enabled(enabled);
        Ok(())
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

    /// At daemon start: recover the jobs a stop interrupted, then delete the files of jobs that
    /// no longer exist (left by a crash between a history eviction and its deletions).
    pub fn recover_jobs(&self) -> Result<()> {
        self.jobs.recover()?;
        self.outputs.sweep(|id| self.jobs.exists(id));
        Ok(())
    }

    /// The file holding a finished job's output, or why there is none (no output for its
    /// type, failed, not finished, evicted, or taken by a synchronous caller).
    pub fn job_output(&self, id: &str) -> Result<PathBuf> {
        self.job_output_named(id).map(|(path, _)| path)
    }

    /// `job_output`, and the name the job's request asked it to be downloaded under.
    pub fn job_output_named(&self, id: &str) -> Result<(PathBuf, Option<String>)> {
        let job = self.jobs.record(id)?;
        let path = crate::jobs::archive::output_path(&self.outputs, &job)?;
        Ok((path, crate::jobs::archive::output_filename(&job)))
    }

    /// After a synchronous caller moved the output away: forget what is left of it.
    pub fn forget_job_output(&self, id: &str) -> Result<()> {
        let job = self.jobs.record(id)?;
        self.outputs.forget_plan(&job.id);
        Ok(())
    }
}
