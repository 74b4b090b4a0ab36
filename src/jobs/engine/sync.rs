//! A store shared by several daemons (PostgreSQL): the engine's cache follows what the others
//! change. The store hands its news (`JobStore::subscribe`: these jobs as now stored, these
//! jobs changed, or read everything again) to the `Inbox`; a sync thread folds the records,
//! and the jobs it reads again, into the committed view, then wakes the workers (new Pending
//! jobs) and the waiters (`wait`).
//! Controls of a job another daemon runs go through the store (`request_remote`).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};

use super::super::model::{JobInfo, JobRecord, now_us};
use super::super::state::{Flags, JobState};
use super::cache::{Inner, runs_here};
use super::{JobsEngine, REMOTE_WAIT};
use crate::error::{Error, Result};
use crate::persist::job_store::StoreNews;

/// News not read yet.
#[derive(Default)]
pub(super) struct Inbox {
    state: Mutex<Mail>,
    posted: Condvar,
}

#[derive(Default)]
struct Mail {
    /// Jobs to read again.
    ids: HashSet<String>,
    /// Jobs as another daemon stored them (`None`: deleted), the newest news of each.
    stored: HashMap<String, Option<JobRecord>>,
    resync: bool,
    stop: bool,
}

/// What the sync thread takes from the inbox at once.
struct News {
    ids: Vec<String>,
    stored: Vec<(String, Option<JobRecord>)>,
    resync: bool,
}

impl Inbox {
    fn lock(&self) -> std::sync::MutexGuard<'_, Mail> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn post(&self, news: StoreNews) {
        let mut m = self.lock();
        match news {
            StoreNews::Changed(ids) => m.ids.extend(ids),
            StoreNews::Stored(jobs) => m.stored.extend(jobs),
            StoreNews::Resync => m.resync = true,
        }
        self.posted.notify_one();
    }

    /// The sync thread stops.
    pub(super) fn close(&self) {
        self.lock().stop = true;
        self.posted.notify_all();
    }

    /// Waits (at most a second) for news; `None`: closed.
    fn take(&self) -> Option<News> {
        let mut m = self.lock();
        if m.ids.is_empty() && m.stored.is_empty() && !m.resync && !m.stop {
            m = self
                .posted
                .wait_timeout(m, Duration::from_secs(1))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        if m.stop {
            return None;
        }
        Some(News {
            ids: m.ids.drain().collect(),
            stored: m.stored.drain().collect(),
            resync: std::mem::take(&mut m.resync),
        })
    }
}

impl JobsEngine {
    /// Subscribes to the store's news and starts the thread that reads them.
    pub(super) fn start_sync(self: &Arc<Self>) -> Result<()> {
        let inbox = self.inbox.clone();
        self.store
            .subscribe(Box::new(move |news| inbox.post(news)))?;
        let me: Weak<JobsEngine> = Arc::downgrade(self);
        let inbox = self.inbox.clone();
        std::thread::Builder::new()
            .name("dicomq-job-sync".into())
            .spawn(move || {
                while let Some(news) = inbox.take() {
                    let Some(engine) = me.upgrade() else {
                        return;
                    };
                    engine.absorb_all(news.stored);
                    let read = if news.resync {
                        engine.resync()
                    } else if !news.ids.is_empty() {
                        engine.try_refresh(&news.ids)
                    } else {
                        Ok(())
                    };
                    // News not read (PostgreSQL down, a pooled connection lost in a restart)
                    // is not dropped: everything is read again, a little later.
                    if let Err(e) = read {
                        tracing::debug!("cannot read jobs changed by another daemon: {e}");
                        drop(engine);
                        std::thread::sleep(Duration::from_millis(200));
                        inbox.post(StoreNews::Resync);
                    }
                }
            })
            .map_err(|e| Error::Internal(format!("cannot start the job sync thread: {e}")))?;
        Ok(())
    }

    /// Reads jobs `ids` again from the store into the committed view.
    pub(super) fn refresh(&self, ids: &[String]) {
        if let Err(e) = self.try_refresh(ids) {
            tracing::debug!("cannot read jobs changed by another daemon: {e}");
        }
    }

    fn try_refresh(&self, ids: &[String]) -> Result<()> {
        self.absorb_all(self.store.get_many(ids)?);
        Ok(())
    }

    /// Folds the stored versions of jobs (`None`: deleted) into the committed view.
    fn absorb_all(&self, fresh: Vec<(String, Option<JobRecord>)>) {
        if fresh.is_empty() {
            return;
        }
        let mut g = self.lock();
        let mut changed = false;
        for (id, rec) in fresh {
            changed |= absorb(&mut g, &id, rec);
        }
        self.woken(&mut g, changed);
    }

