//! The entry points the fuzz targets drive, shared with `tests/fuzz_regressions.rs` so that a
//! regression input runs through exactly the code its fuzzer ran. Each function is a thin call
//! into dicomq's public API, named in its comment, and returns whether the input was accepted;
//! a refusal is the expected answer to bad bytes, only a panic, an abort or a runaway allocation
//! is a finding.
#![allow(dead_code)] // each fuzz target uses one of these

use std::io::{Cursor, Read};
use std::path::Path;

use chrono::{TimeZone, Utc};
use dicomq::archive::dicomdir::DicomDirWriter;
use dicomq::dicom::create::{
    self, CreateItem, CreateSpec, Limits, Payload, PrivateDictionary, parse_request,
};
use dicomq::protocol::{Request, Response, WirePayload, read_frame, split_body};

/// An entry point: the bytes in, whether they were accepted out.
pub type Entry = fn(&[u8]) -> bool;

/// Every target, by the name of its `fuzz/fuzz_targets/<name>.rs` and corpus directory.
pub const TARGETS: &[(&str, Entry)] = &[
    ("store_header", store_header),
    ("dataset_full", dataset_full),
    ("create_image", create_image),
    ("create_pdf", create_pdf),
    ("create_request", create_request),
    ("socket_frame", socket_frame),
    ("config", config),
    ("find_constraint", find_constraint),
    ("instance_frames", instance_frames),
    ("upload_body", upload_body),
    ("dimse_command", dimse_command),
    ("scp_stream", scp_stream),
    ("modify_request", modify_request),
];

/// What `store` and `POST /instances` call first on a file's bytes:
/// `store::header::parse_header` (see src/store/import.rs, `prepare`).
pub fn store_header(data: &[u8]) -> bool {
    dicomq::store::header::parse_header(Cursor::new(data)).is_ok()
}

/// The full parse behind `show --tags` (src/node/mod.rs, `instance_tags`): `open_full`, then
/// `store::tags::tags_json` and `tags_text`; then the DICOMDIR record extraction of
/// `archive --media` (src/jobs/archive.rs): `DicomDirWriter::add_instance` and `to_bytes`.
pub fn dataset_full(data: &[u8]) -> bool {
    let Ok(obj) = dicomq::store::header::open_full(Cursor::new(data)) else {
        return false;
    };
    // A declared private tag, so the naming of private elements is exercised too.
    let private = dicomq::dicom::create::PrivateDictionary::from_json(&serde_json::json!({
        "0019,1001": ["LO", "Fuzz", 1, 1, "FuzzCreator"]
    }))
    .unwrap_or_default();
    let _ = dicomq::store::tags::tags_json(&obj, &private);
    let _ = dicomq::store::tags::tags_text(&obj, &private);
    let mut dicomdir = DicomDirWriter::new(true);
    dicomdir.add_instance(&obj, &["IMAGES", "IM0"]).is_ok() && dicomdir.to_bytes().is_ok()
}

/// create-dicom from PNG/JPEG bytes (`dicom::create::build` with `Payload::Image`, default
/// limits, as src/node/create_dicom.rs calls it), then the encoding of the created file.
/// The same bytes are also kept as a JPEG (`Payload::EncapsulatedJpeg`, its frame header read).
pub fn create_image(data: &[u8]) -> bool {
    let encapsulated = build_and_encode(&spec_of(Payload::EncapsulatedJpeg {
        bytes: data.to_vec(),
    }));
    build_and_encode(&spec_of(Payload::Image {
        bytes: data.to_vec(),
    })) || encapsulated
}

/// create-dicom from PDF bytes (`dicom::create::build` with `Payload::Pdf`), then encoding.
pub fn create_pdf(data: &[u8]) -> bool {
    build_and_encode(&spec_of(Payload::Pdf {
        bytes: data.to_vec(),
        title: None,
    }))
}

/// The `--request` file and `POST /tools/create-dicom` body: JSON, then
/// `dicom::create::parse_request` (src/dicom/create/request.rs), then `build` on its spec.
pub fn create_request(data: &[u8]) -> bool {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return false;
    };
    parse_request(&body).is_ok_and(|parsed| build_and_encode(&parsed.spec))
}

/// The daemon's socket reader: frames (`protocol::read_frame`) read one after another from the
/// same stream as the daemon does, each body split as src/daemon/handler.rs splits it
/// (`protocol::split_body`); the same bytes are also read as the client reads responses.
/// Accepted: at least one request frame was read.
pub fn socket_frame(data: &[u8]) -> bool {
    let mut frames = 0;
    let mut stream = data;
    while let Ok((request, body)) = read_frame::<Request>(&mut stream) {
        frames += 1;
        let sizes: Vec<u64> = match request {
            Request::Store { sizes, .. } => sizes,
            Request::CreateDicom(wire) => wire
                .items
                .iter()
                .map(|i| match i.payload {
                    WirePayload::Pdf { size, .. }
                    | WirePayload::Image { size }
                    | WirePayload::EncapsulatedJpeg { size }
                    | WirePayload::Model { size, .. } => size,
                    WirePayload::Empty => 0,
                })
                .collect(),
            _ => continue,
        };
        let _ = split_body(body, &sizes);
    }
    let mut stream = data;
    while read_frame::<Response>(&mut stream).is_ok() {}
    frames > 0
}

