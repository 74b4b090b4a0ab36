//! Character sets end to end (issue 11, defect 9): a stored file whose names use ISO 2022 code
//! extensions or Latin-5 shows decoded text in `ls`, `show --tags` and a media DICOMDIR.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{Home, check_zip, extract_zip_entry, have_tool, stderr, stdout};
use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicomq_testdata::{self as testdata, Charset, InstanceSpec, raw_element};

/// PS3.5 H.3.1, value 1 of (0008,0005) empty, value 2 ISO 2022 IR 87.
const ANNEX_H_SCS: &[u8] = b"\\ISO 2022 IR 87";
const ANNEX_H_NAME: &[u8] =
    b"Yamada^Tarou=\x1b$B;3ED\x1b(B^\x1b$BB@O:\x1b(B=\x1b$B$d$^$@\x1b(B^\x1b$B$?$m$&\x1b(B";
const ANNEX_H_TEXT: &str = "Yamada^Tarou=山田^太郎=やまだ^たろう";
const PLACEHOLDER: &str = "PLACEHOLDER^NAME";

/// A complete MR instance (the generator's), with (0008,0005) and PatientName replaced by raw
/// bytes that dicom-object cannot write.
fn instance(pid: &str, scs: &[u8], name: &[u8]) -> Vec<u8> {
    let uid = |suffix: &str| testdata::deterministic_uid(&format!("{pid}{suffix}"));
    let mut spec = InstanceSpec::new_mr(
        pid,
        PLACEHOLDER,
        &uid("study"),
        &uid("series"),
        &uid("instance"),
    );
    spec.charset = Charset::Latin1;
    let bytes = spec.to_bytes();
    let bytes = splice(
        &bytes,
        tags::SPECIFIC_CHARACTER_SET,
        b"CS",
        b"ISO_IR 100",
        scs,
    );
    splice(
        &bytes,
        tags::PATIENT_NAME,
        b"PN",
        PLACEHOLDER.as_bytes(),
        name,
    )
}

/// Replaces one encoded element (no group lengths in the generated data set, so the rest of
/// the file stays valid).
fn splice(bytes: &[u8], tag: Tag, vr: &[u8; 2], old: &[u8], new: &[u8]) -> Vec<u8> {
    let old = raw_element(tag, vr, old);
    let at = bytes
        .windows(old.len())
        .position(|w| w == old.as_slice())
        .expect("element to replace");
    [
        &bytes[..at],
        &raw_element(tag, vr, new),
        &bytes[at + old.len()..],
    ]
    .concat()
}

fn store(home: &Home, dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    fs::write(&path, bytes).expect("write");
    let o = home.run(&["store", path.to_str().expect("utf8")]);
    assert!(o.status.success(), "store: {}", stderr(&o));
    assert!(
        !stderr(&o).contains("WARN"),
        "no library warning: {}",
        stderr(&o)
    );
}

