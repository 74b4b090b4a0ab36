//! Engine tests: scheduling, control, retry, history, persistence, JSON shape, concurrency.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::*;
use crate::error::Error;
use crate::persist::job_store::{Change, Durability};

const LONG: Duration = Duration::from_secs(60);

/// A database and the path of the job journal beside it.
struct TestDb {
    db: Arc<redb::Database>,
    journal: std::path::PathBuf,
}

fn open_db(path: &std::path::Path) -> TestDb {
    TestDb {
        db: Arc::new(redb::Database::create(path).expect("db")),
        journal: path.with_extension("journal"),
    }
}

fn engine(
    db: &TestDb,
    workers: usize,
    history_size: usize,
    kinds: Vec<Arc<dyn JobKind>>,
) -> Arc<JobsEngine> {
    JobsEngine::open(
        db.db.clone(),
        &db.journal,
        EngineConfig {
            workers,
            history_size,
        },
        kinds,
    )
    .expect("engine")
}

/// The commit hook of an engine opened on redb (`engine`).
fn hook(e: &JobsEngine) -> &crate::persist::redb::job_store::hook::CommitHook {
    &e.redb_store().hook
}

/// Polls `cond` until it holds, failing after a generous deadline.
fn poll(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + LONG;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn done_steps(e: &JobsEngine, id: &str) -> Vec<u64> {
    e.record(id)
        .expect("record")
        .checkpoint
        .get("Done")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default()
}

/// Blocks its only step until released.
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    cv: Condvar,
}

impl Gate {
    fn release(&self) {
        *self.open.lock().expect("gate") = true;
        self.cv.notify_all();
    }
}

impl JobKind for Gate {
    fn type_name(&self) -> &'static str {
        "Gate"
    }
    fn plan(&self, _: &str, _: &Value) -> crate::error::Result<Plan> {
        Ok(Plan {
            steps: 1,
            content: json!({}),
            checkpoint: Value::Null,
        })
    }
    fn step(&self, _: &mut StepContext) -> StepOutcome {
        let mut open = self.open.lock().expect("gate");
        while !*open {
            open = self.cv.wait(open).expect("gate");
        }
        StepOutcome::Continue
    }
}

/// Records the order in which jobs run, and the jobs whose outputs were discarded.
#[derive(Default)]
struct Recorder {
    ran: Mutex<Vec<String>>,
    discarded: Mutex<Vec<String>>,
}

impl JobKind for Recorder {
    fn type_name(&self) -> &'static str {
        "Recorder"
    }
    fn plan(&self, _: &str, _: &Value) -> crate::error::Result<Plan> {
        Ok(Plan {
            steps: 1,
            content: json!({}),
            checkpoint: Value::Null,
        })
    }
    fn step(&self, ctx: &mut StepContext) -> StepOutcome {
        self.ran.lock().expect("ran").push(ctx.job_id.clone());
        StepOutcome::Continue
    }
    fn discard_outputs(&self, job: &JobRecord) {
        self.discarded
            .lock()
            .expect("discarded")
            .push(job.id.clone());
    }
}

/// Asks for a retry `failures` times, then succeeds.
struct Flaky {
    failures: u32,
    attempts: AtomicU32,
}

impl JobKind for Flaky {
    fn type_name(&self) -> &'static str {
        "Flaky"
    }
    fn plan(&self, _: &str, _: &Value) -> crate::error::Result<Plan> {
        Ok(Plan {
            steps: 1,
            content: json!({}),
            checkpoint: Value::Null,
        })
    }
    fn step(&self, _: &mut StepContext) -> StepOutcome {
        let n = self.attempts.fetch_add(1, Ordering::SeqCst);
        if n < self.failures {
            StepOutcome::Retry(format!("transient failure {n}"))
        } else {
            StepOutcome::Continue
        }
    }
    fn max_retries(&self) -> u32 {
        2
    }
    fn retry_delay(&self, attempt: u32) -> Duration {
        Duration::from_millis(10 << attempt)
    }
}

#[test]
fn priority_order_with_negative_values_and_fifo_ties() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = open_db(&dir.path().join("index.redb"));
    let gate = Arc::new(Gate::default());
    let rec = Arc::new(Recorder::default());
    let e = engine(&db, 1, 100, vec![gate.clone(), rec.clone()]);
    e.start_workers();
    let g = e.submit("Gate", json!({}), 0).expect("gate");
    poll("gate running", || {
        e.info(&g).ok().map(|i| i.state) == Some(JobState::Running)
    });
    let prios = [0, -10, 10, 0, -10, 10, i32::MIN, 5, i32::MAX, 0];
    let ids: Vec<String> = prios
        .iter()
        .map(|p| e.submit("Recorder", json!({}), *p).expect("submit"))
        .collect();
    let mut expected: Vec<(i32, usize)> = prios.iter().copied().zip(0..).collect();
    expected.sort_by_key(|(p, i)| (std::cmp::Reverse(*p), *i));
    let expected: Vec<String> = expected.iter().map(|(_, i)| ids[*i].clone()).collect();
    assert_eq!(e.store().pending_ids().expect("pending"), expected);
    gate.release();
    for id in &ids {
        assert_eq!(
            e.wait(id, Some(LONG)).expect("wait").state,
            JobState::Success
        );
    }
    assert_eq!(*rec.ran.lock().expect("ran"), expected);
    e.shutdown();
}