    /// Reads every job again (the store's listener (re)connected, or is down). Finished jobs
    /// no longer stored were deleted elsewhere (history eviction), unless they changed here
    /// since the read began.
    fn resync(&self) -> Result<()> {
        let began = now_us();
        let all = self.store.load_all()?;
        let mut g = self.lock();
        let stored: HashSet<String> = all.iter().map(|r| r.id.clone()).collect();
        let mut changed = false;
        for r in all {
            let id = r.id.clone();
            changed |= absorb(&mut g, &id, Some(r));
        }
        let gone: Vec<String> = g
            .jobs
            .values()
            .filter(|r| !stored.contains(&r.id) && r.state.is_finished())
            .filter(|r| r.last_change_us < began - 1_000_000)
            .map(|r| r.id.clone())
            .collect();
        for id in gone {
            changed |= absorb(&mut g, &id, None);
        }
        self.woken(&mut g, changed);
        Ok(())
    }

    /// After news: workers may claim again, waiters look again.
    fn woken(&self, g: &mut Inner, changed: bool) {
        if changed {
            g.claim_dry = false;
            self.work.notify_all();
            self.changed.notify_all();
        }
    }

    /// Pause or cancel of a job another daemon runs: the request is made durable in the store,
    /// then this waits (at most `REMOTE_WAIT`) for that daemon to act on it at its next step
    /// boundary, and answers the job as it then is. `None`: the job is not Running any more:
    /// decide again.
    pub(super) fn request_remote(&self, id: &str, flags: Flags) -> Result<Option<Result<JobInfo>>> {
        let ids = [id.to_string()];
        if !self.store.request(id, flags)? {
            self.refresh(&ids);
            return Ok(None);
        }
        let deadline = Instant::now() + REMOTE_WAIT;
        loop {
            let g = self.lock();
            let Some(r) = g.jobs.get(id) else {
                return Ok(Some(Err(Error::NotFound {
                    what: "job",
                    id: id.to_string(),
                })));
            };
            let now = Instant::now();
            if r.state != JobState::Running || now >= deadline {
                let mut answer = r.clone();
                if answer.state == JobState::Running {
                    answer.flags.pause |= flags.pause;
                    answer.flags.cancel |= flags.cancel;
                }
                return Ok(Some(Ok(answer.info(now_us()))));
            }
            let wait = (deadline - now).min(Duration::from_millis(200));
            let (g, timed_out) = self
                .changed
                .wait_timeout(g, wait)
                .unwrap_or_else(|e| e.into_inner());
            drop(g);
            // Notifications may be down: look at the store itself.
            if timed_out.timed_out() {
                self.refresh(&ids);
            }
        }
    }
}

/// Folds the stored version of a job (`None`: deleted) into the committed view. Returns
/// whether the view changed.
///
/// - an older revision than the one held is ignored (a late read);
/// - a job this daemon runs takes only the requests of other daemons (its flags): if another
///   daemon took it over, its worker learns it from the conflict of its next write;
/// - otherwise the stored version replaces the committed one; a change staged on top of it
///   stays staged (its commit will conflict if it was decided on an older revision).
fn absorb(g: &mut Inner, id: &str, fresh: Option<JobRecord>) -> bool {
    let staged = g.staged.contains_key(id);
    let Some(fresh) = fresh else {
        let keep = staged || g.jobs.get(id).is_none_or(runs_here);
        if keep {
            return false;
        }
        if let Some(old) = g.jobs.remove(id) {
            g.unindex(&old);
        }
        return true;
    };
    g.next_seq = g.next_seq.max(fresh.seq + 1);
    if let Some(c) = fresh.completion_seq {
        g.next_completion = g.next_completion.max(c + 1);
    }
    match g.jobs.get_mut(id) {
        // Only the other daemons' requests: its runner's own commit may be newer than the
        // view (in flight), and a takeover shows as a conflict of the runner's next write.
        Some(cur) if runs_here(cur) => {
            let flags = Flags {
                pause: cur.flags.pause | fresh.flags.pause,
                cancel: cur.flags.cancel | fresh.flags.cancel,
            };
            if flags == cur.flags {
                return false;
            }
            cur.flags = flags;
            if let Some(s) = g.staged.get_mut(id)
                && let Some(r) = s.rec.as_mut()
            {
                r.flags.pause |= flags.pause;
                r.flags.cancel |= flags.cancel;
            }
            true
        }
        Some(cur) if fresh.revision < cur.revision => false,
        Some(cur) if fresh == *cur => false,
        Some(cur) => {
            let old = std::mem::replace(cur, fresh.clone());
            if !staged {
                g.unindex(&old);
                g.index(&fresh);
            }
            true
        }
        // Submitted here, its commit not yet in view: kept for when it is (the newer wins).
        None if staged => {
            g.jobs.insert(id.to_string(), fresh);
            true
        }
        None => {
            g.index(&fresh);
            g.jobs.insert(id.to_string(), fresh);
            true
        }
    }
}
