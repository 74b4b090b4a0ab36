//! A PostgreSQL index that cannot be used: unreachable, silent, a wrong database, a schema
//! newer than this dicomq. Each is refused with exit 3 and a message naming the database (its
//! password never shown) and the reason, within `--lock-timeout`, and nothing is written.

mod common;

use common::postgres::server;

use std::time::{Duration, Instant};

use common::{Home, stderr};

/// `dicomq --index URL --lock-timeout 2 ARGS`: its output and how long it took.
fn run(home: &Home, url: &str, args: &[&str]) -> (std::process::Output, Duration) {
    let start = Instant::now();
    let out = home
        .cmd()
        .args(["--index", url, "--lock-timeout", "2"])
        .args(args)
        .output()
        .expect("runs");
    (out, start.elapsed())
}

#[test]
fn an_unreachable_or_silent_server_is_refused_within_the_lock_timeout() {
    let home = Home::new();
    // Nothing listens on port 1: refused at once.
    let (out, took) = run(
        &home,
        "postgres://dicomq:s3cret@127.0.0.1:1/pacs",
        &["ls", "patients"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let e = stderr(&out);
    assert!(
        e.contains("PostgreSQL postgres://dicomq:***@127.0.0.1:1/pacs"),
        "{e}"
    );
    assert!(e.contains("refused"), "{e}");
    assert!(!e.contains("s3cret"), "the password is never shown: {e}");
    assert!(took < Duration::from_secs(10), "{took:?}");

    // A server that accepts and never answers: given up after the lock timeout, not hung.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let held = std::thread::spawn(move || {
        let mut kept = Vec::new();
        for stream in listener.incoming().take(8).flatten() {
            kept.push(stream);
        }
        std::thread::sleep(Duration::from_secs(15));
    });
    let (out, took) = run(
        &home,
        &format!("postgres://dicomq@127.0.0.1:{port}/pacs"),
        &["ls", "patients"],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(took < Duration::from_secs(10), "gave up after {took:?}");
    drop(held);

    // Not a URL at all.
    let (out, _) = run(&home, "pacs-db", &["ls", "patients"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("PostgreSQL URL"), "{}", stderr(&out));
}

#[test]
fn a_wrong_database_or_a_newer_schema_is_refused_and_left_alone() {
    let Some(server) = server() else { return };
    let home = Home::new();
    let (out, _) = run(&home, &server.url("no_such_db"), &["ls", "patients"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("does not exist"), "{}", stderr(&out));

    let url = server.new_database();
    let storage = tempfile::tempdir().expect("tempdir");
    let config = serde_json::json!({ "StorageDirectory": storage.path() });
    std::fs::write(home.path().join("config.json"), config.to_string()).expect("config");
    let (out, _) = run(&home, &url, &["ls", "patients"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // A later dicomq migrated it.
    server.psql(&url, "UPDATE dicomq_schema SET version = 999");
    let (out, _) = run(&home, &url, &["ls", "patients"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("schema version 999 is newer"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        server.psql(&url, "SELECT version FROM dicomq_schema"),
        "999"
    );
}
