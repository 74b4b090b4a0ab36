//! The daemon's DICOM SCP (`daemon --dicom`, issue 15) against real peers: DCMTK's echoscu,
//! storescu and findscu, dicom-ul's client for the requests DCMTK will not send (a truncated
//! data set, a mismatched UID, a C-FIND on an association kept open), raw TCP for hostile PDUs
//! and idle connections, and the real Orthanc sending by C-STORE.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use common::{Daemon, Home, free_port, have_tool, poll, stderr, stdout};
use dicom_ul::pdu::{PDataValue, PDataValueType};
use dicom_ul::{ClientAssociationOptions, Pdu};
use dicomq::net::dimse::{Command as Dimse, field, status};
use serde_json::{Value, json};

const MR: &str = "1.2.840.10008.5.1.4.1.1.4";
const EXPLICIT_LE: &str = "1.2.840.10008.1.2.1";
/// The daemon's checkpoint interval of the import journal in records; 0: no journal
/// (src/store/journal_replay.rs).
const JOURNAL_KNOB: &str = "DICOMQ_IMPORT_JOURNAL_RECORDS";

/// A daemon receiving on a free loopback port, with `config` as its config.json.
fn scp(home: &Home, config: Value) -> (Daemon, u16) {
    scp_with_env(home, config, &[])
}

/// `scp` with these environment variables (`DICOMQ_IMPORT_JOURNAL_RECORDS`).
fn scp_with_env(home: &Home, config: Value, env: &[(&str, &str)]) -> (Daemon, u16) {
    std::fs::write(home.path().join("config.json"), config.to_string()).expect("config");
    let port = free_port();
    let d = home.daemon_with_env(&["--dicom", &format!("127.0.0.1:{port}")], env);
    (d, port)
}

fn dcmtk() -> bool {
    ["echoscu", "storescu", "findscu"]
        .iter()
        .all(|t| have_tool(t))
}

fn echoscu(port: u16, extra: &[&str]) -> Output {
    Command::new("echoscu")
        .args(["-aec", "DICOMQ", "-to", "10"])
        .args(extra)
        .args(["127.0.0.1", &port.to_string()])
        .output()
        .expect("echoscu")
}

fn storescu(port: u16, extra: &[&str], files: &[PathBuf]) -> Output {
    Command::new("storescu")
        .args(["-aec", "DICOMQ", "-to", "30"])
        .args(extra)
        .args(["127.0.0.1", &port.to_string()])
        .args(files)
        .output()
        .expect("storescu")
}

/// `n` small MR files in `dir`.
fn sources(dir: &Path, n: usize) -> Vec<PathBuf> {
    dicomq_testdata::write_files(dir, n, 2000).expect("write files")
}

/// The data set of a Part 10 file: what follows its meta group.
fn dataset_of(file: &[u8]) -> &[u8] {
    assert_eq!(&file[128..132], b"DICM");
    assert_eq!(&file[132..136], &[2, 0, 0, 0], "(0002,0000) first");
    let len = u32::from_le_bytes([file[140], file[141], file[142], file[143]]) as usize;
    &file[144 + len..]
}

fn instance_count(home: &Home) -> usize {
    home.json(&["ls", "instances"])
        .as_array()
        .map_or(0, Vec::len)
}

#[test]
fn storescu_sends_many_files_on_one_association_and_they_are_stored_as_sent() {
    if !dcmtk() {
        return;
    }
    let home = Home::new();
    let (_d, port) = scp(&home, json!({}));
    let e = echoscu(port, &[]);
    assert!(e.status.success(), "echoscu: {}", stderr(&e));
    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = sources(dir.path(), 24);
    // Two larger ones, in many PDUs of the 16 KiB we announce.
    for seed in [1000, 1001] {
        let path = dir.path().join(format!("large_{seed}.dcm"));
        std::fs::write(&path, dicomq_testdata::small_instance(seed, 300_000)).expect("write");
        files.push(path);
    }
    let s = storescu(port, &[], &files);
    assert!(s.status.success(), "storescu: {}{}", stdout(&s), stderr(&s));
    assert_eq!(instance_count(&home), 26);
    // Every source's data set is stored byte for byte, behind a meta group of ours.
    let mut wanted: Vec<Vec<u8>> = files
        .iter()
        .map(|f| dataset_of(&std::fs::read(f).expect("read")).to_vec())
        .collect();
    let mut stored: Vec<Vec<u8>> = home
        .stored_files()
        .iter()
        .map(|f| dataset_of(&std::fs::read(f).expect("read")).to_vec())
        .collect();
    wanted.sort();
    stored.sort();
    assert!(
        wanted == stored,
        "the stored data sets differ from the sources'"
    );
    // The files dicomq wrote are valid, and the store's metric saw them.
    let known = files
        .iter()
        .flat_map(|f| {
            if have_tool("dciodvfy") {
                common::validators::dciodvfy_errors(f)
            } else {
                Default::default()
            }
        })
        .collect();
    common::validators::check_outputs(&home.stored_files(), &known);
    // Sending them again: Orthanc answers an instance it has as stored.
    let again = storescu(port, &[], &files[..3]);
    assert!(again.status.success(), "storescu again: {}", stderr(&again));
    assert_eq!(instance_count(&home), 26);
}

