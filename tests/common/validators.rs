//! The validators' verdict on files dicomq wrote: no dciodvfy error their sources did not
//! already have, and dcmdump reads them. A missing validator fails the test when
//! `DICOMQ_REQUIRE_VALIDATORS=1` (through `have_tool`), and is skipped otherwise.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Home, have_tool, stderr, stdout};

/// The error lines dciodvfy reports for a file, without their values.
pub fn dciodvfy_errors(path: &Path) -> BTreeSet<String> {
    let o = Command::new("dciodvfy")
        .arg(path)
        .output()
        .expect("dciodvfy");
    format!("{}{}", stdout(&o), stderr(&o))
        .lines()
        .filter(|l| l.starts_with("Error"))
        .map(|l| l.split(" - ").take(2).collect::<Vec<_>>().join(" - "))
        .collect()
}

/// The dciodvfy errors of every file stored in `home` (none without dciodvfy).
pub fn stored_errors(home: &Home) -> BTreeSet<String> {
    if !have_tool("dciodvfy") {
        return BTreeSet::new();
    }
    home.stored_files()
        .iter()
        .flat_map(|f| dciodvfy_errors(f))
        .collect()
}

/// Every file is read by dcmdump and has no dciodvfy error outside `known` (its sources').
pub fn check_outputs(files: &[PathBuf], known: &BTreeSet<String>) {
    let (dciodvfy, dcmdump) = (have_tool("dciodvfy"), have_tool("dcmdump"));
    for f in files {
        if dciodvfy {
            let new: Vec<String> = dciodvfy_errors(f).difference(known).cloned().collect();
            assert!(new.is_empty(), "{}: {new:#?}", f.display());
        }
        if dcmdump {
            let o = Command::new("dcmdump").arg(f).output().expect("dcmdump");
            assert!(
                o.status.success(),
                "dcmdump {}: {}",
                f.display(),
                stderr(&o)
            );
        }
    }
}
