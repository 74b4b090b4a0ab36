//! Tag tests of the builder: sequences, binary values, undeclared private tags, character
//! sets (DefaultEncoding and its UTF-8 fallback), the legacy V1 body, the parent rules and
//! multi-valued values, with dciodvfy and dcmdump on the files (as in build_tests.rs).

use super::build_tests::{now, reread, s, write};
use super::content::tests::{encode_png, gradient};
use super::*;
use dicom_core::header::HasLength;
use image::ExtendedColorType;
use std::path::PathBuf;
use std::process::Command;

fn text(list: &[(&str, &str)]) -> Vec<(String, TagValue)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), TagValue::from(*v)))
        .collect()
}

fn with_tags(payload: Payload, tags: Vec<(String, TagValue)>) -> CreateSpec {
    CreateSpec {
        items: vec![CreateItem {
            payload,
            tags: vec![],
        }],
        tags,
        ..CreateSpec::default()
    }
}

fn build_one(s: &CreateSpec, parent: Option<ParentContext>) -> Result<Created, CreateError> {
    let mut v = build(
        s,
        parent,
        &PrivateDictionary::empty(),
        &Limits::default(),
        now(),
    )?;
    assert_eq!(v.len(), 1);
    Ok(v.remove(0))
}

fn encoded(c: &Created) -> Vec<u8> {
    let mut buf = Vec::new();
    c.file.write_all(&mut buf).unwrap();
    buf
}

fn charset(c: &Created) -> Option<String> {
    c.file
        .get(t::SPECIFIC_CHARACTER_SET)
        .map(|e| e.value().to_str().unwrap().trim().to_string())
}

fn items(o: &InMemDicomObject, tag: Tag) -> Vec<InMemDicomObject> {
    o.get(tag)
        .and_then(|e| e.items())
        .unwrap_or_else(|| panic!("no sequence {}", fmt_tag(tag)))
        .to_vec()
}

fn seq(items: Vec<Vec<(String, TagValue)>>) -> TagValue {
    TagValue::Sequence(items)
}

/// Orthanc's test_create_sequence (and the private tag of test_anonymize_nested).
fn nested_sequence() -> TagValue {
    seq(vec![
        vec![
            ("StudyDescription".into(), "Hello^".into()),
            (
                "ReferencedStudySequence".into(),
                seq(vec![
                    text(&[("StudyDescription", "Toto")]),
                    text(&[("StudyDescription", "Tata")]),
                ]),
            ),
        ],
        vec![
            ("StudyDescription".into(), "Sébastien^".into()),
            ("0009,1002".into(), "ABCD".into()),
            ("CodeMeaning".into(), TagValue::Null),
        ],
    ])
}

#[test]
fn sequences_nest_with_private_tags_in_the_data_set_charset() {
    let mut tags = text(&[
        ("SpecificCharacterSet", "ISO_IR 100"),
        ("PatientName", "Jodogne^"),
    ]);
    tags.push(("ReferencedStudySequence".into(), nested_sequence()));
    let sp = CreateSpec {
        private_creator: Some("Lunit".into()),
        ..with_tags(Payload::Empty, tags)
    };
    let c = build_one(&sp, None).unwrap();
    assert_eq!(charset(&c).as_deref(), Some("ISO_IR 100"));
    assert!(
        encoded(&c).windows(10).any(|w| w == b"S\xe9bastien^"),
        "item text not Latin-1 encoded"
    );
    let o = reread(&c);
    let top = items(&o, t::REFERENCED_STUDY_SEQUENCE);
    assert_eq!(top.len(), 2);
    assert_eq!(s(&top[0], t::STUDY_DESCRIPTION), "Hello^");
    let inner = items(&top[0], t::REFERENCED_STUDY_SEQUENCE);
    assert_eq!(
        inner
            .iter()
            .map(|i| s(i, t::STUDY_DESCRIPTION))
            .collect::<Vec<_>>(),
        ["Toto", "Tata"]
    );
    assert_eq!(s(&top[1], t::STUDY_DESCRIPTION), "Sébastien^");
    // the private tag of the item, with its creator in the item
    assert_eq!(s(&top[1], Tag(0x0009, 0x0010)), "Lunit");
    let private = top[1].get(Tag(0x0009, 0x1002)).unwrap();
    assert_eq!(private.vr(), VR::UN);
    assert_eq!(&*private.value().to_bytes().unwrap(), b"ABCD");
    assert!(top[1].get(t::CODE_MEANING).unwrap().is_empty());
    assert!(o.get(Tag(0x0009, 0x0010)).is_none());
}