#[test]
fn a_wrong_called_aet_is_refused_when_checked() {
    if !dcmtk() {
        return;
    }
    let home = Home::new();
    let (_d, port) = scp(&home, json!({"DicomCheckCalledAet": true}));
    let bad = echoscu(port, &["-aec", "SOMEONE"]);
    assert!(!bad.status.success());
    let text = format!("{}{}", stdout(&bad), stderr(&bad));
    assert!(text.contains("Called AE Title Not Recognized"), "{text}");
    assert!(echoscu(port, &[]).status.success());
}

#[test]
fn the_rest_api_shows_where_the_daemon_receives() {
    let home = Home::new();
    std::fs::write(
        home.path().join("config.json"),
        r#"{"DicomAet": "ARCHIVE1"}"#,
    )
    .expect("config");
    let (port, http) = (free_port(), free_port());
    let _d = home.daemon(&[
        "--dicom",
        &format!("127.0.0.1:{port}"),
        "--http",
        &format!("127.0.0.1:{http}"),
    ]);
    let o = Command::new("curl")
        .args(["-sf", &format!("http://127.0.0.1:{http}/system")])
        .output()
        .expect("curl");
    let system: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(system["DicomAet"], "ARCHIVE1");
    assert_eq!(system["DicomPort"], port);
    // Orthanc's metadata of an instance received by C-STORE (test_metadata_origin).
    if dcmtk() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files = sources(dir.path(), 1);
        let o = storescu(port, &["-aec", "ARCHIVE1", "-aet", "MODALITY1"], &files);
        assert!(o.status.success(), "{}", stderr(&o));
        let get = |path: &str| -> Value {
            let o = Command::new("curl")
                .args(["-sf", &format!("http://127.0.0.1:{http}{path}")])
                .output()
                .expect("curl");
            serde_json::from_slice(&o.stdout).expect("JSON")
        };
        let id = get("/instances")[0]
            .as_str()
            .expect("an instance")
            .to_string();
        let m = get(&format!("/instances/{id}/metadata?expand"));
        assert_eq!(m["Origin"], "DicomProtocol");
        assert_eq!(m["RemoteAET"], "MODALITY1");
        assert_eq!(m["CalledAET"], "ARCHIVE1");
        assert_eq!(m["RemoteIP"], "127.0.0.1");
        let series = get(&format!("/instances/{id}"))["ParentSeries"]
            .as_str()
            .expect("series")
            .to_string();
        assert_eq!(
            get(&format!("/series/{series}/metadata?expand"))["RemoteAET"],
            "MODALITY1"
        );
    }
    // A port that is taken: the daemon refuses to start, naming it.
    let other = Home::new();
    let out = other.run(&["daemon", "--dicom", &format!("127.0.0.1:{port}")]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains(&format!("cannot listen for DICOM on 127.0.0.1:{port}")),
        "{}",
        stderr(&out)
    );
    let out = other.run(&["daemon", "--dicom", "nowhere:port"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("--dicom nowhere:port"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_unknown_caller_may_not_store_unless_always_allowed() {
    if !dcmtk() {
        return;
    }
    let home = Home::new();
    let config = json!({
        "DicomAlwaysAllowStore": false,
        "DicomAlwaysAllowEcho": false,
        "DicomModalities": {
            "ct": ["KNOWN", "127.0.0.1", 104],
            "echoonly": {"AET": "ECHOER", "Host": "127.0.0.1", "Port": 104, "AllowStore": false},
        }
    });
    let (_d, port) = scp(&home, config);
    let dir = tempfile::tempdir().expect("tempdir");
    let files = sources(dir.path(), 2);
    // Unknown: the association itself is refused.
    let s = storescu(port, &["-aet", "STRANGER"], &files);
    assert!(!s.status.success());
    let text = format!("{}{}", stdout(&s), stderr(&s));
    assert!(text.contains("Calling AE Title Not Recognized"), "{text}");
    // Known but not allowed to store: each C-STORE is refused (0x0124).
    let s = storescu(port, &["-v", "-aet", "ECHOER"], &files);
    let text = format!("{}{}", stdout(&s), stderr(&s));
    assert!(
        text.contains("Store Response (Unknown Status: 0x124)"),
        "{text}"
    );
    assert_eq!(instance_count(&home), 0);
    assert!(echoscu(port, &["-aet", "ECHOER"]).status.success());
    // A modality with AllowStore: stored.
    let s = storescu(port, &["-aet", "KNOWN"], &files);
    assert!(s.status.success(), "{}", stderr(&s));
    assert_eq!(instance_count(&home), 2);
}

/// An association from dicom-ul's client proposing `abstract_syntax` and Verification.
fn associate(port: u16, abstract_syntax: &str) -> dicom_ul::ClientAssociation<TcpStream> {
    ClientAssociationOptions::new()
        .with_presentation_context(abstract_syntax, vec![EXPLICIT_LE])
        .with_presentation_context(dicomq::net::VERIFICATION, vec![EXPLICIT_LE])
        .calling_ae_title("TESTSCU")
        .called_ae_title("DICOMQ")
        .establish(("127.0.0.1", port))
        .expect("association")
}

fn context_of(assoc: &dicom_ul::ClientAssociation<TcpStream>, syntax: &str) -> u8 {
    assoc
        .presentation_contexts()
        .iter()
        .find(|pc| pc.abstract_syntax == syntax)
        .map(|pc| pc.id)
        .expect("accepted context")
}

fn send(
    assoc: &mut dicom_ul::ClientAssociation<TcpStream>,
    id: u8,
    cmd: &Dimse,
    data: Option<&[u8]>,
) {
    let pdv = |kind, bytes: &[u8]| PDataValue {
        presentation_context_id: id,
        value_type: kind,
        is_last: true,
        data: bytes.to_vec(),
    };
    let mut values = vec![pdv(PDataValueType::Command, &cmd.encode())];
    if let Some(d) = data {
        values.push(pdv(PDataValueType::Data, d));
    }
    for v in values {
        assoc.send(&Pdu::PData { data: vec![v] }).expect("send");
    }
}

fn response(assoc: &mut dicom_ul::ClientAssociation<TcpStream>) -> Dimse {
    match assoc.receive().expect("a response") {
        Pdu::PData { data } => Dimse::decode(&data[0].data).expect("a command"),
        other => panic!("not a response: {other:?}"),
    }
}

#[test]
fn a_c_find_is_refused_and_the_association_goes_on() {
    if !dcmtk() {
        return;
    }
    let home = Home::new();
    let (_d, port) = scp(&home, json!({}));
    let find_model = "1.2.840.10008.5.1.4.1.2.2.1";
    let mut assoc = associate(port, find_model);
    let id = context_of(&assoc, find_model);
    let find = Dimse {
        field: 0x0020,
        message_id: Some(1),
        affected_sop_class: Some(find_model.into()),
        priority: Some(0),
        data_set_type: 0,
        ..Dimse::default()
    };
    // A query identifier (QueryRetrieveLevel = STUDY), explicit VR LE.
    let query = [
        0x08, 0x00, 0x52, 0x00, b'C', b'S', 6, 0, b'S', b'T', b'U', b'D', b'Y', b' ',
    ];
    send(&mut assoc, id, &find, Some(&query));
    let rsp = response(&mut assoc);
    assert_eq!(rsp.field, 0x8020);
    assert_eq!(rsp.status, Some(status::UNRECOGNIZED_OPERATION));
    // The association is still served.
    let echo_id = context_of(&assoc, dicomq::net::VERIFICATION);
    send(&mut assoc, echo_id, &Dimse::echo_rq(2), None);
    let rsp = response(&mut assoc);
    assert_eq!((rsp.field, rsp.status), (field::C_ECHO_RSP, Some(0)));
    assoc.release().expect("release");
    // findscu is answered with the failure, not a dropped connection.
    let f = Command::new("findscu")
        .args([
            "-v",
            "-S",
            "-aec",
            "DICOMQ",
            "-k",
            "QueryRetrieveLevel=STUDY",
        ])
        .args(["127.0.0.1", &port.to_string()])
        .output()
        .expect("findscu");
    let text = format!("{}{}", stdout(&f), stderr(&f));
    assert!(
        text.contains("Final Find Response (Unknown Status: 0x211)"),
        "{text}"
    );
}

#[test]
fn a_truncated_or_mismatched_data_set_is_a_failure_and_nothing_is_stored() {
    if !dcmtk() {
        return;
    }
    let home = Home::new();
    let (_d, port) = scp(&home, json!({}));
    let spec = dicomq_testdata::small_instance_spec(1, 2000);
    let file = spec.to_bytes();
    let data = dataset_of(&file).to_vec();
    let sop = spec.sop_uid.clone().expect("a SOP instance UID");
    let mut assoc = associate(port, MR);
    let id = context_of(&assoc, MR);
    // Cut in the middle of Pixel Data.
    send(
        &mut assoc,
        id,
        &Dimse::store_rq(1, MR, &sop),
        Some(&data[..data.len() - 100]),
    );
    let rsp = response(&mut assoc);
    assert_eq!(rsp.field, field::C_STORE_RSP);
    assert_eq!(rsp.status, Some(status::CANNOT_UNDERSTAND), "{rsp:?}");
    assert!(rsp.error_comment.is_some());
    // A command naming another instance than the data set.
    send(
        &mut assoc,
        id,
        &Dimse::store_rq(2, MR, "1.2.3.4"),
        Some(&data),
    );
    let rsp = response(&mut assoc);
    assert_eq!(rsp.status, Some(status::DATASET_MISMATCH), "{rsp:?}");
    // The same association still stores a good one.
    send(&mut assoc, id, &Dimse::store_rq(3, MR, &sop), Some(&data));
    assert_eq!(response(&mut assoc).status, Some(status::SUCCESS));
    assoc.release().expect("release");
    assert_eq!(instance_count(&home), 1);
    assert_eq!(home.stored_files().len(), 1, "nothing half-stored");
}

/// Whether the peer closed `s` (end of stream or an error) within `secs`.
fn closed_within(s: &mut TcpStream, secs: u64) -> bool {
    s.set_read_timeout(Some(Duration::from_secs(secs)))
        .expect("timeout");
    let mut buf = [0u8; 512];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            // An A-ABORT or A-ASSOCIATE-RJ may come first.
            Ok(_) => continue,
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                return false;
            }
            Err(_) => return true,
        }
    }
}

