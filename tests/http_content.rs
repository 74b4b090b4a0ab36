//! The REST routes that read an instance's content, frames and previews, the ZIP and gzip
//! uploads of `POST /instances`, and `?filename=` on `/instances/{id}/file`, through curl
//! against a temporary daemon.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::{Daemon, Home, HttpAnswer, curl};
use dicom_core::value::{DataSetSequence, PixelFragmentSequence};
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use dicomq_testdata::{InstanceSpec, deterministic_uid};

fn start(config: Option<&str>) -> (Home, Daemon, String) {
    let home = Home::new();
    if let Some(c) = config {
        std::fs::write(home.path().join("config.json"), c).expect("config");
    }
    let (d, base) = home.http_daemon();
    (home, d, base)
}

fn spec(label: &str) -> InstanceSpec {
    InstanceSpec::new_mr(
        &format!("PID-{label}"),
        "Doe^Jo",
        &deterministic_uid(&format!("{label}-study")),
        &deterministic_uid(&format!("{label}-series")),
        &deterministic_uid(&format!("{label}-sop")),
    )
}

fn part10(obj: InMemDicomObject, ts: &str) -> Vec<u8> {
    let file = obj
        .with_meta(FileMetaTableBuilder::new().transfer_syntax(ts))
        .expect("meta");
    let mut out = Vec::new();
    file.write_all(&mut out).expect("encode");
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path
}

fn post(base: &str, path: &Path, extra: &[&str]) -> HttpAnswer {
    let data = format!("@{}", path.display());
    let url = format!("{base}/instances");
    let mut args = vec!["-X", "POST", "--data-binary", &data];
    args.extend_from_slice(extra);
    args.push(&url);
    curl(&args)
}

fn upload(base: &str, dir: &Path, name: &str, bytes: &[u8]) -> String {
    let up = post(base, &write(dir, name, bytes), &[]);
    assert_eq!(up.status, 200, "{}", String::from_utf8_lossy(&up.body));
    up.json()["ID"].as_str().expect("ID").to_string()
}

fn get(url: &str, extra: &[&str]) -> HttpAnswer {
    let mut args = extra.to_vec();
    args.push(url);
    curl(&args)
}

