//! DICOM TLS with real peers: DCMTK's `storescu +tls` / `echoscu +tls` sending to dicomq's
//! TLS-only SCP, and `dicomq send` / `dicomq echo` to DCMTK's `storescp +tls` checking our
//! client certificate. Certificates are made by openssl in each test (tests/common/certs.rs).

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::certs::Pki;
use common::{Daemon, Home, free_port, have_tool, poll, stderr, stdout};
use rustls::pki_types::pem::PemObject;
use serde_json::{Value, json};

/// openssl and DCMTK's TLS tools, or None (the test is skipped, or fails when validators are
/// required).
fn pki() -> Option<Pki> {
    if !["echoscu", "storescu", "storescp"]
        .iter()
        .all(|t| have_tool(t))
    {
        return None;
    }
    let pki = Pki::new()?;
    // One CA for everyone here, and one that signs nothing we trust.
    pki.ca("ca");
    pki.ca("stranger");
    pki.leaf("dicomq", "ca", "localhost", 1);
    pki.leaf("modality", "ca", "localhost", 1);
    pki.leaf("rogue", "stranger", "localhost", 1);
    Some(pki)
}

fn file(pki: &Pki, name: &str) -> String {
    pki.path(name).display().to_string()
}

/// The `DicomTls*` options with dicomq's certificate and the CA.
fn tls_options(pki: &Pki) -> Value {
    json!({
        "DicomTlsCertificate": file(pki, "dicomq.crt"),
        "DicomTlsPrivateKey": file(pki, "dicomq.key"),
        "DicomTlsTrustedCertificates": file(pki, "ca.pem"),
    })
}

/// `base` with the keys of `extra` set (a null removes the key).
fn with(mut base: Value, extra: Value) -> Value {
    if let (Value::Object(b), Value::Object(e)) = (&mut base, extra) {
        for (k, v) in e {
            if v.is_null() {
                b.remove(&k);
            } else {
                b.insert(k, v);
            }
        }
    }
    base
}

/// A daemon whose SCP is TLS-only on a free loopback port.
fn tls_scp(home: &Home, pki: &Pki, extra: Value) -> (Daemon, u16) {
    let config = with(
        with(tls_options(pki), json!({"DicomTlsEnabled": true})),
        extra,
    );
    std::fs::write(home.path().join("config.json"), config.to_string()).expect("config");
    let port = free_port();
    let d = home.daemon(&["--dicom", &format!("127.0.0.1:{port}")]);
    poll(10, "the DICOM port", || {
        TcpStream::connect(("127.0.0.1", port)).ok().map(|_| ())
    });
    (d, port)
}

/// A DCMTK SCU (`echoscu`, `storescu`) towards dicomq with `tls` options.
fn dcmtk_scu(tool: &str, port: u16, tls: &[&str], files: &[PathBuf]) -> Output {
    Command::new(tool)
        .args(["-aec", "DICOMQ", "-to", "10", "-ta", "10", "-td", "10"])
        .args(tls)
        .args(["127.0.0.1", &port.to_string()])
        .args(files)
        .output()
        .expect("DCMTK runs")
}

