//! The job store on redb: nothing else touches these tables.
//!
//! - `jobs_records`: id → the JSON `JobRecord`;
//! - `jobs_pending`: `(priority key, seq)` → id for Pending jobs, so `pop_first` gives the
//!   highest priority first and FIFO among equal priorities;
//! - `jobs_history`: completion seq → id for Success and Failure jobs, oldest first;
//! - `jobs_leases`: id → (owner, expiry in µs since the epoch) for jobs taken by `claim`.
//!
//! The indexes are derived from the records inside every transaction, so they cannot drift.
//! A batch of changes is one write transaction (the engine groups concurrent state changes into
//! one batch: see `jobs/engine/mod.rs`). `Durability::Immediate` for state changes; progress
//! checkpoints use `Durability::None`, made durable by the next immediate commit or by
//! `flush_if_stale`, so that at most about a second of progress is ever lost.

use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use crate::error::{Error, Result};
use crate::jobs::model::{JobRecord, now_us};
use crate::jobs::state::{Event, Flags, JobState, advance};
use crate::persist::job_store::{Change, Durability, JobStore, Lease, claim_each, priority_key};

const RECORDS: TableDefinition<&str, &[u8]> = TableDefinition::new("jobs_records");
const PENDING: TableDefinition<(u32, u64), &str> = TableDefinition::new("jobs_pending");
const HISTORY: TableDefinition<u64, &str> = TableDefinition::new("jobs_history");
const LEASES: TableDefinition<&str, (&str, i64)> = TableDefinition::new("jobs_leases");
const META: TableDefinition<&str, u64> = TableDefinition::new("jobs_meta");
const FLUSHES: &str = "flushes";

fn pending_key(r: &JobRecord) -> Option<(u32, u64)> {
    (r.state == JobState::Pending).then(|| (priority_key(r.priority), r.seq))
}

fn history_key(r: &JobRecord) -> Option<u64> {
    if r.state.is_finished() {
        r.completion_seq
    } else {
        None
    }
}

fn encode(r: &JobRecord) -> Result<Vec<u8>> {
    serde_json::to_vec(r).map_err(|e| Error::Internal(format!("encode job {}: {e}", r.id)))
}

fn decode(bytes: &[u8]) -> Result<JobRecord> {
    serde_json::from_slice(bytes).map_err(|e| Error::Internal(format!("decode job: {e}")))
}

