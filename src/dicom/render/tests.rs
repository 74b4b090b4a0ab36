use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};

use super::*;

type Elem = DataElement<InMemDicomObject>;

fn us(tag: Tag, v: u16) -> Elem {
    DataElement::new(tag, VR::US, PrimitiveValue::from(v))
}

fn text(tag: Tag, vr: VR, v: &str) -> Elem {
    DataElement::new(tag, vr, PrimitiveValue::from(v))
}

fn object(ts: &str, elems: Vec<Elem>) -> DefaultDicomObject {
    InMemDicomObject::from_element_iter(elems)
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax(ts)
                .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.7")
                .media_storage_sop_instance_uid("1.2.3.4"),
        )
        .expect("meta")
}

/// A native grayscale image of `columns`×`rows`, `bits` stored in 16 bits allocated.
fn gray16(
    columns: u16,
    rows: u16,
    bits: u16,
    signed: bool,
    photometric: &str,
    values: &[u16],
    extra: Vec<Elem>,
) -> DefaultDicomObject {
    let mut elems = vec![
        us(tags::ROWS, rows),
        us(tags::COLUMNS, columns),
        us(tags::SAMPLES_PER_PIXEL, 1),
        us(tags::BITS_ALLOCATED, 16),
        us(tags::BITS_STORED, bits),
        us(tags::HIGH_BIT, bits - 1),
        us(tags::PIXEL_REPRESENTATION, u16::from(signed)),
        text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, photometric),
        DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::U16(values.iter().copied().collect()),
        ),
    ];
    elems.extend(extra);
    object(uids::EXPLICIT_VR_LITTLE_ENDIAN, elems)
}

fn luma(image: DynamicImage) -> Vec<u8> {
    match image {
        DynamicImage::ImageLuma8(g) => g.into_raw(),
        other => panic!("not grayscale: {:?}", other.color()),
    }
}

#[test]
fn a_16_bit_image_is_windowed_from_the_file_and_stretched_for_the_preview() {
    let obj = gray16(
        2,
        2,
        16,
        false,
        "MONOCHROME2",
        &[0, 200, 400, 1000],
        vec![
            text(tags::WINDOW_CENTER, VR::DS, "100\\500"),
            text(tags::WINDOW_WIDTH, VR::DS, "200\\800"),
        ],
    );
    let frame = decode(&obj, 0).expect("decodes");
    // scaling 255/200, offset 0: 200 → 255, truncated as Orthanc does.
    assert_eq!(
        luma(rendered(frame.clone(), Window::of(&obj), false)),
        [0, 255, 255, 255]
    );
    let w = Window {
        center: 300.0,
        width: 400.0,
        ..Window::of(&obj)
    };
    // offset -100, scaling 255/400: 200 → 63.75 → 63; 400 → 191.25 → 191.
    assert_eq!(luma(rendered(frame.clone(), w, false)), [0, 63, 191, 255]);
    // Min 0, max 1000: 200 → 51, 400 → 102.
    assert_eq!(luma(preview(frame, false)), [0, 51, 102, 255]);
}

#[test]
fn rescale_slope_and_intercept_apply_before_the_window() {
    let obj = gray16(
        3,
        1,
        12,
        false,
        "MONOCHROME2",
        &[400, 500, 600],
        vec![
            text(tags::RESCALE_SLOPE, VR::DS, "2"),
            text(tags::RESCALE_INTERCEPT, VR::DS, "-1000"),
            text(tags::WINDOW_CENTER, VR::DS, "0"),
            text(tags::WINDOW_WIDTH, VR::DS, "400"),
        ],
    );
    // Hounsfield 2v-1000: -200 (bottom of the window), 0 (centre), 200 (top).
    let out = luma(rendered(
        decode(&obj, 0).expect("decodes"),
        Window::of(&obj),
        false,
    ));
    assert_eq!(out, [0, 127, 255]);
}

#[test]
fn without_a_window_the_whole_stored_range_is_shown() {
    let obj = gray16(2, 1, 12, false, "MONOCHROME2", &[0, 4095], vec![]);
    let w = Window::of(&obj);
    assert_eq!((w.center, w.width), (2048.0, 4096.0));
    assert_eq!(
        luma(rendered(decode(&obj, 0).expect("decodes"), w, false)),
        [0, 254]
    );
}

