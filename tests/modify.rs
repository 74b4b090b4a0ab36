//! `dicomq modify` and Orthanc's modify routes, end to end: a study modified into a new one,
//! bad inputs refused with nothing stored, the REST answers, and kill -9 of the daemon in the
//! middle of an async modify.

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use common::validators::{check_outputs, stored_errors as source_errors};
use common::{Home, curl, have_tool, ids, poll, stderr, stdout};
use dicomq_testdata::{InstanceSpec, deterministic_uid};
use serde_json::Value;

/// A study of `series` series of `per_series` instances, stored; its ID.
fn store_study(home: &Home, label: &str, series: usize, per_series: usize) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = deterministic_uid(&format!("{label}-study"));
    for s in 0..series {
        let series_uid = deterministic_uid(&format!("{label}-series-{s}"));
        for i in 0..per_series {
            let sop = deterministic_uid(&format!("{label}-sop-{s}-{i}"));
            let mut spec = InstanceSpec::new_mr("PAT-1", "DOE^JOHN", &study, &series_uid, &sop);
            spec.series_number = Some(s as u32 + 1);
            spec.instance_number = Some(i as u32 + 1);
            std::fs::write(dir.path().join(format!("{s}-{i}.dcm")), spec.to_bytes())
                .expect("write");
        }
    }
    let o = home.run(&["-q", "store", dir.path().to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let studies = ids(&home.json(&["ls", "studies"]));
    assert_eq!(studies.len(), 1, "one study stored");
    studies.into_iter().next().expect("study")
}

fn tag(v: &Value, group: &str, name: &str) -> String {
    v[group][name].as_str().unwrap_or_default().to_string()
}

/// The main-tag `name` of every instance under `parent`.
fn instance_tags(home: &Home, parent: &str, name: &str) -> BTreeSet<String> {
    home.json(&["ls", "instances", "--parent", parent])
        .as_array()
        .expect("array")
        .iter()
        .map(|v| tag(v, "MainDicomTags", name))
        .collect()
}

/// The error lines dciodvfy reports for a file, without their values.

#[test]
fn a_study_is_modified_into_a_new_one_and_the_source_removed() {
    let home = Home::new();
    let src = store_study(&home, "m1", 2, 3);
    let before = home.json(&["show", &src]);
    let src_series = instance_tags(&home, &src, "SOPInstanceUID");
    let errors = source_errors(&home);
    let answer = home.json(&[
        "modify",
        &src[..8],
        "--replace",
        "PatientName=NEW^NAME",
        "--replace",
        "StudyDescription=Changed",
        "--no-keep-source",
    ]);
    let new = answer["ID"].as_str().expect("ID").to_string();
    assert_ne!(new, src);
    assert_eq!(answer["Type"], "Study");
    assert_eq!(answer["Path"], format!("/studies/{new}"));
    assert_eq!(answer["InstancesCount"], 6);
    assert_eq!(answer["FailedInstancesCount"], 0);
    assert_eq!(answer["IsAnonymization"], false);
    assert_eq!(answer["ParentResources"], serde_json::json!([src]));
    assert_eq!(
        ids(&home.json(&["ls", "studies"])),
        vec![new.clone()],
        "source removed"
    );
    let patients = ids(&home.json(&["ls", "patients"]));
    assert_eq!(
        patients,
        vec![answer["PatientID"].as_str().expect("PatientID").to_string()]
    );

    let after = home.json(&["show", &new]);
    assert_eq!(tag(&after, "MainDicomTags", "StudyDescription"), "Changed");
    assert_eq!(
        tag(&after, "PatientMainDicomTags", "PatientName"),
        "NEW^NAME"
    );
    assert_eq!(tag(&after, "PatientMainDicomTags", "PatientID"), "PAT-1");
    let old_uid = tag(&before, "MainDicomTags", "StudyInstanceUID");
    let new_uid = tag(&after, "MainDicomTags", "StudyInstanceUID");
    assert!(
        new_uid.starts_with("2.25.") && new_uid != old_uid,
        "{new_uid}"
    );
    assert_eq!(after["Series"].as_array().expect("series").len(), 2);
    let sops = instance_tags(&home, &new, "SOPInstanceUID");
    assert_eq!(sops.len(), 6);
    assert!(sops.is_disjoint(&src_series), "new SOPInstanceUIDs");
    let series = home.json(&["ls", "series", "--parent", &new]);
    for s in series.as_array().expect("array") {
        let uid = tag(s, "MainDicomTags", "SeriesInstanceUID");
        assert!(uid.starts_with("2.25."), "new SeriesInstanceUID {uid}");
    }
    let files = home.stored_files();
    assert_eq!(files.len(), 6, "only the new instances' files remain");
    check_outputs(&files, &errors);
}

#[test]
fn the_source_is_kept_by_default_and_a_series_modify_keeps_its_study() {
    let home = Home::new();
    let study = store_study(&home, "m2", 2, 2);
    let series = ids(&home.json(&["ls", "series"]));
    let o = home.run(&["modify", &series[0], "--replace", "SeriesDescription=Fixed"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let new = stdout(&o).trim().to_string();
    assert_eq!(ids(&home.json(&["ls", "studies"])), vec![study.clone()]);
    assert_eq!(ids(&home.json(&["ls", "series"])).len(), 3, "source kept");
    let view = home.json(&["show", &new]);
    assert_eq!(tag(&view, "MainDicomTags", "SeriesDescription"), "Fixed");
    assert_eq!(view["ParentStudy"], study.as_str());
    assert_eq!(
        home.json(&["ls", "instances"]).as_array().expect("a").len(),
        6
    );
}

#[test]
fn bad_inputs_are_refused_and_store_nothing() {
    let home = Home::new();
    let study = store_study(&home, "m3", 1, 2);
    let files = home.stored_files();
    for (args, says) in [
        (vec!["--remove", "PatientID", "--force"], "PatientID"),
        (vec!["--replace", "SOPInstanceUID=1.2.3"], "Force"),
        (vec!["--replace", "NoSuchTag=x"], "NoSuchTag"),
        (vec!["--replace", "StudyDate=2024-13-45"], "StudyDate"),
        (vec!["--replace", "PatientName"], "TAG=VALUE"),
    ] {
        let mut cmd = vec!["modify", study.as_str()];
        cmd.extend(args.iter().copied());
        let o = home.run(&cmd);
        assert_eq!(o.status.code(), Some(1), "{cmd:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{cmd:?}: {}", stderr(&o));
    }
    let o = home.run(&["modify", "ffffffff", "--replace", "PatientName=X"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let instance = ids(&home.json(&["ls", "instances"]))[0].clone();
    let o = home.run(&["modify", &instance, "--replace", "PatientName=X"]);
    assert_eq!(o.status.code(), Some(1), "an instance: {}", stderr(&o));
    assert_eq!(home.stored_files(), files, "nothing stored");
    assert_eq!(
        home.json(&["jobs", "ls"]).as_array().map_or(0, Vec::len),
        0,
        "no job"
    );
}

#[test]
fn an_ambiguous_prefix_is_refused() {
    let (a, b) = common::study_uids_sharing_a_prefix("PAT-1");
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, study) in [a, b].iter().enumerate() {
        let spec = InstanceSpec::new_mr(
            "PAT-1",
            "DOE",
            study,
            &format!("{study}.1"),
            &format!("{study}.1.1"),
        );
        std::fs::write(dir.path().join(format!("{i}.dcm")), spec.to_bytes()).expect("write");
    }
    assert!(
        home.run(&["-q", "store", dir.path().to_str().expect("utf8")])
            .status
            .success()
    );
    let studies = ids(&home.json(&["ls", "studies"]));
    assert_eq!(studies.len(), 2);
    assert_eq!(studies[0][..8], studies[1][..8]);
    let files = home.stored_files();
    let o = home.run(&["modify", &studies[0][..8], "--replace", "PatientName=X"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("ambiguous"), "{}", stderr(&o));
    assert_eq!(home.stored_files(), files);
}

#[test]
fn rest_modify_answers_as_orthanc() {
    let home = Home::new();
    let study = store_study(&home, "m4", 1, 2);
    let (_d, base) = home.http_daemon();
    let url = |p: &str| format!("{base}{p}");
    let post = |p: &str, body: &str| curl(&["-X", "POST", "--data-binary", body, &url(p)]);

    let r = post(
        &format!("/studies/{study}/modify"),
        r#"{"Replace":{"PatientName":"REST^NAME"}}"#,
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let content = r.json();
    let new = content["ID"].as_str().expect("ID").to_string();
    assert_eq!(content["Type"], "Study");
    assert_eq!(content["Path"], format!("/studies/{new}"));
    assert!(content["PatientID"].is_string());
    assert_eq!(
        curl(&[&url(&format!("/studies/{study}"))]).status,
        200,
        "kept"
    );

    let r = post(
        &format!("/studies/{study}/modify"),
        r#"{"Replace":{"StudyDescription":"Async"},"Asynchronous":true,"KeepSource":false}"#,
    );
    assert_eq!(r.status, 200);
    let job = r.json();
    let id = job["ID"].as_str().expect("job ID").to_string();
    assert_eq!(job["Path"], format!("/jobs/{id}"));
    let done = poll(30, "the async modify", || {
        let j = curl(&[&url(&format!("/jobs/{id}"))]).json();
        (j["State"] == "Success").then_some(j)
    });
    assert_eq!(done["Type"], "ResourceModification");
    assert_eq!(done["Content"]["InstancesCount"], 2);
    assert_eq!(
        curl(&[&url(&format!("/studies/{study}"))]).status,
        404,
        "source deleted"
    );

    let instance = ids(&home.json(&["ls", "instances", "--parent", &new]))[0].clone();
    let count = home.json(&["ls", "instances"]).as_array().expect("a").len();
    let r = post(
        &format!("/instances/{instance}/modify"),
        r#"{"Replace":{"PatientName":"ONE^FILE"}}"#,
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/dicom"));
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("one.dcm");
    std::fs::write(&file, &r.body).expect("write");
    check_outputs(std::slice::from_ref(&file), &source_errors(&home));
    if have_tool("dcmdump") {
        let dump = stdout(
            &Command::new("dcmdump")
                .arg(&file)
                .output()
                .expect("dcmdump"),
        );
        assert!(dump.contains("ONE^FILE"), "{dump}");
    }
    assert_eq!(
        home.json(&["ls", "instances"]).as_array().expect("a").len(),
        count,
        "nothing stored"
    );

    for (body, status) in [
        (r#"{"Remove":["PatientID"],"Force":true}"#, 400),
        (r#"{"Replace":{"SOPInstanceUID":"1.2.3"}}"#, 400),
        (r#"{"Replace":{"NoSuchTag":"x"}}"#, 400),
        (r#"{"Replace":{"StudyDate":"notadate"}}"#, 400),
        (r#"{"Transcode":"1.2.840.10008.1.2.4.50"}"#, 501),
    ] {
        let r = post(&format!("/studies/{new}/modify"), body);
        assert_eq!(
            r.status,
            status,
            "{body}: {}",
            String::from_utf8_lossy(&r.body)
        );
        if status == 400 {
            assert!(r.json()["Details"].is_string(), "{body}");
        }
    }
    assert_eq!(
        post(
            "/studies/ffffffff-ffffffff-ffffffff-ffffffff-ffffffff/modify",
            "{}"
        )
        .status,
        404
    );
    assert_eq!(
        home.json(&["ls", "instances"]).as_array().expect("a").len(),
        count,
        "nothing stored"
    );
}

#[test]
fn kill_9_during_an_async_modify_then_restart_gives_every_instance_once() {
    let home = Home::new();
    let n = 40;
    let study = store_study(&home, "m5", 1, n);
    let mut d = home.daemon(&[]);
    let o = home.run(&[
        "modify",
        &study,
        "--replace",
        "PatientName=CRASH^TEST",
        "--async",
        "--step-delay-ms",
        "50",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let job = stdout(&o).trim().to_string();
    let progress = poll(60, "the modify to start", || {
        let p = home.json(&["jobs", "show", &job])["Progress"].as_u64()?;
        (p > 10).then_some(p)
    });
    d.kill9();
    assert!(
        progress < 100,
        "the modify finished before the kill ({progress} %)"
    );
    let _d = home.daemon(&[]);
    let o = home.run(&["jobs", "wait", &job]);
    assert!(o.status.success(), "{}", stderr(&o));
    let info = home.json(&["jobs", "show", &job]);
    assert_eq!(info["State"], "Success");
    let new = info["Content"]["ID"].as_str().expect("ID").to_string();
    let sops = home.json(&["ls", "instances", "--parent", &new]);
    assert_eq!(
        sops.as_array().expect("a").len(),
        n,
        "no duplicate, no loss"
    );
    assert_eq!(
        home.json(&["ls", "instances"]).as_array().expect("a").len(),
        2 * n
    );
    assert_eq!(ids(&home.json(&["ls", "studies"])).len(), 2);
}

#[test]
fn a_canceled_modify_resubmitted_stores_every_instance_once() {
    let home = Home::new();
    let n = 12;
    let study = store_study(&home, "m6", 2, n / 2);
    let _d = home.daemon(&[]);
    let o = home.run(&[
        "--json",
        "modify",
        &study,
        "--replace",
        "StudyDescription=Resubmitted",
        "--no-keep-source",
        "--async",
        "--step-delay-ms",
        "100",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let answer: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let job = answer["ID"].as_str().expect("job ID").to_string();
    assert_eq!(answer["Path"], format!("/jobs/{job}"));
    poll(60, "some instances modified", || {
        let p = home.json(&["jobs", "show", &job])["Progress"].as_u64()?;
        (p > 20).then_some(())
    });
    assert!(home.run(&["jobs", "cancel", &job]).status.success());
    // A running job stops at its next step boundary.
    poll(30, "the cancel", || {
        (home.json(&["jobs", "show", &job])["State"] == "Failure").then_some(())
    });
    let stored = home.json(&["ls", "instances"]).as_array().expect("a").len();
    assert!(
        stored > n && stored < 2 * n,
        "{stored} instances: canceled midway"
    );
    assert_eq!(
        ids(&home.json(&["ls", "studies"])).len(),
        2,
        "source kept until the end"
    );
    let o = home.run(&["jobs", "resubmit", &job]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(home.run(&["jobs", "wait", &job]).status.success());
    let info = home.json(&["jobs", "show", &job]);
    assert_eq!(info["State"], "Success");
    let new = info["Content"]["ID"].as_str().expect("ID").to_string();
    assert_eq!(ids(&home.json(&["ls", "studies"])), vec![new.clone()]);
    assert_eq!(
        home.json(&["ls", "instances", "--parent", &new])
            .as_array()
            .expect("a")
            .len(),
        n,
        "the instances of the first run were found already stored"
    );
}

#[test]
fn permissive_goes_on_past_an_unreadable_instance_and_keeps_it() {
    let home = Home::new();
    let study = store_study(&home, "m7", 1, 3);
    let files = home.stored_files();
    std::fs::remove_file(&files[0]).expect("remove one stored file");
    let (_d, base) = home.http_daemon();
    let url = format!("{base}/studies/{study}/modify");
    let r = curl(&[
        "-X",
        "POST",
        "--data-binary",
        r#"{"Replace":{"PatientName":"X"}}"#,
        &url,
    ]);
    assert_eq!(r.status, 500, "{}", String::from_utf8_lossy(&r.body));
    let r = curl(&[
        "-X",
        "POST",
        "--data-binary",
        r#"{"Replace":{"PatientName":"Y"},"Permissive":true,"KeepSource":false}"#,
        &url,
    ]);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let content = r.json();
    assert_eq!(content["InstancesCount"], 3);
    assert_eq!(content["FailedInstancesCount"], 1);
    let new = content["ID"].as_str().expect("ID");
    let count = |parent: &str| {
        home.json(&["ls", "instances", "--parent", parent])
            .as_array()
            .expect("a")
            .len()
    };
    assert_eq!(count(new), 2);
    assert_eq!(count(&study), 1, "the instance that failed is not deleted");
}

/// The `Resources` of a bulk job's Content of one `Type`.
fn bulk_resources(content: &Value, kind: &str) -> BTreeSet<String> {
    content["Resources"]
        .as_array()
        .expect("Resources")
        .iter()
        .filter(|r| r["Type"] == kind)
        .map(|r| r["ID"].as_str().expect("ID").to_string())
        .collect()
}

#[test]
fn bulk_modify_and_anonymize_answer_as_orthanc() {
    let home = Home::new();
    let study = store_study(&home, "bulk", 2, 2);
    let series = ids(&home.json(&["ls", "series"]));
    let first_series: Vec<String> = ids(&home.json(&["ls", "instances", "--parent", &series[0]]));
    let lone = first_series[0].clone();
    let patient = ids(&home.json(&["ls", "patients"]))[0].clone();
    let (_d, base) = home.http_daemon();
    let post =
        |p: &str, body: &str| curl(&["-X", "POST", "--data-binary", body, &format!("{base}{p}")]);
    let count = |level: &str| home.json(&["ls", level]).as_array().expect("a").len();

    // No Level and no identifier replaced: the instance level, so the new instance stays in its
    // series, study and patient, which Resources names too (Orthanc's test_bulk_modify).
    let r = post(
        "/tools/bulk-modify",
        &format!(r#"{{"Resources":["{lone}"]}}"#),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let a = r.json();
    assert_eq!(a["ParentResources"], serde_json::json!([lone]));
    let new_instances = bulk_resources(&a, "Instance");
    assert_eq!(new_instances.len(), 1);
    assert!(!new_instances.contains(&lone));
    assert_eq!(
        bulk_resources(&a, "Series"),
        BTreeSet::from([series[0].clone()])
    );
    assert_eq!(bulk_resources(&a, "Study"), BTreeSet::from([study.clone()]));
    assert_eq!(
        bulk_resources(&a, "Patient"),
        BTreeSet::from([patient.clone()])
    );
    assert_eq!(count("instances"), 5);
    // Orthanc's metadata: the new instance names its source.
    let new_one = new_instances.iter().next().expect("one");
    let from = curl(&[&format!("{base}/instances/{new_one}/metadata/ModifiedFrom")]);
    assert_eq!((from.status, from.body.as_slice()), (200, lone.as_bytes()));
    let meta = curl(&[&format!("{base}/instances/{new_one}/metadata?expand")]).json();
    assert!(
        meta["ReceptionDate"].is_string() && meta["SopClassUid"].is_string(),
        "{meta}"
    );
    let view = curl(&[&format!("{base}/instances/{new_one}")]).json();
    assert_eq!(
        view["ModifiedFrom"],
        lone.as_str(),
        "Orthanc's resource JSON names it too"
    );
    assert_eq!(
        curl(&[&format!(
            "{base}/series/{}/metadata/ModifiedFrom",
            series[0]
        )])
        .status,
        404,
        "the series existed"
    );

    // Anonymized: every level is new; two unrelated resources (a series and an instance of
    // the other series) in one job, the sources removed.
    let other: Vec<String> = ids(&home.json(&["ls", "instances", "--parent", &series[1]]));
    let r = post(
        "/tools/bulk-anonymize",
        &format!(
            r#"{{"Resources":["{}","{}"],"KeepSource":false}}"#,
            series[0], other[0]
        ),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let b = r.json();
    assert_eq!(b["IsAnonymization"], true);
    assert_eq!(b["InstancesCount"], 4, "3 of the series + 1");
    assert_eq!(bulk_resources(&b, "Instance").len(), 4);
    assert_eq!(
        bulk_resources(&b, "Patient").len(),
        1,
        "one pseudonym per job"
    );
    assert!(!bulk_resources(&b, "Study").contains(&study));
    let anon_series = bulk_resources(&b, "Series");
    let sources: BTreeSet<String> = series.iter().cloned().collect();
    for new_series in &anon_series {
        let from = curl(&[&format!(
            "{base}/series/{new_series}/metadata/AnonymizedFrom"
        )]);
        assert_eq!(from.status, 200);
        assert!(sources.contains(&String::from_utf8_lossy(&from.body).to_string()));
    }
    for new_patient in bulk_resources(&b, "Patient") {
        let from = curl(&[&format!(
            "{base}/patients/{new_patient}/metadata/AnonymizedFrom"
        )]);
        assert_eq!(String::from_utf8_lossy(&from.body), patient);
    }
    for gone in first_series.iter().chain([&other[0]]) {
        let r = curl(&[&format!("{base}/instances/{gone}")]);
        assert_eq!(r.status, 404, "source {gone} removed");
    }
    assert_eq!(
        curl(&[&format!("{base}/instances/{}", other[1])]).status,
        200
    );

    // Level given: a study-level bulk-modify makes a new study.
    let r = post(
        "/tools/bulk-modify",
        &format!(
            r#"{{"Level":"Study","Resources":["{}"],"Replace":{{}}}}"#,
            other[1]
        ),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let c = r.json();
    assert_eq!(bulk_resources(&c, "Study").len(), 1);
    assert!(!bulk_resources(&c, "Study").contains(&study));
    assert_eq!(bulk_resources(&c, "Patient"), BTreeSet::from([patient]));
    // The lists of created instances (outputs/<job>.created) go with their jobs' ends.
    let left: Vec<_> = std::fs::read_dir(home.path().join("outputs"))
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.ends_with(".created"))
                .collect()
        })
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");

    let before = count("instances");
    for (route, body, status) in [
        ("/tools/bulk-modify", "{}".to_string(), 400),
        ("/tools/bulk-modify", r#"{"Resources":[]}"#.to_string(), 400),
        (
            "/tools/bulk-modify",
            r#"{"Resources":[7]}"#.to_string(),
            400,
        ),
        (
            "/tools/bulk-modify",
            format!(r#"{{"Resources":["{}"],"Level":"Galaxy"}}"#, other[1]),
            400,
        ),
        (
            "/tools/bulk-anonymize",
            format!(r#"{{"Resources":["{}"],"Level":"Study"}}"#, other[1]),
            400,
        ),
        (
            "/tools/bulk-modify",
            format!(r#"{{"Resources":["{}"],"Remove":["PatientID"]}}"#, other[1]),
            400,
        ),
        (
            "/tools/bulk-modify",
            r#"{"Resources":["ffffffff-ffffffff-ffffffff-ffffffff-ffffffff"]}"#.to_string(),
            404,
        ),
        (
            "/tools/bulk-modify",
            format!(
                r#"{{"Resources":["{}"],"Transcode":"1.2.840.10008.1.2.4.50"}}"#,
                other[1]
            ),
            501,
        ),
    ] {
        let r = post(route, &body);
        assert_eq!(
            r.status,
            status,
            "{route} {body}: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
    assert_eq!(
        count("instances"),
        before,
        "nothing stored by a refused request"
    );
}

#[test]
fn a_sequence_replaced_over_rest_gives_a_valid_file() {
    let home = Home::new();
    let study = store_study(&home, "seq", 1, 1);
    let instance = ids(&home.json(&["ls", "instances", "--parent", &study]))[0].clone();
    let errors = source_errors(&home);
    let (_d, base) = home.http_daemon();
    let body = r#"{"Replace":{"ReferencedStudySequence":[{"ReferencedSOPClassUID":"1.2.840.10008.3.1.2.3.1","ReferencedSOPInstanceUID":"1.2.3.99"}],"PatientComments":"data:application/octet-stream;base64,aGVsbG8="}}"#;
    let r = curl(&[
        "-X",
        "POST",
        "--data-binary",
        body,
        &format!("{base}/instances/{instance}/modify"),
    ]);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("seq.dcm");
    std::fs::write(&file, &r.body).expect("write");
    check_outputs(std::slice::from_ref(&file), &errors);
    if have_tool("dcmdump") {
        let dump = stdout(
            &Command::new("dcmdump")
                .arg(&file)
                .output()
                .expect("dcmdump"),
        );
        assert!(dump.contains("(0008,1110) SQ"), "{dump}");
        assert!(
            dump.contains("1.2.3.99") && dump.contains("[hello]"),
            "{dump}"
        );
    }
    // The CLI takes a sequence in JSON after the `=`.
    let o = home.run(&[
        "modify",
        &study,
        "--replace",
        r#"RequestAttributesSequence=[{"RequestedProcedureID":"RP7"}]"#,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = home.run(&[
        "modify",
        &study,
        "--replace",
        "RequestAttributesSequence=[{",
    ]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("RequestAttributesSequence"),
        "{}",
        stderr(&o)
    );
}

/// Orthanc 1.11.3+ (test_modify_study_module_reconstruction): a study modified with Force
/// while keeping its StudyInstanceUID shows the new tags, and so does its patient.
#[test]
fn a_study_that_keeps_its_uid_shows_the_new_tags() {
    let home = Home::new();
    let study = store_study(&home, "recon", 1, 2);
    let before = home.json(&["show", &study]);
    let uid = tag(&before, "MainDicomTags", "StudyInstanceUID");
    let patient = before["ParentPatient"]
        .as_str()
        .expect("patient")
        .to_string();
    let o = home.run(&[
        "modify",
        &study,
        "--force",
        "--replace",
        &format!("StudyInstanceUID={uid}"),
        "--replace",
        "StudyDescription=TOTO",
        "--replace",
        "PatientName=NEW^NAME",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), study, "the same study");
    let after = home.json(&["show", &study]);
    assert_eq!(tag(&after, "MainDicomTags", "StudyDescription"), "TOTO");
    assert_eq!(
        tag(&after, "PatientMainDicomTags", "PatientName"),
        "NEW^NAME"
    );
    let p = home.json(&["show", &patient]);
    assert_eq!(tag(&p, "MainDicomTags", "PatientName"), "NEW^NAME");
    let changes = home.json(&["changes"]);
    let types: Vec<&str> = changes["Changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter_map(|c| c["ChangeType"].as_str())
        .collect();
    assert!(types.contains(&"ModifiedStudy"), "{types:?}");
}
