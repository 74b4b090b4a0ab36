//! `run_only`: an inline command drives the one job it submitted in the calling thread, as a
//! worker would (same steps, same commits, same pause/cancel/retry handling), and never starts
//! another job: other Pending jobs of the home stay Pending for the daemon.
//!
//! On a store other daemons share, the job is claimed by its ID with a lease this loop renews
//! (`JobStore::claim_job`); if a daemon claimed it first, the command waits for that daemon
//! to run it. Either way no other job is run by an inline command.

use std::time::{Duration, Instant};

use super::super::model::{JobInfo, now_us};
use super::super::state::{Event, JobState, advance};
use super::cache::runs_here;
use super::worker::{COMMIT_RETRY, INLINE, Step};
use super::{JobsEngine, LEASE_RENEWAL, TICK};
use crate::error::{Error, Result};
use crate::persist::job_store::Durability;

impl JobsEngine {
    /// Runs job `id_or_prefix` (Pending, Running after a recovery, or Retry) until it is Success
    /// or Failure, or until `timeout` (then answers the job as it is: the caller checks `State`).
    /// `watch` sees the committed job about ten times a second and once at the end. Needs no
    /// workers, and is refused while they run (two threads would step the same job); a Paused
    /// job waits for a resume from another thread.
    pub fn run_only(
        &self,
        id_or_prefix: &str,
        timeout: Option<Duration>,
        watch: &mut dyn FnMut(&JobInfo),
    ) -> Result<JobInfo> {
        if !self
            .threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
        {
            return Err(Error::Internal(
                "run_only is for inline commands: the workers run".into(),
            ));
        }
        let deadline = timeout.map(|t| Instant::now() + t);
        let id = self.find(id_or_prefix)?;
        let mut watched = Instant::now();
        let mut committed_at = Instant::now();
        let mut renewed = Instant::now();
        loop {
            if let Some(e) = self.broken() {
                return Err(e);
            }
            // The committed job is looked at on every step, but its `JobInfo` (Content
            // cloned, times formatted) is built only when someone sees it.
            let (latest, committed) = {
                let g = self.lock();
                if g.stopping {
                    return Err(Error::Busy(format!(
                        "the jobs engine stopped while job {id} ran"
                    )));
                }
                (
                    g.latest(&id).map(|r| r.state),
                    g.jobs.get(&id).map(|r| r.state),
                )
            };
            let Some(committed) = committed else {
                return Err(Error::NotFound { what: "job", id });
            };
            let over = deadline.is_some_and(|d| Instant::now() >= d);
            if committed.is_finished() || over || watched.elapsed() >= TICK {
                let info = self.info(&id)?;
                watch(&info);
                if info.state.is_finished() || over {
                    return Ok(info);
                }
                watched = Instant::now();
            }
            let ours = self.shared && self.lock().latest(&id).is_some_and(runs_here);
            match latest {
                Some(JobState::Pending) if self.shared => self.claim_only(&id),
                Some(JobState::Pending) => self.start_only(&id),
                // Another daemon runs it: its changes reach this view.
                Some(JobState::Running) if self.shared && !ours => self.wait_change(TICK),
                Some(JobState::Running) => self.step_only(&id)?,
                Some(JobState::Retry) => self.requeue_if_due(&id),
                // Paused, or a change not committed yet: wait for the next commit.
                _ => self.wait_change(TICK),
            }
            // No timer thread inline: its part is done here (staged checkpoints committed
            // about every `TICK`, so `watch` sees progress; durable within a second).
            if committed_at.elapsed() >= TICK {
                drop(self.commit_if_idle(self.lock()));
                committed_at = Instant::now();
            }
            if let Err(e) = self.store.flush_if_stale() {
                tracing::error!("cannot flush job checkpoints: {e}");
            }
            if self.shared && renewed.elapsed() >= LEASE_RENEWAL {
                renewed = Instant::now();
                self.renew_leases();
            }
        }
    }

