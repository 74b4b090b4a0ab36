//! The Node: the one owner of the database, the stored files, the jobs engine and the metrics
//! registry. It offers every operation as a plain method and knows nothing of sockets or
//! terminals.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::home::Home;
use crate::jobs::kinds::{self, KindContext};
use crate::jobs::{EngineConfig, JobChange, JobOutputs, JobsEngine};
use crate::metrics::{Clock, Metrics, ScrapeInputs, SystemClock};
pub use crate::persist::redb::database::{database_lost, open_database};
use crate::settings::Settings;
use crate::store::Store;
use crate::store::index::{ChangeType, ChangedResource};

mod check;
mod create_dicom;
mod databases;
mod jobs;
mod modify;
mod network;
mod resources;
mod status;
pub use check::CheckView;
pub use create_dicom::{CreateAnswer, CreateRequest};
pub use jobs::{JobOutput, JobRequest};
pub use network::NetworkList;
pub use resources::{ChangesPage, ListRequest, MAX_CHANGES_PER_PAGE};
pub use status::NodeStatus;

pub struct Node {
    home: Home,
    config: Config,
    store: Arc<Store>,
    jobs: Arc<JobsEngine>,
    metrics: Arc<Metrics>,
    settings: Settings,
    outputs: Arc<JobOutputs>,
    /// None: opened by a command (jobs run inline); Some(jobs enabled): served by the daemon.
    served: std::sync::OnceLock<bool>,
    /// The job types whose kind declares an output.
    kinds_with_output: Vec<&'static str>,
    /// create-dicom's `DefaultEncoding`, changed at run time (index into
    /// `DefaultEncoding::ALL`; not persisted, as in Orthanc).
    default_encoding: std::sync::atomic::AtomicUsize,
    /// Where the daemon's DICOM SCP listens, once bound (`daemon --dicom`, `DicomPort`).
    dicom_address: std::sync::OnceLock<std::net::SocketAddr>,
    /// The key of consistent anonymization (`Databases::shared_state`).
    anonymization_key: std::path::PathBuf,
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
        Self::open_inner(home, config, clock, false, false)
    }

    /// `open`, but a missing or empty database is created even when the storage holds files:
    /// for `dicomq check`, which rebuilds the index from them.
    pub fn open_for_repair(home: Home, config: Config) -> Result<Node> {
        Self::open_inner(home, config, Arc::new(SystemClock::new()), true, false)
    }

    /// `open` for the daemon: small imports (C-STOREs, single uploads) are made durable by the
    /// import journal, their index commits deferred (`store/import_journal.rs`). Not for an
    /// inline command, which would settle the journal again at its exit.
    pub fn open_for_daemon(home: Home, config: Config) -> Result<Node> {
        Self::open_inner(home, config, Arc::new(SystemClock::new()), false, true)
    }

    fn open_inner(
        home: Home,
        config: Config,
        clock: Arc<dyn Clock>,
        allow_fresh: bool,
        journal_imports: bool,
    ) -> Result<Node> {
        home.ensure()?;
        let storage = config
            .storage_directory
            .clone()
            .unwrap_or_else(|| home.storage_dir());
        let db = databases::Databases::open(&home, &config, &storage, allow_fresh)?;
        let settings = db.settings()?;
        let enabled = settings
            .metrics_enabled()?
            .unwrap_or(config.metrics_enabled);
        let metrics = Arc::new(Metrics::new(enabled, clock));
        let reserve = crate::store::reserve::SpaceReserve::new(
            home.space_reserve(),
            crate::store::reserve::DEFAULT_BYTES,
        );
        let (outputs_dir, anonymization_key) = db.shared_state(&home, &storage);
        let store = Arc::new(
            db.store(&home, storage, metrics.clone(), journal_imports)?
                .with_reserve(reserve)
                .overwriting(config.overwrite_instances),
        );
        std::fs::create_dir_all(&outputs_dir).map_err(|e| Error::io(&outputs_dir, e))?;
        let outputs = Arc::new(JobOutputs::new(outputs_dir, config.media_archive_size));
        let kinds = kinds::all(&KindContext {
            store: store.clone(),
            outputs: outputs.clone(),
            anonymization_key: anonymization_key.clone(),
            network: Arc::new(config.network.clone()),
        });
        let kinds_with_output = kinds
            .iter()
            .filter(|k| k.has_output())
            .map(|k| k.type_name())
            .collect();
        let jobs = db.jobs(
            &home,
            EngineConfig {
                workers: config.concurrent_jobs,
                history_size: config.jobs_history_size,
            },
            kinds,
        )?;
        let index = store.clone();
        jobs.set_event_sink(Box::new(move |events| {
            let changes: Vec<_> = events
                .iter()
                .map(|(event, id)| (change_type_of(*event), ChangedResource::Job, id.clone()))
                .collect();
            index.index().log_changes(&changes)
        }));
        let config_default_encoding = config.default_encoding;
        Ok(Node {
            home,
            config,
            store,
            jobs,
            metrics,
            settings,
            outputs,
            served: std::sync::OnceLock::new(),
            kinds_with_output,
            default_encoding: create_dicom::encoding_index(config_default_encoding).into(),
            dicom_address: std::sync::OnceLock::new(),
            anonymization_key,
        })
    }

    /// Opens the home for the daemon (`open_for_daemon`), waiting up to `timeout` while another
    /// process holds the database (`on_wait` is told once).
    pub fn open_waiting(
        home: Home,
        config: Config,
        timeout: Duration,
        on_wait: &mut dyn FnMut(&str),
    ) -> Result<Node> {
        let db = home.database();
        retry_while_busy(&db, timeout, on_wait, || {
            Node::open_for_daemon(home.clone(), config.clone())
        })
    }

    /// Why the database can no longer be written (a write failed with an I/O error, e.g. a
    /// full disk): redb refuses every later use of this handle, so the process must reopen it.
    pub fn database_broken(&self) -> Option<Error> {
        self.store.broken().or_else(|| self.jobs.broken())
    }

    pub fn home(&self) -> &Home {
        &self.home
    }

    /// Records the address the daemon's DICOM SCP listens on (set once, at start).
    pub fn set_dicom_address(&self, addr: std::net::SocketAddr) {
        let _ = self.dicom_address.set(addr);
    }

    /// The DICOM SCP's address, when this Node is served by a daemon that receives.
    pub fn dicom_address(&self) -> Option<std::net::SocketAddr> {
        self.dicom_address.get().copied()
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The registered job types (Orthanc's `Type` names).
    pub fn job_types(&self) -> Vec<&'static str> {
        self.jobs.type_names()
    }

    /// The Prometheus exposition (text format 0.0.4); empty while metrics are disabled. Reads
    /// the index's counters and the engine's job table, never the stored files.
    pub fn metrics_text(&self) -> Result<String> {
        if !self.metrics.is_enabled() {
            return Ok(String::new());
        }
        // orthanc_last_change counts the job events still queued too.
        self.jobs.flush_events();
        let statistics = self.store.index().statistics()?;
        let jobs = self.jobs.counts();
        let job_types = self.jobs.type_names();
        Ok(self.metrics.render(&ScrapeInputs {
            statistics: &statistics,
            jobs: &jobs,
            job_types: &job_types,
        }))
    }

    /// The REST API is being served (its metrics appear in the exposition).
    pub fn start_http(&self) {
        self.metrics.start_http();
    }

    /// Counts one REST request while the guard lives (active requests, duration).
    pub fn rest_request(&self) -> crate::metrics::RestRequest<'_> {
        self.metrics.rest_request()
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

    /// At daemon start: recover the jobs a stop interrupted, then delete the files of jobs that
    /// no longer exist (left by a crash between a history eviction and its deletions).
    fn recover_jobs(&self) -> Result<()> {
        self.jobs.recover()?;
        self.outputs.sweep(|id| self.jobs.exists(id));
        Ok(())
    }
}

#[cfg(test)]
mod tests;

/// The changes-log entry of a job event.
fn change_type_of(event: JobChange) -> ChangeType {
    match event {
        JobChange::Submitted => ChangeType::JobSubmitted,
        JobChange::Success => ChangeType::JobSuccess,
        JobChange::Failure => ChangeType::JobFailure,
    }
}