#[test]
fn history_evicts_oldest_and_discards_outputs() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = open_db(&dir.path().join("index.redb"));
    let rec = Arc::new(Recorder::default());
    let e = engine(&db, 2, 2, vec![rec.clone()]);
    e.start_workers();
    let mut ids = Vec::new();
    for _ in 0..4 {
        let id = e.submit("Recorder", json!({}), 0).expect("submit");
        e.wait(&id, Some(LONG)).expect("wait");
        ids.push(id);
    }
    for old in &ids[..2] {
        assert!(matches!(
            e.info(old),
            Err(Error::NotFound { what: "job", .. })
        ));
        assert!(e.store().get(old).expect("get").is_none());
    }
    for new in &ids[2..] {
        assert_eq!(e.info(new).expect("info").state, JobState::Success);
    }
    assert_eq!(e.store().history_ids().expect("history"), ids[2..].to_vec());
    // Outputs are discarded after the commit that evicted them, outside the engine lock.
    poll("discarded outputs", || {
        rec.discarded.lock().expect("discarded").len() == 2
    });
    assert_eq!(*rec.discarded.lock().expect("discarded"), ids[..2].to_vec());
    e.shutdown();
}

#[test]
fn retry_with_backoff_then_failure_or_success() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = open_db(&dir.path().join("index.redb"));
    let always = Arc::new(Flaky {
        failures: u32::MAX,
        attempts: AtomicU32::new(0),
    });
    let e = engine(&db, 1, 100, vec![always.clone()]);
    e.start_workers();
    let id = e.submit("Flaky", json!({}), 0).expect("submit");
    poll("retry state", || {
        e.info(&id).ok().map(|i| i.state) != Some(JobState::Pending)
    });
    let info = e.wait(&id, Some(LONG)).expect("wait");
    assert_eq!(info.state, JobState::Failure);
    assert_eq!(info.error_code, -1);
    assert!(
        info.error_details.contains("gave up after 2 retries"),
        "{info:?}"
    );
    assert_eq!(always.attempts.load(Ordering::SeqCst), 3);
    e.shutdown();
    drop(e);

    let twice = Arc::new(Flaky {
        failures: 2,
        attempts: AtomicU32::new(0),
    });
    let e = engine(&db, 1, 100, vec![twice.clone()]);
    e.start_workers();
    let id = e.submit("Flaky", json!({}), 0).expect("submit");
    let info = e.wait(&id, Some(LONG)).expect("wait");
    assert_eq!(info.state, JobState::Success);
    assert_eq!(info.error_code, 0);
    assert_eq!(twice.attempts.load(Ordering::SeqCst), 3);
    e.shutdown();
}

#[test]
fn retry_state_is_paused_and_canceled_like_orthanc() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = open_db(&dir.path().join("index.redb"));
    struct Slow;
    impl JobKind for Slow {
        fn type_name(&self) -> &'static str {
            "Slow"
        }
        fn plan(&self, _: &str, _: &Value) -> crate::error::Result<Plan> {
            Ok(Plan {
                steps: 1,
                content: json!({}),
                checkpoint: Value::Null,
            })
        }
        fn step(&self, _: &mut StepContext) -> StepOutcome {
            StepOutcome::Retry("later".into())
        }
        fn retry_delay(&self, _: u32) -> Duration {
            Duration::from_secs(3600)
        }
    }
    let e = engine(&db, 1, 100, vec![Arc::new(Slow)]);
    e.start_workers();
    let id = e.submit("Slow", json!({}), 0).expect("submit");
    poll("retry", || {
        e.info(&id).ok().map(|i| i.state) == Some(JobState::Retry)
    });
    assert!(matches!(
        e.control(&id, Action::Resume),
        Err(Error::Invalid(_))
    ));
    assert_eq!(
        e.control(&id, Action::Pause).expect("pause").state,
        JobState::Paused
    );
    let info = e.control(&id, Action::Cancel).expect("cancel");
    assert_eq!((info.state, info.error_code), (JobState::Failure, 37));
    e.shutdown();
}

#[test]
fn pause_and_resume_keep_the_position() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = open_db(&dir.path().join("index.redb"));
    let e = engine(&db, 1, 100, vec![Arc::new(Sleep)]);
    e.start_workers();
    let id = e
        .submit("Sleep", json!({"Steps": 20, "StepMs": 10}), 0)
        .expect("submit");
    poll("progress", || {
        e.record(&id).map(|r| r.position >= 3).unwrap_or(false)
    });
    let info = e.control(&id, Action::Pause).expect("pause");
    assert_eq!(
        info.state,
        JobState::Running,
        "pause waits for the step boundary"
    );
    poll("paused", || {
        e.info(&id).ok().map(|i| i.state) == Some(JobState::Paused)
    });
    let paused_at = e.record(&id).expect("record").position;
    assert!((3..20).contains(&paused_at));
    // A paused job does not move.
    assert_eq!(
        e.control(&id, Action::Pause).expect("noop").state,
        JobState::Paused
    );
    assert_eq!(e.record(&id).expect("record").position, paused_at);
    assert_eq!(done_steps(&e, &id).len() as u64, paused_at);
    e.control(&id, Action::Resume).expect("resume");
    let info = e.wait(&id, Some(LONG)).expect("wait");
    assert_eq!(info.state, JobState::Success);
    assert_eq!(info.progress, 100);
    assert_eq!(done_steps(&e, &id), (0..20).collect::<Vec<_>>());
    assert!(info.effective_runtime >= 0.1, "{info:?}");
    e.shutdown();
}

