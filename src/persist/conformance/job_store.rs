//! The `JobStore` conformance suite. A backend provides a [`Harness`] (a new empty store, the
//! same store reopened, and a way to make a batch fail) and calls [`run_all`]; the redb run is
//! at the bottom of this file.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;

use crate::jobs::model::JobRecord;
use crate::jobs::state::{Flags, JobState};
use crate::persist::job_store::{Change, Durability, JobStore, Lease};

/// What the suite needs from a backend.
pub trait Harness {
    type Store: JobStore;
    /// A new, empty store.
    fn empty(&self) -> Self::Store;
    /// The store the last `empty` made, closed and opened again (what a restart sees).
    fn reopen(&self, store: Self::Store) -> Self::Store;
    /// Makes every later batch of at least `n` changes fail after its writes (`None`: none).
    fn fail_batches(&self, store: &Self::Store, at_least: Option<usize>);
}

pub fn run_all<H: Harness>(h: &H) {
    get_of_an_unknown_id_is_none(h);
    claim_order_is_priority_then_fifo(h);
    two_claims_never_return_the_same_job(h);
    an_expired_lease_makes_a_claimed_job_claimable_again(h);
    a_renewal_extends_only_the_leases_it_names(h);
    a_failing_batch_leaves_nothing(h);
    apply_and_claim_claims_after_the_changes(h);
    a_failing_apply_and_claim_leaves_nothing(h);
    history_is_oldest_completion_first(h);
    reopen_keeps_everything(h);
    acknowledged_batches_survive_a_reopen_without_a_flush(h);
}

fn job(n: u64, priority: i32) -> JobRecord {
    JobRecord {
        id: format!("00000000-0000-4000-8000-{n:012}"),
        type_name: "Sleep".into(),
        priority,
        state: JobState::Pending,
        progress: 0.0,
        position: 0,
        steps: 1,
        checkpoint: Value::Null,
        content: Value::Null,
        params: Value::Null,
        creation_us: 1_000 + n as i64,
        last_change_us: 1_000 + n as i64,
        completion_us: None,
        runtime_us: 0,
        running_since: None,
        error_code: 0,
        error_details: String::new(),
        retry_count: 0,
        next_retry_us: None,
        seq: n,
        completion_seq: None,
        flags: Flags::default(),
        user_data: None,
        revision: 0,
        runner: None,
    }
}

fn finished(n: u64, completion_seq: u64) -> JobRecord {
    let mut r = job(n, 0);
    r.state = JobState::Success;
    r.completion_seq = Some(completion_seq);
    r.completion_us = Some(2_000);
    r
}

fn put_all(s: &dyn JobStore, jobs: &[JobRecord]) {
    let changes: Vec<Change<'_>> = jobs
        .iter()
        .map(|new| Change::Put { old: None, new })
        .collect();
    s.apply(&changes, Durability::StateChange).expect("apply");
}

fn lease(owner: &str, ms: u64) -> Lease {
    Lease {
        owner: owner.into(),
        duration: Duration::from_millis(ms),
    }
}

const LONG_MS: u64 = 600_000;

fn get_of_an_unknown_id_is_none<H: Harness>(h: &H) {
    let s = h.empty();
    assert!(
        s.get("00000000-0000-4000-8000-000000000099")
            .expect("get")
            .is_none()
    );
    put_all(&s, &[job(1, 0)]);
    assert!(
        s.get("00000000-0000-4000-8000-000000000099")
            .expect("get")
            .is_none()
    );
    assert_eq!(s.get(&job(1, 0).id).expect("get"), Some(job(1, 0)));
}

