//! The metrics registry the Node owns, and the Prometheus exposition of it.
//!
//! Names and meanings are Orthanc's (its `/tools/metrics-prometheus` exposition) so that Orthanc dashboards and
//! alerts work unchanged. Durations are fed by the store and the file storage as they work;
//! counts and sizes come from the store index's counters and the jobs engine at scrape time, so a
//! scrape costs the same with ten instances or ten million.
//!
//! While disabled, nothing is recorded and the exposition is empty, as in Orthanc; re-enabling
//! exposes the old values again.

pub mod exposition;
pub mod registry;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::jobs::JobState;
use crate::store::index::Statistics;
use exposition::{Family, Kind, Sample, Value};
pub use registry::{Clock, Counter, ManualClock, SystemClock, WindowMax};

/// The durations kept as "max over the last 10 seconds".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timed {
    /// Storing one instance (`orthanc_store_dicom_duration_ms`).
    StoreDicom,
    /// Writing one file to the storage.
    StorageCreate,
    /// Reading one file from the storage.
    StorageRead,
    /// Removing one file from the storage.
    StorageRemove,
    /// Answering one REST API request (`orthanc_rest_api_duration_ms`).
    RestApi,
}

pub struct Metrics {
    enabled: AtomicBool,
    clock: Arc<dyn Clock>,
    /// Set when a long-running process (the daemon) starts serving. `orthanc_up_time_s` and
    /// the byte counters (totals since start) are exported from then on; an inline command has
    /// no up time worth graphing, and its counters only appear once they count something.
    serving_since: OnceLock<Duration>,
    store_dicom: WindowMax,
    storage_create: WindowMax,
    storage_read: WindowMax,
    storage_remove: WindowMax,
    storage_read_bytes: Counter,
    storage_written_bytes: Counter,
    rest_api: WindowMax,
    /// REST requests being answered now; exported once an HTTP API serves.
    rest_active: std::sync::atomic::AtomicU64,
    http_serving: AtomicBool,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new(true, Arc::new(SystemClock::new()))
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("enabled", &self.is_enabled())
            .finish_non_exhaustive()
    }
}

/// A running measurement; recorded when dropped (or `finish`ed). Disarmed while disabled.
#[must_use = "a timer records when it is dropped"]
pub struct Timer<'a> {
    metrics: &'a Metrics,
    which: Timed,
    start: Option<Instant>,
}

impl Timer<'_> {
    pub fn finish(self) {}

    /// Forgets the measurement (the operation failed).
    pub fn cancel(mut self) {
        self.start = None;
    }
}

impl Drop for Timer<'_> {
    fn drop(&mut self) {
        if let Some(start) = self.start {
            self.metrics.observe(self.which, start.elapsed());
        }
    }
}

/// One REST request being answered (see `Metrics::rest_request`).
pub struct RestRequest<'a> {
    metrics: &'a Metrics,
    start: Instant,
}

impl Drop for RestRequest<'_> {
    fn drop(&mut self) {
        self.metrics.rest_active.fetch_sub(1, Ordering::Relaxed);
        self.metrics.observe(Timed::RestApi, self.start.elapsed());
    }
}

/// What the exposition needs from the rest of the Node at scrape time.
pub struct ScrapeInputs<'a> {
    pub statistics: &'a Statistics,
    /// Jobs per (type, state), history included.
    pub jobs: &'a BTreeMap<(String, JobState), u64>,
    /// Every job type the engine knows, so that their series exist before their first job.
    pub job_types: &'a [&'static str],
}

impl Metrics {
    pub fn new(enabled: bool, clock: Arc<dyn Clock>) -> Metrics {
        Metrics {
            enabled: AtomicBool::new(enabled),
            clock,
            serving_since: OnceLock::new(),
            store_dicom: WindowMax::default(),
            storage_create: WindowMax::default(),
            storage_read: WindowMax::default(),
            storage_remove: WindowMax::default(),
            storage_read_bytes: Counter::default(),
            storage_written_bytes: Counter::default(),
            rest_api: WindowMax::default(),
            rest_active: std::sync::atomic::AtomicU64::new(0),
            http_serving: AtomicBool::new(false),
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Relaxed)
    }

    /// Switches collection and exposition; the values kept so far are not cleared.
    pub fn set_enabled(&self, enabled: bool) {
        self.enabled.store(enabled, Ordering::Relaxed);
    }