/// Whether `s` is open with nothing to read, without waiting.
fn still_open(s: &TcpStream) -> bool {
    s.set_nonblocking(true).expect("nonblocking");
    let r = (&*s).read(&mut [0u8; 16]);
    s.set_nonblocking(false).expect("blocking");
    matches!(r, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
}

#[test]
fn malformed_and_oversized_pdus_abort_the_connection_and_the_daemon_stays_up() {
    if !dcmtk() {
        return;
    }
    let home = Home::new();
    let (_d, port) = scp(&home, json!({"MaximumPduLength": 16384}));
    let connect = || TcpStream::connect(("127.0.0.1", port)).expect("connect");
    // An A-ASSOCIATE-RQ declaring 1 GiB.
    let mut s = connect();
    s.write_all(&[0x01, 0, 0x40, 0, 0, 0]).expect("write");
    assert!(closed_within(&mut s, 5));
    // Garbage.
    let mut s = connect();
    s.write_all(b"GET / HTTP/1.1\r\n\r\n").expect("write");
    assert!(closed_within(&mut s, 5));
    // A malformed A-ASSOCIATE-RQ (a short body).
    let mut s = connect();
    s.write_all(&[0x01, 0, 0, 0, 0, 4, 0, 1, 0, 0])
        .expect("write");
    assert!(closed_within(&mut s, 5));
    // After an association: a P-DATA larger than the maximum we announced.
    let mut assoc = associate(port, MR);
    let stream = assoc.inner_stream();
    let mut big = vec![0x04, 0];
    big.extend_from_slice(&(1u32 << 20).to_be_bytes());
    big.extend_from_slice(&[0; 4096]);
    let _ = stream.write_all(&big);
    assert!(closed_within(stream, 5));
    let e = echoscu(port, &[]);
    assert!(e.status.success(), "the daemon is up: {}", stderr(&e));
}

#[test]
fn two_hundred_idle_connections_do_not_stop_an_echo_and_are_closed_after_the_timeout() {
    if !dcmtk() {
        return;
    }
    let home = Home::new();
    let (_d, port) = scp(&home, json!({"DicomScpTimeout": 4}));
    let mut idle: Vec<TcpStream> = (0..200)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).expect("connect"))
        .collect();
    // Half of them started an A-ASSOCIATE-RQ and stopped.
    for s in idle.iter_mut().step_by(2) {
        s.write_all(&[0x01, 0, 0, 0, 0x01]).expect("write");
    }
    // An associated but silent one.
    let mut silent = associate(port, MR);
    let e = echoscu(port, &[]);
    assert!(e.status.success(), "echoscu: {}", stderr(&e));
    // The echo was served while they were all held open.
    let open = idle.iter().filter(|s| still_open(s)).count();
    assert!(open > 150, "only {open} idle connections were still open");
    for s in &mut idle {
        assert!(closed_within(s, 10), "an idle connection was kept");
    }
    assert!(closed_within(silent.inner_stream(), 10));
    assert!(echoscu(port, &[]).status.success());
}

