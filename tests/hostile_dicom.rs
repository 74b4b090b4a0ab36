//! Hostile and unusual DICOM files through the real binary: inline, through the daemon's socket
//! and through `POST /instances` (files from `dicomq_testdata::malformed`).

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{Home, curl, extract_zip_entry, free_port, have_tool, stderr, stdout};
use dicom_dictionary_std::uids;
use dicomq::store::ids::orthanc_id;
use dicomq_testdata::InstanceSpec;
use dicomq_testdata::malformed as bad;

fn store_json(home: &Home, path: &Path) -> (Option<i32>, serde_json::Value, String) {
    let out = home
        .cmd()
        .arg("--json")
        .arg("store")
        .arg(path)
        .output()
        .expect("runs");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code(), json, stderr(&out))
}

fn instance_id(label: &str) -> String {
    let [study, series, instance] = bad::uids_of(label);
    orthanc_id(&[label, &study, &series, &instance])
}

fn dciodvfy_errors(path: &Path) -> Vec<String> {
    let o = Command::new("dciodvfy")
        .arg(path)
        .output()
        .expect("dciodvfy");
    let text = format!("{}{}", stdout(&o), stderr(&o));
    text.lines()
        .filter(|l| l.starts_with("Error"))
        .map(str::to_string)
        .collect()
}

/// dciodvfy finds no error in `path` that it does not find in `original` (the same data set as
/// written by dicom-object with its own meta group: the generated meta group adds none), and
/// dcmdump reads it.
fn assert_valid_as(path: &Path, original: &Path) {
    if have_tool("dciodvfy") {
        assert_eq!(dciodvfy_errors(path), dciodvfy_errors(original));
    }
    if have_tool("dcmdump") {
        let o = Command::new("dcmdump").arg(path).output().expect("dcmdump");
        assert!(o.status.success(), "dcmdump: {}", stderr(&o));
    }
}

#[test]
fn a_deeply_nested_file_is_refused_and_the_rest_of_its_folder_is_stored() {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let deep = dir.path().join("deep.dcm");
    fs::write(&deep, bad::nested_sequences("deep-2000", 2000)).expect("write");
    fs::write(
        dir.path().join("good.dcm"),
        bad::file_with_pixels("deep-neighbour", 64),
    )
    .expect("write");

    // Named alone: exit 1, the file and the reason on stderr.
    let o = home.cmd().arg("store").arg(&deep).output().expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("deep.dcm") && err.contains("nested deeper than 64 levels"),
        "{err}"
    );
    assert!(home.stored_files().is_empty());

    // In a folder: the other file is stored.
    let (code, results, err) = store_json(&home, dir.path());
    assert_eq!(code, Some(1), "{err}");
    let results = results.as_array().expect("array").clone();
    assert_eq!(results.len(), 2, "{results:?}");
    for r in &results {
        let path = r["Path"].as_str().expect("Path");
        if path.ends_with("deep.dcm") {
            assert_eq!(r["Status"], "Error");
        } else {
            assert_eq!(r["Status"], "Success", "{r}");
            assert_eq!(r["ID"], instance_id("deep-neighbour"));
        }
    }
    assert_eq!(home.stored_files().len(), 1);
}

#[test]
fn truncated_files_are_refused_then_the_whole_file_is_stored() {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let whole = bad::file_with_pixels("truncated", 4096);
    let mut tiny = bad::dataset("truncated-4gb");
    tiny.extend(bad::explicit_header(0x7FE0, 0x0010, b"OW", 0xFFFF_FFF0));
    let tiny = bad::part10("truncated-4gb", uids::EXPLICIT_VR_LITTLE_ENDIAN, &tiny);
    let cases = [
        ("half.dcm", whole[..whole.len() / 2].to_vec()),
        ("mid-pixels.dcm", whole[..whole.len() - 1000].to_vec()),
        ("minus-2.dcm", whole[..whole.len() - 2].to_vec()),
        ("huge-pixel-data.dcm", tiny),
        (
            "huge-ut.dcm",
            bad::huge_declared_length("huge-ut", 0x7FFF_FFF0),
        ),
    ];
    for (name, bytes) in &cases {
        let path = dir.path().join(name);
        fs::write(&path, bytes).expect("write");
        let o = home.cmd().arg("store").arg(&path).output().expect("runs");
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(name), "{err}");
        if *name == "huge-ut.dcm" {
            assert!(err.contains("(0040,A160) TextValue"), "{err}");
        } else {
            assert!(
                err.contains("truncated") && err.contains("(7FE0,0010) PixelData"),
                "{err}"
            );
        }
    }
    assert!(home.stored_files().is_empty(), "{:?}", home.stored_files());
    // The complete file is then new, not "already stored".
    let path = dir.path().join("whole.dcm");
    fs::write(&path, &whole).expect("write");
    let (code, results, err) = store_json(&home, &path);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(results[0]["Status"], "Success");
}