    /// Marks the start of serving (the daemon calls this once): starts `orthanc_up_time_s` and
    /// exports the byte counters from 0.
    pub fn start_serving(&self) {
        let _ = self.serving_since.set(self.clock.now());
    }

    fn window(&self, which: Timed) -> &WindowMax {
        match which {
            Timed::StoreDicom => &self.store_dicom,
            Timed::StorageCreate => &self.storage_create,
            Timed::StorageRead => &self.storage_read,
            Timed::StorageRemove => &self.storage_remove,
            Timed::RestApi => &self.rest_api,
        }
    }

    /// Records one duration (ignored while disabled).
    pub fn observe(&self, which: Timed, elapsed: Duration) {
        if self.is_enabled() {
            self.window(which).record(self.clock.now(), elapsed);
        }
    }

    /// Times an operation until the timer is dropped.
    pub fn timer(&self, which: Timed) -> Timer<'_> {
        Timer {
            metrics: self,
            which,
            start: self.is_enabled().then(Instant::now),
        }
    }

    pub fn add_read_bytes(&self, n: u64) {
        if self.is_enabled() {
            self.storage_read_bytes.add(n);
        }
    }

    /// The REST API families are exported from now on.
    pub fn start_http(&self) {
        self.http_serving.store(true, Ordering::Relaxed);
    }

    /// Counts a REST request as active until the guard is dropped, then records its duration.
    pub fn rest_request(&self) -> RestRequest<'_> {
        self.rest_active.fetch_add(1, Ordering::Relaxed);
        RestRequest {
            metrics: self,
            start: Instant::now(),
        }
    }

    pub fn add_written_bytes(&self, n: u64) {
        if self.is_enabled() {
            self.storage_written_bytes.add(n);
        }
    }

    /// The families to export, sorted by name (as Orthanc sorts its lines); empty while
    /// disabled.
    pub fn families(&self, inputs: &ScrapeInputs<'_>) -> Vec<Family> {
        if !self.is_enabled() {
            return Vec::new();
        }
        let now = self.clock.now();
        let s = inputs.statistics;
        let int = |name, help, v: u64| Family::single(name, help, Kind::Gauge, Value::Int(v));
        let mb = |bytes: u64| Value::Float(bytes as f64 / (1u64 << 20) as f64);
        let jobs_in = |states: &[JobState]| -> u64 {
            inputs
                .jobs
                .iter()
                .filter(|((_, st), _)| states.contains(st))
                .map(|(_, n)| *n)
                .sum()
        };
        let success = jobs_in(&[JobState::Success]);
        let failed = jobs_in(&[JobState::Failure]);

        let mut out = vec![
            int(
                "orthanc_count_instances",
                "Number of instances in the store.",
                s.instances,
            ),
            int(
                "orthanc_count_patients",
                "Number of patients in the store.",
                s.patients,
            ),
            int(
                "orthanc_count_series",
                "Number of series in the store.",
                s.series,
            ),
            int(
                "orthanc_count_studies",
                "Number of studies in the store.",
                s.studies,
            ),
            Family::single(
                "orthanc_disk_size_mb",
                "Size of the stored files on disk, in MiB.",
                Kind::Gauge,
                mb(s.disk_size),
            ),
            Family::single(
                "orthanc_uncompressed_size_mb",
                "Uncompressed size of the stored files, in MiB.",
                Kind::Gauge,
                mb(s.uncompressed_size),
            ),
            int(
                "orthanc_last_change",
                "Sequence number of the last change to the store.",
                s.last_change,
            ),
            int(
                "orthanc_jobs_pending",
                "Jobs waiting to run (Pending or Retry).",
                jobs_in(&[JobState::Pending, JobState::Retry]),
            ),
            int(
                "orthanc_jobs_running",
                "Jobs started and not finished (Running or Paused).",
                jobs_in(&[JobState::Running, JobState::Paused]),
            ),
            int(
                "orthanc_jobs_success",
                "Jobs in the history that succeeded.",
                success,
            ),
            int(
                "orthanc_jobs_failed",
                "Jobs in the history that failed.",
                failed,
            ),
            int(
                "orthanc_jobs_completed",
                "Jobs in the history (succeeded or failed).",
                success + failed,
            ),
            jobs_family(inputs),
            Family {
                name: "dicomq_build_info",
                help: "Version of dicomq; the value is always 1.",
                kind: Kind::Gauge,
                samples: vec![Sample {
                    labels: vec![("version", env!("CARGO_PKG_VERSION").to_string())],
                    value: Value::Int(1),
                }],
            },
        ];
        let serving = self.serving_since.get();
        if let Some(since) = serving {
            out.push(int(
                "orthanc_up_time_s",
                "Seconds since the daemon started.",
                now.saturating_sub(*since).as_secs(),
            ));
        }
        for (counter, name, help) in [
            (
                &self.storage_read_bytes,
                "orthanc_storage_read_bytes",
                "Bytes read from the file storage since start.",
            ),
            (
                &self.storage_written_bytes,
                "orthanc_storage_written_bytes",
                "Bytes written to the file storage since start.",
            ),
        ] {
            let total = counter.get();
            if serving.is_some() || total > 0 {
                out.push(Family::single(name, help, Kind::Counter, Value::Int(total)));
            }
        }
        for (which, name, help) in [
            (
                Timed::StoreDicom,
                "orthanc_store_dicom_duration_ms",
                "Longest time to store one instance over the last 10 seconds, in ms (per instance, averaged over its import batch).",
            ),
            (
                Timed::StorageCreate,
                "orthanc_storage_create_duration_ms",
                "Longest time to write one file to the storage over the last 10 seconds, in ms.",
            ),
            (
                Timed::StorageRead,
                "orthanc_storage_read_duration_ms",
                "Longest time spent reading one file from the storage over the last 10 seconds, in ms.",
            ),
            (
                Timed::StorageRemove,
                "orthanc_storage_remove_duration_ms",
                "Longest time to remove one file from the storage over the last 10 seconds, in ms.",
            ),
            (
                Timed::RestApi,
                "orthanc_rest_api_duration_ms",
                "Longest time to answer one REST API request over the last 10 seconds, in ms.",
            ),
        ] {
            if let Some(max) = self.window(which).max(now) {
                if which == Timed::RestApi && !self.http_serving.load(Ordering::Relaxed) {
                    continue;
                }
                out.push(Family::single(
                    name,
                    help,
                    Kind::Gauge,
                    Value::Float(max.as_secs_f64() * 1000.0),
                ));
            }
        }
        if self.http_serving.load(Ordering::Relaxed) {
            out.push(Family::single(
                "orthanc_rest_api_active_requests",
                "REST API requests being answered.",
                Kind::Gauge,
                Value::Int(self.rest_active.load(Ordering::Relaxed)),
            ));
        }
        out.sort_by_key(|f| f.name);
        out
    }

    /// The exposition text (empty while disabled).
    pub fn render(&self, inputs: &ScrapeInputs<'_>) -> String {
        exposition::render(&self.families(inputs))
    }
}