#[test]
fn associations_beyond_the_limit_are_refused_as_transient() {
    if !dcmtk() {
        return;
    }
    let home = Home::new();
    let (_d, port) = scp(&home, json!({"DicomScpTimeout": 20}));
    let _held: Vec<TcpStream> = (0..dicomq::net::scp::MAX_ASSOCIATIONS)
        .map(|_| TcpStream::connect(("127.0.0.1", port)).expect("connect"))
        .collect();
    let e = poll(10, "a refusal", || {
        let e = echoscu(port, &[]);
        (!e.status.success()).then_some(e)
    });
    let text = format!("{}{}", stdout(&e), stderr(&e));
    assert!(
        text.contains("Transient") || text.contains("transient"),
        "{text}"
    );
}

#[test]
fn an_instance_acknowledged_before_a_kill_is_stored_after_restart() {
    if !dcmtk() {
        return;
    }
    let home = Home::new();
    let (mut d, port) = scp(&home, json!({}));
    let dir = tempfile::tempdir().expect("tempdir");
    let files = sources(dir.path(), 3);
    let s = storescu(port, &[], &files);
    assert!(s.status.success(), "{}", stderr(&s));
    d.kill9();
    assert_eq!(instance_count(&home), 3);
    // The open that counted them deleted the empty files the daemon had created ahead.
    let left = dicomq_testdata::files_under(&home.path().join("storage"));
    assert_eq!(left.len(), 3, "{left:?}");
}

