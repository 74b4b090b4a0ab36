//! The fuzzers' findings as regression inputs (fuzz/README.md): every file under
//! `tests/fixtures/fuzz/<target>/` runs through the entry point its fuzz target calls
//! (fuzz/entry_points.rs). None may panic, and none may make dicomq allocate more than its size
//! plus 64 MB while refusing it. `tests/fixtures/fuzz/pending/` holds inputs that still crash
//! this build (a stack overflow or an abort would take the whole test binary down): they are
//! not run until the reader is fixed and they are moved up.

#[path = "../fuzz/entry_points.rs"]
mod entry_points;

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts the bytes live on the heap and their peak, to measure what an input makes dicomq
/// allocate.
struct PeakAllocator;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for PeakAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is to the system allocator.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is to the system allocator.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: PeakAllocator = PeakAllocator;

/// What a refused input may make dicomq allocate beyond its own size (issue 11).
const REFUSAL_HEADROOM: usize = 64 << 20;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz")
}

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("read fixture dir").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// The heap counters are global: one measured run at a time.
static MEASURING: Mutex<()> = Mutex::new(());

/// One run: whether it panicked (with the message), whether the input was accepted, and the
/// peak heap growth during the call.
fn run(entry: entry_points::Entry, bytes: &[u8]) -> (Result<bool, String>, usize) {
    let _one_at_a_time = MEASURING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let outcome = std::panic::catch_unwind(|| entry(bytes)).map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    });
    let grown = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    (outcome, grown)
}

#[test]
fn regression_inputs_neither_panic_nor_overallocate() {
    let mut failures = Vec::new();
    for (target, entry) in entry_points::TARGETS {
        for path in inputs(&fixtures().join(target)) {
            let bytes = std::fs::read(&path).expect("read fixture");
            match run(*entry, &bytes) {
                (Err(message), _) => failures.push(format!("{}: panic: {message}", path.display())),
                (Ok(false), grown) if grown > bytes.len() + REFUSAL_HEADROOM => failures.push(
                    format!("{}: refused after allocating {grown} bytes", path.display()),
                ),
                _ => {}
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A folder with a misspelt target name would be skipped in silence.
#[test]
fn every_fixture_folder_names_a_target() {
    let known = |name: &str| entry_points::TARGETS.iter().any(|(t, _)| *t == name);
    let folders = |root: &Path| -> Vec<(PathBuf, String)> {
        let Ok(entries) = std::fs::read_dir(root) else {
            return Vec::new();
        };
        entries
            .map(|e| e.expect("read fixture dir").path())
            .filter(|p| p.is_dir())
            .map(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                (p.clone(), name.to_string())
            })
            .collect()
    };
    let top = folders(&fixtures());
    assert!(!top.is_empty(), "no folder under {}", fixtures().display());
    for (dir, name) in top {
        assert!(
            known(&name) || name == "pending",
            "{} is not a fuzz target's folder",
            dir.display()
        );
    }
    for (dir, name) in folders(&fixtures().join("pending")) {
        assert!(
            known(&name),
            "{} is not a fuzz target's folder",
            dir.display()
        );
    }
}

/// The harness itself: a refused input and an accepted one are told apart, and a refusal that
/// allocates past the headroom is measured as such.
#[test]
fn harness_measures_refusals() {
    let (outcome, _) = run(entry_points::config, b"{\"HttpPort\": 0}");
    assert_eq!(outcome, Ok(false));
    let (outcome, _) = run(entry_points::config, b"{\"HttpPort\": 8042}");
    assert_eq!(outcome, Ok(true));
    let (outcome, grown) = run(
        |_| std::hint::black_box(vec![1u8; 80 << 20]).is_empty(),
        b"",
    );
    assert_eq!(outcome, Ok(false));
    assert!(grown >= 80 << 20, "measured {grown} bytes");
    let (outcome, _) = run(|_| panic!("boom"), b"");
    assert_eq!(outcome, Err("boom".to_string()));
}