fn claim_order_is_priority_then_fifo<H: Harness>(h: &H) {
    let s = h.empty();
    let jobs = [
        job(0, 0),
        job(1, 5),
        job(2, -1),
        job(3, 5),
        job(4, 0),
        job(5, i32::MIN),
    ];
    put_all(&s, &jobs);
    let order = [1, 3, 0, 4, 2, 5].map(|i| jobs[i].id.clone()).to_vec();
    assert_eq!(s.pending_ids().expect("pending"), order);
    for id in &order {
        let claimed = s
            .claim(&lease("w", LONG_MS))
            .expect("claim")
            .expect("a job");
        assert_eq!(&claimed.id, id);
        assert_eq!(claimed.state, JobState::Running);
        let stored = s.get(id).expect("get").expect("stored");
        assert_eq!(stored.state, JobState::Running);
    }
    assert!(s.claim(&lease("w", LONG_MS)).expect("claim").is_none());
    assert!(s.pending_ids().expect("pending").is_empty());
}

fn two_claims_never_return_the_same_job<H: Harness>(h: &H) {
    let s = h.empty();
    let jobs: Vec<JobRecord> = (0..60).map(|n| job(n, (n % 3) as i32)).collect();
    put_all(&s, &jobs);
    let claimed = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for w in 0..4 {
            let (s, claimed) = (&s, &claimed);
            scope.spawn(move || {
                while let Some(r) = s.claim(&lease(&format!("w{w}"), LONG_MS)).expect("claim") {
                    claimed.lock().expect("claimed").push(r.id);
                }
            });
        }
    });
    let claimed = claimed.into_inner().expect("claimed");
    let unique: HashSet<&String> = claimed.iter().collect();
    assert_eq!(claimed.len(), 60, "every job claimed once");
    assert_eq!(unique.len(), 60, "no job claimed twice");
}

/// A daemon renews the jobs its workers run: one it holds without running it (its claim's
/// answer was lost) expires and is claimed again.
fn a_renewal_extends_only_the_leases_it_names<H: Harness>(h: &H) {
    let s = h.empty();
    put_all(&s, &[job(1, 0), job(2, 0)]);
    let run = s.claim(&lease("a", 300)).expect("claim").expect("job 1");
    let orphan = s.claim(&lease("a", 300)).expect("claim").expect("job 2");
    s.renew(
        "a",
        std::slice::from_ref(&run.id),
        Duration::from_millis(LONG_MS),
    )
    .expect("renew");
    std::thread::sleep(Duration::from_millis(400));
    let again = s.claim(&lease("b", LONG_MS)).expect("claim");
    assert_eq!(again.map(|r| r.id), Some(orphan.id));
    assert!(s.claim(&lease("c", LONG_MS)).expect("claim").is_none());
}

fn an_expired_lease_makes_a_claimed_job_claimable_again<H: Harness>(h: &H) {
    let s = h.empty();
    put_all(&s, &[job(1, 0), job(2, 0)]);
    let a = s.claim(&lease("a", 0)).expect("claim").expect("job 1");
    assert_eq!(a.id, job(1, 0).id);
    std::thread::sleep(Duration::from_millis(2));
    // Its owner died: the expired job comes back before any Pending one.
    let b = s
        .claim(&lease("b", 50))
        .expect("claim")
        .expect("job 1 again");
    assert_eq!(b.id, a.id);
    assert_eq!(b.state, JobState::Running);
    // A live (renewed) lease is never taken over.
    s.renew(
        "b",
        std::slice::from_ref(&b.id),
        Duration::from_millis(LONG_MS),
    )
    .expect("renew");
    std::thread::sleep(Duration::from_millis(100));
    let c = s
        .claim(&lease("c", LONG_MS))
        .expect("claim")
        .expect("job 2");
    assert_eq!(c.id, job(2, 0).id);
    assert!(s.claim(&lease("d", LONG_MS)).expect("claim").is_none());
    // A job that leaves Running is no one's: finishing it drops its lease.
    let mut done = c.clone();
    done.state = JobState::Success;
    done.completion_seq = Some(0);
    s.apply(
        &[Change::Put {
            old: Some(&c),
            new: &done,
        }],
        Durability::StateChange,
    )
    .expect("apply");
    s.renew("c", std::slice::from_ref(&c.id), Duration::ZERO)
        .expect("renew");
    std::thread::sleep(Duration::from_millis(2));
    assert!(s.claim(&lease("e", LONG_MS)).expect("claim").is_none());
}