/// The config file (`Config::load` in src/config.rs): comments stripped, read as UTF-8, then
/// `Config::parse` and its warning line.
pub fn config(data: &[u8]) -> bool {
    let mut text = String::new();
    if json_comments::StripComments::new(data)
        .read_to_string(&mut text)
        .is_err()
    {
        return false;
    }
    let parsed = dicomq::config::Config::parse(&text, Path::new("/etc/dicomq"));
    parsed.map(|config| config.warning()).is_ok()
}

/// A `/tools/find` (or `dicomq find`) constraint on a value: `store::find::matches_one`, with
/// the tag, the constraint and the value separated by NUL bytes, case-sensitive and not.
pub fn find_constraint(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\0');
    let (Some(tag), Some(constraint), Some(value)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let strict = dicomq::store::find::matches_one(tag, constraint, value, true);
    let folded = dicomq::store::find::matches_one(tag, constraint, value, false);
    strict.is_ok() && folded.is_ok()
}

/// What REST's `/instances/{id}/content/...`, `/frames/{n}/raw`, `/preview` and `/rendered`
/// run on a stored file: `store::header::open_full`, then `dicom::content_path::walk` over the
/// top level, Pixel Data's blocks and every item of every top-level sequence, then
/// `dicom::render::raw_frame`, `decode`, `preview` and `rendered` of the first two frames.
/// Accepted: the first frame decoded.
pub fn instance_frames(data: &[u8]) -> bool {
    use dicomq::dicom::content_path::{ContentAnswer, walk};
    use dicomq::dicom::render;
    let Ok(obj) = dicomq::store::header::open_full(Cursor::new(data)) else {
        return false;
    };
    let _ = walk(&obj, &["7fe0-0010"]);
    let _ = walk(&obj, &["7fe0-0010", "1"]);
    if let Ok(ContentAnswer::List(top)) = walk(&obj, &[]) {
        for tag in &top {
            if let Ok(ContentAnswer::List(items)) = walk(&obj, &[tag.as_str()]) {
                for item in items.iter().take(4) {
                    let _ = walk(&obj, &[tag.as_str(), item.as_str()]);
                }
            }
        }
    }
    let mut accepted = false;
    for frame in 0..2 {
        let _ = render::raw_frame(&obj, frame);
        if let Ok(decoded) = render::decode(&obj, frame) {
            let invert = render::inverted(&obj);
            let _ = render::preview(decoded.clone(), invert);
            let _ = render::rendered(decoded, render::Window::of(&obj), invert);
            accepted |= frame == 0;
        }
    }
    accepted
}

fn spec_of(payload: Payload) -> CreateSpec {
    CreateSpec {
        items: vec![CreateItem {
            payload,
            tags: vec![("PatientName".into(), "Fuzz^Input".into())],
        }],
        ..CreateSpec::default()
    }
}

/// The content limit of the fuzzed builds: 1 MiB instead of the default 256 MiB. An image
/// accepted under the default takes ~0.5 s and ~400 MB to build, so the fuzzer would spend its
/// time on a few legitimate large decodes instead of the header and truncation checks; the
/// limit itself is tested in src/dicom/create/build_tests.rs.
const FUZZ_CONTENT_LIMIT: u64 = 1 << 20;

fn build_and_encode(spec: &CreateSpec) -> bool {
    // A fixed clock: an input replays the same way in the regression test.
    let now = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    let Ok(created) = create::build(
        spec,
        None,
        &PrivateDictionary::empty(),
        &Limits {
            max_content_bytes: FUZZ_CONTENT_LIMIT,
        },
        now,
    ) else {
        return false;
    };
    created.iter().all(|c| {
        let mut bytes = Vec::new();
        c.file.write_all(&mut bytes).is_ok() && dicomq::store::header::summarize(&c.file).is_ok()
    })
}

/// A `POST /instances` body that is not a plain DICOM file, decoded as the route decodes it
/// (src/http/upload.rs): gzip (`http::upload_body::gunzip`) when it starts with gzip's magic,
/// then a ZIP (`is_zip`, `ZipBody::open`, every `entry`), with a 1 MiB limit.
pub fn upload_body(data: &[u8]) -> bool {
    use dicomq::http::upload_body::{ZipBody, gunzip, is_zip};
    const LIMIT: u64 = 1 << 20;
    let bytes = if data.starts_with(&[0x1f, 0x8b]) {
        match gunzip(data, LIMIT) {
            Ok(b) => b,
            Err(_) => return false,
        }
    } else {
        data.to_vec()
    };
    if !is_zip(&bytes) {
        return false;
    }
    let Ok(mut zip) = ZipBody::open(&bytes, LIMIT) else {
        return false;
    };
    (0..zip.len()).all(|i| zip.entry(i).is_ok())
}

/// A DIMSE command set as the SCP reads one from a peer: `net::dimse::Command::decode`; a
/// decoded command is encoded again (`encode`), as a response built from it would be.
pub fn dimse_command(data: &[u8]) -> bool {
    match dicomq::net::dimse::Command::decode(data) {
        Ok(command) => {
            let again = command.encode();
            dicomq::net::dimse::Command::decode(&again).is_ok()
        }
        Err(_) => false,
    }
}

/// The bytes of an association after its A-ASSOCIATE-AC, as the SCP reads them
/// (src/net/association.rs): `net::message::messages_of_stream` (PDUs framed within a 16 KiB
/// maximum, P-DATA reassembled, commands decoded, data sets capped at 1 MiB), then for each
/// C-STORE `net::received::part10_of` and the store's `parse_header`, which decide its status.
pub fn scp_stream(data: &[u8]) -> bool {
    use dicomq::net::{dimse, message, received};
    let mut stored = false;
    for m in message::messages_of_stream(data, 16384, 1 << 20)
        .into_iter()
        .flatten()
    {
        let c = &m.command;
        let (Some(class), Some(instance)) = (&c.affected_sop_class, &c.affected_sop_instance)
        else {
            continue;
        };
        if c.field != dimse::field::C_STORE_RQ {
            continue;
        }
        // The context's transfer syntax: the odd ones explicit, the even ones implicit.
        let ts = if m.context_id % 2 == 1 {
            "1.2.840.10008.1.2.1"
        } else {
            "1.2.840.10008.1.2"
        };
        let Ok(file) = received::part10_of(&received::Received {
            sop_class: class,
            sop_instance: instance,
            transfer_syntax: ts,
            data: &m.data,
        }) else {
            continue;
        };
        stored |= dicomq::store::header::parse_header(Cursor::new(file.as_slice())).is_ok();
    }
    stored
}

/// A modify or anonymize body (`POST /{level}/{id}/modify|anonymize`, `/tools/bulk-*`:
/// src/http/modify.rs): JSON, then `ModifyRequest::from_body` and `from_anonymize_body`, then
/// `Modification::new` at each level, applied to a small data set with a sequence
/// (`Modification::apply`, src/dicom/modify/mod.rs).
pub fn modify_request(data: &[u8]) -> bool {
    use dicomq::dicom::modify::{Modification, ModifyRequest, SourceUids, UidMap};
    use dicomq::store::ids::Level;
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return false;
    };
    let mut accepted = false;
    for parsed in [
        ModifyRequest::from_body(&body),
        ModifyRequest::from_anonymize_body(&body),
    ] {
        let Ok(request) = parsed else {
            continue;
        };
        for level in Level::ALL {
            let Ok(modification) = Modification::new(&request, level) else {
                continue;
            };
            let mut obj = small_data_set();
            let uids = UidMap::new("fuzz", SourceUids::default());
            accepted |= modification.apply(&mut obj, &uids).is_ok();
        }
    }
    accepted
}

