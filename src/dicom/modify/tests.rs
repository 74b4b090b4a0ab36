//! The rules of a modification and its application to a data set.

use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use serde_json::json;

use super::*;
use crate::dicom::anonymize::Profile;
use crate::testdata::InstanceSpec;

fn spec() -> InstanceSpec {
    InstanceSpec::new_mr("P1", "DOE^JOHN", "1.2.3", "1.2.3.4", "1.2.3.4.5")
}

fn modification(body: serde_json::Value, level: Level) -> Result<Modification, ModifyError> {
    Modification::new(&ModifyRequest::from_body(&body)?, level)
}

fn sources() -> SourceUids {
    let mut s = SourceUids::default();
    s.insert(Level::Study, "1.2.3");
    s.insert(Level::Series, "1.2.3.4");
    s.insert(Level::Instance, "1.2.3.4.5");
    s.insert(Level::Instance, "1.2.3.4.6");
    s
}

fn text(obj: &InMemDicomObject, tag: dicom_core::Tag) -> Option<String> {
    super::text(obj, tag)
}

#[test]
fn identifiers_need_force_and_are_never_removed() {
    for key in [
        "PatientID",
        "StudyInstanceUID",
        "0020,000e",
        "SOPInstanceUID",
    ] {
        let e = modification(json!({"Replace": {key: "1.2"}}), Level::Study).expect_err(key);
        assert!(matches!(e, ModifyError::NeedsForce { .. }), "{key}: {e}");
        assert!(e.to_string().contains("Force"), "{e}");
        let e = modification(json!({"Remove": [key], "Force": true}), Level::Study).expect_err(key);
        assert!(
            matches!(e, ModifyError::RemoveIdentifier { .. }),
            "{key}: {e}"
        );
    }
    modification(
        json!({"Replace": {"SOPInstanceUID": "1.2.9"}, "Force": true}),
        Level::Study,
    )
    .expect("with Force");
    let e = modification(json!({"Keep": ["SOPInstanceUID"]}), Level::Series).expect_err("keep");
    assert!(matches!(e, ModifyError::NeedsForce { .. }), "{e}");
}

/// With Force, Orthanc 1.12 lets a level replace its parents' identifiers too (1.11.2 and
/// older refused it); one instance takes the level of the highest identifier it replaces.
#[test]
fn parents_identifiers_with_force_and_one_instance_takes_the_level_replaced() {
    for (level, key) in [
        (Level::Study, "PatientID"),
        (Level::Series, "StudyInstanceUID"),
        (Level::Instance, "SeriesInstanceUID"),
    ] {
        modification(json!({"Replace": {key: "1.2"}, "Force": true}), level).expect(key);
        let e = modification(json!({"Replace": {key: "1.2"}}), level).expect_err(key);
        assert!(matches!(e, ModifyError::NeedsForce { .. }), "{key}: {e}");
    }
    for (key, level) in [
        ("PatientID", Level::Patient),
        ("0020,000d", Level::Study),
        ("SeriesInstanceUID", Level::Series),
        ("PatientName", Level::Instance),
    ] {
        let req =
            ModifyRequest::from_body(&json!({"Replace": {key: "X"}, "Force": true})).expect("body");
        assert_eq!(Modification::detected_level(&req), level, "{key}");
    }
}

#[test]
fn patient_level_needs_a_new_patient_id() {
    let e = modification(json!({"Replace": {"PatientName": "X"}}), Level::Patient)
        .expect_err("patient");
    assert_eq!(e, ModifyError::PatientIdRequired);
    modification(
        json!({"Replace": {"PatientID": "P2"}, "Force": true}),
        Level::Patient,
    )
    .expect("ok");
}

#[test]
fn tags_and_values_are_checked() {
    let e = modification(json!({"Replace": {"NoSuchKeyword": "x"}}), Level::Study)
        .expect_err("unknown");
    assert!(e.to_string().contains("NoSuchKeyword"), "{e}");
    let e = modification(
        json!({"Replace": {"StudyDate": "2024-01-15"}}),
        Level::Study,
    )
    .expect_err("bad DA");
    assert!(e.to_string().contains("StudyDate"), "{e}");
    let e = modification(json!({"Remove": ["1234"]}), Level::Study).expect_err("bad key");
    assert!(e.to_string().contains("1234"), "{e}");
    for bad in [
        json!({"Replace": ["PatientName"]}),
        json!({"Remove": "PatientName"}),
        json!({"Force": "yes"}),
        json!({"Replace": {"PatientName": 3}}),
        json!({"Replace": {"PatientName": "A", "0010,0010": "B"}}),
        json!({"Replace": {"PatientName": "A"}, "Remove": ["PatientName"]}),
        json!({"Replace": {"TransferSyntaxUID": "1.2"}}),
    ] {
        assert!(modification(bad.clone(), Level::Study).is_err(), "{bad}");
    }
    let m = modification(
        json!({"Replace": {"0010,0010": "A^B", "StudyDescription": "x"}, "Remove": ["0008,1030"]}),
        Level::Study,
    );
    assert!(m.is_err(), "replaced and removed by number");
}