fn a_failing_batch_leaves_nothing<H: Harness>(h: &H) {
    let s = h.empty();
    let (one, two) = (job(1, 0), job(2, 0));
    put_all(&s, std::slice::from_ref(&one));
    let mut one_done = one.clone();
    one_done.state = JobState::Success;
    one_done.completion_seq = Some(0);
    h.fail_batches(&s, Some(2));
    let failed = s.apply(
        &[
            Change::Put {
                old: Some(&one),
                new: &one_done,
            },
            Change::Put {
                old: None,
                new: &two,
            },
        ],
        Durability::StateChange,
    );
    assert!(failed.is_err());
    h.fail_batches(&s, None);
    assert_eq!(s.get(&one.id).expect("get"), Some(one.clone()));
    assert!(s.get(&two.id).expect("get").is_none());
    assert_eq!(s.pending_ids().expect("pending"), vec![one.id.clone()]);
    assert!(s.history_ids().expect("history").is_empty());
    assert_eq!(s.load_all().expect("load"), vec![one]);
}

/// The engine's group commit: the changes first (a job ends, another is submitted, a third is
/// paused), then one claim per lease, in the store's order, stopping when nothing is left.
fn apply_and_claim_claims_after_the_changes<H: Harness>(h: &H) {
    let s = h.empty();
    let (low, paused_later) = (job(1, 0), job(2, 5));
    put_all(&s, &[low.clone(), paused_later.clone()]);
    let running = s
        .claim(&lease("w", LONG_MS))
        .expect("claim")
        .expect("job 2");
    assert_eq!(running.id, paused_later.id);
    let mut ended = running.clone();
    ended.state = JobState::Success;
    ended.completion_seq = Some(0);
    let urgent = job(3, 9);
    let mut paused = job(4, 7);
    paused.state = JobState::Paused;
    let claimed = s
        .apply_and_claim(
            &[
                Change::Put {
                    old: Some(&running),
                    new: &ended,
                },
                Change::Put {
                    old: None,
                    new: &urgent,
                },
                Change::Put {
                    old: None,
                    new: &paused,
                },
            ],
            Durability::StateChange,
            &[
                lease("w", LONG_MS),
                lease("w", LONG_MS),
                lease("w", LONG_MS),
            ],
        )
        .expect("apply and claim");
    let ids: Vec<&str> = claimed.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, vec![urgent.id.as_str(), low.id.as_str()]);
    assert!(claimed.iter().all(|r| r.state == JobState::Running));
    assert_eq!(s.get(&ended.id).expect("get"), Some(ended.clone()));
    assert_eq!(
        s.get(&paused.id).expect("get").map(|r| r.state),
        Some(JobState::Paused)
    );
    assert!(s.pending_ids().expect("pending").is_empty());
    assert_eq!(s.history_ids().expect("history"), vec![ended.id.clone()]);
    // Claims alone, with nothing to claim: nothing changes.
    let none = s
        .apply_and_claim(&[], Durability::StateChange, &[lease("w", LONG_MS)])
        .expect("claim nothing");
    assert!(none.is_empty());
    // Durable: a reopened store has the claims and their leases.
    let s = h.reopen(s);
    for r in &claimed {
        assert_eq!(
            s.get(&r.id).expect("get").map(|r| r.state),
            Some(JobState::Running)
        );
    }
    assert!(s.claim(&lease("x", LONG_MS)).expect("claim").is_none());
}

fn a_failing_apply_and_claim_leaves_nothing<H: Harness>(h: &H) {
    let s = h.empty();
    let (one, two) = (job(1, 0), job(2, 0));
    put_all(&s, std::slice::from_ref(&one));
    h.fail_batches(&s, Some(1));
    let failed = s.apply_and_claim(
        &[Change::Put {
            old: None,
            new: &two,
        }],
        Durability::StateChange,
        &[lease("w", LONG_MS)],
    );
    assert!(failed.is_err());
    h.fail_batches(&s, None);
    assert!(s.get(&two.id).expect("get").is_none());
    assert_eq!(s.pending_ids().expect("pending"), vec![one.id.clone()]);
    assert_eq!(
        s.get(&one.id).expect("get").map(|r| r.state),
        Some(JobState::Pending)
    );
    let claimed = s.claim(&lease("w", LONG_MS)).expect("claim");
    assert_eq!(claimed.map(|r| r.id), Some(one.id));
}

