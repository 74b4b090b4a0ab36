//! `store` with special files (issue 11, defect 6): a FIFO or a device inside a folder is skipped
//! with one warning, named directly it is an error, and the regular files beside it are stored;
//! nothing hangs and nothing is read past a file's size. Inline and through the daemon.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Home, stderr};

fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).expect("no NUL");
    // SAFETY: `c` is a valid NUL-terminated path for the duration of the call.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

/// A folder holding two DICOM files with a FIFO between them (in name order).
fn folder_with_fifo(dir: &Path) {
    std::fs::write(dir.join("a.dcm"), dicomq_testdata::small_instance(1, 2000)).expect("a");
    mkfifo(&dir.join("b.pipe"));
    std::fs::write(dir.join("c.dcm"), dicomq_testdata::small_instance(2, 2000)).expect("c");
}

fn instances(home: &Home) -> usize {
    home.json(&["ls", "instances"])
        .as_array()
        .map(Vec::len)
        .unwrap_or(0)
}

fn check_special_files(home: &Home) {
    let dir = tempfile::tempdir().expect("tempdir");
    folder_with_fifo(dir.path());
    let fifo = dir.path().join("b.pipe");

    // Inside a folder: one warning naming it and its type, the others stored, exit 0.
    let o = home
        .cmd()
        .arg("store")
        .arg(dir.path())
        .timeout(Duration::from_secs(30))
        .output()
        .expect("runs");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(
        warnings,
        [format!("warning: {}: skipped, a FIFO", fifo.display())],
        "{err}"
    );
    assert_eq!(instances(home), 2);

    // Named directly, with a device and a regular file: an error each, the file stored, exit 1.
    let third = dir.path().join("d.dcm");
    std::fs::write(&third, dicomq_testdata::small_instance(3, 2000)).expect("d");
    let o = home
        .cmd()
        .arg("store")
        .arg(&fifo)
        .arg("/dev/zero")
        .arg(&third)
        .timeout(Duration::from_secs(30))
        .output()
        .expect("runs");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "error: {}: cannot read: not a regular file (a FIFO)",
            fifo.display()
        )),
        "{err}"
    );
    assert!(
        err.contains("error: /dev/zero: cannot read: not a regular file (a character device)"),
        "{err}"
    );
    assert_eq!(instances(home), 3);
}

#[test]
fn special_files_are_skipped_or_refused_inline() {
    let home = Home::new();
    check_special_files(&home);
}

#[test]
fn special_files_are_skipped_or_refused_through_the_daemon() {
    let home = Home::new();
    let _d = home.daemon(&[]);
    check_special_files(&home);
}

#[test]
fn create_dicom_and_config_refuse_special_files() {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("in.pipe");
    mkfifo(&fifo);
    for input in [Path::new("/dev/zero"), fifo.as_path()] {
        let o = home
            .cmd()
            .args(["create-dicom", "--pdf"])
            .arg(input)
            .timeout(Duration::from_secs(30))
            .output()
            .expect("runs");
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains("not a regular file"), "{err}");
        assert!(err.contains(&input.display().to_string()), "{err}");
    }
    let o = home
        .cmd()
        .arg("--config")
        .arg(&fifo)
        .args(["ls", "patients"])
        .timeout(Duration::from_secs(30))
        .output()
        .expect("runs");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("not a regular file (a FIFO)"), "{err}");
}
