//! Writes the seed corpora of the fuzz targets (fuzz/README.md) into `<dir>/<target>/`:
//! valid DICOM files in several encodings, tiny PNG/JPEG/PDF payloads, create-dicom request
//! bodies, socket frames and config files, all generated here (nothing is downloaded).
//!
//! `cargo run --example fuzz_seeds -- fuzz/corpus` (fuzz/seeds.sh does this).

use std::io::Cursor;
use std::path::{Path, PathBuf};

use base64::Engine;
use dicom_core::value::{DataSetSequence, PixelFragmentSequence};
use dicom_core::{DataElement, Length, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::InMemDicomObject;
use dicom_object::meta::FileMetaTableBuilder;
use dicomq::jobs::{ArchiveParams, JobSpec};
use dicomq::node::{JobRequest, ListRequest};
use dicomq::protocol::{self, Request, Response, WireCreate, WireCreateItem, WirePayload};
use dicomq::store::ids::Level;
use dicomq_testdata::{self as testdata, InstanceSpec};
use image::{DynamicImage, ImageBuffer, ImageFormat, Luma, Rgb, Rgba};

type Seeds = Vec<(String, Vec<u8>)>;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .ok_or("usage: fuzz_seeds <corpus dir>")?;
    let dicom = dicom_seeds()?;
    let images = image_seeds()?;
    let pdfs = pdf_seeds();
    write(&out, "store_header", &dicom)?;
    write(&out, "dataset_full", &dicom)?;
    write(&out, "instance_frames", &dicom)?;
    write(&out, "create_image", &images)?;
    write(&out, "create_pdf", &pdfs)?;
    write(&out, "create_request", &request_seeds(&images, &pdfs))?;
    write(&out, "socket_frame", &frame_seeds(&dicom, &images, &pdfs)?)?;
    write(&out, "config", &config_seeds())?;
    write(&out, "upload_body", &upload_seeds(&dicom)?)?;
    write(&out, "dimse_command", &dimse_seeds())?;
    write(&out, "scp_stream", &scp_stream_seeds(&dicom)?)?;
    write(&out, "modify_request", &modify_seeds())?;
    Ok(())
}

fn write(out: &Path, target: &str, seeds: &Seeds) -> std::io::Result<()> {
    let dir = out.join(target);
    std::fs::create_dir_all(&dir)?;
    for (name, bytes) in seeds {
        std::fs::write(dir.join(name), bytes)?;
    }
    println!("{}: {} seeds", dir.display(), seeds.len());
    Ok(())
}

/// The test corpus, then one instance in each encoding and shape the reader meets.
fn dicom_seeds() -> Result<Seeds, Box<dyn std::error::Error>> {
    let mut seeds: Seeds = testdata::corpus()
        .into_iter()
        .chain(testdata::invalid_corpus())
        .map(|(name, spec)| (name, spec.to_bytes()))
        .collect();
    let mut spec = small_spec();
    let explicit = spec.to_bytes();
    // No preamble: the stream starts at "DICM".
    seeds.push(("no_preamble.dcm".into(), explicit[128..].to_vec()));
    seeds.push((
        "truncated_half.dcm".into(),
        explicit[..explicit.len() / 2].to_vec(),
    ));
    let obj = spec.to_object();
    seeds.push((
        "implicit_vr.dcm".into(),
        encode(obj.clone(), uids::IMPLICIT_VR_LITTLE_ENDIAN)?,
    ));
    seeds.push((
        "explicit_big_endian.dcm".into(),
        // Retired, still met in old archives.
        encode(obj.clone(), "1.2.840.10008.1.2.2")?,
    ));
    seeds.push((
        "sequences.dcm".into(),
        encode(with_sequences(obj.clone()), uids::EXPLICIT_VR_LITTLE_ENDIAN)?,
    ));
    seeds.push((
        "sequences_implicit.dcm".into(),
        encode(with_sequences(obj.clone()), uids::IMPLICIT_VR_LITTLE_ENDIAN)?,
    ));
    seeds.push((
        "unknown_vr_private.dcm".into(),
        encode(
            with_odd_elements(obj.clone()),
            uids::EXPLICIT_VR_LITTLE_ENDIAN,
        )?,
    ));
    spec.rows = 8;
    spec.cols = 8;
    seeds.push((
        "encapsulated_jpeg.dcm".into(),
        encode(encapsulated(spec.to_object())?, uids::JPEG_BASELINE8_BIT)?,
    ));
    let mut no_pixels = spec.to_object();
    no_pixels.remove_element(tags::PIXEL_DATA);
    seeds.push((
        "no_pixel_data.dcm".into(),
        encode(no_pixels, uids::EXPLICIT_VR_LITTLE_ENDIAN)?,
    ));
    Ok(seeds)
}

