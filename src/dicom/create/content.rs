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
    #[error("empty {format} content")]
    EmptyModel { format: &'static str },
    #[error("not an {format} 3D model: {detail}")]
    BadModel {
        format: &'static str,
        detail: String,
    },
    #[error(
        "{format} is {bytes} bytes, above the limit of {limit} bytes (config MaximumCreateDicomContentSize)"
    )]
    ModelTooLarge {
        format: &'static str,
        bytes: u64,
        limit: u64,
    },
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

/// The 3D model formats Orthanc 1.12 encapsulates (`data:model/stl|obj|mtl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ModelKind {
    Stl,
    Obj,
    Mtl,
}

impl ModelKind {
    /// The kind of a lower-cased MIME type.
    pub fn from_mime(mime: &str) -> Option<ModelKind> {
        match mime {
            "model/stl" => Some(ModelKind::Stl),
            "model/obj" => Some(ModelKind::Obj),
            "model/mtl" => Some(ModelKind::Mtl),
            _ => None,
        }
    }

    /// The kind of a file name's extension (case-insensitive).
    pub fn from_extension(ext: &str) -> Option<ModelKind> {
        Self::from_mime(&format!("model/{}", ext.to_ascii_lowercase()))
    }

    pub fn mime(self) -> &'static str {
        match self {
            ModelKind::Stl => "model/stl",
            ModelKind::Obj => "model/obj",
            ModelKind::Mtl => "model/mtl",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Stl => "STL",
            ModelKind::Obj => "OBJ",
            ModelKind::Mtl => "MTL",
        }
    }

    /// Encapsulated STL, OBJ and MTL Storage.
    pub fn sop_class_uid(self) -> &'static str {
        match self {
            ModelKind::Stl => "1.2.840.10008.5.1.4.1.1.104.3",
            ModelKind::Obj => "1.2.840.10008.5.1.4.1.1.104.4",
            ModelKind::Mtl => "1.2.840.10008.5.1.4.1.1.104.5",
        }
    }
}

/// How an STL's bytes read: an ASCII STL starts with `solid`; a binary one is an 80-byte
/// header, a triangle count and 50 bytes per triangle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StlShape {
    Ascii,
    Binary,
    /// Text that is not an ASCII STL.
    OtherText,
    /// Bytes that are neither.
    OtherBinary,
}

/// UTF-8 without control characters other than white space: what a text model file holds.
fn is_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok()
        && bytes
            .iter()
            .all(|&b| b >= 0x20 || matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
}

pub fn stl_shape(bytes: &[u8]) -> StlShape {
    let text = is_text(bytes);
    if text && bytes.trim_ascii_start().starts_with(b"solid") {
        return StlShape::Ascii;
    }
    if let Some(count) = bytes.get(80..84) {
        let count = u64::from(u32::from_le_bytes([count[0], count[1], count[2], count[3]]));
        if 84 + 50 * count == bytes.len() as u64 {
            return StlShape::Binary;
        }
    }
    if text {
        StlShape::OtherText
    } else {
        StlShape::OtherBinary
    }
}

