//! `dicomq split` / `dicomq merge` and Orthanc's `/studies/{id}/split` and `/merge`, end to
//! end: a series split off into a new study and merged back, bad inputs refused with nothing
//! stored, the REST answers, and kill -9 of the daemon in the middle of an async split/merge.

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use common::validators::{check_outputs, stored_errors as source_errors};
use common::{Home, curl, have_tool, ids, poll, stderr, stdout};
use dicomq_testdata::{InstanceSpec, deterministic_uid};
use serde_json::Value;

/// Stores a study of `series` series of `per_series` instances of patient PAT-1; its ID.
fn store_study(home: &Home, label: &str, series: usize, per_series: usize) -> String {
    let before: BTreeSet<String> = ids(&home.json(&["ls", "studies"])).into_iter().collect();
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
    let new: Vec<String> = ids(&home.json(&["ls", "studies"]))
        .into_iter()
        .filter(|s| !before.contains(s))
        .collect();
    assert_eq!(new.len(), 1, "one study stored");
    new.into_iter().next().expect("study")
}

fn children(home: &Home, what: &str, parent: &str) -> Vec<String> {
    ids(&home.json(&["ls", what, "--parent", parent]))
}

fn count(home: &Home, what: &str) -> usize {
    home.json(&["ls", what]).as_array().expect("array").len()
}