fn small_spec() -> InstanceSpec {
    let mut spec = testdata::small_instance_spec(7, 0);
    spec.rows = 4;
    spec.cols = 4;
    spec
}

fn encode(
    obj: InMemDicomObject,
    transfer_syntax: &str,
) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(transfer_syntax)
        .implementation_class_uid(testdata::IMPLEMENTATION_CLASS_UID)
        .implementation_version_name(testdata::IMPLEMENTATION_VERSION_NAME);
    let mut out = Vec::new();
    obj.with_meta(meta)?.write_all(&mut out)?;
    Ok(out)
}

/// Nested sequences, three levels deep, one of them with an empty item.
fn with_sequences(mut obj: InMemDicomObject) -> InMemDicomObject {
    let code = |value: &str| {
        InMemDicomObject::from_element_iter([
            DataElement::new(tags::CODE_VALUE, VR::SH, PrimitiveValue::from(value)),
            DataElement::new(
                tags::CODING_SCHEME_DESIGNATOR,
                VR::SH,
                PrimitiveValue::from("DCM"),
            ),
            DataElement::new(tags::CODE_MEANING, VR::LO, PrimitiveValue::from("Seed")),
        ])
    };
    let mut inner = code("121");
    inner.put(sequence(
        tags::CONCEPT_NAME_CODE_SEQUENCE,
        vec![code("122")],
    ));
    let mut middle = InMemDicomObject::new_empty();
    middle.put(sequence(
        tags::CONTENT_SEQUENCE,
        vec![inner, InMemDicomObject::new_empty()],
    ));
    obj.put(sequence(tags::REFERENCED_IMAGE_SEQUENCE, vec![middle]));
    obj
}

fn sequence(tag: Tag, items: Vec<InMemDicomObject>) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::SQ, DataSetSequence::new(items, Length::UNDEFINED))
}

/// A private creator and element, an UN element, a multi-valued DS and a UT.
fn with_odd_elements(mut obj: InMemDicomObject) -> InMemDicomObject {
    obj.put(DataElement::new(
        Tag(0x0009, 0x0010),
        VR::LO,
        PrimitiveValue::from("SEED CREATOR"),
    ));
    obj.put(DataElement::new(
        Tag(0x0009, 0x1001),
        VR::LO,
        PrimitiveValue::from("private"),
    ));
    obj.put(DataElement::new(
        Tag(0x0011, 0x0001),
        VR::UN,
        PrimitiveValue::from(vec![1u8, 2, 3, 4]),
    ));
    obj.put(DataElement::new(
        tags::PIXEL_SPACING,
        VR::DS,
        PrimitiveValue::Strs(["0.5".to_string(), "0.5".to_string()].into()),
    ));
    obj.put(DataElement::new(
        tags::IMAGE_COMMENTS,
        VR::LT,
        PrimitiveValue::from("line 1\r\nline 2"),
    ));
    obj
}

/// Pixel Data as one JPEG fragment after an empty offset table.
fn encapsulated(mut obj: InMemDicomObject) -> Result<InMemDicomObject, Box<dyn std::error::Error>> {
    let jpeg = encode_image(&DynamicImage::ImageLuma8(gradient(8, 8)), ImageFormat::Jpeg)?;
    obj.put(DataElement::new(
        tags::BITS_ALLOCATED,
        VR::US,
        PrimitiveValue::from(8u16),
    ));
    obj.put(DataElement::new(
        tags::BITS_STORED,
        VR::US,
        PrimitiveValue::from(8u16),
    ));
    obj.put(DataElement::new(
        tags::HIGH_BIT,
        VR::US,
        PrimitiveValue::from(7u16),
    ));
    obj.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        PixelFragmentSequence::new(vec![], vec![pad_even(jpeg)]),
    ));
    Ok(obj)
}

fn pad_even(mut bytes: Vec<u8>) -> Vec<u8> {
    if bytes.len() % 2 == 1 {
        bytes.push(0);
    }
    bytes
}

