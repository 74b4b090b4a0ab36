//! The building blocks of the metrics registry: a clock that tests can drive, counters, and
//! "max over the last 10 seconds" durations.
//!
//! Orthanc's `MaxOver10Seconds` keeps one value and replaces it by the latest smaller sample once
//! it is older than the period (or keeps it forever when no sample follows). Here a duration
//! reports the largest sample of the last 10 whole seconds, and 0 once the window holds none.
//! Recording is lock-free (one compare-and-swap on a packed word), so it can sit on the store's
//! and the storage's paths without being felt.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Monotonic time since an arbitrary origin. Injected so that tests move time without sleeping.
pub trait Clock: Send + Sync {
    fn now(&self) -> Duration;
}

/// The real monotonic clock.
#[derive(Debug)]
pub struct SystemClock {
    origin: Instant,
}

impl SystemClock {
    pub fn new() -> Self {
        SystemClock {
            origin: Instant::now(),
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// A clock that only moves when told to (tests). Clones share the same time.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    nanos: Arc<AtomicU64>,
}

impl ManualClock {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(by, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::SeqCst))
    }
}

/// A monotonic total (bytes read, bytes written).
#[derive(Debug, Default)]
pub struct Counter {
    value: AtomicU64,
}

impl Counter {
    pub fn add(&self, delta: u64) {
        self.value.fetch_add(delta, Ordering::Relaxed);
    }

    pub fn get(&self) -> u64 {
        self.value.load(Ordering::Relaxed)
    }
}

/// The sliding window of a duration, in whole seconds of the clock.
pub const WINDOW_SECONDS: u64 = 10;

/// The largest sample of the last `WINDOW_SECONDS` whole seconds.
///
/// One bucket per second of the window, each an `AtomicU64` packing the second it belongs to
/// (high 32 bits) and the largest sample of that second in microseconds (low 32 bits, so up to
/// 71 minutes). Bucket `s % WINDOW_SECONDS` is reused when second `s` comes round again.
#[derive(Debug)]
pub struct WindowMax {
    buckets: [AtomicU64; WINDOW_SECONDS as usize],
    /// Whether a sample was ever recorded: the family is only exported from then on.
    seen: std::sync::atomic::AtomicBool,
}

/// Second 0 is the never-written state of a bucket, so seconds are stored shifted by one.
fn pack(second: u64, micros: u32) -> u64 {
    ((second + 1) << 32) | u64::from(micros)
}

fn unpack(word: u64) -> Option<(u64, u32)> {
    let tag = word >> 32;
    (tag != 0).then(|| (tag - 1, word as u32))
}

impl Default for WindowMax {
    fn default() -> Self {
        WindowMax {
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            seen: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

impl WindowMax {
    /// Records one sample taken at `now` (the registry's clock).
    pub fn record(&self, now: Duration, sample: Duration) {
        let second = now.as_secs();
        let micros = u32::try_from(sample.as_micros()).unwrap_or(u32::MAX);
        let bucket = &self.buckets[(second % WINDOW_SECONDS) as usize];
        let mut current = bucket.load(Ordering::Relaxed);
        loop {
            let next = match unpack(current) {
                Some((s, m)) if s == second && m >= micros => break,
                Some((s, _)) if s > second => break, // a racing, later sample owns the bucket
                _ => pack(second, micros),
            };
            match bucket.compare_exchange_weak(current, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => break,
                Err(seen) => current = seen,
            }
        }
        self.seen.store(true, Ordering::Relaxed);
    }

    /// The largest sample of the window ending at `now`: `None` if nothing was ever recorded,
    /// zero if nothing was recorded in the window.
    pub fn max(&self, now: Duration) -> Option<Duration> {
        if !self.seen.load(Ordering::Relaxed) {
            return None;
        }
        let second = now.as_secs();
        let oldest = second.saturating_sub(WINDOW_SECONDS - 1);
        let micros = self
            .buckets
            .iter()
            .filter_map(|b| unpack(b.load(Ordering::Relaxed)))
            .filter(|(s, _)| (oldest..=second).contains(s))
            .map(|(_, m)| m)
            .max()
            .unwrap_or(0);
        Some(Duration::from_micros(u64::from(micros)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    #[test]
    fn counter_adds() {
        let c = Counter::default();
        c.add(3);
        c.add(4);
        assert_eq!(c.get(), 7);
    }

    #[test]
    fn never_recorded_is_absent() {
        assert_eq!(WindowMax::default().max(ms(5_000)), None);
    }

    /// Orthanc's unit test (`MetricsRegistry.Basic`): 10, 20, -10 (here 1), 5 → 20.
    #[test]
    fn max_of_the_window() {
        let w = WindowMax::default();
        let clock = ManualClock::new();
        for v in [10, 20, 1, 5] {
            w.record(clock.now(), ms(v));
            clock.advance(ms(300));
        }
        assert_eq!(w.max(clock.now()), Some(ms(20)));
    }

    /// Where Orthanc would show the latest smaller sample (5) once 20 is old, this shows the
    /// max of what is still in the window, then 0 once the window is empty.
    #[test]
    fn decays_with_the_window() {
        let w = WindowMax::default();
        let clock = ManualClock::new();
        w.record(clock.now(), ms(20)); // second 0
        clock.advance(ms(4_000));
        w.record(clock.now(), ms(7)); // second 4
        clock.advance(ms(1_000));
        w.record(clock.now(), ms(5)); // second 5
        clock.advance(ms(4_999)); // 9.999 s: second 0 still in [0, 9]
        assert_eq!(w.max(clock.now()), Some(ms(20)));
        clock.advance(ms(1)); // 10 s: the window is [1, 10]
        assert_eq!(w.max(clock.now()), Some(ms(7)));
        clock.advance(ms(4_000)); // 14 s: [5, 14]
        assert_eq!(w.max(clock.now()), Some(ms(5)));
        clock.advance(ms(1_000)); // 15 s: nothing left
        assert_eq!(w.max(clock.now()), Some(Duration::ZERO));
    }

    /// A bucket reused a window later forgets its old second.
    #[test]
    fn buckets_are_reused() {
        let w = WindowMax::default();
        let clock = ManualClock::new();
        w.record(clock.now(), ms(50));
        clock.advance(Duration::from_secs(WINDOW_SECONDS));
        w.record(clock.now(), ms(2));
        assert_eq!(w.max(clock.now()), Some(ms(2)));
    }

    #[test]
    fn sub_millisecond_and_huge_samples() {
        let w = WindowMax::default();
        w.record(Duration::ZERO, Duration::from_micros(250));
        assert_eq!(w.max(Duration::ZERO), Some(Duration::from_micros(250)));
        w.record(Duration::ZERO, Duration::from_secs(10 * 3600));
        assert_eq!(
            w.max(Duration::ZERO),
            Some(Duration::from_micros(u64::from(u32::MAX)))
        );
    }

    #[test]
    fn concurrent_records_keep_the_max() {
        let w = Arc::new(WindowMax::default());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let w = w.clone();
                std::thread::spawn(move || {
                    for i in 0..1000u64 {
                        w.record(
                            Duration::from_millis(500),
                            Duration::from_micros(t * 1000 + i),
                        );
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("thread");
        }
        assert_eq!(
            w.max(Duration::from_millis(500)),
            Some(Duration::from_micros(3999))
        );
    }
}