#[test]
fn valid_files_in_unusual_shapes_are_stored_as_part_10() {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let [study, series, sop] = bad::uids_of("bare");
    let spec = InstanceSpec::new_mr("bare", "Bare^Dataset", &study, &series, &sop);
    let part10 = spec.to_bytes();
    // The data set alone, in both syntaxes (written by dicom-object).
    let mut implicit = Vec::new();
    let mut explicit = Vec::new();
    let registry = dicom_transfer_syntax_registry::TransferSyntaxRegistry;
    use dicom_encoding::transfer_syntax::TransferSyntaxIndex;
    for (out, ts) in [
        (&mut implicit, uids::IMPLICIT_VR_LITTLE_ENDIAN),
        (&mut explicit, uids::EXPLICIT_VR_LITTLE_ENDIAN),
    ] {
        spec.to_object()
            .write_dataset_with_ts(out, registry.get(ts).expect("ts"))
            .expect("encode");
    }
    let expected = orthanc_id(&["bare", &study, &series, &sop]);
    for (name, bytes) in [("implicit.raw", &implicit), ("explicit.raw", &explicit)] {
        let path = dir.path().join(name);
        fs::write(&path, bytes).expect("write");
        let (code, results, err) = store_json(&home, &path);
        assert_eq!(code, Some(0), "{name}: {err}");
        assert_eq!(results[0]["ID"], expected, "{name}");
        // The stored file is Part 10: the data set as given, after a generated meta group.
        let stored = home.stored_files();
        assert_eq!(stored.len(), 1);
        let on_disk = fs::read(&stored[0]).expect("read");
        assert_eq!(&on_disk[128..132], b"DICM");
        assert!(on_disk.ends_with(bytes));
        // The Part 10 original is the same instance.
        let original = dir.path().join("original.dcm");
        fs::write(&original, &part10).expect("write");
        assert_valid_as(&stored[0], &original);
        let (_, again, _) = store_json(&home, &original);
        assert_eq!(again[0]["Status"], "AlreadyStored");
        assert!(home.run(&["rm", &expected]).status.success());
    }

    // Deflated, a 30-character ImplementationVersionName, standard elements sent as UN.
    let cases = [
        ("deflated.dcm", bad::deflated("deflated")),
        (
            "long-meta.dcm",
            bad::part10_with_version_name(
                "long-meta",
                uids::EXPLICIT_VR_LITTLE_ENDIAN,
                &bad::dataset("long-meta"),
                "THIRTY_CHARACTERS_LONG_NAME_01",
            ),
        ),
        (
            "un.dcm",
            bad::part10(
                "un",
                uids::EXPLICIT_VR_LITTLE_ENDIAN,
                &bad::un_dataset("un"),
            ),
        ),
    ];
    for (name, bytes) in &cases {
        let label = name.trim_end_matches(".dcm");
        let path = dir.path().join(name);
        fs::write(&path, bytes).expect("write");
        let (code, results, err) = store_json(&home, &path);
        assert_eq!(code, Some(0), "{name}: {err}");
        assert_eq!(results[0]["ID"], instance_id(label), "{name}");
        assert!(!err.contains("feature"), "{err}");
        let tags = home.json(&["show", &instance_id(label), "--tags"]);
        let [_, _, sop] = bad::uids_of(label);
        let text = tags.to_string();
        assert!(text.contains(&sop), "{name}: {text}");
    }
    let text = stdout(&home.run(&["show", &instance_id("un"), "--tags"]));
    let [_, _, sop] = bad::uids_of("un");
    assert!(text.contains("UI SOPInstanceUID"), "{text}");
    assert!(text.contains(&sop), "{text}");
}

