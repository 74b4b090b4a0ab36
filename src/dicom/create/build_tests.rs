//! Builder tests: PDF and image round trips, private blocks, parent inheritance, series, and
//! the external validators (dciodvfy, dcmdump, dcm2pdf, dcm2pnm).

use super::content::tests::{encode_png, gradient, palette_png};
use super::*;
use dicom_object::{DefaultDicomObject, open_file};
use image::{ExtendedColorType, ImageEncoder};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::Command;

pub(super) fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-28T08:49:26Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn dict() -> PrivateDictionary {
    PrivateDictionary::from_json(&json!({
        "0405,0010": ["LO", "PrivateCreatorForMyCompany", 1, 1, "My Company"],
        "0405,1001": ["ST", "MyPrivateXMLTag", 1, 1, "My Company"],
        "0405,1002": ["US", "MyPrivateCount", 1, 1, "My Company"],
        "0409,1003": ["LO", "OtherVendorTag", 1, 1, "Other Vendor"]
    }))
    .unwrap()
}

fn tags(list: &[(&str, &str)]) -> Vec<(String, TagValue)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), TagValue::from(*v)))
        .collect()
}

fn spec(payload: Payload, list: &[(&str, &str)]) -> CreateSpec {
    CreateSpec {
        items: vec![CreateItem {
            payload,
            tags: vec![],
        }],
        tags: tags(list),
        ..CreateSpec::default()
    }
}

fn build_one(s: &CreateSpec, parent: Option<ParentContext>) -> Result<Created, CreateError> {
    let mut v = build(s, parent, &dict(), &Limits::default(), now())?;
    assert_eq!(v.len(), 1);
    Ok(v.remove(0))
}

fn pdf_bytes(len: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n".to_vec();
    while v.len() < len - 6 {
        v.push(b' ');
    }
    v.extend_from_slice(b"%%EOF\n");
    v.truncate(len);
    v
}

pub(super) fn write(c: &Created, dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(format!("{name}.dcm"));
    c.file.write_to_file(&p).unwrap();
    p
}

pub(super) fn reread(c: &Created) -> DefaultDicomObject {
    let dir = tempfile::tempdir().unwrap();
    open_file(write(c, dir.path(), "x")).unwrap()
}

pub(super) fn s(o: &InMemDicomObject, tag: Tag) -> String {
    o.get(tag)
        .map(|e| {
            e.value()
                .to_str()
                .unwrap()
                .trim_end_matches(['\0', ' '])
                .to_string()
        })
        .unwrap_or_else(|| panic!("missing {}", fmt_tag(tag)))
}

fn bytes(o: &InMemDicomObject, tag: Tag) -> Vec<u8> {
    o.get(tag).unwrap().value().to_bytes().unwrap().to_vec()
}

#[test]
fn pdf_round_trip_odd_and_even() {
    for len in [593usize, 594] {
        let pdf = pdf_bytes(len);
        let c = build_one(
            &spec(
                Payload::Pdf {
                    bytes: pdf.clone(),
                    title: Some("report.pdf".into()),
                },
                &[("PatientName", "Doe^Jane")],
            ),
            None,
        )
        .unwrap();
        let o = reread(&c);
        let doc = bytes(&o, t::ENCAPSULATED_DOCUMENT);
        assert_eq!(doc.len(), len + len % 2);
        assert_eq!(&doc[..len], &pdf[..]);
        if len % 2 == 1 {
            assert_eq!(doc[len], 0);
        }
        let l: u32 = o
            .get(t::ENCAPSULATED_DOCUMENT_LENGTH)
            .unwrap()
            .value()
            .to_int()
            .unwrap();
        assert_eq!(l as usize, len);
        assert_eq!(s(&o, t::SOP_CLASS_UID), uids::ENCAPSULATED_PDF_STORAGE);
        assert_eq!(
            o.meta().media_storage_sop_class_uid(),
            uids::ENCAPSULATED_PDF_STORAGE
        );
        assert_eq!(o.meta().transfer_syntax(), uids::EXPLICIT_VR_LITTLE_ENDIAN);
        assert_eq!(
            o.meta().implementation_class_uid(),
            IMPLEMENTATION_CLASS_UID
        );
        assert_eq!(
            o.meta().implementation_version_name(),
            Some(IMPLEMENTATION_VERSION_NAME)
        );
        assert_eq!(s(&o, t::MODALITY), "OT");
        assert_eq!(s(&o, t::CONVERSION_TYPE), "WSD");
        assert_eq!(s(&o, t::BURNED_IN_ANNOTATION), "YES");
        assert_eq!(s(&o, t::DOCUMENT_TITLE), "report.pdf");
        assert_eq!(
            s(&o, t::MIME_TYPE_OF_ENCAPSULATED_DOCUMENT),
            "application/pdf"
        );
        assert_eq!(s(&o, t::SPECIFIC_CHARACTER_SET), "ISO_IR 100");
        assert_eq!(s(&o, t::STUDY_DATE), "20261128");
        assert_eq!(s(&o, t::STUDY_TIME), "084926.000000");
        assert_eq!(s(&o, t::INSTANCE_NUMBER), "1");
        assert!(s(&o, t::SOP_INSTANCE_UID).starts_with("2.25."));
        assert_eq!(s(&o, t::PATIENT_ID).len(), 36);
    }
    let e = build_one(
        &spec(
            Payload::Pdf {
                bytes: b"hello".to_vec(),
                title: None,
            },
            &[],
        ),
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("not a PDF file"), "{e}");
}