fn gradient(w: u32, h: u32) -> ImageBuffer<Luma<u8>, Vec<u8>> {
    ImageBuffer::from_fn(w, h, |x, y| Luma([(x * 16 + y * 4) as u8]))
}

fn encode_image(img: &DynamicImage, format: ImageFormat) -> image::ImageResult<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format)?;
    Ok(out.into_inner())
}

/// PNG in every sample layout create-dicom accepts, and baseline JPEGs (gray and colour).
fn image_seeds() -> image::ImageResult<Seeds> {
    let gray = gradient(5, 3);
    let rgb = ImageBuffer::from_fn(4, 4, |x, y| Rgb([(x * 60) as u8, (y * 60) as u8, 128]));
    let rgba = ImageBuffer::from_fn(3, 2, |x, y| Rgba([(x * 80) as u8, (y * 90) as u8, 7, 200]));
    let gray16 = ImageBuffer::from_fn(3, 3, |x, y| Luma([(x * 9000 + y * 100) as u16]));
    let images = [
        (
            "gray8.png",
            DynamicImage::ImageLuma8(gray.clone()),
            ImageFormat::Png,
        ),
        (
            "gray16.png",
            DynamicImage::ImageLuma16(gray16),
            ImageFormat::Png,
        ),
        (
            "rgb8.png",
            DynamicImage::ImageRgb8(rgb.clone()),
            ImageFormat::Png,
        ),
        (
            "rgba8.png",
            DynamicImage::ImageRgba8(rgba),
            ImageFormat::Png,
        ),
        (
            "gray8.jpg",
            DynamicImage::ImageLuma8(gray),
            ImageFormat::Jpeg,
        ),
        ("rgb8.jpg", DynamicImage::ImageRgb8(rgb), ImageFormat::Jpeg),
    ];
    images
        .into_iter()
        .map(|(name, img, format)| Ok((name.to_string(), encode_image(&img, format)?)))
        .collect()
}

fn pdf_seeds() -> Seeds {
    let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n\
trailer << /Root 1 0 R >>\n%%EOF\n";
    vec![
        ("minimal.pdf".into(), pdf.to_vec()),
        // Odd length: create-dicom pads it.
        ("odd_length.pdf".into(), b"%PDF-1.7\n%%EOF".to_vec()),
    ]
}

fn data_uri(mime: &str, bytes: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    format!("data:{mime};base64,{b64}")
}

fn request_seeds(images: &Seeds, pdfs: &Seeds) -> Seeds {
    let png = data_uri("image/png", &images[0].1);
    let jpeg = data_uri("image/jpeg", &images[4].1);
    let pdf = data_uri("application/pdf", &pdfs[0].1);
    let bodies = [
        (
            "tags_only.json",
            serde_json::json!({"Tags": {"PatientName": "Doe^J", "PatientID": "P1"}}),
        ),
        (
            "png.json",
            serde_json::json!({"Tags": {"PatientName": "Doe^J", "Modality": "OT"}, "Content": png}),
        ),
        (
            "pdf.json",
            serde_json::json!({"Tags": {"PatientName": "Doe^J", "DocumentTitle": "Report"}, "Content": pdf}),
        ),
        (
            "series.json",
            serde_json::json!({
                "Tags": {"PatientName": "Doe^J", "SpecificCharacterSet": "ISO_IR 100"},
                "Content": [png, {"Content": jpeg, "Tags": {"ImageComments": "second"}}],
                "Force": true
            }),
        ),
        (
            "private_binary.json",
            serde_json::json!({
                "Tags": {"PatientName": "Doe^J", "0009,0010": "SEED", "0009,1001": "data:application/octet-stream;base64,AAEC"},
                "PrivateCreator": "SEED", "InterpretBinaryTags": true, "Parent": "abc"
            }),
        ),
        (
            "typed_values.json",
            serde_json::json!({"Tags": {"PatientName": "Doe^J", "PatientBirthDate": "19700101",
                "SliceThickness": "1.5", "InstanceNumber": "3", "ImageType": "ORIGINAL\\PRIMARY"}}),
        ),
    ];
    bodies
        .into_iter()
        .map(|(name, body)| (name.to_string(), body.to_string().into_bytes()))
        .collect()
}

fn frame<T: serde::Serialize>(header: &T, body: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    protocol::write_frame(&mut out, header, body)?;
    Ok(out)
}