#[test]
fn cancel_of_a_running_job_and_cancel_wins_over_pause() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = open_db(&dir.path().join("index.redb"));
    let e = engine(&db, 2, 100, vec![Arc::new(Sleep)]);
    e.start_workers();
    let a = e
        .submit("Sleep", json!({"Steps": 1000, "StepMs": 5}), 0)
        .expect("submit");
    let b = e
        .submit("Sleep", json!({"Steps": 1000, "StepMs": 5}), 0)
        .expect("submit");
    for id in [&a, &b] {
        poll("running", || {
            e.info(id).ok().map(|i| i.state) == Some(JobState::Running)
        });
    }
    e.control(&a, Action::Cancel).expect("cancel");
    e.control(&b, Action::Pause).expect("pause");
    e.control(&b, Action::Cancel).expect("cancel");
    for id in [&a, &b] {
        let info = e.wait(id, Some(LONG)).expect("wait");
        assert_eq!(info.state, JobState::Failure);
        assert_eq!(info.error_code, 37);
        assert_eq!(info.error_description, "This job was canceled");
        assert!(info.completion_time.is_some());
        assert!(info.progress < 100);
    }
    // Cancel of a finished job: accepted, nothing changes.
    assert_eq!(
        e.control(&a, Action::Cancel).expect("noop").state,
        JobState::Failure
    );
    e.shutdown();
}

#[test]
fn resubmit_from_failure_restarts_at_step_zero() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = open_db(&dir.path().join("index.redb"));
    let e = engine(&db, 1, 100, vec![Arc::new(Sleep)]);
    e.start_workers();
    let id = e
        .submit("Sleep", json!({"Steps": 4, "StepMs": 0, "FailAt": 2}), 0)
        .expect("submit");
    let first = e.wait(&id, Some(LONG)).expect("wait");
    assert_eq!(first.state, JobState::Failure);
    assert_eq!(first.error_details, "Sleep job asked to fail at step 2");
    assert_eq!(first.progress, 50);
    let err = e.control(&id, Action::Resume).expect_err("illegal");
    assert_eq!(
        err.to_string(),
        format!("cannot resume job {id}: it is Failure (only a paused job can be resumed)")
    );
    e.control(&id, Action::Resubmit).expect("resubmit");
    let second = e.wait(&id, Some(LONG)).expect("wait");
    assert_eq!(second.state, JobState::Failure);
    assert_eq!(second.id, first.id);
    assert_eq!(second.creation_time, first.creation_time);
    // Restarted from 0: steps 0 and 1 ran again, from a fresh checkpoint.
    assert_eq!(done_steps(&e, &id), vec![0, 1]);

    let ok = e
        .submit("Sleep", json!({"Steps": 1, "StepMs": 0}), 0)
        .expect("submit");
    e.wait(&ok, Some(LONG)).expect("wait");
    assert!(matches!(
        e.control(&ok, Action::Resubmit),
        Err(Error::Invalid(m)) if m.contains("it is Success")
    ));
    e.shutdown();
}

/// Plans a checkpoint `{"Seed": n}` (n counts plans); its only step fails, naming the seed it saw.
#[derive(Default)]
struct Seeded {
    plans: AtomicU32,
}

impl JobKind for Seeded {
    fn type_name(&self) -> &'static str {
        "Seeded"
    }
    fn plan(&self, _: &str, _: &Value) -> crate::error::Result<Plan> {
        let n = self.plans.fetch_add(1, Ordering::SeqCst) + 1;
        Ok(Plan {
            steps: 1,
            content: json!({}),
            checkpoint: json!({ "Seed": n }),
        })
    }
    fn step(&self, ctx: &mut StepContext) -> StepOutcome {
        StepOutcome::Fail {
            code: crate::jobs::model::INTERNAL_ERROR,
            details: format!("saw {}", ctx.checkpoint),
        }
    }
}

#[test]
fn a_planned_checkpoint_is_stored_with_the_submit_and_replanned_on_resubmit() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("index.redb");
    let id = {
        let db = open_db(&path);
        let e = engine(&db, 1, 100, vec![Arc::new(Seeded::default())]);
        let id = e.submit("Seeded", json!({}), 0).expect("submit");
        assert_eq!(
            e.record(&id).expect("record").checkpoint,
            json!({"Seed": 1})
        );
        id
    };
    let db = open_db(&path);
    let replanner = Seeded {
        plans: AtomicU32::new(10),
    };
    let e = engine(&db, 1, 100, vec![Arc::new(replanner)]);
    assert_eq!(
        e.record(&id).expect("record").checkpoint,
        json!({"Seed": 1}),
        "on disk with the acknowledged submit"
    );
    e.recover().expect("recover");
    e.start_workers();
    let first = e.wait(&id, Some(LONG)).expect("wait");
    assert_eq!(first.error_details, r#"saw {"Seed":1}"#);
    e.control(&id, Action::Resubmit).expect("resubmit");
    let second = e.wait(&id, Some(LONG)).expect("wait");
    assert_eq!(second.error_details, r#"saw {"Seed":11}"#, "planned again");
    e.shutdown();
}

#[test]
fn id_prefixes() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = open_db(&dir.path().join("index.redb"));
    let e = engine(&db, 1, 100, vec![Arc::new(Sleep)]);
    let id = e.submit("Sleep", json!({}), 0).expect("submit");
    assert_eq!(e.info(&id[..8]).expect("prefix").id, id);
    assert_eq!(e.info(&id.to_uppercase()).expect("upper").id, id);
    assert!(matches!(e.info(&id[..4]), Err(Error::PrefixTooShort(_))));
    assert!(matches!(
        e.info("zzzzzzzz"),
        Err(Error::NotFound { what: "job", .. })
    ));
    assert!(matches!(
        e.submit("Nope", json!({}), 0),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        e.submit("Sleep", json!({"Steps": -1}), 0),
        Err(Error::Invalid(_))
    ));
}