#[test]
fn sequence_errors_name_the_tag() {
    let sp = with_tags(
        Payload::Empty,
        vec![(
            "PatientName".into(),
            seq(vec![text(&[("StudyDescription", "x")])]),
        )],
    );
    let e = build_one(&sp, None).unwrap_err();
    assert!(matches!(e, CreateError::NotASequence { .. }), "{e}");
    assert!(e.to_string().contains("PatientName (0010,0010)"), "{e}");

    let sp = with_tags(
        Payload::Empty,
        vec![(
            "ReferencedStudySequence".into(),
            seq(vec![text(&[("SpecificCharacterSet", "ISO_IR 192")])]),
        )],
    );
    let e = build_one(&sp, None).unwrap_err();
    assert!(matches!(e, CreateError::ItemCharset { .. }), "{e}");

    // an item value checked by its VR, inside the sequence
    let sp = with_tags(
        Payload::Empty,
        vec![(
            "ReferencedStudySequence".into(),
            seq(vec![text(&[("StudyDate", "2024-01-01")])]),
        )],
    );
    let e = build_one(&sp, None).unwrap_err().to_string();
    assert!(e.contains("StudyDate (0008,0020)"), "{e}");

    // nesting: the limit is the one of the reader (dicom/scan.rs)
    let nest = |levels: usize| {
        let mut v = TagValue::Null;
        for _ in 0..levels {
            v = seq(vec![vec![("ReferencedStudySequence".into(), v)]]);
        }
        with_tags(Payload::Empty, vec![("ReferencedStudySequence".into(), v)])
    };
    let deepest = build_one(&nest(crate::dicom::scan::MAX_SEQUENCE_DEPTH), None).unwrap();
    assert!(reread(&deepest).get(t::REFERENCED_STUDY_SEQUENCE).is_some());
    let e = build_one(&nest(crate::dicom::scan::MAX_SEQUENCE_DEPTH + 1), None).unwrap_err();
    assert!(matches!(e, CreateError::SequenceTooDeep { .. }), "{e}");
}

#[test]
fn binary_values_and_undeclared_private_tags() {
    // Orthanc's test_create_binary
    let binary: Vec<u8> = (0..=255u8).collect();
    let uri = format!(
        "data:application/octet-stream;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(&binary)
    );
    let tags = text(&[("PatientName", "Jodogne"), ("8899-8899", &uri)]);
    let sp = CreateSpec {
        private_creator: Some("TestBinary".into()),
        ..with_tags(Payload::Empty, tags.clone())
    };
    let o = reread(&build_one(&sp, None).unwrap());
    let e = o.get(Tag(0x8899, 0x8899)).unwrap();
    assert_eq!(e.vr(), VR::UN);
    assert_eq!(&*e.value().to_bytes().unwrap(), &binary[..]);
    assert_eq!(s(&o, Tag(0x8899, 0x0088)), "TestBinary");

    // kept literally, padded to even length
    let sp = CreateSpec {
        interpret_binary_tags: false,
        ..sp
    };
    let o = reread(&build_one(&sp, None).unwrap());
    let v = o
        .get(Tag(0x8899, 0x8899))
        .unwrap()
        .value()
        .to_bytes()
        .unwrap();
    assert_eq!(uri.len() % 2, 1);
    assert_eq!(&v[..uri.len()], uri.as_bytes());
    assert_eq!(v.len(), uri.len() + 1);

    // no PrivateCreator: refused, naming the tag
    let e = build_one(&with_tags(Payload::Empty, tags), None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("8899-8899") && e.contains("PrivateCreator"),
        "{e}"
    );
    // bad base64
    let sp = with_tags(
        Payload::Empty,
        text(&[(
            "EncapsulatedDocument",
            "data:application/octet-stream;base64,!!",
        )]),
    );
    let e = build_one(&sp, None).unwrap_err().to_string();
    assert!(
        e.contains("EncapsulatedDocument (0042,0011)") && e.contains("base64"),
        "{e}"
    );
}