/// A `kill -9` at three moments of a stream of C-STOREs on one association, answered while
/// each instance's file sync runs beside its index commit: after the restart every instance
/// acknowledged is indexed with its data set stored byte for byte, and the index and the files
/// agree (`dicomq check`: no row without its file, no file without its row).
#[test]
fn a_kill_in_mid_stream_keeps_every_acknowledged_instance_whole() {
    if !dcmtk() {
        return;
    }
    // The kill comes a few milliseconds after a number of acknowledgements, not at a fixed
    // time: a slow machine may not have answered the first C-STORE 30 ms in.
    for (round, (after_acks, then_ms)) in [(1usize, 0u64), (20, 3), (60, 7)].into_iter().enumerate()
    {
        let home = Home::new();
        let (mut d, port) = scp(&home, json!({}));
        let sent: Vec<(String, Vec<u8>)> = (0..400u64)
            .map(|i| {
                let spec = dicomq_testdata::small_instance_spec(1000 * round as u64 + i, 3000);
                let data = dataset_of(&spec.to_bytes()).to_vec();
                (spec.sop_uid.clone().expect("a SOP instance UID"), data)
            })
            .collect();
        let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut assoc = associate(port, MR);
        let id = context_of(&assoc, MR);
        let sender = {
            let (acked, sent) = (acked.clone(), sent.clone());
            std::thread::spawn(move || {
                for (n, (sop, data)) in sent.iter().enumerate() {
                    let pdv = |kind, bytes: &[u8]| PDataValue {
                        presentation_context_id: id,
                        value_type: kind,
                        is_last: true,
                        data: bytes.to_vec(),
                    };
                    let command = Dimse::store_rq(n as u16 + 1, MR, sop).encode();
                    for v in [
                        pdv(PDataValueType::Command, &command),
                        pdv(PDataValueType::Data, data),
                    ] {
                        if assoc.send(&Pdu::PData { data: vec![v] }).is_err() {
                            return;
                        }
                    }
                    let Ok(Pdu::PData { data }) = assoc.receive() else {
                        return;
                    };
                    let rsp = Dimse::decode(&data[0].data).expect("a command");
                    assert_eq!(rsp.status, Some(status::SUCCESS), "{rsp:?}");
                    acked.lock().expect("lock").push(n);
                }
            })
        };
        poll(30, "acknowledgements before the kill", || {
            (acked.lock().expect("lock").len() >= after_acks || sender.is_finished()).then_some(())
        });
        std::thread::sleep(Duration::from_millis(then_ms));
        d.kill9();
        sender.join().expect("sender");
        let acked = acked.lock().expect("lock").clone();
        assert!(
            !acked.is_empty(),
            "round {round}: nothing acknowledged before the kill"
        );
        assert!(
            acked.len() < sent.len(),
            "round {round}: the kill came after the last instance"
        );
        // The first open after the kill settles `incoming/`.
        let check = home.run(&["check"]);
        assert!(check.status.success(), "{}", stderr(&check));
        let stored: std::collections::HashSet<Vec<u8>> = home
            .stored_files()
            .iter()
            .map(|f| dataset_of(&std::fs::read(f).expect("read")).to_vec())
            .collect();
        assert_eq!(stored.len(), instance_count(&home), "one file per row");
        for n in &acked {
            assert!(
                stored.contains(&sent[*n].1),
                "round {round}: instance {n}, acknowledged, is not stored as sent"
            );
        }
    }
}

