//! What `dicomq status` asks of a Node: counters it already keeps (the index's statistics, the
//! engine's job table in memory), never a scan of the store or of the job records.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Node;
use crate::error::Result;
use crate::jobs::JobState;
use crate::store::index::Statistics;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeStatus {
    /// Jobs by state (Orthanc's names), every state present.
    pub jobs: BTreeMap<String, u64>,
    pub store: Statistics,
    /// Bytes an unprivileged writer may still use on the data home's file system.
    pub free_bytes: Option<u64>,
    pub metrics_enabled: bool,
    /// Served by a daemon: whether it runs jobs (false with `--no-jobs`); None inline.
    pub jobs_enabled: Option<bool>,
}

impl Node {
    pub fn status(&self) -> Result<NodeStatus> {
        let mut jobs: BTreeMap<String, u64> = JobState::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), 0))
            .collect();
        for ((_, state), n) in self.jobs.counts() {
            *jobs.entry(state.as_str().to_string()).or_insert(0) += n;
        }
        Ok(NodeStatus {
            jobs,
            store: self.statistics()?,
            free_bytes: crate::store::reserve::available_bytes(self.home.root()),
            metrics_enabled: self.metrics.is_enabled(),
            jobs_enabled: self.served.get().copied(),
        })
    }
}