#[test]
fn png_pixels_match_decoded_png() {
    let (w, h) = (7u32, 5u32);
    let n = (w * h) as usize;
    let g8 = gradient(n, 1);
    let rgb = gradient(n, 3);
    let rgba = gradient(n, 4);
    let g16: Vec<u16> = (0..n).map(|i| (i as u16) * 1500 + 3).collect();
    let g16_ne: Vec<u8> = g16.iter().flat_map(|v| v.to_ne_bytes()).collect();
    let g16_le: Vec<u8> = g16.iter().flat_map(|v| v.to_le_bytes()).collect();
    let rgba_as_rgb: Vec<u8> = rgba.chunks(4).flat_map(|p| p[..3].to_vec()).collect();
    // (png, expected PixelData, SamplesPerPixel, BitsAllocated, photometric, warnings)
    type Case = (Vec<u8>, Vec<u8>, u16, u16, &'static str, usize);
    let cases: Vec<Case> = vec![
        (
            encode_png(w, h, &g8, ExtendedColorType::L8),
            g8.clone(),
            1,
            8,
            "MONOCHROME2",
            0,
        ),
        (
            encode_png(w, h, &g16_ne, ExtendedColorType::L16),
            g16_le,
            1,
            16,
            "MONOCHROME2",
            0,
        ),
        (
            encode_png(w, h, &rgb, ExtendedColorType::Rgb8),
            rgb.clone(),
            3,
            8,
            "RGB",
            0,
        ),
        (
            encode_png(w, h, &rgba, ExtendedColorType::Rgba8),
            rgba_as_rgb,
            3,
            8,
            "RGB",
            1,
        ),
    ];
    for (png, expect, spp, bits, photometric, n_warn) in cases {
        let c = build_one(&spec(Payload::Image { bytes: png }, &[]), None).unwrap();
        assert_eq!(c.warnings.len(), n_warn, "{:?}", c.warnings);
        let o = reread(&c);
        let mut px = bytes(&o, t::PIXEL_DATA);
        assert_eq!(o.get(t::PIXEL_DATA).unwrap().vr(), VR::OW);
        px.truncate(expect.len()); // 8-bit odd lengths carry one pad byte
        assert_eq!(px, expect);
        let us = |tag| -> u16 { o.get(tag).unwrap().value().to_int().unwrap() };
        assert_eq!(us(t::SAMPLES_PER_PIXEL), spp);
        assert_eq!((us(t::ROWS), us(t::COLUMNS)), (h as u16, w as u16));
        assert_eq!(
            (us(t::BITS_ALLOCATED), us(t::BITS_STORED), us(t::HIGH_BIT)),
            (bits, bits, bits - 1)
        );
        assert_eq!(us(t::PIXEL_REPRESENTATION), 0);
        assert_eq!(s(&o, t::PHOTOMETRIC_INTERPRETATION), photometric);
        assert_eq!(o.get(t::PLANAR_CONFIGURATION).is_some(), spp == 3);
        assert_eq!(
            s(&o, t::SOP_CLASS_UID),
            uids::SECONDARY_CAPTURE_IMAGE_STORAGE
        );
        assert_eq!(s(&o, t::LOSSY_IMAGE_COMPRESSION), "00");
        assert_eq!(s(&o, t::BURNED_IN_ANNOTATION), "NO");
    }
}

#[test]
fn jpeg_is_decoded_and_marked_lossy() {
    let rgb = gradient(16 * 16, 3);
    let mut jpg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut jpg)
        .write_image(&rgb, 16, 16, ExtendedColorType::Rgb8)
        .unwrap();
    let reference = image::load_from_memory(&jpg).unwrap().to_rgb8().into_raw();
    // declared as PNG in a data URI would not matter: the content decides
    let c = build_one(&spec(Payload::Image { bytes: jpg.clone() }, &[]), None).unwrap();
    let o = reread(&c);
    assert_eq!(bytes(&o, t::PIXEL_DATA), reference);
    assert_eq!(s(&o, t::LOSSY_IMAGE_COMPRESSION), "01");
    let e = build_one(
        &spec(
            Payload::Image {
                bytes: jpg[..jpg.len() / 2].to_vec(),
            },
            &[],
        ),
        None,
    )
    .unwrap_err();
    assert!(matches!(e, CreateError::Content { .. }), "{e}");
}

#[test]
fn private_tags_get_a_creator_block() {
    let png = encode_png(2, 2, &gradient(4, 1), ExtendedColorType::L8);
    let c = build_one(
        &CreateSpec {
            private_creator: Some("My Company".into()),
            ..spec(
                Payload::Image { bytes: png.clone() },
                &[("MyPrivateXMLTag", "Testing"), ("MyPrivateCount", "7")],
            )
        },
        None,
    )
    .unwrap();
    let o = reread(&c);
    assert_eq!(s(&o, Tag(0x0405, 0x0010)), "My Company");
    assert_eq!(s(&o, Tag(0x0405, 0x1001)), "Testing");
    assert_eq!(o.get(Tag(0x0405, 0x1001)).unwrap().vr(), VR::ST);
    assert_eq!(o.get(Tag(0x0405, 0x1002)).unwrap().vr(), VR::US);
    assert_eq!(
        o.private_element(0x0405, "My Company", 0x01)
            .unwrap()
            .value()
            .to_str()
            .unwrap(),
        "Testing"
    );

    // block 0x10 already taken by another creator: the next free block is used
    let c = build_one(
        &spec(
            Payload::Image { bytes: png.clone() },
            &[("0405,0010", "Someone Else"), ("MyPrivateXMLTag", "X")],
        ),
        None,
    )
    .unwrap();
    let o = &*c.file;
    assert_eq!(s(o, Tag(0x0405, 0x0010)), "Someone Else");
    assert_eq!(s(o, Tag(0x0405, 0x0011)), "My Company");
    assert_eq!(s(o, Tag(0x0405, 0x1101)), "X");
    assert!(o.get(Tag(0x0405, 0x1001)).is_none());

    // the Book's explicit creator element + numeric tag
    let c = build_one(
        &CreateSpec {
            private_creator: Some("My Company".into()),
            ..spec(
                Payload::Empty,
                &[
                    ("0405,1001", "Y"),
                    ("PrivateCreatorForMyCompany", "My Company"),
                ],
            )
        },
        None,
    )
    .unwrap();
    assert_eq!(s(&c.file, Tag(0x0405, 0x0010)), "My Company");
    assert_eq!(s(&c.file, Tag(0x0405, 0x1001)), "Y");

    // numeric tag whose block holds another creator
    let e = build_one(
        &CreateSpec {
            private_creator: Some("My Company".into()),
            ..spec(
                Payload::Empty,
                &[("0405,0010", "Other"), ("0405,1001", "Y")],
            )
        },
        None,
    )
    .unwrap_err();
    assert!(matches!(e, CreateError::Private { .. }), "{e}");

    // unknown private keyword
    let e = build_one(&spec(Payload::Empty, &[("NotDeclared", "x")]), None).unwrap_err();
    assert!(e.to_string().contains("NotDeclared"), "{e}");
    // invalid private value
    let e = build_one(&spec(Payload::Empty, &[("MyPrivateCount", "70000")]), None).unwrap_err();
    assert!(
        e.to_string().contains("MyPrivateCount (0405,1002) US"),
        "{e}"
    );
}

