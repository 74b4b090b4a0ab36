//! Engine tests on PostgreSQL: two engines on one database in one process are two daemons
//! sharing a job queue. They skip with a message when PostgreSQL is not installed (and fail
//! when `DICOMQ_REQUIRE_VALIDATORS=1`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::*;
use crate::persist::job_store::{Change, Durability, JobStore, Lease};
use crate::persist::postgres::PgDatabase;
use crate::persist::postgres::job_store::PgJobStore;
use crate::persist::postgres::test_server::server;

/// Steps of `ms` milliseconds each; every step run is recorded as (job, position).
#[derive(Default)]
struct Steps {
    ran: Mutex<Vec<(String, u64)>>,
}

impl JobKind for Steps {
    fn type_name(&self) -> &'static str {
        "Steps"
    }
    fn plan(&self, _: &str, params: &Value) -> crate::error::Result<Plan> {
        Ok(Plan {
            steps: params["steps"].as_u64().unwrap_or(1),
            content: json!({}),
            checkpoint: Value::Null,
        })
    }
    fn step(&self, ctx: &mut StepContext) -> StepOutcome {
        self.ran
            .lock()
            .expect("ran")
            .push((ctx.job_id.clone(), ctx.position));
        std::thread::sleep(Duration::from_millis(
            ctx.params["ms"].as_u64().unwrap_or(0),
        ));
        StepOutcome::Continue
    }
}

fn daemon(db: &Arc<PgDatabase>, workers: usize, kind: &Arc<Steps>) -> Arc<JobsEngine> {
    daemon_on(Arc::new(PgJobStore::new(db.clone())), workers, kind)
}

fn daemon_on(store: Arc<PgJobStore>, workers: usize, kind: &Arc<Steps>) -> Arc<JobsEngine> {
    let store: Arc<dyn JobStore> = store;
    let kinds: Vec<Arc<dyn JobKind>> = vec![kind.clone()];
    let e = JobsEngine::open_with(
        store,
        EngineConfig {
            workers,
            history_size: 1000,
        },
        kinds,
    )
    .expect("engine");
    e.recover().expect("recover");
    e
}

fn poll(what: &str, within: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn state(e: &JobsEngine, id: &str) -> Option<JobState> {
    e.info(id).ok().map(|i| i.state)
}

#[test]
fn jobs_submitted_on_two_daemons_run_once_each_on_either() {
    let Some(server) = server() else {
        return;
    };
    let db = server.fresh();
    let kind = Arc::new(Steps::default());
    let (a, b) = (daemon(&db, 2, &kind), daemon(&db, 2, &kind));
    a.start_workers();
    b.start_workers();
    let mut ids = Vec::new();
    for n in 0..60 {
        let on = if n % 2 == 0 { &a } else { &b };
        ids.push(on.submit("Steps", json!({"steps": 2}), 0).expect("submit"));
    }
    for id in &ids {
        // Both views see every job end, whoever ran it.
        poll("every job done", Duration::from_secs(60), || {
            state(&a, id) == Some(JobState::Success) && state(&b, id) == Some(JobState::Success)
        });
    }
    let mut runs: HashMap<(String, u64), usize> = HashMap::new();
    for r in kind.ran.lock().expect("ran").iter() {
        *runs.entry(r.clone()).or_default() += 1;
    }
    assert_eq!(runs.len(), 120, "every step of every job ran");
    assert!(
        runs.values().all(|n| *n == 1),
        "no step ran twice: {runs:?}"
    );
    a.shutdown();
    b.shutdown();
}

#[test]
fn pause_resume_and_cancel_on_one_daemon_of_a_job_running_on_the_other() {
    let Some(server) = server() else {
        return;
    };
    let db = server.fresh();
    let kind = Arc::new(Steps::default());
    // `a` has no workers: `b` runs everything.
    let (a, b) = (daemon(&db, 0, &kind), daemon(&db, 1, &kind));
    b.start_workers();
    let id = a
        .submit("Steps", json!({"steps": 400, "ms": 20}), 0)
        .expect("submit");
    poll("running on b, seen on a", Duration::from_secs(10), || {
        state(&a, &id) == Some(JobState::Running) && a.record(&id).is_ok_and(|r| r.position > 0)
    });
    let asked = Instant::now();
    let answer = a.control(&id, Action::Pause).expect("pause");
    assert_eq!(
        answer.state,
        JobState::Paused,
        "b paused it at its next step"
    );
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "{:?}",
        asked.elapsed()
    );
    assert_eq!(state(&b, &id), Some(JobState::Paused));
    let paused_at = b.record(&id).expect("record").position;
    assert!(paused_at > 0 && paused_at < 400);
    // Resumed on a, run by b again from where it stopped.
    a.control(&id, Action::Resume).expect("resume");
    poll("running again", Duration::from_secs(10), || {
        b.record(&id).is_ok_and(|r| r.position > paused_at)
    });
    let ran = kind.ran.lock().expect("ran").clone();
    for p in 0..paused_at {
        let times = ran.iter().filter(|(_, q)| *q == p).count();
        assert_eq!(times, 1, "step {p} (before the pause) ran once");
    }
    let answer = a.control(&id, Action::Cancel).expect("cancel");
    assert_eq!(answer.state, JobState::Failure);
    poll("canceled on b", Duration::from_secs(5), || {
        state(&b, &id) == Some(JobState::Failure)
    });
    a.shutdown();
    b.shutdown();
}

