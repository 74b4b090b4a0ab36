//! Payloads: PDF checks and image decoding (PNG/JPEG recognised by their magic bytes).

use image::{DynamicImage, ImageFormat, ImageReader};
use std::io::Cursor;
use thiserror::Error;

/// Resource limits for create-dicom content (config `MaximumCreateDicomContentSize`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted content, in bytes: a PDF's size, or an image's decoded size (width ×
    /// height × bytes per decoded pixel, e.g. 8 for 16-bit RGBA), checked from the image header
    /// before any pixel is decoded. The new instance holds at most this much pixel data, and
    /// building it takes a small multiple of it in memory.
    pub max_content_bytes: u64,
}

impl Limits {
    /// 256 MiB.
    pub const DEFAULT_MAX_CONTENT_BYTES: u64 = 256 << 20;
    /// The config option that sets [`Limits::max_content_bytes`].
    pub const CONFIG_KEY: &'static str = "MaximumCreateDicomContentSize";
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_content_bytes: Self::DEFAULT_MAX_CONTENT_BYTES,
        }
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ContentError {
    #[error("empty PDF content")]
    EmptyPdf,
    #[error("not a PDF file (it does not start with %PDF-)")]
    NotPdf,
    #[error("empty image content")]
    EmptyImage,
    #[error("unsupported image format: expected PNG or JPEG content (first bytes {0})")]
    UnknownImageFormat(String),
    #[error("image is {width}x{height}: rows and columns must be at most 65535")]
    TooWide { width: u64, height: u64 },
    #[error(
        "image is {width}x{height}, {bytes} bytes once decoded, above the limit of {limit} bytes (config MaximumCreateDicomContentSize)"
    )]
    TooLarge {
        width: u64,
        height: u64,
        bytes: u64,
        limit: u64,
    },
    #[error(
        "PDF is {bytes} bytes, above the limit of {limit} bytes (config MaximumCreateDicomContentSize)"
    )]
    PdfTooLarge { bytes: u64, limit: u64 },
    #[error("image has zero width or height")]
    ZeroSize,
    #[error("corrupt or truncated {format} image: {detail}")]
    Corrupt {
        format: &'static str,
        detail: String,
    },
    #[error("unsupported {format} pixel format: {detail}")]
    Unsupported {
        format: &'static str,
        detail: String,
    },
}

/// Check a PDF payload (non-empty, starts with `%PDF-`, within the size limit).
pub fn check_pdf(bytes: &[u8], limits: &Limits) -> Result<(), ContentError> {
    if bytes.is_empty() {
        return Err(ContentError::EmptyPdf);
    }
    let size = bytes.len() as u64;
    if size > limits.max_content_bytes {
        return Err(ContentError::PdfTooLarge {
            bytes: size,
            limit: limits.max_content_bytes,
        });
    }
    if !bytes.starts_with(b"%PDF-") {
        return Err(ContentError::NotPdf);
    }
    Ok(())
}

/// The bytes padded with one NUL to an even length (the value of EncapsulatedDocument).
pub fn pad_even(bytes: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(bytes.len() + 1);
    v.extend_from_slice(bytes);
    if v.len() % 2 == 1 {
        v.push(0);
    }
    v
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
}

impl ImageKind {
    pub fn name(self) -> &'static str {
        match self {
            ImageKind::Png => "PNG",
            ImageKind::Jpeg => "JPEG",
        }
    }
}

/// Recognise PNG or JPEG by content.
pub fn sniff_image(bytes: &[u8]) -> Option<ImageKind> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageKind::Png)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageKind::Jpeg)
    } else {
        None
    }
}

/// Decoded samples, interleaved, row-major.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Samples {
    U8(Vec<u8>),
    /// Host-order words (written as little-endian OW).
    U16(Vec<u16>),
}

/// A decoded image, ready for the Image Pixel module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedImage {
    pub kind: ImageKind,
    pub columns: u16,
    pub rows: u16,
    /// 1 (MONOCHROME2) or 3 (RGB).
    pub samples_per_pixel: u16,
    /// 8 or 16.
    pub bits_allocated: u16,
    pub samples: Samples,
    /// Size of the decoder's output (what the limit was checked against).
    pub decoded_bytes: u64,
    pub warnings: Vec<String>,
}