#[test]
fn private_block_allocation_skips_taken_blocks() {
    let mut o = InMemDicomObject::new_empty();
    for b in 0x10u16..0x13 {
        put_str(&mut o, Tag(0x0009, b), VR::LO, &format!("C{b}"));
    }
    assert_eq!(private_block(&mut o, 0x0009, "C17", "x").unwrap(), 0x11);
    assert_eq!(private_block(&mut o, 0x0009, "New", "x").unwrap(), 0x13);
    assert_eq!(s(&o, Tag(0x0009, 0x0013)), "New");
    assert_eq!(private_block(&mut o, 0x0009, "New", "x").unwrap(), 0x13);
    for b in 0x14u16..=0xFF {
        put_str(&mut o, Tag(0x0009, b), VR::LO, &format!("C{b}"));
    }
    assert!(private_block(&mut o, 0x0009, "Full", "x").is_err());
}

fn sample_study() -> Created {
    build_one(
        &CreateSpec {
            force: true,
            ..spec(
                Payload::Pdf {
                    bytes: pdf_bytes(300),
                    title: None,
                },
                &[
                    ("PatientName", "Parent^Pat"),
                    ("PatientID", "P-1"),
                    ("PatientSex", "F"),
                    ("StudyDescription", "Parent study"),
                    ("StudyDate", "20200101"),
                    ("Modality", "DOC"),
                    ("SeriesDescription", "Parent series"),
                    ("SeriesNumber", "9"),
                ],
            )
        },
        None,
    )
    .unwrap()
}

#[test]
fn parent_inheritance_and_inherited_tag_error() {
    let parent = sample_study();
    let p = &*parent.file;
    let png = encode_png(2, 2, &gradient(4, 3), ExtendedColorType::Rgb8);
    let img = || spec(Payload::Image { bytes: png.clone() }, &[]);

    // parent study: new series in the same study
    let c = build_one(
        &img(),
        Some(ParentContext {
            level: ParentLevel::Study,
            sample: p,
        }),
    )
    .unwrap();
    let o = &*c.file;
    assert_eq!(s(o, t::PATIENT_NAME), "Parent^Pat");
    assert_eq!(s(o, t::PATIENT_ID), "P-1");
    assert_eq!(s(o, t::STUDY_DESCRIPTION), "Parent study");
    assert_eq!(s(o, t::STUDY_DATE), "20200101"); // inherited date not overwritten
    assert_eq!(s(o, t::STUDY_INSTANCE_UID), s(p, t::STUDY_INSTANCE_UID));
    assert_ne!(s(o, t::SERIES_INSTANCE_UID), s(p, t::SERIES_INSTANCE_UID));
    assert_eq!(s(o, t::MODALITY), "OT"); // series module not copied
    assert_eq!(s(o, t::SERIES_DATE), "20261128");

    // parent series: same series
    let c = build_one(
        &img(),
        Some(ParentContext {
            level: ParentLevel::Series,
            sample: p,
        }),
    )
    .unwrap();
    let o = &*c.file;
    assert_eq!(s(o, t::SERIES_INSTANCE_UID), s(p, t::SERIES_INSTANCE_UID));
    assert_eq!(s(o, t::MODALITY), "DOC");
    assert_eq!(s(o, t::SERIES_NUMBER), "9");
    assert_ne!(s(o, t::SOP_INSTANCE_UID), s(p, t::SOP_INSTANCE_UID));

    // parent patient: new study, same patient
    let c = build_one(
        &img(),
        Some(ParentContext {
            level: ParentLevel::Patient,
            sample: p,
        }),
    )
    .unwrap();
    assert_eq!(s(&c.file, t::PATIENT_ID), "P-1");
    assert_ne!(
        s(&c.file, t::STUDY_INSTANCE_UID),
        s(p, t::STUDY_INSTANCE_UID)
    );
    assert!(c.file.get(t::STUDY_DESCRIPTION).is_none());

    // overriding an inherited tag needs Force
    let mut sp = img();
    sp.tags = tags(&[("PatientName", "Other^Name")]);
    let ctx = || {
        Some(ParentContext {
            level: ParentLevel::Study,
            sample: p,
        })
    };
    match build_one(&sp, ctx()) {
        Err(CreateError::InheritedTag { keyword }) => assert_eq!(keyword, "PatientName"),
        other => panic!("{other:?}"),
    }
    sp.force = true;
    assert_eq!(
        s(&build_one(&sp, ctx()).unwrap().file, t::PATIENT_NAME),
        "Other^Name"
    );

    // inherited UID, and generated UIDs without a parent
    let mut sp = img();
    sp.tags = tags(&[("StudyInstanceUID", "1.2.3")]);
    assert!(matches!(
        build_one(&sp, ctx()),
        Err(CreateError::InheritedTag { .. })
    ));
    match build_one(&sp, None) {
        Err(CreateError::GeneratedUid { keyword }) => assert_eq!(keyword, "StudyInstanceUID"),
        other => panic!("{other:?}"),
    }
    sp.force = true;
    assert_eq!(
        s(&build_one(&sp, None).unwrap().file, t::STUDY_INSTANCE_UID),
        "1.2.3"
    );
    sp.tags = tags(&[("SOPInstanceUID", "1.2.3.4")]);
    assert_eq!(sp.items.len(), 1);
    assert_eq!(
        build_one(&sp, None)
            .unwrap()
            .file
            .meta()
            .media_storage_sop_instance_uid(),
        "1.2.3.4"
    );
}

