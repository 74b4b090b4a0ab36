//! Workers: each asks the job store for the next job (`JobStore::apply_and_claim`, in the
//! engine's group commit), drives it step by step, and asks for its next job in the commit that
//! records "this job left Running", so both share one transaction.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::super::batch::Ticket;
use super::super::kind::{StepContext, StepOutcome};
use super::super::model::{CANCELED_JOB, INTERNAL_ERROR, JobRecord, now_us};
use super::super::state::{Event, Flags, JobState, advance, boundary};
use super::cache::{Inner, Slot, runs_here};
use super::{JobsEngine, TICK, refused};
use crate::error::{Error, Result};
use crate::persist::job_store::Durability;

/// How long a worker waits before retrying after a failed commit.
pub(super) const COMMIT_RETRY: Duration = Duration::from_millis(100);

/// The slot number of `run_only`'s caller: it has no worker slot and never starts another job.
pub(super) const INLINE: usize = usize::MAX;

/// Where a step boundary left a job.
pub(super) enum Step {
    /// Still Running here; the next step may run.
    Continue,
    /// Not this worker's to run any more (gone, not Running, or the engine stops).
    Stop,
    /// It left Running in `ticket`'s batch, which may also claim this worker's next job.
    Left {
        ticket: Ticket,
        discard: Vec<JobRecord>,
    },
}

impl JobsEngine {
    pub(super) fn worker_loop(self: Arc<Self>, n: usize) {
        // Jobs claimed for this worker, to drive in order (two at most: see `drive`).
        let mut mine: VecDeque<String> = VecDeque::new();
        loop {
            let id = match mine.pop_front() {
                Some(id) => id,
                None => match self.claim_next(n) {
                    Some(id) => id,
                    None => return,
                },
            };
            self.drive(n, &id, &mut mine);
        }
    }

