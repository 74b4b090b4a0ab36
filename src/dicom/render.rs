//! One frame of an instance's Pixel Data, decoded and turned into 8-bit pixels as Orthanc's
//! `/preview` (the full range of a grayscale frame stretched to 0..255) and `/rendered` (the
//! window of the file, or of the request, applied after the rescale) do it; MONOCHROME1 is
//! inverted in both.
//!
//! Native images (MONOCHROME1/2 of 8 or 16 bits, signed or not, RGB of 8 or 16 bits in either planar
//! configuration, any number of frames) and JPEG Baseline ones are decoded; anything else is
//! [`RenderError::Unsupported`], naming what is missing. The size of a frame is computed from
//! Rows × Columns × SamplesPerPixel × BitsAllocated and checked against the bytes present
//! before anything is allocated.

use std::io::Cursor;

use dicom_core::Tag;
use dicom_core::value::Value;
use dicom_dictionary_std::{tags, uids};
use dicom_object::DefaultDicomObject;
use image::{DynamicImage, GrayImage, ImageDecoder, ImageFormat, RgbImage};

/// Why a frame cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// No such frame (Orthanc answers nothing: 404).
    #[error("frame {frame} does not exist (the instance has {frames})")]
    NoSuchFrame { frame: u32, frames: u32 },
    #[error("cannot render this image: {0}")]
    Unsupported(String),
    #[error("malformed image: {0}")]
    Malformed(String),
}

type Result<T> = std::result::Result<T, RenderError>;

/// The most pixels a JPEG frame may have (a 4096×4096 image, 48 MiB in RGB): Rows and Columns
/// may declare 65535 each, and a few bytes of JPEG header can claim as much.
pub const MAX_JPEG_PIXELS: u64 = 16 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Photometric {
    Monochrome1,
    Monochrome2,
    Rgb,
    /// YBR_FULL(_422): only in JPEG, whose decoder converts it to RGB.
    Ybr,
}

/// What the image module of the data set says about its pixels.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    rows: u32,
    columns: u32,
    samples: u16,
    bits_allocated: u16,
    bits_stored: u16,
    high_bit: u16,
    signed: bool,
    planar: bool,
    photometric: Photometric,
    frames: u32,
}

/// A decoded frame: stored values of a grayscale image, or RGB bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum Decoded {
    Gray {
        width: u32,
        height: u32,
        values: Vec<i32>,
    },
    Rgb(RgbImage),
}

fn string(obj: &DefaultDicomObject, tag: Tag) -> Option<String> {
    crate::store::header::string_of(obj, tag).map(|s| s.trim().to_string())
}

fn uint(obj: &DefaultDicomObject, tag: Tag) -> Option<u32> {
    obj.get(tag)?.value().to_int::<u32>().ok()
}

fn float(obj: &DefaultDicomObject, tag: Tag) -> Option<f32> {
    let text = string(obj, tag)?;
    text.split('\\').next()?.trim().parse().ok()
}

/// NumberOfFrames, or 1.
pub fn frame_count(obj: &DefaultDicomObject) -> u32 {
    uint(obj, tags::NUMBER_OF_FRAMES)
        .filter(|n| *n > 0)
        .unwrap_or(1)
}

fn geometry(obj: &DefaultDicomObject) -> Result<Geometry> {
    let need = |tag: Tag, name: &str| {
        uint(obj, tag).ok_or_else(|| RenderError::Malformed(format!("{name} is missing")))
    };
    let rows = need(tags::ROWS, "Rows")?;
    let columns = need(tags::COLUMNS, "Columns")?;
    if rows == 0 || columns == 0 {
        return Err(RenderError::Malformed(format!(
            "the image is {columns}×{rows}"
        )));
    }
    let bits_allocated = need(tags::BITS_ALLOCATED, "BitsAllocated")? as u16;
    let bits_stored = uint(obj, tags::BITS_STORED).map_or(bits_allocated, |b| b as u16);
    let photometric = string(obj, tags::PHOTOMETRIC_INTERPRETATION).unwrap_or_default();
    let photometric = match photometric.as_str() {
        "MONOCHROME1" => Photometric::Monochrome1,
        "MONOCHROME2" => Photometric::Monochrome2,
        "RGB" => Photometric::Rgb,
        "YBR_FULL" | "YBR_FULL_422" => Photometric::Ybr,
        other => {
            return Err(RenderError::Unsupported(format!(
                "PhotometricInterpretation \"{other}\" (dicomq renders MONOCHROME1, MONOCHROME2 and RGB)"
            )));
        }
    };
    Ok(Geometry {
        rows,
        columns,
        samples: uint(obj, tags::SAMPLES_PER_PIXEL).unwrap_or(1) as u16,
        bits_allocated,
        bits_stored,
        high_bit: uint(obj, tags::HIGH_BIT).map_or(bits_stored.saturating_sub(1), |b| b as u16),
        signed: uint(obj, tags::PIXEL_REPRESENTATION) == Some(1),
        planar: uint(obj, tags::PLANAR_CONFIGURATION) == Some(1),
        photometric,
        frames: frame_count(obj),
    })
}

