//! The jobs engine: `ConcurrentJobs` worker threads, a timer thread (retry backoff and the
//! one-second durability of checkpoints), control actions, history and recovery.
//!
//! Every state change goes through `state::transition` or `state::advance` and is acknowledged
//! only once the job store has made the batch holding it durable (`JobStore::apply`; except
//! progress checkpoints). Concurrent changes share one batch: **group commit**.
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
//! - Workers get their jobs from the store (`JobStore::apply_and_claim`): a worker stages "job k
//!   left Running" and asks for its next job in the same batch, so the store applies the end of
//!   k and claims k+1 in one transaction; it runs k+1 only once that commit is done. If it
//!   fails, k is Running again (the disk says so) and the worker drives it again. While claims
//!   are being committed, a control of a Pending job waits: the job may be Running already.
//! - A leader holds a durable batch open for at most `COMMIT_DELAY` while a worker that began a
//!   step that recently is still in it, so the workers of trivial jobs share commits instead of
//!   taking turns (the worker count, not the disk, would bound jobs per second otherwise). A
//!   batch that carries a submit does not wait: its client is waiting for the answer. And while
//!   jobs are being submitted, a worker waits up to `WORKER_PATIENCE` for a submitter to lead
//!   the commit of its change (`settle_worker`), rather than flush first and make the next
//!   submit wait behind it.
//! - Progress checkpoints are staged like any change but not waited for: they ride with the
//!   next batch, or the timer commits them (without fsync) within `TICK`; the store makes them
//!   durable within a second.
//! - A commit that fails with an I/O error (a full disk) leaves redb's handle unusable: every
//!   later commit would fail the same way. The engine is then **broken**: it stops like a
//!   shutdown, commits nothing more, and answers the cause to every caller (`broken`), so
//!   nothing spins on the dead handle; the process must reopen the database.

mod cache;
mod commit;
mod events;
mod inline;
mod recovery;
mod sync;
mod timer;
mod worker;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::kind::JobKind;
use super::model::{CANCELED_JOB, JobInfo, JobRecord, JobRow, now_us};
use super::state::{Action, Event, Flags, JobState, Outcome, transition};
use crate::error::{Error, Result};
use crate::persist::job_store::{Durability, JobStore, Lease};
use crate::persist::redb::job_store::RedbJobStore;
use cache::{Broken, Inner, Slot, runs_here};
pub use events::{EventSink, JobChange};

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

/// Idle re-check period of workers and of the timer thread.
const TICK: Duration = Duration::from_millis(100);
/// How long a leader holds a durable batch open for a worker that began a step this recently:
/// trivial steps then finish and start their next job in the same commit instead of the next
/// one (PostgreSQL's `commit_delay`, limited to workers likely to be done soon).
const COMMIT_DELAY: Duration = Duration::from_micros(200);
/// How long a claimed job stays this engine's without a renewal, and how often the timer
/// renews: a daemon that died loses its jobs to another after at most `LEASE`.
const LEASE: Duration = Duration::from_secs(10);
const LEASE_RENEWAL: Duration = Duration::from_millis(3_333);
/// Shared store: how often idle workers ask for a claim with no Pending job in view (a job
/// whose daemon died), and how long a pause or cancel of a job running on another daemon
/// waits for that daemon to act on it before answering the job as it is.
const PROBE: Duration = Duration::from_secs(1);
const REMOTE_WAIT: Duration = Duration::from_secs(3);
/// How long a worker leaves its commit to submitters while jobs are being submitted (one came
/// within `SUBMITS_RECENT`): a submit then commits the worker's change with its own.
const WORKER_PATIENCE: Duration = Duration::from_millis(1);
const SUBMITS_RECENT: Duration = Duration::from_millis(2);
pub struct JobsEngine {
    store: Arc<dyn JobStore>,
    /// The concrete store when `open` made it (tests reach its commit hook).
    #[cfg(test)]
    redb: Option<Arc<RedbJobStore>>,
    config: EngineConfig,
    kinds: HashMap<&'static str, Arc<dyn JobKind>>,
    /// Who holds this engine's leases: `pid:random`, unique among the daemons of a store.
    owner: String,
    inner: Mutex<Inner>,
    /// A job became Pending, or the engine stops.
    work: Condvar,
    /// A batch was committed or dropped: for the workers leaving the leading to submits
    /// (`settle_worker`) and the controls waiting for the claims in flight (callers in `settle`
    /// wait on their batch's own, `jobs/batch.rs`). News from other daemons do not wake them.
    committed: Condvar,
    /// The view changed: a batch was committed or dropped, or news came (for `wait`).
    changed: Condvar,
    /// A job entered Retry, or the engine stops.
    timer: Condvar,
    /// A worker ended a step (for a leader's commit delay).
    stepped: Condvar,
    threads: Mutex<Vec<JoinHandle<()>>>,
    /// Submissions and ends of jobs, for the changes log.
    events: events::EventLog,
    /// Whether other daemons write the store too (PostgreSQL): the cache follows their
    /// changes (`sync.rs`) and controls of the jobs they run go through the store.
    shared: bool,
    /// What other daemons changed, waiting for the sync thread.
    inbox: Arc<sync::Inbox>,
}