#[test]
fn the_level_decides_which_uids_are_renewed() {
    let map = UidMap::new("job", sources());
    let cases = [
        (Level::Study, [true, true, true]),
        (Level::Series, [false, true, true]),
        (Level::Instance, [false, false, true]),
    ];
    for (level, renewed) in cases {
        let mut obj = spec().to_object();
        let m = modification(json!({"Replace": {"PatientName": "NEW^NAME"}}), level).expect("ok");
        m.apply(&mut obj, &map).expect("apply");
        assert_eq!(text(&obj, tags::PATIENT_NAME).as_deref(), Some("NEW^NAME"));
        assert_eq!(text(&obj, tags::PATIENT_ID).as_deref(), Some("P1"));
        for ((tag, old, l), renew) in [
            (tags::STUDY_INSTANCE_UID, "1.2.3", Level::Study),
            (tags::SERIES_INSTANCE_UID, "1.2.3.4", Level::Series),
            (tags::SOP_INSTANCE_UID, "1.2.3.4.5", Level::Instance),
        ]
        .into_iter()
        .zip(renewed)
        {
            let want = if renew {
                map.new_uid(l, old)
            } else {
                old.to_string()
            };
            assert_eq!(text(&obj, tag), Some(want), "{level:?} {tag}");
        }
    }
}

#[test]
fn kept_and_replaced_uids_are_not_renewed() {
    let map = UidMap::new("job", sources());
    let mut obj = spec().to_object();
    let m = modification(
        json!({"Keep": ["SOPInstanceUID"], "Replace": {"SeriesInstanceUID": "1.9"}, "Force": true}),
        Level::Study,
    )
    .expect("ok");
    m.apply(&mut obj, &map).expect("apply");
    assert_eq!(
        text(&obj, tags::SOP_INSTANCE_UID).as_deref(),
        Some("1.2.3.4.5")
    );
    assert_eq!(
        text(&obj, tags::SERIES_INSTANCE_UID).as_deref(),
        Some("1.9")
    );
    assert_eq!(
        text(&obj, tags::STUDY_INSTANCE_UID),
        Some(map.new_uid(Level::Study, "1.2.3"))
    );
}

#[test]
fn references_into_the_job_follow_the_map_and_others_stay() {
    let map = UidMap::new("job", sources());
    let mut obj = spec().to_object();
    let item = |sop: &str| {
        InMemDicomObject::from_element_iter([
            DataElement::new(
                tags::REFERENCED_SOP_CLASS_UID,
                VR::UI,
                PrimitiveValue::from("1.2.840.10008.5.1.4.1.1.4"),
            ),
            DataElement::new(
                tags::REFERENCED_SOP_INSTANCE_UID,
                VR::UI,
                PrimitiveValue::from(sop),
            ),
        ])
    };
    let nested = InMemDicomObject::from_element_iter([
        DataElement::new(
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from("1.2.3.4"),
        ),
        DataElement::new(
            tags::REFERENCED_INSTANCE_SEQUENCE,
            VR::SQ,
            DataSetSequence::from(vec![item("1.2.3.4.6"), item("7.7.7")]),
        ),
    ]);
    obj.put(DataElement::new(
        tags::REFERENCED_SERIES_SEQUENCE,
        VR::SQ,
        DataSetSequence::from(vec![nested]),
    ));
    obj.put(DataElement::new(
        dicom_core::Tag(0x0009, 0x0010),
        VR::LO,
        PrimitiveValue::from("X"),
    ));
    obj.put(DataElement::new(
        dicom_core::Tag(0x0009, 0x1001),
        VR::LO,
        PrimitiveValue::from("secret"),
    ));
    let m = modification(json!({"RemovePrivateTags": true}), Level::Series).expect("ok");
    m.apply(&mut obj, &map).expect("apply");
    assert!(obj.get(dicom_core::Tag(0x0009, 0x1001)).is_none());
    let seq = obj.get(tags::REFERENCED_SERIES_SEQUENCE).expect("seq");
    let nested = &seq.items().expect("items")[0];
    assert_eq!(
        text(nested, tags::SERIES_INSTANCE_UID),
        Some(map.new_uid(Level::Series, "1.2.3.4"))
    );
    let refs = nested
        .get(tags::REFERENCED_INSTANCE_SEQUENCE)
        .and_then(|e| e.items())
        .expect("refs");
    assert_eq!(
        text(&refs[0], tags::REFERENCED_SOP_INSTANCE_UID),
        Some(map.new_uid(Level::Instance, "1.2.3.4.6"))
    );
    assert_eq!(
        text(&refs[1], tags::REFERENCED_SOP_INSTANCE_UID).as_deref(),
        Some("7.7.7"),
        "a reference outside the job keeps its value"
    );
}