/// An instance's identifiers, a name, a private block and a sequence with one item.
fn small_data_set() -> dicom_object::InMemDicomObject {
    use dicom_core::{DataElement, PrimitiveValue, VR, dicom_value};
    use dicom_dictionary_std::tags;
    use dicom_object::InMemDicomObject;
    let text = |tag, vr, value: &str| DataElement::new(tag, vr, PrimitiveValue::from(value));
    let item = InMemDicomObject::from_element_iter([
        text(
            tags::REFERENCED_SOP_CLASS_UID,
            VR::UI,
            "1.2.840.10008.5.1.4.1.1.4",
        ),
        text(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, "1.2.3.4.5.6"),
    ]);
    InMemDicomObject::from_element_iter([
        text(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 100"),
        text(tags::SOP_CLASS_UID, VR::UI, "1.2.840.10008.5.1.4.1.1.4"),
        text(tags::SOP_INSTANCE_UID, VR::UI, "1.2.3.4.5.6"),
        text(tags::STUDY_DATE, VR::DA, "20240101"),
        text(tags::MODALITY, VR::CS, "MR"),
        text(tags::PATIENT_NAME, VR::PN, "DOE^JOHN"),
        text(tags::PATIENT_ID, VR::LO, "P1"),
        text(tags::STUDY_INSTANCE_UID, VR::UI, "1.2.3"),
        text(tags::SERIES_INSTANCE_UID, VR::UI, "1.2.3.4"),
        DataElement::new(
            tags::REFERENCED_IMAGE_SEQUENCE,
            VR::SQ,
            dicom_core::value::DataSetSequence::from(vec![item]),
        ),
        text(dicom_core::Tag(0x0009, 0x0010), VR::LO, "ACME"),
        DataElement::new(
            dicom_core::Tag(0x0009, 0x1001),
            VR::OB,
            dicom_value!(U8, [1, 2]),
        ),
    ])
}