#[test]
fn content_walks_tags_sequences_and_pixel_data() {
    let (_home, _d, base) = start(None);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut obj = spec("content").to_object();
    let item = |desc: &str| {
        InMemDicomObject::from_element_iter([DataElement::new(
            tags::STUDY_DESCRIPTION,
            VR::LO,
            PrimitiveValue::from(desc),
        )])
    };
    let mut first = item("Hello");
    first.put(DataElement::new(
        tags::REFERENCED_STUDY_SEQUENCE,
        VR::SQ,
        DataSetSequence::from(vec![item("Toto"), item("Tata")]),
    ));
    obj.put(DataElement::new(
        tags::REFERENCED_STUDY_SEQUENCE,
        VR::SQ,
        DataSetSequence::from(vec![first, item("Odd")]),
    ));
    let id = upload(
        &base,
        dir.path(),
        "seq.dcm",
        &part10(obj, uids::EXPLICIT_VR_LITTLE_ENDIAN),
    );
    let c = format!("{base}/instances/{id}/content");

    let top = get(&c, &[]);
    assert_eq!(top.status, 200);
    let top = top.json();
    let listed: Vec<&str> = top
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    for tag in ["0008-0018", "0008-1110", "0010-0010", "7fe0-0010"] {
        assert!(listed.contains(&tag), "{tag} in {listed:?}");
    }
    let name = get(&format!("{c}/0010-0010"), &[]);
    assert_eq!(name.status, 200);
    assert_eq!(
        name.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(name.body, b"Doe^Jo");
    assert_eq!(get(&format!("{c}/PatientName"), &[]).body, b"Doe^Jo");
    assert_eq!(get(&format!("{c}/0010,0010"), &[]).body, b"Doe^Jo");
    // A value of odd length comes with its padding, as it is in the file.
    assert_eq!(get(&format!("{c}/Odd"), &[]).status, 404);
    assert_eq!(
        get(
            &format!("{c}/ReferencedStudySequence/1/StudyDescription"),
            &[]
        )
        .body,
        b"Odd "
    );
    assert_eq!(
        get(&format!("{c}/ReferencedStudySequence"), &[]).json(),
        serde_json::json!(["0", "1"])
    );
    assert_eq!(
        get(&format!("{c}/ReferencedStudySequence/0"), &[]).json(),
        serde_json::json!(["0008-1030", "0008-1110"])
    );
    assert_eq!(
        get(
            &format!("{c}/ReferencedStudySequence/0/ReferencedStudySequence/1/StudyDescription"),
            &[]
        )
        .body,
        b"Tata"
    );
    let pixels = get(&format!("{c}/7fe0-0010"), &[]);
    assert_eq!(pixels.json(), serde_json::json!(["0"]));
    assert_eq!(
        get(&format!("{c}/7fe0-0010/0"), &[]).body,
        spec("content").pixel_bytes()
    );

    for absent in [
        "0008-1011",
        "ReferencedStudySequence/2",
        "ReferencedStudySequence/x/StudyDescription",
        "7fe0-0010/1",
    ] {
        let r = get(&format!("{c}/{absent}"), &[]);
        assert_eq!(r.status, 404, "{absent}");
    }
    let unknown = get(&format!("{c}/NotAKeyword"), &[]);
    assert_eq!(unknown.status, 404);
    assert!(
        unknown.json()["Details"]
            .as_str()
            .unwrap_or("")
            .contains("NotAKeyword")
    );
    let deep = format!("{c}/{}", vec!["0008-1110/0"; 80].join("/"));
    assert_eq!(get(&deep, &[]).status, 400);
    let other = "0123456789abcdef0123456789abcdef0123456789ab";
    assert_eq!(
        get(
            &format!("{base}/instances/{other}/content/PatientName"),
            &[]
        )
        .status,
        404
    );
}

fn png_pixels(a: &HttpAnswer) -> (u32, u32, Vec<u8>) {
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    assert_eq!(a.header("content-type"), Some("image/png"));
    let img = image::load_from_memory_with_format(&a.body, image::ImageFormat::Png).expect("png");
    let gray = img.into_luma8();
    (gray.width(), gray.height(), gray.into_raw())
}

#[test]
fn frames_previews_and_rendered_images() {
    let (_home, _d, base) = start(None);
    let dir = tempfile::tempdir().expect("tempdir");
    // 16×16, 12 bits stored, pixel k = 2k: values 0..510, no window in the file.
    let id = upload(&base, dir.path(), "mr.dcm", &spec("frames").to_bytes());
    let i = format!("{base}/instances/{id}");
    assert_eq!(
        get(&format!("{i}/frames"), &[]).json(),
        serde_json::json!([0])
    );

    // Preview: the range 0..510 stretched to 0..255, so pixel k is k.
    let expected: Vec<u8> = (0..=255).collect();
    assert_eq!(
        png_pixels(&get(&format!("{i}/preview"), &[])),
        (16, 16, expected.clone())
    );
    assert_eq!(
        png_pixels(&get(&format!("{i}/frames/0/preview"), &[])).2,
        expected
    );
    // Rendered: the default window is the whole 12-bit range (width 4096, centre 2048).
    let rendered: Vec<u8> = (0..256)
        .map(|k| ((2 * k) as f32 * (255.0 / 4096.0)) as u8)
        .collect();
    assert_eq!(png_pixels(&get(&format!("{i}/rendered"), &[])).2, rendered);
    let windowed = png_pixels(&get(
        &format!("{i}/frames/0/rendered?window-center=255&window-width=510"),
        &[],
    ))
    .2;
    assert_eq!(windowed[0], 0);
    assert_eq!(windowed[255], 255);
    assert_eq!(png_pixels(&get(&format!("{i}/rendered?width=8"), &[])).0, 8);

    let jpeg = get(
        &format!("{i}/preview?quality=50"),
        &["-H", "Accept: image/jpeg"],
    );
    assert_eq!(jpeg.status, 200);
    assert_eq!(jpeg.header("content-type"), Some("image/jpeg"));
    assert_eq!(&jpeg.body[..2], [0xFF, 0xD8]);
    assert_eq!(
        get(&format!("{i}/preview"), &["-H", "Accept: text/html"]).status,
        406
    );
    assert_eq!(get(&format!("{i}/preview?quality=0"), &[]).status, 400);
    for missing in [
        "frames/1/preview",
        "frames/x/preview",
        "frames/1/rendered",
        "frames/1/raw",
    ] {
        assert_eq!(get(&format!("{i}/{missing}"), &[]).status, 404, "{missing}");
    }
    let raw = get(&format!("{i}/frames/0/raw"), &[]);
    assert_eq!(raw.header("content-type"), Some("application/octet-stream"));
    assert_eq!(raw.body, spec("frames").pixel_bytes());

    // JPEG Baseline: the fragment is decoded for the preview, and answered as it is for raw.
    let mut jpeg_bytes = Vec::new();
    image::DynamicImage::ImageLuma8(image::GrayImage::from_fn(16, 16, |x, _| {
        image::Luma([if x < 8 { 0 } else { 255 }])
    }))
    .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
        &mut jpeg_bytes,
        100,
    ))
    .expect("jpeg");
    let mut obj = spec("jpeg").to_object();
    for (tag, v) in [
        (tags::BITS_ALLOCATED, 8_u16),
        (tags::BITS_STORED, 8),
        (tags::HIGH_BIT, 7),
    ] {
        obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(v)));
    }
    obj.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        PixelFragmentSequence::new(vec![], vec![jpeg_bytes.clone()]),
    ));
    let jid = upload(
        &base,
        dir.path(),
        "jpeg.dcm",
        &part10(obj, uids::JPEG_BASELINE8_BIT),
    );
    let (w, h, pixels) = png_pixels(&get(&format!("{base}/instances/{jid}/preview"), &[]));
    assert_eq!((w, h), (16, 16));
    assert!(pixels[0] < 10 && pixels[15] > 245, "{pixels:?}");
    let raw = get(&format!("{base}/instances/{jid}/frames/0/raw"), &[]);
    assert_eq!(raw.header("content-type"), Some("image/jpeg"));
    assert_eq!(raw.body, jpeg_bytes);
    assert_eq!(
        get(&format!("{base}/instances/{jid}/content/PixelData"), &[]).json(),
        serde_json::json!(["0", "1"])
    );
    assert_eq!(
        get(&format!("{base}/instances/{jid}/content/PixelData/1"), &[]).body,
        jpeg_bytes
    );

    // JPEG 2000 is not decoded: a clear 415 naming the syntax, and the daemon stays up.
    let mut obj = spec("j2k").to_object();
    obj.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        PixelFragmentSequence::new(vec![], vec![vec![0xFF, 0x4F, 0xFF, 0x51]]),
    ));
    let kid = upload(
        &base,
        dir.path(),
        "j2k.dcm",
        &part10(obj, uids::JPEG2000_LOSSLESS),
    );
    let refused = get(&format!("{base}/instances/{kid}/preview"), &[]);
    assert_eq!(refused.status, 415);
    assert!(
        refused.json()["Details"]
            .as_str()
            .unwrap_or("")
            .contains(uids::JPEG2000_LOSSLESS),
        "{}",
        refused.json()
    );
    // Rows × Columns larger than the pixel data: refused before allocating.
    let mut obj = spec("short").to_object();
    obj.put(DataElement::new(
        tags::ROWS,
        VR::US,
        PrimitiveValue::from(60000_u16),
    ));
    obj.put(DataElement::new(
        tags::COLUMNS,
        VR::US,
        PrimitiveValue::from(60000_u16),
    ));
    let sid = upload(
        &base,
        dir.path(),
        "short.dcm",
        &part10(obj, uids::EXPLICIT_VR_LITTLE_ENDIAN),
    );
    let short = get(&format!("{base}/instances/{sid}/rendered"), &[]);
    assert_eq!(short.status, 400);
    assert!(
        short.json()["Details"]
            .as_str()
            .unwrap_or("")
            .contains("holds 512 bytes")
    );
    assert_eq!(get(&format!("{base}/system"), &[]).status, 200);
}