/// Check a 3D model payload; the answer holds warnings. Orthanc stores any bytes (its own test
/// encapsulates "Hello, world" as STL, OBJ and MTL), so text that is no STL is only warned
/// about; what cannot be a model at all is refused: no bytes, binary bytes that are no binary
/// STL, an OBJ or MTL that is not text.
pub fn check_model(
    kind: ModelKind,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Vec<String>, ContentError> {
    let format = kind.name();
    if bytes.is_empty() {
        return Err(ContentError::EmptyModel { format });
    }
    let size = bytes.len() as u64;
    // EncapsulatedDocumentLength is a UL
    if size > limits.max_content_bytes || size > u64::from(u32::MAX - 1) {
        return Err(ContentError::ModelTooLarge {
            format,
            bytes: size,
            limit: limits.max_content_bytes.min(u64::from(u32::MAX - 1)),
        });
    }
    let mut warnings = Vec::new();
    match kind {
        ModelKind::Stl => match stl_shape(bytes) {
            StlShape::Ascii | StlShape::Binary => {}
            StlShape::OtherText => warnings.push(
                "the STL content is text that does not start with \"solid\": stored as given"
                    .to_string(),
            ),
            StlShape::OtherBinary => {
                return Err(ContentError::BadModel {
                    format,
                    detail: format!(
                        "{size} bytes: neither an ASCII STL (text starting with \"solid\") nor a binary STL (80-byte header, a triangle count, 50 bytes per triangle)"
                    ),
                });
            }
        },
        ModelKind::Obj | ModelKind::Mtl => {
            if !is_text(bytes) {
                return Err(ContentError::BadModel {
                    format,
                    detail: "not a text file (control characters or invalid UTF-8)".into(),
                });
            }
        }
    }
    Ok(warnings)
}

/// What a JPEG's header says, read without decoding the scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JpegInfo {
    pub columns: u16,
    pub rows: u16,
    /// 1 or 3.
    pub components: u16,
    /// Sample precision: 8, or 12 (extended process).
    pub precision: u16,
    /// SOF1 (extended) rather than SOF0 (baseline).
    pub extended: bool,
    pub photometric: &'static str,
}

impl JpegInfo {
    /// The transfer syntax of the bitstream: JPEG Baseline (Process 1), or JPEG Extended
    /// (Process 2 & 4).
    pub fn transfer_syntax(&self) -> &'static str {
        if self.extended {
            "1.2.840.10008.1.2.4.51"
        } else {
            "1.2.840.10008.1.2.4.50"
        }
    }
}

fn jpeg_refused(detail: impl Into<String>) -> ContentError {
    ContentError::Unsupported {
        format: "JPEG",
        detail: detail.into(),
    }
}

fn jpeg_corrupt(detail: impl Into<String>) -> ContentError {
    ContentError::Corrupt {
        format: "JPEG",
        detail: detail.into(),
    }
}

/// Read the frame header (SOF) of a JPEG to encapsulate it as it is. Only the transfer syntaxes
/// whose bitstream it is are accepted: baseline (SOF0) and extended sequential Huffman (SOF1).
/// The stream must be complete (the same walk as [`jpeg_is_complete`]).
pub fn jpeg_info(bytes: &[u8], limits: &Limits) -> Result<JpegInfo, ContentError> {
    if bytes.is_empty() {
        return Err(ContentError::EmptyImage);
    }
    if sniff_image(bytes) != Some(ImageKind::Jpeg) {
        let head: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
        return Err(jpeg_corrupt(format!(
            "Encapsulate needs JPEG content (starting ff d8 ff), the first bytes are {}",
            head.join(" ")
        )));
    }
    if !jpeg_is_complete(bytes) {
        return Err(jpeg_corrupt(
            "premature end of JPEG data: the end-of-image marker is missing (truncated file?)",
        ));
    }
    let mut adobe_transform = None;
    let mut i = 2;
    loop {
        while bytes.get(i) == Some(&0xFF) && bytes.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        let (Some(0xFF), Some(&marker)) = (bytes.get(i), bytes.get(i + 1)) else {
            return Err(jpeg_corrupt(
                "no frame header (SOF marker) before the image data",
            ));
        };
        i += 2;
        if matches!(marker, 0x01 | 0xD0..=0xD7) {
            continue;
        }
        if matches!(marker, 0xD9 | 0xDA) {
            return Err(jpeg_corrupt(
                "no frame header (SOF marker) before the image data",
            ));
        }
        let len = bytes
            .get(i..i + 2)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
            .filter(|&l| l >= 2)
            .ok_or_else(|| jpeg_corrupt("bad marker segment length"))?;
        let seg = bytes
            .get(i + 2..i + len)
            .ok_or_else(|| jpeg_corrupt("marker segment past the end of the data"))?;
        i += len;
        match marker {
            // APP14 "Adobe": its transform byte says whether 3 components are RGB (0) or YCbCr
            0xEE if seg.len() >= 12 && seg.starts_with(b"Adobe") => {
                adobe_transform = Some(seg[11]);
            }
            0xC0 | 0xC1 => return frame_info(marker, seg, adobe_transform, limits),
            0xC2 | 0xC6 | 0xCA | 0xCE => {
                return Err(jpeg_refused(
                    "progressive JPEG: no DICOM transfer syntax in use keeps it as it is (re-encode it as baseline, or send it without Encapsulate to store it decoded)",
                ));
            }
            0xC3 | 0xC5 | 0xC7 | 0xCB | 0xCD | 0xCF => {
                return Err(jpeg_refused(
                    "lossless or hierarchical JPEG cannot be encapsulated (only baseline and extended sequential JPEG)",
                ));
            }
            0xC9 => {
                return Err(jpeg_refused(
                    "arithmetic-coded JPEG cannot be encapsulated (only Huffman-coded baseline and extended JPEG)",
                ));
            }
            _ => {}
        }
    }
}