fn history_is_oldest_completion_first<H: Harness>(h: &H) {
    let s = h.empty();
    let jobs = [finished(1, 7), finished(2, 3), finished(3, 5), job(4, 0)];
    put_all(&s, &jobs);
    let ids = |ns: &[u64]| -> Vec<String> { ns.iter().map(|n| job(*n, 0).id).collect() };
    assert_eq!(s.history_ids().expect("history"), ids(&[2, 3, 1]));
    // Resubmitted (back to Pending) and deleted jobs leave the history.
    let mut again = jobs[1].clone();
    again.state = JobState::Pending;
    again.completion_seq = None;
    again.seq = 9;
    s.apply(
        &[
            Change::Put {
                old: Some(&jobs[1]),
                new: &again,
            },
            Change::Delete(&jobs[0]),
        ],
        Durability::StateChange,
    )
    .expect("apply");
    assert_eq!(s.history_ids().expect("history"), ids(&[3]));
    assert_eq!(s.pending_ids().expect("pending"), ids(&[4, 2]));
    assert!(s.get(&jobs[0].id).expect("get").is_none());
}

fn reopen_keeps_everything<H: Harness>(h: &H) {
    let s = h.empty();
    let jobs = [job(1, 0), job(2, 3), finished(3, 0), job(4, 0)];
    put_all(&s, &jobs);
    let claimed = s
        .claim(&lease("w", LONG_MS))
        .expect("claim")
        .expect("job 2");
    let mut progressed = claimed.clone();
    progressed.position = 1;
    progressed.checkpoint = serde_json::json!({"Done": [0]});
    s.apply(
        &[Change::Put {
            old: Some(&claimed),
            new: &progressed,
        }],
        Durability::Checkpoint,
    )
    .expect("checkpoint");
    s.flush().expect("flush");
    let before = (
        s.load_all().expect("load"),
        s.pending_ids().expect("pending"),
        s.history_ids().expect("history"),
    );
    let s = h.reopen(s);
    let mut after = (
        s.load_all().expect("load"),
        s.pending_ids().expect("pending"),
        s.history_ids().expect("history"),
    );
    let sort = |v: &mut Vec<JobRecord>| v.sort_by(|a, b| a.id.cmp(&b.id));
    let mut before = before;
    sort(&mut before.0);
    sort(&mut after.0);
    assert_eq!(before, after);
    assert_eq!(s.get(&progressed.id).expect("get"), Some(progressed));
    // The lease survived too: the next claim is the next Pending job.
    let next = s
        .claim(&lease("w2", LONG_MS))
        .expect("claim")
        .expect("job 1");
    assert_eq!(next.id, jobs[0].id);
}

/// A store closed without `flush` (a crash right after the answers) still has every
/// `StateChange` batch, in order: puts, index moves and deletes.
fn acknowledged_batches_survive_a_reopen_without_a_flush<H: Harness>(h: &H) {
    let s = h.empty();
    let jobs = [job(1, 0), job(2, 5), job(3, 0)];
    put_all(&s, &jobs);
    let mut done = jobs[1].clone();
    done.state = JobState::Success;
    done.completion_seq = Some(4);
    let mut paused = jobs[2].clone();
    paused.state = JobState::Paused;
    s.apply(
        &[
            Change::Put {
                old: Some(&jobs[1]),
                new: &done,
            },
            Change::Delete(&jobs[0]),
        ],
        Durability::StateChange,
    )
    .expect("apply");
    s.apply(
        &[Change::Put {
            old: Some(&jobs[2]),
            new: &paused,
        }],
        Durability::StateChange,
    )
    .expect("apply");
    let s = h.reopen(s);
    let mut all = s.load_all().expect("load");
    all.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(all, vec![done.clone(), paused]);
    assert!(s.pending_ids().expect("pending").is_empty());
    assert_eq!(s.history_ids().expect("history"), vec![done.id.clone()]);
    assert!(s.get(&jobs[0].id).expect("get").is_none());
}

