//! `dicomq anonymize` and Orthanc's anonymize routes, end to end: a study with identifying
//! values at top level, in nested sequences and in private tags anonymized into a new patient
//! and study with none of them left, references following the new UIDs; bad inputs refused
//! with nothing stored; the REST answers; kill -9 of the daemon in the middle of an async
//! anonymize.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::validators::{check_outputs, dciodvfy_errors};
use common::{Home, curl, have_tool, ids, poll, stderr, stdout};
use dicom_core::value::{DataSetSequence, PrimitiveValue, Value as DicomValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use dicomq::dicom::anonymize::{self, Action, Profile};
use dicomq_testdata::{InstanceSpec, deterministic_uid};
use serde_json::Value;

const SECRETS: [&str; 7] = [
    "PAT-1",
    "DOE^JOHN",
    "SECRET HOSPITAL",
    "OTHER-ID-SECRET",
    "PRIVATE-SECRET",
    "NESTED-PRIVATE-SECRET",
    "19700101",
];

fn text(tag: Tag, vr: VR, v: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, PrimitiveValue::from(v))
}

fn sequence(tag: Tag, items: Vec<InMemDicomObject>) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::SQ, DataSetSequence::from(items))
}

/// One instance: the spec's attributes, and identifying values in a removed nested sequence
/// (Other Patient IDs), a kept one holding a reference to `referenced` and a private element,
/// and a private group at top level.
fn instance(spec: &InstanceSpec, referenced: &str) -> Vec<u8> {
    let mut obj = spec.to_object();
    obj.put(text(tags::INSTITUTION_NAME, VR::LO, "SECRET HOSPITAL"));
    obj.put(text(tags::PATIENT_BIRTH_DATE, VR::DA, "19700101"));
    obj.put(sequence(
        tags::OTHER_PATIENT_I_DS_SEQUENCE,
        vec![InMemDicomObject::from_element_iter([
            text(tags::PATIENT_ID, VR::LO, "OTHER-ID-SECRET"),
            text(tags::TYPE_OF_PATIENT_ID, VR::CS, "TEXT"),
        ])],
    ));
    obj.put(sequence(
        tags::REFERENCED_IMAGE_SEQUENCE,
        vec![InMemDicomObject::from_element_iter([
            text(tags::REFERENCED_SOP_CLASS_UID, VR::UI, &spec.sop_class),
            text(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, referenced),
            text(Tag(0x0011, 0x0010), VR::LO, "DICOMQ TEST"),
            text(Tag(0x0011, 0x1001), VR::LO, "NESTED-PRIVATE-SECRET"),
        ])],
    ));
    obj.put(text(Tag(0x0009, 0x0010), VR::LO, "DICOMQ TEST"));
    obj.put(text(Tag(0x0009, 0x1001), VR::LO, "PRIVATE-SECRET"));
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax("1.2.840.10008.1.2.1")
        .implementation_class_uid("1.2.826.0.1.3680043.9.7433.1");
    let file = obj.with_meta(meta).expect("meta");
    let mut out = Vec::new();
    file.write_all(&mut out).expect("encode");
    out
}