fn zip_of(entries: &[(&str, Option<&[u8]>)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        match data {
            Some(d) => {
                z.start_file(*name, opts).expect("entry");
                z.write_all(d).expect("write");
            }
            None => z.add_directory(*name, opts).expect("dir"),
        }
    }
    z.finish().expect("zip").into_inner()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).expect("gzip");
    enc.finish().expect("gzip")
}

fn stored(base: &str) -> usize {
    get(&format!("{base}/instances"), &[])
        .json()
        .as_array()
        .map_or(0, Vec::len)
}

#[test]
fn zip_and_gzip_uploads() {
    let (_home, _d, base) = start(Some(r#"{"HttpBodyLimit": 200000}"#));
    let dir = tempfile::tempdir().expect("tempdir");
    let a = spec("zip-a").to_bytes();
    let b = spec("zip-b").to_bytes();

    // A ZIP whose names try to leave any folder: names are never paths, every DICOM is stored.
    let zip = zip_of(&[
        ("hello/world/invalid.txt", Some(b"Hello world")),
        ("../../etc/a.dcm", Some(&a)),
        ("empty/", None),
        ("/abs/b.dcm", Some(&b)),
        ("again.dcm", Some(&a)),
    ]);
    let r = post(&base, &write(dir.path(), "ok.zip", &zip), &[]);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let answers = r.json();
    let answers = answers.as_array().expect("array");
    assert_eq!(answers.len(), 3, "{answers:?}");
    assert_eq!(answers[0].as_object().map(|o| o.len()), Some(6));
    assert_eq!(answers[0]["Status"], "Success");
    assert_eq!(answers[2]["ID"], answers[0]["ID"]);
    assert_eq!(answers[2]["Status"], "AlreadyStored");
    assert_eq!(stored(&base), 2);
    assert!(!dir.path().join("etc").exists() && !Path::new("/abs").exists());

    // gzip-encoded: a DICOM file, and a ZIP.
    let c = spec("gz").to_bytes();
    let r = post(
        &base,
        &write(dir.path(), "c.gz", &gzip(&c)),
        &["-H", "Content-Encoding: gzip"],
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.json()["Status"], "Success");
    let d = spec("gz-zip").to_bytes();
    let r = post(
        &base,
        &write(
            dir.path(),
            "d.zip.gz",
            &gzip(&zip_of(&[("d.dcm", Some(&d))])),
        ),
        &["-H", "Content-Encoding: gzip"],
    );
    assert_eq!(r.json().as_array().map(Vec::len), Some(1));
    // Without the header, gzip bytes are not DICOM (Orthanc's test_upload_compressed).
    assert_eq!(
        post(&base, &write(dir.path(), "c2.gz", &gzip(&c)), &[]).status,
        400
    );
    let bad = post(
        &base,
        &write(dir.path(), "bad.gz", b"\x1f\x8b\x08\x00garbage"),
        &["-H", "Content-Encoding: gzip"],
    );
    assert_eq!(bad.status, 400);
    assert!(
        bad.json()["Details"]
            .as_str()
            .unwrap_or("")
            .contains("does not inflate")
    );
    let bomb = post(
        &base,
        &write(dir.path(), "bomb.gz", &gzip(&vec![0; 300_000])),
        &["-H", "Content-Encoding: gzip"],
    );
    assert_eq!(bomb.status, 413);
    assert_eq!(stored(&base), 4);

    // Refused ZIPs store nothing, not even the entries before the bad one.
    let e = spec("zip-e").to_bytes();
    let zeros = vec![0_u8; 200_001];
    let refusals: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "bomb.zip",
            zip_of(&[("e.dcm", Some(&e)), ("bomb", Some(&zeros))]),
            413,
            "inflates to more than",
        ),
        (
            "truncated.zip",
            zip_of(&[("e.dcm", Some(&e))])[..300].to_vec(),
            400,
            "ZIP",
        ),
    ];
    for (name, body, status, details) in refusals {
        let r = post(&base, &write(dir.path(), name, &body), &[]);
        assert_eq!(r.status, status, "{name}");
        assert!(
            r.json()["Details"].as_str().unwrap_or("").contains(details),
            "{name}: {}",
            r.json()
        );
        assert_eq!(stored(&base), 4, "{name}");
    }
    // All entries together over 4 × the limit.
    let big: Vec<Vec<u8>> = (0..5).map(|_| vec![0_u8; 190_000]).collect();
    let names: Vec<String> = (0..5).map(|i| format!("z{i}")).collect();
    let entries: Vec<(&str, Option<&[u8]>)> = names
        .iter()
        .zip(&big)
        .map(|(n, b)| (n.as_str(), Some(b.as_slice())))
        .collect();
    let total = post(
        &base,
        &write(dir.path(), "total.zip", &zip_of(&entries)),
        &[],
    );
    assert_eq!(total.status, 413);
    assert_eq!(stored(&base), 4);
}