fn check_frame(g: &Geometry, frame: u32) -> Result<()> {
    if frame >= g.frames {
        return Err(RenderError::NoSuchFrame {
            frame,
            frames: g.frames,
        });
    }
    Ok(())
}

fn transfer_syntax(obj: &DefaultDicomObject) -> String {
    obj.meta()
        .transfer_syntax()
        .trim_end_matches('\0')
        .to_string()
}

/// The syntaxes whose Pixel Data is native once read (a deflated data set is inflated by the
/// reader; 1.2.840.10008.1.2.2 is the retired Explicit VR Big Endian, whose values the parser
/// swaps).
fn is_native(ts: &str) -> bool {
    matches!(
        ts,
        uids::IMPLICIT_VR_LITTLE_ENDIAN
            | uids::EXPLICIT_VR_LITTLE_ENDIAN
            | "1.2.840.10008.1.2.2"
            | uids::DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN
    )
}

fn unsupported_syntax(ts: &str) -> RenderError {
    use dicom_encoding::transfer_syntax::TransferSyntaxIndex;
    let name = dicom_transfer_syntax_registry::TransferSyntaxRegistry
        .get(ts)
        .map_or("unknown", |t| t.name());
    RenderError::Unsupported(format!(
        "transfer syntax {ts} ({name}); dicomq decodes uncompressed and JPEG Baseline images"
    ))
}

/// The bytes of one frame as stored: a slice of native Pixel Data, or the compressed fragments
/// of an encapsulated frame.
pub fn raw_frame(obj: &DefaultDicomObject, frame: u32) -> Result<Vec<u8>> {
    let frames = frame_count(obj);
    let pixel = obj
        .get(tags::PIXEL_DATA)
        .ok_or_else(|| RenderError::Malformed("the instance has no Pixel Data".into()))?;
    match pixel.value() {
        Value::PixelSequence(seq) => {
            if frame >= frames {
                return Err(RenderError::NoSuchFrame { frame, frames });
            }
            encapsulated_frame(seq.offset_table(), seq.fragments(), frame, frames)
        }
        Value::Primitive(p) => {
            let g = geometry(obj)?;
            check_frame(&g, frame)?;
            let bytes = p.to_bytes();
            let range = native_range(&g, frame, bytes.len())?;
            Ok(bytes[range].to_vec())
        }
        Value::Sequence(_) => Err(RenderError::Malformed("Pixel Data is a sequence".into())),
    }
}

/// Where frame `frame` lies in native Pixel Data of `len` bytes, checked.
fn native_range(g: &Geometry, frame: u32, len: usize) -> Result<std::ops::Range<usize>> {
    if !matches!(g.bits_allocated, 8 | 16) {
        return Err(RenderError::Unsupported(format!(
            "BitsAllocated {} (dicomq renders 8 and 16 bits)",
            g.bits_allocated
        )));
    }
    let size = u64::from(g.rows)
        * u64::from(g.columns)
        * u64::from(g.samples)
        * u64::from(g.bits_allocated / 8);
    let start = size.checked_mul(u64::from(frame));
    let end = start.and_then(|s| s.checked_add(size)).unwrap_or(u64::MAX);
    if end > len as u64 {
        return Err(RenderError::Malformed(format!(
            "Pixel Data holds {len} bytes, but frame {frame} of {}×{}×{} samples of {} bits ends at byte {end}",
            g.columns, g.rows, g.samples, g.bits_allocated
        )));
    }
    Ok((end - size) as usize..end as usize)
}

/// The fragments of one frame: all of them for a single frame, one per frame when there are as
/// many as frames, else as the Basic Offset Table cuts them.
fn encapsulated_frame(
    offsets: &[u32],
    fragments: &[Vec<u8>],
    frame: u32,
    frames: u32,
) -> Result<Vec<u8>> {
    let i = frame as usize;
    if frames == 1 {
        return Ok(fragments.concat());
    }
    if fragments.len() == frames as usize {
        return Ok(fragments[i].clone());
    }
    if offsets.len() != frames as usize {
        return Err(RenderError::Malformed(format!(
            "{} fragments for {frames} frames, and no Basic Offset Table to tell them apart",
            fragments.len()
        )));
    }
    // Offsets count from the first fragment's item header (8 bytes per item).
    let (from, to) = (
        u64::from(offsets[i]),
        offsets.get(i + 1).map(|o| u64::from(*o)),
    );
    let mut at = 0_u64;
    let mut out = Vec::new();
    for f in fragments {
        if at >= from && to.is_none_or(|to| at < to) {
            out.extend_from_slice(f);
        }
        at += 8 + f.len() as u64;
    }
    if out.is_empty() {
        return Err(RenderError::Malformed(format!(
            "the Basic Offset Table points frame {frame} at no fragment"
        )));
    }
    Ok(out)
}

