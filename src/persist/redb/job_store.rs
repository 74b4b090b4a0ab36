//! The job store on redb: nothing else touches these tables.
//!
//! - `jobs_records`: id → the JSON `JobRecord`;
//! - `jobs_pending`: `(priority key, seq)` → id for Pending jobs, so `pop_first` gives the
//!   highest priority first and FIFO among equal priorities;
//! - `jobs_history`: completion seq → id for Success and Failure jobs, oldest first;
//! - `jobs_leases`: read at open only (older versions wrote claims' leases there). One process
//!   owns a redb database, so leases live in memory: a restart requeues what was Running
//!   (`jobs/engine/recovery.rs`) and no other daemon can be waiting for them;
//! - `jobs_meta`: `journal_generation`, the generation of `jobs.journal` not yet in the tables.
//!
//! The indexes are derived from the records when a change is made (`job_changes.rs`), so they
//! cannot drift. A batch of changes (the engine groups concurrent state changes into one batch:
//! see `jobs/engine/mod.rs`) is one record of the write-ahead journal (`journal.rs`), synced
//! before `apply` returns for state changes; progress checkpoints are synced by the next state
//! change or by `flush_if_stale` within about half a second. Journaled changes are kept in
//! memory and written to the tables in one durable transaction every half second, when the
//! journal fills, before any read of the tables, and at shutdown (`flush`); that transaction
//! also raises the journal's generation, which empties it. At open, the journal's records of
//! the current generation (changes acknowledged but not yet in the tables) are written to the
//! tables first.
//!
//! Claims (`apply_and_claim`) are decided on an in-memory copy of the pending index (the
//! tables plus the journaled changes), so a worker's "my job ended, give me the next" is one
//! journal record and one `fdatasync`, like any batch.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use super::job_changes::{
    Entry, HISTORY, LEASES, PENDING, RECORDS, decode_batch, encode_batch, write_entries,
};
use super::journal::Journal;
use crate::error::{Error, Result};
use crate::jobs::model::{JobRecord, now_us};
use crate::jobs::state::{Event, Flags, JobState, advance};
use crate::persist::job_store::{Change, Durability, JobStore, Lease};

const META: TableDefinition<&str, u64> = TableDefinition::new("jobs_meta");
const GENERATION: &str = "journal_generation";
/// Journaled changes are written to the tables once this many are waiting (or after `max_lag`).
const TABLES_AT: usize = 4096;

fn decode(bytes: &[u8]) -> Result<JobRecord> {
    serde_json::from_slice(bytes).map_err(|e| Error::Internal(format!("decode job: {e}")))
}

