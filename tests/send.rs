//! Sending to real peers: DCMTK's `storescp` and the real Orthanc (tests/common/orthanc.rs),
//! by C-STORE (`dicomq send MODALITY`, `POST /modalities/{id}/store`) and by HTTP
//! (`dicomq send --peer`, `POST /peers/{id}/store`). The data sets received are the stored
//! ones, byte for byte; a remote that is down, silent or refusing is a Retry or a clear failure.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Home, free_port, have_tool, poll, stderr, stdout};
use serde_json::{Value, json};

/// DCMTK's `storescp` on a free loopback port, writing what it receives into `dir`; killed
/// when dropped.
struct StoreScp {
    child: Child,
}

impl StoreScp {
    fn start(dir: &Path, port: u16) -> StoreScp {
        std::fs::create_dir_all(dir).expect("storescp dir");
        let child = Command::new("storescp")
            .args(["-aet", "STORESCP", "+xa", "-od"])
            .arg(dir)
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn storescp");
        poll(10, "storescp's port", || {
            std::net::TcpStream::connect(("127.0.0.1", port))
                .ok()
                .map(|_| ())
        });
        StoreScp { child }
    }
}

impl Drop for StoreScp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `send scp` of every stored patient, `--async` with a delay per step; the job's ID.
fn send_every_patient_async(home: &Home, step_delay_ms: &str) -> String {
    let patients = common::ids(&home.json(&["ls", "patients"]));
    let mut args = vec!["send", "scp", "--async", "--step-delay-ms", step_delay_ms];
    args.extend(patients.iter().map(String::as_str));
    let out = home.run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).trim().to_string()
}

fn have_dcmtk() -> bool {
    if have_tool("storescp") {
        return true;
    }
    eprintln!("skipped: DCMTK's storescp is not installed");
    false
}

/// A home with `config` and `n` small instances stored; their instance IDs.
fn home_with(config: Value, n: usize) -> (Home, Vec<String>) {
    let home = Home::new();
    std::fs::write(home.path().join("config.json"), config.to_string()).expect("config");
    let src = home.path().join("src");
    dicomq_testdata::write_files(&src, n, 600).expect("instances");
    let out = home.run(&["store", src.to_str().expect("utf-8")]);
    assert!(out.status.success(), "store: {}", stderr(&out));
    std::fs::remove_dir_all(&src).expect("rm src");
    let ids = common::ids(&home.json(&["ls", "instances"]));
    assert_eq!(ids.len(), n);
    (home, ids)
}

/// The data set of a DICOM file (what follows its meta header).
fn data_set(file: &[u8]) -> Vec<u8> {
    let start = dicomq::net::data_set::start(file).expect("a DICOM file");
    file[start..].to_vec()
}

/// The data sets of dicomq's stored files, sorted.
fn stored_data_sets(home: &Home) -> BTreeSet<Vec<u8>> {
    home.stored_files()
        .iter()
        .map(|p| data_set(&std::fs::read(p).expect("stored file")))
        .collect()
}

fn received(dir: &Path) -> Vec<PathBuf> {
    dicomq_testdata::files_under(dir)
}

fn received_data_sets(dir: &Path) -> BTreeSet<Vec<u8>> {
    received(dir)
        .iter()
        .map(|p| data_set(&std::fs::read(p).expect("received file")))
        .collect()
}

fn modality_config(port: u16) -> Value {
    json!({"DicomModalities": {
        "scp": ["STORESCP", "127.0.0.1", port],
        "down": {"AET": "DOWN", "Host": "127.0.0.1", "Port": free_port(), "Timeout": 2}
    }})
}

#[test]
fn send_to_storescp_gives_the_stored_data_sets_byte_for_byte() {
    if !have_dcmtk() {
        return;
    }
    let port = free_port();
    let (home, ids) = home_with(modality_config(port), 6);
    let dir = home.path().join("received");
    let _scp = StoreScp::start(&dir, port);
    let echo = home.run(&["echo", "scp"]);
    assert!(echo.status.success(), "echo: {}", stderr(&echo));
    // A patient by an 8-character prefix, and one instance of another (sent once).
    let patients = common::ids(&home.json(&["ls", "patients"]));
    let out = home.run(&["send", "scp", &patients[0][..8], &ids[0], &ids[1]]);
    assert!(out.status.success(), "send: {}", stderr(&out));
    let first = received(&dir).len();
    assert!(stdout(&out).contains(&format!("{first} instances sent to STORESCP")));
    let content = home.json(&["send", "scp", &patients[1], &patients[2]]);
    assert_eq!(content["RemoteAet"], "STORESCP");
    assert_eq!(content["LocalAet"], "DICOMQ");
    assert_eq!(content["FailedInstancesCount"], 0);
    assert_eq!(content["ParentResources"].as_array().map(Vec::len), Some(2));
    assert_eq!(received(&dir).len(), 6);
    assert_eq!(received_data_sets(&dir), stored_data_sets(&home));
    if have_tool("dcmdump") {
        for f in received(&dir) {
            let o = Command::new("dcmdump").arg(&f).output().expect("dcmdump");
            assert!(o.status.success(), "dcmdump {}", f.display());
        }
    }
}