#[test]
fn every_acknowledged_job_survives_a_restart_and_running_resumes_from_its_checkpoint() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("index.redb");
    let (running, pending, paused, finished, pause_requested);
    {
        let db = open_db(&path);
        let e = engine(&db, 2, 100, vec![Arc::new(Sleep)]);
        e.start_workers();
        finished = e
            .submit("Sleep", json!({"Steps": 2, "StepMs": 0}), 100)
            .expect("submit");
        e.wait(&finished, Some(LONG)).expect("wait");
        running = e
            .submit("Sleep", json!({"Steps": 30, "StepMs": 20}), 10)
            .expect("submit");
        pause_requested = e
            .submit("Sleep", json!({"Steps": 1000, "StepMs": 20}), 10)
            .expect("submit");
        pending = e
            .submit("Sleep", json!({"Steps": 1, "StepMs": 0}), -5)
            .expect("submit");
        paused = e
            .submit("Sleep", json!({"Steps": 1, "StepMs": 0}), -5)
            .expect("submit");
        e.control(&paused, Action::Pause).expect("pause");
        poll("progress", || {
            e.record(&running).map(|r| r.position >= 3).unwrap_or(false)
                && e.info(&pause_requested).ok().map(|i| i.state) == Some(JobState::Running)
        });
        // Keep the low-priority job Pending: both workers are busy until shutdown.
        assert_eq!(e.info(&pending).expect("info").state, JobState::Pending);
        e.shutdown();
        drop(e);
        drop(db);
    }
    let db = open_db(&path);
    let e = engine(&db, 2, 100, vec![Arc::new(Sleep)]);
    let stored = e.record(&running).expect("running");
    assert_eq!(
        stored.state,
        JobState::Running,
        "left Running by the shutdown"
    );
    let position = stored.position;
    assert!(position >= 3);
    assert_eq!(e.info(&pending).expect("info").state, JobState::Pending);
    assert_eq!(e.info(&paused).expect("info").state, JobState::Paused);
    assert_eq!(e.info(&finished).expect("info").state, JobState::Success);
    e.recover().expect("recover");
    let rec = e.record(&running).expect("running");
    assert_eq!(rec.state, JobState::Pending);
    assert_eq!(rec.position, position, "resumes from the checkpoint");
    assert_eq!(e.info(&paused).expect("info").state, JobState::Paused);
    e.start_workers();
    e.control(&pause_requested, Action::Cancel).expect("cancel");
    let info = e.wait(&running, Some(LONG)).expect("wait");
    assert_eq!(info.state, JobState::Success);
    assert_eq!(
        done_steps(&e, &running),
        (0..30).collect::<Vec<_>>(),
        "no step ran twice"
    );
    assert!(info.effective_runtime > 0.0);
    assert_eq!(
        e.wait(&pending, Some(LONG)).expect("wait").state,
        JobState::Success
    );
    e.shutdown();
}

#[test]
fn an_acknowledged_pause_of_a_running_job_survives_a_crash() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("index.redb");
    let id;
    {
        // No workers: put a Running record with a scheduled pause directly in the queue, as a
        // crash between the acknowledgement and the step boundary would leave it.
        let db = open_db(&path);
        let e = engine(&db, 1, 100, vec![Arc::new(Sleep)]);
        id = e.submit("Sleep", json!({"Steps": 5}), 0).expect("submit");
        let old = e.record(&id).expect("record");
        let mut new = old.clone();
        new.state = JobState::Running;
        new.position = 2;
        new.flags.pause = true;
        e.store()
            .apply(
                &[Change::Put {
                    old: Some(&old),
                    new: &new,
                }],
                Durability::StateChange,
            )
            .expect("commit");
    }
    let db = open_db(&path);
    let e = engine(&db, 1, 100, vec![Arc::new(Sleep)]);
    e.recover().expect("recover");
    let r = e.record(&id).expect("record");
    assert_eq!((r.state, r.position), (JobState::Paused, 2));
    assert!(e.store().pending_ids().expect("pending").is_empty());
}

