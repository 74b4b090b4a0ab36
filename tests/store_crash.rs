//! kill -9 in the middle of an import, and of concurrent uploads to the REST API: after the next
//! open, every index row has its file, every file has its row, and nothing acknowledged is lost.

mod common;

use std::time::{Duration, Instant};

use common::Home;

#[test]
fn kill_during_import_leaves_index_and_files_consistent() {
    let home = Home::new();
    let src = tempfile::tempdir().expect("tempdir");
    dicomq_testdata::write_files(src.path(), 4000, 2000).expect("generate");
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
        assert_rows_match_files(&home);
    }
    // And a final complete run stores the rest.
    let out = home.run(&["store", src.path().to_str().expect("utf8")]);
    assert!(out.status.success());
    assert_eq!(home.stored_files().len(), 4000);
}

/// Rows and files match one to one, with no temporary left (after the open that settles).
fn assert_rows_match_files(home: &Home) -> std::collections::HashSet<String> {
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
    assert_eq!(files.len(), instances.len(), "files without rows");
    instances
        .iter()
        .filter_map(|i| i["ID"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn kill_9_during_concurrent_uploads_keeps_every_acknowledged_instance() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let home = Home::new();
    let src = tempfile::tempdir().expect("tempdir");
    dicomq_testdata::write_files(src.path(), 1200, 2000).expect("generate");
    let mut files: Vec<_> = std::fs::read_dir(src.path())
        .expect("read")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let addr = format!("127.0.0.1:{}", common::free_port());
    let mut daemon = home.daemon(&["--http", &addr]);
    // Six uploaders at once (their imports share commits); each keeps the IDs the daemon
    // acknowledged with a 200, and stops at the first answer that is not one.
    let acked = Arc::new(AtomicUsize::new(0));
    let uploaders: Vec<_> = files
        .chunks(200)
        .map(|chunk| {
            let (chunk, acked, url) = (
                chunk.to_vec(),
                acked.clone(),
                format!("http://{addr}/instances"),
            );
            std::thread::spawn(move || {
                let mut ids = Vec::new();
                for f in chunk {
                    let out = std::process::Command::new("curl")
                        .args(["-s", "-f", "--data-binary"])
                        .arg(format!("@{}", f.display()))
                        .arg(&url)
                        .output()
                        .expect("curl");
                    if !out.status.success() {
                        break;
                    }
                    let v: serde_json::Value =
                        serde_json::from_slice(&out.stdout).expect("JSON answer");
                    ids.push(v["ID"].as_str().expect("ID").to_string());
                    acked.fetch_add(1, Ordering::SeqCst);
                }
                ids
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.load(Ordering::SeqCst) < 300 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    daemon.kill9();
    let acknowledged: Vec<String> = uploaders
        .into_iter()
        .flat_map(|u| u.join().expect("uploader"))
        .collect();
    assert!(
        acknowledged.len() >= 300,
        "{} acknowledged",
        acknowledged.len()
    );
    assert!(
        acknowledged.len() < 1200,
        "the kill came after every upload: make it bigger"
    );
    let stored = assert_rows_match_files(&home);
    for id in &acknowledged {
        assert!(stored.contains(id), "acknowledged instance {id} was lost");
    }
}

/// `OverwriteInstances`: kill -9 while the same instances are stored again and again from
/// several clients. Each overwrite swaps the file in one index transaction, so after the next
/// open every instance is still there (old or new), with exactly one file, and the files of
/// the replaced ones are gone.
#[test]
fn kill_9_during_overwrites_keeps_every_instance_with_one_file() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let home = Home::new();
    std::fs::write(
        home.path().join("config.json"),
        r#"{"OverwriteInstances": true}"#,
    )
    .expect("config");
    let src = tempfile::tempdir().expect("tempdir");
    dicomq_testdata::write_files(src.path(), 100, 2000).expect("generate");
    let out = home.run(&["store", src.path().to_str().expect("utf8")]);
    assert!(out.status.success());
    let before = assert_rows_match_files(&home);
    assert_eq!(before.len(), 100);
    let mut files: Vec<_> = std::fs::read_dir(src.path())
        .expect("read")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let addr = format!("127.0.0.1:{}", common::free_port());
    let mut daemon = home.daemon(&["--http", &addr]);
    let acked = Arc::new(AtomicUsize::new(0));
    let uploaders: Vec<_> = files
        .chunks(25)
        .map(|chunk| {
            let (chunk, acked, url) = (
                chunk.to_vec(),
                acked.clone(),
                format!("http://{addr}/instances"),
            );
            std::thread::spawn(move || {
                for f in chunk.iter().cycle().take(2000) {
                    let out = std::process::Command::new("curl")
                        .args(["-s", "-f", "--data-binary"])
                        .arg(format!("@{}", f.display()))
                        .arg(&url)
                        .output()
                        .expect("curl");
                    if !out.status.success() {
                        break;
                    }
                    let v: serde_json::Value =
                        serde_json::from_slice(&out.stdout).expect("JSON answer");
                    assert_eq!(v["Status"], "Success", "an overwrite is a store");
                    acked.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.load(Ordering::SeqCst) < 300 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    daemon.kill9();
    for u in uploaders {
        u.join().expect("uploader");
    }
    assert!(acked.load(Ordering::SeqCst) >= 300, "too few overwrites");
    assert_eq!(assert_rows_match_files(&home), before);
}
