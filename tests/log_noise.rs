//! Log noise (issue 11, defect 15): what libraries say about odd files (dicom-rs's
//! `Unsupported character set`, `Unexpected off-group tag`) or about a failed archive (the zip
//! crate's `ZipWriter::drop: failed to finalize archive`) never reaches an ordinary command's
//! stderr; only dicomq's own lines do, and `-v` shows the library's.

mod common;

use std::os::unix::process::CommandExt;

use common::{Home, stderr};

/// A file whose meta group length also covers the data set's first element, which the meta
/// reader then meets as an off-group tag (dicom-rs warns, and reads the file).
fn off_group_file() -> Vec<u8> {
    let mut b = dicomq_testdata::small_instance(11, 2000);
    assert_eq!(&b[128..132], b"DICM");
    let le16 = |b: &[u8], at: usize| u16::from_le_bytes([b[at], b[at + 1]]) as usize;
    let le32 =
        |b: &[u8], at: usize| u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize;
    // (0002,0000) UL: tag 4, VR 2, length 2, value 4 at 132.
    let group_len = le32(&b, 140);
    let first = 144 + group_len;
    // The data set's first element, Explicit VR Little Endian with a short length.
    let vr = &b[first + 4..first + 6];
    assert!(
        !matches!(vr, b"OB" | b"OW" | b"SQ" | b"UN" | b"UT"),
        "{vr:?}"
    );
    let element = 8 + le16(&b, first + 6);
    b[140..144].copy_from_slice(&((group_len + element) as u32).to_le_bytes());
    b
}

/// A Latin-1 file whose SpecificCharacterSet is an unknown term (dicom-rs warns, and ignores it).
fn unknown_charset_file() -> Vec<u8> {
    let mut spec = dicomq_testdata::small_instance_spec(12, 2000);
    spec.charset = dicomq_testdata::Charset::Latin1;
    let mut b = spec.to_bytes();
    let at = b
        .windows(10)
        .position(|w| w == b"ISO_IR 100")
        .expect("charset value");
    b[at..at + 10].copy_from_slice(b"ISO_IR 999");
    b
}

/// Lines dicomq prints on stderr itself: its messages, and no log line of a library.
fn assert_only_dicomq_lines(what: &str, err: &str) {
    for line in err.lines() {
        assert!(
            !line.contains(" WARN ")
                && !line.contains(" INFO ")
                && !line.contains("ZipWriter")
                && !line.contains("character set")
                && !line.contains("off-group"),
            "{what}: a library's line reached stderr: {err}"
        );
    }
}

#[test]
fn library_warnings_about_odd_files_are_silent_unless_verbose() {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let off_group = dir.path().join("off_group.dcm");
    std::fs::write(&off_group, off_group_file()).expect("write");
    let charset = dir.path().join("charset.dcm");
    std::fs::write(&charset, unknown_charset_file()).expect("write");
    let files = [
        off_group.to_str().expect("utf8"),
        charset.to_str().expect("utf8"),
    ];

    let o = home.run(&["store", files[0], files[1]]);
    assert_only_dicomq_lines("store", &stderr(&o));
    let ids = home.json(&["ls", "instances"]);
    let ids = ids.as_array().expect("array");
    assert!(!ids.is_empty(), "nothing stored: {}", stderr(&o));
    for v in ids {
        let o = home.run(&["show", v["ID"].as_str().expect("ID"), "--tags"]);
        assert_only_dicomq_lines("show --tags", &stderr(&o));
    }

    // dicomq's own reader now handles these two files (its meta group reader, its character
    // sets), so dicom-rs says nothing about them even with -v. A stray item delimiter after the
    // data set still makes dicom-parser warn when `show --tags` reads the whole file: silent,
    // except with -v, which shows that library lines are filtered, not absent.
    let stray = dir.path().join("stray.dcm");
    let mut bytes = dicomq_testdata::small_instance(13, 2000);
    bytes.extend_from_slice(&[0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]);
    std::fs::write(&stray, bytes).expect("write");
    let stored = home.json(&["store", stray.to_str().expect("utf8")]);
    let id = stored[0]["ID"].as_str().expect("stored").to_string();
    let o = home.run(&["show", &id, "--tags"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_only_dicomq_lines("show --tags", &stderr(&o));
    let o = home.run(&["-v", "show", &id, "--tags"]);
    let err = stderr(&o);
    assert!(
        err.contains("Item delimitation item outside of a sequence"),
        "{err}"
    );
}

#[test]
fn a_failed_archive_write_prints_only_the_error() {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big.dcm");
    std::fs::write(&big, dicomq_testdata::small_instance(13, 3 << 20)).expect("write");
    let o = home.run(&["store", big.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let patient = home.json(&["ls", "patients"])[0]["ID"]
        .as_str()
        .expect("ID")
        .to_string();

    // Files of at most 1 MiB (the database stays below it; the archive cannot): its writes fail
    // with EFBIG, as on a full disk.
    let out = dir.path().join("out.zip");
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("dicomq"));
    cmd.env_clear()
        .env("NO_COLOR", "1")
        .arg("--home")
        .arg(home.path())
        .args(["archive", &patient, "--compression", "store", "-o"])
        .arg(&out);
    // SAFETY: the closure only calls async-signal-safe functions (signal, setrlimit).
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit {
                rlim_cur: 1 << 20,
                rlim_max: 1 << 20,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let o = cmd.output().expect("runs");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.starts_with("error: job "), "{err}");
    assert!(err.contains("File too large"), "{err}");
    assert_only_dicomq_lines("archive", &err);
    assert!(!out.exists());
}