#[test]
fn hostile_files_through_the_daemon_and_http_leave_it_up() {
    let home = Home::new();
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut daemon = home.daemon(&["--http", &addr]);
    common::poll(10, "the HTTP port", || {
        std::net::TcpStream::connect(&addr).ok().map(|_| ())
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let whole = bad::file_with_pixels("daemon-whole", 2048);
    let files = [
        ("deep.dcm", bad::nested_sequences("daemon-deep", 2000)),
        ("cut.dcm", whole[..whole.len() - 2].to_vec()),
        (
            "huge-ut.dcm",
            bad::huge_declared_length("daemon-ut", 0x7FFF_FFF0),
        ),
    ];
    for (name, bytes) in &files {
        let path = dir.path().join(name);
        fs::write(&path, bytes).expect("write");
        // Through the socket (the daemon answers the CLI).
        let o = home.cmd().arg("store").arg(&path).output().expect("runs");
        assert_eq!(o.status.code(), Some(1), "{name}: {}", stderr(&o));
        assert!(stderr(&o).contains(name), "{}", stderr(&o));
        // Through POST /instances.
        let up = curl(&[
            "-X",
            "POST",
            "--data-binary",
            &format!("@{}", path.display()),
            &format!("http://{addr}/instances"),
        ]);
        assert_eq!(up.status, 400, "{name}");
        assert!(
            daemon.child.try_wait().expect("wait").is_none(),
            "the daemon died on {name}"
        );
    }
    assert!(home.stored_files().is_empty());
    let path = dir.path().join("whole.dcm");
    fs::write(&path, &whole).expect("write");
    let (code, results, err) = store_json(&home, &path);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(results[0]["ID"], instance_id("daemon-whole"));
    assert!(daemon.terminate(10).success());
}

/// A file stored before the reader refused deep nesting: written into the store by hand, in
/// place of a good instance with the same identifiers.
fn home_with_a_too_deep_instance() -> (Home, String) {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let label = "stored-deep";
    let good = dir.path().join("good.dcm");
    fs::write(
        &good,
        bad::part10(label, uids::EXPLICIT_VR_LITTLE_ENDIAN, &bad::dataset(label)),
    )
    .expect("write");
    let (code, results, err) = store_json(&home, &good);
    assert_eq!(code, Some(0), "{err}");
    let stored = home.stored_files();
    assert_eq!(stored.len(), 1);
    fs::write(&stored[0], bad::nested_sequences(label, 5000)).expect("overwrite");
    let patient = home.json(&["show", results[0]["ID"].as_str().expect("ID")])["ParentSeries"]
        .as_str()
        .map(|series| home.json(&["show", series])["ParentStudy"].clone())
        .and_then(|study| study.as_str().map(|s| home.json(&["show", s])))
        .and_then(|study| study["ParentPatient"].as_str().map(str::to_string))
        .expect("patient");
    (home, patient)
}

#[test]
fn a_too_deep_stored_file_fails_the_media_job_inline_and_in_the_daemon() {
    let (home, patient) = home_with_a_too_deep_instance();
    let out = home.path().join("media.zip");
    let o = home
        .cmd()
        .args(["archive", &patient, "--media", "-o"])
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("nested deeper than 64 levels"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    let jobs = home.json(&["jobs", "ls"]);
    assert_eq!(jobs[0]["State"], "Failure", "{jobs}");

    // The same through a daemon: the job fails, the daemon stays up, a restart does not re-run it.
    let mut daemon = home.daemon(&[]);
    let o = home
        .cmd()
        .args(["archive", &patient, "--media", "-o"])
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(daemon.child.try_wait().expect("wait").is_none());
    let jobs = home.json(&["jobs", "ls"]);
    for job in jobs.as_array().expect("array") {
        assert_eq!(job["State"], "Failure", "{jobs}");
    }
    assert!(daemon.terminate(10).success());
    let mut daemon = home.daemon(&[]);
    assert!(daemon.child.try_wait().expect("wait").is_none());
    assert!(daemon.terminate(10).success());
}

/// A realistic instance whose text elements are all sent as UN (CP-246).
fn un_instance(spec: &InstanceSpec) -> Vec<u8> {
    use dicom_core::header::Header;
    use dicom_core::value::PrimitiveValue;
    use dicom_core::{DataElement, VR};
    use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
    let mut un = InMemDicomObject::new_empty();
    for e in spec.to_object().iter() {
        let text = matches!(
            e.vr(),
            VR::AE | VR::CS | VR::DA | VR::DS | VR::IS | VR::LO | VR::PN | VR::SH | VR::TM | VR::UI
        );
        if text && e.tag() != dicom_dictionary_std::tags::SPECIFIC_CHARACTER_SET {
            let mut bytes = e.value().to_str().expect("text").into_owned().into_bytes();
            if bytes.len() % 2 == 1 {
                bytes.push(if e.vr() == VR::UI { 0 } else { b' ' });
            }
            un.put(DataElement::new(
                e.tag(),
                VR::UN,
                PrimitiveValue::from(bytes),
            ));
        } else {
            un.put(e.clone());
        }
    }
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
        .media_storage_sop_class_uid(spec.sop_class.as_str())
        .media_storage_sop_instance_uid(spec.sop_uid.as_deref().expect("SOPInstanceUID"))
        .implementation_class_uid(dicomq_testdata::IMPLEMENTATION_CLASS_UID);
    let mut out = Vec::new();
    un.with_meta(meta)
        .expect("meta")
        .write_all(&mut out)
        .expect("encode");
    out
}

#[test]
fn un_elements_give_orthanc_ids_and_a_valid_dicomdir() {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let [study, series, sop] = bad::uids_of("un-media");
    let spec = InstanceSpec::new_mr("UN-MEDIA", "Un^Known", &study, &series, &sop);
    let path = dir.path().join("un.dcm");
    fs::write(&path, un_instance(&spec)).expect("write");
    let (code, results, err) = store_json(&home, &path);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        results[0]["ID"],
        orthanc_id(&["UN-MEDIA", &study, &series, &sop])
    );
    let patient = orthanc_id(&["UN-MEDIA"]);
    let zip = dir.path().join("media.zip");
    let o = home
        .cmd()
        .args(["archive", &patient, "--media", "-o"])
        .arg(&zip)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let dicomdir = dir.path().join("DICOMDIR");
    extract_zip_entry(&zip, "DICOMDIR", &dicomdir);
    if have_tool("dciodvfy") {
        let errors = dciodvfy_errors(&dicomdir);
        assert!(errors.is_empty(), "{errors:#?}");
    }
    if have_tool("dcmdump") {
        let o = Command::new("dcmdump")
            .arg(&dicomdir)
            .output()
            .expect("dcmdump");
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).contains(&sop), "{}", stdout(&o));
    }
}
