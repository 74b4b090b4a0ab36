//! `dicomq metrics` through the binary: inline exposition, the persisted switch, the textfile,
//! and `promtool check metrics`.

mod common;

use std::io::Write;
use std::process::Stdio;

use common::{Home, have_tool, stderr, stdout};
use dicomq_testdata::exposition::samples;

/// A home with `n` generated instances stored.
fn home_with(n: usize) -> Home {
    let home = Home::new();
    let src = home.path().join("src");
    dicomq_testdata::write_files(&src, n, 3_000).expect("generate");
    let out = home.run(&["-q", "store", src.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::remove_dir_all(&src).expect("rm src");
    home
}

fn scrape(home: &Home) -> String {
    let out = home.run(&["metrics"]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn inline_exposition_counts_the_store_and_jobs() {
    let home = home_with(5);
    let text = scrape(&home);
    let m = samples(&text);
    assert_eq!(m["orthanc_count_instances"], 5.0);
    let on_disk: u64 = home
        .stored_files()
        .iter()
        .map(|p| std::fs::metadata(p).expect("stat").len())
        .sum();
    assert_eq!(
        m["orthanc_disk_size_mb"] * f64::from(1u32 << 20),
        on_disk as f64,
        "disk size is the stored files' total"
    );
    assert!(
        !text.contains("_duration_ms")
            && !text.contains("orthanc_up_time_s")
            && !text.contains("orthanc_storage_read_bytes"),
        "inline: no durations, no up time, no counters of this process\n{text}"
    );
    assert_eq!(m["orthanc_jobs_completed"], 0.0);

    let job = home.run(&["debug", "sleep-job", "--steps", "2"]);
    assert!(job.status.success(), "{}", stderr(&job));
    let m = samples(&scrape(&home));
    assert_eq!(m["orthanc_jobs_success"], 1.0);
    assert_eq!(m["orthanc_jobs_completed"], 1.0);
    assert_eq!(m["dicomq_jobs{type=\"Sleep\",state=\"Success\"}"], 1.0);
}

#[test]
fn enable_disable_persist_across_invocations() {
    let home = Home::new();
    let status = |home: &Home| stdout(&home.run(&["metrics", "status"]));
    assert_eq!(status(&home), "enabled\n");
    assert!(home.run(&["metrics", "disable"]).status.success());
    assert_eq!(status(&home), "disabled\n");
    assert_eq!(scrape(&home), "", "disabled: empty exposition, as Orthanc");
    let json = home.json(&["metrics", "status"]);
    assert_eq!(json["Enabled"], false);
    assert_eq!(json["Source"], "setting");
    assert!(home.run(&["metrics", "enable"]).status.success());
    assert_eq!(status(&home), "enabled\n");
    assert!(scrape(&home).contains("orthanc_count_instances 0\n"));
}

#[test]
fn config_gives_the_default_and_the_switch_overrides_it() {
    let home = Home::new();
    std::fs::write(
        home.path().join("config.json"),
        "{ // off unless switched on\n \"MetricsEnabled\": false }",
    )
    .expect("config");
    let json = home.json(&["metrics", "status"]);
    assert_eq!(json["Enabled"], false);
    assert_eq!(json["Source"], "config");
    assert_eq!(scrape(&home), "");
    assert!(home.run(&["metrics", "enable"]).status.success());
    assert!(!scrape(&home).is_empty());
}

#[test]
fn textfile_is_written_atomically() {
    let home = home_with(2);
    let dir = home.path().join("textfiles");
    std::fs::create_dir(&dir).expect("mkdir");
    let file = dir.join("dicomq.prom");
    std::fs::write(&file, "old content\n").expect("old");
    let out = home.run(&["metrics", "--textfile", file.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "nothing on stdout with --textfile");
    let written = std::fs::read_to_string(&file).expect("read");
    assert_eq!(written, scrape(&home));
    let names: Vec<_> = std::fs::read_dir(&dir)
        .expect("ls")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["dicomq.prom".to_string()], "no temp left");
}

#[test]
fn textfile_into_a_missing_directory_fails_and_writes_nothing() {
    let home = Home::new();
    let missing = home.path().join("no-such-dir");
    let out = home.run(&[
        "metrics",
        "--textfile",
        missing.join("dicomq.prom").to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));
    assert!(!missing.exists());
}

/// Orthanc's metric names carry abbreviated units (`_ms`, `_mb`, `_s`) and two counters lack
/// the `_total` suffix; Prometheus's linter flags those names, which dicomq keeps so that Orthanc
/// dashboards work. Anything else promtool reports (a parse error, a lint on another family)
/// fails the test.
const ORTHANC_NAME_LINTS: &[&str] = &[
    "metric names should not contain abbreviated units",
    "counter metrics should have \"_total\" suffix",
];

fn promtool_check(text: &str) {
    let mut child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("promtool ends");
    let report = format!("{}{}", stdout(&out), stderr(&out));
    // Exit 0: clean. Exit 3: lint problems only (listed). Anything else: it did not parse.
    assert!(
        matches!(out.status.code(), Some(0) | Some(3)),
        "promtool could not parse the exposition ({:?}):\n{report}\n{text}",
        out.status.code()
    );
    for problem in report.lines().filter(|l| !l.trim().is_empty()) {
        let (name, what) = problem.split_once(' ').unwrap_or((problem, ""));
        assert!(
            name.starts_with("orthanc_") && ORTHANC_NAME_LINTS.contains(&what),
            "promtool: {problem}\n{text}"
        );
    }
}

#[test]
fn promtool_accepts_the_exposition() {
    if !have_tool("promtool") {
        eprintln!("promtool not installed (Debian package prometheus): skipped");
        return;
    }
    let home = home_with(3);
    assert!(
        home.run(&["debug", "sleep-job", "--fail-at", "0"])
            .status
            .code()
            == Some(1)
    );
    promtool_check(&scrape(&home));
    // With every family present (durations included), from the library: this home's counts
    // and jobs, rendered by a registry that has served and timed every operation.
    let node = dicomq::node::Node::open(
        dicomq::home::Home::at(home.path()),
        dicomq::config::Config::default(),
    )
    .expect("open");
    let metrics = dicomq::metrics::Metrics::new(
        true,
        std::sync::Arc::new(dicomq::metrics::ManualClock::new()),
    );
    metrics.start_serving();
    for which in [
        dicomq::metrics::Timed::StoreDicom,
        dicomq::metrics::Timed::StorageCreate,
        dicomq::metrics::Timed::StorageRead,
        dicomq::metrics::Timed::StorageRemove,
    ] {
        metrics.observe(which, std::time::Duration::from_micros(1234));
    }
    let mut jobs = std::collections::BTreeMap::new();
    for row in node.job_rows() {
        *jobs.entry((row.type_name, row.state)).or_insert(0) += 1;
    }
    let full = metrics.render(&dicomq::metrics::ScrapeInputs {
        statistics: &node.statistics().expect("statistics"),
        jobs: &jobs,
        job_types: &node.job_types(),
    });
    assert!(full.contains("orthanc_up_time_s 0\n"), "{full}");
    assert!(
        full.contains("orthanc_storage_remove_duration_ms 1.234\n"),
        "{full}"
    );
    promtool_check(&full);
}