fn frame_seeds(dicom: &Seeds, images: &Seeds, pdfs: &Seeds) -> std::io::Result<Seeds> {
    let file = &dicom[0].1;
    let store = Request::Store {
        labels: vec!["a.dcm".into(), "b.dcm".into()],
        sizes: vec![file.len() as u64, 0],
    };
    let create = Request::CreateDicom(WireCreate {
        items: vec![
            WireCreateItem {
                payload: WirePayload::Image {
                    size: images[0].1.len() as u64,
                },
                tags: vec![("ImageComments".into(), "one".into())],
            },
            WireCreateItem {
                payload: WirePayload::Pdf {
                    size: pdfs[1].1.len() as u64,
                    title: Some("Title".into()),
                },
                tags: vec![],
            },
        ],
        tags: vec![("PatientName".into(), "Doe^J".into())],
        private_creator: None,
        force: false,
        interpret_binary_tags: true,
        parent: None,
        store: true,
        return_files: false,
        legacy_v1: false,
    });
    let create_body = [images[0].1.as_slice(), pdfs[1].1.as_slice()].concat();
    let hello = frame(
        &Request::Hello {
            version: protocol::PROTOCOL_VERSION,
        },
        &[],
    )?;
    let list = frame(
        &Request::List(ListRequest {
            level: Level::Study,
            parent: Some("abc".into()),
        }),
        &[],
    )?;
    let job = frame(
        &Request::RunJob(JobRequest::new(
            JobSpec::Archive(ArchiveParams {
                resources: vec!["abc".into()],
                synchronous: true,
                ..ArchiveParams::default()
            }),
            0,
        )),
        &[],
    )?;
    Ok(vec![
        ("hello.bin".into(), hello.clone()),
        (
            "hello_store.bin".into(),
            [hello, frame(&store, file)?].concat(),
        ),
        ("create_dicom.bin".into(), frame(&create, &create_body)?),
        ("list_job.bin".into(), [list, job].concat()),
        (
            "response_error.bin".into(),
            frame(
                &Response::Hello {
                    version: protocol::PROTOCOL_VERSION,
                },
                &[],
            )?,
        ),
    ])
}

fn config_seeds() -> Seeds {
    let full = r#"{
  // Orthanc's option names
  "ConcurrentJobs": 0, "JobsHistorySize": 10, "SaveJobs": true, "MediaArchiveSize": 2,
  "MetricsEnabled": false, "StorageDirectory": "storage", "HttpPort": 8042,
  "RemoteAccessAllowed": true, "AuthenticationEnabled": true,
  "RegisteredUsers": {"alice": "secret"}, "HttpBodyLimit": 1048576,
  /* private tags */
  "Dictionary": {
    "0009,1001": ["LO", "SeedName", 1, 1, "SEED CREATOR"],
    "0011,1002": ["DS", "SeedValues", 1, 0, "OTHER"]
  },
  "UnknownOption": 1
}"#;
    vec![
        ("full.json".into(), full.as_bytes().to_vec()),
        ("empty.json".into(), b"{}".to_vec()),
        (
            "save_jobs_false.json".into(),
            br#"{"SaveJobs": false}"#.to_vec(),
        ),
    ]
}

/// ZIPs of DICOM files (stored and deflated, with a directory and an empty entry), and the
/// same gzip-compressed, as `POST /instances` takes them.
fn upload_seeds(dicom: &Seeds) -> Result<Seeds, Box<dyn std::error::Error>> {
    use std::io::Write;
    let mut seeds = Seeds::new();
    for method in [
        zip::CompressionMethod::Stored,
        zip::CompressionMethod::Deflated,
    ] {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default().compression_method(method);
        z.add_directory("dir/", opts)?;
        z.start_file("dir/empty", opts)?;
        for (name, bytes) in dicom.iter().take(2) {
            z.start_file(format!("dir/{name}"), opts)?;
            z.write_all(bytes)?;
        }
        let zip = z.finish()?.into_inner();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&zip)?;
        seeds.push((format!("{method:?}.zip"), zip));
        seeds.push((format!("{method:?}.zip.gz"), gz.finish()?));
    }
    Ok(seeds)
}