#[cfg(test)]
mod redb_run {
    use std::path::PathBuf;
    use std::sync::Arc;

    use super::*;
    use crate::error::Result;
    use crate::persist::redb::job_store::RedbJobStore;

    struct RedbHarness {
        dir: tempfile::TempDir,
        made: Mutex<(u32, Option<PathBuf>)>,
    }

    impl RedbHarness {
        fn open(path: &std::path::Path) -> RedbJobStore {
            let db = redb::Database::create(path).expect("db");
            RedbJobStore::open(Arc::new(db), &path.with_extension("journal")).expect("store")
        }
    }

    impl Harness for RedbHarness {
        type Store = RedbJobStore;

        fn empty(&self) -> RedbJobStore {
            let mut made = self.made.lock().expect("made");
            made.0 += 1;
            let path = self.dir.path().join(format!("{}.redb", made.0));
            made.1 = Some(path.clone());
            Self::open(&path)
        }

        fn reopen(&self, store: RedbJobStore) -> RedbJobStore {
            drop(store);
            let path = self.made.lock().expect("made").1.clone().expect("a store");
            Self::open(&path)
        }

        fn fail_batches(&self, store: &RedbJobStore, at_least: Option<usize>) {
            store.hook.fail_at_least(at_least);
        }
    }

    #[test]
    fn redb_job_store_conforms() {
        let h = RedbHarness {
            dir: tempfile::tempdir().expect("tmp"),
            made: Mutex::new((0, None)),
        };
        run_all(&h);
    }

    /// The redb store without its one-transaction `apply_and_claim`: the trait's default
    /// (apply, then one claim per call) must conform too, for stores that keep it.
    struct DefaultClaims(RedbJobStore);

    impl JobStore for DefaultClaims {
        fn load_all(&self) -> Result<Vec<JobRecord>> {
            self.0.load_all()
        }
        fn get(&self, id: &str) -> Result<Option<JobRecord>> {
            self.0.get(id)
        }
        fn pending_ids(&self) -> Result<Vec<String>> {
            self.0.pending_ids()
        }
        fn history_ids(&self) -> Result<Vec<String>> {
            self.0.history_ids()
        }
        fn apply(&self, changes: &[Change<'_>], durability: Durability) -> Result<()> {
            self.0.apply(changes, durability)
        }
        fn claim(&self, lease: &Lease) -> Result<Option<JobRecord>> {
            self.0.claim(lease)
        }
        fn renew(&self, owner: &str, ids: &[String], duration: std::time::Duration) -> Result<()> {
            self.0.renew(owner, ids, duration)
        }
        fn flush_if_stale(&self) -> Result<bool> {
            self.0.flush_if_stale()
        }
        fn flush(&self) -> Result<()> {
            self.0.flush()
        }
    }

    struct DefaultClaimsHarness(RedbHarness);

    impl Harness for DefaultClaimsHarness {
        type Store = DefaultClaims;

        fn empty(&self) -> DefaultClaims {
            DefaultClaims(self.0.empty())
        }
        fn reopen(&self, store: DefaultClaims) -> DefaultClaims {
            DefaultClaims(self.0.reopen(store.0))
        }
        fn fail_batches(&self, store: &DefaultClaims, at_least: Option<usize>) {
            self.0.fail_batches(&store.0, at_least);
        }
    }

    #[test]
    fn the_default_apply_and_claim_conforms() {
        let h = DefaultClaimsHarness(RedbHarness {
            dir: tempfile::tempdir().expect("tmp"),
            made: Mutex::new((0, None)),
        });
        run_all(&h);
    }
}