fn lease_expiry(now: i64, d: Duration) -> i64 {
    now.saturating_add(i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

struct FlushState {
    last_durable: Instant,
    dirty: bool,
}

/// Writes a batch's records and keeps the pending, history and lease tables in step.
fn write_changes(tx: &redb::WriteTransaction, changes: &[Change<'_>]) -> Result<()> {
    let mut records = tx.open_table(RECORDS)?;
    let mut pending = tx.open_table(PENDING)?;
    let mut history = tx.open_table(HISTORY)?;
    let mut leases = tx.open_table(LEASES)?;
    for change in changes {
        let (old, new) = match change {
            Change::Put { old, new } => (*old, Some(*new)),
            Change::Delete(old) => (Some(*old), None),
        };
        if let Some(old) = old {
            if let Some(k) = pending_key(old) {
                pending.remove(k)?;
            }
            if let Some(k) = history_key(old) {
                history.remove(k)?;
            }
            // A job that leaves Running is no longer anyone's.
            if old.state == JobState::Running && new.is_none_or(|n| n.state != JobState::Running) {
                leases.remove(old.id.as_str())?;
            }
        }
        match new {
            Some(new) => {
                records.insert(new.id.as_str(), encode(new)?.as_slice())?;
                if let Some(k) = pending_key(new) {
                    pending.insert(k, new.id.as_str())?;
                }
                if let Some(k) = history_key(new) {
                    history.insert(k, new.id.as_str())?;
                }
            }
            None => {
                if let Some(old) = old {
                    records.remove(old.id.as_str())?;
                }
            }
        }
    }
    Ok(())
}

/// Takes the next job for `lease` inside `tx`: a Running job whose lease expired (its daemon
/// died) first, else the first Pending one, which becomes Running.
fn claim_in(tx: &redb::WriteTransaction, lease: &Lease, now: i64) -> Result<Option<JobRecord>> {
    let mut records = tx.open_table(RECORDS)?;
    let mut pending = tx.open_table(PENDING)?;
    let mut leases = tx.open_table(LEASES)?;
    let mut expired = None;
    for row in leases.iter()? {
        let (k, v) = row?;
        if v.value().1 <= now {
            expired = Some(k.value().to_string());
            break;
        }
    }
    let id = match expired {
        Some(id) => Some(id),
        None => pending.pop_first()?.map(|(_, v)| v.value().to_string()),
    };
    let Some(id) = id else {
        return Ok(None);
    };
    let found = records.get(id.as_str())?.map(|v| decode(v.value()));
    let Some(mut rec) = found.transpose()? else {
        return Err(Error::Internal(format!("claimed job {id} has no record")));
    };
    if rec.state == JobState::Pending {
        rec.state = advance(rec.state, Event::Start).map_err(|r| Error::Invalid(r.message(&id)))?;
        rec.error_code = 0;
        rec.error_details.clear();
        rec.flags = Flags::default();
        rec.last_change_us = now;
        records.insert(id.as_str(), encode(&rec)?.as_slice())?;
    }
    let until = lease_expiry(now, lease.duration);
    leases.insert(id.as_str(), (lease.owner.as_str(), until))?;
    Ok(Some(rec))
}

pub struct RedbJobStore {
    db: Arc<Database>,
    flush: Mutex<FlushState>,
    max_lag: Duration,
    #[cfg(test)]
    pub(crate) hook: hook::CommitHook,
}

impl RedbJobStore {
    /// Opens the tables, creating them if needed.
    pub fn open(db: Arc<Database>) -> Result<Self> {
        let tx = db.begin_write()?;
        tx.open_table(RECORDS)?;
        tx.open_table(PENDING)?;
        tx.open_table(HISTORY)?;
        tx.open_table(LEASES)?;
        tx.open_table(META)?;
        tx.commit()?;
        Ok(RedbJobStore {
            db,
            flush: Mutex::new(FlushState {
                last_durable: Instant::now(),
                dirty: false,
            }),
            max_lag: Duration::from_millis(500),
            #[cfg(test)]
            hook: hook::CommitHook::default(),
        })
    }

    fn stale(&self) -> bool {
        match self.flush.lock() {
            Ok(f) => f.last_durable.elapsed() >= self.max_lag,
            Err(_) => true,
        }
    }

    fn mark_durable(&self) {
        if let Ok(mut f) = self.flush.lock() {
            f.last_durable = Instant::now();
            f.dirty = false;
        }
    }
}

impl JobStore for RedbJobStore {
    /// Every stored job.
    fn load_all(&self) -> Result<Vec<JobRecord>> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(RECORDS)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            let (_, v) = row?;
            out.push(decode(v.value())?);
        }
        Ok(out)
    }

    fn get(&self, id: &str) -> Result<Option<JobRecord>> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(RECORDS)?;
        let found = t.get(id)?;
        found.map(|v| decode(v.value())).transpose()
    }

    /// Pending IDs in the order `pop_first` gives them.
    fn pending_ids(&self) -> Result<Vec<String>> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(PENDING)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            out.push(row?.1.value().to_string());
        }
        Ok(out)
    }

    /// History IDs, oldest completion first.
    fn history_ids(&self) -> Result<Vec<String>> {
        let tx = self.db.begin_read()?;
        let t = tx.open_table(HISTORY)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            out.push(row?.1.value().to_string());
        }
        Ok(out)
    }

    /// Applies a batch in one write transaction.
    fn apply(&self, changes: &[Change<'_>], durability: Durability) -> Result<()> {
        #[cfg(test)]
        self.hook.enter();
        let durable = match durability {
            Durability::StateChange => true,
            Durability::Checkpoint => self.stale(),
        };
        let mut tx = self.db.begin_write()?;
        tx.set_durability(if durable {
            redb::Durability::Immediate
        } else {
            redb::Durability::None
        })
        .map_err(|e| Error::Internal(format!("database: {e}")))?;
        write_changes(&tx, changes)?;
        #[cfg(test)]
        if self.hook.fails(changes.len()) {
            tx.abort()?;
            return Err(self.hook.injected_error());
        }
        tx.commit()?;
        if durable {
            self.mark_durable();
        } else if let Ok(mut f) = self.flush.lock() {
            f.dirty = true;
        }
        Ok(())
    }

    fn claim(&self, lease: &Lease) -> Result<Option<JobRecord>> {
        let tx = self.db.begin_write()?;
        let claimed = claim_in(&tx, lease, now_us())?;
        tx.commit()?;
        self.mark_durable();
        Ok(claimed)
    }

    /// The batch and the claims in one durable transaction: a worker's "my job ended" and
    /// "give me the next" cost one commit.
    fn apply_and_claim(
        &self,
        changes: &[Change<'_>],
        durability: Durability,
        leases: &[Lease],
    ) -> Result<Vec<JobRecord>> {
        if leases.is_empty() {
            self.apply(changes, durability)?;
            return Ok(Vec::new());
        }
        #[cfg(test)]
        self.hook.enter();
        let mut tx = self.db.begin_write()?;
        tx.set_durability(redb::Durability::Immediate)
            .map_err(|e| Error::Internal(format!("database: {e}")))?;
        write_changes(&tx, changes)?;
        let now = now_us();
        let claimed = claim_each(leases, |lease| claim_in(&tx, lease, now))?;
        #[cfg(test)]
        if self.hook.fails(changes.len()) {
            tx.abort()?;
            return Err(self.hook.injected_error());
        }
        if claimed.is_empty() && changes.is_empty() {
            // Nothing to claim and nothing to write: no commit, no fsync.
            tx.abort()?;
            return Ok(claimed);
        }
        tx.commit()?;
        self.mark_durable();
        Ok(claimed)
    }

    fn renew(&self, owner: &str, duration: Duration) -> Result<()> {
        let until = lease_expiry(now_us(), duration);
        let tx = self.db.begin_write()?;
        {
            let mut leases = tx.open_table(LEASES)?;
            let mut mine = Vec::new();
            for row in leases.iter()? {
                let (k, v) = row?;
                if v.value().0 == owner {
                    mine.push(k.value().to_string());
                }
            }
            for id in mine {
                leases.insert(id.as_str(), (owner, until))?;
            }
        }
        tx.commit()?;
        self.mark_durable();
        Ok(())
    }

    /// Makes lazy commits durable if the oldest is getting old. Returns whether it flushed.
    fn flush_if_stale(&self) -> Result<bool> {
        let due = match self.flush.lock() {
            Ok(f) => f.dirty && f.last_durable.elapsed() >= self.max_lag,
            Err(_) => true,
        };
        if due {
            self.flush()?;
        }
        Ok(due)
    }

    /// One durable commit, which also makes every earlier lazy commit durable.
    fn flush(&self) -> Result<()> {
        let mut tx = self.db.begin_write()?;
        tx.set_durability(redb::Durability::Immediate)
            .map_err(|e| Error::Internal(format!("database: {e}")))?;
        {
            let mut meta = tx.open_table(META)?;
            let n = meta.get(FLUSHES)?.map(|v| v.value()).unwrap_or(0);
            meta.insert(FLUSHES, n.wrapping_add(1))?;
        }
        tx.commit()?;
        self.mark_durable();
        Ok(())
    }
}

/// Test hook: hold commits at their start, and make chosen commits fail after their writes (the
/// transaction is aborted, as a full disk would leave it).
#[cfg(test)]
pub(crate) mod hook {
    use std::sync::{Condvar, Mutex};

    #[derive(Default)]
    struct State {
        hold: bool,
        held: usize,
        failed: usize,
        /// Fail every commit of at least this many changes.
        fail_at_least: Option<usize>,
        /// Injected failures are a full disk's I/O error (which leaves redb's handle unusable).
        disk_full: bool,
    }

    #[derive(Default)]
    pub(crate) struct CommitHook {
        state: Mutex<State>,
        cv: Condvar,
    }

    impl CommitHook {
        fn lock(&self) -> std::sync::MutexGuard<'_, State> {
            self.state.lock().unwrap_or_else(|e| e.into_inner())
        }

        /// While set, commits wait at their start.
        pub(crate) fn hold(&self, on: bool) {
            self.lock().hold = on;
            self.cv.notify_all();
        }

        /// How many commits are waiting at their start.
        pub(crate) fn held(&self) -> usize {
            self.lock().held
        }

        /// Commits of at least `n` changes fail (`None`: none fails).
        pub(crate) fn fail_at_least(&self, n: Option<usize>) {
            self.lock().fail_at_least = n;
        }

        pub(super) fn enter(&self) {
            let mut s = self.lock();
            s.held += 1;
            while s.hold {
                s = self.cv.wait(s).unwrap_or_else(|e| e.into_inner());
            }
            s.held -= 1;
        }

        /// Injected failures look like a full disk (`true`) or like a plain error.
        pub(crate) fn disk_full(&self, on: bool) {
            self.lock().disk_full = on;
        }

        pub(super) fn injected_error(&self) -> crate::error::Error {
            if self.lock().disk_full {
                let enospc = std::io::Error::from_raw_os_error(libc::ENOSPC);
                crate::error::Error::from(redb::Error::Io(enospc))
            } else {
                crate::error::Error::Internal("database: injected commit failure".into())
            }
        }

        /// How many commits failed by injection.
        pub(crate) fn failed(&self) -> usize {
            self.lock().failed
        }

        pub(super) fn fails(&self, changes: usize) -> bool {
            let mut s = self.lock();
            let fail = s.fail_at_least.is_some_and(|n| changes >= n);
            s.failed += usize::from(fail);
            fail
        }
    }
}
