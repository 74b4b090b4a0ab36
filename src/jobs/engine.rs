//! The jobs engine: `ConcurrentJobs` worker threads, a timer thread (retry backoff and the
//! one-second durability of checkpoints), control actions, history and recovery.
//!
//! Every state change goes through `state::transition` or `state::advance` and is acknowledged
//! only once the redb transaction holding it has committed (durably, except progress
//! checkpoints). Concurrent changes share one transaction: **group commit**.
//!
//! - One mutex guards the in-memory state. Under it, a change is decided on the *latest* view
//!   (committed records overlaid with `staged` ones), recorded in `staged` and in the scheduling
//!   indexes, and added to the open [`Batch`]; the caller gets the batch's [`Ticket`]. So every
//!   decision sees every earlier decision, and changes of one job reach the disk in the order
//!   they were decided (batches commit one at a time, in order).
//! - A caller then waits on its ticket *without* the lock. If no commit is running, it becomes
//!   the leader: it takes the open batch (everything staged while the previous commit ran),
//!   commits it as one transaction with the lock released, then, under the lock again, moves
//!   the batch into the committed map and wakes every waiter. Nobody answers before that.
//! - Readers (`info`, `list`, `wait`, `counts`, `record`) see only the committed map, so no
//!   change is visible before it is on disk.
//! - A failed commit: the disk keeps its last committed state; the failed batch and the open
//!   batch staged on top of it are both dropped (their tickets get the error), `staged` is
//!   cleared and the indexes are rebuilt from the committed map, so memory matches the disk.
//! - A worker stages "job k left Running" and "job k+1 starts" under one lock hold, so both
//!   land in the same transaction; it runs k+1 only once that commit is done. If it fails, k is
//!   Running again (the disk says so) and the worker drives it again.
//! - A leader holds a durable batch open for at most `COMMIT_DELAY` while a worker that began a
//!   step that recently is still in it, so the workers of trivial jobs share commits instead of
//!   taking turns (the worker count, not the disk, would bound jobs per second otherwise).
//! - Progress checkpoints are staged like any change but not waited for: they ride with the
//!   next batch, or the timer commits them (without fsync) within `TICK`; the queue makes them
//!   durable within a second.
//! - A commit that fails with an I/O error (a full disk) leaves redb's handle unusable: every
//!   later commit would fail the same way. The engine is then **broken**: it stops like a
//!   shutdown, commits nothing more, and answers the cause to every caller (`broken`), so
//!   nothing spins on the dead handle; the process must reopen the database.

use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::batch::{Batch, Ticket};
use super::kind::{JobKind, StepContext, StepOutcome};
use super::model::{CANCELED_JOB, INTERNAL_ERROR, JobInfo, JobRecord, JobRow, now_us};
use super::queue::{Change, Commit, JobQueue, priority_key};
use super::state::{Action, Event, Flags, JobState, Outcome, advance, boundary, transition};
use crate::error::{Error, Result};

/// `ConcurrentJobs` and `JobsHistorySize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineConfig {
    /// Worker threads; 0 means one per CPU.
    pub workers: usize,
    /// Finished jobs kept (newest first); older ones are deleted with their outputs.
    pub history_size: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            workers: 2,
            history_size: 100,
        }
    }
}

/// How long a worker waits before retrying after a failed commit.
const COMMIT_RETRY: Duration = Duration::from_millis(100);
/// Idle re-check period of workers and of the timer thread.
const TICK: Duration = Duration::from_millis(100);
/// How long a leader holds a durable batch open for a worker that began a step this recently:
/// trivial steps then finish and start their next job in the same commit instead of the next
/// one (PostgreSQL's `commit_delay`, limited to workers likely to be done soon).
const COMMIT_DELAY: Duration = Duration::from_micros(200);

/// What a worker is doing, as the commit leader sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Idle,
    /// Waiting for the commit of this batch, which holds its job's start.
    Waiting(u64),
    /// Running a step (or about to) since then, without the lock.
    Stepping(Instant),
}

/// The latest, not yet committed, version of a job (`None`: deleted).
struct Staged {
    batch: u64,
    rec: Option<JobRecord>,
}

