//! The jobs engine: `ConcurrentJobs` worker threads, a timer thread (retry backoff and the
//! one-second durability of checkpoints), control actions, history and recovery.
//!
//! Every state change goes through `state::transition` or `state::advance` and is committed to
//! the queue (one durable redb transaction) before memory changes and before the caller gets an
//! answer; a failing commit leaves memory unchanged. One mutex guards the in-memory mirror and
//! is held across each commit, so the database and memory change in the same order.

use std::collections::{BTreeMap, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::kind::{JobKind, StepContext, StepOutcome};
use super::model::{CANCELED_JOB, INTERNAL_ERROR, JobInfo, JobRecord, now_us};
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

#[derive(Default)]
struct Inner {
    jobs: BTreeMap<String, JobRecord>,
    /// Mirror of the queue's pending index.
    pending: BTreeMap<(u32, u64), String>,
    /// Mirror of the queue's history index.
    history: BTreeMap<u64, String>,
    next_seq: u64,
    next_completion: u64,
    stopping: bool,
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

pub struct JobsEngine {
    queue: JobQueue,
    config: EngineConfig,
    kinds: HashMap<&'static str, Arc<dyn JobKind>>,
    inner: Mutex<Inner>,
    /// A job became Pending, or the engine stops.
    work: Condvar,
    /// Any state change (for `wait`).
    changed: Condvar,
    /// A job entered Retry, or the engine stops.
    timer: Condvar,
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
                std::thread::available_parallelism()
                    .map(|n| n.get())
                    .unwrap_or(2)
            } else {
                config.workers
            },
            ..config
        };
        Ok(Arc::new(JobsEngine {
            queue,
            config,
            kinds: kinds.into_iter().map(|k| (k.type_name(), k)).collect(),
            inner: Mutex::new(inner),
            work: Condvar::new(),
            changed: Condvar::new(),
            timer: Condvar::new(),
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
        let evicted = self.commit(&mut g, puts, deletes, Commit::Durable)?;
        let mut discard = evicted;
        for mut r in canceled {
            r.state = JobState::Running; // what `complete` expects
            r.flags = Flags::default();
            discard.extend(self.complete(
                &mut g,
                r,
                Event::CancelAtBoundary,
                CANCELED_JOB,
                None,
            )?);
        }
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
                .spawn(move || me.worker_loop());
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
        let mut g = self.lock();
        if g.stopping {
            return Err(Error::Busy("the jobs engine is shutting down".into()));
        }
        let rec = JobRecord {
            id: id.clone(),
            type_name: kind.type_name().to_string(),
            priority,
            state: JobState::Pending,
            progress: if plan.steps == 0 { 1.0 } else { 0.0 },
            position: 0,
            steps: plan.steps,
            checkpoint: Value::Null,
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
            seq: g.next_seq,
            completion_seq: None,
            flags: Flags::default(),
        };
        self.commit(&mut g, vec![rec], Vec::new(), Commit::Durable)?;
        g.next_seq += 1;
        self.work.notify_one();
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
    pub fn list(&self) -> Vec<JobInfo> {
        let g = self.lock();
        let now = now_us();
        let mut all: Vec<&JobRecord> = g.jobs.values().collect();
        all.sort_by_key(|r| (r.creation_us, r.seq));
        all.into_iter().map(|r| r.info(now)).collect()
    }

    /// Pause, resume, cancel or resubmit (Orthanc's matrix; an illegal action is
    /// `Error::Invalid`). Returns the job as it is once the change is durable.
    pub fn control(&self, id_or_prefix: &str, action: Action) -> Result<JobInfo> {
        let mut g = self.lock();
        let id = g.resolve(id_or_prefix)?;
        let cur = g.jobs.get(&id).cloned().ok_or_else(|| Error::NotFound {
            what: "job",
            id: id.clone(),
        })?;
        let outcome = transition(cur.state, action, cur.flags).map_err(|e| refused(&id, e))?;
        let now = now_us();
        let mut discard = Vec::new();
        match outcome {
            Outcome::NoOp => {}
            Outcome::Schedule(flags) => {
                let mut new = cur;
                new.flags = flags;
                self.commit(&mut g, vec![new], Vec::new(), Commit::Durable)?;
            }
            Outcome::Move(to) => match action {
                Action::Cancel => {
                    discard = self.complete(&mut g, cur, Event::Fail, CANCELED_JOB, None)?;
                }
                Action::Pause | Action::Resume => {
                    let mut new = cur;
                    new.state = to;
                    new.next_retry_us = None;
                    new.last_change_us = now;
                    self.commit(&mut g, vec![new], Vec::new(), Commit::Durable)?;
                    self.work.notify_one();
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
                    self.commit(&mut g, vec![new], Vec::new(), Commit::Durable)?;
                    g.next_seq += 1;
                    self.work.notify_one();
                }
            },
        }
        let info = g.jobs.get(&id).map(|r| r.info(now_us()));
        drop(g);
        self.discard(discard);
        // A job evicted at once (JobsHistorySize 0) is gone: answer with what it was.
        info.ok_or(Error::NotFound { what: "job", id })
    }

    /// Blocks until the job is Success or Failure, or until `timeout` (then answers the job as
    /// it is: the caller checks `State`).
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
        if let Err(e) = self.queue.flush() {
            tracing::error!("cannot flush the job queue at shutdown: {e}");
        }
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

    // ---- internals ----

    /// Commits `puts` and `deletes` in one transaction, then mirrors them in memory. Returns
    /// the deleted records.
    fn commit(
        &self,
        g: &mut Inner,
        puts: Vec<JobRecord>,
        deletes: Vec<String>,
        mode: Commit,
    ) -> Result<Vec<JobRecord>> {
        {
            let mut changes = Vec::with_capacity(puts.len() + deletes.len());
            for p in &puts {
                changes.push(Change::Put {
                    old: g.jobs.get(&p.id),
                    new: p,
                });
            }
            for d in &deletes {
                if let Some(old) = g.jobs.get(d) {
                    changes.push(Change::Delete(old));
                }
            }
            if changes.is_empty() {
                return Ok(Vec::new());
            }
            self.queue.commit(&changes, mode)?;
        }
        let mut removed = Vec::new();
        for d in deletes {
            if let Some(old) = g.jobs.remove(&d) {
                g.unindex(&old);
                removed.push(old);
            }
        }
        for p in puts {
            if let Some(old) = g.jobs.remove(&p.id) {
                g.unindex(&old);
            }
            g.index(&p);
            g.jobs.insert(p.id.clone(), p);
        }
        self.changed.notify_all();
        Ok(removed)
    }

    /// Moves `rec` to Success or Failure (per `event`) with the history eviction it causes, in
    /// one durable transaction. Returns the records whose outputs must be discarded.
    fn complete(
        &self,
        g: &mut Inner,
        mut rec: JobRecord,
        event: Event,
        code: i32,
        details: Option<String>,
    ) -> Result<Vec<JobRecord>> {
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
        let evicted = self.commit(g, puts, deletes, Commit::Durable)?;
        g.next_completion += 1;
        discard.extend(evicted);
        Ok(discard)
    }

    fn discard(&self, records: Vec<JobRecord>) {
        for r in records {
            if let Some(kind) = self.kinds.get(r.type_name.as_str()) {
                kind.discard_outputs(&r);
            }
        }
    }

    fn worker_loop(self: Arc<Self>) {
        loop {
            let id = {
                let mut g = self.lock();
                loop {
                    if g.stopping {
                        return;
                    }
                    let first = g.pending.values().next().cloned();
                    if let Some(id) = first {
                        match self.start(&mut g, &id) {
                            Ok(()) => break id,
                            Err(e) => {
                                tracing::error!("cannot start job {id}: {e}");
                                g = self
                                    .work
                                    .wait_timeout(g, COMMIT_RETRY)
                                    .unwrap_or_else(|e| e.into_inner())
                                    .0;
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
            };
            self.run(&id);
        }
    }

    fn start(&self, g: &mut Inner, id: &str) -> Result<()> {
        let Some(cur) = g.jobs.get(id).cloned() else {
            return Err(Error::Internal(format!("pending job {id} has no record")));
        };
        let mut new = cur;
        new.state = advance(new.state, Event::Start).map_err(|e| refused(id, e))?;
        new.error_code = 0;
        new.error_details.clear();
        new.flags = Flags::default();
        new.last_change_us = now_us();
        new.running_since = Some(Instant::now());
        self.commit(g, vec![new], Vec::new(), Commit::Durable)?;
        Ok(())
    }

    /// Runs a Running job step by step until it leaves Running or the engine stops.
    fn run(&self, id: &str) {
        loop {
            match self.run_once(id) {
                Ok(true) => continue,
                Ok(false) => return,
                Err(e) => {
                    // Memory still holds the last committed state: run again from it.
                    tracing::error!("job {id}: {e}");
                    std::thread::sleep(COMMIT_RETRY);
                    if self.lock().stopping {
                        return;
                    }
                }
            }
        }
    }

    /// One step boundary and one step. `Ok(true)`: the job is still Running here.
    fn run_once(&self, id: &str) -> Result<bool> {
        let mut g = self.lock();
        let Some(rec) = g.jobs.get(id).cloned() else {
            return Ok(false);
        };
        if rec.state != JobState::Running {
            return Ok(false);
        }
        let kind = match self.kind(&rec.type_name) {
            Ok(k) => k,
            Err(e) => {
                let d = self.complete(
                    &mut g,
                    rec,
                    Event::Fail,
                    INTERNAL_ERROR,
                    Some(e.to_string()),
                )?;
                drop(g);
                self.discard(d);
                return Ok(false);
            }
        };
        if let Some(ev) = boundary(rec.flags) {
            let d = if ev == Event::CancelAtBoundary {
                self.complete(&mut g, rec, ev, CANCELED_JOB, None)?
            } else {
                let mut new = rec;
                new.state = advance(new.state, ev).map_err(|e| refused(id, e))?;
                new.fold_runtime(false);
                new.flags = Flags::default();
                new.last_change_us = now_us();
                self.commit(&mut g, vec![new], Vec::new(), Commit::Durable)?;
                Vec::new()
            };
            drop(g);
            self.discard(d);
            return Ok(false);
        }
        if g.stopping {
            // Stays Running in the database with its last checkpoint: `recover` resumes it.
            return Ok(false);
        }
        if rec.position >= rec.steps {
            let d = self.complete(&mut g, rec, Event::Succeed, 0, None)?;
            drop(g);
            self.discard(d);
            return Ok(false);
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

        let mut g = self.lock();
        let Some(mut new) = g.jobs.get(id).cloned() else {
            return Ok(false);
        };
        let progress = |pos: u64, steps: u64| {
            if steps == 0 {
                1.0
            } else {
                pos as f64 / steps as f64
            }
        };
        match outcome {
            StepOutcome::Continue => {
                new.position = ctx.position + 1;
                new.progress = ctx
                    .progress
                    .unwrap_or_else(|| progress(new.position, new.steps));
                new.checkpoint = ctx.checkpoint;
                new.content = ctx.content;
                new.retry_count = 0;
                if new.position >= new.steps {
                    let d = self.complete(&mut g, new, Event::Succeed, 0, None)?;
                    drop(g);
                    self.discard(d);
                    return Ok(false);
                }
                new.state = advance(new.state, Event::Step).map_err(|e| refused(id, e))?;
                new.fold_runtime(true);
                self.commit(&mut g, vec![new], Vec::new(), Commit::Lazy)?;
                Ok(true)
            }
            StepOutcome::Done => {
                new.position = new.steps.max(ctx.position + 1);
                new.checkpoint = ctx.checkpoint;
                new.content = ctx.content;
                let d = self.complete(&mut g, new, Event::Succeed, 0, None)?;
                drop(g);
                self.discard(d);
                Ok(false)
            }
            StepOutcome::Fail { code, details } => {
                new.checkpoint = ctx.checkpoint;
                new.content = ctx.content;
                let d = self.complete(&mut g, new, Event::Fail, code, Some(details))?;
                drop(g);
                self.discard(d);
                Ok(false)
            }
            StepOutcome::Retry(reason) => {
                let max = kind.max_retries();
                if new.retry_count >= max {
                    let details = format!("{reason} (gave up after {max} retries)");
                    let d =
                        self.complete(&mut g, new, Event::Fail, INTERNAL_ERROR, Some(details))?;
                    drop(g);
                    self.discard(d);
                    return Ok(false);
                }
                let delay = kind.retry_delay(new.retry_count);
                new.state = advance(new.state, Event::RetryLater).map_err(|e| refused(id, e))?;
                new.fold_runtime(false);
                new.retry_count += 1;
                new.error_details = reason;
                new.last_change_us = now_us();
                new.next_retry_us = Some(new.last_change_us + delay.as_micros() as i64);
                self.commit(&mut g, vec![new], Vec::new(), Commit::Durable)?;
                self.timer.notify_all();
                Ok(false)
            }
        }
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
                match self.commit(&mut g, puts, Vec::new(), Commit::Durable) {
                    Ok(_) => self.work.notify_all(),
                    Err(e) => tracing::error!("cannot requeue retried jobs: {e}"),
                }
            }
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
    r.checkpoint = Value::Null;
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
