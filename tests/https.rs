//! HTTPS on `daemon --http`, with real clients (curl, openssl s_client) and certificates made by
//! the openssl CLI in each test (no key is committed).

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::certs::Pki;
use common::{Daemon, Home, free_port, have_tool, poll, stderr, stdout};

/// The test PKI, when openssl and curl are installed.
fn pki() -> Option<Pki> {
    if !have_tool("curl") {
        return None;
    }
    Pki::new()
}

fn config(home: &Home, json: &str) {
    std::fs::write(home.path().join("config.json"), json).expect("config");
}

fn https_config(cert: &Path, extra: &str) -> String {
    format!(
        r#"{{"SslEnabled": true, "SslCertificate": "{}"{extra}}}"#,
        cert.display()
    )
}

/// Starts the daemon on a free loopback port and waits for the port.
fn start(home: &Home) -> (Daemon, u16) {
    let port = free_port();
    let d = home.daemon(&["--http", &format!("127.0.0.1:{port}")]);
    poll(10, "the HTTPS port", || {
        std::net::TcpStream::connect(("127.0.0.1", port))
            .ok()
            .map(|_| ())
    });
    (d, port)
}

/// curl's exit code and the HTTP status (0 when there was no answer).
fn curl(args: &[&str]) -> (i32, u16) {
    let o = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "20",
        ])
        .args(args)
        .output()
        .expect("curl runs");
    let status = stdout(&o).trim().parse().unwrap_or(0);
    (o.status.code().unwrap_or(-1), status)
}

fn url(port: u16, path: &str) -> String {
    format!("https://localhost:{port}{path}")
}

/// Whether `openssl s_client` with these options completes a handshake.
fn s_client(port: u16, opts: &[&str]) -> bool {
    let o = Command::new("openssl")
        .arg("s_client")
        .args(opts)
        .args(["-connect", &format!("127.0.0.1:{port}")])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("openssl runs");
    o.status.success() && stdout(&o).contains("Cipher is ") && !stdout(&o).contains("(NONE)")
}

/// The daemon's stderr once it has stopped.
fn logs(mut d: Daemon) -> String {
    assert!(d.terminate(20).success());
    let mut err = String::new();
    if let Some(mut e) = d.child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    err
}

#[test]
fn curl_reaches_the_api_only_with_the_ca_and_the_right_name() {
    let Some(pki) = pki() else { return };
    pki.ca("ca");
    let cert = pki.leaf("server", "ca", "localhost", 1);
    let home = Home::new();
    config(&home, &https_config(&cert, ""));
    let (_d, port) = start(&home);
    let ca = pki.path("ca.pem");
    let ca = ca.to_str().expect("utf-8");
    assert_eq!(curl(&["--cacert", ca, &url(port, "/system")]), (0, 200));
    // Unknown CA: curl's 60, "SSL certificate problem".
    assert_eq!(curl(&[&url(port, "/system")]).0, 60);
    // A name the certificate does not hold.
    let wrong = format!("wrong.example:{port}:127.0.0.1");
    let (code, status) = curl(&[
        "--cacert",
        ca,
        "--resolve",
        &wrong,
        &format!("https://wrong.example:{port}/system"),
    ]);
    assert!(code != 0 && status == 0, "wrong host name: curl {code}");
    // Plain HTTP to the HTTPS port gets no answer.
    assert_eq!(curl(&[&format!("http://127.0.0.1:{port}/system")]).1, 0);
    // TLS 1.2 and 1.3 are served; TLS 1.0 and 1.1 are refused (SECLEVEL=0 lets openssl try).
    assert!(s_client(port, &["-tls1_2"]));
    assert!(s_client(port, &["-tls1_3"]));
    assert!(!s_client(port, &["-tls1", "-cipher", "DEFAULT@SECLEVEL=0"]));
    assert!(!s_client(
        port,
        &["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"]
    ));
    assert_eq!(curl(&["--cacert", ca, &url(port, "/jobs")]), (0, 200));
}