struct Inner {
    /// What the queue holds: the only view readers see.
    jobs: BTreeMap<String, JobRecord>,
    /// Changes decided but not committed yet; they overlay `jobs` for decisions.
    staged: HashMap<String, Staged>,
    /// Pending index of the latest view (what workers take next).
    pending: BTreeMap<(u32, u64), String>,
    /// History index of the latest view (what eviction counts).
    history: BTreeMap<u64, String>,
    next_seq: u64,
    next_completion: u64,
    stopping: bool,
    /// Why the database can no longer be written, once a commit failed with an I/O error.
    broken: Option<Broken>,
    /// The batch being filled.
    open: Batch,
    /// The batch being committed by a leader, if any.
    committing: Option<Ticket>,
    /// One per worker.
    slots: Vec<Slot>,
}

impl Default for Inner {
    fn default() -> Self {
        Inner {
            jobs: BTreeMap::new(),
            staged: HashMap::new(),
            pending: BTreeMap::new(),
            history: BTreeMap::new(),
            next_seq: 0,
            next_completion: 0,
            stopping: false,
            broken: None,
            open: Batch::new(1),
            committing: None,
            slots: Vec::new(),
        }
    }
}

impl Inner {
    fn unindex(&mut self, r: &JobRecord) {
        if r.state == JobState::Pending {
            self.pending.remove(&(priority_key(r.priority), r.seq));
        }
        if r.state.is_finished()
            && let Some(c) = r.completion_seq
        {
            self.history.remove(&c);
        }
    }

    fn index(&mut self, r: &JobRecord) {
        if r.state == JobState::Pending {
            self.pending
                .insert((priority_key(r.priority), r.seq), r.id.clone());
        }
        if r.state.is_finished()
            && let Some(c) = r.completion_seq
        {
            self.history.insert(c, r.id.clone());
        }
    }

    /// Rebuilds both indexes from the committed records (after a failed commit).
    fn reindex(&mut self) {
        self.pending.clear();
        self.history.clear();
        let jobs = std::mem::take(&mut self.jobs);
        for r in jobs.values() {
            self.index(r);
        }
        self.jobs = jobs;
    }

    /// The job as the latest decision left it (committed or staged).
    fn latest(&self, id: &str) -> Option<&JobRecord> {
        match self.staged.get(id) {
            Some(s) => s.rec.as_ref(),
            None => self.jobs.get(id),
        }
    }

    /// The ticket of the batch holding the job's latest staged change, if any.
    fn ticket_of(&self, id: &str) -> Ticket {
        match self.staged.get(id) {
            Some(s) if s.batch == self.open.no => self.open.ticket(),
            Some(s) => match &self.committing {
                Some(t) if t.no == s.batch => t.clone(),
                _ => Ticket::done(),
            },
            None => Ticket::done(),
        }
    }

    fn resolve(&self, prefix: &str) -> Result<String> {
        let p = prefix.trim().to_ascii_lowercase();
        if self.jobs.contains_key(&p) {
            return Ok(p);
        }
        if p.len() < 8 {
            return Err(Error::PrefixTooShort(p));
        }
        let found: Vec<String> = self
            .jobs
            .range(p.clone()..)
            .take_while(|(k, _)| k.starts_with(&p))
            .take(11)
            .map(|(k, _)| k.clone())
            .collect();
        match found.len() {
            0 => Err(Error::NotFound { what: "job", id: p }),
            1 => Ok(found.into_iter().next().unwrap_or_default()),
            _ => Err(Error::Ambiguous {
                prefix: p,
                candidates: found,
            }),
        }
    }
}

/// The cause of a failed database write, kept to answer every later caller.
#[derive(Debug, Clone)]
struct Broken {
    disk_full: bool,
    message: String,
}

impl Broken {
    fn of(e: &Error) -> Broken {
        Broken {
            disk_full: matches!(e, Error::DiskFull { .. }),
            message: e.to_string(),
        }
    }

    fn error(&self) -> Error {
        if self.disk_full {
            Error::DiskFull {
                home: None,
                what: "job changes can no longer be saved".into(),
            }
        } else {
            Error::DatabaseIo(self.message.clone())
        }
    }
}