    /// Shared store: claims the job by its ID (Pending → Running, leased to this process).
    /// When a daemon claimed it first, reads it again (that daemon runs it).
    fn claim_only(&self, id: &str) {
        let lease = self.lease(&self.lock());
        match self.store.claim_job(id, &lease) {
            Ok(Some(rec)) => {
                let mut g = self.lock();
                g.lease_owners.insert(rec.id.clone(), lease.owner);
                self.take_claimed(&mut g, INLINE, rec, Instant::now());
                g.assigned.remove(&INLINE);
                self.changed.notify_all();
            }
            Ok(None) => {
                self.refresh(&[id.to_string()]);
                self.wait_change(TICK);
            }
            Err(e) => {
                tracing::error!("cannot start job {id}: {e}");
                self.lock().lease_generation += 1;
                std::thread::sleep(COMMIT_RETRY);
            }
        }
    }

    /// Stages and commits the start of the job (Pending → Running).
    fn start_only(&self, id: &str) {
        let mut g = self.lock();
        if g.latest(id).map(|r| r.state) != Some(JobState::Pending) {
            return;
        }
        let ticket = match self.start(&mut g, id) {
            Ok(t) => t,
            Err(e) => {
                tracing::error!("cannot start job {id}: {e}");
                drop(g);
                std::thread::sleep(COMMIT_RETRY);
                return;
            }
        };
        let (g, committed) = self.settle(g, &ticket);
        drop(g);
        if let Err(e) = committed {
            tracing::error!("cannot start job {id}: {e}");
            std::thread::sleep(COMMIT_RETRY);
        }
    }

    /// One step boundary and one step of a Running job; a state it leaves Running for is
    /// committed before this returns.
    fn step_only(&self, id: &str) -> Result<()> {
        match self.run_once(INLINE, id) {
            Ok(Step::Continue) => Ok(()),
            // Not Running in the latest view: the loop looks again.
            Ok(Step::Stop) => {
                self.wait_change(Duration::from_millis(1));
                Ok(())
            }
            Ok(Step::Left {
                ticket, discard, ..
            }) => {
                let committed = {
                    let g = self.lock();
                    self.settle(g, &ticket).1
                };
                match committed {
                    Ok(()) => self.discard(discard),
                    // Memory is back to the committed state (Running): the loop runs it again.
                    Err(e) => {
                        tracing::error!("job {id}: {e}");
                        std::thread::sleep(COMMIT_RETRY);
                    }
                }
                Ok(())
            }
            Err(e) => {
                tracing::error!("job {id}: {e}");
                std::thread::sleep(COMMIT_RETRY);
                Ok(())
            }
        }
    }

    /// The timer's work for this one job: Retry → Pending once its backoff is over.
    fn requeue_if_due(&self, id: &str) {
        let mut g = self.lock();
        let Some(mut r) = g.latest(id).cloned() else {
            return;
        };
        let now = now_us();
        let due = r.next_retry_us.unwrap_or(now);
        if r.state != JobState::Retry || due > now {
            let wait = Duration::from_micros((due - now).clamp(1_000, 100_000) as u64);
            drop(g);
            std::thread::sleep(wait);
            return;
        }
        match advance(r.state, Event::RetryDue) {
            Ok(to) => {
                r.state = to;
                r.next_retry_us = None;
                r.last_change_us = now;
            }
            Err(e) => {
                tracing::error!("{}", e.message(id));
                return;
            }
        }
        let (ticket, _) = self.stage(&mut g, vec![r], Vec::new(), Durability::StateChange);
        if let (_, Err(e)) = self.settle(g, &ticket) {
            tracing::error!("cannot requeue retried job {id}: {e}");
        }
    }

    /// Waits for the next commit (or `at_most`), committing the open batch first if no one does.
    fn wait_change(&self, at_most: Duration) {
        let g = self.commit_if_idle(self.lock());
        drop(
            self.changed
                .wait_timeout(g, at_most)
                .unwrap_or_else(|e| e.into_inner())
                .0,
        );
    }
}