#[test]
fn default_encoding_decides_and_falls_back_to_utf8() {
    let name = |v: &str, enc: DefaultEncoding| CreateSpec {
        default_encoding: enc,
        ..with_tags(Payload::Empty, text(&[("PatientName", v)]))
    };
    let c = build_one(&name("Müller^Zoë", DefaultEncoding::Latin1), None).unwrap();
    assert_eq!(charset(&c).as_deref(), Some("ISO_IR 100"));
    assert!(
        !c.warnings.iter().any(|w| w.contains("character set")),
        "{:?}",
        c.warnings
    );
    assert!(encoded(&c).windows(6).any(|w| w == b"M\xfcller"));

    // the value does not fit the default: UTF-8, said in a warning
    let c = build_one(&name("山田^太郎", DefaultEncoding::Latin1), None).unwrap();
    assert_eq!(charset(&c).as_deref(), Some("ISO_IR 192"));
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("PatientName") && w.contains("DefaultEncoding Latin1")),
        "{:?}",
        c.warnings
    );
    assert_eq!(s(&reread(&c), t::PATIENT_NAME), "山田^太郎");
    // Latin5 (ISO_IR 148) is not written by the encoder: ASCII fits, anything else is UTF-8
    let c = build_one(&name("Doe", DefaultEncoding::Latin5), None).unwrap();
    assert_eq!(charset(&c).as_deref(), Some("ISO_IR 148"));
    let c = build_one(&name("Öz", DefaultEncoding::Latin5), None).unwrap();
    assert_eq!(charset(&c).as_deref(), Some("ISO_IR 192"));

    let c = build_one(&name("Doe", DefaultEncoding::Utf8), None).unwrap();
    assert_eq!(charset(&c).as_deref(), Some("ISO_IR 192"));
    let c = build_one(&name("Doe", DefaultEncoding::Ascii), None).unwrap();
    assert_eq!(charset(&c), None);
    let c = build_one(&name("Doé", DefaultEncoding::Ascii), None).unwrap();
    assert_eq!(charset(&c).as_deref(), Some("ISO_IR 192"));
    let c = build_one(&name("Иванов", DefaultEncoding::Cyrillic), None).unwrap();
    assert_eq!(charset(&c).as_deref(), Some("ISO_IR 144"));
    assert_eq!(s(&reread(&c), t::PATIENT_NAME), "Иванов");

    // given explicitly: kept, and a value that does not fit is an error
    let explicit = |cs: &str, v: &str| {
        with_tags(
            Payload::Empty,
            text(&[("SpecificCharacterSet", cs), ("PatientName", v)]),
        )
    };
    match build_one(&explicit("ISO_IR 100", "山田"), None) {
        Err(CreateError::Unencodable { name, charset, .. }) => {
            assert_eq!(
                (name.as_str(), charset.as_str()),
                ("PatientName", "ISO_IR 100")
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        build_one(&explicit("ISO_IR 148", "Öz"), None),
        Err(CreateError::Unencodable { .. })
    ));
    let c = build_one(&explicit("ISO_IR 192", "Doe"), None).unwrap();
    assert_eq!(charset(&c).as_deref(), Some("ISO_IR 192"));
    let e = build_one(&explicit("KLINGON", "Doe"), None).unwrap_err();
    assert!(e.to_string().contains("\"KLINGON\""), "{e}");
    // the number form is honoured too
    let c = build_one(
        &with_tags(Payload::Empty, text(&[("0008,0005", "ISO_IR 144")])),
        None,
    )
    .unwrap();
    assert_eq!(charset(&c).as_deref(), Some("ISO_IR 144"));
}

