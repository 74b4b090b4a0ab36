//! `create-dicom` and `pdf` through the binary: valid DICOM out, the right answers, and bad
//! inputs that leave nothing behind.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Home, fixture, have_tool, stderr, stdout};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

fn inputs() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/orthanc/create-dicom/inputs")
}

/// dciodvfy reports no error and dcmdump reads the file.
fn assert_valid(path: &Path) {
    if have_tool("dciodvfy") {
        let o = Command::new("dciodvfy")
            .arg(path)
            .output()
            .expect("dciodvfy");
        let text = format!("{}{}", stdout(&o), stderr(&o));
        let errors: Vec<&str> = text.lines().filter(|l| l.starts_with("Error")).collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
    }
    if have_tool("dcmdump") {
        let o = Command::new("dcmdump").arg(path).output().expect("dcmdump");
        assert!(
            o.status.success(),
            "dcmdump {}: {}",
            path.display(),
            stderr(&o)
        );
    }
}

fn dump(path: &Path) -> String {
    if !have_tool("dcmdump") {
        return String::new();
    }
    stdout(&Command::new("dcmdump").arg(path).output().expect("dcmdump"))
}

#[test]
fn pdf_round_trip_is_byte_exact_and_valid() {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, bytes) in [
        ("odd.pdf", PDF.to_vec()),
        ("even.pdf", [PDF, b"x"].concat()),
    ] {
        let pdf = dir.path().join(name);
        fs::write(&pdf, &bytes).expect("write");
        let out_dcm = dir.path().join(format!("{name}.dcm"));
        let a = home.json(&[
            "create-dicom",
            "--pdf",
            pdf.to_str().expect("utf8"),
            "--tag",
            "PatientName=Doe^John",
            "-o",
            out_dcm.to_str().expect("utf8"),
        ]);
        assert_eq!(a["Status"], "Success");
        let id = a["ID"].as_str().expect("ID");
        assert_eq!(a["Path"], format!("/instances/{id}"));
        assert_valid(&out_dcm);
        let d = dump(&out_dcm);
        if !d.is_empty() {
            assert!(
                d.contains("EncapsulatedPDFStorage"),
                "Encapsulated PDF SOP class: {d}"
            );
            assert!(d.contains("[WSD]"), "ConversionType: {d}");
        }
        let back = home.cmd().args(["pdf", id]).output().expect("runs");
        assert!(back.status.success(), "{}", stderr(&back));
        assert_eq!(back.stdout, bytes, "{name}: PDF not byte-exact");
        let to_file = dir.path().join(format!("{name}.back"));
        assert!(
            home.run(&["pdf", &id[..8], "-o", to_file.to_str().expect("utf8")])
                .status
                .success()
        );
        assert_eq!(fs::read(&to_file).expect("read"), bytes);
    }
}

