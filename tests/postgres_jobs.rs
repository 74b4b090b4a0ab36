//! Several daemons sharing one job queue on PostgreSQL (and one storage directory), with the
//! real binary: a burst of jobs from several clients runs each job once; a daemon killed with
//! SIGKILL loses its job to another after the lease; a pause asked on one daemon stops the job
//! another runs; PostgreSQL restarted under traffic loses nothing acknowledged.
//!
//! A daemon on PostgreSQL needs the resource index there too (the index half of issue 16):
//! these tests run once both halves are merged. Each test has its own database on the test
//! process's private server (dicomq_testdata::postgres) and skips when PostgreSQL is not
//! installed (fails with `DICOMQ_REQUIRE_VALIDATORS=1`).

mod common;

use common::postgres::server;
use dicomq_testdata::postgres::PgServer;

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{Daemon, Home, poll, stderr, stdout, try_poll};

/// `n` data homes on database `url` and one storage directory under `shared`.
fn homes(url: &str, shared: &Path, n: usize) -> Vec<Home> {
    let storage = shared.join("storage");
    (0..n)
        .map(|_| {
            let home = Home::new();
            let config = serde_json::json!({
                "Index": url,
                "StorageDirectory": storage,
                "JobsHistorySize": 1000,
            });
            std::fs::write(home.path().join("config.json"), config.to_string()).expect("config");
            home
        })
        .collect()
}

/// Starts `home`'s daemon, its log in `HOME/daemon.log` (a pipe nobody reads would fill while
/// PostgreSQL is down and block the daemon's logging), and waits until its socket answers.
fn daemon(home: &Home) -> Daemon {
    let log = std::fs::File::create(home.path().join("daemon.log")).expect("log");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("dicomq"))
        .env_clear()
        .env("NO_COLOR", "1")
        .arg("--home")
        .arg(home.path())
        .arg("daemon")
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .expect("spawn daemon");
    let mut d = Daemon { child };
    poll(20, "the daemon's socket", || {
        if let Ok(Some(status)) = d.child.try_wait() {
            let log = std::fs::read_to_string(home.path().join("daemon.log")).unwrap_or_default();
            panic!("daemon exited early ({status}): {log}");
        }
        std::os::unix::net::UnixStream::connect(home.path().join("daemon.sock")).ok()
    });
    d
}

/// Submits a sleep job through `home`'s daemon; its ID once acknowledged.
fn submit(home: &Home, steps: u64, step_ms: u64) -> Option<String> {
    let out = home.run(&[
        "debug",
        "sleep-job",
        "--steps",
        &steps.to_string(),
        "--step-ms",
        &step_ms.to_string(),
        "--async",
    ]);
    out.status
        .success()
        .then(|| stdout(&out).trim().to_string())
}

fn job(home: &Home, id: &str) -> Option<serde_json::Value> {
    let out = home
        .cmd()
        .args(["--json", "jobs", "show", id])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| serde_json::from_slice(&out.stdout).ok())
        .flatten()
}

fn state_of(home: &Home, id: &str) -> Option<String> {
    job(home, id).and_then(|j| j["State"].as_str().map(str::to_string))
}

/// The job as `home` sees it, once its state is `want` (within `secs`).
fn wait_state(home: &Home, id: &str, want: &str, secs: u64) -> serde_json::Value {
    poll(secs, &format!("job {id} {want}"), || {
        job(home, id).filter(|j| j["State"] == want)
    })
}