#[test]
fn signed_values_and_bits_above_high_bit_are_decoded() {
    let raw: Vec<u16> = [-100_i16, 0, 100, 155].iter().map(|v| *v as u16).collect();
    let obj = gray16(4, 1, 16, true, "MONOCHROME2", &raw, vec![]);
    let Decoded::Gray { values, .. } = decode(&obj, 0).expect("decodes") else {
        panic!("gray")
    };
    assert_eq!(values, [-100, 0, 100, 155]);
    assert_eq!(
        luma(preview(decode(&obj, 0).expect("decodes"), false)),
        [0, 100, 200, 255]
    );
    // 12 bits stored: the 4 bits above HighBit are overlay garbage, masked out.
    let obj = gray16(2, 1, 12, false, "MONOCHROME2", &[0xF00A, 0x0FFF], vec![]);
    let Decoded::Gray { values, .. } = decode(&obj, 0).expect("decodes") else {
        panic!("gray")
    };
    assert_eq!(values, [10, 4095]);
    // Signed 12 bits: 0x800 is -2048.
    let obj = gray16(1, 1, 12, true, "MONOCHROME2", &[0x0800], vec![]);
    let Decoded::Gray { values, .. } = decode(&obj, 0).expect("decodes") else {
        panic!("gray")
    };
    assert_eq!(values, [-2048]);
}

#[test]
fn monochrome1_is_inverted() {
    let obj = gray16(2, 1, 16, false, "MONOCHROME1", &[0, 10], vec![]);
    assert!(inverted(&obj));
    assert_eq!(
        luma(preview(decode(&obj, 0).expect("decodes"), inverted(&obj))),
        [255, 0]
    );
}

fn rgb(planar: u16, data: &[u8]) -> DefaultDicomObject {
    rgb_of(8, planar, data)
}

fn rgb_of(bits: u16, planar: u16, data: &[u8]) -> DefaultDicomObject {
    object(
        uids::EXPLICIT_VR_LITTLE_ENDIAN,
        vec![
            us(tags::ROWS, 1),
            us(tags::COLUMNS, 2),
            us(tags::SAMPLES_PER_PIXEL, 3),
            us(tags::BITS_ALLOCATED, bits),
            us(tags::BITS_STORED, bits),
            us(tags::HIGH_BIT, bits - 1),
            us(tags::PIXEL_REPRESENTATION, 0),
            us(tags::PLANAR_CONFIGURATION, planar),
            text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "RGB"),
            DataElement::new(
                tags::PIXEL_DATA,
                VR::OB,
                PrimitiveValue::from(data.to_vec()),
            ),
        ],
    )
}

#[test]
fn rgb_in_both_planar_configurations() {
    let expect = [1, 3, 5, 2, 4, 6];
    let interleaved = rgb(0, &expect);
    let planar = rgb(1, &[1, 2, 3, 4, 5, 6]);
    for obj in [interleaved, planar] {
        let out = preview(decode(&obj, 0).expect("decodes"), false);
        assert_eq!(out.into_rgb8().into_raw(), expect);
    }
}

/// RGB48 keeps the high byte of each sample (Orthanc's conversion to RGB24).
#[test]
fn rgb_of_16_bits_keeps_the_high_bytes() {
    let words: [u16; 6] = [0x01ff, 0x0300, 0x05aa, 0x0200, 0x0400, 0x0600];
    let data: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let out = preview(decode(&rgb_of(16, 0, &data), 0).expect("decodes"), false);
    assert_eq!(out.into_rgb8().into_raw(), [1, 3, 5, 2, 4, 6]);
    let planar: [u16; 6] = [0x0100, 0x0200, 0x0300, 0x0400, 0x0500, 0x06ff];
    let data: Vec<u8> = planar.iter().flat_map(|w| w.to_le_bytes()).collect();
    let out = preview(decode(&rgb_of(16, 1, &data), 0).expect("decodes"), false);
    assert_eq!(out.into_rgb8().into_raw(), [1, 3, 5, 2, 4, 6]);
}

#[test]
fn frames_of_a_multi_frame_image() {
    let obj = gray16(
        2,
        1,
        16,
        false,
        "MONOCHROME2",
        &[1, 2, 30, 40],
        vec![text(tags::NUMBER_OF_FRAMES, VR::IS, "2")],
    );
    assert_eq!(frame_count(&obj), 2);
    let Decoded::Gray { values, .. } = decode(&obj, 1).expect("decodes") else {
        panic!("gray")
    };
    assert_eq!(values, [30, 40]);
    assert_eq!(raw_frame(&obj, 1).expect("raw"), [30, 0, 40, 0]);
    assert_eq!(
        decode(&obj, 2),
        Err(RenderError::NoSuchFrame {
            frame: 2,
            frames: 2
        })
    );
}

