//! The real Orthanc (Debian's `orthanc` package, `/usr/sbin/Orthanc`) started by a test: its own
//! temporary storage, free ports, the config the test gives merged over a quiet base, stopped
//! (killed) on drop. `Orthanc::start` returns `None` when Orthanc is not installed and
//! `DICOMQ_REQUIRE_VALIDATORS` is unset; with it set, a missing Orthanc fails the test.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{free_port, have_tool};

pub struct Orthanc {
    child: Child,
    dir: tempfile::TempDir,
    /// `http://127.0.0.1:PORT`
    pub url: String,
    pub http_port: u16,
    pub dicom_port: u16,
    pub aet: String,
}

impl Orthanc {
    /// Starts Orthanc with `extra` merged into its configuration (top-level keys replace the
    /// base's), and waits until its REST API answers.
    pub fn start(extra: Value) -> Option<Orthanc> {
        if !have_tool("Orthanc") {
            eprintln!("skipped: Orthanc is not installed (apt-get install orthanc)");
            return None;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let (http_port, dicom_port) = (free_port(), free_port());
        let db = dir.path().join("db");
        let mut config = json!({
            "Name": "orthanc-under-test",
            "StorageDirectory": db,
            "IndexDirectory": db,
            "HttpPort": http_port,
            "DicomPort": dicom_port,
            "DicomAet": "ORTHANC",
            "RemoteAccessAllowed": false,
            "AuthenticationEnabled": false,
            "Plugins": [],
            "ConcurrentJobs": 2,
            "SaveJobs": false,
        });
        if let (Some(base), Value::Object(more)) = (config.as_object_mut(), extra) {
            base.extend(more);
        }
        let aet = config["DicomAet"].as_str().unwrap_or("ORTHANC").to_string();
        let path = dir.path().join("orthanc.json");
        std::fs::write(&path, config.to_string()).expect("write orthanc.json");
        let log = dir.path().join("orthanc.log");
        let child = Command::new("Orthanc")
            .arg(format!("--logfile={}", log.display()))
            .arg(&path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn Orthanc");
        let mut o = Orthanc {
            child,
            dir,
            url: format!("http://127.0.0.1:{http_port}"),
            http_port,
            dicom_port,
            aet,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if o.get("/system").is_some() {
                return Some(o);
            }
            if let Ok(Some(status)) = o.child.try_wait() {
                panic!("Orthanc exited ({status}): {}", o.log());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("Orthanc did not answer in 30 s: {}", o.log());
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("orthanc.log")).unwrap_or_default()
    }

    /// GET `path` as JSON; `None` unless 200.
    pub fn get(&self, path: &str) -> Option<Value> {
        let o = Command::new("curl")
            .args(["-sf", "--max-time", "10"])
            .arg(format!("{}{path}", self.url))
            .output()
            .ok()?;
        if !o.status.success() {
            return None;
        }
        serde_json::from_slice(&o.stdout).ok()
    }

    /// POST `body` (JSON) to `path`, answering the status and the JSON body (Null if none).
    pub fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let o = Command::new("curl")
            .args([
                "-s",
                "--max-time",
                "120",
                "-w",
                "\n%{http_code}",
                "-X",
                "POST",
                "--data-binary",
            ])
            .arg(body.to_string())
            .arg(format!("{}{path}", self.url))
            .output()
            .expect("curl");
        let text = String::from_utf8_lossy(&o.stdout).to_string();
        let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
        (
            code.trim().parse().unwrap_or(0),
            serde_json::from_str(body).unwrap_or(Value::Null),
        )
    }

    /// Uploads a DICOM file to `/instances`; the answer's `ID`.
    pub fn upload(&self, file: &Path) -> String {
        let o = Command::new("curl")
            .args(["-sf", "--max-time", "30", "-X", "POST", "--data-binary"])
            .arg(format!("@{}", file.display()))
            .arg(format!("{}/instances", self.url))
            .output()
            .expect("curl");
        assert!(o.status.success(), "upload {} to Orthanc", file.display());
        let v: Value = serde_json::from_slice(&o.stdout).expect("Orthanc answers JSON");
        v["ID"].as_str().expect("ID").to_string()
    }

    /// The IDs of every instance Orthanc stores, sorted.
    pub fn instances(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .get("/instances")
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        ids.sort();
        ids
    }

    /// The stored file of instance `id`.
    pub fn file(&self, id: &str) -> Vec<u8> {
        let o = Command::new("curl")
            .args(["-sf", "--max-time", "30"])
            .arg(format!("{}/instances/{id}/file", self.url))
            .output()
            .expect("curl");
        assert!(o.status.success(), "GET instance {id} from Orthanc");
        o.stdout
    }

    /// Where Orthanc keeps its files (to compare bytes).
    pub fn storage(&self) -> PathBuf {
        self.dir.path().join("db")
    }
}

impl Drop for Orthanc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
