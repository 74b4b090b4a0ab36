//! Writes N generated DICOM files of about SIZE bytes into DIR (for benchmarks).
//! `cargo run --release --example gen_files -- DIR N SIZE`

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: gen_files DIR N SIZE");
        std::process::exit(2);
    }
    let (Ok(n), Ok(size)) = (args[2].parse::<usize>(), args[3].parse::<usize>()) else {
        eprintln!("N and SIZE must be integers");
        std::process::exit(2);
    };
    if let Err(e) = dicomq::testdata::write_files(std::path::Path::new(&args[1]), n, size) {
        eprintln!("error: {}: {e}", args[1]);
        std::process::exit(1);
    }
}
