//! Start-up recovery of the jobs a stopped or killed daemon left in flight.

use super::super::model::{CANCELED_JOB, now_us};
use super::super::state::{Event, Flags, JobState, advance};
use super::{JobsEngine, refused, restart};
use crate::error::Result;
use crate::persist::job_store::Durability;

impl JobsEngine {
    /// Start-up recovery: Running and Retry jobs go back to Pending (from their
    /// checkpoint, or from step 0 if their kind is not resumable); a Running job whose pause or
    /// cancel was acknowledged becomes Paused or is canceled; Paused stay Paused; the history is
    /// trimmed to `JobsHistorySize`. One durable transaction.
    ///
    /// On a store other daemons share, Running and Retry jobs are left alone: they may be
    /// another daemon's, and a job whose daemon died is claimed again once its lease ran out
    /// (with its checkpoint and its acknowledged pause or cancel); any daemon's timer requeues
    /// Retry jobs when due.
    pub fn recover(&self) -> Result<()> {
        let mut g = self.lock();
        let now = now_us();
        let mut puts = Vec::new();
        let mut canceled = Vec::new();
        for r in g.jobs.values().filter(|_| !self.shared) {
            if !matches!(r.state, JobState::Running | JobState::Retry) {
                continue;
            }
            let mut new = r.clone();
            new.running_since = None;
            new.next_retry_us = None;
            new.last_change_us = now;
            if r.state == JobState::Running && r.flags.cancel {
                canceled.push(new);
                continue;
            }
            if r.state == JobState::Running && r.flags.pause {
                new.state = JobState::Paused;
            } else {
                new.state = advance(r.state, Event::Recover).map_err(|e| refused(&r.id, e))?;
                if let Some(kind) = self.kinds.get(r.type_name.as_str())
                    && !kind.resumable()
                {
                    restart(kind.as_ref(), &mut new)?;
                }
            }
            new.flags = Flags::default();
            puts.push(new);
        }
        // Trim the history (oldest completions first).
        let keep = self.config.history_size;
        let excess = g.history.len().saturating_sub(keep);
        let deletes: Vec<String> = g.history.values().take(excess).cloned().collect();
        let (mut ticket, mut discard) = self.stage(&mut g, puts, deletes, Durability::StateChange);
        for mut r in canceled {
            r.state = JobState::Running; // what `complete` expects
            r.flags = Flags::default();
            let (t, d) = self.complete(&mut g, r, Event::CancelAtBoundary, CANCELED_JOB, None)?;
            ticket = t;
            discard.extend(d);
        }
        let (g, committed) = self.settle(g, &ticket);
        committed?;
        self.work.notify_all();
        drop(g);
        self.discard(discard);
        Ok(())
    }
}
