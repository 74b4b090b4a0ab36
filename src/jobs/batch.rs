//! Group commit: the batch of staged job changes that will be one redb write transaction, and
//! the ticket a caller holds to learn when (and whether) its change is on disk.
//!
//! The engine stages each state change into the open batch and hands back the batch's ticket.
//! Whoever waits on a ticket while no commit is running becomes the leader: it takes the open
//! batch (so changes staged while the previous commit ran all share the next one), commits it,
//! and resolves the ticket for every change in it at once.

use std::sync::{Arc, Condvar, MutexGuard, OnceLock};

use crate::error::{Error, Result};

/// How a batch ended (`Err` holds the commit error's message, given to every caller of the
/// batch), and where its callers wait: a batch's end wakes its own callers only, and one of the
/// next batch's to lead its commit (waking every waiter of the engine on every commit cost
/// each of them two context switches for nothing).
#[derive(Default)]
struct State {
    result: OnceLock<std::result::Result<(), String>>,
    /// Always used with the engine's one mutex.
    cond: Condvar,
}

type Outcome = Arc<State>;

/// The changes staged for one commit: job IDs whose latest staged version belongs to it.
pub(super) struct Batch {
    /// Batches are numbered in commit order.
    pub no: u64,
    /// IDs changed in this batch, each once (the record itself is in the engine's staged map).
    pub ids: Vec<String>,
    /// At least one change must be durable before it is acknowledged; otherwise (progress
    /// checkpoints only) the queue may commit it lazily.
    pub durable: bool,
    /// Workers asking for their next job in this commit (the store claims one for each, after
    /// the changes, in this order).
    pub claims: Vec<usize>,
    outcome: Outcome,
}

impl Batch {
    pub fn new(no: u64) -> Self {
        Batch {
            no,
            ids: Vec::new(),
            durable: false,
            claims: Vec::new(),
            outcome: Arc::default(),
        }
    }

    pub fn ticket(&self) -> Ticket {
        Ticket {
            no: self.no,
            outcome: self.outcome.clone(),
        }
    }

    /// Resolves every ticket of the batch (only the first resolution counts) and wakes their
    /// holders.
    pub fn resolve(&self, result: std::result::Result<(), String>) {
        let _ = self.outcome.result.set(result);
        self.outcome.cond.notify_all();
    }

    /// Wakes one holder of a ticket of this (open) batch: the commit before it ended, so one of
    /// them may lead this one.
    pub fn wake_one(&self) {
        self.outcome.cond.notify_one();
    }
}

/// A claim on the commit of one batch.
#[derive(Clone)]
pub(super) struct Ticket {
    pub no: u64,
    outcome: Outcome,
}

impl Ticket {
    /// A ticket for nothing to commit: already resolved.
    pub fn done() -> Self {
        let outcome: Outcome = Arc::default();
        let _ = outcome.result.set(Ok(()));
        Ticket { no: 0, outcome }
    }

    /// `None` while the batch is not committed yet.
    pub fn result(&self) -> Option<Result<()>> {
        self.outcome
            .result
            .get()
            .map(|r| r.clone().map_err(Error::NotSaved))
    }

    /// Waits (the engine's lock `g` released meanwhile) until the batch ends or, while it is
    /// the open batch, the commit before it ends; spurious wake-ups are possible.
    pub fn wait<'a, T>(&self, g: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        self.outcome.cond.wait(g).unwrap_or_else(|e| e.into_inner())
    }
}