#[test]
fn several_items_make_one_series() {
    let png = encode_png(3, 3, &gradient(9, 1), ExtendedColorType::L8);
    let mk = |p: Payload, tg: &[(&str, &str)]| CreateItem {
        payload: p,
        tags: tags(tg),
    };
    let sp = CreateSpec {
        items: vec![
            mk(
                Payload::Image { bytes: png.clone() },
                &[("ImageComments", "first")],
            ),
            mk(
                Payload::Pdf {
                    bytes: pdf_bytes(101),
                    title: None,
                },
                &[],
            ),
            mk(
                Payload::Image { bytes: png.clone() },
                &[("InstanceNumber", "77")],
            ),
        ],
        tags: tags(&[("PatientName", "Series^Test")]),
        ..CreateSpec::default()
    };
    let v = build(&sp, None, &dict(), &Limits::default(), now()).unwrap();
    assert_eq!(v.len(), 3);
    let study = s(&v[0].file, t::STUDY_INSTANCE_UID);
    let series = s(&v[0].file, t::SERIES_INSTANCE_UID);
    let mut sops = HashSet::new();
    for (i, c) in v.iter().enumerate() {
        assert_eq!(s(&c.file, t::STUDY_INSTANCE_UID), study);
        assert_eq!(s(&c.file, t::SERIES_INSTANCE_UID), series);
        assert_eq!(s(&c.file, t::INSTANCE_NUMBER), (i + 1).to_string());
        assert_eq!(s(&c.file, t::PATIENT_NAME), "Series^Test");
        sops.insert(s(&c.file, t::SOP_INSTANCE_UID));
    }
    assert_eq!(sops.len(), 3);
    assert_eq!(s(&v[0].file, t::IMAGE_COMMENTS), "first");
    assert!(v[1].file.get(t::IMAGE_COMMENTS).is_none());

    // all or nothing
    let mut bad = sp.clone();
    bad.items[1].payload = Payload::Pdf {
        bytes: b"nope".to_vec(),
        title: None,
    };
    match build(&bad, None, &dict(), &Limits::default(), now()) {
        Err(CreateError::Content { item: Some(1), .. }) => {}
        other => panic!("{other:?}"),
    }
    let mut bad = sp.clone();
    bad.tags.push(("SOPInstanceUID".into(), "1.2.3".into()));
    bad.force = true;
    assert!(matches!(
        build(&bad, None, &dict(), &Limits::default(), now()),
        Err(CreateError::SharedSopInstanceUid(3))
    ));
}

#[test]
fn tag_errors_surface() {
    let e = build_one(&spec(Payload::Empty, &[("StudyDate", "2024-13-01")]), None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid value \"2024-13-01\" for StudyDate (0008,0020) DA: expected YYYYMMDD"
    );
    assert!(matches!(
        build_one(&spec(Payload::Empty, &[("PixelData", "x")]), None),
        Err(CreateError::UsePixelContent)
    ));
    assert!(matches!(
        build_one(
            &spec(Payload::Empty, &[("SpecificCharacterSet", "KLINGON")]),
            None
        ),
        Err(CreateError::BadCharset { .. })
    ));
    // binary data URI for an OB tag, and for a text tag
    let c = build_one(
        &spec(
            Payload::Empty,
            &[
                (
                    "PatientComments",
                    "data:application/octet-stream;base64,SGVsbG8=",
                ),
                ("0029,0000", "ignored group length"),
            ],
        ),
        None,
    )
    .unwrap();
    assert_eq!(s(&c.file, t::PATIENT_COMMENTS), "Hello");
    assert!(c.warnings.iter().any(|w| w.contains("IOD")));
    assert_eq!(
        c.file.meta().media_storage_sop_class_uid(),
        PLACEHOLDER_SOP_CLASS_UID
    );
}

/// Issue 11, defect 11: `TransferSyntaxUID=...` used to land in the data set (dciodvfy: "not
/// valid DICOM"); elements of the meta group, command, directory, item and padding groups are
/// refused, naming the tag, in shared and per-item tags alike.
#[test]
fn encoding_owned_tags_are_refused() {
    for (key, shown) in [
        ("TransferSyntaxUID", "TransferSyntaxUID (0002,0010)"),
        ("0002,0010", "TransferSyntaxUID (0002,0010)"),
        (
            "MediaStorageSOPClassUID",
            "MediaStorageSOPClassUID (0002,0002)",
        ),
        ("0002,0000", "FileMetaInformationGroupLength (0002,0000)"),
        ("CommandField", "CommandField (0000,0100)"),
        ("FileSetID", "FileSetID (0004,1130)"),
        ("FFFE,E000", "FFFE,E000 (fffe,e000)"),
        (
            "DataSetTrailingPadding",
            "DataSetTrailingPadding (fffc,fffc)",
        ),
    ] {
        let e =
            build_one(&spec(Payload::Empty, &[(key, "1.2.840.10008.1.2")]), None).expect_err(key);
        assert!(matches!(e, CreateError::ReservedTag { .. }), "{key}: {e:?}");
        let msg = e.to_string();
        assert!(
            msg.starts_with(shown) && msg.contains("cannot be set"),
            "{msg}"
        );
        let mut per_item = spec(Payload::Empty, &[]);
        per_item.items = vec![CreateItem {
            payload: Payload::Empty,
            tags: tags(&[(key, "1")]),
        }];
        assert!(matches!(
            build_one(&per_item, None),
            Err(CreateError::ReservedTag { .. })
        ));
    }
    // the transfer syntax stays the one dicomq writes, and only in the meta group
    let c = build_one(&spec(Payload::Empty, &[("PatientID", "X")]), None).unwrap();
    assert!(c.file.get(t::TRANSFER_SYNTAX_UID).is_none());
}