/// A study of `series` series of `per_series` instances, each referencing the first of its
/// series, stored; its ID and every source UID.
fn store_study(
    home: &Home,
    label: &str,
    series: usize,
    per_series: usize,
) -> (String, BTreeSet<String>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let study = deterministic_uid(&format!("{label}-study"));
    let mut uids = BTreeSet::from([study.clone()]);
    for s in 0..series {
        let series_uid = deterministic_uid(&format!("{label}-series-{s}"));
        uids.insert(series_uid.clone());
        let first = deterministic_uid(&format!("{label}-sop-{s}-0"));
        for i in 0..per_series {
            let sop = deterministic_uid(&format!("{label}-sop-{s}-{i}"));
            uids.insert(sop.clone());
            let mut spec = InstanceSpec::new_mr("PAT-1", "DOE^JOHN", &study, &series_uid, &sop);
            spec.series_number = Some(s as u32 + 1);
            spec.instance_number = Some(i as u32 + 1);
            std::fs::write(
                dir.path().join(format!("{s}-{i}.dcm")),
                instance(&spec, &first),
            )
            .expect("write");
        }
    }
    let o = home.run(&["-q", "store", dir.path().to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let studies = ids(&home.json(&["ls", "studies"]));
    assert_eq!(studies.len(), 1, "one study stored");
    (studies.into_iter().next().expect("study"), uids)
}

/// Every element of a data set at every depth: (tag, text value) pairs.
fn walk(obj: &InMemDicomObject, out: &mut Vec<(Tag, String)>) {
    for e in obj {
        let tag = e.header().tag;
        match e.value() {
            DicomValue::Sequence(seq) => {
                out.push((tag, String::new()));
                for item in seq.items() {
                    walk(item, out);
                }
            }
            v => out.push((tag, v.to_str().map(|s| s.to_string()).unwrap_or_default())),
        }
    }
}

fn elements(path: &Path) -> (dicom_object::DefaultDicomObject, Vec<(Tag, String)>) {
    let file = dicom_object::open_file(path).expect("read back");
    let mut all = Vec::new();
    walk(&file, &mut all);
    (file, all)
}

#[test]
fn a_study_is_anonymized_into_a_new_patient_with_nothing_identifying_left() {
    let home = Home::new();
    let (study, source_uids) = store_study(&home, "a1", 2, 3);
    let before: BTreeSet<PathBuf> = home.stored_files().into_iter().collect();
    let source_errors: BTreeSet<String> = if have_tool("dciodvfy") {
        before.iter().flat_map(|f| dciodvfy_errors(f)).collect()
    } else {
        BTreeSet::new()
    };
    let source_patient = ids(&home.json(&["ls", "patients"]))[0].clone();

    let content = home.json(&["anonymize", &study]);
    assert_eq!(content["IsAnonymization"], true);
    assert_eq!(content["Type"], "Study");
    assert_eq!(content["InstancesCount"], 6);
    let new = content["ID"].as_str().expect("ID").to_string();
    assert_ne!(new, study);
    assert_ne!(
        content["PatientID"],
        source_patient.as_str(),
        "a new patient"
    );
    assert_eq!(ids(&home.json(&["ls", "patients"])).len(), 2);
    assert_eq!(
        ids(&home.json(&["ls", "instances", "--parent", &new])).len(),
        6,
        "same instance count"
    );
    assert!(
        home.json(&["show", &study]).is_object(),
        "the source is kept by default"
    );

    let files: Vec<PathBuf> = home
        .stored_files()
        .into_iter()
        .filter(|f| !before.contains(f))
        .collect();
    assert_eq!(files.len(), 6);
    let mut new_sops = BTreeSet::new();
    let mut referenced = BTreeSet::new();
    let mut patient_names = BTreeSet::new();
    let mut patient_ids = BTreeSet::new();
    for f in &files {
        let (file, all) = elements(f);
        for (tag, value) in &all {
            assert!(tag.group() % 2 == 0, "{}: private {tag} left", f.display());
            let action = anonymize::action(Profile::V2023b, *tag);
            assert_ne!(
                action,
                Some(Action::Remove),
                "{}: X {tag} left",
                f.display()
            );
            for secret in SECRETS
                .iter()
                .copied()
                .chain(source_uids.iter().map(String::as_str))
            {
                assert!(
                    !value.contains(secret),
                    "{}: {tag} still holds {secret:?}",
                    f.display()
                );
            }
            if *tag == tags::REFERENCED_SOP_INSTANCE_UID {
                referenced.insert(value.trim_end_matches('\0').to_string());
            }
        }
        let has = |t: Tag| all.iter().any(|(tag, _)| *tag == t);
        assert!(has(tags::REFERENCED_IMAGE_SEQUENCE), "X/Z/U* sequence kept");
        assert!(
            !has(tags::OTHER_PATIENT_I_DS_SEQUENCE),
            "X sequence removed"
        );
        assert!(
            has(tags::INSTITUTION_NAME),
            "X/Z/D with a value gets a dummy"
        );
        let get = |t: Tag| {
            file.get(t)
                .and_then(|e| e.to_str().ok())
                .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
                .unwrap_or_default()
        };
        new_sops.insert(get(tags::SOP_INSTANCE_UID));
        assert_eq!(
            file.meta().media_storage_sop_instance_uid(),
            get(tags::SOP_INSTANCE_UID)
        );
        patient_names.insert(get(tags::PATIENT_NAME));
        patient_ids.insert(get(tags::PATIENT_ID));
        assert_eq!(get(tags::PATIENT_IDENTITY_REMOVED), "YES");
        assert!(
            get(tags::DEIDENTIFICATION_METHOD).contains("Basic"),
            "{}",
            get(tags::DEIDENTIFICATION_METHOD)
        );
    }
    assert_eq!(patient_ids.len(), 1, "one new patient: {patient_ids:?}");
    assert_eq!(patient_names.len(), 1, "{patient_names:?}");
    let name = patient_names.into_iter().next().expect("name");
    assert!(name.starts_with("Anonymized") && name.len() > 10, "{name}");
    assert_eq!(referenced.len(), 2, "one reference per series");
    assert!(
        referenced.is_subset(&new_sops),
        "references follow the new UIDs: {referenced:?} not in {new_sops:?}"
    );
    check_outputs(&files, &source_errors);

    // A second job gives another patient (Orthanc's per-job map) and stores as many again.
    let again = home.json(&["anonymize", &study, "--replace", "PatientName=KEPT^NAME"]);
    assert_ne!(again["PatientID"], content["PatientID"]);
    let show = home.json(&["show", again["PatientID"].as_str().expect("patient")]);
    assert_eq!(
        show["MainDicomTags"]["PatientName"], "KEPT^NAME",
        "Replace wins"
    );
    assert_eq!(
        home.json(&["ls", "instances"]).as_array().expect("a").len(),
        18
    );
}

#[test]
fn bad_inputs_are_refused_and_store_nothing() {
    let home = Home::new();
    let (study, _) = store_study(&home, "a2", 1, 2);
    let files = home.stored_files();
    for (args, says) in [
        (vec!["--profile", "2099"], "2099"),
        (vec!["--profile", "2008"], "2008"),
        (vec!["--keep", "NoSuchTag"], "NoSuchTag"),
        (vec!["--replace", "SOPInstanceUID=1.2.3"], "Force"),
    ] {
        let mut cmd = vec!["anonymize", study.as_str()];
        cmd.extend(args.iter().copied());
        let o = home.run(&cmd);
        assert_eq!(o.status.code(), Some(1), "{cmd:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{cmd:?}: {}", stderr(&o));
    }
    let o = home.run(&["anonymize", "ffffffff"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let instance = ids(&home.json(&["ls", "instances"]))[0].clone();
    let o = home.run(&["anonymize", &instance]);
    assert_eq!(o.status.code(), Some(1), "an instance: {}", stderr(&o));
    assert_eq!(home.stored_files(), files, "nothing stored");
    assert_eq!(
        home.json(&["jobs", "ls"]).as_array().map_or(0, Vec::len),
        0,
        "no job"
    );
}

#[test]
fn rest_anonymize_answers_as_orthanc() {
    let home = Home::new();
    let (study, source_uids) = store_study(&home, "a3", 1, 2);
    let files = home.stored_files();
    let (_d, base) = home.http_daemon();
    let url = |p: &str| format!("{base}{p}");
    let post = |p: &str, body: &str| curl(&["-X", "POST", "--data-binary", body, &url(p)]);

    for (body, status, says) in [
        (r#"{"DicomVersion":"2008"}"#, 400, "2008"),
        (r#"{"DicomVersion":"1999"}"#, 400, "1999"),
        (r#"{"DicomVersion":7}"#, 400, "DicomVersion"),
        (r#"{"Transcode":"1.2.840.10008.1.2"}"#, 501, ""),
        (r#"{"Keep":["NoSuchTag"]}"#, 400, "NoSuchTag"),
    ] {
        let r = post(&format!("/studies/{study}/anonymize"), body);
        let text = String::from_utf8_lossy(&r.body).to_string();
        assert_eq!(r.status, status, "{body}: {text}");
        assert!(text.contains(says), "{body}: {text}");
    }
    assert_eq!(post("/studies/ffffffff/anonymize", "{}").status, 404);
    assert_eq!(home.stored_files(), files, "nothing stored");

    let instance = ids(&home.json(&["ls", "instances"]))[0].clone();
    let r = post(&format!("/instances/{instance}/anonymize"), "{}");
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(
        home.stored_files(),
        files,
        "an instance's answer stores nothing"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let answer = dir.path().join("answer.dcm");
    std::fs::write(&answer, &r.body).expect("write");
    let (_, all) = elements(&answer);
    for (tag, value) in &all {
        assert!(tag.group() % 2 == 0, "private {tag} left");
        for secret in SECRETS
            .iter()
            .copied()
            .chain(source_uids.iter().map(String::as_str))
        {
            assert!(!value.contains(secret), "{tag} still holds {secret:?}");
        }
    }

    let r = post(
        &format!(
            "/series/{}/anonymize",
            home.json(&["ls", "series"])[0]["ID"]
                .as_str()
                .expect("series")
        ),
        r#"{"Asynchronous":true,"KeepSource":false,"DicomVersion":"2017c","KeepPrivateTags":true,"UserData":{"n":1}}"#,
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let id = r.json()["ID"].as_str().expect("job ID").to_string();
    let done = poll(30, "the async anonymize", || {
        let j = curl(&[&url(&format!("/jobs/{id}"))]).json();
        (j["State"] == "Success").then_some(j)
    });
    assert_eq!(done["Type"], "ResourceModification");
    assert_eq!(done["Content"]["IsAnonymization"], true);
    assert_eq!(done["Content"]["Type"], "Series");
    assert_eq!(done["UserData"]["n"], 1);
    assert_eq!(
        curl(&[&url(&format!("/studies/{study}"))]).status,
        404,
        "source deleted"
    );
    let new_files = home.stored_files();
    assert_eq!(new_files.len(), 2);
    let (_, all) = elements(&new_files[0]);
    assert!(
        all.iter().any(|(_, v)| v == "PRIVATE-SECRET"),
        "KeepPrivateTags keeps them"
    );
}

#[test]
fn kill_9_during_an_async_anonymize_then_restart_gives_every_instance_once() {
    let home = Home::new();
    let n = 40;
    let (study, _) = store_study(&home, "a4", 1, n);
    let mut d = home.daemon(&[]);
    let o = home.run(&["anonymize", &study, "--async", "--step-delay-ms", "50"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let job = stdout(&o).trim().to_string();
    let progress = poll(60, "the anonymize to start", || {
        let p = home.json(&["jobs", "show", &job])["Progress"].as_u64()?;
        (p > 10).then_some(p)
    });
    d.kill9();
    assert!(progress < 100, "finished before the kill ({progress} %)");
    let _d = home.daemon(&[]);
    let o = home.run(&["jobs", "wait", &job]);
    assert!(o.status.success(), "{}", stderr(&o));
    let info = home.json(&["jobs", "show", &job]);
    assert_eq!(info["State"], "Success");
    let new = info["Content"]["ID"].as_str().expect("ID").to_string();
    assert_eq!(
        home.json(&["ls", "instances", "--parent", &new])
            .as_array()
            .expect("a")
            .len(),
        n,
        "no duplicate, no loss"
    );
    assert_eq!(
        home.json(&["ls", "instances"]).as_array().expect("a").len(),
        2 * n
    );
    assert_eq!(ids(&home.json(&["ls", "patients"])).len(), 2);
}

#[test]
fn consistent_anonymization_gives_the_same_pseudonyms_in_every_job() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    let (study, _) = store_study(&home, "a5", 1, 2);
    let key = home.path().join("anonymization.key");
    assert!(!key.exists(), "made only when asked");
    let run = |args: &[&str]| {
        let o = home.run(args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        (
            serde_json::from_str::<Value>(&stdout(&o)).expect("JSON"),
            format!("{}{}", stdout(&o), stderr(&o)),
        )
    };
    let (first, out1) = run(&["--json", "anonymize", &study, "--consistent"]);
    let mode = std::fs::metadata(&key)
        .expect("key made")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "private");
    let secret = std::fs::read_to_string(&key).expect("key");
    let (second, out2) = run(&["--json", "anonymize", &study, "--consistent"]);
    assert_eq!(second["ID"], first["ID"], "the same new study");
    assert_eq!(
        second["PatientID"], first["PatientID"],
        "the same new patient"
    );
    assert_eq!(
        home.json(&["ls", "instances"]).as_array().expect("a").len(),
        4,
        "the second job stored nothing new"
    );
    assert_eq!(
        std::fs::read_to_string(&key).expect("key"),
        secret,
        "made once"
    );
    let (other, out3) = run(&["--json", "anonymize", &study]);
    assert_ne!(other["PatientID"], first["PatientID"], "per job without it");
    let jobs = format!("{}", home.json(&["jobs", "ls"]));
    for text in [out1, out2, out3, jobs] {
        assert!(!text.contains(secret.trim()), "the key is never printed");
    }
}

#[test]
fn a_patient_is_anonymized_and_an_ambiguous_prefix_refused() {
    let (a, b) = common::study_uids_sharing_a_prefix("PAT-1");
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, study) in [a, b].iter().enumerate() {
        let spec = InstanceSpec::new_mr(
            "PAT-1",
            "DOE^JOHN",
            study,
            &format!("{study}.1"),
            &format!("{study}.1.1"),
        );
        std::fs::write(
            dir.path().join(format!("{i}.dcm")),
            instance(&spec, &format!("{study}.1.1")),
        )
        .expect("write");
    }
    let o = home.run(&["-q", "store", dir.path().to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let studies = ids(&home.json(&["ls", "studies"]));
    assert_eq!(studies[0][..8], studies[1][..8]);
    let files = home.stored_files();
    let o = home.run(&["anonymize", &studies[0][..8]]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("ambiguous"), "{}", stderr(&o));
    assert_eq!(home.stored_files(), files, "nothing stored");

    let patient = ids(&home.json(&["ls", "patients"]))[0].clone();
    let content = home.json(&["anonymize", &patient, "--no-keep-source"]);
    assert_eq!(content["Type"], "Patient");
    let new = content["ID"].as_str().expect("ID");
    assert_eq!(content["PatientID"], new);
    assert_eq!(
        ids(&home.json(&["ls", "patients"])),
        vec![new.to_string()],
        "source gone"
    );
    assert_eq!(
        ids(&home.json(&["ls", "studies", "--parent", new])).len(),
        2,
        "both studies under the one new patient"
    );
}