impl JobsEngine {
    /// Opens the job tables of `db` with their journal at `journal` and loads every stored
    /// job. Nothing runs and nothing is recovered until `recover` and `start_workers`.
    pub fn open(
        db: Arc<redb::Database>,
        journal: &std::path::Path,
        config: EngineConfig,
        kinds: Vec<Arc<dyn JobKind>>,
    ) -> Result<Arc<Self>> {
        let redb = Arc::new(RedbJobStore::open(db, journal)?);
        let engine = Self::build(redb.clone(), config, kinds)?;
        #[cfg(test)]
        let engine = {
            let mut engine = engine;
            engine.redb = Some(redb);
            engine
        };
        Ok(Arc::new(engine))
    }

    /// Opens the engine over any job store and loads every stored job.
    /// Over a store other daemons share, the cache follows their changes from now on.
    pub fn open_with(
        store: Arc<dyn JobStore>,
        config: EngineConfig,
        kinds: Vec<Arc<dyn JobKind>>,
    ) -> Result<Arc<Self>> {
        let engine = Arc::new(Self::build(store, config, kinds)?);
        if engine.shared {
            engine.start_sync()?;
        }
        Ok(engine)
    }

    fn build(
        store: Arc<dyn JobStore>,
        config: EngineConfig,
        kinds: Vec<Arc<dyn JobKind>>,
    ) -> Result<Self> {
        let mut inner = Inner::default();
        for r in store.load_all()? {
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
        Ok(JobsEngine {
            shared: store.shared(),
            inbox: Arc::default(),
            store,
            #[cfg(test)]
            redb: None,
            config,
            kinds: kinds.into_iter().map(|k| (k.type_name(), k)).collect(),
            owner: format!(
                "{}:{}",
                std::process::id(),
                &uuid::Uuid::new_v4().simple().to_string()[..8]
            ),
            inner: Mutex::new(inner),
            work: Condvar::new(),
            committed: Condvar::new(),
            changed: Condvar::new(),
            timer: Condvar::new(),
            stepped: Condvar::new(),
            threads: Mutex::new(Vec::new()),
            events: events::EventLog::default(),
        })
    }

    /// The next submit sequence number. Daemons sharing a store number their submits by the
    /// clock (µs), so FIFO among equal priorities holds across them (to their clocks' skew).
    fn next_seq(&self, g: &mut Inner) -> u64 {
        if self.shared {
            g.next_seq = g.next_seq.max(u64::try_from(now_us()).unwrap_or(0));
        }
        let seq = g.next_seq;
        g.next_seq += 1;
        seq
    }

    /// The next completion sequence number (history order), by the clock as `next_seq`.
    fn next_completion(&self, g: &mut Inner) -> u64 {
        if self.shared {
            g.next_completion = g.next_completion.max(u64::try_from(now_us()).unwrap_or(0));
        }
        let seq = g.next_completion;
        g.next_completion += 1;
        seq
    }

    /// `Inner::resolve`, and on a shared store a full ID this daemon has not heard of yet
    /// (submitted elsewhere a moment ago) is looked up in the store.
    fn find(&self, id_or_prefix: &str) -> Result<String> {
        let found = self.lock().resolve(id_or_prefix);
        match found {
            Err(Error::NotFound { .. }) if self.shared && id_or_prefix.trim().len() == 36 => {
                self.refresh(&[id_or_prefix.trim().to_ascii_lowercase()]);
                self.lock().resolve(id_or_prefix)
            }
            other => other,
        }
    }

    /// The lease of a job this engine claims now.
    fn lease(&self, g: &Inner) -> Lease {
        Lease {
            owner: format!("{}/{}", self.owner, g.lease_generation),
            duration: LEASE,
        }
    }

    /// Renews the leases of the jobs this engine runs, by name: a job it holds but does not
    /// run (a claim whose commit failed may still have committed, the connection lost during
    /// COMMIT) expires, and another daemon takes it. After such a failure the engine also
    /// claims under a new owner name.
    fn renew_leases(&self) {
        let mut owners: HashMap<String, Vec<String>> = HashMap::new();
        {
            let mut g = self.lock();
            let Inner {
                lease_owners, jobs, ..
            } = &mut *g;
            lease_owners.retain(|id, _| jobs.get(id).is_some_and(runs_here));
            for (id, owner) in lease_owners.iter() {
                owners.entry(owner.clone()).or_default().push(id.clone());
            }
        }
        for (owner, ids) in owners {
            if let Err(e) = self.store.renew(&owner, &ids, LEASE) {
                tracing::error!("cannot renew the leases of the running jobs: {e}");
            }
        }
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

    /// Where job events go (`JobSubmitted`, `JobSuccess`, `JobFailure` in the changes log).
    pub fn set_event_sink(&self, sink: EventSink) {
        self.events.set_sink(sink);
    }

    /// Hands the events of every committed batch to the sink now (the timer does it every
    /// tick; a reader of the log calls this first to see its own jobs).
    pub fn flush_events(&self) {
        self.events.flush();
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
        self.submit_with(type_name, params, priority, None)
    }

    /// [`Self::submit`] with Orthanc's `UserData`, kept with the job and shown as given.
    pub fn submit_with(
        &self,
        type_name: &str,
        params: Value,
        priority: i32,
        user_data: Option<Value>,
    ) -> Result<String> {
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
            user_data,
            revision: 0,
            runner: None,
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
        rec.seq = self.next_seq(&mut g);
        let undo = rec.clone();
        let (ticket, _) = self.stage(&mut g, vec![rec], Vec::new(), Durability::StateChange);
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
        let id = self.find(id_or_prefix)?;
        let g = self.lock();
        g.jobs
            .get(&id)
            .map(|r| r.info(now_us()))
            .ok_or(Error::NotFound { what: "job", id })
    }

    /// The stored record (for outputs and debugging).
    pub fn record(&self, id_or_prefix: &str) -> Result<JobRecord> {
        let id = self.find(id_or_prefix)?;
        let g = self.lock();
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
        let id = self.find(id_or_prefix)?;
        let mut g = self.lock();
        // The commit in flight may be claiming this Pending job: decide once it is known, or
        // this change (made on the Pending version) would overwrite its Running one.
        while g.claims_in_flight > 0 && g.latest(&id).is_some_and(|r| r.state == JobState::Pending)
        {
            g = self.committed.wait(g).unwrap_or_else(|e| e.into_inner());
        }
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
            // Another daemon runs it: ask it through the store.
            Outcome::Schedule(flags) if self.shared && !runs_here(&cur) => {
                drop(g);
                return self.request_remote(&id, flags);
            }
            Outcome::Schedule(flags) => {
                let mut new = cur;
                new.flags = flags;
                self.stage(&mut g, vec![new], Vec::new(), Durability::StateChange)
                    .0
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
                    let t = self
                        .stage(&mut g, vec![new], Vec::new(), Durability::StateChange)
                        .0;
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
                    new.seq = self.next_seq(&mut g);
                    let t = self
                        .stage(&mut g, vec![new], Vec::new(), Durability::StateChange)
                        .0;
                    self.work.notify_one();
                    t
                }
            },
        };
        let answer = g.latest(&id).cloned();
        let (mut g, committed) = self.settle(g, &ticket);
        // Another daemon changed the job first (a shared store): decide again on its version.
        let overtaken = g.conflicted.remove(&id) == Some(ticket.no);
        drop(g);
        committed?;
        if overtaken {
            return Ok(None);
        }
        self.discard(discard);
        // A job evicted at once (JobsHistorySize 0) is gone.
        Ok(Some(
            answer
                .map(|r| r.info(now_us()))
                .ok_or(Error::NotFound { what: "job", id }),
        ))
    }

