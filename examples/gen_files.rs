//! Writes N generated DICOM files of about SIZE bytes into DIR (for benchmarks).
//! `cargo run --release --example gen_files -- DIR N SIZE [noise]`
//! With `noise`, the pixel data is replaced by pseudo-random bytes, which do not compress
//! (like real noisy images), instead of the smooth pattern that compresses ~50:1.

use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 && args.len() != 5 {
        eprintln!("usage: gen_files DIR N SIZE [noise]");
        std::process::exit(2);
    }
    let (Ok(n), Ok(size)) = (args[2].parse::<usize>(), args[3].parse::<usize>()) else {
        eprintln!("N and SIZE must be integers");
        std::process::exit(2);
    };
    let paths = match dicomq_testdata::write_files(Path::new(&args[1]), n, size) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {}: {e}", args[1]);
            std::process::exit(1);
        }
    };
    if args.get(4).map(String::as_str) == Some("noise") {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for p in paths {
            if let Err(e) = add_noise(&p, &mut state) {
                eprintln!("error: {}: {e}", p.display());
                std::process::exit(1);
            }
        }
    }
}

/// Overwrites the value of (7FE0,0010) OW, the last element, with xorshift noise.
fn add_noise(path: &Path, state: &mut u64) -> std::io::Result<()> {
    let mut bytes = std::fs::read(path)?;
    let marker = [0xE0, 0x7F, 0x10, 0x00, b'O', b'W', 0, 0];
    let Some(at) = bytes.windows(8).rposition(|w| w == marker) else {
        return Ok(());
    };
    for b in &mut bytes[at + 12..] {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *b = *state as u8;
    }
    std::fs::write(path, bytes)
}