/// The content limit bounds a whole series (held in memory until stored together), not each
/// image alone.
#[test]
fn content_limit_bounds_the_whole_series() {
    let png = encode_png(4, 4, &gradient(16, 3), ExtendedColorType::Rgb8); // 48 bytes decoded
    let mut sp = spec(Payload::Empty, &[]);
    sp.items = (0..3)
        .map(|_| CreateItem {
            payload: Payload::Image { bytes: png.clone() },
            tags: vec![],
        })
        .collect();
    let limit = |max_content_bytes| Limits { max_content_bytes };
    assert_eq!(
        build(&sp, None, &dict(), &limit(144), now()).unwrap().len(),
        3
    );
    match build(&sp, None, &dict(), &limit(100), now()) {
        Err(
            e @ CreateError::SeriesTooLarge {
                count: 3,
                limit: 100,
            },
        ) => {
            assert!(
                e.to_string().contains("MaximumCreateDicomContentSize"),
                "{e}"
            );
        }
        other => panic!("{other:?}"),
    }
    // one image above the limit is named as such, with its own size
    match build(&sp, None, &dict(), &limit(40), now()) {
        Err(CreateError::Content {
            item: Some(0),
            source:
                ContentError::TooLarge {
                    bytes: 48,
                    limit: 40,
                    ..
                },
        }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn request_to_build() {
    use base64::Engine;
    let png = encode_png(4, 4, &gradient(16, 3), ExtendedColorType::Rgb8);
    let body = json!({
        "Tags": {"PatientName": "Love^Sarah", "PatientID": "7", "MyPrivateXMLTag": "Testing"},
        "PrivateCreator": "My Company",
        "Content": format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(&png))
    });
    let r = parse_request(&body).unwrap();
    let v = build(&r.spec, None, &dict(), &Limits::default(), now()).unwrap();
    assert_eq!(s(&v[0].file, Tag(0x0405, 0x1001)), "Testing");
    assert_eq!(s(&v[0].file, t::PATIENT_ID), "7");
}

// ---------------------------------------------------------------------------------------
// External validators

fn tool(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

fn require_validators() -> bool {
    std::env::var("DICOMQ_REQUIRE_VALIDATORS").as_deref() == Ok("1")
}

/// Every output kind, with the lines dciodvfy reported.
#[test]
fn outputs_validate_with_dciodvfy_and_dcmdump() {
    let (Some(dciodvfy), Some(dcmdump)) = (tool("dciodvfy"), tool("dcmdump")) else {
        assert!(
            !require_validators(),
            "dciodvfy/dcmdump not found but DICOMQ_REQUIRE_VALIDATORS=1"
        );
        eprintln!("skipping: dciodvfy or dcmdump not installed");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    // DICOMQ_CREATE_OUT=<dir> keeps the files for inspection
    let keep = std::env::var_os("DICOMQ_CREATE_OUT").map(PathBuf::from);
    let dir: &Path = keep.as_deref().unwrap_or(tmp.path());
    let (w, h) = (33u32, 17u32);
    let n = (w * h) as usize;
    let g16: Vec<u8> = (0..n)
        .flat_map(|i| ((i * 97) as u16).to_ne_bytes())
        .collect();
    let mut jpg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut jpg)
        .write_image(&gradient(n, 3), w, h, ExtendedColorType::Rgb8)
        .unwrap();
    let pdf_odd = pdf_bytes(593);
    let kinds: Vec<(&str, Payload)> = vec![
        (
            "pdf_odd",
            Payload::Pdf {
                bytes: pdf_odd.clone(),
                title: Some("hello.pdf".into()),
            },
        ),
        (
            "pdf_even",
            Payload::Pdf {
                bytes: pdf_bytes(594),
                title: None,
            },
        ),
        (
            "png_gray8",
            Payload::Image {
                bytes: encode_png(w, h, &gradient(n, 1), ExtendedColorType::L8),
            },
        ),
        (
            "png_gray16",
            Payload::Image {
                bytes: encode_png(w, h, &g16, ExtendedColorType::L16),
            },
        ),
        (
            "png_rgb",
            Payload::Image {
                bytes: encode_png(w, h, &gradient(n, 3), ExtendedColorType::Rgb8),
            },
        ),
        (
            "png_rgba",
            Payload::Image {
                bytes: encode_png(w, h, &gradient(n, 4), ExtendedColorType::Rgba8),
            },
        ),
        (
            "png_palette",
            Payload::Image {
                bytes: palette_png(w, h).0,
            },
        ),
        ("jpeg_rgb", Payload::Image { bytes: jpg }),
    ];
    let mut files = vec![];
    for (name, payload) in kinds {
        let sp = CreateSpec {
            private_creator: Some("My Company".into()),
            ..spec(
                payload,
                &[
                    ("PatientName", "Müller^Zoë"),
                    ("PatientID", "VAL-1"),
                    ("StudyDescription", "validation"),
                    ("MyPrivateXMLTag", "<xml/>"),
                ],
            )
        };
        let c = build_one(&sp, None).unwrap();
        files.push((name.to_string(), write(&c, dir, name)));
    }
    // with a parent series
    let parent = sample_study();
    let c = build_one(
        &spec(
            Payload::Image {
                bytes: encode_png(w, h, &gradient(n, 3), ExtendedColorType::Rgb8),
            },
            &[],
        ),
        Some(ParentContext {
            level: ParentLevel::Series,
            sample: &parent.file,
        }),
    )
    .unwrap();
    files.push(("parent_series".into(), write(&c, dir, "parent_series")));

    let mut failures = vec![];
    for (name, path) in &files {
        let out = Command::new(&dciodvfy).arg(path).output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let errors: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("Error") || l.contains(" - Error - "))
            .collect();
        let iod = if name.starts_with("pdf") {
            "EncapsulatedPDF"
        } else {
            "SCImage"
        };
        assert!(
            text.lines().any(|l| l.trim() == iod),
            "{name}: IOD {iod} not recognised:\n{text}"
        );
        for l in text.lines().filter(|l| l.contains("Warning")) {
            eprintln!("[{name}] {l}");
        }
        if !errors.is_empty() {
            failures.push(format!("{name}:\n{}", errors.join("\n")));
        }
        let dump = Command::new(&dcmdump).arg(path).output().unwrap();
        assert!(dump.status.success(), "dcmdump failed on {name}");
        let dump = String::from_utf8_lossy(&dump.stdout);
        assert!(
            dump.contains("(0405,1001) ST [<xml/>]") || *name == "parent_series",
            "{dump}"
        );
    }
    assert!(
        failures.is_empty(),
        "dciodvfy errors:\n{}",
        failures.join("\n")
    );

    // dcm2pdf returns the exact PDF (pad stripped)
    if let Some(dcm2pdf) = tool("dcm2pdf") {
        let outp = dir.join("out.pdf");
        let st = Command::new(dcm2pdf)
            .arg(dir.join("pdf_odd.dcm"))
            .arg(&outp)
            .status()
            .unwrap();
        assert!(st.success());
        assert_eq!(std::fs::read(&outp).unwrap(), pdf_odd);
    }
    // dcm2pnm renders the RGB image byte-identical to the PNG pixels
    if let Some(dcm2pnm) = tool("dcm2pnm") {
        let outp = dir.join("out.ppm");
        let st = Command::new(dcm2pnm)
            .arg(dir.join("png_rgb.dcm"))
            .arg(&outp)
            .status()
            .unwrap();
        assert!(st.success());
        let ppm = std::fs::read(&outp).unwrap();
        assert!(ppm.ends_with(&gradient(n, 3)));
    }
}

/// Same pixels as Orthanc 1.10.1 for the golden inputs (orthanc-golden/create-dicom).
#[test]
fn golden_inputs_match_orthanc_pixel_data() {
    let root = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/orthanc/create-dicom"
    ));
    let cases = [
        ("rgb_64x48.png", "png_rgb_minimal.dcm", 0u8),
        ("gray8_64x48.png", "png_gray8_minimal.dcm", 0),
        ("gray16_64x48.png", "png_gray16.dcm", 0),
        ("rgba_64x48.png", "png_rgba.dcm", 0),
        // JPEG: libjpeg (Orthanc) and zune-jpeg may round differently
        ("rgb_64x48.jpg", "jpeg_rgb.dcm", 3),
        ("gray8_64x48.jpg", "jpeg_gray8.dcm", 3),
    ];
    for (input, golden, tolerance) in cases {
        let png = std::fs::read(root.join("inputs").join(input)).unwrap();
        let c = build_one(&spec(Payload::Image { bytes: png }, &[]), None).unwrap();
        let ours = reread(&c);
        let theirs = open_file(root.join("instances").join(golden)).unwrap();
        for tag in [
            t::ROWS,
            t::COLUMNS,
            t::SAMPLES_PER_PIXEL,
            t::PHOTOMETRIC_INTERPRETATION,
            t::BITS_ALLOCATED,
            t::BITS_STORED,
            t::HIGH_BIT,
            t::PIXEL_REPRESENTATION,
        ] {
            assert_eq!(s(&ours, tag), s(&theirs, tag), "{input}: {}", fmt_tag(tag));
        }
        let (a, b) = (bytes(&ours, t::PIXEL_DATA), bytes(&theirs, t::PIXEL_DATA));
        assert_eq!(a.len(), b.len(), "{input}");
        let max_diff = a
            .iter()
            .zip(&b)
            .map(|(x, y)| x.abs_diff(*y))
            .max()
            .unwrap_or(0);
        eprintln!("{input}: max pixel difference vs Orthanc = {max_diff}");
        assert!(max_diff <= tolerance, "{input}: max difference {max_diff}");
    }
}

