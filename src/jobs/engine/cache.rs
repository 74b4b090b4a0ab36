//! The engine's in-memory view: the committed records (what readers see), the staged changes
//! overlaid on them for decisions, and the scheduling indexes of that latest view.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

use super::super::batch::{Batch, Ticket};
use super::super::model::JobRecord;
use super::super::state::JobState;
use crate::error::{Error, Result};
use crate::persist::job_store::priority_key;

/// What a worker is doing, as the commit leader sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    Idle,
    /// Waiting for the commit of this batch, which holds its job's start.
    Waiting(u64),
    /// Running a step (or about to) since then, without the lock.
    Stepping(Instant),
}

/// The latest, not yet committed, version of a job (`None`: deleted).
pub(super) struct Staged {
    pub(super) batch: u64,
    pub(super) rec: Option<JobRecord>,
}

pub(super) struct Inner {
    /// What the queue holds: the only view readers see.
    pub(super) jobs: BTreeMap<String, JobRecord>,
    /// Changes decided but not committed yet; they overlay `jobs` for decisions.
    pub(super) staged: HashMap<String, Staged>,
    /// Pending index of the latest view (what workers take next).
    pub(super) pending: BTreeMap<(u32, u64), String>,
    /// History index of the latest view (what eviction counts).
    pub(super) history: BTreeMap<u64, String>,
    pub(super) next_seq: u64,
    pub(super) next_completion: u64,
    pub(super) stopping: bool,
    /// Why the database can no longer be written, once a commit failed with an I/O error.
    pub(super) broken: Option<Broken>,
    /// The batch being filled.
    pub(super) open: Batch,
    /// The batch being committed by a leader, if any.
    pub(super) committing: Option<Ticket>,
    /// One per worker.
    pub(super) slots: Vec<Slot>,
    /// Claims of the batch being committed: until it is, a Pending job may be Running already.
    pub(super) claims_in_flight: usize,
    /// The job the store gave a worker (by worker number), until the worker takes it.
    pub(super) assigned: HashMap<usize, String>,
    /// When a job was last submitted (workers leave the commits to submitters meanwhile).
    pub(super) last_submit: Option<Instant>,
    /// Shared store: ask for one claim even with no Pending job in view (a job whose daemon
    /// died is claimable once its lease ran out). Set by the timer about every second.
    pub(super) probe: bool,
    /// Shared store: the last claims found less than they asked for (other daemons took the
    /// jobs this view still shows Pending): ask again only on news.
    pub(super) claim_dry: bool,
    /// Jobs that ran here and that another daemon took over (their lease ran out): their
    /// worker stops at its next step boundary.
    pub(super) lost: HashSet<String>,
    /// Jobs running here whose change conflicted with a change of their own that did commit
    /// (an outcome this daemon could not know): their worker goes on from that change.
    pub(super) adopted: HashSet<String>,
    /// Jobs whose change was skipped because another daemon's came first, with the batch
    /// it was in (a control then decides again).
    pub(super) conflicted: HashMap<String, u64>,
    /// The lease owner of each job claimed here (see `JobsEngine::renew_leases`).
    pub(super) lease_owners: HashMap<String, String>,
    /// Bumped after a failed commit that carried claims: later claims use a new owner name.
    pub(super) lease_generation: u64,
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
            claims_in_flight: 0,
            assigned: HashMap::new(),
            last_submit: None,
            probe: false,
            claim_dry: false,
            lost: HashSet::new(),
            adopted: HashSet::new(),
            conflicted: HashMap::new(),
            lease_owners: HashMap::new(),
            lease_generation: 0,
        }
    }
}

impl Inner {
    pub(super) fn unindex(&mut self, r: &JobRecord) {
        if r.state == JobState::Pending {
            self.pending.remove(&(priority_key(r.priority), r.seq));
        }
        if r.state.is_finished()
            && let Some(c) = r.completion_seq
        {
            self.history.remove(&c);
        }
    }

    pub(super) fn index(&mut self, r: &JobRecord) {
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

    /// Rebuilds both indexes from the latest view (after a failed commit, or after changes
    /// another daemon made replaced committed records).
    pub(super) fn reindex(&mut self) {
        self.pending.clear();
        self.history.clear();
        let jobs = std::mem::take(&mut self.jobs);
        let staged = std::mem::take(&mut self.staged);
        for (id, r) in &jobs {
            if !staged.contains_key(id) {
                self.index(r);
            }
        }
        for s in staged.values() {
            if let Some(r) = &s.rec {
                self.index(r);
            }
        }
        self.jobs = jobs;
        self.staged = staged;
    }

    /// The job as the latest decision left it (committed or staged).
    pub(super) fn latest(&self, id: &str) -> Option<&JobRecord> {
        match self.staged.get(id) {
            Some(s) => s.rec.as_ref(),
            None => self.jobs.get(id),
        }
    }

    /// The ticket of the batch holding the job's latest staged change, if any.
    pub(super) fn ticket_of(&self, id: &str) -> Ticket {
        match self.staged.get(id) {
            Some(s) if s.batch == self.open.no => self.open.ticket(),
            Some(s) => match &self.committing {
                Some(t) if t.no == s.batch => t.clone(),
                _ => Ticket::done(),
            },
            None => Ticket::done(),
        }
    }

    pub(super) fn resolve(&self, prefix: &str) -> Result<String> {
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

/// Whether this process runs the job (claimed here, not handed over since).
pub(super) fn runs_here(r: &JobRecord) -> bool {
    r.state == JobState::Running && r.running_since.is_some()
}

/// The cause of a failed database write, kept to answer every later caller.
#[derive(Debug, Clone)]
pub(super) struct Broken {
    pub(super) disk_full: bool,
    pub(super) message: String,
}

impl Broken {
    pub(super) fn of(e: &Error) -> Broken {
        Broken {
            disk_full: matches!(e, Error::DiskFull { .. }),
            message: e.to_string(),
        }
    }

    pub(super) fn error(&self) -> Error {
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
