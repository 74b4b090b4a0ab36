//! `dicomq changes`: the changes log inline and through a daemon, `--follow` as a shell loop
//! uses it, and its bad arguments.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

use common::{Home, fixture, orthanc_ids, stderr, stdout};

/// `dicomq --home HOME ARGS` with its stdout piped, running.
fn spawn(home: &Home, args: &[&str]) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("dicomq"))
        .env_clear()
        .env("NO_COLOR", "1")
        .arg("--home")
        .arg(home.path())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn")
}

fn store(home: &Home, names: &[&str]) {
    let mut args = vec!["store".to_string()];
    args.extend(names.iter().map(|n| fixture(n).display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = home.run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Reads `n` lines of a child's stdout within `secs`, or fails.
fn lines_within(child: &mut std::process::Child, n: usize, secs: u64) -> Vec<String> {
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (0..n)
        .map(|i| {
            rx.recv_timeout(Duration::from_secs(secs))
                .unwrap_or_else(|_| panic!("line {} of {n} did not come", i + 1))
        })
        .collect()
}

#[test]
fn changes_inline_pages_and_refuses_bad_limits() {
    let home = Home::new();
    store(&home, &["A_s1_i1.dcm", "A_s1_i2.dcm"]);
    let ids = orthanc_ids();
    let o = home.run(&["changes"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!(
            "1 NewInstance Instance {} ",
            ids["A_s1_i1.dcm"][3]
        )),
        "{}",
        lines[0]
    );
    assert!(
        lines[3].starts_with("4 NewPatient Patient "),
        "{}",
        lines[3]
    );
    let page = home.json(&["changes", "--since", "3", "--limit", "1"]);
    assert_eq!(page["Changes"][0]["Seq"], 4);
    assert_eq!(
        (&page["Done"], &page["Last"]),
        (&serde_json::json!(false), &serde_json::json!(4))
    );
    let o = home.run(&["changes", "--limit", "0"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("limit"), "{}", stderr(&o));
}

#[test]
fn follow_prints_new_changes_through_a_daemon_and_inline() {
    let home = Home::new();
    store(&home, &["A_s1_i1.dcm"]);
    // Inline: the follower does not hold the database between its polls.
    let mut follower = spawn(&home, &["changes", "--follow", "--json", "--since", "4"]);
    std::thread::sleep(Duration::from_millis(300));
    store(&home, &["A_s2_i1.dcm"]);
    let lines = lines_within(&mut follower, 2, 20);
    let first: serde_json::Value = serde_json::from_str(&lines[0]).expect("json line");
    assert_eq!(
        (&first["Seq"], &first["ChangeType"]),
        (&serde_json::json!(5), &serde_json::json!("NewInstance"))
    );
    let second: serde_json::Value = serde_json::from_str(&lines[1]).expect("json line");
    assert_eq!(second["ChangeType"], "NewSeries");
    let _ = follower.kill();
    let _ = follower.wait();
    // Through a daemon.
    let _d = home.daemon(&[]);
    let mut follower = spawn(&home, &["changes", "-f", "--since", "6"]);
    store(&home, &["A_s1_i2.dcm"]);
    let lines = lines_within(&mut follower, 1, 20);
    assert!(
        lines[0].starts_with("7 NewInstance Instance "),
        "{}",
        lines[0]
    );
    let _ = follower.kill();
    let _ = follower.wait();
}
