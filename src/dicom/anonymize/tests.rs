//! The profile tables and `apply`: every action of the table checked over a data set with
//! identifying attributes at the top level, in nested sequences and in private tags, and an
//! anonymized MR file through dciodvfy and dcmdump.

use std::collections::HashMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;

use dicom_core::header::{HasLength, Header};
use dicom_core::value::{PrimitiveValue, Value};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use dicomq_testdata::InstanceSpec;

use super::values::DUMMY_TEXT;
use super::*;
use crate::dicom::read::read_dicom;
use crate::dicom::scan::MAX_SEQUENCE_DEPTH;

// ---------------------------------------------------------------------------------------
// Tables

#[test]
fn tables_are_sorted_and_have_the_generated_sizes() {
    for (profile, edition, rows) in [
        (Profile::V2023b, "2024b", 617),
        (Profile::V2021b, "2024b", 617),
        (Profile::V2017c, "2017a", 276),
    ] {
        let table = profile.table().unwrap();
        assert_eq!(table.edition, edition);
        assert_eq!(table.rows.len(), rows, "{profile}");
        assert!(
            table.rows.windows(2).all(|w| w[0].0 < w[1].0),
            "{profile}: rows must be sorted and unique for the binary search"
        );
        // Curve data and the two overlay groups, the standard's three patterns.
        assert_eq!(table.patterns.len(), 3, "{profile}");
        assert!(
            table.rows.iter().all(|r| (r.0 >> 16) % 2 == 0),
            "no private rows"
        );
    }
    assert!(Profile::V2008.table().is_none());
}

#[test]
fn actions_of_known_attributes() {
    let p = Profile::V2023b;
    assert_eq!(action(p, tags::PATIENT_NAME), Some(Action::Zero));
    assert_eq!(action(p, tags::PATIENT_ID), Some(Action::ZeroOrDummy));
    assert_eq!(action(p, tags::STUDY_DESCRIPTION), Some(Action::Remove));
    assert_eq!(action(p, tags::SERIES_DATE), Some(Action::RemoveOrDummy));
    assert_eq!(
        action(p, tags::ACQUISITION_DATE),
        Some(Action::RemoveOrZero)
    );
    assert_eq!(
        action(p, tags::INSTITUTION_NAME),
        Some(Action::RemoveOrZeroOrDummy)
    );
    assert_eq!(
        action(p, tags::STUDY_INSTANCE_UID),
        Some(Action::ReplaceUid)
    );
    assert_eq!(
        action(p, tags::FRAME_OF_REFERENCE_UID),
        Some(Action::ReplaceUid)
    );
    assert_eq!(
        action(p, tags::REFERENCED_IMAGE_SEQUENCE),
        Some(Action::RemoveOrZeroOrReplaceUids)
    );
    assert_eq!(action(p, tags::CONTENT_SEQUENCE), Some(Action::Dummy));
    // Group patterns: curve data (50xx,xxxx), overlay data and comments (60xx,3000/4000).
    assert_eq!(action(p, Tag(0x5000, 0x0010)), Some(Action::Remove));
    assert_eq!(action(p, Tag(0x501E, 0x3000)), Some(Action::Remove));
    assert_eq!(action(p, Tag(0x6000, 0x3000)), Some(Action::Remove));
    assert_eq!(action(p, Tag(0x6002, 0x4000)), Some(Action::Remove));
    // Overlay Rows is not identifying; private tags are the caller's.
    assert_eq!(action(p, Tag(0x6000, 0x0010)), None);
    assert_eq!(action(p, Tag(0x0009, 0x1001)), None);
    assert_eq!(action(p, tags::ROWS), None);
    // 2017a had Content Sequence as X (it became D in later editions).
    assert_eq!(
        action(Profile::V2017c, tags::CONTENT_SEQUENCE),
        Some(Action::Remove)
    );
    assert_eq!(action(Profile::V2008, tags::PATIENT_NAME), None);
}

#[test]
fn profiles_parse_from_orthanc_names() {
    for p in Profile::ALL {
        assert_eq!(p.name().parse::<Profile>(), Ok(p));
    }
    assert_eq!(Profile::default(), Profile::V2023b);
    let e = "2019a".parse::<Profile>().unwrap_err();
    assert!(e.to_string().contains("\"2019a\""), "{e}");
    assert!(e.to_string().contains("2023b"), "{e}");
}