fn patient_names(home: &Home) -> Vec<String> {
    home.json(&["ls", "patients"])
        .as_array()
        .expect("array")
        .iter()
        .map(|p| {
            p["MainDicomTags"]["PatientName"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect()
}

#[test]
fn annex_h_name_in_ls_show_tags_and_dicomdir() {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    store(
        &home,
        dir.path(),
        "h31.dcm",
        &instance("JP1", ANNEX_H_SCS, ANNEX_H_NAME),
    );
    assert_eq!(patient_names(&home), [ANNEX_H_TEXT]);

    let instances = home.json(&["ls", "instances"]);
    let id = instances[0]["ID"]
        .as_str()
        .expect("instance ID")
        .to_string();
    let tags_json = home.json(&["show", &id, "--tags"]);
    assert_eq!(tags_json["0010,0010"]["Value"], ANNEX_H_TEXT, "{tags_json}");
    assert_eq!(tags_json["0008,0005"]["Value"], "\\ISO 2022 IR 87");
    let text = home.run(&["show", &id, "--tags"]);
    assert!(text.status.success(), "{}", stderr(&text));
    assert!(stdout(&text).contains(ANNEX_H_TEXT), "{}", stdout(&text));

    // The DICOMDIR holds the decoded name, in UTF-8 (ISO_IR 192) since dicom-encoding cannot
    // write ISO 2022 code extensions.
    let patient = home.json(&["ls", "patients"])[0]["ID"]
        .as_str()
        .expect("ID")
        .to_string();
    let zip = dir.path().join("media.zip");
    let o = home.run(&[
        "archive",
        "--media",
        &patient,
        "-o",
        zip.to_str().expect("utf8"),
    ]);
    assert!(o.status.success(), "archive: {}", stderr(&o));
    assert!(check_zip(&zip).iter().any(|n| n == "DICOMDIR"));
    let dicomdir = dir.path().join("DICOMDIR");
    extract_zip_entry(&zip, "DICOMDIR", &dicomdir);
    let raw = fs::read(&dicomdir).expect("DICOMDIR");
    let name = raw_element(tags::PATIENT_NAME, b"PN", ANNEX_H_TEXT.as_bytes());
    assert!(
        raw.windows(name.len()).any(|w| w == name.as_slice()),
        "the PATIENT record holds the UTF-8 name"
    );
    let scs = raw_element(tags::SPECIFIC_CHARACTER_SET, b"CS", b"ISO_IR 192");
    assert!(raw.windows(scs.len()).any(|w| w == scs.as_slice()));
    assert!(!raw.contains(&0x1B), "no escape byte left in the DICOMDIR");
    if have_tool("dcmdump") {
        let o = Command::new("dcmdump")
            .arg(&dicomdir)
            .output()
            .expect("dcmdump");
        assert!(o.status.success(), "dcmdump: {}", stderr(&o));
        assert!(stdout(&o).contains("山田^太郎"), "{}", stdout(&o));
    }
    if have_tool("dciodvfy") {
        let o = Command::new("dciodvfy")
            .arg(&dicomdir)
            .output()
            .expect("dciodvfy");
        let text = format!("{}{}", stdout(&o), stderr(&o));
        let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("Error")).collect();
        assert!(errors.is_empty(), "{errors:#?}\n{text}");
    }
}

#[test]
fn latin_5_and_korean_names_in_ls() {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    store(
        &home,
        dir.path(),
        "tr.dcm",
        &instance("TR1", b"ISO_IR 148", b"\xdd\xfd\xde^Ay"),
    );
    store(
        &home,
        dir.path(),
        "ko.dcm",
        &instance(
            "KO1",
            b"\\ISO 2022 IR 149",
            b"Hong^Gildong=\x1b$)C\xfb\xf3^\x1b$)C\xd1\xce\xd4\xd7=\x1b$)C\xc8\xab^\x1b$)C\xb1\xe6\xb5\xbf",
        ),
    );
    let mut names = patient_names(&home);
    names.sort();
    assert_eq!(names, ["Hong^Gildong=洪^吉洞=홍^길동", "İıŞ^Ay"]);
}

#[test]
fn create_dicom_under_an_iso_2022_parent() {
    // The new instance inherits the decoded name; it is written in a character set that can
    // hold it.
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    store(
        &home,
        dir.path(),
        "h31.dcm",
        &instance("JP2", ANNEX_H_SCS, ANNEX_H_NAME),
    );
    let patient = home.json(&["ls", "patients"])[0]["ID"]
        .as_str()
        .expect("ID")
        .to_string();
    let pdf = dir.path().join("doc.pdf");
    fs::write(&pdf, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n").expect("write");
    let o = home.run(&[
        "create-dicom",
        "--pdf",
        pdf.to_str().expect("utf8"),
        "--parent",
        &patient,
    ]);
    assert!(o.status.success(), "create-dicom: {}", stderr(&o));
    let instances = home.json(&["ls", "instances"]);
    assert_eq!(instances.as_array().map(Vec::len), Some(2));
    for i in instances.as_array().expect("array") {
        let id = i["ID"].as_str().expect("ID");
        let t = home.json(&["show", id, "--tags"]);
        assert_eq!(t["0010,0010"]["Value"], ANNEX_H_TEXT, "{t}");
    }
    let created = instances
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|i| i["ID"].as_str())
        .map(|id| home.json(&["show", id, "--tags"]))
        .find(|t| t["0008,0005"]["Value"] != "\\ISO 2022 IR 87")
        .expect("the created instance");
    assert_eq!(created["0008,0005"]["Value"], "ISO_IR 192");
}

#[test]
fn through_the_daemon_the_same() {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut daemon = home.daemon(&[]);
    store(
        &home,
        dir.path(),
        "h31.dcm",
        &instance("JP3", ANNEX_H_SCS, ANNEX_H_NAME),
    );
    assert_eq!(patient_names(&home), [ANNEX_H_TEXT]);
    let instances = home.json(&["ls", "instances"]);
    let id = instances[0]["ID"].as_str().expect("instance ID");
    let tags_json = home.json(&["show", id, "--tags"]);
    assert_eq!(tags_json["0010,0010"]["Value"], ANNEX_H_TEXT);
    assert!(daemon.terminate(10).success());
    let mut log = String::new();
    if let Some(mut err) = daemon.child.stderr.take() {
        use std::io::Read;
        err.read_to_string(&mut log).expect("daemon log");
    }
    assert!(!log.contains("Unsupported character set"), "{log}");
}