/// A job whose start is staged in `ticket`'s batch, and the job the same worker left Running in
/// that batch, if any (with the records whose outputs go once the batch commits).
struct Started {
    id: String,
    ticket: Ticket,
    prev: Option<(String, Vec<JobRecord>)>,
}

/// Where a step boundary left a job.
enum Step {
    /// Still Running here; the next step may run.
    Continue,
    /// Not this worker's to run any more (gone, not Running, or the engine stops).
    Stop,
    /// It left Running in `ticket`'s batch; `next` is started in the same batch.
    Left {
        ticket: Ticket,
        discard: Vec<JobRecord>,
        next: Option<(String, Ticket)>,
    },
}

pub struct JobsEngine {
    queue: JobQueue,
    config: EngineConfig,
    kinds: HashMap<&'static str, Arc<dyn JobKind>>,
    inner: Mutex<Inner>,
    /// A job became Pending, or the engine stops.
    work: Condvar,
    /// A batch was committed or dropped (changes are visible: for `wait`).
    changed: Condvar,
    /// A job entered Retry, or the engine stops.
    timer: Condvar,
    /// A worker ended a step (for a leader's commit delay).
    stepped: Condvar,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl JobsEngine {
    /// Opens the queue tables and loads every stored job. Nothing runs and nothing is recovered
    /// until `recover` and `start_workers`.
    pub fn open(
        db: Arc<redb::Database>,
        config: EngineConfig,
        kinds: Vec<Arc<dyn JobKind>>,
    ) -> Result<Arc<Self>> {
        let queue = JobQueue::open(db)?;
        let mut inner = Inner::default();
        for r in queue.load_all()? {
            inner.next_seq = inner.next_seq.max(r.seq + 1);
            if let Some(c) = r.completion_seq {
                inner.next_completion = inner.next_completion.max(c + 1);
            }
            inner.index(&r);
            inner.jobs.insert(r.id.clone(), r);
        }
        let config = EngineConfig {
            workers: if config.workers == 0 {
                crate::parallel::cpus()
            } else {
                config.workers
            },
            ..config
        };
        inner.slots = vec![Slot::Idle; config.workers];
        Ok(Arc::new(JobsEngine {
            queue,
            config,
            kinds: kinds.into_iter().map(|k| (k.type_name(), k)).collect(),
            inner: Mutex::new(inner),
            work: Condvar::new(),
            changed: Condvar::new(),
            timer: Condvar::new(),
            stepped: Condvar::new(),
            threads: Mutex::new(Vec::new()),
        }))
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn kind(&self, type_name: &str) -> Result<Arc<dyn JobKind>> {
        self.kinds
            .get(type_name)
            .cloned()
            .ok_or_else(|| Error::Invalid(format!("unknown job type '{type_name}'")))
    }

    /// Start-up recovery (DESIGN.md): Running and Retry jobs go back to Pending (from their
    /// checkpoint, or from step 0 if their kind is not resumable); a Running job whose pause or
    /// cancel was acknowledged becomes Paused or is canceled; Paused stay Paused; the history is
    /// trimmed to `JobsHistorySize`. One durable transaction.
    pub fn recover(&self) -> Result<()> {
        let mut g = self.lock();
        let now = now_us();
        let mut puts = Vec::new();
        let mut canceled = Vec::new();
        for r in g.jobs.values() {
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
        let (mut ticket, mut discard) = self.stage(&mut g, puts, deletes, Commit::Durable);
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

    /// Starts the workers and the timer thread (once).
    pub fn start_workers(self: &Arc<Self>) {
        let mut threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
        if !threads.is_empty() || self.lock().stopping {
            return;
        }
        for n in 0..self.config.workers {
            let me = Arc::clone(self);
            let spawned = std::thread::Builder::new()
                .name(format!("dicomq-job-{n}"))
                .spawn(move || me.worker_loop(n));
            match spawned {
                Ok(h) => threads.push(h),
                Err(e) => tracing::error!("cannot start job worker {n}: {e}"),
            }
        }
        let me = Arc::clone(self);
        match std::thread::Builder::new()
            .name("dicomq-job-timer".into())
            .spawn(move || me.timer_loop())
        {
            Ok(h) => threads.push(h),
            Err(e) => tracing::error!("cannot start the job timer: {e}"),
        }
    }

    /// Queues a job; returns its ID once the job is durably stored.
    pub fn submit(&self, type_name: &str, params: Value, priority: i32) -> Result<String> {
        let kind = self.kind(type_name)?;
        let id = uuid::Uuid::new_v4().to_string();
        let plan = kind.plan(&id, &params)?;
        let now = now_us();
        let mut rec = JobRecord {
            id: id.clone(),
            type_name: kind.type_name().to_string(),
            priority,
            state: JobState::Pending,
            progress: if plan.steps == 0 { 1.0 } else { 0.0 },
            position: 0,
            steps: plan.steps,
            checkpoint: plan.checkpoint,
            content: plan.content,
            params,
            creation_us: now,
            last_change_us: now,
            completion_us: None,
            runtime_us: 0,
            running_since: None,
            error_code: 0,
            error_details: String::new(),
            retry_count: 0,
            next_retry_us: None,
            seq: 0,
            completion_seq: None,
            flags: Flags::default(),
        };
        let mut g = self.lock();
        if g.stopping {
            let refusal = match &g.broken {
                Some(b) => b.error(),
                None => Error::Busy("the jobs engine is shutting down".into()),
            };
            drop(g);
            // What `plan` prepared (an archive's file list) goes with the refused job.
            kind.discard_outputs(&rec);
            return Err(refusal);
        }
        rec.seq = g.next_seq;
        g.next_seq += 1;
        let undo = rec.clone();
        let (ticket, _) = self.stage(&mut g, vec![rec], Vec::new(), Commit::Durable);
        // A worker may start it at once: its start shares this commit or follows it.
        self.work.notify_one();
        if let Err(e) = self.settle(g, &ticket).1 {
            kind.discard_outputs(&undo);
            return Err(e);
        }
        Ok(id)
    }

    /// `GET /jobs/{id}`; `id_or_prefix` is a full ID or a unique prefix of at least 8 characters.
    pub fn info(&self, id_or_prefix: &str) -> Result<JobInfo> {
        let g = self.lock();
        let id = g.resolve(id_or_prefix)?;
        g.jobs
            .get(&id)
            .map(|r| r.info(now_us()))
            .ok_or(Error::NotFound { what: "job", id })
    }

    /// The stored record (for outputs and debugging).
    pub fn record(&self, id_or_prefix: &str) -> Result<JobRecord> {
        let g = self.lock();
        let id = g.resolve(id_or_prefix)?;
        g.jobs
            .get(&id)
            .cloned()
            .ok_or(Error::NotFound { what: "job", id })
    }

    /// Every job, oldest creation first.
    /// Every job as a table row, in creation order.
    pub fn rows(&self) -> Vec<JobRow> {
        let g = self.lock();
        let mut all: Vec<&JobRecord> = g.jobs.values().collect();
        all.sort_by_key(|r| (r.creation_us, r.seq));
        all.into_iter().map(JobRecord::row).collect()
    }

    /// Whether a job with exactly this ID exists.
    pub fn exists(&self, id: &str) -> bool {
        self.lock().jobs.contains_key(id)
    }

    pub fn list(&self) -> Vec<JobInfo> {
        let g = self.lock();
        let now = now_us();
        let mut all: Vec<&JobRecord> = g.jobs.values().collect();
        all.sort_by_key(|r| (r.creation_us, r.seq));
        all.into_iter().map(|r| r.info(now)).collect()
    }

    /// Pause, resume, cancel or resubmit (Orthanc's matrix; an illegal action is
    /// `Error::Invalid`). Returns the job as the action left it, once that is durable.
    pub fn control(&self, id_or_prefix: &str, action: Action) -> Result<JobInfo> {
        loop {
            if let Some(e) = self.broken() {
                return Err(e);
            }
            if let Some(answer) = self.control_once(id_or_prefix, action)? {
                return answer;
            }
        }
    }

    /// One attempt of `control`. Any answer decided on a staged state waits for that state's
    /// commit; `None`: that commit failed, so the state it was decided on is gone: decide again.
    fn control_once(&self, id_or_prefix: &str, action: Action) -> Result<Option<Result<JobInfo>>> {
        let mut g = self.lock();
        let id = g.resolve(id_or_prefix)?;
        let answered = |g: MutexGuard<'_, Inner>, answer: Result<JobInfo>| {
            let ticket = g.ticket_of(&id);
            let (_g, committed) = self.settle(g, &ticket);
            committed.is_ok().then_some(answer)
        };
        let Some(cur) = g.latest(&id).cloned() else {
            let gone = Err(Error::NotFound {
                what: "job",
                id: id.clone(),
            });
            return Ok(answered(g, gone));
        };
        let outcome = match transition(cur.state, action, cur.flags) {
            Ok(o) => o,
            Err(r) => return Ok(answered(g, Err(refused(&id, r)))),
        };
        let now = now_us();
        let mut discard = Vec::new();
        let ticket = match outcome {
            Outcome::NoOp => return Ok(answered(g, Ok(cur.info(now)))),
            Outcome::Schedule(flags) => {
                let mut new = cur;
                new.flags = flags;
                self.stage(&mut g, vec![new], Vec::new(), Commit::Durable).0
            }
            Outcome::Move(to) => match action {
                Action::Cancel => {
                    let (t, d) = self.complete(&mut g, cur, Event::Fail, CANCELED_JOB, None)?;
                    discard = d;
                    t
                }
                Action::Pause | Action::Resume => {
                    let mut new = cur;
                    new.state = to;
                    new.next_retry_us = None;
                    new.last_change_us = now;
                    let t = self.stage(&mut g, vec![new], Vec::new(), Commit::Durable).0;
                    self.work.notify_one();
                    t
                }
                Action::Resubmit => {
                    let kind = self.kind(&cur.type_name)?;
                    let mut new = cur;
                    restart(kind.as_ref(), &mut new)?;
                    new.state = to;
                    new.runtime_us = 0;
                    new.completion_us = None;
                    new.completion_seq = None;
                    new.last_change_us = now;
                    new.seq = g.next_seq;
                    g.next_seq += 1;
                    let t = self.stage(&mut g, vec![new], Vec::new(), Commit::Durable).0;
                    self.work.notify_one();
                    t
                }
            },
        };
        let answer = g.latest(&id).cloned();
        let (g, committed) = self.settle(g, &ticket);
        drop(g);
        committed?;
        self.discard(discard);
        // A job evicted at once (JobsHistorySize 0) is gone.
        Ok(Some(
            answer
                .map(|r| r.info(now_us()))
                .ok_or(Error::NotFound { what: "job", id }),
        ))
    }

    /// Blocks until the job is Success or Failure, or until `timeout` (then answers the job as
    /// it is: the caller checks `State`). Sees committed states only.
    pub fn wait(&self, id_or_prefix: &str, timeout: Option<Duration>) -> Result<JobInfo> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut g = self.lock();
        let id = g.resolve(id_or_prefix)?;
        loop {
            let Some(r) = g.jobs.get(&id) else {
                return Err(Error::NotFound { what: "job", id });
            };
            if r.state.is_finished() {
                return Ok(r.info(now_us()));
            }
            if let Some(b) = &g.broken {
                return Err(b.error());
            }
            if g.stopping {
                return Err(Error::Busy(format!(
                    "the jobs engine stopped while job {id} was {}",
                    r.state
                )));
            }
            let wait = match deadline {
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Ok(r.info(now_us()));
                    }
                    left.min(Duration::from_secs(1))
                }
                None => Duration::from_secs(1),
            };
            g = self
                .changed
                .wait_timeout(g, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Stops taking jobs; running jobs stop at their next step boundary with their checkpoint
    /// committed (they stay Running in the database, for `recover`); joins the threads.
    pub fn shutdown(&self) {
        self.lock().stopping = true;
        self.work.notify_all();
        self.timer.notify_all();
        self.changed.notify_all();
        let threads: Vec<_> = self
            .threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
            .collect();
        for t in threads {
            if t.join().is_err() {
                tracing::error!("a job thread panicked");
            }
        }
        // Checkpoints still staged (none can be saved on a broken database).
        let mut g = self.lock();
        if g.broken.is_some() {
            return;
        }
        g.open.durable = true;
        let ticket = g.open.ticket();
        if let (_, Err(e)) = self.settle(g, &ticket) {
            tracing::error!("cannot commit job checkpoints at shutdown: {e}");
        }
        if let Err(e) = self.queue.flush() {
            tracing::error!("cannot flush the job queue at shutdown: {e}");
        }
    }

    /// Why the engine stopped for good, if a database write failed with an I/O error: the
    /// database handle is unusable and the process must reopen it.
    pub fn broken(&self) -> Option<Error> {
        self.lock().broken.as_ref().map(Broken::error)
    }

    /// Number of jobs per (type, state), for the metrics.
    pub fn counts(&self) -> BTreeMap<(String, JobState), u64> {
        let g = self.lock();
        let mut out = BTreeMap::new();
        for r in g.jobs.values() {
            *out.entry((r.type_name.clone(), r.state)).or_insert(0) += 1;
        }
        out
    }

    /// The job types this engine runs, sorted.
    pub fn type_names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.kinds.keys().copied().collect();
        names.sort_unstable();
        names
    }

    /// The queue seam (read-only helpers for tests and diagnostics).
    pub fn queue(&self) -> &JobQueue {
        &self.queue
    }

    /// Changes staged in the open batch (tests of the batching).
    #[cfg(test)]
    pub(crate) fn staged_in_open_batch(&self) -> usize {
        self.lock().open.ids.len()
    }

    // ---- group commit ----

    /// Stages `puts` and `deletes` in the open batch and in the latest view. Returns the batch's
    /// ticket and the deleted records (whose outputs go once the ticket commits).
    fn stage(
        &self,
        g: &mut Inner,
        puts: Vec<JobRecord>,
        deletes: Vec<String>,
        mode: Commit,
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
            if let Some(old) = g.latest(&p.id).cloned() {
                g.unindex(&old);
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
        if mode == Commit::Durable {
            g.open.durable = true;
        }
        (g.open.ticket(), removed)
    }

    /// Waits until `ticket`'s batch is committed or dropped, committing it as the leader if no
    /// commit is running. Returns the lock again with the outcome.
    fn settle<'a>(
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
                g = self.changed.wait(g).unwrap_or_else(|e| e.into_inner());
            }
        }
    }