/// Decodes one frame.
pub fn decode(obj: &DefaultDicomObject, frame: u32) -> Result<Decoded> {
    let g = geometry(obj)?;
    check_frame(&g, frame)?;
    let ts = transfer_syntax(obj);
    if is_native(&ts) {
        let pixel = obj
            .get(tags::PIXEL_DATA)
            .ok_or_else(|| RenderError::Malformed("the instance has no Pixel Data".into()))?;
        let Value::Primitive(p) = pixel.value() else {
            return Err(RenderError::Malformed(
                "Pixel Data is encapsulated in a native transfer syntax".into(),
            ));
        };
        let bytes = p.to_bytes();
        let range = native_range(&g, frame, bytes.len())?;
        decode_native(&g, &bytes[range])
    } else if ts == uids::JPEG_BASELINE8_BIT {
        decode_jpeg(&g, &raw_frame(obj, frame)?)
    } else {
        Err(unsupported_syntax(&ts))
    }
}

fn decode_native(g: &Geometry, data: &[u8]) -> Result<Decoded> {
    let (width, height) = (g.columns, g.rows);
    let pixels = width as usize * height as usize;
    match (g.photometric, g.samples) {
        (Photometric::Rgb, 3) if matches!(g.bits_allocated, 8 | 16) => {
            // 16-bit samples keep their high byte, as Orthanc turns RGB48 into RGB24.
            let bytes: Vec<u8> = if g.bits_allocated == 16 {
                data.chunks_exact(2).map(|c| c[1]).collect()
            } else {
                data.to_vec()
            };
            let rgb: Vec<u8> = if g.planar {
                (0..pixels)
                    .flat_map(|i| [bytes[i], bytes[pixels + i], bytes[2 * pixels + i]])
                    .collect()
            } else {
                bytes
            };
            RgbImage::from_raw(width, height, rgb)
                .map(Decoded::Rgb)
                .ok_or_else(|| RenderError::Malformed("RGB frame of the wrong size".into()))
        }
        (Photometric::Monochrome1 | Photometric::Monochrome2, 1) => {
            if g.bits_stored == 0
                || g.bits_stored > g.bits_allocated
                || g.high_bit >= g.bits_allocated
            {
                return Err(RenderError::Malformed(format!(
                    "BitsStored {} / HighBit {} do not fit BitsAllocated {}",
                    g.bits_stored, g.high_bit, g.bits_allocated
                )));
            }
            let shift = (g.high_bit + 1).saturating_sub(g.bits_stored);
            let mask = (1_u32 << g.bits_stored) - 1;
            let sign = 1_u32 << (g.bits_stored - 1);
            let sample = |raw: u32| -> i32 {
                let v = (raw >> shift) & mask;
                if g.signed && v & sign != 0 {
                    v as i32 - (1_i32 << g.bits_stored)
                } else {
                    v as i32
                }
            };
            let values = if g.bits_allocated == 8 {
                data.iter().map(|b| sample(u32::from(*b))).collect()
            } else {
                data.chunks_exact(2)
                    .map(|c| sample(u32::from(u16::from_le_bytes([c[0], c[1]]))))
                    .collect()
            };
            Ok(Decoded::Gray {
                width,
                height,
                values,
            })
        }
        _ => Err(RenderError::Unsupported(format!(
            "{} samples per pixel of {} bits in {:?}",
            g.samples, g.bits_allocated, g.photometric
        ))),
    }
}