/// A daemon that died leaves its job Running with a lease nobody renews: another daemon
/// claims it once the lease ran out and resumes it from its checkpoint.
#[test]
fn a_dead_daemons_job_is_taken_over_after_its_lease_from_its_checkpoint() {
    let Some(server) = server() else {
        return;
    };
    let db = server.fresh();
    let kind = Arc::new(Steps::default());
    let a = daemon(&db, 1, &kind);
    let id = a.submit("Steps", json!({"steps": 5}), 0).expect("submit");
    // The "dead" daemon: claims with a short lease, checkpoints step 2, never renews.
    let dead = PgJobStore::new(db.clone());
    let claimed = dead
        .claim(&Lease {
            owner: "dead".into(),
            duration: Duration::from_millis(800),
        })
        .expect("claim")
        .expect("the job");
    let mut step = claimed.clone();
    step.position = 2;
    step.revision += 1;
    dead.apply(
        &[Change::Put {
            old: Some(&claimed),
            new: &step,
        }],
        Durability::StateChange,
    )
    .expect("checkpoint");
    a.start_workers();
    poll("taken over and finished", Duration::from_secs(10), || {
        state(&a, &id) == Some(JobState::Success)
    });
    let positions: Vec<u64> = kind
        .ran
        .lock()
        .expect("ran")
        .iter()
        .map(|(_, p)| *p)
        .collect();
    assert_eq!(positions, vec![2, 3, 4], "resumed from the checkpoint");
    a.shutdown();
}

/// Two daemons decide on the same version of a Paused job: one resume and one cancel. The
/// second to commit reads the job again and decides again on what the first did.
#[test]
fn controls_of_one_job_on_two_daemons_are_never_lost() {
    let Some(server) = server() else {
        return;
    };
    let db = server.fresh();
    let kind = Arc::new(Steps::default());
    let (a, b) = (daemon(&db, 0, &kind), daemon(&db, 0, &kind));
    let id = a.submit("Steps", json!({"steps": 1}), 0).expect("submit");
    a.control(&id, Action::Pause).expect("pause");
    poll("b sees it paused", Duration::from_secs(5), || {
        state(&b, &id) == Some(JobState::Paused)
    });
    // b cancels on its view; a resumes on its (older) view at the same time.
    std::thread::scope(|s| {
        s.spawn(|| b.control(&id, Action::Cancel).expect("cancel"));
        s.spawn(|| {
            // Refused if the cancel came first (Failure cannot be resumed): also fine.
            let _ = a.control(&id, Action::Resume);
        });
    });
    poll("both views agree", Duration::from_secs(5), || {
        state(&a, &id) == Some(JobState::Failure) && state(&b, &id) == Some(JobState::Failure)
    });
    let stored = PgJobStore::new(db).get(&id).expect("get").expect("job");
    assert_eq!(stored.state, JobState::Failure, "the cancel was not lost");
    a.shutdown();
    b.shutdown();
}

/// A progress checkpoint commits but the daemon is told it failed (its answer lost, its
/// outcome unknown): its view is then behind the table, and its worker's next change
/// conflicts with the daemon's own committed one. The job is still Running under this
/// daemon's lease: its worker goes on from the stored version, and the job ends well within
/// a lease. (It used to be dropped as "taken over by another daemon" and, its lease renewed
/// with those of the daemon's other jobs, stay Running for good.)
#[test]
fn a_change_that_committed_unbeknownst_to_its_daemon_does_not_orphan_its_job() {
    let Some(server) = server() else {
        return;
    };
    let db = server.fresh();
    let kind = Arc::new(Steps::default());
    let store = Arc::new(PgJobStore::new(db.clone()));
    let a = daemon_on(store.clone(), 2, &kind);
    // Runs beside it all along, under the same lease owner.
    let long = a
        .submit("Steps", json!({"steps": 400, "ms": 40}), 0)
        .expect("submit");
    let id = a
        .submit("Steps", json!({"steps": 8, "ms": 40}), 0)
        .expect("submit");
    a.start_workers();
    let reached = |job: &str, n: usize| {
        kind.ran
            .lock()
            .expect("ran")
            .iter()
            .filter(|(j, _)| j == job)
            .count()
            >= n
    };
    poll("both running", Duration::from_secs(10), || {
        reached(&id, 2) && reached(&long, 1)
    });
    store.lose_answers(1);
    poll("the job ends", Duration::from_secs(8), || {
        state(&a, &id) == Some(JobState::Success)
    });
    let stored = PgJobStore::new(db).get(&id).expect("get").expect("job");
    assert_eq!(stored.state, JobState::Success);
    a.shutdown();
}