#[test]
fn non_ascii_values_switch_the_file_to_utf8_and_the_meta_follows() {
    let bytes = spec().to_bytes();
    let mut file = crate::store::header::open_full(std::io::Cursor::new(bytes)).expect("read");
    let map = UidMap::new("job", sources());
    let m = modification(
        json!({"Replace": {"PatientName": "Müller^Jürgen"}}),
        Level::Study,
    )
    .expect("ok");
    m.apply_file(&mut file, &map).expect("apply");
    let out = write_file(&file).expect("write");
    let back = crate::store::header::open_full(std::io::Cursor::new(out)).expect("read back");
    assert_eq!(
        text(&back, tags::PATIENT_NAME).as_deref(),
        Some("Müller^Jürgen")
    );
    assert_eq!(
        text(&back, tags::SPECIFIC_CHARACTER_SET).as_deref(),
        Some("ISO_IR 192")
    );
    let sop = map.new_uid(Level::Instance, "1.2.3.4.5");
    assert_eq!(text(&back, tags::SOP_INSTANCE_UID), Some(sop.clone()));
    assert_eq!(
        back.meta()
            .media_storage_sop_instance_uid()
            .trim_end_matches('\0'),
        sop
    );
    assert_eq!(
        back.meta().transfer_syntax().trim_end_matches('\0'),
        file.meta().transfer_syntax().trim_end_matches('\0')
    );
}

fn anonymization(body: serde_json::Value, level: Level) -> Result<Modification, ModifyError> {
    Modification::new(&ModifyRequest::from_anonymize_body(&body)?, level)
}

#[test]
fn anonymize_body_names_a_profile_and_refuses_2008() {
    let m = anonymization(json!({}), Level::Patient).expect("no PatientID needed");
    assert_eq!(
        m.anonymization.as_ref().map(|(p, _)| *p),
        Some(Profile::V2023b),
        "2023b by default"
    );
    let m = anonymization(
        json!({"DicomVersion": "2017c", "KeepPrivateTags": true, "Keep": ["StudyDescription"]}),
        Level::Study,
    )
    .expect("2017c");
    let (p, opts) = m.anonymization.expect("anonymization");
    assert_eq!(p, Profile::V2017c);
    assert!(opts.keep_private_tags);
    assert_eq!(opts.keep, vec![tags::STUDY_DESCRIPTION]);
    let e = anonymization(json!({"DicomVersion": "2008"}), Level::Study).expect_err("2008");
    assert!(e.to_string().contains("2008"), "{e}");
    let e = anonymization(json!({"DicomVersion": "1999"}), Level::Study).expect_err("1999");
    assert!(e.to_string().contains("DicomVersion"), "{e}");
    let e = anonymization(json!({"DicomVersion": 3}), Level::Study).expect_err("number");
    assert!(matches!(e, ModifyError::BadField { .. }), "{e}");
}

