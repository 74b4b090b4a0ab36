//! End-to-end tests of `store`, `ls`, `show` and `rm` with the real binary.

mod common;

use std::fs;

use common::{Home, fixture, fixtures, orthanc_ids, stderr, stdout};

#[test]
fn ids_match_orthanc_for_every_sample() {
    let home = Home::new();
    let results = home.json(&["store", fixtures().to_str().expect("utf8")]);
    let results = results.as_array().expect("array");
    let expected = orthanc_ids();
    assert_eq!(results.len(), expected.len(), "one result per .dcm file");
    for r in results {
        let path = r["Path"].as_str().expect("Path");
        let name = path.rsplit('/').next().expect("name");
        assert_eq!(r["Status"], "Success", "{path}: {r}");
        assert_eq!(r["Error"], serde_json::Value::Null);
        assert_eq!(r["ID"].as_str(), Some(expected[name][3].as_str()), "{name}");
        // And the parents are Orthanc's too.
        let inst = home.json(&["show", &expected[name][3]]);
        assert_eq!(
            inst["ParentSeries"].as_str(),
            Some(expected[name][2].as_str())
        );
        let series = home.json(&["show", &expected[name][2]]);
        assert_eq!(
            series["ParentStudy"].as_str(),
            Some(expected[name][1].as_str())
        );
        let study = home.json(&["show", &expected[name][1]]);
        assert_eq!(
            study["ParentPatient"].as_str(),
            Some(expected[name][0].as_str())
        );
    }
}

#[test]
fn shapes_follow_orthanc() {
    let home = Home::new();
    assert!(
        home.run(&["store", fixtures().to_str().expect("utf8")])
            .status
            .success()
    );
    let study = home.json(&["show", "b89ca719"]);
    assert_eq!(study["Type"], "Study");
    assert_eq!(study["MainDicomTags"]["StudyDescription"], "Brain MRI");
    assert_eq!(study["MainDicomTags"]["AccessionNumber"], "ACC-A1");
    // Latin-1 (ISO_IR 100) decoded to UTF-8, as Orthanc shows it.
    assert_eq!(
        study["PatientMainDicomTags"]["PatientName"],
        "Müller^Jürgen"
    );
    assert_eq!(study["Series"].as_array().map(Vec::len), Some(2));
    let series = home.json(&["show", "0cfd7b50"]);
    assert_eq!(series["Status"], "Unknown");
    assert_eq!(series["ExpectedNumberOfInstances"], serde_json::Value::Null);
    assert_eq!(series["Instances"].as_array().map(Vec::len), Some(5));
    let patients = home.json(&["ls", "patients"]);
    assert_eq!(patients.as_array().map(Vec::len), Some(6));
    let names: Vec<&str> = patients
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|p| p["MainDicomTags"]["PatientName"].as_str())
        .collect();
    assert!(names.contains(&"山田^太郎"), "{names:?}");
    // --parent narrows, from any ancestor level.
    let inst = home.json(&["ls", "instances", "--parent", "b89ca719"]);
    assert_eq!(inst.as_array().map(Vec::len), Some(10));
    // The table lists the same resources.
    let table = stdout(&home.run(&["ls", "studies"]));
    assert!(
        table.contains("Brain MRI") && table.contains("b89ca719"),
        "{table}"
    );
}

#[test]
fn show_tags_of_an_instance() {
    let home = Home::new();
    assert!(
        home.run(&["store", fixture("A_s1_i1.dcm").to_str().expect("utf8")])
            .status
            .success()
    );
    let tags = home.json(&["show", "38d8c43a", "--tags"]);
    assert_eq!(tags["0010,0010"]["Name"], "PatientName");
    assert_eq!(tags["0010,0010"]["Value"], "Müller^Jürgen");
    assert_eq!(tags["7fe0,0010"]["Type"], "Null");
    let text = stdout(&home.run(&["show", "38d8c43a", "--tags"]));
    assert!(text.contains("(0010,0020) LO PatientID  PAT-A"), "{text}");
}