#[test]
fn send_over_rest_with_overrides_and_bodies() {
    if !have_dcmtk() {
        return;
    }
    let port = free_port();
    // The configured port is wrong; the body's Port override is right.
    let (home, ids) = home_with(
        json!({"DicomModalities": {"scp": ["STORESCP", "127.0.0.1", free_port()]}}),
        3,
    );
    let dir = home.path().join("received");
    let _scp = StoreScp::start(&dir, port);
    let (_d, url) = home.http_daemon();
    let post = |path: &str, body: &str| {
        common::curl(&["-X", "POST", "--data-binary", body, &format!("{url}{path}")])
    };
    let a = post(
        "/modalities/scp/store",
        &json!({"Resources": [ids[0]], "Port": port, "LocalAet": "ME", "Synchronous": true})
            .to_string(),
    );
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(a.json()["LocalAet"], "ME");
    assert_eq!(received(&dir).len(), 1);
    // The configured port is down: a bare ID goes to Retry, asynchronously.
    let a = post(
        "/modalities/scp/store",
        &json!({"Resources": ids[1], "Asynchronous": true}).to_string(),
    );
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let job = a.json()["ID"].as_str().expect("job").to_string();
    let info = poll(10, "the job in Retry", || {
        let j = common::curl(&[&format!("{url}/jobs/{job}")]).json();
        (j["State"] == "Retry").then_some(j)
    });
    assert!(
        info["ErrorDetails"]
            .as_str()
            .is_some_and(|d| d.contains("refused")),
        "{info}"
    );
    let a = common::curl(&["-X", "POST", &format!("{url}/jobs/{job}/cancel")]);
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    for (path, body, status) in [
        ("/modalities/nope/store", json!([ids[0]]).to_string(), 404),
        ("/peers/nope/store", json!([ids[0]]).to_string(), 404),
        (
            "/modalities/scp/store",
            "{\"Resources\": 3}".to_string(),
            400,
        ),
        (
            "/modalities/scp/store",
            json!({"Resources": ["ffffffff"]}).to_string(),
            404,
        ),
    ] {
        let a = post(path, &body);
        assert_eq!(
            a.status,
            status,
            "{path} {body}: {}",
            String::from_utf8_lossy(&a.body)
        );
    }
    let a = post("/modalities/nope/echo", "");
    assert!(
        a.json()["Details"]
            .as_str()
            .is_some_and(|d| d.contains("No modality with symbolic name: nope"))
    );
    let list = common::curl(&[&format!("{url}/modalities")]).json();
    assert_eq!(list, json!(["scp"]));
    let conf = common::curl(&[&format!("{url}/modalities/scp/configuration")]).json();
    assert_eq!(conf["AET"], "STORESCP");
}