fn lease_expiry(now: i64, d: Duration) -> i64 {
    now.saturating_add(i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// What is journaled but not yet in the tables.
struct State {
    /// `None` when it could not be created (a full disk): every batch is then a durable
    /// transaction of its own, as before the journal existed.
    journal: Option<Journal>,
    /// Journaled changes not yet written to the tables, oldest first.
    waiting: Vec<Entry>,
    /// When the oldest of them was journaled.
    since: Option<Instant>,
    /// The pending index as tables + `waiting` make it: what claims pop.
    pending: BTreeMap<(u32, u64), String>,
    /// The newest JSON of each job changed in `waiting` (`None`: deleted).
    latest: HashMap<String, Option<Vec<u8>>>,
    /// Claimed jobs: owner and expiry (µs since the epoch).
    leases: HashMap<String, (String, i64)>,
}

impl State {
    /// `entries` are accepted (journaled or on their way to the tables): the in-memory views
    /// follow them.
    fn note(&mut self, entries: &[Entry]) {
        for e in entries {
            if let Some(k) = e.old_pending {
                self.pending.remove(&k);
            }
            if e.drop_lease {
                self.leases.remove(&e.id);
            }
            match &e.new {
                Some(n) => {
                    if let Some(k) = n.pending {
                        self.pending.insert(k, e.id.clone());
                    }
                    self.latest.insert(e.id.clone(), Some(n.json.clone()));
                }
                None => {
                    self.latest.insert(e.id.clone(), None);
                }
            }
        }
    }
}

pub struct RedbJobStore {
    db: Arc<Database>,
    state: Mutex<State>,
    max_lag: Duration,
    #[cfg(test)]
    pub(crate) hook: hook::CommitHook,
}

impl RedbJobStore {
    /// Opens the tables (creating them if needed) and the journal at `journal` (created when
    /// missing), and writes to the tables what the journal holds of the current generation.
    pub fn open(db: Arc<Database>, journal: &Path) -> Result<Self> {
        let tx = db.begin_write()?;
        tx.open_table(RECORDS)?;
        tx.open_table(PENDING)?;
        tx.open_table(HISTORY)?;
        tx.open_table(LEASES)?;
        let generation = tx.open_table(META)?.get(GENERATION)?.map(|v| v.value());
        tx.commit()?;
        let generation = generation.unwrap_or(0);
        // A home made before the journal existed gets one; a full disk does without.
        let created = match journal.exists() {
            true => Ok(()),
            false => Journal::create(journal),
        };
        let (journal, batches) = match created {
            Ok(()) => {
                let (j, batches) = Journal::open(journal, generation)?;
                (Some(j), batches)
            }
            Err(e) => {
                tracing::warn!("{e}: job changes are committed one by one to the database");
                (None, Vec::new())
            }
        };
        let mut waiting = Vec::new();
        for payload in &batches {
            waiting.extend(decode_batch(payload)?);
        }
        if !batches.is_empty() {
            tracing::info!(
                "replaying {} job changes from the journal ({} batches)",
                waiting.len(),
                batches.len()
            );
        }
        let store = RedbJobStore {
            db,
            state: Mutex::new(State {
                journal,
                since: (!waiting.is_empty()).then(Instant::now),
                waiting,
                pending: BTreeMap::new(),
                latest: HashMap::new(),
                leases: HashMap::new(),
            }),
            max_lag: Duration::from_millis(500),
            #[cfg(test)]
            hook: hook::CommitHook::default(),
        };
        {
            let mut st = store.lock();
            if !batches.is_empty() {
                store.write_tables(&mut st)?;
            }
            store.load_views(&mut st, true)?;
        }
        Ok(store)
    }

    /// The in-memory pending index from the tables, plus what `waiting` changes; with
    /// `leases`, the leases the tables hold too (at open).
    fn load_views(&self, st: &mut State, leases: bool) -> Result<()> {
        let tx = self.db.begin_read()?;
        st.pending.clear();
        for row in tx.open_table(PENDING)?.iter()? {
            let (k, v) = row?;
            st.pending.insert(k.value(), v.value().to_string());
        }
        if leases {
            st.leases.clear();
        }
        for row in tx.open_table(LEASES)?.iter()?.filter(|_| leases) {
            let (k, v) = row?;
            let (owner, until) = v.value();
            st.leases
                .insert(k.value().to_string(), (owner.to_string(), until));
        }
        st.latest.clear();
        let waiting = std::mem::take(&mut st.waiting);
        st.note(&waiting);
        st.waiting = waiting;
        Ok(())
    }

    /// A batch that was not accepted: memory back to what the journal and the tables hold.
    fn undo(&self, st: &mut State, claimed: &[JobRecord]) -> Result<()> {
        for r in claimed {
            st.leases.remove(&r.id);
        }
        self.load_views(st, false)
    }

    /// The newest record of a job: journaled, or in the tables.
    fn latest(&self, st: &State, id: &str) -> Result<Option<JobRecord>> {
        if let Some(json) = st.latest.get(id) {
            return json.as_deref().map(decode).transpose();
        }
        let tx = self.db.begin_read()?;
        let t = tx.open_table(RECORDS)?;
        let found = t.get(id)?;
        found.map(|v| decode(v.value())).transpose()
    }

    /// Takes the next job for `lease` in the in-memory views: a job whose lease expired first,
    /// else the first Pending one, which becomes Running. Returns the change to journal.
    fn claim_in(
        &self,
        st: &mut State,
        lease: &Lease,
        now: i64,
    ) -> Result<Option<(Entry, JobRecord)>> {
        let expired = st
            .leases
            .iter()
            .find(|(_, (_, until))| *until <= now)
            .map(|(id, _)| id.clone());
        let id = match expired {
            Some(id) => id,
            None => match st.pending.pop_first() {
                Some((_, id)) => id,
                None => return Ok(None),
            },
        };
        let Some(old) = self.latest(st, &id)? else {
            return Err(Error::Internal(format!("claimed job {id} has no record")));
        };
        let mut rec = old.clone();
        if rec.state == JobState::Pending {
            rec.state =
                advance(rec.state, Event::Start).map_err(|r| Error::Invalid(r.message(&id)))?;
            rec.error_code = 0;
            rec.error_details.clear();
            rec.flags = Flags::default();
            rec.last_change_us = now;
        }
        let entry = Entry::of(&Change::Put {
            old: Some(&old),
            new: &rec,
        })?;
        st.note(std::slice::from_ref(&entry));
        st.leases
            .insert(id, (lease.owner.clone(), lease_expiry(now, lease.duration)));
        Ok(Some((entry, rec)))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes the waiting changes to the tables durably and starts a new journal generation.
    fn write_tables(&self, st: &mut State) -> Result<()> {
        if st.waiting.is_empty() {
            st.since = None;
            return Ok(());
        }
        let mut tx = self.db.begin_write()?;
        tx.set_durability(redb::Durability::Immediate)
            .map_err(|e| Error::Internal(format!("database: {e}")))?;
        write_entries(&tx, &st.waiting)?;
        let next = st.journal.as_ref().map(|j| j.generation().wrapping_add(1));
        if let Some(next) = next {
            tx.open_table(META)?.insert(GENERATION, next)?;
        }
        tx.commit()?;
        st.waiting.clear();
        st.latest.clear();
        st.since = None;
        if let (Some(j), Some(next)) = (st.journal.as_mut(), next) {
            j.reset(next);
        }
        Ok(())
    }

    /// Journals accepted entries as one record (synced if `durable`), or writes them to the
    /// tables when they do not fit the journal.
    fn journal_batch(&self, st: &mut State, entries: Vec<Entry>, durable: bool) -> Result<()> {
        let payload = encode_batch(&entries)?;
        let fits = |st: &State| st.journal.as_ref().is_some_and(|j| j.fits(payload.len()));
        if !fits(st) {
            self.write_tables(st)?;
            // That write forgot what `latest` knew of these entries, which are in neither the
            // tables nor `waiting` yet: a later claim must still find their records.
            st.note(&entries);
        }
        let Some(journal) = st.journal.as_mut().filter(|j| j.fits(payload.len())) else {
            st.waiting.extend(entries);
            return self.write_tables(st);
        };
        journal.append(&payload)?;
        if durable {
            journal.sync()?;
        }
        st.waiting.extend(entries);
        st.since.get_or_insert_with(Instant::now);
        if st.waiting.len() >= TABLES_AT {
            self.write_tables(st)?;
        }
        Ok(())
    }

    /// The tables, with every journaled change in them (before a read).
    fn settled(&self) -> Result<MutexGuard<'_, State>> {
        let mut st = self.lock();
        self.write_tables(&mut st)?;
        Ok(st)
    }
}

impl JobStore for RedbJobStore {
    /// Every stored job.
    fn load_all(&self) -> Result<Vec<JobRecord>> {
        let _st = self.settled()?;
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
        let _st = self.settled()?;
        let tx = self.db.begin_read()?;
        let t = tx.open_table(RECORDS)?;
        let found = t.get(id)?;
        found.map(|v| decode(v.value())).transpose()
    }

    /// Pending IDs in the order `pop_first` gives them.
    fn pending_ids(&self) -> Result<Vec<String>> {
        let _st = self.settled()?;
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
        let _st = self.settled()?;
        let tx = self.db.begin_read()?;
        let t = tx.open_table(HISTORY)?;
        let mut out = Vec::new();
        for row in t.iter()? {
            out.push(row?.1.value().to_string());
        }
        Ok(out)
    }

    /// Journals a batch as one record (synced for state changes); a batch larger than the
    /// whole journal goes to the tables directly, in one durable transaction.
    fn apply(&self, changes: &[Change<'_>], durability: Durability) -> Result<()> {
        self.apply_and_claim(changes, durability, &[]).map(|_| ())
    }

    /// The batch, then one claim per lease, as one journal record (synced when it holds a
    /// state change or a claim); a record larger than the whole journal goes to the tables
    /// directly, in one durable transaction.
    fn apply_and_claim(
        &self,
        changes: &[Change<'_>],
        durability: Durability,
        leases: &[Lease],
    ) -> Result<Vec<JobRecord>> {
        #[cfg(test)]
        self.hook.enter();
        let mut entries = changes.iter().map(Entry::of).collect::<Result<Vec<_>>>()?;
        #[cfg(test)]
        if self.hook.fails(changes.len()) {
            return Err(self.hook.injected_error());
        }
        let mut st = self.lock();
        st.note(&entries);
        let mut claimed = Vec::new();
        let now = now_us();
        for lease in leases {
            match self.claim_in(&mut st, lease, now) {
                Ok(Some((entry, rec))) => {
                    entries.push(entry);
                    claimed.push(rec);
                }
                Ok(None) => break,
                Err(e) => {
                    self.undo(&mut st, &claimed)?;
                    return Err(e);
                }
            }
        }
        if entries.is_empty() {
            return Ok(claimed);
        }
        let durable = durability == Durability::StateChange || !claimed.is_empty();
        match self.journal_batch(&mut st, entries, durable) {
            Ok(()) => Ok(claimed),
            Err(e) => {
                self.undo(&mut st, &claimed)?;
                Err(e)
            }
        }
    }

    fn claim(&self, lease: &Lease) -> Result<Option<JobRecord>> {
        Ok(self
            .apply_and_claim(&[], Durability::StateChange, std::slice::from_ref(lease))?
            .pop())
    }

    fn renew(&self, owner: &str, ids: &[String], duration: Duration) -> Result<()> {
        let until = lease_expiry(now_us(), duration);
        let mut st = self.lock();
        for id in ids {
            if let Some((who, expiry)) = st.leases.get_mut(id)
                && who == owner
            {
                *expiry = until;
            }
        }
        Ok(())
    }

    /// Syncs checkpoints journaled more than `max_lag` ago, and writes the journaled changes
    /// to the tables when the oldest waits for `max_lag` or the journal is half full.
    fn flush_if_stale(&self) -> Result<bool> {
        let mut st = self.lock();
        let old = |t: Option<Instant>| t.is_some_and(|t| t.elapsed() >= self.max_lag);
        let half_full = st
            .journal
            .as_ref()
            .is_some_and(|j| j.used() >= j.capacity() / 2);
        if old(st.since) || half_full {
            self.write_tables(&mut st)?;
            return Ok(true);
        }
        match st.journal.as_mut() {
            Some(j) if old(j.unsynced_since()) => {
                j.sync()?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Writes every journaled change to the tables durably (shutdown).
    fn flush(&self) -> Result<()> {
        let mut st = self.lock();
        self.write_tables(&mut st)
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

#[cfg(test)]
mod tests {
    use std::os::unix::fs::FileExt;
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::persist::job_store::priority_key;
    use redb::ReadableTableMetadata;

    fn job(n: u64, priority: i32) -> JobRecord {
        let mut r: JobRecord = serde_json::from_value(serde_json::json!({
            "id": format!("00000000-0000-4000-8000-{n:012}"),
            "type": "Sleep",
            "priority": priority,
            "state": "Pending",
            "progress": 0.0,
            "position": 0,
            "steps": 3,
            "checkpoint": null,
            "content": null,
            "params": null,
            "creation_us": 1,
            "last_change_us": 1,
            "runtime_us": 0,
            "error_code": 0,
            "error_details": "",
            "retry_count": 0,
            "seq": n,
        }))
        .expect("record");
        r.seq = n;
        r
    }

    fn open(dir: &Path) -> (RedbJobStore, PathBuf) {
        let journal = dir.join("jobs.journal");
        let db = Database::create(dir.join("index.redb")).expect("db");
        (
            RedbJobStore::open(Arc::new(db), &journal).expect("store"),
            journal,
        )
    }

    fn put(s: &RedbJobStore, old: Option<&JobRecord>, new: &JobRecord) {
        s.apply(&[Change::Put { old, new }], Durability::StateChange)
            .expect("apply");
    }

    #[test]
    fn a_torn_last_batch_is_not_replayed_and_the_ones_before_are() {
        let dir = tempfile::tempdir().expect("tmp");
        let (s, journal) = open(dir.path());
        let (a, b) = (job(1, 0), job(2, 0));
        put(&s, None, &a);
        let torn_at = s.lock().journal.as_ref().map_or(0, |j| j.used());
        put(&s, None, &b);
        drop(s);
        // The last record's end never reached the disk.
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(&journal)
            .expect("journal");
        f.write_all_at(&[0xff; 8], torn_at + 40).expect("write");
        drop(f);
        let (s, _) = open(dir.path());
        assert_eq!(s.load_all().expect("load"), vec![a.clone()]);
        assert_eq!(s.pending_ids().expect("pending"), vec![a.id]);
    }

    /// Each batch submits a job and claims the one submitted by the batch before, many times
    /// over: the journal fills and is written to the tables in the middle of batches, and every
    /// claim still finds the job it takes (journaled, not yet in the tables).
    #[test]
    fn claims_find_their_jobs_across_journal_fills() {
        let dir = tempfile::tempdir().expect("tmp");
        let (s, _) = open(dir.path());
        let lease = Lease {
            owner: "w".into(),
            duration: Duration::from_secs(600),
        };
        let padded = |n: u64| {
            let mut j = job(n, 0);
            j.content = serde_json::json!({"Padding": "x".repeat(200)});
            j
        };
        let first = padded(0);
        put(&s, None, &first);
        let mut previous = first.id.clone();
        for n in 1..=1500 {
            let j = padded(n);
            let claimed = s
                .apply_and_claim(
                    &[Change::Put { old: None, new: &j }],
                    Durability::StateChange,
                    std::slice::from_ref(&lease),
                )
                .expect("apply and claim");
            assert_eq!(claimed.len(), 1, "batch {n}");
            assert_eq!(claimed[0].id, previous, "batch {n}: FIFO");
            previous = j.id.clone();
        }
        drop(s);
        let (s, _) = open(dir.path());
        assert_eq!(s.pending_ids().expect("pending"), vec![previous]);
    }

    #[test]
    fn records_of_a_generation_already_in_the_tables_are_never_replayed() {
        let dir = tempfile::tempdir().expect("tmp");
        let (s, _) = open(dir.path());
        let (a, b) = (job(1, 0), job(2, 9));
        put(&s, None, &a);
        let first_len = s.lock().journal.as_ref().map_or(0, |j| j.used());
        put(&s, None, &b);
        s.flush().expect("flush");
        // Straight to the tables (not through the journal): b Running, out of the pending
        // table.
        let mut running = b.clone();
        running.state = JobState::Running;
        {
            let entry = Entry::of(&Change::Put {
                old: Some(&b),
                new: &running,
            })
            .expect("entry");
            let tx = s.db.begin_write().expect("tx");
            write_entries(&tx, &[entry]).expect("write");
            tx.commit().expect("commit");
        }
        // The new generation's first record has exactly the length of the old first one, so
        // the old second record (b, Pending) follows it in the file.
        let mut a2 = a.clone();
        a2.position = 1;
        put(&s, None, &a2);
        assert_eq!(s.lock().journal.as_ref().map_or(0, |j| j.used()), first_len);
        drop(s);
        let (s, _) = open(dir.path());
        assert_eq!(s.get(&a.id).expect("get"), Some(a2));
        let b_now = s.get(&b.id).expect("get").expect("b");
        assert_eq!(
            b_now.state,
            JobState::Running,
            "the old put of b was ignored"
        );
        assert_eq!(s.pending_ids().expect("pending"), vec![a.id]);
    }

    #[test]
    fn a_job_changed_many_times_between_two_table_writes_ends_as_its_last_change() {
        let dir = tempfile::tempdir().expect("tmp");
        let (s, _) = open(dir.path());
        let (a, gone) = (job(1, 0), job(2, 0));
        let mut running = a.clone();
        running.state = JobState::Running;
        let mut done = running.clone();
        done.state = JobState::Success;
        done.completion_seq = Some(3);
        let mut resubmitted = done.clone();
        resubmitted.state = JobState::Pending;
        resubmitted.completion_seq = None;
        resubmitted.seq = 9;
        put(&s, None, &a);
        put(&s, None, &gone);
        put(&s, Some(&a), &running);
        put(&s, Some(&running), &done);
        s.apply(&[Change::Delete(&gone)], Durability::StateChange)
            .expect("delete");
        put(&s, Some(&done), &resubmitted);
        assert_eq!(s.lock().waiting.len(), 6, "not in the tables yet");
        // One write of the tables; reading them afterwards sees the last change of each job.
        assert_eq!(s.load_all().expect("load"), vec![resubmitted.clone()]);
        assert_eq!(s.pending_ids().expect("pending"), vec![a.id.clone()]);
        assert!(s.history_ids().expect("history").is_empty());
        let tx = s.db.begin_read().expect("read");
        let pending = tx.open_table(PENDING).expect("pending");
        assert_eq!(pending.len().expect("len"), 1, "the first pending key went");
        assert!(pending.get((priority_key(0), 9)).expect("get").is_some());
    }

    #[test]
    fn without_a_journal_every_batch_commits_to_the_tables() {
        let dir = tempfile::tempdir().expect("tmp");
        // The journal cannot be created (as on a full disk): the store works without it.
        let journal = dir.path().join("missing").join("jobs.journal");
        let open = || {
            let db = Database::create(dir.path().join("index.redb")).expect("db");
            RedbJobStore::open(Arc::new(db), &journal).expect("store")
        };
        let s = open();
        assert!(s.lock().journal.is_none());
        let a = job(1, 0);
        put(&s, None, &a);
        assert!(s.lock().waiting.is_empty(), "committed at once");
        drop(s);
        assert!(!journal.exists());
        let s = open();
        assert_eq!(s.load_all().expect("load"), vec![a]);
    }

    #[test]
    fn replayed_changes_reach_the_tables_once_and_the_journal_starts_over() {
        let dir = tempfile::tempdir().expect("tmp");
        let (s, _) = open(dir.path());
        let a = job(1, 0);
        put(&s, None, &a);
        drop(s);
        let (s, _) = open(dir.path());
        assert_eq!(
            s.lock().journal.as_ref().map_or(0, |j| j.used()),
            0,
            "replayed, then a new generation"
        );
        assert!(s.lock().waiting.is_empty());
        drop(s);
        // Straight from the tables: the replay committed them.
        let db = Database::create(dir.path().join("index.redb")).expect("db");
        let tx = db.begin_read().expect("read");
        let t = tx.open_table(RECORDS).expect("records");
        assert!(t.get(a.id.as_str()).expect("get").is_some());
    }
}
