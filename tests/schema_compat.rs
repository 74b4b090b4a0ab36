//! A home made by dicomq before the index had a schema version (tests/fixtures/home-v1, see its
//! README.md) still opens and answers as it did.

mod common;

use std::path::Path;

use common::{Home, check_zip, stderr, stdout};

const FIXTURE: &str = "tests/fixtures/home-v1";
const PATIENT: &str = "21656b59-b4d37a49-76daa8ba-cb774515-26fcb1aa";
const STUDIES: [&str; 2] = [
    "7729136c-9110a094-84873bc7-be79a312-0f99bed0",
    "b89ca719-1fea81fa-5868adf8-448926c1-a5a8efe9",
];
const INSTANCES: [&str; 3] = [
    "38d8c43a-40d39fd3-461c3c6c-ddad7157-5bf5f872",
    "73f7aad0-0770ae7f-ac7b32e9-55a9a0ee-872c48a4",
    "dcc1fe26-1c113e4c-0e8a7440-5f88052d-7092d52a",
];
const JOB: &str = "ac7ebab0-f193-4cc2-aca6-36b36a7cef86";

/// Copies `from` into `to`, recursively.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let dest = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_tree(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), &dest).expect("copy");
        }
    }
}

/// A temporary home holding a copy of the fixture.
fn v1_home() -> Home {
    let home = Home::new();
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE),
        home.path(),
    );
    home
}

fn ids(list: &serde_json::Value) -> Vec<String> {
    let mut out: Vec<String> = list
        .as_array()
        .expect("a list")
        .iter()
        .map(|r| r["ID"].as_str().expect("ID").to_string())
        .collect();
    out.sort();
    out
}

#[test]
fn a_version_1_home_lists_shows_and_archives_as_before() {
    let home = v1_home();
    assert_eq!(ids(&home.json(&["ls", "patients"])), vec![PATIENT]);
    assert_eq!(ids(&home.json(&["ls", "studies"])), STUDIES);
    assert_eq!(ids(&home.json(&["ls", "instances"])), INSTANCES);

    let patient = home.json(&["show", &PATIENT[..8]]);
    assert_eq!(patient["ID"], PATIENT);
    assert_eq!(patient["MainDicomTags"]["PatientID"], "PAT-A");
    assert_eq!(patient["Studies"].as_array().expect("studies").len(), 2);

    let tags = home.json(&["show", INSTANCES[0], "--tags"]);
    assert_eq!(tags["0010,0020"]["Value"], "PAT-A", "{tags}");
    let text = home.run(&["show", INSTANCES[0], "--tags"]);
    assert!(text.status.success(), "{}", stderr(&text));
    assert!(stdout(&text).contains("PAT-A"), "{}", stdout(&text));

    let jobs = home.json(&["jobs", "ls"]);
    assert_eq!(ids(&jobs), vec![JOB]);
    assert_eq!(jobs[0]["Type"], "Archive");
    assert_eq!(jobs[0]["State"], "Success");
    assert_eq!(jobs[0]["Content"]["InstancesCount"], 3);

    let zip = home.path().join("patient.zip");
    let o = home.run(&["archive", PATIENT, "-o", zip.to_str().expect("UTF-8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(check_zip(&zip).len(), 3);
    let jobs = home.json(&["jobs", "ls"]);
    assert_eq!(jobs.as_array().expect("jobs").len(), 2, "{jobs}");

    // The store takes new instances and removes old ones as before.
    let o = home.run(&["rm", STUDIES[0]]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(ids(&home.json(&["ls", "studies"])), vec![STUDIES[1]]);
}

/// The `meta` table of src/persist/redb/database.rs.
const META: redb::TableDefinition<&str, u64> = redb::TableDefinition::new("meta");

fn stored_version(db: &Path) -> Option<u64> {
    use redb::ReadableDatabase;
    let db = redb::Database::create(db).expect("db");
    let tx = db.begin_read().expect("tx");
    let t = tx.open_table(META).ok()?;
    t.get("schema_version").expect("get").map(|v| v.value())
}

#[test]
fn a_version_1_home_is_stamped_version_1_when_opened() {
    let home = v1_home();
    let db = home.path().join("index.redb");
    assert_eq!(stored_version(&db), None, "the fixture predates versions");
    assert_eq!(ids(&home.json(&["ls", "patients"])), vec![PATIENT]);
    assert_eq!(stored_version(&db), Some(1));
}

#[test]
fn a_database_of_a_newer_schema_is_refused_untouched() {
    let home = v1_home();
    let db = home.path().join("index.redb");
    {
        let d = redb::Database::create(&db).expect("db");
        let tx = d.begin_write().expect("tx");
        tx.open_table(META)
            .expect("meta")
            .insert("schema_version", 99)
            .expect("insert");
        tx.commit().expect("commit");
    }
    let before = std::fs::read(&db).expect("read");
    for args in [&["ls", "patients"][..], &["jobs", "ls"], &["show", PATIENT]] {
        let o = home.run(args);
        assert_eq!(o.status.code(), Some(3), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(&db.display().to_string()), "{err}");
        assert!(
            err.contains("schema version 99 is newer than this dicomq knows (1)"),
            "{err}"
        );
        assert!(err.contains("hint:"), "{err}");
        assert!(stdout(&o).is_empty());
        assert_eq!(std::fs::read(&db).expect("read"), before, "{args:?}");
    }
}
