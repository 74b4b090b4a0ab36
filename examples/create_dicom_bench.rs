//! In-process create-dicom timing: a 512×512 RGB PNG (noisy, photo-like) to a stored instance,
//! N times; prints the median. `cargo run --release --example create_dicom_bench -- [N] [PNG PDF]`
//! also writes that PNG and a 10 MB PDF, for the end-to-end benchmark (`benches/create_dicom.sh`).

use std::time::Instant;

use dicomq::config::Config;
use dicomq::dicom::create::{CreateItem, CreateSpec, Payload};
use dicomq::home::Home;
use dicomq::node::{CreateRequest, Node};

fn noisy_png(w: u32, h: u32) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let img = image::RgbImage::from_fn(w, h, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        image::Rgb([state as u8, (state >> 8) as u8, (state >> 16) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)?;
    Ok(out.into_inner())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100);
    let dir = std::env::temp_dir().join(format!("dicomq-create-bench-{}", std::process::id()));
    let node = Node::open(Home::at(&dir), Config::default())?;
    let png = noisy_png(512, 512)?;
    if let Some(path) = std::env::args().nth(2) {
        std::fs::write(path, &png)?;
    }
    if let Some(path) = std::env::args().nth(3) {
        let mut pdf = b"%PDF-1.4\n".to_vec();
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        pdf.extend((0..10 << 20).map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        }));
        pdf.extend_from_slice(b"\n%%EOF\n");
        std::fs::write(path, &pdf)?;
    }
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        node.create_dicom(CreateRequest {
            spec: CreateSpec {
                items: vec![CreateItem {
                    payload: Payload::Image { bytes: png.clone() },
                    tags: Vec::new(),
                }],
                tags: vec![("PatientID".into(), "BENCH".into())],
                ..CreateSpec::default()
            },
            parent: None,
            store: true,
            return_files: false,
        })?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "create-dicom 512x512 RGB PNG in-process: median {:.2} ms over {n} (min {:.2}, max {:.2})",
        times[n / 2],
        times[0],
        times[n - 1]
    );
    drop(node);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
