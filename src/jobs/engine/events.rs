//! Job events for the changes log (`GET /changes`: `JobSubmitted`, `JobSuccess`,
//! `JobFailure`): decided when a batch commits, handed to the sink the Node installs (the
//! index's log) by the timer thread and before any read of the log, in commit order.

use std::sync::{Mutex, OnceLock};

use super::super::model::JobRecord;
use super::super::state::JobState;
use crate::error::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobChange {
    Submitted,
    Success,
    Failure,
}

/// Where the events go; called with events in commit order, one call at a time.
pub type EventSink = Box<dyn Fn(&[(JobChange, String)]) -> Result<()> + Send + Sync>;

#[derive(Default)]
pub(super) struct EventLog {
    queue: Mutex<Vec<(JobChange, String)>>,
    /// Held while a batch of events is written, so batches reach the sink in order.
    flushing: Mutex<()>,
    sink: OnceLock<EventSink>,
}

/// The events a committed change of one job makes: its first write is its submission; reaching
/// Success or Failure is its end (a resubmitted job that fails again ends again).
pub(super) fn events_of(
    old: Option<&JobRecord>,
    new: Option<&JobRecord>,
) -> impl Iterator<Item = JobChange> {
    let submitted = old.is_none() && new.is_some();
    let ended = new.and_then(|n| {
        let was = old.map(|o| o.state);
        match n.state {
            JobState::Success if was != Some(JobState::Success) => Some(JobChange::Success),
            JobState::Failure if was != Some(JobState::Failure) => Some(JobChange::Failure),
            _ => None,
        }
    });
    submitted
        .then_some(JobChange::Submitted)
        .into_iter()
        .chain(ended)
}

impl EventLog {
    pub(super) fn set_sink(&self, sink: EventSink) {
        if self.sink.set(sink).is_err() {
            tracing::warn!("the job event sink was already set");
        }
    }

    /// Queues events of a committed batch (nothing without a sink: nobody would take them).
    pub(super) fn push(&self, events: impl IntoIterator<Item = (JobChange, String)>) {
        if self.sink.get().is_none() {
            return;
        }
        self.queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(events);
    }

    /// Hands the queued events to the sink. A failed write is logged and its events dropped:
    /// the log is a notification, the jobs themselves are durable in the job store.
    pub(super) fn flush(&self) {
        let Some(sink) = self.sink.get() else {
            return;
        };
        let _order = self.flushing.lock().unwrap_or_else(|e| e.into_inner());
        let events = std::mem::take(&mut *self.queue.lock().unwrap_or_else(|e| e.into_inner()));
        if events.is_empty() {
            return;
        }
        if let Err(e) = sink(&events) {
            tracing::warn!(
                "cannot log {} job events in the changes log: {e}",
                events.len()
            );
        }
    }
}
