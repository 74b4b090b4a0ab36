//! Disk full, a lost database and `dicomq check`, with the real binary.
//!
//! The disk-full cases run on a real full disk: a size-limited tmpfs mounted as the data home
//! (root only; CI runs as root). Where mounting is impossible they are skipped with a line on
//! stderr, and fail instead under DICOMQ_REQUIRE_VALIDATORS=1 so that CI never passes them
//! silently.

mod common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Home, stderr, stdout};
use dicomq_testdata as testdata;

/// A tmpfs of a given size, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().expect("tempdir");
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if mounted {
            return Some(Tmpfs { dir });
        }
        if std::env::var("DICOMQ_REQUIRE_VALIDATORS").as_deref() == Ok("1") {
            panic!("cannot mount a tmpfs (root needed) for the disk-full tests");
        }
        eprintln!("skipped: cannot mount a tmpfs (root needed) for the disk-full tests");
        None
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazy: a process that still holds a file there must not leave the mount behind.
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

fn available(dir: &Path) -> u64 {
    dicomq::store::reserve::available_bytes(dir).expect("statvfs")
}

/// Fills the file system of `dir` until only about `keep` bytes are free.
fn fill(dir: &Path, keep: u64) {
    let mut f = fs::File::create(dir.join("filler")).expect("filler");
    let chunk = vec![0xA5u8; 64 << 10];
    loop {
        let free = available(dir);
        if free <= keep {
            break;
        }
        let n = (free - keep).min(chunk.len() as u64) as usize;
        if f.write_all(&chunk[..n]).is_err() {
            break;
        }
        let _ = f.sync_data();
    }
}

fn dicomq(home: &Path) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("dicomq"));
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .arg("--home")
        .arg(home);
    c
}

/// Runs a command, killing it and failing the test if it does not end within `secs`.
fn run_bounded(mut cmd: Command, secs: u64) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "still running after {secs} s; stderr so far: {}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .take(5)
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A daemon on a home outside `common::Home`, killed when dropped unless it ended.
struct Daemon {
    child: std::process::Child,
}

impl Daemon {
    fn start(home: &Path, global: &[&str]) -> Daemon {
        let child = Command::new(assert_cmd::cargo::cargo_bin("dicomq"))
            .env_clear()
            .env("NO_COLOR", "1")
            .arg("--home")
            .arg(home)
            .args(global)
            .arg("daemon")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("daemon");
        let mut d = Daemon { child };
        common::poll(20, "the daemon's socket", || {
            if let Ok(Some(status)) = d.child.try_wait() {
                panic!("the daemon exited early: {status}");
            }
            std::os::unix::net::UnixStream::connect(home.join("daemon.sock"))
                .ok()
                .map(drop)
        });
        d
    }

    fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        common::poll(20, "the daemon to stop", || {
            self.child.try_wait().expect("try_wait")
        })
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn json_of(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

fn store(home: &Path, src: &Path) {
    let o = dicomq(home).arg("store").arg(src).output().expect("store");
    assert!(o.status.success(), "{}", stderr(&o));
}

fn patients(home: &Path) -> Vec<String> {
    let o = dicomq(home)
        .args(["--json", "ls", "patients"])
        .output()
        .expect("ls");
    assert!(o.status.success(), "{}", stderr(&o));
    json_of(&o)
        .as_array()
        .expect("array")
        .iter()
        .map(|p| p["ID"].as_str().expect("ID").to_string())
        .collect()
}

fn jobs(home: &Path) -> Vec<serde_json::Value> {
    let o = dicomq(home)
        .args(["--json", "jobs", "ls"])
        .output()
        .expect("jobs");
    assert!(o.status.success(), "{}", stderr(&o));
    json_of(&o).as_array().expect("array").clone()
}

fn disk_full_message(o: &Output) {
    let err = stderr(o).to_lowercase();
    assert!(err.contains("no space left on device"), "{err}");
    assert!(!err.contains("internal error"), "{err}");
}

// ---- defect 4: a full disk during a job ends it, it never spins -----------------------------

#[test]
fn archive_on_a_nearly_full_home_fails_at_once_with_a_disk_full_message() {
    let Some(fs_) = Tmpfs::mount("8m") else {
        return;
    };
    let home = fs_.path().join("home");
    let src = tempfile::tempdir().expect("src");
    testdata::write_files(src.path(), 20, 100_000).expect("files");
    store(&home, src.path());
    let ids = patients(&home);
    fill(fs_.path(), 300 << 10);
    let out = tempfile::tempdir().expect("out");
    let mut cmd = dicomq(&home);
    cmd.args(["archive", "--compression", "store", "-o"])
        .arg(out.path().join("a.zip"))
        .args(&ids);
    let o = run_bounded(cmd, 60);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    disk_full_message(&o);
    // The failure was recorded, and the partial output deleted.
    let all = jobs(&home);
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["State"], "Failure", "{all:?}");
    let left: Vec<_> = fs::read_dir(home.join("outputs"))
        .expect("outputs")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert!(!out.path().join("a.zip").exists());
}

#[test]
fn archive_through_the_daemon_on_a_nearly_full_home_fails_and_the_daemon_stays_up() {
    let Some(fs_) = Tmpfs::mount("8m") else {
        return;
    };
    let home = fs_.path().join("home");
    let src = tempfile::tempdir().expect("src");
    testdata::write_files(src.path(), 20, 100_000).expect("files");
    store(&home, src.path());
    let ids = patients(&home);
    let mut daemon = Daemon::start(&home, &[]);
    fill(fs_.path(), 300 << 10);
    let out = tempfile::tempdir().expect("out");
    let mut cmd = dicomq(&home);
    cmd.args(["archive", "--compression", "store", "-o"])
        .arg(out.path().join("a.zip"))
        .args(&ids);
    let o = run_bounded(cmd, 60);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    disk_full_message(&o);
    assert!(
        daemon.child.try_wait().expect("wait").is_none(),
        "daemon up"
    );
    let all = jobs(&home);
    assert_eq!(all[0]["State"], "Failure", "{all:?}");
    assert!(daemon.terminate().success());
}

/// The database and the stored files on different disks: the files fit, the index commit
/// does not. redb's handle is then unusable: the inline import fails at once, and a daemon
/// stops with a non-zero exit (for systemd to restart it) instead of failing for ever.
#[test]
fn a_failed_index_commit_fails_the_import_and_stops_the_daemon() {
    let Some(fs_) = Tmpfs::mount("1m") else {
        return;
    };
    let home = fs_.path().join("home");
    let storage = tempfile::tempdir().expect("storage");
    let config = storage.path().join("config.json");
    let files = storage.path().join("files");
    fs::write(
        &config,
        serde_json::json!({ "StorageDirectory": files }).to_string(),
    )
    .expect("config");
    let src = tempfile::tempdir().expect("src");
    testdata::write_files(src.path(), 400, 4000).expect("files");
    let o = dicomq(&home)
        .arg("--config")
        .arg(&config)
        .args(["ls", "patients"])
        .output()
        .expect("ls");
    assert!(o.status.success(), "{}", stderr(&o));
    fill(fs_.path(), 0);

    let mut cmd = dicomq(&home);
    cmd.arg("--config")
        .arg(&config)
        .arg("store")
        .arg(src.path());
    let o = run_bounded(cmd, 60);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    disk_full_message(&o);
    assert!(
        stderr(&o).contains(&format!("in data home {}", home.display())),
        "{}",
        stderr(&o)
    );
    let left = testdata::files_under(&files);
    assert!(left.is_empty(), "nothing stored: {left:?}");

    let config_arg = config.to_str().expect("utf8");
    let mut daemon = Daemon::start(&home, &["--config", config_arg]);
    let mut cmd = dicomq(&home);
    cmd.arg("store").arg(src.path());
    let o = run_bounded(cmd, 60);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    disk_full_message(&o);
    assert!(
        stderr(&o).contains(&format!("in data home {}", home.display())),
        "{}",
        stderr(&o)
    );
    let status = common::poll(20, "the daemon to stop", || {
        daemon.child.try_wait().expect("try_wait")
    });
    assert!(!status.success(), "{status}");
}

// ---- defect 5: rm frees a full disk ----------------------------------------------------------

#[test]
fn rm_frees_space_on_a_full_home() {
    let Some(fs_) = Tmpfs::mount("24m") else {
        return;
    };
    let home = fs_.path().join("home");
    let src = tempfile::tempdir().expect("src");
    testdata::write_files(src.path(), 60, 100_000).expect("files");
    store(&home, src.path());
    assert!(
        home.join("space.reserve").is_file(),
        "the reserve was taken"
    );
    let ids = patients(&home);
    assert_eq!(ids.len(), 3);
    fill(fs_.path(), 0);
    assert!(available(fs_.path()) < 64 << 10);

    let mut cmd = dicomq(&home);
    cmd.arg("rm").arg(&ids[0]);
    let o = run_bounded(cmd, 60);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        available(fs_.path()) > 1 << 20,
        "the removed files gave their space back"
    );
    let left = patients(&home);
    assert_eq!(left.len(), 2);
    assert!(!left.contains(&ids[0]));
    // The store is consistent after it.
    let o = dicomq(&home).arg("check").output().expect("check");
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
}

// ---- defect 12: a lost database is refused ---------------------------------------------------