#[test]
fn inherited_charset_is_used_for_encoding() {
    let mut parent = InMemDicomObject::new_empty();
    put_str(&mut parent, t::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100");
    put_str(&mut parent, t::PATIENT_ID, VR::LO, "P-100");
    let sp = spec(Payload::Empty, &[("StudyDescription", "Résumé")]);
    let bad = spec(Payload::Empty, &[("StudyDescription", "山田")]);
    let r = build_one(
        &bad,
        Some(ParentContext {
            level: ParentLevel::Patient,
            sample: &parent,
        }),
    );
    match r {
        Err(CreateError::Unencodable { name, .. }) => assert_eq!(name, "StudyDescription"),
        other => panic!("{other:?}"),
    }
    let c = build_one(
        &sp,
        Some(ParentContext {
            level: ParentLevel::Patient,
            sample: &parent,
        }),
    )
    .unwrap();
    assert_eq!(s(&c.file, t::SPECIFIC_CHARACTER_SET), "ISO_IR 100");
    let mut buf = Vec::new();
    c.file.write_all(&mut buf).unwrap();
    assert!(
        buf.windows(6).any(|w| w == b"R\xe9sum\xe9"),
        "not Latin-1 encoded"
    );
    assert_eq!(s(&reread(&c), t::STUDY_DESCRIPTION), "Résumé");
}

#[test]
fn dictionary_duplicates_are_refused() {
    let e = PrivateDictionary::from_json(&json!({
        "0405,1001": ["ST", "A", 1, 1, "C"],
        "04051001": ["ST", "B", 1, 1, "C"]
    }))
    .unwrap_err();
    assert!(matches!(e, DictionaryError::Duplicate { .. }), "{e}");
}

/// dciodvfy's errors on a file, and whether it named the IOD `iod`.
fn dciodvfy_errors(dciodvfy: &Path, path: &Path, iod: &str) -> (bool, Vec<String>) {
    let out = Command::new(dciodvfy).arg(path).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let errors = text
        .lines()
        .filter(|l| l.starts_with("Error") || l.contains(" - Error - "))
        .map(str::to_string)
        .collect();
    (text.lines().any(|l| l.trim() == iod), errors)
}

fn fixture_input(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).unwrap()
}