/// Read the declared dimensions without decoding pixels.
pub fn image_dimensions(bytes: &[u8]) -> Result<(ImageKind, u64, u64), ContentError> {
    if bytes.is_empty() {
        return Err(ContentError::EmptyImage);
    }
    let kind = sniff_image(bytes).ok_or_else(|| {
        let head: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
        ContentError::UnknownImageFormat(head.join(" "))
    })?;
    match kind {
        ImageKind::Png => {
            // signature (8) + IHDR length (4) + "IHDR" (4) + width (4) + height (4)
            if bytes.len() < 24 || &bytes[12..16] != b"IHDR" {
                return Err(ContentError::Corrupt {
                    format: "PNG",
                    detail: "missing IHDR header".into(),
                });
            }
            let w = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
            let h = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
            Ok((kind, u64::from(w), u64::from(h)))
        }
        ImageKind::Jpeg => {
            if !jpeg_is_complete(bytes) {
                return Err(ContentError::Corrupt {
                    format: "JPEG",
                    detail: "premature end of JPEG data: the end-of-image marker is missing (truncated file?)"
                        .into(),
                });
            }
            let mut r = ImageReader::new(Cursor::new(bytes));
            r.set_format(ImageFormat::Jpeg);
            let (w, h) = r.into_dimensions().map_err(|e| ContentError::Corrupt {
                format: "JPEG",
                detail: e.to_string(),
            })?;
            Ok((kind, u64::from(w), u64::from(h)))
        }
    }
}

/// Refuse an image whose decoded form would take more than the limit (`bytes_per_pixel` as
/// the decoder will produce them).
fn check_size(w: u64, h: u64, bytes_per_pixel: u64, limits: &Limits) -> Result<(), ContentError> {
    if w == 0 || h == 0 {
        return Err(ContentError::ZeroSize);
    }
    if w > 65535 || h > 65535 {
        return Err(ContentError::TooWide {
            width: w,
            height: h,
        });
    }
    let bytes = w * h * bytes_per_pixel;
    if bytes > limits.max_content_bytes {
        return Err(ContentError::TooLarge {
            width: w,
            height: h,
            bytes,
            limit: limits.max_content_bytes,
        });
    }
    Ok(())
}

/// Whether a JPEG stream reaches its EOI marker. The decoder pads a truncated stream with gray
/// and reports success, where libjpeg warns "Premature end of JPEG file": walk the marker
/// segments (by their lengths) and the entropy-coded data (up to the next marker) instead.
pub fn jpeg_is_complete(bytes: &[u8]) -> bool {
    let mut i = 2; // after SOI
    loop {
        // skip to a marker: 0xFF (fill bytes allowed) followed by a marker code
        while i < bytes.len() && bytes[i] != 0xFF {
            i += 1;
        }
        while i < bytes.len() && bytes[i] == 0xFF {
            i += 1;
        }
        let Some(&marker) = bytes.get(i) else {
            return false;
        };
        i += 1;
        match marker {
            0xD9 => return true,
            // standalone markers (TEM, RSTn, SOI)
            0x01 | 0xD0..=0xD8 => continue,
            _ => {}
        }
        let Some(len) = bytes
            .get(i..i + 2)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
        else {
            return false;
        };
        if len < 2 || i + len > bytes.len() {
            return false;
        }
        i += len;
        if marker == 0xDA {
            // entropy-coded data: 0xFF 0x00 is a stuffed byte and RSTn markers belong to it
            loop {
                match (bytes.get(i), bytes.get(i + 1)) {
                    (Some(0xFF), Some(0x00 | 0xD0..=0xD7 | 0xFF)) => i += 1,
                    (Some(0xFF), Some(_)) => break,
                    (Some(_), _) => i += 1,
                    (None, _) => return false,
                }
            }
        }
    }
}