#[test]
fn legacy_v1_writes_identifiers_only() {
    let v1 = |v: &str| CreateSpec {
        legacy_v1: true,
        ..with_tags(Payload::Empty, text(&[("PatientName", v)]))
    };
    let c = build_one(&v1("Jodogne"), None).unwrap();
    let o = &*c.file;
    assert_eq!(charset(&c), None);
    for tag in [
        t::PATIENT_ID,
        t::STUDY_INSTANCE_UID,
        t::SERIES_INSTANCE_UID,
        t::SOP_INSTANCE_UID,
    ] {
        assert!(!s(o, tag).is_empty(), "{}", fmt_tag(tag));
    }
    for tag in [
        t::CONTENT_DATE,
        t::INSTANCE_CREATION_DATE,
        t::SERIES_DATE,
        t::SERIES_TIME,
    ] {
        assert!(o.get(tag).is_none(), "{}", fmt_tag(tag));
    }
    assert!(o.get(t::STUDY_DATE).unwrap().is_empty()); // Type 2, empty
    // non-ASCII: the default encoding's character set, said in a warning
    let c = build_one(&v1("Jodögne"), None).unwrap();
    assert_eq!(charset(&c).as_deref(), Some("ISO_IR 100"));
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("SpecificCharacterSet ISO_IR 100 written")),
        "{:?}",
        c.warnings
    );
    let c = build_one(&v1("山田"), None).unwrap();
    assert_eq!(charset(&c).as_deref(), Some("ISO_IR 192"));
}

