//! Idle connections to the daemon socket (issue 11, defect 13): a thousand clients that never say
//! hello (or stop in the middle of it, or say it and then nothing) hold no thread, a real command
//! is still served by the daemon, and the silent ones are closed after the hello timeout.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use common::{Home, poll, stderr};

/// Raises this process's soft limit of open files (the daemon, its child, inherits it).
fn raise_open_files_limit(wanted: u64) {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit/setrlimit only read and write `lim`, which outlives the calls.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim), 0);
        assert!(
            lim.rlim_max >= wanted,
            "the hard limit of open files ({}) is below {wanted}",
            lim.rlim_max
        );
        if lim.rlim_cur < wanted {
            lim.rlim_cur = wanted;
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &lim), 0);
        }
    }
}

fn threads_of(pid: u32) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("Threads: line")
}

/// A hello frame (u32 header length, JSON header, u64 body length).
fn hello_frame() -> Vec<u8> {
    let json = br#"{"Request":"Hello","version":1}"#;
    let mut f = (json.len() as u32).to_le_bytes().to_vec();
    f.extend_from_slice(json);
    f.extend_from_slice(&0u64.to_le_bytes());
    f
}

/// Whether the daemon closed `s` (end of stream, or an error), without waiting.
fn closed_by_daemon(s: &mut UnixStream) -> bool {
    s.set_nonblocking(true).expect("nonblocking");
    let mut buf = [0u8; 256];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue, // a hello answer, read past
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
            Err(_) => return true,
        }
    }
}

#[test]
fn a_thousand_idle_connections_do_not_stop_a_real_client() {
    raise_open_files_limit(4096);
    let home = Home::new();
    let d = home.daemon(&[]);
    let pid = d.child.id();
    let sock = home.path().join("daemon.sock");

    // 1000 that never send a byte, 50 that stop in the middle of a hello.
    let mut silent: Vec<UnixStream> = (0..1000)
        .map(|_| UnixStream::connect(&sock).expect("connect"))
        .collect();
    let half = hello_frame();
    for _ in 0..50 {
        let mut s = UnixStream::connect(&sock).expect("connect");
        s.write_all(&half[..half.len() / 2]).expect("half a hello");
        silent.push(s);
    }
    // 50 that say hello, read the answer, then say nothing more.
    let mut greeted: Vec<UnixStream> = (0..50)
        .map(|_| {
            let mut s = UnixStream::connect(&sock).expect("connect");
            s.write_all(&hello_frame()).expect("hello");
            s.set_read_timeout(Some(Duration::from_secs(10)))
                .expect("timeout");
            let mut len = [0u8; 4];
            s.read_exact(&mut len).expect("hello answer");
            s
        })
        .collect();

    // A real command, while the daemon holds the database: it can only be served by the daemon
    // (inline it would wait for the database and fail with exit 3 after the 1 s lock timeout).
    let o = home
        .cmd()
        .args(["--lock-timeout", "1", "ls", "patients"])
        .timeout(Duration::from_secs(30))
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !stderr(&o).contains("does not answer"),
        "the client fell back: {}",
        stderr(&o)
    );

    // No thread per connection (it used to be one each: 520 threads for 600 connections).
    let threads = threads_of(pid);
    assert!(threads < 64, "{threads} threads for 1100 idle connections");

    // The silent ones are closed after the hello timeout; the greeted ones stay usable.
    poll(20, "silent connections closed", || {
        silent.iter_mut().all(closed_by_daemon).then_some(())
    });
    let mut s = greeted.pop().expect("one greeted");
    assert!(!closed_by_daemon(&mut s), "a greeted connection was closed");
    assert!(home.run(&["ls", "patients"]).status.success());
}

/// A greeted connection speaking the real protocol.
fn greeted(sock: &std::path::Path) -> UnixStream {
    use dicomq::protocol::{PROTOCOL_VERSION, Request, Response, read_frame, write_frame};
    let mut s = UnixStream::connect(sock).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let hello = Request::Hello {
        version: PROTOCOL_VERSION,
    };
    write_frame(&mut s, &hello, &[]).expect("hello");
    let (answer, _) = read_frame::<Response>(&mut s).expect("hello answer");
    assert!(matches!(answer, Response::Hello { .. }), "{answer:?}");
    s
}

#[test]
fn requests_beyond_the_serving_limit_are_refused_as_busy() {
    use dicomq::protocol::{Request, Response, read_frame, write_frame};
    raise_open_files_limit(4096);
    let home = Home::new();
    let d = home.daemon(&[]);
    let sock = home.path().join("daemon.sock");
    let o = home.run(&[
        "debug",
        "sleep-job",
        "--steps",
        "1200",
        "--step-ms",
        "50",
        "--async",
    ]);
    let job = common::stdout(&o).trim().to_string();
    assert_eq!(job.len(), 36, "{}", stderr(&o));

    // 128 waits (of at most 25 s) hold every serving place, each on its thread.
    let wait = Request::WaitJob {
        id: job.clone(),
        timeout_ms: Some(25_000),
    };
    let mut waiters: Vec<UnixStream> = (0..128)
        .map(|_| {
            let mut s = greeted(&sock);
            write_frame(&mut s, &wait, &[]).expect("wait");
            s
        })
        .collect();
    // Every wait has its thread once the count stops growing (the daemon's own threads are
    // counted too, so reaching 128 alone does not say all the waits are served).
    let pid = d.child.id();
    let (mut seen, mut since) = (0, Instant::now());
    poll(20, "128 waits being served", || {
        let n = threads_of(pid);
        if n != seen {
            (seen, since) = (n, Instant::now());
        }
        (n >= 128 && since.elapsed() > Duration::from_millis(500)).then_some(())
    });

    // One more request: after a short wait, a clear refusal, not a hang.
    let mut extra = greeted(&sock);
    let started = Instant::now();
    write_frame(&mut extra, &Request::JobRows, &[]).expect("request");
    let (answer, _) = read_frame::<Response>(&mut extra).expect("an answer");
    match answer {
        Response::Error { message, hint, .. } => {
            assert!(message.contains("busy"), "{message}");
            assert!(hint.is_some());
        }
        other => panic!("expected a busy error, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(20));

    // The waits end: the daemon serves again.
    for s in waiters.iter_mut() {
        let (answer, _) = read_frame::<Response>(s).expect("wait answered");
        assert!(matches!(answer, Response::Job { .. }), "{answer:?}");
    }
    drop(waiters);
    let o = home.run(&["jobs", "cancel", &job]);
    assert!(o.status.success(), "{}", stderr(&o));
}