fn frame_info(
    marker: u8,
    seg: &[u8],
    adobe_transform: Option<u8>,
    limits: &Limits,
) -> Result<JpegInfo, ContentError> {
    let short = || jpeg_corrupt("truncated frame header");
    let header = seg.get(..6).ok_or_else(short)?;
    let precision = u16::from(header[0]);
    let rows = u16::from_be_bytes([header[1], header[2]]);
    let columns = u16::from_be_bytes([header[3], header[4]]);
    let n = usize::from(header[5]);
    let comps = seg.get(6..6 + 3 * n).ok_or_else(short)?;
    if rows == 0 {
        return Err(jpeg_refused(
            "the frame header declares 0 lines (height given later by a DNL marker)",
        ));
    }
    check_size(
        u64::from(columns),
        u64::from(rows),
        (n as u64) * if precision > 8 { 2 } else { 1 },
        limits,
    )?;
    let extended = marker == 0xC1;
    match (extended, precision) {
        (false, 8) | (true, 8 | 12) => {}
        (_, p) => {
            return Err(jpeg_corrupt(format!(
                "sample precision {p} is not valid for a {} JPEG",
                if extended { "extended" } else { "baseline" }
            )));
        }
    }
    let photometric = match n {
        1 => "MONOCHROME2",
        3 if adobe_transform == Some(0) => "RGB",
        3 => {
            let sampling: Vec<u8> = comps.chunks(3).map(|c| c[1]).collect();
            if sampling.iter().all(|&s| s == 0x11) {
                "YBR_FULL"
            } else {
                "YBR_FULL_422"
            }
        }
        other => {
            return Err(jpeg_refused(format!(
                "{other} colour components: only grayscale (1) or colour (3) JPEG can be encapsulated"
            )));
        }
    };
    Ok(JpegInfo {
        columns,
        rows,
        components: n as u16,
        precision,
        extended,
        photometric,
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

    /// A JPEG of `w`×`h` with `components` 1 or 3 (the encoder writes baseline, 4:2:0 colour).
    pub(crate) fn jpeg(w: u32, h: u32, components: usize) -> Vec<u8> {
        let color = if components == 1 {
            ExtendedColorType::L8
        } else {
            ExtendedColorType::Rgb8
        };
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .write_image(&gradient((w * h) as usize, components), w, h, color)
            .unwrap();
        out
    }

    /// The offset of the first SOF marker's code byte.
    fn sof_at(jpg: &[u8]) -> usize {
        (2..jpg.len())
            .find(|&i| jpg[i - 1] == 0xFF && matches!(jpg[i], 0xC0..=0xC3))
            .unwrap()
    }

    #[test]
    fn jpeg_header_is_read_without_decoding() {
        let l = Limits::default();
        let rgb = jpeg(40, 24, 3);
        let info = jpeg_info(&rgb, &l).unwrap();
        assert_eq!(
            (info.columns, info.rows, info.components, info.precision),
            (40, 24, 3, 8)
        );
        // this encoder does not subsample: YBR_FULL
        assert_eq!(info.photometric, "YBR_FULL");
        assert_eq!(info.transfer_syntax(), "1.2.840.10008.1.2.4.50");
        let gray = jpeg(40, 24, 1);
        let info = jpeg_info(&gray, &l).unwrap();
        assert_eq!((info.components, info.photometric), (1, "MONOCHROME2"));

        // subsampled chroma (luma sampled 2x2): YBR_FULL_422, as Orthanc writes for colour
        let sof = sof_at(&rgb);
        let mut sub = rgb.clone();
        sub[sof + 10] = 0x22;
        assert_eq!(jpeg_info(&sub, &l).unwrap().photometric, "YBR_FULL_422");
        // an Adobe segment saying "no transform": RGB
        let mut adobe = rgb[..2].to_vec();
        adobe.extend_from_slice(&[0xFF, 0xEE, 0x00, 0x0E]);
        adobe.extend_from_slice(b"Adobe\x00\x64\x00\x00\x00\x00\x00");
        adobe.extend_from_slice(&rgb[2..]);
        assert_eq!(jpeg_info(&adobe, &l).unwrap().photometric, "RGB");

        // SOF1: extended, its own transfer syntax
        let mut ext = rgb.clone();
        ext[sof] = 0xC1;
        let info = jpeg_info(&ext, &l).unwrap();
        assert_eq!(info.transfer_syntax(), "1.2.840.10008.1.2.4.51");

        // progressive, lossless: refused, saying why
        for (code, needle) in [(0xC2, "progressive"), (0xC3, "lossless")] {
            let mut other = rgb.clone();
            other[sof] = code;
            let e = jpeg_info(&other, &l).unwrap_err();
            assert!(
                matches!(e, ContentError::Unsupported { .. }) && e.to_string().contains(needle),
                "{e}"
            );
        }
        // a baseline frame with 12-bit samples is no baseline JPEG
        let mut p12 = rgb.clone();
        p12[sof + 3] = 12;
        assert!(matches!(
            jpeg_info(&p12, &l),
            Err(ContentError::Corrupt { .. })
        ));
    }

    #[test]
    fn bad_jpegs_to_encapsulate_are_refused() {
        let l = Limits::default();
        let rgb = jpeg(40, 24, 3);
        // truncated
        let e = jpeg_info(&rgb[..rgb.len() / 2], &l).unwrap_err();
        assert!(e.to_string().contains("premature end"), "{e}");
        // no SOF: SOI, a comment, EOI
        let no_sof = [0xFF, 0xD8, 0xFF, 0xFE, 0x00, 0x04, b'h', b'i', 0xFF, 0xD9];
        let e = jpeg_info(&no_sof, &l).unwrap_err();
        assert!(e.to_string().contains("no frame header"), "{e}");
        // a PNG
        let png = encode_png(4, 4, &gradient(16, 1), ExtendedColorType::L8);
        let e = jpeg_info(&png, &l).unwrap_err();
        assert!(e.to_string().contains("89 50 4e 47"), "{e}");
        assert_eq!(jpeg_info(b"", &l), Err(ContentError::EmptyImage));
        // a header that lies about the size is refused from the header
        let mut huge = rgb.clone();
        let sof = sof_at(&huge);
        huge[sof + 4..sof + 8].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
        assert!(matches!(
            jpeg_info(&huge, &l),
            Err(ContentError::TooLarge { .. })
        ));
        // zero lines (DNL) is refused
        let mut dnl = rgb.clone();
        dnl[sof + 4..sof + 6].copy_from_slice(&[0, 0]);
        assert!(matches!(
            jpeg_info(&dnl, &l),
            Err(ContentError::Unsupported { .. })
        ));
    }

    pub(crate) fn binary_stl(triangles: u32) -> Vec<u8> {
        let mut v = vec![b' '; 80];
        v.extend_from_slice(&triangles.to_le_bytes());
        v.extend(std::iter::repeat_n(0u8, 50 * triangles as usize));
        v
    }

    #[test]
    fn models_are_checked_for_what_they_cannot_be() {
        let l = Limits::default();
        assert_eq!(stl_shape(b"solid cube\nendsolid cube\n"), StlShape::Ascii);
        assert_eq!(stl_shape(&binary_stl(2)), StlShape::Binary);
        assert_eq!(stl_shape(b"Hello, world"), StlShape::OtherText);
        assert_eq!(stl_shape(&[0, 1, 2]), StlShape::OtherBinary);
        let mut cut = binary_stl(2);
        cut.pop();
        assert_eq!(stl_shape(&cut), StlShape::OtherBinary);

        assert!(
            check_model(ModelKind::Stl, &binary_stl(1), &l)
                .unwrap()
                .is_empty()
        );
        // Orthanc's own test stores "Hello, world" as an STL: kept, with a warning
        let w = check_model(ModelKind::Stl, b"Hello, world", &l).unwrap();
        assert!(w[0].contains("solid"), "{w:?}");
        let e = check_model(ModelKind::Stl, &[0, 1, 2], &l).unwrap_err();
        assert!(
            e.to_string().contains("3 bytes") && e.to_string().contains("STL"),
            "{e}"
        );
        assert_eq!(
            check_model(ModelKind::Obj, b"", &l),
            Err(ContentError::EmptyModel { format: "OBJ" })
        );
        let e = check_model(ModelKind::Mtl, b"newmtl\0", &l).unwrap_err();
        assert!(
            e.to_string().contains("MTL") && e.to_string().contains("text"),
            "{e}"
        );
        assert!(
            check_model(ModelKind::Obj, b"v 0 0 0\n", &l)
                .unwrap()
                .is_empty()
        );
        let tiny = Limits {
            max_content_bytes: 4,
        };
        assert!(matches!(
            check_model(ModelKind::Obj, b"v 0 0 0\n", &tiny),
            Err(ContentError::ModelTooLarge { bytes: 8, .. })
        ));
        assert_eq!(ModelKind::from_extension("STL"), Some(ModelKind::Stl));
        assert_eq!(ModelKind::from_extension("ply"), None);
    }

    /// Issue 13: every 16-bit colour type, and Orthanc's own 16-bit RGBA test image.
    #[test]
    fn sixteen_bit_pngs_of_every_colour_type() {
        let l = Limits::default();
        let fixture = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/orthanc-tests/Png16RBGATest.png"),
        )
        .unwrap();
        let d = decode_image(&fixture, &l).unwrap();
        assert_eq!(
            (d.columns, d.rows, d.samples_per_pixel, d.bits_allocated),
            (32, 32, 3, 16)
        );
        assert!(d.warnings.iter().any(|w| w.contains("alpha")));
        let n = 12;
        let la16: Vec<u16> = (0..n * 2).map(|i| (i as u16) * 2711).collect();
        let d = decode_image(&encode_png(4, 3, &ne16(&la16), ExtendedColorType::La16), &l).unwrap();
        let expect: Vec<u16> = la16.chunks(2).map(|p| p[0]).collect();
        assert_eq!((d.samples_per_pixel, d.bits_allocated), (1, 16));
        assert_eq!(d.samples, Samples::U16(expect));
        assert_eq!(d.decoded_bytes, 12 * 4);
    }

    /// Hostile bytes: every cut and every single-byte change of a JPEG's headers is answered
    /// (accepted or refused), never a panic.
    #[test]
    fn jpeg_info_survives_cuts_and_mutations() {
        let l = Limits::default();
        let jpg = jpeg(16, 8, 3);
        for cut in 0..jpg.len() {
            let _ = jpeg_info(&jpg[..cut], &l);
        }
        let head = jpg.len().min(700);
        for at in 0..head {
            for v in [0x00, 0x01, 0x7F, 0xC0, 0xC2, 0xD9, 0xDA, 0xFF] {
                let mut m = jpg.clone();
                m[at] = v;
                let _ = jpeg_info(&m, &l);
            }
        }
    }
}