fn main_tag(home: &Home, id: &str, name: &str) -> String {
    home.json(&["show", id])["MainDicomTags"][name]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_series_is_split_off_and_merged_back() {
    let home = Home::new();
    let study = store_study(&home, "s1", 2, 3);
    let series = children(&home, "series", &study);
    assert_eq!(series.len(), 2);
    let errors = source_errors(&home);

    let answer = home.json(&["split", &study[..8], "--series", &series[0][..8]]);
    let new = answer["TargetStudy"]
        .as_str()
        .expect("TargetStudy")
        .to_string();
    assert_ne!(new, study);
    assert_eq!(answer["InstancesCount"], 3);
    assert_eq!(answer["FailedInstancesCount"], 0);
    let uid = answer["TargetStudyUID"].as_str().expect("TargetStudyUID");
    assert!(uid.starts_with("2.25."), "{uid}");
    assert_eq!(main_tag(&home, &new, "StudyInstanceUID"), uid);
    let mut studies = ids(&home.json(&["ls", "studies"]));
    studies.sort();
    let mut expected = vec![study.clone(), new.clone()];
    expected.sort();
    assert_eq!(studies, expected);
    assert_eq!(children(&home, "instances", &new).len(), 3);
    assert_eq!(children(&home, "instances", &study).len(), 3);
    assert_eq!(children(&home, "series", &study), vec![series[1].clone()]);
    assert_eq!(count(&home, "patients"), 1, "same patient");
    assert_eq!(count(&home, "instances"), 6, "the source series deleted");
    let new_series = children(&home, "series", &new);
    assert_eq!(new_series.len(), 1);
    assert!(!series.contains(&new_series[0]), "a new SeriesInstanceUID");
    check_outputs(&home.stored_files(), &errors);

    let answer = home.json(&["merge", &study[..8], &new[..8]]);
    assert_eq!(answer["TargetStudy"], study.as_str());
    assert_eq!(answer["InstancesCount"], 3);
    assert_eq!(ids(&home.json(&["ls", "studies"])), vec![study.clone()]);
    assert_eq!(children(&home, "instances", &study).len(), 6);
    assert_eq!(children(&home, "series", &study).len(), 2);
    assert_eq!(count(&home, "instances"), 6);
    assert_eq!(count(&home, "patients"), 1);
    check_outputs(&home.stored_files(), &errors);
}

#[test]
fn a_merge_takes_the_target_patient_and_study_tags() {
    let home = Home::new();
    let target = store_study(&home, "s7", 1, 2);
    let dir = tempfile::tempdir().expect("tempdir");
    for i in 0..2 {
        let mut spec = InstanceSpec::new_mr(
            "PAT-2",
            "ROE^JANE",
            &deterministic_uid("s7-other-study"),
            &deterministic_uid("s7-other-series"),
            &deterministic_uid(&format!("s7-other-sop-{i}")),
        );
        spec.study_description = Some("Other study".into());
        spec.accession = Some("ACC-OTHER".into());
        std::fs::write(dir.path().join(format!("{i}.dcm")), spec.to_bytes()).expect("write");
    }
    let o = home.run(&["-q", "store", dir.path().to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(count(&home, "patients"), 2);
    let errors = source_errors(&home);
    let source = ids(&home.json(&["ls", "studies"]))
        .into_iter()
        .find(|s| *s != target)
        .expect("the other study");
    let o = home.run(&["merge", &target, &source]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), target);
    assert_eq!(ids(&home.json(&["ls", "studies"])), vec![target.clone()]);
    assert_eq!(count(&home, "patients"), 1, "the target's patient only");
    assert_eq!(children(&home, "instances", &target).len(), 4);
    let description = main_tag(&home, &target, "StudyDescription");
    let accession = main_tag(&home, &target, "AccessionNumber");
    assert_ne!(description, "Other study");
    assert_ne!(accession, "ACC-OTHER");
    // Every file, the merged ones included, carries the target's study tags.
    if have_tool("dcmdump") {
        for f in home.stored_files() {
            let o = Command::new("dcmdump").arg(&f).output().expect("dcmdump");
            let dump = stdout(&o);
            assert!(dump.contains("DOE^JOHN"), "{}: {dump}", f.display());
            assert!(
                !dump.contains("ROE^JANE") && !dump.contains("ACC-OTHER"),
                "{dump}"
            );
        }
    }
    check_outputs(&home.stored_files(), &errors);
}

#[test]
fn split_of_instances_with_replace_keeps_the_source_when_asked() {
    let home = Home::new();
    let study = store_study(&home, "s2", 1, 3);
    let instances = children(&home, "instances", &study);
    let errors = source_errors(&home);
    let o = home.run(&[
        "split",
        &study,
        "--instances",
        &instances[0],
        &instances[1],
        "--replace",
        "AccessionNumber=ACC-9",
        "--replace",
        "PatientName=NEW^NAME",
        "--remove",
        "StudyDescription",
        "--keep-source",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let new = stdout(&o).trim().to_string();
    assert_eq!(new.len(), study.len(), "prints the study ID: {new}");
    assert_eq!(children(&home, "instances", &new).len(), 2);
    assert_eq!(children(&home, "instances", &study).len(), 3, "kept");
    assert_eq!(main_tag(&home, &new, "AccessionNumber"), "ACC-9");
    assert_eq!(main_tag(&home, &new, "StudyDescription"), "");
    assert_ne!(
        main_tag(&home, &study, "StudyDescription"),
        "",
        "the source unchanged"
    );
    check_outputs(&home.stored_files(), &errors);
}

#[test]
fn bad_inputs_are_refused_and_store_nothing() {
    let home = Home::new();
    let study = store_study(&home, "s3", 2, 2);
    let other = store_study(&home, "s3-other", 1, 1);
    let series = children(&home, "series", &study);
    let other_series = children(&home, "series", &other);
    let files = home.stored_files();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["split", &study, "--series", &other_series[0]],
            "study to split",
        ),
        (vec!["split", &study], "--series"),
        (
            vec![
                "split",
                &study,
                "--series",
                &series[0],
                "--replace",
                "SeriesDescription=X",
            ],
            "Patient and General Study",
        ),
        (
            vec![
                "split",
                &study,
                "--series",
                &series[0],
                "--replace",
                "StudyInstanceUID=1.2.3",
            ],
            "Patient and General Study",
        ),
        (vec!["split", &study, "--series", "ffffffff"], "ffffffff"),
        (vec!["split", &study, "--series", &study], "not a series"),
        (vec!["merge", &study, &study], "itself"),
        (vec!["merge", &study, &series[0]], "already in the target"),
        (vec!["merge", &study, "ffffffff"], "ffffffff"),
        (vec!["merge", "ffffffff", &other], "ffffffff"),
        (vec!["merge", &study, &study[..4]], "too short"),
    ];
    for (cmd, says) in cases {
        let o = home.run(&cmd);
        assert_eq!(o.status.code(), Some(1), "{cmd:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{cmd:?}: {}", stderr(&o));
    }
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
    let o = home.run(&["-q", "store", dir.path().to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let third = store_study(&home, "s4", 1, 1);
    let files = home.stored_files();
    let studies = ids(&home.json(&["ls", "studies"]));
    let prefix = studies
        .iter()
        .find(|s| studies.iter().filter(|t| t[..8] == s[..8]).count() == 2)
        .expect("two studies share a prefix")[..8]
        .to_string();
    for cmd in [
        vec!["merge", third.as_str(), prefix.as_str()],
        vec!["merge", prefix.as_str(), third.as_str()],
    ] {
        let o = home.run(&cmd);
        assert_eq!(o.status.code(), Some(1), "{cmd:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("ambiguous"), "{cmd:?}: {}", stderr(&o));
    }
    assert_eq!(home.stored_files(), files);
}

#[test]
fn rest_split_and_merge_answer_as_orthanc() {
    let home = Home::new();
    let study = store_study(&home, "s5", 2, 2);
    let other = store_study(&home, "s5-other", 1, 1);
    let series = children(&home, "series", &study);
    let other_series = children(&home, "series", &other);
    let (_d, base) = home.http_daemon();
    let url = |p: &str| format!("{base}{p}");
    let post = |p: &str, body: &str| curl(&["-X", "POST", "--data-binary", body, &url(p)]);
    let split = format!("/studies/{study}/split");
    let merge = format!("/studies/{study}/merge");
    let files = home.stored_files();

    for (path, body, status) in [
        (split.as_str(), "{}".to_string(), 400),
        (
            split.as_str(),
            format!(
                r#"{{"Series":["{}"],"Replace":{{"Modality":"CT"}}}}"#,
                series[0]
            ),
            400,
        ),
        (
            split.as_str(),
            format!(r#"{{"Series":["{}"]}}"#, other_series[0]),
            404,
        ),
        (
            merge.as_str(),
            format!(r#"{{"Resources":["{study}"]}}"#),
            400,
        ),
        (merge.as_str(), "{}".to_string(), 400),
        (
            "/studies/ffffffffffffffff/split",
            r#"{"Series":[]}"#.to_string(),
            404,
        ),
    ] {
        let r = post(path, &body);
        assert_eq!(
            r.status,
            status,
            "{path} {body}: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
    assert_eq!(home.stored_files(), files, "nothing stored");

    let r = post(
        &split,
        &format!(r#"{{"Series":["{}"],"KeepSource":true}}"#, series[0]),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let content = r.json();
    let new = content["TargetStudy"]
        .as_str()
        .expect("TargetStudy")
        .to_string();
    assert!(content["TargetStudyUID"].is_string());
    assert_eq!(content["InstancesCount"], 2);
    assert_eq!(
        curl(&[&url(&format!("/series/{}", series[0]))]).status,
        200,
        "kept"
    );

    let r = post(
        &format!("/studies/{new}/merge"),
        &format!(r#"{{"Resources":["{other}"],"Asynchronous":true}}"#),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let id = r.json()["ID"].as_str().expect("job ID").to_string();
    let done = poll(30, "the async merge", || {
        let j = curl(&[&url(&format!("/jobs/{id}"))]).json();
        (j["State"] == "Success").then_some(j)
    });
    assert_eq!(done["Type"], "MergeStudy");
    assert_eq!(done["Content"]["TargetStudy"], new.as_str());
    assert_eq!(done["Content"]["InstancesCount"], 1);
    assert_eq!(
        curl(&[&url(&format!("/studies/{other}"))]).status,
        404,
        "source deleted"
    );
    assert_eq!(children(&home, "instances", &new).len(), 3);
}

/// Submits `args` with --async, kills the daemon mid-job, restarts it and waits for the job.
fn crash_and_resume(home: &Home, args: &[&str]) -> Value {
    let mut d = home.daemon(&[]);
    let mut cmd = args.to_vec();
    cmd.extend(["--async", "--step-delay-ms", "50"]);
    let o = home.run(&cmd);
    assert!(o.status.success(), "{}", stderr(&o));
    let job = stdout(&o).trim().to_string();
    let progress = poll(60, "the job to start", || {
        let p = home.json(&["jobs", "show", &job])["Progress"].as_u64()?;
        (p > 10).then_some(p)
    });
    d.kill9();
    assert!(
        progress < 100,
        "the job finished before the kill ({progress} %)"
    );
    let mut d = home.daemon(&[]);
    let o = home.run(&["jobs", "wait", &job]);
    assert!(o.status.success(), "{}", stderr(&o));
    let info = home.json(&["jobs", "show", &job]);
    d.terminate(10);
    assert_eq!(info["State"], "Success", "{info:#}");
    info
}

#[test]
fn kill_9_during_an_async_split_and_merge_gives_every_instance_once() {
    let home = Home::new();
    let n = 40;
    let study = store_study(&home, "s6", 2, n / 2);
    let series = children(&home, "series", &study);

    let info = crash_and_resume(&home, &["split", &study, "--series", &series[0]]);
    let new = info["Content"]["TargetStudy"]
        .as_str()
        .expect("TargetStudy")
        .to_string();
    assert_eq!(
        children(&home, "instances", &new).len(),
        n / 2,
        "no duplicate, no loss"
    );
    assert_eq!(children(&home, "instances", &study).len(), n / 2);
    assert_eq!(count(&home, "instances"), n, "the sources deleted");

    let info = crash_and_resume(&home, &["merge", &study, &new]);
    assert_eq!(info["Content"]["TargetStudy"], study.as_str());
    assert_eq!(
        children(&home, "instances", &study).len(),
        n,
        "no duplicate, no loss"
    );
    assert_eq!(ids(&home.json(&["ls", "studies"])), vec![study]);
    assert_eq!(count(&home, "instances"), n);
}

#[test]
fn a_canceled_split_resubmitted_stores_every_instance_once() {
    let home = Home::new();
    let n = 12;
    let study = store_study(&home, "s8", 2, n / 2);
    let series = children(&home, "series", &study);
    let _d = home.daemon(&[]);
    let o = home.run(&[
        "--json",
        "split",
        &study,
        "--series",
        &series[0],
        "--async",
        "--step-delay-ms",
        "150",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let answer: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let job = answer["ID"].as_str().expect("job ID").to_string();
    assert_eq!(answer["Path"], format!("/jobs/{job}"));
    poll(60, "some instances moved", || {
        let p = home.json(&["jobs", "show", &job])["Progress"].as_u64()?;
        (p > 20).then_some(())
    });
    assert!(home.run(&["jobs", "cancel", &job]).status.success());
    // A running job stops at its next step boundary.
    poll(30, "the cancel", || {
        (home.json(&["jobs", "show", &job])["State"] == "Failure").then_some(())
    });
    let stored = count(&home, "instances");
    assert!(
        stored > n && stored < n + n / 2,
        "{stored} instances: canceled midway"
    );
    assert_eq!(
        children(&home, "instances", &study).len(),
        n,
        "sources kept until the end"
    );
    let o = home.run(&["jobs", "resubmit", &job]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(home.run(&["jobs", "wait", &job]).status.success());
    let info = home.json(&["jobs", "show", &job]);
    assert_eq!(info["State"], "Success", "{info:#}");
    let new = info["Content"]["TargetStudy"]
        .as_str()
        .expect("TargetStudy")
        .to_string();
    assert_eq!(
        children(&home, "instances", &new).len(),
        n / 2,
        "the instances of the first run were found already stored"
    );
    assert_eq!(children(&home, "instances", &study).len(), n / 2);
    assert_eq!(count(&home, "instances"), n);
}
