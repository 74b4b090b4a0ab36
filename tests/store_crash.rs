//! kill -9 in the middle of an import: after the next open, every index row has its file and
//! every file has its row.

mod common;

use std::time::{Duration, Instant};

use common::Home;

#[test]
fn kill_during_import_leaves_index_and_files_consistent() {
    let home = Home::new();
    let src = tempfile::tempdir().expect("tempdir");
    dicomq::testdata::write_files(src.path(), 4000, 2000).expect("generate");
    for attempt in 0..3 {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("dicomq"))
            .arg("--home")
            .arg(home.path())
            .arg("-q")
            .arg("store")
            .arg(src.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        // Kill it once files are being written, at a different point each attempt.
        let deadline = Instant::now() + Duration::from_secs(30);
        let target = 200 + attempt * 700;
        while home.stored_files().len() < target && Instant::now() < deadline {
            if child.try_wait().expect("wait").is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();

        // The next open settles the leftovers; then rows and files match one to one.
        let instances = home.json(&["ls", "instances"]);
        let instances = instances.as_array().expect("array");
        let files = home.stored_files();
        assert!(
            files.iter().all(|f| f.extension().is_none()),
            "temporaries left: {:?}",
            files
                .iter()
                .filter(|f| f.extension().is_some())
                .collect::<Vec<_>>()
        );
        let names: std::collections::HashSet<String> = files
            .iter()
            .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        for i in instances {
            let uuid = i["FileUuid"].as_str().expect("uuid");
            assert!(names.contains(uuid), "row {} has no file", i["ID"]);
        }
        assert_eq!(
            files.len(),
            instances.len(),
            "files without rows after reopen"
        );
    }
    // And a final complete run stores the rest.
    let out = home.run(&["store", src.path().to_str().expect("utf8")]);
    assert!(out.status.success());
    assert_eq!(home.stored_files().len(), 4000);
}