#[test]
fn a_zip_of_too_many_entries_is_refused() {
    let (_home, _d, base) = start(None);
    let dir = tempfile::tempdir().expect("tempdir");
    let a = spec("many").to_bytes();
    let mut names: Vec<String> = (0..10_001).map(|i| format!("{i}/")).collect();
    names[0] = "a.dcm".into();
    let entries: Vec<(&str, Option<&[u8]>)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), (i == 0).then_some(a.as_slice())))
        .collect();
    let many = post(
        &base,
        &write(dir.path(), "many.zip", &zip_of(&entries)),
        &[],
    );
    assert_eq!(many.status, 400);
    assert!(
        many.json()["Details"]
            .as_str()
            .unwrap_or("")
            .contains("10000")
    );
    assert_eq!(stored(&base), 0);
}

#[test]
fn file_download_names_its_attachment() {
    let (_home, _d, base) = start(None);
    let dir = tempfile::tempdir().expect("tempdir");
    let bytes = spec("file").to_bytes();
    let id = upload(&base, dir.path(), "f.dcm", &bytes);
    let f = format!("{base}/instances/{id}/file");
    let plain = get(&f, &[]);
    assert_eq!(plain.body, bytes);
    assert_eq!(plain.header("content-disposition"), None);
    let named = get(&format!("{f}?filename=toto.dcm"), &[]);
    assert_eq!(
        named.header("content-disposition"),
        Some("filename=\"toto.dcm\"")
    );
    assert_eq!(named.body, bytes);
    let quoted = get(&format!("{f}?filename=%22toto%22.dcm"), &[]);
    assert_eq!(
        quoted.header("content-disposition"),
        Some("filename=\"toto.dcm\"")
    );
    let injected = get(
        &format!("{f}?filename=toto.dcm%22%0D%0ASet-Cookie:evil=1"),
        &[],
    );
    assert_eq!(injected.status, 200);
    assert_eq!(injected.header("set-cookie"), None);
    assert_eq!(
        injected.header("content-disposition"),
        Some("filename=\"toto.dcmSet-Cookie:evil=1\"")
    );
}