/// Without the import journal (each file synced beside a durable commit, as instances over
/// 1 MiB still are), what a power loss can leave that a `kill -9` cannot: rows committed beside
/// syncs that did not finish, their files back in `incoming/` (the publications lost) with the
/// bytes that reached the disk. Made by hand after a `kill -9`: one file short, one torn, one
/// whole. The next open of the real binary drops the rows of the first two (never
/// acknowledged: the answer waits for the sync), logs them `Deleted`, keeps the counters and
/// publishes the third.
#[test]
fn after_a_power_loss_the_rows_of_short_or_torn_received_files_are_dropped() {
    if !dcmtk() {
        return;
    }
    let home = Home::new();
    let (mut d, port) = scp_with_env(&home, json!({}), &[(JOURNAL_KNOB, "0")]);
    let dir = tempfile::tempdir().expect("tempdir");
    let files = sources(dir.path(), 4);
    let s = storescu(port, &[], &files);
    assert!(s.status.success(), "{}", stderr(&s));
    d.kill9();
    let stored = home.stored_files();
    assert_eq!(stored.len(), 4, "{stored:?}");
    let last = home.json(&["changes"])["Last"].as_u64().expect("Last");
    let incoming = home.path().join("storage/incoming");
    let mut moved = Vec::new();
    for f in &stored[..3] {
        let to = incoming.join(f.file_name().expect("a name"));
        std::fs::rename(f, &to).expect("back to incoming/");
        moved.push(to);
    }
    let bytes = std::fs::read(&moved[0]).expect("read");
    std::fs::write(&moved[0], &bytes[..bytes.len() / 2]).expect("short");
    let mut torn = std::fs::read(&moved[1]).expect("read");
    let n = torn.len();
    torn[n - 200..n - 100].fill(0xAA);
    std::fs::write(&moved[1], torn).expect("torn");

    let check = home.run(&["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert_eq!(instance_count(&home), 2);
    let left = home.stored_files();
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left.iter().all(|f| !f.starts_with(&incoming)), "{left:?}");
    let status = home.run(&["--json", "status"]);
    let status: Value = serde_json::from_slice(&status.stdout).expect("status is JSON");
    assert_eq!(
        status["store"]["instances"], 2,
        "the counters follow: {status}"
    );
    let changes = home.json(&["changes", "--since", &last.to_string()]);
    let deleted: Vec<&Value> = changes["Changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["ChangeType"] == "Deleted" && c["ResourceType"] == "Instance")
        .collect();
    assert_eq!(deleted.len(), 2, "{changes}");
}

/// One record of `HOME/imports.journal` (src/store/import_journal.rs): where it is, its
/// sequence number, its file's key, and its file's bytes.
struct JournalRecord {
    at: u64,
    len: u64,
    seq: u64,
    key: String,
    bytes: Vec<u8>,
}

/// The records of the journal from offset 0 while they follow each other (magic, generation,
/// seq, payload length, CRC-32; the payload: head length, JSON head, the file's bytes).
fn journal_records(home: &Home) -> Vec<JournalRecord> {
    let journal = std::fs::read(home.path().join("imports.journal")).expect("the journal");
    let (mut at, mut out) = (0usize, Vec::<JournalRecord>::new());
    let u64_at = |i: usize| u64::from_le_bytes(journal[i..i + 8].try_into().expect("8"));
    let u32_at = |i: usize| u32::from_le_bytes(journal[i..i + 4].try_into().expect("4"));
    while at + 28 <= journal.len() && &journal[at..at + 4] == b"DQI1" {
        let seq = u64_at(at + 12);
        if out.last().is_some_and(|r| r.seq + 1 != seq) {
            break;
        }
        let len = u32_at(at + 20) as usize;
        let payload = &journal[at + 28..at + 28 + len];
        let head_len = u32::from_le_bytes(payload[..4].try_into().expect("4")) as usize;
        let head: Value = serde_json::from_slice(&payload[4..4 + head_len]).expect("JSON head");
        out.push(JournalRecord {
            at: at as u64,
            len: 28 + len as u64,
            seq,
            key: head["key"].as_str().expect("key").to_string(),
            bytes: payload[4 + head_len..].to_vec(),
        });
        at += 28 + len;
    }
    out
}

/// The instance counters `dicomq status` shows.
fn counted_instances(home: &Home) -> u64 {
    let status = home.run(&["--json", "status"]);
    let status: Value = serde_json::from_slice(&status.stdout).expect("status is JSON");
    status["store"]["instances"].as_u64().expect("a count")
}

/// A `kill -9` right after the last response: the index commits of the received instances
/// were deferred (not durable) and are lost with the process, their records in the import
/// journal are not. The next open (a daemon, here with the REST API) imports them again: every
/// acknowledged instance is listed once, stored as sent, counted, logged as a new instance,
/// with the metadata its C-STORE attached.
#[test]
fn a_kill_right_after_the_responses_loses_no_instance_nor_its_metadata() {
    if !dcmtk() {
        return;
    }
    let home = Home::new();
    let (mut d, port) = scp(&home, json!({}));
    let dir = tempfile::tempdir().expect("tempdir");
    let files = sources(dir.path(), 30);
    let s = storescu(port, &["-aet", "MODALITY1"], &files);
    assert!(s.status.success(), "{}", stderr(&s));
    d.kill9();
    // The first small import of a new home is a checkpoint (durable, no record).
    assert_eq!(journal_records(&home).len(), 29, "one record per instance");

    let http = free_port();
    let mut d = home.daemon(&["--http", &format!("127.0.0.1:{http}")]);
    let get = |path: &str| -> Value {
        let o = Command::new("curl")
            .args(["-sf", &format!("http://127.0.0.1:{http}{path}")])
            .output()
            .expect("curl");
        serde_json::from_slice(&o.stdout).expect("JSON")
    };
    let ids = get("/instances");
    assert_eq!(ids.as_array().map(Vec::len), Some(30), "{ids}");
    let id = ids[0].as_str().expect("an instance");
    let m = get(&format!("/instances/{id}/metadata?expand"));
    assert_eq!(m["Origin"], "DicomProtocol", "{m}");
    assert_eq!(m["RemoteAET"], "MODALITY1", "{m}");
    d.terminate(20);

    assert_eq!(counted_instances(&home), 30);
    let changes = home.json(&["changes", "--limit", "1000"]);
    let new_instances = changes["Changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["ChangeType"] == "NewInstance")
        .count();
    assert_eq!(new_instances, 30, "{changes}");
    let sent: std::collections::HashSet<Vec<u8>> = files
        .iter()
        .map(|f| dataset_of(&std::fs::read(f).expect("read")).to_vec())
        .collect();
    let stored = home.stored_files();
    assert_eq!(stored.len(), 30, "{stored:?}");
    for f in &stored {
        let bytes = std::fs::read(f).expect("read");
        assert!(
            sent.contains(dataset_of(&bytes)),
            "{} is not as sent",
            f.display()
        );
    }
    let check = home.run(&["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
}

/// A power loss during the import journal's run: the answered instances' records are whole
/// (each answer waited for its record's flush) but their files, never synced, may be torn; the
/// last group's record, whose flush did not finish, is torn with its file (never answered).
/// Made by hand after a `kill -9`. The next open writes the answered files again from their
/// records and drops the last instance: never listed, its file gone.
#[test]
fn after_a_power_loss_torn_files_come_back_from_the_journal_and_a_torn_record_is_dropped() {
    if !dcmtk() {
        return;
    }
    let home = Home::new();
    let (mut d, port) = scp(&home, json!({}));
    let dir = tempfile::tempdir().expect("tempdir");
    // The first is a checkpoint (durable, no record), the next four have records.
    let files = sources(dir.path(), 5);
    let s = storescu(port, &[], &files);
    assert!(s.status.success(), "{}", stderr(&s));
    d.kill9();
    let records = journal_records(&home);
    assert_eq!(records.len(), 4);
    let stored = home.stored_files();
    let file_of = |key: &str| {
        stored
            .iter()
            .find(|f| f.file_name().and_then(|n| n.to_str()) == Some(key))
            .unwrap_or_else(|| panic!("no file {key} in {stored:?}"))
            .clone()
    };
    // The last record torn (a byte of its file's bytes not written), and its file short.
    let last = &records[3];
    let journal = home.path().join("imports.journal");
    let mut bytes = std::fs::read(&journal).expect("journal");
    bytes[(last.at + last.len - 10) as usize] ^= 0xFF;
    std::fs::write(&journal, &bytes).expect("tear the record");
    // Its file was never published (that waits for the flush): in `incoming/`, short.
    let incoming = home.path().join("storage/incoming");
    let never_answered = incoming.join(&last.key);
    let b = std::fs::read(file_of(&last.key)).expect("read");
    std::fs::remove_file(file_of(&last.key)).expect("unpublish");
    std::fs::write(&never_answered, &b[..b.len() / 2]).expect("short");
    // The answered ones: one short, one torn, one gone, all back in `incoming/` (the
    // publications lost).
    for (n, record) in records[..3].iter().enumerate() {
        let f = file_of(&record.key);
        let to = incoming.join(&record.key);
        std::fs::rename(&f, &to).expect("back to incoming/");
        let mut b = std::fs::read(&to).expect("read");
        match n {
            0 => b.truncate(100),
            1 => b[500..600].fill(0xAA),
            _ => b.clear(),
        }
        std::fs::write(&to, &b).expect("damage");
    }

    let check = home.run(&["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert_eq!(instance_count(&home), 4);
    assert_eq!(counted_instances(&home), 4);
    let left = home.stored_files();
    assert_eq!(left.len(), 4, "{left:?}");
    let stored: std::collections::HashSet<Vec<u8>> = left
        .iter()
        .map(|f| std::fs::read(f).expect("read"))
        .collect();
    for record in &records[..3] {
        assert!(
            stored.contains(&record.bytes),
            "record {} not stored whole",
            record.seq
        );
    }
    assert!(
        !stored
            .iter()
            .any(|b| dataset_of(b) == dataset_of(&last.bytes))
    );
    assert!(!never_answered.exists());
    // Settled: the next open replays nothing (the records are of an older generation now).
    let check = home.run(&["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert_eq!(instance_count(&home), 4);
    assert_eq!(home.stored_files(), left);
}

/// Checkpoints every 5 records: the journal is written again from offset 0 four times (the
/// stale records of older generations further on; a checkpoint's own instance, and a new
/// home's first, is not journaled), and an `rm` of an instance of the last generation commits durably, persisting
/// the deferred rows before it. After a `kill -9`, every instance acknowledged is listed and
/// the removed one does not come back.
#[test]
fn the_journal_wraps_around_at_checkpoints_and_a_removal_is_not_undone() {
    if !dcmtk() {
        return;
    }
    let home = Home::new();
    let (mut d, port) = scp_with_env(&home, json!({}), &[(JOURNAL_KNOB, "5")]);
    let dir = tempfile::tempdir().expect("tempdir");
    let files = sources(dir.path(), 29);
    let ids = || -> std::collections::BTreeSet<String> {
        home.json(&["ls", "instances"])
            .as_array()
            .expect("a list")
            .iter()
            .map(|i| i["ID"].as_str().expect("ID").to_string())
            .collect()
    };
    // Instances 1 (a new home's first), 7, 13, 19 and 25 are checkpoints: 2-6, 8-12, ... are
    // records 1-5, 6-10, ...
    let s = storescu(port, &[], &files[..25]);
    assert!(s.status.success(), "{}", stderr(&s));
    let before = ids();
    // Records 21 and 22, of generation 20; the first removed (a durable commit).
    let s = storescu(port, &[], &files[25..27]);
    assert!(s.status.success(), "{}", stderr(&s));
    let removed = ids()
        .difference(&before)
        .next()
        .expect("a new instance")
        .clone();
    let o = home.run(&["rm", &removed]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Records 23 and 24, deferred, lost with the process.
    let s = storescu(port, &[], &files[27..]);
    assert!(s.status.success(), "{}", stderr(&s));
    d.kill9();
    let records = journal_records(&home);
    let seqs: Vec<u64> = records.iter().map(|r| r.seq).collect();
    assert_eq!(
        seqs,
        [21, 22, 23, 24],
        "the journal was written again from offset 0"
    );

    let check = home.run(&["check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let listed = ids();
    assert_eq!(listed.len(), 28, "{listed:?}");
    assert!(!listed.contains(&removed), "the removed instance came back");
    assert_eq!(counted_instances(&home), 28);
    assert_eq!(home.stored_files().len(), 28);
}

/// A home whose database and storage were deleted (to start again) after a `kill -9`: the
/// import journal left there belongs to the old database, and none of its records comes back
/// into the new one.
#[test]
fn a_journal_left_beside_a_new_database_is_not_replayed_into_it() {
    if !dcmtk() {
        return;
    }
    let home = Home::new();
    let (mut d, port) = scp(&home, json!({}));
    let dir = tempfile::tempdir().expect("tempdir");
    let files = sources(dir.path(), 3);
    let s = storescu(port, &[], &files);
    assert!(s.status.success(), "{}", stderr(&s));
    d.kill9();
    assert_eq!(
        journal_records(&home).len(),
        2,
        "the first was a checkpoint"
    );
    std::fs::remove_file(home.path().join("index.redb")).expect("rm index.redb");
    std::fs::remove_dir_all(home.path().join("storage")).expect("rm storage");
    assert_eq!(instance_count(&home), 0, "an inline open leaves it alone");
    let (mut d, port) = scp(&home, json!({}));
    assert_eq!(instance_count(&home), 0);
    let s = storescu(port, &[], &files[..1]);
    assert!(s.status.success(), "{}", stderr(&s));
    d.kill9();
    assert_eq!(instance_count(&home), 1);
}

#[test]
fn orthanc_sends_to_dicomq_by_c_store_and_the_ids_match() {
    let port = free_port();
    let Some(orthanc) = common::orthanc::Orthanc::start(json!({
        "DicomModalities": {"dicomq": ["DICOMQ", "127.0.0.1", port]},
    })) else {
        return;
    };
    let home = Home::new();
    std::fs::write(home.path().join("config.json"), "{}").expect("config");
    let _d = home.daemon(&["--dicom", &format!("127.0.0.1:{port}")]);
    let dir = tempfile::tempdir().expect("tempdir");
    let files = sources(dir.path(), 6);
    let mut ids: Vec<String> = files.iter().map(|f| orthanc.upload(f)).collect();
    ids.sort();
    let (code, answer) = orthanc.post(
        "/modalities/dicomq/store",
        &json!({"Resources": ids, "Synchronous": true}),
    );
    assert_eq!(code, 200, "{answer}");
    let mut ours: Vec<String> = home
        .json(&["ls", "instances"])
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v["ID"].as_str().expect("ID").to_string())
        .collect();
    ours.sort();
    assert_eq!(ours, ids);
}