// ---------------------------------------------------------------------------------------
// apply

fn text(tag: Tag, vr: VR, v: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, PrimitiveValue::from(v))
}

fn seq(tag: Tag, items: Vec<InMemDicomObject>) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::SQ, Value::Sequence(items.into()))
}

fn item(elements: Vec<DataElement<InMemDicomObject>>) -> InMemDicomObject {
    InMemDicomObject::from_element_iter(elements)
}

const SOP_A: &str = "1.2.826.0.1.3680043.8.498.1";
const SOP_B: &str = "1.2.826.0.1.3680043.8.498.2";
const STUDY: &str = "1.2.826.0.1.3680043.8.498.3";
const FRAME: &str = "1.2.826.0.1.3680043.8.498.4";
const SERIES: &str = "1.2.826.0.1.3680043.8.498.5";
const MR: &str = "1.2.840.10008.5.1.4.1.1.4";

/// Identifying attributes at the top level, two levels deep in sequences and in private tags.
fn identified() -> InMemDicomObject {
    let identifying = |name: &str| {
        vec![
            text(tags::PATIENT_NAME, VR::PN, name),
            text(tags::PATIENT_BIRTH_DATE, VR::DA, "19800101"),
            text(tags::INSTITUTION_NAME, VR::LO, "St Elsewhere"),
            text(tags::STUDY_DESCRIPTION, VR::LO, "Nested study"),
        ]
    };
    let mut deepest = identifying("Deep^Three");
    deepest.push(text(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, SOP_A));
    deepest.push(text(Tag(0x0019, 0x0010), VR::LO, "ACME"));
    deepest.push(text(Tag(0x0019, 0x1001), VR::LO, "private secret"));
    let mut middle = identifying("Middle^Two");
    // (0040,0260) Performed Protocol Code Sequence is not in the table: walked, not removed.
    middle.push(seq(Tag(0x0040, 0x0260), vec![item(deepest)]));
    let mut private_item = identifying("Private^Item");
    private_item.push(text(tags::STUDY_INSTANCE_UID, VR::UI, STUDY));
    let mut study_as_un = STUDY.as_bytes().to_vec();
    study_as_un.push(0);
    item(vec![
        // A group length (stale once anything goes) and a UID sent as UN.
        DataElement::new(Tag(0x0008, 0x0000), VR::UL, PrimitiveValue::from(1000u32)),
        DataElement::new(
            tags::INSTANCE_CREATOR_UID,
            VR::UN,
            PrimitiveValue::U8(study_as_un.into()),
        ),
        text(tags::SOP_CLASS_UID, VR::UI, MR),
        text(tags::SOP_INSTANCE_UID, VR::UI, SOP_B),
        text(tags::STUDY_INSTANCE_UID, VR::UI, STUDY),
        text(tags::FRAME_OF_REFERENCE_UID, VR::UI, FRAME),
        text(tags::PATIENT_NAME, VR::PN, "Doe^John"),
        text(tags::PATIENT_ID, VR::LO, "PID-123"),
        text(tags::PATIENT_BIRTH_DATE, VR::DA, "19800101"),
        text(Tag(0x0010, 0x1000), VR::LO, "OLD-1"),
        text(tags::STUDY_DATE, VR::DA, "20240115"),
        text(tags::SERIES_DATE, VR::DA, "20240115"),
        text(tags::SERIES_TIME, VR::TM, ""),
        text(tags::CONTENT_DATE, VR::DA, ""),
        text(tags::ACQUISITION_DATE_TIME, VR::DT, "20240115101500"),
        text(tags::ACQUISITION_DATE, VR::DA, "20240115"),
        text(tags::INSTITUTION_NAME, VR::LO, "St Elsewhere"),
        text(tags::STUDY_DESCRIPTION, VR::LO, "Brain MRI"),
        text(tags::MODALITY, VR::CS, "MR"),
        text(Tag(0x5000, 0x3000), VR::OW, ""),
        text(Tag(0x6000, 0x3000), VR::OW, ""),
        text(Tag(0x6000, 0x0010), VR::US, ""),
        seq(
            tags::REFERENCED_IMAGE_SEQUENCE,
            vec![item(vec![
                text(tags::REFERENCED_SOP_CLASS_UID, VR::UI, MR),
                text(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, SOP_B),
            ])],
        ),
        seq(
            tags::CONTENT_SEQUENCE,
            vec![item(vec![text(tags::TEXT_VALUE, VR::UT, "Doe had a fall")])],
        ),
        // (0008,9215) Derivation Code Sequence: not in the table, so its items are walked.
        seq(Tag(0x0008, 0x9215), vec![item(middle)]),
        text(Tag(0x0009, 0x0010), VR::LO, "ACME"),
        text(Tag(0x0009, 0x1001), VR::LO, "private secret"),
        seq(Tag(0x0009, 0x1002), vec![item(private_item)]),
    ])
}