#[test]
fn job_info_json_has_orthancs_fields_and_formats() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = open_db(&dir.path().join("index.redb"));
    let e = engine(&db, 1, 100, vec![Arc::new(Sleep)]);
    let id = e
        .submit("Sleep", json!({"Steps": 2, "StepMs": 1}), -3)
        .expect("submit");
    let pending = serde_json::to_value(e.info(&id).expect("info")).expect("json");
    assert!(pending.get("CompletionTime").is_none());
    e.start_workers();
    let info = e.wait(&id, Some(LONG)).expect("wait");
    let text = serde_json::to_string(&info).expect("json");
    let v: Value = serde_json::from_str(&text).expect("parse");
    let keys: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "CompletionTime",
            "Content",
            "CreationTime",
            "EffectiveRuntime",
            "ErrorCode",
            "ErrorDescription",
            "ErrorDetails",
            "ID",
            "Priority",
            "Progress",
            "State",
            "Timestamp",
            "Type"
        ]
    );
    assert_eq!(v["ID"], json!(id));
    assert_eq!(v["Type"], json!("Sleep"));
    assert_eq!(v["State"], json!("Success"));
    assert_eq!(v["Priority"], json!(-3));
    assert_eq!(v["Progress"], json!(100));
    assert_eq!(v["ErrorCode"], json!(0));
    assert_eq!(v["ErrorDescription"], json!("Success"));
    assert_eq!(v["ErrorDetails"], json!(""));
    assert_eq!(v["Content"], json!({"StepMs": 1, "Steps": 2}));
    assert!(v["EffectiveRuntime"].is_f64());
    for key in ["CompletionTime", "CreationTime", "Timestamp"] {
        let s = v[key].as_str().expect("string");
        let b = s.as_bytes();
        assert!(s.len() == 22 || s.len() == 15, "{key}: {s}");
        assert_eq!(b[8], b'T', "{key}: {s}");
        assert!(
            s.chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_digit() || (i == 8 && c == 'T') || (i == 15 && c == '.')),
            "{key}: {s}"
        );
    }
    assert_eq!(
        uuid::Uuid::parse_str(&id).expect("uuid").get_version_num(),
        4
    );
    e.shutdown();
}

#[test]
fn twenty_threads_submit_and_control_concurrently() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = open_db(&dir.path().join("index.redb"));
    let e = engine(&db, 2, 1000, vec![Arc::new(Sleep)]);
    e.start_workers();
    let threads: Vec<_> = (0..20)
        .map(|t| {
            let e = e.clone();
            std::thread::spawn(move || {
                let mut mine = Vec::new();
                for n in 0..10i32 {
                    let id = e
                        .submit(
                            "Sleep",
                            json!({"Steps": 3, "StepMs": 1}),
                            (t * 7 + n) % 5 - 2,
                        )
                        .expect("submit");
                    match n % 3 {
                        0 => {
                            e.control(&id, Action::Cancel).expect("cancel");
                        }
                        1 => {
                            e.control(&id, Action::Pause).expect("pause");
                            poll("paused or finished", || {
                                let s = e.info(&id).expect("info").state;
                                s == JobState::Paused || s.is_finished()
                            });
                            match e.control(&id, Action::Resume) {
                                Ok(_) | Err(Error::Invalid(_)) => {}
                                Err(other) => panic!("{other}"),
                            }
                        }
                        _ => {
                            let _ = e.control(&id, Action::Resubmit);
                        }
                    }
                    mine.push(id);
                }
                mine
            })
        })
        .collect();
    let ids: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("thread"))
        .collect();
    assert_eq!(ids.len(), 200);
    for id in &ids {
        let info = e.wait(id, Some(LONG)).expect("wait");
        assert!(info.state.is_finished(), "{info:?}");
        let stored = e.store().get(id).expect("get").expect("stored");
        assert_eq!(stored.state, info.state);
    }
    let counts = e.counts();
    assert_eq!(counts.values().sum::<u64>(), 200);
    e.shutdown();
}