/// `dicomq_jobs{type,state}`: every known type in every state, zeros included.
fn jobs_family(inputs: &ScrapeInputs<'_>) -> Family {
    let mut types: Vec<&str> = inputs.job_types.to_vec();
    for (t, _) in inputs.jobs.keys() {
        if !types.contains(&t.as_str()) {
            types.push(t.as_str());
        }
    }
    types.sort_unstable();
    let mut samples = Vec::with_capacity(types.len() * JobState::ALL.len());
    for t in types {
        for state in JobState::ALL {
            let n = inputs
                .jobs
                .get(&(t.to_string(), state))
                .copied()
                .unwrap_or(0);
            samples.push(Sample {
                labels: vec![
                    ("type", t.to_string()),
                    ("state", state.as_str().to_string()),
                ],
                value: Value::Int(n),
            });
        }
    }
    Family {
        name: "dicomq_jobs",
        help: "Jobs per type and state, history included.",
        kind: Kind::Gauge,
        samples,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs_with<'a>(
        stats: &'a Statistics,
        jobs: &'a BTreeMap<(String, JobState), u64>,
    ) -> ScrapeInputs<'a> {
        ScrapeInputs {
            statistics: stats,
            jobs,
            job_types: &["Sleep"],
        }
    }

    fn line<'a>(text: &'a str, name: &str) -> Option<&'a str> {
        text.lines()
            .find(|l| l.split([' ', '{']).next() == Some(name))
            .map(|l| l.rsplit(' ').next().unwrap_or(""))
    }

    #[test]
    fn values_and_meanings() {
        let m = Metrics::new(true, Arc::new(ManualClock::new()));
        let stats = Statistics {
            patients: 1,
            studies: 2,
            series: 3,
            instances: 5,
            disk_size: 3 << 19,
            uncompressed_size: 3 << 19,
            last_change: 9,
        };
        let mut jobs = BTreeMap::new();
        for (st, n) in [
            (JobState::Pending, 1),
            (JobState::Retry, 2),
            (JobState::Running, 3),
            (JobState::Paused, 4),
            (JobState::Success, 5),
            (JobState::Failure, 6),
        ] {
            jobs.insert(("Sleep".to_string(), st), n);
        }
        let text = m.render(&inputs_with(&stats, &jobs));
        let v = |n| line(&text, n).unwrap_or_else(|| panic!("{n} missing from\n{text}"));
        assert_eq!(v("orthanc_count_instances"), "5");
        assert_eq!(v("orthanc_count_series"), "3");
        assert_eq!(v("orthanc_disk_size_mb"), "1.5");
        assert_eq!(v("orthanc_uncompressed_size_mb"), "1.5");
        assert_eq!(v("orthanc_last_change"), "9");
        assert_eq!(v("orthanc_jobs_pending"), "3");
        assert_eq!(v("orthanc_jobs_running"), "7");
        assert_eq!(v("orthanc_jobs_success"), "5");
        assert_eq!(v("orthanc_jobs_failed"), "6");
        assert_eq!(v("orthanc_jobs_completed"), "11");
        assert!(text.contains("dicomq_jobs{type=\"Sleep\",state=\"Retry\"} 2\n"));
        assert!(text.contains(&format!(
            "dicomq_build_info{{version=\"{}\"}} 1\n",
            env!("CARGO_PKG_VERSION")
        )));
        // No up time inline, no durations before any operation.
        assert!(line(&text, "orthanc_up_time_s").is_none());
        assert!(!text.contains("duration_ms"));
        // Every family has its HELP and TYPE, and families are sorted.
        let names: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# TYPE "))
            .map(|l| l.split(' ').next().unwrap_or(""))
            .collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        for n in names {
            assert!(text.contains(&format!("# HELP {n} ")), "{n}");
        }
    }

    #[test]
    fn durations_appear_then_decay() {
        let clock = ManualClock::new();
        let m = Metrics::new(true, Arc::new(clock.clone()));
        let stats = Statistics::default();
        let jobs = BTreeMap::new();
        m.observe(Timed::StorageCreate, Duration::from_micros(2500));
        let text = m.render(&inputs_with(&stats, &jobs));
        assert_eq!(
            line(&text, "orthanc_storage_create_duration_ms"),
            Some("2.5")
        );
        assert!(line(&text, "orthanc_storage_read_duration_ms").is_none());
        clock.advance(Duration::from_secs(10));
        let text = m.render(&inputs_with(&stats, &jobs));
        assert_eq!(line(&text, "orthanc_storage_create_duration_ms"), Some("0"));
    }

    #[test]
    fn serving_exports_up_time_and_counters_from_zero() {
        let clock = ManualClock::new();
        let m = Metrics::new(true, Arc::new(clock.clone()));
        clock.advance(Duration::from_secs(5));
        let (stats, jobs) = (Statistics::default(), BTreeMap::new());
        let text = m.render(&inputs_with(&stats, &jobs));
        assert!(
            line(&text, "orthanc_storage_read_bytes").is_none(),
            "{text}"
        );
        m.start_serving();
        clock.advance(Duration::from_millis(61_900));
        let text = m.render(&inputs_with(&stats, &jobs));
        assert_eq!(line(&text, "orthanc_up_time_s"), Some("61"));
        assert_eq!(line(&text, "orthanc_storage_read_bytes"), Some("0"));
        assert_eq!(line(&text, "orthanc_storage_written_bytes"), Some("0"));
    }

    /// As Orthanc: disabled means nothing recorded and an empty text; re-enabling shows the
    /// values kept before.
    #[test]
    fn disabled_is_empty_and_records_nothing() {
        let m = Metrics::new(true, Arc::new(ManualClock::new()));
        let (stats, jobs) = (Statistics::default(), BTreeMap::new());
        m.add_written_bytes(10);
        m.set_enabled(false);
        assert_eq!(m.render(&inputs_with(&stats, &jobs)), "");
        m.add_written_bytes(5);
        m.observe(Timed::StoreDicom, Duration::from_millis(3));
        drop(m.timer(Timed::StorageRead));
        m.set_enabled(true);
        let text = m.render(&inputs_with(&stats, &jobs));
        assert_eq!(line(&text, "orthanc_storage_written_bytes"), Some("10"));
        assert!(!text.contains("duration_ms"), "{text}");
    }
}
