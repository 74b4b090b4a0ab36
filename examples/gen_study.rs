//! Writes one study of N generated MR instances of about SIZE bytes each (two series) into DIR,
//! for the modification benchmarks (benches/modify.sh).
//! `cargo run --release --example gen_study -- DIR N SIZE`

use std::path::Path;

use dicomq_testdata::{InstanceSpec, deterministic_uid};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(Ok(n)), Some(Ok(size))) = (
        args.get(1),
        args.get(2).map(|a| a.parse::<usize>()),
        args.get(3).map(|a| a.parse::<usize>()),
    ) else {
        eprintln!("usage: gen_study DIR N SIZE");
        std::process::exit(2);
    };
    if let Err(e) = write(Path::new(dir), n, size) {
        eprintln!("error: {dir}: {e}");
        std::process::exit(1);
    }
}

fn write(dir: &Path, n: usize, size: usize) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    // 16-bit pixels: about size / 2 of them, in a square image.
    let side = (((size.saturating_sub(1000)) / 2) as f64).sqrt().max(1.0) as u16;
    let study = deterministic_uid("dicomq-bench/modify/study");
    for i in 0..n {
        let series = deterministic_uid(&format!("dicomq-bench/modify/series/{}", i % 2));
        let mut x = InstanceSpec::new_mr(
            "BENCH-MODIFY",
            "Bench^Modify",
            &study,
            &series,
            &deterministic_uid(&format!("dicomq-bench/modify/sop/{i}")),
        );
        x.study_description = Some("Modify benchmark".into());
        x.series_number = Some((i % 2) as u32 + 1);
        x.instance_number = Some((i / 2) as u32 + 1);
        x.rows = side;
        x.cols = side;
        std::fs::write(dir.join(format!("im_{i:05}.dcm")), x.to_bytes())?;
    }
    Ok(())
}
