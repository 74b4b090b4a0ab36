//! What the jobs engine needs from a database, and nothing redb-specific: the store of job
//! records, their pending and history orders, atomic batches of changes, and claims.
//!
//! The engine keeps every record in memory as a cache (reads are served from it) and writes
//! through this trait; its workers take their jobs through `claim` (`apply_and_claim`), so
//! the store, not the cache, decides which job runs next. A store shared by several daemons (PostgreSQL) claims with
//! `SELECT … FOR UPDATE SKIP LOCKED` and leases renewed by the running daemon; the single-daemon
//! redb store (`redb/job_store.rs`) claims from its pending table in one write transaction.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::jobs::model::JobRecord;
use crate::jobs::state::Flags;

/// Maps an i32 priority order-preservingly to a key where the highest priority sorts first
/// (claim order: this key, then `seq`).
pub fn priority_key(priority: i32) -> u32 {
    let shifted = (priority as i64 - i32::MIN as i64) as u32; // i32::MIN → 0, i32::MAX → u32::MAX
    u32::MAX - shifted
}

/// One claim per lease, in order, until one finds nothing (what `apply_and_claim` returns).
pub fn claim_each(
    leases: &[Lease],
    mut claim: impl FnMut(&Lease) -> Result<Option<JobRecord>>,
) -> Result<Vec<JobRecord>> {
    let mut claimed = Vec::new();
    for lease in leases {
        match claim(lease)? {
            Some(r) => claimed.push(r),
            None => break,
        }
    }
    Ok(claimed)
}

/// How soon a batch must be on disk before the store returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Before returning: every acknowledged state change.
    StateChange,
    /// Within about a second (the store's promise, kept by `flush_if_stale`, which the engine's
    /// timer calls): progress checkpoints, whose loss costs only repeated steps.
    Checkpoint,
}

/// One change of a batch.
pub enum Change<'a> {
    /// Write `new`; `old` is what the store holds now (its pending/history entries go).
    Put {
        old: Option<&'a JobRecord>,
        new: &'a JobRecord,
    },
    /// Delete the job (`old` is what the store holds now).
    Delete(&'a JobRecord),
}

/// Who holds a claimed job, and until when, unless renewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The claiming daemon's worker (e.g. `host:pid:worker`).
    pub owner: String,
    pub duration: Duration,
}

/// What a batch did besides its writes (`JobStore::apply_checked`).
#[derive(Debug, Default)]
pub struct Applied {
    /// Claimed jobs, one per lease in order, as `apply_and_claim` returns them.
    pub claimed: Vec<JobRecord>,
    /// Jobs whose `Put` or `Delete` was skipped: the stored revision was no longer the `old`
    /// one (another daemon changed the job since). The rest of the batch is applied.
    pub conflicts: Vec<String>,
}

/// What other processes changed in a shared store (`JobStore::subscribe`).
#[derive(Debug, Clone, PartialEq)]
pub enum StoreNews {
    /// These jobs changed (or were deleted): read them again.
    Changed(Vec<String>),
    /// These jobs are now stored as given (`None`: deleted), oldest change first: nothing to
    /// read.
    Stored(Vec<(String, Option<JobRecord>)>),
    /// Changes may have been missed (the store's listener was down, or has just come back):
    /// read everything again.
    Resync,
}

/// Where a shared store delivers its news.
pub type NewsSink = Box<dyn Fn(StoreNews) + Send + Sync>;

/// A store of job records.
pub trait JobStore: Send + Sync {
    /// Every stored job (start-up: the engine's cache and recovery).
    fn load_all(&self) -> Result<Vec<JobRecord>>;

    /// One job; `None` for an unknown ID.
    fn get(&self, id: &str) -> Result<Option<JobRecord>>;

    /// Pending IDs in claim order: highest priority first, then oldest submit (`seq`).
    fn pending_ids(&self) -> Result<Vec<String>>;

    /// Finished (Success, Failure) IDs, oldest completion (`completion_seq`) first.
    fn history_ids(&self) -> Result<Vec<String>>;