/// A consistent map (as a job's would be): a new `2.25.` UID per distinct source UID.
#[derive(Default)]
struct Uids(HashMap<String, String>);

impl Uids {
    fn map(&mut self, uid: &str) -> String {
        let next = format!("2.25.{}", 1000 + self.0.len());
        self.0.entry(uid.to_string()).or_insert(next).clone()
    }
}

fn anonymize(opts: &Options) -> (InMemDicomObject, Uids) {
    let mut obj = identified();
    let mut uids = Uids::default();
    apply(&mut obj, Profile::V2023b, opts, &mut |u| uids.map(u)).unwrap();
    (obj, uids)
}

fn str_of(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    obj.get(tag).map(|e| e.to_str().unwrap().into_owned())
}

fn items(obj: &InMemDicomObject, tag: Tag) -> &[InMemDicomObject] {
    obj.get(tag).and_then(|e| e.items()).unwrap()
}

/// Every element at every depth, with its depth.
fn walk<'a>(obj: &'a InMemDicomObject, out: &mut Vec<&'a DataElement<InMemDicomObject>>) {
    for e in obj.iter() {
        out.push(e);
        for item in e.items().unwrap_or(&[]) {
            walk(item, out);
        }
    }
}

#[test]
fn no_attribute_keeps_an_identifying_value_at_any_depth() {
    let (obj, _) = anonymize(&Options::default());
    let table = Profile::V2023b.table().unwrap();
    let mut all = Vec::new();
    walk(&obj, &mut all);
    for e in all {
        let tag = e.tag();
        assert!(tag.group() % 2 == 0, "private {tag} left");
        let Some(action) = table.action(tag) else {
            continue;
        };
        match action {
            Action::Remove => panic!("{tag} is X but remained"),
            Action::Zero | Action::RemoveOrZero => assert!(e.is_empty(), "{tag} not emptied"),
            _ => {}
        }
        if let Ok(s) = e.to_str() {
            for secret in [
                "Doe",
                "St Elsewhere",
                "19800101",
                "20240115",
                "PID-123",
                "secret",
                SOP_A,
                SOP_B,
                STUDY,
                FRAME,
            ] {
                assert!(!s.contains(secret), "{tag} still holds {secret:?}: {s:?}");
            }
        }
    }
}

#[test]
fn each_action_writes_what_the_standard_asks() {
    let (obj, _) = anonymize(&Options::default());
    // Z
    assert_eq!(str_of(&obj, tags::PATIENT_NAME).as_deref(), Some(""));
    assert_eq!(str_of(&obj, tags::STUDY_DATE).as_deref(), Some(""));
    // X, and the curve and overlay data patterns (Overlay Rows is not identifying).
    for tag in [
        Tag(0x0010, 0x1000),
        tags::STUDY_DESCRIPTION,
        Tag(0x5000, 0x3000),
        Tag(0x6000, 0x3000),
    ] {
        assert!(obj.get(tag).is_none(), "{tag}");
    }
    assert!(obj.get(Tag(0x6000, 0x0010)).is_some());
    assert!(obj.get(Tag(0x0008, 0x0000)).is_none(), "group length");
    // Z/D with a value: D, a dummy valid for the VR.
    assert_eq!(str_of(&obj, tags::PATIENT_ID).as_deref(), Some(DUMMY_TEXT));
    // X/D with a value: D; X/D already empty: X (not Type 1 in this IOD).
    assert_eq!(str_of(&obj, tags::SERIES_DATE).as_deref(), Some("19000101"));
    assert!(obj.get(tags::SERIES_TIME).is_none());
    // Z/D already empty: stays empty.
    assert_eq!(str_of(&obj, tags::CONTENT_DATE).as_deref(), Some(""));
    // X/Z/D with a value: D.
    assert_eq!(
        str_of(&obj, tags::ACQUISITION_DATE_TIME).as_deref(),
        Some("19000101000000")
    );
    assert_eq!(
        str_of(&obj, tags::INSTITUTION_NAME).as_deref(),
        Some(DUMMY_TEXT)
    );
    // X/Z: Z.
    assert_eq!(str_of(&obj, tags::ACQUISITION_DATE).as_deref(), Some(""));
    // D on a sequence: emptied (its free text is not in the table).
    assert!(items(&obj, tags::CONTENT_SEQUENCE).is_empty());
    // Not in the table: untouched.
    assert_eq!(str_of(&obj, tags::MODALITY).as_deref(), Some("MR"));
    assert_eq!(str_of(&obj, tags::SOP_CLASS_UID).as_deref(), Some(MR));
}