#[test]
fn images_become_valid_secondary_captures_with_the_same_pixels() {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    for name in [
        "rgb_64x48.png",
        "gray8_64x48.png",
        "gray16_64x48.png",
        "rgba_64x48.png",
        "rgb_64x48.jpg",
    ] {
        let out_dcm = dir.path().join(format!("{name}.dcm"));
        let o = home.run(&[
            "create-dicom",
            "--image",
            inputs().join(name).to_str().expect("utf8"),
            "-o",
            out_dcm.to_str().expect("utf8"),
        ]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        assert_eq!(stdout(&o).trim().len(), 44, "prints the instance ID");
        assert_valid(&out_dcm);
        if name.starts_with("rgba") {
            assert!(
                stderr(&o).contains("alpha"),
                "alpha drop is said: {}",
                stderr(&o)
            );
        }
        let obj = dicom_object::open_file(&out_dcm).expect("reads back");
        let sop = obj
            .element(dicom_dictionary_std::tags::SOP_CLASS_UID)
            .expect("SOPClassUID");
        assert_eq!(
            sop.value().to_str().expect("str").trim_end_matches('\0'),
            "1.2.840.10008.5.1.4.1.1.7"
        );
        if name == "rgb_64x48.png" {
            let png = image::open(inputs().join(name))
                .expect("png")
                .to_rgb8()
                .into_raw();
            let px = obj
                .element(dicom_dictionary_std::tags::PIXEL_DATA)
                .expect("pixels");
            assert_eq!(
                px.value().to_bytes().expect("bytes").as_ref(),
                png.as_slice()
            );
        }
    }
    // Several images make one series, all stored.
    let a = home.json(&[
        "create-dicom",
        "--image",
        inputs().join("rgb_64x48.png").to_str().expect("utf8"),
        "--image",
        inputs().join("gray8_64x48.png").to_str().expect("utf8"),
    ]);
    let series = a["ID"].as_str().expect("series ID");
    let s = home.json(&["show", series]);
    assert_eq!(s["Type"], "Series");
    assert_eq!(s["Instances"].as_array().map(Vec::len), Some(2));
}

#[test]
fn parent_inheritance_and_force() {
    let home = Home::new();
    assert!(
        home.run(&["store", fixture("A_s1_i1.dcm").to_str().expect("utf8")])
            .status
            .success()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = dir.path().join("report.pdf");
    fs::write(&pdf, PDF).expect("write");
    let pdf = pdf.to_str().expect("utf8");
    // Under study A: same patient and study, a new series.
    let a = home.json(&["create-dicom", "--pdf", pdf, "--parent", "b89ca719"]);
    assert_eq!(
        a["ParentPatient"],
        "21656b59-b4d37a49-76daa8ba-cb774515-26fcb1aa"
    );
    assert_eq!(
        a["ParentStudy"],
        "b89ca719-1fea81fa-5868adf8-448926c1-a5a8efe9"
    );
    let inst = home.json(&["show", a["ID"].as_str().expect("ID"), "--tags"]);
    assert_eq!(inst["0010,0010"]["Value"], "Müller^Jürgen");
    assert_eq!(inst["0008,1030"]["Value"], "Brain MRI");
    // Changing an inherited tag needs --force (Orthanc's CreateDicomOverrideTag)...
    let o = home.run(&[
        "create-dicom",
        "--pdf",
        pdf,
        "--parent",
        "b89ca719",
        "--tag",
        "PatientName=Other^Name",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("PatientName"), "{}", stderr(&o));
    // ...except PatientID and the dates, which Orthanc lets a caller set.
    let a = home.json(&[
        "create-dicom",
        "--pdf",
        pdf,
        "--parent",
        "b89ca719",
        "--tag",
        "StudyDate=20240102",
    ]);
    let inst = home.json(&["show", a["ID"].as_str().expect("ID"), "--tags"]);
    assert_eq!(inst["0008,0020"]["Value"], "20240102");
    assert_eq!(inst["0010,0010"]["Value"], "Müller^Jürgen");
    let o = home.run(&[
        "create-dicom",
        "--pdf",
        pdf,
        "--parent",
        "0cfd7b50",
        "--tag",
        "PatientName=New^Name",
        "--force",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn private_tags_from_the_dictionary() {
    let home = Home::new();
    fs::write(
        home.path().join("config.json"),
        r#"{ "Dictionary": { "0405,1001": ["ST", "MyPrivateXMLTag", 1, 1, "My Company"] } }"#,
    )
    .expect("config");
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = dir.path().join("r.pdf");
    fs::write(&pdf, PDF).expect("write");
    let out_dcm = dir.path().join("p.dcm");
    let o = home.run(&[
        "create-dicom",
        "--pdf",
        pdf.to_str().expect("utf8"),
        "--tag",
        "MyPrivateXMLTag=Testing",
        "-o",
        out_dcm.to_str().expect("utf8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_valid(&out_dcm);
    let d = dump(&out_dcm);
    if !d.is_empty() {
        assert!(d.contains("(0405,0010) LO [My Company]"), "{d}");
        assert!(d.contains("(0405,1001) ST [Testing]"), "{d}");
    }
    // Undeclared private keyword, and a malformed Dictionary.
    let o = home.run(&[
        "create-dicom",
        "--pdf",
        pdf.to_str().expect("utf8"),
        "--tag",
        "NotDeclared=1",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("NotDeclared"), "{}", stderr(&o));
    fs::write(
        home.path().join("config.json"),
        r#"{ "Dictionary": { "0405,1001": ["ST"] } }"#,
    )
    .expect("config");
    let o = home.run(&["create-dicom", "--pdf", pdf.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("0405,1001"), "{}", stderr(&o));
}

#[test]
fn bad_inputs_store_nothing_and_leave_nothing() {
    let home = Home::new();
    assert!(
        home.run(&["store", fixture("A_s1_i1.dcm").to_str().expect("utf8")])
            .status
            .success()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let p = |n: &str| dir.path().join(n);
    fs::write(p("not.pdf"), "hello").expect("w");
    fs::write(p("empty.pdf"), "").expect("w");
    fs::write(p("good.pdf"), PDF).expect("w");
    let png = fs::read(inputs().join("rgb_64x48.png")).expect("png");
    fs::write(p("trunc.png"), &png[..png.len() / 2]).expect("w");
    let jpg = fs::read(inputs().join("rgb_64x48.jpg")).expect("jpg");
    fs::write(p("trunc.jpg"), &jpg[..jpg.len() / 3]).expect("w");
    // A PNG header declaring 100000 x 100000 pixels.
    let mut huge = png[..33].to_vec();
    huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    huge[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    fs::write(p("huge.png"), &huge).expect("w");
    let s = |x: &Path| x.to_str().expect("utf8").to_string();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["--pdf".into(), s(&p("not.pdf"))], "not.pdf"),
        (vec!["--pdf".into(), s(&p("empty.pdf"))], "empty"),
        (vec!["--image".into(), s(&p("trunc.png"))], "trunc.png"),
        (vec!["--image".into(), s(&p("trunc.jpg"))], "trunc.jpg"),
        (vec!["--image".into(), s(&p("huge.png"))], "huge.png"),
        (
            vec![
                "--pdf".into(),
                s(&p("good.pdf")),
                "--tag".into(),
                "NoSuchKeyword=1".into(),
            ],
            "NoSuchKeyword",
        ),
        (
            vec![
                "--pdf".into(),
                s(&p("good.pdf")),
                "--tag".into(),
                "StudyDate=20241301".into(),
            ],
            "DA",
        ),
        (
            vec![
                "--pdf".into(),
                s(&p("good.pdf")),
                "--parent".into(),
                "ffffffff".into(),
            ],
            "ffffffff",
        ),
        (
            vec![
                "--pdf".into(),
                s(&p("good.pdf")),
                "--parent".into(),
                "b89ca719".into(),
                "--tag".into(),
                "StudyDescription=X".into(),
            ],
            "StudyDescription",
        ),
        (vec!["--pdf".into(), s(&p("missing.pdf"))], "missing.pdf"),
        (
            vec![
                "--pdf".into(),
                s(&p("good.pdf")),
                "--tag".into(),
                "PatientAge=12é".into(),
            ],
            "ASCII",
        ),
        (
            vec![
                "--pdf".into(),
                s(&p("good.pdf")),
                "--tag".into(),
                "AcquisitionDateTime=2020010é".into(),
            ],
            "ASCII",
        ),
        (
            vec![
                "--pdf".into(),
                s(&p("good.pdf")),
                "--tag".into(),
                "abcéxyz=1".into(),
            ],
            "abcéxyz",
        ),
        (
            vec![
                "--pdf".into(),
                s(&p("good.pdf")),
                "-o".into(),
                s(&p("nodir/out.dcm")),
            ],
            "nodir",
        ),
        (
            vec![
                "--image".into(),
                s(&inputs().join("rgb_64x48.png")),
                "--image".into(),
                s(&p("trunc.png")),
            ],
            "trunc.png",
        ),
    ];
    for (args, needle) in cases {
        let o = home
            .cmd()
            .arg("create-dicom")
            .args(&args)
            .output()
            .expect("runs");
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        assert_eq!(home.stored_files().len(), 1, "{args:?} stored something");
    }
    let left: Vec<_> = fs::read_dir(dir.path())
        .expect("ls")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left.len(), 6, "no file left behind: {left:?}");
}

#[test]
fn request_body_and_v1_format() {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(PDF);
    let body = serde_json::json!({
        "Tags": {"PatientName": "Love^Sarah", "PatientID": "7"},
        "Content": format!("data:application/pdf;base64,{b64}")
    });
    fs::write(dir.path().join("req.json"), body.to_string()).expect("w");
    let a = home.json(&[
        "create-dicom",
        "--request",
        dir.path().join("req.json").to_str().expect("utf8"),
    ]);
    assert_eq!(a["ParentPatient"], dicomq::store::ids::orthanc_id(&["7"]));
    // Orthanc's legacy body (no "Tags"): every member is a tag, PixelData the content
    let png = fs::read(inputs().join("rgb_64x48.png")).expect("png");
    let v1 = serde_json::json!({
        "PatientName": "V1^Format", "PatientID": "v1", "Modality": "CT",
        "TimeRange": "3.12\\4.12",
        "PixelData": format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(png)
        )
    });
    fs::write(dir.path().join("v1.json"), v1.to_string()).expect("w");
    let out = dir.path().join("v1.dcm");
    let a = home.json(&[
        "create-dicom",
        "--request",
        dir.path().join("v1.json").to_str().expect("utf8"),
        "-o",
        out.to_str().expect("utf8"),
    ]);
    assert_eq!(a["ParentPatient"], dicomq::store::ids::orthanc_id(&["v1"]));
    assert_valid(&out);
    let d = dump(&out);
    if !d.is_empty() {
        assert!(d.contains("(0010,0010) PN [V1^Format]"), "{d}");
        assert!(d.contains("(0008,1163) FD 3.12"), "{d}");
        assert!(
            !d.contains("(0008,0005)"),
            "V1 writes no SpecificCharacterSet: {d}"
        );
        assert!(!d.contains("(0008,0012)"), "V1 writes no dates: {d}");
    }
    // a V1 value that is not a string: Orthanc's CreateDicomNotString
    fs::write(dir.path().join("v1bad.json"), r#"{"PatientName": 7}"#).expect("w");
    let o = home.run(&[
        "create-dicom",
        "--request",
        dir.path().join("v1bad.json").to_str().expect("utf8"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("\"PatientName\": value must be a string"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        home.stored_files().len(),
        2,
        "nothing stored for the bad body"
    );

    // sequences, nested, with a private tag inside (Orthanc's test_anonymize_nested body)
    let seq = serde_json::json!({
        "Tags": {
            "PatientID": "seq",
            "MappingResourceIdentificationSequence": [{
                "0009,1002": "ABCD",
                "StudyDescription": "Hello",
                "ReferencedStudySequence": [{"PatientID": "HELLO"}],
                "EquivalentCodeSequence": [{"CodeMeaning": "MEANING2"}]
            }]
        },
        "PrivateCreator": "Lunit"
    });
    fs::write(dir.path().join("seq.json"), seq.to_string()).expect("w");
    let out = dir.path().join("seq.dcm");
    home.json(&[
        "create-dicom",
        "--request",
        dir.path().join("seq.json").to_str().expect("utf8"),
        "-o",
        out.to_str().expect("utf8"),
    ]);
    let d = dump(&out);
    if !d.is_empty() {
        for needle in [
            "(0008,0124) SQ",
            "(0009,0010) LO [Lunit]",
            "(0009,1002) UN 41\\42\\43\\44",
            "(0010,0020) LO [HELLO]",
            "(0008,0104) LO [MEANING2]",
        ] {
            assert!(d.contains(needle), "{needle}: {d}");
        }
    }
}

/// Issue 11, defect 11: tags of the file meta group, truncated JPEGs, images too large once
/// decoded, special files and over-deep request bodies are refused with exit 1, naming the
/// input and the reason, and nothing is stored.
#[test]
fn hostile_inputs_are_refused_naming_them() {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let p = |n: &str| dir.path().join(n);
    let s = |x: &Path| x.to_str().expect("utf8").to_string();
    fs::write(p("good.pdf"), PDF).expect("w");
    let jpg = fs::read(inputs().join("rgb_64x48.jpg")).expect("jpg");
    fs::write(p("half.jpg"), &jpg[..jpg.len() / 2]).expect("w");
    fs::write(p("cut2.jpg"), &jpg[..jpg.len() - 2]).expect("w");
    let deep = format!(
        "{{\"Tags\": {{}}, \"Content\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    fs::write(p("deep.json"), deep).expect("w");
    fs::write(
        p("meta.json"),
        r#"{"Tags": {"PatientID": "X", "TransferSyntaxUID": "1.2.840.10008.1.2"}}"#,
    )
    .expect("w");
    let fifo = p("fifo.png");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let cases: Vec<(Vec<String>, Vec<&str>)> = vec![
        (
            vec![
                "--pdf".into(),
                s(&p("good.pdf")),
                "--tag".into(),
                "TransferSyntaxUID=1.2.840.10008.1.2".into(),
            ],
            vec!["TransferSyntaxUID (0002,0010)", "group 0002"],
        ),
        (
            vec!["--request".into(), s(&p("meta.json"))],
            vec!["TransferSyntaxUID (0002,0010)"],
        ),
        (
            vec!["--image".into(), s(&p("half.jpg"))],
            vec!["half.jpg", "premature end of JPEG data"],
        ),
        (
            vec!["--image".into(), s(&p("cut2.jpg"))],
            vec!["cut2.jpg", "premature end of JPEG data"],
        ),
        (
            vec!["--request".into(), s(&p("deep.json"))],
            vec!["deep.json", "recursion limit"],
        ),
        (
            vec!["--image".into(), "/dev/zero".into()],
            vec!["/dev/zero", "not a regular file"],
        ),
        (
            vec!["--pdf".into(), s(&fifo)],
            vec!["fifo.png", "not a regular file"],
        ),
    ];
    for (args, needles) in cases {
        let o = home
            .cmd()
            .arg("create-dicom")
            .args(&args)
            .output()
            .expect("runs");
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        for needle in needles {
            assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
        }
        assert!(stdout(&o).is_empty(), "{args:?}");
        assert!(home.stored_files().is_empty(), "{args:?} stored something");
    }
}

/// Issue 11, defect 11: `MaximumCreateDicomContentSize` bounds an image's decoded size (checked
/// from its header) and a PDF's size; the message gives the size and the limit.
#[test]
fn content_size_limit_comes_from_the_config() {
    let home = Home::new();
    fs::create_dir_all(home.path()).expect("home");
    // rgb_64x48.png: 64 x 48 x 3 = 9216 bytes once decoded
    fs::write(
        home.path().join("config.json"),
        r#"{ "MaximumCreateDicomContentSize": 9000 }"#,
    )
    .expect("config");
    let png = inputs().join("rgb_64x48.png");
    let o = home.run(&["create-dicom", "--image", png.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("rgb_64x48.png") && err.contains("64x48"),
        "{err}"
    );
    assert!(
        err.contains("9216 bytes") && err.contains("9000 bytes"),
        "{err}"
    );
    assert!(err.contains("MaximumCreateDicomContentSize"), "{err}");
    // an 8-bit gray image of the same size fits (3072 bytes)
    let gray = inputs().join("gray8_64x48.png");
    let o = home.run(&["create-dicom", "--image", gray.to_str().expect("utf8")]);
    assert!(o.status.success(), "{}", stderr(&o));
    // a PDF above the limit is refused before it is read
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big.pdf");
    fs::write(&big, [PDF, &vec![b' '; 10_000]].concat()).expect("w");
    let o = home.run(&["create-dicom", "--pdf", big.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("big.pdf") && stderr(&o).contains("9000 bytes"),
        "{}",
        stderr(&o)
    );
    assert_eq!(home.stored_files().len(), 1);
}

#[test]
fn a_jpeg_the_decoder_panics_on_is_refused_quietly() {
    // Found by the create_image fuzz target: zune-jpeg 0.5.15 unwraps a None in its AVX2 IDCT.
    let jpeg = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz/create_image/zune_jpeg_avx2_idct_unwrap_1.jpg");
    let home = Home::new();
    let o = home.run(&[
        "create-dicom",
        "--image",
        jpeg.to_str().expect("utf8"),
        "--tag",
        "PatientName=Fuzz",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("the decoder failed on it"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(home.stored_files().is_empty());
    let _d = home.daemon(&[]);
    let o = home.run(&["create-dicom", "--image", jpeg.to_str().expect("utf8")]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(home.run(&["ls", "patients"]).status.success());
}

/// Issue 13: `--model` (STL by extension or content, OBJ and MTL by extension), `--encapsulate`
/// (the JPEG kept as it is), a series of images answering Complete, and the refusals: a
/// 3-byte STL, an empty OBJ, a JPEG without a frame header, a file of no known model format.
#[test]
fn models_encapsulated_jpeg_and_series_status() {
    let home = Home::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let p = |name: &str| dir.path().join(name);
    let s = |path: &Path| path.to_str().expect("utf8").to_string();
    let mut binary_stl = vec![b' '; 80];
    binary_stl.extend_from_slice(&1u32.to_le_bytes());
    binary_stl.extend_from_slice(&[0u8; 50]);
    fs::write(p("cube.stl"), b"solid cube\nendsolid cube\n").expect("w");
    fs::write(p("part.bin"), &binary_stl).expect("w");
    fs::write(p("mesh.OBJ"), b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n").expect("w");
    fs::write(p("mesh.mtl"), b"newmtl red\nKd 1 0 0\n").expect("w");
    for (file, class, mime) in [
        ("cube.stl", "1.2.840.10008.5.1.4.1.1.104.3", "model/stl"),
        ("part.bin", "1.2.840.10008.5.1.4.1.1.104.3", "model/stl"),
        ("mesh.OBJ", "1.2.840.10008.5.1.4.1.1.104.4", "model/obj"),
        ("mesh.mtl", "1.2.840.10008.5.1.4.1.1.104.5", "model/mtl"),
    ] {
        let out = p(&format!("{file}.dcm"));
        let o = home.run(&["create-dicom", "--model", &s(&p(file)), "-o", &s(&out)]);
        assert!(o.status.success(), "{file}: {}", stderr(&o));
        if class.ends_with(".3") {
            assert_valid(&out);
        }
        let d = dump_with(&out, &["-Un"]);
        if !d.is_empty() {
            assert!(d.contains(class) && d.contains(mime), "{file}: {d}");
            assert!(d.contains("(0008,0060) CS [M3D]"), "{d}");
        }
    }

    let jpg = inputs().join("rgb_64x48.jpg");
    let out = p("jpeg.dcm");
    let o = home.run(&[
        "create-dicom",
        "--image",
        &s(&jpg),
        "--encapsulate",
        "-o",
        &s(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_valid(&out);
    let d = dump(&out);
    if !d.is_empty() {
        assert!(
            d.contains("=JPEGBaseline") && d.contains("YBR_FULL_422"),
            "{d}"
        );
    }
    let bytes = fs::read(&out).expect("read");
    let jpeg = fs::read(&jpg).expect("read");
    assert!(
        bytes.windows(jpeg.len()).any(|w| w == jpeg.as_slice()),
        "the JPEG is not in the file as it is"
    );

    // a series of two images: Orthanc's ExpectedNumberOfInstances and Status
    let png = s(&inputs().join("rgb_64x48.png"));
    let a = home.json(&["create-dicom", "--image", &png, "--image", &png]);
    let series = a["ID"].as_str().expect("series ID");
    let v = home.json(&["show", series]);
    assert_eq!(v["Type"], "Series");
    assert_eq!(v["ExpectedNumberOfInstances"], 2);
    assert_eq!(v["Status"], "Complete");
    // one of three: Missing; a second instance with the same InstanceNumber: Inconsistent
    let a = home.json(&[
        "create-dicom",
        "--image",
        &png,
        "--tag",
        "ImagesInAcquisition=3",
        "--tag",
        "NumberOfTemporalPositions=1",
    ]);
    let series = a["ParentSeries"].as_str().expect("series");
    let v = home.json(&["show", series]);
    assert_eq!(
        (&v["ExpectedNumberOfInstances"], &v["Status"]),
        (&serde_json::json!(3), &serde_json::json!("Missing"))
    );
    home.json(&["create-dicom", "--image", &png, "--parent", series]);
    let v = home.json(&["show", series]);
    assert_eq!(
        (&v["ExpectedNumberOfInstances"], &v["Status"]),
        (&serde_json::json!(3), &serde_json::json!("Inconsistent"))
    );

    let before = stdout(&home.run(&["ls", "instances"]));
    fs::write(p("tiny.stl"), [1u8, 2, 3]).expect("w");
    fs::write(p("empty.obj"), b"").expect("w");
    fs::write(p("model.ply"), b"ply\nformat ascii 1.0\n").expect("w");
    fs::write(p("nosof.jpg"), [0xFF, 0xD8, 0xFF, 0xFE, 0, 2, 0xFF, 0xD9]).expect("w");
    for (args, needle) in [
        (vec!["--model", "tiny.stl"], "not an STL"),
        (vec!["--model", "empty.obj"], "empty"),
        (vec!["--model", "model.ply"], ".stl, .obj or .mtl"),
        (
            vec!["--image", "nosof.jpg", "--encapsulate"],
            "no frame header",
        ),
        (
            vec![
                "--image",
                "nosof.jpg",
                "--image",
                "nosof.jpg",
                "--encapsulate",
            ],
            "one --image",
        ),
    ] {
        let mut full = vec!["create-dicom".to_string()];
        for a in &args {
            full.push(if a.starts_with("--") {
                a.to_string()
            } else {
                s(&p(a))
            });
        }
        let full: Vec<&str> = full.iter().map(String::as_str).collect();
        let o = home.run(&full);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let e = stderr(&o);
        assert!(e.contains(needle), "{args:?}: {e}");
        if args.len() == 2 || (args.contains(&"--encapsulate") && args.len() == 3) {
            assert!(e.contains(args[1]), "names the input: {e}");
        }
    }
    assert_eq!(stdout(&home.run(&["ls", "instances"])), before);
}

fn dump_with(path: &Path, options: &[&str]) -> String {
    if !have_tool("dcmdump") {
        return String::new();
    }
    let o = Command::new("dcmdump")
        .args(options)
        .arg(path)
        .output()
        .expect("dcmdump");
    stdout(&o)
}
