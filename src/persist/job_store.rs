//! What the jobs engine needs from a database, and nothing redb-specific: the store of job
//! records, their pending and history orders, atomic batches of changes, and claims.
//!
//! The engine keeps every record in memory as a cache (reads are served from it) and writes
//! through this trait; its workers take their jobs through `claim` (`apply_and_claim`), so
//! the store, not the cache, decides which job runs next. A store shared by several daemons (PostgreSQL) claims with
//! `SELECT … FOR UPDATE SKIP LOCKED` and leases renewed by the running daemon; the single-daemon
//! redb store (`redb/job_store.rs`) claims from its pending table in one write transaction.

use std::time::Duration;

use crate::error::Result;
use crate::jobs::model::JobRecord;

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

    /// Extends every lease `owner` holds by `duration` (the running daemon's heartbeat).
    fn renew(&self, owner: &str, duration: Duration) -> Result<()>;

    /// Makes `Checkpoint` batches durable if the oldest not yet durable is getting old (about
    /// half a second). Returns whether it flushed.
    fn flush_if_stale(&self) -> Result<bool>;

    /// Makes every earlier `Checkpoint` batch durable now (shutdown).
    fn flush(&self) -> Result<()>;
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
