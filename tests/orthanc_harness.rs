//! The test harness for the real Orthanc (tests/common/orthanc.rs) works: it starts, stores and
//! answers, so the networking tests that build on it fail for their own reasons only.

mod common;

#[test]
fn orthanc_starts_and_stores_an_upload() {
    let Some(orthanc) = common::orthanc::Orthanc::start(serde_json::json!({})) else {
        return;
    };
    let system = orthanc.get("/system").expect("system");
    assert_eq!(system["DicomAet"], "ORTHANC");
    assert_eq!(system["DicomPort"], orthanc.dicom_port);
    let file = common::any_fixture();
    let id = orthanc.upload(&file);
    assert_eq!(orthanc.instances(), vec![id.clone()]);
    assert_eq!(orthanc.file(&id), std::fs::read(&file).expect("fixture"));
}
