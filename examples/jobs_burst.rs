//! Burst benchmark against a running daemon: submit N trivial Sleep jobs (1 step of 0 ms)
//! through the socket from C client connections at once (a burst of clients), then wait for
//! every one; prints jobs per second.
//! `cargo run --release --example jobs_burst -- HOME [N] [C]` (C defaults to 8; 1 submits
//! sequentially over one connection).

use std::time::Instant;

use dicomq::backend::Client;
use dicomq::jobs::{JobSpec, SleepParams};
use dicomq::node::JobRequest;
use dicomq::protocol::{Request, Response};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn submit(socket: &std::path::Path, n: usize) -> Result<Vec<String>, BoxError> {
    let client = Client::connect(socket)?.ok_or("no daemon answers")?;
    let mut ids = Vec::with_capacity(n);
    for _ in 0..n {
        let req = Request::SubmitJob(JobRequest::new(JobSpec::Sleep(SleepParams::default()), 0));
        match client.call(&req, &[])? {
            (Response::JobId { id }, _) => ids.push(id),
            (other, _) => return Err(format!("unexpected {other:?}").into()),
        }
    }
    Ok(ids)
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    let home = std::path::PathBuf::from(args.get(1).ok_or("usage: jobs_burst HOME [N] [C]")?);
    let n: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(2000);
    let clients: usize = args
        .get(3)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(8)
        .max(1);
    let socket = home.join("daemon.sock");
    let t0 = Instant::now();
    let shares: Vec<usize> = (0..clients)
        .map(|c| n / clients + usize::from(c < n % clients))
        .collect();
    let ids = std::thread::scope(|s| -> Result<Vec<String>, BoxError> {
        let handles: Vec<_> = shares
            .iter()
            .map(|&k| {
                let socket = &socket;
                s.spawn(move || submit(socket, k))
            })
            .collect();
        let mut ids = Vec::with_capacity(n);
        for h in handles {
            ids.extend(h.join().map_err(|_| "a client thread panicked")??);
        }
        Ok(ids)
    })?;
    let submitted = t0.elapsed();
    let client = Client::connect(&socket)?.ok_or("no daemon answers")?;
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
        "{n} jobs from {clients} clients: submitted in {:.3} s ({:.0}/s), all done in {:.3} s ({:.0} jobs/s)",
        submitted.as_secs_f64(),
        n as f64 / submitted.as_secs_f64(),
        total.as_secs_f64(),
        n as f64 / total.as_secs_f64()
    );
    Ok(())
}
