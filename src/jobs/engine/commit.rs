//! Group commit: staging changes into the open batch, settling a ticket (leading the commit if
//! no one does), and completing a job with the history eviction it causes. See `mod.rs`.

use std::time::Instant;

use super::super::batch::{Batch, Ticket};
use super::super::model::{JobRecord, now_us};
use super::super::state::{Event, Flags, JobState, advance};
use super::cache::{Broken, Inner, Slot, Staged, runs_here};
use super::events::events_of;
use super::{COMMIT_DELAY, JobsEngine, SUBMITS_RECENT, WORKER_PATIENCE, refused};
use crate::error::Result;
use crate::persist::job_store::{Applied, Change, Durability, Lease};
use std::sync::MutexGuard;

impl JobsEngine {
    /// Stages `puts` and `deletes` in the open batch and in the latest view. Returns the batch's
    /// ticket and the deleted records (whose outputs go once the ticket commits).
    pub(super) fn stage(
        &self,
        g: &mut Inner,
        puts: Vec<JobRecord>,
        deletes: Vec<String>,
        mode: Durability,
    ) -> (Ticket, Vec<JobRecord>) {
        let mut removed = Vec::new();
        if puts.is_empty() && deletes.is_empty() {
            return (Ticket::done(), removed);
        }
        let no = g.open.no;
        let note = |g: &mut Inner, id: &str| {
            if g.staged.get(id).map(|s| s.batch) != Some(no) {
                g.open.ids.push(id.to_string());
            }
        };
        for d in deletes {
            let Some(old) = g.latest(&d).cloned() else {
                continue;
            };
            g.unindex(&old);
            note(g, &d);
            g.staged.insert(
                d,
                Staged {
                    batch: no,
                    rec: None,
                },
            );
            removed.push(old);
        }
        for p in puts {
            match g.latest(&p.id).cloned() {
                Some(old) => g.unindex(&old),
                None => g.last_submit = Some(Instant::now()),
            }
            if p.state == JobState::Pending {
                g.claim_dry = false;
            }
            g.index(&p);
            note(g, &p.id);
            g.staged.insert(
                p.id.clone(),
                Staged {
                    batch: no,
                    rec: Some(p),
                },
            );
        }
        if mode == Durability::StateChange {
            g.open.durable = true;
        }
        (g.open.ticket(), removed)
    }