#[test]
fn many_threads_submitting_at_once_are_all_durable_after_a_reopen() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("index.redb");
    let ids: Vec<String>;
    {
        let db = open_db(&path);
        // No workers: they hold the engine, and this test drops it without a shutdown.
        let e = engine(&db, 2, 10_000, vec![Arc::new(Sleep)]);
        let threads: Vec<_> = (0..16)
            .map(|t| {
                let e = e.clone();
                std::thread::spawn(move || {
                    (0..40)
                        .map(|n| {
                            let params = json!({"Steps": 1 + n % 3, "StepMs": 0});
                            e.submit("Sleep", params, t % 3).expect("submit")
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        ids = threads
            .into_iter()
            .flat_map(|t| t.join().expect("thread"))
            .collect();
        for id in &ids {
            assert!(e.store().get(id).expect("get").is_some(), "{id}");
        }
        // No shutdown: as if the process died here.
        drop(e);
        drop(db);
    }
    let db = open_db(&path);
    let e = engine(&db, 2, 10_000, vec![Arc::new(Sleep)]);
    assert_eq!(ids.len(), 640);
    for id in &ids {
        let info = e.info(id).expect("acknowledged job survives");
        assert_eq!(info.state, JobState::Pending);
    }
    assert_eq!(e.counts().values().sum::<u64>(), 640);
    // Submit order per priority survived too: the pending index is complete.
    assert_eq!(e.store().pending_ids().expect("pending").len(), 640);
}

#[test]
fn a_failed_commit_reaches_every_caller_of_its_batch_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = open_db(&dir.path().join("index.redb"));
    let e = engine(&db, 1, 100, vec![Arc::new(Sleep)]);
    // The first submit leads a commit, held at its start; ten more are staged meanwhile and
    // share the next commit, which fails.
    hook(&e).hold(true);
    let first = {
        let e = e.clone();
        std::thread::spawn(move || e.submit("Sleep", json!({}), 0))
    };
    poll("first commit held", || hook(&e).held() == 1);
    let batch: Vec<_> = (0..10)
        .map(|_| {
            let e = e.clone();
            std::thread::spawn(move || e.submit("Sleep", json!({}), 0))
        })
        .collect();
    poll("ten changes staged", || e.staged_in_open_batch() == 10);
    hook(&e).fail_at_least(Some(10));
    hook(&e).hold(false);
    let first = first.join().expect("thread").expect("first commit");
    for t in batch {
        match t.join().expect("thread") {
            Err(Error::NotSaved(m)) => assert!(m.contains("injected"), "{m}"),
            other => panic!("expected NotSaved, got {other:?}"),
        }
    }
    assert_eq!(hook(&e).failed(), 1, "the ten shared one commit");
    // Disk and memory agree: only the first job exists, Pending.
    let stored = e.store().load_all().expect("load");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, first);
    assert_eq!(e.list().len(), 1);
    assert_eq!(
        e.store().pending_ids().expect("pending"),
        vec![first.clone()]
    );
    // And the engine goes on from there.
    hook(&e).fail_at_least(None);
    e.start_workers();
    let second = e.submit("Sleep", json!({}), 0).expect("submit");
    for id in [&first, &second] {
        assert_eq!(
            e.wait(id, Some(LONG)).expect("wait").state,
            JobState::Success
        );
    }
    assert_eq!(e.store().load_all().expect("load").len(), 2);
    e.shutdown();
}

#[test]
fn a_failed_finish_leaves_the_job_running_on_disk_and_in_memory_until_it_commits() {
    let (_dir, gate, e, id) = gated_job_running();
    let hook = &e.redb_store().hook;
    hook.fail_at_least(Some(1));
    gate.release();
    poll("the finish failed twice", || hook.failed() >= 2);
    assert_eq!(e.info(&id).expect("info").state, JobState::Running);
    assert_eq!(
        e.store().get(&id).expect("get").expect("stored").state,
        JobState::Running
    );
    // A control while commits fail is refused with the error, and changes nothing.
    assert!(matches!(
        e.control(&id, Action::Pause),
        Err(Error::NotSaved(_))
    ));
    hook.fail_at_least(None);
    let info = e.wait(&id, Some(LONG)).expect("wait");
    assert_eq!(info.state, JobState::Success);
    assert_eq!(
        e.store().get(&id).expect("get").expect("stored").state,
        JobState::Success
    );
    e.shutdown();
}

#[test]
fn cancels_racing_finishes_are_neither_lost_nor_reordered() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = open_db(&dir.path().join("index.redb"));
    let e = engine(&db, 2, 10_000, vec![Arc::new(Sleep)]);
    e.start_workers();
    let answers: Vec<(String, JobInfo)> = (0..300)
        .map(|_| {
            let id = e
                .submit("Sleep", json!({"Steps": 1, "StepMs": 0}), 0)
                .expect("submit");
            let answer = e.control(&id, Action::Cancel).expect("cancel");
            (id, answer)
        })
        .collect();
    for (id, answer) in answers {
        let last = e.wait(&id, Some(LONG)).expect("wait");
        let stored = e.store().get(&id).expect("get").expect("stored");
        assert_eq!(stored.state, last.state, "disk and memory agree");
        match answer.state {
            // Canceled before it finished: the finish did not overwrite the cancel.
            JobState::Failure => assert_eq!((last.state, last.error_code), (JobState::Failure, 37)),
            // The finish came first: the cancel was a no-op answered with the durable Success.
            JobState::Success => assert_eq!(last.state, JobState::Success),
            // Flagged during its last step: that step ends the job.
            JobState::Running => assert!(last.state.is_finished()),
            other => panic!("cancel answered {other}"),
        }
    }
    e.shutdown();
}

#[test]
fn a_refused_submit_discards_what_its_plan_prepared() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = open_db(&dir.path().join("index.redb"));
    let recorder = Arc::new(Recorder {
        ran: Mutex::new(Vec::new()),
        discarded: Mutex::new(Vec::new()),
    });
    let e = engine(&db, 1, 100, vec![recorder.clone()]);
    e.redb_store().hook.fail_at_least(Some(1));
    assert!(matches!(
        e.submit("Recorder", json!({}), 0),
        Err(Error::NotSaved(_))
    ));
    assert_eq!(recorder.discarded.lock().expect("discarded").len(), 1);
    e.redb_store().hook.fail_at_least(None);
    e.shutdown();
    assert!(
        e.submit("Recorder", json!({}), 0).is_err(),
        "stopped engine"
    );
    assert_eq!(recorder.discarded.lock().expect("discarded").len(), 2);
}

#[test]
fn a_disk_full_commit_stops_the_engine_instead_of_retrying_on_the_dead_handle() {
    let (_dir, gate, e, id) = gated_job_running();
    let hook = &e.redb_store().hook;
    hook.disk_full(true);
    hook.fail_at_least(Some(1));
    let started = Instant::now();
    gate.release();
    match e.wait(&id, Some(LONG)) {
        Err(Error::DiskFull { .. }) => {}
        other => panic!("expected a disk-full error, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(matches!(e.broken(), Some(Error::DiskFull { .. })));
    // Nothing is tried again on the dead handle: not the finish, not a control, not a submit.
    std::thread::sleep(Duration::from_millis(500));
    assert!(matches!(
        e.control(&id, Action::Pause),
        Err(Error::DiskFull { .. })
    ));
    assert!(matches!(
        e.submit("Gate", json!({}), 0),
        Err(Error::DiskFull { .. })
    ));
    assert_eq!(hook.failed(), 1, "one failed commit, never retried");
    e.shutdown();
    assert_eq!(hook.failed(), 1, "the shutdown commits nothing either");
    // The disk still says Running: a restarted daemon recovers the job.
    assert_eq!(
        e.store().get(&id).expect("get").expect("stored").state,
        JobState::Running
    );
}

#[test]
fn run_only_runs_its_own_job_and_leaves_the_others_pending() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = open_db(&dir.path().join("index.redb"));
    let e = engine(&db, 2, 100, vec![Arc::new(Sleep)]);
    // The other job has the higher priority: a worker would take it first.
    let other = e.submit("Sleep", json!({"Steps": 2}), 10).expect("submit");
    let mine = e.submit("Sleep", json!({"Steps": 3}), 0).expect("submit");
    let mut seen = Vec::new();
    let info = e
        .run_only(&mine, Some(LONG), &mut |i| seen.push(i.state))
        .expect("run_only");
    assert_eq!(info.state, JobState::Success);
    assert_eq!(e.record(&mine).expect("record").position, 3);
    assert_eq!(seen.last(), Some(&JobState::Success));
    assert_eq!(e.info(&other).expect("info").state, JobState::Pending);
    assert_eq!(
        e.store().pending_ids().expect("pending"),
        vec![other.clone()]
    );
    e.shutdown();
    // Durable: a reopened engine sees the same.
    drop(e);
    let e = engine(&db, 1, 100, vec![Arc::new(Sleep)]);
    assert_eq!(e.info(&mine).expect("info").state, JobState::Success);
    assert_eq!(e.info(&other).expect("info").state, JobState::Pending);
}

#[test]
fn run_only_retries_with_backoff_and_gives_up_like_a_worker() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = open_db(&dir.path().join("index.redb"));
    let twice = Arc::new(Flaky {
        failures: 2,
        attempts: AtomicU32::new(0),
    });
    let e = engine(&db, 1, 100, vec![twice.clone()]);
    let id = e.submit("Flaky", json!({}), 0).expect("submit");
    let info = e.run_only(&id, Some(LONG), &mut |_| {}).expect("run_only");
    assert_eq!(info.state, JobState::Success);
    assert_eq!(twice.attempts.load(Ordering::SeqCst), 3);
    e.shutdown();
    drop(e);

    let always = Arc::new(Flaky {
        failures: u32::MAX,
        attempts: AtomicU32::new(0),
    });
    let e = engine(&db, 1, 100, vec![always.clone()]);
    let id = e.submit("Flaky", json!({}), 0).expect("submit");
    let info = e.run_only(&id, Some(LONG), &mut |_| {}).expect("run_only");
    assert_eq!(info.state, JobState::Failure);
    assert!(
        info.error_details.contains("gave up after 2 retries"),
        "{info:?}"
    );
    assert_eq!(always.attempts.load(Ordering::SeqCst), 3);
    e.shutdown();
}

#[test]
fn run_only_honours_pause_resume_and_cancel_at_step_boundaries() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = open_db(&dir.path().join("index.redb"));
    let e = engine(&db, 1, 100, vec![Arc::new(Sleep)]);
    let id = e
        .submit("Sleep", json!({"Steps": 1000, "StepMs": 5}), 0)
        .expect("submit");
    let runner = {
        let e = e.clone();
        let id = id.clone();
        std::thread::spawn(move || e.run_only(&id, Some(LONG), &mut |_| {}))
    };
    poll("running", || {
        e.info(&id).ok().map(|i| i.state) == Some(JobState::Running)
    });
    e.control(&id, Action::Pause).expect("pause");
    poll("paused", || {
        e.info(&id).ok().map(|i| i.state) == Some(JobState::Paused)
    });
    let at = e.record(&id).expect("record").position;
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(
        e.record(&id).expect("record").position,
        at,
        "paused: no step"
    );
    e.control(&id, Action::Resume).expect("resume");
    poll("running again", || {
        e.record(&id).map(|r| r.position > at).unwrap_or(false)
    });
    e.control(&id, Action::Cancel).expect("cancel");
    let info = runner.join().expect("join").expect("run_only");
    assert_eq!(info.state, JobState::Failure);
    assert_eq!(info.error_code, 37);
    e.shutdown();
}

