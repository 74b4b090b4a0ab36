//! Node tests that need its parts: the job gauges with jobs held Pending by a Node whose
//! workers have not started (no public operation does that: a served Node runs its jobs).

use std::time::Duration;

use super::*;
use crate::jobs::Action;
use crate::testdata::exposition::samples;

/// Orthanc's meanings: pending = Pending + Retry, running = Running + Paused.
#[test]
fn job_gauges_follow_the_engine() {
    let dir = tempfile::tempdir().expect("tempdir");
    let node = Node::open(Home::at(dir.path()), Config::default()).expect("open");
    let params = serde_json::json!({"Steps": 1, "StepMs": 0});
    let a = node.jobs.submit("Sleep", params.clone(), 0).expect("a");
    let b = node.jobs.submit("Sleep", params.clone(), 0).expect("b");
    node.jobs.control(&b, Action::Pause).expect("pause b");
    let m = samples(&node.metrics_text().expect("scrape"));
    assert_eq!(m["orthanc_jobs_pending"], 1.0);
    assert_eq!(m["orthanc_jobs_running"], 1.0);
    assert_eq!(m["dicomq_jobs{type=\"Sleep\",state=\"Paused\"}"], 1.0);
    assert_eq!(m["dicomq_jobs{type=\"Sleep\",state=\"Pending\"}"], 1.0);

    node.jobs.control(&b, Action::Resume).expect("resume b");
    node.jobs.start_workers();
    node.jobs
        .wait(&a, Some(Duration::from_secs(30)))
        .expect("a ends");
    node.jobs
        .wait(&b, Some(Duration::from_secs(30)))
        .expect("b ends");
    let failing = serde_json::json!({"Steps": 2, "FailAt": 1});
    let c = node.jobs.submit("Sleep", failing, 0).expect("c");
    node.jobs
        .wait(&c, Some(Duration::from_secs(30)))
        .expect("c ends");
    node.jobs.shutdown();

    let m = samples(&node.metrics_text().expect("scrape"));
    assert_eq!(m["orthanc_jobs_pending"], 0.0);
    assert_eq!(m["orthanc_jobs_running"], 0.0);
    assert_eq!(m["orthanc_jobs_success"], 2.0);
    assert_eq!(m["orthanc_jobs_failed"], 1.0);
    assert_eq!(m["orthanc_jobs_completed"], 3.0);
    assert_eq!(m["dicomq_jobs{type=\"Sleep\",state=\"Success\"}"], 2.0);
    assert_eq!(m["dicomq_jobs{type=\"Sleep\",state=\"Failure\"}"], 1.0);
}

/// A job's submission and its end reach the changes log (`ResourceType` "Job", `Path`
/// `/jobs/{id}`), after the resource changes before them, in order; inline too.
#[test]
fn job_events_reach_the_changes_log() {
    use crate::jobs::{JobSpec, SleepParams};
    use crate::store::index::{ChangeType, ChangedResource};
    let dir = tempfile::tempdir().expect("tempdir");
    let node = Node::open(Home::at(dir.path()), Config::default()).expect("open");
    let run = |fail_at: Option<u64>| {
        let req = JobRequest {
            spec: JobSpec::Sleep(SleepParams {
                steps: 2,
                step_ms: 0,
                fail_at,
            }),
            priority: 0,
            user_data: None,
        };
        node.run_job(req, &mut |_| Ok(())).expect("job runs").id
    };
    let ok = run(None);
    let failed = run(Some(1));
    let page = node.changes(0, 100).expect("changes");
    let seen: Vec<(ChangeType, &str)> = page
        .changes
        .iter()
        .map(|c| (c.change_type, c.id.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (ChangeType::JobSubmitted, ok.as_str()),
            (ChangeType::JobSuccess, ok.as_str()),
            (ChangeType::JobSubmitted, failed.as_str()),
            (ChangeType::JobFailure, failed.as_str()),
        ]
    );
    let first = &page.changes[0];
    assert_eq!(first.resource_type, ChangedResource::Job);
    assert_eq!(first.path, format!("/jobs/{ok}"));
    assert_eq!(
        (first.seq, page.last, page.done),
        (1, 4, true),
        "numbered as resource changes are"
    );
    let json = serde_json::to_value(first).expect("json");
    assert_eq!(json["ResourceType"], "Job");
    assert_eq!(json["ChangeType"], "JobSubmitted");
}
