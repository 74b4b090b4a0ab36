//! Helpers shared by the end-to-end tests: the binary with a cleared environment and a temp home.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

pub mod certs;
pub mod orthanc;
pub mod postgres;
pub mod tty;
pub mod validators;

pub fn fixture_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/orthanc")
}

/// The folder of Orthanc's sample instances (only .dcm files).
pub fn fixtures() -> PathBuf {
    fixture_root().join("samples")
}

pub fn fixture(name: &str) -> PathBuf {
    fixtures().join(name)
}

/// The first of Orthanc's sample instances, by name.
pub fn any_fixture() -> PathBuf {
    let mut names: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "dcm"))
        .collect();
    names.sort();
    names.into_iter().next().expect("a fixture")
}

/// The IDs Orthanc answered for each fixture: [patient, study, series, instance].
pub fn orthanc_ids() -> std::collections::BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(fixture_root().join("ids.json")).expect("ids.json");
    serde_json::from_str(&text).expect("ids.json is JSON")
}

pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Home {
        Home {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `dicomq --home HOME` with a cleared environment.
    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("dicomq").expect("binary");
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NO_COLOR", "1")
            .arg("--home")
            .arg(self.path());
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().expect("runs")
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.cmd().arg("--json").args(args).output().expect("runs");
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("stdout is JSON")
    }

    /// Files under HOME/storage, temporaries included; not the empty files created ahead in
    /// `incoming/` for the next imports (src/persist/staging_pool.rs), which hold no instance.
    pub fn stored_files(&self) -> Vec<PathBuf> {
        let incoming = self.path().join("storage/incoming");
        let mut files = dicomq_testdata::files_under(&self.path().join("storage"));
        files.retain(|f| {
            let spare = f.parent() == Some(incoming.as_path())
                && std::fs::metadata(f).is_ok_and(|m| m.len() == 0);
            !spare
        });
        files
    }
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Whether a validator is installed; when `DICOMQ_REQUIRE_VALIDATORS=1`, a missing one fails.
pub fn have_tool(name: &str) -> bool {
    let found = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {name}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found && std::env::var("DICOMQ_REQUIRE_VALIDATORS").as_deref() == Ok("1") {
        panic!("{name} is required (DICOMQ_REQUIRE_VALIDATORS=1) but not installed");
    }
    found
}

/// A `dicomq daemon` on a home, killed (SIGKILL) when dropped unless stopped first.
pub struct Daemon {
    pub child: std::process::Child,
}

impl Home {
    /// Starts the daemon with the REST API on a free loopback port, waits until the port
    /// answers, and gives the base URL.
    pub fn http_daemon(&self) -> (Daemon, String) {
        let addr = format!("127.0.0.1:{}", free_port());
        let d = self.daemon(&["--http", &addr]);
        poll(10, "the HTTP port", || {
            std::net::TcpStream::connect(&addr).ok().map(|_| ())
        });
        (d, format!("http://{addr}"))
    }

    /// Starts the daemon and waits until its socket answers.
    pub fn daemon(&self, extra: &[&str]) -> Daemon {
        self.daemon_with_env(extra, &[])
    }

    /// `daemon` with these environment variables (the test knobs).
    pub fn daemon_with_env(&self, extra: &[&str], env: &[(&str, &str)]) -> Daemon {
        let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("dicomq"))
            .env_clear()
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .arg("--home")
            .arg(self.path())
            .arg("daemon")
            .args(extra)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn daemon");
        let mut d = Daemon { child };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            if std::os::unix::net::UnixStream::connect(self.path().join("daemon.sock")).is_ok() {
                return d;
            }
            if let Ok(Some(status)) = d.child.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = d.child.stderr.take() {
                    use std::io::Read;
                    let _ = e.read_to_string(&mut err);
                }
                panic!("daemon exited early ({status}): {err}");
            }
            assert!(std::time::Instant::now() < deadline, "daemon did not start");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

impl Daemon {
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then the exit status (within `secs`).
    pub fn terminate(&mut self, secs: u64) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "daemon did not stop in {secs} s"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `f` until it returns Some, or panics after `secs`.
pub fn poll<T>(secs: u64, what: &str, f: impl FnMut() -> Option<T>) -> T {
    try_poll(secs, f).unwrap_or_else(|| panic!("timed out waiting for {what}"))
}

/// `f`'s first `Some` within `secs` (polled every 20 ms), or `None`: for a caller that says
/// more than `poll` when it times out.
pub fn try_poll<T>(secs: u64, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if std::time::Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A free TCP port on loopback (bound then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// An HTTP answer read by curl: status, lowercase headers, body.
pub struct HttpAnswer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpAnswer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// Runs curl with `args` (method, URL, data...) and parses its `-i` output.
pub fn curl(args: &[&str]) -> HttpAnswer {
    assert!(have_tool("curl"), "curl is needed for the HTTP tests");
    let out = std::process::Command::new("curl")
        .args(["-s", "-i", "--max-time", "20"])
        .args(args)
        .output()
        .expect("curl runs");
    let raw = out.stdout;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| {
            panic!(
                "no HTTP answer from curl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    HttpAnswer {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// Extracts one entry of a ZIP to `to`, with Python's zipfile (a reader independent of dicomq's).
pub fn extract_zip_entry(zip: &Path, entry: &str, to: &Path) {
    let o = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\nopen(sys.argv[3], 'wb').write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))",
        ])
        .arg(zip)
        .arg(entry)
        .arg(to)
        .output()
        .expect("python3");
    assert!(o.status.success(), "{}", stderr(&o));
}

/// `unzip -t` and `python3 -m zipfile -t` accept the archive; returns its entry names in order.
pub fn check_zip(path: &Path) -> Vec<String> {
    if have_tool("unzip") {
        let o = std::process::Command::new("unzip")
            .arg("-tq")
            .arg(path)
            .output()
            .expect("unzip");
        assert!(
            o.status.success(),
            "unzip -t {}: {}",
            path.display(),
            stdout(&o)
        );
    }
    if have_tool("python3") {
        let o = std::process::Command::new("python3")
            .args(["-m", "zipfile", "-t"])
            .arg(path)
            .output()
            .expect("python3");
        assert!(
            o.status.success(),
            "python3 -m zipfile -t {}: {}",
            path.display(),
            stderr(&o)
        );
    }
    let o = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile\nfor n in zipfile.ZipFile(sys.argv[1]).namelist(): print(n)",
        ])
        .arg(path)
        .output()
        .expect("python3 lists the entries");
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o).lines().map(str::to_string).collect()
}

/// The `ID`s of a JSON list of resources (`ls --json`, REST answers).
pub fn ids(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .expect("array")
        .iter()
        .filter_map(|v| v["ID"].as_str().map(str::to_string))
        .collect()
}

/// Two StudyInstanceUIDs whose studies (of `patient_id`) get Orthanc IDs sharing their first 8
/// characters, for the "ambiguous prefix" refusals (a birthday search, ~65 000 tries at most).
pub fn study_uids_sharing_a_prefix(patient_id: &str) -> (String, String) {
    let mut seen = std::collections::HashMap::new();
    (0u32..)
        .find_map(|i| {
            let uid = format!("1.2.826.0.1.3680043.2.1125.{i}");
            let id = dicomq::store::ids::orthanc_id(&[patient_id, &uid]);
            seen.insert(id[..8].to_string(), uid.clone())
                .map(|other| (other, uid))
        })
        .expect("a collision")
}