/// Decode a PNG or JPEG. The decoded size is checked against `limits` from the header, before
/// any pixel is decoded; a JPEG must be complete.
pub fn decode_image(bytes: &[u8], limits: &Limits) -> Result<DecodedImage, ContentError> {
    use image::ImageDecoder;
    let (kind, w, h) = image_dimensions(bytes)?;
    // at least one byte per pixel: refuses absurd headers before a decoder reads further
    check_size(w, h, 1, limits)?;
    let format = kind.name();
    let decode_error = |e: image::ImageError| match e {
        image::ImageError::Unsupported(u) => ContentError::Unsupported {
            format,
            detail: u.to_string(),
        },
        other => ContentError::Corrupt {
            format,
            detail: other.to_string(),
        },
    };
    let mut reader = ImageReader::new(Cursor::new(bytes));
    reader.set_format(match kind {
        ImageKind::Png => ImageFormat::Png,
        ImageKind::Jpeg => ImageFormat::Jpeg,
    });
    let mut il = image::Limits::default();
    il.max_image_width = Some(65535);
    il.max_image_height = Some(65535);
    // the decoded buffer plus decoder slack
    il.max_alloc = Some(limits.max_content_bytes.saturating_add(64 << 20));
    reader.limits(il);
    let decoder = reader.into_decoder().map_err(decode_error)?;
    let bytes_per_pixel = u64::from(decoder.color_type().bytes_per_pixel());
    check_size(w, h, bytes_per_pixel, limits)?;
    let decoded_bytes = w * h * bytes_per_pixel;
    // The decoders are third-party code on hostile bytes: zune-jpeg 0.5.15 panics on some
    // malformed JPEGs (an unwrap in its AVX2 IDCT, found by fuzzing). A panic there is a refusal
    // of the file, never the end of the process or of a daemon thread.
    let decoded = crate::contained_panic::contain(|| DynamicImage::from_decoder(decoder))
        .ok_or_else(|| ContentError::Corrupt {
            format,
            detail: "the decoder failed on it".into(),
        })?;
    let img = decoded.map_err(decode_error)?;
    let mut warnings = Vec::new();
    if kind == ImageKind::Png && png_is_palette(bytes) {
        warnings.push("palette PNG expanded to RGB".to_string());
    }
    let mut alpha = || warnings.push("alpha channel dropped".to_string());
    let (spp, bits, samples) = match img {
        DynamicImage::ImageLuma8(i) => (1, 8, Samples::U8(i.into_raw())),
        DynamicImage::ImageLumaA8(i) => {
            alpha();
            (
                1,
                8,
                Samples::U8(DynamicImage::ImageLumaA8(i).to_luma8().into_raw()),
            )
        }
        DynamicImage::ImageLuma16(i) => (1, 16, Samples::U16(i.into_raw())),
        DynamicImage::ImageLumaA16(i) => {
            alpha();
            (
                1,
                16,
                Samples::U16(DynamicImage::ImageLumaA16(i).to_luma16().into_raw()),
            )
        }
        DynamicImage::ImageRgb8(i) => (3, 8, Samples::U8(i.into_raw())),
        DynamicImage::ImageRgba8(i) => {
            alpha();
            (
                3,
                8,
                Samples::U8(DynamicImage::ImageRgba8(i).to_rgb8().into_raw()),
            )
        }
        DynamicImage::ImageRgb16(i) => (3, 16, Samples::U16(i.into_raw())),
        DynamicImage::ImageRgba16(i) => {
            alpha();
            (
                3,
                16,
                Samples::U16(DynamicImage::ImageRgba16(i).to_rgb16().into_raw()),
            )
        }
        other => {
            return Err(ContentError::Unsupported {
                format,
                detail: format!("{:?}", other.color()),
            });
        }
    };
    // dimensions were checked above to fit in u16
    let columns = u16::try_from(w).map_err(|_| ContentError::TooWide {
        width: w,
        height: h,
    })?;
    let rows = u16::try_from(h).map_err(|_| ContentError::TooWide {
        width: w,
        height: h,
    })?;
    Ok(DecodedImage {
        kind,
        columns,
        rows,
        samples_per_pixel: spp,
        bits_allocated: bits,
        samples,
        decoded_bytes,
        warnings,
    })
}

