//! Several daemons on one PostgreSQL index and one storage directory, with the real binary:
//! what one stores the others list, show, find and log; concurrent stores of the same files
//! store each instance once; a removal on one is seen by all; a storage directory already used
//! by another index is refused. Each test has its own database on the test process's private
//! server (dicomq_testdata::postgres), and skips when PostgreSQL is not installed (fails with
//! `DICOMQ_REQUIRE_VALIDATORS=1`).

mod common;

use common::postgres::server;

use std::path::{Path, PathBuf};

use common::{Daemon, Home, stderr};

/// A data home whose config names the index and the storage directory.
fn home_on(url: &str, storage: &Path) -> Home {
    let home = Home::new();
    let config = serde_json::json!({ "Index": url, "StorageDirectory": storage });
    std::fs::write(home.path().join("config.json"), config.to_string()).expect("config");
    home
}

/// Two homes on one database and one storage directory (`shared` holds it and the inputs).
struct Cluster {
    shared: tempfile::TempDir,
    homes: [Home; 2],
    url: String,
}

impl Cluster {
    fn new(url: &str) -> Cluster {
        let shared = tempfile::tempdir().expect("tempdir");
        let storage = shared.path().join("storage");
        let homes = [home_on(url, &storage), home_on(url, &storage)];
        Cluster {
            shared,
            homes,
            url: url.to_string(),
        }
    }

    fn storage(&self) -> PathBuf {
        self.shared.path().join("storage")
    }

    fn daemons(&self) -> [Daemon; 2] {
        [self.homes[0].daemon(&[]), self.homes[1].daemon(&[])]
    }

    /// `n` small instances written under `name/`.
    fn files(&self, name: &str, n: usize) -> PathBuf {
        let dir = self.shared.path().join(name);
        dicomq_testdata::write_files(&dir, n, 1500).expect("write files");
        dir
    }

    /// The stored DICOM files (the storage's identity file is not one).
    fn stored_files(&self) -> Vec<PathBuf> {
        dicomq_testdata::files_under(&self.storage())
            .into_iter()
            .filter(|p| p.file_name().is_some_and(|n| n != "dicomq-storage-id"))
            .collect()
    }
}

fn sorted_ids(list: &serde_json::Value) -> Vec<String> {
    let mut ids = common::ids(list);
    ids.sort();
    ids
}

