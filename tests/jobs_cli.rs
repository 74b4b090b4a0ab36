//! The `jobs` commands and inline (no daemon) job runs through the binary.

mod common;

use common::{Home, stderr, stdout};

#[test]
fn inline_sync_jobs_are_recorded_and_controlled() {
    let home = Home::new();
    let ok = home.run(&["debug", "sleep-job", "--steps", "3", "--step-ms", "5"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    let ok_id = stdout(&ok).trim().to_string();
    let failed = home.run(&[
        "debug",
        "sleep-job",
        "--steps",
        "3",
        "--fail-at",
        "1",
        "--priority",
        "-5",
    ]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(stderr(&failed).contains("failed"), "{}", stderr(&failed));
    let failed_id = stdout(&failed).trim().to_string();

    let all = home.json(&["jobs", "ls"]);
    assert_eq!(all.as_array().map(Vec::len), Some(2));
    let only_failed = home.json(&["jobs", "ls", "--state", "Failure"]);
    assert_eq!(only_failed[0]["ID"], failed_id.as_str());
    assert_eq!(only_failed[0]["Priority"], -5);

    let job = home.json(&["jobs", "show", &ok_id[..8]]);
    for key in [
        "ID",
        "Type",
        "State",
        "Priority",
        "Progress",
        "CreationTime",
        "CompletionTime",
        "EffectiveRuntime",
        "ErrorCode",
        "ErrorDescription",
        "ErrorDetails",
        "Timestamp",
        "Content",
    ] {
        assert!(job.get(key).is_some(), "missing {key}: {job}");
    }
    assert_eq!(job["State"], "Success");
    assert_eq!(job["Type"], "Sleep");
    assert_eq!(job["Progress"], 100);
    let ts = job["CreationTime"].as_str().expect("time");
    assert_eq!(ts.len(), 22, "YYYYMMDDTHHMMSS.ffffff: {ts}");

    // Illegal transitions are exit 1 with the state named.
    let o = home.run(&["jobs", "resume", &ok_id]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("cannot resume job") && stderr(&o).contains("Success"),
        "{}",
        stderr(&o)
    );
    let o = home.run(&["jobs", "resubmit", &ok_id]);
    assert_eq!(o.status.code(), Some(1));

    // Resubmit a failure, then run it here with `jobs wait`: it fails again at step 1.
    let o = home.run(&["jobs", "resubmit", &failed_id]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(home.json(&["jobs", "show", &failed_id])["State"], "Pending");
    let o = home.run(&["jobs", "wait", &failed_id, "--timeout", "20"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(home.json(&["jobs", "show", &failed_id])["State"], "Failure");
}

#[test]
fn bad_job_inputs() {
    let home = Home::new();
    let o = home.run(&["jobs", "show", "ffffffff"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("ffffffff"), "{}", stderr(&o));
    let o = home.run(&["jobs", "cancel", "ffffffff-0000"]);
    assert_eq!(o.status.code(), Some(1));
    let o = home.run(&["debug", "sleep-job", "--priority", "3000000000"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a priority outside i32 is a usage error"
    );
    let o = home.run(&["debug", "sleep-job", "--async"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("daemon.sock") && stderr(&o).contains("hint:"),
        "{}",
        stderr(&o)
    );
    let o = home.run(&["jobs", "ls", "--state", "Sleeping"]);
    assert_eq!(o.status.code(), Some(1));
    // Nothing was recorded by the refused calls.
    assert_eq!(home.json(&["jobs", "ls"]), serde_json::json!([]));
}