#[test]
fn run_only_is_refused_while_workers_run() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = open_db(&dir.path().join("index.redb"));
    let e = engine(&db, 1, 100, vec![Arc::new(Sleep)]);
    let id = e.submit("Sleep", json!({"Steps": 1}), 0).expect("submit");
    e.start_workers();
    assert!(e.run_only(&id, Some(LONG), &mut |_| {}).is_err());
    e.shutdown();
}

#[test]
fn a_cancel_accepted_during_the_last_step_is_not_lost() {
    let (_dir, gate, e, id) = gated_job_running();
    // Accepted while the job's only (last) step runs: the user was told it took.
    e.control(&id, Action::Cancel).expect("cancel accepted");
    gate.release();
    let info = e.wait(&id, Some(LONG)).expect("wait");
    assert_eq!(info.state, JobState::Failure);
    assert_eq!(info.error_code, crate::jobs::model::CANCELED_JOB);
    e.shutdown();
}

/// One worker, one `Gate` job submitted and seen Running (blocked in its only step).
fn gated_job_running() -> (tempfile::TempDir, Arc<Gate>, Arc<JobsEngine>, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let db = open_db(&dir.path().join("index.redb"));
    let gate = Arc::new(Gate::default());
    let e = engine(&db, 1, 100, vec![gate.clone()]);
    e.start_workers();
    let id = e.submit("Gate", json!({}), 0).expect("submit");
    poll("gate running", || {
        e.info(&id).ok().map(|i| i.state) == Some(JobState::Running)
    });
    (dir, gate, e, id)
}

