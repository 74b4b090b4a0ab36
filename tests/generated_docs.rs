//! The committed completions and man pages must be what the current clap definitions generate.
//! Regenerate with `DICOMQ_UPDATE_GENERATED=1 cargo test --test generated_docs`.

use std::path::Path;

#[test]
fn completions_and_man_pages_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = dicomq::cli::completions::generated_files().expect("generate");
    let update = std::env::var("DICOMQ_UPDATE_GENERATED").as_deref() == Ok("1");
    let mut stale = Vec::new();
    for (rel, bytes) in &files {
        let path = root.join(rel);
        if update {
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, bytes).expect("write");
        } else if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
            stale.push(rel.clone());
        }
    }
    // No leftover page for a command that no longer exists.
    for dir in ["completions", "man"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("dir").flatten() {
            let rel = format!("{dir}/{}", entry.file_name().to_string_lossy());
            if !files.iter().any(|(r, _)| *r == rel) {
                stale.push(format!("{rel} (no longer generated)"));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "generated files are stale: {stale:?}; run DICOMQ_UPDATE_GENERATED=1 cargo test --test generated_docs"
    );
}
