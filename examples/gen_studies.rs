//! Writes N small DICOM files into DIR, each its own patient and study (for the find
//! benchmark): patient `P{k}`, name `NAME{k % 100}^Given{k}`, study date in 2020–2024.
//! `cargo run --release --example gen_studies -- DIR N`

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(Ok(n))) = (args.get(1), args.get(2).map(|n| n.parse::<u64>())) else {
        eprintln!("usage: gen_studies DIR N");
        std::process::exit(2);
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("error: {dir}: {e}");
        std::process::exit(1);
    }
    for k in 0..n {
        let uid =
            |what: &str| dicomq_testdata::deterministic_uid(&format!("gen-studies/{what}/{k}"));
        let mut x = dicomq_testdata::InstanceSpec::new_mr(
            &format!("P{k}"),
            &format!("NAME{}^Given{k}", k % 100),
            &uid("study"),
            &uid("series"),
            &uid("sop"),
        );
        x.study_date = Some(format!("202{}{:02}{:02}", k % 5, k % 12 + 1, k % 28 + 1));
        x.rows = 4;
        x.cols = 4;
        let path = Path::new(dir).join(format!("s{k:06}.dcm"));
        if let Err(e) = std::fs::write(&path, x.to_bytes()) {
            eprintln!("error: {}: {e}", path.display());
            std::process::exit(1);
        }
    }
}
