//! One metrics scrape with N instances in the store (default 100 000): fills a temp home through
//! the store index (generated headers, no files written: a scrape never reads the files), then
//! times `Node::metrics_text` and prints the median.
//! `cargo run --release --example metrics_scrape -- [N] [SCRAPES]`

use std::time::Instant;

use dicomq::config::Config;
use dicomq::home::Home;
use dicomq::node::Node;
use dicomq::persist::index_store::IndexStore;
use dicomq::persist::redb::index_store::RedbIndexStore;
use dicomq::store::header::parse_header;
use dicomq::store::index::{Existing, NewInstance, StoredFile};

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = args.get(1).map_or(Ok(100_000), |a| a.parse())?;
    let scrapes: usize = args.get(2).map_or(Ok(500), |a| a.parse())?;
    let dir = tempfile_dir()?;
    let home = Home::at(&dir);

    let t0 = Instant::now();
    {
        // The index alone (no Node): nothing else may hold the database meanwhile.
        home.ensure()?;
        let index = RedbIndexStore::open(dicomq::node::open_database(&home)?)?;
        let mut next = 0u64;
        while next < n {
            let end = (next + 1000).min(n);
            let headers = (next..end)
                .map(|i| {
                    parse_header(std::io::Cursor::new(dicomq_testdata::small_instance(
                        i, 400,
                    )))
                })
                .collect::<Result<Vec<_>, String>>()?;
            let batch: Vec<NewInstance> = headers
                .iter()
                .map(|h| NewInstance {
                    header: h,
                    file: StoredFile {
                        uuid: uuid_for(h.ids.instance.as_str()),
                        size: 400,
                        sop_class: h.sop_class.clone(),
                        transfer_syntax: h.transfer_syntax.clone(),
                        crc32: None,
                    },
                })
                .collect();
            index.commit_batch(&batch, Existing::Keep)?;
            next = end;
        }
    }
    let fill = t0.elapsed();

    // A fresh Node, as a daemon or an inline command would have.
    let node = Node::open(home, Config::default())?;
    let text = node.metrics_text()?;
    let count = text
        .lines()
        .find_map(|l| l.strip_prefix("orthanc_count_instances "))
        .unwrap_or("?")
        .to_string();
    let mut times = Vec::with_capacity(scrapes);
    for _ in 0..scrapes {
        let t = Instant::now();
        let text = node.metrics_text()?;
        times.push(t.elapsed());
        std::hint::black_box(text);
    }
    times.sort_unstable();
    let pick = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "machine: {} cores; store: {count} instances (filled in {:.1} s); {} bytes of text",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        fill.as_secs_f64(),
        text.len()
    );
    println!(
        "scrape (Node::metrics_text), {scrapes} runs: median {:?}, p90 {:?}, min {:?}, max {:?}",
        pick(0.5),
        pick(0.9),
        times[0],
        times[times.len() - 1]
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// A storage UUID that is unique per instance (no file is written for it).
fn uuid_for(instance: &str) -> String {
    instance.replace('-', "")
}

fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let base = std::env::var_os("TMPDIR").map_or_else(std::env::temp_dir, Into::into);
    let dir = base.join(format!("dicomq-metrics-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