#[test]
fn bad_files_are_reported_and_the_rest_is_stored() {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    fs::copy(fixture("A_s1_i1.dcm"), dir.path().join("good.dcm")).expect("copy");
    fs::write(dir.path().join("notes.txt"), "just text").expect("write");
    fs::write(dir.path().join("image.png"), b"\x89PNG\r\n\x1a\n....").expect("write");
    let full = fs::read(fixture("A_s1_i2.dcm")).expect("read");
    fs::write(dir.path().join("truncated.dcm"), &full[..300]).expect("write");
    std::os::unix::fs::symlink(dir.path().join("gone"), dir.path().join("dangling.dcm"))
        .expect("symlink");
    let out = home
        .cmd()
        .arg("--json")
        .arg("store")
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let by_name = |n: &str| {
        results
            .as_array()
            .expect("array")
            .iter()
            .find(|r| r["Path"].as_str().is_some_and(|p| p.ends_with(n)))
            .cloned()
            .unwrap_or_else(|| panic!("no result for {n}: {results}"))
    };
    assert_eq!(by_name("good.dcm")["Status"], "Success");
    for bad in ["notes.txt", "image.png", "truncated.dcm", "dangling.dcm"] {
        let r = by_name(bad);
        assert_eq!(r["Status"], "Error", "{bad}");
        assert!(
            r["Error"].as_str().is_some_and(|e| !e.is_empty()),
            "{bad}: {r}"
        );
    }
    assert!(
        by_name("notes.txt")["Error"]
            .as_str()
            .unwrap_or("")
            .contains("not a DICOM file")
    );
    // Nothing half-stored: exactly one file in the storage, no temporaries.
    assert_eq!(home.stored_files().len(), 1, "{:?}", home.stored_files());
    let err = stderr(&out);
    assert!(
        err.contains("notes.txt") && err.contains("stored 1, already stored 0, failed 4"),
        "{err}"
    );
}

#[test]
fn same_file_twice_is_stored_once() {
    let home = Home::new();
    let f = fixture("B_s1_i1.dcm");
    let f = f.to_str().expect("utf8");
    let results = home.json(&["store", f, f]);
    assert_eq!(results[0]["Status"], "Success");
    assert_eq!(results[1]["Status"], "AlreadyStored");
    assert_eq!(results[0]["ID"], results[1]["ID"]);
    let again = home.json(&["store", f]);
    assert_eq!(again[0]["Status"], "AlreadyStored");
    assert_eq!(home.stored_files().len(), 1);
}

#[test]
fn empty_patient_id_is_accepted() {
    let home = Home::new();
    let r = home.json(&["store", fixture("G_s1_i1.dcm").to_str().expect("utf8")]);
    assert_eq!(r[0]["Status"], "Success");
    let p = home.json(&["show", "da39a3ee-5e6b4b0d-3255bfef-95601890-afd80709"]);
    assert_eq!(p["MainDicomTags"]["PatientID"], "");
}