    /// Applies every change of the batch, or none (one transaction: the engine's group commit).
    fn apply(&self, changes: &[Change<'_>], durability: Durability) -> Result<()>;

    /// Takes the next Pending job (priority, then FIFO) for `lease.owner`: it becomes Running
    /// (`state::advance(Start)`, errors and flags cleared) and is durably leased. A Running job
    /// whose lease expired (its daemon died) is claimable again, before any Pending one.
    /// `None`: nothing to run.
    fn claim(&self, lease: &Lease) -> Result<Option<JobRecord>>;

    /// Applies the batch, then claims up to one job per lease (in order, stopping at the first
    /// lease nothing is left for), as `claim` does: the engine's group commit, where workers
    /// ask for their next job in the commit that records the end of their last one. A store
    /// that can does both in one transaction; this default takes one per call.
    fn apply_and_claim(
        &self,
        changes: &[Change<'_>],
        durability: Durability,
        leases: &[Lease],
    ) -> Result<Vec<JobRecord>> {
        if !changes.is_empty() {
            self.apply(changes, durability)?;
        }
        claim_each(leases, |lease| self.claim(lease))
    }

    /// Extends the leases `owner` holds on jobs `ids` by `duration` (the running daemon's
    /// heartbeat, naming the jobs its workers run: a job it holds but does not run expires).
    fn renew(&self, owner: &str, ids: &[String], duration: Duration) -> Result<()>;

    /// Makes `Checkpoint` batches durable if the oldest not yet durable is getting old (about
    /// half a second). Returns whether it flushed.
    fn flush_if_stale(&self) -> Result<bool>;

    /// Makes every earlier `Checkpoint` batch durable now (shutdown).
    fn flush(&self) -> Result<()>;

    /// Whether other processes (daemons on other machines) write this store too. A store only
    /// this process writes (redb) has none of the methods below to offer beyond their defaults.
    fn shared(&self) -> bool {
        false
    }

    /// `apply_and_claim`, where a `Put` (with an `old`) or a `Delete` is applied only if the
    /// stored job is still at `old.revision`; the others are skipped and named. A store only
    /// this process writes has no conflicts.
    fn apply_checked(
        &self,
        changes: &[Change<'_>],
        durability: Durability,
        leases: &[Lease],
    ) -> Result<Applied> {
        let claimed = self.apply_and_claim(changes, durability, leases)?;
        Ok(Applied {
            claimed,
            conflicts: Vec::new(),
        })
    }

    /// The jobs `ids` as stored now (`None`: no such job).
    fn get_many(&self, ids: &[String]) -> Result<Vec<(String, Option<JobRecord>)>> {
        ids.iter()
            .map(|id| Ok((id.clone(), self.get(id)?)))
            .collect()
    }

    /// Calls `sink` with what other processes change, from a thread of the store's, until the
    /// store is dropped.
    fn subscribe(&self, sink: NewsSink) -> Result<()> {
        let _ = sink;
        Ok(())
    }

    /// Asks the daemon running job `id` (Running, leased to another process) to pause or
    /// cancel it at its next step boundary: the request is durable when this returns, and read
    /// back in the job's `flags`. `false`: the job is not Running any more.
    fn request(&self, id: &str, flags: Flags) -> Result<bool> {
        let _ = flags;
        Err(Error::Internal(format!(
            "job {id}: requests to another daemon need a shared job store"
        )))
    }

    /// Claims job `id` itself if it is Pending (an inline command running the one job it
    /// submitted), as `claim` does. `None`: it is not Pending (any more).
    fn claim_job(&self, id: &str, lease: &Lease) -> Result<Option<JobRecord>> {
        let _ = lease;
        Err(Error::Internal(format!(
            "job {id}: claims by ID need a shared job store"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priority_key_orders_highest_first() {
        let ps = [i32::MAX, 10, 1, 0, -1, -10, i32::MIN];
        let keys: Vec<u32> = ps.iter().map(|p| priority_key(*p)).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert_eq!(priority_key(i32::MAX), 0);
        assert_eq!(priority_key(i32::MIN), u32::MAX);
    }
}