#[test]
fn user_data_is_kept_with_the_job_across_a_reopen_and_a_resubmit() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("index.redb");
    let data = json!({"batch": 7, "who": ["a", "é"], "n": null});
    let (with, without);
    {
        let db = open_db(&path);
        let e = engine(&db, 1, 100, vec![Arc::new(Sleep)]);
        with = e
            .submit_with(
                "Sleep",
                json!({"Steps": 1, "FailAt": 0}),
                0,
                Some(data.clone()),
            )
            .expect("submit");
        without = e.submit("Sleep", json!({"Steps": 1}), 0).expect("submit");
        drop(e);
        drop(db);
    }
    let db = open_db(&path);
    let e = engine(&db, 1, 100, vec![Arc::new(Sleep)]);
    assert_eq!(e.info(&with).expect("info").user_data, Some(data.clone()));
    assert_eq!(e.info(&without).expect("info").user_data, None);
    let shown = serde_json::to_value(e.info(&with).expect("info")).expect("json");
    assert_eq!(shown["UserData"], data);
    assert!(
        serde_json::to_value(e.info(&without).expect("info"))
            .expect("json")
            .get("UserData")
            .is_none()
    );
    e.start_workers();
    e.wait(&with, Some(Duration::from_secs(20))).expect("wait");
    e.control(&with, Action::Resubmit).expect("resubmit");
    assert_eq!(e.info(&with).expect("info").user_data, Some(data));
    e.shutdown();
}

/// A worker's claim of a Pending job is in flight (its commit held) when a pause of that job
/// arrives: the pause waits for the claim, then applies to the Running job (a pause at the next
/// step boundary), instead of writing "Paused" over the store's "Running".
#[test]
fn a_control_waits_for_the_claim_in_flight_of_its_pending_job() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = open_db(&dir.path().join("index.redb"));
    let e = engine(&db, 1, 100, vec![Arc::new(Sleep)]);
    let id = e
        .submit("Sleep", json!({"Steps": 20, "StepMs": 20}), 0)
        .expect("submit");
    hook(&e).hold(true);
    e.start_workers();
    poll("the claim's commit held", || hook(&e).held() == 1);
    let pause = {
        let (e, id) = (e.clone(), id.clone());
        std::thread::spawn(move || e.control(&id, Action::Pause))
    };
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(e.staged_in_open_batch(), 0, "the pause waits for the claim");
    hook(&e).hold(false);
    let answer = pause.join().expect("thread").expect("pause");
    assert_eq!(
        answer.state,
        JobState::Running,
        "a pause of the claimed job: {answer:?}"
    );
    poll("paused at a step boundary", || {
        e.info(&id).is_ok_and(|j| j.state == JobState::Paused)
    });
    let stored = e.store().get(&id).expect("get").expect("stored");
    assert_eq!(stored.state, JobState::Paused);
    assert!(done_steps(&e, &id).len() < 20, "it stopped before its end");
    e.control(&id, Action::Resume).expect("resume");
    let done = e.wait(&id, Some(Duration::from_secs(20))).expect("wait");
    assert_eq!(done.state, JobState::Success, "{done:?}");
    e.shutdown();
}

#[test]
fn only_a_finished_job_can_be_deleted_and_it_is_gone_for_good() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("index.redb");
    let (done, paused);
    {
        let db = open_db(&path);
        let e = engine(&db, 1, 100, vec![Arc::new(Sleep)]);
        done = e.submit("Sleep", json!({"Steps": 1}), 0).expect("submit");
        paused = e.submit("Sleep", json!({"Steps": 1}), 0).expect("submit");
        e.control(&paused, Action::Pause).expect("pause");
        match e.delete(&paused) {
            Err(Error::Invalid(m)) => assert!(m.contains("Paused"), "{m}"),
            other => panic!("a paused job is not deleted: {other:?}"),
        }
        e.start_workers();
        e.wait(&done, Some(Duration::from_secs(20))).expect("wait");
        e.delete(&done[..8]).expect("delete by prefix");
        assert!(matches!(e.info(&done), Err(Error::NotFound { .. })));
        assert!(matches!(e.delete(&done), Err(Error::NotFound { .. })));
        assert_eq!(
            e.store().history_ids().expect("history"),
            Vec::<String>::new()
        );
        e.shutdown();
    }
    let db = open_db(&path);
    let e = engine(&db, 1, 100, vec![Arc::new(Sleep)]);
    assert!(e.store().get(&done).expect("get").is_none(), "durable");
    assert_eq!(e.info(&paused).expect("info").state, JobState::Paused);
}
