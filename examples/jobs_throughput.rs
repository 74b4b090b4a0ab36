//! 2000 trivial Sleep jobs (Steps 1, StepMs 0) submitted then waited, durable commits.
//! `cargo run --release --example jobs_throughput [DIR]`

use std::sync::Arc;
use std::time::{Duration, Instant};

use dicomq::jobs::{EngineConfig, JobState, JobsEngine, Sleep};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("dicomq-jobs-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = Arc::new(redb::Database::create(dir.join("index.redb"))?);
    let engine = JobsEngine::open(
        db,
        &dir.join("jobs.journal"),
        EngineConfig {
            workers: 2,
            history_size: 100,
        },
        vec![Arc::new(Sleep)],
    )?;
    engine.start_workers();
    let n = 2000;
    let t0 = Instant::now();
    let ids = (0..n)
        .map(|_| engine.submit("Sleep", serde_json::json!({"Steps": 1, "StepMs": 0}), 0))
        .collect::<Result<Vec<_>, _>>()?;
    let submitted = t0.elapsed();
    let mut ok = 0;
    for id in &ids {
        // Evicted from the history (size 100) means it finished.
        match engine.wait(id, Some(Duration::from_secs(120))) {
            Ok(info) if info.state == JobState::Success => ok += 1,
            Ok(info) => return Err(format!("job {id} ended {}", info.state).into()),
            Err(dicomq::error::Error::NotFound { .. }) => ok += 1,
            Err(e) => return Err(e.into()),
        }
    }
    let total = t0.elapsed();
    engine.shutdown();
    println!(
        "{ok}/{n} jobs: submit {:.0} jobs/s, submit+run+wait {:.0} jobs/s ({:.2} s)",
        n as f64 / submitted.as_secs_f64(),
        n as f64 / total.as_secs_f64(),
        total.as_secs_f64()
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