#[test]
fn a_burst_from_several_clients_on_three_daemons_runs_each_job_once() {
    let Some(server) = server() else {
        return;
    };
    let shared = tempfile::tempdir().expect("tempdir");
    let homes = homes(&server.new_database(), shared.path(), 3);
    let _daemons: Vec<Daemon> = homes.iter().map(daemon).collect();
    let ids: Vec<String> = std::thread::scope(|s| {
        let clients: Vec<_> = (0..6)
            .map(|c| {
                let home = &homes[c % 3];
                s.spawn(move || {
                    (0..15)
                        .map(|_| submit(home, 2, 5).expect("acknowledged"))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        clients
            .into_iter()
            .flat_map(|c| c.join().expect("client"))
            .collect()
    });
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 90);
    for id in &ids {
        wait_state(&homes[0], id, "Success", 60);
    }
    // Every daemon sees every job, and the changes log holds one submit and one success per
    // job: no job ran twice (a second run would log a second end).
    for home in &homes {
        let list = home.json(&["jobs", "ls"]);
        let listed: HashSet<&str> = list
            .as_array()
            .expect("jobs")
            .iter()
            .filter(|j| j["State"] == "Success")
            .filter_map(|j| j["ID"].as_str())
            .collect();
        assert!(ids.iter().all(|id| listed.contains(id.as_str())));
    }
    let changes = homes[1].json(&["changes", "--limit", "1000"]);
    let ends = changes["Changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["ChangeType"] == "JobSuccess")
        .filter_map(|c| c["ID"].as_str())
        .collect::<Vec<_>>();
    assert_eq!(ends.len(), 90, "one JobSuccess per job");
    assert_eq!(ends.iter().collect::<HashSet<_>>().len(), 90);
}

#[test]
fn a_job_of_a_daemon_killed_with_sigkill_is_finished_by_another_after_the_lease() {
    let Some(server) = server() else {
        return;
    };
    let shared = tempfile::tempdir().expect("tempdir");
    let homes = homes(&server.new_database(), shared.path(), 2);
    let mut first = daemon(&homes[0]);
    let id = submit(&homes[0], 60, 100).expect("acknowledged");
    poll(10, "the job running on the first daemon", || {
        job(&homes[0], &id).filter(|j| j["State"] == "Running" && j["Progress"].as_u64() > Some(0))
    });
    let _second = daemon(&homes[1]);
    first.kill9();
    let killed = Instant::now();
    let done = wait_state(&homes[1], &id, "Success", 60);
    // Not before the lease (10 s) ran out: nobody ran it while it was the first's.
    assert!(
        killed.elapsed() >= Duration::from_secs(5),
        "{:?}",
        killed.elapsed()
    );
    assert_eq!(done["Progress"], 100);
}

#[test]
fn pause_on_one_daemon_of_a_job_running_on_another_takes_effect_within_a_second() {
    let Some(server) = server() else {
        return;
    };
    let shared = tempfile::tempdir().expect("tempdir");
    let homes = homes(&server.new_database(), shared.path(), 2);
    let _runner = daemon(&homes[0]);
    let id = submit(&homes[0], 200, 50).expect("acknowledged");
    poll(10, "running", || {
        job(&homes[0], &id).filter(|j| j["State"] == "Running")
    });
    // The second daemon starts after the job was claimed: the first runs it.
    let _other = daemon(&homes[1]);
    let asked = Instant::now();
    let out = homes[1].run(&["jobs", "pause", &id]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        asked.elapsed() < Duration::from_secs(2),
        "{:?}",
        asked.elapsed()
    );
    // Durable and seen by both before the answer.
    assert_eq!(state_of(&homes[0], &id).as_deref(), Some("Paused"));
    assert_eq!(state_of(&homes[1], &id).as_deref(), Some("Paused"));
    let out = homes[1].run(&["jobs", "cancel", &id]);
    assert!(out.status.success(), "{}", stderr(&out));
    wait_state(&homes[0], &id, "Failure", 10);
}

#[test]
fn postgresql_restarted_under_traffic_loses_nothing_acknowledged() {
    let Some(own) = PgServer::start() else {
        return;
    };
    let shared = tempfile::tempdir().expect("tempdir");
    let homes = homes(&own.new_database(), shared.path(), 2);
    let _daemons: Vec<Daemon> = homes.iter().map(daemon).collect();
    let acknowledged = std::thread::scope(|s| {
        let traffic = s.spawn(|| {
            let mut ids = Vec::new();
            let until = Instant::now() + Duration::from_secs(8);
            let mut n = 0;
            while Instant::now() < until {
                // Refusals while the server is down are fine: they were never acknowledged.
                if let Some(id) = submit(&homes[n % 2], 3, 20) {
                    ids.push(id);
                }
                n += 1;
            }
            ids
        });
        std::thread::sleep(Duration::from_secs(2));
        own.stop();
        std::thread::sleep(Duration::from_secs(2));
        own.start_again();
        traffic.join().expect("traffic")
    });
    assert!(
        acknowledged.len() > 5,
        "{} jobs acknowledged",
        acknowledged.len()
    );
    for id in &acknowledged {
        let done = try_poll(60, || {
            job(&homes[1], id).filter(|j| j["State"] == "Success")
        });
        assert!(
            done.is_some(),
            "job {id} not Success on the second daemon within 60 s; as each daemon sees it: \
             {:?} / {:?}\n--- first daemon's log (end):\n{}\n--- second daemon's log (end):\n{}",
            job(&homes[0], id).map(|j| j["State"].clone()),
            job(&homes[1], id).map(|j| j["State"].clone()),
            log_end(&homes[0]),
            log_end(&homes[1]),
        );
    }
}

/// The last lines of `home`'s daemon log (what a failed test prints).
fn log_end(home: &Home) -> String {
    let log = std::fs::read_to_string(home.path().join("daemon.log")).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(60)..].join("\n")
}

/// The takeover with real output: an archive job whose daemon is killed mid-way is
/// finished by another daemon after the lease, from the partial output both see on the shared
/// storage (`.dicomq/outputs`), and the ZIP holds every instance once; `jobs output` works on
/// any daemon.
#[test]
fn an_archive_of_a_killed_daemon_is_finished_by_another_with_every_instance_once() {
    let Some(server) = server() else {
        return;
    };
    let shared = tempfile::tempdir().expect("tempdir");
    let homes = homes(&server.new_database(), shared.path(), 3);
    let src = shared.path().join("src");
    dicomq_testdata::write_files(&src, 1500, 40_000).expect("generate");
    let mut first = daemon(&homes[0]);
    let o = homes[0].run(&["-q", "store", src.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let patients: Vec<String> = common::ids(&homes[0].json(&["ls", "patients"]));
    let mut args = vec!["archive".to_string(), "--async".to_string()];
    args.extend(patients);
    let o = homes[0].cmd().args(&args).output().expect("runs");
    assert!(o.status.success(), "{}", stderr(&o));
    let id = stdout(&o).trim().to_string();
    let progress = poll(60, "the archive running on the first daemon", || {
        job(&homes[0], &id)
            .filter(|j| j["State"] == "Running")
            .and_then(|j| j["Progress"].as_u64())
            .filter(|p| *p > 0)
    });
    first.kill9();
    assert!(progress < 100, "finished before the kill ({progress} %)");
    let _second = daemon(&homes[1]);
    wait_state(&homes[1], &id, "Success", 120);
    // Fetched through a third daemon, which ran nothing of it.
    let _third = daemon(&homes[2]);
    let zip = shared.path().join("out.zip");
    let o = homes[2].run(&["jobs", "output", &id, "-o", zip.to_str().expect("utf-8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let entries = common::check_zip(&zip);
    assert_eq!(entries.len(), 1500, "every instance");
    assert_eq!(
        entries.iter().collect::<HashSet<_>>().len(),
        1500,
        "each once"
    );
}
