//! Refusing a hostile file costs little memory: at most its size plus the 64 MiB inflation cap
//! (a file of its own, so that the children measured are only these commands).

mod common;

use std::fs;

use common::{Home, stderr};
use dicomq_testdata::malformed as bad;

/// The largest resident size of any child waited for so far, in bytes.
fn children_max_rss() -> u64 {
    // SAFETY: getrusage only writes into the struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(rc, 0);
    usage.ru_maxrss as u64 * 1024
}

#[test]
fn refusing_huge_declared_lengths_and_deflate_bombs_stays_small() {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    // The baseline: a command that reads nothing.
    assert!(home.run(&["ls", "patients"]).status.success());
    let baseline = children_max_rss();
    let cases = [
        (
            "huge-ut.dcm",
            bad::huge_declared_length("mem-ut", 0x7FFF_FFF0),
            16u64 << 20,
        ),
        (
            "bomb.dcm",
            bad::deflate_bomb("mem-bomb", 1 << 30),
            // The cap, a copy of the file, and slack for the allocator.
            (64 << 20) + (16 << 20),
        ),
    ];
    for (name, bytes, allowed) in cases {
        let path = dir.path().join(name);
        fs::write(&path, &bytes).expect("write");
        let o = home.cmd().arg("store").arg(&path).output().expect("runs");
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stderr(&o));
        let used = children_max_rss().saturating_sub(baseline);
        assert!(
            used <= bytes.len() as u64 + allowed,
            "{name}: {} MiB over the baseline",
            used >> 20
        );
    }
}