#[test]
fn uids_are_mapped_consistently_at_every_depth() {
    let (obj, uids) = anonymize(&Options::default());
    let new = |uid: &str| uids.0.get(uid).cloned().unwrap();
    assert_eq!(str_of(&obj, tags::SOP_INSTANCE_UID), Some(new(SOP_B)));
    assert_eq!(str_of(&obj, tags::STUDY_INSTANCE_UID), Some(new(STUDY)));
    assert_eq!(str_of(&obj, tags::FRAME_OF_REFERENCE_UID), Some(new(FRAME)));
    // X/Z/U*: the sequence stays, the reference follows the instance's new UID.
    let referenced = &items(&obj, tags::REFERENCED_IMAGE_SEQUENCE)[0];
    assert_eq!(
        str_of(referenced, tags::REFERENCED_SOP_INSTANCE_UID),
        Some(new(SOP_B))
    );
    assert_eq!(
        str_of(referenced, tags::REFERENCED_SOP_CLASS_UID).as_deref(),
        Some(MR)
    );
    // Two sequences down, in sequences the table does not list.
    let middle = &items(&obj, Tag(0x0008, 0x9215))[0];
    assert_eq!(str_of(middle, tags::PATIENT_NAME).as_deref(), Some(""));
    assert!(middle.get(tags::STUDY_DESCRIPTION).is_none());
    let deepest = &items(middle, Tag(0x0040, 0x0260))[0];
    assert_eq!(
        str_of(deepest, tags::REFERENCED_SOP_INSTANCE_UID),
        Some(new(SOP_A))
    );
    assert!(deepest.get(Tag(0x0019, 0x1001)).is_none());
    // The same UID sent as UN follows the same map, and stays UN.
    let creator = obj.get(tags::INSTANCE_CREATOR_UID).unwrap();
    assert_eq!(creator.vr(), VR::UN);
    let mut expected = new(STUDY).into_bytes();
    if expected.len() % 2 == 1 {
        expected.push(0);
    }
    assert_eq!(
        creator.value().to_bytes().unwrap().as_ref(),
        expected.as_slice()
    );
    assert_eq!(uids.0.len(), 4, "one new UID per source UID: {:?}", uids.0);
}

#[test]
fn de_identification_is_recorded() {
    let (obj, _) = anonymize(&Options::default());
    assert_eq!(
        str_of(&obj, tags::PATIENT_IDENTITY_REMOVED).as_deref(),
        Some("YES")
    );
    assert_eq!(
        str_of(&obj, tags::DEIDENTIFICATION_METHOD).as_deref(),
        Some("dicomq - PS 3.15-2024b Table E.1-1 Basic Profile")
    );
    let code = &items(&obj, tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)[0];
    assert_eq!(str_of(code, tags::CODE_VALUE).as_deref(), Some("113100"));
    assert_eq!(
        str_of(code, tags::CODING_SCHEME_DESIGNATOR).as_deref(),
        Some("DCM")
    );
    assert_eq!(
        str_of(code, tags::CODE_MEANING).as_deref(),
        Some("Basic Application Confidentiality Profile")
    );

    // A second pass keeps the first method and does not repeat the code.
    let mut again = obj.clone();
    apply(&mut again, Profile::V2017c, &Options::default(), &mut |u| {
        u.to_string()
    })
    .unwrap();
    assert_eq!(
        str_of(&again, tags::DEIDENTIFICATION_METHOD).as_deref(),
        Some(
            "dicomq - PS 3.15-2024b Table E.1-1 Basic Profile\\dicomq - PS 3.15-2017a Table E.1-1 Basic Profile"
        )
    );
    assert_eq!(
        items(&again, tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE).len(),
        1
    );
}