    /// Waits until `ticket`'s batch is committed or dropped, committing it as the leader if no
    /// commit is running. Returns the lock again with the outcome.
    pub(super) fn settle<'a>(
        &'a self,
        mut g: MutexGuard<'a, Inner>,
        ticket: &Ticket,
    ) -> (MutexGuard<'a, Inner>, Result<()>) {
        loop {
            if let Some(result) = ticket.result() {
                return (g, result);
            }
            if g.committing.is_none() {
                g = self.commit_open(g);
            } else {
                g = ticket.wait(g);
            }
        }
    }

    /// A worker's `settle`. While clients are submitting, a worker leaves the leading to them
    /// for up to `WORKER_PATIENCE`: its change then rides with the next submit's commit instead
    /// of taking a flush of its own that the next submit would have to wait behind.
    pub(super) fn settle_worker<'a>(
        &'a self,
        mut g: MutexGuard<'a, Inner>,
        ticket: &Ticket,
    ) -> (MutexGuard<'a, Inner>, Result<()>) {
        let until = Instant::now() + WORKER_PATIENCE;
        loop {
            if let Some(result) = ticket.result() {
                return (g, result);
            }
            let now = Instant::now();
            let submitting = g
                .last_submit
                .is_some_and(|t| now.saturating_duration_since(t) < SUBMITS_RECENT);
            if !submitting || now >= until || g.stopping {
                return self.settle(g, ticket);
            }
            // On the engine's condition variable, not the batch's: the one caller of the next
            // batch a commit's end wakes must be one who leads.
            g = self
                .committed
                .wait_timeout(g, until - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Commits the open batch now if no commit is running (lazy checkpoints).
    pub(super) fn commit_if_idle<'a>(&'a self, g: MutexGuard<'a, Inner>) -> MutexGuard<'a, Inner> {
        if g.committing.is_none() && !g.open.ids.is_empty() {
            self.commit_open(g)
        } else {
            g
        }
    }

    /// The leader's work: takes the open batch, commits it with the lock released, then makes
    /// it visible (or, on failure, drops it and the batch staged on top of it).
    pub(super) fn commit_open<'a>(&'a self, mut g: MutexGuard<'a, Inner>) -> MutexGuard<'a, Inner> {
        if let Some(b) = &g.broken {
            // Never retried on a dead handle: the batch fails at once.
            let message = b.message.clone();
            let next = Batch::new(g.open.no + 1);
            let batch = std::mem::replace(&mut g.open, next);
            g.staged.clear();
            g.reindex();
            batch.resolve(Err(message));
            self.committed.notify_all();
            self.changed.notify_all();
            return g;
        }
        if g.open.durable && !carries_submit(&g) {
            // Nobody else leads meanwhile; changes staged meanwhile join this batch. A submit's
            // client is waiting for its answer: it does not wait for workers' steps.
            g.committing = Some(g.open.ticket());
            loop {
                let until = g
                    .slots
                    .iter()
                    .filter_map(|s| match s {
                        Slot::Stepping(t) => Some(*t + COMMIT_DELAY),
                        _ => None,
                    })
                    .max();
                let now = Instant::now();
                match until {
                    Some(u) if u > now => {
                        g = self
                            .stepped
                            .wait_timeout(g, u - now)
                            .unwrap_or_else(|e| e.into_inner())
                            .0;
                    }
                    _ => break,
                }
            }
        }
        let next = Batch::new(g.open.no + 1);
        let batch = std::mem::replace(&mut g.open, next);
        if batch.ids.is_empty() && batch.claims.is_empty() {
            g.committing = None;
            batch.resolve(Ok(()));
            self.committed.notify_all();
            self.changed.notify_all();
            return g;
        }
        g.committing = Some(batch.ticket());
        // Each staged job's change, over the revision it was decided on (the new record
        // is written one revision higher); `None`: nothing staged any more (dropped
        // after a conflict of an earlier batch).
        let mut writes = Vec::with_capacity(batch.ids.len());
        for id in &batch.ids {
            let Some(staged) = g.staged.get(id) else {
                continue;
            };
            let new = staged.rec.clone().map(|mut n| {
                n.revision += 1;
                n
            });
            let old = g.jobs.get(id).cloned().map(|mut o| {
                if let Some(n) = &new {
                    o.revision = n.revision - 1;
                }
                o
            });
            writes.push((id.clone(), old, new));
        }
        let mode = if batch.durable {
            Durability::StateChange
        } else {
            Durability::Checkpoint
        };
        let lease = self.lease(&g);
        let leases: Vec<Lease> = batch.claims.iter().map(|_| lease.clone()).collect();
        g.claims_in_flight = leases.len();
        drop(g);

        let changes: Vec<Change<'_>> = writes
            .iter()
            .filter_map(|(_, old, new)| match (new, old) {
                (Some(new), old) => Some(Change::Put {
                    old: old.as_ref(),
                    new,
                }),
                (None, Some(old)) => Some(Change::Delete(old)),
                // Created and deleted before reaching the disk.
                (None, None) => None,
            })
            .collect();
        let result = if changes.is_empty() && leases.is_empty() {
            Ok(Applied::default())
        } else {
            self.store.apply_checked(&changes, mode, &leases)
        };
        drop(changes);
        // Jobs another daemon changed first: read again, before the lock is taken.
        let fresh = match &result {
            Ok(applied) if !applied.conflicts.is_empty() => {
                self.store.get_many(&applied.conflicts).unwrap_or_else(|e| {
                    tracing::error!("cannot read jobs changed by another daemon: {e}");
                    Vec::new()
                })
            }
            _ => Vec::new(),
        };

        let mut g = self.lock();
        g.claims_in_flight = 0;
        match result {
            Ok(applied) => {
                let conflicted: std::collections::HashSet<&String> =
                    applied.conflicts.iter().collect();
                writes.retain(|(id, _, _)| !conflicted.contains(id));
                self.events.push(writes.iter().flat_map(|(id, old, new)| {
                    events_of(old.as_ref(), new.as_ref()).map(|e| (e, id.clone()))
                }));
                for (id, _, new) in writes {
                    let later = match g.staged.get(&id) {
                        Some(s) if s.batch == batch.no => {
                            g.staged.remove(&id);
                            false
                        }
                        Some(_) => true,
                        None => false,
                    };
                    match new {
                        // Another daemon changed it again since (read while this commit was
                        // in flight): its newer version stays.
                        Some(r) if g.jobs.get(&id).is_some_and(|c| c.revision > r.revision) => {
                            if !later && let Some(newer) = g.jobs.get(&id).cloned() {
                                g.unindex(&r);
                                g.index(&newer);
                            }
                        }
                        Some(r) => {
                            // A later batch's change of this job was decided on this one.
                            if later
                                && let Some(Some(next)) =
                                    g.staged.get_mut(&id).map(|s| s.rec.as_mut())
                            {
                                next.revision = r.revision;
                            }
                            g.jobs.insert(id, r);
                        }
                        None => {
                            g.jobs.remove(&id);
                        }
                    }
                }
                if !applied.conflicts.is_empty() {
                    self.take_conflicts(&mut g, batch.no, &applied.conflicts, fresh);
                }
                let now = Instant::now();
                for slot in g.slots.iter_mut() {
                    if *slot == Slot::Waiting(batch.no) {
                        *slot = Slot::Idle;
                    }
                }
                if self.shared {
                    g.probe = false;
                    g.claim_dry = applied.claimed.len() < batch.claims.len();
                }
                for (&n, rec) in batch.claims.iter().zip(applied.claimed) {
                    g.lease_owners.insert(rec.id.clone(), lease.owner.clone());
                    self.take_claimed(&mut g, n, rec, now);
                }
                batch.resolve(Ok(()));
            }
            Err(e) => {
                // The open batch was decided on top of this one: it goes too.
                let message = e.to_string();
                tracing::error!(
                    "job commit of {} changes failed: {message}",
                    batch.ids.len()
                );
                if e.poisons_database() && g.broken.is_none() {
                    tracing::error!("the database can no longer be written: jobs stop");
                    g.broken = Some(Broken::of(&e));
                    g.stopping = true;
                    self.timer.notify_all();
                    self.stepped.notify_all();
                }
                if !batch.claims.is_empty() {
                    // Its claims may have committed all the same: never renew them.
                    g.lease_generation += 1;
                }
                let next = Batch::new(g.open.no + 1);
                let dependent = std::mem::replace(&mut g.open, next);
                g.staged.clear();
                g.reindex();
                batch.resolve(Err(message.clone()));
                dependent.resolve(Err(message));
                self.work.notify_all();
            }
        }
        g.committing = None;
        g.open.wake_one();
        self.committed.notify_all();
        self.changed.notify_all();
        g
    }
    /// Jobs whose change another daemon's came before: their staged changes (decided on a
    /// version that is gone) are dropped and the stored versions become the committed ones.
    /// A job that ran here and is Running elsewhere now was taken over: its worker stops; one
    /// still Running under this daemon's lease stays its worker's (see `drive`).
    fn take_conflicts(
        &self,
        g: &mut Inner,
        batch: u64,
        ids: &[String],
        fresh: Vec<(String, Option<JobRecord>)>,
    ) {
        if g.conflicted.len() > 1000 {
            g.conflicted.clear();
        }
        for id in ids {
            tracing::info!("job {id} was changed by another daemon: read again");
            g.staged.remove(id);
            g.conflicted.insert(id.clone(), batch);
        }
        for (id, rec) in fresh {
            let here = g.jobs.get(&id).filter(|r| runs_here(r));
            let since = here.and_then(|r| r.running_since);
            let runner = here.and_then(|r| r.runner.clone());
            match rec {
                Some(mut r) => {
                    if since.is_some() && r.state == JobState::Running {
                        if runner.is_some() && r.runner == runner {
                            // Still under the lease of this daemon's claim: the stored version
                            // is a write of its own that it took for failed (a commit whose
                            // outcome was unknown). Its worker goes on from there.
                            tracing::warn!("job {id}: an earlier change of it did commit");
                            r.running_since = since;
                            g.lost.remove(&id);
                            g.adopted.insert(id.clone());
                        } else {
                            tracing::warn!("job {id} was taken over by another daemon");
                            g.lost.insert(id.clone());
                        }
                    }
                    g.jobs.insert(id, r);
                }
                None => {
                    g.jobs.remove(&id);
                }
            }
        }
        g.reindex();
        self.work.notify_all();
    }

    /// A job the store claimed for worker `n`: Running in the committed view, the worker's to
    /// take. A job this process already runs (the store handed it out again because its lease
    /// expired: renewals failed, a clock jump) is left with the worker that runs it, under the
    /// new lease (its next change conflicts, and is adopted: `take_conflicts`).
    pub(super) fn take_claimed(&self, g: &mut Inner, n: usize, mut rec: JobRecord, now: Instant) {
        if let Some(cur) = g.jobs.get_mut(&rec.id).filter(|r| runs_here(r)) {
            tracing::warn!("job {} was claimed again while running here", rec.id);
            cur.runner = rec.runner;
            g.lost.remove(&rec.id);
            return;
        }
        g.adopted.remove(&rec.id);
        if g.staged.contains_key(&rec.id) {
            // Controls of a Pending job wait for the claims in flight (`control_once`), so no
            // change can be staged on top of the version the store just replaced.
            tracing::error!("job {} changed while it was claimed", rec.id);
        }
        rec.running_since = Some(now);
        if let Some(old) = g.jobs.get(&rec.id).cloned() {
            g.unindex(&old);
        }
        g.index(&rec);
        g.jobs.insert(rec.id.clone(), rec.clone());
        if let Some(slot) = g.slots.get_mut(n) {
            *slot = Slot::Stepping(now);
        }
        g.assigned.insert(n, rec.id);
    }

    // ---- internals ----

    /// Moves `rec` to Success or Failure (per `event`) with the history eviction it causes, in
    /// one batch. Returns its ticket and the records whose outputs go once it commits.
    pub(super) fn complete(
        &self,
        g: &mut Inner,
        mut rec: JobRecord,
        event: Event,
        code: i32,
        details: Option<String>,
    ) -> Result<(Ticket, Vec<JobRecord>)> {
        let from = rec.state;
        let to = if from == JobState::Running || event != Event::Fail {
            advance(from, event).map_err(|e| refused(&rec.id, e))?
        } else {
            // Cancel of a Pending, Paused or Retry job (the matrix allowed it).
            JobState::Failure
        };
        let now = now_us();
        rec.fold_runtime(false);
        rec.state = to;
        rec.flags = Flags::default();
        rec.next_retry_us = None;
        rec.error_code = code;
        if let Some(d) = details {
            rec.error_details = d;
        }
        if to == JobState::Success {
            rec.progress = 1.0;
        }
        rec.completion_us = Some(now);
        rec.last_change_us = now;
        rec.completion_seq = Some(self.next_completion(g));
        // History: keep the newest `history_size`, this one included.
        let total = g.history.len() + 1;
        let excess = total.saturating_sub(self.config.history_size);
        let mut deletes: Vec<String> = g.history.values().take(excess).cloned().collect();
        let self_evicted = excess > g.history.len();
        let mut discard = Vec::new();
        if to == JobState::Failure {
            discard.push(rec.clone());
        }
        let puts = if self_evicted {
            deletes.push(rec.id.clone());
            Vec::new()
        } else {
            vec![rec]
        };
        let (ticket, evicted) = self.stage(g, puts, deletes, Durability::StateChange);
        discard.extend(evicted);
        Ok((ticket, discard))
    }

    pub(super) fn discard(&self, records: Vec<JobRecord>) {
        for r in records {
            if let Some(kind) = self.kinds.get(r.type_name.as_str()) {
                kind.discard_outputs(&r);
            }
        }
    }
}

/// Whether the open batch holds a job the committed view has never seen (a submit).
fn carries_submit(g: &Inner) -> bool {
    g.open
        .ids
        .iter()
        .any(|id| !g.jobs.contains_key(id) && g.staged.get(id).is_some_and(|s| s.rec.is_some()))
}