    /// Deletes a finished job (Success or Failure) from the history, then its outputs. Any
    /// other state is refused: a job leaves only once it is over.
    pub fn delete(&self, id_or_prefix: &str) -> Result<()> {
        let mut g = self.lock();
        let id = g.resolve(id_or_prefix)?;
        let Some(state) = g.latest(&id).map(|r| r.state) else {
            return Err(Error::NotFound { what: "job", id });
        };
        if !state.is_finished() {
            return Err(Error::Invalid(format!(
                "job {id} is {}: only a finished job can be deleted",
                state.as_str()
            )));
        }
        let (ticket, removed) = self.stage(&mut g, Vec::new(), vec![id], Durability::StateChange);
        let (g, committed) = self.settle(g, &ticket);
        drop(g);
        committed?;
        self.discard(removed);
        Ok(())
    }

    /// Blocks until the job is Success or Failure, or until `timeout` (then answers the job as
    /// it is: the caller checks `State`). Sees committed states only.
    pub fn wait(&self, id_or_prefix: &str, timeout: Option<Duration>) -> Result<JobInfo> {
        let deadline = timeout.map(|t| Instant::now() + t);
        let id = self.find(id_or_prefix)?;
        let mut g = self.lock();
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
        self.inbox.close();
        self.lock().stopping = true;
        self.work.notify_all();
        self.timer.notify_all();
        self.committed.notify_all();
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
        if self.shared {
            self.release(&mut g);
        }
        g.open.durable = true;
        let ticket = g.open.ticket();
        if let (_, Err(e)) = self.settle(g, &ticket) {
            tracing::error!("cannot commit job checkpoints at shutdown: {e}");
        }
        if let Err(e) = self.store.flush() {
            tracing::error!("cannot flush the job queue at shutdown: {e}");
        }
        self.events.flush();
    }