#[test]
fn kept_tags_are_untouched_at_every_depth() {
    let opts = Options {
        keep: vec![
            tags::PATIENT_BIRTH_DATE,
            tags::STUDY_DESCRIPTION,
            tags::CONTENT_SEQUENCE,
        ],
        keep_private_tags: false,
    };
    let (obj, _) = anonymize(&opts);
    assert_eq!(
        str_of(&obj, tags::PATIENT_BIRTH_DATE).as_deref(),
        Some("19800101")
    );
    assert_eq!(
        str_of(&obj, tags::STUDY_DESCRIPTION).as_deref(),
        Some("Brain MRI")
    );
    let content = &items(&obj, tags::CONTENT_SEQUENCE)[0];
    assert_eq!(
        str_of(content, tags::TEXT_VALUE).as_deref(),
        Some("Doe had a fall")
    );
    let middle = &items(&obj, Tag(0x0008, 0x9215))[0];
    assert_eq!(
        str_of(middle, tags::STUDY_DESCRIPTION).as_deref(),
        Some("Nested study")
    );
    // What was not kept is still de-identified.
    assert_eq!(str_of(middle, tags::PATIENT_NAME).as_deref(), Some(""));
}

#[test]
fn private_tags_are_removed_unless_kept_and_still_walked_when_kept() {
    let (obj, _) = anonymize(&Options::default());
    let mut all = Vec::new();
    walk(&obj, &mut all);
    assert!(all.iter().all(|e| e.tag().group() % 2 == 0));

    let opts = Options {
        keep_private_tags: true,
        ..Options::default()
    };
    let (obj, uids) = anonymize(&opts);
    assert_eq!(str_of(&obj, Tag(0x0009, 0x0010)).as_deref(), Some("ACME"));
    assert_eq!(
        str_of(&obj, Tag(0x0009, 0x1001)).as_deref(),
        Some("private secret")
    );
    let inside = &items(&obj, Tag(0x0009, 0x1002))[0];
    assert_eq!(str_of(inside, tags::PATIENT_NAME).as_deref(), Some(""));
    assert_eq!(
        str_of(inside, tags::STUDY_INSTANCE_UID),
        uids.0.get(STUDY).cloned()
    );
    let middle = &items(&obj, Tag(0x0008, 0x9215))[0];
    let deepest = &items(middle, Tag(0x0040, 0x0260))[0];
    assert_eq!(
        str_of(deepest, Tag(0x0019, 0x1001)).as_deref(),
        Some("private secret")
    );
}