#[test]
fn pixel_data_shorter_than_declared_is_refused_before_allocating() {
    let obj = gray16(65535, 65535, 16, false, "MONOCHROME2", &[1, 2], vec![]);
    assert!(
        matches!(decode(&obj, 0), Err(RenderError::Malformed(m)) if m.contains("holds 4 bytes"))
    );
    let frames = gray16(
        2,
        1,
        16,
        false,
        "MONOCHROME2",
        &[1, 2],
        vec![text(tags::NUMBER_OF_FRAMES, VR::IS, "3")],
    );
    assert!(matches!(decode(&frames, 1), Err(RenderError::Malformed(_))));
}

#[test]
fn other_syntaxes_and_interpretations_are_named_in_the_refusal() {
    let mut obj = gray16(1, 1, 16, false, "MONOCHROME2", &[1], vec![]);
    obj.meta_mut().transfer_syntax = uids::JPEG2000_LOSSLESS.to_string();
    let err = decode(&obj, 0).expect_err("jpeg 2000");
    assert!(
        matches!(&err, RenderError::Unsupported(m) if m.contains(uids::JPEG2000_LOSSLESS)),
        "{err}"
    );
    let palette = gray16(1, 1, 16, false, "PALETTE COLOR", &[1], vec![]);
    assert!(
        matches!(decode(&palette, 0), Err(RenderError::Unsupported(m)) if m.contains("PALETTE COLOR"))
    );
    let no_rows = object(uids::EXPLICIT_VR_LITTLE_ENDIAN, vec![]);
    assert!(matches!(
        decode(&no_rows, 0),
        Err(RenderError::Malformed(_))
    ));
}

#[test]
fn jpeg_baseline_frames_are_decoded() {
    let mut jpeg = Vec::new();
    let source = GrayImage::from_fn(8, 8, |x, _| image::Luma([if x < 4 { 0 } else { 250 }]));
    DynamicImage::ImageLuma8(source)
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut jpeg, 100,
        ))
        .expect("encode");
    let elems = vec![
        us(tags::ROWS, 8),
        us(tags::COLUMNS, 8),
        us(tags::SAMPLES_PER_PIXEL, 1),
        us(tags::BITS_ALLOCATED, 8),
        us(tags::BITS_STORED, 8),
        us(tags::HIGH_BIT, 7),
        us(tags::PIXEL_REPRESENTATION, 0),
        text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
        DataElement::new(
            tags::PIXEL_DATA,
            VR::OB,
            dicom_core::value::PixelFragmentSequence::new(vec![], vec![jpeg.clone()]),
        ),
    ];
    let obj = object(uids::JPEG_BASELINE8_BIT, elems);
    assert_eq!(raw_frame(&obj, 0).expect("raw"), jpeg);
    let Decoded::Gray {
        width,
        height,
        values,
    } = decode(&obj, 0).expect("decodes")
    else {
        panic!("gray")
    };
    assert_eq!((width, height), (8, 8));
    assert!(values[0] < 10 && values[7] > 240, "{values:?}");
    // A frame larger than the image module declares is refused by the decoder's limits.
    let mut small = obj.clone();
    small.put(us(tags::ROWS, 4));
    assert!(matches!(decode(&small, 0), Err(RenderError::Malformed(_))));
    // Garbage in place of the JPEG: refused, no panic.
    let mut broken = obj;
    broken.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        dicom_core::value::PixelFragmentSequence::new(vec![], vec![vec![0xFF, 0xD8, 1, 2]]),
    ));
    assert!(matches!(decode(&broken, 0), Err(RenderError::Malformed(_))));
}

#[test]
fn encodes_png_and_jpeg() {
    let image = gray(2, 2, vec![0, 85, 170, 255]);
    let png = encode(&image, None).expect("png");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let back = image::load_from_memory(&png)
        .expect("reads")
        .into_luma8()
        .into_raw();
    assert_eq!(back, [0, 85, 170, 255]);
    let jpeg = encode(&image, Some(90)).expect("jpeg");
    assert_eq!(&jpeg[..2], [0xFF, 0xD8]);
}