fn parent_study() -> InMemDicomObject {
    let mut p = InMemDicomObject::new_empty();
    for (tag, vr, v) in [
        (t::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100"),
        (t::PATIENT_NAME, VR::PN, "Parent^Pat"),
        (t::PATIENT_ID, VR::LO, "P-1"),
        (t::STUDY_INSTANCE_UID, VR::UI, "1.2.3.4"),
        (t::STUDY_DATE, VR::DA, "20200101"),
        (t::STUDY_DESCRIPTION, VR::LO, "Parent study"),
    ] {
        put_str(&mut p, tag, vr, v);
    }
    p
}

#[test]
fn parent_rules_follow_orthanc() {
    let p = parent_study();
    let ctx = || {
        Some(ParentContext {
            level: ParentLevel::Study,
            sample: &p,
        })
    };
    // PatientID and the dates may be set over inherited values without Force
    let sp = with_tags(
        Payload::Empty,
        text(&[
            ("PatientID", "P-2"),
            ("StudyDate", "20240102"),
            ("SeriesDescription", "new"),
        ]),
    );
    let c = build_one(&sp, ctx()).unwrap();
    assert_eq!(s(&c.file, t::PATIENT_ID), "P-2");
    assert_eq!(s(&c.file, t::STUDY_DATE), "20240102");
    // an inherited study tag still needs Force (Orthanc's CreateDicomOverrideTag)
    for (key, value) in [
        ("PatientName", "X"),
        ("StudyDescription", "X"),
        ("StudyInstanceUID", "1.2.3.5"),
    ] {
        let sp = with_tags(Payload::Empty, text(&[(key, value)]));
        match build_one(&sp, ctx()) {
            Err(CreateError::InheritedTag { keyword }) => assert_eq!(keyword, key),
            other => panic!("{key}: {other:?}"),
        }
    }
    // the parent's character set wins over the request's (Orthanc's test_bitbucket_issue_141)
    let sp = with_tags(
        Payload::Empty,
        text(&[
            ("SpecificCharacterSet", "ISO_IR 192"),
            ("SeriesDescription", "Résumé"),
        ]),
    );
    let c = build_one(&sp, ctx()).unwrap();
    assert_eq!(charset(&c).as_deref(), Some("ISO_IR 100"));
    assert!(
        c.warnings.iter().any(|w| w.contains("parent")),
        "{:?}",
        c.warnings
    );
    assert!(encoded(&c).windows(6).any(|w| w == b"R\xe9sum\xe9"));
    // without a parent, PatientID is not a generated value that needs Force either
    let sp = with_tags(Payload::Empty, text(&[("PatientID", "P-3")]));
    assert_eq!(s(&build_one(&sp, None).unwrap().file, t::PATIENT_ID), "P-3");
}

#[test]
fn multi_valued_values_are_kept() {
    let sp = with_tags(
        Payload::Empty,
        text(&[
            ("TimeRange", "3.12\\4.12"),
            ("ImageType", "ORIGINAL\\PRIMARY"),
        ]),
    );
    let o = reread(&build_one(&sp, None).unwrap());
    let e = o.get(t::TIME_RANGE).unwrap();
    assert_eq!(e.vr(), VR::FD);
    assert_eq!(e.value().to_multi_float64().unwrap(), vec![3.12, 4.12]);
    assert_eq!(s(&o, t::IMAGE_TYPE), "ORIGINAL\\PRIMARY");
}

fn tool(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// The files of the tests above that make a known IOD, through dciodvfy (0 errors) and dcmdump.
#[test]
fn tag_outputs_validate_with_dciodvfy_and_dcmdump() {
    let (Some(dciodvfy), Some(dcmdump)) = (tool("dciodvfy"), tool("dcmdump")) else {
        assert!(
            std::env::var("DICOMQ_REQUIRE_VALIDATORS").as_deref() != Ok("1"),
            "dciodvfy/dcmdump not found but DICOMQ_REQUIRE_VALIDATORS=1"
        );
        eprintln!("skipping: dciodvfy or dcmdump not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let png = || Payload::Image {
        bytes: encode_png(4, 3, &gradient(12, 3), ExtendedColorType::Rgb8),
    };
    let code = |meaning: &str| {
        vec![
            ("CodeValue".into(), "113014".into()),
            ("CodingSchemeDesignator".into(), "DCM".into()),
            ("CodeMeaning".into(), TagValue::from(meaning)),
        ]
    };
    let mut sequences = text(&[
        ("SpecificCharacterSet", "ISO_IR 100"),
        ("PatientName", "Jodogne^"),
    ]);
    sequences.push((
        "ReferencedStudySequence".into(),
        seq(vec![
            text(&[
                ("ReferencedSOPClassUID", "1.2.840.10008.3.1.2.3.1"),
                ("ReferencedSOPInstanceUID", "1.2.3.4.5"),
            ]),
            text(&[
                ("ReferencedSOPClassUID", "1.2.840.10008.3.1.2.3.1"),
                ("ReferencedSOPInstanceUID", "1.2.3.4.6"),
                ("0009,1002", "ABCD"),
            ]),
        ]),
    ));
    let mut procedure = code("Sébastien");
    procedure.push(("EquivalentCodeSequence".into(), seq(vec![code("Tata")])));
    sequences.push(("ProcedureCodeSequence".into(), seq(vec![procedure])));
    sequences.push(("TimeRange".into(), "3.12\\4.12".into()));
    let binary = format!(
        "data:application/octet-stream;base64,{}",
        base64::engine::general_purpose::STANDARD.encode([0u8, 1, 2, 255, 7])
    );
    sequences.push(("8899-8899".into(), TagValue::from(binary.as_str())));
    let cases: Vec<(&str, CreateSpec)> = vec![
        (
            "sequences",
            CreateSpec {
                private_creator: Some("Lunit".into()),
                ..with_tags(png(), sequences)
            },
        ),
        (
            "utf8_fallback",
            with_tags(png(), text(&[("PatientName", "山田^太郎")])),
        ),
        (
            "v1_ascii",
            CreateSpec {
                legacy_v1: true,
                ..with_tags(
                    png(),
                    text(&[("PatientName", "Jodogne"), ("Modality", "CT")]),
                )
            },
        ),
        (
            "v1_latin1",
            CreateSpec {
                legacy_v1: true,
                ..with_tags(png(), text(&[("PatientName", "Jodögne")]))
            },
        ),
        (
            "ascii_default",
            CreateSpec {
                default_encoding: DefaultEncoding::Ascii,
                ..with_tags(png(), text(&[("PatientName", "Doe")]))
            },
        ),
    ];
    let mut failures = vec![];
    for (name, sp) in cases {
        let path = write(&build_one(&sp, None).unwrap(), dir.path(), name);
        let out = Command::new(&dciodvfy).arg(&path).output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.lines().any(|l| l.trim() == "SCImage"),
            "{name}:\n{text}"
        );
        let errors: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("Error") || l.contains(" - Error - "))
            .collect();
        if !errors.is_empty() {
            failures.push(format!("{name}:\n{}", errors.join("\n")));
        }
        let dump = Command::new(&dcmdump).arg(&path).output().unwrap();
        assert!(dump.status.success(), "dcmdump failed on {name}");
        let dump = String::from_utf8_lossy(&dump.stdout);
        if name == "sequences" {
            assert!(dump.contains("(0009,1002) UN 41\\42\\43\\44"), "{dump}");
            assert!(
                dump.contains("(8899,8899) UN 00\\01\\02\\ff\\07\\00"),
                "{dump}"
            );
            assert!(dump.contains("(0008,1163) FD 3.12"), "{dump}");
        }
    }
    assert!(
        failures.is_empty(),
        "dciodvfy errors:\n{}",
        failures.join("\n")
    );
}