/// PNG colour type 3 (indexed) in IHDR.
fn png_is_palette(bytes: &[u8]) -> bool {
    bytes.len() > 25 && &bytes[12..16] == b"IHDR" && bytes[25] == 3
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use image::{ExtendedColorType, ImageEncoder};

    pub(crate) fn encode_png(w: u32, h: u32, data: &[u8], color: ExtendedColorType) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(data, w, h, color)
            .unwrap();
        out
    }

    pub(crate) fn palette_png(w: u32, h: u32) -> (Vec<u8>, Vec<u8>) {
        let palette: Vec<u8> = vec![255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30];
        let idx: Vec<u8> = (0..w * h).map(|i| (i % 4) as u8).collect();
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, w, h);
            enc.set_color(png::ColorType::Indexed);
            enc.set_depth(png::BitDepth::Eight);
            enc.set_palette(palette.clone());
            let mut wr = enc.write_header().unwrap();
            wr.write_image_data(&idx).unwrap();
        }
        let rgb: Vec<u8> = idx
            .iter()
            .flat_map(|&i| palette[i as usize * 3..i as usize * 3 + 3].to_vec())
            .collect();
        (out, rgb)
    }

    pub(crate) fn gradient(n: usize, channels: usize) -> Vec<u8> {
        (0..n * channels).map(|i| (i * 7 % 251) as u8).collect()
    }

    fn ne16(v: &[u16]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_ne_bytes()).collect()
    }

    #[test]
    fn pdf_checks_and_padding() {
        let l = Limits::default();
        assert_eq!(check_pdf(b"", &l), Err(ContentError::EmptyPdf));
        assert_eq!(check_pdf(b"hello", &l), Err(ContentError::NotPdf));
        assert!(check_pdf(b"%PDF-1.4\n", &l).is_ok());
        let tiny = Limits {
            max_content_bytes: 8,
        };
        assert_eq!(
            check_pdf(b"%PDF-1.4\n", &tiny),
            Err(ContentError::PdfTooLarge { bytes: 9, limit: 8 })
        );
        assert!(
            ContentError::PdfTooLarge { bytes: 9, limit: 8 }
                .to_string()
                .contains("MaximumCreateDicomContentSize")
        );
        assert!(ContentError::NotPdf.to_string().contains("not a PDF file"));
        assert_eq!(pad_even(b"abc"), b"abc\0");
        assert_eq!(pad_even(b"ab"), b"ab");
    }

    #[test]
    fn png_variants_decode_to_expected_pixels() {
        let (w, h) = (5u32, 3u32);
        let n = (w * h) as usize;
        let l = Limits::default();

        let g8 = gradient(n, 1);
        let d = decode_image(&encode_png(w, h, &g8, ExtendedColorType::L8), &l).unwrap();
        assert_eq!(
            (d.samples_per_pixel, d.bits_allocated, d.columns, d.rows),
            (1, 8, 5, 3)
        );
        assert_eq!(d.samples, Samples::U8(g8.clone()));
        assert!(d.warnings.is_empty());

        let g16: Vec<u16> = (0..n).map(|i| (i as u16) * 4000 + 1).collect();
        let d = decode_image(&encode_png(w, h, &ne16(&g16), ExtendedColorType::L16), &l).unwrap();
        assert_eq!((d.samples_per_pixel, d.bits_allocated), (1, 16));
        assert_eq!(d.samples, Samples::U16(g16.clone()));

        let rgb = gradient(n, 3);
        let d = decode_image(&encode_png(w, h, &rgb, ExtendedColorType::Rgb8), &l).unwrap();
        assert_eq!((d.samples_per_pixel, d.bits_allocated), (3, 8));
        assert_eq!(d.samples, Samples::U8(rgb.clone()));

        let rgba = gradient(n, 4);
        let d = decode_image(&encode_png(w, h, &rgba, ExtendedColorType::Rgba8), &l).unwrap();
        let expect: Vec<u8> = rgba.chunks(4).flat_map(|p| p[..3].to_vec()).collect();
        assert_eq!(d.samples, Samples::U8(expect));
        assert_eq!(d.samples_per_pixel, 3);
        assert!(d.warnings.iter().any(|w| w.contains("alpha")));

        let la = gradient(n, 2);
        let d = decode_image(&encode_png(w, h, &la, ExtendedColorType::La8), &l).unwrap();
        let expect: Vec<u8> = la.chunks(2).map(|p| p[0]).collect();
        assert_eq!(d.samples, Samples::U8(expect));
        assert!(d.warnings.iter().any(|w| w.contains("alpha")));

        let rgba16: Vec<u16> = (0..n * 4).map(|i| (i as u16) * 1000).collect();
        let d = decode_image(
            &encode_png(w, h, &ne16(&rgba16), ExtendedColorType::Rgba16),
            &l,
        )
        .unwrap();
        let expect: Vec<u16> = rgba16.chunks(4).flat_map(|p| p[..3].to_vec()).collect();
        assert_eq!((d.samples_per_pixel, d.bits_allocated), (3, 16));
        assert_eq!(d.samples, Samples::U16(expect));

        let rgb16: Vec<u16> = (0..n * 3).map(|i| (i as u16) * 999).collect();
        let d = decode_image(
            &encode_png(w, h, &ne16(&rgb16), ExtendedColorType::Rgb16),
            &l,
        )
        .unwrap();
        assert_eq!(d.samples, Samples::U16(rgb16));

        let (pal, expect) = palette_png(w, h);
        let d = decode_image(&pal, &l).unwrap();
        assert_eq!((d.samples_per_pixel, d.bits_allocated), (3, 8));
        assert_eq!(d.samples, Samples::U8(expect));
        assert!(d.warnings.iter().any(|w| w.contains("palette")));
    }

    #[test]
    fn jpeg_decodes_like_image_crate() {
        let (w, h) = (16u32, 8u32);
        let rgb = gradient((w * h) as usize, 3);
        let mut jpg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpg, 90)
            .write_image(&rgb, w, h, ExtendedColorType::Rgb8)
            .unwrap();
        let reference = image::load_from_memory(&jpg).unwrap().to_rgb8().into_raw();
        let d = decode_image(&jpg, &Limits::default()).unwrap();
        assert_eq!(d.kind, ImageKind::Jpeg);
        assert_eq!(
            (d.samples_per_pixel, d.bits_allocated, d.columns, d.rows),
            (3, 8, 16, 8)
        );
        assert_eq!(d.samples, Samples::U8(reference));

        let gray = gradient((w * h) as usize, 1);
        let mut jpg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut jpg)
            .write_image(&gray, w, h, ExtendedColorType::L8)
            .unwrap();
        let d = decode_image(&jpg, &Limits::default()).unwrap();
        assert_eq!(d.samples_per_pixel, 1);

        // truncated JPEG
        let cut = &jpg[..jpg.len() / 3];
        match decode_image(cut, &Limits::default()) {
            Err(ContentError::Corrupt { format: "JPEG", .. }) => {}
            other => panic!("truncated JPEG: {other:?}"),
        }
    }

    /// A PNG whose IHDR declares `w`×`h`, with no image data at all.
    pub(crate) fn huge_png(w: u32, h: u32) -> Vec<u8> {
        let mut v = b"\x89PNG\r\n\x1a\n".to_vec();
        v.extend_from_slice(&13u32.to_be_bytes());
        v.extend_from_slice(b"IHDR");
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&h.to_be_bytes());
        v.extend_from_slice(&[8, 2, 0, 0, 0]);
        v.extend_from_slice(&[0, 0, 0, 0]); // CRC (never checked: refused before decoding)
        v
    }

    #[test]
    fn enormous_dimensions_refused_before_decoding() {
        let l = Limits::default();
        match decode_image(&huge_png(100_000, 100_000), &l) {
            Err(ContentError::TooWide {
                width: 100_000,
                height: 100_000,
            }) => {}
            other => panic!("{other:?}"),
        }
        match decode_image(&huge_png(60_000, 60_000), &l) {
            Err(ContentError::TooLarge { bytes, .. }) => assert_eq!(bytes, 3_600_000_000),
            other => panic!("{other:?}"),
        }
        // 4x4 gray: 16 bytes decoded; 4x4 RGB: 48 (the bytes per pixel count, not the pixels)
        let small = Limits {
            max_content_bytes: 20,
        };
        let gray = encode_png(4, 4, &gradient(16, 1), ExtendedColorType::L8);
        assert!(decode_image(&gray, &small).is_ok());
        let rgb = encode_png(4, 4, &gradient(16, 3), ExtendedColorType::Rgb8);
        match decode_image(&rgb, &small) {
            Err(
                e @ ContentError::TooLarge {
                    bytes: 48,
                    limit: 20,
                    ..
                },
            ) => {
                let msg = e.to_string();
                assert!(
                    msg.contains("48 bytes") && msg.contains("20 bytes"),
                    "{msg}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    fn rgb_jpeg(w: u32, h: u32) -> Vec<u8> {
        let mut jpg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpg, 90)
            .write_image(
                &gradient((w * h) as usize, 3),
                w,
                h,
                ExtendedColorType::Rgb8,
            )
            .unwrap();
        jpg
    }

    /// Issue 11, defect 11: the decoder pads a cut JPEG and reports success.
    #[test]
    fn truncated_jpeg_is_refused_like_libjpeg_warns() {
        let jpg = rgb_jpeg(128, 96);
        assert!(jpeg_is_complete(&jpg));
        assert!(!jpeg_is_complete(&jpg[..4]));
        for cut in [
            jpg.len() / 2,
            jpg.len() * 3 / 4,
            jpg.len() - 2,
            jpg.len() - 1,
        ] {
            assert!(!jpeg_is_complete(&jpg[..cut]), "{cut}");
            match decode_image(&jpg[..cut], &Limits::default()) {
                Err(e @ ContentError::Corrupt { format: "JPEG", .. }) => {
                    assert!(e.to_string().contains("premature end of JPEG data"), "{e}");
                }
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
        // bytes after the EOI marker (seen in the wild) do not make a complete JPEG truncated
        let mut trailing = jpg.clone();
        trailing.extend_from_slice(b"\0\0junk");
        assert!(decode_image(&trailing, &Limits::default()).is_ok());
        // an EOI inside an APP segment (e.g. an EXIF thumbnail) is skipped by its length
        let mut app = jpg[..2].to_vec();
        app.extend_from_slice(&[0xFF, 0xE1, 0x00, 0x06, 0xFF, 0xD9, 0xFF, 0xD9]);
        app.extend_from_slice(&jpg[2..jpg.len() / 2]);
        assert!(!jpeg_is_complete(&app));
    }

    /// Issue 11, defect 11: a 16384x16384 16-bit RGBA PNG (2 GiB decoded) is refused from its
    /// header, before any pixel is decoded.
    #[test]
    fn huge_16bit_rgba_png_is_refused_from_its_header() {
        let mut png_bytes = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut png_bytes, 16384, 16384);
            enc.set_color(png::ColorType::Rgba);
            enc.set_depth(png::BitDepth::Sixteen);
            // one small IDAT chunk: a decoder reads the header chunks up to the first IDAT
            let mut w = enc.write_header().unwrap();
            w.write_chunk(png::chunk::IDAT, &[0x78, 0x9c, 0x03, 0x00])
                .unwrap();
        }
        match decode_image(&png_bytes, &Limits::default()) {
            Err(e @ ContentError::TooLarge { bytes, limit, .. }) => {
                assert_eq!(bytes, 16384 * 16384 * 8);
                assert_eq!(limit, Limits::DEFAULT_MAX_CONTENT_BYTES);
                assert!(e.to_string().contains("16384x16384"), "{e}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn truncated_and_unknown_images() {
        let png = encode_png(32, 32, &gradient(1024, 3), ExtendedColorType::Rgb8);
        for cut in [png.len() / 2, 40, 20, 8] {
            let e = decode_image(&png[..cut], &Limits::default()).unwrap_err();
            assert!(
                matches!(e, ContentError::Corrupt { format: "PNG", .. }),
                "{cut}: {e:?}"
            );
        }
        let mut garbage = b"\x89PNG\r\n\x1a\n".to_vec();
        garbage.extend_from_slice(&[0x42; 100]);
        assert!(matches!(
            decode_image(&garbage, &Limits::default()),
            Err(ContentError::Corrupt { .. })
        ));
        assert!(matches!(
            decode_image(b"GIF89a....", &Limits::default()),
            Err(ContentError::UnknownImageFormat(_))
        ));
        assert_eq!(
            decode_image(b"", &Limits::default()),
            Err(ContentError::EmptyImage)
        );
    }
}
