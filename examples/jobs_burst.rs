//! Burst benchmark against a running daemon: submit N trivial Sleep jobs (1 step of 0 ms)
//! through the socket, then wait for every one; prints jobs per second.
//! `cargo run --release --example jobs_burst -- HOME [N]`

use std::time::Instant;

use dicomq::backend::Client;
use dicomq::protocol::{Request, Response};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let home = std::path::PathBuf::from(args.get(1).ok_or("usage: jobs_burst HOME [N]")?);
    let n: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(2000);
    let client = Client::connect(&home.join("daemon.sock"))?.ok_or("no daemon answers")?;
    let t0 = Instant::now();
    let mut ids = Vec::with_capacity(n);
    for _ in 0..n {
        let req = Request::SubmitJob {
            type_name: "Sleep".into(),
            params: serde_json::json!({"Steps": 1, "StepMs": 0}),
            priority: 0,
        };
        match client.call(&req, &[])? {
            (Response::JobId { id }, _) => ids.push(id),
            (other, _) => return Err(format!("unexpected {other:?}").into()),
        }
    }
    let submitted = t0.elapsed();
    for id in ids {
        client.call(
            &Request::WaitJob {
                id,
                timeout_ms: None,
            },
            &[],
        )?;
    }
    let total = t0.elapsed();
    println!(
        "{n} jobs: submitted in {:.3} s ({:.0}/s), all done in {:.3} s ({:.0} jobs/s)",
        submitted.as_secs_f64(),
        n as f64 / submitted.as_secs_f64(),
        total.as_secs_f64(),
        n as f64 / total.as_secs_f64()
    );
    Ok(())
}