#[test]
fn unknown_ambiguous_and_short_ids() {
    let home = Home::new();
    assert!(
        home.run(&["store", fixtures().to_str().expect("utf8")])
            .status
            .success()
    );
    for cmd in ["show", "rm"] {
        let out = home.run(&[cmd, "ffffffff-0000"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr(&out).contains("error: no resource matches 'ffffffff-0000'"),
            "{}",
            stderr(&out)
        );
        let out = home.run(&[cmd, "abc"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("hint:"), "{}", stderr(&out));
    }
    // An ambiguous prefix: two patients whose IDs share their first 8 hex digits, found by
    // trying PatientIDs (a 32-bit birthday search: about 80 000 SHA-1s).
    let mut seen = std::collections::HashMap::new();
    let (a, b) = (0u32..)
        .find_map(|n| {
            let pid = format!("P{n}");
            let id = dicomq::store::ids::orthanc_id(&[pid.as_str()]);
            seen.insert(id[..8].to_string(), pid.clone())
                .map(|other| (other, pid))
        })
        .expect("a shared prefix");
    let dir = tempfile::tempdir().expect("tempdir");
    for (n, pid) in [&a, &b].into_iter().enumerate() {
        let uid = |level: &str| format!("1.2.826.0.1.3680043.10.1078.{level}.{n}");
        let spec = dicomq_testdata::InstanceSpec::new_mr(
            pid,
            "TWIN^PREFIX",
            &uid("1"),
            &uid("2"),
            &uid("3"),
        );
        fs::write(dir.path().join(format!("{n}.dcm")), spec.to_bytes()).expect("write");
    }
    assert!(
        home.run(&["store", dir.path().to_str().expect("utf8")])
            .status
            .success()
    );
    let full = |pid: &str| dicomq::store::ids::orthanc_id(&[pid]);
    let prefix = full(&a)[..8].to_string();
    for cmd in ["show", "rm"] {
        let out = home.run(&[cmd, &prefix]);
        assert_eq!(out.status.code(), Some(1), "{cmd}");
        let err = stderr(&out);
        assert!(err.contains(&full(&a)) && err.contains(&full(&b)), "{err}");
        assert!(
            err.contains("hint: give more characters of the ID"),
            "{err}"
        );
    }
    // Nothing was removed; one more character (or the full ID) picks one.
    assert_eq!(
        home.json(&["show", &full(&a)])["MainDicomTags"]["PatientID"],
        a.as_str()
    );
    assert_eq!(
        home.json(&["show", &full(&b)])["MainDicomTags"]["PatientID"],
        b.as_str()
    );
}

#[test]
fn rm_removes_descendants_files_and_empty_parents() {
    let home = Home::new();
    assert!(
        home.run(&["store", fixtures().to_str().expect("utf8")])
            .status
            .success()
    );
    let before = home.stored_files().len();
    assert_eq!(before, 19);
    // One instance of a 5-instance series: the series remains.
    let r = home.json(&["rm", "38d8c43a"]);
    assert_eq!(r[0]["RemainingAncestor"]["Type"], "Series");
    assert_eq!(home.stored_files().len(), 18);
    // The whole study B (3 instances): its patient is left empty and goes too.
    let r = home.json(&["rm", "8ecfcd19"]);
    assert_eq!(r[0]["RemainingAncestor"], serde_json::Value::Null);
    assert_eq!(home.stored_files().len(), 15);
    let out = home.run(&["show", "ed57787b"]);
    assert_eq!(out.status.code(), Some(1), "patient B should be gone");
    // A typo among IDs removes nothing.
    let out = home.run(&["rm", "0cfd7b50", "ffffffff"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(home.stored_files().len(), 15);
}

#[test]
fn unusable_home_and_database() {
    // A home below a regular file cannot be created: exit 3.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("file");
    fs::write(&file, "x").expect("write");
    let out = assert_cmd::Command::cargo_bin("dicomq")
        .expect("bin")
        .env_clear()
        .arg("--home")
        .arg(file.join("home"))
        .args(["ls", "patients"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("data home"), "{}", stderr(&out));

    // An index.redb that is not a redb database: refused, untouched.
    let home = Home::new();
    let db = home.path().join("index.redb");
    fs::write(&db, b"this is not a database, keep me").expect("write");
    let out = home.run(&["ls", "patients"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("index.redb") && stderr(&out).contains("not a dicomq database"));
    assert_eq!(
        fs::read(&db).expect("read"),
        b"this is not a database, keep me"
    );
}

#[test]
fn corrupt_and_odd_config() {
    let home = Home::new();
    fs::write(home.path().join("config.json"), "{ \"ConcurrentJobs\": ").expect("write");
    let out = home.run(&["ls", "patients"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("config.json") && stderr(&out).contains("not valid JSON"));

    fs::write(home.path().join("config.json"), "{ \"SaveJobs\": \"yes\" }").expect("write");
    let out = home.run(&["ls", "patients"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("\"SaveJobs\" must be a boolean"),
        "{}",
        stderr(&out)
    );

    fs::write(
        home.path().join("config.json"),
        "// comment\n{ \"HttpPort\": 8042, /* Orthanc's */ \"Name\": \"x\" }",
    )
    .expect("write");
    let out = home.run(&["ls", "patients"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let warnings: Vec<&str> = std::str::from_utf8(&out.stderr)
        .expect("utf8")
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");

    let out = home
        .cmd()
        .args(["--config", "/nonexistent/c.json", "ls", "patients"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("/nonexistent/c.json"));
}

#[test]
fn usage_errors_exit_2_and_json_pipes_cleanly() {
    let home = Home::new();
    let out = home.run(&["ls", "planets"]);
    assert_eq!(out.status.code(), Some(2));
    let out = home
        .cmd()
        .args(["ls", "patients", "--json"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON only on stdout");
    assert_eq!(v, serde_json::json!([]));
}

#[test]
fn generated_corpus_edge_cases() {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, spec) in dicomq_testdata::corpus() {
        fs::write(dir.path().join(&name), spec.to_bytes()).expect("write");
    }
    let (bad_name, bad) = dicomq_testdata::invalid_corpus().remove(0);
    fs::write(dir.path().join(&bad_name), bad.to_bytes()).expect("write");
    let out = home
        .cmd()
        .arg("--json")
        .arg("store")
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let results = results.as_array().expect("array");
    let failed: Vec<&serde_json::Value> =
        results.iter().filter(|r| r["Status"] == "Error").collect();
    assert_eq!(
        failed.len(),
        1,
        "only the file without SOPInstanceUID fails: {failed:?}"
    );
    assert!(
        failed[0]["Error"]
            .as_str()
            .unwrap_or("")
            .contains("missing SOPInstanceUID")
    );
    assert!(
        failed[0]["Path"]
            .as_str()
            .unwrap_or("")
            .ends_with(&bad_name)
    );
    // A missing PatientID is stored under the empty ID, as Orthanc does.
    let p = home.json(&["show", "da39a3ee"]);
    assert_eq!(p["Type"], "Patient");
}

#[test]
fn ten_thousand_files_in_one_folder() {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let paths = dicomq_testdata::write_files(dir.path(), 10_000, 600).expect("generate");
    assert_eq!(paths.len(), 10_000);
    let out = home
        .cmd()
        .arg("store")
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("stored 10000, already stored 0, failed 0"),
        "{}",
        stderr(&out)
    );
    assert_eq!(home.stored_files().len(), 10_000);
    assert_eq!(stdout(&out).lines().count(), 10_000);
}
