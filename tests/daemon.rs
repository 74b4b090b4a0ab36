//! The daemon with the real binary: the socket, remote commands, restarts, kill -9, SIGTERM,
//! bad clients and many clients at once.

mod common;

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use common::{Home, fixture, fixtures, have_tool, poll, stderr, stdout};

fn job_state(home: &Home, id: &str) -> String {
    home.json(&["jobs", "show", id])["State"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[test]
fn commands_go_through_the_daemon() {
    let home = Home::new();
    let _d = home.daemon(&[]);
    let sock = home.path().join("daemon.sock");
    let mode = std::fs::metadata(&sock)
        .expect("socket")
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    let r = home.json(&["store", fixtures().to_str().expect("utf8")]);
    assert_eq!(r.as_array().map(Vec::len), Some(19));
    assert!(
        r.as_array()
            .expect("array")
            .iter()
            .all(|x| x["Status"] == "Success")
    );
    // While the daemon holds the database, these can only have come through the socket.
    assert_eq!(
        home.json(&["ls", "patients"]).as_array().map(Vec::len),
        Some(6)
    );
    assert_eq!(home.json(&["show", "b89ca719"])["Type"], "Study");
    assert_eq!(
        home.json(&["show", "38d8c43a", "--tags"])["0010,0020"]["Value"],
        "PAT-A"
    );
    // create-dicom: the PDF travels as a raw body, the file comes back for -o.
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = dir.path().join("r.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n%%EOF\n").expect("write");
    let out = dir.path().join("r.dcm");
    let a = home.json(&[
        "create-dicom",
        "--pdf",
        pdf.to_str().expect("utf8"),
        "--parent",
        "b89ca719",
        "-o",
        out.to_str().expect("utf8"),
    ]);
    assert_eq!(
        a["ParentStudy"],
        "b89ca719-1fea81fa-5868adf8-448926c1-a5a8efe9"
    );
    assert!(std::fs::metadata(&out).expect("-o written").len() > 100);
    let back = home
        .cmd()
        .args(["pdf", a["ID"].as_str().expect("ID")])
        .output()
        .expect("runs");
    assert_eq!(back.stdout, b"%PDF-1.4\n%%EOF\n");
    // Several images: their files travel one after the other in one body, one series.
    let inputs = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/orthanc/create-dicom/inputs");
    let two = home.json(&[
        "create-dicom",
        "--image",
        inputs.join("rgb_64x48.png").to_str().expect("utf8"),
        "--image",
        inputs.join("gray8_64x48.png").to_str().expect("utf8"),
    ]);
    // Orthanc answers a multi-image request with the series.
    assert_eq!(
        two["Path"],
        format!("/series/{}", two["ID"].as_str().expect("ID"))
    );
    let series = home.json(&["show", two["ID"].as_str().expect("ID")]);
    assert_eq!(series["Instances"].as_array().map(Vec::len), Some(2));
    let r = home.json(&["rm", "8ecfcd19"]);
    assert_eq!(r[0]["RemainingAncestor"], serde_json::Value::Null);
    // Jobs: sync through the daemon, async returns at once.
    let o = home.run(&["debug", "sleep-job", "--steps", "2", "--step-ms", "5"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let id = stdout(&home.run(&[
        "debug",
        "sleep-job",
        "--steps",
        "3",
        "--step-ms",
        "5",
        "--async",
    ]))
    .trim()
    .to_string();
    assert_eq!(id.len(), 36);
    let o = home.run(&["jobs", "wait", &id]);
    assert!(o.status.success(), "{}", stderr(&o));
    // A second daemon on the same home is refused.
    let o = home.run(&["daemon"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("already running"), "{}", stderr(&o));
}

#[test]
fn kill_9_keeps_every_acknowledged_job_and_resumes_running_ones() {
    let home = Home::new();
    let mut d = home.daemon(&["--lock-timeout", "10"]);
    let sleep = |steps: &str, ms: &str, extra: &[&str]| -> String {
        let mut args = vec![
            "debug",
            "sleep-job",
            "--steps",
            steps,
            "--step-ms",
            ms,
            "--async",
        ];
        args.extend_from_slice(extra);
        let o = home.run(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o).trim().to_string()
    };
    // ConcurrentJobs is 2: two long runners, then a paused one and a pending one.
    let running = sleep("40", "100", &["--priority", "10"]);
    let running2 = sleep("40", "100", &["--priority", "9"]);
    let paused = sleep("5", "10", &[]);
    assert!(home.run(&["jobs", "pause", &paused]).status.success());
    let pending = sleep("5", "10", &["--priority", "-3"]);
    let done = sleep("1", "0", &["--priority", "100"]);
    poll(20, "the first job to pass 30 %", || {
        let p = home.json(&["jobs", "show", &running])["Progress"].as_u64()?;
        (p >= 30).then_some(())
    });
    let before = home.json(&["jobs", "show", &running])["Progress"]
        .as_u64()
        .expect("progress");
    d.kill9();
    let _ = done;
    // The stale socket is replaced at restart; nothing acknowledged is lost.
    let _d2 = home.daemon(&[]);
    let all = home.json(&["jobs", "ls"]);
    assert_eq!(all.as_array().map(Vec::len), Some(5), "{all}");
    assert_eq!(job_state(&home, &paused), "Paused");
    let restarted = Instant::now();
    let o = home.run(&["jobs", "wait", &running]);
    assert!(o.status.success(), "{}", stderr(&o));
    // 40 steps of 100 ms from scratch take 4 s; resumed from >= 30 % it takes less.
    let left = restarted.elapsed();
    let done_ms = before * 40; // percent of 4000 ms
    assert!(
        left < Duration::from_millis(4000 - done_ms / 2),
        "resumed from the start? {left:?} after {before} %"
    );
    assert!(home.run(&["jobs", "wait", &running2]).status.success());
    assert!(home.run(&["jobs", "wait", &pending]).status.success());
    assert_eq!(job_state(&home, &paused), "Paused");
    assert!(home.run(&["jobs", "resume", &paused]).status.success());
    assert!(home.run(&["jobs", "wait", &paused]).status.success());
}

#[test]
fn sigterm_stops_cleanly_and_jobs_resume() {
    let home = Home::new();
    let mut d = home.daemon(&[]);
    let id = stdout(&home.run(&[
        "debug",
        "sleep-job",
        "--steps",
        "20",
        "--step-ms",
        "100",
        "--async",
    ]))
    .trim()
    .to_string();
    poll(10, "the job to run", || {
        (job_state(&home, &id) == "Running").then_some(())
    });
    let t = Instant::now();
    let status = d.terminate(10);
    assert!(status.success(), "{status}");
    assert!(t.elapsed() < Duration::from_secs(10));
    assert!(!home.path().join("daemon.sock").exists(), "socket removed");
    // Inline now (no daemon): the job is still there, not lost, not finished.
    assert_eq!(job_state(&home, &id), "Running");
    let _d = home.daemon(&[]);
    assert!(home.run(&["jobs", "wait", &id]).status.success());
}

#[test]
fn no_jobs_runs_nothing_and_erases_nothing() {
    let home = Home::new();
    let mut d = home.daemon(&[]);
    let id = stdout(&home.run(&[
        "debug",
        "sleep-job",
        "--steps",
        "50",
        "--step-ms",
        "100",
        "--async",
    ]))
    .trim()
    .to_string();
    poll(10, "the job to run", || {
        (job_state(&home, &id) == "Running").then_some(())
    });
    d.kill9();
    let mut d = home.daemon(&["--no-jobs"]);
    assert_eq!(
        job_state(&home, &id),
        "Running",
        "not recovered, not erased"
    );
    let o = home.run(&["debug", "sleep-job", "--async"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--no-jobs"), "{}", stderr(&o));
    assert!(d.terminate(10).success());
    let _d = home.daemon(&[]);
    assert!(home.run(&["jobs", "wait", &id]).status.success());
}

/// Writes a raw frame: u32 header length, header, u64 body length, body.
fn raw_frame(stream: &mut UnixStream, header: &[u8], body: &[u8]) {
    let _ = stream.write_all(&(header.len() as u32).to_le_bytes());
    let _ = stream.write_all(header);
    let _ = stream.write_all(&(body.len() as u64).to_le_bytes());
    let _ = stream.write_all(body);
}

fn dropped(stream: &mut UnixStream) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut buf = [0u8; 64];
    matches!(stream.read(&mut buf), Ok(0) | Err(_))
}

#[test]
fn bad_clients_are_dropped_and_others_served() {
    let home = Home::new();
    let _d = home.daemon(&[]);
    let sock = home.path().join("daemon.sock");
    // Malformed JSON.
    let mut s = UnixStream::connect(&sock).expect("connect");
    raw_frame(&mut s, b"{not json", b"");
    assert!(dropped(&mut s));
    // An unknown request (after no hello).
    let mut s = UnixStream::connect(&sock).expect("connect");
    raw_frame(&mut s, br#"{"Request":"Explode"}"#, b"");
    assert!(dropped(&mut s));
    // An oversized frame: refused from its length alone.
    let mut s = UnixStream::connect(&sock).expect("connect");
    let _ = s.write_all(&u32::MAX.to_le_bytes());
    assert!(dropped(&mut s));
    // A wrong protocol version gets a clear answer.
    let mut s = UnixStream::connect(&sock).expect("connect");
    raw_frame(&mut s, br#"{"Request":"Hello","version":999}"#, b"");
    let mut answer = Vec::new();
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let _ = s.read_to_end(&mut answer);
    assert!(String::from_utf8_lossy(&answer).contains("protocol version mismatch"));
    // A client that disconnects in the middle of `jobs wait`.
    let id = stdout(&home.run(&[
        "debug",
        "sleep-job",
        "--steps",
        "30",
        "--step-ms",
        "50",
        "--async",
    ]))
    .trim()
    .to_string();
    let mut waiter = std::process::Command::new(assert_cmd::cargo::cargo_bin("dicomq"))
        .arg("--home")
        .arg(home.path())
        .args(["jobs", "wait", &id])
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_millis(300));
    let _ = waiter.kill();
    let _ = waiter.wait();
    // Still serving.
    assert!(
        home.run(&["store", fixture("A_s1_i1.dcm").to_str().expect("utf8")])
            .status
            .success()
    );
    assert!(home.run(&["jobs", "wait", &id]).status.success());
}

#[test]
fn socket_path_that_is_a_regular_file() {
    let home = Home::new();
    let sock = home.path().join("daemon.sock");
    std::fs::write(&sock, "not a socket").expect("write");
    let o = home.run(&["daemon"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("not a socket"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&sock).expect("untouched"), b"not a socket");
    // Clients fall back to inline.
    assert!(home.run(&["ls", "patients"]).status.success());
}

#[test]
fn twenty_clients_in_parallel() {
    let home = Home::new();
    let _d = home.daemon(&[]);
    let jobs: Vec<(String, bool)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..20)
            .map(|i| {
                let home = &home;
                s.spawn(move || {
                    let prio = (i % 5 - 2).to_string();
                    let o = home.run(&[
                        "debug",
                        "sleep-job",
                        "--steps",
                        "5",
                        "--step-ms",
                        "10",
                        "--async",
                        "--priority",
                        &prio,
                    ]);
                    assert!(o.status.success(), "{}", stderr(&o));
                    let id = stdout(&o).trim().to_string();
                    if i % 4 == 0 {
                        // pause may race with completion; either answer is legal
                        let _ = home.run(&["jobs", "pause", &id]);
                        let _ = home.run(&["jobs", "resume", &id]);
                    }
                    // A cancel that arrives after the job ended is answered "is Success" (a
                    // no-op, as in Orthanc); one that arrives before must make it fail.
                    let mut canceled = false;
                    if i % 7 == 0 {
                        let o = home.run(&["jobs", "cancel", &id]);
                        assert!(o.status.success(), "{}", stderr(&o));
                        // The answer is a note on stderr.
                        canceled = !stderr(&o).contains("is Success");
                    }
                    (id, canceled)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    let ids: Vec<String> = jobs.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(ids.len(), 20);
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 20, "no duplicated job");
    for (i, id) in ids.iter().enumerate() {
        let state = poll(30, "jobs to settle", || {
            let s = job_state(&home, id);
            match s.as_str() {
                "Success" | "Failure" => Some(s),
                "Paused" => {
                    let _ = home.run(&["jobs", "resume", id]);
                    None
                }
                _ => None,
            }
        });
        // A job whose cancel was accepted cannot succeed; every other one must.
        let expected = if jobs[i].1 { "Failure" } else { "Success" };
        assert_eq!(state, expected, "job {i} ({id})");
    }
    assert_eq!(
        home.json(&["jobs", "ls"]).as_array().map(Vec::len),
        Some(20)
    );
}

#[test]
fn systemd_units_verify() {
    if !have_tool("systemd-analyze") {
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("dicomq");
    let dir = tempfile::tempdir().expect("tempdir");
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/contrib/dicomq.service"
    ))
    .expect("unit")
    .replace("/usr/local/bin/dicomq", bin.to_str().expect("utf8"));
    let path = dir.path().join("dicomq.service");
    let verify = |text: &str| {
        std::fs::write(&path, text).expect("write");
        let o = std::process::Command::new("systemd-analyze")
            .args(["verify", "--man=no"])
            .arg(&path)
            .output()
            .expect("runs");
        assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    };
    verify(&unit);
    // With the drop-in of a shared PostgreSQL index (its sections added to the unit).
    let drop_in = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/contrib/postgres/dicomq.service.d/postgres.conf"
    ))
    .expect("drop-in");
    verify(&format!("{unit}\n{drop_in}"));
    // The example config loads without an unknown key.
    let config = dicomq::config::Config::load(
        std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/contrib/postgres/config.json"
        )),
        true,
    )
    .expect("contrib/postgres/config.json loads");
    assert!(config.unknown_keys.is_empty(), "{:?}", config.unknown_keys);
    assert!(matches!(
        config.index,
        dicomq::config::IndexLocation::Postgres { .. }
    ));
    let user = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/contrib/dicomq-user.service"
    ))
    .expect("unit");
    assert!(user.contains("ExecStart=%h/.cargo/bin/dicomq daemon"));
}

#[test]
fn a_stuck_daemon_holding_the_database_is_exit_3_naming_socket_and_database() {
    let home = Home::new();
    let d = home.daemon(&[]);
    let pid = d.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-STOP", &pid])
            .status()
            .expect("kill")
            .success()
    );
    let t = Instant::now();
    let o = home.run(&["--lock-timeout", "1", "ls", "patients"]);
    let _ = std::process::Command::new("kill")
        .args(["-CONT", &pid])
        .status();
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("daemon.sock") && err.contains("index.redb"),
        "{err}"
    );
    assert!(
        t.elapsed() < Duration::from_secs(8),
        "gave up in time: {:?}",
        t.elapsed()
    );
}