    /// Commits the open batch now if no commit is running (lazy checkpoints).
    fn commit_if_idle<'a>(&'a self, g: MutexGuard<'a, Inner>) -> MutexGuard<'a, Inner> {
        if g.committing.is_none() && !g.open.ids.is_empty() {
            self.commit_open(g)
        } else {
            g
        }
    }

    /// The leader's work: takes the open batch, commits it with the lock released, then makes
    /// it visible (or, on failure, drops it and the batch staged on top of it).
    fn commit_open<'a>(&'a self, mut g: MutexGuard<'a, Inner>) -> MutexGuard<'a, Inner> {
        if let Some(b) = &g.broken {
            // Never retried on a dead handle: the batch fails at once.
            let message = b.message.clone();
            let next = Batch::new(g.open.no + 1);
            let batch = std::mem::replace(&mut g.open, next);
            g.staged.clear();
            g.reindex();
            batch.resolve(Err(message));
            self.changed.notify_all();
            return g;
        }
        if g.open.durable {
            // Nobody else leads meanwhile; changes staged meanwhile join this batch.
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
        if batch.ids.is_empty() {
            g.committing = None;
            batch.resolve(Ok(()));
            self.changed.notify_all();
            return g;
        }
        g.committing = Some(batch.ticket());
        let mut news = Vec::with_capacity(batch.ids.len());
        let mut olds = Vec::with_capacity(batch.ids.len());
        for id in &batch.ids {
            news.push(g.staged.get(id).and_then(|s| s.rec.clone()));
            olds.push(g.jobs.get(id).cloned());
        }
        let mode = if batch.durable {
            Commit::Durable
        } else {
            Commit::Lazy
        };
        drop(g);

        let changes: Vec<Change<'_>> = news
            .iter()
            .zip(&olds)
            .filter_map(|(new, old)| match (new, old) {
                (Some(new), old) => Some(Change::Put {
                    old: old.as_ref(),
                    new,
                }),
                (None, Some(old)) => Some(Change::Delete(old)),
                // Created and deleted before reaching the disk.
                (None, None) => None,
            })
            .collect();
        let result = if changes.is_empty() {
            Ok(())
        } else {
            self.queue.commit(&changes, mode)
        };
        drop(changes);

        let mut g = self.lock();
        match result {
            Ok(()) => {
                for (id, new) in batch.ids.iter().zip(news) {
                    match new {
                        Some(r) => {
                            g.jobs.insert(id.clone(), r);
                        }
                        None => {
                            g.jobs.remove(id);
                        }
                    }
                    if g.staged.get(id).is_some_and(|s| s.batch == batch.no) {
                        g.staged.remove(id);
                    }
                }
                let now = Instant::now();
                for slot in g.slots.iter_mut() {
                    if *slot == Slot::Waiting(batch.no) {
                        *slot = Slot::Stepping(now);
                    }
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
        self.changed.notify_all();
        g
    }

    // ---- internals ----

    /// Moves `rec` to Success or Failure (per `event`) with the history eviction it causes, in
    /// one batch. Returns its ticket and the records whose outputs go once it commits.
    fn complete(
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
        rec.completion_seq = Some(g.next_completion);
        g.next_completion += 1;
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
        let (ticket, evicted) = self.stage(g, puts, deletes, Commit::Durable);
        discard.extend(evicted);
        Ok((ticket, discard))
    }

    fn discard(&self, records: Vec<JobRecord>) {
        for r in records {
            if let Some(kind) = self.kinds.get(r.type_name.as_str()) {
                kind.discard_outputs(&r);
            }
        }
    }

    fn worker_loop(self: Arc<Self>, n: usize) {
        let mut next: Option<Started> = None;
        loop {
            let started = match next.take() {
                Some(s) => s,
                None => match self.take_next_job(n) {
                    Some(s) => s,
                    None => return,
                },
            };
            let committed = {
                let g = self.lock();
                self.settle(g, &started.ticket).1
            };
            match committed {
                Ok(()) => {
                    if let Some((_, discard)) = started.prev {
                        self.discard(discard);
                    }
                    next = self.drive(n, &started.id);
                }
                Err(e) => {
                    tracing::error!("cannot start job {}: {e}", started.id);
                    match started.prev {
                        // Its exit shared the failed commit: it is Running again, still ours.
                        Some((prev, _)) => next = self.drive(n, &prev),
                        None => std::thread::sleep(COMMIT_RETRY),
                    }
                }
            }
        }
    }

    /// Waits for a Pending job and stages its start. `None`: the engine stops.
    fn take_next_job(&self, n: usize) -> Option<Started> {
        let mut g = self.lock();
        loop {
            if g.stopping {
                return None;
            }
            if let Some((id, ticket)) = self.start_next(&mut g, n) {
                return Some(Started {
                    id,
                    ticket,
                    prev: None,
                });
            }
            g = self
                .work
                .wait_timeout(g, TICK)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Stages the start of the first Pending job of the latest view for worker `n`, if any.
    fn start_next(&self, g: &mut Inner, n: usize) -> Option<(String, Ticket)> {
        while let Some(id) = g.pending.values().next().cloned() {
            match self.start(g, &id) {
                Ok(ticket) => {
                    if let Some(slot) = g.slots.get_mut(n) {
                        *slot = Slot::Waiting(ticket.no);
                    }
                    return Some((id, ticket));
                }
                Err(e) => {
                    // The index and the record disagree: drop the entry rather than spin on it.
                    tracing::error!("cannot start job {id}: {e}");
                    g.pending.retain(|_, v| *v != id);
                }
            }
        }
        None
    }

    fn start(&self, g: &mut Inner, id: &str) -> Result<Ticket> {
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
        Ok(self.stage(g, vec![new], Vec::new(), Commit::Durable).0)
    }

    /// Runs a Running job (its start committed) step by step until it leaves Running or the
    /// engine stops. Returns the next job if this worker started one in the same commit.
    fn drive(&self, n: usize, id: &str) -> Option<Started> {
        loop {
            match self.run_once(n, id) {
                Ok(Step::Continue) => continue,
                Ok(Step::Stop) => {
                    self.set_slot(n, Slot::Idle);
                    return None;
                }
                Ok(Step::Left {
                    ticket,
                    discard,
                    next: Some((next, next_ticket)),
                }) => {
                    debug_assert_eq!(ticket.no, next_ticket.no);
                    return Some(Started {
                        id: next,
                        ticket: next_ticket,
                        prev: Some((id.to_string(), discard)),
                    });
                }
                Ok(Step::Left {
                    ticket,
                    discard,
                    next: None,
                }) => {
                    let committed = {
                        let g = self.lock();
                        self.settle(g, &ticket).1
                    };
                    match committed {
                        Ok(()) => {
                            self.discard(discard);
                            return None;
                        }
                        // Memory is back to the committed state (Running): run it again,
                        // unless the engine stops (a broken database is never retried).
                        Err(e) => {
                            tracing::error!("job {id}: {e}");
                            if self.lock().stopping {
                                self.set_slot(n, Slot::Idle);
                                return None;
                            }
                            std::thread::sleep(COMMIT_RETRY);
                        }
                    }
                }
                Err(e) => {
                    tracing::error!("job {id}: {e}");
                    std::thread::sleep(COMMIT_RETRY);
                    if self.lock().stopping {
                        return None;
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

    /// The job left Running in `ticket`'s batch: start this worker's next job in the same batch.
    fn leave(&self, g: &mut Inner, n: usize, ticket: Ticket, discard: Vec<JobRecord>) -> Step {
        if let Some(slot) = g.slots.get_mut(n) {
            *slot = Slot::Idle;
        }
        self.stepped.notify_all();
        let next = if g.stopping {
            None
        } else {
            self.start_next(g, n)
        };
        Step::Left {
            ticket,
            discard,
            next,
        }
    }

    /// One step boundary and one step.
    fn run_once(&self, n: usize, id: &str) -> Result<Step> {
        let mut g = self.lock();
        let Some(rec) = g.latest(id).cloned() else {
            return Ok(Step::Stop);
        };
        if rec.state != JobState::Running {
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
                self.stage(&mut g, vec![new], Vec::new(), Commit::Durable)
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
                    self.complete(&mut g, new, Event::Succeed, 0, None)?
                } else {
                    new.state = advance(new.state, Event::Step).map_err(|e| refused(id, e))?;
                    new.fold_runtime(true);
                    // Rides with the next commit, or the timer's within `TICK`: a transaction
                    // per step would cost more than most steps (and delay durable commits).
                    self.stage(&mut g, vec![new], Vec::new(), Commit::Lazy);
                    drop(g);
                    return Ok(Step::Continue);
                }
            }
            StepOutcome::Done => {
                new.position = new.steps.max(ctx.position + 1);
                new.checkpoint = ctx.checkpoint;
                new.content = ctx.content;
                self.complete(&mut g, new, Event::Succeed, 0, None)?
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
                    let staged = self.stage(&mut g, vec![new], Vec::new(), Commit::Durable);
                    self.timer.notify_all();
                    staged
                }
            }
        };
        Ok(self.leave(&mut g, n, t, d))
    }

    /// Retry backoff, and the durability of lazy checkpoints.
    fn timer_loop(self: Arc<Self>) {
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
                let (ticket, _) = self.stage(&mut g, puts, Vec::new(), Commit::Durable);
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
            if let Err(e) = self.queue.flush_if_stale() {
                tracing::error!("cannot flush job checkpoints: {e}");
            }
        }
    }
}

/// Back to step 0 (resubmit, or recovery of a non-resumable kind).
fn restart(kind: &dyn JobKind, r: &mut JobRecord) -> Result<()> {
    let plan = kind.plan(&r.id, &r.params)?;
    r.steps = plan.steps;
    r.content = plan.content;
    r.position = 0;
    r.checkpoint = plan.checkpoint;
    r.progress = if plan.steps == 0 { 1.0 } else { 0.0 };
    r.retry_count = 0;
    r.next_retry_us = None;
    r.flags = Flags::default();
    kind.reset(r);
    Ok(())
}

fn refused(id: &str, r: super::state::Refusal) -> Error {
    Error::Invalid(r.message(id))
}