/// Command sets as peers send them and as dicomq answers.
fn dimse_seeds() -> Seeds {
    use dicomq::net::dimse::{Command, status};
    let store = Command::store_rq(7, uids::MR_IMAGE_STORAGE, "1.2.3.4.5");
    vec![
        ("echo_rq".into(), Command::echo_rq(1).encode()),
        (
            "echo_rsp".into(),
            Command::echo_rsp(1, status::SUCCESS).encode(),
        ),
        ("store_rq".into(), store.encode()),
        (
            "store_rsp".into(),
            Command::store_rsp(&store, status::CANNOT_UNDERSTAND, Some("truncated")).encode(),
        ),
        (
            "refusal".into(),
            Command::refusal(&store, status::UNRECOGNIZED_OPERATION, "no").encode(),
        ),
    ]
}

/// P-DATA PDUs as storescu sends them: an echo, and C-STORE of bare data sets (the files'
/// meta groups removed) in one and in several fragments.
fn scp_stream_seeds(dicom: &Seeds) -> Result<Seeds, Box<dyn std::error::Error>> {
    use dicom_ul::pdu::{PDataValue, PDataValueType, Pdu};
    use dicomq::net::dimse::Command;
    let pdu = |id: u8, kind: PDataValueType, last: bool, data: &[u8]| -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        dicom_ul::write_pdu(
            &mut out,
            &Pdu::PData {
                data: vec![PDataValue {
                    presentation_context_id: id,
                    value_type: kind,
                    is_last: last,
                    data: data.to_vec(),
                }],
            },
        )
        .map_err(std::io::Error::other)?;
        Ok(out)
    };
    let mut seeds = vec![(
        "echo".to_string(),
        pdu(
            1,
            PDataValueType::Command,
            true,
            &Command::echo_rq(1).encode(),
        )?,
    )];
    for (name, file) in dicom.iter().take(8) {
        let Ok(obj) = dicom_object::from_reader(Cursor::new(&file[128..])) else {
            continue;
        };
        let meta = obj.meta();
        let dataset = dataset_of(file);
        let (class, instance) = (
            meta.media_storage_sop_class_uid().trim_end_matches('\0'),
            meta.media_storage_sop_instance_uid().trim_end_matches('\0'),
        );
        let implicit =
            meta.transfer_syntax().trim_end_matches('\0') == uids::IMPLICIT_VR_LITTLE_ENDIAN;
        let id = if implicit { 2 } else { 1 };
        let mut stream = pdu(
            id,
            PDataValueType::Command,
            true,
            &Command::store_rq(1, class, instance).encode(),
        )?;
        let mut chunks = dataset.chunks(4000).peekable();
        while let Some(chunk) = chunks.next() {
            stream.extend(pdu(
                id,
                PDataValueType::Data,
                chunks.peek().is_none(),
                chunk,
            )?);
        }
        seeds.push((format!("store_{name}"), stream));
    }
    Ok(seeds)
}

/// The data set of a Part 10 file whose meta group starts with its group length.
fn dataset_of(file: &[u8]) -> &[u8] {
    let len = file
        .get(140..144)
        .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    file.get(144 + len..).unwrap_or_default()
}

/// Modify and anonymize bodies as Orthanc's scripts send them: replacements (a sequence, a
/// binary value, a private tag by number), removals, Force on an identifier, Keep, profiles.
fn modify_seeds() -> Seeds {
    [
        ("replace", r#"{"Replace":{"PatientName":"X^Y","StudyDescription":"s"}}"#),
        (
            "force",
            r#"{"Replace":{"StudyInstanceUID":"1.2.3.9"},"Force":true,"Remove":["StudyDate"]}"#,
        ),
        (
            "sequence",
            r#"{"Replace":{"ReferencedImageSequence":[{"ReferencedSOPInstanceUID":"1.2"}]}}"#,
        ),
        (
            "binary",
            r#"{"Replace":{"0009,1001":"data:application/octet-stream;base64,AAEC"},"PrivateCreator":"ACME"}"#,
        ),
        ("private", r#"{"Remove":["0009,1001"],"RemovePrivateTags":true}"#),
        (
            "anonymize",
            r#"{"Keep":["StudyDescription"],"KeepPrivateTags":true,"DicomVersion":"2017c"}"#,
        ),
        ("keep_source", r#"{"Resources":["a"],"Level":"Series","KeepSource":false}"#),
    ]
    .into_iter()
    .map(|(name, body)| (name.to_string(), body.as_bytes().to_vec()))
    .collect()
}