/// Files under the storage holding an instance (staged ones included).
fn stored_files(home: &Home) -> usize {
    // Spare files the pool created ahead in incoming/ (empty) hold no instance.
    home.stored_files().len()
}

/// Orthanc's `OverwriteInstances` (its test_upload_zip configuration): an instance stored
/// again replaces the stored one and is answered `Success`; the old file is deleted. The
/// entries of a ZIP are stored one after the other: twice in one, both are `Success`.
#[test]
fn overwrite_instances_replaces_the_stored_file() {
    let (home, _d, base) = start(Some(r#"{"OverwriteInstances": true}"#));
    let dir = tempfile::tempdir().expect("tempdir");
    let a = spec("over").to_bytes();
    let first = post(&base, &write(dir.path(), "a.dcm", &a), &[]);
    assert_eq!(first.json()["Status"], "Success");
    let id = first.json()["ID"].as_str().expect("ID").to_string();
    let file_before = get(&format!("{base}/instances/{id}/file"), &[]).body;
    let again = post(&base, &write(dir.path(), "a2.dcm", &a), &[]);
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["Status"], "Success");
    assert_eq!(again.json()["ID"], id.as_str());
    assert_eq!(stored(&base), 1);
    assert_eq!(stored_files(&home), 1, "the replaced file is deleted");
    assert_eq!(
        get(&format!("{base}/instances/{id}/file"), &[]).body,
        file_before
    );
    let zip = zip_of(&[("one.dcm", Some(&a)), ("two.dcm", Some(&a))]);
    let answers = post(&base, &write(dir.path(), "twice.zip", &zip), &[]).json();
    assert_eq!(answers[0]["Status"], "Success");
    assert_eq!(answers[0], answers[1]);
    assert_eq!(stored(&base), 1);
    assert_eq!(stored_files(&home), 1);
    // The changes log says what happened: the old one deleted, the new one stored.
    let changes = get(&format!("{base}/changes?limit=100"), &[]).json();
    let kinds: Vec<&str> = changes["Changes"]
        .as_array()
        .expect("changes")
        .iter()
        .filter(|c| c["ResourceType"] == "Instance")
        .map(|c| c["ChangeType"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        kinds,
        [
            "NewInstance",
            "Deleted",
            "NewInstance",
            "Deleted",
            "NewInstance",
            "Deleted",
            "NewInstance"
        ]
    );
}