#[test]
fn unknown_names_and_missing_resources_are_clear_errors() {
    let (home, ids) = home_with(json!({"OrthancPeers": {"p": ["http://127.0.0.1:1"]}}), 1);
    for (args, says) in [
        (vec!["send", "nope", &ids[0]], "no modality matches 'nope'"),
        (
            vec!["send", "--peer", "nope", &ids[0]],
            "no peer matches 'nope'",
        ),
        (vec!["echo", "nope"], "no modality matches 'nope'"),
        (vec!["send", "--peer", "p", "ffffffffff"], "ffffffffff"),
    ] {
        let out = home.run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    let out = home.run(&["send", "lonely"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("give the patients"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_silent_remote_times_out() {
    // Accepts TCP, never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let (home, _) = home_with(
        json!({"DicomModalities": {"silent": {"AET": "SILENT", "Host": "127.0.0.1", "Port": port, "Timeout": 1}}}),
        1,
    );
    let started = std::time::Instant::now();
    let out = home.run(&["echo", "silent"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no answer within 1 s"),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed() < Duration::from_secs(8));
    drop(listener);
}

#[test]
fn a_remote_down_is_retried_and_nothing_acknowledged_is_sent_again() {
    if !have_dcmtk() {
        return;
    }
    let port = free_port();
    let (home, _) = home_with(modality_config(port), 8);
    let first_dir = home.path().join("first");
    let scp = StoreScp::start(&first_dir, port);
    let _d = home.daemon(&[]);
    let job = send_every_patient_async(&home, "400");
    poll(20, "two instances received", || {
        (received(&first_dir).len() >= 2).then_some(())
    });
    drop(scp);
    let info = poll(20, "the job in Retry", || {
        let j = home.json(&["jobs", "show", &job]);
        (j["State"] == "Retry").then_some(j)
    });
    assert!(info["ErrorDetails"].as_str().is_some_and(|d| !d.is_empty()));
    let second_dir = home.path().join("second");
    let _scp = StoreScp::start(&second_dir, port);
    let info = poll(60, "the job done", || {
        let j = home.json(&["jobs", "show", &job]);
        (j["State"] == "Success").then_some(j)
    });
    assert_eq!(info["Content"]["FailedInstancesCount"], 0);
    let first = received_data_sets(&first_dir);
    let second = received_data_sets(&second_dir);
    assert!(
        first.is_disjoint(&second),
        "an acknowledged instance was sent again"
    );
    let all: BTreeSet<Vec<u8>> = first.union(&second).cloned().collect();
    assert_eq!(all, stored_data_sets(&home));
}

#[test]
fn a_daemon_killed_mid_send_resumes_after_restart() {
    if !have_dcmtk() {
        return;
    }
    let port = free_port();
    let (home, _) = home_with(modality_config(port), 8);
    let dir = home.path().join("received");
    let _scp = StoreScp::start(&dir, port);
    let mut d = home.daemon(&[]);
    let job = send_every_patient_async(&home, "300");
    poll(20, "some instances received", || {
        (received(&dir).len() >= 2).then_some(())
    });
    d.kill9();
    assert!(received(&dir).len() < 8, "the job ended before the kill");
    let _d = home.daemon(&[]);
    let info = poll(60, "the job done after the restart", || {
        let j = home.json(&["jobs", "show", &job]);
        (j["State"] == "Success").then_some(j)
    });
    assert_eq!(info["Content"]["InstancesCount"], 8);
    assert_eq!(received_data_sets(&dir), stored_data_sets(&home));
}

#[test]
fn send_to_orthanc_by_c_store_and_by_the_peer_route_keeps_the_ids() {
    let Some(orthanc) = common::orthanc::Orthanc::start(json!({"DicomCheckCalledAet": true}))
    else {
        return;
    };
    let (home, ids) = home_with(
        json!({
            "DicomModalities": {
                "orthanc": ["ORTHANC", "127.0.0.1", orthanc.dicom_port],
                "wrong-aet": ["NOT-ORTHANC", "127.0.0.1", orthanc.dicom_port],
            },
            "OrthancPeers": {
                "peer": [orthanc.url],
            },
        }),
        6,
    );
    let mut ours = ids.clone();
    ours.sort();
    let out = home.run(&["echo", "orthanc"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // An unknown called AET: Orthanc rejects the association, permanently: a failure at once.
    let out = home.run(&["send", "wrong-aet", &ids[0]]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("rejected the association"),
        "{}",
        stderr(&out)
    );
    // Half by C-STORE, half by HTTP.
    let out = home.run(&["send", "orthanc", &ids[0], &ids[1], &ids[2]]);
    assert!(out.status.success(), "{}", stderr(&out));
    let content = home.json(&["send", "--peer", "peer", "--compress", &ids[3]]);
    assert_eq!(content["Compress"], true);
    assert!(content["Peer"].get("Password").is_none());
    let content = home.json(&["send", "--peer", "peer", &ids[4], &ids[5]]);
    assert_eq!(content["InstancesCount"], 2);
    assert!(
        content["Size"].as_str().is_some_and(|s| s != "0"),
        "{content}"
    );
    assert_eq!(orthanc.instances(), ours);
    // The files Orthanc stores hold the data sets dicomq stores.
    let theirs: BTreeSet<Vec<u8>> = ours.iter().map(|id| data_set(&orthanc.file(id))).collect();
    assert_eq!(theirs, stored_data_sets(&home));
}

/// A peer that needs a password: another dicomq with the REST API's Basic auth.
#[test]
fn peers_get_credentials_and_a_refusal_is_permanent() {
    let peer_home = Home::new();
    std::fs::write(
        peer_home.path().join("config.json"),
        json!({"AuthenticationEnabled": true, "RegisteredUsers": {"alice": "secret"}}).to_string(),
    )
    .expect("config");
    let (_d, url) = peer_home.http_daemon();
    let (home, ids) = home_with(
        json!({"OrthancPeers": {
            "good": [url, "alice", "secret"],
            "bad": {"Url": url, "Username": "alice", "Password": "nope"},
        }}),
        2,
    );
    let out = home.run(&["send", "--peer", "good", &ids[0], &ids[1]]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut got = common::ids(&peer_home.json(&["ls", "instances"]));
    got.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(got, want);
    let started = std::time::Instant::now();
    let out = home.run(&["send", "--peer", "bad", &ids[0]]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("HTTP 401"), "{}", stderr(&out));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "retried a refusal"
    );
}

/// A SOP class the remote does not know: the instance is refused (the job fails saying why),
/// or counted in FailedInstancesCount with --permissive while the others go.
#[test]
fn a_refused_sop_class_fails_the_instance_or_is_counted_when_permissive() {
    let Some(orthanc) = common::orthanc::Orthanc::start(json!({})) else {
        return;
    };
    let (home, ids) = home_with(
        json!({"DicomModalities": {"orthanc": ["ORTHANC", "127.0.0.1", orthanc.dicom_port]}}),
        1,
    );
    use dicom_core::Tag;
    use dicomq_testdata::{raw_element, raw_part10};
    let (class, uid) = (
        "1.2.826.0.1.3680043.8.498.999.1",
        "1.2.826.0.1.3680043.8.498.999.2",
    );
    let odd = raw_part10(
        (class, uid),
        &[
            raw_element(Tag(0x0008, 0x0016), b"UI", class.as_bytes()),
            raw_element(Tag(0x0008, 0x0018), b"UI", uid.as_bytes()),
            raw_element(Tag(0x0010, 0x0020), b"LO", b"ODD"),
            raw_element(
                Tag(0x0020, 0x000D),
                b"UI",
                b"1.2.826.0.1.3680043.8.498.999.3",
            ),
            raw_element(
                Tag(0x0020, 0x000E),
                b"UI",
                b"1.2.826.0.1.3680043.8.498.999.4",
            ),
        ],
    );
    let path = home.path().join("odd.dcm");
    std::fs::write(&path, odd).expect("write");
    let out = home.run(&["store", path.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let all = common::ids(&home.json(&["ls", "instances"]));
    let odd_id = all
        .iter()
        .find(|i| !ids.contains(i))
        .expect("the odd one")
        .clone();
    let out = home.run(&["send", "orthanc", &odd_id, &ids[0]]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("refused SOP class {class}")),
        "{}",
        stderr(&out)
    );
    let content = home.json(&["send", "orthanc", "--permissive", &odd_id, &ids[0]]);
    assert_eq!(content["FailedInstancesCount"], 1);
    assert_eq!(content["InstancesCount"], 2);
    assert_eq!(orthanc.instances(), vec![ids[0].clone()]);
}

/// Pause and resume between instances: nothing is sent while paused, all of it after.
#[test]
fn a_paused_send_sends_nothing_until_resumed() {
    if !have_dcmtk() {
        return;
    }
    let port = free_port();
    let (home, _) = home_with(modality_config(port), 6);
    let dir = home.path().join("received");
    let _scp = StoreScp::start(&dir, port);
    let _d = home.daemon(&[]);
    let job = send_every_patient_async(&home, "300");
    poll(20, "an instance received", || {
        (!received(&dir).is_empty()).then_some(())
    });
    assert!(home.run(&["jobs", "pause", &job]).status.success());
    poll(10, "the job paused", || {
        (home.json(&["jobs", "show", &job])["State"] == "Paused").then_some(())
    });
    let at_pause = received(&dir).len();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(received(&dir).len(), at_pause, "sent while paused");
    assert!(at_pause < 6, "the job ended before the pause");
    assert!(home.run(&["jobs", "resume", &job]).status.success());
    let info = poll(30, "the job done", || {
        let j = home.json(&["jobs", "show", &job]);
        (j["State"] == "Success").then_some(j)
    });
    assert_eq!(info["Content"]["FailedInstancesCount"], 0);
    assert_eq!(received_data_sets(&dir), stored_data_sets(&home));
}
