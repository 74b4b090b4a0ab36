//! The jobs views as a person sees them in a terminal (tmux), and unchanged through a pipe.

mod common;

use common::tty::{Screen, dicomq};
use common::{Home, stdout};

fn submit(home: &Home, steps: &str, step_ms: &str, extra: &[&str]) -> String {
    let out = home.run(
        &[
            &[
                "debug",
                "sleep-job",
                "--async",
                "--steps",
                steps,
                "--step-ms",
                step_ms,
            ][..],
            extra,
        ]
        .concat(),
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    stdout(&out).trim().to_string()
}

fn wait(home: &Home, id: &str) {
    let _ = home.run(&["jobs", "wait", id]);
}

/// Piped: `jobs show` is Orthanc's JSON and `jobs ls` the plain table, as before.
#[test]
fn piped_jobs_views_keep_their_shapes() {
    let home = Home::new();
    let _d = home.daemon(&[]);
    let id = submit(&home, "1", "0", &[]);
    wait(&home, &id);
    let show: serde_json::Value =
        serde_json::from_slice(&home.run(&["jobs", "show", &id]).stdout).expect("JSON");
    assert_eq!(show["ID"], id.as_str());
    assert_eq!(show["State"], "Success");
    let table = stdout(&home.run(&["jobs", "ls"]));
    let lines: Vec<&str> = table.lines().collect();
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        [
            "ID", "Type", "State", "Priority", "Progress", "Created", "Runtime"
        ]
    );
    let row: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(row[0], &id[..8]);
    assert_eq!(&row[1..5], ["Sleep", "Success", "0", "100%"]);
    assert!(
        row[5].len() == 15 && row[5].as_bytes()[8] == b'T',
        "Created as 20261130T151342: {table}"
    );
    assert!(row[6].ends_with('s'), "{table}");
    assert!(!table.contains('\x1b'));
}

/// On a terminal: `jobs show` is a block with the state coloured, `jobs ls` relative times;
/// with NO_COLOR, no colour at all.
#[test]
fn terminal_jobs_views_are_for_people() {
    let home = Home::new();
    let _d = home.daemon(&[]);
    let ok = submit(&home, "1", "0", &[]);
    let bad = submit(&home, "2", "0", &["--fail-at", "1"]);
    wait(&home, &ok);
    wait(&home, &bad);
    let script = format!("{d} jobs show {bad}; {d} jobs ls", d = dicomq(home.path()));
    let Some(screen) = Screen::start(&script, &[], 100, 30) else {
        return;
    };
    assert_eq!(screen.exit_code(30), 0);
    let text = screen.capture(false);
    assert!(text.contains(&format!("job {bad}")), "{text}");
    assert!(text.contains("state      Failure"), "{text}");
    assert!(text.contains("error      "), "{text}");
    assert!(text.contains("progress   ["), "{text}");
    assert!(text.contains("created    2"), "{text}");
    assert!(text.contains("    Steps"), "the Content's fields: {text}");
    assert!(text.contains("ID        TYPE"), "{text}");
    assert!(
        text.contains("s ago") || text.contains("just now"),
        "{text}"
    );
    let raw = screen.capture(true);
    assert!(raw.contains("\x1b["), "colours on a terminal: {raw:?}");
    let Some(plain) = Screen::start(&script, &[("NO_COLOR", "1")], 100, 30) else {
        return;
    };
    assert_eq!(plain.exit_code(30), 0);
    let raw = plain.capture(true);
    assert!(!raw.contains("\x1b["), "NO_COLOR: {raw:?}");
    assert!(raw.contains("state      Failure"), "{raw}");
}

/// `jobs ls --watch` redraws in place: one headline on screen however often it changed; a new
/// job appears in it; Ctrl-C exits 130.
#[test]
fn watch_refreshes_in_place_and_ctrl_c_exits_130() {
    let home = Home::new();
    let _d = home.daemon(&[]);
    let first = submit(&home, "1", "0", &[]);
    wait(&home, &first);
    let script = format!("{} jobs ls --watch", dicomq(home.path()));
    let Some(screen) = Screen::start(&script, &[("NO_COLOR", "1")], 120, 20) else {
        return;
    };
    screen.wait_for("1 jobs: 0 running", 30);
    let second = submit(&home, "5", "200", &[]);
    screen.wait_for("2 jobs: 1 running", 30);
    wait(&home, &second);
    let text = screen.wait_for(
        "2 jobs: 0 running, 0 pending, 0 paused, 0 retrying, 2 succeeded",
        30,
    );
    assert_eq!(text.matches(" jobs: ").count(), 1, "drawn in place: {text}");
    assert_eq!(text.matches("ID        TYPE").count(), 1, "{text}");
    assert!(text.contains(&second[..8]), "{text}");
    screen.send_keys(&["C-c"]);
    assert_eq!(screen.exit_code(10), 130);
}

/// `jobs wait A B C` on a terminal: one bar per job while they run, then one summary line;
/// exit 1 when one failed.
#[test]
fn waiting_for_several_jobs_shows_bars_then_a_summary() {
    let home = Home::new();
    let _d = home.daemon(&[]);
    let ids: Vec<String> = (0..3).map(|_| submit(&home, "10", "150", &[])).collect();
    let script = format!("{} jobs wait {}", dicomq(home.path()), ids.join(" "));
    let Some(screen) = Screen::start(&script, &[("NO_COLOR", "1")], 120, 20) else {
        return;
    };
    let during = screen.wait_for("Sleep Running", 30);
    assert!(
        during.contains(&ids[0][..8]) && during.contains(&ids[2][..8]),
        "{during}"
    );
    assert_eq!(screen.exit_code(60), 0);
    let end = screen.capture(false);
    let lines = Screen::lines(&end);
    assert_eq!(lines, ["3 jobs: 3 succeeded, 0 failed", "EXIT=0"], "{end}");

    // Piped with --json: every job, in order; a failed one makes the exit 1.
    let bad = submit(&home, "2", "0", &["--fail-at", "1"]);
    let out = home.run(&["--json", "jobs", "wait", &ids[0], &bad]);
    assert_eq!(out.status.code(), Some(1));
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(all[0]["ID"], ids[0].as_str());
    assert_eq!(all[1]["State"], "Failure");
}
