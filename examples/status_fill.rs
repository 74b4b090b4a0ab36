//! Fills a data home for `benches/status.sh`: N instances in the index (generated headers, no
//! files written: `status` reads counters, never the files) and J finished jobs in the history.
//! `cargo run --release --example status_fill -- HOME [N] [J]`

use dicomq::config::Config;
use dicomq::home::Home;
use dicomq::jobs::{JobSpec, SleepParams};
use dicomq::node::{JobRequest, Node};
use dicomq::persist::index_store::IndexStore;
use dicomq::persist::redb::index_store::RedbIndexStore;
use dicomq::store::header::parse_header;
use dicomq::store::index::{Existing, NewInstance, StoredFile};

type BoxError = Box<dyn std::error::Error>;

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    let dir = args.get(1).ok_or("usage: status_fill HOME [N] [J]")?;
    let n: u64 = args.get(2).map_or(Ok(100_000), |a| a.parse())?;
    let jobs: usize = args.get(3).map_or(Ok(10_000), |a| a.parse())?;
    let home = Home::at(dir);
    home.ensure()?;
    // The history must keep every job.
    std::fs::write(
        home.config_file(),
        format!("{{ \"JobsHistorySize\": {} }}\n", jobs + 100),
    )?;
    {
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
                        uuid: h.ids.instance.replace('-', ""),
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
    let config = Config::load(&home.config_file(), true)?;
    let node = Node::open(home, config)?;
    node.serve(true)?;
    let ids = (0..jobs)
        .map(|_| node.submit_job(JobRequest::new(JobSpec::Sleep(SleepParams::default()), 0)))
        .collect::<Result<Vec<_>, _>>()?;
    for id in ids {
        node.wait_job(&id, None, &mut |_| Ok(()))?;
    }
    node.stop();
    Ok(())
}