fn decode_jpeg(g: &Geometry, jpeg: &[u8]) -> Result<Decoded> {
    let malformed = |e: image::ImageError| {
        RenderError::Malformed(format!("the JPEG frame does not decode: {e}"))
    };
    let mut decoder =
        image::codecs::jpeg::JpegDecoder::new(Cursor::new(jpeg)).map_err(malformed)?;
    // The header's size, checked before the decoder allocates its output.
    let (w, h) = decoder.dimensions();
    if w > g.columns || h > g.rows || u64::from(w) * u64::from(h) > MAX_JPEG_PIXELS {
        return Err(RenderError::Malformed(format!(
            "the JPEG frame is {w}×{h}, but the image is {}×{} (and at most {MAX_JPEG_PIXELS} pixels are decoded)",
            g.columns, g.rows
        )));
    }
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_JPEG_PIXELS * 3 + (16 << 20));
    decoder.set_limits(limits).map_err(malformed)?;
    let image = DynamicImage::from_decoder(decoder).map_err(malformed)?;
    Ok(match image {
        DynamicImage::ImageLuma8(gray) => Decoded::Gray {
            width: gray.width(),
            height: gray.height(),
            values: gray.into_raw().into_iter().map(i32::from).collect(),
        },
        other => Decoded::Rgb(other.into_rgb8()),
    })
}

/// Whether the frame is shown inverted (MONOCHROME1: low values are white).
pub fn inverted(obj: &DefaultDicomObject) -> bool {
    string(obj, tags::PHOTOMETRIC_INTERPRETATION).as_deref() == Some("MONOCHROME1")
}

/// Orthanc's preview: a grayscale frame's range stretched to 0..255 (all 0 when flat).
pub fn preview(decoded: Decoded, invert: bool) -> DynamicImage {
    match decoded {
        Decoded::Rgb(rgb) => DynamicImage::ImageRgb8(rgb),
        Decoded::Gray {
            width,
            height,
            values,
        } => {
            let min = values.iter().copied().min().unwrap_or(0);
            let max = values.iter().copied().max().unwrap_or(0);
            let scale = if max > min {
                255.0 / (max - min) as f32
            } else {
                0.0
            };
            let pixels = values
                .iter()
                .map(|v| {
                    let p = ((v - min) as f32 * scale).round().clamp(0.0, 255.0) as u8;
                    if invert { 255 - p } else { p }
                })
                .collect();
            gray(width, height, pixels)
        }
    }
}

fn gray(width: u32, height: u32, pixels: Vec<u8>) -> DynamicImage {
    GrayImage::from_raw(width, height, pixels).map_or_else(
        || DynamicImage::new_luma8(width, height),
        DynamicImage::ImageLuma8,
    )
}

/// The rescale and window Orthanc's `/rendered` applies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub slope: f32,
    pub intercept: f32,
    pub center: f32,
    pub width: f32,
}

impl Window {
    /// The file's: RescaleSlope/Intercept when both are present; the first WindowCenter and
    /// WindowWidth when both are, else the whole range of BitsStored.
    pub fn of(obj: &DefaultDicomObject) -> Window {
        let (mut slope, mut intercept) = (1.0, 0.0);
        if let (Some(s), Some(i)) = (
            float(obj, tags::RESCALE_SLOPE),
            float(obj, tags::RESCALE_INTERCEPT),
        ) {
            (slope, intercept) = (s, i);
        }
        let bits = uint(obj, tags::BITS_STORED).unwrap_or(8).min(31);
        let mut width = (1_u32 << bits) as f32 * slope;
        let mut center = width / 2.0 + intercept;
        if let (Some(c), Some(w)) = (
            float(obj, tags::WINDOW_CENTER),
            float(obj, tags::WINDOW_WIDTH),
        ) {
            (center, width) = (c, w);
        }
        Window {
            slope,
            intercept,
            center,
            width,
        }
    }
}

/// Orthanc's rendering: stored values rescaled and windowed to 0..255 (truncated), colour frames
/// as they are.
pub fn rendered(decoded: Decoded, window: Window, invert: bool) -> DynamicImage {
    match decoded {
        Decoded::Rgb(rgb) => DynamicImage::ImageRgb8(rgb),
        Decoded::Gray {
            width,
            height,
            values,
        } => {
            let w = window.width.max(1.0);
            let slope = if window.slope.abs() <= 0.1 {
                0.1
            } else {
                window.slope
            };
            let scaling = 255.0 * slope / w;
            let offset = (window.intercept - window.center + w / 2.0) / slope;
            let pixels = values
                .iter()
                .map(|v| {
                    let p = ((*v as f32 + offset) * scaling).clamp(0.0, 255.0) as u8;
                    if invert { 255 - p } else { p }
                })
                .collect();
            gray(width, height, pixels)
        }
    }
}

/// The image as PNG, or as JPEG of `quality` (1..=100).
pub fn encode(
    image: &DynamicImage,
    jpeg_quality: Option<u8>,
) -> std::result::Result<Vec<u8>, String> {
    let mut out = Vec::new();
    match jpeg_quality {
        None => image
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .map_err(|e| e.to_string())?,
        Some(q) => image
            .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
                &mut out, q,
            ))
            .map_err(|e| e.to_string())?,
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
