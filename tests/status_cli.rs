//! `dicomq status`: the daemon's facts, the jobs by state, the store's counts; exit 0 with a
//! daemon, 3 without (the inline view still printed).

mod common;

use common::tty::{Screen, dicomq};
use common::{Home, fixtures, stdout};

fn status_json(home: &Home) -> (i32, serde_json::Value) {
    let out = home.run(&["--json", "status"]);
    let json = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    (out.status.code().expect("exit code"), json)
}

#[test]
fn without_a_daemon_it_exits_3_and_still_tells_the_home() {
    let home = Home::new();
    assert!(
        home.run(&["store", fixtures().to_str().expect("utf8")])
            .status
            .success()
    );
    let (code, s) = status_json(&home);
    assert_eq!(code, 3);
    assert_eq!(s["daemon"]["running"], false);
    assert_eq!(s["daemon"]["pid"], serde_json::Value::Null);
    assert_eq!(
        s["daemon"]["socket"].as_str(),
        home.path().join("daemon.sock").to_str()
    );
    assert_eq!(s["store"]["instances"], 19);
    assert_eq!(s["store"]["patients"], 6);
    assert!(s["store"]["disk_size"].as_u64().is_some_and(|n| n > 0));
    assert!(s["free_bytes"].as_u64().is_some());
    assert_eq!(s["config"], serde_json::Value::Null);
    assert_eq!(s["metrics_enabled"], true);
    assert_eq!(s["jobs"]["Success"], 0);
    assert_eq!(s["version"], env!("CARGO_PKG_VERSION"));

    let out = home.run(&["status"]);
    assert_eq!(out.status.code(), Some(3));
    let text = stdout(&out);
    assert!(text.starts_with("○ dicomq daemon not running"), "{text}");
    assert!(
        text.contains("6 patients, 7 studies, 8 series, 19 instances"),
        "{text}"
    );
    let err = common::stderr(&out);
    assert!(err.contains("no daemon answers on"), "{err}");
}

#[test]
fn with_a_daemon_it_tells_pid_addresses_and_jobs() {
    let home = Home::new();
    std::fs::write(
        home.path().join("config.json"),
        "{ \"JobsHistorySize\": 10 }",
    )
    .expect("config");
    let (daemon, url) = home.http_daemon();
    let ok = home.run(&["debug", "sleep-job", "--steps", "1"]);
    assert!(ok.status.success(), "{}", common::stderr(&ok));
    let failed = home.run(&["debug", "sleep-job", "--steps", "2", "--fail-at", "1"]);
    assert_eq!(failed.status.code(), Some(1));
    let (code, s) = status_json(&home);
    assert_eq!(code, 0, "{s}");
    let d = &s["daemon"];
    assert_eq!(d["running"], true);
    assert_eq!(d["pid"], daemon.child.id());
    assert_eq!(
        d["http"].as_str(),
        Some(url.as_str()),
        "the URL, scheme included"
    );
    assert_eq!(d["dicom"], serde_json::Value::Null);
    assert_eq!(d["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(d["jobs_enabled"], true);
    assert!(d["uptime_seconds"].as_u64().is_some_and(|t| t < 600));
    assert!(
        d["started"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{d}"
    );
    assert_eq!(s["jobs"]["Success"], 1);
    assert_eq!(s["jobs"]["Failure"], 1);
    assert_eq!(s["jobs"]["Pending"], 0);
    assert_eq!(
        s["config"].as_str(),
        home.path().join("config.json").to_str()
    );

    let text = stdout(&home.run(&["status"]));
    assert!(text.starts_with("● dicomq daemon running (pid "), "{text}");
    assert!(text.contains(&format!("HTTP     {url}")), "{text}");
    assert!(
        text.contains("0 running, 0 pending, 0 paused, 0 retrying; 1 succeeded, 1 failed"),
        "{text}"
    );
}

/// Colours on a terminal only, never with NO_COLOR; piped, the same text without them.
#[test]
fn status_colours_only_on_a_terminal() {
    let home = Home::new();
    let script = format!("{} status", dicomq(home.path()));
    let Some(screen) = Screen::start(&script, &[], 120, 20) else {
        return;
    };
    assert_eq!(screen.exit_code(30), 3);
    assert!(
        screen.capture(true).contains("\x1b["),
        "colours on a terminal"
    );
    let Some(screen) = Screen::start(&script, &[("NO_COLOR", "1")], 120, 20) else {
        return;
    };
    assert_eq!(screen.exit_code(30), 3);
    let raw = screen.capture(true);
    assert!(!raw.contains("\x1b["), "{raw:?}");
    assert!(raw.contains("dicomq daemon not running"), "{raw}");
    let piped = stdout(
        &home
            .cmd()
            .env_remove("NO_COLOR")
            .arg("status")
            .output()
            .expect("runs"),
    );
    assert!(!piped.contains('\x1b'), "{piped:?}");
}

/// A daemon that runs no jobs says so.
#[test]
fn a_daemon_without_jobs_says_so() {
    let home = Home::new();
    let _d = home.daemon(&["--no-jobs"]);
    let (code, s) = status_json(&home);
    assert_eq!(code, 0);
    assert_eq!(s["daemon"]["jobs_enabled"], false);
    assert_eq!(s["daemon"]["http"], serde_json::Value::Null);
    let text = stdout(&home.run(&["status"]));
    assert!(text.contains("workers  off (--no-jobs)"), "{text}");
    assert!(text.contains("HTTP     off"), "{text}");
}

#[test]
fn status_names_the_dicom_listener() {
    let home = Home::new();
    let addr = format!("127.0.0.1:{}", common::free_port());
    let _daemon = home.daemon(&["--dicom", &addr]);
    let (code, s) = status_json(&home);
    assert_eq!(code, 0, "{s}");
    assert_eq!(s["daemon"]["dicom"].as_str(), Some(addr.as_str()));
}