/// Issue 13: encapsulated JPEG, 3D models, 16-bit PNGs of every colour type and a series all
/// pass dciodvfy and dcmdump; the JPEG is the one fragment, byte for byte, and DCMTK decodes it.
#[test]
fn issue13_contents_validate_with_dciodvfy_and_dcmdump() {
    let (Some(dciodvfy), Some(dcmdump), Some(dcmdjpeg)) =
        (tool("dciodvfy"), tool("dcmdump"), tool("dcmdjpeg"))
    else {
        assert!(
            !require_validators(),
            "dciodvfy/dcmdump/dcmdjpeg not found but DICOMQ_REQUIRE_VALIDATORS=1"
        );
        eprintln!("skipping: dciodvfy, dcmdump or dcmdjpeg not installed");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let rgb_jpeg = fixture_input("tests/fixtures/orthanc/create-dicom/inputs/rgb_64x48.jpg");
    let gray_jpeg = fixture_input("tests/fixtures/orthanc/create-dicom/inputs/gray8_64x48.jpg");
    assert_eq!(rgb_jpeg.len() % 2, 1, "the fixture tests the padding");
    let (w, h) = (7u32, 5u32);
    let n = (w * h) as usize;
    let words = |channels: usize| -> Vec<u8> {
        (0..n * channels)
            .flat_map(|i| ((i * 1531) as u16).to_ne_bytes())
            .collect()
    };
    let stl_binary = super::content::tests::binary_stl(3);
    let kinds: Vec<(&str, Payload, &str)> = vec![
        (
            "jpeg_ybr422",
            Payload::EncapsulatedJpeg {
                bytes: rgb_jpeg.clone(),
            },
            "SCImage",
        ),
        (
            "jpeg_gray",
            Payload::EncapsulatedJpeg {
                bytes: gray_jpeg.clone(),
            },
            "SCImage",
        ),
        (
            "png_rgba16_orthanc",
            Payload::Image {
                bytes: fixture_input("tests/fixtures/orthanc-tests/Png16RBGATest.png"),
            },
            "SCImage",
        ),
        (
            "png_gray_alpha16",
            Payload::Image {
                bytes: encode_png(w, h, &words(2), ExtendedColorType::La16),
            },
            "SCImage",
        ),
        (
            "png_rgb16",
            Payload::Image {
                bytes: encode_png(w, h, &words(3), ExtendedColorType::Rgb16),
            },
            "SCImage",
        ),
        (
            "stl_ascii",
            Payload::Model {
                bytes: b"solid x\nendsolid x\n".to_vec(),
                kind: ModelKind::Stl,
            },
            "EncapsulatedSTL",
        ),
        (
            "stl_binary",
            Payload::Model {
                bytes: stl_binary.clone(),
                kind: ModelKind::Stl,
            },
            "EncapsulatedSTL",
        ),
        (
            "obj",
            Payload::Model {
                bytes: b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n".to_vec(),
                kind: ModelKind::Obj,
            },
            "EncapsulatedSTL",
        ),
        (
            "mtl",
            Payload::Model {
                bytes: b"newmtl m\nKd 1 0 0\n".to_vec(),
                kind: ModelKind::Mtl,
            },
            "EncapsulatedSTL",
        ),
    ];
    let mut failures = vec![];
    for (name, payload, iod) in kinds {
        let c = build_one(&spec(payload.clone(), &[("PatientName", "Doe^J")]), None).unwrap();
        let path = write(&c, dir, name);
        let reread = open_file(&path).unwrap();
        let mut checked = path.clone();
        if let Payload::Model { kind, bytes } = &payload {
            assert_eq!(s(&reread, t::SOP_CLASS_UID), kind.sop_class_uid());
            assert_eq!(s(&reread, t::MODALITY), "M3D");
            assert_eq!(
                s(&reread, t::MIME_TYPE_OF_ENCAPSULATED_DOCUMENT),
                kind.mime()
            );
            assert_eq!(
                bytes_of_document(&reread),
                super::content::pad_even(bytes),
                "{name}"
            );
            if *kind != ModelKind::Stl {
                // This dciodvfy predates the OBJ and MTL IODs ("Information Object Not
                // found"); they have the modules of the STL one: check the same data set
                // under the STL class.
                let mut as_stl = c.file.clone();
                as_stl.put(DataElement::new(
                    t::SOP_CLASS_UID,
                    VR::UI,
                    PrimitiveValue::from(ModelKind::Stl.sop_class_uid()),
                ));
                as_stl.put(DataElement::new(
                    t::MIME_TYPE_OF_ENCAPSULATED_DOCUMENT,
                    VR::LO,
                    PrimitiveValue::from(ModelKind::Stl.mime()),
                ));
                as_stl.update_meta(|m| {
                    m.media_storage_sop_class_uid = ModelKind::Stl.sop_class_uid().into()
                });
                checked = dir.join(format!("{name}_as_stl.dcm"));
                as_stl.write_to_file(&checked).unwrap();
            }
        }
        let (named, errors) = dciodvfy_errors(&dciodvfy, &checked, iod);
        assert!(named, "{name}: IOD {iod} not recognised");
        if !errors.is_empty() {
            failures.push(format!("{name}:\n{}", errors.join("\n")));
        }
        let dump = Command::new(&dcmdump).arg(&path).output().unwrap();
        assert!(dump.status.success(), "dcmdump failed on {name}");
    }
    assert!(
        failures.is_empty(),
        "dciodvfy errors:\n{}",
        failures.join("\n")
    );

    // the JPEG is kept: transfer syntax, tags from its header, one fragment after an empty
    // offset table, padded to an even length; DCMTK decodes it
    let jpeg = open_file(dir.join("jpeg_ybr422.dcm")).unwrap();
    assert_eq!(
        jpeg.meta().transfer_syntax().trim_end_matches('\0'),
        "1.2.840.10008.1.2.4.50"
    );
    assert_eq!(s(&jpeg, t::PHOTOMETRIC_INTERPRETATION), "YBR_FULL_422");
    assert_eq!(
        (s(&jpeg, t::ROWS), s(&jpeg, t::COLUMNS)),
        ("48".into(), "64".into())
    );
    assert_eq!(s(&jpeg, t::SAMPLES_PER_PIXEL), "3");
    assert_eq!(s(&jpeg, t::PLANAR_CONFIGURATION), "0");
    assert_eq!(s(&jpeg, t::BITS_STORED), "8");
    match jpeg.get(t::PIXEL_DATA).unwrap().value() {
        Value::PixelSequence(seq) => {
            assert!(seq.offset_table().is_empty());
            assert_eq!(seq.fragments().len(), 1);
            let mut padded = rgb_jpeg.clone();
            padded.push(0);
            assert_eq!(seq.fragments()[0].as_slice(), padded.as_slice());
        }
        other => panic!("not encapsulated: {other:?}"),
    }
    let gray = open_file(dir.join("jpeg_gray.dcm")).unwrap();
    assert_eq!(s(&gray, t::PHOTOMETRIC_INTERPRETATION), "MONOCHROME2");
    for name in ["jpeg_ybr422", "jpeg_gray"] {
        let out = dir.join(format!("{name}_decoded.dcm"));
        let st = Command::new(&dcmdjpeg)
            .arg(dir.join(format!("{name}.dcm")))
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "dcmdjpeg {name}: {}",
            String::from_utf8_lossy(&st.stderr)
        );
        let decoded = open_file(&out).unwrap();
        let pixels = bytes(&decoded, t::PIXEL_DATA);
        let spp = if name == "jpeg_gray" { 1 } else { 3 };
        assert!(pixels.len() >= 64 * 48 * spp, "{name}: {}", pixels.len());
    }

    // 16-bit colour: Bits 16/16/15, three samples, interleaved
    let rgb16 = open_file(dir.join("png_rgb16.dcm")).unwrap();
    assert_eq!(
        (
            s(&rgb16, t::BITS_ALLOCATED),
            s(&rgb16, t::BITS_STORED),
            s(&rgb16, t::HIGH_BIT),
            s(&rgb16, t::PLANAR_CONFIGURATION),
            s(&rgb16, t::PHOTOMETRIC_INTERPRETATION),
        ),
        (
            "16".into(),
            "16".into(),
            "15".into(),
            "0".into(),
            "RGB".into()
        )
    );
    let le: Vec<u8> = words(3)
        .chunks(2)
        .flat_map(|c| u16::from_ne_bytes([c[0], c[1]]).to_le_bytes())
        .collect();
    assert_eq!(bytes(&rgb16, t::PIXEL_DATA), le);

    // a series: Orthanc's ImagesInAcquisition and NumberOfTemporalPositions, on every kind
    let png = encode_png(3, 3, &gradient(9, 1), ExtendedColorType::L8);
    let sp = CreateSpec {
        items: vec![
            CreateItem {
                payload: Payload::Image { bytes: png },
                tags: vec![],
            },
            CreateItem {
                payload: Payload::Pdf {
                    bytes: pdf_bytes(101),
                    title: None,
                },
                tags: vec![],
            },
        ],
        ..CreateSpec::default()
    };
    let v = build(&sp, None, &dict(), &Limits::default(), now()).unwrap();
    for (i, (c, iod)) in v.iter().zip(["SCImage", "EncapsulatedPDF"]).enumerate() {
        assert_eq!(s(&c.file, t::IMAGES_IN_ACQUISITION), "2");
        assert_eq!(s(&c.file, t::NUMBER_OF_TEMPORAL_POSITIONS), "1");
        let path = write(c, dir, &format!("series_{i}"));
        let (named, errors) = dciodvfy_errors(&dciodvfy, &path, iod);
        assert!(named && errors.is_empty(), "series item {i}: {errors:?}");
    }
}

fn bytes_of_document(o: &InMemDicomObject) -> Vec<u8> {
    bytes(o, t::ENCAPSULATED_DOCUMENT)
}

/// A JPEG that is not one, or is cut, given to encapsulate: the build fails naming the reason.
#[test]
fn encapsulate_refuses_what_is_no_complete_jpeg() {
    let rgb = fixture_input("tests/fixtures/orthanc/create-dicom/inputs/rgb_64x48.jpg");
    let png = encode_png(3, 3, &gradient(9, 1), ExtendedColorType::L8);
    for (bytes, needle) in [
        (rgb[..rgb.len() / 2].to_vec(), "premature end"),
        (png, "Encapsulate needs JPEG content"),
        (
            vec![0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x02, 0xFF, 0xD9],
            "no frame header",
        ),
    ] {
        let e = build_one(&spec(Payload::EncapsulatedJpeg { bytes }, &[]), None).unwrap_err();
        assert!(
            matches!(e, CreateError::Content { .. }) && e.to_string().contains(needle),
            "{e}"
        );
    }
    let e = build_one(
        &spec(
            Payload::Model {
                bytes: vec![1, 2, 3],
                kind: ModelKind::Stl,
            },
            &[],
        ),
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("STL"), "{e}");
}