#[test]
fn anonymization_maps_every_uid_once_and_the_user_replaces_last() {
    let m = anonymization(
        json!({"Replace": {"StudyDescription": "Kept^Desc"}, "Remove": ["Modality"]}),
        Level::Study,
    )
    .expect("request");
    let uids = UidMap::new("job-a", sources());
    let mut obj = spec().to_object();
    let mut item = InMemDicomObject::new_empty();
    item.put(DataElement::new(
        tags::REFERENCED_SOP_INSTANCE_UID,
        VR::UI,
        PrimitiveValue::from("1.2.3.4.5"),
    ));
    obj.put(DataElement::new(
        tags::REFERENCED_IMAGE_SEQUENCE,
        VR::SQ,
        DataSetSequence::from(vec![item]),
    ));
    m.apply(&mut obj, &uids).expect("apply");
    let sop = text(&obj, tags::SOP_INSTANCE_UID).expect("sop");
    assert_eq!(sop, uids.anonymized_uid("1.2.3.4.5"), "mapped once");
    assert_eq!(
        text(&obj, tags::STUDY_INSTANCE_UID),
        Some(uids.anonymized_uid("1.2.3"))
    );
    let reference = obj
        .get(tags::REFERENCED_IMAGE_SEQUENCE)
        .and_then(|e| e.items())
        .and_then(|items| text(&items[0], tags::REFERENCED_SOP_INSTANCE_UID));
    assert_eq!(reference, Some(sop), "the reference follows");
    let (patient_id, patient_name) = uids.anonymized_patient("P1");
    assert_eq!(text(&obj, tags::PATIENT_ID), Some(patient_id));
    assert_eq!(text(&obj, tags::PATIENT_NAME), Some(patient_name.clone()));
    assert!(patient_name.starts_with("Anonymized"), "{patient_name}");
    assert_eq!(patient_name.len(), "Anonymized".len() + 8);
    assert_eq!(
        text(&obj, tags::STUDY_DESCRIPTION).as_deref(),
        Some("Kept^Desc"),
        "Replace after the profile's X"
    );
    assert!(
        obj.get(tags::MODALITY).is_none(),
        "Remove after the profile"
    );
    assert_eq!(
        text(&obj, tags::PATIENT_IDENTITY_REMOVED).as_deref(),
        Some("YES")
    );

    // The user's PatientName wins over the derived one.
    let m = anonymization(json!({"Replace": {"PatientName": "ANON^X"}}), Level::Study)
        .expect("request");
    let mut obj = spec().to_object();
    m.apply(&mut obj, &uids).expect("apply");
    assert_eq!(text(&obj, tags::PATIENT_NAME).as_deref(), Some("ANON^X"));
}

#[test]
fn sequences_and_binary_values_are_replaced_as_orthanc_writes_them() {
    let bytes = spec().to_bytes();
    let mut file = crate::store::header::open_full(std::io::Cursor::new(bytes)).expect("read");
    let map = UidMap::new("job", sources());
    let m = modification(
        json!({"Replace": {
            "RequestAttributesSequence": [
                {"RequestedProcedureID": "RP1", "ScheduledProcedureStepID": "SPS1"},
                {"RequestedProcedureID": "RP2",
                 "ReferencedStudySequence": [{"ReferencedSOPClassUID": "1.2.840.10008.3.1.2.3.1",
                                              "ReferencedSOPInstanceUID": "1.2.99"}]}
            ],
            "0009,0010": "ACME",
            "0009,1001": "data:application/octet-stream;base64,AAECAw==",
            "PatientComments": "data:application/octet-stream;base64,aGVsbG8="
        }, "PrivateCreator": "ACME"}),
        Level::Study,
    )
    .expect("sequences and data URIs are accepted");
    m.apply_file(&mut file, &map).expect("apply");
    let out = write_file(&file).expect("write");
    let back = crate::store::header::open_full(std::io::Cursor::new(out)).expect("read back");
    let seq = back
        .element(tags::REQUEST_ATTRIBUTES_SEQUENCE)
        .expect("sequence written");
    let items = seq.items().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(
        text(&items[0], tags::REQUESTED_PROCEDURE_ID).as_deref(),
        Some("RP1")
    );
    let nested = items[1]
        .element(tags::REFERENCED_STUDY_SEQUENCE)
        .expect("nested")
        .items()
        .expect("items");
    assert_eq!(
        text(&nested[0], tags::REFERENCED_SOP_INSTANCE_UID).as_deref(),
        Some("1.2.99"),
        "a UID outside the job stays as given"
    );
    let private = back
        .element(dicom_core::Tag(0x0009, 0x1001))
        .expect("private binary");
    assert_eq!(private.to_bytes().expect("bytes").as_ref(), &[0, 1, 2, 3]);
    assert_eq!(
        text(&back, tags::PATIENT_COMMENTS).as_deref(),
        Some("hello")
    );

    for (body, want) in [
        (
            json!({"Replace": {"PatientName": [{"PatientID": "X"}]}}),
            "sequence",
        ),
        (
            json!({"Replace": {"RequestAttributesSequence": ["text"]}}),
            "objects",
        ),
        (json!({"Replace": {"PatientName": 7}}), "a string"),
        (
            json!({"Replace": {"PatientComments": "data:application/octet-stream;base64,@@"}}),
            "base64",
        ),
    ] {
        let e = modification(body.clone(), Level::Study).expect_err("refused");
        assert!(e.to_string().contains(want), "{body}: {e}");
    }
}