#[test]
fn an_empty_or_missing_database_beside_stored_files_is_refused_until_repaired() {
    let home = Home::new();
    let src = home.path().join("src");
    testdata::write_files(&src, 6, 3000).expect("files");
    let o = home.run(&["store", src.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = patients(home.path());
    let db = home.path().join("index.redb");
    for damage in ["empty", "missing"] {
        if damage == "empty" {
            fs::File::create(&db).expect("truncate");
        } else {
            fs::remove_file(&db).expect("rm");
        }
        for args in [
            &["ls", "patients"][..],
            &["store", src.to_str().expect("utf8")],
        ] {
            let o = home.run(args);
            assert_eq!(
                o.status.code(),
                Some(3),
                "{damage} {args:?}: {}",
                stderr(&o)
            );
            let err = stderr(&o);
            assert!(err.contains(&db.display().to_string()), "{err}");
            assert!(err.contains("missing or empty"), "{err}");
            assert!(err.contains("dicomq check --repair"), "{err}");
        }
        // A check reports the orphans and leaves the database as it found it.
        let o = home.run(&["--json", "check"]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        assert_eq!(
            json_of(&o)["FilesWithoutRows"].as_array().expect("a").len(),
            6
        );
        assert_eq!(home.run(&["ls", "patients"]).status.code(), Some(3));
    }
    let o = home.run(&["check", "--repair"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("repaired: 6 file(s) reindexed"),
        "{}",
        stdout(&o)
    );
    let mut after = patients(home.path());
    let mut before = before;
    after.sort();
    before.sort();
    assert_eq!(after, before, "the same Orthanc IDs");
    let o = home.run(&["store", src.to_str().expect("utf8")]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("AlreadyStored"), "{}", stdout(&o));
}

// ---- dicomq check [--repair] -----------------------------------------------------------------

#[test]
fn check_reports_rows_without_files_orphans_unreadable_files_and_dead_outputs() {
    let home = Home::new();
    let src = home.path().join("src");
    testdata::write_files(&src, 4, 3000).expect("files");
    let o = home.run(&["store", src.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = home.run(&["check"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("rows without files\t0\n"),
        "{}",
        stdout(&o)
    );

    let stored = home.stored_files();
    assert_eq!(stored.len(), 4);
    // A row loses its file, a file is overwritten, an orphan appears, a job output is left.
    fs::remove_file(&stored[0]).expect("rm");
    fs::write(&stored[1], b"garbage").expect("write");
    let orphan_dir = home.path().join("storage/00/11");
    fs::create_dir_all(&orphan_dir).expect("mkdir");
    let orphan = orphan_dir.join("00112233-4455-4677-8899-aabbccddeeff");
    fs::write(&orphan, testdata::small_instance(99, 3000)).expect("write");
    let dead: PathBuf = home
        .path()
        .join("outputs/0b6e3c8a-1111-4222-8333-944445555666.zip");
    fs::write(&dead, b"PK").expect("write");

    let o = home.run(&["--json", "check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("4 problem(s)"), "{}", stderr(&o));
    assert!(stderr(&o).contains("hint: "), "{}", stderr(&o));
    let v = json_of(&o);
    assert_eq!(
        v["RowsWithoutFiles"][0]["File"],
        stored[0].display().to_string()
    );
    assert_eq!(
        v["FilesWithoutRows"][0]["File"],
        orphan.display().to_string()
    );
    assert_eq!(
        v["UnreadableFiles"][0]["File"],
        stored[1].display().to_string()
    );
    assert!(v["UnreadableFiles"][0]["Instance"].is_string(), "{v}");
    assert_eq!(v["DeadJobOutputs"][0], dead.display().to_string());
    assert!(v["Repaired"].is_null());

    let o = home.run(&["--json", "check", "--repair"]);
    // The unreadable file is left for the user: still exit 1.
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v = json_of(&o);
    let r = &v["Repaired"];
    assert_eq!(r["Reindexed"].as_array().expect("a").len(), 1, "{v}");
    assert_eq!(r["DroppedRows"].as_array().expect("a").len(), 1, "{v}");
    assert_eq!(r["RemovedOutputs"][0], dead.display().to_string());
    assert!(!dead.exists());
    assert!(orphan.exists(), "indexed in place");

    fs::remove_file(&stored[1]).expect("rm");
    let o = home.run(&["check", "--repair"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("dropped row\t"), "{}", stdout(&o));
    let o = home.run(&["check"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let instances = home.json(&["ls", "instances"]);
    assert_eq!(instances.as_array().expect("a").len(), 3);
}

#[test]
fn check_with_a_running_daemon_is_refused_with_a_hint() {
    let home = Home::new();
    let mut daemon = home.daemon(&[]);
    let o = home.run(&["check"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("daemon"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("hint: stop the daemon"),
        "{}",
        stderr(&o)
    );
    assert!(daemon.terminate(20).success());
}

#[test]
fn repair_of_a_lost_database_keeps_the_files_an_import_left_in_incoming() {
    let home = Home::new();
    let src = home.path().join("src");
    testdata::write_files(&src, 3, 3000).expect("files");
    let o = home.run(&["store", src.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    // A crash between an import's commit and its publish, then the database is lost.
    let stored = home.stored_files();
    let incoming = home.path().join("storage/incoming");
    fs::create_dir_all(&incoming).expect("mkdir");
    let name = stored[0].file_name().expect("name").to_owned();
    fs::rename(&stored[0], incoming.join(&name)).expect("mv");
    fs::remove_file(home.path().join("index.redb")).expect("rm");
    let o = home.run(&["check", "--repair"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("repaired: 3 file(s) reindexed"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        home.json(&["ls", "instances"]).as_array().expect("a").len(),
        3
    );
}