    /// Waits until the latest view has a Pending job nobody asked for, asks the store for one
    /// in the next commit, and returns what it gave this worker. `None`: the engine stops.
    fn claim_next(&self, n: usize) -> Option<String> {
        let mut g = self.lock();
        loop {
            if g.stopping {
                return None;
            }
            if self.claimable(&g) {
                let ticket = self.ask_claim(&mut g, n);
                let (back, committed) = self.settle_worker(g, &ticket);
                g = back;
                match committed {
                    Ok(()) => {
                        if let Some(id) = g.assigned.remove(&n) {
                            return Some(id);
                        }
                        // Another worker's claim took it: wait for the next one.
                    }
                    Err(e) => {
                        tracing::error!("cannot claim a job: {e}");
                        drop(g);
                        std::thread::sleep(COMMIT_RETRY);
                        g = self.lock();
                        continue;
                    }
                }
            }
            g = self
                .work
                .wait_timeout(g, TICK)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Whether the latest view holds more Pending jobs than claims already asked for (the
    /// cache only says when to ask; the store says which job).
    /// On a shared store, not after claims came back short until there is news, and once per
    /// `PROBE` even with nothing Pending in view (expired leases).
    fn claimable(&self, g: &Inner) -> bool {
        let asked = g.open.claims.len() + g.claims_in_flight;
        if self.shared && g.claim_dry {
            return false;
        }
        g.pending.len() > asked || (g.probe && asked == 0)
    }

    /// Asks for a job for worker `n` in the open batch; returns the batch's ticket.
    fn ask_claim(&self, g: &mut Inner, n: usize) -> Ticket {
        g.open.claims.push(n);
        g.open.durable = true;
        if let Some(slot) = g.slots.get_mut(n) {
            *slot = Slot::Waiting(g.open.no);
        }
        g.open.ticket()
    }

    /// Stages the start of a job the caller picked (inline: the one job a command runs).
    pub(super) fn start(&self, g: &mut Inner, id: &str) -> Result<Ticket> {
        let Some(cur) = g.latest(id).cloned() else {
            return Err(Error::Internal(format!("pending job {id} has no record")));
        };
        let mut new = cur;
        new.state = advance(new.state, Event::Start).map_err(|e| refused(id, e))?;
        new.error_code = 0;
        new.error_details.clear();
        new.flags = Flags::default();
        new.last_change_us = now_us();
        new.running_since = Some(Instant::now());
        Ok(self
            .stage(g, vec![new], Vec::new(), Durability::StateChange)
            .0)
    }

    /// Runs a Running job (its claim committed) step by step until it leaves Running or the
    /// engine stops. Queues in `mine` the next job if the commit of its end claimed one for
    /// this worker.
    fn drive(&self, n: usize, id: &str, mine: &mut VecDeque<String>) {
        loop {
            match self.run_once(n, id) {
                Ok(Step::Continue) => continue,
                Ok(Step::Stop) => {
                    self.set_slot(n, Slot::Idle);
                    return;
                }
                Ok(Step::Left { ticket, discard }) => {
                    let (mut g, committed) = {
                        let g = self.lock();
                        self.settle_worker(g, &ticket)
                    };
                    match committed {
                        Ok(()) => {
                            mine.extend(g.assigned.remove(&n));
                            // Its end lost to a conflict with a change of its own that did
                            // commit (`take_conflicts`): still Running here, from that change.
                            let again = g.adopted.remove(id) && g.latest(id).is_some_and(runs_here);
                            drop(g);
                            if again {
                                // Its own outputs go on with it.
                                self.discard(discard.into_iter().filter(|r| r.id != id).collect());
                                continue;
                            }
                            self.discard(discard);
                            return;
                        }
                        // Memory is back to the committed state (Running): run it again,
                        // unless the engine stops (a broken database is never retried).
                        Err(e) => {
                            drop(g);
                            tracing::error!("job {id}: {e}");
                            if self.lock().stopping {
                                self.set_slot(n, Slot::Idle);
                                return;
                            }
                            std::thread::sleep(COMMIT_RETRY);
                        }
                    }
                }
                Err(e) => {
                    tracing::error!("job {id}: {e}");
                    std::thread::sleep(COMMIT_RETRY);
                    if self.lock().stopping {
                        return;
                    }
                }
            }
        }
    }

    fn set_slot(&self, n: usize, to: Slot) {
        if let Some(slot) = self.lock().slots.get_mut(n) {
            *slot = to;
        }
        self.stepped.notify_all();
    }

    /// The job left Running in `ticket`'s batch: ask for this worker's next job in the same
    /// commit, if there may be one.
    fn leave(&self, g: &mut Inner, n: usize, ticket: Ticket, discard: Vec<JobRecord>) -> Step {
        if let Some(slot) = g.slots.get_mut(n) {
            *slot = Slot::Idle;
        }
        self.stepped.notify_all();
        if !g.stopping && n != INLINE && ticket.no == g.open.no && self.claimable(g) {
            self.ask_claim(g, n);
        }
        Step::Left { ticket, discard }
    }

    /// One step boundary and one step.
    pub(super) fn run_once(&self, n: usize, id: &str) -> Result<Step> {
        let mut g = self.lock();
        g.adopted.remove(id);
        if g.lost.remove(id) {
            return Ok(Step::Stop);
        }
        let Some(rec) = g.latest(id).cloned() else {
            return Ok(Step::Stop);
        };
        // Running elsewhere (a shared store): not this worker's.
        if rec.state != JobState::Running || (self.shared && rec.running_since.is_none()) {
            return Ok(Step::Stop);
        }
        let kind = match self.kind(&rec.type_name) {
            Ok(k) => k,
            Err(e) => {
                let (t, d) = self.complete(
                    &mut g,
                    rec,
                    Event::Fail,
                    INTERNAL_ERROR,
                    Some(e.to_string()),
                )?;
                return Ok(self.leave(&mut g, n, t, d));
            }
        };
        if let Some(ev) = boundary(rec.flags) {
            let (t, d) = if ev == Event::CancelAtBoundary {
                self.complete(&mut g, rec, ev, CANCELED_JOB, None)?
            } else {
                let mut new = rec;
                new.state = advance(new.state, ev).map_err(|e| refused(id, e))?;
                new.fold_runtime(false);
                new.flags = Flags::default();
                new.last_change_us = now_us();
                self.stage(&mut g, vec![new], Vec::new(), Durability::StateChange)
            };
            return Ok(self.leave(&mut g, n, t, d));
        }
        if g.stopping {
            // Stays Running in the database with its last checkpoint: `recover` resumes it.
            return Ok(Step::Stop);
        }
        if rec.position >= rec.steps {
            let (t, d) = self.complete(&mut g, rec, Event::Succeed, 0, None)?;
            return Ok(self.leave(&mut g, n, t, d));
        }
        let mut ctx = StepContext {
            job_id: rec.id.clone(),
            params: rec.params.clone(),
            position: rec.position,
            steps: rec.steps,
            checkpoint: rec.checkpoint.clone(),
            content: rec.content.clone(),
            progress: None,
        };
        if let Some(slot) = g.slots.get_mut(n) {
            *slot = Slot::Stepping(Instant::now());
        }
        drop(g);

        let outcome = catch_unwind(AssertUnwindSafe(|| kind.step(&mut ctx))).unwrap_or_else(|p| {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".into());
            StepOutcome::Fail {
                code: INTERNAL_ERROR,
                details: format!("step {} panicked: {msg}", ctx.position),
            }
        });

        if matches!(outcome, StepOutcome::Fail { .. }) {
            // A failed job keeps no output: freeing it first lets its failure be saved on the
            // disk that output filled.
            kind.discard_outputs(&rec);
        }
        let mut g = self.lock();
        if let Some(slot) = g.slots.get_mut(n) {
            *slot = Slot::Idle;
        }
        self.stepped.notify_all();
        let Some(mut new) = g.latest(id).cloned() else {
            return Ok(Step::Stop);
        };
        // Taken over by another daemon during the step (its lease ran out): not ours to end.
        if new.state != JobState::Running || g.lost.remove(id) {
            return Ok(Step::Stop);
        }
        let progress = |pos: u64, steps: u64| {
            if steps == 0 {
                1.0
            } else {
                pos as f64 / steps as f64
            }
        };
        let (t, d) = match outcome {
            StepOutcome::Continue => {
                new.position = ctx.position + 1;
                new.progress = ctx
                    .progress
                    .unwrap_or_else(|| progress(new.position, new.steps));
                new.checkpoint = ctx.checkpoint;
                new.content = ctx.content;
                new.retry_count = 0;
                if new.position >= new.steps {
                    self.succeed_unless_canceled(&mut g, new)?
                } else {
                    new.state = advance(new.state, Event::Step).map_err(|e| refused(id, e))?;
                    new.fold_runtime(true);
                    // Rides with the next commit, or the timer's within `TICK`: a transaction
                    // per step would cost more than most steps (and delay durable commits).
                    self.stage(&mut g, vec![new], Vec::new(), Durability::Checkpoint);
                    drop(g);
                    return Ok(Step::Continue);
                }
            }
            StepOutcome::Done => {
                new.position = new.steps.max(ctx.position + 1);
                new.checkpoint = ctx.checkpoint;
                new.content = ctx.content;
                self.succeed_unless_canceled(&mut g, new)?
            }
            StepOutcome::Fail { code, details } => {
                new.checkpoint = ctx.checkpoint;
                new.content = ctx.content;
                self.complete(&mut g, new, Event::Fail, code, Some(details))?
            }
            StepOutcome::Retry(reason) => {
                let max = kind.max_retries();
                if new.retry_count >= max {
                    let details = format!("{reason} (gave up after {max} retries)");
                    self.complete(&mut g, new, Event::Fail, INTERNAL_ERROR, Some(details))?
                } else {
                    let delay = kind.retry_delay(new.retry_count);
                    new.state =
                        advance(new.state, Event::RetryLater).map_err(|e| refused(id, e))?;
                    new.fold_runtime(false);
                    new.retry_count += 1;
                    new.error_details = reason;
                    new.last_change_us = now_us();
                    new.next_retry_us = Some(new.last_change_us + delay.as_micros() as i64);
                    let staged = self.stage(&mut g, vec![new], Vec::new(), Durability::StateChange);
                    self.timer.notify_all();
                    staged
                }
            }
        };
        Ok(self.leave(&mut g, n, t, d))
    }

    /// The last step is done: Success, unless a cancel was accepted while it ran. The user was
    /// told the cancel took; the job ends canceled (and its output is discarded) rather than
    /// breaking that answer. A pause requested meanwhile has nothing left to pause.
    fn succeed_unless_canceled(
        &self,
        g: &mut Inner,
        new: JobRecord,
    ) -> Result<(Ticket, Vec<JobRecord>)> {
        if boundary(new.flags) == Some(Event::CancelAtBoundary) {
            self.complete(g, new, Event::CancelAtBoundary, CANCELED_JOB, None)
        } else {
            self.complete(g, new, Event::Succeed, 0, None)
        }
    }
}