    /// Shared store, at shutdown: the jobs this daemon ran go back to Pending (from their
    /// checkpoint), for the other daemons to claim at once rather than after the lease. A job
    /// with a pause or cancel to honour stays Running: whoever claims it next honours it.
    fn release(&self, g: &mut Inner) {
        let now = now_us();
        let puts: Vec<JobRecord> = g
            .jobs
            .values()
            .filter(|r| runs_here(r))
            .filter_map(|r| g.latest(&r.id))
            .filter(|r| r.state == JobState::Running && r.flags == Flags::default())
            .cloned()
            .filter_map(|mut r| {
                r.state = super::state::advance(r.state, Event::Recover).ok()?;
                r.fold_runtime(false);
                r.last_change_us = now;
                Some(r)
            })
            .collect();
        if !puts.is_empty() {
            tracing::info!("{} running jobs go back to the queue", puts.len());
            self.stage(g, puts, Vec::new(), Durability::StateChange);
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

    /// The job store (read-only helpers for tests and diagnostics).
    pub fn store(&self) -> &dyn JobStore {
        self.store.as_ref()
    }

    /// The redb store `open` made (tests reach its commit hook).
    #[cfg(test)]
    pub(crate) fn redb_store(&self) -> &RedbJobStore {
        match &self.redb {
            Some(r) => r,
            None => panic!("engine not opened on redb"),
        }
    }

    /// Changes staged in the open batch (tests of the batching).
    #[cfg(test)]
    pub(crate) fn staged_in_open_batch(&self) -> usize {
        self.lock().open.ids.len()
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
