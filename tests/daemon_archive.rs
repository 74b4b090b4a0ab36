//! Archives through the daemon: sync and async, outputs streamed over the socket, and kill -9
//! in the middle of an archive.

mod common;

use common::{Home, check_zip, fixtures, poll, stderr, stdout};

#[test]
fn archives_through_the_daemon() {
    let home = Home::new();
    let _d = home.daemon(&[]);
    assert!(
        home.run(&["store", fixtures().to_str().expect("utf8")])
            .status
            .success()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let sync = dir.path().join("study.zip");
    let o = home.run(&["archive", "b89ca719", "-o", sync.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    check_zip(&sync);
    let o = home.run(&["archive", "b89ca719", "--media", "--async"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let id = stdout(&o).trim().to_string();
    assert!(home.run(&["jobs", "wait", &id]).status.success());
    let media = dir.path().join("media.zip");
    let o = home.run(&["jobs", "output", &id, "-o", media.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    check_zip(&media);
    let streamed = home
        .cmd()
        .args(["jobs", "output", &id])
        .output()
        .expect("runs");
    assert_eq!(
        streamed.stdout,
        std::fs::read(&media).expect("read"),
        "stdout = file"
    );
    // A job without output: a clear error, exit 1, nothing written.
    let sleep = stdout(&home.run(&["debug", "sleep-job", "--async"]))
        .trim()
        .to_string();
    assert!(home.run(&["jobs", "wait", &sleep]).status.success());
    let none = dir.path().join("none.zip");
    let o = home.run(&["jobs", "output", &sleep, "-o", none.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!none.exists());
}

#[test]
fn kill_9_in_the_middle_of_an_archive_then_restart() {
    let home = Home::new();
    let src = tempfile::tempdir().expect("tempdir");
    dicomq_testdata::write_files(src.path(), 1500, 40_000).expect("generate");
    assert!(
        home.run(&["-q", "store", src.path().to_str().expect("utf8")])
            .status
            .success()
    );
    let patients = home.json(&["ls", "patients"]);
    let ids: Vec<String> = patients
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|p| p["ID"].as_str().map(str::to_string))
        .collect();
    let mut d = home.daemon(&[]);
    let mut args = vec!["archive".to_string(), "--async".to_string()];
    args.extend(ids.iter().cloned());
    let o = home.cmd().args(&args).output().expect("runs");
    assert!(o.status.success(), "{}", stderr(&o));
    let job = stdout(&o).trim().to_string();
    let progress = poll(60, "the archive to start", || {
        let p = home.json(&["jobs", "show", &job])["Progress"].as_u64()?;
        (p > 0).then_some(p)
    });
    d.kill9();
    assert!(
        progress < 100,
        "the archive finished before the kill ({progress} %); make it bigger"
    );
    // What a crash left of a job that no longer exists goes at the next start; the files of
    // the interrupted job stay.
    let stray = home
        .path()
        .join("outputs/7d1f0a2b-9c3e-4b6a-8e5f-1a2b3c4d5e6f.sync.zip");
    std::fs::write(&stray, b"left by a crash").expect("write");
    let _d = home.daemon(&[]);
    assert!(!stray.exists(), "the orphan output was removed at start");
    let o = home.run(&["jobs", "wait", &job]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = home.path().join("restarted.zip");
    assert!(
        home.run(&["jobs", "output", &job, "-o", out.to_str().expect("utf8")])
            .status
            .success()
    );
    assert_eq!(check_zip(&out).len(), 1500, "every instance, once");
}
