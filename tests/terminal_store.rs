//! `store` as a person sees it in a terminal (tmux), and as a script sees it through a pipe.

mod common;

use common::tty::{Screen, dicomq, sh_quote};
use common::{Home, fixtures, orthanc_ids, stdout};

/// Piped stdout: one line per file, `ID<TAB>Status<TAB>path`, in walk order, exactly as before
/// the terminal views existed; no bar, no escape sequence.
#[test]
fn piped_store_prints_the_data_lines_byte_for_byte() {
    let home = Home::new();
    let dir = fixtures();
    let out = home.run(&["store", dir.to_str().expect("utf8")]);
    assert!(out.status.success());
    let mut expected = String::new();
    for (name, ids) in orthanc_ids() {
        expected.push_str(&format!(
            "{}\tSuccess\t{}\n",
            ids[3],
            dir.join(&name).display()
        ));
    }
    assert_eq!(stdout(&out), expected);
    // Again: the same lines, AlreadyStored.
    let again = stdout(&home.run(&["store", dir.to_str().expect("utf8")]));
    assert_eq!(again, expected.replace("\tSuccess\t", "\tAlreadyStored\t"));
    let err = common::stderr(&home.run(&["store", dir.to_str().expect("utf8")]));
    assert!(!err.contains('\x1b') && !err.contains('\r'), "{err:?}");
    assert!(
        err.starts_with("stored 0, already stored 19, failed 0 ("),
        "{err}"
    );
}

fn files(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    dicomq_testdata::write_files(dir.path(), n, 2_000).expect("write files");
    dir
}

/// 3 000 files on a terminal: a bar while it runs, then the summary alone (at most 5 lines).
#[test]
fn store_on_a_terminal_shows_a_bar_and_ends_in_one_summary() {
    let home = Home::new();
    let src = files(3000);
    let script = format!(
        "{} store {}",
        dicomq(home.path()),
        sh_quote(&src.path().display().to_string())
    );
    let Some(screen) = Screen::start(&script, &[("NO_COLOR", "1")], 120, 30) else {
        return;
    };
    let during = screen.wait_for("/3000 files", 60);
    assert!(during.contains("ETA"), "{during}");
    assert_eq!(screen.exit_code(120), 0);
    let end = screen.capture(false);
    let lines = Screen::lines(&end);
    assert!(lines.len() <= 5, "{end}");
    assert!(
        lines[0].starts_with("stored 3000, already stored 0, failed 0 (3000 files in"),
        "{end}"
    );
    assert!(!end.contains("files  "), "the bar is cleared: {end}");
    // Every file is in the store.
    let count = home.json(&["ls", "instances"]);
    assert_eq!(count.as_array().map(Vec::len), Some(3000));
}

/// On a terminal only the failures are listed; -v lists every file as a pipe would. Colours
/// appear on a terminal, never with NO_COLOR.
#[test]
fn a_terminal_lists_only_failures_and_colours_follow_no_color() {
    let src = files(20);
    std::fs::write(src.path().join("zz_not_dicom.dcm"), b"hello").expect("write");
    let path = sh_quote(&src.path().display().to_string());
    for (env, coloured) in [(vec![("NO_COLOR", "1")], false), (vec![], true)] {
        let home = Home::new();
        let script = format!("{} store {path}", dicomq(home.path()));
        let Some(screen) = Screen::start(&script, &env, 200, 30) else {
            return;
        };
        assert_eq!(screen.exit_code(60), 1);
        let text = screen.capture(false);
        let lines = Screen::lines(&text);
        assert!(
            lines[0].starts_with("error: ") && lines[0].contains("zz_not_dicom.dcm"),
            "{text}"
        );
        assert!(
            lines[1].starts_with("stored 20, already stored 0, failed 1"),
            "{text}"
        );
        assert!(!text.contains("Success"), "{text}");
        let raw = screen.capture(true);
        assert_eq!(raw.contains("\x1b["), coloured, "NO_COLOR {env:?}: {raw:?}");
    }
    // -v: every stored file too.
    let home = Home::new();
    let script = format!("{} -v store {path}", dicomq(home.path()));
    let Some(screen) = Screen::start(&script, &[("NO_COLOR", "1")], 200, 40) else {
        return;
    };
    assert_eq!(screen.exit_code(60), 1);
    let text = screen.capture(false);
    assert_eq!(text.matches("Success").count(), 20, "{text}");
}

/// --quiet on a terminal: no bar and no summary, only the failures.
#[test]
fn quiet_store_on_a_terminal_prints_only_failures() {
    let src = files(3);
    std::fs::write(src.path().join("zz_bad.dcm"), b"nope").expect("write");
    let home = Home::new();
    let script = format!(
        "{} -q store {}",
        dicomq(home.path()),
        sh_quote(&src.path().display().to_string())
    );
    let Some(screen) = Screen::start(&script, &[("NO_COLOR", "1")], 200, 30) else {
        return;
    };
    assert_eq!(screen.exit_code(60), 1);
    let text = screen.capture(false);
    let lines = Screen::lines(&text);
    assert_eq!(lines.len(), 3, "{text}"); // the failure, the error total, EXIT
    assert!(lines[0].contains("zz_bad.dcm"), "{text}");
    assert!(!text.contains("stored 3"), "{text}");
}
