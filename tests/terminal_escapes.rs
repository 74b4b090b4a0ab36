//! Terminal injection (issue 11, defect 10): control characters in stored values and in names a
//! user gives reach no terminal raw, from tables, `show`, `show --tags`, `store` and error
//! lines; `--json` keeps the exact values. Inline and through the daemon.

mod common;

use std::process::Output;

use common::{Home, stderr, stdout};
use dicomq_testdata::{Charset, InstanceSpec};

/// Sets the window title, rings, clears the screen, returns the carriage, deletes, and a C1 CSI.
const EVIL_NAME: &str = "Evil\u{1b}]0;pwned\u{7}^Name\u{1b}[2J\u{7}\r\u{7f}\u{9b}31m";
/// How it is shown.
const SHOWN_NAME: &str = r"Evil\x1b]0;pwned\x07^Name\x1b[2J\x07\x0d\x7f\u{9b}31m";

fn evil_instance() -> Vec<u8> {
    let mut spec = InstanceSpec::new_mr(
        "EVIL-1",
        EVIL_NAME,
        "1.2.826.0.1.3680043.8.498.7001",
        "1.2.826.0.1.3680043.8.498.7001.1",
        "1.2.826.0.1.3680043.8.498.7001.1.1",
    );
    // ISO_IR 100: the C1 character is the byte 0x9B.
    spec.charset = Charset::Latin1;
    spec.to_bytes()
}

/// No control character but line breaks and tabs.
fn assert_clean(what: &str, text: &str) {
    let raw: Vec<char> = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\t'))
        .collect();
    assert!(raw.is_empty(), "{what} shows {raw:?} raw: {text:?}");
}

fn clean_output(what: &str, o: &Output) {
    assert_clean(&format!("{what} (stdout)"), &stdout(o));
    assert_clean(&format!("{what} (stderr)"), &stderr(o));
}

fn check_escapes(home: &Home) {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("evil.dcm");
    std::fs::write(&file, evil_instance()).expect("write");
    let o = home.run(&["store", file.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));

    // JSON keeps the value exactly (serde's escapes).
    let patients = home.json(&["ls", "patients"]);
    assert_eq!(patients[0]["MainDicomTags"]["PatientName"], EVIL_NAME);
    let patient = patients[0]["ID"].as_str().expect("ID").to_string();
    let instance = home.json(&["ls", "instances"])[0]["ID"]
        .as_str()
        .expect("ID")
        .to_string();

    for level in ["patients", "studies"] {
        let o = home.run(&["ls", level]);
        assert!(o.status.success(), "{}", stderr(&o));
        clean_output(&format!("ls {level}"), &o);
        assert!(stdout(&o).contains(SHOWN_NAME), "{}", stdout(&o));
    }

    // `show` prints JSON, also to a person: still the same JSON value, nothing raw.
    let o = home.run(&["show", &patient]);
    clean_output("show", &o);
    let shown: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(shown["MainDicomTags"]["PatientName"], EVIL_NAME);

    let o = home.run(&["show", &instance, "--tags"]);
    assert!(o.status.success(), "{}", stderr(&o));
    clean_output("show --tags", &o);
    let line = stdout(&o)
        .lines()
        .find(|l| l.contains("(0010,0010)"))
        .map(str::to_string)
        .expect("PatientName line");
    assert!(line.ends_with(SHOWN_NAME), "{line}");

    // Names a user gives, echoed in error lines and in `store`'s list.
    let bad = dir.path().join("bad\u{1b}[2J\u{7}.dcm");
    std::fs::write(&bad, b"not DICOM").expect("write");
    let o = home.run(&["store", bad.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(1));
    clean_output("store error", &o);
    assert!(stderr(&o).contains(r"bad\x1b[2J\x07.dcm"), "{}", stderr(&o));

    let named = dir.path().join("again\u{1b}]0;t\u{7}.dcm");
    std::fs::write(&named, evil_instance()).expect("write");
    let o = home.run(&["store", named.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    clean_output("store list", &o);
    assert!(
        stdout(&o).contains(r"again\x1b]0;t\x07.dcm"),
        "{}",
        stdout(&o)
    );

    let o = home.run(&["show", "\u{1b}[2J\u{1b}]0;x\u{7}abcdefgh"]);
    assert_eq!(o.status.code(), Some(1));
    clean_output("show error", &o);
    assert!(stderr(&o).contains(r"\x1b]0;x\x07"), "{}", stderr(&o));
}

#[test]
fn control_characters_are_escaped_inline() {
    check_escapes(&Home::new());
}

#[test]
fn control_characters_are_escaped_through_the_daemon() {
    let home = Home::new();
    let _d = home.daemon(&[]);
    check_escapes(&home);
}

#[test]
fn usage_errors_do_not_echo_control_characters() {
    // clap styles its messages when it may (here forced, as on a terminal) and used to pass a
    // value given on the command line (a file name from a glob) through raw.
    let home = Home::new();
    let o = home
        .cmd()
        .env("CLICOLOR_FORCE", "1")
        .args(["ls", "pat\u{1b}]0;pwned\u{7}ients"])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    clean_output("usage error", &o);
    assert!(
        stderr(&o).contains(r"invalid value 'pat\x1b]0;pwned\x07ients'"),
        "{}",
        stderr(&o)
    );
}