#[test]
fn what_one_daemon_stores_the_other_lists_shows_finds_logs_and_removes() {
    let Some(server) = server() else { return };
    let cluster = Cluster::new(&server.new_database());
    let _daemons = cluster.daemons();
    let [a, b] = &cluster.homes;
    let input = cluster.files("in", 6);
    let stored = a.run(&["store", input.to_str().expect("utf-8")]);
    assert!(stored.status.success(), "{}", stderr(&stored));

    let instances = sorted_ids(&a.json(&["ls", "instances"]));
    assert_eq!(instances.len(), 6);
    assert_eq!(sorted_ids(&b.json(&["ls", "instances"])), instances);
    let studies = sorted_ids(&a.json(&["ls", "studies"]));
    assert_eq!(sorted_ids(&b.json(&["ls", "studies"])), studies);
    let shown = b.json(&["show", &instances[0]]);
    assert_eq!(shown["ID"], instances[0].as_str());

    // A search through B, then a store through A, then the same search through B: B's find
    // cache follows the shared changes log.
    let found =
        |home: &Home| sorted_ids(&home.json(&["find", "--level", "studies", "StudyInstanceUID=*"]));
    assert_eq!(found(b), studies);
    let more = cluster.shared.path().join("more");
    dicomq_testdata::write_files(&more, 20, 1500).expect("write files");
    let stored = a.run(&["store", more.to_str().expect("utf-8")]);
    assert!(stored.status.success(), "{}", stderr(&stored));
    let studies = sorted_ids(&a.json(&["ls", "studies"]));
    assert_eq!(found(b), studies);

    let changes = b.json(&["changes", "--limit", "1000"]);
    let new_instances: Vec<&str> = changes["Changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["ChangeType"] == "NewInstance")
        .filter_map(|c| c["ID"].as_str())
        .collect();
    assert_eq!(new_instances.len(), 20, "{changes}");

    // A removal through B is seen by A, and the file is gone from the shared storage.
    let files_before = cluster.stored_files().len();
    let removed = b.run(&["rm", &instances[0]]);
    assert!(removed.status.success(), "{}", stderr(&removed));
    let left = sorted_ids(&a.json(&["ls", "instances"]));
    assert!(!left.contains(&instances[0]));
    assert_eq!(cluster.stored_files().len(), files_before - 1);
    let last = a.json(&["changes", "--limit", "1000"]);
    let deleted = last["Changes"]
        .as_array()
        .expect("changes")
        .iter()
        .any(|c| c["ChangeType"] == "Deleted" && c["ID"] == instances[0].as_str());
    assert!(deleted, "{last}");
}

#[test]
fn concurrent_stores_of_the_same_files_through_two_daemons_store_each_once() {
    let Some(server) = server() else { return };
    let cluster = Cluster::new(&server.new_database());
    let _daemons = cluster.daemons();
    let input = cluster.files("in", 60);
    let path = input.to_str().expect("utf-8").to_string();
    // Two clients per daemon, all at once.
    let outputs: Vec<std::process::Output> = std::thread::scope(|s| {
        let runs: Vec<_> = [0, 1, 0, 1]
            .into_iter()
            .map(|i| {
                let (home, path) = (&cluster.homes[i], &path);
                s.spawn(move || home.run(&["--json", "store", path]))
            })
            .collect();
        runs.into_iter()
            .map(|r| r.join().expect("store ran"))
            .collect()
    });
    let mut successes = std::collections::BTreeMap::<String, usize>::new();
    for out in outputs {
        assert!(out.status.success(), "{}", stderr(&out));
        let results: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        for r in results.as_array().expect("results") {
            let status = r["Status"].as_str().expect("status");
            assert!(status == "Success" || status == "AlreadyStored", "{r}");
            if status == "Success" {
                *successes
                    .entry(r["ID"].as_str().expect("id").to_string())
                    .or_default() += 1;
            }
        }
    }
    assert_eq!(successes.len(), 60);
    assert!(successes.values().all(|n| *n == 1), "{successes:?}");
    for home in &cluster.homes {
        assert_eq!(common::ids(&home.json(&["ls", "instances"])).len(), 60);
    }
    // The losers' files were deleted: one file per instance.
    assert_eq!(cluster.stored_files().len(), 60);
    let status = cluster.homes[1].json(&["status"]);
    assert_eq!(status["store"]["instances"], 60, "{status}");
}

#[test]
fn a_storage_directory_of_another_index_is_refused() {
    let Some(server) = server() else { return };
    let cluster = Cluster::new(&server.new_database());
    let input = cluster.files("in", 2);
    let stored = cluster.homes[0].run(&["store", input.to_str().expect("utf-8")]);
    assert!(stored.status.success(), "{}", stderr(&stored));

    // Another database on the same storage directory: refused, inline and as a daemon.
    let other = home_on(&server.new_database(), &cluster.storage());
    for args in [&["ls", "patients"][..], &["daemon"][..]] {
        let out = other.run(args);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("belongs to another index"),
            "{}",
            stderr(&out)
        );
    }
    // A redb home on it too.
    let redb = Home::new();
    let config = serde_json::json!({ "StorageDirectory": cluster.storage() });
    std::fs::write(redb.path().join("config.json"), config.to_string()).expect("config");
    let out = redb.run(&["ls", "patients"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("belongs to another index"),
        "{}",
        stderr(&out)
    );

    // A daemon of the same database left with its home's own storage: its files are not there.
    let astray = Home::new();
    let out = astray.run(&["--index", &cluster.url, "ls", "patients"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("set StorageDirectory"),
        "{}",
        stderr(&out)
    );

    // And a PostgreSQL database on a redb home's storage (files, no identity).
    let redb_storage = tempfile::tempdir().expect("tempdir");
    let redb = Home::new();
    let config = serde_json::json!({ "StorageDirectory": redb_storage.path() });
    std::fs::write(redb.path().join("config.json"), config.to_string()).expect("config");
    let stored = redb.run(&["store", input.to_str().expect("utf-8")]);
    assert!(stored.status.success(), "{}", stderr(&stored));
    let pg = home_on(&server.new_database(), redb_storage.path());
    let out = pg.run(&["ls", "patients"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("already holds files"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn inline_commands_with_index_share_the_daemons_index() {
    let Some(server) = server() else { return };
    let url = server.new_database();
    let cluster = Cluster::new(&url);
    let _daemon = cluster.homes[0].daemon(&[]);
    let input = cluster.files("in", 3);
    // A home without a config: `--index` and the storage directory on the command line's
    // config only for the storage.
    let inline = Home::new();
    let config = serde_json::json!({ "StorageDirectory": cluster.storage() });
    std::fs::write(inline.path().join("config.json"), config.to_string()).expect("config");
    let stored = inline.run(&["--index", &url, "store", input.to_str().expect("utf-8")]);
    assert!(stored.status.success(), "{}", stderr(&stored));
    assert_eq!(
        common::ids(&cluster.homes[0].json(&["ls", "instances"])).len(),
        3
    );
    let listed = inline
        .cmd()
        .env("DICOMQ_INDEX", &url)
        .args(["--json", "ls", "instances"])
        .output()
        .expect("runs");
    assert!(listed.status.success(), "{}", stderr(&listed));
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("JSON");
    assert_eq!(common::ids(&listed).len(), 3);
}