/// Orthanc's test_anonymize_relationships_5b: with `StudyInstanceUID` forced, a reference to
/// the study (an RT structure set's RTReferencedStudySequence) takes the forced value, not a
/// derived one that no instance has.
#[test]
fn references_follow_a_forced_identifier_in_an_anonymization() {
    let m = anonymization(
        json!({"Replace": {"StudyInstanceUID": "1.2.3.99"}, "Force": true}),
        Level::Study,
    )
    .expect("request");
    let uids = UidMap::new("job-f", sources());
    let mut obj = spec().to_object();
    let mut item = InMemDicomObject::new_empty();
    item.put(DataElement::new(
        tags::REFERENCED_SOP_INSTANCE_UID,
        VR::UI,
        PrimitiveValue::from("1.2.3"),
    ));
    obj.put(DataElement::new(
        tags::RT_REFERENCED_STUDY_SEQUENCE,
        VR::SQ,
        DataSetSequence::from(vec![item]),
    ));
    m.apply(&mut obj, &uids).expect("apply");
    assert_eq!(
        text(&obj, tags::STUDY_INSTANCE_UID).as_deref(),
        Some("1.2.3.99")
    );
    let reference = obj
        .get(tags::RT_REFERENCED_STUDY_SEQUENCE)
        .and_then(|e| e.items())
        .and_then(|items| text(&items[0], tags::REFERENCED_SOP_INSTANCE_UID));
    assert_eq!(reference.as_deref(), Some("1.2.3.99"));
    assert_eq!(
        text(&obj, tags::SOP_INSTANCE_UID),
        Some(uids.anonymized_uid("1.2.3.4.5")),
        "what the user does not force is derived"
    );
}

/// Orthanc's test_anonymize_instance: `Keep` (and `Remove`) name private tags by number, with
/// no dictionary entry nor private creator; an anonymization then keeps that one private tag.
#[test]
fn private_tags_by_number_may_be_kept_or_removed() {
    let mut obj = spec().to_object();
    obj.put(DataElement::new(
        dicom_core::Tag(0x00E1, 0x0010),
        VR::LO,
        PrimitiveValue::from("ELSCINT1"),
    ));
    obj.put(DataElement::new(
        dicom_core::Tag(0x00E1, 0x10C2),
        VR::UN,
        PrimitiveValue::U8(b"KEEP".to_vec().into()),
    ));
    obj.put(DataElement::new(
        dicom_core::Tag(0x00E1, 0x10C3),
        VR::UN,
        PrimitiveValue::U8(b"GONE".to_vec().into()),
    ));
    let m = anonymization(json!({"Keep": ["00e1-10c2"]}), Level::Study).expect("accepted");
    m.apply(&mut obj, &UidMap::new("job-p", sources()))
        .expect("apply");
    assert!(obj.get(dicom_core::Tag(0x00E1, 0x10C2)).is_some(), "kept");
    assert!(
        obj.get(dicom_core::Tag(0x00E1, 0x10C3)).is_none(),
        "private tags go"
    );
    let m = anonymization(
        json!({"Keep": ["PatientName"], "Replace": {"00e1,10c2": "Hello"}}),
        Level::Study,
    )
    .expect("an undescribed private tag is replaced as UN");
    let mut obj = spec().to_object();
    m.apply(&mut obj, &UidMap::new("job-q", sources()))
        .expect("apply");
    let e = obj.get(dicom_core::Tag(0x00E1, 0x10C2)).expect("written");
    assert_eq!(e.vr(), VR::UN);
    assert!(e.to_bytes().expect("bytes").starts_with(b"Hello"));
    let m = modification(json!({"Remove": ["00e1,10c2"]}), Level::Study).expect("accepted");
    assert_eq!(m.remove, vec![dicom_core::Tag(0x00E1, 0x10C2)]);
}