#[test]
fn tls_1_3_only_when_asked() {
    let Some(pki) = pki() else { return };
    pki.ca("ca");
    let cert = pki.leaf("server", "ca", "localhost", 1);
    let home = Home::new();
    config(
        &home,
        &https_config(&cert, r#", "SslMinimumProtocolVersion": 5"#),
    );
    let (_d, port) = start(&home);
    assert!(s_client(port, &["-tls1_3"]));
    assert!(!s_client(port, &["-tls1_2"]));
}

#[test]
fn garbage_and_stalled_handshakes_do_not_block_other_clients() {
    let Some(pki) = pki() else { return };
    pki.ca("ca");
    let cert = pki.leaf("server", "ca", "localhost", 1);
    let home = Home::new();
    config(&home, &https_config(&cert, ""));
    let (_d, port) = start(&home);
    let ca = pki.path("ca.pem");
    let ca = ca.to_str().expect("utf-8");
    // Garbage: the connection is closed.
    let mut garbage = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    garbage
        .write_all(&[0x16, 0x03, 0x01, 0xff, 0xff, 0, 1, 2, 3])
        .expect("write");
    garbage.write_all(&[0xaa; 4096]).expect("write");
    garbage
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut buf = [0u8; 256];
    let closed = loop {
        match garbage.read(&mut buf) {
            Ok(0) | Err(_) => break true,
            Ok(_) => continue, // a TLS alert, then the close
        }
    };
    assert!(closed);
    // Many clients stalled in their handshake: some connected only, some halfway through a
    // ClientHello. The others are served meanwhile.
    let mut stalled = Vec::new();
    for i in 0..50 {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        if i % 2 == 0 {
            s.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
                .expect("write");
        }
        stalled.push(s);
    }
    let started = Instant::now();
    for _ in 0..5 {
        assert_eq!(curl(&["--cacert", ca, &url(port, "/system")]), (0, 200));
    }
    assert!(started.elapsed() < Duration::from_secs(5), "served at once");
    // The stalled ones are closed by the handshake timeout (10 s).
    let s = &mut stalled[0];
    s.set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let waited = Instant::now();
    let n = s.read(&mut buf).unwrap_or(0);
    assert!(n == 0 || buf[0] == 0x15, "closed (or an alert)");
    assert!(waited.elapsed() < Duration::from_secs(15));
    assert_eq!(curl(&["--cacert", ca, &url(port, "/system")]), (0, 200));
}

#[test]
fn client_certificates_required_when_configured() {
    let Some(pki) = pki() else { return };
    pki.ca("ca");
    pki.ca("clients");
    pki.ca("stranger");
    let cert = pki.leaf("server", "ca", "localhost", 1);
    pki.leaf("alice", "clients", "alice", 1);
    pki.leaf("mallory", "stranger", "mallory", 1);
    let home = Home::new();
    let trusted = pki.path("clients.pem");
    config(
        &home,
        &https_config(
            &cert,
            &format!(
                r#", "SslVerifyPeers": true, "SslTrustedClientCertificates": "{}""#,
                trusted.display()
            ),
        ),
    );
    let (_d, port) = start(&home);
    let ca = pki.path("ca.pem");
    let ca = ca.to_str().expect("utf-8");
    let with = |who: &str| {
        let crt = pki.path(&format!("{who}.crt"));
        let key = pki.path(&format!("{who}.key"));
        curl(&[
            "--cacert",
            ca,
            "--cert",
            crt.to_str().expect("utf-8"),
            "--key",
            key.to_str().expect("utf-8"),
            &url(port, "/system"),
        ])
    };
    assert_eq!(with("alice"), (0, 200));
    assert_eq!(
        curl(&["--cacert", ca, &url(port, "/system")]).1,
        0,
        "no client certificate"
    );
    assert_eq!(with("mallory").1, 0, "a client certificate of another CA");
}

#[test]
fn separate_key_file() {
    let Some(pki) = pki() else { return };
    pki.ca("ca");
    pki.leaf("server", "ca", "localhost", 1);
    let home = Home::new();
    config(
        &home,
        &format!(
            r#"{{"SslEnabled": true, "SslCertificate": "{}", "SslPrivateKey": "{}"}}"#,
            pki.path("server.crt").display(),
            pki.path("server.key").display()
        ),
    );
    let (_d, port) = start(&home);
    let ca = pki.path("ca.pem");
    assert_eq!(
        curl(&[
            "--cacert",
            ca.to_str().expect("utf-8"),
            &url(port, "/system")
        ]),
        (0, 200)
    );
}

/// `daemon --http` with this config fails at start, before the database is created; gives
/// stderr.
fn refused(home: &Home, json: &str, addr: &str) -> String {
    config(home, json);
    let o = home.run(&["daemon", "--http", addr]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!home.path().join("index.redb").exists(), "nothing touched");
    stderr(&o)
}

#[test]
fn bad_certificates_stop_the_daemon_at_start_naming_file_and_reason() {
    let Some(pki) = pki() else { return };
    pki.ca("ca");
    pki.leaf("server", "ca", "localhost", 1);
    pki.leaf("other", "ca", "localhost", 1);
    let expired = pki.leaf("expired", "ca", "localhost", -1);
    let addr = format!("127.0.0.1:{}", free_port());
    let home = Home::new();
    let file = |n: &str| pki.path(n).display().to_string();
    let cases = [
        (file("missing.pem"), None, "missing.pem: No such file"),
        (file("server.crt"), None, "holds no private key"),
        (expired.display().to_string(), None, "expired on"),
        (
            file("server.crt"),
            Some(file("other.key")),
            "does not match",
        ),
        (file("server.key"), None, "holds no certificate"),
        (
            file("server.crt"),
            Some(file("server.crt")),
            "holds no private key",
        ),
    ];
    for (cert, key, reason) in cases {
        let key = key.map_or(String::new(), |k| format!(r#", "SslPrivateKey": "{k}""#));
        let json = format!(r#"{{"SslEnabled": true, "SslCertificate": "{cert}"{key}}}"#);
        let err = refused(&home, &json, &addr);
        assert!(err.contains(reason), "{reason}: {err}");
        assert!(
            err.contains("SslCertificate") || err.contains("SslPrivateKey"),
            "{err}"
        );
    }
    let err = refused(&home, &https_config(pki.dir.path(), ""), &addr);
    assert!(err.contains("not a regular file"), "a directory: {err}");
    let err = refused(
        &home,
        &https_config(
            &pki.path("server.pem"),
            r#", "SslMinimumProtocolVersion": 2"#,
        ),
        &addr,
    );
    assert!(err.contains("TLS 1.0") && err.contains("use 4"), "{err}");
    let err = refused(
        &home,
        &https_config(&pki.path("server.pem"), r#", "SslVerifyPeers": true"#),
        &addr,
    );
    assert!(err.contains("SslTrustedClientCertificates"), "{err}");
}

#[test]
fn sighup_reloads_the_certificate_and_keeps_jobs() {
    let Some(pki) = pki() else { return };
    pki.ca("ca1");
    pki.ca("ca2");
    let first = pki.leaf("first", "ca1", "localhost", 1);
    let second = pki.leaf("second", "ca2", "localhost", 1);
    let served = pki.path("served.pem");
    std::fs::copy(&first, &served).expect("copy");
    let home = Home::new();
    config(&home, &https_config(&served, ""));
    let (d, port) = start(&home);
    let ca1 = pki.path("ca1.pem");
    let ca2 = pki.path("ca2.pem");
    let get = |ca: &Path| curl(&["--cacert", ca.to_str().expect("utf-8"), &url(port, "/jobs")]);
    assert_eq!(get(&ca1), (0, 200));
    let job = stdout(&home.run(&[
        "debug",
        "sleep-job",
        "--steps",
        "20",
        "--step-ms",
        "100",
        "--async",
    ]))
    .trim()
    .to_string();
    assert_eq!(job.len(), 36, "a job ID");
    let hup = || {
        let pid = d.child.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-HUP", &pid])
                .status()
                .expect("kill")
                .success()
        );
    };
    std::fs::copy(&second, &served).expect("copy");
    hup();
    poll(10, "the new certificate", || {
        (get(&ca2) == (0, 200)).then_some(())
    });
    assert_ne!(get(&ca1).0, 0, "the old certificate is gone");
    // A broken file: the certificate in use stays.
    std::fs::write(&served, "-----BEGIN CERTIFICATE-----\nnot base64\n").expect("write");
    hup();
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(get(&ca2), (0, 200));
    // The job submitted before the reloads runs to its end.
    let o = home.run(&["jobs", "wait", &job]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(home.json(&["jobs", "show", &job])["State"], "Success");
    let logs = logs(d);
    assert!(
        logs.contains("SIGHUP: reloaded the HTTPS certificate"),
        "{logs}"
    );
    assert!(
        logs.contains("keeping the HTTPS certificate in use") && logs.contains("served.pem"),
        "{logs}"
    );
}

#[test]
fn plain_http_beyond_loopback_is_refused_unless_allowed() {
    let home = Home::new();
    let port = free_port();
    let addr = format!("0.0.0.0:{port}");
    let err = refused(&home, "{}", &addr);
    assert!(
        err.contains("plain HTTP") && err.contains("hint:") && err.contains("AllowInsecureRemote"),
        "{err}"
    );
    config(&home, r#"{"AllowInsecureRemote": true}"#);
    let d = home.daemon(&["--http", &addr]);
    poll(10, "the HTTP port", || {
        std::net::TcpStream::connect(("127.0.0.1", port))
            .ok()
            .map(|_| ())
    });
    let logs = logs(d);
    assert!(logs.contains("in clear"), "{logs}");
}

#[test]
fn remote_access_without_tls_warns_at_start() {
    let home = Home::new();
    config(
        &home,
        r#"{"RemoteAccessAllowed": true, "RegisteredUsers": {"alice": "pw"}}"#,
    );
    let (d, port) = start(&home);
    let (code, status) = curl(&["-u", "alice:pw", &format!("http://127.0.0.1:{port}/system")]);
    assert_eq!((code, status), (0, 200));
    let logs = logs(d);
    assert!(
        logs.contains("RemoteAccessAllowed without SslEnabled")
            && logs.contains("credentials in clear"),
        "{logs}"
    );
}

/// A home with `config` and two instances stored; their IDs, sorted.
fn sender(config_json: serde_json::Value) -> (Home, Vec<String>) {
    let home = Home::new();
    config(&home, &config_json.to_string());
    let src = home.path().join("src");
    dicomq_testdata::write_files(&src, 2, 600).expect("instances");
    let out = home.run(&["store", src.to_str().expect("utf-8")]);
    assert!(out.status.success(), "store: {}", stderr(&out));
    let mut ids = common::ids(&home.json(&["ls", "instances"]));
    ids.sort();
    (home, ids)
}

/// An https:// peer (another dicomq serving HTTPS): verified against `HttpsCACertificates`,
/// refused at once with the TLS reason against the system's CAs, taken unverified when
/// `HttpsVerifyPeers` is false.
#[test]
fn an_https_peer_is_verified_against_the_configured_cas() {
    let Some(pki) = pki() else { return };
    pki.ca("ca");
    let cert = pki.leaf("server", "ca", "localhost", 1);
    let peer_home = Home::new();
    config(&peer_home, &https_config(&cert, ""));
    let (_d, port) = start(&peer_home);
    let peer = serde_json::json!({"OrthancPeers": {"secure": [url(port, "")]}});
    let ca = pki.path("ca.pem");
    let mut trusting = peer.clone();
    trusting["HttpsCACertificates"] = ca.display().to_string().into();
    let (home, ids) = sender(trusting);
    let out = home.run(&["send", "--peer", "secure", &ids[0], &ids[1]]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut got = common::ids(&peer_home.json(&["ls", "instances"]));
    got.sort();
    assert_eq!(got, ids);
    // The system's CAs do not know ours: a clear, permanent failure.
    let (home, ids) = sender(peer.clone());
    let started = Instant::now();
    let out = home.run(&["send", "--peer", "secure", &ids[0]]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("TLS failed") && err.contains("UnknownIssuer"),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "retried: {err}"
    );
    // Unverified, as asked.
    let mut unverified = peer;
    unverified["HttpsVerifyPeers"] = false.into();
    let (home, ids) = sender(unverified);
    let out = home.run(&["send", "--peer", "secure", &ids[0]]);
    assert!(out.status.success(), "{}", stderr(&out));
}