#[test]
fn refusals_leave_the_data_set_untouched() {
    let mut obj = identified();
    // dicom-core's PartialEq of a value is not reflexive for every value: compare what they print.
    let before = format!("{obj:?}");
    let e = apply(&mut obj, Profile::V2008, &Options::default(), &mut |u| {
        u.to_string()
    })
    .unwrap_err();
    assert_eq!(e, AnonymizeError::ProfileUnavailable(Profile::V2008));
    assert!(e.to_string().contains("2008"), "{e}");
    assert_eq!(format!("{obj:?}"), before);

    // One level past the reader's limit.
    let mut deep = item(vec![text(tags::PATIENT_NAME, VR::PN, "Deep^Est")]);
    for _ in 0..=MAX_SEQUENCE_DEPTH {
        deep = item(vec![seq(Tag(0x0008, 0x9215), vec![deep])]);
    }
    let before = format!("{deep:?}");
    let e = apply(&mut deep, Profile::V2023b, &Options::default(), &mut |u| {
        u.to_string()
    })
    .unwrap_err();
    assert_eq!(
        e,
        AnonymizeError::TooDeep {
            limit: MAX_SEQUENCE_DEPTH
        }
    );
    assert_eq!(format!("{deep:?}"), before);
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

fn dciodvfy_errors(dciodvfy: &Path, path: &Path) -> Vec<String> {
    let out = Command::new(dciodvfy).arg(path).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .filter(|l| l.starts_with("Error") || l.contains(" - Error - "))
        .map(str::to_string)
        .collect()
}

/// An MR instance with more identifying attributes than the generator writes: referenced
/// images, a frame of reference, institution, physician and a private block.
fn identified_mr() -> Vec<u8> {
    let spec = InstanceSpec::new_mr("PID-123", "Doe^John", STUDY, SERIES, SOP_B);
    let mut file = read_dicom(Cursor::new(spec.to_bytes()), false)
        .unwrap()
        .object;
    for e in [
        text(tags::INSTITUTION_NAME, VR::LO, "St Elsewhere"),
        text(tags::OPERATORS_NAME, VR::PN, "Smith^Ann"),
        text(tags::PATIENT_AGE, VR::AS, "044Y"),
        text(tags::CONTENT_DATE, VR::DA, "20240115"),
        text(tags::CONTENT_TIME, VR::TM, "101500"),
        text(tags::ACQUISITION_DATE_TIME, VR::DT, "20240115101500"),
        text(tags::DEVICE_SERIAL_NUMBER, VR::LO, "SN-42"),
        text(tags::FRAME_OF_REFERENCE_UID, VR::UI, FRAME),
        text(tags::POSITION_REFERENCE_INDICATOR, VR::LO, ""),
        text(Tag(0x0009, 0x0010), VR::LO, "ACME"),
        text(Tag(0x0009, 0x1001), VR::LO, "private secret"),
        seq(
            tags::REFERENCED_IMAGE_SEQUENCE,
            vec![item(vec![
                text(tags::REFERENCED_SOP_CLASS_UID, VR::UI, MR),
                text(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, SOP_A),
            ])],
        ),
    ] {
        file.put(e);
    }
    let mut out = Vec::new();
    file.write_all(&mut out).unwrap();
    out
}

/// An anonymized MR passes dciodvfy with no error its source did not have, dcmdump reads it,
/// and dcmdump finds none of the source's identifying values.
#[test]
fn anonymized_file_passes_dciodvfy_and_dcmdump() {
    let (Some(dciodvfy), Some(dcmdump)) = (tool("dciodvfy"), tool("dcmdump")) else {
        assert!(
            std::env::var("DICOMQ_REQUIRE_VALIDATORS").as_deref() != Ok("1"),
            "dciodvfy/dcmdump not found but DICOMQ_REQUIRE_VALIDATORS=1"
        );
        eprintln!("skipping: dciodvfy or dcmdump not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source.dcm");
    let bytes = identified_mr();
    std::fs::write(&source, &bytes).unwrap();
    let before = dciodvfy_errors(&dciodvfy, &source);

    for profile in [Profile::V2023b, Profile::V2017c] {
        let mut file = read_dicom(Cursor::new(bytes.as_slice()), false)
            .unwrap()
            .object;
        let mut uids = Uids::default();
        apply_file(&mut file, profile, &Options::default(), &mut |u| {
            uids.map(u)
        })
        .unwrap();
        let new_sop = uids.0.get(SOP_B).cloned().unwrap();
        assert_eq!(
            file.meta()
                .media_storage_sop_instance_uid
                .trim_end_matches('\0'),
            new_sop
        );
        let path = dir.path().join(format!("anonymized-{profile}.dcm"));
        let mut out = Vec::new();
        file.write_all(&mut out).unwrap();
        std::fs::write(&path, &out).unwrap();

        let after = dciodvfy_errors(&dciodvfy, &path);
        let new: Vec<&String> = after.iter().filter(|e| !before.contains(e)).collect();
        assert!(new.is_empty(), "{profile}: new dciodvfy errors:\n{new:#?}");

        let dump = Command::new(&dcmdump).arg(&path).output().unwrap();
        assert!(dump.status.success(), "dcmdump failed on {profile}");
        // dcmdump warns (W:) of a stale meta group length, for one.
        let complaints = String::from_utf8_lossy(&dump.stderr);
        assert!(
            complaints.trim().is_empty(),
            "{profile}: dcmdump: {complaints}"
        );
        let dump = String::from_utf8_lossy(&dump.stdout);
        for secret in [
            "Doe^John",
            "PID-123",
            "St Elsewhere",
            "Smith^Ann",
            "19800101",
            "20240115",
            "SN-42",
            "044Y",
            "private secret",
            SOP_A,
            SOP_B,
            STUDY,
            SERIES,
            FRAME,
        ] {
            assert!(
                !dump.contains(secret),
                "{profile}: dcmdump shows {secret}:\n{dump}"
            );
        }
        assert!(dump.contains("(0012,0062) CS [YES]"), "{dump}");
    }
}