/// `+tls KEY CERT +cf CA`: a client with the modality's certificate, checking dicomq's.
fn modality_tls(pki: &Pki) -> Vec<String> {
    vec![
        "+tls".into(),
        file(pki, "modality.key"),
        file(pki, "modality.crt"),
        "+cf".into(),
        file(pki, "ca.pem"),
    ]
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The data set of a DICOM file (what follows its meta header).
fn data_set(bytes: &[u8]) -> Vec<u8> {
    let start = dicomq::net::data_set::start(bytes).expect("a DICOM file");
    bytes[start..].to_vec()
}

fn data_sets(files: &[PathBuf]) -> BTreeSet<Vec<u8>> {
    files
        .iter()
        .map(|p| data_set(&std::fs::read(p).expect("file")))
        .collect()
}

#[test]
fn storescu_over_tls_stores_the_files_as_sent_and_plain_tcp_is_refused() {
    let Some(pki) = pki() else { return };
    let home = Home::new();
    let (_d, port) = tls_scp(&home, &pki, json!({}));
    let tls = modality_tls(&pki);
    let o = dcmtk_scu("echoscu", port, &strs(&tls), &[]);
    assert!(o.status.success(), "echoscu +tls: {}", stderr(&o));
    let src = home.path().join("src");
    let files = dicomq_testdata::write_files(&src, 12, 2000).expect("files");
    let o = dcmtk_scu("storescu", port, &strs(&tls), &files);
    assert!(o.status.success(), "storescu +tls: {}", stderr(&o));
    assert_eq!(data_sets(&home.stored_files()), data_sets(&files));
    // Plain TCP to the TLS port: the association fails, the SCP goes on.
    let o = dcmtk_scu("echoscu", port, &[], &[]);
    assert!(!o.status.success(), "a plain echo was answered");
    let o = dcmtk_scu("storescu", port, &[], &files[..1]);
    assert!(!o.status.success(), "a plain store was answered");
    let o = dcmtk_scu("echoscu", port, &strs(&tls), &[]);
    assert!(o.status.success(), "after plain attempts: {}", stderr(&o));
    assert_eq!(home.stored_files().len(), 12);
}

#[test]
fn a_client_certificate_is_required_unless_configured_otherwise() {
    let Some(pki) = pki() else { return };
    let home = Home::new();
    let ca = file(&pki, "ca.pem");
    // `+tla`: TLS without a client certificate, dicomq's checked against the CA.
    let anonymous = ["+tla", "+cf", ca.as_str()];
    let stranger = [
        "+tls",
        &file(&pki, "rogue.key"),
        &file(&pki, "rogue.crt"),
        "+cf",
        ca.as_str(),
    ]
    .map(str::to_string);
    {
        let (_d, port) = tls_scp(&home, &pki, json!({}));
        let o = dcmtk_scu("echoscu", port, &anonymous, &[]);
        assert!(!o.status.success(), "no certificate was accepted");
        let o = dcmtk_scu("echoscu", port, &strs(&stranger), &[]);
        assert!(
            !o.status.success(),
            "a certificate of another CA was accepted"
        );
        let o = dcmtk_scu("echoscu", port, &strs(&modality_tls(&pki)), &[]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let (_d, port) = tls_scp(
        &home,
        &pki,
        json!({"DicomTlsRemoteCertificateRequired": false}),
    );
    let o = dcmtk_scu("echoscu", port, &anonymous, &[]);
    assert!(o.status.success(), "not required: {}", stderr(&o));
}

/// Whether the server closes `s` within `secs` (without a byte from us).
fn closed_within(s: &mut TcpStream, secs: u64) -> bool {
    s.set_read_timeout(Some(Duration::from_secs(secs)))
        .expect("timeout");
    let mut buf = [0u8; 512];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
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

#[test]
fn stalled_handshakes_are_closed_after_the_scp_timeout_and_others_are_served() {
    let Some(pki) = pki() else { return };
    let home = Home::new();
    let (_d, port) = tls_scp(&home, &pki, json!({"DicomScpTimeout": 2}));
    let mut stalled: Vec<TcpStream> = (0..20)
        .map(|i| {
            let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
            if i % 2 == 0 {
                // Half a ClientHello.
                use std::io::Write;
                s.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
                    .expect("write");
            }
            s
        })
        .collect();
    let started = Instant::now();
    let o = dcmtk_scu("echoscu", port, &strs(&modality_tls(&pki)), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(started.elapsed() < Duration::from_secs(2), "served at once");
    for s in &mut stalled {
        assert!(closed_within(s, 10), "a stalled handshake was kept open");
    }
}

/// A TLS client (no certificate asked for) announcing an A-ASSOCIATE-RQ of 4 GiB: closed as
/// soon as the header is read, before anything that size is buffered.
#[test]
fn an_oversized_association_request_inside_tls_is_refused_at_its_header() {
    let Some(pki) = pki() else { return };
    let home = Home::new();
    let (_d, port) = tls_scp(
        &home,
        &pki,
        json!({"DicomTlsRemoteCertificateRequired": false}),
    );
    let mut roots = rustls::RootCertStore::empty();
    let ca = std::fs::read(pki.path("ca.pem")).expect("ca");
    for cert in rustls::pki_types::CertificateDer::pem_slice_iter(&ca) {
        roots.add(cert.expect("pem")).expect("ca");
    }
    let config = rustls::ClientConfig::builder_with_provider(dicomq::tls::provider())
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let conn = rustls::ClientConnection::new(std::sync::Arc::new(config), name).expect("client");
    let tcp = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    tcp.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    use std::io::Write;
    tls.write_all(&[0x01, 0, 0xff, 0xff, 0xff, 0xf0])
        .expect("header");
    tls.write_all(&[0u8; 64 << 10]).expect("a first part");
    tls.flush().expect("flush");
    let started = Instant::now();
    let mut buf = [0u8; 256];
    // An A-ASSOCIATE-RJ/A-ABORT may come first, then the close.
    loop {
        match tls.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(_) => continue,
        }
    }
    assert!(started.elapsed() < Duration::from_secs(5), "kept reading");
    let o = dcmtk_scu("echoscu", port, &strs(&modality_tls(&pki)), &[]);
    assert!(o.status.success(), "the SCP goes on: {}", stderr(&o));
}

/// `daemon --dicom` with this config fails at start, before the database is created; gives
/// stderr.
fn refused(home: &Home, config: &Value) -> String {
    std::fs::write(home.path().join("config.json"), config.to_string()).expect("config");
    let addr = format!("127.0.0.1:{}", free_port());
    let o = home.run(&["daemon", "--dicom", &addr]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!home.path().join("index.redb").exists(), "nothing touched");
    stderr(&o)
}

#[test]
fn bad_certificate_files_stop_the_daemon_at_start_naming_them() {
    let Some(pki) = pki() else { return };
    pki.leaf("expired", "ca", "localhost", -1);
    // Without extensions, openssl issues an X.509 version 1 certificate (for dicomq's key).
    pki.openssl(&[
        "req",
        "-new",
        "-key",
        "dicomq.key",
        "-out",
        "v1.csr",
        "-subj",
        "/CN=v1",
    ]);
    pki.openssl(&[
        "x509",
        "-req",
        "-in",
        "v1.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "v1.crt",
        "-days",
        "1",
    ]);
    let home = Home::new();
    let on = with(tls_options(&pki), json!({"DicomTlsEnabled": true}));
    let cases = [
        (
            json!({"DicomTlsCertificate": file(&pki, "missing.crt")}),
            "DicomTlsCertificate",
            "missing.crt: No such file",
        ),
        (
            json!({"DicomTlsCertificate": file(&pki, "expired.crt"),
                   "DicomTlsPrivateKey": file(&pki, "expired.key")}),
            "DicomTlsCertificate",
            "expired on",
        ),
        (
            json!({"DicomTlsCertificate": file(&pki, "v1.crt")}),
            "DicomTlsCertificate",
            "X.509 version 1 certificate",
        ),
        (
            json!({"DicomTlsPrivateKey": file(&pki, "modality.key")}),
            "DicomTlsCertificate",
            "does not match",
        ),
        (
            json!({"DicomTlsPrivateKey": file(&pki, "dicomq.crt")}),
            "DicomTlsPrivateKey",
            "holds no private key",
        ),
        (
            json!({"DicomTlsTrustedCertificates": file(&pki, "dicomq.key")}),
            "DicomTlsTrustedCertificates",
            "holds no certificate",
        ),
        (
            json!({"DicomTlsTrustedCertificates": null}),
            "DicomTlsTrustedCertificates is not set",
            "DicomTlsRemoteCertificateRequired",
        ),
        (
            json!({"DicomTlsMinimumProtocolVersion": 3}),
            "DicomTlsMinimumProtocolVersion",
            "TLS 1.1",
        ),
    ];
    for (extra, option, reason) in cases {
        let err = refused(&home, &with(on.clone(), extra));
        assert!(
            err.contains(option) && err.contains(reason),
            "{reason}: {err}"
        );
    }
}

/// DCMTK's `storescp +tls` checking client certificates against the CA (`--require-peer-cert`),
/// writing what it receives into `dir`; killed when dropped.
struct TlsStoreScp {
    child: Child,
}

impl TlsStoreScp {
    fn start(pki: &Pki, cert: &str, dir: &Path, port: u16) -> TlsStoreScp {
        std::fs::create_dir_all(dir).expect("storescp dir");
        let child = Command::new("storescp")
            .args(["-aet", "STORESCP", "+xa", "--require-peer-cert", "+tls"])
            .arg(pki.path(&format!("{cert}.key")))
            .arg(pki.path(&format!("{cert}.crt")))
            .arg("+cf")
            .arg(pki.path("ca.pem"))
            .arg("-od")
            .arg(dir)
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn storescp");
        poll(10, "storescp's port", || {
            TcpStream::connect(("127.0.0.1", port)).ok().map(|_| ())
        });
        TlsStoreScp { child }
    }
}

impl Drop for TlsStoreScp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A home whose modality `scp` (storescp on `port`) has `UseDicomTls`, with `n` instances.
fn sender(pki: &Pki, port: u16, n: usize, extra: Value) -> Home {
    let home = Home::new();
    let config = with(
        with(
            tls_options(pki),
            json!({"DicomModalities": {
                "scp": {"AET": "STORESCP", "Host": "127.0.0.1", "Port": port, "Timeout": 5,
                        "UseDicomTls": true},
                "plain": {"AET": "STORESCP", "Host": "127.0.0.1", "Port": port, "Timeout": 5}
            }}),
        ),
        extra,
    );
    std::fs::write(home.path().join("config.json"), config.to_string()).expect("config");
    let src = home.path().join("src");
    dicomq_testdata::write_files(&src, n, 600).expect("instances");
    let out = home.run(&["store", src.to_str().expect("utf-8")]);
    assert!(out.status.success(), "store: {}", stderr(&out));
    std::fs::remove_dir_all(&src).expect("rm src");
    home
}

#[test]
fn dicomq_sends_over_tls_to_storescp_which_checks_our_certificate() {
    let Some(pki) = pki() else { return };
    let port = free_port();
    let home = sender(&pki, port, 5, json!({}));
    let dir = home.path().join("received");
    let _scp = TlsStoreScp::start(&pki, "modality", &dir, port);
    let echo = home.run(&["echo", "scp"]);
    assert!(echo.status.success(), "echo: {}", stderr(&echo));
    let patients = common::ids(&home.json(&["ls", "patients"]));
    let mut args = vec!["send", "scp"];
    args.extend(patients.iter().map(String::as_str));
    let out = home.run(&args);
    assert!(out.status.success(), "send: {}", stderr(&out));
    let received = dicomq_testdata::files_under(&dir);
    assert_eq!(received.len(), 5);
    assert_eq!(data_sets(&received), data_sets(&home.stored_files()));
    // The same storescp without TLS: a failed association, said so.
    let out = home.run(&["echo", "plain"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
}

#[test]
fn an_untrusted_server_or_a_refused_certificate_fails_the_send_at_once() {
    let Some(pki) = pki() else { return };
    let port = free_port();
    let dir = pki.path("received");
    // A server whose certificate no trusted CA signed.
    {
        let home = sender(&pki, port, 2, json!({}));
        let _scp = TlsStoreScp::start(&pki, "rogue", &dir, port);
        let patients = common::ids(&home.json(&["ls", "patients"]));
        let started = Instant::now();
        let out = home.run(&["send", "scp", &patients[0]]);
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        let err = stderr(&out);
        assert!(
            err.contains("TLS handshake failed") && err.contains("UnknownIssuer"),
            "{err}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "retried: {err}"
        );
    }
    // A client without a certificate, to a server requiring one.
    let home = sender(
        &pki,
        port,
        1,
        json!({"DicomTlsCertificate": null, "DicomTlsPrivateKey": null}),
    );
    let _scp = TlsStoreScp::start(&pki, "modality", &dir, port);
    let started = Instant::now();
    let out = home.run(&["echo", "scp"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("TLS"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10), "{err}");
    let patients = common::ids(&home.json(&["ls", "patients"]));
    let out = home.run(&["send", "scp", &patients[0]]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("TLS"), "{}", stderr(&out));
    assert!(dicomq_testdata::files_under(&dir).is_empty());
}

/// The real Orthanc (Debian's 1.10.1, DCMTK's TLS layer) both ways over DICOM TLS, each side
/// checking the other's certificate: Orthanc's C-STORE SCU into dicomq's TLS-only SCP, and
/// `dicomq send` into Orthanc's TLS SCP. The instance IDs match.
#[test]
fn orthanc_and_dicomq_exchange_instances_over_dicom_tls() {
    let Some(pki) = pki() else { return };
    let port = free_port();
    let Some(orthanc) = common::orthanc::Orthanc::start(json!({
        "DicomTlsEnabled": true,
        "DicomTlsCertificate": file(&pki, "modality.crt"),
        "DicomTlsPrivateKey": file(&pki, "modality.key"),
        "DicomTlsTrustedCertificates": file(&pki, "ca.pem"),
        "DicomModalities": {"dicomq": {"AET": "DICOMQ", "Host": "127.0.0.1", "Port": port,
                                       "UseDicomTls": true}},
    })) else {
        return;
    };
    let home = Home::new();
    let config = with(
        tls_options(&pki),
        json!({"DicomTlsEnabled": true, "DicomModalities": {"orthanc": {
            "AET": orthanc.aet, "Host": "127.0.0.1", "Port": orthanc.dicom_port,
            "UseDicomTls": true}}}),
    );
    std::fs::write(home.path().join("config.json"), config.to_string()).expect("config");
    let _d = home.daemon(&["--dicom", &format!("127.0.0.1:{port}")]);
    // Orthanc -> dicomq
    let src = pki.path("from-orthanc");
    let files = dicomq_testdata::write_files(&src, 4, 2000).expect("files");
    let mut ids: Vec<String> = files.iter().map(|f| orthanc.upload(f)).collect();
    ids.sort();
    let (code, answer) = orthanc.post(
        "/modalities/dicomq/store",
        &json!({"Resources": ids, "Synchronous": true}),
    );
    assert_eq!(code, 200, "{answer}: {}", orthanc.log());
    let mut ours = common::ids(&home.json(&["ls", "instances"]));
    ours.sort();
    assert_eq!(ours, ids);
    // dicomq -> Orthanc: other instances, stored in dicomq only.
    let echo = home.run(&["echo", "orthanc"]);
    assert!(echo.status.success(), "echo: {}", stderr(&echo));
    let more = pki.path("from-dicomq");
    std::fs::create_dir_all(&more).expect("dir");
    for seed in 1000..1003 {
        let bytes = dicomq_testdata::small_instance(seed, 2000);
        std::fs::write(more.join(format!("{seed}.dcm")), bytes).expect("file");
    }
    let out = home.run(&["store", more.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut all = common::ids(&home.json(&["ls", "instances"]));
    all.sort();
    let new: Vec<&str> = all
        .iter()
        .filter(|id| !ids.contains(id))
        .map(String::as_str)
        .collect();
    assert_eq!(new.len(), 3);
    let mut args = vec!["send", "orthanc"];
    args.extend(&new);
    let out = home.run(&args);
    assert!(
        out.status.success(),
        "send: {}: {}",
        stderr(&out),
        orthanc.log()
    );
    let mut theirs = orthanc.instances();
    theirs.sort();
    assert_eq!(theirs, all);
}

fn sighup(d: &Daemon) {
    let pid = d.child.id().to_string();
    let ok = Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .expect("kill")
        .success();
    assert!(ok, "kill -HUP");
}

/// SIGHUP reads the DICOM TLS certificate again (a renewed certificate, here from another CA);
/// a bad new file keeps the one in use, and the SCP never stops.
#[test]
fn sighup_reloads_the_dicom_tls_certificate() {
    let Some(pki) = pki() else { return };
    let (crt, key) = (pki.path("scp.crt"), pki.path("scp.key"));
    std::fs::copy(pki.path("dicomq.crt"), &crt).expect("copy");
    std::fs::copy(pki.path("dicomq.key"), &key).expect("copy");
    let home = Home::new();
    let (mut d, port) = tls_scp(
        &home,
        &pki,
        json!({"DicomTlsCertificate": crt, "DicomTlsPrivateKey": key}),
    );
    // The modality's certificate, checking dicomq's against `ca_file`.
    let echo_checking = |ca_file: &str| {
        let tls = [
            "+tls",
            &file(&pki, "modality.key"),
            &file(&pki, "modality.crt"),
            "+cf",
            &file(&pki, ca_file),
        ]
        .map(str::to_string);
        dcmtk_scu("echoscu", port, &strs(&tls), &[])
            .status
            .success()
    };
    assert!(echo_checking("ca.pem"));
    assert!(!echo_checking("stranger.pem"));
    std::fs::copy(pki.path("rogue.crt"), &crt).expect("copy");
    std::fs::copy(pki.path("rogue.key"), &key).expect("copy");
    sighup(&d);
    poll(10, "the new certificate served", || {
        echo_checking("stranger.pem").then_some(())
    });
    assert!(!echo_checking("ca.pem"));
    std::fs::write(&crt, "not a certificate\n").expect("write");
    sighup(&d);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        echo_checking("stranger.pem"),
        "the certificate in use is kept"
    );
    assert!(d.terminate(20).success());
    let mut err = String::new();
    if let Some(mut e) = d.child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    assert!(
        err.contains("SIGHUP: reloaded the DICOM TLS certificate"),
        "{err}"
    );
    assert!(
        err.contains("SIGHUP: keeping the DICOM TLS certificate in use")
            && err.contains("holds no certificate"),
        "{err}"
    );
}
