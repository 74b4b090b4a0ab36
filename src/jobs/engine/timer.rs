//! The timer thread: retry backoff (Retry jobs go back to Pending when due), and the
//! one-second durability of lazy checkpoints.

use std::sync::Arc;
use std::time::Duration;

use super::super::model::{JobRecord, now_us};
use super::super::state::{Event, JobState, advance};
use super::{JobsEngine, LEASE_RENEWAL, PROBE, TICK};
use crate::persist::job_store::Durability;

impl JobsEngine {
    /// Retry backoff, and the durability of lazy checkpoints.
    pub(super) fn timer_loop(self: Arc<Self>) {
        let mut renewed = std::time::Instant::now();
        let mut probed = std::time::Instant::now();
        loop {
            let mut g = self.lock();
            if g.stopping {
                return;
            }
            let now = now_us();
            let due: Vec<JobRecord> = g
                .jobs
                .values()
                .filter(|r| r.state == JobState::Retry && r.next_retry_us.is_some_and(|t| t <= now))
                .filter_map(|r| g.latest(&r.id))
                .filter(|r| r.state == JobState::Retry)
                .cloned()
                .collect();
            if !due.is_empty() {
                let mut puts = Vec::new();
                for mut r in due {
                    match advance(r.state, Event::RetryDue) {
                        Ok(to) => {
                            r.state = to;
                            r.next_retry_us = None;
                            r.last_change_us = now;
                            puts.push(r);
                        }
                        Err(e) => tracing::error!("{}", e.message(&r.id)),
                    }
                }
                let (ticket, _) = self.stage(&mut g, puts, Vec::new(), Durability::StateChange);
                self.work.notify_all();
                let (back, committed) = self.settle(g, &ticket);
                g = back;
                if let Err(e) = committed {
                    tracing::error!("cannot requeue retried jobs: {e}");
                }
            }
            g = self.commit_if_idle(g);
            let next = g
                .jobs
                .values()
                .filter(|r| r.state == JobState::Retry)
                .filter_map(|r| r.next_retry_us)
                .min();
            let wait = next
                .map(|t| Duration::from_micros((t - now).clamp(1_000, 100_000) as u64))
                .unwrap_or(TICK);
            drop(
                self.timer
                    .wait_timeout(g, wait)
                    .unwrap_or_else(|e| e.into_inner())
                    .0,
            );
            if self.lock().broken.is_some() {
                return;
            }
            self.events.flush();
            if let Err(e) = self.store.flush_if_stale() {
                tracing::error!("cannot flush job checkpoints: {e}");
            }
            if self.shared && probed.elapsed() >= PROBE {
                // A job whose daemon died is in no one's Pending view: ask the store.
                probed = std::time::Instant::now();
                let mut g = self.lock();
                g.probe = true;
                g.claim_dry = false;
                self.work.notify_one();
            }
            if renewed.elapsed() >= LEASE_RENEWAL {
                renewed = std::time::Instant::now();
                self.renew_leases();
            }
        }
    }
}
